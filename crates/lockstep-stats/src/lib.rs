//! Is the synchrony beyond chance? For each account edge: the number of
//! objects the two accounts would co-act on by chance if each kept its own
//! actions and daily rhythm but their alignment were broken, a p-value, and
//! a Benjamini–Hochberg q-value over every pair of accounts that could have
//! had an edge.
//!
//! **The null.** Every action of an account is moved by one whole number of
//! days, circularly within the data's span of `D` whole days: an account
//! keeps its objects, its hours of activity and the gaps between its
//! actions, and the relative offset of two accounts is uniform over the `D`
//! day shifts. For one object `o` shared by accounts `a` and `b`,
//! `π_o` is the share of the `D` relative shifts under which some action of
//! `a` on `o` and some action of `b` on `o` fall within the window: two
//! accounts that both act on a busy object at the same hours get a high
//! `π_o`, and a pair that meets on a burst only by the same shift gets
//! `1 / D`. A pair that met inside the object's opening, the reaction to
//! its birth, gets the larger of `π_o` and the opening's own chance `ρ`
//! ([`openings`]): fans in a burst meet by chance.
//!
//! **The statistic.** The edge's acts (its weight under lockstep
//! semantics, at most its distinct objects); under the null the count is a
//! sum of independent Bernoulli(`π_o`) over their shared objects (objects' alignments taken as independent: the
//! analytic approximation of the whole-account shift, whose expectation is
//! the same; `tests/null.rs` checks it against Monte Carlo replicates of
//! the shift itself). The p-value is the exact Poisson-binomial upper tail.
//!
//! **The family.** Edges exist because the pair co-acted, so correcting over
//! the edges alone would be selective. The hypotheses are every pair of
//! accounts that share an object (counted once per shared object: an upper
//! bound, which keeps the correction conservative); pairs that never
//! co-act have p = 1.
//!
//! **The second null: partners at random.** The day shift breaks the
//! alignment of an account with the objects' timelines, so two fans of one
//! celebrity, who retweet her within a minute of each other because she
//! just posted, look aligned. The second test keeps what the first breaks:
//! every account keeps its co-actions (its strength: the summed weight of
//! its edges, as they were observed, bursts and all), and only who it
//! co-acts with is random, as in the configuration model: the expected
//! weight of pair `(a, b)` is `s_a s_b / 2W` (`W` the total weight) and the
//! p-value is the Poisson upper tail at the observed weight. A fan pair
//! that met on two of the many bursts both joined is expected; a farm pair
//! that meets on dozens of objects is not. Its family is every pair of
//! accounts with an edge. An edge is significant when it passes both tests
//! (the larger of its two q-values).
#![warn(missing_docs)]

pub mod openings;

use lockstep_detect::{DetectConfig, Detection};
use lockstep_model::Dataset;
pub use openings::Openings;
use rayon::prelude::*;

const DAY_US: i64 = 86_400_000_000;

/// Significance of every edge of a detection, in edge order.
#[derive(Debug, Clone, PartialEq)]
pub struct Significance {
    /// Whole days the shifts wrap around.
    pub span_days: u64,
    /// Hypotheses: account pairs that share an object, counted once per
    /// shared object (an upper bound on the distinct pairs).
    pub hypotheses: f64,
    /// Expected weight per edge under the null (the sum of its `π_o`).
    pub expected: Vec<f64>,
    /// p-value per edge.
    pub p_value: Vec<f64>,
    /// Benjamini–Hochberg q-value per edge, over [`Significance::hypotheses`].
    pub q_value: Vec<f64>,
    /// Per edge, the shared objects on which the pair met inside the
    /// object's opening, whose spread then explains the meeting as far as
    /// it can ([`openings`]).
    pub in_openings: Vec<u64>,
    /// The partner test (see the crate docs).
    pub partners: PartnerTest,
}

impl Significance {
    /// The q-value an edge must pass: the larger of its two tests'.
    pub fn q_both(&self, edge: usize) -> f64 {
        self.q_value[edge].max(self.partners.q_value[edge])
    }
}

/// The configuration-model test of every edge: are the two accounts
/// partners more often than their co-action volumes predict?
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerTest {
    /// Hypotheses: pairs of accounts with an edge.
    pub hypotheses: f64,
    /// Expected weight per edge, `s_a s_b / 2W`.
    pub expected: Vec<f64>,
    /// p-value per edge: `P(Poisson(expected) >= weight)`.
    pub p_value: Vec<f64>,
    /// Benjamini–Hochberg q-value per edge.
    pub q_value: Vec<f64>,
}

