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
//! **Realistic** (`World::realistic`, `simulate --scenario realistic`):
//! the hard negatives at the scale they have on the platform, and
//! exports as they come.
//! - fan bursts: two celebrities post once a day and 1,000–1,500 fans
//!   retweet each post within about 30 s of release;
//! - breaking news: a story a day shared by 1,000–3,000 accounts within
//!   minutes, a third of them with the share button's identical text
//!   (headline, `via @site`);
//! - trending hashtags: three a day, each used by 300–3,000 accounts
//!   within hours;
//! - organic communities of hyperactive friends (forty, of 10–50 accounts)
//!   who post twice a day beyond their own rhythm, each post retweeted by
//!   one friend in eight within minutes;
//! - independent news bots: six, two feeds, each bot polling its feed
//!   every ten minutes on a cron of its own;
//! - retweets carry their original's hashtags, links and author mention,
//!   as both X exports do, and (in the API JSON) when the original was
//!   posted;
//! - the operations at scale: a factory of 300 accounts in office hours
//!   (its own posts, links with tracking-parameter and short-link
//!   variants, copied lines, and retweets of the day's popular posts), a
//!   camouflaged operation of 60 old accounts paraphrasing within about
//!   twenty minutes, and a slow one of 40 spread over twelve hours.
//!
//! Written as X API v1.1 JSON Lines, as X API v2 tweets flattened by
//! twarc2 (`Schema::XApiV2`), or as the X IO-archive tweets CSV
//! (`Schema::IoArchive`: minute-precision `tweet_time`, ids of accounts
//! under 5,000 followers hashed, Python-list cells).
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
    /// The hard negatives at their real scale (see the module docs).
    pub realistic: bool,
    /// How the tweets are written.
    pub schema: Schema,
}

impl Default for World {
    fn default() -> Self {
        World {
            accounts: 20_000,
            days: 28,
            operations: true,
            seed: 1,
            realistic: false,
            schema: Schema::XApiV1,
        }
    }
}

/// The export a world is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// X API v1.1 tweets, JSON Lines.
    XApiV1,
    /// The X Information Operations archive's tweets CSV.
    IoArchive,
    /// X API v2 tweets as twarc2 flattens them (one per line, `author`
    /// expanded).
    XApiV2,
    /// The same world on Bluesky, as Jetstream streams it: each account's
    /// first action is preceded by its `identity` event (handle) and its
    /// profile commit (display name, creation time); tweets become post
    /// commits (links, hashtags and mentions as facets), retweets repost
    /// commits. Times are Jetstream's `time_us`, strictly increasing as a
    /// Jetstream instance's are. Accounts have no client or follower
    /// counts, which Jetstream does not carry.
    BlueskyJetstream,
}

