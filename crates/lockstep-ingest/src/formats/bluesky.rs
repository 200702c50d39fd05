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
use lockstep_model::{AccountField, LanguageTag, Layer};
use serde::Deserialize;
use std::io::BufRead;

/// The Bluesky Jetstream format.
#[derive(Debug, Clone, Copy)]
pub struct BlueskyJetstream;

pub(super) const PLATFORM: &str = "bluesky";

// Typed views of the fields read: parsing into them allocates only what is
// kept, unlike a `serde_json::Value` tree of the whole event.

#[derive(Deserialize, Default)]
#[serde(default)]
struct Event {
    did: Option<String>,
    time_us: Option<i64>,
    kind: Option<String>,
    commit: Option<Commit>,
    identity: Option<Identity>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Identity {
    handle: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Commit {
    operation: Option<String>,
    collection: Option<String>,
    rkey: Option<String>,
    record: Option<Record>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Record {
    pub(super) text: Option<String>,
    /// A strong ref `{uri, cid}` for reposts and likes, a DID string for
    /// follows and blocks: kept loose so that either parses.
    subject: Option<serde_json::Value>,
    reply: Option<Reply>,
    facets: Vec<Facet>,
    embed: Option<Embed>,
    #[serde(rename = "displayName")]
    display_name: Option<String>,
    description: Option<String>,
    #[serde(rename = "createdAt")]
    created_at: Option<String>,
    /// A profile's picture (a blob): only whether there is one is read.
    avatar: Option<serde::de::IgnoredAny>,
    /// The author's labels of a post's languages (BCP 47), main one first.
    langs: Vec<String>,
}

impl Record {
    /// The post's main language, as its author labelled it.
    pub(super) fn language(&self) -> LanguageTag {
        self.langs.first().map_or(LanguageTag::NONE, |l| LanguageTag::parse(l))
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Uri {
    uri: Option<String>,
    record: Option<Box<Uri>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Reply {
    parent: Option<Uri>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Facet {
    features: Vec<Feature>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Feature {
    #[serde(rename = "$type")]
    kind: String,
    uri: Option<String>,
    tag: Option<String>,
    did: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Embed {
    external: Option<Uri>,
    record: Option<Uri>,
}

pub(super) fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// Actions of a post record (shared with the AppView responses).
pub(super) fn post_objects(record: &Record, objects: &mut Vec<(Layer, String)>) {
    if let Some(parent) =
        record.reply.as_ref().and_then(|r| r.parent.as_ref()).and_then(|p| nonempty(&p.uri))
    {
        objects.push((Layer::Reply, parent.to_string()));
    }
    for feature in record.facets.iter().flat_map(|f| &f.features) {
        match feature.kind.as_str() {
            "app.bsky.richtext.facet#link" => {
                if let Some(uri) = nonempty(&feature.uri) {
                    push_url(objects, uri);
                }
            }
            "app.bsky.richtext.facet#tag" => {
                if let Some(tag) =
                    nonempty(&feature.tag).map(normalize_tag).filter(|t| !t.is_empty())
                {
                    objects.push((Layer::Hashtag, tag));
                }
            }
            "app.bsky.richtext.facet#mention" => {
                if let Some(did) = nonempty(&feature.did) {
                    objects.push((Layer::Mention, did.to_string()));
                }
            }
            _ => {}
        }
    }
    if let Some(embed) = &record.embed {
        if let Some(uri) = embed.external.as_ref().and_then(|e| nonempty(&e.uri)) {
            push_url(objects, uri);
        }
        let quoted = embed.record.as_ref().and_then(|r| {
            nonempty(&r.uri).or_else(|| r.record.as_ref().and_then(|inner| nonempty(&inner.uri)))
        });
        if let Some(uri) = quoted {
            objects.push((Layer::Quote, uri.to_string()));
        }
    }
    let text = normalize_exact(nonempty(&record.text).unwrap_or_default());
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
        for_each_record(input, ctx, |ev: Event, line, ctx| {
            let Some(did) = nonempty(&ev.did) else {
                return ctx.skip(line, "did", "missing author", String::new());
            };
            match ev.kind.as_deref() {
                Some("commit") => {}
                Some("identity") => {
                    if let Some(handle) = ev.identity.as_ref().and_then(|i| nonempty(&i.handle)) {
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
            let Some(time_us) = ev.time_us else {
                return ctx.skip(line, "time_us", "bad timestamp", "no time_us".into());
            };
            let commit = ev.commit.unwrap_or_default();
            let collection = nonempty(&commit.collection).unwrap_or_default();
            let record = commit.record.unwrap_or_default();
            let operation = nonempty(&commit.operation).unwrap_or_default();
            if collection == "app.bsky.actor.profile" && operation != "delete" {
                let (row, meta) = ctx.builder.account_meta(PLATFORM, did);
                if let Some(v) = nonempty(&record.display_name) {
                    meta.set_text(row, AccountField::DisplayName, v);
                }
                if let Some(v) = nonempty(&record.description) {
                    meta.set_text(row, AccountField::Bio, v);
                }
                if meta.created_at_us[row as usize].is_none() {
                    meta.created_at_us[row as usize] =
                        nonempty(&record.created_at).and_then(|c| parse_timestamp(c).ok());
                }
                // A profile without a picture shows Bluesky's default.
                meta.default_image[row as usize] = Some(record.avatar.is_none());
                ctx.unused(line, "commit.collection", "account event", String::new());
                return Ok(());
            }
            if operation != "create" {
                ctx.unused(line, "commit.operation", "not a create", operation.to_string());
                return Ok(());
            }
            objects.clear();
            match collection {
                "app.bsky.feed.post" => post_objects(&record, &mut objects),
                "app.bsky.feed.repost" | "app.bsky.feed.like" => {
                    let layer =
                        if collection.ends_with("repost") { Layer::Repost } else { Layer::Like };
                    let subject =
                        record.subject.as_ref().and_then(|s| s.get("uri")).and_then(|u| u.as_str());
                    if let Some(subject) = subject.filter(|u| !u.is_empty()) {
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
            let rkey = nonempty(&commit.rkey).unwrap_or_default();
            let content = format!("at://{did}/{collection}/{rkey}");
            let text =
                if collection == "app.bsky.feed.post" { nonempty(&record.text) } else { None };
            let post = Post {
                line,
                account: did,
                content: &content,
                time_us,
                platform: PLATFORM,
                text,
                language: if text.is_some() { record.language() } else { LanguageTag::NONE },
                original_us: None,
            };
            push_objects(ctx, &post, &mut objects);
            Ok(())
        })
    }
}
