use crate::args::{
    ClustersArg, DetectArgs, EngineArg, NearTextMode, NearTextPairs, RuleArg, SemanticsArg,
};
use crate::input::count;
use crate::memory::fmt_bytes;
use crate::progress::Stages;
use crate::ExitStatus;
use anyhow::{bail, Context};
use lockstep_detect::bounded::{detect_bounded, Spill, SpillStats};
use lockstep_detect::{DetectConfig, Semantics, SlowWindow};
use lockstep_graph::ThresholdConfig;
use lockstep_ingest::IngestConfig;
use lockstep_model::{Layer, LayerSet};
use lockstep_text::{NearTextConfig, TextLayer};
use serde_json::json;
use std::io::Write;

/// The validated plan of a `detect` run.
struct Plan {
    ingest: IngestConfig,
    /// Similarity rules for texts and bios.
    text: NearTextConfig,
    /// The layers the user selected.
    layers: Option<LayerSet>,
    /// The `near_text` layer's parameters, when it is selected.
    near_text: Option<NearTextConfig>,
    /// How `near_text` is derived.
    near_text_mode: NearTextMode,
    /// The false discovery rate edges must pass, when significance is on.
    fdr: Option<f64>,
    /// The IDF-weighted weight edges must reach.
    min_idf: Option<f64>,
    detect: DetectConfig,
    threshold: ThresholdConfig,
}

/// Where and how a run computes, worked out once from the flags: every
/// stage reads it, none re-derives it.
struct Execution {
    /// Worker threads, resolved (`--threads`, else every core).
    threads: usize,
    /// `--memory-limit`, else half the machine's memory (None where the
    /// machine's memory is unknown).
    memory_limit: Option<u64>,
    /// The folder spill folders are made in (`--spill-dir`, else `TMPDIR`).
    spill_parent: std::path::PathBuf,
    /// The engine of the window stage, with its threads set.
    engine: EngineArg,
}

impl Execution {
    fn of(a: &DetectArgs) -> Execution {
        let threads = match a.threads {
            Some(t) if t > 0 => t,
            // rayon's own count: every core, or `RAYON_NUM_THREADS`.
            _ => rayon::current_num_threads(),
        };
        let engine = match &a.engine {
            EngineArg::Plan(lockstep_scale::Engine::Embedded { .. }) => {
                EngineArg::Plan(lockstep_scale::Engine::Embedded { threads })
            }
            other => other.clone(),
        };
        Execution {
            threads,
            memory_limit: crate::memory::limit_of(a),
            spill_parent: crate::memory::spill_parent(a),
            engine,
        }
    }
}

/// Whether pairs.csv holds every pair, or the coordinated edges' only.
fn all_pairs(a: &DetectArgs, p: &Plan) -> bool {
    a.all_pairs || p.detect.semantics == Semantics::CooRTweet
}

/// Whether edges.csv holds every edge, or those between flagged accounts only.
fn all_edges(a: &DetectArgs, p: &Plan) -> bool {
    a.all_edges || p.detect.semantics == Semantics::CooRTweet
}

/// The tested rule's false discovery rate unless `--fdr` says otherwise.
const DEFAULT_FDR: f64 = 0.01;

pub(crate) fn seconds_to_us(flag: &str, s: f64) -> anyhow::Result<i64> {
    if !s.is_finite() || s < 0.0 {
        bail!("`{flag}` must be a non-negative number of seconds, got `{s}`");
    }
    Ok((s * 1e6).round() as i64)
}

