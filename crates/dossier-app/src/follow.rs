//! Following a story as it develops: sources (feeds, sitemaps, pages, folders) checked
//! at an interval each. A web source is asked with the validators of the version last
//! read (an unchanged feed costs a 304), and what it points to (a teaser's article, a
//! sitemap's pages) is fetched when not stored yet; a folder's files changed since its
//! last check are read. Only what is new is analysed. A failing source is retried
//! later and later (doubling, up to a day), and each check is one log line.

use crate::fetch::{is_web_address, Fetched, Fetcher, Validators};
use crate::ingest::{self, FileTask, Input, Options, Origin, Summary};
use crate::search;
use dossier_store::sources::{Check, Source};
use dossier_store::Store;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Shortest interval for a web source: a site is not asked more often than this.
pub const MIN_WEB_INTERVAL: i64 = 60;
/// Shortest interval for a folder.
pub const MIN_FOLDER_INTERVAL: i64 = 5;
/// Longest wait before retrying a failing source.
const MAX_BACKOFF: i64 = 24 * 3600;

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Reads an interval: `90`, `90s`, `15m`, `2h`, `1d`.
pub fn parse_interval(text: &str) -> anyhow::Result<i64> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let scale = match unit.trim() {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        other => anyhow::bail!("unknown unit {other:?} in the interval {text:?} (use s, m, h or d)"),
    };
    let value: i64 = number.parse().map_err(|_| anyhow::anyhow!("not an interval: {text:?} (e.g. 90s, 15m, 2h)"))?;
    Ok(value.saturating_mul(scale))
}

/// A followed source as people and the API see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FollowedSource {
    pub id: i64,
    /// A web address (feed, sitemap, page) or a folder's path.
    pub location: String,
    pub every_seconds: i64,
    /// Unix seconds of the last check, if any.
    pub last_checked: Option<i64>,
    /// Unix seconds of the next check.
    pub next_check: i64,
    /// Unix seconds of the last check that found something new.
    pub last_new: Option<i64>,
    /// Articles its checks have stored.
    pub articles: i64,
    /// Failed checks in a row, and the last one's reason.
    pub failures: i64,
    pub last_error: Option<String>,
}

impl From<Source> for FollowedSource {
    fn from(source: Source) -> FollowedSource {
        FollowedSource {
            id: source.id,
            location: source.location,
            every_seconds: source.every_seconds,
            last_checked: source.last_checked,
            next_check: source.next_check,
            last_new: source.last_new,
            articles: source.articles,
            failures: source.failures,
            last_error: source.last_error,
        }
    }
}

/// Every followed source.
pub fn list(store: &Store) -> anyhow::Result<Vec<FollowedSource>> {
    Ok(store.sources()?.into_iter().map(FollowedSource::from).collect())
}

/// Stops following a source, named by its id or location.
pub fn remove(store: &mut Store, id_or_location: &str) -> anyhow::Result<()> {
    if store.remove_source(id_or_location)? {
        return Ok(());
    }
    Err(crate::read::NotFound { kind: "followed source", id: id_or_location.to_string() }.into())
}

/// Starts following `location` (a web address, or a folder that exists) every
/// `every_seconds` (raised to the minimum for its kind). Returns the source as stored.
pub fn add(store: &mut Store, location: &str, every_seconds: i64) -> anyhow::Result<FollowedSource> {
    let (location, minimum) = if is_web_address(location) {
        let url =
            url::Url::parse(location.trim()).map_err(|e| anyhow::anyhow!("not a web address: {location} ({e})"))?;
        (url.to_string(), MIN_WEB_INTERVAL)
    } else {
        let path = std::fs::canonicalize(location)
            .map_err(|e| anyhow::anyhow!("cannot follow {location}: not a web address, and not a folder ({e})"))?;
        anyhow::ensure!(
            path.is_dir(),
            "cannot follow {location}: a file is read once with `analyze`; follow its folder"
        );
        (ingest::lossless(path.as_os_str()), MIN_FOLDER_INTERVAL)
    };
    let id = store.add_source(&location, every_seconds.max(minimum), now())?;
    let source = list(store)?.into_iter().find(|s| s.id == id);
    source.ok_or_else(|| anyhow::anyhow!("the source was not stored"))
}

/// Checks sources as they fall due, for a store at `db`.
pub struct Follower {
    db: PathBuf,
    fetcher: Fetcher,
    options: Options,
}

impl Follower {
    pub fn new(db: &Path, options: Options) -> Follower {
        let fetcher = Fetcher::new(options.fetch.clone());
        Follower { db: db.to_path_buf(), fetcher, options: Options { fetch_linked: true, ..options } }
    }

