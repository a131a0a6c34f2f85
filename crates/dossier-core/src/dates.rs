//! Finding and parsing calendar dates written in article text and URLs.

use chrono::{Datelike, NaiveDate};
use regex::Regex;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

/// Month names and abbreviations in several languages, lowercase, with their numbers
/// (`data/months.tsv`).
static MONTH_NAMES_BY_NUMBER: LazyLock<HashMap<String, u32>> = LazyLock::new(|| {
    include_str!("../data/months.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .flat_map(|line| {
            let mut fields = line.split('\t');
            let number: u32 = fields.next().and_then(|n| n.parse().ok()).expect("months.tsv: a month number first");
            fields.map(move |name| (name.to_lowercase(), number))
        })
        .collect()
});

/// An alternation of every month name, longest first so that `sept` is not read as `sep`.
fn months_pattern() -> String {
    let mut names: Vec<&String> = MONTH_NAMES_BY_NUMBER.keys().collect();
    names.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    let names: Vec<String> = names.into_iter().map(|n| regex::escape(n)).collect();
    format!("(?:{})", names.join("|"))
}

static MONTH_DAY_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    let months = months_pattern();
    Regex::new(&format!(r"(?i)(?P<date>({months})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}))")).unwrap()
});
/// `17 December 2021`, `17. Dezember 2021`, `1er avril 2020`, `28 de abril de 2020`.
/// Word boundaries are ASCII (`(?-u:\b)`), spelled out or checked by [`find_dates_in`]:
/// Unicode ones would keep these patterns off the fast regex engines, and they run over
/// every line of every article.
static DAY_MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    let months = months_pattern();
    Regex::new(&format!(
        r"(?i)(?-u:\b)(?P<date>(\d{{1,2}})(?:st|nd|rd|th|er|\.)?\s+(?:de\s+)?({months})\.?,?\s+(?:de\s+)?(\d{{4}}))"
    ))
    .unwrap()
});
static ISO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u:\b)(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?(?-u:\b)",
    )
    .unwrap()
});
/// `4.2.2022`, also spaced as some pages print it (`4. 2. 2022`, with thin spaces), and
/// glued to the word before it where a page sets a byline and its date side by side
/// without a space between them ("Tanja Karrasch3.11.2023").
static DOTTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^\d.])(?P<date>(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}))(?-u:\b)").unwrap());
static SLASHED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u:\b)(\d{1,2})/(\d{1,2})/(\d{4})(?-u:\b)").unwrap());
/// `23.09.22`: a two-digit year, read only where the whole line is a date (in running
/// text it may be a version or a score).
static DOTTED_SHORT_YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)(\d{1,2})\.(\d{1,2})\.(\d{2})(?-u:\b)").unwrap());
/// A date in a URL path only when it cannot be anything else: `/2021/12/17/`,
/// `/2021-12-17`, `/20211217`, `/29-10-2021` (day first only when the day is above 12);
/// not an issue or a season (`/2023/43/`, `/2021-22/`).
static URL_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"/((?:19|20)\d{2})/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])(?:[/._-]|$)|[/_-]((?:19|20)\d{2})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?:[/._-]|$)|/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:[/._-]|$)|[/_-](1[3-9]|2\d|3[01])-(0[1-9]|1[0-2])-((?:19|20)\d{2})(?:[/._-]|$)").unwrap()
});
static DATE_LINE_NOISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:published|updated|posted|last updated|first published|on|at|date|datum|veröffentlicht|aktualisiert|erstellt|stand|vom|am|um|uhr|publié|mis à jour|mise en ligne|le|publicado|actualizado|el|pubblicato|aggiornato|il|opublikowano|aktualizacja|dnia|опубликовано|обновлено|опубліковано|оновлено|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun|am|pm|a\.m\.|p\.m\.|written|geschrieben|verfasst|gespeichert|erschienen|erscheinungsdatum|publiziert|postado|atualizado|em|gmt|utc|bst|est|edt|cst|cdt|mst|mdt|cet|cest|msk|pst|pdt|\d{1,2}:\d{2}(?::\d{2})?(?:am|pm)?)(?-u:\b)|[|:,·•\-–—()/]").unwrap()
});

