//! A folder written whole: its files are written into a fresh folder
//! beside the target and put in place only when every one is complete, so
//! that a writer killed midway leaves the previous folder, whole, and never
//! a mix of two (a run folder of `lockstep-report`, a dataset of
//! `lockstep-store`).
//!
//! The protocol, for a target `out/`:
//! 1. [`StagedFolder::begin`] creates `.out.lockstep-partial-<pid>` beside it
//!    (same file system, so that renames are atomic). Whether the target may
//!    be replaced at all is the writer's to check first.
//! 2. The writer writes there.
//! 3. [`StagedFolder::commit`] renames the previous folder aside
//!    (`.out.lockstep-old-<pid>`) and the new one into place, moves back any
//!    file of the previous folder that is not the writer's (a user's notes),
//!    and removes the previous folder. A kill between the two renames (a few
//!    microseconds) leaves no `out/` but both folders whole beside it, named
//!    as above.
//!
//! `std::fs::rename` cannot swap two folders atomically (Linux's
//! `renameat2(RENAME_EXCHANGE)` can, through `unsafe` code this crate keeps
//! to its mapped columns), hence the two renames.

use std::io;
use std::path::{Path, PathBuf};

/// A folder being written; see the module docs.
#[derive(Debug)]
pub struct StagedFolder {
    target: PathBuf,
    stage: PathBuf,
    /// Whether the writer writes a file of this name: a previous folder's
    /// files it owns go with it, any other file is kept.
    owned: fn(&str) -> bool,
    committed: bool,
}

/// An I/O error that names its path.
fn at(path: &Path) -> impl FnOnce(io::Error) -> io::Error + '_ {
    move |e| io::Error::new(e.kind(), format!("`{}`: {e}", path.display()))
}

/// `.NAME.lockstep-KIND-PID` beside `target`.
fn beside(target: &Path, kind: &str) -> PathBuf {
    let name = target.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy());
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    parent.join(format!(".{name}.lockstep-{kind}-{}", std::process::id()))
}

impl StagedFolder {
    /// Starts writing `target`, whose files that `owned` names the writer
    /// replaces.
    pub fn begin(target: &Path, owned: fn(&str) -> bool) -> io::Result<Self> {
        // `--out .` names the folder by its real name, so it can be renamed.
        let target = if target.exists() {
            target.canonicalize().map_err(at(target))?
        } else {
            target.to_path_buf()
        };
        let stage = beside(&target, "partial");
        if stage.exists() {
            std::fs::remove_dir_all(&stage).map_err(at(&stage))?;
        }
        if let Some(parent) = stage.parent() {
            std::fs::create_dir_all(parent).map_err(at(parent))?;
        }
        std::fs::create_dir(&stage).map_err(at(&stage))?;
        Ok(StagedFolder { target, stage, owned, committed: false })
    }

    /// The folder it replaces (by its real name).
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Where the writer writes until [`StagedFolder::commit`].
    pub fn dir(&self) -> &Path {
        &self.stage
    }

    /// Puts the complete folder in place of the target (see the module docs).
    pub fn commit(mut self) -> io::Result<()> {
        let target = self.target.clone();
        if !target.exists() {
            std::fs::rename(&self.stage, &target).map_err(at(&target))?;
            self.committed = true;
            return Ok(());
        }
        let old = beside(&target, "old");
        std::fs::rename(&target, &old).map_err(at(&target))?;
        std::fs::rename(&self.stage, &target).map_err(at(&target))?;
        self.committed = true;
        for entry in std::fs::read_dir(&old).map_err(at(&old))? {
            let entry = entry.map_err(at(&old))?;
            let name = entry.file_name();
            let kept = target.join(&name);
            if !(self.owned)(&name.to_string_lossy()) && !kept.exists() {
                std::fs::rename(entry.path(), &kept).map_err(at(&kept))?;
            }
        }
        std::fs::remove_dir_all(&old).map_err(at(&old))
    }
}

impl Drop for StagedFolder {
    /// A writer that failed before its commit leaves nothing half-written.
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.stage);
        }
    }
}

/// A new folder in `parent` that no other run uses (`lockstep-spill-PID-N`),
/// for files a run writes and maps while it works (spilled pairs, ids read,
/// content ids).
pub fn fresh_dir(parent: &Path) -> io::Result<PathBuf> {
    std::fs::create_dir_all(parent)?;
    for k in 0u32.. {
        let dir = parent.join(format!("lockstep-spill-{}-{k}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("u32 folder names exhausted")
}

/// Runs `write` in a [`fresh_dir`] of `parent` and removes the folder
/// whatever it returns: for files that are mapped as soon as written, and
/// so need no name after (the mapping keeps them until it is dropped).
pub fn with_mapped_files<T>(
    parent: &Path,
    write: impl FnOnce(&Path) -> io::Result<T>,
) -> io::Result<T> {
    let dir = fresh_dir(parent)?;
    let written = write(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    use lockstep_test_support::TempDir as Tmp;

    fn owned(name: &str) -> bool {
        ["table.csv", "manifest.json", "optional.csv"].contains(&name)
    }

    fn files(dir: &Path) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().to_string(),
                    std::fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    }

    fn write(target: &Path, tag: &str) {
        let f = StagedFolder::begin(target, owned).unwrap();
        std::fs::write(f.dir().join("table.csv"), tag).unwrap();
        std::fs::write(f.dir().join("manifest.json"), tag).unwrap();
        f.commit().unwrap();
    }

    #[test]
    fn a_folder_replaces_the_previous_one_whole() {
        let tmp = Tmp::new("replace");
        let out = tmp.0.join("out");
        write(&out, "one");
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        std::fs::write(out.join("optional.csv"), "of one").unwrap();
        write(&out, "two");
        let expected = [("manifest.json", "two"), ("notes.txt", "mine"), ("table.csv", "two")];
        let expected: Vec<(String, String)> =
            expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        assert_eq!(files(&out), expected);
        // Nothing is left beside it.
        assert_eq!(std::fs::read_dir(&tmp.0).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_writer_leaves_the_previous_folder() {
        let tmp = Tmp::new("failed");
        let out = tmp.0.join("out");
        write(&out, "one");
        {
            let f = StagedFolder::begin(&out, owned).unwrap();
            std::fs::write(f.dir().join("table.csv"), "half").unwrap();
        }
        assert_eq!(files(&out)[1], ("table.csv".into(), "one".into()));
        assert_eq!(std::fs::read_dir(&tmp.0).unwrap().count(), 1);
    }
}
