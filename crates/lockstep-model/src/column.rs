//! A column of plain values, on the heap or in a file mapped read-only.
//!
//! A detection's results (a pair and an edge table) can outgrow a memory
//! limit on their own: 51 million edges are 4 GB. Under a limit the engine
//! writes them to a file and maps it, so the kernel holds them as page
//! cache, which it can drop and read again, instead of as process memory,
//! which it cannot. Readers see a slice either way.
//!
//! This is lockstep-model's one module with `unsafe` code: mapping a
//! file, and viewing values as bytes and back. Why it is sound is said at
//! each use.
#![allow(unsafe_code)]

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::ops::Deref;
use std::path::{Path, PathBuf};

/// Values that are their bytes: no padding, no pointers, every byte
/// pattern the type itself writes reads back as the same value.
///
/// # Safety
/// Implement only for types without padding bytes whose values are valid
/// at any address with the type's alignment, read back from bytes written
/// from values of the same type.
pub unsafe trait Plain: Copy + Send + Sync + 'static {}

// SAFETY: primitive numbers have no padding; a `bool` read back from bytes
// written from `bool`s is 0 or 1.
unsafe impl Plain for u8 {}
unsafe impl Plain for u16 {}
unsafe impl Plain for u32 {}
unsafe impl Plain for u64 {}
unsafe impl Plain for i64 {}
unsafe impl Plain for f64 {}
unsafe impl Plain for usize {}
unsafe impl Plain for bool {}
// SAFETY: a struct of one `u16`.
unsafe impl Plain for crate::LayerSet {}

fn as_bytes<T: Plain>(v: &[T]) -> &[u8] {
    // SAFETY: `T: Plain` has no padding, so every byte of the slice is
    // initialised; `u8` has alignment 1 and the length is the slice's size.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
}

enum Data<T> {
    Heap(Vec<T>),
    File { map: memmap2::Mmap, len: usize },
}

/// A read-only column: a `Vec` or a mapped file, read as a slice.
pub struct Column<T: Plain> {
    data: Data<T>,
}

impl<T: Plain> Column<T> {
    /// Whether the values live in a mapped file.
    pub fn is_mapped(&self) -> bool {
        matches!(self.data, Data::File { .. })
    }

    /// Bytes on the heap (none for a mapped column).
    pub fn heap_bytes(&self) -> u64 {
        match &self.data {
            Data::Heap(v) => (v.capacity() * std::mem::size_of::<T>()) as u64,
            Data::File { .. } => 0,
        }
    }

    /// Bytes in a mapped file (none on the heap).
    pub fn mapped_bytes(&self) -> u64 {
        match &self.data {
            Data::Heap(_) => 0,
            Data::File { len, .. } => (len * std::mem::size_of::<T>()) as u64,
        }
    }

    /// The values in a `Vec` of their own.
    pub fn into_vec(self) -> Vec<T> {
        match self.data {
            Data::Heap(v) => v,
            Data::File { .. } => self.to_vec(),
        }
    }
}

impl<T: Plain> Deref for Column<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match &self.data {
            Data::Heap(v) => v,
            // SAFETY: the map holds `len` values of `T` written by
            // `ColumnWriter<T>` from a `&[T]` (so valid values, `T: Plain`);
            // it starts on a page boundary, so it is aligned for `T`; the
            // file was unlinked from a folder of this process's own when it
            // was mapped, so no other program changes it under us; and the
            // slice borrows `self`, which owns the map.
            Data::File { map, len } => unsafe {
                std::slice::from_raw_parts(map.as_ptr().cast::<T>(), *len)
            },
        }
    }
}

impl<T: Plain> Default for Column<T> {
    fn default() -> Self {
        Column { data: Data::Heap(Vec::new()) }
    }
}

impl<T: Plain> From<Vec<T>> for Column<T> {
    fn from(v: Vec<T>) -> Self {
        Column { data: Data::Heap(v) }
    }
}

impl<T: Plain> FromIterator<T> for Column<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Column::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<T: Plain> Clone for Column<T> {
    fn clone(&self) -> Self {
        Column::from(self.to_vec())
    }
}

impl<T: Plain + PartialEq> PartialEq for Column<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Plain + Eq> Eq for Column<T> {}

impl<T: Plain + PartialEq, const N: usize> PartialEq<[T; N]> for Column<T> {
    fn eq(&self, other: &[T; N]) -> bool {
        **self == other[..]
    }
}

impl<T: Plain + PartialEq> PartialEq<Vec<T>> for Column<T> {
    fn eq(&self, other: &Vec<T>) -> bool {
        **self == other[..]
    }
}

impl<T: Plain + std::hash::Hash> std::hash::Hash for Column<T> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (**self).hash(h)
    }
}

impl<T: Plain + std::fmt::Debug> std::fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Builds a [`Column`] by appending, on the heap or, once given a folder,
/// in a file there (values already on the heap move to it).
pub struct ColumnWriter<T: Plain> {
    heap: Vec<T>,
    file: Option<(BufWriter<File>, PathBuf)>,
    len: usize,
}

