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
//! `description`, `created_at`, `public_metrics`. Tweets without
//! `author_id` are counted as skipped.

use super::json::{for_each_record, head_has_keys, looks_like_json, str_at};
use super::{push_objects, push_url, Post};
use crate::text::{normalize_exact, normalize_tag};
use crate::timestamp::parse_timestamp;
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::{AccountField, Layer};
use serde_json::Value;
use std::io::BufRead;

/// The X API v2 format.
#[derive(Debug, Clone, Copy)]
pub struct XApiV2;

const PLATFORM: &str = "twitter";

fn set_user(ctx: &mut ReadCtx<'_>, user: &Value) {
    let Some(id) = str_at(user, &["id"]) else { return };
    let (row, meta) = ctx.builder.account_meta(PLATFORM, id);
    for (field, key) in [
        (AccountField::Handle, "username"),
        (AccountField::DisplayName, "name"),
        (AccountField::Bio, "description"),
    ] {
        if let Some(v) = str_at(user, &[key]) {
            meta.set_text(row, field, v);
        }
    }
    let r = row as usize;
    let metric =
        |k: &str| user.get("public_metrics").and_then(|m| m.get(k)).and_then(Value::as_u64);
    meta.followers[r] = meta.followers[r].or(metric("followers_count"));
    meta.following[r] = meta.following[r].or(metric("following_count"));
    if meta.created_at_us[r].is_none() {
        meta.created_at_us[r] = str_at(user, &["created_at"]).and_then(|c| parse_timestamp(c).ok());
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
        looks_like_json(head) && head_has_keys(head, &["author_id"])
    }
    fn read(&self, input: &mut dyn BufRead, ctx: &mut ReadCtx<'_>) -> Result<(), IngestError> {
        let mut objects: Vec<(Layer, String)> = Vec::new();
        for_each_record(input, ctx, |v: Value, line, ctx| {
            // A page holds tweets under `data` and their authors under
            // `includes.users`; a flattened line is one tweet.
            let tweets: Vec<&Value> = match v.get("data") {
                Some(Value::Array(ts)) => ts.iter().collect(),
                Some(t @ Value::Object(_)) => vec![t],
                _ => vec![&v],
            };
            if let Some(Value::Array(users)) = v.get("includes").and_then(|i| i.get("users")) {
                for u in users {
                    set_user(ctx, u);
                }
            }
            if tweets.is_empty() {
                ctx.unused(line, "data", "no tweet", String::new());
                return Ok(());
            }
            // The record itself was counted once; count the other tweets of a page too.
            ctx.report.records_read += tweets.len().saturating_sub(1) as u64;
            for t in tweets {
                let Some(tweet_id) = str_at(t, &["id"]) else {
                    ctx.skip(line, "id", "not a tweet", String::new())?;
                    continue;
                };
                let Some(author) = str_at(t, &["author_id"]) else {
                    ctx.skip(line, "author_id", "missing author", format!("tweet {tweet_id}"))?;
                    continue;
                };
                let time_us = match str_at(t, &["created_at"]).map(parse_timestamp) {
                    Some(Ok(us)) => us,
                    Some(Err(msg)) => {
                        ctx.skip(line, "created_at", "bad timestamp", msg)?;
                        continue;
                    }
                    None => {
                        ctx.skip(line, "created_at", "bad timestamp", "no created_at".into())?;
                        continue;
                    }
                };
                if let Some(a) = t.get("author") {
                    set_user(ctx, a);
                }
                objects.clear();
                let mut is_retweet = false;
                if let Some(Value::Array(refs)) = t.get("referenced_tweets") {
                    for r in refs {
                        let layer = match str_at(r, &["type"]) {
                            Some("retweeted") => {
                                is_retweet = true;
                                Layer::Repost
                            }
                            Some("quoted") => Layer::Quote,
                            Some("replied_to") => Layer::Reply,
                            _ => continue,
                        };
                        if let Some(id) = str_at(r, &["id"]) {
                            objects.push((layer, id.to_string()));
                        }
                    }
                }
                let entities = t.get("entities");
                let list = |k: &str| -> &[Value] {
                    entities
                        .and_then(|e| e.get(k))
                        .and_then(Value::as_array)
                        .map_or(&[], Vec::as_slice)
                };
                for u in list("urls") {
                    if let Some(url) = str_at(u, &["unwound_url"])
                        .or(str_at(u, &["expanded_url"]))
                        .or(str_at(u, &["url"]))
                    {
                        push_url(&mut objects, url);
                    }
                }
                for h in list("hashtags") {
                    if let Some(tag) = str_at(h, &["tag"]) {
                        objects.push((Layer::Hashtag, normalize_tag(tag)));
                    }
                }
                for m in list("mentions") {
                    if let Some(who) =
                        str_at(m, &["id"])
                            .map(str::to_string)
                            .or(str_at(m, &["username"]).map(normalize_tag))
                    {
                        objects.push((Layer::Mention, who));
                    }
                }
                let own = str_at(t, &["note_tweet", "text"])
                    .or(str_at(t, &["text"]))
                    .filter(|_| !is_retweet);
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
                };
                push_objects(ctx, &post, &mut objects);
            }
            Ok(())
        })
    }
}
