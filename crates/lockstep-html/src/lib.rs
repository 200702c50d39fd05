//! `report.html`: one self-contained file from a run's output folder, for
//! an editor, a platform or a court. No script, no network: styles are
//! inline, drawings are inline SVG, and a Content-Security-Policy forbids
//! anything else, so the file reads the same offline years later. Every
//! value comes from posts written by adversaries and is escaped
//! ([`escape`]) wherever it lands: text, attributes, SVG.
//!
//! Sections: a first page for a reader with two minutes (what was
//! analysed, the campaigns worth a look in plain words with their
//! strength, and what the method cannot say); the clusters ranked by
//! campaign score; per campaign worth a look (every cluster with
//! [`ReportOptions::all_clusters`]) its signals, fingerprints, a drawing
//! of its network, its coordinated actions per day and by hour of the
//! week, its accounts' creation dates, its talking points and evidence
//! pairs (with both texts where `near_text` gave them); and an appendix:
//! the run's version, parameters, inputs with SHA-256 and records
//! read/used/skipped.
#![warn(missing_docs)]

mod links;
mod network;
mod plots;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Clusters drawn in full at most (the rest are listed).
pub const MAX_CLUSTERS: usize = 50;
/// Evidence pairs shown per cluster (the rest are in pairs.csv): enough to
/// see the pattern, few enough that a campaign prints on a page or two.
pub const MAX_PAIRS: usize = 20;

/// The evidence table's columns before its texts' (similarity, text a,
/// text b).
const TEXT_COLUMNS: usize = 9;

/// Talking points shown per cluster, the most shared first (the rest are
/// in talking_points.csv).
pub const MAX_TALKING_POINTS: usize = 12;

/// What a report shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    /// Draw every cluster (up to [`MAX_CLUSTERS`]), not only the campaigns
    /// worth a look ([`WORTH_A_LOOK`]); a run without campaign scores
    /// draws every cluster anyway.
    pub all_clusters: bool,
}

