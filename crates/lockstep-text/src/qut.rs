//! The token sets of the QUT Coordination Network Toolkit's
//! `co_similar_tweet` network (version 1.5.2, `similarity.py`), for parity
//! runs: the text lower-cased; every `@` and what follows it up to the next
//! whitespace removed (mentions, but also e-mail domains); split at Unicode
//! word boundaries (UAX #29), each boundary swallowing a run of spaces and
//! one `'`; then, as its `similarity` splits the joined tokens on
//! whitespace, tokens made of whitespace vanish. Punctuation characters are
//! tokens (`!!!` gives `!`). Checked against tokens the toolkit's own
//! regular expressions produce (`tests/fixtures/qut_tokens.jsonl`).

use unicode_segmentation::UnicodeSegmentation;

/// Whitespace as Python's `str.split()` sees it.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Unicode's `Word_Break=WSegSpace`: the spaces that UAX #29 keeps
/// together and the toolkit's split swallows.
fn wseg_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{1680}' | '\u{2000}'..='\u{2006}' | '\u{2008}'..='\u{200A}' | '\u{205F}' | '\u{3000}'
    )
}

/// The text without `@` runs: from each `@` up to the next whitespace.
fn strip_mentions(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_mention = false;
    for c in s.chars() {
        if c == '@' {
            in_mention = true;
        } else if in_mention && c.is_whitespace() {
            in_mention = false;
        }
        if !in_mention {
            out.push(c);
        }
    }
    out
}

fn apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// The few vowels after which the `regex` module does not break following
/// an apostrophe (its rule WB5a, for French and Italian elision; not one
/// of UAX #29's rules).
fn vowel(c: char) -> bool {
    matches!(
        c,
        'a' | 'à'
            | 'á'
            | 'â'
            | 'e'
            | 'è'
            | 'é'
            | 'ê'
            | 'i'
            | 'ì'
            | 'í'
            | 'î'
            | 'o'
            | 'ò'
            | 'ó'
            | 'ô'
            | 'u'
            | 'ù'
            | 'ú'
            | 'û'
    )
}

/// The text's word-bound segments as the `regex` module cuts them: UAX #29
/// (the `unicode-segmentation` crate), plus its rule WB5a.
fn segments(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    let mut start_of_last = 0;
    for (at, seg) in text.split_word_bound_indices() {
        let joined = out.last().is_some_and(|prev| {
            prev.chars().next_back().is_some_and(apostrophe)
                && seg.chars().next().is_some_and(vowel)
        });
        if joined {
            let last = out.len() - 1;
            out[last] = &text[start_of_last..at + seg.len()];
        } else {
            start_of_last = at;
            out.push(seg);
        }
    }
    out
}

/// The toolkit's token set of `text`, sorted and without duplicates.
pub fn qut_tokens(text: &str) -> Vec<String> {
    let cleaned = strip_mentions(&text.to_lowercase());
    let mut out: Vec<String> = Vec::new();
    for seg in segments(&cleaned) {
        // At each boundary the toolkit's split swallows a run of spaces and
        // then one `'`.
        let rest = seg.trim_start_matches(wseg_space);
        let rest = rest.strip_prefix('\'').unwrap_or(rest);
        out.extend(rest.split(py_space).filter(|t| !t.is_empty()).map(str::to_string));
    }
    out.sort();
    out.dedup();
    out
}
