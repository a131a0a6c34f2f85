//! What the terminal shows people: tables and laid-out articles.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};
use dossier_app::evaluation::Report;
use dossier_app::export::ExportQuote;
use dossier_app::follow::{human_duration, FollowedSource};
use dossier_app::ingest::{human_bytes, Summary};
use dossier_app::read::{ArticleSummary, Page, StorySummary, StoryView};
use dossier_app::read::{Comparison, QuoteExplanation};
use dossier_app::text::shorten;
use dossier_app::Dossier;
use dossier_app::{Article, Step, StoryRow};
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

/// The current folder as sources write it, with a trailing slash: read once, not per row.
static HERE: std::sync::LazyLock<Option<String>> = std::sync::LazyLock::new(|| {
    std::env::current_dir().ok().map(|d| format!("{}/", dossier_app::ingest::lossless(d.as_os_str())))
});

/// A source as a person reads it: relative to the current folder when it lies below
/// it, control characters escaped, and at most `max` characters keeping the end
/// (the file name) rather than the start.
fn source_label(source: &str, max: usize) -> String {
    let relative = HERE.as_deref().and_then(|here| source.strip_prefix(here)).unwrap_or(source);
    let escaped = dossier_app::text::escape_controls(relative);
    let count = escaped.chars().count();
    if count <= max {
        escaped.into_owned()
    } else {
        format!("…{}", escaped.chars().skip(count + 1 - max).collect::<String>())
    }
}

