use crate::frame::{ColumnDef, Frame, Schema};
use crate::Results;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::ops::Range;

/// A table of the run folder: its name, a constant per column (named as
/// the column, upper-cased), every column in the file's order, and their
/// kinds ([`SCHEMA`](pairs::SCHEMA)). The source below each one builds
/// its rows in [`COLUMNS`](pairs::COLUMNS)' order; readers look columns up
/// by these constants, so that a renamed column fails to compile, not to
/// read.
macro_rules! table {
    ($(#[$doc:meta])* $module:ident, $name:literal, [$($col:ident = $column:literal: $kind:expr),* $(,)?] $($extra:item)*) => {
        $(#[$doc])*
        pub mod $module {
            #[allow(unused_imports)]
            use $crate::frame::Kind::*;
            /// The table's name.
            pub const NAME: &str = $name;
            /// The file's name in a run folder, as CSV.
            pub const FILE: &str = concat!($name, ".csv");
            /// The file's name in a run folder, as Parquet.
            pub const PARQUET: &str = concat!($name, ".parquet");
            $(#[doc = concat!("`", $column, "`")] pub const $col: &str = $column;)*
            /// Every column, in the file's order.
            pub const COLUMNS: &[&str] = &[$($col),*];
            /// Every column with its kind.
            pub const SCHEMA: $crate::frame::Schema =
                $crate::frame::Schema {
                    name: NAME,
                    file: FILE,
                    parquet: PARQUET,
                    columns: &[$(($column, $kind)),*],
                };
            $($extra)*
        }
    };
}

/// The formula guard as a function of strings: the oracle of
/// [`Row::guarded_bytes`].
#[cfg(test)]
pub(crate) fn guard(s: &str, on: bool) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') if on => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// A cell as it was before the formula guard, for readers of a run written with
/// the guard on (`raw_csv` false in summary.json's parameters).
pub fn unguard(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => s,
    }
}

/// A CSV row appended to a byte buffer, quoted exactly as the `csv` crate
/// quotes (`QuoteStyle::Necessary`, `\n` terminator: a field with `,`,
/// `"`, `\r` or `\n` is quoted, quotes doubled), for tables of millions of
/// rows: the same bytes without a `String` per value or the crate's
/// per-field machinery (`rows_match_the_csv_crate` checks it). Rows of one
/// empty field, which the crate writes as `""`, are not written this way.
pub(crate) struct Row<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Row<'a> {
    pub(crate) fn new(out: &'a mut Vec<u8>) -> Self {
        Row { out, first: true }
    }

    fn sep(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.out.push(b',');
        }
    }

    /// A field of text, quoted when it must be.
    pub(crate) fn text(&mut self, s: &str) -> &mut Self {
        self.field(b"", s.as_bytes())
    }

    /// A field of `prefix` then `b`, quoted when it must be (`prefix`
    /// never needs quotes).
    fn field(&mut self, prefix: &[u8], b: &[u8]) -> &mut Self {
        self.sep();
        if b.iter().any(|&c| matches!(c, b',' | b'"' | b'\n' | b'\r')) {
            self.out.push(b'"');
            self.out.extend_from_slice(prefix);
            for &c in b {
                if c == b'"' {
                    self.out.push(b'"');
                }
                self.out.push(c);
            }
            self.out.push(b'"');
        } else {
            self.out.extend_from_slice(prefix);
            self.out.extend_from_slice(b);
        }
        self
    }

    /// [`Row::guarded_bytes`] of a string.
    #[cfg(test)]
    pub(crate) fn guarded(&mut self, s: &str, on: bool) -> &mut Self {
        self.guarded_bytes(s.as_bytes(), on)
    }

    /// A field of input text (the bytes of a string) behind the formula
    /// guard when `on`: a cell that starts with `=`, `+`, `-`, `@`, tab or
    /// carriage return, which a spreadsheet would run as a formula, gets a
    /// leading `'` (OWASP's advice for CSV injection; spreadsheets hide it,
    /// scripts can strip it). Posts are written by adversaries.
    pub(crate) fn guarded_bytes(&mut self, b: &[u8], on: bool) -> &mut Self {
        let formula = matches!(b.first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'));
        self.field(if on && formula { b"'" } else { b"" }, b)
    }

    /// A field of text given as the bytes of a string.
    pub(crate) fn text_bytes(&mut self, b: &[u8]) -> &mut Self {
        self.field(b"", b)
    }

    /// A field written by `f` that needs no quotes (numbers, times).
    pub(crate) fn plain(&mut self, f: impl FnOnce(&mut Vec<u8>)) -> &mut Self {
        self.sep();
        f(self.out);
        self
    }

    /// Ends the row.
    pub(crate) fn end(&mut self) {
        self.out.push(b'\n');
    }
}

/// A table of a run, ready to be built: its rows come from `units` (edges,
/// clusters, settings, ...; a unit may give several rows, or none), any
/// range of which `rows` builds on its own, so that large tables are built
/// on all cores a block at a time and never held whole.
pub struct Source<'a> {
    /// The table.
    pub schema: &'static Schema,
    /// Its columns in this run (edges.csv's optional ones only when
    /// computed).
    pub columns: Vec<ColumnDef>,
    /// How many units the rows come from.
    pub units: usize,
    rows: Box<dyn Fn(Range<usize>) -> Frame + Sync + 'a>,
}

/// Units built per task (fewer in tests, so that a small table is built in
/// several blocks).
const CHUNK: usize = if cfg!(test) { 1 << 10 } else { 1 << 14 };
/// Units built at once: memory for one block of chunks (two are held: one
/// handed on while the next is built).
const BLOCK: usize = CHUNK * 16;

