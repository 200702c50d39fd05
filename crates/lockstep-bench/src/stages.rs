//! `--stages FILE [RUNS]`: a whole `detect` run of `FILE` with the default
//! options through the pipeline, as the CLI runs it, `RUNS` times (default
//! 3): each run's stage times and the reading's and the writing's
//! throughput (input bytes read, output bytes written per second).

use lockstep_pipeline::{Engine, Execution, Options, Plan, Quiet, Stage};
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
        let ms = |stage: Stage| {
            let timings = outcome.timings_ms.iter().filter(|(s, _)| s == stage.name());
            timings.map(|(_, t)| t).sum::<f64>()
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
            ms(Stage::Reading),
            input_bytes / 1e3 / ms(Stage::Reading),
            ms(Stage::Detecting),
            ms(Stage::Significance),
            ms(Stage::Clustering),
            ms(Stage::Campaigns),
            ms(Stage::Writing),
            out_bytes as f64 / 1e6,
            out_bytes as f64 / 1e3 / ms(Stage::Writing),
            total
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// `--write FILE [RUNS]`: one `detect` run of `FILE` with the default
/// options, then its tables and graphs written `RUNS` times (default 5):
/// the writing stage alone, each time's milliseconds and MB/s.
pub fn write(path: &Path, runs: usize) {
    let plan = Plan::new(Options::new(vec![path.to_path_buf()])).expect("plan");
    let exec = Execution::new(None, None, None, Engine::Native);
    let out = std::env::temp_dir().join(format!("lockstep-bench-write-{}", std::process::id()));
    let pool = exec.pool().expect("a thread pool");
    let outcome = pool.install(|| lockstep_pipeline::compute(&plan, &exec, &Quiet)).expect("a run");
    let results = outcome.results(&plan);
    println!("| write | ms | outputs MB | MB/s |");
    println!("|---|---|---|---|");
    for r in 0..runs {
        let _ = std::fs::remove_dir_all(&out);
        let start = std::time::Instant::now();
        let written =
            pool.install(|| lockstep_report::write_tables(&out, &results)).expect("write");
        let ms = start.elapsed().as_secs_f64() * 1e3;
        let bytes: u64 = written.iter().map(|p| std::fs::metadata(p).map_or(0, |m| m.len())).sum();
        println!(
            "| {} | {ms:.0} | {:.1} | {:.0} |",
            r + 1,
            bytes as f64 / 1e6,
            bytes as f64 / 1e3 / ms
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}
