//! Normalisation shared by every format: text for the `text` layer,
//! hashtags and mentions, and URLs. One place, so that the same post seen
//! through two exports, or on two platforms, gives the same objects.

pub use lockstep_text::normalize::{fold, normalize_exact, normalize_tag};

/// Query parameters that track the click, not the content.
fn is_tracking_param(key: &str) -> bool {
    const KEYS: [&str; 17] = [
        "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "twclid", "igshid", "igsh", "si",
        "mc_cid", "mc_eid", "_ga", "ref_src", "ref_url", "s_cid", "mkt_tok",
    ];
    key.as_bytes().get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"utm_"))
        || KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A URL as an object: scheme lower-cased, the host as its site
/// ([`lockstep_model::site_host`]), default ports dropped, the fragment
/// and tracking parameters (`utm_*`, `fbclid`, `gclid`, `igshid`, `si`,
/// ...) removed, an empty path made `/`, and redirect wrappers that carry
/// their target (`l.facebook.com/l.php?u=`, `google.com/url?q=`)
/// unwrapped. Nothing is fetched: shorteners such as `t.co` stay as they
/// are. Strings without `://` are returned trimmed.
pub fn canonical_url(url: &str) -> String {
    canonical_url_depth(url.trim(), 3)
}

fn canonical_url_depth(u: &str, depth: u8) -> String {
    // Once per URL of every post: borrowed slices and one output string.
    let Some(i) = u.find("://") else { return u.to_string() };
    let scheme = &u[..i];
    let rest = &u[i + 3..];
    let rest = rest.split('#').next().unwrap_or_default();
    let (authority, path_query) = match rest.find(['/', '?']) {
        Some(j) => (&rest[..j], &rest[j..]),
        None => (rest, ""),
    };
    let hostport = authority.rsplit('@').next().unwrap_or_default();
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => (h, Some(p)),
        _ => (hostport, None),
    };
    let host = lockstep_model::site_host(host);
    let host = &*host;
    let port = port.filter(|p| {
        !((scheme.eq_ignore_ascii_case("http") && *p == "80")
            || (scheme.eq_ignore_ascii_case("https") && *p == "443"))
    });
    let (path, query) = match path_query.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path_query, ""),
    };
    let params = || query.split('&').filter(|p| !p.is_empty());
    if depth > 0 {
        let wrapper_key = match (host, path) {
            ("l.facebook.com" | "lm.facebook.com" | "m.facebook.com", "/l.php") => Some("u"),
            ("google.com", "/url") => Some("q"),
            _ => None,
        };
        if let Some(key) = wrapper_key {
            let target =
                params().find_map(|p| p.split_once('=').filter(|(k, _)| *k == key).map(|(_, v)| v));
            if let Some(t) = target {
                let decoded = percent_decode(t);
                if decoded.contains("://") {
                    return canonical_url_depth(&decoded, depth - 1);
                }
            }
        }
    }
    let mut out = String::with_capacity(u.len());
    out.extend(scheme.chars().map(|c| c.to_ascii_lowercase()));
    out.push_str("://");
    out.push_str(host);
    if let Some(p) = port {
        out.push(':');
        out.push_str(p);
    }
    out.push_str(if path.is_empty() { "/" } else { path });
    let mut sep = '?';
    for p in params().filter(|p| !is_tracking_param(p.split('=').next().unwrap_or(p))) {
        out.push(sep);
        out.push_str(p);
        sep = '&';
    }
    out
}

/// Text of an HTML fragment (Mastodon `content`, X `source`): tags removed (`<br>` and block ends become
/// spaces), the common entities decoded. Nothing is fetched or run.
pub fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[lt + 1..lt + gt].trim_start_matches('/').to_ascii_lowercase();
        if tag.starts_with("br")
            || tag.starts_with('p')
            || tag.starts_with("li")
            || tag.starts_with("div")
        {
            out.push(' ');
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(rest);
    decode_entities(&out)
}

/// A post's text as written, where the platform escapes `&`, `<` and `>`
/// and nothing else: the X APIs in `text`, Reddit's API (without
/// `raw_json=1`) and the dumps made from it in bodies, titles and URLs. So
/// `a &amp; b` on X is `a & b` on Mastodon. Only those three are decoded:
/// a post that says `&quot;` said it.
pub fn unescape_lt_gt_amp(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return s.into();
    }
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").into()
}

