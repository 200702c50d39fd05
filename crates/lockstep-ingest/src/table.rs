//! A table handed over in memory (a DataFrame, through the Python
//! package): read as the shares CSV it would be written as, by the same
//! rows' reader, so that a DataFrame and its CSV give the same dataset,
//! counts and skips. Its columns are text, or whole numbers (written in
//! decimal, as CSV holds them: ids and UNIX times pass without a cast to
//! text); a binding casts other types to text first, and a null is an
//! empty cell. Line numbers are those of its CSV: row `i` (from 0) is line
//! `i + 2`, after the header.

use crate::formats::shares_csv::Layout;
use crate::{ChunkRead, IngestConfig, IngestError, Ingested, Progress, ReadCtx};
use lockstep_model::{DatasetBuilder, FileReport, Layer, SkipLog};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Write;

/// The format name a table is reported under.
pub const FORMAT: &str = "table";

/// A column of text, as Arrow lays out a large string array, or of whole
/// numbers (`ints`, with `offsets` and `bytes` empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// `rows + 1` offsets into `bytes`, from 0.
    pub offsets: Vec<i64>,
    /// The values, one after the other (UTF-8).
    pub bytes: Vec<u8>,
    /// Whether each row has a value; `None`: all do.
    pub valid: Option<Vec<bool>>,
    /// Whole numbers in place of text, one per row.
    pub ints: Option<Vec<i64>>,
}

