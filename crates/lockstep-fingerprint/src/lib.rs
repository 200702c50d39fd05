//! Factory fingerprints of clusters: signs that accounts were made and run
//! together, each reported with its strength and the same measure over
//! the whole dataset, so that a reader can judge it.
//!
//! - **Creation batch**: the most accounts of the cluster created within
//!   [`BATCH_DAYS`] days, against how many the dataset's own creation dates
//!   put in that window (a binomial upper tail, multiplied by the number of
//!   windows tried).
//! - **Handle template**: the commonest shape of the cluster's handles
//!   (letter runs as `a`, each digit as `9`, other characters kept:
//!   `maria_patriot83` is `a_a99`), its share in the cluster and among all
//!   handles.
//! - **Office hours**: the share of the cluster's active minutes (minutes
//!   with an action: co-actions come in bursts, and a burst is one
//!   observation) on weekdays 09:00–18:00 in the UTC offsets where that
//!   share is highest (the lowest of them is used for the comparison),
//!   against the share of all actions at that offset.
//! - **Shared client app**: the commonest client app among the cluster's
//!   accounts (`source` on X, `application` on Mastodon, IO archives'
//!   `tweet_client_name`), its share in the cluster and among all accounts
//!   with a known client. A farm run from one tool posts through one client
//!   while real users spread over phones and the web.
//! - **Default picture**: the cluster's accounts that keep the platform's
//!   default profile picture, against the share among all accounts whose
//!   export says (a binomial upper tail).
//! - **Thin audience**: the cluster's accounts in the dataset's lowest tenth
//!   by followers per followed account (`(followers + 1) / (following +
//!   1)`), against the exact share of all accounts with both counts at or
//!   under that cut (a binomial upper tail); with the medians of both
//!   counts, cluster and dataset. Made accounts follow many and are
//!   followed by few.
//! - **Fast reposts**: the cluster's reposts made within [`FAST_REPOST_US`]
//!   (10 s) of their original, among those whose original's time is known
//!   (the export states it, or the original is in the input), against the
//!   same share over every account's (a binomial upper tail). Luceri et
//!   al. (2024) found reposting within seconds of the original, again and
//!   again, a trace of automation: a person sees a post, a script is told.
#![warn(missing_docs)]

use lockstep_graph::Network;
use lockstep_model::{Dataset, Layer};
use std::collections::HashMap;

/// A repost this soon after its original (or sooner) is fast.
pub const FAST_REPOST_US: i64 = 10_000_000;

/// Days within which accounts count as one creation batch.
pub const BATCH_DAYS: i64 = 3;
const DAY_US: i64 = 86_400_000_000;

/// One cluster's fingerprints.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterFingerprint {
    /// The cluster id (as in clusters.csv).
    pub cluster: u32,
    /// Accounts in the cluster.
    pub accounts: usize,
    /// Accounts with a creation date.
    pub with_creation: usize,
    /// The most of them created within [`BATCH_DAYS`] days.
    pub batch: usize,
    /// Start of that window (µs), when there is one.
    pub batch_start_us: Option<i64>,
    /// How many the dataset's creation dates put in that window, for this
    /// many accounts.
    pub batch_expected: f64,
    /// Binomial upper tail of `batch`, times the windows tried (capped at 1).
    pub batch_p: f64,
    /// Accounts with a handle.
    pub with_handle: usize,
    /// The commonest handle shape in the cluster.
    pub template: Option<String>,
    /// Its share of the cluster's handles.
    pub template_share: f64,
    /// Its share of all handles in the dataset.
    pub template_background: f64,
    /// Actions of the cluster's accounts.
    pub actions: u64,
    /// Distinct minutes in which they acted: the unit of the office-hour
    /// share, since a cluster's co-actions come in bursts of one minute.
    pub active_minutes: u64,
    /// The UTC offsets (hours, lowest and highest) where the share of
    /// weekday 09–18 actions is highest: one time of day fits a range of
    /// zones.
    pub office_utc_offsets: (i32, i32),
    /// That share for the cluster.
    pub office_share: f64,
    /// The same share over every action in the dataset.
    pub office_background: f64,
    /// Accounts of the cluster with a known client app.
    pub with_client: usize,
    /// The commonest client app among them (ties: the first by name).
    pub client: Option<String>,
    /// Its share of the cluster's accounts with a client.
    pub client_share: f64,
    /// Its share of all accounts with a client.
    pub client_background: f64,
    /// Accounts of the cluster whose export says whether they keep the
    /// default profile picture.
    pub with_image_flag: usize,
    /// Those that do.
    pub default_image: usize,
    /// The share that do among all accounts whose export says.
    pub default_image_background: f64,
    /// Binomial upper tail of `default_image` at that share.
    pub default_image_p: f64,
    /// Accounts of the cluster with both follower and following counts.
    pub with_counts: usize,
    /// Those in the dataset's lowest tenth by followers per following.
    pub thin_audience: usize,
    /// The share of all accounts with both counts in that tenth (about
    /// 0.1; more when ties sit on the cut).
    pub thin_audience_background: f64,
    /// Binomial upper tail of `thin_audience` at that share.
    pub thin_audience_p: f64,
    /// Median followers and following of the cluster's accounts with both
    /// counts.
    pub median_counts: Option<(u64, u64)>,
    /// The same medians over every account with both counts.
    pub median_counts_background: Option<(u64, u64)>,
    /// The cluster's reposts whose original's time is known.
    pub timed_reposts: u64,
    /// Of them, those within [`FAST_REPOST_US`] of the original.
    pub fast_reposts: u64,
    /// The same share over every account's timed reposts.
    pub fast_reposts_background: f64,
    /// Binomial upper tail of `fast_reposts` at that share.
    pub fast_reposts_p: f64,
}

