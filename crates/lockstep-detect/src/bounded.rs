//! # `bounded`: the co-action detector under a memory budget
//!
//! **What it does.** The same detection as [`crate::co_action`], byte for
//! byte, with the resident work bounded: actions are swept a **part** at a
//! time (whole objects, at most [`Spill::part_rows`] actions), and window
//! pairs go to disk as **sorted runs** of at most [`Spill::run_pairs`] when
//! they would pass the budget, then a k-way merge streams them, in key
//! order, into the edges.
//!
//! **Why it is the same.** Every step keys on integers with a total order:
//! pairs are `(account pair, older rank, newer rank)`, unique, so sorted
//! runs merged give the one sorted sequence the in-memory engine sorts;
//! duplicates and the participation counts only ever compare actions of one
//! object, and a part holds whole objects, so counts add up over parts.
//! The participation rule's fixed point runs as sweeps that count and keep
//! nothing: sweep k counts, for every account, the distinct objects on
//! which it has a pair with both ends still active; accounts under the
//! threshold leave; the loop stops when no account with a pair leaves.
//! That is the in-memory rule (pairs kept when both ends reach the
//! threshold, until nothing changes), stated on accounts; the runs written
//! by the first sweep are filtered by the final active set as they merge.
//!
//! **What stays resident.** The dataset, the rank permutation and its
//! inverse (8 bytes per action), a keep flag per action, a count per
//! account, one part's gathered columns (about 40 bytes per action of the
//! part), the pair buffer (16 bytes per pair) and the result tables.
//!
//! **Limitations.** lockstep semantics only: CooRTweet's rules compare
//! content ids across objects (its fast flag joins on content pairs), and
//! run in memory ([`detect_bounded`] falls back and says so). The result's
//! [`crate::PairTable`] is in memory (9 bytes per pair kept).

use crate::co_action::{
    append_edges, count_distinct, detect_filtered, group_bounds, keyed, sweep_window, ByRank,
    FastRule, Keyed,
};
use crate::{DetectConfig, DetectStats, Detection, EdgeTable, PairTable, Semantics};
use lockstep_model::Dataset;
use rayon::prelude::*;
use std::collections::BinaryHeap;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// How much work may be resident at once, and where the rest goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spill {
    /// Folder in which a fresh folder holds the sorted runs; it is removed
    /// when the detection ends, even on error.
    pub dir: PathBuf,
    /// Most actions swept at once. A part is whole objects, so an object
    /// with more actions is a part by itself.
    pub part_rows: usize,
    /// Most window pairs held before a sorted run goes to disk.
    pub run_pairs: usize,
}

/// Bytes per action of a part: its rank list and sort keys, the gathered
/// account, content, time and self-reference, and duplicate-finding's index.
pub const PART_BYTES_PER_ACTION: u64 = 48;
/// Bytes per buffered pair: `(account pair, older rank, newer rank)`.
pub const PAIR_BYTES: u64 = 16;
/// Bytes per action the detection holds whatever the budget: the rank
/// permutation, its inverse and a keep flag.
pub const FIXED_BYTES_PER_ACTION: u64 = 9;

impl Spill {
    /// Parts and runs sized so that the detection's own memory stays within
    /// `budget` bytes: what the permutation and the per-account counts do not
    /// take is split evenly between a part and the pair buffer. A budget too
    /// small for that still runs, with parts and runs of at least 1,024.
    pub fn within(dir: PathBuf, budget: u64, ds: &Dataset) -> Spill {
        let fixed = ds.actions.len() as u64 * FIXED_BYTES_PER_ACTION
            + ds.accounts.len() as u64 * 5
            + ds.objects.len() as u64 * 4;
        let half = budget.saturating_sub(fixed) / 2;
        let at_least = |x: u64| x.clamp(1024, u32::MAX as u64) as usize;
        Spill {
            dir,
            part_rows: at_least(half / PART_BYTES_PER_ACTION),
            run_pairs: at_least(half / PAIR_BYTES),
        }
    }
}

