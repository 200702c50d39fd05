//! `lockstep watch`: read a stream of records as they come, keep the
//! actions of a horizon, and every `--refresh` seconds of stream time write
//! the horizon's run folder (as `detect` would on those records) and raise
//! the clusters that formed or grew since the last look.

use crate::args::WatchArgs;
use crate::detect::thousands;
use crate::memory::fmt_bytes;
use crate::ExitStatus;
use anyhow::Context;
use lockstep_ingest::{IngestConfig, MemorySource, Source};
use lockstep_model::time::fmt_iso;
use lockstep_model::{FileReport, Ingested, SkipLog};
use lockstep_pipeline::{Execution, Loaded, Outcome, Plan};
use lockstep_stream::jetstream::Jetstream;
use lockstep_stream::lines::Lines;
use lockstep_stream::mastodon::Mastodon;
use lockstep_stream::Item;
use lockstep_watch::alerts::{Change, Tracker};
use lockstep_watch::early::Warned;
use lockstep_watch::Horizon;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The alerts, one JSON object per line, appended; a file of the run
/// folder that no run writes, so that each refresh carries it over.
pub const ALERTS: &str = "alerts.jsonl";

/// The reports ready for atproto's `com.atproto.moderation.createReport`,
/// one file per account of a raised Bluesky cluster.
pub const REPORTS: &str = "reports";

/// A chunk is cut at this many records, or after [`CHUNK_TIME`].
const CHUNK_RECORDS: usize = 5_000;
const CHUNK_TIME: Duration = Duration::from_secs(1);
/// Evidence pairs in an alert: the strongest edges' first pairs.
const ALERT_PAIRS: usize = 20;

/// The stream read so far.
struct Stream {
    report: FileReport,
    skips: SkipLog,
    sha: Sha256,
    lines: u64,
    format: Option<String>,
}

pub fn run(a: WatchArgs) -> anyhow::Result<ExitStatus> {
    let d = &a.detect;
    if d.explain {
        anyhow::bail!("`--explain` describes a `detect` run: run `lockstep detect ... --explain`");
    }
    let [source] = &d.input.inputs[..] else {
        anyhow::bail!(
            "`lockstep watch` reads one stream: a Jetstream or Mastodon streaming URL, a file, or `-` for standard input"
        );
    };
    let plan = Plan::new(crate::detect::options(d))?;
    let exec = Execution::new(d.threads, d.memory_limit, d.spill_dir.clone(), d.engine.clone());
    let horizon_us = lockstep_pipeline::plan::seconds_to_us("--horizon", a.horizon)?;
    let refresh_us = lockstep_pipeline::plan::seconds_to_us("--refresh", a.refresh)?;
    if horizon_us <= 0 || refresh_us <= 0 {
        anyhow::bail!("`--horizon` and `--refresh` must be positive");
    }
    let until_us = match &a.until {
        Some(t) => Some(
            lockstep_ingest::timestamp::parse_timestamp(t)
                .map_err(|e| anyhow::anyhow!("`--until {t}`: {e}"))?,
        ),
        None => None,
    };
    let opened = open(&source.display().to_string(), &a, &plan)?;
    if until_us.is_some() && !opened.timed {
        anyhow::bail!(
            "`--until` stops a Jetstream or Mastodon stream; a file or standard input ends by itself"
        );
    }
    let name = opened.name;
    let looker = Looker {
        plan: &plan,
        out: &d.out,
        quiet: d.quiet,
        tracker: Tracker::default(),
        alerts: 0,
        refreshes: 0,
        early: a.early.then(Warned::default),
        last_look_us: None,
    };
    let stream = Stream {
        report: FileReport::new(&name, "auto"),
        skips: SkipLog::default(),
        sha: Sha256::new(),
        lines: 0,
        format: plan.ingest.format.clone().or(opened.format.map(String::from)),
    };
    let horizon = match exec.memory_limit {
        Some(limit) => Horizon::new(horizon_us).within_memory(limit),
        None => Horizon::new(horizon_us),
    };
    let running = lockstep_stream::spawn(opened.source, 4 * CHUNK_RECORDS);
    // The refreshes run on a thread of their own, one at a time and in
    // order, so that the stream is read on while the pipeline looks at
    // the horizon (a live watch does not stall its source for a refresh).
    let (watched, looked) = std::thread::scope(|scope| {
        let (snapshots, looks) = std::sync::mpsc::sync_channel::<Snapshot>(0);
        let (done_tx, done) = std::sync::mpsc::channel();
        let exec = &exec;
        let looking = scope.spawn(move || {
            let mut looker = looker;
            for snapshot in looks {
                looker.look(exec, snapshot)?;
                if done_tx.send(()).is_err() {
                    break;
                }
            }
            anyhow::Ok(looker)
        });
        let mut watcher = Watcher {
            plan: &plan,
            exec,
            horizon,
            horizon_us,
            shed_warned: false,
            stream,
            pending: Pending::default(),
            handoff: Handoff { snapshots, done, busy: false },
        };
        let watched = watch(&mut watcher, &running, &name, refresh_us, until_us, d.quiet);
        let lines = watcher.stream.lines;
        // Closes the handoff: the looker ends after its last look.
        drop(watcher);
        let looked = looking.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (watched.map(|reached_until| (reached_until, lines)), looked)
    });
    // The looker's error first: a stopped handoff is its consequence.
    let looker = looked?;
    let (reached_until, lines) = watched?;
    // A source that ended on an error still leaves the run folder of what
    // it read; the error is reported after it.
    let ended = if reached_until {
        running.stop();
        Ok(())
    } else {
        running.finish()
    };
    if lines == 0 {
        ended.with_context(|| format!("cannot read `{name}`"))?;
        anyhow::bail!("`{name}` held no record");
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "watched `{name}`: {} records, {} refreshes of `{}`, {} alerts in `{}`",
        thousands(lines),
        looker.refreshes,
        d.out.display(),
        looker.alerts,
        d.out.join(ALERTS).display()
    )?;
    ended.with_context(|| format!("`{name}` stopped"))?;
    Ok(ExitStatus::Success)
}

