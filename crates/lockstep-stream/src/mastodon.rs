//! A Mastodon server's streaming API: server-sent events over HTTP
//! (`https://server/api/v1/streaming/public`, `.../public/local`,
//! `.../hashtag?tag=...`, `.../user`, `.../list?list=...`).
//!
//! An `update` event's data is a status, the JSON lockstep's `mastodon`
//! reader reads. The streaming API keeps no cursor, so after a lost
//! connection the watch reads what it missed from the stream's timeline
//! (`/api/v1/timelines/...?min_id=` the last status it delivered, page
//! after page) once the new connection is open, and drops the statuses it
//! sees twice. An access token, where the server wants one, comes from the
//! caller (lockstep reads `LOCKSTEP_MASTODON_TOKEN`) and is sent as a
//! bearer token, never shown.

use crate::http::{self, Body};
use crate::net::{redact, timed_out};
use crate::{excerpt, retry, Backoff, Closed, Item, Options, Sink, Source, StreamError};
use std::collections::{HashSet, VecDeque};
use std::io::{BufRead, BufReader};
use url::Url;

/// Statuses remembered to drop repeats: the last this many delivered.
const REMEMBERED: usize = 100_000;
/// A timeline page's size (Mastodon's maximum).
const PAGE: usize = 40;
/// The most pages read to fill one gap; a longer gap is reported.
const MAX_PAGES: usize = 250;

/// A subscription to a Mastodon stream.
pub struct Mastodon {
    url: Url,
    /// The timeline with the same statuses, for filling gaps.
    timeline: Url,
    token: Option<String>,
    options: Options,
    /// The newest status id delivered (ids grow with time).
    last: Option<String>,
    seen: HashSet<String>,
    order: VecDeque<String>,
}

impl Mastodon {
    pub fn new(
        url: &str,
        token: Option<String>,
        options: Options,
    ) -> Result<Mastodon, StreamError> {
        let url = Url::parse(url).map_err(|e| StreamError::Url(format!("`{url}`: {e}")))?;
        let timeline = timeline_of(&url)?;
        Ok(Mastodon {
            url,
            timeline,
            token,
            options,
            last: None,
            seen: HashSet::new(),
            order: VecDeque::new(),
        })
    }

