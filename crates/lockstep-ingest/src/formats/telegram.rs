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
//! The file is read into memory and each message parsed on its own, so a
//! bad message is one skipped record with its line.

use super::json::{head_has_keys, looks_like_json};
use super::{push_objects, push_url, Post};
use crate::text::{normalize_exact, normalize_tag};
use crate::timestamp::parse_timestamp;
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::{AccountField, Layer};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::io::BufRead;

/// The Telegram Desktop export format.
#[derive(Debug, Clone, Copy)]
pub struct TelegramExport;

const PLATFORM: &str = "telegram";

/// The note added when times come from `date` alone.
pub const LOCAL_TIME_NOTE: &str =
    "telegram: messages without `date_unixtime` carry only `date`, in the exporting machine's local time; it was read as UTC";

#[derive(Deserialize)]
struct Export<'a> {
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    name: Option<String>,
    #[serde(borrow, default)]
    messages: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    chats: Option<ChatList<'a>>,
    #[serde(borrow, default)]
    left_chats: Option<ChatList<'a>>,
}

#[derive(Deserialize)]
struct ChatList<'a> {
    #[serde(borrow, default)]
    list: Vec<Chat<'a>>,
}

#[derive(Deserialize)]
struct Chat<'a> {
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    name: Option<String>,
    #[serde(borrow, default)]
    messages: Vec<&'a RawValue>,
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
        let mut text = String::new();
        input
            .read_to_string(&mut text)
            .map_err(|e| IngestError::Io { file: file.clone(), source: e })?;
        let export: Export<'_> =
            serde_json::from_str(&text).map_err(|e| IngestError::BadRecord {
                file: file.clone(),
                line: e.line() as u64,
                field: "*".into(),
                message: format!("not a Telegram export: {e}"),
            })?;
        let mut chats: Vec<(Option<i64>, Option<String>, Vec<&RawValue>)> = Vec::new();
        if let Some(messages) = export.messages {
            chats.push((export.id, export.name, messages));
        }
        for list in [export.chats, export.left_chats].into_iter().flatten() {
            chats.extend(list.list.into_iter().map(|c| (c.id, c.name, c.messages)));
        }
        let mut objects: Vec<(Layer, String)> = Vec::new();
        let mut local_time = false;
        let (mut line, mut counted_to) = (1u64, 0usize);
        for (chat_id, chat_name, messages) in chats {
            let chat =
                chat_id.map_or_else(|| chat_name.clone().unwrap_or_default(), |i| i.to_string());
            for raw in messages {
                let offset = raw.get().as_ptr() as usize - text.as_ptr() as usize;
                line += text.as_bytes()[counted_to..offset].iter().filter(|&&b| b == b'\n').count()
                    as u64;
                counted_to = offset;
                ctx.report.records_read += 1;
                let m: Message = match serde_json::from_str(raw.get()) {
                    Ok(m) => m,
                    Err(e) => {
                        ctx.skip(line, "*", "invalid JSON", e.to_string())?;
                        continue;
                    }
                };
                if m.kind.as_deref() == Some("service") {
                    ctx.unused(line, "type", "service message", String::new());
                    continue;
                }
                let Some(id) = m.id else {
                    ctx.skip(line, "id", "missing message id", String::new())?;
                    continue;
                };
                let account = match m.from_id.as_deref().filter(|f| !f.is_empty()) {
                    Some(f) => f.to_string(),
                    None if chat_id.is_some() => format!("channel{chat}"),
                    None => {
                        ctx.skip(line, "from_id", "missing author", format!("message {id}"))?;
                        continue;
                    }
                };
                let time_us = match (&m.date_unixtime, &m.date) {
                    (Some(u), _) => parse_timestamp(u),
                    (None, Some(d)) => {
                        local_time = true;
                        parse_timestamp(d)
                    }
                    (None, None) => Err("no date".to_string()),
                };
                let time_us = match time_us {
                    Ok(t) => t,
                    Err(msg) => {
                        ctx.skip(line, "date_unixtime", "bad timestamp", msg)?;
                        continue;
                    }
                };
                let (row, meta) = ctx.builder.account_meta(PLATFORM, &account);
                if let Some(from) = &m.from {
                    meta.set_text(row, AccountField::DisplayName, from);
                }

                let (body, entities) = text_and_entities(&m);
                let norm = normalize_exact(&body);
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
                                push_url(&mut objects, url);
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
                let post = Post {
                    line,
                    account: &account,
                    content: &content,
                    time_us,
                    platform: PLATFORM,
                };
                push_objects(ctx, &post, &mut objects);
            }
        }
        if local_time {
            ctx.report.note(LOCAL_TIME_NOTE);
        }
        (ctx.progress)(ctx.report.records_read);
        Ok(())
    }
}
