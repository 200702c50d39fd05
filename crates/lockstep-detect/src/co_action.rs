//! # `co_action`: accounts that act on the same object within a time window
//!
//! **What it detects.** Two accounts that repost the same post, share the
//! same URL, use the same hashtag (or any other layer's object) within
//! `window` seconds of each other, repeatedly.
//!
//! **Why it matters.** Operations receive the day's items and push them at
//! once; their accounts co-act on many objects within seconds, while
//! organic users co-act rarely and at random.
//!
//! **Parameters.** `window` (inclusive: `|t1 - t2| <= window`),
//! `fast_window`, `min_participation`, `semantics`, `keep_loops`, `dedup`
//! (see [`DetectConfig`]).
//!
//! **Algorithm.** Actions are ranked by `(time, input row)`; each object's
//! actions are sorted by rank and swept with a window, so the work is
//! `O(n log n + pairs in window)`, never all pairs of an object. Objects are
//! shards that run in parallel; pairs are merged in object order and then
//! sorted by `(account pair, older rank, newer rank)`, a total order, so the
//! output does not depend on the thread count. Both steps key on integers
//! only, so they can later run partitioned (by object, then by account
//! pair) and spill to disk.
//!
//! **Example.** `lockstep detect shares.csv --window 60 --out out/`.
//!
//! **Limitations.** Time stamps are trusted as given (minute-precision
//! archives make every delta a multiple of 60 s). A popular object shared by
//! thousands within one window yields a quadratic number of pairs: that is
//! the evidence, but it costs memory.

use crate::tables::TableWriter;
use crate::{
    DetectConfig, DetectStats, Detection, Detector, EdgeTable, PairTable, Reach, Semantics,
};
use lockstep_model::{Dataset, Layer, LayerSet};
use rayon::prelude::*;

/// The windowed co-action detector.
#[derive(Debug, Clone, Copy, Default)]
pub struct CoAction;

impl Detector for CoAction {
    fn name(&self) -> &'static str {
        "co_action"
    }

    fn detect(&self, ds: &Dataset, cfg: &DetectConfig) -> Detection {
        detect_filtered(ds, cfg, |_, _| true)
    }
}

/// [`CoAction`] with one more condition on a pair: `pair_ok(row_a, row_b)`,
/// asked of every pair of actions on one object within the window before
/// any other rule; a pair it refuses is no pair at all (not counted).
/// Rules whose pairs are not "same object" alone, such as the QUT
/// toolkit's similar posts, put every candidate on one object and decide
/// here. `pair_ok` must be symmetric.
pub fn detect_filtered(
    ds: &Dataset,
    cfg: &DetectConfig,
    pair_ok: impl Fn(usize, usize) -> bool + Sync,
) -> Detection {
    let t = &ds.actions;
    let n = t.len();
    let mut stats = DetectStats { actions: n as u64, ..Default::default() };

    // Rank actions by (time, row): a pair's older side is its lower rank,
    // which is CooRTweet's orientation (ties keep input order).
    let mut perm: Vec<u32> = (0..n as u32).collect();
    perm.par_sort_unstable_by_key(|&r| (t.time_us[r as usize], r));
    let r = Ranked::gather(ds, &perm);

    let mut keep = vec![true; n];
    if cfg.dedup {
        stats.duplicates_dropped = mark_duplicates(&r, &mut keep);
    }
    stats.prefiltered_out = prefilter(&r, cfg, &mut keep, ds.accounts.len());

    // Shard by object: keys sort by object, then rank.
    let mut keys: Vec<u64> =
        (0..n).filter(|&i| keep[i]).map(|i| (r.object[i] as u64) << 32 | i as u64).collect();
    keys.par_sort_unstable();
    let groups = group_bounds(&keys, |k| k >> 32);

    // Loops are dropped during the sweep (and only counted), so memory
    // holds the kept pairs alone; a sum does not depend on thread order.
    let loops = std::sync::atomic::AtomicU64::new(0);
    let pairs: Vec<(u32, u32)> = groups
        .par_iter()
        .flat_map_iter(|g| {
            let ranks = &keys[g.clone()];
            let mut out = Vec::new();
            let mut dropped = 0;
            let at = |x: usize| (ranks[x] & 0xffff_ffff) as usize;
            sweep_window(
                ranks.len(),
                |x| r.time[at(x)],
                cfg.reach(ds.object_layer((ranks[0] >> 32) as u32)),
                |x, y| {
                    let (i, j) = (at(x), at(y));
                    if !pair_ok(perm[i] as usize, perm[j] as usize) {
                        return;
                    }
                    let is_loop = r.account[i] == r.account[j]
                        || r.content[i] == r.content[j]
                        || r.self_ref[i]
                        || r.self_ref[j];
                    if is_loop && !cfg.keep_loops {
                        dropped += 1;
                    } else {
                        out.push((i as u32, j as u32));
                    }
                },
            );
            if dropped > 0 {
                loops.fetch_add(dropped, std::sync::atomic::Ordering::Relaxed);
            }
            out
        })
        .collect();
    stats.loops_removed = loops.into_inner();
    stats.pairs_in_window = pairs.len() as u64 + stats.loops_removed;
    finish(ds, cfg, &r, &perm, &keep, pairs, stats)
}

