//! One captured file in, analysed articles out.

use crate::capture::decode::{self, DecodeError};
use crate::capture::format::{self, Container, Format};
use crate::capture::{feed, html, jsonl, pdf, sitemap, warc};
use crate::capture::{Body, Fetched, Hints, Linked, Records};
use crate::reading::clean::{self, Paragraph, Removed};
use crate::reading::language;
use crate::reading::metadata;
use crate::text::{fold_for_match, join_paragraphs, short_hash};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// An article as the pipeline knows it after ingest, cleaning and metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// Identity: a hash of the source and the normalised text, so re-ingesting the
    /// same file changes nothing while an identical copy in another file stays a
    /// separate (exactly duplicated) article.
    pub id: String,
    /// Hash of the normalised body text alone: equal for exact copies.
    pub content_hash: String,
    /// Path relative to the ingested root (`#L<n>` for a JSON-lines record).
    pub source: String,
    pub format: Format,
    pub encoding: String,
    pub language: Option<String>,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<NaiveDate>,
    pub url: Option<String>,
    pub dateline: Option<String>,
    pub paragraphs: Vec<Paragraph>,
    pub links: Vec<String>,
    pub related: Vec<String>,
    pub removed: Vec<Removed>,
    pub provenance: BTreeMap<String, String>,
    /// The decoded capture as it was, for `show --original`.
    pub original: String,
}

impl Article {
    /// Fills the metadata this article lacks (title, date, outlet, URL) from the
    /// canonical member of its duplicate group, marking each filled field as
    /// inherited. Returns the fields filled.
    pub fn inherit_from(&mut self, canonical: &Article) -> Vec<&'static str> {
        let mut filled = Vec::new();
        let how = format!("inherited from duplicate {}", canonical.id);
        if self.title.is_none() && canonical.title.is_some() {
            self.title = canonical.title.clone();
            filled.push("title");
        }
        if self.published.is_none() && canonical.published.is_some() {
            self.published = canonical.published;
            filled.push("published");
        }
        if self.outlet.is_none() && canonical.outlet.is_some() {
            self.outlet = canonical.outlet.clone();
            filled.push("outlet");
        }
        if self.url.is_none() && canonical.url.is_some() {
            self.url = canonical.url.clone();
            filled.push("url");
        }
        for field in &filled {
            self.provenance.insert(field.to_string(), how.clone());
        }
        filled
    }

    /// Whether a field's value was inherited from a duplicate.
    pub fn is_inherited(&self, field: &str) -> bool {
        self.provenance.get(field).is_some_and(|how| how.starts_with("inherited from duplicate"))
    }

    /// The clean body: paragraphs separated by blank lines.
    pub fn text(&self) -> String {
        join_paragraphs(self.paragraphs.iter().map(|p| p.text.as_str()))
    }
}

/// Why a file yields no article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    Decode(DecodeError),
    NoText,
    /// A container (JSON, a feed, a web archive) none of whose records gave an article.
    NoRecords {
        container: &'static str,
        problems: Vec<String>,
    },
    /// A file that is not an article in a form read here (a PDF without text, other XML).
    Unreadable(String),
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Decode(e) => write!(f, "{e}"),
            FileError::NoText => write!(f, "no article text left after cleaning"),
            FileError::NoRecords { container, problems } => {
                write!(f, "no usable article in this {container} file")?;
                if let Some(first) = problems.first() {
                    write!(f, " ({first}")?;
                    if problems.len() > 1 {
                        write!(f, "; {} more", problems.len() - 1)?;
                    }
                    write!(f, ")")?;
                }
                Ok(())
            }
            FileError::Unreadable(what) => write!(f, "{what}"),
        }
    }
}

impl std::error::Error for FileError {}

/// What one file gave: its articles, and problems that did not stop it.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    pub articles: Vec<Article>,
    pub warnings: Vec<String>,
    /// Pages the file points to for articles it does not hold: a feed's teasers, a sitemap's entries.
    pub linked: Vec<Linked>,
}

/// Analyses one file's bytes. `source` names it in results and messages.
pub fn analyze_file(source: &str, bytes: &[u8]) -> Result<FileReport, FileError> {
    analyze_file_within(source, bytes, decode::MAX_INFLATED)
}

/// Analyses one file's bytes, refusing compressed content that inflates beyond `max_bytes`.
pub fn analyze_file_within(source: &str, bytes: &[u8], max_bytes: u64) -> Result<FileReport, FileError> {
    analyze_document(source, bytes, max_bytes, None, None)
}

