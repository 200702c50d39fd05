//! The pair index against a scan of pairs.csv: whatever the order of the
//! rows in the file (grouped by pair, as detect writes it, or not), the
//! evidence of an edge and the actions of an account are the rows a scan
//! finds.

mod common;

use std::collections::HashMap;

use lockstep_serve::api;
use proptest::prelude::*;

fn scan(dir: &std::path::Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(dir.join("pairs.csv")).unwrap();
    r.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
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
    fn index_matches_a_scan(pairs in rows(), grouped in any::<bool>()) {
        let mut pairs = pairs;
        if grouped {
            // detect's order: by account pair, then time.
            pairs.sort_by(|x, y| {
                let k = |p: &common::PairRow| if p.2 <= p.3 { (p.2.clone(), p.3.clone()) } else { (p.3.clone(), p.2.clone()) };
                k(x).cmp(&k(y)).then(x.4.cmp(&y.4))
            });
        }
        let tmp = tempdir();
        common::write_run(&tmp, &pairs);
        let run = lockstep_serve::Run::load(&tmp).unwrap();
        let all = scan(&tmp);
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
                match api::evidence(&run, &params(&[("a", a), ("b", b)]), usize::MAX) {
                    Ok(got) => {
                        // The index gives each edge's rows in file order;
                        // rows of different runs of one edge keep that order.
                        prop_assert_eq!(&got.rows, &expected);
                        prop_assert_eq!(got.total, expected.len());
                    }
                    Err(_) => prop_assert!(expected.is_empty()),
                }
            }
            let mine = all.iter().filter(|r| r[2] == *a || r[3] == *a).count();
            let actions = api::actions(&run, &params(&[("id", a)])).unwrap();
            prop_assert_eq!(actions.rows.len(), mine);
            let items = api::items(&run, &params(&[("id", a)])).unwrap();
            let pairs_in_items: usize = items.rows.iter().map(|r| r[3].parse::<usize>().unwrap()).sum();
            prop_assert_eq!(pairs_in_items, mine);
        }
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}

fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "lockstep-serve-index-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}
