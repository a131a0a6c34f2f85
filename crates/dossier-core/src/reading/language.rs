//! Language identification (whatlang), reported as ISO 639-1 codes.

use whatlang::Lang;

/// The ISO 639-1 code of the text's language, or None when the text is too short
/// or the guess is unreliable.
pub fn detect(text: &str) -> Option<&'static str> {
    let sample: String = text.chars().take(4000).collect();
    let letters = sample.chars().filter(|c| c.is_alphabetic()).count();
    if letters < 20 {
        return None;
    }
    // whatlang's confidence is a margin over the runner-up and stays low on a single
    // sentence even when the guess is right; with enough letters the top guess holds.
    let info = whatlang::detect(&sample)?;
    (info.is_reliable() || letters >= 50).then(|| iso639_1(info.lang()))
}

fn iso639_1(lang: Lang) -> &'static str {
    use Lang::*;
    match lang {
        Epo => "eo",
        Eng => "en",
        Rus => "ru",
        Cmn => "zh",
        Spa => "es",
        Por => "pt",
        Ita => "it",
        Ben => "bn",
        Fra => "fr",
        Deu => "de",
        Ukr => "uk",
        Kat => "ka",
        Ara => "ar",
        Hin => "hi",
        Jpn => "ja",
        Heb => "he",
        Yid => "yi",
        Pol => "pl",
        Amh => "am",
        Jav => "jv",
        Kor => "ko",
        Nob => "nb",
        Dan => "da",
        Swe => "sv",
        Fin => "fi",
        Tur => "tr",
        Nld => "nl",
        Hun => "hu",
        Ces => "cs",
        Ell => "el",
        Bul => "bg",
        Bel => "be",
        Mar => "mr",
        Kan => "kn",
        Ron => "ro",
        Slv => "sl",
        Hrv => "hr",
        Srp => "sr",
        Mkd => "mk",
        Lit => "lt",
        Lav => "lv",
        Est => "et",
        Tam => "ta",
        Vie => "vi",
        Urd => "ur",
        Tha => "th",
        Guj => "gu",
        Uzb => "uz",
        Pan => "pa",
        Aze => "az",
        Ind => "id",
        Tel => "te",
        Pes => "fa",
        Mal => "ml",
        Ori => "or",
        Mya => "my",
        Nep => "ne",
        Sin => "si",
        Khm => "km",
        Tuk => "tk",
        Aka => "ak",
        Zul => "zu",
        Sna => "sn",
        Afr => "af",
        Lat => "la",
        Slk => "sk",
        Cat => "ca",
        Tgl => "tl",
        Hye => "hy",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_common_languages() {
        assert_eq!(
            detect("NATO has left unanswered Russia's offer to de-escalate soaring tensions, a senior diplomat said."),
            Some("en")
        );
        assert_eq!(
            detect("Министерство иностранных дел России заявило, что переговоры будут продолжены на следующей неделе."),
            Some("ru")
        );
        assert_eq!(detect("Hi"), None);
    }
}