impl<'a> Source<'a> {
    pub(crate) fn new(
        schema: &'static Schema,
        units: usize,
        rows: impl Fn(&mut Frame, Range<usize>) + Sync + 'a,
    ) -> Self {
        let columns = schema.columns.to_vec();
        Source::with(schema, columns, units, rows)
    }

    fn with(
        schema: &'static Schema,
        columns: Vec<ColumnDef>,
        units: usize,
        rows: impl Fn(&mut Frame, Range<usize>) + Sync + 'a,
    ) -> Self {
        let cols = columns.clone();
        let rows = Box::new(move |range: Range<usize>| {
            // A unit gives a row in the large tables (pairs, edges).
            let mut f = Frame::with_capacity(schema.name, &cols, range.len());
            rows(&mut f, range);
            f
        });
        Source { schema, columns, units, rows }
    }

    /// An empty frame of this table's columns.
    pub fn empty(&self) -> Frame {
        Frame::with(self.schema.name, &self.columns)
    }

    /// Builds every row, in parallel a chunk of units at a time, and hands
    /// `each` what `make` made of each chunk's frame, in order: the result
    /// of a sequential loop, with memory for two blocks of chunks. `each`
    /// runs on the calling thread while the next block is built, so that
    /// writing a block does not leave the other cores idle.
    pub fn each_chunk<T: Send>(
        &self,
        make: &(dyn Fn(Frame) -> T + Sync),
        each: &mut dyn FnMut(T) -> io::Result<()>,
    ) -> io::Result<()> {
        let build = |start: usize| -> Vec<T> {
            let end = (start + BLOCK).min(self.units);
            (start..end)
                .step_by(CHUNK)
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|s| make((self.rows)(s..(s + CHUNK).min(end))))
                .collect()
        };
        let mut built: Vec<T> = Vec::new();
        for start in (0..self.units).step_by(BLOCK) {
            let ready = std::mem::take(&mut built);
            let mut handed = Ok(());
            rayon::in_place_scope(|s| {
                s.spawn(|_| built = build(start));
                handed = ready.into_iter().try_for_each(&mut *each);
            });
            handed?;
        }
        built.into_iter().try_for_each(each)
    }

    /// The whole table in memory.
    pub fn frame(&self) -> Frame {
        let mut out = self.empty();
        self.each_chunk(&|f| f, &mut |f| {
            out.append(f);
            Ok(())
        })
        .expect("building a frame does no I/O");
        out
    }

    /// Writes the table as CSV (`guard`: input text behind the formula
    /// guard).
    pub fn write_csv(&self, w: &mut dyn Write, guard: bool) -> io::Result<()> {
        let mut header = Vec::new();
        self.empty().csv_header(&mut header);
        w.write_all(&header)?;
        let make = |f: Frame| {
            let mut out = Vec::with_capacity(f.csv_len_hint());
            f.csv_rows(&mut out, guard);
            out
        };
        self.each_chunk(&make, &mut |bytes| w.write_all(&bytes))
    }
}

table!(
    /// `campaigns.csv`: one row per cluster, its campaign score and the parts of it.
    campaigns,
    "campaigns",
    [
        CLUSTER = "cluster": Int,
        SCORE = "score": Fixed(2),
        P_VALUE = "p_value": Sci,
        SIGNALS = "signals": Int,
        PATTERN = "pattern": Text,
        EXPLANATION = "explanation": Input,
        KILL_CHAIN = "kill_chain": Text,
        DISARM = "disarm": Text,
    ]
    /// What separates the phases of `kill_chain` and the ids of `disarm`.
    pub const LIST_SEPARATOR: &str = "; ";
);

/// One row per cluster: its campaign score and the parts of it,
/// `feed-mirror` in `pattern` for a cluster set aside as one, and what it
/// evidences ([`lockstep_campaign::Score::tags`]): the kill chain's phases
/// and the DISARM technique ids, each once. The explanation is built from
/// numbers and lockstep's own words (handle templates are quoted); it is
/// behind the formula guard all the same.
fn campaigns(scores: &[lockstep_campaign::Score]) -> Source<'_> {
    Source::new(&campaigns::SCHEMA, scores.len(), move |f, range| {
        for s in &scores[range] {
            let tags = s.tags();
            let mut phases: Vec<&str> = tags.iter().map(|t| t.phase.name()).collect();
            phases.dedup();
            let mut ids: Vec<&str> = tags.iter().map(|t| t.technique.id).collect();
            ids.sort_unstable();
            ids.dedup();
            f.count(s.cluster).float(s.score).float(s.p).count(s.parts.len());
            f.text(s.pattern()).text(&s.explain());
            f.opt_text(Some(&phases.join(campaigns::LIST_SEPARATOR)));
            f.opt_text(Some(&ids.join(campaigns::LIST_SEPARATOR)));
        }
    })
}

table!(
    /// `campaign_signals.csv`: one row per signal measured in a cluster.
    campaign_signals,
    "campaign_signals",
    [
        CLUSTER = "cluster": Int,
        SIGNAL = "signal": Text,
        SCORE = "score": Fixed(2),
        EVIDENCE = "evidence": Input,
        KILL_CHAIN_PHASE = "kill_chain_phase": Text,
        BEHAVIOUR = "behaviour": Text,
        DISARM_ID = "disarm_id": Text,
        DISARM_NAME = "disarm_name": Text,
    ]
);