pub(crate) fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let Some(semi) = after.find(';').filter(|&i| i <= 10) else {
            out.push('&');
            rest = &after[1..];
            continue;
        };
        let name = &after[1..semi];
        let decoded = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            n if n.starts_with("#x") || n.starts_with("#X") => {
                u32::from_str_radix(&n[2..], 16).ok().and_then(char::from_u32)
            }
            n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A link in an HTML fragment as the platform rendered it (YouTube's
/// `textDisplay`, Mastodon's `content`): the opening tag (for its
/// classes), the `href` and the label, entities decoded, tags inside the
/// label removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor<'a> {
    /// The opening tag, `<a ...` without its `>`.
    pub tag: &'a str,
    /// Where it points, entities decoded.
    pub href: String,
    /// What it shows, as text.
    pub label: String,
}

/// The `<a href="...">` links of an HTML fragment, in order. A tag without
/// a quoted `href` is skipped; nothing is fetched.
pub fn anchors_in(html: &str) -> Vec<Anchor<'_>> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<a ") {
        let after = &rest[start..];
        let Some(end) = after.find('>') else { break };
        let tag = &after[..end];
        let body = &after[end + 1..];
        let close = body.find("</a>").unwrap_or(body.len());
        rest = &body[close..];
        let Some(h) = tag.find("href=\"") else { continue };
        let value = &tag[h + 6..];
        let Some(q) = value.find('"') else { continue };
        out.push(Anchor {
            tag,
            href: decode_entities(&value[..q]),
            label: html_text(&body[..close]).trim().to_string(),
        });
    }
    out
}

