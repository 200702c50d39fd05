use crate::Results;
use lockstep_model::time::{fmt_iso, push_iso, push_unix};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// A table of the run folder: its file name, a constant per column (named
/// as the column, upper-cased) and every column in the file's order. The
/// writer below each one writes [`COLUMNS`](pairs::COLUMNS); readers look
/// columns up by these constants, so that a renamed column fails to
/// compile, not to read.
macro_rules! table {
    ($(#[$doc:meta])* $module:ident, $file:literal, [$($col:ident = $name:literal),* $(,)?] $($extra:item)*) => {
        $(#[$doc])*
        pub mod $module {
            /// The file's name in a run folder.
            pub const FILE: &str = $file;
            $(#[doc = concat!("`", $name, "`")] pub const $col: &str = $name;)*
            /// Every column, in the file's order.
            pub const COLUMNS: &[&str] = &[$($col),*];
            $($extra)*
        }
    };
}

fn csv_writer(w: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new().from_writer(w)
}

/// Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, tab or
/// carriage return as a formula, and posts are written by adversaries: such
/// cells of input text get a leading `'` (OWASP's advice for CSV
/// injection), which spreadsheets hide and scripts can strip.
pub(crate) fn guard(s: &str, on: bool) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') if on => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// A cell as it was before [`guard`], for readers of a run written with
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
        self.sep();
        let b = s.as_bytes();
        if b.iter().any(|&c| matches!(c, b',' | b'"' | b'\n' | b'\r')) {
            self.out.push(b'"');
            for &c in b {
                if c == b'"' {
                    self.out.push(b'"');
                }
                self.out.push(c);
            }
            self.out.push(b'"');
        } else {
            self.out.extend_from_slice(b);
        }
        self
    }

    /// A field of input text behind the formula guard ([`guard`]).
    pub(crate) fn guarded(&mut self, s: &str, on: bool) -> &mut Self {
        match guard(s, on) {
            Cow::Borrowed(s) => self.text(s),
            Cow::Owned(s) => self.text(&s),
        }
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

fn io_err(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

table!(
    /// `campaigns.csv`: one row per cluster, its campaign score and the parts of it.
    campaigns,
    "campaigns.csv",
    [
        CLUSTER = "cluster",
        SCORE = "score",
        P_VALUE = "p_value",
        SIGNALS = "signals",
        PATTERN = "pattern",
        EXPLANATION = "explanation",
        KILL_CHAIN = "kill_chain",
        DISARM = "disarm",
    ]
    /// What separates the phases of `kill_chain` and the ids of `disarm`.
    pub const LIST_SEPARATOR: &str = "; ";
);

/// One row per cluster: its campaign score and the parts of it,
/// `feed-mirror` in `pattern` for a cluster set aside as one, and what it
/// evidences ([`lockstep_campaign::Score::tags`]): the kill chain's phases
/// and the DISARM technique ids, each once. The explanation is built from
/// numbers and lockstep's own words (handle templates are quoted), so it
/// needs the formula guard no more than the numbers do.
pub(crate) fn campaigns_csv(
    w: &mut dyn Write,
    scores: &[lockstep_campaign::Score],
) -> io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record(campaigns::COLUMNS).map_err(io_err)?;
    for s in scores {
        let tags = s.tags();
        let mut phases: Vec<&str> = tags.iter().map(|t| t.phase.name()).collect();
        phases.dedup();
        let mut ids: Vec<&str> = tags.iter().map(|t| t.technique.id).collect();
        ids.sort_unstable();
        ids.dedup();
        c.write_record([
            s.cluster.to_string(),
            format!("{:.2}", s.score),
            format!("{:.6e}", s.p),
            s.parts.len().to_string(),
            s.pattern().to_string(),
            guard(&s.explain(), true).into_owned(),
            phases.join(campaigns::LIST_SEPARATOR),
            ids.join(campaigns::LIST_SEPARATOR),
        ])
        .map_err(io_err)?;
    }
    c.flush()
}

table!(
    /// `campaign_signals.csv`: one row per signal measured in a cluster.
    campaign_signals,
    "campaign_signals.csv",
    [
        CLUSTER = "cluster",
        SIGNAL = "signal",
        SCORE = "score",
        EVIDENCE = "evidence",
        KILL_CHAIN_PHASE = "kill_chain_phase",
        BEHAVIOUR = "behaviour",
        DISARM_ID = "disarm_id",
        DISARM_NAME = "disarm_name",
    ]
);

/// One row per signal measured in a cluster, strongest first within the
/// cluster, clusters in campaigns.csv's order: the parts of its score, each
/// with what it saw and what it evidences (whether it alone scores
/// [`lockstep_campaign::WORTH_A_LOOK`] is for the reader to see in
/// `score`).
pub(crate) fn campaign_signals_csv(
    w: &mut dyn Write,
    scores: &[lockstep_campaign::Score],
) -> io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record(campaign_signals::COLUMNS).map_err(io_err)?;
    for s in scores {
        for p in &s.parts {
            let tag = p.signal.tag();
            c.write_record([
                s.cluster.to_string(),
                p.signal.name().to_string(),
                format!("{:.2}", p.score()),
                guard(&p.words, true).into_owned(),
                tag.phase.name().to_string(),
                tag.behaviour.to_string(),
                tag.technique.id.to_string(),
                tag.technique.name.to_string(),
            ])
            .map_err(io_err)?;
        }
    }
    c.flush()
}

table!(
    /// `sweep.csv` (`lockstep sweep`): one row per setting of the grid.
    sweep,
    "sweep.csv",
    [
        WINDOW_S = "window_s",
        MIN_WEIGHT = "min_weight",
        FDR = "fdr",
        REFERENCE = "reference",
        EDGES = "edges",
        ACCOUNTS = "accounts",
        CLUSTERS = "clusters",
        CLUSTERS_HELD = "clusters_held",
    ]
);

/// One row per setting swept, in sweep order: what it gave, and how many of
/// the reference setting's clusters hold there.
pub(crate) fn sweep_csv(w: &mut dyn Write, sweep: &lockstep_graph::Sweep) -> io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record(sweep::COLUMNS).map_err(io_err)?;
    for s in &sweep.settings {
        let held = s.overlap.iter().filter(|&&j| j >= lockstep_graph::stability::HOLDS).count();
        c.write_record([
            lockstep_model::time::fmt_secs(s.window_us),
            s.min_weight.to_string(),
            s.fdr.map_or(String::new(), fmt_f),
            s.reference.to_string(),
            s.edges.to_string(),
            s.accounts.to_string(),
            s.clusters.to_string(),
            held.to_string(),
        ])
        .map_err(io_err)?;
    }
    c.flush()
}

table!(
    /// `stability.csv` (`lockstep sweep`): one row per cluster, how it
    /// holds across the other settings.
    stability,
    "stability.csv",
    [
        CLUSTER = "cluster",
        ACCOUNTS = "accounts",
        SETTINGS = "settings",
        HELD = "held",
        STABILITY = "stability",
        MEAN_OVERLAP = "mean_overlap",
        WEAKEST_WINDOW_S = "weakest_window_s",
        WEAKEST_MIN_WEIGHT = "weakest_min_weight",
        WEAKEST_FDR = "weakest_fdr",
        WEAKEST_OVERLAP = "weakest_overlap",
    ]
);

/// One row per cluster of the run: over the other settings swept, at how
/// many some cluster overlaps it by [`lockstep_graph::stability::HOLDS`]
/// or more (Jaccard of accounts), their share, the mean best overlap, and
/// the setting where it overlaps least.
pub(crate) fn stability_csv(
    w: &mut dyn Write,
    r: &Results<'_>,
    sweep: &lockstep_graph::Sweep,
) -> io::Result<()> {
    let mut c = csv_writer(w);
    c.write_record(stability::COLUMNS).map_err(io_err)?;
    let settings = sweep.others().count();
    for (i, cl) in r.net.clusters.iter().enumerate() {
        let held = sweep.held(i);
        let weakest = sweep.weakest(i);
        c.write_record([
            cl.id.to_string(),
            cl.accounts.len().to_string(),
            settings.to_string(),
            held.to_string(),
            if settings == 0 { String::new() } else { fmt_f(held as f64 / settings as f64) },
            fmt_f(sweep.mean_overlap(i)),
            weakest.map_or(String::new(), |s| lockstep_model::time::fmt_secs(s.window_us)),
            weakest.map_or(String::new(), |s| s.min_weight.to_string()),
            weakest.and_then(|s| s.fdr).map_or(String::new(), fmt_f),
            weakest.map_or(String::new(), |s| fmt_f(s.overlap[i])),
        ])
        .map_err(io_err)?;
    }
    c.flush()
}

table!(
    /// `talking_points.csv`: what a cluster pushed on a day.
    talking_points,
    "talking_points.csv",
    [
        CLUSTER = "cluster",
        DAY_UTC = "day_utc",
        LAYER = "layer",
        OBJECT = "object",
        ACCOUNTS = "accounts",
        SHARE = "share",
        AS_WRITTEN = "as_written",
        LANGUAGE = "language",
        LANGUAGE_FROM = "language_from",
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
pub(crate) fn talking_points_csv(
    w: &mut dyn Write,
    r: &Results<'_>,
    points: &[lockstep_campaign::TalkingPoint],
) -> io::Result<()> {
    let g = |s| guard(s, r.formula_guard);
    let ds = r.ds;
    let mut c = csv_writer(w);
    c.write_record(talking_points::COLUMNS).map_err(io_err)?;
    for p in points {
        let (y, m, d) = lockstep_model::time::civil_from_days(p.day);
        let text = p.written.and_then(|c| ds.post_text(c));
        let labelled = p.written.and_then(|c| ds.post_language(c));
        let (language, from) = match (labelled, text.and_then(lockstep_text::language)) {
            (Some(tag), _) => (tag, talking_points::FROM_PLATFORM),
            (None, Some(detected)) => (detected.tag, talking_points::FROM_WORDS),
            (None, None) => ("", ""),
        };
        c.write_record([
            p.cluster.to_string(),
            format!("{y:04}-{m:02}-{d:02}"),
            ds.object_layer(p.object).name().to_string(),
            g(ds.object_name(p.object)).into_owned(),
            p.accounts.to_string(),
            fmt_f(p.share),
            g(text.unwrap_or_default()).into_owned(),
            language.to_string(),
            from.to_string(),
        ])
        .map_err(io_err)?;
    }
    c.flush()
}

fn opt(n: Option<u64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

table!(
    /// `cluster_fingerprints.csv`: one row per cluster, its factory fingerprints.
    cluster_fingerprints,
    "cluster_fingerprints.csv",
    [
        CLUSTER = "cluster",
        ACCOUNTS = "accounts",
        WITH_CREATION_DATE = "with_creation_date",
        CREATION_BATCH = "creation_batch",
        CREATION_BATCH_START_UTC = "creation_batch_start_utc",
        CREATION_BATCH_EXPECTED = "creation_batch_expected",
        CREATION_BATCH_P = "creation_batch_p",
        WITH_HANDLE = "with_handle",
        HANDLE_TEMPLATE = "handle_template",
        HANDLE_TEMPLATE_SHARE = "handle_template_share",
        HANDLE_TEMPLATE_BACKGROUND = "handle_template_background",
        ACTIONS = "actions",
        ACTIVE_MINUTES = "active_minutes",
        OFFICE_UTC_OFFSETS = "office_utc_offsets",
        OFFICE_SHARE = "office_share",
        OFFICE_BACKGROUND = "office_background",
        CLIENT_APP = "client_app",
        CLIENT_APP_SHARE = "client_app_share",
        CLIENT_APP_BACKGROUND = "client_app_background",
        WITH_IMAGE_FLAG = "with_image_flag",
        DEFAULT_IMAGE = "default_image",
        DEFAULT_IMAGE_BACKGROUND = "default_image_background",
        DEFAULT_IMAGE_P = "default_image_p",
        WITH_COUNTS = "with_counts",
        THIN_AUDIENCE = "thin_audience",
        THIN_AUDIENCE_BACKGROUND = "thin_audience_background",
        THIN_AUDIENCE_P = "thin_audience_p",
        MEDIAN_FOLLOWERS = "median_followers",
        MEDIAN_FOLLOWING = "median_following",
        MEDIAN_FOLLOWERS_BACKGROUND = "median_followers_background",
        MEDIAN_FOLLOWING_BACKGROUND = "median_following_background",
        TIMED_REPOSTS = "timed_reposts",
        FAST_REPOSTS = "fast_reposts",
        FAST_REPOSTS_BACKGROUND = "fast_reposts_background",
        FAST_REPOSTS_P = "fast_reposts_p",
    ]
);

/// One row per cluster: its factory fingerprints.
pub(crate) fn fingerprints_csv(
    w: &mut dyn Write,
    r: &Results<'_>,
    fingerprints: &[lockstep_fingerprint::ClusterFingerprint],
) -> io::Result<()> {
    let g = |s| guard(s, r.formula_guard);
    let mut c = csv_writer(w);
    c.write_record(cluster_fingerprints::COLUMNS).map_err(io_err)?;
    for f in fingerprints {
        let (lo, hi) = f.office_utc_offsets;
        c.write_record([
            f.cluster.to_string(),
            f.accounts.to_string(),
            f.with_creation.to_string(),
            f.batch.to_string(),
            f.batch_start_us.map(fmt_iso).unwrap_or_default(),
            fmt_f(f.batch_expected),
            format!("{:.6e}", f.batch_p),
            f.with_handle.to_string(),
            g(f.template.as_deref().unwrap_or_default()).into_owned(),
            fmt_f(f.template_share),
            fmt_f(f.template_background),
            f.actions.to_string(),
            f.active_minutes.to_string(),
            format!("{lo:+}..{hi:+}"),
            fmt_f(f.office_share),
            fmt_f(f.office_background),
            g(f.client.as_deref().unwrap_or_default()).into_owned(),
            fmt_f(f.client_share),
            fmt_f(f.client_background),
            f.with_image_flag.to_string(),
            f.default_image.to_string(),
            fmt_f(f.default_image_background),
            format!("{:.6e}", f.default_image_p),
            f.with_counts.to_string(),
            f.thin_audience.to_string(),
            fmt_f(f.thin_audience_background),
            format!("{:.6e}", f.thin_audience_p),
            opt(f.median_counts.map(|m| m.0)),
            opt(f.median_counts.map(|m| m.1)),
            opt(f.median_counts_background.map(|m| m.0)),
            opt(f.median_counts_background.map(|m| m.1)),
            f.timed_reposts.to_string(),
            f.fast_reposts.to_string(),
            fmt_f(f.fast_reposts_background),
            format!("{:.6e}", f.fast_reposts_p),
        ])
        .map_err(io_err)?;
    }
    c.flush()
}

table!(
    /// `bio_clusters.csv`: one row per account in a cluster of near-duplicate bios.
    bio_clusters,
    "bio_clusters.csv",
    [
        BIO_CLUSTER = "bio_cluster",
        ACCOUNTS = "accounts",
        ACCOUNT = "account",
        HANDLE = "handle",
        SIMILARITY = "similarity",
        BIO = "bio",
    ]
);

/// One row per account in a cluster of near-duplicate bios.
pub(crate) fn bio_clusters_csv(
    w: &mut dyn Write,
    r: &Results<'_>,
    bios: &lockstep_text::BioClusters,
) -> io::Result<()> {
    let g = |s| guard(s, r.formula_guard);
    let ds = r.ds;
    let m = &ds.account_meta;
    let mut c = csv_writer(w);
    c.write_record(bio_clusters::COLUMNS).map_err(io_err)?;
    for (i, cluster) in bios.clusters.iter().enumerate() {
        for &(a, similarity) in cluster {
            let a = a as usize;
            c.write_record([
                &(i + 1).to_string(),
                &cluster.len().to_string(),
                &*g(ds.account_name(a as u32)),
                &*g(m.handle[a].as_deref().unwrap_or_default()),
                &format!("{similarity:.6}"),
                &*g(m.bio[a].as_deref().unwrap_or_default()),
            ])
            .map_err(io_err)?;
        }
    }
    c.flush()
}

table!(
    /// `near_text_pairs.csv`: the pairs on the `near_text` layer, with both texts.
    near_text_pairs,
    "near_text_pairs.csv",
    [
        OBJECT = "object",
        ACCOUNT_A = "account_a",
        ACCOUNT_B = "account_b",
        CONTENT_A = "content_a",
        CONTENT_B = "content_b",
        TIME_A_UTC = "time_a_utc",
        TIME_B_UTC = "time_b_utc",
        SIMILARITY = "similarity",
        TEXT_A = "text_a",
        TEXT_B = "text_b",
    ]
);

/// One row per coordinated pair on the `near_text` layer: both texts (as
/// written where the ingest kept them, else as compared) and their
/// similarity, the evidence of the edit.
pub(crate) fn near_text_pairs_csv(
    w: &mut dyn Write,
    r: &Results<'_>,
    near: &lockstep_text::TextLayer,
) -> io::Result<()> {
    let g = |s| guard(s, r.formula_guard);
    let (ds, p) = (r.ds, &r.det.pairs);
    let t = &ds.actions;
    let mut c = csv_writer(w);
    c.write_record(near_text_pairs::COLUMNS).map_err(io_err)?;
    c.flush()?;
    drop(c);
    let near_rows: Vec<usize> = (0..p.len())
        .filter(|&k| t.layer[p.older[k] as usize] == lockstep_model::Layer::NearText)
        .collect();
    let rows = |range: std::ops::Range<usize>| -> io::Result<Vec<u8>> {
        let mut c = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
        for &k in &near_rows[range] {
            let (a, b) = (p.older[k] as usize, p.newer[k] as usize);
            let e = near.pair(ds, a, b);
            c.write_record([
                &*g(ds.object_name(t.object[a])),
                &*g(ds.account_name(t.account[a])),
                &*g(ds.account_name(t.account[b])),
                &*g(ds.content_name(t.content[a])),
                &*g(ds.content_name(t.content[b])),
                &fmt_iso(t.time_us[a]),
                &fmt_iso(t.time_us[b]),
                &format!("{:.6}", e.similarity),
                &*g(ds.post_text(t.content[a]).unwrap_or(e.text_a)),
                &*g(ds.post_text(t.content[b]).unwrap_or(e.text_b)),
            ])
            .map_err(io_err)?;
        }
        c.into_inner().map_err(|e| io::Error::other(e.to_string()))
    };
    write_blocks(w, near_rows.len(), &rows)
}

table!(
    /// `pairs.csv`: one row per coordinated action pair.
    pairs,
    "pairs.csv",
    [
        LAYER = "layer",
        OBJECT = "object",
        ACCOUNT_A = "account_a",
        ACCOUNT_B = "account_b",
        CONTENT_A = "content_a",
        CONTENT_B = "content_b",
        TIME_A = "time_a",
        TIME_B = "time_b",
        TIME_A_UTC = "time_a_utc",
        TIME_B_UTC = "time_b_utc",
        DELTA_S = "delta_s",
        FAST = "fast",
    ]
    /// The file's name when written compressed (`--compress-pairs`): the
    /// same bytes in zstd's seekable format ([`crate::seekable`]).
    pub const COMPRESSED: &str = "pairs.csv.zst";
);

/// One row per coordinated action pair; `a` is the older action.
pub(crate) fn pairs_csv<'a>(w: &mut dyn Write, r: &Results<'a>) -> io::Result<()> {
    let (ds, p) = (r.ds, &r.det.pairs);
    let t = &ds.actions;
    let mut c = csv_writer(w);
    c.write_record(pairs::COLUMNS).map_err(io_err)?;
    c.flush()?;
    drop(c);
    // Without all_pairs, the pairs of the edges over the threshold: on a
    // month of real traffic every pair is tens of gigabytes of bursts.
    let chosen: Option<Vec<usize>> = (!r.all_pairs).then(|| {
        let e = &r.det.edges;
        (0..e.len()).filter(|&i| r.net.over[i]).flat_map(|i| e.pair_range(i, p)).collect()
    });
    let row_of = |k: usize| chosen.as_ref().map_or(k, |c| c[k]);
    let n = chosen.as_ref().map_or(p.len(), Vec::len);
    // Rows are formatted in parallel, a block at a time, and written in
    // order: the bytes are those of a sequential loop.
    let on = r.formula_guard;
    let rows = |range: std::ops::Range<usize>| -> io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(range.len() * 160);
        // A row reads two actions' columns and five dictionary strings,
        // each a random access far apart. Gathered a column at a time, the
        // loads do not wait on each other as they would in one loop per
        // row, and the rows are then formatted from what is in cache.
        let ks: Vec<usize> = range.map(row_of).collect();
        let a: Vec<usize> = ks.iter().map(|&k| p.older[k] as usize).collect();
        let b: Vec<usize> = ks.iter().map(|&k| p.newer[k] as usize).collect();
        let gather =
            |rows: &[usize], col: &[u32]| -> Vec<u32> { rows.iter().map(|&i| col[i]).collect() };
        let (objects, accounts_a, accounts_b, contents_a, contents_b) = (
            gather(&a, &t.object),
            gather(&a, &t.account),
            gather(&b, &t.account),
            gather(&a, &t.content),
            gather(&b, &t.content),
        );
        let layers: Vec<&str> = a.iter().map(|&i| t.layer[i].name()).collect();
        let times: Vec<(i64, i64)> =
            a.iter().zip(&b).map(|(&a, &b)| (t.time_us[a], t.time_us[b])).collect();
        let names = |ids: &[u32], name: &dyn Fn(u32) -> &'a str| -> Vec<&'a str> {
            ids.iter().map(|&id| name(id)).collect()
        };
        let objects = names(&objects, &|o| ds.object_name(o));
        let accounts_a = names(&accounts_a, &|x| ds.account_name(x));
        let accounts_b = names(&accounts_b, &|x| ds.account_name(x));
        let contents_a = names(&contents_a, &|x| ds.content_name(x));
        let contents_b = names(&contents_b, &|x| ds.content_name(x));
        for (j, &k) in ks.iter().enumerate() {
            let (ta, tb) = times[j];
            Row::new(&mut out)
                .text(layers[j])
                .guarded(objects[j], on)
                .guarded(accounts_a[j], on)
                .guarded(accounts_b[j], on)
                .guarded(contents_a[j], on)
                .guarded(contents_b[j], on)
                .plain(|o| push_unix(o, ta))
                .plain(|o| push_unix(o, tb))
                .plain(|o| push_iso(o, ta))
                .plain(|o| push_iso(o, tb))
                .plain(|o| push_unix(o, tb - ta))
                .text(if p.fast[k] { "1" } else { "0" })
                .end();
        }
        Ok(out)
    };
    write_blocks(w, n, &rows)
}

/// Writes rows `0..n`, formatted in parallel a chunk at a time by `rows`
/// and written in order: the bytes of a sequential loop, with memory for
/// one block of chunks.
fn write_blocks(
    w: &mut dyn Write,
    n: usize,
    rows: &(dyn Fn(std::ops::Range<usize>) -> io::Result<Vec<u8>> + Sync),
) -> io::Result<()> {
    const CHUNK: usize = 1 << 14;
    const BLOCK: usize = CHUNK * 64;
    for start in (0..n).step_by(BLOCK) {
        let end = (start + BLOCK).min(n);
        let chunks: Vec<io::Result<Vec<u8>>> = (start..end)
            .step_by(CHUNK)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|s| rows(s..(s + CHUNK).min(end)))
            .collect();
        for chunk in chunks {
            w.write_all(&chunk?)?;
        }
    }
    Ok(())
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
    "edges.csv",
    [
        ACCOUNT_A = "account_a",
        ACCOUNT_B = "account_b",
        WEIGHT = "weight",
        PAIR_ROWS = "pair_rows",
        OBJECTS = "objects",
        MEAN_DELTA_S = "mean_delta_s",
        LAYERS = "layers",
        N_CONTENT_ID = "n_content_id",
        N_CONTENT_ID_Y = "n_content_id_y",
        EDGE_SYMMETRY_SCORE = "edge_symmetry_score",
        FAST_WEIGHT = "fast_weight",
        OVER_THRESHOLD = "over_threshold",
        CLUSTER = "cluster",
        LAYER_OBJECTS = "layer_objects",
        IDF_WEIGHT = "idf_weight",
        EXPECTED_OBJECTS = "expected_objects",
        P_VALUE = "p_value",
        Q_VALUE = "q_value",
        PARTNER_EXPECTED = "partner_expected",
        PARTNER_P_VALUE = "partner_p_value",
        PARTNER_Q_VALUE = "partner_q_value",
        IN_OPENINGS = "in_openings",
    ]
    /// How many of the columns every `edges.csv` has (up to
    /// `layer_objects`); [`IDF_WEIGHT`] and the significance columns
    /// follow when computed.
    pub const BASE: usize = 14;
);

pub(crate) fn edges_csv(w: &mut dyn Write, r: &Results<'_>) -> io::Result<()> {
    let g = |s| guard(s, r.formula_guard);
    let (ds, e, net) = (r.ds, &r.det.edges, r.net);
    let cluster = cluster_lookup(r);
    let mut c = csv_writer(w);
    let mut header = edges::COLUMNS[..edges::BASE].to_vec();
    // Extra columns only when computed: the first thirteen are CooRTweet's
    // comparable ones.
    if r.idf.is_some() {
        header.push(edges::IDF_WEIGHT);
    }
    if r.significance.is_some() {
        header.extend(&edges::COLUMNS[edges::BASE + 1..]);
    }
    c.write_record(&header).map_err(io_err)?;
    for i in 0..e.len() {
        // Without all_edges, the edges between flagged accounts: on a
        // month of real traffic every edge is gigabytes of fans' pairs.
        let flagged = cluster.contains_key(&e.a[i]) && cluster.contains_key(&e.b[i]);
        if !(r.all_edges || flagged) {
            continue;
        }
        let cl = if net.over[i] { cluster.get(&e.a[i]).map(|c| c.to_string()) } else { None };
        let sig = r.significance.map(|s| {
            [
                format!("{:.6}", s.expected[i]),
                format!("{:.6e}", s.p_value[i]),
                format!("{:.6e}", s.q_value[i]),
                format!("{:.6}", s.partners.expected[i]),
                format!("{:.6e}", s.partners.p_value[i]),
                format!("{:.6e}", s.partners.q_value[i]),
                s.in_openings[i].to_string(),
            ]
        });
        let mut row: Vec<String> = vec![
            g(ds.account_name(e.a[i])).into_owned(),
            g(ds.account_name(e.b[i])).into_owned(),
            e.weight[i].to_string(),
            e.pair_rows[i].to_string(),
            e.objects[i].to_string(),
            fmt_f(e.mean_delta_us[i] / 1e6),
            e.layers[i].join(";"),
            e.n_content_older[i].to_string(),
            e.n_content_newer[i].to_string(),
            fmt_f(e.symmetry(i)),
            e.fast_weight[i].to_string(),
            (if net.over[i] { "1" } else { "0" }).to_string(),
            cl.unwrap_or_default(),
            layer_objects(r, i),
        ];
        row.extend(r.idf.map(|w| fmt_f(w[i])));
        row.extend(sig.into_iter().flatten());
        c.write_record(&row).map_err(io_err)?;
    }
    c.flush()
}

table!(
    /// `accounts.csv`: one row per account with an edge.
    accounts,
    "accounts.csv",
    [
        ACCOUNT = "account",
        CLUSTER = "cluster",
        DEGREE = "degree",
        STRENGTH = "strength",
        DEGREE_ALL = "degree_all",
        COORDINATED_OBJECTS = "coordinated_objects",
        ACTIONS = "actions",
        HANDLE = "handle",
        PAIRS_IN_CLUSTER = "pairs_in_cluster",
        MEDIAN_LAG_S = "median_lag_s",
        LED_SHARE = "led_share",
        CREATED_UTC = "created_utc",
        FOLLOWERS = "followers",
        FOLLOWING = "following",
        DEFAULT_IMAGE = "default_image",
        TIMED_REPOSTS = "timed_reposts",
        FAST_REPOSTS = "fast_reposts",
    ]
);

pub(crate) fn accounts_csv(w: &mut dyn Write, r: &Results<'_>) -> io::Result<()> {
    let g = |s| guard(s, r.formula_guard);
    let ds = r.ds;
    let mut c = csv_writer(w);
    c.write_record(accounts::COLUMNS).map_err(io_err)?;
    let computed;
    let reposts = match r.fast_reposts {
        Some(given) => given,
        None => {
            computed = lockstep_fingerprint::fast_reposts(ds);
            &computed
        }
    };
    for (a, s) in &r.net.accounts {
        let created = ds.account_meta.created_at_us.get(*a as usize).copied().flatten();
        let handle =
            ds.account_meta.handle.get(*a as usize).and_then(|h| h.as_deref()).unwrap_or("");
        let role = r.roles.and_then(|roles| roles[*a as usize]);
        let m = &ds.account_meta;
        let count = |col: &[Option<u64>]| opt(col.get(*a as usize).copied().flatten());
        let default_image = match m.default_image.get(*a as usize).copied().flatten() {
            Some(true) => "1",
            Some(false) => "0",
            None => "",
        };
        c.write_record([
            &*g(ds.account_name(*a)),
            &s.cluster.map(|c| c.to_string()).unwrap_or_default(),
            &s.degree.to_string(),
            &s.strength.to_string(),
            &s.degree_all.to_string(),
            &s.coordinated_objects.to_string(),
            &s.actions.to_string(),
            &*g(handle),
            &role.map(|r| r.pairs.to_string()).unwrap_or_default(),
            &role.map(|r| fmt_f(r.median_lag_s)).unwrap_or_default(),
            &role.map(|r| fmt_f(r.led_share)).unwrap_or_default(),
            &created.map(fmt_iso).unwrap_or_default(),
            &count(&m.followers),
            &count(&m.following),
            default_image,
            &reposts[*a as usize].0.to_string(),
            &reposts[*a as usize].1.to_string(),
        ])
        .map_err(io_err)?;
    }
    c.flush()
}

/// How many top objects `clusters.csv` lists per cluster.
const TOP_OBJECTS: usize = 5;

table!(
    /// `clusters.csv`: one row per cluster.
    clusters,
    "clusters.csv",
    [
        CLUSTER = "cluster",
        ACCOUNTS = "accounts",
        EDGES = "edges",
        DENSITY = "density",
        TOTAL_WEIGHT = "total_weight",
        FIRST_TIME_UTC = "first_time_utc",
        LAST_TIME_UTC = "last_time_utc",
        TOP_OBJECTS = "top_objects",
    ]
);

pub(crate) fn clusters_csv(w: &mut dyn Write, r: &Results<'_>) -> io::Result<()> {
    let (ds, det) = (r.ds, r.det);
    let t = &ds.actions;
    let mut c = csv_writer(w);
    c.write_record(clusters::COLUMNS).map_err(io_err)?;
    for cl in &r.net.clusters {
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
        c.write_record([
            &cl.id.to_string(),
            &cl.accounts.len().to_string(),
            &cl.edges.len().to_string(),
            &fmt_f(density),
            &total.to_string(),
            &fmt_iso(first),
            &fmt_iso(last),
            &top.join(" | "),
        ])
        .map_err(io_err)?;
    }
    c.flush()
}

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
    use lockstep_model::time::{fmt_secs, fmt_unix};
    use lockstep_model::{ActionInput, DatasetBuilder, Layer};

    /// The block-parallel `pairs.csv` equals a plain sequential loop, over
    /// many chunks, on 1 and 3 threads.
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
        assert!(det.pairs.len() > 3 * (1 << 14), "only {} pairs", det.pairs.len());
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
                .install(|| pairs_csv(&mut out, &r))
                .unwrap();
            assert!(String::from_utf8(out).unwrap() == expected, "{threads} threads");
        }
    }
}
