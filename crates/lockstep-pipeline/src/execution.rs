//! Where and how a run computes: threads, the memory limit and what it
//! leaves each stage, the spill folder and the engine, worked out once.
//! Results depend on none of them.

use lockstep_detect::bounded::{Spill, SpillStats};
use lockstep_model::Dataset;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Where the window stage runs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Engine {
    /// lockstep's own sweep.
    #[default]
    Native,
    /// The plan on DataFusion, embedded (on the run's threads) or on a
    /// Ballista cluster.
    Plan(lockstep_scale::Engine),
}

impl Engine {
    /// The engine `--engine` names: `native`, `datafusion` or
    /// `ballista://HOST:PORT`.
    pub fn parse(s: &str) -> Result<Engine, String> {
        if s == "native" {
            return Ok(Engine::Native);
        }
        // The embedded engine's threads are the run's, set by `Execution`.
        lockstep_scale::Engine::parse(s, 0).map(Engine::Plan)
    }
}

/// Where and how a run computes: every stage reads it, none re-derives it.
#[derive(Debug, Clone)]
pub struct Execution {
    /// Worker threads, resolved.
    pub threads: usize,
    /// The memory limit of the whole process (None where none was given
    /// and the machine's memory is unknown).
    pub memory_limit: Option<u64>,
    /// The folder spill folders are made in.
    pub spill_parent: PathBuf,
    /// The engine of the window stage, its threads set.
    pub engine: Engine,
}

impl Execution {
    /// `threads` (None or 0: every core, or `RAYON_NUM_THREADS`),
    /// `memory_limit` (None: half of the machine's memory), `spill_dir`
    /// (None: `TMPDIR`).
    pub fn new(
        threads: Option<usize>,
        memory_limit: Option<u64>,
        spill_dir: Option<PathBuf>,
        engine: Engine,
    ) -> Execution {
        let threads = match threads {
            Some(t) if t > 0 => t,
            _ => rayon::current_num_threads(),
        };
        let engine = match engine {
            Engine::Plan(lockstep_scale::Engine::Embedded { .. }) => {
                Engine::Plan(lockstep_scale::Engine::Embedded { threads })
            }
            other => other,
        };
        Execution {
            threads,
            memory_limit: memory_limit.or_else(default_limit),
            spill_parent: spill_dir.unwrap_or_else(std::env::temp_dir),
            engine,
        }
    }

    /// `ingest` within this execution's memory: the ids read move to
    /// mapped files in the spill folder while they are encoded, when the
    /// dataset being read takes more than half of the limit.
    pub fn reading(&self, ingest: &lockstep_ingest::IngestConfig) -> lockstep_ingest::IngestConfig {
        let spill = self.memory_limit.map(|limit| lockstep_model::RawSpill {
            past: limit / 2,
            parent: self.spill_parent.clone(),
        });
        lockstep_ingest::IngestConfig { spill, ..ingest.clone() }
    }

    /// The run's worker pool.
    pub fn pool(&self) -> Result<rayon::ThreadPool, crate::Error> {
        rayon::ThreadPoolBuilder::new().num_threads(self.threads).build().map_err(|e| {
            crate::Error::Io {
                what: "cannot start worker threads".into(),
                source: std::io::Error::other(e),
            }
        })
    }
}

/// The machine's memory in bytes, from `/proc/meminfo` (None elsewhere).
pub fn machine_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The default limit: half of the machine's memory, so that the page cache
/// and the rest of the machine keep the other half.
pub fn default_limit() -> Option<u64> {
    machine_memory().map(|m| m / 2)
}

/// The file system type of the mount that holds `path` in `mounts` (the
/// text of `/proc/self/mounts`): the longest mount point that is `path` or
/// one of its ancestors. Mount points with spaces come escaped (`\040`).
pub fn fs_type_in(mounts: &str, path: &Path) -> Option<String> {
    mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split(' ');
            let (_, point, kind) = (f.next()?, f.next()?, f.next()?);
            let point = point.replace("\\040", " ").replace("\\011", "\t");
            path.starts_with(&point).then(|| (point.len(), kind.to_string()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, kind)| kind)
}

/// `tmpfs` or `ramfs` when the folder (or its nearest existing ancestor)
/// lies on a file system held in memory, where spilled runs and mapped
/// results take memory after all.
pub fn in_memory_fs(dir: &Path) -> Option<String> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    let existing = dir.ancestors().find_map(|d| d.canonicalize().ok())?;
    fs_type_in(&mounts, &existing).filter(|k| k == "tmpfs" || k == "ramfs")
}

