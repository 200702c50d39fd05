//! A post's language as its platform labelled it (X's `lang`, Mastodon's
//! `language`, Bluesky's `langs`, the `tweet_language` of X's archives):
//! the primary subtag of a BCP 47 tag, kept in three bytes.

/// A language's primary subtag (`ru`, `en`, `fil`), or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct LanguageTag([u8; 3]);

impl LanguageTag {
    /// No language: the platform gave none, or said it could not tell.
    pub const NONE: LanguageTag = LanguageTag([0; 3]);

    /// The primary subtag of a platform's label: two or three ASCII
    /// letters, lower-cased (`pt-BR` is `pt`). None for what names no
    /// language: `und` (undetermined), `zxx` (no linguistic content),
    /// `mul`, `mis`, the private-use `qaa`–`qtz` (X's `qme` for media only,
    /// `qht` for hashtags only, ...), and anything not a tag. X's
    /// deprecated codes are read as their current ones (`in` Indonesian
    /// `id`, `iw` Hebrew `he`, `ji` Yiddish `yi`).
    pub fn parse(label: &str) -> LanguageTag {
        let primary = label.split(['-', '_']).next().unwrap_or_default();
        if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
            return LanguageTag::NONE;
        }
        let lower = primary.to_ascii_lowercase();
        let code = match lower.as_str() {
            "und" | "zxx" | "mul" | "mis" => return LanguageTag::NONE,
            q if q.len() == 3 && ("qaa"..="qtz").contains(&q) => return LanguageTag::NONE,
            "in" => "id",
            "iw" => "he",
            "ji" => "yi",
            other => other,
        };
        let mut b = [0u8; 3];
        b[..code.len()].copy_from_slice(code.as_bytes());
        LanguageTag(b)
    }

    /// The tag, or `None`.
    pub fn as_str(&self) -> Option<&str> {
        let n = self.0.iter().position(|&b| b == 0).unwrap_or(3);
        // Only ASCII letters are ever stored.
        (n > 0).then(|| std::str::from_utf8(&self.0[..n]).expect("ASCII"))
    }

    /// Whether it names no language.
    pub fn is_none(&self) -> bool {
        *self == LanguageTag::NONE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_labels() {
        let tag = |s: &str| LanguageTag::parse(s).as_str().map(str::to_string);
        assert_eq!(tag("ru"), Some("ru".into()));
        assert_eq!(tag("pt-BR"), Some("pt".into()));
        assert_eq!(tag("EN"), Some("en".into()));
        assert_eq!(tag("fil"), Some("fil".into()));
        assert_eq!(tag("in"), Some("id".into()));
        assert_eq!(tag("iw"), Some("he".into()));
        for none in ["und", "zxx", "qme", "qht", "qam", "", "e", "engl", "r1", "<b>", "ру"] {
            assert_eq!(tag(none), None, "{none}");
        }
        assert!(LanguageTag::parse("und").is_none());
    }
}
