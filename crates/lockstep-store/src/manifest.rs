use lockstep_model::{FileReport, SkipLog};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The manifest's file name.
pub const MANIFEST: &str = "dataset.json";

/// The version of the dataset layout this build writes and reads. A change
/// of any table's columns or meaning bumps it.
pub const FORMAT_VERSION: u32 = 4;

/// `dataset.json`: what the dataset holds and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT_VERSION`] of the writer.
    pub lockstep_dataset: u32,
    /// The lockstep version that wrote it.
    pub lockstep_version: String,
    /// The ingest parameters, as the user gave them.
    pub ingest: serde_json::Value,
    /// One report per input, in input order: path, format, SHA-256, bytes,
    /// records read, used and skipped. Actions of input `i` follow those of
    /// input `i - 1` in `actions.parquet`.
    pub inputs: Vec<FileReport>,
    /// Skipped records over all inputs, with the first examples.
    pub skips: SkipLog,
    /// Each table file's rows, size and SHA-256.
    pub tables: BTreeMap<String, TableInfo>,
}

/// One table file of a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableInfo {
    /// Rows.
    pub rows: u64,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
}
