//! Bluesky's Jetstream over a WebSocket (`wss://…/subscribe`).
//!
//! Each text message is one event, the JSON line lockstep's
//! `bluesky-jetstream` reader reads. An event's `time_us` is Jetstream's
//! cursor, and an instance sends its events in `time_us` order; so after a
//! lost connection the watch reconnects with `cursor` set to the last
//! event it delivered, and drops what the server sends again: events
//! before that time, and events at that time it has already delivered.
//! Before the first event there is no cursor: a connection lost then
//! resumes at the live tip.

use crate::net::{redact, timed_out, Conn};
use crate::{excerpt, retry, Backoff, Closed, Item, Options, Sink, Source, StreamError};
use lockstep_model::time::fmt_iso;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};
use url::Url;

/// The collections lockstep reads, for a URL that names none: Jetstream
/// sends every collection otherwise (follows, blocks, lists, ...).
pub const COLLECTIONS: [&str; 4] =
    ["app.bsky.feed.post", "app.bsky.feed.repost", "app.bsky.feed.like", "app.bsky.actor.profile"];

/// A Jetstream subscription.
pub struct Jetstream {
    url: Url,
    options: Options,
    /// Where a resumed connection starts: the last delivered event's time.
    cursor: Option<i64>,
    /// Hashes of the delivered events at `cursor`, which a resumed
    /// connection sends again.
    at_cursor: HashSet<u64>,
}

impl Jetstream {
    /// A subscription to `url`; where the URL names no
    /// `wantedCollections`, `collections` are asked for. Its `cursor`, if
    /// any, is where the stream starts.
    pub fn new(
        url: &str,
        collections: &[&str],
        options: Options,
    ) -> Result<Jetstream, StreamError> {
        let mut url = Url::parse(url).map_err(|e| StreamError::Url(format!("`{url}`: {e}")))?;
        if !matches!(url.scheme(), "ws" | "wss") {
            return Err(StreamError::Url(format!("`{url}`: a Jetstream URL starts `wss://`")));
        }
        let mut cursor = None;
        for (k, v) in url.query_pairs() {
            if k == "cursor" {
                cursor = Some(v.parse::<i64>().map_err(|_| {
                    StreamError::Url(format!(
                        "`{url}`: `cursor` is a time in microseconds since 1970, not `{v}`"
                    ))
                })?);
            }
        }
        if !url.query_pairs().any(|(k, _)| k == "wantedCollections") {
            let mut q = url.query_pairs_mut();
            for c in collections {
                q.append_pair("wantedCollections", c);
            }
        }
        Ok(Jetstream { url, options, cursor, at_cursor: HashSet::new() })
    }

