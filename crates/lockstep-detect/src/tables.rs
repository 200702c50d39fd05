//! The detection's results. Their columns are [`Column`]s: on the heap,
//! or, past a memory limit, in files mapped read-only (bounded.rs).

use lockstep_model::{Column, ColumnWriter, LayerSet};
use std::io;
use std::path::Path;

/// The evidence: one row per coordinated pair of actions, grouped by edge
/// and, within an edge, in time order of the older action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PairTable {
    /// Row (in the action table) of the older action.
    pub older: Column<u32>,
    /// Row of the newer action.
    pub newer: Column<u32>,
    /// Whether the pair is within the fast window.
    pub fast: Column<bool>,
}

impl PairTable {
    /// Bytes of its columns that live in mapped files.
    pub fn disk_bytes(&self) -> u64 {
        self.older.mapped_bytes() + self.newer.mapped_bytes() + self.fast.mapped_bytes()
    }
    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.older.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.older.is_empty()
    }
}

/// Account pairs with their aggregated evidence, ordered by `(a, b)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EdgeTable {
    /// Lower account id (`a <= b`; equal only for kept loops).
    pub a: Column<u32>,
    /// Higher account id.
    pub b: Column<u32>,
    /// The weight under the run's semantics.
    pub weight: Column<u64>,
    /// Pair rows behind the edge.
    pub pair_rows: Column<u64>,
    /// Distinct objects co-acted on.
    pub objects: Column<u64>,
    /// Mean time delta of the pair rows, microseconds.
    pub mean_delta_us: Column<f64>,
    /// Distinct content ids on the older side (CooRTweet `n_content_id`).
    pub n_content_older: Column<u64>,
    /// Distinct content ids on the newer side (CooRTweet `n_content_id_y`).
    pub n_content_newer: Column<u64>,
    /// Layers the pairs are on.
    pub layers: Column<LayerSet>,
    /// The weight counted over fast pairs only.
    pub fast_weight: Column<u64>,
    /// Start of the edge's pairs in the [`PairTable`]; they end where the
    /// next edge's start.
    pub pair_start: Column<usize>,
}

impl EdgeTable {
    /// Bytes of its columns that live in mapped files.
    pub fn disk_bytes(&self) -> u64 {
        self.a.mapped_bytes()
            + self.b.mapped_bytes()
            + self.weight.mapped_bytes()
            + self.pair_rows.mapped_bytes()
            + self.objects.mapped_bytes()
            + self.mean_delta_us.mapped_bytes()
            + self.n_content_older.mapped_bytes()
            + self.n_content_newer.mapped_bytes()
            + self.layers.mapped_bytes()
            + self.fast_weight.mapped_bytes()
            + self.pair_start.mapped_bytes()
    }
    /// Number of edges.
    pub fn len(&self) -> usize {
        self.a.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.a.is_empty()
    }
    /// The pair rows of edge `e` (indices into the [`PairTable`]).
    pub fn pair_range(&self, e: usize, pairs: &PairTable) -> std::ops::Range<usize> {
        let end = self.pair_start.get(e + 1).copied().unwrap_or(pairs.len());
        self.pair_start[e]..end
    }
    /// What the significance tests and the item weights count for edge
    /// `e`: its acts under lockstep semantics (its weight), its distinct
    /// objects under CooRTweet's, whose weight counts pair rows.
    pub fn tested_weight(&self, e: usize) -> u64 {
        self.weight[e].min(self.objects[e])
    }
    /// `min(n_content_older, n_content_newer) / max(...)`.
    pub fn symmetry(&self, e: usize) -> f64 {
        let (x, y) = (self.n_content_older[e], self.n_content_newer[e]);
        if x.max(y) == 0 {
            0.0
        } else {
            x.min(y) as f64 / x.max(y) as f64
        }
    }
}

