//! Input formats for lockstep: each format sniffs its input, checks its
//! schema, and streams records into a [`lockstep_model::DatasetBuilder`].
//!
//! One format is one file in `formats/` implementing [`Format`]; the
//! [`registry`] lists them in sniffing order. Readers take a [`Source`], not
//! a path, so tests run on bytes in memory.
//!
//! ```
//! use lockstep_ingest::{ingest, IngestConfig, MemorySource, Source};
//! let csv = "object_id,account_id,content_id,timestamp_share\no1,a,c1,10\no1,b,c2,20\n";
//! let src: Box<dyn Source> = Box::new(MemorySource::new("mem.csv", csv));
//! let out = ingest(&[src], &IngestConfig::default(), &|_| {}).unwrap();
//! assert_eq!(out.dataset.actions.len(), 2);
//! assert_eq!(out.files[0].format, "shares-csv");
//! ```
#![warn(missing_docs)]

mod error;
pub mod formats;
mod lists;
mod mapping;
mod source;
pub mod table;
pub mod text;
pub mod timestamp;

pub use error::IngestError;
pub use lockstep_model::{FileReport, Ingested, SkipExample, SkipLog};
pub use mapping::{ColumnMap, Role};
pub use source::{expand_inputs, FileSource, MemorySource, Source, StdinSource};

use lockstep_model::{DatasetBuilder, Layer, LayerSet};
use std::io::{BufRead, BufReader, Read};

/// How to read the inputs.
#[derive(Debug, Clone, Default)]
pub struct IngestConfig {
    /// A format name from [`registry`], or `None` to sniff each input.
    pub format: Option<String>,
    /// Column roles for CSV formats; `None` means the format's defaults.
    pub map: Option<ColumnMap>,
    /// Only keep actions on these layers; `None` keeps every layer.
    pub layers: Option<LayerSet>,
    /// Fail on the first bad record instead of counting it.
    pub strict: bool,
    /// Keep each post's own text as written ([`Dataset::content_text`]),
    /// for rules and evidence that need the words rather than the
    /// normalised `text` object.
    pub keep_text: bool,
    /// Keep times as the input states them, even where the post id
    /// carries a finer one that agrees ([`ReadCtx::refine_by_id`]).
    pub stated_times: bool,
    /// The Mastodon server whose API served the inputs (its ids are that
    /// server's), when no status of its own accounts says so.
    pub served_by: Option<String>,
    /// Where the ids read go while they are encoded, when they take more
    /// than a share of memory: see [`lockstep_model::RawSpill`]. Results do
    /// not depend on it.
    pub spill: Option<lockstep_model::RawSpill>,
}

/// What a format reader works with: where its actions go, and where its
/// skips are counted.
pub struct ReadCtx<'a> {
    /// The dataset under construction (shared by all inputs of a run).
    pub builder: &'a mut DatasetBuilder,
    /// The input's report.
    pub report: &'a mut FileReport,
    /// Skipped records, with the first examples.
    pub skips: &'a mut SkipLog,
    /// The run's configuration.
    pub config: &'a IngestConfig,
    /// Called with the number of records read so far, now and then.
    pub progress: &'a (dyn Fn(u64) + Sync),
    /// Objects seen on layers that were not selected, by layer index;
    /// `ingest` adds them to the report when the input is read.
    pub unselected: [u64; Layer::ALL.len()],
    /// Empty object cells, by layer index (no action on that layer, not an
    /// error); `ingest` adds them to the report when the input is read.
    pub empty: [u64; Layer::ALL.len()],
    /// Content ids already read in this run, for formats whose inputs
    /// repeat posts (API pages overlap, threads repeat their posts): shared
    /// by all inputs, so a post saved twice is read once.
    pub seen: &'a mut std::collections::HashSet<String>,
}

/// What reading one input, or one chunk of it, fills, owned: the parts a
/// [`ReadCtx`] borrows.
pub(crate) struct Reading {
    pub(crate) builder: DatasetBuilder,
    pub(crate) report: FileReport,
    pub(crate) skips: SkipLog,
    pub(crate) seen: std::collections::HashSet<String>,
}

impl Reading {
    /// Nothing read yet of input `path`, in `format`.
    pub(crate) fn new(path: &str, format: &str) -> Reading {
        Reading {
            builder: DatasetBuilder::default(),
            report: FileReport::new(path, format),
            skips: SkipLog::default(),
            seen: Default::default(),
        }
    }

    /// A context that fills this, with no progress reports.
    pub(crate) fn ctx<'a>(&'a mut self, config: &'a IngestConfig) -> ReadCtx<'a> {
        ReadCtx {
            builder: &mut self.builder,
            report: &mut self.report,
            skips: &mut self.skips,
            config,
            progress: &|_| {},
            unselected: [0; Layer::ALL.len()],
            empty: [0; Layer::ALL.len()],
            seen: &mut self.seen,
        }
    }
}

