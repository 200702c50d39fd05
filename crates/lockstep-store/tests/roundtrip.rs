//! A dataset read back is the dataset written, and detection on it gives
//! the bytes that detection on the parsed input gives.

use lockstep_detect::{DetectConfig, Semantics};
use lockstep_graph::ThresholdConfig;
use lockstep_ingest::{FileReport, IngestConfig, MemorySource, Source};
use lockstep_model::{
    AccountField, ActionInput, Dataset, DatasetBuilder, LanguageTag, Layer, LayerSet,
};
use lockstep_store::{read_dataset, write_dataset, StoreError};
use lockstep_test_support::TempDir;
use proptest::prelude::*;
use std::path::Path;

/// Names that stress the string columns: empty, non-Latin, right-to-left,
/// emoji, quotes and newlines.
const NAMES: [&str; 8] = ["alice", "", "Юлия", "مستخدم", "👍🏽x", "a\"b,c\nd", "user_1", "ترول"];

fn build(rows: &[(u8, u8, u8, u8, i64, u8)], meta: &[(u8, u8, u64)]) -> Dataset {
    let platforms = ["", "twitter", "telegram"];
    let mut b = DatasetBuilder::default();
    for (acc, platform, field, value, created) in
        meta.iter().map(|&(a, f, v)| (a, a % 3, f, v, v as i64 - 5))
    {
        let (row, m) = b.account_meta(platforms[platform as usize], NAMES[acc as usize % 8]);
        match field % 5 {
            0 => m.set_text(row, AccountField::Bio, NAMES[(value % 8) as usize]),
            1 => m.set_text(row, AccountField::ClientApp, "Twitter for <Android>"),
            2 => m.followers[row as usize] = Some(value << 40),
            3 => m.default_image[row as usize] = Some(value % 2 == 0),
            _ => m.created_at_us[row as usize] = Some(created),
        }
    }
    for &(acc, obj, layer, content, time_us, platform) in rows {
        let row = b.push_action(ActionInput {
            account: NAMES[acc as usize % 8],
            object: NAMES[obj as usize % 8],
            layer: Layer::ALL[layer as usize % Layer::ALL.len()],
            content: &format!("c{content}"),
            time_us,
            platform: platforms[platform as usize % 3],
        });
        if content % 3 == 0 {
            let language = ["ru", "", "pt-BR", "und"][obj as usize % 4];
            b.set_post_text(
                row,
                NAMES[(obj as usize + content as usize) % 8],
                LanguageTag::parse(language),
            );
        }
    }
    b.finish()
}

/// Writes `ds` as read from one input.
fn save(dir: &Path, ds: &Dataset) -> Result<lockstep_store::Manifest, StoreError> {
    let input = FileReport {
        path: "in.csv".into(),
        format: "shares-csv".into(),
        actions: ds.actions.len() as u64,
        ..Default::default()
    };
    write_dataset(dir, ds, &[input], &Default::default(), serde_json::json!({"k": 1}))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn dataset_round_trips(
        rows in proptest::collection::vec((0..8u8, 0..8u8, 0..11u8, 0..9u8, any::<i64>(), 0..3u8), 0..80),
        meta in proptest::collection::vec((0..10u8, 0..4u8, 0..9u64), 0..12),
    ) {
        let ds = build(&rows, &meta);
        let dir_guard = TempDir::new("roundtrip");
        let dir = dir_guard.path().join("ds");
        let written = save(&dir, &ds).unwrap();
        let (manifest, back) = read_dataset(&dir).unwrap();
        prop_assert_eq!(&manifest, &written);
        prop_assert_eq!(&back, &ds);
        // Writing again gives the same bytes.
        let again_guard = TempDir::new("roundtrip-again");
        let again = again_guard.path().join("ds");
        prop_assert_eq!(save(&again, &back).unwrap(), written);
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::remove_dir_all(&again).unwrap();
    }
}

/// Every output of a detection, with the run's timings left out.
fn outputs(
    ds: &Dataset,
    ing: &lockstep_ingest::Ingested,
    semantics: Semantics,
    dir: &Path,
) -> Vec<(String, Vec<u8>)> {
    let det = lockstep_detect::detect(ds, &DetectConfig { semantics, ..Default::default() });
    let net = lockstep_graph::build(
        ds,
        &det,
        &ThresholdConfig { quantile: Some(0.5), min_weight: 1, clusters: Default::default() },
    );
    let r = lockstep_report::Results::new(ds, &det, &net);
    let mut files: Vec<(String, Vec<u8>)> = lockstep_report::write_tables(dir, &r)
        .unwrap()
        .into_iter()
        .map(|p| {
            (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap())
        })
        .collect();
    let run = lockstep_report::RunInfo {
        parameters: serde_json::Value::Null,
        files: &ing.files,
        skips: &ing.skips,
        timings_ms: Vec::new(),
        execution: None,
        outputs: Vec::new(),
    };
    files.push((
        "summary.json".into(),
        lockstep_report::summary_json(&r, &run).to_string().into_bytes(),
    ));
    files
}

