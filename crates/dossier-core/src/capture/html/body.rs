//! The article's text on an HTML page, found by evidence rather than by one container.
//!
//! The page is read once into text blocks (a paragraph, a heading, a list item, a run of
//! `<div>`/`<br>` text), each knowing how much of it is link text and which furniture
//! (navigation, asides, skip-classed widgets) it sits in. Blocks then vote for the
//! elements above them, readability-style: longer, comma-rich, link-poor text counts
//! most, nearer ancestors more than farther ones. The best-scored element wins, its
//! siblings that hold article-like text join it (page-builder columns, a lead outside the
//! body `<div>`), and the region grows to its parent while the parent adds mostly
//! paragraph text. Inside the region, furniture and link lists are left out unless they
//! hold most of its text (whole articles sit inside `<form>` on some sites).
//!
//! Measured on trafilatura's evaluation pages against the single-container rule this
//! replaces, and against a readability port: see `bench/peers/extract.py`.

use super::Attribute;
use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use regex::Regex;
use rustc_hash::{FxHashMap, FxHashSet};
use scraper::{Html, Node};
use std::sync::LazyLock;

/// Elements whose content is never text a reader sees.
const DROPPED: [&str; 20] = [
    "script", "style", "noscript", "template", "svg", "iframe", "button", "select", "option", "textarea", "input",
    "dialog", "head", "object", "embed", "canvas", "video", "audio", "rt", "rp",
];

/// Elements that end a run of inline text.
const BLOCK_TAGS: [&str; 36] = [
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "nav",
    "aside",
    "form",
    "li",
    "ul",
    "ol",
    "dl",
    "dd",
    "dt",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "tr",
    "td",
    "th",
    "figure",
    "figcaption",
    "center",
    "address",
    "details",
    "summary",
    "fieldset",
    "body",
];

/// Elements that are page furniture by their tag.
const FURNITURE_TAGS: [&str; 6] = ["nav", "footer", "aside", "form", "figure", "menu"];

/// Block elements whose text is a paragraph of their parent (they vote from one level up).
const PARAGRAPH_TAGS: [&str; 12] = ["p", "li", "td", "th", "dd", "pre", "blockquote", "h2", "h3", "h4", "h5", "h6"];

static FURNITURE_CLASS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(^|[\s_-])(share|sharing|social|comments?|related|newsletter|advert\w*|ads?|promo\w*|footer|nav\w*|menu|cookies?|caption|credit|sidebar|subscribe|subscription|popup|modal|breadcrumbs?|tags|author-bio|recirc\w*|outbrain|taboola|paywall|hidden|visually-hidden|sr-only|teaser\w*|banner|masthead|meta-?nav|rating|pagination|pager|toolbar)($|[\s_-])").unwrap()
});

static CONTENT_CLASS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)article|body|content|main|story|entry|post|text|blog").unwrap());

/// Elements are never furniture for their class alone when they are the page's structure.
const STRUCTURAL_TAGS: [&str; 5] = ["html", "body", "main", "article", "section"];

/// One run of text between block boundaries.
#[derive(Debug, Clone)]
pub(super) struct Block {
    pub tag: String,
    pub text: String,
    /// Bytes of the raw text inside links.
    link_bytes: usize,
    raw_bytes: usize,
    /// The innermost block element open when the run ended.
    owner: NodeId,
    /// Furniture elements around it, outermost first.
    pub furniture: Vec<NodeId>,
    /// The innermost article around it (see [`is_article_scope`]).
    pub scope: Option<NodeId>,
}

impl Block {
    fn link_density(&self) -> f64 {
        self.link_bytes as f64 / self.raw_bytes.max(1) as f64
    }

    /// How much this block says for the elements above it.
    fn points(&self) -> f64 {
        let chars = self.text.chars().count();
        if chars < 25 {
            return 0.0;
        }
        let commas = self.text.chars().filter(|c| matches!(c, ',' | '，' | '、' | '،' | ';')).count();
        let points = (1.0 + commas as f64 + (chars as f64 / 100.0).min(3.0)) * (1.0 - self.link_density());
        if self.furniture.is_empty() {
            points
        } else {
            points * 0.25
        }
    }

    /// A sentence without links, however short.
    fn is_sentence(&self) -> bool {
        self.link_bytes == 0
            && self.text.split_whitespace().count() >= 3
            && self.text.ends_with(['.', '!', '?', '…', '"', '”', '»'])
    }

