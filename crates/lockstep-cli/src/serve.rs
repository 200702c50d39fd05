//! `lockstep serve DIR`: loads the run, prints the URL, serves until
//! stopped.

use std::io::Write;

use crate::args::ServeArgs;
use crate::ExitStatus;

pub fn run(a: ServeArgs) -> anyhow::Result<ExitStatus> {
    let mut stages = crate::progress::Stages::new(a.quiet);
    lockstep_report::check_run_folder(&a.dir)?;
    stages.start("loading the run");
    let run = lockstep_serve::Run::load(&a.dir)?;
    stages.finish();
    let (accounts, edges, pairs) = run.counts();
    if !a.host.is_loopback() {
        eprintln!(
            "warning: listening on {}: other machines can read this run's accounts and posts; \
             the server has no login",
            a.host
        );
    }
    let server = lockstep_serve::Server::bind(run, (a.host, a.port).into())?;
    let addr = server.local_addr()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "lockstep serve: http://{addr}/")?;
    writeln!(
        out,
        "{accounts} accounts, {edges} edges, {pairs} evidence pairs from `{}`; Ctrl-C stops",
        a.dir.display()
    )?;
    out.flush()?;
    drop(out);
    server.serve()?;
    Ok(ExitStatus::Success)
}