/// What the bounded detection did, for the run summary and benchmarks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpillStats {
    /// False when the semantics made it run in memory (CooRTweet's).
    pub bounded: bool,
    /// Parts the actions were swept in.
    pub parts: usize,
    /// Sweeps over all parts (the first, then one per participation round).
    pub sweeps: usize,
    /// Sorted runs written to disk (0: every pair fit in the buffer).
    pub runs: usize,
    /// Pairs written to runs.
    pub spilled_pairs: u64,
    /// Bytes written to runs.
    pub spilled_bytes: u64,
    /// Milliseconds in the sweeps (with duplicates and the pre-filter).
    pub sweep_ms: f64,
    /// Milliseconds sorting and writing runs.
    pub spill_ms: f64,
    /// Milliseconds merging runs (or sorting the buffer) into edges.
    pub merge_ms: f64,
}

/// [`detect_filtered`] within the budget of `spill`: the same
/// [`Detection`], for lockstep semantics; CooRTweet semantics run in memory
/// (`SpillStats::bounded` is then false). Errors are the spill folder's.
pub fn detect_bounded(
    ds: &Dataset,
    cfg: &DetectConfig,
    pair_ok: impl Fn(usize, usize) -> bool + Sync,
    spill: &Spill,
) -> io::Result<(Detection, SpillStats)> {
    if cfg.semantics != Semantics::Lockstep {
        return Ok((detect_filtered(ds, cfg, pair_ok), SpillStats::default()));
    }
    let clock = Instant::now();
    let t = &ds.actions;
    let n = t.len();
    let n_accounts = ds.accounts.len();
    let mut stats = DetectStats { actions: n as u64, ..Default::default() };
    let mut perm: Vec<u32> = (0..n as u32).collect();
    perm.par_sort_unstable_by_key(|&r| (t.time_us[r as usize], r));
    let mut rank = vec![0u32; n];
    for (k, &row) in perm.iter().enumerate() {
        rank[row as usize] = k as u32;
    }
    let by = ByRank { perm: &perm, t };
    let parts = cut_parts(ds, spill.part_rows);
    let mut out = SpillStats { bounded: true, parts: parts.len(), ..Default::default() };
    let ctx = Ctx { ds, cfg, rank: &rank, by: &by, pair_ok: &pair_ok };

    let mut keep = vec![true; n];
    let min = cfg.min_participation;
    if cfg.dedup || min > 1 {
        let mut objects = vec![0u32; n_accounts];
        for range in &parts {
            let part = Part::gather(&ctx, range.clone(), &keep);
            if cfg.dedup {
                stats.duplicates_dropped += part.mark_duplicates(&mut keep);
            }
            if min > 1 {
                part.count_objects(&keep, &mut objects);
            }
        }
        if min > 1 {
            for (i, k) in keep.iter_mut().enumerate() {
                if *k && objects[by.account_of(i)] < min {
                    *k = false;
                    stats.prefiltered_out += 1;
                }
            }
        }
    }

    let mut store = Store::new(spill)?;
    // One part is gathered once for every sweep; more are gathered again.
    let mut cached = None;
    let mut sweep = |active: Option<&[bool]>, store: Option<&mut Store>| -> io::Result<Sweep> {
        let mut total = Sweep { counts: vec![0; n_accounts], ..Default::default() };
        let mut store = store;
        for range in &parts {
            let fresh;
            let part = if parts.len() == 1 {
                cached.get_or_insert_with(|| Part::gather(&ctx, range.clone(), &keep))
            } else {
                fresh = Part::gather(&ctx, range.clone(), &keep);
                &fresh
            };
            part.sweep(&ctx, active, store.as_deref_mut(), spill, &mut total)?;
        }
        Ok(total)
    };
    let first = sweep(None, Some(&mut store))?;
    out.sweeps = 1;
    stats.pairs_in_window = first.pairs + first.loops;
    stats.loops_removed = first.loops;

    // Participation: accounts, not pairs, so nothing is kept between sweeps.
    let mut active: Option<Vec<bool>> = None;
    if min > 1 {
        let mut counts = first.counts;
        loop {
            let was = |a: usize| active.as_ref().is_none_or(|v| v[a]);
            let changed = (0..n_accounts).any(|a| was(a) && counts[a] > 0 && counts[a] < min);
            active = Some((0..n_accounts).map(|a| was(a) && counts[a] >= min).collect());
            if !changed {
                break;
            }
            counts = sweep(active.as_deref(), None)?.counts;
            out.sweeps += 1;
        }
    }
    out.sweep_ms = clock.elapsed().as_secs_f64() * 1e3 - store.spill_ms;
    drop(cached);

    let merge = Instant::now();
    let fast = FastRule::window(cfg);
    let alive = |k: &Keyed| {
        active.as_ref().is_none_or(|a| a[(k.0 >> 32) as usize] && a[k.0 as u32 as usize])
    };
    let (mut p, mut e) = (PairTable::default(), EdgeTable::default());
    if store.runs.is_empty() {
        let mut pairs = std::mem::take(&mut store.buffer);
        pairs.retain(alive);
        pairs.par_sort_unstable();
        append_edges(&by, cfg, &perm, &pairs, &fast, &mut p, &mut e);
    } else {
        store.flush()?;
        store.buffer = Vec::new();
        let mut chunk: Vec<Keyed> = Vec::new();
        for k in store.merged()? {
            let k = k?;
            if !alive(&k) {
                continue;
            }
            // A chunk ends between edges, so each edge is summed whole.
            if chunk.len() >= spill.run_pairs && chunk.last().is_some_and(|l| l.0 != k.0) {
                append_edges(&by, cfg, &perm, &chunk, &fast, &mut p, &mut e);
                chunk.clear();
            }
            chunk.push(k);
        }
        append_edges(&by, cfg, &perm, &chunk, &fast, &mut p, &mut e);
    }
    out.merge_ms = merge.elapsed().as_secs_f64() * 1e3;
    out.spill_ms = store.spill_ms;
    out.runs = store.runs.len();
    out.spilled_pairs = store.spilled_pairs;
    out.spilled_bytes = store.spilled_pairs * PAIR_BYTES;

    stats.participation_removed = first.pairs - p.len() as u64;
    stats.pairs = p.len() as u64;
    stats.fast_pairs = p.fast.iter().filter(|&&f| f).count() as u64;
    stats.accounts = count_distinct(e.a.iter().chain(e.b.iter()).copied(), n_accounts);
    stats.objects =
        count_distinct(p.older.iter().map(|&row| t.object[row as usize]), ds.objects.len());
    Ok((Detection { pairs: p, edges: e, stats }, out))
}

