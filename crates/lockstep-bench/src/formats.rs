//! Parse throughput per input format, one core: synthetic inputs in each
//! format's shape (realistic field sets and text lengths), parsed from
//! memory by `ingest` in a one-thread pool.

use lockstep_ingest::{ingest, IngestConfig, MemorySource, Source};
use serde_json::json;
use std::time::Instant;

fn text(i: u64) -> String {
    format!(
        "Breaking: officials confirm the report #topic{} #news https://site{}.example/article/{} via @user{} 🔥",
        i % 50,
        i % 300,
        i,
        i % 1000
    )
}

fn io_archive(n: u64) -> Vec<u8> {
    let mut s = String::from("tweetid,userid,user_screen_name,user_display_name,user_profile_description,follower_count,following_count,account_creation_date,account_language,tweet_language,tweet_text,tweet_time,tweet_client_name,in_reply_to_userid,in_reply_to_tweetid,quoted_tweet_tweetid,is_retweet,retweet_userid,retweet_tweetid,hashtags,urls,user_mentions\n");
    for i in 0..n {
        let rt = i % 3 == 0;
        s.push_str(&format!(
            "{},{},handle{},Name {},\"bio of user {}\",{},{},2019-03-01,en,en,\"{}\",2020-05-01 {:02}:{:02},Twitter Web App,,,,{},{},{},\"['topic{}', 'news']\",\"['https://site{}.example/article/{}']\",\"[{}]\"\n",
            1_000_000 + i, i % 5000, i % 5000, i % 5000, i % 5000, i % 900, i % 700, text(i).replace('"', ""),
            (i / 60) % 24, i % 60, if rt { "True" } else { "False" }, if rt { "42" } else { "" }, if rt { (i / 10).to_string() } else { String::new() },
            i % 50, i % 300, i, i % 1000,
        ));
    }
    s.into_bytes()
}

fn x_v1(n: u64) -> Vec<u8> {
    let mut s = String::new();
    for i in 0..n {
        let t = json!({
            "id_str": (1_000_000 + i).to_string(), "created_at": "Wed Oct 10 20:19:24 +0000 2018", "text": text(i), "source": "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
            "user": {"id_str": (i % 5000).to_string(), "screen_name": format!("handle{}", i % 5000), "name": "Name", "description": "bio", "created_at": "Mon Jan 06 10:00:00 +0000 2020", "followers_count": 10, "friends_count": 20},
            "entities": {"urls": [{"url": "https://t.co/x", "expanded_url": format!("https://site{}.example/article/{}", i % 300, i)}], "hashtags": [{"text": format!("topic{}", i % 50)}, {"text": "news"}], "user_mentions": [{"id_str": (i % 1000).to_string()}]},
            "retweet_count": 0, "favorite_count": 0, "lang": "en", "in_reply_to_status_id_str": null
        });
        s.push_str(&t.to_string());
        s.push('\n');
    }
    s.into_bytes()
}

fn x_v2(n: u64) -> Vec<u8> {
    let mut s = String::new();
    for page in 0..n.div_ceil(100) {
        let data: Vec<_> = (page * 100..((page + 1) * 100).min(n)).map(|i| json!({
            "id": (1_000_000 + i).to_string(), "author_id": (i % 5000).to_string(), "created_at": "2023-06-01T08:00:00.000Z", "text": text(i),
            "entities": {"urls": [{"url": "https://t.co/x", "expanded_url": format!("https://site{}.example/article/{}", i % 300, i)}], "hashtags": [{"tag": format!("topic{}", i % 50)}], "mentions": [{"username": format!("user{}", i % 1000), "id": (i % 1000).to_string()}]},
            "public_metrics": {"retweet_count": 0, "like_count": 1}
        })).collect();
        let users: Vec<_> = (0..20).map(|u| json!({"id": ((page * 20 + u) % 5000).to_string(), "username": format!("handle{u}"), "name": "Name", "created_at": "2020-01-01T00:00:00.000Z", "public_metrics": {"followers_count": 1, "following_count": 2}})).collect();
        s.push_str(
            &json!({"data": data, "includes": {"users": users}, "meta": {"result_count": 100}})
                .to_string(),
        );
        s.push('\n');
    }
    s.into_bytes()
}

