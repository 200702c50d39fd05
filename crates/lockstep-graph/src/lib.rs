//! The account graph: which edges pass the threshold, and the clusters they
//! form.
//!
//! ```
//! use lockstep_graph::quantile_type7;
//! assert_eq!(quantile_type7(&[1, 1, 2, 5], 0.5), 1.5);
//! ```
#![warn(missing_docs)]

pub mod stability;
pub use stability::Sweep;

use lockstep_detect::Detection;
use lockstep_model::Dataset;
use rayon::prelude::*;

/// Which edges count as coordinated.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdConfig {
    /// Keep edges whose weight is strictly greater than this quantile of all
    /// edge weights (R's type-7 quantile; CooRTweet's `edge_weight`).
    pub quantile: Option<f64>,
    /// Keep edges with at least this weight.
    pub min_weight: u64,
    /// How the over-threshold graph is cut into clusters.
    pub clusters: ClusterMethod,
}

/// How clusters are formed from the over-threshold edges.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum ClusterMethod {
    /// Connected components (CooRTweet's clusters).
    #[default]
    Components,
    /// Leiden communities (modularity, seeded, sequential) within them, so
    /// that a large component of several groups joined by a few edges is
    /// cut into its groups.
    Leiden {
        /// Resolution γ: higher gives smaller communities.
        resolution: f64,
        /// Seed of the algorithm's random order.
        seed: u64,
    },
    /// Components, except that a component of more than `above` accounts
    /// is cut into its Leiden communities: a crowd that chance edges join
    /// into thousands of accounts is almost never one operation, while a
    /// dense group stays whole under modularity.
    Split {
        /// The largest component kept whole.
        above: usize,
        /// Resolution γ of the Leiden cut.
        resolution: f64,
        /// Seed of the algorithm's random order.
        seed: u64,
    },
}

/// Sizes of a graph's connected components.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComponentStats {
    /// Vertices (accounts with at least one edge).
    pub vertices: u64,
    /// Edges.
    pub edges: u64,
    /// Connected components.
    pub components: u64,
    /// Vertices in the largest component.
    pub largest: u64,
}

/// One cluster: a connected component of the over-threshold graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// 1-based id; clusters are numbered by size, largest first.
    pub id: u32,
    /// Account ids, ascending by name.
    pub accounts: Vec<u32>,
    /// Indices of its over-threshold edges in the edge table.
    pub edges: Vec<usize>,
    /// Accounts of the over-threshold component it was cut from, when it
    /// is a Leiden community of a larger component.
    pub cut_from: Option<usize>,
}

/// Per-account figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountStats {
    /// Cluster id, if the account has an over-threshold edge.
    pub cluster: Option<u32>,
    /// Over-threshold edges.
    pub degree: u64,
    /// Sum of over-threshold edge weights.
    pub strength: u64,
    /// Edges of any weight.
    pub degree_all: u64,
    /// Distinct objects in the account's coordinated pairs.
    pub coordinated_objects: u64,
    /// Actions in the dataset.
    pub actions: u64,
}

/// The thresholded graph and its clusters.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// The quantile's value, when a quantile was asked for.
    pub quantile_value: Option<f64>,
    /// Whether each edge passes the threshold.
    pub over: Vec<bool>,
    /// The whole graph.
    pub full: ComponentStats,
    /// The over-threshold subgraph.
    pub sub: ComponentStats,
    /// Clusters of the subgraph, largest first.
    pub clusters: Vec<Cluster>,
    /// Accounts that have any edge, ascending by id, with their figures.
    pub accounts: Vec<(u32, AccountStats)>,
}

