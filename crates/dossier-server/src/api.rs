//! The JSON API under `/api/`. Errors are `{"error": "…"}` with the fitting status.

use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use dossier_app::export::ExportQuote;
use dossier_app::follow::{self, FollowedSource};
use dossier_app::read::{
    self, ArticleSummary, ArticleView, EntityView, Page, QuoteFilter, Reader, StorySummary, StoryView, Window,
};
use dossier_app::{ingest, search, ArticleFilter};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use utoipa::{IntoParams, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(title = "Dossier API", description = "News-story intelligence: articles, stories, entities, quotes, search."),
    paths(
        list_articles,
        get_article,
        upload_article,
        list_stories,
        get_story,
        list_entities,
        get_entity,
        list_quotes,
        search_dossier,
        counts,
        story_report,
        list_sources,
        add_source,
        remove_source
    ),
    components(schemas(
        ApiErrorBody,
        ArticlePage,
        ArticleSummary,
        StorySummary,
        StoryView,
        EntityView,
        ArticleView,
        UploadResult,
        FollowedSource,
        NewSource,
        Counts
    ))
)]
pub struct ApiDoc;

type Shared = State<Arc<AppState>>;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/articles", get(list_articles).post(upload_article))
        .route("/api/articles/{id}", get(get_article))
        .route("/api/stories", get(list_stories))
        .route("/api/stories/{id}", get(get_story))
        .route("/api/entities", get(list_entities))
        .route("/api/entities/{id}", get(get_entity))
        .route("/api/quotes", get(list_quotes))
        .route("/api/search", get(search_dossier))
        .route("/api/counts", get(counts))
        .route("/api/stories/{id}/report", get(story_report))
        .route("/api/sources", get(list_sources).post(add_source))
        .route("/api/sources/{id}", axum::routing::delete(remove_source))
        .route("/api/openapi.json", get(openapi))
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such API endpoint") }),
        )
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorBody {
    pub error: String,
}

pub struct ApiError(StatusCode, String);

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError(status, message.into())
    }

    pub fn status(&self) -> StatusCode {
        self.0
    }

    pub fn message(&self) -> &str {
        &self.1
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(ApiErrorBody { error: self.1 })).into_response()
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, rejection.body_text())
    }
}

impl From<anyhow::Error> for ApiError {
    /// An id naming nothing is a 404, a prefix naming several things a 400 that lists
    /// them, a query that does not parse a 400; anything else is the server's fault.
    fn from(error: anyhow::Error) -> ApiError {
        let status = if read::is_not_found(&error) {
            StatusCode::NOT_FOUND
        } else if read::is_bad_request(&error) {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        ApiError::new(status, format!("{error:#}"))
    }
}

/// Runs a read of the store on a blocking thread (SQLite reads block), with a
/// connection of the reader pool.
pub async fn read<T: Send + 'static>(
    state: &Arc<AppState>,
    read: impl FnOnce(&Reader) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || read(&state.live.reader))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("the read failed: {e}")))?
        .map_err(ApiError::from)
}

type ApiResult<T> = Result<Json<T>, ApiError>;

fn parse_date(value: Option<&str>, name: &str) -> Result<Option<chrono::NaiveDate>, ApiError> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| {
            dossier_app::text::parse_date(v).ok_or_else(|| {
                ApiError::new(StatusCode::BAD_REQUEST, format!("{name}: {v:?} is not a date (YYYY-MM-DD)"))
            })
        })
        .transpose()
}

/// Which page of a list: every list is served in pages, so its answer stays small
/// whatever the size of the dossier.
#[derive(Debug, Default, Clone, Copy, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// From 1.
    pub page: Option<usize>,
    /// At most 200; 50 when not given.
    pub per_page: Option<usize>,
}

/// The most items one page of a list holds.
pub const MAX_PER_PAGE: usize = 200;

impl Paging {
    pub fn window(self) -> Window {
        Window { page: self.page.unwrap_or(1).max(1), per_page: self.per_page.unwrap_or(50).clamp(1, MAX_PER_PAGE) }
    }
}

/// A page of a list as a JSON array, with the list's full length in `X-Total-Count`.
fn paged<T: Serialize>(page: Page<T>) -> Response {
    ([("x-total-count", page.total.to_string())], Json(page.items)).into_response()
}

/// Article filters and pagination.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleFilterParams {
    pub outlet: Option<String>,
    /// Story id or prefix.
    pub story: Option<String>,
    /// YYYY-MM-DD, inclusive.
    pub from: Option<String>,
    /// YYYY-MM-DD, inclusive.
    pub to: Option<String>,
    pub language: Option<String>,
    /// From 1.
    pub page: Option<usize>,
    /// At most 200.
    pub per_page: Option<usize>,
}

