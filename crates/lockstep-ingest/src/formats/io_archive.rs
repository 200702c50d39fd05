//! X/Twitter Information Operations archive, tweets CSV (the public hashed
//! schema: `tweetid, userid, user_screen_name, ..., tweet_time, ...,
//! retweet_tweetid, hashtags, urls, user_mentions`).
//!
//! From one row it derives every layer: `repost` (`retweet_tweetid` of a
//! retweet), `reply` (`in_reply_to_tweetid`), `quote`
//! (`quoted_tweet_tweetid`), `url` and `domain` (`urls`), `hashtag`,
//! `mention` (`user_mentions`, user ids in the archive) and `text` (exact
//! normalised `tweet_text` of posts that are not retweets, with X's
//! `&amp;`, `&lt;`, `&gt;` decoded: a retweet's text is its original's,
//! which the repost layer already covers).
//!
//! `tweet_time` has minute precision in the released archives (`2018-01-01
//! 12:34`), so a 60-second window joins actions up to two clock minutes
//! apart; the run summary repeats this.

use super::{header_has, push_objects, push_url, CsvInput, Post};
use crate::lists::split_list;
use crate::text::{normalize_exact, normalize_tag, unescape_lt_gt_amp};
use crate::timestamp::{parse_timestamp, x_id_time_us};
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::{AccountField, LanguageTag, Layer};
use std::io::BufRead;

/// The IO archive tweets format.
#[derive(Debug, Clone, Copy)]
pub struct IoArchive;

/// The note added to the run summary for this format.
pub const MINUTE_PRECISION_NOTE: &str =
    "io-archive: `tweet_time` has minute precision; time deltas are multiples of 60 s and a window of w seconds joins actions whose true times may be up to w + 60 s apart";

const REQUIRED: [&str; 3] = ["tweetid", "userid", "tweet_time"];
const PLATFORM: &str = "twitter";

