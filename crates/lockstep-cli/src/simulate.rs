use crate::args::{ScenarioArg, SimulateArgs, WorldFormatArg};
use crate::ExitStatus;
use anyhow::Context;
use std::fs::File;
use std::io::{BufWriter, Write};

pub fn run(a: SimulateArgs) -> anyhow::Result<ExitStatus> {
    let scenario = lockstep_sim::Scenario {
        rows: a.rows,
        accounts: a.accounts,
        objects: a.objects,
        groups: a.groups,
        group_size: a.group_size,
        coordinated_share: a.coordinated_share,
        seed: a.seed,
        text: a.text,
        ..Default::default()
    };
    let mut out: Box<dyn Write> = if a.out.as_os_str() == "-" {
        Box::new(BufWriter::with_capacity(1 << 20, std::io::stdout().lock()))
    } else {
        let f =
            File::create(&a.out).with_context(|| format!("cannot create `{}`", a.out.display()))?;
        Box::new(BufWriter::with_capacity(1 << 20, f))
    };
    let mut truth: Box<dyn Write> = match &a.truth {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create `{}`", p.display()))?,
        )),
        None => Box::new(std::io::sink()),
    };
    let n = match a.scenario {
        Some(kind) => {
            let world = lockstep_sim::world::World {
                accounts: a.accounts.unwrap_or(20_000),
                days: a.days,
                operations: matches!(kind, ScenarioArg::Mixed | ScenarioArg::Realistic),
                seed: a.seed,
                realistic: matches!(kind, ScenarioArg::Realistic | ScenarioArg::RealisticOrganic),
                schema: match a.format {
                    WorldFormatArg::XApiV1 => lockstep_sim::world::Schema::XApiV1,
                    WorldFormatArg::XApiV2 => lockstep_sim::world::Schema::XApiV2,
                    WorldFormatArg::IoArchive => lockstep_sim::world::Schema::IoArchive,
                    WorldFormatArg::BlueskyJetstream => {
                        lockstep_sim::world::Schema::BlueskyJetstream
                    }
                },
            };
            let mut stages = crate::progress::Stages::new(a.quiet || a.out.as_os_str() == "-");
            stages.start("simulating");
            let n = lockstep_sim::world::generate(&world, &mut out, &mut truth)?;
            stages.finish();
            n
        }
        None => {
            let bar = crate::progress::Stages::new(a.quiet || a.out.as_os_str() == "-")
                .bar(a.rows, "simulating");
            let n = lockstep_sim::generate_with_progress(&scenario, &mut out, &mut truth, &|r| {
                bar.set_position(r)
            })?;
            bar.finish_and_clear();
            n
        }
    };
    out.flush()?;
    truth.flush()?;
    if !a.quiet && a.out.as_os_str() != "-" {
        let what = if a.scenario.is_some() { "tweets" } else { "rows" };
        eprintln!("wrote {} {what} to `{}`", crate::detect::thousands(n), a.out.display());
    }
    Ok(ExitStatus::Success)
}
