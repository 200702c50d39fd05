//! A CSV input read on all cores, record for record what the `csv` crate's
//! reader gives on one (`CsvInput::for_each`, the oracle of the property
//! test in `shares_csv.rs`).
//!
//! The input is read in blocks cut after a line end; each block is cut into
//! chunks at line ends, and each chunk is parsed on its own thread by the
//! parser the `csv` crate uses (`csv_core`) into a dataset builder, report
//! and skip log of its own, which are appended in input order: ids, counts,
//! first examples and line numbers come out as one thread would give them.
//! A line end inside a quoted field is not a record boundary, and a chunk
//! cannot know whether it starts inside one; so each chunk parses on past
//! its end to the end of the record there, and the next chunk counts only
//! if it started exactly where that record ended. Otherwise it is parsed
//! again from there, on one thread (rare: it takes a quoted line end at
//! the cut). Appending the last block's chunks and reading the next block
//! overlap parsing this one.

use crate::{ChunkRead, IngestConfig, IngestError, ReadCtx};
use csv_core::ReadRecordResult;
use rayon::prelude::*;
use std::io::BufRead;

/// Bytes read at a time. Large enough that a block gives every thread
/// several chunks of a megabyte or so, small enough to keep two in memory.
const BLOCK: usize = 8 << 20;

/// Chunks per thread in a block, so that uneven chunks even out.
const CHUNKS_PER_THREAD: usize = 4;

/// What a row reader does with one record (its line is the file's).
pub(crate) type RowFn<'f> =
    dyn Fn(&csv::StringRecord, u64, &mut ReadCtx<'_>) -> Result<(), IngestError> + Sync + 'f;

/// A CSV input past its header.
pub(crate) struct ChunkedCsv<'r> {
    input: &'r mut dyn BufRead,
    /// Bytes read and not yet parsed, from a record boundary.
    carry: Vec<u8>,
    /// Line ends before `carry`'s first byte.
    lines_before: u64,
    eof: bool,
    /// The column names, trimmed (a UTF-8 byte order mark dropped).
    pub(crate) header: Vec<String>,
    /// [`BLOCK`], and the smallest chunk (see [`ChunkedCsv::open_sized`]).
    block: usize,
    min_chunk: usize,
}

/// Where a record boundary follows the line end at `j`: after it, or at it
/// when a carriage return ends the record (`csv_core` ends a record at the
/// `\r` and skips the `\n` as the next record's leading empty line).
fn boundary_at(buf: &[u8], j: usize) -> usize {
    if j > 0 && buf[j - 1] == b'\r' {
        j
    } else {
        j + 1
    }
}

/// Reads up to `n` more bytes into `buf`; true at the end of the input.
/// Straight from the input's buffer, with room made once.
fn fill(input: &mut dyn BufRead, buf: &mut Vec<u8>, n: usize) -> std::io::Result<bool> {
    buf.reserve(n);
    let mut left = n;
    while left > 0 {
        let got = match input.fill_buf() {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            got => got?,
        };
        if got.is_empty() {
            return Ok(true);
        }
        let k = got.len().min(left);
        buf.extend_from_slice(&got[..k]);
        input.consume(k);
        left -= k;
    }
    Ok(false)
}

impl<'r> ChunkedCsv<'r> {
    /// Reads the header (the `csv` crate's reader on its bytes, for the
    /// same names and errors).
    pub(crate) fn open(input: &'r mut dyn BufRead, file: &str) -> Result<Self, IngestError> {
        Self::open_sized(input, file, BLOCK, 1 << 16)
    }

