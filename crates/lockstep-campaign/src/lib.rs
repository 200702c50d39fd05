//! The campaign view of a cluster: what it pushed each day (its talking
//! points: the daily orders), and who leads and who follows.
//!
//! - **Talking points**: for each cluster and UTC day, the objects that the
//!   most of its accounts acted on that day (at least two accounts), with
//!   how many and which share of the cluster.
//! - **Score**: the evidence that a cluster is a campaign, fused by
//!   Fisher's method from the p-values of its signals (coordination beyond
//!   chance, creation batch, handle template, client app, default picture,
//!   thin audience, office hours, fast reposts), as
//!   `-log10` of the combined p-value, with each signal's part in words and
//!   numbers. Fisher's method assumes the signals independent: a reader
//!   should weigh the parts, not only the sum.
//! - **Leaders and followers**: for each account in a cluster, over its
//!   coordinated pairs with accounts of the same cluster, the median of its
//!   time minus its partner's (negative: it tends to act first) and the
//!   share of pairs in which it acted first. Seeders lead; amplifiers
//!   follow.
//! - **Feed mirrors** ([`mirror`]): clusters whose accounts each re-post one
//!   site with no factory fingerprint are set aside, with the reason.
#![warn(missing_docs)]

pub mod mirror;
pub mod vocabulary;
pub use mirror::{mark_feed_mirrors, FeedMirror};
pub use vocabulary::{layer_tag, Phase, Tag, Technique, WORTH_A_LOOK};

use lockstep_detect::Detection;
use lockstep_graph::Network;
use lockstep_model::{Dataset, Layer, LayerSet};
use std::collections::{BTreeMap, HashMap};

/// The share of a cluster's active minutes in office hours above which
/// office hours are a signal at all.
pub const OFFICE_MAJORITY: f64 = 0.5;

const DAY_US: i64 = 86_400_000_000;

/// One object a cluster pushed on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct TalkingPoint {
    /// Cluster id.
    pub cluster: u32,
    /// Days since 1970-01-01 (UTC).
    pub day: i64,
    /// The object.
    pub object: u32,
    /// Accounts of the cluster that acted on it that day.
    pub accounts: usize,
    /// Their share of the cluster.
    pub share: f64,
    /// For a text (or near-duplicate text) object, the first post of the
    /// cluster that day whose words the ingest kept
    /// ([`Dataset::post_text`]): the talking point as written, not in its
    /// normalised form.
    pub written: Option<u32>,
}

/// An account's place in its cluster's timing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Role {
    /// Coordinated pairs with accounts of its own cluster.
    pub pairs: u64,
    /// Median of (its time - the partner's time), seconds.
    pub median_lag_s: f64,
    /// Share of those pairs in which it acted first (ties count half).
    pub led_share: f64,
}

/// The top `per_day` objects of each cluster on each day, by accounts
/// (ties by object id), in (cluster, day, rank) order.
pub fn talking_points(ds: &Dataset, net: &Network, per_day: usize) -> Vec<TalkingPoint> {
    let t = &ds.actions;
    let cluster_of = net.cluster_ids(ds.accounts.len());
    // (cluster, day, object) -> distinct accounts.
    let mut seen: Vec<(u32, i64, u32, u32)> = (0..t.len())
        .filter(|&r| cluster_of[t.account[r] as usize] > 0)
        .map(|r| {
            let c = cluster_of[t.account[r] as usize];
            (c, t.time_us[r].div_euclid(DAY_US), t.object[r], t.account[r])
        })
        .collect();
    seen.sort_unstable();
    seen.dedup();
    let mut counts: BTreeMap<(u32, i64), Vec<(usize, u32)>> = BTreeMap::new();
    let mut k = 0;
    while k < seen.len() {
        let (c, d, o, _) = seen[k];
        let mut n = 0;
        while k < seen.len() && (seen[k].0, seen[k].1, seen[k].2) == (c, d, o) {
            n += 1;
            k += 1;
        }
        if n >= 2 {
            counts.entry((c, d)).or_default().push((n, o));
        }
    }
    let size: BTreeMap<u32, usize> =
        net.clusters.iter().map(|c| (c.id, c.accounts.len())).collect();
    let mut out = Vec::new();
    for ((cluster, day), mut objects) in counts {
        objects.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
        for (accounts, object) in objects.into_iter().take(per_day) {
            let share = accounts as f64 / size[&cluster] as f64;
            out.push(TalkingPoint { cluster, day, object, accounts, share, written: None });
        }
    }
    // The first post as written (input order) of each text talking point.
    let texts = |o: u32| matches!(ds.object_layer(o), Layer::Text | Layer::NearText);
    let mut wanted: HashMap<(u32, i64, u32), usize> = out
        .iter()
        .enumerate()
        .filter(|(_, p)| texts(p.object))
        .map(|(i, p)| ((p.cluster, p.day, p.object), i))
        .collect();
    for r in 0..t.len() {
        if wanted.is_empty() {
            break;
        }
        let c = cluster_of[t.account[r] as usize];
        if c == 0 || !texts(t.object[r]) || ds.post_text(t.content[r]).is_none() {
            continue;
        }
        if let Some(i) = wanted.remove(&(c, t.time_us[r].div_euclid(DAY_US), t.object[r])) {
            out[i].written = Some(t.content[r]);
        }
    }
    out
}