/// The partner test of `weights` (one per edge, between accounts `a[i]`
/// and `b[i]`, of `accounts` in all).
pub fn partner_test(a: &[u32], b: &[u32], weights: &[u64], accounts: usize) -> PartnerTest {
    let mut strength = vec![0u64; accounts];
    for i in 0..weights.len() {
        strength[a[i] as usize] += weights[i];
        strength[b[i] as usize] += weights[i];
    }
    let total: u64 = weights.iter().sum();
    let with_edges = strength.iter().filter(|&&s| s > 0).count() as f64;
    let hypotheses = with_edges * (with_edges - 1.0) / 2.0;
    let (expected, p_value): (Vec<f64>, Vec<f64>) = (0..weights.len())
        .into_par_iter()
        .map(|i| {
            let e = strength[a[i] as usize] as f64 * strength[b[i] as usize] as f64
                / (2.0 * total as f64);
            (e, poisson_tail(e, weights[i]))
        })
        .unzip();
    let q_value = benjamini_hochberg(&p_value, hypotheses);
    PartnerTest { hypotheses, expected, p_value, q_value }
}

/// `P(X >= k)` for `X ~ Poisson(lambda)`: summed upward from `k` where the
/// tail is small (so that tiny tails keep their precision), as one minus
/// the lower sum otherwise.
pub fn poisson_tail(lambda: f64, k: u64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if lambda <= 0.0 {
        return 0.0;
    }
    let ln_pmf = |j: u64| -> f64 {
        let ln_fact: f64 = (2..=j).map(|x| (x as f64).ln()).sum();
        -lambda + j as f64 * lambda.ln() - ln_fact
    };
    if (k as f64) > lambda {
        // Terms fall from j = k on; stop when they no longer count.
        let mut term = ln_pmf(k).exp();
        let mut sum = 0.0;
        let mut j = k;
        while term > sum * 1e-17 && term > 0.0 {
            sum += term;
            j += 1;
            term *= lambda / j as f64;
        }
        sum.min(1.0)
    } else {
        let mut term = (-lambda).exp();
        let mut lower = 0.0;
        for j in 0..k {
            if j > 0 {
                term *= lambda / j as f64;
            }
            lower += term;
        }
        (1.0 - lower).clamp(0.0, 1.0)
    }
}

/// Who acts on what, counted once for the significance and the IDF
/// weights (both need it, and it is a sort of every action).
#[derive(Debug, Clone, PartialEq)]
pub struct Audience {
    /// Per object, the distinct accounts that acted on it.
    pub accounts_on: Vec<u32>,
    /// Accounts with at least one action.
    pub active_accounts: u64,
}

impl Audience {
    /// Counts `ds`'s distinct (object, account) pairs.
    pub fn of(ds: &Dataset) -> Audience {
        let t = &ds.actions;
        let mut by_object: Vec<(u32, u32)> =
            (0..t.len()).map(|r| (t.object[r], t.account[r])).collect();
        by_object.par_sort_unstable();
        by_object.dedup();
        let mut accounts_on = vec![0u32; ds.objects.len()];
        let mut active = vec![false; ds.accounts.len()];
        for &(o, a) in &by_object {
            accounts_on[o as usize] += 1;
            active[a as usize] = true;
        }
        let active_accounts = active.iter().filter(|&&x| x).count() as u64;
        Audience { accounts_on, active_accounts }
    }

    /// Account pairs that share an object, counted once per shared object.
    pub fn pairs(&self) -> f64 {
        self.accounts_on.iter().map(|&n| f64::from(n) * (f64::from(n) - 1.0) / 2.0).sum()
    }
}

/// The first time and the span in whole days.
fn span(ds: &Dataset) -> (i64, u64) {
    let t = &ds.actions.time_us;
    match (t.iter().min(), t.iter().max()) {
        (Some(&t0), Some(&t1)) => (t0, ((t1 - t0) / DAY_US + 1) as u64),
        _ => (0, 1),
    }
}

