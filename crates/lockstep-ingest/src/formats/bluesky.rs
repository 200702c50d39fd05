//! Bluesky Jetstream JSON Lines (`{"did", "time_us", "kind", "commit":
//! {...}}`), the JSON firehose that most Bluesky collection uses.
//!
//! Commits that create records give actions: `app.bsky.feed.post` (its
//! `reply.parent.uri` as `reply`; facets: `#link` → `url`, `#tag` →
//! `hashtag`, `#mention` → `mention` (a DID); embeds: `external.uri` →
//! `url`, a quoted record's `uri` → `quote`; the text, normalised, → `text`),
//! `app.bsky.feed.repost` (`subject.uri` → `repost`) and
//! `app.bsky.feed.like` (`subject.uri` → `like`). The account is the `did`;
//! the content id the record's `at://did/collection/rkey`. Time: `time_us`,
//! when the relay saw the event (a record's `createdAt` is set by the
//! client and can be backdated). `app.bsky.actor.profile` commits and
//! `identity` events give account metadata (display name, description,
//! creation time, handle); they and deletions are counted as records
//! without an action.

use super::json::{for_each_record, head_has_keys, looks_like_json};
use super::{push_objects, push_url, Post};
use crate::text::{normalize_exact, normalize_tag};
use crate::timestamp::parse_timestamp;
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::{AccountField, Layer};
use serde_json::Value;
use std::io::BufRead;

/// The Bluesky Jetstream format.
#[derive(Debug, Clone, Copy)]
pub struct BlueskyJetstream;

const PLATFORM: &str = "bluesky";

fn str_at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str().filter(|s| !s.is_empty())
}

/// Actions of a post record.
fn post_objects(record: &Value, objects: &mut Vec<(Layer, String)>) {
    if let Some(parent) = str_at(record, &["reply", "parent", "uri"]) {
        objects.push((Layer::Reply, parent.to_string()));
    }
    for facet in record.get("facets").and_then(Value::as_array).into_iter().flatten() {
        for feature in facet.get("features").and_then(Value::as_array).into_iter().flatten() {
            match str_at(feature, &["$type"]) {
                Some("app.bsky.richtext.facet#link") => {
                    if let Some(uri) = str_at(feature, &["uri"]) {
                        push_url(objects, uri);
                    }
                }
                Some("app.bsky.richtext.facet#tag") => {
                    if let Some(tag) =
                        str_at(feature, &["tag"]).map(normalize_tag).filter(|t| !t.is_empty())
                    {
                        objects.push((Layer::Hashtag, tag));
                    }
                }
                Some("app.bsky.richtext.facet#mention") => {
                    if let Some(did) = str_at(feature, &["did"]) {
                        objects.push((Layer::Mention, did.to_string()));
                    }
                }
                _ => {}
            }
        }
    }
    if let Some(embed) = record.get("embed") {
        if let Some(uri) = str_at(embed, &["external", "uri"]) {
            push_url(objects, uri);
        }
        let quoted =
            str_at(embed, &["record", "uri"]).or(str_at(embed, &["record", "record", "uri"]));
        if let Some(uri) = quoted {
            objects.push((Layer::Quote, uri.to_string()));
        }
    }
    let text = normalize_exact(str_at(record, &["text"]).unwrap_or_default());
    if !text.is_empty() {
        objects.push((Layer::Text, text));
    }
}

impl Format for BlueskyJetstream {
    fn name(&self) -> &'static str {
        "bluesky-jetstream"
    }
    fn description(&self) -> &'static str {
        "Bluesky Jetstream JSON Lines (posts, reposts, likes, profiles)"
    }
    fn example(&self) -> &'static str {
        "{\"did\":\"did:plc:abc\",\"time_us\":1725911162329308,\"kind\":\"commit\",\"commit\":{\"operation\":\"create\",\"collection\":\"app.bsky.feed.repost\",\"rkey\":\"3l3\",\"record\":{\"subject\":{\"uri\":\"at://did:plc:xyz/app.bsky.feed.post/3k2\"}}}}"
    }
    fn sniff(&self, head: &[u8]) -> bool {
        looks_like_json(head) && head_has_keys(head, &["did", "time_us", "kind"])
    }
    fn read(&self, input: &mut dyn BufRead, ctx: &mut ReadCtx<'_>) -> Result<(), IngestError> {
        let mut objects: Vec<(Layer, String)> = Vec::new();
        for_each_record(input, ctx, |ev: Value, line, ctx| {
            let Some(did) = str_at(&ev, &["did"]) else {
                return ctx.skip(line, "did", "missing author", String::new());
            };
            match str_at(&ev, &["kind"]) {
                Some("commit") => {}
                Some("identity") => {
                    if let Some(handle) = str_at(&ev, &["identity", "handle"]) {
                        let (row, meta) = ctx.builder.account_meta(PLATFORM, did);
                        meta.set_text(row, AccountField::Handle, handle);
                    }
                    ctx.unused(line, "kind", "account event", String::new());
                    return Ok(());
                }
                _ => {
                    ctx.unused(line, "kind", "account event", String::new());
                    return Ok(());
                }
            }
            let Some(time_us) = ev.get("time_us").and_then(Value::as_i64) else {
                return ctx.skip(line, "time_us", "bad timestamp", "no time_us".into());
            };
            let commit = ev.get("commit").unwrap_or(&Value::Null);
            let collection = str_at(commit, &["collection"]).unwrap_or_default();
            let record = commit.get("record").unwrap_or(&Value::Null);
            let operation = str_at(commit, &["operation"]).unwrap_or_default();
            if collection == "app.bsky.actor.profile" && operation != "delete" {
                let (row, meta) = ctx.builder.account_meta(PLATFORM, did);
                if let Some(v) = str_at(record, &["displayName"]) {
                    meta.set_text(row, AccountField::DisplayName, v);
                }
                if let Some(v) = str_at(record, &["description"]) {
                    meta.set_text(row, AccountField::Bio, v);
                }
                if meta.created_at_us[row as usize].is_none() {
                    meta.created_at_us[row as usize] =
                        str_at(record, &["createdAt"]).and_then(|c| parse_timestamp(c).ok());
                }
                ctx.unused(line, "commit.collection", "account event", String::new());
                return Ok(());
            }
            if operation != "create" {
                ctx.unused(line, "commit.operation", "not a create", operation.to_string());
                return Ok(());
            }
            objects.clear();
            match collection {
                "app.bsky.feed.post" => post_objects(record, &mut objects),
                "app.bsky.feed.repost" | "app.bsky.feed.like" => {
                    let layer =
                        if collection.ends_with("repost") { Layer::Repost } else { Layer::Like };
                    if let Some(subject) = str_at(record, &["subject", "uri"]) {
                        objects.push((layer, subject.to_string()));
                    }
                }
                _ => {
                    ctx.unused(
                        line,
                        "commit.collection",
                        "other collection",
                        collection.to_string(),
                    );
                    return Ok(());
                }
            }
            let rkey = str_at(commit, &["rkey"]).unwrap_or_default();
            let content = format!("at://{did}/{collection}/{rkey}");
            let post = Post { line, account: did, content: &content, time_us, platform: PLATFORM };
            push_objects(ctx, &post, &mut objects);
            Ok(())
        })
    }
}
