//! Early warning: an account factory at work before the tested rule can
//! say anything.
//!
//! The tested rule compares a pair with the same accounts shifted by whole
//! days, so it needs days of activity. In the first minutes of an
//! operation there is another sign, of who acts rather than of how often:
//! the accounts that acted on one object within the window, in the stream's
//! latest stretch, include a batch created within [`BATCH_DAYS`] days of
//! one another, and a shared handle shape, each far beyond what the
//! horizon's own accounts make likely. Organic crowds (fans, readers of
//! breaking news) come from every year and every kind of handle; a factory's
//! accounts do not.
//!
//! A group is raised when both tails, Bonferroni-corrected over the groups
//! tried, are at most [`ALPHA`]: a binomial upper tail of the batch against
//! the share of the horizon's acting accounts created in that window (times
//! the accounts tried as window starts), and one of the commonest handle
//! shape against its share among the horizon's handles. It is a warning,
//! not a finding: said as such, and not written as a moderation report.

use lockstep_fingerprint::{
    batch_share, binomial_tail, handle_template, largest_batch, Background,
};
use lockstep_model::Dataset;
use std::collections::{BTreeSet, HashMap};

/// The groups warned of so far. A factory's accounts act in a different
/// subset at each order, so a group is the one warned of when it shares
/// [`crate::alerts::SAME`] of the smaller's accounts with the union of the
/// groups that matched it before: one warning per factory, not per order.
#[derive(Debug, Clone, Default)]
pub struct Warned {
    known: Vec<BTreeSet<String>>,
}

impl Warned {
    /// Whether a group of these accounts is new; remembered either way.
    pub fn is_new(&mut self, accounts: &BTreeSet<String>) -> bool {
        let same = |k: &BTreeSet<String>| {
            let smaller = k.len().min(accounts.len()).max(1) as f64;
            k.intersection(accounts).count() as f64 >= crate::alerts::SAME * smaller
        };
        match self.known.iter_mut().find(|k| same(k)) {
            Some(k) => {
                k.extend(accounts.iter().cloned());
                false
            }
            None => {
                self.known.push(accounts.clone());
                true
            }
        }
    }
}

/// The fewest co-actors of one object a group is tried with.
pub const MIN_ACCOUNTS: usize = 5;

/// Co-actions kept per group as its evidence.
pub const EVIDENCE: usize = 20;

/// The largest corrected tail a group is raised with.
pub const ALPHA: f64 = 1e-6;

/// A group raised early: co-actors of one object, or of several whose
/// groups share at least [`crate::alerts::SAME`] of the smaller's accounts
/// (a factory's accounts repost, link and tag in one order).
#[derive(Debug, Clone, PartialEq)]
pub struct EarlyGroup {
    /// The objects they acted on, by their first co-action.
    pub objects: Vec<u32>,
    /// Its co-actors in the stretch (account ids, ascending).
    pub accounts: Vec<u32>,
    /// The earliest of their co-actions in the stretch.
    pub first_us: i64,
    /// The first co-actions (older and newer action rows), the evidence.
    pub pairs: Vec<(usize, usize)>,
    /// Co-actors with a creation date.
    pub with_creation: usize,
    /// The most of them created within [`lockstep_fingerprint::BATCH_DAYS`].
    pub batch: usize,
    /// How many the horizon's creation dates put in that window.
    pub batch_expected: f64,
    /// The corrected tail of the batch.
    pub batch_p: f64,
    /// Co-actors with a handle.
    pub with_handle: usize,
    /// The commonest handle shape among them.
    pub template: String,
    /// How many of them have it.
    pub template_count: usize,
    /// The shape's share among the horizon's handles.
    pub template_background: f64,
    /// The corrected tail of the shape.
    pub template_p: f64,
}

