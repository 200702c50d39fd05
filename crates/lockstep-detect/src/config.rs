use lockstep_model::time::US_PER_SEC;
use std::fmt;
use std::str::FromStr;

/// Which rules turn action pairs into account edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Semantics {
    /// lockstep's rules: weight = acts ([`crate::acts`]: one post matching
    /// another on several objects is one act, and so is one object shared
    /// again); an account takes part when its pairs hold at least
    /// `min_participation` of its acts; both ends of an edge must take part
    /// (to a fixed point).
    #[default]
    Lockstep,
    /// CooRTweet 2.1.3 `detect_groups` + `generate_coordinated_network`,
    /// quirks included: weight = pair rows; participation counts rows; a pair
    /// survives when either side qualifies; each layer is filtered alone.
    CooRTweet,
}

impl Semantics {
    /// The name used by `--semantics`.
    pub fn name(self) -> &'static str {
        match self {
            Semantics::Lockstep => "lockstep",
            Semantics::CooRTweet => "coortweet",
        }
    }
}

impl fmt::Display for Semantics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Semantics {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "lockstep" => Ok(Semantics::Lockstep),
            "coortweet" => Ok(Semantics::CooRTweet),
            o => Err(format!("unknown semantics `{o}` (expected `lockstep` or `coortweet`)")),
        }
    }
}

/// What to detect (the plan); how many threads is an execution choice made
/// by the caller's rayon pool.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectConfig {
    /// Two actions on one object are paired when `|t1 - t2| <= window_us`.
    pub window_us: i64,
    /// Pairs within this narrower window are flagged as fast.
    pub fast_window_us: Option<i64>,
    /// Participation threshold (see [`Semantics`]).
    pub min_participation: u32,
    /// The rules.
    pub semantics: Semantics,
    /// Keep pairs of one account with itself, of one post with itself, and
    /// of a post with the object it is (CooRTweet's `remove_loops = FALSE`).
    pub keep_loops: bool,
    /// Drop exact duplicate actions (same object, account, content, time).
    pub dedup: bool,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            window_us: 60 * US_PER_SEC,
            fast_window_us: None,
            min_participation: 2,
            semantics: Semantics::Lockstep,
            keep_loops: false,
            dedup: false,
        }
    }
}
