//! One file per input format.

pub mod bluesky;
pub mod bluesky_api;
mod csv_chunks;
pub mod io_archive;
pub mod io_users;
mod json;
mod lenient;
pub mod mapped_json;
pub mod mastodon;
pub mod meta_csv;
pub mod reddit;
mod scan;
pub mod shares_csv;
pub mod telegram;
pub mod x_v1;
pub mod x_v2;
pub mod youtube;

use crate::{IngestError, ReadCtx};
use lockstep_model::LanguageTag;
use std::io::BufRead;

/// How often readers report progress, in records.
const PROGRESS_EVERY: u64 = 1 << 16;

/// A CSV input with its header, shared by the CSV formats.
pub(crate) struct CsvInput<'r> {
    reader: csv::Reader<&'r mut dyn BufRead>,
    pub(crate) header: Vec<String>,
}

impl<'r> CsvInput<'r> {
    pub(crate) fn open(input: &'r mut dyn BufRead, file: &str) -> Result<Self, IngestError> {
        let mut reader =
            csv::ReaderBuilder::new().flexible(true).has_headers(true).from_reader(input);
        let header = reader
            .headers()
            .map_err(|e| csv_error(file, e))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        Ok(CsvInput { reader, header })
    }

    /// The indices of `wanted` columns (exact name, else case-insensitive);
    /// a clear error naming every missing one.
    pub(crate) fn columns(
        &self,
        file: &str,
        wanted: &[&str],
        expected: &str,
    ) -> Result<Vec<usize>, IngestError> {
        find_columns(&self.header, file, wanted, expected)
    }

    /// The index of an optional column.
    pub(crate) fn optional(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h.eq_ignore_ascii_case(name))
    }

    /// Calls `row` on each well-formed record with its line number; broken
    /// records (bad UTF-8, wrong field count) are skipped through `ctx`.
    pub(crate) fn for_each(
        &mut self,
        ctx: &mut ReadCtx<'_>,
        mut row: impl FnMut(&csv::StringRecord, u64, &mut ReadCtx<'_>) -> Result<(), IngestError>,
    ) -> Result<(), IngestError> {
        let mut rec = csv::StringRecord::new();
        let width = self.header.len();
        loop {
            match self.reader.read_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {
                    ctx.report.records_read += 1;
                    let line = rec.position().map_or(0, |p| p.line());
                    if rec.len() != width {
                        let detail = format!("{} fields, the header has {width}", rec.len());
                        ctx.skip(line, "*", "wrong number of fields", detail)?;
                    } else {
                        row(&rec, line, ctx)?;
                    }
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    match e.kind() {
                        csv::ErrorKind::Utf8 { err, .. } => {
                            ctx.report.records_read += 1;
                            let field = self.header.get(err.field()).cloned().unwrap_or_default();
                            ctx.skip(line, &field, "invalid UTF-8", err.to_string())?;
                        }
                        _ => return Err(csv_error(&ctx.report.path, e)),
                    }
                }
            }
            if ctx.report.records_read % PROGRESS_EVERY == 0 {
                (ctx.progress)(ctx.report.records_read);
            }
        }
        (ctx.progress)(ctx.report.records_read);
        Ok(())
    }
}

/// The indices of `wanted` columns in `header` (exact name, else
/// case-insensitive); a clear error naming every missing one.
pub(crate) fn find_columns(
    header: &[String],
    file: &str,
    wanted: &[&str],
    expected: &str,
) -> Result<Vec<usize>, IngestError> {
    let mut idx = Vec::new();
    let mut missing = Vec::new();
    for w in wanted {
        match header
            .iter()
            .position(|h| h == w)
            .or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(w)))
        {
            Some(i) => idx.push(i),
            None => missing.push(format!("`{w}`")),
        }
    }
    if missing.is_empty() {
        Ok(idx)
    } else {
        Err(IngestError::MissingColumns {
            file: file.to_string(),
            missing: missing.join(", "),
            expected: expected.to_string(),
            found: header.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", "),
        })
    }
}

