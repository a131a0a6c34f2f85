//! Direct quotes and who said them.
//!
//! Quoted spans are found by their marks (straight, curly, guillemets, the
//! tokenised ``` `` ''```), then attributed from the words around them: a speech
//! verb with its subject next to the quote (`"…," X said`, `said X`, `X said: "…"`,
//! `X told journalists`, `Interfax quoted X as saying`, `according to X`), a
//! pronoun resolved to the last person named, or, for a quoted fragment inside a
//! sentence, the person or body the sentence is about.

use crate::findings::entities::{is_place_name, looks_like_actor};
use crate::findings::lexicon::{
    clean_name, is_body, is_known_organisation, is_real_name, may_be_called, opens_with_determiner, role_kinds,
    split_role, strip_possessive, title_before, Gender, DETERMINERS, HONORIFICS, NAME, ROLE_NOUNS, ROLE_WORDS,
    SPEECH_VERBS, SPEECH_VERB_LEAD,
};
use crate::findings::names::same_entity;
use crate::findings::sentences;
use crate::findings::speakers::{self, Candidate, Mention, MentionKind, Model, PreviousParagraph, QuoteSite};
use crate::text::paragraph_starts;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::sync::LazyLock;

/// A quote found in an article's clean text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    /// The quoted words, without the quote marks.
    pub text: String,
    /// Who said it, as the article names them (full name when the article gives one).
    pub speaker: Option<String>,
    /// The speaker's role when the article states it ("Deputy Foreign Minister").
    pub role: Option<String>,
    /// Quoted words or a short phrase inside a sentence, rather than a statement.
    pub fragment: bool,
    /// The agency or outlet the article cites for the quote ("Interfax", "RIA Novosti").
    pub cited_source: Option<String>,
    /// The article entity (its index in the article's entities) the speaker resolves to,
    /// filled in when the article's entities are known.
    #[serde(default)]
    pub speaker_entity: Option<usize>,
    /// The words the article names the speaker with ("the candidate", "he", "Mr. Rove"),
    /// where they are; `speaker` is who they resolve to.
    #[serde(default)]
    pub speaker_mention: Option<Mention>,
    /// How the mention was resolved to the speaker ("pronoun → previous speaker").
    #[serde(default)]
    pub speaker_via: Option<String>,
    /// Byte offsets of the quoted words in the clean text.
    pub start: usize,
    pub end: usize,
}

/// One character of a speaker phrase: anything but punctuation, except the full stop
/// of an honorific ("Sen. Bernie Sanders").
const PHRASE: &str = r"(?:(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Prof|St|[A-Z])\.\s|[^.,;:!?“”\u0022])";

static AFTER_QUOTE: LazyLock<Regex> = LazyLock::new(|| {
    // `"…," Grushko said` / `"…," said Grushko` / `"…," he told journalists` / `"…" ― Pamela Padilla`
    Regex::new(&format!(
        r"^[\s,]*(?:(?P<subject>{PHRASE}{{1,120}}?)\s+{SPEECH_VERB_LEAD}(?P<verb>{SPEECH_VERBS})(?-u:\b)|(?P<verb2>{SPEECH_VERBS})\s+(?P<object>{PHRASE}{{1,120}})|(?:[\u{{2015}}\u{{2014}}\u{{2013}}]|--?)\s*(?P<signed>[A-Z][\w.'\u{{2019}} -]{{1,60}}?)\.?\s*$)"
    ))
    .unwrap()
});
static BEFORE_QUOTE: LazyLock<Regex> = LazyLock::new(|| {
    // `Grushko said: "…"` / `Grushko said that "…"` / `according to Grushko, "…"`
    // The subject is bounded by punctuation, not by a count: a counted repetition
    // ({0,120}) in an unanchored pattern made the lazy DFA outgrow its cache in every
    // sentence, and the analysis stage ran a fifth slower (PolNeAR speakers unchanged
    // but one of 4,192 on train).
    Regex::new(&format!(
        r"(?:(?P<subject>[A-Z][^.;!?“”\u0022]*?)\s+{SPEECH_VERB_LEAD}(?P<verb>{SPEECH_VERBS})(?:\s+(?:that|reporters|journalists|the [a-z]+|[A-Z][a-z]+))?|[Aa]ccording to (?P<according>[^,.;:“”\u0022]{{2,80}})),?:?\s*$"
    ))
    .unwrap()
});
static QUOTED_AS_SAYING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?P<source>[A-Z][\w.' -]{1,40}?)\s+(?:quoted|cited)\s+(?P<speaker>.{2,120}?)\s+as\s+(?:saying|telling)",
    )
    .unwrap()
});
static TOLD_AGENCY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:told|in (?:comments|an interview|remarks) to|speaking to)\s+(?:the\s+)?(?:state-run\s+|state-owned\s+|state\s+|private\s+)?(?P<agency>(?:[A-Z][\w.-]*\s?){1,4}?)(?:\s+news agency|\s+agency|\s+newspaper|\s+television|\s+TV|[,.]|$)").unwrap()
});
static BEFORE_ANYWHERE: LazyLock<Regex> = LazyLock::new(|| {
    // `Ryabkov said the West's response was "…"`: the last speech verb before the quote
    // (its subject bounded by punctuation only, as in `BEFORE_QUOTE`).
    Regex::new(&format!(
        r"(?P<subject>(?:[Tt]he |[A-Z])[^.;!?“”\u0022]*?)\s+{SPEECH_VERB_LEAD}(?:{SPEECH_VERBS})(?-u:\b)"
    ))
    .unwrap()
});
static AFTER_ANYWHERE: LazyLock<Regex> = LazyLock::new(|| {
    // `… "…" military buildup …, the statement said.`
    Regex::new(&format!(
        r"(?P<subject>(?:[Tt]he [a-z]+(?: [a-z]+)?|[A-Z][\w’'.-]*(?: [A-Z][\w’'.-]*)*))\s+(?:{SPEECH_VERBS})(?-u:\b)"
    ))
    .unwrap()
});