fn telegram(n: u64) -> Vec<u8> {
    let messages: Vec<_> = (0..n).map(|i| json!({
        "id": i, "type": "message", "date": "2024-02-01T12:00:05", "date_unixtime": (1_706_788_805 + i).to_string(), "from": "Channel", "from_id": format!("user{}", i % 5000),
        "text": [text(i), {"type": "link", "text": format!("https://site{}.example/article/{}", i % 300, i)}],
        "text_entities": [{"type": "plain", "text": text(i)}, {"type": "hashtag", "text": format!("#topic{}", i % 50)}, {"type": "link", "text": format!("https://site{}.example/article/{}", i % 300, i)}]
    })).collect();
    json!({"name": "Channel", "type": "public_channel", "id": 1, "messages": messages})
        .to_string()
        .into_bytes()
}

fn mastodon(n: u64) -> Vec<u8> {
    let statuses: Vec<_> = (0..n).map(|i| json!({
        "id": i.to_string(), "uri": format!("https://m.example/users/u{}/statuses/{i}", i % 5000), "created_at": "2024-03-01T10:00:00.000Z",
        "content": format!("<p>{} <a href=\"https://site{}.example/article/{i}\" rel=\"nofollow\">link</a></p>", text(i), i % 300),
        "account": {"acct": format!("u{}", i % 5000), "username": format!("u{}", i % 5000), "url": format!("https://m.example/@u{}", i % 5000), "display_name": "Name", "note": "<p>bio</p>", "followers_count": 1, "following_count": 2},
        "tags": [{"name": format!("topic{}", i % 50)}], "mentions": [], "card": null, "application": {"name": "Web"}
    })).collect();
    serde_json::to_vec(&statuses).expect("json")
}

/// Mastodon statuses with the fields of a REST API v1 Status entity and
/// its Account (the fields `mastodon` above leaves out are only skipped).
fn mastodon_full(n: u64) -> Vec<u8> {
    let account = json!({"locked": false, "bot": false, "discoverable": true, "group": false, "created_at": "2022-11-06T00:00:00.000Z",
        "avatar": "https://files.m.example/accounts/avatars/000/000/001/original/a.png", "avatar_static": "https://files.m.example/accounts/avatars/000/000/001/original/a.png",
        "header": "https://m.example/headers/original/missing.png", "header_static": "https://m.example/headers/original/missing.png",
        "statuses_count": 120, "last_status_at": "2024-03-01", "noindex": false, "emojis": [],
        "fields": [{"name": "Website", "value": "<a href=\"https://example.org\" rel=\"nofollow noopener\">example.org</a>", "verified_at": null}],
        "display_name": "Name", "note": "<p>bio</p>", "followers_count": 1, "following_count": 2});
    let fixed = json!({"in_reply_to_id": null, "in_reply_to_account_id": null, "sensitive": false, "spoiler_text": "", "visibility": "public",
        "language": "en", "replies_count": 0, "reblogs_count": 0, "favourites_count": 0, "edited_at": null, "favourited": false,
        "reblogged": false, "muted": false, "bookmarked": false, "pinned": false, "reblog": null, "media_attachments": [], "emojis": [],
        "card": null, "poll": null, "filtered": [], "mentions": [], "application": {"name": "Web", "website": null}});
    let statuses: Vec<_> = (0..n)
        .map(|i| {
            let mut st = fixed.clone();
            let mut acct = account.clone();
            let own_acct = json!({"id": (i % 5000).to_string(), "acct": format!("u{}", i % 5000), "username": format!("u{}", i % 5000),
                "url": format!("https://m.example/@u{}", i % 5000), "uri": format!("https://m.example/users/u{}", i % 5000)});
            if let (Some(a), serde_json::Value::Object(own)) = (acct.as_object_mut(), own_acct) {
                a.extend(own);
            }
            let own = json!({"id": i.to_string(), "uri": format!("https://m.example/users/u{}/statuses/{i}", i % 5000),
                "url": format!("https://m.example/@u{}/{i}", i % 5000), "created_at": "2024-03-01T10:00:00.000Z",
                "content": format!("<p>{} <a href=\"https://site{}.example/article/{i}\" rel=\"nofollow\">link</a></p>", text(i), i % 300),
                "tags": [{"name": format!("topic{}", i % 50), "url": format!("https://m.example/tags/topic{}", i % 50)}], "account": acct});
            if let (Some(s), serde_json::Value::Object(own)) = (st.as_object_mut(), own) {
                s.extend(own);
            }
            st
        })
        .collect();
    serde_json::to_vec(&statuses).expect("json")
}