/// A page of articles.
pub type ArticlePage = Page<ArticleSummary>;

/// List articles, newest first.
#[utoipa::path(get, path = "/api/articles", params(ArticleFilterParams),
    responses((status = 200, body = ArticlePage), (status = 400, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn list_articles(
    State(state): Shared,
    params: Result<Query<ArticleFilterParams>, QueryRejection>,
) -> ApiResult<ArticlePage> {
    let Query(params) = params?;
    let from = parse_date(params.from.as_deref(), "from")?.map(|d| d.to_string());
    let to = parse_date(params.to.as_deref(), "to")?.map(|d| d.to_string());
    let window = Paging { page: params.page, per_page: params.per_page }.window();
    let page = read(&state, move |reader| {
        let story = params.story.as_deref().map(|s| reader.story_id(s)).transpose()?;
        let filter = ArticleFilter { outlet: params.outlet, story, from, to, language: params.language };
        reader.articles(&filter, window)
    })
    .await?;
    Ok(Json(page))
}

/// One article: clean text, metadata, entities and quotes.
#[utoipa::path(get, path = "/api/articles/{id}", params(("id" = String, Path, description = "Article id or unique prefix")),
    responses((status = 200, body = ArticleView), (status = 404, body = ApiErrorBody)))]
async fn get_article(State(state): Shared, Path(id): Path<String>) -> ApiResult<ArticleView> {
    Ok(Json(read(&state, move |reader| reader.article(&id)).await?))
}

/// List stories, largest first, with their span, outlets and articles per day; one page at a time.
#[utoipa::path(get, path = "/api/stories", params(Paging),
    responses((status = 200, body = Vec<StorySummary>, headers(("x-total-count" = usize, description = "How many stories in all")))))]
async fn list_stories(
    State(state): Shared,
    paging: Result<Query<Paging>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(paging) = paging?;
    Ok(paged(read(&state, move |reader| reader.stories(paging.window())).await?))
}

/// One story: sources with duplicates folded and their differences, timeline, quotes by
/// speaker, coverage; long lists bounded (see `limits`; all its articles page through
/// `/api/articles?story=ID`, all its quotes through `/api/quotes?story=ID`).
#[utoipa::path(get, path = "/api/stories/{id}", params(("id" = String, Path, description = "Story id or unique prefix")),
    responses((status = 200, body = StoryView), (status = 404, body = ApiErrorBody)))]
async fn get_story(State(state): Shared, Path(id): Path<String>) -> ApiResult<StoryView> {
    Ok(Json(read(&state, move |reader| reader.story(&id)).await?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntityFilter {
    /// person, organization or place.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
}

/// List entities: one per entity across spellings, most articles first; one page at a time.
#[utoipa::path(get, path = "/api/entities", params(EntityFilter, Paging),
    responses((status = 200, body = Vec<Object>, headers(("x-total-count" = usize, description = "How many entities match")))))]
async fn list_entities(
    State(state): Shared,
    filter: Result<Query<EntityFilter>, QueryRejection>,
    paging: Result<Query<Paging>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (Query(filter), Query(paging)) = (filter?, paging?);
    Ok(paged(read(&state, move |reader| reader.entities(filter.kind.as_deref(), paging.window())).await?))
}

/// One entity with its quotes, the articles naming it and its mentions per day.
#[utoipa::path(get, path = "/api/entities/{id}", params(("id" = String, Path, description = "Entity id, e.g. person-sergei-ryabkov")),
    responses((status = 200, body = EntityView), (status = 404, body = ApiErrorBody)))]