/// What a sweep reads, shared by every part.
struct Ctx<'a, F> {
    ds: &'a Dataset,
    cfg: &'a DetectConfig,
    rank: &'a [u32],
    by: &'a ByRank<'a>,
    pair_ok: &'a F,
}

impl ByRank<'_> {
    fn account_of(&self, rank: usize) -> usize {
        self.t.account[self.perm[rank] as usize] as usize
    }
}

/// Object id ranges with at most `part_rows` actions each (or one object).
fn cut_parts(ds: &Dataset, part_rows: usize) -> Vec<Range<u32>> {
    let mut per_object = vec![0u64; ds.objects.len()];
    for &o in &ds.actions.object {
        per_object[o as usize] += 1;
    }
    let mut parts = Vec::new();
    let (mut start, mut rows) = (0u32, 0u64);
    for (o, &c) in per_object.iter().enumerate() {
        if rows > 0 && rows + c > part_rows as u64 {
            parts.push(start..o as u32);
            (start, rows) = (o as u32, 0);
        }
        rows += c;
    }
    if rows > 0 || parts.is_empty() {
        parts.push(start..per_object.len() as u32);
    }
    parts
}

/// One part's kept actions in (object, rank) order, with the columns the
/// sweep reads gathered in that order.
struct Part {
    /// `object << 32 | rank`, sorted.
    keys: Vec<u64>,
    account: Vec<u32>,
    content: Vec<u32>,
    time: Vec<i64>,
    self_ref: Vec<bool>,
}

impl Part {
    fn gather<F>(ctx: &Ctx<'_, F>, objects: Range<u32>, keep: &[bool]) -> Part {
        let t = &ctx.ds.actions;
        let mut keys: Vec<u64> = (0..t.len())
            .into_par_iter()
            .filter_map(|row| {
                let (o, r) = (t.object[row], ctx.rank[row]);
                (objects.contains(&o) && keep[r as usize]).then_some((o as u64) << 32 | r as u64)
            })
            .collect();
        keys.par_sort_unstable();
        let row = |k: &u64| ctx.by.perm[*k as u32 as usize] as usize;
        Part {
            account: keys.par_iter().map(|k| t.account[row(k)]).collect(),
            content: keys.par_iter().map(|k| t.content[row(k)]).collect(),
            time: keys.par_iter().map(|k| t.time_us[row(k)]).collect(),
            self_ref: keys.par_iter().map(|k| t.self_ref[row(k)]).collect(),
            keys,
        }
    }

