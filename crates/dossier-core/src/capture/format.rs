//! What kind of capture a file is.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Plain pasted text.
    Text,
    /// A web page clipped to markdown.
    Markdown,
    /// Text extracted from a PDF: hard wraps, page artefacts.
    PdfText,
    /// An HTML page.
    Html,
    /// One article per line of JSON (or a JSON document holding articles).
    Jsonl,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::PdfText => "pdf-text",
            Format::Html => "html",
            Format::Jsonl => "jsonl",
        }
    }

    pub fn parse(name: &str) -> Option<Format> {
        [Format::Text, Format::Markdown, Format::PdfText, Format::Html, Format::Jsonl]
            .into_iter()
            .find(|f| f.as_str() == name)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Format::Text => "plain text",
            Format::Markdown => "markdown web clipping",
            Format::PdfText => "text extracted from a PDF",
            Format::Html => "HTML page",
            Format::Jsonl => "JSON lines",
        }
    }
}

/// The container a file's text is in: decided from its name and first bytes.
pub fn sniff_container(name: &str, text: &str) -> Format {
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "html" | "htm" | "xhtml" => return Format::Html,
        "jsonl" | "ndjson" | "json" => return Format::Jsonl,
        _ => {}
    }
    let head: String = text.trim_start().chars().take(1024).collect::<String>().to_ascii_lowercase();
    if head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || (head.starts_with('<') && (head.contains("<head") || head.contains("<body")))
    {
        return Format::Html;
    }
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if first_line.trim_start().starts_with('{') {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(first_line) {
            if map.contains_key("text") {
                return Format::Jsonl;
            }
        }
    }
    Format::Text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_containers() {
        assert_eq!(sniff_container("a.HTML", "x"), Format::Html);
        assert_eq!(sniff_container("a.txt", "  <!DOCTYPE html><html>"), Format::Html);
        assert_eq!(sniff_container("a.txt", "{\"text\": \"hi\"}\n{\"text\": \"ho\"}"), Format::Jsonl);
        assert_eq!(sniff_container("a.txt", "{not json"), Format::Text);
        assert_eq!(Format::parse("pdf-text"), Some(Format::PdfText));
    }
}
