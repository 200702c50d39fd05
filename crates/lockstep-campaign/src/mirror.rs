//! Feed mirrors: clusters set aside because each account re-posts one site
//! and nothing shows they were made or run together.
//!
//! Independent bots that post every article of one news feed within a
//! minute of publication co-act as tightly as any farm, day after day, and
//! an export cannot show the feed they follow. What it can show is what
//! they are not: a cluster is a **feed mirror** when
//!
//! 1. **one site**: every account links to one domain in at least
//!    [`MIRROR_SHARE`] of its posts (a mirror posts little else);
//! 2. **coordination on that site only**: at least [`MIRROR_SHARE`] of the
//!    cluster's co-actions (pairs inside it) are between two posts that
//!    both link there;
//! 3. **measured and clean**: every account's creation date and client app
//!    are known, and no factory fingerprint of the campaign score
//!    (creation batch, handle template, client app, default picture, thin
//!    audience, office hours, fast reposts) reaches p <= [`FINGERPRINT_ALPHA`].
//!
//! The third condition is what keeps farms out: a cluster without
//! metadata is never set aside, and a farm that pushes one site from
//! accounts made in one batch, named from one template, posting through
//! one tool or keeping office hours stays a campaign. What remains
//! indistinguishable, and is set aside with it, is an operation that only
//! mirrors one site from accounts that look unrelated in every measured
//! way; the explanation says so, and the cluster stays in every output
//! file.

use crate::Score;
use lockstep_detect::Detection;
use lockstep_fingerprint::ClusterFingerprint;
use lockstep_graph::Network;
use lockstep_model::{url_domain, Dataset, Layer};
use std::collections::HashMap;

/// The least share of each account's posts that link to the site, and of
/// the cluster's co-actions between two such posts.
pub const MIRROR_SHARE: f64 = 0.9;
/// A factory fingerprint at or under this p-value keeps a cluster a
/// campaign.
pub const FINGERPRINT_ALPHA: f64 = 0.01;

/// Why a cluster was set aside as a feed mirror.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedMirror {
    /// The site its accounts mirror.
    pub domain: String,
    /// Accounts in the cluster.
    pub accounts: usize,
    /// The lowest share, over its accounts, of an account's posts that
    /// link to the site.
    pub lowest_share: f64,
    /// Co-actions (coordinated pairs) between accounts of the cluster.
    pub co_actions: u64,
    /// Of them, those between two posts that both link to the site.
    pub on_site: u64,
    /// The strongest factory fingerprint: its signal and `-log10 p`.
    pub strongest: Option<(&'static str, f64)>,
}

impl FeedMirror {
    /// The reason, in words and numbers.
    pub fn explain(&self) -> String {
        let strongest = match self.strongest {
            Some((signal, s)) => format!("strongest {signal}, p {:.2}", 10f64.powf(-s)),
            None => "none measured".to_string(),
        };
        format!(
            "set aside as a feed mirror: each of its {} accounts links to {} in at least {:.0}% of its posts, {:.0}% of its {} co-actions are between posts linking there, and no factory fingerprint reaches p <= {FINGERPRINT_ALPHA} ({strongest}); independent bots that mirror one feed look like this, and so would an operation that only mirrors one site from accounts unrelated in every measured way",
            self.accounts,
            self.domain,
            100.0 * self.lowest_share,
            100.0 * self.on_site as f64 / self.co_actions.max(1) as f64,
            self.co_actions,
        )
    }
}

const NO_SITE: u32 = u32::MAX;

