//! Local servers that replay recorded streams for the tests of `lockstep
//! watch`'s live sources, on 127.0.0.1 only, with the faults of real
//! servers: connections dropped mid-stream, malformed and oversized
//! events, pauses.
//!
//! - [`jetstream`]: Jetstream's `/subscribe` WebSocket, honouring `cursor`
//!   (events at or after it) as Jetstream does.
//! - [`mastodon`]: Mastodon's streaming API (server-sent events, chunked)
//!   and the public timeline's `min_id` pages. Statuses are published as
//!   they are streamed; while no stream is connected after a drop, more are
//!   published that only the timeline shows.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The test authority's certificate (PEM) that signed [`jetstream`]'s
/// certificate for `127.0.0.1` when it serves TLS: what a client names to
/// trust it (`fixtures/tls/README.md`).
pub const TEST_CA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tls/ca.pem");

/// A server's end of a connection, plain or TLS.
enum Served {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

impl Served {
    fn new(tcp: TcpStream, tls: Option<&Arc<rustls::ServerConfig>>) -> std::io::Result<Served> {
        Ok(match tls {
            None => Served::Plain(tcp),
            Some(config) => {
                let conn =
                    rustls::ServerConnection::new(config.clone()).map_err(std::io::Error::other)?;
                Served::Tls(Box::new(rustls::StreamOwned::new(conn, tcp)))
            }
        })
    }

    /// Drops the connection as a failing server does: no close frame, no
    /// TLS close notification.
    fn cut(&self) {
        let tcp = match self {
            Served::Plain(s) => s,
            Served::Tls(s) => &s.sock,
        };
        let _ = tcp.shutdown(std::net::Shutdown::Both);
    }
}

impl Read for Served {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Served::Plain(s) => s.read(buf),
            Served::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Served {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Served::Plain(s) => s.write(buf),
            Served::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Served::Plain(s) => s.flush(),
            Served::Tls(s) => s.flush(),
        }
    }
}

/// TLS with the test certificate for `127.0.0.1`, signed by [`TEST_CA`].
fn test_tls() -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tls");
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(format!("{dir}/server.pem"))
            .and_then(|c| c.collect())
            .expect("the test server's certificate");
    let key = PrivateKeyDer::from_pem_file(format!("{dir}/server.key")).expect("its key");
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("a certificate and its key");
    Arc::new(config)
}

/// A message sent outside the script's events.
#[derive(Debug, Clone)]
pub enum Extra {
    Text(String),
    Binary(Vec<u8>),
}

/// What a replayed Jetstream does.
#[derive(Debug, Clone, Default)]
pub struct JetstreamScript {
    /// The events, JSON with `time_us`, in time order.
    pub events: Vec<String>,
    /// Connection k drops (no close frame) after `drops[k]` events; later
    /// connections send to the end.
    pub drops: Vec<usize>,
    /// Messages sent once each, just before the event at that index.
    pub extras: Vec<(usize, Extra)>,
    /// Once, just before the event at that index, silence for that long.
    pub pause: Option<(usize, Duration)>,
    /// Serve `wss://` with a certificate for `127.0.0.1` that [`TEST_CA`]
    /// signed.
    pub tls: bool,
    /// The events this many times over (0 counts as 1), each pass's
    /// `time_us` past the pass before by [`pass_shift_us`]: a stream as
    /// long as a soak needs from a file of days.
    pub passes: usize,
}

/// How far each pass of [`JetstreamScript::passes`] moves the events'
/// times: their span and a day, so that no horizon of a day or less holds
/// two passes.
pub fn pass_shift_us(events: &[String]) -> i64 {
    let first = events.first().map_or(0, |e| time_us(e));
    let last = events.last().map_or(0, |e| time_us(e));
    last - first + 86_400_000_000
}

/// `event` with its `time_us` moved by `by`.
pub fn shifted(event: &str, by: i64) -> std::borrow::Cow<'_, str> {
    let Some(at) = event.find("\"time_us\":").map(|i| i + 10).filter(|_| by != 0) else {
        return event.into();
    };
    let at = at + (event[at..].len() - event[at..].trim_start().len());
    let end = at + event[at..].find(|c: char| !c.is_ascii_digit()).unwrap_or(event.len() - at);
    format!("{}{}{}", &event[..at], time_us(event) + by, &event[end..]).into()
}