/// The memory limit of a native detection and what it leaves the detector.
#[derive(Debug, Clone)]
pub struct Memory {
    /// The limit of the whole process.
    pub limit: Option<u64>,
    /// What the process held when the detection started: the dataset and
    /// what reading it left (its own resident memory, not mapped files'
    /// pages; the dataset's own size where that is unknown).
    pub in_use: u64,
    /// The detection's parts and runs within what is left.
    pub spill: Spill,
    /// Heap bytes the content ids freed by moving to a mapped file.
    pub contents_mapped: Option<u64>,
}

impl Memory {
    /// What `exec`'s limit leaves the detection of `ds`.
    pub fn of(exec: &Execution, ds: &Dataset, contents_mapped: Option<u64>) -> Memory {
        let limit = exec.memory_limit;
        let (in_use, budget) = lockstep_detect::bounded::budget_within(limit, ds);
        let dir = exec.spill_parent.clone();
        Memory { limit, in_use, spill: Spill::within(dir, budget, ds), contents_mapped }
    }

    /// The limit, when the process already holds more before detecting.
    pub fn over_limit(&self) -> Option<u64> {
        self.limit.filter(|&l| self.in_use >= l)
    }

    /// The record of the detection's memory in `summary.json`.
    pub fn json(&self, s: &SpillStats) -> serde_json::Value {
        json!({
            "memory_limit_bytes": self.limit,
            "in_use_bytes": self.in_use,
            "part_actions": self.spill.part_rows,
            "run_pairs": self.spill.run_pairs,
            "parts": s.parts,
            "sweeps": s.sweeps,
            "runs": s.runs,
            "spilled_pairs": s.spilled_pairs,
            "spilled_bytes": s.spilled_bytes,
            "sweep_ms": s.sweep_ms.round(),
            "spill_ms": s.spill_ms.round(),
            "merge_ms": s.merge_ms.round(),
            "results_on_disk": s.results_on_disk,
            "result_bytes": s.result_bytes,
            "content_ids_mapped_bytes": self.contents_mapped,
        })
    }
}

/// Moves the dataset's content ids (read only to write pairs and evidence)
/// to a mapped file when the dataset takes more than half of the memory
/// limit; returns the heap bytes that freed. Content ids the reading
/// already moved (all distinct, their raw column is their dictionary) stay
/// where they are, and count as freed.
pub fn map_contents(exec: &Execution, ds: &mut Dataset) -> Result<Option<u64>, crate::Error> {
    if ds.contents.is_mapped() {
        return Ok(Some(ds.contents.bytes()));
    }
    let Some(limit) = exec.memory_limit else {
        return Ok(None);
    };
    if ds.heap_bytes() <= limit / 2 || ds.contents.is_empty() {
        return Ok(None);
    }
    let freed = ds.contents.heap_bytes();
    let parent = &exec.spill_parent;
    let failed = |source| crate::Error::Io {
        what: format!("cannot write content ids to `{}` (`--spill-dir`)", parent.display()),
        source,
    };
    lockstep_model::folder::with_mapped_files(parent, |dir| ds.contents.spill_to(dir, "contents"))
        .map_err(failed)?;
    Ok(Some(freed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_system_of_a_folder() {
        let mounts = "/dev/vda / ext4 rw 0 0\ntmpfs /tmp tmpfs rw 0 0\n/dev/vdb /tmp/big\\040disk xfs rw 0 0\n";
        let of = |p: &str| fs_type_in(mounts, Path::new(p));
        assert_eq!(of("/tmp/x").as_deref(), Some("tmpfs"));
        assert_eq!(of("/tmp").as_deref(), Some("tmpfs"));
        assert_eq!(of("/tmpfoo").as_deref(), Some("ext4"));
        assert_eq!(of("/tmp/big disk/spill").as_deref(), Some("xfs"));
        assert_eq!(of("/home").as_deref(), Some("ext4"));
    }

    #[test]
    fn embedded_engine_takes_the_runs_threads() {
        let engine = Engine::parse("datafusion").unwrap();
        let exec = Execution::new(Some(3), Some(1 << 30), None, engine);
        assert_eq!(exec.engine, Engine::Plan(lockstep_scale::Engine::Embedded { threads: 3 }));
        assert_eq!(exec.memory_limit, Some(1 << 30));
        assert_eq!(Engine::parse("native"), Ok(Engine::Native));
    }
}
