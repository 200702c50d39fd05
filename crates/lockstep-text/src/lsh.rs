//! Near-duplicate clusters of many token sets: MinHash signatures, banded
//! locality-sensitive hashing for candidates, exact Jaccard to verify
//! them, and single-linkage components of the verified pairs.
//!
//! Memory is one band at a time (12 bytes per set), not the signatures:
//! each band's `rows` minima are computed, hashed to a bucket key and
//! sorted; within a bucket, each set is verified against the bucket's
//! representatives in index order (it joins the first it is similar to, or
//! becomes one), so a bucket of copies costs one comparison per copy. Every
//! step is a pure function of the sets and the seed: the same clusters
//! whatever the thread count.

use crate::sets::{jaccard, sizes_can_reach, TokenSets};
use rayon::prelude::*;

/// How a MinHash signature is cut into bands: a pair of sets lands in one
/// bucket of some band with probability `1 - (1 - s^rows)^bands` for
/// similarity `s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LshParams {
    /// Bands.
    pub bands: u32,
    /// MinHash values per band.
    pub rows: u32,
}

impl LshParams {
    /// The longest signature considered.
    pub const MAX_HASHES: u32 = 128;

    /// The probability that a pair of similarity `s` becomes a candidate.
    pub fn candidate_probability(&self, s: f64) -> f64 {
        1.0 - (1.0 - s.powi(self.rows as i32)).powi(self.bands as i32)
    }

    /// Bands for `threshold`: the most rows per band (the fewest dissimilar
    /// candidates) whose signature fits [`Self::MAX_HASHES`] while a pair
    /// at the threshold is a candidate with probability at least 0.995.
    pub fn for_threshold(threshold: f64) -> LshParams {
        let t = threshold.clamp(0.05, 1.0);
        for rows in (1..=16u32).rev() {
            let p_band = t.powi(rows as i32);
            // (1 - p)^b <= 0.005
            let bands = if p_band >= 1.0 {
                1.0
            } else {
                (0.005f64.ln() / (1.0 - p_band).ln()).ceil().max(1.0)
            };
            if bands * f64::from(rows) <= f64::from(Self::MAX_HASHES) {
                return LshParams { bands: bands as u32, rows };
            }
        }
        LshParams { bands: Self::MAX_HASHES, rows: 1 }
    }
}

/// Near-duplicate clusters of a collection of token sets.
#[derive(Debug, Clone, PartialEq)]
pub struct NearDuplicates {
    /// Per set, its cluster's representative: the smallest index in it
    /// (itself for a set alone, or too short).
    pub representative: Vec<u32>,
    /// Per set, its Jaccard similarity with its representative (1 for
    /// representatives; 0 for sets too short to compare).
    pub similarity: Vec<f64>,
    /// Sets with fewer than `min_tokens` tokens, left alone.
    pub too_short: u64,
    /// Candidate comparisons made (exact Jaccard computed).
    pub comparisons: u64,
    /// Comparisons at or over the threshold (edges of the clusters).
    pub similar: u64,
}

/// Parameters of [`near_duplicates`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearConfig {
    /// Minimum Jaccard similarity of an edge.
    pub threshold: f64,
    /// Sets with fewer tokens are not compared.
    pub min_tokens: usize,
    /// Banding.
    pub lsh: LshParams,
    /// Seed of the hash functions.
    pub seed: u64,
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    mix(*state)
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Union-find whose roots are the smallest index of their component.
struct Components(Vec<u32>);

impl Components {
    fn find(&mut self, mut i: u32) -> u32 {
        while self.0[i as usize] != i {
            let up = self.0[self.0[i as usize] as usize];
            self.0[i as usize] = up;
            i = up;
        }
        i
    }
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.0[hi as usize] = lo;
    }
}

/// The hash functions of one configuration.
struct Hashers {
    /// Multiply-shift functions over mixed token ids, `rows` per band.
    fns: Vec<(u64, u64)>,
    token_seed: u64,
    rows: usize,
}

impl Hashers {
    fn new(cfg: &NearConfig) -> Self {
        let LshParams { bands, rows } = cfg.lsh;
        assert!((1..=16).contains(&rows) && bands >= 1, "1 to 16 rows per band, at least one band");
        let mut state = cfg.seed;
        let fns =
            (0..bands * rows).map(|_| (splitmix(&mut state) | 1, splitmix(&mut state))).collect();
        Hashers { fns, token_seed: splitmix(&mut state), rows: rows as usize }
    }

    /// `(bucket key, set)` of every set in `eligible` for `band`, sorted.
    fn band(&self, sets: &TokenSets, eligible: &[u32], band: usize) -> Vec<(u64, u32)> {
        let fns = &self.fns[band * self.rows..(band + 1) * self.rows];
        let mut keyed: Vec<(u64, u32)> = eligible
            .par_iter()
            .map(|&i| {
                let mut mins = [u32::MAX; 16];
                for &t in sets.get(i as usize) {
                    let x = mix(u64::from(t) ^ self.token_seed);
                    for (m, &(a, b)) in mins.iter_mut().zip(fns) {
                        *m = (*m).min((a.wrapping_mul(x).wrapping_add(b) >> 32) as u32);
                    }
                }
                let key = mins[..fns.len()]
                    .iter()
                    .fold(band as u64, |k, &m| mix(k ^ u64::from(m)).rotate_left(7));
                (key, i)
            })
            .collect();
        keyed.par_sort_unstable();
        keyed
    }
}

