//! The indexes against scans of the files: whatever the order of the rows
//! in pairs.csv (grouped by pair, as detect writes it, or not), the
//! evidence of an edge and the actions of an account are the rows a scan
//! finds; an account's partners and an edge's row, read back from
//! edges.csv by offset, are the rows a scan of edges.csv finds. The same
//! from pairs.csv.zst, in frames small enough that ranges cross them.

mod common;

use std::collections::HashMap;

use lockstep_serve::api;
use proptest::prelude::*;

fn scan(dir: &std::path::Path) -> Vec<Vec<String>> {
    scan_file(&dir.join("pairs.csv"))
}

fn scan_file(path: &std::path::Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
}

/// pairs.csv replaced by pairs.csv.zst in frames of `frame` bytes.
fn compress(dir: &std::path::Path, frame: usize) {
    use std::io::Write;
    let plain = dir.join("pairs.csv");
    let out = std::fs::File::create(dir.join("pairs.csv.zst")).unwrap();
    let mut w = lockstep_report::seekable::Writer::with_frames_of(out, frame);
    w.write_all(&std::fs::read(&plain).unwrap()).unwrap();
    w.finish().unwrap();
    std::fs::remove_file(plain).unwrap();
}

fn params(kv: &[(&str, &str)]) -> api::Params {
    kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<HashMap<_, _>>()
}

