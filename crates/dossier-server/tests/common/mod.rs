//! A server on the seeds, on an ephemeral loopback port, and a small HTTP client.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// Ingests the seeds into a fresh store and serves it; the folder lives as long as the guard.
pub fn serve_seeds(token: Option<&str>) -> (tempfile::TempDir, SocketAddr) {
    serve_seeds_with(token, std::time::Duration::from_secs(30))
}

/// As `serve_seeds`, with a request timeout.
pub fn serve_seeds_with(token: Option<&str>, timeout: std::time::Duration) -> (tempfile::TempDir, SocketAddr) {
    serve_seeds_configured(token, |config| config.timeout = timeout)
}

/// As `serve_seeds`, with the configuration adjusted by `configure`.
pub fn serve_seeds_configured(
    token: Option<&str>,
    configure: impl FnOnce(&mut dossier_server::Config),
) -> (tempfile::TempDir, SocketAddr) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("seeds.db");
    let mut store = dossier_store::Store::open(&db).unwrap();
    let options = dossier_app::ingest::Options::default();
    dossier_app::ingest::ingest(&mut store, &[workspace_root().join("examples/seeds")], &options).unwrap();
    drop(store);
    let mut config = dossier_server::Config::new(db);
    config.token = token.map(str::to_string);
    config.body_limit = 64 * 1024;
    configure(&mut config);
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
        dossier_server::serve_blocking(config, addr, move |bound| sender.send(bound).unwrap()).unwrap();
    });
    let addr = receiver.recv_timeout(std::time::Duration::from_secs(60)).expect("server did not start");
    (dir, addr)
}

pub struct Response {
    pub status: u16,
    /// The status line and headers, lower-cased.
    pub head: String,
    pub content_type: String,
    pub body: String,
}

impl Response {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One HTTP/1.1 request with `Connection: close`.
pub fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").map_or(raw.len(), |i| i + 4);
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let content_type =
        head.lines().find_map(|l| l.strip_prefix("content-type:").map(|v| v.trim().to_string())).unwrap_or_default();
    let body = if head.contains("transfer-encoding: chunked") { dechunk(&raw[split..]) } else { raw[split..].to_vec() };
    Response { status, head, content_type, body: String::from_utf8_lossy(&body).into_owned() }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&body[..line_end]).ok().and_then(|s| usize::from_str_radix(s.trim(), 16).ok());
        let rest = &body[line_end + 2..];
        match size {
            Some(size) if size > 0 && rest.len() >= size => {
                out.extend_from_slice(&rest[..size]);
                body = rest[size..].strip_prefix(b"\r\n").unwrap_or(&rest[size..]);
            }
            _ => break,
        }
    }
    out
}

pub fn get(addr: SocketAddr, path: &str) -> Response {
    request(addr, "GET", path, &[], b"")
}
