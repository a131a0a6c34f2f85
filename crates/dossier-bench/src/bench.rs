//! `dossier bench`: builds a corpus by reshaping real articles (rewrapping,
//! markdown clipping, scraped-page furniture, HTML) and measures the pipeline
//! on it: articles/s, MB/s and peak memory.

use crate::stream::Stream;
use clap::Args;
use dossier_app::ingest::{self, analyze_task, human_bytes};
use dossier_store::Store;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args)]
pub struct BenchArgs {
    /// How many articles to generate.
    #[arg(long, default_value_t = 10_000)]
    articles: usize,
    /// Folders of real articles to reshape (plain text, title on the first line).
    /// Default: ../shared/data/polnear/train when present, else examples/seeds.
    #[arg(long = "from")]
    from: Vec<PathBuf>,
    /// Where to write the corpus (default: a fresh folder in the system temp dir, removed afterwards).
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// What to measure: `ingest` (files through the whole pipeline) or `scale`
    /// (duplicate index and stories on a large in-memory corpus with planted copies).
    #[arg(long, value_enum, default_value_t = Stage::Ingest)]
    stage: Stage,
    /// With --stage lsh: a JSON-lines file of `{"id", "text"}` records (paragraphs separated by blank lines).
    #[arg(long)]
    input: Option<PathBuf>,
    /// With --stage lsh: where to write the near-duplicate pairs found, one JSON object a line.
    #[arg(long)]
    output: Option<PathBuf>,
    /// With --stage serve: how long to load each page, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// With --stage serve: concurrent clients (the load is bounded: each waits for its answer).
    #[arg(long, default_value_t = 4)]
    clients: usize,
    /// With --stage reads: the store to measure (it gains five small uploads); with --stage serve, the store to serve.
    #[arg(long)]
    db: Option<PathBuf>,
    /// With --stage scale: cluster stories too when the corpus has at most this many articles.
    #[arg(long, default_value_t = 200_000)]
    stories_up_to: usize,
}

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum Stage {
    Ingest,
    Scale,
    /// Near-duplicate detection alone (MinHash LSH) on --input, for side-by-side runs with other libraries.
    Lsh,
    /// Entities, quotes, dates and their merging across articles (stories of ten), in memory.
    Analysis,
    /// Search latency (p50, p99) on a tantivy index of --articles generated articles.
    Search,
    /// The server's start time, and its pages' and API calls' latencies under a bounded loopback load, on --db (default: the seeds).
    Serve,
    /// Read latencies (p50, p99) and upload-to-visible time on the store --db (built by `dossier analyze`).
    Reads,
    /// Learns the speaker ranker's weights on PolNeAR train (../shared) and writes them to
    /// --output (default: crates/dossier-core/data/speaker_model.tsv); prints rules against ranker on train and dev.
    TrainSpeakers,
    /// Adds --articles new generated articles (continuing the store's generated sequence) to
    /// the store --db, as `dossier analyze` would, search index included; prints where the time went.
    Add,
    /// Scores the stories of --db, a store built by this bench (`--corpus DIR`), against
    /// the stream's planted stories: for a store too large to score in the run that built it.
    Planted,
    /// Reads every page of the folder --input on one thread, as `dossier analyze` reads a file
    /// (decode, extract, clean, metadata), and writes `{file, text, title, published}` lines
    /// to --output; prints pages/s and peak memory. For side-by-side runs with trafilatura.
    Extract,
    /// A WARC.gz and an RSS feed of --articles generated pages each ingested into a fresh
    /// store, and the feed read again with every item stored; articles/s and peak memory.
    Containers,
}

pub struct Base {
    pub title: String,
    pub paragraphs: Vec<String>,
}