/// Each clustered account's role, by account id (`None` outside clusters
/// or without a pair inside its cluster).
pub fn roles(ds: &Dataset, det: &Detection, net: &Network) -> Vec<Option<Role>> {
    let t = &ds.actions;
    let cluster_of = net.cluster_ids(ds.accounts.len());
    let mut lags: Vec<Vec<i64>> = vec![Vec::new(); ds.accounts.len()];
    let p = &det.pairs;
    for k in 0..p.len() {
        let (x, y) = (p.older[k] as usize, p.newer[k] as usize);
        let (ax, ay) = (t.account[x] as usize, t.account[y] as usize);
        if ax == ay || cluster_of[ax] == 0 || cluster_of[ax] != cluster_of[ay] {
            continue;
        }
        let d = t.time_us[x] - t.time_us[y];
        lags[ax].push(d);
        lags[ay].push(-d);
    }
    lags.into_iter()
        .map(|mut l| {
            if l.is_empty() {
                return None;
            }
            l.sort_unstable();
            let n = l.len();
            let median =
                if n % 2 == 1 { l[n / 2] as f64 } else { (l[n / 2 - 1] + l[n / 2]) as f64 / 2.0 };
            let led = l
                .iter()
                .map(|&d| {
                    if d < 0 {
                        1.0
                    } else if d == 0 {
                        0.5
                    } else {
                        0.0
                    }
                })
                .sum::<f64>();
            Some(Role { pairs: n as u64, median_lag_s: median / 1e6, led_share: led / n as f64 })
        })
        .collect()
}

/// A sign that a cluster is one operation, measured against the rest of
/// the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Signal {
    /// Its edges' co-actions beyond chance (significance stage).
    Coordination,
    /// Accounts created within days of each other.
    CreationBatch,
    /// Handles of one shape.
    HandleTemplate,
    /// One client app.
    ClientApp,
    /// Default profile pictures.
    DefaultPicture,
    /// Reposts within seconds of their original.
    FastReposts,
    /// Few followers per following.
    ThinAudience,
    /// Work in office hours.
    OfficeHours,
}

impl Signal {
    /// Every signal, in the order of [`Signal::name`]'s columns.
    pub const ALL: [Signal; 8] = [
        Signal::Coordination,
        Signal::CreationBatch,
        Signal::HandleTemplate,
        Signal::ClientApp,
        Signal::DefaultPicture,
        Signal::FastReposts,
        Signal::ThinAudience,
        Signal::OfficeHours,
    ];

    /// Its name, as explanations and campaign_signals.csv give it.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Coordination => "coordination",
            Signal::CreationBatch => "creation batch",
            Signal::HandleTemplate => "handle template",
            Signal::ClientApp => "client app",
            Signal::DefaultPicture => "default picture",
            Signal::FastReposts => "fast reposts",
            Signal::ThinAudience => "thin audience",
            Signal::OfficeHours => "office hours",
        }
    }

    /// The signal of a name [`Signal::name`] gives.
    pub fn from_name(name: &str) -> Option<Signal> {
        Signal::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// One signal's part in a cluster's score.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The signal.
    pub signal: Signal,
    /// `log10` of its p-value (kept as a logarithm: a strong signal's
    /// p-value is below the smallest `f64`).
    pub log10_p: f64,
    /// What it saw, in words.
    pub words: String,
}

impl Part {
    /// `-log10` of its p-value: the signal's own score.
    pub fn score(&self) -> f64 {
        neg_log10(self.log10_p)
    }
}