    /// [`ChunkedCsv::open`] reading in blocks of `block` bytes (the
    /// header's too) and chunks of at least `min_chunk`: tests make them
    /// tiny, so that small inputs are cut everywhere.
    pub(crate) fn open_sized(
        input: &'r mut dyn BufRead,
        file: &str,
        block: usize,
        min_chunk: usize,
    ) -> Result<Self, IngestError> {
        let io = |source| IngestError::Io { file: file.to_string(), source };
        let mut buf = Vec::new();
        let mut eof = false;
        let header_end = loop {
            let more = block.max(buf.len());
            eof = eof || fill(input, &mut buf, more).map_err(io)?;
            if let Some(end) = header_end(&buf, eof) {
                break end;
            }
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(&buf[..header_end]);
        let header = reader
            .headers()
            .map_err(|e| super::csv_error(file, e))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        let lines_before = memchr::memchr_iter(b'\n', &buf[..header_end]).count() as u64;
        buf.drain(..header_end);
        Ok(ChunkedCsv { input, carry: buf, lines_before, eof, header, block, min_chunk })
    }

    /// Calls `row` on each well-formed record with its line number, on
    /// every core; broken records (bad UTF-8, wrong field count) are
    /// skipped through the chunk's context. Everything a chunk counted is
    /// added to `ctx` in input order.
    pub(crate) fn for_each(
        mut self,
        ctx: &mut ReadCtx<'_>,
        row: &RowFn<'_>,
    ) -> Result<(), IngestError> {
        let (file, format) = (ctx.report.path.clone(), ctx.report.format.clone());
        let io = |source| IngestError::Io { file: file.clone(), source };
        let width = self.header.len();
        let chunks_per_block = rayon::current_num_threads() * CHUNKS_PER_THREAD;
        let mut next = Vec::new();
        // Chunks parsed and not yet appended: the last block's.
        let mut pending = Vec::new();
        loop {
            if !self.eof && self.carry.len() < self.block {
                let want = self.block - self.carry.len();
                self.eof = fill(self.input, &mut self.carry, want).map_err(io)?;
            }
            // The block ends at the last record boundary read (all of it at
            // the end of the input).
            let end = if self.eof {
                self.carry.len()
            } else {
                match memchr::memrchr(b'\n', &self.carry) {
                    Some(j) => boundary_at(&self.carry, j),
                    None => {
                        // One record longer than a block: read on.
                        self.eof = fill(self.input, &mut self.carry, self.block).map_err(io)?;
                        continue;
                    }
                }
            };
            if end == 0 && self.eof {
                break;
            }
            let block = &self.carry[..end];
            let cuts = cuts(block, chunks_per_block, self.min_chunk);
            let parse = Parse {
                block,
                eof: self.eof,
                plain: memchr::memchr2(b'"', b'\r', block).is_none(),
                width,
                header: &self.header,
                row,
                config: ctx.config,
                path: &file,
                format: &format,
            };
            // Parse this block while the last one's chunks are appended and
            // the next one is read, after what follows this block's last
            // boundary: the next block, unless a quoted record runs past
            // this one.
            next.clear();
            next.extend_from_slice(&self.carry[end..]);
            let mut parsed = None;
            let mut read_next = Ok(self.eof);
            let mut appended = Ok(());
            rayon::in_place_scope(|s| {
                s.spawn(|_| {
                    parsed = Some(
                        cuts.par_windows(2)
                            .map(|w| parse.chunk(w[0], w[1]))
                            .collect::<Vec<Chunk>>(),
                    );
                });
                appended = append(ctx, &mut pending, &mut self.lines_before);
                if appended.is_ok() && !self.eof {
                    read_next = fill(self.input, &mut next, self.block);
                }
            });
            appended?;
            let parsed = parsed.expect("the block was parsed");
            let read_eof = read_next.map_err(io)?;
            let mut at = 0;
            for (w, chunk) in cuts.windows(2).zip(parsed) {
                if at >= w[1] {
                    continue; // inside a record the chunk before ended
                }
                let chunk = if chunk.start == at { chunk } else { parse.chunk(at, w[1]) };
                let complete = chunk.complete;
                at = chunk.next;
                pending.push(chunk);
                if !complete {
                    break; // a record runs past the block: read on
                }
            }
            if at == end {
                std::mem::swap(&mut self.carry, &mut next);
            } else {
                self.carry.truncate(end);
                self.carry.drain(..at);
                self.carry.extend_from_slice(&next);
            }
            self.eof = read_eof;
            if self.eof && self.carry.is_empty() {
                break;
            }
        }
        append(ctx, &mut pending, &mut self.lines_before)
    }
}

/// Appends what `chunks` read to `ctx`, in order (each chunk's lines after
/// `lines_before`, which moves past them), stopping at the first error;
/// then reports progress.
fn append(
    ctx: &mut ReadCtx<'_>,
    chunks: &mut Vec<Chunk>,
    lines_before: &mut u64,
) -> Result<(), IngestError> {
    for chunk in chunks.drain(..) {
        chunk.read.append_to(ctx, *lines_before)?;
        *lines_before += chunk.newlines;
    }
    (ctx.progress)(ctx.report.records_read);
    Ok(())
}

/// Where the header record ends in `buf` (None: read on).
fn header_end(buf: &[u8], eof: bool) -> Option<usize> {
    let mut core = csv_core::Reader::new();
    let (mut out, mut ends) = (vec![0u8; 1 << 10], vec![0usize; 64]);
    let (mut pos, mut nout, mut nend) = (0, 0, 0);
    loop {
        let (res, i, o, e) = core.read_record(&buf[pos..], &mut out[nout..], &mut ends[nend..]);
        pos += i;
        nout += o;
        nend += e;
        match res {
            ReadRecordResult::Record => return Some(pos),
            ReadRecordResult::OutputFull => out.resize(out.len() * 2, 0),
            ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
            // The csv crate's reader reads the header from all there is.
            _ if eof => return Some(buf.len()),
            _ => return None,
        }
    }
}

/// Chunk boundaries of `block`: about `n` chunks, each ending at a line
/// end (a record boundary unless the line end is quoted), from 0 to the
/// block's length.
fn cuts(block: &[u8], n: usize, min_chunk: usize) -> Vec<usize> {
    super::chunk_cuts(block, n, min_chunk, |j| boundary_at(block, j))
}

/// What parsing one chunk needs.
struct Parse<'a, 'f> {
    block: &'a [u8],
    /// Whether the block ends the input (its end ends the last record).
    eof: bool,
    /// Whether the block has no quote and no carriage return: its records
    /// are its lines and its fields what commas separate, which
    /// [`Parse::records_plain`] splits without `csv_core`'s byte-by-byte
    /// machine.
    plain: bool,
    width: usize,
    header: &'a [String],
    row: &'a RowFn<'f>,
    config: &'a IngestConfig,
    /// The input's name and format, for the chunks' reports.
    path: &'a str,
    format: &'a str,
}

/// How a chunk's record loop ended: where the record after its last one
/// starts, the line ends before it, whether its last record ended in the
/// block, and the first error.
type Records = (usize, u64, bool, Option<IngestError>);

/// What a chunk read, to be appended in input order.
struct Chunk {
    /// Where it started, and where the record after its last one starts.
    start: usize,
    next: usize,
    /// Line ends between `start` and `next`.
    newlines: u64,
    /// False when its last record runs past the block's end.
    complete: bool,
    /// What its records gave.
    read: ChunkRead,
}

impl Parse<'_, '_> {
    /// Parses the records that start in `start..stop` (the last may run
    /// past `stop`), `start` taken as a record boundary.
    fn chunk(&self, start: usize, stop: usize) -> Chunk {
        let (mut next, mut newlines, mut complete) = (0, 0, true);
        let read = ChunkRead::of(self.path, self.format, self.config, |ctx| {
            let error;
            (next, newlines, complete, error) = if self.plain {
                self.records_plain(start, stop, ctx)
            } else {
                self.records(start, stop, ctx)
            };
            error.map_or(Ok(()), Err)
        });
        Chunk { start, next, newlines, complete, read }
    }

