//! The export contract (docs/export.md): one JSON object with `articles`,
//! `stories`, `entities`, `quotes` and `events`; JSON lines and CSV of articles.

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
}

impl<'a> ExportArticle<'a> {
    pub fn of(article: &'a Article) -> ExportArticle<'a> {
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
            duplicate_of: None,
            story: None,
        }
    }
}

#[derive(Debug, Serialize)]
struct Dossier<'a> {
    version: u32,
    articles: Vec<ExportArticle<'a>>,
    stories: Vec<Value>,
    entities: Vec<Value>,
    quotes: Vec<Value>,
    events: Vec<Value>,
}

pub fn write_json(articles: &[Article], out: &mut dyn Write) -> anyhow::Result<()> {
    let dossier = Dossier {
        version: CONTRACT_VERSION,
        articles: articles.iter().map(ExportArticle::of).collect(),
        stories: Vec::new(),
        entities: Vec::new(),
        quotes: Vec::new(),
        events: Vec::new(),
    };
    serde_json::to_writer_pretty(&mut *out, &dossier)?;
    writeln!(out)?;
    Ok(())
}

pub fn write_jsonl(articles: &[Article], out: &mut dyn Write) -> anyhow::Result<()> {
    for article in articles {
        serde_json::to_writer(&mut *out, &ExportArticle::of(article))?;
        writeln!(out)?;
    }
    Ok(())
}

pub fn write_csv(articles: &[Article], out: &mut dyn Write) -> anyhow::Result<()> {
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
    for article in articles {
        let row = ExportArticle::of(article);
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
