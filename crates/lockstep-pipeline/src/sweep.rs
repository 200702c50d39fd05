//! A run and its sensitivity: the run's own setting in full, and the
//! clusters of a grid of other windows and weight thresholds, with how
//! well each of the run's clusters holds across them
//! ([`lockstep_graph::stability`]).
//!
//! The grid shares the run's work: the inputs are read and `near_text`
//! derived once; each window is detected and tested once, and each
//! threshold of it only thresholds and clusters that detection again; the
//! run's own window reuses the run's detection. The run's own setting is
//! computed first, so that each other setting is summarised against its
//! clusters at once and dropped: one other detection is held at a time.

use crate::execution::{Engine, Execution};
use crate::outcome::Outcome;
use crate::plan::{Options, Plan};
use crate::stages::{analyse, detection, network, prepare, Clock};
use crate::{Error, Observer, Stage};
use lockstep_graph::stability::{best_overlap, Setting, Sweep};
use std::path::{Path, PathBuf};

/// The settings to sweep besides the run's own: every window with every
/// weight threshold and, where edges are tested, every false discovery
/// rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Windows, in seconds.
    pub windows_s: Vec<f64>,
    /// Weight thresholds.
    pub min_weights: Vec<u64>,
    /// False discovery rates (for the tested rule; a run that tests no
    /// edge sweeps none).
    pub fdrs: Vec<f64>,
}

/// The plan of one setting: `options` with this window, weight and rate.
fn setting_plan(options: &Options, w: f64, m: u64, fdr: Option<f64>) -> Result<Plan, Error> {
    Plan::new(Options {
        window_s: w,
        min_weight: Some(m),
        fdr: fdr.or(options.fdr),
        ..options.clone()
    })
}

/// Sorted, each value once.
fn distinct<T: Copy + PartialOrd>(values: &[T]) -> Vec<T> {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN: options are checked"));
    v.dedup();
    v
}

/// Runs `options` into the run folder `out` like [`crate::run`], and
/// sweeps `grid` around it: the folder also holds `stability.csv` and
/// `sweep.csv`.
pub fn sweep(
    options: &Options,
    grid: &Grid,
    exec: &Execution,
    out: &Path,
    observer: &dyn Observer,
) -> Result<(Plan, Outcome, Vec<PathBuf>), Error> {
    if !matches!(exec.engine, Engine::Native) {
        return Err(Error::Plan("`lockstep sweep` runs on the native engine only".into()));
    }
    if grid.windows_s.is_empty() || grid.min_weights.is_empty() {
        return Err(Error::Plan("a sweep needs at least one window and one weight".into()));
    }
    if let Some(w) = grid.windows_s.iter().find(|w| !w.is_finite()) {
        return Err(Error::Plan(format!("`--windows`: `{w}` is not a number of seconds")));
    }
    let plan = Plan::new(options.clone())?;
    let rates: Vec<Option<f64>> = match plan.fdr {
        Some(_) if !grid.fdrs.is_empty() => {
            if let Some(q) = grid.fdrs.iter().find(|q| !(**q > 0.0 && **q <= 1.0)) {
                return Err(Error::Plan(format!(
                    "`--fdrs`: a rate is over 0 and at most 1, got `{q}`"
                )));
            }
            distinct(&grid.fdrs).into_iter().map(Some).collect()
        }
        _ => vec![None],
    };
    // Every setting's plan first, so that a bad one fails before any work:
    // per window, the plans of its thresholds (the first detects for all).
    let weights = distinct(&grid.min_weights);
    let mut plans: Vec<Vec<Plan>> = Vec::new();
    for w in distinct(&grid.windows_s) {
        let mut by = Vec::new();
        for &m in &weights {
            for &q in &rates {
                by.push(setting_plan(options, w, m, q)?);
            }
        }
        plans.push(by);
    }
    let own = key(&plan);

    let folder = lockstep_report::RunFolder::begin(out)?;
    let pool = exec.pool()?;
    let (outcome, written) = pool.install(|| -> Result<_, Error> {
        let mut clock = Clock::new(observer, Vec::new());
        clock.start(Stage::Reading);
        let loaded = crate::input::read(&plan.inputs, &exec.reading(&plan.ingest), observer)?;
        let prepared = prepare(&plan, exec, &mut clock, loaded)?;
        let contents_mapped = prepared.contents_mapped;
        // The run's own setting in full first: each other setting is then
        // summarised against its clusters as soon as it is clustered, and
        // only one other detection is held at a time.
        let mut outcome = analyse(&plan, exec, observer, prepared, clock)?;
        let mut grid_clock = Clock::new(observer, Vec::new());
        grid_clock.start(Stage::Sweeping);
        let accounts = outcome.dataset().accounts.len();
        let audience = lockstep_stats::Audience::of(outcome.dataset());
        let mut swept = vec![summarise(own, true, &outcome.net, &outcome.net.clusters, accounts)];
        for by in &plans {
            let (o, at) = (&outcome, &by[0]);
            // The run's own window is the run's detection, tested.
            let other = if at.detect.window_us == own.0 {
                None
            } else {
                let ds = o.dataset();
                let (det, _) = detection(at, exec, observer, &o.loaded, &o.near, contents_mapped)?;
                let significance =
                    plan.fdr.map(|_| lockstep_stats::significance(ds, &det, &at.detect, &audience));
                let idf = lockstep_stats::idf_weights(ds, &det, &audience);
                Some((det, significance, idf))
            };
            let (det, significance, idf) = match &other {
                Some((d, s, i)) => (d, s.as_ref(), i.as_slice()),
                None => (&o.det, o.significance.as_ref(), o.idf.as_slice()),
            };
            for p in by.iter().filter(|p| key(p) != own) {
                let net = network(p, o.dataset(), det, significance, idf);
                swept.push(summarise(key(p), false, &net, &o.net.clusters, accounts));
            }
        }
        grid_clock.stop();
        swept.sort_by(|a, b| {
            (a.window_us, a.min_weight)
                .cmp(&(b.window_us, b.min_weight))
                .then(a.fdr.partial_cmp(&b.fdr).expect("rates are numbers"))
        });
        outcome.sweep = Some(Sweep { settings: swept });
        // The grid's time, before the writing's.
        let ms: f64 = grid_clock.timings_ms.iter().map(|t| t.1).sum();
        outcome.timings_ms.push((Stage::Sweeping.name().to_string(), ms));
        let written = outcome.write(folder.dir(), &plan, observer)?;
        Ok((outcome, written))
    })?;
    folder.commit()?;
    Ok((plan, outcome, written))
}

/// A setting: window, weight and rate.
fn key(p: &Plan) -> (i64, u64, Option<f64>) {
    (p.detect.window_us, p.threshold.min_weight, p.fdr)
}

/// A setting's figures and its best overlaps with the reference clusters.
fn summarise(
    (window_us, min_weight, fdr): (i64, u64, Option<f64>),
    reference: bool,
    net: &lockstep_graph::Network,
    clusters: &[lockstep_graph::Cluster],
    accounts: usize,
) -> Setting {
    Setting {
        window_us,
        min_weight,
        fdr,
        reference,
        edges: net.over.iter().filter(|&&o| o).count(),
        accounts: net.clusters.iter().map(|c| c.accounts.len()).sum(),
        clusters: net.clusters.len(),
        overlap: best_overlap(clusters, &net.clusters, accounts),
    }
}
