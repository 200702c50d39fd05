use rayon::prelude::*;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Strings stored back to back in one buffer, addressed by dense `u32`
/// indices. Used for a column of raw values during ingest and for the
/// dictionary of distinct values after [`Strings::encode`].
#[derive(Default, Clone, PartialEq, Eq)]
pub struct Strings {
    buf: String,
    ends: Vec<usize>,
}

impl std::fmt::Debug for Strings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Strings").field("len", &self.len()).finish()
    }
}

impl Strings {
    /// Appends `s`; returns its index.
    pub fn push(&mut self, s: &str) -> u32 {
        let id = u32::try_from(self.ends.len()).expect("more than 2^32 strings");
        self.buf.push_str(s);
        self.ends.push(self.buf.len());
        id
    }

    /// The string at `id`. Panics on an index out of range.
    pub fn resolve(&self, id: u32) -> &str {
        let id = id as usize;
        let start = if id == 0 { 0 } else { self.ends[id - 1] };
        &self.buf[start..self.ends[id]]
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Bytes held on the heap.
    pub fn heap_bytes(&self) -> u64 {
        (self.buf.capacity() + self.ends.capacity() * std::mem::size_of::<usize>()) as u64
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Dictionary-encodes the column: returns one code per string, codes
    /// dense and numbered in order of first appearance, and the distinct
    /// strings in code order. Equal to interning the strings one by one
    /// (the property test checks it), but without one random probe of a
    /// growing hash table per string: hashes are computed and sorted in
    /// parallel, the smallest row of each hash is the candidate first
    /// occurrence, and one pass in row order confirms each string against
    /// its candidate (popular strings' first rows stay in cache). Strings
    /// whose hashes collide are told apart by comparison, so the result is
    /// exact.
    pub fn encode(&self) -> (Vec<u32>, Strings) {
        self.encode_with(|s| {
            let mut h = DefaultHasher::new();
            s.hash(&mut h);
            h.finish()
        })
    }

    /// [`Strings::encode`] with a given hash function (tests use a weak one
    /// to make collisions common).
    fn encode_with(&self, hash: impl Fn(&str) -> u64 + Sync) -> (Vec<u32>, Strings) {
        let n = self.len();
        // Rows repeat the row before them in runs (the account and post id
        // of every action of one post): only the first row of each run is
        // hashed and sorted, which shrinks the sort several times.
        let heads: Vec<u32> = (0..n as u32)
            .into_par_iter()
            .filter(|&i| i == 0 || self.resolve(i) != self.resolve(i - 1))
            .collect();
        let h = heads.len();
        let mut keyed: Vec<(u64, u32)> =
            (0..h).into_par_iter().map(|k| (hash(self.resolve(heads[k])), k as u32)).collect();
        keyed.par_sort_unstable();
        // Per run: the first run with its hash (the candidate first
        // occurrence of its string).
        let mut candidate = vec![0u32; h];
        let mut first_of_run = 0;
        for k in 0..h {
            if k == 0 || keyed[k].0 != keyed[k - 1].0 {
                first_of_run = keyed[k].1;
            }
            candidate[keyed[k].1 as usize] = first_of_run;
        }
        drop(keyed);
        // First runs of the other strings that share a candidate's hash.
        let mut collided: std::collections::HashMap<u32, Vec<u32>> = Default::default();
        let mut head_codes = vec![0u32; h];
        let mut dict = Strings::default();
        for k in 0..h {
            let c = candidate[k];
            let s = self.resolve(heads[k]);
            let first = if c as usize == k || self.resolve(heads[c as usize]) == s {
                c
            } else {
                let others = collided.entry(c).or_default();
                match others.iter().find(|&&f| self.resolve(heads[f as usize]) == s) {
                    Some(&f) => f,
                    None => {
                        others.push(k as u32);
                        k as u32
                    }
                }
            };
            head_codes[k] =
                if first as usize == k { dict.push(s) } else { head_codes[first as usize] };
        }
        let mut codes = Vec::with_capacity(n);
        for (k, &start) in heads.iter().enumerate() {
            let end = heads.get(k + 1).map_or(n, |&e| e as usize);
            codes.extend(std::iter::repeat_n(head_codes[k], end - start as usize));
        }
        (codes, dict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Interner;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn encode_equals_interning(words in proptest::collection::vec("[a-c]{0,3}", 0..300)) {
            let mut col = Strings::default();
            let mut interner = Interner::default();
            let mut expected = Vec::new();
            for w in &words {
                col.push(w);
                expected.push(interner.intern(w));
            }
            // The real hash, and one that collides whenever lengths match.
            for (codes, dict) in [col.encode(), col.encode_with(|s| s.len() as u64)] {
                prop_assert_eq!(&codes, &expected);
                prop_assert_eq!(dict.len(), interner.len());
                for id in 0..dict.len() as u32 {
                    prop_assert_eq!(dict.resolve(id), interner.resolve(id));
                }
            }
        }
    }
}
