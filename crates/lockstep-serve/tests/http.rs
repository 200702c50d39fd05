//! The server over real sockets, with raw requests (a client library would
//! normalise the paths an attacker sends): it reads nothing outside its
//! embedded files and the run, answers only to its loopback name, takes
//! only GET and HEAD without a body, bounds URLs, and sends its security
//! headers on every response.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

/// A server of a small run on a loopback port, and the run's folder
/// (removed when the test drops it; the server reads it until then).
fn start() -> (SocketAddr, lockstep_test_support::TempDir) {
    let tmp = lockstep_test_support::TempDir::new("serve-http");
    let dir = tmp.path().to_path_buf();
    let row = |o: &str, a: &str, b: &str, t| {
        ("repost".to_string(), o.to_string(), a.to_string(), b.to_string(), t, t + 5)
    };
    common::write_run(
        &dir,
        &[
            row("p1", "alice", "bob", 10),
            row("p2", "alice", "bob", 50),
            row("<script>x</script>", "bob", "carol", 90),
        ],
    );
    let run = lockstep_serve::Run::load(&dir).unwrap();
    let server = lockstep_serve::Server::bind(run, ([127, 0, 0, 1], 0).into()).unwrap();
    let addr = server.local_addr().unwrap();
    std::thread::spawn(move || server.serve());
    (addr, tmp)
}

/// Sends `request` as is; returns the status and the whole response.
fn raw(addr: SocketAddr, request: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, text)
}

fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    raw(addr, &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"))
}

fn body(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

#[test]
fn serves_the_ui_and_the_api_with_security_headers() {
    let (addr, _run) = start();
    let (status, page) = get(addr, "/");
    assert_eq!(status, 200);
    assert!(page.contains("<title>lockstep</title>"));
    let lower = page.to_lowercase();
    assert!(lower.contains("content-security-policy: default-src 'none'; script-src 'self'"));
    assert!(lower.contains("x-content-type-options: nosniff"));
    assert!(lower.contains("referrer-policy: no-referrer"));
    for asset in ["app.js", "app.css", "vendor.js"] {
        assert_eq!(get(addr, &format!("/assets/{asset}")).0, 200, "{asset}");
    }
    let (status, clusters) = get(addr, "/api/clusters");
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(body(&clusters)).unwrap();
    assert_eq!(v["total"], 1);
    assert_eq!(v["rows"][0][1], "3");
    let (status, evidence) = get(addr, "/api/evidence?a=bob&b=alice");
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(body(&evidence)).unwrap();
    assert_eq!(v["total"], 2);
    // Errors are JSON with a status that says what went wrong, and keep
    // the headers.
    let (status, missing) = get(addr, "/api/account?id=nobody");
    assert_eq!(status, 404);
    assert!(body(&missing).contains("no account `nobody`"));
    assert!(missing.to_lowercase().contains("content-security-policy"));
    assert_eq!(get(addr, "/api/clusters?min_accounts=many").0, 400);
    assert_eq!(get(addr, "/api/account").0, 400);
    assert_eq!(get(addr, "/api/nothing").0, 404);
}

#[test]
fn csv_downloads_are_attachments() {
    let (addr, _run) = start();
    let (status, csv) = get(addr, "/api/items?id=bob&format=csv");
    assert_eq!(status, 200);
    let lower = csv.to_lowercase();
    assert!(lower.contains("content-type: text/csv"));
    assert!(lower.contains("content-disposition: attachment; filename=\"lockstep-items.csv\""));
    assert!(body(&csv).starts_with("layer,object,partners,pairs,first_time_utc\n"));
    assert!(body(&csv).contains("<script>x</script>"));
}

#[test]
fn reads_nothing_outside_its_files() {
    let (addr, _run) = start();
    for path in [
        "/../../../../etc/passwd",
        "/assets/../../../../etc/passwd",
        "/assets/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/assets/....//....//etc/passwd",
        "/assets/%252e%252e%252fetc%252fpasswd",
        "//etc/passwd",
        "/api/..%2f..%2fsummary.json",
        "/summary.json",
        "/pairs.csv",
        "/assets/lib.rs",
        "/assets/",
        "/assets/app.js%00.png",
        "/assets/app.js/",
        "/assets\\..\\..\\etc\\passwd",
    ] {
        let (status, response) = get(addr, path);
        assert!(status == 404 || status == 400, "{path}: {status}");
        assert!(!response.contains("root:"), "{path} leaked a file");
        assert!(!response.contains("lockstep_version"), "{path} leaked the summary");
    }
}

#[test]
fn answers_only_its_loopback_name() {
    let (addr, _run) = start();
    let port = addr.port();
    for host in
        [format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("LOCALHOST:{port}")]
    {
        let (status, _) =
            raw(addr, &format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
        assert_eq!(status, 200, "{host}");
    }
    // A page on another site whose name resolves to 127.0.0.1 (DNS
    // rebinding) sends its own name.
    for host in ["evil.example", "evil.example:80", &format!("evil.example:{port}"), "127.0.0.1"] {
        let (status, _) = raw(
            addr,
            &format!("GET /api/run HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(status, 421, "{host}");
    }
    let (status, _) = raw(addr, "GET /api/run HTTP/1.0\r\n\r\n");
    assert_eq!(status, 421, "no Host header");
}

#[test]
fn takes_only_small_get_requests() {
    let (addr, _run) = start();
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let (status, response) =
            raw(addr, &format!("{method} /api/run HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
        assert_eq!(status, 405, "{method}");
        assert!(response.to_lowercase().contains("allow: get, head"));
    }
    let (status, _) =
        raw(addr, &format!("GET /api/run HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"));
    assert_eq!(status, 413);
    let long = format!("/api/search?q={}", "a".repeat(9000));
    assert_eq!(get(addr, &long).0, 414);
    let (status, head) =
        raw(addr, &format!("HEAD / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"));
    assert_eq!(status, 200);
    assert!(body(&head).is_empty());
}

/// A folder that a newer run replaces (as `lockstep watch` does at each
/// refresh) is loaded again: until then the old run's answers, read from
/// the files it opened, are whole; after, the new run's.
#[test]
fn a_replaced_run_is_loaded_again() {
    let (addr, tmp) = start();
    let json = |path: &str| -> serde_json::Value {
        let (status, text) = get(addr, path);
        assert!(status == 200 || status == 404, "{path}: {text}");
        serde_json::from_str(body(&text)).unwrap()
    };
    let before = json("/api/run");
    assert_eq!(before["generation"], 0);
    assert_eq!(before["loaded"]["edges"], 2);
    let row = |o: &str, t| {
        ("url".to_string(), o.to_string(), "dave".to_string(), "erin".to_string(), t, t + 3)
    };
    let next = lockstep_report::RunFolder::begin(tmp.path()).unwrap();
    common::write_run(next.dir(), &[row("u1", 10), row("u2", 40), row("u3", 70)]);
    next.commit().unwrap();
    let start = std::time::Instant::now();
    loop {
        let run = json("/api/run");
        if run["generation"] == 1 {
            assert_eq!(run["loaded"]["edges"], 1);
            break;
        }
        // Not reloaded yet: the old run, whole, from its own files.
        let old = json("/api/evidence?a=alice&b=bob");
        assert_eq!(old["rows"].as_array().unwrap().len(), 2, "{old}");
        assert!(start.elapsed().as_secs() < 60, "never reloaded");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let new = json("/api/evidence?a=dave&b=erin");
    assert_eq!(new["rows"].as_array().unwrap().len(), 3, "{new}");
    assert!(json("/api/evidence?a=alice&b=bob")["error"].is_string());
}
