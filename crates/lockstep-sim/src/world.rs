//! A realistic scenario with ground truth, written as X API v1.1 tweets
//! (JSON Lines, millisecond `timestamp_ms`, a `user` object with creation
//! date, handle and client app) so that every layer and fingerprint has
//! something to find.
//!
//! **Organic background.** Accounts with heavy-tailed activity (Pareto,
//! mean about 2 posts a day), a home time zone, waking-hours rhythm every day
//! of the week, creation dates spread over 15 years, free-form handles and
//! the common phone and web clients. They retweet posts of the last days
//! (heavy-tailed popularity), share article links (heavy-tailed sites and
//! articles) and write their own texts, with hashtags from a heavy-tailed
//! pool.
//!
//! **Operations** (ground truth: `campaign` in the truth file):
//! - `farm`: accounts created in one three-day batch, handles made of a
//!   name and eight digits, all on the web client, working Monday to Friday
//!   09–18 at UTC+3. Every working day brings four orders (a post to
//!   retweet, a link, a hashtag with a text line); about three in four
//!   members carry out each order within a minute or two, copying the line
//!   with small edits.
//! - `camouflage`: old accounts with organic handles, clients, time zones
//!   and organic activity of their own; two orders a day, carried out by
//!   three in five members over about ten minutes, lines paraphrased.
//! - `slow`: one order a day, carried out by four in five members at any
//!   time over six hours.
//!
//! **Decoys** (organic accounts, or independent bots; no campaign):
//! - fan bursts: three celebrities post twice a day and a few hundred fans
//!   retweet each post within minutes;
//! - breaking news: once a day, a link shared by hundreds within the hour;
//! - a trending hashtag: once a day, used by hundreds over the day;
//! - aggregator bots: four bots that each post every article of one news
//!   feed (50 a day) within a minute of publication, each polling on its
//!   own.
//!
//! Everything is drawn from counter-based streams keyed by the seed, so the
//! same seed and sizes give the same bytes.

use crate::{heavy, text, Draws};
use std::io::{self, Write};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct World {
    /// Organic accounts.
    pub accounts: u64,
    /// Days covered, from Monday 2024-03-04 00:00 UTC.
    pub days: u32,
    /// Plant the three operations (`false`: organic accounts and decoys
    /// only, for false-positive and calibration studies).
    pub operations: bool,
    /// Seed.
    pub seed: u64,
}

impl Default for World {
    fn default() -> Self {
        World { accounts: 20_000, days: 28, operations: true, seed: 1 }
    }
}

/// The role of an account in the truth file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// An ordinary account (fans, news readers and trend followers among them).
    Organic,
    /// An independent news-aggregator bot.
    Aggregator,
    /// A member of the batch-created office-hours farm.
    Farm,
    /// A member of the camouflaged operation.
    Camouflage,
    /// A member of the slow operation.
    Slow,
}

impl Role {
    /// The name in the truth file.
    pub fn name(self) -> &'static str {
        match self {
            Role::Organic => "organic",
            Role::Aggregator => "aggregator",
            Role::Farm => "farm",
            Role::Camouflage => "camouflage",
            Role::Slow => "slow",
        }
    }

    /// The campaign in the truth file: the operation's name, or none.
    pub fn campaign(self) -> Option<&'static str> {
        matches!(self, Role::Farm | Role::Camouflage | Role::Slow).then(|| self.name())
    }
}

const FARM: u64 = 40;
const CAMOUFLAGE: u64 = 30;
const SLOW: u64 = 20;
const AGGREGATORS: u64 = 4;

/// Monday 2024-03-04 00:00 UTC, in milliseconds.
const START_MS: i64 = 19_786 * 86_400_000;
const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

// Streams of the counter-based generator (see `Draws`).
const ACCOUNT: u64 = 11;
const DAY: u64 = 12;
const POST: u64 = 13;
const ORDER: u64 = 14;
const MEMBER: u64 = 15;
const DECOY: u64 = 16;
const FEED: u64 = 17;
const PROFILE: u64 = 18;

