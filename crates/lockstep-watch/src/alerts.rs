//! Which clusters are new, and which have grown, since the last look.
//!
//! A cluster of this look is the same as one of an earlier look when at
//! least [`SAME`] of the smaller one's accounts are in the other (a cluster
//! that gains or loses accounts is still itself, however many it gains). One that matches
//! none, and is worth raising, has *appeared*; one whose accounts reach
//! [`GROWTH`] times what they were when it was last raised has *grown*. Each is raised once per step, so that a moderator is told
//! of a cluster when it forms and again when it has grown, not at every
//! refresh.

use std::collections::BTreeSet;

/// The least share of the smaller of two looks' accounts in the other for
/// them to be one cluster.
pub const SAME: f64 = 0.5;

/// How much a raised cluster must grow to be raised again.
pub const GROWTH: f64 = 1.5;

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A cluster no earlier look had.
    Appeared,
    /// A raised cluster that now has [`GROWTH`] times the accounts it had
    /// when last raised (that many, here).
    Grew {
        /// Its accounts when last raised.
        from: usize,
    },
}

impl Change {
    /// The word in `alerts.jsonl`.
    pub fn name(self) -> &'static str {
        match self {
            Change::Appeared => "appeared",
            Change::Grew { .. } => "grew",
        }
    }
}

#[derive(Debug, Clone)]
struct Known {
    accounts: BTreeSet<String>,
    raised_with: usize,
}

/// The clusters seen so far.
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    known: Vec<Known>,
}

/// The share of the smaller set's accounts that are in the other.
fn overlap(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / smaller as f64
}

impl Tracker {
    /// Takes this look's clusters (each a set of account names, and
    /// whether it is worth raising) and gives, per cluster, what changed
    /// (`None`: nothing to raise). A cluster not worth raising is still
    /// remembered, so that it is raised as *appeared* when it becomes so.
    pub fn look(&mut self, clusters: &[(BTreeSet<String>, bool)]) -> Vec<Option<Change>> {
        let mut out = Vec::with_capacity(clusters.len());
        let mut next = Vec::with_capacity(clusters.len());
        for (accounts, worth) in clusters {
            let best = self
                .known
                .iter()
                .map(|k| (overlap(&k.accounts, accounts), k))
                .filter(|(j, _)| *j >= SAME)
                .max_by(|x, y| x.0.total_cmp(&y.0));
            let (change, raised_with) = match best {
                None | Some((_, Known { raised_with: 0, .. })) if *worth => {
                    (Some(Change::Appeared), accounts.len())
                }
                None => (None, 0),
                Some((_, k)) if *worth && k.raised_with > 0 => {
                    if accounts.len() as f64 >= GROWTH * k.raised_with as f64 {
                        (Some(Change::Grew { from: k.raised_with }), accounts.len())
                    } else {
                        (None, k.raised_with)
                    }
                }
                Some((_, k)) => (None, k.raised_with),
            };
            out.push(change);
            next.push(Known { accounts: accounts.clone(), raised_with });
        }
        // Clusters of earlier looks that none of this look's matches are
        // kept: one that dissolves and forms again is not new.
        for k in std::mem::take(&mut self.known) {
            if !next.iter().any(|n| overlap(&k.accounts, &n.accounts) >= SAME) {
                next.push(k);
            }
        }
        self.known = next;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_cluster_is_raised_when_it_forms_and_when_it_has_grown() {
        let mut t = Tracker::default();
        let small = set(&["a", "b"]);
        // Not worth raising yet: remembered, not raised.
        assert_eq!(t.look(&[(small.clone(), false)]), [None]);
        assert_eq!(t.look(&[(small.clone(), true)]), [Some(Change::Appeared)]);
        assert_eq!(t.look(&[(small.clone(), true)]), [None], "once");
        let three = set(&["a", "b", "c"]);
        assert_eq!(t.look(&[(three, true)]), [Some(Change::Grew { from: 2 })]);
        let four = set(&["a", "b", "c", "d"]);
        assert_eq!(t.look(&[(four.clone(), true)]), [None], "not yet 1.5 times 3");
        // However much it gains, it is the cluster it was.
        let nine: BTreeSet<String> = (0..9).map(|i| format!("{i}")).chain(four.clone()).collect();
        assert_eq!(t.look(&[(nine, true)]), [Some(Change::Grew { from: 3 })]);
        // Part of it, and another group of accounts, another cluster.
        let other = set(&["x", "y"]);
        assert_eq!(t.look(&[(four, true), (other, true)]), [None, Some(Change::Appeared)]);
        // Gone for a look and back: not new.
        assert_eq!(t.look(&[]), Vec::<Option<Change>>::new());
        assert_eq!(t.look(&[(set(&["x", "y"]), true)]), [None]);
    }
}
