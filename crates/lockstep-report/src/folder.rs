//! The run folder's owner: a run is written whole or not at all
//! ([`lockstep_model::folder`]), so that a run killed while writing leaves
//! the previous run, whole, and never a mix of two runs that `report` or
//! `serve` would present as one.
//!
//! [`RunFolder::begin`] refuses a target that holds files but is not a run
//! folder (no `summary.json`): replacing it would move a user's files.
//! `summary.json` is written last. Readers call [`check_run_folder`].

use crate::{ReportError, OUTPUT_FILES, SUMMARY_JSON};
use lockstep_model::folder::StagedFolder;
use std::path::Path;

/// Files a run may write besides [`OUTPUT_FILES`]: the optional tables
/// (and `pairs.csv.zst` in place of `pairs.csv`), and
/// what `lockstep report` and `lockstep export` write into the folder (they
/// describe the run they were made from, so they go with that run).
pub const OPTIONAL_FILES: [&str; 7] = [
    crate::files::pairs::COMPRESSED,
    crate::files::bio_clusters::FILE,
    crate::files::near_text_pairs::FILE,
    crate::files::stability::FILE,
    crate::files::sweep::FILE,
    REPORT_HTML,
    STIX_BUNDLE,
];

/// The report `lockstep report` writes into a run folder by default.
pub const REPORT_HTML: &str = "report.html";

/// The STIX 2.1 bundle `lockstep export` writes into a run folder by
/// default.
pub const STIX_BUNDLE: &str = "bundle.stix.json";

/// Whether a run writes a file of this name: a previous run's files of
/// these names go with it.
fn is_run_file(name: &str) -> bool {
    OUTPUT_FILES.contains(&name)
        || OPTIONAL_FILES.contains(&name)
        || crate::SCHEMAS.iter().any(|s| s.file == name || s.parquet == name)
}

/// A run folder being written.
#[derive(Debug)]
pub struct RunFolder {
    staged: StagedFolder,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io { path: path.to_path_buf(), source }
}

impl RunFolder {
    /// Starts a run for `target`: absent, empty, or a previous run's folder.
    pub fn begin(target: &Path) -> Result<Self, ReportError> {
        if target.exists() {
            let has_files = std::fs::read_dir(target).map_err(io(target))?.next().is_some();
            if has_files && !target.join(SUMMARY_JSON).exists() {
                return Err(ReportError::NotARunFolder { path: target.to_path_buf() });
            }
        }
        let staged = StagedFolder::begin(target, is_run_file).map_err(io(target))?;
        Ok(RunFolder { staged })
    }

    /// Where the writers write until [`RunFolder::commit`].
    pub fn dir(&self) -> &Path {
        self.staged.dir()
    }

    /// Puts the complete run in place of the target.
    pub fn commit(self) -> Result<(), ReportError> {
        let target = self.staged.target().to_path_buf();
        self.staged.commit().map_err(io(&target))
    }
}

/// Refuses a folder that is not a complete run (`summary.json`, written
/// last, must be there) or that a newer lockstep wrote in a layout this
/// one does not know ([`crate::RUN_FOLDER_VERSION`]).
pub fn check_run_folder(dir: &Path) -> Result<(), ReportError> {
    let path = dir.join(SUMMARY_JSON);
    if !path.is_file() {
        return Err(ReportError::NotARunFolder { path: dir.to_path_buf() });
    }
    let text = std::fs::read_to_string(&path).map_err(io(&path))?;
    let summary: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        ReportError::Invalid { path: path.clone(), message: format!("not a lockstep summary: {e}") }
    })?;
    let version = summary["run_folder_version"].as_u64().unwrap_or(1);
    if version > u64::from(crate::RUN_FOLDER_VERSION) {
        let written_by = summary["lockstep_version"].as_str().unwrap_or("?").to_string();
        return Err(ReportError::NewerRunFolder { path: dir.to_path_buf(), version, written_by });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use lockstep_test_support::TempDir as Tmp;

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
        std::fs::write(f.dir().join(SUMMARY_JSON), format!("{{\"tag\": \"{tag}\"}}")).unwrap();
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
                (SUMMARY_JSON.into(), "{\"tag\": \"two\"}".into()),
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
    fn a_newer_layout_is_refused() {
        let tmp = Tmp::new("newer");
        let v = crate::RUN_FOLDER_VERSION + 1;
        let summary = format!("{{\"lockstep_version\": \"9.0.0\", \"run_folder_version\": {v}}}");
        std::fs::write(tmp.path().join(SUMMARY_JSON), summary).unwrap();
        let err = check_run_folder(tmp.path()).unwrap_err().to_string();
        assert!(err.contains("written by lockstep 9.0.0"), "{err}");
        std::fs::write(tmp.path().join(SUMMARY_JSON), "{\"lockstep_version\": \"0.1.0\"}").unwrap();
        check_run_folder(tmp.path()).unwrap();
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
