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

use super::json::{for_each_json, looks_like_json, parse_record};
use super::lenient::{List, Obj, Seen, Str};
use super::{push_objects, push_url, Post};
use crate::text::{links_in as links, normalize_exact};
use crate::timestamp::parse_timestamp;
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::{AccountField, Layer};
use serde::Deserialize;
use std::io::BufRead;

/// The YouTube comments format.
#[derive(Debug, Clone, Copy)]
pub struct YoutubeComments;

const PLATFORM: &str = "youtube";

// A typed record whose strings borrow from the input; fields of another
// JSON type read as absent, as lookups in a `Value` tree did. One type for
// responses, threads and comments: `kind` tells them apart.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Item<'a> {
    #[serde(borrow)]
    kind: Str<'a>,
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    snippet: Obj<Snippet<'a>>,
    #[serde(borrow)]
    replies: Obj<Replies<'a>>,
    #[serde(borrow)]
    items: List<Item<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Snippet<'a> {
    #[serde(borrow)]
    author_channel_id: Obj<ChannelId<'a>>,
    #[serde(borrow)]
    published_at: Str<'a>,
    #[serde(borrow)]
    author_display_name: Str<'a>,
    #[serde(borrow)]
    parent_id: Str<'a>,
    #[serde(borrow)]
    video_id: Str<'a>,
    #[serde(borrow)]
    text_original: Str<'a>,
    #[serde(borrow)]
    text_display: Str<'a>,
    /// On a thread; present but not an object, it is a comment to skip.
    #[serde(borrow)]
    top_level_comment: Seen<Obj<Box<Item<'a>>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChannelId<'a> {
    #[serde(borrow)]
    value: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Replies<'a> {
    #[serde(borrow)]
    comments: List<Item<'a>>,
}

/// Every `youtube#comment` in a response, a thread or a comment (`empty`
/// stands for a thread's comment that is not an object).
fn comments<'i, 'a>(v: &'i Item<'a>, empty: &'i Item<'a>, out: &mut Vec<&'i Item<'a>>) {
    match v.kind.get() {
        Some("youtube#comment") => out.push(v),
        Some("youtube#commentThread") => {
            if let Some(s) = &v.snippet.0 {
                if s.top_level_comment.0 {
                    out.push(s.top_level_comment.1 .0.as_deref().unwrap_or(empty));
                }
            }
            if let Some(r) = &v.replies.0 {
                out.extend(&r.comments.0);
            }
        }
        _ => {
            for item in &v.items.0 {
                comments(item, empty, out);
            }
        }
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
        let empty = Item::default();
        let no_snippet = Snippet::default();
        for_each_json(input, ctx, |json, line, ctx| {
            let Some(v) = parse_record::<Item<'_>>(json, line, ctx)? else { return Ok(()) };
            let mut found = Vec::new();
            comments(&v, &empty, &mut found);
            if found.is_empty() {
                ctx.unused(line, "kind", "no comment", String::new());
                return Ok(());
            }
            // A response or thread is one JSON record; count each comment.
            ctx.report.records_read += found.len() as u64 - 1;
            for c in found {
                let s = c.snippet.0.as_ref().unwrap_or(&no_snippet);
                let Some(id) = c.id.get() else {
                    ctx.skip(line, "id", "not a comment", String::new())?;
                    continue;
                };
                let Some(author) = s.author_channel_id.0.as_ref().and_then(|a| a.value.get())
                else {
                    ctx.skip(line, "authorChannelId", "missing author", id.to_string())?;
                    continue;
                };
                let time_us = match s.published_at.get().map(parse_timestamp) {
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
                if let Some(name) = s.author_display_name.get() {
                    let (row, meta) = ctx.builder.account_meta(PLATFORM, author);
                    meta.set_text(row, AccountField::Handle, name);
                }
                objects.clear();
                match (s.parent_id.get(), s.video_id.get()) {
                    (Some(parent), _) => objects.push((Layer::Reply, format!("comment:{parent}"))),
                    (None, Some(video)) => objects.push((Layer::Reply, format!("video:{video}"))),
                    _ => {}
                }
                let text = s.text_original.get().or(s.text_display.get()).unwrap_or_default();
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
                    original_us: None,
                };
                push_objects(ctx, &post, &mut objects);
            }
            Ok(())
        })
    }
}
