//! Deciding an article's title, outlet, publication date and canonical URL from
//! what the capture says about itself. Unknown stays unknown: a date or URL that
//! belongs to a cited link is never taken for the article's own.

use crate::capture::Hints;
use crate::dates::{self, date_in_url};
use crate::reading::clean::CleanText;
use crate::reading::outlets::outlet_for_url;
use chrono::NaiveDate;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<NaiveDate>,
    pub url: Option<String>,
    pub dateline: Option<String>,
    /// For each decided field, how it was found.
    pub provenance: BTreeMap<String, String>,
}

struct Decider<'a> {
    provenance: &'a mut BTreeMap<String, String>,
}

impl Decider<'_> {
    /// The first candidate that has a value wins; its source is recorded.
    fn pick<T>(&mut self, field: &str, candidates: impl IntoIterator<Item = (Option<T>, &'static str)>) -> Option<T> {
        for (value, how) in candidates {
            if let Some(value) = value {
                self.provenance.insert(field.to_string(), how.to_string());
                return Some(value);
            }
        }
        None
    }
}

fn front<'a>(clean: &'a CleanText, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| clean.front_matter.get(*k)).map(String::as_str).filter(|v| !v.trim().is_empty())
}

pub fn decide(clean: &CleanText, hints: &Hints) -> Metadata {
    let mut provenance = BTreeMap::new();
    let mut decider = Decider { provenance: &mut provenance };
    let url = decider.pick(
        "url",
        [
            (hints.url.clone(), "stated by the container"),
            (
                front(clean, &["source", "url", "canonical", "link"]).filter(|u| u.contains("://")).map(str::to_string),
                "front matter",
            ),
            (clean.canonical_url.as_ref().map(|f| f.value.clone()), clean.canonical_url.as_ref().map_or("", |f| f.how)),
        ],
    );
    let title = decider.pick(
        "title",
        [
            (hints.title.clone(), "stated by the container"),
            (front(clean, &["title"]).map(str::to_string), "front matter"),
            (clean.title.as_ref().map(|f| f.value.clone()), clean.title.as_ref().map_or("", |f| f.how)),
        ],
    );
    let published = decider.pick(
        "published",
        [
            (
                hints.published.as_deref().and_then(dates::parse_date),
                hints.published_from.unwrap_or("stated by the container"),
            ),
            (front(clean, &["published", "date", "pubdate"]).and_then(dates::parse_date), "front matter"),
            (clean.header_dates.first().copied(), "date line by the headline"),
            (clean.header_source_tags.iter().find_map(|t| t.date), "source tag by the headline"),
            (url.as_deref().and_then(date_in_url), "date in the article's own URL"),
        ],
    );
    let outlet = decider.pick(
        "outlet",
        [
            (hints.outlet.clone(), "stated by the container"),
            (front(clean, &["site", "site_name", "outlet", "publisher"]).map(str::to_string), "front matter"),
            (url.as_deref().and_then(outlet_for_url), "host of the article's own URL"),
            (clean.header_source_tags.first().map(|t| t.outlet.clone()), "source tag by the headline"),
            (clean.dateline.as_ref().and_then(|d| d.agency.clone()), "dateline"),
        ],
    );
    let dateline = clean.dateline.as_ref().map(|d| d.city.clone());
    Metadata { title, outlet, published, url, dateline, provenance }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reading::clean::{clean, Origin};

    #[test]
    fn cited_links_give_no_url_or_date() {
        let text = "Body text of an article that cites things, written as a long first paragraph that runs on and on past any headline length, with more clauses, and more words, until it is plainly a paragraph of the body and not a title.\n\nhttps://ria.ru/20211217/nato-1764165844.html\nhttps://example.com/2025/03/28/other-story\n\nMore body text.";
        let meta = decide(&clean(text, Origin::Capture), &Hints::default());
        assert_eq!((meta.url, meta.published, meta.outlet, meta.title), (None, None, None, None));
    }

    #[test]
    fn own_url_gives_outlet_and_date() {
        let text = "A Headline Here\n\nBody text here, long enough to count as the body.\n\nOriginal url:\n\n<https://www.example-news.com/2020/05/04/a-headline-here>";
        let meta = decide(&clean(text, Origin::Capture), &Hints::default());
        assert_eq!(meta.url.as_deref(), Some("https://www.example-news.com/2020/05/04/a-headline-here"));
        assert_eq!(meta.published, NaiveDate::from_ymd_opt(2020, 5, 4));
        assert_eq!(meta.outlet.as_deref(), Some("Example News"));
        assert_eq!(meta.provenance["published"], "date in the article's own URL");
    }

    #[test]
    fn container_hints_win() {
        let hints = Hints { title: Some("Stated".into()), published: Some("2020-01-02".into()), ..Hints::default() };
        let meta = decide(&clean("Other Title\n\nBody.", Origin::Capture), &hints);
        assert_eq!(meta.title.as_deref(), Some("Stated"));
        assert_eq!(meta.published, NaiveDate::from_ymd_opt(2020, 1, 2));
    }
}