    /// The URL a connection opens now: the subscription's, `cursor` set to
    /// where to resume.
    pub fn url_now(&self) -> Url {
        let mut url = self.url.clone();
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "cursor")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        {
            let mut q = url.query_pairs_mut();
            q.clear().extend_pairs(kept);
            if let Some(c) = self.cursor {
                q.append_pair("cursor", &c.to_string());
            }
        }
        url
    }

    fn connect(&self) -> Result<WebSocket<Conn>, StreamError> {
        let url = self.url_now();
        let conn = Conn::open(&url, self.options.idle, &self.options.trust)?;
        // Past tungstenite's limit a connection fails; below it, events
        // larger than `max_event_bytes` are counted and left out.
        let limit = self.options.max_event_bytes.max(1 << 20) * 16;
        let config =
            WebSocketConfig::default().max_message_size(Some(limit)).max_frame_size(Some(limit));
        match tungstenite::client::client_with_config(url.as_str(), conn, Some(config)) {
            Ok((ws, _)) => Ok(ws),
            Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(response))) => {
                Err(StreamError::answered(&url, response.status().as_u16(), ""))
            }
            Err(e) => {
                Err(StreamError::Protocol { url: redact(&url), message: format!("handshake: {e}") })
            }
        }
    }

    /// One event: sent on as a record, counted as bad, or dropped as one
    /// already delivered. Whether it was new.
    fn event(&mut self, bytes: &[u8], sink: &Sink) -> Result<Event, Closed> {
        #[derive(serde::Deserialize)]
        struct Head {
            time_us: Option<i64>,
        }
        let head = serde_json::from_slice::<Head>(bytes);
        let Ok(Head { time_us: Some(t) }) = head else {
            let reason = if head.is_ok() { "no time_us" } else { "not JSON" };
            sink.send(Item::Skip { reason, detail: excerpt(bytes) })?;
            return Ok(Event::Skipped);
        };
        let hash = {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            bytes.hash(&mut h);
            h.finish()
        };
        match self.cursor {
            Some(c) if t < c => return Ok(Event::Again),
            Some(c) if t == c && self.at_cursor.contains(&hash) => return Ok(Event::Again),
            Some(c) if t == c => {}
            _ => self.at_cursor.clear(),
        }
        self.cursor = Some(t);
        self.at_cursor.insert(hash);
        if bytes.len() > self.options.max_event_bytes {
            sink.send(Item::Skip { reason: "oversized", detail: excerpt(bytes) })?;
            return Ok(Event::Skipped);
        }
        sink.send(Item::Record { line: bytes.to_vec(), time_us: Some(t) })?;
        Ok(Event::New)
    }

    /// Reads one connection until it ends: how many new events it gave (or
    /// skipped), how many it sent again, and why it ended.
    fn read(
        &mut self,
        ws: &mut WebSocket<Conn>,
        sink: &Sink,
    ) -> Result<(u64, u64, String), Closed> {
        let (mut new, mut again) = (0u64, 0u64);
        let mut silent = false;
        let end = loop {
            match ws.read() {
                Ok(Message::Text(text)) => {
                    silent = false;
                    match self.event(text.as_bytes(), sink)? {
                        Event::New | Event::Skipped => new += 1,
                        Event::Again => again += 1,
                    }
                }
                Ok(Message::Binary(bytes)) => {
                    silent = false;
                    new += 1;
                    sink.send(Item::Skip { reason: "binary message", detail: excerpt(&bytes) })?;
                }
                Ok(Message::Close(frame)) => {
                    break match frame {
                        Some(f) => format!("the server closed the connection ({})", f.reason),
                        None => "the server closed the connection".to_string(),
                    };
                }
                Ok(_) => silent = false,
                Err(tungstenite::Error::Io(e)) if timed_out(&e) => {
                    if silent {
                        let waited = 2.0 * self.options.idle.as_secs_f64();
                        break format!("nothing came for {waited:.1} s");
                    }
                    // Quiet for a while: a ping tells a live server from a
                    // dead connection.
                    silent = true;
                    if ws.send(Message::Ping(Vec::new().into())).is_err() {
                        break "the connection failed".to_string();
                    }
                }
                Err(e) => break format!("the connection failed: {e}"),
            }
        };
        Ok((new, again, end))
    }
}

enum Event {
    New,
    Skipped,
    Again,
}

impl Source for Jetstream {
    fn run(mut self: Box<Self>, sink: &Sink) -> Result<(), StreamError> {
        let mut backoff = Backoff::new(&self.options);
        let Ok(()) = sink.note(format!("connecting to {}", redact(&self.url_now()))) else {
            return Ok(());
        };
        loop {
            let outcome = match self.connect() {
                Ok(mut ws) => {
                    let from = match self.cursor {
                        Some(c) => format!(" from cursor {c} ({})", fmt_iso(c)),
                        None => " at the live tip".to_string(),
                    };
                    let Ok(()) = sink.note(format!("connected{from}")) else { return Ok(()) };
                    let Ok((new, again, end)) = self.read(&mut ws, sink) else { return Ok(()) };
                    let _ = ws.close(None);
                    if new > 0 {
                        backoff.reset(&self.options);
                    }
                    let dropped = if again > 0 {
                        format!("; {again} events sent again were dropped")
                    } else {
                        String::new()
                    };
                    Ok(format!("{end} after {new} new events{dropped}"))
                }
                Err(e @ (StreamError::Refused { .. } | StreamError::Untrusted { .. })) => {
                    return Err(e)
                }
                Err(e) => Err(e),
            };
            let resume = self.cursor.map_or_else(String::new, |c| format!(" from cursor {c}"));
            if let Some(end) = retry(&mut backoff, &self.options, &self.url, outcome, &resume, sink)
            {
                return end;
            }
        }
    }
}