    fn rank(&self, x: usize) -> u32 {
        self.keys[x] as u32
    }

    /// As the in-memory engine: of each (object, account, content, time),
    /// every action but the first in rank order is dropped.
    fn mark_duplicates(&self, keep: &mut [bool]) -> u64 {
        let key = |x: usize| (self.keys[x] >> 32, self.account[x], self.content[x], self.time[x]);
        let mut idx: Vec<u32> = (0..self.keys.len() as u32).collect();
        idx.par_sort_unstable_by_key(|&x| (key(x as usize), self.rank(x as usize)));
        let mut dropped = 0;
        for w in idx.windows(2) {
            if key(w[0] as usize) == key(w[1] as usize) {
                keep[self.rank(w[1] as usize) as usize] = false;
                dropped += 1;
            }
        }
        dropped
    }

    /// Adds, per account, the distinct objects of its kept actions here.
    fn count_objects(&self, keep: &[bool], objects: &mut [u32]) {
        let mut ao: Vec<u64> = (0..self.keys.len())
            .filter(|&x| keep[self.rank(x) as usize])
            .map(|x| (self.account[x] as u64) << 32 | self.keys[x] >> 32)
            .collect();
        ao.par_sort_unstable();
        ao.dedup();
        for k in ao {
            objects[(k >> 32) as usize] += 1;
        }
    }

    /// Sweeps every object of the part: counts pairs and loops, counts per
    /// account the objects where it has a pair with both ends `active`, and
    /// with a `store`, keeps the pairs. Objects go in chunks, so the buffer
    /// passes its size by at most one chunk's pairs.
    fn sweep<F: Fn(usize, usize) -> bool + Sync>(
        &self,
        ctx: &Ctx<'_, F>,
        active: Option<&[bool]>,
        mut store: Option<&mut Store>,
        spill: &Spill,
        total: &mut Sweep,
    ) -> io::Result<()> {
        let groups = group_bounds(&self.keys, |k| k >> 32);
        let (w, keep_loops, emit) = (ctx.cfg.window_us, ctx.cfg.keep_loops, store.is_some());
        let is_active = |a: u32| active.is_none_or(|v| v[a as usize]);
        let chunk_rows = (spill.part_rows / 16).max(1);
        let mut from = 0;
        while from < groups.len() {
            let (mut to, mut rows) = (from, 0);
            while to < groups.len() && (to == from || rows + groups[to].len() <= chunk_rows) {
                rows += groups[to].len();
                to += 1;
            }
            let found: Vec<Group> = groups[from..to]
                .par_iter()
                .map(|g| {
                    let mut out = Group::default();
                    sweep_window(
                        g.len(),
                        |x| self.time[g.start + x],
                        w,
                        |x, y| {
                            let (x, y) = (g.start + x, g.start + y);
                            let (i, j) = (self.rank(x), self.rank(y));
                            let rows = (ctx.by.perm[i as usize], ctx.by.perm[j as usize]);
                            if !(ctx.pair_ok)(rows.0 as usize, rows.1 as usize) {
                                return;
                            }
                            let (ax, ay) = (self.account[x], self.account[y]);
                            let is_loop = ax == ay
                                || self.content[x] == self.content[y]
                                || self.self_ref[x]
                                || self.self_ref[y];
                            if is_loop && !keep_loops {
                                out.loops += 1;
                                return;
                            }
                            out.pairs += 1;
                            if is_active(ax) && is_active(ay) {
                                out.accounts.extend([ax, ay]);
                                if emit {
                                    out.keyed.push(keyed(ax, ay, i, j));
                                }
                            }
                        },
                    );
                    out.accounts.sort_unstable();
                    out.accounts.dedup();
                    out
                })
                .collect();
            for g in found {
                total.pairs += g.pairs;
                total.loops += g.loops;
                for a in g.accounts {
                    total.counts[a as usize] += 1;
                }
                if let Some(s) = store.as_deref_mut() {
                    s.push(g.keyed)?;
                }
            }
            from = to;
        }
        Ok(())
    }
}

