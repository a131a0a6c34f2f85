//! Choosing a quote's speaker among the mentions around it.
//!
//! The attribution rules in `quotes` read one subject phrase next to a speech verb.
//! Here every mention that could have said a quote — a name, a pronoun, a description
//! ("the candidate", "the statement") — is gathered from the quote's sentence, the
//! sentences before it in its paragraph and the paragraph before, described by
//! features (the rules' choice, side of the quote, distance, a speech verb next to it,
//! an addressee cue, the previous speaker, …) and ranked by a linear model. The weights
//! are learnt on PolNeAR train by `dossier-bench --stage train-speakers` and ship as
//! `data/speaker_model.tsv`; a feature the file does not name weighs nothing.

use crate::findings::lexicon::{
    clean_name, has_given_name, is_body, is_known_organisation, is_place, is_real_name, split_role, strip_possessive,
    DETERMINERS, NAME, ROLE_NOUNS, SPEECH_VERBS, SPEECH_VERB_LEAD, STOPWORDS,
};
use crate::findings::sentences;
use crate::text::is_word;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

/// What kind of words a speaker mention is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MentionKind {
    /// A person's name ("Trump", "Sen. Bernie Sanders").
    Name,
    /// An organisation, outlet or other body by name ("NATO", "The New York Post").
    Body,
    /// A pronoun or relative pronoun ("he", "they", "who").
    Pronoun,
    /// A description of a person or a document ("the candidate", "the statement").
    Description,
}

/// A speaker as the article writes it: the words and their byte offsets in the clean text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    pub text: String,
    pub kind: MentionKind,
    pub start: usize,
    pub end: usize,
}

/// The evidence the ranker weighs, one number per candidate and feature.
pub const FEATURES: [&str; 37] = [
    "rule_phrase",
    "rule_speaker",
    "name",
    "body",
    "pronoun",
    "description",
    "before",
    "after",
    "earlier_sentence",
    "previous_paragraph",
    "verb_follows",
    "verb_precedes",
    "distance",
    "nearest_on_side",
    "possessive",
    "object",
    "place",
    "previous_speaker",
    "addressee",
    "colon",
    "sentence_start",
    "fragment_name",
    "full_name",
    "according_to",
    "relative",
    "unresolved",
    "common_word",
    "after_comma_clause",
    "in_title_run",
    "pronoun_before",
    "pronoun_after",
    "name_after",
    "verb_follows_before",
    "verb_precedes_after",
    "quote_opens_paragraph",
    "capitalised_only_first",
    "given_name",
];

pub type Features = [f64; FEATURES.len()];

fn feature(name: &str) -> usize {
    FEATURES.iter().position(|f| *f == name).expect("a known feature")
}

/// A candidate speaker of one quote, with its evidence and score.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub mention: Mention,
    /// Who the mention resolves to, and how ("pronoun → previous speaker").
    pub resolved: Option<String>,
    pub via: &'static str,
    pub features: Features,
    /// The model's log-odds that this mention is the speaker.
    pub score: f64,
    /// The one quoted in "Interfax quoted him as saying": by definition the speaker,
    /// whatever the scores say (the one quoting is the source that cites the words).
    /// Ranked first. Corpora disagree here (PolNeAR names the one quoting), so it is
    /// a definition, not something to learn.
    pub quoted: bool,
}

/// Where a candidate stands relative to its quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Before,
    After,
    EarlierSentence,
    PreviousParagraph,
}

/// A quote in its paragraph, with what the rules made of it: what candidates are read from.
pub(crate) struct QuoteSite<'a> {
    pub paragraph: &'a str,
    /// Byte offset of the paragraph in the clean text.
    pub offset: usize,
    pub previous: &'a PreviousParagraph<'a>,
    /// The quote, marks included, and its sentence, in paragraph bytes.
    pub quote: Range<usize>,
    pub sentence: Range<usize>,
    /// The paragraph's mentions outside quotes: no speaker is inside a quote.
    pub mentions: &'a [ParagraphMention],
    /// The quote's own words.
    pub text: &'a str,
    /// Words the article capitalises somewhere inside a sentence: names, not ordinary
    /// words that a sentence happens to begin with.
    pub capitalised_inside: &'a HashSet<&'a str>,
    pub fragment: bool,
    /// The subject phrase the rules read, in clean-text bytes, and the speaker they resolved.
    pub rule_phrase: Option<Range<usize>>,
    pub rule_speaker: Option<&'a str>,
    pub last_speaker: Option<&'a str>,
}

/// A linear model over [`FEATURES`]: log-odds that a candidate is the speaker.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub weights: Features,
    pub intercept: f64,
    /// Below this score the top candidate gives way to the rules' own answer.
    pub threshold: f64,
}

static SHIPPED: LazyLock<Model> = LazyLock::new(|| Model::parse(include_str!("../../data/speaker_model.tsv")));