/// The relative day shifts `d` in `0..days` under which some `s` of `a` and
/// some `u` of `b` (shifted by `d` days, circularly) are within `w`, as the
/// count of distinct shifts.
pub fn aligned_shifts(a: &[i64], b: &[i64], w: i64, days: u64) -> u64 {
    if 2 * w >= DAY_US {
        return aligned_shifts_slow(a, b, w, days);
    }
    let span = days as i64 * DAY_US;
    let mut shifts: Vec<u64> = Vec::new();
    for &s in a {
        for &u in b {
            // b moved by d days meets s when u + d·day is within w of s
            // (mod span): at most two d, since w is under half a day.
            let delta = (s - u).rem_euclid(span);
            let below = delta.div_euclid(DAY_US);
            for d in [below, below + 1] {
                let gap = (delta - d * DAY_US).abs();
                if gap <= w || span - gap <= w {
                    shifts.push(d.rem_euclid(days as i64) as u64);
                }
            }
        }
    }
    shifts.sort_unstable();
    shifts.dedup();
    shifts.len() as u64
}

/// [`aligned_shifts`] by trying every relative shift: the slow, obvious
/// version (and the one used for windows of half a day or more).
pub fn aligned_shifts_slow(a: &[i64], b: &[i64], w: i64, days: u64) -> u64 {
    let span = days as i64 * DAY_US;
    (0..days as i64)
        .filter(|&d| {
            a.iter().any(|&s| {
                b.iter().any(|&u| {
                    let moved = (u + d * DAY_US).rem_euclid(span);
                    let s = s.rem_euclid(span);
                    let gap = (s - moved).abs();
                    gap.min(span - gap) <= w
                })
            })
        })
        .count() as u64
}

/// `P(sum of independent Bernoulli(p_i) >= k)`, exactly, accumulating the
/// upper tail directly so that tiny tails keep their precision.
///
/// The probabilities of sums below `k` live in a band: those outside it are
/// exactly zero (sums not yet reachable above it, underflowed ones below),
/// and updating a zero from zero neighbours gives zero, so only the band is
/// updated. That is bit for bit [`poisson_binomial_tail_slow`] (adding
/// `+0.0` and multiplying zero are exact), but an edge with a hundred
/// thousand shared objects costs its band's width per object, not `k`: the
/// band is the sums within about 38 standard deviations of the mean that a
/// double can still hold, and it stops once every sum below `k` has
/// underflowed (the tail is then final).
pub fn poisson_binomial_tail(p: &[f64], k: u64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    let k = k as usize;
    // below[j] = P(sum == j) for j < k, zero outside lo..=hi; tail = P(sum >= k).
    let mut below = vec![0.0f64; k];
    below[0] = 1.0;
    let (mut lo, mut hi) = (0usize, 0usize);
    let mut tail = 0.0f64;
    for &pi in p {
        if hi == k - 1 {
            tail += below[k - 1] * pi;
        }
        let top = (hi + 1).min(k - 1);
        for j in (lo.max(1)..=top).rev() {
            below[j] = below[j] * (1.0 - pi) + below[j - 1] * pi;
        }
        if lo == 0 {
            below[0] *= 1.0 - pi;
        }
        hi = top;
        while lo <= hi && below[lo] == 0.0 {
            lo += 1;
        }
        if lo > hi {
            break;
        }
        while below[hi] == 0.0 {
            hi -= 1;
        }
    }
    tail.min(1.0)
}

/// [`poisson_binomial_tail`] over every sum below `k` for every `p_i`: the
/// slow, obvious dynamic programme it must equal bit for bit.
pub fn poisson_binomial_tail_slow(p: &[f64], k: u64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    let k = k as usize;
    let mut below = vec![0.0f64; k];
    below[0] = 1.0;
    let mut tail = 0.0f64;
    for &pi in p {
        tail += below[k - 1] * pi;
        for j in (1..k).rev() {
            below[j] = below[j] * (1.0 - pi) + below[j - 1] * pi;
        }
        below[0] *= 1.0 - pi;
    }
    tail.min(1.0)
}

/// Benjamini–Hochberg q-values of `p`, as if `m >= p.len()` hypotheses were
/// tested and the others had p-value 1.
pub fn benjamini_hochberg(p: &[f64], m: f64) -> Vec<f64> {
    let m = m.max(p.len() as f64);
    // Ranked as (p, index) pairs on all cores: sorting indices by the
    // p-values they point to read every edge's p at random, once per
    // comparison (a watch ranks every edge of its horizon, twice, at every
    // refresh). The index breaks ties, so the order is one.
    let mut order: Vec<(f64, usize)> = p.iter().copied().zip(0..).collect();
    order.par_sort_unstable_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
    let mut q = vec![0.0; p.len()];
    let mut running = 1.0f64;
    for (rank0, &(pi, i)) in order.iter().enumerate().rev() {
        running = running.min(pi * m / (rank0 + 1) as f64).min(1.0);
        q[i] = running;
    }
    q
}

