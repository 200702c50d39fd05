//! The run folder's tables as Parquet (`--output-format parquet`): the
//! columns of the CSV files with their types, for R's `arrow`, DuckDB,
//! Spark, pandas and polars. Written through Parquet's column API, as the
//! dataset folder is (no arrow in the everyday build).
//!
//! Types: text is `STRING`; whole numbers `INT64`; numbers `DOUBLE` at
//! full precision (the CSV rounds them); instants (`*_utc`) `INT64
//! TIMESTAMP(MICROS, UTC)`; seconds (`time_a`, `delta_s`, `window_s`)
//! `DOUBLE`; flags `BOOLEAN`; days `INT32 DATE`. Every column may be null
//! where the CSV cell may be empty. Input text is stored as written: the
//! formula guard is for spreadsheets opening CSV.

use crate::frame::{Column, Frame, Kind, Schema, Values};
use crate::tables::{Source, SCHEMAS};
use crate::ReportError;
use parquet::basic::Compression;
use parquet::column::reader::get_typed_column_reader;
use parquet::data_type::{
    BoolType, ByteArray, ByteArrayType, DataType, DoubleType, Int32Type, Int64Type,
};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

/// Rows per row group: large enough for good compression, small enough
/// that a block of a large table is held once.
const ROW_GROUP_ROWS: usize = 1 << 20;

const MICROS_PER_SECOND: f64 = 1e6;

/// The Parquet schema of a frame's columns.
fn message(name: &str, columns: &[Column]) -> String {
    let mut m = format!("message {name} {{\n");
    for c in columns {
        let ty = match c.kind {
            Kind::Text | Kind::Input => "BYTE_ARRAY {} (STRING)",
            Kind::Int => "INT64 {}",
            Kind::Real | Kind::Fixed(_) | Kind::Sci | Kind::Seconds => "DOUBLE {}",
            Kind::Utc => "INT64 {} (TIMESTAMP(MICROS,true))",
            Kind::Flag | Kind::Bool => "BOOLEAN {}",
            Kind::Day => "INT32 {} (DATE)",
        };
        m.push_str("  OPTIONAL ");
        m.push_str(&ty.replace("{}", c.name));
        m.push_str(";\n");
    }
    m.push('}');
    m
}

fn parquet_err(path: &Path) -> impl Fn(ParquetError) -> ReportError + '_ {
    move |e| ReportError::Io { path: path.to_path_buf(), source: std::io::Error::other(e) }
}

/// Writes `source` as the Parquet file `path`.
pub(crate) fn write(path: &Path, source: &Source<'_>) -> Result<(), ReportError> {
    let err = parquet_err(path);
    let io = |source| ReportError::Io { path: path.to_path_buf(), source };
    let empty = source.empty();
    let schema = parse_message_type(&message(empty.name, &empty.columns)).map_err(&err)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        // No build hash or date: the same run gives the same bytes.
        .set_created_by(format!("lockstep {}", env!("CARGO_PKG_VERSION")))
        .build();
    let file = File::create(path).map_err(io)?;
    let mut w = SerializedFileWriter::new(
        BufWriter::with_capacity(1 << 20, file),
        Arc::new(schema),
        Arc::new(props),
    )
    .map_err(&err)?;
    let mut block = source.empty();
    let mut groups = 0;
    let flush = |block: &mut Frame, w: &mut SerializedFileWriter<_>, groups: &mut usize| {
        *groups += 1;
        let full = std::mem::replace(block, source.empty());
        row_group(w, &full).map_err(std::io::Error::other)
    };
    source
        .each_chunk(&|f| f, &mut |f| {
            block.append(f);
            if block.rows() >= ROW_GROUP_ROWS {
                flush(&mut block, &mut w, &mut groups)?;
            }
            Ok(())
        })
        .map_err(io)?;
    // A table without rows still gets a row group, so that every reader
    // sees its columns' types.
    if block.rows() > 0 || groups == 0 {
        flush(&mut block, &mut w, &mut groups).map_err(io)?;
    }
    let mut out = w.into_inner().map_err(&err)?;
    out.flush().map_err(io)?;
    Ok(())
}

