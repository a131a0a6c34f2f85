//! Dates in article text resolved to the calendar, dated events, and a story's timeline.
//!
//! Absolute dates ("December 15, 2021", "in 1997") and relative ones ("on Friday",
//! "last week", "earlier this month") are resolved against a reference date: the
//! article's publication date, or, when it is unknown, a date inferred from its story.
//! News writes in the past tense, so a bare weekday is the latest such day on or
//! before the reference ("said Friday" in a Friday paper is that Friday).

use crate::dates::{self, WEEKDAY_NAMES};
use crate::findings::entities::{ArticleEntities, EntityKind};
use crate::findings::lexicon::SPEECH_VERBS;
use crate::findings::sentences;
use crate::text::paragraph_starts;
use chrono::{Datelike, Days, Months, NaiveDate};
use regex::Regex;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::sync::LazyLock;

/// How exactly a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Day,
    Week,
    Month,
    Year,
}

/// A date with its precision: weeks start on Monday, months and years on their first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FuzzyDate {
    pub date: NaiveDate,
    pub precision: Precision,
}

impl FuzzyDate {
    fn new(date: NaiveDate, precision: Precision) -> FuzzyDate {
        let start = match precision {
            Precision::Day => date,
            Precision::Week => date - Days::new(u64::from(date.weekday().num_days_from_monday())),
            Precision::Month => date.with_day(1).unwrap_or(date),
            Precision::Year => NaiveDate::from_ymd_opt(date.year(), 1, 1).unwrap_or(date),
        };
        FuzzyDate { date: start, precision }
    }

    /// `2021-12-15`, `2021-12-06` (a week's Monday), `2022-01`, `2022`: the export's form.
    pub fn label(&self) -> String {
        match self.precision {
            Precision::Day | Precision::Week => self.date.format("%Y-%m-%d").to_string(),
            Precision::Month => self.date.format("%Y-%m").to_string(),
            Precision::Year => self.date.format("%Y").to_string(),
        }
    }

    /// For people: "Wed 15 Dec 2021", "week of 6 Dec 2021", "January 2022", "2022".
    pub fn human(&self) -> String {
        match self.precision {
            Precision::Day => self.date.format("%a %-d %b %Y").to_string(),
            Precision::Week => self.date.format("week of %-d %b %Y").to_string(),
            Precision::Month => self.date.format("%B %Y").to_string(),
            Precision::Year => self.date.format("%Y").to_string(),
        }
    }
}

/// A date expression found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedDate {
    pub when: FuzzyDate,
    pub span: Range<usize>,
}

const NUMBER_WORDS: [&str; 10] = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];

static RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)(?-u:\b)(?:
            (?P<today>today|tonight|this\ morning|this\ afternoon|this\ evening)
          | (?P<yesterday>yesterday)
          | (?P<tomorrow>tomorrow)
          | (?:(?P<which>last|this|next|earlier\ this|later\ this|late\ last|early\ last|earlier\ last)\s+(?P<unit>week|month|year))
          | (?:(?P<count>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|a)\s+(?P<ago_unit>day|week|month|year)s?\s+ago)
          | (?:(?P<weekday_mod>last|next|this|on|since|from|until|by)\s+)?(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)
          | (?:(?:in|since|by|during|until|of)\s+(?:(?:late|early|mid-?|the\ summer\ of|the\ spring\ of|the\ autumn\ of|the\ fall\ of|the\ winter\ of)\s*)?(?P<month>January|February|March|April|May|June|July|August|September|October|November|December)?\s*(?P<year>(?:19|20)\d{2}))(?-u:\b)
          | (?P<month_day>(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)\s+\d{1,2})(?-u:\b)
          | (?:in\s+(?P<bare_month>January|February|March|April|June|July|August|September|October|November|December))(?-u:\b)
        )",
    )
    .unwrap()
});