impl Format for IoArchive {
    fn name(&self) -> &'static str {
        "io-archive"
    }
    fn description(&self) -> &'static str {
        "X/Twitter Information Operations archive tweets CSV (tweetid, userid, tweet_time, retweet_tweetid, urls, ...)"
    }
    fn example(&self) -> &'static str {
        "tweetid,userid,tweet_time,is_retweet,retweet_tweetid,hashtags,urls,tweet_text\n1001,u_a,2020-05-01 10:00,True,900,[news],[https://example.com/a],RT @src: text"
    }
    fn sniff(&self, head: &[u8]) -> bool {
        header_has(head, &REQUIRED)
    }
    fn read(&self, input: &mut dyn BufRead, ctx: &mut ReadCtx<'_>) -> Result<(), IngestError> {
        let file = ctx.report.path.clone();
        let mut csv = CsvInput::open(input, &file)?;
        let expected = "the IO archive tweet schema (`tweetid`, `userid`, `tweet_time`, ...)";
        let req = csv.columns(&file, &REQUIRED, expected)?;
        let (tid, uid, tt) = (req[0], req[1], req[2]);
        let col = |n: &str| csv.optional(n);
        let c = Cols {
            screen_name: col("user_screen_name"),
            display_name: col("user_display_name"),
            bio: col("user_profile_description"),
            followers: col("follower_count"),
            following: col("following_count"),
            created: col("account_creation_date"),
            language: col("account_language"),
            text: col("tweet_text"),
            text_language: col("tweet_language"),
            client: col("tweet_client_name"),
            reply: col("in_reply_to_tweetid"),
            quote: col("quoted_tweet_tweetid"),
            is_retweet: col("is_retweet"),
            retweet: col("retweet_tweetid"),
            hashtags: col("hashtags"),
            urls: col("urls"),
            mentions: col("user_mentions"),
        };
        let names = csv.header.clone();
        let mut minute_precision = false;
        let mut objects: Vec<(Layer, String)> = Vec::new();

        csv.for_each(ctx, |rec, line, ctx| {
            let get = |i: Option<usize>| i.map_or("", |i| rec[i].trim());
            let tweet = clean_id(&rec[tid]);
            let user = rec[uid].trim();
            if tweet.is_empty() {
                return ctx.skip(line, &names[tid], "empty tweet id", String::new());
            }
            if user.is_empty() {
                return ctx.skip(line, &names[uid], "empty account", String::new());
            }
            let raw_time = rec[tt].trim();
            let stated = match parse_timestamp(raw_time) {
                Ok(t) => t,
                Err(msg) => return ctx.skip(line, &names[tt], "bad timestamp", msg),
            };
            // `YYYY-MM-DD HH:MM` is 16 characters: no seconds.
            let minute = raw_time.len() == 16;
            let precision_us = if minute { 60_000_000 } else { 1_000_000 };
            let time_us = ctx.refine_by_id(stated, precision_us, x_id_time_us(tweet));
            minute_precision |= minute && time_us == stated;

            let (account, meta) = ctx.builder.account_meta(PLATFORM, user);
            meta.set_text(account, AccountField::Handle, get(c.screen_name));
            meta.set_text(account, AccountField::DisplayName, get(c.display_name));
            meta.set_text(account, AccountField::Bio, get(c.bio));
            meta.set_text(account, AccountField::Language, get(c.language));
            meta.set_text(account, AccountField::ClientApp, get(c.client));
            let a = account as usize;
            if meta.followers[a].is_none() {
                meta.followers[a] = parse_count(get(c.followers));
            }
            if meta.following[a].is_none() {
                meta.following[a] = parse_count(get(c.following));
            }
            if meta.created_at_us[a].is_none() {
                meta.created_at_us[a] = parse_timestamp(get(c.created)).ok();
            }

            objects.clear();
            let retweet_flag = get(c.is_retweet).to_ascii_lowercase();
            let rt_id = clean_id(get(c.retweet));
            let is_rt = matches!(retweet_flag.as_str(), "true" | "1" | "yes" | "t")
                || (c.is_retweet.is_none() && !rt_id.is_empty());
            if is_rt && !rt_id.is_empty() {
                objects.push((Layer::Repost, rt_id.to_string()));
            }
            for (layer, i) in [(Layer::Reply, c.reply), (Layer::Quote, c.quote)] {
                let v = clean_id(get(i));
                if !v.is_empty() && v != "0" {
                    objects.push((layer, v.to_string()));
                }
            }
            for u in split_list(get(c.urls)) {
                push_url(&mut objects, u);
            }
            for h in split_list(get(c.hashtags)) {
                objects.push((Layer::Hashtag, normalize_tag(h)));
            }
            for m in split_list(get(c.mentions)) {
                objects.push((Layer::Mention, m.to_string()));
            }
            // The archive keeps the text as X's API served it, `&`, `<` and
            // `>` escaped.
            let text = (!is_rt).then(|| unescape_lt_gt_amp(get(c.text)));
            if let Some(t) = &text {
                let t = normalize_exact(t);
                if !t.is_empty() {
                    objects.push((Layer::Text, t));
                }
            }
            let text = text.as_deref();
            let post = Post {
                line,
                account: user,
                content: tweet,
                time_us,
                platform: PLATFORM,
                text,
                language: LanguageTag::parse(get(c.text_language)),
                original_us: None,
            };
            push_objects(ctx, &post, &mut objects);
            Ok(())
        })?;
        if minute_precision {
            ctx.report.note(MINUTE_PRECISION_NOTE);
        }
        Ok(())
    }
}

struct Cols {
    screen_name: Option<usize>,
    display_name: Option<usize>,
    bio: Option<usize>,
    followers: Option<usize>,
    following: Option<usize>,
    created: Option<usize>,
    language: Option<usize>,
    text: Option<usize>,
    text_language: Option<usize>,
    client: Option<usize>,
    reply: Option<usize>,
    quote: Option<usize>,
    is_retweet: Option<usize>,
    retweet: Option<usize>,
    hashtags: Option<usize>,
    urls: Option<usize>,
    mentions: Option<usize>,
}

/// Ids written by a float-typed exporter (`960123456789012345.0`) lose the
/// `.0`; anything else is kept as is.
fn clean_id(s: &str) -> &str {
    let s = s.trim();
    match s.strip_suffix(".0") {
        Some(int) if !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()) => int,
        _ => s,
    }
}

fn parse_count(s: &str) -> Option<u64> {
    let s = s.trim();
    s.parse::<u64>().ok().or_else(|| s.parse::<f64>().ok().filter(|f| *f >= 0.0).map(|f| f as u64))
}

#[cfg(test)]
mod tests {
    use super::clean_id;

    #[test]
    fn float_ids_lose_their_fraction() {
        assert_eq!(clean_id(" 960123456789012345.0 "), "960123456789012345");
        assert_eq!(clean_id("abc.0"), "abc.0");
        assert_eq!(clean_id("1.5"), "1.5");
        assert_eq!(clean_id(".0"), ".0");
    }
}
