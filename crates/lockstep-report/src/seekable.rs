//! Compressed tables that can still be read a byte range at a time:
//! zstd's seekable format (version 0.1.0, `contrib/seekable_format` in
//! zstd's repository). The data is cut into frames of [`FRAME_BYTES`],
//! each compressed on its own, and a seek table at the end, inside a
//! skippable frame, gives each frame's compressed and decompressed size.
//!
//! Every zstd reader (`zstd -d`, DuckDB, pandas, polars) reads
//! the file whole, since decoders skip skippable frames; a reader that
//! knows the table ([`SeekTable`], [`RangeReader`]) decompresses only the
//! frames that hold a range, which is what `lockstep serve` needs for an
//! edge's evidence rows.
//!
//! The bytes depend on the data only: frames are cut every
//! [`FRAME_BYTES`] whatever the thread count, and each is compressed alone
//! at [`LEVEL`].

use rayon::prelude::*;
use std::io::{self, Read, Seek, SeekFrom, Write};

/// Decompressed bytes per frame: what a range read decompresses at most
/// beyond the range, at each end.
pub const FRAME_BYTES: usize = 1 << 20;

/// zstd's own default level: fast to write, about as small as CSV gets
/// without a slow level.
pub const LEVEL: i32 = 3;

const SKIPPABLE_MAGIC: u32 = 0x184D_2A5E;
const SEEKABLE_MAGIC: u32 = 0x8F92_EAB1;
const FOOTER_BYTES: u64 = 9;
/// The skippable frame's magic number and size, before the table.
const SKIPPABLE_HEADER_BYTES: u64 = 8;
/// The format's own bound on a frame (zstd's `ZSTD_SEEKABLE_MAXFRAMES`
/// and `..._MAX_FRAME_DECOMPRESSED_SIZE`): a larger value is a damaged file.
const MAX_FRAMES: u32 = 0x0800_0000;
const MAX_FRAME_DECOMPRESSED: u32 = 0x4000_0000;
/// The descriptor's reserved bits, which must be zero.
const RESERVED_BITS: u8 = 0b0111_1100;
const CHECKSUM_FLAG: u8 = 0b1000_0000;

/// Writes the seekable format: frames as the bytes come, the seek table at
/// [`Writer::finish`]. Frames are compressed a batch at a time on all
/// cores and written in order.
pub struct Writer<W: Write> {
    out: W,
    frame_bytes: usize,
    buf: Vec<u8>,
    batch: Vec<Vec<u8>>,
    /// (compressed, decompressed) size of each frame written.
    frames: Vec<(u32, u32)>,
}

impl<W: Write> Writer<W> {
    /// A writer into `out`, in frames of [`FRAME_BYTES`].
    pub fn new(out: W) -> Self {
        Writer::with_frames_of(out, FRAME_BYTES)
    }

    /// A writer into `out`, in frames of `frame_bytes` (at least 1, at
    /// most the format's 1 GiB).
    pub fn with_frames_of(out: W, frame_bytes: usize) -> Self {
        let frame_bytes = frame_bytes.clamp(1, MAX_FRAME_DECOMPRESSED as usize);
        let buf = Vec::with_capacity(frame_bytes.min(FRAME_BYTES));
        Writer { out, frame_bytes, buf, batch: Vec::new(), frames: Vec::new() }
    }

    fn compress_batch(&mut self) -> io::Result<()> {
        let compressed: Vec<io::Result<Vec<u8>>> =
            self.batch.par_iter().map(|f| zstd::bulk::compress(f, LEVEL)).collect();
        for (frame, c) in self.batch.drain(..).zip(compressed) {
            let c = c?;
            self.out.write_all(&c)?;
            self.frames.push((size32(c.len())?, size32(frame.len())?));
        }
        Ok(())
    }

