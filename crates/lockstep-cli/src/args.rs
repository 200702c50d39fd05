use clap::{Args, Parser, Subcommand, ValueEnum};
use lockstep_pipeline::plan::defaults;
use lockstep_pipeline::Engine;
use std::path::PathBuf;

/// lockstep finds accounts that act in concert: they share the same posts,
/// links and hashtags within seconds of each other, again and again.
#[derive(Debug, Parser)]
#[command(name = "lockstep", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find accounts that repeatedly act on the same objects within a time
    /// window, with the evidence behind every link.
    Detect(Box<DetectArgs>),
    /// Parse the inputs once into a dataset (Parquet tables and a
    /// manifest) that `detect` reads without parsing again.
    Ingest(IngestArgs),
    /// Write `report.html` into a `detect` output folder: one self-contained
    /// file (no script, no network) that opens with a summary of what was
    /// found, then the clusters by campaign score, each campaign's
    /// fingerprints, network, talking points and evidence, and the run's
    /// inputs and parameters.
    Report(ReportArgs),
    /// Serve a local web UI over a `detect` output folder: the clusters
    /// with filters, an interactive account graph, each account's partners,
    /// shared items and actions, each edge's evidence, search, and CSV
    /// downloads. Listens on 127.0.0.1 unless `--host` says otherwise.
    Serve(ServeArgs),
    /// Write synthetic shares with planted coordinated groups (for tests
    /// and benchmarks), or with `--scenario` a realistic world of tweets
    /// with operations, decoys and a truth file.
    Simulate(SimulateArgs),
    /// Score a `detect` output folder against a truth file (from
    /// `simulate --scenario ... --truth`): precision, recall, F1, recall
    /// per campaign, false positives by role, adjusted Rand index.
    Evaluate(EvaluateArgs),
    /// Run `detect` and the same detection over a grid of windows and weight
    /// thresholds (one read, shared work): how stable each cluster is across
    /// the grid, in stability.csv, sweep.csv and the report.
    Sweep(Box<SweepArgs>),
    /// Watch a stream of records (JSON lines on standard input, or a file
    /// as it grows) and raise coordinated clusters as they form: the run
    /// folder of the last `--horizon` of the stream, rewritten every
    /// `--refresh` seconds of stream time, and an alert per cluster that
    /// appears or grows.
    Watch(Box<WatchArgs>),
    /// Write a run's campaigns as a STIX 2.1 bundle for threat-intelligence
    /// platforms: a grouping per campaign worth a look, its accounts, links
    /// and sites as observed data, and the DISARM techniques it evidences.
    Export(ExportArgs),
    /// Write the co-action stage as SQL over a dataset's Parquet tables
    /// (DuckDB's dialect), for teams that run DuckDB or Spark: the same
    /// pairs and edges as `detect` (lockstep semantics).
    ExportSql(ExportSqlArgs),
    /// List the input formats, in the order they are sniffed.
    Formats,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  lockstep watch - --out live/ < recorded-stream.jsonl
  lockstep watch collector.jsonl --follow --out live/
  some-collector | lockstep watch - --format bluesky-jetstream --out live/

Every `detect` flag applies to each refresh. The run folder is `detect`'s on the
horizon's records, rewritten whole at each refresh; alerts.jsonl gets a line per
cluster that appeared or grew, and reports/ the createReport input for each
Bluesky account of one. See docs/detect.md, \"Watching a stream\".")]
pub struct WatchArgs {
    #[command(flatten)]
    pub detect: DetectArgs,

    /// How much of the stream to keep, in seconds of its time before its
    /// latest record: memory follows the horizon's traffic. The tested
    /// rule compares accounts with themselves shifted by whole days, so a
    /// week, not a day: within a day there is no other day to shift to. A
    /// horizon that outgrows its share of `--memory-limit` (a fifth of
    /// what is left past 128 MiB; a refresh needs the rest) drops its
    /// oldest actions early, with a warning.
    #[arg(long, default_value_t = 604_800.0, value_name = "SECONDS")]
    pub horizon: f64,

    /// How often to rewrite the run folder and look for new clusters, in
    /// seconds of the stream's time.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub refresh: f64,

    /// At the end of the file, wait for it to grow (as `tail -f`) instead
    /// of stopping.
    #[arg(long)]
    pub follow: bool,

