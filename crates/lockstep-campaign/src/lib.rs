//! The campaign view of a cluster: what it pushed each day (its talking
//! points: the daily orders), and who leads and who follows.
//!
//! - **Talking points**: for each cluster and UTC day, the objects that the
//!   most of its accounts acted on that day (at least two accounts), with
//!   how many and which share of the cluster.
//! - **Leaders and followers**: for each account in a cluster, over its
//!   coordinated pairs with accounts of the same cluster, the median of its
//!   time minus its partner's (negative: it tends to act first) and the
//!   share of pairs in which it acted first. Seeders lead; amplifiers
//!   follow.
#![warn(missing_docs)]

use lockstep_detect::Detection;
use lockstep_graph::Network;
use lockstep_model::Dataset;
use std::collections::BTreeMap;

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
    let mut cluster_of = vec![0u32; ds.accounts.len()];
    for c in &net.clusters {
        for &a in &c.accounts {
            cluster_of[a as usize] = c.id;
        }
    }
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
            out.push(TalkingPoint { cluster, day, object, accounts, share });
        }
    }
    out
}

/// Each clustered account's role, by account id (`None` outside clusters
/// or without a pair inside its cluster).
pub fn roles(ds: &Dataset, det: &Detection, net: &Network) -> Vec<Option<Role>> {
    let t = &ds.actions;
    let mut cluster_of = vec![0u32; ds.accounts.len()];
    for c in &net.clusters {
        for &a in &c.accounts {
            cluster_of[a as usize] = c.id;
        }
    }
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
