use crate::{Column, ColumnWriter};
use rayon::prelude::*;
use std::hash::BuildHasher;

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

/// A string's first head in a partition of [`Strings::encode`]: its hash,
/// and where its copy is in the partition's kept bytes ([`NOT_KEPT`]: read
/// it from the column).
struct First {
    hash: u64,
    head: u32,
    at: u32,
    len: u32,
}

/// [`First::at`] of a string not copied.
const NOT_KEPT: u32 = u32::MAX;

/// Bytes of first strings one partition of [`Strings::encode`] copies (two
/// partitions are worked on at a time on two cores): past them, strings
/// are compared where they are in the column.
const FIRSTS_KEPT: usize = 16 << 20;

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

/// A [`Strings`]' bytes and ends wherever they live, for loops over every
/// string: no check of where they live or of UTF-8 boundaries per string
/// ([`Strings::resolve`]'s were a good part of [`Strings::encode`]).
#[derive(Clone, Copy)]
struct View<'a> {
    bytes: &'a [u8],
    ends: &'a [usize],
}

impl<'a> View<'a> {
    /// The bytes of string `i`.
    #[inline]
    fn at(self, i: usize) -> &'a [u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }
}

impl Strings {
    fn view(&self) -> View<'_> {
        match &self.mapped {
            None => View { bytes: self.buf.as_bytes(), ends: &self.ends },
            Some(m) => View { bytes: &m.0, ends: &m.1 },
        }
    }

    /// Appends the bytes of a whole string of a [`View`] (checked, as
    /// mapped bytes are).
    fn push_bytes(&mut self, s: &[u8]) -> u32 {
        self.push(std::str::from_utf8(s).expect("strings written as UTF-8"))
    }

    /// Empty, with room for `strings` strings of `bytes` bytes in all.
    pub fn with_capacity(strings: usize, bytes: usize) -> Strings {
        Strings {
            buf: String::with_capacity(bytes),
            ends: Vec::with_capacity(strings),
            mapped: None,
        }
    }

    /// Appends `s`; returns its index. Panics after [`Strings::spill_to`].
    pub fn push(&mut self, s: &str) -> u32 {
        assert!(self.mapped.is_none(), "strings pushed after they moved to a file");
        let id = u32::try_from(self.ends.len()).expect("more than 2^32 strings");
        self.buf.push_str(s);
        self.ends.push(self.buf.len());
        id
    }

    /// Appends the concatenation of `parts` as one string; returns its
    /// index. Panics after [`Strings::spill_to`].
    pub fn push_parts(&mut self, parts: &[&str]) -> u32 {
        assert!(self.mapped.is_none(), "strings pushed after they moved to a file");
        let id = u32::try_from(self.ends.len()).expect("more than 2^32 strings");
        for p in parts {
            self.buf.push_str(p);
        }
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

    /// Gives back the heap it holds past its strings (a column filled by
    /// pushes holds up to twice its bytes).
    pub fn shrink_to_fit(&mut self) {
        self.buf.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// Bytes of the strings and their ends, on the heap or in files.
    pub fn bytes(&self) -> u64 {
        match &self.mapped {
            None => (self.buf.len() + self.ends.len() * std::mem::size_of::<usize>()) as u64,
            Some(m) => (m.0.len() + m.1.len() * std::mem::size_of::<usize>()) as u64,
        }
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
    /// (the property test checks it), on every core and without one random
    /// probe of a table of every string per row: strings are hashed in
    /// parallel and their (hash, row) pairs split by hash into partitions,
    /// each in row order; each partition finds the first row of each of
    /// its strings in a hash table of its own, small enough for the cache;
    /// back in row order, the first rows number the codes. Strings are
    /// compared only where their hashes are equal, so the result is exact
    /// whatever the hash. A partition gathers its hashes and strings before
    /// its table looks them up, and copies its first strings (up to
    /// [`FIRSTS_KEPT`] bytes) so that repeats are compared in cache: about
    /// 50 bytes per head of the partition, one partition per thread at a
    /// time (a 64th of the heads each).
    pub fn encode(&self) -> (Vec<u32>, Strings) {
        let (codes, dict) = self.encode_with(hash_of, FIRSTS_KEPT);
        (codes, dict.unwrap_or_else(|| self.clone()))
    }

    /// [`Strings::encode`] of a column no longer needed: when every string
    /// is distinct the column is its own dictionary, and is returned as it
    /// is (mapped files stay mapped) rather than copied. Content ids are
    /// such a column: at 10^8 rows the copy was gigabytes.
    pub fn into_encoded(self) -> (Vec<u32>, Strings) {
        let (codes, dict) = self.encode_with(hash_of, FIRSTS_KEPT);
        (codes, dict.unwrap_or(self))
    }

    /// [`Strings::encode`] with a given hash function and bytes of first
    /// strings copied per partition (tests use a weak hash to make
    /// collisions common, and few bytes to compare strings in the column);
    /// no dictionary when it would be the column itself.
    fn encode_with(
        &self,
        hash: impl Fn(&[u8]) -> u64 + Sync,
        firsts_kept: usize,
    ) -> (Vec<u32>, Option<Strings>) {
        /// Partitions, by the hash's top bits.
        const PART_BITS: u32 = 6;
        const PARTS: usize = 1 << PART_BITS;
        /// Rows per block of the partitioning.
        const BLOCK: usize = 1 << 16;
        let n = self.len();
        let view = self.view();
        // Rows repeat the row before them in runs (the account and post id
        // of every action of one post): only the first row of each run,
        // its head, is hashed and looked up.
        let heads: Vec<u32> = (0..n as u32)
            .into_par_iter()
            .filter(|&i| i == 0 || view.at(i as usize) != view.at(i as usize - 1))
            .collect();
        // Without runs every row is a head, and the list is not kept.
        let heads = (heads.len() < n).then_some(heads);
        let row_of = |k: u32| heads.as_ref().map_or(k, |h| h[k as usize]);
        let head = |k: u32| view.at(row_of(k) as usize);
        let h = heads.as_ref().map_or(n, Vec::len);
        let hashes: Vec<u64> = (0..h as u32).into_par_iter().map(|k| hash(head(k))).collect();
        let part = |x: u64| (x >> (64 - PART_BITS)) as usize;
        let counts: Vec<[usize; PARTS]> = hashes
            .par_chunks(BLOCK)
            .map(|block| {
                let mut c = [0; PARTS];
                for &x in block {
                    c[part(x)] += 1;
                }
                c
            })
            .collect();
        // Heads partition by partition, each block's in order within.
        let mut parted = vec![0u32; hashes.len()];
        let mut sizes = [0usize; PARTS];
        {
            let mut per_block: Vec<Vec<&mut [u32]>> =
                counts.iter().map(|_| Vec::with_capacity(PARTS)).collect();
            let mut rest: &mut [u32] = &mut parted;
            for (p, size) in sizes.iter_mut().enumerate() {
                for (b, c) in counts.iter().enumerate() {
                    let (slice, r) = std::mem::take(&mut rest).split_at_mut(c[p]);
                    per_block[b].push(slice);
                    rest = r;
                    *size += c[p];
                }
            }
            per_block.into_par_iter().zip(hashes.par_chunks(BLOCK)).enumerate().for_each(
                |(b, (mut outs, block))| {
                    let mut at = [0usize; PARTS];
                    for (j, &x) in block.iter().enumerate() {
                        let p = part(x);
                        outs[p][at[p]] = (b * BLOCK + j) as u32;
                        at[p] += 1;
                    }
                },
            );
        }
        // Each head's first head with the same string, in `parted`'s order.
        let mut first = vec![0u32; hashes.len()];
        let mut bounds = vec![0];
        for s in sizes {
            bounds.push(bounds.last().copied().unwrap_or(0) + s);
        }
        let mut outs: Vec<&mut [u32]> = Vec::with_capacity(PARTS);
        let mut rest: &mut [u32] = &mut first;
        for s in sizes {
            let (slice, r) = std::mem::take(&mut rest).split_at_mut(s);
            outs.push(slice);
            rest = r;
        }
        outs.into_par_iter().enumerate().for_each(|(p, out)| {
            let part = &parted[bounds[p]..bounds[p + 1]];
            // Sized for every head, so that it never rehashes. An entry
            // keeps its string's hash, and a copy of the string while the
            // partition's copies fit `firsts_kept`: a repeated string is
            // then compared with bytes in cache, not with its first row's
            // far away in the column.
            let mut table = hashbrown::HashTable::<First>::with_capacity(part.len());
            let mut kept: Vec<u8> = Vec::new();
            // The partition's hashes and strings gathered first: loads that
            // do not wait on each other, where the table's loop would wait
            // on each in turn.
            let xs: Vec<u64> = part.iter().map(|&k| hashes[k as usize]).collect();
            let strs: Vec<&[u8]> = part.iter().map(|&k| head(k)).collect();
            for (i, &k) in part.iter().enumerate() {
                let (x, s) = (xs[i], strs[i]);
                let same = |f: &First| {
                    f.hash == x
                        && match f.at {
                            NOT_KEPT => head(f.head) == s,
                            at => kept.get(at as usize..at as usize + f.len as usize) == Some(s),
                        }
                };
                out[i] = match table.find(x, same) {
                    Some(f) => f.head,
                    None => {
                        let (at, len) = if kept.len() + s.len() <= firsts_kept {
                            kept.extend_from_slice(s);
                            ((kept.len() - s.len()) as u32, s.len() as u32)
                        } else {
                            (NOT_KEPT, 0)
                        };
                        table.insert_unique(x, First { hash: x, head: k, at, len }, |f| f.hash);
                        k
                    }
                };
            }
        });
        // Back in head order, block by block: a block's heads of partition
        // `p` are read in order from where that block's part of `p` starts.
        let mut start = vec![[0usize; PARTS]; counts.len()];
        for p in 0..PARTS {
            let mut at = bounds[p];
            for (b, c) in counts.iter().enumerate() {
                start[b][p] = at;
                at += c[p];
            }
        }
        let mut first_of = vec![0u32; hashes.len()];
        first_of.par_chunks_mut(BLOCK).zip(hashes.par_chunks(BLOCK)).enumerate().for_each(
            |(b, (out, block))| {
                let mut at = start[b];
                for (f, &x) in out.iter_mut().zip(block) {
                    let p = part(x);
                    *f = first[at[p]];
                    at[p] += 1;
                }
            },
        );
        drop((parted, first, hashes));
        if heads.is_none() && first_of.par_iter().enumerate().all(|(k, &f)| f as usize == k) {
            return ((0..n as u32).collect(), None);
        }
        // Codes number the heads that are their string's first, in order.
        let is_first = |k: usize| first_of[k] as usize == k;
        // Each block's first strings, numbered within the block, then
        // offset by the blocks before it.
        let mut code_at = vec![0u32; first_of.len()];
        let dicts: Vec<Strings> = code_at
            .par_chunks_mut(BLOCK)
            .enumerate()
            .map(|(b, out)| {
                let mut dict = Strings::default();
                for (j, slot) in out.iter_mut().enumerate() {
                    let k = b * BLOCK + j;
                    if is_first(k) {
                        *slot = dict.push_bytes(head(k as u32));
                    }
                }
                dict
            })
            .collect();
        let mut offsets = Vec::with_capacity(dicts.len());
        let mut before = 0u32;
        for d in &dicts {
            offsets.push(before);
            before += d.len() as u32;
        }
        code_at.par_chunks_mut(BLOCK).zip(offsets).enumerate().for_each(|(b, (out, offset))| {
            for (j, slot) in out.iter_mut().enumerate() {
                if is_first(b * BLOCK + j) {
                    *slot += offset;
                }
            }
        });
        // Sized once, and each block freed as it is copied: the blocks and
        // the whole dictionary are never held twice.
        let bytes = dicts.iter().map(|d| d.buf.len()).sum();
        let mut dict = Strings { buf: String::with_capacity(bytes), ..Strings::default() };
        dict.ends.reserve_exact(before as usize);
        for d in dicts {
            dict.append(&d);
        }
        let head_codes: Vec<u32> = first_of.par_iter().map(|&f| code_at[f as usize]).collect();
        let Some(heads) = heads else { return (head_codes, Some(dict)) };
        let codes: Vec<u32> = heads
            .par_iter()
            .enumerate()
            .flat_map_iter(|(k, &start)| {
                let end = heads.get(k + 1).map_or(n, |&e| e as usize);
                std::iter::repeat_n(head_codes[k], end - start as usize)
            })
            .collect();
        (codes, Some(dict))
    }
}

/// The encoding's hash: fixed, so that runs are reproducible.
fn hash_of(s: &[u8]) -> u64 {
    foldhash::fast::FixedState::with_seed(0x6c6f_636b_7374_6570).hash_one(s)
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
        fn encode_equals_interning(
            // Few strings, repeated and in runs; or every string distinct
            // (the column is then its own dictionary).
            words in prop_oneof![
                proptest::collection::vec("[a-c]{0,3}", 0..300),
                proptest::collection::btree_set("[a-z]{0,6}", 0..300)
                    .prop_map(|s| s.into_iter().rev().collect::<Vec<_>>()),
            ],
        ) {
            let mut col = Strings::default();
            let mut interner = Interner::default();
            let mut expected = Vec::new();
            for w in &words {
                col.push(w);
                expected.push(interner.intern(w));
            }
            // The real hash, and one that collides whenever lengths match;
            // first strings copied, some, or none.
            let weak = |s: &[u8]| s.len() as u64;
            let own = |(codes, dict): (Vec<u32>, Option<Strings>)| (codes, dict.unwrap_or(col.clone()));
            for (codes, dict) in [
                col.encode(),
                col.clone().into_encoded(),
                own(col.encode_with(weak, FIRSTS_KEPT)),
                own(col.encode_with(weak, 5)),
                own(col.encode_with(weak, 0)),
            ] {
                prop_assert_eq!(&codes, &expected);
                prop_assert_eq!(dict.len(), interner.len());
                for id in 0..dict.len() as u32 {
                    prop_assert_eq!(dict.resolve(id), interner.resolve(id));
                }
            }
        }
    }
}
