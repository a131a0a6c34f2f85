//! Reading files and folders into the store: walking, size and type checks,
//! parallel analysis, one short transaction per chunk of files, then one for
//! regrouping. A file (or an article) that cannot be used is reported on one line
//! and skipped; it never stops the others. A run killed at any point keeps every
//! chunk it committed, and the next run regroups what it left pending.

pub use crate::fetch::FetchOptions;
use crate::fetch::{Fetched, Fetcher, Page};
use dossier_core::across::analysis::{self, ArticleFindings};
use dossier_core::across::fingerprint::{fingerprint, Fingerprint};
use dossier_core::capture::{self, Linked};
use dossier_core::reading::article::{analyze_document, analyze_file_within, Article, FileError, FileReport};
use dossier_store::{ArticleWrite, Store, WriteOutcome};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::io::IsTerminal;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use walkdir::WalkDir;

/// Largest file the commands read as one document unless told otherwise (64 MiB): a
/// larger one is reported by its size before a byte of it is read.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// How many files are analysed in parallel before their results are written.
const CHUNK: usize = 256;

#[derive(Debug, Clone)]
pub struct Options {
    pub max_file_size: u64,
    pub progress: bool,
    pub story_threshold: f64,
    /// Largest store whose stories are recomputed in full on every ingest.
    pub story_rebuild_limit: usize,
    /// How many articles one transaction of a large update places in stories (or places
    /// the entities of): a stopped run keeps every step it committed.
    pub articles_per_step: usize,
    /// Fetch the pages that feeds (teasers) and sitemaps point to; web addresses given
    /// as inputs are fetched either way.
    pub fetch_linked: bool,
    pub fetch: crate::fetch::FetchOptions,
}

impl Default for Options {
    /// No size limit, no progress bar, the default story threshold, full story rebuilds up to 20,000 articles.
    fn default() -> Options {
        Options {
            max_file_size: u64::MAX,
            progress: false,
            story_threshold: dossier_core::across::stories::STORY_THRESHOLD,
            story_rebuild_limit: 20_000,
            articles_per_step: ARTICLES_PER_STEP,
            fetch_linked: false,
            fetch: crate::fetch::FetchOptions::default(),
        }
    }
}

/// A document to read: where it is and the name it gets in the dossier.
#[derive(Debug, Clone)]
pub struct FileTask {
    pub origin: Origin,
    pub source: String,
}

/// Where a document's bytes come from.
#[derive(Debug, Clone)]
pub enum Origin {
    File(PathBuf),
    /// Read already (standard input).
    Memory(std::sync::Arc<Vec<u8>>),
    /// A web address, fetched when its chunk is read.
    Web(String),
    /// A page fetched already (by a followed source's check).
    Fetched(std::sync::Arc<Page>),
}

impl FileTask {
    /// The file's path, for a document read from a file.
    pub fn path(&self) -> Option<&Path> {
        match &self.origin {
            Origin::File(path) => Some(path),
            _ => None,
        }
    }
}

/// What the user named: a file or folder, a web address, or `-` for standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Path(PathBuf),
    Web(String),
    Stdin,
}

impl Input {
    /// `-` is standard input, `http://` and `https://` addresses are fetched, anything else is a path.
    pub fn from_arg(arg: &std::ffi::OsStr) -> Input {
        match arg.to_str() {
            Some("-") => Input::Stdin,
            Some(text) if crate::fetch::is_web_address(text) => Input::Web(text.trim().to_string()),
            _ => Input::Path(arg.into()),
        }
    }
}

/// The addresses listed in a file, one a line; blank lines and `#` comments are skipped,
/// and a line that is not a web address is an error naming its number.
pub fn read_url_list(path: &Path) -> anyhow::Result<Vec<Input>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read the address list {}: {}", path.display(), describe_io(&e)))?;
    let mut inputs = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !crate::fetch::is_web_address(line) {
            anyhow::bail!("{} line {}: not a web address: {line}", path.display(), index + 1);
        }
        inputs.push(Input::Web(line.to_string()));
    }
    Ok(inputs)
}

/// The source name standard input's document gets: one name, so piping a new
/// version of a text replaces the last one.
pub const STDIN_SOURCE: &str = "stdin";

/// One line for the user: a file that was skipped or only partly read.
#[derive(Debug, Clone)]
pub struct Problem {
    pub path: String,
    pub reason: String,
    pub skipped: bool,
}

impl std::fmt::Display for Problem {
    /// One line, whatever the file name or the reason holds: control characters
    /// (a newline in a name, a terminal escape) are shown escaped, never acted on.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.skipped { "skipped" } else { "warning" };
        write!(
            f,
            "{what}: {}: {}",
            dossier_core::text::escape_controls(&self.path),
            dossier_core::text::escape_controls(&self.reason)
        )
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
    /// Stored by this run (new, or a new version); false when it was stored already.
    pub new: bool,
}

