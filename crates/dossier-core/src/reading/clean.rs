//! Cleaning: from a captured article (plain text, markdown clipping, PDF text)
//! to body paragraphs, with everything that is not the article set aside and
//! the structural hints metadata needs (title, dates, source tags, links).
//!
//! Works line by line: each line is classified (text, URL block, caption,
//! credit, chrome, ...), then text lines are joined into paragraphs, undoing
//! hard wraps and line-end hyphenation where the evidence says so.

use crate::dates::{self, FoundDate, SlashEvidence, SlashOrder};
use crate::reading::language;
use crate::text::{collapse_whitespace, is_hyphenated_word, is_word, word_count};
use chrono::NaiveDate;
use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::ops::RangeInclusive;
use std::sync::LazyLock;

/// A body paragraph with the range of original lines (1-based, inclusive) it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paragraph {
    pub text: String,
    pub first_line: u32,
    pub last_line: u32,
}

/// A line that was set aside, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removed {
    pub line: u32,
    pub reason: String,
    pub text: String,
}

/// A source tag such as `- Sputnik International, 1920, 20.02.2022`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceTag {
    pub line: u32,
    pub outlet: String,
    pub date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dateline {
    pub city: String,
    pub agency: Option<String>,
}

/// The result of cleaning one captured text.
#[derive(Debug, Clone, Default)]
pub struct CleanText {
    pub paragraphs: Vec<Paragraph>,
    pub removed: Vec<Removed>,
    pub links: Vec<String>,
    pub related: Vec<String>,
    pub title: Option<Found<String>>,
    pub canonical_url: Option<Found<String>>,
    /// Dates printed as lines of their own in the article's header (under the headline).
    pub header_dates: Vec<NaiveDate>,
    /// Source tags between the headline and the first body paragraph.
    pub header_source_tags: Vec<SourceTag>,
    pub dateline: Option<Dateline>,
    pub front_matter: BTreeMap<String, String>,
    pub stats: LayoutStats,
}

/// A value and a short account of where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<T> {
    pub value: T,
    pub how: &'static str,
}

/// Line statistics used to tell formats apart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LayoutStats {
    pub markdown_signals: usize,
    pub hard_wrapped: bool,
    pub page_artefacts: usize,
}

