//! Telegram Desktop export `result.json`: one chat (`{"name", "id",
//! "messages": [...]}`) or the full export (`{"chats": {"list": [...]}}`,
//! plus `left_chats` when present).
//!
//! Per message: the account is `from_id` (`user123`, `channel123`), or the
//! chat itself for channel posts without one; the content id is
//! `chat/message`. `forwarded_from` gives a `repost`: Desktop exports name
//! the source but not its message id, so the object is the source's name
//! and the normalised text (`Source | text`). `reply_to_message_id` gives a
//! `reply` to `chat/message`. `text_entities` (or, in older exports, the
//! entity objects inside `text`) give `url` (`link`, and `text_link`'s
//! `href`) with its `domain`, `hashtag` and `mention` (`mention`,
//! `mention_name`). The full text, normalised, gives `text` for messages
//! that are not forwards. Time: `date_unixtime`; exports without it have
//! only `date` in the exporting machine's local time, read as UTC (noted).
//! Service messages (joins, pins) are counted as skipped.
//!
//! The export streams (`scan.rs`): memory holds one message at a time, not
//! the file, and each message is parsed on its own, so a bad message is one
//! skipped record with its line. A chat's `id` and `name` come before its
//! `messages` in Desktop exports; a chat that lists them after has its
//! messages held until its end.

use super::json::{head_has_keys, looks_like_json};
use super::scan::Scanner;
use super::{push_objects, push_url, Post};
use crate::text::{normalize_exact, normalize_tag};
use crate::timestamp::parse_timestamp;
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::{AccountField, LanguageTag, Layer};
use serde::Deserialize;
use serde_json::Value;
use std::io::BufRead;

/// The Telegram Desktop export format.
#[derive(Debug, Clone, Copy)]
pub struct TelegramExport;

const PLATFORM: &str = "telegram";

/// The note added when times come from `date` alone.
pub const LOCAL_TIME_NOTE: &str =
    "telegram: messages without `date_unixtime` carry only `date`, in the exporting machine's local time; it was read as UTC";

/// A chat's identity, read from its keys.
#[derive(Default)]
struct ChatHeader {
    id: Option<i64>,
    name: Option<String>,
}

impl ChatHeader {
    fn known(&self) -> bool {
        self.id.is_some() || self.name.is_some()
    }
}

