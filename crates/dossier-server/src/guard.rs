//! What keeps the server up and honest under hostile or careless clients: its own
//! accept loop (a cap on connections, a deadline for request headers), a deadline
//! for every request but uploads (which keep their own and roll back past it), JSON
//! errors everywhere under `/api/`, and security headers on every response.

use crate::api::ApiErrorBody;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Limits on connections, whatever their requests.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// A client that has not sent a request's headers by then is disconnected.
    pub header_timeout: Duration,
    pub max_connections: usize,
    /// A connection with no request at all for this long is closed.
    pub idle_timeout: Duration,
}

/// Longest URI served; longer ones get 414 (in JSON under `/api/`).
const MAX_URI_BYTES: usize = 32 * 1024;

/// Serves `app` on `listener` until `shutdown` resolves. Each connection holds one of
/// `max_connections` permits (further clients wait in the listen queue), and hyper
/// closes a connection whose request headers do not arrive within `header_timeout`,
/// so slow clients cannot hold the server.
pub async fn serve_connections(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit?,
            () = &mut shutdown => return Ok(()),
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return Ok(()),
        };
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            // A connection that never finishes (a body trickled in forever) is cut.
            let _ = tokio::time::timeout(limits.idle_timeout * 4, connection).await;
        });
    }
}

fn is_upload(request: &Request) -> bool {
    request.method() == Method::POST && request.uri().path() == "/api/articles"
}

/// Every request but an upload answers within the configured time, or gets 408.
/// An upload keeps its own deadline, decided before its commit, so that an upload
/// answered 408 has left nothing behind.
pub async fn timeout_except_uploads(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if is_upload(&request) {
        return next.run(request).await;
    }
    match tokio::time::timeout(state.config.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (StatusCode::REQUEST_TIMEOUT, "the request took too long and was stopped").into_response(),
    }
}

/// A URI longer than [`MAX_URI_BYTES`] is answered 414 before any handler reads it.
pub async fn bounded_uri(request: Request, next: Next) -> Response {
    if request.uri().to_string().len() > MAX_URI_BYTES {
        let message = format!("the request's URI is longer than {MAX_URI_BYTES} bytes");
        return (StatusCode::URI_TOO_LONG, message).into_response();
    }
    next.run(request).await
}

/// Under `/api/`, every error is `{"error": "…"}`, whoever produced it (a body limit,
/// a path that does not decode, an unknown route, a method not allowed, a timeout).
pub async fn json_errors_under_api(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let under_api = path == "/api" || path.starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    let content_type =
        response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if !under_api
        || content_type.starts_with("application/json")
        || !(status.is_client_error() || status.is_server_error())
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    // A plain-text reason is kept; a page (the UI's "not found") is not an API message.
    let message = match text.trim() {
        given if !given.is_empty() && !content_type.starts_with("text/html") => given.to_string(),
        _ if status == StatusCode::NOT_FOUND => "no such API endpoint".to_string(),
        _ => status.canonical_reason().unwrap_or("error").to_string(),
    };
    let json = Json(ApiErrorBody { error: message }).into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Response::from_parts(parts, json.into_body())
}

/// The page's own resources only, no framing, no sniffing, no referrer.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