fn plan(a: &DetectArgs) -> anyhow::Result<Plan> {
    let mut ingest = crate::input::config(&a.input)?;
    let layers = crate::input::selected_layers(&a.input)?;
    if !(0.0..=1.0).contains(&a.text_similarity) || a.text_similarity == 0.0 {
        bail!("`--text-similarity` must be over 0 and at most 1, got `{}`", a.text_similarity);
    }
    let text = NearTextConfig {
        threshold: a.text_similarity,
        min_tokens: a.min_text_tokens,
        emoji: !a.drop_emoji,
        seed: 1,
    };
    let near_text = layers.filter(|l| l.contains(Layer::NearText)).map(|_| text);
    if !(a.resolution.is_finite() && a.resolution > 0.0) {
        bail!("`--resolution` must be a positive number, got `{}`", a.resolution);
    }
    if let Some(q) = a.fdr {
        if !(q > 0.0 && q <= 1.0) {
            bail!("`--fdr` must be over 0 and at most 1, got `{q}`");
        }
    }
    if let (Some(RuleArg::Naive), Some(q)) = (a.rule, a.fdr) {
        bail!("`--fdr {q}` is the tested rule's rate: drop it, or `--rule naive`");
    }
    if let Some(w) = a.min_idf {
        if !(w.is_finite() && w >= 0.0) {
            bail!("`--min-idf` must be a non-negative number, got `{w}`");
        }
    }
    if near_text.is_some() && a.near_text_mode == NearTextMode::Qut {
        // Every post's own text, whatever layers give it actions.
        ingest.keep_text = true;
        ingest.layers = None;
    }
    let semantics = match a.semantics {
        SemanticsArg::Lockstep => Semantics::Lockstep,
        SemanticsArg::Coortweet => Semantics::CooRTweet,
    };
    let window_us = seconds_to_us("--window", a.window)?;
    let fast_window_us = a.fast_window.map(|f| seconds_to_us("--fast-window", f)).transpose()?;
    if fast_window_us.is_some_and(|f| f > window_us) {
        bail!(
            "`--fast-window` ({}) must not exceed `--window` ({})",
            a.fast_window.unwrap_or_default(),
            a.window
        );
    }
    // The tested rule is the default with lockstep semantics; CooRTweet's
    // semantics keep CooRTweet's rule unless a test is asked for.
    let fdr = match (a.rule, semantics) {
        (Some(RuleArg::Naive), _) => None,
        (Some(RuleArg::Tested), _) | (None, Semantics::Lockstep) => {
            Some(a.fdr.unwrap_or(DEFAULT_FDR))
        }
        (None, Semantics::CooRTweet) => a.fdr,
    };
    let slow = match a.slow_window {
        Some(s) => Some(seconds_to_us("--slow-window", s)?).filter(|&w| w > 0),
        // A window as wide as the default slow window already covers it.
        None if fdr.is_some()
            && semantics == Semantics::Lockstep
            && !matches!(a.engine, EngineArg::Plan(_))
            && window_us < SlowWindow::DEFAULT.window_us =>
        {
            Some(SlowWindow::DEFAULT.window_us)
        }
        None => None,
    };
    if let (Some(_), EngineArg::Plan(engine)) = (slow, &a.engine) {
        bail!("`--engine {}` pairs at one window: leave out `--slow-window`", engine.name());
    }
    if let (Some(w), Semantics::CooRTweet) = (slow, semantics) {
        bail!(
            "`--slow-window {}` is not CooRTweet's rule: leave it out, or `--semantics lockstep`",
            w as f64 / 1e6
        );
    }
    if slow.is_some_and(|w| w <= window_us) {
        bail!(
            "`--slow-window` ({}) must exceed `--window` ({}), or be 0 (off)",
            a.slow_window.unwrap_or_default(),
            a.window
        );
    }
    let slow_layers = a
        .slow_layers
        .iter()
        .map(|n| n.parse::<Layer>())
        .collect::<Result<LayerSet, _>>()
        .context("`--slow-layers`")?;
    let slow = slow.map(|window_us| SlowWindow {
        window_us,
        layers: slow_layers,
        crowd: SlowWindow::DEFAULT.crowd,
    });
    let (default_q, default_min) = match semantics {
        Semantics::CooRTweet => (Some(0.5), 1),
        Semantics::Lockstep => (None, 2),
    };
    let quantile = a.edge_weight.or(default_q);
    if let Some(q) = quantile {
        if !(0.0..=1.0).contains(&q) {
            bail!("`--edge-weight` must be between 0 and 1, got `{q}`");
        }
    }
    Ok(Plan {
        ingest,
        text,
        layers,
        near_text,
        near_text_mode: a.near_text_mode,
        fdr,
        min_idf: a.min_idf,
        detect: DetectConfig {
            window_us,
            fast_window_us,
            min_participation: a.min_participation,
            semantics,
            keep_loops: a.keep_loops,
            dedup: a.dedup,
            slow,
        },
        threshold: ThresholdConfig {
            quantile,
            min_weight: a.min_weight.unwrap_or(default_min),
            clusters: match a.clusters.unwrap_or(match semantics {
                Semantics::Lockstep => ClustersArg::Split,
                Semantics::CooRTweet => ClustersArg::Components,
            }) {
                ClustersArg::Leiden => {
                    lockstep_graph::ClusterMethod::Leiden { resolution: a.resolution, seed: 1 }
                }
                ClustersArg::Components => lockstep_graph::ClusterMethod::Components,
                ClustersArg::Split => lockstep_graph::ClusterMethod::Split {
                    above: a.split_above,
                    resolution: a.resolution,
                    seed: 1,
                },
            },
        },
    })
}

