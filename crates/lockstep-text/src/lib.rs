//! Text similarity for lockstep: tokenisers, Jaccard similarity of token
//! sets, MinHash signatures with banded locality-sensitive hashing, and the
//! windowed similar-post pairs of the QUT toolkit's `co_similar_tweet`.
//! Engine code: no I/O, no printing.
#![warn(missing_docs)]

mod bios;
mod language;
mod lsh;
mod minima;
mod near_text;
pub mod normalize;
mod qut;
mod sets;
pub mod similar_posts;
mod tokens;
mod window;

pub use bios::{near_duplicate_bios, BioClusters};
pub use language::{language, Language};
pub use lsh::{lsh_similar_pairs, near_duplicates, LshParams, NearConfig, NearDuplicates};
pub use near_text::{derive as derive_near_text, NearText, NearTextConfig, TextPair};
pub use qut::qut_tokens;
pub use sets::{intersection, jaccard, sizes_can_reach, token_hash, TokenSets, Vocabulary};
pub use tokens::words;
pub use window::{similar_pairs, similar_pairs_oracle, SimilarPair, WindowRule};

/// The `near_text` layer as derived: clusters of near duplicates, or the
/// QUT toolkit's similar posts.
#[derive(Debug, Clone)]
pub enum TextLayer {
    /// MinHash LSH clusters ([`derive_near_text`]).
    Clusters(NearText),
    /// Exact similar posts ([`similar_posts::derive`]).
    SimilarPosts(similar_posts::SimilarPosts),
}

impl TextLayer {
    /// The evidence for a pair of `near_text` rows of `ds`.
    pub fn pair<'d>(&'d self, ds: &'d lockstep_model::Dataset, a: usize, b: usize) -> TextPair<'d> {
        match self {
            TextLayer::Clusters(n) => n.pair(ds, a, b),
            TextLayer::SimilarPosts(s) => s.pair(ds, a, b),
        }
    }
}
