//! Where a dataset came from: what reading each input did and which
//! records were skipped, and why. Kept beside the dataset (the readers of
//! `lockstep-ingest` fill it; the writers of results and datasets only
//! report it, so they need not depend on the readers).

use crate::{Dataset, Layer, LayerSet};
use std::collections::BTreeMap;

/// How many examples of skipped records to keep.
pub const MAX_EXAMPLES: usize = 5;

/// What reading one input did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FileReport {
    /// Input name (a path or `-`).
    pub path: String,
    /// The format that read it.
    pub format: String,
    /// SHA-256 of the bytes as stored (before decompression), hex.
    pub sha256: String,
    /// Bytes as stored.
    pub bytes: u64,
    /// Data records (rows, lines, messages) read.
    pub records_read: u64,
    /// Records that gave at least one action.
    pub records_used: u64,
    /// Records skipped, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Empty object cells, by layer: no action on that layer, not an error.
    pub empty_object_cells: BTreeMap<String, u64>,
    /// Actions added to the dataset.
    pub actions: u64,
    /// Actions dropped because their layer was not selected, by layer.
    pub actions_not_selected: BTreeMap<String, u64>,
    /// Objects that records named but that are not acts of theirs, by
    /// reason: what a repost carries from its original, links to the
    /// platform itself (`formats::push_objects`).
    #[serde(default)]
    pub objects_not_acts: BTreeMap<String, u64>,
    /// Times refined from the post id, which carries a finer one that
    /// agrees with the stated time (X snowflake ids).
    #[serde(default)]
    pub times_from_ids: u64,
    /// Times kept as stated where the post id carries another.
    #[serde(default)]
    pub times_not_ids: u64,
    /// Facts about this input a reader of the results must know.
    pub notes: Vec<String>,
}

impl FileReport {
    /// The report of an input before it is read.
    pub fn new(path: &str, format: &str) -> Self {
        FileReport { path: path.to_string(), format: format.to_string(), ..Default::default() }
    }

    /// Records skipped for any reason.
    pub fn records_skipped(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// Adds a note once.
    pub fn note(&mut self, note: &str) {
        if !self.notes.iter().any(|n| n == note) {
            self.notes.push(note.to_string());
        }
    }

    /// Adds the counts and notes of `later`, the report of the records
    /// that follow this one's in the same input (a chunk read on another
    /// thread); the input's name, format, hash and size stay this one's.
    pub fn absorb(&mut self, later: FileReport) {
        fn add(to: &mut BTreeMap<String, u64>, from: BTreeMap<String, u64>) {
            for (k, n) in from {
                *to.entry(k).or_default() += n;
            }
        }
        self.records_read += later.records_read;
        self.records_used += later.records_used;
        add(&mut self.skipped, later.skipped);
        add(&mut self.empty_object_cells, later.empty_object_cells);
        self.actions += later.actions;
        add(&mut self.actions_not_selected, later.actions_not_selected);
        add(&mut self.objects_not_acts, later.objects_not_acts);
        self.times_from_ids += later.times_from_ids;
        self.times_not_ids += later.times_not_ids;
        for note in &later.notes {
            self.note(note);
        }
    }
}

/// One skipped record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SkipExample {
    /// Input name.
    pub file: String,
    /// 1-based line.
    pub line: u64,
    /// Field or column.
    pub field: String,
    /// Reason (the key of [`FileReport::skipped`]).
    pub reason: String,
    /// Details, such as the offending value.
    pub detail: String,
}

/// Adds `n` to `key`'s count in `counts` and returns the count; the key is
/// allocated only when it is new (the records skipped for one reason can
/// be most of an input, one call each).
pub fn count(counts: &mut BTreeMap<String, u64>, key: &str, n: u64) -> u64 {
    match counts.get_mut(key) {
        Some(c) => {
            *c += n;
            *c
        }
        None => {
            counts.insert(key.to_string(), n);
            n
        }
    }
}

/// Counts of skipped records over a run, with the first examples of each
/// reason.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SkipLog {
    /// Count per reason.
    pub counts: BTreeMap<String, u64>,
    /// The first [`MAX_EXAMPLES`] examples of each reason, in input order.
    pub examples: Vec<SkipExample>,
}

impl SkipLog {
    /// Counts a skipped record under its reason, keeping the first examples.
    pub fn record(&mut self, file: &str, line: u64, field: &str, reason: &str, detail: String) {
        if count(&mut self.counts, reason, 1) as usize <= MAX_EXAMPLES {
            let detail: String = detail.chars().take(120).collect();
            self.examples.push(SkipExample {
                file: file.to_string(),
                line,
                field: field.to_string(),
                reason: reason.to_string(),
                detail,
            });
        }
    }
}

impl SkipLog {
    /// Adds `later`, the skips of records that follow every one counted
    /// here: the counts add, and its examples are kept while a reason has
    /// fewer than [`MAX_EXAMPLES`], as if it had been recorded here.
    pub fn append(&mut self, later: SkipLog) {
        let mut seen: BTreeMap<String, u64> = BTreeMap::new();
        for e in later.examples {
            let k = seen.entry(e.reason.clone()).or_default();
            *k += 1;
            let before = self.counts.get(&e.reason).copied().unwrap_or(0);
            if before + *k <= MAX_EXAMPLES as u64 {
                self.examples.push(e);
            }
        }
        for (reason, n) in later.counts {
            *self.counts.entry(reason).or_default() += n;
        }
    }
}

/// The result of reading every input.
#[derive(Debug)]
pub struct Ingested {
    /// The canonical tables.
    pub dataset: Dataset,
    /// One report per input, in input order.
    pub files: Vec<FileReport>,
    /// Skipped records over all inputs.
    pub skips: SkipLog,
}

impl Ingested {
    /// Keeps only the actions on `layers`, as if the others had never been
    /// read ([`Dataset::select_layers`]), and recounts each input's actions
    /// and `actions_not_selected` (the actions of input `i` follow those of
    /// input `i - 1`; rows after the inputs' actions, derived ones, belong
    /// to no input). `note`, when given, is added to every input's notes.
    pub fn select_layers(&mut self, layers: LayerSet, note: Option<&str>) {
        let mut start = 0usize;
        for f in &mut self.files {
            let end = start + f.actions as usize;
            let mut dropped = [0u64; Layer::ALL.len()];
            for &l in &self.dataset.actions.layer[start..end] {
                if !layers.contains(l) {
                    dropped[l as usize] += 1;
                }
            }
            for (l, n) in Layer::ALL.iter().zip(dropped) {
                if n > 0 {
                    f.actions -= n;
                    *f.actions_not_selected.entry(l.name().to_string()).or_default() += n;
                }
            }
            if let Some(note) = note {
                f.note(note);
            }
            start = end;
        }
        self.dataset = self.dataset.select_layers(layers);
    }
}
