//! Early warnings: a batch-made crowd is raised in its first minute, an
//! organic crowd of any size is not.

use lockstep_ingest::{ingest, IngestConfig, MemorySource, Source};
use lockstep_model::Dataset;
use lockstep_watch::early::{early_groups, Warned};
use std::collections::BTreeSet;

const T0: i64 = 1_709_532_000; // 2024-03-04 06:00 UTC

/// A retweet of post `item` by account `user` at `T0 + at_s`.
fn retweet(user: u64, handle: &str, created: &str, item: u64, at_s: i64) -> String {
    format!(
        r#"{{"id_str":"{}","timestamp_ms":"{}","user":{{"id_str":"{user}","screen_name":"{handle}","created_at":"{created}"}},"text":"RT","retweeted_status":{{"id_str":"{item}","user":{{"id_str":"77"}}}},"entities":{{"urls":[],"hashtags":[],"user_mentions":[]}}}}"#,
        user * 1_000 + item,
        (T0 + at_s) * 1_000
    )
}

fn read(lines: &[String]) -> Dataset {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let src: Vec<Box<dyn Source>> = vec![Box::new(MemorySource::new("s.jsonl", text))];
    let config = IngestConfig { format: Some("x-api-v1".into()), ..IngestConfig::default() };
    ingest(&src, &config, &|_| {}).unwrap().dataset
}

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// An organic account: made some year from 2009, a free-form handle.
fn organic(user: u64) -> (String, String) {
    let handle = ["maria", "tom_k", "anna.b", "jo", "sam77", "lee_x"][user as usize % 6];
    let created = format!(
        "Mon {} {:02} 10:00:00 +0000 {}",
        MONTHS[(user * 7 % 12) as usize],
        1 + user % 28,
        2009 + user % 15
    );
    (format!("{handle}{user}"), created)
}

/// A world of 300 organic accounts: fans of posts 1–3 in crowds of 60
/// within a minute, and readers of posts 10.. spread over the hour; with
/// `factory`, 12 accounts made within two days (`made_apart`: over three
/// weeks), named alike (or as organic accounts are), retweet post 5 within
/// half a minute.
fn world(factory: bool, made_apart: bool, named_alike: bool) -> Dataset {
    let mut lines = Vec::new();
    for user in 0..300u64 {
        let (handle, created) = organic(user);
        lines.push(retweet(user, &handle, &created, 1 + user % 5 % 3, (user % 60) as i64));
        lines.push(retweet(
            user,
            &handle,
            &created,
            10 + user % 40,
            600 + (user * 13 % 3000) as i64,
        ));
    }
    if factory {
        for k in 0..12u64 {
            let day = if made_apart { 1 + k * 2 } else { 1 + k % 2 };
            let created = format!("Fri Feb {day:02} 09:{k:02}:00 +0000 2024");
            let handle = if named_alike {
                format!("olga{:08}", 40_000_000 + k * 7)
            } else {
                // Named as the organic accounts of three-digit ids, the
                // most of them.
                organic(100 + k * 17).0
            };
            lines.push(retweet(9_000 + k, &handle, &created, 5, 120 + k as i64 * 2));
        }
    }
    lines.sort_by_key(|l| {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        v["timestamp_ms"].as_str().unwrap().parse::<i64>().unwrap()
    });
    read(&lines)
}

#[test]
fn a_batch_made_crowd_is_raised_and_organic_crowds_are_not() {
    let ds = world(true, false, true);
    let groups = early_groups(&ds, i64::MIN, 60_000_000);
    assert_eq!(groups.len(), 1, "{groups:?}");
    let g = &groups[0];
    let names: BTreeSet<&str> = g.accounts.iter().map(|&a| ds.account_name(a)).collect();
    assert_eq!(names.len(), 12);
    assert!(names.iter().all(|n| n.starts_with("x:90")), "{names:?}");
    assert_eq!((g.batch, g.template_count), (12, 12));
    assert_eq!(g.template, "a99999999");
    assert!(g.explain().contains("A warning, not a finding"));
    assert!(!g.pairs.is_empty() && g.pairs.len() <= lockstep_watch::early::EVIDENCE);
    // Looked at after the factory acted, nothing new.
    assert!(early_groups(&ds, (T0 + 200) * 1_000_000, 60_000_000).is_empty());
}

#[test]
fn alike_names_without_a_creation_batch_are_not_raised() {
    let ds = world(true, true, true);
    assert!(early_groups(&ds, i64::MIN, 60_000_000).is_empty());
    let ds = world(false, false, true);
    assert!(early_groups(&ds, i64::MIN, 60_000_000).is_empty());
}

#[test]
fn a_creation_batch_with_organic_names_is_not_raised() {
    let ds = world(true, false, false);
    let groups = early_groups(&ds, i64::MIN, 60_000_000);
    assert!(groups.is_empty(), "{groups:?}");
}

#[test]
fn a_factory_is_warned_of_once_whatever_subset_acts() {
    let set =
        |r: std::ops::Range<u32>| -> BTreeSet<String> { r.map(|i| format!("f{i}")).collect() };
    let mut w = Warned::default();
    assert!(w.is_new(&set(0..18)));
    // The next order's members: a different subset of the same factory.
    assert!(!w.is_new(&set(6..30)));
    // Members that were never in one group with the first, but with the
    // factory as seen so far.
    assert!(!w.is_new(&set(20..40)));
    assert!(w.is_new(&set(100..110)), "another factory");
}
