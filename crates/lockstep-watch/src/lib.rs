//! `lockstep watch`: a stream's actions within a horizon, and the alerts of
//! clusters as they form.
//!
//! The stream is read in chunks (the records of a second or so, parsed by
//! the same format readers as `detect`). [`Horizon`] keeps each chunk's
//! dataset as it was read and drops whole chunks once every action in
//! them is older than the horizon, so memory follows the horizon's traffic,
//! not the stream's length. [`Horizon::dataset`] is the dataset of the
//! actions within the horizon, built as if their records had been read in
//! one file in arrival order: `detect` on it gives what `detect` gives on
//! those records (ids, pairs, edges, clusters), which is how the watcher's
//! findings stay the batch run's. [`alerts::Tracker`] says which clusters
//! are new or have grown since the last look.
//!
//! What is exact and what is not (docs/detect.md, "Watching a stream"):
//! the actions, their post texts and languages are exact; an account's
//! metadata and an original post's time are those of the first record in
//! the horizon's chunks that gave them, which may be a record of a chunk's
//! expired part; records without actions (Bluesky's profiles) are held
//! with the chunk they came in and count as within the horizon while it
//! is.

#![warn(missing_docs)]

pub mod alerts;
pub mod early;

use lockstep_model::{Dataset, DatasetBuilder};
use std::collections::VecDeque;

/// The records read together, as read.
#[derive(Debug)]
struct Chunk {
    ds: Dataset,
    /// Its latest action's time; for a chunk of records without actions
    /// (accounts' profiles), the stream's time when it came, or, before
    /// any action, the next action's.
    latest_us: Option<i64>,
}

/// The actions of a stream within a horizon of its latest time.
#[derive(Debug)]
pub struct Horizon {
    horizon_us: i64,
    chunks: VecDeque<Chunk>,
    latest_us: Option<i64>,
    late: u64,
}

impl Horizon {
    /// Keeps the actions less than `horizon_us` older than the latest
    /// action seen.
    pub fn new(horizon_us: i64) -> Horizon {
        Horizon { horizon_us, chunks: VecDeque::new(), latest_us: None, late: 0 }
    }

    /// The stream's time: its latest action's.
    pub fn latest_us(&self) -> Option<i64> {
        self.latest_us
    }

    /// Actions older than this are outside the horizon.
    pub fn cutoff_us(&self) -> Option<i64> {
        self.latest_us.map(|t| t.saturating_sub(self.horizon_us))
    }

    /// Adds the dataset of a chunk of records, read in stream order after
    /// every chunk before it.
    pub fn push(&mut self, ds: Dataset) {
        let Some(&latest) = ds.actions.time_us.iter().max() else {
            // Records without actions still name accounts' metadata.
            if !ds.accounts.is_empty() {
                self.chunks.push_back(Chunk { ds, latest_us: self.latest_us });
            }
            return;
        };
        // An action that comes when its time is already outside the
        // horizon stays outside (the stream's time only moves on): late,
        // by the stream's time before its chunk, so that the size of a
        // chunk does not make its own first records late.
        if let Some(cutoff) = self.cutoff_us() {
            self.late += ds.actions.time_us.iter().filter(|&&t| t <= cutoff).count() as u64;
        }
        self.latest_us = Some(self.latest_us.map_or(latest, |t| t.max(latest)));
        for c in self.chunks.iter_mut().filter(|c| c.latest_us.is_none()) {
            c.latest_us = Some(latest);
        }
        self.chunks.push_back(Chunk { ds, latest_us: Some(latest) });
        self.expire();
    }

    /// Actions that came after the horizon had passed their time.
    pub fn late(&self) -> u64 {
        self.late
    }

    /// Drops the chunks whose every action is outside the horizon.
    fn expire(&mut self) {
        let Some(cutoff) = self.cutoff_us() else { return };
        // From the front: chunks come in stream order, so the first ones
        // are the oldest; a late chunk further on goes when they do.
        while self.chunks.front().is_some_and(|c| c.latest_us.is_some_and(|t| t <= cutoff)) {
            self.chunks.pop_front();
        }
    }

    /// Chunks held.
    pub fn chunks(&self) -> usize {
        self.chunks.len()
    }

    /// Bytes the chunks hold on the heap, about.
    pub fn heap_bytes(&self) -> u64 {
        self.chunks.iter().map(|c| c.ds.heap_bytes()).sum()
    }

    /// The dataset of the actions within the horizon, in arrival order, as
    /// if their records had been read as one input.
    pub fn dataset(&self) -> Dataset {
        let Some(cutoff) = self.cutoff_us() else { return Dataset::default() };
        let mut b = DatasetBuilder::default();
        for c in &self.chunks {
            let t = &c.ds.actions.time_us;
            let rows: Vec<usize> = (0..t.len()).filter(|&r| t[r] > cutoff).collect();
            b.extend_from(&c.ds, &rows);
        }
        b.finish()
    }
}
