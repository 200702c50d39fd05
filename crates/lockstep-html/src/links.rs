//! Links from a post id to the post on its platform, where the platform
//! has a public address for it. Ids come from posts written by adversaries:
//! a link is made only from an id of the expected shape, whose parts are
//! plain characters, to a fixed platform address; anything else stays
//! text. The report never follows a link; a reader may.

/// The platform address of post `content` (a content id as the run's files
/// write it, namespaced by platform), if it has one:
///
/// - `x:<digits>`: `https://x.com/i/status/<digits>`;
/// - `bsky:at://<did>/app.bsky.feed.post/<rkey>`:
///   `https://bsky.app/profile/<did>/post/<rkey>`;
/// - `tg:<channel>/<digits>` of a public channel's name:
///   `https://t.me/<channel>/<digits>`;
/// - `reddit:t3_<id>` (a submission): `https://www.reddit.com/comments/<id>`;
/// - `mastodon:https://...` (a status's URI): itself, if plain.
pub(crate) fn post_link(content: &str) -> Option<String> {
    let (ns, id) = content.split_once(':')?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    let plain = |s: &str, extra: &[u8]| {
        !s.is_empty()
            && s.len() <= 100
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
    };
    match ns {
        "x" if digits(id) => Some(format!("https://x.com/i/status/{id}")),
        "bsky" => {
            let rest = id.strip_prefix("at://")?;
            let (did, rkey) = rest.split_once("/app.bsky.feed.post/")?;
            (plain(did, b":._-") && did.starts_with("did:") && plain(rkey, b"_-"))
                .then(|| format!("https://bsky.app/profile/{did}/post/{rkey}"))
        }
        "tg" => {
            let (channel, post) = id.split_once('/')?;
            let public = channel.len() >= 4
                && channel.starts_with(|c: char| c.is_ascii_alphabetic())
                && plain(channel, b"_");
            (public && digits(post)).then(|| format!("https://t.me/{channel}/{post}"))
        }
        "reddit" => {
            let post = id.strip_prefix("t3_")?;
            plain(post, b"").then(|| format!("https://www.reddit.com/comments/{post}"))
        }
        "mastodon" => {
            let rest = id.strip_prefix("https://")?;
            plain(rest, b"./_-@:~%").then(|| id.to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::post_link;

    #[test]
    fn posts_link_to_their_platforms() {
        assert_eq!(
            post_link("x:1404862423117795328").as_deref(),
            Some("https://x.com/i/status/1404862423117795328")
        );
        assert_eq!(
            post_link("bsky:at://did:plc:aaa1/app.bsky.feed.post/3lb1").as_deref(),
            Some("https://bsky.app/profile/did:plc:aaa1/post/3lb1")
        );
        assert_eq!(post_link("tg:rian_ru/12345").as_deref(), Some("https://t.me/rian_ru/12345"));
        assert_eq!(
            post_link("reddit:t3_abc12").as_deref(),
            Some("https://www.reddit.com/comments/abc12")
        );
        assert_eq!(
            post_link("mastodon:https://mastodon.social/users/a/statuses/1").as_deref(),
            Some("https://mastodon.social/users/a/statuses/1")
        );
    }

    #[test]
    fn anything_else_stays_text() {
        for id in [
            "1404862423117795328",                      // no platform
            "x:14048624231177953281404862423117795328", // too long to be an id
            "x:123abc",
            "x:javascript:alert(1)",
            "tg:-1001234/55", // a private chat: no public address
            "tg:rian_ru/12a",
            "bsky:repost:did:plc:aaa1:at://did:plc:ccc3/app.bsky.feed.post/3la9",
            "bsky:at://did:plc:a\"onmouseover=x/app.bsky.feed.post/3lb1",
            "reddit:t1_abc", // a comment: its address needs its submission
            "mastodon:javascript:alert(1)",
            "mastodon:https://evil.example/\"><script>",
            "yt:Ugx123",
            "",
        ] {
            assert_eq!(post_link(id), None, "{id}");
        }
    }
}