/// Whether `text` (what follows a closing quote mark) begins with who said it: a name
/// or "the" and a noun, then a speech verb ("Trump said", "The senator told").
fn attribution_opens(text: &str) -> bool {
    let start = text.len() - text.trim_start().len();
    // Who said it is a few words: no need to read the rest of the paragraph.
    let mut window = (start + 100).min(text.len());
    while !text.is_char_boundary(window) {
        window -= 1;
    }
    AFTER_ANYWHERE.find(&text[..window]).is_some_and(|found| found.start() == start)
}

/// The last match of `pattern` in `text` with its groups. Groups cost a slower engine,
/// so the matches are found without them and only the last is captured.
fn last_captures<'t>(pattern: &Regex, text: &'t str) -> Option<regex::Captures<'t>> {
    let last = pattern.find_iter(text).last()?;
    pattern.captures_at(text, last.start())
}

static PARENTHESES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s*\([^)]*\)").unwrap());

pub(crate) const PRONOUNS: [&str; 12] =
    ["he", "she", "they", "He", "She", "They", "him", "her", "them", "Him", "Her", "Them"];

/// The closing mark of the styles that close only with their own (straight and curly
/// double quotes close each other: see `closing_at`).
fn closing_mark(open: &str) -> Option<&'static str> {
    match open {
        "\u{00AB}" => Some("\u{00BB}"),
        "``" => Some("''"),
        "\u{201E}" => Some("\u{201C}"),
        _ => None,
    }
}

/// The most quotes read from one paragraph: real paragraphs hold a handful; a line
/// of thousands of quote marks is noise, and each quote costs a look at its sentence.
const MAX_QUOTES_PER_PARAGRAPH: usize = 64;
/// How far around a quote its sentence is looked for, in bytes: a "sentence" longer
/// than this is not one, and the bound keeps a paragraph with many quotes linear.
const SENTENCE_WINDOW: usize = 1_500;

const OPENING_MARKS: [&str; 5] = ["\u{201C}", "\"", "\u{00AB}", "``", "\u{201E}"];

/// The opening mark at the start of `rest`, if any.
fn opening_mark_at(rest: &str) -> Option<&'static str> {
    OPENING_MARKS.iter().find(|m| rest.starts_with(**m)).copied()
}

/// Where the quote that `open` opened closes in `rest` (the text after the mark): the
/// closing mark's offset and length. Pasted and scraped text mixes straight and curly
/// marks (`"more hours” before…`, `“Immunity deals…," Chaffetz said`), and reading only
/// the opening's own style ran such a quote on to the paragraph's end or into the next
/// quote. So a straight opening also closes at a curly closing mark that no curly
/// opening inside it claims, and a curly opening at a straight mark shaped as a closing
/// one (after a word or punctuation, before a space or the end) that does not close a
/// straight quote opened inside it.
fn closing_at(rest: &str, open: &str) -> Option<(usize, usize)> {
    const CURLY_OPEN: char = '\u{201C}';
    const CURLY_CLOSE: char = '\u{201D}';
    match open {
        "\"" => {
            let mut inner = 0usize;
            for (at, c) in rest.char_indices() {
                match c {
                    '"' => return Some((at, 1)),
                    CURLY_OPEN => inner += 1,
                    CURLY_CLOSE if inner > 0 => inner -= 1,
                    CURLY_CLOSE => return Some((at, CURLY_CLOSE.len_utf8())),
                    _ => {}
                }
            }
            None
        }
        "\u{201C}" => {
            let mut inner_open = false;
            for (at, c) in rest.char_indices() {
                match c {
                    CURLY_CLOSE => return Some((at, CURLY_CLOSE.len_utf8())),
                    '"' if !shaped_as_closing(rest, at) => inner_open = true,
                    '"' if inner_open => inner_open = false,
                    '"' => return Some((at, 1)),
                    _ => {}
                }
            }
            None
        }
        _ => {
            let close = closing_mark(open)?;
            rest.find(close).map(|at| (at, close.len()))
        }
    }
}

/// Whether the straight mark at `at` of `text` closes a quote by its shape: it follows
/// a word or punctuation and is followed by a space, punctuation or nothing.
fn shaped_as_closing(text: &str, at: usize) -> bool {
    let before = text[..at].chars().next_back();
    let after = text[at + 1..].chars().next();
    before.is_some_and(|c| !c.is_whitespace())
        && after.is_none_or(|c| c.is_whitespace() || matches!(c, ',' | '.' | ';' | ':' | '!' | '?' | ')' | '—' | '–'))
}

