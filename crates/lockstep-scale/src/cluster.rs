//! The two processes of a Ballista cluster, as libraries: a scheduler
//! that plans jobs, and executors that run their tasks and serve the
//! results over Arrow Flight. `lockstep-ballista scheduler|executor` (in
//! lockstep-cli) wraps them so that a local cluster shares the build of
//! the client instead of compiling Ballista's own binaries a second time;
//! Ballista's `ballista-scheduler` and `ballista-executor` work the same
//! way.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;

use crate::ScaleError;

fn failed(what: &str) -> impl Fn(String) -> ScaleError + '_ {
    move |message| ScaleError::Engine(format!("{what}: {message}"))
}

/// Runs a scheduler on `host:port` until the process is stopped.
pub fn run_scheduler(host: &str, port: u16) -> Result<(), ScaleError> {
    let addr: SocketAddr = format!("{host}:{port}")
        .parse()
        .map_err(|e: std::net::AddrParseError| failed("scheduler address")(e.to_string()))?;
    let config =
        SchedulerConfig { bind_host: host.into(), bind_port: port, ..SchedulerConfig::default() };
    // Ballista's own binary runs its planner on 32 MB stacks: deep plans
    // recurse.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(32 << 20)
        .build()
        .map_err(|e| failed("scheduler runtime")(e.to_string()))?;
    rt.block_on(async {
        let cluster = BallistaCluster::new_from_config(&config).await?;
        start_server(cluster, addr, Arc::new(config)).await
    })
    .map_err(|e| failed("scheduler")(e.to_string()))
}

/// An executor's addresses and resources.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// The address to listen on.
    pub host: String,
    /// The address others reach this executor at.
    pub external_host: String,
    /// The Arrow Flight port (results and shuffles).
    pub port: u16,
    /// The gRPC port (tasks).
    pub grpc_port: u16,
    /// The scheduler's host.
    pub scheduler_host: String,
    /// The scheduler's port.
    pub scheduler_port: u16,
    /// Tasks run at once.
    pub concurrent_tasks: usize,
    /// Where shuffle files go (default: a temporary folder).
    pub work_dir: Option<PathBuf>,
}

/// Runs an executor until the process is stopped.
pub fn run_executor(o: &ExecutorOptions) -> Result<(), ScaleError> {
    let config = ExecutorProcessConfig {
        bind_host: o.host.clone(),
        external_host: Some(o.external_host.clone()),
        port: o.port,
        grpc_port: o.grpc_port,
        scheduler_host: o.scheduler_host.clone(),
        scheduler_port: o.scheduler_port,
        // The scheduler may still be starting when a script starts its
        // executors.
        scheduler_connect_timeout_seconds: 30,
        vcores: o.concurrent_tasks.max(1),
        work_dir: o.work_dir.as_ref().map(|p| p.to_string_lossy().into_owned()),
        print_thread_info: false,
        ..ExecutorProcessConfig::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| failed("executor runtime")(e.to_string()))?;
    rt.block_on(start_executor_process(Arc::new(config)))
        .map_err(|e| failed("executor")(e.to_string()))
}