pub fn print_summary(summary: &Summary, db: &Path, stored: usize) {
    let mut rows = table(&["id", "source", "format", "published", "outlet", "title", "words"]);
    for article in summary.articles.iter().take(MAX_ROWS) {
        rows.add_row(vec![
            Cell::new(&article.id[..10]),
            Cell::new(source_label(&article.source, 40)),
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
        println!("… and {} more (see `dossier articles`)", summary.articles.len() - MAX_ROWS);
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
    if summary.store_files > 0 {
        println!("{} files of the dossier's own store, in the folder read, were left unread.", summary.store_files);
    }
    println!(
        "{} duplicate groups, {} stories. Dossier: {} ({stored} articles). Next: `dossier stories`, `dossier duplicates`, `dossier show ID`, `dossier export`.",
        summary.duplicates,
        summary.stories,
        db.display()
    );
}

/// One page of articles, with the canonical copy of each duplicate among them.
pub fn print_articles(page: &Page<ArticleSummary>) {
    let mut rows = table(&["id", "published", "outlet", "title", "format", "duplicate of", "source"]);
    for article in &page.items {
        let duplicate = article.duplicate_of.as_ref().map(|c| c[..10].to_string());
        rows.add_row(vec![
            &article.id[..10],
            &or_dash(article.published.as_deref()),
            &or_dash(article.outlet.as_deref()),
            &shorten(&or_dash(article.title.as_deref()), 60),
            article.format,
            &or_dash(duplicate.as_deref()),
            &source_label(&article.source, 40),
        ]);
    }
    println!("{rows}");
    println!("{}", page_note(page.items.len(), page.offset(), page.total, "articles, newest first"));
}

/// Which part of a list a page shows: "28 entities", or "1–5 of 28 entities (…)".
pub fn page_note(shown: usize, offset: usize, total: usize, noun: &str) -> String {
    match shown {
        0 if total > 0 => format!("none of {total} {noun} on this page (--page, --limit)"),
        n if n == total => format!("{total} {noun}"),
        n => format!("{}–{} of {total} {noun} (--page, --limit for more)", offset + 1, offset + n),
    }
}

fn describe(article: &Article) -> String {
    format!(
        "{} · {} · {} · {}",
        &article.id[..10],
        or_dash(article.published.map(|d| d.to_string()).as_deref()),
        or_dash(article.outlet.as_deref()),
        shorten(&or_dash(article.title.as_deref()), 60)
    )
}

pub fn print_duplicates(dossier: &Dossier) {
    if dossier.groups.is_empty() {
        println!("No duplicates among {} articles.", dossier.articles.len());
        return;
    }
    for group in &dossier.groups {
        let Some(canonical) = dossier.article(&group.canonical) else { continue };
        println!("■ {}  ({})", describe(canonical), source_label(&canonical.source, 200));
        for member in &group.members {
            let Some(article) = dossier.article(&member.article_id) else { continue };
            let inherited: Vec<&str> =
                ["title", "published", "outlet", "url"].into_iter().filter(|f| article.is_inherited(f)).collect();
            let note =
                if inherited.is_empty() { String::new() } else { format!("; inherits {}", inherited.join(", ")) };
            println!(
                "  └ {:<7} {:>4.0}%  {}  ({}{note})",
                member.kind.as_str(),
                member.similarity * 100.0,
                describe(article),
                source_label(&article.source, 200)
            );
        }
    }
    println!("{} duplicate groups. `dossier diff A B` shows what differs.", dossier.groups.len());
}

pub fn print_diff(comparison: &Comparison) {
    let Comparison { first, second, steps } = comparison;
    println!("A: {}  ({})", describe(first), source_label(&first.source, 200));
    println!("B: {}  ({})", describe(second), source_label(&second.source, 200));
    let mut meta = table(&["field", "A", "B"]);
    let fields: [(&str, Option<String>, Option<String>); 5] = [
        ("title", first.title.clone(), second.title.clone()),
        ("published", first.published.map(|d| d.to_string()), second.published.map(|d| d.to_string())),
        ("outlet", first.outlet.clone(), second.outlet.clone()),
        ("url", first.url.clone(), second.url.clone()),
        ("format", Some(first.format.as_str().to_string()), Some(second.format.as_str().to_string())),
    ];
    for (field, a, b) in fields {
        let mark = if a == b { "" } else { " ≠" };
        meta.add_row(vec![format!("{field}{mark}"), or_dash(a.as_deref()), or_dash(b.as_deref())]);
    }
    println!("{meta}");
    let only = |x: &[String], y: &[String]| x.iter().filter(|l| !y.contains(l)).cloned().collect::<Vec<_>>();
    for (who, links) in [("A", only(&first.links, &second.links)), ("B", only(&second.links, &first.links))] {
        if !links.is_empty() {
            println!("Only {who} cites {} link(s):", links.len());
            for link in links {
                println!("  {link}");
            }
        }
    }
    let a: Vec<&str> = first.paragraphs.iter().map(|p| p.text.as_str()).collect();
    let b: Vec<&str> = second.paragraphs.iter().map(|p| p.text.as_str()).collect();
    let shared = steps.iter().filter(|s| matches!(s, Step::Same(..))).count();
    println!(
        "\nParagraphs: {shared} shared, {} only in A, {} only in B, {} reworded",
        steps.iter().filter(|s| matches!(s, Step::OnlyFirst(_))).count(),
        steps.iter().filter(|s| matches!(s, Step::OnlySecond(_))).count(),
        steps.iter().filter(|s| matches!(s, Step::Changed(..))).count()
    );
    for &step in steps {
        match step {
            Step::Same(i, _) => println!("  = {}", shorten(a[i], 110)),
            Step::Changed(i, j) => println!("  ~ A: {}\n    B: {}", shorten(a[i], 106), shorten(b[j], 106)),
            Step::OnlyFirst(i) => println!("  - A only [L{}]: {}", first.paragraphs[i].first_line, shorten(a[i], 100)),
            Step::OnlySecond(j) => {
                println!("  + B only [L{}]: {}", second.paragraphs[j].first_line, shorten(b[j], 100))
            }
        }
    }
}

pub fn print_quotes(page: &Page<ExportQuote>) {
    let quotes = &page.items;
    let mut rows = table(&["id", "speaker", "quote", "first reported by", "also", "cites"]);
    for quote in quotes {
        let first = quote.reports.first();
        let when = first.and_then(|r| r.published).map(|d| format!(", {d}")).unwrap_or_default();
        let also: Vec<String> = quote.reports.iter().skip(1).map(report_label).collect();
        let speaker = match (&quote.speaker, &quote.role) {
            (Some(s), Some(r)) => format!("{s}\n({})", shorten(r, 40)),
            (s, _) => or_dash(s.as_deref()),
        };
        let kind = if quote.fragment { " [fragment]" } else { "" };
        rows.add_row(vec![
            quote.id.to_string(),
            speaker,
            shorten(&format!("\u{201C}{}\u{201D}{kind}", quote.text), 90),
            format!("{}{when}", or_dash(first.and_then(|r| r.outlet.as_deref()))),
            if also.is_empty() { "—".to_string() } else { also.join("\n") },
            or_dash(quote.cited_source.as_deref()),
        ]);
    }
    println!("{rows}");
    let reports: usize = quotes.iter().map(|q| q.reports.len()).sum();
    println!(
        "{} ({} statements, {} fragments) from {reports} reports",
        page_note(quotes.len(), page.offset(), page.total, "quotes"),
        quotes.iter().filter(|q| !q.fragment).count(),
        quotes.iter().filter(|q| q.fragment).count()
    );
}

/// "The Moscow Times 2021-12-17 (b371a1ad)".
fn report_label(report: &dossier_app::Report) -> String {
    let date = report.published.map(|d| format!(" {d}")).unwrap_or_default();
    format!(
        "{}{date} ({})",
        report.outlet.as_deref().unwrap_or("unknown outlet"),
        &report.article[..8.min(report.article.len())]
    )
}

pub fn print_entities(page: &Page<dossier_app::EntitySummary>) {
    let (entities, offset, total) = (&page.items, page.offset(), page.total);
    let mut rows = table(&["type", "entity", "role", "also written", "articles", "mentions"]);
    for entity in entities {
        rows.add_row(vec![
            Cell::new(entity.kind),
            Cell::new(&entity.name),
            Cell::new(shorten(&or_dash(entity.role.as_deref()), 45)),
            Cell::new(if entity.variants.is_empty() {
                "—".to_string()
            } else {
                shorten(&entity.variants.join(", "), 60)
            }),
            Cell::new(entity.articles).set_alignment(CellAlignment::Right),
            Cell::new(entity.mentions).set_alignment(CellAlignment::Right),
        ]);
    }
    println!("{rows}");
    let count = |kind: &str| entities.iter().filter(|e| e.kind == kind).count();
    let shown = page_note(entities.len(), offset, total, "entities");
    println!("{shown}: {} people, {} organisations, {} places", count("person"), count("organization"), count("place"));
}

pub fn print_timeline(story: &StoryRow, events: &[dossier_app::export::ExportEvent]) {
    println!("Timeline · {}", story.label);
    let mut rows = table(&["when", "what happened", "reported by"]);
    for event in events {
        let when = if event.is_week() { format!("week of {}", event.date) } else { event.date.clone() };
        let inferred = if event.inferred { "\n(date inferred from the story)" } else { "" };
        let sources: Vec<String> = event.sources.iter().map(report_label).collect();
        rows.add_row(vec![format!("{when}{inferred}"), shorten(&event.summary, 110), sources.join("\n")]);
    }
    println!("{rows}");
    println!("{} events", events.len());
}

pub fn print_coverage(story: &StoryRow, coverage: &dossier_app::Coverage) {
    println!("Coverage · {}", story.label);
    let mut header: Vec<String> = vec!["".into()];
    for (number, column) in coverage.columns.iter().enumerate() {
        let copies = if column.copies.is_empty() { String::new() } else { format!(" +{} copy", column.copies.len()) };
        let date = column.published.map(|d| d.to_string()).unwrap_or_else(|| "undated".into());
        header.push(format!("[{}] {}\n{date}{copies}", number + 1, column.outlet.as_deref().unwrap_or("unknown")));
    }
    let mut rows = Table::new();
    rows.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(160)
        .set_header(header);
    for row in &coverage.rows {
        let mut cells = vec![Cell::new(shorten(&format!("{} {}", row.kind, row.label), 70))];
        cells.extend(
            row.reported.iter().map(|&r| Cell::new(if r { "✓" } else { "·" }).set_alignment(CellAlignment::Center)),
        );
        rows.add_row(cells);
    }
    println!("{rows}");
    for (number, column) in coverage.columns.iter().enumerate() {
        let total = coverage.rows.len();
        let reported = coverage.rows.iter().filter(|r| r.reported[number]).count();
        println!(
            "[{}] {} ({}): reported {reported} of {total}, left out {}",
            number + 1,
            column.outlet.as_deref().unwrap_or("unknown"),
            &column.article[..8.min(column.article.len())],
            total - reported
        );
    }
}

/// One page of stories, largest first.
pub fn print_stories(page: &Page<StorySummary>) {
    let mut rows = table(&["story", "articles", "first", "last", "outlets", "label"]);
    for story in &page.items {
        rows.add_row(vec![
            Cell::new(&story.id[..10]),
            Cell::new(story.articles).set_alignment(CellAlignment::Right),
            Cell::new(or_dash(story.first.as_deref())),
            Cell::new(or_dash(story.last.as_deref())),
            Cell::new(shorten(&story.outlets.join(", "), 40)),
            Cell::new(shorten(&story.label, 60)),
        ]);
    }
    println!("{rows}");
    println!("{}. `dossier story ID` shows one.", page_note(page.items.len(), page.offset(), page.total, "stories"));
}

/// A story with its members (in order) and the canonical copy of each duplicate among them.
/// A story: its card, then its sources (a copy folded into its source), bounded as the view is.
pub fn print_story(view: &StoryView) {
    let story = &view.story;
    println!("{}", story.label);
    println!(
        "story {} · {} articles · {} → {} · {}",
        story.id,
        story.articles,
        or_dash(story.first.as_deref()),
        or_dash(story.last.as_deref()),
        story.outlets.join(", ")
    );
    let mut rows = table(&["id", "published", "outlet", "title", "copies"]);
    for source in &view.sources {
        let copies: Vec<String> = source.copies.iter().map(|c| format!("↳ {} {}", &c.article[..10], c.kind)).collect();
        let more = source.all_copies - source.copies.len();
        let copies = match more {
            0 => copies.join("\n"),
            more => format!("{}\n+{more} more", copies.join("\n")),
        };
        rows.add_row(vec![
            &source.article[..10],
            &or_dash(source.published.as_deref()),
            &or_dash(source.outlet.as_deref()),
            &shorten(&or_dash(source.title.as_deref()), 60),
            &or_dash(Some(copies.as_str()).filter(|c| !c.is_empty())),
        ]);
    }
    println!("{rows}");
    if view.limits.sources.is_cut() {
        println!(
            "{} of {} sources shown; every article: `dossier articles --story {}`",
            view.limits.sources.shown, view.limits.sources.total, story.id
        );
    }
}

pub fn print_article(article: &Article, with_removed: bool) {
    println!("{}", article.title.as_deref().unwrap_or("(no title)"));
    println!("{}", "═".repeat(article.title.as_deref().map_or(10, |t| t.chars().count().min(100))));
    let mut meta = table(&["field", "value", "found from"]);
    let fields: [(&str, Option<String>); 8] = [
        ("id", Some(article.id.clone())),
        ("source", Some(article.source.clone())),
        ("format", Some(format!("{} ({}, {})", article.format.as_str(), article.format.describe(), article.encoding))),
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
            removed.add_row(vec![line.line.to_string(), line.reason.clone(), shorten(&line.text, 80)]);
        }
        println!("\n{removed}");
    }
}

pub fn print_eval(report: &Report, verbose: bool) {
    println!("{} of {} gold documents found in the dossier", report.documents_matched, report.documents_in_gold);
    if !report.documents_missing.is_empty() {
        println!("missing: {}", report.documents_missing.join(", "));
    }
    let mut rows = table(&["stage", "precision", "recall", "F1", "right / items", "tp", "fp", "fn"]);
    for stage in &report.stages {
        rows.add_row(vec![
            Cell::new(&stage.stage),
            Cell::new(format!("{:.3}", stage.precision)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.3}", stage.recall)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.3}", stage.f1)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{} / {}", stage.correct, stage.total)).set_alignment(CellAlignment::Right),
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
        println!("  … {} more (--verbose lists all)", report.errors.len() - limit);
    }
    for note in &report.notes {
        println!("  · {note}");
    }
}

/// Search hits, snippets shown with the matched words in brackets.
pub fn print_search(results: &dossier_app::SearchResults) {
    let mut rows = table(&["kind", "date", "outlet", "title / speaker", "snippet", "id"]);
    for hit in &results.hits {
        let date = hit.published.and_then(dossier_app::search::date_of).map(|d| d.to_string());
        let who = if hit.kind == "quote" { or_dash(hit.speaker.as_deref()) } else { hit.title.clone() };
        rows.add_row(vec![
            hit.kind.clone(),
            or_dash(date.as_deref()),
            or_dash(hit.outlet.as_deref()),
            shorten(&who, 40),
            shorten(&plain_snippet(&hit.snippet_html), 100),
            hit.id.chars().take(10).collect(),
        ]);
    }
    println!("{rows}");
    println!("{} of {} matches", results.hits.len(), results.total);
}

/// A highlighted HTML snippet for the terminal: `<mark>` as brackets, entities decoded.
fn plain_snippet(html: &str) -> String {
    html.replace("<mark>", "[")
        .replace("</mark>", "]")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Each quote with its speaker, the words naming them and the ranked candidates.
pub fn print_quote_explanations(quotes: &[QuoteExplanation]) {
    if quotes.is_empty() {
        println!("no quotes in this article");
    }
    for (number, quote) in quotes.iter().enumerate() {
        let text: String = quote.text.chars().take(100).collect();
        let cut = if text.len() < quote.text.len() { "…" } else { "" };
        println!("{}. \u{201C}{}{cut}\u{201D}", number + 1, text);
        println!(
            "   speaker: {}  (written {:?}; {})",
            or_dash(quote.speaker.as_deref()),
            quote.mention.as_deref().unwrap_or("—"),
            quote.via.as_deref().unwrap_or("no attribution")
        );
        if quote.candidates.is_empty() {
            continue;
        }
        let mut rows = table(&["candidate", "kind", "resolves to", "score", "strongest evidence"]);
        for candidate in &quote.candidates {
            let evidence: Vec<String> =
                candidate.evidence.iter().map(|(name, part)| format!("{name} {part:+.2}")).collect();
            rows.add_row(vec![
                Cell::new(&candidate.mention),
                Cell::new(format!("{:?}", candidate.kind).to_lowercase()),
                Cell::new(format!("{} ({})", or_dash(candidate.resolves_to.as_deref()), candidate.via)),
                Cell::new(format!("{:+.2}", candidate.score)).set_alignment(CellAlignment::Right),
                Cell::new(evidence.join(", ")),
            ]);
        }
        println!("{rows}");
    }
}

/// The followed sources: where, how often, when last and next checked, and how it went.
pub fn print_sources(sources: &[FollowedSource], now: i64) {
    if sources.is_empty() {
        println!("No source is followed. `dossier follow add URL-or-FOLDER --every 15m` adds one.");
        return;
    }
    let mut rows = table(&["id", "location", "every", "last checked", "next check", "articles", "status"]);
    for source in sources {
        let status = match (&source.last_error, source.failures) {
            (Some(error), failures) if failures > 0 => format!("failing ×{failures}: {}", shorten(error, 50)),
            _ if source.last_checked.is_none() => "not checked yet".into(),
            _ => "ok".into(),
        };
        let ago = |at: i64| format!("{} ago", human_duration(now - at));
        let next = if source.next_check <= now {
            "due".into()
        } else {
            format!("in {}", human_duration(source.next_check - now))
        };
        rows.add_row(vec![
            source.id.to_string(),
            shorten(&source.location, 60),
            human_duration(source.every_seconds),
            source.last_checked.map(ago).unwrap_or_else(|| "never".into()),
            next,
            source.articles.to_string(),
            status,
        ]);
    }
    println!("{rows}");
}
