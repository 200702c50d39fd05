//! The run folder's tables as typed columns: what every writer builds, and
//! what each output format is made from. A table is built once, row by row,
//! into a [`Frame`]; CSV formats its cells ([`Frame::csv`]), Parquet
//! stores its values ([`crate::parquet`]), and bindings hand its buffers
//! over as they are. A column's [`Kind`] says both what it holds and how
//! CSV writes it, so that the formats cannot disagree on a value.

use crate::tables::{fmt_f, Row};
use lockstep_model::time::{civil_from_days, push_int, push_iso, push_unix};
use std::io::Write;

/// What a column holds, and how CSV writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text of lockstep's own (layer and signal names, explanations).
    Text,
    /// Text from the input (account and object names, posts): in CSV
    /// behind the formula guard unless the run asked for raw cells.
    Input,
    /// A whole number.
    Int,
    /// A number written with at most 6 decimals, trailing zeros dropped;
    /// not a number (NaN, infinite) is a null.
    Real,
    /// A number written with this many decimals.
    Fixed(usize),
    /// A number written in scientific notation with 6 decimals (p-values).
    Sci,
    /// An instant, held in microseconds since the UNIX epoch, written in
    /// ISO 8601 UTC.
    Utc,
    /// An instant or a duration in seconds, held in microseconds, written
    /// as decimal seconds.
    Seconds,
    /// Yes or no, written `1` or `0`.
    Flag,
    /// Yes or no, written `true` or `false`.
    Bool,
    /// A day, held in days since the UNIX epoch, written `YYYY-MM-DD`.
    Day,
}

/// One column of a table: its name and kind.
pub type ColumnDef = (&'static str, Kind);

/// A table of the run folder: its name (the file's, without the
/// extension) and every column it may have, in order.
#[derive(Debug)]
pub struct Schema {
    /// The table's name.
    pub name: &'static str,
    /// Its file's name as CSV.
    pub file: &'static str,
    /// Its file's name as Parquet.
    pub parquet: &'static str,
    /// Its columns.
    pub columns: &'static [ColumnDef],
}

impl Schema {
    /// The kind of column `name`, if the table has it.
    pub fn kind(&self, name: &str) -> Option<Kind> {
        self.columns.iter().find(|c| c.0 == name).map(|c| c.1)
    }
}

/// A column's values, one per row (a null's slot holds a zero or nothing).
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// UTF-8 strings: row `i` is `bytes[offsets[i]..offsets[i + 1]]`
    /// (Arrow's large string layout).
    Text {
        /// `rows + 1` offsets, from 0.
        offsets: Vec<i64>,
        /// The strings, one after the other.
        bytes: Vec<u8>,
    },
    /// Whole numbers, times in microseconds, days.
    Int(Vec<i64>),
    /// Numbers.
    Float(Vec<f64>),
    /// Flags.
    Flag(Vec<bool>),
}

/// Bytes of text a row's text cell is expected to take, for sizing.
const TEXT_GUESS: usize = 12;

impl Values {
    /// No values of `kind`, with room for `rows`.
    fn of(kind: Kind, rows: usize) -> Values {
        match kind {
            Kind::Text | Kind::Input => {
                let mut offsets = Vec::with_capacity(rows + 1);
                offsets.push(0);
                Values::Text { offsets, bytes: Vec::with_capacity(rows * TEXT_GUESS) }
            }
            Kind::Int | Kind::Utc | Kind::Seconds | Kind::Day => {
                Values::Int(Vec::with_capacity(rows))
            }
            Kind::Real | Kind::Fixed(_) | Kind::Sci => Values::Float(Vec::with_capacity(rows)),
            Kind::Flag | Kind::Bool => Values::Flag(Vec::with_capacity(rows)),
        }
    }
}

/// One column of a [`Frame`].
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Its name.
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Its values.
    pub values: Values,
    /// Whether each row has a value (false: null).
    pub valid: Vec<bool>,
}

impl Column {
    /// The text of row `i` (a text column's; empty for a null).
    pub fn str(&self, i: usize) -> &str {
        std::str::from_utf8(self.text_bytes(i)).expect("a frame's text is pushed as str")
    }

