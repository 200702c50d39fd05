//! A slow, obviously-correct twin of [`crate::co_action`], for tests: all
//! pairs of every object, the rules applied literally. Quadratic; never use
//! it on real data.

use crate::{DetectConfig, Semantics};
use lockstep_model::Dataset;
use std::collections::{BTreeMap, BTreeSet};

/// An edge as the oracle computes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OracleEdge {
    /// Weight under the semantics.
    pub weight: u64,
    /// Pair rows.
    pub pair_rows: u64,
    /// Distinct objects.
    pub objects: u64,
    /// Distinct older-side content ids.
    pub n_content_older: u64,
    /// Distinct newer-side content ids.
    pub n_content_newer: u64,
    /// Weight over fast pairs.
    pub fast_weight: u64,
}

/// The oracle's result: pairs as `(older row, newer row)`, and edges keyed by
/// `(lower account id, higher account id)`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OracleOutput {
    /// Every kept pair, sorted.
    pub pairs: BTreeSet<(u32, u32)>,
    /// The kept pairs flagged fast.
    pub fast_pairs: BTreeSet<(u32, u32)>,
    /// Every edge.
    pub edges: BTreeMap<(u32, u32), OracleEdge>,
}

/// Runs the rules literally.
pub fn oracle(ds: &Dataset, cfg: &DetectConfig) -> OracleOutput {
    oracle_filtered(ds, cfg, |_, _| true)
}

