//! The stages of a run, from the inputs to the findings: read, derive
//! near_text, bios, detect, significance, cluster, campaigns; then write.

use crate::execution::{map_contents, Engine, Execution, Memory};
use crate::outcome::Outcome;
use crate::plan::{NearTextMode, NearTextPairs, Plan};
use crate::{Error, Observer, Stage, Warning};
use lockstep_detect::bounded::detect_bounded;
use lockstep_model::LayerSet;
use lockstep_text::TextLayer;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Times the stages for `summary.json` and tells the observer.
pub(crate) struct Clock<'a> {
    observer: &'a dyn Observer,
    current: Option<(Stage, Instant)>,
    pub(crate) timings_ms: Vec<(String, f64)>,
}

impl<'a> Clock<'a> {
    pub(crate) fn new(observer: &'a dyn Observer, timings_ms: Vec<(String, f64)>) -> Self {
        Clock { observer, current: None, timings_ms }
    }

    pub(crate) fn start(&mut self, stage: Stage) {
        self.stop();
        self.observer.begin(stage);
        self.current = Some((stage, Instant::now()));
    }

    pub(crate) fn stop(&mut self) {
        if let Some((stage, t)) = self.current.take() {
            self.timings_ms.push((stage.name().to_string(), t.elapsed().as_secs_f64() * 1e3));
        }
    }
}

/// Runs `plan` into the run folder `out`, put in place whole when every
/// file is written: the outcome, and the files written. `out` is refused
/// before any work when it holds files that are not a run's.
pub fn run(
    plan: &Plan,
    exec: &Execution,
    out: &Path,
    observer: &dyn Observer,
) -> Result<(Outcome, Vec<PathBuf>), Error> {
    let folder = lockstep_report::RunFolder::begin(out)?;
    let pool = exec.pool()?;
    let mut outcome = pool.install(|| compute(plan, exec, observer))?;
    let written = pool.install(|| outcome.write(folder.dir(), plan, observer))?;
    folder.commit()?;
    Ok((outcome, written))
}

/// Runs the stages of `plan` on the calling thread's rayon pool (the
/// caller installs `exec.pool()`), writing nothing.
pub fn compute(plan: &Plan, exec: &Execution, observer: &dyn Observer) -> Result<Outcome, Error> {
    let mut clock = Clock::new(observer, Vec::new());
    clock.start(Stage::Reading);
    let loaded = crate::input::read(&plan.inputs, &exec.reading(&plan.ingest), observer)?;
    crate::go_on(observer)?;
    let prepared = prepare(plan, exec, &mut clock, loaded)?;
    analyse(plan, exec, observer, prepared, clock)
}

/// [`run`] on what was read already (`lockstep watch`: the actions of
/// its horizon): `plan`'s inputs are not read.
pub fn run_loaded(
    plan: &Plan,
    exec: &Execution,
    out: &Path,
    observer: &dyn Observer,
    loaded: crate::input::Loaded,
) -> Result<(Outcome, Vec<PathBuf>), Error> {
    let folder = lockstep_report::RunFolder::begin(out)?;
    let pool = exec.pool()?;
    let mut outcome = pool.install(|| {
        let mut clock = Clock::new(observer, Vec::new());
        let prepared = prepare(plan, exec, &mut clock, loaded)?;
        analyse(plan, exec, observer, prepared, clock)
    })?;
    let written = pool.install(|| outcome.write(folder.dir(), plan, observer))?;
    folder.commit()?;
    Ok((outcome, written))
}

/// What every setting of a run shares: the inputs read, `near_text`
/// derived, content ids mapped.
pub(crate) struct Prepared {
    loaded: crate::input::Loaded,
    near: Option<TextLayer>,
    pub(crate) contents_mapped: Option<u64>,
}

impl Prepared {
    pub(crate) fn dataset(&self) -> &lockstep_model::Dataset {
        &self.loaded.ingested.dataset
    }
}

