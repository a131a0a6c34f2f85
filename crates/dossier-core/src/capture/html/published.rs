//! The page's publication date, from what it states and what it shows.
//!
//! Stated: meta tags and JSON-LD anywhere in the graph. Shown: a `<time>` or a date line
//! near the headline, outside teasers and other furniture; failing that, a date the page
//! marks as its publication date (microdata, RDFa) or labels so ("Erschienen am …"), when
//! the page gives only one such date (a teaser list gives many). Stated timestamps are
//! often in UTC while the page shows its own day, so when the two are a day apart the
//! shown one wins; when they disagree by more, a publication key does and a generic one
//! (`<meta name="date">`, often the page's build date) does not. A date is never taken
//! from a teaser list or from loose text far from the headline: a wrong date is worse
//! than none.

use super::body::{Block, Stamp};
use super::Attribute;
use crate::dates::{self, PageCalendar, SlashOrder};
use chrono::NaiveDate;
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// Meta names and properties that state the publication date, in order of trust.
const PUBLICATION_META_KEYS: [&str; 22] = [
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "article.published",
    "article_date_original",
    "originalpublicationdate",
    "citation_publication_date",
    "citation_online_date",
    "citation_date",
    "bepress_citation_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
];

/// Meta names that state a date of the page, trusted after [`PUBLICATION_META_KEYS`]:
/// generic dates (`date`, `dc.date`), often when the page was built or last changed, so
/// a date shown by the headline overrides them.
const GENERIC_META_KEYS: [&str; 5] = ["datecreated", "dc.date", "dcterms.date", "date", "date.available"];

/// A meta key's place in the order of trust, and whether it states the publication date.
fn meta_rank(key: &str) -> Option<(usize, bool)> {
    let generic =
        || GENERIC_META_KEYS.iter().position(|k| *k == key).map(|at| (PUBLICATION_META_KEYS.len() + at, false));
    PUBLICATION_META_KEYS.iter().position(|k| *k == key).map(|at| (at, true)).or_else(generic)
}

/// A date the page states in its markup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stated {
    pub date: NaiveDate,
    /// Stated as the publication date, not as a generic date.
    pub specific: bool,
    /// Where: the meta tags or the JSON-LD.
    pub from: &'static str,
}

/// Labels a page puts before its own date, by kind (`data/date_labels.tsv`), longest first.
static DATE_LABELS: LazyLock<Vec<(bool, &'static str)>> = LazyLock::new(|| {
    let mut labels: Vec<(bool, &str)> = include_str!("../../../data/date_labels.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(kind, label)| (kind == "published", label))
        .collect();
    labels.sort_by_key(|(_, label)| std::cmp::Reverse(label.len()));
    labels
});

/// How many bytes may part a label from its date ("am ", "le ", "on ").
const LABEL_GAP: usize = 4;
/// How many blocks after the headline a short block with a date is read as its date line.
const SHOWN_REACH: usize = 12;
/// How far after the headline a `<time>` or a line that is only a date still counts.
const DATE_LINE_REACH: usize = 30;
/// How many blocks before the headline (a date line above it).
const SHOWN_BEFORE: usize = 3;
/// The longest block read as a date line.
const DATE_LINE_CHARS: usize = 160;

/// The publication date stated in meta tags: the most trusted key present.
pub(super) fn stated_in_meta(doc: &scraper::Html, calendar: PageCalendar) -> Option<Stated> {
    let selector = scraper::Selector::parse("meta").expect("static selector");
    let mut best: Option<(usize, Stated)> = None;
    for meta in doc.select(&selector) {
        let element = meta.value();
        let Some(content) = element.attribute("content") else { continue };
        for key in [element.attribute("property"), element.attribute("name"), element.attribute("itemprop")]
            .into_iter()
            .flatten()
        {
            if let Some((rank, specific)) = meta_rank(&key.to_ascii_lowercase()) {
                if best.is_none_or(|(r, _)| rank < r) {
                    if let Some(date) = calendar.stamp_day(content) {
                        best = Some((rank, Stated { date, specific, from: "the page's meta tags" }));
                    }
                }
            }
        }
    }
    best.map(|(_, stated)| stated)
}

