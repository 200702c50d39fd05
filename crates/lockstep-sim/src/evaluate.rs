//! Scores a run's clusters against a scenario's ground truth: account-level
//! precision, recall and F1 (an account is flagged when it is in a
//! cluster), recall per campaign, false positives by role, and the adjusted
//! Rand index between the clusters and the campaigns.

use std::collections::{BTreeMap, HashMap};

/// One account of the truth file.
#[derive(Debug, Clone, PartialEq)]
pub struct Truth {
    /// Account id as lockstep names it (`x:1000001`).
    pub account: String,
    /// `organic`, `aggregator`, or an operation's role.
    pub role: String,
    /// The campaign the account belongs to, if any.
    pub campaign: Option<String>,
}

/// One campaign's recall.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignRecall {
    /// Campaign name.
    pub campaign: String,
    /// Its accounts.
    pub members: u64,
    /// Those in a cluster.
    pub flagged: u64,
    /// Distinct clusters its flagged accounts are in.
    pub clusters: u64,
}

/// The scores of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Accounts in a cluster.
    pub flagged: u64,
    /// Accounts in a campaign.
    pub positives: u64,
    /// Flagged accounts in a campaign.
    pub true_positives: u64,
    /// `true_positives / flagged` (1 when nothing is flagged).
    pub precision: f64,
    /// `true_positives / positives` (1 when there is no campaign).
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Per campaign, by name.
    pub campaigns: Vec<CampaignRecall>,
    /// Flagged accounts outside every campaign, by role (`unknown` for
    /// accounts missing from the truth file).
    pub false_positives: BTreeMap<String, u64>,
    /// Adjusted Rand index between clusters and campaigns over the accounts
    /// that are flagged or in a campaign (every other account, on either
    /// side, is a cluster of its own).
    pub ari: f64,
}

/// Scores `clusters` (account → cluster id, for clustered accounts only)
/// against `truth`.
pub fn evaluate(truth: &[Truth], clusters: &HashMap<String, String>) -> Evaluation {
    let by_account: HashMap<&str, &Truth> = truth.iter().map(|t| (t.account.as_str(), t)).collect();
    let positives = truth.iter().filter(|t| t.campaign.is_some()).count() as u64;
    let mut flagged_accounts: Vec<&str> = clusters.keys().map(String::as_str).collect();
    flagged_accounts.sort_unstable();
    let mut true_positives = 0;
    let mut false_positives = BTreeMap::new();
    for a in &flagged_accounts {
        match by_account.get(a) {
            Some(t) if t.campaign.is_some() => true_positives += 1,
            Some(t) => *false_positives.entry(t.role.clone()).or_insert(0) += 1,
            None => *false_positives.entry("unknown".to_string()).or_insert(0) += 1,
        }
    }
    let mut per: BTreeMap<&str, (u64, u64, std::collections::BTreeSet<&str>)> = BTreeMap::new();
    for t in truth {
        if let Some(c) = &t.campaign {
            let e = per.entry(c).or_default();
            e.0 += 1;
            if let Some(cl) = clusters.get(&t.account) {
                e.1 += 1;
                e.2.insert(cl);
            }
        }
    }
    let campaigns = per
        .into_iter()
        .map(|(c, (members, flagged, cls))| CampaignRecall {
            campaign: c.to_string(),
            members,
            flagged,
            clusters: cls.len() as u64,
        })
        .collect();
    // Labels over flagged ∪ campaign accounts; singletons get fresh labels.
    let mut universe: Vec<&str> = flagged_accounts.clone();
    universe.extend(truth.iter().filter(|t| t.campaign.is_some()).map(|t| t.account.as_str()));
    universe.sort_unstable();
    universe.dedup();
    let mut names: HashMap<String, u64> = HashMap::new();
    let mut label = |key: String| {
        let n = names.len() as u64;
        *names.entry(key).or_insert(n)
    };
    let (mut truth_labels, mut cluster_labels) = (Vec::new(), Vec::new());
    for a in &universe {
        let campaign = by_account.get(a).and_then(|t| t.campaign.as_deref());
        truth_labels.push(label(match campaign {
            Some(c) => format!("campaign {c}"),
            None => format!("alone {a}"),
        }));
        cluster_labels.push(label(match clusters.get(*a) {
            Some(c) => format!("cluster {c}"),
            None => format!("unclustered {a}"),
        }));
    }
    let flagged = flagged_accounts.len() as u64;
    let precision = if flagged == 0 { 1.0 } else { true_positives as f64 / flagged as f64 };
    let recall = if positives == 0 { 1.0 } else { true_positives as f64 / positives as f64 };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Evaluation {
        flagged,
        positives,
        true_positives,
        precision,
        recall,
        f1,
        campaigns,
        false_positives,
        ari: adjusted_rand_index(&truth_labels, &cluster_labels),
    }
}