/// The significance of `det`'s edges (made from `ds` with `cfg`;
/// `audience` is [`Audience::of`] `ds`). An object's meetings are judged
/// at the widest reach of its layer (the slow window's, where it applies;
/// its rank bound aside, which only removes meetings, so the chance is
/// overstated, not understated). The same for any thread count.
pub fn significance(
    ds: &Dataset,
    det: &Detection,
    cfg: &DetectConfig,
    audience: &Audience,
) -> Significance {
    let t = &ds.actions;
    let (_, days) = span(ds);
    // Each account's rows, grouped by a counting pass (no global sort:
    // sorting every action by account, object and time was a quarter of
    // the stage).
    let mut start = vec![0usize; ds.accounts.len() + 1];
    for &a in &t.account {
        start[a as usize + 1] += 1;
    }
    for i in 0..ds.accounts.len() {
        start[i + 1] += start[i];
    }
    let mut by_account = vec![0u32; t.len()];
    let mut next = start.clone();
    for (r, &a) in t.account.iter().enumerate() {
        by_account[next[a as usize]] = r as u32;
        next[a as usize] += 1;
    }
    drop(next);
    let rows_of = |a: u32| &by_account[start[a as usize]..start[a as usize + 1]];
    // Objects' runs within one account's rows: (object, times in order);
    // computed once per account with an edge, since hubs have many edges.
    let runs = |rows: &[u32]| -> Vec<(u32, Vec<i64>)> {
        let mut keyed: Vec<(u32, i64)> =
            rows.iter().map(|&r| (t.object[r as usize], t.time_us[r as usize])).collect();
        keyed.sort_unstable();
        let mut out: Vec<(u32, Vec<i64>)> = Vec::new();
        for (o, time) in keyed {
            match out.last_mut() {
                Some((last, times)) if *last == o => times.push(time),
                _ => out.push((o, vec![time])),
            }
        }
        out
    };
    let e = &det.edges;
    let mut in_edges = vec![false; ds.accounts.len()];
    for i in 0..e.len() {
        in_edges[e.a[i] as usize] = true;
        in_edges[e.b[i] as usize] = true;
    }
    let account_runs: Vec<Vec<(u32, Vec<i64>)>> = (0..ds.accounts.len() as u32)
        .into_par_iter()
        .map(|a| if in_edges[a as usize] { runs(rows_of(a)) } else { Vec::new() })
        .collect();
    let openings = Openings::of(ds, cfg);
    // Per edge: expected acts, p-value, objects met inside openings.
    let per_edge: Vec<(f64, f64, u64)> = (0..e.len())
        .into_par_iter()
        .map(|i| {
            let (ra, rb) = (&account_runs[e.a[i] as usize], &account_runs[e.b[i] as usize]);
            let mut pis = Vec::new();
            let mut in_openings = 0;
            shared_objects(ra, rb, |x, y| {
                let (o, ta, tb) = (ra[x].0, &ra[x].1, &rb[y].1);
                let window_us = openings.window(o);
                let hits = aligned_shifts(ta, tb, window_us, days);
                // Inside the object's opening, a meeting is as likely as the
                // opening's spread makes it for anyone: the larger chance
                // stands.
                let rho = openings.rho(o, openings.in_opening(o, ta), openings.in_opening(o, tb));
                let pi = (hits as f64 / days as f64).max(rho);
                if rho > 0.0 && met(ta, tb, window_us) {
                    in_openings += 1;
                }
                if pi > 0.0 {
                    pis.push(pi);
                }
            });
            let expected = pis.iter().sum();
            (expected, poisson_binomial_tail(&pis, e.tested_weight(i)), in_openings)
        })
        .collect();
    // Hypotheses: pairs of distinct accounts on each object.
    let hypotheses = audience.pairs();
    let expected = per_edge.iter().map(|x| x.0).collect();
    let p_value: Vec<f64> = per_edge.iter().map(|x| x.1).collect();
    let in_openings = per_edge.iter().map(|x| x.2).collect();
    let q_value = benjamini_hochberg(&p_value, hypotheses);
    let tested: Vec<u64> = (0..e.len()).map(|i| e.tested_weight(i)).collect();
    let partners = partner_test(&e.a, &e.b, &tested, ds.accounts.len());
    Significance { span_days: days, hypotheses, expected, p_value, q_value, in_openings, partners }
}

