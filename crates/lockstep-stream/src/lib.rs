//! The live sources of `lockstep watch`: what a stream's server sends,
//! turned into records (JSON lines that lockstep's format readers read),
//! with the server's outages, duplicates and bad events dealt with here.
//!
//! - [`jetstream`]: Bluesky's Jetstream over a WebSocket. Resumes from its
//!   cursor (a microsecond time) after a lost connection and drops what it
//!   had already delivered.
//! - [`mastodon`]: a Mastodon server's streaming API (server-sent events).
//!   The streaming API has no cursor: after a lost connection, the gap is
//!   read from the matching timeline (`min_id` pages), and statuses seen
//!   twice are dropped.
//! - [`lines`]: JSON lines from standard input or a file, which may still
//!   be growing.
//!
//! A source runs on a thread of its own ([`spawn`]) and sends [`Item`]s:
//! records, the events it left out and why, and notes on what it is doing.
//! It never prints; the caller says what it wants to.

pub mod http;
pub mod jetstream;
pub mod lines;
pub mod mastodon;
pub mod net;

use std::sync::mpsc::{Receiver, SyncSender};
use std::time::Duration;

/// What a source sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A record: one line (a JSON value, for the network sources) without
    /// its newline; its time (microseconds since 1970) where the source
    /// knows it.
    Record { line: Vec<u8>, time_us: Option<i64> },
    /// An event left out, with the reason it is counted under and the
    /// start of the event.
    Skip { reason: &'static str, detail: String },
    /// What the source is doing: connecting, reconnecting, resuming.
    Note(String),
}