/// The `#hashtags` of a plain text, normalised ([`normalize_tag`]), for
/// exports that have no hashtag field (CrowdTangle, YouTube comments): a
/// word that starts with `#`, up to its trailing punctuation.
pub fn hashtags_in(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split_whitespace().filter(|w| w.starts_with('#')).filter_map(|word| {
        let tag = normalize_tag(word.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_'));
        (!tag.is_empty()).then_some(tag)
    })
}

/// Whether a post's text is X's notice in place of a withheld post or
/// account ("@user's account has been withheld in India in response to a
/// legal demand. Learn more."), served to readers in the withholding
/// country: the platform's words, the same for every post it replaces.
pub fn is_withheld_notice(text: &str) -> bool {
    let t = text.trim();
    (t.contains(" withheld in ") && t.ends_with("Learn more."))
        || t.starts_with("This account has been withheld in")
}

/// Whether an X profile field is X's placeholder for a withheld account
/// (the name `Withheld account`, a bio that is a withheld notice): the
/// same on every such account, so no evidence of a shared hand.
pub fn is_withheld_placeholder(value: &str) -> bool {
    value.trim() == "Withheld account" || is_withheld_notice(value)
}

/// `http(s)://` links in plain or Markdown text (`[x](url)`, `<url>`),
/// without trailing punctuation.
pub fn links_in(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices("http").filter_map(move |(i, _)| {
        let rest = &text[i..];
        if !(rest.starts_with("http://") || rest.starts_with("https://")) {
            return None;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | ']' | '>' | '"' | '<'))
            .unwrap_or(rest.len());
        // A trailing `\` is Markdown's escape of what follows (Reddit).
        Some(rest[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', '\\']))
    })
}

pub use lockstep_model::url_domain;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn links_in_text() {
        let found: Vec<&str> = links_in(
            "see https://a.example/x. and [b](https://b.example/y) or https://c.example/z\\ ok",
        )
        .collect();
        assert_eq!(found, ["https://a.example/x", "https://b.example/y", "https://c.example/z"]);
    }

    #[test]
    fn anchors_hashtags_and_notices() {
        // YouTube's rendering of a real comment (python-youtube testdata).
        let html = "Lot&#39;s of <a href=\"http://www.youtube.com/results?search_query=%23ChromeDevSummit\">#ChromeDevSummit</a> and <a href=\"http://x.example/a?b=1&amp;c=2\"><b>x</b></a> <a name=\"n\">no</a>";
        let a = anchors_in(html);
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].label, "#ChromeDevSummit");
        assert_eq!(a[1].href, "http://x.example/a?b=1&c=2");
        assert_eq!(a[1].label, "x");
        let tags: Vec<String> = hashtags_in("go #Vote, #vote! and #").collect();
        assert_eq!(tags, ["vote", "vote"]);
        let notice = "@irshad_rathi's account has been withheld in India in response to a legal demand. Learn more.";
        assert!(is_withheld_notice(notice));
        assert!(!is_withheld_notice("Payment withheld in protest. Learn more at our site"));
        assert!(is_withheld_placeholder("This account has been withheld in: Russia."));
        assert!(is_withheld_placeholder("Withheld account"));
        assert!(!is_withheld_placeholder("Withholding tax advice"));
    }

    #[test]
    fn examples() {
        assert_eq!(url_domain("https://WWW.Example.com:443/a?b"), Some("example.com".into()));
        assert_eq!(url_domain("http://user@host.org/x"), Some("host.org".into()));
        assert_eq!(url_domain("nonsense"), None);
    }

    #[test]
    fn urls() {
        let c = canonical_url;
        assert_eq!(
            c("HTTPS://WWW.Example.COM:443/Path?utm_source=x&id=5#frag"),
            "https://example.com/Path?id=5"
        );
        assert_eq!(c("http://example.com"), "http://example.com/");
        assert_eq!(c("http://example.com:8080/a?fbclid=1"), "http://example.com:8080/a");
        assert_eq!(
            c("https://l.facebook.com/l.php?u=https%3A%2F%2Fnews.example.org%2Fa%3Futm_medium%3Dfb&h=AT0"),
            "https://news.example.org/a"
        );
        assert_eq!(
            c("https://www.google.com/url?q=https://x.example/b&sa=D"),
            "https://x.example/b"
        );
        assert_eq!(c("https://t.co/abc"), "https://t.co/abc");
        assert_eq!(c(" 12345 "), "12345");
        assert_eq!(c("https://youtu.be/xyz?si=track"), "https://youtu.be/xyz");
    }

    /// The first, allocation-heavy version: the definition the fast one
    /// must agree with.
    fn canonical_url_oracle(u: &str, depth: u8) -> String {
        let Some(i) = u.find("://") else { return u.to_string() };
        let scheme = u[..i].to_ascii_lowercase();
        let rest = &u[i + 3..];
        let rest = rest.split('#').next().unwrap_or_default();
        let (authority, path_query) = match rest.find(['/', '?']) {
            Some(j) => (&rest[..j], &rest[j..]),
            None => (rest, ""),
        };
        let hostport = authority.rsplit('@').next().unwrap_or_default().to_lowercase();
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => {
                (h.to_string(), Some(p.to_string()))
            }
            _ => (hostport.clone(), None),
        };
        let host = host.trim_end_matches('.');
        let host = host.trim_start_matches("www.").to_string();
        let port = port
            .filter(|p| !((scheme == "http" && p == "80") || (scheme == "https" && p == "443")));
        let (path, query) = match path_query.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path_query, None),
        };
        let params: Vec<&str> =
            query.map(|q| q.split('&').filter(|p| !p.is_empty()).collect()).unwrap_or_default();
        if depth > 0 {
            let wrapper_key = match (host.as_str(), path) {
                ("l.facebook.com" | "lm.facebook.com" | "m.facebook.com", "/l.php") => Some("u"),
                ("google.com", "/url") => Some("q"),
                _ => None,
            };
            if let Some(key) = wrapper_key {
                let target = params
                    .iter()
                    .find_map(|p| p.split_once('=').filter(|(k, _)| *k == key).map(|(_, v)| v));
                if let Some(t) = target {
                    let decoded = percent_decode(t);
                    if decoded.contains("://") {
                        return canonical_url_oracle(&decoded, depth - 1);
                    }
                }
            }
        }
        let kept: Vec<&str> = params
            .into_iter()
            .filter(|p| !tracking_oracle(p.split('=').next().unwrap_or(p)))
            .collect();
        let mut out = format!("{scheme}://{host}");
        if let Some(p) = port {
            out.push(':');
            out.push_str(&p);
        }
        out.push_str(if path.is_empty() { "/" } else { path });
        if !kept.is_empty() {
            out.push('?');
            out.push_str(&kept.join("&"));
        }
        out
    }

    fn tracking_oracle(key: &str) -> bool {
        let k = key.to_ascii_lowercase();
        k.starts_with("utm_")
            || matches!(
                k.as_str(),
                "fbclid"
                    | "gclid"
                    | "gclsrc"
                    | "dclid"
                    | "msclkid"
                    | "yclid"
                    | "twclid"
                    | "igshid"
                    | "igsh"
                    | "si"
                    | "mc_cid"
                    | "mc_eid"
                    | "_ga"
                    | "ref_src"
                    | "ref_url"
                    | "s_cid"
                    | "mkt_tok"
            )
    }

    fn url_domain_oracle(url: &str) -> Option<String> {
        let u = url.trim();
        let rest = match u.find("://") {
            Some(i) => &u[i + 3..],
            None => u,
        };
        let host_port = rest.split(['/', '?', '#']).next()?;
        let host_port = host_port.rsplit('@').next()?;
        let host = host_port.split(':').next()?.trim_end_matches('.').to_lowercase();
        let host = host.trim_start_matches("www.").to_string();
        (!host.is_empty() && host.contains('.')).then_some(host)
    }

    proptest! {
        #[test]
        fn url_domain_equals_oracle(u in "(https?://)?([a-z]@)?(WWW\\.|www\\.)?[A-Za-zÄİ.]{0,6}(:[0-9]{1,3})?(/[a-z]{0,2})?") {
            prop_assert_eq!(url_domain(&u), url_domain_oracle(&u));
        }

        #[test]
        fn canonical_url_equals_oracle(
            scheme in "(https?|HTTP|Ftp)",
            user in "([a-z]{1,3}@)?",
            host in "(WWW\\.|www\\.)?([A-Za-zÄé]{1,4}\\.){1,2}(com|ORG)\\.?",
            port in "(:(80|443|8080|x))?",
            path in "(/[a-zA-Z0-9%.]{0,4}){0,3}",
            q in proptest::collection::vec("(UTM_x|utm_|id|si|Si|fbclid|p|u|q)(=[a-z0-9%:/.]{0,5})?", 0..4),
            wrap in 0..3u8,
            frag in "(#[a-z]{0,2})?",
        ) {
            let inner = format!("{scheme}://{user}{host}{port}{path}?{}{frag}", q.join("&"));
            let url = match wrap {
                0 => inner,
                1 => format!("https://l.facebook.com/l.php?u={}&h=1", inner.replace(':', "%3A").replace('/', "%2F").replace('&', "%26")),
                _ => format!("https://www.google.com/url?q={inner}"),
            };
            prop_assert_eq!(canonical_url(&url), canonical_url_oracle(url.trim(), 3));
        }

        #[test]
        fn canonical_url_is_idempotent(
            host in "[A-Za-z]{1,5}\\.(com|org)",
            path in "(/[a-zA-Z0-9]{0,4}){0,3}",
            q in proptest::collection::vec("(utm_x|id|si|fbclid|p)=[a-z0-9]{0,3}", 0..4),
        ) {
            let url = format!("https://www.{host}{path}?{}#f", q.join("&"));
            let once = canonical_url(&url);
            prop_assert_eq!(canonical_url(&once), once);
        }
    }
}

