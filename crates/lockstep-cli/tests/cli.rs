//! CLI golden tests: the binary's output on small fixtures, and the
//! CooRTweet golden numbers on the real Russian dataset.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

/// A format's fixture: those belong to the readers' crate.
fn reader_fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../lockstep-ingest/tests/fixtures").join(rel)
}

/// A real recorded API response; the corpus belongs to the readers.
fn recorded(name: &str) -> String {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../lockstep-ingest/tests/fixtures/recorded");
    dir.join(name).display().to_string()
}

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
    out: PathBuf,
    _dir: TempDir,
}

use lockstep_test_support::TempDir;

fn lockstep(args: &[&str]) -> Run {
    lockstep_with_env(args, &[])
}

/// [`lockstep`] with these variables in its environment.
fn lockstep_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let dir = TempDir::new("run");
    let out = dir.0.join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(args.iter().map(|a| a.replace("{OUT}", out.to_str().unwrap())))
        .current_dir(root())
        .env("LOCKSTEP_NO_PROGRESS", "1")
        .envs(env.iter().copied())
        .output()
        .expect("run lockstep");
    // Snapshots must not depend on where the checkout or the temp dir is.
    let fixtures = format!("{}/", fixture("").display()).replace("//", "/");
    let readers = format!("{}/", reader_fixture("").display()).replace("//", "/");
    let scrub = |b: Vec<u8>| {
        String::from_utf8(b)
            .unwrap()
            .replace(out.to_str().unwrap(), "{OUT}")
            .replace(&fixtures, "")
            .replace(&readers, "")
    };
    Run {
        stdout: scrub(o.stdout),
        stderr: scrub(o.stderr),
        code: o.status.code().unwrap_or(-1),
        out,
        _dir: dir,
    }
}

/// `lockstep detect FIXTURE --out {OUT} EXTRA...`.
fn detect(fixture_rel: &str, extra: &[&str]) -> Run {
    let f = fixture(fixture_rel);
    let mut args = vec!["detect", f.to_str().unwrap(), "--out", "{OUT}"];
    args.extend_from_slice(extra);
    lockstep(&args)
}

fn read(run: &Run, name: &str) -> String {
    std::fs::read_to_string(run.out.join(name)).unwrap()
}

fn summary_of(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

fn summary(run: &Run) -> serde_json::Value {
    serde_json::from_str(&read(run, "summary.json")).unwrap()
}

/// CooRTweet's vignette example on its own dataset (time_window 60,
/// min_participation 2, edge_weight 0.5): the numbers CooRTweet 2.1.3 gives.
#[test]
fn coortweet_golden_on_russian_tweets() {
    let r = lockstep(&[
        "detect",
        "examples/data/russian_coord_tweets.csv",
        "--out",
        "{OUT}",
        "--semantics",
        "coortweet",
        "--window",
        "60",
        "--min-participation",
        "2",
        "--edge-weight",
        "0.5",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = summary(&r);
    assert_eq!(s["detection"]["pairs"], 3791);
    assert_eq!(s["detection"]["accounts"], 2110);
    assert_eq!(s["detection"]["objects"], 502);
    assert_eq!(s["network"]["vertices"], 2110);
    assert_eq!(s["network"]["edges"], 3721);
    assert_eq!(s["network"]["components"], 23);
    assert_eq!(s["network"]["largest_component"], 2019);
    assert_eq!(s["network"]["quantile_value"], 1.0);
    assert_eq!(s["coordinated"]["edges"], 60);
    assert_eq!(s["coordinated"]["vertices"], 94);
    assert_eq!(s["coordinated"]["clusters"], 34);
    assert_eq!(s["coordinated"]["largest_cluster"], 10);
    assert_eq!(read(&r, "pairs.csv").lines().count(), 3791 + 1);
    assert_eq!(read(&r, "edges.csv").lines().count(), 3721 + 1);
    assert_eq!(
        s["inputs"][0]["sha256"],
        "64946193e1d5a7697ffb799d7cbdd5222ab5cb36664d8191e3fd648e9b70d2e4"
    );
    insta::assert_snapshot!(r.stdout);
}

/// Same bytes out whatever the thread count (timings aside).
#[test]
fn outputs_do_not_depend_on_threads() {
    // One edge passes at 5%, so clusters and campaigns are compared too;
    // every pair, so that all of them are.
    let args = |t: &'static str| {
        let data = "examples/data/russian_coord_tweets.csv";
        ["detect", data, "--out", "{OUT}", "--threads", t, "--fdr", "0.05", "--all-pairs"]
    };
    let one = lockstep(&args("1"));
    let two = lockstep(&args("2"));
    // summary.json differs in its timings only, checked below.
    for name in lockstep_report::OUTPUT_FILES.iter().filter(|&&f| f != "summary.json") {
        assert!(read(&one, name) == read(&two, name), "{name} differs between 1 and 2 threads");
    }
    let strip = |mut v: serde_json::Value| {
        v.as_object_mut().unwrap().remove("timings_ms");
        v
    };
    assert_eq!(strip(summary(&one)), strip(summary(&two)));
    insta::assert_snapshot!(one.stdout);
}

/// Same bytes out whatever the memory limit: with 1 KiB, the Russian
/// retweets are swept in parts of 1,024 actions and their pairs go to disk
/// in runs of 1,024; the spill folder is empty after.
#[test]
fn outputs_do_not_depend_on_the_memory_limit() {
    let spill = TempDir::new("spill");
    let args = |limit: &'static str| {
        let mut a = vec![
            "detect",
            "examples/data/russian_coord_tweets.csv",
            "--out",
            "{OUT}",
            "--all-pairs",
        ];
        a.extend(["--fdr", "0.05", "--fast-window", "10", "--dedup", "--memory-limit", limit]);
        a.extend(["--spill-dir", spill.0.to_str().unwrap()]);
        lockstep(&a)
    };
    let (big, small) = (args("64G"), args("1K"));
    assert_eq!((big.code, small.code), (0, 0), "{}", small.stderr);
    assert!(!big.stdout.contains("memory:"), "{}", big.stdout);
    assert!(small.stderr.contains("over the memory limit of 1.0 KiB"), "{}", small.stderr);
    let line = small.stdout.lines().find(|l| l.starts_with("memory:")).unwrap();
    assert!(line.contains("swept in 36 parts") && line.contains("sorted runs"), "{line}");
    assert!(line.contains("pairs and edges kept in files mapped read-only"), "{line}");
    assert!(line.contains("content ids in a mapped file"), "{line}");
    assert_eq!(small.stdout.replace(&format!("{line}\n"), ""), big.stdout);
    for name in lockstep_report::OUTPUT_FILES.iter().filter(|&&f| f != "summary.json") {
        assert!(read(&big, name) == read(&small, name), "{name} differs with 1K");
    }
    let (b, s) = (summary(&big), summary(&small));
    assert_eq!(s["execution"]["part_actions"], 1024);
    assert!(s["execution"]["spilled_bytes"].as_u64().unwrap() > 0);
    assert!(s["execution"]["results_on_disk"].as_bool().unwrap());
    assert!(s["execution"]["content_ids_mapped_bytes"].as_u64().unwrap() > 0);
    assert!(b.get("execution").is_none(), "{b}");
    let clean = |mut v: serde_json::Value| {
        v.as_object_mut().unwrap().remove("timings_ms");
        v.as_object_mut().unwrap().remove("execution");
        v
    };
    assert_eq!(clean(b), clean(s));
    assert_eq!(std::fs::read_dir(&spill.0).unwrap().count(), 0, "runs left behind");
    // A spill folder in memory (tmpfs) is no spill folder: said on stderr.
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    if mounts.lines().any(|l| l.starts_with("tmpfs /dev/shm ")) {
        let shm = format!("/dev/shm/lockstep-cli-test-{}", std::process::id());
        let mut a = vec!["detect", "examples/data/russian_coord_tweets.csv", "--out", "{OUT}"];
        a.extend(["--memory-limit", "1K", "--spill-dir", &shm]);
        let r = lockstep(&a);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stderr.contains("is on tmpfs, which is memory"), "{}", r.stderr);
        let _ = std::fs::remove_dir_all(&shm);
    }
}

/// Accounts and edges below the lockstep defaults stay visible.
const KEEP_ALL: [&str; 4] = ["--min-participation", "1", "--min-weight", "1"];

