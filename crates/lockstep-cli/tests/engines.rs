//! `detect --engine datafusion` and `--engine ballista://` (a local
//! cluster of a scheduler and two executors, each its own process) against
//! the native engine: the same output files, byte for byte (summary.json
//! but for its timings and the engine it names), on simulated data, on
//! skewed objects and on CooRTweet's Russian tweets. Built with
//! `--features scale-out`; without it, the flag says how to build it.

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

/// The small shares fixture as a dataset in `dir`.
fn small_dataset(dir: &Path) -> PathBuf {
    let ds = dir.join("ds");
    ok(&[
        "ingest",
        "crates/lockstep-cli/tests/fixtures/shares-csv/small.csv",
        "--out",
        ds.to_str().unwrap(),
    ]);
    ds
}

#[cfg(not(feature = "scale-out"))]
#[test]
fn engines_without_the_feature_say_how_to_build_them() {
    let dir = tmp("nofeature");
    let ds = small_dataset(&dir);
    for engine in ["datafusion", "ballista://127.0.0.1:50050"] {
        let o = lockstep(&[
            "detect",
            ds.to_str().unwrap(),
            "--out",
            dir.join("o").to_str().unwrap(),
            "--engine",
            engine,
        ]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("--features scale-out"), "{err}");
    }
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

/// A scheduler and executors on free ports of 127.0.0.1, stopped on drop.
#[cfg(feature = "scale-out")]
struct Cluster {
    port: u16,
    processes: Vec<std::process::Child>,
}

#[cfg(feature = "scale-out")]
impl Cluster {
    fn start(executors: usize, work: &Path) -> Cluster {
        // Ports the system has just handed out, released together so that
        // none is handed out twice.
        let listeners: Vec<_> = (0..1 + 2 * executors)
            .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
            .collect();
        let ports: Vec<u16> = listeners.iter().map(|l| l.local_addr().unwrap().port()).collect();
        drop(listeners);
        let bin = env!("CARGO_BIN_EXE_lockstep-ballista");
        let log = |name: &str| std::fs::File::create(work.join(name)).unwrap();
        let spawn = |args: Vec<String>, name: &str| {
            Command::new(bin)
                .args(args)
                .stdout(log(name))
                .stderr(log(&format!("{name}.err")))
                .spawn()
                .unwrap()
        };
        let mut cluster = Cluster { port: ports[0], processes: Vec::new() };
        let scheduler =
            ["scheduler", "--bind-port", &ports[0].to_string()].map(String::from).to_vec();
        cluster.processes.push(spawn(scheduler, "scheduler.log"));
        cluster.wait_for(ports[0]);
        for i in 0..executors {
            let dir = work.join(format!("executor-{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            let args = [
                "executor",
                "--bind-port",
                &ports[1 + 2 * i].to_string(),
                "--bind-grpc-port",
                &ports[2 + 2 * i].to_string(),
                "--scheduler-port",
                &ports[0].to_string(),
                "--concurrent-tasks",
                "2",
                "--work-dir",
                dir.to_str().unwrap(),
            ]
            .map(String::from)
            .to_vec();
            cluster.processes.push(spawn(args, &format!("executor-{i}.log")));
            cluster.wait_for(ports[1 + 2 * i]);
        }
        cluster
    }

    fn wait_for(&mut self, port: u16) {
        for _ in 0..300 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return;
            }
            for p in &mut self.processes {
                assert!(p.try_wait().unwrap().is_none(), "a cluster process stopped");
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("nothing listens on 127.0.0.1:{port}");
    }
}

#[cfg(feature = "scale-out")]
impl Drop for Cluster {
    fn drop(&mut self) {
        for p in &mut self.processes {
            let _ = p.kill();
            let _ = p.wait();
        }
    }
}

#[cfg(feature = "scale-out")]
#[test]
fn engines_datafusion_and_ballista_give_the_native_outputs() {
    let dir = tmp("datafusion");
    let cluster = Cluster::start(2, &dir);
    let ballista = format!("ballista://127.0.0.1:{}", cluster.port);
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
        let native = dir.join(format!("{tag}-native"));
        // Every pair and edge: the files compared hold the whole window stage.
        let mut args = vec![
            "detect",
            ds.to_str().unwrap(),
            "--out",
            native.to_str().unwrap(),
            "--quiet",
            "--all-pairs",
            "--all-edges",
        ];
        args.extend_from_slice(flags);
        // The engines pair at one window; so does the native run they
        // are compared with.
        let mut native_args = args.clone();
        native_args.extend_from_slice(&["--slow-window", "0"]);
        ok(&native_args);
        for (name, engine) in [("datafusion", "datafusion"), ("ballista", ballista.as_str())] {
            let out = dir.join(format!("{tag}-{name}"));
            let mut with = args.clone();
            with[3] = out.to_str().unwrap();
            with.extend_from_slice(&["--engine", engine, "--threads", "2"]);
            ok(&with);
            same_outputs(&native, &out);
        }
    }
    drop(cluster);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A scheduler nobody runs: a clear error naming it, not a hang.
#[cfg(feature = "scale-out")]
#[test]
fn ballista_without_a_scheduler_says_so() {
    let dir = tmp("noscheduler");
    let ds = small_dataset(&dir);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let o = lockstep(&[
        "detect",
        ds.to_str().unwrap(),
        "--out",
        dir.join("o").to_str().unwrap(),
        "--engine",
        &format!("ballista://127.0.0.1:{port}"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("Ballista at 127.0.0.1:{port}")), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
