//! Batch = stream: the horizon's dataset, from a stream read in chunks of
//! any size, is the dataset of one read of the same records cut to the
//! horizon (the records whose time is within it of the latest), at every
//! point of the stream.

use lockstep_ingest::{ingest, IngestConfig, MemorySource, Source};
use lockstep_model::Dataset;
use lockstep_watch::Horizon;
use proptest::prelude::*;

/// One tweet of X API v1.1 as a stream delivers it.
#[derive(Debug, Clone)]
struct Tweet {
    id: u32,
    user: u8,
    time_s: i64,
    kind: u8,
    object: u8,
}

const TEXTS: [&str; 3] = [
    "Everyone must know what the government did to the schools this week",
    "Все должны знать, что правительство сделало со школами",
    "short",
];

fn line(t: &Tweet) -> String {
    // Account metadata is the same in every record of an account, and an
    // original's time in every retweet of it: what the horizon keeps of
    // them is exact then (see the crate's docs).
    let user = format!(
        r#"{{"id_str":"{u}","screen_name":"user{u}","created_at":"Mon Dec 16 14:07:{u:02} +0000 2019"}}"#,
        u = t.user
    );
    let ms = t.time_s * 1000;
    match t.kind % 3 {
        0 => format!(
            r#"{{"id_str":"{}","timestamp_ms":"{ms}","user":{user},"text":"RT @x: ...","retweeted_status":{{"id_str":"9{}","created_at":"Sun Mar 03 16:00:0{} +0000 2024","user":{{"id_str":"77"}}}},"entities":{{"urls":[],"hashtags":[],"user_mentions":[]}}}}"#,
            t.id,
            t.object % 4,
            t.object % 4
        ),
        1 => format!(
            r#"{{"id_str":"{}","timestamp_ms":"{ms}","user":{user},"text":"look https://t.co/x","entities":{{"urls":[{{"expanded_url":"https://site{}.example/a"}}],"hashtags":[{{"text":"tag{}"}}],"user_mentions":[]}}}}"#,
            t.id,
            t.object % 3,
            t.object % 2
        ),
        _ => format!(
            r#"{{"id_str":"{}","timestamp_ms":"{ms}","user":{user},"text":"{}","lang":"{}","entities":{{"urls":[],"hashtags":[],"user_mentions":[]}}}}"#,
            t.id,
            TEXTS[t.object as usize % 3],
            ["en", "ru", "und"][t.object as usize % 3]
        ),
    }
}

fn read(lines: &[String]) -> Dataset {
    let text = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    let src: Vec<Box<dyn Source>> = vec![Box::new(MemorySource::new("stream.jsonl", text))];
    let config = IngestConfig { format: Some("x-api-v1".into()), ..IngestConfig::default() };
    ingest(&src, &config, &|_| {}).unwrap().dataset
}