fn rows() -> impl Strategy<Value = Vec<common::PairRow>> {
    let row = (0..3usize, 0..4usize, 0..5usize, 0..5usize, 0..100i64, 0..60i64).prop_filter_map(
        "two accounts",
        |(l, o, a, b, t, d)| {
            (a != b).then(|| {
                let layer = ["repost", "url", "text"][l].to_string();
                // Objects with commas, quotes and newlines: the index must
                // keep CSV quoting intact when it reads a byte range.
                let object = ["x", "a,b", "say \"hi\"", "two\nlines"][o].to_string();
                (layer, object, format!("acc{a}"), format!("acc{b}"), t, t + d)
            })
        },
    );
    prop::collection::vec(row, 1..40)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn index_matches_a_scan(
        pairs in rows(),
        grouped in any::<bool>(),
        frame in prop::option::of(1usize..300),
    ) {
        let mut pairs = pairs;
        if grouped {
            // detect's order: by account pair, then time.
            pairs.sort_by(|x, y| {
                let k = |p: &common::PairRow| if p.2 <= p.3 { (p.2.clone(), p.3.clone()) } else { (p.3.clone(), p.2.clone()) };
                k(x).cmp(&k(y)).then(x.4.cmp(&y.4))
            });
        }
        let tmp_guard = lockstep_test_support::TempDir::new("serve-index");
        let tmp = tmp_guard.path().join("run");
        common::write_run(&tmp, &pairs);
        let all = scan(&tmp);
        if let Some(frame) = frame {
            compress(&tmp, frame);
        }
        let run = lockstep_serve::Run::load(&tmp).unwrap();
        let mut accounts: Vec<&str> = pairs.iter().flat_map(|p| [p.2.as_str(), p.3.as_str()]).collect();
        accounts.sort();
        accounts.dedup();
        for a in &accounts {
            for b in &accounts {
                let expected: Vec<Vec<String>> = all
                    .iter()
                    .filter(|r| (r[2] == *a && r[3] == *b) || (r[2] == *b && r[3] == *a))
                    .cloned()
                    .collect();
                match api::evidence(&run, &params(&[("a", a), ("b", b)]), usize::MAX, far()) {
                    Ok(got) => {
                        // The index gives each edge's rows in file order;
                        // rows of different runs of one edge keep that order.
                        prop_assert_eq!(&got.rows, &expected);
                        prop_assert_eq!(got.total, expected.len());
                    }
                    Err(_) => prop_assert!(expected.is_empty()),
                }
            }
            // Partners and edge rows are read back from edges.csv by offset:
            // the same rows a scan of the file finds.
            let partners = api::partners(&run, &params(&[("id", a)])).unwrap();
            let edges = scan_file(&tmp.join("edges.csv"));
            let theirs: Vec<&Vec<String>> = edges.iter().filter(|e| e[0] == *a || e[1] == *a).collect();
            prop_assert_eq!(partners.rows.len(), theirs.len());
            for row in &partners.rows {
                let e = theirs.iter().find(|e| (e[0] == *a && e[1] == row[0]) || (e[1] == *a && e[0] == row[0])).unwrap();
                prop_assert_eq!(&row[2], &e[2], "weight");
                let detail = api::edge_detail(&run, &params(&[("a", a), ("b", &row[0])])).unwrap();
                prop_assert_eq!(detail["edge"]["account_a"].as_str().unwrap(), e[0].as_str());
                prop_assert_eq!(detail["edge"]["weight"].as_str().unwrap(), e[2].as_str());
            }
            let mine = all.iter().filter(|r| r[2] == *a || r[3] == *a).count();
            let actions = api::actions(&run, &params(&[("id", a)]), far()).unwrap();
            prop_assert_eq!(actions.rows.len(), mine);
            let items = api::items(&run, &params(&[("id", a)]), far()).unwrap();
            let pairs_in_items: usize = items.rows.iter().map(|r| r[3].parse::<usize>().unwrap()).sum();
            prop_assert_eq!(pairs_in_items, mine);
        }
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}

fn far() -> std::time::Instant {
    std::time::Instant::now() + std::time::Duration::from_secs(3600)
}

/// Level of detail: the strongest accounts, then the heaviest edges among
/// them, and counts that say what was left out.
#[test]
fn graph_keeps_the_strongest_accounts_and_heaviest_edges() {
    let row = |o: &str, a: &str, b: &str, t| {
        ("repost".to_string(), o.to_string(), a.to_string(), b.to_string(), t, t + 1)
    };
    // hub–a carries 3 pairs, hub–b 2, a–b 1, c–hub 1: strengths hub 6, a 4, b 3, c 1.
    let pairs = vec![
        row("p1", "hub", "a", 1),
        row("p2", "hub", "a", 2),
        row("p3", "hub", "a", 3),
        row("p1", "hub", "b", 4),
        row("p2", "hub", "b", 5),
        row("p4", "a", "b", 6),
        row("p5", "c", "hub", 7),
    ];
    let tmp_guard = lockstep_test_support::TempDir::new("serve-index");
    let tmp = tmp_guard.path().join("run");
    common::write_run(&tmp, &pairs);
    // write_run's strength is the degree; make it the weight sum.
    let mut w = csv::Writer::from_path(tmp.join("accounts.csv")).unwrap();
    w.write_record(["account", "cluster", "degree", "strength", "handle"]).unwrap();
    for (a, d, s) in [("a", "2", "4"), ("b", "2", "3"), ("c", "1", "1"), ("hub", "3", "6")] {
        w.write_record([a, "1", d, s, ""]).unwrap();
    }
    w.flush().unwrap();
    let run = lockstep_serve::Run::load(&tmp).unwrap();
    let g = api::graph(&run, &params(&[("cluster", "1"), ("max_nodes", "3"), ("max_edges", "2")]))
        .unwrap();
    let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["hub", "a", "b"]);
    let edges: Vec<(&str, &str, f64)> =
        g.edges.iter().map(|e| (e.source.as_str(), e.target.as_str(), e.weight)).collect();
    assert_eq!(edges, [("a", "hub", 3.0), ("b", "hub", 2.0)]);
    assert_eq!((g.edges_among_nodes, g.total_nodes, g.total_edges), (3, 4, 4));
    let all = api::graph(&run, &params(&[("cluster", "1")])).unwrap();
    assert_eq!((all.nodes.len(), all.edges.len()), (4, 4));
    std::fs::remove_dir_all(&tmp).unwrap();
}
