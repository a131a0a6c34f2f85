//! Articles as JSON: one a line (JSON lines), or a JSON document holding one, an
//! array of them, or an API answer wrapping them (`{"articles": [...]}`).
//!
//! Field names differ between tools; each field is looked up under the names the
//! common tools give it (see the README's "Other tools' records"):
//! news-please (`maintext`, `date_publish`, `source_domain`), trafilatura `--json`
//! (`text`, `date`, `source` = the URL, `sitename`, `hostname`), NewsAPI (`content`,
//! `publishedAt`, `source: {"name"}`) and Media Cloud (`publish_date`, `media_name`).

use crate::capture::{is_web_address, Body, Hints, Record, Records};
use crate::reading::outlets;
use serde_json::{Map, Value};

/// Where the article's text is, best first. `description`/`summary` are not here:
/// a teaser is not an article.
const TEXT: &[&str] = &["text", "maintext", "body", "content", "article", "full_text", "fulltext", "articleBody"];
/// Fields holding the article as HTML, used when no text field is there.
const HTML: &[&str] = &["html", "content_html", "raw_html"];
const TITLE: &[&str] = &["title", "headline"];
const URL: &[&str] = &["url", "link", "canonical_url", "original_url", "source_url"];
const PUBLISHED: &[&str] = &[
    "published",
    "date",
    "published_at",
    "publishedAt",
    "date_publish",
    "publish_date",
    "pubDate",
    "datePublished",
    "publication_date",
];
/// Names of the outlet; `source` only when it is a name (NewsAPI's object, not trafilatura's URL).
const OUTLET: &[&str] =
    &["outlet", "media_name", "sitename", "source-hostname", "source_name", "publisher", "source", "site"];
/// Hosts standing for the outlet when no name is given.
const HOST: &[&str] = &["source_domain", "hostname", "domain", "media_url"];
const LANGUAGE: &[&str] = &["language", "lang", "language_code"];
/// Keys under which API answers list their articles.
const LISTS: &[&str] = &["articles", "stories", "results", "items", "data", "documents"];

/// Whether a JSON object looks like an article record (it has a text or HTML field).
pub fn is_article_object(map: &Map<String, Value>) -> bool {
    TEXT.iter().chain(HTML).any(|key| map.contains_key(*key))
}

/// Parses every line; a bad line is reported by number and skipped.
pub fn parse(text: &str) -> Records {
    let mut out = Records::default();
    for (index, line) in text.lines().enumerate() {
        if !line.trim().is_empty() {
            accept(serde_json::from_str::<Value>(line).map_err(|e| format!("not JSON ({e})")), index + 1, &mut out);
        }
    }
    out
}

/// A whole JSON document: one article object, an array of them, or an object that
/// lists them under `articles`, `stories`, `results`… (numbered from 1).
pub fn parse_document(text: &str) -> Records {
    let mut out = Records::default();
    match serde_json::from_str::<Value>(text) {
        Err(e) => out.problems.push(format!("not JSON ({e})")),
        Ok(Value::Array(items)) => accept_all(items, &mut out),
        Ok(Value::Object(mut map)) if !is_article_object(&map) => match listed(&mut map) {
            Some(items) => accept_all(items, &mut out),
            None => accept(Ok(Value::Object(map)), 1, &mut out),
        },
        Ok(value) => accept(Ok(value), 1, &mut out),
    }
    out
}

fn listed(map: &mut Map<String, Value>) -> Option<Vec<Value>> {
    LISTS.iter().find_map(|key| match map.remove(*key) {
        Some(Value::Array(items)) => Some(items),
        _ => None,
    })
}

fn accept_all(items: Vec<Value>, out: &mut Records) {
    for (index, item) in items.into_iter().enumerate() {
        accept(Ok(item), index + 1, out);
    }
}

fn accept(parsed: Result<Value, String>, number: usize, out: &mut Records) {
    match parsed.and_then(|value| record(value, number)) {
        Ok(record) => out.records.push(record),
        Err(why) => out.problems.push(format!("record {number}: {why}")),
    }
}

fn record(value: Value, number: usize) -> Result<Record, String> {
    let Value::Object(map) = value else { return Err("not a JSON article (not an object)".into()) };
    let body = match (first_text(&map, TEXT), first_text(&map, HTML)) {
        (Some(text), _) => Body::Text(text),
        (None, Some(html)) => Body::Html(html),
        (None, None) if TEXT.iter().any(|key| map.contains_key(*key)) => return Err("empty \"text\"".into()),
        (None, None) => return Err("no \"text\" field".into()),
    };
    let url = first_text(&map, URL).or_else(|| first_text(&map, &["source"]).filter(|s| is_web_address(s)));
    let outlet =
        first_text(&map, OUTLET).filter(|s| !is_web_address(s)).or_else(|| first_text(&map, HOST).map(host_of));
    let stated = Hints {
        title: first_text(&map, TITLE),
        outlet,
        published: first_text(&map, PUBLISHED),
        published_from: Some("the record's date field"),
        url,
        language: first_text(&map, LANGUAGE),
    };
    Ok(Record { locator: format!("L{number}"), label: format!("record {number}"), body, stated, fetched: None })
}