/// Per account, its reposts whose original's time is known and, of them,
/// those within [`FAST_REPOST_US`] of it (a repost stated before its
/// original, by clock skew, counts as timed and fast).
pub fn fast_reposts(ds: &Dataset) -> Vec<(u64, u64)> {
    let original = ds.original_times();
    let t = &ds.actions;
    let mut out = vec![(0u64, 0u64); ds.accounts.len()];
    for r in 0..t.len() {
        if t.layer[r] != Layer::Repost {
            continue;
        }
        if let Some(at) = original[t.object[r] as usize] {
            let slot = &mut out[t.account[r] as usize];
            slot.0 += 1;
            if t.time_us[r] - at <= FAST_REPOST_US {
                slot.1 += 1;
            }
        }
    }
    out
}

/// Followers per followed account, smoothed so that zeros compare.
fn audience_ratio(followers: u64, following: u64) -> f64 {
    (followers as f64 + 1.0) / (following as f64 + 1.0)
}

/// The median of a sorted slice (the lower middle for an even length, so
/// that it is one of the values).
fn median(sorted: &[u64]) -> Option<u64> {
    (!sorted.is_empty()).then(|| sorted[(sorted.len() - 1) / 2])
}

/// Medians of both counts over accounts with both.
fn median_counts(pairs: &[(u64, u64)]) -> Option<(u64, u64)> {
    let mut f: Vec<u64> = pairs.iter().map(|p| p.0).collect();
    let mut g: Vec<u64> = pairs.iter().map(|p| p.1).collect();
    f.sort_unstable();
    g.sort_unstable();
    Some((median(&f)?, median(&g)?))
}

/// The shape of a handle: letter runs as `a`, each digit as `9`, other
/// characters as they are.
pub fn handle_template(handle: &str) -> String {
    let mut out = String::new();
    let mut in_letters = false;
    for c in handle.chars() {
        if c.is_alphabetic() {
            if !in_letters {
                out.push('a');
            }
            in_letters = true;
        } else {
            in_letters = false;
            out.push(if c.is_numeric() { '9' } else { c });
        }
    }
    out
}

/// `P(Binomial(n, p) >= k)`. At or below the mean it is one minus the
/// lower tail, summed downward from `k - 1` relative to its first term:
/// summing upward from `k` would start from a term that underflows to 0
/// when `n` is large and `k` far below the mean, and give a tail of 0
/// where it is nearly 1.
pub fn binomial_tail(n: usize, p: f64, k: usize) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    let p = p.clamp(0.0, 1.0);
    if p == 0.0 {
        return 0.0;
    }
    if p == 1.0 {
        return 1.0;
    }
    if k as f64 <= n as f64 * p {
        return (1.0 - lower_tail_below(n, p, k)).clamp(0.0, 1.0);
    }
    // Sum the terms from k up, in log space for the first one.
    let mut term = ln_pmf(n, p, k).exp();
    let mut sum = term;
    for j in k..n {
        term *= (n - j) as f64 / (j + 1) as f64 * p / (1.0 - p);
        sum += term;
    }
    sum.min(1.0)
}

