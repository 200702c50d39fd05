use crate::args::{DetectArgs, SemanticsArg};
use crate::progress::Stages;
use crate::ExitStatus;
use anyhow::{bail, Context};
use lockstep_detect::{DetectConfig, Semantics};
use lockstep_graph::ThresholdConfig;
use lockstep_ingest::{FileSource, IngestConfig, Source, StdinSource};
use lockstep_model::{Layer, LayerSet};
use serde_json::json;
use std::io::Write;

/// The validated plan of a `detect` run.
struct Plan {
    ingest: IngestConfig,
    detect: DetectConfig,
    threshold: ThresholdConfig,
}

fn seconds_to_us(flag: &str, s: f64) -> anyhow::Result<i64> {
    if !s.is_finite() || s < 0.0 {
        bail!("`{flag}` must be a non-negative number of seconds, got `{s}`");
    }
    Ok((s * 1e6).round() as i64)
}

fn plan(a: &DetectArgs) -> anyhow::Result<Plan> {
    let layers = match &a.layers {
        None => None,
        Some(names) => {
            Some(names.iter().map(|n| n.parse::<Layer>()).collect::<Result<LayerSet, _>>()?)
        }
    };
    let map = a.map.as_deref().map(str::parse).transpose()?;
    let format = (a.format != "auto").then(|| a.format.clone());
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
        ingest: IngestConfig { format, map, layers, strict: a.strict },
        detect: DetectConfig {
            window_us,
            fast_window_us,
            min_participation: a.min_participation,
            semantics,
            keep_loops: a.keep_loops,
            dedup: a.dedup,
        },
        threshold: ThresholdConfig { quantile, min_weight: a.min_weight.unwrap_or(default_min) },
    })
}

fn parameters_json(a: &DetectArgs, p: &Plan) -> serde_json::Value {
    json!({
        "format": p.ingest.format.as_deref().unwrap_or("auto"),
        "map": a.map,
        "layers": p.ingest.layers.map(|l| l.join(",")),
        "window_s": a.window,
        "fast_window_s": a.fast_window,
        "min_participation": p.detect.min_participation,
        "edge_weight_quantile": p.threshold.quantile,
        "min_weight": p.threshold.min_weight,
        "semantics": p.detect.semantics.name(),
        "keep_loops": p.detect.keep_loops,
        "dedup": p.detect.dedup,
        "strict": p.ingest.strict,
        "raw_csv": a.raw_csv,
    })
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
    if a.explain {
        std::io::stdout().lock().write_all(explain(&a, &plan).as_bytes())?;
        return Ok(ExitStatus::Success);
    }
    let threads = a.threads.unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start worker threads")?;
    let mut stages = Stages::new(a.quiet);

    let inputs = lockstep_ingest::expand_inputs(&a.inputs).context("cannot list the inputs")?;
    let sources: Vec<Box<dyn Source>> = inputs
        .iter()
        .map(|p| -> Box<dyn Source> {
            if p.as_os_str() == "-" {
                Box::new(StdinSource)
            } else {
                Box::new(FileSource::new(p))
            }
        })
        .collect();
    let bar = stages.start("reading");
    let styled = std::sync::Mutex::new(None::<usize>);
    let progress = move |p: lockstep_ingest::Progress<'_>| {
        if p.phase == lockstep_ingest::Phase::Encoding {
            bar.set_style(crate::progress::spinner_style());
            bar.set_message("reading: encoding account, object and content ids");
            return;
        }
        let of =
            if p.inputs > 1 { format!(" ({}/{})", p.index + 1, p.inputs) } else { String::new() };
        bar.set_message(format!("reading `{}`{of}: {} records", p.input, thousands(p.records)));
        if let Some(size) = p.size {
            let mut styled = styled.lock().expect("progress lock");
            if *styled != Some(p.index) {
                *styled = Some(p.index);
                bar.set_style(crate::progress::bytes_style());
                bar.set_length(size);
            }
            bar.set_position(p.bytes);
        }
    };
    let ingested = lockstep_ingest::ingest(&sources, &plan.ingest, &progress)?;
    let ds = &ingested.dataset;
    if ds.actions.is_empty() {
        bail!(
            "no actions in the input: {} records read, none gave an action on a selected layer",
            thousands(ingested.files.iter().map(|f| f.records_read).sum())
        );
    }

    stages.start("detecting");
    let det = pool.install(|| lockstep_detect::detect(ds, &plan.detect));
    stages.start("clustering");
    let net = lockstep_graph::build(ds, &det, &plan.threshold);
    stages.start("writing");
    let results = lockstep_report::Results { ds, det: &det, net: &net, formula_guard: !a.raw_csv };
    let mut written = pool.install(|| lockstep_report::write_tables(&a.out, &results))?;
    stages.finish();
    let run_info = lockstep_report::RunInfo {
        parameters: parameters_json(&a, &plan),
        files: &ingested.files,
        skips: &ingested.skips,
        timings_ms: stages.timings_ms.clone(),
    };
    written.push(lockstep_report::write_summary(&a.out, &results, &run_info)?);

    let mut out = std::io::stdout().lock();
    print_summary(&mut out, &ingested, &results, &plan)?;
    writeln!(out, "wrote {} files to `{}`", written.len(), a.out.display())?;
    Ok(ExitStatus::Success)
}

