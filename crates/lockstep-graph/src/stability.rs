//! How stable a run's clusters are across other settings of the window and
//! the weight threshold: for each cluster of the reference setting, its
//! best membership overlap (Jaccard) with any cluster of each other
//! setting. Analysts ask for this before they publish: a finding that
//! survives the grid is stronger than one that holds at a single setting.

use crate::Cluster;
use std::collections::HashMap;

/// A cluster holds at a setting when some cluster there overlaps it by at
/// least this Jaccard index: at least half of the two together is shared.
pub const HOLDS: f64 = 0.5;

/// One setting of the grid and what it gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The co-action window, in microseconds.
    pub window_us: i64,
    /// The weight an edge must reach.
    pub min_weight: u64,
    /// The false discovery rate an edge's test must pass, under the tested
    /// rule.
    pub fdr: Option<f64>,
    /// Whether this is the run's own setting.
    pub reference: bool,
    /// Edges over the threshold.
    pub edges: usize,
    /// Accounts in clusters.
    pub accounts: usize,
    /// Clusters.
    pub clusters: usize,
    /// Per cluster of the reference setting (in its order), its best
    /// Jaccard overlap with a cluster of this setting.
    pub overlap: Vec<f64>,
}

/// The settings of a sweep, the reference among them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sweep {
    /// Windows ascending, then weights, then rates.
    pub settings: Vec<Setting>,
}

impl Sweep {
    /// The settings other than the reference: those a cluster's stability
    /// is measured over.
    pub fn others(&self) -> impl Iterator<Item = &Setting> {
        self.settings.iter().filter(|s| !s.reference)
    }

    /// Of the other settings, those at which reference cluster `c` (its
    /// index) holds ([`HOLDS`]).
    pub fn held(&self, c: usize) -> usize {
        self.others().filter(|s| s.overlap[c] >= HOLDS).count()
    }

    /// Its mean best overlap over the other settings (1 without any).
    pub fn mean_overlap(&self, c: usize) -> f64 {
        let n = self.others().count();
        if n == 0 {
            return 1.0;
        }
        self.others().map(|s| s.overlap[c]).sum::<f64>() / n as f64
    }

    /// The other setting where it overlaps least (the first such, in sweep
    /// order).
    pub fn weakest(&self, c: usize) -> Option<&Setting> {
        self.others().fold(None, |best: Option<&Setting>, s| match best {
            Some(b) if b.overlap[c] <= s.overlap[c] => Some(b),
            _ => Some(s),
        })
    }
}

/// For each cluster of `reference`, its best Jaccard overlap with a cluster
/// of `other` (0 when none shares an account). `accounts` bounds the
/// account ids. Each account of a reference cluster is looked up once.
pub fn best_overlap(reference: &[Cluster], other: &[Cluster], accounts: usize) -> Vec<f64> {
    let mut of: Vec<Option<u32>> = vec![None; accounts];
    for (i, c) in other.iter().enumerate() {
        for &a in &c.accounts {
            of[a as usize] = Some(i as u32);
        }
    }
    reference
        .iter()
        .map(|c| {
            let mut shared: HashMap<u32, usize> = HashMap::new();
            for &a in &c.accounts {
                if let Some(d) = of[a as usize] {
                    *shared.entry(d).or_default() += 1;
                }
            }
            shared
                .into_iter()
                .map(|(d, k)| jaccard(k, c.accounts.len(), other[d as usize].accounts.len()))
                .fold(0.0, f64::max)
        })
        .collect()
}

/// `|A ∩ B| / |A ∪ B|` from the intersection's and the sets' sizes.
fn jaccard(shared: usize, a: usize, b: usize) -> f64 {
    shared as f64 / (a + b - shared) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn cluster(id: u32, accounts: &[u32]) -> Cluster {
        Cluster { id, accounts: accounts.to_vec(), edges: Vec::new(), cut_from: None }
    }

    /// The oracle: every pair of clusters, sets intersected and united.
    fn best_overlap_by_sets(reference: &[Cluster], other: &[Cluster]) -> Vec<f64> {
        reference
            .iter()
            .map(|c| {
                let a: BTreeSet<u32> = c.accounts.iter().copied().collect();
                other
                    .iter()
                    .map(|d| {
                        let b: BTreeSet<u32> = d.accounts.iter().copied().collect();
                        a.intersection(&b).count() as f64 / a.union(&b).count() as f64
                    })
                    .fold(0.0, f64::max)
            })
            .collect()
    }

    /// Disjoint clusters over accounts `0..n`: each account in at most one.
    fn clusters(n: u32) -> impl Strategy<Value = Vec<Cluster>> {
        proptest::collection::vec(proptest::option::of(0u32..6), n as usize).prop_map(|labels| {
            let mut by: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
            for (a, l) in labels.into_iter().enumerate() {
                if let Some(l) = l {
                    by.entry(l).or_default().push(a as u32);
                }
            }
            by.into_values().enumerate().map(|(i, a)| cluster(i as u32 + 1, &a)).collect()
        })
    }

    proptest! {
        #[test]
        fn best_overlap_matches_the_oracle(r in clusters(40), o in clusters(40)) {
            prop_assert_eq!(best_overlap(&r, &o, 40), best_overlap_by_sets(&r, &o));
        }
    }

    #[test]
    fn held_mean_and_weakest() {
        let r = [cluster(1, &[0, 1, 2, 3])];
        let same = best_overlap(&r, &[cluster(1, &[0, 1, 2, 3])], 8);
        let grown = best_overlap(&r, &[cluster(1, &[0, 1, 2, 3, 4, 5])], 8);
        let split = best_overlap(&r, &[cluster(1, &[0, 1]), cluster(2, &[2, 3])], 8);
        let gone = best_overlap(&r, &[cluster(1, &[6, 7])], 8);
        assert_eq!([same[0], grown[0], split[0], gone[0]], [1.0, 4.0 / 6.0, 0.5, 0.0]);
        let setting = |window_us, reference, overlap: Vec<f64>| Setting {
            window_us,
            min_weight: 2,
            fdr: None,
            reference,
            edges: 0,
            accounts: 0,
            clusters: 0,
            overlap,
        };
        let sweep = Sweep {
            settings: vec![
                setting(10, false, split),
                setting(60, true, same),
                setting(120, false, grown),
                setting(300, false, gone),
            ],
        };
        assert_eq!(sweep.held(0), 2, "a split in halves still holds; gone does not");
        assert!((sweep.mean_overlap(0) - (0.5 + 4.0 / 6.0) / 3.0).abs() < 1e-12);
        assert_eq!(sweep.weakest(0).map(|s| s.window_us), Some(300));
        assert_eq!(Sweep::default().mean_overlap(0), 1.0);
    }
}
