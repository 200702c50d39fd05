//! Connections to a stream's server: TCP with read and write timeouts, and
//! TLS (rustls, Mozilla's roots and any the user names) for `wss://` and
//! `https://`.

use crate::StreamError;
use rustls::pki_types::{pem::PemObject, CertificateDer};
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use url::Url;

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// An open connection, plain or TLS.
pub enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Conn {
    /// Connects to `url`'s host: TLS for `wss` and `https`, trusting
    /// `trust`'s authorities. Reads that wait longer than `idle` fail with
    /// `WouldBlock` or `TimedOut`, so that a silent server is noticed.
    pub fn open(url: &Url, idle: Duration, trust: &Trust) -> Result<Conn, StreamError> {
        let tls = match url.scheme() {
            "wss" | "https" => true,
            "ws" | "http" => false,
            other => return Err(StreamError::Url(format!("`{url}`: unknown scheme `{other}`"))),
        };
        let host = url
            .host_str()
            .ok_or_else(|| StreamError::Url(format!("`{url}` names no host")))?
            .to_string();
        let port = url.port_or_known_default().unwrap_or(if tls { 443 } else { 80 });
        let io = |source: io::Error| StreamError::Io { url: redact(url), source };
        // IPv6 literals come bracketed in URLs, not in socket addresses.
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<_> = (bare, port).to_socket_addrs().map_err(io)?.collect();
        let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
        let mut tcp = None;
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
                Ok(s) => {
                    tcp = Some(s);
                    break;
                }
                Err(e) => last = e,
            }
        }
        let mut tcp = tcp.ok_or_else(|| io(last))?;
        tcp.set_read_timeout(Some(idle)).map_err(io)?;
        tcp.set_write_timeout(Some(CONNECT_TIMEOUT)).map_err(io)?;
        tcp.set_nodelay(true).map_err(io)?;
        if !tls {
            return Ok(Conn::Plain(tcp));
        }
        let name = rustls::pki_types::ServerName::try_from(bare.to_string())
            .map_err(|e| StreamError::Url(format!("`{url}`: {e}")))?;
        let mut conn = rustls::ClientConnection::new(trust.0.clone(), name)
            .map_err(|e| StreamError::Tls { url: redact(url), message: e.to_string() })?;
        // The handshake now, not at the first read, so that a certificate
        // no authority vouches for is told apart from a lost connection:
        // waiting will not change it.
        while conn.is_handshaking() {
            if let Err(e) = conn.complete_io(&mut tcp) {
                let refused = e.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>());
                return Err(match refused {
                    Some(
                        e @ (rustls::Error::InvalidCertificate(_)
                        | rustls::Error::NoCertificatesPresented),
                    ) => StreamError::Untrusted { url: redact(url), message: e.to_string() },
                    _ => io(e),
                });
            }
        }
        Ok(Conn::Tls(Box::new(rustls::StreamOwned::new(conn, tcp))))
    }
}

/// The certificate authorities TLS connections trust: Mozilla's (as
/// browsers do), and those of a PEM file the user names for a server with
/// a private authority or a network that inspects TLS.
#[derive(Clone)]
pub struct Trust(Arc<rustls::ClientConfig>);

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Trust")
    }
}

impl Default for Trust {
    /// Mozilla's authorities, one configuration for the process.
    fn default() -> Self {
        static MOZILLA: OnceLock<Trust> = OnceLock::new();
        MOZILLA.get_or_init(|| Trust::with(Vec::new())).clone()
    }
}

impl Trust {
    /// Mozilla's authorities and every certificate in the PEM file `path`.
    pub fn with_pem_file(path: &Path) -> Result<Trust, StreamError> {
        let bad = |message: String| StreamError::CaFile { path: path.to_path_buf(), message };
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| bad(e.to_string()))?;
        if certs.is_empty() {
            return Err(bad("holds no certificate (`-----BEGIN CERTIFICATE-----`)".into()));
        }
        let mut roots = rustls::RootCertStore::empty();
        for cert in certs {
            roots.add(cert).map_err(|e| bad(e.to_string()))?;
        }
        Ok(Trust::with(roots.roots))
    }

    /// A client configuration (ring) trusting Mozilla's roots and `extra`.
    fn with(extra: Vec<rustls::pki_types::TrustAnchor<'static>>) -> Trust {
        let mut roots = webpki_roots::TLS_SERVER_ROOTS.to_vec();
        roots.extend(extra);
        let roots = rustls::RootCertStore { roots };
        // ring has no post-quantum key exchange, hence the deprecation;
        // aws-lc-rs, which has, would add a CMake build of C to CI.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| b.with_root_certificates(roots).with_no_client_auth())
            .unwrap_or_else(|_| unreachable!("ring supports the default versions"));
        Trust(Arc::new(config))
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

/// Whether an I/O error is a read that waited past its timeout.
pub fn timed_out(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

/// A URL as it may be shown: without a password or an access token.
pub fn redact(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_password(None);
    if shown.query_pairs().any(|(k, _)| k == "access_token") {
        let kept: Vec<(String, String)> = shown
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "access_token" { "…".to_string() } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(kept);
    }
    shown.to_string()
}