fn parameters_json(a: &DetectArgs, p: &Plan, loaded: &crate::input::Loaded) -> serde_json::Value {
    let mut params = crate::input::parameters(&a.input, &p.ingest);
    let dataset = loaded.dataset.as_ref().map(|(dir, m)| {
        json!({
            "path": dir.display().to_string(),
            "lockstep_version": m.lockstep_version,
            "ingest": m.ingest,
            "tables": m.tables,
        })
    });
    params["dataset"] = json!(dataset);
    let detect = json!({
        "window_s": a.window,
        "fast_window_s": a.fast_window,
        "slow_window_s": p.detect.slow.map(|s| s.window_us as f64 / 1e6),
        "slow_layers": p.detect.slow.map(|s| s.layers.join(",")),
        "slow_crowd": p.detect.slow.map(|s| s.crowd),
        "min_participation": p.detect.min_participation,
        "edge_weight_quantile": p.threshold.quantile,
        "min_weight": p.threshold.min_weight,
        "semantics": p.detect.semantics.name(),
        "keep_loops": p.detect.keep_loops,
        "dedup": p.detect.dedup,
        "raw_csv": a.raw_csv,
        "all_pairs": all_pairs(a, p),
        "all_edges": all_edges(a, p),
        "text_similarity": a.text_similarity,
        "min_text_tokens": a.min_text_tokens,
        "drop_emoji": a.drop_emoji,
        "near_text_mode": format!("{:?}", a.near_text_mode).to_lowercase(),
        "near_text_pairs": format!("{:?}", a.near_text_pairs).to_lowercase(),
        "rule": match (p.fdr, p.detect.semantics) {
            (Some(_), _) => "tested",
            (None, Semantics::CooRTweet) => "coortweet",
            (None, Semantics::Lockstep) => "naive",
        },
        "fdr": p.fdr,
        "min_idf": a.min_idf,
        "clusters": match p.threshold.clusters {
            lockstep_graph::ClusterMethod::Components => "components",
            lockstep_graph::ClusterMethod::Leiden { .. } => "leiden",
            lockstep_graph::ClusterMethod::Split { .. } => "split",
        },
        "split_above": a.split_above,
        "resolution": a.resolution,
    });
    for (k, v) in detect.as_object().expect("an object") {
        params[k] = v.clone();
    }
    // Named only when not native, so that native runs keep their bytes.
    if let EngineArg::Plan(engine) = &a.engine {
        params["engine"] = json!(engine.name());
    }
    params
}

/// Moves the dataset's content ids (read only to write pairs and evidence)
/// to a mapped file when the dataset takes more than half of the memory
/// limit; returns the heap bytes that freed.
fn map_contents(exec: &Execution, ds: &mut lockstep_model::Dataset) -> anyhow::Result<Option<u64>> {
    let Some(limit) = exec.memory_limit else {
        return Ok(None);
    };
    if ds.heap_bytes() <= limit / 2 || ds.contents.is_empty() {
        return Ok(None);
    }
    let freed = ds.contents.heap_bytes();
    let parent = &exec.spill_parent;
    let context = || format!("cannot write content ids to `{}` (`--spill-dir`)", parent.display());
    let dir = lockstep_detect::bounded::fresh_dir(parent).with_context(context)?;
    let moved = ds.contents.spill_to(&dir, "contents");
    // The files are unlinked once mapped (or removed on error).
    let _ = std::fs::remove_dir_all(&dir);
    moved.with_context(context)?;
    Ok(Some(freed))
}

/// The memory limit of a native detection and what it leaves the detector.
struct Memory {
    limit: Option<u64>,
    /// What the process held when the detection started: the dataset and
    /// what reading it left (the resident set; the dataset's own size
    /// where that is unknown).
    in_use: u64,
    spill: Spill,
    /// Heap bytes the content ids freed by moving to a mapped file.
    contents_mapped: Option<u64>,
}

impl Memory {
    fn of(exec: &Execution, ds: &lockstep_model::Dataset, contents_mapped: Option<u64>) -> Memory {
        let limit = exec.memory_limit;
        let (in_use, budget) = lockstep_detect::bounded::budget_within(limit, ds);
        let dir = exec.spill_parent.clone();
        Memory { limit, in_use, spill: Spill::within(dir, budget, ds), contents_mapped }
    }

    fn over_limit(&self) -> Option<String> {
        let limit = self.limit.filter(|&l| self.in_use >= l)?;
        Some(format!(
            "the dataset takes {}, over the memory limit of {}: the detection runs in its smallest parts and runs, and the run will pass the limit",
            fmt_bytes(self.in_use),
            fmt_bytes(limit)
        ))
    }

