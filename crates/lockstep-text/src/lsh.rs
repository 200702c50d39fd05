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

use crate::minima::Kernel;
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

pub(crate) fn mix(mut z: u64) -> u64 {
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
    /// Multiply-shift functions `(a * x + b) >> 32` over mixed token ids
    /// `x`, `rows` per band: their `a`s and their `b`s.
    a: Vec<u64>,
    b: Vec<u64>,
    token_seed: u64,
    rows: usize,
    kernel: Kernel,
}

impl Hashers {
    fn new(cfg: &NearConfig) -> Self {
        let LshParams { bands, rows } = cfg.lsh;
        assert!((1..=16).contains(&rows) && bands >= 1, "1 to 16 rows per band, at least one band");
        let mut state = cfg.seed;
        let (a, b) =
            (0..bands * rows).map(|_| (splitmix(&mut state) | 1, splitmix(&mut state))).unzip();
        let token_seed = splitmix(&mut state);
        Hashers { a, b, token_seed, rows: rows as usize, kernel: Kernel::best() }
    }

    /// The bucket keys of `set` for `out.len()` bands from `first`: its
    /// tokens are mixed once for all of them, not once per band.
    fn set_keys(&self, set: &[u32], first: usize, out: &mut [u64]) {
        let fns = first * self.rows..(first + out.len()) * self.rows;
        let mut mins = [u32::MAX; PASS_HASHES];
        let mins = &mut mins[..fns.len()];
        self.kernel.lower(set, self.token_seed, &self.a[fns.clone()], &self.b[fns], mins);
        for (b, key) in out.iter_mut().enumerate() {
            let band = (first + b) as u64;
            *key = mins[b * self.rows..(b + 1) * self.rows]
                .iter()
                .fold(band, |k, &m| mix(k ^ u64::from(m)).rotate_left(7));
        }
    }

    /// [`Hashers::set_keys`] of every set in `eligible`, set by set
    /// (`count` keys each).
    fn keys(&self, sets: &TokenSets, eligible: &[u32], first: usize, count: usize) -> Vec<u64> {
        let mut keys = vec![0u64; eligible.len() * count];
        keys.par_chunks_mut(count)
            .zip(eligible)
            .for_each(|(out, &i)| self.set_keys(sets.get(i as usize), first, out));
        keys
    }

    /// Calls `f` with each band's `(bucket key, set)` of every set in
    /// `eligible`, sorted, band after band; the keys of several bands
    /// computed in one pass, holding at most `key_bytes` of them.
    fn each_band(
        &self,
        sets: &TokenSets,
        eligible: &[u32],
        key_bytes: usize,
        mut f: impl FnMut(Vec<(u64, u32)>),
    ) {
        let bands = self.a.len() / self.rows;
        let per_pass = self.bands_per_pass(eligible.len(), key_bytes);
        for first in (0..bands).step_by(per_pass) {
            let count = per_pass.min(bands - first);
            // One band a pass holds no keys beside the band's own pairs.
            let keys = (count > 1).then(|| self.keys(sets, eligible, first, count));
            for b in 0..count {
                let mut keyed: Vec<(u64, u32)> = eligible
                    .par_iter()
                    .enumerate()
                    .map(|(j, &i)| match &keys {
                        Some(keys) => (keys[j * count + b], i),
                        None => {
                            let mut key = [0];
                            self.set_keys(sets.get(i as usize), first, &mut key);
                            (key[0], i)
                        }
                    })
                    .collect();
                keyed.par_sort_unstable();
                f(keyed);
            }
        }
    }

    /// Bands whose keys one pass of [`Hashers::keys`] computes for `sets`
    /// sets: as many as [`PASS_HASHES`] functions and `key_bytes` of keys
    /// allow, at least one.
    fn bands_per_pass(&self, sets: usize, key_bytes: usize) -> usize {
        let by_memory = key_bytes / (8 * sets.max(1));
        (PASS_HASHES / self.rows).min(by_memory).max(1)
    }
}

