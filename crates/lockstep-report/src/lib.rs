//! Writes a run's results: the evidence and the graph as CSV, GEXF and
//! GraphML, and `summary.json`. Every file is a pure function of the run,
//! except the timings in `summary.json`.
#![warn(missing_docs)]

mod columnar;
pub mod folder;
pub mod frame;
mod graphs;
pub mod read;
pub mod seekable;
mod summary;
mod tables;
mod xml;

pub use columnar::read as read_parquet;
pub use folder::{check_run_folder, RunFolder};
pub use frame::Frame;
pub use read::Table;
pub use summary::{summary_json, RunInfo};
pub use tables::{source, sources, unguard, Source, SCHEMAS};

use lockstep_detect::Detection;
use lockstep_graph::Network;
use lockstep_model::Dataset;
use rayon::prelude::*;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Why an output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Writing failed.
    #[error("cannot write `{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file of a run folder is not what `lockstep detect` writes.
    #[error("`{}`: {message}; is it the folder of a `lockstep detect` run?", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A run folder written by a newer lockstep, in a layout this one does
    /// not know.
    #[error("`{}` was written by lockstep {written_by} in run folder layout {version}; this lockstep reads layout {RUN_FOLDER_VERSION} and older: use that version or newer", path.display())]
    NewerRunFolder {
        /// The folder.
        path: PathBuf,
        /// Its layout.
        version: u64,
        /// The lockstep that wrote it.
        written_by: String,
    },
    /// A folder without a complete run where one is read or replaced.
    #[error("`{}` is not a lockstep run folder: it has no `summary.json` (written last, so a run that was interrupted has none); `detect --out` takes a new or empty folder or a previous run's", path.display())]
    NotARunFolder {
        /// The folder.
        path: PathBuf,
    },
}

/// Everything the writers read.
pub struct Results<'a> {
    /// The dataset.
    pub ds: &'a Dataset,
    /// The detection.
    pub det: &'a Detection,
    /// The thresholded network.
    pub net: &'a Network,
    /// Prefix CSV cells of input text that a spreadsheet would run as a
    /// formula with `'` (see `docs/outputs.md`).
    pub formula_guard: bool,
    /// The `near_text` layer's evidence, when it was derived.
    pub near_text: Option<&'a lockstep_text::TextLayer>,
    /// Near-duplicate bios, when accounts have bios.
    pub bios: Option<&'a lockstep_text::BioClusters>,
    /// The edges' significance, when it was computed (`--fdr`).
    pub significance: Option<&'a lockstep_stats::Significance>,
    /// The clusters' campaign scores, when computed.
    pub scores: Option<&'a [lockstep_campaign::Score]>,
    /// The clusters' talking points, when computed.
    pub talking_points: Option<&'a [lockstep_campaign::TalkingPoint]>,
    /// Each account's lead or lag in its cluster, by account id.
    pub roles: Option<&'a [Option<lockstep_campaign::Role>]>,
    /// Each edge's objects weighted by rarity (IDF), when computed.
    pub idf: Option<&'a [f64]>,
    /// The clusters' stability over other settings, when the run swept
    /// them (`lockstep sweep`).
    pub sweep: Option<&'a lockstep_graph::Sweep>,
    /// The clusters' factory fingerprints, when computed.
    pub fingerprints: Option<&'a [lockstep_fingerprint::ClusterFingerprint]>,
    /// Write every pair to pairs.csv; otherwise only the pairs of the
    /// edges over the threshold (the evidence of the findings).
    pub all_pairs: bool,
    /// Each account's timed and fast reposts
    /// ([`lockstep_fingerprint::fast_reposts`]), when computed.
    pub fast_reposts: Option<&'a [(u64, u64)]>,
    /// Write every edge to edges.csv; otherwise only the edges between
    /// accounts in clusters (over the threshold or not: what a cluster's
    /// view counts).
    pub all_edges: bool,
    /// Write pairs.csv compressed, as `pairs.csv.zst` ([`seekable`]).
    pub compress_pairs: bool,
    /// The formats the tables are written in.
    pub tables: TableFormat,
}

/// The file formats a run writes its tables in (the graphs and
/// `summary.json` have their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TableFormat {
    /// CSV, for spreadsheets and every tool.
    #[default]
    Csv,
    /// Parquet, typed ([`columnar`]'s types), for R, DuckDB, Spark and
    /// DataFrames.
    Parquet,
    /// Both, side by side.
    Both,
}

impl TableFormat {
    /// Its name (`--output-format`, `summary.json`).
    pub fn name(self) -> &'static str {
        match self {
            TableFormat::Csv => "csv",
            TableFormat::Parquet => "parquet",
            TableFormat::Both => "both",
        }
    }

    /// Whether the tables are written as CSV.
    pub fn csv(self) -> bool {
        self != TableFormat::Parquet
    }

    /// Whether the tables are written as Parquet.
    pub fn parquet(self) -> bool {
        self != TableFormat::Csv
    }
}

impl<'a> Results<'a> {
    /// The run folder layout these results are written in.
    pub fn run_folder_version(&self) -> u32 {
        if !self.tables.csv() {
            3
        } else if self.compress_pairs {
            2
        } else {
            1
        }
    }