    /// Whether it reads as article text: long enough, few links.
    pub fn is_prose(&self) -> bool {
        self.link_density() < 0.3 && self.text.chars().count() >= 60
    }
}

static SCREEN_READER_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(^|\s)(sr-only|visually-hidden|screen-reader-text|visuallyhidden|a11y-hidden)($|\s)").unwrap()
});

pub(super) fn is_hidden(element: &scraper::node::Element) -> bool {
    element.attribute("hidden").is_some()
        || element.attribute("class").is_some_and(|c| SCREEN_READER_ONLY.is_match(c))
        || element.attribute("aria-hidden") == Some("true")
        || element.attribute("style").is_some_and(|s| {
            let s = s.to_ascii_lowercase().replace(' ', "");
            s.contains("display:none") || s.contains("visibility:hidden")
        })
}

/// Whether an element's text is never read: code, controls, media, ruby annotations
/// (a reading aid printed above the text), hidden elements.
pub(super) fn is_unread(element: &scraper::node::Element) -> bool {
    DROPPED.contains(&element.name()) || is_hidden(element)
}

pub(super) fn is_furniture(element: &scraper::node::Element) -> bool {
    let marked = |attr: Option<&str>| attr.is_some_and(|c| FURNITURE_CLASS.is_match(c) && !CONTENT_CLASS.is_match(c));
    FURNITURE_TAGS.contains(&element.name())
        || matches!(element.attribute("role"), Some("navigation" | "complementary" | "contentinfo" | "banner" | "menu"))
        || (!STRUCTURAL_TAGS.contains(&element.name())
            && (marked(element.attribute("class")) || marked(element.attribute("id"))))
}

/// The longest text read as a stamp's date: more is a paragraph, not a date.
const STAMP_TEXT_BYTES: usize = 120;

/// Whether a microdata or RDFa property names the publication date (`datePublished`,
/// `schema:dateCreated`, `dc:issued`).
fn is_publication_property(property: &str) -> bool {
    property.split_whitespace().any(|p| {
        let name = p.rsplit([':', '/', '#']).next().unwrap_or(p);
        ["datepublished", "datecreated", "issued", "created"].iter().any(|k| name.eq_ignore_ascii_case(k))
    })
}

/// Whether an element holds one article: an `<article>` or a microdata item of an
/// article type. A page's own article and each teaser in a list are separate scopes, so
/// a date in the headline's scope is the article's, wherever its template puts it.
fn is_article_scope(element: &scraper::node::Element) -> bool {
    element.name() == "article"
        || (element.attribute("itemscope").is_some()
            && element.attribute("itemtype").is_some_and(|t| {
                let kind = t.rsplit('/').next().unwrap_or(t);
                kind.ends_with("Article") || kind == "BlogPosting" || kind == "Report"
            }))
}

/// A machine-readable date on the page (`<time datetime>`, `itemprop="datePublished"`).
#[derive(Debug, Clone)]
pub(super) struct Stamp {
    /// How many blocks came before it.
    pub block: usize,
    pub value: String,
    /// What the element shows, when short ("26/12/2019"): the page's own day, where a
    /// stamp's instant may be in the wrong zone.
    pub text: String,
    pub in_furniture: bool,
    /// Marked as the publication date (`itemprop="datePublished"`, `pubdate`).
    pub published: bool,
    /// The innermost article around it (see [`is_article_scope`]).
    pub scope: Option<NodeId>,
}

/// The page read in document order: its text blocks and its date stamps.
#[derive(Debug, Default)]
pub(super) struct Linear {
    pub blocks: Vec<Block>,
    pub stamps: Vec<Stamp>,
}

/// The page's text blocks and date stamps in document order.
pub(super) fn linearize(doc: &Html) -> Linear {
    let mut reader = Reader::default();
    let mut skipping: Option<NodeId> = None;
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) if skipping.is_none() => reader.open(node, &mut skipping),
            Edge::Close(node) if skipping == Some(node.id()) => skipping = None,
            Edge::Close(node) if skipping.is_none() => reader.close(node),
            _ => {}
        }
    }
    reader.flush();
    Linear { blocks: reader.blocks, stamps: reader.stamps }
}

#[derive(Default)]
struct Reader {
    blocks: Vec<Block>,
    stamps: Vec<Stamp>,
    text: String,
    link_bytes: usize,
    raw_bytes: usize,
    open_blocks: Vec<(NodeId, String)>,
    furniture: Vec<NodeId>,
    scopes: Vec<NodeId>,
    link_depth: usize,
}

