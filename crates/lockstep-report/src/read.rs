//! The run folder read back: one reader for `report`, `serve` and
//! `evaluate`, next to the writers, so that a column is looked up by the
//! name its writer gives it and a missing one is an error naming the file,
//! never a guess at its position.

use crate::seekable::{RangeReader, SeekTable};
use crate::ReportError;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file opened once, read at positions of its own: readers that share
/// the file do not move each other's offset, and a reader keeps reading the
/// file it opened after a newer run has replaced the folder (the old file
/// lives while it is open).
#[derive(Debug, Clone)]
pub struct At {
    file: Arc<File>,
    pos: u64,
}

impl At {
    /// Reads `file` from its start.
    pub fn new(file: Arc<File>) -> At {
        At { file, pos: 0 }
    }
}

impl Read for At {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(&*self.file, buf, self.pos)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(&*self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for At {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let base = match to {
            SeekFrom::Start(p) => {
                self.pos = p;
                return Ok(p);
            }
            SeekFrom::End(d) => (self.file.metadata()?.len(), d),
            SeekFrom::Current(d) => (self.pos, d),
        };
        self.pos = base.0.checked_add_signed(base.1).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start")
        })?;
        Ok(self.pos)
    }
}

/// A table file of a run as it was written: plain CSV, compressed in
/// zstd's seekable format under its name plus `.zst`
/// ([`crate::seekable`]), or Parquet (`--output-format parquet`). Readers
/// see the CSV bytes either way, and ranges of them by their offset in the
/// CSV: a Parquet table is formatted as the run would have written its
/// CSV, once, in memory.
#[derive(Debug)]
pub struct Stored {
    path: PathBuf,
    file: Arc<File>,
    table: Option<SeekTable>,
    csv: Option<Arc<Vec<u8>>>,
}

/// A Parquet table's CSV bytes, shared by its readers.
struct Shared(Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Whether the run in `dir` wrote its CSV cells behind the formula guard
/// (`raw_csv` in its parameters; on unless said otherwise).
fn formula_guard(dir: &Path) -> bool {
    let summary = std::fs::read_to_string(dir.join(crate::SUMMARY_JSON)).ok();
    let summary: Option<serde_json::Value> = summary.and_then(|t| serde_json::from_str(&t).ok());
    summary.is_none_or(|s| s["parameters"]["raw_csv"] != serde_json::Value::Bool(true))
}

/// The name of a table compressed ([`crate::seekable`]).
pub fn compressed_name(name: &str) -> String {
    format!("{name}.zst")
}

impl Stored {
    /// The file `name` of the run in `dir`, plain or compressed; `None`
    /// when neither is there.
    pub fn find(dir: &Path, name: &str) -> Result<Option<Stored>, ReportError> {
        let open = |path: &Path| {
            File::open(path)
                .map(Arc::new)
                .map_err(|source| ReportError::Io { path: path.to_path_buf(), source })
        };
        let plain = dir.join(name);
        if plain.exists() {
            return Ok(Some(Stored { file: open(&plain)?, path: plain, table: None, csv: None }));
        }
        let path = dir.join(compressed_name(name));
        if path.exists() {
            let file = open(&path)?;
            let table =
                SeekTable::read(&mut At::new(file.clone())).map_err(|e| invalid(&path, &e))?;
            return Ok(Some(Stored { path, file, table: Some(table), csv: None }));
        }
        let parquet = crate::SCHEMAS.iter().find(|s| s.file == name).map(|s| dir.join(s.parquet));
        let Some(path) = parquet.filter(|p| p.exists()) else {
            return Ok(None);
        };
        let file = open(&path)?;
        let csv = crate::columnar::read(&path)?.csv(formula_guard(dir));
        Ok(Some(Stored { path, file, table: None, csv: Some(Arc::new(csv)) }))
    }

    /// The file on disk.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The CSV bytes from the start (of the file opened by
    /// [`Stored::find`]).
    pub fn reader(&self) -> Result<Box<dyn Read + Send>, ReportError> {
        if let Some(csv) = &self.csv {
            return Ok(Box::new(std::io::Cursor::new(Shared(csv.clone()))));
        }
        let file = At::new(self.file.clone());
        Ok(match &self.table {
            None => Box::new(BufReader::with_capacity(1 << 16, file)),
            Some(_) => Box::new(zstd::Decoder::new(file).map_err(|e| invalid(&self.path, &e))?),
        })
    }

    /// The CSV bytes `start..end`, through `file` ([`Stored::file`], kept
    /// for many ranges).
    pub fn range<'a>(
        &'a self,
        file: &'a mut BufReader<At>,
        start: u64,
        end: u64,
    ) -> std::io::Result<Box<dyn Read + 'a>> {
        if let Some(csv) = &self.csv {
            let end = (end as usize).min(csv.len());
            return Ok(Box::new(&csv[(start as usize).min(end)..end]));
        }
        Ok(match &self.table {
            None => {
                file.seek(SeekFrom::Start(start))?;
                Box::new(file.take(end.saturating_sub(start)))
            }
            Some(t) => Box::new(RangeReader::new(file, t, start, end)),
        })
    }

    /// The file, for [`Stored::range`].
    pub fn file(&self) -> BufReader<At> {
        BufReader::with_capacity(1 << 16, At::new(self.file.clone()))
    }
}