/// The plan in words: what will be computed, then how.
fn explain(a: &DetectArgs, p: &Plan) -> String {
    use lockstep_model::time::fmt_secs;
    let d = &p.detect;
    let inputs: Vec<String> = a.inputs.iter().map(|i| format!("`{}`", i.display())).collect();
    let layers = p.ingest.layers.map_or("every layer the input has".to_string(), |l| l.join(", "));
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
    if let Some(m) = &a.map {
        line("mapping", m.clone());
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
    line("duplicates", if d.dedup { "drop exact duplicate actions".into() } else { "keep".into() });
    line("pairs", format!("actions on one object with |dt| <= {} s", fmt_secs(d.window_us)));
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
    line("clusters", "connected components of the edges over the threshold".into());
    line("semantics", d.semantics.name().into());
    let threads = match a.threads {
        None | Some(0) => "all cores".to_string(),
        Some(1) => "1 thread".to_string(),
        Some(t) => format!("{t} threads"),
    };
    line("execution", format!("in memory, on {threads} (results do not depend on it)"));
    line(
        "outputs",
        format!("{} in `{}`", lockstep_report::OUTPUT_FILES.join(", "), a.out.display()),
    );
    out
}

/// `1 record`, `2 records`, `1,234 records`.
fn count(n: u64, noun: &str) -> String {
    format!("{} {noun}{}", thousands(n), if n == 1 { "" } else { "s" })
}

fn print_summary(
    out: &mut dyn Write,
    ing: &lockstep_ingest::Ingested,
    r: &lockstep_report::Results<'_>,
    plan: &Plan,
) -> std::io::Result<()> {
    let t = thousands;
    for f in &ing.files {
        writeln!(
            out,
            "read `{}` ({}): {}, {} used, {} skipped",
            f.path,
            f.format,
            count(f.records_read, "record"),
            t(f.records_used),
            t(f.records_skipped())
        )?;
        for (layer, n) in &f.empty_object_cells {
            let rows = count(*n, "row");
            writeln!(out, "  {rows} with an empty `{layer}` cell (no action on that layer)")?;
        }
        for note in &f.notes {
            writeln!(out, "note: {note}")?;
        }
    }
    for (reason, n) in &ing.skips.counts {
        let skipped = count(*n, "record");
        match ing.skips.examples.iter().find(|e| &e.reason == reason) {
            Some(e) => writeln!(
                out,
                "warning: skipped {skipped}: {reason} (first: `{}` line {}, field `{}`{})",
                e.file,
                e.line,
                e.field,
                if e.detail.is_empty() { String::new() } else { format!(": {}", e.detail) }
            )?,
            None => writeln!(out, "warning: skipped {skipped}: {reason}")?,
        }
    }
    let ds = r.ds;
    let layers: LayerSet = ds.actions.layer.iter().copied().collect();
    writeln!(
        out,
        "{} on {} ({}, {})",
        count(ds.actions.len() as u64, "action"),
        layers.join(", "),
        count(ds.accounts.len() as u64, "account"),
        count(ds.objects.len() as u64, "object")
    )?;
    let s = &r.det.stats;
    writeln!(
        out,
        "{} within {} s ({} semantics): {}, {}",
        count(s.pairs, "coordinated pair"),
        lockstep_model::time::fmt_secs(plan.detect.window_us),
        plan.detect.semantics,
        count(s.accounts, "account"),
        count(s.objects, "object")
    )?;
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
    let rule = if rule.is_empty() { "all edges".to_string() } else { rule.join(" and ") };
    writeln!(
        out,
        "coordinated ({rule}): {}, {} in {} (largest {})",
        count(n.sub.edges, "edge"),
        count(n.sub.vertices, "account"),
        count(n.sub.components, "cluster"),
        t(n.sub.largest)
    )
}
