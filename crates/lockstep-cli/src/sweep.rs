//! `lockstep sweep`: a run, and how stable its clusters are across a grid
//! of windows and weight thresholds.

use crate::args::SweepArgs;
use crate::ExitStatus;
use lockstep_graph::stability::HOLDS;
use lockstep_pipeline::{Execution, Grid};
use std::io::Write;

pub fn run(a: SweepArgs) -> anyhow::Result<ExitStatus> {
    let d = &a.detect;
    if d.explain {
        anyhow::bail!("`--explain` describes a `detect` run: run `lockstep detect ... --explain`");
    }
    let options = crate::detect::options(d);
    let exec = Execution::new(d.threads, d.memory_limit, d.spill_dir.clone(), d.engine.clone());
    let grid = Grid {
        windows_s: a.windows.clone(),
        min_weights: a.min_weights.clone(),
        fdrs: a.fdrs.clone(),
    };
    let observer = crate::progress::Shown::new(d.quiet);
    let (plan, outcome, written) =
        lockstep_pipeline::sweep(&options, &grid, &exec, &d.out, &observer)?;
    let status = crate::detect::tell(&plan, &outcome, &written, &d.out)?;
    let Some(sweep) = &outcome.sweep else { return Ok(status) };
    let mut out = std::io::stdout().lock();
    let others = sweep.others().count();
    let rates =
        if plan.fdr.is_some() { format!(", rates {}", join(a.fdrs.iter())) } else { String::new() };
    writeln!(
        out,
        "swept {others} other settings (windows {} s, weights {}{rates}); a cluster holds where one overlaps it by Jaccard >= {HOLDS}:",
        join(a.windows.iter()),
        join(a.min_weights.iter()),
    )?;
    let mut told = 0;
    for (i, s) in outcome.scores.iter().enumerate() {
        if !s.worth_a_look() {
            continue;
        }
        let weakest = sweep.weakest(i).map_or(String::new(), |w| {
            format!(
                "; weakest at window {} s, weight {}{} ({:.2})",
                lockstep_model::time::fmt_secs(w.window_us),
                w.min_weight,
                w.fdr.map_or(String::new(), |q| format!(", FDR {q}")),
                w.overlap[i]
            )
        });
        writeln!(
            out,
            "  cluster {} (score {:.1}): holds in {} of {others} (mean overlap {:.2}{weakest})",
            s.cluster,
            s.score,
            sweep.held(i),
            sweep.mean_overlap(i),
        )?;
        told += 1;
    }
    if told == 0 {
        writeln!(
            out,
            "  no cluster scores {} or more as a campaign; stability.csv has every cluster",
            lockstep_campaign::WORTH_A_LOOK
        )?;
    }
    Ok(status)
}

fn join<T: ToString>(items: impl Iterator<Item = T>) -> String {
    items.map(|x| x.to_string()).collect::<Vec<_>>().join(", ")
}