/// Reads the stream until it ends (or reaches `until_us`), refreshing at
/// the multiples of `refresh_us` of its time and once at the end; whether
/// it stopped at `until_us`.
fn watch(
    watcher: &mut Watcher<'_>,
    running: &lockstep_stream::Running,
    name: &str,
    refresh_us: i64,
    until_us: Option<i64>,
    quiet: bool,
) -> anyhow::Result<bool> {
    let mut next_refresh: Option<i64> = None;
    // The next multiple of `--refresh` after a time.
    let next = |t: i64| t - t.rem_euclid(refresh_us) + refresh_us;
    let mut reached_until = false;
    loop {
        let (mut ended, mut skip) = (false, None);
        match running.items.recv_timeout(CHUNK_TIME) {
            Ok(Item::Record { line, time_us }) => {
                if until_us.is_some_and(|u| time_us.is_some_and(|t| t >= u)) {
                    reached_until = true;
                } else {
                    // A record that carries its time and passes the next
                    // refresh is looked at after the refresh, as a live
                    // watch would, however the records were cut in chunks.
                    if let Some(t) = time_us {
                        let due = *next_refresh.get_or_insert(next(t));
                        if t >= due {
                            watcher.flush(name)?;
                            // Nothing to look at before the first action.
                            if watcher.horizon.latest_us().is_some() {
                                watcher.refresh()?;
                            }
                            next_refresh = Some(next(t));
                        }
                    }
                    watcher.pending.push(&line);
                }
            }
            Ok(Item::Skip { reason, detail }) => skip = Some((reason, detail)),
            Ok(Item::Note(note)) => {
                if !quiet {
                    eprintln!("watch: {note}");
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => ended = true,
        }
        let cut = watcher.pending.full() || ended || reached_until || skip.is_some();
        if cut && watcher.flush(name)? {
            // Refreshed by the stream's time, at its multiples of
            // `--refresh`, so that a replay at full speed looks at the
            // stream where a live watch would have.
            if let Some(latest) = watcher.horizon.latest_us() {
                let due = *next_refresh.get_or_insert(next(latest));
                if latest >= due {
                    watcher.refresh()?;
                    next_refresh = Some(next(latest));
                }
            }
        }
        if let Some((reason, detail)) = skip {
            watcher.skip(name, reason, detail);
        }
        if ended || reached_until {
            break;
        }
    }
    if watcher.stream.lines > 0 {
        watcher.refresh()?;
    }
    Ok(reached_until)
}

/// A stream, opened.
struct Opened {
    source: Box<dyn lockstep_stream::Source>,
    /// How the stream is named in the run folder's provenance (a URL
    /// without its credentials).
    name: String,
    /// The format its records are in, where the source says.
    format: Option<&'static str>,
    /// Whether its records carry their time (for `--until`).
    timed: bool,
}

/// The source `name` names: a Jetstream WebSocket URL, a Mastodon
/// streaming URL, a file, or `-`.
fn open(name: &str, a: &WatchArgs, plan: &Plan) -> anyhow::Result<Opened> {
    let mut options = lockstep_stream::Options::default();
    if a.follow && name.contains("://") {
        anyhow::bail!("`--follow` is for files; a network stream is followed anyway");
    }
    if let Some(file) = &a.ca_file {
        if !name.starts_with("wss://") && !name.starts_with("https://") {
            anyhow::bail!("`--ca-file` is for `wss://` and `https://` sources");
        }
        options.trust = lockstep_stream::net::Trust::with_pem_file(file)?;
    }
    if name.starts_with("ws://") || name.starts_with("wss://") {
        let source = Jetstream::new(name, &jetstream_collections(plan), options)?;
        let shown = lockstep_stream::net::redact(&source.url_now());
        return Ok(Opened {
            source: Box::new(source),
            name: shown,
            format: Some("bluesky-jetstream"),
            timed: true,
        });
    }
    if name.starts_with("http://") || name.starts_with("https://") {
        let token = std::env::var(MASTODON_TOKEN).ok().filter(|t| !t.is_empty());
        let source = Mastodon::new(name, token, options)?;
        let shown = lockstep_stream::net::redact(source.url());
        return Ok(Opened {
            source: Box::new(source),
            name: shown,
            format: Some("mastodon"),
            timed: true,
        });
    }
    if name.contains("://") {
        anyhow::bail!(
            "`{name}`: `lockstep watch` reads `wss://` (Bluesky's Jetstream), `https://` (a Mastodon server's streaming API), a file, or `-`"
        );
    }
    let source = if name == "-" {
        Lines::stdin()
    } else {
        Lines::file(std::path::Path::new(name), a.follow)
            .with_context(|| format!("cannot open `{name}`"))?
    };
    Ok(Opened { source: Box::new(source), name: name.to_string(), format: None, timed: false })
}

/// Where the access token of a Mastodon server comes from: an environment
/// variable, so that it is in neither the shell's history nor the run
/// folder.
const MASTODON_TOKEN: &str = "LOCKSTEP_MASTODON_TOKEN";

/// The Jetstream collections that hold the selected layers' actions, and
/// profiles (the accounts' metadata).
fn jetstream_collections(plan: &Plan) -> Vec<&'static str> {
    use lockstep_model::Layer;
    let [post, repost, like, profile] = lockstep_stream::jetstream::COLLECTIONS;
    let Some(layers) = plan.layers else { return vec![post, repost, like, profile] };
    let mut out = Vec::new();
    if layers.iter().any(|l| !matches!(l, Layer::Repost | Layer::Like)) {
        out.push(post);
    }
    if layers.contains(Layer::Repost) {
        out.push(repost);
    }
    if layers.contains(Layer::Like) {
        out.push(like);
    }
    out.push(profile);
    out
}

/// The reading side of a watch: the stream, and the horizon of its
/// actions.
struct Watcher<'a> {
    plan: &'a Plan,
    exec: &'a Execution,
    horizon: Horizon,
    /// `--horizon`.
    horizon_us: i64,
    /// Whether the user was told that the memory limit shortens the
    /// horizon.
    shed_warned: bool,
    stream: Stream,
    /// Records received and not yet read.
    pending: Pending,
    handoff: Handoff,
}

