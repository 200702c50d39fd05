//! lockstep datasets: the canonical tables of an ingest written once as
//! Parquet, so that repeated analyses skip parsing.
//!
//! A dataset is a folder:
//!
//! | file | rows |
//! |---|---|
//! | `dataset.json` | the manifest: format version, the inputs with their SHA-256 and read/used/skipped counts, skipped-record examples, the ingest parameters, and each table's rows and SHA-256 |
//! | `actions.parquet` | one per action: `account_id`, `object_id`, `layer`, `content_id`, `time_us`, `platform`, `self_ref` |
//! | `accounts.parquet` | one per account: `account_id`, `name`, and the optional metadata columns |
//! | `objects.parquet` | one per object: `object_id`, `layer`, `name` |
//! | `contents.parquet` | one per content id: `content_id`, `name` |
//!
//! Ids are dense and equal to the row number of their table, so the tables
//! join on them (docs/dataset.md has the full schema). Writing is
//! sequential and deterministic: the same dataset gives the same bytes.
//! Reading checks every table against the manifest's SHA-256 and every id
//! against its table, because a dataset is a file someone can edit.
#![warn(missing_docs)]

mod columns;
mod error;
mod manifest;
mod read;
mod write;

pub use error::StoreError;
pub use manifest::{Manifest, TableInfo, FORMAT_VERSION, MANIFEST};
pub use read::{is_dataset, read_dataset, read_ingested};
pub use write::write_dataset;

/// The table files of a dataset, in the order they are written.
pub const TABLES: [&str; 4] =
    ["actions.parquet", "accounts.parquet", "objects.parquet", "contents.parquet"];

/// Rows per Parquet row group: large enough for good compression and few
/// page headers, small enough that a reader streams.
pub const ROW_GROUP_ROWS: usize = 1 << 20;
