//! Synthetic shares with known coordinated groups, for tests and
//! benchmarks. Deterministic by seed: every row is drawn from a counter-based
//! generator keyed by `(seed, row)`, so output does not depend on anything
//! else and can be produced in parallel later.
//!
//! The organic background: account activity and object popularity are
//! heavy-tailed (power laws); each object has a birth time and its shares
//! follow at exponentially distributed delays (mean 6 hours). The planted
//! groups: on each event, most members of one group share one campaign
//! object within `jitter` seconds of each other.
//!
//! ```
//! let s = lockstep_sim::Scenario { rows: 100, ..Default::default() };
//! let (mut csv, mut truth) = (Vec::new(), Vec::new());
//! let n = lockstep_sim::generate(&s, &mut csv, &mut truth).unwrap();
//! assert_eq!(n, 100);
//! assert!(String::from_utf8(csv).unwrap().starts_with("object_id,account_id,content_id,timestamp_share\n"));
//! ```
#![warn(missing_docs)]

use std::io::{self, Write};

pub mod evaluate;
pub mod world;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Rows to write.
    pub rows: u64,
    /// Organic accounts (default: rows / 10, at least 10).
    pub accounts: Option<u64>,
    /// Organic objects (default: rows / 5, at least 10).
    pub objects: Option<u64>,
    /// Planted groups.
    pub groups: u32,
    /// Accounts per group.
    pub group_size: u32,
    /// Share of rows made by the groups, in [0, 0.5] (larger values are capped).
    pub coordinated_share: f64,
    /// Seconds within which a group's members share an event's object.
    pub jitter_s: u32,
    /// Seconds covered.
    pub span_s: u64,
    /// First timestamp (UNIX seconds).
    pub start: i64,
    /// Seed.
    pub seed: u64,
    /// Add a `text` column: organic posts say their own thing in words of
    /// a heavy-tailed vocabulary; on each event a group posts one line,
    /// each member with an operator's edits (see [`text`]).
    pub text: bool,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            rows: 100_000,
            accounts: None,
            objects: None,
            groups: 5,
            group_size: 20,
            coordinated_share: 0.02,
            jitter_s: 30,
            span_s: 30 * 86_400,
            start: 1_700_000_000,
            seed: 1,
            text: false,
        }
    }
}

/// SplitMix64: a good 64-bit mix, used as a counter-based generator.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A stream of uniform numbers for one key.
struct Draws(u64);

impl Draws {
    fn new(seed: u64, stream: u64, key: u64) -> Self {
        Draws(mix(seed ^ mix(stream.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ mix(key))))
    }
    fn u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }
    /// Uniform in [0, 1).
    fn f64(&mut self) -> f64 {
        (self.u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        ((self.u64() as u128 * n as u128) >> 64) as u64
    }
}

/// A heavy-tailed index in `0..n`: `P(index <= x) = ((x + 1) / n)^(1/2)`,
/// so the most popular of a million gets about a thousandth of the draws.
fn heavy(d: &mut Draws, n: u64) -> u64 {
    let u = d.f64();
    ((u * u * n as f64) as u64).min(n - 1)
}

const ORGANIC: u64 = 1;
const EVENT: u64 = 2;
const BIRTH: u64 = 3;
const EDIT: u64 = 4;
const LINE: u64 = 5;

/// Synthetic posts' words and edits.
pub mod text {
    use super::Draws;

    const SYLLABLES: [&str; 20] = [
        "ba", "ko", "ri", "ma", "te", "lu", "shi", "na", "po", "de", "vi", "go", "ra", "su", "me",
        "fa", "zo", "ki", "la", "ne",
    ];
    /// Words in the vocabulary.
    pub const VOCABULARY: u64 = 50_000;

    /// Word `k` of the vocabulary: its base-20 digits as syllables.
    pub fn word(mut k: u64, out: &mut String) {
        loop {
            out.push_str(SYLLABLES[(k % 20) as usize]);
            k /= 20;
            if k == 0 {
                break;
            }
        }
    }

    /// A word drawn with Zipf-like frequencies: `P(rank <= x) = (x/V)^(1/3)`,
    /// so the commonest word is about 3% of all words, as in real text.
    fn draw(d: &mut Draws) -> u64 {
        let u = d.f64();
        ((u * u * u * VOCABULARY as f64) as u64).min(VOCABULARY - 1)
    }

