//! What the terminal shows people: tables and laid-out articles.

use crate::ingest::{human_bytes, Summary};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};
use dossier_core::article::Article;
use dossier_core::eval::Report;
use std::path::Path;

/// Rows shown before a long list is cut short.
const MAX_ROWS: usize = 40;

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(140)
        .set_header(header.to_vec());
    table
}

fn or_dash(value: Option<&str>) -> String {
    value.map_or_else(|| "—".to_string(), str::to_string)
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}

pub fn print_summary(summary: &Summary, db: &Path, stored: usize) {
    let mut rows = table(&[
        "id",
        "source",
        "format",
        "published",
        "outlet",
        "title",
        "words",
    ]);
    for article in summary.articles.iter().take(MAX_ROWS) {
        rows.add_row(vec![
            Cell::new(&article.id[..10]),
            Cell::new(shorten(&article.source, 40)),
            Cell::new(article.format),
            Cell::new(or_dash(article.published.as_deref())),
            Cell::new(or_dash(article.outlet.as_deref())),
            Cell::new(shorten(&or_dash(article.title.as_deref()), 60)),
            Cell::new(article.words).set_alignment(CellAlignment::Right),
        ]);
    }
    if !summary.articles.is_empty() {
        println!("{rows}");
    }
    if summary.articles.len() > MAX_ROWS {
        println!(
            "… and {} more (see `dossier articles`)",
            summary.articles.len() - MAX_ROWS
        );
    }
    let seconds = summary.elapsed.as_secs_f64().max(1e-6);
    let skipped = summary.problems.iter().filter(|p| p.skipped).count();
    let warned = summary.problems.len() - skipped;
    println!(
        "{} files, {} → {} articles ({} new, {} unchanged, {} replaced); {} skipped, {} with warnings; {:.2} s ({:.0} articles/s, {:.1} MB/s)",
        summary.files,
        human_bytes(summary.bytes),
        summary.articles.len(),
        summary.inserted,
        summary.unchanged,
        summary.replaced,
        skipped,
        warned,
        seconds,
        summary.articles.len() as f64 / seconds,
        summary.bytes as f64 / 1e6 / seconds,
    );
    println!("Dossier: {} ({stored} articles). Next: `dossier articles`, `dossier show ID`, `dossier export`.", db.display());
}

pub fn print_articles(articles: &[Article]) {
    let mut rows = table(&["id", "published", "outlet", "title", "format", "source"]);
    for article in articles {
        rows.add_row(vec![
            &article.id[..10],
            &or_dash(article.published.map(|d| d.to_string()).as_deref()),
            &or_dash(article.outlet.as_deref()),
            &shorten(&or_dash(article.title.as_deref()), 60),
            article.format.as_str(),
            &shorten(&article.source, 40),
        ]);
    }
    println!("{rows}");
    println!("{} articles", articles.len());
}

pub fn print_article(article: &Article, with_removed: bool) {
    println!("{}", article.title.as_deref().unwrap_or("(no title)"));
    println!(
        "{}",
        "═".repeat(
            article
                .title
                .as_deref()
                .map_or(10, |t| t.chars().count().min(100))
        )
    );
    let mut meta = table(&["field", "value", "found from"]);
    let fields: [(&str, Option<String>); 8] = [
        ("id", Some(article.id.clone())),
        ("source", Some(article.source.clone())),
        (
            "format",
            Some(format!(
                "{} ({}, {})",
                article.format.as_str(),
                article.format.describe(),
                article.encoding
            )),
        ),
        ("language", article.language.clone()),
        ("outlet", article.outlet.clone()),
        ("published", article.published.map(|d| d.to_string())),
        ("url", article.url.clone()),
        ("dateline", article.dateline.clone()),
    ];
    for (field, value) in fields {
        let how = article.provenance.get(field).cloned().unwrap_or_default();
        meta.add_row(vec![field.to_string(), or_dash(value.as_deref()), how]);
    }
    println!("{meta}\n");
    for paragraph in &article.paragraphs {
        let lines = if paragraph.first_line == paragraph.last_line {
            format!("L{}", paragraph.first_line)
        } else {
            format!("L{}-{}", paragraph.first_line, paragraph.last_line)
        };
        println!("[{lines}] {}\n", paragraph.text);
    }
    if !article.links.is_empty() {
        println!("Links cited:");
        for link in &article.links {
            println!("  {link}");
        }
    }
    if !article.related.is_empty() {
        println!("Related articles:");
        for title in &article.related {
            println!("  {title}");
        }
    }
    if with_removed && !article.removed.is_empty() {
        let mut removed = table(&["line", "removed as", "text"]);
        for line in &article.removed {
            removed.add_row(vec![
                line.line.to_string(),
                line.reason.clone(),
                shorten(&line.text, 80),
            ]);
        }
        println!("\n{removed}");
    }
}

pub fn print_eval(report: &Report, verbose: bool) {
    println!(
        "{} of {} gold documents found in the dossier",
        report.documents_matched, report.documents_in_gold
    );
    if !report.documents_missing.is_empty() {
        println!("missing: {}", report.documents_missing.join(", "));
    }
    let mut rows = table(&[
        "stage",
        "precision",
        "recall",
        "F1",
        "right / items",
        "tp",
        "fp",
        "fn",
    ]);
    for stage in &report.stages {
        rows.add_row(vec![
            Cell::new(&stage.stage),
            Cell::new(format!("{:.3}", stage.precision)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.3}", stage.recall)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.3}", stage.f1)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{} / {}", stage.correct, stage.total))
                .set_alignment(CellAlignment::Right),
            Cell::new(stage.true_positives).set_alignment(CellAlignment::Right),
            Cell::new(stage.false_positives).set_alignment(CellAlignment::Right),
            Cell::new(stage.false_negatives).set_alignment(CellAlignment::Right),
        ]);
    }
    println!("{rows}");
    let limit = if verbose { usize::MAX } else { MAX_ROWS };
    for error in report.errors.iter().take(limit) {
        println!("  ✗ {error}");
    }
    if report.errors.len() > limit {
        println!(
            "  … {} more (--verbose lists all)",
            report.errors.len() - limit
        );
    }
}