/// One row per signal measured in a cluster, strongest first within the
/// cluster, clusters in campaigns.csv's order: the parts of its score, each
/// with what it saw and what it evidences (whether it alone scores
/// [`lockstep_campaign::WORTH_A_LOOK`] is for the reader to see in
/// `score`).
fn campaign_signals(scores: &[lockstep_campaign::Score]) -> Source<'_> {
    Source::new(&campaign_signals::SCHEMA, scores.len(), move |f, range| {
        for s in &scores[range] {
            for p in &s.parts {
                let tag = p.signal.tag();
                f.count(s.cluster).text(p.signal.name()).float(p.score()).text(&p.words);
                f.text(tag.phase.name()).text(tag.behaviour);
                f.text(tag.technique.id).text(tag.technique.name);
            }
        }
    })
}

table!(
    /// `sweep.csv` (`lockstep sweep`): one row per setting of the grid.
    sweep,
    "sweep",
    [
        WINDOW_S = "window_s": Seconds,
        MIN_WEIGHT = "min_weight": Int,
        FDR = "fdr": Real,
        REFERENCE = "reference": Bool,
        EDGES = "edges": Int,
        ACCOUNTS = "accounts": Int,
        CLUSTERS = "clusters": Int,
        CLUSTERS_HELD = "clusters_held": Int,
    ]
);

/// One row per setting swept, in sweep order: what it gave, and how many of
/// the reference setting's clusters hold there.
fn sweep(sweep: &lockstep_graph::Sweep) -> Source<'_> {
    Source::new(&sweep::SCHEMA, sweep.settings.len(), move |f, range| {
        for s in &sweep.settings[range] {
            let held = s.overlap.iter().filter(|&&j| j >= lockstep_graph::stability::HOLDS).count();
            f.int(s.window_us).count(s.min_weight).opt_float(s.fdr).flag(s.reference);
            f.count(s.edges).count(s.accounts).count(s.clusters).count(held);
        }
    })
}

table!(
    /// `stability.csv` (`lockstep sweep`): one row per cluster, how it
    /// holds across the other settings.
    stability,
    "stability",
    [
        CLUSTER = "cluster": Int,
        ACCOUNTS = "accounts": Int,
        SETTINGS = "settings": Int,
        HELD = "held": Int,
        STABILITY = "stability": Real,
        MEAN_OVERLAP = "mean_overlap": Real,
        WEAKEST_WINDOW_S = "weakest_window_s": Seconds,
        WEAKEST_MIN_WEIGHT = "weakest_min_weight": Int,
        WEAKEST_FDR = "weakest_fdr": Real,
        WEAKEST_OVERLAP = "weakest_overlap": Real,
    ]
);

/// One row per cluster of the run: over the other settings swept, at how
/// many some cluster overlaps it by [`lockstep_graph::stability::HOLDS`]
/// or more (Jaccard of accounts), their share, the mean best overlap, and
/// the setting where it overlaps least.
fn stability<'a>(r: &'a Results<'a>, sweep: &'a lockstep_graph::Sweep) -> Source<'a> {
    let settings = sweep.others().count();
    Source::new(&stability::SCHEMA, r.net.clusters.len(), move |f, range| {
        for i in range {
            let cl = &r.net.clusters[i];
            let held = sweep.held(i);
            let weakest = sweep.weakest(i);
            f.count(cl.id).count(cl.accounts.len()).count(settings).count(held);
            f.opt_float((settings > 0).then(|| held as f64 / settings as f64));
            f.float(sweep.mean_overlap(i));
            f.opt_int(weakest.map(|s| s.window_us));
            f.opt_int(weakest.map(|s| s.min_weight as i64));
            f.opt_float(weakest.and_then(|s| s.fdr));
            f.opt_float(weakest.map(|s| s.overlap[i]));
        }
    })
}

table!(
    /// `talking_points.csv`: what a cluster pushed on a day.
    talking_points,
    "talking_points",
    [
        CLUSTER = "cluster": Int,
        DAY_UTC = "day_utc": Day,
        LAYER = "layer": Text,
        OBJECT = "object": Input,
        ACCOUNTS = "accounts": Int,
        SHARE = "share": Real,
        AS_WRITTEN = "as_written": Input,
        LANGUAGE = "language": Text,
        LANGUAGE_FROM = "language_from": Text,
    ]
    /// `language_from` when the platform labelled the post's language.
    pub const FROM_PLATFORM: &str = "platform";
    /// `language_from` when the language was detected from the words.
    pub const FROM_WORDS: &str = "words";
);

/// One row per talking point: what a cluster pushed on a day, and for a
/// text, the first of its posts that day as written, with its language:
/// the platform's label, else detected from its words when the detector is
/// sure ([`lockstep_text::language`]).
fn talking_points<'a>(
    r: &'a Results<'a>,
    points: &'a [lockstep_campaign::TalkingPoint],
) -> Source<'a> {
    let ds = r.ds;
    Source::new(&talking_points::SCHEMA, points.len(), move |f, range| {
        for p in &points[range] {
            let text = p.written.and_then(|c| ds.post_text(c));
            let labelled = p.written.and_then(|c| ds.post_language(c));
            // Detected only where the platform said nothing: whatlang's
            // trigrams cost more than the rest of the row.
            let (language, from) = match labelled {
                Some(tag) => (Some(tag), Some(talking_points::FROM_PLATFORM)),
                None => match text.and_then(lockstep_text::language) {
                    Some(detected) => (Some(detected.tag), Some(talking_points::FROM_WORDS)),
                    None => (None, None),
                },
            };
            f.count(p.cluster).int(p.day).text(ds.object_layer(p.object).name());
            f.text(ds.object_name(p.object)).count(p.accounts).float(p.share);
            f.opt_text(text).opt_text(language).opt_text(from);
        }
    })
}

