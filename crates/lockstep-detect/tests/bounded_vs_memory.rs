//! The bounded engine against the in-memory one: with parts, runs and
//! aggregation chunks as small as one action and one pair (so every object
//! is a part and every pair a run), or with every pair in the buffer, the
//! same `Detection`, statistics included, with and without a pair filter,
//! its tables on the heap or in mapped files.

use lockstep_detect::bounded::{detect_bounded, Spill, FAN_IN};
use lockstep_detect::co_action::detect_filtered;
use lockstep_detect::{DetectConfig, Semantics};
use proptest::prelude::*;

mod common;
use common::{config, dataset};

fn spill_root() -> std::path::PathBuf {
    std::env::temp_dir().join("lockstep-bounded-test")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn bounded_detection_is_the_in_memory_one(
        ds in dataset(),
        cfg in config(0.1),
        filtered in any::<bool>(),
        part_rows in 1usize..40,
        edge_pairs in prop_oneof![1usize..20, Just(1usize << 20)],
        // Small: runs on disk; large: every pair in the buffer.
        run_pairs in prop_oneof![1usize..30, Just(1usize << 20)],
        results_to_disk in any::<bool>(),
    ) {
        let coortweet = cfg.semantics == Semantics::CooRTweet;
        // Symmetric, and refuses some pairs of every shape.
        let pair_ok = |a: usize, b: usize| !filtered || (a + b) % 3 != 0;
        let spill = Spill { dir: spill_root(), part_rows, run_pairs, edge_pairs, results_to_disk };
        let (got, stats) = detect_bounded(&ds, &cfg, pair_ok, &spill).unwrap();
        prop_assert_eq!(stats.bounded, !coortweet);
        // Results go to mapped files when asked, or when the actions were
        // split or pairs spilled; the bytes are theirs.
        let on_disk = !coortweet && (results_to_disk || stats.parts > 1 || stats.runs > 0);
        prop_assert_eq!(stats.results_on_disk, on_disk);
        prop_assert_eq!(got.pairs.older.is_mapped(), on_disk && got.stats.pairs > 0);
        prop_assert_eq!(got.edges.mean_delta_us.is_mapped(), on_disk && !got.edges.is_empty());
        prop_assert_eq!(stats.result_bytes, if on_disk { got.pairs.disk_bytes() + got.edges.disk_bytes() } else { 0 });
        prop_assert_eq!(got, detect_filtered(&ds, &cfg, pair_ok));
        // Runs are removed when the detection ends.
        let left = std::fs::read_dir(spill_root()).map_or(0, |d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().contains(&format!("-{}-", std::process::id())))
                .count()
        });
        prop_assert_eq!(left, 0);
    }
}

#[test]
fn small_budgets_spill_and_large_ones_do_not() {
    use lockstep_model::{ActionInput, DatasetBuilder, Layer};
    let mut b = DatasetBuilder::default();
    // 20 accounts on 100 objects within seconds: many pairs per object.
    for o in 0..100 {
        for a in 0..20 {
            b.push_action(ActionInput {
                account: &format!("a{a}"),
                object: &format!("o{o}"),
                layer: Layer::Repost,
                content: &format!("c{o}-{a}"),
                time_us: (o * 1000 + a) * 1_000_000,
                platform: "",
            });
        }
    }
    let ds = b.finish();
    let cfg = DetectConfig::default();
    let want = detect_filtered(&ds, &cfg, |_, _| true);
    assert!(want.pairs.len() > 10_000, "{} pairs", want.pairs.len());

    let big = Spill::within(spill_root(), 1 << 30, &ds);
    let (got, stats) = detect_bounded(&ds, &cfg, |_, _| true, &big).unwrap();
    assert_eq!(got, want);
    assert_eq!((stats.parts, stats.runs, stats.spilled_bytes), (1, 0, 0));

    let small = Spill {
        dir: spill_root(),
        part_rows: 100,
        run_pairs: 2000,
        edge_pairs: 500,
        results_to_disk: false,
    };
    let (got, stats) = detect_bounded(&ds, &cfg, |_, _| true, &small).unwrap();
    assert_eq!(got, want);
    assert_eq!(stats.parts, 20);
    assert!((5..=FAN_IN).contains(&stats.runs), "{stats:?}");
    assert_eq!(stats.spilled_pairs, want.stats.pairs_in_window - want.stats.loops_removed);
    assert_eq!(stats.spilled_bytes, stats.spilled_pairs * 16);

    // More runs than merge at once: groups of them are merged first.
    let tiny = Spill {
        dir: spill_root(),
        part_rows: 100,
        run_pairs: 100,
        edge_pairs: 1,
        results_to_disk: false,
    };
    let (got, stats) = detect_bounded(&ds, &cfg, |_, _| true, &tiny).unwrap();
    assert_eq!(got, want);
    assert!(stats.runs > FAN_IN, "{stats:?}");
    assert!(stats.spilled_bytes > stats.spilled_pairs * 16, "{stats:?}");
}
