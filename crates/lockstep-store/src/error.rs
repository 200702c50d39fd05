use thiserror::Error;

/// Why a dataset could not be written or read. Problems inside a table name
/// the file, the row and the field.
#[derive(Debug, Error)]
pub enum StoreError {
    /// Reading or writing a file failed.
    #[error("`{path}`: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The Parquet library refused a table.
    #[error("`{path}`: cannot read or write it as Parquet: {source}")]
    Parquet {
        /// The file.
        path: String,
        /// The Parquet error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A file is not what the manifest or the schema says it is.
    #[error("`{path}`: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// One row holds a value that cannot be.
    #[error("`{path}` row {row}, field `{field}`: {message}")]
    BadRow {
        /// The table file.
        path: String,
        /// 0-based row (the id, for the dimension tables).
        row: u64,
        /// The column.
        field: String,
        /// What is wrong.
        message: String,
    },
}

impl StoreError {
    pub(crate) fn invalid(path: &std::path::Path, message: impl Into<String>) -> Self {
        StoreError::Invalid { path: path.display().to_string(), message: message.into() }
    }
    pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| StoreError::Io { path: path.display().to_string(), source }
    }
    pub(crate) fn parquet(
        path: &std::path::Path,
    ) -> impl FnOnce(parquet::errors::ParquetError) -> Self + '_ {
        move |source| StoreError::Parquet { path: path.display().to_string(), source }
    }
}
