//! Token sets: each text's distinct tokens as sorted `u32` ids in one
//! arena (dense ids from a [`Vocabulary`], or [`token_hash`]es), and their
//! Jaccard similarity.

use std::collections::HashMap;

/// Many token sets back to back: set `i` is `tokens[ends[i-1]..ends[i]]`,
/// sorted and without duplicates.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TokenSets {
    tokens: Vec<u32>,
    ends: Vec<usize>,
}

impl TokenSets {
    /// Number of sets.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are no sets.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Set `i`.
    pub fn get(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.tokens[start..self.ends[i]]
    }

    /// Adds a set of token ids (sorted and de-duplicated here).
    pub fn push(&mut self, mut ids: Vec<u32>) {
        self.push_unsorted(&mut ids);
    }

    /// Adds a set of token ids, sorting and de-duplicating them in place.
    pub fn push_unsorted(&mut self, ids: &mut [u32]) {
        ids.sort_unstable();
        let start = self.tokens.len();
        for &t in ids.iter() {
            if self.tokens.len() == start || *self.tokens.last().expect("not empty") != t {
                self.tokens.push(t);
            }
        }
        self.ends.push(self.tokens.len());
    }

    /// Appends every set of `other`.
    pub fn append(&mut self, other: &TokenSets) {
        let base = self.tokens.len();
        self.tokens.extend_from_slice(&other.tokens);
        self.ends.extend(other.ends.iter().map(|&e| e + base));
    }
}

/// Token strings to dense ids, for building [`TokenSets`].
#[derive(Debug, Default)]
pub struct Vocabulary {
    ids: HashMap<String, u32>,
}

impl Vocabulary {
    /// The id of `token`, adding it if new.
    pub fn id(&mut self, token: &str) -> u32 {
        if let Some(&id) = self.ids.get(token) {
            return id;
        }
        let id = u32::try_from(self.ids.len()).expect("fewer than 2^32 distinct tokens");
        self.ids.insert(token.to_string(), id);
        id
    }

    /// Distinct tokens seen.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when no token was seen.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// A stable 32-bit hash of a token (FNV-1a, then a 64-bit finaliser, top
/// half): the same on every build and platform, so clusters do not change
/// with the compiler. Two distinct tokens share a hash with probability
/// 2^-32, which can merge two words in a comparison; the similarities
/// written as evidence are computed on the words themselves.
pub fn token_hash(token: &str) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in token.as_bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((h ^ (h >> 31)) >> 32) as u32
}

/// `|a ∩ b|` of two sorted, de-duplicated slices.
pub fn intersection(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Jaccard similarity `|a ∩ b| / |a ∪ b|` of two sorted, de-duplicated
/// slices, computed as the QUT toolkit does (one `f64` division), so that
/// a comparison with a threshold agrees with it to the last bit. Two empty
/// sets have similarity 0.
pub fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let inter = intersection(a, b);
    inter as f64 / (a.len() + b.len() - inter) as f64
}

/// Whether two sets of these sizes can reach `threshold`: the Jaccard
/// similarity is at most `min / max`, and division is monotone in floating
/// point too, so this never rejects a pair that [`jaccard`] would accept.
pub fn sizes_can_reach(a: usize, b: usize, threshold: f64) -> bool {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    hi == 0 || lo as f64 / hi as f64 >= threshold
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    proptest! {
        #[test]
        fn jaccard_equals_the_set_formula(
            a in proptest::collection::btree_set(0u32..40, 0..20),
            b in proptest::collection::btree_set(0u32..40, 0..20),
        ) {
            let (va, vb): (Vec<u32>, Vec<u32>) = (a.iter().copied().collect(), b.iter().copied().collect());
            let inter = a.intersection(&b).count();
            let union: BTreeSet<_> = a.union(&b).collect();
            let expected = if union.is_empty() { 0.0 } else { inter as f64 / union.len() as f64 };
            prop_assert_eq!(jaccard(&va, &vb), expected);
            for t in [0.3, 0.5, 0.8, 0.9, 1.0] {
                if expected >= t {
                    prop_assert!(sizes_can_reach(va.len(), vb.len(), t));
                }
            }
        }
    }
}