    /// The record loop of [`Parse::chunk`].
    fn records(&self, start: usize, stop: usize, ctx: &mut ReadCtx<'_>) -> Records {
        let input = &self.block[start..];
        let mut core = csv_core::Reader::new();
        // A fresh parser drops a byte order mark at its start, which only
        // the file's start may have: one empty line read first makes it
        // past its start, and the line count starts again.
        let _ = core.read_record(b"\n", &mut [0u8; 1], &mut [0usize; 1]);
        core.set_line(1);
        let (mut fields, mut ends) = (vec![0u8; 1 << 10], vec![0usize; 64]);
        let mut text = csv::StringRecord::new();
        let mut pos = 0;
        loop {
            let (record_start, line) = (pos, core.line());
            if start + record_start >= stop {
                return (start + record_start, line - 1, true, None);
            }
            let (mut nout, mut nend) = (0, 0);
            let ended = loop {
                let rest = &input[pos..];
                if rest.is_empty() && !self.eof {
                    return (start + record_start, line - 1, false, None);
                }
                let (res, i, o, e) = core.read_record(rest, &mut fields[nout..], &mut ends[nend..]);
                pos += i;
                nout += o;
                nend += e;
                match res {
                    ReadRecordResult::InputEmpty => {}
                    ReadRecordResult::OutputFull => fields.resize(fields.len() * 2, 0),
                    ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
                    ReadRecordResult::Record => break false,
                    ReadRecordResult::End => break true,
                }
            };
            if ended {
                return (start + pos, core.line() - 1, true, None);
            }
            let mut from = 0;
            let mut utf8 = true;
            text.clear();
            for &to in &ends[..nend] {
                match std::str::from_utf8(&fields[from..to]) {
                    Ok(field) => text.push_field(field),
                    Err(_) => utf8 = false,
                }
                from = to;
            }
            let result = if utf8 {
                self.one(&text, line, ctx)
            } else {
                let mut record = csv::ByteRecord::new();
                let mut from = 0;
                for &to in &ends[..nend] {
                    record.push_field(&fields[from..to]);
                    from = to;
                }
                self.not_utf8(record, line, ctx)
            };
            if let Err(e) = result {
                return (start + pos, core.line() - 1, true, Some(e));
            }
        }
    }