/// What another engine found for the window stage (`--engine datafusion`
/// runs the join of `lockstep export-sql`'s plan): the pairs of actions
/// within the window, without loops, as input rows `(older, newer)`, and
/// what it dropped on the way.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WindowPairs {
    /// `(older row, newer row)`, in any order.
    pub pairs: Vec<(u32, u32)>,
    /// Exact duplicates dropped (with `dedup`).
    pub duplicates_dropped: u64,
    /// Actions of accounts under the participation threshold.
    pub prefiltered_out: u64,
    /// Pairs within the window that were loops.
    pub loops_removed: u64,
}

/// Detection from another engine's window pairs: participation, the fast
/// flag and the aggregation run here, as in [`detect_filtered`], so the
/// result is the same [`Detection`] (lockstep semantics only: CooRTweet's
/// rules need the kept actions of the window stage).
pub fn detect_from_pairs(ds: &Dataset, cfg: &DetectConfig, found: WindowPairs) -> Detection {
    let t = &ds.actions;
    let n = t.len();
    let mut perm: Vec<u32> = (0..n as u32).collect();
    perm.par_sort_unstable_by_key(|&r| (t.time_us[r as usize], r));
    let mut rank = vec![0u32; n];
    for (k, &row) in perm.iter().enumerate() {
        rank[row as usize] = k as u32;
    }
    let r = Ranked::gather(ds, &perm);
    let pairs: Vec<(u32, u32)> = found
        .pairs
        .iter()
        .map(|&(older, newer)| (rank[older as usize], rank[newer as usize]))
        .collect();
    let stats = DetectStats {
        actions: n as u64,
        duplicates_dropped: found.duplicates_dropped,
        prefiltered_out: found.prefiltered_out,
        loops_removed: found.loops_removed,
        pairs_in_window: pairs.len() as u64 + found.loops_removed,
        ..Default::default()
    };
    finish(ds, cfg, &r, &perm, &vec![true; n], pairs, stats)
}

/// Participation, the fast flag and the aggregation into pairs and edges.
fn finish(
    ds: &Dataset,
    cfg: &DetectConfig,
    r: &Ranked,
    perm: &[u32],
    keep: &[bool],
    mut pairs: Vec<(u32, u32)>,
    mut stats: DetectStats,
) -> Detection {
    let t = &ds.actions;
    let before = pairs.len();
    match cfg.semantics {
        Semantics::CooRTweet => {
            coortweet_participation(r, cfg, keep, &mut pairs, ds.contents.len())
        }
        Semantics::Lockstep => lockstep_participation(r, cfg, &mut pairs, ds.accounts.len()),
    }
    stats.participation_removed = (before - pairs.len()) as u64;

    let fast = FastRule::new(r, cfg, keep, &pairs, ds.contents.len());
    let (pair_table, edges) = aggregate(r, cfg, perm, pairs, &fast);
    stats.pairs = pair_table.len() as u64;
    stats.fast_pairs = pair_table.fast.iter().filter(|&&f| f).count() as u64;
    stats.accounts =
        count_distinct(edges.a.iter().chain(edges.b.iter()).copied(), ds.accounts.len());
    stats.objects = count_distinct(
        pair_table.older.iter().map(|&row| t.object[row as usize]),
        ds.objects.len(),
    );
    Detection { pairs: pair_table, edges, stats }
}

/// The action columns the sweep reads, gathered in rank order for locality.
struct Ranked {
    account: Vec<u32>,
    object: Vec<u32>,
    content: Vec<u32>,
    time: Vec<i64>,
    self_ref: Vec<bool>,
    layer: Vec<u8>,
}

