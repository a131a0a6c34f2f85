//! Text normalisation shared by identity hashing, matching and evaluation.

use std::collections::HashSet;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

/// Folds a text for comparison: NFKC, curly quotes and apostrophes to ASCII,
/// the ellipsis to `...`, runs of whitespace to one space, trimmed.
/// This is the matching rule of the gold files, applied to both sides.
pub fn fold_for_match(text: &str) -> String {
    // Most text is in NFKC already, which a quick check tells at a fraction of the cost
    // of normalising it again.
    if unicode_normalization::is_nfkc_quick(text.chars()) == unicode_normalization::IsNormalized::Yes {
        fold_normalised(text.chars(), text.len())
    } else {
        fold_normalised(text.nfkc(), text.len())
    }
}

fn fold_normalised(chars: impl Iterator<Item = char>, size: usize) -> String {
    let mut out = String::with_capacity(size);
    let mut pending_space = false;
    for ch in chars {
        let mapped: &str = match ch {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '\u{00B4}' => "'",
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}' | '\u{00BB}' => "\"",
            '\u{2026}' => "...",
            c if c.is_whitespace() => {
                pending_space = !out.is_empty();
                continue;
            }
            _ => {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                out.push(ch);
                continue;
            }
        };
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push_str(mapped);
    }
    out
}

/// Whether a character only guides layout (a soft hyphen, a zero-width mark): a
/// reader never sees it, and it splits words that are one.
fn is_layout_mark(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{200b}' | '\u{2060}' | '\u{feff}')
}

/// The text without its layout marks ([`is_layout_mark`]), borrowed when it has none.
pub fn without_layout_marks(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(is_layout_mark) {
        std::borrow::Cow::Owned(text.replace(is_layout_mark, ""))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Collapses whitespace runs (including no-break spaces) to one space and trims.
pub fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace() || c == '\u{200B}' || c == '\u{FEFF}') {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// What joins an article's paragraphs into its body text. The body, and every offset
/// into it (mentions, quotes, events, highlights), follow from this one rule.
pub const PARAGRAPH_BREAK: &str = "\n\n";

/// Each paragraph with the byte offset where it starts in the body.
pub fn paragraph_starts<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> impl Iterator<Item = (usize, &'a str)> {
    paragraphs.into_iter().scan(0, |next, paragraph| {
        let start = *next;
        *next = start + paragraph.len() + PARAGRAPH_BREAK.len();
        Some((start, paragraph))
    })
}

/// The body: the paragraphs joined by [`PARAGRAPH_BREAK`].
pub fn join_paragraphs<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> String {
    paragraphs.into_iter().collect::<Vec<_>>().join(PARAGRAPH_BREAK)
}

/// The length in bytes of the body the paragraphs make.
pub fn body_len<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> usize {
    paragraph_starts(paragraphs).last().map_or(0, |(start, last)| start + last.len())
}

/// A stable 64-bit hash of raw bytes rendered as 16 hex digits.
pub fn short_hash_bytes(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex()[..16].to_string()
}

/// A stable 64-bit content hash rendered as 16 hex digits.
pub fn short_hash(parts: &[&str]) -> String {
    let mut hasher = blake3::Hasher::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update(&[0]);
    }
    hasher.finalize().to_hex()[..16].to_string()
}

static WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| include_str!("../data/words.txt").lines().collect());

static HYPHENATED: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/hyphenated.txt").lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect()
});

/// Whether a lower-case word is in the shipped English word list (SCOWL, via Debian's wamerican).
pub fn is_word(lower: &str) -> bool {
    WORDS.contains(lower)
}

/// Whether a lower-case hyphenated form is known to keep its hyphen.
pub fn is_hyphenated_word(lower: &str) -> bool {
    HYPHENATED.contains(lower)
}

/// Words used to cut a host name like `themoscowtimes` into `the moscow times`.
/// Minimises the number of pieces; returns None when the label cannot be covered.
pub fn segment_words(label: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = label.chars().collect();
    let n = chars.len();
    if n == 0 || n > 64 {
        return None;
    }
    // best[i] = (pieces, start of last piece) for the prefix of length i
    let mut best: Vec<Option<(usize, usize)>> = vec![None; n + 1];
    best[0] = Some((0, 0));
    for end in 1..=n {
        for start in 0..end {
            let Some((pieces, _)) = best[start] else {
                continue;
            };
            let piece: String = chars[start..end].iter().collect();
            let len = end - start;
            let acceptable =
                (len >= 3 || piece == "of" || piece == "on" || piece == "in" || piece == "a") && is_word(&piece);
            if acceptable && best[end].is_none_or(|(p, _)| pieces + 1 < p) {
                best[end] = Some((pieces + 1, start));
            }
        }
    }
    best[n]?;
    let mut pieces = Vec::new();
    let mut end = n;
    while end > 0 {
        let (_, start) = best[end]?;
        pieces.push(chars[start..end].iter().collect());
        end = start;
    }
    pieces.reverse();
    Some(pieces)
}

