//! HTML pages: metadata from meta tags and JSON-LD, main text from the element
//! that holds most of the page's paragraph text (html5ever via scraper).
//! Readability-grade extraction is future work; this finds the article body on
//! ordinary news pages and leaves navigation, asides and widgets out.

use crate::capture::Hints;
use crate::text::collapse_whitespace;
use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use std::collections::HashMap;
use std::sync::LazyLock;

/// The text of a page laid out as markdown-like lines, ready for the cleaner,
/// with the source line each synthetic line came from.
#[derive(Debug, Clone, Default)]
pub struct HtmlPage {
    pub text: String,
    pub hints: Hints,
    /// `source_lines[i]` is the 1-based line of the HTML where synthetic line `i + 1` came from.
    pub source_lines: Vec<u32>,
}

const SKIP_TAGS: [&str; 17] = [
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "figure",
    "figcaption",
    "iframe",
    "svg",
    "button",
    "select",
    "template",
    "menu",
    "dialog",
];
const BLOCK_TAGS: [&str; 10] = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre"];

static SKIP_CLASS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(^|[\s_-])(share|sharing|social|comments?|related|newsletter|advert\w*|ads?|promo\w*|footer|nav\w*|menu|cookies?|caption|credit|sidebar|subscribe|subscription|popup|modal|breadcrumbs?|tags|author-bio|recirc\w*|outbrain|taboola|paywall|hidden|visually-hidden|sr-only)($|[\s_-])").unwrap()
});

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("static selector")
}

fn meta_content(doc: &Html, css: &str) -> Option<String> {
    doc.select(&selector(css))
        .filter_map(|e| e.value().attr("content").or(e.value().attr("href")).or(e.value().attr("datetime")))
        .map(collapse_whitespace)
        .find(|v| !v.is_empty())
}

fn element_text(element: ElementRef<'_>) -> String {
    collapse_whitespace(&element.text().collect::<String>())
}

/// JSON-LD `NewsArticle`-like objects: headline, datePublished, publisher name, url.
fn json_ld(doc: &Html) -> Hints {
    let mut hints = Hints::default();
    for script in doc.select(&selector(r#"script[type="application/ld+json"]"#)) {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&script.text().collect::<String>()) else {
            continue;
        };
        let mut stack = vec![value];
        while let Some(value) = stack.pop() {
            match value {
                serde_json::Value::Array(items) => stack.extend(items),
                serde_json::Value::Object(map) => {
                    let text = |key: &str| map.get(key).and_then(|v| v.as_str()).map(str::to_string);
                    if map.contains_key("datePublished") || map.contains_key("headline") {
                        hints.title = hints.title.take().or(text("headline"));
                        hints.published = hints.published.take().or(text("datePublished"));
                        hints.url = hints.url.take().or(text("url"));
                        let publisher = map.get("publisher").and_then(|p| p.get("name")).and_then(|n| n.as_str());
                        hints.outlet = hints.outlet.take().or(publisher.map(str::to_string));
                    }
                    if let Some(graph) = map.get("@graph") {
                        stack.push(graph.clone());
                    }
                }
                _ => {}
            }
        }
    }
    hints
}

