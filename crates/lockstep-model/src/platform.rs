//! Platforms and the namespaces of their ids.

/// The namespace of a platform's account and post ids: `x` for X/Twitter,
/// `tg` for Telegram, `bsky`, `mastodon`, `reddit`, `fb`, `ig`, `yt`; any
/// other name lower-cased; empty for an unknown platform (no namespace).
///
/// ```
/// assert_eq!(lockstep_model::namespace("Twitter"), "x");
/// assert_eq!(lockstep_model::namespace(""), "");
/// ```
pub fn namespace(platform: &str) -> String {
    let p = platform.trim().to_lowercase();
    match p.as_str() {
        "twitter" | "x" => "x",
        "telegram" | "tg" => "tg",
        "bluesky" | "bsky" => "bsky",
        "mastodon" => "mastodon",
        "reddit" => "reddit",
        "facebook" | "fb" => "fb",
        "instagram" | "ig" => "ig",
        "youtube" | "yt" => "yt",
        _ => return p,
    }
    .to_string()
}