/// The date the page shows by its headline (or, on a page without one, by the start of
/// its article): a `<time>`, a short line with a date just below, or a line that is only
/// a date a little further down; else the one date the page marks or labels as its
/// publication date.
pub(super) fn shown(blocks: &[Block], stamps: &[Stamp], anchor: Anchor<'_>, calendar: PageCalendar) -> Option<Shown> {
    let order = calendar.order;
    let headline = anchor.block(blocks);
    if let Some(date) = headline.and_then(|headline| by_headline(blocks, stamps, headline, calendar)) {
        return Some(Shown { date, by_headline: true });
    }
    let stamped = |keep: &dyn Fn(&Stamp) -> bool| {
        first_and_earliest(stamps.iter().filter(|s| keep(s)).filter_map(|s| stamp_date(s, calendar)))
    };
    let scope = headline.and_then(|headline| blocks[headline].scope);
    stamped(&|s| in_scope(s, scope))
        .or_else(|| stamped(&|s| s.published))
        .or_else(|| labelled(blocks, true, order))
        .or_else(|| labelled(blocks, false, order))
        .map(|date| Shown { date, by_headline: false })
}

/// A date the page shows, and whether it is by the headline (where a page prints its
/// own day) or found elsewhere on the page (trusted less than a stated date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shown {
    pub date: NaiveDate,
    pub by_headline: bool,
}

/// Where the page's article begins: its headline, found as the `<h1>` that reads as its
/// title (a logo is an `<h1>` on some sites), else the first `<h1>` outside furniture,
/// else the first block of its text.
#[derive(Debug, Clone, Copy)]
pub(super) struct Anchor<'a> {
    pub title: Option<&'a str>,
    pub article_start: Option<usize>,
}

impl Anchor<'_> {
    fn block(&self, blocks: &[Block]) -> Option<usize> {
        let headings = || blocks.iter().enumerate().filter(|(_, b)| b.tag == "h1");
        let titled = self.title.and_then(|title| headings().find(|(_, b)| b.text.contains(title)).map(|(i, _)| i));
        let subtitled = || {
            let title = self.title?;
            blocks.iter().position(|b| matches!(b.tag.as_str(), "h2" | "h3") && b.text == title)
        };
        titled
            .or_else(subtitled)
            .or_else(|| headings().find(|(_, b)| b.furniture.is_empty()).map(|(i, _)| i))
            .or_else(|| headings().next().map(|(i, _)| i))
            .or(self.article_start)
    }
}

/// The first of these dates, when none is earlier: an article's own date comes before
/// its comments' and after nothing else it marks; a teaser list, newest first, fails this.
fn first_and_earliest(mut dates: impl Iterator<Item = NaiveDate>) -> Option<NaiveDate> {
    let first = dates.next()?;
    dates.all(|d| d >= first).then_some(first)
}

/// The date, if all of these dates are one.
fn only_one(dates: impl Iterator<Item = NaiveDate>) -> Option<NaiveDate> {
    let distinct: BTreeSet<NaiveDate> = dates.collect();
    (distinct.len() == 1).then(|| distinct.into_iter().next()).flatten()
}

/// The one date the page labels as published (or, with `published` false, as updated):
/// "Datum: 19.11.2021", or a label block followed by a date block.
fn labelled(blocks: &[Block], published: bool, order: SlashOrder) -> Option<NaiveDate> {
    let found = blocks.iter().enumerate().filter_map(|(i, block)| {
        let text = block.text.to_lowercase();
        let (_, label) = DATE_LABELS
            .iter()
            .filter(|(kind, _)| *kind == published)
            .find(|(_, label)| text.strip_prefix(label).is_some_and(|rest| !rest.starts_with(char::is_alphanumeric)))?;
        let rest = text[label.len()..].trim_start_matches([':', ' ']);
        if rest.trim().is_empty() {
            let next = blocks.get(i + 1)?;
            return short_line(&next.text).then(|| dates::date_only_line_in(&next.text, order))?;
        }
        // "Erschienen am 26. Jan 2022 im Format Aktuelles": the date opens what follows the label.
        let first = dates::find_dates_in(rest, order).into_iter().next();
        let opens = first.filter(|f| f.span.start <= LABEL_GAP).map(|f| f.date);
        opens.or_else(|| short_line(&block.text).then(|| dates::date_only_line_in(rest, order))?)
    });
    only_one(found)
}

