//! The `lockstep` command line as a library: its flags ([`args`]) and
//! commands, for the `lockstep` binary and for bindings that take the same
//! flags (the Python package parses its options here, so that names,
//! defaults and messages are the CLI's).

pub mod args;
pub mod detect;
mod evaluate;
mod export;
mod export_sql;
mod ingest;
mod input;
mod memory;
pub mod progress;
mod serve;
mod simulate;
mod sweep;
mod watch;

/// Exit statuses: 0 success, 2 error. (1 is reserved for "findings" when a
/// later flag asks for it.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Done.
    Success = 0,
    /// Bad input, bad flags, I/O failure.
    Error = 2,
}

/// Runs a parsed command line.
pub fn run(cli: args::Cli) -> anyhow::Result<ExitStatus> {
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

/// The plan and execution of `lockstep detect ARGS...` (`args` without the
/// program's name), as the binary would run them; clap's error (with its
/// usage text) for bad flags.
pub fn detect_plan(
    args: &[String],
) -> Result<(lockstep_pipeline::Plan, lockstep_pipeline::Execution), DetectPlanError> {
    let argv = ["lockstep", "detect"].into_iter().map(String::from).chain(args.iter().cloned());
    let cli = <args::Cli as clap::Parser>::try_parse_from(argv).map_err(DetectPlanError::Flags)?;
    let args::Command::Detect(a) = cli.command else {
        unreachable!("the command is detect");
    };
    let plan = lockstep_pipeline::Plan::new(detect::options(&a)).map_err(DetectPlanError::Plan)?;
    let exec = lockstep_pipeline::Execution::new(
        a.threads,
        a.memory_limit,
        a.spill_dir.clone(),
        a.engine.clone(),
    );
    Ok((plan, exec))
}

/// Why [`detect_plan`] refused its flags.
#[derive(Debug)]
pub enum DetectPlanError {
    /// A flag or value clap refused.
    Flags(clap::Error),
    /// Options that cannot be planned.
    Plan(lockstep_pipeline::Error),
}

impl std::fmt::Display for DetectPlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DetectPlanError::Flags(e) => write!(f, "{}", e.render()),
            DetectPlanError::Plan(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DetectPlanError {}
