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
    pub(crate) fn new(path: &str, format: &str) -> Self {
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
    pub(crate) fn record(
        &mut self,
        file: &str,
        line: u64,
        field: &str,
        reason: &str,
        detail: String,
    ) {
        let n = self.counts.entry(reason.to_string()).or_default();
        *n += 1;
        if *n as usize <= MAX_EXAMPLES {
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
