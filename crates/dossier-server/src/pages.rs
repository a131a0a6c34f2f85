//! The web UI: server-rendered pages, no scripts needed, every user string escaped.

use crate::api::{self, SearchParams};
use crate::views::{self, DayCount, SpeakerQuotes, StorySummary};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use dossier_pipeline::export;
use dossier_pipeline::Dossier;
use dossier_search::escape_html as esc;
use serde_json::Value;
use std::fmt::Write;
use std::sync::Arc;

const STYLE: &str = include_str!("style.css");

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(home))
        .route("/stories/{id}", get(story))
        .route("/articles/{id}", get(article))
        .route("/entities/{id}", get(entity))
        .route("/search", get(search))
        .route("/static/style.css", get(|| async { ([(header::CONTENT_TYPE, "text/css")], STYLE) }))
        .fallback(|| async { not_found("There is no page here.") })
}

fn layout(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Dossier</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><nav aria-label="Main"><a class="brand" href="/">Dossier</a>
<form class="quick" action="/search" method="get" role="search"><label for="q" class="visually-hidden">Search</label>
<input id="q" name="q" type="search" placeholder="Search articles and quotes"><button type="submit">Search</button></form></nav></header>
<main id="main">
{body}
</main>
</body>
</html>"##,
        title = esc(title)
    ))
}

fn not_found(message: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        layout(
            "Not found",
            &format!("<h1>Not found</h1><p>{}</p><p><a href=\"/\">Back to the stories</a></p>", esc(message)),
        ),
    )
        .into_response()
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

/// `text`, or `fallback` when it is empty.
fn or_text<'a>(text: &'a str, fallback: &'a str) -> &'a str {
    if text.is_empty() {
        fallback
    } else {
        text
    }
}

/// A small bar chart of counts per day, as inline SVG, days placed along the real time span.
fn day_chart(days: &[DayCount], label: &str) -> String {
    let dated: Vec<(chrono::NaiveDate, &DayCount)> =
        days.iter().filter_map(|d| Some((chrono::NaiveDate::parse_from_str(&d.date, "%Y-%m-%d").ok()?, d))).collect();
    let (Some(first), Some(last)) = (dated.first(), dated.last()) else {
        return String::new();
    };
    let span = (last.0 - first.0).num_days().max(1) as f64;
    let max = dated.iter().map(|(_, d)| d.count).max().unwrap_or(1).max(1) as f64;
    let (width, bar) = (260.0, 8.0);
    let mut svg = format!(
        r#"<svg class="chart" role="img" aria-label="{}" width="{}" height="48" viewBox="0 0 {} 48">"#,
        esc(label),
        width + bar,
        width + bar
    );
    for (date, day) in &dated {
        let x = width * (*date - first.0).num_days() as f64 / span;
        let height = (30.0 * day.count as f64 / max).max(2.0);
        let _ = write!(
            svg,
            r#"<rect x="{x:.1}" y="{:.1}" width="{bar}" height="{height:.1}"><title>{}: {}</title></rect>"#,
            34.0 - height,
            esc(&day.date),
            day.count
        );
    }
    let _ = write!(
        svg,
        r#"<line x1="0" y1="34.5" x2="{}" y2="34.5"/><text x="0" y="46">{}</text><text x="{}" y="46" text-anchor="end">{}</text></svg>"#,
        width + bar,
        esc(&first.1.date),
        width + bar,
        esc(&last.1.date)
    );
    svg
}

fn story_card(story: &StorySummary) -> String {
    let span = match (&story.first, &story.last) {
        (Some(first), Some(last)) if first != last => format!("{first} → {last}"),
        (Some(first), _) => first.clone(),
        _ => "undated".into(),
    };
    format!(
        r#"<li class="card"><h2><a href="/stories/{id}">{label}</a></h2>
<p class="meta">{articles} sources · <time>{span}</time></p>
<p class="outlets">{outlets}</p>{chart}</li>"#,
        id = esc(&story.id),
        label = esc(&story.label),
        articles = story.articles,
        span = esc(&span),
        outlets = esc(&story.outlets.join(" · ")),
        chart = day_chart(&story.per_day, &format!("Articles per day, {span}")),
    )
}

/// Stories on one page of the home page.
const HOME_STORIES: usize = 30;