/// Whether a stamp lies in this article scope (the headline's: see `body::is_article_scope`).
fn in_scope(stamp: &Stamp, scope: Option<ego_tree::NodeId>) -> bool {
    scope.is_some() && stamp.scope == scope
}

/// The date shown by the headline (block `headline`): a stamp, a short line with a
/// date, or a date line.
fn by_headline(blocks: &[Block], stamps: &[Stamp], headline: usize, calendar: PageCalendar) -> Option<NaiveDate> {
    let order = calendar.order;
    let start = headline.saturating_sub(SHOWN_BEFORE);
    // A stamp in furniture (a teaser's) is the article's own when the article marks it
    // as its publication date in the headline's scope (an `<aside class="meta">`).
    let own = |s: &Stamp| !s.in_furniture || (s.published && in_scope(s, blocks[headline].scope));
    let stamped = stamps
        .iter()
        .filter(|s| own(s) && (start..headline + DATE_LINE_REACH).contains(&s.block))
        .min_by_key(|s| (!s.published, s.block.abs_diff(headline + 1)))
        .and_then(|s| stamp_date(s, calendar));
    // Nearest first, below the headline before above it. A block touching the headline
    // may sit in a furniture-classed wrapper (a "meta" bar) and still be its date line.
    let date_line = |range: std::ops::Range<usize>, read: &dyn Fn(&Block) -> Option<NaiveDate>| {
        let mut near: Vec<usize> = range.filter(|&i| i < blocks.len() && i != headline).collect();
        near.sort_by_key(|&i| (i < headline, i.abs_diff(headline)));
        near.into_iter()
            .filter(|&i| blocks[i].furniture.is_empty() || i.abs_diff(headline) == 1)
            .find_map(|i| read(&blocks[i]))
    };
    stamped
        .or_else(|| {
            date_line(start..headline + SHOWN_REACH, &|b| {
                if says_updated(&b.text) {
                    return None;
                }
                let first = || dates::find_dates_in(&b.text, order).first().map(|f| f.date);
                let line = || dates::date_only_line_in(&b.text, order);
                if short_line(&b.text) {
                    first().or_else(line)
                } else {
                    leading_date(&b.text, order)
                }
            })
        })
        .or_else(|| {
            date_line(headline + SHOWN_REACH..headline + DATE_LINE_REACH, &|b| {
                short_line(&b.text).then(|| dates::date_only_line_in(&b.text, order)).flatten()
            })
        })
}

/// A stamp's day: its instant in the page's zone, unless the element shows the day
/// the stamp writes (a site that stamps local times as UTC shows its own day).
fn stamp_date(stamp: &Stamp, calendar: PageCalendar) -> Option<NaiveDate> {
    let written = dates::parse_date_in(&stamp.value, calendar.order);
    let Some(local) = calendar.instant_day(&stamp.value) else { return written };
    let shown = || dates::find_dates_in(&stamp.text, calendar.order).first().map(|f| f.date);
    if written.is_some_and(|w| w != local) && shown() == written {
        written
    } else {
        Some(local)
    }
}

/// Whether a block is short enough to be read as a date line.
fn short_line(text: &str) -> bool {
    text.chars().count() <= DATE_LINE_CHARS
}

/// Whether a line gives an update date and no publication date ("Article mis à jour le
/// 7 janvier 2020"): its date is not when the article was published.
fn says_updated(text: &str) -> bool {
    let text = text.to_lowercase();
    let has = |published: bool| {
        DATE_LABELS.iter().filter(|(kind, _)| *kind == published).any(|(_, label)| {
            text.match_indices(label).any(|(at, _)| {
                let before = text[..at].chars().next_back();
                let after = text[at + label.len()..].chars().next();
                !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
            })
        })
    };
    has(false) && !has(true)
}