struct Account {
    id: u64,
    handle: String,
    created_ms: i64,
    client: &'static str,
    role: Role,
}

/// What a post does; texts are drawn when the post is written.
#[derive(Clone, Copy)]
enum What {
    /// A retweet of a post (by its id).
    Retweet(u64),
    /// A link to an article: site, article.
    Link(u64, u64),
    /// An own text (drawn from the key), with a hashtag or not.
    Text(u64, Option<u64>),
    /// A member's copy of an order's line: order key, member key.
    Line(u64, u64),
}

struct Post {
    ms: i64,
    account: u32,
    what: What,
}

const NAMES: [&str; 16] = [
    "olga", "ivan", "maria", "alex", "nina", "dmitri", "anna", "sergei", "elena", "pavel", "irina",
    "oleg", "vera", "boris", "lena", "max",
];
const CLIENTS: [&str; 3] = ["Twitter for iPhone", "Twitter for Android", "Twitter Web App"];
/// Home time zones (hours east of UTC) and their weights in percent.
const ZONES: [(i64, u64); 5] = [(-5, 20), (0, 15), (1, 20), (3, 25), (8, 20)];
/// Relative activity by local hour: asleep 1–6, busiest in the evening.
const DIURNAL: [u64; 24] =
    [4, 2, 1, 1, 1, 1, 2, 4, 6, 7, 7, 7, 8, 8, 7, 7, 7, 8, 9, 10, 10, 9, 8, 6];

