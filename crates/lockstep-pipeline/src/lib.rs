//! lockstep's run, composed once: the [`Plan`] (what to compute, checked,
//! with the defaults that depend on the semantics), the [`Execution`]
//! (threads, memory limit, spill folder, engine), the stages from inputs to
//! findings ([`compute`]), and the [`Outcome`] (what the run produced,
//! written to a run folder by [`Outcome::save`]). The CLI, the bench and
//! bindings call it; it prints nothing and parses no flags: it tells an
//! [`Observer`] what it is doing.

mod execution;
pub mod input;
mod outcome;
pub mod plan;
mod stages;
mod sweep;

pub use execution::{
    default_limit, fs_type_in, in_memory_fs, machine_memory, map_contents, Engine, Execution,
    Memory,
};
pub use input::{InputOptions, Inputs, Loaded};
pub use outcome::Outcome;
pub use plan::{Clusters, NearTextMode, NearTextPairs, Options, Plan, Rule};
pub use stages::{compute, run, run_loaded};
pub use sweep::{sweep, Grid};

use std::path::{Path, PathBuf};

/// Why a run could not be planned or completed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The options ask for what cannot be done; the message names them.
    #[error("{0}")]
    Plan(String),
    /// Reading the inputs failed.
    #[error(transparent)]
    Ingest(#[from] lockstep_ingest::IngestError),
    /// Reading a dataset folder failed.
    #[error(transparent)]
    Store(#[from] lockstep_store::StoreError),
    /// The engine of the window stage failed.
    #[error(transparent)]
    Scale(#[from] lockstep_scale::ScaleError),
    /// Writing the run folder failed.
    #[error(transparent)]
    Report(#[from] lockstep_report::ReportError),
    /// The observer asked the run to stop ([`Observer::stopped`]).
    #[error("stopped before it finished")]
    Stopped,
    /// A file or folder of the run's own could not be used.
    #[error("{what}")]
    Io {
        /// What the run was doing.
        what: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
}

/// The stages of a run, in order; their names key `summary.json`'s
/// `timings_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the inputs.
    Reading,
    /// Deriving `near_text` from the texts.
    NearText,
    /// Near-duplicate bios.
    Bios,
    /// Pairing actions.
    Detecting,
    /// Testing edges against chance.
    Significance,
    /// Thresholding and clustering the network.
    Clustering,
    /// Fingerprints, talking points, roles and scores.
    Campaigns,
    /// Other settings' clusters (`lockstep sweep`).
    Sweeping,
    /// Writing the run folder.
    Writing,
}

impl Stage {
    /// The stage's name.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Reading => "reading",
            Stage::NearText => "near_text",
            Stage::Bios => "bios",
            Stage::Detecting => "detecting",
            Stage::Significance => "significance",
            Stage::Clustering => "clustering",
            Stage::Campaigns => "campaigns",
            Stage::Sweeping => "sweeping",
            Stage::Writing => "writing",
        }
    }
}

/// Something the user should know while the run goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// The process holds more than the memory limit before detecting: the
    /// detection runs in its smallest parts and runs, and the run will pass
    /// the limit.
    OverLimit {
        /// What the process holds.
        in_use: u64,
        /// The limit.
        limit: u64,
    },
    /// The spill folder is on a file system held in memory, so what was
    /// written there counts against memory after all.
    SpillInMemory {
        /// The spill folder.
        dir: PathBuf,
        /// `tmpfs` or `ramfs`.
        kind: String,
        /// What was written there.
        bytes: u64,
    },
}

/// Told what a run is doing, from the threads that do it.
pub trait Observer: Sync {
    /// A stage starts (the one before it ends).
    fn begin(&self, _stage: Stage) {}
    /// How far reading the inputs got.
    fn reading(&self, _progress: &lockstep_ingest::Progress<'_>) {}
    /// The input is a dataset folder, read whole.
    fn reading_dataset(&self, _dir: &Path) {}
    /// Something the user should know now.
    fn warn(&self, _warning: &Warning) {}
    /// The last stage ended.
    fn end(&self) {}
    /// Whether the run should stop (an interrupted notebook cell): asked
    /// between stages, and the run ends with [`Error::Stopped`].
    fn stopped(&self) -> bool {
        false
    }
}

/// [`Error::Stopped`] when the observer asks the run to stop.
pub(crate) fn go_on(observer: &dyn Observer) -> Result<(), Error> {
    if observer.stopped() {
        Err(Error::Stopped)
    } else {
        Ok(())
    }
}

/// An observer that ignores everything.
pub struct Quiet;

impl Observer for Quiet {}
