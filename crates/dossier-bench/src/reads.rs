//! Read latencies on a built store: what each command and page costs at the store's
//! size, as p50 / p99 over samples spread across the store, and the time from an
//! upload to its article being visible (stored, analysed, searchable).

use crate::bench::peak_memory;
use dossier_app::read::{self, Window};
use dossier_app::{dossier, ingest, search};
use dossier_search::Filters;
use dossier_store::{ArticleFilter, Store};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const SAMPLES: usize = 50;
/// Uploads timed one after another: a small commit each, so the index's merges show.
const UPLOADS: usize = 30;

/// Times `read` on each sample; returns the sorted durations.
fn timed<T>(samples: &[T], mut read: impl FnMut(&T) -> anyhow::Result<()>) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(samples.len());
    for sample in samples {
        let started = Instant::now();
        read(sample)?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times)
}

/// `count` items spread evenly over `items`.
fn spread<T: Clone>(items: &[T], count: usize) -> Vec<T> {
    if items.is_empty() {
        return Vec::new();
    }
    (0..count).map(|i| items[i * items.len() / count].clone()).collect()
}

fn report(name: &str, times: &[Duration]) {
    let ms = |p: f64| match times.len() {
        0 => 0.0,
        n => times[((n - 1) as f64 * p).round() as usize].as_secs_f64() * 1000.0,
    };
    println!("{name:<34} {:>7} {:>10.2} {:>10.2} {:>10.2}", times.len(), ms(0.5), ms(0.99), ms(1.0));
}