/// Hash functions one pass over the sets computes at most.
const PASS_HASHES: usize = 128;

/// Bytes of bucket keys one pass holds at most (8 per set and band).
const PASS_KEY_BYTES: usize = 64 << 20;

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
    near_duplicates_within(sets, cfg, PASS_KEY_BYTES)
}

/// [`near_duplicates`] holding at most `key_bytes` of bucket keys at once
/// (tests make it tiny: one band per pass).
fn near_duplicates_within(sets: &TokenSets, cfg: &NearConfig, key_bytes: usize) -> NearDuplicates {
    let n = sets.len();
    let hashers = Hashers::new(cfg);
    let eligible = eligible(sets, cfg.min_tokens);
    let mut comps = Components((0..n as u32).collect());
    let (mut comparisons, mut similar) = (0u64, 0u64);
    hashers.each_band(sets, &eligible, key_bytes, |keyed| {
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
    });
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
    hashers.each_band(sets, &eligible, PASS_KEY_BYTES, |keyed| {
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
    });
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// One band's key of one set, hashing its tokens for that band alone.
    fn key_oracle(h: &Hashers, set: &[u32], band: usize) -> u64 {
        let fns = band * h.rows..(band + 1) * h.rows;
        let mins: Vec<u32> = h.a[fns.clone()]
            .iter()
            .zip(&h.b[fns])
            .map(|(&a, &b)| {
                set.iter()
                    .map(|&t| {
                        let x = mix(u64::from(t) ^ h.token_seed);
                        (a.wrapping_mul(x).wrapping_add(b) >> 32) as u32
                    })
                    .min()
                    .unwrap_or(u32::MAX)
            })
            .collect();
        mins.iter().fold(band as u64, |k, &m| mix(k ^ u64::from(m)).rotate_left(7))
    }

    proptest! {
        /// Keys of several bands in one pass, from any first band, are each
        /// band's own.
        #[test]
        fn keys_in_one_pass_are_each_bands(
            raw in proptest::collection::vec(proptest::collection::vec(0u32..50, 0..12), 1..20),
            rows in 1u32..8,
            bands in 1u32..20,
            first in 0usize..20,
            seed in any::<u64>(),
        ) {
            let mut sets = TokenSets::default();
            for set in raw {
                sets.push(set);
            }
            let cfg = NearConfig { threshold: 0.8, min_tokens: 1, lsh: LshParams { bands, rows }, seed };
            let h = Hashers::new(&cfg);
            let first = first % bands as usize;
            let count = (bands as usize - first).min(h.bands_per_pass(sets.len(), PASS_KEY_BYTES));
            let eligible: Vec<u32> = (0..sets.len() as u32).rev().collect();
            let keys = h.keys(&sets, &eligible, first, count);
            for (j, &i) in eligible.iter().enumerate() {
                for b in 0..count {
                    prop_assert_eq!(keys[j * count + b], key_oracle(&h, sets.get(i as usize), first + b));
                }
            }
        }
    }

    proptest! {
        /// One band per pass or all at once: the same clusters and counts.
        #[test]
        fn passes_do_not_change_the_clusters(
            raw in proptest::collection::vec(proptest::collection::vec(0u32..12, 0..8), 1..40),
            seed in any::<u64>(),
        ) {
            let mut sets = TokenSets::default();
            for set in raw {
                sets.push(set);
            }
            let lsh = LshParams::for_threshold(0.6);
            let cfg = NearConfig { threshold: 0.6, min_tokens: 2, lsh, seed };
            let all = near_duplicates(&sets, &cfg);
            let one_by_one = near_duplicates_within(&sets, &cfg, 1);
            prop_assert_eq!(&all.representative, &one_by_one.representative);
            prop_assert_eq!(&all.similarity, &one_by_one.similarity);
            prop_assert_eq!((all.comparisons, all.similar), (one_by_one.comparisons, one_by_one.similar));
        }
    }

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
