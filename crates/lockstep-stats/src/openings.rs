//! Openings: what an object's birth explains.
//!
//! A celebrity posts and a thousand fans retweet her within seconds;
//! breaking news is shared by thousands within minutes; a post is
//! retweeted by a few of its author's friends within the quarter hour. The
//! accounts reacting to an object's birth meet within the window of each
//! other as often as the reaction's own spread makes them: everyone, in a
//! fan burst; now and then, among friends who take minutes. The day-shift
//! null breaks their alignment with the object, so it calls every such
//! meeting aligned; the partner null weighs volumes, which a fan club or
//! a circle of friends exceeds.
//!
//! **The opening.** An object's opening is its first action and every
//! action within [`OPENING_US`] (an hour) of it, and on while actions keep
//! coming within the window of the one before (so a burst is never cut):
//! the reaction to its birth. An operation that pushes a post hours after
//! it appeared, or a tag at noon, acts outside it.
//!
//! **The null inside it.** Two accounts whose actions on the object are in
//! its opening are judged by the opening itself: its action times are
//! kept and who holds which is random, so the chance that they land within
//! the window of each other is at most `ρ = min(1, n_a n_b P / C(n, 2))`
//! for `n_a` and `n_b` actions among the opening's `n`, of which `P` pairs
//! are within the window (a union bound, exact for one action each). A
//! burst in which everyone is within seconds gives `ρ = 1`; four friends
//! who retweet over a quarter of an hour give about a sixth. The day-shift
//! test takes, per shared object, the larger of its `π_o` and `ρ`: a pair
//! gains nothing from meeting where the opening's spread says anyone
//! would, and is judged by the day shift as before where it met later.
//!
//! **Unless a small group acted at once.** A crowd at once is large: an
//! opening of fewer than [`CROWD`] actions most of whose pairs are within
//! the window is a small group acting together on a post as it appears,
//! the signature of an order carried out, and explains nothing (`ρ = 0`):
//! the day shift judges it. A small opening that is spread (friends
//! taking minutes) and a crowd (fans within seconds) explain as above.
//!
//! **What it cannot see.** A group of more than [`CROWD`] accounts that
//! pushes its own posts at once, or a small one that spreads its actions
//! over many windows, is explained here, and is found only by its
//! meetings elsewhere (yesterday's popular posts, the day's tags), by the
//! partner test's volumes and by its fingerprints; see docs/detect.md.

use lockstep_detect::DetectConfig;
use lockstep_model::Dataset;
use rayon::prelude::*;

/// How long after an object's first action its opening lasts at least.
pub const OPENING_US: i64 = 3_600_000_000;

/// The fewest actions of an opening that is a crowd: above the few
/// hundred of a factory's order, below the thousands of a platform's
/// bursts.
pub const CROWD: u32 = 500;

/// Every object's opening (module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Openings {
    /// Per object, the time of the opening's last action.
    end: Vec<i64>,
    /// Per object, the opening's actions.
    size: Vec<u32>,
    /// Per object, the opening's pairs of actions within the window.
    close: Vec<u64>,
    /// Per object, the widest reach of its layer (the window its meetings
    /// are judged at).
    window: Vec<i64>,
}

impl Openings {
    /// Every object's opening in `ds`, for pairs within the widest reach
    /// `cfg` gives the object's layer. The slow window's rank bound is not
    /// applied: an opening's pairs are counted as if every pair within
    /// reach paired, which makes `ρ` larger (towards chance) and, for a
    /// small opening, the share that decides "at once" larger too.
    pub fn of(ds: &Dataset, cfg: &DetectConfig) -> Openings {
        let t = &ds.actions;
        let n_objects = ds.objects.len();
        let mut start = vec![0usize; n_objects + 1];
        for &o in &t.object {
            start[o as usize + 1] += 1;
        }
        for i in 0..n_objects {
            start[i + 1] += start[i];
        }
        let mut time = vec![0i64; t.len()];
        let mut next = start.clone();
        for (r, &o) in t.object.iter().enumerate() {
            time[next[o as usize]] = t.time_us[r];
            next[o as usize] += 1;
        }
        drop(next);
        let mut slices: Vec<&mut [i64]> = Vec::with_capacity(n_objects);
        let mut rest = time.as_mut_slice();
        for o in 0..n_objects {
            let (a, b) = std::mem::take(&mut rest).split_at_mut(start[o + 1] - start[o]);
            slices.push(a);
            rest = b;
        }
        let window: Vec<i64> =
            (0..n_objects as u32).map(|o| cfg.reach(ds.object_layer(o)).widest_us()).collect();
        let per_object: Vec<(i64, u32, u64)> = slices
            .into_par_iter()
            .enumerate()
            .map(|(o, times)| {
                let window_us = window[o];
                times.sort_unstable();
                let n = opening_len(times, window_us);
                let opening = &times[..n];
                let (mut lo, mut close) = (0, 0u64);
                for j in 0..opening.len() {
                    while opening[j] - opening[lo] > window_us {
                        lo += 1;
                    }
                    close += (j - lo) as u64;
                }
                (opening.last().copied().unwrap_or(i64::MIN), n as u32, close)
            })
            .collect();
        Openings {
            end: per_object.iter().map(|p| p.0).collect(),
            size: per_object.iter().map(|p| p.1).collect(),
            close: per_object.iter().map(|p| p.2).collect(),
            window,
        }
    }