/// Analyses one document's bytes; `fetched` says where and when it was fetched (its
/// URL stands in when the document states none) and `charset` is the encoding its
/// server declared (a byte-order mark still wins).
pub fn analyze_document(
    source: &str,
    bytes: &[u8],
    max_bytes: u64,
    fetched: Option<&Fetched>,
    charset: Option<&str>,
) -> Result<FileReport, FileError> {
    let inflated;
    let (name, bytes) = if decode::is_gzip(bytes) {
        inflated = decode::gunzip(bytes, max_bytes).map_err(FileError::Decode)?;
        (source.strip_suffix(".gz").unwrap_or(source), inflated.as_slice())
    } else {
        (source, bytes)
    };
    if pdf::is_pdf(bytes) {
        let text = pdf::text(bytes).map_err(FileError::Unreadable)?;
        return one_article(source, Body::Text(text), fetched, "PDF", Some(Format::Pdf));
    }
    if warc::is_warc(bytes) {
        return from_records(source, warc::parse(bytes, max_bytes), Format::Warc, "UTF-8");
    }
    let decoded = decode::decode_labelled(bytes, charset).map_err(FileError::Decode)?;
    let (encoding, malformed_at) = (decoded.encoding, decoded.malformed_at);
    let mut report = match format::sniff_container(name, &decoded.text) {
        Container::JsonLines => from_records(source, jsonl::parse(&decoded.text), Format::Jsonl, encoding)?,
        Container::JsonDocument => from_records(source, jsonl::parse_document(&decoded.text), Format::Jsonl, encoding)?,
        Container::Feed => from_records(source, feed::parse(bytes, &decoded.text), Format::Feed, encoding)?,
        Container::Xml(root) => match sitemap::links(&root, &decoded.text) {
            Some(linked) if !linked.is_empty() => FileReport { linked, ..FileReport::default() },
            Some(_) => return Err(FileError::Unreadable("a sitemap that lists no page".into())),
            None => {
                return Err(FileError::Unreadable(format!(
                    "an XML document (<{root}>) that is neither a web page, a news feed nor a sitemap"
                )))
            }
        },
        Container::Html => one_article(source, Body::Html(decoded.text), fetched, encoding, Some(Format::Html))?,
        Container::Text => one_article(source, Body::Text(decoded.text), fetched, encoding, None)?,
    };
    if let Some(offset) = malformed_at {
        report.warnings.insert(0, format!("invalid {encoding} at byte {offset}; malformed bytes replaced with U+FFFD"));
    }
    Ok(report)
}

/// The articles of a container's records (`source#locator` each), with each record
/// that gave none named among the warnings; an error when no record gave one.
fn from_records(source: &str, found: Records, format: Format, encoding: &str) -> Result<FileReport, FileError> {
    use rayon::prelude::*;
    let mut report = FileReport::default();
    // A web archive or a feed can hold thousands of pages: they are read on every core,
    // their order kept.
    let articles: Vec<(String, Option<Article>)> = found
        .records
        .into_par_iter()
        .map(|record| {
            let record_source = format!("{source}#{}", record.locator);
            let article =
                record_article(&record_source, record.body, &record.stated, record.fetched.as_ref(), encoding);
            (record.label, article)
        })
        .collect();
    for (label, article) in articles {
        match article {
            Some(article) => report.articles.push(Article { format, ..article }),
            None => report.warnings.push(format!("{label}: no article text left after cleaning")),
        }
    }
    report.warnings.extend(found.problems);
    report.linked = found.linked;
    if report.articles.is_empty() && report.linked.is_empty() {
        return Err(FileError::NoRecords { container: format.describe(), problems: report.warnings });
    }
    Ok(report)
}

/// A file that is one article (a page, a text, a PDF's text), as a record with
/// nothing stated; `format` overrides the text kind the cleaner found.
fn one_article(
    source: &str,
    body: Body,
    fetched: Option<&Fetched>,
    encoding: &str,
    format: Option<Format>,
) -> Result<FileReport, FileError> {
    let article = record_article(source, body, &Hints::default(), fetched, encoding).ok_or(FileError::NoText)?;
    let article = Article { format: format.unwrap_or(article.format), ..article };
    Ok(FileReport { articles: vec![article], ..FileReport::default() })
}

/// One record's article: its HTML read as a page (what the record states wins over
/// the page's own markup).
fn record_article(
    source: &str,
    body: Body,
    stated: &Hints,
    fetched: Option<&Fetched>,
    encoding: &str,
) -> Option<Article> {
    match body {
        Body::Text(text) => single(source, &text, encoding, stated.clone(), None, fetched),
        Body::Html(markup) => {
            let page = html::extract(&markup);
            let hints = stated.clone().or(page.hints);
            let article = single(source, &page.text, encoding, hints, Some(&page.source_lines), fetched)?;
            Some(Article { original: markup, ..article })
        }
    }
}

