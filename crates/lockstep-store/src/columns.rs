//! Thin typed access to Parquet's column API: one row group at a time on
//! the way out, one column at a time on the way in. The column API (not
//! arrow) keeps the everyday build light.

use crate::{StoreError, TableInfo};
use parquet::basic::{Compression, Encoding};
use parquet::column::reader::get_typed_column_reader;
use parquet::data_type::DataType;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::{ColumnPath, Type};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Values decoded per read call.
const BATCH: usize = 1 << 16;

fn schema(message: &str) -> Type {
    parse_message_type(message).expect("the schemas in this crate parse")
}

/// A writer that hashes what passes through it, so a table's SHA-256 needs
/// no second read.
struct Hashing<W> {
    inner: W,
    sha: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

type Sink = Hashing<BufWriter<File>>;

/// Writes one table file.
pub(crate) struct TableWriter {
    path: PathBuf,
    w: SerializedFileWriter<Sink>,
    rows: u64,
}

impl TableWriter {
    pub fn create(path: PathBuf, message: &str) -> Result<Self, StoreError> {
        // Measured at 10^7 simulated rows (BENCHMARKS.md): dictionaries only
        // pay on the few-valued string columns, and delta-packed integers
        // halve the id and time columns (ids of dimension tables are row
        // numbers; content ids grow with the input). Delta-encoded names
        // were much smaller but 1.6x slower to read: not taken.
        let mut props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_dictionary_enabled(false)
            .set_column_dictionary_enabled(ColumnPath::from("layer"), true)
            .set_column_dictionary_enabled(ColumnPath::from("platform"), true);
        for c in ["account_id", "object_id", "content_id", "time_us"] {
            props = props.set_column_encoding(ColumnPath::from(c), Encoding::DELTA_BINARY_PACKED);
        }
        let props = props
            // No build hash or date: the same dataset gives the same bytes.
            .set_created_by(format!("lockstep {}", env!("CARGO_PKG_VERSION")))
            .build();
        let file = File::create(&path).map_err(StoreError::io(&path))?;
        let sink = Hashing {
            inner: BufWriter::with_capacity(1 << 20, file),
            sha: Sha256::new(),
            bytes: 0,
        };
        let w = SerializedFileWriter::new(sink, Arc::new(schema(message)), Arc::new(props))
            .map_err(StoreError::parquet(&path))?;
        Ok(TableWriter { path, w, rows: 0 })
    }

    /// Writes a row group of `rows` rows; `f` writes every column in schema
    /// order.
    pub fn row_group(
        &mut self,
        rows: usize,
        f: impl FnOnce(&mut Columns<'_, '_>) -> parquet::errors::Result<()>,
    ) -> Result<(), StoreError> {
        let mut rg = self.w.next_row_group().map_err(StoreError::parquet(&self.path))?;
        f(&mut Columns { rg: &mut rg }).map_err(StoreError::parquet(&self.path))?;
        rg.close().map_err(StoreError::parquet(&self.path))?;
        self.rows += rows as u64;
        Ok(())
    }