/// Hands the horizon to the [`Looker`]'s thread, one look at a time.
struct Handoff {
    snapshots: std::sync::mpsc::SyncSender<Snapshot>,
    /// A token per look done.
    done: std::sync::mpsc::Receiver<()>,
    /// Whether a look was handed over and is not done.
    busy: bool,
}

/// What the reading side gets once the looker has stopped on an error
/// (which `run` reports instead).
const LOOKER_STOPPED: &str = "the refreshes stopped";

/// The horizon at a refresh, and what the status line says of the stream
/// then.
struct Snapshot {
    ingested: Ingested,
    /// The stream's time.
    latest_us: Option<i64>,
    lines: u64,
    late: u64,
    segments: usize,
    heap_bytes: u64,
    shed: Option<lockstep_watch::Shed>,
    /// When the refresh began (the horizon's dataset is built before the
    /// look).
    started: Instant,
}

/// The refreshing side of a watch: runs the pipeline on each snapshot of
/// the horizon, writes the run folder and raises what changed.
struct Looker<'a> {
    plan: &'a Plan,
    out: &'a Path,
    quiet: bool,
    tracker: Tracker,
    alerts: u64,
    refreshes: u64,
    /// The groups warned of so far, with `--early`.
    early: Option<Warned>,
    /// The stream's time at the last refresh.
    last_look_us: Option<i64>,
}

