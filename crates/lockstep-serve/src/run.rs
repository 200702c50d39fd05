//! A run's output folder, loaded once and indexed for the queries of
//! [`crate::api`]. The small tables live in memory; `pairs.csv`, which can
//! hold millions of rows, stays on disk: loading records where each edge's
//! rows are (the file groups them by account pair) and a query reads those
//! bytes again.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::ServeError;

/// A CSV file of the run, in memory.
#[derive(Debug, Default)]
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Rows in file order.
    pub rows: Vec<csv::StringRecord>,
}

impl Table {
    fn read(path: &Path) -> Result<Option<Table>, ServeError> {
        if !path.exists() {
            return Ok(None);
        }
        let mut r = csv::Reader::from_path(path).map_err(|e| invalid(path, &e))?;
        let header =
            r.headers().map_err(|e| invalid(path, &e))?.iter().map(str::to_string).collect();
        let mut rows = Vec::new();
        for rec in r.records() {
            rows.push(rec.map_err(|e| invalid(path, &e))?);
        }
        Ok(Some(Table { header, rows }))
    }

    fn required(dir: &Path, name: &str) -> Result<Table, ServeError> {
        let path = dir.join(name);
        Table::read(&path)?
            .ok_or_else(|| ServeError::Invalid { path, message: "missing".to_string() })
    }

    /// The index of a column.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    fn need(&self, name: &str, file: &Path) -> Result<usize, ServeError> {
        self.col(name).ok_or_else(|| ServeError::Invalid {
            path: file.to_path_buf(),
            message: format!("no `{name}` column"),
        })
    }

    /// A row as a JSON object, column by column.
    pub fn object(&self, row: usize) -> serde_json::Value {
        let r = &self.rows[row];
        serde_json::Value::Object(
            self.header
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.clone(), serde_json::Value::String(v.to_string())))
                .collect(),
        )
    }
}

fn invalid(path: &Path, e: &dyn std::fmt::Display) -> ServeError {
    ServeError::Invalid { path: path.to_path_buf(), message: e.to_string() }
}

/// What the cluster list filters and sorts on.
#[derive(Debug, Clone)]
pub struct ClusterInfo {
    /// The cluster id as in clusters.csv.
    pub id: String,
    /// Its row in clusters.csv.
    pub row: usize,
    /// Its row in campaigns.csv, if the run has one.
    pub campaign_row: Option<usize>,
    /// Accounts.
    pub accounts: usize,
    /// The campaign score (0 without campaigns.csv).
    pub score: f64,
    /// The layers of its over-threshold edges.
    pub layers: BTreeSet<String>,
    /// Its accounts (rows of accounts.csv), strongest first.
    pub members: Vec<u32>,
    /// Its over-threshold edges (rows of edges.csv).
    pub edges: Vec<u32>,
    /// Every edge with both accounts in it, over the threshold or not: the
    /// pairs its timeline counts.
    pub inner_edges: Vec<u32>,
}

/// One run's outputs, indexed.
#[derive(Debug)]
pub struct Run {
    pub(crate) dir: PathBuf,
    pub(crate) summary: serde_json::Value,
    pub(crate) accounts: Table,
    pub(crate) account_row: HashMap<String, u32>,
    pub(crate) edges: Table,
    /// Each edge's accounts, as rows of accounts.csv.
    pub(crate) edge_ends: Vec<(u32, u32)>,
    pub(crate) edge_of: HashMap<(u32, u32), u32>,
    /// Each account's edges (rows of edges.csv), in file order.
    pub(crate) by_account: Vec<Vec<u32>>,
    pub(crate) clusters: Table,
    pub(crate) cluster_info: Vec<ClusterInfo>,
    pub(crate) cluster_index: HashMap<String, usize>,
    pub(crate) campaigns: Option<Table>,
    pub(crate) points: Option<Table>,
    pub(crate) fingerprints: Option<Table>,
    /// near_text_pairs.csv by (content_a, content_b): similarity, text_a, text_b.
    pub(crate) near: HashMap<(String, String), [String; 3]>,
    pub(crate) pairs_header: Vec<String>,
    /// Byte ranges of each edge's rows in pairs.csv.
    pub(crate) pair_ranges: Vec<Vec<(u64, u64)>>,
    pub(crate) pairs_rows: u64,
}

/// Where the pair columns the queries read are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PairCols {
    pub layer: usize,
    pub object: usize,
    pub account_a: usize,
    pub account_b: usize,
    pub content_a: usize,
    pub content_b: usize,
    pub time_a: usize,
    pub time_b: usize,
    pub time_a_utc: usize,
    pub time_b_utc: usize,
}

impl Run {
    /// Loads the output folder of a `lockstep detect` run.
    pub fn load(dir: &Path) -> Result<Run, ServeError> {
        let summary_path = dir.join("summary.json");
        let text = std::fs::read_to_string(&summary_path)
            .map_err(|source| ServeError::Io { path: summary_path.clone(), source })?;
        let summary: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| invalid(&summary_path, &format!("not a lockstep summary: {e}")))?;

