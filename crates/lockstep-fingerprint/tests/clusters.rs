//! A farm made in one batch, with one handle template, working office hours
//! in UTC+3, among a background of accounts made over a year (and
//! referents that never act, which no baseline counts).

use lockstep_fingerprint::fingerprints;
use lockstep_graph::ThresholdConfig;
use lockstep_model::{AccountField, ActionInput, DatasetBuilder, Layer};

#[test]
fn a_batch_made_farm_stands_out() {
    let day = 86_400i64;
    let monday = 1_709_510_400; // 2024-03-04 00:00 UTC, a Monday
    let mut b = DatasetBuilder::default();
    let mut post = 0;
    let mut push = |b: &mut DatasetBuilder, acc: &str, object: &str, t: i64| {
        post += 1;
        b.push_action(ActionInput {
            account: acc,
            object,
            layer: Layer::Url,
            content: &format!("p{post}"),
            time_us: t * 1_000_000,
            platform: "",
        });
    };
    // The farm: 8 accounts, 10 links each on weekdays at 07:00 UTC (10:00 in UTC+3).
    for e in 0..10i64 {
        let t = monday + (e % 5) * day + (e / 5) * 7 * day + 7 * 3600;
        for m in 0..8 {
            push(&mut b, &format!("farm{m}"), &format!("https://x.example/{e}"), t + m);
        }
    }
    // The background: 92 accounts posting at all hours on their own links.
    for a in 0..92i64 {
        for k in 0..5i64 {
            push(
                &mut b,
                &format!("bg{a}"),
                &format!("https://own.example/{a}/{k}"),
                monday + a * 7919 + k * 40_000,
            );
        }
    }
    for m in 0..8i64 {
        let (row, meta) = b.account_meta("", &format!("farm{m}"));
        meta.set_text(row, AccountField::Handle, &format!("anna_{}", 10 + m));
        meta.created_at_us[row as usize] = Some((monday - 400 * day + m * 20_000) * 1_000_000);
        meta.set_text(row, AccountField::ClientApp, "FarmPoster 2.1");
        meta.followers[row as usize] = Some(m as u64);
        meta.following[row as usize] = Some(300);
        meta.default_image[row as usize] = Some(m < 6);
    }
    for a in 0..92i64 {
        let (row, meta) = b.account_meta("", &format!("bg{a}"));
        meta.set_text(row, AccountField::Handle, &format!("user{a}name"));
        meta.created_at_us[row as usize] = Some((monday - 700 * day + a * 4 * day) * 1_000_000);
        let app = ["Twitter for iPhone", "Twitter for Android", "Twitter Web App"][a as usize % 3];
        meta.set_text(row, AccountField::ClientApp, app);
        meta.followers[row as usize] = Some(100 + a as u64);
        meta.following[row as usize] = Some(50);
        meta.default_image[row as usize] = Some(a % 20 == 0);
    }
    // Referents the export describes (quoted authors, mentioned users) and
    // that never act: not part of any baseline.
    for r in 0..50i64 {
        let (row, meta) = b.account_meta("", &format!("referent{r}"));
        meta.set_text(row, AccountField::Handle, "anna_99");
        meta.set_text(row, AccountField::ClientApp, "FarmPoster 2.1");
        meta.created_at_us[row as usize] = Some((monday - 400 * day) * 1_000_000);
        meta.followers[row as usize] = Some(0);
        meta.following[row as usize] = Some(1_000);
        meta.default_image[row as usize] = Some(true);
    }
    let ds = b.finish();
    let det = lockstep_detect::detect(&ds, &Default::default());
    let net = lockstep_graph::build(
        &ds,
        &det,
        &ThresholdConfig { quantile: None, min_weight: 2, clusters: Default::default() },
    );
    assert_eq!(net.clusters.len(), 1);
    let f = &fingerprints(&ds, &net)[0];
    assert_eq!((f.accounts, f.with_creation, f.batch), (8, 8, 8));
    assert!(f.batch_expected < 2.0, "{}", f.batch_expected);
    assert!(f.batch_p < 1e-6, "{}", f.batch_p);
    assert_eq!(f.template.as_deref(), Some("a_99"));
    assert_eq!((f.template_share, f.with_handle), (1.0, 8));
    assert!((f.template_background - 0.08).abs() < 1e-12);
    assert_eq!(f.office_share, 1.0);
    // 07:00 UTC is 09:00-17:00 from UTC+2 to UTC+10.
    assert_eq!(f.office_utc_offsets, (2, 10));
    assert!(f.office_background < 0.7, "{}", f.office_background);
    assert_eq!(
        (f.client.as_deref(), f.client_share, f.with_client),
        (Some("FarmPoster 2.1"), 1.0, 8)
    );
    assert!((f.client_background - 0.08).abs() < 1e-12);
    // 6 of 8 keep the default picture; 11 of all 100 do.
    assert_eq!((f.with_image_flag, f.default_image), (8, 6));
    assert!((f.default_image_background - 0.11).abs() < 1e-12);
    let p = lockstep_fingerprint::binomial_tail(8, 0.11, 6);
    assert!((f.default_image_p - p).abs() < 1e-15 && p < 1e-4, "{p}");
    // The lowest tenth of 100 ratios ends at the tenth: the 8 farm accounts
    // and the two lowest background ones, 10%.
    assert_eq!((f.with_counts, f.thin_audience), (8, 8));
    assert!((f.thin_audience_background - 0.1).abs() < 1e-12);
    assert!((f.thin_audience_p - 0.1f64.powi(8)).abs() < 1e-15);
    assert_eq!(f.median_counts, Some((3, 300)));
    assert_eq!(f.median_counts_background, Some((141, 50)));
}

