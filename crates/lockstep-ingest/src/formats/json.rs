//! JSON inputs: JSON Lines (one value per line; a line holding an array
//! gives one record per element), one top-level array, or one
//! pretty-printed object (its first line is a lone `{`). JSON Lines and
//! arrays stream (arrays through `scan.rs`); each element is parsed on its
//! own, so a bad element is one skipped record, with its line.

use crate::{ChunkRead, IngestError, ReadCtx};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::io::BufRead;
use std::io::Read;

const PROGRESS_EVERY: u64 = 1 << 14;

/// Whether the first bytes look like JSON (an object or an array).
pub(crate) fn looks_like_json(head: &[u8]) -> bool {
    matches!(head.iter().find(|b| !b.is_ascii_whitespace()), Some(b'{' | b'['))
}

/// Calls `f` on every record of type `T` with its 1-based line. Records
/// that are not valid JSON, or not a `T`, are skipped as `invalid JSON`.
pub(crate) fn for_each_record<T: DeserializeOwned>(
    input: &mut dyn BufRead,
    ctx: &mut ReadCtx<'_>,
    mut f: impl FnMut(T, u64, &mut ReadCtx<'_>) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    for_each_json(input, ctx, |json, line, ctx| match parse_record::<T>(json, line, ctx)? {
        Some(v) => f(v, line, ctx),
        None => Ok(()),
    })
}

/// Parses one record; `None` (skipped as `invalid JSON`) when it is not a
/// `T`. For record types that borrow their strings from the input.
pub(crate) fn parse_record<'j, T: Deserialize<'j>>(
    json: &'j str,
    line: u64,
    ctx: &mut ReadCtx<'_>,
) -> Result<Option<T>, IngestError> {
    match serde_json::from_str::<T>(json) {
        Ok(v) => Ok(Some(v)),
        Err(e) => ctx.skip(line, "*", "invalid JSON", e.to_string()).map(|()| None),
    }
}

/// Where a saved API response wraps its records: the keys from the
/// top-level object to them, `*` standing for every element of an array
/// on the way. Where the path ends at an array, each element is a record
/// (`["statuses"]`: X API v1.1 search); elsewhere the value reached is
/// (`["data", "children", "*", "data"]`: a Reddit listing).
pub(crate) type Envelope = &'static [&'static str];