impl Ranked {
    fn gather(ds: &Dataset, perm: &[u32]) -> Ranked {
        let t = &ds.actions;
        let g = |f: &(dyn Fn(usize) -> u32 + Sync)| {
            perm.par_iter().map(|&p| f(p as usize)).collect::<Vec<u32>>()
        };
        Ranked {
            account: g(&|p| t.account[p]),
            object: g(&|p| t.object[p]),
            content: g(&|p| t.content[p]),
            time: perm.par_iter().map(|&p| t.time_us[p as usize]).collect(),
            self_ref: perm.par_iter().map(|&p| t.self_ref[p as usize]).collect(),
            layer: perm.par_iter().map(|&p| t.layer[p as usize] as u8).collect(),
        }
    }
}

/// Calls `f(x, y)` for every pair of positions `x < y` of one object's
/// actions (in rank order, so in time order) that `reach` pairs: the
/// window sweep, which stops at the first action past reach.
pub(crate) fn sweep_window(
    len: usize,
    time: impl Fn(usize) -> i64,
    reach: Reach,
    mut f: impl FnMut(usize, usize),
) {
    for x in 0..len {
        let tx = time(x);
        for y in x + 1..len {
            let (dt, gap) = (time(y) - tx, y - x);
            if reach.past(dt, gap) {
                break;
            }
            if reach.pairs(dt, gap) {
                f(x, y);
            }
        }
    }
}

pub(crate) fn group_bounds<T>(
    sorted: &[T],
    key: impl Fn(&T) -> u64,
) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=sorted.len() {
        if i == sorted.len() || key(&sorted[i]) != key(&sorted[start]) {
            if i > start {
                out.push(start..i);
            }
            start = i;
        }
    }
    out
}

pub(crate) fn count_distinct(ids: impl Iterator<Item = u32>, universe: usize) -> u64 {
    let mut seen = vec![false; universe];
    let mut n = 0;
    for i in ids {
        if !std::mem::replace(&mut seen[i as usize], true) {
            n += 1;
        }
    }
    n
}

/// Per account, its acts: the smaller of its distinct objects and its
/// distinct posts, from `account << 32 | object` and `account << 32 |
/// content` keys (each distinct).
pub(crate) fn account_acts(objects: &[u64], posts: &[u64], n_accounts: usize) -> Vec<u32> {
    let mut n_objects = vec![0u32; n_accounts];
    for &k in objects {
        n_objects[(k >> 32) as usize] += 1;
    }
    let mut n_posts = vec![0u32; n_accounts];
    for &k in posts {
        n_posts[(k >> 32) as usize] += 1;
    }
    n_objects.iter().zip(&n_posts).map(|(&o, &p)| o.min(p)).collect()
}

/// The posts of a pair of actions `(i, j)`, lower account's first (with
/// one account on both ends, the older's first).
pub(crate) fn posts_by_account(r: &impl Cols, i: u32, j: u32) -> (u32, u32) {
    if r.account(i) <= r.account(j) {
        (r.content(i), r.content(j))
    } else {
        (r.content(j), r.content(i))
    }
}

/// Marks exact duplicates (same object, account, content and time) after
/// their first occurrence; returns how many.
fn mark_duplicates(r: &Ranked, keep: &mut [bool]) -> u64 {
    let mut idx: Vec<u32> = (0..keep.len() as u32).filter(|&i| keep[i as usize]).collect();
    let key = |i: u32| {
        let i = i as usize;
        (r.object[i], r.account[i], r.content[i], r.time[i])
    };
    idx.par_sort_unstable_by_key(|&i| (key(i), i));
    let mut dropped = 0;
    for w in idx.windows(2) {
        if key(w[0]) == key(w[1]) {
            keep[w[1] as usize] = false;
            dropped += 1;
        }
    }
    dropped
}

