//! `lockstep-bench --dataset ROWS`: what a dataset saves. Simulated shares
//! are parsed from a CSV file (the baseline), written as a dataset, and read
//! back, all in this process and on the same machine state; reports each
//! time, the sizes, and the ratio parse / read.

use lockstep_ingest::{FileSource, IngestConfig, Source};
use std::time::Instant;

fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .expect("dataset dir")
        .map(|e| e.expect("entry").metadata().expect("metadata").len())
        .sum()
}

pub fn run(rows: u64) {
    let tmp = std::env::temp_dir().join(format!("lockstep-bench-dataset-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let csv_path = tmp.join("sim.csv");
    let scenario = lockstep_sim::Scenario { rows, ..Default::default() };
    let mut file = std::io::BufWriter::new(std::fs::File::create(&csv_path).expect("csv"));
    lockstep_sim::generate(&scenario, &mut file, &mut std::io::sink()).expect("generate");
    std::io::Write::flush(&mut file).expect("flush");
    drop(file);
    let csv_bytes = std::fs::metadata(&csv_path).expect("csv size").len();

    let t0 = Instant::now();
    let src: Box<dyn Source> = Box::new(FileSource::new(&csv_path));
    let ing = lockstep_ingest::ingest(&[src], &IngestConfig::default(), &|_| {}).expect("ingest");
    let parse_s = t0.elapsed().as_secs_f64();

    let ds_dir = tmp.join("dataset");
    let t0 = Instant::now();
    lockstep_store::write_dataset(
        &ds_dir,
        &ing.dataset,
        &ing.files,
        &ing.skips,
        serde_json::Value::Null,
    )
    .expect("write");
    let write_s = t0.elapsed().as_secs_f64();
    let ds_bytes = dir_bytes(&ds_dir);

    let t0 = Instant::now();
    let (_, back) = lockstep_store::read_dataset(&ds_dir).expect("read");
    let read_s = t0.elapsed().as_secs_f64();
    assert!(back == ing.dataset, "the dataset read back differs from the one written");

    println!("| rows | CSV MB | dataset MB | parse CSV s | write dataset s | read dataset s | parse / read |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {rows} | {:.0} | {:.0} | {parse_s:.2} | {write_s:.2} | {read_s:.2} | {:.1}x |",
        csv_bytes as f64 / 1e6,
        ds_bytes as f64 / 1e6,
        parse_s / read_s
    );
    std::fs::remove_dir_all(&tmp).expect("clean up");
}