    fn describe(&self, s: &SpillStats) -> String {
        let again = match s.sweeps {
            0 | 1 => String::new(),
            n => format!(
                " and {} more times where accounts left (participation)",
                thousands(n as u64 - 1)
            ),
        };
        let spilled = match s.runs {
            0 => "no pairs written to disk".to_string(),
            _ => format!(
                "{} of pairs written to disk ({}, {})",
                count(s.runs as u64, "sorted run"),
                count(s.spilled_pairs, "pair"),
                fmt_bytes(s.spilled_bytes)
            ),
        };
        let contents = match self.contents_mapped {
            Some(b) => format!("; content ids in a mapped file ({} off the heap)", fmt_bytes(b)),
            None => String::new(),
        };
        let results = if s.results_on_disk {
            format!(
                "; pairs and edges kept in files mapped read-only ({})",
                fmt_bytes(s.result_bytes)
            )
        } else {
            String::new()
        };
        format!(
            "memory: limit {}, {} in use before detecting; actions swept in {}{again}; {spilled}{results}{contents}",
            self.limit.map_or("none".into(), fmt_bytes),
            fmt_bytes(self.in_use),
            count(s.parts as u64, "part"),
        )
    }

    fn json(&self, s: &SpillStats) -> serde_json::Value {
        json!({
            "memory_limit_bytes": self.limit,
            "in_use_bytes": self.in_use,
            "part_actions": self.spill.part_rows,
            "run_pairs": self.spill.run_pairs,
            "parts": s.parts,
            "sweeps": s.sweeps,
            "runs": s.runs,
            "spilled_pairs": s.spilled_pairs,
            "spilled_bytes": s.spilled_bytes,
            "sweep_ms": s.sweep_ms.round(),
            "spill_ms": s.spill_ms.round(),
            "merge_ms": s.merge_ms.round(),
            "results_on_disk": s.results_on_disk,
            "result_bytes": s.result_bytes,
            "content_ids_mapped_bytes": self.contents_mapped,
        })
    }
}

