//! The slow window under the tests: a camouflaged group that pastes each
//! order's link over about twenty minutes meets within a minute too rarely
//! to be told from chance, and is found when links pair at half an hour;
//! a circle of friends who reshare each other's posts over minutes is not
//! (reshares pair at the window alone), and neither is anyone in an
//! organic world of link sharing, whose p-values stay calibrated.

mod common;

use common::{config, push_on as push, Rng};
use lockstep_detect::{detect, DetectConfig, SlowWindow};
use lockstep_model::{Dataset, DatasetBuilder, Layer};
use lockstep_stats::{significance, Audience, Significance};

const DAY: u64 = 86_400;

fn exp(rng: &mut Rng, mean: f64) -> u64 {
    (-(1.0 - rng.unit()).ln() * mean) as u64
}

/// 400 accounts of heavy-tailed activity share links to 600 articles of
/// heavy-tailed popularity, each article published at a random time over
/// 30 days and shared at exponential delays (mean two hours) after it.
fn organic_links(b: &mut DatasetBuilder, post: &mut u64, rng: &mut Rng) {
    let born: Vec<u64> = (0..600).map(|_| rng.below(30 * DAY)).collect();
    for a in 0..400 {
        let actions = (10.0 / (1.0 - rng.unit()).sqrt()).min(200.0) as u64;
        for _ in 0..actions {
            let u = rng.unit();
            let article = (u * u * 600.0) as usize;
            let t = born[article] + exp(rng, 7_200.0);
            push(b, post, &format!("a{a}"), &format!("article{article}"), Layer::Url, t);
        }
    }
}

/// [`organic_links`], a circle of eight friends who each post twice a
/// day and reshare each other's posts within minutes (each friend one
/// time in three, mean delay five minutes), and, with `camouflage`, ten
/// members who carry out two orders a day, each by half of them at
/// exponential delays of mean eight minutes, pasting the order's link.
fn world(seed: u64, camouflage: bool) -> Dataset {
    let mut rng = Rng(seed);
    let mut b = DatasetBuilder::default();
    let mut post = 0;
    organic_links(&mut b, &mut post, &mut rng);
    for day in 0..30 {
        for author in 0..8 {
            for k in 0..2 {
                let t0 = day * DAY + 8 * 3_600 + rng.below(14 * 3_600);
                let item = format!("friend{author}-{day}-{k}");
                for friend in (0..8).filter(|&f| f != author) {
                    if rng.below(3) == 0 {
                        let t = t0 + 5 + exp(&mut rng, 300.0);
                        push(
                            &mut b,
                            &mut post,
                            &format!("friend{friend}"),
                            &item,
                            Layer::Repost,
                            t,
                        );
                    }
                }
            }
        }
        if camouflage {
            for k in 0..2 {
                let t0 = day * DAY + rng.below(DAY);
                for m in 0..10 {
                    if rng.below(2) == 0 {
                        let t = t0 + exp(&mut rng, 480.0);
                        let link = format!("order{day}-{k}");
                        push(&mut b, &mut post, &format!("camo{m}"), &link, Layer::Url, t);
                    }
                }
            }
        }
    }
    b.finish()
}

fn slow() -> DetectConfig {
    DetectConfig { slow: Some(SlowWindow::DEFAULT), ..config() }
}

fn tested(ds: &Dataset, cfg: &DetectConfig) -> (lockstep_detect::Detection, Significance) {
    let det = detect(ds, cfg);
    let s = significance(ds, &det, cfg, &Audience::of(ds));
    (det, s)
}

/// The accounts with an edge that passes both tests at `q`, by prefix.
fn found(ds: &Dataset, det: &lockstep_detect::Detection, s: &Significance, q: f64) -> [usize; 3] {
    let e = &det.edges;
    let mut accounts = std::collections::BTreeSet::new();
    for i in (0..e.len()).filter(|&i| s.q_both(i) <= q) {
        accounts.extend([e.a[i], e.b[i]]);
    }
    let kind =
        |prefix: &str| accounts.iter().filter(|&&a| ds.account_name(a).starts_with(prefix)).count();
    [kind("camo"), kind("friend"), kind("a")]
}

#[test]
fn the_slow_window_finds_a_group_spread_over_minutes_and_not_friends() {
    let ds = world(11, true);
    let (det, s) = tested(&ds, &config());
    assert_eq!(found(&ds, &det, &s, 0.01), [0, 0, 0], "at the window alone");
    let (det, s) = tested(&ds, &slow());
    assert_eq!(found(&ds, &det, &s, 0.01), [10, 0, 0], "with the slow window");
}

/// With no operation, the slow window's p-values below alpha are at most
/// alpha times the hypotheses (within three standard deviations) under
/// both nulls, and no edge passes both.
#[test]
fn the_slow_window_is_calibrated_on_organic_links() {
    for seed in [1, 2, 3] {
        let ds = world(seed, false);
        let (det, s) = tested(&ds, &slow());
        common::assert_calibrated(&det, &s, seed);
    }
}
