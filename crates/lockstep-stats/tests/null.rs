//! The null model on data with a known answer: five accounts that post the
//! same new links within seconds, twenty times, each time with one of the
//! crowd's hashtags, against two hundred accounts that use five common
//! hashtags at their own random times, some of them within a minute of
//! each other by chance. The new links are openings the five fill at once,
//! which explain nothing (docs/detect.md). And the analytic null against Monte Carlo replicates of the
//! whole-account day shift.

mod common;

use common::{config, Rng};
use lockstep_model::{Dataset, DatasetBuilder, Layer};
use lockstep_stats::{shifted_times, significance, Audience};

fn data() -> Dataset {
    let mut rng = Rng(9);
    let mut b = DatasetBuilder::default();
    let day = 86_400u64;
    let mut post = 0;
    let mut push = |b: &mut DatasetBuilder, account: &str, object: &str, layer, t: u64| {
        common::push_on(b, &mut post, account, object, layer, t)
    };
    for a in 0..200 {
        for _ in 0..40 {
            let tag = format!("tag{}", rng.below(5));
            push(&mut b, &format!("crowd{a}"), &tag, Layer::Hashtag, rng.below(30 * day));
        }
    }
    for e in 0..20 {
        let t0 = rng.below(30 * day);
        let tag = format!("tag{}", e % 5);
        for m in 0..5 {
            let url = format!("https://x.example/{e}");
            let t = t0 + rng.below(10);
            push(&mut b, &format!("op{m}"), &url, Layer::Url, t);
            push(&mut b, &format!("op{m}"), &tag, Layer::Hashtag, t + 1 + rng.below(10));
        }
    }
    b.finish()
}

#[test]
fn the_group_is_significant_and_the_crowd_is_not() {
    let ds = data();
    let det = lockstep_detect::detect(&ds, &config());
    let s = significance(&ds, &det, &lockstep_detect::DetectConfig::default(), &Audience::of(&ds));
    assert_eq!(s.span_days, 30);
    let e = &det.edges;
    let (mut planted, mut crowd) = (Vec::new(), Vec::new());
    for i in 0..e.len() {
        let op = |a: u32| ds.account_name(a).starts_with("op");
        if op(e.a[i]) && op(e.b[i]) {
            planted.push(i);
        } else {
            crowd.push(i);
        }
    }
    assert_eq!(planted.len(), 10, "every pair of the five");
    assert!(crowd.len() > 100, "the crowd co-uses hashtags by chance: {}", crowd.len());
    for &i in &planted {
        assert_eq!(e.objects[i], 25);
        assert_eq!(s.in_openings[i], 0);
        assert!(s.expected[i] < 2.0, "{}", s.expected[i]);
        assert!(s.q_value[i] < 1e-10, "{}", s.q_value[i]);
    }
    let significant = crowd.iter().filter(|&&i| s.q_value[i] <= 0.05).count();
    assert_eq!(significant, 0, "no chance edge survives the FDR");
    // Pairs of the crowd share each hashtag, so their hypotheses count.
    assert!(s.hypotheses >= 5.0 * 200.0 * 199.0 / 2.0);
}

/// The analytic expected weight is the mean of the weight over replicates
/// of the whole-account day shift itself.
#[test]
fn expected_weights_match_monte_carlo() {
    let ds = data();
    let cfg = config();
    let det = lockstep_detect::detect(&ds, &cfg);
    let s = significance(&ds, &det, &cfg, &Audience::of(&ds));
    let e = &det.edges;
    let index: std::collections::HashMap<(u32, u32), usize> =
        (0..e.len()).map(|i| ((e.a[i], e.b[i]), i)).collect();
    let replicates = 200;
    let mut sum = vec![0f64; e.len()];
    let mut shifted = ds.clone();
    for r in 0..replicates {
        shifted.actions.time_us = shifted_times(&ds, 7, r);
        let null = lockstep_detect::detect(&shifted, &cfg);
        for k in 0..null.edges.len() {
            if let Some(&i) = index.get(&(null.edges.a[k], null.edges.b[k])) {
                sum[i] += null.edges.objects[k] as f64;
            }
        }
    }
    // Summed over all edges, so the check is tight: the means agree within
    // a few standard errors of a Poisson-like count.
    let analytic: f64 = s.expected.iter().sum();
    let monte_carlo: f64 = sum.iter().sum::<f64>() / f64::from(replicates);
    let se = (analytic / f64::from(replicates)).sqrt();
    assert!(analytic > 5.0, "{analytic}");
    assert!(
        (analytic - monte_carlo).abs() < 4.0 * se + 0.02 * analytic,
        "analytic {analytic}, Monte Carlo {monte_carlo}, se {se}"
    );
}

#[test]
fn significance_does_not_depend_on_threads() {
    let ds = data();
    let det = lockstep_detect::detect(&ds, &config());
    let run = |threads| {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(|| {
            significance(&ds, &det, &lockstep_detect::DetectConfig::default(), &Audience::of(&ds))
        })
    };
    assert_eq!(run(1), run(3));
}

/// Rare objects weigh more: the group's links (5 accounts of 205 each) at
/// ln(205/5) apiece; the crowd's hashtags (used by all 200) near nothing.
#[test]
fn idf_weights_favour_rare_objects() {
    let ds = data();
    let det = lockstep_detect::detect(&ds, &config());
    let w = lockstep_stats::idf_weights(&ds, &det, &Audience::of(&ds));
    let e = &det.edges;
    for i in 0..e.len() {
        let op = |a: u32| ds.account_name(a).starts_with("op");
        if op(e.a[i]) && op(e.b[i]) {
            assert!((w[i] - 20.0 * (205.0f64 / 5.0).ln()).abs() < 1e-9, "{}", w[i]);
        } else {
            assert!(w[i] < 5.0 * (205.0f64 / 200.0).ln() + 1e-9, "{}", w[i]);
        }
    }
}

proptest::proptest! {
    /// Galloping finds the same shared objects, in the same order, as the
    /// merge, whichever list is longer.
    #[test]
    fn shared_objects_equal_the_merge(
        a in proptest::collection::btree_set(0u32..400, 0..60),
        b in proptest::collection::btree_set(0u32..400, 0..300),
    ) {
        let a: Vec<(u32, ())> = a.into_iter().map(|o| (o, ())).collect();
        let b: Vec<(u32, ())> = b.into_iter().map(|o| (o, ())).collect();
        for (x, y) in [(&a, &b), (&b, &a)] {
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            lockstep_stats::shared_objects(x, y, |i, j| fast.push((i, j)));
            lockstep_stats::shared_objects_merge(x, y, |i, j| slow.push((i, j)));
            proptest::prop_assert_eq!(fast, slow);
        }
    }
}
