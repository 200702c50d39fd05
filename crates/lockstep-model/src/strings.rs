use crate::{Column, ColumnWriter};
use rayon::prelude::*;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Strings stored back to back in one buffer, addressed by dense `u32`
/// indices. Used for a column of raw values during ingest and for the
/// dictionary of distinct values after [`Strings::encode`]. A finished
/// dictionary can move to a file mapped read-only ([`Strings::spill_to`]).
#[derive(Default, Clone)]
pub struct Strings {
    buf: String,
    ends: Vec<usize>,
    /// After [`Strings::spill_to`]: the bytes and ends in mapped files
    /// (`buf` and `ends` are then empty). Boxed: most `Strings` never move.
    mapped: Option<Box<(Column<u8>, Column<usize>)>>,
}

impl PartialEq for Strings {
    /// The same strings in the same order, wherever they live.
    fn eq(&self, other: &Self) -> bool {
        if self.mapped.is_none() && other.mapped.is_none() {
            return self.buf == other.buf && self.ends == other.ends;
        }
        self.len() == other.len()
            && (0..self.len() as u32).all(|i| self.resolve(i) == other.resolve(i))
    }
}

impl Eq for Strings {}

impl std::fmt::Debug for Strings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Strings").field("len", &self.len()).finish()
    }
}

impl Strings {
    /// Appends `s`; returns its index. Panics after [`Strings::spill_to`].
    pub fn push(&mut self, s: &str) -> u32 {
        assert!(self.mapped.is_none(), "strings pushed after they moved to a file");
        let id = u32::try_from(self.ends.len()).expect("more than 2^32 strings");
        self.buf.push_str(s);
        self.ends.push(self.buf.len());
        id
    }

    /// Appends every string of `other`, in order. Panics after
    /// [`Strings::spill_to`] (on either).
    pub fn append(&mut self, other: &Strings) {
        assert!(
            self.mapped.is_none() && other.mapped.is_none(),
            "strings appended after they moved to a file"
        );
        let base = self.buf.len();
        self.buf.push_str(&other.buf);
        self.ends.extend(other.ends.iter().map(|e| e + base));
        u32::try_from(self.ends.len()).expect("more than 2^32 strings");
    }

    /// The string at `id`. Panics on an index out of range.
    pub fn resolve(&self, id: u32) -> &str {
        let id = id as usize;
        match &self.mapped {
            None => {
                let start = if id == 0 { 0 } else { self.ends[id - 1] };
                &self.buf[start..self.ends[id]]
            }
            Some(m) => {
                let (bytes, ends) = &**m;
                let start = if id == 0 { 0 } else { ends[id - 1] };
                // Checked, not assumed: the bytes came from a `String`, and
                // the check costs little next to what resolving is for
                // (writing a row of a file).
                std::str::from_utf8(&bytes[start..ends[id]]).expect("strings written as UTF-8")
            }
        }
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.mapped.as_ref().map_or(self.ends.len(), |m| m.1.len())
    }

    /// Bytes held on the heap.
    pub fn heap_bytes(&self) -> u64 {
        (self.buf.capacity() + self.ends.capacity() * std::mem::size_of::<usize>()) as u64
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the strings live in mapped files.
    pub fn is_mapped(&self) -> bool {
        self.mapped.is_some()
    }

    /// Moves the strings to two new files in `dir` (named from `name`),
    /// mapped read-only and unlinked, and frees the heap they took: for a
    /// dictionary that is large and rarely read, such as a dataset's content
    /// ids (read only to write pairs.csv). The strings read the same.
    pub fn spill_to(&mut self, dir: &std::path::Path, name: &str) -> std::io::Result<()> {
        if self.mapped.is_some() {
            return Ok(());
        }
        let mut bytes = ColumnWriter::<u8>::default();
        bytes.spill_to(&dir.join(format!("{name}-bytes.bin")))?;
        bytes.extend_from_slice(self.buf.as_bytes())?;
        let mut ends = ColumnWriter::<usize>::default();
        ends.spill_to(&dir.join(format!("{name}-ends.bin")))?;
        ends.extend_from_slice(&self.ends)?;
        self.mapped = Some(Box::new((bytes.finish()?, ends.finish()?)));
        self.buf = String::new();
        self.ends = Vec::new();
        Ok(())
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
        /// Strings moved to mapped files read and compare as before, and
        /// leave nothing in the folder.
        #[test]
        fn spilled_strings_read_the_same(words in proptest::collection::vec("\\PC{0,4}", 0..100)) {
            let dir = std::env::temp_dir().join(format!("lockstep-strings-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let mut col = Strings::default();
            for w in &words {
                col.push(w);
            }
            let before = col.clone();
            col.spill_to(&dir, "s").unwrap();
            prop_assert_eq!(col.is_mapped(), true);
            prop_assert_eq!(col.heap_bytes(), 0);
            prop_assert_eq!(col.len(), words.len());
            for (i, w) in words.iter().enumerate() {
                prop_assert_eq!(col.resolve(i as u32), w.as_str());
            }
            prop_assert!(col == before);
            prop_assert!(before == col);
            prop_assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
            std::fs::remove_dir(&dir).unwrap();
        }

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
