//! `--encode FILE`: dictionary encoding alone (`Strings::encode`, what
//! reading does after parsing), on the first three columns of a CSV
//! (CooRTweet's object, account and content ids), each the best of three.

use lockstep_model::Strings;
use std::time::Instant;

pub fn run(path: &std::path::Path) {
    let text = std::fs::read_to_string(path).expect("the file");
    let mut cols = [Strings::default(), Strings::default(), Strings::default()];
    for line in text.lines().skip(1) {
        for (col, field) in cols.iter_mut().zip(line.split(',')) {
            col.push(field);
        }
    }
    drop(text);
    println!("| column | strings | distinct | encode s (best of 3) | strings/s |");
    println!("|---|---|---|---|---|");
    for (name, col) in ["object", "account", "content"].iter().zip(&cols) {
        let mut best = f64::INFINITY;
        let mut distinct = 0;
        for _ in 0..3 {
            let t = Instant::now();
            let (codes, dict) = col.encode();
            best = best.min(t.elapsed().as_secs_f64());
            distinct = dict.len();
            assert_eq!(codes.len(), col.len());
        }
        println!(
            "| {name} | {} | {distinct} | {best:.3} | {:.0} |",
            col.len(),
            col.len() as f64 / best
        );
    }
}
