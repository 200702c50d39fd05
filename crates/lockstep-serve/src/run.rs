//! A run's output folder, loaded once and indexed for the queries of
//! [`crate::api`]. The small tables live in memory; `pairs.csv`, which can
//! hold millions of rows, stays on disk: loading records where each edge's
//! rows are (the file groups them by account pair) and a query reads those
//! bytes again; from `pairs.csv.zst`, the frames that hold them.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::ServeError;
use lockstep_report::files;

pub use lockstep_report::read::row_object;
use lockstep_report::read::Stored;
pub use lockstep_report::Table;

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
    /// `summary.json`'s stamp before the run was read ([`summary_stamp`]).
    pub(crate) stamp: Option<Stamp>,
    pub(crate) summary: serde_json::Value,
    pub(crate) accounts: Table,
    pub(crate) account_row: HashMap<String, u32>,
    pub(crate) edges_header: Vec<String>,
    /// edges.csv, as opened when loaded.
    pub(crate) edges_file: Stored,
    /// edges.csv stays on disk (it holds every pair that shares an object,
    /// millions on a large run): where each row starts (and a last offset
    /// where the file ends), and in memory only what sorting and drawing
    /// need.
    pub(crate) edge_offsets: Vec<u64>,
    pub(crate) edge_weight: Vec<f64>,
    pub(crate) edge_over: Vec<bool>,
    /// The layers of over-threshold edges (the ones graphs draw).
    pub(crate) edge_layers: HashMap<u32, Box<str>>,
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
    /// pairs.csv, plain or compressed.
    pub(crate) pairs: Stored,
    pub(crate) pairs_header: Vec<String>,
    /// The byte range of each edge's rows in pairs.csv (detect writes
    /// them together), and any further ranges of an edge whose rows are
    /// not all together.
    pub(crate) pair_range: Vec<(u64, u64)>,
    pub(crate) pair_more: HashMap<u32, Vec<(u64, u64)>>,
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

/// `summary.json`'s modification time, length and inode.
pub(crate) type Stamp = (std::time::SystemTime, u64, u64);

/// What says that a folder holds another run: its `summary.json`, written
/// last and replaced with the folder. A new file has a new inode even when
/// it is written within the clock tick of the old one, with its length.
pub(crate) fn summary_stamp(dir: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(dir.join(files::SUMMARY_JSON)).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some((meta.modified().ok()?, meta.len(), inode))
}

impl Run {
    /// Loads the output folder of a `lockstep detect` run.
    pub fn load(dir: &Path) -> Result<Run, ServeError> {
        let stamp = summary_stamp(dir);
        let summary_path = dir.join(files::SUMMARY_JSON);
        let text = std::fs::read_to_string(&summary_path)
            .map_err(|source| ServeError::Io { path: summary_path.clone(), source })?;
        let summary: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| invalid(&summary_path, &format!("not a lockstep summary: {e}")))?;