fn page_hints(doc: &Html) -> Hints {
    let ld = json_ld(doc);
    let first_text = |css: &str| doc.select(&selector(css)).map(element_text).find(|t| !t.is_empty());
    Hints {
        title: meta_content(doc, r#"meta[property="og:title"], meta[name="twitter:title"]"#)
            .or(ld.title)
            .or_else(|| first_text("h1"))
            .or_else(|| first_text("title")),
        outlet: meta_content(doc, r#"meta[property="og:site_name"], meta[name="application-name"]"#).or(ld.outlet),
        published: meta_content(
            doc,
            r#"meta[property="article:published_time"], meta[name="article:published_time"], meta[itemprop="datePublished"], meta[name="pubdate"], meta[name="publishdate"], meta[name="date"], meta[name="DC.date.issued"], meta[name="sailthru.date"], meta[property="og:published_time"]"#,
        )
        .or(ld.published)
        .or_else(|| meta_content(doc, "article time[datetime], time[pubdate]")),
        url: meta_content(doc, r#"link[rel="canonical"], meta[property="og:url"]"#).filter(|u| u.contains("://")).or(ld.url),
        language: doc.select(&selector("html")).next().and_then(|h| h.value().attr("lang")).map(|l| l.to_ascii_lowercase()),
    }
}

static CONTENT_CLASS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)article|body|content|main|column|story|entry|post|text").unwrap());

/// Structural elements are never dropped for their class: a `<main class="js-social-anchor">`
/// still holds the article.
const STRUCTURAL_TAGS: [&str; 5] = ["html", "body", "main", "article", "section"];

fn is_skipped(element: ElementRef<'_>) -> bool {
    let value = element.value();
    let unlikely = |attr: Option<&str>| attr.is_some_and(|c| SKIP_CLASS.is_match(c) && !CONTENT_CLASS.is_match(c));
    SKIP_TAGS.contains(&value.name())
        || value.attr("hidden").is_some()
        || value.attr("aria-hidden") == Some("true")
        || (!STRUCTURAL_TAGS.contains(&value.name()) && (unlikely(value.attr("class")) || unlikely(value.attr("id"))))
}

fn inside_skipped(element: ElementRef<'_>, stop_at: Option<ElementRef<'_>>) -> bool {
    let mut current = Some(element);
    while let Some(e) = current {
        if Some(e.id()) == stop_at.map(|s| s.id()) {
            return false;
        }
        if is_skipped(e) {
            return true;
        }
        current = e.parent().and_then(ElementRef::wrap);
    }
    false
}

/// The element whose direct paragraphs hold the most text.
fn main_container(doc: &Html) -> Option<ElementRef<'_>> {
    // Scores in document order, so ties go to the first container on the page.
    let mut order: Vec<ego_tree::NodeId> = Vec::new();
    let mut scores: HashMap<ego_tree::NodeId, usize> = HashMap::new();
    let mut add = |id: ego_tree::NodeId, points: usize| {
        let entry = scores.entry(id).or_insert_with(|| {
            order.push(id);
            0
        });
        *entry += points;
    };
    for p in doc.select(&selector("p")) {
        if inside_skipped(p, None) {
            continue;
        }
        let len = element_text(p).chars().count();
        if len < 25 {
            continue;
        }
        if let Some(parent) = p.parent().and_then(ElementRef::wrap) {
            add(parent.id(), len);
            // Paragraphs split across sibling wrappers still belong to the grandparent.
            if let Some(grand) = parent.parent().and_then(ElementRef::wrap) {
                add(grand.id(), len / 2);
            }
        }
    }
    let best = order.iter().enumerate().max_by_key(|(position, id)| (scores[*id], std::cmp::Reverse(*position)))?.1;
    let best = *best;
    doc.tree.get(best).and_then(ElementRef::wrap)
}

fn blocks(container: ElementRef<'_>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let css = BLOCK_TAGS.join(", ");
    for element in container.select(&selector(&css)) {
        if inside_skipped(element, Some(container)) {
            continue;
        }
        // A block inside another block (a <p> in a <li> or <blockquote>) is read with its parent.
        let nested = element
            .ancestors()
            .take_while(|a| a.id() != container.id())
            .filter_map(ElementRef::wrap)
            .any(|a| BLOCK_TAGS.contains(&a.value().name()));
        if nested {
            continue;
        }
        let text = element_text(element);
        if !text.is_empty() {
            out.push((element.value().name().to_string(), text));
        }
    }
    out
}

const INLINE_TAGS: [&str; 16] =
    ["a", "b", "i", "em", "strong", "span", "small", "sup", "sub", "u", "s", "mark", "abbr", "cite", "q", "time"];

/// The text an element holds itself: its text nodes and inline children, not its blocks.
fn own_text(element: ElementRef<'_>) -> String {
    let mut text = String::new();
    for child in element.children() {
        if let Some(t) = child.value().as_text() {
            text.push_str(t);
        } else if let Some(inner) = ElementRef::wrap(child) {
            if INLINE_TAGS.contains(&inner.value().name()) && !is_skipped(inner) {
                text.push_str(&inner.text().collect::<String>());
            }
        }
    }
    collapse_whitespace(&text)
}

fn all_paragraphs(doc: &Html) -> Vec<(String, String)> {
    doc.select(&selector("p, h2, h3, blockquote"))
        .filter(|e| !e.ancestors().filter_map(ElementRef::wrap).any(|a| SKIP_TAGS.contains(&a.value().name())))
        .map(|e| (e.value().name().to_string(), element_text(e)))
        .filter(|(_, text)| text.len() >= 2)
        .collect()
}

/// Pages that set text straight into `<div>`s: every element's own text, in order.
fn loose_text_blocks(container: ElementRef<'_>) -> Vec<(String, String)> {
    std::iter::once(container)
        .chain(container.descendants().skip(1).filter_map(ElementRef::wrap))
        .filter(|e| !INLINE_TAGS.contains(&e.value().name()) && !inside_skipped(*e, Some(container)))
        .map(|e| ("p".to_string(), own_text(e)))
        .filter(|(_, text)| !text.is_empty())
        .collect()
}

/// Extracts the article from an HTML page.
pub fn extract(source: &str) -> HtmlPage {
    let doc = Html::parse_document(&crate::capture::markup_bounds::bound_markup(source));
    let hints = page_hints(&doc);
    let body = doc.select(&selector("body")).next();
    let container = main_container(&doc).or(body);
    let mut page = HtmlPage { hints, ..HtmlPage::default() };
    let mut lines: Vec<String> = Vec::new();
    if let Some(title) = &page.hints.title {
        lines.push(format!("# {title}"));
        lines.push(String::new());
    }
    let mut found = container.map(blocks).unwrap_or_default();
    if let Some(container) = container {
        let block_chars: usize = found.iter().map(|(_, t)| t.len()).sum();
        if block_chars * 3 < element_text(container).len() {
            found = loose_text_blocks(container);
        }
    }
    let found_chars: usize = found.iter().map(|(_, t)| t.len()).sum();
    if found_chars < 300 {
        // The chosen container held almost nothing: take every paragraph outside
        // navigation and page furniture, judging by tags alone, if that is much more.
        let everything = all_paragraphs(&doc);
        if everything.iter().map(|(_, t)| t.len()).sum::<usize>() > 2 * found_chars.max(100) {
            found = everything;
        }
    }
    for (tag, text) in found {
        if tag == "h1" && page.hints.title.as_deref() == Some(text.as_str()) {
            continue;
        }
        let line = match tag.as_str() {
            "h1" | "h2" => format!("## {text}"),
            "h3" | "h4" | "h5" | "h6" => format!("### {text}"),
            _ => text,
        };
        lines.push(line);
        lines.push(String::new());
    }
    page.source_lines = locate_lines(source, &lines);
    page.text = lines.join("\n");
    page
}

/// How far ahead of the last located line the next one is looked for, in bytes.
const LOCATE_WINDOW: usize = 256 * 1024;

/// Best-effort source line of each synthetic line: where its first words occur in the HTML.
fn locate_lines(source: &str, lines: &[String]) -> Vec<u32> {
    let mut cursor = 0usize;
    let mut last_line = 1u32;
    let line_starts: Vec<usize> = std::iter::once(0).chain(source.match_indices('\n').map(|(i, _)| i + 1)).collect();
    lines
        .iter()
        .map(|line| {
            let probe: String = line.trim_start_matches('#').split_whitespace().take(3).collect::<Vec<_>>().join(" ");
            if probe.len() >= 8 {
                // Looked for ahead of the last line found, within a window: a line that
                // is not in the source (entities decoded differently) must not cost a
                // scan of the whole page.
                let mut window_end = (cursor + LOCATE_WINDOW).min(source.len());
                while !source.is_char_boundary(window_end) {
                    window_end += 1;
                }
                if let Some(offset) = source[cursor..window_end].find(&probe) {
                    cursor += offset;
                    last_line = line_starts.partition_point(|&s| s <= cursor) as u32;
                }
            }
            last_line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html><html lang="en"><head>
<title>Story | Example News</title>
<meta property="og:title" content="The Story Headline">
<meta property="og:site_name" content="Example News">
<meta property="article:published_time" content="2021-12-17T10:00:00Z">
<link rel="canonical" href="https://example.com/2021/12/17/story">
</head><body>
<nav><p>Home News Sport Weather and a long menu line that is not content</p></nav>
<article>
<h1>The Story Headline</h1>
<figure><img src="a.jpg"><figcaption>A caption with a credit that must not appear</figcaption></figure>
<p>The first paragraph of the story is long enough to count as text.</p>
<p>The second paragraph says &ldquo;something&rdquo; quoted by someone important.</p>
<div class="share-tools"><p>Share this story on all the social networks right now</p></div>
<h2>A subheading</h2>
<p>A third paragraph closes the story with a final sentence.</p>
</article>
<aside><p>Related: another story that should stay out of the body text</p></aside>
</body></html>"#;

    #[test]
    fn extracts_main_text_and_metadata() {
        let page = extract(PAGE);
        assert_eq!(page.hints.title.as_deref(), Some("The Story Headline"));
        assert_eq!(page.hints.outlet.as_deref(), Some("Example News"));
        assert_eq!(page.hints.published.as_deref(), Some("2021-12-17T10:00:00Z"));
        assert_eq!(page.hints.url.as_deref(), Some("https://example.com/2021/12/17/story"));
        assert_eq!(page.hints.language.as_deref(), Some("en"));
        assert!(page.text.contains("The first paragraph"));
        assert!(page.text.contains("\u{201C}something\u{201D}"));
        assert!(page.text.contains("## A subheading"));
        for absent in ["menu line", "caption", "Share this", "Related:"] {
            assert!(!page.text.contains(absent), "{absent} leaked: {}", page.text);
        }
        let first_paragraph = page.text.lines().position(|l| l.starts_with("The first")).unwrap();
        assert_eq!(page.source_lines[first_paragraph], 12);
    }

    #[test]
    fn reads_text_set_straight_into_divs() {
        let page = extract("<html><body><article><div>First loose paragraph of text.</div><div>Second <b>bold</b> one.</div></article></body></html>");
        assert_eq!(page.text, "First loose paragraph of text.\n\nSecond bold one.\n");
    }

    #[test]
    fn survives_fragments_and_garbage() {
        assert!(extract("<p>unclosed <b>tags").text.contains("unclosed tags"));
        let _ = extract("<<<>>></</>");
        let _ = extract("");
    }
}
