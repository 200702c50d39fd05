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
//! The participation rule's fixed point runs on accounts, so the pairs
//! need not be read again: the first sweep records, per object, the
//! accounts with a pair there; an account with pairs on fewer than
//! `min_participation` objects leaves; only the objects where leaving
//! accounts had pairs are swept again (counting pairs whose ends are both
//! still active) and their records replaced; the loop stops when no account
//! with a pair leaves. That is the in-memory rule (pairs kept when both
//! ends reach the threshold, until nothing changes) stated on accounts; the
//! buffer or the runs are then filtered by the final accounts.
//!
//! **What stays resident.** The dataset, the rank permutation and the
//! ranks grouped by object (8 bytes per action), a keep flag per action, a
//! count per account, one part's gathered columns (about 40 bytes per
//! action of the part), the pair buffer (16 bytes per pair), the
//! per-object account records of participation (8 bytes per account and
//! object with a pair). Runs merge at most [`FAN_IN`] at a time, so open
//! files stay few whatever the budget. The result tables stay on the heap
//! only when the detection fit in one part and spilled nothing; otherwise
//! they are written chunk by chunk to files in the spill folder and mapped
//! read-only ([`lockstep_model::Column`]): page cache, not process memory.
//!
//! **Limitations.** lockstep semantics only: CooRTweet's rules compare
//! content ids across objects (its fast flag joins on content pairs), and
//! run in memory ([`detect_bounded`] falls back and says so).

use crate::co_action::{
    append_edges, count_distinct, detect_filtered, group_bounds, keyed, sweep_window, ByRank,
    FastRule, Keyed,
};
use crate::tables::TableWriter;
use crate::{DetectConfig, DetectStats, Detection, Semantics};
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
    /// Most pairs summed into edges at once (whole edges: a chunk ends
    /// between two), so that the sums in flight stay small.
    pub edge_pairs: usize,
    /// Write the pair and edge tables to files (mapped read-only) even when
    /// the detection fit in one part and spilled nothing; they go there
    /// anyway when it did not.
    pub results_to_disk: bool,
}

/// [`Spill::edge_pairs`] for every budget: the per-edge sums of 2^22 pairs
/// take at most a few hundred megabytes.
pub const EDGE_PAIRS: usize = 1 << 22;

/// The largest part, whatever the budget: sweeping and sorting parts that
/// fit the caches of a small machine is faster than one part of every
/// action (BENCHMARKS.md, "Within a memory limit").
pub const MAX_PART_ROWS: usize = 1 << 23;

/// Bytes per action of a part: its rank list and sort keys, the gathered
/// account, content, time and self-reference, and duplicate-finding's index.
pub const PART_BYTES_PER_ACTION: u64 = 48;
/// Bytes per pair, buffered or on disk: `(account pair, older rank, newer
/// rank)`.
pub const PAIR_BYTES: u64 = 16;
/// Bytes per action the detection holds whatever the budget: the rank
/// permutation, the ranks grouped by object and a keep flag, and at most 8
/// for the objects of each account's pairs (participation).
pub const FIXED_BYTES_PER_ACTION: u64 = 17;

impl Spill {
    /// Parts and runs sized so that the detection's own memory stays within
    /// `budget` bytes: what the permutation and the per-account counts do not
    /// take is split evenly between a part (at most [`MAX_PART_ROWS`]) and
    /// the pair buffer. A budget too
    /// small for that still runs, with parts and runs of at least a
    /// thousandth of the actions (from 1,024 to 65,536): smaller ones
    /// would save a few megabytes and cost far more in per-part overhead.
    pub fn within(dir: PathBuf, budget: u64, ds: &Dataset) -> Spill {
        let n = ds.actions.len() as u64;
        let fixed =
            n * FIXED_BYTES_PER_ACTION + ds.accounts.len() as u64 * 5 + ds.objects.len() as u64 * 4;
        let half = budget.saturating_sub(fixed) / 2;
        let floor = (n / 1000).clamp(1024, 65_536);
        let at_least = |x: u64| x.clamp(floor, u32::MAX as u64) as usize;
        Spill {
            dir,
            part_rows: at_least(half / PART_BYTES_PER_ACTION).min(MAX_PART_ROWS),
            run_pairs: at_least(half / PAIR_BYTES),
            edge_pairs: EDGE_PAIRS,
            results_to_disk: false,
        }
    }
}

