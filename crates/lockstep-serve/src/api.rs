//! The queries behind the JSON API (docs/serve.md). Each returns JSON or a
//! [`Rows`] table, which the server sends as JSON or, with `format=csv`, as
//! a CSV download. Nothing here knows about HTTP.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use serde::Serialize;
use serde_json::{json, Value};

use crate::run::{key, Run};
use crate::ServeError;
use lockstep_report::files;

/// Rows a JSON table holds at most; `limit` can lower it.
pub const MAX_ROWS: usize = 5_000;
/// Rows a CSV download holds at most.
pub const MAX_CSV_ROWS: usize = 1_000_000;
/// Accounts drawn in a cluster's graph unless the request asks for more.
pub const DEFAULT_GRAPH_NODES: usize = 2_000;
/// The most accounts a graph request may ask for.
pub const MAX_GRAPH_NODES: usize = 20_000;
/// Edges drawn in a graph unless the request asks for more (the heaviest).
pub const DEFAULT_GRAPH_EDGES: usize = 20_000;
/// The most edges a graph request may ask for.
pub const MAX_GRAPH_EDGES: usize = 200_000;

/// A table: the columns, the rows shown, how many matched, and whether the
/// query saw everything (a scan of pairs.csv stops at its deadline).
#[derive(Debug, Serialize, PartialEq)]
pub struct Rows {
    /// Column names.
    pub columns: Vec<String>,
    /// The rows, at most the limit.
    pub rows: Vec<Vec<String>>,
    /// Rows that matched, shown or not.
    pub total: usize,
    /// False when a scan stopped at its deadline before the end of the file.
    pub complete: bool,
}

impl Rows {
    fn new(columns: &[&str]) -> Rows {
        Rows {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
            total: 0,
            complete: true,
        }
    }

    /// Keeps `offset..offset+limit` of the rows, counting all in `total`.
    fn page(mut self, offset: usize, limit: usize) -> Rows {
        self.total = self.total.max(self.rows.len());
        self.rows = self.rows.into_iter().skip(offset).take(limit).collect();
        self
    }

    /// The table as CSV (header first).
    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        // Writing into memory cannot fail.
        let _ = w.write_record(&self.columns);
        for r in &self.rows {
            let _ = w.write_record(r);
        }
        w.into_inner().unwrap_or_default()
    }
}

/// What a request asked for, by name (the query string).
pub type Params = HashMap<String, String>;

fn param<'a>(p: &'a Params, name: &str) -> Result<&'a str, ServeError> {
    p.get(name)
        .map(String::as_str)
        .ok_or_else(|| ServeError::BadRequest(format!("`{name}` is missing")))
}

fn number<T: std::str::FromStr>(p: &Params, name: &str, default: T) -> Result<T, ServeError> {
    match p.get(name) {
        None => Ok(default),
        Some(v) if v.is_empty() => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| ServeError::BadRequest(format!("`{name}` must be a number, not `{v}`"))),
    }
}

/// The offset and limit of a table request; CSV downloads take everything.
pub fn paging(p: &Params, csv: bool) -> Result<(usize, usize), ServeError> {
    let offset = number(p, "offset", 0usize)?;
    let cap = if csv { MAX_CSV_ROWS } else { MAX_ROWS };
    let limit = number(p, "limit", cap)?.min(cap);
    Ok((offset, limit))
}

fn account(run: &Run, id: &str) -> Result<u32, ServeError> {
    run.account_row
        .get(id)
        .copied()
        .ok_or_else(|| ServeError::NotFound(format!("no account `{id}` in this run")))
}

fn cluster(run: &Run, id: &str) -> Result<usize, ServeError> {
    run.cluster_index
        .get(id)
        .copied()
        .ok_or_else(|| ServeError::NotFound(format!("no cluster `{id}` in this run")))
}

fn edge(run: &Run, a: &str, b: &str) -> Result<u32, ServeError> {
    let (x, y) = (account(run, a)?, account(run, b)?);
    run.edge_of
        .get(&key(x, y))
        .copied()
        .ok_or_else(|| ServeError::NotFound(format!("no edge between `{a}` and `{b}`")))
}

fn cell<'a>(table: &'a crate::run::Table, row: usize, col: &str) -> &'a str {
    table.col(col).and_then(|c| table.rows[row].get(c)).unwrap_or("")
}

