//! Reddit dumps (Pushshift, Arctic Shift): NDJSON of submissions and
//! comments, often `.zst`-compressed with a 2 GiB window (read directly).
//!
//! Submissions (`title`, no `body`): `url` (`url` unless a self post) and
//! its `domain`, links in `selftext`, and `text` from `title` and
//! `selftext`. Comments (`body`): `reply` to `parent_id` (a fullname, so
//! comments on the same post or comment share an object), links in `body`,
//! and `text` from `body`. Content ids are fullnames (`t3_…` submissions,
//! `t1_…` comments); the account is `author`. `[deleted]` and `[removed]`
//! authors are counted as skipped, and `[deleted]`/`[removed]` bodies give
//! no text. Time: `created_utc` (a number or a string). Account metadata:
//! `author_created_utc` when present.

use super::json::{for_each_record, head_has_keys, looks_like_json};
use super::{push_objects, push_url, Post};
use crate::text::{links_in as links, normalize_exact};
use crate::timestamp::parse_timestamp;
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::Layer;
use serde_json::Value;
use std::io::BufRead;

/// The Reddit dump format.
#[derive(Debug, Clone, Copy)]
pub struct RedditDump;

const PLATFORM: &str = "reddit";

fn str_of<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key)?.as_str().filter(|s| !s.is_empty())
}

/// Seconds as a JSON number or string.
fn unix_of(v: &Value, key: &str) -> Option<Result<i64, String>> {
    match v.get(key)? {
        Value::Number(n) => Some(parse_timestamp(&n.to_string())),
        Value::String(s) => Some(parse_timestamp(s)),
        _ => None,
    }
}

fn usable(text: &str) -> bool {
    !matches!(text.trim(), "" | "[deleted]" | "[removed]")
}

impl Format for RedditDump {
    fn name(&self) -> &'static str {
        "reddit"
    }
    fn description(&self) -> &'static str {
        "Reddit submissions and comments, Pushshift / Arctic Shift NDJSON (.zst read directly)"
    }
    fn example(&self) -> &'static str {
        "{\"id\":\"abc\",\"author\":\"u1\",\"created_utc\":1700000000,\"subreddit\":\"news\",\"title\":\"Read this\",\"url\":\"https://example.com/a\",\"is_self\":false}"
    }
    fn sniff(&self, head: &[u8]) -> bool {
        looks_like_json(head) && head_has_keys(head, &["subreddit", "created_utc"])
    }
    fn read(&self, input: &mut dyn BufRead, ctx: &mut ReadCtx<'_>) -> Result<(), IngestError> {
        let mut objects: Vec<(Layer, String)> = Vec::new();
        for_each_record(input, ctx, |v: Value, line, ctx| {
            let Some(id) = str_of(&v, "id") else {
                return ctx.skip(line, "id", "not a post", String::new());
            };
            let author = str_of(&v, "author").unwrap_or_default();
            if !usable(author) {
                return ctx.skip(line, "author", "deleted author", id.to_string());
            }
            let time_us = match unix_of(&v, "created_utc") {
                Some(Ok(t)) => t,
                Some(Err(msg)) => return ctx.skip(line, "created_utc", "bad timestamp", msg),
                None => {
                    return ctx.skip(line, "created_utc", "bad timestamp", "no created_utc".into())
                }
            };
            if let Some(Ok(created)) = unix_of(&v, "author_created_utc") {
                let (row, meta) = ctx.builder.account_meta(PLATFORM, author);
                meta.created_at_us[row as usize].get_or_insert(created);
            }
            objects.clear();
            let comment = v.get("body").is_some();
            let mut words: Option<String> = None;
            let content = if comment {
                let body = str_of(&v, "body").unwrap_or_default();
                if let Some(parent) = str_of(&v, "parent_id") {
                    objects.push((Layer::Reply, parent.to_string()));
                }
                for l in links(body) {
                    push_url(&mut objects, l);
                }
                if usable(body) {
                    words = Some(body.to_string());
                    let t = normalize_exact(body);
                    if !t.is_empty() {
                        objects.push((Layer::Text, t));
                    }
                }
                format!("t1_{id}")
            } else {
                let is_self = v.get("is_self").and_then(Value::as_bool).unwrap_or(false);
                if let Some(url) = str_of(&v, "url").filter(|_| !is_self) {
                    push_url(&mut objects, url);
                }
                let title = str_of(&v, "title").unwrap_or_default();
                let selftext = str_of(&v, "selftext").filter(|s| usable(s)).unwrap_or_default();
                for l in links(selftext) {
                    push_url(&mut objects, l);
                }
                let both = format!("{title} {selftext}");
                let t = normalize_exact(&both);
                if !t.is_empty() {
                    objects.push((Layer::Text, t));
                }
                words = Some(both.trim().to_string());
                format!("t3_{id}")
            };
            let post = Post {
                line,
                account: author,
                content: &content,
                time_us,
                platform: PLATFORM,
                text: words.as_deref(),
            };
            push_objects(ctx, &post, &mut objects);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::links;

    #[test]
    fn markdown_links() {
        let t = "see [this](https://a.example/x?y=1) and https://b.example/z. (http://c.example)";
        assert_eq!(
            links(t).collect::<Vec<_>>(),
            ["https://a.example/x?y=1", "https://b.example/z", "http://c.example"]
        );
    }
}