/// Quoted spans of a paragraph: (start of opening mark, end of closing mark, text start, text end).
/// One pass over the paragraph: each byte is looked at once for an opening mark and
/// once for a closing one.
fn quoted_spans(paragraph: &str) -> Vec<(usize, usize, usize, usize)> {
    let mut spans = Vec::new();
    let mut at = 0;
    while at < paragraph.len() && spans.len() < MAX_QUOTES_PER_PARAGRAPH {
        let Some((offset, open)) = paragraph[at..]
            .char_indices()
            .find_map(|(i, c)| matches!(c, '\u{201C}' | '"' | '\u{00AB}' | '`' | '\u{201E}').then_some(i))
            .and_then(|i| opening_mark_at(&paragraph[at + i..]).map(|m| (i, m)).or(Some((i, ""))))
        else {
            break;
        };
        if open.is_empty() {
            // A lone backtick: not a mark.
            at += offset + 1;
            continue;
        }
        let open_start = at + offset;
        let text_start = open_start + open.len();
        match closing_at(&paragraph[text_start..], open) {
            Some((length, close_len)) => {
                let text_end = text_start + length;
                // `name="value"`: markup left in a text capture (an embedded tweet's
                // attributes), not words anybody said.
                if !paragraph[..open_start].ends_with('=') {
                    spans.push((open_start, text_end + close_len, text_start, text_end));
                }
                at = text_end + close_len;
            }
            None => {
                // An opening mark left open runs to the end of the paragraph (the
                // news convention for a quote continued in the next paragraph).
                if paragraph[text_start..].split_whitespace().nth(3).is_some() {
                    spans.push((open_start, paragraph.len(), text_start, paragraph.len()));
                }
                break;
            }
        }
    }
    spans
}

/// The sentence around `[from, to)` of `paragraph`, looked for within a bounded window.
fn sentence_bounds(paragraph: &str, at: usize) -> std::ops::Range<usize> {
    let mut start = at.saturating_sub(SENTENCE_WINDOW);
    while !paragraph.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + SENTENCE_WINDOW).min(paragraph.len());
    while !paragraph.is_char_boundary(end) {
        end += 1;
    }
    let found = sentences::bounds(&paragraph[start..end], at - start);
    (found.start + start)..(found.end + start)
}

/// The names in a speaker phrase. "Clinton spoke in Tulsa, Oklahoma, arguing": a
/// place is the speaker only when nothing else is named.
fn speaker_names(phrase: &str) -> Vec<regex::Match<'_>> {
    let mut names: Vec<regex::Match<'_>> = NAME.find_iter(phrase).filter(|m| is_real_name(m.as_str())).collect();
    // Likewise an outlet ("told CBS's Face the Nation") when someone else is named.
    for set_aside in [is_place_name, is_known_organisation] {
        if names.iter().any(|m| !set_aside(strip_possessive(m.as_str()))) {
            names.retain(|m| !set_aside(strip_possessive(m.as_str())));
        }
    }
    names
}

/// The best name in a subject phrase: the last capitalised name that is not a
/// possessor ("Putin's aide Yury Ushakov" is Ushakov), else the phrase itself when
/// it is short ("the statement", "officials").
fn speaker_from_phrase(phrase: &str) -> Option<(String, Option<String>)> {
    let phrase = phrase.trim().trim_matches(|c: char| c == ',' || c.is_whitespace());
    if phrase.is_empty() {
        return None;
    }
    let names = speaker_names(phrase);
    let chosen = names.iter().rev().find(|m| strip_possessive(m.as_str()) == m.as_str()).or(names.last());
    if let Some(found) = chosen {
        let name = strip_possessive(found.as_str());
        let (person, role) = if is_body(name) { (name.to_string(), None) } else { split_role(name) };
        let role = role.or_else(|| {
            let before = phrase[..found.start()].trim();
            (!before.is_empty() && before.split_whitespace().count() <= 6)
                .then(|| before.trim_start_matches("the ").to_string())
        });
        return Some((person, role.filter(|r| !r.is_empty())));
    }
    (phrase.split_whitespace().count() <= 4).then(|| (phrase.to_string(), None))
}

fn is_pronoun(speaker: &str) -> bool {
    PRONOUNS.contains(&speaker)
}

/// The gender a personal pronoun refers with, if it has one.
fn pronoun_gender(pronoun: &str) -> Option<Gender> {
    match pronoun.to_lowercase().as_str() {
        "he" | "him" | "his" => Some(Gender::Male),
        "she" | "her" | "hers" => Some(Gender::Female),
        _ => None,
    }
}

/// How many of the latest speakers, and of the latest people named, a pronoun may stand
/// for: an antecedent is recent, and each person named costs a pass over all of them
/// (their full form), which a page of thousands of names would pay for every pronoun.
const PRONOUN_REACH: usize = 40;

/// Who an article has named so far, and who has spoken, to resolve surnames,
/// pronouns and role references.
struct People {
    named: Vec<String>,
    /// Organisations named so far.
    bodies: Vec<String>,
    /// How many of `bodies` were named before the paragraph being read.
    bodies_before: usize,
    /// People with the role the article gave them.
    roles: Vec<(String, String)>,
    /// Speakers of earlier quotes, latest last.
    speakers: Vec<String>,
}

/// Whether a mention names a document ("the statement", "a Homeland Security memo"),
/// not a name that ends so ("Drudge Report").
fn is_document(mention: &str) -> bool {
    const DOCUMENTS: [&str; 7] = ["statement", "communique", "report", "document", "letter", "memo", "release"];
    let lower = mention.to_lowercase();
    let described = mention.starts_with(char::is_lowercase) || opens_with_determiner(mention);
    described && DOCUMENTS.iter().any(|d| lower.ends_with(d))
}

impl People {
    fn remember(&mut self, name: &str) {
        let name = strip_possessive(name);
        if name.chars().next().is_some_and(char::is_uppercase) && !is_pronoun(name) {
            self.named.push(name.to_string());
        }
    }