/// `GET /api/run`: summary.json, and what the server loaded.
pub fn run_info(run: &Run) -> Value {
    let (accounts, edges, pairs) = run.counts();
    json!({
        "summary": run.summary,
        "loaded": {"accounts": accounts, "edges": edges, "pair_rows": pairs, "clusters": run.cluster_info.len()},
        "has": {
            "campaigns": run.campaigns.is_some(),
            "talking_points": run.points.is_some(),
            "fingerprints": run.fingerprints.is_some(),
            "near_text": !run.near.is_empty(),
        },
        "layers": run.cluster_info.iter().flat_map(|c| c.layers.iter()).collect::<BTreeSet<_>>(),
    })
}

/// `GET /api/clusters`: clusters filtered by `min_accounts`, `min_score`
/// and `layer`, ranked by campaign score (ties: larger first, then by id)
/// or with `sort=accounts` by size.
pub fn clusters(run: &Run, p: &Params) -> Result<Rows, ServeError> {
    let min_accounts = number(p, "min_accounts", 0usize)?;
    let min_score = number(p, "min_score", f64::NEG_INFINITY)?;
    let layer = p.get("layer").filter(|l| !l.is_empty());
    let mut chosen: Vec<_> = run
        .cluster_info
        .iter()
        .filter(|c| c.accounts >= min_accounts && c.score >= min_score)
        .filter(|c| layer.is_none_or(|l| c.layers.contains(l)))
        .collect();
    let by_size = p.get("sort").is_some_and(|s| s == "accounts");
    chosen.sort_by(|a, b| {
        let size = b.accounts.cmp(&a.accounts);
        let score = b.score.total_cmp(&a.score);
        let (first, second) = if by_size { (size, score) } else { (score, size) };
        first.then(second).then_with(|| cluster_order(&a.id, &b.id))
    });
    let mut rows = Rows::new(&[
        "cluster",
        "accounts",
        "edges",
        "score",
        "layers",
        "first_time_utc",
        "last_time_utc",
        "top_objects",
        "pattern",
        "explanation",
    ]);
    let t = &run.clusters;
    for c in chosen {
        let (pattern, explanation) = match (&run.campaigns, c.campaign_row) {
            (Some(cp), Some(r)) => (
                cell(cp, r, files::campaigns::PATTERN).to_string(),
                cell(cp, r, files::campaigns::EXPLANATION).to_string(),
            ),
            _ => Default::default(),
        };
        rows.rows.push(vec![
            c.id.clone(),
            c.accounts.to_string(),
            cell(t, c.row, files::clusters::EDGES).to_string(),
            format!("{:.2}", c.score),
            c.layers.iter().cloned().collect::<Vec<_>>().join(";"),
            cell(t, c.row, files::clusters::FIRST_TIME_UTC).to_string(),
            cell(t, c.row, files::clusters::LAST_TIME_UTC).to_string(),
            cell(t, c.row, files::clusters::TOP_OBJECTS).to_string(),
            pattern,
            explanation,
        ]);
    }
    Ok(rows)
}

/// Clusters are numbered; numeric ids in number order, others after.
fn cluster_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// `GET /api/cluster?id=`: the cluster's rows of clusters.csv,
/// campaigns.csv and cluster_fingerprints.csv.
pub fn cluster_detail(run: &Run, p: &Params) -> Result<Value, ServeError> {
    let c = &run.cluster_info[cluster(run, param(p, "id")?)?];
    let campaign = match (&run.campaigns, c.campaign_row) {
        (Some(t), Some(r)) => t.object(r),
        _ => Value::Null,
    };
    let fingerprints = run
        .fingerprints
        .as_ref()
        .and_then(|t| {
            let col = t.col(files::cluster_fingerprints::CLUSTER)?;
            let r = t.rows.iter().position(|r| r[col] == c.id)?;
            Some(t.object(r))
        })
        .unwrap_or(Value::Null);
    Ok(json!({
        "cluster": run.clusters.object(c.row),
        "campaign": campaign,
        "fingerprints": fingerprints,
        "layers": c.layers,
    }))
}

/// `GET /api/members?cluster=`: the cluster's rows of accounts.csv,
/// strongest first.
pub fn members(run: &Run, p: &Params) -> Result<Rows, ServeError> {
    let c = &run.cluster_info[cluster(run, param(p, "cluster")?)?];
    let mut rows = Rows::new(&[]);
    rows.columns = run.accounts.header.clone();
    rows.rows = c
        .members
        .iter()
        .map(|&m| run.accounts.rows[m as usize].iter().map(str::to_string).collect())
        .collect();
    Ok(rows)
}

