//! `--floor FILE [COLUMNS]`: how far reading a shares CSV is from the
//! limit of this machine, on the same file in the page cache. Three
//! measurements, each the best of three:
//!
//! - `lines`: memchr's count of the file's lines on one core (the memory
//!   bandwidth scale);
//! - `floor`: the smallest program that does what reading must: split every
//!   line into fields and hash the id columns (the first `COLUMNS`, default
//!   3: CooRTweet's object, account and content ids) and parse the last as
//!   an integer, on all cores (rayon, chunks cut at line ends). The file is
//!   in memory before the clock starts; the time to read it is `load`;
//! - `numbering`: the floor, then what outputs need of ids and the floor
//!   leaves out: each id column's ids numbered in order of first
//!   occurrence, one hash table per column (`hashbrown` with `foldhash`,
//!   sized to the column's distinct count in advance), the columns on all
//!   cores. It keeps borrowed slices of the file and copies nothing;
//! - `ingest`: `lockstep_ingest::ingest` of the same bytes (parse, keep the
//!   actions, dictionary-encode), as `detect`'s reading stage does.
//!
//! The data has no quoted fields (simulated shares), so cutting at line
//! ends is exact; a real CSV parser must track quotes, which the floor
//! does not pay for.

use lockstep_ingest::{IngestConfig, MemorySource, Source};
use rayon::prelude::*;
use std::hash::{BuildHasher, Hasher};
use std::time::Instant;

fn best_of_three(mut f: impl FnMut() -> u64) -> (f64, u64) {
    let mut best = f64::INFINITY;
    let mut out = 0;
    for _ in 0..3 {
        let t = Instant::now();
        out = f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, out)
}

/// Splits `buf` into about `n` pieces that end at line ends.
fn chunks(buf: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let step = buf.len() / n.max(1) + 1;
    while start < buf.len() {
        let mut end = (start + step).min(buf.len());
        end = match memchr::memchr(b'\n', &buf[end..]) {
            Some(i) => end + i + 1,
            None => buf.len(),
        };
        out.push(&buf[start..end]);
        start = end;
    }
    out
}

/// Fields split, ids hashed, the time parsed: a checksum, so that nothing
/// is optimised away.
fn split_and_hash(chunk: &[u8], ids: usize) -> u64 {
    let state = std::collections::hash_map::RandomState::new();
    let mut sum = 0u64;
    for line in chunk.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let mut fields = line.split(|&b| b == b',');
        for _ in 0..ids {
            let mut h = state.build_hasher();
            h.write(fields.next().unwrap_or_default());
            sum = sum.wrapping_add(h.finish());
        }
        let t = fields.next().unwrap_or_default();
        let n = t
            .iter()
            .fold(0u64, |n, &d| n.wrapping_mul(10).wrapping_add(u64::from(d.wrapping_sub(b'0'))));
        sum = sum.wrapping_add(n);
    }
    sum
}

/// The id fields of every line, in order.
fn id_fields(chunk: &[u8], ids: usize) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(chunk.len() / 40 * ids);
    for line in chunk.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let mut fields = line.split(|&b| b == b',');
        for _ in 0..ids {
            out.push(fields.next().unwrap_or_default());
        }
    }
    out
}

/// Splits on all cores, then numbers each id column's values in order of
/// first occurrence on all cores (a column a thread): the number of
/// distinct ids, summed over the columns.
fn number(body: &[u8], ids: usize, threads: usize, distinct: &[usize]) -> u64 {
    let rows: Vec<Vec<&[u8]>> =
        chunks(body, threads * 8).par_iter().map(|c| id_fields(c, ids)).collect();
    (0..ids)
        .into_par_iter()
        .map(|col| {
            let mut table = hashbrown::HashMap::with_capacity_and_hasher(
                distinct[col],
                foldhash::fast::FixedState::default(),
            );
            let mut codes = Vec::with_capacity(rows.iter().map(|r| r.len() / ids).sum());
            for chunk in &rows {
                for id in chunk.iter().skip(col).step_by(ids) {
                    let next = table.len() as u32;
                    codes.push(*table.entry(*id).or_insert(next));
                }
            }
            std::hint::black_box(codes);
            table.len() as u64
        })
        .sum()
}

pub fn run(path: &std::path::Path, ids: usize) {
    let t = Instant::now();
    let buf = std::fs::read(path).expect("the file");
    let load = t.elapsed().as_secs_f64();
    let mb = buf.len() as f64 / 1e6;
    let body = &buf[memchr::memchr(b'\n', &buf).map_or(0, |i| i + 1)..];
    let (lines_s, lines) = best_of_three(|| memchr::memchr_iter(b'\n', &buf).count() as u64);
    let threads = rayon::current_num_threads();
    let (floor_s, _) = best_of_three(|| {
        chunks(body, threads * 8)
            .par_iter()
            .map(|c| split_and_hash(c, ids))
            .reduce(|| 0, u64::wrapping_add)
    });
    // Tables sized in advance, as a program that knew the data would.
    let distinct: Vec<usize> = {
        let rows = id_fields(body, ids);
        (0..ids)
            .map(|col| rows.iter().skip(col).step_by(ids).collect::<hashbrown::HashSet<_>>().len())
            .collect()
    };
    let (numbering_s, _) = best_of_three(|| number(body, ids, threads, &distinct));
    let (ingest_s, actions) = best_of_three(|| {
        let src: Vec<Box<dyn Source>> =
            vec![Box::new(MemorySource::new(&path.display().to_string(), buf.clone()))];
        let out = lockstep_ingest::ingest(&src, &IngestConfig::default(), &|_| {}).expect("ingest");
        out.dataset.actions.len() as u64
    });
    println!("| file | MB | lines | load s | lines s (1 core) | floor s ({threads} threads) | numbering s | ingest s | ingest / floor | ingest / numbering | ingest / lines |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {mb:.0} | {lines} ({actions} actions; distinct ids {distinct:?}) | {load:.3} | {lines_s:.3} ({:.0} MB/s) | {floor_s:.3} ({:.0} MB/s) | {numbering_s:.3} ({:.0} MB/s) | {ingest_s:.3} ({:.0} MB/s) | {:.1} | {:.1} | {:.0} |",
        path.display(),
        mb / lines_s,
        mb / floor_s,
        mb / numbering_s,
        mb / ingest_s,
        ingest_s / floor_s,
        ingest_s / numbering_s,
        ingest_s / lines_s,
    );
}