/// Leiden communities of the over-threshold graph's components that `cut`
/// admits (by root), as a group key per vertex (the smallest vertex id of
/// its community); vertices of other components keep their root, and
/// vertices outside the graph stay `None`.
fn leiden_groups(
    root: &[Option<u32>],
    sub_edges: &[usize],
    e: &lockstep_detect::EdgeTable,
    resolution: f64,
    seed: u64,
    cut: impl Fn(u32) -> bool,
) -> Vec<Option<u32>> {
    use leiden_rs::{GraphDataBuilder, Leiden, LeidenConfig};
    let vertices: Vec<u32> =
        (0..root.len() as u32).filter(|&v| root[v as usize].is_some_and(&cut)).collect();
    if vertices.is_empty() {
        return root.to_vec();
    }
    let mut dense = vec![u32::MAX; root.len()];
    for (k, &v) in vertices.iter().enumerate() {
        dense[v as usize] = k as u32;
    }
    let mut b = GraphDataBuilder::new(vertices.len());
    for &i in sub_edges.iter().filter(|&&i| dense[e.a[i] as usize] != u32::MAX) {
        let (x, y) = (dense[e.a[i] as usize] as usize, dense[e.b[i] as usize] as usize);
        b.add_edge(x, y, e.weight[i] as f64).expect("vertices in range, finite weight");
    }
    let graph = b.build().expect("a valid graph");
    let cfg = LeidenConfig {
        resolution,
        seed: Some(seed),
        // Never the parallel paths: their relaxed updates could depend on
        // scheduling, and clusters must not.
        parallel_local_moving_threshold: Some(usize::MAX),
        parallel_aggregation_threshold: Some(usize::MAX),
        ..Default::default()
    };
    let out = Leiden::new(cfg).run(&graph).expect("Leiden on a valid graph");
    // Communities never span components (no edge joins them), but key them
    // by their smallest vertex so that the key does not depend on the
    // algorithm's numbering.
    let mut key = vec![u32::MAX; out.partition.num_communities().max(1)];
    for (k, &v) in vertices.iter().enumerate() {
        let c = out.partition.community_of(k);
        key[c] = key[c].min(v);
    }
    let mut groups = root.to_vec();
    for (k, &v) in vertices.iter().enumerate() {
        groups[v as usize] = Some(key[out.partition.community_of(k)]);
    }
    groups
}

impl Network {
    /// Each account's cluster id (0: in no cluster), for `accounts`
    /// accounts.
    pub fn cluster_ids(&self, accounts: usize) -> Vec<u32> {
        let mut ids = vec![0u32; accounts];
        for c in &self.clusters {
            for &a in &c.accounts {
                ids[a as usize] = c.id;
            }
        }
        ids
    }
}

/// R's default (type 7) quantile of `values`: `x[h]` interpolated at
/// `h = (n - 1) p`. `NaN` for no values.
pub fn quantile_type7(values: &[u64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let h = (v.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    v[lo] as f64 + (h - lo as f64) * (v[hi] as f64 - v[lo] as f64)
}

struct UnionFind(Vec<u32>);

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind((0..n as u32).collect())
    }
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let p = self.0[self.0[x as usize] as usize];
            self.0[x as usize] = p;
            x = p;
        }
        x
    }
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = (ra.min(rb), ra.max(rb));
            self.0[hi as usize] = lo;
        }
    }
}

/// Components of the graph made of `edges` (pairs of vertex ids below `n`):
/// for each vertex that has an edge, its component root.
fn components(
    n: usize,
    edges: impl Iterator<Item = (u32, u32)>,
) -> (Vec<Option<u32>>, ComponentStats) {
    let mut uf = UnionFind::new(n);
    let mut has = vec![false; n];
    let mut m = 0;
    for (a, b) in edges {
        uf.union(a, b);
        has[a as usize] = true;
        has[b as usize] = true;
        m += 1;
    }
    let mut size = vec![0u64; n];
    let mut root = vec![None; n];
    for v in 0..n {
        if has[v] {
            let r = uf.find(v as u32);
            root[v] = Some(r);
            size[r as usize] += 1;
        }
    }
    let stats = ComponentStats {
        vertices: has.iter().filter(|&&h| h).count() as u64,
        edges: m,
        components: size.iter().filter(|&&s| s > 0).count() as u64,
        largest: size.iter().copied().max().unwrap_or(0),
    };
    (root, stats)
}

/// Most `(account, object)` pairs held at once by [`distinct_per_account`]:
/// 256 MB, where one pass over every pair end would take 16 bytes per pair
/// (a gigabyte at 66 million pairs).
pub const DISTINCT_CHUNK: usize = 1 << 25;

