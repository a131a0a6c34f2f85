//! News feeds (RSS 0.9x/1.0/2.0, Atom, JSON Feed), read by `feed-rs`: each item is
//! an article with its own link, title and date. An item that carries only a teaser
//! is reported, not stored: a summary is not the article.

use crate::capture::{Body, Hints, Linked, Record, Records};
use crate::text::word_count;
use feed_rs::model::{Entry, Feed, Text};

/// An item with fewer words than this carries a teaser, not the article.
pub const MIN_ITEM_WORDS: usize = 80;

/// Whether decoded text is a feed: its root element is `<rss>`, `<feed>` or
/// `<rdf:RDF>`, or it is a JSON Feed document.
pub fn is_feed(text: &str) -> bool {
    match super::format::xml_root(text) {
        Some(root) => matches!(root.to_ascii_lowercase().as_str(), "rss" | "feed" | "rdf:rdf"),
        None => is_json_feed(text),
    }
}

fn is_json_feed(text: &str) -> bool {
    let head: String = text.trim_start().chars().take(400).collect();
    head.starts_with('{') && head.contains("jsonfeed.org/version")
}

/// The feed's items as records. `bytes` are the file's own (the XML declaration
/// names their encoding). When the whole feed does not parse, its items are read one
/// by one, so one broken item costs only itself.
pub fn parse(bytes: &[u8], text: &str) -> Records {
    match feed_rs::parser::parse(bytes) {
        Ok(feed) => records_of(&feed, 0),
        Err(whole) => item_by_item(text).unwrap_or_else(|| Records {
            records: Vec::new(),
            problems: vec![format!("not a readable feed ({whole})")],
            linked: Vec::new(),
        }),
    }
}

/// Reads each `<item>` or `<entry>` of a feed that does not parse as a whole, each
/// inside the feed's own head (its namespaces, its channel) and tail.
fn item_by_item(text: &str) -> Option<Records> {
    let (open, close) = if text.contains("<entry") { ("<entry", "</entry>") } else { ("<item", "</item>") };
    let items = element_spans(text, open, close);
    let (first, last) = (items.first()?, items.last()?);
    let head = &text[..first.0];
    let tail = &text[last.0 + last.1.len()..];
    let mut out = Records::default();
    for (index, (_, item)) in items.iter().enumerate() {
        let wrapped = format!("{head}{item}{tail}");
        match feed_rs::parser::parse(wrapped.as_bytes()) {
            Ok(feed) => {
                let mut one = records_of(&feed, index);
                out.records.append(&mut one.records);
                out.problems.append(&mut one.problems);
                out.linked.append(&mut one.linked);
            }
            Err(e) => out.problems.push(format!("item {}: not readable ({e})", index + 1)),
        }
    }
    Some(out)
}

/// The start and text of each element opened by `open` (followed by `>`, a space or `/`) and closed by `close`.
fn element_spans<'t>(text: &'t str, open: &str, close: &str) -> Vec<(usize, &'t str)> {
    let mut spans = Vec::new();
    let mut rest = 0;
    while let Some(found) = text[rest..].find(open) {
        let start = rest + found;
        let after = text[start + open.len()..].chars().next();
        if !matches!(after, Some('>' | ' ' | '\n' | '\r' | '\t' | '/')) {
            rest = start + open.len();
            continue;
        }
        let Some(length) = text[start..].find(close) else { break };
        let end = start + length + close.len();
        spans.push((start, &text[start..end]));
        rest = end;
    }
    spans
}

/// Records of a parsed feed; `first` numbers its items (from 0) when it is one item of a larger feed.
fn records_of(feed: &Feed, first: usize) -> Records {
    let mut out = Records::default();
    let channel_name = feed.title.as_ref().map(plain);
    let language = feed.language.clone();
    for (index, entry) in feed.entries.iter().enumerate() {
        let number = first + index + 1;
        match item_record(entry, number, channel_name.as_deref(), language.as_deref()) {
            Ok(Item::Article(record)) => out.records.push(*record),
            Ok(Item::Teaser(url)) => out.linked.push(Linked { label: format!("item {number}"), url }),
            Err(why) => out.problems.push(format!("item {number}: {why}")),
        }
    }
    out
}

/// What a feed item holds: its article, or a teaser pointing to it.
enum Item {
    Article(Box<Record>),
    Teaser(String),
}

fn item_record(entry: &Entry, number: usize, channel: Option<&str>, language: Option<&str>) -> Result<Item, String> {
    let link = article_link(entry);
    let content = entry.content.as_ref().and_then(|c| c.body.clone()).filter(|b| !b.trim().is_empty());
    let Some(body) = content.or_else(|| entry.summary.as_ref().map(|s| s.content.clone())) else {
        return Err(format!("no text{}", at(&link)));
    };
    let words = word_count(&strip_tags(&body));
    if words < MIN_ITEM_WORDS {
        return match link {
            Some(link) => Ok(Item::Teaser(link)),
            None => Err(format!("only a teaser ({words} words), and no link to the article")),
        };
    }
    let body = if looks_like_html(&body) { Body::Html(body) } else { Body::Text(body) };
    let stated = Hints {
        title: entry.title.as_ref().map(plain),
        // The item's own link names its outlet; the channel's title only when there is no link.
        outlet: if link.is_none() { channel.map(str::to_string) } else { None },
        published_from: Some(if entry.published.is_some() {
            "the feed item's date"
        } else {
            "the feed item's update date"
        }),
        published: entry.published.or(entry.updated).map(|d| d.to_rfc3339()),
        url: link.clone(),
        language: entry.language.clone().or(language.map(str::to_string)),
    };
    let locator = link.clone().unwrap_or_else(|| format!("item-{number}"));
    Ok(Item::Article(Box::new(Record { locator, label: format!("item {number}"), body, stated, fetched: None })))
}