        let accounts = Table::required(dir, "accounts.csv")?;
        let accounts_path = dir.join("accounts.csv");
        let a_col = accounts.need("account", &accounts_path)?;
        let account_row: HashMap<String, u32> = accounts
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r[a_col].to_string(), i as u32))
            .collect();

        let edges_path = dir.join("edges.csv");
        let edges = Table::required(dir, "edges.csv")?;
        let (ea, eb) =
            (edges.need("account_a", &edges_path)?, edges.need("account_b", &edges_path)?);
        let (over_col, layers_col) = (edges.col("over_threshold"), edges.col("layers"));
        let mut edge_ends = Vec::with_capacity(edges.rows.len());
        let mut edge_of = HashMap::with_capacity(edges.rows.len());
        let mut by_account = vec![Vec::new(); accounts.rows.len()];
        for (i, r) in edges.rows.iter().enumerate() {
            let find = |name: &str| {
                account_row.get(name).copied().ok_or_else(|| {
                    invalid(
                        &edges_path,
                        &format!("row {}: account `{name}` is not in accounts.csv", i + 2),
                    )
                })
            };
            let (a, b) = (find(&r[ea])?, find(&r[eb])?);
            edge_ends.push((a, b));
            edge_of.insert(key(a, b), i as u32);
            by_account[a as usize].push(i as u32);
            by_account[b as usize].push(i as u32);
        }

        let clusters = Table::required(dir, "clusters.csv")?;
        let campaigns = Table::read(&dir.join("campaigns.csv"))?;
        let campaign_of: HashMap<String, (usize, f64)> = campaigns
            .as_ref()
            .and_then(|t| Some((t, t.col("cluster")?, t.col("score")?)))
            .map(|(t, c, s)| {
                t.rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (r[c].to_string(), (i, r[s].parse().unwrap_or(0.0))))
                    .collect()
            })
            .unwrap_or_default();
        let cluster_col = accounts.col("cluster");
        let strength_col = accounts.col("strength");
        let mut cluster_info: Vec<ClusterInfo> = clusters
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let id = r[0].to_string();
                let campaign = campaign_of.get(&id);
                ClusterInfo {
                    accounts: r.get(1).and_then(|v| v.parse().ok()).unwrap_or(0),
                    row: i,
                    campaign_row: campaign.map(|c| c.0),
                    score: campaign.map_or(0.0, |c| c.1),
                    id,
                    layers: BTreeSet::new(),
                    members: Vec::new(),
                    edges: Vec::new(),
                    inner_edges: Vec::new(),
                }
            })
            .collect();
        let cluster_index: HashMap<String, usize> =
            cluster_info.iter().enumerate().map(|(i, c)| (c.id.clone(), i)).collect();
        // Each account's cluster, as an index into cluster_info.
        let account_cluster: Vec<Option<usize>> = accounts
            .rows
            .iter()
            .map(|r| cluster_col.and_then(|c| cluster_index.get(&r[c]).copied()))
            .collect();
        for (i, c) in account_cluster.iter().enumerate() {
            if let Some(c) = c {
                cluster_info[*c].members.push(i as u32);
            }
        }
        let strength = |i: u32| -> f64 {
            strength_col.and_then(|c| accounts.rows[i as usize][c].parse().ok()).unwrap_or(0.0)
        };
        for c in &mut cluster_info {
            c.members.sort_by(|&x, &y| {
                strength(y).total_cmp(&strength(x)).then_with(|| {
                    accounts.rows[x as usize][a_col].cmp(&accounts.rows[y as usize][a_col])
                })
            });
        }
        for (i, &(a, b)) in edge_ends.iter().enumerate() {
            let (Some(ca), Some(cb)) = (account_cluster[a as usize], account_cluster[b as usize])
            else {
                continue;
            };
            if ca != cb {
                continue;
            }
            let info = &mut cluster_info[ca];
            info.inner_edges.push(i as u32);
            let row = &edges.rows[i];
            if over_col.is_some_and(|c| &row[c] == "1") {
                info.edges.push(i as u32);
                if let Some(l) = layers_col {
                    info.layers
                        .extend(row[l].split(';').filter(|s| !s.is_empty()).map(str::to_string));
                }
            }
        }

        let near = Table::read(&dir.join("near_text_pairs.csv"))?
            .and_then(|t| {
                let cols =
                    ["content_a", "content_b", "similarity", "text_a", "text_b"].map(|n| t.col(n));
                let [Some(ca), Some(cb), Some(s), Some(ta), Some(tb)] = cols else {
                    return None;
                };
                Some(
                    t.rows
                        .iter()
                        .map(|r| {
                            (
                                (r[ca].to_string(), r[cb].to_string()),
                                [r[s].to_string(), r[ta].to_string(), r[tb].to_string()],
                            )
                        })
                        .collect(),
                )
            })
            .unwrap_or_default();

        let mut run = Run {
            dir: dir.to_path_buf(),
            summary,
            points: Table::read(&dir.join("talking_points.csv"))?,
            fingerprints: Table::read(&dir.join("cluster_fingerprints.csv"))?,
            pair_ranges: vec![Vec::new(); edges.rows.len()],
            accounts,
            account_row,
            edges,
            edge_ends,
            edge_of,
            by_account,
            clusters,
            cluster_info,
            cluster_index,
            campaigns,
            near,
            pairs_header: Vec::new(),
            pairs_rows: 0,
        };
        run.index_pairs()?;
        Ok(run)
    }

    fn pairs_path(&self) -> PathBuf {
        self.dir.join("pairs.csv")
    }

    /// One pass over pairs.csv: the byte ranges of each edge's rows.
    fn index_pairs(&mut self) -> Result<(), ServeError> {
        let path = self.pairs_path();
        let mut r = csv::Reader::from_path(&path).map_err(|e| invalid(&path, &e))?;
        self.pairs_header =
            r.headers().map_err(|e| invalid(&path, &e))?.iter().map(str::to_string).collect();
        let cols = self.pair_cols()?;
        let mut rec = csv::ByteRecord::new();
        let mut start = r.position().byte();
        let mut line = 1u64;
        // The open run of rows: its edge and where it began.
        let mut open: Option<(u32, u64)> = None;
        while r.read_byte_record(&mut rec).map_err(|e| invalid(&path, &e))? {
            line += 1;
            let end = r.position().byte();
            let name =
                |i: usize| std::str::from_utf8(&rec[i]).ok().and_then(|s| self.account_row.get(s));
            let edge = match (name(cols.account_a), name(cols.account_b)) {
                (Some(&a), Some(&b)) => self.edge_of.get(&key(a, b)).copied(),
                _ => None,
            };
            let edge = edge.ok_or_else(|| {
                invalid(
                    &path,
                    &format!("line {line}: the accounts of this pair have no edge in edges.csv"),
                )
            })?;
            match open {
                Some((e, _)) if e == edge => {}
                _ => {
                    if let Some((e, s)) = open {
                        self.pair_ranges[e as usize].push((s, start));
                    }
                    open = Some((edge, start));
                }
            }
            start = end;
            self.pairs_rows += 1;
        }
        if let Some((e, s)) = open {
            self.pair_ranges[e as usize].push((s, start));
        }
        Ok(())
    }

    pub(crate) fn pair_cols(&self) -> Result<PairCols, ServeError> {
        let path = self.pairs_path();
        let need = |n: &str| {
            self.pairs_header
                .iter()
                .position(|h| h == n)
                .ok_or_else(|| invalid(&path, &format!("no `{n}` column")))
        };
        Ok(PairCols {
            layer: need("layer")?,
            object: need("object")?,
            account_a: need("account_a")?,
            account_b: need("account_b")?,
            content_a: need("content_a")?,
            content_b: need("content_b")?,
            time_a: need("time_a")?,
            time_b: need("time_b")?,
            time_a_utc: need("time_a_utc")?,
            time_b_utc: need("time_b_utc")?,
        })
    }

    /// The pairs.csv rows of some edges, in the order given, each edge's
    /// rows in file order; stops after `limit` rows.
    pub(crate) fn edge_pairs(
        &self,
        edges: &[u32],
        limit: usize,
        mut each: impl FnMut(u32, &csv::StringRecord),
    ) -> Result<usize, ServeError> {
        let path = self.pairs_path();
        let mut file =
            File::open(&path).map_err(|source| ServeError::Io { path: path.clone(), source })?;
        let mut buf = Vec::new();
        let mut rec = csv::StringRecord::new();
        let mut seen = 0;
        for &e in edges {
            for &(s, t) in &self.pair_ranges[e as usize] {
                buf.resize((t - s) as usize, 0);
                file.seek(SeekFrom::Start(s))
                    .and_then(|_| file.read_exact(&mut buf))
                    .map_err(|source| ServeError::Io { path: path.clone(), source })?;
                let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(&buf[..]);
                while r.read_record(&mut rec).map_err(|e| invalid(&path, &e))? {
                    if seen == limit {
                        return Ok(seen);
                    }
                    seen += 1;
                    each(e, &rec);
                }
            }
        }
        Ok(seen)
    }

    /// Every pairs.csv row in file order, until `each` says stop.
    pub(crate) fn scan_pairs(
        &self,
        mut each: impl FnMut(&csv::StringRecord) -> bool,
    ) -> Result<(), ServeError> {
        let path = self.pairs_path();
        let mut r = csv::Reader::from_path(&path).map_err(|e| invalid(&path, &e))?;
        let mut rec = csv::StringRecord::new();
        while r.read_record(&mut rec).map_err(|e| invalid(&path, &e))? {
            if !each(&rec) {
                break;
            }
        }
        Ok(())
    }

    /// The account column of accounts.csv.
    pub(crate) fn account_name(&self, row: u32) -> &str {
        &self.accounts.rows[row as usize][self.accounts.col("account").unwrap_or(0)]
    }

    /// The run's output folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Accounts, edges and pair rows loaded.
    pub fn counts(&self) -> (usize, usize, u64) {
        (self.accounts.rows.len(), self.edges.rows.len(), self.pairs_rows)
    }
}

/// The unordered key of an account pair.
pub(crate) fn key(a: u32, b: u32) -> (u32, u32) {
    (a.min(b), a.max(b))
}
