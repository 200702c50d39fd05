//! `--stages FILE [RUNS]`: a whole `detect` run of `FILE` with the default
//! options through the pipeline, as the CLI runs it, `RUNS` times (default
//! 3): each stage's time, the reading's and the writing's throughput (input
//! bytes read, output bytes written per second), and the best run.

use lockstep_pipeline::{Engine, Execution, Options, Plan, Quiet};
use std::path::Path;

pub fn run(path: &Path, runs: usize) {
    let plan = Plan::new(Options::new(vec![path.to_path_buf()])).expect("plan");
    let exec = Execution::new(None, None, None, Engine::Native);
    let input_bytes = std::fs::metadata(path).expect("the input").len() as f64;
    let out = std::env::temp_dir().join(format!("lockstep-bench-stages-{}", std::process::id()));
    println!("| run | reading ms | reading MB/s | detecting ms | significance ms | clustering ms | campaigns ms | writing ms | outputs MB | writing MB/s | total ms |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for r in 0..runs {
        let (outcome, written) = lockstep_pipeline::run(&plan, &exec, &out, &Quiet).expect("run");
        let ms = |stage: &str| {
            outcome.timings_ms.iter().filter(|(s, _)| s == stage).map(|(_, t)| t).sum::<f64>()
        };
        let out_bytes: u64 = written
            .iter()
            .map(|p| {
                std::fs::metadata(out.join(p.file_name().expect("a file name")))
                    .map_or(0, |m| m.len())
            })
            .sum();
        let total: f64 = outcome.timings_ms.iter().map(|(_, t)| t).sum();
        println!(
            "| {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.1} | {:.0} | {:.0} |",
            r + 1,
            ms("reading"),
            input_bytes / 1e3 / ms("reading"),
            ms("detecting"),
            ms("significance"),
            ms("clustering"),
            ms("campaigns"),
            ms("writing"),
            out_bytes as f64 / 1e6,
            out_bytes as f64 / 1e3 / ms("writing"),
            total
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}