    /// Also warn early, before the tested rule can: at each refresh, the
    /// accounts that acted on one object within the window since the last
    /// look, when a batch of them was created within days of one another
    /// and they share a handle shape, each far beyond this stream's own
    /// accounts. Said as a warning, not a finding (docs/detect.md).
    #[arg(long)]
    pub early: bool,

    /// Stop once a Jetstream or Mastodon stream reaches this time (ISO 8601
    /// or seconds since 1970): its records from then on are not read. With
    /// a Jetstream `cursor`, replays a stretch of the past.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Also trust the certificate authorities in this PEM file for a
    /// `wss://` or `https://` source: a server whose certificate a private
    /// authority signed, or a network that inspects TLS. Mozilla's
    /// authorities stay trusted.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<std::path::PathBuf>,
}

/// `auto` and the name of every registered format.
fn format_names() -> Vec<&'static str> {
    std::iter::once("auto").chain(lockstep_ingest::registry().iter().map(|f| f.name())).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RuleArg {
    /// Acts, and beyond chance under every null.
    Tested,
    /// Acts alone.
    Naive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClustersArg {
    /// Connected components of the edges over the threshold.
    Components,
    /// Leiden communities (modularity) within the components.
    Leiden,
    /// Components, those over --split-above accounts cut by Leiden.
    Split,
}

/// `8G`, `512M`, `1.5GiB`, `1000000`: bytes, with binary units (K = 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        _ => return Err(format!("unknown unit in `{s}` (expected a number and K, M, G or T)")),
    };
    match number.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok((x * (1u64 << shift) as f64) as u64),
        _ => Err(format!("`{s}` is not a positive size (such as 8G or 512M)")),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NearTextPairs {
    /// Every pair's own similarity reaches the threshold.
    Similar,
    /// Every pair of posts in one cluster.
    Cluster,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NearTextMode {
    /// MinHash LSH clusters of near-duplicate texts.
    Lsh,
    /// The QUT toolkit's co_similar_tweet: similar posts, pair by pair.
    Qut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SemanticsArg {
    /// weight = acts (one post is one act, however many objects it matches
    /// on); both accounts must take part in --min-participation acts.
    Lockstep,
    /// Reproduce CooRTweet 2.1.3 exactly (weight = pair rows, either side
    /// qualifies, quantile threshold).
    Coortweet,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  lockstep detect examples/data/russian_coord_tweets.csv --out out/
  lockstep detect german.csv --map url=url_id,hashtag=hashtag_id,content=post_id,timestamp=timestamp --out out/
  lockstep detect tweets.csv.gz --format io-archive --layers repost,url --window 30 --out out/
  lockstep detect dataset/ --layers url --out out/    (a dataset from `lockstep ingest`)

Outputs in --out: pairs.csv (the evidence), edges.csv, accounts.csv, clusters.csv,
network.gexf, network.graphml and summary.json. See docs/outputs.md.")]
pub struct DetectArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Directory for the outputs (created if missing).
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,

    /// Time window in seconds: two actions on one object are paired when
    /// |t1 - t2| <= window.
    #[arg(long, default_value_t = defaults::WINDOW_S, value_name = "SECONDS")]
    pub window: f64,

    /// A second, wider window in seconds for what accounts write or paste
    /// (--slow-layers: links, hashtags, texts, images): two such actions
    /// on one object also pair when this far apart, unless more than 100
    /// others acted on the object between them (a crowd). It finds
    /// operations that carry out an order over minutes, not seconds.
    /// Default: 1800 with the tested rule and lockstep semantics (off when
    /// --window is as wide); 0 (off) otherwise, and with --engine plans,
    /// which pair at one window.
    #[arg(long, value_name = "SECONDS")]
    pub slow_window: Option<f64>,

    /// The layers --slow-window applies to.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LAYERS",
        default_value = defaults::SLOW_LAYERS
    )]
    pub slow_layers: Vec<String>,

    /// Also flag pairs within this narrower window (CooRTweet's
    /// flag_speed_share).
    #[arg(long, value_name = "SECONDS")]
    pub fast_window: Option<f64>,

    /// Accounts must take part at least this often (see --semantics).
    #[arg(long, default_value_t = defaults::MIN_PARTICIPATION, value_name = "N")]
    pub min_participation: u32,

    /// Keep edges heavier than this quantile of all edge weights (0..1).
    /// Default: 0.5 with --semantics coortweet, none with lockstep.
    #[arg(long, value_name = "Q")]
    pub edge_weight: Option<f64>,

    /// Keep edges of at least this weight. Default: 2 with lockstep
    /// semantics (two acts: two posts of each account, on two objects), 1
    /// with coortweet.
    #[arg(long, value_name = "N")]
    pub min_weight: Option<u64>,

    /// The Jaccard similarity of two texts' word sets at which they are
    /// near duplicates (`--layers near_text`, and account bios).
    #[arg(long, default_value_t = defaults::TEXT_SIMILARITY, value_name = "J")]
    pub text_similarity: f64,

    /// Texts and bios with fewer distinct words are not compared (short
    /// lines such as "thank god" link strangers).
    #[arg(long, default_value_t = defaults::MIN_TEXT_TOKENS, value_name = "N")]
    pub min_text_tokens: usize,

    /// How `--layers near_text` links posts: `lsh` clusters near-duplicate
    /// texts (scales to 10^7 posts); `qut` pairs posts whose token sets are
    /// similar, exactly as the QUT toolkit's co_similar_tweet (quadratic in
    /// the posts per window; for parity checks).
    #[arg(long, value_enum, default_value_t = NearTextMode::Lsh)]
    pub near_text_mode: NearTextMode,

    /// With `--near-text-mode lsh`: `similar` keeps a pair of posts only
    /// when their texts are themselves similar enough; `cluster` keeps every
    /// pair of one cluster (texts joined through a third may be less
    /// similar).
    #[arg(long, value_enum, default_value_t = NearTextPairs::Similar)]
    pub near_text_pairs: NearTextPairs,

    /// Emoji are not words (in texts and bios).
    #[arg(long)]
    pub drop_emoji: bool,

    /// What makes an edge coordinated. `tested` (the default with lockstep
    /// semantics): at least --min-weight acts, and beyond chance at the
    /// false discovery rate --fdr under two nulls (accounts shifted by
    /// whole days, with meetings inside an object's opening judged by the
    /// opening's own spread; partners at random; docs/detect.md). `naive`: at least --min-weight acts, no test (the
    /// rule the peers use, for comparison). With --semantics coortweet the
    /// default is CooRTweet's own rule (no test).
    #[arg(long, value_enum, value_name = "RULE")]
    pub rule: Option<RuleArg>,

    /// The false discovery rate of the tested rule (default 0.01): edges
    /// need a q-value at most Q under every null. Adds expected_objects,
    /// p_value, q_value, in_openings and the partner_ columns to edges.csv.
    #[arg(long, value_name = "Q")]
    pub fdr: Option<f64>,

    /// Keep only edges whose IDF-weighted weight is at least W: the sum
    /// over the co-acted objects of ln(A / a_o), A the accounts with an
    /// action and a_o those on the object (edges.csv idf_weight), so that
    /// objects everyone shares count little and rare ones much.
    #[arg(long, value_name = "W")]
    pub min_idf: Option<f64>,

    /// How the edges over the threshold form clusters: connected
    /// components; Leiden communities within them (seeded; the same
    /// clusters whatever the thread count); or `split`: components, but
    /// those of more than --split-above accounts cut into their Leiden
    /// communities (a crowd that chance edges join is no one operation;
    /// the cluster's explanation says when it was cut). Default: split;
    /// components with --semantics coortweet, as CooRTweet.
    #[arg(long, value_enum)]
    pub clusters: Option<ClustersArg>,

    /// With --clusters split, the largest component kept whole.
    #[arg(long, default_value_t = defaults::SPLIT_ABOVE, value_name = "N")]
    pub split_above: usize,

    /// Leiden's resolution: higher gives smaller clusters.
    #[arg(long, default_value_t = defaults::RESOLUTION, value_name = "GAMMA")]
    pub resolution: f64,

    /// Rules that turn pairs into edges.
    #[arg(long, value_enum, default_value_t = SemanticsArg::Lockstep)]
    pub semantics: SemanticsArg,

    /// Keep loops: pairs of an account with itself, of a post with itself,
    /// and of a post with the object it is.
    #[arg(long)]
    pub keep_loops: bool,

    /// Drop exact duplicate actions (same layer, object, account, content id
    /// and time) before detection.
    #[arg(long)]
    pub dedup: bool,

    /// Where the window stage runs: `native` (lockstep's sweep),
    /// `datafusion` (the join of `export-sql`'s plan on Apache DataFusion,
    /// in this process) or `ballista://HOST:PORT` (the same plan on a
    /// Ballista cluster, through its scheduler; see docs/scaling.md). The
    /// last two need a dataset folder, lockstep semantics and a build with
    /// `--features scale-out`. The outputs are the same.
    #[arg(long, value_name = "ENGINE", value_parser = Engine::parse, default_value = "native")]
    pub engine: Engine,

    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Memory for the run, such as `8G` or `512M` (K = 1024 bytes;
    /// default: half of the machine's memory). What the dataset takes
    /// counts against it; the native engine sweeps the actions in parts and
    /// writes sorted runs of pairs to `--spill-dir` to keep the rest within
    /// it. Results do not depend on it.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub memory_limit: Option<u64>,

    /// Where spilled runs go (default: the system's temporary folder,
    /// `TMPDIR`); they are removed when the run ends.
    #[arg(long, value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,

    /// No progress bars.
    #[arg(long, short)]
    pub quiet: bool,

    /// Write input text to CSV cells as is. By default a cell that starts
    /// with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`, so that a
    /// spreadsheet does not run an adversary's formula.
    #[arg(long)]
    pub raw_csv: bool,

    /// Write every pair within the window to pairs.csv. By default it holds
    /// the pairs of the coordinated edges (the evidence of the findings;
    /// on a month of real traffic, every pair is tens of gigabytes of fan
    /// bursts); with --semantics coortweet, every pair, as CooRTweet.
    #[arg(long)]
    pub all_pairs: bool,

    /// Write every edge (every pair of accounts that co-acted) to
    /// edges.csv. By default it holds the edges between accounts in
    /// clusters, over the threshold or not; with --semantics coortweet,
    /// every edge, as CooRTweet.
    #[arg(long)]
    pub all_edges: bool,

    /// Write pairs.csv compressed, as pairs.csv.zst (zstd's seekable
    /// format, about a sixth of the size): for runs whose evidence runs
    /// to gigabytes. `zstd -d`, DuckDB, pandas and polars read it; so do
    /// `report`, `serve` and `export`, in place.
    #[arg(long)]
    pub compress_pairs: bool,

    /// Write the tables as CSV, as Parquet (typed columns that R's arrow,
    /// DuckDB, Spark, pandas and polars read natively; `report`, `serve`
    /// and `evaluate` read them too), or both. Columns and types:
    /// docs/outputs.md.
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = OutputFormat::Csv)]
    pub output_format: OutputFormat,

    /// Print the plan (what would be computed, and how) and exit without
    /// reading the inputs.
    #[arg(long)]
    pub explain: bool,
}