    /// The detection and its network alone: formula guard on, no optional
    /// part (set those with struct update syntax).
    pub fn new(ds: &'a Dataset, det: &'a Detection, net: &'a Network) -> Self {
        Results {
            ds,
            det,
            net,
            formula_guard: true,
            near_text: None,
            bios: None,
            significance: None,
            fingerprints: None,
            idf: None,
            sweep: None,
            talking_points: None,
            roles: None,
            scores: None,
            all_pairs: true,
            all_edges: true,
            compress_pairs: false,
            tables: TableFormat::Csv,
            fast_reposts: None,
        }
    }
}

/// The run's summary: parameters, inputs, counts and timings.
pub const SUMMARY_JSON: &str = "summary.json";

/// The layout of the run folder (files and columns), in `summary.json`:
/// raised when a file or column changes meaning or goes, so that a reader
/// refuses a folder written by a newer lockstep instead of misreading it.
/// A run from before the field counts as version 1. Version 2 has
/// `pairs.csv.zst` in place of `pairs.csv`. Version 3 has the tables as
/// Parquet only (`--output-format parquet`). A run writes the oldest
/// version its files fit ([`Results::run_folder_version`]), so that an
/// older lockstep reads every folder it can.
pub const RUN_FOLDER_VERSION: u32 = 3;

/// The files [`write_tables`] and [`write_summary`] always write (the CLI
/// always gives fingerprints), in order; `bio_clusters.csv` and
/// `near_text_pairs.csv` come before `summary.json` when they apply, and
/// `pairs.csv.zst` replaces `pairs.csv` when it is compressed.
pub const OUTPUT_FILES: [&str; 11] = [
    files::pairs::FILE,
    files::edges::FILE,
    files::accounts::FILE,
    files::clusters::FILE,
    files::network::GEXF,
    files::network::GRAPHML,
    files::campaigns::FILE,
    files::campaign_signals::FILE,
    files::talking_points::FILE,
    files::cluster_fingerprints::FILE,
    SUMMARY_JSON,
];

/// The files of a run folder and their columns, each defined next to its
/// writer: `files::pairs::FILE`, `files::pairs::ACCOUNT_A`, ... Readers
/// name files and columns through these.
pub mod files {
    pub use crate::folder::{REPORT_HTML, STIX_BUNDLE};
    pub use crate::graphs::network;
    pub use crate::tables::{
        accounts, bio_clusters, campaign_signals, campaigns, cluster_fingerprints, clusters, edges,
        near_text_pairs, pairs, stability, sweep, talking_points,
    };
    pub use crate::SUMMARY_JSON;
}

/// Writes one output to a stream.
type Writer<'a> = &'a (dyn Fn(&mut dyn Write) -> std::io::Result<()> + Sync);

fn write_file(dir: &Path, name: &str, f: Writer<'_>) -> Result<PathBuf, ReportError> {
    let path = dir.join(name);
    let res = File::create(&path).and_then(|fh| {
        let mut w = BufWriter::with_capacity(1 << 20, fh);
        if name == files::pairs::COMPRESSED {
            let mut z = seekable::Writer::new(w);
            f(&mut z)?;
            w = z.finish()?;
        } else {
            f(&mut w)?;
        }
        w.flush()
    });
    res.map_err(|source| ReportError::Io { path: path.clone(), source })?;
    Ok(path)
}

/// Writes the tables and graphs (every output but `summary.json`) into
/// `dir`, created if missing; returns the paths.
pub fn write_tables(dir: &Path, r: &Results<'_>) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(dir)
        .map_err(|source| ReportError::Io { path: dir.to_path_buf(), source })?;
    type Boxed<'a> = Box<dyn Fn(&Path) -> Result<PathBuf, ReportError> + Sync + 'a>;
    let sources = tables::sources(r);
    let gexf = |w: &mut dyn Write| graphs::gexf(w, r);
    let graphml = |w: &mut dyn Write| graphs::graphml(w, r);
    let graphs: [(&str, Writer<'_>); 2] =
        [(files::network::GEXF, &gexf), (files::network::GRAPHML, &graphml)];
    let mut writers: Vec<Boxed<'_>> = Vec::new();
    for source in &sources {
        if r.tables.csv() {
            let name = match source.schema.name {
                files::pairs::NAME if r.compress_pairs => files::pairs::COMPRESSED,
                _ => source.schema.file,
            };
            writers.push(Box::new(move |dir| {
                write_file(dir, name, &|w| source.write_csv(w, r.formula_guard))
            }));
        }
        if r.tables.parquet() {
            writers.push(Box::new(move |dir| {
                let path = dir.join(source.schema.parquet);
                columnar::write(&path, source)?;
                Ok(path)
            }));
        }
        // The graphs follow the four tables every run has.
        if source.schema.name == files::clusters::NAME {
            for (name, f) in graphs {
                writers.push(Box::new(move |dir| write_file(dir, name, f)));
            }
        }
    }
    // The files are independent: written at once (the largest tables
    // build their rows on all cores as well), listed in this order.
    let written: Vec<Result<PathBuf, ReportError>> = writers.par_iter().map(|f| f(dir)).collect();
    let written: Vec<PathBuf> = written.into_iter().collect::<Result<_, _>>()?;
    Ok(written)
}

/// Writes `summary.json` into `dir` (last, so that it can carry the
/// timings of the other stages).
pub fn write_summary(
    dir: &Path,
    r: &Results<'_>,
    run: &RunInfo<'_>,
) -> Result<PathBuf, ReportError> {
    write_file(dir, SUMMARY_JSON, &|w| {
        serde_json::to_writer_pretty(&mut *w, &summary_json(r, run))?;
        w.write_all(b"\n")
    })
}