/// Derives from what was read what does not depend on the window.
pub(crate) fn prepare(
    plan: &Plan,
    exec: &Execution,
    clock: &mut Clock<'_>,
    mut loaded: crate::input::Loaded,
) -> Result<Prepared, Error> {
    let near = match &plan.near_text {
        None => None,
        Some(cfg) => {
            clock.start(Stage::NearText);
            let ing = &mut loaded.ingested;
            let ds = std::mem::take(&mut ing.dataset);
            let (ds, near) = match plan.options.near_text_mode {
                NearTextMode::Lsh => {
                    let (ds, n) = lockstep_text::derive_near_text(ds, cfg);
                    (ds, TextLayer::Clusters(n))
                }
                NearTextMode::Qut => {
                    let (ds, s) = lockstep_text::similar_posts::derive(ds, cfg);
                    (ds, TextLayer::SimilarPosts(s))
                }
            };
            ing.dataset = ds;
            let present: LayerSet = ing.dataset.actions.layer.iter().copied().collect();
            if let Some(layers) = plan.layers.filter(|l| present.0 & !l.0 != 0) {
                let dropped = LayerSet(present.0 & !layers.0).join(", ");
                let note = format!("{dropped} read to derive near_text, and left out after");
                ing.select_layers(layers, Some(&note));
            }
            Some(near)
        }
    };
    let contents_mapped = match &exec.engine {
        Engine::Plan(_) => None,
        Engine::Native => map_contents(exec, &mut loaded.ingested.dataset)?,
    };
    Ok(Prepared { loaded, near, contents_mapped })
}

/// The detection's memory, when it ran out of core.
type OutOfCore = Option<(Memory, lockstep_detect::bounded::SpillStats)>;

/// Pairs and edges of `plan`'s window on what was read (and, where it
/// was derived, `near_text`; `contents_mapped`: the bytes of content ids
/// mapped to a file).
pub(crate) fn detection(
    plan: &Plan,
    exec: &Execution,
    observer: &dyn Observer,
    loaded: &crate::input::Loaded,
    near: &Option<TextLayer>,
    contents_mapped: Option<u64>,
) -> Result<(lockstep_detect::Detection, OutOfCore), Error> {
    let ds = &loaded.ingested.dataset;
    let mut out_of_core = None;
    let det = if let Engine::Plan(engine) = &exec.engine {
        let name = engine.name();
        let Some((dir, manifest)) = &loaded.dataset else {
            return Err(Error::Plan(format!("`--engine {name}` reads a dataset folder: make one with `lockstep ingest INPUT --out DIR`")));
        };
        if near.is_some() {
            return Err(Error::Plan(format!(
                "`--engine {name}` does not derive near_text: leave it out of `--layers`"
            )));
        }
        let rows = manifest.tables.get("actions.parquet").map_or(0, |t| t.rows);
        if rows != ds.actions.len() as u64 {
            return Err(Error::Plan(format!(
                "`--engine {name}` reads every action of the dataset ({rows}), but the layers selected keep {}: select layers at `lockstep ingest`",
                ds.actions.len()
            )));
        }
        let found = lockstep_scale::window_pairs(dir, &plan.detect, engine)?;
        lockstep_detect::co_action::detect_from_pairs(ds, &plan.detect, found)
    } else {
        let memory = Memory::of(exec, ds, contents_mapped);
        if let Some(limit) = memory.over_limit() {
            observer.warn(&Warning::OverLimit { in_use: memory.in_use, limit });
        }
        let spill = &memory.spill;
        let cfg = &plan.detect;
        let similar = plan.options.near_text_pairs == NearTextPairs::Similar;
        let (det, spilled) = match near {
            Some(TextLayer::SimilarPosts(s)) => {
                detect_bounded(ds, cfg, |a, b| s.similar(ds, a, b), spill)
            }
            Some(TextLayer::Clusters(n)) if similar => {
                detect_bounded(ds, cfg, |x, y| n.similar_pair(ds, x, y), spill)
            }
            _ => detect_bounded(ds, cfg, |_, _| true, spill),
        }
        .map_err(|source| Error::Io {
            what: format!("cannot spill pairs to `{}` (`--spill-dir`)", spill.dir.display()),
            source,
        })?;
        let wrote =
            spilled.spilled_bytes + spilled.result_bytes + memory.contents_mapped.unwrap_or(0);
        // The mount table is read only when something went to the folder.
        if wrote > 0 {
            if let Some(kind) = crate::in_memory_fs(&spill.dir) {
                let dir = spill.dir.clone();
                observer.warn(&Warning::SpillInMemory { dir, kind, bytes: wrote });
            }
        }
        if spilled.parts > 1 || spilled.runs > 0 || memory.contents_mapped.is_some() {
            out_of_core = Some((memory, spilled));
        }
        det
    };
    Ok((det, out_of_core))
}

