//! HTML pages: metadata from meta tags, JSON-LD and the page itself; the main text
//! found by evidence (`body`). Parsed by html5ever via scraper.

use crate::capture::markup_bounds::READ_ATTRIBUTES;
use crate::capture::Hints;
use crate::text::collapse_whitespace;
use scraper::{ElementRef, Html, Selector};

mod body;
mod published;
mod title;

/// The text of a page laid out as markdown-like lines, ready for the cleaner,
/// with the source line each synthetic line came from.
#[derive(Debug, Clone, Default)]
pub struct HtmlPage {
    pub text: String,
    pub hints: Hints,
    /// `source_lines[i]` is the 1-based line of the HTML where synthetic line `i + 1` came from.
    pub source_lines: Vec<u32>,
}

/// An element's attribute, found by comparing names. scraper's own `attr` first
/// interns the name it is given (a hash lookup), which costs more than the search
/// itself: extraction asks several attributes of every element of a page.
trait Attribute {
    fn attribute(&self, name: &str) -> Option<&str>;
}

impl Attribute for scraper::node::Element {
    fn attribute(&self, name: &str) -> Option<&str> {
        // Checked where it costs nothing that counts: this module's tests, even in release.
        if cfg!(any(test, debug_assertions)) {
            assert!(READ_ATTRIBUTES.contains(&name), "{name} is dropped before parsing: add it to READ_ATTRIBUTES");
        }
        self.attrs().find_map(|(own, value)| (own == name).then_some(value))
    }
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("static selector")
}

fn meta_content(doc: &Html, css: &str) -> Option<String> {
    doc.select(&selector(css))
        .filter_map(|e| {
            e.value().attribute("content").or(e.value().attribute("href")).or(e.value().attribute("datetime"))
        })
        .map(collapse_whitespace)
        .find(|v| !v.is_empty())
}

/// The text a reader sees in an element: hidden parts (screen-reader labels such as
/// "Headline:") left out, a line break read as a space.
fn element_text(element: ElementRef<'_>) -> String {
    let mut text = String::new();
    let mut skipping: Option<ego_tree::NodeId> = None;
    for edge in element.traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) if skipping.is_none() => match node.value() {
                scraper::Node::Text(t) => text.push_str(&crate::text::without_layout_marks(t)),
                scraper::Node::Element(e) if body::is_unread(e) => skipping = Some(node.id()),
                scraper::Node::Element(e) if e.name() == "br" => text.push(' '),
                _ => {}
            },
            ego_tree::iter::Edge::Close(node) if skipping == Some(node.id()) => skipping = None,
            _ => {}
        }
    }
    collapse_whitespace(&text)
}

/// What JSON-LD says about the article: the first headline, publication date,
/// publisher name and url anywhere in its objects (`@graph`, `mainEntity`, arrays).
#[derive(Default)]
struct LinkedData {
    headline: Option<String>,
    published: Option<String>,
    publisher: Option<String>,
    url: Option<String>,
}

impl LinkedData {
    fn read(doc: &Html) -> LinkedData {
        let mut found = LinkedData::default();
        for script in doc.select(&selector(r#"script[type="application/ld+json"]"#)) {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(&script.text().collect::<String>()) {
                found.visit(&value);
            }
        }
        found
    }

    /// serde_json refuses nesting deeper than 128, so the recursion is bounded.
    fn visit(&mut self, value: &serde_json::Value) {
        match value {
            serde_json::Value::Array(items) => items.iter().for_each(|item| self.visit(item)),
            serde_json::Value::Object(map) => {
                let text = |key: &str| map.get(key).and_then(|v| v.as_str()).map(collapse_whitespace);
                if map.contains_key("datePublished") || map.contains_key("headline") {
                    self.headline = self.headline.take().or(text("headline"));
                    self.published = self.published.take().or(text("datePublished"));
                    self.url = self.url.take().or(text("url"));
                    let publisher = map.get("publisher").and_then(|p| p.get("name")).and_then(|n| n.as_str());
                    self.publisher = self.publisher.take().or(publisher.map(collapse_whitespace));
                }
                map.values().filter(|v| v.is_object() || v.is_array()).for_each(|v| self.visit(v));
            }
            _ => {}
        }
    }
}