/// What to read and how: shared by `detect` and `ingest`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Input files (`.gz` and `.zst` are read transparently; `-` is standard
    /// input). A directory means every file below it; a quoted pattern such
    /// as `'dumps/RC_*.zst'` the files it matches, in name order. For
    /// `detect`, a dataset folder written by `lockstep ingest` (alone).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Input format: `auto` sniffs each input (`lockstep formats` lists them).
    #[arg(long, default_value = "auto", value_parser = clap::builder::PossibleValuesParser::new(format_names()))]
    pub format: String,

    /// Column roles for CSV input, ROLE=COLUMN,... where ROLE is account,
    /// content, timestamp, platform, object, or a layer name (url=url_id,
    /// hashtag=hashtag_id, ...); for JSON input, dotted field paths.
    /// Unnamed roles keep CooRTweet's column names.
    #[arg(long, value_name = "ROLE=COLUMN,...", conflicts_with = "map_file")]
    pub map: Option<String>,

    /// The same mapping as a TOML file of `role = "column"` lines (see
    /// docs/formats.md).
    #[arg(long, value_name = "FILE")]
    pub map_file: Option<PathBuf>,

    /// Layers to use (repost, url, domain, hashtag, mention, reply, quote,
    /// text, image, custom, like, near_text); default: all the input has
    /// (near_text only when named: it is derived from text).
    #[arg(long, value_delimiter = ',', value_name = "LAYER,...")]
    pub layers: Option<Vec<String>>,

    /// Stop at the first bad record instead of counting and skipping it.
    #[arg(long)]
    pub strict: bool,

    /// Keep post times as the input states them. By default a time stated
    /// to the minute or the second (an IO archive's `tweet_time`, the X
    /// APIs' `created_at`) is taken from the post id where the id carries
    /// a finer one that agrees (X ids since 2010 carry milliseconds).
    #[arg(long)]
    pub stated_times: bool,

    /// The Mastodon server whose API served the inputs (`mastodon.social`):
    /// a reply's `in_reply_to_id` is that server's id. Needed only when no
    /// status of the server's own accounts is in the input.
    #[arg(long, value_name = "HOST")]
    pub served_by: Option<String>,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  lockstep ingest dumps/ --out dataset/
  lockstep detect dataset/ --window 30 --out out/