impl Model {
    /// The weights shipped in `data/speaker_model.tsv`.
    pub fn shipped() -> &'static Model {
        &SHIPPED
    }

    /// Reads `name<TAB>weight` lines (`intercept`, `threshold` and [`FEATURES`]; `#` comments).
    pub fn parse(text: &str) -> Model {
        let mut model = Model { weights: [0.0; FEATURES.len()], intercept: 0.0, threshold: 0.0 };
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let Some((name, weight)) = line.split_once('\t') else { continue };
            let Ok(weight) = weight.trim().parse::<f64>() else { continue };
            match name.trim() {
                "intercept" => model.intercept = weight,
                "threshold" => model.threshold = weight,
                name => {
                    if let Some(at) = FEATURES.iter().position(|f| *f == name) {
                        model.weights[at] = weight;
                    }
                }
            }
        }
        model
    }

    /// The model as `parse` reads it, under a comment header.
    pub fn to_tsv(&self, header: &str) -> String {
        let mut out: String = header.lines().map(|l| format!("# {l}\n")).collect();
        out.push_str(&format!("intercept\t{:.4}\nthreshold\t{:.4}\n", self.intercept, self.threshold));
        for (name, weight) in FEATURES.iter().zip(self.weights) {
            out.push_str(&format!("{name}\t{weight:.4}\n"));
        }
        out
    }

    pub fn score(&self, features: &Features) -> f64 {
        self.intercept + features.iter().zip(self.weights.iter()).map(|(x, w)| x * w).sum::<f64>()
    }
}

static SPEECH_WORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| SPEECH_VERBS.split('|').filter_map(|v| v.split_whitespace().next()).collect());

/// Object forms too: "Interfax quoted him as saying" makes "him" the speaker.
const PRONOUNS: [&str; 17] =
    ["he", "she", "they", "it", "we", "who", "He", "She", "They", "It", "We", "Who", "I", "You", "him", "her", "them"];

/// Nouns that make a description able to speak for a body or a document.
const DOCUMENT_NOUNS: &[&str] = &[
    "statement",
    "report",
    "communique",
    "document",
    "letter",
    "campaign",
    "ad",
    "advertisement",
    "poll",
    "survey",
    "study",
    "website",
    "memo",
    "press release",
    "release",
    "article",
    "newspaper",
    "paper",
    "magazine",
    "network",
    "ministry",
    "department",
    "agency",
    "committee",
    "group",
    "organization",
    "organisation",
    "company",
    "government",
    "administration",
    "white house",
    "analysis",
    "editorial",
    "post",
    "tweet",
    "complaint",
    "lawsuit",
    "filing",
    "indictment",
    "review",
];

/// The nouns a description ends in: roles, bodies and documents, and whoever else
/// speaks in the news (`data/speaking_nouns.txt`).
static DESCRIPTION_HEADS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let speaking = include_str!("../../data/speaking_nouns.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    ROLE_NOUNS
        .iter()
        .chain(DOCUMENT_NOUNS)
        .chain(&["businessman", "billionaire", "mogul", "frontrunner", "front-runner", "host", "spokesman"])
        .copied()
        .chain(speaking)
        .collect()
});

static DESCRIPTION: LazyLock<Regex> = LazyLock::new(|| {
    let heads: Vec<String> = DESCRIPTION_HEADS.iter().map(|h| regex::escape(h)).collect();
    // Determiners, numbers and possessives open a description ("one questioner",
    // "several environmental groups", "Clinton's campaign").
    let determiners = "[Tt]he|[Hh]is|[Hh]er|[Tt]heir|[Aa]n?|[Oo]ne|[Tt]wo|[Tt]hree|[Ss]ome|[Ss]everal|[Mm]any|[Aa]nother|[A-Z][\\w.-]*[’']s";
    Regex::new(&format!(r"(?-u:\b)(?:{determiners})\s+(?:[\w.’'-]+\s+){{0,3}}?(?:{})s?(?-u:\b)", heads.join("|")))
        .unwrap()
});

/// A description in a speech verb's subject ("the gambling tycoon told Reuters"): any
/// noun heads it there, so the word list of `DESCRIPTION` need not know "tycoon". The
/// group `words` is checked for words that cannot be part of one ("the day he said").
static SUBJECT_DESCRIPTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?-u:\b)(?:[Tt]he|[Hh]is|[Hh]er|[Tt]heir|[Aa]n?|[Oo]ne|[Aa]nother)\s+(?P<words>(?:[a-z][\w’'-]*\s+){{0,3}}[a-z][\w-]*)\s+{SPEECH_VERB_LEAD}(?:{SPEECH_VERBS})(?-u:\b)"
    ))
    .unwrap()
});

/// The descriptions `SUBJECT_DESCRIPTION` finds in `region`, as ranges in it.
fn subject_descriptions(region: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    SUBJECT_DESCRIPTION.captures_iter(region).filter_map(|c| {
        let (all, words) = (c.get(0)?, c.name("words")?);
        let ordinary = words.as_str().split_whitespace().all(|w| !STOPWORDS.contains(w) && !SPEECH_WORDS.contains(w));
        ordinary.then_some(all.start()..words.end())
    })
}

/// Where a description ends that `DESCRIPTION` ended at `end` in `text`: past the
/// nouns that follow its noun and make one with it ("Obama's former campaign
/// strategist", "the party official"), which the shortest match leaves off.
fn description_end(text: &str, end: usize) -> usize {
    let mut end = end;
    loop {
        // "the ad’s narrator", "the party's nominee": the noun a possessive leads to.
        let possessive = ["’s", "'s"].iter().find_map(|s| text[end..].strip_prefix(s)).map(|r| text.len() - r.len());
        if let Some(after) = possessive.filter(|&after| description_end(text, after) > after) {
            end = after;
        }
        let rest = &text[end..];
        let gap = rest.len() - rest.trim_start_matches(' ').len();
        let word_len = rest[gap..].find(|c: char| !c.is_alphanumeric() && c != '-').unwrap_or(rest.len() - gap);
        let word = rest[gap..gap + word_len].to_lowercase();
        let singular = word.strip_suffix('s').unwrap_or(&word);
        let is_head = |w: &str| DESCRIPTION_HEADS.contains(&w);
        if gap == 0 || word_len == 0 || !(is_head(&word) || is_head(singular)) {
            return end + of_what(&text[end..]);
        }
        end += gap + word_len;
    }
}

