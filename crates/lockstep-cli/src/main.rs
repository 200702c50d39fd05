//! The `lockstep` binary: a thin shell over the engine crates.

mod args;
mod detect;
mod evaluate;
mod export;
mod export_sql;
mod ingest;
mod input;
mod memory;
mod progress;
mod serve;
mod simulate;
mod sweep;
mod watch;

use std::process::ExitCode;

/// Exit statuses: 0 success, 2 error. (1 is reserved for "findings" when a
/// later flag asks for it.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Done.
    Success = 0,
    /// Bad input, bad flags, I/O failure.
    Error = 2,
}

fn main() -> ExitCode {
    let args = <args::Cli as clap::Parser>::parse();
    match run(args) {
        Ok(s) => ExitCode::from(s as u8),
        Err(e) => {
            // A closed pipe (`lockstep ... | head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            if let Some(hint) = hint(&e) {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(ExitStatus::Error as u8)
        }
    }
}

/// What the user can do about an error, where there is something to say.
fn hint(e: &anyhow::Error) -> Option<&'static str> {
    use lockstep_ingest::IngestError;
    let ingest = e.downcast_ref::<IngestError>().or_else(|| {
        match e.downcast_ref::<lockstep_pipeline::Error>()? {
            lockstep_pipeline::Error::Ingest(i) => Some(i),
            _ => None,
        }
    });
    match ingest? {
        IngestError::MissingColumns { .. } => Some(
            "name the columns with `--map account=COL,content=COL,timestamp=COL,object=COL` (or a layer such as `url=COL`), or pick a format with `--format`",
        ),
        IngestError::UnknownFormat { head, .. } if head.starts_with(['{', '[']) => Some(
            "JSON no reader recognised: `--format` names one (`lockstep formats` lists them), or `--map account=PATH,content=PATH,timestamp=PATH` and a layer such as `url=PATH` read any JSON by dotted paths",
        ),
        IngestError::UnknownFormat { .. } => Some("`--format shares-csv` reads any CSV, with `--map` to name its columns"),
        IngestError::BadRecord { .. } => Some("without `--strict`, bad records are counted and skipped"),
        _ => None,
    }
}

fn run(cli: args::Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        args::Command::Detect(a) => detect::run(*a),
        args::Command::Ingest(a) => ingest::run(a),
        args::Command::Report(a) => {
            lockstep_report::check_run_folder(&a.dir)?;
            let options = lockstep_html::ReportOptions { all_clusters: a.all_clusters };
            let path = lockstep_html::write_report(&a.dir, options)?;
            use std::io::Write;
            writeln!(std::io::stdout().lock(), "wrote `{}`", path.display())?;
            Ok(ExitStatus::Success)
        }
        args::Command::Serve(a) => serve::run(a),
        args::Command::Sweep(a) => sweep::run(*a),
        args::Command::Watch(a) => watch::run(*a),
        args::Command::Export(a) => export::run(a),
        args::Command::ExportSql(a) => export_sql::run(a),
        args::Command::Simulate(a) => simulate::run(a),
        args::Command::Evaluate(a) => evaluate::run(a),
        args::Command::Formats => {
            let mut out = std::io::stdout().lock();
            for f in lockstep_ingest::registry() {
                use std::io::Write;
                writeln!(out, "{:<12} {}", f.name(), f.description())?;
                for line in f.example().lines() {
                    writeln!(out, "{:<12}   {line}", "")?;
                }
            }
            Ok(ExitStatus::Success)
        }
    }
}