/// Drops the actions of accounts that cannot reach `min_participation`:
/// CooRTweet counts rows per layer; lockstep counts distinct objects.
fn prefilter(r: &Ranked, cfg: &DetectConfig, keep: &mut [bool], n_accounts: usize) -> u64 {
    let min = cfg.min_participation as usize;
    if min <= 1 {
        return 0;
    }
    let mut dropped = 0;
    match cfg.semantics {
        Semantics::CooRTweet => {
            // One counter per (layer present, account).
            let mut dense = [usize::MAX; Layer::ALL.len()];
            let mut layers = 0;
            for &l in &r.layer {
                if dense[l as usize] == usize::MAX {
                    dense[l as usize] = layers;
                    layers += 1;
                }
            }
            let mut count = vec![0u32; n_accounts * layers];
            let slot = |i: usize| dense[r.layer[i] as usize] * n_accounts + r.account[i] as usize;
            for i in (0..keep.len()).filter(|&i| keep[i]) {
                count[slot(i)] += 1;
            }
            for i in 0..keep.len() {
                if keep[i] && (count[slot(i)] as usize) < min {
                    keep[i] = false;
                    dropped += 1;
                }
            }
        }
        Semantics::Lockstep => {
            let mut ao: Vec<u64> = (0..keep.len())
                .filter(|&i| keep[i])
                .map(|i| (r.account[i] as u64) << 32 | r.object[i] as u64)
                .collect();
            ao.par_sort_unstable();
            ao.dedup();
            let mut objects = vec![0u32; n_accounts];
            for k in ao {
                objects[(k >> 32) as usize] += 1;
            }
            for i in 0..keep.len() {
                if keep[i] && (objects[r.account[i] as usize] as usize) < min {
                    keep[i] = false;
                    dropped += 1;
                }
            }
        }
    }
    dropped
}

/// CooRTweet's `filter_min_participation`, per layer: C = content ids in the
/// layer's pairs; an account qualifies with at least `min_participation`
/// kept rows whose content id is in C; a pair survives when either content
/// id belongs to a row of a qualifying account.
fn coortweet_participation(
    r: &Ranked,
    cfg: &DetectConfig,
    keep: &[bool],
    pairs: &mut Vec<(u32, u32)>,
    n_contents: usize,
) {
    if cfg.min_participation < 1 {
        return;
    }
    let layers: LayerSet =
        pairs.iter().map(|&(i, _)| Layer::ALL[r.layer[i as usize] as usize]).collect();
    let mut survivors = vec![false; pairs.len()];
    for layer in layers.iter() {
        let l = layer as u8;
        let mut in_c = vec![false; n_contents];
        for &(i, j) in pairs.iter().filter(|&&(i, _)| r.layer[i as usize] == l) {
            in_c[r.content[i as usize] as usize] = true;
            in_c[r.content[j as usize] as usize] = true;
        }
        let rows: Vec<usize> = (0..keep.len())
            .filter(|&i| keep[i] && r.layer[i] == l && in_c[r.content[i] as usize])
            .collect();
        let mut per_account: std::collections::HashMap<u32, u32> = Default::default();
        for &i in &rows {
            *per_account.entry(r.account[i]).or_default() += 1;
        }
        let mut in_f = vec![false; n_contents];
        for &i in &rows {
            if per_account[&r.account[i]] >= cfg.min_participation {
                in_f[r.content[i] as usize] = true;
            }
        }
        for (k, &(i, j)) in pairs.iter().enumerate() {
            if r.layer[i as usize] == l
                && (in_f[r.content[i as usize] as usize] || in_f[r.content[j as usize] as usize])
            {
                survivors[k] = true;
            }
        }
    }
    let mut k = 0;
    pairs.retain(|_| {
        k += 1;
        survivors[k - 1]
    });
}

/// lockstep's participation rule: both accounts of a pair must have at
/// least `min_participation` acts in the pairs that survive (the smaller of
/// the distinct objects and the distinct posts of theirs in them); repeated
/// until nothing changes.
fn lockstep_participation(
    r: &Ranked,
    cfg: &DetectConfig,
    pairs: &mut Vec<(u32, u32)>,
    n_accounts: usize,
) {
    let min = cfg.min_participation;
    if min <= 1 {
        return;
    }
    loop {
        let ends = |key: &(dyn Fn(usize) -> u32 + Sync)| {
            let mut v: Vec<u64> = pairs
                .par_iter()
                .flat_map_iter(|&(i, j)| {
                    [i as usize, j as usize].map(|x| (r.account[x] as u64) << 32 | key(x) as u64)
                })
                .collect();
            v.par_sort_unstable();
            v.dedup();
            v
        };
        let acts = account_acts(&ends(&|x| r.object[x]), &ends(&|x| r.content[x]), n_accounts);
        let before = pairs.len();
        pairs.retain(|&(i, j)| {
            acts[r.account[i as usize] as usize] >= min
                && acts[r.account[j as usize] as usize] >= min
        });
        if pairs.len() == before {
            return;
        }
    }
}

/// Which pairs are fast. lockstep: within the fast window. CooRTweet's
/// `flag_speed_share`: the pairs within the fast window go through the
/// participation filter again, and a pair is flagged when its
/// `(content_id, content_id_y)` is among the survivors' (so a content pair
/// repeated on another object is flagged too).
pub(crate) enum FastRule {
    None,
    Window(i64),
    ContentPairs(std::collections::HashSet<(u32, u32)>),
}

