//! The `lockstep` binary: a thin shell over the engine crates.

use lockstep_cli::{args, run, ExitStatus};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = <args::Cli as clap::Parser>::parse();
    if matches!(args.command, args::Command::Watch(_)) {
        fewer_arenas();
    }
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

/// Caps glibc's allocator at two arenas. By default it makes one per
/// thread that meets contention, up to eight per core, and a freed page
/// stays with its arena: a watch, which builds and frees a horizon's
/// dataset at every refresh on whichever threads run it, held a quarter
/// to a third of its resident memory that way (BENCHMARKS.md, "The
/// horizon in segments": a one-day soak's peak 193 MB, 126 MB with two
/// arenas, in the same time).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn fewer_arenas() {
    // SAFETY: `mallopt` sets one of the allocator's parameters; it is
    // called before any thread is started, and a refusal (a zero return)
    // leaves the default, which is correct, only larger.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fewer_arenas() {}

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