/// Writes a frame as one row group.
fn row_group<W: Write + Send>(
    w: &mut SerializedFileWriter<W>,
    frame: &Frame,
) -> Result<(), ParquetError> {
    let mut rg = w.next_row_group()?;
    for c in &frame.columns {
        let mut col = rg
            .next_column()?
            .ok_or_else(|| ParquetError::General("more columns than the schema".into()))?;
        let def: Vec<i16> = c.valid.iter().map(|&v| i16::from(v)).collect();
        let present = |i: &usize| c.valid[*i];
        let rows = 0..c.valid.len();
        match (&c.values, c.kind) {
            (Values::Text { .. }, _) => {
                let v: Vec<ByteArray> =
                    rows.filter(present).map(|i| ByteArray::from(c.str(i).as_bytes())).collect();
                col.typed::<ByteArrayType>().write_batch(&v, Some(&def), None)?;
            }
            (Values::Int(x), Kind::Seconds) => {
                let v: Vec<f64> =
                    rows.filter(present).map(|i| x[i] as f64 / MICROS_PER_SECOND).collect();
                col.typed::<DoubleType>().write_batch(&v, Some(&def), None)?;
            }
            (Values::Int(x), Kind::Day) => {
                let v: Vec<i32> = rows
                    .filter(present)
                    .map(|i| x[i].clamp(i32::MIN.into(), i32::MAX.into()) as i32)
                    .collect();
                col.typed::<Int32Type>().write_batch(&v, Some(&def), None)?;
            }
            (Values::Int(x), _) => {
                let v: Vec<i64> = rows.filter(present).map(|i| x[i]).collect();
                col.typed::<Int64Type>().write_batch(&v, Some(&def), None)?;
            }
            (Values::Float(x), _) => {
                let v: Vec<f64> = rows.filter(present).map(|i| x[i]).collect();
                col.typed::<DoubleType>().write_batch(&v, Some(&def), None)?;
            }
            (Values::Flag(x), _) => {
                let v: Vec<bool> = rows.filter(present).map(|i| x[i]).collect();
                col.typed::<BoolType>().write_batch(&v, Some(&def), None)?;
            }
        }
        col.close()?;
    }
    rg.close()?;
    Ok(())
}

/// The table a Parquet file of a run folder holds, by its name.
fn schema_of(path: &Path) -> Option<&'static Schema> {
    let name = path.file_name()?.to_str()?;
    SCHEMAS.into_iter().find(|s| s.parquet == name)
}

/// Reads a table of a run written as Parquet by [`write`].
pub fn read(path: &Path) -> Result<Frame, ReportError> {
    let invalid = |message: String| ReportError::Invalid { path: path.to_path_buf(), message };
    let schema =
        schema_of(path).ok_or_else(|| invalid("not a table of a run folder".to_string()))?;
    let file =
        File::open(path).map_err(|source| ReportError::Io { path: path.to_path_buf(), source })?;
    let reader = SerializedFileReader::new(file).map_err(|e| invalid(e.to_string()))?;
    let descr = reader.metadata().file_metadata().schema_descr_ptr();
    let mut columns = Vec::new();
    for i in 0..descr.num_columns() {
        let name = descr.column(i).name().to_string();
        let (name, kind) = schema
            .columns
            .iter()
            .find(|c| c.0 == name)
            .copied()
            .ok_or_else(|| invalid(format!("no column `{name}` in {}", schema.name)))?;
        columns.push((name, kind));
    }
    let mut frame = Frame::with(schema.name, &columns);
    let mut rows = None;
    for (i, c) in frame.columns.iter_mut().enumerate() {
        read_column(&reader, i, c).map_err(|e| invalid(e.to_string()))?;
        let n = c.valid.len();
        if *rows.get_or_insert(n) != n {
            return Err(invalid(format!("column `{}` has {n} rows, not {rows:?}", c.name)));
        }
    }
    frame.set_rows(rows.unwrap_or(0));
    Ok(frame)
}

/// Values decoded per call.
const BATCH: usize = 1 << 16;