    /// The stream's URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    fn headers(&self, accept: &'static str) -> Vec<(&'static str, String)> {
        let mut h = vec![("Accept", accept.to_string())];
        if let Some(t) = &self.token {
            h.push(("Authorization", format!("Bearer {t}")));
        }
        h
    }

    fn get(&self, url: &Url, accept: &'static str) -> Result<Body, StreamError> {
        let headers = self.headers(accept);
        let pairs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = http::get(url, &pairs, self.options.idle, &self.options.trust)?;
        match response.status {
            200 => Ok(response.body),
            s => Err(StreamError::answered(
                url,
                s,
                " (this server wants an access token: set LOCKSTEP_MASTODON_TOKEN)",
            )),
        }
    }

    /// A status, unless it was delivered already.
    fn status(&mut self, data: &[u8], sink: &Sink) -> Result<bool, Closed> {
        #[derive(serde::Deserialize)]
        struct Head {
            id: Option<String>,
            created_at: Option<String>,
        }
        if data.len() > self.options.max_event_bytes {
            sink.send(Item::Skip { reason: "oversized", detail: excerpt(data) })?;
            return Ok(true);
        }
        let head = serde_json::from_slice::<Head>(data);
        let Ok(Head { id: Some(id), created_at }) = head else {
            let reason = if head.is_ok() { "no id" } else { "not JSON" };
            sink.send(Item::Skip { reason, detail: excerpt(data) })?;
            return Ok(true);
        };
        if self.seen.contains(&id) {
            return Ok(false);
        }
        if self.last.as_ref().is_none_or(|l| newer(&id, l)) {
            self.last = Some(id.clone());
        }
        self.seen.insert(id.clone());
        self.order.push_back(id);
        if self.order.len() > REMEMBERED {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        let time_us =
            created_at.as_deref().and_then(|t| lockstep_ingest::timestamp::parse_timestamp(t).ok());
        sink.send(Item::Record { line: data.to_vec(), time_us })?;
        Ok(true)
    }

    /// Reads what the stream missed since the last status delivered.
    fn fill_gap(&mut self, sink: &Sink) -> Result<Result<u64, StreamError>, Closed> {
        let mut filled = 0;
        for _ in 0..MAX_PAGES {
            let Some(last) = self.last.clone() else { return Ok(Ok(filled)) };
            let mut url = self.timeline.clone();
            url.query_pairs_mut()
                .append_pair("min_id", &last)
                .append_pair("limit", &PAGE.to_string());
            let page = match self.get(&url, "application/json") {
                Ok(body) => body.read_all(64 << 20),
                Err(e) => return Ok(Err(e)),
            };
            let page = match page {
                Ok(p) => p,
                Err(source) => return Ok(Err(StreamError::Io { url: redact(&url), source })),
            };
            let Ok(statuses) =
                serde_json::from_slice::<Vec<Box<serde_json::value::RawValue>>>(&page)
            else {
                return Ok(Err(StreamError::Protocol {
                    url: redact(&url),
                    message: format!("a timeline page that is not a JSON list: {}", excerpt(&page)),
                }));
            };
            // A page holds the statuses just after `min_id`, newest first.
            for s in statuses.iter().rev() {
                if self.status(s.get().as_bytes(), sink)? {
                    filled += 1;
                }
            }
            if statuses.len() < PAGE || self.last.as_deref() == Some(last.as_str()) {
                return Ok(Ok(filled));
            }
        }
        sink.note(format!(
            "the gap was longer than {} statuses; the rest of it is not read",
            MAX_PAGES * PAGE
        ))?;
        Ok(Ok(filled))
    }

    /// Reads the events of one connection until it ends; how many new
    /// statuses and skipped events it gave, and why it ended.
    fn read(&mut self, body: Body, sink: &Sink) -> Result<(u64, String), Closed> {
        let mut reader = BufReader::with_capacity(256 * 1024, body);
        let (mut event, mut data) = (String::new(), Vec::new());
        let mut line = Vec::new();
        let mut new = 0;
        let cap = self.options.max_event_bytes + 4096;
        let end = loop {
            line.clear();
            match read_line_capped(&mut reader, &mut line, cap) {
                Ok((0, _)) => break "the server closed the stream".to_string(),
                Ok((_, true)) => {
                    // Too long to keep: counted, and the event dropped.
                    new += 1;
                    sink.send(Item::Skip { reason: "oversized", detail: excerpt(&line) })?;
                    event.clear();
                    data.clear();
                    continue;
                }
                Ok(_) => {}
                Err(e) if timed_out(&e) => {
                    // Mastodon sends a comment every few seconds: silence
                    // means a dead connection.
                    break format!("nothing came for {:.1} s", self.options.idle.as_secs_f64());
                }
                Err(e) => break format!("the connection failed: {e}"),
            }
            let text = line.strip_suffix(b"\n").unwrap_or(&line);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            if text.is_empty() {
                if !data.is_empty() || !event.is_empty() {
                    new += u64::from(self.dispatch(&event, &data, sink)?);
                }
                event.clear();
                data.clear();
                continue;
            }
            if text.starts_with(b":") {
                continue;
            }
            let (field, value) = match text.iter().position(|&b| b == b':') {
                Some(i) => (&text[..i], text[i + 1..].strip_prefix(b" ").unwrap_or(&text[i + 1..])),
                None => (text, &b""[..]),
            };
            match field {
                b"event" => event = String::from_utf8_lossy(value).into_owned(),
                b"data" => {
                    if !data.is_empty() {
                        data.push(b'\n');
                    }
                    data.extend_from_slice(value);
                }
                _ => {}
            }
        };
        Ok((new, end))
    }

    /// One event; whether it was new.
    fn dispatch(&mut self, event: &str, data: &[u8], sink: &Sink) -> Result<bool, Closed> {
        let reason = match event {
            "update" => return self.status(data, sink),
            "status.update" => "edited status (its first version was read)",
            "delete" => "deletion",
            _ => "other event",
        };
        sink.send(Item::Skip { reason, detail: format!("{event}: {}", excerpt(data)) })?;
        Ok(true)
    }
}

impl Source for Mastodon {
    fn run(mut self: Box<Self>, sink: &Sink) -> Result<(), StreamError> {
        let mut backoff = Backoff::new(&self.options);
        let Ok(()) = sink.note(format!("connecting to {}", redact(&self.url))) else {
            return Ok(());
        };
        loop {
            let url = self.url.clone();
            let outcome = match self.get(&url, "text/event-stream") {
                Ok(body) => {
                    let Ok(()) = sink.note("connected".to_string()) else { return Ok(()) };
                    // Open first, then fill the gap, so that nothing falls
                    // between the timeline's last page and the stream.
                    let filled = match self.fill_gap(sink) {
                        Ok(f) => f,
                        Err(Closed) => return Ok(()),
                    };
                    let filled_in = *filled.as_ref().unwrap_or(&0);
                    match filled {
                        Ok(0) => {}
                        Ok(n) => {
                            let Ok(()) =
                                sink.note(format!("read {n} missed statuses from the timeline"))
                            else {
                                return Ok(());
                            };
                        }
                        Err(e) => {
                            let Ok(()) =
                                sink.note(format!("could not read the missed statuses: {e}"))
                            else {
                                return Ok(());
                            };
                        }
                    }
                    let Ok((new, end)) = self.read(body, sink) else { return Ok(()) };
                    let new = new + filled_in;
                    if new > 0 {
                        backoff.reset(&self.options);
                    }
                    Ok(format!("{end} after {new} new events"))
                }
                Err(e @ (StreamError::Refused { .. } | StreamError::Untrusted { .. })) => {
                    return Err(e)
                }
                Err(e) => Err(e),
            };
            if let Some(end) = retry(&mut backoff, &self.options, &self.url, outcome, "", sink) {
                return end;
            }
        }
    }
}