fn load_bases(folders: &[PathBuf]) -> anyhow::Result<Vec<Base>> {
    let mut bases = Vec::new();
    let mut problems = Vec::new();
    for task in ingest::collect_files(folders, &mut problems) {
        let Some(Ok(text)) = task.path().map(std::fs::read_to_string) else {
            continue;
        };
        let mut blocks = text.split('\n').map(str::trim).filter(|l| !l.is_empty());
        let Some(title) = blocks.next() else { continue };
        let paragraphs: Vec<String> = blocks.map(str::to_string).collect();
        if paragraphs.len() >= 2 {
            bases.push(Base { title: title.to_string(), paragraphs });
        }
    }
    anyhow::ensure!(!bases.is_empty(), "no usable articles to reshape in {folders:?}");
    Ok(bases)
}

fn default_sources() -> Vec<PathBuf> {
    let polnear = PathBuf::from("../shared/data/polnear/train");
    if polnear.is_dir() {
        vec![polnear]
    } else {
        vec![PathBuf::from("examples/seeds")]
    }
}

/// Wraps a paragraph at `width`, splitting some long words with a hyphen as a PDF would.
fn hard_wrap(paragraph: &str, width: usize, hyphenate: bool) -> String {
    let mut out = String::new();
    let mut line_len = 0;
    for word in paragraph.split_whitespace() {
        let len = word.chars().count();
        if line_len > 0 && line_len + 1 + len > width {
            if hyphenate && len >= 9 && word.chars().all(char::is_alphabetic) {
                let cut: String = word.chars().take(len / 2).collect();
                let rest: String = word.chars().skip(len / 2).collect();
                out.push(' ');
                out.push_str(&cut);
                out.push_str("-\n");
                out.push_str(&rest);
                line_len = rest.chars().count();
                continue;
            }
            out.push('\n');
            line_len = 0;
        } else if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += len;
    }
    out
}

pub fn date_for(i: usize) -> (u32, u32, u32) {
    (2015 + (i % 10) as u32, 1 + (i % 12) as u32, 1 + (i % 28) as u32)
}

/// One generated capture: file extension and content.
fn reshape(base: &Base, i: usize) -> (&'static str, String) {
    let (year, month, day) = Stream::date(i);
    let paragraphs = &base.paragraphs;
    let title = format!("{} ({})", base.title.trim_end_matches('.'), i);
    let slug: String = title.to_lowercase().split_whitespace().take(6).collect::<Vec<_>>().join("-");
    let url = format!(
        "https://www.example-news.com/{year}/{month:02}/{day:02}/{}-{i}",
        slug.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "")
    );
    match i % 5 {
        0 => ("txt", format!("{title}\n\n{}\n", paragraphs.join("\n\n"))),
        1 => {
            let width = 60 + (i * 7) % 40;
            let mut out = String::new();
            for (n, paragraph) in paragraphs.iter().enumerate() {
                out.push_str(&hard_wrap(paragraph, width, true));
                out.push_str("\n\n");
                if n == 1 {
                    out.push_str(
                        "https://cited.example.org/report.html\nhttps://another.example.net/2019/05/06/background\n\n",
                    );
                }
                if n % 6 == 5 {
                    out.push_str(&format!("{}\n\n", n / 6 + 1));
                }
            }
            ("txt", out)
        }
        2 => {
            let mut out = format!(
                "# {title}\n\n{} {day}, {year}\n\nA view of the city centre. **Jane Doe / Example Agency**\n\n",
                dossier_core::dates::MONTH_NAMES[month as usize - 1]
            );
            for (n, paragraph) in paragraphs.iter().enumerate() {
                let linked = paragraph.replacen(" said ", " [said](#) ", 1);
                out.push_str(&linked);
                out.push_str("\n\n");
                if n == 1 {
                    out.push_str("**Related article:** [An Earlier Story About the Same Topic](#)\n\n");
                }
            }
            out.push_str(&format!("Original url:\n\n<{url}>"));
            ("md", out)
        }
        3 => {
            let mut out = format!("- Example Wire, 1920, {day:02}.{month:02}.{year}\nWorld Politics\n\n{title}\n\n© Example Wire / John Roe / Go to the mediabank\nA building in the capital. - Example Wire, 1920, {day:02}.{month:02}.{year}\n");
            for (n, paragraph) in paragraphs.iter().enumerate() {
                if n == 0 {
                    out.push_str("WASHINGTON (Example Wire) - ");
                }
                out.push_str(paragraph);
                out.push('\n');
                if n == 2 {
                    out.push_str("World Politics\nAnother Headline Everyone Is Reading Today\n");
                }
            }
            out.push_str("To participate in the discussion\nlog in or register\n");
            ("txt", out)
        }
        _ => {
            let body: String = paragraphs
                .iter()
                .map(|p| format!("<p>{}</p>\n", p.replace('&', "&amp;").replace('<', "&lt;")))
                .collect();
            let html = format!(
                "<!doctype html><html lang=\"en\"><head><title>{title} | Example News</title>\n<meta property=\"og:title\" content=\"{title}\">\n<meta property=\"article:published_time\" content=\"{year}-{month:02}-{day:02}T09:00:00Z\">\n<link rel=\"canonical\" href=\"{url}\"></head>\n<body><nav><ul><li>Home</li><li>World</li></ul></nav>\n<article><h1>{title}</h1>\n<figure><figcaption>A caption that is not text</figcaption></figure>\n{body}</article>\n<aside class=\"related\"><p>Related stories and more links that are not part of this article</p></aside></body></html>\n"
            );
            ("html", html)
        }
    }
}

