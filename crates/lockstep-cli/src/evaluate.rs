use crate::args::EvaluateArgs;
use crate::ExitStatus;
use anyhow::{bail, Context};
use lockstep_report::files;
use lockstep_sim::evaluate::{evaluate, Truth};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// Reads `file` as CSV with a header; calls `row` with each record, its
/// line and the index of every named column.
fn read_csv(
    file: &Path,
    columns: &[&str],
    mut row: impl FnMut(&csv::StringRecord, &[usize]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut r = csv::ReaderBuilder::new()
        .from_path(file)
        .with_context(|| format!("cannot open `{}`", file.display()))?;
    let header = r.headers().with_context(|| format!("`{}`: no header", file.display()))?.clone();
    let idx: Vec<usize> = columns
        .iter()
        .map(|c| {
            header.iter().position(|h| h == *c).with_context(|| {
                format!("`{}`: no column `{c}` (expected {})", file.display(), columns.join(", "))
            })
        })
        .collect::<anyhow::Result<_>>()?;
    for rec in r.records() {
        let rec = rec.with_context(|| format!("`{}`: bad CSV", file.display()))?;
        row(&rec, &idx).with_context(|| {
            let line = rec.position().map_or(0, |p| p.line());
            format!("`{}`, line {line}", file.display())
        })?;
    }
    Ok(())
}

pub fn run(a: EvaluateArgs) -> anyhow::Result<ExitStatus> {
    lockstep_report::check_run_folder(&a.dir)?;
    let mut truth = Vec::new();
    read_csv(&a.truth, &["account_id", "role", "campaign"], |rec, i| {
        let account = rec[i[0]].to_string();
        if account.is_empty() {
            bail!("empty `account_id`");
        }
        let campaign = Some(rec[i[2]].to_string()).filter(|c| !c.is_empty());
        truth.push(Truth { account, role: rec[i[1]].to_string(), campaign });
        Ok(())
    })?;
    let accounts = lockstep_report::Table::required(&a.dir, files::accounts::FILE)?;
    let (ac, cc) =
        (accounts.need(files::accounts::ACCOUNT)?, accounts.need(files::accounts::CLUSTER)?);
    let mut clusters: HashMap<String, String> = accounts
        .rows
        .iter()
        .filter(|r| !r[cc].is_empty())
        .map(|r| (r[ac].to_string(), r[cc].to_string()))
        .collect();
    // Clusters set aside as feed mirrors are reported, not flagged (a run
    // from before campaigns.csv had `pattern` sets none aside).
    let mirrors = feed_mirror_clusters(&a.dir.join(files::campaigns::FILE))?;
    let role_of: HashMap<&str, &str> =
        truth.iter().map(|t| (t.account.as_str(), t.role.as_str())).collect();
    let mut set_aside: std::collections::BTreeMap<String, u64> = Default::default();
    clusters.retain(|account, cluster| {
        if !mirrors.contains(cluster.as_str()) {
            return true;
        }
        *set_aside
            .entry(role_of.get(account.as_str()).unwrap_or(&"unknown").to_string())
            .or_default() += 1;
        false
    });
    let e = evaluate(&truth, &clusters);
    let mut out = std::io::stdout().lock();
    if a.json {
        let campaigns: Vec<_> = e
            .campaigns
            .iter()
            .map(|c| {
                serde_json::json!({
                    "campaign": c.campaign,
                    "members": c.members,
                    "flagged": c.flagged,
                    "clusters": c.clusters,
                })
            })
            .collect();
        let doc = serde_json::json!({
            "flagged": e.flagged,
            "positives": e.positives,
            "true_positives": e.true_positives,
            "precision": e.precision,
            "recall": e.recall,
            "f1": e.f1,
            "ari": e.ari,
            "campaigns": campaigns,
            "false_positives": e.false_positives,
            "set_aside_as_feed_mirrors": set_aside,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(ExitStatus::Success);
    }
    writeln!(
        out,
        "accounts flagged {}, in campaigns {}, both {}",
        e.flagged, e.positives, e.true_positives
    )?;
    writeln!(
        out,
        "precision {:.3}  recall {:.3}  F1 {:.3}  adjusted Rand index {:.3}",
        e.precision, e.recall, e.f1, e.ari
    )?;
    for c in &e.campaigns {
        writeln!(
            out,
            "campaign {}: {} of {} flagged (recall {:.3}), in {} cluster(s)",
            c.campaign,
            c.flagged,
            c.members,
            c.flagged as f64 / c.members.max(1) as f64,
            c.clusters
        )?;
    }
    if e.false_positives.is_empty() {
        writeln!(out, "false positives: none")?;
    }
    for (role, n) in &e.false_positives {
        writeln!(out, "false positives, {role}: {n}")?;
    }
    for (role, n) in &set_aside {
        writeln!(out, "set aside as feed mirrors (not flagged), {role}: {n}")?;
    }
    Ok(ExitStatus::Success)
}

/// The clusters that `campaigns.csv` marks `feed-mirror` in its `pattern`
/// column; none when the file or the column is missing.
fn feed_mirror_clusters(file: &Path) -> anyhow::Result<std::collections::HashSet<String>> {
    let Some(t) = lockstep_report::Table::read(file)? else { return Ok(Default::default()) };
    let Some(p) = t.col(files::campaigns::PATTERN) else { return Ok(Default::default()) };
    let c = t.need(files::campaigns::CLUSTER)?;
    Ok(t.rows.iter().filter(|r| r[p] == *"feed-mirror").map(|r| r[c].to_string()).collect())
}