/// What this process holds now, from `/proc/self/status`: its own
/// resident memory (`RssAnon`), not the pages of files it maps (ids the
/// reading moved to files), which the kernel can drop; the whole resident
/// set where that is not given, `None` where the system says neither.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = |key: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    Some(kb("RssAnon:").or_else(|| kb("VmRSS:"))? * 1024)
}

/// A memory limit for the whole process turned into the detection's
/// budget: what the process holds when the detection starts (its resident
/// set, else the dataset's size) is taken from the limit. Returns (in use,
/// budget). The CLI's `--memory-limit` and the benchmark's limits mean the
/// same through this one function.
pub fn budget_within(limit: Option<u64>, ds: &Dataset) -> (u64, u64) {
    let in_use = resident_bytes().unwrap_or_else(|| ds.heap_bytes());
    (in_use, limit.map_or(u64::MAX, |l| l.saturating_sub(in_use)))
}

/// What the bounded detection did, for the run summary and benchmarks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpillStats {
    /// False when the semantics made it run in memory (CooRTweet's).
    pub bounded: bool,
    /// Parts the actions were swept in.
    pub parts: usize,
    /// Sweeps: the first over every part, then one per participation round
    /// over the objects where the accounts that left had pairs.
    pub sweeps: usize,
    /// Sorted runs written to disk (0: every pair fit in the buffer).
    pub runs: usize,
    /// Pairs written to those runs.
    pub spilled_pairs: u64,
    /// Bytes written to disk: the runs, and again the pairs of runs merged
    /// into longer ones when there were more than [`FAN_IN`].
    pub spilled_bytes: u64,
    /// Milliseconds in the sweeps (with duplicates and the pre-filter).
    pub sweep_ms: f64,
    /// Milliseconds sorting and writing runs.
    pub spill_ms: f64,
    /// Milliseconds merging runs (or sorting the buffer) into edges.
    pub merge_ms: f64,
    /// Whether the pair and edge tables were written to files and mapped
    /// read-only, outside the process's heap.
    pub results_on_disk: bool,
    /// Their bytes.
    pub result_bytes: u64,
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
    let by = ByRank { perm: &perm, t };
    let index = ObjectIndex::new(ds, &perm);
    let parts = index.ranges(|_| true, spill.part_rows);
    let mut out = SpillStats { bounded: true, parts: parts.len(), ..Default::default() };
    let ctx = Ctx { ds, cfg, index: &index, by: &by, pair_ok: &pair_ok };

    let mut keep = vec![true; n];
    let min = cfg.min_participation;
    // One part is gathered once, and kept for the sweep; more are
    // gathered again.
    let mut only = None;
    if cfg.dedup || min > 1 {
        let mut objects = vec![0u32; n_accounts];
        for range in &parts {
            let part = Part::gather(&ctx, range.clone(), |_| true, &keep);
            if cfg.dedup {
                stats.duplicates_dropped += part.mark_duplicates(&mut keep);
            }
            if min > 1 {
                part.count_objects(&keep, &mut objects);
            }
            if parts.len() == 1 {
                only = Some(part);
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
    let mut first = Sweep { collect: min > 1, ..Default::default() };
    for range in &parts {
        let part = match only.take() {
            Some(mut part) => {
                part.retain_kept(&keep);
                part
            }
            None => Part::gather(&ctx, range.clone(), |_| true, &keep),
        };
        part.sweep(&ctx, None, Some(&mut store), spill, &mut first)?;
    }
    out.sweeps = 1;
    stats.pairs_in_window = first.pairs + first.loops;
    stats.loops_removed = first.loops;

    let mut active: Option<Vec<bool>> = None;
    if min > 1 {
        let oa = std::mem::take(&mut first.oa);
        active = Some(participation_by_sweeps(&ctx, &keep, spill, oa, &mut out)?);
    }
    drop(index);
    out.sweep_ms = clock.elapsed().as_secs_f64() * 1e3 - store.spill_ms;

    let merge = Instant::now();
    let fast = FastRule::window(cfg);
    let alive = |k: &Keyed| {
        active.as_ref().is_none_or(|a| a[(k.0 >> 32) as usize] && a[k.0 as u32 as usize])
    };
    // A detection that had to split its actions or spill its pairs has
    // results too large to keep beside the dataset as well.
    let mut w = TableWriter::default();
    out.results_on_disk = spill.results_to_disk || parts.len() > 1 || !store.runs.is_empty();
    if out.results_on_disk {
        w.spill_to(store.folder()?)?;
    }
    let chunk_pairs = spill.edge_pairs.max(1);
    if store.runs.is_empty() {
        let mut pairs = std::mem::take(&mut store.buffer);
        pairs.retain(alive);
        pairs.par_sort_unstable();
        let mut start = 0;
        while start < pairs.len() {
            let mut end = (start + chunk_pairs).min(pairs.len());
            while end < pairs.len() && pairs[end].0 == pairs[end - 1].0 {
                end += 1;
            }
            append_edges(&by, cfg, &perm, &pairs[start..end], &fast, &mut w)?;
            start = end;
        }
    } else {
        store.flush()?;
        store.buffer = Vec::new();
        let mut chunk: Vec<Keyed> = Vec::new();
        for k in store.merged()? {
            let k = k?;
            if !alive(&k) {
                continue;
            }
            if chunk.len() >= chunk_pairs && chunk.last().is_some_and(|l| l.0 != k.0) {
                append_edges(&by, cfg, &perm, &chunk, &fast, &mut w)?;
                chunk.clear();
            }
            chunk.push(k);
        }
        append_edges(&by, cfg, &perm, &chunk, &fast, &mut w)?;
    }
    let (p, e) = w.finish()?;
    out.merge_ms = merge.elapsed().as_secs_f64() * 1e3;
    if out.results_on_disk {
        out.result_bytes = p.disk_bytes() + e.disk_bytes();
    }
    out.spill_ms = store.spill_ms;
    out.runs = store.sorted_runs;
    out.spilled_pairs = store.spilled_pairs;
    out.spilled_bytes = (store.spilled_pairs + store.remerged_pairs) * PAIR_BYTES;

    stats.participation_removed = first.pairs - p.len() as u64;
    stats.pairs = p.len() as u64;
    stats.fast_pairs = p.fast.iter().filter(|&&f| f).count() as u64;
    stats.accounts = count_distinct(e.a.iter().chain(e.b.iter()).copied(), n_accounts);
    stats.objects =
        count_distinct(p.older.iter().map(|&row| t.object[row as usize]), ds.objects.len());
    Ok((Detection { pairs: p, edges: e, stats }, out))
}

/// Per account, its acts in `oa` (see [`participation_by_sweeps`]): the
/// smaller of its distinct objects and its distinct posts.
fn oa_acts(oa: &[(u64, u32)], n_accounts: usize) -> Vec<u32> {
    // Each object's entries are together and sorted, so a distinct (object,
    // account) is a change of key.
    let mut objects: Vec<u64> = Vec::new();
    for (k, &(e, _)) in oa.iter().enumerate() {
        if k == 0 || oa[k - 1].0 != e {
            objects.push((e as u32 as u64) << 32 | e >> 32);
        }
    }
    let mut posts: Vec<u64> =
        oa.par_iter().map(|&(e, c)| (e as u32 as u64) << 32 | c as u64).collect();
    posts.par_sort_unstable();
    posts.dedup();
    crate::co_action::account_acts(&objects, &posts, n_accounts)
}

/// What a sweep reads, shared by every part.
struct Ctx<'a, F> {
    ds: &'a Dataset,
    cfg: &'a DetectConfig,
    index: &'a ObjectIndex,
    by: &'a ByRank<'a>,
    pair_ok: &'a F,
}

impl ByRank<'_> {
    fn account_of(&self, rank: usize) -> usize {
        self.t.account[self.perm[rank] as usize] as usize
    }
}