impl LayoutStats {
    /// For a text capture, which kind of text it is, from the cleaner's line statistics.
    pub fn format(&self) -> crate::capture::format::Format {
        use crate::capture::format::Format;
        if self.markdown_signals >= 2 {
            Format::Markdown
        } else if self.hard_wrapped || self.page_artefacts >= 2 {
            Format::PdfText
        } else {
            Format::Text
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Blank,
    Text,
    Heading(u8),
    Urls,
    UrlLabel,
    Related(Option<String>),
    Credit,
    SourceTag(String, Option<NaiveDate>),
    Chrome,
    Foreign,
    DateLine(NaiveDate),
    SectionLabel,
    CapsLabel,
    PageArtefact,
    PrintFooter(String),
    RelatedHeadline,
    OutsideMainText,
}

impl Kind {
    fn removal_reason(&self) -> Option<&'static str> {
        Some(match self {
            Kind::Blank | Kind::Text | Kind::Heading(_) => return None,
            Kind::Urls => "cited links",
            Kind::UrlLabel => "original-url label",
            Kind::Related(_) => "related article",
            Kind::Credit => "photo credit or caption",
            Kind::SourceTag(..) => "source tag",
            Kind::Chrome => "page chrome",
            Kind::Foreign => "furniture in another script",
            Kind::DateLine(_) => "date line",
            Kind::SectionLabel | Kind::CapsLabel => "section label",
            Kind::PageArtefact => "page artefact",
            Kind::PrintFooter(_) => "print footer",
            Kind::RelatedHeadline => "related headline",
            Kind::OutsideMainText => "outside the main text",
        })
    }
}

#[derive(Debug, Clone)]
struct Line {
    number: u32,
    raw: String,
    text: String,
    kind: Kind,
}

static MD_IMAGE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"!\[[^\]]*\]\([^)]*\)").unwrap());
static MD_LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)"#).unwrap());
static MD_REF_LINK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\[([^\]]+)\]\[[^\]]*\]").unwrap());
static AUTOLINK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<((?:https?|ftp)://[^>\s]+)>").unwrap());
static BARE_URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?-u:\b)(?:https?://|www\.)[^\s<>"'\]\[)(]+"#).unwrap());
static BOLD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\*\*(.+?)\*\*|__(.+?)__").unwrap());
static ITALIC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(^|[\s(\[])[*_]([^*_\s](?:[^*_]*[^*_\s])?)[*_]($|[\s.,;:!?)\]])").unwrap());
static INLINE_CODE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"`([^`]+)`").unwrap());
static MD_ESCAPE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\\([\\`*_{}\[\]()#+\-.!>])").unwrap());
static HEADING: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(#{1,6})\s+(.*?)\s*#*\s*$").unwrap());
static RULE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,}|(?:=\s*){3,})$").unwrap());
static LIST_OR_QUOTE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*(?:>\s?)+|^\s*[*+•]\s+").unwrap());
static BOLD_CREDIT_AT_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:\*\*|__)[^*_]*\S\s*/\s*\S[^*_]*(?:\*\*|__)\s*$").unwrap());
static URL_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:original|canonical|source|article|page|permanent)?\s*(?:url|link|address|permalink)\s*:\s*(.*)$|^(?:source|originally published (?:at|on|in|by)|read (?:the )?original(?: article)?(?: at| on)?|via)\s*:\s*(.*)$").unwrap()
});
static RELATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:related(?: article| story| stories| content| coverage| news| reading)?|read (?:more|also|next)|see also|also read|also see|recommended|further reading|more on this|more)\s*[:|]\s*(.*)$").unwrap()
});
// The names' lengths are checked after the match ([`SOURCE_NAME_CHARS`],
// [`SLASH_CREDIT_CHARS`]): a bounded repeat of a Unicode class, `[\p{L}]{2,40}`, compiles
// to forty copies of the class and cost 20 ms of every process's start. No name class
// holds the comma or the slash that ends it, so the match is the same either way.
static SOURCE_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|\s)[-–—]\s*(\p{Lu}[\p{L}\p{N}&'’. ]*),\s*(?:\d{1,4},\s*)?(\d{1,2}\.\d{1,2}\.\d{4})\s*$").unwrap()
});
const SOURCE_NAME_CHARS: RangeInclusive<usize> = 2..=61;
static CREDIT: LazyLock<RegexSet> = LazyLock::new(|| {
    // ASCII word boundaries (the words beside them are ASCII): Unicode ones keep a set
    // tried on nearly every line off the fast regex engines.
    RegexSet::new([
        r"©|\(c\)\s|(?i:(?-u:\b)copyright(?-u:\b))",
        r"(?-u:\b)[A-Z]{2,}(?:[ -][A-Z]{2,})*\s?/\s?[A-Z][a-z]+",
        r"(?i)^(?:photo|image|picture|illustration|file photo|video|credit|pictured|caption|photograph|foto|bild|titelbild|bildquelle|fotografía|imagen|zdjęcie|fot|фото|світлина)s?\.?\s*(?::|by(?-u:\b)|von(?-u:\b))",
        r"(?i)\((?:photos?|images?|pictures?|credit)(?:\s+by|:)[^)]*\)\s*$",
        r"(?i)(?-u:\b)(?:getty images|shutterstock|ap photo|afp photo|epa-efe|reuters photo|sputnik photo|pool photo|via getty|istock|unsplash|pixabay|wikimedia commons)(?-u:\b)",
        r"\((?:L|R|C|left|right|center|centre|top|bottom|front)\)",
    ])
    .unwrap()
});
static SLASH_CREDIT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^([\p{L}.'’ -]+)\s/\s([\p{L}.'’ -]+)$").unwrap());
const SLASH_CREDIT_CHARS: RangeInclusive<usize> = 2..=40;

/// Whether a matched group holds a number of characters in `range`.
fn holds_chars(group: Option<regex::Match<'_>>, range: &RangeInclusive<usize>) -> bool {
    group.is_some_and(|g| range.contains(&g.as_str().chars().count()))
}

static CHROME: LazyLock<RegexSet> = LazyLock::new(|| {
    let patterns = include_str!("../../data/boilerplate.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        // ASCII word boundaries: the patterns' \b sit beside ASCII words, and Unicode ones
        // would keep this set, tried on most short lines, off the fast regex engines.
        .map(|l| format!("(?i){}", l.replace(r"\b", r"(?-u:\b)")));
    RegexSet::new(patterns).expect("boilerplate.txt holds valid patterns")
});
static PAGE_ARTEFACT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*(?:page\s+)?[-–]?\s*\d{1,4}\s*[-–]?(?:\s*(?:of|/)\s*\d{1,4})?\s*$").unwrap());
static PRINT_FOOTER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*<?(https?://\S+?)>?\s+\d{1,3}\s*/\s*\d{1,3}\s*$").unwrap());
static PRINT_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*\d{1,2}/\d{1,2}/\d{2,4},?\s+\d{1,2}:\d{2}(?:\s?[ap]\.?m\.?)?\s+(\S.*)$").unwrap()
});
static DATELINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Z][A-Z.'’-]+(?:[ -][A-Z][A-Z.'’-]+){0,3})(?:,\s*[A-Z][A-Za-z.]+(?:\s+\d{1,2})?)?\s*(?:\(([^)]{2,40})\))?\s*[-–—]+\s+\S").unwrap()
});
static TRAILING_URL_PUNCT: &[char] = &['.', ',', ';', ':', '!', '?', ')', '\'', '"', '’', '”'];

/// A line that could be the headline of a page captured whole, with its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct HeadlineCandidate {
    pub text: String,
    pub evidence: [f32; HEADLINE_FEATURES],
}

/// The headline candidates of a capture as the cleaner weighs them (none when the capture
/// is not a whole page): what `examples/headline_candidates.rs` prints to fit
/// [`HEADLINE_WEIGHTS`] on captures with known titles.
pub fn headline_candidates_of(text: &str) -> Vec<HeadlineCandidate> {
    let mut out = CleanText::default();
    let (lines, drafts) = read_paragraphs(text, &mut out);
    let region = main_region(&lines, &drafts);
    if !is_whole_page(&region) {
        return Vec::new();
    }
    headline_candidates(&lines, &drafts, &region)
        .into_iter()
        .map(|(index, evidence)| HeadlineCandidate { text: drafts[index].text.clone(), evidence })
        .collect()
}

/// Where a text to clean comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A capture as the user saved it: a clipping, a printout, or a whole page's text
    /// with its menus and footer, whose article must be found.
    Capture,
    /// The main text a page reader already chose (the HTML reader's).
    ReaderText,
}

/// Cleans a captured text. `text` is the decoded file; line numbers in the
/// result refer to its lines.
pub fn clean(text: &str, origin: Origin) -> CleanText {
    let mut out = CleanText::default();
    let (mut lines, paragraphs) = read_paragraphs(text, &mut out);
    assign_roles(&mut lines, paragraphs, origin, &mut out);
    for line in &lines {
        if let Some(reason) = line.kind.removal_reason() {
            out.removed.push(Removed {
                line: line.number,
                reason: reason.to_string(),
                text: line.raw.trim().to_string(),
            });
        }
    }
    out
}

/// The capture's lines, classified, and its paragraphs before any is given a role; the
/// front matter, links and layout go to `out`.
fn read_paragraphs(text: &str, out: &mut CleanText) -> (Vec<Line>, Vec<Draft>) {
    let (front_matter, body_start) = split_front_matter(text);
    out.front_matter = front_matter;
    let mut lines = classify_lines(text, body_start, out);
    // What only a line's neighbours tell apart, and the capture's layout.
    mark_foreign_script(&mut lines);
    mark_repeated_labels(&mut lines);
    out.stats.hard_wrapped = is_hard_wrapped(&lines);
    out.stats.page_artefacts = mark_page_artefacts(&mut lines, out.stats.hard_wrapped);
    let drafts = assemble_paragraphs(&lines, out.stats.hard_wrapped);
    (lines, drafts)
}

/// YAML front matter (`---` ... `---`) as written by web-clipper extensions.
fn split_front_matter(text: &str) -> (BTreeMap<String, String>, usize) {
    let mut map = BTreeMap::new();
    let mut lines = text.lines();
    if lines.next().map(str::trim) != Some("---") {
        return (map, 0);
    }
    for (index, line) in lines.enumerate().take(60) {
        if line.trim() == "---" {
            return (map, index + 2);
        }
        if let Some((key, value)) = line.split_once(':') {
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
            if !key.starts_with(' ') && !value.is_empty() {
                map.insert(key.trim().to_ascii_lowercase(), value.to_string());
            }
        }
    }
    (BTreeMap::new(), 0)
}

fn classify_lines(text: &str, skip: usize, out: &mut CleanText) -> Vec<Line> {
    let order = slash_order(text);
    let mut lines = Vec::new();
    let mut expecting_canonical = false;
    let mut expecting_related = false;
    for (index, raw) in text.split('\n').enumerate() {
        let raw = raw.trim_end_matches('\r');
        let number = index as u32 + 1;
        if index < skip {
            lines.push(Line { number, raw: raw.to_string(), text: String::new(), kind: Kind::Blank });
            continue;
        }
        // Soft hyphens and zero-width marks split words a reader sees whole: read without
        // them, as the HTML reader does; the raw line keeps them.
        let visible = crate::text::without_layout_marks(raw);
        let (plain, urls) = strip_inline_markdown(&visible, &mut out.stats);
        let mut kind = classify(&visible, &plain, order);
        match &kind {
            Kind::UrlLabel => {
                let same_line = urls.first().cloned();
                if let Some(url) = same_line {
                    set_canonical(out, url, "original-url label");
                } else {
                    expecting_canonical = true;
                }
            }
            Kind::Urls if expecting_canonical => {
                if let Some(url) = urls.first() {
                    set_canonical(out, url.clone(), "original-url label");
                }
                expecting_canonical = false;
            }
            Kind::Related(None) => expecting_related = true,
            Kind::Related(Some(title)) => out.related.push(title.clone()),
            Kind::PrintFooter(url) => set_canonical(out, url.clone(), "print footer"),
            Kind::Text if expecting_related => {
                out.related.push(plain.clone());
                kind = Kind::Related(Some(plain.clone()));
                expecting_related = false;
            }
            Kind::Blank => {}
            _ => {
                expecting_canonical = false;
                expecting_related = false;
            }
        }
        for url in urls {
            push_unique(&mut out.links, url);
        }
        lines.push(Line { number, raw: raw.to_string(), text: plain, kind });
    }
    lines
}

/// How the capture writes `02/10/2020`: as its unambiguous slashed dates show, else as
/// its language does (asked only when such a date is there to read).
fn slash_order(text: &str) -> SlashOrder {
    match dates::slash_evidence(text) {
        SlashEvidence::Moot => SlashOrder::MonthFirst,
        SlashEvidence::Shown(order) => order,
        SlashEvidence::Unsaid => SlashOrder::of_language(language::detect(text)),
    }
}

fn set_canonical(out: &mut CleanText, url: String, how: &'static str) {
    if out.canonical_url.is_none() {
        out.canonical_url = Some(Found { value: url, how });
    }
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn clean_url(url: &str) -> Option<String> {
    let url = url.trim().trim_end_matches(TRAILING_URL_PUNCT);
    let url = if url.starts_with("www.") { format!("https://{url}") } else { url.to_string() };
    (url.contains("://") && url.len() > 10).then_some(url)
}

/// Removes markdown syntax from one line, keeping anchor text, and returns the URLs it cited.
fn strip_inline_markdown(raw: &str, stats: &mut LayoutStats) -> (String, Vec<String>) {
    let mut urls = Vec::new();
    let mut signals = 0;
    let mut line = raw.replace('\u{00A0}', " ");
    if MD_IMAGE.is_match(&line) {
        signals += 1;
        line = MD_IMAGE.replace_all(&line, "").into_owned();
    }
    if MD_LINK.is_match(&line) {
        signals += 1;
        for c in MD_LINK.captures_iter(&line) {
            if let Some(url) = clean_url(&c[2]) {
                urls.push(url);
            }
        }
        line = MD_LINK.replace_all(&line, "$1").into_owned();
    }
    line = MD_REF_LINK.replace_all(&line, "$1").into_owned();
    if AUTOLINK.is_match(&line) {
        signals += 1;
        line = AUTOLINK.replace_all(&line, "$1").into_owned();
    }
    for m in BARE_URL.find_iter(&line) {
        if let Some(url) = clean_url(m.as_str()) {
            if !urls.contains(&url) {
                urls.push(url);
            }
        }
    }
    if BOLD.is_match(&line) {
        signals += 1;
        line = BOLD.replace_all(&line, "$1$2").into_owned();
    }
    if let Some(c) = heading(&line) {
        signals += 1;
        line = c[2].to_string();
    }
    line = ITALIC.replace_all(&line, "$1$2$3").into_owned();
    line = INLINE_CODE.replace_all(&line, "$1").into_owned();
    line = MD_ESCAPE.replace_all(&line, "$1").into_owned();
    line = LIST_OR_QUOTE.replace(&line, "").into_owned();
    stats.markdown_signals += signals;
    (collapse_whitespace(&line), urls)
}

/// A markdown heading's marks and text; the pattern is only tried on lines that start
/// like one (it runs twice on every line).
fn heading(line: &str) -> Option<regex::Captures<'_>> {
    line.starts_with('#').then(|| HEADING.captures(line)).flatten()
}

fn classify(raw: &str, plain: &str, order: SlashOrder) -> Kind {
    let trimmed = raw.trim();
    if trimmed.is_empty() || plain.is_empty() || RULE.is_match(trimmed) {
        return Kind::Blank;
    }
    if let Some(c) = heading(trimmed) {
        let text = collapse_whitespace(&c[2]);
        if !text.is_empty() {
            // "## Read also" heads a list of links, not a section of the article.
            if CHROME.is_match(&text) || RELATED.captures(&text).is_some_and(|r| r[1].trim().is_empty()) {
                return Kind::Chrome;
            }
            return Kind::Heading(c[1].len() as u8);
        }
    }
    if BOLD_CREDIT_AT_END.is_match(trimmed) {
        return Kind::Credit;
    }
    if let Some(c) = PRINT_FOOTER.captures(plain) {
        if let Some(url) = clean_url(&c[1]) {
            return Kind::PrintFooter(url);
        }
    }
    if PRINT_HEADER.is_match(plain) {
        return Kind::PageArtefact;
    }
    if plain.split_whitespace().all(|w| clean_url(w.trim_matches(|c| c == '<' || c == '>')).is_some()) {
        return Kind::Urls;
    }
    if let Some(c) = URL_LABEL.captures(plain) {
        let rest = c.get(1).or(c.get(2)).map_or("", |m| m.as_str()).trim();
        if rest.is_empty() || clean_url(rest).is_some() {
            return Kind::UrlLabel;
        }
    }
    if let Some(c) = RELATED.captures(plain) {
        let rest = c[1].trim();
        if rest.is_empty() {
            return Kind::Related(None);
        }
        if clean_url(rest).is_none() && word_count(rest) <= 30 {
            return Kind::Related(Some(rest.to_string()));
        }
    }
    // The tag ends in its date: most lines are not tried.
    let source_tag = plain
        .ends_with(|c: char| c.is_ascii_digit())
        .then(|| SOURCE_TAG.captures(plain))
        .flatten()
        .filter(|c| holds_chars(c.get(1), &SOURCE_NAME_CHARS));
    if let Some(c) = source_tag {
        let date = dates::find_dates(&c[2]).first().map(|f: &FoundDate| f.date);
        return Kind::SourceTag(c[1].trim().to_string(), date);
    }
    let words = word_count(plain);
    if words <= 60 && CREDIT.is_match(plain) {
        return Kind::Credit;
    }
    let slash_credit = || {
        SLASH_CREDIT
            .captures(plain)
            .is_some_and(|c| holds_chars(c.get(1), &SLASH_CREDIT_CHARS) && holds_chars(c.get(2), &SLASH_CREDIT_CHARS))
    };
    if words <= 8 && slash_credit() && !ends_sentence(plain) {
        return Kind::Credit;
    }
    if is_caps_label(plain) {
        return Kind::CapsLabel;
    }
    if words <= 15 && CHROME.is_match(plain) {
        return Kind::Chrome;
    }
    // A date line is short; scanning every body line for dates would be wasted work.
    if words > 12 {
        return Kind::Text;
    }
    if let Some(date) = dates::date_only_line_in(plain, order).or_else(|| dates::byline_date_in(plain, order)) {
        return Kind::DateLine(date);
    }
    if is_navigation(plain) {
        return Kind::Chrome;
    }
    Kind::Text
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
enum Script {
    Latin,
    Cyrillic,
    Greek,
    Arabic,
    Hebrew,
    Cjk,
    Other,
}

const SCRIPTS: usize = Script::Other as usize + 1;

fn script_of(c: char) -> Option<Script> {
    if !c.is_alphabetic() {
        return None;
    }
    Some(match c as u32 {
        0x0041..=0x024F | 0x1E00..=0x1EFF => Script::Latin,
        0x0400..=0x052F => Script::Cyrillic,
        0x0370..=0x03FF => Script::Greek,
        0x0600..=0x06FF => Script::Arabic,
        0x0590..=0x05FF => Script::Hebrew,
        0x3040..=0x30FF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF => Script::Cjk,
        _ => Script::Other,
    })
}

/// Letters of each script in `text`, indexed by [`Script`] (a plain array: this runs on
/// every character of every line).
fn script_counts(text: &str) -> [usize; SCRIPTS] {
    let mut counts = [0; SCRIPTS];
    for script in text.chars().filter_map(script_of) {
        counts[script as usize] += 1;
    }
    counts
}

/// Lines written in another script than the article (a Cyrillic widget title on an
/// English page) are page furniture.
fn mark_foreign_script(lines: &mut [Line]) {
    let counted: Vec<(usize, [usize; SCRIPTS])> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.kind == Kind::Text)
        .map(|(index, l)| (index, script_counts(&l.text)))
        .collect();
    let mut total = [0; SCRIPTS];
    for (_, counts) in &counted {
        total.iter_mut().zip(counts).for_each(|(sum, n)| *sum += n);
    }
    // Ties go to the script listed first.
    let Some(dominant) = (0..SCRIPTS).filter(|&s| total[s] > 0).max_by_key(|&s| (total[s], std::cmp::Reverse(s)))
    else {
        return;
    };
    for (index, counts) in counted {
        let letters: usize = counts.iter().sum();
        if letters >= 3 && counts[dominant] * 5 < letters {
            lines[index].kind = Kind::Foreign;
        }
    }
}

/// Short headline-like lines printed more than once (section labels, running
/// headers) are page furniture wherever they appear.
fn mark_repeated_labels(lines: &mut [Line]) {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for line in lines.iter().filter(|l| is_label_candidate(l)) {
        *counts.entry(line.text.to_lowercase()).or_insert(0) += 1;
    }
    for line in lines.iter_mut().filter(|l| is_label_candidate(l)) {
        if counts[&line.text.to_lowercase()] >= 2 {
            line.kind = Kind::SectionLabel;
        }
    }
}

fn is_label_candidate(line: &Line) -> bool {
    matches!(line.kind, Kind::Text | Kind::Heading(_)) && word_count(&line.text) <= 4 && !ends_sentence(&line.text)
}

/// A short line in capitals (`ABSTRACT.`, `FULL TEXT:`, `UPDATE`) labels a section of the page.
fn is_caps_label(text: &str) -> bool {
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 4
        && word_count(text) <= 3
        && letters.iter().all(|c| c.is_uppercase())
        && text.chars().all(|c| c.is_alphabetic() || c.is_whitespace() || ".:!-".contains(c))
}

fn ends_sentence(text: &str) -> bool {
    let t = text.trim_end_matches(['"', '\'', '’', '”', ')', '»', ' ']);
    t.ends_with(['.', '!', '?', '…', ';'])
}

fn ends_clause(text: &str) -> bool {
    ends_sentence(text) || text.trim_end().ends_with([':', '"', '”', '’'])
}

/// A capture is hard-wrapped (PDF text, e-mail) when most text lines that run
/// on into another line stop short of a sentence end at a similar width.
fn is_hard_wrapped(lines: &[Line]) -> bool {
    let mut lengths: Vec<usize> =
        lines.iter().filter(|l| l.kind == Kind::Text).map(|l| l.text.chars().count()).collect();
    if lengths.len() < 4 {
        return false;
    }
    lengths.sort_unstable();
    let width = lengths[lengths.len() * 9 / 10];
    if width > 160 {
        return false;
    }
    let mut continued = 0;
    let mut open = 0;
    for pair in lines.windows(2) {
        if pair[0].kind == Kind::Text && pair[1].kind == Kind::Text {
            continued += 1;
            let len = pair[0].text.chars().count();
            if !ends_clause(&pair[0].text) && len * 10 >= width * 6 {
                open += 1;
            }
        }
    }
    open >= 3 && open * 2 >= continued
}

fn wrap_width(lines: &[Line]) -> usize {
    let mut lengths: Vec<usize> =
        lines.iter().filter(|l| l.kind == Kind::Text).map(|l| l.text.chars().count()).collect();
    lengths.sort_unstable();
    lengths.get(lengths.len() * 9 / 10).copied().unwrap_or(80)
}

/// Lone page numbers only count as artefacts in paginated (wrapped) captures.
fn mark_page_artefacts(lines: &mut [Line], hard_wrapped: bool) -> usize {
    let mut count = lines.iter().filter(|l| matches!(l.kind, Kind::PageArtefact | Kind::PrintFooter(_))).count();
    count += lines.iter().filter(|l| l.raw.contains('\u{000C}')).count();
    if hard_wrapped {
        for line in lines.iter_mut().filter(|l| l.kind == Kind::Text && PAGE_ARTEFACT.is_match(&l.text)) {
            line.kind = Kind::PageArtefact;
            count += 1;
        }
    }
    count
}

/// A paragraph under assembly: its text and the indices of its first and last line.
#[derive(Debug, Clone)]
struct Draft {
    text: String,
    first: usize,
    last: usize,
    heading: Option<u8>,
}

fn assemble_paragraphs(lines: &[Line], hard_wrapped: bool) -> Vec<Draft> {
    let width = wrap_width(lines);
    let mut drafts: Vec<Draft> = Vec::new();
    let mut open: Option<Draft> = None;
    for (index, line) in lines.iter().enumerate() {
        match line.kind {
            Kind::Text => {
                let text = line.text.trim();
                open = Some(match open.take() {
                    Some(mut draft)
                        if continues(&draft.text, lines[draft.last].text.trim(), text, hard_wrapped, width) =>
                    {
                        join_wrapped(&mut draft.text, text);
                        draft.last = index;
                        draft
                    }
                    other => {
                        drafts.extend(other);
                        Draft { text: text.to_string(), first: index, last: index, heading: None }
                    }
                });
            }
            Kind::Heading(level) => {
                drafts.extend(open.take());
                drafts.push(Draft { text: line.text.clone(), first: index, last: index, heading: Some(level) });
            }
            _ => drafts.extend(open.take()),
        }
    }
    drafts.extend(open);
    drafts
}

/// Whether `next` continues the paragraph whose last line is `previous`.
fn continues(paragraph: &str, previous: &str, next: &str, hard_wrapped: bool, width: usize) -> bool {
    if ends_with_word_hyphen(paragraph) {
        return true;
    }
    let starts_lower = next.chars().next().is_some_and(|c| c.is_lowercase());
    if starts_lower && !ends_sentence(previous) {
        return true;
    }
    if !hard_wrapped {
        return false;
    }
    let len = previous.chars().count();
    if !ends_clause(previous) {
        return len * 10 >= width * 5 || starts_lower;
    }
    // A wrapped line that happens to end a sentence reaches close to the wrap width;
    // a paragraph's last line usually stops short of it.
    len * 100 >= width * 90
}

fn ends_with_word_hyphen(text: &str) -> bool {
    let mut rev = text.chars().rev();
    rev.next() == Some('-') && rev.next().is_some_and(|c| c.is_alphabetic())
}

/// Joins a wrapped line onto a paragraph, repairing a line-end hyphen only when the
/// joined word is a word and the hyphenated form is not (`infor-`+`mation`, but `state-`+`run`).
fn join_wrapped(paragraph: &mut String, next: &str) {
    if ends_with_word_hyphen(paragraph) {
        let left: String = paragraph[..paragraph.len() - 1]
            .chars()
            .rev()
            .take_while(|c| c.is_alphabetic())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let right: String = next.chars().take_while(|c| c.is_alphabetic()).collect();
        let joined = format!("{left}{right}").to_lowercase();
        let hyphenated = format!("{left}-{right}").to_lowercase();
        let right_is_lower = right.chars().next().is_some_and(|c| c.is_lowercase());
        if right_is_lower && is_word(&joined) && !is_hyphenated_word(&hyphenated) {
            paragraph.pop();
        }
        paragraph.push_str(next);
    } else {
        paragraph.push(' ');
        paragraph.push_str(next);
    }
}

/// A navigation bar captured as a line: "Home | Politics | World | Opinion | Video".
fn is_navigation(text: &str) -> bool {
    let items: Vec<&str> =
        text.split(['|', '·', '•', '»', '›', '/']).map(str::trim).filter(|item| !item.is_empty()).collect();
    items.len() >= 4
        && items.iter().all(|item| word_count(item) <= 3 && !item.ends_with(['.', '!', '?']))
        && !items.iter().any(|item| item.chars().all(|c| c.is_ascii_digit()))
}

fn is_title_like(text: &str) -> bool {
    let words = word_count(text);
    let chars = text.chars().count();
    let first_ok = text.chars().next().is_some_and(|c| c.is_uppercase() || c.is_numeric() || "\"'“‘«".contains(c));
    let sentence_marks = text.matches(['.', '!', '?']).count();
    (2..=30).contains(&words)
        && chars <= 200
        && first_ok
        && !text.trim_end().ends_with([',', ':'])
        && !text.contains("://")
        && sentence_marks <= 3
        && !DATELINE.is_match(text)
}

/// Title Case: most words of four letters or more start with a capital.
fn is_title_case(text: &str) -> bool {
    let long: Vec<&str> =
        text.split_whitespace().filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 4).collect();
    let capitalised =
        long.iter().filter(|w| w.chars().find(|c| c.is_alphabetic()).is_some_and(|c| c.is_uppercase())).count();
    !long.is_empty() && capitalised * 10 >= long.len() * 7
}

/// Lines that end a page's header block: labels and widgets of other content.
fn breaks_header(kind: &Kind) -> bool {
    matches!(kind, Kind::SectionLabel | Kind::Related(_) | Kind::RelatedHeadline | Kind::Chrome | Kind::Urls)
}

fn is_furniture(kind: &Kind) -> bool {
    !matches!(kind, Kind::Blank | Kind::Text | Kind::Heading(_))
}

/// Decides which paragraph is the headline, which are related headlines and
/// where the body begins, then collects the header's dates and source tags.
fn assign_roles(lines: &mut [Line], drafts: Vec<Draft>, origin: Origin, out: &mut CleanText) {
    let region = match origin {
        Origin::Capture => main_region(lines, &drafts),
        Origin::ReaderText => 0..drafts.len(),
    };
    let title_index = find_title(lines, &drafts, &region);
    let body_start = title_index.map_or(0, |t| t + 1);
    let mut body: Vec<&Draft> = Vec::new();
    for (index, draft) in drafts.iter().enumerate() {
        if Some(index) == title_index {
            continue;
        }
        if !region.contains(&index) {
            for line in &mut lines[draft.first..=draft.last] {
                line.kind = Kind::OutsideMainText;
            }
            continue;
        }
        if index >= body_start && is_related_headline(lines, draft) {
            out.related.push(draft.text.clone());
            for line in &mut lines[draft.first..=draft.last] {
                line.kind = Kind::RelatedHeadline;
            }
            continue;
        }
        body.push(draft);
    }
    if let Some(index) = title_index {
        let draft = &drafts[index];
        let how = if draft.heading.is_some() { "markdown heading" } else { "headline line" };
        out.title = Some(Found { value: draft.text.clone(), how });
    }
    collect_header(lines, &drafts, title_index, &region, out);
    out.dateline = body.iter().take(3).find_map(|d| dateline_of(&d.text));
    out.paragraphs = body
        .into_iter()
        .map(|d| Paragraph { text: d.text.clone(), first_line: lines[d.first].number, last_line: lines[d.last].number })
        .collect();
}

/// The run of paragraphs that holds the article, found as the run with the most
/// evidence of running prose: a whole page captured as text (navigation, teasers, footer
/// and all) has the article as its one long stretch of sentences, while menus, labels
/// and link lists are short lines that cost the run that takes them in. Each prose
/// paragraph adds its words; each short line, link-heavy paragraph or line of furniture
/// between paragraphs costs a little, so a subheading or a caption inside the article is
/// bridged while a page's header and footer are left out (the maximum-sum run, as the
/// body-text-extraction idea of Finn et al. does with tags and words).
fn main_region(lines: &[Line], drafts: &[Draft]) -> std::ops::Range<usize> {
    let mut best = (i64::MIN, 0..drafts.len());
    let mut running = 0i64;
    let mut start = 0;
    for (index, draft) in drafts.iter().enumerate() {
        let gap = index.checked_sub(1).map_or(&lines[..0], |p| &lines[drafts[p].last + 1..draft.first]);
        let furniture = gap.iter().filter(|l| is_furniture(&l.kind)).count().min(6) as i64;
        let weight = prose_weight(lines, draft) - furniture;
        if running <= 0 {
            running = 0;
            start = index;
        }
        running += weight;
        if running > best.0 {
            best = (running, start..index + 1);
        }
    }
    if best.0 <= 0 {
        return 0..drafts.len();
    }
    // A page's menu or footer is many short paragraphs; one or two paragraphs before or
    // after the run (a headline and a standfirst, a closing line) are the article's own.
    let (mut start, mut end) = (best.1.start, best.1.end);
    if start < PAGE_FURNITURE_PARAGRAPHS {
        start = 0;
    }
    if drafts.len() - end < PAGE_FURNITURE_PARAGRAPHS {
        end = drafts.len();
    }
    start..end
}

/// Whether the capture holds a page above its article: [`main_region`] starts the article
/// after page furniture, never after a clipping's own headline and standfirst.
fn is_whole_page(region: &std::ops::Range<usize>) -> bool {
    region.start > 0
}

/// How many paragraphs before or after the article's running text show that a capture
/// holds a whole page around it.
const PAGE_FURNITURE_PARAGRAPHS: usize = 3;

/// What a paragraph says for or against being part of the article's running text.
fn prose_weight(lines: &[Line], draft: &Draft) -> i64 {
    let words = word_count(&draft.text) as i64;
    if draft.heading.is_some() {
        return -2;
    }
    if mostly_links(&lines[draft.first..=draft.last]) {
        return -2 - words / 2;
    }
    if (words >= 10 && (has_sentence_mark(&draft.text) || ends_clause(&draft.text))) || ends_sentence(&draft.text) {
        words
    } else {
        -3 - words / 4
    }
}

/// Whether a text punctuates as prose does: a stop, a colon or a semicolon followed by a
/// space (a host name's dots are not), or a full-width stop.
fn has_sentence_mark(text: &str) -> bool {
    text.contains(['。', '！', '？'])
        || text.as_bytes().windows(2).any(|pair| b".!?;:".contains(&pair[0]) && pair[1] == b' ')
}

/// Whether most of the lines' characters are a markdown link's anchor text: a menu or
/// a list of teasers.
fn mostly_links(lines: &[Line]) -> bool {
    let (mut linked, mut total) = (0usize, 0usize);
    for line in lines {
        total += line.text.len();
        if line.raw.contains("](") {
            linked += MD_LINK.captures_iter(&line.raw).map(|c| c[1].trim().len()).sum::<usize>();
        }
    }
    linked * 2 > total
}

fn find_title(lines: &[Line], drafts: &[Draft], region: &std::ops::Range<usize>) -> Option<usize> {
    // A page captured whole: its article's running text starts further down, and what
    // stands above it (a logo's heading, a teaser's date, a menu) belongs to the page.
    if is_whole_page(region) {
        return headline_above(lines, drafts, region);
    }
    if let Some(index) = drafts.iter().position(|d| d.heading == Some(1)) {
        return Some(index);
    }
    // A headline sits right above the date line or the dateline-led first paragraph,
    // with only furniture (captions, credits, source tags) in between.
    let anchor_line = lines.iter().position(|l| matches!(l.kind, Kind::DateLine(_)));
    let anchor_draft = drafts.iter().position(|d| DATELINE.is_match(&d.text));
    let anchor = match (anchor_line, anchor_draft.map(|i| drafts[i].first)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let Some(anchor) = anchor {
        // Above the body there may be a headline, a deck and labels; the headline is
        // the topmost of the run of headline-like lines.
        let mut run: Vec<usize> = Vec::new();
        for i in (0..drafts.len()).filter(|&i| drafts[i].last < anchor).rev() {
            let draft = &drafts[i];
            let next_start = run.last().map_or(anchor, |&n| drafts[n].first);
            let separated = lines[draft.last + 1..next_start].iter().any(|l| breaks_header(&l.kind));
            if separated || draft.first != draft.last || !is_title_like(&draft.text) {
                break;
            }
            // A line right under a section label belongs to that label's widget.
            let previous_end = if i == 0 { 0 } else { drafts[i - 1].last + 1 };
            let under_label = lines[previous_end..draft.first].iter().any(|l| breaks_header(&l.kind));
            if under_label && !run.is_empty() {
                break;
            }
            run.push(i);
        }
        if let Some(&nearest) = run.first() {
            let topmost = run.iter().rev().find(|&&i| word_count(&drafts[i].text) >= 3);
            return Some(topmost.copied().unwrap_or(nearest));
        }
    }
    // Plain text: a short first line standing alone is the headline; run straight into
    // the next line, it must not read as a finished sentence ("Title;" then a deck is fine).
    let first = drafts.first()?;
    let stands_alone = lines.get(first.last + 1).is_none_or(|l| l.kind != Kind::Text);
    let single_line = first.first == first.last && drafts.len() > 1;
    let is_headline =
        first.heading.is_some() || (single_line && (stands_alone || !first.text.trim_end().ends_with(['.', '!', '?'])));
    (is_headline && is_title_like(&first.text)).then_some(0)
}

/// The headline of a page captured whole: the best of the title-like lines around the
/// start of the article's running text, by [`HEADLINE_WEIGHTS`] over their evidence.
/// Menus, labels, bylines and teasers stand there too, but far from the text, or with
/// words the article does not use, or in shapes a headline does not have.
fn headline_above(lines: &[Line], drafts: &[Draft], region: &std::ops::Range<usize>) -> Option<usize> {
    headline_candidates(lines, drafts, region)
        .into_iter()
        .map(|(index, features)| (features.iter().zip(HEADLINE_WEIGHTS).map(|(f, w)| f * w).sum::<f32>(), index))
        .fold(None, |best: Option<(f32, usize)>, (score, index)| match best {
            Some((b, _)) if b >= score => best,
            _ => Some((score, index)),
        })
        .map(|(_, index)| index)
}

/// How many pieces of evidence a headline candidate has, in [`headline_evidence`]'s order.
pub const HEADLINE_FEATURES: usize = 18;

/// Weights of the headline evidence: a softmax ranking fitted by `bench/captures.py --fit`
/// on the whole-page captures (markdown, scraped text and printout shapes of the 487
/// trafilatura evaluation pages) whose titles are known, 1,182 of them, the title among
/// the candidates in 855. Fitted on either half of the pages, the other half's headline is
/// found about as often (0.587 and 0.610 against 0.612 and 0.596 on the half fitted), so the
/// weights carry over rather than fit the pages. The largest: a level-one heading, the share
/// and number of the headline's words the article uses, a date line beside it; against it,
/// distance from the running text (more so inside it) and from the article's lead, standing
/// below the lead, one or two words only.
const HEADLINE_WEIGHTS: [f32; HEADLINE_FEATURES] = [
    0.69, -1.04, 0.20, 1.89, 1.94, -0.20, -0.89, -1.16, 2.06, 0.17, 0.03, 0.84, -0.26, 0.41, -0.24, -0.09, -1.01, -0.70,
];

/// The title-like lines (a headline may wrap: up to three) from a few paragraphs above
/// the article's running text to a few into it, and those above its lead, each with its
/// evidence.
fn headline_candidates(
    lines: &[Line],
    drafts: &[Draft],
    region: &std::ops::Range<usize>,
) -> Vec<(usize, [f32; HEADLINE_FEATURES])> {
    let mut body_words: HashMap<String, usize> = HashMap::new();
    for word in drafts[region.clone()].iter().flat_map(|d| content_words(&d.text)) {
        *body_words.entry(word).or_insert(0) += 1;
    }
    // The run can start well above the article (a cookie notice or a teaser reads as
    // prose), so the lines above its first paragraph of running prose are candidates too.
    let lead = lead_of(drafts, region);
    let around_start = region.start.saturating_sub(HEADLINE_REACH)..(region.start + HEADLINE_DEPTH).min(region.end);
    let above_lead = lead.saturating_sub(HEADLINE_REACH).max(around_start.end)..lead;
    let mut above_rank = 0.0;
    let mut found: Vec<(usize, [f32; HEADLINE_FEATURES])> = Vec::new();
    for index in above_lead.rev().chain(around_start.rev()) {
        let draft = &drafts[index];
        if draft.last - draft.first >= 3
            || !is_title_like(&draft.text)
            || draft.text.trim_end().ends_with('.')
            || reads_as_page_furniture(&draft.text)
        {
            continue;
        }
        let mut features = headline_evidence(lines, draft, &body_words, region.contains(&index));
        let offset = index as f32 - region.start as f32;
        features[0] = (-offset).max(0.0);
        features[1] = (offset + 1.0).max(0.0);
        if index < region.start {
            features[2] = above_rank;
            above_rank += 1.0;
        }
        features[16] = lead.saturating_sub(index) as f32;
        features[17] = f32::from(u8::from(index > lead));
        found.push((index, features));
    }
    found
}

/// A line no headline is written as: one that opens with its date (a post's date and
/// byline, "28. Januar 2015 karstenruppert Schreibe einen Kommentar"), or one that says a
/// word three times over (a share bar: "Partager sur Facebook Partager sur Twitter …").
fn reads_as_page_furniture(text: &str) -> bool {
    let opens_with_date =
        dates::find_dates(text).first().is_some_and(|found| text[..found.span.start].split_whitespace().count() <= 1);
    let words = content_words(text);
    let repeated = words.iter().any(|w| words.iter().filter(|other| *other == w).count() >= 3);
    opens_with_date || repeated
}

/// A candidate headline's evidence but for its position (the first three and the last two,
/// set by the caller):
/// 3 the share of its words the article uses, 4 how many (up to six, in sixths), 5 its
/// length in tens of words, 6 longer than 15 words, 7 two words or fewer, 8-10 a markdown
/// heading of level 1, 2, 3 or more, 11 a date line beside it, 12 a date in it, 13 it ends
/// in `?` or `!`, 14 Title Case, 15 all capitals (16 how many paragraphs above the lead and
/// 17 below it, set by the caller too).
fn headline_evidence(
    lines: &[Line],
    draft: &Draft,
    body_words: &HashMap<String, usize>,
    in_body: bool,
) -> [f32; HEADLINE_FEATURES] {
    let mut f = [0.0f32; HEADLINE_FEATURES];
    let words = content_words(&draft.text);
    let own = usize::from(in_body);
    let shared = words.iter().filter(|w| body_words.get(*w).is_some_and(|&n| n > own)).count();
    let word_total = word_count(&draft.text);
    f[3] = if words.is_empty() { 0.0 } else { shared as f32 / words.len() as f32 };
    f[4] = shared.min(6) as f32 / 6.0;
    f[5] = word_total as f32 / 10.0;
    f[6] = f32::from(u8::from(word_total > 15));
    f[7] = f32::from(u8::from(word_total <= 2));
    match draft.heading {
        Some(1) => f[8] = 1.0,
        Some(2) => f[9] = 1.0,
        Some(_) => f[10] = 1.0,
        None => {}
    }
    let beside = lines[draft.first.saturating_sub(3)..(draft.last + 4).min(lines.len())].iter();
    f[11] = f32::from(u8::from(beside.clone().any(|l| matches!(l.kind, Kind::DateLine(_)))));
    f[12] = f32::from(u8::from(!dates::find_dates(&draft.text).is_empty()));
    f[13] = f32::from(u8::from(draft.text.trim_end().ends_with(['?', '!'])));
    f[14] = f32::from(u8::from(is_title_case(&draft.text)));
    f[15] =
        f32::from(u8::from(draft.text.chars().any(char::is_alphabetic) && !draft.text.chars().any(char::is_lowercase)));
    f
}

/// Words of four letters or more, in lower case: the words a headline and its article share.
fn content_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 4).map(str::to_lowercase).collect()
}

/// The article's first paragraph of running prose (its lead), else the run's first.
fn lead_of(drafts: &[Draft], region: &std::ops::Range<usize>) -> usize {
    (region.start..region.end).find(|&i| is_lead(&drafts[i])).unwrap_or(region.start)
}

/// A paragraph of running prose long enough to be an article's lead rather than a deck.
fn is_lead(draft: &Draft) -> bool {
    let text = &draft.text;
    draft.heading.is_none() && word_count(text) >= LEAD_WORDS && (has_sentence_mark(text) || ends_sentence(text))
}

/// How far into the article's running text the headline may stand: the run can start
/// at a cookie notice or a deck that reads as prose, above the headline (fitted with 4 and
/// 8: 8 finds the headline among the candidates a little more often).
const HEADLINE_DEPTH: usize = 8;

/// How many paragraphs above the article's running text the headline may stand
/// (a deck, a byline, a date and a share bar between them).
const HEADLINE_REACH: usize = 12;

/// A Title Case line with no sentence end, set among captions, labels and source
/// tags after the headline, is another article's headline in a widget.
fn is_related_headline(lines: &[Line], draft: &Draft) -> bool {
    if draft.heading.is_some()
        || draft.first != draft.last
        || !is_title_like(&draft.text)
        || ends_sentence(&draft.text)
        || !is_title_case(&draft.text)
    {
        return false;
    }
    let neighbour_is_widget = |line: Option<&Line>| {
        line.is_some_and(|l| {
            matches!(
                l.kind,
                Kind::Credit | Kind::SourceTag(..) | Kind::SectionLabel | Kind::Related(_) | Kind::RelatedHeadline
            )
        })
    };
    let previous = lines[..draft.first].iter().rev().find(|l| l.kind != Kind::Blank);
    let next = lines[draft.last + 1..].iter().find(|l| l.kind != Kind::Blank);
    neighbour_is_widget(previous) || neighbour_is_widget(next)
}

/// Dates and source tags printed around the headline: above it, or between it and
/// the first body paragraph, with only furniture in between.
fn collect_header(
    lines: &[Line],
    drafts: &[Draft],
    title_index: Option<usize>,
    region: &std::ops::Range<usize>,
    out: &mut CleanText,
) {
    let start = title_index.map_or(0, |t| drafts[t].last + 1);
    let below_title = || drafts[region.clone()].iter().filter(move |d| d.first >= start);
    // Lines left out of the article's running text (a byline, a share bar) are furniture here.
    let end = below_title().next().map_or(lines.len(), |d| d.first);
    // A date line may stand under a standfirst or a deck too: dates are read on to the
    // article's first paragraph of running prose (or its dateline), past a few short ones
    // at most; a source tag there is a caption's.
    let dates_end = below_title()
        .enumerate()
        .find(|(nth, d)| *nth == HEADER_SHORT_PARAGRAPHS || is_lead(d) || DATELINE.is_match(&d.text))
        .map_or(lines.len(), |(_, d)| d.first);
    let above_title = title_index.map_or(&lines[..0], |t| {
        let top = drafts[t].first;
        let from =
            lines[..top].iter().rposition(|l| !(l.kind == Kind::Blank || is_furniture(&l.kind))).map_or(0, |i| i + 1);
        &lines[from..top]
    });
    for line in above_title.iter().chain(&lines[start..end]) {
        match &line.kind {
            Kind::DateLine(date) => out.header_dates.push(*date),
            Kind::SourceTag(outlet, date) => {
                out.header_source_tags.push(SourceTag { line: line.number, outlet: outlet.clone(), date: *date })
            }
            _ => {}
        }
    }
    for line in lines.get(end..dates_end).unwrap_or_default() {
        if let Kind::DateLine(date) = line.kind {
            out.header_dates.push(date);
        }
    }
    // A headline taken from the wrong line leaves the date unread; the date line nearest
    // above the article's lead, among the few paragraphs that stand there, is the header's.
    if out.header_dates.is_empty() && !drafts.is_empty() {
        let lead = lead_of(drafts, region);
        let top = drafts[lead.saturating_sub(HEADER_SHORT_PARAGRAPHS + 1)].first;
        let nearest = lines[top..drafts[lead].first].iter().rev().find_map(|l| match l.kind {
            Kind::DateLine(date) => Some(date),
            _ => None,
        });
        out.header_dates.extend(nearest);
    }
}

/// How many short paragraphs (a standfirst, a deck, a caption) may stand between a
/// headline and its date line.
const HEADER_SHORT_PARAGRAPHS: usize = 3;

/// The fewest words of an article's first paragraph of running prose, which ends its header.
const LEAD_WORDS: usize = 30;

fn dateline_of(paragraph: &str) -> Option<Dateline> {
    let c = DATELINE.captures(paragraph)?;
    let city = c[1].trim().to_string();
    if city.chars().filter(|c| c.is_alphabetic()).count() < 3 {
        return None;
    }
    Some(Dateline { city, agency: c.get(2).map(|m| m.as_str().trim().to_string()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(clean: &CleanText) -> String {
        clean.paragraphs.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join("\n\n")
    }

    #[test]
    fn a_date_line_under_the_standfirst_is_the_headers() {
        let text = "Senate passes the budget after a long night\n\nThe vote ended a standoff of three weeks.\n\nBy Staff · October 31, 2016\n\nThe Senate passed the budget early on Tuesday, after a night of debate that ran past three in the morning and ended with a narrow vote of the chamber.\n\nMore text of the article follows here with another sentence.";
        let cleaned = clean(text, Origin::Capture);
        assert_eq!(cleaned.header_dates, [NaiveDate::from_ymd_opt(2016, 10, 31).unwrap()]);
    }

    #[test]
    fn a_whole_page_dates_its_article_by_the_line_above_the_lead() {
        // Read day first, as Portuguese is.
        let text = "Início\n\nPolítica\n\nEconomia\n\nMundo\n\nEsportes\n\nSenado aprova o orçamento depois de uma longa noite\n\npostado em 04/05/2022 05:49\n\nO Senado aprovou o orçamento na madrugada de terça-feira, depois de um debate que passou das três da manhã e terminou com uma votação apertada no plenário da casa.\n\nO texto segue com mais uma frase sobre a votação e o que vem depois dela no Congresso.\n\nSobre nós\n\nContato\n\nPrivacidade\n\nTermos de uso\n";
        assert_eq!(clean(text, Origin::Capture).header_dates, [NaiveDate::from_ymd_opt(2022, 5, 4).unwrap()]);
        // A headline taken from a line in the run, far above the date (here a note that
        // reads as prose, with four short lines under it), leaves the date line unread
        // from the headline; it is still the one right above the article's lead.
        let text = "Home\n\nWorld\n\nBusiness\n\nSport\n\nWe use cookies on this site so that it works as it should and so that we can measure how it is read.\n\nPolitics\n\nCongress\n\nBudget\n\nSenate passes the budget after a long night\n\nMarch 3, 2021\n\nThe Senate passed the budget early on Tuesday, after a night of debate that ran past three in the morning and ended with a narrow vote of the whole chamber.\n\nMore text of the article follows here with another sentence about the vote.\n\nAbout us\n\nContact\n\nPrivacy\n\nTerms\n";
        let mut out = CleanText::default();
        let (lines, drafts) = read_paragraphs(text, &mut out);
        let region = main_region(&lines, &drafts);
        let note = drafts.iter().position(|d| d.text.starts_with("We use cookies")).unwrap();
        assert!(region.contains(&note), "{region:?}");
        collect_header(&lines, &drafts, Some(note), &region, &mut out);
        assert_eq!(out.header_dates, [NaiveDate::from_ymd_opt(2021, 3, 3).unwrap()]);
    }

    #[test]
    fn the_headline_is_sought_above_the_lead_when_the_run_starts_far_above_it() {
        let note = "We use cookies on this site so that it works as it should, so that we can measure how it is read, and so that we can show ads";
        let shorts: String = (1..=9).map(|n| format!("Section number {n}\n\n")).collect();
        let text = format!("Home\n\nWorld\n\nBusiness\n\nSport\n\n{note}.\n\n{note}.\n\n{shorts}Senate passes the budget after a long night\n\nThe Senate passed the budget early on Tuesday, after a night of debate that ran past three in the morning and ended with a narrow vote of the whole chamber, and the budget goes to the president now.\n\nMore text of the article follows here with another sentence about the vote.\n\nAbout us\n\nContact\n\nPrivacy\n\nTerms\n");
        let candidates = headline_candidates_of(&text);
        assert!(candidates.iter().any(|c| c.text == "Senate passes the budget after a long night"), "{candidates:?}");
    }

    #[test]
    fn a_scraped_capture_loses_its_navigation_and_keeps_its_byline_date() {
        let text = "Home | Politics | World | Opinion | Video | Subscribe\nSubscribe Log in\n\nSenate passes the budget after a long night\n\nBy Staff · October 31, 2016\n\nShare on Facebook\n\nThe Senate passed the budget early on Tuesday, after a night of debate that ran past three in the morning and ended with a narrow vote.\n\nPhoto: Staff/Agency\n\nMore text of the article follows here with another sentence.";
        let cleaned = clean(text, Origin::Capture);
        assert_eq!(
            cleaned.title.as_ref().map(|t| t.value.as_str()),
            Some("Senate passes the budget after a long night")
        );
        assert_eq!(cleaned.header_dates, [chrono::NaiveDate::from_ymd_opt(2016, 10, 31).unwrap()]);
        let body = body(&cleaned);
        for furniture in ["Politics", "Log in", "Share on", "Photo:"] {
            assert!(!body.contains(furniture), "{furniture} kept: {body}");
        }
        assert!(body.contains("The Senate passed the budget"));
    }

    #[test]
    fn unwraps_hard_wrapped_text_and_keeps_real_hyphens() {
        let text = "The minister said the state-\nrun agency had received a formal\nnotification of the informa-\ntion about the plans on Friday and the\ncommittee would meet again next week to\ndiscuss the de-\nescalation plan in full.\n\nA second paragraph starts here and goes\non for a while before it ends at last.\n";
        let clean = clean(text, Origin::Capture);
        assert!(clean.stats.hard_wrapped);
        assert_eq!(clean.paragraphs.len(), 2, "{:?}", clean.paragraphs);
        let b = body(&clean);
        assert!(b.contains("state-run agency"), "{b}");
        assert!(b.contains("the information about"), "{b}");
        assert!(b.contains("de-escalation"), "{b}");
        assert_eq!((clean.paragraphs[0].first_line, clean.paragraphs[0].last_line), (1, 7));
    }

    #[test]
    fn soft_hyphens_and_zero_width_marks_leave_the_text() {
        let text =
            "Die Stadt hat die Ver\u{ad}kehrs\u{ad}planung am Montag vor\u{200b}gestellt und will sie bald umsetzen.";
        let clean = clean(text, Origin::Capture);
        assert_eq!(body(&clean), "Die Stadt hat die Verkehrsplanung am Montag vorgestellt und will sie bald umsetzen.");
    }

    #[test]
    fn keeps_one_paragraph_per_line_text_apart() {
        let text = "First paragraph is a full sentence that ends here.\nSecond paragraph, also complete.\nThird one.\nFourth and last.";
        let clean = clean(text, Origin::Capture);
        assert!(!clean.stats.hard_wrapped);
        assert_eq!(clean.paragraphs.len(), 4);
    }

    #[test]
    fn pulls_out_link_blocks_related_lines_and_original_url() {
        let text = "Some text that is the body of the article, long enough.\n\nRelated article: [Another Story Title Here](#)\n\nhttps://example.org/a\nhttps://example.org/b\n\nMore body text follows.\n\nOriginal url:\n\n<https://news.example.com/2020/01/02/story>";
        let clean = clean(text, Origin::Capture);
        assert_eq!(clean.related, ["Another Story Title Here"]);
        assert_eq!(
            clean.links,
            ["https://example.org/a", "https://example.org/b", "https://news.example.com/2020/01/02/story"]
        );
        assert_eq!(clean.canonical_url.as_ref().unwrap().value, "https://news.example.com/2020/01/02/story");
        let b = body(&clean);
        assert!(!b.contains("http") && !b.contains("Related") && !b.contains("Original"), "{b}");
    }

    #[test]
    fn strips_markdown_but_keeps_anchor_text() {
        let text =
            "# Big **News** Today\n\nA [senior](#) diplomat *said* on **Friday** that `x` happened. ![img](a.png)\n";
        let clean = clean(text, Origin::Capture);
        assert_eq!(clean.title.as_ref().unwrap().value, "Big News Today");
        assert_eq!(body(&clean), "A senior diplomat said on Friday that x happened.");
    }

    #[test]
    fn removes_credits_captions_chrome_and_foreign_furniture() {
        let text = "Headline of the Piece\n\nMarch 3, 2021\n\nThe ministry building in the capital. **Jane Doe / Agency**\n\n© Agency / John Roe\n\nThe body of the article says something meaningful here.\n\nA market in the city (L) and a crowd (R).\n\nShare this article\n\nTo participate in the discussion\nlog in or register\nЗаголовок открываемого материала\n";
        let clean = clean(text, Origin::Capture);
        assert_eq!(body(&clean), "The body of the article says something meaningful here.");
        assert_eq!(clean.title.as_ref().unwrap().value, "Headline of the Piece");
        assert_eq!(clean.header_dates, [NaiveDate::from_ymd_opt(2021, 3, 3).unwrap()]);
        let reasons: Vec<&str> = clean.removed.iter().map(|r| r.reason.as_str()).collect();
        assert!(reasons.contains(&"furniture in another script"), "{reasons:?}");
        assert!(reasons.contains(&"page chrome"), "{reasons:?}");
    }

    #[test]
    fn source_tags_and_slash_credits_name_at_most_a_few_dozen_letters() {
        let kind = |line: &str| classify(line, line, SlashOrder::MonthFirst);
        assert!(
            matches!(kind("A caption. - Daily Wire, 1920, 05.03.2020"), Kind::SourceTag(name, _) if name == "Daily Wire")
        );
        let long_name = format!("A caption. - D{}, 05.03.2020", "a".repeat(61));
        assert!(!matches!(kind(&long_name), Kind::SourceTag(..)));
        assert_eq!(kind("Jane Doe / Agency"), Kind::Credit);
        assert_eq!(kind(&format!("Jane {} / Agency", "d".repeat(35))), Kind::Credit);
        let long_side = format!("Jane {} / Agency", "d".repeat(36));
        assert_ne!(kind(&long_side), Kind::Credit);
    }

    #[test]
    fn finds_headline_above_dateline_and_related_headlines_in_widgets() {
        let text = "- Daily Wire, 1920, 01.02.2020\nWorld Affairs Desk\nA section description that runs as a full sentence about the topic.\n\nThe Real Headline of This Story\n\nA caption about a building. - Daily Wire, 1920, 05.03.2020\nLONDON (Daily Wire) - The body starts here with a full sentence.\nMore body.\nA photo. REUTERS/Some Person - Daily Wire, 1920, 04.03.2020\nWorld Affairs Desk\nAnother Story Everyone Reads Right Now\nThe body continues after the widget.\n";
        let clean = clean(text, Origin::Capture);
        assert_eq!(clean.title.as_ref().unwrap().value, "The Real Headline of This Story");
        assert_eq!(clean.related, ["Another Story Everyone Reads Right Now"]);
        assert_eq!(clean.header_source_tags.len(), 1);
        assert_eq!(clean.header_source_tags[0].date, NaiveDate::from_ymd_opt(2020, 3, 5));
        let dateline = clean.dateline.clone().unwrap();
        assert_eq!((dateline.city.as_str(), dateline.agency.as_deref()), ("LONDON", Some("Daily Wire")));
        let b = body(&clean);
        assert!(!b.contains("World Affairs Desk") && !b.contains("REUTERS"), "{b}");
        assert!(b.contains("section description"), "{b}");
    }

    #[test]
    fn reads_front_matter_and_print_footers() {
        let clean = clean(
            "---\ntitle: \"A Clipped Page\"\nsource: https://example.com/x\n---\n\nBody text here.\n",
            Origin::Capture,
        );
        assert_eq!(clean.front_matter.get("title").unwrap(), "A Clipped Page");
        assert_eq!(body(&clean), "Body text here.");
        let printed = clean_text_footer();
        assert_eq!(printed.canonical_url.unwrap().how, "print footer");
    }

    fn clean_text_footer() -> CleanText {
        clean("12/17/21, 10:32 AM Story title | Outlet\nBody line one is here and it is long enough to be text.\nhttps://news.example.com/2021/12/17/story 1/2\n", Origin::Capture)
    }

    /// A whole page's text as a browser copies it: menus, a teaser, the article, a footer.
    const WHOLE_PAGE: &str = "Skip to content\nHome\nPolitics\nWorld\nBusiness\nSign in\n\
        Markets rally after surprise rate cut\nLatest\nWeather\nPodcasts\n\
        City council approves new river bridge\nBy Jane Doe\nMarch 3, 2021\n\
        The city council approved the new river bridge on Tuesday after a long debate about its cost and its route.\n\
        Council members said the bridge would cut travel times for thousands of commuters who cross the river each day.\n\
        Construction of the bridge is expected to begin next spring, the council said.\n\
        Share this article\nFacebook\nTwitter\nMost read\nAbout us\nContact\nPrivacy\nTerms\n";

    #[test]
    fn a_whole_page_capture_keeps_its_article_and_finds_its_headline_by_evidence() {
        let clean = clean(WHOLE_PAGE, Origin::Capture);
        assert_eq!(clean.title.as_ref().map(|t| t.value.as_str()), Some("City council approves new river bridge"));
        assert_eq!(clean.paragraphs.len(), 3, "{:?}", clean.paragraphs);
        let b = body(&clean);
        assert!(b.starts_with("The city council approved") && b.ends_with("the council said."), "{b}");
        assert!(clean.removed.iter().any(|r| r.text == "Podcasts" && r.reason == "outside the main text"));
        assert_eq!(clean.header_dates, [NaiveDate::from_ymd_opt(2021, 3, 3).unwrap()]);
        let candidates = headline_candidates_of(WHOLE_PAGE);
        assert!(candidates.iter().any(|c| c.text == "Markets rally after surprise rate cut"));
    }

    #[test]
    fn a_clipping_with_a_short_head_and_tail_is_not_cut_as_a_page() {
        let text = "Five Things to Know Today\n\nCompiled by the news desk\n\n\
            The first thing to know is that the council approved the bridge on Tuesday after a long debate.\n\n\
            The second thing to know is that the weather will turn cold by the end of the week.\n\n\
            Edited by Jane Doe\n\nMore tomorrow";
        let clean = clean(text, Origin::Capture);
        assert!(clean.removed.iter().all(|r| r.reason != "outside the main text"), "{:?}", clean.removed);
        assert_eq!(clean.title.as_ref().map(|t| t.value.as_str()), Some("Five Things to Know Today"));
        assert!(body(&clean).ends_with("More tomorrow"), "{}", body(&clean));
    }

    #[test]
    fn a_dated_byline_or_a_share_bar_is_never_a_headline() {
        assert!(reads_as_page_furniture("28. January 2015 karstenruppert Write a comment"));
        assert!(reads_as_page_furniture("Saturday, 5 October 2013"));
        assert!(reads_as_page_furniture("Share on Facebook Share on Twitter Share by e-mail"));
        assert!(!reads_as_page_furniture("Markets rally after the surprise rate cut of 3 March 2021"));
        assert!(!reads_as_page_furniture("Drilling until it gets hot"));
    }

    #[test]
    fn a_blogs_post_navigation_and_comment_form_are_chrome_in_any_language() {
        let form = [
            "Next post",
            "Der nächste Beitrag",
            "Schreibe einen Kommentar",
            "Deine E-Mail-Adresse wird nicht veröffentlicht. Erforderliche Felder sind mit * markiert.",
            "Laisser un commentaire",
            "Ваш адрес email не будет опубликован.",
            "11 Kommentare",
            "This site uses Akismet to reduce spam.",
            "Notify me of follow-up comments by email.",
            "Proudly powered by WordPress",
            "Diesen Artikel teilen",
        ];
        let text =
            format!("The body of the post is one sentence that runs long enough to be prose.\n\n{}", form.join("\n\n"));
        let clean = clean(&text, Origin::Capture);
        let chrome: Vec<&str> =
            clean.removed.iter().filter(|r| r.reason == "page chrome").map(|r| r.text.as_str()).collect();
        assert_eq!(chrome, form);
    }

    #[test]
    fn text_a_page_reader_chose_is_kept_whole() {
        let clean = clean(WHOLE_PAGE, Origin::ReaderText);
        assert!(body(&clean).contains("Podcasts"));
        assert!(headline_candidates_of("A Title\n\nA short body paragraph that ends here.\n").is_empty());
    }

    #[test]
    fn short_first_line_is_a_title_long_one_is_not() {
        assert_eq!(
            clean("Saudi prince mocks Trump on Twitter.\n\nBody text.", Origin::Capture).title.unwrap().value,
            "Saudi prince mocks Trump on Twitter."
        );
        let long = "Security proposals submitted to the US and NATO by Russia this week represent a broad deal required to defuse escalating tensions between Moscow and the military bloc, one of the country's top diplomats explained on Friday.\nNext line.";
        assert!(clean(long, Origin::Capture).title.is_none());
    }
}