/// For each of `n` accounts, the distinct objects among `ends()`
/// (`(account, object)`, repeats allowed), counted for a range of accounts
/// at a time whose ends number at most `chunk` (or one account), so that
/// memory stays bounded whatever the number of pairs: one counting pass,
/// then one pass per range.
pub fn distinct_per_account<I: Iterator<Item = (u32, u32)>>(
    n: usize,
    ends: impl Fn() -> I,
    chunk: usize,
) -> Vec<u64> {
    let mut per = vec![0u64; n];
    for (a, _) in ends() {
        per[a as usize] += 1;
    }
    let mut out = vec![0u64; n];
    let mut start = 0;
    while start < n {
        let (mut end, mut held) = (start, 0u64);
        while end < n && (end == start || held + per[end] <= chunk as u64) {
            held += per[end];
            end += 1;
        }
        if held > 0 {
            let (lo, hi) = (start as u32, end as u32);
            let mut keys: Vec<u64> = ends()
                .filter(|&(a, _)| a >= lo && a < hi)
                .map(|(a, o)| (a as u64) << 32 | o as u64)
                .collect();
            keys.par_sort_unstable();
            keys.dedup();
            for k in keys {
                out[(k >> 32) as usize] += 1;
            }
        }
        start = end;
    }
    out
}

/// Thresholds the detection's edges and clusters the accounts.
pub fn build(ds: &Dataset, det: &Detection, cfg: &ThresholdConfig) -> Network {
    build_with(ds, det, cfg, |_| true)
}

