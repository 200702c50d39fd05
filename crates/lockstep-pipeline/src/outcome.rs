//! What a run produced, for printing, for `summary.json` and for callers
//! that keep the tables in memory.

use crate::execution::Memory;
use crate::input::Loaded;
use crate::plan::Plan;
use crate::stages::Clock;
use crate::{Error, Observer, Stage};
use lockstep_detect::bounded::SpillStats;
use lockstep_detect::Detection;
use lockstep_graph::Network;
use lockstep_model::Dataset;
use std::path::{Path, PathBuf};

/// Everything a run computed.
pub struct Outcome {
    /// What was read.
    pub loaded: Loaded,
    /// The `near_text` layer's evidence, when it was derived.
    pub near: Option<lockstep_text::TextLayer>,
    /// Near-duplicate bios, when accounts have bios.
    pub bios: Option<lockstep_text::BioClusters>,
    /// Pairs and edges.
    pub det: Detection,
    /// The edges' significance, under the tested rule.
    pub significance: Option<lockstep_stats::Significance>,
    /// Each edge's objects weighted by rarity.
    pub idf: Vec<f64>,
    /// The thresholded network and its clusters.
    pub net: Network,
    /// Each account's timed and fast reposts.
    pub reposts: Vec<(u64, u64)>,
    /// The clusters' factory fingerprints.
    pub fingerprints: Vec<lockstep_fingerprint::ClusterFingerprint>,
    /// The clusters' talking points.
    pub talking_points: Vec<lockstep_campaign::TalkingPoint>,
    /// Each account's lead or lag in its cluster.
    pub roles: Vec<Option<lockstep_campaign::Role>>,
    /// The clusters' campaign scores.
    pub scores: Vec<lockstep_campaign::Score>,
    /// The detection's memory, when it ran out of core.
    pub out_of_core: Option<(Memory, SpillStats)>,
    /// Milliseconds per stage, in stage order.
    pub timings_ms: Vec<(String, f64)>,
    /// The files [`Outcome::write`] wrote before `summary.json`, in order,
    /// with their sizes in bytes (empty before it).
    pub outputs: Vec<(String, u64)>,
    /// The clusters' stability over other settings, when the run swept
    /// them ([`crate::sweep`]).
    pub sweep: Option<lockstep_graph::Sweep>,
}

impl Outcome {
    /// The dataset the run read.
    pub fn dataset(&self) -> &Dataset {
        &self.loaded.ingested.dataset
    }

    /// Everything the writers read.
    pub fn results<'a>(&'a self, plan: &Plan) -> lockstep_report::Results<'a> {
        lockstep_report::Results {
            formula_guard: !plan.options.raw_csv,
            all_pairs: plan.all_pairs(),
            all_edges: plan.all_edges(),
            compress_pairs: plan.options.compress_pairs,
            tables: plan.options.output_format,
            fast_reposts: Some(&self.reposts),
            near_text: self.near.as_ref(),
            bios: self.bios.as_ref(),
            significance: self.significance.as_ref(),
            fingerprints: Some(&self.fingerprints),
            idf: Some(&self.idf),
            talking_points: Some(&self.talking_points),
            scores: Some(&self.scores),
            roles: Some(&self.roles),
            sweep: self.sweep.as_ref(),
            ..lockstep_report::Results::new(self.dataset(), &self.det, &self.net)
        }
    }

    /// Writes the run folder's files into `dir` (a staged folder's: see
    /// [`crate::run`] and [`Outcome::save`]), `summary.json` last; adds
    /// the writing's time to the timings.
    pub fn write(
        &mut self,
        dir: &Path,
        plan: &Plan,
        observer: &dyn Observer,
    ) -> Result<Vec<PathBuf>, Error> {
        let mut clock = Clock::new(observer, std::mem::take(&mut self.timings_ms));
        clock.start(Stage::Writing);
        let written = lockstep_report::write_tables(dir, &self.results(plan));
        clock.stop();
        observer.end();
        self.timings_ms = clock.timings_ms;
        let mut written = written?;
        self.outputs = written
            .iter()
            .map(|p| {
                let size = std::fs::metadata(p).map_err(|source| {
                    lockstep_report::ReportError::Io { path: p.clone(), source }
                })?;
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
                Ok((name.unwrap_or_default(), size.len()))
            })
            .collect::<Result<Vec<_>, lockstep_report::ReportError>>()?;
        written.push(lockstep_report::write_summary(dir, &self.results(plan), &self.info(plan))?);
        Ok(written)
    }

    /// What `summary.json` says of the run besides its results.
    fn info(&self, plan: &Plan) -> lockstep_report::RunInfo<'_> {
        let ingested = &self.loaded.ingested;
        lockstep_report::RunInfo {
            parameters: plan.parameters_json(&self.loaded),
            files: &ingested.files,
            skips: &ingested.skips,
            timings_ms: self.timings_ms.clone(),
            execution: self.out_of_core.as_ref().map(|(m, s)| m.json(s)),
            outputs: self.outputs.clone(),
        }
    }

    /// `summary.json`'s contents (`outputs` empty before [`Outcome::write`]).
    pub fn summary_json(&self, plan: &Plan) -> serde_json::Value {
        lockstep_report::summary_json(&self.results(plan), &self.info(plan))
    }

    /// Writes the run folder `out` whole: beside it, then renamed into
    /// place.
    pub fn save(
        &mut self,
        out: &Path,
        plan: &Plan,
        observer: &dyn Observer,
    ) -> Result<Vec<PathBuf>, Error> {
        let folder = lockstep_report::RunFolder::begin(out)?;
        let written = self.write(folder.dir(), plan, observer)?;
        folder.commit()?;
        Ok(written)
    }
}
