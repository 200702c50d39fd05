//! X/Twitter API v1.1 tweets (twarc1, tweepy, the streaming API): JSON
//! Lines or a JSON array of tweet objects, or saved `search/tweets`
//! responses (the tweets of their `statuses`).
//!
//! From each tweet: `repost` (`retweeted_status.id_str`; its `created_at`
//! is the original's time), `quote`
//! (`quoted_status_id_str` or `quoted_status.id_str`), `reply`
//! (`in_reply_to_status_id_str`), `url` (`entities.urls[].expanded_url`,
//! from `extended_tweet` when present) and its `domain`, `hashtag`,
//! `mention` (`user_mentions[].id_str`), and `text` (the full text
//! normalised, not for retweets). Time: `timestamp_ms` (streaming, ms
//! precision) or `created_at`. Account metadata from `user`; the client app
//! from `source` with its HTML removed. Stream notices (`delete`,
//! `limit`, ...) and tweets without a user (deleted authors) are counted as
//! skipped.

use super::json::{for_each_json_par, head_has_keys, looks_like_json, parse_record, Envelope};
use super::{push_objects, push_url, Post};
use crate::text::{
    html_text, is_withheld_placeholder, normalize_exact, normalize_tag, unescape_lt_gt_amp,
};
use crate::timestamp::{parse_twitter_date, x_id_time_us};
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::{AccountField, LanguageTag, Layer};
use serde::Deserialize;
use std::borrow::Cow;
use std::io::BufRead;

/// The X API v1.1 format.
#[derive(Debug, Clone, Copy)]
pub struct XApiV1;

const PLATFORM: &str = "twitter";

/// A saved `search/tweets` response: `{"statuses": [...], "search_metadata": {...}}`.
const ENVELOPES: &[Envelope] = &[&["statuses"]];

// Records borrow their strings from the input (`Cow` is borrowed unless
// the JSON string has escapes), and a retweet's or quote's embedded tweet
// is read for its id only: this runs once per tweet.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Tweet<'a> {
    #[serde(borrow)]
    id_str: Option<Cow<'a, str>>,
    id: Option<u64>,
    #[serde(borrow)]
    created_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    timestamp_ms: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user: Option<User<'a>>,
    #[serde(borrow)]
    retweeted_status: Option<Ref<'a>>,
    #[serde(borrow)]
    quoted_status: Option<Ref<'a>>,
    #[serde(borrow)]
    quoted_status_id_str: Option<Cow<'a, str>>,
    #[serde(borrow)]
    in_reply_to_status_id_str: Option<Cow<'a, str>>,
    #[serde(borrow)]
    full_text: Option<Cow<'a, str>>,
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow)]
    extended_tweet: Option<Extended<'a>>,
    #[serde(borrow)]
    entities: Option<Entities<'a>>,
    #[serde(borrow)]
    source: Option<Cow<'a, str>>,
    /// X's label of the tweet's language (BCP 47, `und` when it could not
    /// tell).
    #[serde(borrow)]
    lang: Option<Cow<'a, str>>,
}

/// An embedded tweet, for its id.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Ref<'a> {
    #[serde(borrow)]
    id_str: Option<Cow<'a, str>>,
    id: Option<u64>,
    /// When the referenced tweet was posted.
    #[serde(borrow)]
    created_at: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct User<'a> {
    #[serde(borrow)]
    id_str: Option<Cow<'a, str>>,
    id: Option<u64>,
    #[serde(borrow)]
    screen_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    description: Option<Cow<'a, str>>,
    #[serde(borrow)]
    created_at: Option<Cow<'a, str>>,
    followers_count: Option<u64>,
    friends_count: Option<u64>,
    #[serde(borrow)]
    lang: Option<Cow<'a, str>>,
    default_profile_image: super::lenient::Bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Extended<'a> {
    #[serde(borrow)]
    full_text: Option<Cow<'a, str>>,
    #[serde(borrow)]
    entities: Option<Entities<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Entities<'a> {
    #[serde(borrow)]
    urls: Vec<UrlEntity<'a>>,
    #[serde(borrow)]
    hashtags: Vec<TagEntity<'a>>,
    #[serde(borrow)]
    user_mentions: Vec<Ref<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UrlEntity<'a> {
    #[serde(borrow)]
    expanded_url: Option<Cow<'a, str>>,
    #[serde(borrow)]
    url: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TagEntity<'a> {
    #[serde(borrow)]
    text: Cow<'a, str>,
}

fn id_of(id_str: &Option<Cow<'_, str>>, id: Option<u64>) -> Option<String> {
    id_str
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(|| id.map(|i| i.to_string()))
}

fn non_empty<'s>(s: &'s Option<Cow<'_, str>>) -> Option<&'s str> {
    s.as_deref().filter(|s| !s.is_empty())
}