/// Records received and not yet read: a chunk is cut at
/// [`CHUNK_RECORDS`], or once [`CHUNK_TIME`] has passed since the last cut.
struct Pending {
    bytes: Vec<u8>,
    records: usize,
    since: Instant,
}

impl Default for Pending {
    fn default() -> Self {
        Pending { bytes: Vec::new(), records: 0, since: Instant::now() }
    }
}

impl Pending {
    fn push(&mut self, line: &[u8]) {
        self.bytes.extend_from_slice(line);
        self.bytes.push(b'\n');
        self.records += 1;
    }

    fn full(&self) -> bool {
        self.records >= CHUNK_RECORDS || (self.records > 0 && self.since.elapsed() >= CHUNK_TIME)
    }
}

impl Watcher<'_> {
    /// Reads the records received so far, if any; whether there were.
    fn flush(&mut self, name: &str) -> anyhow::Result<bool> {
        if self.pending.records == 0 {
            return Ok(false);
        }
        let Pending { bytes, records, .. } = std::mem::take(&mut self.pending);
        self.read_chunk(&bytes, records as u64, name)?;
        Ok(true)
    }

    /// Reads a chunk of records with `detect`'s format readers (the format
    /// the first chunk was recognised as, for every later one) into the
    /// horizon.
    fn read_chunk(&mut self, bytes: &[u8], records: u64, name: &str) -> anyhow::Result<()> {
        self.stream.sha.update(bytes);
        let config =
            IngestConfig { format: self.stream.format.clone(), ..self.plan.ingest.clone() };
        let src: Vec<Box<dyn Source>> = vec![Box::new(MemorySource::new(name, bytes))];
        let mut read = lockstep_ingest::ingest(&src, &config, &|_| {})?;
        let file = read.files.remove(0);
        self.stream.format.get_or_insert_with(|| file.format.clone());
        let lines_before = self.stream.lines;
        self.stream.lines += records;
        if self.stream.report.format == "auto" {
            self.stream.report.format = file.format.clone();
        }
        self.stream.report.bytes += file.bytes;
        self.stream.report.absorb(file);
        // Skips are numbered by the line of the stream, not of the chunk.
        for e in &mut read.skips.examples {
            e.line += lines_before;
        }
        self.stream.skips.append(read.skips);
        self.horizon.push(read.dataset);
        if let (Some(shed), false) = (self.horizon.shed(), self.shed_warned) {
            self.shed_warned = true;
            let limit = self.exec.memory_limit.unwrap_or_default();
            eprintln!(
                "warning: the horizon outgrew its share of the memory limit ({} of {}; a refresh needs the rest): its oldest actions are dropped before their time, so it now holds the last {} of `--horizon {}`; raise `--memory-limit`, shorten `--horizon`, or watch fewer collections",
                fmt_bytes(self.horizon.budget().unwrap_or_default()),
                fmt_bytes(limit),
                fmt_duration(self.horizon.latest_us().unwrap_or_default() - shed.through_us),
                self.horizon_us / 1_000_000,
            );
        }
        Ok(())
    }

    /// Counts an event the source left out, numbered as a record of the
    /// stream.
    fn skip(&mut self, name: &str, reason: &str, detail: String) {
        self.stream.lines += 1;
        self.stream.report.records_read += 1;
        lockstep_model::count(&mut self.stream.report.skipped, reason, 1);
        self.stream.skips.record(name, self.stream.lines, "event", reason, detail);
    }

    /// Hands the horizon to the looker, once it is done with the last look.
    fn refresh(&mut self) -> anyhow::Result<()> {
        // Waited for before the dataset is built, so that a refresh holds
        // one horizon's dataset at a time, as before the looker had a
        // thread.
        if self.handoff.busy && self.handoff.done.recv().is_err() {
            anyhow::bail!(LOOKER_STOPPED);
        }
        let started = Instant::now();
        let mut report = self.stream.report.clone();
        report.sha256 = format!("{:x}", self.stream.sha.clone().finalize());
        let snapshot = Snapshot {
            ingested: Ingested {
                dataset: self.horizon.dataset(),
                files: vec![report],
                skips: self.stream.skips.clone(),
            },
            latest_us: self.horizon.latest_us(),
            lines: self.stream.lines,
            late: self.horizon.late(),
            segments: self.horizon.segments(),
            heap_bytes: self.horizon.heap_bytes(),
            shed: self.horizon.shed(),
            started,
        };
        self.handoff.snapshots.send(snapshot).map_err(|_| anyhow::anyhow!(LOOKER_STOPPED))?;
        self.handoff.busy = true;
        Ok(())
    }
}