fn weighted(d: &mut Draws, weights: &[u64]) -> usize {
    let total: u64 = weights.iter().sum();
    let mut x = d.below(total);
    for (i, &w) in weights.iter().enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// An exponential delay with the given mean, in milliseconds.
fn exp_ms(d: &mut Draws, mean_ms: f64) -> i64 {
    (-(1.0 - d.f64()).ln() * mean_ms) as i64
}

fn organic_handle(d: &mut Draws) -> String {
    let name = NAMES[d.below(NAMES.len() as u64) as usize];
    match d.below(4) {
        0 => format!("{name}_{}", NAMES[d.below(NAMES.len() as u64) as usize]),
        1 => format!("{name}{}", d.below(100)),
        2 => format!("the_real_{name}"),
        _ => format!("{name}{}{}", NAMES[d.below(NAMES.len() as u64) as usize], 1950 + d.below(60)),
    }
}

/// Writes the tweets (one JSON object per line, in time order) and the
/// truth CSV (`account_id,role,campaign`, account ids as lockstep names
/// them); returns the tweets written.
pub fn generate(w: &World, out: &mut dyn Write, truth: &mut dyn Write) -> io::Result<u64> {
    let days = w.days.max(1) as i64;
    let mut accounts: Vec<Account> = Vec::new();
    let mut posts: Vec<Post> = Vec::new();
    let items_per_day = (w.accounts / 4).max(10);
    let articles_per_day = (w.accounts / 8).max(10);

    // Organic accounts and their own posts.
    for a in 0..w.accounts {
        let mut d = Draws::new(w.seed, ACCOUNT, a);
        let rate = (0.7 / (1.0 - d.f64()).powf(1.0 / 1.5)).min(100.0);
        let zone = ZONES[weighted(&mut d, &ZONES.map(|z| z.1))].0;
        accounts.push(Account {
            id: 1_000_000 + a,
            handle: organic_handle(&mut d),
            created_ms: START_MS - DAY_MS * (30 + d.below(15 * 365) as i64)
                + d.below(DAY_MS as u64) as i64,
            client: CLIENTS[weighted(&mut d, &[45, 35, 20])],
            role: Role::Organic,
        });
        let idx = accounts.len() as u32 - 1;
        organic_posts(w, &mut posts, idx, a, rate, zone, items_per_day, articles_per_day);
    }

    // Decoys among the organic accounts: fan bursts, breaking news, trends.
    for day in 0..days {
        let mut d = Draws::new(w.seed, DECOY, day as u64);
        for celebrity in 0..3u64 {
            for k in 0..2u64 {
                let t0 = START_MS + day * DAY_MS + (8 + d.below(14) as i64) * HOUR_MS;
                let item = 500_000_000 + (day as u64 * 3 + celebrity) * 2 + k;
                for _ in 0..(150 + d.below(250)) {
                    // Fans are every seventh organic account.
                    let fan = d.below(w.accounts.div_ceil(7)) * 7 % w.accounts;
                    let ms = t0 + exp_ms(&mut d, 120_000.0);
                    posts.push(Post { ms, account: fan as u32, what: What::Retweet(item) });
                }
            }
        }
        let t0 = START_MS + day * DAY_MS + d.below(DAY_MS as u64) as i64;
        for _ in 0..(100 + d.below(200)) {
            let reader = d.below(w.accounts) as u32;
            let ms = t0 + exp_ms(&mut d, 15.0 * 60_000.0);
            posts.push(Post { ms, account: reader, what: What::Link(9_000, day as u64) });
        }
        let trend = 5_000 + day as u64;
        for _ in 0..(200 + d.below(300)) {
            let user = d.below(w.accounts);
            let ms = START_MS + day * DAY_MS + d.below(DAY_MS as u64) as i64;
            let key = d.u64();
            posts.push(Post { ms, account: user as u32, what: What::Text(key, Some(trend)) });
        }
    }

    // Aggregator bots: every article of one feed, each bot polling on its own.
    for b in 0..AGGREGATORS {
        let mut d = Draws::new(w.seed, ACCOUNT, 1 << 40 | b);
        accounts.push(Account {
            id: 7_000_000 + b,
            // Named by four operators: numbered handles from one template
            // would read as one operator, which the handle fingerprint is for.
            handle: ["dailynewsdigest", "headlines_now", "newswire24", "the_morning_feed"]
                [b as usize]
                .to_string(),
            created_ms: START_MS - DAY_MS * (400 + d.below(2_000) as i64),
            client: ["IFTTT", "dlvr.it", "Buffer", "Hootsuite Inc."][b as usize],
            role: Role::Aggregator,
        });
    }
    let first_bot = accounts.len() as u32 - AGGREGATORS as u32;
    for day in 0..days {
        for k in 0..50u64 {
            let mut d = Draws::new(w.seed, FEED, day as u64 * 50 + k);
            let published = START_MS + day * DAY_MS + d.below(DAY_MS as u64) as i64;
            for b in 0..AGGREGATORS {
                let ms = published + d.below(60_000) as i64;
                let what = What::Link(9_001, day as u64 * 50 + k);
                posts.push(Post { ms, account: first_bot + b as u32, what });
            }
        }
    }

    if w.operations {
        operations(w, &mut accounts, &mut posts, items_per_day, articles_per_day);
    }

    writeln!(truth, "account_id,role,campaign")?;
    for a in &accounts {
        writeln!(truth, "x:{},{},{}", a.id, a.role.name(), a.role.campaign().unwrap_or(""))?;
    }

    // Only posts inside the covered days; in time order, ties by account
    // and kind so that the order is total.
    let end = START_MS + days * DAY_MS;
    posts.retain(|p| p.ms >= START_MS && p.ms < end);
    posts.sort_by_key(|p| (p.ms, p.account, what_key(p.what)));
    let mut line = String::with_capacity(512);
    let mut said = String::new();
    for (n, p) in posts.iter().enumerate() {
        let a = &accounts[p.account as usize];
        line.clear();
        write_tweet(&mut line, &mut said, w.seed, 2_000_000_000 + n as u64, p, a);
        out.write_all(line.as_bytes())?;
    }
    Ok(posts.len() as u64)
}

fn what_key(w: What) -> (u8, u64, u64) {
    match w {
        What::Retweet(i) => (0, i, 0),
        What::Link(s, a) => (1, s, a),
        What::Text(k, t) => (2, k, t.unwrap_or(u64::MAX)),
        What::Line(o, m) => (3, o, m),
    }
}

/// An organic account's own posts over the days.
#[allow(clippy::too_many_arguments)]
fn organic_posts(
    w: &World,
    posts: &mut Vec<Post>,
    idx: u32,
    key: u64,
    rate: f64,
    zone: i64,
    items_per_day: u64,
    articles_per_day: u64,
) {
    for day in 0..w.days as i64 {
        let mut d = Draws::new(w.seed, DAY, key << 12 | day as u64);
        let n = rate.floor() as u64 + u64::from(d.f64() < rate.fract());
        for _ in 0..n {
            let hour = weighted(&mut d, &DIURNAL) as i64;
            let ms =
                START_MS + day * DAY_MS + (hour - zone) * HOUR_MS + d.below(HOUR_MS as u64) as i64;
            let what = organic_what(&mut d, day, items_per_day, articles_per_day);
            posts.push(Post { ms, account: idx, what });
        }
    }
}

/// What an organic post does: a retweet of a recent post, a link to a
/// recent article, or an own text.
fn organic_what(d: &mut Draws, day: i64, items_per_day: u64, articles_per_day: u64) -> What {
    // Posts and articles of the last days, the newest most.
    let mut back = 0;
    while back < day && d.below(10) < 4 {
        back += 1;
    }
    let born = (day - back) as u64;
    match d.below(20) {
        0..=8 => What::Retweet(born * items_per_day + heavy(d, items_per_day)),
        9..=14 => What::Link(heavy(d, 2_000), born * articles_per_day + heavy(d, articles_per_day)),
        _ => {
            let tag = (d.below(3) == 0).then(|| heavy(d, 2_000));
            What::Text(d.u64(), tag)
        }
    }
}

/// The three operations: their accounts and posts.
fn operations(
    w: &World,
    accounts: &mut Vec<Account>,
    posts: &mut Vec<Post>,
    items_per_day: u64,
    articles_per_day: u64,
) {
    let days = w.days as i64;
    for (op, role, size) in
        [(0u64, Role::Farm, FARM), (1, Role::Camouflage, CAMOUFLAGE), (2, Role::Slow, SLOW)]
    {
        let first = accounts.len() as u32;
        let batch_day = START_MS - DAY_MS * 110;
        for m in 0..size {
            let mut d = Draws::new(w.seed, ACCOUNT, 1 << 41 | op << 20 | m);
            let account = if role == Role::Farm {
                Account {
                    id: 9_000_000 + op * 1_000 + m,
                    handle: format!(
                        "{}{:08}",
                        NAMES[d.below(NAMES.len() as u64) as usize],
                        d.below(100_000_000)
                    ),
                    created_ms: batch_day + d.below(3 * DAY_MS as u64) as i64,
                    client: "Twitter Web App",
                    role,
                }
            } else {
                Account {
                    id: 9_000_000 + op * 1_000 + m,
                    handle: organic_handle(&mut d),
                    created_ms: START_MS - DAY_MS * (30 + d.below(15 * 365) as i64)
                        + d.below(DAY_MS as u64) as i64,
                    client: CLIENTS[weighted(&mut d, &[45, 35, 20])],
                    role,
                }
            };
            accounts.push(account);
            // Cover: the camouflaged and slow members live organic lives too;
            // farm members post filler in office hours (below).
            if role != Role::Farm {
                let rate = 1.0 + d.f64() * 2.0;
                let zone = ZONES[weighted(&mut d, &ZONES.map(|z| z.1))].0;
                let idx = accounts.len() as u32 - 1;
                organic_posts(
                    w,
                    posts,
                    idx,
                    1 << 30 | op << 20 | m,
                    rate,
                    zone,
                    items_per_day,
                    articles_per_day,
                );
            }
        }
        for day in 0..days {
            let weekday = day % 7; // day 0 is a Monday
            let orders = match role {
                Role::Farm if weekday < 5 => 4,
                Role::Farm => 0,
                Role::Camouflage => 2,
                _ => 1,
            };
            let day_ms = START_MS + day * DAY_MS;
            let mut d = Draws::new(w.seed, ORDER, op << 32 | day as u64);
            if role == Role::Farm && weekday < 5 {
                // Filler in office hours (09–18 at UTC+3 is 06–15 UTC).
                for m in 0..size {
                    for _ in 0..3 {
                        let ms = day_ms + 6 * HOUR_MS + d.below(9 * HOUR_MS as u64) as i64;
                        let what = organic_what(&mut d, day, items_per_day, articles_per_day);
                        posts.push(Post { ms, account: first + m as u32, what });
                    }
                }
            }
            for k in 0..orders {
                let order = op << 40 | (day as u64) << 8 | k;
                let t0 = match role {
                    Role::Farm => day_ms + 6 * HOUR_MS + d.below(8 * HOUR_MS as u64) as i64,
                    _ => day_ms + d.below(DAY_MS as u64) as i64,
                };
                let what = |member: u64| match k % 3 {
                    0 => What::Retweet(600_000_000 + order),
                    1 => What::Link(9_100 + op, order),
                    _ => What::Line(order, member),
                };
                let (join, spread) = match role {
                    Role::Farm => (75, 40_000.0),
                    Role::Camouflage => (60, 10.0 * 60_000.0),
                    _ => (80, 0.0),
                };
                for m in 0..size {
                    let mut dm = Draws::new(w.seed, MEMBER, order << 8 | m);
                    if dm.below(100) >= join {
                        continue;
                    }
                    let delay = if role == Role::Slow {
                        dm.below(6 * HOUR_MS as u64) as i64
                    } else {
                        exp_ms(&mut dm, spread).min(if role == Role::Farm {
                            300_000
                        } else {
                            i64::MAX
                        })
                    };
                    posts.push(Post { ms: t0 + delay, account: first + m as u32, what: what(m) });
                }
            }
        }
    }
}

/// An account's followers, following and whether it keeps the default
/// picture, from its own stream of draws (so that adding them moved no
/// other draw). Organic audiences are heavy-tailed; farm accounts follow
/// hundreds, are followed by a handful and mostly keep the default
/// picture; the slow farm a little less so; camouflaged accounts are
/// bought old ones and look organic; aggregators have large audiences.
fn profile(seed: u64, a: &Account) -> (u64, u64, bool) {
    let mut d = Draws::new(seed, PROFILE, a.id);
    let pareto = |d: &mut Draws, scale: f64, shape: f64, cap: f64| {
        (scale / (1.0 - d.f64()).powf(1.0 / shape)).min(cap) as u64 - scale as u64 / 2
    };
    match a.role {
        Role::Farm => (d.below(16), 100 + d.below(500), d.f64() < 0.85),
        Role::Slow => (5 + d.below(75), 200 + d.below(700), d.f64() < 0.3),
        Role::Aggregator => (5_000 + d.below(45_000), 10 + d.below(90), false),
        Role::Organic | Role::Camouflage => {
            (pareto(&mut d, 20.0, 1.1, 1e6), pareto(&mut d, 60.0, 2.0, 5e3), d.f64() < 0.06)
        }
    }
}

/// One tweet as X API v1.1 JSON and a newline.
fn write_tweet(out: &mut String, said: &mut String, seed: u64, id: u64, p: &Post, a: &Account) {
    use std::fmt::Write as _;
    let created = twitter_date(a.created_ms);
    let (followers, following, default_image) = profile(seed, a);
    let _ = write!(
        out,
        "{{\"id_str\":\"{id}\",\"timestamp_ms\":\"{}\",\"user\":{{\"id_str\":\"{}\",\"screen_name\":\"{}\",\"created_at\":\"{created}\",\"followers_count\":{followers},\"friends_count\":{following},\"default_profile_image\":{default_image}}},\"source\":\"<a href=\\\"https://example.com/app\\\" rel=\\\"nofollow\\\">{}</a>\"",
        p.ms, a.id, a.handle, a.client
    );
    said.clear();
    let (mut urls, mut tags): (Option<String>, Vec<u64>) = (None, Vec::new());
    match p.what {
        What::Retweet(item) => {
            let _ = write!(out, ",\"retweeted_status\":{{\"id_str\":\"{item}\"}}");
            said.push_str("RT");
        }
        What::Link(site, article) => {
            let url = format!("https://site{site}.example/a/{article}");
            let mut d = Draws::new(seed, POST, id);
            text::organic(&mut d, said);
            said.push(' ');
            said.push_str(&url);
            urls = Some(url);
        }
        What::Text(key, tag) => {
            text::organic(&mut Draws::new(seed, POST, key), said);
            if let Some(t) = tag {
                said.push_str(" #");
                text::word(t, said);
                tags.push(t);
            }
        }
        What::Line(order, member) => {
            let line = text::line(&mut Draws::new(seed, ORDER, order));
            text::copy(&line, &mut Draws::new(seed, MEMBER, order << 8 | member | 1 << 63), said);
            tags.extend(line.1);
        }
    }
    let _ = write!(out, ",\"text\":\"{said}\",\"entities\":{{\"urls\":[");
    if let Some(u) = &urls {
        let _ = write!(out, "{{\"expanded_url\":\"{u}\"}}");
    }
    out.push_str("],\"hashtags\":[");
    for (i, t) in tags.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"text\":\"");
        text::word(*t, out);
        out.push_str("\"}");
    }
    out.push_str("]}}\n");
}

