//! LSH against exact Jaccard on generated texts with known similarities:
//! lines edited by operators (words swapped, added, dropped), lines on a
//! shared topic, and unrelated posts. For each threshold, the pairs LSH
//! finds are exact pairs (every candidate is verified), at least 95% of the
//! exact pairs are found, and at least 95% of them end in one cluster.

use lockstep_text::{
    jaccard, lsh_similar_pairs, near_duplicates, LshParams, NearConfig, TokenSets,
};
use std::collections::BTreeSet;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Operator copies of base lines with 0 to 5 edits, topic posts that share
/// a small vocabulary, and unrelated posts.
pub fn generate(seed: u64) -> TokenSets {
    let mut rng = Rng(seed);
    let mut sets = TokenSets::default();
    for _ in 0..150 {
        let len = 10 + rng.below(25) as usize;
        let base: Vec<u32> = (0..len).map(|_| rng.below(20_000) as u32).collect();
        sets.push(base.clone());
        for _ in 0..rng.below(9) {
            let mut v = base.clone();
            for _ in 0..rng.below(6) {
                match rng.below(3) {
                    0 => {
                        let i = rng.below(v.len() as u64) as usize;
                        v[i] = rng.below(20_000) as u32;
                    }
                    1 => v.push(rng.below(20_000) as u32),
                    _ if v.len() > 3 => {
                        let i = rng.below(v.len() as u64) as usize;
                        v.remove(i);
                    }
                    _ => {}
                }
            }
            sets.push(v);
        }
    }
    for _ in 0..600 {
        let len = 6 + rng.below(12) as usize;
        sets.push((0..len).map(|_| 30_000 + rng.below(60) as u32).collect());
    }
    for _ in 0..800 {
        let len = 5 + rng.below(30) as usize;
        sets.push((0..len).map(|_| rng.below(20_000) as u32).collect());
    }
    sets
}

fn exact_pairs(sets: &TokenSets, t: f64, min_tokens: usize) -> BTreeSet<(u32, u32)> {
    let mut out = BTreeSet::new();
    for a in 0..sets.len() {
        if sets.get(a).len() < min_tokens {
            continue;
        }
        for b in a + 1..sets.len() {
            if sets.get(b).len() >= min_tokens && jaccard(sets.get(a), sets.get(b)) >= t {
                out.insert((a as u32, b as u32));
            }
        }
    }
    out
}

#[test]
fn lsh_finds_the_exact_pairs() {
    let sets = generate(11);
    for t in [0.5, 0.6, 0.7, 0.8, 0.9] {
        let cfg =
            NearConfig { threshold: t, min_tokens: 5, lsh: LshParams::for_threshold(t), seed: 3 };
        let exact = exact_pairs(&sets, t, 5);
        assert!(exact.len() > 300, "too few similar pairs at {t} to measure: {}", exact.len());
        let found: BTreeSet<(u32, u32)> = lsh_similar_pairs(&sets, &cfg).into_iter().collect();
        assert!(found.is_subset(&exact), "a reported pair is below {t}");
        let recall = found.len() as f64 / exact.len() as f64;
        assert!(recall >= 0.95, "pair recall {recall:.3} at {t}");
        let d = near_duplicates(&sets, &cfg);
        let together = exact
            .iter()
            .filter(|&&(a, b)| d.representative[a as usize] == d.representative[b as usize])
            .count();
        let cluster_recall = together as f64 / exact.len() as f64;
        assert!(cluster_recall >= 0.95, "cluster recall {cluster_recall:.3} at {t}");
    }
}

#[test]
fn clusters_do_not_depend_on_threads() {
    let sets = generate(5);
    let cfg =
        NearConfig { threshold: 0.8, min_tokens: 5, lsh: LshParams::for_threshold(0.8), seed: 1 };
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| near_duplicates(&sets, &cfg))
    };
    assert_eq!(run(1), run(3));
}