    /// The bytes of row `i`'s text (valid UTF-8: text is pushed as `str`).
    fn text_bytes(&self, i: usize) -> &[u8] {
        match &self.values {
            Values::Text { offsets, bytes } => &bytes[offsets[i] as usize..offsets[i + 1] as usize],
            _ => panic!("column `{}` holds no text", self.name),
        }
    }

    /// Whether any row is null.
    pub fn has_nulls(&self) -> bool {
        self.valid.iter().any(|v| !v)
    }

    /// Appends row `i` as CSV writes it.
    fn cell(&self, i: usize, row: &mut Row<'_>, guard: bool) {
        if !self.valid[i] {
            row.text("");
            return;
        }
        match (&self.values, self.kind) {
            (Values::Text { .. }, Kind::Input) => row.guarded_bytes(self.text_bytes(i), guard),
            (Values::Text { .. }, _) => row.text_bytes(self.text_bytes(i)),
            (Values::Int(v), Kind::Utc) => row.plain(|o| push_iso(o, v[i])),
            (Values::Int(v), Kind::Seconds) => row.plain(|o| push_unix(o, v[i])),
            (Values::Int(v), Kind::Day) => row.plain(|o| {
                let (y, m, d) = civil_from_days(v[i]);
                write!(o, "{y:04}-{m:02}-{d:02}").expect("writes to memory")
            }),
            (Values::Int(v), _) => row.plain(|o| push_int(o, v[i])),
            (Values::Float(v), Kind::Fixed(d)) => {
                row.plain(|o| write!(o, "{:.*}", d, v[i]).expect("writes to memory"))
            }
            (Values::Float(v), Kind::Sci) => {
                row.plain(|o| write!(o, "{:.6e}", v[i]).expect("writes to memory"))
            }
            (Values::Float(v), _) => row.plain(|o| o.extend_from_slice(fmt_f(v[i]).as_bytes())),
            (Values::Flag(v), Kind::Bool) => row.text(if v[i] { "true" } else { "false" }),
            (Values::Flag(v), _) => row.text(if v[i] { "1" } else { "0" }),
        };
    }
}

/// A table in memory, typed: built a row at a time, each row's cells in
/// column order ([`Frame::text`], [`Frame::int`], ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// The table's name.
    pub name: &'static str,
    /// Its columns, in order.
    pub columns: Vec<Column>,
    rows: usize,
    next: usize,
}

impl Frame {
    /// An empty table of `schema`'s columns.
    pub fn new(schema: &Schema) -> Frame {
        Frame::with(schema.name, schema.columns)
    }

    /// An empty table named `name` of `columns` (a selection of a schema's).
    pub fn with(name: &'static str, columns: &[ColumnDef]) -> Frame {
        Frame::with_capacity(name, columns, 0)
    }

    /// [`Frame::with`], with room for `rows` rows (a guess at the text).
    pub fn with_capacity(name: &'static str, columns: &[ColumnDef], rows: usize) -> Frame {
        let columns = columns
            .iter()
            .map(|&(name, kind)| Column {
                name,
                kind,
                values: Values::of(kind, rows),
                valid: Vec::with_capacity(rows),
            })
            .collect();
        Frame { name, columns, rows: 0, next: 0 }
    }

    /// The number of complete rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Sets the row count of a frame filled a column at a time.
    pub(crate) fn set_rows(&mut self, rows: usize) {
        assert!(self.columns.iter().all(|c| c.valid.len() == rows), "columns of unequal length");
        self.rows = rows;
    }

    /// The column named `name`, to be filled whole (see
    /// [`Frame::fill_text`]).
    fn column_to_fill(&mut self, name: &str) -> &mut Column {
        assert_eq!(self.next, 0, "a frame is filled a column at a time between rows");
        let col = self.columns.iter_mut().find(|c| c.name == name);
        col.unwrap_or_else(|| panic!("no column `{name}`"))
    }