table!(
    /// `cluster_fingerprints.csv`: one row per cluster, its factory fingerprints.
    cluster_fingerprints,
    "cluster_fingerprints",
    [
        CLUSTER = "cluster": Int,
        ACCOUNTS = "accounts": Int,
        WITH_CREATION_DATE = "with_creation_date": Int,
        CREATION_BATCH = "creation_batch": Int,
        CREATION_BATCH_START_UTC = "creation_batch_start_utc": Utc,
        CREATION_BATCH_EXPECTED = "creation_batch_expected": Real,
        CREATION_BATCH_P = "creation_batch_p": Sci,
        WITH_HANDLE = "with_handle": Int,
        HANDLE_TEMPLATE = "handle_template": Input,
        HANDLE_TEMPLATE_SHARE = "handle_template_share": Real,
        HANDLE_TEMPLATE_BACKGROUND = "handle_template_background": Real,
        ACTIONS = "actions": Int,
        ACTIVE_MINUTES = "active_minutes": Int,
        OFFICE_UTC_OFFSETS = "office_utc_offsets": Text,
        OFFICE_SHARE = "office_share": Real,
        OFFICE_BACKGROUND = "office_background": Real,
        CLIENT_APP = "client_app": Input,
        CLIENT_APP_SHARE = "client_app_share": Real,
        CLIENT_APP_BACKGROUND = "client_app_background": Real,
        WITH_IMAGE_FLAG = "with_image_flag": Int,
        DEFAULT_IMAGE = "default_image": Int,
        DEFAULT_IMAGE_BACKGROUND = "default_image_background": Real,
        DEFAULT_IMAGE_P = "default_image_p": Sci,
        WITH_COUNTS = "with_counts": Int,
        THIN_AUDIENCE = "thin_audience": Int,
        THIN_AUDIENCE_BACKGROUND = "thin_audience_background": Real,
        THIN_AUDIENCE_P = "thin_audience_p": Sci,
        MEDIAN_FOLLOWERS = "median_followers": Int,
        MEDIAN_FOLLOWING = "median_following": Int,
        MEDIAN_FOLLOWERS_BACKGROUND = "median_followers_background": Int,
        MEDIAN_FOLLOWING_BACKGROUND = "median_following_background": Int,
        TIMED_REPOSTS = "timed_reposts": Int,
        FAST_REPOSTS = "fast_reposts": Int,
        FAST_REPOSTS_BACKGROUND = "fast_reposts_background": Real,
        FAST_REPOSTS_P = "fast_reposts_p": Sci,
    ]
);

/// A count that may be missing.
fn opt(n: Option<u64>) -> Option<i64> {
    n.map(|n| i64::try_from(n).unwrap_or(i64::MAX))
}

/// One row per cluster: its factory fingerprints.
fn fingerprints(fingerprints: &[lockstep_fingerprint::ClusterFingerprint]) -> Source<'_> {
    Source::new(&cluster_fingerprints::SCHEMA, fingerprints.len(), move |f, range| {
        for p in &fingerprints[range] {
            let (lo, hi) = p.office_utc_offsets;
            f.count(p.cluster).count(p.accounts).count(p.with_creation).count(p.batch);
            f.opt_int(p.batch_start_us).float(p.batch_expected).float(p.batch_p);
            f.count(p.with_handle).opt_text(p.template.as_deref());
            f.float(p.template_share).float(p.template_background);
            f.count(p.actions).count(p.active_minutes).text(&format!("{lo:+}..{hi:+}"));
            f.float(p.office_share).float(p.office_background);
            f.opt_text(p.client.as_deref()).float(p.client_share).float(p.client_background);
            f.count(p.with_image_flag).count(p.default_image);
            f.float(p.default_image_background).float(p.default_image_p);
            f.count(p.with_counts).count(p.thin_audience);
            f.float(p.thin_audience_background).float(p.thin_audience_p);
            f.opt_int(opt(p.median_counts.map(|m| m.0)));
            f.opt_int(opt(p.median_counts.map(|m| m.1)));
            f.opt_int(opt(p.median_counts_background.map(|m| m.0)));
            f.opt_int(opt(p.median_counts_background.map(|m| m.1)));
            f.count(p.timed_reposts).count(p.fast_reposts);
            f.float(p.fast_reposts_background).float(p.fast_reposts_p);
        }
    })
}

table!(
    /// `bio_clusters.csv`: one row per account in a cluster of near-duplicate bios.
    bio_clusters,
    "bio_clusters",
    [
        BIO_CLUSTER = "bio_cluster": Int,
        ACCOUNTS = "accounts": Int,
        ACCOUNT = "account": Input,
        HANDLE = "handle": Input,
        SIMILARITY = "similarity": Fixed(6),
        BIO = "bio": Input,
    ]
);

/// One row per account in a cluster of near-duplicate bios.
fn bio_clusters<'a>(r: &'a Results<'a>, bios: &'a lockstep_text::BioClusters) -> Source<'a> {
    let (ds, m) = (r.ds, &r.ds.account_meta);
    Source::new(&bio_clusters::SCHEMA, bios.clusters.len(), move |f, range| {
        for i in range {
            let cluster = &bios.clusters[i];
            for &(a, similarity) in cluster {
                f.count(i + 1).count(cluster.len()).text(ds.account_name(a));
                let a = a as usize;
                f.opt_text(m.handle[a].as_deref()).float(similarity);
                f.opt_text(m.bio[a].as_deref());
            }
        }
    })
}