/// A pair's "batch" of one account is no signal: each account alone is
/// created within three days of itself.
#[test]
fn one_account_is_not_a_batch() {
    let mut b = DatasetBuilder::default();
    for (acc, t) in [("a", 0i64), ("b", 30), ("a", 1_000), ("b", 1_010)] {
        b.push_action(ActionInput {
            account: acc,
            object: &format!("o{}", t / 1_000),
            layer: Layer::Url,
            content: &format!("p{acc}{t}"),
            time_us: t * 1_000_000,
            platform: "",
        });
    }
    for (i, acc) in ["a", "b"].into_iter().enumerate() {
        let (row, meta) = b.account_meta("", acc);
        meta.created_at_us[row as usize] = Some(i as i64 * 900 * 86_400_000_000);
    }
    for k in 0..50i64 {
        let (row, meta) = b.account_meta("", &format!("other{k}"));
        meta.created_at_us[row as usize] = Some((k * 20 + 5) * 86_400_000_000);
    }
    let ds = b.finish();
    let det = lockstep_detect::detect(&ds, &Default::default());
    let net = lockstep_graph::build(
        &ds,
        &det,
        &ThresholdConfig { quantile: None, min_weight: 2, clusters: Default::default() },
    );
    let f = &fingerprints(&ds, &net)[0];
    assert_eq!((f.accounts, f.batch), (2, 1));
    assert_eq!(f.batch_p, 1.0);
}

/// Six accounts that retweet 20 posts within 2–7 s of their original, among
/// 60 accounts that retweet the same posts minutes to hours after them.
/// Half the originals' times are stated by the export, the other half are
/// in the input as the posts themselves (the author's own actions).
#[test]
fn fast_reposts_stand_out() {
    let mut b = DatasetBuilder::default();
    let mut post = 0;
    let mut push = |b: &mut DatasetBuilder, acc: &str, object: &str, layer: Layer, t: i64| {
        post += 1;
        b.push_action(ActionInput {
            account: acc,
            object,
            layer,
            content: &format!("p{post}"),
            time_us: t * 1_000_000,
            platform: "",
        })
    };
    for k in 0..20i64 {
        let born = 1_000_000 + k * 86_400;
        let original = format!("orig{k}");
        let stated = k % 2 == 0;
        if !stated {
            // The original itself, posted by its author, is in the input:
            // its content id is the reposts' object.
            b.push_action(ActionInput {
                account: "author",
                object: &format!("#tag{k}"),
                layer: Layer::Hashtag,
                content: &original,
                time_us: born * 1_000_000,
                platform: "",
            });
        }
        for m in 0..6i64 {
            let row = push(&mut b, &format!("bot{m}"), &original, Layer::Repost, born + 2 + m);
            if stated {
                b.set_original_time(row, born * 1_000_000);
            }
        }
        for a in 0..60i64 {
            if (a + k) % 3 == 0 {
                let t = born + 120 + (a * 397 + k * 131) % 20_000;
                push(&mut b, &format!("fan{a}"), &original, Layer::Repost, t);
            }
        }
    }
    let ds = b.finish();
    let per_account = lockstep_fingerprint::fast_reposts(&ds);
    let bot = (0..ds.accounts.len()).find(|&a| ds.account_name(a as u32) == "bot5").unwrap();
    assert_eq!(per_account[bot], (20, 20), "every repost timed, each within 10 s");
    let fans: (u64, u64) = (0..ds.accounts.len())
        .filter(|&a| ds.account_name(a as u32).starts_with("fan"))
        .fold((0, 0), |(n, k), a| (n + per_account[a].0, k + per_account[a].1));
    assert_eq!(fans, (400, 0));
    let det = lockstep_detect::detect(&ds, &Default::default());
    let net = lockstep_graph::build(
        &ds,
        &det,
        &ThresholdConfig { quantile: None, min_weight: 2, clusters: Default::default() },
    );
    let fp = fingerprints(&ds, &net);
    let bots = fp.iter().find(|f| f.accounts == 6).expect("the six in one cluster");
    assert_eq!((bots.timed_reposts, bots.fast_reposts), (120, 120));
    assert!((bots.fast_reposts_background - 120.0 / 520.0).abs() < 1e-12);
    assert!(bots.fast_reposts_p < 1e-60, "{}", bots.fast_reposts_p);
}