impl Format for XApiV1 {
    fn name(&self) -> &'static str {
        "x-api-v1"
    }
    fn description(&self) -> &'static str {
        "X/Twitter API v1.1 tweets as JSON Lines or a JSON array (twarc1, tweepy, streaming)"
    }
    fn example(&self) -> &'static str {
        "{\"id_str\":\"1\",\"created_at\":\"Wed Oct 10 20:19:24 +0000 2018\",\"text\":\"hi #tag\",\"user\":{\"id_str\":\"42\",\"screen_name\":\"a\"},\"entities\":{\"hashtags\":[{\"text\":\"tag\"}]}}"
    }
    fn sniff(&self, head: &[u8]) -> bool {
        looks_like_json(head)
            && (head_has_keys(head, &["created_at", "user"])
                || head_has_keys(head, &["statuses", "search_metadata"]))
    }
    fn read(&self, input: &mut dyn BufRead, ctx: &mut ReadCtx<'_>) -> Result<(), IngestError> {
        for_each_json_par(input, ctx, ENVELOPES, &|json, line, ctx| {
            let Some(tweet) = parse_record::<Tweet<'_>>(json, line, ctx)? else { return Ok(()) };
            let Some(tweet_id) = id_of(&tweet.id_str, tweet.id) else {
                // Stream notices ({"delete": ...}, {"limit": ...}) have no id.
                ctx.unused(line, "id_str", "not a tweet", String::new());
                return Ok(());
            };
            let Some(user) = tweet.user.as_ref() else {
                return ctx.skip(line, "user", "missing author", format!("tweet {tweet_id}"));
            };
            let Some(user_id) = id_of(&user.id_str, user.id) else {
                return ctx.skip(
                    line,
                    "user.id_str",
                    "missing author",
                    format!("tweet {tweet_id}"),
                );
            };
            let ms = tweet.timestamp_ms.as_deref().and_then(|ms| ms.trim().parse::<i64>().ok());
            let time_us = match (ms, tweet.created_at.as_deref()) {
                (Some(ms), _) => ms * 1000,
                (None, Some(c)) => match parse_twitter_date(c) {
                    Ok(t) => ctx.refine_by_id(t, 1_000_000, x_id_time_us(&tweet_id)),
                    Err(msg) => return ctx.skip(line, "created_at", "bad timestamp", msg),
                },
                _ => return ctx.skip(line, "created_at", "bad timestamp", "no created_at".into()),
            };

            let (row, meta) = ctx.builder.account_meta(PLATFORM, &user_id);
            let text_fields = [
                (AccountField::Handle, &user.screen_name),
                (AccountField::DisplayName, &user.name),
                (AccountField::Bio, &user.description),
                (AccountField::Language, &user.lang),
            ];
            for (field, value) in text_fields {
                // A withheld account's profile is X's placeholder, not its own.
                if let Some(v) = value.as_deref().filter(|v| !is_withheld_placeholder(v)) {
                    meta.set_text(row, field, v);
                }
            }
            let r = row as usize;
            if let (Some(src), None) = (&tweet.source, &meta.client_app[r]) {
                meta.set_text(row, AccountField::ClientApp, html_text(src).trim());
            }
            meta.followers[r] = meta.followers[r].or(user.followers_count);
            meta.following[r] = meta.following[r].or(user.friends_count);
            meta.default_image[r] = meta.default_image[r].or(user.default_profile_image.0);
            if meta.created_at_us[r].is_none() {
                meta.created_at_us[r] =
                    user.created_at.as_deref().and_then(|c| parse_twitter_date(c).ok());
            }

            let mut objects: Vec<(Layer, String)> = Vec::new();
            let retweet = tweet.retweeted_status.as_ref();
            if let Some(id) = retweet.and_then(|rt| id_of(&rt.id_str, rt.id)) {
                objects.push((Layer::Repost, id));
            }
            let quoted = non_empty(&tweet.quoted_status_id_str)
                .map(str::to_string)
                .or_else(|| tweet.quoted_status.as_ref().and_then(|q| id_of(&q.id_str, q.id)));
            if let Some(id) = quoted {
                objects.push((Layer::Quote, id));
            }
            if let Some(id) = non_empty(&tweet.in_reply_to_status_id_str) {
                objects.push((Layer::Reply, id.to_string()));
            }
            let ext = tweet.extended_tweet.as_ref();
            let entities = ext.and_then(|e| e.entities.as_ref()).or(tweet.entities.as_ref());
            if let Some(e) = entities {
                for u in &e.urls {
                    if let Some(url) = non_empty(&u.expanded_url).or(non_empty(&u.url)) {
                        push_url(&mut objects, url);
                    }
                }
                for h in &e.hashtags {
                    if !h.text.is_empty() {
                        objects.push((Layer::Hashtag, normalize_tag(&h.text)));
                    }
                }
                for m in &e.user_mentions {
                    if let Some(id) = id_of(&m.id_str, m.id) {
                        objects.push((Layer::Mention, id));
                    }
                }
            }
            let full = ext
                .and_then(|e| e.full_text.as_deref())
                .or(tweet.full_text.as_deref())
                .or(tweet.text.as_deref())
                .filter(|_| retweet.is_none())
                .map(unescape_lt_gt_amp);
            let full = full.as_deref();
            if retweet.is_none() {
                let t = normalize_exact(full.unwrap_or_default());
                if !t.is_empty() {
                    objects.push((Layer::Text, t));
                }
            }
            let post = Post {
                line,
                account: &user_id,
                content: &tweet_id,
                time_us,
                platform: PLATFORM,
                text: full,
                language: tweet.lang.as_deref().map_or(LanguageTag::NONE, LanguageTag::parse),
                original_us: retweet
                    .and_then(|rt| rt.created_at.as_deref())
                    .and_then(|c| parse_twitter_date(c).ok()),
            };
            push_objects(ctx, &post, &mut objects);
            Ok(())
        })
    }
}