pub const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub const WEEKDAY_NAMES: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// Whether a capitalised word is a month or weekday name.
pub fn is_calendar_name(word: &str) -> bool {
    MONTH_NAMES.contains(&word) || WEEKDAY_NAMES.contains(&word)
}

/// What a text's slashed dates say about the order they are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlashEvidence {
    /// No slashed date whose order matters (`02/10/2020`) is written.
    Moot,
    /// The text's unambiguous slashed dates show this order (`14/04/2020` day first,
    /// `04/14/2020` month first).
    Shown(SlashOrder),
    /// Some slashed dates are ambiguous and the others do not settle their order.
    Unsaid,
}

/// What `text`'s slashed dates say about their order, in one pass over it.
pub fn slash_evidence(text: &str) -> SlashEvidence {
    let (mut day_first, mut month_first, mut ambiguous) = (0usize, 0usize, false);
    for c in SLASHED.captures_iter(text) {
        match slashed_numbers(&c) {
            (a, b) if a > 12 && b <= 12 => day_first += 1,
            (a, b) if b > 12 && a <= 12 => month_first += 1,
            (a, b) => ambiguous |= a != b && a <= 12 && b <= 12,
        }
    }
    match day_first.cmp(&month_first) {
        _ if !ambiguous => SlashEvidence::Moot,
        std::cmp::Ordering::Greater => SlashEvidence::Shown(SlashOrder::DayFirst),
        std::cmp::Ordering::Less => SlashEvidence::Shown(SlashOrder::MonthFirst),
        std::cmp::Ordering::Equal => SlashEvidence::Unsaid,
    }
}

/// The first two numbers of a slashed date (`02/10/2020`: 2 and 10).
fn slashed_numbers(c: &regex::Captures<'_>) -> (u32, u32) {
    (c[1].parse().unwrap_or(0), c[2].parse().unwrap_or(0))
}

/// How a text writes `02/10/2020`: month first (American English) or day first (most
/// other languages, British English included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SlashOrder {
    #[default]
    MonthFirst,
    DayFirst,
}

impl SlashOrder {
    /// The order a page in this language (a BCP 47 tag such as `de`, `en-GB`) uses;
    /// month first when the language is unknown or plain English.
    pub fn of_language(language: Option<&str>) -> SlashOrder {
        let Some(tag) = language.map(|l| l.trim().to_ascii_lowercase()).filter(|l| !l.is_empty()) else {
            return SlashOrder::MonthFirst;
        };
        let mut parts = tag.split(['-', '_']);
        match (parts.next(), parts.next()) {
            (Some("en"), None | Some("us")) => SlashOrder::MonthFirst,
            _ => SlashOrder::DayFirst,
        }
    }
}

/// The zone a page keeps its day in, when its language is spoken in one (a page
/// shows its own day; its machine stamps are often instants in UTC, and a day that
/// starts at midnight in Berlin is stamped `…T23:00:00Z` the evening before).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PageZone {
    #[default]
    Unknown,
    /// UTC+1, +2 in EU summer time.
    CentralEurope,
    /// UTC+2, +3 in EU summer time.
    EasternEurope,
}

impl PageZone {
    /// The zone of a page in this language (a BCP 47 tag): only languages spoken in
    /// one European zone, and only without a region outside Europe (`fr-CA`, `es`,
    /// `en`, `pt` and `ru` span many zones and stay unknown).
    pub fn of_language(language: Option<&str>) -> PageZone {
        const CENTRAL: &[&str] = &[
            "de", "fr", "it", "nl", "pl", "cs", "sk", "hu", "sl", "hr", "sr", "bs", "da", "sv", "nb", "nn", "no", "lb",
            "ca",
        ];
        const EASTERN: &[&str] = &["fi", "el", "ro", "bg", "uk", "lt", "lv", "et"];
        const EUROPEAN_REGIONS: &[&str] = &[
            "de", "at", "ch", "li", "fr", "be", "lu", "mc", "it", "sm", "va", "nl", "pl", "cz", "sk", "hu", "si", "hr",
            "rs", "ba", "me", "dk", "se", "no", "ad", "es", "fi", "gr", "cy", "ro", "bg", "ua", "lt", "lv", "ee",
        ];
        let Some(tag) = language.map(|l| l.trim().to_ascii_lowercase()) else { return PageZone::Unknown };
        let mut parts = tag.split(['-', '_']);
        let (language, region) = (parts.next().unwrap_or_default(), parts.next());
        if region.is_some_and(|r| r.len() == 2 && !EUROPEAN_REGIONS.contains(&r)) {
            return PageZone::Unknown;
        }
        if CENTRAL.contains(&language) {
            PageZone::CentralEurope
        } else if EASTERN.contains(&language) {
            PageZone::EasternEurope
        } else {
            PageZone::Unknown
        }
    }