/// The buckets (runs of equal keys) with more than one set.
fn buckets(keyed: &[(u64, u32)]) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    for k in 1..=keyed.len() {
        if k == keyed.len() || keyed[k].0 != keyed[start].0 {
            if k - start > 1 {
                runs.push(start..k);
            }
            start = k;
        }
    }
    runs
}

fn eligible(sets: &TokenSets, min_tokens: usize) -> Vec<u32> {
    (0..sets.len() as u32).filter(|&i| sets.get(i as usize).len() >= min_tokens.max(1)).collect()
}

/// Clusters `sets` into near duplicates: sets joined by a chain of pairs
/// each at least `threshold` similar, found through LSH.
pub fn near_duplicates(sets: &TokenSets, cfg: &NearConfig) -> NearDuplicates {
    let n = sets.len();
    let hashers = Hashers::new(cfg);
    let eligible = eligible(sets, cfg.min_tokens);
    let mut comps = Components((0..n as u32).collect());
    let (mut comparisons, mut similar) = (0u64, 0u64);
    for band in 0..cfg.lsh.bands as usize {
        let keyed = hashers.band(sets, &eligible, band);
        let found: Vec<(u64, Vec<(u32, u32)>)> = buckets(&keyed)
            .par_iter()
            .map(|r| {
                let mut reps: Vec<u32> = Vec::new();
                let mut edges = Vec::new();
                let mut checks = 0u64;
                for &(_, m) in &keyed[r.clone()] {
                    let sm = sets.get(m as usize);
                    let mut joined = false;
                    for &rep in &reps {
                        let sr = sets.get(rep as usize);
                        if !sizes_can_reach(sr.len(), sm.len(), cfg.threshold) {
                            continue;
                        }
                        checks += 1;
                        if jaccard(sr, sm) >= cfg.threshold {
                            edges.push((rep, m));
                            joined = true;
                            break;
                        }
                    }
                    if !joined {
                        reps.push(m);
                    }
                }
                (checks, edges)
            })
            .collect();
        for (checks, edges) in found {
            comparisons += checks;
            similar += edges.len() as u64;
            for (a, b) in edges {
                comps.union(a, b);
            }
        }
    }
    let representative: Vec<u32> = (0..n as u32).map(|i| comps.find(i)).collect();
    let similarity = (0..n)
        .into_par_iter()
        .map(|i| {
            let r = representative[i] as usize;
            if r != i {
                jaccard(sets.get(r), sets.get(i))
            } else if sets.get(i).len() >= cfg.min_tokens.max(1) {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    NearDuplicates {
        representative,
        similarity,
        too_short: (n - eligible.len()) as u64,
        comparisons,
        similar,
    }
}

/// Every pair of sets that shares a bucket in some band and is at least
/// `threshold` similar, sorted: what LSH finds of the exact similar pairs
/// (each verified, so no false pair). Quadratic in bucket sizes: for
/// measuring recall, not for clustering large collections.
pub fn lsh_similar_pairs(sets: &TokenSets, cfg: &NearConfig) -> Vec<(u32, u32)> {
    let hashers = Hashers::new(cfg);
    let eligible = eligible(sets, cfg.min_tokens);
    let mut pairs = Vec::new();
    for band in 0..cfg.lsh.bands as usize {
        let keyed = hashers.band(sets, &eligible, band);
        for r in buckets(&keyed) {
            let members = &keyed[r];
            for (x, &(_, a)) in members.iter().enumerate() {
                for &(_, b) in &members[x + 1..] {
                    let (sa, sb) = (sets.get(a as usize), sets.get(b as usize));
                    if jaccard(sa, sb) >= cfg.threshold {
                        pairs.push((a.min(b), a.max(b)));
                    }
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banding_reaches_the_threshold() {
        for t in [0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95] {
            let p = LshParams::for_threshold(t);
            assert!(p.bands * p.rows <= LshParams::MAX_HASHES, "{t}: {p:?}");
            assert!(p.candidate_probability(t) >= 0.995, "{t}: {p:?}");
        }
        assert_eq!(LshParams::for_threshold(0.8), LshParams { bands: 18, rows: 6 });
    }

    #[test]
    fn copies_and_edits_cluster_and_strangers_do_not() {
        let mut sets = TokenSets::default();
        let base: Vec<u32> = (0..20).collect();
        sets.push(base.clone()); // 0
        let mut edited = base.clone();
        edited[3] = 100; // one word swapped: 19/21
        sets.push(edited); // 1
        sets.push((50..70).collect()); // 2: another line
        sets.push(base.clone()); // 3: a copy
        sets.push(vec![1, 2]); // 4: too short
        let cfg = NearConfig {
            threshold: 0.8,
            min_tokens: 5,
            lsh: LshParams::for_threshold(0.8),
            seed: 7,
        };
        let d = near_duplicates(&sets, &cfg);
        assert_eq!(d.representative, [0, 0, 2, 0, 4]);
        assert_eq!(d.too_short, 1);
        assert!((d.similarity[1] - 19.0 / 21.0).abs() < 1e-12);
        assert_eq!(d.similarity[3], 1.0);
    }
}
