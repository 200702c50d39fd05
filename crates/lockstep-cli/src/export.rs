//! `lockstep export`: a run's campaigns as a STIX 2.1 bundle.

use crate::args::ExportArgs;
use crate::ExitStatus;
use anyhow::Context;
use std::io::Write;

/// The bundle's time: `SOURCE_DATE_EPOCH` (seconds, the reproducible-builds
/// convention) when set, else now; in milliseconds.
fn bundle_time_ms() -> anyhow::Result<i64> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(s) => {
            let secs: i64 = s
                .trim()
                .parse()
                .with_context(|| format!("SOURCE_DATE_EPOCH `{s}` is not a number of seconds"))?;
            Ok(secs * 1000)
        }
        Err(_) => {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
            Ok(now.as_millis() as i64)
        }
    }
}

pub fn run(a: ExportArgs) -> anyhow::Result<ExitStatus> {
    let options =
        lockstep_stix::Options { created_ms: bundle_time_ms()?, all_clusters: a.all_clusters };
    let mut out = std::io::stdout().lock();
    let to_stdout = a.out.as_deref().is_some_and(|p| p.as_os_str() == "-");
    let exported = if to_stdout {
        let (bundle, exported) = lockstep_stix::bundle(&a.dir, &options)?;
        serde_json::to_writer_pretty(&mut out, &bundle)?;
        writeln!(out)?;
        exported
    } else {
        let path = a.out.unwrap_or_else(|| a.dir.join(lockstep_report::files::STIX_BUNDLE));
        let exported = lockstep_stix::write(&a.dir, &path, &options)?;
        writeln!(
            out,
            "wrote `{}`: {} {}, {} accounts, {} STIX objects",
            path.display(),
            exported.groupings,
            if exported.groupings == 1 { "cluster" } else { "clusters" },
            exported.accounts,
            exported.objects,
        )?;
        exported
    };
    if exported.groupings == 0 && !a.all_clusters {
        eprintln!("note: no cluster scores 2 or more as a campaign, so the bundle holds only the tool's identity; `--all-clusters` exports every cluster");
    }
    Ok(ExitStatus::Success)
}