table!(
    /// `near_text_pairs.csv`: the pairs on the `near_text` layer, with both texts.
    near_text_pairs,
    "near_text_pairs",
    [
        OBJECT = "object": Input,
        ACCOUNT_A = "account_a": Input,
        ACCOUNT_B = "account_b": Input,
        CONTENT_A = "content_a": Input,
        CONTENT_B = "content_b": Input,
        TIME_A_UTC = "time_a_utc": Utc,
        TIME_B_UTC = "time_b_utc": Utc,
        SIMILARITY = "similarity": Fixed(6),
        TEXT_A = "text_a": Input,
        TEXT_B = "text_b": Input,
    ]
);

/// One row per coordinated pair on the `near_text` layer: both texts (as
/// written where the ingest kept them, else as compared) and their
/// similarity, the evidence of the edit.
fn near_text_pairs<'a>(r: &'a Results<'a>, near: &'a lockstep_text::TextLayer) -> Source<'a> {
    let (ds, p) = (r.ds, &r.det.pairs);
    let t = &ds.actions;
    let near_rows: Vec<usize> = (0..p.len())
        .filter(|&k| t.layer[p.older[k] as usize] == lockstep_model::Layer::NearText)
        .collect();
    Source::new(&near_text_pairs::SCHEMA, near_rows.len(), move |f, range| {
        for &k in &near_rows[range] {
            let (a, b) = (p.older[k] as usize, p.newer[k] as usize);
            let e = near.pair(ds, a, b);
            f.text(ds.object_name(t.object[a]));
            f.text(ds.account_name(t.account[a])).text(ds.account_name(t.account[b]));
            f.text(ds.content_name(t.content[a])).text(ds.content_name(t.content[b]));
            f.int(t.time_us[a]).int(t.time_us[b]).float(e.similarity);
            f.text(ds.post_text(t.content[a]).unwrap_or(e.text_a));
            f.text(ds.post_text(t.content[b]).unwrap_or(e.text_b));
        }
    })
}

table!(
    /// `pairs.csv`: one row per coordinated action pair.
    pairs,
    "pairs",
    [
        LAYER = "layer": Text,
        OBJECT = "object": Input,
        ACCOUNT_A = "account_a": Input,
        ACCOUNT_B = "account_b": Input,
        CONTENT_A = "content_a": Input,
        CONTENT_B = "content_b": Input,
        TIME_A = "time_a": Seconds,
        TIME_B = "time_b": Seconds,
        TIME_A_UTC = "time_a_utc": Utc,
        TIME_B_UTC = "time_b_utc": Utc,
        DELTA_S = "delta_s": Seconds,
        FAST = "fast": Flag,
    ]
    /// The file's name when written compressed (`--compress-pairs`): the
    /// same bytes in zstd's seekable format ([`crate::seekable`]).
    pub const COMPRESSED: &str = "pairs.csv.zst";
);

/// One row per coordinated action pair; `a` is the older action.
fn pairs<'a>(r: &'a Results<'a>) -> Source<'a> {
    let (ds, p) = (r.ds, &r.det.pairs);
    let t = &ds.actions;
    // Without all_pairs, the pairs of the edges over the threshold: on a
    // month of real traffic every pair is tens of gigabytes of bursts.
    let chosen: Option<Vec<usize>> = (!r.all_pairs).then(|| {
        let e = &r.det.edges;
        (0..e.len()).filter(|&i| r.net.over[i]).flat_map(|i| e.pair_range(i, p)).collect()
    });
    let n = chosen.as_ref().map_or(p.len(), Vec::len);
    Source::new(&pairs::SCHEMA, n, move |f, range| {
        // A row reads two actions' columns and five dictionary strings,
        // each a random access far apart. Gathered a column at a time, the
        // loads do not wait on each other as they would in one loop per
        // row, and each column is filled whole.
        let ks: Vec<usize> = range.map(|k| chosen.as_ref().map_or(k, |c| c[k])).collect();
        let a: Vec<usize> = ks.iter().map(|&k| p.older[k] as usize).collect();
        let b: Vec<usize> = ks.iter().map(|&k| p.newer[k] as usize).collect();
        let gather =
            |rows: &[usize], col: &[u32]| -> Vec<u32> { rows.iter().map(|&i| col[i]).collect() };
        f.fill_text(pairs::LAYER, a.iter().map(|&i| t.layer[i].name()));
        let objects = gather(&a, &t.object);
        f.fill_text(pairs::OBJECT, objects.into_iter().map(|o| ds.object_name(o)));
        for (name, rows) in [(pairs::ACCOUNT_A, &a), (pairs::ACCOUNT_B, &b)] {
            let ids = gather(rows, &t.account);
            f.fill_text(name, ids.into_iter().map(|x| ds.account_name(x)));
        }
        for (name, rows) in [(pairs::CONTENT_A, &a), (pairs::CONTENT_B, &b)] {
            let ids = gather(rows, &t.content);
            f.fill_text(name, ids.into_iter().map(|x| ds.content_name(x)));
        }
        let ta: Vec<i64> = a.iter().map(|&i| t.time_us[i]).collect();
        let tb: Vec<i64> = b.iter().map(|&i| t.time_us[i]).collect();
        f.fill_int(pairs::TIME_A, ta.iter().copied());
        f.fill_int(pairs::TIME_B, tb.iter().copied());
        f.fill_int(pairs::TIME_A_UTC, ta.iter().copied());
        f.fill_int(pairs::TIME_B_UTC, tb.iter().copied());
        f.fill_int(pairs::DELTA_S, ta.iter().zip(&tb).map(|(a, b)| b - a));
        f.fill_flag(pairs::FAST, ks.iter().map(|&k| p.fast[k]));
        f.set_rows(ks.len());
    })
}

