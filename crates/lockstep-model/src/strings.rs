use rayon::prelude::*;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Strings stored back to back in one buffer, addressed by dense `u32`
/// indices. Used for a column of raw values during ingest and for the
/// dictionary of distinct values after [`Strings::encode`].
#[derive(Default, Clone)]
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

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Bytes held, for memory reports.
    pub fn heap_bytes(&self) -> usize {
        self.buf.capacity() + self.ends.capacity() * std::mem::size_of::<usize>()
    }

    /// Dictionary-encodes the column: returns one code per string, codes
    /// dense and numbered in order of first appearance, and the distinct
    /// strings in code order. Equal to interning the strings one by one
    /// (the property test checks it), but hashes and sorts in parallel,
    /// so ten million mostly-distinct content ids do not cost ten million
    /// random probes of one growing hash table.
    pub fn encode(&self) -> (Vec<u32>, Strings) {
        let n = self.len();
        let hash = |i: usize| {
            let mut h = DefaultHasher::new();
            self.resolve(i as u32).hash(&mut h);
            h.finish()
        };
        let mut keyed: Vec<(u64, u32)> =
            (0..n).into_par_iter().map(|i| (hash(i), i as u32)).collect();
        keyed.par_sort_unstable();
        // Runs of one hash: each member's first occurrence among the run's
        // distinct strings (a run holds one string unless hashes collide).
        let bounds: Vec<usize> =
            (0..=n).filter(|&k| k == 0 || k == n || keyed[k].0 != keyed[k - 1].0).collect();
        let firsts: Vec<u32> = bounds
            .par_windows(2)
            .flat_map_iter(|w| {
                let run = &keyed[w[0]..w[1]];
                if run.len() == 1 {
                    // Most content ids are unique: no string to compare.
                    return vec![run[0].1];
                }
                let mut distinct: Vec<u32> = Vec::new();
                run.iter()
                    .map(|&(_, i)| {
                        let s = self.resolve(i);
                        match distinct.iter().find(|&&d| self.resolve(d) == s) {
                            Some(&d) => d,
                            None => {
                                distinct.push(i);
                                i
                            }
                        }
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut first = vec![0u32; n];
        for (k, &(_, i)) in keyed.iter().enumerate() {
            first[i as usize] = firsts[k];
        }
        drop(keyed);
        let mut codes = vec![0u32; n];
        let mut dict = Strings::default();
        for i in 0..n {
            let f = first[i] as usize;
            codes[i] = if f == i { dict.push(self.resolve(i as u32)) } else { codes[f] };
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
            let (codes, dict) = col.encode();
            prop_assert_eq!(codes, expected);
            prop_assert_eq!(dict.len(), interner.len());
            for id in 0..dict.len() as u32 {
                prop_assert_eq!(dict.resolve(id), interner.resolve(id));
            }
        }
    }
}
