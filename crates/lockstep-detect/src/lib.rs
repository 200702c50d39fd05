//! Detectors of accounts that act in concert.
//!
//! A detector turns the action table into **pairs** of actions (the
//! evidence) and aggregates them into **edges** between accounts. Every
//! detector implements [`Detector`]; its work is split into shards (one
//! object's actions, say) that run in parallel and merge in a fixed order,
//! so the output is byte-identical for any thread count.
//!
//! ```
//! use lockstep_model::{DatasetBuilder, ActionInput, Layer};
//! use lockstep_detect::{detect, DetectConfig, Semantics};
//! let mut b = DatasetBuilder::default();
//! for (acc, content, t) in [("a", "c1", 0), ("b", "c2", 30), ("a", "c3", 100), ("b", "c4", 110)] {
//!     let object = if t < 50 { "post-1" } else { "post-2" };
//!     b.push_action(ActionInput { account: acc, object, layer: Layer::Repost,
//!         content, time_us: t * 1_000_000, platform: "" });
//! }
//! let ds = b.finish();
//! let out = detect(&ds, &DetectConfig::default());
//! assert_eq!(out.pairs.len(), 2);
//! assert_eq!(out.edges.len(), 1);
//! assert_eq!(out.edges.weight[0], 2); // two acts: two posts each, on two objects
//! ```
#![warn(missing_docs)]

pub mod bounded;
pub mod co_action;
mod config;
pub mod oracle;
mod tables;

pub use config::{DetectConfig, Reach, Semantics, SlowWindow};
pub use tables::{DetectStats, Detection, EdgeTable, PairTable};

use lockstep_model::Dataset;

/// A coordination detector: what it flags, and how to compute it.
pub trait Detector: Sync {
    /// The name of what it flags (`co_action`, ...).
    fn name(&self) -> &'static str;
    /// Runs the detector on the current rayon thread pool.
    fn detect(&self, ds: &Dataset, cfg: &DetectConfig) -> Detection;
}

/// The acts behind the pairs of one account pair, each given as `(object,
/// post of one account, post of the other)`: the smallest of the distinct
/// objects, the distinct posts of the one and the distinct posts of the
/// other. A post is one act: a retweet that matches another on the
/// original, its hashtag and its link is one act, not three, and so is a
/// URL with its domain; one object shared again is one act, not several.
/// Each act needs a post of each account and an object of its own, so
/// this bounds the largest set of pairs that share no post and no object,
/// and equals it when the pairs do not cross (the common case: one post
/// pair on several layers, or one post each per object).
pub fn acts(pairs: &[(u32, u32, u32)]) -> u64 {
    let (objects, one, other) = distinct_counts(pairs);
    objects.min(one).min(other)
}

/// The distinct objects, posts of one account and posts of the other among
/// `pairs` (as for [`acts`]), which are the acts' bounds.
pub fn distinct_counts(pairs: &[(u32, u32, u32)]) -> (u64, u64, u64) {
    let distinct = |f: fn(&(u32, u32, u32)) -> u32| {
        let mut v: Vec<u32> = pairs.iter().map(f).collect();
        v.sort_unstable();
        v.dedup();
        v.len() as u64
    };
    (distinct(|p| p.0), distinct(|p| p.1), distinct(|p| p.2))
}

/// Runs the windowed co-action detector ([`co_action::CoAction`]).
pub fn detect(ds: &Dataset, cfg: &DetectConfig) -> Detection {
    co_action::CoAction.detect(ds, cfg)
}