/// The distinct objects of edge `i` per layer: `repost:3;url:2`, in layer
/// order (the parts sum to the edge's `objects`).
fn layer_objects(r: &Results<'_>, i: usize) -> String {
    let (t, det) = (&r.ds.actions, r.det);
    let mut seen: Vec<(usize, u32)> = det
        .edges
        .pair_range(i, &det.pairs)
        .map(|k| {
            let row = det.pairs.older[k] as usize;
            (t.layer[row].index(), t.object[row])
        })
        .collect();
    seen.sort_unstable();
    seen.dedup();
    let mut out = String::new();
    let mut k = 0;
    while k < seen.len() {
        let layer = seen[k].0;
        let n = seen[k..].iter().take_while(|s| s.0 == layer).count();
        if !out.is_empty() {
            out.push(';');
        }
        out.push_str(lockstep_model::Layer::ALL[layer].name());
        out.push(':');
        out.push_str(&n.to_string());
        k += n;
    }
    out
}

table!(
    /// `edges.csv`: one row per account pair with pairs; `idf_weight` and
    /// the significance columns only when computed.
    edges,
    "edges",
    [
        ACCOUNT_A = "account_a": Input,
        ACCOUNT_B = "account_b": Input,
        WEIGHT = "weight": Int,
        PAIR_ROWS = "pair_rows": Int,
        OBJECTS = "objects": Int,
        MEAN_DELTA_S = "mean_delta_s": Real,
        LAYERS = "layers": Text,
        N_CONTENT_ID = "n_content_id": Int,
        N_CONTENT_ID_Y = "n_content_id_y": Int,
        EDGE_SYMMETRY_SCORE = "edge_symmetry_score": Real,
        FAST_WEIGHT = "fast_weight": Int,
        OVER_THRESHOLD = "over_threshold": Flag,
        CLUSTER = "cluster": Int,
        LAYER_OBJECTS = "layer_objects": Text,
        IDF_WEIGHT = "idf_weight": Real,
        EXPECTED_OBJECTS = "expected_objects": Fixed(6),
        P_VALUE = "p_value": Sci,
        Q_VALUE = "q_value": Sci,
        PARTNER_EXPECTED = "partner_expected": Fixed(6),
        PARTNER_P_VALUE = "partner_p_value": Sci,
        PARTNER_Q_VALUE = "partner_q_value": Sci,
        IN_OPENINGS = "in_openings": Int,
    ]
    /// How many of the columns every `edges.csv` has (up to
    /// `layer_objects`); [`IDF_WEIGHT`] and the significance columns
    /// follow when computed.
    pub const BASE: usize = 14;
);

/// One row per edge; without `all_edges`, the edges between flagged
/// accounts: on a month of real traffic every edge is gigabytes of fans'
/// pairs.
fn edges<'a>(r: &'a Results<'a>) -> Source<'a> {
    let (ds, e, net) = (r.ds, &r.det.edges, r.net);
    let cluster = cluster_lookup(r);
    let chosen: Vec<usize> = (0..e.len())
        .filter(|&i| {
            r.all_edges || (cluster.contains_key(&e.a[i]) && cluster.contains_key(&e.b[i]))
        })
        .collect();
    // Extra columns only when computed: the first thirteen are CooRTweet's
    // comparable ones.
    let all = edges::SCHEMA.columns;
    let mut columns = all[..edges::BASE].to_vec();
    if r.idf.is_some() {
        columns.push(all[edges::BASE]);
    }
    if r.significance.is_some() {
        columns.extend(&all[edges::BASE + 1..]);
    }
    Source::with(&edges::SCHEMA, columns, chosen.len(), move |f, range| {
        for &i in &chosen[range] {
            f.text(ds.account_name(e.a[i])).text(ds.account_name(e.b[i]));
            f.count(e.weight[i]).count(e.pair_rows[i]).count(e.objects[i]);
            f.float(e.mean_delta_us[i] / 1e6).text(&e.layers[i].join(";"));
            f.count(e.n_content_older[i]).count(e.n_content_newer[i]);
            f.float(e.symmetry(i)).count(e.fast_weight[i]).flag(net.over[i]);
            f.opt_int(if net.over[i] { cluster.get(&e.a[i]).map(|&c| c.into()) } else { None });
            f.text(&layer_objects(r, i));
            if let Some(w) = r.idf {
                f.float(w[i]);
            }
            if let Some(s) = r.significance {
                f.float(s.expected[i]).float(s.p_value[i]).float(s.q_value[i]);
                let p = &s.partners;
                f.float(p.expected[i]).float(p.p_value[i]).float(p.q_value[i]);
                f.count(s.in_openings[i]);
            }
        }
    })
}

table!(
    /// `accounts.csv`: one row per account with an edge.
    accounts,
    "accounts",
    [
        ACCOUNT = "account": Input,
        CLUSTER = "cluster": Int,
        DEGREE = "degree": Int,
        STRENGTH = "strength": Int,
        DEGREE_ALL = "degree_all": Int,
        COORDINATED_OBJECTS = "coordinated_objects": Int,
        ACTIONS = "actions": Int,
        HANDLE = "handle": Input,
        PAIRS_IN_CLUSTER = "pairs_in_cluster": Int,
        MEDIAN_LAG_S = "median_lag_s": Real,
        LED_SHARE = "led_share": Real,
        CREATED_UTC = "created_utc": Utc,
        FOLLOWERS = "followers": Int,
        FOLLOWING = "following": Int,
        DEFAULT_IMAGE = "default_image": Flag,
        TIMED_REPOSTS = "timed_reposts": Int,
        FAST_REPOSTS = "fast_reposts": Int,
    ]
);