/// A CSV file of a run, in memory.
#[derive(Debug, Default)]
pub struct Table {
    /// The file.
    pub path: PathBuf,
    /// Column names.
    pub header: Vec<String>,
    /// Rows in file order.
    pub rows: Vec<csv::StringRecord>,
}

fn invalid(path: &Path, e: &dyn std::fmt::Display) -> ReportError {
    ReportError::Invalid { path: path.to_path_buf(), message: e.to_string() }
}

impl Table {
    /// The table at `path`, or compressed beside it ([`Stored`]); `None`
    /// when the run did not write it (optional tables, or a run from before
    /// they existed).
    pub fn read(path: &Path) -> Result<Option<Table>, ReportError> {
        let (dir, name) = match (path.parent(), path.file_name().and_then(|n| n.to_str())) {
            (Some(dir), Some(name)) => (dir, name),
            _ => return Err(invalid(path, &"not a file")),
        };
        let Some(stored) = Stored::find(dir, name)? else {
            return Ok(None);
        };
        let path = stored.path();
        let mut r = csv::Reader::from_reader(stored.reader()?);
        let header =
            r.headers().map_err(|e| invalid(path, &e))?.iter().map(str::to_string).collect();
        let mut rows = Vec::new();
        for rec in r.records() {
            rows.push(rec.map_err(|e| invalid(path, &e))?);
        }
        Ok(Some(Table { path: path.to_path_buf(), header, rows }))
    }

    /// The table `name` of the run in `dir`, which every run writes.
    pub fn required(dir: &Path, name: &str) -> Result<Table, ReportError> {
        let path = dir.join(name);
        Table::read(&path)?.ok_or(ReportError::Invalid {
            path,
            message: "missing (every `lockstep detect` run writes it)".into(),
        })
    }

    /// The index of a column, if the table has it.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The index of a column the table must have.
    pub fn need(&self, name: &str) -> Result<usize, ReportError> {
        self.col(name).ok_or_else(|| invalid(&self.path, &format!("no `{name}` column")))
    }

    /// A row as a JSON object, column by column.
    pub fn object(&self, row: usize) -> serde_json::Value {
        row_object(&self.header, &self.rows[row])
    }
}

/// A CSV row as a JSON object of strings, keyed by the header.
pub fn row_object(header: &[String], row: &csv::StringRecord) -> serde_json::Value {
    serde_json::Value::Object(
        header
            .iter()
            .zip(row.iter())
            .map(|(h, v)| (h.clone(), serde_json::Value::String(v.to_string())))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    /// The reader's name for a compressed table is the writer's.
    #[test]
    fn compressed_names_agree() {
        assert_eq!(
            super::compressed_name(crate::files::pairs::FILE),
            crate::files::pairs::COMPRESSED
        );
    }
}
