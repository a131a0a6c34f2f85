//! The web UI: server-rendered pages from compiled, auto-escaping templates
//! (`templates/`), no scripts needed. Each page shows one read model of the dossier.

use crate::api::{self, read, ApiError, SearchParams};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use dossier_app::read::{ArticleView, DayCount, EntityView, Page, StorySummary, StoryView};
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

/// A rendered page with its status; a template that fails to render is the server's fault.
fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            (StatusCode::INTERNAL_SERVER_ERROR, format!("the page could not be rendered: {error}")).into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundPage<'a> {
    title: &'a str,
    message: &'a str,
}

fn not_found(message: &str) -> Response {
    render(StatusCode::NOT_FOUND, &NotFoundPage { title: "Not found", message })
}

/// What a read that failed shows: its own page for an id that names nothing.
fn failed(error: ApiError, missing: &str) -> Response {
    match error.status() {
        StatusCode::NOT_FOUND => not_found(missing),
        status => render(status, &NotFoundPage { title: "Error", message: error.message() }),
    }
}

/// A small bar chart of counts per day, days placed along the real time span.
struct Chart {
    label: String,
    width: String,
    bars: Vec<Bar>,
    first: String,
    last: String,
}

struct Bar {
    x: String,
    y: String,
    height: String,
    date: String,
    count: usize,
}

const CHART_WIDTH: f64 = 260.0;
const BAR_WIDTH: f64 = 8.0;
/// Days falling on one slot of the chart share a bar, so a chart has at most this many
/// bars however long its story runs (and a page of 30 charts stays small).
const CHART_SLOTS: f64 = 20.0;

fn chart(days: &[DayCount], label: &str) -> Option<Chart> {
    let dated: Vec<(chrono::NaiveDate, &DayCount)> =
        days.iter().filter_map(|d| Some((chrono::NaiveDate::parse_from_str(&d.date, "%Y-%m-%d").ok()?, d))).collect();
    let (first, last) = (dated.first()?, dated.last()?);
    let span = (last.0 - first.0).num_days().max(1) as f64;
    // Slot of each day, then one bar per slot: (slot, first day, last day, count).
    let mut slots: Vec<(usize, &str, &str, usize)> = Vec::new();
    for (date, day) in &dated {
        let slot = ((*date - first.0).num_days() as f64 / span * (CHART_SLOTS - 1.0)).round() as usize;
        match slots.last_mut() {
            Some(last) if last.0 == slot => {
                last.2 = &day.date;
                last.3 += day.count;
            }
            _ => slots.push((slot, &day.date, &day.date, day.count)),
        }
    }
    let max = slots.iter().map(|s| s.3).max().unwrap_or(1).max(1) as f64;
    let bars = slots
        .iter()
        .map(|&(slot, from, to, count)| {
            let height = (30.0 * count as f64 / max).max(2.0);
            Bar {
                x: format!("{:.1}", CHART_WIDTH * slot as f64 / (CHART_SLOTS - 1.0)),
                y: format!("{:.1}", 34.0 - height),
                height: format!("{height:.1}"),
                date: if from == to { from.to_string() } else { format!("{from} – {to}") },
                count,
            }
        })
        .collect();
    Some(Chart {
        label: label.to_string(),
        width: format!("{}", CHART_WIDTH + BAR_WIDTH),
        bars,
        first: first.1.date.clone(),
        last: last.1.date.clone(),
    })
}

struct Card {
    story: StorySummary,
    span: String,
    chart: Option<Chart>,
}