    fn learn(&mut self, paragraph: &str) {
        self.bodies_before = self.bodies.len();
        for found in NAME.find_iter(paragraph) {
            let name = clean_name(strip_possessive(found.as_str()));
            if name.is_empty() {
                continue;
            }
            let (person, role) = split_role(name);
            if is_body(name) {
                self.bodies.push(name.to_string());
            } else if person.split_whitespace().count() >= 2 {
                self.remember(&person);
                let before = &paragraph[..found.start()];
                let context = title_before(before).to_string();
                let role = role.map(|r| format!("{context} {r}")).unwrap_or(context);
                if !role.trim().is_empty() {
                    self.roles.push((person, role.trim().to_lowercase()));
                }
            }
        }
    }

    /// A role reference without a name ("the Russian diplomat", "Putin's aide"): the
    /// person named with a role of that kind ("Russian Deputy Foreign Minister Sergey
    /// Ryabkov", "Florida Sen. Marco Rubio"), the one sharing most of the phrase's other
    /// words ("Russian", "Florida") first, the latest on a tie.
    fn by_role(&self, phrase: &str) -> Option<String> {
        let lower = phrase.to_lowercase();
        let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
        let noun = ROLE_NOUNS.iter().find(|n| words.contains(n))?;
        let kinds = role_kinds(noun);
        let qualifiers: Vec<&str> =
            words.iter().copied().filter(|w| w != noun && w.len() > 2 && !DETERMINERS.contains(w)).collect();
        let best = self
            .roles
            .iter()
            .enumerate()
            .filter_map(|(at, (name, role))| {
                let role_words: Vec<&str> = role.split(|c: char| !c.is_alphanumeric()).collect();
                role_words.iter().any(|w| kinds.contains(w)).then(|| {
                    let shared = qualifiers.iter().filter(|q| role_words.contains(q)).count();
                    ((shared, at), name)
                })
            })
            .max_by_key(|(rank, _)| *rank);
        // A role with words of its own ("the California congressman") is only someone
        // the article titled with one of them. With no one so titled the description
        // stays as written: guessing whoever spoke last named the wrong person more often
        // than the right one on PolNeAR train.
        let best = best.filter(|((shared, _), _)| qualifiers.is_empty() || *shared > 0);
        best.map(|(_, name)| self.full_form(name))
    }

    fn resolve(&self, speaker: &str) -> Option<String> {
        if let Some(gender) = pronoun_gender(speaker) {
            return self.called(gender).map(|(person, _)| person);
        }
        if is_pronoun(speaker) {
            return self.speakers.last().cloned().or_else(|| self.named.last().map(|n| self.full_form(n)));
        }
        if is_document(speaker) {
            return Some(self.document_author(speaker).0);
        }
        Some(self.full_form(speaker))
    }

    /// Who speaks through a document: the body named in its own paragraph ("NATO’s
    /// response … the statement said"), else the document itself. A body named further
    /// back was as often the outlet that reported the document as its author on PolNeAR
    /// train.
    fn document_author(&self, document: &str) -> (String, &'static str) {
        match self.bodies[self.bodies_before..].last() {
            Some(body) => (body.clone(), "document → body named in its paragraph"),
            None => (document.to_lowercase(), "description"),
        }
    }

    /// Who a candidate mention names, and how that was worked out.
    fn resolve_mention(&self, words: &str, kind: MentionKind) -> speakers::Resolution {
        match kind {
            MentionKind::Name => {
                let full = self.full_form(words);
                let via = if full == words { "name" } else { "surname → full name" };
                (Some(full), via)
            }
            MentionKind::Body => (Some(words.to_string()), "body"),
            MentionKind::Pronoun => match words.to_lowercase().as_str() {
                "he" | "she" | "him" | "her" => {
                    let gender = pronoun_gender(words).expect("a gendered pronoun");
                    self.called(gender)
                        .map_or((None, "pronoun → previous speaker"), |(person, via)| (Some(person), via))
                }
                "i" | "you" => match self.speakers.last() {
                    Some(last) => (Some(last.clone()), "pronoun → previous speaker"),
                    None => (self.named.last().map(|n| self.full_form(n)), "pronoun → last person named"),
                },
                _ => match self.bodies.last() {
                    Some(body) => (Some(body.clone()), "pronoun → last body named"),
                    None => (self.speakers.last().cloned(), "pronoun → previous speaker"),
                },
            },
            MentionKind::Description => {
                if is_document(words) {
                    let (author, via) = self.document_author(words);
                    return (Some(author), via);
                }
                match self.by_role(words) {
                    Some(person) => (Some(person), "description → person by role"),
                    None => (Some(words.to_string()), "description"),
                }
            }
        }
    }

    /// Who "he" or "she" stands for: the latest speaker who may be called so, else the
    /// latest person named who may. A speaker of the other gender, an organisation or a
    /// document is passed over; when no one fits, the latest speaker or person named
    /// still is (the pronoun is the mention the article wrote, whoever it stands for).
    fn called(&self, gender: Gender) -> Option<(String, &'static str)> {
        let fits = |gender: Option<Gender>| {
            let mut speakers = self.speakers.iter().rev().take(PRONOUN_REACH);
            let speaker = speakers.find(|s| gender.is_none_or(|g| may_be_called(s, g)));
            speaker.map(|s| (s.clone(), "pronoun → previous speaker")).or_else(|| {
                let mut named = self.named.iter().rev().take(PRONOUN_REACH).map(|n| self.full_form(n));
                let named = named.find(|n| gender.is_none_or(|g| may_be_called(n, g)))?;
                Some((named, "pronoun → last person named"))
            })
        };
        fits(Some(gender)).or_else(|| fits(None))
    }