A dataset is Parquet tables of actions, accounts, objects and content ids,
with dataset.json naming the inputs and their SHA-256. See docs/dataset.md.")]
pub struct IngestArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Dataset folder to write (created if missing; an earlier dataset in it
    /// is replaced, other files are never overwritten).
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,

    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// No progress bars.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The output folder of a `lockstep detect` run.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Draw every cluster (up to 50), not only the campaigns worth a look
    /// (a campaign score of 2 or more).
    #[arg(long)]
    pub all_clusters: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  lockstep sweep tweets.jsonl --out out/
  lockstep sweep tweets.jsonl --out out/ --windows 30,60,300 --min-weights 2,5 --fdrs 0.01

The run folder is `detect`'s (with its flags, at their setting) and also holds
stability.csv (each cluster: at how many other settings it holds) and sweep.csv
(each setting). `lockstep report out/` shows each campaign's stability.")]
pub struct SweepArgs {
    #[command(flatten)]
    pub detect: DetectArgs,

    /// Windows to sweep, in seconds.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "30,60,120,300,600",
        value_name = "SECONDS,..."
    )]
    pub windows: Vec<f64>,

    /// Weight thresholds to sweep.
    #[arg(long, value_delimiter = ',', default_value = "2,4,8", value_name = "N,...")]
    pub min_weights: Vec<u64>,

    /// False discovery rates to sweep, where edges are tested (the default
    /// rule; with `--rule naive` there is none to sweep).
    #[arg(long, value_delimiter = ',', default_value = "0.001,0.01,0.05", value_name = "Q,...")]
    pub fdrs: Vec<f64>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The output folder of a `lockstep detect` run.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Where to write the bundle (default: `bundle.stix.json` in DIR; `-`
    /// for standard output). Its objects' time is now, or
    /// `SOURCE_DATE_EPOCH` (seconds) when set, for reproducible bundles.
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Export every cluster, not only the campaigns worth a look (a
    /// campaign score of 2 or more, feed mirrors aside).
    #[arg(long)]
    pub all_clusters: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The output folder of a `lockstep detect` run.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The port (0: any free port; the URL printed says which).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The address to listen on. Anything but a loopback address lets
    /// other machines read the run: lockstep warns.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// No progress spinner while the run loads.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ExportSqlArgs {
    /// A dataset folder (from `lockstep ingest`).
    #[arg(value_name = "DATASET")]
    pub dataset: PathBuf,
    /// Where to write the SQL script (`-` for standard output).
    #[arg(long, short, value_name = "FILE", default_value = "-")]
    pub out: PathBuf,
    /// The folder the script writes edges.csv and pairs.csv into.
    #[arg(long, value_name = "DIR", default_value = "lockstep-sql-results")]
    pub results: PathBuf,
    /// Time window in seconds, as for `detect`.
    #[arg(long, default_value_t = defaults::WINDOW_S, value_name = "SECONDS")]
    pub window: f64,
    /// Fast window in seconds, as for `detect`.
    #[arg(long, value_name = "SECONDS")]
    pub fast_window: Option<f64>,
    /// Distinct objects both accounts of a pair must co-act on.
    #[arg(long, default_value_t = defaults::MIN_PARTICIPATION, value_name = "N")]
    pub min_participation: u32,
    /// Keep loops, as for `detect`.
    #[arg(long)]
    pub keep_loops: bool,
    /// Drop exact duplicate actions first, as for `detect`.
    #[arg(long)]
    pub dedup: bool,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Rows to write.
    #[arg(long, default_value_t = 100_000)]
    pub rows: u64,
    /// Output CSV (`-` for standard output).
    #[arg(long, short, value_name = "FILE")]
    pub out: PathBuf,
    /// Where to write the planted groups (account_id,group_id,group_size).
    #[arg(long, value_name = "FILE")]
    pub truth: Option<PathBuf>,
    /// Seed: the same seed and flags give the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Planted groups.
    #[arg(long, default_value_t = 5)]
    pub groups: u32,
    /// Accounts per planted group.
    #[arg(long, default_value_t = 20)]
    pub group_size: u32,
    /// Share of rows made by the planted groups.
    #[arg(long, default_value_t = 0.02)]
    pub coordinated_share: f64,
    /// Add a `text` column: organic posts in a synthetic language, and each
    /// planted group posting one line per event with operators' edits (for
    /// `--layers near_text`).
    #[arg(long)]
    pub text: bool,
    /// Organic accounts (default: rows / 10; with --scenario, 20000).
    #[arg(long)]
    pub accounts: Option<u64>,
    /// A world of tweets with ground truth: `mixed` (organic accounts,
    /// decoys and three operations: a batch-created office-hours farm, a
    /// camouflaged one and a slow one) or `organic` (no operation);
    /// `realistic` and `realistic-organic` make the hard negatives at their
    /// platform scale (fan bursts of a thousand within 30 s, breaking news
    /// shared by thousands, trending hashtags, communities of hyperactive
    /// friends, news bots on crons; retweets carrying their original's
    /// entities) and the operations at scale. The truth file then has
    /// `account_id,role,campaign`. `--rows`, `--groups`, `--group-size`,
    /// `--coordinated-share`, `--text` and `--objects` do not apply.
    #[arg(long, value_enum, value_name = "NAME")]
    pub scenario: Option<ScenarioArg>,
    /// How --scenario writes its tweets: `x-api-v1` (JSON Lines),
    /// `x-api-v2` (tweets as twarc2 flattens them) or `io-archive` (the X
    /// IO archive's tweets CSV: minute-precision times, small accounts'
    /// ids hashed, Python-list cells) or `bluesky-jetstream` (the same
    /// world on Bluesky, as Jetstream's events: profiles, posts with
    /// facets, reposts).
    #[arg(long, value_enum, default_value = "x-api-v1", value_name = "FORMAT")]
    pub format: WorldFormatArg,
    /// Days covered by --scenario.
    #[arg(long, default_value_t = 28)]
    pub days: u32,
    /// Organic objects (default: rows / 5).
    #[arg(long)]
    pub objects: Option<u64>,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScenarioArg {
    /// Organic accounts, decoys and three operations.
    Mixed,
    /// Organic accounts and decoys only.
    Organic,
    /// The hard negatives at their platform scale, and three operations.
    Realistic,
    /// The hard negatives at their platform scale, no operation.
    RealisticOrganic,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum WorldFormatArg {
    /// X API v1.1 tweets, JSON Lines.
    XApiV1,
    /// X API v2 tweets, flattened by twarc2.
    XApiV2,
    /// The X IO archive's tweets CSV.
    IoArchive,
    /// Bluesky, as Jetstream streams it (JSON Lines; for `lockstep watch`).
    BlueskyJetstream,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The output folder of a `lockstep detect` run (its `accounts.csv`).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The truth file: `account_id,role,campaign` (campaign empty for
    /// accounts in none).
    #[arg(long, value_name = "FILE")]
    pub truth: PathBuf,
    /// Print the scores as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `--output-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// CSV files.
    Csv,
    /// Parquet files.
    Parquet,
    /// Both, side by side.
    Both,
}

impl From<OutputFormat> for lockstep_report::TableFormat {
    fn from(f: OutputFormat) -> Self {
        match f {
            OutputFormat::Csv => lockstep_report::TableFormat::Csv,
            OutputFormat::Parquet => lockstep_report::TableFormat::Parquet,
            OutputFormat::Both => lockstep_report::TableFormat::Both,
        }
    }
}