impl EarlyGroup {
    /// What was seen, in words.
    pub fn explain(&self) -> String {
        format!(
            "{} accounts acted on the same {} within the window; {} of the {} with a creation date were created within {} days ({:.1} expected from this stream's accounts, p {:.1e}), and {} of the {} with a handle share the shape \"{}\" ({:.1}% of this stream's handles, p {:.1e}). A warning, not a finding: whether they act together beyond chance is tested once they have acted on several days.",
            self.accounts.len(),
            if self.objects.len() == 1 {
                "object".to_string()
            } else {
                format!("{} objects", self.objects.len())
            },
            self.batch,
            self.with_creation,
            lockstep_fingerprint::BATCH_DAYS,
            self.batch_expected,
            self.batch_p,
            self.template_count,
            self.with_handle,
            self.template,
            100.0 * self.template_background,
            self.template_p,
        )
    }
}

/// The groups of co-actors of one object in the stream since `since_us`
/// (accounts with an action within `window_us` of another's on it, the
/// later after `since_us`; an earlier partner from before `since_us` may be
/// left out when another action came between) that look made together. Co-actors are taken
/// from the actions, before any rule on how often a pair co-acts: in an
/// operation's first minutes, each pair has co-acted once.
pub fn early_groups(ds: &Dataset, since_us: i64, window_us: i64) -> Vec<EarlyGroup> {
    let t = &ds.actions;
    let m = &ds.account_meta;
    let from = since_us.saturating_sub(window_us);
    let mut rows: Vec<usize> = (0..t.len()).filter(|&r| t.time_us[r] > from).collect();
    rows.sort_unstable_by_key(|&r| (t.object[r], t.time_us[r], r));
    let mut groups: Vec<Candidate> = Vec::new();
    for same in rows.chunk_by(|&x, &y| t.object[x] == t.object[y]) {
        let pairs = co_actions(same, &t.account, &t.time_us, since_us, window_us);
        let mut accounts: Vec<u32> =
            pairs.iter().flat_map(|&(a, b)| [t.account[a], t.account[b]]).collect();
        accounts.sort_unstable();
        accounts.dedup();
        if accounts.len() >= MIN_ACCOUNTS {
            let first_us = pairs.iter().map(|&(a, _)| t.time_us[a]).min().unwrap_or(i64::MAX);
            let pairs = pairs.into_iter().take(EVIDENCE).collect();
            groups.push(Candidate { object: t.object[same[0]], accounts, first_us, pairs });
        }
    }
    if groups.is_empty() {
        return Vec::new();
    }
    groups.sort_unstable_by_key(|g| (g.first_us, g.object));
    // The horizon's acting accounts are the background, as for clusters'
    // fingerprints.
    let Background { created, templates, handles } = Background::of(ds, &ds.acting());
    if created.is_empty() || handles == 0 {
        return Vec::new();
    }
    let tried = groups.len() as f64;
    let mut out = Vec::new();
    for Candidate { object, accounts, first_us, pairs } in groups {
        let mut dates: Vec<i64> =
            accounts.iter().filter_map(|&a| m.created_at_us[a as usize]).collect();
        dates.sort_unstable();
        let (batch, start) = largest_batch(&dates);
        let Some(start) = start.filter(|_| batch >= MIN_ACCOUNTS) else { continue };
        let share = batch_share(&created, start);
        let batch_p =
            (binomial_tail(dates.len(), share, batch) * dates.len() as f64 * tried).min(1.0);
        let mut shapes: HashMap<String, usize> = HashMap::new();
        let mut with_handle = 0;
        for &a in &accounts {
            if let Some(h) = &m.handle[a as usize] {
                *shapes.entry(handle_template(h)).or_default() += 1;
                with_handle += 1;
            }
        }
        let Some((template, count)) =
            shapes.into_iter().max_by(|x, y| x.1.cmp(&y.1).then_with(|| y.0.cmp(&x.0)))
        else {
            continue;
        };
        let background = templates.get(&template).copied().unwrap_or(0) as f64 / handles as f64;
        let template_p = (binomial_tail(with_handle, background, count) * tried).min(1.0);
        if batch_p <= ALPHA && template_p <= ALPHA {
            out.push(EarlyGroup {
                objects: vec![object],
                accounts,
                first_us,
                pairs,
                with_creation: dates.len(),
                batch,
                batch_expected: share * dates.len() as f64,
                batch_p,
                with_handle,
                template,
                template_count: count,
                template_background: background,
                template_p,
            });
        }
    }
    merge(out)
}