    /// Checks every source due now; each check is one line to `log` (and one per new
    /// article). Returns how many sources were checked.
    pub fn check_due(&self, log: &mut dyn FnMut(String)) -> anyhow::Result<usize> {
        let mut store = Store::open(&self.db)?;
        let due = store.due_sources(now())?;
        let mut stored_any = false;
        for source in &due {
            let started = now();
            let check = match self.check(&mut store, source) {
                Ok((summary, validators)) => {
                    let new_articles = (summary.inserted + summary.replaced) as i64;
                    stored_any |= new_articles > 0;
                    log(checked_line(source, &summary));
                    for article in summary.articles.iter().filter(|a| a.new) {
                        log(format!(
                            "  + {} {}",
                            &article.id[..article.id.len().min(10)],
                            article.title.as_deref().unwrap_or("(no title)")
                        ));
                    }
                    for problem in &summary.problems {
                        log(format!("  {problem}"));
                    }
                    Check::Done { new_articles, etag: validators.etag, last_modified: validators.last_modified }
                }
                Err(error) => {
                    let failures = source.failures + 1;
                    let wait = backoff(source.every_seconds, failures);
                    log(format!(
                        "{}: failing ({}): {error}; next try in {}",
                        source.location,
                        times(failures),
                        human_duration(wait)
                    ));
                    Check::Failed { error: format!("{error:#}"), retry_at: started + wait }
                }
            };
            store.record_check(source.id, started, &check)?;
        }
        if stored_any {
            search::open_index_after_writing(&self.db, &mut store, &mut |message| log(message.to_string()))?;
        }
        Ok(due.len())
    }

    /// Checks sources as they fall due until `stop` is set.
    pub fn run(&self, stop: &AtomicBool, log: &mut dyn FnMut(String)) -> anyhow::Result<()> {
        while !stop.load(Ordering::Relaxed) {
            if let Err(error) = self.check_due(log) {
                log(format!("checking the sources failed: {error:#}; trying again in a minute"));
                sleep_unless_stopped(Duration::from_secs(60), stop);
                continue;
            }
            // Waking each second picks up sources added meanwhile and a stop request.
            sleep_unless_stopped(Duration::from_secs(1), stop);
        }
        Ok(())
    }

    fn check(&self, store: &mut Store, source: &Source) -> anyhow::Result<(Summary, Validators)> {
        if is_web_address(&source.location) {
            let validators = Validators { etag: source.etag.clone(), last_modified: source.last_modified.clone() };
            match self.fetcher.get(&source.location, Some(&validators)).map_err(anyhow::Error::msg)? {
                Fetched::NotModified => Ok((Summary::default(), Validators::default())),
                Fetched::Page(page) => {
                    let validators = page.validators.clone();
                    let task = FileTask { source: source.location.clone(), origin: Origin::Fetched(Arc::new(page)) };
                    Ok((ingest::ingest_tasks(store, vec![task], &self.options, Some(&self.fetcher))?, validators))
                }
            }
        } else {
            let folder = PathBuf::from(&source.location);
            anyhow::ensure!(folder.is_dir(), "the folder is gone");
            let mut problems = Vec::new();
            let tasks = ingest::collect_tasks(&[Input::Path(folder)], self.options.max_file_size, &mut problems);
            let since = source.last_checked.unwrap_or(i64::MIN);
            let changed: Vec<FileTask> = tasks.into_iter().filter(|t| modified_since(t, since)).collect();
            let mut summary = ingest::ingest_tasks(store, changed, &self.options, None)?;
            summary.problems.extend(problems);
            Ok((summary, Validators::default()))
        }
    }
}

/// Whether a file changed at or after `since` (a second's margin: file times and the
/// check's clock are both rounded).
fn modified_since(task: &FileTask, since: i64) -> bool {
    let modified = task.path().and_then(|p| std::fs::metadata(p).ok()).and_then(|m| m.modified().ok());
    modified
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .is_none_or(|d| d.as_secs() as i64 >= since.saturating_sub(1))
}

/// How long to wait after the `failures`-th failure in a row: the interval, doubled
/// for each failure after the first, up to a day.
pub fn backoff(every_seconds: i64, failures: i64) -> i64 {
    let doubled = every_seconds.saturating_mul(1_i64 << (failures - 1).clamp(0, 20));
    doubled.clamp(every_seconds.min(MAX_BACKOFF), MAX_BACKOFF)
}

fn checked_line(source: &Source, summary: &Summary) -> String {
    let new = summary.inserted + summary.replaced;
    match (summary.files, new) {
        (0, _) => format!("{}: unchanged", source.location),
        (_, 0) => format!("{}: nothing new", source.location),
        (_, 1) => format!("{}: 1 new article", source.location),
        (_, n) => format!("{}: {n} new articles", source.location),
    }
}

fn times(n: i64) -> String {
    match n {
        1 => "once".into(),
        2 => "twice".into(),
        n => format!("{n} times in a row"),
    }
}

pub fn human_duration(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(100);
    let mut slept = Duration::ZERO;
    while slept < total && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(step);
        slept += step;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_backoff() {
        assert_eq!(parse_interval("15m").unwrap(), 900);
        assert_eq!(parse_interval("90").unwrap(), 90);
        assert_eq!(parse_interval("2h").unwrap(), 7200);
        assert!(parse_interval("soon").is_err());
        assert!(parse_interval("5w").is_err());
        assert_eq!(backoff(900, 1), 900);
        assert_eq!(backoff(900, 3), 3600);
        assert_eq!(backoff(900, 40), MAX_BACKOFF);
        assert_eq!(human_duration(3600), "60 min");
    }
}