/// One object's sweep.
#[derive(Default)]
struct Group {
    pairs: u64,
    loops: u64,
    /// Distinct accounts with a pair whose ends are both active.
    accounts: Vec<u32>,
    keyed: Vec<Keyed>,
}

/// All parts' sweep.
#[derive(Default)]
struct Sweep {
    /// Pairs in the window that are not loops (or every pair, with loops kept).
    pairs: u64,
    loops: u64,
    /// Per account, objects where it has a pair with both ends active.
    counts: Vec<u32>,
}

/// The pair buffer and the sorted runs on disk.
struct Store {
    dir: PathBuf,
    cap: usize,
    buffer: Vec<Keyed>,
    runs: Vec<PathBuf>,
    spilled_pairs: u64,
    spill_ms: f64,
    /// The folder is ours (made fresh), so dropping may remove it.
    made: bool,
}

impl Store {
    fn new(spill: &Spill) -> io::Result<Store> {
        Ok(Store {
            dir: spill.dir.clone(),
            cap: spill.run_pairs,
            buffer: Vec::new(),
            runs: Vec::new(),
            spilled_pairs: 0,
            spill_ms: 0.0,
            made: false,
        })
    }

    fn push(&mut self, pairs: Vec<Keyed>) -> io::Result<()> {
        if self.buffer.is_empty() {
            self.buffer = pairs;
        } else {
            self.buffer.extend(pairs);
        }
        if self.buffer.len() >= self.cap {
            self.flush()?;
        }
        Ok(())
    }

    /// Sorts the buffer and writes it as the next run.
    fn flush(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let clock = Instant::now();
        if !self.made {
            self.dir = fresh_dir(&self.dir)?;
            self.made = true;
        }
        self.buffer.par_sort_unstable();
        let path = self.dir.join(format!("run-{:05}.bin", self.runs.len()));
        let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
        for &(k, i, j) in &self.buffer {
            w.write_all(&k.to_le_bytes())?;
            w.write_all(&i.to_le_bytes())?;
            w.write_all(&j.to_le_bytes())?;
        }
        w.into_inner().map_err(|e| e.into_error())?.sync_data().ok();
        self.spilled_pairs += self.buffer.len() as u64;
        self.runs.push(path);
        self.buffer.clear();
        self.spill_ms += clock.elapsed().as_secs_f64() * 1e3;
        Ok(())
    }

    /// The runs merged, in key order.
    fn merged(&self) -> io::Result<Merge> {
        let mut readers = Vec::with_capacity(self.runs.len());
        let mut heap = BinaryHeap::with_capacity(self.runs.len());
        for (r, path) in self.runs.iter().enumerate() {
            let mut rd = BufReader::with_capacity(1 << 16, std::fs::File::open(path)?);
            if let Some(k) = read_keyed(&mut rd)? {
                heap.push(std::cmp::Reverse((k, r)));
            }
            readers.push(rd);
        }
        Ok(Merge { readers, heap })
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if self.made {
            // Best effort: a run left behind is only disk space, and the
            // folder's name says what made it.
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A new folder in `parent` that no other run uses.
fn fresh_dir(parent: &Path) -> io::Result<PathBuf> {
    std::fs::create_dir_all(parent)?;
    for k in 0u32.. {
        let dir = parent.join(format!("lockstep-spill-{}-{k}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("u32 folder names exhausted")
}

fn read_keyed(r: &mut impl Read) -> io::Result<Option<Keyed>> {
    let mut b = [0u8; 16];
    match r.read_exact(&mut b) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().expect("4 bytes"));
    Ok(Some((u64::from_le_bytes(b[..8].try_into().expect("8 bytes")), u32_at(8), u32_at(12))))
}

/// A k-way merge of sorted runs.
struct Merge {
    readers: Vec<BufReader<std::fs::File>>,
    heap: BinaryHeap<std::cmp::Reverse<(Keyed, usize)>>,
}

impl Iterator for Merge {
    type Item = io::Result<Keyed>;
    fn next(&mut self) -> Option<Self::Item> {
        let std::cmp::Reverse((k, r)) = self.heap.pop()?;
        match read_keyed(&mut self.readers[r]) {
            Ok(Some(next)) => self.heap.push(std::cmp::Reverse((next, r))),
            Ok(None) => {}
            Err(e) => return Some(Err(e)),
        }
        Some(Ok(k))
    }
}