impl Reader {
    fn open(&mut self, node: NodeRef<'_, Node>, skipping: &mut Option<NodeId>) {
        match node.value() {
            Node::Text(text) => {
                // Soft hyphens and zero-width marks are layout hints, not text.
                self.text.push_str(&crate::text::without_layout_marks(text));
                self.raw_bytes += text.trim().len();
                if self.link_depth > 0 {
                    self.link_bytes += text.trim().len();
                }
            }
            Node::Element(element) => {
                let name = element.name();
                if is_unread(element) {
                    *skipping = Some(node.id());
                    return;
                }
                if name == "br" || name == "hr" {
                    self.flush();
                    return;
                }
                if BLOCK_TAGS.contains(&name) {
                    self.flush();
                    self.open_blocks.push((node.id(), name.to_string()));
                }
                if name == "a" {
                    self.link_depth += 1;
                }
                if is_article_scope(element) {
                    self.scopes.push(node.id());
                }
                self.stamp(node, element);
                if is_furniture(element) {
                    self.furniture.push(node.id());
                }
            }
            _ => {}
        }
    }

    /// Records a date the element carries: a `<time>`, or an element marked as the
    /// publication date by microdata (`itemprop="datePublished"`), RDFa
    /// (`property="schema:dateCreated"`), hAtom (`class="published" title="…"`) or
    /// `pubdate`. Its value is its date attribute, else its own short text.
    fn stamp(&mut self, node: NodeRef<'_, Node>, element: &scraper::node::Element) {
        let published = element.attribute("pubdate").is_some()
            || [element.attribute("itemprop"), element.attribute("property")]
                .into_iter()
                .flatten()
                .any(is_publication_property)
            || element.attribute("class").is_some_and(|c| c.split_whitespace().any(|w| w == "published"));
        if element.name() != "time" && !published {
            return;
        }
        let attribute = ["datetime", "content", "title"].into_iter().find_map(|a| element.attribute(a));
        let text = scraper::ElementRef::wrap(node).map(super::element_text).unwrap_or_default();
        let text = if text.len() <= STAMP_TEXT_BYTES { text } else { String::new() };
        let value = match attribute.filter(|v| !v.trim().is_empty()) {
            Some(value) => value.trim().to_string(),
            None => text.clone(),
        };
        if !value.is_empty() && value.len() <= STAMP_TEXT_BYTES {
            self.stamps.push(Stamp {
                block: self.blocks.len(),
                value,
                text,
                in_furniture: !self.furniture.is_empty(),
                published,
                scope: self.scopes.last().copied(),
            });
        }
    }

    fn close(&mut self, node: NodeRef<'_, Node>) {
        let Node::Element(element) = node.value() else { return };
        let name = element.name();
        if BLOCK_TAGS.contains(&name) {
            self.flush();
            self.open_blocks.pop();
        }
        if name == "a" {
            self.link_depth = self.link_depth.saturating_sub(1);
        }
        if self.furniture.last() == Some(&node.id()) {
            self.furniture.pop();
        }
        if self.scopes.last() == Some(&node.id()) {
            self.scopes.pop();
        }
    }

    fn flush(&mut self) {
        let text = crate::text::collapse_whitespace(&self.text);
        self.text.clear();
        let (link_bytes, raw_bytes) = (std::mem::take(&mut self.link_bytes), std::mem::take(&mut self.raw_bytes));
        let Some((owner, tag)) = self.open_blocks.last() else { return };
        if text.is_empty() {
            return;
        }
        self.blocks.push(Block {
            tag: tag.clone(),
            text,
            link_bytes,
            raw_bytes,
            owner: *owner,
            furniture: self.furniture.clone(),
            scope: self.scopes.last().copied(),
        });
    }
}

/// Each element's votes, and how much text and link text lies beneath it.
#[derive(Default)]
struct Tally {
    score: FxHashMap<NodeId, f64>,
    /// Scored elements in the order they were first scored (page order, roughly).
    order: Vec<NodeId>,
    /// What lies beneath each element: every block adds to all its ancestors, so one
    /// lookup per ancestor (and a hash made for small keys) keeps this walk cheap.
    beneath: FxHashMap<NodeId, Beneath>,
}

/// The text beneath one element.
#[derive(Debug, Default, Clone, Copy)]
struct Beneath {
    raw_bytes: usize,
    link_bytes: usize,
    /// Prose characters.
    prose: usize,
    /// Link-free sentences, however short.
    sentences: usize,
}