fn month_offset(date: NaiveDate, months: i32) -> NaiveDate {
    if months >= 0 {
        date.checked_add_months(Months::new(months as u32)).unwrap_or(date)
    } else {
        date.checked_sub_months(Months::new(months.unsigned_abs())).unwrap_or(date)
    }
}

fn year_offset(date: NaiveDate, years: i32) -> NaiveDate {
    month_offset(date, years * 12)
}

/// The latest `weekday` on or before `reference` (or the first after it, for "next").
fn weekday_near(reference: NaiveDate, weekday: &str, forward: bool) -> NaiveDate {
    let wanted = WEEKDAY_NAMES.iter().position(|w| *w == weekday).unwrap_or(0) as i64;
    let today = i64::from(reference.weekday().num_days_from_monday());
    if forward {
        let ahead = (wanted - today).rem_euclid(7);
        reference + Days::new(if ahead == 0 { 7 } else { ahead as u64 })
    } else {
        reference - Days::new((today - wanted).rem_euclid(7) as u64)
    }
}

fn resolve_relative(c: &regex::Captures<'_>, reference: NaiveDate) -> Option<FuzzyDate> {
    use Precision::*;
    let day = |d: NaiveDate| Some(FuzzyDate::new(d, Day));
    if c.name("today").is_some() {
        return day(reference);
    }
    if c.name("yesterday").is_some() {
        return day(reference - Days::new(1));
    }
    if c.name("tomorrow").is_some() {
        return day(reference + Days::new(1));
    }
    if let (Some(which), Some(unit)) = (c.name("which"), c.name("unit")) {
        let step = match which.as_str() {
            "next" => 1,
            w if w.contains("last") => -1,
            _ => 0,
        };
        return Some(match unit.as_str() {
            "week" => FuzzyDate::new(reference + chrono::Duration::days(7 * step), Week),
            "month" => FuzzyDate::new(month_offset(reference, step as i32), Month),
            _ => FuzzyDate::new(year_offset(reference, step as i32), Year),
        });
    }
    if let (Some(count), Some(unit)) = (c.name("count"), c.name("ago_unit")) {
        let n: i64 = count
            .as_str()
            .parse()
            .ok()
            .or_else(|| NUMBER_WORDS.iter().position(|w| *w == count.as_str()).map(|i| i as i64 + 1))?;
        let n = if count.as_str() == "a" { 1 } else { n };
        return Some(match unit.as_str() {
            "day" => FuzzyDate::new(reference - chrono::Duration::days(n), Day),
            "week" => FuzzyDate::new(reference - chrono::Duration::days(7 * n), Week),
            "month" => FuzzyDate::new(month_offset(reference, -(n as i32)), Month),
            _ => FuzzyDate::new(year_offset(reference, -(n as i32)), Year),
        });
    }
    if let Some(weekday) = c.name("weekday") {
        let modifier = c.name("weekday_mod").map(|m| m.as_str());
        let date = weekday_near(reference, weekday.as_str(), modifier == Some("next"));
        // "last Friday" in a Friday paper is a week ago.
        let date = if modifier == Some("last") && date == reference { date - Days::new(7) } else { date };
        return day(date);
    }
    if let Some(year) = c.name("year") {
        let year: i32 = year.as_str().parse().ok()?;
        return match c.name("month") {
            Some(month) => {
                let number = dates::MONTH_NAMES.iter().position(|m| *m == month.as_str())? as u32 + 1;
                Some(FuzzyDate::new(NaiveDate::from_ymd_opt(year, number, 1)?, Month))
            }
            None => Some(FuzzyDate::new(NaiveDate::from_ymd_opt(year, 1, 1)?, Year)),
        };
    }
    if let Some(month_day) = c.name("month_day") {
        let with_year = format!("{} {}", month_day.as_str(), reference.year());
        let date = dates::parse_date(&with_year)?;
        // "December 28" in a January paper is last year's.
        let date = if date > reference + Days::new(31) { year_offset(date, -1) } else { date };
        return day(date);
    }
    let month = c.name("bare_month")?;
    let number = dates::MONTH_NAMES.iter().position(|m| *m == month.as_str())? as u32 + 1;
    let mut date = NaiveDate::from_ymd_opt(reference.year(), number, 1)?;
    if date > reference {
        date = year_offset(date, -1);
    }
    Some(FuzzyDate::new(date, Month))
}

