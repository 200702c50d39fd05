use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

/// Maps strings to dense `u32` ids in first-seen order.
///
/// Strings live in one contiguous buffer, so an id costs its bytes plus about
/// 12 bytes of bookkeeping: this matters at 10^8 distinct content ids, where a
/// `HashMap<String, u32>` would spend several times that on allocations.
#[derive(Default, Clone)]
pub struct Interner {
    buf: String,
    ends: Vec<usize>,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interner").field("len", &self.len()).finish()
    }
}

impl Interner {
    /// The id of `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> u32 {
        let hash = self.hasher.hash_one(s);
        let (buf, ends) = (&self.buf, &self.ends);
        let get = |id: u32| -> &str {
            let id = id as usize;
            let start = if id == 0 { 0 } else { ends[id - 1] };
            &buf[start..ends[id]]
        };
        if let Some(&id) = self.table.find(hash, |&id| get(id) == s) {
            return id;
        }
        let id = u32::try_from(self.ends.len()).expect("more than 2^32 distinct strings");
        self.buf.push_str(s);
        self.ends.push(self.buf.len());
        let hasher = &self.hasher;
        let (buf, ends) = (&self.buf, &self.ends);
        self.table.insert_unique(hash, id, |&id| {
            let id = id as usize;
            let start = if id == 0 { 0 } else { ends[id - 1] };
            hasher.hash_one(&buf[start..ends[id]])
        });
        id
    }

    /// The id of `s`, if it was interned.
    pub fn get(&self, s: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(s);
        self.table.find(hash, |&id| self.resolve(id) == s).copied()
    }

    /// The string behind `id`. Panics on an id this interner did not hand out.
    pub fn resolve(&self, id: u32) -> &str {
        let id = id as usize;
        let start = if id == 0 { 0 } else { self.ends[id - 1] };
        &self.buf[start..self.ends[id]]
    }

    /// Number of distinct strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when nothing was interned.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Bytes held, for memory reports.
    pub fn heap_bytes(&self) -> usize {
        self.buf.capacity() + self.ends.capacity() * 8 + self.table.capacity() * 5
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
