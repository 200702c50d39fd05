//! What a run computes: the user's options, checked and turned into the
//! configuration of every stage, with the defaults that depend on the
//! semantics worked out here once.

use crate::input::{self, InputOptions, Inputs};
use crate::{Engine, Error};
use lockstep_detect::{DetectConfig, Semantics, SlowWindow};
use lockstep_graph::{ClusterMethod, ThresholdConfig};
use lockstep_ingest::IngestConfig;
use lockstep_model::{Layer, LayerSet};
use lockstep_text::NearTextConfig;
use serde_json::json;

/// The defaults of [`Options`], for front ends that show them (the CLI's
/// `--help`).
pub mod defaults {
    /// `--window`, in seconds.
    pub const WINDOW_S: f64 = 60.0;
    /// `--slow-layers`: the layers where a slow window applies.
    pub const SLOW_LAYERS: &str = "url,hashtag,text,near_text,image";
    /// `--min-participation`.
    pub const MIN_PARTICIPATION: u32 = 2;
    /// `--text-similarity`.
    pub const TEXT_SIMILARITY: f64 = 0.8;
    /// `--min-text-tokens`.
    pub const MIN_TEXT_TOKENS: usize = 5;
    /// `--split-above`.
    pub const SPLIT_ABOVE: usize = 500;
    /// `--resolution`.
    pub const RESOLUTION: f64 = 1.0;
    /// The tested rule's false discovery rate unless `--fdr` says otherwise.
    pub const FDR: f64 = 0.01;
}

/// How `near_text` is derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NearTextMode {
    /// Clusters of near-duplicate texts (MinHash, banded LSH, verified).
    #[default]
    Lsh,
    /// The QUT toolkit's co_similar_tweet: similar posts, pair by pair.
    Qut,
}

impl NearTextMode {
    /// The name in flags and `summary.json`.
    pub fn name(self) -> &'static str {
        match self {
            NearTextMode::Lsh => "lsh",
            NearTextMode::Qut => "qut",
        }
    }
}

/// Which pairs of a near-duplicate cluster count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NearTextPairs {
    /// A pair's own texts must reach the similarity too.
    #[default]
    Similar,
    /// Every pair of a cluster.
    Cluster,
}

impl NearTextPairs {
    /// The name in flags and `summary.json`.
    pub fn name(self) -> &'static str {
        match self {
            NearTextPairs::Similar => "similar",
            NearTextPairs::Cluster => "cluster",
        }
    }
}

/// The rule an edge must pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Counts over a weight threshold.
    Naive,
    /// Counts that chance would not give (significance, FDR).
    Tested,
}

/// How the coordinated network is cut into clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clusters {
    /// Leiden communities.
    Leiden,
    /// Connected components.
    Components,
    /// Components, the large ones cut into Leiden communities.
    Split,
}

/// Everything a user can ask of a run, as they ask it (seconds, names),
/// with the CLI's defaults. [`Plan::new`] checks it.
#[derive(Debug, Clone)]
pub struct Options {
    /// What to read, and how.
    pub input: InputOptions,
    /// The co-action window, in seconds.
    pub window_s: f64,
    /// The slow window, in seconds (0: off; `None`: the default where the
    /// tested rule runs).
    pub slow_window_s: Option<f64>,
    /// The layers a slow window applies to, by name.
    pub slow_layers: Vec<String>,
    /// The window of `fast` pairs, in seconds.
    pub fast_window_s: Option<f64>,
    /// The distinct objects an account's pairs must cover.
    pub min_participation: u32,
    /// The quantile of edge weights an edge must pass (`None`: the
    /// semantics' default).
    pub edge_weight: Option<f64>,
    /// The weight an edge must reach (`None`: the semantics' default).
    pub min_weight: Option<u64>,
    /// The Jaccard similarity of near-duplicate texts and bios.
    pub text_similarity: f64,
    /// The distinct words a text needs to be compared.
    pub min_text_tokens: usize,
    /// How `near_text` is derived.
    pub near_text_mode: NearTextMode,
    /// Which pairs of a near-duplicate cluster count.
    pub near_text_pairs: NearTextPairs,
    /// Emoji are not words.
    pub drop_emoji: bool,
    /// The rule edges must pass (`None`: the semantics' default).
    pub rule: Option<Rule>,
    /// The tested rule's false discovery rate.
    pub fdr: Option<f64>,
    /// The IDF-weighted weight edges must reach.
    pub min_idf: Option<f64>,
    /// How clusters are cut (`None`: the semantics' default).
    pub clusters: Option<Clusters>,
    /// Components larger than this are cut into communities (`Split`).
    pub split_above: usize,
    /// Leiden's resolution.
    pub resolution: f64,
    /// lockstep's rules or CooRTweet's.
    pub semantics: Semantics,
    /// Keep same-account, same-content and self-referencing pairs.
    pub keep_loops: bool,
    /// Drop exact duplicate actions.
    pub dedup: bool,
    /// Where the window stage runs.
    pub engine: Engine,
    /// No formula guard in the CSV outputs.
    pub raw_csv: bool,
    /// pairs.csv holds every pair.
    pub all_pairs: bool,
    /// edges.csv holds every edge.
    pub all_edges: bool,
    /// pairs.csv is written compressed, as pairs.csv.zst.
    pub compress_pairs: bool,
    /// The formats the tables are written in.
    pub output_format: lockstep_report::TableFormat,
}