/// One row per account with an edge.
fn accounts<'a>(r: &'a Results<'a>) -> Source<'a> {
    let ds = r.ds;
    let m = &ds.account_meta;
    let reposts: Cow<'a, [(u64, u64)]> = match r.fast_reposts {
        Some(given) => Cow::Borrowed(given),
        None => Cow::Owned(lockstep_fingerprint::fast_reposts(ds)),
    };
    Source::new(&accounts::SCHEMA, r.net.accounts.len(), move |f, range| {
        for (a, s) in &r.net.accounts[range] {
            let i = *a as usize;
            let role = r.roles.and_then(|roles| roles[i]);
            let count = |col: &[Option<u64>]| opt(col.get(i).copied().flatten());
            f.text(ds.account_name(*a)).opt_int(s.cluster.map(i64::from));
            f.count(s.degree).count(s.strength).count(s.degree_all);
            f.count(s.coordinated_objects).count(s.actions);
            f.opt_text(m.handle.get(i).and_then(|h| h.as_deref()));
            f.opt_int(role.map(|r| r.pairs as i64));
            f.opt_float(role.map(|r| r.median_lag_s)).opt_float(role.map(|r| r.led_share));
            f.opt_int(m.created_at_us.get(i).copied().flatten());
            f.opt_int(count(&m.followers)).opt_int(count(&m.following));
            f.opt_flag(m.default_image.get(i).copied().flatten());
            f.count(reposts[i].0).count(reposts[i].1);
        }
    })
}

/// How many top objects `clusters.csv` lists per cluster.
const TOP_OBJECTS: usize = 5;

table!(
    /// `clusters.csv`: one row per cluster.
    clusters,
    "clusters",
    [
        CLUSTER = "cluster": Int,
        ACCOUNTS = "accounts": Int,
        EDGES = "edges": Int,
        DENSITY = "density": Real,
        TOTAL_WEIGHT = "total_weight": Int,
        FIRST_TIME_UTC = "first_time_utc": Utc,
        LAST_TIME_UTC = "last_time_utc": Utc,
        TOP_OBJECTS = "top_objects": Text,
    ]
);

/// One row per cluster: its size, density, span and what it pushed most.
fn clusters<'a>(r: &'a Results<'a>) -> Source<'a> {
    let (ds, det) = (r.ds, r.det);
    let t = &ds.actions;
    Source::new(&clusters::SCHEMA, r.net.clusters.len(), move |f, range| {
        for cl in &r.net.clusters[range] {
            let v = cl.accounts.len() as f64;
            let density = if v > 1.0 { 2.0 * cl.edges.len() as f64 / (v * (v - 1.0)) } else { 0.0 };
            let total: u64 = cl.edges.iter().map(|&i| det.edges.weight[i]).sum();
            let (mut first, mut last) = (i64::MAX, i64::MIN);
            // Pair rows per object, to rank what the cluster pushed most.
            let mut per_object: BTreeMap<u32, u64> = BTreeMap::new();
            for &i in &cl.edges {
                for k in det.edges.pair_range(i, &det.pairs) {
                    let (a, b) = (det.pairs.older[k] as usize, det.pairs.newer[k] as usize);
                    first = first.min(t.time_us[a]);
                    last = last.max(t.time_us[b]);
                    *per_object.entry(t.object[a]).or_default() += 1;
                }
            }
            let mut top: Vec<(u32, u64)> = per_object.into_iter().collect();
            top.sort_by(|x, y| {
                y.1.cmp(&x.1).then_with(|| ds.object_name(x.0).cmp(ds.object_name(y.0)))
            });
            let top: Vec<String> = top
                .iter()
                .take(TOP_OBJECTS)
                .map(|&(o, n)| format!("{}:{} ({n})", ds.object_layer(o).name(), ds.object_name(o)))
                .collect();
            f.count(cl.id).count(cl.accounts.len()).count(cl.edges.len()).float(density);
            f.count(total).int(first).int(last).opt_text(Some(&top.join(" | ")));
        }
    })
}

/// Table `schema` of the run, ready to be built; `None` when the run did
/// not compute what it holds. Building it is left to the caller, so that
/// one table costs one table's work.
pub fn source<'a>(r: &'a Results<'a>, schema: &Schema) -> Option<Source<'a>> {
    Some(match schema.name {
        pairs::NAME => pairs(r),
        edges::NAME => edges(r),
        accounts::NAME => accounts(r),
        clusters::NAME => clusters(r),
        campaigns::NAME => campaigns(r.scores?),
        campaign_signals::NAME => campaign_signals(r.scores?),
        talking_points::NAME => talking_points(r, r.talking_points?),
        cluster_fingerprints::NAME => fingerprints(r.fingerprints?),
        bio_clusters::NAME => bio_clusters(r, r.bios?),
        near_text_pairs::NAME => near_text_pairs(r, r.near_text?),
        stability::NAME => stability(r, r.sweep?),
        sweep::NAME => sweep(r.sweep?),
        _ => return None,
    })
}

