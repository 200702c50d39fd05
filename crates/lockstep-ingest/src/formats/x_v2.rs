//! X/Twitter API v2 tweets: twarc2 pages (`{"data": [...], "includes":
//! {"users": [...]}}`, one per line), flattened tweets (one per line, with
//! `author` expanded), or one API response as a JSON file.
//!
//! From each tweet: `referenced_tweets[]` of type `retweeted` (`repost`),
//! `quoted` (`quote`) and `replied_to` (`reply`); `entities.urls[]`
//! (`unwound_url`, else `expanded_url`) and their `domain`;
//! `entities.hashtags[].tag`; `entities.mentions[].id` (else `username`);
//! `text` (`note_tweet.text` for long posts), normalised, not for
//! retweets. Time: `created_at`. Account metadata from the matching
//! `includes.users[]` entry or the flattened `author`: `username`, `name`,
//! `description`, `created_at`, `public_metrics`; the client app from the
//! tweet's `source`; a retweet's original's time from the expanded
//! `referenced_tweets[]` or `includes.tweets[]` (`created_at`). Tweets without
//! `author_id` are counted as skipped.

use super::json::{for_each_json_par, head_has_keys, looks_like_json, parse_record};
use super::lenient::{List, Obj, OneOrMany, Str, U64};
use super::{push_objects, push_url, Post};
use crate::text::{is_withheld_placeholder, normalize_exact, normalize_tag, unescape_lt_gt_amp};
use crate::timestamp::{parse_timestamp, x_id_time_us};
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::{AccountField, LanguageTag, Layer};
use serde::Deserialize;
use std::collections::HashMap;
use std::io::BufRead;

/// The X API v2 format.
#[derive(Debug, Clone, Copy)]
pub struct XApiV2;

const PLATFORM: &str = "twitter";

// Typed records whose strings borrow from the input; fields of another
// JSON type read as absent, as lookups in a `Value` tree did.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Tweet<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    author_id: Str<'a>,
    #[serde(borrow)]
    created_at: Str<'a>,
    #[serde(borrow)]
    author: Obj<User<'a>>,
    #[serde(borrow)]
    referenced_tweets: List<Ref<'a>>,
    #[serde(borrow)]
    entities: Obj<Entities<'a>>,
    #[serde(borrow)]
    note_tweet: Obj<Note<'a>>,
    #[serde(borrow)]
    text: Str<'a>,
    /// The client app's name (a plain name in v2, not v1.1's HTML link).
    #[serde(borrow)]
    source: Str<'a>,
    /// X's label of the tweet's language (BCP 47, `und` when it could not
    /// tell).
    #[serde(borrow)]
    lang: Str<'a>,
    /// A page's tweets (absent on a flattened line, which is one tweet).
    #[serde(borrow)]
    data: OneOrMany<Tweet<'a>>,
    #[serde(borrow)]
    includes: Obj<Includes<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Includes<'a> {
    #[serde(borrow)]
    users: List<User<'a>>,
    /// The referenced tweets (a retweet's original, with its time).
    #[serde(borrow)]
    tweets: List<Ref<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct User<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    username: Str<'a>,
    #[serde(borrow)]
    name: Str<'a>,
    #[serde(borrow)]
    description: Str<'a>,
    #[serde(borrow)]
    created_at: Str<'a>,
    public_metrics: Obj<Metrics>,
    #[serde(borrow)]
    profile_image_url: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metrics {
    followers_count: U64,
    following_count: U64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Ref<'a> {
    #[serde(borrow, rename = "type")]
    kind: Str<'a>,
    #[serde(borrow)]
    id: Str<'a>,
    /// Present where the referenced tweet is expanded (`twarc2 flatten`)
    /// or included (`includes.tweets`).
    #[serde(borrow)]
    created_at: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Entities<'a> {
    #[serde(borrow)]
    urls: List<UrlEntity<'a>>,
    #[serde(borrow)]
    hashtags: List<TagEntity<'a>>,
    #[serde(borrow)]
    mentions: List<MentionEntity<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UrlEntity<'a> {
    #[serde(borrow)]
    unwound_url: Str<'a>,
    #[serde(borrow)]
    expanded_url: Str<'a>,
    #[serde(borrow)]
    url: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TagEntity<'a> {
    #[serde(borrow)]
    tag: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MentionEntity<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    username: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Note<'a> {
    #[serde(borrow)]
    text: Str<'a>,
}

fn set_user(ctx: &mut ReadCtx<'_>, user: &User<'_>) {
    let Some(id) = user.id.get() else { return };
    let (row, meta) = ctx.builder.account_meta(PLATFORM, id);
    for (field, value) in [
        (AccountField::Handle, &user.username),
        (AccountField::DisplayName, &user.name),
        (AccountField::Bio, &user.description),
    ] {
        // A withheld account's profile is X's placeholder, not its own.
        if let Some(v) = value.get().filter(|v| !is_withheld_placeholder(v)) {
            meta.set_text(row, field, v);
        }
    }
    let r = row as usize;
    let metrics = user.public_metrics.0.as_ref();
    meta.followers[r] = meta.followers[r].or(metrics.and_then(|m| m.followers_count.0));
    meta.following[r] = meta.following[r].or(metrics.and_then(|m| m.following_count.0));
    // v2 has no flag: X serves the default picture from this folder.
    let default = user.profile_image_url.get().map(|u| u.contains("/default_profile_images/"));
    meta.default_image[r] = meta.default_image[r].or(default);
    if meta.created_at_us[r].is_none() {
        meta.created_at_us[r] = user.created_at.get().and_then(|c| parse_timestamp(c).ok());
    }
}