/// Whether status id `a` is newer than `b`: ids are numbers that grow
/// with time, compared as such without a size limit.
fn newer(a: &str, b: &str) -> bool {
    (a.len(), a) > (b.len(), b)
}

/// The timeline that holds a stream's statuses.
fn timeline_of(url: &Url) -> Result<Url, StreamError> {
    let path = url.path().trim_end_matches('/');
    let Some(stream) = path.strip_prefix("/api/v1/streaming") else {
        return Err(StreamError::Url(format!(
            "`{}`: a Mastodon stream's path starts `/api/v1/streaming`",
            redact(url)
        )));
    };
    let param =
        |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    // `/api/v1/streaming?stream=public:local` names the stream in a
    // parameter; the paths name it with slashes.
    let name = match stream.trim_start_matches('/') {
        "" => param("stream").unwrap_or_default().replace(':', "/"),
        s => s.to_string(),
    };
    let mut timeline = url.clone();
    timeline.set_query(None);
    let (path, extra): (String, Option<(&str, &str)>) = match name.as_str() {
        "public" => ("/api/v1/timelines/public".into(), None),
        "public/local" => ("/api/v1/timelines/public".into(), Some(("local", "true"))),
        "public/remote" => ("/api/v1/timelines/public".into(), Some(("remote", "true"))),
        "hashtag" | "hashtag/local" => {
            let tag = param("tag").ok_or_else(|| {
                StreamError::Url(format!("`{}`: a hashtag stream needs `tag=`", redact(url)))
            })?;
            let local = name.ends_with("local");
            (format!("/api/v1/timelines/tag/{tag}"), local.then_some(("local", "true")))
        }
        "user" => ("/api/v1/timelines/home".into(), None),
        "list" => {
            let list = param("list").ok_or_else(|| {
                StreamError::Url(format!("`{}`: a list stream needs `list=`", redact(url)))
            })?;
            (format!("/api/v1/timelines/list/{list}"), None)
        }
        other => {
            return Err(StreamError::Url(format!(
                "`{}`: the stream `{other}` is not one of public, public/local, public/remote, hashtag, hashtag/local, user, list",
                redact(url)
            )))
        }
    };
    timeline.set_path(&path);
    {
        let mut q = timeline.query_pairs_mut();
        if let Some((k, v)) = extra {
            q.append_pair(k, v);
        }
        if let Some(t) = param("access_token") {
            q.append_pair("access_token", &t);
        }
    }
    if timeline.query() == Some("") {
        timeline.set_query(None);
    }
    Ok(timeline)
}

/// Reads a line (with its newline) into `buf`, keeping at most `cap`
/// bytes and passing over the rest; the bytes read and whether it was cut.
fn read_line_capped(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<(usize, bool)> {
    let (mut read, mut cut) = (0, false);
    loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            return Ok((read, cut));
        }
        let (take, done) = match memchr::memchr(b'\n', avail) {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        let room = cap.saturating_sub(buf.len()).min(take);
        buf.extend_from_slice(&avail[..room]);
        cut |= room < take;
        r.consume(take);
        read += take;
        if done {
            return Ok((read, cut));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_map_to_their_timelines() {
        let t = |u: &str| timeline_of(&Url::parse(u).unwrap()).map(|t| t.to_string());
        assert_eq!(
            t("https://m.example/api/v1/streaming/public").unwrap(),
            "https://m.example/api/v1/timelines/public"
        );
        assert_eq!(
            t("https://m.example/api/v1/streaming/public/local").unwrap(),
            "https://m.example/api/v1/timelines/public?local=true"
        );
        assert_eq!(
            t("https://m.example/api/v1/streaming/hashtag?tag=wahl").unwrap(),
            "https://m.example/api/v1/timelines/tag/wahl"
        );
        assert_eq!(
            t("https://m.example/api/v1/streaming?stream=hashtag:local&tag=wahl").unwrap(),
            "https://m.example/api/v1/timelines/tag/wahl?local=true"
        );
        assert!(t("https://m.example/api/v1/streaming/hashtag").is_err());
        assert!(t("https://m.example/api/v1/timelines/public").is_err());
    }

    #[test]
    fn status_ids_compare_as_numbers() {
        assert!(newer("110000000000000001", "99999999999999999"));
        assert!(!newer("99", "100"));
        assert!(!newer("100", "100"));
    }

    #[test]
    fn long_lines_are_cut_and_passed_over() {
        let input = b"short\nxxxxxxxxxxxxxxxxxxxx\nnext\n";
        let mut r = std::io::BufReader::with_capacity(4, &input[..]);
        let mut buf = Vec::new();
        assert_eq!(read_line_capped(&mut r, &mut buf, 8).unwrap(), (6, false));
        buf.clear();
        assert_eq!(read_line_capped(&mut r, &mut buf, 8).unwrap(), (21, true));
        assert_eq!(buf, b"xxxxxxxx");
        buf.clear();
        assert_eq!(read_line_capped(&mut r, &mut buf, 8).unwrap(), (5, false));
        assert_eq!(buf, b"next\n");
    }
}