/// State shared by every message of one input.
struct Reading {
    objects: Vec<(Layer, String)>,
    local_time: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Message {
    id: Option<i64>,
    #[serde(rename = "type")]
    kind: Option<String>,
    date: Option<String>,
    date_unixtime: Option<String>,
    from: Option<String>,
    from_id: Option<String>,
    forwarded_from: Option<String>,
    reply_to_message_id: Option<i64>,
    text: Option<Value>,
    text_entities: Option<Vec<Entity>>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Entity {
    #[serde(rename = "type")]
    kind: String,
    text: String,
    href: Option<String>,
    user_id: Option<i64>,
}

/// The message's text and entities: `text` is a string, or an array of
/// strings and entity objects.
fn text_and_entities(m: &Message) -> (String, Vec<Entity>) {
    let mut text = String::new();
    let mut inline = Vec::new();
    match &m.text {
        Some(Value::String(s)) => text.push_str(s),
        Some(Value::Array(parts)) => {
            for p in parts {
                match p {
                    Value::String(s) => text.push_str(s),
                    Value::Object(_) => {
                        if let Ok(e) = Entity::deserialize(p) {
                            text.push_str(&e.text);
                            inline.push(e);
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    (text, m.text_entities.clone().unwrap_or(inline))
}

impl Format for TelegramExport {
    fn name(&self) -> &'static str {
        "telegram"
    }
    fn description(&self) -> &'static str {
        "Telegram Desktop export result.json (one chat, or the full export)"
    }
    fn example(&self) -> &'static str {
        "{\"name\":\"Chan\",\"id\":1,\"messages\":[{\"id\":2,\"type\":\"message\",\"date_unixtime\":\"1706788805\",\"from_id\":\"channel1\",\"text\":\"hi\"}]}"
    }
    fn sniff(&self, head: &[u8]) -> bool {
        looks_like_json(head)
            && (head_has_keys(head, &["messages"]) || head_has_keys(head, &["chats", "list"]))
    }
    fn read(&self, input: &mut dyn BufRead, ctx: &mut ReadCtx<'_>) -> Result<(), IngestError> {
        let file = ctx.report.path.clone();
        let mut scanner = Scanner::new(input, &file);
        let mut r = Reading { objects: Vec::new(), local_time: false };
        chat(&mut scanner, ctx, &mut r, true)?;
        if !scanner.at_end()? {
            return Err(scanner.error("data after the export's object"));
        }
        if r.local_time {
            ctx.report.note(LOCAL_TIME_NOTE);
        }
        (ctx.progress)(ctx.report.records_read);
        Ok(())
    }
}

/// Reads one chat object (or, with `root`, the export: a chat, or the
/// `chats` and `left_chats` lists of the full export).
fn chat(
    s: &mut Scanner<'_>,
    ctx: &mut ReadCtx<'_>,
    r: &mut Reading,
    root: bool,
) -> Result<(), IngestError> {
    let mut header = ChatHeader::default();
    let mut held: Vec<(Vec<u8>, u64)> = Vec::new();
    let mut raw = Vec::new();
    s.object(&mut |s, key| {
        match key {
            "id" | "name" => {
                raw.clear();
                s.value(Some(&mut raw))?;
                if key == "id" {
                    header.id = serde_json::from_slice(&raw).ok();
                } else {
                    header.name = serde_json::from_slice(&raw).ok();
                }
            }
            "messages" => s.array(&mut |_, m, line| {
                if header.known() {
                    message(ctx, r, &header, m, line)
                } else {
                    held.push((m.to_vec(), line));
                    Ok(())
                }
            })?,
            "chats" | "left_chats" if root => s.object(&mut |s, key| {
                if key == "list" {
                    s.elements(&mut |s| chat(s, ctx, r, false))
                } else {
                    s.value(None).map(drop)
                }
            })?,
            _ => {
                s.value(None)?;
            }
        }
        Ok(())
    })?;
    for (m, line) in held {
        message(ctx, r, &header, &m, line)?;
    }
    Ok(())
}

/// Reads one message of `chat`.
fn message(
    ctx: &mut ReadCtx<'_>,
    r: &mut Reading,
    chat_header: &ChatHeader,
    raw: &[u8],
    line: u64,
) -> Result<(), IngestError> {
    let chat_id = chat_header.id;
    let chat =
        chat_id.map_or_else(|| chat_header.name.clone().unwrap_or_default(), |i| i.to_string());
    ctx.report.records_read += 1;
    if ctx.report.records_read % (1 << 14) == 0 {
        (ctx.progress)(ctx.report.records_read);
    }
    let m: Message = match serde_json::from_slice(raw) {
        Ok(m) => m,
        Err(e) => return ctx.skip(line, "*", "invalid JSON", e.to_string()),
    };
    if m.kind.as_deref() == Some("service") {
        ctx.unused(line, "type", "service message", String::new());
        return Ok(());
    }
    let Some(id) = m.id else {
        ctx.skip(line, "id", "missing message id", String::new())?;
        return Ok(());
    };
    let account = match m.from_id.as_deref().filter(|f| !f.is_empty()) {
        Some(f) => f.to_string(),
        None if chat_id.is_some() => format!("channel{chat}"),
        None => {
            ctx.skip(line, "from_id", "missing author", format!("message {id}"))?;
            return Ok(());
        }
    };
    let time_us = match (&m.date_unixtime, &m.date) {
        (Some(u), _) => parse_timestamp(u),
        (None, Some(d)) => {
            r.local_time = true;
            parse_timestamp(d)
        }
        (None, None) => Err("no date".to_string()),
    };
    let time_us = match time_us {
        Ok(t) => t,
        Err(msg) => {
            ctx.skip(line, "date_unixtime", "bad timestamp", msg)?;
            return Ok(());
        }
    };
    let (row, meta) = ctx.builder.account_meta(PLATFORM, &account);
    if let Some(from) = &m.from {
        meta.set_text(row, AccountField::DisplayName, from);
    }

    let (body, entities) = text_and_entities(&m);
    let norm = normalize_exact(&body);
    let objects = &mut r.objects;
    objects.clear();
    if let Some(source) = m.forwarded_from.as_deref().filter(|s| !s.is_empty()) {
        objects.push((Layer::Repost, format!("{source} | {norm}")));
    } else if !norm.is_empty() {
        objects.push((Layer::Text, norm));
    }
    if let Some(r) = m.reply_to_message_id {
        objects.push((Layer::Reply, format!("{chat}/{r}")));
    }
    for e in &entities {
        match e.kind.as_str() {
            "link" | "text_link" => {
                let url = if e.kind == "link" {
                    e.text.as_str()
                } else {
                    e.href.as_deref().unwrap_or("")
                };
                if !url.is_empty() {
                    push_url(objects, url);
                }
            }
            "hashtag" => {
                let tag = normalize_tag(&e.text);
                if !tag.is_empty() {
                    objects.push((Layer::Hashtag, tag));
                }
            }
            "mention" => {
                let who = normalize_tag(&e.text);
                if !who.is_empty() {
                    objects.push((Layer::Mention, who));
                }
            }
            "mention_name" => {
                if let Some(u) = e.user_id {
                    objects.push((Layer::Mention, format!("user{u}")));
                }
            }
            _ => {}
        }
    }
    let content = format!("{chat}/{id}");
    let forwarded = m.forwarded_from.as_deref().is_some_and(|s| !s.is_empty());
    let post = Post {
        line,
        account: &account,
        content: &content,
        time_us,
        platform: PLATFORM,
        text: (!forwarded).then_some(body.as_str()),
        language: LanguageTag::NONE,
        original_us: None,
    };
    push_objects(ctx, &post, objects);
    Ok(())
}
