//! `lockstep watch`: a stream's actions within a horizon, and the alerts of
//! clusters as they form.
//!
//! The stream is read in chunks (the records of a second or so, parsed by
//! the same format readers as `detect`). [`Horizon`] keeps each chunk's
//! dataset as it was read until the chunks since the last merge span a
//! sixteenth of the horizon, then merges them into one segment (one
//! dictionary of accounts, objects and posts for all of them, and the
//! metadata of the accounts that have some); it drops whole segments once
//! every action in them is older than the horizon, so memory follows the
//! horizon's traffic, not the stream's length. [`Horizon::dataset`] is the
//! dataset of the actions within the horizon, built as if their records
//! had been read in one file in arrival order: `detect` on it gives what
//! `detect` gives on those records (ids, pairs, edges, clusters), which is
//! how the watcher's findings stay the batch run's. [`alerts::Tracker`]
//! says which clusters are new or have grown since the last look.
//!
//! What is exact and what is not (docs/detect.md, "Watching a stream"):
//! the actions, their post texts and languages are exact; an account's
//! metadata and an original post's time are those of the first record in
//! the horizon's segments that gave them, which may be a record of a
//! segment's expired part; records without actions (Bluesky's profiles)
//! are held with the segment they came in and count as within the horizon
//! while it is.

#![warn(missing_docs)]

pub mod alerts;
pub mod early;

use lockstep_model::{Dataset, DatasetPart, SparseAccountTable};
use std::collections::VecDeque;

/// A horizon is held in about this many segments: a segment is dropped
/// when its latest action leaves the horizon, so at most a segment's
/// traffic, `1 / SEGMENTS` of the horizon's, is held past it; and the
/// chunks of a segment share its dictionaries, so an account, a post or a
/// link the stream names in many chunks is held once per segment, not
/// once per chunk.
const SEGMENTS: i64 = 16;

/// What a watch takes before any horizon, about: its code, the stream's
/// buffers and the allocator's own (a one-day horizon of the simulated
/// month, 15 MB, peaked at 124 MB).
const OWN_BYTES: u64 = 128 << 20;

/// A horizon may hold this share of what a memory limit leaves past
/// [`OWN_BYTES`]: a refresh builds the horizon's dataset and runs the whole
/// pipeline on it, which took about two and a half times the horizon's
/// bytes again on the simulated month (BENCHMARKS.md, "The horizon in
/// segments"), and the stream is read on meanwhile: with a quarter, a
/// 512 MiB limit peaked at 500-514 MiB once refreshes ran beside the
/// reading (BENCHMARKS.md, "Refreshes at a third of the cost").
const MEMORY_SHARE: u64 = 5;

/// The records of one chunk as read, or of consecutive chunks merged.
#[derive(Debug)]
struct Segment {
    /// Its dataset, without its accounts' metadata (in `meta`).
    ds: Dataset,
    meta: SparseAccountTable,
    /// Its earliest action's time.
    earliest_us: Option<i64>,
    /// Its latest action's time; for records without actions (accounts'
    /// profiles), the stream's time when they came, or, before any
    /// action, the next action's.
    latest_us: Option<i64>,
}

impl Segment {
    fn new(mut ds: Dataset, latest_us: Option<i64>) -> Segment {
        let meta = SparseAccountTable::from_dense(std::mem::take(&mut ds.account_meta));
        ds.shrink_to_fit();
        let earliest_us = ds.actions.time_us.iter().min().copied();
        Segment { ds, meta, earliest_us, latest_us }
    }

    fn heap_bytes(&self) -> u64 {
        self.ds.heap_bytes() + self.meta.heap_bytes()
    }

    /// Its actions after `cutoff` (all of them without one).
    fn rows(&self, cutoff: Option<i64>) -> Vec<usize> {
        let t = &self.ds.actions.time_us;
        (0..t.len()).filter(|&r| cutoff.is_none_or(|c| t[r] > c)).collect()
    }
}

/// The actions of `segments` after `cutoff`, in order, as one dataset.
fn concat<'a>(segments: impl Iterator<Item = &'a Segment>, cutoff: Option<i64>) -> Dataset {
    let held: Vec<(&Segment, Vec<usize>)> = segments.map(|c| (c, c.rows(cutoff))).collect();
    let parts: Vec<DatasetPart<'_>> =
        held.iter().map(|(c, rows)| DatasetPart { ds: &c.ds, meta: &c.meta, rows }).collect();
    Dataset::concat(&parts)
}

/// The actions of a stream within a horizon of its latest time.
#[derive(Debug)]
pub struct Horizon {
    horizon_us: i64,
    /// Merged segments, then `open` chunks as read, in stream order.
    segments: VecDeque<Segment>,
    open: usize,
    latest_us: Option<i64>,
    late: u64,
    /// Past this many bytes of segments, the oldest go before their time.
    budget: Option<u64>,
    shed: Option<Shed>,
}

/// What a [`Horizon`]'s memory budget dropped before its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shed {
    /// The latest action of the segments dropped: the horizon now starts
    /// after it.
    pub through_us: i64,
    /// The actions within the horizon they held when dropped, in all.
    pub actions: u64,
}