/// Writes the articles of the generated stream numbered `numbers` into `dir`, a folder per thousand.
fn write_corpus(dir: &Path, bases: &[Base], numbers: std::ops::Range<usize>) -> anyhow::Result<u64> {
    std::fs::create_dir_all(dir)?;
    let stream = Stream::new(bases);
    let written: anyhow::Result<Vec<u64>> = numbers
        .into_par_iter()
        .map(|i| {
            let (extension, content) = reshape(&stream.article(i), i);
            let folder = dir.join(format!("{:04}", i / 1000));
            std::fs::create_dir_all(&folder)?;
            std::fs::write(folder.join(format!("{i:07}.{extension}")), &content)?;
            Ok(content.len() as u64)
        })
        .collect();
    Ok(written?.iter().sum())
}

/// Where an ingest's time went, the search index last. Reading, analysing and writing
/// chunks overlap, so their shares can add up to more than the whole.
fn print_stages(stages: &ingest::Stages, indexing: std::time::Duration, total: f64) {
    println!("where the time went (wall clock per stage; reading, analysis and writing overlap):");
    let stages = stages.0.iter().copied().chain(std::iter::once(("search index", indexing)));
    for (stage, spent) in stages {
        let seconds = spent.as_secs_f64();
        println!("  {stage:<40} {seconds:>8.2} s {:>5.1}%", 100.0 * seconds / total);
    }
}

/// Adds `count` generated articles to the store at `db` (numbered after those it holds,
/// so that they join its stories and duplicate groups as the stream would) and times
/// the whole write: articles, duplicate groups, stories, the analysis across articles
/// and the search index.
fn add_to_store(db: &Path, bases: &[Base], count: usize) -> anyhow::Result<ExitCode> {
    let mut store = Store::open(db)?;
    let index = dossier_app::search::open_index(db, &store, &mut |_| {})?;
    let held = store.count()?;
    let dir = std::env::temp_dir().join(format!("dossier-bench-add-{}", std::process::id()));
    write_corpus(&dir, bases, held..held + count)?;
    println!("Adding {count} generated articles to {} ({held} articles) …", db.display());
    let started = Instant::now();
    let summary = ingest::ingest(&mut store, std::slice::from_ref(&dir), &bench_options())?;
    let indexing = Instant::now();
    dossier_app::search::catch_up_after_writing(&index, &mut store)?;
    let indexing = indexing.elapsed();
    let total = started.elapsed().as_secs_f64();
    std::fs::remove_dir_all(&dir)?;
    println!(
        "added {} articles ({} problems) in {total:.2} s, search index included ({:.0} articles/s)",
        summary.inserted,
        summary.problems.len(),
        summary.inserted as f64 / total
    );
    print_stages(&summary.stages, indexing, total);
    println!("peak memory: {}", peak_memory().map_or("unknown".into(), human_bytes));
    Ok(ExitCode::SUCCESS)
}

