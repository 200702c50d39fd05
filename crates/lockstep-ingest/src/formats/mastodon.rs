//! Mastodon statuses (REST API v1 `Status` entities): a JSON array (an API
//! page saved to a file) or JSON Lines, or saved search and thread
//! responses (their `statuses`, `ancestors` and `descendants`).
//!
//! Mastodon ids are local to the server that served them, so lockstep makes
//! identities global: an account is `acct@server` (the server from
//! `account.url` when `acct` is local), a status is its `uri`, and a boost
//! (`reblog`) is a `repost` of the boosted status's `uri` (its
//! `created_at` the original's time). `in_reply_to_id` is an id of the
//! server that served the input, whoever wrote the reply: a reply's object
//! is its target's `uri` when the input holds the target, else
//! `server/id` with the serving server (from a status of its own accounts,
//! or `--served-by`), so replies from accounts of any server to one status
//! pair; without either, `input:PATH/id` (noted). `url`s come from `card.url` and from the
//! links in `content` that are not mentions or hashtags; `hashtag` from
//! `tags[].name`; `mention` from `mentions[]` (made global like accounts);
//! `text` from `content` with its HTML removed (tags dropped, entities
//! decoded; nothing in it is fetched or run), not for boosts. Time:
//! `created_at`. Account metadata: `username`, `display_name`, `note`
//! (HTML removed), `created_at`, `followers_count`, `following_count`, and
//! the client from `application.name`.

use super::json::{for_each_json_in, head_has_keys, looks_like_json, parse_record, Envelope};
use super::{push_objects, push_url, Post};
use crate::text::{html_text, normalize_exact, normalize_tag};
use crate::timestamp::parse_timestamp;
use crate::{Format, IngestError, ReadCtx};
use lockstep_model::{AccountField, LanguageTag, Layer};
use serde::Deserialize;
use std::collections::HashMap;
use std::io::BufRead;

/// Saved responses that wrap statuses: a search (`/api/v2/search`:
/// `accounts`, read as metadata, `statuses`, `hashtags`) and a thread (`/api/v1/statuses/:id/context`:
/// `ancestors`, `descendants`).
const ENVELOPES: &[Envelope] = &[&["statuses"], &["ancestors"], &["descendants"], &["accounts"]];

/// The Mastodon statuses format.
#[derive(Debug, Clone, Copy)]
pub struct Mastodon;

const PLATFORM: &str = "mastodon";