fn csv_error(file: &str, e: csv::Error) -> IngestError {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(source) => IngestError::Io { file: file.to_string(), source },
        other => IngestError::BadRecord {
            file: file.to_string(),
            line,
            field: "*".into(),
            message: format!("{other:?}"),
        },
    }
}

/// The post behind a record's actions.
pub(crate) struct Post<'a> {
    pub line: u64,
    pub account: &'a str,
    pub content: &'a str,
    pub time_us: i64,
    pub platform: &'a str,
    /// The post's own words, as written (not a repost's), kept for the
    /// evidence when the ingest keeps texts.
    pub text: Option<&'a str>,
    /// The language the platform labelled the post's words with.
    pub language: LanguageTag,
    /// When a repost's original was posted, where the record says.
    pub original_us: Option<i64>,
}

/// Why an object a record names is not an act of the post.
pub const CARRIED_BY_REPOST: &str = "carried by a repost (the original's link, hashtag or mention)";
/// See [`CARRIED_BY_REPOST`].
pub const LINK_TO_PLATFORM: &str = "link to the platform itself";
/// See [`CARRIED_BY_REPOST`].
pub const PLATFORM_NOTICE: &str = "the platform's notice in place of the post (withheld)";

/// Keeps of `objects` the post's own acts. A repost is a repost: the links,
/// hashtags and mentions it carries are its original's acts (X puts them
/// in a retweet's entities, a boost shows the boosted status's). A link to
/// the platform itself is no link action: a post's media page is dropped,
/// and a post's permalink is a quote of that post (X shows it so), or
/// nothing when it is the post's own. A domain goes with its links, unless
/// another link of the post names it. The text of X's notice in place of
/// a withheld post is the platform's, not the author's: no text action.
/// Counted by reason in the report.
fn own_acts(
    ctx: &mut ReadCtx<'_>,
    post: &Post<'_>,
    objects: &mut Vec<(lockstep_model::Layer, String)>,
) {
    use lockstep_model::Layer;
    let repost = objects.iter().any(|(l, _)| *l == Layer::Repost);
    let notice =
        post.platform == "twitter" && post.text.is_some_and(crate::text::is_withheld_notice);
    let mut notices = 0;
    let mut carried = 0;
    let mut self_links = 0;
    let mut quotes = Vec::new();
    let mut dropped_domains = Vec::new();
    objects.retain(|(layer, object)| match layer {
        Layer::Url | Layer::Domain | Layer::Hashtag | Layer::Mention if repost => {
            carried += 1;
            false
        }
        Layer::Text if notice => {
            notices += 1;
            false
        }
        Layer::Url => match crate::text::self_link(post.platform, object) {
            Some(kind) => {
                self_links += 1;
                if let crate::text::SelfLink::Post(id) = kind {
                    if id != post.content {
                        quotes.push(id.to_string());
                    }
                }
                dropped_domains.extend(lockstep_model::url_domain(object));
                false
            }
            None => true,
        },
        _ => true,
    });
    if !dropped_domains.is_empty() {
        let named: Vec<String> = objects
            .iter()
            .filter(|(l, _)| *l == Layer::Url)
            .filter_map(|(_, u)| lockstep_model::url_domain(u))
            .collect();
        objects.retain(|(l, d)| {
            *l != Layer::Domain || !dropped_domains.contains(d) || named.contains(d)
        });
    }
    objects.extend(quotes.into_iter().map(|id| (Layer::Quote, id)));
    let mut count = |reason: &str, n: u64| {
        if n > 0 {
            lockstep_model::count(&mut ctx.report.objects_not_acts, reason, n);
        }
    };
    count(CARRIED_BY_REPOST, carried);
    count(LINK_TO_PLATFORM, self_links);
    count(PLATFORM_NOTICE, notices);
}