/// A link from a platform's post to the platform itself: not a link out,
/// so not a `url` or `domain` action of the post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelfLink<'a> {
    /// A post's permalink (X: `/<user>/status/<id>`, `/i/web/status/<id>`,
    /// the link a long tweet ends with): X shows it as a quote of that post.
    Post(&'a str),
    /// A page of a post's own media (X: `/<user>/status/<id>/photo/1`,
    /// `/video/1`), which the platform adds to every post with media.
    Media,
    /// The boilerplate of moderation bots (Reddit: `/message/compose`,
    /// wiki and rules pages) and of the platform's notices (X: the help
    /// centre page a withheld post links to).
    Boilerplate,
    /// The platform's own search and hashtag pages, to which it links
    /// every hashtag it renders (YouTube: `/results?search_query=`,
    /// `/hashtag/<tag>`).
    Navigation,
}

/// The host of canonical `url` and what follows it (path and query);
/// `None` without a scheme.
pub fn host_and_path(url: &str) -> Option<(&str, &str)> {
    let rest = &url[url.find("://")? + 3..];
    Some(rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len())))
}

/// Whether canonical `url` ([`canonical_url`]) is a link of `platform`
/// (the reader's platform name: `twitter`, `reddit`) to itself, and what
/// kind. Links to another platform are links out and give `None`.
pub fn self_link<'a>(platform: &str, url: &'a str) -> Option<SelfLink<'a>> {
    let (host, path) = host_and_path(url)?;
    let path = path.split('?').next().unwrap_or_default();
    let seg: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let is_id = |s: &&str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match platform {
        "twitter" => {
            let x = matches!(
                host,
                "twitter.com" | "x.com" | "mobile.twitter.com" | "mobile.x.com" | "m.twitter.com"
            );
            if matches!(host, "support.twitter.com" | "help.twitter.com" | "help.x.com") {
                return Some(SelfLink::Boilerplate);
            }
            if !x {
                return None;
            }
            match seg.as_slice() {
                ["i", "web", "status", id, ..] | ["i", "status", id, ..] if is_id(id) => {
                    Some(SelfLink::Post(id))
                }
                [_, "status" | "statuses", id, "photo" | "video", ..] if is_id(id) => {
                    Some(SelfLink::Media)
                }
                [_, "status" | "statuses", id, ..] if is_id(id) => Some(SelfLink::Post(id)),
                _ => None,
            }
        }
        "reddit" => {
            let reddit = host == "reddit.com" || host.ends_with(".reddit.com");
            let boilerplate = seg.first() == Some(&"message")
                || seg.contains(&"wiki")
                || seg.windows(2).any(|w| w == ["about", "rules"]);
            (reddit && boilerplate).then_some(SelfLink::Boilerplate)
        }
        "youtube" => {
            let youtube = host == "youtube.com" || host.ends_with(".youtube.com");
            let navigation = seg.first().is_some_and(|s| *s == "results" || *s == "hashtag");
            (youtube && navigation).then_some(SelfLink::Navigation)
        }
        _ => None,
    }
}