/// One document's article, the place it was fetched from standing in for a URL when
/// nothing states one, and when it was fetched kept among the provenance.
fn single(
    source: &str,
    text: &str,
    encoding: &str,
    hints: Hints,
    line_map: Option<&[u32]>,
    fetched: Option<&Fetched>,
) -> Option<Article> {
    let fallback = Hints { url: fetched.and_then(|f| f.url.clone()), ..Hints::default() };
    let mut article = analyze_text(source, text, encoding, &hints.or(fallback), line_map)?;
    if let Some(fetched) = fetched {
        let when = fetched.at.as_deref().map(|at| format!(" {at}")).unwrap_or_default();
        let from = fetched.url.as_deref().map(|url| format!(" from {url}")).unwrap_or_default();
        article.provenance.insert("fetched".into(), format!("fetched{when}{from}"));
    }
    Some(article)
}

/// Cleans a text and decides its metadata. `line_map` translates the text's line
/// numbers to the original file's when the text was derived (HTML).
pub fn analyze_text(
    source: &str,
    text: &str,
    encoding: &str,
    hints: &Hints,
    line_map: Option<&[u32]>,
) -> Option<Article> {
    // A text derived from a page is the main text the HTML reader chose; any other text
    // is a capture, which may hold the whole page around its article.
    let origin = if line_map.is_some() { clean::Origin::ReaderText } else { clean::Origin::Capture };
    let mut cleaned = clean::clean(text, origin);
    if cleaned.paragraphs.is_empty() {
        return None;
    }
    if let Some(map) = line_map {
        let translate = |line: u32| map.get(line as usize - 1).copied().unwrap_or(line);
        for paragraph in &mut cleaned.paragraphs {
            paragraph.first_line = translate(paragraph.first_line);
            paragraph.last_line = translate(paragraph.last_line).max(paragraph.first_line);
        }
    }
    let meta = metadata::decide(&cleaned, hints);
    let body = join_paragraphs(cleaned.paragraphs.iter().map(|p| p.text.as_str()));
    let content_hash = short_hash(&[&fold_for_match(&body).to_lowercase()]);
    let language = hints
        .language
        .as_deref()
        .and_then(|l| l.get(..2))
        .map(str::to_string)
        .or_else(|| language::detect(&body).map(str::to_string));
    Some(Article {
        id: short_hash(&[source, &content_hash]),
        content_hash,
        source: source.to_string(),
        format: cleaned.stats.format(),
        encoding: encoding.to_string(),
        language,
        title: meta.title,
        outlet: meta.outlet,
        published: meta.published,
        url: meta.url,
        dateline: meta.dateline,
        paragraphs: cleaned.paragraphs,
        links: cleaned.links,
        related: cleaned.related,
        removed: cleaned.removed,
        provenance: meta.provenance,
        original: text.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_stable_and_depends_on_text_and_source() {
        let a = analyze_file("a.txt", b"Some Title\n\nThe body of the article.").unwrap();
        let again = analyze_file("a.txt", b"Some Title\n\nThe  body of the article.\n").unwrap();
        let copy = analyze_file("b.txt", b"Some Title\n\nThe body of the article.").unwrap();
        assert_eq!(a.articles[0].id, again.articles[0].id);
        assert_ne!(a.articles[0].id, copy.articles[0].id);
        assert_eq!(a.articles[0].content_hash, copy.articles[0].content_hash);
    }

    #[test]
    fn reports_jsonl_records_with_line_sources() {
        let input = b"{\"text\":\"First body text.\",\"title\":\"One\"}\nnot json\n{\"text\":\"Second body text.\"}\n";
        let report = analyze_file("feed.jsonl", input).unwrap();
        let sources: Vec<&str> = report.articles.iter().map(|a| a.source.as_str()).collect();
        assert_eq!(sources, ["feed.jsonl#L1", "feed.jsonl#L3"]);
        assert_eq!(report.articles[0].title.as_deref(), Some("One"));
        assert_eq!(report.warnings.len(), 1);
    }

    #[test]
    fn refuses_files_without_text() {
        assert!(matches!(analyze_file("e.txt", b""), Err(FileError::Decode(DecodeError::Empty))));
        assert_eq!(
            analyze_file("c.txt", b"Share this article\n\nlog in or register\n").unwrap_err(),
            FileError::NoText
        );
    }
}
