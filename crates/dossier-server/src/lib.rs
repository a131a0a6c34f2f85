//! The dossier over HTTP: a JSON API under `/api/` (described by `/api/openapi.json`,
//! generated from the handlers) and a server-rendered web UI, from one binary.
//!
//! Read-only unless started with a token; uploading an article needs
//! `Authorization: Bearer TOKEN`. Request bodies are size-limited, requests time out,
//! and no part of a request is ever used as a file path.

mod api;
mod pages;
mod views;

mod guard;

use axum::Router;
use dossier_pipeline::Dossier;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::RwLock;
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

/// What every request sees: the configuration and the dossier as last loaded.
pub struct AppState {
    config: Config,
    dossier: RwLock<Arc<Dossier>>,
    /// The search index, opened once; uploads refresh it.
    index: dossier_search::SearchIndex,
    /// Uploads are written one at a time; the lock is held until a write is done or rolled back.
    writing: Arc<tokio::sync::Mutex<()>>,
}

impl AppState {
    async fn dossier(&self) -> Arc<Dossier> {
        self.dossier.read().await.clone()
    }
}

fn load(db: &std::path::Path) -> anyhow::Result<Dossier> {
    let mut store = dossier_store::Store::open(db)?;
    dossier_pipeline::ingest::refresh_findings(&mut store, false)?;
    Dossier::load(&store)
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
    let dossier = load(&config.db)?;
    let store = dossier_store::Store::open(&config.db)?;
    let index = dossier_pipeline::search::open_index(&config.db, &store, &mut |message| {
        eprintln!("dossier: {}", dossier_core::text::escape_controls(message))
    })?;
    drop(store);
    let limit = config.body_limit;
    let state =
        Arc::new(AppState { config, dossier: RwLock::new(Arc::new(dossier)), index, writing: Default::default() });
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

/// Keeps the served dossier and its search index up with the store when another process
/// writes to it: the store's generation is read twice a second (one indexed row), and a
/// change reloads the dossier and brings the index up to it, off the request threads.
async fn follow_store(state: Arc<AppState>) {
    let mut ticks = tokio::time::interval(FOLLOW_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        let served = state.dossier().await.generation;
        let follower = state.clone();
        let reloaded = tokio::task::spawn_blocking(move || -> anyhow::Result<Option<Dossier>> {
            let store = dossier_store::Store::open(&follower.config.db)?;
            if store.generation()? == served {
                return Ok(None);
            }
            // An upload in this process holds the lock while it writes, and reloads by itself.
            let Ok(_writing) = follower.writing.try_lock() else { return Ok(None) };
            let dossier = load(&follower.config.db)?;
            dossier_pipeline::search::catch_up(&follower.index, &store)?;
            Ok(Some(dossier))
        })
        .await;
        match reloaded {
            Ok(Ok(Some(dossier))) => *state.dossier.write().await = Arc::new(dossier),
            Ok(Ok(None)) => {}
            Ok(Err(error)) => eprintln!(
                "dossier: could not follow the store: {}",
                dossier_core::text::escape_controls(&format!("{error:#}"))
            ),
            Err(_) => {}
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
