//! Reddit dumps (Pushshift, Arctic Shift): NDJSON of submissions and
//! comments, often `.zst`-compressed with a 2 GiB window (read directly);
//! and saved API listings, whose children are the records.
//!
//! Submissions (`title`, no `body`): `url` (`url` unless a self post) and
//! its `domain`, links in `selftext`, and `text` from `title` and
//! `selftext` (bodies, titles and URLs with Reddit's `&amp;`, `&lt;`,
//! `&gt;` decoded, as the API serves them without `raw_json=1`). Comments
//! (`body`): `reply` to `parent_id` (a fullname, so
//! comments on the same post or comment share an object), links in `body`,
//! and `text` from `body`. Content ids are fullnames (`t3_…` submissions,
//! `t1_…` comments); the account is `author`. `[deleted]` and `[removed]`
//! authors are counted as skipped, and `[deleted]`/`[removed]` bodies give
//! no text. Time: `created_utc` (a number or a string). Account metadata:
//! `author_created_utc` when present.

use super::json::{for_each_json_par, head_has_keys, looks_like_json, parse_record, Envelope};
use super::lenient::{Bool, NumText, Seen, Str};
use super::{push_objects, push_url};
use crate::text::{links_in as links, normalize_exact, unescape_lt_gt_amp};
use crate::timestamp::parse_timestamp;
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::{LanguageTag, Layer};
use serde::Deserialize;
use std::io::BufRead;

/// The Reddit dump format.
#[derive(Debug, Clone, Copy)]
pub struct RedditDump;

const PLATFORM: &str = "reddit";

// A typed record whose strings borrow from the input; fields of another
// JSON type read as absent, as lookups in a `Value` tree did.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Post<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    author: Str<'a>,
    #[serde(borrow)]
    created_utc: NumText<'a>,
    #[serde(borrow)]
    author_created_utc: NumText<'a>,
    /// Present (even as `null`) on comments only.
    #[serde(borrow)]
    body: Seen<Str<'a>>,
    #[serde(borrow)]
    parent_id: Str<'a>,
    is_self: Bool,
    #[serde(borrow)]
    url: Str<'a>,
    #[serde(borrow)]
    title: Str<'a>,
    #[serde(borrow)]
    selftext: Str<'a>,
}

/// Seconds as a JSON number or string.
fn unix_of(v: &NumText<'_>) -> Option<Result<i64, String>> {
    v.0.as_deref().map(parse_timestamp)
}

/// A saved API listing (`/new`, `/comments`, a search):
/// `{"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {...}}]}}`.
const ENVELOPES: &[Envelope] = &[&["data", "children", "*", "data"]];

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
        for_each_json_par(input, ctx, ENVELOPES, &|json, line, ctx| {
            let Some(v) = parse_record::<Post<'_>>(json, line, ctx)? else { return Ok(()) };
            let Some(id) = v.id.get() else {
                return ctx.skip(line, "id", "not a post", String::new());
            };
            let author = v.author.get().unwrap_or_default();
            if !usable(author) {
                return ctx.skip(line, "author", "deleted author", id.to_string());
            }
            let time_us = match unix_of(&v.created_utc) {
                Some(Ok(t)) => t,
                Some(Err(msg)) => return ctx.skip(line, "created_utc", "bad timestamp", msg),
                None => {
                    return ctx.skip(line, "created_utc", "bad timestamp", "no created_utc".into())
                }
            };
            if let Some(Ok(created)) = unix_of(&v.author_created_utc) {
                let (row, meta) = ctx.builder.account_meta(PLATFORM, author);
                meta.created_at_us[row as usize].get_or_insert(created);
            }
            let mut objects: Vec<(Layer, String)> = Vec::new();
            let comment = v.body.0;
            let mut words: Option<String> = None;
            let content = if comment {
                let body = &unescape_lt_gt_amp(v.body.1.get().unwrap_or_default());
                if let Some(parent) = v.parent_id.get() {
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
                let is_self = v.is_self.0.unwrap_or(false);
                if let Some(url) = v.url.get().filter(|_| !is_self) {
                    push_url(&mut objects, &unescape_lt_gt_amp(url));
                }
                let title = &unescape_lt_gt_amp(v.title.get().unwrap_or_default());
                let selftext =
                    &unescape_lt_gt_amp(v.selftext.get().filter(|s| usable(s)).unwrap_or_default());
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
            let post = super::Post {
                line,
                account: author,
                content: &content,
                time_us,
                platform: PLATFORM,
                text: words.as_deref(),
                language: LanguageTag::NONE,
                original_us: None,
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