    /// Writes what is left and the seek table; gives the stream back.
    pub fn finish(mut self) -> io::Result<W> {
        if !self.buf.is_empty() {
            self.batch.push(std::mem::take(&mut self.buf));
        }
        self.compress_batch()?;
        let n = size32(self.frames.len())?;
        if n > MAX_FRAMES {
            return Err(io::Error::other("more frames than zstd's seekable format allows"));
        }
        let table_bytes = u64::from(n) * 8 + FOOTER_BYTES;
        let mut t = Vec::with_capacity(table_bytes as usize + SKIPPABLE_HEADER_BYTES as usize);
        t.extend_from_slice(&SKIPPABLE_MAGIC.to_le_bytes());
        t.extend_from_slice(&size32(table_bytes as usize)?.to_le_bytes());
        for &(c, d) in &self.frames {
            t.extend_from_slice(&c.to_le_bytes());
            t.extend_from_slice(&d.to_le_bytes());
        }
        t.extend_from_slice(&n.to_le_bytes());
        t.push(0); // no checksums
        t.extend_from_slice(&SEEKABLE_MAGIC.to_le_bytes());
        self.out.write_all(&t)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn size32(n: usize) -> io::Result<u32> {
    u32::try_from(n).map_err(|_| io::Error::other("a frame larger than 4 GiB"))
}

impl<W: Write> Write for Writer<W> {
    fn write(&mut self, mut data: &[u8]) -> io::Result<usize> {
        let n = data.len();
        while !data.is_empty() {
            let take = (self.frame_bytes - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buf.len() == self.frame_bytes {
                let next = Vec::with_capacity(self.frame_bytes.min(FRAME_BYTES));
                let full = std::mem::replace(&mut self.buf, next);
                self.batch.push(full);
                // Two frames per thread keep every core busy without
                // holding more than a few megabytes.
                if self.batch.len() >= 2 * rayon::current_num_threads() {
                    self.compress_batch()?;
                }
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        // A frame is written when it is full: flushing mid-frame would cut
        // frames where the caller's buffers end, and the bytes would depend
        // on them.
        Ok(())
    }
}

/// One frame: where it is in the file and in the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Frame {
    compressed_at: u64,
    compressed_len: u32,
    at: u64,
    len: u32,
}

/// A seekable file's table of frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeekTable {
    frames: Vec<Frame>,
}

fn damaged(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("not a seekable zstd file: {why}"))
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

impl SeekTable {
    /// Reads the table at the end of `file`; an error when the file does
    /// not end with one, or its sizes do not add up to the file.
    pub fn read<R: Read + Seek>(file: &mut R) -> io::Result<SeekTable> {
        let file_len = file.seek(SeekFrom::End(0))?;
        if file_len < FOOTER_BYTES + SKIPPABLE_HEADER_BYTES {
            return Err(damaged("too short"));
        }
        let mut footer = [0u8; FOOTER_BYTES as usize];
        file.seek(SeekFrom::End(-(FOOTER_BYTES as i64)))?;
        file.read_exact(&mut footer)?;
        if u32_at(&footer, 5) != SEEKABLE_MAGIC {
            return Err(damaged("no seek table at its end"));
        }
        let n = u32_at(&footer, 0);
        let descriptor = footer[4];
        if descriptor & RESERVED_BITS != 0 || n > MAX_FRAMES {
            return Err(damaged("a seek table this reader does not know"));
        }
        let entry = if descriptor & CHECKSUM_FLAG != 0 { 12 } else { 8 };
        let table_len = u64::from(n) * entry + FOOTER_BYTES;
        let frame_len = table_len + SKIPPABLE_HEADER_BYTES;
        if frame_len > file_len {
            return Err(damaged("its seek table is longer than the file"));
        }
        let table_at = file_len - frame_len;
        let mut table = vec![0u8; frame_len as usize];
        file.seek(SeekFrom::Start(table_at))?;
        file.read_exact(&mut table)?;
        if u32_at(&table, 0) != SKIPPABLE_MAGIC || u64::from(u32_at(&table, 4)) != table_len {
            return Err(damaged("its seek table is not in a skippable frame"));
        }
        let mut frames = Vec::with_capacity(n as usize);
        let (mut compressed_at, mut at) = (0u64, 0u64);
        for i in 0..n as usize {
            let e = SKIPPABLE_HEADER_BYTES as usize + i * entry as usize;
            let (compressed_len, len) = (u32_at(&table, e), u32_at(&table, e + 4));
            if len > MAX_FRAME_DECOMPRESSED {
                return Err(damaged("a frame larger than the format allows"));
            }
            frames.push(Frame { compressed_at, compressed_len, at, len });
            compressed_at += u64::from(compressed_len);
            at += u64::from(len);
        }
        if compressed_at != table_at {
            return Err(damaged("its frames do not add up to the file"));
        }
        Ok(SeekTable { frames })
    }

    /// The decompressed size of the data.
    pub fn len(&self) -> u64 {
        self.frames.last().map_or(0, |f| f.at + u64::from(f.len))
    }

    /// Whether the data is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The frame that holds decompressed byte `at` (`at` < [`Self::len`]).
    fn frame_of(&self, at: u64) -> usize {
        self.frames.partition_point(|f| f.at + u64::from(f.len) <= at)
    }
}

/// Bytes `start..end` of a seekable file's data, decompressing only the
/// frames that hold them.
pub struct RangeReader<'a, R> {
    file: R,
    table: &'a SeekTable,
    at: u64,
    end: u64,
    /// The frame in `frame`, and its bytes.
    loaded: Option<usize>,
    frame: Vec<u8>,
    compressed: Vec<u8>,
}

impl<'a, R: Read + Seek> RangeReader<'a, R> {
    /// A reader of `start..end` (clipped to the data).
    pub fn new(file: R, table: &'a SeekTable, start: u64, end: u64) -> Self {
        let end = end.min(table.len());
        RangeReader {
            file,
            table,
            at: start.min(end),
            end,
            loaded: None,
            frame: Vec::new(),
            compressed: Vec::new(),
        }
    }

    fn load(&mut self, i: usize) -> io::Result<()> {
        let f = self.table.frames[i];
        self.file.seek(SeekFrom::Start(f.compressed_at))?;
        self.compressed.resize(f.compressed_len as usize, 0);
        self.file.read_exact(&mut self.compressed)?;
        self.frame = zstd::bulk::decompress(&self.compressed, f.len as usize)?;
        if self.frame.len() != f.len as usize {
            return Err(damaged("a frame's size differs from its seek table's"));
        }
        self.loaded = Some(i);
        Ok(())
    }
}

impl<R: Read + Seek> Read for RangeReader<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at >= self.end || out.is_empty() {
            return Ok(0);
        }
        let i = self.table.frame_of(self.at);
        if self.loaded != Some(i) {
            self.load(i)?;
        }
        let f = self.table.frames[i];
        let from = (self.at - f.at) as usize;
        let to = ((self.end - f.at) as usize).min(self.frame.len());
        let n = (to - from).min(out.len());
        out[..n].copy_from_slice(&self.frame[from..from + n]);
        self.at += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Cursor;

    fn seekable(data: &[u8], pieces: &[usize]) -> Vec<u8> {
        let mut w = Writer::new(Vec::new());
        let mut rest = data;
        for &p in pieces.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (a, b) = rest.split_at(p.clamp(1, rest.len()));
            w.write_all(a).unwrap();
            w.flush().unwrap();
            rest = b;
        }
        w.finish().unwrap()
    }