/// Decodes column `i` of every row group into `c`.
fn read_column(
    reader: &SerializedFileReader<File>,
    i: usize,
    c: &mut Column,
) -> Result<(), ParquetError> {
    fn each<T: DataType>(
        reader: &SerializedFileReader<File>,
        i: usize,
        valid: &mut Vec<bool>,
        mut put: impl FnMut(Option<&T::T>),
    ) -> Result<(), ParquetError> {
        let (mut values, mut def) = (Vec::with_capacity(BATCH), Vec::with_capacity(BATCH));
        for g in 0..reader.num_row_groups() {
            let rg = reader.get_row_group(g)?;
            let mut r = get_typed_column_reader::<T>(rg.get_column_reader(i)?);
            loop {
                values.clear();
                def.clear();
                let (records, _, _) = r.read_records(BATCH, Some(&mut def), None, &mut values)?;
                if records == 0 {
                    break;
                }
                let mut next = values.iter();
                for &d in &def {
                    valid.push(d > 0);
                    put(if d > 0 { next.next() } else { None });
                }
            }
        }
        Ok(())
    }
    let valid = &mut c.valid;
    let mut utf8 = true;
    match (&mut c.values, c.kind) {
        (Values::Text { offsets, bytes }, _) => each::<ByteArrayType>(reader, i, valid, |v| {
            if let Some(v) = v {
                utf8 &= std::str::from_utf8(v.data()).is_ok();
                bytes.extend_from_slice(v.data());
            }
            offsets.push(bytes.len() as i64);
        })?,
        (Values::Int(x), Kind::Seconds) => each::<DoubleType>(reader, i, valid, |v| {
            x.push(v.map_or(0, |s| (s * MICROS_PER_SECOND).round() as i64))
        })?,
        (Values::Int(x), Kind::Day) => {
            each::<Int32Type>(reader, i, valid, |v| x.push(v.map_or(0, |&d| d.into())))?
        }
        (Values::Int(x), _) => {
            each::<Int64Type>(reader, i, valid, |v| x.push(v.map_or(0, |&n| n)))?
        }
        (Values::Float(x), _) => {
            each::<DoubleType>(reader, i, valid, |v| x.push(v.map_or(0.0, |&f| f)))?
        }
        (Values::Flag(x), _) => {
            each::<BoolType>(reader, i, valid, |v| x.push(v.is_some_and(|&b| b)))?
        }
    }
    if !utf8 {
        return Err(ParquetError::General(format!("column `{}` is not UTF-8", c.name)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use crate::frame::tests::EVERY_KIND as SCHEMA;

    type Row = (
        Option<String>,
        Option<i64>,
        Option<f64>,
        f64,
        Option<i64>,
        Option<i64>,
        bool,
        bool,
        i64,
        f64,
    );

    fn rows() -> impl Strategy<Value = Vec<Row>> {
        let us = -(1i64 << 50)..(1i64 << 50);
        let row = (
            proptest::option::of("[a-zé,\"\n=]{0,8}"),
            proptest::option::of(any::<i64>()),
            proptest::option::of(prop_oneof![any::<f64>(), Just(f64::NAN), Just(f64::INFINITY)]),
            -1e300f64..1e300,
            proptest::option::of(us.clone()),
            proptest::option::of(us),
            any::<bool>(),
            any::<bool>(),
            -1_000_000i64..1_000_000,
            -1e9f64..1e9,
        );
        proptest::collection::vec(row, 0..300)
    }

    proptest! {
        /// A table written as Parquet and read back is the table it was,
        /// and so gives the same CSV, whatever its values and nulls.
        #[test]
        fn parquet_round_trips_a_frame(rows in rows(), split in 1usize..50) {
            let build = |f: &mut Frame, range: std::ops::Range<usize>| {
                for r in &rows[range] {
                    f.opt_text(r.0.as_deref()).opt_int(r.1).opt_float(r.2).float(r.3);
                    f.opt_int(r.4).opt_int(r.5).flag(r.6).flag(r.7).int(r.8).float(r.9);
                }
            };
            let source = Source::new(&SCHEMA, rows.len(), build);
            let dir = lockstep_test_support::TempDir::new("parquet-round-trip");
            let path = dir.0.join(SCHEMA.parquet);
            write(&path, &source).unwrap();
            let mut expected = Frame::new(&SCHEMA);
            // Built in pieces, as the writer builds it.
            for start in (0..rows.len()).step_by(split) {
                let mut piece = Frame::new(&SCHEMA);
                build(&mut piece, start..(start + split).min(rows.len()));
                expected.append(piece);
            }
            let back = read_frame(&path);
            prop_assert_eq!(back.csv(true), expected.csv(true));
            prop_assert_eq!(back, expected);
        }
    }

    fn read_frame(path: &Path) -> Frame {
        // `read` finds a run folder's tables by name; this one is the test's.
        let file = File::open(path).unwrap();
        let reader = SerializedFileReader::new(file).unwrap();
        let mut frame = Frame::new(&SCHEMA);
        for (i, c) in frame.columns.iter_mut().enumerate() {
            read_column(&reader, i, c).unwrap();
        }
        let rows = frame.columns[0].valid.len();
        frame.set_rows(rows);
        frame
    }
}