/// A running local server.
pub struct Server {
    pub addr: SocketAddr,
    /// The request targets (path and query) of every connection, in order.
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub fn url(&self, scheme: &str, path: &str) -> String {
        format!("{scheme}://{}{path}", self.addr)
    }
}

/// `"time_us":N` of an event.
pub fn time_us(event: &str) -> i64 {
    let at = event.find("\"time_us\":").map(|i| i + 10).unwrap_or(event.len());
    let digits: String =
        event[at..].trim_start().chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().unwrap_or(-1)
}

/// Serves `script` as Jetstream's `/subscribe`, one connection at a time.
// The handshake's callback is tungstenite's, whose error is a response.
#[allow(clippy::result_large_err)]
pub fn jetstream(script: JetstreamScript) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let addr = listener.local_addr().expect("its address");
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    let tls = script.tls.then(test_tls);
    std::thread::spawn(move || {
        let mut extras = script.extras.clone();
        let mut pause = script.pause;
        for (k, stream) in listener.incoming().enumerate() {
            let Ok(stream) = stream.and_then(|s| Served::new(s, tls.as_ref())) else { continue };
            let mut target = String::new();
            let callback =
                |req: &tungstenite::handshake::server::Request,
                 resp: tungstenite::handshake::server::Response| {
                    target = req.uri().to_string();
                    Ok(resp)
                };
            let Ok(mut ws) = tungstenite::accept_hdr(stream, callback) else { continue };
            seen.lock().unwrap().push(target.clone());
            let cursor = target
                .split(['?', '&'])
                .find_map(|p| p.strip_prefix("cursor="))
                .and_then(|c| c.parse::<i64>().ok());
            let shift = pass_shift_us(&script.events);
            let events = (0..script.passes.max(1) as i64)
                .flat_map(|p| script.events.iter().map(move |e| shifted(e, p * shift)));
            let start = cursor.map_or(0, |c| events.clone().take_while(|e| time_us(e) < c).count());
            let limit = script.drops.get(k).copied().unwrap_or(usize::MAX);
            let mut dropped = false;
            for (sent, (i, event)) in events.enumerate().skip(start).enumerate() {
                if sent == limit {
                    dropped = true;
                    break;
                }
                while let Some(pos) = extras.iter().position(|(at, _)| *at == i) {
                    let (_, extra) = extras.remove(pos);
                    let msg = match extra {
                        Extra::Text(t) => tungstenite::Message::Text(t.into()),
                        Extra::Binary(b) => tungstenite::Message::Binary(b.into()),
                    };
                    if ws.send(msg).is_err() {
                        break;
                    }
                }
                if let Some((at, wait)) = pause {
                    if at == i {
                        pause = None;
                        std::thread::sleep(wait);
                    }
                }
                if ws.send(tungstenite::Message::Text(event.into_owned().into())).is_err() {
                    dropped = true;
                    break;
                }
            }
            if dropped {
                // Gone without a close frame, as a failing server goes.
                ws.get_ref().cut();
            } else {
                let _ = ws.close(None);
                let _ = ws.flush();
                // Let the close handshake finish before the socket goes.
                while ws.read().is_ok() {}
            }
        }
    });
    Server { addr, requests }
}

/// What a replayed Mastodon server does.
#[derive(Debug, Clone, Default)]
pub struct MastodonScript {
    /// Statuses (JSON) and their ids, in publication order.
    pub statuses: Vec<(u64, String)>,
    /// Stream connection k sends `drops[k].0` statuses, then `drops[k].1`
    /// more are published while no stream is connected, then it drops.
    pub drops: Vec<(usize, usize)>,
    /// Raw server-sent events (with their blank line), sent once each
    /// just before the status at that index is streamed.
    pub extras: Vec<(usize, String)>,
    /// Once, just before the status at that index, silence for that long.
    pub pause: Option<(usize, Duration)>,
    /// A bearer token the server wants (401 without it).
    pub token: Option<String>,
    /// Serve `https://` with a certificate for `127.0.0.1` that
    /// [`TEST_CA`] signed.
    pub tls: bool,
}

struct Published {
    script: MastodonScript,
    /// Statuses published so far.
    count: usize,
    streams: usize,
}