fn host_of(url: &str) -> Option<&str> {
    let rest = url.split("://").nth(1)?;
    let host = rest.split(['/', '?', '#', ':']).next()?;
    Some(host.trim_start_matches("www."))
}

/// The page's headings of one rank that are not hidden, and whether page furniture
/// holds each.
fn shown_headings<'a>(doc: &'a Html, css: &str) -> Vec<(ElementRef<'a>, bool)> {
    let unread = |e: &ElementRef<'_>| {
        body::is_unread(e.value()) || e.ancestors().filter_map(ElementRef::wrap).any(|a| body::is_unread(a.value()))
    };
    let in_furniture =
        |e: &ElementRef<'_>| e.ancestors().filter_map(ElementRef::wrap).any(|a| body::is_furniture(a.value()));
    doc.select(&selector(css)).filter(|e| !unread(e)).map(|e| (e, in_furniture(&e))).collect()
}

/// The texts of the headings outside furniture, each without its kicker: a short label
/// set before the headline in an element of its own ("Klimaschutz", a date) is not part
/// of the headline.
fn texts_outside_furniture(headings: Vec<(ElementRef<'_>, bool)>) -> Vec<String> {
    headings
        .into_iter()
        .filter(|(_, furniture)| !furniture)
        .map(|(e, _)| headline_of(e))
        .filter(|t| !t.is_empty())
        .collect()
}

fn headline_of(heading: ElementRef<'_>) -> String {
    // A wrapper that holds the whole headline (a link, a span) is looked into.
    let mut heading = heading;
    while let [only] = visible_children(heading).as_slice() {
        match ElementRef::wrap(*only) {
            Some(inner) => heading = inner,
            None => break,
        }
    }
    // Small print in a heading (its date and section under a `<br>`) is not the headline.
    let small_print = |node: &ego_tree::NodeRef<'_, scraper::Node>| {
        ElementRef::wrap(*node).is_some_and(|e| e.value().name() == "small")
    };
    let mut children = visible_children(heading);
    if children.iter().any(|c| !small_print(c)) {
        children.retain(|c| !small_print(c));
    }
    // Each part: its raw text (spaces as written), and whether it is an element of its own.
    let parts: Vec<(String, bool)> = children
        .into_iter()
        .filter_map(|child| match child.value() {
            scraper::Node::Text(text) => Some((crate::text::without_layout_marks(text).into_owned(), false)),
            scraper::Node::Element(e) if e.name() == "br" => Some((" ".to_string(), true)),
            _ => ElementRef::wrap(child).map(|e| (element_text(e), true)),
        })
        .filter(|(t, _)| !t.trim().is_empty() || t == " ")
        .collect();
    // As a reader sees it: "Frauen im <abbr>THW</abbr>: …" has no space before the colon.
    let whole = || collapse_whitespace(&parts.iter().map(|(t, _)| t.as_str()).collect::<String>());
    let parts: Vec<(String, bool)> =
        parts.iter().map(|(t, own)| (collapse_whitespace(t), *own)).filter(|(t, _)| !t.is_empty()).collect();
    let [(kicker, true), rest @ ..] = parts.as_slice() else { return whole() };
    let rest = rest.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>().join(" ");
    let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || ":-–—|".contains(c));
    // A kicker is a short label; the headline after it starts afresh, not mid-sentence.
    let starts_afresh = rest.chars().next().is_some_and(|c| !c.is_lowercase());
    if kicker.split_whitespace().count() <= 5 && rest.split_whitespace().count() >= 2 && starts_afresh {
        rest.to_string()
    } else {
        whole()
    }
}