/// Every date expression in `text`, resolved against `reference`, in order.
pub fn resolve_dates(text: &str, reference: NaiveDate) -> Vec<ResolvedDate> {
    let mut found: Vec<ResolvedDate> = dates::find_dates(text)
        .into_iter()
        .map(|f| ResolvedDate { when: FuzzyDate::new(f.date, Precision::Day), span: f.span })
        .collect();
    for c in RELATIVE.captures_iter(text) {
        let span = c.get(0).map(|m| m.range()).unwrap_or_default();
        if found.iter().any(|f| f.span.start < span.end && span.start < f.span.end) {
            continue;
        }
        if let Some(when) = resolve_relative(&c, reference) {
            found.push(ResolvedDate { when, span });
        }
    }
    found.sort_by_key(|f| f.span.start);
    found
}

static ACTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?-u:\b)(?:{SPEECH_VERBS}|[a-z]{{3,}}ed|met|sent|gave|made|took|held|left|went|began|came|won|lost|struck|fled|fought|spoke|led|hit|sold|bought|paid|brought|built|chose|rose|fell|drew|signed|passed|handed|informs|seeks|demands|denies|accuses|requests|meets|sends|visits|holds|calls)(?-u:\b)"
    ))
    .unwrap()
});

/// A dated sentence of one article: something an actor did on a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleEvent {
    pub when: FuzzyDate,
    /// The sentence, as written.
    pub sentence: String,
    /// Byte offsets of the sentence in the clean text.
    pub start: usize,
    pub end: usize,
    /// Indices of the article's entities acting or named in the sentence, persons and organisations first.
    pub actors: Vec<usize>,
    /// The date comes from a reference inferred from the story, not the article's own date.
    pub inferred: bool,
    /// Dated by the publication date because it is the article's lead and says no other date.
    pub lead: bool,
}

/// The dated events of an article. `reference` is its publication date (or the
/// date inferred from its story, with `inferred`).
pub fn article_events(
    paragraphs: &[&str],
    entities: &ArticleEntities,
    reference: NaiveDate,
    inferred: bool,
) -> Vec<ArticleEvent> {
    let lead_paragraph = paragraphs.iter().position(|p| sentences::strip_dateline(p).len() < p.len()).unwrap_or(0);
    let mut events = Vec::new();
    for (number, (offset, paragraph)) in paragraph_starts(paragraphs.iter().copied()).enumerate() {
        for (index, range) in sentences::split(paragraph).into_iter().enumerate() {
            let sentence = &paragraph[range.clone()];
            let start = offset + range.start;
            let end = offset + range.end;
            let actors = actors_in(entities, start..end);
            if actors.is_empty() || !ACTION.is_match(sentence) {
                continue;
            }
            let is_lead = number == lead_paragraph && index == 0;
            let (when, lead) = match main_date(sentence, reference) {
                Some(found) => (found.when, false),
                None if is_lead => (FuzzyDate::new(reference, Precision::Day), true),
                None => continue,
            };
            let sentence = sentences::strip_dateline(sentence).to_string();
            events.push(ArticleEvent { when, sentence, start, end, actors, inferred, lead });
        }
    }
    events
}

static SPEECH: LazyLock<Regex> = LazyLock::new(|| Regex::new(&format!(r"(?-u:\b)(?:{SPEECH_VERBS})(?-u:\b)")).unwrap());