/// `GET /api/talking_points?cluster=`: the cluster's daily orders.
pub fn talking_points(run: &Run, p: &Params) -> Result<Rows, ServeError> {
    let id = &run.cluster_info[cluster(run, param(p, "cluster")?)?].id;
    let mut rows = Rows::new(&[]);
    if let Some(t) = &run.points {
        rows.columns = t.header.clone();
        let col = t.col(files::talking_points::CLUSTER).unwrap_or(0);
        rows.rows = t
            .rows
            .iter()
            .filter(|r| &r[col] == id)
            .map(|r| r.iter().map(str::to_string).collect())
            .collect();
    }
    Ok(rows)
}

/// The graph of a cluster for the UI.
#[derive(Debug, Serialize, PartialEq)]
pub struct Graph {
    /// Accounts drawn.
    pub nodes: Vec<Node>,
    /// Over-threshold edges between accounts drawn.
    pub edges: Vec<GraphEdge>,
    /// Over-threshold edges between the accounts drawn (the edges drawn are
    /// the heaviest of them).
    pub edges_among_nodes: usize,
    /// Accounts in the cluster.
    pub total_nodes: usize,
    /// Over-threshold edges in the cluster.
    pub total_edges: usize,
}

/// An account in a graph.
#[derive(Debug, Serialize, PartialEq)]
pub struct Node {
    /// Account id.
    pub id: String,
    /// Handle where the data has one.
    pub handle: String,
    /// Sum of its over-threshold edge weights.
    pub strength: f64,
    /// Its over-threshold edges.
    pub degree: usize,
}

/// An edge in a graph.
#[derive(Debug, Serialize, PartialEq)]
pub struct GraphEdge {
    /// One account.
    pub source: String,
    /// The other.
    pub target: String,
    /// Its weight.
    pub weight: f64,
    /// Its layers, `;`-separated.
    pub layers: String,
}

/// `GET /api/graph?cluster=&max_nodes=&max_edges=`: the cluster's accounts
/// and over-threshold edges. A cluster larger than `max_nodes` is drawn by
/// its strongest accounts, and of the edges between them the `max_edges`
/// heaviest (level of detail: a browser draws and lays out a few thousand
/// accounts and tens of thousands of edges at once); the counts say what
/// was left out.
pub fn graph(run: &Run, p: &Params) -> Result<Graph, ServeError> {
    let c = &run.cluster_info[cluster(run, param(p, "cluster")?)?];
    let max = number(p, "max_nodes", DEFAULT_GRAPH_NODES)?.clamp(1, MAX_GRAPH_NODES);
    let max_edges = number(p, "max_edges", DEFAULT_GRAPH_EDGES)?.clamp(1, MAX_GRAPH_EDGES);
    let shown = strongest(&c.members, max);
    let col = |n: &str| run.accounts.col(n);
    let (handle, strength, degree) = (
        col(files::accounts::HANDLE),
        col(files::accounts::STRENGTH),
        col(files::accounts::DEGREE),
    );
    let get = |r: u32, c: Option<usize>| {
        c.and_then(|c| run.accounts.rows[r as usize].get(c)).unwrap_or("")
    };
    let nodes = shown
        .iter()
        .map(|&m| Node {
            id: run.account_name(m).to_string(),
            handle: get(m, handle).to_string(),
            strength: get(m, strength).parse().unwrap_or(0.0),
            degree: get(m, degree).parse().unwrap_or(0),
        })
        .collect();
    let keep: BTreeSet<u32> = shown.iter().copied().collect();

    let mut among: Vec<u32> = c
        .edges
        .iter()
        .copied()
        .filter(|&e| {
            let (a, b) = run.edge_ends[e as usize];
            keep.contains(&a) && keep.contains(&b)
        })
        .collect();
    let total_among = among.len();
    if among.len() > max_edges {
        among.sort_by(|&x, &y| {
            run.edge_weight[y as usize].total_cmp(&run.edge_weight[x as usize]).then(x.cmp(&y))
        });
        among.truncate(max_edges);
        among.sort_unstable();
    }
    let edges = among
        .iter()
        .map(|&e| {
            let (a, b) = run.edge_ends[e as usize];
            GraphEdge {
                source: run.account_name(a).to_string(),
                target: run.account_name(b).to_string(),
                weight: run.edge_weight[e as usize],
                layers: run.edge_layers.get(&e).map(|l| l.to_string()).unwrap_or_default(),
            }
        })
        .collect();
    Ok(Graph {
        nodes,
        edges,
        edges_among_nodes: total_among,
        total_nodes: c.members.len(),
        total_edges: c.edges.len(),
    })
}

