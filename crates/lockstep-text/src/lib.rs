//! Text similarity for lockstep: tokenisers, Jaccard similarity of token
//! sets, MinHash signatures with banded locality-sensitive hashing, and the
//! windowed similar-post pairs of the QUT toolkit's `co_similar_tweet`.
//! Engine code: no I/O, no printing.
#![warn(missing_docs)]

mod bios;
mod lsh;
mod near_text;
pub mod normalize;
mod qut;
mod sets;
mod tokens;
mod window;

pub use bios::{near_duplicate_bios, BioClusters};
pub use lsh::{lsh_similar_pairs, near_duplicates, LshParams, NearConfig, NearDuplicates};
pub use near_text::{derive as derive_near_text, NearText, NearTextConfig, TextPair};
pub use qut::qut_tokens;
pub use sets::{intersection, jaccard, sizes_can_reach, token_hash, TokenSets, Vocabulary};
pub use tokens::words;
pub use window::{similar_pairs, similar_pairs_oracle, SimilarPair, WindowRule};