/// The date a paragraph opens with, set off by a dash or a colon: "27.1.2022 - Bei der
/// Erinnerung …", the dateline of an article's first paragraph.
fn leading_date(text: &str, order: SlashOrder) -> Option<NaiveDate> {
    let found = dates::find_dates_in(text, order).into_iter().next().filter(|f| f.span.start == 0)?;
    let after = text[found.span.end..].trim_start();
    after.starts_with(['-', '–', '—', ':', '|']).then_some(found.date)
}

/// Reconciles the stated date with the shown one: the date, and where it was found.
pub(super) fn decide(stated: Option<Stated>, shown: Option<Shown>) -> Option<(NaiveDate, &'static str)> {
    let shown_from =
        |shown: Shown| if shown.by_headline { "a date by the headline" } else { "a date shown on the page" };
    match (stated, shown) {
        (Some(stated), Some(shown))
            if !stated.specific || (shown.by_headline && (stated.date - shown.date).num_days().abs() <= 1) =>
        {
            Some((shown.date, shown_from(shown)))
        }
        (Some(stated), _) => Some((stated.date, stated.from)),
        (None, shown) => shown.map(|s| (s.date, shown_from(s))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const META: &str = "the page's meta tags";
    const HEADLINE: &str = "a date by the headline";

    fn specific(date: NaiveDate) -> Option<Stated> {
        Some(Stated { date, specific: true, from: META })
    }

    fn by_headline(date: NaiveDate) -> Option<Shown> {
        Some(Shown { date, by_headline: true })
    }

    #[test]
    fn the_shown_day_wins_over_a_utc_timestamp_a_day_off() {
        assert_eq!(decide(specific(d(2023, 11, 9)), by_headline(d(2023, 11, 8))), Some((d(2023, 11, 8), HEADLINE)));
        assert_eq!(decide(specific(d(2023, 11, 9)), by_headline(d(2021, 1, 8))), Some((d(2023, 11, 9), META)));
        assert_eq!(decide(None, by_headline(d(2021, 1, 8))), Some((d(2021, 1, 8), HEADLINE)));
        let elsewhere = Some(Shown { date: d(2023, 11, 8), by_headline: false });
        assert_eq!(decide(specific(d(2023, 11, 9)), elsewhere), Some((d(2023, 11, 9), META)));
    }

    #[test]
    fn a_shown_date_wins_over_a_generic_one() {
        let generic = Some(Stated { date: d(2021, 12, 20), specific: false, from: META });
        let shown = decide(generic, Some(Shown { date: d(2022, 1, 27), by_headline: false }));
        assert_eq!(shown, Some((d(2022, 1, 27), "a date shown on the page")));
        assert_eq!(decide(generic, None), Some((d(2021, 12, 20), META)));
    }

    #[test]
    fn labelled_dates_are_read_anywhere_when_there_is_one() {
        let doc = scraper::Html::parse_document(
            "<html><body><h1>Title</h1><p>Text of the article, long enough to be read as such.</p>\
             <div class='footer'><p>Letzte Änderung: 31.10.2023 - 14:49<br>Erschienen am: 01.11.2023</p></div></body></html>",
        );
        let linear = super::super::body::linearize(&doc);
        let anchor = Anchor { title: Some("Title"), article_start: None };
        let shown = shown(&linear.blocks, &linear.stamps, anchor, PageCalendar::of_language(Some("de")));
        assert_eq!(shown, Some(Shown { date: d(2023, 11, 1), by_headline: false }));
    }

    #[test]
    fn meta_keys_are_ranked_and_case_blind() {
        let doc = scraper::Html::parse_document(
            r#"<meta name="DATE" content="2020-01-01"><meta property="article:published_time" content="2021-02-03T01:00:00Z">"#,
        );
        assert_eq!(stated_in_meta(&doc, PageCalendar::default()), specific(d(2021, 2, 3)));
    }
}
