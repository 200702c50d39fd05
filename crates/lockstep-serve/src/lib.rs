//! `lockstep serve OUT/`: a local web UI and a JSON API over the output
//! folder of a `lockstep detect` run, for an analyst to walk from a cluster
//! to its accounts, from an account to its partners and shared items, and
//! from an edge to the posts behind it.
//!
//! - [`run`] loads the folder and indexes it (pairs.csv stays on disk).
//! - [`api`] answers the queries, as JSON or CSV tables.
//! - [`http`] serves them and the UI on loopback, behind a guard.
//! - [`assets`] holds the UI: HTML, CSS, the app's script and the vendored
//!   graph libraries (sigma.js, graphology), compiled into the binary.
//!
//! Posts are written by adversaries: the UI puts every value into the page
//! as text (never as markup), a Content-Security-Policy allows only this
//! server's own scripts, and links in posts are shown, not followed.
#![warn(missing_docs)]

pub mod api;
pub mod assets;
pub mod http;
pub mod run;

pub use http::Server;
pub use run::Run;

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why a run could not be served or a query answered.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A file of the output folder could not be read.
    #[error("`{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not what `lockstep detect` writes.
    #[error("`{path}`: {message}; is it the folder of a `lockstep detect` run?")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file of the run could not be read as what `lockstep detect` writes.
    #[error(transparent)]
    Run(#[from] lockstep_report::ReportError),
    /// The address could not be bound or served.
    #[error("cannot serve on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A query's parameters are wrong.
    #[error("{0}")]
    BadRequest(String),
    /// A query names what the run does not have.
    #[error("{0}")]
    NotFound(String),
}