impl Looker<'_> {
    /// Writes the run folder of a snapshot of the horizon and raises what
    /// changed.
    fn look(&mut self, exec: &Execution, snapshot: Snapshot) -> anyhow::Result<()> {
        let Snapshot { ingested, latest_us, lines, late, segments, heap_bytes, shed, started } =
            snapshot;
        let loaded = Loaded { ingested, dataset: None };
        let (outcome, _) = lockstep_pipeline::run_loaded(
            self.plan,
            exec,
            self.out,
            &lockstep_pipeline::Quiet,
            loaded,
        )?;
        self.refreshes += 1;
        let mut raised = self.raise(&outcome, latest_us)?;
        raised += self.warn_early(&outcome, latest_us)?;
        self.last_look_us = latest_us;
        if !self.quiet {
            let latest = latest_us.unwrap_or_default();
            let behind = now_us().saturating_sub(latest);
            let worth = outcome.scores.iter().filter(|s| s.worth_a_look()).count();
            eprintln!(
                "watch: stream at {} ({} behind the clock); {} records read, {} late; the horizon holds {} actions in {} segment{} ({}){}; {} clusters, {worth} worth a look; {raised} alerts; written in {:.1} s",
                fmt_iso(latest),
                fmt_duration(behind),
                thousands(lines),
                thousands(late),
                thousands(outcome.dataset().actions.len() as u64),
                thousands(segments as u64),
                if segments == 1 { "" } else { "s" },
                fmt_bytes(heap_bytes),
                match shed {
                    Some(shed) => format!(
                        ", the last {} by the memory limit ({} actions dropped early)",
                        fmt_duration(latest - shed.through_us),
                        thousands(shed.actions)
                    ),
                    None => String::new(),
                },
                outcome.net.clusters.len(),
                started.elapsed().as_secs_f64(),
            );
        }
        Ok(())
    }

    /// Appends an alert per cluster that appeared or grew, and writes the
    /// atproto reports of its Bluesky accounts; how many were raised.
    fn raise(&mut self, outcome: &Outcome, latest_us: Option<i64>) -> anyhow::Result<u64> {
        let ds = outcome.dataset();
        let clusters = &outcome.net.clusters;
        let score_of = |id: u32| outcome.scores.iter().find(|s| s.cluster == id);
        let looks: Vec<(BTreeSet<String>, bool)> = clusters
            .iter()
            .map(|c| {
                let names = c.accounts.iter().map(|&a| ds.account_name(a).to_string()).collect();
                let worth = score_of(c.id).is_some_and(lockstep_campaign::Score::worth_a_look);
                (names, worth)
            })
            .collect();
        let changes = self.tracker.look(&looks);
        let mut raised = 0;
        let path = self.out.join(ALERTS);
        for ((c, (names, _)), change) in clusters.iter().zip(&looks).zip(changes) {
            let Some(change) = change else { continue };
            self.alerts += 1;
            raised += 1;
            let score = score_of(c.id);
            let alert = json!({
                "alert": self.alerts,
                "change": change.name(),
                "grew_from": match change { Change::Grew { from } => Some(from), Change::Appeared => None },
                "stream_time_utc": latest_us.map(fmt_iso),
                "cluster": c.id,
                "accounts": names,
                "score": score.map(|s| s.score),
                "explanation": score.map(|s| s.explain()),
                "evidence": evidence(outcome, c),
            });
            append_alert(&path, &alert)?;
            write_reports(&self.out.join(REPORTS), names, &alert)?;
        }
        Ok(raised)
    }

    /// With `--early`, appends a warning per group of co-actors since the
    /// last look that looks made together, once per factory (`Warned`);
    /// how many.
    fn warn_early(&mut self, outcome: &Outcome, latest_us: Option<i64>) -> anyhow::Result<u64> {
        let Some(warned) = &mut self.early else { return Ok(0) };
        let ds = outcome.dataset();
        let since = self.last_look_us.unwrap_or(i64::MIN);
        let groups = lockstep_watch::early::early_groups(ds, since, self.plan.detect.window_us);
        let path = self.out.join(ALERTS);
        let mut raised = 0;
        for g in &groups {
            let names: BTreeSet<String> =
                g.accounts.iter().map(|&a| ds.account_name(a).to_string()).collect();
            if !warned.is_new(&names) {
                continue;
            }
            self.alerts += 1;
            raised += 1;
            let evidence: Vec<serde_json::Value> =
                g.pairs.iter().map(|&(a, b)| pair_json(ds, a, b)).collect();
            let alert = json!({
                "alert": self.alerts,
                "change": "early",
                "stream_time_utc": latest_us.map(fmt_iso),
                "objects": g.objects.iter().map(|&o| ds.object_name(o)).collect::<Vec<_>>(),
                "first_time_utc": fmt_iso(g.first_us),
                "accounts": names,
                "explanation": g.explain(),
                "evidence": evidence,
            });
            append_alert(&path, &alert)?;
        }
        Ok(raised)
    }
}

