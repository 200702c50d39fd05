use lockstep_model::LayerSet;

/// The evidence: one row per coordinated pair of actions, grouped by edge
/// and, within an edge, in time order of the older action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PairTable {
    /// Row (in the action table) of the older action.
    pub older: Vec<u32>,
    /// Row of the newer action.
    pub newer: Vec<u32>,
    /// Whether the pair is within the fast window.
    pub fast: Vec<bool>,
}

impl PairTable {
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
    pub a: Vec<u32>,
    /// Higher account id.
    pub b: Vec<u32>,
    /// The weight under the run's semantics.
    pub weight: Vec<u64>,
    /// Pair rows behind the edge.
    pub pair_rows: Vec<u64>,
    /// Distinct objects co-acted on.
    pub objects: Vec<u64>,
    /// Mean time delta of the pair rows, microseconds.
    pub mean_delta_us: Vec<f64>,
    /// Distinct content ids on the older side (CooRTweet `n_content_id`).
    pub n_content_older: Vec<u64>,
    /// Distinct content ids on the newer side (CooRTweet `n_content_id_y`).
    pub n_content_newer: Vec<u64>,
    /// Layers the pairs are on.
    pub layers: Vec<LayerSet>,
    /// The weight counted over fast pairs only.
    pub fast_weight: Vec<u64>,
    /// Start of the edge's pairs in the [`PairTable`]; they end where the
    /// next edge's start.
    pub pair_start: Vec<usize>,
}

impl EdgeTable {
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