/// Where the nouns end that a name run ending at `text[..at]` modifies, if description
/// nouns follow it: "Sanders supporters", "Donald Trump's campaign manager", "Huckabee
/// campaign spokesman". The name is then part of a description of someone else, who
/// speaks, not the name's bearer. A run holds its possessive mark (`NAME` reads
/// "Trump's" as one word), and `description_end` goes on past one.
fn nouns_modified_end(text: &str, at: usize) -> Option<usize> {
    // "The New York Post reports": a speech verb, not a noun the name modifies.
    let next = words_after(text, at, 1);
    if next.first().is_some_and(|w| SPEECH_WORDS.contains(w.as_str())) {
        return None;
    }
    let end = description_end(text, at);
    (end > at + of_what(&text[at..])).then_some(end)
}

/// How much of `rest` says what the description's noun is of ("of state", "of the
/// DNC", "of Homeland Security"): " of", an optional "the", then up to four words that
/// are not function words. Nothing when `rest` does not go on with " of ".
fn of_what(rest: &str) -> usize {
    const MAX_WORDS: usize = 4;
    let Some(after_of) = rest.strip_prefix(" of ") else { return 0 };
    let mut taken = rest.len() - after_of.len();
    let mut words = after_of.strip_prefix("the ").map_or(after_of, |r| {
        taken += 4;
        r
    });
    let mut end = 0;
    for _ in 0..MAX_WORDS {
        let word_len = words.find(|c: char| !c.is_alphanumeric() && c != '-').unwrap_or(words.len());
        let word = &words[..word_len];
        if word_len == 0 || STOPWORDS.contains(word.to_lowercase().as_str()) || reads_as_verb(word) {
            break;
        }
        end = taken + word_len;
        match words[word_len..].strip_prefix(' ') {
            Some(next) => {
                taken += word_len + 1;
                words = next;
            }
            None => break,
        }
    }
    end
}

/// Whether a lower-case word after a description reads as the verb its sentence goes on
/// with ("groups of protesters continued", "the head of the agency said").
fn reads_as_verb(word: &str) -> bool {
    word.starts_with(char::is_lowercase) && (word.ends_with("ed") || SPEECH_WORDS.contains(word))
}

static PRONOUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"(?-u:\b)(?:{})(?-u:\b)", PRONOUNS.join("|"))).unwrap());

/// Verbs by which one source reports another's words ("X quoted Y as saying").
const QUOTING_VERBS: &[&str] = &["quoted", "quotes", "quoting", "cited", "cites", "citing"];

/// Words before a mention that make it the object of a sentence, not its subject:
/// prepositions ("in Virginia", "into Syria"; not "after" or "before", which also open
/// clauses whose subject speaks) and verbs that take the person spoken to.
const OBJECT_CUES: &[&str] = &[
    "to", "at", "with", "about", "of", "for", "against", "by", "on", "from", "than", "told", "asked", "urged",
    "called", "like", "and", "as", "in", "into", "near", "among", "between", "across", "through", "toward", "towards",
    "within", "without", "under", "over", "via",
];

/// The mentions of `text[range]` outside quoted spans: (local byte range, kind, possessive).
fn mentions_in(text: &str, range: Range<usize>, quoted: &[Range<usize>]) -> Vec<(Range<usize>, MentionKind, bool)> {
    let region = &text[range.clone()];
    let inside_quote = |r: &Range<usize>| quoted.iter().any(|q| r.start < q.end && q.start < r.end);
    let mut found = Vec::new();
    for (run_start, run_end) in crate::findings::entities::runs(region) {
        let raw = &region[run_start..run_end];
        let bare = strip_possessive(raw);
        let possessive = bare.len() != raw.len();
        let cleaned = without_leading_verb(clean_name(bare));
        if cleaned.is_empty() || !is_real_name(cleaned) || reads_as_clause(cleaned) {
            continue;
        }
        let kind =
            if is_body(cleaned) || is_known_organisation(cleaned) { MentionKind::Body } else { MentionKind::Name };
        let person = if kind == MentionKind::Body { cleaned.to_string() } else { split_role(cleaned).0 };
        let Some(at) = bare.rfind(person.as_str()) else { continue };
        let start = range.start + run_start + at;
        match nouns_modified_end(region, run_end) {
            // "Sanders campaign manager Jeff Weaver": the name that follows is the speaker.
            Some(end) if region[end..].strip_prefix(' ').is_some_and(|r| r.starts_with(char::is_uppercase)) => {}
            Some(end) => found.push((start..range.start + end, MentionKind::Description, false)),
            None => found.push((start..start + person.len(), kind, possessive)),
        }
    }
    for m in DESCRIPTION.find_iter(region).filter(|m| !is_name_and_verb(m.as_str())) {
        let end = description_end(region, m.end());
        found.push((range.start + m.start()..range.start + end, MentionKind::Description, false));
    }
    for r in subject_descriptions(region) {
        found.push((range.start + r.start..range.start + r.end, MentionKind::Description, false));
    }
    for m in PRONOUN.find_iter(region) {
        found.push((range.start + m.start()..range.start + m.end(), MentionKind::Pronoun, false));
    }
    // "(D-N.Y.)", "(R-Texas)": a party and state in parentheses name nobody.
    let asides: Vec<Range<usize>> =
        PARENTHESES.find_iter(region).map(|m| range.start + m.start()..range.start + m.end()).collect();
    found.retain(|(r, ..)| !inside_quote(r) && !asides.iter().any(|a| a.start <= r.start && r.end <= a.end));
    // A description inside a name's span or the other way round: keep the longer.
    found.sort_by_key(|(r, ..)| (r.start, std::cmp::Reverse(r.end)));
    let mut kept: Vec<(Range<usize>, MentionKind, bool)> = Vec::new();
    for mention in found {
        if kept.last().is_some_and(|(last, ..)| mention.0.start < last.end) {
            continue;
        }
        kept.push(mention);
    }
    kept
}

