//! `lockstep-ballista`: the scheduler and executor processes of a Ballista
//! cluster, built with lockstep's `scale-out` feature so that a local
//! cluster (`scripts/ballista-cluster.sh`) needs no second build of
//! Ballista. The flags are those of Ballista's own `ballista-scheduler`
//! and `ballista-executor` binaries, for the few this needs.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lockstep_scale::cluster::{run_executor, run_scheduler, ExecutorOptions};

/// The processes of a Ballista cluster, for `lockstep detect --engine ballista://HOST:PORT`.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Plans jobs and hands their tasks to executors.
    Scheduler {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        bind_host: String,
        /// The port clients and executors connect to.
        #[arg(long, default_value_t = 50050)]
        bind_port: u16,
    },
    /// Runs tasks and serves their results.
    Executor {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        bind_host: String,
        /// The address the scheduler and clients reach this executor at
        /// (default: the bind address; give one when binding 0.0.0.0).
        #[arg(long)]
        external_host: Option<String>,
        /// The Arrow Flight port.
        #[arg(long, default_value_t = 50051)]
        bind_port: u16,
        /// The gRPC port.
        #[arg(long, default_value_t = 50052)]
        bind_grpc_port: u16,
        /// The scheduler's host.
        #[arg(long, default_value = "127.0.0.1")]
        scheduler_host: String,
        /// The scheduler's port.
        #[arg(long, default_value_t = 50050)]
        scheduler_port: u16,
        /// Tasks run at once (default: the cores).
        #[arg(long)]
        concurrent_tasks: Option<usize>,
        /// Where shuffle files go (default: a temporary folder).
        #[arg(long)]
        work_dir: Option<PathBuf>,
    },
}

/// Ballista's log records on stderr, at the level of
/// `LOCKSTEP_BALLISTA_LOG` (`error`, `warn`, `info`, `debug`, `trace`;
/// default `warn`).
struct Stderr;

impl log::Log for Stderr {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.level() <= log::max_level()
    }

    fn log(&self, r: &log::Record) {
        if self.enabled(r.metadata()) {
            eprintln!("{} {}: {}", r.level(), r.target(), r.args());
        }
    }

    fn flush(&self) {}
}

fn main() -> ExitCode {
    let level = std::env::var("LOCKSTEP_BALLISTA_LOG")
        .ok()
        .and_then(|l| l.parse().ok())
        .unwrap_or(log::LevelFilter::Warn);
    if log::set_logger(&Stderr).is_ok() {
        log::set_max_level(level);
    }
    let result = match Cli::parse().command {
        Command::Scheduler { bind_host, bind_port } => {
            eprintln!("lockstep-ballista: scheduler on {bind_host}:{bind_port}");
            run_scheduler(&bind_host, bind_port)
        }
        Command::Executor {
            bind_host,
            external_host,
            bind_port,
            bind_grpc_port,
            scheduler_host,
            scheduler_port,
            concurrent_tasks,
            work_dir,
        } => {
            eprintln!(
                "lockstep-ballista: executor on {bind_host}:{bind_port} (gRPC {bind_grpc_port}), scheduler {scheduler_host}:{scheduler_port}"
            );
            run_executor(&ExecutorOptions {
                external_host: external_host.unwrap_or_else(|| bind_host.clone()),
                host: bind_host,
                port: bind_port,
                grpc_port: bind_grpc_port,
                scheduler_host,
                scheduler_port,
                concurrent_tasks: concurrent_tasks
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
                work_dir,
            })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