/// Keeps `v[x]` where `kept[x]`.
fn retain_mask<T>(v: &mut Vec<T>, kept: &[bool]) {
    let mut k = kept.iter();
    v.retain(|_| *k.next().expect("a flag per element"));
}

/// Every action's rank, grouped by object and in rank order within one:
/// a part is a slice of it, so gathering one costs its own size.
struct ObjectIndex {
    /// Object `o`'s ranks are `ranks[starts[o]..starts[o + 1]]`.
    starts: Vec<u32>,
    ranks: Vec<u32>,
}

impl ObjectIndex {
    fn new(ds: &Dataset, perm: &[u32]) -> ObjectIndex {
        let object = &ds.actions.object;
        let mut starts = vec![0u32; ds.objects.len() + 1];
        for &o in object {
            starts[o as usize + 1] += 1;
        }
        for o in 1..starts.len() {
            starts[o] += starts[o - 1];
        }
        let mut next = starts.clone();
        let mut ranks = vec![0u32; perm.len()];
        for (k, &row) in perm.iter().enumerate() {
            let slot = &mut next[object[row as usize] as usize];
            ranks[*slot as usize] = k as u32;
            *slot += 1;
        }
        ObjectIndex { starts, ranks }
    }

    fn of(&self, o: u32) -> &[u32] {
        &self.ranks[self.starts[o as usize] as usize..self.starts[o as usize + 1] as usize]
    }

