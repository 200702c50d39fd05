//! The `lockstep` binary: a thin shell over the engine crates.

mod args;
mod detect;
mod progress;
mod simulate;

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
            ExitCode::from(ExitStatus::Error as u8)
        }
    }
}

fn run(cli: args::Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        args::Command::Detect(a) => detect::run(a),
        args::Command::Simulate(a) => simulate::run(a),
    }
}