impl Horizon {
    /// Keeps the actions less than `horizon_us` older than the latest
    /// action seen.
    pub fn new(horizon_us: i64) -> Horizon {
        Horizon {
            horizon_us,
            segments: VecDeque::new(),
            open: 0,
            latest_us: None,
            late: 0,
            budget: None,
            shed: None,
        }
    }

    /// Holds at most about `bytes` ([`Horizon::heap_bytes`]): past them
    /// the oldest segments go before their time, and the horizon starts
    /// after the latest action they held ([`Horizon::shed`]). The newest
    /// segment stays whatever its size.
    pub fn with_budget(mut self, bytes: u64) -> Horizon {
        self.budget = Some(bytes);
        self
    }

    /// [`Horizon::with_budget`] of the share of `memory_limit` (of the
    /// whole process) that leaves a refresh the rest.
    pub fn within_memory(self, memory_limit: u64) -> Horizon {
        self.with_budget(memory_limit.saturating_sub(OWN_BYTES) / MEMORY_SHARE)
    }

    /// The bytes it holds at most, if it was given a budget.
    pub fn budget(&self) -> Option<u64> {
        self.budget
    }

    /// The stream's time: its latest action's.
    pub fn latest_us(&self) -> Option<i64> {
        self.latest_us
    }

    /// Actions older than this are outside the horizon.
    pub fn cutoff_us(&self) -> Option<i64> {
        self.latest_us.map(|t| t.saturating_sub(self.horizon_us))
    }

    /// What the memory budget dropped before its time, if anything.
    pub fn shed(&self) -> Option<Shed> {
        self.shed
    }

    /// Actions at or before this are not in [`Horizon::dataset`]: the
    /// cutoff, or later where the budget dropped segments.
    fn start_us(&self) -> Option<i64> {
        let cutoff = self.cutoff_us()?;
        Some(self.shed.map_or(cutoff, |s| s.through_us.max(cutoff)))
    }

    /// Adds the dataset of a chunk of records, read in stream order after
    /// every chunk before it.
    pub fn push(&mut self, ds: Dataset) {
        let Some(&latest) = ds.actions.time_us.iter().max() else {
            // Records without actions still name accounts' metadata.
            if !ds.accounts.is_empty() {
                self.segments.push_back(Segment::new(ds, self.latest_us));
                self.open += 1;
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
        for c in self.segments.iter_mut().filter(|c| c.latest_us.is_none()) {
            c.latest_us = Some(latest);
        }
        self.segments.push_back(Segment::new(ds, Some(latest)));
        self.open += 1;
        self.seal();
        self.expire();
        self.keep_to_budget();
    }

    /// Drops the oldest segments while more than the budget is held.
    fn keep_to_budget(&mut self) {
        let Some(budget) = self.budget else { return };
        let mut held = self.heap_bytes();
        while held > budget && self.segments.len() > 1 {
            let start = self.start_us();
            let Some(s) = self.segments.pop_front() else { break };
            self.open = self.open.min(self.segments.len());
            held -= s.heap_bytes();
            let within = s.ds.actions.time_us.iter().filter(|&&t| start.is_none_or(|c| t > c));
            let actions = within.count() as u64;
            let through = s.latest_us.unwrap_or(i64::MIN);
            let shed = self.shed.get_or_insert(Shed { through_us: through, actions: 0 });
            shed.through_us = shed.through_us.max(through);
            shed.actions += actions;
        }
    }

    /// Merges the open chunks into one segment once they span a segment's
    /// share of the horizon.
    fn seal(&mut self) {
        let open = self.segments.range(self.segments.len() - self.open..);
        let earliest = open.clone().filter_map(|c| c.earliest_us).min();
        let latest = open.clone().filter_map(|c| c.latest_us).max();
        let (Some(earliest), Some(latest)) = (earliest, latest) else { return };
        if latest.saturating_sub(earliest) < self.horizon_us / SEGMENTS {
            return;
        }
        if self.open > 1 {
            let merged = concat(self.segments.range(self.segments.len() - self.open..), None);
            self.segments.truncate(self.segments.len() - self.open);
            self.segments.push_back(Segment::new(merged, Some(latest)));
        }
        self.open = 0;
    }

    /// Actions that came after the horizon had passed their time.
    pub fn late(&self) -> u64 {
        self.late
    }

    /// Drops the segments whose every action is outside the horizon.
    fn expire(&mut self) {
        let Some(cutoff) = self.cutoff_us() else { return };
        // From the front: segments come in stream order, so the first ones
        // are the oldest; a late one further on goes when they do.
        while self.segments.front().is_some_and(|c| c.latest_us.is_some_and(|t| t <= cutoff)) {
            self.segments.pop_front();
            self.open = self.open.min(self.segments.len());
        }
    }

    /// Segments held: chunks as read, and chunks merged.
    pub fn segments(&self) -> usize {
        self.segments.len()
    }

    /// Bytes the segments hold on the heap, about.
    pub fn heap_bytes(&self) -> u64 {
        self.segments.iter().map(Segment::heap_bytes).sum()
    }

    /// The dataset of the actions within the horizon, in arrival order, as
    /// if their records had been read as one input.
    pub fn dataset(&self) -> Dataset {
        let Some(start) = self.start_us() else { return Dataset::default() };
        concat(self.segments.iter(), Some(start))
    }
}