impl Card {
    fn of(story: StorySummary) -> Card {
        let span = match (&story.first, &story.last) {
            (Some(first), Some(last)) if first != last => format!("{first} → {last}"),
            (Some(first), _) => first.clone(),
            _ => "undated".into(),
        };
        let chart = chart(&story.per_day, &format!("Articles per day, {span}"));
        Card { story, span, chart }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    title: &'static str,
    articles: usize,
    stories: Page<()>,
    cards: Vec<Card>,
}

/// Stories on one page of the home page: 30 cards (each with its chart) keep it well under 100 KB.
const HOME_STORIES: usize = 30;

/// The stories, largest first, a page at a time so the page stays small at any size.
async fn home(
    State(state): State<Arc<AppState>>,
    paging: Result<Query<api::Paging>, axum::extract::rejection::QueryRejection>,
) -> Response {
    // A malformed page number shows the first page.
    let paging = paging.map(|Query(p)| p).unwrap_or_default();
    let window = api::Paging { per_page: paging.per_page.or(Some(HOME_STORIES)), ..paging }.window();
    let answer = read(&state, move |reader| Ok((reader.stories(window)?, reader.article_count()?))).await;
    let (stories, articles) = match answer {
        Ok(answer) => answer,
        Err(error) => return failed(error, "No such page."),
    };
    let Page { total, page, per_page, items } = stories;
    let stories = Page { total, page, per_page, items: vec![(); items.len()] };
    let cards = items.into_iter().map(Card::of).collect();
    render(StatusCode::OK, &HomePage { title: "Stories", articles, stories, cards })
}

#[derive(Template)]
#[template(path = "story.html")]
struct StoryPage {
    title: String,
    view: StoryView,
}

async fn story(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    match read(&state, move |reader| reader.story(&id)).await {
        Ok(view) => render(StatusCode::OK, &StoryPage { title: view.story.label.clone(), view }),
        Err(error) => failed(error, "No story has this id."),
    }
}

#[derive(Template)]
#[template(path = "article.html")]
struct ArticlePage {
    title: String,
    meta: Vec<(&'static str, String)>,
    view: ArticleView,
}

async fn article(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    let view = match read(&state, move |reader| reader.article(&id)).await {
        Ok(view) => view,
        Err(error) => return failed(error, "No article has this id."),
    };
    let shown = &view.article;
    let meta = [
        ("Outlet", shown.outlet.clone()),
        ("Published", shown.published.clone()),
        ("URL", shown.url.clone()),
        ("Language", shown.language.clone()),
        ("Source", Some(shown.source.clone())),
        ("Duplicate of", shown.duplicate_of.clone()),
    ];
    let meta = meta.into_iter().filter_map(|(label, value)| Some((label, value?))).collect();
    let title = shown.title.clone().unwrap_or_else(|| "Article".into());
    render(StatusCode::OK, &ArticlePage { title, meta, view })
}

#[derive(Template)]
#[template(path = "entity.html")]
struct EntityPage {
    title: String,
    chart: Option<Chart>,
    view: EntityView,
}

async fn entity(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    match read(&state, move |reader| reader.entity(&id)).await {
        Ok(view) => {
            let chart = chart(&view.mentions_over_time, "Mentions per day");
            render(StatusCode::OK, &EntityPage { title: view.entity.name.clone(), chart, view })
        }
        Err(error) => failed(error, "No entity has this id."),
    }
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    title: &'static str,
    kinds: [(&'static str, &'static str); 3],
    form: SearchParams,
    results: Option<dossier_app::SearchResults>,
    error: Option<String>,
}

impl SearchPage {
    fn date_of(&self, days: &Option<i64>) -> String {
        days.and_then(dossier_app::search::date_of).map(|d| d.to_string()).unwrap_or_default()
    }
}

async fn search(State(state): State<Arc<AppState>>, Query(form): Query<SearchParams>) -> Response {
    let mut page = SearchPage {
        title: "Search",
        kinds: [("", "Articles and quotes"), ("article", "Articles"), ("quote", "Quotes")],
        form,
        results: None,
        error: None,
    };
    let mut status = StatusCode::OK;
    if page.form.q.is_some() || page.form.speaker.is_some() || page.form.outlet.is_some() {
        match api::run_search(&state, &page.form).await {
            Ok(results) => page.results = Some(results),
            Err(error) => {
                status = error.status();
                page.error = Some(error.message().to_string());
            }
        }
    }
    render(status, &page)
}