/// A cluster's campaign score.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// Cluster id.
    pub cluster: u32,
    /// `-log10` of the combined p-value (0 without any signal).
    pub score: f64,
    /// Fisher's combined p-value.
    pub p: f64,
    /// The signals that could be measured, strongest first.
    pub parts: Vec<Part>,
    /// Set when the cluster is a feed mirror rather than a campaign
    /// ([`mark_feed_mirrors`]).
    pub feed_mirror: Option<FeedMirror>,
    /// Accounts of the component the cluster was cut from by Leiden, when
    /// it was ([`lockstep_graph::Cluster::cut_from`]).
    pub cut_from: Option<usize>,
    /// The layers its edges' co-actions are on.
    pub layers: LayerSet,
}

impl Score {
    /// The explanation: why it is set aside, if it is a feed mirror, then
    /// each part's `-log10 p` and what it saw.
    pub fn explain(&self) -> String {
        let parts = if self.parts.is_empty() {
            "no signal could be measured".into()
        } else {
            self.parts
                .iter()
                .map(|p| format!("{} {:.1} ({})", p.signal.name(), p.score(), p.words))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let parts = match self.cut_from {
            Some(n) => format!("cut by Leiden from a component of {n} accounts; {parts}"),
            None => parts,
        };
        match &self.feed_mirror {
            Some(m) => format!("{}. Signals: {parts}", m.explain()),
            None => parts,
        }
    }

    /// Whether the cluster is a finding to raise: it scores
    /// [`WORTH_A_LOOK`] and is not set aside as a feed mirror.
    pub fn worth_a_look(&self) -> bool {
        self.score >= WORTH_A_LOOK && self.feed_mirror.is_none()
    }

    /// What the cluster evidences in the shared vocabularies, each tag
    /// once, in order of phase, then technique: when it scores
    /// [`WORTH_A_LOOK`], its co-actions' tags, and the tag of each signal
    /// that alone scores that much. None for a feed mirror: it is set
    /// aside as no finding.
    pub fn tags(&self) -> Vec<Tag> {
        if !self.worth_a_look() {
            return Vec::new();
        }
        let mut tags: Vec<Tag> = self.layers.iter().filter_map(layer_tag).collect();
        tags.extend(
            self.parts.iter().filter(|p| p.score() >= WORTH_A_LOOK).map(|p| p.signal.tag()),
        );
        tags.sort_by(|a, b| {
            (a.phase, a.technique.id, a.behaviour).cmp(&(b.phase, b.technique.id, b.behaviour))
        });
        tags.dedup();
        tags
    }

    /// `feed-mirror` for a cluster set aside as one, else empty: the
    /// `pattern` column of campaigns.csv.
    pub fn pattern(&self) -> &'static str {
        if self.feed_mirror.is_some() {
            "feed-mirror"
        } else {
            ""
        }
    }
}

/// `-log10 p` from `log10 p`, and `0` rather than `-0` for p = 1.
fn neg_log10(log10_p: f64) -> f64 {
    (-log10_p).max(0.0) + 0.0
}

/// `log10` of a p-value given as a number, which may have underflowed to
/// 0: floored at 10^-300.
fn log10_of(p: f64) -> f64 {
    p.max(1e-300).log10().min(0.0)
}

/// `P(chi-square with 2k degrees of freedom > x)`, exactly.
pub fn chi2_even_sf(x: f64, k: usize) -> f64 {
    let h = x / 2.0;
    let mut term = 1.0f64;
    let mut sum = 1.0f64;
    for j in 1..k {
        term *= h / j as f64;
        sum += term;
    }
    ((-h).exp() * sum).min(1.0)
}

/// Fisher's combination of independent p-values.
pub fn fisher(p: &[f64]) -> f64 {
    if p.is_empty() {
        return 1.0;
    }
    let x: f64 = p.iter().map(|&q| -2.0 * q.max(1e-300).ln()).sum();
    chi2_even_sf(x, p.len())
}