/// The date a sentence's action happened: the one right after its speech verb
/// ("said Friday", "said last month") when there is one, else the first. Dates far
/// from the reference ("how it was in 1997") are background, not the story's events.
fn main_date(sentence: &str, reference: NaiveDate) -> Option<ResolvedDate> {
    let found: Vec<ResolvedDate> = resolve_dates(sentence, reference)
        .into_iter()
        .filter(|d| d.when.date >= year_offset(reference, -2) && d.when.date <= year_offset(reference, 1))
        .collect();
    let spoken = SPEECH
        .find_iter(sentence)
        .find_map(|verb| found.iter().find(|d| d.span.start >= verb.end() && d.span.start <= verb.end() + 4).cloned());
    spoken.or_else(|| found.into_iter().next())
}

/// Entities mentioned within `range`: people and organisations first, then places, each once.
fn actors_in(entities: &ArticleEntities, range: Range<usize>) -> Vec<usize> {
    let mut found: Vec<usize> = Vec::new();
    for mention in entities.mentions.iter().filter(|m| m.start >= range.start && m.end <= range.end) {
        if !found.contains(&mention.entity) {
            found.push(mention.entity);
        }
    }
    found.sort_by_key(|&e| entities.entities[e].kind == EntityKind::Place);
    found
}

/// Words of a text for comparing sentences: lower-cased, four letters or more.
pub fn content_words(text: &str) -> std::collections::HashSet<String> {
    let mut words = std::collections::HashSet::new();
    each_content_word(&[text], |word| {
        words.insert(word.to_string());
    });
    words
}

/// Jaccard similarity of two word sets, each sorted without repeats.
pub fn overlap<T: Ord>(a: &[T], b: &[T]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = crate::text::shared_count(a, b);
    shared as f64 / (a.len() + b.len() - shared) as f64
}

/// The dated members of a story by their words, to give an article without a date the
/// date of the dated member whose words are most like its own (Jaccard similarity; the
/// earliest date among equals). Only the members sharing a word with it are counted,
/// through an index of words, so a story's undated members cost their words, not a
/// comparison with every dated member.
pub struct DatedWords {
    word_ids: FxHashMap<String, u32>,
    /// For each word, the dated members using it.
    postings: Vec<Vec<u32>>,
    /// Each dated member's date and number of distinct words.
    dated: Vec<(NaiveDate, usize)>,
}

/// Each content word of `paragraphs` (see [`content_words`]), lower-cased, and copied
/// only when lower-casing changes it.
fn each_content_word(paragraphs: &[&str], mut visit: impl FnMut(&str)) {
    for paragraph in paragraphs {
        for word in paragraph.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 4) {
            if !word.chars().flat_map(char::to_lowercase).eq(word.chars()) {
                visit(&word.to_lowercase());
            } else {
                visit(word);
            }
        }
    }
}

impl DatedWords {
    /// Indexes the words of each dated member (its date and its paragraphs).
    pub fn new<'t>(dated: impl IntoIterator<Item = (NaiveDate, &'t [&'t str])>) -> DatedWords {
        let mut index = DatedWords { word_ids: FxHashMap::default(), postings: Vec::new(), dated: Vec::new() };
        let mut ids: Vec<u32> = Vec::new();
        for (date, paragraphs) in dated {
            ids.clear();
            each_content_word(paragraphs, |word| {
                let id = match index.word_ids.get(word) {
                    Some(&id) => id,
                    None => {
                        index.postings.push(Vec::new());
                        let id = index.postings.len() as u32 - 1;
                        index.word_ids.insert(word.to_string(), id);
                        id
                    }
                };
                ids.push(id);
            });
            ids.sort_unstable();
            ids.dedup();
            let member = index.dated.len() as u32;
            index.dated.push((date, ids.len()));
            for &id in &ids {
                index.postings[id as usize].push(member);
            }
        }
        index
    }