/// The first `max` of members already ranked strongest first.
fn strongest(members: &[u32], max: usize) -> &[u32] {
    &members[..members.len().min(max)]
}

/// `GET /api/timeline?cluster=`: the cluster's coordinated actions (the
/// newer action of each pair inside it) per hour, or per day when they span
/// more than a week.
pub fn timeline(run: &Run, p: &Params, deadline: Instant) -> Result<Value, ServeError> {
    let c = &run.cluster_info[cluster(run, param(p, "cluster")?)?];
    let cols = run.pair_cols()?;
    let mut times = Vec::new();
    let complete = run.edge_pairs(&c.inner_edges, deadline, |r| {
        if let Ok(t) = r[cols.time_b].parse::<f64>() {
            times.push(t.floor() as i64);
        }
        true
    })?;
    let (lo, hi) =
        (times.iter().min().copied().unwrap_or(0), times.iter().max().copied().unwrap_or(0));
    let bin = if hi - lo > 7 * 86_400 { 86_400 } else { 3_600 };
    let mut bins: BTreeMap<i64, u64> = BTreeMap::new();
    for t in &times {
        *bins.entry(t.div_euclid(bin) * bin).or_default() += 1;
    }
    Ok(json!({
        "bin_s": bin,
        "bins": bins.into_iter().collect::<Vec<_>>(),
        "actions": times.len(),
        "complete": complete,
    }))
}

/// `GET /api/account?id=`: its row of accounts.csv.
pub fn account_detail(run: &Run, p: &Params) -> Result<Value, ServeError> {
    let a = account(run, param(p, "id")?)?;
    Ok(
        json!({"account": run.accounts.object(a as usize), "edges": run.by_account[a as usize].len()}),
    )
}

/// `GET /api/partners?id=`: the account's edges, over-threshold first,
/// heaviest first.
pub fn partners(run: &Run, p: &Params) -> Result<Rows, ServeError> {
    let a = account(run, param(p, "id")?)?;
    let wanted = [
        "weight",
        "pair_rows",
        "objects",
        "layers",
        "mean_delta_s",
        "over_threshold",
        "cluster",
        "q_value",
        "partner_q_value",
        "in_openings",
    ];
    let present: Vec<(&str, usize)> = wanted
        .iter()
        .filter_map(|n| Some((*n, run.edges_header.iter().position(|h| h == n)?)))
        .collect();
    let mut columns = vec!["partner", "partner_handle"];
    columns.extend(present.iter().map(|(n, _)| *n));
    let mut rows = Rows::new(&columns);
    let handle = run.accounts.col(files::accounts::HANDLE);
    let mut list: Vec<u32> = run.by_account[a as usize].clone();
    list.sort_by(|&x, &y| {
        let (x, y) = (x as usize, y as usize);
        run.edge_over[y]
            .cmp(&run.edge_over[x])
            .then(run.edge_weight[y].total_cmp(&run.edge_weight[x]))
            .then(x.cmp(&y))
    });
    for (i, rec) in list.iter().zip(run.edge_rows(&list)?) {
        let (x, y) = run.edge_ends[*i as usize];
        let other = if x == a { y } else { x };
        let mut row = vec![
            run.account_name(other).to_string(),
            handle.map(|h| run.accounts.rows[other as usize][h].to_string()).unwrap_or_default(),
        ];
        row.extend(present.iter().map(|(_, c)| rec.get(*c).unwrap_or("").to_string()));
        rows.rows.push(row);
    }
    Ok(rows)
}

