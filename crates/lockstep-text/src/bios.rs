//! Near-duplicate bios: accounts whose profile descriptions are edited
//! copies of one template, a sign of accounts made in one batch. The same
//! normaliser, words and clustering as the `near_text` layer.

use crate::lsh::{near_duplicates, LshParams, NearConfig};
use crate::near_text::NearTextConfig;
use crate::normalize::normalize_exact;
use crate::sets::{jaccard, token_hash, TokenSets};
use crate::tokens::words;
use lockstep_model::Dataset;

/// Accounts with near-duplicate bios.
#[derive(Debug, Clone, PartialEq)]
pub struct BioClusters {
    /// Accounts with a bio.
    pub accounts_with_bio: u64,
    /// Bios with fewer than `min_tokens` words, left out.
    pub too_short: u64,
    /// Candidate comparisons made.
    pub comparisons: u64,
    /// Clusters of at least two accounts, largest first (ties: by first
    /// account id): `(account, similarity of its bio with the cluster's
    /// first)`, in account order.
    pub clusters: Vec<Vec<(u32, f64)>>,
    /// The banding used.
    pub lsh: LshParams,
}

/// Clusters the accounts of `ds` by near-duplicate bios (`cfg`'s
/// threshold, minimum words and emoji rule).
pub fn near_duplicate_bios(ds: &Dataset, cfg: &NearTextConfig) -> BioClusters {
    // Accounts that act: an export's referents are not the population.
    let acting = ds.acting();
    let with_bio: Vec<u32> = (0..ds.account_meta.bio.len() as u32)
        .filter(|&a| acting.get(a as usize).copied().unwrap_or(false))
        .filter(|&a| ds.account_meta.bio[a as usize].is_some())
        .collect();
    let mut sets = TokenSets::default();
    let mut buf = Vec::new();
    for &a in &with_bio {
        let bio = normalize_exact(ds.account_meta.bio[a as usize].as_deref().unwrap_or_default());
        buf.clear();
        buf.extend(words(&bio, cfg.emoji).map(token_hash));
        sets.push_unsorted(&mut buf);
    }
    let lsh = LshParams::for_threshold(cfg.threshold);
    let near =
        NearConfig { threshold: cfg.threshold, min_tokens: cfg.min_tokens, lsh, seed: cfg.seed };
    let found = near_duplicates(&sets, &near);
    let mut by_rep: std::collections::BTreeMap<u32, Vec<(u32, f64)>> = Default::default();
    for (i, &r) in found.representative.iter().enumerate() {
        if sets.get(i).len() >= cfg.min_tokens.max(1) {
            let sim = jaccard(sets.get(r as usize), sets.get(i));
            by_rep.entry(r).or_default().push((with_bio[i], sim));
        }
    }
    let mut clusters: Vec<Vec<(u32, f64)>> = by_rep.into_values().filter(|c| c.len() > 1).collect();
    clusters.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].0.cmp(&b[0].0)));
    BioClusters {
        accounts_with_bio: with_bio.len() as u64,
        too_short: found.too_short,
        comparisons: found.comparisons,
        clusters,
        lsh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockstep_model::{AccountField, DatasetBuilder};

    #[test]
    fn templated_bios_cluster() {
        let mut b = DatasetBuilder::default();
        let bios = [
            ("a", "Proud patriot. Father of two. Love my country and my family 🇺🇸 #MAGA"),
            ("b", "Proud patriot. Mother of two. Love my country and my family 🇺🇸 #MAGA"),
            ("c", "Data scientist, coffee addict, cyclist on weekends and amateur baker"),
            ("d", "proud patriot, father of two, love my country & my family #maga"),
            ("e", "hi"),
        ];
        for (name, bio) in bios {
            b.push_action(lockstep_model::ActionInput {
                account: name,
                object: "o",
                layer: lockstep_model::Layer::Url,
                content: name,
                time_us: 0,
                platform: "",
            });
            let (row, meta) = b.account_meta("", name);
            meta.set_text(row, AccountField::Bio, bio);
        }
        // A referent: described by the export, acting in it never.
        let (row, meta) = b.account_meta("", "quoted");
        meta.set_text(
            row,
            AccountField::Bio,
            "Proud patriot. Father of two. Love my country and my family",
        );
        let ds = b.finish();
        let c = near_duplicate_bios(&ds, &NearTextConfig::default());
        assert_eq!(c.accounts_with_bio, 5);
        assert_eq!(c.too_short, 1);
        assert_eq!(c.clusters.len(), 1);
        let members: Vec<&str> = c.clusters[0].iter().map(|&(a, _)| ds.account_name(a)).collect();
        assert_eq!(members, ["a", "b", "d"]);
        assert_eq!(c.clusters[0][0].1, 1.0);
        assert!(c.clusters[0][1].1 >= 0.8 && c.clusters[0][1].1 < 1.0);
    }
}