/// Appends one alert to `alerts.jsonl`.
fn append_alert(path: &Path, alert: &serde_json::Value) -> anyhow::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    writeln!(f, "{alert}").with_context(|| format!("cannot write `{}`", path.display()))
}

/// One `com.atproto.moderation.createReport` input per Bluesky account of
/// an alert, into `dir`, for a moderator to review and submit: lockstep
/// sends nothing.
fn write_reports(
    dir: &Path,
    names: &BTreeSet<String>,
    alert: &serde_json::Value,
) -> anyhow::Result<()> {
    let dids: Vec<&str> = names.iter().filter_map(|n| n.strip_prefix("bsky:")).collect();
    if dids.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    for did in dids {
        let body = json!({
            "reasonType": "com.atproto.moderation.defs#reasonOther",
            "reason": report_reason(alert, names.len()),
            "subject": {"$type": "com.atproto.admin.defs#repoRef", "did": did},
        });
        let file: PathBuf =
            dir.join(format!("alert-{}-{}.json", alert["alert"], did.replace(':', "_")));
        std::fs::write(&file, format!("{body:#}\n"))
            .with_context(|| format!("cannot write `{}`", file.display()))?;
    }
    Ok(())
}

/// The report's words: what lockstep found, and what it cannot say, within
/// atproto's 2,000 characters.
fn report_reason(alert: &serde_json::Value, accounts: usize) -> String {
    let mut reason = format!(
        "Coordinated activity (lockstep watch, alert {}, cluster {} {} at {}): this account is one of {accounts} that acted on the same posts and links within seconds of each other more often than chance allows (campaign score {:.1}). {} This is evidence of a common driver, not proof that the account is fake or of who runs it; review the evidence before acting.",
        alert["alert"],
        alert["cluster"],
        alert["change"].as_str().unwrap_or_default(),
        alert["stream_time_utc"].as_str().unwrap_or_default(),
        alert["score"].as_f64().unwrap_or(0.0),
        alert["explanation"].as_str().unwrap_or_default(),
    );
    if reason.chars().count() > 2000 {
        reason = reason.chars().take(1999).collect::<String>() + "…";
    }
    reason
}

