//! Sentences and word tokens of clean text, as byte ranges into it.
//!
//! News text breaks the naive "split at a full stop" rule in predictable places:
//! dotted abbreviations (`U.S.`, `Dr.`), initials (`J. Smith`), a full stop inside
//! a closing quote (`… manner.” The`), and ellipses that do or do not end a sentence.

use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// Abbreviations whose full stop does not end a sentence.
const ABBREVIATIONS: [&str; 22] = [
    "Mr", "Mrs", "Ms", "Dr", "St", "Sen", "Rep", "Gov", "Gen", "Col", "Lt", "Prof", "Jr", "Sr", "No", "vs", "Capt",
    "Sgt", "Adm", "Maj", "Rev", "Hon",
];

/// Closing marks that may follow a sentence's final punctuation.
fn is_closing(c: char) -> bool {
    matches!(c, '"' | '\u{201D}' | '\u{2019}' | '\'' | '\u{00BB}' | ')' | ']')
}

/// The byte where the sentence ended by the punctuation at `at` is over: after the
/// punctuation and any closing marks, when a space and then no lower-case word follow.
/// `None` when the punctuation at `at` does not end a sentence.
pub fn sentence_end_after(text: &str, at: usize) -> Option<usize> {
    let mark = text[at..].chars().next()?;
    if !matches!(mark, '.' | '!' | '?' | '\u{2026}') {
        return None;
    }
    let mut end = at + mark.len_utf8();
    while let Some(c) = text[end..].chars().next().filter(|c| is_closing(*c)) {
        end += c.len_utf8();
    }
    let rest = &text[end..];
    if !rest.starts_with(' ') {
        return None;
    }
    let next = rest.trim_start().chars().next()?;
    if next.is_lowercase() || (mark == '\u{2026}' || text[..end].ends_with("...")) && !next.is_uppercase() {
        return None;
    }
    if mark != '.' || text[..at].ends_with("..") {
        return Some(end);
    }
    let token = text[..at].rsplit([' ', '(', '"', '\u{201C}']).next().unwrap_or("");
    let initial = token.chars().count() == 1 && token.chars().all(char::is_uppercase);
    let dotted = token.contains('.') && token.chars().all(|c| c.is_ascii_uppercase() || c == '.');
    // "U.S. officials" continues; "… in the U.S. The talks" ends: a dotted capital
    // abbreviation ends the sentence only before a word that opens one.
    let dotted_continues = dotted && !OPENERS.iter().any(|o| rest.trim_start().starts_with(o));
    (!(initial || dotted_continues || ABBREVIATIONS.contains(&token))).then_some(end)
}

/// Words that usually open a sentence, to tell `the U.S. The` from `U.S. Senator`.
const OPENERS: [&str; 12] = ["The ", "A ", "An ", "It ", "He ", "She ", "They ", "We ", "But ", "In ", "This ", "I "];

/// Sentences of `text` as byte ranges, in order, covering every non-space byte.
pub fn split(text: &str) -> Vec<Range<usize>> {
    let mut sentences = Vec::new();
    let mut start = 0;
    for (at, _) in text.char_indices() {
        if at < start {
            continue;
        }
        if let Some(end) = sentence_end_after(text, at) {
            push_trimmed(text, start..end, &mut sentences);
            start = end;
        }
    }
    push_trimmed(text, start..text.len(), &mut sentences);
    sentences
}

fn push_trimmed(text: &str, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let piece = &text[range.clone()];
    let leading = piece.len() - piece.trim_start().len();
    let trailing = piece.len() - piece.trim_end().len();
    if leading + trailing < piece.len() {
        out.push(range.start + leading..range.end - trailing);
    }
}

/// The sentence of `text` containing byte `at`, from just after the previous
/// sentence's end to its own end (or the end of the text).
pub fn bounds(text: &str, at: usize) -> Range<usize> {
    let at = at.min(text.len());
    let mut start = 0;
    for (index, _) in text.char_indices() {
        if let Some(end) = sentence_end_after(text, index) {
            if end > at {
                return start..end;
            }
            start = end + text[end..].len() - text[end..].trim_start().len();
        }
    }
    start.min(at)..text.len()
}

