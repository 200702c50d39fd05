//! Reading the inputs, shared by `detect` and `ingest`: files through the
//! format readers, or a dataset folder through the store.

use crate::args::InputArgs;
use crate::detect::thousands;
use crate::progress::Stages;
use anyhow::{bail, Context};
use lockstep_ingest::{ColumnMap, FileSource, IngestConfig, Ingested, Source, StdinSource};
use lockstep_model::{Layer, LayerSet};
use lockstep_store::Manifest;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

/// The layers the user selected (`None`: every layer the input has).
pub fn selected_layers(a: &InputArgs) -> anyhow::Result<Option<LayerSet>> {
    Ok(match &a.layers {
        None => None,
        Some(names) => {
            Some(names.iter().map(|n| n.parse::<Layer>()).collect::<Result<LayerSet, _>>()?)
        }
    })
}

/// The ingest options, checked. `near_text` is derived from the `text`
/// layer after reading, so selecting it reads `text`.
pub fn config(a: &InputArgs) -> anyhow::Result<IngestConfig> {
    let layers = selected_layers(a)?.map(|mut l| {
        if l.contains(Layer::NearText) {
            l.0 &= !(1 << Layer::NearText.index());
            l.insert(Layer::Text);
        }
        l
    });
    let map = match (&a.map, &a.map_file) {
        (Some(m), _) => Some(m.parse::<ColumnMap>()?),
        (None, Some(file)) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read the mapping file `{}`", file.display()))?;
            Some(ColumnMap::from_toml(&file.display().to_string(), &text)?)
        }
        (None, None) => None,
    };
    let format = (a.format != "auto").then(|| a.format.clone());
    Ok(IngestConfig {
        format,
        map,
        layers,
        strict: a.strict,
        keep_text: false,
        stated_times: a.stated_times,
        served_by: a.served_by.clone(),
    })
}

/// The ingest options as the user gave them, for summaries and manifests.
pub fn parameters(a: &InputArgs, c: &IngestConfig) -> serde_json::Value {
    json!({
        "format": c.format.as_deref().unwrap_or("auto"),
        "map": a.map,
        "map_file": a.map_file.as_ref().map(|f| f.display().to_string()),
        "layers": c.layers.map(|l| l.join(",")),
        "strict": c.strict,
        "stated_times": c.stated_times,
        "served_by": c.served_by,
    })
}

/// What was read, and the dataset it came from, if any.
pub struct Loaded {
    pub ingested: Ingested,
    pub dataset: Option<(PathBuf, Manifest)>,
}

/// The dataset folder among the inputs, if the inputs are one; an error if
/// a dataset comes with other inputs or with options that only parsing
/// uses.
fn dataset_input(a: &InputArgs) -> anyhow::Result<Option<PathBuf>> {
    // A dataset's tables without its manifest (written last) are not a
    // dataset, and not inputs either.
    for p in &a.inputs {
        let tables = lockstep_store::TABLES.iter().any(|t| p.join(t).exists());
        if p.is_dir() && tables && !lockstep_store::is_dataset(p) {
            bail!(
                "`{}` holds a dataset's tables but no `{}` (written last): its ingest did not finish; run `lockstep ingest` again",
                p.display(),
                lockstep_store::MANIFEST
            );
        }
    }
    let datasets: Vec<&PathBuf> =
        a.inputs.iter().filter(|p| lockstep_store::is_dataset(p)).collect();
    let Some(&dir) = datasets.first() else { return Ok(None) };
    if a.inputs.len() > 1 {
        bail!(
            "`{}` is a dataset: read it alone, or ingest every input into one dataset with `lockstep ingest`",
            dir.display()
        );
    }
    let parsing_flags: Vec<&str> = [
        (a.format != "auto", "--format"),
        (a.map.is_some(), "--map"),
        (a.map_file.is_some(), "--map-file"),
        (a.strict, "--strict"),
        (a.stated_times, "--stated-times"),
        (a.served_by.is_some(), "--served-by"),
    ]
    .into_iter()
    .filter_map(|(given, flag)| given.then_some(flag))
    .collect();
    if !parsing_flags.is_empty() {
        bail!(
            "`{}` is a dataset, parsed when it was ingested: {} {} to `lockstep ingest`, not to reading a dataset",
            dir.display(),
            parsing_flags.join(", "),
            if parsing_flags.len() == 1 { "applies" } else { "apply" }
        );
    }
    Ok(Some(dir.clone()))
}

/// Reads the inputs (`allow_dataset`: a dataset folder may be one).
pub fn read(
    a: &InputArgs,
    c: &IngestConfig,
    stages: &mut Stages,
    allow_dataset: bool,
) -> anyhow::Result<Loaded> {
    if allow_dataset {
        if let Some(dir) = dataset_input(a)? {
            let bar = stages.start("reading");
            bar.set_message(format!("reading dataset `{}`", dir.display()));
            let (manifest, ingested) = lockstep_store::read_ingested(&dir, c.layers)?;
            return Ok(Loaded { ingested, dataset: Some((dir, manifest)) });
        }
    } else if let Some(dir) = a.inputs.iter().find(|p| lockstep_store::is_dataset(p)) {
        bail!("`{}` is already a dataset: `lockstep detect` reads it", dir.display());
    }
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
    let ingested = lockstep_ingest::ingest(&sources, c, &progress)?;
    Ok(Loaded { ingested, dataset: None })
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