    /// Hours ahead of UTC at this instant.
    fn offset_hours(self, instant: chrono::DateTime<chrono::Utc>) -> Option<i64> {
        let standard = match self {
            PageZone::Unknown => return None,
            PageZone::CentralEurope => 1,
            PageZone::EasternEurope => 2,
        };
        // EU summer time: from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October.
        let last_sunday = |month: u32| {
            let next = if month == 12 { (instant.year() + 1, 1) } else { (instant.year(), month + 1) };
            let end = NaiveDate::from_ymd_opt(next.0, next.1, 1)?.pred_opt()?;
            let back = end.weekday().num_days_from_sunday();
            end.checked_sub_days(chrono::Days::new(u64::from(back)))?.and_hms_opt(1, 0, 0)
        };
        let (start, end) = (last_sunday(3)?, last_sunday(10)?);
        let now = instant.naive_utc();
        Some(if (start..end).contains(&now) { standard + 1 } else { standard })
    }
}

/// How a page writes its dates: the order of its slashed dates, and the zone of its day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageCalendar {
    pub order: SlashOrder,
    pub zone: PageZone,
}

impl PageCalendar {
    pub fn of_language(language: Option<&str>) -> PageCalendar {
        PageCalendar { order: SlashOrder::of_language(language), zone: PageZone::of_language(language) }
    }

    /// The day of a machine stamp (`2022-11-06T23:00:00.000Z`, `2021-03-04`): an instant
    /// in UTC is the day it falls on in the page's zone, when that is known; anything
    /// else is the date it writes.
    pub fn stamp_day(&self, value: &str) -> Option<NaiveDate> {
        self.instant_day(value).or_else(|| parse_date_in(value, self.order))
    }

    /// The day in the page's zone of a stamp that is an instant in UTC; `None` for any
    /// other stamp, or when the page's zone is not known.
    pub fn instant_day(&self, value: &str) -> Option<NaiveDate> {
        let instant = chrono::DateTime::parse_from_rfc3339(value.trim()).ok()?;
        if instant.offset().local_minus_utc() != 0 {
            return None;
        }
        let instant = instant.with_timezone(&chrono::Utc);
        let hours = self.zone.offset_hours(instant)?;
        Some((instant + chrono::Duration::hours(hours)).date_naive())
    }
}

/// A date found in a text, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDate {
    pub date: NaiveDate,
    pub span: Range<usize>,
}

fn month_number(name: &str) -> Option<u32> {
    MONTH_NAMES_BY_NUMBER.get(&name.to_lowercase()).copied()
}

fn plausible(date: NaiveDate) -> Option<NaiveDate> {
    (1900..=2100).contains(&date.year()).then_some(date)
}

fn ymd(year: &str, month: u32, day: &str) -> Option<NaiveDate> {
    plausible(NaiveDate::from_ymd_opt(year.parse().ok()?, month, day.parse().ok()?)?)
}

/// Every full calendar date (day, month and year) written in `text`, in order.
/// Dotted dates are read day-first (`13.01.2022`), slashed dates month-first unless
/// the first number cannot be a month.
pub fn find_dates(text: &str) -> Vec<FoundDate> {
    find_dates_in(text, SlashOrder::MonthFirst)
}

