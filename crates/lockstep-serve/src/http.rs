//! The HTTP server: the UI's files (compiled into the binary) and the JSON
//! API, behind one guard that every request passes: GET or HEAD only, no
//! body, a bounded URL, a Host header naming this server (so a web page
//! cannot reach it through DNS rebinding), a bounded number of requests at
//! once, a time limit, and security headers on every response. A folder
//! that a newer run replaces (`lockstep watch` refreshing it, or `detect`
//! run again) is loaded again and served from then on.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::run::Run;
use crate::{api, assets, ServeError};

/// The longest URL accepted (bytes).
pub const MAX_URI: usize = 8 * 1024;
/// Requests handled at once; more get 503.
pub const MAX_CONCURRENT: usize = 32;
/// A request's time limit.
pub const REQUEST_TIME: Duration = Duration::from_secs(20);
/// How long a scan of pairs.csv may run before it returns what it found.
pub const SCAN_TIME: Duration = Duration::from_secs(8);
/// How often the folder is looked at for a newer run.
pub const RELOAD_EVERY: Duration = Duration::from_secs(2);

/// The policy of every page: scripts, styles and data from this server
/// only; nothing inline, no frames, no forms, no plugins.
pub const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

struct App {
    /// The run served, and how many times it was loaded again.
    run: RwLock<(Arc<Run>, u64)>,
    /// Host header values accepted; empty accepts any (`--host` set to a
    /// non-loopback address, where the name users type is unknown).
    hosts: Vec<String>,
    slots: Arc<tokio::sync::Semaphore>,
}

/// A bound, not yet serving, server.
pub struct Server {
    listener: std::net::TcpListener,
    app: Arc<App>,
}

impl Server {
    /// Binds `addr` for `run`.
    pub fn bind(run: Run, addr: SocketAddr) -> Result<Server, ServeError> {
        let listener = std::net::TcpListener::bind(addr)
            .map_err(|source| ServeError::Bind { addr, source })?;
        let local = listener.local_addr().map_err(|source| ServeError::Bind { addr, source })?;
        let port = local.port();
        let hosts = if local.ip().is_loopback() {
            let mut h = vec![
                format!("127.0.0.1:{port}"),
                format!("localhost:{port}"),
                format!("[::1]:{port}"),
            ];
            h.push(local.to_string());
            h
        } else {
            Vec::new()
        };
        let app = Arc::new(App {
            run: RwLock::new((Arc::new(run), 0)),
            hosts,
            slots: Arc::new(tokio::sync::Semaphore::new(MAX_CONCURRENT)),
        });
        Ok(Server { listener, app })
    }

    /// The address it listens on (the port, when 0 was asked).
    pub fn local_addr(&self) -> Result<SocketAddr, ServeError> {
        self.listener
            .local_addr()
            .map_err(|source| ServeError::Bind { addr: ([127, 0, 0, 1], 0).into(), source })
    }

    /// Serves until the process ends, loading the folder again whenever a
    /// newer run has replaced it.
    pub fn serve(self) -> Result<(), ServeError> {
        let app = self.app.clone();
        std::thread::spawn(move || reload_when_replaced(&app));
        let addr = self.local_addr()?;
        let io = |source| ServeError::Bind { addr, source };
        self.listener.set_nonblocking(true).map_err(io)?;
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(io)?;
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(self.listener).map_err(io)?;
            axum::serve(listener, router(self.app)).await.map_err(io)
        })
    }
}

/// Loads the folder again when its run was replaced. A folder caught while
/// it is being replaced, or that fails to load, leaves the run served as it
/// is until the next look.
fn reload_when_replaced(app: &App) {
    // The stamp of the run served, taken when it was loaded: a run that
    // replaced it before this thread began is a newer run too.
    let (dir, mut seen) = match app.run.read() {
        Ok(r) => (r.0.dir().to_path_buf(), r.0.stamp),
        Err(_) => return,
    };
    loop {
        std::thread::sleep(RELOAD_EVERY);
        let now = crate::run::summary_stamp(&dir);
        if now.is_none() || now == seen {
            continue;
        }
        if let Ok(run) = Run::load(&dir) {
            // Replaced again while it was read: its files may be of two
            // runs; look again.
            if crate::run::summary_stamp(&dir) != now {
                continue;
            }
            if let Ok(mut served) = app.run.write() {
                let generation = served.1 + 1;
                *served = (Arc::new(run), generation);
            }
            seen = now;
        }
    }
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/assets/{name}", get(asset))
        .route("/api/{kind}", get(api_call))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let mut resp = match check(&app, &req) {
        Some(refusal) => refusal,
        None => match app.slots.clone().try_acquire_owned() {
            Err(_) => error(StatusCode::SERVICE_UNAVAILABLE, "too many requests at once"),
            Ok(_permit) => match tokio::time::timeout(REQUEST_TIME, next.run(req)).await {
                Ok(r) => r,
                Err(_) => error(StatusCode::SERVICE_UNAVAILABLE, "the request took too long"),
            },
        },
    };
    let h = resp.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    resp
}