#[cfg(test)]
mod self_link_tests {
    use super::{self_link, SelfLink};

    #[test]
    fn links_to_the_platform_itself() {
        let x = |u| self_link("twitter", u);
        assert_eq!(x("https://twitter.com/someone/status/123"), Some(SelfLink::Post("123")));
        assert_eq!(x("https://x.com/i/web/status/456"), Some(SelfLink::Post("456")));
        assert_eq!(x("https://twitter.com/a/status/123/photo/1"), Some(SelfLink::Media));
        assert_eq!(x("https://mobile.twitter.com/a/statuses/9/video/1"), Some(SelfLink::Media));
        // Profiles, searches and other sites are links out.
        assert_eq!(x("https://twitter.com/someone"), None);
        assert_eq!(x("https://twitter.com/a/status/notanid"), None);
        assert_eq!(x("https://news.example/a/status/123"), None);
        // A link to X from another platform is a link out.
        assert_eq!(self_link("telegram", "https://twitter.com/a/status/1"), None);
        let r = |u| self_link("reddit", u);
        let compose = "https://reddit.com/message/compose?to=/r/news";
        assert_eq!(r(compose), Some(SelfLink::Boilerplate));
        assert_eq!(r("https://old.reddit.com/r/news/wiki/rules"), Some(SelfLink::Boilerplate));
        assert_eq!(r("https://reddit.com/r/news/about/rules"), Some(SelfLink::Boilerplate));
        assert_eq!(r("https://reddit.com/r/news/comments/abc/title"), None);
        assert_eq!(r("https://notreddit.com/message/x"), None);
        // The help page a withheld post links to (twarc2-withheld.jsonl).
        let notice = "https://support.twitter.com/articles/20169222";
        assert_eq!(x(notice), Some(SelfLink::Boilerplate));
        let y = |u| self_link("youtube", u);
        let search = "http://youtube.com/results?search_query=%23chromedevsummit";
        assert_eq!(y(search), Some(SelfLink::Navigation));
        assert_eq!(y("https://youtube.com/hashtag/news"), Some(SelfLink::Navigation));
        assert_eq!(y("https://youtube.com/watch?v=abc"), None);
    }
}
