//! Containers at size: a web archive (WARC.gz, one gzip member per record, as crawlers
//! write them) and an RSS feed (full text in `content:encoded`), each of --articles
//! generated pages, ingested into fresh stores; then the same feed read again, every
//! item stored already, as a followed feed's check costs when its server ignores
//! conditional requests.

use crate::bench::{peak_memory, Base};
use crate::stream::Stream;
use dossier_app::ingest::{self, human_bytes, Input};
use dossier_store::Store;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

pub fn run(bases: &[Base], count: usize) -> anyhow::Result<ExitCode> {
    let dir = std::env::temp_dir().join(format!("dossier-containers-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let stream = Stream::new(bases);
    let pages: Vec<(String, String)> = (0..count).map(|i| page(&stream.article(i), i)).collect();
    let archive = dir.join("crawl.warc.gz");
    std::fs::write(&archive, warc_gz(&pages)?)?;
    let feed = dir.join("wire.rss");
    std::fs::write(&feed, rss(&pages))?;
    println!("{count} generated pages: a WARC.gz of {} and an RSS feed of {}", size(&archive), size(&feed));
    println!("{:<44} {:>10} {:>10} {:>12}", "ingest", "articles", "seconds", "articles/s");
    println!("(items under {} words are teasers: linked, not stored)", dossier_core::capture::feed::MIN_ITEM_WORDS);
    for (name, file) in [("WARC.gz, one record a page", &archive), ("RSS feed, full text in each item", &feed)] {
        let db = dir.join(format!("{}.db", file.file_name().unwrap_or_default().to_string_lossy()));
        let mut store = Store::open(&db)?;
        line(name, &mut store, file)?;
        if file == &feed {
            line("the same feed again (every item stored)", &mut store, file)?;
        }
    }
    println!(
        "threads: {}   peak memory: {}",
        rayon::current_num_threads(),
        peak_memory().map_or("unknown".into(), human_bytes)
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(ExitCode::SUCCESS)
}

fn line(name: &str, store: &mut Store, file: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let summary = ingest::ingest_inputs(store, &[Input::Path(file.to_path_buf())], &ingest::Options::default())?;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(skipped) = summary.problems.iter().find(|p| p.skipped) {
        anyhow::bail!("{name}: {skipped}");
    }
    let articles = summary.articles.len();
    println!("{name:<44} {articles:>10} {seconds:>10.2} {:>12.0}", articles as f64 / seconds);
    for warning in &summary.problems {
        println!("    ({warning})");
    }
    Ok(())
}

fn size(path: &Path) -> String {
    human_bytes(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
}

/// A generated article as a page: its address and its HTML.
fn page(base: &Base, i: usize) -> (String, String) {
    let (year, month, day) = crate::bench::date_for(i);
    let url = format!("https://www.example-news.com/{year}/{month:02}/{day:02}/story-{i}");
    let body: String = base.paragraphs.iter().map(|p| format!("<p>{}</p>\n", escape(p))).collect();
    let title = escape(&format!("{} ({i})", base.title.trim_end_matches('.')));
    let html = format!(
        "<!doctype html><html><head><title>{title} | Example News</title><link rel=\"canonical\" href=\"{url}\">\
         <meta property=\"article:published_time\" content=\"{year}-{month:02}-{day:02}T09:00:00Z\"></head>\
         <body><nav><a href=\"/\">Home</a></nav><article><h1>{title}</h1>\n{body}</article></body></html>"
    );
    (url, html)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn warc_gz(pages: &[(String, String)]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    for (n, (url, html)) in pages.iter().enumerate() {
        let http = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}");
        let record = format!(
            "WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{n:012}>\r\n\
             WARC-Date: 2024-02-03T04:05:06Z\r\nWARC-Target-URI: {url}\r\nContent-Type: application/http; msgtype=response\r\n\
             Content-Length: {}\r\n\r\n{http}\r\n\r\n",
            http.len()
        );
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(record.as_bytes())?;
        out.extend(gz.finish()?);
    }
    Ok(out)
}

fn rss(pages: &[(String, String)]) -> String {
    let items: String = pages
        .iter()
        .map(|(url, html)| {
            let title = html.split("<h1>").nth(1).and_then(|t| t.split("</h1>").next()).unwrap_or("");
            let body = html.split("<h1>").nth(1).and_then(|t| t.split_once("</h1>")).map_or("", |(_, b)| b);
            format!("<item><title>{title}</title><link>{url}</link><pubDate>Tue, 03 Mar 2020 10:00:00 GMT</pubDate><content:encoded><![CDATA[{body}]]></content:encoded></item>\n")
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>Example Wire</title>\n{items}</channel></rss>\n"
    )
}
