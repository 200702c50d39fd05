//! The canonical tables of lockstep, independent of any input format and of
//! any detector.
//!
//! A [`Dataset`] holds an [`ActionTable`] (one row per action, struct of
//! arrays), an [`AccountTable`] (optional metadata per account) and the
//! interners that map strings to dense `u32` ids.
//!
//! ```
//! use lockstep_model::{DatasetBuilder, Layer, ActionInput};
//! let mut b = DatasetBuilder::default();
//! b.push_action(ActionInput {
//!     account: "alice", object: "tweet-1", layer: Layer::Repost,
//!     content: "rt-1", time_us: 1_000_000, platform: "twitter",
//! });
//! let ds = b.finish();
//! assert_eq!(ds.actions.len(), 1);
//! // Ids that belong to a platform are namespaced by it.
//! assert_eq!(ds.object_name(ds.actions.object[0]), "x:tweet-1");
//! assert_eq!(ds.account_name(ds.actions.account[0]), "x:alice");
//! ```
#![warn(missing_docs)]

mod accounts;
mod actions;
mod column;
mod concat;
pub mod folder;
mod interner;
mod language;
mod layer;
mod platform;
mod provenance;
mod strings;
pub mod time;
mod url;

pub use accounts::{AccountField, AccountTable, SparseAccountTable};
pub use actions::{ActionInput, ActionTable, Dataset, DatasetBuilder, RawSpill, NO_TEXT};
pub use column::{Column, ColumnWriter, Plain};
pub use concat::DatasetPart;
pub use interner::Interner;
pub use language::LanguageTag;
pub use layer::{Layer, LayerSet, ParseLayerError};
pub use platform::namespace;
pub use provenance::{count, FileReport, Ingested, SkipExample, SkipLog, MAX_EXAMPLES};
pub use strings::Strings;
pub use url::{site_host, url_domain};