    /// "Grushko" → "Alexander Grushko" when the article named him in full.
    fn full_form(&self, name: &str) -> String {
        let words: Vec<&str> = name.split_whitespace().collect();
        let last = words.last().copied().unwrap_or(name);
        // A fuller form keeps every name the mention writes: "Jeb Bush" is not "George
        // W. Bush", whose surname it shares. Titles ("Sen.") may stand for other words.
        let given: Vec<&str> = words
            .iter()
            .rev()
            .skip(1)
            .copied()
            .filter(|w| !HONORIFICS.contains(w) && !ROLE_WORDS.contains(w))
            .collect();
        self.named
            .iter()
            .filter(|n| {
                let mut theirs = n.split_whitespace();
                n.split_whitespace().count() > words.len()
                    && theirs.next_back() == Some(last)
                    && given.iter().all(|g| theirs.clone().any(|w| w == *g))
            })
            .max_by_key(|n| n.len())
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    /// Whether a single-word name is someone the article named in full.
    fn knows(&self, name: &str) -> bool {
        let named = self.named.iter().any(|n| n == name);
        (name.split_whitespace().count() >= 2 && (named || looks_like_actor(name)))
            || self.full_form(name) != name
            || is_body(name)
    }

    /// Turns a subject phrase into a speaker and role.
    fn speaker(&self, phrase: &str) -> (Option<String>, Option<String>) {
        let without_asides = PARENTHESES.replace_all(phrase, "");
        let phrase = without_asides.trim().trim_matches(|c: char| c == ',' || c.is_whitespace());
        let first_word = phrase.split_whitespace().next().unwrap_or("");
        if is_pronoun(first_word) && phrase.split_whitespace().count() <= 2 {
            return (self.resolve(first_word), None);
        }
        let names = speaker_names(phrase);
        let own = names.iter().rev().find(|m| strip_possessive(m.as_str()) == m.as_str());
        // "the Florida senator", "the GOP nominee": the name qualifies a role noun.
        if let Some(last) = names.last() {
            let after_name = phrase[last.end()..].to_lowercase();
            if after_name.split(|c: char| !c.is_alphanumeric()).any(|w| ROLE_NOUNS.contains(&w)) {
                return (self.by_role(phrase), None);
            }
        }
        // "Putin's aide": the possessor names whose aide, not who spoke.
        if own.is_none()
            && ROLE_NOUNS.iter().any(|n| phrase.to_lowercase().split(|c: char| !c.is_alphanumeric()).any(|w| w == *n))
        {
            return (self.by_role(phrase), None);
        }
        if names.is_empty()
            && ROLE_NOUNS.iter().any(|n| phrase.to_lowercase().split(|c: char| !c.is_alphanumeric()).any(|w| w == *n))
        {
            return (self.by_role(phrase), None);
        }
        match speaker_from_phrase(phrase) {
            // "the ministry", "officials": a role reference, a document, or the phrase as written.
            Some((name, role)) if name.chars().next().is_some_and(char::is_lowercase) => {
                let described = name.starts_with("the ") && name.split_whitespace().count() >= 2;
                (self.by_role(&name).or_else(|| described.then(|| self.resolve(&name)).flatten()), role)
            }
            Some((name, role)) => {
                let cleaned = clean_name(&name);
                let described = cleaned != name && !cleaned.is_empty();
                let is_name = cleaned.chars().next().is_some_and(char::is_uppercase);
                let speaker = if described && !is_name {
                    self.by_role(cleaned).or_else(|| self.resolve(&name.to_lowercase()))
                } else {
                    self.resolve(cleaned).filter(|n| is_name && !n.is_empty())
                };
                (speaker, role)
            }
            None => (None, None),
        }
    }
}

/// The possessor named right before a fragment ("Stoltenberg's offer of …"), else
/// the first known name of the sentence: whom a quoted fragment belongs to.
fn fragment_owner<'t>(before: &'t str, people: &People) -> Option<&'t str> {
    let names: Vec<regex::Match<'t>> = NAME.find_iter(before).collect();
    if let Some(possessor) = names.iter().rev().find(|m| strip_possessive(m.as_str()) != m.as_str()) {
        let tail_words = before[possessor.end()..].split_whitespace().count();
        if tail_words <= 12 {
            return Some(strip_possessive(possessor.as_str()));
        }
    }
    names
        .iter()
        .map(|m| clean_name(strip_possessive(m.as_str())))
        .find(|n| !n.is_empty() && !is_place_name(n) && people.knows(split_role(n).0.as_str()))
}

/// Where `inner`, a slice of `outer`, sits in the clean text when `outer` starts at
/// `base`. The rules hand back slices of a paragraph; their place is the speaker
/// phrase's evidence for the ranker.
fn place_of(outer: &str, inner: &str, base: usize) -> Option<Range<usize>> {
    let start = (inner.as_ptr() as usize).checked_sub(outer.as_ptr() as usize)?;
    (start + inner.len() <= outer.len()).then(|| base + start..base + start + inner.len())
}

/// A quote with the candidate speakers the ranker weighed, best first.
#[derive(Debug, Clone)]
pub struct Attributed {
    pub quote: Quote,
    pub candidates: Vec<Candidate>,
}

/// Finds the quotes of an article given its paragraphs (in order).
pub fn extract<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> Vec<Quote> {
    attribute(paragraphs, false, Model::shipped()).into_iter().map(|a| a.quote).collect()
}

/// The quotes of an article with every candidate speaker and its score: why each
/// speaker was chosen.
pub fn explain<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> Vec<Attributed> {
    attribute(paragraphs, true, Model::shipped())
}