/// [`find_dates`] for a text whose slashed dates follow `order` (a number above 12
/// still decides an order on its own).
pub fn find_dates_in(text: &str, order: SlashOrder) -> Vec<FoundDate> {
    let mut found: Vec<FoundDate> = Vec::new();
    let mut push = |date: Option<NaiveDate>, span: Range<usize>| {
        if let Some(date) = date {
            if !found.iter().any(|f| f.span.start < span.end && span.start < f.span.end) {
                found.push(FoundDate { date, span });
            }
        }
    };
    // A year runs on into a letter where a page glues its published and updated dates
    // ("August 2, 2019August 2, 2019"), never into a digit.
    let ends_in_year = |span: &Range<usize>| !text[span.end..].starts_with(|c: char| c.is_ascii_digit());
    // A month's name starts a word ("Omar 12, 2020" holds no date), but may follow a digit.
    let starts_word = |span: &Range<usize>| text[..span.start].chars().next_back().is_none_or(|c| !c.is_alphabetic());
    for c in MONTH_DAY_YEAR.captures_iter(text) {
        let m = month_number(&c[2]).unwrap_or(0);
        let span = c.name("date").expect("the pattern's date group").range();
        if starts_word(&span) && ends_in_year(&span) {
            push(ymd(&c[4], m, &c[3]), span);
        }
    }
    for c in DAY_MONTH_YEAR.captures_iter(text) {
        let m = month_number(&c[3]).unwrap_or(0);
        let span = c.name("date").expect("the pattern's date group").range();
        if ends_in_year(&span) {
            push(ymd(&c[4], m, &c[2]), span);
        }
    }
    for c in ISO.captures_iter(text) {
        push(ymd(&c[1], c[2].parse().unwrap_or(0), &c[3]), c.get(0).unwrap().range());
    }
    for c in DOTTED.captures_iter(text) {
        let span = c.name("date").expect("the pattern's date group").range();
        // "28.09.19" glued to "12:44" reads as the year 1912: a two-digit year and a time.
        if text[span.end..].starts_with(':') {
            continue;
        }
        push(ymd(&c[4], c[3].parse().unwrap_or(0), &c[2]), span);
    }
    for c in SLASHED.captures_iter(text) {
        let (a, b) = slashed_numbers(&c);
        let day_first = a > 12 || (order == SlashOrder::DayFirst && b <= 12);
        let date = if day_first { ymd(&c[3], b, &c[1]) } else { ymd(&c[3], a, &c[2]) };
        push(date, c.get(0).unwrap().range());
    }
    found.sort_by_key(|f| f.span.start);
    found
}

/// Parses a free-form date string such as a metadata value (`2021-12-17T10:00:00Z`,
/// `Fri, 17 Dec 2021 10:00:00 GMT`, `December 17, 2021`).
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    parse_date_in(value, SlashOrder::MonthFirst)
}

/// [`parse_date`] for a value whose slashed dates follow `order`.
pub fn parse_date_in(value: &str, order: SlashOrder) -> Option<NaiveDate> {
    find_dates_in(value, order).first().map(|f| f.date)
}

/// A line that is nothing but a date, possibly with a weekday, a time or a
/// "Published"/"Updated" label: the kind of line a page prints under its headline.
pub fn date_only_line(line: &str) -> Option<NaiveDate> {
    date_only_line_in(line, SlashOrder::MonthFirst)
}

/// [`date_only_line`] for a line whose slashed dates follow `order`; a two-digit year
/// (`23.09.22`) is read here, where nothing but the date is on the line.
pub fn date_only_line_in(line: &str, order: SlashOrder) -> Option<NaiveDate> {
    let mut dates = find_dates_in(line, order);
    if dates.is_empty() {
        dates = short_year_dates(line);
    }
    let first = dates.first()?;
    let mut rest = String::with_capacity(line.len());
    rest.push_str(&line[..first.span.start]);
    rest.push(' ');
    rest.push_str(&line[first.span.end..]);
    for other in &dates[1..] {
        // "Published 17.12.2021, updated 18.12.2021" is still a date line; the first date wins.
        rest = rest.replace(&line[other.span.clone()], " ");
    }
    let leftover = DATE_LINE_NOISE.replace_all(&rest, " ");
    leftover.trim().is_empty().then_some(first.date)
}

