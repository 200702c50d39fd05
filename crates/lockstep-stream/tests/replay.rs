//! The live sources against local servers that replay recorded streams
//! with a real server's faults: every event arrives once, in order, and
//! every bad event is counted by its reason.

use lockstep_stream::jetstream::{Jetstream, COLLECTIONS};
use lockstep_stream::mastodon::Mastodon;
use lockstep_stream::net::Trust;
use lockstep_stream::{spawn, Item, Options, Source, StreamError};
use lockstep_test_support::replay::{self, Extra, JetstreamScript, MastodonScript};
use std::collections::BTreeMap;
use std::time::Duration;

/// Fast reconnects, a short idle limit, and an end: a source gives up
/// after two connections in a row that bring nothing new.
fn options() -> Options {
    Options {
        first_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
        idle: Duration::from_millis(300),
        max_event_bytes: 4_096,
        max_attempts: Some(2),
        ..Options::default()
    }
}

/// What a source sent: records, skips by reason, notes; and how it ended.
struct Received {
    records: Vec<String>,
    skips: BTreeMap<&'static str, usize>,
    notes: Vec<String>,
    end: Result<(), StreamError>,
}

fn receive(source: Box<dyn Source>) -> Received {
    let running = spawn(source, 64);
    let (mut records, mut skips, mut notes) = (Vec::new(), BTreeMap::new(), Vec::new());
    // A source that never gives up (it takes repeats for new events, say)
    // fails the test rather than hanging it.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let item = match running.items.recv_timeout(left) {
            Ok(item) => item,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(_) => panic!(
                "the source did not end: {} records; last notes {:?}",
                records.len(),
                &notes[notes.len().saturating_sub(3)..]
            ),
        };
        match item {
            Item::Record { line, .. } => records.push(String::from_utf8(line).unwrap()),
            Item::Skip { reason, .. } => *skips.entry(reason).or_default() += 1,
            Item::Note(n) => notes.push(n),
        }
    }
    Received { records, skips, notes, end: running.finish() }
}

/// The recorded events, then generated ones after them: some share a
/// `time_us`, as events of one commit can.
fn jetstream_events(generated: usize) -> Vec<String> {
    let mut events: Vec<String> =
        include_str!("fixtures/jetstream-jsonbench.jsonl").lines().map(str::to_string).collect();
    let mut t = replay::time_us(events.last().unwrap());
    for i in 0..generated {
        if i % 7 != 3 {
            t += 1 + (i as i64 * 37) % 1_000;
        }
        events.push(format!(
            r#"{{"did":"did:plc:gen{:021}","time_us":{t},"kind":"commit","commit":{{"rev":"r{i}","operation":"create","collection":"app.bsky.feed.repost","rkey":"k{i}","record":{{"$type":"app.bsky.feed.repost","createdAt":"2024-11-21T16:30:00.000Z","subject":{{"cid":"c","uri":"at://did:plc:x/app.bsky.feed.post/p{}"}}}}}}}}"#,
            i % 50,
            i % 9
        ));
    }
    events
}

/// Over TLS, with the server's authority named (`--ca-file`): every event
/// once through a drop, the connection checked against the certificate for
/// `127.0.0.1` that the test authority signed.
#[test]
fn jetstream_over_tls_with_a_named_authority() {
    let events = jetstream_events(60);
    let server = replay::jetstream(JetstreamScript {
        events: events.clone(),
        drops: vec![20],
        tls: true,
        ..Default::default()
    });
    let trust = Trust::with_pem_file(std::path::Path::new(replay::TEST_CA)).unwrap();
    let options = Options { trust, ..options() };
    let source = Jetstream::new(&server.url("wss", "/subscribe"), &COLLECTIONS, options).unwrap();
    let got = receive(Box::new(source));
    assert_eq!(got.records, events, "every event once, in order: {:?}", got.notes);
    let requests = server.requests.lock().unwrap().clone();
    assert!(requests.len() >= 2 && requests[1].contains("cursor="), "resumed: {requests:?}");
}