/// Whether some time of `a` is within `w` of some time of `b` (both in
/// order).
fn met(a: &[i64], b: &[i64], w: i64) -> bool {
    let (mut x, mut y) = (0, 0);
    while x < a.len() && y < b.len() {
        if (a[x] - b[y]).abs() <= w {
            return true;
        }
        if a[x] < b[y] {
            x += 1;
        } else {
            y += 1;
        }
    }
    false
}

/// Calls `f(x, y)` for every object two accounts share (`a[x].0 ==
/// b[y].0`; both lists sorted by object, without repeats), in object
/// order. The shorter list is walked and the longer searched by galloping,
/// so a small account's edge to a hub costs its own length times a log,
/// not the hub's length.
pub fn shared_objects<T, U>(a: &[(u32, T)], b: &[(u32, U)], mut f: impl FnMut(usize, usize)) {
    let swapped = a.len() > b.len();
    let (small_len, len) = if swapped { (b.len(), a.len()) } else { (a.len(), b.len()) };
    let small = |i: usize| if swapped { b[i].0 } else { a[i].0 };
    let large = |i: usize| if swapped { a[i].0 } else { b[i].0 };
    let mut lo = 0;
    for i in 0..small_len {
        let o = small(i);
        // Exponential steps from `lo`, then a binary search in the last.
        let (mut base, mut step) = (lo, 1);
        while base + step <= len && large(base + step - 1) < o {
            base += step;
            step *= 2;
        }
        let (mut l, mut h) = (base, (base + step).min(len));
        while l < h {
            let m = (l + h) / 2;
            if large(m) < o {
                l = m + 1;
            } else {
                h = m;
            }
        }
        lo = l;
        if lo == len {
            break;
        }
        if large(lo) == o {
            if swapped {
                f(lo, i)
            } else {
                f(i, lo)
            }
            lo += 1;
        }
    }
}

/// [`shared_objects`] by a plain merge: its oracle.
pub fn shared_objects_merge<T, U>(a: &[(u32, T)], b: &[(u32, U)], mut f: impl FnMut(usize, usize)) {
    let (mut x, mut y) = (0, 0);
    while x < a.len() && y < b.len() {
        match a[x].0.cmp(&b[y].0) {
            std::cmp::Ordering::Less => x += 1,
            std::cmp::Ordering::Greater => y += 1,
            std::cmp::Ordering::Equal => {
                f(x, y);
                x += 1;
                y += 1;
            }
        }
    }
}

/// Each edge's acts weighted by rarity: over the distinct objects the pair
/// co-acted on, `ln(A / a_o)`, where `A` is the number of accounts with an
/// action and `a_o` the number that acted on `o`, summed over the edge's
/// rarest objects, as many as it has acts (so that a post matching on a
/// link and its domain counts once, by the link). An object shared by a
/// dozen of ten thousand accounts counts about 6.7, one shared by thousands
/// about 1 or less, one shared by all 0 (IDF, as in text retrieval).
pub fn idf_weights(ds: &Dataset, det: &Detection, audience: &Audience) -> Vec<f64> {
    let t = &ds.actions;
    let accounts_on = &audience.accounts_on;
    let total = audience.active_accounts.max(1) as f64;
    let (e, p) = (&det.edges, &det.pairs);
    (0..e.len())
        .into_par_iter()
        .map(|i| {
            let mut objects: Vec<u32> =
                e.pair_range(i, p).map(|k| t.object[p.older[k] as usize]).collect();
            objects.sort_unstable();
            objects.dedup();
            let mut idf: Vec<f64> = objects
                .iter()
                .map(|&o| (total / f64::from(accounts_on[o as usize].max(1))).ln())
                .collect();
            idf.sort_unstable_by(|x, y| y.total_cmp(x));
            idf.iter().take(e.tested_weight(i) as usize).sum()
        })
        .collect()
}