impl Options {
    /// The defaults, reading `paths`.
    pub fn new(paths: Vec<std::path::PathBuf>) -> Options {
        Options {
            input: InputOptions::new(paths),
            window_s: defaults::WINDOW_S,
            slow_window_s: None,
            slow_layers: defaults::SLOW_LAYERS.split(',').map(String::from).collect(),
            fast_window_s: None,
            min_participation: defaults::MIN_PARTICIPATION,
            edge_weight: None,
            min_weight: None,
            text_similarity: defaults::TEXT_SIMILARITY,
            min_text_tokens: defaults::MIN_TEXT_TOKENS,
            near_text_mode: NearTextMode::default(),
            near_text_pairs: NearTextPairs::default(),
            drop_emoji: false,
            rule: None,
            fdr: None,
            min_idf: None,
            clusters: None,
            split_above: defaults::SPLIT_ABOVE,
            resolution: defaults::RESOLUTION,
            semantics: Semantics::Lockstep,
            keep_loops: false,
            dedup: false,
            engine: Engine::Native,
            raw_csv: false,
            all_pairs: false,
            all_edges: false,
            compress_pairs: false,
            output_format: lockstep_report::TableFormat::Csv,
        }
    }
}

/// The validated plan of a run: each stage's configuration.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The options it was made from, for the record.
    pub options: Options,
    /// The inputs: files, or one dataset folder.
    pub inputs: Inputs,
    /// How the inputs are read.
    pub ingest: IngestConfig,
    /// Similarity rules for texts and bios.
    pub text: NearTextConfig,
    /// The layers the user selected (`None`: every layer the input has).
    pub layers: Option<LayerSet>,
    /// The `near_text` layer's parameters, when it is selected.
    pub near_text: Option<NearTextConfig>,
    /// The false discovery rate edges must pass, when significance is on.
    pub fdr: Option<f64>,
    /// The pairing rules.
    pub detect: DetectConfig,
    /// The weight threshold and the clustering.
    pub threshold: ThresholdConfig,
}

/// `seconds` as whole microseconds, refused when negative or not a number.
pub fn seconds_to_us(option: &str, s: f64) -> Result<i64, Error> {
    if !s.is_finite() || s < 0.0 {
        return Err(Error::Plan(format!(
            "`{option}` must be a non-negative number of seconds, got `{s}`"
        )));
    }
    Ok((s * 1e6).round() as i64)
}

fn refuse<T>(message: String) -> Result<T, Error> {
    Err(Error::Plan(message))
}