    pub fn finish(self) -> Result<TableInfo, StoreError> {
        let path = self.path;
        let sink = self.w.into_inner().map_err(StoreError::parquet(&path))?;
        let Hashing { inner, sha, bytes } = sink;
        inner.into_inner().map_err(|e| StoreError::io(&path)(e.into_error()))?;
        Ok(TableInfo { rows: self.rows, bytes, sha256: hex(&sha.finalize()) })
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The columns of one row group, written in schema order.
pub(crate) struct Columns<'a, 'b> {
    rg: &'b mut SerializedRowGroupWriter<'a, Sink>,
}

impl Columns<'_, '_> {
    /// A column without nulls.
    pub fn required<T: DataType>(&mut self, values: &[T::T]) -> parquet::errors::Result<()> {
        let mut col = self.rg.next_column()?.ok_or_else(|| {
            ParquetError::General("more columns written than the schema has".into())
        })?;
        col.typed::<T>().write_batch(values, None, None)?;
        col.close()
    }

    /// A nullable column: the present values, and one definition level per
    /// row (1 present, 0 null).
    pub fn optional<T: DataType>(
        &mut self,
        values: &[T::T],
        def: &[i16],
    ) -> parquet::errors::Result<()> {
        let mut col = self.rg.next_column()?.ok_or_else(|| {
            ParquetError::General("more columns written than the schema has".into())
        })?;
        col.typed::<T>().write_batch(values, Some(def), None)?;
        col.close()
    }
}

/// Reads one table file, column by column.
pub(crate) struct TableReader {
    pub path: PathBuf,
    pub rows: u64,
}

impl TableReader {
    /// Opens `path` and checks that its schema is `message`.
    pub fn open(path: PathBuf, message: &str) -> Result<Self, StoreError> {
        let file = File::open(&path).map_err(StoreError::io(&path))?;
        let reader = SerializedFileReader::new(file).map_err(StoreError::parquet(&path))?;
        let meta = reader.metadata().file_metadata();
        let expected = schema(message);
        if meta.schema() != &expected {
            return Err(StoreError::invalid(
                &path,
                format!(
                    "its columns are not those of a lockstep dataset (format version {}); re-run `lockstep ingest`",
                    crate::FORMAT_VERSION
                ),
            ));
        }
        let rows = u64::try_from(meta.num_rows())
            .map_err(|_| StoreError::invalid(&path, "negative row count"))?;
        Ok(TableReader { path, rows })
    }

    /// Calls `each(row, value)` for every row of column `col` (a null is
    /// `None`), in row order.
    pub fn column<T: DataType>(
        &self,
        col: usize,
        mut each: impl FnMut(u64, Option<&T::T>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let err = StoreError::parquet;
        // Clones of one `File` share its offset, so columns read on
        // several threads each need a file of their own.
        let file = File::open(&self.path).map_err(StoreError::io(&self.path))?;
        let reader = SerializedFileReader::new(file).map_err(err(&self.path))?;
        let optional =
            reader.metadata().file_metadata().schema_descr().column(col).max_def_level() > 0;
        let mut values: Vec<T::T> = Vec::with_capacity(BATCH);
        let mut def: Vec<i16> = Vec::with_capacity(BATCH);
        let mut row = 0u64;
        for g in 0..reader.num_row_groups() {
            let rg = reader.get_row_group(g).map_err(err(&self.path))?;
            let mut reader =
                get_typed_column_reader::<T>(rg.get_column_reader(col).map_err(err(&self.path))?);
            loop {
                values.clear();
                def.clear();
                let (records, _, _) = reader
                    .read_records(BATCH, optional.then_some(&mut def), None, &mut values)
                    .map_err(err(&self.path))?;
                if records == 0 {
                    break;
                }
                if optional {
                    let mut next = values.iter();
                    for &d in &def {
                        each(row, if d > 0 { next.next() } else { None })?;
                        row += 1;
                    }
                } else {
                    for v in &values {
                        each(row, Some(v))?;
                        row += 1;
                    }
                }
            }
        }
        if row != self.rows {
            return Err(StoreError::invalid(
                &self.path,
                format!("column {col} has {row} values for {} rows", self.rows),
            ));
        }
        Ok(())
    }

    /// The error for a bad value in `field` at `row`.
    pub fn bad(&self, row: u64, field: &str, message: impl Into<String>) -> StoreError {
        StoreError::BadRow {
            path: self.path.display().to_string(),
            row,
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// The SHA-256 of a file, hex.
pub(crate) fn sha256_file(path: &Path) -> Result<String, StoreError> {
    let mut f = File::open(path).map_err(StoreError::io(path))?;
    let mut sha = Sha256::new();
    std::io::copy(&mut f, &mut sha).map_err(StoreError::io(path))?;
    Ok(hex(&sha.finalize()))
}