/// `DD.MM.YY` dates, the century being the nearer one (`13` → 2013, `98` → 1998).
fn short_year_dates(line: &str) -> Vec<FoundDate> {
    DOTTED_SHORT_YEAR
        .captures_iter(line)
        .filter_map(|c| {
            let short: i32 = c[3].parse().ok()?;
            let year = if short < 70 { 2000 + short } else { 1900 + short };
            let date = plausible(NaiveDate::from_ymd_opt(year, c[2].parse().ok()?, c[1].parse().ok()?)?)?;
            Some(FoundDate { date, span: c.get(0)?.range() })
        })
        .collect()
}

/// The date of a byline or source line under a headline: `By Staff · October 31, 2016`,
/// `Breitbart, 12.10.2016`, `Von Anna Muster, 3. März 2021`. What is left beside the date
/// (and labels) is a byline, at most four capitalised words or one or two words without a
/// digit (`dpa`): a name, not a sentence. Slashed dates follow `order`.
pub fn byline_date_in(line: &str, order: SlashOrder) -> Option<NaiveDate> {
    let dates = find_dates_in(line, order);
    let first = dates.first()?;
    let mut rest = line.to_string();
    for date in dates.iter().rev() {
        rest.replace_range(date.span.clone(), " ");
    }
    let leftover = DATE_LINE_NOISE.replace_all(&rest, " ");
    let words: Vec<&str> = leftover.split_whitespace().collect();
    let byline = words.first().is_some_and(|w| BYLINE_WORDS.contains(&w.to_lowercase().as_str()));
    // A source or a handle beside the date ("dpa", "telebasel") may be written in lower
    // case; a count ("1 capture", "3 comments") is no name.
    let name = (words.len() <= 2 && words.iter().all(|w| !w.contains(|c: char| c.is_ascii_digit())))
        || (words.len() <= 4 && words.iter().all(|w| w.chars().next().is_some_and(|c| c.is_uppercase())));
    (words.len() <= 8 && (byline || name)).then_some(first.date)
}

/// Words that open a byline, in the languages Dossier reads.
const BYLINE_WORDS: [&str; 8] = ["by", "von", "par", "por", "di", "door", "przez", "автор"];