/// Why a source stopped.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("{0}")]
    Url(String),
    #[error("`{url}`: {source}")]
    Io {
        url: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{url}`: TLS: {message}")]
    Tls { url: String, message: String },
    /// The server's certificate is not one a trusted authority vouches
    /// for: waiting will not change that.
    #[error(
        "`{url}`: TLS: the server's certificate is not trusted ({message}); if the server's \
         authority is a private one, or the network inspects TLS, name its certificate with \
         `--ca-file`"
    )]
    Untrusted { url: String, message: String },
    /// A file of certificate authorities that cannot be used.
    #[error("`{path}`: {message}")]
    CaFile { path: std::path::PathBuf, message: String },
    #[error("`{url}`: {message}")]
    Protocol { url: String, message: String },
    /// The server refused in a way that waiting will not change (an
    /// unknown path, a missing or refused access token).
    #[error("`{url}`: the server answered {status}{hint}")]
    Refused { url: String, status: u16, hint: &'static str },
}

impl StreamError {
    /// A server's answer other than success: a refusal that waiting will
    /// not change (400, 401, 403, 404; `hint` says what to do about 401 and
    /// 403), or a failure worth retrying.
    pub(crate) fn answered(url: &url::Url, status: u16, hint: &'static str) -> StreamError {
        match status {
            401 | 403 => StreamError::Refused { url: net::redact(url), status, hint },
            400 | 404 => StreamError::Refused { url: net::redact(url), status, hint: "" },
            _ => StreamError::Protocol {
                url: net::redact(url),
                message: format!("the server answered {status}"),
            },
        }
    }
}

/// How a network source behaves; the defaults suit a live watch.
#[derive(Debug, Clone)]
pub struct Options {
    /// The first wait before reconnecting; doubled after each failed
    /// attempt up to `max_backoff`, and back to this after a connection
    /// that delivered events.
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// A connection silent for this long is checked (a ping), and dropped
    /// if it stays silent as long again.
    pub idle: Duration,
    /// Events larger than this are counted as oversized and left out.
    pub max_event_bytes: usize,
    /// Give up after this many failed connection attempts in a row (`None`:
    /// never).
    pub max_attempts: Option<u32>,
    /// The certificate authorities TLS connections trust.
    pub trust: net::Trust,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            idle: Duration::from_secs(30),
            max_event_bytes: 1 << 20,
            max_attempts: None,
            trust: net::Trust::default(),
        }
    }
}

/// The waits between connection attempts.
#[derive(Debug)]
pub(crate) struct Backoff {
    next: Duration,
    failures: u32,
}

impl Backoff {
    pub(crate) fn new(o: &Options) -> Backoff {
        Backoff { next: o.first_backoff, failures: 0 }
    }

    /// A connection delivered events: the next outage starts afresh.
    pub(crate) fn reset(&mut self, o: &Options) {
        self.next = o.first_backoff;
        self.failures = 0;
    }

    /// The wait before the next attempt, or `None` past `max_attempts`.
    pub(crate) fn wait(&mut self, o: &Options) -> Option<Duration> {
        self.failures += 1;
        if o.max_attempts.is_some_and(|m| self.failures > m) {
            return None;
        }
        let wait = self.next;
        self.next = (self.next * 2).min(o.max_backoff);
        Some(wait)
    }
}

/// After a connection: `outcome` is how it ended (`Ok`) or why it could
/// not be opened (`Err`). Waits before the next attempt, saying so and
/// where it resumes from (`resume`); `Some` is what the source returns
/// instead: the error once attempts run out, `Ok` once nobody listens.
pub(crate) fn retry(
    backoff: &mut Backoff,
    options: &Options,
    url: &url::Url,
    outcome: Result<String, StreamError>,
    resume: &str,
    sink: &Sink,
) -> Option<Result<(), StreamError>> {
    let Some(wait) = backoff.wait(options) else {
        return Some(Err(match outcome {
            Err(e) => e,
            Ok(end) => StreamError::Protocol {
                url: net::redact(url),
                message: format!("gave up reconnecting: {end}"),
            },
        }));
    };
    let why = match outcome {
        Ok(end) => end,
        Err(e) => e.to_string(),
    };
    if sink.note(format!("{why}; reconnecting in {:.1} s{resume}", wait.as_secs_f64())).is_err() {
        return Some(Ok(()));
    }
    std::thread::sleep(wait);
    None
}

/// Where a source sends its items; `send` fails once the receiver is gone,
/// which stops the source.
pub struct Sink(SyncSender<Item>);

/// The receiver went away: stop.
#[derive(Debug)]
pub struct Closed;

impl Sink {
    pub fn send(&self, item: Item) -> Result<(), Closed> {
        self.0.send(item).map_err(|_| Closed)
    }
    pub fn note(&self, note: String) -> Result<(), Closed> {
        self.send(Item::Note(note))
    }
}

/// A source, started by [`spawn`].
pub trait Source: Send + 'static {
    /// Sends the stream's items until it ends (a file not followed) or the
    /// receiver goes away; an error stops the watch.
    fn run(self: Box<Self>, sink: &Sink) -> Result<(), StreamError>;
}

/// A running source: its items, and how it ended.
pub struct Running {
    pub items: Receiver<Item>,
    handle: std::thread::JoinHandle<Result<(), StreamError>>,
}

impl Running {
    /// Stops reading: the source ends at its next item (its thread is left
    /// to finish a read it waits on).
    pub fn stop(self) {
        drop(self.items);
    }

    /// How the source ended, once `items` is exhausted.
    pub fn finish(self) -> Result<(), StreamError> {
        drop(self.items);
        self.handle.join().unwrap_or_else(|_| {
            Err(StreamError::Protocol { url: String::new(), message: "the source panicked".into() })
        })
    }
}

/// Runs `source` on a thread of its own; at most `capacity` items wait in
/// between, so a slow reader slows the source rather than filling memory.
pub fn spawn(source: Box<dyn Source>, capacity: usize) -> Running {
    let (tx, rx) = std::sync::mpsc::sync_channel(capacity);
    let handle = std::thread::Builder::new()
        .name("lockstep-stream".into())
        .spawn(move || {
            let sink = Sink(tx);
            source.run(&sink)
        })
        .unwrap_or_else(|e| panic!("cannot start the stream's thread: {e}"));
    Running { items: rx, handle }
}

/// The first characters of an event, for a skip's example.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    const SHOWN: usize = 120;
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(SHOWN * 4)]);
    let mut shown: String = text.chars().take(SHOWN).collect();
    if bytes.len() > shown.len() {
        shown.push('…');
    }
    shown
}
