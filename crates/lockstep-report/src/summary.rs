use crate::Results;
use lockstep_model::{FileReport, SkipLog};
use serde_json::{json, Value};

/// What the caller knows about the run that the results do not carry.
pub struct RunInfo<'a> {
    /// Every parameter, as the user would write it.
    pub parameters: Value,
    /// One report per input.
    pub files: &'a [FileReport],
    /// Skipped records.
    pub skips: &'a SkipLog,
    /// Milliseconds per stage, in stage order.
    pub timings_ms: Vec<(String, f64)>,
    /// How the run was executed, when that is worth a record (it ran out
    /// of core, say); results never depend on it.
    pub execution: Option<Value>,
    /// The files written before `summary.json`, in order, with their sizes
    /// in bytes.
    pub outputs: Vec<(String, u64)>,
}

fn file_json(f: &FileReport) -> Value {
    json!({
        "path": f.path,
        "format": f.format,
        "sha256": f.sha256,
        "bytes": f.bytes,
        "records_read": f.records_read,
        "records_used": f.records_used,
        "records_skipped": f.records_skipped(),
        "skipped_by_reason": f.skipped,
        "empty_object_cells": f.empty_object_cells,
        "actions": f.actions,
        "actions_on_unselected_layers": f.actions_not_selected,
        "objects_not_acts": f.objects_not_acts,
        "notes": f.notes,
    })
}