#[test]
fn small_shares_lockstep_semantics() {
    let r = detect("shares-csv/small.csv", &["--fast-window", "10", "--rule", "naive"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("small_stdout", r.stdout);
    for (snap, file) in [
        ("small_pairs", "pairs.csv"),
        ("small_edges", "edges.csv"),
        ("small_accounts", "accounts.csv"),
        ("small_clusters", "clusters.csv"),
        ("small_gexf", "network.gexf"),
        ("small_graphml", "network.graphml"),
    ] {
        insta::assert_snapshot!(snap, read(&r, file));
    }
}

#[test]
fn bad_rows_are_counted_then_strict_fails() {
    let r = detect("shares-csv/bad.csv", &KEEP_ALL);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("bad_lenient", r.stdout);
    let s = summary(&r);
    assert_eq!(s["records"]["read"], 7);
    assert_eq!(s["records"]["skipped"], 3);
    assert_eq!(s["records"]["skip_examples"][0]["line"], 3);

    let strict = detect("shares-csv/bad.csv", &["--strict"]);
    assert_eq!(strict.code, 2);
    insta::assert_snapshot!("bad_strict", strict.stderr);
}

#[test]
fn missing_columns_and_empty_input_are_clear_errors() {
    let dir = TempDir::new("inputs");
    let cases = [
        ("wrong.csv", "a,b\n1,2\n", "missing column(s) `account_id`"),
        ("empty.csv", "", "`empty.csv` is empty"),
        (
            "header.csv",
            "object_id,account_id,content_id,timestamp_share\n",
            "`header.csv` is empty",
        ),
    ];
    let mut messages = String::new();
    for (name, content, expected) in cases {
        let path = dir.0.join(name);
        std::fs::write(&path, content).unwrap();
        let r = lockstep(&["detect", path.to_str().unwrap(), "--out", "{OUT}"]);
        assert_eq!(r.code, 2);
        let stderr = r.stderr.replace(path.to_str().unwrap(), name);
        assert!(stderr.contains(expected), "{stderr}");
        messages.push_str(&stderr);
    }
    insta::assert_snapshot!("input_errors", messages);
}

#[test]
fn mapped_layers_gzip_and_several_inputs() {
    let dir = TempDir::new("gz");
    let gz = dir.0.join("multi.csv.gz");
    let status = Command::new("gzip")
        .arg("-c")
        .arg(fixture("shares-csv/multi.csv"))
        .stdout(std::fs::File::create(&gz).unwrap())
        .status()
        .unwrap();
    assert!(status.success());
    let map = ["--map", "url=url_id,hashtag=hashtag_id,content=post_id,timestamp=timestamp"];
    let plain = detect("shares-csv/multi.csv", &map);
    let zipped = lockstep(&["detect", gz.to_str().unwrap(), "--out", "{OUT}", map[0], map[1]]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert_eq!(read(&plain, "pairs.csv"), read(&zipped, "pairs.csv"));
    insta::assert_snapshot!("multi_stdout", plain.stdout);
    // edges.csv holds the edges between flagged accounts (none here);
    // --all-edges, every edge.
    assert_eq!(read(&plain, "edges.csv").lines().count(), 1);
    let all = detect("shares-csv/multi.csv", &[&map[..], &["--all-edges"]].concat());
    insta::assert_snapshot!("multi_edges", read(&all, "edges.csv"));

    let only_url =
        detect("shares-csv/multi.csv", &[&map[..], &["--layers", "url"], &KEEP_ALL].concat());
    let s = summary(&only_url);
    assert_eq!(s["dataset"]["actions_by_layer"], serde_json::json!({"url": 4}));
    assert_eq!(s["inputs"][0]["actions_on_unselected_layers"]["hashtag"], 4);

    // Two inputs in one run: every action is read once from each.
    let both = detect("shares-csv/multi.csv", &[gz.to_str().unwrap(), map[0], map[1]]);
    let s = summary(&both);
    assert_eq!(s["inputs"].as_array().unwrap().len(), 2);
    assert_eq!(s["records"]["read"], 12);
}

#[test]
fn io_archive_derives_every_layer() {
    let tweets = reader_fixture("io-archive/tweets.csv");
    let mut args = vec!["detect", tweets.to_str().unwrap(), "--out", "{OUT}"];
    args.extend_from_slice(&[&KEEP_ALL[..], &["--window", "120"]].concat());
    let r = lockstep(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("io_stdout", r.stdout);
    insta::assert_snapshot!("io_pairs", read(&r, "pairs.csv"));
    let s = summary(&r);
    assert_eq!(s["dataset"]["accounts_with_metadata"], 4);
    assert_eq!(s["inputs"][0]["format"], "io-archive");
    assert_eq!(s["bios"]["accounts_with_bio"], 2);
    insta::assert_snapshot!("io_fingerprints", read(&r, "cluster_fingerprints.csv"));
}

/// Accounts whose bios are edited copies of one template form a cluster
/// of near-duplicate bios.
#[test]
fn templated_bios_cluster() {
    let r = detect("near-text/templated_bios.csv", &KEEP_ALL);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = summary(&r);
    assert_eq!(s["bios"]["accounts_with_bio"], 5);
    assert_eq!(s["bios"]["too_short"], 1);
    assert_eq!(s["bios"]["clusters"], 1);
    insta::assert_snapshot!("bio_clusters", read(&r, "bio_clusters.csv"));
}

#[test]
fn stdin_input() {
    let f = fixture("shares-csv/small.csv");
    let dir = TempDir::new("stdin");
    let out = dir.0.join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(["detect", "-", "--out", out.to_str().unwrap()])
        .stdin(std::fs::File::open(&f).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success());
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["inputs"][0]["path"], "-");
    assert_eq!(s["records"]["read"], 11);
}

#[test]
fn simulate_is_deterministic() {
    let dir = TempDir::new("sim");
    let (a, b) = (dir.0.join("a.csv"), dir.0.join("b.csv"));
    for p in [&a, &b] {
        let r = lockstep(&[
            "simulate",
            "--rows",
            "50000",
            "--seed",
            "3",
            "--quiet",
            "--out",
            p.to_str().unwrap(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let r = lockstep(&["detect", a.to_str().unwrap(), "--out", "{OUT}"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The planted groups are found: their accounts are named g<group>_<member>.
    let accounts = read(&r, "accounts.csv");
    let clustered: Vec<&str> = accounts
        .lines()
        .skip(1)
        .filter(|l| !l.split(',').nth(1).unwrap_or("").is_empty())
        .collect();
    // The tested rule may leave out a member that joined few events.
    let planted = clustered.iter().filter(|l| l.starts_with('g')).count();
    assert!(planted >= 98, "planted accounts clustered: {planted}");
    assert_eq!(
        clustered.len(),
        planted,
        "organic accounts clustered: {:?}",
        &clustered[..clustered.len().min(5)]
    );
}

/// Posts are written by adversaries: spreadsheet formulas are defused in
/// CSV (unless `--raw-csv`) and markup is escaped in XML.
#[test]
fn hostile_values_are_defused() {
    let r = detect("shares-csv/hostile.csv", &["--rule", "naive"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("hostile_pairs", read(&r, "pairs.csv"));
    let gexf = read(&r, "network.gexf");
    assert!(
        gexf.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !gexf.contains("<script>"),
        "{gexf}"
    );
    let raw = detect("shares-csv/hostile.csv", &["--raw-csv", "--rule", "naive"]);
    assert!(read(&raw, "pairs.csv").contains(",\"=HYPERLINK("));

    // The HTML report shows the payloads as text and runs nothing.
    // Every cluster drawn, so that the payloads reach every part.
    let report = lockstep(&["report", r.out.to_str().unwrap(), "--all-clusters"]);
    assert_eq!(report.code, 0, "{}", report.stderr);
    let html = read(&r, "report.html");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the payload is shown");
    assert!(!html.to_ascii_lowercase().contains("<script"), "no script element at all");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "the tag is text");
    assert!(!html.contains("<img"), "no image element");
    assert!(!html.contains("href=\"javascript"), "no live link");
    assert!(html.contains("evil[U+202E]gnp.exe"), "a right-to-left override is shown, not obeyed");
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    // Its structure: the sections it has, and their parts.
    let headings: Vec<String> = html
        .split("<h")
        .skip(1)
        .filter_map(|s| {
            let level = s.chars().next()?;
            let text = s.get(2..)?.split("</h").next()?;
            matches!(level, '2' | '3')
                .then(|| format!("{}{text}", if level == '3' { "  " } else { "" }))
        })
        .collect();
    insta::assert_snapshot!("hostile_report_sections", headings.join("\n"));

    // The STIX bundle names the accounts as they were read: the formula
    // guard of the CSV files is undone, and the payloads stay strings.
    let bundle = r.out.with_extension("stix.json");
    let export = lockstep(&[
        "export",
        r.out.to_str().unwrap(),
        "--all-clusters",
        "--out",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(export.code, 0, "{}", export.stderr);
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    let users: Vec<&str> = b["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["type"] == "user-account")
        .map(|o| o["user_id"].as_str().unwrap())
        .collect();
    assert!(users.contains(&"@admin") && users.contains(&"<script>alert(1)</script>"), "{users:?}");
    assert!(!users.contains(&"'@admin"), "{users:?}");
}

/// A small simulated world with operations in `dir`: 2,000 organic
/// accounts over 7 days, a batch-created office-hours farm of 40 among
/// them.
fn small_world(dir: &TempDir) -> PathBuf {
    let world = dir.0.join("world.jsonl");
    let args = ["--scenario", "mixed", "--accounts", "2000", "--days", "7", "--seed", "1"];
    let sim = lockstep(&[&["simulate"][..], &args, &["--out", world.to_str().unwrap()]].concat());
    assert_eq!(sim.code, 0, "{}", sim.stderr);
    world
}

/// `lockstep sweep`: the run's folder, and each cluster's stability over
/// the grid; the planted farm holds at every setting of a small grid.
#[test]
fn sweep_measures_each_clusters_stability() {
    let dir = TempDir::new("sweep");
    let world = small_world(&dir);
    let world = world.to_str().unwrap();
    let grid = ["--windows", "60,120", "--min-weights", "2,8", "--fdrs", "0.01,0.05"];
    let r = lockstep(&[&["sweep", world, "--out", "{OUT}"][..], &grid].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("swept 7 other settings (windows 60, 120 s, weights 2, 8, rates 0.01, 0.05)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("  cluster 1 (score "), "{}", r.stdout);
    // sweep.csv: every setting once, the run's own marked.
    let sweep = read(&r, "sweep.csv");
    let rows: Vec<&str> = sweep.lines().skip(1).collect();
    assert_eq!(rows.len(), 8, "{sweep}");
    assert_eq!(rows.iter().filter(|l| l.contains(",true,")).count(), 1, "{sweep}");
    assert!(rows.iter().any(|l| l.starts_with("60,2,0.01,true,")), "{sweep}");
    // The farm (cluster 1, 40 accounts) holds at all 7.
    let stability = read(&r, "stability.csv");
    assert!(stability.lines().nth(1).unwrap().starts_with("1,40,7,7,1,"), "{stability}");
    // The same run's files as `detect` gives, but for the sweep's own.
    let d = detect(world, &[]);
    for name in ["pairs.csv", "edges.csv", "accounts.csv", "clusters.csv", "campaigns.csv"] {
        assert_eq!(read(&r, name), read(&d, name), "{name}");
    }
    let summary = summary(&r);
    let stages: Vec<&str> = summary["timings_ms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["stage"].as_str().unwrap())
        .collect();
    assert_eq!(stages.last(), Some(&"writing"));
    assert!(stages.contains(&"sweeping"), "{stages:?}");
    // The report says it.
    assert_eq!(lockstep(&["report", r.out.to_str().unwrap()]).code, 0);
    let html = read(&r, "report.html");
    assert!(html.contains("<h3>Stability</h3><p>Swept over 7 other settings (windows 60–120 s, weights 2–8, false discovery rates 0.01–0.05): the cluster holds in 7,"), "{html}");
    // A bad grid is refused before any work.
    let bad = lockstep(&["sweep", world, "--out", "{OUT}", "--fdrs", "2"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("`--fdrs`"), "{}", bad.stderr);
}

/// `--output-format`: each Parquet table holds the values of its CSV file
/// (formatted as the run formats them, they give its bytes), and a folder
/// of Parquet tables alone is read by `report`, `serve` and `evaluate` as
/// its CSV twin is.
#[test]
fn parquet_tables_hold_the_csv_values() {
    let dir = TempDir::new("parquet");
    let (world, truth) = (dir.0.join("world.jsonl"), dir.0.join("truth.csv"));
    let (world, truth) = (world.to_str().unwrap(), truth.to_str().unwrap());
    let args = ["--scenario", "mixed", "--accounts", "2000", "--days", "7", "--seed", "1"];
    let sim = lockstep(&[&["simulate"][..], &args, &["--out", world, "--truth", truth]].concat());
    assert_eq!(sim.code, 0, "{}", sim.stderr);
    let hostile = fixture("shares-csv/hostile.csv");
    let bios = fixture("near-text/templated_bios.csv");
    let near = fixture("near-text/multilingual.csv");
    let near_text = [
        "--map",
        "account=account_id,content=post_id,timestamp=timestamp,text=text",
        "--layers",
        "near_text",
        "--min-participation",
        "1",
        "--min-weight",
        "1",
    ];
    let runs = [
        (world, &["--fdr", "0.05"][..]),
        (hostile.to_str().unwrap(), &["--rule", "naive"][..]),
        (hostile.to_str().unwrap(), &["--rule", "naive", "--raw-csv"][..]),
        (bios.to_str().unwrap(), &KEEP_ALL[..]),
        (near.to_str().unwrap(), &near_text[..]),
    ];
    for (input, extra) in runs {
        let both = lockstep(
            &[&["detect", input, "--out", "{OUT}", "--output-format", "both"][..], extra].concat(),
        );
        assert_eq!(both.code, 0, "{}", both.stderr);
        let guard = !extra.contains(&"--raw-csv");
        let mut tables = 0;
        for schema in lockstep_report::SCHEMAS {
            let csv = both.out.join(schema.file);
            let parquet = both.out.join(schema.parquet);
            assert_eq!(csv.exists(), parquet.exists(), "{input}: {}", schema.name);
            if !csv.exists() {
                continue;
            }
            tables += 1;
            let frame = lockstep_report::read_parquet(&parquet).unwrap();
            let bytes = String::from_utf8(frame.csv(guard)).unwrap();
            assert_eq!(bytes, read(&both, schema.file), "{input} {extra:?}: {}", schema.name);
        }
        assert!(tables >= 8, "{input}: {tables} tables");
        let optional = [
            lockstep_report::files::bio_clusters::FILE,
            lockstep_report::files::near_text_pairs::FILE,
        ];
        if input.contains("near-text") {
            assert!(optional.iter().any(|f| both.out.join(f).exists()), "{input}");
        }
        let csv = lockstep(&[&["detect", input, "--out", "{OUT}"][..], extra].concat());
        assert_eq!(summary(&csv)["run_folder_version"], 1);
        assert_eq!(summary(&both)["parameters"]["output_format"], "both");
        for name in ["pairs.csv", "edges.csv", "accounts.csv", "network.gexf"] {
            assert_eq!(read(&csv, name), read(&both, name), "{name}");
        }
    }

    // Parquet alone: no CSV, a layout older lockstep refuses, and the same
    // report, API answers and evaluation as from CSV.
    let csv = lockstep(&["detect", world, "--out", "{OUT}", "--fdr", "0.05"]);
    let pq = lockstep(&[
        "detect",
        world,
        "--out",
        "{OUT}",
        "--fdr",
        "0.05",
        "--output-format",
        "parquet",
    ]);
    assert_eq!(pq.code, 0, "{}", pq.stderr);
    let names: Vec<String> = std::fs::read_dir(&pq.out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".csv")), "{names:?}");
    assert!(names.contains(&"pairs.parquet".to_string()), "{names:?}");
    assert_eq!(summary(&pq)["run_folder_version"], 3);
    for run in [&csv, &pq] {
        assert_eq!(lockstep(&["report", run.out.to_str().unwrap()]).code, 0);
    }
    // The same report, but for the parameter that says so.
    let said = "<tr><td>output_format</td><td>parquet</td></tr>";
    let html = read(&pq, "report.html");
    assert!(html.contains(said));
    assert!(read(&csv, "report.html") == html.replace(said, ""), "the reports differ");
    let (a, b) =
        (lockstep_serve::Run::load(&csv.out).unwrap(), lockstep_serve::Run::load(&pq.out).unwrap());
    let params = |kv: &[(&str, &str)]| -> lockstep_serve::api::Params {
        kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    };
    use lockstep_serve::api;
    let one = params(&[("id", "1"), ("cluster", "1")]);
    assert_eq!(api::cluster_detail(&a, &one).unwrap(), api::cluster_detail(&b, &one).unwrap());
    let members = api::members(&a, &one).unwrap().to_csv();
    assert_eq!(members, api::members(&b, &one).unwrap().to_csv());
    let first = String::from_utf8(members).unwrap();
    let first = first.lines().nth(1).unwrap().split(',').next().unwrap().to_string();
    let who = params(&[("id", &first)]);
    assert_eq!(
        api::partners(&a, &who).unwrap().to_csv(),
        api::partners(&b, &who).unwrap().to_csv()
    );
    let partner = String::from_utf8(api::partners(&a, &who).unwrap().to_csv()).unwrap();
    let partner = partner.lines().nth(1).unwrap().split(',').next().unwrap().to_string();
    let edge = params(&[("a", &first), ("b", &partner)]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let evidence = |run| api::evidence(run, &edge, 100, deadline).unwrap().to_csv();
    assert!(evidence(&a).len() > 200, "{}", String::from_utf8_lossy(&evidence(&a)));
    assert_eq!(evidence(&a), evidence(&b));
    let eval = |run: &Run| {
        let r = lockstep(&["evaluate", run.out.to_str().unwrap(), "--truth", truth]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    };
    assert_eq!(eval(&csv), eval(&pq));
    // The same STIX bundle, ids and all: the format is not part of the run.
    let export = |run: &Run| {
        let dir = run.out.to_str().unwrap();
        let r = lockstep_with_env(&["export", dir], &[("SOURCE_DATE_EPOCH", "1700000000")]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        read(run, "bundle.stix.json")
    };
    assert!(export(&csv) == export(&pq), "the bundles differ");
}

/// `lockstep export`: a STIX 2.1 bundle of the campaigns worth a look,
/// the same bytes for the same run and time, on a simulated world with a
/// batch-created office-hours farm (CI validates such a bundle with OASIS's
/// validator, scripts/validate_stix.sh).
#[test]
fn export_writes_a_stix_bundle_of_the_campaigns() {
    let dir = TempDir::new("stix");
    let world = small_world(&dir);
    let world = world.to_str().unwrap();
    let out = dir.0.join("out");
    let out = out.to_str().unwrap();
    assert_eq!(lockstep(&["detect", world, "--out", out, "--quiet"]).code, 0);
    let time = [("SOURCE_DATE_EPOCH", "1765000000")];
    let first = lockstep_with_env(&["export", out], &time);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stdout.contains("bundle.stix.json`: 1 cluster, 40 accounts, "),
        "{}",
        first.stdout
    );
    let path = Path::new(out).join("bundle.stix.json");
    let bytes = std::fs::read(&path).unwrap();
    let again = lockstep_with_env(&["export", out, "--out", "-"], &time);
    assert_eq!(again.stdout.as_bytes(), bytes, "same run, same time: same bytes");
    let b: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let objects = b["objects"].as_array().unwrap();
    let of = |kind: &str| objects.iter().filter(|o| o["type"] == kind).collect::<Vec<_>>();
    assert_eq!(of("identity").len(), 1);
    let grouping = of("grouping")[0];
    assert_eq!(grouping["context"], "suspicious-activity");
    assert_eq!(grouping["created"], "2025-12-06T05:46:40.000Z");
    let description = grouping["description"].as_str().unwrap();
    assert!(description.contains("office hours"), "{description}");
    assert!(description.contains("not proof"), "{description}");
    // The farm works office hours and was created in one batch: the
    // techniques are referenced, and every reference is in the bundle.
    let ids: std::collections::HashSet<&str> =
        objects.iter().map(|o| o["id"].as_str().unwrap()).collect();
    let refs = grouping["object_refs"].as_array().unwrap();
    assert!(refs.iter().all(|r| ids.contains(r.as_str().unwrap())));
    let techniques: Vec<&str> = of("attack-pattern")
        .iter()
        .map(|o| o["external_references"][0]["external_id"].as_str().unwrap())
        .collect();
    assert!(techniques.contains(&"T0049.001") && techniques.contains(&"T0146"), "{techniques:?}");
    let accounts = of("user-account");
    assert_eq!(accounts.len(), 40);
    assert!(accounts.iter().all(|a| a["account_type"] == "twitter"));
    assert!(of("domain-name").iter().any(|d| d["value"] == "site9100.example"));
    // Not a run folder: a clear error.
    let r = lockstep(&["export", dir.0.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("summary.json") || r.stderr.contains("run folder"), "{}", r.stderr);
}

/// `lockstep watch` on a recorded stream, replayed at full speed: its run
/// folder is `detect`'s on the records within the horizon of the last one
/// (batch = stream), and the planted farm is raised as it forms and as it
/// grows, each alert with its evidence.
#[test]
fn watch_gives_detect_on_the_horizons_records() {
    let dir = TempDir::new("watch");
    let world = small_world(&dir);
    let text = std::fs::read_to_string(&world).unwrap();
    let time_ms = |line: &str| -> i64 {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        v["timestamp_ms"].as_str().unwrap().parse().unwrap()
    };
    let latest = text.lines().map(time_ms).max().unwrap();
    let horizon_s = 5 * 86_400;
    let within: String = text
        .lines()
        .filter(|l| time_ms(l) > latest - horizon_s * 1000)
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(within.len() < text.len() * 9 / 10, "the horizon cuts the stream");
    let within_path = dir.0.join("within.jsonl");
    std::fs::write(&within_path, within).unwrap();
    let (watched, batch) = (dir.0.join("watched"), dir.0.join("batch"));
    let o = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(["watch", "-", "--out", watched.to_str().unwrap()])
        .args(["--horizon", &horizon_s.to_string(), "--refresh", "21600", "--quiet"])
        .stdin(std::fs::File::open(&world).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("45,378 records"), "{stdout}");
    let b = lockstep(&["detect", within_path.to_str().unwrap(), "--out", batch.to_str().unwrap()]);
    assert_eq!(b.code, 0, "{}", b.stderr);
    for name in [
        "pairs.csv",
        "edges.csv",
        "clusters.csv",
        "accounts.csv",
        "campaigns.csv",
        "campaign_signals.csv",
        "talking_points.csv",
        "cluster_fingerprints.csv",
        "network.gexf",
        "network.graphml",
    ] {
        let (w, b) =
            (std::fs::read(watched.join(name)).unwrap(), std::fs::read(batch.join(name)).unwrap());
        assert!(w == b, "{name} differs");
    }
    assert!(std::fs::read_to_string(batch.join("clusters.csv")).unwrap().lines().count() > 1);
    let alerts: Vec<serde_json::Value> = std::fs::read_to_string(watched.join("alerts.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(alerts[0]["change"], "appeared", "{alerts:?}");
    // The farm (accounts 9000000 on, made in one batch) is raised once it
    // has acted on enough days to stand out.
    let farm = alerts.iter().find(|a| {
        let accounts = a["accounts"].as_array().unwrap();
        accounts.len() >= 10 && accounts.iter().all(|n| n.as_str().unwrap().starts_with("x:9"))
    });
    let farm = farm.unwrap_or_else(|| panic!("{alerts:?}"));
    assert!(farm["explanation"].as_str().unwrap().contains("creation batch"), "{farm}");
    for a in &alerts {
        let evidence = a["evidence"].as_array().unwrap();
        assert!(!evidence.is_empty() && evidence.len() <= 20);
    }
    // A source it cannot read is refused with the ones it can.
    let r = lockstep(&["watch", "ftp://jetstream.example/subscribe", "--out", "{OUT}"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("`wss://` (Bluesky's Jetstream)"), "{}", r.stderr);
}

/// A horizon that outgrows its share of `--memory-limit` drops its oldest
/// actions early: the watch says so once, each refresh says how much of
/// the horizon it holds, and it ends as it would.
#[test]
fn watch_keeps_its_horizon_within_the_memory_limit() {
    let dir = TempDir::new("watch-memory");
    let world = small_world(&dir);
    let watched = dir.0.join("watched");
    let o = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(["watch", "-", "--out", watched.to_str().unwrap(), "--memory-limit", "136M"])
        .args(["--horizon", "432000", "--refresh", "21600"])
        .stdin(std::fs::File::open(&world).unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let warning =
        "warning: the horizon outgrew its share of the memory limit (1.6 MiB of 136.0 MiB;";
    assert_eq!(stderr.matches(warning).count(), 1, "{stderr}");
    let last = stderr.lines().rfind(|l| l.starts_with("watch: stream at")).unwrap();
    assert!(
        last.contains(" by the memory limit (") && last.contains("actions dropped early)"),
        "{last}"
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("45,378 records"));
}

/// `watch --early` on the simulated mixed world as Bluesky events: one
/// early warning, of the batch-made farm and nobody else, and it says that
/// it is a warning, not a finding.
#[test]
fn watch_warns_early_of_the_farm_only() {
    let dir = TempDir::new("watch-early");
    let (world, truth) = (dir.0.join("world.jsonl"), dir.0.join("truth.csv"));
    let (world, truth) = (world.to_str().unwrap(), truth.to_str().unwrap());
    let args = ["--scenario", "mixed", "--accounts", "2000", "--days", "2", "--seed", "1"];
    let sim = lockstep(
        &[
            &["simulate"][..],
            &args,
            &["--format", "bluesky-jetstream", "--out", world, "--truth", truth],
        ]
        .concat(),
    );
    assert_eq!(sim.code, 0, "{}", sim.stderr);
    let out = dir.0.join("live");
    let r =
        lockstep(&["watch", world, "--out", out.to_str().unwrap(), "--early", "--refresh", "60"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let role: std::collections::HashMap<String, String> = std::fs::read_to_string(truth)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let mut f = l.split(',');
            (f.next().unwrap().to_string(), f.next().unwrap().to_string())
        })
        .collect();
    let alerts = std::fs::read_to_string(out.join("alerts.jsonl")).unwrap();
    let early: Vec<serde_json::Value> = alerts
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|a| a["change"] == "early")
        .collect();
    assert_eq!(early.len(), 1, "{alerts}");
    let accounts = early[0]["accounts"].as_array().unwrap();
    assert!(accounts.len() >= 30, "{alerts}");
    assert!(accounts.iter().all(|a| role[a.as_str().unwrap()] == "farm"), "{alerts}");
    assert!(early[0]["explanation"].as_str().unwrap().contains("A warning, not a finding"));
}

/// A refresh that fails stops the watch with its own error: the refreshes
/// run on a thread of their own, and the reading side's "the refreshes
/// stopped" is only its consequence.
#[test]
fn watch_stops_with_the_error_of_a_failed_refresh() {
    let dir = TempDir::new("watch-fails");
    let world = small_world(&dir);
    let not_a_folder = dir.0.join("a-file");
    std::fs::write(&not_a_folder, "").unwrap();
    let (world, out) = (world.to_str().unwrap(), not_a_folder.to_str().unwrap());
    let r = lockstep(&["watch", world, "--out", out, "--refresh", "3600", "--quiet"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("cannot write"), "{}", r.stderr);
    assert!(!r.stderr.contains("the refreshes stopped"), "{}", r.stderr);
}

/// `lockstep watch wss://...` on a simulated week of Bluesky, replayed by
/// a local Jetstream over TLS (its authority named with `--ca-file`) that
/// drops the connection three times and sends a malformed event: the watch resumes from its cursor each time, reads
/// every event once, counts the bad one, and its run folder is `detect`'s
/// on the same events. `--until` ends it at the last event's time.
#[test]
fn watch_reads_a_jetstream_and_resumes_from_its_cursor() {
    use lockstep_test_support::replay::{self, Extra, JetstreamScript};
    let dir = TempDir::new("jetstream");
    let world = dir.0.join("world.jsonl");
    let args = ["--scenario", "mixed", "--accounts", "2000", "--days", "7", "--seed", "1"];
    let out = world.to_str().unwrap();
    let sim = lockstep(
        &[&["simulate"][..], &args, &["--format", "bluesky-jetstream", "--out", out]].concat(),
    );
    assert_eq!(sim.code, 0, "{}", sim.stderr);
    let events: Vec<String> =
        std::fs::read_to_string(&world).unwrap().lines().map(String::from).collect();
    let n = events.len();
    let last = replay::time_us(&events[n - 1]);
    // `--until` the last event's time: every event before it is read.
    let read: String = events[..n - 1].iter().map(|e| format!("{e}\n")).collect();
    let read_path = dir.0.join("read.jsonl");
    std::fs::write(&read_path, read).unwrap();
    let server = replay::jetstream(JetstreamScript {
        events,
        drops: vec![n / 3, n / 4, 1],
        extras: vec![(n / 2, Extra::Text("{\"did\": oops".into()))],
        pause: None,
        // Over TLS, trusting the test's authority as a user names theirs.
        tls: true,
        ..Default::default()
    });
    let (watched, batch) = (dir.0.join("watched"), dir.0.join("batch"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lockstep"));
    cmd.args(["watch", &server.url("wss", "/subscribe"), "--out", watched.to_str().unwrap()])
        .args(["--ca-file", replay::TEST_CA])
        .args(["--horizon", "2592000", "--refresh", "86400"])
        .args(["--until", &lockstep_model::time::fmt_iso(last)]);
    let o = output_within(cmd, 300);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert_eq!(stderr.matches("reconnecting in").count(), 3, "{stderr}");
    let requests = server.requests.lock().unwrap().clone();
    // Three drops, four connections; after the last event the server ends
    // its script, and the watch may have reconnected before it stopped.
    assert!(requests.len() >= 4, "{requests:?}");
    assert!(requests[0].contains("wantedCollections=app.bsky.feed.repost"), "{requests:?}");
    assert!(requests[1..].iter().all(|r| r.contains("cursor=")), "{requests:?}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    // Every event but the last, and the bad one.
    let read_n = stdout.split(" records").next().and_then(|s| s.rsplit(' ').next());
    assert_eq!(read_n.map(|s| s.replace(',', "")), Some(n.to_string()), "{stdout}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(watched.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(
        summary["inputs"][0]["skipped_by_reason"]["not JSON"], 1,
        "{}",
        summary["inputs"][0]
    );
    assert_eq!(summary["inputs"][0]["format"], "bluesky-jetstream");
    let b = lockstep(&["detect", read_path.to_str().unwrap(), "--out", batch.to_str().unwrap()]);
    assert_eq!(b.code, 0, "{}", b.stderr);
    for name in ["pairs.csv", "edges.csv", "clusters.csv", "accounts.csv", "campaigns.csv"] {
        let (w, b) =
            (std::fs::read(watched.join(name)).unwrap(), std::fs::read(batch.join(name)).unwrap());
        assert!(w == b, "{name} differs");
    }
    // The farm is found on Bluesky too, and its accounts get reports.
    let alerts = std::fs::read_to_string(watched.join("alerts.jsonl")).unwrap();
    assert!(alerts.contains("creation batch"), "{alerts}");
    assert!(std::fs::read_dir(watched.join("reports")).unwrap().count() >= 10);
}

/// A server whose certificate no trusted authority signed stops the watch
/// with what to do; `--ca-file` is refused for a source without TLS.
#[test]
fn watch_refuses_an_untrusted_certificate() {
    use lockstep_test_support::replay::{self, JetstreamScript};
    let dir = TempDir::new("untrusted");
    let event = r#"{"did":"did:plc:a","time_us":1,"kind":"identity"}"#;
    let server = replay::jetstream(JetstreamScript {
        events: vec![event.to_string()],
        tls: true,
        ..Default::default()
    });
    let out = dir.0.join("out");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lockstep"));
    cmd.args(["watch", &server.url("wss", "/subscribe"), "--out", out.to_str().unwrap()]);
    let o = output_within(cmd, 60);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        stderr.contains("certificate is not trusted") && stderr.contains("--ca-file"),
        "{stderr}"
    );
    let plain =
        lockstep(&["watch", "-", "--out", out.to_str().unwrap(), "--ca-file", replay::TEST_CA]);
    assert_ne!(plain.code, 0);
    assert!(
        plain.stderr.contains("`--ca-file` is for `wss://` and `https://` sources"),
        "{}",
        plain.stderr
    );
}

/// `lockstep watch https://.../api/v1/streaming/public` against a local
/// Mastodon over TLS (`--ca-file`) that drops the stream while more
/// statuses are published: the
/// watch reads the gap from the timeline, reads each status once with the
/// `mastodon` reader, and counts the deletion it was sent.
#[test]
fn watch_reads_a_mastodon_stream_and_fills_its_gaps() {
    use lockstep_test_support::replay::{self, MastodonScript};
    let dir = TempDir::new("mastodon");
    // Eight accounts boost the same five posts within seconds, twice a
    // day for three days: statuses in publication order.
    let mut statuses = Vec::new();
    for day in 0..3u64 {
        for round in 0..2u64 {
            for post in 0..5u64 {
                for account in 0..8u64 {
                    let n = statuses.len() as u64;
                    let secs = day * 86_400 + round * 36_000 + post * 600 + account * 3;
                    let time =
                        lockstep_model::time::fmt_iso((1_709_283_600 + secs as i64) * 1_000_000);
                    let id = 112_000_000_000_000_000 + n * 65_536;
                    statuses.push((id, format!(
                        r#"{{"id":"{id}","uri":"https://m.example/users/u{account}/statuses/{id}","created_at":"{time}","content":"","account":{{"id":"{account}","username":"u{account}","acct":"u{account}","created_at":"2024-01-10T00:00:00.000Z"}},"reblog":{{"id":"{}","uri":"https://m.example/users/src/statuses/{}","created_at":"{time}","content":"<p>news</p>","account":{{"id":"99","username":"src","acct":"src"}}}}}}"#,
                        day * 10 + round * 5 + post,
                        day * 10 + round * 5 + post
                    )));
                }
            }
        }
    }
    let n = statuses.len();
    // A last status, a day later: `--until` its time ends the watch.
    statuses.push((
        113_000_000_000_000_000,
        r#"{"id":"113000000000000000","created_at":"2024-03-05T00:00:00.000Z","content":"<p>later</p>","account":{"id":"50","username":"late","acct":"late"}}"#.to_string(),
    ));
    let server = replay::mastodon(MastodonScript {
        statuses,
        drops: vec![(70, 50)],
        extras: vec![(10, "event: delete\ndata: 112000000000000000\n\n".into())],
        pause: None,
        token: Some("t0ken".into()),
        // Over TLS: the stream, and the timeline that fills its gap.
        tls: true,
    });
    let out = dir.0.join("live");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lockstep"));
    cmd.args(["watch", &server.url("https", "/api/v1/streaming/public")])
        .args(["--ca-file", replay::TEST_CA])
        .args(["--out", out.to_str().unwrap(), "--refresh", "86400"])
        .args(["--until", "2024-03-05T00:00:00Z", "--all-pairs"])
        .env("LOCKSTEP_MASTODON_TOKEN", "t0ken");
    let o = output_within(cmd, 120);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(!stderr.contains("t0ken"), "the token is never shown");
    let requests = server.requests.lock().unwrap().clone();
    assert!(
        requests.iter().any(|r| r.contains("/api/v1/timelines/public?min_id=")),
        "{requests:?}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let input = &summary["inputs"][0];
    assert_eq!(input["format"], "mastodon");
    assert_eq!(input["records_read"], n as u64 + 1, "{input}");
    assert_eq!(input["records_used"], n as u64, "{input}");
    assert_eq!(input["skipped_by_reason"]["deletion"], 1, "{input}");
    let pairs = std::fs::read_to_string(out.join("pairs.csv")).unwrap();
    assert_eq!(pairs.lines().count() - 1, 30 * 28, "every boost pair of every post once");
}

/// A watch's output, failing the test rather than hanging it when the
/// watch does not end (a live source reconnects for ever).
fn output_within(mut cmd: Command, seconds: u64) -> std::process::Output {
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(std::time::Duration::from_secs(seconds)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg(id.to_string()).status();
            panic!("the watch did not end within {seconds} s");
        }
    }
}

/// `lockstep watch --follow` on a file a collector is still writing, cut
/// mid-line: the line is read whole once its end is written, and every
/// record is read once. (How soon the watcher reads is up to it; the
/// test waits for it, and a correct watcher passes however it is timed.)
#[test]
fn watch_follows_a_growing_file() {
    let dir = TempDir::new("follow");
    let world = small_world(&dir);
    let text = std::fs::read(&world).unwrap();
    // Ten bytes into a line near the middle.
    let middle = text.len() / 2;
    let cut = middle + text[middle..].iter().position(|&b| b == b'\n').unwrap() + 10;
    let growing = dir.0.join("growing.jsonl");
    std::fs::write(&growing, &text[..cut]).unwrap();
    let out = dir.0.join("live");
    let mut child = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(["watch", growing.to_str().unwrap(), "--follow", "--quiet"])
        .args(["--out", out.to_str().unwrap(), "--refresh", "21600"])
        .spawn()
        .unwrap();
    // The records read, as the last refresh's summary says (a folder being
    // replaced reads as absent for a moment).
    let read = |out: &Path| -> Option<(u64, u64)> {
        let text = std::fs::read_to_string(out.join("summary.json")).ok()?;
        let s: serde_json::Value = serde_json::from_str(&text).ok()?;
        let input = &s["inputs"][0];
        Some((input["records_read"].as_u64()?, input["records_skipped"].as_u64().unwrap_or(0)))
    };
    let wait = |what: &dyn Fn(Option<(u64, u64)>) -> bool| {
        let start = std::time::Instant::now();
        while !what(read(&out)) {
            assert!(start.elapsed().as_secs() < 120, "gave up waiting: {:?}", read(&out));
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    // Once the watcher has read to the end of the half written so far
    // (its file offset, from /proc), and had time to find the last line
    // cut, the rest comes.
    let offset = || -> Option<u64> {
        for fd in std::fs::read_dir(format!("/proc/{}/fd", child.id())).ok()? {
            let fd = fd.ok()?;
            if std::fs::read_link(fd.path()).ok()? == growing {
                let info = std::fs::read_to_string(format!(
                    "/proc/{}/fdinfo/{}",
                    child.id(),
                    fd.file_name().to_string_lossy()
                ))
                .ok()?;
                return info.lines().find_map(|l| l.strip_prefix("pos:")?.trim().parse().ok());
            }
        }
        None
    };
    let start = std::time::Instant::now();
    while offset() != Some(cut as u64) {
        assert!(start.elapsed().as_secs() < 120, "the watcher never read to the end");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_secs(1));
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(&growing).unwrap();
    f.write_all(&text[cut..]).unwrap();
    drop(f);
    // The last refresh is due once the stream's time passes the last
    // multiple of the refresh: after the last record, there is none, so
    // wait for the last refresh that includes the second half's days.
    wait(&|r| r.is_some_and(|(n, _)| n > 40_000));
    let _ = child.kill();
    let _ = child.wait();
    let (n, skipped) = read(&out).unwrap();
    assert_eq!(skipped, 0, "no record was cut in two");
    assert!(n > 40_000 && n <= 45_378, "{n}");
}

/// `--compress-pairs`: pairs.csv.zst holds pairs.csv's bytes (read by a
/// plain zstd decoder) and every other file is the same; the report, the
/// STIX export and `serve`'s evidence read it in place and say the same.
#[test]
fn compressed_pairs_are_read_in_place() {
    let dir = TempDir::new("compress");
    let world = small_world(&dir);
    let world = world.to_str().unwrap();
    let (plain, packed) = (dir.0.join("plain"), dir.0.join("packed"));
    let (plain, packed) = (plain.to_str().unwrap(), packed.to_str().unwrap());
    let base = ["detect", world, "--all-pairs", "--quiet", "--out"];
    assert_eq!(lockstep(&[&base[..], &[plain]].concat()).code, 0);
    let r = lockstep(&[&base[..], &[packed, "--compress-pairs"]].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("the largest pairs.csv.zst"), "{}", r.stdout);
    let version = |d: &str| summary_of(Path::new(d))["run_folder_version"].as_u64();
    assert_eq!((version(plain), version(packed)), (Some(1), Some(2)));
    let (plain, packed) = (Path::new(plain), Path::new(packed));
    assert!(!packed.join("pairs.csv").exists());
    let zst = std::fs::read(packed.join("pairs.csv.zst")).unwrap();
    let csv = std::fs::read(plain.join("pairs.csv")).unwrap();
    assert_eq!(zstd::stream::decode_all(&zst[..]).unwrap(), csv);
    assert!(zst.len() * 4 < csv.len(), "{} of {}", zst.len(), csv.len());
    let names = |d: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    };
    let want: Vec<String> = names(plain)
        .into_iter()
        .map(|n| if n == "pairs.csv" { "pairs.csv.zst".into() } else { n })
        .collect();
    assert_eq!(names(packed), {
        let mut w = want;
        w.sort();
        w
    });
    for name in names(plain).iter().filter(|n| !["pairs.csv", "summary.json"].contains(&n.as_str()))
    {
        assert_eq!(
            std::fs::read(plain.join(name)).unwrap(),
            std::fs::read(packed.join(name)).unwrap(),
            "{name}"
        );
    }
    let time = [("SOURCE_DATE_EPOCH", "1765000000")];
    for dir in [plain, packed] {
        let d = dir.to_str().unwrap();
        assert_eq!(lockstep(&["report", d, "--all-clusters"]).code, 0);
        assert_eq!(lockstep_with_env(&["export", d, "--all-clusters"], &time).code, 0);
    }
    let html = |d: &Path| {
        std::fs::read_to_string(d.join("report.html"))
            .unwrap()
            .replace("pairs.csv.zst", "pairs.csv")
    };
    assert_eq!(
        html(plain),
        html(packed).replace(packed.to_str().unwrap(), plain.to_str().unwrap())
    );
    let bundle = |d: &Path| std::fs::read(d.join("bundle.stix.json")).unwrap();
    assert_eq!(bundle(plain), bundle(packed));
    // serve: an edge's evidence rows are read from the frames that hold them.
    let evidence = |d: &Path| {
        use lockstep_serve::api;
        let run = lockstep_serve::Run::load(d).unwrap();
        let far = std::time::Instant::now() + std::time::Duration::from_secs(3600);
        let p = |k: &str, v: &str| [(k.to_string(), v.to_string())].into_iter().collect();
        let timeline = api::timeline(&run, &p("cluster", "1"), far).unwrap();
        assert!(timeline["actions"].as_u64().unwrap() > 100, "{timeline}");
        let members = api::members(&run, &p("cluster", "1")).unwrap();
        let actions: Vec<api::Rows> = members
            .rows
            .iter()
            .take(5)
            .map(|m| api::actions(&run, &p("id", &m[0]), far).unwrap())
            .collect();
        let search = api::search(&run, &p("q", "site9100"), 50, far).unwrap();
        serde_json::to_string(&(timeline, actions, search)).unwrap()
    };
    assert_eq!(evidence(plain), evidence(packed));
}

/// One run over two platforms: an X account and a Telegram channel that
/// push the same two URLs within a minute are linked.
#[test]
fn cross_platform_urls_link_accounts() {
    let tg = fixture("cross-platform/tg_result.json");
    let r = detect("cross-platform/x.jsonl", &[tg.to_str().unwrap(), "--layers", "url"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("cross_platform_stdout", r.stdout);
    insta::assert_snapshot!("cross_platform_pairs", read(&r, "pairs.csv"));
}

/// A directory as input means its files, in name order.
#[test]
fn directory_input_reads_every_file() {
    // A span of minutes: nothing to test against, so the counting rule.
    let r = detect("cross-platform", &["--layers", "url", "--rule", "naive"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = summary(&r);
    assert_eq!(s["inputs"].as_array().unwrap().len(), 2);
    assert_eq!(s["coordinated"]["edges"], 1);
    let pattern = fixture("cross-platform/*.json*");
    let r = lockstep(&[
        "detect",
        pattern.to_str().unwrap(),
        "--out",
        "{OUT}",
        "--layers",
        "url",
        "--rule",
        "naive",
    ]);
    assert_eq!(summary(&r)["inputs"].as_array().unwrap().len(), 2, "{}", r.stderr);
}

/// Every output but the summary, and the summary without `drop`.
fn comparable(r: &Run, drop: &[&str]) -> Vec<(String, String)> {
    let mut s = summary(r);
    for k in drop {
        s.as_object_mut().unwrap().remove(*k);
    }
    let mut v: Vec<(String, String)> = lockstep_report::OUTPUT_FILES
        .iter()
        .filter(|&&f| f != "summary.json")
        .map(|f| (f.to_string(), read(r, f)))
        .collect();
    v.push(("summary.json".into(), s.to_string()));
    v
}

/// `lockstep ingest` then `lockstep detect DATASET/` gives what `detect`
/// on the input gives, for all layers and for a selection, and the mapping
/// file means what `--map` means.
#[test]
fn a_dataset_gives_the_outputs_of_its_input() {
    let mapping = fixture("mapping/multi.toml");
    let map = ["--map", "url=url_id,hashtag=hashtag_id,content=post_id,timestamp=timestamp"];
    let input = fixture("shares-csv/multi.csv");
    let ingest = lockstep(&[
        "ingest",
        input.to_str().unwrap(),
        "--map-file",
        mapping.to_str().unwrap(),
        "--out",
        "{OUT}",
    ]);
    assert_eq!(ingest.code, 0, "{}", ingest.stderr);
    insta::assert_snapshot!("ingest_stdout", ingest.stdout);
    let ds = ingest.out.to_str().unwrap();
    // Timings and parameters say how the data was read; a dataset keeps
    // the records each input used for any layer, so with a selection of
    // layers the per-record counts are the ingest's (and a note says so).
    let all: &[&str] = &["timings_ms", "parameters"];
    let selection: &[&str] = &["timings_ms", "parameters", "inputs", "records"];
    for (extra, drop) in
        [(&KEEP_ALL[..], all), (&[&KEEP_ALL[..], &["--layers", "url"]].concat()[..], selection)]
    {
        let direct = detect("shares-csv/multi.csv", &[&map[..], extra].concat());
        let from_ds = lockstep(&[&["detect", ds, "--out", "{OUT}"], extra].concat());
        assert_eq!(from_ds.code, 0, "{}", from_ds.stderr);
        assert_eq!(comparable(&direct, drop), comparable(&from_ds, drop), "with {extra:?}");
        let params = &summary(&from_ds)["parameters"];
        assert_eq!(params["dataset"]["ingest"]["map_file"], mapping.to_str().unwrap());
        assert_eq!(params["dataset"]["tables"]["actions.parquet"]["rows"], 8);
    }
    let selected = lockstep(&["detect", ds, "--out", "{OUT}", "--layers", "url"]);
    assert_eq!(summary(&selected)["inputs"][0]["actions_on_unselected_layers"]["hashtag"], 4);
    assert!(
        selected.stdout.contains("note: layers url selected from dataset"),
        "{}",
        selected.stdout
    );

    // Options that only parsing uses, and mixing a dataset with files, are refused.
    let strict = lockstep(&["detect", ds, "--out", "{OUT}", "--strict", "--format", "shares-csv"]);
    assert_eq!(strict.code, 2);
    assert!(
        strict.stderr.contains("--format, --strict apply to `lockstep ingest`"),
        "{}",
        strict.stderr
    );
    let mixed = lockstep(&["detect", ds, input.to_str().unwrap(), "--out", "{OUT}"]);
    assert!(mixed.stderr.contains("is a dataset: read it alone"), "{}", mixed.stderr);
    let again = lockstep(&["ingest", ds, "--out", "{OUT}"]);
    assert!(again.stderr.contains("is already a dataset"), "{}", again.stderr);
    let both = lockstep(&[
        "ingest",
        input.to_str().unwrap(),
        "--out",
        "{OUT}",
        map[0],
        map[1],
        "--map-file",
        mapping.to_str().unwrap(),
    ]);
    assert_eq!(both.code, 2, "{}", both.stderr);
}

/// The same line in Persian, Arabic, Russian and English, each copied by
/// four accounts with an operator's edits, is found on `near_text`; a
/// different line on the same topic and a too-short line are not; every
/// pair's evidence has both texts and their similarity.
#[test]
fn near_text_finds_edited_copies_in_four_languages() {
    let map = "account=account_id,content=post_id,timestamp=timestamp,text=text";
    let r = detect(
        "near-text/multilingual.csv",
        &[&["--map", map, "--layers", "near_text"][..], &KEEP_ALL].concat(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let evidence = read(&r, "near_text_pairs.csv");
    let mut rows = csv::Reader::from_reader(evidence.as_bytes());
    let mut pairs = 0;
    for rec in rows.records() {
        let rec = rec.unwrap();
        let (a, b) = (&rec[1], &rec[2]);
        assert!(a.contains("_op") && b.contains("_op"), "{a} {b}");
        assert_eq!(a[..3], b[..3], "one language per line");
        let sim: f64 = rec[7].parse().unwrap();
        assert!((0.8..=1.0).contains(&sim), "every pair is itself similar: {sim}");
        assert!(!rec[8].is_empty() && !rec[9].is_empty());
        pairs += 1;
    }
    // Six pairs among four copies in four languages, less the one Persian
    // pair whose two edits put it under 0.8 (linked only through the
    // original: kept with `--near-text-pairs cluster`).
    assert_eq!(pairs, 23);
    // The texts as their posts wrote them (capitals, hamza, the Persian
    // alef with madda), not as compared; the talking points too.
    assert!(evidence.contains(",Everyone must know that the government slashed"), "{evidence}");
    let naive = detect(
        "near-text/multilingual.csv",
        &[&["--map", map, "--layers", "near_text", "--rule", "naive"][..], &KEEP_ALL].concat(),
    );
    let points = read(&naive, "talking_points.csv");
    for written in ["Everyone must know", "Все должны знать", "#آموزش", "على الجميع أن يعرفوا"]
    {
        assert!(points.contains(written), "{written}: {points}");
    }
    // The CSV labels no language: each is detected from the words, the
    // Persian line told from the Arabic one.
    let mut languages: Vec<String> = csv::Reader::from_reader(points.as_bytes())
        .deserialize::<std::collections::HashMap<String, String>>()
        .map(|r| {
            let r = r.unwrap();
            format!("{} {}", r["language"], r["language_from"])
        })
        .collect();
    languages.sort();
    assert_eq!(languages, ["ar words", "en words", "fa words", "ru words"]);
    let report = lockstep(&["report", naive.out.to_str().unwrap(), "--all-clusters"]);
    assert_eq!(report.code, 0, "{}", report.stderr);
    let html = read(&naive, "report.html");
    assert!(html.contains("<span dir=\"auto\" lang=\"fa\">"), "{html}");
    assert!(html.contains("<td>ru, detected</td>"), "{html}");
    let chained = detect(
        "near-text/multilingual.csv",
        &[&["--map", map, "--layers", "near_text", "--near-text-pairs", "cluster"][..], &KEEP_ALL]
            .concat(),
    );
    assert_eq!(read(&chained, "near_text_pairs.csv").lines().count(), 24 + 1);
    let s = summary(&r);
    assert_eq!(s["near_text"]["clusters"], 4);
    assert_eq!(s["near_text"]["distinct_texts_too_short"], 2);
    // The different lines are each posted once: no near_text action.
    assert_eq!(s["near_text"]["text_actions_alone"], 4);
    assert_eq!(s["dataset"]["actions_by_layer"], serde_json::json!({"near_text": 16}));
    insta::assert_snapshot!("near_text_stdout", r.stdout);
    insta::assert_snapshot!("near_text_pairs", evidence);
    let one_thread = detect(
        "near-text/multilingual.csv",
        &[&["--map", map, "--layers", "near_text", "--threads", "1"][..], &KEEP_ALL].concat(),
    );
    assert_eq!(read(&one_thread, "near_text_pairs.csv"), evidence);
    assert_eq!(read(&one_thread, "pairs.csv"), read(&r, "pairs.csv"));

    // Stricter similarity splits the chains; `text` kept when selected.
    let strict = detect(
        "near-text/multilingual.csv",
        &[
            &["--map", map, "--layers", "near_text,text", "--text-similarity", "0.95"][..],
            &KEEP_ALL,
        ]
        .concat(),
    );
    let s = summary(&strict);
    assert_eq!(s["near_text"]["threshold"], 0.95);
    assert_eq!(s["dataset"]["actions_by_layer"]["text"], 22);
    // Mapping a column to near_text directly is refused with the remedy.
    let bad = detect("near-text/multilingual.csv", &["--map", "near_text=text"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("derived from the text layer"), "{}", bad.stderr);
}

/// `--fdr` tests every edge against the whole-day-shift null and the
/// partner null: on the Russian retweets, of the 32 edges with two objects
/// or more, one is beyond chance under both at a false discovery rate of
/// 0.05 (day shift q 7.7e-4 over two million pairs that share an object;
/// partners q 0.012 over 434,778 pairs), and none at 0.01.
#[test]
fn fdr_keeps_edges_beyond_chance() {
    let r = lockstep(&[
        "detect",
        "examples/data/russian_coord_tweets.csv",
        "--out",
        "{OUT}",
        "--fdr",
        "0.05",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = summary(&r);
    assert_eq!(s["significance"]["edges_tested"], 2038);
    assert_eq!(s["significance"]["span_days"], 226);
    assert_eq!(s["significance"]["edges_both_q_at_most_0_01"], 0);
    assert_eq!(s["coordinated"]["edges"], 1);
    assert_eq!(s["parameters"]["fdr"], 0.05);
    let edges = read(&r, "edges.csv");
    assert!(edges.lines().next().unwrap().ends_with(
        ",expected_objects,p_value,q_value,partner_expected,partner_p_value,partner_q_value,in_openings"
    ));
    let mut rows = csv::Reader::from_reader(edges.as_bytes());
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (over_i, q_i, pq_i) = (col("over_threshold"), col("q_value"), col("partner_q_value"));
    let over: Vec<csv::StringRecord> =
        rows.records().map(|r| r.unwrap()).filter(|r| &r[over_i] == "1").collect();
    assert_eq!(over.len(), 1);
    assert!(over[0][q_i].parse::<f64>().unwrap() <= 0.05);
    assert!(over[0][pq_i].parse::<f64>().unwrap() <= 0.05);
    insta::assert_snapshot!("fdr_stdout", r.stdout);
    let bad = lockstep(&[
        "detect",
        "examples/data/russian_coord_tweets.csv",
        "--out",
        "{OUT}",
        "--fdr",
        "0",
    ]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("`--fdr` must be over 0"), "{}", bad.stderr);
}

/// The slow window: on by default with the tested rule, off where a flag
/// makes it meaningless, refused where it cannot apply (what it finds:
/// lockstep-stats tests/slow_window.rs).
#[test]
fn slow_window_flags() {
    let data = "shares-csv/multi.csv";
    let map = ["--map", "url=url_id,hashtag=hashtag_id,content=post_id,timestamp=timestamp"];
    let params = |extra: &[&str]| {
        let r = detect(data, &[&map[..], extra].concat());
        assert_eq!(r.code, 0, "{}", r.stderr);
        summary(&r)["parameters"].clone()
    };
    assert_eq!(params(&[])["slow_window_s"], 1800.0);
    assert_eq!(params(&[])["slow_layers"], "url,hashtag,text,image,near_text");
    // A window as wide covers it; the naive rule keeps one window.
    assert_eq!(params(&["--window", "3600"])["slow_window_s"], serde_json::Value::Null);
    assert_eq!(params(&["--rule", "naive"])["slow_window_s"], serde_json::Value::Null);
    assert_eq!(params(&["--slow-window", "0"])["slow_window_s"], serde_json::Value::Null);
    let refused = |extra: &[&str], says: &str| {
        let r = detect(data, &[&map[..], extra].concat());
        assert_eq!(r.code, 2, "{extra:?}");
        assert!(r.stderr.contains(says), "{}", r.stderr);
    };
    refused(&["--slow-window", "30"], "must exceed `--window`");
    refused(&["--semantics", "coortweet", "--slow-window", "600"], "not CooRTweet's rule");
    refused(&["--slow-layers", "url,nope"], "--slow-layers");
}

/// No pair at all is a result, not an error: empty tables with headers.
#[test]
fn no_pairs_gives_empty_outputs() {
    let r = detect("shares-csv/no-pairs.csv", &["--semantics", "coortweet"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("no_pairs_stdout", r.stdout);
    assert_eq!(read(&r, "edges.csv").lines().count(), 1);
    assert_eq!(summary(&r)["network"]["quantile_value"], serde_json::Value::Null);
}

#[test]
fn explain_prints_the_plan_without_reading() {
    let r = lockstep(&[
        "detect",
        "does-not-exist.csv",
        "--out",
        "{OUT}",
        "--explain",
        "--fast-window",
        "10",
        "--memory-limit",
        "8G",
        "--spill-dir",
        "/spill",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.out.exists(), "explain wrote outputs");
    insta::assert_snapshot!("explain_lockstep", r.stdout);
    let r = lockstep(&[
        "detect",
        "x.csv",
        "--out",
        "{OUT}",
        "--explain",
        "--semantics",
        "coortweet",
        "--threads",
        "1",
    ]);
    insta::assert_snapshot!("explain_coortweet", r.stdout);
    // The execution line names the engine that pairs the actions.
    for (engine, says) in [
        ("datafusion", "on DataFusion in this process"),
        ("ballista://scheduler.example:50050", "scheduler is `scheduler.example:50050`"),
    ] {
        let r = lockstep(&[
            "detect",
            "ds",
            "--out",
            "{OUT}",
            "--explain",
            "--engine",
            engine,
            "--slow-window",
            "0",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let execution = r.stdout.lines().find(|l| l.starts_with("execution")).unwrap_or_default();
        assert!(execution.contains(says), "{engine}: {execution}");
        assert!(!execution.contains("swept in parts"), "{engine}: {execution}");
    }
}

/// `docs/cli.md` is generated from the `--help` texts; this fails when it
/// is stale. Regenerate with `LOCKSTEP_UPDATE_DOCS=1 cargo nextest run -p lockstep-cli`.
#[test]
fn cli_reference_is_current() {
    let mut doc = String::from(
        "# Command-line reference\n\nGenerated from `--help` by `crates/lockstep-cli/tests/cli.rs`; do not edit.\n",
    );
    for (title, args) in [
        ("lockstep", &["--help"][..]),
        ("lockstep detect", &["detect", "--help"][..]),
        ("lockstep ingest", &["ingest", "--help"][..]),
        ("lockstep report", &["report", "--help"][..]),
        ("lockstep serve", &["serve", "--help"][..]),
        ("lockstep simulate", &["simulate", "--help"][..]),
        ("lockstep evaluate", &["evaluate", "--help"][..]),
        ("lockstep sweep", &["sweep", "--help"][..]),
        ("lockstep watch", &["watch", "--help"][..]),
        ("lockstep export", &["export", "--help"][..]),
        ("lockstep export-sql", &["export-sql", "--help"][..]),
        ("lockstep formats", &["formats"][..]),
    ] {
        let r = lockstep(args);
        assert_eq!(r.code, 0);
        doc.push_str(&format!("\n## `{title}`\n\n```text\n{}```\n", r.stdout));
    }
    // Every subcommand has its section.
    let help = lockstep(&["--help"]).stdout;
    let commands = help.split("Commands:\n").nth(1).unwrap().split("\n\n").next().unwrap();
    for line in commands.lines().filter(|l| !l.starts_with("   ")) {
        let name = line.split_whitespace().next().unwrap();
        if name != "help" {
            assert!(doc.contains(&format!("## `lockstep {name}`")), "no section for `{name}`");
        }
    }
    let path = root().join("docs/cli.md");
    if std::env::var_os("LOCKSTEP_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &doc).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == doc,
        "docs/cli.md is stale: run LOCKSTEP_UPDATE_DOCS=1 cargo nextest run -p lockstep-cli"
    );
}

/// A snapshot no test writes any more is stale evidence: fail on it.
#[test]
fn no_orphaned_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let source = include_str!("cli.rs");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        let Some(snap) = name.strip_prefix("cli__").and_then(|n| n.strip_suffix(".snap")) else {
            panic!("unexpected file in tests/snapshots: {name}");
        };
        let named = source.contains(&format!("\"{snap}\""));
        let test_fn = source.contains(&format!("fn {snap}("));
        assert!(named || test_fn, "orphaned snapshot {name}: delete it");
    }
}

/// A small realistic world (`simulate --scenario mixed`): with `--fdr`, the
/// farm is found whole in one cluster and the aggregator bots are set aside
/// as feed mirrors; `evaluate` scores the run against the truth file, as
/// text and as JSON.
#[test]
fn simulated_world_is_detected_and_scored() {
    let dir = TempDir::new("world");
    let (world, truth) = (dir.0.join("world.jsonl"), dir.0.join("truth.csv"));
    let (world, truth) = (world.to_str().unwrap(), truth.to_str().unwrap());
    let simulate = |out: &str, extra: &[&str]| {
        let mut args = vec!["simulate", "--scenario", "mixed", "--accounts", "2000"];
        args.extend(["--days", "14", "--seed", "9", "--out", out]);
        args.extend(extra);
        lockstep(&args)
    };
    let sim = simulate(world, &["--truth", truth]);
    assert_eq!(sim.code, 0, "{}", sim.stderr);
    let again = dir.0.join("again.jsonl");
    assert_eq!(simulate(again.to_str().unwrap(), &[]).code, 0);
    assert_eq!(std::fs::read(world).unwrap(), std::fs::read(&again).unwrap(), "deterministic");
    let out = dir.0.join("out");
    let det = lockstep(&["detect", world, "--fdr", "0.01", "--out", out.to_str().unwrap()]);
    assert_eq!(det.code, 0, "{}", det.stderr);
    assert!(det.stdout.contains("(x-api-v1)"), "{}", det.stdout);
    let text = lockstep(&["evaluate", "--truth", truth, out.to_str().unwrap()]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout.contains("campaign farm: 40 of 40 flagged (recall 1.000), in 1 cluster(s)"),
        "{}",
        text.stdout
    );
    let json = lockstep(&["evaluate", "--truth", truth, out.to_str().unwrap(), "--json"]);
    let e: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(e["precision"].as_f64().unwrap() >= 0.8, "{e}");
    assert_eq!(e["campaigns"][0]["campaign"], "camouflage");
    assert_eq!(e["false_positives"]["organic"].as_u64().unwrap_or(0), 0, "{e}");
    // The four aggregator bots (one feed, own clients, names and dates)
    // are set aside as feed mirrors, said on stdout, not flagged.
    assert_eq!(e["false_positives"]["aggregator"].as_u64().unwrap_or(0), 0, "{e}");
    assert_eq!(e["set_aside_as_feed_mirrors"]["aggregator"], 4, "{e}");
    assert!(det.stdout.contains("set aside as feed mirrors"), "{}", det.stdout);
    assert!(text.stdout.contains("set aside as feed mirrors (not flagged), aggregator: 4"));
    // A truth file without the columns is a clear error.
    let bad = dir.0.join("bad.csv");
    std::fs::write(&bad, "account,cluster\nx:1,1\n").unwrap();
    let r = lockstep(&["evaluate", "--truth", bad.to_str().unwrap(), out.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no column `account_id`"), "{}", r.stderr);
}

/// `--min-idf` keeps edges whose objects are rare enough: every edge kept
/// reaches the threshold, and no edge below it is kept.
#[test]
fn min_idf_keeps_edges_on_rare_objects() {
    let base =
        ["detect", "examples/data/russian_coord_tweets.csv", "--out", "{OUT}", "--rule", "naive"];
    let all = lockstep(&base);
    let with = lockstep(&[&base[..], &["--min-idf", "12"]].concat());
    assert_eq!(with.code, 0, "{}", with.stderr);
    assert!(with.stdout.contains("weight >= 2 and idf_weight >= 12"), "{}", with.stdout);
    let kept = |r: &Run| -> Vec<(String, f64)> {
        let edges = read(r, "edges.csv");
        let mut rows = csv::Reader::from_reader(edges.as_bytes());
        let h = rows.headers().unwrap().clone();
        let col = |n: &str| h.iter().position(|x| x == n).unwrap();
        let (o, w, a, b) =
            (col("over_threshold"), col("idf_weight"), col("account_a"), col("account_b"));
        rows.records()
            .map(|r| r.unwrap())
            .filter(|r| &r[o] == "1")
            .map(|r| (format!("{}-{}", &r[a], &r[b]), r[w].parse().unwrap()))
            .collect()
    };
    let (before, after) = (kept(&all), kept(&with));
    assert!(!after.is_empty() && after.len() < before.len(), "{} -> {}", before.len(), after.len());
    assert!(after.iter().all(|e| e.1 >= 12.0));
    let dropped = before.iter().filter(|e| !after.contains(e)).count();
    assert_eq!(dropped, before.iter().filter(|e| e.1 < 12.0).count());
    let bad = lockstep(&[&base[..], &["--min-idf=-1"]].concat());
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("`--min-idf` must be a non-negative number"), "{}", bad.stderr);
}

/// A GET to a running `lockstep serve`; the body, as JSON.
fn http_json(addr: &str, path: &str) -> serde_json::Value {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{path}: {head}");
    serde_json::from_str(body).unwrap()
}

/// `lockstep serve` over a detect run: the API's answers for a cluster, an
/// account, an edge and a search, as the UI reads them.
#[test]
fn serve_answers_over_a_run() {
    use std::io::BufRead;
    let r = detect("shares-csv/small.csv", &["--fast-window", "10", "--rule", "naive"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut child = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(["serve", r.out.to_str().unwrap(), "--port", "0", "--quiet"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .strip_prefix("lockstep serve: http://")
        .and_then(|a| a.strip_suffix('/'))
        .unwrap_or_else(|| panic!("{first}"))
        .to_string();
    assert!(addr.starts_with("127.0.0.1:"), "loopback by default: {addr}");
    let mut answers = Vec::new();
    for path in [
        "/api/clusters",
        "/api/cluster?id=1",
        "/api/graph?cluster=1",
        "/api/members?cluster=1&limit=2",
        "/api/partners?id=alice",
        "/api/evidence?a=alice&b=bob",
        "/api/search?q=post",
    ] {
        let v = http_json(&addr, path);
        answers.push(format!("{path}\n{}", serde_json::to_string_pretty(&v).unwrap()));
    }
    let _ = child.kill();
    let _ = child.wait();
    insta::assert_snapshot!("serve_api", answers.join("\n\n"));

    // A folder that is not a run is a clear error.
    let bad = lockstep(&["serve", fixture("shares-csv").to_str().unwrap(), "--port", "0"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("summary.json"), "{}", bad.stderr);
}

/// Real recorded API responses (lockstep-ingest's
/// tests/fixtures/recorded/README.md): with
/// the defaults, no coordinated edge rests on a single pair of posts. A
/// retweet carries its original's hashtags and mentions, and a link its
/// domain; counted as objects, one pair of retweets made an edge of weight
/// three (565 of 604 edges here, before acts were counted).
#[test]
fn recorded_api_pages_give_no_edge_on_one_pair_of_posts() {
    let dir = recorded("");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "gz"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    assert_eq!(files.len(), 17);
    let mut args = vec!["detect"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--out", "{OUT}"]);
    let r = lockstep(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("not read as acts: carried by a repost"), "{}", r.stdout);
    // v2 pages describe the authors of referenced tweets too: counted apart.
    assert!(r.stdout.contains("more accounts with metadata only)"), "{}", r.stdout);

    let mut posts: std::collections::HashMap<
        (String, String),
        std::collections::BTreeSet<(String, String)>,
    > = Default::default();
    let pairs = read(&r, "pairs.csv");
    let mut rows = csv::Reader::from_reader(pairs.as_bytes());
    for row in rows.records() {
        let row = row.unwrap();
        let (a, b) = (row[2].to_string(), row[3].to_string());
        let (ca, cb) = (row[4].to_string(), row[5].to_string());
        let key = if a <= b { (a, b) } else { (b, a) };
        posts.entry(key).or_default().insert(if ca <= cb { (ca, cb) } else { (cb, ca) });
    }
    let edges = read(&r, "edges.csv");
    let mut rows = csv::Reader::from_reader(edges.as_bytes());
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (over_i, a_i, b_i) = (col("over_threshold"), col("account_a"), col("account_b"));
    let mut over = 0;
    for row in rows.records() {
        let row = row.unwrap();
        if &row[over_i] != "1" {
            continue;
        }
        over += 1;
        let (a, b) = (row[a_i].to_string(), row[b_i].to_string());
        let key = if a <= b { (a, b) } else { (b, a) };
        let n = posts.get(&key).map_or(0, |s| s.len());
        assert!(n >= 2, "edge {key:?} rests on {n} pair of posts");
    }
    let s = summary(&r);
    assert_eq!(s["coordinated"]["edges"], over);
}

/// A real v2 search response as tweepy's defaults request it (no
/// `author_id`, no `created_at`): nothing is usable, and the run says why,
/// what to request, and still writes summary.json with the skips. JSON no
/// reader recognises gets a hint for JSON, not for CSV.
#[test]
fn a_run_without_actions_says_why() {
    let r = detect(&recorded("tweepy-v2-search-recent.json.gz"), &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.contains("(x-api-v2): 10 records, 0 used, 10 skipped"), "{}", r.stdout);
    assert!(r.stdout.contains("skipped 10 records: missing author"), "{}", r.stdout);
    assert!(r.stderr.contains("no actions in the input: 10 records read"), "{}", r.stderr);
    assert!(r.stderr.contains("tweet.fields=author_id,created_at"), "{}", r.stderr);
    let s = summary(&r);
    assert_eq!(s["records"]["skipped_by_reason"]["missing author"], 10);

    let dir = TempDir::new("unknown-json");
    let odd = dir.0.join("odd.json");
    std::fs::write(&odd, "{\"kind\": \"something else\", \"items\": [1, 2]}\n").unwrap();
    let r = lockstep(&["detect", odd.to_str().unwrap(), "--out", "{OUT}"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("JSON no reader recognised"), "{}", r.stderr);
    assert!(!r.stderr.contains("shares-csv"), "{}", r.stderr);
}

/// Every file of a folder but its manifest (`summary.json`, `dataset.json`),
/// and the inputs the manifest names: what tells one run or dataset from
/// another (timings differ).
fn folder_contents(dir: &Path, manifest: &str) -> Option<Vec<(String, Vec<u8>)>> {
    let text = std::fs::read_to_string(dir.join(manifest)).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let mut files = vec![("inputs".to_string(), v["inputs"].to_string().into_bytes())];
    for e in std::fs::read_dir(dir).ok()? {
        let e = e.ok()?;
        let name = e.file_name().to_string_lossy().to_string();
        if name != manifest {
            files.push((name, std::fs::read(e.path()).ok()?));
        }
    }
    files.sort();
    Some(files)
}

/// Kills `lockstep COMMAND NEW --out TARGET` at points spread over a whole
/// run, each time over a folder holding the run of OLD, and checks that the
/// folder is then OLD's whole or NEW's whole, never a mix (issue 17: a
/// killed run once left new tables beside the previous run's summary.json).
fn kill_runs(command: &str, manifest: &str, old: &Path, new: &Path, dir: &Path) {
    let run_to = |input: &Path, out: &Path| {
        let o = Command::new(env!("CARGO_BIN_EXE_lockstep"))
            .args([command, input.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"])
            .current_dir(root())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let (old_ref, new_ref) = (dir.join("old"), dir.join("new"));
    run_to(old, &old_ref);
    let started = std::time::Instant::now();
    run_to(new, &new_ref);
    let full = started.elapsed();
    let old_files = folder_contents(&old_ref, manifest).unwrap();
    let new_files = folder_contents(&new_ref, manifest).unwrap();
    assert_ne!(old_files, new_files);
    let target = dir.join("target");
    let (mut olds, mut news) = (0, 0);
    for k in 0..12u32 {
        let _ = std::fs::remove_dir_all(&target);
        run_to(old, &target);
        let mut child = Command::new(env!("CARGO_BIN_EXE_lockstep"))
            .args([command, new.to_str().unwrap(), "--out", target.to_str().unwrap(), "--quiet"])
            .current_dir(root())
            .spawn()
            .unwrap();
        // Kill points spread over a whole run and beyond it (a loaded
        // machine runs slower); the last run is let finish.
        if k < 11 {
            std::thread::sleep(full.mul_f64(f64::from(k) / 10.0 * 1.5));
            let _ = child.kill();
        }
        child.wait().unwrap();
        let found = folder_contents(&target, manifest);
        if found.as_ref() == Some(&old_files) {
            olds += 1;
        } else if found.as_ref() == Some(&new_files) {
            news += 1;
        } else {
            panic!("{command} killed after {k}/10 of a run: the folder is neither run");
        }
    }
    // Early kills leave the previous run; the finished run is in place.
    assert!(olds > 0 && news > 0, "{command}: {olds} old, {news} new");
}

/// A run or an ingest killed at any point leaves one whole folder.
#[test]
fn a_killed_run_leaves_one_whole_run() {
    let dir = TempDir::new("kill");
    let sim = dir.0.join("sim.csv");
    let r =
        lockstep(&["simulate", "--rows", "150000", "--seed", "3", "--out", sim.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let small = fixture("shares-csv/small.csv");
    let detect = dir.0.join("detect");
    std::fs::create_dir(&detect).unwrap();
    kill_runs("detect", "summary.json", &small, &sim, &detect);
    let ingest = dir.0.join("ingest");
    std::fs::create_dir(&ingest).unwrap();
    kill_runs("ingest", "dataset.json", &small, &sim, &ingest);
}

/// `report`, `serve` and `evaluate` refuse a folder without a complete run,
/// and `detect --out` a folder of other files.
#[test]
fn folders_without_a_run_are_refused() {
    let dir = TempDir::new("notrun");
    std::fs::write(dir.0.join("thesis.tex"), "mine").unwrap();
    let d = dir.0.to_str().unwrap();
    for args in [vec!["report", d], vec!["serve", d], vec!["evaluate", d, "--truth", "x.csv"]] {
        let r = lockstep(&args);
        assert_ne!(r.code, 0, "{args:?}");
        assert!(r.stderr.contains("is not a lockstep run folder"), "{args:?}: {}", r.stderr);
    }
    let small = fixture("shares-csv/small.csv");
    let r = lockstep(&["detect", small.to_str().unwrap(), "--out", d]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("is not a lockstep run folder"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(dir.0.join("thesis.tex")).unwrap(), "mine");
    // A dataset whose manifest is gone (an ingest cut short by an older
    // lockstep, or a hand) is refused as such, not read as inputs.
    let ds = dir.0.join("ds");
    let r = lockstep(&["ingest", small.to_str().unwrap(), "--out", ds.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    std::fs::remove_file(ds.join("dataset.json")).unwrap();
    let r = lockstep(&["detect", ds.to_str().unwrap(), "--out", "{OUT}"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("its ingest did not finish"), "{}", r.stderr);
}

/// docs/outputs.md against what the writers write: every column of every
/// CSV a run writes is named (in backticks) in that file's section, and
/// every column the section's table names is written. The writers' headers
/// are the schema; the document must follow them.
#[test]
fn outputs_doc_names_every_column() {
    let map = "account=account_id,content=post_id,timestamp=timestamp,text=text";
    let runs = [
        detect(
            "near-text/multilingual.csv",
            &[&["--map", map, "--layers", "near_text"][..], &KEEP_ALL].concat(),
        ),
        detect("near-text/templated_bios.csv", &KEEP_ALL),
        lockstep(
            &[
                &["sweep", fixture("near-text/templated_bios.csv").to_str().unwrap()][..],
                &["--out", "{OUT}", "--windows", "60,120", "--min-weights", "1,2"],
                &KEEP_ALL,
            ]
            .concat(),
        ),
    ];
    let mut written: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for r in &runs {
        assert_eq!(r.code, 0, "{}", r.stderr);
        for e in std::fs::read_dir(&r.out).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().to_string();
            if name.ends_with(".csv") {
                let text = read(r, &name);
                let header = text.lines().next().unwrap_or_default();
                written.insert(name, header.split(',').map(str::to_string).collect());
            }
        }
    }
    for name in lockstep_report::OUTPUT_FILES.iter().chain(&lockstep_report::folder::OPTIONAL_FILES)
    {
        if name.ends_with(".csv") {
            assert!(written.contains_key(*name), "no run wrote {name}");
        }
    }
    let doc = std::fs::read_to_string(root().join("docs/outputs.md")).unwrap();
    // Each file's section: from its `## \`NAME\`` heading to the next heading.
    let section = |name: &str| -> String {
        let head = format!("## `{name}`");
        let start =
            doc.find(&head).unwrap_or_else(|| panic!("docs/outputs.md has no section {head}"));
        let rest = &doc[start + head.len()..];
        rest[..rest.find("\n## ").unwrap_or(rest.len())].to_string()
    };
    let ticked = |text: &str| -> std::collections::BTreeSet<String> {
        text.split('`').skip(1).step_by(2).map(str::to_string).collect()
    };
    let mut problems = Vec::new();
    for (name, columns) in &written {
        let s = section(name);
        let named = ticked(&s);
        for c in columns {
            if !named.contains(c) {
                problems.push(format!("{name}: column `{c}` is written but not documented"));
            }
        }
        // The names in the first cell of the section's table rows.
        for line in s.lines().filter(|l| l.starts_with("| `")) {
            let first = line.split('|').nth(1).unwrap_or_default();
            for c in ticked(first) {
                if !columns.contains(&c) {
                    problems.push(format!("{name}: `{c}` is documented but not written"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "docs/outputs.md is stale:\n{}", problems.join("\n"));

    // The headers are the writers' constants, which the readers look
    // columns up by (a renamed column fails to compile, not to read).
    use lockstep_report::files;
    let schema: [(&str, &[&str]); 9] = [
        (files::pairs::FILE, files::pairs::COLUMNS),
        (files::edges::FILE, files::edges::COLUMNS),
        (files::accounts::FILE, files::accounts::COLUMNS),
        (files::clusters::FILE, files::clusters::COLUMNS),
        (files::campaigns::FILE, files::campaigns::COLUMNS),
        (files::talking_points::FILE, files::talking_points::COLUMNS),
        (files::cluster_fingerprints::FILE, files::cluster_fingerprints::COLUMNS),
        (files::near_text_pairs::FILE, files::near_text_pairs::COLUMNS),
        (files::bio_clusters::FILE, files::bio_clusters::COLUMNS),
    ];
    for (file, columns) in schema {
        assert_eq!(written[file], columns, "{file}'s header is not its columns");
    }
    // No reader looks a column up by a string of its own.
    let readers = [
        "crates/lockstep-html/src/lib.rs",
        "crates/lockstep-serve/src/run.rs",
        "crates/lockstep-serve/src/api.rs",
        "crates/lockstep-cli/src/evaluate.rs",
    ];
    for file in readers {
        let src = std::fs::read_to_string(root().join(file)).unwrap();
        for (n, line) in src.lines().enumerate() {
            let literal = ["col(\"", "need(\""].iter().any(|c| line.contains(c))
                || line.contains("cell(") && line.contains('"');
            assert!(!literal, "{file}:{}: a column looked up by a string: {line}", n + 1);
        }
    }
}