/// A replay of several passes (the soak's long stream) is one stream: each
/// pass's times after the last's, resumed by cursor in a later pass.
#[test]
fn a_replay_in_passes_is_one_stream_in_time_order() {
    let events = jetstream_events(40);
    let n = events.len();
    let server = replay::jetstream(JetstreamScript {
        events: events.clone(),
        drops: vec![n + n / 2],
        passes: 3,
        ..Default::default()
    });
    let source = Jetstream::new(&server.url("ws", "/subscribe"), &COLLECTIONS, options()).unwrap();
    let got = receive(Box::new(source));
    let shift = replay::pass_shift_us(&events);
    let want: Vec<String> = (0..3)
        .flat_map(|p| events.iter().map(move |e| replay::shifted(e, p * shift).into_owned()))
        .collect();
    assert_eq!(got.records, want, "every event of every pass once: {:?}", got.notes);
    let times: Vec<i64> = want.iter().map(|e| replay::time_us(e)).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    let requests = server.requests.lock().unwrap().clone();
    assert!(requests.len() >= 2 && requests[1].contains("cursor="), "resumed: {requests:?}");
}

/// A certificate no trusted authority signed stops the source at once,
/// saying what to do, instead of reconnecting forever; a file that holds
/// no certificate is refused by name.
#[test]
fn an_untrusted_certificate_stops_the_source() {
    let server = replay::jetstream(JetstreamScript {
        events: jetstream_events(5),
        tls: true,
        ..Default::default()
    });
    let options = Options { max_attempts: None, ..options() };
    let source = Jetstream::new(&server.url("wss", "/subscribe"), &COLLECTIONS, options).unwrap();
    let got = receive(Box::new(source));
    assert!(got.records.is_empty());
    let end = got.end.unwrap_err();
    assert!(matches!(end, StreamError::Untrusted { .. }), "{end:?}");
    let said = end.to_string();
    assert!(said.contains("not trusted") && said.contains("--ca-file"), "{said}");

    let key = std::path::Path::new(replay::TEST_CA).with_file_name("server.key");
    let refused = Trust::with_pem_file(&key).unwrap_err().to_string();
    assert!(refused.contains("server.key") && refused.contains("no certificate"), "{refused}");
}