    /// The window `object`'s meetings are judged at: the widest reach of
    /// its layer.
    pub fn window(&self, object: u32) -> i64 {
        self.window[object as usize]
    }

    /// The actions of `times` (one account's on `object`, in order) that
    /// are in the object's opening.
    pub fn in_opening(&self, object: u32, times: &[i64]) -> usize {
        times.partition_point(|&t| t <= self.end[object as usize])
    }

    /// `ρ` for two accounts with `na` and `nb` actions in `object`'s
    /// opening (module docs); 0 when either has none there, or when the
    /// opening is a small group acting at once.
    pub fn rho(&self, object: u32, na: usize, nb: usize) -> f64 {
        let size = self.size[object as usize];
        if na == 0 || nb == 0 || size < 2 {
            return 0.0;
        }
        let n = size as f64;
        let share = self.close[object as usize] as f64 / (n * (n - 1.0) / 2.0);
        if size < CROWD && share >= 0.5 {
            return 0.0;
        }
        (na as f64 * nb as f64 * share).min(1.0)
    }

    /// The opening's actions and its pairs within the window.
    pub fn opening(&self, object: u32) -> (u32, u64) {
        (self.size[object as usize], self.close[object as usize])
    }
}

/// The opening's length among `times` (sorted): every time within
/// [`OPENING_US`] of the first, and on while each is within `window_us` of
/// the one before.
pub fn opening_len(times: &[i64], window_us: i64) -> usize {
    let mut n = times.len().min(1);
    while n < times.len()
        && (times[n] - times[0] <= OPENING_US || times[n] - times[n - 1] <= window_us)
    {
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockstep_model::{ActionInput, DatasetBuilder, Layer};
    use proptest::prelude::*;

    fn dataset(actions: &[(u8, u8, i64)]) -> Dataset {
        let mut b = DatasetBuilder::default();
        for (k, &(account, object, t)) in actions.iter().enumerate() {
            b.push_action(ActionInput {
                account: &format!("a{account}"),
                object: &format!("o{object}"),
                layer: Layer::Repost,
                content: &format!("p{k}"),
                time_us: t,
                platform: "",
            });
        }
        b.finish()
    }

    #[test]
    fn a_burst_and_a_slow_reaction_are_openings_and_a_late_meeting_is_not() {
        // o0: 600 fans within 24 s. o1: a post shared every 5 minutes for
        // half an hour, then two accounts 10 s apart three hours later. o2:
        // a group of ten within 20 s, no crowd.
        let mut rows = Vec::new();
        for k in 0..600i64 {
            rows.push(((k % 200) as u8, 0u8, k * 40_000));
        }
        for k in 0..7i64 {
            rows.push((k as u8, 1u8, k * 300_000_000));
        }
        rows.extend([(100, 1, 10_800_000_000), (101, 1, 10_810_000_000)]);
        for k in 0..10i64 {
            rows.push((k as u8, 2u8, k * 2_000_000));
        }
        let ds = dataset(&rows);
        let c = Openings::of(&ds, &DetectConfig::default());
        assert_eq!(c.opening(0), (600, 179_700));
        assert_eq!(c.rho(0, 1, 1), 1.0);
        // Seven shares five minutes apart: none within the window.
        assert_eq!(c.opening(1), (7, 0));
        assert_eq!(c.in_opening(1, &[10_800_000_000]), 0);
        assert_eq!(c.rho(1, 0, 1), 0.0);
        assert_eq!(c.opening(2), (10, 45));
        assert_eq!(c.rho(2, 1, 1), 0.0, "a small group at once explains nothing");
    }

    proptest! {
        /// The opening against its definition, its pairs counted one by
        /// one.
        #[test]
        fn openings_equal_their_definition(
            rows in proptest::collection::vec((0u8..8, 0u8..3, 0i64..20_000_000_000), 1..60),
            window in 0i64..4_000_000_000,
        ) {
            let ds = dataset(&rows);
            let c = Openings::of(&ds, &DetectConfig { window_us: window, ..Default::default() });
            for o in 0..ds.objects.len() as u32 {
                let mut times: Vec<i64> = (0..ds.actions.len())
                    .filter(|&r| ds.actions.object[r] == o)
                    .map(|r| ds.actions.time_us[r])
                    .collect();
                times.sort_unstable();
                // The longest prefix whose every time is within the hour of
                // the first or within the window of the one before.
                let n = (1..=times.len())
                    .rev()
                    .find(|&n| {
                        (1..n).all(|k| {
                            times[k] - times[0] <= OPENING_US || times[k] - times[k - 1] <= window
                        })
                    })
                    .unwrap();
                let mut pairs = 0u64;
                for i in 0..n {
                    for j in i + 1..n {
                        if times[j] - times[i] <= window {
                            pairs += 1;
                        }
                    }
                }
                prop_assert_eq!(c.opening(o), (n as u32, pairs));
                prop_assert_eq!(c.in_opening(o, &times), n);
                let rho = c.rho(o, 1, 1);
                prop_assert!((0.0..=1.0).contains(&rho));
            }
        }
    }
}