/// The first of `keys` with a usable value: a non-empty string, a number (a date as
/// a timestamp), the `name` of an object (`"source": {"name": "BBC"}`), or a list of
/// strings (paragraphs) joined.
fn first_text(map: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().filter_map(|key| map.get(*key)).find_map(value_text)
}

fn value_text(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Object(object) => return ["name", "title"].iter().filter_map(|k| object.get(*k)).find_map(value_text),
        Value::Array(items) => items.iter().filter_map(|item| item.as_str()).collect::<Vec<_>>().join("\n\n"),
        Value::Null | Value::Bool(_) => return None,
    };
    (!text.trim().is_empty()).then_some(text)
}

/// A host or a site URL as the outlet's name when nothing better is stated:
/// `https://www.nytimes.com/` or `www.nytimes.com` → `nytimes.com`.
fn host_of(value: String) -> String {
    let url = if value.contains("://") { value.clone() } else { format!("https://{}", value.trim()) };
    outlets::host_of(&url).unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(record: &Record) -> &str {
        match &record.body {
            Body::Text(text) | Body::Html(text) => text,
        }
    }

    #[test]
    fn parses_records_and_reports_bad_lines() {
        let input = "{\"text\":\"Body one.\",\"title\":\"T1\",\"url\":\"https://a.example/x\",\"published\":\"2020-01-02\",\"outlet\":\"A\"}\n\n{broken\n{\"title\":\"no text\"}\n{\"body\":\"Body two.\"}\n";
        let Records { records, problems, .. } = parse(input);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].stated.title.as_deref(), Some("T1"));
        assert_eq!(records[1].locator, "L5");
        assert_eq!(problems.len(), 2);
        assert!(problems[0].starts_with("record 3:"));
        let doc = parse_document("[{\"text\": \"a\"}, {\"text\": \"b\", \"title\": \"B\"}]");
        assert_eq!(doc.records.len(), 2);
        let none = parse_document("{\"title\": \"x\", \"byline\": null}");
        assert!(none.records.is_empty() && none.problems[0].contains("no \"text\" field"), "{:?}", none.problems);
    }

    #[test]
    fn reads_news_please_records() {
        let line = r#"{"maintext": "The council voted.", "title": "Vote", "date_publish": "2021-03-04 10:00:00", "source_domain": "www.example.com", "url": "https://www.example.com/vote", "language": "en", "authors": ["A. Writer"]}"#;
        let record = &parse(line).records[0];
        assert_eq!(text_of(record), "The council voted.");
        assert_eq!(record.stated.published.as_deref(), Some("2021-03-04 10:00:00"));
        assert_eq!(record.stated.outlet.as_deref(), Some("example.com"));
        assert_eq!(record.stated.url.as_deref(), Some("https://www.example.com/vote"));
    }

    #[test]
    fn trafilatura_source_is_the_url_not_the_outlet() {
        let line = r#"{"title": "T", "source": "https://news.example.org/a/1", "source-hostname": "Example News", "hostname": "news.example.org", "date": "2022-05-06", "text": "Body."}"#;
        let record = &parse(line).records[0];
        assert_eq!(record.stated.url.as_deref(), Some("https://news.example.org/a/1"));
        assert_eq!(record.stated.outlet.as_deref(), Some("Example News"));
        let hosted = r#"{"hostname": "www.example.org", "source": "https://www.example.org/a/1", "text": "Body."}"#;
        assert_eq!(parse(hosted).records[0].stated.outlet.as_deref(), Some("example.org"));
    }

    #[test]
    fn reads_newsapi_answers_with_object_sources() {
        let answer = r#"{"status": "ok", "totalResults": 2, "articles": [
            {"source": {"id": "bbc-news", "name": "BBC News"}, "title": "One", "url": "https://www.bbc.co.uk/news/1", "publishedAt": "2023-01-02T03:04:05Z", "content": "First body."},
            {"source": {"id": null, "name": "Reuters"}, "title": "Two", "description": "teaser only"}]}"#;
        let Records { records, problems, .. } = parse_document(answer);
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].stated.outlet.as_deref(), Some("BBC News"));
        assert_eq!(records[0].stated.published.as_deref(), Some("2023-01-02T03:04:05Z"));
        assert_eq!(problems, vec!["record 2: no \"text\" field".to_string()]);
    }

    #[test]
    fn reads_media_cloud_stories_and_html_fields() {
        let answer = r#"{"stories": [{"stories_id": 7, "media_name": "Example Times", "publish_date": "2020-02-03 04:05:06", "title": "MC", "url": "https://example.com/mc", "text": "Story text."}]}"#;
        let record = &parse_document(answer).records[0];
        assert_eq!(record.stated.outlet.as_deref(), Some("Example Times"));
        assert_eq!(record.stated.published.as_deref(), Some("2020-02-03 04:05:06"));
        let html = &parse(r#"{"html": "<p>Hi</p>"}"#).records[0];
        assert_eq!(html.body, Body::Html("<p>Hi</p>".into()));
    }
}
