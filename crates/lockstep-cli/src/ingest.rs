use crate::args::IngestArgs;
use crate::input::count;
use crate::progress::Shown;
use crate::ExitStatus;
use anyhow::bail;
use lockstep_pipeline::{Engine, Execution, Observer, Stage};
use std::io::Write;

pub fn run(a: IngestArgs) -> anyhow::Result<ExitStatus> {
    // A dataset keeps each post's own text for the analyses that need it.
    let options = crate::input::options(&a.input);
    let inputs = lockstep_pipeline::input::resolve(&options, false)?;
    let mut config = lockstep_pipeline::input::ingest_config(&options)?;
    config.keep_text = true;
    // Within the default memory limit, as `detect` reads.
    let exec = Execution::new(a.threads, None, None, Engine::Native);
    let config = exec.reading(&config);
    let pool = exec.pool()?;
    let observer = Shown::new(a.quiet);
    let loaded = pool.install(|| lockstep_pipeline::input::read(&inputs, &config, &observer))?;
    let ing = &loaded.ingested;
    if ing.dataset.actions.is_empty() {
        bail!(
            "no actions in the input: {} read, none gave an action on a selected layer",
            count(ing.files.iter().map(|f| f.records_read).sum(), "record")
        );
    }
    observer.begin(Stage::Writing);
    let manifest = pool.install(|| {
        lockstep_store::write_dataset(
            &a.out,
            &ing.dataset,
            &ing.files,
            &ing.skips,
            lockstep_pipeline::input::parameters(&options, &config),
        )
    })?;
    observer.end();
    let mut out = std::io::stdout().lock();
    crate::input::print_reads(&mut out, &loaded)?;
    let tables: Vec<String> = lockstep_store::TABLES
        .iter()
        .map(|t| {
            let info = &manifest.tables[*t];
            format!("{t} ({}, {})", count(info.rows, "row"), size(info.bytes))
        })
        .collect();
    writeln!(out, "wrote dataset `{}`: {}", a.out.display(), tables.join(", "))?;
    writeln!(out, "next: lockstep detect {} --out OUT/", a.out.display())?;
    Ok(ExitStatus::Success)
}

/// `532 B`, `14.2 KiB`, `1.3 GiB`.
fn size(bytes: u64) -> String {
    let mut v = bytes as f64;
    for unit in ["B", "KiB", "MiB", "GiB"] {
        if v < 1024.0 || unit == "GiB" {
            return if unit == "B" { format!("{bytes} B") } else { format!("{v:.1} {unit}") };
        }
        v /= 1024.0;
    }
    unreachable!()
}