/// Fisher's combination from `log10` p-values, as a `log10` p-value:
/// the chi-square tail in log space (log-sum-exp of its series), so that
/// signals past the smallest `f64` still add up and rank.
pub fn fisher_log10(log10_p: &[f64]) -> f64 {
    if log10_p.is_empty() {
        return 0.0;
    }
    // A NaN part measured nothing: it counts as p = 1, explicitly, since
    // NaN would otherwise run through the sum and be dropped by `min` at the
    // end, turning the strongest cluster into a score of 0.
    let h: f64 = log10_p
        .iter()
        .filter(|l| !l.is_nan())
        .map(|&l| -l.min(0.0) * std::f64::consts::LN_10)
        .sum();
    if h == 0.0 {
        return 0.0;
    }
    if h == f64::INFINITY {
        // A part of p = 0: the combination is 0 too.
        return f64::NEG_INFINITY;
    }
    // ln of the terms h^j / j!, j < k.
    let mut terms = Vec::with_capacity(log10_p.len());
    let mut ln_fact = 0.0f64;
    for j in 0..log10_p.len() {
        if j > 0 {
            ln_fact += (j as f64).ln();
        }
        terms.push(j as f64 * h.ln() - ln_fact);
    }
    let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let ln_sum = top + terms.iter().map(|t| (t - top).exp()).sum::<f64>().ln();
    ((-h + ln_sum) / std::f64::consts::LN_10).min(0.0)
}

/// The count and p-value of a cluster's commonest value (a handle template,
/// a client app) held by `share` of its `n` accounts against its
/// `background` share of all: the binomial tail, times `n` because the
/// commonest of up to `n` values was chosen. A value held by one account
/// is shared by none: p = 1, however rare it is.
fn commonest(n: usize, share: f64, background: f64) -> (usize, f64) {
    let k = (share * n as f64).round() as usize;
    if k < 2 {
        return (k, 0.0);
    }
    let log = lockstep_fingerprint::binomial_log10_tail(n, background, k) + (n as f64).log10();
    (k, log.min(0.0))
}

