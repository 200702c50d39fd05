use crate::Strings;
use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

/// Maps strings to dense `u32` ids in first-seen order, one at a time.
///
/// Strings live in one contiguous buffer ([`Strings`]), so an id costs its
/// bytes plus about 12 bytes of bookkeeping. For large columns of mostly
/// distinct values, [`Strings::encode`] does the same job in bulk.
#[derive(Default, Clone)]
pub struct Interner {
    strings: Strings,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interner").field("len", &self.len()).finish()
    }
}

/// Equal when the same strings have the same ids.
impl PartialEq for Interner {
    fn eq(&self, other: &Self) -> bool {
        self.strings == other.strings
    }
}

impl Interner {
    /// Empty, with room for `strings` strings of `bytes` bytes in all:
    /// interned within them, no string is hashed twice (growing the table
    /// hashes every string it holds again).
    pub fn with_capacity(strings: usize, bytes: usize) -> Interner {
        Interner {
            strings: Strings::with_capacity(strings, bytes),
            table: HashTable::with_capacity(strings),
            hasher: DefaultHashBuilder::default(),
        }
    }

    /// The id of `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> u32 {
        let hash = self.hasher.hash_one(s);
        let strings = &self.strings;
        if let Some(&id) = self.table.find(hash, |&id| strings.resolve(id) == s) {
            return id;
        }
        let id = self.strings.push(s);
        let (hasher, strings) = (&self.hasher, &self.strings);
        self.table.insert_unique(hash, id, |&id| hasher.hash_one(strings.resolve(id)));
        id
    }

    /// The id of `s`, if it was interned.
    pub fn get(&self, s: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(s);
        self.table.find(hash, |&id| self.resolve(id) == s).copied()
    }

    /// The string behind `id`. Panics on an id this interner did not hand out.
    pub fn resolve(&self, id: u32) -> &str {
        self.strings.resolve(id)
    }

    /// The strings, by id.
    pub fn strings(&self) -> &Strings {
        &self.strings
    }

    /// The strings, by id, without the table that finds them.
    pub fn into_strings(self) -> Strings {
        self.strings
    }

    /// Number of distinct strings.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// True when nothing was interned.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn ids_are_dense_and_round_trip(words in proptest::collection::vec("[a-c]{0,3}", 0..200)) {
            let mut i = Interner::default();
            let mut oracle: Vec<String> = Vec::new();
            for w in &words {
                let id = i.intern(w) as usize;
                match oracle.iter().position(|o| o == w) {
                    Some(p) => prop_assert_eq!(p, id),
                    None => { prop_assert_eq!(oracle.len(), id); oracle.push(w.clone()); }
                }
            }
            prop_assert_eq!(i.len(), oracle.len());
            for (id, w) in oracle.iter().enumerate() {
                prop_assert_eq!(i.resolve(id as u32), w.as_str());
                prop_assert_eq!(i.get(w), Some(id as u32));
            }
        }
    }
}