impl Column {
    /// A column of these values (`None`: null).
    pub fn of<'a>(name: &str, values: impl IntoIterator<Item = Option<&'a str>>) -> Column {
        let mut c = Column { name: name.to_string(), offsets: vec![0], ..Default::default() };
        let mut valid = Vec::new();
        for v in values {
            c.bytes.extend_from_slice(v.unwrap_or_default().as_bytes());
            c.offsets.push(c.bytes.len() as i64);
            valid.push(v.is_some());
        }
        c.valid = Some(valid);
        c
    }

    /// A column of whole numbers.
    pub fn ints(name: &str, values: Vec<i64>) -> Column {
        Column { name: name.to_string(), ints: Some(values), ..Default::default() }
    }

    fn rows(&self) -> usize {
        match &self.ints {
            Some(v) => v.len(),
            None => self.offsets.len().saturating_sub(1),
        }
    }

    /// Row `i`'s cell (empty for a null), written into `buf` when it is a
    /// number.
    fn cell<'a>(&'a self, i: usize, buf: &'a mut Vec<u8>) -> &'a [u8] {
        if self.valid.as_ref().is_some_and(|v| !v[i]) {
            return &[];
        }
        if let Some(v) = &self.ints {
            buf.clear();
            write!(buf, "{}", v[i]).expect("writes to memory");
            return buf;
        }
        &self.bytes[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    /// Checks the layout: offsets rising from 0 within the bytes.
    fn check(&self, rows: usize, table: &str) -> Result<(), IngestError> {
        let bad = |why: &str| {
            IngestError::Config(format!("{table}: column `{}` is malformed: {why}", self.name))
        };
        if self.rows() != rows {
            return Err(bad(&format!("{} rows, the first column has {rows}", self.rows())));
        }
        if self.ints.is_some() {
            return Ok(());
        }
        if self.offsets.first() != Some(&0)
            || self.offsets.windows(2).any(|w| w[1] < w[0])
            || self.offsets.last().is_some_and(|&e| e as usize > self.bytes.len())
        {
            return Err(bad("its offsets do not rise within its bytes"));
        }
        if self.valid.as_ref().is_some_and(|v| v.len() != rows) {
            return Err(bad("its validity does not cover its rows"));
        }
        Ok(())
    }
}

/// Rows read per task.
const CHUNK_ROWS: usize = 1 << 16;

/// Reads a table named `name` (`DataFrame` in messages) as the shares CSV
/// of its columns, with `config`'s mapping, on all cores; every row in
/// order, as [`crate::ingest`] reads that CSV.
pub fn ingest_table(
    name: &str,
    columns: &[Column],
    config: &IngestConfig,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Ingested, IngestError> {
    let rows = columns.first().map_or(0, Column::rows);
    for c in columns {
        c.check(rows, name)?;
    }
    if rows == 0 {
        return Err(IngestError::Empty { file: name.to_string() });
    }
    let header: Vec<String> = columns.iter().map(|c| c.name.trim().to_string()).collect();
    let layout = Layout::of(&header, name, config.map.as_ref())?;
    let mut builder = DatasetBuilder::default();
    let mut report = FileReport::new(name, FORMAT);
    let mut skips = SkipLog::default();
    let mut seen = std::collections::HashSet::new();
    let tell = |records: u64| {
        progress(Progress {
            phase: crate::Phase::Reading,
            input: name,
            index: 0,
            inputs: 1,
            records,
            bytes: 0,
            size: None,
        })
    };
    let mut ctx = ReadCtx {
        builder: &mut builder,
        report: &mut report,
        skips: &mut skips,
        config,
        progress: &tell,
        unselected: [0; Layer::ALL.len()],
        empty: [0; Layer::ALL.len()],
        seen: &mut seen,
    };
    let block = CHUNK_ROWS * rayon::current_num_threads().max(1) * 4;
    for start in (0..rows).step_by(block) {
        let end = (start + block).min(rows);
        let chunks: Vec<ChunkRead> = (start..end)
            .step_by(CHUNK_ROWS)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|from| {
                ChunkRead::of(name, FORMAT, config, |ctx| {
                    read_rows(columns, &layout, from..(from + CHUNK_ROWS).min(end), ctx)
                })
            })
            .collect();
        for chunk in chunks {
            chunk.append_to(&mut ctx, 0)?;
        }
        (ctx.progress)(ctx.report.records_read);
    }
    let (unselected, empty) = (ctx.unselected, ctx.empty);
    crate::formats::add_layer_counts(&mut report.actions_not_selected, &unselected);
    crate::formats::add_layer_counts(&mut report.empty_object_cells, &empty);
    let (sha256, bytes) = digest(columns);
    report.sha256 = sha256;
    report.bytes = bytes;
    Ok(Ingested { dataset: crate::finish(builder, config)?, files: vec![report], skips })
}

/// Reads rows `range` through `layout`, as the CSV reader reads records.
fn read_rows(
    columns: &[Column],
    layout: &Layout,
    range: std::ops::Range<usize>,
    ctx: &mut ReadCtx<'_>,
) -> Result<(), IngestError> {
    let mut record = csv::ByteRecord::with_capacity(256, columns.len());
    let mut buf = Vec::with_capacity(24);
    for i in range {
        let line = i as u64 + 2;
        ctx.report.records_read += 1;
        record.clear();
        for c in columns {
            record.push_field(c.cell(i, &mut buf));
        }
        // As the CSV reader checks a record's text.
        match csv::StringRecord::from_byte_record(std::mem::take(&mut record)) {
            Ok(r) => {
                let result = layout.row(&r, line, ctx);
                record = r.into_byte_record();
                result?;
            }
            Err(e) => {
                let err = e.utf8_error();
                let field = columns.get(err.field()).map(|c| c.name.trim()).unwrap_or_default();
                let result = ctx.skip(line, field, "invalid UTF-8", err.to_string());
                record = e.into_byte_record();
                result?;
            }
        }
    }
    Ok(())
}

/// The table's SHA-256, for the record: of its columns' own, each over
/// the column's name and its cells, each cell length-prefixed (a null is
/// its own mark); and the bytes of its cells.
fn digest(columns: &[Column]) -> (String, u64) {
    let each: Vec<([u8; 32], u64)> = columns
        .par_iter()
        .map(|c| {
            let mut sha = Sha256::new();
            sha.update((c.name.len() as u64).to_le_bytes());
            sha.update(c.name.as_bytes());
            let (mut bytes, mut buf) = (0, Vec::new());
            for i in 0..c.rows() {
                if c.valid.as_ref().is_some_and(|v| !v[i]) {
                    sha.update(u64::MAX.to_le_bytes());
                    continue;
                }
                let cell = c.cell(i, &mut buf);
                sha.update((cell.len() as u64).to_le_bytes());
                sha.update(cell);
                bytes += cell.len() as u64;
            }
            (sha.finalize().into(), bytes)
        })
        .collect();
    let mut sha = Sha256::new();
    for (d, _) in &each {
        sha.update(d);
    }
    let hex = sha.finalize().iter().map(|b| format!("{b:02x}")).collect();
    (hex, each.iter().map(|e| e.1).sum())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemorySource;
    use proptest::prelude::*;

    fn csv_of(columns: &[Column]) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(columns.iter().map(|c| c.name.as_str())).unwrap();
        for i in 0..columns[0].rows() {
            let cells: Vec<Vec<u8>> =
                columns.iter().map(|c| c.cell(i, &mut Vec::new()).to_vec()).collect();
            w.write_record(&cells).unwrap();
        }
        w.into_inner().unwrap()
    }

    fn cell() -> impl Strategy<Value = Option<String>> {
        prop_oneof![
            6 => "[a-c]{1,3}".prop_map(Some),
            3 => "1[0-9]{9}".prop_map(Some),
            1 => Just(Some("2021-06-16 22:04:51".to_string())),
            1 => Just(Some("-5".to_string())),
            1 => Just(Some(String::new())),
            1 => Just(Some("not a time".to_string())),
            1 => Just(None),
        ]
    }

    proptest! {
        /// A table reads as its CSV reads: the same dataset, counts,
        /// skips with their lines and fields, and the same first error in
        /// strict mode; on one thread or several.
        #[test]
        fn a_table_reads_as_its_csv(
            rows in proptest::collection::vec(proptest::collection::vec(cell(), 4), 1..60),
            strict in any::<bool>(),
            mapped in any::<bool>(),
        ) {
            let names = ["object_id", "account_id", "content_id", "timestamp_share"];
            let mut columns: Vec<Column> = names
                .iter()
                .enumerate()
                .map(|(j, n)| Column::of(n, rows.iter().map(|r| r[j].as_deref())))
                .collect();
            // Times as numbers where every cell is one.
            let times: Option<Vec<i64>> =
                rows.iter().map(|r| r[3].as_deref().and_then(|t| t.parse().ok())).collect();
            if let Some(times) = times {
                columns[3] = Column::ints(names[3], times);
            }
            let map = mapped.then(|| "url=object_id,hashtag=content_id".parse().unwrap());
            let config = IngestConfig { strict, map, ..IngestConfig::default() };
            let csv = csv_of(&columns);
            let source: Box<dyn crate::Source> = Box::new(MemorySource::new("DataFrame", csv));
            let from_csv = crate::ingest(&[source], &config, &|_| {});
            let from_table = ingest_table("DataFrame", &columns, &config, &|_| {});
            match (from_csv, from_table) {
                (Ok(a), Ok(b)) => {
                    prop_assert!(a.dataset == b.dataset, "datasets differ");
                    prop_assert_eq!(&a.skips, &b.skips);
                    let (mut ra, rb) = (a.files[0].clone(), b.files[0].clone());
                    (ra.format, ra.sha256, ra.bytes) = (rb.format.clone(), rb.sha256.clone(), rb.bytes);
                    prop_assert_eq!(ra, rb);
                }
                (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
                (a, b) => prop_assert!(false, "{:?} vs {:?}", a.map(|_| ()), b.map(|_| ())),
            }
        }
    }
}