/// What one chunk of an input, read on a thread of its own, gave: added to
/// the input's context in input order ([`ChunkRead::append_to`]), it is
/// what one thread reading on would have given.
pub(crate) struct ChunkRead {
    read: Reading,
    unselected: [u64; Layer::ALL.len()],
    empty: [u64; Layer::ALL.len()],
    /// The first error (strict mode), with its line in the chunk.
    error: Option<IngestError>,
}

impl ChunkRead {
    /// Reads a chunk of input `path` (in `format`) with `read` into a
    /// reading of its own.
    pub(crate) fn of(
        path: &str,
        format: &str,
        config: &IngestConfig,
        read: impl FnOnce(&mut ReadCtx<'_>) -> Result<(), IngestError>,
    ) -> ChunkRead {
        let mut reading = Reading::new(path, format);
        let mut ctx = reading.ctx(config);
        let error = read(&mut ctx).err();
        let (unselected, empty) = (ctx.unselected, ctx.empty);
        ChunkRead { read: reading, unselected, empty, error }
    }

    /// Adds what the chunk read to `ctx`, its lines offset by the line ends
    /// before it; its error, if it had one.
    pub(crate) fn append_to(
        self,
        ctx: &mut ReadCtx<'_>,
        lines_before: u64,
    ) -> Result<(), IngestError> {
        ctx.builder.append(self.read.builder);
        ctx.report.absorb(self.read.report);
        let mut skips = self.read.skips;
        for e in &mut skips.examples {
            e.line += lines_before;
        }
        ctx.skips.append(skips);
        for (to, from) in ctx.unselected.iter_mut().zip(self.unselected) {
            *to += from;
        }
        for (to, from) in ctx.empty.iter_mut().zip(self.empty) {
            *to += from;
        }
        match self.error {
            Some(IngestError::BadRecord { file, line, field, message }) => {
                Err(IngestError::BadRecord { file, line: line + lines_before, field, message })
            }
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl ReadCtx<'_> {
    /// The time of a post whose input states `stated_us` to `precision_us`
    /// (60 s for an IO archive's `tweet_time`, 1 s for the X APIs'
    /// `created_at`) and whose id carries `from_id_us`: the id's time where
    /// it falls within the stated precision (counted as refined), else the
    /// stated time (counted as disagreeing). Without an id time, or with
    /// [`IngestConfig::stated_times`], the stated time.
    pub fn refine_by_id(
        &mut self,
        stated_us: i64,
        precision_us: i64,
        from_id_us: Option<i64>,
    ) -> i64 {
        let Some(id_us) = from_id_us.filter(|_| !self.config.stated_times) else {
            return stated_us;
        };
        if (stated_us..stated_us + precision_us).contains(&id_us) {
            self.report.times_from_ids += 1;
            id_us
        } else {
            self.report.times_not_ids += 1;
            stated_us
        }
    }

    /// Counts a bad record; in strict mode returns it as an error instead.
    pub fn skip(
        &mut self,
        line: u64,
        field: &str,
        reason: &str,
        detail: String,
    ) -> Result<(), IngestError> {
        if self.config.strict {
            return Err(IngestError::BadRecord {
                file: self.report.path.clone(),
                line,
                field: field.to_string(),
                message: if detail.is_empty() {
                    reason.to_string()
                } else {
                    format!("{reason}: {detail}")
                },
            });
        }
        self.unused(line, field, reason, detail);
        Ok(())
    }

    /// Counts a record that is well-formed but gives no action (not an error,
    /// even in strict mode).
    pub fn unused(&mut self, line: u64, field: &str, reason: &str, detail: String) {
        self.skips.record(&self.report.path, line, field, reason, detail);
        lockstep_model::count(&mut self.report.skipped, reason, 1);
    }

    /// Whether actions on `layer` are wanted.
    pub fn wants(&self, layer: lockstep_model::Layer) -> bool {
        self.config.layers.is_none_or(|s| s.contains(layer))
    }
}

/// One input format.
pub trait Format: Sync {
    /// The name used by `--format`.
    fn name(&self) -> &'static str;
    /// One line for `--help` and the docs.
    fn description(&self) -> &'static str;
    /// A minimal example of the input, for `lockstep formats`.
    fn example(&self) -> &'static str;
    /// Whether the first bytes (decompressed) look like this format.
    fn sniff(&self, head: &[u8]) -> bool;
    /// Reads every record of `input` into `ctx`.
    fn read(&self, input: &mut dyn BufRead, ctx: &mut ReadCtx<'_>) -> Result<(), IngestError>;
}

/// Every format, in sniffing order (most specific first).
pub fn registry() -> &'static [&'static dyn Format] {
    &[
        &formats::io_archive::IoArchive,
        &formats::io_users::IoArchiveUsers,
        &formats::meta_csv::MetaCsv,
        &formats::telegram::TelegramExport,
        &formats::mastodon::Mastodon,
        &formats::bluesky::BlueskyJetstream,
        &formats::bluesky_api::BlueskyApi,
        &formats::reddit::RedditDump,
        &formats::youtube::YoutubeComments,
        &formats::x_v2::XApiV2,
        &formats::x_v1::XApiV1,
        &formats::shares_csv::SharesCsv,
        &formats::mapped_json::MappedJson,
    ]
}

/// The format called `name`.
pub fn format_by_name(name: &str) -> Option<&'static dyn Format> {
    registry().iter().copied().find(|f| f.name() == name)
}

/// What `ingest` is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading records.
    Reading,
    /// Every input read; dictionary-encoding accounts, objects and content
    /// ids (seconds at 10^7 rows).
    Encoding,
}

/// Where reading stands, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress<'a> {
    /// What is being done.
    pub phase: Phase,
    /// The input being read.
    pub input: &'a str,
    /// Its position among the inputs (0-based) and their number.
    pub index: usize,
    /// Number of inputs.
    pub inputs: usize,
    /// Records read from this input so far.
    pub records: u64,
    /// Bytes (as stored) read from this input so far.
    pub bytes: u64,
    /// Its size as stored, when known.
    pub size: Option<u64>,
}