/// [`oracle`] with the extra pair condition of
/// [`crate::co_action::detect_filtered`] (which must be symmetric).
pub fn oracle_filtered(
    ds: &Dataset,
    cfg: &DetectConfig,
    pair_ok: impl Fn(usize, usize) -> bool,
) -> OracleOutput {
    let t = &ds.actions;
    let n = t.len();
    let mut kept: Vec<bool> = vec![true; n];
    if cfg.dedup {
        for i in 0..n {
            kept[i] = !(0..i).any(|j| {
                t.object[j] == t.object[i]
                    && t.account[j] == t.account[i]
                    && t.content[j] == t.content[i]
                    && t.time_us[j] == t.time_us[i]
            });
        }
    }
    let min = cfg.min_participation as usize;
    let kept_rows: Vec<usize> = (0..n).filter(|&i| kept[i]).collect();
    let pre: Vec<bool> = (0..n)
        .map(|i| {
            kept[i]
                && match cfg.semantics {
                    Semantics::CooRTweet => {
                        kept_rows
                            .iter()
                            .filter(|&&j| t.account[j] == t.account[i] && t.layer[j] == t.layer[i])
                            .count()
                            >= min
                    }
                    Semantics::Lockstep => {
                        kept_rows
                            .iter()
                            .filter(|&&j| t.account[j] == t.account[i])
                            .map(|&j| t.object[j])
                            .collect::<BTreeSet<_>>()
                            .len()
                            >= min
                    }
                }
        })
        .collect();

    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            if !pre[i] || !pre[j] || t.object[i] != t.object[j] {
                continue;
            }
            // Ranks apart: the object's kept actions after the earlier one,
            // up to and including the later one, in (time, row) order.
            let (lo, hi) = if (t.time_us[i], i) < (t.time_us[j], j) { (i, j) } else { (j, i) };
            let gap = (0..n)
                .filter(|&k| pre[k] && t.object[k] == t.object[i])
                .filter(|&k| (t.time_us[lo], lo) < (t.time_us[k], k))
                .filter(|&k| (t.time_us[k], k) <= (t.time_us[hi], hi))
                .count();
            let dt = (t.time_us[i] - t.time_us[j]).abs();
            let slow = cfg.slow.is_some_and(|s| {
                s.layers.contains(t.layer[i]) && dt <= s.window_us && gap <= s.crowd as usize
            });
            if !(dt <= cfg.window_us || slow) || !pair_ok(i, j) {
                continue;
            }
            let is_loop = t.account[i] == t.account[j]
                || t.content[i] == t.content[j]
                || t.self_ref[i]
                || t.self_ref[j];
            if is_loop && !cfg.keep_loops {
                continue;
            }
            let (o, w) = if t.time_us[i] <= t.time_us[j] { (i, j) } else { (j, i) };
            pairs.push((o as u32, w as u32));
        }
    }

    // CooRTweet's filter_min_participation, per layer, literally.
    let coortweet_filter = |pairs: &[(u32, u32)]| -> Vec<(u32, u32)> {
        let layers: BTreeSet<_> = pairs.iter().map(|&(i, _)| t.layer[i as usize]).collect();
        let mut out = Vec::new();
        for l in layers {
            let lp: Vec<_> =
                pairs.iter().copied().filter(|&(i, _)| t.layer[i as usize] == l).collect();
            let c: BTreeSet<u32> = lp
                .iter()
                .flat_map(|&(i, j)| [t.content[i as usize], t.content[j as usize]])
                .collect();
            let rows: Vec<usize> = (0..n)
                .filter(|&i| pre[i] && t.layer[i] == l && c.contains(&t.content[i]))
                .collect();
            let f: BTreeSet<u32> = rows
                .iter()
                .filter(|&&i| rows.iter().filter(|&&j| t.account[j] == t.account[i]).count() >= min)
                .map(|&i| t.content[i])
                .collect();
            out.extend(lp.into_iter().filter(|&(i, j)| {
                f.contains(&t.content[i as usize]) || f.contains(&t.content[j as usize])
            }));
        }
        out
    };
    match cfg.semantics {
        Semantics::CooRTweet if min >= 1 => pairs = coortweet_filter(&pairs),
        Semantics::Lockstep if min > 1 => loop {
            // An account's acts: its distinct objects and its distinct
            // posts in the pairs, whichever fewer.
            let mut objs: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
            let mut posts: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
            for &(i, j) in &pairs {
                for x in [i as usize, j as usize] {
                    objs.entry(t.account[x]).or_default().insert(t.object[x]);
                    posts.entry(t.account[x]).or_default().insert(t.content[x]);
                }
            }
            let count = |m: &BTreeMap<u32, BTreeSet<u32>>, a: u32| m.get(&a).map_or(0, |s| s.len());
            let ok = |x: u32| {
                let a = t.account[x as usize];
                count(&objs, a).min(count(&posts, a)) >= min
            };
            let next: Vec<_> = pairs.iter().copied().filter(|&(i, j)| ok(i) && ok(j)).collect();
            if next.len() == pairs.len() {
                break;
            }
            pairs = next;
        },
        _ => {}
    }

    let mut groups: BTreeMap<(u32, u32), Vec<(u32, u32)>> = BTreeMap::new();
    for &(i, j) in &pairs {
        let (x, y) = (t.account[i as usize], t.account[j as usize]);
        groups.entry((x.min(y), x.max(y))).or_default().push((i, j));
    }
    let in_fast_window = |&(i, j): &(u32, u32)| {
        cfg.fast_window_us.is_some_and(|f| t.time_us[j as usize] - t.time_us[i as usize] <= f)
    };
    // CooRTweet's flag_speed_share: filter the fast pairs again, then flag
    // every pair whose content pair survived.
    let fast_content_pairs: BTreeSet<(u32, u32)> = {
        let candidates: Vec<_> = pairs.iter().copied().filter(in_fast_window).collect();
        let kept = if min >= 1 { coortweet_filter(&candidates) } else { candidates };
        kept.iter().map(|&(i, j)| (t.content[i as usize], t.content[j as usize])).collect()
    };
    let fast = |p: &(u32, u32)| match cfg.semantics {
        Semantics::Lockstep => in_fast_window(p),
        Semantics::CooRTweet => {
            cfg.fast_window_us.is_some()
                && fast_content_pairs.contains(&(t.content[p.0 as usize], t.content[p.1 as usize]))
        }
    };
    let edges = groups
        .into_iter()
        .map(|(k, ps)| {
            let objects =
                ps.iter().map(|&(i, _)| t.object[i as usize]).collect::<BTreeSet<_>>().len() as u64;
            // Acts: objects, the lower account's posts and the higher
            // account's posts, each distinct; the fewest.
            let acts = |only_fast: bool| {
                let (mut o, mut lo, mut hi) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
                for p in ps.iter().filter(|p| !only_fast || fast(p)) {
                    let (i, j) = (p.0 as usize, p.1 as usize);
                    o.insert(t.object[i]);
                    let lower_first = t.account[i] <= t.account[j];
                    lo.insert(t.content[if lower_first { i } else { j }]);
                    hi.insert(t.content[if lower_first { j } else { i }]);
                }
                o.len().min(lo.len()).min(hi.len()) as u64
            };
            let fast_rows = ps.iter().filter(|p| fast(p)).count() as u64;
            let (weight, fast_weight) = match cfg.semantics {
                Semantics::CooRTweet => (ps.len() as u64, fast_rows),
                Semantics::Lockstep => (acts(false), acts(true)),
            };
            let e = OracleEdge {
                weight,
                pair_rows: ps.len() as u64,
                objects,
                n_content_older: ps
                    .iter()
                    .map(|&(i, _)| t.content[i as usize])
                    .collect::<BTreeSet<_>>()
                    .len() as u64,
                n_content_newer: ps
                    .iter()
                    .map(|&(_, j)| t.content[j as usize])
                    .collect::<BTreeSet<_>>()
                    .len() as u64,
                fast_weight,
            };
            (k, e)
        })
        .collect();
    let fast_pairs = pairs.iter().copied().filter(|p| fast(p)).collect();
    OracleOutput { pairs: pairs.into_iter().collect(), fast_pairs, edges }
}
