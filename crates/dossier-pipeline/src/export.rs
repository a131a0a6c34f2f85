//! The export contract (docs/export.md): one JSON object with `articles`,
//! `stories`, `entities`, `quotes` and `events`; JSON lines and CSV of articles.

use crate::Dossier;
use dossier_core::across::analysis::{MergedEvent, MergedQuote, Report};
use dossier_core::findings::timeline::Precision;
use dossier_core::reading::article::Article;
use serde::Serialize;
use std::io::Write;

/// Version of the export contract; bumped only when a key changes meaning or goes away.
pub const CONTRACT_VERSION: u32 = 3;

#[derive(Debug, Serialize)]
pub struct ExportArticle<'a> {
    pub id: &'a str,
    pub source: &'a str,
    pub title: Option<&'a str>,
    pub outlet: Option<&'a str>,
    pub published: Option<String>,
    pub url: Option<&'a str>,
    pub language: Option<&'a str>,
    pub format: &'static str,
    pub text: String,
    pub links: &'a [String],
    pub related: &'a [String],
    pub duplicate_of: Option<&'a str>,
    pub story: Option<&'a str>,
    /// Fields filled from the canonical duplicate rather than read from this capture.
    pub inherited: Vec<&'static str>,
}

impl<'a> ExportArticle<'a> {
    pub fn of(article: &'a Article, dossier: &'a Dossier) -> ExportArticle<'a> {
        ExportArticle {
            id: &article.id,
            source: &article.source,
            title: article.title.as_deref(),
            outlet: article.outlet.as_deref(),
            published: article.published.map(|d| d.format("%Y-%m-%d").to_string()),
            url: article.url.as_deref(),
            language: article.language.as_deref(),
            format: article.format.as_str(),
            text: article.text(),
            links: &article.links,
            related: &article.related,
            duplicate_of: dossier.duplicate_of.get(&article.id).map(String::as_str),
            story: dossier.story_of.get(&article.id).map(String::as_str),
            inherited: ["title", "published", "outlet", "url"]
                .into_iter()
                .filter(|f| article.is_inherited(f))
                .collect(),
        }
    }
}

/// A quote as the dossier knows it: one per wording, with every article that reported it.
#[derive(Debug, Serialize)]
pub struct ExportQuote<'a> {
    pub id: &'a str,
    /// The article that reported it first.
    pub article: &'a str,
    pub text: &'a str,
    pub speaker: Option<&'a str>,
    pub speaker_id: Option<&'a str>,
    pub role: Option<&'a str>,
    pub fragment: bool,
    pub story: Option<&'a str>,
    /// Outlets that reported it, earliest first.
    pub reported_by: Vec<&'a str>,
    /// The agency the first report cites, if any report cites one.
    pub cited_source: Option<&'a str>,
    pub reports: &'a [Report],
}

/// The quotes of `quotes` by a speaker (any spelling), in a story (its id) and reported by an outlet.
pub fn quotes_matching<'a>(
    mut quotes: Vec<ExportQuote<'a>>,
    speaker: Option<&str>,
    story: Option<&str>,
    outlet: Option<&str>,
) -> Vec<ExportQuote<'a>> {
    if let Some(speaker) = speaker {
        quotes.retain(|q| q.speaker.is_some_and(|s| dossier_core::findings::names::same_entity(s, speaker)));
    }
    if let Some(story) = story {
        quotes.retain(|q| q.story == Some(story));
    }
    if let Some(outlet) = outlet {
        quotes.retain(|q| q.reports.iter().any(|r| r.outlet.as_deref() == Some(outlet)));
    }
    quotes
}

/// Every quote of the dossier, merged across articles, in order of first appearance.
pub fn quotes(dossier: &Dossier) -> Vec<ExportQuote<'_>> {
    quote_rows(&dossier.analysis.quotes)
}