/// [`explain`] with other weights than the shipped ones: how a model is learnt and compared.
pub fn explain_with<'a>(paragraphs: impl IntoIterator<Item = &'a str>, model: &Model) -> Vec<Attributed> {
    attribute(paragraphs, true, model)
}

/// What the rules make of a quote: the subject phrase they read (a slice of the
/// paragraph or of the one before), the speaker and role it resolves to.
struct RuleReading<'t> {
    phrase: Option<&'t str>,
    speaker: Option<String>,
    role: Option<String>,
    cited_source: Option<String>,
}

fn attribute<'a>(
    paragraphs: impl IntoIterator<Item = &'a str>,
    keep_candidates: bool,
    model: &Model,
) -> Vec<Attributed> {
    let mut quotes = Vec::new();
    let mut people =
        People { named: Vec::new(), bodies: Vec::new(), bodies_before: 0, roles: Vec::new(), speakers: Vec::new() };
    // Where the last speaker spoke (paragraph number), and what the paragraph
    // before said, for quotes attributed in a neighbouring paragraph.
    let mut last_spoke: Option<usize> = None;
    let (mut previous_paragraph, mut previous_offset) = ("", 0);
    let mut previous_quoted: Vec<Range<usize>> = Vec::new();
    let paragraphs: Vec<&str> = paragraphs.into_iter().collect();
    let capitalised_inside = speakers::capitalised_inside_sentences(&paragraphs);
    for (number, (offset, paragraph)) in paragraph_starts(paragraphs.iter().copied()).enumerate() {
        people.learn(paragraph);
        let spans = quoted_spans(paragraph);
        let quoted: Vec<Range<usize>> = spans.iter().map(|s| s.0..s.1).collect();
        // Candidates are read once per paragraph with quotes, for all its quotes.
        let (mentions, previous) = if spans.is_empty() {
            (Vec::new(), PreviousParagraph::default())
        } else {
            let previous = PreviousParagraph::of(previous_paragraph, previous_offset, &previous_quoted);
            (speakers::paragraph_mentions(paragraph, &quoted), previous)
        };
        for (open_start, close_end, text_start, text_end) in spans {
            let text = paragraph[text_start..text_end].trim().to_string();
            // A pronoun alone in quote marks is a word talked about ("called her "she""), not speech.
            if text.is_empty() || PRONOUNS.contains(&text.trim_end_matches(['.', ',', '!', '?'])) {
                continue;
            }
            let words = text.split_whitespace().count();
            let sentence_start = sentence_bounds(paragraph, open_start).start.min(open_start);
            // A quote that ends its sentence ("… manner." The …) has nothing after it. A
            // question or an exclamation keeps its mark before the attribution that follows
            // ("… votes?" Trump said), where a statement would end in a comma.
            let closes_sentence = text.ends_with(['.', '!', '?'])
                && paragraph[close_end..].trim_start().chars().next().is_none_or(char::is_uppercase)
                && !(text.ends_with(['!', '?']) && attribution_opens(&paragraph[close_end..]));
            let sentence_end =
                if closes_sentence { close_end } else { sentence_bounds(paragraph, close_end).end.max(close_end) }
                    .min(paragraph.len());
            let after = &paragraph[close_end..sentence_end];
            let before = sentences::strip_dateline(&paragraph[sentence_start..open_start]);
            let sentence = &paragraph[sentence_start..sentence_end];
            let ends_statement = text.ends_with([',', '.', '?', '!']) || text.ends_with("...");
            let mut rules = read_by_rules(sentence, before, after, &people);
            // A short quote that is a sentence of its own ("Neither do I.") is a statement, not a fragment.
            let whole_sentence = ends_statement && before.trim().is_empty() && after.trim().is_empty();
            let fragment = (words < 6 && !whole_sentence) || !(ends_statement || rules.phrase.is_some() && words >= 8);
            if rules.speaker.is_none() && fragment {
                if let Some(owner) = fragment_owner(before, &people) {
                    (rules.speaker, rules.role) = people.speaker(owner);
                    rules.phrase = Some(owner);
                }
            }
            let mut continued = false;
            if rules.speaker.is_none() && !fragment {
                // A statement with no attribution of its own continues the previous
                // speaker, or belongs to whoever the paragraph before introduced
                // ("Caddell told Breitbart:").
                let introduced = if before.trim().is_empty() && previous_paragraph.trim_end().ends_with(':') {
                    last_captures(&BEFORE_ANYWHERE, previous_paragraph).and_then(|c| c.name("subject"))
                } else {
                    None
                };
                if let Some(phrase) = introduced {
                    (rules.speaker, rules.role) = people.speaker(phrase.as_str());
                    rules.phrase = Some(phrase.as_str());
                } else if last_spoke.is_some_and(|p| number - p <= 2) {
                    rules.speaker = people.speakers.last().cloned();
                    continued = rules.speaker.is_some();
                }
            }
            let rule_phrase = rules.phrase.and_then(|p| {
                place_of(paragraph, p, offset).or_else(|| place_of(previous_paragraph, p, previous_offset))
            });
            let site = QuoteSite {
                paragraph,
                offset,
                previous: &previous,
                quote: open_start..close_end,
                sentence: sentence_start..sentence_end,
                mentions: &mentions,
                text: &text,
                capitalised_inside: &capitalised_inside,
                fragment,
                rule_phrase,
                rule_speaker: rules.speaker.as_deref(),
                last_speaker: people.speakers.last().map(String::as_str),
            };
            let candidates =
                speakers::rank(&site, model, &|words, kind| people.resolve_mention(words, kind), &same_entity);
            let (speaker, role, mention, via) =
                choose(rules.speaker, rules.role, continued, &candidates, model.threshold);
            if let Some(speaker) = &speaker {
                people.remember(speaker);
                people.speakers.push(speaker.clone());
                last_spoke = Some(number);
            }
            let quote = Quote {
                text,
                speaker,
                role,
                fragment,
                cited_source: rules.cited_source,
                speaker_entity: None,
                speaker_mention: mention,
                speaker_via: via,
                start: offset + text_start,
                end: offset + text_end,
            };
            quotes.push(Attributed { quote, candidates: if keep_candidates { candidates } else { Vec::new() } });
        }
        (previous_paragraph, previous_offset, previous_quoted) = (paragraph, offset, quoted);
    }
    quotes
}