fn at(link: &Option<String>) -> String {
    link.as_deref().map(|l| format!(" (link: {l})")).unwrap_or_default()
}

/// The item's page: its alternate link, else its first link.
fn article_link(entry: &Entry) -> Option<String> {
    let alternate = entry.links.iter().find(|l| l.rel.as_deref().is_none_or(|rel| rel == "alternate"));
    alternate.or(entry.links.first()).map(|l| l.href.trim().to_string()).filter(|href| !href.is_empty())
}

fn plain(text: &Text) -> String {
    crate::text::collapse_whitespace(&strip_tags(&text.content))
}

fn looks_like_html(body: &str) -> bool {
    ["<p", "<br", "<div", "</", "<img", "<a "].iter().any(|tag| body.contains(tag))
}

/// Text outside tags, for counting words.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn long_body(topic: &str) -> String {
        format!("<p>{}</p>", format!("The {topic} was discussed again by the council on Monday. ").repeat(12))
    }

    fn rss(items: &[String]) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>Example Wire</title><link>https://wire.example.com/</link>{}</channel></rss>",
            items.concat()
        )
    }

    fn item(n: usize, body: &str) -> String {
        format!(
            "<item><title>Story {n}</title><link>https://wire.example.com/story-{n}</link><guid>s{n}</guid><pubDate>Tue, 03 Mar 2020 10:0{n}:00 GMT</pubDate><content:encoded><![CDATA[{body}]]></content:encoded></item>"
        )
    }

    #[test]
    fn rss_items_are_articles_with_their_own_link_title_and_date() {
        let feed = rss(&[item(1, &long_body("budget")), item(2, "<p>Short teaser.</p>")]);
        assert!(is_feed(&feed));
        let Records { records, problems, .. } = parse(feed.as_bytes(), &feed);
        assert_eq!(records.len(), 1, "{problems:?}");
        let first = &records[0];
        assert_eq!(first.stated.title.as_deref(), Some("Story 1"));
        assert_eq!(first.stated.url.as_deref(), Some("https://wire.example.com/story-1"));
        assert!(first.stated.published.as_deref().unwrap().starts_with("2020-03-03T10:01:00"));
        assert_eq!(first.locator, "https://wire.example.com/story-1");
        assert!(matches!(first.body, Body::Html(_)));
        assert!(problems.is_empty(), "{problems:?}");
        let teaser = Linked { label: "item 2".into(), url: "https://wire.example.com/story-2".into() };
        assert_eq!(parse(feed.as_bytes(), &feed).linked, vec![teaser]);
    }

    #[test]
    fn atom_entries_are_articles() {
        let feed = format!(
            "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Blog</title><id>urn:b</id><updated>2021-01-01T00:00:00Z</updated><entry><title>Post</title><id>urn:p1</id><link href=\"https://blog.example.org/p1\"/><published>2021-01-02T08:00:00Z</published><updated>2021-01-03T08:00:00Z</updated><content type=\"html\">{}</content></entry></feed>",
            long_body("bridge").replace('<', "&lt;").replace('>', "&gt;")
        );
        assert!(is_feed(&feed));
        let Records { records, problems, .. } = parse(feed.as_bytes(), &feed);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(records[0].stated.published.as_deref(), Some("2021-01-02T08:00:00+00:00"));
        assert_eq!(records[0].stated.url.as_deref(), Some("https://blog.example.org/p1"));
    }

    #[test]
    fn json_feed_items_are_articles() {
        let body = long_body("dam").replace('"', "\\\"");
        let feed = format!(
            r#"{{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{{"id": "1", "url": "https://j.example.net/1", "title": "Dam", "date_published": "2022-06-07T01:02:03Z", "content_html": "{body}"}}]}}"#
        );
        assert!(is_feed(&feed));
        let Records { records, problems, .. } = parse(feed.as_bytes(), &feed);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(records[0].stated.title.as_deref(), Some("Dam"));
    }

    #[test]
    fn a_broken_item_costs_only_itself() {
        let broken = "<item><title>Broken & unescaped <b></title><link>https://wire.example.com/x</item>".to_string();
        let feed = rss(&[item(1, &long_body("port")), broken, item(3, &long_body("rail"))]);
        let Records { records, problems, .. } = parse(feed.as_bytes(), &feed);
        assert_eq!(records.len(), 2, "{problems:?}");
        assert_eq!(records[1].label, "item 3");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("item 2: not readable"), "{problems:?}");
    }

    #[test]
    fn other_xml_is_not_a_feed() {
        assert!(!is_feed("<?xml version=\"1.0\"?><urlset><url/></urlset>"));
        assert!(!is_feed("plain text"));
    }
}