        let accounts = Table::required(dir, files::accounts::FILE)?;
        let a_col = accounts.need(files::accounts::ACCOUNT)?;
        let account_row: HashMap<String, u32> = accounts
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r[a_col].to_string(), i as u32))
            .collect();

        // Opened once: queries read rows at offsets of this file, which
        // stays readable after a newer run replaces the folder.
        let edges_file = Stored::find(dir, files::edges::FILE)?.ok_or_else(|| {
            invalid(
                &dir.join(files::edges::FILE),
                &"missing (every `lockstep detect` run writes it)",
            )
        })?;
        let edges_path = edges_file.path().to_path_buf();
        let edge_err = |e: csv::Error| invalid(&edges_path, &e);
        let mut er = csv::Reader::from_reader(edges_file.reader()?);
        let edges_header: Vec<String> =
            er.headers().map_err(edge_err)?.iter().map(str::to_string).collect();
        let col = |n: &str| edges_header.iter().position(|h| h == n);
        let need =
            |n: &str| col(n).ok_or_else(|| invalid(&edges_path, &format!("no `{n}` column")));
        let (ea, eb) = (need(files::edges::ACCOUNT_A)?, need(files::edges::ACCOUNT_B)?);
        let (over_col, layers_col, weight_col) = (
            col(files::edges::OVER_THRESHOLD),
            col(files::edges::LAYERS),
            col(files::edges::WEIGHT),
        );
        let mut edge_ends = Vec::new();
        let mut edge_offsets = Vec::new();
        let mut edge_weight = Vec::new();
        let mut edge_over = Vec::new();
        let mut edge_layers: HashMap<u32, Box<str>> = HashMap::new();
        let mut edge_of = HashMap::new();
        let mut by_account = vec![Vec::new(); accounts.rows.len()];
        let mut rec = csv::ByteRecord::new();
        loop {
            let start = er.position().byte();
            if !er.read_byte_record(&mut rec).map_err(edge_err)? {
                edge_offsets.push(start);
                break;
            }
            let i = edge_ends.len() as u32;
            let field = |c: usize| std::str::from_utf8(&rec[c]).unwrap_or("");
            let find = |name: &str| {
                account_row.get(name).copied().ok_or_else(|| {
                    invalid(
                        &edges_path,
                        &format!("row {}: account `{name}` is not in accounts.csv", i + 2),
                    )
                })
            };
            let (a, b) = (find(field(ea))?, find(field(eb))?);
            edge_ends.push((a, b));
            edge_offsets.push(start);
            edge_weight.push(weight_col.and_then(|c| field(c).parse().ok()).unwrap_or(1.0));
            let over = over_col.is_some_and(|c| field(c) == "1");
            edge_over.push(over);
            if over {
                edge_layers.insert(i, layers_col.map_or("", field).into());
            }
            edge_of.insert(key(a, b), i);
            by_account[a as usize].push(i);
            by_account[b as usize].push(i);
        }

        let clusters = Table::required(dir, files::clusters::FILE)?;
        let campaigns = Table::read(&dir.join(files::campaigns::FILE))?;
        let campaign_of: HashMap<String, (usize, f64)> = campaigns
            .as_ref()
            .and_then(|t| {
                Some((t, t.col(files::campaigns::CLUSTER)?, t.col(files::campaigns::SCORE)?))
            })
            .map(|(t, c, s)| {
                t.rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (r[c].to_string(), (i, r[s].parse().unwrap_or(0.0))))
                    .collect()
            })
            .unwrap_or_default();
        let cluster_col = accounts.col(files::accounts::CLUSTER);
        let strength_col = accounts.col(files::accounts::STRENGTH);
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
            if let Some(layers) = edge_layers.get(&(i as u32)) {
                info.edges.push(i as u32);
                info.layers.extend(layers.split(';').filter(|s| !s.is_empty()).map(str::to_string));
            }
        }

        let pairs = Stored::find(dir, files::pairs::FILE)?.ok_or_else(|| {
            invalid(
                &dir.join(files::pairs::FILE),
                &"missing (every `lockstep detect` run writes it)",
            )
        })?;
        let near = Table::read(&dir.join(files::near_text_pairs::FILE))?
            .and_then(|t| {
                use files::near_text_pairs as n;
                let cols = [n::CONTENT_A, n::CONTENT_B, n::SIMILARITY, n::TEXT_A, n::TEXT_B]
                    .map(|name| t.col(name));
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
            stamp,
            summary,
            points: Table::read(&dir.join(files::talking_points::FILE))?,
            fingerprints: Table::read(&dir.join(files::cluster_fingerprints::FILE))?,
            pair_range: vec![(0, 0); edge_ends.len()],
            pair_more: HashMap::new(),
            accounts,
            account_row,
            edges_header,
            edges_file,
            edge_offsets,
            edge_weight,
            edge_over,
            edge_layers,
            edge_ends,
            edge_of,
            by_account,
            clusters,
            cluster_info,
            cluster_index,
            campaigns,
            near,
            pairs,
            pairs_header: Vec::new(),
            pairs_rows: 0,
        };
        run.index_pairs()?;
        Ok(run)
    }

    fn pairs_path(&self) -> PathBuf {
        self.pairs.path().to_path_buf()
    }

    /// One pass over pairs.csv: the byte ranges of each edge's rows.
    fn index_pairs(&mut self) -> Result<(), ServeError> {
        let path = self.pairs_path();
        let mut r = csv::Reader::from_reader(self.pairs.reader()?);
        self.pairs_header =
            r.headers().map_err(|e| invalid(&path, &e))?.iter().map(str::to_string).collect();
        let cols = self.pair_cols()?;
        // With --all-pairs and not --all-edges, pairs.csv has rows of edges
        // that edges.csv leaves out: no edge query shows them, and scans
        // (search, an item's actions) still read them. With every edge
        // written, such a row means the files are not of one run.
        let all_edges = self.summary["parameters"]["all_edges"].as_bool().unwrap_or(true);
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
            let Some(edge) = edge else {
                if all_edges {
                    return Err(invalid(
                        &path,
                        &format!(
                            "line {line}: the accounts of this pair have no edge in edges.csv"
                        ),
                    ));
                }
                if let Some((e, s)) = open.take() {
                    self.add_pair_range(e, s, start);
                }
                start = end;
                self.pairs_rows += 1;
                continue;
            };
            match open {
                Some((e, _)) if e == edge => {}
                _ => {
                    if let Some((e, s)) = open {
                        self.add_pair_range(e, s, start);
                    }
                    open = Some((edge, start));
                }
            }
            start = end;
            self.pairs_rows += 1;
        }
        if let Some((e, s)) = open {
            self.add_pair_range(e, s, start);
        }
        Ok(())
    }

    fn add_pair_range(&mut self, edge: u32, start: u64, end: u64) {
        if self.pair_range[edge as usize] == (0, 0) {
            self.pair_range[edge as usize] = (start, end);
        } else {
            self.pair_more.entry(edge).or_default().push((start, end));
        }
    }

    /// Each byte range of an edge's rows in pairs.csv, in file order.
    fn pair_ranges(&self, edge: u32) -> impl Iterator<Item = (u64, u64)> + '_ {
        let first = Some(self.pair_range[edge as usize]).filter(|r| r.1 > r.0);
        first.into_iter().chain(self.pair_more.get(&edge).into_iter().flatten().copied())
    }

    /// Rows of edges.csv, read from the file, in the order asked.
    pub(crate) fn edge_rows(&self, edges: &[u32]) -> Result<Vec<csv::StringRecord>, ServeError> {
        let path = self.edges_file.path();
        let mut file = self.edges_file.file();
        let mut buf = Vec::new();
        let mut out = Vec::with_capacity(edges.len());
        for &e in edges {
            let (s, t) = (self.edge_offsets[e as usize], self.edge_offsets[e as usize + 1]);
            buf.clear();
            self.edges_file
                .range(&mut file, s, t)
                .and_then(|mut r| r.read_to_end(&mut buf))
                .map_err(|source| ServeError::Io { path: path.to_path_buf(), source })?;
            let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(&buf[..]);
            let mut rec = csv::StringRecord::new();
            if !r.read_record(&mut rec).map_err(|e| invalid(path, &e))? {
                return Err(invalid(path, &"changed since it was loaded"));
            }
            out.push(rec);
        }
        Ok(out)
    }

    /// An edge's row of edges.csv as a JSON object.
    pub(crate) fn edge_object(&self, edge: u32) -> Result<serde_json::Value, ServeError> {
        let rec = self.edge_rows(&[edge])?.remove(0);
        Ok(row_object(&self.edges_header, &rec))
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
            layer: need(files::pairs::LAYER)?,
            object: need(files::pairs::OBJECT)?,
            account_a: need(files::pairs::ACCOUNT_A)?,
            account_b: need(files::pairs::ACCOUNT_B)?,
            content_a: need(files::pairs::CONTENT_A)?,
            content_b: need(files::pairs::CONTENT_B)?,
            time_a: need(files::pairs::TIME_A)?,
            time_b: need(files::pairs::TIME_B)?,
            time_a_utc: need(files::pairs::TIME_A_UTC)?,
            time_b_utc: need(files::pairs::TIME_B_UTC)?,
        })
    }

    /// The pairs.csv rows of some edges, in file order, until `each` says
    /// stop; false when the deadline passed first. Neighbouring ranges are
    /// read as one stream: a large cluster's edges are mostly neighbours in
    /// the file, and one seek per edge would cost more than the reading.
    pub(crate) fn edge_pairs(
        &self,
        edges: &[u32],
        deadline: Instant,
        mut each: impl FnMut(&csv::StringRecord) -> bool,
    ) -> Result<bool, ServeError> {
        let mut ranges: Vec<(u64, u64)> = edges.iter().flat_map(|&e| self.pair_ranges(e)).collect();
        ranges.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
        for (s, t) in ranges {
            match merged.last_mut() {
                Some(last) if last.1 == s => last.1 = t,
                _ => merged.push((s, t)),
            }
        }
        let path = self.pairs_path();
        let io = |source| ServeError::Io { path: path.clone(), source };
        let mut file = self.pairs.file();
        let mut rec = csv::StringRecord::new();
        let mut n = 0u64;
        for (s, t) in merged {
            let range = self.pairs.range(&mut file, s, t).map_err(io)?;
            let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(range);
            while r.read_record(&mut rec).map_err(|e| invalid(&path, &e))? {
                if !each(&rec) {
                    return Ok(true);
                }
                n += 1;
                // Reading the clock every row would cost more than the row.
                if n % 4096 == 0 && Instant::now() > deadline {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// Every pairs.csv row in file order; false when the deadline passed
    /// before the end of the file.
    pub(crate) fn scan_pairs(
        &self,
        deadline: Instant,
        mut each: impl FnMut(&csv::StringRecord),
    ) -> Result<bool, ServeError> {
        let path = self.pairs_path();
        let mut r = csv::Reader::from_reader(self.pairs.reader()?);
        let mut rec = csv::StringRecord::new();
        let mut n = 0u64;
        while r.read_record(&mut rec).map_err(|e| invalid(&path, &e))? {
            each(&rec);
            n += 1;
            // Reading the clock every row would cost more than the row.
            if n % 4096 == 0 && Instant::now() > deadline {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The account column of accounts.csv.
    pub(crate) fn account_name(&self, row: u32) -> &str {
        &self.accounts.rows[row as usize][self.accounts.col(files::accounts::ACCOUNT).unwrap_or(0)]
    }

    /// The run's output folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Accounts, edges and pair rows loaded.
    pub fn counts(&self) -> (usize, usize, u64) {
        (self.accounts.rows.len(), self.edge_ends.len(), self.pairs_rows)
    }
}

/// The unordered key of an account pair.
pub(crate) fn key(a: u32, b: u32) -> (u32, u32) {
    (a.min(b), a.max(b))
}