/// The rules' reading of a quote from its sentence and the words on either side.
fn read_by_rules<'t>(sentence: &'t str, before: &'t str, after: &'t str, people: &People) -> RuleReading<'t> {
    let mut cited_source = TOLD_AGENCY.captures(sentence).map(|c| c["agency"].trim().to_string());
    let mut phrase: Option<&'t str> = None;
    if let Some(c) = QUOTED_AS_SAYING.captures(sentence) {
        cited_source = Some(c["source"].trim().to_string());
        phrase = c.name("speaker").map(|m| m.as_str());
    } else if let Some(c) = AFTER_QUOTE.captures(after) {
        phrase = c.name("subject").or(c.name("object")).or(c.name("signed")).map(|m| m.as_str());
        // `X said that "…," Interfax reported`: X spoke; the agency is the source.
        let reported = c.name("verb").is_some_and(|v| v.as_str().starts_with("report"));
        let speaker_before = BEFORE_QUOTE.captures(before).or_else(|| last_captures(&BEFORE_ANYWHERE, before));
        if let (true, Some(b)) = (reported, speaker_before) {
            cited_source = phrase.take().map(|p| p.trim().to_string());
            phrase = b.name("subject").or(b.name("according")).map(|m| m.as_str());
        }
    } else if let Some(c) = BEFORE_QUOTE.captures(before) {
        phrase = c.name("subject").or(c.name("according")).map(|m| m.as_str());
    } else if let Some(c) = last_captures(&BEFORE_ANYWHERE, before) {
        phrase = c.name("subject").map(|m| m.as_str());
    } else if let Some(c) = AFTER_ANYWHERE.captures(after) {
        phrase = c.name("subject").map(|m| m.as_str());
    }
    let (speaker, role) = phrase.map(|p| people.speaker(p)).unwrap_or((None, None));
    RuleReading { phrase, speaker, role, cited_source }
}

