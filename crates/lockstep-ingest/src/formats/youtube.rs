//! YouTube comments from the Data API v3: `commentThreads.list` and
//! `comments.list` responses (saved as JSON files or one per line), or
//! their items one per line.
//!
//! A top-level comment is a `reply` to its video (`video:<videoId>`); a
//! reply is a `reply` to its parent comment (`comment:<parentId>`), so
//! comments under the same video or the same comment share an object.
//! Links in `textOriginal` give `url` and `domain`; `textOriginal`,
//! normalised, gives `text`. The account is `authorChannelId.value`, its
//! handle `authorDisplayName`. Time: `publishedAt`. Comments without a
//! channel id (deleted or hidden authors) are counted as skipped.

use super::json::{for_each_record, looks_like_json, str_at};
use super::{push_objects, push_url, Post};
use crate::text::{links_in as links, normalize_exact};
use crate::timestamp::parse_timestamp;
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::{AccountField, Layer};
use serde_json::Value;
use std::io::BufRead;

/// The YouTube comments format.
#[derive(Debug, Clone, Copy)]
pub struct YoutubeComments;

const PLATFORM: &str = "youtube";

/// Every `youtube#comment` in a response, a thread or a comment.
fn comments(v: &Value) -> Vec<&Value> {
    match str_at(v, &["kind"]) {
        Some("youtube#comment") => vec![v],
        Some("youtube#commentThread") => {
            let mut out: Vec<&Value> =
                v.get("snippet").and_then(|s| s.get("topLevelComment")).into_iter().collect();
            if let Some(Value::Array(replies)) = v.get("replies").and_then(|r| r.get("comments")) {
                out.extend(replies);
            }
            out
        }
        _ => v
            .get("items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(comments)
            .collect(),
    }
}

impl Format for YoutubeComments {
    fn name(&self) -> &'static str {
        "youtube"
    }
    fn description(&self) -> &'static str {
        "YouTube Data API v3 commentThreads / comments responses or items (JSON, JSON Lines)"
    }
    fn example(&self) -> &'static str {
        "{\"kind\":\"youtube#comment\",\"id\":\"c1\",\"snippet\":{\"videoId\":\"v1\",\"textOriginal\":\"first!\",\"authorChannelId\":{\"value\":\"UC1\"},\"publishedAt\":\"2024-01-01T00:00:00Z\"}}"
    }
    fn sniff(&self, head: &[u8]) -> bool {
        looks_like_json(head) && String::from_utf8_lossy(head).contains("\"youtube#comment")
    }
    fn read(&self, input: &mut dyn BufRead, ctx: &mut ReadCtx<'_>) -> Result<(), IngestError> {
        let mut objects: Vec<(Layer, String)> = Vec::new();
        for_each_record(input, ctx, |v: Value, line, ctx| {
            let found = comments(&v);
            if found.is_empty() {
                ctx.unused(line, "kind", "no comment", String::new());
                return Ok(());
            }
            // A response or thread is one JSON record; count each comment.
            ctx.report.records_read += found.len() as u64 - 1;
            for c in found {
                let s = c.get("snippet").unwrap_or(&Value::Null);
                let Some(id) = str_at(c, &["id"]) else {
                    ctx.skip(line, "id", "not a comment", String::new())?;
                    continue;
                };
                let Some(author) = str_at(s, &["authorChannelId", "value"]) else {
                    ctx.skip(line, "authorChannelId", "missing author", id.to_string())?;
                    continue;
                };
                let time_us = match str_at(s, &["publishedAt"]).map(parse_timestamp) {
                    Some(Ok(t)) => t,
                    Some(Err(msg)) => {
                        ctx.skip(line, "publishedAt", "bad timestamp", msg)?;
                        continue;
                    }
                    None => {
                        ctx.skip(line, "publishedAt", "bad timestamp", "no publishedAt".into())?;
                        continue;
                    }
                };
                if let Some(name) = str_at(s, &["authorDisplayName"]) {
                    let (row, meta) = ctx.builder.account_meta(PLATFORM, author);
                    meta.set_text(row, AccountField::Handle, name);
                }
                objects.clear();
                match (str_at(s, &["parentId"]), str_at(s, &["videoId"])) {
                    (Some(parent), _) => objects.push((Layer::Reply, format!("comment:{parent}"))),
                    (None, Some(video)) => objects.push((Layer::Reply, format!("video:{video}"))),
                    _ => {}
                }
                let text = str_at(s, &["textOriginal"])
                    .or(str_at(s, &["textDisplay"]))
                    .unwrap_or_default();
                for l in links(text) {
                    push_url(&mut objects, l);
                }
                let norm = normalize_exact(text);
                if !norm.is_empty() {
                    objects.push((Layer::Text, norm));
                }
                let post = Post {
                    line,
                    account: author,
                    content: id,
                    time_us,
                    platform: PLATFORM,
                    text: Some(text),
                };
                push_objects(ctx, &post, &mut objects);
            }
            Ok(())
        })
    }
}
