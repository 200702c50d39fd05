//! The text normaliser shared by the `text` and `near_text` layers, the
//! hashtag and mention objects of every format, and account bios: one
//! place, so that the same words seen through two exports, or on two
//! platforms, compare equal.

use unicode_normalization::UnicodeNormalization;

/// Unicode folding for matching: NFKC, lower case, Arabic and Persian
/// letter variants unified (ي ى ئ → ی, ك → ک, أ إ آ ٱ → ا, ؤ → و, ة → ه),
/// tatweel and Arabic diacritics removed, Arabic-Indic and Persian digits
/// made ASCII. Idempotent.
pub fn fold(s: &str) -> String {
    // Most hashtags, URLs and much text are ASCII, where all of this is
    // lower-casing; NFKC's quick check skips the rest of the work for text
    // that is already normalised, and text with no Arabic-block letter has
    // nothing for `fold_char` to change.
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let lowered = nfkc(s).to_lowercase();
    let normal = nfkc(&lowered);
    if !normal.chars().any(|c| ('\u{0622}'..='\u{06F9}').contains(&c)) {
        return match normal {
            std::borrow::Cow::Borrowed(_) => lowered,
            std::borrow::Cow::Owned(n) => n,
        };
    }
    let mut out = String::with_capacity(normal.len());
    out.extend(normal.chars().filter_map(fold_char));
    out
}

fn nfkc(s: &str) -> std::borrow::Cow<'_, str> {
    match unicode_normalization::is_nfkc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => std::borrow::Cow::Borrowed(s),
        _ => std::borrow::Cow::Owned(s.nfkc().collect()),
    }
}

fn fold_char(c: char) -> Option<char> {
    Some(match c {
        '\u{064A}' | '\u{0649}' | '\u{0626}' => '\u{06CC}',
        '\u{0643}' => '\u{06A9}',
        '\u{0623}' | '\u{0625}' | '\u{0622}' | '\u{0671}' => '\u{0627}',
        '\u{0624}' => '\u{0648}',
        '\u{0629}' => '\u{0647}',
        '\u{0640}' => return None,
        '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' => return None,
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        c => c,
    })
}

/// A hashtag or mention as an object: folded, without its `#` or `@`.
pub fn normalize_tag(s: &str) -> String {
    fold(s.trim().trim_start_matches(['#', '@', '＃']))
}

/// Text for the exact `text` layer: folded (see [`fold`]), a leading
/// `RT @user:` removed, @mentions and URLs removed, whitespace collapsed.
/// Two posts with the same result are copies.
pub fn normalize_exact(s: &str) -> String {
    if s.is_ascii() {
        normalize_ascii(s)
    } else {
        normalize_general(s)
    }
}

/// Whitespace as `char::is_whitespace` has it, in ASCII: tab through
/// carriage return (vertical tab included), and space.
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

/// [`normalize_general`] of an ASCII string (the property test holds them
/// equal), in one pass over its bytes, lower-casing what it keeps: the
/// rules look only at ASCII letters' classes, which case does not change.
/// Most posts are ASCII, and this ran once per post.
fn normalize_ascii(s: &str) -> String {
    let b = s.as_bytes();
    let mut at = b.iter().position(|&c| !is_ascii_space(c)).unwrap_or(b.len());
    if b.len() >= at + 4 && b[at..at + 4].eq_ignore_ascii_case(b"rt @") {
        let r = at + 4;
        let end =
            b[r..].iter().position(|&c| !is_handle_char(char::from(c))).map_or(b.len(), |e| r + e);
        at = if b.get(end) == Some(&b':') { end + 1 } else { end };
    }
    let mut out = String::with_capacity(b.len() - at);
    while at < b.len() {
        if is_ascii_space(b[at]) {
            at += 1;
            continue;
        }
        let end = b[at..].iter().position(|&c| is_ascii_space(c)).map_or(b.len(), |e| at + e);
        let word = &s[at..end];
        at = end;
        let link = |prefix: &str| {
            word.len() >= prefix.len()
                && word.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
        };
        if link("http://") || link("https://") || link("www.") {
            continue;
        }
        push_word(&mut out, word);
    }
    out.make_ascii_lowercase();
    out
}

/// [`normalize_exact`] of any string.
fn normalize_general(s: &str) -> String {
    let folded = fold(s);
    let mut rest = folded.trim_start();
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
        push_word(&mut out, word);
    }
    out
}