/// `Wed Oct 10 20:19:24 +0000 2018` of a time in milliseconds.
fn twitter_date(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = lockstep_model::time::civil_from_days(days);
    format!(
        "{} {} {d:02} {:02}:{:02}:{:02} +0000 {y}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[m as usize - 1],
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(seed: u64) -> (Vec<u8>, Vec<u8>) {
        let w = World { accounts: 500, days: 7, operations: true, seed };
        let (mut out, mut truth) = (Vec::new(), Vec::new());
        generate(&w, &mut out, &mut truth).unwrap();
        (out, truth)
    }

    #[test]
    fn deterministic_valid_json_in_time_order() {
        let (a, ta) = small(3);
        let (b, tb) = small(3);
        assert_eq!((&a, &ta), (&b, &tb));
        assert_ne!(a, small(4).0);
        let mut last = 0i64;
        for line in String::from_utf8(a).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let ms: i64 = v["timestamp_ms"].as_str().unwrap().parse().unwrap();
            assert!(ms >= last);
            last = ms;
        }
        let truth = String::from_utf8(ta).unwrap();
        assert_eq!(truth.lines().filter(|l| l.ends_with(",farm")).count() as u64, FARM);
        assert_eq!(
            truth.lines().filter(|l| l.contains(",aggregator,")).count() as u64,
            AGGREGATORS
        );
    }

    #[test]
    fn farm_works_office_hours_on_weekdays() {
        let (out, truth) = small(5);
        let farm: std::collections::HashSet<String> = String::from_utf8(truth)
            .unwrap()
            .lines()
            .filter(|l| l.ends_with(",farm"))
            .map(|l| l.split(',').next().unwrap().trim_start_matches("x:").to_string())
            .collect();
        let mut n = 0;
        for line in String::from_utf8(out).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            if !farm.contains(v["user"]["id_str"].as_str().unwrap()) {
                continue;
            }
            let ms: i64 = v["timestamp_ms"].as_str().unwrap().parse().unwrap();
            let local_h = ((ms - START_MS) / HOUR_MS + 3) % 24;
            let weekday = (ms - START_MS) / DAY_MS % 7;
            assert!(weekday < 5 && (9..=18).contains(&local_h), "{ms}");
            n += 1;
        }
        assert!(n > 500, "{n}");
    }

    #[test]
    fn dates() {
        assert_eq!(twitter_date(1_539_202_764_000), "Wed Oct 10 20:19:24 +0000 2018");
        assert_eq!(twitter_date(START_MS), "Mon Mar 04 00:00:00 +0000 2024");
    }
}