/// Calls `f` on the text of every record with its 1-based line (counting
/// it as read); `f` parses it, with [`parse_record`].
pub(crate) fn for_each_json(
    input: &mut dyn BufRead,
    ctx: &mut ReadCtx<'_>,
    f: impl FnMut(&str, u64, &mut ReadCtx<'_>) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    for_each_json_in(input, ctx, &[], f)
}

/// [`for_each_json`], with the records inside `envelopes` read one by one
/// (each counted as read; an envelope without records is one record,
/// counted as unused).
pub(crate) fn for_each_json_in(
    input: &mut dyn BufRead,
    ctx: &mut ReadCtx<'_>,
    envelopes: &[Envelope],
    f: impl FnMut(&str, u64, &mut ReadCtx<'_>) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    let mut f = enveloped(envelopes, f);
    let file = ctx.report.path.clone();
    let io_err = |e: std::io::Error| IngestError::Io { file: file.clone(), source: e };
    let head = input.fill_buf().map_err(io_err)?;
    match Layout::of(head) {
        Layout::Object => {
            let mut text = String::new();
            input.read_to_string(&mut text).map_err(io_err)?;
            let blank = text.len() - text.trim_start().len();
            let line = 1 + text.as_bytes()[..blank].iter().filter(|&&b| b == b'\n').count() as u64;
            f(text.trim(), line, ctx)?;
        }
        Layout::Array => {
            let mut scanner = super::scan::Scanner::new(input, &file);
            scanner.array(&mut |_, raw, line| match std::str::from_utf8(raw) {
                Ok(text) => f(text, line, ctx),
                Err(_) => {
                    ctx.report.records_read += 1;
                    ctx.skip(line, "*", "invalid UTF-8", String::new())
                }
            })?;
            if !scanner.at_end()? {
                return Err(scanner.error("data after the top-level array"));
            }
        }
        Layout::Lines => json_lines(input, ctx, &mut f)?,
    }
    (ctx.progress)(ctx.report.records_read);
    Ok(())
}

/// What a record reader does with one record's text (its line is the
/// file's), when records are read on all cores.
pub(crate) type RecordFn<'f> =
    dyn Fn(&str, u64, &mut ReadCtx<'_>) -> Result<(), IngestError> + Sync + 'f;

/// Bytes of JSON Lines read at a time by [`for_each_json_par`] (every
/// thread gets several chunks of a block), and the smallest chunk.
const SIZES: (usize, usize) = (8 << 20, 1 << 16);

#[cfg(test)]
thread_local! {
    /// Block and chunk sizes for tests on this thread: tiny, so that small
    /// inputs are cut everywhere.
    static TEST_SIZES: std::cell::Cell<Option<(usize, usize)>> = const { std::cell::Cell::new(None) };
}

fn sizes() -> (usize, usize) {
    #[cfg(test)]
    if let Some(sizes) = TEST_SIZES.with(std::cell::Cell::get) {
        return sizes;
    }
    SIZES
}

/// [`for_each_json_in`] on all cores, for formats whose records stand on
/// their own (`f` keeps nothing from one record to the next, and account
/// metadata is first-wins, as [`lockstep_model::DatasetBuilder::append`]
/// merges it). JSON Lines are read in blocks cut after a line end, each
/// cut into chunks at line ends (a JSON line holds no raw line end), read
/// by the one-thread loop into readings of their own and appended in
/// input order: ids, counts, first examples and lines as one thread gives
/// them. A top-level array or one pretty-printed object reads on one
/// thread.
pub(crate) fn for_each_json_par(
    input: &mut dyn BufRead,
    ctx: &mut ReadCtx<'_>,
    envelopes: &[Envelope],
    f: &RecordFn<'_>,
) -> Result<(), IngestError> {
    let (file, format) = (ctx.report.path.clone(), ctx.report.format.clone());
    let io_err = |e: std::io::Error| IngestError::Io { file: file.clone(), source: e };
    if Layout::of(input.fill_buf().map_err(io_err)?) != Layout::Lines {
        return for_each_json_in(input, ctx, envelopes, f);
    }
    let chunks_per_block = rayon::current_num_threads() * 4;
    let (block_size, min_chunk) = sizes();
    let config = ctx.config;
    let (mut carry, mut eof, mut lines_before) = (Vec::new(), false, 0u64);
    // A block's chunks, appended to `ctx` in order, the lines of each offset
    // by those before it.
    let mut append = |ctx: &mut ReadCtx<'_>, read: Vec<(ChunkRead, u64)>| {
        for (chunk, newlines) in read {
            chunk.append_to(ctx, lines_before)?;
            lines_before += newlines;
        }
        (ctx.progress)(ctx.report.records_read);
        Ok(())
    };
    // The chunks of the block before, appended while this one is parsed:
    // appending (copying ids, merging metadata) is on one thread.
    let mut parsed: Vec<(ChunkRead, u64)> = Vec::new();
    loop {
        if !eof {
            let want = block_size.saturating_sub(carry.len()).max(min_chunk);
            let got = input.take(want as u64).read_to_end(&mut carry).map_err(io_err)?;
            eof = got < want;
        }
        let end = match memchr::memrchr(b'\n', &carry) {
            _ if eof => carry.len(),
            Some(j) => j + 1,
            None => continue, // one line longer than a block: read on
        };
        let block = &carry[..end];
        let cuts = super::chunk_cuts(block, chunks_per_block, min_chunk, |j| j + 1);
        let parse = || -> Vec<(ChunkRead, u64)> {
            cuts.par_windows(2)
                .map(|w| {
                    let mut chunk = &block[w[0]..w[1]];
                    let read = ChunkRead::of(&file, &format, config, |ctx| {
                        json_lines(&mut chunk, ctx, &mut enveloped(envelopes, f))
                    });
                    (read, memchr::memchr_iter(b'\n', &block[w[0]..w[1]]).count() as u64)
                })
                .collect()
        };
        let before = std::mem::take(&mut parsed);
        let appended;
        (parsed, appended) = rayon::join(parse, || append(ctx, before));
        appended?;
        carry.drain(..end);
        if eof {
            break;
        }
    }
    append(ctx, parsed)
}

/// How a JSON input holds its records.
#[derive(Debug, PartialEq, Eq)]
enum Layout {
    /// One pretty-printed object (an API response saved to a file): its
    /// first line is a lone `{`.
    Object,
    /// One top-level array.
    Array,
    /// JSON Lines (a line holding an array gives one record per element).
    Lines,
}

impl Layout {
    fn of(head: &[u8]) -> Layout {
        let first = head.iter().find(|b| !b.is_ascii_whitespace()).copied();
        let first_line =
            head.split(|&b| b == b'\n').find(|l| !l.iter().all(u8::is_ascii_whitespace));
        if first_line.is_some_and(|l| l.trim_ascii() == b"{") {
            Layout::Object
        } else if first == Some(b'[') {
            Layout::Array
        } else {
            Layout::Lines
        }
    }
}

/// `f` behind the envelopes: the records inside an envelope each given to
/// `f`, anything else given as it is (each counted as read).
fn enveloped<'e>(
    envelopes: &'e [Envelope],
    mut f: impl FnMut(&str, u64, &mut ReadCtx<'_>) -> Result<(), IngestError> + 'e,
) -> impl FnMut(&str, u64, &mut ReadCtx<'_>) -> Result<(), IngestError> + 'e {
    move |json: &str, line: u64, ctx: &mut ReadCtx<'_>| {
        // A response may hold several envelopes (a Mastodon context: its
        // `ancestors` and its `descendants`): the records of every one.
        let mut matched: Vec<Envelope> = Vec::new();
        let mut records = Vec::new();
        for &envelope in envelopes {
            if let Some(inside) = unwrap(json, envelope) {
                matched.push(envelope);
                records.extend(inside);
            }
        }
        if matched.is_empty() {
            return record(json, line, ctx, &mut f);
        }
        if records.is_empty() {
            let paths: Vec<String> = matched.iter().map(|e| format!("`{}`", e.join("."))).collect();
            return record(json, line, ctx, &mut |_, line, ctx| {
                ctx.unused(
                    line,
                    matched[0][0],
                    "empty response",
                    format!("no {}", paths.join(", ")),
                );
                Ok(())
            });
        }
        for r in records {
            record(r.get(), line, ctx, &mut f)?;
        }
        Ok(())
    }
}

/// The records of JSON Lines, lines counted from 1.
fn json_lines(
    input: &mut dyn BufRead,
    ctx: &mut ReadCtx<'_>,
    f: &mut impl FnMut(&str, u64, &mut ReadCtx<'_>) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    let file = ctx.report.path.clone();
    let io_err = |e: std::io::Error| IngestError::Io { file: file.clone(), source: e };
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf).map_err(io_err)? == 0 {
            return Ok(());
        }
        line += 1;
        let Ok(text) = std::str::from_utf8(&buf) else {
            ctx.report.records_read += 1;
            ctx.skip(line, "*", "invalid UTF-8", String::new())?;
            continue;
        };
        let t = text.trim();
        if t.is_empty() {
            continue;
        }
        if t.starts_with('[') {
            match serde_json::from_str::<Vec<&RawValue>>(t) {
                Ok(elements) => {
                    for raw in elements {
                        f(raw.get(), line, ctx)?;
                    }
                }
                Err(e) => {
                    ctx.report.records_read += 1;
                    ctx.skip(line, "*", "invalid JSON", e.to_string())?;
                }
            }
        } else {
            f(t, line, ctx)?;
        }
    }
}

fn record(
    json: &str,
    line: u64,
    ctx: &mut ReadCtx<'_>,
    f: &mut impl FnMut(&str, u64, &mut ReadCtx<'_>) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    ctx.report.records_read += 1;
    if ctx.report.records_read % PROGRESS_EVERY == 0 {
        (ctx.progress)(ctx.report.records_read);
    }
    f(json, line, ctx)
}

/// The records inside `envelope` when `json` is such an envelope.
fn unwrap(json: &str, envelope: Envelope) -> Option<Vec<&RawValue>> {
    let first = envelope.first()?;
    // Only an object holding the key, quoted, is worth parsing twice
    // (checked without allocating: this runs for every record).
    let quoted = |(i, _): (usize, &str)| {
        json[..i].ends_with('"') && json[i + first.len()..].starts_with('"')
    };
    if !json.starts_with('{') || !json.match_indices(first).any(quoted) {
        return None;
    }
    let top: &RawValue = serde_json::from_str(json).ok()?;
    let mut reached = vec![top];
    for &step in envelope.iter() {
        let mut next = Vec::new();
        for v in reached {
            if step == "*" {
                next.extend(serde_json::from_str::<Vec<&RawValue>>(v.get()).ok()?);
            } else {
                let map: std::collections::HashMap<String, &RawValue> =
                    serde_json::from_str(v.get()).ok()?;
                next.push(*map.get(step)?);
            }
        }
        reached = next;
    }
    let mut records = Vec::new();
    for v in reached {
        match serde_json::from_str::<Vec<&RawValue>>(v.get()) {
            Ok(elements) => records.extend(elements),
            Err(_) => records.push(v),
        }
    }
    Some(records)
}

/// Whether the head contains every one of `keys` as a JSON key.
pub(crate) fn head_has_keys(head: &[u8], keys: &[&str]) -> bool {
    let text = String::from_utf8_lossy(head);
    keys.iter().all(|k| text.contains(&format!("\"{k}\"")))
}

#[cfg(test)]
mod tests {
    use super::TEST_SIZES;
    use crate::{ingest, IngestConfig, MemorySource, Source};
    use lockstep_model::{Dataset, FileReport, SkipLog};
    use proptest::prelude::*;
    use std::io::Read;

    /// JSON Lines inputs of the formats read on all cores, recorded (see
    /// the fixtures' README files), decompressed.
    fn inputs() -> Vec<(&'static str, Vec<u8>)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
        let read = |name: &str| {
            let bytes = std::fs::read(format!("{dir}{name}")).unwrap();
            if name.ends_with(".gz") {
                let mut out = Vec::new();
                flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_end(&mut out).unwrap();
                out
            } else {
                bytes
            }
        };
        [
            ("x-api-v2", "recorded/twarc2-kpop.jsonl.gz"),
            ("x-api-v2", "recorded/twarc2-withheld.jsonl.gz"),
            ("x-api-v2", "x-api-v2/twarc2_pages.jsonl"),
            ("x-api-v1", "x-api-v1/stream.jsonl"),
            ("reddit", "reddit/RC_2023-11_sample.ndjson"),
            ("youtube", "youtube/comments_items.jsonl"),
        ]
        .into_iter()
        .map(|(format, name)| (format, read(name)))
        .collect()
    }

    type Outcome = Result<(Dataset, Vec<FileReport>, SkipLog), String>;

    fn read(format: &str, bytes: &[u8], strict: bool, sizes: Option<(usize, usize)>) -> Outcome {
        TEST_SIZES.with(|s| s.set(sizes));
        let src: Vec<Box<dyn Source>> = vec![Box::new(MemorySource::new("in.jsonl", bytes))];
        let config =
            IngestConfig { format: Some(format.into()), strict, ..IngestConfig::default() };
        let out = ingest(&src, &config, &|_| {});
        TEST_SIZES.with(|s| s.set(None));
        out.map(|out| (out.dataset, out.files, out.skips)).map_err(|e| e.to_string())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

        /// Real recorded JSON Lines, with bad lines put in (invalid JSON,
        /// bad UTF-8, blank lines, an array of records on one line), read
        /// in chunks of a few lines on all cores, give what one chunk (one
        /// thread) gives: dataset, account metadata, reports, skipped
        /// records and their lines; in strict mode, the same first error.
        #[test]
        fn json_lines_on_all_cores_read_as_one_thread(
            which in 0..6usize,
            bad in proptest::collection::vec((0..4u8, any::<prop::sample::Index>()), 0..6),
            block in 1usize..6000,
            chunk in 1usize..500,
            strict in any::<bool>(),
        ) {
            let (format, bytes) = inputs().swap_remove(which);
            let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
            for (kind, at) in bad {
                let at = at.index(lines.len() + 1);
                let line = match kind {
                    0 => b"{not json".to_vec(),
                    1 => b"{\"id\": \"\xff\xfe\"}".to_vec(),
                    2 => b"   ".to_vec(),
                    _ => {
                        // Two records of the input as one array line.
                        let records: Vec<&Vec<u8>> = lines.iter().filter(|l| l.starts_with(b"{")).take(2).collect();
                        let mut out = b"[".to_vec();
                        for (i, r) in records.iter().enumerate() {
                            if i > 0 {
                                out.push(b',');
                            }
                            out.extend_from_slice(r);
                        }
                        out.push(b']');
                        out
                    }
                };
                lines.insert(at, line);
            }
            let input = lines.join(&b'\n');
            let one = read(format, &input, strict, Some((usize::MAX / 2, usize::MAX / 2)));
            let chunked = read(format, &input, strict, Some((block, chunk)));
            prop_assert!(one == chunked, "{:?}\n{:?}", one.as_ref().map(|r| &r.1), chunked.as_ref().map(|r| &r.1));
        }
    }
}
