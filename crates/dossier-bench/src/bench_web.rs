//! Benchmarks of search and of the server: latency percentiles and requests/s.

use crate::bench::{date_for, peak_memory, Base};
use dossier_app::ingest::human_bytes;
use dossier_search::{Filters, IndexedDoc, SearchIndex};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn milliseconds(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Indexes `count` articles cycled from `bases` (with outlets, dates, stories) and
/// times 1,000 queries: single words, two words, phrases, and each with a filter.
pub fn search_latency(bases: &[Base], count: usize) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(!bases.is_empty(), "no articles to index");
    let outlets = ["Reuters", "The Moscow Times", "Sputnik", "AP", "BBC"];
    let docs: Vec<IndexedDoc> = (0..count)
        .map(|i| {
            let base = &bases[i % bases.len()];
            let (year, month, day) = date_for(i);
            let days =
                dossier_core::dates::parse_date(&format!("{year}-{month:02}-{day:02}")).map(dossier_app::search::days);
            IndexedDoc {
                kind: "article",
                id: format!("a{i}"),
                article: format!("a{i}"),
                articles: vec![format!("a{i}")],
                title: base.title.clone(),
                text: base.paragraphs.join("\n\n"),
                outlet: Some(outlets[i % outlets.len()].to_string()),
                published: days,
                story: Some(format!("s{}", i / 10)),
                language: Some("en".into()),
                ..IndexedDoc::default()
            }
        })
        .collect();
    let dir = std::env::temp_dir().join(format!("dossier-search-bench-{}", std::process::id()));
    let (index, _) = SearchIndex::open(&dir)?;
    let started = Instant::now();
    index.replace_all(&docs, 0)?;
    let build = started.elapsed().as_secs_f64();
    let words: Vec<&str> = bases
        .iter()
        .flat_map(|b| b.paragraphs.iter().flat_map(|p| p.split_whitespace()))
        .filter(|w| w.len() >= 5 && w.chars().all(char::is_alphabetic))
        .step_by(97)
        .take(2000)
        .collect();
    let mut timings = Vec::new();
    let mut matches = 0usize;
    for i in 0..1000 {
        let (a, b) = (words[i % words.len()], words[(i * 7 + 3) % words.len()]);
        let query = match i % 3 {
            0 => a.to_string(),
            1 => format!("{a} {b}"),
            _ => format!("\"{a} {b}\""),
        };
        let filters = if i % 2 == 0 {
            Filters::default()
        } else {
            Filters { outlet: Some(outlets[i % outlets.len()].into()), ..Filters::default() }
        };
        let started = Instant::now();
        matches += index.search(&query, &filters, 20, 0)?.total;
        timings.push(started.elapsed());
    }
    timings.sort();
    let _ = std::fs::remove_dir_all(&dir);
    println!("indexed {count} articles in {build:.1} s ({:.0} articles/s)", count as f64 / build);
    println!(
        "1,000 queries (words, pairs, phrases; half with an outlet filter; top 20 with snippets): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} matches in all)",
        milliseconds(percentile(&timings, 0.5)),
        milliseconds(percentile(&timings, 0.99)),
        milliseconds(*timings.last().unwrap_or(&Duration::ZERO)),
        matches
    );
    println!("peak memory: {}", peak_memory().map_or("unknown".into(), human_bytes));
    Ok(ExitCode::SUCCESS)
}

fn fetch(addr: SocketAddr, path: &str) -> anyhow::Result<usize> {
    let mut stream = TcpStream::connect(addr)?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")?;
    let mut body = Vec::new();
    stream.read_to_end(&mut body)?;
    anyhow::ensure!(
        body.starts_with(b"HTTP/1.1 200"),
        "{path}: {}",
        String::from_utf8_lossy(&body[..body.len().min(80)])
    );
    Ok(body.len())
}