/// Whether a description is a name followed by its speech verb, a plural noun only in
/// form: "The New York Post reports" is the Post, reporting. (Its name is a mention of
/// its own.)
fn is_name_and_verb(description: &str) -> bool {
    let mut words = description.split_whitespace();
    let last = words.next_back().unwrap_or_default().to_lowercase();
    let named = words.skip(1).any(|w| w.starts_with(char::is_uppercase));
    named && last.ends_with('s') && SPEECH_WORDS.contains(last.as_str())
}

/// A name without the speech verb that opens its sentence before it ("Said Ellis:",
/// "Added Rubio"): capitalised where a sentence begins, the verb runs into the name.
fn without_leading_verb(run: &str) -> &str {
    match run.split_once(' ') {
        Some((first, rest)) if SPEECH_WORDS.contains(first.to_lowercase().as_str()) => rest.trim_start(),
        _ => run,
    }
}

/// Words no name holds but a clause does: object pronouns, auxiliaries, negations.
const CLAUSE_WORDS: &[&str] = &[
    "him",
    "her",
    "them",
    "us",
    "me",
    "is",
    "are",
    "was",
    "were",
    "has",
    "have",
    "had",
    "will",
    "would",
    "can",
    "could",
    "should",
    "don’t",
    "don't",
    "doesn’t",
    "doesn't",
    "won’t",
    "won't",
    "not",
    "says",
    "said",
];

/// Whether a run of capitalised words is a clause set in capitals (a headline, a
/// caption: "CONGRESS HAS INVESTIGATED HIM"), not a name.
fn reads_as_clause(run: &str) -> bool {
    run.split_whitespace().count() >= 3
        && run.split_whitespace().any(|w| CLAUSE_WORDS.contains(&w.to_lowercase().as_str()))
}

/// Whether the words before `text[at..]` make what starts there an object: an
/// [`OBJECT_CUES`] word just before it, or before its determiner and one lower-case
/// title word ("in the United States", "with celebrity Barbra Streisand", "from a
/// former Patriot mine"). Punctuation between ends the look back: a clause begins there.
/// Without it, "in his speech Trump said" reads Trump as an object; allowing no title
/// word lost more on PolNeAR train (3,475 → 3,469 speakers by entity) than such
/// sentences cost.
fn is_object(text: &str, at: usize) -> bool {
    let mut title_words = 0;
    let before: Vec<&str> = text[..at].split_whitespace().rev().take(5).collect();
    for (back, raw) in before.iter().take(4).enumerate() {
        if raw.ends_with(|c: char| !c.is_alphanumeric()) {
            return false;
        }
        let word = raw.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        if word == "as" && opens_clause(before.get(back + 1).copied()) {
            // "and as Trump went on": "as" opens a clause whose subject follows.
            return false;
        }
        if OBJECT_CUES.contains(&word.as_str()) {
            return true;
        }
        if DETERMINERS.contains(&word.as_str()) {
            continue;
        }
        title_words += 1;
        if title_words > 1 || !raw.starts_with(|c: char| c.is_lowercase()) {
            return false;
        }
    }
    false
}

/// Whether a conjunction after `previous` (the word before it, if any) opens a clause:
/// at a sentence's or clause's start, or after "and", "but", "or", "just", "even".
fn opens_clause(previous: Option<&str>) -> bool {
    previous.is_none_or(|word| {
        word.ends_with(|c: char| !c.is_alphanumeric())
            || matches!(word.to_lowercase().as_str(), "and" | "but" | "or" | "just" | "even")
    })
}

fn words_before(text: &str, at: usize, count: usize) -> Vec<String> {
    let words: Vec<&str> = text[..at].split_whitespace().collect();
    words[words.len().saturating_sub(count)..]
        .iter()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .collect()
}

fn words_after(text: &str, at: usize, count: usize) -> Vec<String> {
    text[at..]
        .split_whitespace()
        .take(count)
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .collect()
}

fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// A candidate found in one paragraph, before it is scored.
struct Found {
    range: Range<usize>,
    kind: MentionKind,
    possessive: bool,
    side: Side,
    /// Words between it and the quote.
    distance: usize,
}