#[derive(Deserialize, Default)]
#[serde(default)]
struct Status {
    id: Option<String>,
    uri: Option<String>,
    created_at: Option<String>,
    in_reply_to_id: Option<String>,
    content: Option<String>,
    reblog: Option<Box<Status>>,
    account: Option<Account>,
    mentions: Vec<Mention>,
    tags: Vec<Tag>,
    card: Option<Card>,
    application: Option<App>,
    /// The author's label of the status's language (ISO 639-1).
    language: Option<String>,
    /// Set on an account (a search's `accounts`), not on a status.
    acct: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Account {
    acct: Option<String>,
    username: Option<String>,
    url: Option<String>,
    display_name: Option<String>,
    note: Option<String>,
    created_at: Option<String>,
    followers_count: Option<u64>,
    following_count: Option<u64>,
    avatar: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Mention {
    acct: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Tag {
    name: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Card {
    url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct App {
    name: Option<String>,
}

/// `acct` made global: `user@server`, the server taken from the profile URL
/// when the account is local to the server that served the data.
fn global_acct(acct: Option<&str>, url: Option<&str>) -> Option<String> {
    let acct = acct.filter(|a| !a.is_empty())?.trim_start_matches('@').to_lowercase();
    if acct.contains('@') {
        return Some(acct);
    }
    Some(match url.and_then(server_of) {
        Some(server) => format!("{acct}@{server}"),
        None => acct,
    })
}

/// A server's name from a URL of it: its host, lower-cased, with its port
/// when the URL gives one (`localhost:3000`: a server need not have a dot
/// in its name, and two servers on one host differ by port).
fn server_of(url: &str) -> Option<String> {
    let rest = &url[url.find("://")? + 3..];
    let authority = rest.split(['/', '?', '#']).next()?.rsplit('@').next()?;
    (!authority.is_empty()).then(|| authority.to_lowercase())
}

/// `href`s of the links in `content` that are not mentions or hashtags.
fn content_links(html: &str) -> Vec<String> {
    crate::text::anchors_in(html)
        .into_iter()
        .filter(|a| !a.tag.contains("mention") && !a.tag.contains("hashtag"))
        .map(|a| a.href)
        .collect()
}

/// An account's metadata, from a status's `account` or a search's
/// `accounts`; the first value of each field wins.
fn set_account(ctx: &mut ReadCtx<'_>, acct: &str, account: &Account) {
    let (row, meta) = ctx.builder.account_meta(PLATFORM, acct);
    for (field, value) in [
        (AccountField::Handle, &account.username),
        (AccountField::DisplayName, &account.display_name),
    ] {
        if let Some(v) = value {
            meta.set_text(row, field, v);
        }
    }
    let r = row as usize;
    // The first bio wins: strip its HTML once, not for every status.
    if let (Some(note), None) = (&account.note, &meta.bio[r]) {
        meta.set_text(row, AccountField::Bio, &html_text(note));
    }
    meta.followers[r] = meta.followers[r].or(account.followers_count);
    meta.following[r] = meta.following[r].or(account.following_count);
    // Mastodon serves accounts without a picture its `missing.png`.
    let default = account.avatar.as_deref().map(|a| a.ends_with("/missing.png"));
    meta.default_image[r] = meta.default_image[r].or(default);
    if meta.created_at_us[r].is_none() {
        meta.created_at_us[r] = account.created_at.as_deref().and_then(|c| parse_timestamp(c).ok());
    }
}

impl Format for Mastodon {
    fn name(&self) -> &'static str {
        "mastodon"
    }
    fn description(&self) -> &'static str {
        "Mastodon statuses (REST API v1 Status entities) as a JSON array or JSON Lines"
    }
    fn example(&self) -> &'static str {
        "[{\"id\":\"1\",\"uri\":\"https://m.example/users/a/statuses/1\",\"created_at\":\"2022-11-06T08:00:00.000Z\",\"content\":\"<p>hi</p>\",\"account\":{\"acct\":\"a\",\"url\":\"https://m.example/@a\"},\"tags\":[{\"name\":\"news\"}]}]"
    }
    fn sniff(&self, head: &[u8]) -> bool {
        looks_like_json(head)
            && (head_has_keys(head, &["account", "acct", "content"])
                || head_has_keys(head, &["accounts", "statuses", "hashtags"])
                || head_has_keys(head, &["ancestors", "descendants"]))
    }
    fn read(&self, input: &mut dyn BufRead, ctx: &mut ReadCtx<'_>) -> Result<(), IngestError> {
        let mut objects: Vec<(Layer, String)> = Vec::new();
        // `in_reply_to_id` is an id of the server that served the input,
        // whoever wrote the reply: replies wait for the input's end, when
        // that server (from a status of its own accounts, or `--served-by`)
        // and the input's own statuses (served id -> uri) are known.
        let mut served_by: Option<String> = ctx.config.served_by.clone();
        let mut uri_of: HashMap<String, String> = HashMap::new();
        let mut replies: Vec<Reply> = Vec::new();
        for_each_json_in(input, ctx, ENVELOPES, |json, line, ctx| {
            let Some(st) = parse_record::<Status>(json, line, ctx)? else { return Ok(()) };
            let Some(account) = st.account.as_ref() else {
                // A search's `accounts`: metadata, no action.
                if st.acct.is_some() {
                    if let Some(a) = parse_record::<Account>(json, line, ctx)? {
                        if let Some(acct) = global_acct(a.acct.as_deref(), a.url.as_deref()) {
                            set_account(ctx, &acct, &a);
                            ctx.unused(line, "acct", "account without a status", acct);
                            return Ok(());
                        }
                    }
                }
                return ctx.skip(line, "account", "missing author", String::new());
            };
            let Some(acct) = global_acct(account.acct.as_deref(), account.url.as_deref()) else {
                return ctx.skip(line, "account.acct", "missing author", String::new());
            };
            let server = account.url.as_deref().and_then(server_of).unwrap_or_default();
            let Some(content_id) =
                st.uri.clone().or_else(|| st.id.as_ref().map(|id| format!("{server}/{id}")))
            else {
                return ctx.skip(line, "uri", "not a status", String::new());
            };
            // A status of the serving server's own accounts names it.
            let local = account.acct.as_deref().is_some_and(|a| !a.contains('@'));
            if local && served_by.is_none() && !server.is_empty() {
                served_by = Some(server.clone());
            }
            for s in std::iter::once(&st).chain(st.reblog.as_deref()) {
                if let (Some(id), Some(uri)) = (&s.id, &s.uri) {
                    uri_of.entry(id.clone()).or_insert_with(|| uri.clone());
                }
            }
            let time_us = match st.created_at.as_deref().map(parse_timestamp) {
                Some(Ok(t)) => t,
                Some(Err(msg)) => return ctx.skip(line, "created_at", "bad timestamp", msg),
                None => {
                    return ctx.skip(line, "created_at", "bad timestamp", "no created_at".into())
                }
            };
            set_account(ctx, &acct, account);
            if let Some(app) = st.application.as_ref().and_then(|a| a.name.as_deref()) {
                let (row, meta) = ctx.builder.account_meta(PLATFORM, &acct);
                meta.set_text(row, AccountField::ClientApp, app);
            }

            objects.clear();
            // A boost carries the boosted status; its tags and links are the
            // original's.
            let (shown, boost) = match st.reblog.as_deref() {
                Some(rb) => (rb, true),
                None => (&st, false),
            };
            if boost {
                if let Some(uri) = shown.uri.as_deref() {
                    objects.push((Layer::Repost, uri.to_string()));
                }
            }
            let parent = st.in_reply_to_id.clone().filter(|p| !p.is_empty());
            if let Some(card) = shown.card.as_ref().and_then(|c| c.url.as_deref()) {
                push_url(&mut objects, card);
            }
            let html = shown.content.as_deref().unwrap_or_default();
            for link in content_links(html) {
                push_url(&mut objects, &link);
            }
            for t in &shown.tags {
                let tag = normalize_tag(&t.name);
                if !tag.is_empty() {
                    objects.push((Layer::Hashtag, tag));
                }
            }
            for m in &shown.mentions {
                if let Some(who) = global_acct(m.acct.as_deref(), m.url.as_deref()) {
                    objects.push((Layer::Mention, who));
                }
            }
            let words = (!boost).then(|| html_text(html));
            let language = st.language.as_deref().map_or(LanguageTag::NONE, LanguageTag::parse);
            if let Some(words) = &words {
                let text = normalize_exact(words);
                if !text.is_empty() {
                    objects.push((Layer::Text, text));
                }
            }
            let original_us = st
                .reblog
                .as_deref()
                .and_then(|rb| rb.created_at.as_deref())
                .and_then(|c| parse_timestamp(c).ok());
            if let Some(parent) = parent {
                replies.push(Reply {
                    line,
                    acct,
                    content_id,
                    time_us,
                    text: words,
                    language,
                    original_us,
                    objects: std::mem::take(&mut objects),
                    parent,
                });
                return Ok(());
            }
            let post = Post {
                line,
                account: &acct,
                content: &content_id,
                time_us,
                platform: PLATFORM,
                text: words.as_deref(),
                language,
                original_us,
            };
            push_objects(ctx, &post, &mut objects);
            Ok(())
        })?;
        if served_by.is_none() && replies.iter().any(|r| !uri_of.contains_key(&r.parent)) {
            ctx.report.note(
                "mastodon: no status of the serving server's own accounts and no `--served-by`: replies to statuses outside the input are keyed within the input (`in_reply_to_id` is an id of the server that served it)",
            );
        }
        let scope = served_by.unwrap_or_else(|| format!("input:{}", ctx.report.path));
        for mut r in replies {
            let target =
                uri_of.get(&r.parent).cloned().unwrap_or_else(|| format!("{scope}/{}", r.parent));
            r.objects.push((Layer::Reply, target));
            let post = Post {
                line: r.line,
                account: &r.acct,
                content: &r.content_id,
                time_us: r.time_us,
                platform: PLATFORM,
                text: r.text.as_deref(),
                language: r.language,
                original_us: r.original_us,
            };
            push_objects(ctx, &post, &mut r.objects);
        }
        Ok(())
    }
}

/// A reply, read, waiting for its target's key.
struct Reply {
    line: u64,
    acct: String,
    content_id: String,
    time_us: i64,
    text: Option<String>,
    language: LanguageTag,
    original_us: Option<i64>,
    objects: Vec<(Layer, String)>,
    parent: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_text_only() {
        assert_eq!(
            html_text("<p>a &amp; b</p><p>c<br>d &#x1F525; &lt;script&gt;</p>"),
            " a & b  c d 🔥 <script> "
        );
        assert_eq!(html_text("x <unclosed"), "x ");
        assert_eq!(crate::text::decode_entities("&bogus; &#99999999;"), "&bogus; &#99999999;");
    }

    #[test]
    fn links_skip_mentions_and_tags() {
        let html = r#"<p><span class="h-card"><a href="https://a.example/@bob" class="u-url mention">@bob</a></span> <a href="https://x.example/a?b=1&amp;c=2" rel="nofollow">x</a> <a href="https://a.example/tags/t" class="mention hashtag">#t</a></p>"#;
        assert_eq!(content_links(html), ["https://x.example/a?b=1&c=2"]);
    }

    #[test]
    fn accounts_are_global() {
        assert_eq!(
            global_acct(Some("Alice"), Some("https://mastodon.social/@Alice")).as_deref(),
            Some("alice@mastodon.social")
        );
        assert_eq!(
            global_acct(Some("bob@other.example"), None).as_deref(),
            Some("bob@other.example")
        );
        assert_eq!(global_acct(Some(""), None), None);
    }
}
