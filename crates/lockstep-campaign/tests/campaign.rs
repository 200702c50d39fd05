//! A cluster with a daily order and a seeder: each day one account posts
//! the day's two links first and four others follow within a minute.

use lockstep_campaign::{roles, talking_points};
use lockstep_graph::ThresholdConfig;
use lockstep_model::{ActionInput, DatasetBuilder, Layer};

#[test]
fn daily_orders_and_the_seeder() {
    let day = 86_400i64;
    let start = 1_709_510_400; // 2024-03-04 00:00 UTC
    let mut b = DatasetBuilder::default();
    let mut post = 0;
    let mut push = |b: &mut DatasetBuilder, acc: &str, obj: &str, t: i64| {
        post += 1;
        b.push_action(ActionInput {
            account: acc,
            object: obj,
            layer: Layer::Url,
            content: &format!("p{post}"),
            time_us: t * 1_000_000,
            platform: "",
        });
    };
    for d in 0..3i64 {
        for l in 0..2i64 {
            let t = start + d * day + 36_000 + l * 3_600;
            let link = format!("https://x.example/{d}/{l}");
            push(&mut b, "seeder", &link, t);
            for m in 1..5i64 {
                push(&mut b, &format!("amp{m}"), &link, t + 10 * m);
            }
        }
        // One amplifier also shares its own link that day, alone.
        push(&mut b, "amp1", &format!("https://own.example/{d}"), start + d * day + 50_000);
    }
    let ds = b.finish();
    let det = lockstep_detect::detect(&ds, &Default::default());
    let net = lockstep_graph::build(
        &ds,
        &det,
        &ThresholdConfig { quantile: None, min_weight: 2, clusters: Default::default() },
    );
    assert_eq!(net.clusters.len(), 1);
    let tp = talking_points(&ds, &net, 3);
    assert_eq!(tp.len(), 6, "two links a day for three days; the lone link is no order");
    for (k, p) in tp.iter().enumerate() {
        assert_eq!(p.day, start / day + k as i64 / 2);
        assert_eq!((p.accounts, p.share), (5, 1.0));
        assert!(ds.object_name(p.object).contains(&format!("/{}/", k / 2)));
    }
    let r = roles(&ds, &det, &net);
    let of = |name: &str| {
        r[(0..ds.accounts.len()).find(|&a| ds.account_name(a as u32) == name).unwrap()].unwrap()
    };
    let seeder = of("seeder");
    assert_eq!(seeder.led_share, 1.0);
    assert_eq!(seeder.median_lag_s, -25.0);
    assert_eq!(seeder.pairs, 6 * 4);
    let last = of("amp4");
    assert_eq!(last.led_share, 0.0);
    assert!(last.median_lag_s > 0.0);
}

/// The score names what it measured: with significance, coordination is a
/// part; office hours always are.
#[test]
fn scores_explain_their_parts() {
    let day = 86_400i64;
    let start = 1_709_510_400;
    let mut b = DatasetBuilder::default();
    let mut post = 0;
    for d in 0..10i64 {
        for m in 0..4i64 {
            post += 1;
            b.push_action(ActionInput {
                account: &format!("op{m}"),
                object: &format!("https://x.example/{d}"),
                layer: Layer::Url,
                content: &format!("p{post}"),
                time_us: (start + d * day + 36_000 + m) * 1_000_000,
                platform: "",
            });
        }
    }
    let ds = b.finish();
    let det = lockstep_detect::detect(&ds, &Default::default());
    let net = lockstep_graph::build(
        &ds,
        &det,
        &ThresholdConfig { quantile: None, min_weight: 2, clusters: Default::default() },
    );
    let f = lockstep_fingerprint::fingerprints(&ds, &net);
    let sig =
        lockstep_stats::significance(&ds, &det, 60_000_000, &lockstep_stats::Audience::of(&ds));
    let s = &lockstep_campaign::scores(&det, &net, &f, Some(&sig))[0];
    let names: Vec<&str> = s.parts.iter().map(|p| p.signal).collect();
    assert_eq!(names, ["coordination", "office hours"]);
    assert!(s.score > 5.0, "{}", s.score);
    let words = s.explain();
    assert!(words.starts_with("coordination "), "{words}");
    assert!(words.contains("co-acted on 10 objects"), "{words}");
    let without = &lockstep_campaign::scores(&det, &net, &f, None)[0];
    assert_eq!(without.parts.len(), 1);
    assert!(without.score < s.score);
}
