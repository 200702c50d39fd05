//! `lockstep export-sql DATASET`: the co-action stage as a SQL script.

use std::io::Write;

use anyhow::{bail, Context};

use crate::args::ExportSqlArgs;
use crate::ExitStatus;
use lockstep_pipeline::plan::seconds_to_us;

pub fn run(a: ExportSqlArgs) -> anyhow::Result<ExitStatus> {
    if !lockstep_store::is_dataset(&a.dataset) {
        bail!(
            "`{}` is not a dataset folder (no {}): make one with `lockstep ingest INPUT --out DIR`",
            a.dataset.display(),
            lockstep_store::MANIFEST
        );
    }
    // Absolute paths: the script runs wherever the engine is started.
    let dataset =
        std::fs::canonicalize(&a.dataset).with_context(|| format!("`{}`", a.dataset.display()))?;
    let results =
        std::path::absolute(&a.results).with_context(|| format!("`{}`", a.results.display()))?;
    let params = lockstep_scale::duckdb::SqlParams {
        window_us: seconds_to_us("--window", a.window)?,
        fast_window_us: a.fast_window.map(|f| seconds_to_us("--fast-window", f)).transpose()?,
        min_participation: a.min_participation,
        keep_loops: a.keep_loops,
        dedup: a.dedup,
    };
    let sql = lockstep_scale::duckdb::coaction_sql(
        &dataset.to_string_lossy(),
        &results.to_string_lossy(),
        &params,
    );
    if a.out.as_os_str() == "-" {
        std::io::stdout().lock().write_all(sql.as_bytes())?;
    } else {
        std::fs::write(&a.out, sql).with_context(|| format!("`{}`", a.out.display()))?;
        writeln!(
            std::io::stdout().lock(),
            "wrote `{}`: run it with DuckDB (it writes into `{}`; create that folder first)",
            a.out.display(),
            results.display()
        )?;
    }
    Ok(ExitStatus::Success)
}
