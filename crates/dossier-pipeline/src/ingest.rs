//! Reading files and folders into the store: walking, size and type checks,
//! parallel analysis, one transaction per run. A file that cannot be used is
//! reported on one line and skipped; it never stops the others.

use dossier_core::article::{analyze_file, Article, FileReport};
use dossier_core::fingerprint::{fingerprint, Fingerprint};
use dossier_store::{Store, WriteOutcome};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::io::IsTerminal;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use walkdir::WalkDir;

/// How many files are analysed in parallel before their results are written.
const CHUNK: usize = 256;

#[derive(Debug, Clone)]
pub struct Options {
    pub max_file_size: u64,
    pub progress: bool,
    pub story_threshold: f64,
    /// Largest store whose stories are recomputed in full on every ingest.
    pub story_rebuild_limit: usize,
}

impl Default for Options {
    /// No size limit, no progress bar, the default story threshold, full story rebuilds up to 20,000 articles.
    fn default() -> Options {
        Options {
            max_file_size: u64::MAX,
            progress: false,
            story_threshold: dossier_core::stories::STORY_THRESHOLD,
            story_rebuild_limit: 20_000,
        }
    }
}

/// A file to read: where it is and the name it gets in the dossier.
#[derive(Debug, Clone)]
pub struct FileTask {
    pub path: PathBuf,
    pub source: String,
}

/// One line for the user: a file that was skipped or only partly read.
#[derive(Debug, Clone)]
pub struct Problem {
    pub path: String,
    pub reason: String,
    pub skipped: bool,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.skipped { "skipped" } else { "warning" };
        write!(f, "{what}: {}: {}", self.path, self.reason)
    }
}

/// What the run summary shows of an ingested article (the article itself is in the store).
#[derive(Debug, Clone)]
pub struct Ingested {
    pub id: String,
    pub source: String,
    pub format: &'static str,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    pub words: usize,
}

impl Ingested {
    fn of(article: &Article) -> Ingested {
        Ingested {
            id: article.id.clone(),
            source: article.source.clone(),
            format: article.format.as_str(),
            title: article.title.clone(),
            outlet: article.outlet.clone(),
            published: article.published.map(|d| d.to_string()),
            words: article.paragraphs.iter().map(|p| dossier_core::text::word_count(&p.text)).sum(),
        }
    }
}

#[derive(Debug, Default)]
pub struct Summary {
    pub files: usize,
    pub bytes: u64,
    pub inserted: usize,
    pub unchanged: usize,
    pub replaced: usize,
    pub articles: Vec<Ingested>,
    pub problems: Vec<Problem>,
    pub duplicates: usize,
    pub stories: usize,
    pub elapsed: Duration,
}

/// Lists the files under `roots` in a stable order (sorted by name, depth first),
/// following symbolic links but not hidden entries.
pub fn collect_files(roots: &[PathBuf], problems: &mut Vec<Problem>) -> Vec<FileTask> {
    let mut tasks = Vec::new();
    for root in roots {
        if let Err(e) = std::fs::metadata(root) {
            problems.push(Problem { path: root.display().to_string(), reason: describe_io(&e), skipped: true });
            continue;
        }
        let walker = WalkDir::new(root).follow_links(true).sort_by_file_name().into_iter();
        for entry in walker.filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')) {
            match entry {
                Err(e) => problems.push(walk_problem(&e, root)),
                Ok(entry) if entry.file_type().is_dir() => {}
                Ok(entry) if !entry.file_type().is_file() => problems.push(Problem {
                    path: entry.path().display().to_string(),
                    reason: "not a regular file (a pipe, socket or device)".into(),
                    skipped: true,
                }),
                Ok(entry) => tasks.push(FileTask { source: source_name(root, entry.path()), path: entry.into_path() }),
            }
        }
    }
    tasks
}

fn walk_problem(error: &walkdir::Error, root: &Path) -> Problem {
    let path = error.path().unwrap_or(root).display().to_string();
    let reason = if let Some(ancestor) = error.loop_ancestor() {
        format!("symbolic link loop (leads back to {})", ancestor.display())
    } else if let Some(io) = error.io_error() {
        describe_io(io)
    } else {
        error.to_string()
    };
    Problem { path, reason, skipped: true }
}

fn describe_io(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory (or a broken symbolic link)".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied: cannot read".into(),
        _ => format!("cannot read: {error}"),
    }
}

/// The name an article's file gets: its path below the ingested folder, or its
/// file name when a single file was given.
fn source_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).ok().filter(|r| !r.as_os_str().is_empty());
    let name = match relative {
        Some(r) => r.to_path_buf(),
        None => PathBuf::from(path.file_name().unwrap_or(path.as_os_str())),
    };
    name.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Reads and analyses one file. Never panics: a panic inside the analysis is
/// reported as a problem with this file.
pub fn analyze_task(task: &FileTask, max_file_size: u64) -> (u64, Result<FileReport, String>) {
    let size = match std::fs::metadata(&task.path) {
        Ok(meta) => meta.len(),
        Err(e) => return (0, Err(describe_io(&e))),
    };
    if size > max_file_size {
        return (
            0,
            Err(format!(
                "too large for one article ({} > {} limit; see --max-file-size)",
                human_bytes(size),
                human_bytes(max_file_size)
            )),
        );
    }
    let bytes = match std::fs::read(&task.path) {
        Ok(bytes) => bytes,
        Err(e) => return (0, Err(describe_io(&e))),
    };
    let result = analyze_bytes(&task.source, &bytes);
    (bytes.len() as u64, result)
}