/// Each cluster's score from its fingerprints and, when computed, the
/// significance of its edges.
pub fn scores(
    det: &Detection,
    net: &Network,
    fingerprints: &[lockstep_fingerprint::ClusterFingerprint],
    significance: Option<&lockstep_stats::Significance>,
) -> Vec<Score> {
    use lockstep_fingerprint::binomial_log10_tail;
    net.clusters
        .iter()
        .zip(fingerprints)
        .map(|(c, f)| {
            let mut parts = Vec::new();
            if let Some(s) = significance {
                let best = c.edges.iter().map(|&i| s.p_value[i]).fold(1.0f64, f64::min);
                if !c.edges.is_empty() {
                    // The cluster's best edge, corrected for its edges.
                    // Its p-value comes as a number (floored at 10^-300).
                    let log10_p = (log10_of(best) + (c.edges.len() as f64).log10()).min(0.0);
                    let acts =
                        c.edges.iter().map(|&i| det.edges.tested_weight(i)).max().unwrap_or(0);
                    parts.push(Part {
                        signal: Signal::Coordination,
                        log10_p,
                        words: format!(
                            "its strongest pair co-acted {acts} times; best p {best:.1e} over {} edges",
                            c.edges.len()
                        ),
                    });
                }
            }
            if f.with_creation >= 2 {
                // As in the fingerprint, in log space: the tail at the
                // window's share, times the windows tried.
                let share = if f.with_creation == 0 { 0.0 } else { f.batch_expected / f.with_creation as f64 };
                let log10_p = if f.batch_p >= 1.0 {
                    0.0
                } else {
                    (binomial_log10_tail(f.with_creation, share, f.batch) + (f.with_creation as f64).log10()).min(0.0)
                };
                parts.push(Part {
                    signal: Signal::CreationBatch,
                    log10_p,
                    words: format!(
                        "{} of {} accounts created within 3 days, {:.1} expected",
                        f.batch, f.with_creation, f.batch_expected
                    ),
                });
            }
            if let (Some(t), true) = (&f.template, f.with_handle >= 2) {
                let (k, log10_p) = commonest(f.with_handle, f.template_share, f.template_background);
                parts.push(Part {
                    signal: Signal::HandleTemplate,
                    log10_p,
                    words: format!(
                        "{k} of {} handles shaped {t:?}, {:.0}% of all handles",
                        f.with_handle,
                        100.0 * f.template_background
                    ),
                });
            }
            if let (Some(app), true) = (&f.client, f.with_client >= 2) {
                let (k, log10_p) = commonest(f.with_client, f.client_share, f.client_background);
                parts.push(Part {
                    signal: Signal::ClientApp,
                    log10_p,
                    words: format!(
                        "{k} of {} accounts post with {app:?}, {:.0}% of all accounts",
                        f.with_client,
                        100.0 * f.client_background
                    ),
                });
            }
            if f.with_image_flag >= 2 {
                parts.push(Part {
                    signal: Signal::DefaultPicture,
                    log10_p: binomial_log10_tail(f.with_image_flag, f.default_image_background, f.default_image),
                    words: format!(
                        "{} of {} accounts keep the default profile picture, {:.0}% of all accounts",
                        f.default_image,
                        f.with_image_flag,
                        100.0 * f.default_image_background
                    ),
                });
            }
            if f.timed_reposts >= 2 && f.fast_reposts_background > 0.0 {
                parts.push(Part {
                    signal: Signal::FastReposts,
                    log10_p: binomial_log10_tail(
                        f.timed_reposts as usize,
                        f.fast_reposts_background,
                        f.fast_reposts as usize,
                    ),
                    words: format!(
                        "{} of {} reposts within 10 s of their original, {:.0}% of all reposts",
                        f.fast_reposts,
                        f.timed_reposts,
                        100.0 * f.fast_reposts_background
                    ),
                });
            }
            if let (Some((fol, fing)), Some((bf, bg)), true) =
                // No background cut (under ten accounts with counts): no signal.
                (f.median_counts, f.median_counts_background, f.with_counts >= 2 && f.thin_audience_background > 0.0)
            {
                parts.push(Part {
                    signal: Signal::ThinAudience,
                    log10_p: binomial_log10_tail(f.with_counts, f.thin_audience_background, f.thin_audience),
                    words: format!(
                        "{} of {} accounts in the dataset's lowest tenth by followers per following ({:.0}% of all); median {fol} followers, {fing} following (all: {bf}, {bg})",
                        f.thin_audience,
                        f.with_counts,
                        100.0 * f.thin_audience_background
                    ),
                });
            }
            if f.active_minutes >= 2 {
                let n = f.active_minutes as usize;
                let k = (f.office_share * n as f64).round() as usize;
                // 27 offsets were tried. Keeping office hours is doing most
                // of one's work in them: around-the-clock accounts beat the
                // background by a few points at the best offset (cron bots:
                // 28% against 25% over 2,991 minutes, p 10^-2.9), which says
                // nothing about a shift.
                let log10_p = if f.office_share > OFFICE_MAJORITY {
                    (binomial_log10_tail(n, f.office_background, k) + 27f64.log10()).min(0.0)
                } else {
                    0.0
                };
                let (lo, hi) = f.office_utc_offsets;
                parts.push(Part {
                    signal: Signal::OfficeHours,
                    log10_p,
                    words: format!(
                        "{:.0}% of {} active minutes on weekdays 09-18 at UTC{lo:+}..{hi:+}, {:.0}% of all actions",
                        100.0 * f.office_share,
                        f.active_minutes,
                        100.0 * f.office_background
                    ),
                });
            }
            parts.sort_by(|a, b| {
                a.log10_p.total_cmp(&b.log10_p).then(a.signal.name().cmp(b.signal.name()))
            });
            let log10_p = fisher_log10(&parts.iter().map(|x| x.log10_p).collect::<Vec<_>>());
            Score {
                cluster: c.id,
                score: neg_log10(log10_p),
                p: 10f64.powf(log10_p),
                parts,
                feed_mirror: None,
                cut_from: c.cut_from,
                layers: c.edges.iter().map(|&i| det.edges.layers[i]).fold(LayerSet::default(), |a, b| LayerSet(a.0 | b.0)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fisher_matches_known_values() {
        // One p-value combines to itself.
        assert!((fisher(&[0.03]) - 0.03).abs() < 1e-12);
        // Two p-values of 0.05: X = -2 ln(0.0025), and the chi-square(4)
        // tail is 0.0025 (1 - 2 ln 0.05) = 0.0174787.
        let expected = 0.0025 * (1.0 - 2.0 * 0.05f64.ln());
        assert!((fisher(&[0.05, 0.05]) - expected).abs() < 1e-12);
        assert!((expected - 0.017_478_7).abs() < 1e-7);
        assert_eq!(fisher(&[1.0, 1.0, 1.0]), 1.0);
        assert_eq!(fisher(&[]), 1.0);
    }

    #[test]
    fn fisher_in_log_space_matches_and_goes_past_underflow() {
        let cases: [&[f64]; 5] =
            [&[0.03], &[0.05, 0.05], &[1e-40, 0.2, 0.7], &[1e-200, 1e-90], &[1.0, 1.0]];
        for ps in cases {
            let logs: Vec<f64> = ps.iter().map(|p| p.log10()).collect();
            let direct = fisher(ps).log10();
            assert!((fisher_log10(&logs) - direct).abs() < 1e-9, "{ps:?}");
        }
        // Two signals of 10^-1000: X = 4000 ln 10, and the chi-square(4)
        // tail is e^(-X/2) (1 + X/2), about 10^-996.4.
        let h = 2000.0 * std::f64::consts::LN_10;
        let expected = (-h + (1.0 + h).ln()) / std::f64::consts::LN_10;
        assert!((fisher_log10(&[-1000.0, -1000.0]) - expected).abs() < 1e-9);
        assert!(fisher_log10(&[-1000.0, -1000.0]) < fisher_log10(&[-1000.0, -900.0]));
        assert_eq!(fisher_log10(&[]), 0.0);
    }

    #[test]
    fn tags_name_what_a_cluster_worth_a_look_evidences() {
        let part = |signal, log10_p| Part { signal, log10_p, words: String::new() };
        let mut s = Score {
            cluster: 1,
            score: 5.0,
            p: 1e-5,
            parts: vec![
                part(Signal::OfficeHours, -4.0),
                part(Signal::CreationBatch, -2.5),
                part(Signal::DefaultPicture, -2.0),
                part(Signal::FastReposts, -1.9),
            ],
            feed_mirror: None,
            cut_from: None,
            layers: [Layer::Repost, Layer::NearText, Layer::Custom].into_iter().collect(),
        };
        let ids = |s: &Score| {
            s.tags().iter().map(|t| (t.phase.number(), t.technique.id)).collect::<Vec<_>>()
        };
        // Creation batch and default picture both evidence T0146 in the
        // same phase, with other words: both kept. Fast reposts, under 2
        // alone, evidence nothing; the custom layer has no tag.
        assert_eq!(
            ids(&s),
            [(1, "T0146"), (1, "T0146"), (4, "T0049.001"), (7, "T0049"), (7, "T0084.001")]
        );
        s.score = 1.9;
        assert!(s.tags().is_empty(), "a cluster under the bar is tagged with nothing");
        s.score = 5.0;
        s.feed_mirror = Some(FeedMirror {
            domain: "site.example".into(),
            accounts: 4,
            lowest_share: 1.0,
            co_actions: 10,
            on_site: 10,
            strongest: None,
        });
        assert!(s.tags().is_empty(), "a feed mirror is set aside, not tagged");
    }

    #[test]
    fn a_cut_cluster_says_so_first() {
        let part = Part { signal: Signal::OfficeHours, log10_p: -3.0, words: "w".into() };
        let s = Score {
            cluster: 1,
            score: 3.0,
            p: 1e-3,
            parts: vec![part],
            feed_mirror: None,
            cut_from: Some(940),
            layers: LayerSet::default(),
        };
        assert_eq!(
            s.explain(),
            "cut by Leiden from a component of 940 accounts; office hours 3.0 (w)"
        );
    }

    #[test]
    fn fisher_in_log_space_never_reads_broken_parts_as_no_signal() {
        // Before: an infinite part gave NaN, which `min(0.0)` turned into
        // p = 1 (a score of 0.00 beside "office hours inf").
        assert_eq!(fisher_log10(&[f64::NEG_INFINITY, -3.0]), f64::NEG_INFINITY);
        assert_eq!(fisher_log10(&[f64::NAN, -3.0]), fisher_log10(&[-3.0, 0.0]));
        assert_eq!(fisher_log10(&[f64::NAN]), 0.0);
    }

    proptest::proptest! {
        #[test]
        fn fisher_in_log_space_is_a_p_value_and_monotone(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    -1e7f64..=0.0,
                    proptest::strategy::Just(f64::NEG_INFINITY),
                    proptest::strategy::Just(f64::NAN),
                    proptest::strategy::Just(0.0),
                ],
                0..8,
            ),
            which in 0usize..8,
            lower in 0.0f64..1e4,
        ) {
            let f = fisher_log10(&parts);
            proptest::prop_assert!(!f.is_nan() && f <= 0.0, "{:?} -> {}", parts, f);
            if let Some(&l) = parts.get(which).filter(|l| !l.is_nan()) {
                // A stronger part never weakens the combination.
                let mut stronger = parts.clone();
                stronger[which] = l - lower;
                proptest::prop_assert!(fisher_log10(&stronger) <= f + 1e-9);
            }
        }
    }
}
