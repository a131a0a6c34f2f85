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
    /// An item of a news feed (RSS, Atom, JSON Feed).
    Feed,
    /// A response record of a web archive (WARC).
    Warc,
    /// A PDF document, its text extracted.
    Pdf,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::PdfText => "pdf-text",
            Format::Html => "html",
            Format::Jsonl => "jsonl",
            Format::Feed => "feed",
            Format::Warc => "warc",
            Format::Pdf => "pdf",
        }
    }

    pub fn parse(name: &str) -> Option<Format> {
        [
            Format::Text,
            Format::Markdown,
            Format::PdfText,
            Format::Html,
            Format::Jsonl,
            Format::Feed,
            Format::Warc,
            Format::Pdf,
        ]
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
            Format::Feed => "news feed item",
            Format::Warc => "web archive (WARC) record",
            Format::Pdf => "PDF document",
        }
    }
}

/// What holds a file's text, decided from its name and first characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Container {
    Text,
    Html,
    /// One JSON article a line.
    JsonLines,
    /// A JSON document: an article, an array of them or an API answer listing them.
    JsonDocument,
    /// RSS, Atom or JSON Feed.
    Feed,
    /// An XML document that is not a page or a feed, with its root element's name.
    Xml(String),
}

/// The container a file's text is in: decided from its name and first characters.
pub fn sniff_container(name: &str, text: &str) -> Container {
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if crate::capture::feed::is_feed(text) {
        return Container::Feed;
    }
    match extension.as_str() {
        "html" | "htm" | "xhtml" => return Container::Html,
        "jsonl" | "ndjson" => return Container::JsonLines,
        "json" => return Container::JsonDocument,
        _ => {}
    }
    let head: String = text.trim_start().chars().take(1024).collect::<String>().to_ascii_lowercase();
    if head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || (head.starts_with('<') && (head.contains("<head") || head.contains("<body")))
    {
        return Container::Html;
    }
    if let Some(root) = xml_root(text) {
        let html = HTML_ROOTS.iter().any(|tag| root.eq_ignore_ascii_case(tag));
        return if html { Container::Html } else { Container::Xml(root.to_string()) };
    }
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if first_line.trim_start().starts_with('{') {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(first_line) {
            if crate::capture::jsonl::is_article_object(&map) {
                return Container::JsonLines;
            }
        }
    }
    Container::Text
}

/// Elements that make a document held by one element a page (or a fragment of one), not XML.
const HTML_ROOTS: [&str; 24] = [
    "html",
    "body",
    "main",
    "article",
    "section",
    "div",
    "p",
    "span",
    "header",
    "footer",
    "table",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "figure",
    "pre",
    "a",
    "b",
    "i",
    "em",
];

/// The name of the root element when the text is an XML document: what follows
/// the XML declaration, comments, processing instructions and a doctype.
pub fn xml_root(text: &str) -> Option<&str> {
    let mut rest = text.trim_start_matches('\u{FEFF}').trim_start();
    // A declaration or a feed's root says XML; otherwise one element must hold it all.
    let declared = ["<?xml", "<rss", "<feed", "<rdf"].iter().any(|start| rest.starts_with(start));
    if !declared && !rest.starts_with('<') {
        return None;
    }
    loop {
        rest = rest.trim_start();
        let skip_to = if rest.starts_with("<?") {
            "?>"
        } else if rest.starts_with("<!--") {
            "-->"
        } else if rest.starts_with("<!") {
            ">"
        } else {
            break;
        };
        rest = &rest[rest.find(skip_to)? + skip_to.len()..];
    }
    let name = rest.strip_prefix('<')?;
    let end = name.find(|c: char| c.is_whitespace() || c == '>' || c == '/').unwrap_or(name.len());
    let root = &name[..end];
    let closed = text.trim_end().ends_with(&format!("</{root}>"));
    (end > 0 && (declared || closed)).then_some(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_containers() {
        assert_eq!(sniff_container("a.HTML", "x"), Container::Html);
        assert_eq!(sniff_container("a.txt", "  <!DOCTYPE html><html>"), Container::Html);
        assert_eq!(sniff_container("a.txt", "{\"text\": \"hi\"}\n{\"text\": \"ho\"}"), Container::JsonLines);
        assert_eq!(sniff_container("a.txt", "{\"maintext\": \"hi\"}"), Container::JsonLines);
        assert_eq!(sniff_container("a.json", "[]"), Container::JsonDocument);
        assert_eq!(sniff_container("a.txt", "{not json"), Container::Text);
        assert_eq!(
            sniff_container("a.xml", "<?xml version=\"1.0\"?>\n<!-- c --><rss version=\"2.0\">"),
            Container::Feed
        );
        let sitemap = "<?xml version=\"1.0\"?><urlset xmlns=\"x\">";
        assert_eq!(sniff_container("s.xml", sitemap), Container::Xml("urlset".into()));
        assert_eq!(sniff_container("p.xml", "<?xml version=\"1.0\"?><!DOCTYPE html><html>"), Container::Html);
        let index = "<sitemapindex><sitemap><loc>https://a.example/s.xml</loc></sitemap></sitemapindex>\n";
        assert_eq!(sniff_container("s", index), Container::Xml("sitemapindex".into()));
        assert_eq!(sniff_container("t.txt", "<b>Bold</b> start of a pasted text"), Container::Text);
        assert_eq!(sniff_container("f.txt", "<div><p>A fragment of a page.</p></div>"), Container::Html);
        assert_eq!(Format::parse("pdf-text"), Some(Format::PdfText));
    }
}