/// `GET /api/actions?id=`: the account's coordinated actions (its side of
/// each pair it is in), in time order: what it did, when, with whom.
pub fn actions(run: &Run, p: &Params, deadline: Instant) -> Result<Rows, ServeError> {
    let id = param(p, "id")?;
    let a = account(run, id)?;
    let cols = run.pair_cols()?;
    let mut list: Vec<(f64, Vec<String>)> = Vec::new();
    let complete = run.edge_pairs(&run.by_account[a as usize], deadline, |r| {
        let mine = &r[cols.account_a] == id;
        let (me, other) = if mine { (0, 1) } else { (1, 0) };
        let side = |s: usize| {
            [
                [cols.account_a, cols.account_b][s],
                [cols.content_a, cols.content_b][s],
                [cols.time_a, cols.time_b][s],
                [cols.time_a_utc, cols.time_b_utc][s],
            ]
        };
        let (m, o) = (side(me), side(other));
        let t: f64 = r[m[2]].parse().unwrap_or(0.0);
        let lag = t - r[o[2]].parse::<f64>().unwrap_or(0.0);
        list.push((
            t,
            vec![
                r[m[3]].to_string(),
                r[cols.layer].to_string(),
                r[cols.object].to_string(),
                r[m[1]].to_string(),
                r[o[0]].to_string(),
                r[o[1]].to_string(),
                r[o[3]].to_string(),
                format_lag(lag),
            ],
        ));
        true
    })?;
    list.sort_by(|x, y| x.0.total_cmp(&y.0).then_with(|| x.1.cmp(&y.1)));
    let mut rows = Rows::new(&[
        "time_utc",
        "layer",
        "object",
        "content",
        "partner",
        "partner_content",
        "partner_time_utc",
        "lag_s",
    ]);
    rows.rows = list.into_iter().map(|(_, r)| r).collect();
    rows.complete = complete;
    Ok(rows)
}

fn format_lag(lag: f64) -> String {
    if lag == lag.trunc() {
        format!("{}", lag as i64)
    } else {
        format!("{lag:.3}")
    }
}

/// `GET /api/items?id=`: the objects the account co-acted on, with how many
/// pairs and partners, most partners first.
pub fn items(run: &Run, p: &Params, deadline: Instant) -> Result<Rows, ServeError> {
    let id = param(p, "id")?;
    let a = account(run, id)?;
    let cols = run.pair_cols()?;
    let mut per: BTreeMap<(String, String), (usize, BTreeSet<String>, String)> = BTreeMap::new();
    let complete = run.edge_pairs(&run.by_account[a as usize], deadline, |r| {
        let mine = &r[cols.account_a] == id;
        let (other, when) = if mine {
            (cols.account_b, cols.time_a_utc)
        } else {
            (cols.account_a, cols.time_b_utc)
        };
        let e = per.entry((r[cols.layer].to_string(), r[cols.object].to_string())).or_default();
        e.0 += 1;
        e.1.insert(r[other].to_string());
        if e.2.is_empty() || r[when] < *e.2 {
            e.2 = r[when].to_string();
        }
        true
    })?;
    let mut list: Vec<_> = per.into_iter().collect();
    list.sort_by(|x, y| {
        y.1 .1.len().cmp(&x.1 .1.len()).then(y.1 .0.cmp(&x.1 .0)).then_with(|| x.0.cmp(&y.0))
    });
    let mut rows = Rows::new(&["layer", "object", "partners", "pairs", "first_time_utc"]);
    rows.rows = list
        .into_iter()
        .map(|((l, o), (n, partners, first))| {
            vec![l, o, partners.len().to_string(), n.to_string(), first]
        })
        .collect();
    rows.complete = complete;
    Ok(rows)
}

/// `GET /api/edge?a=&b=`: the edge's row of edges.csv.
pub fn edge_detail(run: &Run, p: &Params) -> Result<Value, ServeError> {
    let e = edge(run, param(p, "a")?, param(p, "b")?)?;
    Ok(json!({"edge": run.edge_object(e)?}))
}

/// `GET /api/evidence?a=&b=`: the edge's rows of pairs.csv, with the two
/// texts and their similarity where near_text_pairs.csv has them.
pub fn evidence(
    run: &Run,
    p: &Params,
    limit: usize,
    deadline: Instant,
) -> Result<Rows, ServeError> {
    let e = edge(run, param(p, "a")?, param(p, "b")?)?;
    let cols = run.pair_cols()?;
    let mut columns: Vec<&str> = run.pairs_header.iter().map(String::as_str).collect();
    if !run.near.is_empty() {
        columns.extend(["similarity", "text_a", "text_b"]);
    }
    let mut rows = Rows::new(&columns);
    let near = !run.near.is_empty();
    let mut total = 0;
    let complete = run.edge_pairs(&[e], deadline, |r| {
        total += 1;
        if rows.rows.len() >= limit {
            return true;
        }
        let mut row: Vec<String> = r.iter().map(str::to_string).collect();
        if near {
            let k = (r[cols.content_a].to_string(), r[cols.content_b].to_string());
            row.extend(run.near.get(&k).cloned().unwrap_or_default());
        }
        rows.rows.push(row);
        true
    })?;
    rows.total = total;
    rows.complete = complete;
    Ok(rows)
}