/// The stories, largest first, a page at a time so the page stays small at any size.
async fn home(
    State(state): State<Arc<AppState>>,
    paging: Result<Query<api::Paging>, axum::extract::rejection::QueryRejection>,
) -> Html<String> {
    // A malformed page number shows the first page; 30 cards (each with its chart) keep it well under 100 KB.
    let paging = paging.map(|Query(p)| p).unwrap_or_default();
    let paging = api::Paging { per_page: paging.per_page.or(Some(HOME_STORIES)), ..paging };
    let dossier = state.dossier().await;
    let total = dossier.stories.len();
    let (page, per_page, window) = paging.window(total);
    let shown = window.clone();
    let stories = views::story_summaries(&dossier, window);
    let mut body = format!(
        "<h1>Stories</h1><p class=\"lede\">{} articles in {} {}.</p><ul class=\"cards\">",
        dossier.articles.len(),
        total,
        if total == 1 { "story" } else { "stories" }
    );
    for story in &stories {
        body.push_str(&story_card(story));
    }
    body.push_str("</ul>");
    if total == 0 {
        body.push_str("<p>No stories yet: run <code>dossier analyze PATH</code>.</p>");
    }
    if total > per_page {
        let link = |to: usize, label: &str| format!(r#"<a href="/?page={to}&amp;per_page={per_page}">{label}</a>"#);
        let previous = if page > 1 { link(page - 1, "← Larger stories") } else { String::new() };
        let next = if shown.end < total { link(page + 1, "Smaller stories →") } else { String::new() };
        let _ = write!(
            body,
            r#"<nav class="pages" aria-label="Pages">{previous} <span>Stories {}–{} of {total}</span> {next}</nav>"#,
            shown.start + 1,
            shown.end
        );
    }
    layout("Stories", &body)
}

fn report_line(report: &Value) -> String {
    let outlet = str_of(report, "outlet");
    let date = str_of(report, "published");
    let article = str_of(report, "article");
    let cited = str_of(report, "cited_source");
    let mut line = format!(r#"<a href="/articles/{}">{}</a>"#, esc(article), esc(or_text(outlet, "unknown outlet")));
    if !date.is_empty() {
        let _ = write!(line, r#" <time datetime="{0}">{0}</time>"#, esc(date));
    }
    if !cited.is_empty() {
        let _ = write!(line, " citing {}", esc(cited));
    }
    line
}

fn quote_block(quote: &Value) -> String {
    let reports: Vec<&Value> =
        quote.get("reports").and_then(Value::as_array).map(|r| r.iter().collect()).unwrap_or_default();
    let first = reports.first().map(|r| report_line(r)).unwrap_or_default();
    let also: Vec<String> = reports.iter().skip(1).map(|r| report_line(r)).collect();
    let fragment = quote.get("fragment").and_then(Value::as_bool).unwrap_or(false);
    format!(
        r#"<figure class="quote{kind}"><blockquote>{text}</blockquote><figcaption>First reported by {first}{also}</figcaption></figure>"#,
        kind = if fragment { " fragment" } else { "" },
        text = esc(str_of(quote, "text")),
        also = if also.is_empty() { String::new() } else { format!("; also {}", also.join(", ")) },
    )
}

fn speaker_section(group: &SpeakerQuotes) -> String {
    let name = match &group.speaker_id {
        Some(id) => format!(r#"<a href="/entities/{}">{}</a>"#, esc(id), esc(&group.speaker)),
        None => esc(&group.speaker),
    };
    let role = group.role.as_deref().map(|r| format!(r#" <span class="role">{}</span>"#, esc(r))).unwrap_or_default();
    let quotes: String = group.quotes.iter().map(quote_block).collect();
    format!(r#"<section class="speaker"><h3>{name}{role}</h3>{quotes}</section>"#)
}

async fn story(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    let dossier = state.dossier().await;
    let Some(row) = dossier.story_by_prefix(&id) else {
        return not_found("No story has this id.");
    };
    let detail = views::story_detail(&dossier, row);
    let mut body = format!(
        r#"<p class="crumbs"><a href="/">Stories</a></p><h1>{}</h1><p class="meta">{} sources · {}</p>"#,
        esc(&detail.story.label),
        detail.story.articles,
        esc(&detail.story.outlets.join(" · "))
    );
    body.push_str(r#"<section aria-labelledby="timeline"><h2 id="timeline">Timeline</h2><ol class="timeline">"#);
    for event in &detail.timeline {
        let precision = str_of(event, "precision");
        let date = str_of(event, "date");
        let when = if precision == "week" { format!("week of {date}") } else { date.to_string() };
        let inferred = if event.get("inferred").and_then(Value::as_bool) == Some(true) {
            r#" <span class="badge" title="The article gives no date; dated from its story">inferred</span>"#
        } else {
            ""
        };
        let sources: Vec<String> =
            event.get("sources").and_then(Value::as_array).into_iter().flatten().map(report_line).collect();
        let _ = write!(
            body,
            r#"<li><time datetime="{d}">{when}</time>{inferred}<p>{summary}</p><p class="sources">{sources}</p></li>"#,
            d = esc(date),
            when = esc(&when),
            summary = esc(str_of(event, "summary")),
            sources = sources.join(" · ")
        );
    }
    body.push_str("</ol></section>");
    body.push_str(r#"<section aria-labelledby="sources"><h2 id="sources">Sources</h2><div class="sources-grid">"#);
    for source in &detail.sources {
        let mut copies = String::new();
        for copy in &source.copies {
            let only_a: String = copy.only_in_source.iter().map(|p| format!("<li>{}</li>", esc(p))).collect();
            let only_b: String = copy.only_in_copy.iter().map(|p| format!("<li>{}</li>", esc(p))).collect();
            let _ = write!(
                copies,
                r#"<details class="copy"><summary>+1 {kind} copy (<a href="/articles/{id}">{short}</a>)</summary>
<p>{reworded} paragraphs reworded.</p><h4>Only in this source</h4><ul>{only_a}</ul><h4>Only in the copy</h4><ul>{only_b}</ul></details>"#,
                kind = esc(&copy.kind),
                id = esc(&copy.article),
                short = esc(&copy.article.chars().take(8).collect::<String>()),
                reworded = copy.reworded,
                only_a = if only_a.is_empty() { "<li>nothing</li>".into() } else { only_a },
                only_b = if only_b.is_empty() { "<li>nothing</li>".into() } else { only_b },
            );
        }
        let _ = write!(
            body,
            r#"<article class="source"><p class="outlet">{outlet}</p><p><time>{date}</time></p><h3><a href="/articles/{id}">{title}</a></h3>{copies}</article>"#,
            outlet = esc(source.outlet.as_deref().unwrap_or("Unknown outlet")),
            date = esc(source.published.as_deref().unwrap_or("undated")),
            id = esc(&source.article),
            title = esc(source.title.as_deref().unwrap_or("(no title)")),
        );
    }
    body.push_str("</div></section>");
    body.push_str(r#"<section aria-labelledby="quotes"><h2 id="quotes">Quotes by speaker</h2>"#);
    for group in &detail.quotes_by_speaker {
        body.push_str(&speaker_section(group));
    }
    body.push_str("</section>");
    body.push_str(&coverage_table(&detail.coverage));
    layout(&detail.story.label, &body).into_response()
}

fn coverage_table(coverage: &Value) -> String {
    let columns = coverage.get("columns").and_then(Value::as_array).cloned().unwrap_or_default();
    let rows = coverage.get("rows").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut html = String::from(
        r#"<section aria-labelledby="coverage"><h2 id="coverage">Coverage</h2><div class="scroll"><table class="coverage"><caption>Who reported what (✓) and who left it out (—)</caption><thead><tr><th scope="col">Quote or event</th>"#,
    );
    for column in &columns {
        let copies = column.get("copies").and_then(Value::as_array).map_or(0, Vec::len);
        let _ = write!(
            html,
            r#"<th scope="col">{}<br><small>{}{}</small></th>"#,
            esc(or_text(str_of(column, "outlet"), "Unknown")),
            esc(or_text(str_of(column, "published"), "undated")),
            if copies > 0 { format!(" +{copies} copy") } else { String::new() }
        );
    }
    html.push_str("</tr></thead><tbody>");
    for row in &rows {
        let _ = write!(
            html,
            r#"<tr><th scope="row"><span class="kind">{}</span> {}</th>"#,
            esc(str_of(row, "kind")),
            esc(str_of(row, "label"))
        );
        for cell in row.get("reported").and_then(Value::as_array).into_iter().flatten() {
            let yes = cell.as_bool() == Some(true);
            html.push_str(if yes {
                r#"<td class="yes" aria-label="reported">✓</td>"#
            } else {
                r#"<td class="no" aria-label="left out">—</td>"#
            });
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table></div></section>");
    html
}

/// The clean text with entity mentions linked and quotes marked.
fn highlighted_text(dossier: &Dossier, article: &dossier_core::reading::article::Article) -> String {
    let found = dossier.analysis.articles.get(&article.id);
    let mut html = String::new();
    for (offset, text) in dossier_core::text::paragraph_starts(article.paragraphs.iter().map(|p| p.text.as_str())) {
        let end = offset + text.len();
        // Opening and closing tags by position; a mention inside a quote nests inside it.
        let mut marks: Vec<(usize, bool, String)> = Vec::new();
        if let Some(found) = found {
            for quote in found.quotes.iter().filter(|q| q.start >= offset && q.end <= end) {
                marks.push((quote.start - offset, true, r#"<span class="said">"#.into()));
                marks.push((quote.end - offset, false, "</span>".into()));
            }
            for mention in found.entities.mentions.iter().filter(|m| m.start >= offset && m.end <= end) {
                let inside =
                    |q: &dossier_core::findings::quotes::Quote| q.start <= mention.start && mention.end <= q.end;
                let crosses = found.quotes.iter().any(|q| q.start < mention.end && mention.start < q.end && !inside(q));
                if crosses
                    || !text.is_char_boundary(mention.start - offset)
                    || !text.is_char_boundary(mention.end - offset)
                {
                    continue;
                }
                let Some(entity) = dossier.analysis.entities.of(&article.id, mention.entity) else { continue };
                marks.push((
                    mention.start - offset,
                    true,
                    format!(r#"<a class="entity {}" href="/entities/{}">"#, entity.kind.label(), esc(&entity.id)),
                ));
                marks.push((mention.end - offset, false, "</a>".into()));
            }
        }
        // Closings before openings at one position; quotes open before mentions.
        marks.sort_by_key(|(at, open, tag)| (*at, *open, !tag.starts_with("<span")));
        let mut at = 0;
        html.push_str("<p>");
        for (position, _, tag) in marks.iter().filter(|(p, _, _)| text.is_char_boundary(*p)) {
            html.push_str(&esc(&text[at..*position]));
            html.push_str(tag);
            at = *position;
        }
        html.push_str(&esc(&text[at..]));
        html.push_str("</p>");
    }
    html
}

async fn article(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    let dossier = state.dossier().await;
    let Some(article) = dossier.article_by_prefix(&id) else {
        return not_found("No article has this id.");
    };
    let story = dossier.story_of.get(&article.id);
    let rows = [
        ("Outlet", article.outlet.clone()),
        ("Published", article.published.map(|d| d.to_string())),
        ("URL", article.url.clone()),
        ("Dateline", article.dateline.clone()),
        ("Language", article.language.clone()),
        ("Source", Some(article.source.clone())),
        ("Duplicate of", dossier.duplicate_of.get(&article.id).cloned()),
    ];
    let mut meta = String::from(r#"<dl class="meta-list">"#);
    for (label, value) in rows {
        if let Some(value) = value {
            let _ = write!(meta, "<dt>{label}</dt><dd>{}</dd>", esc(&value));
        }
    }
    meta.push_str("</dl>");
    let story_link = story
        .map(|s| format!(r#"<p class="crumbs"><a href="/">Stories</a> › <a href="/stories/{0}">story</a></p>"#, esc(s)))
        .unwrap_or_default();
    let body = format!(
        r#"{story_link}<h1>{title}</h1>{meta}
<p class="legend"><span class="said">quoted words</span> · <a class="entity person">person</a> · <a class="entity organization">organisation</a> · <a class="entity place">place</a></p>
<div class="text">{text}</div>
<details class="original"><summary>Show the original capture</summary><pre>{original}</pre></details>"#,
        title = esc(article.title.as_deref().unwrap_or("(no title)")),
        text = highlighted_text(&dossier, article),
        original = esc(&article.original),
    );
    layout(article.title.as_deref().unwrap_or("Article"), &body).into_response()
}

async fn entity(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    let dossier = state.dossier().await;
    let entities = export::entities(&dossier);
    let Some(found) = entities.iter().find(|e| e.id == id) else {
        return not_found("No entity has this id.");
    };
    let detail = views::entity_detail(&dossier, found);
    let variants = if found.variants.is_empty() {
        String::new()
    } else {
        format!("<p>Also written: {}</p>", esc(&found.variants.join(", ")))
    };
    let role = found.role.map(|r| format!(r#"<p class="role">{}</p>"#, esc(r))).unwrap_or_default();
    let mut articles = String::from("<ul>");
    for id in found.articles {
        if let Some(article) = dossier.article(id) {
            let _ = write!(
                articles,
                r#"<li><a href="/articles/{}">{}</a> — {} {}</li>"#,
                esc(id),
                esc(article.title.as_deref().unwrap_or("(no title)")),
                esc(article.outlet.as_deref().unwrap_or("")),
                esc(&article.published.map(|d| d.to_string()).unwrap_or_default())
            );
        }
    }
    articles.push_str("</ul>");
    let quotes: String = detail.quotes.iter().map(quote_block).collect();
    let body = format!(
        r#"<h1>{name} <span class="badge">{kind}</span></h1>{role}{variants}
<h2>Mentions over time</h2>{chart}<h2>Articles</h2>{articles}<h2>Quotes</h2>{quotes}"#,
        name = esc(found.name),
        kind = found.kind,
        chart = day_chart(&detail.mentions_over_time, "Mentions per day"),
        quotes = if quotes.is_empty() { "<p>No quotes.</p>".into() } else { quotes },
    );
    layout(found.name, &body).into_response()
}

async fn search(State(state): State<Arc<AppState>>, Query(params): Query<SearchParams>) -> Response {
    let value = |v: &Option<String>| esc(v.as_deref().unwrap_or(""));
    let kind = params.kind.as_deref().unwrap_or("");
    let option = |v: &str, label: &str| {
        format!(r#"<option value="{v}"{}>{label}</option>"#, if kind == v { " selected" } else { "" })
    };
    let mut body = format!(
        r#"<h1>Search</h1><form class="search" action="/search" method="get" role="search">
<label>Words or "a phrase" <input name="q" type="search" value="{q}"></label>
<label>Kind <select name="kind">{any}{articles}{quotes}</select></label>
<label>Outlet <input name="outlet" value="{outlet}"></label>
<label>Speaker <input name="speaker" value="{speaker}"></label>
<label>From <input name="from" type="date" value="{from}"></label>
<label>To <input name="to" type="date" value="{to}"></label>
<button type="submit">Search</button></form>"#,
        q = value(&params.q),
        any = option("", "Articles and quotes"),
        articles = option("article", "Articles"),
        quotes = option("quote", "Quotes"),
        outlet = value(&params.outlet),
        speaker = value(&params.speaker),
        from = value(&params.from),
        to = value(&params.to),
    );
    let searched = params.q.is_some() || params.speaker.is_some() || params.outlet.is_some();
    let mut status = StatusCode::OK;
    if searched {
        match api::run_search(&state, &params).await {
            Ok(results) => {
                let _ = write!(body, r#"<p class="meta">{} matches</p><ol class="hits">"#, results.total);
                for hit in &results.hits {
                    let date = hit
                        .published
                        .and_then(dossier_pipeline::search::date_of)
                        .map(|d| d.to_string())
                        .unwrap_or_default();
                    let heading = if hit.kind == "quote" {
                        format!("{} — quote", hit.speaker.as_deref().unwrap_or("Unattributed"))
                    } else {
                        hit.title.clone()
                    };
                    // The snippet is escaped by the index; only <mark> is markup.
                    let _ = write!(
                        body,
                        r#"<li><h3><a href="/articles/{id}">{heading}</a></h3><p class="meta">{outlet} {date}</p><p>{snippet}</p></li>"#,
                        id = esc(&hit.article),
                        heading = esc(&heading),
                        outlet = esc(hit.outlet.as_deref().unwrap_or("")),
                        date = esc(&date),
                        snippet = hit.snippet_html,
                    );
                }
                body.push_str("</ol>");
            }
            Err(error) => {
                status = error.status();
                let _ = write!(body, r#"<p class="error">The search could not run: {}</p>"#, esc(error.message()));
            }
        }
    }
    (status, layout("Search", &body)).into_response()
}