impl Format for XApiV2 {
    fn name(&self) -> &'static str {
        "x-api-v2"
    }
    fn description(&self) -> &'static str {
        "X/Twitter API v2 tweets: twarc2 pages, flattened tweets (JSON Lines), or one API response"
    }
    fn example(&self) -> &'static str {
        "{\"data\":[{\"id\":\"1\",\"author_id\":\"42\",\"created_at\":\"2023-06-01T08:00:00.000Z\",\"text\":\"hi\",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"9\"}]}],\"includes\":{\"users\":[{\"id\":\"42\",\"username\":\"a\"}]}}"
    }
    fn sniff(&self, head: &[u8]) -> bool {
        // `edit_history_tweet_ids` is v2's alone and in every tweet it
        // serves, even with no field requested (a tweepy default).
        looks_like_json(head)
            && (head_has_keys(head, &["author_id"])
                || head_has_keys(head, &["edit_history_tweet_ids"]))
    }
    fn read(&self, input: &mut dyn BufRead, ctx: &mut ReadCtx<'_>) -> Result<(), IngestError> {
        for_each_json_par(input, ctx, &[], &|json, line, ctx| {
            let Some(v) = parse_record::<Tweet<'_>>(json, line, ctx)? else { return Ok(()) };
            // A page holds tweets under `data` and their authors under
            // `includes.users`; a flattened line is one tweet.
            let tweets: Vec<&Tweet<'_>> = match &v.data.0 {
                Some(ts) => ts.iter().collect(),
                None => vec![&v],
            };
            let mut included: HashMap<&str, i64> = HashMap::new();
            if let Some(inc) = &v.includes.0 {
                for u in &inc.users.0 {
                    set_user(ctx, u);
                }
                for t in &inc.tweets.0 {
                    if let (Some(id), Some(Ok(us))) =
                        (t.id.get(), t.created_at.get().map(parse_timestamp))
                    {
                        included.insert(id, us);
                    }
                }
            }
            if tweets.is_empty() {
                ctx.unused(line, "data", "no tweet", String::new());
                return Ok(());
            }
            // The record itself was counted once; count the other tweets of a page too.
            ctx.report.records_read += tweets.len().saturating_sub(1) as u64;
            for t in tweets {
                let Some(tweet_id) = t.id.get() else {
                    ctx.skip(line, "id", "not a tweet", String::new())?;
                    continue;
                };
                let Some(author) = t.author_id.get() else {
                    ctx.skip(line, "author_id", "missing author", format!("tweet {tweet_id}"))?;
                    continue;
                };
                let time_us = match t.created_at.get().map(parse_timestamp) {
                    Some(Ok(us)) => ctx.refine_by_id(us, 1_000_000, x_id_time_us(tweet_id)),
                    Some(Err(msg)) => {
                        ctx.skip(line, "created_at", "bad timestamp", msg)?;
                        continue;
                    }
                    None => {
                        ctx.skip(line, "created_at", "bad timestamp", "no created_at".into())?;
                        continue;
                    }
                };
                if let Some(a) = &t.author.0 {
                    set_user(ctx, a);
                }
                if let Some(app) = t.source.get().map(str::trim).filter(|s| !s.is_empty()) {
                    let (row, meta) = ctx.builder.account_meta(PLATFORM, author);
                    if meta.client_app[row as usize].is_none() {
                        meta.set_text(row, AccountField::ClientApp, app);
                    }
                }
                let mut objects: Vec<(Layer, String)> = Vec::new();
                let mut is_retweet = false;
                let mut original_us = None;
                for r in &t.referenced_tweets.0 {
                    let layer = match r.kind.get() {
                        Some("retweeted") => {
                            is_retweet = true;
                            original_us =
                                r.created_at.get().and_then(|c| parse_timestamp(c).ok()).or_else(
                                    || r.id.get().and_then(|id| included.get(id).copied()),
                                );
                            Layer::Repost
                        }
                        Some("quoted") => Layer::Quote,
                        Some("replied_to") => Layer::Reply,
                        _ => continue,
                    };
                    if let Some(id) = r.id.get() {
                        objects.push((layer, id.to_string()));
                    }
                }
                if let Some(e) = &t.entities.0 {
                    for u in &e.urls.0 {
                        if let Some(url) =
                            u.unwound_url.get().or(u.expanded_url.get()).or(u.url.get())
                        {
                            push_url(&mut objects, url);
                        }
                    }
                    for h in &e.hashtags.0 {
                        if let Some(tag) = h.tag.get() {
                            objects.push((Layer::Hashtag, normalize_tag(tag)));
                        }
                    }
                    for m in &e.mentions.0 {
                        if let Some(who) =
                            m.id.get().map(str::to_string).or(m.username.get().map(normalize_tag))
                        {
                            objects.push((Layer::Mention, who));
                        }
                    }
                }
                let own = t
                    .note_tweet
                    .0
                    .as_ref()
                    .and_then(|n| n.text.get())
                    .or(t.text.get())
                    .filter(|_| !is_retweet)
                    .map(unescape_lt_gt_amp);
                let own = own.as_deref();
                if !is_retweet {
                    let norm = normalize_exact(own.unwrap_or_default());
                    if !norm.is_empty() {
                        objects.push((Layer::Text, norm));
                    }
                }
                let post = Post {
                    line,
                    account: author,
                    content: tweet_id,
                    time_us,
                    platform: PLATFORM,
                    text: own,
                    language: t.lang.get().map_or(LanguageTag::NONE, LanguageTag::parse),
                    original_us,
                };
                push_objects(ctx, &post, &mut objects);
            }
            Ok(())
        })
    }
}