impl FastRule {
    fn new(
        r: &Ranked,
        cfg: &DetectConfig,
        keep: &[bool],
        pairs: &[(u32, u32)],
        n_contents: usize,
    ) -> Self {
        let Some(f) = cfg.fast_window_us else { return FastRule::None };
        match cfg.semantics {
            Semantics::Lockstep => FastRule::Window(f),
            Semantics::CooRTweet => {
                let mut fast: Vec<(u32, u32)> = pairs
                    .iter()
                    .copied()
                    .filter(|&(i, j)| r.time[j as usize] - r.time[i as usize] <= f)
                    .collect();
                coortweet_participation(r, cfg, keep, &mut fast, n_contents);
                let set = fast
                    .iter()
                    .map(|&(i, j)| (r.content[i as usize], r.content[j as usize]))
                    .collect();
                FastRule::ContentPairs(set)
            }
        }
    }

    /// The lockstep rule, which needs no pairs to set up.
    pub(crate) fn window(cfg: &DetectConfig) -> Self {
        cfg.fast_window_us.map_or(FastRule::None, FastRule::Window)
    }

    pub(crate) fn is_fast(&self, r: &impl Cols, i: u32, j: u32) -> bool {
        match self {
            FastRule::None => false,
            FastRule::Window(f) => r.time(j) - r.time(i) <= *f,
            FastRule::ContentPairs(set) => set.contains(&(r.content(i), r.content(j))),
        }
    }
}

/// Sorts pairs by (account pair, older rank, newer rank) and sums each run
/// into an edge.
fn aggregate(
    r: &Ranked,
    cfg: &DetectConfig,
    perm: &[u32],
    pairs: Vec<(u32, u32)>,
    fast: &FastRule,
) -> (PairTable, EdgeTable) {
    let mut keyed: Vec<Keyed> = pairs
        .into_par_iter()
        .map(|(i, j)| keyed(r.account[i as usize], r.account[j as usize], i, j))
        .collect();
    keyed.par_sort_unstable();
    let mut w = TableWriter::default();
    append_edges(r, cfg, perm, &keyed, fast, &mut w).expect("columns on the heap do not fail");
    w.finish().expect("columns on the heap do not fail")
}

/// A pair of actions (older rank, newer rank) keyed by its account pair:
/// sorted, pairs come grouped by edge, in time order within an edge.
pub(crate) type Keyed = (u64, u32, u32);

pub(crate) fn keyed(x: u32, y: u32, i: u32, j: u32) -> Keyed {
    let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
    ((lo as u64) << 32 | hi as u64, i, j)
}

/// The columns of an action by rank, whether gathered ([`Ranked`]) or looked
/// up through the permutation ([`ByRank`]).
pub(crate) trait Cols: Sync {
    fn account(&self, i: u32) -> u32;
    fn object(&self, i: u32) -> u32;
    fn content(&self, i: u32) -> u32;
    fn time(&self, i: u32) -> i64;
    fn layer(&self, i: u32) -> u8;
}

impl Cols for Ranked {
    fn account(&self, i: u32) -> u32 {
        self.account[i as usize]
    }
    fn object(&self, i: u32) -> u32 {
        self.object[i as usize]
    }
    fn content(&self, i: u32) -> u32 {
        self.content[i as usize]
    }
    fn time(&self, i: u32) -> i64 {
        self.time[i as usize]
    }
    fn layer(&self, i: u32) -> u8 {
        self.layer[i as usize]
    }
}

/// Columns by rank without a gathered copy: `perm[rank]` is the row.
pub(crate) struct ByRank<'a> {
    pub(crate) perm: &'a [u32],
    pub(crate) t: &'a lockstep_model::ActionTable,
}

impl ByRank<'_> {
    fn row(&self, i: u32) -> usize {
        self.perm[i as usize] as usize
    }
}

impl Cols for ByRank<'_> {
    fn account(&self, i: u32) -> u32 {
        self.t.account[self.row(i)]
    }
    fn object(&self, i: u32) -> u32 {
        self.t.object[self.row(i)]
    }
    fn content(&self, i: u32) -> u32 {
        self.t.content[self.row(i)]
    }
    fn time(&self, i: u32) -> i64 {
        self.t.time_us[self.row(i)]
    }
    fn layer(&self, i: u32) -> u8 {
        self.t.layer[self.row(i)] as u8
    }
}

