//! The page's publication date, from what it states and what it shows.
//!
//! Stated: meta tags and JSON-LD anywhere in the graph. Shown: a `<time>` or a date line
//! near the headline, outside teasers and other furniture. Stated timestamps are often
//! in UTC while the page shows its own day, so when the two are a day apart the shown
//! one wins; when they disagree by more, the stated one does. A date is never taken from
//! a teaser list or from text far from the headline: a wrong date is worse than none.

use super::body::{Block, Stamp};
use crate::dates;
use chrono::NaiveDate;

/// Meta names and properties that state the publication date, in order of trust.
const META_KEYS: [&str; 24] = [
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
    "citation_publication_date",
    "citation_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "date",
    "article.published",
    "article_date_original",
    "originalpublicationdate",
    "date.available",
];

/// How many blocks after the headline a short block with a date is read as its date line.
const SHOWN_REACH: usize = 12;
/// How far after the headline a `<time>` or a line that is only a date still counts.
const DATE_LINE_REACH: usize = 30;
/// How many blocks before the headline (a date line above it).
const SHOWN_BEFORE: usize = 3;
/// The longest block read as a date line.
const DATE_LINE_CHARS: usize = 160;

/// The publication date stated in meta tags: the most trusted key present.
pub(super) fn stated_in_meta(doc: &scraper::Html) -> Option<NaiveDate> {
    let selector = scraper::Selector::parse("meta").expect("static selector");
    let mut best: Option<(usize, NaiveDate)> = None;
    for meta in doc.select(&selector) {
        let element = meta.value();
        let Some(content) = element.attr("content") else { continue };
        for key in [element.attr("property"), element.attr("name"), element.attr("itemprop")].into_iter().flatten() {
            let key = key.to_ascii_lowercase();
            if let Some(rank) = META_KEYS.iter().position(|k| *k == key) {
                if best.is_none_or(|(r, _)| rank < r) {
                    if let Some(date) = dates::parse_date(content) {
                        best = Some((rank, date));
                    }
                }
            }
        }
    }
    best.map(|(_, date)| date)
}

/// The date the page shows by its headline (or, on a page without one, by the start of
/// its article): a `<time>`, a short line with a date just below, or a line that is only
/// a date a little further down.
pub(super) fn shown(blocks: &[Block], stamps: &[Stamp], article_start: Option<usize>) -> Option<NaiveDate> {
    let headline = blocks
        .iter()
        .position(|b| b.tag == "h1" && b.furniture.is_empty())
        .or_else(|| blocks.iter().position(|b| b.tag == "h1"))
        .or(article_start)?;
    let start = headline.saturating_sub(SHOWN_BEFORE);
    let stamped = stamps
        .iter()
        .filter(|s| !s.in_furniture && (start..headline + DATE_LINE_REACH).contains(&s.block))
        .min_by_key(|s| (!s.published, s.block.abs_diff(headline + 1)))
        .and_then(|s| dates::parse_date(&s.value));
    let date_line = |range: std::ops::Range<usize>, read: &dyn Fn(&str) -> Option<NaiveDate>| {
        let mut near: Vec<usize> = range.filter(|&i| i < blocks.len()).collect();
        near.sort_by_key(|&i| (i < headline, i.abs_diff(headline)));
        near.into_iter()
            .map(|i| &blocks[i])
            .filter(|b| b.furniture.is_empty() && b.text.chars().count() <= DATE_LINE_CHARS)
            .find_map(|b| read(&b.text))
    };
    stamped
        .or_else(|| date_line(start..headline + SHOWN_REACH, &|t| dates::find_dates(t).first().map(|f| f.date)))
        .or_else(|| date_line(headline + SHOWN_REACH..headline + DATE_LINE_REACH, &dates::date_only_line))
}

/// Reconciles the stated date with the shown one.
pub(super) fn decide(stated: Option<NaiveDate>, shown: Option<NaiveDate>) -> Option<NaiveDate> {
    match (stated, shown) {
        (Some(stated), Some(shown)) if (stated - shown).num_days().abs() <= 1 => Some(shown),
        (Some(stated), _) => Some(stated),
        (None, shown) => shown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_shown_day_wins_over_a_utc_timestamp_a_day_off() {
        assert_eq!(decide(Some(d(2023, 11, 9)), Some(d(2023, 11, 8))), Some(d(2023, 11, 8)));
        assert_eq!(decide(Some(d(2023, 11, 9)), Some(d(2021, 1, 8))), Some(d(2023, 11, 9)));
        assert_eq!(decide(None, Some(d(2021, 1, 8))), Some(d(2021, 1, 8)));
    }

    #[test]
    fn meta_keys_are_ranked_and_case_blind() {
        let doc = scraper::Html::parse_document(
            r#"<meta name="DATE" content="2020-01-01"><meta property="article:published_time" content="2021-02-03T01:00:00Z">"#,
        );
        assert_eq!(stated_in_meta(&doc), Some(d(2021, 2, 3)));
    }
}