/// `1234567` -> `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn run(a: DetectArgs) -> anyhow::Result<ExitStatus> {
    let plan = plan(&a)?;
    let exec = Execution::of(&a);
    if a.explain {
        std::io::stdout().lock().write_all(explain(&a, &plan, &exec).as_bytes())?;
        return Ok(ExitStatus::Success);
    }
    // Refused before any work when `--out` holds other files; written
    // beside it and put in place whole at the end.
    let folder = lockstep_report::RunFolder::begin(&a.out)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(exec.threads)
        .build()
        .context("cannot start worker threads")?;
    let mut stages = Stages::new(a.quiet);

    let mut loaded = crate::input::read(&a.input, &plan.ingest, &mut stages, true)?;
    let near = match &plan.near_text {
        None => None,
        Some(cfg) => {
            stages.start("near_text");
            let ing = &mut loaded.ingested;
            let ds = std::mem::take(&mut ing.dataset);
            let (ds, near) = pool.install(|| match plan.near_text_mode {
                NearTextMode::Lsh => {
                    let (ds, n) = lockstep_text::derive_near_text(ds, cfg);
                    (ds, TextLayer::Clusters(n))
                }
                NearTextMode::Qut => {
                    let (ds, s) = lockstep_text::similar_posts::derive(ds, cfg);
                    (ds, TextLayer::SimilarPosts(s))
                }
            });
            ing.dataset = ds;
            let present: LayerSet = ing.dataset.actions.layer.iter().copied().collect();
            if let Some(layers) = plan.layers.filter(|l| present.0 & !l.0 != 0) {
                let dropped = LayerSet(present.0 & !layers.0).join(", ");
                let note = format!("{dropped} read to derive near_text, and left out after");
                pool.install(|| ing.select_layers(layers, Some(&note)));
            }
            Some(near)
        }
    };
    let contents_mapped = match &exec.engine {
        EngineArg::Plan(_) => None,
        _ => map_contents(&exec, &mut loaded.ingested.dataset)?,
    };
    let ingested = &loaded.ingested;
    let ds = &ingested.dataset;
    let bios = ds.account_meta.bio.iter().any(Option::is_some).then(|| {
        stages.start("bios");
        pool.install(|| lockstep_text::near_duplicate_bios(ds, &plan.text))
    });

    stages.start("detecting");
    let mut out_of_core = None;
    let det = if let EngineArg::Plan(engine) = &exec.engine {
        let name = engine.name();
        let Some((dir, manifest)) = &loaded.dataset else {
            bail!("`--engine {name}` reads a dataset folder: make one with `lockstep ingest INPUT --out DIR`");
        };
        if near.is_some() {
            bail!("`--engine {name}` does not derive near_text: leave it out of `--layers`");
        }
        let rows = manifest.tables.get("actions.parquet").map_or(0, |t| t.rows);
        if rows != ds.actions.len() as u64 {
            bail!(
                "`--engine {name}` reads every action of the dataset ({rows}), but the layers selected keep {}: select layers at `lockstep ingest`",
                ds.actions.len()
            );
        }
        let found = lockstep_scale::window_pairs(dir, &plan.detect, engine)?;
        pool.install(|| lockstep_detect::co_action::detect_from_pairs(ds, &plan.detect, found))
    } else {
        let memory = Memory::of(&exec, ds, contents_mapped);
        if let Some(over) = memory.over_limit() {
            if !a.quiet {
                eprintln!("warning: {over}");
            }
        }
        let spill = &memory.spill;
        let cfg = &plan.detect;
        let (det, spilled) = pool
            .install(|| match &near {
                Some(TextLayer::SimilarPosts(s)) => {
                    detect_bounded(ds, cfg, |a, b| s.similar(ds, a, b), spill)
                }
                Some(TextLayer::Clusters(n)) if a.near_text_pairs == NearTextPairs::Similar => {
                    detect_bounded(ds, cfg, |x, y| n.similar_pair(ds, x, y), spill)
                }
                _ => detect_bounded(ds, cfg, |_, _| true, spill),
            })
            .with_context(|| {
                format!("cannot spill pairs to `{}` (`--spill-dir`)", spill.dir.display())
            })?;
        let wrote =
            spilled.spilled_bytes + spilled.result_bytes + memory.contents_mapped.unwrap_or(0);
        // The mount table is read only when something went to the folder.
        let on_tmpfs = || crate::memory::in_memory_fs(&spill.dir);
        if let Some(kind) = (wrote > 0 && !a.quiet).then(on_tmpfs).flatten() {
            eprintln!(
                "warning: the spill folder `{}` is on {kind}, which is memory: the {} written there count against it; give `--spill-dir` a folder on disk",
                spill.dir.display(),
                fmt_bytes(wrote)
            );
        }
        if spilled.parts > 1 || spilled.runs > 0 || memory.contents_mapped.is_some() {
            out_of_core = Some((memory, spilled));
        }
        det
    };
    let audience = pool.install(|| lockstep_stats::Audience::of(ds));
    let significance = plan.fdr.map(|_| {
        stages.start("significance");
        pool.install(|| lockstep_stats::significance(ds, &det, &plan.detect, &audience))
    });
    let idf = pool.install(|| lockstep_stats::idf_weights(ds, &det, &audience));
    stages.start("clustering");
    let passes = |i: usize| {
        significance.as_ref().zip(plan.fdr).is_none_or(|(s, fdr)| s.q_both(i) <= fdr)
            && plan.min_idf.is_none_or(|w| idf[i] >= w)
    };
    let net = if plan.fdr.is_some() || plan.min_idf.is_some() {
        lockstep_graph::build_with(ds, &det, &plan.threshold, passes)
    } else {
        lockstep_graph::build(ds, &det, &plan.threshold)
    };
    stages.start("campaigns");
    let reposts = lockstep_fingerprint::fast_reposts(ds);
    let fingerprints = lockstep_fingerprint::fingerprints_with(ds, &net, &reposts);
    let talking_points = lockstep_campaign::talking_points(ds, &net, 3);
    let roles = lockstep_campaign::roles(ds, &det, &net);
    let mut scores = lockstep_campaign::scores(&det, &net, &fingerprints, significance.as_ref());
    lockstep_campaign::mark_feed_mirrors(ds, &det, &net, &fingerprints, &mut scores);
    stages.start("writing");
    let results = lockstep_report::Results {
        formula_guard: !a.raw_csv,
        all_pairs: all_pairs(&a, &plan),
        all_edges: all_edges(&a, &plan),
        fast_reposts: Some(&reposts),
        near_text: near.as_ref(),
        bios: bios.as_ref(),
        significance: significance.as_ref(),
        fingerprints: Some(&fingerprints),
        idf: Some(&idf),
        talking_points: Some(&talking_points),
        scores: Some(&scores),
        roles: Some(&roles),
        ..lockstep_report::Results::new(ds, &det, &net)
    };
    let mut written = pool.install(|| lockstep_report::write_tables(folder.dir(), &results))?;
    stages.finish();
    let run_info = lockstep_report::RunInfo {
        parameters: parameters_json(&a, &plan, &loaded),
        files: &ingested.files,
        skips: &ingested.skips,
        timings_ms: stages.timings_ms.clone(),
        execution: out_of_core.as_ref().map(|(m, s)| m.json(s)),
    };
    written.push(lockstep_report::write_summary(folder.dir(), &results, &run_info)?);
    folder.commit()?;

    let mut out = std::io::stdout().lock();
    crate::input::print_reads(&mut out, &loaded)?;
    print_summary(&mut out, &results, &plan)?;
    if let Some((m, s)) = &out_of_core {
        writeln!(out, "{}", m.describe(s))?;
    }
    if let Some(top) = scores
        .iter()
        .filter(|s| s.feed_mirror.is_none())
        .max_by(|x, y| x.score.total_cmp(&y.score).then(y.cluster.cmp(&x.cluster)))
    {
        writeln!(
            out,
            "strongest campaign: cluster {} scores {:.1}: {}",
            top.cluster,
            top.score,
            top.explain()
        )?;
    }
    let mirrors: Vec<String> = scores
        .iter()
        .filter_map(|s| {
            let m = s.feed_mirror.as_ref()?;
            Some(format!("cluster {} ({} accounts, {})", s.cluster, m.accounts, m.domain))
        })
        .collect();
    if !mirrors.is_empty() {
        writeln!(
            out,
            "set aside as feed mirrors (one site each, no factory fingerprint; campaigns.csv says why): {}",
            mirrors.join(", ")
        )?;
    }
    writeln!(out, "wrote {} files to `{}`", written.len(), a.out.display())?;
    if ds.actions.is_empty() {
        // Said after the reads and the skips above, and with the empty
        // run folder written, so that summary.json records why.
        eprintln!(
            "error: no actions in the input: {} read, none gave an action on a selected layer (the reasons are above, and in `{}`)",
            count(ingested.files.iter().map(|f| f.records_read).sum(), "record"),
            a.out.join(lockstep_report::SUMMARY_JSON).display()
        );
        eprintln!("hint: {}", no_actions_hint(ingested));
        return Ok(ExitStatus::Error);
    }
    Ok(ExitStatus::Success)
}

