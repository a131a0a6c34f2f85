//! Bytes to text: what a captured file is (its container and encoding), its text,
//! and what the container states about itself (HTML meta tags, JSON fields, feed
//! items, WARC headers).

pub mod decode;
pub mod feed;
pub mod format;
pub mod html;
pub mod jsonl;
pub mod markup_bounds;
pub mod pdf;
pub mod robots;
pub mod sitemap;
pub mod warc;

/// Whether text names a page on the web (an http or https address).
pub fn is_web_address(text: &str) -> bool {
    let start: String = text.trim_start().chars().take(8).collect::<String>().to_ascii_lowercase();
    start.starts_with("http://") || start.starts_with("https://")
}

/// Metadata a container states outright (JSON fields, HTML meta tags).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints {
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    /// Where the container states the date ("the page's meta tags", "a date by the
    /// headline"), shown beside it so that a reader can check it.
    pub published_from: Option<&'static str>,
    pub url: Option<String>,
    pub language: Option<String>,
}

impl Hints {
    /// These hints, with each field they lack taken from `other`.
    pub fn or(self, other: Hints) -> Hints {
        Hints {
            title: self.title.or(other.title),
            outlet: self.outlet.or(other.outlet),
            published_from: if self.published.is_some() { self.published_from } else { other.published_from },
            published: self.published.or(other.published),
            url: self.url.or(other.url),
            language: self.language.or(other.language),
        }
    }
}

/// One article inside a container that holds several (a JSON-lines line, a feed
/// item, a WARC record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// What follows `#` in the article's source: stable for the same record of the
    /// same file (`L3`, a feed item's link, `record-12`).
    pub locator: String,
    /// How messages name the record: "line 3", "item 2", "record 12".
    pub label: String,
    pub body: Body,
    /// What the record states about itself; it wins over what its body's markup says.
    pub stated: Hints,
    /// Where the record was fetched from and when (a WARC target URI and date): used
    /// only when nothing states a URL, and never as a publication date.
    pub fetched: Option<Fetched>,
}

/// A record's content: text as it is, or markup whose main text is still to be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Text(String),
    Html(String),
}

/// Where and when a page was fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub url: Option<String>,
    /// RFC 3339 time of the fetch.
    pub at: Option<String>,
}

/// What a container gave: its records, the records that could not be used, each
/// named (`record 3: no "text" field`), and the pages it points to whose article it
/// does not hold itself (a feed item's teaser).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Records {
    pub records: Vec<Record>,
    pub problems: Vec<String>,
    pub linked: Vec<Linked>,
}

/// A page a container points to for an article it does not hold (a teaser's link, a
/// sitemap's entry), with how messages name the pointer ("item 3", "page 12").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked {
    pub label: String,
    pub url: String,
}
