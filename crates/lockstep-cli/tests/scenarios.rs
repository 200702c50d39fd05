//! Scenario files: `tests/scenarios/*.json`, each an input, the flags and
//! the expected findings (values at dotted paths of `summary.json`). Update
//! the expectations of every scenario with
//! `LOCKSTEP_UPDATE_SCENARIOS=1 cargo nextest run -p lockstep-cli scenarios`
//! and review the diff.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, k| match k.parse::<usize>() {
        Ok(i) if v.is_array() => &v[i],
        _ => &v[k],
    })
}

#[test]
fn scenarios() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenario files in {}", dir.display());
    let update = std::env::var_os("LOCKSTEP_UPDATE_SCENARIOS").is_some();
    let mut failures = Vec::new();
    for file in &files {
        let mut scenario: Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let out =
            std::env::temp_dir().join(format!("lockstep-scenario-{}-{name}", std::process::id()));
        let args: Vec<String> = scenario["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        let o = Command::new(env!("CARGO_BIN_EXE_lockstep"))
            .args(&args)
            .arg("--out")
            .arg(&out)
            .arg("--quiet")
            .current_dir(root())
            .output()
            .unwrap();
        assert!(o.status.success(), "{name}: {}", String::from_utf8_lossy(&o.stderr));
        let summary: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap())
                .unwrap();
        let _ = std::fs::remove_dir_all(&out);
        let expect = scenario["expect"].as_object_mut().unwrap();
        for (path, want) in expect.iter_mut() {
            let got = at(&summary, path);
            if update {
                *want = got.clone();
            } else if got != want {
                failures.push(format!("{name}: `{path}` is {got}, expected {want}"));
            }
        }
        if update {
            std::fs::write(file, serde_json::to_string_pretty(&scenario).unwrap() + "\n").unwrap();
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
