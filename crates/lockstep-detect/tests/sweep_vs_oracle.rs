//! The fast sweep against the all-pairs oracle, for both semantics and for
//! 1 vs N threads.

use lockstep_detect::oracle::{oracle, oracle_filtered, OracleEdge, OracleOutput};
use lockstep_detect::{detect, DetectConfig, Detection, Semantics};
use lockstep_model::{ActionInput, Dataset, DatasetBuilder, Layer};
use proptest::prelude::*;

mod common;
use common::{config, dataset};

fn to_oracle_shape(d: &Detection) -> OracleOutput {
    let mut out = OracleOutput::default();
    for k in 0..d.pairs.len() {
        out.pairs.insert((d.pairs.older[k], d.pairs.newer[k]));
        if d.pairs.fast[k] {
            out.fast_pairs.insert((d.pairs.older[k], d.pairs.newer[k]));
        }
    }
    assert_eq!(out.pairs.len(), d.pairs.len(), "duplicate pairs");
    for e in 0..d.edges.len() {
        out.edges.insert(
            (d.edges.a[e], d.edges.b[e]),
            OracleEdge {
                weight: d.edges.weight[e],
                pair_rows: d.edges.pair_rows[e],
                objects: d.edges.objects[e],
                n_content_older: d.edges.n_content_older[e],
                n_content_newer: d.edges.n_content_newer[e],
                fast_weight: d.edges.fast_weight[e],
            },
        );
    }
    out
}

fn run_with_threads(ds: &Dataset, cfg: &DetectConfig, threads: usize) -> Detection {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| detect(ds, cfg))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn sweep_matches_oracle(ds in dataset(), cfg in config(0.5)) {
        let fast = run_with_threads(&ds, &cfg, 1);
        prop_assert_eq!(to_oracle_shape(&fast), oracle(&ds, &cfg));
        let parallel = run_with_threads(&ds, &cfg, 3);
        prop_assert_eq!(parallel, fast);
    }
}

#[test]
fn window_is_inclusive() {
    let mut b = DatasetBuilder::default();
    for (acc, c, t) in [("a", "1", 0), ("b", "2", 60), ("c", "3", 121)] {
        b.push_action(ActionInput {
            account: acc,
            object: "x",
            layer: Layer::Repost,
            content: c,
            time_us: t * 1_000_000,
            platform: "",
        });
    }
    let ds = b.finish();
    let cfg = DetectConfig { min_participation: 1, ..Default::default() };
    let d = detect(&ds, &cfg);
    assert_eq!(d.pairs.len(), 1, "60 s apart pairs, 61 s apart does not");
    assert_eq!((d.pairs.older[0], d.pairs.newer[0]), (0, 1));
}

/// CooRTweet's `flag_speed_share` filters the fast pairs for participation
/// again: a pair inside the fast window whose accounts take part only
/// thanks to slower pairs is not flagged. lockstep flags by the window alone.
#[test]
fn coortweet_fast_flag_refilters_participation() {
    let mut b = DatasetBuilder::default();
    for (acc, obj, c, t) in
        [("a", "o1", "a1", 0), ("b", "o1", "b1", 5), ("a", "o2", "a2", 100), ("b", "o2", "b2", 150)]
    {
        b.push_action(ActionInput {
            account: acc,
            object: obj,
            layer: Layer::Repost,
            content: c,
            time_us: t * 1_000_000,
            platform: "",
        });
    }
    let ds = b.finish();
    let base = DetectConfig { fast_window_us: Some(10_000_000), ..Default::default() };
    let lockstep = detect(&ds, &base);
    let coortweet = detect(&ds, &DetectConfig { semantics: Semantics::CooRTweet, ..base });
    assert_eq!(lockstep.pairs.fast, [true, false]);
    assert_eq!(coortweet.pairs.fast, [false, false]);
    assert_eq!(coortweet.edges.fast_weight, [0]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// The extra pair condition is applied as the oracle applies it.
    #[test]
    fn filtered_sweep_equals_filtered_oracle(ds in dataset(), cfg in config(0.5), m in 2usize..5) {
        let pair_ok = |a: usize, b: usize| (a + b) % m != 0;
        let fast = lockstep_detect::co_action::detect_filtered(&ds, &cfg, pair_ok);
        prop_assert_eq!(to_oracle_shape(&fast), oracle_filtered(&ds, &cfg, pair_ok));
    }
}