/// Marks the clusters of `net` that are feed mirrors, in `scores` (one per
/// cluster, in `net.clusters` order, as [`crate::scores`] returns them).
pub fn mark_feed_mirrors(
    ds: &Dataset,
    det: &Detection,
    net: &Network,
    fingerprints: &[ClusterFingerprint],
    scores: &mut [Score],
) {
    // Condition 3 first: it needs no pass over the data, and rules out
    // every cluster of a dataset without account metadata.
    let candidates: Vec<bool> = net
        .clusters
        .iter()
        .zip(fingerprints)
        .zip(scores.iter())
        .map(|((c, f), s)| {
            c.accounts.len() >= 2
                && f.with_creation == c.accounts.len()
                && f.with_client == c.accounts.len()
                && strongest_fingerprint(s).is_none_or(|(_, x)| x < -FINGERPRINT_ALPHA.log10())
        })
        .collect();
    if !candidates.contains(&true) {
        return;
    }
    let t = &ds.actions;
    let cluster_of: Vec<u32> = net
        .cluster_ids(ds.accounts.len())
        .into_iter()
        .map(|c| if c > 0 && candidates[c as usize - 1] { c } else { 0 })
        .collect();
    // The site of each object the candidates acted on.
    let mut sites: HashMap<String, u32> = HashMap::new();
    let mut site_of_object: HashMap<u32, u32> = HashMap::new();
    let mut site_of = |o: u32| -> u32 {
        *site_of_object.entry(o).or_insert_with(|| {
            let name = ds.object_name(o);
            let site = match ds.object_layer(o) {
                Layer::Url => url_domain(name),
                Layer::Domain => Some(name.to_string()),
                _ => None,
            };
            site.map_or(NO_SITE, |s| {
                let n = sites.len() as u32;
                *sites.entry(s).or_insert(n)
            })
        })
    };
    // Posts of the candidates' accounts: (account, content, site or none).
    let mut posts: Vec<(u32, u32, u32)> = (0..t.len())
        .filter(|&r| cluster_of[t.account[r] as usize] > 0)
        .map(|r| (t.account[r], t.content[r], site_of(t.object[r])))
        .collect();
    posts.sort_unstable();
    posts.dedup();
    let name_of: Vec<&str> = {
        let mut v = vec![""; sites.len()];
        for (s, &i) in &sites {
            v[i as usize] = s;
        }
        v
    };
    // Per account: its posts, and its posts per site.
    let mut total: HashMap<u32, u64> = HashMap::new();
    let mut per_site: HashMap<(u32, u32), u64> = HashMap::new();
    for (k, &(a, c, s)) in posts.iter().enumerate() {
        if k == 0 || (posts[k - 1].0, posts[k - 1].1) != (a, c) {
            *total.entry(a).or_default() += 1;
        }
        if s != NO_SITE {
            *per_site.entry((a, s)).or_default() += 1;
        }
    }
    // Each candidate's site: the one most of its accounts' posts link to
    // (ties: the first by name).
    let mut cluster_sites: HashMap<(u32, u32), u64> = HashMap::new();
    for (&(a, s), &n) in &per_site {
        *cluster_sites.entry((cluster_of[a as usize], s)).or_default() += n;
    }
    let mut site_of_cluster = vec![NO_SITE; net.clusters.len()];
    let mut best = vec![0u64; net.clusters.len()];
    for (&(c, s), &n) in &cluster_sites {
        let i = c as usize - 1;
        let cur = site_of_cluster[i];
        if n > best[i]
            || (n == best[i] && (cur == NO_SITE || name_of[s as usize] < name_of[cur as usize]))
        {
            (best[i], site_of_cluster[i]) = (n, s);
        }
    }
    let links_there: std::collections::HashSet<(u32, u32)> = posts
        .iter()
        .filter(|&&(a, _, s)| {
            s != NO_SITE && site_of_cluster[cluster_of[a as usize] as usize - 1] == s
        })
        .map(|&(a, c, _)| (a, c))
        .collect();
    let (mut co_actions, mut on_site) =
        (vec![0u64; net.clusters.len()], vec![0u64; net.clusters.len()]);
    let p = &det.pairs;
    for k in 0..p.len() {
        let (x, y) = (p.older[k] as usize, p.newer[k] as usize);
        let (ax, ay) = (t.account[x], t.account[y]);
        let c = cluster_of[ax as usize];
        if c == 0 || c != cluster_of[ay as usize] {
            continue;
        }
        co_actions[c as usize - 1] += 1;
        if links_there.contains(&(ax, t.content[x])) && links_there.contains(&(ay, t.content[y])) {
            on_site[c as usize - 1] += 1;
        }
    }
    for (i, (c, score)) in net.clusters.iter().zip(scores.iter_mut()).enumerate() {
        let site = site_of_cluster[i];
        if !candidates[i] || site == NO_SITE || co_actions[i] == 0 {
            continue;
        }
        let lowest_share = c
            .accounts
            .iter()
            .map(|&a| {
                let n = per_site.get(&(a, site)).copied().unwrap_or(0);
                n as f64 / total.get(&a).copied().unwrap_or(0).max(1) as f64
            })
            .fold(1.0f64, f64::min);
        let mirror = FeedMirror {
            domain: name_of[site as usize].to_string(),
            accounts: c.accounts.len(),
            lowest_share,
            co_actions: co_actions[i],
            on_site: on_site[i],
            strongest: strongest_fingerprint(score),
        };
        if lowest_share >= MIRROR_SHARE && on_site[i] as f64 >= MIRROR_SHARE * co_actions[i] as f64
        {
            score.feed_mirror = Some(mirror);
        }
    }
}

/// The score's strongest part other than coordination: its signal and
/// `-log10 p`.
fn strongest_fingerprint(s: &Score) -> Option<(&'static str, f64)> {
    s.parts
        .iter()
        .filter(|p| p.signal != crate::Signal::Coordination)
        .map(|p| (p.signal.name(), p.score()))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(a.0)))
}