/// What to do when nothing in the input gave an action, from why its
/// records were skipped.
fn no_actions_hint(ingested: &lockstep_ingest::Ingested) -> String {
    let skipped = |format: &str, reason: &str| {
        ingested.files.iter().any(|f| f.format == format && f.skipped.contains_key(reason))
    };
    if skipped("x-api-v2", "missing author") || skipped("x-api-v2", "bad timestamp") {
        return "X API v2 serves `author_id` and `created_at` only when asked: request `tweet.fields=author_id,created_at,entities,referenced_tweets` and `expansions=author_id` (tweepy: `tweet_fields=[...]`, `expansions=[\"author_id\"]`; twarc2 asks for them by default)".into();
    }
    "the skip reasons above say what each record lacked; `--format` and `--map` name what the reader should take (docs/formats.md), `--layers` which layers to keep".into()
}

/// The pairing rule in words: `60 s`, and the slow window where it applies.
fn reach_words(d: &DetectConfig) -> String {
    use lockstep_model::time::fmt_secs;
    match d.slow {
        None => format!("{} s", fmt_secs(d.window_us)),
        Some(s) => format!(
            "{} s, or {} s on {} with at most {} actions on the object between",
            fmt_secs(d.window_us),
            fmt_secs(s.window_us),
            s.layers.join(", "),
            s.crowd
        ),
    }
}