impl Plan {
    /// Checks the options and works out what they leave to the semantics.
    pub fn new(o: Options) -> Result<Plan, Error> {
        let inputs = input::resolve(&o.input, true)?;
        let mut ingest = input::ingest_config(&o.input)?;
        let layers = input::selected_layers(&o.input)?;
        if !(0.0..=1.0).contains(&o.text_similarity) || o.text_similarity == 0.0 {
            return refuse(format!(
                "`--text-similarity` must be over 0 and at most 1, got `{}`",
                o.text_similarity
            ));
        }
        let text = NearTextConfig {
            threshold: o.text_similarity,
            min_tokens: o.min_text_tokens,
            emoji: !o.drop_emoji,
            seed: 1,
        };
        let near_text = layers.filter(|l| l.contains(Layer::NearText)).map(|_| text);
        if !(o.resolution.is_finite() && o.resolution > 0.0) {
            return refuse(format!(
                "`--resolution` must be a positive number, got `{}`",
                o.resolution
            ));
        }
        if let Some(q) = o.fdr {
            if !(q > 0.0 && q <= 1.0) {
                return refuse(format!("`--fdr` must be over 0 and at most 1, got `{q}`"));
            }
        }
        if let (Some(Rule::Naive), Some(q)) = (o.rule, o.fdr) {
            return refuse(format!(
                "`--fdr {q}` is the tested rule's rate: drop it, or `--rule naive`"
            ));
        }
        if let Some(w) = o.min_idf {
            if !(w.is_finite() && w >= 0.0) {
                return refuse(format!("`--min-idf` must be a non-negative number, got `{w}`"));
            }
        }
        if near_text.is_some() && o.near_text_mode == NearTextMode::Qut {
            // Every post's own text, whatever layers give it actions.
            ingest.keep_text = true;
            ingest.layers = None;
        }
        let semantics = o.semantics;
        let window_us = seconds_to_us("--window", o.window_s)?;
        let fast_window_us =
            o.fast_window_s.map(|f| seconds_to_us("--fast-window", f)).transpose()?;
        if fast_window_us.is_some_and(|f| f > window_us) {
            return refuse(format!(
                "`--fast-window` ({}) must not exceed `--window` ({})",
                o.fast_window_s.unwrap_or_default(),
                o.window_s
            ));
        }
        // The tested rule is the default with lockstep semantics; CooRTweet's
        // semantics keep CooRTweet's rule unless a test is asked for.
        let fdr = match (o.rule, semantics) {
            (Some(Rule::Naive), _) => None,
            (Some(Rule::Tested), _) | (None, Semantics::Lockstep) => {
                Some(o.fdr.unwrap_or(defaults::FDR))
            }
            (None, Semantics::CooRTweet) => o.fdr,
        };
        let on_plan = matches!(o.engine, Engine::Plan(_));
        let slow = match o.slow_window_s {
            Some(s) => Some(seconds_to_us("--slow-window", s)?).filter(|&w| w > 0),
            // A window as wide as the default slow window already covers it.
            None if fdr.is_some()
                && semantics == Semantics::Lockstep
                && !on_plan
                && window_us < SlowWindow::DEFAULT.window_us =>
            {
                Some(SlowWindow::DEFAULT.window_us)
            }
            None => None,
        };
        if let (Some(_), Engine::Plan(engine)) = (slow, &o.engine) {
            return refuse(format!(
                "`--engine {}` pairs at one window: leave out `--slow-window`",
                engine.name()
            ));
        }
        if let (Some(w), Semantics::CooRTweet) = (slow, semantics) {
            return refuse(format!(
                "`--slow-window {}` is not CooRTweet's rule: leave it out, or `--semantics lockstep`",
                w as f64 / 1e6
            ));
        }
        if slow.is_some_and(|w| w <= window_us) {
            return refuse(format!(
                "`--slow-window` ({}) must exceed `--window` ({}), or be 0 (off)",
                o.slow_window_s.unwrap_or_default(),
                o.window_s
            ));
        }
        let slow_layers = LayerSet::parse_names(&o.slow_layers)
            .map_err(|e| Error::Plan(format!("`--slow-layers`: {e}")))?;
        let slow = slow.map(|window_us| SlowWindow {
            window_us,
            layers: slow_layers,
            crowd: SlowWindow::DEFAULT.crowd,
        });
        let (default_q, default_min) = match semantics {
            Semantics::CooRTweet => (Some(0.5), 1),
            Semantics::Lockstep => (None, 2),
        };
        let quantile = o.edge_weight.or(default_q);
        if let Some(q) = quantile {
            if !(0.0..=1.0).contains(&q) {
                return refuse(format!("`--edge-weight` must be between 0 and 1, got `{q}`"));
            }
        }
        let clusters = o.clusters.unwrap_or(match semantics {
            Semantics::Lockstep => Clusters::Split,
            Semantics::CooRTweet => Clusters::Components,
        });
        let detect = DetectConfig {
            window_us,
            fast_window_us,
            min_participation: o.min_participation,
            semantics,
            keep_loops: o.keep_loops,
            dedup: o.dedup,
            slow,
        };
        let threshold = ThresholdConfig {
            quantile,
            min_weight: o.min_weight.unwrap_or(default_min),
            clusters: match clusters {
                Clusters::Leiden => ClusterMethod::Leiden { resolution: o.resolution, seed: 1 },
                Clusters::Components => ClusterMethod::Components,
                Clusters::Split => {
                    ClusterMethod::Split { above: o.split_above, resolution: o.resolution, seed: 1 }
                }
            },
        };
        Ok(Plan { inputs, ingest, text, layers, near_text, fdr, detect, threshold, options: o })
    }