/// The speaker of a quote: the ranker's best resolved candidate when it clears the
/// model's threshold (keeping the rules' role when both agree), else the rules' answer.
fn choose(
    rule_speaker: Option<String>,
    rule_role: Option<String>,
    continued: bool,
    candidates: &[Candidate],
    threshold: f64,
) -> (Option<String>, Option<String>, Option<Mention>, Option<String>) {
    let rule_speaker_at = speakers::FEATURES.iter().position(|f| *f == "rule_speaker").expect("a known feature");
    let best = candidates.iter().find(|c| c.resolved.is_some()).filter(|c| c.score >= threshold);
    match best {
        Some(best) if best.features[rule_speaker_at] > 0.0 && rule_speaker.is_some() => {
            (rule_speaker, rule_role, Some(best.mention.clone()), Some(best.via.to_string()))
        }
        Some(best) => (best.resolved.clone(), None, Some(best.mention.clone()), Some(best.via.to_string())),
        None => {
            let via = rule_speaker.as_ref().map(|_| if continued { "continues the previous speaker" } else { "rules" });
            (rule_speaker, rule_role, None, via.map(str::to_string))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(paragraphs: &[&str]) -> Vec<(String, Option<String>, bool, Option<String>)> {
        extract(paragraphs.iter().copied())
            .into_iter()
            .map(|q| (q.text, q.speaker, q.fragment, q.cited_source))
            .collect()
    }

    #[test]
    fn she_stands_for_the_last_woman_not_the_last_speaker() {
        let found = one(&[
            "Hillary Clinton spoke in Ohio on Monday.",
            "\"We will win this state,\" said Sen. Jeff Merkley, who joined her.",
            "\"The banks must be broken up if they fail,\" she said.",
        ]);
        let speakers: Vec<Option<&str>> = found.iter().map(|q| q.1.as_deref()).collect();
        assert_eq!(speakers, [Some("Jeff Merkley"), Some("Hillary Clinton")]);
    }

    #[test]
    fn a_question_keeps_the_attribution_after_it() {
        let found = one(&[
            "Melanie watched the speech on television with her friends.",
            "\"Who would have believed we would win 14 million votes?\" Trump said, looking out on the crowd.",
            "\"We did it!\" Pence said.",
        ]);
        let speakers: Vec<Option<&str>> = found.iter().map(|q| q.1.as_deref()).collect();
        assert_eq!(speakers, [Some("Trump"), Some("Pence")]);
    }

    #[test]
    fn a_pronoun_in_quote_marks_is_not_speech() {
        let found = one(&[r#"Smith said "The plan is fine and it will work," and called the ship "she"."#]);
        let texts: Vec<&str> = found.iter().map(|q| q.0.as_str()).collect();
        assert_eq!(texts, ["The plan is fine and it will work,"]);
    }

    #[test]
    fn straight_and_curly_marks_close_each_other() {
        let texts = |paragraph: &str| -> Vec<String> { one(&[paragraph]).into_iter().map(|q| q.0).collect() };
        assert_eq!(
            texts("\"We see no link,\" the mayor said, adding that it would take \"more hours\u{201D} before details emerge."),
            ["We see no link,", "more hours"]
        );
        assert_eq!(
            texts("\u{201C}Deals should not be required,\" Smith said. \u{201C}We asked twice,\u{201D} he added."),
            ["Deals should not be required,", "We asked twice,"]
        );
        // A quote inside a quote, in the other style, stays inside it.
        assert_eq!(texts("\u{201C}He said \"no\" to me,\u{201D} she said."), ["He said \"no\" to me,"]);
        assert_eq!(texts("\"He said \u{201C}no\u{201D} to me,\" she said."), ["He said \u{201C}no\u{201D} to me,"]);
    }

    #[test]
    fn markup_attributes_are_not_quotes() {
        let found = one(&[
            r#"<tweet author="someone" tweet_id="778257943577919488">Words</tweet>. "The plan is fine and it will work," Smith said."#,
        ]);
        let texts: Vec<&str> = found.iter().map(|q| q.0.as_str()).collect();
        assert_eq!(texts, ["The plan is fine and it will work,"]);
    }

    #[test]
    fn a_paragraph_of_quote_marks_gives_a_bounded_number_of_quotes() {
        let marks = format!("He said {}", "\"a ".repeat(4000));
        assert_eq!(quoted_spans(&marks).len(), MAX_QUOTES_PER_PARAGRAPH);
        let unclosed = format!("He said {}", "\u{201C}a ".repeat(4000));
        assert!(quoted_spans(&unclosed).len() <= 1);
        assert_eq!(extract([marks.as_str()]).len(), MAX_QUOTES_PER_PARAGRAPH);
    }

    #[test]
    fn attributes_the_common_patterns() {
        let found = one(&[
            "Deputy Foreign Minister Alexander Grushko's comments follow the talks.",
            "\u{201C}We haven\u{2019}t received any concrete serious proposals from NATO,\u{201D} Grushko said in comments to the state-run RIA Novosti news agency.",
            "\u{201C}Those two texts are not a menu,\u{201D} Russian Deputy Foreign Minister Sergey Ryabkov told journalists.",
            "\u{201C}We cannot tolerate this anymore,\u{201D} said Ryabkov.",
            "\u{201C}The president expressed hope that they will respond positively to this,\u{201D} Interfax quoted Putin\u{2019}s senior foreign policy aide Yury Ushakov as saying.",
            "\u{201C}Washington should stop hostile activities against our nation,\u{201D} he said.",
        ]);
        assert_eq!(found[0].1.as_deref(), Some("Alexander Grushko"));
        assert_eq!(found[0].3.as_deref(), Some("RIA Novosti"));
        assert!(!found[0].2);
        assert_eq!(found[1].1.as_deref(), Some("Sergey Ryabkov"));
        assert_eq!(found[2].1.as_deref(), Some("Sergey Ryabkov"));
        assert_eq!(found[3].1.as_deref(), Some("Yury Ushakov"));
        assert_eq!(found[3].3.as_deref(), Some("Interfax"));
        assert_eq!(found[4].1.as_deref(), Some("Yury Ushakov"), "{found:?}");
    }

    #[test]
    fn fragments_go_to_the_sentence_subject() {
        let found = one(&["President Vladimir Putin this week requested to \"immediately launch negotiations\" with the U.S. and NATO."]);
        assert_eq!(found.len(), 1);
        assert!(found[0].2);
        assert_eq!(found[0].1.as_deref(), Some("Vladimir Putin"));
    }

    #[test]
    fn a_full_name_and_a_document_keep_to_what_the_text_says() {
        let bush = one(&[
            "Former President George W. Bush spoke first.",
            "Jeb Bush said: \u{201C}We will win this state in November.\u{201D}",
        ]);
        assert_eq!(bush[0].1.as_deref(), Some("Jeb Bush"), "{bush:?}");
        let far = one(&[
            "CNN obtained the document on Monday.",
            "\u{201C}The plan is final and will not change,\u{201D} the statement said.",
        ]);
        assert_eq!(far[0].1.as_deref(), Some("the statement"), "{far:?}");
    }

    #[test]
    fn speaker_before_the_quote() {
        let found = one(&[
            "Lavrov said: \u{201C}We cannot accept this.\u{201D}",
            "According to the ministry, \u{201C}the talks will go on as planned next week.\u{201D}",
        ]);
        assert_eq!(found[0].1.as_deref(), Some("Lavrov"));
        assert_eq!(found[1].1.as_deref(), Some("the ministry"));
        let statement = one(&["NATO\u{2019}s response was swift. Russia is making \u{201C}false claims of provocations\u{201D} the statement said."]);
        assert_eq!(statement[0].1.as_deref(), Some("NATO"), "{statement:?}");
        let says = one(&[
            "The commission says on its website that \u{201C}there were issues with the sound in the hall.\u{201D}",
        ]);
        assert_eq!(says[0].1.as_deref(), Some("the commission"), "{says:?}");
        let asking = one(&["The ad uses footage of Hillary Clinton asking, \u{201C}Why aren\u{2019}t I 50 points ahead, you might ask?\u{201D}"]);
        assert_eq!(asking[0].1.as_deref(), Some("Hillary Clinton"), "{asking:?}");
        assert_eq!(
            split_role("Russian Deputy Foreign Minister Sergey Ryabkov"),
            ("Sergey Ryabkov".to_string(), Some("Russian Deputy Foreign Minister".to_string()))
        );
    }
}