/// The most bytes of an input's start that formats are told apart on.
const SNIFF: usize = 1 << 18;

/// Reads `sources` in order into one dataset.
pub fn ingest(
    sources: &[Box<dyn Source>],
    config: &IngestConfig,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Ingested, IngestError> {
    let forced = match &config.format {
        Some(name) => Some(format_by_name(name).ok_or_else(|| {
            IngestError::Config(format!(
                "unknown format `{name}` (expected one of: {})",
                registry().iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
            ))
        })?),
        None => None,
    };
    let mut builder = DatasetBuilder::default();
    let mut files = Vec::new();
    let mut skips = SkipLog::default();
    let mut seen = std::collections::HashSet::new();
    for (index, src) in sources.iter().enumerate() {
        let name = src.name().to_string();
        let io_err = |e: std::io::Error| IngestError::Io { file: name.clone(), source: e };
        let (raw, digest) = source::hashing(src.open().map_err(io_err)?);
        let mut input = source::decompress(raw).map_err(io_err)?;
        let head = input.fill_buf().map_err(io_err)?;
        // Formats are told apart on the same bytes whatever the size of
        // the reader's chunks.
        let head = head[..head.len().min(SNIFF)].to_vec();
        if head.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(IngestError::Empty { file: name });
        }
        let format = match forced {
            Some(f) => f,
            // `--map` names the columns of a CSV or the paths of JSON records.
            None if formats::mapped_json::applies(config.map.as_ref(), &head) => {
                &formats::mapped_json::MappedJson
            }
            None if config.map.is_some() => &formats::shares_csv::SharesCsv,
            None => registry().iter().copied().find(|f| f.sniff(&head)).ok_or_else(|| {
                IngestError::UnknownFormat { file: name.clone(), head: first_line(&head) }
            })?,
        };
        let mut report = FileReport::new(&name, format.name());
        let size = src.size();
        let file_progress = |records: u64| {
            let bytes = digest.bytes();
            let inputs = sources.len();
            progress(Progress {
                phase: Phase::Reading,
                input: &name,
                index,
                inputs,
                records,
                bytes,
                size,
            });
        };
        let mut ctx = ReadCtx {
            builder: &mut builder,
            report: &mut report,
            skips: &mut skips,
            config,
            progress: &file_progress,
            unselected: [0; Layer::ALL.len()],
            empty: [0; Layer::ALL.len()],
            seen: &mut seen,
        };
        format.read(&mut input, &mut ctx)?;
        let (unselected, empty) = (ctx.unselected, ctx.empty);
        formats::add_layer_counts(&mut report.actions_not_selected, &unselected);
        formats::add_layer_counts(&mut report.empty_object_cells, &empty);
        // The digest covers the bytes as stored, so drain what the reader left.
        std::io::copy(&mut input, &mut std::io::sink()).map_err(io_err)?;
        drop(input);
        let (sha, bytes) = digest.finish();
        report.sha256 = sha;
        report.bytes = bytes;
        if report.records_read == 0 {
            return Err(IngestError::Empty { file: name });
        }
        files.push(report);
    }
    if let Some(last) = files.last() {
        progress(Progress {
            phase: Phase::Encoding,
            input: &last.path,
            index: files.len() - 1,
            inputs: files.len(),
            records: last.records_read,
            bytes: last.bytes,
            size: Some(last.bytes),
        });
    }
    Ok(Ingested { dataset: finish(builder, config)?, files, skips })
}

/// The dataset of what was read, its ids encoded within `config`'s spill.
pub(crate) fn finish(
    builder: DatasetBuilder,
    config: &IngestConfig,
) -> Result<lockstep_model::Dataset, IngestError> {
    builder.finish_within(config.spill.as_ref()).map_err(|source| {
        let dir = config.spill.as_ref().map(|s| s.parent.display().to_string());
        IngestError::Io { file: dir.unwrap_or_default(), source }
    })
}

fn first_line(head: &[u8]) -> String {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let s = String::from_utf8_lossy(line);
    s.chars().take(200).collect()
}

/// A `BufReader` with a buffer big enough for sniffing and fast CSV reads.
pub(crate) fn buffered<R: Read>(r: R) -> BufReader<R> {
    BufReader::with_capacity(1 << 18, r)
}