/// Serves a store (the seeds when none is given) in this process and loads its pages and
/// API calls with `clients` closed-loop clients for `seconds` each: server start time,
/// requests/s and latency percentiles per page, the home page's size.
pub fn server_load(seconds: u64, clients: usize, db: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let dir = std::env::temp_dir().join(format!("dossier-serve-bench-{}", std::process::id()));
    let db = match db {
        Some(db) => db.to_path_buf(),
        None => {
            std::fs::create_dir_all(&dir)?;
            let db = dir.join("seeds.db");
            let mut store = dossier_store::Store::open(&db)?;
            let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/seeds");
            dossier_app::ingest::ingest(&mut store, &[seeds], &dossier_app::ingest::Options::default())?;
            db
        }
    };
    let paths = sample_paths(&db)?;
    let (sender, receiver) = std::sync::mpsc::channel();
    let config = dossier_server::Config::new(db.clone());
    let started = Instant::now();
    std::thread::spawn(move || {
        let addr: SocketAddr = "127.0.0.1:0".parse().expect("address");
        let _ = dossier_server::serve_blocking(config, addr, move |bound| {
            let _ = sender.send(bound);
        });
    });
    let addr = receiver.recv_timeout(Duration::from_secs(600))?;
    println!("server on {addr}: started in {:.2} s on {}", started.elapsed().as_secs_f64(), db.display());
    println!("home page: {}", human_bytes(fetch(addr, "/")? as u64));
    println!("{clients} clients, {seconds} s per page, each waiting for its answer");
    for (name, path) in paths {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let workers: Vec<_> = (0..clients)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || -> anyhow::Result<Vec<Duration>> {
                    let mut timings = Vec::new();
                    while Instant::now() < deadline {
                        let started = Instant::now();
                        fetch(addr, &path)?;
                        timings.push(started.elapsed());
                    }
                    Ok(timings)
                })
            })
            .collect();
        let mut timings = Vec::new();
        for worker in workers {
            timings.extend(worker.join().map_err(|_| anyhow::anyhow!("client thread failed"))??);
        }
        timings.sort();
        println!(
            "{name:<30} {:>8.1} requests/s   p50 {:>8.2} ms   p99 {:>8.2} ms",
            timings.len() as f64 / seconds as f64,
            milliseconds(percentile(&timings, 0.5)),
            milliseconds(percentile(&timings, 0.99))
        );
    }
    println!("peak memory (server and clients): {}", peak_memory().map_or("unknown".into(), human_bytes));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(ExitCode::SUCCESS)
}

/// The pages and API calls to load: the largest and a middling story, the most named
/// person, an article, lists deep in their pages, searches.
fn sample_paths(db: &std::path::Path) -> anyhow::Result<Vec<(String, String)>> {
    let store = dossier_store::Store::open(db)?;
    let window = |page, per_page| dossier_app::read::Window { page, per_page };
    let stories = dossier_app::read::stories(&store, window(1, 1))?;
    let middling_page = (stories.total / 2).max(1);
    let middling = dossier_app::read::stories(&store, window(middling_page, 1))?;
    let person = store.entity_page(Some("person"), 1, 0)?.0.into_iter().next();
    let article = dossier_app::read::articles(&store, &Default::default(), window(1, 1))?;
    let mut paths = vec![
        ("home page".to_string(), "/".to_string()),
        ("home page, page 20".to_string(), "/?page=20".to_string()),
        ("API stories, page 20".to_string(), "/api/stories?page=20".to_string()),
        ("API articles, page 100".to_string(), "/api/articles?page=100".to_string()),
        ("API search".to_string(), "/api/search?q=security%20talks".to_string()),
        ("search page".to_string(), "/search?q=president".to_string()),
    ];
    if let Some(story) = stories.items.first() {
        paths.push((format!("story page ({} articles)", story.articles), format!("/stories/{}", story.id)));
        paths.push(("API story (largest)".to_string(), format!("/api/stories/{}", story.id)));
    }
    if let Some(story) = middling.items.first() {
        paths.push((format!("story page ({} articles)", story.articles), format!("/stories/{}", story.id)));
    }
    if let Some(person) = person {
        paths.push((format!("entity page ({} articles)", person.articles), format!("/entities/{}", person.id)));
        let name: String = person.name.split_whitespace().last().unwrap_or_default().to_string();
        paths.push(("API quotes --speaker".to_string(), format!("/api/quotes?speaker={name}")));
    }
    if let Some(article) = article.items.first() {
        paths.push(("article page".to_string(), format!("/articles/{}", article.id)));
    }
    Ok(paths)
}
