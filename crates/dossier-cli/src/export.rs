//! The export contract (docs/export.md): one JSON object with `articles`,
//! `stories`, `entities`, `quotes` and `events`; JSON lines and CSV of articles.

use crate::dossier::Dossier;
use dossier_core::article::Article;
use serde::Serialize;
use serde_json::Value;
use std::io::Write;

/// Version of the export contract; bumped only when a key changes meaning or goes away.
pub const CONTRACT_VERSION: u32 = 1;

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

#[derive(Debug, Serialize)]
pub struct ExportQuote<'a> {
    pub id: String,
    pub article: &'a str,
    pub text: &'a str,
    pub speaker: Option<&'a str>,
    pub speaker_id: Option<&'a str>,
    pub role: Option<&'a str>,
    pub fragment: bool,
    pub reported_by: Vec<&'a str>,
    pub cited_source: Option<&'a str>,
}

/// Every quote of the dossier, article by article in the store's order.
pub fn quotes(dossier: &Dossier) -> Vec<ExportQuote<'_>> {
    let mut out = Vec::new();
    for article in &dossier.articles {
        for quote in dossier.quotes.get(&article.id).into_iter().flatten() {
            out.push(ExportQuote {
                id: dossier_core::text::short_hash(&["quote", &article.id, &quote.start.to_string()]),
                article: &article.id,
                text: &quote.text,
                speaker: quote.speaker.as_deref(),
                speaker_id: None,
                role: quote.role.as_deref(),
                fragment: quote.fragment,
                reported_by: article.outlet.as_deref().into_iter().collect(),
                cited_source: quote.cited_source.as_deref(),
            });
        }
    }
    out
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
    entities: Vec<Value>,
    quotes: Vec<ExportQuote<'a>>,
    events: Vec<Value>,
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
        entities: Vec::new(),
        quotes: quotes(dossier),
        events: Vec::new(),
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