fn gather(site: &QuoteSite<'_>) -> Vec<(Found, bool)> {
    let paragraph = site.paragraph;
    let mut out = Vec::new();
    let sentences = sentences::split(&paragraph[..site.sentence.start]);
    let earlier_from = sentences.iter().rev().nth(1).map(|s| s.start).or(sentences.first().map(|s| s.start));
    let mut add = |range: Range<usize>, side: Side, mentions: &[ParagraphMention], in_previous: bool| {
        let text = if in_previous { site.previous.text } else { paragraph };
        for (r, kind, possessive) in mentions.iter().filter(|(r, ..)| range.start <= r.start && r.end <= range.end) {
            let distance = match side {
                Side::Before | Side::EarlierSentence => word_count(&text[r.end..site.quote.start]),
                Side::After => word_count(&text[site.quote.end..r.start]),
                Side::PreviousParagraph => word_count(&text[r.end..]) + word_count(&paragraph[..site.quote.start]),
            };
            out.push((Found { range: r.clone(), kind: *kind, possessive: *possessive, side, distance }, in_previous));
        }
    };
    add(site.sentence.start..site.quote.start, Side::Before, site.mentions, false);
    add(site.quote.end..site.sentence.end.max(site.quote.end), Side::After, site.mentions, false);
    if let Some(from) = earlier_from.filter(|f| *f < site.sentence.start) {
        add(from..site.sentence.start, Side::EarlierSentence, site.mentions, false);
    }
    if !site.previous.text.is_empty() {
        add(site.previous.tail_start..site.previous.text.len(), Side::PreviousParagraph, &site.previous.mentions, true);
    }
    out
}

/// A mention found in a paragraph: its bytes, kind, and whether it is possessive.
pub(crate) type ParagraphMention = (Range<usize>, MentionKind, bool);

/// The mentions of a paragraph outside its quoted spans, found once for all its quotes.
pub(crate) fn paragraph_mentions(text: &str, quoted: &[Range<usize>]) -> Vec<ParagraphMention> {
    mentions_in(text, 0..text.len(), quoted)
}

/// The paragraph before a quote's, as far as its candidates go: its mentions, and where
/// its last two sentences start (only they can introduce the next paragraph's quote).
#[derive(Default)]
pub(crate) struct PreviousParagraph<'a> {
    pub text: &'a str,
    pub offset: usize,
    pub mentions: Vec<ParagraphMention>,
    pub tail_start: usize,
}