fn bench_options() -> ingest::Options {
    ingest::Options { max_file_size: u64::MAX, progress: true, ..ingest::Options::default() }
}

/// How well the stored stories match the stream's planted ones: pairwise precision,
/// recall and F1 over the ingested articles (each named by its number in the stream).
fn planted_stories<'s>(
    store: &Store,
    bases: &[Base],
    articles: impl Iterator<Item = (&'s str, &'s str)>,
) -> anyhow::Result<PlantedStories> {
    let stream = Stream::new(bases);
    let story_of: std::collections::HashMap<String, usize> = store
        .stories()?
        .into_iter()
        .enumerate()
        .flat_map(|(n, story)| story.articles.into_iter().map(move |id| (id, n)))
        .collect();
    let (mut gold, mut predicted) = (Vec::new(), Vec::new());
    for (id, source) in articles {
        let number = Path::new(source).file_stem().and_then(|s| s.to_str()?.parse::<usize>().ok());
        if let (Some(number), Some(&story)) = (number, story_of.get(id)) {
            gold.push(stream.story_of(number));
            predicted.push(story);
        }
    }
    let (precision, recall, f1) = crate::scale::pairwise(&gold, &predicted);
    let (largest_share, pieces) = crate::scale::pieces(&gold, &predicted);
    Ok(PlantedStories { precision, recall, f1, largest_share, pieces })
}

/// Scores the stories of a store the bench built (`--corpus`) against the planted ones.
fn score_store(db: &Path, bases: &[Base]) -> anyhow::Result<ExitCode> {
    let store = Store::open(db)?;
    let articles = store.article_sources()?;
    let planted = planted_stories(&store, bases, articles.iter().map(|(id, source)| (id.as_str(), source.as_str())))?;
    println!("{} articles in {}", articles.len(), db.display());
    print_planted(&planted);
    Ok(ExitCode::SUCCESS)
}

fn print_planted(planted: &PlantedStories) {
    let PlantedStories { precision, recall, f1, largest_share, pieces } = planted;
    println!("stories against the planted ones (pairs): precision {precision:.3}  recall {recall:.3}  F1 {f1:.3}");
    println!(
        "  a planted story's largest stored piece holds {:.1}% of its articles; {pieces:.1} pieces per planted story",
        100.0 * largest_share
    );
}

/// Stored stories against the planted ones.
struct PlantedStories {
    precision: f64,
    recall: f64,
    f1: f64,
    /// A planted story's members in its largest stored piece (weighted by members).
    largest_share: f64,
    /// Stored pieces per planted story.
    pieces: f64,
}

/// One thread through every file of `folder`: what Dossier reads of each page.
fn extract_pages(folder: &Path, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    let mut problems = Vec::new();
    let tasks = ingest::collect_files(&[folder.to_path_buf()], &mut problems);
    let started = Instant::now();
    let mut lines = Vec::with_capacity(tasks.len());
    let mut bytes = 0u64;
    for task in &tasks {
        let (size, report) = analyze_task(task, u64::MAX);
        bytes += size;
        let article = report.ok().and_then(|r| r.articles.into_iter().next());
        let file = task.path().and_then(Path::file_name).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        lines.push(serde_json::json!({
            "file": file,
            "text": article.as_ref().map(|a| a.text()),
            "title": article.as_ref().and_then(|a| a.title.clone()),
            "published": article.as_ref().and_then(|a| a.published).map(|d| d.to_string()),
        }));
    }
    let seconds = started.elapsed().as_secs_f64();
    if let Some(output) = output {
        let mut out = std::io::BufWriter::new(std::fs::File::create(output)?);
        for line in &lines {
            writeln!(out, "{line}")?;
        }
    }
    println!(
        "{} pages, {} in {seconds:.2} s on one thread: {:.0} pages/s; peak memory {}",
        tasks.len(),
        human_bytes(bytes),
        tasks.len() as f64 / seconds,
        peak_memory().map_or("unknown".into(), human_bytes)
    );
    Ok(ExitCode::SUCCESS)
}