impl<T: Plain> Default for ColumnWriter<T> {
    fn default() -> Self {
        ColumnWriter { heap: Vec::new(), file: None, len: 0 }
    }
}

impl<T: Plain> ColumnWriter<T> {
    /// From now on, writes to a new file `path` (which must not exist)
    /// instead of the heap.
    pub fn spill_to(&mut self, path: &Path) -> io::Result<()> {
        if self.file.is_some() {
            return Ok(());
        }
        let f = File::options().read(true).write(true).create_new(true).open(path)?;
        let mut w = BufWriter::with_capacity(1 << 20, f);
        w.write_all(as_bytes(&self.heap))?;
        self.heap = Vec::new();
        self.file = Some((w, path.to_path_buf()));
        Ok(())
    }

    /// Values appended so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing was appended.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `v`.
    pub fn extend_from_slice(&mut self, v: &[T]) -> io::Result<()> {
        self.len += v.len();
        match &mut self.file {
            Some((w, _)) => w.write_all(as_bytes(v)),
            None => {
                self.heap.extend_from_slice(v);
                Ok(())
            }
        }
    }

    /// The column: the heap's values, or the file mapped read-only and
    /// unlinked (the map keeps its pages; nothing is left to clean up).
    pub fn finish(mut self) -> io::Result<Column<T>> {
        let Some((w, path)) = self.file.take() else {
            return Ok(Column::from(std::mem::take(&mut self.heap)));
        };
        let file = w.into_inner().map_err(|e| e.into_error())?;
        let data = if self.len == 0 {
            Data::Heap(Vec::new())
        } else {
            // SAFETY: the file was created here (`create_new`) in a folder
            // of this process's own and is unlinked below, before any reader
            // exists; nothing writes it after this point.
            let map = unsafe { memmap2::Mmap::map(&file)? };
            Data::File { map, len: self.len }
        };
        std::fs::remove_file(&path)?;
        Ok(Column { data })
    }
}

impl<T: Plain> Drop for ColumnWriter<T> {
    /// A writer dropped before `finish` (an error on the way) removes its
    /// file.
    fn drop(&mut self) {
        if let Some((_, path)) = self.file.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn folder(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("lockstep-column-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    proptest! {
        /// Whenever the writer moves to a file, the column reads back the
        /// values appended, and the folder is left empty.
        #[test]
        fn file_columns_read_back(
            chunks in proptest::collection::vec(proptest::collection::vec(any::<u64>(), 0..50), 0..8),
            switch in 0usize..9,
            floats in proptest::collection::vec(any::<f64>(), 0..20),
        ) {
            let dir = folder("p");
            let mut w = ColumnWriter::<u64>::default();
            for (k, c) in chunks.iter().enumerate() {
                if k == switch {
                    w.spill_to(&dir.join("c.bin")).unwrap();
                }
                w.extend_from_slice(c).unwrap();
            }
            let mapped = switch < chunks.len();
            let col = w.finish().unwrap();
            let all: Vec<u64> = chunks.concat();
            prop_assert_eq!(&*col, &all[..]);
            prop_assert_eq!(col.is_mapped(), mapped && !all.is_empty());
            prop_assert_eq!(col.clone(), Column::from(all));
            let mut f = ColumnWriter::<f64>::default();
            f.spill_to(&dir.join("f.bin")).unwrap();
            f.extend_from_slice(&floats).unwrap();
            let fc = f.finish().unwrap();
            prop_assert_eq!(fc.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                floats.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
            prop_assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
            std::fs::remove_dir(&dir).unwrap();
        }
    }

    #[test]
    fn an_unfinished_writer_leaves_no_file() {
        let dir = folder("u");
        let mut w = ColumnWriter::<u32>::default();
        w.spill_to(&dir.join("u.bin")).unwrap();
        w.extend_from_slice(&[1, 2, 3]).unwrap();
        drop(w);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir(&dir).unwrap();
    }

    #[test]
    fn bools_and_layer_sets_round_trip() {
        let dir = folder("b");
        let mut w = ColumnWriter::<bool>::default();
        w.spill_to(&dir.join("b.bin")).unwrap();
        w.extend_from_slice(&[true, false, true]).unwrap();
        assert_eq!(&*w.finish().unwrap(), &[true, false, true]);
        let mut l = ColumnWriter::<crate::LayerSet>::default();
        l.extend_from_slice(&[crate::LayerSet(5)]).unwrap();
        l.spill_to(&dir.join("l.bin")).unwrap();
        l.extend_from_slice(&[crate::LayerSet(0x3ff)]).unwrap();
        let c = l.finish().unwrap();
        assert!(c.is_mapped());
        assert_eq!(&*c, &[crate::LayerSet(5), crate::LayerSet(0x3ff)]);
        std::fs::remove_dir(&dir).unwrap();
    }
}