/// Serves `script` as a Mastodon server's `/api/v1/streaming/public` and
/// `/api/v1/timelines/public`.
pub fn mastodon(script: MastodonScript) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let addr = listener.local_addr().expect("its address");
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    let tls = script.tls.then(test_tls);
    let state = Arc::new(Mutex::new(Published { script, count: 0, streams: 0 }));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream.and_then(|s| Served::new(s, tls.as_ref())) else { continue };
            let state = state.clone();
            let seen = seen.clone();
            std::thread::spawn(move || serve_mastodon(stream, &state, &seen));
        }
    });
    Server { addr, requests }
}

fn serve_mastodon(stream: Served, state: &Mutex<Published>, seen: &Mutex<Vec<String>>) {
    // The request is read through the buffer; the answer is written to the
    // connection under it (no request has a body to be left behind).
    let mut reader = BufReader::new(stream);
    let mut request = String::new();
    let _ = reader.read_line(&mut request);
    let mut authorized = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        let token = state.lock().unwrap().script.token.clone();
        if let Some(t) = token {
            if line.trim().eq_ignore_ascii_case(&format!("authorization: bearer {t}")) {
                authorized = true;
            }
        }
    }
    let target = request.split_whitespace().nth(1).unwrap_or_default().to_string();
    seen.lock().unwrap().push(target.clone());
    let out = reader.get_mut();
    if state.lock().unwrap().script.token.is_some() && !authorized {
        let _ = out.write_all(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
        return;
    }
    let path = target.split('?').next().unwrap_or_default();
    if path == "/api/v1/timelines/public" {
        let param = |name: &str| {
            target.split(['?', '&']).find_map(|p| p.strip_prefix(name)).map(str::to_string)
        };
        let min_id: u64 = param("min_id=").and_then(|v| v.parse().ok()).unwrap_or(0);
        let limit: usize = param("limit=").and_then(|v| v.parse().ok()).unwrap_or(20);
        let page: Vec<String> = {
            let s = state.lock().unwrap();
            let mut page: Vec<String> = s.script.statuses[..s.count]
                .iter()
                .filter(|(id, _)| *id > min_id)
                .take(limit)
                .map(|(_, json)| json.clone())
                .collect();
            page.reverse();
            page
        };
        let body = format!("[{}]", page.join(","));
        let _ = write!(
            out,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        return;
    }
    if path != "/api/v1/streaming/public" {
        let _ = out.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        return;
    }
    let _ = out.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    let chunk = |out: &mut Served, text: &str| {
        write!(out, "{:x}\r\n{text}\r\n", text.len()).and_then(|()| out.flush())
    };
    if chunk(out, ":)\n\n").is_err() {
        return;
    }
    let k = {
        let mut s = state.lock().unwrap();
        s.streams += 1;
        s.streams - 1
    };
    let (limit, gap) =
        state.lock().unwrap().script.drops.get(k).copied().unwrap_or((usize::MAX, 0));
    let mut sent = 0;
    loop {
        let next = {
            let mut s = state.lock().unwrap();
            if sent == limit {
                s.count = (s.count + gap).min(s.script.statuses.len());
                None
            } else if s.count == s.script.statuses.len() {
                None
            } else {
                let i = s.count;
                s.count += 1;
                let extras: Vec<String> = {
                    let mut taken = Vec::new();
                    while let Some(pos) = s.script.extras.iter().position(|(at, _)| *at == i) {
                        taken.push(s.script.extras.remove(pos).1);
                    }
                    taken
                };
                let pause = match s.script.pause {
                    Some((at, wait)) if at == i => {
                        s.script.pause = None;
                        Some(wait)
                    }
                    _ => None,
                };
                Some((s.script.statuses[i].1.clone(), extras, pause))
            }
        };
        let Some((status, extras, pause)) = next else { break };
        for e in extras {
            if chunk(out, &e).is_err() {
                return;
            }
        }
        if let Some(wait) = pause {
            std::thread::sleep(wait);
        }
        if chunk(out, &format!("event: update\ndata: {status}\n\n")).is_err() {
            return;
        }
        sent += 1;
    }
    if sent == limit {
        out.cut();
    } else {
        let _ = out.write_all(b"0\r\n\r\n");
    }
}