fn pairs(n: u64) -> f64 {
    n as f64 * (n as f64 - 1.0) / 2.0
}

/// The adjusted Rand index of two labellings of the same items (Hubert and
/// Arabie): 1 for identical partitions, about 0 for independent ones. Two
/// partitions into singletons (no pair either way) score 1.
pub fn adjusted_rand_index(a: &[u64], b: &[u64]) -> f64 {
    assert_eq!(a.len(), b.len(), "labellings of different lengths");
    let mut cells: HashMap<(u64, u64), u64> = HashMap::new();
    let (mut rows, mut cols): (HashMap<u64, u64>, HashMap<u64, u64>) = Default::default();
    for (&x, &y) in a.iter().zip(b) {
        *cells.entry((x, y)).or_default() += 1;
        *rows.entry(x).or_default() += 1;
        *cols.entry(y).or_default() += 1;
    }
    let index: f64 = cells.values().map(|&n| pairs(n)).sum();
    let sum_a: f64 = rows.values().map(|&n| pairs(n)).sum();
    let sum_b: f64 = cols.values().map(|&n| pairs(n)).sum();
    let expected = if a.len() < 2 { 0.0 } else { sum_a * sum_b / pairs(a.len() as u64) };
    let max = (sum_a + sum_b) / 2.0;
    if max == expected {
        return 1.0;
    }
    (index - expected) / (max - expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ari_known_values() {
        // scikit-learn's documented examples.
        assert_eq!(adjusted_rand_index(&[0, 0, 1, 1], &[1, 1, 0, 0]), 1.0);
        let v = adjusted_rand_index(&[0, 0, 0, 1, 1, 1], &[0, 0, 1, 1, 2, 2]);
        assert!((v - 0.242_424_242_424_242_4).abs() < 1e-12, "{v}");
        let v = adjusted_rand_index(&[0, 0, 1, 2], &[0, 0, 1, 1]);
        assert!((v - 0.571_428_571_428_571_4).abs() < 1e-12, "{v}");
        assert!(adjusted_rand_index(&[0, 0, 0, 0], &[0, 1, 2, 3]).abs() < 1e-12);
    }

    fn t(account: &str, role: &str, campaign: Option<&str>) -> Truth {
        Truth { account: account.into(), role: role.into(), campaign: campaign.map(Into::into) }
    }

    #[test]
    fn scores_a_run() {
        let truth = vec![
            t("a", "farm", Some("farm")),
            t("b", "farm", Some("farm")),
            t("c", "farm", Some("farm")),
            t("d", "slow", Some("slow")),
            t("e", "organic", None),
            t("f", "aggregator", None),
        ];
        let clusters: HashMap<String, String> =
            [("a", "1"), ("b", "1"), ("e", "1"), ("f", "2"), ("z", "2")]
                .into_iter()
                .map(|(a, c)| (a.to_string(), c.to_string()))
                .collect();
        let e = evaluate(&truth, &clusters);
        assert_eq!((e.flagged, e.positives, e.true_positives), (5, 4, 2));
        assert_eq!((e.precision, e.recall), (0.4, 0.5));
        assert!((e.f1 - 4.0 / 9.0).abs() < 1e-12);
        assert_eq!(
            e.campaigns[0],
            CampaignRecall { campaign: "farm".into(), members: 3, flagged: 2, clusters: 1 }
        );
        assert_eq!(e.campaigns[1].flagged, 0);
        let fp: Vec<_> = e.false_positives.iter().map(|(k, &v)| (k.as_str(), v)).collect();
        assert_eq!(fp, [("aggregator", 1), ("organic", 1), ("unknown", 1)]);
        let perfect: HashMap<String, String> = [("a", "x"), ("b", "x"), ("c", "x"), ("d", "y")]
            .into_iter()
            .map(|(a, c)| (a.into(), c.into()))
            .collect();
        let e = evaluate(&truth, &perfect);
        assert_eq!((e.precision, e.recall, e.ari), (1.0, 1.0, 1.0));
        assert!(evaluate(&truth, &HashMap::new()).ari < 1e-12);
    }
}