/// The publication date written in an article's own URL path (`/2021/12/17/`, `/20211217/`).
pub fn date_in_url(url: &str) -> Option<NaiveDate> {
    let path_start = url.find("://").map(|i| i + 3).unwrap_or(0);
    let path = &url[path_start..];
    let path = &path[path.find('/')?..];
    let c = URL_DATE.captures(path)?;
    if c.get(10).is_some() {
        return ymd(&c[12], c[11].parse().ok()?, &c[10]);
    }
    let group = (1..=7).step_by(3).find(|&g| c.get(g).is_some())?;
    ymd(&c[group], c[group + 1].parse().ok()?, &c[group + 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_utc_instant_is_the_day_it_falls_on_where_the_page_lives() {
        let german = PageCalendar::of_language(Some("de"));
        // Local midnight in Berlin, stamped in UTC the evening before (winter and summer time).
        assert_eq!(german.stamp_day("2022-11-06T23:00:00.000Z"), Some(d(2022, 11, 7)));
        assert_eq!(german.stamp_day("2022-07-06T22:00:00Z"), Some(d(2022, 7, 7)));
        assert_eq!(german.stamp_day("2022-07-06T21:59:00+00:00"), Some(d(2022, 7, 6)));
        // An instant with its own offset, or a date alone, is the date it writes.
        assert_eq!(german.stamp_day("2022-11-06T23:00:00+01:00"), Some(d(2022, 11, 6)));
        assert_eq!(german.stamp_day("2022-11-06"), Some(d(2022, 11, 6)));
        // Languages spoken across many zones keep the written date.
        for language in ["en", "es", "fr-CA", "pt-BR", "ru"] {
            assert_eq!(
                PageCalendar::of_language(Some(language)).stamp_day("2022-11-06T23:00:00Z"),
                Some(d(2022, 11, 6))
            );
        }
        assert_eq!(PageCalendar::of_language(Some("fi")).stamp_day("2022-11-06T22:30:00Z"), Some(d(2022, 11, 7)));
    }

    #[test]
    fn reads_dates_glued_or_spaced() {
        let first = |text: &str| find_dates_in(text, SlashOrder::DayFirst).first().map(|f| f.date);
        assert_eq!(first("Tanja Karrasch3.11.2023"), Some(d(2023, 11, 3)));
        assert_eq!(first("Von Deutscher Tennis Bund 4.\u{2009}2.\u{2009}2022."), Some(d(2022, 2, 4)));
        assert_eq!(first("28.09.1912:44"), None);
        assert_eq!(first("Version 1.2.2022"), Some(d(2022, 2, 1)));
        assert_eq!(first("Posted on August 2, 2019August 2, 2019"), Some(d(2019, 8, 2)));
        assert_eq!(find_dates("Posted on August 2, 2019August 3, 2019").len(), 2);
        assert_eq!(first("Posted on Freitag, 15. April 2016Samstag, 4. März 2017"), Some(d(2016, 4, 15)));
        assert_eq!(first("May 5, 20231"), None);
        assert_eq!(first("Omar 12, 2020"), None);
        assert_eq!(first("6. November 20236. November 2023"), None);
    }

    #[test]
    fn reads_unambiguous_day_first_url_dates() {
        assert_eq!(date_in_url("https://example.org/meldungen/29-10-2021"), Some(d(2021, 10, 29)));
        assert_eq!(date_in_url("https://example.org/meldungen/05-10-2021"), None);
    }

    #[test]
    fn reads_byline_dates() {
        let byline_date = |line: &str| byline_date_in(line, SlashOrder::MonthFirst);
        assert_eq!(byline_date("By Staff · October 31, 2016"), Some(d(2016, 10, 31)));
        assert_eq!(byline_date("Breitbart, 12.10.2016"), Some(d(2016, 10, 12)));
        assert_eq!(byline_date("Von Anna Muster, 3. März 2021, 14:05 Uhr"), Some(d(2021, 3, 3)));
        assert_eq!(byline_date("The talks began on 12.10.2016 in Minsk."), None);
        // Labels, a time zone after a slash, a lower-case source beside the date.
        assert_eq!(byline_date("Posted: Nov 8, 2023 / 04:43 PM CST"), Some(d(2023, 11, 8)));
        assert_eq!(byline_date("Written by Ana Sandoiu on July 27, 2017"), Some(d(2017, 7, 27)));
        assert_eq!(byline_date("Thursday, November 9, 2023 7:35AM"), Some(d(2023, 11, 9)));
        assert_eq!(byline_date("19.10.2019 11:36 telebasel"), Some(d(2019, 10, 19)));
        assert_eq!(byline_date("Gunter Frank / 22.04.2020 / 06:15"), Some(d(2020, 4, 22)));
        // A sentence's words beside a date are no byline.
        assert_eq!(byline_date("The vote by March 3, 2021 was close"), None);
        assert_eq!(byline_date("Am 26. Januar 2022 hat der Minister das Forum eröffnet"), None);
        assert_eq!(byline_date("1 capture 10 Nov 2013"), None);
    }

    #[test]
    fn a_text_shows_its_slash_order_by_its_unambiguous_dates() {
        let shown = SlashEvidence::Shown;
        assert_eq!(slash_evidence("12/04/2020 by Kay · 14/04/2020 at 3:00 pm"), shown(SlashOrder::DayFirst));
        assert_eq!(slash_evidence("12/04/2020 and 04/14/2020"), shown(SlashOrder::MonthFirst));
        assert_eq!(slash_evidence("12/04/2020 only"), SlashEvidence::Unsaid);
        assert_eq!(slash_evidence("postado em 04/05/2022"), SlashEvidence::Unsaid);
        assert_eq!(slash_evidence("14/04/2020, 05/05/2020"), SlashEvidence::Moot);
        assert_eq!(byline_date_in("postado em 04/05/2022 05:49", SlashOrder::DayFirst), Some(d(2022, 5, 4)));
    }

    #[test]
    fn finds_written_dates() {
        let found: Vec<_> = find_dates("On December 17, 2021 and 13.01.2022, also 5 Feb. 2020 and 2019-10-05.")
            .into_iter()
            .map(|f| f.date)
            .collect();
        assert_eq!(found, [d(2021, 12, 17), d(2022, 1, 13), d(2020, 2, 5), d(2019, 10, 5)]);
        assert_eq!(parse_date("Latvia October 5, 2019."), Some(d(2019, 10, 5)));
        assert_eq!(parse_date("12/31/2020"), Some(d(2020, 12, 31)));
        assert_eq!(parse_date("31/12/2020"), Some(d(2020, 12, 31)));
        assert_eq!(parse_date("Fri, 17 Dec 2021 10:00:00 GMT"), Some(d(2021, 12, 17)));
        assert_eq!(parse_date("2021-12-17T10:00:00+03:00"), Some(d(2021, 12, 17)));
        assert_eq!(parse_date("February 30, 2021"), None);
        for (written, date) in [
            ("am 28. April 2020", d(2020, 4, 28)),
            ("le 1er avril 2020", d(2020, 4, 1)),
            ("28 de abril de 2020", d(2020, 4, 28)),
            ("28 kwietnia 2020", d(2020, 4, 28)),
            ("28 апреля 2020 г.", d(2020, 4, 28)),
            ("3. März 2021", d(2021, 3, 3)),
            ("Sept. 4, 2019", d(2019, 9, 4)),
        ] {
            assert_eq!(parse_date(written), Some(date), "{written}");
        }
    }

    #[test]
    fn recognises_date_lines() {
        assert_eq!(date_only_line("December 17, 2021"), Some(d(2021, 12, 17)));
        assert_eq!(date_only_line("Published: Friday, 17 Dec 2021 | 10:32 GMT"), Some(d(2021, 12, 17)));
        assert_eq!(date_only_line("Russia said on December 17, 2021 that it would"), None);
        assert_eq!(date_only_line(" 23.09.22 "), Some(d(2022, 9, 23)));
        assert_eq!(date_only_line("Version 1.2.20 is out"), None);
    }

    #[test]
    fn slashed_dates_follow_the_language() {
        assert_eq!(SlashOrder::of_language(Some("es")), SlashOrder::DayFirst);
        assert_eq!(SlashOrder::of_language(Some("en-GB")), SlashOrder::DayFirst);
        assert_eq!(SlashOrder::of_language(Some("en")), SlashOrder::MonthFirst);
        assert_eq!(SlashOrder::of_language(None), SlashOrder::MonthFirst);
        assert_eq!(parse_date_in("10/05/2022 05:22 pm", SlashOrder::DayFirst), Some(d(2022, 5, 10)));
        assert_eq!(parse_date_in("10/05/2022", SlashOrder::MonthFirst), Some(d(2022, 10, 5)));
        assert_eq!(parse_date_in("12/31/2020", SlashOrder::DayFirst), Some(d(2020, 12, 31)));
    }

    #[test]
    fn reads_dates_from_urls() {
        assert_eq!(
            date_in_url("https://www.themoscowtimes.com/2021/12/17/russia-accuses-a75850"),
            Some(d(2021, 12, 17))
        );
        assert_eq!(date_in_url("https://ria.ru/20211217/nato-1764165844.html"), Some(d(2021, 12, 17)));
        assert_eq!(date_in_url("https://example.com/2021-12-17-title"), Some(d(2021, 12, 17)));
        assert_eq!(date_in_url("https://www.nato.int/cps/en/natohq/opinions_190292.htm"), None);
        assert_eq!(date_in_url("https://example.com/"), None);
        assert_eq!(date_in_url("https://example.com/2023/43/issue"), None);
        assert_eq!(date_in_url("https://example.com/season/2021-22/table"), None);
        assert_eq!(date_in_url("https://example.com/2021/5/4/title"), Some(d(2021, 5, 4)));
    }
}