/// Peak resident memory of this process (Linux), in bytes.
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

pub fn run(args: &BenchArgs) -> anyhow::Result<ExitCode> {
    if args.stage == Stage::Lsh {
        let input = args.input.as_deref().ok_or_else(|| anyhow::anyhow!("--stage lsh needs --input FILE.jsonl"))?;
        return crate::scale::lsh_file(input, args.output.as_deref());
    }
    if args.stage == Stage::Extract {
        let input = args.input.as_deref().ok_or_else(|| anyhow::anyhow!("--stage extract needs --input FOLDER"))?;
        return extract_pages(input, args.output.as_deref());
    }
    if args.stage == Stage::TrainSpeakers {
        let output = args.output.clone().unwrap_or_else(|| PathBuf::from("crates/dossier-core/data/speaker_model.tsv"));
        return crate::speakers::run(&output);
    }
    if args.stage == Stage::Reads {
        let db = args
            .db
            .as_deref()
            .ok_or_else(|| anyhow::anyhow!("--stage reads needs --db FILE (a store built by `dossier analyze`)"))?;
        return crate::reads::run(db);
    }
    let sources = if args.from.is_empty() { default_sources() } else { args.from.clone() };
    let bases = load_bases(&sources)?;
    if args.stage == Stage::Scale {
        return crate::scale::run(&bases, args.articles, args.stories_up_to);
    }
    if args.stage == Stage::Analysis {
        return bench_analysis(&bases, args.articles);
    }
    if args.stage == Stage::Containers {
        return crate::containers::run(&bases, args.articles);
    }
    if args.stage == Stage::Search {
        return crate::bench_web::search_latency(&bases, args.articles);
    }
    if args.stage == Stage::Serve {
        return crate::bench_web::server_load(args.seconds, args.clients, args.db.as_deref());
    }
    if args.stage == Stage::Planted {
        let db =
            args.db.as_deref().ok_or_else(|| anyhow::anyhow!("--stage planted needs --db FILE (a bench store)"))?;
        return score_store(db, &bases);
    }
    if args.stage == Stage::Add {
        let db =
            args.db.as_deref().ok_or_else(|| anyhow::anyhow!("--stage add needs --db FILE (a store to add to)"))?;
        return add_to_store(db, &bases, args.articles);
    }
    let temporary = args.corpus.is_none();
    let dir = args
        .corpus
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("dossier-bench-{}", std::process::id())));
    println!("Generating {} articles from {} real ones in {} …", args.articles, bases.len(), dir.display());
    let bytes = write_corpus(&dir, &bases, 0..args.articles)?;

    let mut problems = Vec::new();
    let tasks = ingest::collect_files(std::slice::from_ref(&dir), &mut problems);
    // Reading alone is timed on a sample: at a million files a full pass costs as long
    // as the ingest it is compared with.
    let sample = &tasks[..tasks.len().min(READ_SAMPLE)];
    let started = Instant::now();
    let analysed: Vec<usize> =
        sample.par_iter().map(|t| analyze_task(t, u64::MAX).1.map_or(0, |r| r.articles.len())).collect();
    let pipeline = started.elapsed().as_secs_f64();
    let articles: usize = analysed.iter().sum();
    let failed = analysed.iter().filter(|&&n| n == 0).count();

    let db = dir.join("bench.db");
    let mut store = Store::open(&db)?;
    let started = Instant::now();
    let summary = ingest::ingest(&mut store, std::slice::from_ref(&dir), &bench_options())?;
    let indexing = Instant::now();
    dossier_app::search::open_index(&db, &store, &mut |_| {})?;
    let indexing = indexing.elapsed();
    let full = started.elapsed().as_secs_f64();
    let peak = peak_memory();
    let planted = planted_stories(&store, &bases, summary.articles.iter().map(|a| (a.id.as_str(), a.source.as_str())))?;
    let db_size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    drop(store);
    if temporary {
        std::fs::remove_dir_all(&dir)?;
    }

    println!(
        "corpus: {} files, {} ({failed} of the {} read alone failed to analyse)",
        tasks.len(),
        human_bytes(bytes),
        sample.len()
    );
    println!("{:<34} {:>10} {:>14} {:>10}", "stage", "seconds", "articles/s", "MB/s");
    for (stage, seconds, count) in [
        ("read + clean + metadata", pipeline, articles),
        ("full ingest, search index included", full, summary.articles.len()),
    ] {
        println!("{stage:<34} {seconds:>10.2} {:>14.0} {:>10.1}", count as f64 / seconds, bytes as f64 / 1e6 / seconds);
    }
    print_stages(&summary.stages, indexing, full);
    print_planted(&planted);
    println!(
        "threads: {}   peak memory: {}   store: {}",
        rayon::current_num_threads(),
        peak.map_or("unknown".into(), human_bytes),
        human_bytes(db_size)
    );
    Ok(ExitCode::SUCCESS)
}