/// Adds one action per distinct `(layer, object)` of the post's own acts
/// ([`own_acts`]; sorting and de-duplicating `objects`: a post that names a
/// URL twice acts on it once), counting objects on layers that were not
/// selected; a post with no action is counted as skipped.
pub(crate) fn push_objects(
    ctx: &mut ReadCtx<'_>,
    post: &Post<'_>,
    objects: &mut Vec<(lockstep_model::Layer, String)>,
) {
    own_acts(ctx, post, objects);
    objects.sort();
    objects.dedup();
    // The post's words as written: kept for every post when asked, and by
    // default for a post on the text layer, whose object is only its
    // normalised form (talking points show them as written).
    let keep_text = ctx.config.keep_text
        || (ctx.wants(lockstep_model::Layer::Text)
            && objects.iter().any(|(l, _)| *l == lockstep_model::Layer::Text));
    let mut used = false;
    for (layer, object) in objects.iter() {
        if !ctx.wants(*layer) {
            ctx.unselected[layer.index()] += 1;
            continue;
        }
        let row = ctx.builder.push_action(lockstep_model::ActionInput {
            account: post.account,
            object,
            layer: *layer,
            content: post.content,
            time_us: post.time_us,
            platform: post.platform,
        });
        ctx.report.actions += 1;
        if let (lockstep_model::Layer::Repost, Some(t)) = (layer, post.original_us) {
            ctx.builder.set_original_time(row, t);
        }
        if !used && keep_text {
            if let Some(text) = post.text.filter(|t| !t.trim().is_empty()) {
                ctx.builder.set_post_text(row, text, post.language);
            }
        }
        used = true;
    }
    if used {
        ctx.report.records_used += 1;
    } else {
        ctx.unused(post.line, "*", "no object on a selected layer", String::new());
    }
}

/// Adds a URL (canonical) and its domain.
pub(crate) fn push_url(objects: &mut Vec<(lockstep_model::Layer, String)>, url: &str) {
    let url = crate::text::canonical_url(url);
    if url.is_empty() {
        return;
    }
    if let Some(d) = crate::text::url_domain(&url) {
        objects.push((lockstep_model::Layer::Domain, d));
    }
    objects.push((lockstep_model::Layer::Url, url));
}

/// Adds per-layer counts (indexed by [`lockstep_model::Layer::index`]) to
/// a report map keyed by layer name; zero counts add no key.
pub(crate) fn add_layer_counts(map: &mut std::collections::BTreeMap<String, u64>, counts: &[u64]) {
    for (layer, &n) in lockstep_model::Layer::ALL.iter().zip(counts) {
        if n > 0 {
            *map.entry(layer.name().to_string()).or_default() += n;
        }
    }
}

/// The account and content id of a CSV row, trimmed; an empty one is a
/// counted skip (`None`).
pub(crate) fn account_and_content<'r>(
    rec: &'r csv::StringRecord,
    line: u64,
    ctx: &mut ReadCtx<'_>,
    names: &[String],
    (acc_i, con_i): (usize, usize),
) -> Result<Option<(&'r str, &'r str)>, IngestError> {
    let (account, content) = (rec[acc_i].trim(), rec[con_i].trim());
    if account.is_empty() {
        ctx.skip(line, &names[acc_i], "empty account", String::new())?;
        return Ok(None);
    }
    if content.is_empty() {
        ctx.skip(line, &names[con_i], "empty content id", String::new())?;
        return Ok(None);
    }
    Ok(Some((account, content)))
}

/// Where `block` is cut into about `n` chunks of at least `min_chunk`
/// bytes, read on all cores: after a line end (at `j`), where `boundary(j)`
/// says the next record starts; from 0 to the block's length.
pub(crate) fn chunk_cuts(
    block: &[u8],
    n: usize,
    min_chunk: usize,
    boundary: impl Fn(usize) -> usize,
) -> Vec<usize> {
    let step = (block.len() / n.max(1)).max(min_chunk);
    let mut out = vec![0];
    let mut from = step;
    while from < block.len() {
        match memchr::memchr(b'\n', &block[from..]) {
            Some(i) => {
                let cut = boundary(from + i);
                if cut >= block.len() {
                    break;
                }
                if cut > *out.last().expect("a first cut") {
                    out.push(cut);
                }
                from += i + 1 + step;
            }
            None => break,
        }
    }
    out.push(block.len());
    out
}

/// Whether a header line contains every name in `names` as a CSV column.
pub(crate) fn header_has(head: &[u8], names: &[&str]) -> bool {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let cols: Vec<String> = line
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    names.iter().all(|n| cols.iter().any(|c| c == n))
}