/// The refusal a request gets before any handler runs, if any.
fn check(app: &App, req: &Request) -> Option<Response> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = error(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD");
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Some(r);
    }
    if req.uri().to_string().len() > MAX_URI {
        return Some(error(StatusCode::URI_TOO_LONG, "the URL is too long"));
    }
    let headers = req.headers();
    let has_body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers.get(header::CONTENT_LENGTH).is_some_and(|v| v.as_bytes() != b"0");
    if has_body {
        return Some(error(StatusCode::PAYLOAD_TOO_LARGE, "requests carry no body"));
    }
    if !app.hosts.is_empty() {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
        if !app.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
            return Some(error(
                StatusCode::MISDIRECTED_REQUEST,
                "this server answers to its loopback address only",
            ));
        }
    }
    None
}

fn error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message }).to_string();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not found")
}

async fn index() -> Response {
    asset_response("index.html")
}

async fn asset(Path(name): Path<String>) -> Response {
    asset_response(&name)
}

fn asset_response(name: &str) -> Response {
    match assets::get(name) {
        Some((bytes, mime)) => ([(header::CONTENT_TYPE, mime)], bytes).into_response(),
        None => error(StatusCode::NOT_FOUND, "not found"),
    }
}

async fn api_call(
    State(app): State<Arc<App>>,
    Path(kind): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let deadline = Instant::now() + SCAN_TIME;
    let Ok((run, generation)) = app.run.read().map(|r| (r.0.clone(), r.1)) else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "the run could not be read");
    };
    let work =
        tokio::task::spawn_blocking(move || answer(&run, generation, &kind, &params, deadline));
    match work.await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            let status = match e {
                ServeError::BadRequest(_) => StatusCode::BAD_REQUEST,
                ServeError::NotFound(_) => StatusCode::NOT_FOUND,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            error(status, &e.to_string())
        }
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "the query failed"),
    }
}

fn json(v: &impl serde::Serialize) -> Response {
    let body = serde_json::to_vec(v).unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn answer(
    run: &Run,
    generation: u64,
    kind: &str,
    p: &api::Params,
    deadline: Instant,
) -> Result<Response, ServeError> {
    let csv = p.get("format").is_some_and(|f| f == "csv");
    if let Some(rows) = api::table(run, kind, p, csv, deadline)? {
        if !csv {
            return Ok(json(&rows));
        }
        let disposition = format!("attachment; filename=\"lockstep-{kind}.csv\"");
        let mut r =
            ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], rows.to_csv()).into_response();
        if let Ok(v) = HeaderValue::from_str(&disposition) {
            r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
        if !rows.complete || rows.total > rows.rows.len() {
            r.headers_mut().insert("x-lockstep-truncated", HeaderValue::from_static("1"));
        }
        return Ok(r);
    }
    let (_, limit) = api::paging(p, false)?;
    Ok(match kind {
        "run" => {
            let mut info = api::run_info(run);
            info["generation"] = generation.into();
            json(&info)
        }
        "cluster" => json(&api::cluster_detail(run, p)?),
        "graph" => json(&api::graph(run, p)?),
        "timeline" => json(&api::timeline(run, p, deadline)?),
        "account" => json(&api::account_detail(run, p)?),
        "edge" => json(&api::edge_detail(run, p)?),
        "search" => json(&api::search(run, p, limit.min(200), deadline)?),
        _ => return Err(ServeError::NotFound(format!("no API `{kind}`"))),
    })
}