/// [`build`] where an edge must also pass `also(edge index)` to be over
/// the threshold (a significance test, say).
pub fn build_with(
    ds: &Dataset,
    det: &Detection,
    cfg: &ThresholdConfig,
    also: impl Fn(usize) -> bool,
) -> Network {
    let e = &det.edges;
    let n = ds.accounts.len();
    let quantile_value = cfg.quantile.map(|p| quantile_type7(&e.weight, p));
    let over: Vec<bool> = (0..e.len())
        .map(|i| {
            e.weight[i] >= cfg.min_weight
                && quantile_value.is_none_or(|q| e.weight[i] as f64 > q)
                && also(i)
        })
        .collect();
    let (_, full) = components(n, (0..e.len()).map(|i| (e.a[i], e.b[i])));
    let sub_edges: Vec<usize> = (0..e.len()).filter(|&i| over[i]).collect();
    let (component, sub) = components(n, sub_edges.iter().map(|&i| (e.a[i], e.b[i])));
    let mut component_size = vec![0usize; n];
    for r in component.iter().flatten() {
        component_size[*r as usize] += 1;
    }
    let root = match cfg.clusters {
        ClusterMethod::Components => component.clone(),
        ClusterMethod::Leiden { resolution, seed } => {
            leiden_groups(&component, &sub_edges, e, resolution, seed, |_| true)
        }
        ClusterMethod::Split { above, resolution, seed } => {
            leiden_groups(&component, &sub_edges, e, resolution, seed, |r| {
                component_size[r as usize] > above
            })
        }
    };

    // Clusters: group accounts by root; number by size desc, then first name.
    let mut members: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
    for (v, r) in root.iter().enumerate() {
        if let Some(r) = r {
            members.entry(*r).or_default().push(v as u32);
        }
    }
    let mut groups: Vec<Vec<u32>> = members.into_values().collect();
    for g in &mut groups {
        g.sort_by(|&x, &y| ds.account_name(x).cmp(ds.account_name(y)));
    }
    groups.sort_by(|x, y| {
        y.len().cmp(&x.len()).then_with(|| ds.account_name(x[0]).cmp(ds.account_name(y[0])))
    });
    let mut cluster_of = vec![None; n];
    let mut clusters: Vec<Cluster> = groups
        .into_iter()
        .enumerate()
        .map(|(k, accounts)| {
            for &a in &accounts {
                cluster_of[a as usize] = Some(k as u32 + 1);
            }
            let from = component[accounts[0] as usize].map_or(0, |r| component_size[r as usize]);
            let cut_from = (from > accounts.len()).then_some(from);
            Cluster { id: k as u32 + 1, accounts, edges: Vec::new(), cut_from }
        })
        .collect();
    for &i in &sub_edges {
        // Leiden may put the two ends in different clusters: such an edge
        // belongs to neither.
        let c = cluster_of[e.a[i] as usize].expect("edge endpoint in a cluster");
        if cluster_of[e.b[i] as usize] == Some(c) {
            clusters[c as usize - 1].edges.push(i);
        }
    }

    let mut stats: Vec<AccountStats> = vec![AccountStats::default(); n];
    for i in 0..e.len() {
        for v in [e.a[i], e.b[i]] {
            let s = &mut stats[v as usize];
            s.degree_all += 1;
            if over[i] {
                s.degree += 1;
                s.strength += e.weight[i];
            }
        }
    }
    let t = &ds.actions;
    for &a in &t.account {
        stats[a as usize].actions += 1;
    }
    let p = &det.pairs;
    let ends = || {
        (0..p.len()).flat_map(|k| {
            let (o, w) = (p.older[k] as usize, p.newer[k] as usize);
            [(t.account[o], t.object[o]), (t.account[w], t.object[w])]
        })
    };
    for (a, n) in distinct_per_account(n, ends, DISTINCT_CHUNK).into_iter().enumerate() {
        stats[a].coordinated_objects = n;
    }
    let accounts = stats
        .into_iter()
        .enumerate()
        .filter(|(_, s)| s.degree_all > 0)
        .map(|(v, mut s)| {
            s.cluster = cluster_of[v];
            (v as u32, s)
        })
        .collect();
    Network { quantile_value, over, full, sub, clusters, accounts }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quantiles_match_r() {
        // R: quantile(c(1,2,3,4,10), c(0, .5, .9, 1)) = 1, 3, 7.6, 10
        let v = [10, 1, 3, 2, 4];
        assert_eq!(quantile_type7(&v, 0.0), 1.0);
        assert_eq!(quantile_type7(&v, 0.5), 3.0);
        assert!((quantile_type7(&v, 0.9) - 7.6).abs() < 1e-12);
        assert_eq!(quantile_type7(&v, 1.0), 10.0);
        assert!(quantile_type7(&[], 0.5).is_nan());
    }

    proptest! {
        #[test]
        fn distinct_per_account_in_chunks_equals_one_set(
            ends in proptest::collection::vec((0u32..8, 0u32..6), 0..60),
            chunk in 1usize..70,
        ) {
            let got = distinct_per_account(8, || ends.iter().copied(), chunk);
            let set: std::collections::BTreeSet<(u32, u32)> = ends.iter().copied().collect();
            let want: Vec<u64> =
                (0..8).map(|a| set.iter().filter(|e| e.0 == a).count() as u64).collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn components_match_naive(edges in proptest::collection::vec((0u32..12, 0u32..12), 0..20)) {
            let (root, stats) = components(12, edges.iter().copied());
            // Naive: repeated relabelling until stable.
            let mut label: Vec<u32> = (0..12).collect();
            loop {
                let mut changed = false;
                for &(a, b) in &edges {
                    let m = label[a as usize].min(label[b as usize]);
                    for v in [a, b] {
                        if label[v as usize] != m { label[v as usize] = m; changed = true; }
                    }
                }
                if !changed { break; }
            }
            for &(a, b) in &edges {
                prop_assert_eq!(root[a as usize], root[b as usize]);
            }
            let touched: std::collections::BTreeSet<u32> = edges.iter().flat_map(|&(a, b)| [a, b]).collect();
            let comps: std::collections::BTreeSet<u32> = touched.iter().map(|&v| label[v as usize]).collect();
            prop_assert_eq!(stats.components as usize, comps.len());
            prop_assert_eq!(stats.vertices as usize, touched.len());
            for &v in &touched {
                for &u in &touched {
                    prop_assert_eq!(label[v as usize] == label[u as usize], root[v as usize] == root[u as usize]);
                }
            }
        }
    }
}
