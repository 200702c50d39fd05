//! The run folder read back: one reader for `report`, `serve` and
//! `evaluate`, next to the writers, so that a column is looked up by the
//! name its writer gives it and a missing one is an error naming the file,
//! never a guess at its position.

use crate::ReportError;
use std::path::{Path, PathBuf};

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
    /// The table at `path`; `None` when the run did not write it (optional
    /// tables, or a run from before they existed).
    pub fn read(path: &Path) -> Result<Option<Table>, ReportError> {
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