impl<'a> PreviousParagraph<'a> {
    pub(crate) fn of(text: &'a str, offset: usize, quoted: &[Range<usize>]) -> PreviousParagraph<'a> {
        let sentences = sentences::split(text);
        let tail_start = sentences.iter().rev().nth(1).or(sentences.first()).map(|s| s.start).unwrap_or(0);
        let mentions = mentions_in(text, tail_start..text.len(), quoted);
        PreviousParagraph { text, offset, mentions, tail_start }
    }
}

/// Who a mention names, if anyone, and how that was worked out.
pub(crate) type Resolution = (Option<String>, &'static str);

/// The candidates of one quote, best first. `resolve` turns a mention into the person or
/// body it names, with how it got there; `same` tells whether two speakers are one.
pub(crate) fn rank(
    site: &QuoteSite<'_>,
    model: &Model,
    resolve: &dyn Fn(&str, MentionKind) -> Resolution,
    same: &dyn Fn(&str, &str) -> bool,
) -> Vec<Candidate> {
    let found = gather(site);
    let addressed = site.text.split(|c: char| !c.is_alphanumeric()).any(|w| w.eq_ignore_ascii_case("you"));
    let nearest = |side: Side| found.iter().filter(|(f, _)| f.side == side).map(|(f, _)| f.distance).min();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut compared: HashMap<String, (bool, bool)> = HashMap::new();
    for (index, (f, in_previous)) in found.iter().enumerate() {
        let text = if *in_previous { site.previous.text } else { site.paragraph };
        let base = if *in_previous { site.previous.offset } else { site.offset };
        let words = &text[f.range.clone()];
        let (resolved, via) = if words.eq_ignore_ascii_case("who") {
            // "Trump, who said": the name just before.
            antecedent(&found[..index], *in_previous, text, f.range.start)
                .map(|name| resolve(name, MentionKind::Name))
                .map(|(r, _)| (r, "relative pronoun → the name before it"))
                .unwrap_or((None, "relative pronoun"))
        } else {
            resolve(words, f.kind)
        };
        let before = words_before(text, f.range.start, 2);
        let after = words_after(text, f.range.end, 3);
        let mut x: Features = [0.0; FEATURES.len()];
        let mut set = |name: &str, value: f64| x[feature(name)] = value;
        let absolute = base + f.range.start..base + f.range.end;
        set(
            "rule_phrase",
            f64::from(site.rule_phrase.as_ref().is_some_and(|p| p.start <= absolute.start && absolute.end <= p.end)),
        );
        // Many candidates resolve to the same few people: compare each name once.
        let (is_rule_speaker, is_last_speaker) = match &resolved {
            Some(r) => *compared.entry(r.clone()).or_insert_with(|| {
                (site.rule_speaker.is_some_and(|s| same(r, s)), site.last_speaker.is_some_and(|s| same(r, s)))
            }),
            None => (false, false),
        };
        set("rule_speaker", f64::from(is_rule_speaker));
        set("name", f64::from(f.kind == MentionKind::Name));
        set("body", f64::from(f.kind == MentionKind::Body));
        set("pronoun", f64::from(f.kind == MentionKind::Pronoun));
        set("description", f64::from(f.kind == MentionKind::Description));
        set("before", f64::from(f.side == Side::Before));
        set("after", f64::from(f.side == Side::After));
        set("earlier_sentence", f64::from(f.side == Side::EarlierSentence));
        set("previous_paragraph", f64::from(f.side == Side::PreviousParagraph));
        let is_verb = |w: &String| SPEECH_WORDS.contains(w.as_str());
        set("verb_follows", f64::from(after.iter().any(is_verb)));
        set("verb_precedes", f64::from(before.iter().any(is_verb)));
        set("distance", (1.0 + f.distance as f64).ln() / 4.0);
        set("nearest_on_side", f64::from(nearest(f.side) == Some(f.distance)));
        set("possessive", f64::from(f.possessive));
        let object = is_object(text, f.range.start);
        set("object", f64::from(object));
        set("place", f64::from(is_place(words)));
        set("previous_speaker", f64::from(is_last_speaker));
        set("addressee", f64::from(addressed && object));
        let gap =
            if *in_previous { &text[f.range.end..] } else { &text[f.range.end..site.quote.start.max(f.range.end)] };
        set("colon", f64::from(gap.trim_end().ends_with(':') && word_count(gap) <= 3));
        let starts_sentence = text[..f.range.start].trim_end().is_empty() || sentence_start(text, f.range.start);
        set("sentence_start", f64::from(starts_sentence));
        // "Indeed,", "Speaking to reporters": a one-word name the article capitalises
        // only where a sentence begins is an ordinary word, not a name.
        let one_name = f.kind == MentionKind::Name && word_count(words) == 1;
        set(
            "capitalised_only_first",
            f64::from(one_name && starts_sentence && !site.capitalised_inside.contains(words)),
        );
        set("given_name", f64::from(resolved.as_deref().is_some_and(has_given_name)));
        set("fragment_name", f64::from(site.fragment && matches!(f.kind, MentionKind::Name | MentionKind::Body)));
        set("full_name", f64::from(word_count(words) >= 2));
        set("according_to", f64::from(before.len() == 2 && before[0] == "according" && before[1] == "to"));
        set("relative", f64::from(words.eq_ignore_ascii_case("who")));
        set("unresolved", f64::from(resolved.is_none()));
        // "Recruiting", "Guns": a sentence's first word, capitalised but a common word.
        let common = f.kind != MentionKind::Pronoun && word_count(words) == 1 && is_word(&words.to_lowercase());
        set("common_word", f64::from(common));
        set("after_comma_clause", f64::from(in_comma_clause(text, f.range.start)));
        // "Anchor DeMarco Morgan", "D-Conn": a run the name rule took with a title or a party.
        set("in_title_run", f64::from(words.contains('-') || text[..f.range.start].ends_with('-')));
        // Which kinds of words speak on which side: pairs the linear model cannot form itself.
        let pronoun = f.kind == MentionKind::Pronoun;
        let named = matches!(f.kind, MentionKind::Name | MentionKind::Body);
        set("pronoun_before", f64::from(pronoun && f.side == Side::Before));
        set("pronoun_after", f64::from(pronoun && f.side == Side::After));
        set("name_after", f64::from(named && f.side == Side::After));
        set("verb_follows_before", f64::from(after.iter().any(is_verb) && f.side == Side::Before));
        set("verb_precedes_after", f64::from(before.iter().any(is_verb) && f.side == Side::After));
        set("quote_opens_paragraph", f64::from(site.paragraph[..site.quote.start].trim().is_empty()));
        let score = model.score(&x);
        // "quoted him as saying" names the speaker outright, unless the ranker finds the
        // candidate unlikely anyway ("quoted it as": a thing, whose score is below the
        // model's threshold, would otherwise hide a named speaker behind it).
        let quoted = before.last().is_some_and(|w| QUOTING_VERBS.contains(&w.as_str()))
            && after.first().is_some_and(|w| w == "as")
            && score >= model.threshold;
        candidates.push(Candidate {
            mention: Mention { text: words.to_string(), kind: f.kind, start: absolute.start, end: absolute.end },
            resolved,
            via,
            features: x,
            score,
            quoted,
        });
    }
    candidates.sort_by(|a, b| {
        b.quoted.cmp(&a.quoted).then(b.score.total_cmp(&a.score)).then(a.mention.start.cmp(&b.mention.start))
    });
    candidates
}

/// Whether the words before `at` back to the last comma open a clause that describes
/// someone else ("Weingarten, a longtime Clinton supporter, said"): the speaker is
/// the name before the comma, not one inside the clause.
fn in_comma_clause(text: &str, at: usize) -> bool {
    let mut from = at.saturating_sub(80);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let before = &text[from..at];
    let Some(comma) = before.rfind(',') else { return false };
    let clause = &before[comma + 1..];
    let first = clause.split_whitespace().next().unwrap_or("");
    !clause.contains(['.', ';', '\u{201C}', '"'])
        && first.chars().next().is_some_and(char::is_lowercase)
        && !SPEECH_WORDS.contains(first)
}

/// The words the paragraphs capitalise other than at the start of a sentence (or of a
/// paragraph): "Trump" in "said Trump", never "Indeed" of "Indeed, …".
pub(crate) fn capitalised_inside_sentences<'t>(paragraphs: &[&'t str]) -> HashSet<&'t str> {
    let mut found = HashSet::new();
    for text in paragraphs {
        let starts = text.char_indices().filter(|&(at, c)| {
            c.is_uppercase()
                && !text[..at].ends_with(char::is_alphanumeric)
                && !text[..at].ends_with(['\'', '\u{2019}'])
        });
        for (at, _) in starts {
            if text[..at].trim_end().is_empty() || sentence_start(text, at) {
                continue;
            }
            let end = text[at..].find(|c: char| !c.is_alphanumeric()).map_or(text.len(), |e| at + e);
            found.insert(&text[at..end]);
        }
    }
    found
}