    /// The IDF-weighted weight edges must reach.
    pub fn min_idf(&self) -> Option<f64> {
        self.options.min_idf
    }

    /// Whether pairs.csv holds every pair, or the coordinated edges' only.
    pub fn all_pairs(&self) -> bool {
        self.options.all_pairs || self.detect.semantics == Semantics::CooRTweet
    }

    /// Whether edges.csv holds every edge, or those between flagged
    /// accounts only.
    pub fn all_edges(&self) -> bool {
        self.options.all_edges || self.detect.semantics == Semantics::CooRTweet
    }

    /// The rule edges pass, by name.
    pub fn rule_name(&self) -> &'static str {
        match (self.fdr, self.detect.semantics) {
            (Some(_), _) => "tested",
            (None, Semantics::CooRTweet) => "coortweet",
            (None, Semantics::Lockstep) => "naive",
        }
    }

    /// Every parameter as the user would write it, and the dataset read,
    /// for `summary.json`.
    pub fn parameters_json(&self, loaded: &input::Loaded) -> serde_json::Value {
        let o = &self.options;
        let mut params = input::parameters(&o.input, &self.ingest);
        let dataset = loaded.dataset.as_ref().map(|(dir, m)| {
            json!({
                "path": dir.display().to_string(),
                "lockstep_version": m.lockstep_version,
                "ingest": m.ingest,
                "tables": m.tables,
            })
        });
        params["dataset"] = json!(dataset);
        let detect = json!({
            "window_s": o.window_s,
            "fast_window_s": o.fast_window_s,
            "slow_window_s": self.detect.slow.map(|s| s.window_us as f64 / 1e6),
            "slow_layers": self.detect.slow.map(|s| s.layers.join(",")),
            "slow_crowd": self.detect.slow.map(|s| s.crowd),
            "min_participation": self.detect.min_participation,
            "edge_weight_quantile": self.threshold.quantile,
            "min_weight": self.threshold.min_weight,
            "semantics": self.detect.semantics.name(),
            "keep_loops": self.detect.keep_loops,
            "dedup": self.detect.dedup,
            "raw_csv": o.raw_csv,
            "all_pairs": self.all_pairs(),
            "all_edges": self.all_edges(),
            "text_similarity": o.text_similarity,
            "min_text_tokens": o.min_text_tokens,
            "drop_emoji": o.drop_emoji,
            "near_text_mode": o.near_text_mode.name(),
            "near_text_pairs": o.near_text_pairs.name(),
            "rule": self.rule_name(),
            "fdr": self.fdr,
            "min_idf": o.min_idf,
            "clusters": match self.threshold.clusters {
                ClusterMethod::Components => "components",
                ClusterMethod::Leiden { .. } => "leiden",
                ClusterMethod::Split { .. } => "split",
            },
            "split_above": o.split_above,
            "resolution": o.resolution,
        });
        for (k, v) in detect.as_object().expect("an object") {
            params[k] = v.clone();
        }
        // Named only when not native, so that native runs keep their bytes.
        if let Engine::Plan(engine) = &o.engine {
            params["engine"] = json!(engine.name());
        }
        // Likewise only when not CSV.
        if o.output_format != lockstep_report::TableFormat::Csv {
            params["output_format"] = json!(o.output_format.name());
        }
        params
    }
}
