//! YouTube comments from the Data API v3: `commentThreads.list` and
//! `comments.list` responses (saved as JSON files or one per line), or
//! their items one per line.
//!
//! A top-level comment is a `reply` to its video (`video:<videoId>`), or
//! to its channel (`channel:<channelId>`) when it was left on the channel
//! itself; a reply is a `reply` to its parent comment
//! (`comment:<parentId>`), so comments under the same video, channel or
//! comment share an object. Links are the ones YouTube rendered in
//! `textDisplay` (it links `example.com` written without a scheme) and the
//! `http(s)://` ones in `textOriginal`; of the rendered ones, a `#tag` is a
//! `hashtag` (its link goes to YouTube's search), an `@name` to a channel a
//! `mention` of that channel, and a timestamp (`23:56`, linked to the
//! comment's own video at that moment) nothing. `#hashtags` of
//! `textOriginal` are `hashtag`s; `textOriginal`, normalised, is `text`.
//! The account is `authorChannelId.value`, its handle
//! `authorDisplayName`. Time: `publishedAt`. Comments without a channel id
//! (deleted or hidden authors) are counted as skipped.

use super::json::{for_each_json_par, looks_like_json, parse_record};
use super::lenient::{List, Obj, Seen, Str};
use super::{push_objects, push_url, Post, LINK_TO_PLATFORM};
use crate::text::{
    anchors_in, canonical_url, hashtags_in, host_and_path, links_in as links, normalize_exact,
    normalize_tag,
};
use crate::timestamp::parse_timestamp;
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::{AccountField, LanguageTag, Layer};
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
    /// The channel a comment was left on (with a video, the video's).
    #[serde(borrow)]
    channel_id: Str<'a>,
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

/// The links YouTube rendered in a comment's `textDisplay`: hashtags and
/// channel mentions are what they link, a timestamp link to the comment's
/// own video is YouTube's, not the author's (counted as a link to the
/// platform itself), every other link is a `url`.
fn rendered_links(
    ctx: &mut ReadCtx<'_>,
    html: &str,
    video: Option<&str>,
    objects: &mut Vec<(Layer, String)>,
) {
    for a in anchors_in(html) {
        if let Some(tag) = a.label.strip_prefix('#') {
            let tag = normalize_tag(tag);
            if !tag.is_empty() {
                objects.push((Layer::Hashtag, tag));
            }
            continue;
        }
        let url = canonical_url(&a.href);
        let (host, path) = host_and_path(&url).unwrap_or_default();
        let youtube = host == "youtube.com" || host.ends_with(".youtube.com");
        if youtube && a.label.starts_with('@') {
            if let Some(channel) = path.strip_prefix("/channel/").filter(|c| !c.is_empty()) {
                objects.push((Layer::Mention, channel.trim_end_matches('/').to_string()));
                continue;
            }
        }
        let own_moment = youtube
            && path.starts_with("/watch?")
            && video.is_some_and(|v| {
                path["/watch?".len()..].split('&').any(|kv| kv.strip_prefix("v=") == Some(v))
            });
        if own_moment {
            lockstep_model::count(&mut ctx.report.objects_not_acts, LINK_TO_PLATFORM, 1);
            continue;
        }
        push_url(objects, &url);
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
        let empty = Item::default();
        let no_snippet = Snippet::default();
        for_each_json_par(input, ctx, &[], &|json, line, ctx| {
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
                let mut objects: Vec<(Layer, String)> = Vec::new();
                let video = s.video_id.get();
                let replied = match (s.parent_id.get(), video, s.channel_id.get()) {
                    (Some(parent), _, _) => Some(format!("comment:{parent}")),
                    (None, Some(video), _) => Some(format!("video:{video}")),
                    (None, None, Some(channel)) => Some(format!("channel:{channel}")),
                    _ => None,
                };
                objects.extend(replied.map(|r| (Layer::Reply, r)));
                if let Some(html) = s.text_display.get() {
                    rendered_links(ctx, html, video, &mut objects);
                }
                let text = s.text_original.get().or(s.text_display.get()).unwrap_or_default();
                for l in links(text) {
                    push_url(&mut objects, l);
                }
                objects.extend(hashtags_in(text).map(|t| (Layer::Hashtag, t)));
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
                    language: LanguageTag::NONE,
                    original_us: None,
                };
                push_objects(ctx, &post, &mut objects);
            }
            Ok(())
        })
    }
}
