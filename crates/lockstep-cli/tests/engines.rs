//! `detect --engine datafusion` against the native engine: the same output
//! files, byte for byte (summary.json but for its timings and the engine
//! it names), on simulated data, on skewed objects and on CooRTweet's
//! Russian tweets. Built with `--features scale-out`; without it, the flag
//! says how to build it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn lockstep(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(args)
        .current_dir(root())
        .env("LOCKSTEP_NO_PROGRESS", "1")
        .output()
        .expect("run lockstep")
}

fn ok(args: &[&str]) {
    let o = lockstep(args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

fn tmp(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lockstep-engines-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[cfg(not(feature = "scale-out"))]
#[test]
fn datafusion_without_the_feature_says_how_to_build_it() {
    let dir = tmp("nofeature");
    let ds = dir.join("ds");
    ok(&[
        "ingest",
        "crates/lockstep-cli/tests/fixtures/shares-csv/small.csv",
        "--out",
        ds.to_str().unwrap(),
    ]);
    let o = lockstep(&[
        "detect",
        ds.to_str().unwrap(),
        "--out",
        dir.join("o").to_str().unwrap(),
        "--engine",
        "datafusion",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--features scale-out"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "scale-out")]
fn same_outputs(native: &Path, engine: &Path) {
    let mut names: Vec<_> =
        std::fs::read_dir(native).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    for name in names {
        let (a, b) = (
            std::fs::read(native.join(&name)).unwrap(),
            std::fs::read(engine.join(&name)).unwrap(),
        );
        if name == "summary.json" {
            let clean = |bytes: &[u8]| {
                let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
                v.as_object_mut().unwrap().remove("timings_ms");
                v["parameters"].as_object_mut().unwrap().remove("engine");
                v["parameters"]["dataset"]["path"] = serde_json::Value::Null;
                v
            };
            assert_eq!(clean(&a), clean(&b), "summary.json");
        } else {
            assert!(a == b, "{} differs", name.to_string_lossy());
        }
    }
}

#[cfg(feature = "scale-out")]
#[test]
fn engine_datafusion_gives_the_native_outputs() {
    let dir = tmp("datafusion");
    let sim = dir.join("sim.csv");
    ok(&[
        "simulate",
        "--rows",
        "30000",
        "--groups",
        "4",
        "--seed",
        "8",
        "--out",
        sim.to_str().unwrap(),
        "--quiet",
    ]);
    let skew = dir.join("skew.csv");
    ok(&[
        "simulate",
        "--rows",
        "20000",
        "--objects",
        "200",
        "--seed",
        "9",
        "--out",
        skew.to_str().unwrap(),
        "--quiet",
    ]);
    let russian = "examples/data/russian_coord_tweets.csv";
    let cases: [(&str, &str, &[&str]); 5] = [
        ("sim", sim.to_str().unwrap(), &[]),
        (
            "sim-dedup-fast",
            sim.to_str().unwrap(),
            &["--window", "300", "--fast-window", "10", "--dedup"],
        ),
        ("skew", skew.to_str().unwrap(), &["--window", "20"]),
        (
            "skew-loops",
            skew.to_str().unwrap(),
            &["--window", "20", "--keep-loops", "--min-participation", "1"],
        ),
        ("russian", russian, &["--fdr", "0.05"]),
    ];
    for (tag, input, flags) in cases {
        let ds = dir.join(format!("{tag}-ds"));
        ok(&["ingest", input, "--out", ds.to_str().unwrap(), "--quiet"]);
        let (native, engine) =
            (dir.join(format!("{tag}-native")), dir.join(format!("{tag}-datafusion")));
        let mut args =
            vec!["detect", ds.to_str().unwrap(), "--out", native.to_str().unwrap(), "--quiet"];
        args.extend_from_slice(flags);
        ok(&args);
        args[3] = engine.to_str().unwrap();
        args.extend_from_slice(&["--engine", "datafusion", "--threads", "2"]);
        ok(&args);
        same_outputs(&native, &engine);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