/// Title-cases words, keeping short function words lower-case inside the phrase.
pub fn title_case(words: &[String]) -> String {
    const SMALL: [&str; 9] = ["a", "an", "and", "of", "on", "in", "the", "for", "to"];
    words
        .iter()
        .enumerate()
        .map(|(i, w)| if i > 0 && SMALL.contains(&w.as_str()) { w.clone() } else { capitalise(w) })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Counts words (whitespace-separated tokens containing a letter or digit).
pub fn word_count(text: &str) -> usize {
    text.split_whitespace().filter(|w| w.chars().any(|c| c.is_alphanumeric())).count()
}

/// Words of a quote for matching: folded, lower-cased, without outer marks or a trailing comma.
pub fn quote_tokens(text: &str) -> Vec<String> {
    let folded = fold_for_match(text).to_lowercase();
    let trimmed = folded.trim().trim_matches('"').trim().trim_end_matches(',');
    trimmed.split(|c: char| !c.is_alphanumeric() && c != '\'').filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// Token-overlap F1 of two word lists (bags of words).
pub fn token_f1<T: Ord>(a: &[T], b: &[T]) -> f64 {
    sorted_f1(&sorted_refs(a), &sorted_refs(b))
}

/// [`token_f1`] of two bags already sorted, which it need not copy.
pub fn sorted_f1<T: Ord>(a: &[T], b: &[T]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let common = shared_count(a, b);
    if common == 0 {
        return 0.0;
    }
    let precision = common as f64 / a.len() as f64;
    let recall = common as f64 / b.len() as f64;
    2.0 * precision * recall / (precision + recall)
}

fn sorted_refs<T: Ord>(words: &[T]) -> Vec<&T> {
    let mut words: Vec<&T> = words.iter().collect();
    words.sort_unstable();
    words
}

/// How many items two sorted lists have in common, counting repeats as a bag does.
pub fn shared_count<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_quotes_ellipsis_and_space() {
        assert_eq!(fold_for_match("  \u{201C}We\u{2019}re\u{201D}\u{2026}\n\tok "), "\"We're\"... ok");
        assert_eq!(fold_for_match("ﬁne"), "fine");
    }

    #[test]
    fn collapses_whitespace() {
        assert_eq!(collapse_whitespace(" a \u{00A0} b\n\nc "), "a b c");
    }

    #[test]
    fn segments_host_labels() {
        assert_eq!(segment_words("themoscowtimes").unwrap(), ["the", "moscow", "times"]);
        assert_eq!(segment_words("washingtonpost").unwrap(), ["washington", "post"]);
        assert!(segment_words("xqzvbn").is_none());
        assert_eq!(title_case(&["the".into(), "wall".into(), "of".into(), "news".into()]), "The Wall of News");
    }

    #[test]
    fn word_list_is_loaded() {
        assert!(is_word("information"));
        assert!(!is_word("staterun"));
        assert!(is_hyphenated_word("e-mail"));
    }

    #[test]
    fn hashes_are_stable() {
        assert_eq!(short_hash(&["a", "b"]), short_hash(&["a", "b"]));
        assert_ne!(short_hash(&["ab"]), short_hash(&["a", "b"]));
        assert_eq!(short_hash(&["x"]).len(), 16);
    }
}

/// Whether a character acts on a terminal or reorders a line rather than showing:
/// C0 and C1 controls, DEL, and the bidirectional overrides.
pub fn is_control_for_display(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Text for one line of a terminal or a log: every control character (a newline in a
/// file name, an escape sequence in a title) written out as an escape, never acted on.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    escape_where(text, is_control_for_display)
}

/// Text for a terminal: as [`escape_controls`], but line breaks and tabs are kept,
/// so a table or a page still lays out while an escape sequence cannot act.
pub fn escape_for_terminal(text: &str) -> std::borrow::Cow<'_, str> {
    escape_where(text, |c| is_control_for_display(c) && c != '\n' && c != '\t')
}

/// `text` with every character `escaped` says must not act written out as an escape.
fn escape_where(text: &str, escaped: impl Fn(char) -> bool) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(&escaped) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !escaped(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push_str(&format!("\\u{{{:04X}}}", c as u32)),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod display_tests {
    use super::*;

    #[test]
    fn controls_are_shown_escaped() {
        assert_eq!(escape_controls("plain – text"), "plain – text");
        assert_eq!(escape_controls("a\nskipped: forged"), "a\\nskipped: forged");
        assert_eq!(escape_controls("\u{1b}[31mred\u{9b}"), "\\u{001B}[31mred\\u{009B}");
        assert_eq!(escape_controls("x\u{202E}y"), "x\\u{202E}y");
        assert_eq!(escape_for_terminal("a\n\tb\u{1b}[2J\r"), "a\n\tb\\u{001B}[2J\\r");
    }
}