/// The plan in words: what will be computed, then how.
fn explain(a: &DetectArgs, p: &Plan, exec: &Execution) -> String {
    use lockstep_model::time::fmt_secs;
    let d = &p.detect;
    let inputs: Vec<String> = a.input.inputs.iter().map(|i| format!("`{}`", i.display())).collect();
    let layers = p.layers.map_or("every layer the input has".to_string(), |l| l.join(", "));
    let (participation, weight) = match d.semantics {
        Semantics::Lockstep => (
            format!(
                "keep accounts whose pairs cover at least {} distinct objects, both ends of every pair, repeated until stable",
                d.min_participation
            ),
            "distinct objects co-acted on",
        ),
        Semantics::CooRTweet => (
            format!(
                "per layer, keep accounts with at least {} rows, then pairs where either content id belongs to an account with at least {} rows among the paired content ids",
                d.min_participation, d.min_participation
            ),
            "pair rows",
        ),
    };
    let mut threshold = Vec::new();
    if let Some(q) = p.threshold.quantile {
        threshold.push(format!("weight > quantile {q} of all edge weights (R type 7)"));
    }
    if p.threshold.min_weight > 1 {
        threshold.push(format!("weight >= {}", p.threshold.min_weight));
    }
    if let Some(q) = p.fdr {
        threshold.push(format!(
            "q-value <= {q} under both nulls (each account shifted by whole days, meetings inside an object's opening judged by the opening's spread, Benjamini-Hochberg over account pairs sharing an object; partners at random, over account pairs with an edge)"
        ));
    }
    if let Some(w) = p.min_idf {
        threshold.push(format!("idf_weight >= {w} (sum of ln(A / a_o) over the co-acted objects)"));
    }
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{k:<14}{v}\n"));
    line("plan", "co_action: accounts acting on the same object within a time window".into());
    line(
        "inputs",
        format!(
            "{} as {}",
            inputs.join(", "),
            p.ingest.format.as_deref().unwrap_or("sniffed format")
        ),
    );
    if let Some(m) = &a.input.map {
        line("mapping", m.clone());
    }
    if let Some(f) = &a.input.map_file {
        line("mapping", format!("from `{}`", f.display()));
    }
    line("layers", layers);
    line(
        "bad records",
        if p.ingest.strict {
            "stop at the first".into()
        } else {
            "count, skip, report the first examples".into()
        },
    );
    if let (Some(n), NearTextMode::Qut) = (&p.near_text, p.near_text_mode) {
        line(
            "near_text",
            format!(
                "the QUT toolkit's co_similar_tweet: posts (not reposts) whose token sets have Jaccard >= {} (at least {} tokens each), every layer read for the texts",
                n.threshold, n.min_tokens
            ),
        );
    } else if let Some(n) = &p.near_text {
        line(
            "near_text",
            format!(
                "texts of the text layer with at least {} distinct words{}, clustered where word-set Jaccard >= {} (MinHash, banded LSH, every candidate verified){}",
                n.min_tokens,
                if n.emoji { " (emoji count as words)" } else { "" },
                n.threshold,
                if a.near_text_pairs == NearTextPairs::Similar {
                    "; a pair's own texts must reach it too"
                } else {
                    "; every pair of a cluster"
                }
            ),
        );
    }
    line("duplicates", if d.dedup { "drop exact duplicate actions".into() } else { "keep".into() });
    line("pairs", format!("actions on one object within {}", reach_words(d)));
    if let Some(f) = d.fast_window_us {
        line("fast pairs", format!("|dt| <= {} s", fmt_secs(f)));
    }
    line(
        "loops",
        if d.keep_loops {
            "keep".into()
        } else {
            "drop same account, same content, content = object".into()
        },
    );
    line("participation", participation);
    line("weight", weight.into());
    line(
        "threshold",
        if threshold.is_empty() { "none: every edge".into() } else { threshold.join(" and ") },
    );
    line(
        "clusters",
        match p.threshold.clusters {
            lockstep_graph::ClusterMethod::Components => {
                "connected components of the edges over the threshold".into()
            }
            lockstep_graph::ClusterMethod::Leiden { resolution, seed } => format!(
                "Leiden communities (modularity, resolution {resolution}, seed {seed}) of the edges over the threshold"
            ),
            lockstep_graph::ClusterMethod::Split { above, resolution, seed } => format!(
                "connected components of the edges over the threshold; those of more than {above} accounts cut into Leiden communities (modularity, resolution {resolution}, seed {seed})"
            ),
        },
    );
    line("semantics", d.semantics.name().into());
    let threads = match a.threads {
        None | Some(0) => "all cores".to_string(),
        Some(1) => "1 thread".to_string(),
        Some(t) => format!("{t} threads"),
    };
    let limit = exec.memory_limit;
    let memory = match limit.filter(|_| d.semantics == Semantics::Lockstep) {
        None if d.semantics == Semantics::CooRTweet => {
            "in memory (CooRTweet's rules run in memory)".to_string()
        }
        None => "in memory".to_string(),
        Some(l) => {
            let dir = &exec.spill_parent;
            format!(
                "within {} (past it, actions swept in parts and sorted runs of pairs written to `{}`)",
                fmt_bytes(l),
                dir.display()
            )
        }
    };
    let execution = match &exec.engine {
        EngineArg::Native => format!("{memory}, on {threads} (results depend on neither)"),
        EngineArg::Plan(lockstep_scale::Engine::Embedded { .. }) => format!(
            "the window stage as a plan on DataFusion in this process, on {threads}; the rest in memory here (results as the native engine's)"
        ),
        EngineArg::Plan(lockstep_scale::Engine::Ballista { scheduler }) => format!(
            "the window stage as a plan on the Ballista cluster whose scheduler is `{scheduler}` (its executors read the dataset folder); the rest in memory here, on {threads} (results as the native engine's)"
        ),
    };
    line("execution", execution);
    line(
        "outputs",
        format!("{} in `{}`", lockstep_report::OUTPUT_FILES.join(", "), a.out.display()),
    );
    out
}