/// The content of `summary.json`.
pub fn summary_json(r: &Results<'_>, run: &RunInfo<'_>) -> Value {
    let (ds, det, net) = (r.ds, r.det, r.net);
    let s = &det.stats;
    let sum = |f: fn(&FileReport) -> u64| run.files.iter().map(f).sum::<u64>();
    let mut per_layer = [0u64; lockstep_model::Layer::ALL.len()];
    for l in &ds.actions.layer {
        per_layer[l.index()] += 1;
    }
    let mut layers = serde_json::Map::new();
    for (l, n) in lockstep_model::Layer::ALL.iter().zip(per_layer) {
        if n > 0 {
            layers.insert(l.name().into(), json!(n));
        }
    }
    let mut platforms = serde_json::Map::new();
    let mut per_platform = vec![0u64; ds.platforms.len()];
    for &p in &ds.actions.platform {
        per_platform[p as usize] += 1;
    }
    for (p, n) in per_platform.into_iter().enumerate() {
        if n > 0 {
            let name = ds.platforms.resolve(p as u32);
            platforms.insert(if name.is_empty() { "unknown" } else { name }.into(), json!(n));
        }
    }
    let span = ds.actions.time_us.iter().fold(None, |span: Option<(i64, i64)>, &t| {
        Some(span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))))
    });
    let (first, last) = (span.map(|s| s.0), span.map(|s| s.1));
    let iso = |t: Option<i64>| t.map(lockstep_model::time::fmt_iso);
    let mut v = json!({
        "lockstep_version": env!("CARGO_PKG_VERSION"),
        "run_folder_version": r.run_folder_version(),
        "parameters": run.parameters,
        "inputs": run.files.iter().map(file_json).collect::<Vec<_>>(),
        "records": {
            "read": sum(|f| f.records_read),
            "used": sum(|f| f.records_used),
            "skipped": sum(|f| f.records_skipped()),
            "skipped_by_reason": run.skips.counts,
            "skip_examples": run.skips.examples.iter().map(|e| json!({
                "file": e.file, "line": e.line, "field": e.field, "reason": e.reason, "detail": e.detail,
            })).collect::<Vec<_>>(),
        },
        "dataset": {
            "actions": ds.actions.len(),
            "actions_by_layer": layers,
            "actions_by_platform": platforms,
            "first_action_utc": iso(first),
            "last_action_utc": iso(last),
            "accounts": ds.accounts.len(),
            "objects": ds.objects.len(),
            "content_ids": ds.contents.len(),
            "accounts_with_metadata": ds.account_meta.with_metadata(),
        },
        "detection": {
            "duplicates_dropped": s.duplicates_dropped,
            "actions_prefiltered_out": s.prefiltered_out,
            "pairs_in_window": s.pairs_in_window,
            "loops_removed": s.loops_removed,
            "participation_removed": s.participation_removed,
            "pairs": s.pairs,
            "fast_pairs": s.fast_pairs,
            "accounts": s.accounts,
            "objects": s.objects,
        },
        "network": {
            "vertices": net.full.vertices,
            "edges": net.full.edges,
            "components": net.full.components,
            "largest_component": net.full.largest,
            "quantile_value": net.quantile_value,
        },
        "coordinated": {
            "vertices": net.sub.vertices,
            "edges": net.sub.edges,
            "clusters": net.clusters.len(),
            "largest_cluster": net.clusters.first().map_or(0, |c| c.accounts.len()),
            "feed_mirrors": r.scores.map(|s| {
                s.iter().filter(|s| s.feed_mirror.is_some()).map(|s| s.cluster).collect::<Vec<_>>()
            }),
        },
        "near_text": r.near_text.map(|layer| match layer {
            lockstep_text::TextLayer::Clusters(n) => json!({
                "mode": "lsh",
                "threshold": n.config.threshold,
                "min_tokens": n.config.min_tokens,
                "emoji_are_words": n.config.emoji,
                "seed": n.config.seed,
                "lsh_bands": n.lsh.bands,
                "lsh_rows": n.lsh.rows,
                "distinct_texts": n.texts,
                "distinct_texts_too_short": n.too_short,
                "text_actions_too_short": n.actions_too_short,
                "text_actions_alone": n.actions_alone,
                "actions": n.actions(),
                "clusters": n.clusters,
                "largest_cluster_texts": n.largest,
                "comparisons": n.comparisons,
                "similar_comparisons": n.similar,
            }),
            lockstep_text::TextLayer::SimilarPosts(s) => json!({
                "mode": "qut",
                "threshold": s.config.threshold,
                "min_tokens": s.config.min_tokens,
                "posts_with_text": s.posts,
                "posts_too_short": s.too_short,
                "actions": s.actions(),
            }),
        }),
        "significance": r.significance.map(|s| json!({
            "null": "each account shifted by whole days within the span (keeps its hours); objects' alignments independent (Poisson-binomial)",
            "span_days": s.span_days,
            "hypotheses": s.hypotheses,
            "edges_tested": s.p_value.len(),
            "edges_q_at_most_0_01": s.q_value.iter().filter(|&&q| q <= 0.01).count(),
            "edges_q_at_most_0_05": s.q_value.iter().filter(|&&q| q <= 0.05).count(),
            "partners": {
                "null": "configuration model: each account keeps its strength (summed edge weight), partners at random; Poisson tail",
                "hypotheses": s.partners.hypotheses,
                "edges_q_at_most_0_01": s.partners.q_value.iter().filter(|&&q| q <= 0.01).count(),
                "edges_q_at_most_0_05": s.partners.q_value.iter().filter(|&&q| q <= 0.05).count(),
            },
            "openings": "a meeting inside an object's opening (its first hour, and on while actions come within the window of each other) counts at the larger of the day-shift chance and the opening's own (its times kept, who holds them random)",
            "edges_with_meetings_in_openings": s.in_openings.iter().filter(|&&n| n > 0).count(),
            "edges_both_q_at_most_0_01": (0..s.q_value.len()).filter(|&i| s.q_both(i) <= 0.01).count(),
        })),
        "bios": r.bios.map(|b| json!({
            "accounts_with_bio": b.accounts_with_bio,
            "too_short": b.too_short,
            "lsh_bands": b.lsh.bands,
            "lsh_rows": b.lsh.rows,
            "comparisons": b.comparisons,
            "clusters": b.clusters.len(),
            "accounts_in_clusters": b.clusters.iter().map(Vec::len).sum::<usize>(),
            "largest_cluster": b.clusters.first().map_or(0, Vec::len),
        })),
        "timings_ms": run.timings_ms.iter().map(|(k, v)| json!({"stage": k, "ms": (v * 10.0).round() / 10.0})).collect::<Vec<_>>(),
        "outputs": run.outputs.iter().map(|(file, bytes)| json!({"file": file, "bytes": bytes})).collect::<Vec<_>>(),
    });
    if let Some(e) = &run.execution {
        v["execution"] = e.clone();
    }
    v
}