    /// The date for an article without one, from its paragraphs; None when no member is dated.
    pub fn reference_for(&self, paragraphs: &[&str]) -> Option<NaiveDate> {
        let (mut known, mut unknown): (Vec<u32>, FxHashSet<String>) = (Vec::new(), FxHashSet::default());
        each_content_word(paragraphs, |word| match self.word_ids.get(word) {
            Some(&id) => known.push(id),
            None => {
                unknown.insert(word.to_string());
            }
        });
        known.sort_unstable();
        known.dedup();
        let own = known.len() + unknown.len();
        let mut shared = vec![0u32; self.dated.len()];
        for &id in &known {
            for &member in &self.postings[id as usize] {
                shared[member as usize] += 1;
            }
        }
        let similarity = |(&(_, size), &shared): (&(NaiveDate, usize), &u32)| match (own, size) {
            (0, _) | (_, 0) => 0.0,
            (own, size) => shared as f64 / (own + size - shared as usize) as f64,
        };
        self.dated
            .iter()
            .zip(&shared)
            .map(|member| (similarity(member), member.0 .0))
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
            .map(|(_, date)| date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::entities;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn first(text: &str, reference: NaiveDate) -> String {
        resolve_dates(text, reference)
            .first()
            .map(|r| format!("{} {:?}", r.when.label(), r.when.precision))
            .unwrap_or_default()
    }

    /// Words are lower-cased as `str::to_lowercase` does it, whatever letters they hold
    /// (title case, a final sigma, a dotted capital I), and copied only when that changes them.
    #[test]
    fn content_words_are_lower_cased_as_strings_are() {
        let text = "Ǆemal ǅemal ΟΔΟΣ İstanbul naïve PUTIN's putin 2021 the in";
        let expected: std::collections::HashSet<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 4)
            .map(str::to_lowercase)
            .collect();
        assert_eq!(content_words(text), expected);
    }

    #[test]
    fn resolves_relative_dates_against_the_reference() {
        let friday = d(2021, 12, 17);
        assert_eq!(first("a diplomat said Friday", friday), "2021-12-17 Day");
        assert_eq!(first("delivered on Wednesday to", friday), "2021-12-15 Day");
        assert_eq!(first("this week handed", friday), "2021-12-13 Week");
        assert_eq!(first("Biden last week warned", d(2021, 12, 15)), "2021-12-06 Week");
        assert_eq!(first("said last month that", d(2022, 2, 20)), "2022-01 Month");
        assert_eq!(first("Earlier this month, Russia received", d(2022, 2, 20)), "2022-02 Month");
        assert_eq!(first("how it was in 1997.", friday), "1997 Year");
        assert_eq!(first("in late 2021 requesting", friday), "2021 Year");
        assert_eq!(first("met yesterday", friday), "2021-12-16 Day");
        assert_eq!(first("last Friday", friday), "2021-12-10 Day");
        assert_eq!(first("next Monday", friday), "2021-12-20 Day");
        assert_eq!(first("two weeks ago", friday), "2021-11-29 Week");
        assert_eq!(first("on December 28", d(2022, 1, 5)), "2021-12-28 Day");
        assert_eq!(first("on December 15, 2021", d(2022, 1, 5)), "2021-12-15 Day");
        assert_eq!(first("in March 2020", friday), "2020-03 Month");
        assert_eq!(first("Security proposals", friday), "");
    }

    #[test]
    fn events_need_a_date_an_actor_and_an_action() {
        let paragraphs = [
            "Russia proposed drafts in late 2021.",
            "MOSCOW (Sputnik) - Russian Deputy Foreign Minister Sergey Ryabkov said the reply was empty. It rained on Friday.",
            "Also, Russian Foreign Minister Sergey Lavrov said last month that talks stalled.",
        ];
        let found = entities::extract(paragraphs);
        let events = article_events(&paragraphs, &found, d(2022, 2, 20), false);
        let labels: Vec<(String, bool)> = events.iter().map(|e| (e.when.label(), e.lead)).collect();
        assert_eq!(
            labels,
            [("2021".to_string(), false), ("2022-02-20".to_string(), true), ("2022-01".to_string(), false)]
        );
        assert!(events[1].sentence.starts_with("Russian Deputy"));
    }
}