fn print_summary(
    out: &mut dyn Write,
    r: &lockstep_report::Results<'_>,
    plan: &Plan,
) -> std::io::Result<()> {
    let t = thousands;
    match r.near_text {
        Some(TextLayer::Clusters(n)) => writeln!(
            out,
            "near_text: {} ({} under {} words), {} of near duplicates (largest {} texts); similarity >= {} by MinHash LSH ({} bands of {} rows)",
            count(n.texts, "distinct text"),
            t(n.too_short),
            n.config.min_tokens,
            count(n.clusters, "cluster"),
            t(n.largest),
            n.config.threshold,
            n.lsh.bands,
            n.lsh.rows
        )?,
        Some(TextLayer::SimilarPosts(s)) => writeln!(
            out,
            "near_text (QUT co_similar_tweet): {} ({} under {} tokens); pairs where token-set Jaccard >= {}",
            count(s.posts, "post with its own text"),
            t(s.too_short),
            s.config.min_tokens,
            s.config.threshold
        )?,
        None => {}
    }
    if let Some(b) = r.bios {
        writeln!(
            out,
            "bios: {} with a bio, {} of near-duplicate bios ({} accounts, largest {})",
            count(b.accounts_with_bio, "account"),
            count(b.clusters.len() as u64, "cluster"),
            t(b.clusters.iter().map(Vec::len).sum::<usize>() as u64),
            t(b.clusters.first().map_or(0, Vec::len) as u64)
        )?;
    }
    let s = &r.det.stats;
    let slow = match plan.detect.slow {
        None => String::new(),
        Some(_) => {
            let (p, t) = (&r.det.pairs, &r.ds.actions.time_us);
            let w = plan.detect.window_us;
            let n = (0..p.len())
                .filter(|&k| t[p.newer[k] as usize] - t[p.older[k] as usize] > w)
                .count();
            format!("; {} of them only within the slow window", thousands(n as u64))
        }
    };
    writeln!(
        out,
        "{} within {} ({} semantics{slow}): {}, {}",
        count(s.pairs, "coordinated pair"),
        match plan.detect.slow {
            None => format!("{} s", lockstep_model::time::fmt_secs(plan.detect.window_us)),
            Some(w) => format!(
                "{} s ({} s on {})",
                lockstep_model::time::fmt_secs(plan.detect.window_us),
                lockstep_model::time::fmt_secs(w.window_us),
                w.layers.join(", ")
            ),
        },
        plan.detect.semantics,
        count(s.accounts, "account"),
        count(s.objects, "object")
    )?;
    if let (Some(sig), Some(fdr)) = (r.significance, plan.fdr) {
        writeln!(
            out,
            "significance: {} of {} with q <= {fdr} under both nulls ({} with accounts shifted by whole days over {} days, meetings in an object's opening judged by its spread, {} hypotheses; {} with partners at random, {} hypotheses)",
            t((0..sig.q_value.len()).filter(|&i| sig.q_both(i) <= fdr).count() as u64),
            count(sig.q_value.len() as u64, "edge"),
            t(sig.q_value.iter().filter(|&&q| q <= fdr).count() as u64),
            sig.span_days,
            t(sig.hypotheses as u64),
            t(sig.partners.q_value.iter().filter(|&&q| q <= fdr).count() as u64),
            t(sig.partners.hypotheses as u64),
        )?;
    }
    let n = r.net;
    writeln!(
        out,
        "network: {}, {}, {} (largest {})",
        count(n.full.vertices, "account"),
        count(n.full.edges, "edge"),
        count(n.full.components, "component"),
        t(n.full.largest)
    )?;
    let mut rule = Vec::new();
    match (plan.threshold.quantile, n.quantile_value) {
        (Some(p), Some(q)) if q.is_finite() => rule.push(format!("weight > {q} (quantile {p})")),
        (Some(p), _) => rule.push(format!("weight > quantile {p}, undefined without edges")),
        _ => {}
    }
    if plan.threshold.min_weight > 1 {
        rule.push(format!("weight >= {}", plan.threshold.min_weight));
    }
    if let Some(q) = plan.fdr {
        rule.push(format!("q <= {q}"));
    }
    if let Some(w) = plan.min_idf {
        rule.push(format!("idf_weight >= {w}"));
    }
    let rule = if rule.is_empty() { "all edges".to_string() } else { rule.join(" and ") };
    writeln!(
        out,
        "coordinated ({rule}): {}, {} in {} (largest {})",
        count(n.sub.edges, "edge"),
        count(n.sub.vertices, "account"),
        count(n.clusters.len() as u64, "cluster"),
        t(n.clusters.first().map_or(0, |c| c.accounts.len()) as u64)
    )?;
    if plan.fdr.is_some() {
        // What the count alone would have flagged, so that a reader sees
        // what the test removed (`--rule naive` gives it).
        let w = &r.det.edges.weight;
        let naive = w.iter().filter(|&&x| x >= plan.threshold.min_weight).count() as u64;
        writeln!(
            out,
            "  without the test (--rule naive): {} with weight >= {}",
            count(naive, "edge"),
            plan.threshold.min_weight
        )?;
    }
    Ok(())
}