/// Appends `word` without its mentions, after a space unless it is the
/// first; nothing when nothing of it is left.
fn push_word(out: &mut String, word: &str) {
    let start = out.len();
    if !out.is_empty() {
        out.push(' ');
    }
    let kept = out.len();
    push_without_mentions(out, word);
    if out.len() == kept {
        out.truncate(start);
    }
}

fn is_handle_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Appends `word` with its `@handle` runs removed (`hi@x` keeps `hi`).
/// Handles may hold `.` and `-` (Bluesky, Mastodon `user@server`), but not
/// at their end: `@bob.` keeps the full stop.
fn push_without_mentions(out: &mut String, word: &str) {
    let mut rest = word;
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if !after.chars().next().is_some_and(is_handle_char) {
            out.push('@');
            rest = after;
            continue;
        }
        let end = after
            .find(|c: char| !(is_handle_char(c) || matches!(c, '.' | '-' | '@')))
            .unwrap_or(after.len());
        let handle = &after[..end];
        let kept = handle.trim_end_matches(['.', '-', '@']);
        out.push_str(&handle[kept.len()..]);
        rest = &after[end..];
    }
    out.push_str(rest);
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
        assert_eq!(normalize_exact("agreed @news-bot-01.bsky.social."), "agreed .");
        assert_eq!(normalize_exact("cc @alice@mastodon.social, ok"), "cc , ok");
    }

    #[test]
    fn folding_unifies_scripts() {
        // Arabic yeh/kaf vs Persian yeh/keheh, tatweel, diacritics, digits.
        assert_eq!(fold("كتابي"), fold("کتابی"));
        assert_eq!(fold("مـــرحبا"), "مرحبا");
        assert_eq!(fold("مَرْحَبًا"), "مرحبا");
        assert_eq!(fold("٢٠٢٤ ۱۴۰۳"), "2024 1403");
        assert_eq!(fold("ＦＵＬＬ ｗｉｄｔｈ"), "full width");
        assert_eq!(normalize_tag("#Seçim2023"), "seçim2023");
        assert_eq!(normalize_tag("＃ایران"), normalize_tag("#ايران"));
    }

    /// The plain definition [`fold`]'s shortcuts must agree with.
    fn fold_oracle(s: &str) -> String {
        let lowered: String = s.nfkc().collect::<String>().to_lowercase();
        lowered.nfkc().filter_map(fold_char).collect()
    }

    /// The mention stripping, character by character.
    fn strip_mentions_oracle(word: &str) -> String {
        let mut out = String::new();
        let mut chars = word.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '@' && chars.peek().is_some_and(|&n| is_handle_char(n)) {
                let mut handle = String::new();
                while let Some(&n) = chars.peek() {
                    if is_handle_char(n) || matches!(n, '.' | '-' | '@') {
                        handle.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                let kept = handle.trim_end_matches(['.', '-', '@']);
                out.push_str(&handle[kept.len()..]);
            } else {
                out.push(c);
            }
        }
        out
    }

    proptest! {
        #[test]
        fn fold_equals_oracle(s in "(\\PC|[A-Za-z @.\u{0622}-\u{06F9}\u{0300}-\u{036F}İẞ]){0,16}") {
            prop_assert_eq!(fold(&s), fold_oracle(&s));
        }

        #[test]
        fn mentions_equal_oracle(word in "[a-zA-Z@._\\-é۱]{0,12}") {
            let mut out = String::new();
            push_without_mentions(&mut out, &word);
            prop_assert_eq!(out, strip_mentions_oracle(&word));
        }

        /// Mentions, reposts' prefixes, links in any case, every ASCII
        /// whitespace (vertical tab and form feed too), punctuation.
        #[test]
        fn ascii_normalizes_as_any_text(
            s in "([ \t\n\r\u{b}\u{c}]|RT @|rT @|@|[a-zA-Z0-9_.:@-]{1,5}|HTTP://|https://|wWw\\.|[!#/,?]){0,24}"
        ) {
            prop_assert_eq!(normalize_ascii(&s), normalize_general(&s));
        }

        #[test]
        fn normalize_is_idempotent(s in "(RT @[a-z]{1,4}: )?([a-zA-Z@:/. !يىكةأـًٌ٢۳ÅＡ]{0,6} ){0,6}") {
            let once = normalize_exact(&s);
            prop_assert_eq!(normalize_exact(&once), once.clone());
            prop_assert!(!once.contains("  "));
        }

        #[test]
        fn fold_is_idempotent_and_nfkc_stable(s in "\\PC{0,12}") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once.clone());
            prop_assert_eq!(once.nfkc().collect::<String>(), once);
        }
    }
}
