use lockstep_model::time::US_PER_SEC;
use lockstep_model::{Layer, LayerSet};
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
    /// A second, wider window for what accounts write or paste, where the
    /// object is not a crowd (see [`SlowWindow`]).
    pub slow: Option<SlowWindow>,
}

/// The slow window: two actions on one object of [`SlowWindow::layers`]
/// also pair when they are more than the window apart but within
/// `window_us`, as long as at most [`SlowWindow::crowd`] actions on the
/// object lie between them (the later one's rank among the object's
/// actions minus the earlier one's is at most `crowd`).
///
/// Why: an operation that carries out an order over twenty minutes meets
/// within a minute too rarely to be told from chance, and what its members
/// write or paste (a link, a line, its hashtags, an image) is theirs; a reshare is
/// one click that spreads through timelines at the pace of friends, so it
/// pairs at the window alone. Where hundreds act on an object within the
/// slow window (breaking news, a trend) being there within half an hour is
/// being in a crowd, and the rank bound keeps the pairs to a fixed number
/// per action.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlowWindow {
    /// Two actions pair when `|t1 - t2| <= window_us` (and the rank bound holds).
    pub window_us: i64,
    /// The layers it applies to.
    pub layers: LayerSet,
    /// The most ranks apart two actions may be to pair at this window.
    pub crowd: u32,
}

impl SlowWindow {
    /// The default: half an hour, on links, hashtags, texts and images, at
    /// most 100 actions apart.
    pub const DEFAULT: SlowWindow = SlowWindow {
        window_us: 1_800 * US_PER_SEC,
        layers: LayerSet(
            1 << Layer::Url as u16
                | 1 << Layer::Hashtag as u16
                | 1 << Layer::Text as u16
                | 1 << Layer::NearText as u16
                | 1 << Layer::Image as u16,
        ),
        crowd: 100,
    };
}

/// Which pairs of one object's actions are close enough: the window, and
/// the slow window where it applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    /// The window.
    pub window_us: i64,
    /// The slow window and its rank bound, where it applies.
    pub slow: Option<(i64, usize)>,
}

impl Reach {
    /// Whether two actions `gap` ranks and `dt` apart (`dt >= 0`, `gap >= 1`) pair.
    pub fn pairs(self, dt: i64, gap: usize) -> bool {
        dt <= self.window_us || self.slow.is_some_and(|(w, crowd)| dt <= w && gap <= crowd)
    }

    /// Whether no action further on can pair, once one is `gap` ranks and
    /// `dt` apart (both only grow further on).
    pub fn past(self, dt: i64, gap: usize) -> bool {
        dt > self.window_us && self.slow.is_none_or(|(w, crowd)| dt > w || gap > crowd)
    }

    /// The widest time apart that may pair.
    pub fn widest_us(self) -> i64 {
        self.slow.map_or(self.window_us, |(w, _)| w.max(self.window_us))
    }
}

impl DetectConfig {
    /// The pairing rule of actions on objects of `layer`.
    pub fn reach(&self, layer: Layer) -> Reach {
        Reach {
            window_us: self.window_us,
            slow: self
                .slow
                .filter(|s| s.layers.contains(layer) && s.window_us > self.window_us)
                .map(|s| (s.window_us, s.crowd as usize)),
        }
    }
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
            slow: None,
        }
    }
}