fn bluesky(n: u64) -> Vec<u8> {
    let mut s = String::new();
    for i in 0..n {
        let ev = json!({"did": format!("did:plc:{:024}", i % 5000), "time_us": 1_725_911_162_000_000u64 + i, "kind": "commit", "commit": {"rev": "r", "operation": "create", "collection": "app.bsky.feed.post", "rkey": format!("k{i}"), "cid": "bafy",
            "record": {"$type": "app.bsky.feed.post", "createdAt": "2024-09-09T19:46:02.000Z", "text": text(i), "langs": ["en"],
                "facets": [{"features": [{"$type": "app.bsky.richtext.facet#link", "uri": format!("https://site{}.example/article/{i}", i % 300)}]}, {"features": [{"$type": "app.bsky.richtext.facet#tag", "tag": format!("topic{}", i % 50)}]}]}}});
        s.push_str(&ev.to_string());
        s.push('\n');
    }
    s.into_bytes()
}

fn reddit(n: u64) -> Vec<u8> {
    let mut s = String::new();
    for i in 0..n {
        let c = json!({"id": format!("c{i}"), "author": format!("user{}", i % 5000), "created_utc": 1_700_000_000 + i, "subreddit": "news", "body": text(i), "parent_id": format!("t3_p{}", i % 1000), "link_id": format!("t3_p{}", i % 1000), "score": 1, "controversiality": 0});
        s.push_str(&c.to_string());
        s.push('\n');
    }
    s.into_bytes()
}

/// Reddit comments with the field set of a Pushshift comment of 2022 (the
/// fields `reddit` above leaves out are never read, only skipped).
fn reddit_full(n: u64) -> Vec<u8> {
    let fixed = json!({"all_awardings": [], "archived": false, "associated_award": null,
        "author_flair_background_color": null, "author_flair_css_class": null, "author_flair_richtext": [], "author_flair_template_id": null,
        "author_flair_text": null, "author_flair_text_color": null, "author_flair_type": "text",
        "author_patreon_flair": false, "author_premium": false, "awarders": [], "can_gild": true, "can_mod_post": false,
        "collapsed": false, "collapsed_because_crowd_control": null, "collapsed_reason": null, "collapsed_reason_code": null,
        "comment_type": null, "controversiality": 0, "distinguished": null, "edited": false,
        "gilded": 0, "gildings": {}, "is_submitter": false, "locked": false, "no_follow": true, "score": 1,
        "score_hidden": false, "send_replies": true, "stickied": false, "subreddit": "news", "subreddit_id": "t5_2qh3l",
        "subreddit_name_prefixed": "r/news", "subreddit_type": "public", "top_awarded_type": null, "total_awards_received": 0,
        "treatment_tags": [], "unrepliable_reason": null});
    let mut s = String::new();
    for i in 0..n {
        let mut c = fixed.clone();
        let own = json!({"author": format!("user{}", i % 5000), "author_fullname": format!("t2_{}", i % 5000), "body": text(i),
            "created_utc": 1_700_000_000 + i, "id": format!("c{i}"), "link_id": format!("t3_p{}", i % 1000), "name": format!("t1_c{i}"),
            "parent_id": format!("t3_p{}", i % 1000), "permalink": format!("/r/news/comments/p{}/title/c{i}/", i % 1000),
            "retrieved_on": 1_700_000_500 + i});
        if let (Some(c), serde_json::Value::Object(own)) = (c.as_object_mut(), own) {
            c.extend(own);
        }
        s.push_str(&c.to_string());
        s.push('\n');
    }
    s.into_bytes()
}