async fn get_entity(State(state): Shared, Path(id): Path<String>) -> ApiResult<EntityView> {
    Ok(Json(read(&state, move |reader| reader.entity(&id)).await?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuoteFilterParams {
    /// Any spelling of the speaker's name.
    pub speaker: Option<String>,
    /// Story id or prefix.
    pub story: Option<String>,
    /// Reported by this outlet.
    pub outlet: Option<String>,
}

/// Quotes, one per quote across the articles reporting it; one page at a time.
#[utoipa::path(get, path = "/api/quotes", params(QuoteFilterParams, Paging),
    responses((status = 200, body = Vec<ExportQuote>, headers(("x-total-count" = usize, description = "How many quotes match"))), (status = 404, body = ApiErrorBody)))]
async fn list_quotes(
    State(state): Shared,
    filter: Result<Query<QuoteFilterParams>, QueryRejection>,
    paging: Result<Query<Paging>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (Query(filter), Query(paging)) = (filter?, paging?);
    let filter = QuoteFilter { speaker: filter.speaker, story: filter.story, outlet: filter.outlet };
    Ok(paged(read(&state, move |reader| reader.quotes(&filter, paging.window())).await?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words, "phrases", +must -not; empty lists by filters alone.
    pub q: Option<String>,
    /// article or quote.
    pub kind: Option<String>,
    pub outlet: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub story: Option<String>,
    pub speaker: Option<String>,
    pub entity: Option<String>,
    pub language: Option<String>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

/// Full-text search over articles and quotes (BM25), with highlighted snippets.
#[utoipa::path(get, path = "/api/search", params(SearchParams), responses((status = 200, body = Object), (status = 400, body = ApiErrorBody)))]
async fn search_dossier(State(state): Shared, params: Result<Query<SearchParams>, QueryRejection>) -> ApiResult<Value> {
    let Query(params) = params?;
    let results = run_search(&state, &params).await?;
    Ok(Json(serde_json::to_value(results).map_err(anyhow::Error::from)?))
}

/// Articles per publication day (quotes with `kind=quote`) for a search, a story, an
/// outlet or any of the search's filters: a chart's data, as Media Cloud's counts over time.
#[utoipa::path(get, path = "/api/counts", params(SearchParams),
    responses((status = 200, body = Counts), (status = 400, body = ApiErrorBody)))]
async fn counts(State(state): Shared, params: Result<Query<SearchParams>, QueryRejection>) -> ApiResult<Counts> {
    let Query(params) = params?;
    let query = search_query(&params)?;
    let searcher = state.clone();
    let per_day = read(&state, move |reader| reader.per_day(&searcher.live.index, &query)).await?;
    Ok(Json(Counts { total: per_day.iter().map(|d| d.count).sum(), per_day }))
}

/// Matches per day, oldest first, and their sum (undated matches are not counted).
#[derive(Debug, Serialize, ToSchema)]
pub struct Counts {
    pub total: usize,
    pub per_day: Vec<read::DayCount>,
}

fn search_query(params: &SearchParams) -> Result<search::Query, ApiError> {
    Ok(search::Query {
        text: params.q.clone().unwrap_or_default(),
        kind: params.kind.clone().filter(|k| !k.is_empty()),
        outlet: params.outlet.clone().filter(|o| !o.is_empty()),
        from: parse_date(params.from.as_deref(), "from")?,
        to: parse_date(params.to.as_deref(), "to")?,
        story: params.story.clone().filter(|s| !s.is_empty()),
        speaker: params.speaker.clone().filter(|s| !s.is_empty()),
        entity: params.entity.clone().filter(|e| !e.is_empty()),
        language: params.language.clone().filter(|l| !l.is_empty()),
    })
}

pub async fn run_search(state: &Arc<AppState>, params: &SearchParams) -> Result<dossier_app::SearchResults, ApiError> {
    let query = search_query(params)?;
    let (limit, offset) = (params.limit.unwrap_or(20).clamp(1, 100), params.offset.unwrap_or(0));
    let searcher = state.clone();
    read(state, move |reader| reader.search(&searcher.live.index, &query, limit, offset)).await
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// A label for the upload (its extension hints at the format: .html, .md, .txt). Never a path.
    pub name: Option<String>,
    /// Replace the article uploaded earlier under this `name` (with the token). Without it, each
    /// upload's label carries a hash of its content, so different uploads never replace one another.
    pub replace: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadResult {
    pub articles: Vec<String>,
    pub inserted: usize,
    pub unchanged: usize,
    pub replaced: usize,
    pub warnings: Vec<String>,
}

/// A story as a Markdown report: timeline, who said what with the first reporter,
/// sources, who reported what.
#[utoipa::path(get, path = "/api/stories/{id}/report", params(("id" = String, Path, description = "Story id or unique prefix")),
    responses((status = 200, content_type = "text/markdown", body = String), (status = 404, body = ApiErrorBody)))]
async fn story_report(State(state): Shared, Path(id): Path<String>) -> Result<Response, ApiError> {
    let view = read(&state, move |reader| reader.story(&id)).await?;
    let body = dossier_app::story_report::markdown(&view);
    Ok(([(header::CONTENT_TYPE, "text/markdown; charset=utf-8")], body).into_response())
}

/// The sources `serve --follow` (or `dossier follow run`) keeps checking.
#[utoipa::path(get, path = "/api/sources", responses((status = 200, body = [FollowedSource])))]
async fn list_sources(State(state): Shared) -> ApiResult<Vec<FollowedSource>> {
    let state = state.clone();
    blocking(move || state.live.sources()).await.map(Json)
}

/// A source to follow: a feed, sitemap or page address, or a folder on the server.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSource {
    pub location: String,
    /// How often: 90s, 15m, 2h, 1d (default 15m; web sources at most every minute).
    pub every: Option<String>,
}