fn csv(rows: &[(u8, u8, u8, u16)]) -> String {
    let mut s = String::from("account_id,object_id,content_id,timestamp_share\n");
    for (i, &(acc, obj, layer_bad, t)) in rows.iter().enumerate() {
        // Now and then a bad timestamp, so skips travel through the dataset too.
        let time = if layer_bad == 0 {
            "never".to_string()
        } else {
            (1_600_000_000 + u64::from(t)).to_string()
        };
        s.push_str(&format!("u{acc},obj{obj},c{i},{time}\n"));
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Ingesting a file and reading back its dataset gives identical
    /// detection output, for both semantics, and selecting layers from a
    /// dataset gives the tables of an ingest that selected them.
    #[test]
    fn detection_on_a_dataset_equals_detection_on_its_input(
        rows in proptest::collection::vec((0..12u8, 0..6u8, 0..20u8, 0..400u16), 1..120),
    ) {
        let input = csv(&rows);
        let sources: Vec<Box<dyn Source>> = vec![Box::new(MemorySource::new("shares.csv", &input))];
        let ing = lockstep_ingest::ingest(&sources, &IngestConfig::default(), &|_| {}).unwrap();
        let dir_guard = TempDir::new("detect");
        let dir = dir_guard.path().join("ds");
        write_dataset(&dir.join("ds"), &ing.dataset, &ing.files, &ing.skips, serde_json::Value::Null).unwrap();
        let (manifest, back) = read_dataset(&dir.join("ds")).unwrap();
        let from_ds = lockstep_ingest::Ingested { dataset: back, files: manifest.inputs, skips: manifest.skips };
        for semantics in [Semantics::Lockstep, Semantics::CooRTweet] {
            prop_assert_eq!(
                outputs(&ing.dataset, &ing, semantics, &dir.join("a")),
                outputs(&from_ds.dataset, &from_ds, semantics, &dir.join("b"))
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn layer_selection_from_a_dataset_equals_selection_at_ingest() {
    let input = "account_id,object_id,content_id,timestamp_share,hashtag\n\
                 a,o1,c1,100,#x\nb,o1,c2,110,#x\nc,,c3,120,#x\na,o2,c4,200,#y\nb,o2,c5,205,\n";
    let layers = LayerSet::from_iter([Layer::Hashtag]);
    let read = |layers| {
        let sources: Vec<Box<dyn Source>> = vec![Box::new(MemorySource::new("s.csv", input))];
        let cfg = IngestConfig { layers, ..Default::default() };
        lockstep_ingest::ingest(&sources, &cfg, &|_| {}).unwrap()
    };
    let all = read(None);
    let dir_guard = TempDir::new("layers");
    let dir = dir_guard.path().join("ds");
    write_dataset(&dir, &all.dataset, &all.files, &all.skips, serde_json::Value::Null).unwrap();
    let (_, back) = read_dataset(&dir).unwrap();
    assert_eq!(back.select_layers(layers), read(Some(layers)).dataset);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn small() -> Dataset {
    build(&[(0, 1, 0, 1, 10, 1), (2, 1, 0, 2, 20, 1), (3, 4, 1, 3, 30, 2)], &[(3, 0, 1)])
}

#[test]
fn a_changed_table_is_refused() {
    let dir_guard = TempDir::new("tamper");
    let dir = dir_guard.path().join("ds");
    save(&dir, &small()).unwrap();
    let path = dir.join("objects.parquet");
    let mut bytes = std::fs::read(&path).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let err = read_dataset(&dir).unwrap_err().to_string();
    assert!(err.contains("objects.parquet") && err.contains("changed since"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_id_outside_its_table_names_the_row_and_field() {
    let mut ds = small();
    ds.actions.object[2] = 7;
    let dir_guard = TempDir::new("bad-id");
    let dir = dir_guard.path().join("ds");
    save(&dir, &ds).unwrap();
    match read_dataset(&dir) {
        Err(StoreError::BadRow { path, row, field, message }) => {
            assert!(path.ends_with("actions.parquet"), "{path}");
            assert_eq!((row, field.as_str()), (2, "object_id"));
            assert!(message.contains("not in its table"), "{message}");
        }
        other => panic!("expected a bad row, got {other:?}"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_layer_that_contradicts_its_object_is_refused() {
    let mut ds = small();
    ds.actions.layer[0] = Layer::Hashtag;
    let dir_guard = TempDir::new("bad-layer");
    let dir = dir_guard.path().join("ds");
    save(&dir, &ds).unwrap();
    let err = read_dataset(&dir).unwrap_err().to_string();
    assert!(err.contains("row 0, field `layer`"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_folder_with_other_files_is_not_overwritten() {
    let dir_guard = TempDir::new("foreign");
    let dir = dir_guard.path().join("ds");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let err = save(&dir, &small()).unwrap_err().to_string();
    assert!(err.contains("notes.txt"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.join("notes.txt")).unwrap(), "mine");
    // An earlier dataset is replaced.
    std::fs::remove_file(dir.join("notes.txt")).unwrap();
    save(&dir, &small()).unwrap();
    save(&dir, &Dataset::default()).unwrap();
    assert_eq!(read_dataset(&dir).unwrap().1, Dataset::default());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn another_format_version_is_refused_with_a_remedy() {
    let dir_guard = TempDir::new("version");
    let dir = dir_guard.path().join("ds");
    save(&dir, &small()).unwrap();
    let path = dir.join("dataset.json");
    let text = std::fs::read_to_string(&path).unwrap().replace(
        &format!("\"lockstep_dataset\": {}", lockstep_store::FORMAT_VERSION),
        "\"lockstep_dataset\": 9",
    );
    std::fs::write(&path, text).unwrap();
    let err = read_dataset(&dir).unwrap_err().to_string();
    assert!(err.contains("version 9") && err.contains("lockstep ingest"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