impl Ingested {
    fn of(article: &Article, new: bool) -> Ingested {
        Ingested {
            new,
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
    /// Wall-clock time per stage of the run, in the order they first ran.
    pub stages: Stages,
    /// Pages the documents read point to (teasers' links, sitemaps' entries) not read yet, with the document.
    pub linked: Vec<(String, Linked)>,
    /// Files of the store itself found among the inputs (a store kept in the folder it
    /// reads), left unread.
    pub store_files: usize,
}

/// Where a run's time went, stage by stage (wall clock: a parallel stage counts once;
/// stages that run at the same time, as reading, analysing and writing chunks do, each
/// count their own).
#[derive(Debug, Default, Clone)]
pub struct Stages(pub Vec<(&'static str, Duration)>);

impl Stages {
    /// Runs `work`, adding its time to `stage`.
    pub fn time<T>(&mut self, stage: &'static str, work: impl FnOnce() -> T) -> T {
        let (result, spent) = timed(work);
        self.add(stage, spent);
        result
    }

    pub fn add(&mut self, stage: &'static str, spent: Duration) {
        match self.0.iter_mut().find(|(name, _)| *name == stage) {
            Some((_, total)) => *total += spent,
            None => self.0.push((stage, spent)),
        }
    }
}

/// Lists the files under `roots` in a stable order (sorted by name, depth first),
/// following symbolic links but not hidden entries.
pub fn collect_files(roots: &[PathBuf], problems: &mut Vec<Problem>) -> Vec<FileTask> {
    let mut tasks = Vec::new();
    for root in roots {
        if let Err(e) = std::fs::metadata(root) {
            problems.push(Problem { path: lossless(root.as_os_str()), reason: describe_io(&e), skipped: true });
            continue;
        }
        let walker = WalkDir::new(root).follow_links(true).sort_by_file_name().into_iter();
        for entry in walker.filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')) {
            match entry {
                Err(e) => problems.push(walk_problem(&e, root)),
                Ok(entry) if entry.file_type().is_dir() => {}
                Ok(entry) if !entry.file_type().is_file() => problems.push(Problem {
                    path: lossless(entry.path().as_os_str()),
                    reason: "not a regular file (a pipe, socket or device)".into(),
                    skipped: true,
                }),
                Ok(entry) => {
                    tasks.push(FileTask { source: source_name(entry.path()), origin: Origin::File(entry.into_path()) })
                }
            }
        }
    }
    tasks
}

fn walk_problem(error: &walkdir::Error, root: &Path) -> Problem {
    let path = lossless(error.path().unwrap_or(root).as_os_str());
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

/// The name an article's file gets: its full path (absolute, symbolic links
/// resolved), so that two files are never one source, kept losslessly.
pub fn source_name(path: &Path) -> String {
    let full = std::fs::canonicalize(path).or_else(|_| std::path::absolute(path)).unwrap_or_else(|_| path.into());
    lossless(full.as_os_str())
}

/// A file name as text without losing anything: bytes that are not UTF-8 are
/// written `\xHH` and a backslash `\\`, so two names that differ only in invalid
/// bytes stay two names.
pub fn lossless(name: &std::ffi::OsStr) -> String {
    #[cfg(unix)]
    {
        use std::fmt::Write;
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::with_capacity(name.len());
        for chunk in name.as_bytes().utf8_chunks() {
            for c in chunk.valid().chars() {
                if c == '\\' {
                    out.push_str("\\\\");
                } else {
                    out.push(c);
                }
            }
            for byte in chunk.invalid() {
                let _ = write!(out, "\\x{byte:02X}");
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().replace('\u{FFFD}', "\\xFFFD")
    }
}

/// Reads (or fetches) and analyses one document. Never panics: a panic inside the
/// analysis is reported as a problem with this document.
pub fn analyze_task(task: &FileTask, max_file_size: u64) -> (u64, Result<FileReport, String>) {
    analyze_task_with(task, max_file_size, None)
}

fn analyze_task_with(
    task: &FileTask,
    max_file_size: u64,
    fetcher: Option<&Fetcher>,
) -> (u64, Result<FileReport, String>) {
    match &task.origin {
        Origin::File(path) => analyze_file_at(path, &task.source, max_file_size),
        Origin::Memory(bytes) => (bytes.len() as u64, analyze_bytes(&task.source, bytes, max_file_size)),
        Origin::Fetched(page) => (page.bytes.len() as u64, analyze_fetched(&task.source, page, max_file_size)),
        Origin::Web(address) => match fetcher {
            None => (0, Err("web addresses are not fetched in this run".into())),
            Some(fetcher) => match fetcher.get(address, None) {
                Ok(Fetched::Page(page)) => {
                    (page.bytes.len() as u64, analyze_fetched(&task.source, &page, max_file_size))
                }
                Ok(Fetched::NotModified) => (0, Err("not modified since it was last fetched".into())),
                Err(why) => (0, Err(format!("cannot fetch: {why}"))),
            },
        },
    }
}

fn analyze_file_at(path: &Path, source: &str, max_file_size: u64) -> (u64, Result<FileReport, String>) {
    let size = match std::fs::metadata(path) {
        Ok(meta) => meta.len(),
        Err(e) => return (0, Err(describe_io(&e))),
    };
    if size > max_file_size {
        return (0, Err(too_large(size, max_file_size)));
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => return (0, Err(describe_io(&e))),
    };
    let result = analyze_bytes(source, &bytes, max_file_size);
    (bytes.len() as u64, result)
}

fn too_large(size: u64, limit: u64) -> String {
    format!("too large for one article ({} > {} limit; see --max-file-size)", human_bytes(size), human_bytes(limit))
}

/// Analyses a fetched page: the address it was found at stands in for a URL it does
/// not state, and the charset its server declared decodes it.
pub fn analyze_fetched(source: &str, page: &Page, max_bytes: u64) -> Result<FileReport, String> {
    let fetched = capture::Fetched { url: Some(page.url.clone()), at: Some(page.at.clone()) };
    let charset = page.charset().map(str::to_string);
    isolated(source, &page.bytes, move |source, bytes| {
        analyze_document(source, bytes, max_bytes, Some(&fetched), charset.as_deref())
    })
}

/// Analyses one document's bytes; a panic in the analysis is reported as an error, not raised.
/// `max_bytes` bounds what compressed content may inflate to.
pub fn analyze_bytes(source: &str, bytes: &[u8], max_bytes: u64) -> Result<FileReport, String> {
    isolated(source, bytes, move |source, bytes| analyze_file_within(source, bytes, max_bytes))
}

/// Runs one document's analysis so that a panic is an error, and a PDF (whose reader
/// can loop on a crafted stream) gets at most [`PDF_DEADLINE`].
fn isolated<F>(source: &str, bytes: &[u8], analyze: F) -> Result<FileReport, String>
where
    F: Fn(&str, &[u8]) -> Result<FileReport, FileError> + Send + 'static,
{
    if dossier_core::capture::pdf::is_pdf(bytes) {
        return within_deadline(source, bytes, analyze);
    }
    caught(source, bytes, &analyze)
}

/// How long one PDF may take to read: a crafted stream can make the reader loop.
const PDF_DEADLINE: Duration = Duration::from_secs(30);

/// Analyses a document on a thread of its own and gives up after [`PDF_DEADLINE`].
/// A thread cannot be stopped from outside: one that overran is left to finish (or
/// not) on its own while the run goes on without it.
fn within_deadline<F>(source: &str, bytes: &[u8], analyze: F) -> Result<FileReport, String>
where
    F: Fn(&str, &[u8]) -> Result<FileReport, FileError> + Send + 'static,
{
    let (sender, receiver) = std::sync::mpsc::channel();
    let (source_owned, bytes_owned) = (source.to_string(), bytes.to_vec());
    let spawned = std::thread::Builder::new().name("pdf".into()).spawn(move || {
        let _ = sender.send(caught(&source_owned, &bytes_owned, &analyze));
    });
    match spawned {
        Err(e) => Err(format!("cannot start a thread to read this PDF ({e})")),
        Ok(_) => receiver.recv_timeout(PDF_DEADLINE).unwrap_or_else(|_| {
            Err(format!("reading this PDF took longer than {} s; skipped", PDF_DEADLINE.as_secs()))
        }),
    }
}

fn caught<F>(source: &str, bytes: &[u8], analyze: &F) -> Result<FileReport, String>
where
    F: Fn(&str, &[u8]) -> Result<FileReport, FileError>,
{
    match catch_unwind(AssertUnwindSafe(|| analyze(source, bytes))) {
        Ok(Ok(report)) => Ok(report),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("internal error while analysing this file (a bug: please report it with the file)".into()),
    }
}

/// What one article says on its own (its duplicate fingerprint and its findings), or
/// None when it is stored already, unchanged.
type Found = Option<OnItsOwn>;

/// What an article says on its own: its fingerprint, findings and story terms.
type OnItsOwn = (Fingerprint, ArticleFindings, dossier_store::StoryTerms);

/// A file's articles with what is found in each, or why it was skipped.
type Analysed = Result<(FileReport, Vec<Found>), String>;

/// Which of a file's articles are stored already from the same source with the same text.
fn stored_already(batch: &dossier_store::Batch<'_>, report: &Result<FileReport, String>) -> anyhow::Result<Vec<bool>> {
    let Ok(report) = report else { return Ok(Vec::new()) };
    Ok(report.articles.iter().map(|a| batch.is_stored(a)).collect::<Result<_, _>>()?)
}

/// What each article of a file not stored already says on its own: an unchanged file
/// costs its reading and cleaning, not its analysis.
fn with_findings(report: FileReport, stored: &[bool]) -> (FileReport, Vec<Found>) {
    // A file with many articles (a web archive, a feed) is analysed on every core.
    let found = report
        .articles
        .par_iter()
        .enumerate()
        .map(|(at, a)| {
            if stored.get(at).copied().unwrap_or(false) {
                return None;
            }
            Some(article_findings(a))
        })
        .collect();
    (report, found)
}

/// What an article says on its own.
fn article_findings(article: &Article) -> OnItsOwn {
    let paragraphs = || article.paragraphs.iter().map(|p| p.text.as_str());
    (fingerprint(paragraphs()), analysis::extract(paragraphs()), dossier_store::story_terms(article))
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

/// A bar counting `total` things (`unit`: "files"), drawn only on a terminal.
fn progress_bar(total: usize, unit: &str, enabled: bool) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() || total < 2 {
        return ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} {{bar:40.cyan/blue}} {{pos}}/{{len}} {unit}  {{per_sec}}  eta {{eta}}  {{wide_msg}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Crash points for tests of what a killed run leaves: with `DOSSIER_FAILPOINT=NAME` in
/// the environment the process aborts, as `kill -9` would stop it, when it reaches the
/// point of that name. Points: `chunk-committed` (after the first chunk of articles is
/// committed), `before-regroup` (all articles committed, groups and stories not yet),
/// `before-index` (the store complete, the search index not yet updated).
pub fn failpoint(name: &str) {
    if std::env::var_os("DOSSIER_FAILPOINT").is_some_and(|point| point == name) {
        std::process::abort();
    }
}

/// Ingests everything under `roots` into `store`: each chunk of files in a
/// transaction of its own, then the duplicate groups and stories of what changed.
///
/// Chunks flow through two stages at once: while one chunk's articles are written (one
/// thread, the store's), the next chunk is analysed and the one after it read (every
/// core). What is stored already is looked up before a chunk is analysed, so an
/// unchanged file costs its reading, not its analysis.
pub fn ingest(store: &mut Store, roots: &[PathBuf], options: &Options) -> anyhow::Result<Summary> {
    let inputs: Vec<Input> = roots.iter().cloned().map(Input::Path).collect();
    ingest_inputs(store, &inputs, options)
}

/// How many rounds of pointed-to pages one run follows: a sitemap index, its
/// sitemaps, their pages.
const LINK_ROUNDS: usize = 3;
/// Most pages one run fetches for what its documents point to.
const MAX_LINKED: usize = 10_000;

/// Ingests files, folders, web addresses and standard input; then, when fetching is
/// on, the pages they point to (feed teasers' links, sitemap entries) not stored yet.
pub fn ingest_inputs(store: &mut Store, inputs: &[Input], options: &Options) -> anyhow::Result<Summary> {
    let mut problems = Vec::new();
    let tasks = collect_tasks(inputs, options.max_file_size, &mut problems);
    let fetching = options.fetch_linked || tasks.iter().any(|t| matches!(t.origin, Origin::Web(_)));
    let fetcher = fetching.then(|| Fetcher::new(options.fetch.clone()));
    let mut summary = ingest_tasks(store, tasks, options, fetcher.as_ref())?;
    problems.append(&mut summary.problems);
    summary.problems = problems;
    Ok(summary)
}

/// Ingests documents, then (with a fetcher and `fetch_linked`) the pages they point to.
pub fn ingest_tasks(
    store: &mut Store,
    mut tasks: Vec<FileTask>,
    options: &Options,
    fetcher: Option<&Fetcher>,
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let mut summary = Summary::default();
    let own = OwnFiles::of(store);
    let listed = tasks.len();
    tasks.retain(|task| !matches!(&task.origin, Origin::File(path) if own.holds(path)));
    summary.store_files = listed - tasks.len();
    let mut seen: std::collections::HashSet<String> = tasks.iter().map(|t| t.source.clone()).collect();
    for round in 0..=LINK_ROUNDS {
        summary.files += tasks.len();
        read_and_write(store, &tasks, options, fetcher, &mut summary)?;
        let linked = std::mem::take(&mut summary.linked);
        tasks = match (fetcher, options.fetch_linked) {
            (Some(_), true) if round < LINK_ROUNDS => unread_pages(store, linked, &mut seen, &mut summary.problems)?,
            _ => {
                report_unread(linked, options.fetch_linked, &mut summary.problems);
                Vec::new()
            }
        };
        if tasks.is_empty() {
            break;
        }
    }
    failpoint("before-regroup");
    regroup_pending(store, options, &mut summary.stages)?;
    finish(store, &mut summary, started)?;
    Ok(summary)
}

/// The files of the store being written: its database, write-ahead log, shared-memory
/// index, journal and search index. A folder given to `analyze` may hold them (a store
/// kept beside the articles); they are never read as articles. Reading one would also
/// close a descriptor of it, and POSIX releases every lock the process holds on a file
/// when any of its descriptors closes: another process would then take the store for
/// unused and reset the shared memory this one is writing through.
struct OwnFiles {
    db: Option<PathBuf>,
}

impl OwnFiles {
    fn of(store: &Store) -> OwnFiles {
        OwnFiles { db: store.path().and_then(|db| std::fs::canonicalize(db).ok()) }
    }

    fn holds(&self, path: &Path) -> bool {
        let Some(db) = &self.db else { return false };
        let Some(name) = db.file_name() else { return false };
        let name = name.to_string_lossy();
        // Only a path with a component named like the store is resolved.
        if !path.components().any(|c| c.as_os_str().to_string_lossy().starts_with(name.as_ref())) {
            return false;
        }
        let Ok(real) = std::fs::canonicalize(path) else { return false };
        let (real, db) = (real.to_string_lossy(), db.to_string_lossy());
        real.strip_prefix(db.as_ref()).is_some_and(|rest| {
            rest.is_empty() || ["-wal", "-shm", "-journal"].contains(&rest) || rest.starts_with(".search/")
        })
    }
}

/// The tasks the inputs name: files under each path, each address, standard input.
pub fn collect_tasks(inputs: &[Input], max_bytes: u64, problems: &mut Vec<Problem>) -> Vec<FileTask> {
    let mut tasks = Vec::new();
    for input in inputs {
        match input {
            Input::Path(path) if is_stream(path) => match std::fs::File::open(path)
                .map_err(|e| describe_io(&e))
                .and_then(|file| read_stream(file, max_bytes))
            {
                Ok(bytes) => tasks.push(FileTask {
                    origin: Origin::Memory(std::sync::Arc::new(bytes)),
                    source: lossless(path.as_os_str()),
                }),
                Err(reason) => problems.push(Problem { path: lossless(path.as_os_str()), reason, skipped: true }),
            },
            Input::Path(path) => tasks.extend(collect_files(std::slice::from_ref(path), problems)),
            Input::Web(address) => {
                tasks.push(FileTask { origin: Origin::Web(address.clone()), source: address.clone() })
            }
            Input::Stdin => match read_stdin(max_bytes) {
                Ok(bytes) => tasks.push(FileTask {
                    origin: Origin::Memory(std::sync::Arc::new(bytes)),
                    source: STDIN_SOURCE.to_string(),
                }),
                Err(reason) => problems.push(Problem { path: "-".into(), reason, skipped: true }),
            },
        }
    }
    tasks
}

fn read_stdin(max_bytes: u64) -> Result<Vec<u8>, String> {
    read_stream(std::io::stdin().lock(), max_bytes)
}

/// Whether a path named on the command line is a pipe or a device to read once
/// (`/dev/stdin`, a named pipe, `<(command)`), not a file or a folder.
fn is_stream(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|meta| !meta.is_file() && !meta.is_dir())
}

/// Everything a stream gives, up to `max_bytes`.
fn read_stream(stream: impl std::io::Read, max_bytes: u64) -> Result<Vec<u8>, String> {
    dossier_core::capture::decode::read_within(stream, max_bytes)
        .map_err(|e| format!("cannot read: {e}"))?
        .ok_or_else(|| too_large(max_bytes.saturating_add(1), max_bytes))
}

/// The pointed-to pages to fetch next: not stored already, not seen in this run, at
/// most [`MAX_LINKED`] in all.
fn unread_pages(
    store: &mut Store,
    linked: Vec<(String, Linked)>,
    seen: &mut std::collections::HashSet<String>,
    problems: &mut Vec<Problem>,
) -> anyhow::Result<Vec<FileTask>> {
    let batch = store.batch()?;
    let mut tasks = Vec::new();
    for (from, link) in linked {
        if seen.len() >= MAX_LINKED {
            let reason =
                format!("{}: {} not fetched: this run fetched {MAX_LINKED} pages already", link.label, link.url);
            problems.push(Problem { path: from, reason, skipped: false });
            continue;
        }
        if seen.insert(link.url.clone()) && !batch.has_source(&link.url)? {
            tasks.push(FileTask { origin: Origin::Web(link.url.clone()), source: link.url });
        }
    }
    Ok(tasks)
}

/// One line per document whose pointed-to pages were not fetched.
fn report_unread(linked: Vec<(String, Linked)>, fetching: bool, problems: &mut Vec<Problem>) {
    let mut by_document: Vec<(String, Vec<Linked>)> = Vec::new();
    for (from, link) in linked {
        match by_document.last_mut() {
            Some((last, links)) if *last == from => links.push(link),
            _ => by_document.push((from, vec![link])),
        }
    }
    for (from, links) in by_document {
        let (it, them) = if fetching {
            ("beyond the rounds one run follows", "beyond the rounds one run follows")
        } else {
            ("add --fetch to read it", "add --fetch to read them")
        };
        let first = &links[0];
        let reason = match links.len() {
            1 => format!("{} only points to its article, {} ({it})", first.label, first.url),
            n => format!("{n} entries only point to their articles, from {} at {} on ({them})", first.label, first.url),
        };
        problems.push(Problem { path: from, reason, skipped: false });
    }
}

/// Reads, analyses and writes `tasks` in chunks: while one chunk's articles are
/// written (one thread, the store's), the next chunk is analysed and the one after it
/// read (every core).
fn read_and_write(
    store: &mut Store,
    tasks: &[FileTask],
    options: &Options,
    fetcher: Option<&Fetcher>,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    let bar = progress_bar(tasks.len(), "files", options.progress);
    let chunks: Vec<&[FileTask]> = tasks.chunks(CHUNK).collect();
    let read_chunk = |chunk: &[FileTask]| -> Vec<(u64, Result<FileReport, String>)> {
        chunk.par_iter().map(|task| analyze_task_with(task, options.max_file_size, fetcher)).collect()
    };
    let analyse_chunk =
        |read: Vec<(u64, Result<FileReport, String>)>, stored: Vec<Vec<bool>>| -> Vec<(u64, Analysed)> {
            read.into_par_iter()
                .zip(stored)
                .map(|((bytes, result), stored)| {
                    bar.inc(1);
                    (bytes, result.map(|report| with_findings(report, &stored)))
                })
                .collect()
        };
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let (mut read, spent) = timed(|| chunks.first().map(|c| read_chunk(c)).unwrap_or_default());
        summary.stages.add("read, decode, clean, metadata", spent);
        let mut written: Option<(usize, Vec<(u64, Analysed)>)> = None;
        // One round per chunk, and a last one that only writes.
        for at in 0..=chunks.len() {
            let mut batch = store.batch()?;
            let background = if at < chunks.len() {
                let stored: Vec<Vec<bool>> =
                    read.iter().map(|(_, r)| stored_already(&batch, r)).collect::<Result<_, _>>()?;
                let next = chunks.get(at + 1).copied();
                let this_read = std::mem::take(&mut read);
                Some(scope.spawn(move || {
                    let (analysed, analysing) = timed(|| analyse_chunk(this_read, stored));
                    let (read, reading) = timed(|| next.map(read_chunk).unwrap_or_default());
                    (analysed, analysing, read, reading)
                }))
            } else {
                None
            };
            let wrote = written.take().map(|(chunk, results)| write_chunk(&mut batch, chunks[chunk], results, summary));
            let wrote = wrote.transpose()?.is_some();
            batch.commit()?;
            if wrote {
                failpoint("chunk-committed");
            }
            if let Some(background) = background {
                let (analysed, analysing, next_read, reading) =
                    background.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                summary.stages.add("fingerprints, entities, quotes", analysing);
                summary.stages.add("read, decode, clean, metadata", reading);
                read = next_read;
                written = Some((at, analysed));
            }
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    Ok(())
}

fn timed<T>(work: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let result = work();
    (result, started.elapsed())
}

/// Writes one analysed chunk's articles into `batch` (the caller commits).
fn write_chunk(
    batch: &mut dossier_store::Batch<'_>,
    chunk: &[FileTask],
    results: Vec<(u64, Analysed)>,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    let write_started = Instant::now();
    for (task, (bytes, result)) in chunk.iter().zip(results) {
        summary.bytes += bytes;
        write_report(batch, &task.source, result, summary)?;
    }
    summary.stages.add("write articles and indexes", write_started.elapsed());
    Ok(())
}

/// Places the articles written but not yet grouped (by this run, or by one that was
/// killed) in duplicate groups and stories, then brings what spans articles up to
/// date. An ordinary run does all of it in one transaction; a large pending set (a
/// first ingest of a million articles) is placed and updated in steps of
/// [`ARTICLES_PER_STEP`], each committed, so a stopped run keeps what it did.
pub fn regroup_pending(store: &mut Store, options: &Options, stages: &mut Stages) -> anyhow::Result<()> {
    let mut batch = store.batch()?;
    if let Some(pending) = group_duplicates(&mut batch, stages)? {
        let mut steps = pending.chunks(options.articles_per_step.max(1));
        let mut all_placed = place_in_stories(&mut batch, steps.next().unwrap_or_default(), options, stages)?;
        for step in steps {
            if all_placed {
                break;
            }
            batch.commit()?;
            batch = store.batch()?;
            all_placed = place_in_stories(&mut batch, step, options, stages)?;
        }
    }
    // The first step shares the regrouping's transaction: an ordinary run commits once.
    let (_, more) = stages.time(ACROSS_ARTICLES, || batch.update_analysis_within(options.articles_per_step))?;
    batch.commit()?;
    if more {
        stages.time(ACROSS_ARTICLES, || update_analysis_in_steps(store, options.articles_per_step))?;
    }
    Ok(())
}

/// The stage that brings entities, quotes and events across articles up to date.
const ACROSS_ARTICLES: &str = "entities, quotes, events across articles";

/// How many articles one transaction places in stories, or places the entities of, in
/// a large update, unless told otherwise (a tenth as many stories are analysed again
/// per transaction).
pub const ARTICLES_PER_STEP: usize = 20_000;

/// Brings what spans articles up to date in transactions of bounded size: on a large
/// store a stopped process keeps every step it committed, and memory stays bounded.
pub fn update_analysis_in_steps(store: &mut Store, articles_per_step: usize) -> anyhow::Result<()> {
    update_analysis_showing(store, articles_per_step, &ProgressBar::hidden())
}

/// [`update_analysis_in_steps`], counting the stories analysed again on `bar`.
fn update_analysis_showing(store: &mut Store, articles_per_step: usize, bar: &ProgressBar) -> anyhow::Result<()> {
    loop {
        let mut batch = store.batch()?;
        let (update, more) = batch.update_analysis_within(articles_per_step)?;
        batch.commit()?;
        bar.inc(update.stories as u64);
        if !more {
            return Ok(());
        }
    }
}

/// Ingests one uploaded document (its bytes and a name, whose extension hints at the
/// format) in one transaction: its articles, their groups and stories. `may_commit`
/// is asked last, so a caller that gave up (a timed-out request) leaves nothing behind.
pub fn ingest_document(
    store: &mut Store,
    source: &str,
    bytes: &[u8],
    options: &Options,
    may_commit: impl FnOnce() -> bool,
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let mut summary = Summary { files: 1, bytes: bytes.len() as u64, ..Summary::default() };
    let mut batch = store.batch()?;
    let read = analyze_bytes(source, bytes, options.max_file_size);
    let stored = stored_already(&batch, &read)?;
    let result = read.map(|report| with_findings(report, &stored));
    write_report(&mut batch, source, result, &mut summary)?;
    regroup(&mut batch, options, &mut summary.stages)?;
    if !may_commit() {
        anyhow::bail!("the upload was abandoned before it was stored; nothing was kept");
    }
    batch.commit()?;
    finish(store, &mut summary, started)?;
    Ok(summary)
}

/// Writes one file's articles (or records why it, or one of its articles, was skipped).
fn write_report(
    batch: &mut dossier_store::Batch<'_>,
    source: &str,
    result: Analysed,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    let problem = |reason: String, skipped: bool| Problem { path: source.to_string(), reason, skipped };
    let (report, found) = match result {
        Err(reason) => {
            summary.problems.push(problem(reason, true));
            return Ok(());
        }
        Ok(analysed) => analysed,
    };
    for warning in report.warnings {
        summary.problems.push(problem(warning, false));
    }
    summary.linked.extend(report.linked.into_iter().map(|link| (source.to_string(), link)));
    for (article, found) in report.articles.iter().zip(found) {
        // Found stored when its chunk was analysed; another process may have replaced it since.
        let (fingerprint, findings, terms) = match found {
            Some(on_its_own) => on_its_own,
            None if batch.is_stored(article)? => {
                summary.unchanged += 1;
                summary.articles.push(Ingested::of(article, false));
                continue;
            }
            None => article_findings(article),
        };
        let new = match batch.write_indexed(article, &fingerprint, &findings, terms)? {
            ArticleWrite::Written(WriteOutcome::Inserted) => {
                summary.inserted += 1;
                true
            }
            ArticleWrite::Written(WriteOutcome::Unchanged) => {
                summary.unchanged += 1;
                false
            }
            ArticleWrite::Written(WriteOutcome::Replaced) => {
                summary.replaced += 1;
                true
            }
            ArticleWrite::Refused(reason) => {
                // Named by the article's own source: a JSON-lines record says which line.
                summary.problems.push(Problem { path: article.source.clone(), reason, skipped: true });
                continue;
            }
        };
        summary.articles.push(Ingested::of(article, new));
    }
    Ok(())
}

/// Regroups duplicates and stories around the articles waiting for it, then brings
/// what spans articles up to date, in the same transaction (an upload is stored whole).
fn regroup(batch: &mut dossier_store::Batch<'_>, options: &Options, stages: &mut Stages) -> anyhow::Result<()> {
    if let Some(pending) = group_duplicates(batch, stages)? {
        place_in_stories(batch, &pending, options, stages)?;
    }
    // What spans articles (entities, each story's quotes and events) for what they touched.
    stages.time(ACROSS_ARTICLES, || batch.update_analysis())?;
    Ok(())
}

/// Regroups duplicates around the articles waiting for it, and returns them (in
/// arrival order) to be placed in stories next; `None` when nothing changed.
fn group_duplicates(batch: &mut dossier_store::Batch<'_>, stages: &mut Stages) -> anyhow::Result<Option<Vec<String>>> {
    let (pending, groups_dirty) = batch.pending()?;
    if pending.is_empty() && !groups_dirty {
        return Ok(None);
    }
    let stored = batch.count()?;
    // A few new articles only touch their own groups; a replaced article (its old
    // group lost a member) or a large batch is cheaper to regroup from all pairs.
    stages.time("duplicate groups", || -> anyhow::Result<()> {
        if !groups_dirty && pending.len() * 20 < stored {
            let ids: Vec<&str> = pending.iter().map(String::as_str).collect();
            batch.update_duplicate_groups(&ids)?;
        } else {
            batch.rebuild_duplicate_groups()?;
        }
        Ok(batch.mark_groups_clean()?)
    })?;
    Ok(Some(pending))
}

/// Places `pending` articles (or a step of them) in stories and marks them placed.
/// Up to a size, stories are recomputed for the whole store: exact, and independent
/// of arrival order; every pending article is placed then, and it returns true. Beyond
/// it each new article joins the story it is most similar to on average, in
/// milliseconds; `dossier stories --rebuild` recomputes them all.
fn place_in_stories(
    batch: &mut dossier_store::Batch<'_>,
    pending: &[String],
    options: &Options,
    stages: &mut Stages,
) -> anyhow::Result<bool> {
    stages.time("stories", || -> anyhow::Result<bool> {
        if batch.count()? <= options.story_rebuild_limit {
            batch.rebuild_stories(options.story_threshold)?;
            batch.clear_pending()?;
            return Ok(true);
        }
        for id in pending {
            if let Some(article) = batch.article(id)? {
                batch.assign_story(&article, options.story_threshold)?;
            }
        }
        batch.clear_pending_of(pending)?;
        Ok(false)
    })
}

/// Opens (or creates) the store at `db` for a command, first finding again what an
/// older analyzer stored (with a progress bar when `progress`), so that no command
/// recomputes the findings of unchanged articles; `notify` hears how many.
pub fn open(db: &Path, progress: bool, notify: &mut dyn FnMut(&str)) -> anyhow::Result<Store> {
    use anyhow::Context;
    let mut store = Store::open(db).with_context(|| format!("cannot open the dossier at {}", db.display()))?;
    let refreshed = refresh_findings(&mut store, progress)?;
    if refreshed > 0 {
        notify(&format!("found entities and quotes again in {refreshed} articles stored by an older version"));
    }
    Ok(store)
}

/// Recomputes every story of the store from scratch (`dossier stories --rebuild`).
pub fn rebuild_stories(store: &mut Store, threshold: f64) -> anyhow::Result<()> {
    let mut batch = store.batch()?;
    batch.rebuild_stories(threshold)?;
    batch.commit()?;
    Ok(())
}

/// Finds again, in parallel, the findings of articles stored by an older analyzer (or
/// none), so that no command recomputes the analysis of unchanged articles. Returns
/// how many were refreshed.
pub fn refresh_findings(store: &mut Store, progress: bool) -> anyhow::Result<usize> {
    let stories = store.queue_stale_stories()?;
    let stale = store.stale_findings()?;
    if stale.is_empty() {
        if store.analysis_pending()? {
            let bar = progress_bar(stories, "stories", progress);
            bar.set_message("merging quotes and events across each story again (the story analysis changed)");
            update_analysis_showing(store, ARTICLES_PER_STEP, &bar)?;
            bar.finish_and_clear();
        }
        return Ok(0);
    }
    let bar = progress_bar(stale.len(), "articles", progress);
    bar.set_message("finding entities and quotes again (the analyzer changed)");
    // One chunk is analysed (on every core) while the one before is written and the
    // next read: reading alone kept a core idle.
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let mut running: Option<std::thread::ScopedJoinHandle<'_, Refreshed>> = None;
        for chunk in stale.chunks(CHUNK) {
            let mut articles: Vec<Article> = Vec::with_capacity(chunk.len());
            for id in chunk {
                articles.extend(store.article(id)?);
            }
            let bar = &bar;
            let analyse = move || {
                let found = articles
                    .par_iter()
                    .map(|a| {
                        bar.inc(1);
                        analysis::extract(a.paragraphs.iter().map(|p| p.text.as_str()))
                    })
                    .collect();
                (articles.into_iter().map(|a| a.id).collect(), found)
            };
            if let Some(done) = running.replace(scope.spawn(analyse)) {
                write_refreshed(store, joined(done))?;
            }
        }
        if let Some(done) = running {
            write_refreshed(store, joined(done))?;
        }
        Ok(())
    })?;
    bar.set_message("merging entities, quotes and events across articles again");
    update_analysis_in_steps(store, ARTICLES_PER_STEP)?;
    bar.finish_and_clear();
    Ok(stale.len())
}

/// Articles' ids and their findings found again.
type Refreshed = (Vec<String>, Vec<ArticleFindings>);

fn write_refreshed(store: &mut Store, (ids, found): Refreshed) -> anyhow::Result<()> {
    let mut batch = store.batch()?;
    for (id, findings) in ids.iter().zip(&found) {
        batch.write_findings(id, findings)?;
    }
    batch.commit()?;
    Ok(())
}

/// What a scoped thread returned, its panic passed on.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn finish(store: &Store, summary: &mut Summary, started: Instant) -> anyhow::Result<()> {
    summary.duplicates = store.duplicate_group_count()?;
    summary.stories = store.story_count()?;
    summary.elapsed = started.elapsed();
    Ok(())
}