    /// Appends text cells to column `name` of a frame filled a column at
    /// a time, then closed with [`Frame::set_rows`]: for large tables,
    /// whose cells are gathered a column at a time anyway, without the
    /// work of finding each cell's column.
    pub(crate) fn fill_text<'s>(&mut self, name: &str, cells: impl Iterator<Item = &'s str>) {
        let col = self.column_to_fill(name);
        let Values::Text { offsets, bytes } = &mut col.values else {
            panic!("column `{name}` takes no text")
        };
        for s in cells {
            bytes.extend_from_slice(s.as_bytes());
            offsets.push(bytes.len() as i64);
        }
        col.valid.resize(offsets.len() - 1, true);
    }

    /// [`Frame::fill_text`] of whole numbers, times or days.
    pub(crate) fn fill_int(&mut self, name: &str, cells: impl Iterator<Item = i64>) {
        let col = self.column_to_fill(name);
        let Values::Int(v) = &mut col.values else { panic!("column `{name}` takes no integer") };
        v.extend(cells);
        col.valid.resize(v.len(), true);
    }

    /// [`Frame::fill_text`] of flags.
    pub(crate) fn fill_flag(&mut self, name: &str, cells: impl Iterator<Item = bool>) {
        let col = self.column_to_fill(name);
        let Values::Flag(v) = &mut col.values else { panic!("column `{name}` takes no flag") };
        v.extend(cells);
        col.valid.resize(v.len(), true);
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The next cell's column; a row ends with its last cell.
    fn cell(&mut self, valid: bool) -> &mut Column {
        let i = self.next;
        self.next += 1;
        if self.next == self.columns.len() {
            self.next = 0;
            self.rows += 1;
        }
        let col = &mut self.columns[i];
        col.valid.push(valid);
        col
    }

    /// A text cell.
    pub fn text(&mut self, s: &str) -> &mut Self {
        let col = self.cell(true);
        match &mut col.values {
            Values::Text { offsets, bytes } => {
                bytes.extend_from_slice(s.as_bytes());
                offsets.push(bytes.len() as i64);
            }
            _ => panic!("column `{}` takes no text", col.name),
        }
        self
    }

    /// A text cell, null when `None` or empty (CSV cannot tell them apart).
    pub fn opt_text(&mut self, s: Option<&str>) -> &mut Self {
        match s.filter(|s| !s.is_empty()) {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    /// A whole number, a time or duration in microseconds, or a day.
    pub fn int(&mut self, n: i64) -> &mut Self {
        let col = self.cell(true);
        match &mut col.values {
            Values::Int(v) => v.push(n),
            _ => panic!("column `{}` takes no integer", col.name),
        }
        self
    }

    /// [`Frame::int`], null when `None`.
    pub fn opt_int(&mut self, n: Option<i64>) -> &mut Self {
        match n {
            Some(n) => self.int(n),
            None => self.null(),
        }
    }

    /// A count.
    pub fn count(&mut self, n: impl TryInto<i64>) -> &mut Self {
        self.int(n.try_into().unwrap_or(i64::MAX))
    }

    /// A number; in a [`Kind::Real`] column, a number that is not finite
    /// is a null.
    pub fn float(&mut self, x: f64) -> &mut Self {
        if self.columns[self.next].kind == Kind::Real && !x.is_finite() {
            return self.null();
        }
        let col = self.cell(true);
        match &mut col.values {
            Values::Float(v) => v.push(x),
            _ => panic!("column `{}` takes no number", col.name),
        }
        self
    }

    /// [`Frame::float`], null when `None`.
    pub fn opt_float(&mut self, x: Option<f64>) -> &mut Self {
        match x {
            Some(x) => self.float(x),
            None => self.null(),
        }
    }

    /// A flag.
    pub fn flag(&mut self, b: bool) -> &mut Self {
        let col = self.cell(true);
        match &mut col.values {
            Values::Flag(v) => v.push(b),
            _ => panic!("column `{}` takes no flag", col.name),
        }
        self
    }

    /// [`Frame::flag`], null when `None`.
    pub fn opt_flag(&mut self, b: Option<bool>) -> &mut Self {
        match b {
            Some(b) => self.flag(b),
            None => self.null(),
        }
    }

    /// A null cell.
    pub fn null(&mut self) -> &mut Self {
        let col = self.cell(false);
        match &mut col.values {
            Values::Text { offsets, bytes } => offsets.push(bytes.len() as i64),
            Values::Int(v) => v.push(0),
            Values::Float(v) => v.push(0.0),
            Values::Flag(v) => v.push(false),
        }
        self
    }

    /// Appends `other`'s rows (a frame of the same columns).
    pub fn append(&mut self, other: Frame) {
        assert_eq!(self.next, 0, "a frame is appended to between rows");
        for (c, o) in self.columns.iter_mut().zip(other.columns) {
            assert_eq!(c.name, o.name, "frames of different columns");
            c.valid.extend(o.valid);
            match (&mut c.values, o.values) {
                (Values::Text { offsets, bytes }, Values::Text { offsets: oo, bytes: ob }) => {
                    let base = bytes.len() as i64;
                    offsets.extend(oo[1..].iter().map(|&x| x + base));
                    bytes.extend(ob);
                }
                (Values::Int(v), Values::Int(o)) => v.extend(o),
                (Values::Float(v), Values::Float(o)) => v.extend(o),
                (Values::Flag(v), Values::Flag(o)) => v.extend(o),
                _ => panic!("column `{}` of different kinds", c.name),
            }
        }
        self.rows += other.rows;
    }

    /// The header line, as CSV writes it.
    pub fn csv_header(&self, out: &mut Vec<u8>) {
        let mut row = Row::new(out);
        for c in &self.columns {
            row.text(c.name);
        }
        row.end();
    }

    /// The rows as CSV, without the header (`guard`: cells of input text
    /// behind the formula guard).
    pub fn csv_rows(&self, out: &mut Vec<u8>, guard: bool) {
        assert_eq!(self.next, 0, "a frame is written between rows");
        for i in 0..self.rows {
            let mut row = Row::new(out);
            for c in &self.columns {
                c.cell(i, &mut row, guard);
            }
            row.end();
        }
    }

    /// About how many bytes [`Frame::csv_rows`] writes (rarely fewer):
    /// room for the rows, so that the buffer is not copied as it grows.
    pub fn csv_len_hint(&self) -> usize {
        let cells: usize = self
            .columns
            .iter()
            .map(|c| match &c.values {
                // Text, a separator and room for quotes or the guard.
                Values::Text { bytes, .. } => bytes.len() + self.rows * 4,
                // The longest common cell: an ISO time with microseconds.
                _ => self.rows * 28,
            })
            .sum();
        cells + self.rows
    }

    /// The table as CSV, header first.
    pub fn csv(&self, guard: bool) -> Vec<u8> {
        let mut out = Vec::new();
        self.csv_header(&mut out);
        self.csv_rows(&mut out, guard);
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A table of every kind, for the tests of frames and their files.
    pub(crate) const EVERY_KIND: Schema = Schema {
        name: "every_kind",
        file: "every_kind.csv",
        parquet: "every_kind.parquet",
        columns: &[
            ("a", Kind::Input),
            ("n", Kind::Int),
            ("x", Kind::Real),
            ("p", Kind::Sci),
            ("t", Kind::Utc),
            ("s", Kind::Seconds),
            ("f", Kind::Flag),
            ("b", Kind::Bool),
            ("d", Kind::Day),
            ("k", Kind::Fixed(2)),
        ],
    };

    fn row(f: &mut Frame, a: &str, n: i64, x: f64) {
        f.text(a).int(n).float(x).float(0.000123).int(1_500_000).int(-2_500_000);
        f.flag(true).flag(false).int(19_000).float(1.0 / 3.0);
    }

    #[test]
    fn cells_are_written_as_csv_writes_them() {
        let mut f = Frame::new(&EVERY_KIND);
        row(&mut f, "=x,y", 3, 0.5);
        f.null().null().float(f64::NAN).null().null().null().null().null().null().null();
        assert_eq!(f.rows(), 2);
        assert_eq!(
            String::from_utf8(f.csv(true)).unwrap(),
            "a,n,x,p,t,s,f,b,d,k\n\"'=x,y\",3,0.5,1.230000e-4,1970-01-01T00:00:01.5Z,-2.5,1,false,2022-01-08,0.33\n,,,,,,,,,\n"
        );
        assert_eq!(f.columns[2].valid, [true, false], "NaN in a Real column is a null");
    }

    #[test]
    fn appended_frames_equal_one_frame() {
        let (mut one, mut a, mut b) =
            (Frame::new(&EVERY_KIND), Frame::new(&EVERY_KIND), Frame::new(&EVERY_KIND));
        for (i, s) in ["p", "", "qq", "r"].into_iter().enumerate() {
            row(&mut one, s, i as i64, i as f64);
            row(if i < 2 { &mut a } else { &mut b }, s, i as i64, i as f64);
        }
        a.append(b);
        assert_eq!(a, one);
        assert_eq!(a.column("a").unwrap().str(2), "qq");
    }
}