/// Sums each run of `keyed` (sorted, whole edges only) into an edge and
/// appends the edges and their pairs; chunks appended in key order give the
/// tables of one sorted whole.
pub(crate) fn append_edges(
    r: &impl Cols,
    cfg: &DetectConfig,
    perm: &[u32],
    keyed: &[Keyed],
    fast: &FastRule,
    w: &mut TableWriter,
) -> std::io::Result<()> {
    let runs = group_bounds(keyed, |k| k.0);
    let is_fast = |i: u32, j: u32| fast.is_fast(r, i, j);

    struct EdgeRow {
        weight: u64,
        objects: u64,
        mean: f64,
        n_old: u64,
        n_new: u64,
        layers: LayerSet,
        fast_weight: u64,
    }
    let rows: Vec<EdgeRow> = runs
        .par_iter()
        .map(|run| {
            let ps = &keyed[run.clone()];
            let distinct = |f: &dyn Fn(&Keyed) -> u32| {
                let mut v: Vec<u32> = ps.iter().map(f).collect();
                v.sort_unstable();
                v.dedup();
                v.len() as u64
            };
            let sum: i128 = ps.iter().map(|p| (r.time(p.2) - r.time(p.1)) as i128).sum();
            // (object, post of the lower account, post of the higher).
            let triples = |only_fast: bool| -> Vec<(u32, u32, u32)> {
                ps.iter()
                    .filter(|p| !only_fast || is_fast(p.1, p.2))
                    .map(|p| {
                        let (lo, hi) = posts_by_account(r, p.1, p.2);
                        (r.object(p.1), lo, hi)
                    })
                    .collect()
            };
            let (objects, weight, fast_weight) = match cfg.semantics {
                Semantics::CooRTweet => {
                    let fast_rows = ps.iter().filter(|p| is_fast(p.1, p.2)).count() as u64;
                    (distinct(&|p| r.object(p.1)), ps.len() as u64, fast_rows)
                }
                Semantics::Lockstep => {
                    // One pass gives the distinct objects and the acts.
                    let (objects, lo, hi) = crate::distinct_counts(&triples(false));
                    (objects, objects.min(lo).min(hi), crate::acts(&triples(true)))
                }
            };
            EdgeRow {
                weight,
                objects,
                mean: sum as f64 / ps.len() as f64,
                n_old: distinct(&|p| r.content(p.1)),
                n_new: distinct(&|p| r.content(p.2)),
                layers: ps.iter().map(|p| Layer::ALL[r.layer(p.1) as usize]).collect(),
                fast_weight,
            }
        })
        .collect();

    let offset = w.pairs();
    let column = |f: &dyn Fn(&EdgeRow) -> u64| rows.iter().map(f).collect::<Vec<u64>>();
    let key = |run: &std::ops::Range<usize>| keyed[run.start].0;
    w.a.extend_from_slice(&runs.iter().map(|r| (key(r) >> 32) as u32).collect::<Vec<_>>())?;
    w.b.extend_from_slice(&runs.iter().map(|r| key(r) as u32).collect::<Vec<_>>())?;
    w.weight.extend_from_slice(&column(&|r| r.weight))?;
    w.pair_rows.extend_from_slice(&runs.iter().map(|r| r.len() as u64).collect::<Vec<_>>())?;
    w.objects.extend_from_slice(&column(&|r| r.objects))?;
    w.mean_delta_us.extend_from_slice(&rows.iter().map(|r| r.mean).collect::<Vec<_>>())?;
    w.n_content_older.extend_from_slice(&column(&|r| r.n_old))?;
    w.n_content_newer.extend_from_slice(&column(&|r| r.n_new))?;
    w.layers.extend_from_slice(&rows.iter().map(|r| r.layers).collect::<Vec<_>>())?;
    w.fast_weight.extend_from_slice(&column(&|r| r.fast_weight))?;
    w.pair_start.extend_from_slice(&runs.iter().map(|r| offset + r.start).collect::<Vec<_>>())?;
    let older: Vec<u32> = keyed.par_iter().map(|k| perm[k.1 as usize]).collect();
    w.older.extend_from_slice(&older)?;
    let newer: Vec<u32> = keyed.par_iter().map(|k| perm[k.2 as usize]).collect();
    w.newer.extend_from_slice(&newer)?;
    let fast: Vec<bool> = keyed.par_iter().map(|k| is_fast(k.1, k.2)).collect();
    w.fast.extend_from_slice(&fast)
}