    /// [`Parse::records`] for a [`Parse::plain`] block: the same records,
    /// lines and results, found with one `memchr2` pass over the chunk's
    /// commas and line ends. As `csv_core` does, empty lines are skipped,
    /// and a record's line is counted from where its search began (before
    /// the empty lines). A line is UTF-8 exactly when each of its fields
    /// is, as commas are ASCII.
    fn records_plain(&self, start: usize, stop: usize, ctx: &mut ReadCtx<'_>) -> Records {
        let input = &self.block[start..];
        let mut text = csv::StringRecord::new();
        let mut seps = memchr::memchr2_iter(b',', b'\n', input);
        let mut commas = Vec::new();
        let (mut pos, mut newlines) = (0, 0u64);
        loop {
            let (record_start, line) = (pos, newlines + 1);
            if start + record_start >= stop {
                return (start + record_start, newlines, true, None);
            }
            while pos < input.len() && input[pos] == b'\n' {
                pos += 1;
                newlines += 1;
            }
            if pos == input.len() && self.eof {
                return (start + pos, newlines, true, None);
            }
            commas.clear();
            let line_end = loop {
                match seps.next() {
                    Some(at) if at < pos => {} // an empty line's end, skipped above
                    Some(at) if input[at] == b',' => commas.push(at),
                    found => break found,
                }
            };
            let begin = pos;
            let end = match line_end {
                Some(at) => {
                    pos = at + 1;
                    newlines += 1;
                    at
                }
                None if self.eof => {
                    pos = input.len();
                    pos
                }
                None => return (start + record_start, line - 1, false, None),
            };
            let result = match std::str::from_utf8(&input[begin..end]) {
                Ok(fields) => {
                    text.clear();
                    let mut from = 0;
                    for &comma in &commas {
                        text.push_field(&fields[from..comma - begin]);
                        from = comma - begin + 1;
                    }
                    text.push_field(&fields[from..]);
                    self.one(&text, line, ctx)
                }
                Err(_) => {
                    let mut record = csv::ByteRecord::new();
                    let mut from = begin;
                    for &comma in &commas {
                        record.push_field(&input[from..comma]);
                        from = comma + 1;
                    }
                    record.push_field(&input[from..end]);
                    self.not_utf8(record, line, ctx)
                }
            };
            if let Err(e) = result {
                return (start + pos, newlines, true, Some(e));
            }
        }
    }

    /// One record read at `line`, every field UTF-8: counted, then skipped
    /// (wrong field count) or given to the row reader.
    fn one(
        &self,
        record: &csv::StringRecord,
        line: u64,
        ctx: &mut ReadCtx<'_>,
    ) -> Result<(), IngestError> {
        ctx.report.records_read += 1;
        if record.len() != self.width {
            let detail = format!("{} fields, the header has {}", record.len(), self.width);
            ctx.skip(line, "*", "wrong number of fields", detail)
        } else {
            (self.row)(record, line, ctx)
        }
    }

    /// One record read at `line` with a field that is not UTF-8: counted
    /// and skipped, with the `csv` crate's account of the first bad field.
    fn not_utf8(
        &self,
        record: csv::ByteRecord,
        line: u64,
        ctx: &mut ReadCtx<'_>,
    ) -> Result<(), IngestError> {
        ctx.report.records_read += 1;
        let bad = csv::StringRecord::from_byte_record(record).expect_err("a field is not UTF-8");
        let err = bad.utf8_error();
        let field = self.header.get(err.field()).cloned().unwrap_or_default();
        ctx.skip(line, &field, "invalid UTF-8", err.to_string())
    }
}