/// "MOSCOW (Sputnik) - ", "FLINT, Mich., Oct. 4 (UPI) — ": a dateline opening a paragraph.
static DATELINE_OPENING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[A-Z]{2,}(?:[ .'-][A-Z]{2,})*(?:,[A-Za-z .,'0-9-]{0,40})?(?:\s*\([^)]{1,40}\))?\s*[-\u{2013}\u{2014}:]\s+",
    )
    .unwrap()
});

/// `text` without a dateline at its start.
pub fn strip_dateline(text: &str) -> &str {
    DATELINE_OPENING.find(text).map_or(text, |m| &text[m.end()..])
}

/// Word tokens of `text` as byte ranges: runs of letters and digits, with inner
/// apostrophes, hyphens and dots kept (`don't`, `state-run`, `U.S.`).
pub fn tokens(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut start: Option<usize> = None;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (index, &(at, c)) in chars.iter().enumerate() {
        let next_is_word = chars.get(index + 1).is_some_and(|(_, n)| n.is_alphanumeric());
        let joiner = matches!(c, '\'' | '\u{2019}' | '-' | '.') && start.is_some() && next_is_word;
        let dotted_end = c == '.' && start.is_some_and(|s| text[s..at].contains('.'));
        if c.is_alphanumeric() || joiner || dotted_end {
            start.get_or_insert(at);
        } else if let Some(s) = start.take() {
            found.push(s..at);
        }
    }
    if let Some(s) = start {
        found.push(s..text.len());
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sentences(text: &str) -> Vec<&str> {
        split(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn survives_abbreviations_initials_and_quotes() {
        assert_eq!(
            sentences("U.S. officials met Dr. Smith and J. R. Jones. They left."),
            ["U.S. officials met Dr. Smith and J. R. Jones.", "They left."]
        );
        assert_eq!(sentences("It came from the U.S. The talks ended."), ["It came from the U.S.", "The talks ended."]);
        assert_eq!(
            sentences("He said it was \u{201C}not a menu.\u{201D} The talks went on."),
            ["He said it was \u{201C}not a menu.\u{201D}", "The talks went on."]
        );
        assert_eq!(
            sentences("\u{201C}We make proposals. We get ultimatums,\u{201D} he said."),
            ["\u{201C}We make proposals.", "We get ultimatums,\u{201D} he said."]
        );
        assert_eq!(
            sentences("They are mentioned \u{2026} We cannot accept this."),
            ["They are mentioned \u{2026}", "We cannot accept this."]
        );
        assert_eq!(sentences("claims \u{2026} of provocations. Next."), ["claims \u{2026} of provocations.", "Next."]);
        assert_eq!(sentences("Is it? Yes! No."), ["Is it?", "Yes!", "No."]);
    }

    #[test]
    fn datelines_come_off() {
        assert_eq!(strip_dateline("MOSCOW (Sputnik) - Russian officials said"), "Russian officials said");
        assert_eq!(strip_dateline("FLINT, Mich., Oct. 4 (UPI) \u{2014} Former President"), "Former President");
        assert_eq!(strip_dateline("NATO said - quietly"), "NATO said - quietly");
    }

    #[test]
    fn tokens_keep_inner_marks() {
        let text = "The state-run agency's U.S. office, don't.";
        let words: Vec<&str> = tokens(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(words, ["The", "state-run", "agency's", "U.S.", "office", "don't"]);
    }

    proptest! {
        #[test]
        fn sentences_are_ordered_disjoint_and_cover_the_words(text in "[A-Za-z.?!\u{201C}\u{201D}\u{2026} ]{0,80}") {
            let found = split(&text);
            let mut last_end = 0;
            for range in &found {
                prop_assert!(range.start >= last_end && range.start < range.end);
                prop_assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end));
                last_end = range.end;
            }
            let covered: usize = found.iter().map(|r| text[r.clone()].split_whitespace().count()).sum();
            let words = text.split_whitespace().count();
            prop_assert!(covered >= words);
            for token in tokens(&text) {
                prop_assert!(text.is_char_boundary(token.start) && text.is_char_boundary(token.end));
            }
        }
    }
}