/// An element's children that carry something a reader sees: text that is not blank,
/// elements that are not hidden (a `<br>` counts: it parts a kicker from a headline).
fn visible_children(element: ElementRef<'_>) -> Vec<ego_tree::NodeRef<'_, scraper::Node>> {
    element
        .children()
        .filter(|child| match child.value() {
            scraper::Node::Text(text) => !text.trim().is_empty(),
            scraper::Node::Element(e) => !body::is_unread(e),
            _ => false,
        })
        .collect()
}

/// How many blocks above the article's first one its headline may stand (a byline, a
/// date, a lead image's caption between them), and how many below it (the text read
/// as the article may begin with a teaser above its headline).
const LEAD_REACH: (usize, usize) = (6, 3);

/// The `<h1>` nearest the article's first block, within [`LEAD_REACH`], above it before
/// below it, outside furniture; as its heading reads (`headings`), else as its block does.
fn lead_heading(blocks: &[body::Block], article_start: Option<usize>, headings: &[String]) -> Option<String> {
    let start = article_start?;
    let mut near: Vec<usize> =
        (start.saturating_sub(LEAD_REACH.0)..=start + LEAD_REACH.1).filter(|&i| i < blocks.len()).collect();
    near.sort_by_key(|&i| (i > start, i.abs_diff(start)));
    let block = near.into_iter().map(|i| &blocks[i]).find(|b| b.tag == "h1" && b.furniture.is_empty())?;
    let heading = headings.iter().filter(|h| block.text.contains(h.as_str())).max_by_key(|h| h.len());
    Some(heading.cloned().unwrap_or_else(|| block.text.clone()))
}

fn page_hints(doc: &Html, linear: &body::Linear, article_start: Option<usize>) -> Hints {
    let ld = LinkedData::read(doc);
    let outlet =
        meta_content(doc, r#"meta[property="og:site_name"], meta[name="application-name"]"#).or(ld.publisher.clone());
    let url =
        meta_content(doc, r#"link[rel="canonical"], meta[property="og:url"]"#).filter(|u| u.contains("://")).or(ld.url);
    let first_text = |css: &str| doc.select(&selector(css)).map(element_text).find(|t| !t.is_empty());
    let stated_titles = [
        ld.headline.clone(),
        meta_content(doc, r#"meta[property="og:title"]"#),
        meta_content(doc, r#"meta[name="twitter:title"]"#),
        first_text("title"),
    ];
    let site_names: Vec<&str> =
        [outlet.as_deref(), ld.publisher.as_deref(), url.as_deref().and_then(host_of)].into_iter().flatten().collect();
    let shown_h1 = shown_headings(doc, "h1");
    let headings = texts_outside_furniture(shown_h1.clone());
    let evidence = title::TitleEvidence {
        stated: stated_titles.into_iter().flatten().filter(|t| !t.is_empty()).collect(),
        lead: lead_heading(&linear.blocks, article_start, &headings),
        headings,
        subheadings: texts_outside_furniture(shown_headings(doc, "h2, h3")),
        shown_headings: shown_h1.into_iter().map(|(h1, _)| headline_of(h1)).collect(),
        site_names,
    };
    let language = doc
        .select(&selector("html"))
        .next()
        .and_then(|h| h.value().attribute("lang").or(h.value().attribute("xml:lang")))
        .map(|l| l.to_ascii_lowercase());
    let calendar = crate::dates::PageCalendar::of_language(language.as_deref());
    let stated_date = published::stated_in_meta(doc, calendar).or_else(|| {
        let date = ld.published.as_deref().and_then(|d| calendar.stamp_day(d))?;
        Some(published::Stated { date, specific: true, from: "the page's JSON-LD" })
    });
    let title = title::reconcile(&evidence);
    let shown = published::shown(
        &linear.blocks,
        &linear.stamps,
        published::Anchor { title: title.as_deref(), article_start },
        calendar,
    );
    let published = published::decide(stated_date, shown);
    Hints {
        title,
        outlet,
        published: published.map(|(date, _)| date.format("%Y-%m-%d").to_string()),
        published_from: published.map(|(_, from)| from),
        url,
        language,
    }
}

/// Parses a page as a browser without scripts does, so that what a `<noscript>` holds
/// is markup; one that holds paragraphs is read in its place (a Blogger post serves its
/// whole text there, beside a script template of the same text). Others stay unread:
/// tracking pixels, "please enable JavaScript", or markup a saved page escaped as text.
fn parse(markup: &str) -> Html {
    use html5ever::tendril::TendrilSink;
    let mut options = html5ever::ParseOpts::default();
    options.tree_builder.scripting_enabled = false;
    let sink = scraper::HtmlTreeSink::new(Html::new_document());
    let mut doc = html5ever::parse_document(sink, options).one(markup);
    let (noscript, paragraph) = (selector("noscript"), selector("p"));
    let with_prose: Vec<ego_tree::NodeId> =
        doc.select(&noscript).filter(|n| n.select(&paragraph).next().is_some()).map(|n| n.id()).collect();
    for id in with_prose {
        let children: Vec<ego_tree::NodeId> =
            doc.tree.get(id).map(|n| n.children().map(|c| c.id()).collect()).unwrap_or_default();
        for child in children {
            if let Some(mut wrapper) = doc.tree.get_mut(id) {
                wrapper.insert_id_before(child);
            }
        }
    }
    doc
}

/// Extracts the article from an HTML page.
pub fn extract(source: &str) -> HtmlPage {
    let doc = parse(&crate::capture::markup_bounds::bound_markup(source));
    let linear = body::linearize(&doc);
    let article = body::article_blocks(&doc, &linear.blocks);
    let hints = page_hints(&doc, &linear, article.first().copied());
    let mut page = HtmlPage { hints, ..HtmlPage::default() };
    let mut lines: Vec<String> = Vec::new();
    if let Some(title) = &page.hints.title {
        lines.push(format!("# {title}"));
        lines.push(String::new());
    }
    for body::Block { tag, text, .. } in article.iter().map(|&i| &linear.blocks[i]) {
        if tag == "h1" && page.hints.title.as_deref() == Some(text) {
            continue;
        }
        let line = match tag.as_str() {
            "h1" | "h2" => format!("## {text}"),
            "h3" | "h4" | "h5" | "h6" => format!("### {text}"),
            _ => text.clone(),
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
                // memchr's SIMD search: a line the source writes otherwise scans its window.
                if let Some(offset) = memchr::memmem::find(&source.as_bytes()[cursor..window_end], probe.as_bytes()) {
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
    fn a_post_served_in_noscript_is_read() {
        let page = extract(
            "<html><body><h1>Safer browsing</h1><div class='post-body'>\
             <script type='text/template'><p>Over the past few years threats have grown.</p></script>\
             <noscript><p>Over the past few years threats on the web have grown more sophisticated, and \
             phishing sites rotate their domains quickly.</p><p>This protocol is designed so that no one \
             learns which sites a user visits.</p></noscript></div>\
             <noscript>&lt;img src=\"pixel.gif\"&gt; Please enable JavaScript to see the comments.</noscript>\
             <footer><p>Give us feedback.</p></footer></body></html>",
        );
        assert!(page.text.contains("phishing sites rotate"), "{}", page.text);
        assert!(page.text.contains("This protocol is designed"), "{}", page.text);
        assert!(!page.text.contains("<p>"), "the markup is read, not shown: {}", page.text);
        assert!(!page.text.contains("pixel") && !page.text.contains("enable JavaScript"), "{}", page.text);
    }

    #[test]
    fn extracts_main_text_and_metadata() {
        let page = extract(PAGE);
        assert_eq!(page.hints.title.as_deref(), Some("The Story Headline"));
        assert_eq!(page.hints.outlet.as_deref(), Some("Example News"));
        assert_eq!(page.hints.published.as_deref(), Some("2021-12-17"));
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
    fn a_headline_loses_its_kicker_and_hidden_label_inside_a_wrapper() {
        let page = extract(
            "<html><body><h1><span itemprop='headline'><small>Einheit der Woche</small><br>Lagen-Pyramide mit GA2</span></h1>\
             <p>Schwerpunkt der Einheit ist eine Lagen-Pyramide über insgesamt 1.000 Meter, dabei wird es auch etwas schneller.</p></body></html>",
        );
        assert_eq!(page.hints.title.as_deref(), Some("Lagen-Pyramide mit GA2"));
        let labelled = extract(
            "<html><body><h1><div><span class='visuallyhidden'>Headline:</span> Energiewende und Wandel</div></h1>\
             <p>Der Text des Artikels ist lang genug, um als solcher gelesen zu werden, mit Kommas, Sätzen und mehr.</p></body></html>",
        );
        assert_eq!(labelled.hints.title.as_deref(), Some("Energiewende und Wandel"));
    }

    #[test]
    fn survives_fragments_and_garbage() {
        assert!(extract("<p>unclosed <b>tags").text.contains("unclosed tags"));
        let _ = extract("<<<>>></</>");
        let _ = extract("");
    }
}