/// The first pairs of a cluster's heaviest edges, with their posts and
/// times.
fn evidence(outcome: &Outcome, c: &lockstep_graph::Cluster) -> Vec<serde_json::Value> {
    let (ds, det) = (outcome.dataset(), &outcome.det);
    let mut edges = c.edges.clone();
    edges.sort_by(|&x, &y| det.edges.weight[y].cmp(&det.edges.weight[x]).then(x.cmp(&y)));
    let mut out = Vec::new();
    for e in edges {
        for k in det.edges.pair_range(e, &det.pairs) {
            if out.len() == ALERT_PAIRS {
                return out;
            }
            let (a, b) = (det.pairs.older[k] as usize, det.pairs.newer[k] as usize);
            out.push(pair_json(ds, a, b));
        }
    }
    out
}

/// A pair of actions as an alert's evidence.
fn pair_json(ds: &lockstep_model::Dataset, a: usize, b: usize) -> serde_json::Value {
    let t = &ds.actions;
    json!({
        "layer": t.layer[a].name(),
        "object": ds.object_name(t.object[a]),
        "account_a": ds.account_name(t.account[a]),
        "content_a": ds.content_name(t.content[a]),
        "time_a_utc": fmt_iso(t.time_us[a]),
        "account_b": ds.account_name(t.account[b]),
        "content_b": ds.content_name(t.content[b]),
        "time_b_utc": fmt_iso(t.time_us[b]),
    })
}

fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

fn fmt_duration(us: i64) -> String {
    let s = us / 1_000_000;
    match s {
        s if s < 120 => format!("{s} s"),
        s if s < 7_200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3_600),
        s => format!("{} days", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_for_bluesky_accounts_within_atprotos_limits() {
        let dir = lockstep_test_support::TempDir::new("reports");
        let names: BTreeSet<String> = ["bsky:did:plc:abc", "bsky:did:web:example.com", "x:12"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let alert = json!({
            "alert": 3, "cluster": 1, "change": "appeared",
            "stream_time_utc": "2024-03-08T14:00:00Z", "score": 12.5,
            "explanation": "office hours 67.6 ".repeat(200),
        });
        write_reports(dir.path(), &names, &alert).unwrap();
        let mut files: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        files.sort();
        assert_eq!(files, ["alert-3-did_plc_abc.json", "alert-3-did_web_example.com.json"]);
        let text = std::fs::read_to_string(dir.path().join(&files[0])).unwrap();
        let body: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["subject"]["$type"], "com.atproto.admin.defs#repoRef");
        assert_eq!(body["subject"]["did"], "did:plc:abc");
        assert_eq!(body["reasonType"], "com.atproto.moderation.defs#reasonOther");
        let reason = body["reason"].as_str().unwrap();
        assert_eq!(reason.chars().count(), 2000, "cut to atproto's limit");
        assert!(
            reason.starts_with("Coordinated activity (lockstep watch, alert 3, cluster 1 appeared")
        );
        // Nothing for an alert without Bluesky accounts.
        let other = lockstep_test_support::TempDir::new("reports-none");
        let x: BTreeSet<String> = ["x:12".to_string()].into();
        write_reports(&other.path().join("reports"), &x, &alert).unwrap();
        assert!(!other.path().join("reports").exists());
    }
}
