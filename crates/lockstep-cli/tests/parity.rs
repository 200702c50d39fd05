//! Parity with the QUT Coordination Network Toolkit 1.5.2 on its own output
//! for 10^5 synthetic posts: co_retweet and co_reply at a 60 s window link
//! the same account pairs as lockstep's repost and reply layers.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

type PairSet = BTreeSet<(String, String)>;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/peer-gen-1e5").join(name)
}

fn unordered(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

fn qut_pairs(file: &str) -> PairSet {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(fixture(file)).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    r.records()
        .map(|rec| rec.unwrap())
        .filter(|rec| rec[0] != rec[1])
        .map(|rec| unordered(&rec[0], &rec[1]))
        .collect()
}

/// `lockstep detect` on the shared posts with the toolkit's window and no
/// participation or weight cut, plus `args`; returns the output folder.
fn detect_posts(tag: &str, args: &[&str]) -> PathBuf {
    let out = std::env::temp_dir().join(format!("lockstep-parity-{tag}-{}", std::process::id()));
    let status = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .arg("detect")
        .arg(fixture("posts.csv.gz"))
        .args(args)
        .args(["--window", "60", "--min-participation", "1", "--min-weight", "1", "--quiet"])
        // The toolkit's rule, and every pair: parity is about the counting.
        .args(["--rule", "naive", "--all-pairs"])
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    out
}

#[test]
fn repost_and_reply_pairs_match_qut_toolkit() {
    let out = detect_posts(
        "layers",
        &["--map", "repost=reposted_id,reply=reply_to_id,content=post_id,timestamp=timestamp"],
    );
    let mut ours: [PairSet; 2] = Default::default();
    let mut r = csv::Reader::from_path(out.join("pairs.csv")).unwrap();
    for rec in r.records() {
        let rec = rec.unwrap();
        let slot = match &rec[0] {
            "repost" => 0,
            "reply" => 1,
            other => panic!("unexpected layer {other}"),
        };
        ours[slot].insert(unordered(&rec[2], &rec[3]));
    }
    let _ = std::fs::remove_dir_all(&out);
    let qut_retweet = qut_pairs("qut_co_retweet_1e5.csv.gz");
    let qut_reply = qut_pairs("qut_co_reply_1e5.csv.gz");
    assert_eq!(qut_retweet.len(), 7467);
    assert_eq!(qut_reply.len(), 3259);
    assert!(
        ours[0] == qut_retweet,
        "co_retweet differs: {} ours vs {} QUT",
        ours[0].len(),
        qut_retweet.len()
    );
    assert!(
        ours[1] == qut_reply,
        "co_reply differs: {} ours vs {} QUT",
        ours[1].len(),
        qut_reply.len()
    );
}

/// `--layers near_text --near-text-mode qut` gives the toolkit's
/// co_similar_tweet network (threshold 0.8, minimum document size 1,
/// window 60 s): the same account pairs.
#[test]
fn similar_posts_match_qut_co_similar_tweet() {
    let out = detect_posts(
        "similar",
        &[
            "--map",
            "repost=reposted_id,reply=reply_to_id,url=url,text=text,content=post_id,timestamp=timestamp",
            "--layers",
            "near_text",
            "--near-text-mode",
            "qut",
            "--text-similarity",
            "0.8",
            "--min-text-tokens",
            "1",
        ],
    );
    let mut ours = PairSet::new();
    let mut r = csv::Reader::from_path(out.join("pairs.csv")).unwrap();
    for rec in r.records() {
        let rec = rec.unwrap();
        assert_eq!(&rec[0], "near_text");
        ours.insert(unordered(&rec[2], &rec[3]));
    }
    let qut = qut_pairs("qut_co_similar_tweet_1e5.csv.gz");
    assert_eq!(qut.len(), 1096);
    assert!(
        ours == qut,
        "{} ours, {} QUT's, {} in common",
        ours.len(),
        qut.len(),
        ours.intersection(&qut).count()
    );
    let evidence = std::fs::read_to_string(out.join("near_text_pairs.csv")).unwrap();
    assert!(evidence.lines().count() > 1000);
    std::fs::remove_dir_all(&out).unwrap();
}