fn ancestors(doc: &Html, id: NodeId) -> impl Iterator<Item = NodeRef<'_, Node>> {
    let start = doc.tree.get(id);
    std::iter::successors(start, |n| n.parent())
}

const CLASS_WEIGHT: f64 = 25.0;

/// Readability's prior on an element: a `<div>` often wraps text, a list or a heading rarely;
/// a class or id that says content or furniture moves it; `itemprop="articleBody"` says it outright.
fn prior(node: NodeRef<'_, Node>) -> f64 {
    let Node::Element(element) = node.value() else { return 0.0 };
    let by_tag = match element.name() {
        "div" | "article" | "main" | "section" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    };
    let named =
        [element.attribute("class"), element.attribute("id")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let by_name = if FURNITURE_CLASS.is_match(&named) && !CONTENT_CLASS.is_match(&named) {
        -CLASS_WEIGHT
    } else if CONTENT_CLASS.is_match(&named) {
        CLASS_WEIGHT
    } else {
        0.0
    };
    let stated = if element.attribute("itemprop") == Some("articleBody") { 50.0 } else { 0.0 };
    by_tag + by_name + stated
}

fn tally(doc: &Html, blocks: &[Block]) -> Tally {
    let mut tally = Tally::default();
    for block in blocks {
        let points = block.points();
        let prose = if block.is_prose() { block.text.chars().count() } else { 0 };
        let sentence = usize::from(block.is_sentence());
        let skip_owner = usize::from(PARAGRAPH_TAGS.contains(&block.tag.as_str()) || block.tag == "h1");
        for (level, node) in ancestors(doc, block.owner).enumerate() {
            let beneath = tally.beneath.entry(node.id()).or_default();
            beneath.raw_bytes += block.raw_bytes;
            beneath.link_bytes += block.link_bytes;
            beneath.prose += prose;
            beneath.sentences += sentence;
            if level < skip_owner || points == 0.0 {
                continue;
            }
            let level = level - skip_owner;
            if level < 5 {
                let divider = match level {
                    0 => 1.0,
                    1 => 2.0,
                    _ => level as f64 * 3.0,
                };
                let order = &mut tally.order;
                let score = tally.score.entry(node.id()).or_insert_with(|| {
                    order.push(node.id());
                    prior(node)
                });
                *score += points / divider;
            }
        }
    }
    tally
}

impl Tally {
    fn link_density(&self, id: NodeId) -> f64 {
        let beneath = self.beneath(id);
        beneath.link_bytes as f64 / beneath.raw_bytes.max(1) as f64
    }

    fn final_score(&self, id: NodeId) -> f64 {
        self.score.get(&id).map_or(0.0, |s| s * (1.0 - self.link_density(id)))
    }

    fn prose(&self, id: NodeId) -> usize {
        self.beneath(id).prose
    }

    fn beneath(&self, id: NodeId) -> Beneath {
        self.beneath.get(&id).copied().unwrap_or_default()
    }
}

/// The elements that hold the article: the best-scored one, its article-like siblings,
/// or an ancestor that adds mostly prose to it.
fn region(doc: &Html, tally: &Tally) -> Vec<NodeId> {
    // Ties go to the element scored first.
    let best = tally.order.iter().rev().max_by(|a, b| tally.final_score(**a).total_cmp(&tally.final_score(**b)));
    let Some(mut top) = best.copied() else { return Vec::new() };
    // Grow to the highest ancestor that adds prose of its own without much link text or
    // other clutter (a quarter of its text in links, or less than 40% of it prose, stops the
    // climb: chosen on trafilatura's and Readability's pages together, both moved alike): the article continues in a sibling column, section or table cell the
    // scoring split it from. Wrappers that add nothing are passed through.
    let mut climbing = top;
    while let Some(parent) = doc.tree.get(climbing).and_then(|n| n.parent()) {
        if !matches!(parent.value(), Node::Element(e) if e.name() != "body" && e.name() != "html") {
            break;
        }
        let whole = tally.prose(parent.id());
        let raw = tally.beneath(parent.id()).raw_bytes;
        if tally.link_density(parent.id()) > 0.25 || whole * 10 < raw * 4 {
            break;
        }
        if whole * 3 >= tally.prose(top) * 4 {
            top = parent.id();
        }
        climbing = parent.id();
    }
    let threshold = (tally.final_score(top) * 0.2).max(10.0);
    let Some(parent) = doc.tree.get(top).and_then(|n| n.parent()) else { return vec![top] };
    parent
        .children()
        .filter(|sibling| {
            let furniture = matches!(sibling.value(), Node::Element(e) if is_furniture(e));
            sibling.id() == top
                || (!furniture
                    && (tally.final_score(sibling.id()) >= threshold
                        || ((tally.prose(sibling.id()) >= 80 || tally.beneath(sibling.id()).sentences > 0)
                            && tally.link_density(sibling.id()) < 0.25)))
        })
        .map(|sibling| sibling.id())
        .collect()
}

/// The article's blocks, as indices into `blocks`, in page order.
pub(super) fn article_blocks(doc: &Html, blocks: &[Block]) -> Vec<usize> {
    let tally = tally(doc, blocks);
    let region = region(doc, &tally);
    let chosen: FxHashSet<NodeId> = region.iter().copied().collect();
    // Furniture the region sits inside does not count against its own text.
    let around: FxHashSet<NodeId> =
        region.first().into_iter().flat_map(|&id| ancestors(doc, id).skip(1).map(|n| n.id())).collect();
    let region_prose: usize = region.iter().map(|&id| tally.prose(id)).sum();
    let inside = |block: &Block| ancestors(doc, block.owner).any(|n| chosen.contains(&n.id()));
    let kept_furniture = |block: &Block| {
        block.furniture.iter().filter(|f| !around.contains(f) && !chosen.contains(f)).all(|f| {
            // A skip rule never drops what holds most of the article.
            tally.prose(*f) * 2 > region_prose
        })
    };
    let keep = |b: &Block| kept_furniture(b) && (b.link_density() <= 0.5 || is_heading(b));
    let mut indices: Vec<usize> = (0..blocks.len()).filter(|&i| inside(&blocks[i]) && keep(&blocks[i])).collect();
    if let Some(&first) = indices.first() {
        indices.splice(0..0, lead_before(blocks, first));
    }
    drop_orphan_headings(blocks, &mut indices);
    let chars = |found: &[usize]| found.iter().map(|&i| blocks[i].text.len()).sum::<usize>();
    let found_chars = chars(&indices);
    if found_chars < 300 {
        // Too little to be an article: every block that is not furniture or a link list.
        let mut everything: Vec<usize> =
            (0..blocks.len()).filter(|&i| blocks[i].furniture.is_empty() && blocks[i].link_density() <= 0.5).collect();
        if everything.is_empty() {
            // A page that is nothing but links still says what it says.
            everything = (0..blocks.len()).filter(|&i| blocks[i].furniture.is_empty()).collect();
        }
        if indices.is_empty() || chars(&everything) > 2 * found_chars.max(100) {
            indices = everything;
        }
    }
    indices
}

/// How far before the region its headline may stand, in blocks.
const HEADLINE_REACH: usize = 15;

/// The lead: prose between the headline (`<h1>`) and the region's first block, which
/// pages often set apart from the body's container. Nothing when no headline is near.
fn lead_before(blocks: &[Block], first: usize) -> Vec<usize> {
    let start = first.saturating_sub(HEADLINE_REACH);
    let Some(headline) = (start..first).rev().find(|&i| blocks[i].tag == "h1") else { return Vec::new() };
    (headline + 1..first).filter(|&i| blocks[i].is_prose() && blocks[i].furniture.is_empty()).collect()
}

fn is_heading(block: &Block) -> bool {
    matches!(block.tag.as_str(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

/// Headings with nothing kept under them: the title of a teaser list or a widget
/// whose links were left out ("Read also", "Mehr zum Thema", "Czytaj także").
fn drop_orphan_headings(blocks: &[Block], found: &mut Vec<usize>) {
    // A section after the last text that holds no text itself: a widget's list.
    if let Some(last_text) = found.iter().rposition(|&i| blocks[i].is_prose() || blocks[i].is_sentence()) {
        if let Some(tail) = (last_text + 1..found.len()).find(|&k| is_heading(&blocks[found[k]])) {
            found.truncate(tail);
        }
        // A run of short lines after the last text: tags, sharing and category labels.
        found.truncate(last_text + 1);
    }
    let orphan: Vec<bool> = (0..found.len())
        .map(|k| is_heading(&blocks[found[k]]) && found.get(k + 1).is_none_or(|&next| is_heading(&blocks[next])))
        .collect();
    let mut k = 0;
    found.retain(|_| {
        k += 1;
        !orphan[k - 1]
    });
}