/// How many files the read-alone pass of the ingest bench times.
const READ_SAMPLE: usize = 50_000;

/// Times who-said-what-when on `count` articles cycled from `bases`: each article's
/// entities, quotes and events, then the merging across articles.
fn bench_analysis(bases: &[Base], count: usize) -> anyhow::Result<ExitCode> {
    use dossier_core::across::analysis::{self, ArticleInput};
    anyhow::ensure!(!bases.is_empty(), "no articles to measure on");
    let story_ids: Vec<String> = (0..count.div_ceil(10)).map(|s| format!("story-{s}")).collect();
    let inputs: Vec<ArticleInput<'_>> = (0..count)
        .map(|i| {
            let (year, month, day) = date_for(i);
            ArticleInput {
                id: "",
                outlet: None,
                published: dossier_core::dates::parse_date(&format!("{year}-{month:02}-{day:02}")),
                story: Some(story_ids[i / 10].as_str()),
                duplicate_of: None,
                paragraphs: bases[i % bases.len()].paragraphs.iter().map(String::as_str).collect(),
            }
        })
        .collect();
    let ids: Vec<String> = (0..count).map(|i| format!("a{i}")).collect();
    let inputs: Vec<ArticleInput<'_>> =
        inputs.into_iter().zip(&ids).map(|(input, id)| ArticleInput { id, ..input }).collect();
    let bytes: usize = inputs.iter().map(|i| dossier_core::text::body_len(i.paragraphs.iter().copied())).sum();
    println!(
        "Analysing {count} articles ({}) from {} real ones on {} threads …",
        human_bytes(bytes as u64),
        bases.len(),
        rayon::current_num_threads()
    );
    let started = Instant::now();
    let per_article: usize = inputs
        .par_iter()
        .map(|input| {
            let found = dossier_core::findings::entities::extract(input.paragraphs.iter().copied());
            let quotes = dossier_core::findings::quotes::extract(input.paragraphs.iter().copied());
            let events = input.published.map(|date| {
                dossier_core::findings::timeline::article_events(&input.paragraphs, &found, date, false).len()
            });
            found.entities.len() + quotes.len() + events.unwrap_or(0)
        })
        .sum();
    let extraction = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let result = analysis::analyze(&inputs);
    let full = started.elapsed().as_secs_f64();
    println!("{:<44} {:>10} {:>14} {:>10}", "stage", "seconds", "articles/s", "MB/s");
    for (stage, seconds) in
        [("entities + quotes + events, per article", extraction), ("the same, then merged across articles", full)]
    {
        println!("{stage:<44} {seconds:>10.2} {:>14.0} {:>10.2}", count as f64 / seconds, bytes as f64 / 1e6 / seconds);
    }
    println!(
        "found {per_article} items; merged: {} entities, {} quotes, {} events   peak memory: {}",
        result.entities.entities.len(),
        result.quotes.len(),
        result.events.len(),
        peak_memory().map_or("unknown".into(), human_bytes)
    );
    Ok(ExitCode::SUCCESS)
}