/// Counts from each step, for the run summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DetectStats {
    /// Actions in.
    pub actions: u64,
    /// Exact duplicates dropped by `dedup`.
    pub duplicates_dropped: u64,
    /// Actions dropped by the participation pre-filter.
    pub prefiltered_out: u64,
    /// Pairs within the window.
    pub pairs_in_window: u64,
    /// Of those, loops removed.
    pub loops_removed: u64,
    /// Pairs removed by the participation post-filter.
    pub participation_removed: u64,
    /// Pairs kept (the evidence).
    pub pairs: u64,
    /// Of those, pairs flagged fast.
    pub fast_pairs: u64,
    /// Distinct accounts in kept pairs.
    pub accounts: u64,
    /// Distinct objects in kept pairs.
    pub objects: u64,
}

/// What a detector found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Detection {
    /// The evidence.
    pub pairs: PairTable,
    /// The account edges.
    pub edges: EdgeTable,
    /// Step counts.
    pub stats: DetectStats,
}

/// Builds a [`PairTable`] and an [`EdgeTable`] chunk by chunk, on the heap
/// or, after [`TableWriter::spill_to`], in files.
#[derive(Default)]
pub(crate) struct TableWriter {
    pub older: ColumnWriter<u32>,
    pub newer: ColumnWriter<u32>,
    pub fast: ColumnWriter<bool>,
    pub a: ColumnWriter<u32>,
    pub b: ColumnWriter<u32>,
    pub weight: ColumnWriter<u64>,
    pub pair_rows: ColumnWriter<u64>,
    pub objects: ColumnWriter<u64>,
    pub mean_delta_us: ColumnWriter<f64>,
    pub n_content_older: ColumnWriter<u64>,
    pub n_content_newer: ColumnWriter<u64>,
    pub layers: ColumnWriter<LayerSet>,
    pub fast_weight: ColumnWriter<u64>,
    pub pair_start: ColumnWriter<usize>,
}

impl TableWriter {
    /// Pairs appended so far.
    pub fn pairs(&self) -> usize {
        self.older.len()
    }

    /// Writes every column to its own new file in `dir` from now on.
    pub fn spill_to(&mut self, dir: &Path) -> io::Result<()> {
        self.older.spill_to(&dir.join("pairs-older.bin"))?;
        self.newer.spill_to(&dir.join("pairs-newer.bin"))?;
        self.fast.spill_to(&dir.join("pairs-fast.bin"))?;
        self.a.spill_to(&dir.join("edges-a.bin"))?;
        self.b.spill_to(&dir.join("edges-b.bin"))?;
        self.weight.spill_to(&dir.join("edges-weight.bin"))?;
        self.pair_rows.spill_to(&dir.join("edges-pair-rows.bin"))?;
        self.objects.spill_to(&dir.join("edges-objects.bin"))?;
        self.mean_delta_us.spill_to(&dir.join("edges-mean-delta.bin"))?;
        self.n_content_older.spill_to(&dir.join("edges-n-content-older.bin"))?;
        self.n_content_newer.spill_to(&dir.join("edges-n-content-newer.bin"))?;
        self.layers.spill_to(&dir.join("edges-layers.bin"))?;
        self.fast_weight.spill_to(&dir.join("edges-fast-weight.bin"))?;
        self.pair_start.spill_to(&dir.join("edges-pair-start.bin"))
    }

    /// The tables (files mapped read-only and unlinked).
    pub fn finish(self) -> io::Result<(PairTable, EdgeTable)> {
        let pairs = PairTable {
            older: self.older.finish()?,
            newer: self.newer.finish()?,
            fast: self.fast.finish()?,
        };
        let edges = EdgeTable {
            a: self.a.finish()?,
            b: self.b.finish()?,
            weight: self.weight.finish()?,
            pair_rows: self.pair_rows.finish()?,
            objects: self.objects.finish()?,
            mean_delta_us: self.mean_delta_us.finish()?,
            n_content_older: self.n_content_older.finish()?,
            n_content_newer: self.n_content_newer.finish()?,
            layers: self.layers.finish()?,
            fast_weight: self.fast_weight.finish()?,
            pair_start: self.pair_start.finish()?,
        };
        Ok((pairs, edges))
    }
}
