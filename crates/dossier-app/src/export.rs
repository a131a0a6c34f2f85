//! The export contract (docs/export.md): one JSON object with `articles`,
//! `stories`, `entities`, `quotes` and `events`; JSON lines and CSV of articles.

use crate::Dossier;
use dossier_core::across::analysis::{MergedEvent, MergedQuote, Report};
use dossier_core::findings::timeline::Precision;
use dossier_core::reading::article::Article;
use serde::Serialize;
use std::io::Write;
use utoipa::ToSchema;

/// Version of the export contract; bumped only when a key changes meaning or goes away.
pub const CONTRACT_VERSION: u32 = 3;

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportArticle {
    pub id: String,
    pub source: String,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    pub url: Option<String>,
    pub language: Option<String>,
    pub format: &'static str,
    pub text: String,
    pub links: Vec<String>,
    pub related: Vec<String>,
    pub duplicate_of: Option<String>,
    pub story: Option<String>,
    /// Fields filled from the canonical duplicate rather than read from this capture.
    pub inherited: Vec<&'static str>,
}

impl ExportArticle {
    /// The article as the contract writes it, with its duplicate's canonical copy and its story.
    pub fn of(article: &Article, duplicate_of: Option<&str>, story: Option<&str>) -> ExportArticle {
        ExportArticle {
            id: article.id.clone(),
            source: article.source.clone(),
            title: article.title.clone(),
            outlet: article.outlet.clone(),
            published: article.published.map(|d| d.format("%Y-%m-%d").to_string()),
            url: article.url.clone(),
            language: article.language.clone(),
            format: article.format.as_str(),
            text: article.text(),
            links: article.links.clone(),
            related: article.related.clone(),
            duplicate_of: duplicate_of.map(str::to_string),
            story: story.map(str::to_string),
            inherited: ["title", "published", "outlet", "url"]
                .into_iter()
                .filter(|f| article.is_inherited(f))
                .collect(),
        }
    }

    /// The article as the contract writes it, its groups read from the loaded dossier.
    pub fn in_dossier(article: &Article, dossier: &Dossier) -> ExportArticle {
        let duplicate_of = dossier.duplicate_of.get(&article.id).map(String::as_str);
        ExportArticle::of(article, duplicate_of, dossier.story_of.get(&article.id).map(String::as_str))
    }
}

/// A quote as the dossier knows it: one per wording, with every article that reported it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportQuote {
    pub id: String,
    /// The article that reported it first.
    pub article: String,
    pub text: String,
    pub speaker: Option<String>,
    pub speaker_id: Option<String>,
    pub role: Option<String>,
    pub fragment: bool,
    pub story: Option<String>,
    /// Outlets that reported it, earliest first.
    pub reported_by: Vec<String>,
    /// The agency the first report cites, if any report cites one.
    pub cited_source: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub reports: Vec<Report>,
}

/// The quotes of `quotes` by a speaker (any spelling), in a story (its id) and reported by an outlet.
pub fn quotes_matching(
    mut quotes: Vec<ExportQuote>,
    speaker: Option<&str>,
    story: Option<&str>,
    outlet: Option<&str>,
) -> Vec<ExportQuote> {
    if let Some(speaker) = speaker {
        quotes.retain(|q| q.speaker.as_deref().is_some_and(|s| dossier_core::findings::names::same_entity(s, speaker)));
    }
    if let Some(story) = story {
        quotes.retain(|q| q.story.as_deref() == Some(story));
    }
    if let Some(outlet) = outlet {
        quotes.retain(|q| q.reports.iter().any(|r| r.outlet.as_deref() == Some(outlet)));
    }
    quotes
}

/// Every quote of the dossier, merged across articles, in order of first appearance.
pub fn quotes(dossier: &Dossier) -> Vec<ExportQuote> {
    quote_rows(&dossier.analysis.quotes)
}

/// Quotes as every list and export shows them.
pub fn quote_rows(quotes: &[MergedQuote]) -> Vec<ExportQuote> {
    quotes.iter().map(ExportQuote::of).collect()
}

