//! The run folder's owner: a run is written into a fresh folder beside the
//! target and put in place only when every file is complete, so that a run
//! killed while writing leaves the previous run, whole, and never a mix of
//! two runs that `report` or `serve` would present as one.
//!
//! The protocol, for a target `out/`:
//! 1. [`RunFolder::begin`] refuses a target that holds files but is not a
//!    run folder (no `summary.json`): replacing it would move a user's files.
//!    It creates `.out.lockstep-partial-<pid>` beside it (same file system,
//!    so that renames are atomic).
//! 2. The writers write there; `summary.json` comes last.
//! 3. [`RunFolder::commit`] renames the previous run aside
//!    (`.out.lockstep-old-<pid>`) and the new one into place, moves back any
//!    file of the previous folder that no run writes (a user's notes), and
//!    removes the previous run. A kill between the two renames (a few
//!    microseconds) leaves no `out/` but both runs whole beside it, named as
//!    above.
//!
//! Readers call [`check_run_folder`]: `summary.json` must be there.

use crate::{ReportError, OUTPUT_FILES, SUMMARY_JSON};
use std::path::{Path, PathBuf};

/// Files a run may write besides [`OUTPUT_FILES`]: the optional tables, and
/// the report `lockstep report` writes into the folder (it describes the
/// run it was made from, so it goes with that run).
pub const OPTIONAL_FILES: [&str; 3] = ["bio_clusters.csv", "near_text_pairs.csv", "report.html"];

/// Whether a run writes a file of this name (so a previous run's copy goes
/// with that run).
fn is_run_file(name: &str) -> bool {
    OUTPUT_FILES.contains(&name) || OPTIONAL_FILES.contains(&name)
}

/// A run folder being written; see the module docs.
#[derive(Debug)]
pub struct RunFolder {
    target: PathBuf,
    stage: PathBuf,
    committed: bool,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io { path: path.to_path_buf(), source }
}

/// `.NAME.lockstep-KIND-PID` beside `target`.
fn beside(target: &Path, kind: &str) -> PathBuf {
    let name = target.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy());
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    parent.join(format!(".{name}.lockstep-{kind}-{}", std::process::id()))
}

impl RunFolder {
    /// Starts a run for `target`: absent, empty, or a previous run's folder.
    pub fn begin(target: &Path) -> Result<Self, ReportError> {
        // `--out .` names the folder by its real name, so it can be renamed.
        let target = &if target.exists() {
            target.canonicalize().map_err(io(target))?
        } else {
            target.to_path_buf()
        };
        if target.exists() {
            let has_files = std::fs::read_dir(target).map_err(io(target))?.next().is_some();
            if has_files && !target.join(SUMMARY_JSON).exists() {
                return Err(ReportError::NotARunFolder { path: target.to_path_buf() });
            }
        }
        let stage = beside(target, "partial");
        if stage.exists() {
            std::fs::remove_dir_all(&stage).map_err(io(&stage))?;
        }
        if let Some(parent) = stage.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::create_dir(&stage).map_err(io(&stage))?;
        Ok(RunFolder { target: target.to_path_buf(), stage, committed: false })
    }

    /// Where the writers write until [`RunFolder::commit`].
    pub fn dir(&self) -> &Path {
        &self.stage
    }

    /// Puts the complete run in place of the target (see the module docs).
    pub fn commit(mut self) -> Result<(), ReportError> {
        let target = self.target.clone();
        if !target.exists() {
            std::fs::rename(&self.stage, &target).map_err(io(&target))?;
            self.committed = true;
            return Ok(());
        }
        let old = beside(&target, "old");
        std::fs::rename(&target, &old).map_err(io(&target))?;
        std::fs::rename(&self.stage, &target).map_err(io(&target))?;
        self.committed = true;
        for entry in std::fs::read_dir(&old).map_err(io(&old))? {
            let entry = entry.map_err(io(&old))?;
            let name = entry.file_name();
            let kept = target.join(&name);
            if !is_run_file(&name.to_string_lossy()) && !kept.exists() {
                std::fs::rename(entry.path(), &kept).map_err(io(&kept))?;
            }
        }
        std::fs::remove_dir_all(&old).map_err(io(&old))
    }
}

impl Drop for RunFolder {
    /// A run that failed before its commit leaves nothing half-written.
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.stage);
        }
    }
}

/// Refuses a folder that is not a complete run: `summary.json`, written
/// last, must be there.
pub fn check_run_folder(dir: &Path) -> Result<(), ReportError> {
    if dir.join(SUMMARY_JSON).is_file() {
        Ok(())
    } else {
        Err(ReportError::NotARunFolder { path: dir.to_path_buf() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder for one test, removed when dropped.
    struct Tmp(PathBuf);
    impl Tmp {
        fn new(name: &str) -> Self {
            let p =
                std::env::temp_dir().join(format!("lockstep-folder-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).unwrap();
            Tmp(p)
        }
        fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for Tmp {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn files(dir: &Path) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().to_string();
                (name, std::fs::read_to_string(e.path()).unwrap())
            })
            .collect();
        v.sort();
        v
    }

    fn run(target: &Path, tag: &str) {
        let f = RunFolder::begin(target).unwrap();
        std::fs::write(f.dir().join("pairs.csv"), tag).unwrap();
        std::fs::write(f.dir().join(SUMMARY_JSON), tag).unwrap();
        f.commit().unwrap();
    }

    #[test]
    fn a_run_replaces_the_previous_one_whole() {
        let tmp = Tmp::new("replace");
        let out = tmp.path().join("out");
        run(&out, "one");
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        std::fs::write(out.join("report.html"), "of run one").unwrap();
        std::fs::write(out.join("bio_clusters.csv"), "of run one").unwrap();
        run(&out, "two");
        assert_eq!(
            files(&out),
            [
                ("notes.txt".to_string(), "mine".to_string()),
                ("pairs.csv".into(), "two".into()),
                (SUMMARY_JSON.into(), "two".into()),
            ]
        );
        // Nothing is left beside it.
        let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(left.len(), 1);
        check_run_folder(&out).unwrap();
    }

    #[test]
    fn a_failed_run_leaves_the_previous_one() {
        let tmp = Tmp::new("failed");
        let out = tmp.path().join("out");
        run(&out, "one");
        {
            let f = RunFolder::begin(&out).unwrap();
            std::fs::write(f.dir().join("pairs.csv"), "half").unwrap();
        }
        assert_eq!(files(&out)[0], ("pairs.csv".into(), "one".into()));
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_folder_of_other_files_is_refused() {
        let tmp = Tmp::new("refused");
        std::fs::write(tmp.path().join("thesis.tex"), "x").unwrap();
        let err = RunFolder::begin(tmp.path()).unwrap_err();
        assert!(err.to_string().contains("not a lockstep run folder"), "{err}");
        assert!(check_run_folder(tmp.path()).is_err());
        // An empty folder is fine.
        let empty = tmp.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        run(&empty, "one");
        check_run_folder(&empty).unwrap();
    }
}
