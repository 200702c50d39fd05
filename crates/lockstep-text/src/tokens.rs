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
    text.split_word_bounds()
        .filter(move |seg| seg.chars().any(|c| c.is_alphanumeric() || (emoji && pictographic(c))))
}

#[cfg(test)]
mod tests {
    use super::*;

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