/// The thresholded network of `plan` over a detection, its edges tested
/// (`significance`, under the tested rule) and weighted by rarity (`idf`).
pub(crate) fn network(
    plan: &Plan,
    ds: &lockstep_model::Dataset,
    det: &lockstep_detect::Detection,
    significance: Option<&lockstep_stats::Significance>,
    idf: &[f64],
) -> lockstep_graph::Network {
    let min_idf = plan.min_idf();
    let passes = |i: usize| {
        significance.zip(plan.fdr).is_none_or(|(s, fdr)| s.q_both(i) <= fdr)
            && min_idf.is_none_or(|w| idf[i] >= w)
    };
    if plan.fdr.is_some() || min_idf.is_some() {
        lockstep_graph::build_with(ds, det, &plan.threshold, passes)
    } else {
        lockstep_graph::build(ds, det, &plan.threshold)
    }
}

/// Everything after reading: bios, detection, significance, the network
/// and the campaigns.
pub(crate) fn analyse(
    plan: &Plan,
    exec: &Execution,
    observer: &dyn Observer,
    prepared: Prepared,
    mut clock: Clock<'_>,
) -> Result<Outcome, Error> {
    let ds = prepared.dataset();
    let bios = ds.account_meta.bio.iter().any(Option::is_some).then(|| {
        clock.start(Stage::Bios);
        lockstep_text::near_duplicate_bios(ds, &plan.text)
    });
    crate::go_on(observer)?;
    clock.start(Stage::Detecting);
    let (det, out_of_core) = detection(
        plan,
        exec,
        observer,
        &prepared.loaded,
        &prepared.near,
        prepared.contents_mapped,
    )?;
    crate::go_on(observer)?;
    let audience = lockstep_stats::Audience::of(ds);
    let significance = plan.fdr.map(|_| {
        clock.start(Stage::Significance);
        lockstep_stats::significance(ds, &det, &plan.detect, &audience)
    });
    crate::go_on(observer)?;
    let idf = lockstep_stats::idf_weights(ds, &det, &audience);
    clock.start(Stage::Clustering);
    let net = network(plan, ds, &det, significance.as_ref(), &idf);
    clock.start(Stage::Campaigns);
    // Independent of each other, and each mostly one thread's work.
    let ((reposts, fingerprints), (talking_points, roles)) = rayon::join(
        || {
            let reposts = lockstep_fingerprint::fast_reposts(ds);
            let fingerprints = lockstep_fingerprint::fingerprints_with(ds, &net, &reposts);
            (reposts, fingerprints)
        },
        || {
            (
                lockstep_campaign::talking_points(ds, &net, 3),
                lockstep_campaign::roles(ds, &det, &net),
            )
        },
    );
    let mut scores = lockstep_campaign::scores(&det, &net, &fingerprints, significance.as_ref());
    lockstep_campaign::mark_feed_mirrors(ds, &det, &net, &fingerprints, &mut scores);
    clock.stop();
    let Prepared { loaded, near, .. } = prepared;
    Ok(Outcome {
        loaded,
        near,
        bios,
        det,
        significance,
        idf,
        net,
        reposts,
        fingerprints,
        talking_points,
        roles,
        scores,
        out_of_core,
        timings_ms: clock.timings_ms,
        outputs: Vec::new(),
        sweep: None,
    })
}
