use thiserror::Error;

/// Why an input could not be read. Bad input names the file, the line and
/// the field.
#[derive(Debug, Error)]
pub enum IngestError {
    /// A column the format needs is not in the header.
    #[error("`{file}`: missing column(s) {missing}; expected {expected}; found {found}")]
    MissingColumns {
        /// Input name.
        file: String,
        /// Missing columns, in backticks.
        missing: String,
        /// What the format or mapping expects.
        expected: String,
        /// The header as found.
        found: String,
    },
    /// A record that cannot be used (strict mode, or a header problem).
    #[error("`{file}` line {line}, field `{field}`: {message}")]
    BadRecord {
        /// Input name.
        file: String,
        /// 1-based line number.
        line: u64,
        /// Column or field name.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The input has no records.
    #[error("`{file}` is empty: it has no records")]
    Empty {
        /// Input name.
        file: String,
    },
    /// No format recognised the input.
    #[error("`{file}`: cannot tell its format from its first line `{head}`; pass `--format`")]
    UnknownFormat {
        /// Input name.
        file: String,
        /// The first line.
        head: String,
    },
    /// Reading failed.
    #[error("`{file}`: {source}")]
    Io {
        /// Input name.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The configuration does not fit the input.
    #[error("{0}")]
    Config(String),
}
