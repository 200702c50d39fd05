use crate::args::{ClustersArg, DetectArgs, NearTextMode, NearTextPairs, RuleArg, SemanticsArg};
use crate::input::count;
use crate::memory::fmt_bytes;
use crate::ExitStatus;
use lockstep_detect::bounded::SpillStats;
use lockstep_detect::{DetectConfig, Semantics};
use lockstep_pipeline::{Clusters, Engine, Execution, Memory, Options, Plan, Rule};
use lockstep_text::TextLayer;
use std::io::Write;

/// The flags as the pipeline's options.
pub fn options(a: &DetectArgs) -> Options {
    Options {
        input: crate::input::options(&a.input),
        window_s: a.window,
        slow_window_s: a.slow_window,
        slow_layers: a.slow_layers.clone(),
        fast_window_s: a.fast_window,
        min_participation: a.min_participation,
        edge_weight: a.edge_weight,
        min_weight: a.min_weight,
        text_similarity: a.text_similarity,
        min_text_tokens: a.min_text_tokens,
        near_text_mode: match a.near_text_mode {
            NearTextMode::Lsh => lockstep_pipeline::NearTextMode::Lsh,
            NearTextMode::Qut => lockstep_pipeline::NearTextMode::Qut,
        },
        near_text_pairs: match a.near_text_pairs {
            NearTextPairs::Similar => lockstep_pipeline::NearTextPairs::Similar,
            NearTextPairs::Cluster => lockstep_pipeline::NearTextPairs::Cluster,
        },
        drop_emoji: a.drop_emoji,
        rule: a.rule.map(|r| match r {
            RuleArg::Tested => Rule::Tested,
            RuleArg::Naive => Rule::Naive,
        }),
        fdr: a.fdr,
        min_idf: a.min_idf,
        clusters: a.clusters.map(|c| match c {
            ClustersArg::Components => Clusters::Components,
            ClustersArg::Leiden => Clusters::Leiden,
            ClustersArg::Split => Clusters::Split,
        }),
        split_above: a.split_above,
        resolution: a.resolution,
        semantics: match a.semantics {
            SemanticsArg::Lockstep => Semantics::Lockstep,
            SemanticsArg::Coortweet => Semantics::CooRTweet,
        },
        keep_loops: a.keep_loops,
        dedup: a.dedup,
        engine: a.engine.clone(),
        raw_csv: a.raw_csv,
        all_pairs: a.all_pairs,
        all_edges: a.all_edges,
        compress_pairs: a.compress_pairs,
        output_format: a.output_format.into(),
    }
}

/// From this size of pairs.csv on, a run suggests `--compress-pairs`.
const SUGGEST_COMPRESSION_BYTES: u64 = 1 << 30;

/// The detection's memory in words, when it ran out of core.
fn describe_memory(m: &Memory, s: &SpillStats) -> String {
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
    let contents = match m.contents_mapped {
        Some(b) => format!("; content ids in a mapped file ({} off the heap)", fmt_bytes(b)),
        None => String::new(),
    };
    let results = if s.results_on_disk {
        format!("; pairs and edges kept in files mapped read-only ({})", fmt_bytes(s.result_bytes))
    } else {
        String::new()
    };
    format!(
        "memory: limit {}, {} in use before detecting; actions swept in {}{again}; {spilled}{results}{contents}",
        m.limit.map_or("none".into(), fmt_bytes),
        fmt_bytes(m.in_use),
        count(s.parts as u64, "part"),
    )
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
    let plan = Plan::new(options(&a))?;
    let exec = Execution::new(a.threads, a.memory_limit, a.spill_dir.clone(), a.engine.clone());
    if a.explain {
        std::io::stdout().lock().write_all(explain(&a, &plan, &exec).as_bytes())?;
        return Ok(ExitStatus::Success);
    }
    let observer = crate::progress::Shown::new(a.quiet);
    let (outcome, written) = lockstep_pipeline::run(&plan, &exec, &a.out, &observer)?;
    tell(&plan, &outcome, &written, &a.out)
}

/// What a run found and wrote, on stdout; an error status when it read no
/// action.
pub fn tell(
    plan: &Plan,
    outcome: &lockstep_pipeline::Outcome,
    written: &[std::path::PathBuf],
    dir: &std::path::Path,
) -> anyhow::Result<ExitStatus> {
    let results = outcome.results(plan);
    let mut out = std::io::stdout().lock();
    crate::input::print_reads(&mut out, &outcome.loaded)?;
    print_summary(&mut out, &results, plan)?;
    if let Some((m, s)) = &outcome.out_of_core {
        writeln!(out, "{}", describe_memory(m, s))?;
    }
    let scores = &outcome.scores;
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
    // How big what was written is (summary.json aside: its timings vary).
    let sizes = &outcome.outputs;
    let total: u64 = sizes.iter().map(|s| s.1).sum();
    let largest = sizes.iter().max_by_key(|s| s.1);
    writeln!(
        out,
        "wrote {} files to `{}`: {} of tables and graphs{}",
        written.len(),
        dir.display(),
        fmt_bytes(total),
        largest.map_or(String::new(), |(name, len)| format!(
            ", the largest {name} ({})",
            fmt_bytes(*len)
        ))
    )?;
    let pairs = sizes.iter().find(|s| s.0 == lockstep_report::files::pairs::FILE);
    if let Some((name, len)) = pairs.filter(|s| s.1 >= SUGGEST_COMPRESSION_BYTES) {
        writeln!(
            out,
            "{name} is {}: --compress-pairs writes it as {} at about a sixth of the size, and report, serve and export read it in place",
            fmt_bytes(*len),
            lockstep_report::files::pairs::COMPRESSED
        )?;
    }
    let ingested = &outcome.loaded.ingested;
    if ingested.dataset.actions.is_empty() {
        // Said after the reads and the skips above, and with the empty
        // run folder written, so that summary.json records why.
        eprintln!(
            "error: no actions in the input: {} read, none gave an action on a selected layer (the reasons are above, and in `{}`)",
            count(ingested.files.iter().map(|f| f.records_read).sum(), "record"),
            dir.join(lockstep_report::SUMMARY_JSON).display()
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
    if let Some(w) = p.min_idf() {
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
    if let (Some(n), lockstep_pipeline::NearTextMode::Qut) =
        (&p.near_text, p.options.near_text_mode)
    {
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
        Engine::Native => format!("{memory}, on {threads} (results depend on neither)"),
        Engine::Plan(lockstep_scale::Engine::Embedded { .. }) => format!(
            "the window stage as a plan on DataFusion in this process, on {threads}; the rest in memory here (results as the native engine's)"
        ),
        Engine::Plan(lockstep_scale::Engine::Ballista { scheduler }) => format!(
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
    if let Some(w) = plan.min_idf() {
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