    /// Ranges of object ids that cover every object `wanted`, each with at
    /// most `rows` actions of wanted objects (or one object).
    fn ranges(&self, wanted: impl Fn(usize) -> bool, rows: usize) -> Vec<Range<u32>> {
        let n_objects = self.starts.len() - 1;
        let mut out = Vec::new();
        let (mut start, mut sum) = (None, 0u64);
        for o in (0..n_objects).filter(|&o| wanted(o)) {
            let c = (self.starts[o + 1] - self.starts[o]) as u64;
            if sum > 0 && sum + c > rows as u64 {
                out.push(start.expect("a range is open")..o as u32);
                (start, sum) = (None, 0);
            }
            start.get_or_insert(o as u32);
            sum += c;
        }
        if let Some(s) = start {
            out.push(s..n_objects as u32);
        }
        out
    }
}

/// The participation rule on accounts, so that the pairs need not be read: an
/// account stays active while its pairs with active partners hold at least
/// `min` acts (distinct objects and distinct posts of its own). `oa` holds
/// `(object << 32 | account, post)` for each object, account and post of
/// the account in such a pair, each object's entries together and sorted;
/// when accounts leave, only the objects where they had pairs are swept
/// again, and their entries replaced. Returns the final active accounts.
fn participation_by_sweeps<F: Fn(usize, usize) -> bool + Sync>(
    ctx: &Ctx<'_, F>,
    keep: &[bool],
    spill: &Spill,
    mut oa: Vec<(u64, u32)>,
    out: &mut SpillStats,
) -> io::Result<Vec<bool>> {
    let n_accounts = ctx.ds.accounts.len();
    let min = ctx.cfg.min_participation;
    let mut active = vec![true; n_accounts];
    loop {
        let count = oa_acts(&oa, n_accounts);
        let mut left = vec![false; n_accounts];
        let mut any = false;
        for a in 0..n_accounts {
            if active[a] && count[a] < min {
                active[a] = false;
                // An account without pairs leaving changes no count.
                left[a] = count[a] > 0;
                any |= left[a];
            }
        }
        if !any {
            return Ok(active);
        }
        let mut touched = vec![false; ctx.ds.objects.len()];
        for &(e, _) in &oa {
            if left[e as u32 as usize] {
                touched[(e >> 32) as usize] = true;
            }
        }
        let mut fresh = Sweep { collect: true, ..Default::default() };
        for range in ctx.index.ranges(|o| touched[o], spill.part_rows) {
            let part = Part::gather(ctx, range, |o| touched[o as usize], keep);
            part.sweep(ctx, Some(&active), None, spill, &mut fresh)?;
        }
        out.sweeps += 1;
        oa.retain(|&(e, _)| !touched[(e >> 32) as usize]);
        oa.extend(fresh.oa);
    }
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
    /// The kept actions of the objects in `objects` that are `wanted`.
    fn gather<F>(
        ctx: &Ctx<'_, F>,
        objects: Range<u32>,
        wanted: impl Fn(u32) -> bool + Sync,
        keep: &[bool],
    ) -> Part {
        let t = &ctx.ds.actions;
        // In object order, and in rank order within an object: sorted.
        let keys: Vec<u64> = objects
            .into_par_iter()
            .filter(|&o| wanted(o))
            .flat_map_iter(|o| {
                ctx.index
                    .of(o)
                    .iter()
                    .filter(|&&r| keep[r as usize])
                    .map(move |&r| (o as u64) << 32 | r as u64)
            })
            .collect();
        let rows: Vec<u32> = keys.par_iter().map(|k| ctx.by.perm[*k as u32 as usize]).collect();
        Part {
            account: rows.par_iter().map(|&r| t.account[r as usize]).collect(),
            content: rows.par_iter().map(|&r| t.content[r as usize]).collect(),
            time: rows.par_iter().map(|&r| t.time_us[r as usize]).collect(),
            self_ref: rows.par_iter().map(|&r| t.self_ref[r as usize]).collect(),
            keys,
        }
    }

    /// Drops the actions no longer kept, as if gathered after.
    fn retain_kept(&mut self, keep: &[bool]) {
        let kept: Vec<bool> = self.keys.iter().map(|&k| keep[k as u32 as usize]).collect();
        retain_mask(&mut self.keys, &kept);
        retain_mask(&mut self.account, &kept);
        retain_mask(&mut self.content, &kept);
        retain_mask(&mut self.time, &kept);
        retain_mask(&mut self.self_ref, &kept);
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
        let (keep_loops, emit) = (ctx.cfg.keep_loops, store.is_some());
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
                    let mut out = Group { object: self.keys[g.start] >> 32, ..Default::default() };
                    let object = (self.keys[g.start] >> 32) as u32;
                    sweep_window(
                        g.len(),
                        |x| self.time[g.start + x],
                        ctx.cfg.reach(ctx.ds.object_layer(object)),
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
                                out.accounts.extend([(ax, self.content[x]), (ay, self.content[y])]);
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
                if total.collect {
                    total
                        .oa
                        .extend(g.accounts.iter().map(|&(a, c)| (g.object << 32 | a as u64, c)));
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
    object: u64,
    pairs: u64,
    loops: u64,
    /// Distinct accounts, each with each of its posts, with a pair whose
    /// ends are both active.
    accounts: Vec<(u32, u32)>,
    keyed: Vec<Keyed>,
}

/// What sweeps found, summed over parts.
#[derive(Default)]
struct Sweep {
    /// Pairs in the window that are not loops (or every pair, with loops kept).
    pairs: u64,
    loops: u64,
    /// Whether to fill `oa`.
    collect: bool,
    /// `(object << 32 | account, post)` for each account and post of its
    /// with a pair on the object whose ends are both active.
    oa: Vec<(u64, u32)>,
}

/// The pair buffer and the sorted runs on disk.
struct Store {
    dir: PathBuf,
    cap: usize,
    buffer: Vec<Keyed>,
    runs: Vec<PathBuf>,
    /// Runs written so far (sorted and merged), for their names.
    next_run: usize,
    /// Runs sorted from the buffer.
    sorted_runs: usize,
    spilled_pairs: u64,
    /// Pairs written again by merging groups of runs.
    remerged_pairs: u64,
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
            next_run: 0,
            sorted_runs: 0,
            spilled_pairs: 0,
            remerged_pairs: 0,
            spill_ms: 0.0,
            made: false,
        })
    }

    /// The fresh folder, made on first use.
    fn folder(&mut self) -> io::Result<&Path> {
        if !self.made {
            self.dir = lockstep_model::folder::fresh_dir(&self.dir)?;
            self.made = true;
        }
        Ok(&self.dir)
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
        self.folder()?;
        self.buffer.par_sort_unstable();
        let path = self.dir.join(format!("run-{:05}.bin", self.next_run));
        self.next_run += 1;
        let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
        for &k in &self.buffer {
            write_keyed(&mut w, k)?;
        }
        w.flush()?;
        self.spilled_pairs += self.buffer.len() as u64;
        self.sorted_runs += 1;
        self.runs.push(path);
        self.buffer.clear();
        self.spill_ms += clock.elapsed().as_secs_f64() * 1e3;
        Ok(())
    }

    /// The runs merged, in key order. More runs than [`FAN_IN`] are first
    /// merged a group at a time into longer runs, so that open files stay
    /// few.
    fn merged(&mut self) -> io::Result<Merge> {
        while self.runs.len() > FAN_IN {
            let clock = Instant::now();
            let group: Vec<PathBuf> = self.runs.drain(..FAN_IN).collect();
            let path = self.dir.join(format!("run-{:05}.bin", self.next_run));
            self.next_run += 1;
            let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
            for k in Merge::open(&group)? {
                write_keyed(&mut w, k?)?;
                self.remerged_pairs += 1;
            }
            w.flush()?;
            for p in group {
                std::fs::remove_file(p)?;
            }
            self.runs.push(path);
            self.spill_ms += clock.elapsed().as_secs_f64() * 1e3;
        }
        Merge::open(&self.runs)
    }
}

/// Most runs merged at once.
pub const FAN_IN: usize = 64;

fn write_keyed(w: &mut impl Write, (k, i, j): Keyed) -> io::Result<()> {
    w.write_all(&k.to_le_bytes())?;
    w.write_all(&i.to_le_bytes())?;
    w.write_all(&j.to_le_bytes())
}

impl Merge {
    fn open(runs: &[PathBuf]) -> io::Result<Merge> {
        let mut readers = Vec::with_capacity(runs.len());
        let mut heap = BinaryHeap::with_capacity(runs.len());
        for (r, path) in runs.iter().enumerate() {
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
