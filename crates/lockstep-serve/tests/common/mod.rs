//! A small run folder written by hand, in the layout `lockstep detect`
//! writes (the columns the server reads), for tests that need no pipeline.

use std::path::Path;

/// One pair row: layer, object, account_a, account_b, time_a, time_b.
pub type PairRow = (String, String, String, String, i64, i64);

/// Writes summary.json, accounts.csv, edges.csv, clusters.csv and
/// pairs.csv (rows in the order given) into `dir`. Every account is in
/// cluster 1; every edge is over the threshold.
pub fn write_run(dir: &Path, pairs: &[PairRow]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("summary.json"),
        r#"{"lockstep_version":"test","coordinated":{"clusters":1}}"#,
    )
    .unwrap();
    let mut accounts: Vec<&str> = pairs.iter().flat_map(|p| [p.2.as_str(), p.3.as_str()]).collect();
    accounts.sort();
    accounts.dedup();
    let mut edges: Vec<(&str, &str)> =
        pairs
            .iter()
            .map(|p| {
                if p.2 <= p.3 {
                    (p.2.as_str(), p.3.as_str())
                } else {
                    (p.3.as_str(), p.2.as_str())
                }
            })
            .collect();
    edges.sort();
    edges.dedup();

    let mut w = csv::Writer::from_path(dir.join("accounts.csv")).unwrap();
    w.write_record(["account", "cluster", "degree", "strength", "handle"]).unwrap();
    for a in &accounts {
        let degree = edges.iter().filter(|e| e.0 == *a || e.1 == *a).count().to_string();
        let handle = format!("h_{a}");
        w.write_record([*a, "1", degree.as_str(), degree.as_str(), handle.as_str()]).unwrap();
    }
    w.flush().unwrap();

    let mut w = csv::Writer::from_path(dir.join("edges.csv")).unwrap();
    w.write_record(["account_a", "account_b", "weight", "over_threshold", "cluster", "layers"])
        .unwrap();
    for (a, b) in &edges {
        let n =
            pairs.iter().filter(|p| (p.2 == *a && p.3 == *b) || (p.2 == *b && p.3 == *a)).count();
        let n = n.to_string();
        w.write_record([*a, *b, n.as_str(), "1", "1", "repost"]).unwrap();
    }
    w.flush().unwrap();

    let mut w = csv::Writer::from_path(dir.join("clusters.csv")).unwrap();
    w.write_record([
        "cluster",
        "accounts",
        "edges",
        "first_time_utc",
        "last_time_utc",
        "top_objects",
    ])
    .unwrap();
    w.write_record(["1", &accounts.len().to_string(), &edges.len().to_string(), "", "", ""])
        .unwrap();
    w.flush().unwrap();

    let mut w = csv::Writer::from_path(dir.join("pairs.csv")).unwrap();
    w.write_record([
        "layer",
        "object",
        "account_a",
        "account_b",
        "content_a",
        "content_b",
        "time_a",
        "time_b",
        "time_a_utc",
        "time_b_utc",
        "delta_s",
        "fast",
    ])
    .unwrap();
    for (i, p) in pairs.iter().enumerate() {
        w.write_record([
            p.0.as_str(),
            p.1.as_str(),
            p.2.as_str(),
            p.3.as_str(),
            &format!("c{i}a"),
            &format!("c{i}b"),
            &p.4.to_string(),
            &p.5.to_string(),
            &format!("t{}", p.4),
            &format!("t{}", p.5),
            &(p.5 - p.4).to_string(),
            "0",
        ])
        .unwrap();
    }
    w.flush().unwrap();
}
