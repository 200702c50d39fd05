//! Bluesky AppView responses as saved from the API (`app.bsky.feed.*`):
//! feeds (`getAuthorFeed`, `getTimeline`, `getFeed`, `getListFeed`:
//! `{"feed": [{"post", "reason"}], "cursor"}`), posts (`getPosts`,
//! `searchPosts`: `{"posts": [...]}`) and threads (`getPostThread`:
//! `{"thread": {"post", "parent", "replies"}}`), one response per file or
//! per line.
//!
//! Every post view is a post of its `author.did`, with the actions of its
//! `record` as in Jetstream (reply, links, hashtags, mentions, quote,
//! text); a feed item whose `reason` is a repost is also a `repost` of the
//! post by `reason.by.did`. Time: the AppView's `indexedAt` (the post's,
//! or the repost's in `reason`), not the record's `createdAt`, which the
//! client sets and can backdate. Content ids: the post's `uri`; a repost's
//! `reason.uri` where the AppView gives it, else `repost:<did>:<post uri>`.
//! Pages overlap and threads repeat their posts: a post or repost already
//! read, in this input or an earlier one of the run, is counted once
//! (`already read`); a thread's
//! posts not found or blocked are counted as such. Authors give account metadata:
//! `handle`, `displayName`, `createdAt`, whether there is an `avatar`.

use super::bluesky::{nonempty, post_objects, Record, PLATFORM};
use super::json::{for_each_json_in, head_has_keys, looks_like_json, parse_record, Envelope};
use super::{push_objects, Post};
use crate::timestamp::parse_timestamp;
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::{AccountField, LanguageTag, Layer};
use serde::Deserialize;
use std::io::BufRead;

/// The Bluesky AppView responses format.
#[derive(Debug, Clone, Copy)]
pub struct BlueskyApi;

const ENVELOPES: &[Envelope] = &[&["feed"], &["posts"], &["thread"]];

