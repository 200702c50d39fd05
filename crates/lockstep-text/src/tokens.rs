//! Word tokens of a normalised text, for near-duplicate comparison.

use unicode_segmentation::UnicodeSegmentation;

/// Emoji and pictographic symbols (the blocks they live in): tokens of
/// their own, since operators add them as edits and some lines are
/// mostly emoji.
fn pictographic(c: char) -> bool {
    matches!(c as u32,
        0x2190..=0x21FF | 0x2300..=0x23FF | 0x25A0..=0x27BF | 0x2900..=0x297F
        | 0x2B00..=0x2BFF | 0x1F000..=0x1FAFF)
}

/// The word tokens of `text` (already normalised: case-folded, links and
/// mentions removed): its UAX #29 word segments that hold a letter or a
/// digit, and, with `emoji`, those that hold a pictograph. Punctuation and
/// spaces are not tokens, so changed punctuation is no edit; hashtags give
/// their word, so reordered hashtags are no edit either.
pub fn words(text: &str, emoji: bool) -> impl Iterator<Item = &str> {
    // Most posts are ASCII, where the segmentation's rules come down to a
    // few byte classes (`AsciiWords`); tokenising was a tenth of a
    // near-duplicate run.
    let ascii = text.is_ascii();
    let fast = ascii.then_some(AsciiWords { text, at: 0 });
    let any = (!ascii).then(|| {
        text.split_word_bounds().filter(move |seg| {
            seg.chars().any(|c| c.is_alphanumeric() || (emoji && pictographic(c)))
        })
    });
    fast.into_iter().flatten().chain(any.into_iter().flatten())
}

/// The UAX #29 word segments of an ASCII text that hold a letter or a
/// digit (the property test holds them equal to `unicode-segmentation`'s).
/// In ASCII a segment with one is a run of letters, digits and `_` (rules
/// WB5, WB8-WB10, WB13a-b), which goes on across one `.`, `:` or `'`
/// between two letters (WB6-7) and one `.`, `,`, `;` or `'` between two
/// digits (WB11-12); every other byte is a segment of its own or of
/// spaces, with no letter or digit.
struct AsciiWords<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Iterator for AsciiWords<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let b = self.text.as_bytes();
        let in_run = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        loop {
            let start = self.at + b[self.at..].iter().position(|&c| in_run(c))?;
            let mut end = start;
            loop {
                while end < b.len() && in_run(b[end]) {
                    end += 1;
                }
                let joins = match (b.get(end), b.get(end + 1)) {
                    (Some(&mid), Some(&after)) => {
                        let before = b[end - 1];
                        (before.is_ascii_alphabetic()
                            && matches!(mid, b'.' | b':' | b'\'')
                            && after.is_ascii_alphabetic())
                            || (before.is_ascii_digit()
                                && matches!(mid, b'.' | b',' | b';' | b'\'')
                                && after.is_ascii_digit())
                    }
                    _ => false,
                };
                if !joins {
                    break;
                }
                end += 2;
            }
            self.at = end;
            let word = &self.text[start..end];
            if word.bytes().any(|c| c.is_ascii_alphanumeric()) {
                return Some(word);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The ASCII path gives `unicode-segmentation`'s segments: runs,
        /// every joining and breaking punctuation, spaces, line ends.
        #[test]
        fn ascii_words_are_the_segmenters(
            s in "([a-cA-C]{1,3}|[0-9]{1,3}|_|[.:',;]|[ \t\n\r\u{b}\u{c}]|[-\"#!?/@()]){0,30}"
        ) {
            let want: Vec<&str> = s
                .split_word_bounds()
                .filter(|seg| seg.chars().any(char::is_alphanumeric))
                .collect();
            let got: Vec<&str> = AsciiWords { text: &s, at: 0 }.collect();
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn words_keep_letters_digits_and_emoji() {
        let t: Vec<&str> = words("vote now!!! #election 2024, 🔥🔥 — don't wait…", true).collect();
        assert_eq!(t, ["vote", "now", "election", "2024", "🔥", "🔥", "don't", "wait"]);
        let t: Vec<&str> = words("vote now 🔥", false).collect();
        assert_eq!(t, ["vote", "now"]);
        let t: Vec<&str> = words("سلام دنیا، این یک آزمایش است", true).collect();
        assert_eq!(t, ["سلام", "دنیا", "این", "یک", "آزمایش", "است"]);
    }
}
