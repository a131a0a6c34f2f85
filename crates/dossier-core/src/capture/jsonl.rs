//! JSON lines: one article a line, `{"text": ..., "title"?, "url"?, "published"?, "outlet"?}`.

use crate::capture::Hints;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Record {
    #[serde(alias = "body", alias = "content")]
    text: Option<String>,
    title: Option<String>,
    #[serde(alias = "link")]
    url: Option<String>,
    #[serde(alias = "date", alias = "published_at")]
    published: Option<serde_json::Value>,
    #[serde(alias = "source", alias = "site")]
    outlet: Option<String>,
    #[serde(alias = "lang")]
    language: Option<String>,
}

/// One usable record: its 1-based line number, text and stated metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonlRecord {
    pub line: usize,
    pub text: String,
    pub hints: Hints,
}

/// Parses every line; a bad line is reported by number and skipped.
pub fn parse(text: &str) -> (Vec<JsonlRecord>, Vec<String>) {
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if !line.trim().is_empty() {
            let parsed = serde_json::from_str::<Record>(line).map_err(|e| format!("not a JSON article ({e})"));
            accept(parsed, index + 1, &mut records, &mut problems);
        }
    }
    (records, problems)
}

/// A whole JSON document: one article object, or an array of them (numbered from 1).
pub fn parse_document(text: &str) -> (Vec<JsonlRecord>, Vec<String>) {
    let mut records = Vec::new();
    let mut problems = Vec::new();
    match serde_json::from_str::<serde_json::Value>(text) {
        Err(e) => problems.push(format!("not JSON ({e})")),
        Ok(serde_json::Value::Array(items)) => {
            for (index, item) in items.into_iter().enumerate() {
                let parsed = serde_json::from_value::<Record>(item).map_err(|e| format!("not a JSON article ({e})"));
                accept(parsed, index + 1, &mut records, &mut problems);
            }
        }
        Ok(value) => {
            let parsed = serde_json::from_value::<Record>(value).map_err(|e| format!("not a JSON article ({e})"));
            accept(parsed, 1, &mut records, &mut problems);
        }
    }
    (records, problems)
}

fn accept(parsed: Result<Record, String>, number: usize, records: &mut Vec<JsonlRecord>, problems: &mut Vec<String>) {
    match parsed {
        Err(e) => problems.push(format!("record {number}: {e}")),
        Ok(Record { text: None, .. }) => problems.push(format!("record {number}: no \"text\" field")),
        Ok(Record { text: Some(text), .. }) if text.trim().is_empty() => {
            problems.push(format!("record {number}: empty \"text\""))
        }
        Ok(record) => {
            let published = record.published.and_then(|v| match v {
                serde_json::Value::String(s) => Some(s),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            });
            let hints = Hints {
                title: record.title,
                outlet: record.outlet,
                published,
                url: record.url,
                language: record.language,
            };
            records.push(JsonlRecord { line: number, text: record.text.unwrap_or_default(), hints });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_records_and_reports_bad_lines() {
        let input = "{\"text\":\"Body one.\",\"title\":\"T1\",\"url\":\"https://a.example/x\",\"published\":\"2020-01-02\",\"outlet\":\"A\"}\n\n{broken\n{\"title\":\"no text\"}\n{\"body\":\"Body two.\"}\n";
        let (records, problems) = parse(input);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].hints.title.as_deref(), Some("T1"));
        assert_eq!(records[1].line, 5);
        assert_eq!(problems.len(), 2);
        assert!(problems[0].starts_with("record 3:"));
        let (doc, _) = parse_document("[{\"text\": \"a\"}, {\"text\": \"b\", \"title\": \"B\"}]");
        assert_eq!(doc.len(), 2);
        let (none, problems) = parse_document("{\"title\": \"x\", \"byline\": null}");
        assert!(none.is_empty() && problems[0].contains("no \"text\" field"), "{problems:?}");
    }
}
