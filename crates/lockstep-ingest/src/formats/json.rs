//! JSON inputs: JSON Lines (one value per line; a line holding an array
//! gives one record per element), one top-level array, or one
//! pretty-printed object (its first line is a lone `{`). JSON Lines and
//! arrays stream (arrays through `scan.rs`); each element is parsed on its
//! own, so a bad element is one skipped record, with its line.

use crate::{IngestError, ReadCtx};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::io::BufRead;

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
    mut f: impl FnMut(&str, u64, &mut ReadCtx<'_>) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    let mut f = |json: &str, line: u64, ctx: &mut ReadCtx<'_>| {
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
    };
    let file = ctx.report.path.clone();
    let io_err = |e: std::io::Error| IngestError::Io { file: file.clone(), source: e };
    let head = input.fill_buf().map_err(io_err)?;
    let first = head.iter().find(|b| !b.is_ascii_whitespace()).copied();
    // A pretty-printed object (an API response saved to a file) opens with
    // a line of its own: read it as one record.
    let first_line = head.split(|&b| b == b'\n').find(|l| !l.iter().all(u8::is_ascii_whitespace));
    if first_line.is_some_and(|l| l.trim_ascii() == b"{") {
        let mut text = String::new();
        input.read_to_string(&mut text).map_err(io_err)?;
        let blank = text.len() - text.trim_start().len();
        let line = 1 + text.as_bytes()[..blank].iter().filter(|&&b| b == b'\n').count() as u64;
        f(text.trim(), line, ctx)?;
    } else if first == Some(b'[') {
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
    } else {
        let mut buf = Vec::new();
        let mut line = 0u64;
        loop {
            buf.clear();
            if input.read_until(b'\n', &mut buf).map_err(io_err)? == 0 {
                break;
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
    (ctx.progress)(ctx.report.records_read);
    Ok(())
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