/// `ln P(Binomial(n, p) = j)`, for `0 < p < 1`.
fn ln_pmf(n: usize, p: f64, j: usize) -> f64 {
    let ln_choose: f64 = (1..=j).map(|i| ((n - j + i) as f64).ln() - (i as f64).ln()).sum();
    ln_choose + j as f64 * p.ln() + (n - j) as f64 * (1.0 - p).ln()
}

/// `P(Binomial(n, p) < k)` for `0 < k <= n p` and `0 < p < 1`: the terms
/// from `k - 1` down fall away from the mean, so they are summed relative
/// to the first, whose logarithm is added at the end.
fn lower_tail_below(n: usize, p: f64, k: usize) -> f64 {
    let top = k - 1;
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for j in (1..=top).rev() {
        // P(j - 1) / P(j) = j (1 - p) / ((n - j + 1) p)
        term *= j as f64 * (1.0 - p) / ((n - j + 1) as f64 * p);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    (ln_pmf(n, p, top) + sum.ln()).exp()
}

/// `log10 P(Binomial(n, p) >= k)`, finite where the tail itself is too
/// small for an `f64` (a farm of 2,000 active minutes all in office hours
/// against a background of 0.3 has a tail near 10^-1237): campaign scores
/// rank by it instead of tying at a floor.
pub fn binomial_log10_tail(n: usize, p: f64, k: usize) -> f64 {
    if k == 0 || p >= 1.0 {
        return 0.0;
    }
    if k > n || p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if k as f64 <= n as f64 * p {
        // At or below the mean the tail is at least about a half.
        return binomial_tail(n, p, k).log10().min(0.0);
    }
    // Above the mean the terms fall from the first on: sum them relative to
    // it, and add its logarithm.
    let ln_first = ln_pmf(n, p, k);
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for j in k..n {
        term *= (n - j) as f64 / (j + 1) as f64 * p / (1.0 - p);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    ((ln_first + sum.ln()) / std::f64::consts::LN_10).min(0.0)
}

/// Whether `t` (µs, UTC) falls on a weekday 09:00–18:00 at `offset` hours.
fn in_office(t: i64, offset: i32) -> bool {
    let local = t + i64::from(offset) * 3_600_000_000;
    let day = local.div_euclid(DAY_US);
    // 1970-01-01 was a Thursday: day 0 is weekday 3 (Monday = 0).
    let weekday = (day + 3).rem_euclid(7);
    let hour = local.rem_euclid(DAY_US) / 3_600_000_000;
    weekday < 5 && (9..18).contains(&hour)
}

/// Per UTC offset (-12..=14), the count of `times` in office hours.
fn office_counts(times: impl Iterator<Item = i64>) -> [u64; 27] {
    let mut hour_of_week = [0u64; 168];
    for t in times {
        let h = t.div_euclid(3_600_000_000);
        // Hour of the UTC week starting Monday 00:00 (1970-01-05 was a Monday).
        hour_of_week[(h - 96).rem_euclid(168) as usize] += 1;
    }
    let mut out = [0u64; 27];
    for (k, slot) in out.iter_mut().enumerate() {
        let offset = k as i32 - 12;
        for (h, &n) in hour_of_week.iter().enumerate() {
            // A representative time in that UTC hour of the week.
            let t = (96 + h as i64) * 3_600_000_000;
            if in_office(t, offset) {
                *slot += n;
            }
        }
    }
    out
}

/// The most of `dates` (sorted) created within [`BATCH_DAYS`] days of one
/// another, and when the first such window starts.
pub fn largest_batch(dates: &[i64]) -> (usize, Option<i64>) {
    let (mut batch, mut start) = (0usize, None);
    for (i, &d) in dates.iter().enumerate() {
        let k = dates[i..].partition_point(|&x| x < d + BATCH_DAYS * DAY_US);
        if k > batch {
            (batch, start) = (k, Some(d));
        }
    }
    (batch, start)
}

/// The share of `created` (sorted, not empty) in the batch window that
/// starts at `start`.
pub fn batch_share(created: &[i64], start: i64) -> f64 {
    let lo = created.partition_point(|&c| c < start);
    let hi = created.partition_point(|&c| c < start + BATCH_DAYS * DAY_US);
    (hi - lo) as f64 / created.len() as f64
}

/// The acting accounts' creation dates and handle shapes: what a group's
/// creation batch and handle shape are compared with.
#[derive(Debug, Clone, Default)]
pub struct Background {
    /// Creation dates, ascending.
    pub created: Vec<i64>,
    /// Accounts per handle shape ([`handle_template`]).
    pub templates: HashMap<String, usize>,
    /// Accounts with a handle.
    pub handles: usize,
}

impl Background {
    /// Of the accounts of `ds` that `acting` marks: an export's referents
    /// (quoted authors, mentioned users) are not the population compared.
    pub fn of(ds: &Dataset, acting: &[bool]) -> Background {
        let m = &ds.account_meta;
        let of_acting = |a: usize| acting.get(a).copied().unwrap_or(false);
        let mut created: Vec<i64> = (0..m.created_at_us.len())
            .filter(|&a| of_acting(a))
            .filter_map(|a| m.created_at_us[a])
            .collect();
        created.sort_unstable();
        let mut templates: HashMap<String, usize> = HashMap::new();
        let mut handles = 0usize;
        for h in (0..m.handle.len()).filter(|&a| of_acting(a)).filter_map(|a| m.handle[a].as_ref())
        {
            *templates.entry(handle_template(h)).or_default() += 1;
            handles += 1;
        }
        Background { created, templates, handles }
    }
}

/// Fingerprints of every cluster of `net`.
pub fn fingerprints(ds: &Dataset, net: &Network) -> Vec<ClusterFingerprint> {
    fingerprints_with(ds, net, &fast_reposts(ds))
}

/// [`fingerprints`], given each account's [`fast_reposts`] (computed once
/// by a caller that also writes them per account).
pub fn fingerprints_with(
    ds: &Dataset,
    net: &Network,
    reposts: &[(u64, u64)],
) -> Vec<ClusterFingerprint> {
    let m = &ds.account_meta;
    let t = &ds.actions;
    // Baselines are over the accounts that act: an export's referents
    // (quoted authors, mentioned users) are not the population compared.
    let acting = ds.acting();
    let of_acting = |a: usize| acting.get(a).copied().unwrap_or(false);
    let Background { created, templates: all_templates, handles } = Background::of(ds, &acting);
    let all_office = office_counts(t.time_us.iter().copied());
    let mut all_clients: HashMap<&str, usize> = HashMap::new();
    for c in
        (0..m.client_app.len()).filter(|&a| of_acting(a)).filter_map(|a| m.client_app[a].as_ref())
    {
        *all_clients.entry(c).or_default() += 1;
    }
    let with_any_client: usize = all_clients.values().sum();
    let images: Vec<bool> = (0..m.default_image.len())
        .filter(|&a| of_acting(a))
        .filter_map(|a| m.default_image[a])
        .collect();
    let flagged = images.len();
    let defaults = images.iter().filter(|&&d| d).count();
    let image_background = if flagged == 0 { 0.0 } else { defaults as f64 / flagged as f64 };
    let counts_of = |a: usize| Some((m.followers[a]?, m.following[a]?));
    let all_counts: Vec<(u64, u64)> =
        (0..m.followers.len()).filter(|&a| of_acting(a)).filter_map(counts_of).collect();
    let mut ratios: Vec<f64> = all_counts.iter().map(|&(f, g)| audience_ratio(f, g)).collect();
    ratios.sort_unstable_by(f64::total_cmp);
    // The cut of the lowest tenth, and the exact share at or under it. Too
    // few accounts with counts make no background to compare with.
    let (thin_cut, thin_background) = if ratios.len() >= 10 {
        let cut = ratios[(ratios.len() - 1) / 10];
        let under = ratios.partition_point(|&r| r <= cut);
        (Some(cut), under as f64 / ratios.len() as f64)
    } else {
        (None, 0.0)
    };
    let background_medians = median_counts(&all_counts);
    let (all_timed, all_fast) = reposts.iter().fold((0u64, 0u64), |(n, k), &(a, b)| (n + a, k + b));
    let fast_background = if all_timed == 0 { 0.0 } else { all_fast as f64 / all_timed as f64 };
    let cluster_of = net.cluster_ids(ds.accounts.len());
    let mut times_of: Vec<Vec<i64>> = vec![Vec::new(); net.clusters.len()];
    for row in 0..t.len() {
        let c = cluster_of[t.account[row] as usize];
        if c > 0 {
            times_of[c as usize - 1].push(t.time_us[row]);
        }
    }
    net.clusters
        .iter()
        .map(|c| {
            let mut dates: Vec<i64> =
                c.accounts.iter().filter_map(|&a| m.created_at_us[a as usize]).collect();
            dates.sort_unstable();
            let (batch, batch_start) = largest_batch(&dates);
            let (batch_expected, batch_p) = match batch_start {
                // One account is a "batch" of itself on any day: no signal.
                Some(start) if !created.is_empty() && batch >= 2 => {
                    let share = batch_share(&created, start);
                    // The window holds the batch itself: the background
                    // share is taken from the whole dataset, cluster included.
                    let p = binomial_tail(dates.len(), share, batch) * dates.len() as f64;
                    (share * dates.len() as f64, p.min(1.0))
                }
                _ => (0.0, 1.0),
            };
            let mut templates: HashMap<String, usize> = HashMap::new();
            let mut with_handle = 0;
            for &a in &c.accounts {
                if let Some(h) = &m.handle[a as usize] {
                    *templates.entry(handle_template(h)).or_default() += 1;
                    with_handle += 1;
                }
            }
            let top = templates
                .iter()
                .max_by(|x, y| x.1.cmp(y.1).then_with(|| y.0.cmp(x.0)))
                .map(|(t, &n)| (t.clone(), n));
            let mut clients: HashMap<&str, usize> = HashMap::new();
            for &a in &c.accounts {
                if let Some(app) = &m.client_app[a as usize] {
                    *clients.entry(app).or_default() += 1;
                }
            }
            let with_client: usize = clients.values().sum();
            let top_client = clients
                .iter()
                .max_by(|x, y| x.1.cmp(y.1).then_with(|| y.0.cmp(x.0)))
                .map(|(&app, &n)| (app, n));
            let times = &times_of[c.id as usize - 1];
            let mut minutes: Vec<i64> = times.iter().map(|t| t.div_euclid(60_000_000)).collect();
            minutes.sort_unstable();
            minutes.dedup();
            let counts = office_counts(minutes.iter().map(|m| m * 60_000_000));
            let top_count = counts.iter().copied().max().unwrap_or(0);
            let best: Vec<usize> = (0..27).filter(|&k| counts[k] == top_count).collect();
            let (lo, hi) = (best[0], best[best.len() - 1]);
            let share =
                |n: u64, total: usize| if total == 0 { 0.0 } else { n as f64 / total as f64 };
            let flags: Vec<bool> =
                c.accounts.iter().filter_map(|&a| m.default_image[a as usize]).collect();
            let default_image = flags.iter().filter(|&&d| d).count();
            let audience: Vec<(u64, u64)> =
                c.accounts.iter().filter_map(|&a| counts_of(a as usize)).collect();
            let (timed_reposts, fast_reposts) = c
                .accounts
                .iter()
                .fold((0, 0), |(n, k), &a| (n + reposts[a as usize].0, k + reposts[a as usize].1));
            let thin_audience = thin_cut.map_or(0, |cut| {
                audience.iter().filter(|&&(f, g)| audience_ratio(f, g) <= cut).count()
            });
            ClusterFingerprint {
                cluster: c.id,
                accounts: c.accounts.len(),
                with_creation: dates.len(),
                batch,
                batch_start_us: batch_start,
                batch_expected,
                batch_p,
                with_handle,
                template_share: top.as_ref().map_or(0.0, |t| share(t.1 as u64, with_handle)),
                template_background: top.as_ref().map_or(0.0, |t| {
                    share(all_templates.get(&t.0).copied().unwrap_or(0) as u64, handles)
                }),
                template: top.map(|t| t.0),
                actions: times.len() as u64,
                active_minutes: minutes.len() as u64,
                office_utc_offsets: (lo as i32 - 12, hi as i32 - 12),
                office_share: share(counts[lo], minutes.len()),
                office_background: share(all_office[lo], t.len()),
                with_client,
                client_share: top_client.map_or(0.0, |(_, n)| share(n as u64, with_client)),
                client_background: top_client.map_or(0.0, |(app, _)| {
                    share(all_clients.get(app).copied().unwrap_or(0) as u64, with_any_client)
                }),
                client: top_client.map(|(app, _)| app.to_string()),
                with_image_flag: flags.len(),
                default_image,
                default_image_background: image_background,
                default_image_p: if flags.is_empty() {
                    1.0
                } else {
                    binomial_tail(flags.len(), image_background, default_image)
                },
                with_counts: audience.len(),
                thin_audience,
                thin_audience_background: thin_background,
                thin_audience_p: if thin_cut.is_none() || audience.is_empty() {
                    1.0
                } else {
                    binomial_tail(audience.len(), thin_background, thin_audience)
                },
                median_counts: median_counts(&audience),
                median_counts_background: background_medians,
                timed_reposts,
                fast_reposts,
                fast_reposts_background: fast_background,
                fast_reposts_p: if timed_reposts == 0 {
                    1.0
                } else {
                    binomial_tail(timed_reposts as usize, fast_background, fast_reposts as usize)
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn log_tail_past_underflow() {
        // 0.3^2367: the tail is the single last term.
        let expected = 2367.0 * 0.3f64.log10();
        assert!((binomial_log10_tail(2367, 0.3, 2367) - expected).abs() < 1e-9);
        assert_eq!(binomial_tail(2367, 0.3, 2367), 0.0);
        assert_eq!(binomial_log10_tail(10, 0.5, 11), f64::NEG_INFINITY);
        assert_eq!(binomial_log10_tail(10, 0.5, 0), 0.0);
    }

    #[test]
    fn templates() {
        assert_eq!(handle_template("maria_patriot83"), "a_a99");
        assert_eq!(handle_template("John12345678"), "a99999999");
        assert_eq!(handle_template("x.y-z"), "a.a-a");
        assert_eq!(handle_template("مریم۱۲"), "a99");
    }

    #[test]
    fn office_hours_by_offset() {
        // 2024-03-04 was a Monday; 10:00 UTC is office time at UTC+0..=+7.
        let monday_10 = 1_709_546_400_000_000;
        assert!(in_office(monday_10, 0));
        assert!(in_office(monday_10, 7));
        assert!(!in_office(monday_10, 8));
        assert!(!in_office(monday_10, -2));
        let saturday_10 = monday_10 + 5 * DAY_US;
        assert!(!in_office(saturday_10, 0));
        let counts = office_counts([monday_10, saturday_10].into_iter());
        assert_eq!(counts[12], 1);
        assert_eq!(counts[12 + 8], 0);
    }

    proptest! {
        #[test]
        fn office_counts_equal_counting_each_time(
            times in proptest::collection::vec(0i64..4_000_000_000, 0..40),
        ) {
            let times: Vec<i64> = times.iter().map(|t| t * 1_000_000).collect();
            let counts = office_counts(times.iter().copied());
            for (k, &n) in counts.iter().enumerate() {
                let offset = k as i32 - 12;
                let direct = times.iter().filter(|&&t| in_office(t, offset)).count() as u64;
                prop_assert_eq!(n, direct);
            }
        }

        #[test]
        fn log_tail_is_the_log_of_the_tail(n in 0usize..400, p in 0.0f64..=1.0, k in 0usize..402) {
            let direct = binomial_tail(n, p, k);
            let log = binomial_log10_tail(n, p, k);
            if direct > 1e-280 {
                prop_assert!((log - direct.log10()).abs() < 1e-9, "{} vs {}", log, direct.log10());
            } else {
                prop_assert!(log < -279.0, "{}", log);
            }
        }

        #[test]
        fn tails_at_or_below_the_median_are_large(
            n in 1usize..2_000_000, p in 0.001f64..0.999, frac in 0.0f64..=1.0,
        ) {
            // P(X >= k) >= 1/2 for k <= floor(n p): the median is at least
            // floor(n p). Summing upward from k underflowed here once.
            let k = ((n as f64 * p).floor() * frac) as usize;
            let log = binomial_log10_tail(n, p, k);
            prop_assert!(log.is_finite() && log >= 0.5f64.log10() - 1e-9, "n {} p {} k {}: {}", n, p, k, log);
            prop_assert!(binomial_tail(n, p, k) >= 0.5 - 1e-9);
        }

        #[test]
        fn binomial_tail_equals_summing_terms(n in 0usize..30, p in 0.0f64..=1.0, k in 0usize..32) {
            let choose = |n: usize, j: usize| -> f64 {
                (1..=j).map(|i| (n - j + i) as f64 / i as f64).product()
            };
            let direct: f64 = (k..=n)
                .map(|j| choose(n, j) * p.powi(j as i32) * (1.0 - p).powi((n - j) as i32))
                .sum();
            let direct = if k == 0 { 1.0 } else { direct.min(1.0) };
            prop_assert!((binomial_tail(n, p, k) - direct).abs() < 1e-9, "{} vs {}", binomial_tail(n, p, k), direct);
        }
    }
}
