//! The input flags, shared by `detect` and `ingest`, and what reading did
//! in words.

use crate::args::InputArgs;
use crate::detect::thousands;
use lockstep_model::LayerSet;
use lockstep_pipeline::{InputOptions, Loaded};
use std::io::Write;

/// The input flags as the pipeline's options.
pub fn options(a: &InputArgs) -> InputOptions {
    InputOptions {
        paths: a.inputs.clone(),
        format: (a.format != "auto").then(|| a.format.clone()),
        map: a.map.clone(),
        map_file: a.map_file.clone(),
        layers: a.layers.clone(),
        strict: a.strict,
        stated_times: a.stated_times,
        served_by: a.served_by.clone(),
    }
}

/// `1 record`, `2 records`, `1,234 records`.
pub fn count(n: u64, noun: &str) -> String {
    format!("{} {noun}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// What reading did: the dataset, each input, skipped records, and the
/// actions that came out.
pub fn print_reads(out: &mut dyn Write, l: &Loaded) -> std::io::Result<()> {
    let t = thousands;
    let ing = &l.ingested;
    if let Some((dir, m)) = &l.dataset {
        writeln!(
            out,
            "read dataset `{}` (written by lockstep {} from {})",
            dir.display(),
            m.lockstep_version,
            count(m.inputs.len() as u64, "input")
        )?;
    }
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
        for (reason, n) in &f.objects_not_acts {
            writeln!(out, "  {} not read as acts: {reason}", count(*n, "object"))?;
        }
        for (n, why) in [
            (f.times_from_ids, "taken from the post id, finer than stated and agreeing (`--stated-times` keeps them as stated)"),
            (f.times_not_ids, "kept as stated: the post id says otherwise"),
        ] {
            if n > 0 {
                writeln!(out, "  {} {why}", count(n, "time"))?;
            }
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
    let ds = &ing.dataset;
    if ds.actions.is_empty() {
        return writeln!(
            out,
            "no actions ({} with metadata only)",
            count(ds.accounts.len() as u64, "account")
        );
    }
    let layers: LayerSet = ds.actions.layer.iter().copied().collect();
    let acting = ds.acting().iter().filter(|&&a| a).count() as u64;
    let referents = match ds.accounts.len() as u64 - acting {
        0 => String::new(),
        n => format!("; {} with metadata only", count(n, "more account")),
    };
    writeln!(
        out,
        "{} on {} ({}, {}{referents})",
        count(ds.actions.len() as u64, "action"),
        layers.join(", "),
        count(acting, "account"),
        count(ds.objects.len() as u64, "object")
    )
}