/// Of one object's actions (`rows`, in time order), each action after
/// `since_us` with the latest earlier action by another account within
/// `window_us`, as (earlier, later) rows. Linear however one account
/// repeats itself; the accounts in these pairs are those of every pair of
/// different accounts within the window whose later action is after
/// `since_us` and whose earlier one is the latest before it by another
/// account (with `since_us` before every action: of every such pair).
pub fn co_actions(
    rows: &[usize],
    account: &[u32],
    time_us: &[i64],
    since_us: i64,
    window_us: i64,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    // The latest earlier action by another account, carried along: every
    // account with a later partner within the window is some action's
    // such predecessor (of the first action by another account after its
    // own).
    let mut other: Option<usize> = None;
    for (i, &b) in rows.iter().enumerate() {
        if i > 0 && account[rows[i - 1]] != account[b] {
            other = Some(rows[i - 1]);
        }
        if time_us[b] <= since_us {
            continue;
        }
        if let Some(a) = other.filter(|&a| time_us[b] - time_us[a] <= window_us) {
            out.push((a, b));
        }
    }
    out
}

/// Co-actors of one object, before the tests.
struct Candidate {
    object: u32,
    accounts: Vec<u32>,
    first_us: i64,
    pairs: Vec<(usize, usize)>,
}

/// Groups that share accounts as one cluster would, put together in the
/// order of their first co-action: one warning per factory at work, not
/// one per object it touched.
fn merge(groups: Vec<EarlyGroup>) -> Vec<EarlyGroup> {
    let mut out: Vec<EarlyGroup> = Vec::new();
    for g in groups {
        let shared = |o: &EarlyGroup| {
            let common = g.accounts.iter().filter(|a| o.accounts.binary_search(a).is_ok()).count();
            common as f64 >= crate::alerts::SAME * g.accounts.len().min(o.accounts.len()) as f64
        };
        match out.iter_mut().find(|o| shared(o)) {
            Some(o) => {
                o.objects.extend(&g.objects);
                o.accounts.extend(&g.accounts);
                let room = EVIDENCE.saturating_sub(o.pairs.len());
                o.pairs.extend(g.pairs.iter().take(room));
                o.accounts.sort_unstable();
                o.accounts.dedup();
                o.first_us = o.first_us.min(g.first_us);
                // The strongest group's tails and shape speak for it.
                if g.batch_p.max(g.template_p) < o.batch_p.max(o.template_p) {
                    let (objects, accounts, first_us) = (
                        std::mem::take(&mut o.objects),
                        std::mem::take(&mut o.accounts),
                        o.first_us,
                    );
                    *o = EarlyGroup { objects, accounts, first_us, ..g };
                }
            }
            None => out.push(g),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The co-actors found in one pass are those of every pair.
        #[test]
        fn one_pass_finds_every_pairs_co_actors(
            actions in prop::collection::vec((0..6u32, 0..400i64), 0..60),
            window in 1..120i64,
        ) {
            let mut actions = actions;
            actions.sort_by_key(|&(_, t)| t);
            let account: Vec<u32> = actions.iter().map(|a| a.0).collect();
            let time: Vec<i64> = actions.iter().map(|a| a.1).collect();
            let rows: Vec<usize> = (0..actions.len()).collect();
            let mut fast: Vec<u32> = co_actions(&rows, &account, &time, i64::MIN, window)
                .into_iter()
                .flat_map(|(a, b)| [account[a], account[b]])
                .collect();
            fast.sort_unstable();
            fast.dedup();
            let mut every: Vec<u32> = Vec::new();
            for i in 0..rows.len() {
                for j in 0..i {
                    if account[i] != account[j] && time[i] - time[j] <= window {
                        every.extend([account[i], account[j]]);
                    }
                }
            }
            every.sort_unstable();
            every.dedup();
            prop_assert_eq!(fast, every);
        }
    }
}