/// Quotes as every list and export shows them.
pub fn quote_rows(quotes: &[MergedQuote]) -> Vec<ExportQuote<'_>> {
    quotes
        .iter()
        .map(|quote| {
            let mut reported_by: Vec<&str> = Vec::new();
            for outlet in quote.reports.iter().filter_map(|r| r.outlet.as_deref()) {
                if !reported_by.contains(&outlet) {
                    reported_by.push(outlet);
                }
            }
            ExportQuote {
                id: &quote.id,
                article: quote.reports.first().map_or("", |r| r.article.as_str()),
                text: &quote.text,
                speaker: quote.speaker.as_deref(),
                speaker_id: quote.speaker_id.as_deref(),
                role: quote.role.as_deref(),
                fragment: quote.fragment,
                story: quote.story.as_deref(),
                reported_by,
                cited_source: quote.reports.iter().find_map(|r| r.cited_source.as_deref()),
                reports: &quote.reports,
            }
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub struct ExportEntity<'a> {
    pub id: &'a str,
    pub name: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub variants: &'a [String],
    pub role: Option<&'a str>,
    pub articles: &'a [String],
    pub mentions: usize,
}

pub fn entities(dossier: &Dossier) -> Vec<ExportEntity<'_>> {
    dossier
        .analysis
        .entities
        .entities
        .iter()
        .map(|e| ExportEntity {
            id: &e.id,
            name: &e.name,
            kind: e.kind.label(),
            variants: &e.variants,
            role: e.role.as_deref(),
            articles: &e.articles,
            mentions: e.mentions,
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub struct ExportEvent<'a> {
    pub id: &'a str,
    /// YYYY-MM-DD for a day or a week (its Monday), YYYY-MM for a month, YYYY for a year.
    pub date: String,
    pub precision: Precision,
    pub summary: &'a str,
    pub articles: Vec<&'a str>,
    pub story: Option<&'a str>,
    pub actors: &'a [String],
    pub inferred: bool,
    pub sources: &'a [Report],
}

pub fn events(dossier: &Dossier) -> Vec<ExportEvent<'_>> {
    event_rows(&dossier.analysis.events)
}

/// Events as every list and export shows them.
pub fn event_rows(events: &[MergedEvent]) -> Vec<ExportEvent<'_>> {
    events
        .iter()
        .map(|e| ExportEvent {
            id: &e.id,
            date: e.when.label(),
            precision: e.when.precision,
            summary: &e.summary,
            articles: e.sources.iter().map(|s| s.article.as_str()).collect(),
            story: e.story.as_deref(),
            actors: &e.actors,
            inferred: e.inferred,
            sources: &e.sources,
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
    articles: Vec<ExportArticle<'a>>,
    stories: Vec<ExportStory<'a>>,
    entities: Vec<ExportEntity<'a>>,
    quotes: Vec<ExportQuote<'a>>,
    events: Vec<ExportEvent<'a>>,
}

pub fn write_json(dossier: &Dossier, out: &mut dyn Write) -> anyhow::Result<()> {
    let contract = Contract {
        version: CONTRACT_VERSION,
        articles: dossier.articles.iter().map(|a| ExportArticle::of(a, dossier)).collect(),
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

pub fn write_jsonl(dossier: &Dossier, out: &mut dyn Write) -> anyhow::Result<()> {
    for article in &dossier.articles {
        serde_json::to_writer(&mut *out, &ExportArticle::of(article, dossier))?;
        writeln!(out)?;
    }
    Ok(())
}

pub fn write_csv(dossier: &Dossier, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
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
    ])?;
    for article in &dossier.articles {
        let row = ExportArticle::of(article, dossier);
        writer.write_record([
            row.id,
            row.source,
            row.title.unwrap_or(""),
            row.outlet.unwrap_or(""),
            row.published.as_deref().unwrap_or(""),
            row.url.unwrap_or(""),
            row.language.unwrap_or(""),
            row.format,
            row.duplicate_of.unwrap_or(""),
            row.story.unwrap_or(""),
            &row.links.join(" "),
            &row.related.join(" | "),
            &row.text,
        ])?;
    }
    writer.flush()?;
    Ok(())
}