/// A post view, a feed item or a thread node: one loose type, told apart by
/// which fields are set (a post view has a `uri`).
#[derive(Deserialize, Default)]
#[serde(default)]
struct Item {
    uri: Option<String>,
    author: Option<Author>,
    record: Option<Record>,
    #[serde(rename = "indexedAt")]
    indexed_at: Option<String>,
    post: Option<Box<Item>>,
    reason: Option<Reason>,
    parent: Option<Box<Item>>,
    replies: Vec<Item>,
    /// A thread's `notFoundPost` or `blockedPost`: a `uri`, no post.
    #[serde(rename = "notFound")]
    not_found: bool,
    blocked: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Author {
    did: Option<String>,
    handle: Option<String>,
    #[serde(rename = "displayName")]
    display_name: Option<String>,
    avatar: Option<String>,
    #[serde(rename = "createdAt")]
    created_at: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Reason {
    #[serde(rename = "$type")]
    kind: Option<String>,
    by: Option<Author>,
    #[serde(rename = "indexedAt")]
    indexed_at: Option<String>,
    uri: Option<String>,
}

/// One act a response shows.
enum Act<'a> {
    Post(&'a Item),
    /// A post the AppView did not show (deleted, or blocked).
    Hidden(&'a Item),
    Repost {
        reason: &'a Reason,
        subject: &'a Item,
    },
}

/// The acts of a feed item, thread node or post view, in order.
fn acts<'a>(item: &'a Item, out: &mut Vec<Act<'a>>) {
    if item.not_found || item.blocked {
        out.push(Act::Hidden(item));
        return;
    }
    if item.uri.is_some() {
        out.push(Act::Post(item));
        return;
    }
    if let Some(post) = item.post.as_deref() {
        if let Some(r) = &item.reason {
            if r.kind.as_deref().is_some_and(|k| k.ends_with("#reasonRepost")) {
                out.push(Act::Repost { reason: r, subject: post });
            }
        }
        acts(post, out);
    }
    if let Some(parent) = item.parent.as_deref() {
        acts(parent, out);
    }
    for reply in &item.replies {
        acts(reply, out);
    }
}

fn set_author(ctx: &mut ReadCtx<'_>, did: &str, a: &Author) {
    let (row, meta) = ctx.builder.account_meta(PLATFORM, did);
    if let Some(v) = nonempty(&a.handle) {
        meta.set_text(row, AccountField::Handle, v);
    }
    if let Some(v) = nonempty(&a.display_name) {
        meta.set_text(row, AccountField::DisplayName, v);
    }
    let r = row as usize;
    meta.default_image[r] = meta.default_image[r].or(Some(nonempty(&a.avatar).is_none()));
    if meta.created_at_us[r].is_none() {
        meta.created_at_us[r] = nonempty(&a.created_at).and_then(|c| parse_timestamp(c).ok());
    }
}

/// The AppView time of an act; a missing or bad one is a counted skip.
fn indexed_at(
    ctx: &mut ReadCtx<'_>,
    line: u64,
    at: &Option<String>,
) -> Result<Option<i64>, IngestError> {
    match nonempty(at).map(parse_timestamp) {
        Some(Ok(t)) => Ok(Some(t)),
        Some(Err(msg)) => ctx.skip(line, "indexedAt", "bad timestamp", msg).map(|()| None),
        None => ctx.skip(line, "indexedAt", "bad timestamp", "no indexedAt".into()).map(|()| None),
    }
}

impl Format for BlueskyApi {
    fn name(&self) -> &'static str {
        "bluesky-api"
    }
    fn description(&self) -> &'static str {
        "Bluesky AppView responses: feeds, posts, threads (getAuthorFeed, searchPosts, getPostThread, ...)"
    }
    fn example(&self) -> &'static str {
        "{\"feed\":[{\"post\":{\"uri\":\"at://did:plc:a/app.bsky.feed.post/3k\",\"author\":{\"did\":\"did:plc:a\",\"handle\":\"a.bsky.social\"},\"record\":{\"text\":\"hi\",\"createdAt\":\"2024-01-01T00:00:00Z\"},\"indexedAt\":\"2024-01-01T00:00:01Z\"}}],\"cursor\":\"c\"}"
    }
    fn sniff(&self, head: &[u8]) -> bool {
        looks_like_json(head)
            && (head_has_keys(head, &["feed", "post", "author"])
                || head_has_keys(head, &["posts", "uri", "author", "indexedAt"])
                || head_has_keys(head, &["thread", "post", "author"]))
    }
    fn read(&self, input: &mut dyn BufRead, ctx: &mut ReadCtx<'_>) -> Result<(), IngestError> {
        let mut objects: Vec<(Layer, String)> = Vec::new();
        for_each_json_in(input, ctx, ENVELOPES, |json, line, ctx| {
            let Some(item) = parse_record::<Item>(json, line, ctx)? else { return Ok(()) };
            let mut found = Vec::new();
            acts(&item, &mut found);
            if found.is_empty() {
                // A thread node for a post not found or blocked.
                ctx.unused(line, "post", "not a post", String::new());
                return Ok(());
            }
            // The record was counted once; count every act it shows.
            ctx.report.records_read += found.len() as u64 - 1;
            for act in found {
                objects.clear();
                let mut original_us = None;
                let (author, content, at, text, language) = match act {
                    Act::Hidden(h) => {
                        let uri = nonempty(&h.uri).unwrap_or_default().to_string();
                        ctx.unused(line, "uri", "post not found or blocked", uri);
                        continue;
                    }
                    Act::Post(p) => {
                        let record = p.record.as_ref();
                        if let Some(r) = record {
                            post_objects(r, &mut objects);
                        }
                        let uri = nonempty(&p.uri).unwrap_or_default().to_string();
                        let text = record.and_then(|r| nonempty(&r.text));
                        let language = record.map_or(LanguageTag::NONE, Record::language);
                        (&p.author, uri, &p.indexed_at, text, language)
                    }
                    Act::Repost { reason, subject } => {
                        let Some(subject_uri) = nonempty(&subject.uri) else {
                            ctx.skip(line, "post.uri", "not a post", String::new())?;
                            continue;
                        };
                        objects.push((Layer::Repost, subject_uri.to_string()));
                        original_us =
                            nonempty(&subject.indexed_at).and_then(|t| parse_timestamp(t).ok());
                        let by = reason.by.as_ref().and_then(|b| nonempty(&b.did));
                        let content = match (nonempty(&reason.uri), by) {
                            (Some(uri), _) => uri.to_string(),
                            (None, by) => format!("repost:{}:{subject_uri}", by.unwrap_or("")),
                        };
                        (&reason.by, content, &reason.indexed_at, None, LanguageTag::NONE)
                    }
                };
                let Some(author) = author.as_ref().filter(|a| nonempty(&a.did).is_some()) else {
                    ctx.skip(line, "author.did", "missing author", content)?;
                    continue;
                };
                let did = nonempty(&author.did).unwrap_or_default();
                let Some(time_us) = indexed_at(ctx, line, at)? else { continue };
                set_author(ctx, did, author);
                if !ctx.seen.insert(content.clone()) {
                    ctx.unused(line, "uri", "already read", content);
                    continue;
                }
                let post = Post {
                    line,
                    account: did,
                    content: &content,
                    time_us,
                    platform: PLATFORM,
                    text,
                    language,
                    original_us,
                };
                push_objects(ctx, &post, &mut objects);
            }
            Ok(())
        })
    }
}