/// The run's tables, in the order they are listed ([`SCHEMAS`]'): the
/// four every run has, then those of what was computed.
pub fn sources<'a>(r: &'a Results<'a>) -> Vec<Source<'a>> {
    SCHEMAS.iter().filter_map(|s| source(r, s)).collect()
}

/// Every table a run folder may hold, in the order a run lists them.
pub const SCHEMAS: [&Schema; 12] = [
    &pairs::SCHEMA,
    &edges::SCHEMA,
    &accounts::SCHEMA,
    &clusters::SCHEMA,
    &campaigns::SCHEMA,
    &campaign_signals::SCHEMA,
    &talking_points::SCHEMA,
    &cluster_fingerprints::SCHEMA,
    &bio_clusters::SCHEMA,
    &near_text_pairs::SCHEMA,
    &stability::SCHEMA,
    &sweep::SCHEMA,
];

/// Account id -> cluster id.
pub(crate) fn cluster_lookup(r: &Results<'_>) -> BTreeMap<u32, u32> {
    r.net.clusters.iter().flat_map(|c| c.accounts.iter().map(move |&a| (a, c.id))).collect()
}

/// A float with at most 6 decimals and no trailing zeros.
pub(crate) fn fmt_f(x: f64) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{guard, unguard, Row};
    use proptest::prelude::*;

    proptest! {
        /// [`Row`] writes the bytes the `csv` crate writes, whatever the
        /// fields hold (quotes, commas, line breaks, empty fields).
        #[test]
        fn rows_match_the_csv_crate(
            fields in proptest::collection::vec("[a-z,\"\r\n =@é]{0,6}", 2..8),
            guarded in proptest::collection::vec(any::<bool>(), 8),
        ) {
            let mut fast = Vec::new();
            let mut row = Row::new(&mut fast);
            for (f, &g) in fields.iter().zip(&guarded) {
                if g { row.guarded(f, true); } else { row.text(f); }
            }
            row.end();
            let mut c = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
            let cells: Vec<String> = fields
                .iter()
                .zip(&guarded)
                .map(|(f, &g)| if g { guard(f, true).into_owned() } else { f.clone() })
                .collect();
            c.write_record(&cells).unwrap();
            prop_assert_eq!(fast, c.into_inner().unwrap());
        }
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(guard("=HYPERLINK(\"x\")", true), "'=HYPERLINK(\"x\")");
        assert_eq!(guard("@SUM(A1)", true), "'@SUM(A1)");
        assert_eq!(guard("-1+2", true), "'-1+2");
        assert_eq!(guard("plain", true), "plain");
        assert_eq!(guard("=raw", false), "=raw");
        for cell in ["=HYPERLINK(\"x\")", "@admin", "-1", "\tx", "plain", "'quoted", "''=x", ""] {
            assert_eq!(unguard(&guard(cell, true)), cell, "{cell:?}");
        }
    }
}

#[cfg(test)]
mod parallel_tests {
    use super::*;
    use lockstep_model::time::{fmt_iso, fmt_secs, fmt_unix};
    use lockstep_model::{ActionInput, DatasetBuilder, Layer};

    /// The block-parallel `pairs.csv` equals a plain sequential loop, over
    /// many chunks and blocks, on 1 and 3 threads.
    #[test]
    fn parallel_pairs_csv_equals_sequential() {
        let mut b = DatasetBuilder::default();
        for k in 0..260u32 {
            let acc = if k % 7 == 0 { format!("=acc{}", k % 13) } else { format!("acc{}", k % 97) };
            for obj in ["o1", "o2"] {
                let content = format!("{obj}-{k}");
                b.push_action(ActionInput {
                    account: &acc,
                    object: obj,
                    layer: Layer::Hashtag,
                    content: &content,
                    time_us: k as i64 * 100_000,
                    platform: "",
                });
            }
        }
        let ds = b.finish();
        let det = lockstep_detect::detect(&ds, &lockstep_detect::DetectConfig::default());
        assert!(det.pairs.len() > 3 * BLOCK, "only {} pairs", det.pairs.len());
        let net = lockstep_graph::build(
            &ds,
            &det,
            &lockstep_graph::ThresholdConfig {
                quantile: None,
                min_weight: 2,
                clusters: Default::default(),
            },
        );
        let r = Results::new(&ds, &det, &net);

        let mut expected = String::from(
            "layer,object,account_a,account_b,content_a,content_b,time_a,time_b,time_a_utc,time_b_utc,delta_s,fast\n",
        );
        let t = &ds.actions;
        for k in 0..det.pairs.len() {
            let (a, b) = (det.pairs.older[k] as usize, det.pairs.newer[k] as usize);
            let cells = [
                t.layer[a].name().to_string(),
                guard(ds.object_name(t.object[a]), true).into_owned(),
                guard(ds.account_name(t.account[a]), true).into_owned(),
                guard(ds.account_name(t.account[b]), true).into_owned(),
                guard(ds.content_name(t.content[a]), true).into_owned(),
                guard(ds.content_name(t.content[b]), true).into_owned(),
                fmt_unix(t.time_us[a]),
                fmt_unix(t.time_us[b]),
                fmt_iso(t.time_us[a]),
                fmt_iso(t.time_us[b]),
                fmt_secs(t.time_us[b] - t.time_us[a]),
                (if det.pairs.fast[k] { "1" } else { "0" }).to_string(),
            ];
            expected.push_str(&cells.join(","));
            expected.push('\n');
        }
        for threads in [1, 3] {
            let mut out = Vec::new();
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| pairs(&r).write_csv(&mut out, true))
                .unwrap();
            assert!(String::from_utf8(out).unwrap() == expected, "{threads} threads");
        }
    }
}