pub fn run(db: &Path) -> anyhow::Result<ExitCode> {
    let store = Store::open(db)?;
    let articles = store.count()?;
    let size = std::fs::metadata(db).map(|m| m.len()).unwrap_or(0);
    println!(
        "Reads on {} ({articles} articles, {} per article), through the read models the CLI, API and pages use",
        db.display(),
        dossier_app::ingest::human_bytes(size / articles.max(1) as u64)
    );
    let (ranked, stories) = store.story_page(usize::MAX, 0)?;
    let largest = ranked.first().map(|s| (s.id.clone(), s.articles));
    let story_ids: Vec<String> = spread(&ranked.iter().map(|s| s.id.clone()).collect::<Vec<_>>(), SAMPLES);
    drop(ranked);
    let (article_ids, _) = store.document_ids()?;
    let article_ids = spread(&article_ids, SAMPLES);
    let (people, _) = store.entity_page(Some("person"), SAMPLES, 0)?;
    let names: Vec<String> = people.iter().map(|p| p.name.clone()).collect();
    let entity_ids: Vec<String> = people.iter().map(|p| p.id.clone()).collect();
    let started = Instant::now();
    let index = search::open_index(db, &store, &mut |_| {})?;
    let index_open = started.elapsed();
    let words: Vec<String> = ["security", "election", "president", "talks", "court", "police", "market", "vote"]
        .iter()
        .map(|w| w.to_string())
        .collect();
    let window = |page: usize| Window { page, per_page: 20 };
    // Pages spread over a list of `total` items, 20 to a page.
    let pages = |total: usize| spread(&(1..=total.div_ceil(20).max(1)).collect::<Vec<_>>(), SAMPLES);
    let entities = store.entity_page(None, 1, 0)?.1;

    println!("{stories} stories");
    println!("{:<34} {:>7} {:>10} {:>10} {:>10}", "read", "samples", "p50 ms", "p99 ms", "max ms");
    report(
        "articles (a page of 20)",
        &timed(&pages(articles), |&p| read::articles(&store, &Default::default(), window(p)).map(drop))?,
    );
    report("stories (a page of 20)", &timed(&pages(stories), |&p| read::stories(&store, window(p)).map(drop))?);
    report("story (view)", &timed(&story_ids, |s| read::story(&store, s).map(drop))?);
    if let Some((largest, members)) = &largest {
        let five = vec![largest.clone(); 5];
        report(&format!("story of {members} (largest, view)"), &timed(&five, |s| read::story(&store, s).map(drop))?);
        report(
            &format!("articles of the story of {members} (page)"),
            &timed(&five, |s| {
                let filter = ArticleFilter { story: Some(s.clone()), ..ArticleFilter::default() };
                read::articles(&store, &filter, window(1)).map(drop)
            })?,
        );
    }
    report("coverage (story)", &timed(&story_ids, |s| dossier::story_coverage(&store, s).map(drop))?);
    report("timeline (story findings)", &timed(&story_ids, |s| store.story_findings(s).map(drop).map_err(Into::into))?);
    report("show (article view)", &timed(&article_ids, |a| read::article(&store, a).map(drop))?);
    report(
        "entities (a page of 20)",
        &timed(&pages(entities), |&p| read::entities(&store, None, window(p)).map(drop))?,
    );
    report("entity (view, top people)", &timed(&entity_ids, |e| read::entity(&store, e).map(drop))?);
    report(
        "quotes --speaker (a page, top people)",
        &timed(&names, |n| {
            let filter = read::QuoteFilter { speaker: Some(n.clone()), ..read::QuoteFilter::default() };
            read::quotes(&store, &filter, window(1)).map(drop)
        })?,
    );
    let searches = spread(&words, SAMPLES);
    report("search (top 20)", &timed(&searches, |w| index.search(w, &Filters::default(), 20, 0).map(drop))?);
    let everything = search::Query::default();
    report(
        "counts per day (all articles)",
        &timed(&spread(&[()], 10), |_| search::per_day(&index, &store, &everything).map(drop))?,
    );
    report(
        "counts per day (a search)",
        &timed(&searches, |w| {
            search::per_day(&index, &store, &search::Query { text: w.clone(), ..Default::default() }).map(drop)
        })?,
    );
    report(
        "counts per day (a story)",
        &timed(&story_ids, |s| {
            search::per_day(&index, &store, &search::Query { story: Some(s.clone()), ..Default::default() }).map(drop)
        })?,
    );
    report(
        "story report (markdown)",
        &timed(&story_ids, |s| read::story(&store, s).map(|view| drop(dossier_app::story_report::markdown(&view))))?,
    );
    println!("index open and caught up: {:.2} ms", index_open.as_secs_f64() * 1000.0);
    drop(store);

    // Upload to visible: an article stored, grouped, analysed and searchable (enough
    // uploads for the index's merges to show in p99).
    let mut store = Store::open(db)?;
    let mut uploads = Vec::new();
    let mut stages = ingest::Stages::default();
    let segments_before = index.segments();
    for n in 0..UPLOADS {
        let text = format!(
            "{{\"title\": \"Bench upload {n}\", \"text\": \"Officials met in Geneva on Friday to discuss security guarantees, {n} diplomats said.\\n\\n\\u201cWe will answer soon,\\u201d Sergei Ryabkov told reporters.\"}}"
        );
        let started = Instant::now();
        let summary = ingest::ingest_document(
            &mut store,
            &format!("bench-upload-{n}-{}.jsonl", std::process::id()),
            text.as_bytes(),
            &ingest::Options::default(),
            || true,
        )?;
        let searchable = Instant::now();
        search::catch_up(&index, &store)?;
        stages.add("search index", searchable.elapsed());
        summary.stages.0.into_iter().for_each(|(stage, spent)| stages.add(stage, spent));
        uploads.push(started.elapsed());
    }
    uploads.sort();
    report(&format!("upload → visible ({UPLOADS} uploads)"), &uploads);
    println!("index segments: {segments_before} before the uploads, {} after", index.segments());
    for (stage, spent) in &stages.0 {
        println!("  {stage:<40} {:>8.1} ms per upload", spent.as_secs_f64() * 1000.0 / uploads.len() as f64);
    }
    println!("peak memory: {}", peak_memory().map_or("unknown".into(), dossier_app::ingest::human_bytes));
    Ok(ExitCode::SUCCESS)
}
