//! Pages over HTTP(S), politely: a user agent that says who is asking, robots.txt
//! honoured (RFC 9309, read once per site), a delay between requests to one site (or
//! the longer one the site asks for), timeouts, a size limit, redirects followed by
//! hand so that each hop is checked against robots.txt, gzip and brotli, and
//! conditional requests (ETag, Last-Modified) for pages fetched before.

pub use dossier_core::capture::is_web_address;
use dossier_core::capture::robots::Robots;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};
use url::Url;

/// The product token robots.txt groups are matched against.
pub const AGENT_TOKEN: &str = "dossier";

#[derive(Debug, Clone)]
pub struct FetchOptions {
    pub user_agent: String,
    /// Least time between two requests to one site.
    pub per_host_delay: Duration,
    /// For the whole of one request, connection and body included.
    pub timeout: Duration,
    pub max_bytes: u64,
    pub max_redirects: u8,
}

impl Default for FetchOptions {
    fn default() -> FetchOptions {
        FetchOptions {
            user_agent: format!("dossier/{} (news-story research; honours robots.txt)", env!("CARGO_PKG_VERSION")),
            per_host_delay: Duration::from_secs(1),
            timeout: Duration::from_secs(30),
            max_bytes: 16 * 1024 * 1024,
            max_redirects: 5,
        }
    }
}

/// What a server said about a page's version, sent back to ask only for a newer one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A fetched page.
#[derive(Debug, Clone)]
pub struct Page {
    /// Where it was found after redirects.
    pub url: String,
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    /// RFC 3339 time of the fetch.
    pub at: String,
    pub validators: Validators,
}

impl Page {
    /// The charset the server declared for the page, if any.
    pub fn charset(&self) -> Option<&str> {
        dossier_core::capture::decode::charset_of(self.content_type.as_deref()?)
    }
}

#[derive(Debug, Clone)]
pub enum Fetched {
    Page(Page),
    /// The page has not changed since the validators were given.
    NotModified,
}

/// One site's state: its robots.txt (read once) and when it may next be asked.
#[derive(Default)]
struct Site {
    robots: OnceLock<Robots>,
    next: Mutex<Option<Instant>>,
}

/// Fetches pages; shared by every thread of a run, so the per-site delay holds across them.
pub struct Fetcher {
    agent: ureq::Agent,
    options: FetchOptions,
    sites: Mutex<HashMap<String, Arc<Site>>>,
}

impl Fetcher {
    pub fn new(options: FetchOptions) -> Fetcher {
        let config = ureq::Agent::config_builder()
            .user_agent(options.user_agent.as_str())
            .timeout_global(Some(options.timeout))
            .max_redirects(0)
            .http_status_as_error(false)
            .build();
        Fetcher { agent: config.into(), options, sites: Mutex::default() }
    }

    /// Fetches `address`, following redirects; with `validators`, answers NotModified
    /// when the server says the page is unchanged.
    pub fn get(&self, address: &str, validators: Option<&Validators>) -> Result<Fetched, String> {
        let mut url = web_url(address)?;
        for _ in 0..=self.options.max_redirects {
            self.wait_turn(&url)?;
            let mut request = self.agent.get(url.as_str());
            if let Some(v) = validators {
                if let Some(etag) = &v.etag {
                    request = request.header("If-None-Match", etag);
                }
                if let Some(modified) = &v.last_modified {
                    request = request.header("If-Modified-Since", modified);
                }
            }
            let mut response = request.call().map_err(|e| describe(&e))?;
            let status = response.status().as_u16();
            let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
            match status {
                301 | 302 | 303 | 307 | 308 => {
                    let location = header("location").ok_or(format!("HTTP {status} without a Location"))?;
                    url = url.join(&location).map_err(|e| format!("a redirect to a bad address ({e})"))?;
                    web_url(url.as_str())?;
                }
                304 => return Ok(Fetched::NotModified),
                200..=299 => {
                    let page_validators = Validators { etag: header("etag"), last_modified: header("last-modified") };
                    let content_type = header("content-type");
                    let bytes = response
                        .body_mut()
                        .with_config()
                        .limit(self.options.max_bytes)
                        .read_to_vec()
                        .map_err(|e| describe(&e))?;
                    return Ok(Fetched::Page(Page {
                        url: url.to_string(),
                        bytes,
                        content_type,
                        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        validators: page_validators,
                    }));
                }
                other => return Err(format!("HTTP {other} from {url}")),
            }
        }
        Err(format!("more than {} redirects", self.options.max_redirects))
    }

    /// Checks robots.txt for `url` and waits until its site may be asked again.
    fn wait_turn(&self, url: &Url) -> Result<(), String> {
        let site = self.site(url);
        let robots = site.robots.get_or_init(|| self.robots_of(url));
        let path = &url[url::Position::BeforePath..];
        if !robots.allows(path) {
            return Err(format!("robots.txt of {} does not allow fetching {path}", origin(url)));
        }
        // A site may ask for a longer delay, up to a minute; never for a shorter one.
        let asked = robots.crawl_delay.map(|s| Duration::from_secs_f64(s.min(60.0))).unwrap_or_default();
        let delay = self.options.per_host_delay.max(asked);
        let wait = {
            let mut next = site.next.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let start = next.map_or(now, |at| at.max(now));
            *next = Some(start + delay);
            start - now
        };
        std::thread::sleep(wait);
        Ok(())
    }

    fn site(&self, url: &Url) -> Arc<Site> {
        let mut sites = self.sites.lock().unwrap_or_else(PoisonError::into_inner);
        sites.entry(origin(url)).or_default().clone()
    }

    /// A site's robots.txt: a missing one (4xx) allows everything, a failing one (5xx)
    /// nothing, as RFC 9309 says; one that cannot be reached at all allows, and the
    /// page's own request then reports why the site cannot be reached.
    fn robots_of(&self, url: &Url) -> Robots {
        let address = format!("{}/robots.txt", origin(url));
        let Ok(mut response) = self.agent.get(&address).call() else { return Robots::allow_all() };
        match response.status().as_u16() {
            200..=299 => {
                let body = response.body_mut().with_config().limit(512 * 1024).read_to_vec().unwrap_or_default();
                Robots::parse(&String::from_utf8_lossy(&body), AGENT_TOKEN)
            }
            500..=599 => Robots::deny_all(),
            _ => Robots::allow_all(),
        }
    }
}

/// `scheme://host[:port]` of a URL: one site.
fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

fn web_url(address: &str) -> Result<Url, String> {
    let url = Url::parse(address.trim()).map_err(|e| format!("not a web address ({e})"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        other => Err(format!("only http and https addresses are fetched, not {other}:")),
    }
}

fn describe(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::BodyExceedsLimit(limit) => {
            format!("larger than the size limit ({})", crate::ingest::human_bytes(*limit))
        }
        ureq::Error::Io(io) => format!("cannot connect or read ({io})"),
        other => other.to_string(),
    }
}