/// Operation sizes: (farm, camouflage, slow).
fn op_sizes(w: &World) -> [u64; 3] {
    if w.realistic {
        [300, 60, 40]
    } else {
        [FARM, CAMOUFLAGE, SLOW]
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
const FRIENDS: u64 = 19;
const ITEM: u64 = 20;
const VARIANT: u64 = 21;

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
    /// A member's paraphrase of an order's line: order key, member key.
    Paraphrase(u64, u64),
    /// A link shared through the share button: the headline, `via @site`.
    Share(u64, u64),
    /// An operation's link as members paste it: with tracking parameters,
    /// through a shortener, or plain (site, article).
    Variant(u64, u64),
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

    let mut originals =
        Originals { author: Default::default(), posted_ms: Default::default(), items_per_day };
    if w.realistic {
        realistic_decoys(w, &mut posts, &mut originals);
        cron_bots(w, &mut accounts, &mut posts);
    } else {
        mixed_decoys(w, &mut posts, &mut originals);
        aggregators(w, &mut accounts, &mut posts);
    }

    if w.operations {
        operations(w, &mut accounts, &mut posts, &mut originals, articles_per_day);
    }

    writeln!(truth, "account_id,role,campaign")?;
    for a in &accounts {
        let name = match w.schema {
            Schema::BlueskyJetstream => format!("bsky:{}", did(a.id)),
            _ => format!("x:{}", user_id(w, a)),
        };
        writeln!(truth, "{name},{},{}", a.role.name(), a.role.campaign().unwrap_or(""))?;
    }

    // Only posts inside the covered days; in time order, ties by account
    // and kind so that the order is total.
    let end = START_MS + days * DAY_MS;
    posts.retain(|p| p.ms >= START_MS && p.ms < end);
    posts.sort_by_key(|p| (p.ms, p.account, what_key(p.what)));
    let mut line = String::with_capacity(512);
    let mut tweet = Tweet::default();
    if w.schema == Schema::IoArchive {
        out.write_all(IO_HEADER.as_bytes())?;
    }
    let mut stream = Jetstream { time_us: i64::MIN, introduced: vec![false; accounts.len()] };
    for (n, p) in posts.iter().enumerate() {
        let a = &accounts[p.account as usize];
        line.clear();
        let id = 2_000_000_000 + n as u64;
        tweet.fill(w, id, p, &originals);
        match w.schema {
            Schema::XApiV1 => write_tweet(&mut line, w, id, p, a, &tweet),
            Schema::IoArchive => write_io_row(&mut line, w, id, p, a, &tweet),
            Schema::XApiV2 => write_v2(&mut line, w, id, p, a, &tweet),
            Schema::BlueskyJetstream => stream.write(&mut line, id, p, a, &tweet),
        }
        out.write_all(line.as_bytes())?;
    }
    Ok(posts.len() as u64)
}

/// The columns of the IO archive's tweets CSV, as released.
const IO_HEADER: &str = "tweetid,userid,user_display_name,user_screen_name,user_reported_location,user_profile_description,user_profile_url,follower_count,following_count,account_creation_date,account_language,tweet_language,tweet_text,tweet_time,tweet_client_name,in_reply_to_userid,in_reply_to_tweetid,quoted_tweet_tweetid,is_retweet,retweet_userid,retweet_tweetid,latitude,longitude,quote_count,reply_count,like_count,retweet_count,hashtags,urls,user_mentions,poll_choices\n";

/// An account's id as written: in the IO archive, accounts with fewer
/// than 5,000 followers are hashed (64 hex digits), as the releases do.
fn user_id(w: &World, a: &Account) -> String {
    let (followers, _, _) = profile(w.seed, a);
    if w.schema == Schema::IoArchive && followers < 5_000 {
        hashed(w.seed, a.id)
    } else {
        a.id.to_string()
    }
}

fn hashed(seed: u64, id: u64) -> String {
    let mut d = Draws::new(seed, 99, id);
    format!("{:016x}{:016x}{:016x}{:016x}", d.u64(), d.u64(), d.u64(), d.u64())
}

/// What the world knows of the posts that are retweeted: who wrote the
/// friends' posts, and when the posts whose time matters were posted.
struct Originals {
    /// Item -> account id, where the author is not derived from the item.
    author: std::collections::HashMap<u64, u64>,
    /// Item -> when it was posted (ms).
    posted_ms: std::collections::HashMap<u64, i64>,
    items_per_day: u64,
}

impl Originals {
    /// When `item` was posted: as recorded, else (an organic account's
    /// post of the local day `item / items_per_day`) when that day begins
    /// in the easternmost zone, which is before any retweet of it.
    fn posted(&self, item: u64) -> i64 {
        let east = ZONES.iter().map(|z| z.0).max().unwrap_or(0);
        self.posted_ms
            .get(&item)
            .copied()
            .unwrap_or(START_MS + (item / self.items_per_day) as i64 * DAY_MS - east * HOUR_MS)
    }
}

/// What one post says and names, whatever the schema.
#[derive(Default)]
struct Tweet {
    text: String,
    urls: Vec<String>,
    tags: Vec<u64>,
    /// Mentioned account ids.
    mentions: Vec<u64>,
    /// A retweet's original: post id, author id, when it was posted (ms).
    retweet: Option<(u64, u64, i64)>,
}

impl Tweet {
    /// `,"entities":{...}` as the X APIs write them; the versions differ
    /// in the hashtag's field and the mentions' key and id field.
    fn write_entities(&self, out: &mut String, tag_field: &str, mentions: &str, id_field: &str) {
        use std::fmt::Write as _;
        out.push_str(",\"entities\":{\"urls\":[");
        for (i, u) in self.urls.iter().enumerate() {
            let _ = write!(out, "{}{{\"expanded_url\":\"{u}\"}}", if i > 0 { "," } else { "" });
        }
        out.push_str("],\"hashtags\":[");
        for (i, &tag) in self.tags.iter().enumerate() {
            let _ = write!(out, "{}{{\"{tag_field}\":\"", if i > 0 { "," } else { "" });
            text::word(tag, out);
            out.push_str("\"}");
        }
        let _ = write!(out, "],\"{mentions}\":[");
        for (i, m) in self.mentions.iter().enumerate() {
            let _ = write!(out, "{}{{\"{id_field}\":\"{m}\"}}", if i > 0 { "," } else { "" });
        }
        out.push_str("]}");
    }

    fn fill(&mut self, w: &World, id: u64, p: &Post, originals: &Originals) {
        let seed = w.seed;
        self.text.clear();
        self.urls.clear();
        self.tags.clear();
        self.mentions.clear();
        self.retweet = None;
        match p.what {
            What::Retweet(item) => {
                // At scale, a retweet carries its original's entities, as
                // both X exports write it: the author's mention, and its
                // hashtag and link when it had them.
                let mut d = Draws::new(seed, ITEM, item);
                let author = match item {
                    500_000_000..600_000_000 => 5_000_000 + item % 2,
                    600_000_000..700_000_000 => 9_000_000 + ((item - 600_000_000) >> 40) * 1_000,
                    _ => originals
                        .author
                        .get(&item)
                        .copied()
                        .unwrap_or(1_000_000 + d.below(w.accounts)),
                };
                self.retweet = Some((item, author, originals.posted(item)));
                let _ = std::fmt::Write::write_fmt(&mut self.text, format_args!("RT @u{author}:"));
                if w.realistic {
                    self.mentions.push(author);
                    if d.below(3) == 0 {
                        self.tags.push(heavy(&mut d, 2_000));
                    }
                    if d.below(4) == 0 {
                        let site = heavy(&mut d, 2_000);
                        self.urls.push(format!("https://site{site}.example/a/{item}"));
                    }
                }
            }
            What::Link(site, article) => {
                let url = format!("https://site{site}.example/a/{article}");
                text::organic(&mut Draws::new(seed, POST, id), &mut self.text);
                self.text.push(' ');
                self.text.push_str(&url);
                self.urls.push(url);
            }
            What::Share(site, article) => {
                // The share button: the headline and the site, the same for
                // every reader.
                let url = format!("https://site{site}.example/a/{article}");
                text::organic(&mut Draws::new(seed, POST, site << 32 | article), &mut self.text);
                let handle = 6_000_000 + site;
                let _ = std::fmt::Write::write_fmt(
                    &mut self.text,
                    format_args!(" {url} via @u{handle}"),
                );
                self.urls.push(url);
                self.mentions.push(handle);
            }
            What::Variant(site, article) => {
                let mut d = Draws::new(seed, VARIANT, id);
                let url = match d.below(6) {
                    0 | 1 => format!(
                        "https://site{site}.example/a/{article}?utm_source=tw&utm_medium=social&utm_campaign=m{}",
                        d.below(1_000)
                    ),
                    2 => format!("https://bit.ly/{:x}", d.u64() >> 28),
                    _ => format!("https://site{site}.example/a/{article}"),
                };
                text::organic(&mut d, &mut self.text);
                self.text.push(' ');
                self.text.push_str(&url);
                self.urls.push(url);
            }
            What::Text(key, tag) => {
                text::organic(&mut Draws::new(seed, POST, key), &mut self.text);
                if let Some(t) = tag {
                    self.text.push_str(" #");
                    text::word(t, &mut self.text);
                    self.tags.push(t);
                }
            }
            What::Line(order, member) => {
                let line = text::line(&mut Draws::new(seed, ORDER, order));
                let mut d = Draws::new(seed, MEMBER, order << 8 | member | 1 << 63);
                text::copy(&line, &mut d, &mut self.text);
                self.tags.extend(line.1);
            }
            What::Paraphrase(order, member) => {
                let line = text::line(&mut Draws::new(seed, ORDER, order));
                let mut d = Draws::new(seed, MEMBER, order << 8 | member | 1 << 63);
                text::paraphrase(&line, &mut d, &mut self.text);
                self.tags.extend(line.1);
            }
        }
    }
}

fn what_key(w: What) -> (u8, u64, u64) {
    match w {
        What::Retweet(i) => (0, i, 0),
        What::Link(s, a) => (1, s, a),
        What::Text(k, t) => (2, k, t.unwrap_or(u64::MAX)),
        What::Line(o, m) => (3, o, m),
        What::Paraphrase(o, m) => (4, o, m),
        What::Share(s, a) => (5, s, a),
        What::Variant(s, a) => (6, s, a),
    }
}

/// The decoys of the mixed world: fan bursts, breaking news, trends.
fn mixed_decoys(w: &World, posts: &mut Vec<Post>, originals: &mut Originals) {
    let days = w.days.max(1) as i64;
    // Decoys among the organic accounts: fan bursts, breaking news, trends.
    for day in 0..days {
        let mut d = Draws::new(w.seed, DECOY, day as u64);
        for celebrity in 0..3u64 {
            for k in 0..2u64 {
                let t0 = START_MS + day * DAY_MS + (8 + d.below(14) as i64) * HOUR_MS;
                let item = 500_000_000 + (day as u64 * 3 + celebrity) * 2 + k;
                originals.posted_ms.insert(item, t0);
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
}

/// The mixed world's four aggregator bots.
fn aggregators(w: &World, accounts: &mut Vec<Account>, posts: &mut Vec<Post>) {
    let days = w.days.max(1) as i64;
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
}

/// The realistic world's decoys at their platform scale (module docs).
/// Friend posts' authors go to `authors` (item -> account id), for the
/// mention their retweets carry.
fn realistic_decoys(w: &World, posts: &mut Vec<Post>, originals: &mut Originals) {
    let days = w.days.max(1) as i64;
    for day in 0..days {
        let mut d = Draws::new(w.seed, DECOY, day as u64);
        let day_ms = START_MS + day * DAY_MS;
        // Fans: every fourth account follows the celebrities.
        for celebrity in 0..2u64 {
            let t0 = day_ms + (8 + d.below(14) as i64) * HOUR_MS + d.below(HOUR_MS as u64) as i64;
            let item = 500_000_000 + day as u64 * 2 + celebrity;
            originals.posted_ms.insert(item, t0);
            for _ in 0..(1_000 + d.below(500)) {
                let fan = d.below(w.accounts.div_ceil(4)) * 4 % w.accounts;
                let ms = t0 + 1_000 + exp_ms(&mut d, 8_000.0);
                posts.push(Post { ms, account: fan as u32, what: What::Retweet(item) });
            }
        }
        // Breaking news: one story, a third through the share button.
        let t0 = day_ms + d.below(DAY_MS as u64) as i64;
        for _ in 0..(1_000 + d.below(2_000)) {
            let reader = d.below(w.accounts) as u32;
            let ms = t0 + exp_ms(&mut d, 4.0 * 60_000.0);
            let what = if d.below(3) == 0 {
                What::Share(9_000, day as u64)
            } else {
                What::Link(9_000, day as u64)
            };
            posts.push(Post { ms, account: reader, what });
        }
        // Trending hashtags: three a day, within hours.
        for k in 0..3u64 {
            let trend = 5_000 + day as u64 * 3 + k;
            let t0 = day_ms + d.below(DAY_MS as u64) as i64;
            for _ in 0..(300 + heavy(&mut d, 2_700)) {
                let user = d.below(w.accounts) as u32;
                let ms = t0 + exp_ms(&mut d, 90.0 * 60_000.0);
                posts.push(Post { ms, account: user, what: What::Text(d.u64(), Some(trend)) });
            }
        }
    }
    // Hyperactive friends: forty communities that post several times a day
    // and retweet each other within minutes.
    for c in 0..40u64 {
        let mut d = Draws::new(w.seed, FRIENDS, c);
        let members: Vec<u32> = (0..10 + d.below(41)).map(|_| d.below(w.accounts) as u32).collect();
        for day in 0..days {
            for (mi, &author) in members.iter().enumerate() {
                for j in 0..2u64 {
                    let ms = START_MS
                        + day * DAY_MS
                        + (7 + d.below(16) as i64) * HOUR_MS
                        + d.below(HOUR_MS as u64) as i64;
                    posts.push(Post { ms, account: author, what: What::Text(d.u64(), None) });
                    let item = 8_000_000_000 + (c * 64 + mi as u64) * 1_024 + day as u64 * 4 + j;
                    originals.author.insert(item, 1_000_000 + author as u64);
                    originals.posted_ms.insert(item, ms);
                    for &friend in &members {
                        if friend != author && d.below(100) < 12 {
                            let at = ms + 5_000 + exp_ms(&mut d, 6.0 * 60_000.0);
                            posts.push(Post { ms: at, account: friend, what: What::Retweet(item) });
                        }
                    }
                }
            }
        }
    }
}

/// Six independent news bots on two feeds, each polling its feed every ten
/// minutes on a cron of its own and posting what appeared since.
fn cron_bots(w: &World, accounts: &mut Vec<Account>, posts: &mut Vec<Post>) {
    // Six operators, six handle shapes: one shape shared would read as one
    // operator, which the handle fingerprint is for.
    const NAMES: [&str; 6] = [
        "dailynewsdigest",
        "headlines_now",
        "newswire24",
        "the_morning_feed",
        "rss.pulse",
        "briefing-bot",
    ];
    const CLIENTS: [&str; 6] =
        ["IFTTT", "dlvr.it", "Buffer", "Hootsuite Inc.", "Zapier.com", "TweetDeck"];
    let first = accounts.len() as u32;
    let mut offsets = Vec::new();
    for b in 0..6u64 {
        let mut d = Draws::new(w.seed, ACCOUNT, 1 << 40 | b);
        accounts.push(Account {
            id: 7_000_000 + b,
            handle: NAMES[b as usize].to_string(),
            created_ms: START_MS - DAY_MS * (400 + d.below(2_000) as i64),
            client: CLIENTS[b as usize],
            role: Role::Aggregator,
        });
        offsets.push(d.below(10 * 60_000) as i64);
    }
    let poll = 10 * 60_000i64;
    for day in 0..w.days.max(1) as i64 {
        for k in 0..80u64 {
            let feed = k % 2;
            let mut d = Draws::new(w.seed, FEED, day as u64 * 80 + k);
            let published = START_MS + day * DAY_MS + d.below(DAY_MS as u64) as i64;
            for b in (0..6u64).filter(|b| b % 2 == feed) {
                let off = offsets[b as usize];
                let next = published + (off - published).rem_euclid(poll);
                let ms = next + d.below(5_000) as i64;
                let what = What::Link(9_001 + feed, day as u64 * 80 + k);
                posts.push(Post { ms, account: first + b as u32, what });
            }
        }
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
    originals: &mut Originals,
    articles_per_day: u64,
) {
    let items_per_day = originals.items_per_day;
    let days = w.days as i64;
    let [farm, camouflage, slow] = op_sizes(w);
    for (op, role, size) in
        [(0u64, Role::Farm, farm), (1, Role::Camouflage, camouflage), (2, Role::Slow, slow)]
    {
        let first = accounts.len() as u32;
        let batch_day = START_MS - DAY_MS * 110;
        for m in 0..size {
            let mut d = Draws::new(w.seed, ACCOUNT, 1 << 41 | op << 20 | m);
            let account = if role == Role::Farm {
                // Made in one batch: three days, or a week at scale.
                let batch_days = if w.realistic { 7 } else { 3 };
                Account {
                    id: 9_000_000 + op * 1_000 + m,
                    handle: format!(
                        "{}{:08}",
                        NAMES[d.below(NAMES.len() as u64) as usize],
                        d.below(100_000_000)
                    ),
                    created_ms: batch_day + d.below(batch_days * DAY_MS as u64) as i64,
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
                // The post an order retweets is posted as the order goes out.
                originals.posted_ms.insert(600_000_000 + order, t0);
                // At scale, orders also push the day's popular posts, and
                // members paste links as they come (tracking parameters, a
                // shortener) and paraphrase.
                let popular = day as u64 * items_per_day + d.below(10);
                let what = |member: u64| match (w.realistic, role, k % 4) {
                    (false, _, _) => match k % 3 {
                        0 => What::Retweet(600_000_000 + order),
                        1 => What::Link(9_100 + op, order),
                        _ => What::Line(order, member),
                    },
                    (true, Role::Farm, 0) => What::Retweet(600_000_000 + order),
                    (true, Role::Farm, 1) => What::Variant(9_100 + op, order),
                    (true, Role::Farm, 2) => What::Line(order, member),
                    (true, Role::Farm, _) => What::Retweet(popular),
                    (true, Role::Camouflage, _) => match (day as u64 + k) % 3 {
                        0 => What::Paraphrase(order, member),
                        1 => What::Variant(9_100 + op, order),
                        _ => What::Retweet(popular),
                    },
                    (true, _, _) => match day % 2 {
                        0 => What::Paraphrase(order, member),
                        _ => What::Variant(9_100 + op, order),
                    },
                };
                let (join, spread) = match (role, w.realistic) {
                    (Role::Farm, false) => (75, 40_000.0),
                    (Role::Farm, true) => (60, 40_000.0),
                    (Role::Camouflage, false) => (60, 10.0 * 60_000.0),
                    (Role::Camouflage, true) => (50, 8.0 * 60_000.0),
                    (_, false) => (80, 0.0),
                    (_, true) => (70, 0.0),
                };
                let slow_spread = if w.realistic { 12 } else { 6 };
                for m in 0..size {
                    let mut dm = Draws::new(w.seed, MEMBER, order << 8 | m);
                    if dm.below(100) >= join {
                        continue;
                    }
                    let delay = if role == Role::Slow {
                        dm.below(slow_spread * HOUR_MS as u64) as i64
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
fn write_tweet(out: &mut String, w: &World, id: u64, p: &Post, a: &Account, t: &Tweet) {
    use std::fmt::Write as _;
    let created = twitter_date(a.created_ms);
    let (followers, following, default_image) = profile(w.seed, a);
    let _ = write!(
        out,
        "{{\"id_str\":\"{id}\",\"timestamp_ms\":\"{}\",\"user\":{{\"id_str\":\"{}\",\"screen_name\":\"{}\",\"created_at\":\"{created}\",\"followers_count\":{followers},\"friends_count\":{following},\"default_profile_image\":{default_image}}},\"source\":\"<a href=\\\"https://example.com/app\\\" rel=\\\"nofollow\\\">{}</a>\"",
        p.ms, a.id, a.handle, a.client
    );
    if let Some((item, author, posted)) = t.retweet {
        let _ = write!(
            out,
            ",\"retweeted_status\":{{\"id_str\":\"{item}\",\"created_at\":\"{}\",\"user\":{{\"id_str\":\"{author}\"}}}}",
            twitter_date(posted)
        );
    }
    let _ = write!(out, ",\"text\":\"{}\"", t.text);
    t.write_entities(out, "text", "user_mentions", "id_str");
    out.push_str("}\n");
}

/// One tweet as X API v2 JSON as `twarc2 flatten` writes it: ISO times,
/// `referenced_tweets`, `entities` with `tag` and mention ids, and the
/// author expanded, the client app as `source`.
fn write_v2(out: &mut String, w: &World, id: u64, p: &Post, a: &Account, t: &Tweet) {
    use std::fmt::Write as _;
    let (followers, following, _) = profile(w.seed, a);
    let iso = |ms: i64| lockstep_model::time::fmt_iso(ms * 1_000);
    let _ = write!(
        out,
        "{{\"id\":\"{id}\",\"author_id\":\"{}\",\"created_at\":\"{}\",\"source\":\"{}\",\"text\":\"{}\",\"author\":{{\"id\":\"{}\",\"username\":\"{}\",\"created_at\":\"{}\",\"public_metrics\":{{\"followers_count\":{followers},\"following_count\":{following}}}}}",
        a.id,
        iso(p.ms),
        a.client,
        t.text,
        a.id,
        a.handle,
        iso(a.created_ms),
    );
    if let Some((item, _, posted)) = t.retweet {
        // `twarc2 flatten` expands the referenced tweet, its time included.
        let _ = write!(
            out,
            ",\"referenced_tweets\":[{{\"type\":\"retweeted\",\"id\":\"{item}\",\"created_at\":\"{}\"}}]",
            iso(posted)
        );
    }
    t.write_entities(out, "tag", "mentions", "id");
    out.push_str("}\n");
}

/// One tweet as a row of the IO archive's tweets CSV: `tweet_time` to the
/// minute, small accounts hashed, lists as Python lists.
fn write_io_row(out: &mut String, w: &World, id: u64, p: &Post, a: &Account, t: &Tweet) {
    use std::fmt::Write as _;
    let (followers, following, _) = profile(w.seed, a);
    let user = user_id(w, a);
    let handle = if user == a.id.to_string() { a.handle.clone() } else { user.clone() };
    let created = lockstep_model::time::civil_from_days(a.created_ms.div_euclid(DAY_MS));
    let secs = p.ms.div_euclid(1000);
    let (y, m, d) = lockstep_model::time::civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let list = |items: &mut dyn Iterator<Item = String>| {
        let v: Vec<String> = items.map(|x| format!("'{x}'")).collect();
        format!("\"[{}]\"", v.join(", "))
    };
    let tags = list(&mut t.tags.iter().map(|&x| {
        let mut s = String::new();
        text::word(x, &mut s);
        s
    }));
    let urls = list(&mut t.urls.iter().cloned());
    let mentions = list(&mut t.mentions.iter().map(|m| m.to_string()));
    let (is_rt, rt_user, rt_id) = match t.retweet {
        Some((item, author, _)) => ("True", author.to_string(), item.to_string()),
        None => ("False", String::new(), String::new()),
    };
    let _ = writeln!(
        out,
        "{id},{user},{handle},{handle},,,,{followers},{following},{:04}-{:02}-{:02},en,en,\"{}\",{y:04}-{m:02}-{d:02} {:02}:{:02},{},,,,{is_rt},{rt_user},{rt_id},,,0,0,0,0,{tags},{urls},{mentions},",
        created.0,
        created.1,
        created.2,
        t.text.replace('"', "\"\""),
        sod / 3600,
        sod % 3600 / 60,
        a.client,
    );
}

/// What a Jetstream replay has written so far.
struct Jetstream {
    /// The last event's `time_us`.
    time_us: i64,
    /// Accounts whose identity and profile were written, by index.
    introduced: Vec<bool>,
}

impl Jetstream {
    /// The next event's time: the post's, or just after the last event.
    fn tick(&mut self, ms: i64) -> i64 {
        self.time_us = (ms * 1_000).max(self.time_us.saturating_add(1));
        self.time_us
    }

    /// One post or repost as Jetstream events and newlines, after the
    /// author's identity and profile if this is its first.
    fn write(&mut self, out: &mut String, id: u64, p: &Post, a: &Account, t: &Tweet) {
        use std::fmt::Write as _;
        let iso = |ms: i64| lockstep_model::time::fmt_iso(ms * 1_000);
        let author = did(a.id);
        if !std::mem::replace(&mut self.introduced[p.account as usize], true) {
            let us = self.tick(p.ms);
            let _ = writeln!(
                out,
                "{{\"did\":\"{author}\",\"time_us\":{us},\"kind\":\"identity\",\"identity\":{{\"did\":\"{author}\",\"handle\":\"{}.bsky.social\",\"seq\":{us},\"time\":\"{}\"}}}}",
                a.handle.to_ascii_lowercase(),
                iso(p.ms),
            );
            let us = self.tick(p.ms);
            let _ = writeln!(
                out,
                "{{\"did\":\"{author}\",\"time_us\":{us},\"kind\":\"commit\",\"commit\":{{\"rev\":\"{}\",\"operation\":\"create\",\"collection\":\"app.bsky.actor.profile\",\"rkey\":\"self\",\"record\":{{\"$type\":\"app.bsky.actor.profile\",\"displayName\":\"{}\",\"createdAt\":\"{}\"}},\"cid\":\"{}\"}}}}",
                tid(us as u64),
                a.handle,
                iso(a.created_ms),
                cid(a.id),
            );
        }
        let us = self.tick(p.ms);
        let rev = tid(us as u64);
        let _ = write!(
            out,
            "{{\"did\":\"{author}\",\"time_us\":{us},\"kind\":\"commit\",\"commit\":{{\"rev\":\"{rev}\",\"operation\":\"create\","
        );
        if let Some((item, original, _)) = t.retweet {
            let _ = write!(
                out,
                "\"collection\":\"app.bsky.feed.repost\",\"rkey\":\"{}\",\"record\":{{\"$type\":\"app.bsky.feed.repost\",\"createdAt\":\"{}\",\"subject\":{{\"cid\":\"{}\",\"uri\":\"at://{}/app.bsky.feed.post/{}\"}}}}",
                tid(id),
                iso(p.ms),
                cid(item),
                did(original),
                tid(item),
            );
        } else {
            let _ = write!(
                out,
                "\"collection\":\"app.bsky.feed.post\",\"rkey\":\"{}\",\"record\":{{\"$type\":\"app.bsky.feed.post\",\"createdAt\":\"{}\",\"text\":\"{}\",\"facets\":[",
                tid(id),
                iso(p.ms),
                t.text,
            );
            // Facets index the text's bytes, as the app writes them.
            let mut first = true;
            let mut facet = |out: &mut String, needle: &str, feature: String| {
                let (start, end) = t.text.find(needle).map_or((0, 0), |at| (at, at + needle.len()));
                let _ = write!(
                    out,
                    "{}{{\"index\":{{\"byteStart\":{start},\"byteEnd\":{end}}},\"features\":[{feature}]}}",
                    if std::mem::take(&mut first) { "" } else { "," },
                );
            };
            for u in &t.urls {
                facet(
                    out,
                    u,
                    format!("{{\"$type\":\"app.bsky.richtext.facet#link\",\"uri\":\"{u}\"}}"),
                );
            }
            for &tag in &t.tags {
                let mut word = String::new();
                text::word(tag, &mut word);
                let needle = format!("#{word}");
                facet(
                    out,
                    &needle,
                    format!("{{\"$type\":\"app.bsky.richtext.facet#tag\",\"tag\":\"{word}\"}}"),
                );
            }
            for &m in &t.mentions {
                let needle = format!("@u{m}");
                facet(
                    out,
                    &needle,
                    format!(
                        "{{\"$type\":\"app.bsky.richtext.facet#mention\",\"did\":\"{}\"}}",
                        did(m)
                    ),
                );
            }
            out.push_str("]}");
        }
        let _ = writeln!(out, ",\"cid\":\"{}\"}}}}", cid(id));
    }
}

/// The base32 alphabet of PLC identifiers and record keys (sortable).
const BASE32_SORT: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";

/// `n` in `len` base32 characters, most significant first.
fn base32(mut n: u128, len: usize) -> String {
    let mut s = vec![b'2'; len];
    for c in s.iter_mut().rev() {
        *c = BASE32_SORT[(n & 31) as usize];
        n >>= 5;
    }
    String::from_utf8(s).unwrap_or_default()
}

/// An account's DID: `did:plc:` and 24 characters drawn from its id (a
/// bijection, so no two accounts share one).
fn did(id: u64) -> String {
    format!("did:plc:{}", base32((crate::mix(id) as u128) << 56 | crate::mix(!id) as u128 >> 8, 24))
}

/// A record key or revision of 13 characters, as atproto's TIDs are.
fn tid(n: u64) -> String {
    base32(n as u128, 13)
}

/// A content id of the shape records carry.
fn cid(n: u64) -> String {
    format!("bafyrei{}", base32((crate::mix(n) as u128) << 64 | crate::mix(n ^ 1) as u128, 52))
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
        let w = World { accounts: 500, days: 7, operations: true, seed, ..Default::default() };
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

    /// Fields of a CSV line, quotes honoured (the rows have no newlines).
    fn fields(line: &str) -> Vec<String> {
        let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    cur.push('"');
                    chars.next();
                }
                '"' => quoted = !quoted,
                ',' if !quoted => out.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        out.push(cur);
        out
    }

    #[test]
    fn realistic_io_archive_rows_are_the_released_schema() {
        let w = World {
            accounts: 400,
            days: 7,
            seed: 2,
            realistic: true,
            schema: Schema::IoArchive,
            ..Default::default()
        };
        let (mut out, mut truth) = (Vec::new(), Vec::new());
        generate(&w, &mut out, &mut truth).unwrap();
        let out = String::from_utf8(out).unwrap();
        let mut lines = out.lines();
        let header = fields(lines.next().unwrap());
        assert_eq!(header.len(), 31);
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (user, time, rt, tags, mentions) = (
            col("userid"),
            col("tweet_time"),
            col("is_retweet"),
            col("hashtags"),
            col("user_mentions"),
        );
        let mut users = std::collections::HashSet::new();
        let (mut hashed, mut retweets_with_entities) = (0, 0);
        for line in lines {
            let f = fields(line);
            assert_eq!(f.len(), 31, "{line}");
            assert_eq!(f[time].len(), 16, "minute precision: {}", f[time]);
            assert!(f[tags].starts_with('[') && f[mentions].ends_with(']'), "{line}");
            if f[user].len() == 64 && f[user].bytes().all(|b| b.is_ascii_hexdigit()) {
                hashed += 1;
            }
            if f[rt] == "True" && f[mentions] != "[]" {
                retweets_with_entities += 1;
            }
            users.insert(f[user].clone());
        }
        assert!(hashed > 1_000, "{hashed}");
        assert!(retweets_with_entities > 1_000, "{retweets_with_entities}");
        let truth = String::from_utf8(truth).unwrap();
        let farm: Vec<&str> = truth
            .lines()
            .filter(|l| l.ends_with(",farm"))
            .map(|l| l.split(',').next().unwrap().trim_start_matches("x:"))
            .collect();
        assert_eq!(farm.len(), 300);
        assert!(farm.iter().all(|id| users.contains(*id)), "truth ids are the ids written");
    }

    #[test]
    fn realistic_v2_tweets_are_twarc2_flattened() {
        let w = World {
            accounts: 300,
            days: 3,
            seed: 4,
            realistic: true,
            schema: Schema::XApiV2,
            ..Default::default()
        };
        let (mut out, mut truth) = (Vec::new(), Vec::new());
        generate(&w, &mut out, &mut truth).unwrap();
        let (mut retweets, mut n) = (0, 0);
        for line in String::from_utf8(out).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(v["created_at"].as_str().unwrap().ends_with('Z'), "{line}");
            assert_eq!(v["author_id"], v["author"]["id"]);
            if v["referenced_tweets"][0]["type"] == "retweeted" {
                retweets += 1;
                assert!(!v["entities"]["mentions"].as_array().unwrap().is_empty(), "{line}");
                // The expanded original's time, never after the retweet.
                let original = v["referenced_tweets"][0]["created_at"].as_str().unwrap();
                assert!(original <= v["created_at"].as_str().unwrap(), "{line}");
            }
            n += 1;
        }
        assert!(n > 10_000 && retweets > 1_000, "{n} {retweets}");
    }

    #[test]
    fn dates() {
        assert_eq!(twitter_date(1_539_202_764_000), "Wed Oct 10 20:19:24 +0000 2018");
        assert_eq!(twitter_date(START_MS), "Mon Mar 04 00:00:00 +0000 2024");
    }
}