/// Why the report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    /// A file of the output folder could not be read or written.
    #[error("`{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A table of the run is not what `lockstep detect` writes.
    #[error(transparent)]
    Run(#[from] lockstep_report::ReportError),
    /// A file is not what `lockstep detect` writes.
    #[error("`{path}`: {message}; is it the folder of a `lockstep detect` run?")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Whether a cell of talking_points.csv's `language` is a language tag as
/// lockstep writes them (two or three ASCII letters): anything else in an
/// edited file is not put into a `lang` attribute.
fn is_language_tag(s: &str) -> bool {
    (2..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase())
}

/// Text for HTML text and attribute values (and SVG): `& < > " '` as
/// entities; control characters other than tab and newline, and the
/// bidirectional overrides adversaries use to disguise text, as visible
/// code points.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control()
                || ('\u{202A}'..='\u{202E}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c) =>
            {
                let _ = write!(out, "[U+{:04X}]", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// A CSV table as header and rows.
use lockstep_campaign::vocabulary::disarm;
use lockstep_report::{files, Table};

fn table_html(out: &mut String, header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    table_of_cells(out, header, rows.map(|row| row.iter().map(|v| escape(v)).collect()));
}

/// A table whose cells are HTML already: the caller escaped every value.
fn table_of_cells(out: &mut String, header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    out.push_str("<table><thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for v in row {
            let _ = write!(out, "<td>{v}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

/// A value kept on one line (a time: broken, it reads as two).
fn nowrap(v: &str) -> String {
    format!("<span class=\"nowrap\">{}</span>", escape(v))
}

/// A post id as a cell: a link to the post where its platform has a
/// public address for it ([`links::post_link`]), else text.
fn post_cell(id: &str) -> String {
    match links::post_link(id) {
        Some(url) => format!(
            "<a href=\"{}\" rel=\"noopener noreferrer nofollow\">{}</a>",
            escape(&url),
            escape(id)
        ),
        None => escape(id),
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#111}\
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.85em}\
td,th{border:1px solid #ccc;padding:0.2em 0.5em;text-align:left;vertical-align:top;overflow-wrap:break-word}\
th{background:#f3f4f6;white-space:nowrap}section{margin-bottom:2.5em}code{font-size:0.9em}\
.tag{color:#555;font-size:0.85em}.nowrap{white-space:nowrap}.evidences{border-left:3px solid #999;padding-left:0.6em}\
@media print{body{margin:0;max-width:none;font-size:10pt}\
#summary,#clusters{break-after:page}section.cluster{break-before:page}\
h2,h3{break-after:avoid}tr,svg,li{break-inside:avoid}thead{display:table-header-group}\
a{color:inherit;text-decoration:none}svg{max-width:100%;height:auto}svg.network{max-height:8cm;width:auto}table{font-size:8pt}}";

/// Writes `report.html` into `dir` (a `lockstep detect` output folder) and
/// returns its path.
pub fn write_report(dir: &Path, options: ReportOptions) -> Result<PathBuf, HtmlError> {
    let html = render_with(dir, options)?;
    let path = dir.join(files::REPORT_HTML);
    std::fs::write(&path, html).map_err(|source| HtmlError::Io { path: path.clone(), source })?;
    Ok(path)
}

/// The report's HTML, with the default options.
pub fn render(dir: &Path) -> Result<String, HtmlError> {
    render_with(dir, ReportOptions::default())
}

/// The report's HTML.
pub fn render_with(dir: &Path, options: ReportOptions) -> Result<String, HtmlError> {
    let summary_path = dir.join(files::SUMMARY_JSON);
    let text = std::fs::read_to_string(&summary_path)
        .map_err(|source| HtmlError::Io { path: summary_path.clone(), source })?;
    let summary: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| HtmlError::Invalid {
            path: summary_path.clone(),
            message: format!("not a lockstep summary: {e}"),
        })?;
    let read = |name: &str| Table::read(&dir.join(name));
    let signal_rows = signal_rows(read(files::campaign_signals::FILE)?.as_ref())?;
    let stability = Stability::read(dir)?;
    let (campaigns, clusters, accounts, edges, pairs, points, fingerprints, near) = (
        read(files::campaigns::FILE)?,
        read(files::clusters::FILE)?,
        read(files::accounts::FILE)?,
        read(files::edges::FILE)?,
        read(files::pairs::FILE)?,
        read(files::talking_points::FILE)?,
        read(files::cluster_fingerprints::FILE)?,
        read(files::near_text_pairs::FILE)?,
    );

    let mut out = String::new();
    out.push_str("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">");
    out.push_str("<meta name=\"referrer\" content=\"no-referrer\">");
    let _ = writeln!(out, "<title>lockstep report</title><style>{STYLE}</style></head><body>");
    let version = summary["lockstep_version"].as_str().unwrap_or("?");
    let _ = writeln!(
        out,
        "<h1>lockstep report</h1><p>Written by lockstep {} from the files of one run. Every value below is as the run's files have it; posts and names are shown as text, never followed.</p>",
        escape(version)
    );

    // Clusters ranked by score, feed mirrors (set aside) after campaigns.
    // (cluster, set aside, score, explanation)
    let mut ranked: Vec<(String, bool, f64, String)> = Vec::new();
    // (kill chain phases, DISARM ids) by cluster, from campaigns.csv.
    let mut evidenced: HashMap<String, (String, String)> = HashMap::new();
    if let Some(c) = &campaigns {
        let (ci, si, ei) = (
            c.col(files::campaigns::CLUSTER),
            c.col(files::campaigns::SCORE),
            c.col(files::campaigns::EXPLANATION),
        );
        let pi = c.col(files::campaigns::PATTERN);
        let (ki, di) = (c.col(files::campaigns::KILL_CHAIN), c.col(files::campaigns::DISARM));
        if let (Some(ci), Some(si), Some(ei)) = (ci, si, ei) {
            for row in &c.rows {
                let aside = pi.is_some_and(|p| !row[p].is_empty());
                let score = row[si].parse().unwrap_or(0.0);
                ranked.push((row[ci].to_string(), aside, score, row[ei].to_string()));
                if let (Some(ki), Some(di)) = (ki, di) {
                    evidenced
                        .insert(row[ci].to_string(), (row[ki].to_string(), row[di].to_string()));
                }
            }
        }
    }
    // A run from before campaign scores: clusters in their own order.
    if ranked.is_empty() {
        if let Some(c) = &clusters {
            let ci = c.need(files::clusters::CLUSTER)?;
            ranked =
                c.rows.iter().map(|r| (r[ci].to_string(), false, 0.0, String::new())).collect();
        }
    }
    ranked.sort_by(|a, b| {
        a.1.cmp(&b.1)
            .then(b.2.total_cmp(&a.2))
            .then_with(|| cluster_num(&a.0).cmp(&cluster_num(&b.0)))
    });
    let size: HashMap<String, String> = match &clusters {
        Some(t) => {
            let (c, n) = (t.need(files::clusters::CLUSTER)?, t.need(files::clusters::ACCOUNTS)?);
            t.rows.iter().map(|r| (r[c].to_string(), r[n].to_string())).collect()
        }
        None => HashMap::new(),
    };
    first_page(&mut out, &summary, &ranked, &size, &signal_rows, &stability);
    // The clusters drawn in full: the campaigns worth a look, unless every
    // cluster is asked for or the run has no scores to choose by.
    let scored = campaigns.is_some();
    let drawn: Vec<&(String, bool, f64, String)> = ranked
        .iter()
        .filter(|(_, aside, score, _)| {
            options.all_clusters || !scored || (!aside && *score >= WORTH_A_LOOK)
        })
        .take(MAX_CLUSTERS)
        .collect();
    let is_drawn: std::collections::HashSet<&str> = drawn.iter().map(|r| r.0.as_str()).collect();
    out.push_str("<section id=\"clusters\"><h2>Clusters, by campaign score</h2>");
    out.push_str("<p>The score is -log10 of Fisher's combination of its signals' p-values; read the parts. Clusters set aside as feed mirrors come last.");
    if scored && !options.all_clusters {
        let _ = write!(
            out,
            " The clusters scoring {WORTH_A_LOOK} or more have a section of their own below; the others are listed here only (<code>lockstep report --all-clusters</code> draws every cluster, up to {MAX_CLUSTERS})."
        );
    }
    out.push_str("</p>");
    if ranked.is_empty() {
        out.push_str("<p>The run has no cluster.</p>");
    } else {
        out.push_str("<table><thead><tr><th>cluster</th><th>accounts</th><th>score</th><th>explanation</th></tr></thead><tbody>");
    }
    for (c, aside, score, why) in &ranked {
        let name = if is_drawn.contains(c.as_str()) {
            format!("<a href=\"#cluster-{}\">{}</a>", escape(c), escape(c))
        } else {
            escape(c)
        };
        let _ = write!(
            out,
            "<tr><td>{name}</td><td>{}</td><td>{score:.2}{}</td><td>{}</td></tr>",
            escape(size.get(c).map_or("", String::as_str)),
            if *aside { " (feed mirror)" } else { "" },
            escape(why)
        );
    }
    if !ranked.is_empty() {
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>\n");

    // Per cluster.
    let cluster_of: HashMap<String, String> = match &accounts {
        Some(t) => {
            let (a, c) = (t.need(files::accounts::ACCOUNT)?, t.need(files::accounts::CLUSTER)?);
            t.rows
                .iter()
                .filter(|r| !r[c].is_empty())
                .map(|r| (r[a].to_string(), r[c].to_string()))
                .collect()
        }
        None => HashMap::new(),
    };
    // Leaders: accounts that acted first in at least two thirds of their
    // pairs inside their cluster (accounts.csv's `led_share`).
    let leaders: std::collections::HashSet<&str> = match &accounts {
        Some(t) => match (t.col(files::accounts::ACCOUNT), t.col(files::accounts::LED_SHARE)) {
            (Some(a), Some(l)) => t
                .rows
                .iter()
                .filter(|r| r[l].parse::<f64>().is_ok_and(|share| share >= 2.0 / 3.0))
                .map(|r| &r[a])
                .collect(),
            _ => Default::default(),
        },
        None => Default::default(),
    };
    let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (a, c) in &cluster_of {
        members.entry(c.clone()).or_default().push(a.clone());
    }
    for m in members.values_mut() {
        m.sort();
    }
    // The rows of pairs.csv inside each cluster (both accounts in it), in
    // file order: one pass over what can be millions of rows, not one per
    // cluster drawn.
    let mut pairs_in: HashMap<&str, Vec<&csv::StringRecord>> = HashMap::new();
    if let Some(p) = &pairs {
        if let (Some(aa), Some(ab)) =
            (p.col(files::pairs::ACCOUNT_A), p.col(files::pairs::ACCOUNT_B))
        {
            for r in &p.rows {
                match (cluster_of.get(&r[aa]), cluster_of.get(&r[ab])) {
                    (Some(x), Some(y)) if x == y => pairs_in.entry(x.as_str()).or_default().push(r),
                    _ => {}
                }
            }
        }
    }
    let texts: HashMap<(String, String), (String, String, String)> = match &near {
        Some(t) => {
            let (ca, cb, s, ta, tb) = (
                t.need(files::near_text_pairs::CONTENT_A)?,
                t.need(files::near_text_pairs::CONTENT_B)?,
                t.need(files::near_text_pairs::SIMILARITY)?,
                t.need(files::near_text_pairs::TEXT_A)?,
                t.need(files::near_text_pairs::TEXT_B)?,
            );
            let owned = |r: &csv::StringRecord, i: usize| r[i].to_string();
            t.rows
                .iter()
                .map(|r| ((owned(r, ca), owned(r, cb)), (owned(r, s), owned(r, ta), owned(r, tb))))
                .collect()
        }
        None => HashMap::new(),
    };
    for (c, _, _, why) in drawn {
        let accs = members.get(c).cloned().unwrap_or_default();
        let _ = write!(
            out,
            "<section class=\"cluster\" id=\"cluster-{}\"><h2>Cluster {}</h2><p>{} accounts.",
            escape(c),
            escape(c),
            accs.len(),
        );
        // Its signals, one sentence each with its numbers against the
        // background, strongest first, and what each evidences.
        match signal_rows.get(c.as_str()) {
            Some(rows) => {
                out.push_str("</p><h3>Signals</h3><ul>");
                for r in rows {
                    let _ = write!(
                        out,
                        "<li><strong>{}</strong>: {} <span class=\"tag\">({}: {}; DISARM {} {})</span></li>",
                        strength(r.score),
                        escape(&r.sentence()),
                        escape(&r.phase),
                        escape(&r.behaviour),
                        escape(&r.disarm_id),
                        escape(&r.disarm_name),
                    );
                }
                out.push_str("</ul>");
            }
            None => {
                let _ = write!(out, " {}</p>", escape(why));
            }
        }
        if let Some((phases, ids)) = evidenced.get(c.as_str()).filter(|(p, _)| !p.is_empty()) {
            let techniques: Vec<String> = ids
                .split(files::campaigns::LIST_SEPARATOR)
                .map(|id| match disarm::ALL.iter().find(|t| t.id == id) {
                    Some(t) => format!("{id} {}", t.name),
                    None => id.to_string(),
                })
                .collect();
            let _ = write!(
                out,
                "<p class=\"evidences\">What this evidences, in the Online Operations Kill Chain: {}; in DISARM: {}. These name what its evidence shows, not who runs the accounts.</p>",
                escape(phases),
                escape(&techniques.join("; ")),
            );
        }
        if let Some(text) = stability.sentence(c) {
            let _ = write!(out, "<h3>Stability</h3><p>{}</p>", escape(&text));
        }
        if let Some(f) = &fingerprints {
            let fc = f.need(files::cluster_fingerprints::CLUSTER)?;
            if let Some(row) = f.rows.iter().find(|r| &r[fc] == c.as_str()) {
                out.push_str("<h3>Fingerprints</h3><details><summary>Every measure of the cluster and its background (cluster_fingerprints.csv)</summary>");
                // Three measures a row: the table is a third as long.
                let pairs: Vec<(String, String)> = f
                    .header
                    .iter()
                    .zip(row.iter())
                    .enumerate()
                    .filter(|(i, _)| *i != fc)
                    .map(|(_, (h, v))| (h.clone(), v.to_string()))
                    .collect();
                table_html(
                    &mut out,
                    &["measure", "value", "measure", "value", "measure", "value"],
                    pairs.chunks(3).map(|row| {
                        let mut cells: Vec<String> =
                            row.iter().flat_map(|(h, v)| [h.clone(), v.clone()]).collect();
                        cells.resize(6, String::new());
                        cells
                    }),
                );
                out.push_str("</details>");
            }
        }
        let in_cluster: std::collections::HashSet<&str> = accs.iter().map(String::as_str).collect();
        let cluster_edges: Vec<(String, String, f64)> = match &edges {
            Some(t) => {
                let (a, b, w, cl) = (
                    t.need(files::edges::ACCOUNT_A)?,
                    t.need(files::edges::ACCOUNT_B)?,
                    t.need(files::edges::WEIGHT)?,
                    t.need(files::edges::CLUSTER)?,
                );
                t.rows
                    .iter()
                    .filter(|r| &r[cl] == c.as_str())
                    .map(|r| (r[a].to_string(), r[b].to_string(), r[w].parse().unwrap_or(1.0)))
                    .collect()
            }
            None => Vec::new(),
        };
        out.push_str("<h3>Network</h3>");
        network::svg(&mut out, &accs, &cluster_edges, &leaders);
        let cluster_pairs: &[&csv::StringRecord] =
            pairs_in.get(c.as_str()).map_or(&[], Vec::as_slice);
        if let Some(p) = &pairs {
            // Each coordinated action once, however many pairs it is in.
            let col = |n| p.col(n);
            if let (Some(aa), Some(ab), Some(ca), Some(cb), Some(ta), Some(tb)) = (
                col(files::pairs::ACCOUNT_A),
                col(files::pairs::ACCOUNT_B),
                col(files::pairs::CONTENT_A),
                col(files::pairs::CONTENT_B),
                col(files::pairs::TIME_A),
                col(files::pairs::TIME_B),
            ) {
                let mut actions: Vec<(&str, &str, i64)> = Vec::new();
                for r in cluster_pairs {
                    for (a, c, t) in [(aa, ca, ta), (ab, cb, tb)] {
                        if let Ok(secs) = r[t].parse::<f64>() {
                            actions.push((&r[a], &r[c], secs.floor() as i64));
                        }
                    }
                }
                actions.sort_unstable();
                actions.dedup();
                let times: Vec<i64> = actions.iter().map(|a| a.2).collect();
                if !times.is_empty() {
                    let _ = write!(
                        out,
                        "<h3>Timeline</h3><p>{} coordinated actions (each once, however many pairs it is in).</p>",
                        times.len()
                    );
                    plots::timeline(&mut out, &times);
                    out.push_str("<h3>Hour of the week</h3>");
                    plots::hour_of_week(&mut out, &times);
                }
            }
        }
        if let Some(t) = &accounts {
            if let (Some(a), Some(cr)) =
                (t.col(files::accounts::ACCOUNT), t.col(files::accounts::CREATED_UTC))
            {
                let created: Vec<i64> = t
                    .rows
                    .iter()
                    .filter(|r| in_cluster.contains(&r[a]))
                    .filter_map(|r| plots::parse_iso(&r[cr]))
                    .collect();
                if !created.is_empty() {
                    let _ = write!(
                        out,
                        "<h3>Account creation</h3><p>{} of {} accounts with a creation date.</p>",
                        created.len(),
                        accs.len()
                    );
                    plots::creation(&mut out, &created);
                }
            }
        }
        if let Some(p) = &points {
            use files::talking_points as tp;
            let col = |n| p.need(n);
            let (pc, day, layer, object, accounts, share) = (
                col(tp::CLUSTER)?,
                col(tp::DAY_UTC)?,
                col(tp::LAYER)?,
                col(tp::OBJECT)?,
                col(tp::ACCOUNTS)?,
                col(tp::SHARE)?,
            );
            // Older runs have no `as_written` or `language`: their objects
            // are shown, without a language.
            let written = p.col(tp::AS_WRITTEN);
            let language = p.col(tp::LANGUAGE).zip(p.col(tp::LANGUAGE_FROM));
            let mut rows: Vec<&csv::StringRecord> =
                p.rows.iter().filter(|r| &r[pc] == c.as_str()).collect();
            if !rows.is_empty() {
                // The most shared first (share, then accounts, then day).
                let num = |r: &csv::StringRecord, i: usize| r[i].parse::<f64>().unwrap_or(0.0);
                rows.sort_by(|a, b| {
                    num(b, share)
                        .total_cmp(&num(a, share))
                        .then(num(b, accounts).total_cmp(&num(a, accounts)))
                        .then_with(|| a.iter().cmp(b.iter()))
                });
                let total = rows.len();
                rows.truncate(MAX_TALKING_POINTS);
                fn tag_of(
                    r: &csv::StringRecord,
                    language: Option<(usize, usize)>,
                ) -> Option<(&str, &str)> {
                    language.map(|(l, from)| (&r[l], &r[from])).filter(|(l, _)| is_language_tag(l))
                }
                let any_language = rows.iter().any(|r| tag_of(r, language).is_some());
                let _ = write!(
                    out,
                    "<h3>Talking points</h3><p>The {} most shared of its {} talking points (all of them are in talking_points.csv); texts as the first of its posts that day wrote them{}.</p>",
                    rows.len(),
                    total,
                    if any_language {
                        ", with their language as the platform labelled the post, or, marked “detected”, as its words show where the platform gave none"
                    } else {
                        ""
                    }
                );
                let cells = rows.into_iter().map(|r| {
                    let what =
                        written.map(|w| &r[w]).filter(|w| !w.is_empty()).unwrap_or(&r[object]);
                    let tag = tag_of(r, language);
                    let lang =
                        tag.map_or(String::new(), |(l, _)| format!(" lang=\"{}\"", escape(l)));
                    let mut row = vec![
                        escape(&r[day]),
                        escape(&r[layer]),
                        format!("<span dir=\"auto\"{lang}>{}</span>", escape(what)),
                    ];
                    if any_language {
                        row.push(match tag {
                            Some((l, from)) if from == tp::FROM_WORDS => {
                                format!("{}, detected", escape(l))
                            }
                            Some((l, _)) => escape(l),
                            None => String::new(),
                        });
                    }
                    row.extend([escape(&r[accounts]), escape(&r[share])]);
                    row
                });
                let header: &[&str] = if any_language {
                    &["day (UTC)", "layer", "what was pushed", "language", "accounts", "share"]
                } else {
                    &["day (UTC)", "layer", "what was pushed", "accounts", "share"]
                };
                table_of_cells(&mut out, header, cells);
            }
        }
        if let Some(p) = &pairs {
            let col = |n| p.need(n);
            let (layer, object, aa, ab, ca, cb, ta, tb, d) = (
                col(files::pairs::LAYER)?,
                col(files::pairs::OBJECT)?,
                col(files::pairs::ACCOUNT_A)?,
                col(files::pairs::ACCOUNT_B)?,
                col(files::pairs::CONTENT_A)?,
                col(files::pairs::CONTENT_B)?,
                col(files::pairs::TIME_A_UTC)?,
                col(files::pairs::TIME_B_UTC)?,
                col(files::pairs::DELTA_S)?,
            );
            let mut rows: Vec<Vec<String>> = cluster_pairs
                .iter()
                .take(MAX_PAIRS)
                .map(|r| {
                    let (sim, text_a, text_b) = texts
                        .get(&(r[ca].to_string(), r[cb].to_string()))
                        .cloned()
                        .unwrap_or_default();
                    vec![
                        escape(&r[layer]),
                        escape(&r[object]),
                        escape(&r[aa]),
                        escape(&r[ab]),
                        post_cell(&r[ca]),
                        post_cell(&r[cb]),
                        nowrap(&r[ta]),
                        nowrap(&r[tb]),
                        escape(&r[d]),
                        escape(&sim),
                        escape(&text_a),
                        escape(&text_b),
                    ]
                })
                .collect();
            let _ = write!(
                out,
                "<h3>Evidence</h3><p>The first {} of the {} coordinated pairs inside the cluster (all of them are in pairs.csv). Posts link to their platform where it has a public address for them.</p>",
                rows.len(),
                cluster_pairs.len()
            );
            let mut header = vec![
                "layer",
                "object",
                "account a",
                "account b",
                "post a",
                "post b",
                "time a",
                "time b",
                "delta s",
                "text similarity",
                "text a",
                "text b",
            ];
            // Without a text among the rows shown, the text columns go: the
            // times then fit on one line, and a campaign on two pages.
            if rows.iter().all(|r| r[TEXT_COLUMNS..].iter().all(String::is_empty)) {
                header.truncate(TEXT_COLUMNS);
                rows.iter_mut().for_each(|r| r.truncate(TEXT_COLUMNS));
            }
            table_of_cells(&mut out, &header, rows.into_iter());
        }
        out.push_str("</section>\n");
    }
    // The appendix: what the run read and how.
    out.push_str(
        "<section id=\"run\"><h2>Appendix: inputs, parameters and counts</h2><h3>Inputs</h3>",
    );
    let inputs = summary["inputs"].as_array().cloned().unwrap_or_default();
    table_html(
        &mut out,
        &["path", "format", "SHA-256", "records read", "used", "skipped"],
        inputs.iter().map(|f| {
            ["path", "format", "sha256", "records_read", "records_used", "records_skipped"]
                .iter()
                .map(|k| value_text(&f[*k]))
                .collect()
        }),
    );
    out.push_str("<h3>Parameters</h3>");
    let params = summary["parameters"].as_object().cloned().unwrap_or_default();
    table_html(
        &mut out,
        &["parameter", "value"],
        params.iter().map(|(k, v)| vec![k.clone(), value_text(v)]),
    );
    out.push_str("<h3>Counts</h3>");
    let mut counts = Vec::new();
    for (section, keys) in [
        ("records", &["read", "used", "skipped"][..]),
        ("dataset", &["actions", "accounts", "objects"][..]),
        ("detection", &["pairs", "accounts", "objects"][..]),
        ("coordinated", &["edges", "vertices", "clusters"][..]),
    ] {
        for k in keys {
            counts.push(vec![format!("{section} {k}"), value_text(&summary[section][*k])]);
        }
    }
    table_html(&mut out, &["count", "value"], counts.into_iter());
    out.push_str("</section>\n");

    out.push_str("</body></html>\n");
    Ok(out)
}

/// Campaigns with at least this score are named on the first page: their
/// signals together would come by chance with a probability of 1% or less.
pub use lockstep_campaign::WORTH_A_LOOK;

/// Campaigns named on the first page (the rest are in the table after it).
const FIRST_PAGE_CAMPAIGNS: usize = 10;

/// A campaign score in words.
fn strength(score: f64) -> &'static str {
    match score {
        s if s >= 10.0 => "very strong",
        s if s >= 5.0 => "strong",
        s if s >= WORTH_A_LOOK => "moderate",
        _ => "weak",
    }
}

/// The first page: what was analysed, what was found and how strong, and
/// what the method cannot say, for a reader with two minutes.
fn first_page(
    out: &mut String,
    summary: &serde_json::Value,
    ranked: &[(String, bool, f64, String)],
    size: &HashMap<String, String>,
    signal_rows: &HashMap<String, Vec<SignalRow>>,
    stability: &Stability,
) {
    let n = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
    let count = |v: &serde_json::Value| group_digits(n(v));
    out.push_str("<section id=\"summary\"><h2>Summary</h2><h3>What was analysed</h3>");
    let inputs = summary["inputs"].as_array().cloned().unwrap_or_default();
    let mut formats: Vec<String> =
        inputs.iter().filter_map(|f| f["format"].as_str().map(str::to_string)).collect();
    formats.sort();
    formats.dedup();
    let platforms: Vec<String> = summary["dataset"]["actions_by_platform"]
        .as_object()
        .map(|m| m.keys().filter(|k| *k != "unknown").cloned().collect())
        .unwrap_or_default();
    let day =
        |k: &str| summary["dataset"][k].as_str().map(|t| t.get(..10).unwrap_or(t).to_string());
    let period = match (day("first_action_utc"), day("last_action_utc")) {
        (Some(a), Some(b)) if a == b => format!(", on {a} (UTC)"),
        (Some(a), Some(b)) => format!(", from {a} to {b} (UTC)"),
        _ => String::new(),
    };
    let _ = write!(
        out,
        "<p>{} records from {} input{} ({}){}{}: {} actions by {} accounts on {} objects.</p>",
        count(&summary["records"]["used"]),
        inputs.len(),
        if inputs.len() == 1 { "" } else { "s" },
        escape(&formats.join(", ")),
        if platforms.is_empty() {
            String::new()
        } else {
            format!(", on {}", escape(&platforms.join(", ")))
        },
        period,
        count(&summary["dataset"]["actions"]),
        count(&summary["dataset"]["accounts"]),
        count(&summary["dataset"]["objects"]),
    );
    out.push_str("<h3>What was found</h3>");
    let coordinated = &summary["coordinated"];
    match n(&coordinated["clusters"]) {
        0 => out.push_str("<p>No accounts acted in concert beyond the run's threshold."),
        clusters => {
            let _ = write!(
                out,
                "<p>{} accounts acted in concert beyond the run's threshold, in {} {}.",
                count(&coordinated["vertices"]),
                group_digits(clusters),
                if clusters == 1 { "cluster" } else { "clusters" },
            );
        }
    }
    let worth: Vec<&(String, bool, f64, String)> =
        ranked.iter().filter(|(_, aside, score, _)| !aside && *score >= WORTH_A_LOOK).collect();
    let mirrors = ranked.iter().filter(|r| r.1).count();
    if worth.is_empty() {
        let _ = write!(
            out,
            " No cluster scores {WORTH_A_LOOK} or more as a campaign: none stands out from what chance would give.</p>"
        );
    } else {
        let _ = write!(
            out,
            " {} {} as {} worth a look (a score of {WORTH_A_LOOK} or more){}:</p><ol>",
            worth.len(),
            if worth.len() == 1 { "scores" } else { "score" },
            if worth.len() == 1 { "a campaign" } else { "campaigns" },
            if worth.len() > FIRST_PAGE_CAMPAIGNS {
                format!("; the {FIRST_PAGE_CAMPAIGNS} strongest")
            } else {
                String::new()
            },
        );
        for (c, _, score, why) in worth.iter().take(FIRST_PAGE_CAMPAIGNS) {
            let accounts = size.get(c).map_or("?", String::as_str);
            let _ = write!(
                out,
                "<li><a href=\"#cluster-{c}\">Cluster {c}</a>: {accounts} accounts; {} evidence (score {score:.1}, by chance about 1 in 10<sup>{score:.0}</sup>){}. {}</li>",
                strength(*score),
                escape(&stability.brief(c)),
                escape(&match signal_rows.get(c.as_str()) {
                    Some(rows) => signals_in_brief(rows),
                    None => why.clone(),
                }),
                c = escape(c),
                accounts = escape(accounts),
            );
        }
        out.push_str("</ol>");
    }
    if mirrors > 0 {
        let _ = write!(
            out,
            "<p>{mirrors} {} set aside as {} (accounts that repost one feed as it publishes), listed last.</p>",
            if mirrors == 1 { "cluster is" } else { "clusters are" },
            if mirrors == 1 { "a feed mirror" } else { "feed mirrors" }
        );
    }
    out.push_str("<h3>How strong</h3><p>A cluster is a group of accounts linked by acting on the same objects within the run's window more often than the threshold allows. Its campaign score weighs the signs of a common operation (office hours, accounts created together, shared talking points and others) against the rest of the data: the score is -log10 of the probability that its signals together come by chance, so 2 means 1 in 100 and 10 means 1 in 10<sup>10</sup>. In words: below 2 weak, from 2 moderate, from 5 strong, from 10 very strong.</p>");
    out.push_str("<h3>What this cannot say</h3><p>Acting in concert is evidence of a common driver, not proof that accounts are fake or of who runs them: fans, newsrooms and activists also act together, and a cluster's evidence below is what a reader should weigh. Classifiers that judge one account at a time are weak; this report looks at groups, and every number in it can be traced to the posts in the run's files.</p></section>\n");
}

/// How each cluster holds across other settings (stability.csv and
/// sweep.csv of `lockstep sweep`); empty for a run without a sweep.
#[derive(Debug, Default)]
struct Stability {
    /// The grid in words: `windows 30–600 s, weights 2–8, ...`.
    grid: String,
    /// By cluster: (settings, held, mean overlap, weakest setting in words).
    by_cluster: HashMap<String, (String, String, String, String)>,
}

impl Stability {
    fn read(dir: &Path) -> Result<Stability, HtmlError> {
        use files::{stability as st, sweep as sw};
        let (Some(t), Some(g)) =
            (Table::read(&dir.join(st::FILE))?, Table::read(&dir.join(sw::FILE))?)
        else {
            return Ok(Stability::default());
        };
        let span = |col: usize, unit: &str| {
            let mut v: Vec<f64> = g.rows.iter().filter_map(|r| r[col].parse().ok()).collect();
            v.sort_by(f64::total_cmp);
            match (v.first(), v.last()) {
                (Some(a), Some(b)) if a == b => Some(format!("{a}{unit}")),
                (Some(a), Some(b)) => Some(format!("{a}–{b}{unit}")),
                _ => None,
            }
        };
        let parts = [
            span(g.need(sw::WINDOW_S)?, " s").map(|x| format!("windows {x}")),
            span(g.need(sw::MIN_WEIGHT)?, "").map(|x| format!("weights {x}")),
            span(g.need(sw::FDR)?, "").map(|x| format!("false discovery rates {x}")),
        ];
        let grid = parts.into_iter().flatten().collect::<Vec<_>>().join(", ");
        let col = |name| t.need(name);
        let (c, n, h, m) =
            (col(st::CLUSTER)?, col(st::SETTINGS)?, col(st::HELD)?, col(st::MEAN_OVERLAP)?);
        let (ww, wm, wf, wo) = (
            col(st::WEAKEST_WINDOW_S)?,
            col(st::WEAKEST_MIN_WEIGHT)?,
            col(st::WEAKEST_FDR)?,
            col(st::WEAKEST_OVERLAP)?,
        );
        let by_cluster = t
            .rows
            .iter()
            .map(|r| {
                let fdr =
                    if r[wf].is_empty() { String::new() } else { format!(", FDR {}", &r[wf]) };
                let weakest = if r[ww].is_empty() {
                    String::new()
                } else {
                    format!("window {} s, weight {}{fdr} (overlap {})", &r[ww], &r[wm], &r[wo])
                };
                (r[c].to_string(), (r[n].to_string(), r[h].to_string(), r[m].to_string(), weakest))
            })
            .collect();
        Ok(Stability { grid, by_cluster })
    }

    /// `; holds in 40 of 44 other settings`, or nothing without a sweep.
    fn brief(&self, cluster: &str) -> String {
        match self.by_cluster.get(cluster) {
            Some((n, held, _, _)) => format!("; holds in {held} of {n} other settings"),
            None => String::new(),
        }
    }

    /// The cluster's stability in a sentence.
    fn sentence(&self, cluster: &str) -> Option<String> {
        let (n, held, mean, weakest) = self.by_cluster.get(cluster)?;
        let mean: f64 = mean.parse().unwrap_or(0.0);
        let mut s = format!(
            "Swept over {n} other settings ({}): the cluster holds in {held}, that is, a cluster there shares at least half of the accounts of the two together (mean best overlap {mean:.2}).",
            self.grid
        );
        if !weakest.is_empty() {
            let _ = write!(s, " Weakest at {weakest}.");
        }
        s.push_str(" A finding that holds across the grid does not hang on one choice of window or threshold.");
        Some(s)
    }
}

/// A signal of a cluster, as campaign_signals.csv has it.
#[derive(Debug, Clone, PartialEq)]
struct SignalRow {
    signal: String,
    score: f64,
    evidence: String,
    phase: String,
    behaviour: String,
    disarm_id: String,
    disarm_name: String,
}

impl SignalRow {
    /// The signal as the explanation gives it: `office hours 11.3 (...)`.
    fn sentence(&self) -> String {
        format!("{} {:.1} ({})", self.signal, self.score, self.evidence)
    }
}

/// campaign_signals.csv's rows by cluster, in file order (strongest
/// first); empty for a run from before the file.
fn signal_rows(t: Option<&Table>) -> Result<HashMap<String, Vec<SignalRow>>, HtmlError> {
    use files::campaign_signals as f;
    let mut by: HashMap<String, Vec<SignalRow>> = HashMap::new();
    let Some(t) = t else { return Ok(by) };
    let col = |name| t.need(name);
    let (c, s, sc, e) = (col(f::CLUSTER)?, col(f::SIGNAL)?, col(f::SCORE)?, col(f::EVIDENCE)?);
    let (p, b) = (col(f::KILL_CHAIN_PHASE)?, col(f::BEHAVIOUR)?);
    let (di, dn) = (col(f::DISARM_ID)?, col(f::DISARM_NAME)?);
    for r in &t.rows {
        by.entry(r[c].to_string()).or_default().push(SignalRow {
            signal: r[s].to_string(),
            score: r[sc].parse().unwrap_or(0.0),
            evidence: r[e].to_string(),
            phase: r[p].to_string(),
            behaviour: r[b].to_string(),
            disarm_id: r[di].to_string(),
            disarm_name: r[dn].to_string(),
        });
    }
    Ok(by)
}

/// Signals of a first-page line: at most this many.
const BRIEF_SIGNALS: usize = 3;

/// A campaign's signals (strongest first) cut to those that alone score 1
/// or more (1 in 10 by chance), at most [`BRIEF_SIGNALS`], saying how many
/// more its section has.
fn signals_in_brief(rows: &[SignalRow]) -> String {
    let strong: Vec<String> = rows
        .iter()
        .filter(|r| r.score >= 1.0)
        .take(BRIEF_SIGNALS)
        .map(SignalRow::sentence)
        .collect();
    let mut out = strong.join("; ");
    let more = rows.len() - strong.len();
    if more > 0 {
        let _ = write!(
            out,
            "{}{more} more signal{} in its section",
            if strong.is_empty() { "" } else { "; " },
            if more == 1 { "" } else { "s" }
        );
    }
    out
}

/// `1234567` as `1,234,567`.
fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn cluster_num(c: &str) -> u64 {
    c.parse().unwrap_or(u64::MAX)
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_language_tags_become_lang_attributes() {
        for tag in ["ru", "fil", "en"] {
            assert!(is_language_tag(tag), "{tag}");
        }
        for cell in ["", "r", "RU", "ru-RU", "e\"n", "\"><script>", "ру", "engl"] {
            assert!(!is_language_tag(cell), "{cell}");
        }
    }

    #[test]
    fn older_runs_without_scores_list_their_clusters() {
        let dir = std::env::temp_dir().join(format!("lockstep-html-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("summary.json"), r#"{"lockstep_version": "0.0.9", "inputs": []}"#)
            .unwrap();
        std::fs::write(dir.join("clusters.csv"), "cluster,accounts\n1,2\n").unwrap();
        std::fs::write(dir.join("accounts.csv"), "account,cluster\n<b>x</b>,1\ny,1\nz,\n").unwrap();
        let html = render(&dir).unwrap();
        assert!(html.contains("<h2>Cluster 1</h2><p>2 accounts."), "{html}");
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt;") && !html.contains("<b>x"));
        std::fs::remove_file(dir.join("summary.json")).unwrap();
        let err = render(&dir).unwrap_err().to_string();
        assert!(err.contains("summary.json"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn feed_mirrors_come_after_campaigns_and_say_so() {
        let dir = std::env::temp_dir().join(format!("lockstep-html-mirror-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("summary.json"), r#"{"lockstep_version": "0.1.0", "inputs": []}"#)
            .unwrap();
        std::fs::write(dir.join("clusters.csv"), "cluster,accounts\n1,4\n2,3\n").unwrap();
        std::fs::write(dir.join("accounts.csv"), "account,cluster\na,1\nb,2\n").unwrap();
        std::fs::write(
            dir.join("campaigns.csv"),
            "cluster,score,p_value,signals,pattern,explanation\n1,285.05,0,2,feed-mirror,set aside as a feed mirror: x\n2,4.50,0,1,,office hours 4.5\n",
        )
        .unwrap();
        let html = render(&dir).unwrap();
        let (campaign, mirror) = (
            html.find("office hours 4.5").unwrap(),
            html.find("set aside as a feed mirror").unwrap(),
        );
        assert!(campaign < mirror, "the mirror outranks the campaign");
        assert!(html.contains("285.05 (feed mirror)"), "{html}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn first_page_names_the_campaigns_worth_a_look_in_words() {
        let dir = std::env::temp_dir().join(format!("lockstep-html-first-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("summary.json"),
            r#"{"lockstep_version": "0.1.0", "inputs": [{"format": "x-api-v2"}, {"format": "<i>csv</i>"}],
               "records": {"used": 1234567},
               "dataset": {"actions": 2000, "accounts": 30, "objects": 40,
                           "actions_by_platform": {"twitter": 2000},
                           "first_action_utc": "2024-03-04T00:00:03Z", "last_action_utc": "2024-03-31T10:00:00Z"},
               "coordinated": {"vertices": 9, "clusters": 3}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("clusters.csv"),
            "cluster,accounts
1,4
2,3
3,2
",
        )
        .unwrap();
        std::fs::write(
            dir.join("accounts.csv"),
            "account,cluster
a,1
b,2
c,3
",
        )
        .unwrap();
        std::fs::write(
            dir.join("campaigns.csv"),
            "cluster,score,p_value,signals,pattern,explanation\n\
             1,12.40,0,2,,\"office hours 12.4 (<script>x</script>; 70%); fast reposts 0.2 (y)\"\n\
             2,1.50,0,1,,weak one\n\
             3,300,0,2,feed-mirror,mirror\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("stability.csv"),
            "cluster,accounts,settings,held,stability,mean_overlap,weakest_window_s,weakest_min_weight,weakest_fdr,weakest_overlap\n1,4,44,40,0.909091,0.93,600,8,0.001,0.4\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("sweep.csv"),
            "window_s,min_weight,fdr,reference,edges,accounts,clusters,clusters_held\n30,2,0.001,false,1,2,1,1\n600,8,0.05,false,1,2,1,1\n",
        )
        .unwrap();
        // Signals come from their own table; the explanation is not parsed.
        std::fs::write(
            dir.join("campaign_signals.csv"),
            "cluster,signal,score,evidence,kill_chain_phase,behaviour,disarm_id,disarm_name\n\
             1,office hours,12.40,<script>x</script>; 70%,Coordinating and planning,working to a regular shift pattern,T0049.001,Trolls Amplify and Manipulate\n\
             1,fast reposts,0.20,y,Indiscriminate engagement,reposting within seconds,T0049.003,<b>Bots</b>\n",
        )
        .unwrap();
        let html = render(&dir).unwrap();
        let first =
            &html[html.find("id=\"summary\"").unwrap()..html.find("id=\"clusters\"").unwrap()];
        assert!(first.contains("1,234,567 records from 2 inputs (&lt;i&gt;csv&lt;/i&gt;, x-api-v2), on twitter, from 2024-03-04 to 2024-03-31 (UTC)"), "{first}");
        assert!(first.contains("9 accounts acted in concert beyond the run's threshold, in 3 clusters. 1 scores as a campaign worth a look"), "{first}");
        assert!(
            first.contains("Cluster 1</a>: 4 accounts; very strong evidence (score 12.4, by chance about 1 in 10<sup>12</sup>); holds in 40 of 44 other settings."),
            "{first}"
        );
        assert!(html.contains("<h3>Stability</h3><p>Swept over 44 other settings (windows 30–600 s, weights 2–8, false discovery rates 0.001–0.05): the cluster holds in 40,"), "{html}");
        assert!(
            html.contains("Weakest at window 600 s, weight 8, FDR 0.001 (overlap 0.4)."),
            "{html}"
        );
        assert!(
            first.contains(
                "office hours 12.4 (&lt;script&gt;x&lt;/script&gt;; 70%); 1 more signal in its section"
            ),
            "{first}"
        );
        assert!(!html.contains("<script>"));
        // The campaign's section says each signal in words, strongest first.
        assert!(html.contains("<h3>Signals</h3><ul><li><strong>very strong</strong>: office hours 12.4 (&lt;script&gt;x&lt;/script&gt;; 70%) <span class=\"tag\">(Coordinating and planning: working to a regular shift pattern; DISARM T0049.001 Trolls Amplify and Manipulate)</span></li><li><strong>weak</strong>: fast reposts 0.2 (y) <span class=\"tag\">(Indiscriminate engagement: reposting within seconds; DISARM T0049.003 &lt;b&gt;Bots&lt;/b&gt;)</span></li></ul>"), "{html}");
        assert!(!first.contains("weak one"), "a score under {WORTH_A_LOOK} is not named");
        assert!(first.contains("1 cluster is set aside as a feed mirror"), "{first}");
        assert!(first.contains("What this cannot say"));
        // Only the campaign worth a look has a section of its own, unless
        // every cluster is asked for.
        assert!(html.contains("id=\"cluster-1\"") && !html.contains("id=\"cluster-2\""));
        assert!(!html.contains("id=\"cluster-3\""), "a feed mirror has no section");
        let all = render_with(&dir, ReportOptions { all_clusters: true }).unwrap();
        assert!(["1", "2", "3"].iter().all(|c| all.contains(&format!("id=\"cluster-{c}\""))));
        // The run's inputs and parameters come last, as an appendix.
        assert!(html.find("id=\"run\"").unwrap() > html.find("id=\"clusters\"").unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_run_without_clusters_says_so() {
        let dir = std::env::temp_dir().join(format!("lockstep-html-none-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("summary.json"),
            r#"{"lockstep_version": "0.1.0", "inputs": [], "coordinated": {"vertices": 0, "clusters": 0}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("campaigns.csv"),
            "cluster,score,p_value,signals,pattern,explanation\n",
        )
        .unwrap();
        let html = render(&dir).unwrap();
        assert!(
            html.contains(
                "<p>No accounts acted in concert beyond the run's threshold. No cluster scores"
            ),
            "{html}"
        );
        assert!(
            html.contains("<p>The run has no cluster.</p>")
                && !html.contains("<th>explanation</th>")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn first_page_lines_keep_the_strong_signals() {
        let row = |signal: &str, score: f64, evidence: &str| SignalRow {
            signal: signal.into(),
            score,
            evidence: evidence.into(),
            phase: String::new(),
            behaviour: String::new(),
            disarm_id: String::new(),
            disarm_name: String::new(),
        };
        let rows = [
            row("office hours", 11.3, "70% of 82 minutes; 30% of all"),
            row("fast reposts", 4.2, "a (b) c"),
            row("creation batch", 1.0, "x"),
            row("client app", 2.5, "y"),
            row("handle template", 0.0, "z"),
        ];
        assert_eq!(
            signals_in_brief(&rows),
            "office hours 11.3 (70% of 82 minutes; 30% of all); fast reposts 4.2 (a (b) c); creation batch 1.0 (x); 2 more signals in its section"
        );
        assert_eq!(
            signals_in_brief(&[row("coordination", 0.4, "q")]),
            "1 more signal in its section"
        );
    }

    #[test]
    fn scores_in_words_and_digits_in_groups() {
        assert_eq!(
            [0.5, 2.0, 4.9, 5.0, 10.0].map(strength),
            ["weak", "moderate", "moderate", "strong", "very strong"]
        );
        assert_eq!(
            [0, 999, 1000, 35125, 1234567].map(group_digits),
            ["0", "999", "1,000", "35,125", "1,234,567"]
        );
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("a\u{202E}b\u{0007}"), "a[U+202E]b[U+0007]");
        assert_eq!(escape("Юлия 👍 مستخدم"), "Юлия 👍 مستخدم");
    }
}