    /// Rows like pairs.csv's, several frames' worth.
    fn rows(n: usize) -> Vec<u8> {
        (0..n)
            .flat_map(|i| {
                format!("t,obj{},acc{},acc{},{i}\n", i % 977, i % 31, i % 17).into_bytes()
            })
            .collect()
    }

    #[test]
    fn any_zstd_reader_reads_it_whole() {
        let data = rows(120_000);
        assert!(data.len() > 2 * FRAME_BYTES);
        let file = seekable(&data, &[4096]);
        assert!(file.len() < data.len() / 3, "{} of {}", file.len(), data.len());
        // The streaming decoder knows nothing of seek tables.
        assert_eq!(zstd::stream::decode_all(&file[..]).unwrap(), data);
        let table = SeekTable::read(&mut Cursor::new(&file)).unwrap();
        assert_eq!(table.len(), data.len() as u64);
        assert_eq!(table.frames.len(), data.len().div_ceil(FRAME_BYTES));
    }

    #[test]
    fn empty_data_is_a_table_alone() {
        let file = seekable(b"", &[1]);
        assert_eq!(file.len(), 17);
        let table = SeekTable::read(&mut Cursor::new(&file)).unwrap();
        assert!(table.is_empty());
        let mut got = Vec::new();
        RangeReader::new(Cursor::new(&file), &table, 0, 10).read_to_end(&mut got).unwrap();
        assert!(got.is_empty());
    }

    #[test]
    fn damage_is_an_error_not_a_panic() {
        let file = seekable(&rows(1000), &[100]);
        let plain = zstd::bulk::compress(&rows(1000), LEVEL).unwrap();
        for bad in [&file[..file.len() - 1], &file[1..], &plain[..], &[][..], &file[..12]] {
            let err = SeekTable::read(&mut Cursor::new(bad)).unwrap_err();
            assert!(err.to_string().contains("not a seekable zstd file"), "{err}");
        }
        // A frame's bytes changed: its range is an error.
        let mut flipped = file.clone();
        flipped[20] ^= 0xff;
        let table = SeekTable::read(&mut Cursor::new(&flipped)).unwrap();
        let mut got = Vec::new();
        let read = RangeReader::new(Cursor::new(&flipped), &table, 0, 50).read_to_end(&mut got);
        assert!(read.is_err() || got != rows(1000)[..50]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// The oracle is a slice of the data: any range, any way of
        /// writing it, gives the same bytes, and the file does not depend
        /// on how the writes were cut.
        #[test]
        fn a_range_is_the_slice_of_the_data(
            n in 0usize..60_000,
            pieces in proptest::collection::vec(1usize..300_000, 1..4),
            ranges in proptest::collection::vec((0u64..3_000_000, 0u64..3_000_000), 1..6),
        ) {
            let data = rows(n);
            let file = seekable(&data, &pieces);
            prop_assert_eq!(&file, &seekable(&data, &[FRAME_BYTES * 3]));
            let table = SeekTable::read(&mut Cursor::new(&file)).unwrap();
            for (s, t) in ranges {
                let (s, t) = (s.min(t), s.max(t));
                let mut got = Vec::new();
                RangeReader::new(Cursor::new(&file), &table, s, t).read_to_end(&mut got).unwrap();
                let len = data.len() as u64;
                let want = &data[s.min(len) as usize..t.min(len) as usize];
                prop_assert_eq!(got, want);
            }
        }
    }
}
