//! Parity with the QUT Coordination Network Toolkit 1.5.2's
//! `co_similar_tweet` network on its own output for 10^5 synthetic posts
//! (threshold 0.8, minimum document size 1, window 60 s): lockstep's exact
//! similar-post pairs, with the toolkit's tokens, give the same directed
//! account pairs with the same weights; the sweep also equals the slow
//! all-pairs oracle on the same posts.

use lockstep_text::{qut_tokens, similar_pairs, TokenSets, Vocabulary, WindowRule};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../lockstep-cli/tests/fixtures/peer-gen-1e5")
        .join(name)
}

fn gunzip(name: &str) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(fixture(name)).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}

type Weights = BTreeMap<(String, String), u64>;

/// The toolkit's weight of a directed pair (u1, u2): the distinct messages
/// of u1 with a similar message of u2 in the window; same-account pairs
/// left out, as in the fixture.
fn weights(accounts: &[String], pairs: &[(u32, u32)]) -> Weights {
    let mut messages: BTreeSet<(&str, &str, u32)> = BTreeSet::new();
    for &(a, b) in pairs {
        let (ua, ub) = (&accounts[a as usize], &accounts[b as usize]);
        if ua != ub {
            messages.insert((ua, ub, a));
            messages.insert((ub, ua, b));
        }
    }
    let mut w = Weights::new();
    for (u1, u2, _) in messages {
        *w.entry((u1.to_string(), u2.to_string())).or_default() += 1;
    }
    w
}

#[test]
fn similar_pairs_match_qut_co_similar_tweet() {
    let posts = gunzip("posts.csv.gz");
    let mut r = csv::Reader::from_reader(posts.as_bytes());
    let (mut accounts, mut times, mut sets, mut vocab) =
        (Vec::new(), Vec::new(), TokenSets::default(), Vocabulary::default());
    for rec in r.records() {
        let rec = rec.unwrap();
        // Reposts carry someone else's text: the toolkit leaves them out.
        if !rec[7].is_empty() {
            continue;
        }
        accounts.push(rec[1].to_string());
        times.push(rec[2].parse::<i64>().unwrap() * 1_000_000);
        sets.push(qut_tokens(&rec[4]).iter().map(|t| vocab.id(t)).collect());
    }
    assert_eq!(accounts.len(), 56_521);
    let rule = WindowRule { window_us: 60_000_000, threshold: 0.8, min_tokens: 1 };
    let found: Vec<(u32, u32)> =
        similar_pairs(&times, &sets, &rule).iter().map(|p| (p.a, p.b)).collect();

    let mut expected = Weights::new();
    let qut = gunzip("qut_co_similar_tweet_1e5.csv.gz");
    for rec in csv::Reader::from_reader(qut.as_bytes()).records() {
        let rec = rec.unwrap();
        expected.insert((rec[0].to_string(), rec[1].to_string()), rec[2].parse().unwrap());
    }
    assert_eq!(expected.len(), 2192);
    assert!(
        weights(&accounts, &found) == expected,
        "directed pairs or weights differ from the toolkit's"
    );

    // The sweep against the oracle on a slice small enough for all pairs.
    let n = 4000;
    let mut head = TokenSets::default();
    for i in 0..n {
        head.push(sets.get(i).to_vec());
    }
    let fast = similar_pairs(&times[..n], &head, &rule);
    assert!(!fast.is_empty());
    assert_eq!(fast, lockstep_text::similar_pairs_oracle(&times[..n], &head, &rule));
}
