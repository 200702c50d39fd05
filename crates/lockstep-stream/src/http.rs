//! A GET over HTTP/1.1, enough for a server-sent event stream and a JSON
//! page: the status, and a body read as it comes (with a length, chunked,
//! or to the connection's end).

use crate::net::{redact, Conn};
use crate::StreamError;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::time::Duration;
use url::Url;

/// The largest response head read.
const MAX_HEAD: usize = 64 * 1024;

/// A response: its status and its body.
pub struct Response {
    pub status: u16,
    pub body: Body,
}

/// Sends `GET url` with `headers` and reads the response's head.
pub fn get(
    url: &Url,
    headers: &[(&str, &str)],
    idle: Duration,
    trust: &crate::net::Trust,
) -> Result<Response, StreamError> {
    let mut conn = Conn::open(url, idle, trust)?;
    let io = |source: io::Error| StreamError::Io { url: redact(url), source };
    let mut target = url.path().to_string();
    if let Some(q) = url.query() {
        target.push('?');
        target.push_str(q);
    }
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let mut request = format!(
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: lockstep/{}\r\n",
        env!("CARGO_PKG_VERSION")
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    conn.write_all(request.as_bytes()).map_err(io)?;
    conn.flush().map_err(io)?;

    let mut reader = BufReader::with_capacity(64 * 1024, conn);
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let n = reader.read_until(b'\n', &mut head).map_err(io)?;
        if n == 0 || head.len() > MAX_HEAD {
            return Err(StreamError::Protocol {
                url: redact(url),
                message: "the server closed or sent no complete response head".into(),
            });
        }
    }
    let mut parsed_headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Response::new(&mut parsed_headers);
    parsed.parse(&head).map_err(|e| StreamError::Protocol {
        url: redact(url),
        message: format!("unreadable response head: {e}"),
    })?;
    let status = parsed.code.unwrap_or(0);
    let header = |name: &str| {
        parsed
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    let framing = if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        Framing::Chunked { left: 0, done: false }
    } else if let Some(n) = header("content-length").and_then(|v| v.parse().ok()) {
        Framing::Length(n)
    } else {
        Framing::Close
    };
    Ok(Response { status, body: Body { reader, framing } })
}

enum Framing {
    Length(u64),
    /// Bytes left in the current chunk; whether the last chunk was read.
    Chunked {
        left: u64,
        done: bool,
    },
    Close,
}

/// A response's body, read as it comes.
pub struct Body {
    reader: BufReader<Conn>,
    framing: Framing,
}

impl Body {
    /// The whole body, up to `limit` bytes.
    pub fn read_all(mut self, limit: u64) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        (&mut self).take(limit + 1).read_to_end(&mut out)?;
        if out.len() as u64 > limit {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "response too large"));
        }
        Ok(out)
    }
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.framing {
            Framing::Close => self.reader.read(buf),
            Framing::Length(left) => read_within(&mut self.reader, buf, left),
            Framing::Chunked { left, done } => {
                if *done {
                    return Ok(0);
                }
                if *left == 0 {
                    let mut line = String::new();
                    if self.reader.read_line(&mut line)? == 0 {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the connection closed mid-stream",
                        ));
                    }
                    let size = line.trim().split(';').next().unwrap_or_default();
                    let size = u64::from_str_radix(size, 16).map_err(|_| {
                        io::Error::new(io::ErrorKind::InvalidData, "a bad chunk size")
                    })?;
                    if size == 0 {
                        *done = true;
                        return Ok(0);
                    }
                    *left = size;
                }
                let n = read_within(&mut self.reader, buf, left)?;
                if *left == 0 {
                    // The CRLF that ends a chunk.
                    let mut crlf = [0u8; 2];
                    self.reader.read_exact(&mut crlf)?;
                }
                Ok(n)
            }
        }
    }
}

/// Reads at most `left` bytes, counting them off; the connection ending
/// first is an error.
fn read_within(reader: &mut impl Read, buf: &mut [u8], left: &mut u64) -> io::Result<usize> {
    if *left == 0 {
        return Ok(0);
    }
    let cap = buf.len().min(usize::try_from(*left).unwrap_or(usize::MAX));
    let n = reader.read(&mut buf[..cap])?;
    if n == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    *left -= n as u64;
    Ok(n)
}