    /// A post of 8 to 30 words and, one time in three, a hashtag.
    pub(crate) fn organic(d: &mut Draws, out: &mut String) {
        let n = 8 + d.below(23);
        for i in 0..n {
            if i > 0 {
                out.push(' ');
            }
            word(draw(d), out);
        }
        if d.below(3) == 0 {
            out.push_str(" #");
            word(d.below(2_000), out);
        }
    }

    /// An event's line: 15 to 25 words and two hashtags, as word ranks.
    pub(crate) fn line(d: &mut Draws) -> (Vec<u64>, [u64; 2]) {
        let n = 15 + d.below(11);
        ((0..n).map(|_| draw(d)).collect(), [d.below(2_000), d.below(2_000)])
    }

    /// One member's paraphrase of a line: about a third of the words
    /// replaced, the rest in a rotated order, the hashtags kept; too far
    /// from the line for near-duplicate text.
    pub(crate) fn paraphrase(line: &(Vec<u64>, [u64; 2]), d: &mut Draws, out: &mut String) {
        let mut words = line.0.clone();
        for w in words.iter_mut() {
            if d.below(3) == 0 {
                *w = draw(d);
            }
        }
        let cut = d.below(words.len() as u64) as usize;
        words.rotate_left(cut);
        for (i, &w) in words.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            word(w, out);
        }
        for &t in &line.1 {
            out.push_str(" #");
            word(t, out);
        }
    }

    /// One member's copy of a line: up to three edits, each a swapped word,
    /// a dropped word, an added emoji, changed punctuation, or the hashtags
    /// moved to the front.
    pub(crate) fn copy(line: &(Vec<u64>, [u64; 2]), d: &mut Draws, out: &mut String) {
        let mut words = line.0.clone();
        let (mut emoji, mut bang, mut tags_first) = (false, false, false);
        for _ in 0..d.below(4) {
            match d.below(5) {
                0 => {
                    let i = d.below(words.len() as u64) as usize;
                    words[i] = draw(d);
                }
                1 if words.len() > 10 => {
                    let i = d.below(words.len() as u64) as usize;
                    words.remove(i);
                }
                2 => emoji = true,
                3 => bang = true,
                _ => tags_first = true,
            }
        }
        let tags = |out: &mut String| {
            for (i, &t) in line.1.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push('#');
                word(t, out);
            }
        };
        if tags_first {
            tags(out);
            out.push(' ');
        }
        for (i, &w) in words.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            word(w, out);
        }
        if bang {
            out.push_str("!!!");
        }
        if emoji {
            out.push_str(" 🔥");
        }
        if !tags_first {
            out.push(' ');
            tags(out);
        }
    }
}

/// Writes the shares CSV (CooRTweet's four columns) and the truth CSV
/// (`account_id,group_id,group_size`); returns the rows written.
pub fn generate(s: &Scenario, out: &mut dyn Write, truth: &mut dyn Write) -> io::Result<u64> {
    generate_with_progress(s, out, truth, &|_| {})
}