fn sentence_start(text: &str, at: usize) -> bool {
    text[..at].trim_end().ends_with(['.', '!', '?', ':', '\u{201D}', '"'])
}

/// The name a relative "who" at `at` refers to: the mention of the same paragraph
/// (`in_previous` says which) ending just before it.
fn antecedent<'t>(earlier: &[(Found, bool)], in_previous: bool, text: &'t str, at: usize) -> Option<&'t str> {
    earlier
        .iter()
        .rev()
        .filter(|(_, previous)| *previous == in_previous)
        .map(|(f, _)| f)
        .find(|f| f.range.end <= at && matches!(f.kind, MentionKind::Name | MentionKind::Body))
        .filter(|f| text.get(f.range.end..at).is_some_and(|between| between.trim().trim_matches(',').trim().is_empty()))
        .and_then(|f| text.get(f.range.clone()))
}

/// The head of a speaker phrase, to compare a mention with a gold speaker: for a
/// named speaker, the name without honorific, role or appositive ("Minyon Moore, a
/// senior adviser" and "Ms. Moore" give "minyon moore" and "moore"); for anything
/// else the words without a leading article; lower case, no possessive, no punctuation.
pub fn normalise(mention: &str) -> String {
    let without_asides = PARENTHESES.replace_all(mention, "");
    let first_part = without_asides.split(',').next().unwrap_or("");
    let phrase = strip_possessive(first_part.trim());
    // A name ends a named speaker's phrase, or is followed only by where the person is
    // from ("Gov. Earl Ray Tomblin of West Virginia"); "the Vermont senator" is a description.
    let ends_phrase = |rest: &str| {
        let rest = rest.trim_matches(|c: char| !c.is_alphanumeric());
        rest.is_empty()
            || rest
                .strip_prefix("of ")
                .is_some_and(|place| place.split_whitespace().all(|w| w.chars().next().is_some_and(char::is_uppercase)))
    };
    let named = NAME
        .find_iter(phrase)
        .filter(|m| ends_phrase(&phrase[m.end()..]))
        .map(|m| clean_name(strip_possessive(m.as_str())))
        .find(|n| !n.is_empty() && is_real_name(n));
    let head = match named {
        Some(name) if !is_body(name) => split_role(name).0,
        Some(name) => name.to_string(),
        None => phrase.to_string(),
    };
    let lower = head.to_lowercase();
    let words: Vec<&str> = lower
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect();
    let words = match words.first() {
        Some(&("the" | "a" | "an")) => &words[1..],
        _ => &words[..],
    };
    words.join(" ")
}

