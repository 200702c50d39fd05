//! Exact text normalisation for the `text` layer.

/// Lower-cases, removes a leading `RT @user:`, @mentions and URLs, and
/// collapses whitespace. Two posts with the same result are copies.
pub fn normalize_exact(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut rest = lower.trim_start();
    if let Some(r) = rest.strip_prefix("rt @") {
        // `RT @user: text`: drop through the colon after the handle.
        let end = r.find(|c: char| !is_handle_char(c)).unwrap_or(r.len());
        let after = &r[end..];
        rest = after.strip_prefix(':').unwrap_or(after);
    }
    let mut out = String::with_capacity(rest.len());
    for word in rest.split_whitespace() {
        if word.starts_with("http://") || word.starts_with("https://") || word.starts_with("www.") {
            continue;
        }
        let cleaned = strip_mentions(word);
        if cleaned.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&cleaned);
    }
    out
}

fn is_handle_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Removes `@handle` runs inside a word (`hi@x` keeps `hi`).
fn strip_mentions(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '@' && chars.peek().is_some_and(|&n| is_handle_char(n)) {
            while chars.peek().is_some_and(|&n| is_handle_char(n)) {
                chars.next();
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The host of a URL, lower-cased, without `www.` and port; `None` when the
/// string has no host.
pub fn url_domain(url: &str) -> Option<String> {
    let u = url.trim();
    let rest = match u.find("://") {
        Some(i) => &u[i + 3..],
        None => u,
    };
    let host_port = rest.split(['/', '?', '#']).next()?;
    let host_port = host_port.rsplit('@').next()?;
    let host = host_port.split(':').next()?.trim_end_matches('.').to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    (!host.is_empty() && host.contains('.')).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples() {
        assert_eq!(normalize_exact("RT @Someone_1: Buy  NOW @x https://t.co/abc"), "buy now");
        assert_eq!(normalize_exact("@someone buy   now at the store"), "buy now at the store");
        assert_eq!(normalize_exact("buy now at the store!"), "buy now at the store!");
        assert_eq!(url_domain("https://WWW.Example.com:443/a?b"), Some("example.com".into()));
        assert_eq!(url_domain("http://user@host.org/x"), Some("host.org".into()));
        assert_eq!(url_domain("nonsense"), None);
    }

    proptest! {
        #[test]
        fn normalize_is_idempotent(s in "(RT @[a-z]{1,4}: )?([a-zA-Z@:/. !]{0,6} ){0,6}") {
            let once = normalize_exact(&s);
            prop_assert_eq!(normalize_exact(&once), once.clone());
            prop_assert!(!once.contains("  "));
        }
    }
}