#[test]
fn jetstream_resumes_from_its_cursor_without_losing_or_repeating_an_event() {
    let events = jetstream_events(400);
    let server = replay::jetstream(JetstreamScript {
        events: events.clone(),
        // Drops right after events that share their time with the next.
        drops: vec![4, 35, 1, 120, 0, 60],
        extras: vec![
            (2, Extra::Text("{not json".into())),
            (50, Extra::Text(r#"{"did":"did:plc:x","kind":"commit"}"#.into())),
            (
                90,
                Extra::Text(format!(
                    r#"{{"time_us":{},"pad":"{}"}}"#,
                    replay::time_us(&events[90]),
                    "x".repeat(5_000)
                )),
            ),
            (91, Extra::Binary(vec![0x28, 0xb5, 0x2f, 0xfd])),
        ],
        // Longer than twice the idle limit: the source pings, hears
        // nothing, and reconnects.
        pause: Some((300, Duration::from_millis(900))),
        ..Default::default()
    });
    let source = Jetstream::new(&server.url("ws", "/subscribe"), &COLLECTIONS, options()).unwrap();
    let got = receive(Box::new(source));
    assert_eq!(got.records.len(), events.len(), "every event once: {:?}", got.notes);
    assert_eq!(got.records, events, "in order");
    assert_eq!(
        got.skips,
        BTreeMap::from([
            ("binary message", 1),
            ("no time_us", 1),
            ("not JSON", 1),
            ("oversized", 1)
        ])
    );
    assert!(matches!(got.end, Err(StreamError::Protocol { .. })), "gave up at the end");
    let requests = server.requests.lock().unwrap().clone();
    assert!(requests[0].contains("wantedCollections=app.bsky.feed.post"), "{requests:?}");
    assert!(!requests[0].contains("cursor="), "the first connection starts live");
    assert!(requests[1..].iter().all(|r| r.contains("cursor=")), "{requests:?}");
    assert!(
        got.notes.iter().any(|n| n.contains("nothing came for")),
        "the pause was noticed: {:?}",
        got.notes
    );
}

#[test]
fn jetstream_starts_at_the_cursor_of_its_url() {
    let events = jetstream_events(20);
    let from = replay::time_us(&events[10]);
    let server =
        replay::jetstream(JetstreamScript { events: events.clone(), ..Default::default() });
    let url = server
        .url("ws", &format!("/subscribe?wantedCollections=app.bsky.feed.repost&cursor={from}"));
    let got = receive(Box::new(Jetstream::new(&url, &COLLECTIONS, options()).unwrap()));
    assert_eq!(got.records, events[10..]);
    let first = server.requests.lock().unwrap()[0].clone();
    assert!(first.contains(&format!("cursor={from}")));
    assert!(!first.contains("app.bsky.feed.like"), "the URL's collections are kept: {first}");
}

#[test]
fn jetstream_urls_are_checked() {
    let bad = |u: &str| Jetstream::new(u, &COLLECTIONS, options()).err().unwrap().to_string();
    assert!(bad("https://example.com/subscribe").contains("starts `wss://`"));
    assert!(bad("wss://example.com/subscribe?cursor=yesterday").contains("microseconds"));
}

fn statuses(n: usize) -> Vec<(u64, String)> {
    let mut gz = flate2::read::GzDecoder::new(
        &include_bytes!("fixtures/mastodonpy-localhost-status.json.gz")[..],
    );
    let mut recorded = String::new();
    std::io::Read::read_to_string(&mut gz, &mut recorded).unwrap();
    let recorded = recorded.trim();
    (0..n as u64)
        .map(|i| {
            let id = 117_020_585_487_094_447 + i * 65_536;
            let json = recorded.replace("117020585487094447", &id.to_string()).replace(
                "2026-08-01T13:53:49.918Z",
                &format!("2026-08-01T14:{:02}:{:02}.000Z", i / 60 % 60, i % 60),
            );
            (id, json)
        })
        .collect()
}

#[test]
fn mastodon_fills_the_gaps_of_its_stream_from_the_timeline() {
    let statuses = statuses(300);
    let server = replay::mastodon(MastodonScript {
        statuses: statuses.clone(),
        // Statuses published while no stream is connected: more than a
        // timeline page, so the gap takes several.
        drops: vec![(10, 3), (50, 95), (0, 1), (30, 0)],
        extras: vec![
            (5, "event: delete\ndata: 117020585487094447\n\n".into()),
            (6, "event: update\ndata: {broken\n\n".into()),
            (
                7,
                format!(
                    "event: update\ndata: {{\"id\":\"1\",\"content\":\"{}\"}}\n\n",
                    "x".repeat(5_000)
                ),
            ),
            (8, "event: status.update\ndata: {\"id\":\"2\"}\n\n".into()),
            (9, ":thump\n\nevent: notification\ndata: {}\n\n".into()),
        ],
        pause: Some((200, Duration::from_millis(500))),
        token: Some("s3cret".into()),
        tls: false,
    });
    let url = server.url("http", "/api/v1/streaming/public");
    let got = receive(Box::new(Mastodon::new(&url, Some("s3cret".into()), options()).unwrap()));
    let want: Vec<String> = statuses.iter().map(|(_, j)| j.clone()).collect();
    let mut sorted = got.records.clone();
    sorted.sort_by_key(|j| statuses.iter().position(|(_, s)| s == j));
    assert_eq!(got.records.len(), want.len(), "each status once: {:?}", got.notes);
    assert_eq!(sorted, want, "every status");
    assert_eq!(
        got.skips,
        BTreeMap::from([
            ("deletion", 1),
            ("edited status (its first version was read)", 1),
            ("not JSON", 1),
            ("other event", 1),
            ("oversized", 1),
        ])
    );
    assert!(
        got.notes.iter().any(|n| n.contains("missed statuses from the timeline")),
        "{:?}",
        got.notes
    );
    assert!(got.notes.iter().all(|n| !n.contains("s3cret")), "the token is never shown");
    let requests = server.requests.lock().unwrap().clone();
    assert!(
        requests.iter().any(|r| r.starts_with("/api/v1/timelines/public?min_id=")),
        "{requests:?}"
    );
}

#[test]
fn mastodon_without_its_token_stops_with_the_reason() {
    let server = replay::mastodon(MastodonScript {
        statuses: statuses(3),
        token: Some("s3cret".into()),
        ..Default::default()
    });
    let url = server.url("http", "/api/v1/streaming/public");
    let got = receive(Box::new(Mastodon::new(&url, None, options()).unwrap()));
    assert!(got.records.is_empty());
    let err = got.end.unwrap_err().to_string();
    assert!(err.contains("401") && err.contains("LOCKSTEP_MASTODON_TOKEN"), "{err}");
}