impl ExportQuote {
    pub fn of(quote: &MergedQuote) -> ExportQuote {
        let mut reported_by: Vec<String> = Vec::new();
        for outlet in quote.reports.iter().filter_map(|r| r.outlet.as_ref()) {
            if !reported_by.contains(outlet) {
                reported_by.push(outlet.clone());
            }
        }
        ExportQuote {
            id: quote.id.clone(),
            article: quote.reports.first().map_or(String::new(), |r| r.article.clone()),
            text: quote.text.clone(),
            speaker: quote.speaker.clone(),
            speaker_id: quote.speaker_id.clone(),
            role: quote.role.clone(),
            fragment: quote.fragment,
            story: quote.story.clone(),
            reported_by,
            cited_source: quote.reports.iter().find_map(|r| r.cited_source.clone()),
            reports: quote.reports.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportEntity {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub variants: Vec<String>,
    pub role: Option<String>,
    pub articles: Vec<String>,
    pub mentions: usize,
}

pub fn entities(dossier: &Dossier) -> Vec<ExportEntity> {
    dossier
        .analysis
        .entities
        .entities
        .iter()
        .map(|e| ExportEntity {
            id: e.id.clone(),
            name: e.name.clone(),
            kind: e.kind.label(),
            variants: e.variants.clone(),
            role: e.role.clone(),
            articles: e.articles.clone(),
            mentions: e.mentions,
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportEvent {
    pub id: String,
    /// YYYY-MM-DD for a day or a week (its Monday), YYYY-MM for a month, YYYY for a year.
    pub date: String,
    #[schema(value_type = String)]
    pub precision: Precision,
    pub summary: String,
    pub articles: Vec<String>,
    pub story: Option<String>,
    pub actors: Vec<String>,
    pub inferred: bool,
    #[schema(value_type = Vec<Object>)]
    pub sources: Vec<Report>,
}

pub fn events(dossier: &Dossier) -> Vec<ExportEvent> {
    event_rows(&dossier.analysis.events)
}

impl ExportEvent {
    /// Dated to a week (its Monday) rather than a day.
    pub fn is_week(&self) -> bool {
        self.precision == Precision::Week
    }
}

/// Events as every list and export shows them.
pub fn event_rows(events: &[MergedEvent]) -> Vec<ExportEvent> {
    events
        .iter()
        .map(|e| ExportEvent {
            id: e.id.clone(),
            date: e.when.label(),
            precision: e.when.precision,
            summary: e.summary.clone(),
            articles: e.sources.iter().map(|s| s.article.clone()).collect(),
            story: e.story.clone(),
            actors: e.actors.clone(),
            inferred: e.inferred,
            sources: e.sources.clone(),
        })
        .collect()
}

#[derive(Debug, Serialize)]
struct ExportStory<'a> {
    id: &'a str,
    label: &'a str,
    articles: &'a [String],
    first: Option<&'a str>,
    last: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct Contract<'a> {
    version: u32,
    articles: Vec<ExportArticle>,
    stories: Vec<ExportStory<'a>>,
    entities: Vec<ExportEntity>,
    quotes: Vec<ExportQuote>,
    events: Vec<ExportEvent>,
}

pub fn write_json(dossier: &Dossier, out: &mut dyn Write) -> anyhow::Result<()> {
    let contract = Contract {
        version: CONTRACT_VERSION,
        articles: dossier.articles.iter().map(|a| ExportArticle::in_dossier(a, dossier)).collect(),
        stories: dossier
            .stories
            .iter()
            .map(|s| ExportStory {
                id: &s.id,
                label: &s.label,
                articles: &s.articles,
                first: s.first.as_deref(),
                last: s.last.as_deref(),
            })
            .collect(),
        entities: entities(dossier),
        quotes: quotes(dossier),
        events: events(dossier),
    };
    serde_json::to_writer_pretty(&mut *out, &contract)?;
    writeln!(out)?;
    Ok(())
}

/// What a JSON-lines or CSV export lists, one record a line or row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Articles,
    Quotes,
    Entities,
    Events,
}

impl Listing {
    /// The CSV columns, in order: keys of the listing's JSON records. Lists of strings
    /// are joined by ` | ` (an article's `links` by spaces), objects and lists of
    /// objects (a quote's `reports`, an event's `sources`) written as JSON.
    fn columns(self) -> &'static [&'static str] {
        match self {
            Listing::Articles => &[
                "id",
                "source",
                "title",
                "outlet",
                "published",
                "url",
                "language",
                "format",
                "duplicate_of",
                "story",
                "links",
                "related",
                "text",
            ],
            Listing::Quotes => &[
                "id",
                "article",
                "story",
                "speaker",
                "speaker_id",
                "role",
                "text",
                "fragment",
                "reported_by",
                "cited_source",
                "reports",
            ],
            Listing::Entities => &["id", "name", "type", "role", "mentions", "variants", "articles"],
            Listing::Events => {
                &["id", "date", "precision", "story", "summary", "actors", "inferred", "articles", "sources"]
            }
        }
    }

    /// The listing's records as JSON, in the contract's shapes.
    fn records(self, dossier: &Dossier) -> anyhow::Result<Vec<serde_json::Value>> {
        let values = match self {
            Listing::Articles => dossier
                .articles
                .iter()
                .map(|a| serde_json::to_value(ExportArticle::in_dossier(a, dossier)))
                .collect::<Result<_, _>>()?,
            Listing::Quotes => quotes(dossier).iter().map(serde_json::to_value).collect::<Result<_, _>>()?,
            Listing::Entities => entities(dossier).iter().map(serde_json::to_value).collect::<Result<_, _>>()?,
            Listing::Events => events(dossier).iter().map(serde_json::to_value).collect::<Result<_, _>>()?,
        };
        Ok(values)
    }
}

/// One record a line, in the contract's shapes.
pub fn write_jsonl(dossier: &Dossier, listing: Listing, out: &mut dyn Write) -> anyhow::Result<()> {
    for record in listing.records(dossier)? {
        serde_json::to_writer(&mut *out, &record)?;
        writeln!(out)?;
    }
    Ok(())
}

/// One record a row, with a header row of [`Listing::columns`].
pub fn write_csv(dossier: &Dossier, listing: Listing, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let columns = listing.columns();
    writer.write_record(columns)?;
    for record in listing.records(dossier)? {
        writer.write_record(columns.iter().map(|column| cell(column, &record[*column])))?;
    }
    writer.flush()?;
    Ok(())
}

fn cell(column: &str, value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) if items.iter().all(Value::is_string) => {
            let separator = if column == "links" { " " } else { " | " };
            items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(separator)
        }
        // Numbers, booleans, objects and lists of objects: as JSON.
        other => other.to_string(),
    }
}