fn tweets() -> impl Strategy<Value = Vec<Tweet>> {
    prop::collection::vec((0..6u8, 0..400i64, 0..3u8, 0..12u8), 1..70).prop_map(|v| {
        let mut time = 1_700_000_000;
        v.into_iter()
            .enumerate()
            .map(|(i, (user, step, kind, object))| {
                // Mostly forward, some out of order: a stream's records come
                // nearly, not exactly, in time order.
                time += step - 60;
                Tweet { id: 1000 + i as u32, user, time_s: time, kind, object }
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_horizon_is_one_read_of_its_records(
        stream in tweets(),
        cuts in prop::collection::vec(1usize..9, 1..6),
        horizon_s in prop::sample::select(vec![30i64, 300, 3_000, 1_000_000]),
    ) {
        let lines: Vec<String> = stream.iter().map(line).collect();
        let mut h = Horizon::new(horizon_s * 1_000_000);
        let mut at = 0;
        for &cut in cuts.iter().cycle() {
            if at >= lines.len() {
                break;
            }
            let end = (at + cut).min(lines.len());
            h.push(read(&lines[at..end]));
            at = end;
            // At every point: the records so far, cut to the horizon.
            let latest = stream[..at].iter().map(|t| t.time_s).max().unwrap();
            let within: Vec<String> = stream[..at]
                .iter()
                .zip(&lines)
                .filter(|(t, _)| t.time_s > latest - horizon_s)
                .map(|(_, l)| l.clone())
                .collect();
            prop_assert_eq!(h.latest_us(), Some(latest * 1_000_000));
            prop_assert_eq!(h.dataset(), read(&within));
        }
    }
}

/// A tweet with a link (kind 1), its account and link cycling with its id.
fn tweet(id: i64, time_s: i64) -> Tweet {
    Tweet { id: id as u32, user: (id % 6) as u8, time_s, kind: 1, object: (id % 12) as u8 }
}

/// A stream much longer than its horizon holds the horizon's segments only,
/// and counts the actions that came after their time had left it.
#[test]
fn memory_follows_the_horizon_not_the_stream() {
    let mut h = Horizon::new(600 * 1_000_000);
    let mut all = Vec::new();
    for minute in 0..240i64 {
        let lines: Vec<String> = (0..20)
            .map(|i| line(&tweet(minute * 20 + i, 1_700_000_000 + minute * 60 + i)))
            .collect();
        h.push(read(&lines));
        all.extend(lines);
        if minute >= 10 {
            // Ten minutes of one-minute chunks, merged two by two (a
            // segment spans a sixteenth of the horizon, 37.5 s, once two
            // chunks are in it): five segments, or six while the newest
            // is a chunk alone.
            assert!((5..=6).contains(&h.segments()), "minute {minute}: {}", h.segments());
        }
    }
    let within = &all[all.len() - 600 / 60 * 20..];
    assert_eq!(h.dataset(), read(within));
    assert_eq!(h.late(), 0);
    // A record an hour late: its four actions (a link, its domain, a
    // hashtag and its words) are outside the horizon when they come.
    h.push(read(&[line(&tweet(99_999, 1_700_000_000 + 180 * 60))]));
    assert_eq!(h.late(), 4);
    assert_eq!(h.dataset(), read(within));
}

/// Within a memory budget the oldest segments go before their time: the
/// horizon then starts after the latest action they held, and its dataset
/// is one read of the records after that, a late record before it left
/// out too.
#[test]
fn a_budget_drops_the_oldest_segments_first() {
    let record = |id: i64, time_s: i64| (time_s, line(&tweet(id, time_s)));
    let minute = |m: i64| -> Vec<(i64, String)> {
        (0..20).map(|i| record(m * 20 + i, T0 + m * 60 + i)).collect()
    };
    let lines = |records: &[(i64, String)]| records.iter().map(|r| r.1.clone()).collect::<Vec<_>>();
    // A third of half an hour's bytes, within an hour's horizon: only the
    // budget drops anything.
    let mut unbounded = Horizon::new(3_600 * 1_000_000);
    for m in 0..30 {
        unbounded.push(read(&lines(&minute(m))));
    }
    let budget = unbounded.heap_bytes() / 3;
    let mut h = Horizon::new(3_600 * 1_000_000).with_budget(budget);
    let mut all = Vec::new();
    for m in 0..50 {
        let records = minute(m);
        h.push(read(&lines(&records)));
        all.extend(records);
        assert!(h.heap_bytes() <= budget || h.segments() == 1, "minute {m}");
    }
    let shed = h.shed().expect("the budget dropped segments");
    assert!(shed.actions > 0);
    let latest = T0 + 49 * 60 + 19;
    assert!(
        shed.through_us / 1_000_000 > latest - 3_600,
        "the budget, not the horizon, set the start"
    );
    // Within the horizon's time, before its start.
    let late = record(99_999, shed.through_us / 1_000_000 - 1);
    h.push(read(&lines(std::slice::from_ref(&late))));
    all.push(late);
    let start = h.shed().unwrap().through_us / 1_000_000;
    let within: Vec<String> =
        all.iter().filter(|(t, _)| *t > start).map(|(_, l)| l.clone()).collect();
    assert_eq!(h.dataset(), read(&within));
}

/// A stream's first time in these tests, in seconds.
const T0: i64 = 1_700_000_000;

/// A Jetstream: each account's identity and profile (records without
/// actions) come just before its first post or repost, as the simulator
/// writes them, and may fall in a chunk of their own.
fn jetstream(events: &[(u8, u8, u8)]) -> Vec<String> {
    let mut introduced = [false; 8];
    let mut lines = Vec::new();
    let mut time_us = 1_709_510_458_000_000i64;
    for (i, &(user, kind, object)) in events.iter().enumerate() {
        let did = format!("did:plc:user{user}");
        time_us += 1_000_000 + i64::from(object) * 7_000_000;
        if !std::mem::replace(&mut introduced[user as usize], true) {
            lines.push(format!(
                r#"{{"did":"{did}","time_us":{time_us},"kind":"identity","identity":{{"did":"{did}","handle":"u{user}.bsky.social"}}}}"#
            ));
            lines.push(format!(
                r#"{{"did":"{did}","time_us":{time_us},"kind":"commit","commit":{{"operation":"create","collection":"app.bsky.actor.profile","rkey":"self","record":{{"displayName":"U{user}","createdAt":"2024-02-0{}T10:00:00Z"}}}}}}"#,
                1 + user % 8
            ));
        }
        lines.push(match kind % 2 {
            0 => format!(
                r#"{{"did":"{did}","time_us":{time_us},"kind":"commit","commit":{{"operation":"create","collection":"app.bsky.feed.repost","rkey":"r{i}","record":{{"subject":{{"uri":"at://did:plc:x/app.bsky.feed.post/p{}"}}}}}}}}"#,
                object % 4
            ),
            _ => format!(
                r#"{{"did":"{did}","time_us":{time_us},"kind":"commit","commit":{{"operation":"create","collection":"app.bsky.feed.post","rkey":"p{i}","record":{{"text":"{}"}}}}}}"#,
                TEXTS[object as usize % 3]
            ),
        });
    }
    lines
}

fn read_jetstream(lines: &[String]) -> Dataset {
    let text = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    let src: Vec<Box<dyn Source>> = vec![Box::new(MemorySource::new("stream.jsonl", text))];
    let config =
        IngestConfig { format: Some("bluesky-jetstream".into()), ..IngestConfig::default() };
    ingest(&src, &config, &|_| {}).unwrap().dataset
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// With every record within the horizon, the accounts' metadata of
    /// records without actions is kept whatever chunk or segment they
    /// fall in.
    #[test]
    fn records_without_actions_keep_their_metadata(
        events in prop::collection::vec((0..8u8, 0..2u8, 0..6u8), 1..40),
        cuts in prop::collection::vec(1usize..5, 1..6),
    ) {
        let lines = jetstream(&events);
        // Longer than any of these streams (40 events of at most 36 s),
        // short enough that chunks are merged into segments.
        let mut h = Horizon::new(1_500 * 1_000_000);
        let mut at = 0;
        for &cut in cuts.iter().cycle() {
            if at >= lines.len() {
                break;
            }
            let end = (at + cut).min(lines.len());
            h.push(read_jetstream(&lines[at..end]));
            at = end;
            if h.latest_us().is_some() {
                prop_assert_eq!(h.dataset(), read_jetstream(&lines[..at]));
            }
        }
    }
}
