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
        // Each link appeared three hours before the four push it together:
        // outside its opening, so the meeting is evidence.
        for (who, at) in [("reader".to_string(), -10_800i64)]
            .into_iter()
            .chain((0..4i64).map(|m| (format!("op{m}"), m)))
        {
            post += 1;
            b.push_action(ActionInput {
                account: &who,
                object: &format!("https://x.example/{d}"),
                layer: Layer::Url,
                content: &format!("p{post}"),
                time_us: (start + d * day + 36_000 + at) * 1_000_000,
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
    let sig = lockstep_stats::significance(
        &ds,
        &det,
        &lockstep_detect::DetectConfig::default(),
        &lockstep_stats::Audience::of(&ds),
    );
    let s = &lockstep_campaign::scores(&det, &net, &f, Some(&sig))[0];
    let names: Vec<&str> = s.parts.iter().map(|p| p.signal.name()).collect();
    assert_eq!(names, ["coordination", "office hours"]);
    assert!(s.score > 5.0, "{}", s.score);
    let words = s.explain();
    assert!(words.starts_with("coordination "), "{words}");
    assert!(words.contains("co-acted 10 times"), "{words}");
    let without = &lockstep_campaign::scores(&det, &net, &f, None)[0];
    assert_eq!(without.parts.len(), 1);
    assert!(without.score < s.score);
}

/// How the four bots of [`mirror_world`] differ from independent feed
/// mirrors.
#[derive(Clone, Copy, PartialEq)]
enum Bots {
    /// Independent: own clients, names and creation dates.
    Independent,
    /// All post through one client that few others use.
    OneClient,
    /// One of them posts its own hashtags in a fifth of its posts.
    OwnPosts,
    /// One of them has no known client.
    Unmeasured,
}

/// Four bots post each of a feed's 20 daily articles within a minute of
/// one another, around the clock for ten days; 40 other accounts post one
/// link each.
fn mirror_world(bots: Bots) -> lockstep_model::Dataset {
    let (day, start) = (86_400i64, 1_709_510_400i64);
    let mut b = DatasetBuilder::default();
    let mut post = 0;
    let mut push = |b: &mut DatasetBuilder, acc: &str, obj: &str, layer: Layer, t: i64| {
        post += 1;
        b.push_action(ActionInput {
            account: acc,
            object: obj,
            layer,
            content: &format!("p{post}"),
            time_us: t * 1_000_000,
            platform: "",
        });
    };
    for d in 0..10i64 {
        for k in 0..20i64 {
            let published = start + d * day + k * 4_320 + 97 * d;
            for m in 0..4i64 {
                let url = format!("https://www.feed.example/{d}/{k}");
                push(
                    &mut b,
                    &format!("bot{m}"),
                    &url,
                    Layer::Url,
                    published + 11 * m + (k * m) % 7,
                );
            }
            if bots == Bots::OwnPosts && k % 4 == 0 {
                push(&mut b, "bot0", &format!("#own{d}{k}"), Layer::Hashtag, published + 1_000);
            }
        }
    }
    for i in 0..40i64 {
        let url = format!("https://other.example/{i}");
        push(&mut b, &format!("user{i}"), &url, Layer::Url, start + i * 20_011);
    }
    let mut ds = b.finish();
    let n = ds.accounts.len();
    let m = &mut ds.account_meta;
    m.ensure(n);
    let apps = ["Twitter for iPhone", "Twitter for Android", "Twitter Web App"];
    let names = ["dailynews", "headlines_now", "wire24", "the_morning_feed"];
    for a in 0..n {
        let name = ds.accounts.resolve(a as u32).to_string();
        let (handle, app, created) = match name.strip_prefix("bot") {
            Some(k) => {
                let k: usize = k.parse().unwrap();
                let app = match bots {
                    Bots::OneClient => "Ghost Poster",
                    Bots::Unmeasured if k == 3 => "",
                    _ => ["IFTTT", "dlvr.it", "Buffer", "Zapier"][k],
                };
                (names[k].to_string(), app, start - (400 + 300 * k as i64) * day)
            }
            None => {
                let i: i64 = name[4..].parse().unwrap();
                (format!("maria{i}"), apps[i as usize % 3], start - (30 + 97 * i) * day)
            }
        };
        m.handle[a] = Some(handle.into());
        m.client_app[a] = (!app.is_empty()).then(|| app.into());
        m.created_at_us[a] = Some(created * 1_000_000);
    }
    ds
}

/// The feed mirror of the bots' cluster, if it is set aside as one.
fn bots_mirror(ds: &lockstep_model::Dataset) -> Option<lockstep_campaign::FeedMirror> {
    let det = lockstep_detect::detect(ds, &Default::default());
    let net = lockstep_graph::build(
        ds,
        &det,
        &ThresholdConfig { quantile: None, min_weight: 2, clusters: Default::default() },
    );
    assert_eq!(net.clusters.len(), 1);
    assert_eq!(net.clusters[0].accounts.len(), 4);
    let f = lockstep_fingerprint::fingerprints(ds, &net);
    let sig = lockstep_stats::significance(
        ds,
        &det,
        &lockstep_detect::DetectConfig::default(),
        &lockstep_stats::Audience::of(ds),
    );
    let mut scores = lockstep_campaign::scores(&det, &net, &f, Some(&sig));
    lockstep_campaign::mark_feed_mirrors(ds, &det, &net, &f, &mut scores);
    let s = scores.pop().unwrap();
    assert_eq!(s.pattern(), if s.feed_mirror.is_some() { "feed-mirror" } else { "" });
    assert!(s.explain().starts_with("set aside as a feed mirror") == s.feed_mirror.is_some());
    s.feed_mirror
}

#[test]
fn independent_feed_mirrors_are_set_aside() {
    let m = bots_mirror(&mirror_world(Bots::Independent)).expect("set aside");
    assert_eq!(m.domain, "feed.example");
    assert_eq!((m.accounts, m.lowest_share), (4, 1.0));
    // Six account pairs on each of 200 articles, on the url layer.
    assert_eq!((m.co_actions, m.on_site), (1_200, 1_200));
    let (signal, strength) = m.strongest.unwrap();
    assert!(strength < 2.0, "{signal} {strength}");
    assert!(
        m.explain().contains("each of its 4 accounts links to feed.example"),
        "{}",
        m.explain()
    );
}

#[test]
fn farms_and_unmeasured_clusters_stay_campaigns() {
    // One rare client for all four: a factory fingerprint.
    assert_eq!(bots_mirror(&mirror_world(Bots::OneClient)), None);
    // Without every client known, absence of a fingerprint proves nothing.
    assert_eq!(bots_mirror(&mirror_world(Bots::Unmeasured)), None);
    // 50 of bot0's 250 posts are its own: 80% on the site.
    assert_eq!(bots_mirror(&mirror_world(Bots::OwnPosts)), None);
}