fn youtube(n: u64) -> Vec<u8> {
    let mut s = String::new();
    for i in 0..n {
        let c = json!({"kind": "youtube#comment", "etag": "e", "id": format!("c{i}"), "snippet": {"videoId": format!("v{}", i % 1000), "textDisplay": text(i), "textOriginal": text(i), "authorDisplayName": format!("@u{}", i % 5000), "authorChannelId": {"value": format!("UC{}", i % 5000)}, "likeCount": 0, "publishedAt": "2024-04-01T10:00:00Z", "updatedAt": "2024-04-01T10:00:00Z"}});
        s.push_str(&c.to_string());
        s.push('\n');
    }
    s.into_bytes()
}

fn shares_csv(n: u64) -> Vec<u8> {
    let mut csv = Vec::new();
    let s = lockstep_sim::Scenario { rows: n, ..Default::default() };
    lockstep_sim::generate(&s, &mut csv, &mut std::io::sink()).expect("generate");
    csv
}

/// Seconds of the fastest of five runs of `f`: this VM's speed drifts
/// between runs, and the fastest run is the one least disturbed.
fn best_of<T>(mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..5 {
        let t0 = Instant::now();
        let v = f();
        best = best.min(t0.elapsed().as_secs_f64());
        out = Some(v);
    }
    (best, out.expect("at least one run"))
}

/// The baseline every JSON reader pays: tokenising and validating each
/// record (into `IgnoredAny`), with no field read and nothing built.
fn json_only(bytes: &[u8]) -> usize {
    let one = |b: &[u8]| {
        serde_json::from_slice::<serde::de::IgnoredAny>(b).expect("synthetic JSON is valid")
    };
    if bytes.first() == Some(&b'{') && bytes.contains(&b'\n') {
        let mut n = 0;
        for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            one(line);
            n += 1;
        }
        n
    } else {
        one(bytes);
        1
    }
}

/// Prints one Markdown row per format (or only `only`): the best of five
/// runs, and for JSON formats the same input merely tokenised as the
/// baseline (its MB/s, and ingest's time as a multiple of it).
pub fn run(records: u64, only: Option<&str>) {
    println!("| format | input MB | records | seconds | MB/s | records/s | JSON-only MB/s | × JSON-only |");
    println!("|---|---|---|---|---|---|---|---|");
    // Generated lazily: a profile of one format should not include the
    // other eight formats' generation.
    type Generate = fn(u64) -> Vec<u8>;
    // (row label, format, generator)
    let inputs: [(&str, &str, Generate); 11] = [
        ("shares-csv", "shares-csv", shares_csv),
        ("io-archive", "io-archive", io_archive),
        ("x-api-v1", "x-api-v1", x_v1),
        ("x-api-v2", "x-api-v2", x_v2),
        ("telegram", "telegram", telegram),
        ("mastodon", "mastodon", mastodon),
        ("mastodon (API fields)", "mastodon", mastodon_full),
        ("bluesky-jetstream", "bluesky-jetstream", bluesky),
        ("reddit", "reddit", reddit),
        ("reddit (Pushshift fields)", "reddit", reddit_full),
        ("youtube", "youtube", youtube),
    ];
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    for (label, name, generate) in inputs {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let bytes = generate(records);
        // For profiling the parse alone: the input, written to a file.
        if let Some(path) = std::env::var_os("LOCKSTEP_BENCH_DUMP") {
            std::fs::write(path, &bytes).expect("dump");
        }
        let mb = bytes.len() as f64 / 1e6;
        let src = MemorySource::new(name, &bytes);
        let cfg = IngestConfig { format: Some(name.to_string()), ..Default::default() };
        let (s, out) = best_of(|| {
            pool.install(|| ingest(&[Box::new(src.clone()) as Box<dyn Source>], &cfg, &|_| {}))
        });
        let out = out.expect("ingest");
        let n = out.files[0].records_read;
        assert_eq!(out.files[0].records_skipped(), 0, "{name}: synthetic records were skipped");
        let (json_mbs, ratio) = if matches!(bytes.first(), Some(b'{' | b'[')) {
            let (j, _) = best_of(|| json_only(&bytes));
            (format!("{:.0}", mb / j), format!("{:.1}", s / j))
        } else {
            ("–".into(), "–".into())
        };
        println!(
            "| {label} | {mb:.1} | {n} | {s:.2} | {:.0} | {:.0} | {json_mbs} | {ratio} |",
            mb / s,
            n as f64 / s
        );
    }
}