/// The times of one replicate of the null: every action of an account moved
/// by the account's whole-day shift (drawn from `seed` and `replicate`),
/// wrapped into the span. For checking the analytic null by Monte Carlo.
pub fn shifted_times(ds: &Dataset, seed: u64, replicate: u32) -> Vec<i64> {
    let (t0, days) = span(ds);
    let span_us = days as i64 * DAY_US;
    let t = &ds.actions;
    (0..t.len())
        .map(|row| {
            let key = u64::from(replicate) << 32 | u64::from(t.account[row]);
            let k = (mix(seed ^ mix(key)) % days) as i64;
            t0 + (t.time_us[row] - t0 + k * DAY_US).rem_euclid(span_us)
        })
        .collect()
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn aligned_shifts_equal_trying_every_shift(
            a in proptest::collection::vec(0i64..5 * 86_400, 1..5),
            b in proptest::collection::vec(0i64..5 * 86_400, 1..5),
            w in prop_oneof![Just(0i64), Just(60), 0i64..40_000],
            days in 1u64..6,
        ) {
            let (a, b): (Vec<i64>, Vec<i64>) = (
                a.iter().map(|x| x * 1_000_000).collect(),
                b.iter().map(|x| x * 1_000_000).collect(),
            );
            let w = w * 1_000_000;
            prop_assert_eq!(aligned_shifts(&a, &b, w, days), aligned_shifts_slow(&a, &b, w, days));
        }

        #[test]
        fn tail_equals_enumeration(p in proptest::collection::vec(0.0f64..=1.0, 0..10), k in 0u64..6) {
            let n = p.len();
            let mut exact = 0.0;
            for mask in 0u32..(1 << n) {
                if u64::from(mask.count_ones()) >= k {
                    exact += (0..n)
                        .map(|i| if mask >> i & 1 == 1 { p[i] } else { 1.0 - p[i] })
                        .product::<f64>();
                }
            }
            prop_assert!((poisson_binomial_tail(&p, k) - exact).abs() < 1e-9);
        }

        #[test]
        fn banded_tail_is_the_slow_tail_bit_for_bit(
            // Past about 750 objects the chance of few meetings underflows
            // (the band's low end moves), small chances underflow its high
            // end, and certain ones empty it; short lists keep every sum.
            p in {
                use proptest::collection::vec;
                let mixed = prop_oneof![0.0f64..=1.0, Just(1.0), Just(0.5), 0.0f64..1e-3];
                prop_oneof![
                    vec(0.0f64..=1.0, 0..1200),
                    vec(0.0f64..1e-3, 0..1200),
                    vec(0.9f64..=1.0, 0..1200),
                    vec(mixed, 0..1200),
                ]
            },
            k in 0u64..1300,
        ) {
            let (fast, slow) = (poisson_binomial_tail(&p, k), poisson_binomial_tail_slow(&p, k));
            prop_assert_eq!(fast.to_bits(), slow.to_bits(), "{} vs {}", fast, slow);
        }

        #[test]
        fn bh_equals_ranking_by_index(
            p in proptest::collection::vec(prop_oneof![Just(1.0f64), Just(0.5), 0.0f64..=1.0], 0..20_000),
            extra in 0usize..20,
        ) {
            // Ranked as `benjamini_hochberg` was: indices sorted by their
            // p-values, ties by index.
            let m = (p.len() + extra) as f64;
            let mut order: Vec<usize> = (0..p.len()).collect();
            order.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
            let mut slow = vec![0.0; p.len()];
            let mut running = 1.0f64;
            for (rank0, &i) in order.iter().enumerate().rev() {
                running = running.min(p[i] * m / (rank0 + 1) as f64).min(1.0);
                slow[i] = running;
            }
            let fast = benjamini_hochberg(&p, m);
            prop_assert!(fast.iter().zip(&slow).all(|(a, b)| a.to_bits() == b.to_bits()));
        }

        #[test]
        fn bh_equals_its_definition(p in proptest::collection::vec(0.0f64..=1.0, 0..30), extra in 0usize..20) {
            // The extra hypotheses have p = 1.
            let m = (p.len() + extra) as f64;
            let q = benjamini_hochberg(&p, m);
            let mut all = p.clone();
            all.extend(std::iter::repeat_n(1.0, extra));
            let mut order: Vec<usize> = (0..all.len()).collect();
            order.sort_by(|&a, &b| all[a].total_cmp(&all[b]).then(a.cmp(&b)));
            let mut rank = vec![0.0; all.len()];
            for (k, &i) in order.iter().enumerate() {
                rank[i] = (k + 1) as f64;
            }
            for i in 0..p.len() {
                let naive = (0..all.len())
                    .filter(|&j| rank[j] >= rank[i])
                    .map(|j| (all[j] * m / rank[j]).min(1.0))
                    .fold(1.0f64, f64::min);
                prop_assert!((q[i] - naive).abs() < 1e-12, "{} vs {}", q[i], naive);
            }
        }
    }

    #[test]
    fn tiny_tails_keep_their_precision() {
        let p = vec![1.0 / 30.0; 20];
        let tail = poisson_binomial_tail(&p, 20);
        assert!((tail / (1.0f64 / 30.0).powi(20) - 1.0).abs() < 1e-9, "{tail}");
    }
}
