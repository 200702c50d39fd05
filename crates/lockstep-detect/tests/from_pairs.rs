//! Detection from another engine's window pairs (`--engine datafusion`)
//! against the native sweep: given the pairs within the window that an
//! all-pairs scan finds, in any order, `detect_from_pairs` gives the same
//! `Detection`, statistics included.

use lockstep_detect::co_action::{detect_from_pairs, WindowPairs};
use lockstep_detect::{detect, DetectConfig};
use lockstep_model::Dataset;
use proptest::prelude::*;
use std::collections::HashSet;

mod common;
use common::{config, dataset};

/// What the SQL plan computes, by brute force over all pairs of rows.
fn window_pairs(ds: &Dataset, cfg: &DetectConfig) -> WindowPairs {
    let t = &ds.actions;
    let n = t.len();
    let mut keep = vec![true; n];
    let mut out = WindowPairs::default();
    if cfg.dedup {
        let mut seen = HashSet::new();
        // The first by (time, row) of each key; within a key times are equal.
        for i in 0..n {
            if !seen.insert((t.object[i], t.account[i], t.content[i], t.time_us[i])) {
                keep[i] = false;
                out.duplicates_dropped += 1;
            }
        }
    }
    if cfg.min_participation > 1 {
        let mut objects: std::collections::HashMap<u32, HashSet<u32>> = Default::default();
        for i in (0..n).filter(|&i| keep[i]) {
            objects.entry(t.account[i]).or_default().insert(t.object[i]);
        }
        for i in 0..n {
            if keep[i] && objects[&t.account[i]].len() < cfg.min_participation as usize {
                keep[i] = false;
                out.prefiltered_out += 1;
            }
        }
    }
    for x in (0..n).filter(|&i| keep[i]) {
        for y in (0..n).filter(|&i| keep[i]) {
            let older = (t.time_us[x], x) < (t.time_us[y], y);
            if t.object[x] != t.object[y] || !older || t.time_us[y] - t.time_us[x] > cfg.window_us {
                continue;
            }
            let is_loop = t.account[x] == t.account[y]
                || t.content[x] == t.content[y]
                || t.self_ref[x]
                || t.self_ref[y];
            if is_loop && !cfg.keep_loops {
                out.loops_removed += 1;
            } else {
                out.pairs.push((x as u32, y as u32));
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn engine_pairs_give_the_native_detection(
        ds in dataset(),
        // The engines' plans pair at one window.
        cfg in config(0.0).prop_map(|c| DetectConfig { slow: None, ..c }),
        reverse in any::<bool>(),
    ) {
        let mut found = window_pairs(&ds, &cfg);
        if reverse {
            // An engine returns rows in no particular order.
            found.pairs.reverse();
        }
        prop_assert_eq!(detect_from_pairs(&ds, &cfg, found), detect(&ds, &cfg));
    }
}