static PARENTHESES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\([^)]*\)").unwrap());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_names_only_known_features() {
        for line in include_str!("../../data/speaker_model.tsv").lines().filter(|l| !l.starts_with('#')) {
            let name = line.split('\t').next().unwrap_or("").trim();
            assert!(
                name.is_empty() || name == "intercept" || name == "threshold" || FEATURES.contains(&name),
                "unknown feature {name}"
            );
        }
    }

    #[test]
    fn mentions_are_names_descriptions_and_pronouns_outside_quotes() {
        let text = "The candidate told Sen. Bernie Sanders that \u{201C}he is wrong,\u{201D} and she said so.";
        let quote_start = text.find('\u{201C}').unwrap();
        let quote_end = text.find('\u{201D}').unwrap() + '\u{201D}'.len_utf8();
        let found: Vec<(&str, MentionKind)> =
            mentions_in(text, 0..text.len(), std::slice::from_ref(&(quote_start..quote_end)))
                .into_iter()
                .map(|(r, k, _)| (&text[r], k))
                .collect();
        assert_eq!(
            found,
            vec![
                ("The candidate", MentionKind::Description),
                ("Bernie Sanders", MentionKind::Name),
                ("she", MentionKind::Pronoun)
            ]
        );
    }

    #[test]
    fn descriptions_open_with_numbers_and_headlines_are_no_names() {
        let kinds = |text: &str| -> Vec<(String, MentionKind)> {
            mentions_in(text, 0..text.len(), &[]).into_iter().map(|(r, k, _)| (text[r].to_string(), k)).collect()
        };
        let questioner = kinds("At a forum in Virginia, one questioner claimed it.");
        assert!(questioner.contains(&("one questioner".to_string(), MentionKind::Description)), "{questioner:?}");
        let groups = kinds("Several environmental groups called it a sham.");
        assert!(groups.contains(&("Several environmental groups".to_string(), MentionKind::Description)), "{groups:?}");
        let reports = kinds("The New York Post reports that she kept it quiet.");
        assert!(reports.contains(&("New York Post".to_string(), MentionKind::Body)), "{reports:?}");
        let compound = kinds("Obama's former campaign strategist said it was outrageous.");
        assert!(
            compound.contains(&("Obama's former campaign strategist".to_string(), MentionKind::Description)),
            "{compound:?}"
        );
        let inverted = kinds("Said Ellis: it will not pass.");
        assert!(inverted.contains(&("Ellis".to_string(), MentionKind::Name)), "{inverted:?}");
        let tycoon = kinds("\u{201C}It was nice,\u{201D} the gambling tycoon told Reuters the day he said it.");
        assert!(tycoon.contains(&("the gambling tycoon".to_string(), MentionKind::Description)), "{tycoon:?}");
        assert!(tycoon.iter().all(|(m, _)| !m.contains("day")), "{tycoon:?}");
        let union = kinds("In a statement, the Association of Flight Attendants called her a champion.");
        assert!(union.contains(&("Association of Flight Attendants".to_string(), MentionKind::Body)), "{union:?}");
        let headline = kinds("CONGRESS HAS INVESTIGATED HIM. Oz said so.");
        assert!(headline.iter().all(|(m, _)| !m.contains("INVESTIGATED")), "{headline:?}");
        assert!(headline.contains(&("Oz".to_string(), MentionKind::Name)), "{headline:?}");
    }

    #[test]
    fn a_name_before_the_nouns_it_modifies_is_part_of_a_description() {
        let mentions = |text: &str| -> Vec<(String, MentionKind)> {
            mentions_in(text, 0..text.len(), &[]).into_iter().map(|(r, k, _)| (text[r].to_string(), k)).collect()
        };
        let supporters = mentions("Sanders supporters chanted slogans.");
        assert_eq!(supporters, [("Sanders supporters".to_string(), MentionKind::Description)]);
        let manager = mentions("Donald Trump\u{2019}s campaign manager said so.");
        assert_eq!(manager, [("Donald Trump\u{2019}s campaign manager".to_string(), MentionKind::Description)]);
        let office = mentions("Powell's office said so.");
        assert_eq!(office, [("Powell's office".to_string(), MentionKind::Description)]);
        let titled = mentions("Sanders campaign manager Jeff Weaver said so.");
        assert_eq!(titled, [("Jeff Weaver".to_string(), MentionKind::Name)]);
        let reports = mentions("The New York Post reports that she kept it quiet.");
        assert!(reports.contains(&("New York Post".to_string(), MentionKind::Body)), "{reports:?}");
        let protesters = mentions("Small groups of protesters continued to chant.");
        assert!(protesters.iter().all(|(m, _)| !m.contains("continued")), "{protesters:?}");
    }

    #[test]
    fn a_relative_who_looks_for_its_name_in_its_own_paragraph() {
        // A "who" in the paragraph before was once resolved against the offsets of the
        // quote's own paragraph, and sliced inside a curly quote mark.
        let previous = "He called it a \u{201C}suitor plan,\u{201D} denounced by some \u{201C}bunch Right,\u{201D} who are \u{201C}just clients overwhelmed \u{2013} they\u{2019}re to blame.\u{201D}";
        for padding in 0..40 {
            let current = format!(
                "{}Senator Jane Alvarez said: \u{201C}We will vote on it this week.\u{201D}",
                "a ".repeat(padding)
            );
            let quotes = crate::findings::quotes::extract([previous, current.as_str()]);
            assert!(quotes.iter().any(|q| q.text.contains("We will vote")));
        }
    }

    #[test]
    fn an_object_cue_reaches_past_a_determiner_and_a_title_word() {
        let object = |text: &str, name: &str| is_object(text, text.find(name).unwrap());
        assert!(object("racial divides in the United States, saying", "United States"));
        assert!(object("a gig with celebrity Barbra Streisand, Clinton called", "Barbra Streisand"));
        assert!(object("runoff from a former Patriot mine", "Patriot"));
        assert!(!object("At the rally, Clinton called", "Clinton"));
        assert!(!object("Aides say the Vermont senator", "Vermont"));
        assert!(!object("In his speech, Trump said", "Trump"));
        assert!(!object("Kevin was drifting off, and as Trump went on", "Trump"));
        assert!(!object("As Trump went on", "Trump"));
        assert!(object("leaders such as Trump", "Trump"));
    }

    #[test]
    fn a_description_runs_on_through_what_it_is_of() {
        let ends =
            |text: &str, noun: &str| text[..description_end(text, text.find(noun).unwrap() + noun.len())].to_string();
        assert_eq!(ends("the former secretary of state said", "secretary"), "the former secretary of state");
        assert_eq!(ends("the chair of the DNC, Donna Brazile", "chair"), "the chair of the DNC");
        assert_eq!(ends("the senator of whom he spoke", "senator"), "the senator");
        assert_eq!(ends("the party official said", "party"), "the party official");
        assert_eq!(ends("the ad\u{2019}s narrator says", "ad"), "the ad\u{2019}s narrator");
        assert_eq!(ends("the ad's budget", "ad"), "the ad");
    }

    #[test]
    fn normalised_as_gold_writes_them() {
        assert_eq!(normalise("The New York Post's"), "new york post");
        assert_eq!(normalise("the Vermont senator,"), "vermont senator");
        assert_eq!(normalise("He"), "he");
        assert_eq!(normalise("Minyon Moore, a senior adviser to the Clinton campaign,"), "minyon moore");
        assert_eq!(normalise("Ms. Moore"), "moore");
        assert_eq!(normalise("Sen. Richard Blumenthal (D-Conn.)"), "richard blumenthal");
        assert_eq!(normalise("Clinton\u{2019}s top foreign policy aide Jake Sullivan"), "jake sullivan");
        assert_eq!(normalise("Representative Charles B. Rangel of New York"), "charles b rangel");
        assert_eq!(normalise("the former secretary of state"), "former secretary of state");
    }
}
