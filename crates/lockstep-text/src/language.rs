//! The language of a post's words, detected from them, for inputs whose
//! platform labels none (Telegram, Reddit, YouTube, CSV). whatlang's
//! trigram profiles (69 languages, offline) decide; a text it is not sure
//! of has no language, rather than a guess.
//!
//! whatlang's own "reliable" compares the best language with the second
//! and says nothing of how well the best one fits: words of no language at
//! all (the simulator's) came out as Slovenian, "reliable", 20 times in 123.
//! So the best language's trigram fit (whatlang's normalised score, from
//! its `dev` API, hence the exact version) must also reach [`MIN_FIT`].
//! Measured on the 196 real posts whose text lockstep keeps and whose
//! platform labels it, in lockstep's recorded API responses (X and
//! Mastodon; lockstep-ingest's test
//! `detected_languages_agree_with_the_platforms_labels`): "reliable" alone
//! labels 88, one wrong (a Spanish post of English names and hashtags
//! called English); with the fit, 63, none wrong, and none of the 123
//! simulated texts.

use whatlang::dev::RawLangInfo;
use whatlang::Lang;

/// The least trigram fit of a detected language (whatlang's normalised
/// score of the best language, 0 to 1): words of no language scored 0.47
/// and below.
pub const MIN_FIT: f64 = 0.5;

/// A detected language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language {
    /// Its BCP 47 tag (`ru`, `en`, `zh`, ...): the shortest ISO 639 code,
    /// as HTML's `lang` and spreadsheets expect.
    pub tag: &'static str,
    /// Its name in English.
    pub name: &'static str,
}

/// The language of `text`, when whatlang is confident of it. Links,
/// mentions and the `#` of hashtags are left out first: they are the same
/// in every language and would pull short posts towards English.
pub fn language(text: &str) -> Option<Language> {
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|w| !w.starts_with('@') && !w.contains("://") && !w.starts_with("www."))
        .map(|w| w.trim_start_matches('#'))
        .filter(|w| *w != "RT")
        .collect();
    let words = words.join(" ");
    let info = whatlang::detect(&words)?;
    if !info.is_reliable() {
        return None;
    }
    // A script of one language (Greek, Hangul, ...) needs no fit.
    if let Some(RawLangInfo::MultiScript(raw)) = whatlang::dev::raw_detect(&words).lang_info {
        let fit = raw.scores.iter().find(|s| s.0 == info.lang()).map_or(0.0, |s| s.1);
        if fit < MIN_FIT {
            return None;
        }
    }
    Some(Language { tag: tag(info.lang()), name: info.lang().eng_name() })
}

/// whatlang's ISO 639-3 codes as BCP 47 tags (ISO 639-1 where it has one,
/// as BCP 47 requires; Mandarin as `zh`, Iranian Persian as `fa`, Norwegian
/// Bokmål as `nb`).
fn tag(lang: Lang) -> &'static str {
    match lang {
        Lang::Epo => "eo",
        Lang::Eng => "en",
        Lang::Rus => "ru",
        Lang::Cmn => "zh",
        Lang::Spa => "es",
        Lang::Por => "pt",
        Lang::Ita => "it",
        Lang::Ben => "bn",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Ukr => "uk",
        Lang::Kat => "ka",
        Lang::Ara => "ar",
        Lang::Hin => "hi",
        Lang::Jpn => "ja",
        Lang::Heb => "he",
        Lang::Yid => "yi",
        Lang::Pol => "pl",
        Lang::Amh => "am",
        Lang::Jav => "jv",
        Lang::Kor => "ko",
        Lang::Nob => "nb",
        Lang::Dan => "da",
        Lang::Swe => "sv",
        Lang::Fin => "fi",
        Lang::Tur => "tr",
        Lang::Nld => "nl",
        Lang::Hun => "hu",
        Lang::Ces => "cs",
        Lang::Ell => "el",
        Lang::Bul => "bg",
        Lang::Bel => "be",
        Lang::Mar => "mr",
        Lang::Kan => "kn",
        Lang::Ron => "ro",
        Lang::Slv => "sl",
        Lang::Hrv => "hr",
        Lang::Srp => "sr",
        Lang::Mkd => "mk",
        Lang::Lit => "lt",
        Lang::Lav => "lv",
        Lang::Est => "et",
        Lang::Tam => "ta",
        Lang::Vie => "vi",
        Lang::Urd => "ur",
        Lang::Tha => "th",
        Lang::Guj => "gu",
        Lang::Uzb => "uz",
        Lang::Pan => "pa",
        Lang::Aze => "az",
        Lang::Ind => "id",
        Lang::Tel => "te",
        Lang::Pes => "fa",
        Lang::Mal => "ml",
        Lang::Ori => "or",
        Lang::Mya => "my",
        Lang::Nep => "ne",
        Lang::Sin => "si",
        Lang::Khm => "km",
        Lang::Tuk => "tk",
        Lang::Aka => "ak",
        Lang::Zul => "zu",
        Lang::Sna => "sn",
        Lang::Afr => "af",
        Lang::Lat => "la",
        Lang::Slk => "sk",
        Lang::Cat => "ca",
        Lang::Tgl => "tl",
        Lang::Hye => "hy",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_its_own_two_letter_tag() {
        let mut tags: Vec<&str> = Lang::all().iter().map(|&l| tag(l)).collect();
        assert!(tags.iter().all(|t| t.len() == 2 && t.bytes().all(|b| b.is_ascii_lowercase())));
        let n = tags.len();
        tags.sort_unstable();
        tags.dedup();
        assert_eq!(tags.len(), n);
    }

    #[test]
    fn posts_in_four_languages() {
        let cases = [
            ("Сегодня в Москве снова задержали людей, которые вышли на мирный протест. Полиция действовала жёстко. https://t.co/x", "ru"),
            ("The election was stolen and everyone knows it, share before they delete this", "en"),
            ("Die Regierung verschweigt die Wahrheit über die Wahl, teilt das bevor es gelöscht wird", "de"),
            ("الانتخابات مزورة والجميع يعرف ذلك، شاركوا قبل أن يحذفوا هذا المنشور", "ar"),
        ];
        for (text, want) in cases {
            assert_eq!(language(text).map(|l| l.tag), Some(want), "{text}");
        }
        // Short Cyrillic posts are where trigrams confuse Russian with
        // Bulgarian: not sure, so no language, rather than a wrong one.
        assert_eq!(
            language("Москва выходит на улицы: все на площадь в субботу, не молчите!"),
            None
        );
        assert_eq!(language("@someone https://t.co/abc #tag"), None);
        // Words of no language (the simulator's): whatlang alone calls
        // this Slovenian, and "reliable".
        let made_up = "delapo koradeko kishinelu nashisuri megosuko kolakiri teravite mari potekoma mesushi nekishima larakima netefama pobarite razoma kipoko lukote neshidelu fakifako kokozoko ri radenema suponako rabameko rasuzoko!!! 🔥 #nemate #vineko";
        let as_detected = made_up.replace('#', "");
        assert!(whatlang::detect(&as_detected).is_some_and(|i| i.is_reliable()));
        assert_eq!(language(made_up), None);
        // A script of one language.
        assert_eq!(
            language("Η κυβέρνηση λέει ψέματα για τον προϋπολογισμό των σχολείων").map(|l| l.tag),
            Some("el")
        );
        assert_eq!(language(""), None);
    }
}