/// `GET /api/item?layer=&object=`: every pair row on one object, from a
/// scan of pairs.csv (stopped at the deadline; `complete` says so).
pub fn item(run: &Run, p: &Params, limit: usize, deadline: Instant) -> Result<Rows, ServeError> {
    let (layer, object) = (param(p, "layer")?, param(p, "object")?);
    let cols = run.pair_cols()?;
    let mut rows = Rows::new(&run.pairs_header.iter().map(String::as_str).collect::<Vec<_>>());
    rows.complete = run.scan_pairs(deadline, |r| {
        if &r[cols.object] == object && &r[cols.layer] == layer {
            rows.total += 1;
            if rows.rows.len() < limit {
                rows.rows.push(r.iter().map(str::to_string).collect());
            }
        }
    })?;
    Ok(rows)
}

/// `GET /api/search?q=`: accounts whose id or handle contains the text,
/// clusters with that id, and objects (items, texts) that contain it
/// (case-insensitive), each list up to `limit`.
pub fn search(run: &Run, p: &Params, limit: usize, deadline: Instant) -> Result<Value, ServeError> {
    let q = param(p, "q")?.trim().to_lowercase();
    if q.is_empty() {
        return Err(ServeError::BadRequest("`q` is empty".to_string()));
    }
    let handle = run.accounts.col(files::accounts::HANDLE);
    let cluster_col = run.accounts.col(files::accounts::CLUSTER);
    let mut accounts = Rows::new(&["account", "handle", "cluster"]);
    for (i, r) in run.accounts.rows.iter().enumerate() {
        let name = run.account_name(i as u32);
        let h = handle.map_or("", |c| &r[c]);
        if name.to_lowercase().contains(&q) || h.to_lowercase().contains(&q) {
            accounts.total += 1;
            if accounts.rows.len() < limit {
                accounts.rows.push(vec![
                    name.to_string(),
                    h.to_string(),
                    cluster_col.map_or("", |c| &r[c]).to_string(),
                ]);
            }
        }
    }
    let clusters: Vec<&str> =
        run.cluster_info.iter().filter(|c| c.id == q).map(|c| c.id.as_str()).collect();
    let cols = run.pair_cols()?;
    let mut found: BTreeMap<(String, String), usize> = BTreeMap::new();
    // Keys are built for matching rows only: the scan is the hot loop.
    let complete = run.scan_pairs(deadline, |r| {
        let o = &r[cols.object];
        if o.to_lowercase().contains(&q) {
            *found.entry((r[cols.layer].to_string(), o.to_string())).or_default() += 1;
        }
    })?;
    let mut objects: Vec<_> = found.into_iter().collect();
    objects.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    let mut items = Rows::new(&["layer", "object", "pairs"]);
    items.total = objects.len();
    items.complete = complete;
    items.rows =
        objects.into_iter().take(limit).map(|((l, o), n)| vec![l, o, n.to_string()]).collect();
    Ok(json!({"accounts": accounts, "clusters": clusters, "items": items}))
}

/// Runs a table query by name, paged.
pub fn table(
    run: &Run,
    kind: &str,
    p: &Params,
    csv: bool,
    deadline: Instant,
) -> Result<Option<Rows>, ServeError> {
    let (offset, limit) = paging(p, csv)?;
    let rows = match kind {
        "clusters" => clusters(run, p)?,
        "members" => members(run, p)?,
        "talking_points" => talking_points(run, p)?,
        "partners" => partners(run, p)?,
        "actions" => actions(run, p, deadline)?,
        "items" => items(run, p, deadline)?,
        "evidence" => evidence(run, p, offset.saturating_add(limit), deadline)?,
        "item" => item(run, p, offset.saturating_add(limit), deadline)?,
        _ => return Ok(None),
    };
    Ok(Some(rows.page(offset, limit)))
}
