//! The pipeline's plan and its two ways to a run folder: into a folder in
//! one call (the CLI's), and computed in memory then saved (bindings').

use lockstep_detect::Semantics;
use lockstep_graph::ClusterMethod;
use lockstep_pipeline::{Engine, Execution, Options, Plan, Quiet, Rule};
use lockstep_test_support::TempDir;
use std::path::{Path, PathBuf};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data/russian_coord_tweets.csv")
}

#[test]
fn defaults_follow_the_semantics() {
    let p = Plan::new(Options::new(vec![sample()])).unwrap();
    assert_eq!(p.fdr, Some(0.01), "lockstep semantics test edges by default");
    assert!(p.detect.slow.is_some(), "and pair slowly on spreading layers");
    assert_eq!((p.threshold.quantile, p.threshold.min_weight), (None, 2));
    assert!(matches!(p.threshold.clusters, ClusterMethod::Split { above: 500, .. }));
    assert!(!p.all_pairs() && !p.all_edges());

    let coortweet = Options { semantics: Semantics::CooRTweet, ..Options::new(vec![sample()]) };
    let p = Plan::new(coortweet.clone()).unwrap();
    assert_eq!(p.fdr, None, "CooRTweet's rule unless a test is asked for");
    assert!(p.detect.slow.is_none());
    assert_eq!((p.threshold.quantile, p.threshold.min_weight), (Some(0.5), 1));
    assert_eq!(p.threshold.clusters, ClusterMethod::Components);
    assert!(p.all_pairs() && p.all_edges());
    let tested = Plan::new(Options { rule: Some(Rule::Tested), ..coortweet }).unwrap();
    assert_eq!(tested.fdr, Some(0.01));

    // The plan engines pair at one window: no default slow window there.
    let planned = Options { engine: Engine::parse("datafusion").unwrap(), ..Options::new(vec![]) };
    assert!(Plan::new(planned).unwrap().detect.slow.is_none());
}

#[test]
fn options_are_checked_with_their_names() {
    let refused = |o: Options, needle: &str| {
        let e = Plan::new(o).unwrap_err().to_string();
        assert!(e.contains(needle), "`{e}` does not name `{needle}`");
    };
    let base = || Options::new(vec![sample()]);
    refused(Options { window_s: -1.0, ..base() }, "--window");
    refused(Options { fast_window_s: Some(90.0), ..base() }, "--fast-window");
    refused(Options { text_similarity: 0.0, ..base() }, "--text-similarity");
    refused(Options { rule: Some(Rule::Naive), fdr: Some(0.05), ..base() }, "--fdr 0.05");
    refused(Options { slow_window_s: Some(30.0), ..base() }, "--slow-window");
    refused(Options { slow_layers: vec!["nope".into()], ..base() }, "--slow-layers");
    refused(Options { edge_weight: Some(2.0), ..base() }, "--edge-weight");
    refused(
        Options { semantics: Semantics::CooRTweet, slow_window_s: Some(600.0), ..base() },
        "not CooRTweet's rule",
    );
}

/// The run folder's files and their bytes, summary.json without its
/// timings (which are the only thing that differs between two runs).
fn folder_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let mut bytes = std::fs::read(&path).unwrap();
            if name == lockstep_report::SUMMARY_JSON {
                let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                v.as_object_mut().unwrap().remove("timings_ms");
                bytes = serde_json::to_vec(&v).unwrap();
            }
            (name, bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn computed_then_saved_is_the_run_into_a_folder() {
    let tmp = TempDir::new("pipeline-save");
    // CooRTweet's rules, so that every table has rows.
    let options = Options { semantics: Semantics::CooRTweet, ..Options::new(vec![sample()]) };
    let plan = Plan::new(options).unwrap();
    let exec = Execution::new(Some(2), None, None, Engine::Native);
    let (outcome, written) =
        lockstep_pipeline::run(&plan, &exec, &tmp.path().join("run"), &Quiet).unwrap();
    assert_eq!(written.len(), lockstep_report::OUTPUT_FILES.len());
    assert!(!outcome.net.clusters.is_empty(), "the sample's operation is found");
    let stages: Vec<&str> = outcome.timings_ms.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(stages.first(), Some(&"reading"));
    assert_eq!(stages.last(), Some(&"writing"));

    let mut computed =
        exec.pool().unwrap().install(|| lockstep_pipeline::compute(&plan, &exec, &Quiet).unwrap());
    computed.save(&tmp.path().join("saved"), &plan, &Quiet).unwrap();
    let (a, b) = (folder_bytes(&tmp.path().join("run")), folder_bytes(&tmp.path().join("saved")));
    assert_eq!(a.len(), b.len());
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs");
    }
}