/// [`generate`], calling `progress` with the rows written so far now and then.
pub fn generate_with_progress(
    s: &Scenario,
    out: &mut dyn Write,
    truth: &mut dyn Write,
    progress: &dyn Fn(u64),
) -> io::Result<u64> {
    let accounts = s.accounts.unwrap_or(s.rows / 10).max(10);
    let objects = s.objects.unwrap_or(s.rows / 5).max(10);
    let group_size = s.group_size.max(2) as u64;
    let coordinated_rows = if s.groups == 0 {
        0
    } else {
        (s.rows as f64 * s.coordinated_share.clamp(0.0, 0.5)) as u64
    };
    let per_event = (group_size * 4).div_ceil(5); // about 80% of members join an event
    let events = coordinated_rows / per_event.max(1);

    writeln!(truth, "account_id,group_id,group_size")?;
    for g in 0..s.groups as u64 {
        for m in 0..group_size {
            writeln!(truth, "g{g}_{m},{g},{group_size}")?;
        }
    }
    if s.text {
        writeln!(out, "object_id,account_id,content_id,timestamp_share,text")?;
    } else {
        writeln!(out, "object_id,account_id,content_id,timestamp_share")?;
    }
    let mut row = 0u64;
    let mut line = String::with_capacity(96);
    // The text, when there is one, is written by the caller after the
    // four columns (it has no comma or quote to escape).
    let mut emit = |line: &mut String,
                    obj: &dyn std::fmt::Display,
                    acc: &dyn std::fmt::Display,
                    t: i64,
                    text: Option<&str>,
                    row: &mut u64| {
        use std::fmt::Write as _;
        line.clear();
        let _ = write!(line, "{obj},{acc},p{row},{t}");
        if let Some(text) = text {
            line.push(',');
            line.push_str(text);
        }
        line.push('\n');
        *row += 1;
        out.write_all(line.as_bytes())
    };
    let mut post = String::new();
    // Events are spread evenly between organic rows, so the file is not
    // sorted by kind.
    let organic = s.rows - events * per_event;
    let every = organic.checked_div(events).map_or(u64::MAX, |k| k.max(1));
    let mut e = 0u64;
    for i in 0..organic {
        if i % (1 << 18) == 0 {
            progress(row);
        }
        let mut d = Draws::new(s.seed, ORGANIC, i);
        let obj = heavy(&mut d, objects);
        let acc = heavy(&mut d, accounts);
        let birth = Draws::new(s.seed, BIRTH, obj).below(s.span_s) as f64;
        let delay = -(1.0 - d.f64()).ln() * 6.0 * 3600.0;
        let t = s.start + (birth + delay) as i64;
        let text = s.text.then(|| {
            post.clear();
            text::organic(&mut d, &mut post);
            post.as_str()
        });
        emit(&mut line, &format_args!("o{obj}"), &format_args!("u{acc}"), t, text, &mut row)?;
        if (i + 1) % every == 0 && e < events {
            let mut d = Draws::new(s.seed, EVENT, e);
            let g = d.below(s.groups as u64);
            let t0 = s.start + d.below(s.span_s) as i64;
            // Members join in a seeded order; the first `per_event` share.
            let mut members: Vec<u64> = (0..group_size).collect();
            for k in (1..members.len()).rev() {
                members.swap(k, d.below(k as u64 + 1) as usize);
            }
            let said = s.text.then(|| text::line(&mut Draws::new(s.seed, LINE, e)));
            for &m in &members[..per_event as usize] {
                let t = t0 + d.below(s.jitter_s as u64 + 1) as i64;
                let text = said.as_ref().map(|said| {
                    post.clear();
                    text::copy(said, &mut Draws::new(s.seed, EDIT, e * group_size + m), &mut post);
                    post.as_str()
                });
                emit(
                    &mut line,
                    &format_args!("c{g}_{e}"),
                    &format_args!("g{g}_{m}"),
                    t,
                    text,
                    &mut row,
                )?;
            }
            e += 1;
        }
    }
    // Rounding may leave events unplaced: none are, as `every` floors.
    debug_assert_eq!(e, events);
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_exact_size() {
        let s = Scenario { rows: 5_000, seed: 7, ..Default::default() };
        let (mut a, mut t1) = (Vec::new(), Vec::new());
        let (mut b, mut t2) = (Vec::new(), Vec::new());
        assert_eq!(generate(&s, &mut a, &mut t1).unwrap(), 5_000);
        generate(&s, &mut b, &mut t2).unwrap();
        assert_eq!(a, b);
        assert_eq!(t1, t2);
        assert_eq!(String::from_utf8(a).unwrap().lines().count(), 5_001);
        let other = Scenario { seed: 8, ..s.clone() };
        let mut c = Vec::new();
        generate(&other, &mut c, &mut Vec::new()).unwrap();
        assert_ne!(b, c);
        // Texts add a column and change nothing else.
        let texts = Scenario { text: true, ..s };
        let mut d = Vec::new();
        generate(&texts, &mut d, &mut Vec::new()).unwrap();
        let d = String::from_utf8(d).unwrap();
        for (plain, with_text) in String::from_utf8(b).unwrap().lines().zip(d.lines()) {
            assert!(with_text.starts_with(plain), "{with_text}");
            assert_eq!(with_text.matches(',').count(), 4);
        }
    }
}
