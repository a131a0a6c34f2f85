//! The dossier over HTTP: a JSON API under `/api/` (described by `/api/openapi.json`,
//! generated from the handlers) and a server-rendered web UI, from one binary.
//!
//! Read-only unless started with a token; uploading an article needs
//! `Authorization: Bearer TOKEN`. Request bodies are size-limited, requests time out,
//! and no part of a request is ever used as a file path.

mod api;
mod pages;

mod guard;

use axum::Router;
use dossier_app::live::Live;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;

pub use api::ApiDoc;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The dossier's store file.
    pub db: PathBuf,
    /// With a token, `POST /api/articles` accepts uploads that carry it.
    pub token: Option<String>,
    /// Largest request body accepted, in bytes (and largest upload once inflated).
    pub body_limit: usize,
    /// Longest a request may take; an upload that takes longer is rolled back.
    pub timeout: Duration,
    /// Longest a client may take to send a request's headers before it is disconnected.
    pub header_timeout: Duration,
    /// Most connections served at once; more wait to be accepted.
    pub max_connections: usize,
}

impl Config {
    pub fn new(db: PathBuf) -> Config {
        Config {
            db,
            token: None,
            body_limit: 2 * 1024 * 1024,
            timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
            max_connections: 1024,
        }
    }
}

/// A token must be something: an empty one would announce uploads that none could make.
pub fn check_token(token: &str) -> Result<(), String> {
    if token.trim().is_empty() {
        Err("the token is empty; give a secret, or no --token for a read-only server".into())
    } else {
        Ok(())
    }
}

/// What every request sees: the configuration, the store (read per request through a
/// small pool of read-only connections) and its search index.
pub struct AppState {
    config: Config,
    live: Live,
    /// Writes to the search index go one at a time (an upload, or catching up with
    /// another process's writes); uploads hold it until they are done or rolled back.
    writing: Arc<tokio::sync::Mutex<()>>,
}

fn say(message: &str) {
    eprintln!("dossier: {}", dossier_app::text::escape_controls(message));
}

/// The application: API, UI and static files, with limits, timeouts, JSON errors
/// under `/api/` and security headers.
pub fn router(config: Config) -> anyhow::Result<Router> {
    Ok(application(config)?.0)
}

/// The application and the state its requests share.
fn application(config: Config) -> anyhow::Result<(Router, Arc<AppState>)> {
    if let Some(token) = &config.token {
        check_token(token).map_err(anyhow::Error::msg)?;
    }
    let live = Live::open(&config.db, &mut |message| say(message))?;
    let limit = config.body_limit;
    let state = Arc::new(AppState { config, live, writing: Default::default() });
    let app = api::routes()
        .merge(pages::routes())
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard::timeout_except_uploads))
        .with_state(state.clone())
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(axum::middleware::from_fn(guard::bounded_uri))
        .layer(axum::middleware::from_fn(guard::json_errors_under_api))
        .layer(axum::middleware::from_fn(guard::security_headers));
    Ok((app, state))
}

/// How often the server looks for writes made by another process (a CLI `analyze`).
const FOLLOW_EVERY: Duration = Duration::from_millis(500);

/// Keeps the search index up with the store when another process writes to it (pages
/// read the store itself, so they see such writes at once): the store's generation is
/// read twice a second (one indexed row), and a change brings the index up to it.
async fn follow_store(state: Arc<AppState>) {
    let mut ticks = tokio::time::interval(FOLLOW_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut seen = state.live.reader.generation().unwrap_or_default();
    loop {
        ticks.tick().await;
        let follower = state.clone();
        let followed = tokio::task::spawn_blocking(move || -> anyhow::Result<Option<i64>> {
            // An upload in this process holds the lock while it writes, and catches up by itself.
            let Ok(_writing) = follower.writing.try_lock() else { return Ok(None) };
            follower.live.follow(seen).map(Some)
        })
        .await;
        match followed {
            Ok(Ok(Some(generation))) => seen = generation,
            Ok(Ok(None)) | Err(_) => {}
            Ok(Err(error)) => say(&format!("could not follow the store: {error:#}")),
        }
    }
}

/// Serves until Ctrl-C. `on_ready` gets the bound address (port 0 picks a free one).
pub async fn serve(config: Config, addr: SocketAddr, on_ready: impl FnOnce(SocketAddr)) -> anyhow::Result<()> {
    let limits = guard::ConnectionLimits {
        header_timeout: config.header_timeout,
        max_connections: config.max_connections,
        idle_timeout: config.timeout,
    };
    let (app, state) = application(config)?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    on_ready(listener.local_addr()?);
    tokio::spawn(follow_store(state));
    guard::serve_connections(listener, app, limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// Serves from a thread of its own runtime until Ctrl-C (for the command line).
pub fn serve_blocking(config: Config, addr: SocketAddr, on_ready: impl FnOnce(SocketAddr)) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(serve(config, addr, on_ready))
}
