//! Exact windowed similar-post pairs: every pair of posts within a time
//! window whose token sets are at least a threshold similar. This is the
//! QUT toolkit's `co_similar_tweet` rule, computed by a sweep over posts in
//! time order with a size filter instead of a self-join; quadratic in the
//! posts per window, so it is the parity mode, not the scale mode.

use crate::sets::{jaccard, sizes_can_reach, TokenSets};
use rayon::prelude::*;

/// Two similar posts: their indices (`a < b`) and similarity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimilarPair {
    /// The post with the smaller index.
    pub a: u32,
    /// The other post.
    pub b: u32,
    /// Jaccard similarity of their token sets.
    pub similarity: f64,
}

/// The rule: `|t_a - t_b| <= window_us`, both sets of at least
/// `min_tokens` tokens, Jaccard `>= threshold`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowRule {
    /// Window in microseconds (inclusive).
    pub window_us: i64,
    /// Minimum Jaccard similarity.
    pub threshold: f64,
    /// Sets with fewer tokens are never similar (the toolkit's
    /// `min_document_size_similarity`).
    pub min_tokens: usize,
}

/// Every pair of posts that satisfies `rule`, sorted by `(a, b)`. Post `i`
/// has time `time_us[i]` and tokens `sets.get(i)`. The same result whatever
/// the thread count.
pub fn similar_pairs(time_us: &[i64], sets: &TokenSets, rule: &WindowRule) -> Vec<SimilarPair> {
    assert_eq!(time_us.len(), sets.len(), "one time per token set");
    let mut order: Vec<u32> = (0..time_us.len() as u32)
        .filter(|&i| sets.get(i as usize).len() >= rule.min_tokens.max(1))
        .collect();
    order.par_sort_unstable_by_key(|&i| (time_us[i as usize], i));
    let mut pairs: Vec<SimilarPair> = (0..order.len())
        .into_par_iter()
        .flat_map_iter(|p| {
            let i = order[p] as usize;
            let (ti, si) = (time_us[i], sets.get(i));
            order[p + 1..]
                .iter()
                .take_while(move |&&j| time_us[j as usize] - ti <= rule.window_us)
                .filter_map(move |&j| {
                    let sj = sets.get(j as usize);
                    if !sizes_can_reach(si.len(), sj.len(), rule.threshold) {
                        return None;
                    }
                    let similarity = jaccard(si, sj);
                    (similarity >= rule.threshold).then(|| {
                        let (a, b) = if (i as u32) < j { (i as u32, j) } else { (j, i as u32) };
                        SimilarPair { a, b, similarity }
                    })
                })
        })
        .collect();
    pairs.par_sort_unstable_by_key(|p| (p.a, p.b));
    pairs
}

/// The slow, obviously correct version: every pair of posts, checked
/// against the rule. For tests.
pub fn similar_pairs_oracle(
    time_us: &[i64],
    sets: &TokenSets,
    rule: &WindowRule,
) -> Vec<SimilarPair> {
    let mut out = Vec::new();
    for a in 0..time_us.len() {
        for b in a + 1..time_us.len() {
            let (sa, sb) = (sets.get(a), sets.get(b));
            if sa.len() < rule.min_tokens.max(1) || sb.len() < rule.min_tokens.max(1) {
                continue;
            }
            if (time_us[a] - time_us[b]).abs() > rule.window_us {
                continue;
            }
            let similarity = jaccard(sa, sb);
            if similarity >= rule.threshold {
                out.push(SimilarPair { a: a as u32, b: b as u32, similarity });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sweep_equals_all_pairs(
            posts in proptest::collection::vec(
                (0i64..300, proptest::collection::vec(0u32..8, 0..6)), 0..60),
            window in 0i64..120,
            threshold in prop_oneof![Just(0.5), Just(0.8), Just(1.0), 0.0f64..1.0],
            min_tokens in 0usize..3,
            threads in 1usize..4,
        ) {
            let time_us: Vec<i64> = posts.iter().map(|p| p.0).collect();
            let mut sets = TokenSets::default();
            for p in &posts {
                sets.push(p.1.clone());
            }
            let rule = WindowRule { window_us: window, threshold, min_tokens };
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let fast = pool.install(|| similar_pairs(&time_us, &sets, &rule));
            prop_assert_eq!(fast, similar_pairs_oracle(&time_us, &sets, &rule));
        }
    }
}