/// Follow a source. Needs `Authorization: Bearer TOKEN`.
#[utoipa::path(post, path = "/api/sources", request_body = NewSource,
    responses((status = 201, body = FollowedSource), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)),
    security(("bearer" = [])))]
async fn add_source(
    State(state): Shared,
    headers: HeaderMap,
    body: Result<Json<NewSource>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<FollowedSource>), ApiError> {
    authorize(&state, &headers)?;
    let Json(new) = body.map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.body_text()))?;
    let unprocessable = |e: anyhow::Error| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}"));
    let every = follow::parse_interval(new.every.as_deref().unwrap_or("15m")).map_err(unprocessable)?;
    let state = state.clone();
    let added = tokio::task::spawn_blocking(move || state.live.add_source(&new.location, every))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(unprocessable)?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// Stop following a source (its id); its articles stay. Needs `Authorization: Bearer TOKEN`.
#[utoipa::path(delete, path = "/api/sources/{id}", params(("id" = String, Path, description = "The source's id")),
    responses((status = 204), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)),
    security(("bearer" = [])))]
async fn remove_source(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    authorize(&state, &headers)?;
    let state = state.clone();
    blocking(move || state.live.remove_source(&id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs a store write (or a read outside the reader pool) on a blocking thread.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> anyhow::Result<T> + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("the request failed: {e}")))?
        .map_err(ApiError::from)
}

/// Where an upload stands: only one of committing it and giving up on it can happen.
const UPLOAD_RUNNING: u8 = 0;
const UPLOAD_COMMITTING: u8 = 1;
const UPLOAD_ABANDONED: u8 = 2;

/// Ingest an uploaded article (text or HTML body). Needs `Authorization: Bearer TOKEN`.
/// The upload is stored and visible when this answers 201, and nothing of it is kept
/// when it answers anything else (a timeout included).
#[utoipa::path(post, path = "/api/articles", params(UploadParams),
    request_body(content = String, content_type = "text/plain", description = "The article: plain text, markdown or HTML"),
    responses((status = 201, body = UploadResult), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 408, body = ApiErrorBody), (status = 413, body = ApiErrorBody), (status = 422, body = ApiErrorBody)),
    security(("bearer" = [])))]
async fn upload_article(
    State(state): Shared,
    params: Result<Query<UploadParams>, QueryRejection>,
    request: axum::extract::Request,
) -> Result<(StatusCode, Json<UploadResult>), ApiError> {
    // The token is checked before a byte of the body is read.
    authorize(&state, request.headers())?;
    let Query(params) = params?;
    let html =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|c| c.contains("html"));
    let limit = state.config.body_limit;
    let deadline = tokio::time::Instant::now() + state.config.timeout;
    let body = tokio::time::timeout_at(deadline, axum::body::to_bytes(request.into_body(), limit))
        .await
        .map_err(|_| ApiError::new(StatusCode::REQUEST_TIMEOUT, "the body did not arrive in time; nothing was stored"))?
        .map_err(|_| {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("the body is larger than the {limit}-byte limit"))
        })?;
    if body.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the body is empty: send the article's text or HTML",
        ));
    }
    let replace = params.replace.unwrap_or(false);
    if replace && params.name.is_none() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "replace=true needs the name of the upload to replace",
        ));
    }
    let source = upload_source(params.name.as_deref(), html, &body, replace);
    let summary = store_upload(&state, source, body, deadline).await?;
    if summary.articles.is_empty() {
        let reasons: Vec<String> = summary.problems.iter().map(|p| p.reason.clone()).collect();
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("no article in the upload: {}", reasons.join("; ")),
        ));
    }
    Ok((
        StatusCode::CREATED,
        Json(UploadResult {
            articles: summary.articles.iter().map(|a| a.id.clone()).collect(),
            inserted: summary.inserted,
            unchanged: summary.unchanged,
            replaced: summary.replaced,
            warnings: summary.problems.iter().map(|p| p.reason.clone()).collect(),
        }),
    ))
}

fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = state.config.token.as_deref() else {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "read-only: start the server with --token to accept uploads"));
    };
    // The scheme's name is case-insensitive (RFC 9110): "bearer" is "Bearer".
    let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| {
        let (scheme, credentials) = v.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| credentials.trim())
    });
    if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), token.as_bytes())) {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "missing or wrong bearer token"));
    }
    Ok(())
}