/// Analyses one document's bytes; a panic in the analysis is reported as an error, not raised.
pub fn analyze_bytes(source: &str, bytes: &[u8]) -> Result<FileReport, String> {
    match catch_unwind(AssertUnwindSafe(|| analyze_file(source, bytes))) {
        Ok(Ok(report)) => Ok(report),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("internal error while analysing this file (a bug: please report it with the file)".into()),
    }
}

/// A file's articles with their fingerprints, or why it was skipped.
type Analysed = Result<(FileReport, Vec<Fingerprint>), String>;

fn with_fingerprints(report: FileReport) -> (FileReport, Vec<Fingerprint>) {
    let fingerprints =
        report.articles.iter().map(|a| fingerprint(a.paragraphs.iter().map(|p| p.text.as_str()))).collect();
    (report, fingerprints)
}

pub fn human_bytes(bytes: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if bytes as f64 >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB)
    } else if bytes >= 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

fn progress_bar(total: usize, enabled: bool) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() || total < 2 {
        return ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {bar:40.cyan/blue} {pos}/{len} files  {per_sec}  eta {eta}  {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Ingests everything under `roots` into `store` in one transaction.
pub fn ingest(store: &mut Store, roots: &[PathBuf], options: &Options) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let mut summary = Summary::default();
    let tasks = collect_files(roots, &mut summary.problems);
    summary.files = tasks.len();
    let bar = progress_bar(tasks.len(), options.progress);
    let stored_before = store.count()?;
    let mut touched: Vec<String> = Vec::new();
    let mut batch = store.batch()?;
    for chunk in tasks.chunks(CHUNK) {
        let results: Vec<(u64, Analysed)> = chunk
            .par_iter()
            .map(|task| {
                let (bytes, result) = analyze_task(task, options.max_file_size);
                bar.inc(1);
                (bytes, result.map(with_fingerprints))
            })
            .collect();
        for (task, (bytes, result)) in chunk.iter().zip(results) {
            summary.bytes += bytes;
            let path = task.path.display().to_string();
            write_report(&mut batch, &path, result, &mut summary, &mut touched)?;
        }
    }
    bar.set_message("grouping duplicates and stories");
    regroup(&mut batch, &touched, stored_before, &summary, options)?;
    batch.commit()?;
    bar.finish_and_clear();
    finish(store, &mut summary, started)?;
    Ok(summary)
}

/// Ingests one uploaded document (its bytes and a name, whose extension hints at the
/// format) in one transaction.
pub fn ingest_document(store: &mut Store, source: &str, bytes: &[u8], options: &Options) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let mut summary = Summary { files: 1, bytes: bytes.len() as u64, ..Summary::default() };
    let stored_before = store.count()?;
    let mut touched = Vec::new();
    let mut batch = store.batch()?;
    let result = analyze_bytes(source, bytes).map(with_fingerprints);
    write_report(&mut batch, source, result, &mut summary, &mut touched)?;
    regroup(&mut batch, &touched, stored_before, &summary, options)?;
    batch.commit()?;
    finish(store, &mut summary, started)?;
    Ok(summary)
}

/// Writes one file's articles (or records why it was skipped).
fn write_report(
    batch: &mut dossier_store::Batch<'_>,
    path: &str,
    result: Analysed,
    summary: &mut Summary,
    touched: &mut Vec<String>,
) -> anyhow::Result<()> {
    let (report, fingerprints) = match result {
        Err(reason) => {
            summary.problems.push(Problem { path: path.to_string(), reason, skipped: true });
            return Ok(());
        }
        Ok(analysed) => analysed,
    };
    for warning in report.warnings {
        summary.problems.push(Problem { path: path.to_string(), reason: warning, skipped: false });
    }
    for (article, fingerprint) in report.articles.iter().zip(&fingerprints) {
        let outcome = batch.write(article)?;
        match outcome {
            WriteOutcome::Inserted => summary.inserted += 1,
            WriteOutcome::Unchanged => summary.unchanged += 1,
            WriteOutcome::Replaced => summary.replaced += 1,
        }
        if outcome != WriteOutcome::Unchanged {
            batch.index_duplicates(article, fingerprint)?;
            batch.index_story_terms(article)?;
            touched.push(article.id.clone());
        }
        summary.articles.push(Ingested::of(article));
    }
    Ok(())
}

/// Regroups duplicates and stories around the articles a run added or replaced.
fn regroup(
    batch: &mut dossier_store::Batch<'_>,
    touched: &[String],
    stored_before: usize,
    summary: &Summary,
    options: &Options,
) -> anyhow::Result<()> {
    if touched.is_empty() {
        return Ok(());
    }
    // A few new articles only touch their own groups; a replaced article or a
    // large batch is cheaper to regroup from all pairs.
    if summary.replaced == 0 && touched.len() * 20 < stored_before {
        let ids: Vec<&str> = touched.iter().map(String::as_str).collect();
        batch.update_duplicate_groups(&ids)?;
    } else {
        batch.rebuild_duplicate_groups()?;
    }
    // Up to a size, stories are recomputed for the whole store: exact, and
    // independent of arrival order. Beyond it each new article joins the story it
    // is most similar to on average, in milliseconds; `dossier stories --rebuild`
    // recomputes them all.
    if stored_before + touched.len() <= options.story_rebuild_limit {
        batch.rebuild_stories(options.story_threshold)?;
    } else {
        for id in touched {
            if let Some(article) = batch.article(id)? {
                batch.assign_story(&article, options.story_threshold)?;
            }
        }
    }
    Ok(())
}

fn finish(store: &Store, summary: &mut Summary, started: Instant) -> anyhow::Result<()> {
    summary.duplicates = store.duplicate_groups()?.len();
    summary.stories = store.stories()?.len();
    summary.elapsed = started.elapsed();
    Ok(())
}