/// Writes an upload, with its groups, stories and search documents, within the
/// request's time: either it is committed and visible, or (past the deadline) it is
/// rolled back and the client hears so. The write lock is held until the write is
/// over, whatever happened to the request.
async fn store_upload(
    state: &Arc<AppState>,
    source: String,
    body: Bytes,
    deadline: tokio::time::Instant,
) -> Result<ingest::Summary, ApiError> {
    let too_slow = || ApiError::new(StatusCode::REQUEST_TIMEOUT, "the upload took too long; nothing was stored");
    let lock = tokio::time::timeout_at(deadline, state.writing.clone().lock_owned()).await.map_err(|_| too_slow())?;
    let decision = Arc::new(std::sync::atomic::AtomicU8::new(UPLOAD_RUNNING));
    let writer_state = state.clone();
    let writer_decision = decision.clone();
    let mut task = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let _lock = lock;
        let options = ingest::Options { max_file_size: writer_state.config.body_limit as u64, ..Default::default() };
        let may_commit = || {
            writer_decision
                .compare_exchange(UPLOAD_RUNNING, UPLOAD_COMMITTING, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        };
        writer_state.live.upload(&source, &body, &options, may_commit)
    });
    let outcome = match tokio::time::timeout_at(deadline, &mut task).await {
        Ok(outcome) => outcome,
        Err(_) => {
            let abandoned =
                decision.compare_exchange(UPLOAD_RUNNING, UPLOAD_ABANDONED, Ordering::SeqCst, Ordering::SeqCst).is_ok();
            if abandoned {
                return Err(too_slow());
            }
            // The commit is under way: it lands, so the client hears that it did.
            task.await
        }
    };
    Ok(outcome.map_err(|e| anyhow::anyhow!("upload failed: {e}"))??)
}

/// The upload's source: `upload:` and the given name reduced to a plain file name (no
/// folders, no dots in front) with an extension saying what it is. Unless the client
/// asks to replace that name, a hash of the content is added, so two different
/// uploads are never one article and the same upload again changes nothing.
fn upload_source(given: Option<&str>, html: bool, body: &[u8], replace: bool) -> String {
    let name = upload_name(given, html);
    if replace {
        return format!("upload:{name}");
    }
    let hash = dossier_app::text::short_hash_bytes(body);
    let (stem, extension) = name.rsplit_once('.').unwrap_or((&name, "txt"));
    format!("upload:{stem}-{}.{extension}", &hash[..12])
}

/// The given name reduced to a plain file name with an extension saying what it is.
fn upload_name(given: Option<&str>, html: bool) -> String {
    let base: String = given
        .unwrap_or("upload")
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("upload")
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(80)
        .collect();
    let base = base.trim_start_matches('.');
    let base = if base.is_empty() { "upload" } else { base };
    let known = [".html", ".htm", ".md", ".txt", ".json", ".jsonl"].iter().any(|e| base.ends_with(e));
    match (known, html) {
        (true, _) => base.to_string(),
        (false, true) => format!("{base}.html"),
        (false, false) => format!("{base}.txt"),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn openapi() -> Response {
    let mut doc = ApiDoc::openapi();
    let scheme = utoipa::openapi::security::SecurityScheme::Http(utoipa::openapi::security::Http::new(
        utoipa::openapi::security::HttpAuthScheme::Bearer,
    ));
    doc.components.get_or_insert_with(Default::default).add_security_scheme("bearer", scheme);
    let body = doc.to_pretty_json().unwrap_or_else(|e| json!({"error": e.to_string()}).to_string());
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_never_carry_paths() {
        assert_eq!(upload_name(Some("../../etc/passwd"), false), "passwd.txt");
        assert_eq!(upload_name(Some("..\\x\\page.html"), false), "page.html");
        assert_eq!(upload_name(Some("..."), true), "upload.html");
        assert_eq!(upload_name(None, false), "upload.txt");
        let (one, two) = (upload_source(None, false, b"one", false), upload_source(None, false, b"two", false));
        assert!(one.starts_with("upload:upload-") && one.ends_with(".txt") && one != two, "{one} {two}");
        assert_eq!(upload_source(None, false, b"one", false), one);
        assert_eq!(upload_source(Some("a.html"), true, b"one", true), "upload:a.html");
        assert!(
            constant_time_eq(b"abc", b"abc") && !constant_time_eq(b"abc", b"abd") && !constant_time_eq(b"a", b"ab")
        );
    }
}
