//! What users collect besides single pages, through the real binary: feeds, web
//! archives, PDFs and other tools' JSON records become articles of their own; other
//! containers are skipped with one line naming the file and what it is.

mod common;
use common::{dossier, Run};
use std::fs;
use std::io::Write;
use std::path::Path;

/// A paragraph of about a hundred words about `topic`, different for each topic so
/// that no two fixtures are near-duplicates of each other.
fn body(topic: &str) -> String {
    const WORDS: &[&str] = &[
        "council",
        "members",
        "argued",
        "officials",
        "decision",
        "residents",
        "waited",
        "months",
        "answer",
        "mayor",
        "reporters",
        "plan",
        "changed",
        "spring",
        "opponents",
        "cosmetic",
        "campaign",
        "vote",
        "budget",
        "repairs",
        "engineers",
        "inspected",
        "weekend",
        "traffic",
        "closed",
        "contract",
        "company",
        "workers",
        "union",
        "strike",
        "court",
        "ruling",
        "appeal",
        "minister",
        "visited",
        "region",
        "schools",
        "teachers",
        "parents",
        "protest",
        "river",
        "flooding",
        "farmers",
        "harvest",
        "prices",
        "shops",
        "market",
        "police",
        "arrested",
        "witnesses",
    ];
    let mut state =
        topic.bytes().fold(0x9E37_79B9_7F4A_7C15_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3));
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        WORDS[(state % WORDS.len() as u64) as usize]
    };
    (0..8)
        .map(|_| {
            let words: Vec<&str> = (0..12).map(|_| next()).collect();
            format!("The {topic} {}.", words.join(" "))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The exit code of a run that stored articles but skipped or only partly read some files.
const SOME_SKIPPED: i32 = 3;

fn rss() -> String {
    let item = |n: usize, topic: &str, text: String| {
        format!(
            "<item><title>{topic} story {n}</title><link>https://wire.example.com/{topic}-{n}</link><pubDate>Tue, 03 Mar 2020 10:00:00 GMT</pubDate><content:encoded><![CDATA[{text}]]></content:encoded></item>"
        )
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>Example Wire</title>{}{}{}</channel></rss>",
        item(1, "harbour", format!("<p>{}</p><p>{}</p>", body("harbour"), body("harbour wall"))),
        item(2, "tramway", format!("<p>{}</p><p>{}</p>", body("tramway"), body("tram depot"))),
        item(3, "teaser", "<p>Read the whole story on our site.</p>".into()),
    )
}

fn warc_record(kind: &str, uri: &str, block: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{:012}>\r\nWARC-Date: 2024-02-03T04:05:06Z\r\nWARC-Target-URI: {uri}\r\nContent-Type: application/http; msgtype={kind}\r\nContent-Length: {}\r\n\r\n",
        block.len(),
        block.len()
    )
    .into_bytes();
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
    out
}

/// A gzipped WARC, one gzip member per record as crawlers write them.
fn warc_gz() -> Vec<u8> {
    let page = |title: &str, topic: &str| {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><head><title>{title}</title></head><body><nav><a href=\"/\">Home</a></nav><article><h1>{title}</h1><p>{}</p><p>{}</p></article></body></html>",
            body(topic),
            body(&format!("{topic} budget"))
        )
    };
    let records = [
        warc_record("warcinfo", "", b"software: test-crawler\r\n"),
        warc_record(
            "request",
            "https://news.example.org/bridge",
            b"GET /bridge HTTP/1.1\r\nHost: news.example.org\r\n\r\n",
        ),
        warc_record(
            "response",
            "https://news.example.org/bridge",
            page("Bridge closes for repairs", "bridge").as_bytes(),
        ),
        warc_record(
            "response",
            "https://news.example.org/logo.png",
            b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n\x89PNG",
        ),
        warc_record(
            "response",
            "https://news.example.org/library",
            page("Library hours extended", "library").as_bytes(),
        ),
    ];
    let mut out = Vec::new();
    for record in records {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&record).unwrap();
        out.extend(gz.finish().unwrap());
    }
    out
}

fn write_fixtures(dir: &Path) {
    fs::write(dir.join("wire.rss"), rss()).unwrap();
    fs::write(dir.join("crawl.warc.gz"), warc_gz()).unwrap();
    let mut lines = vec!["Ferry timetable changes".to_string(), String::new()];
    lines.extend(body("ferry").split(". ").map(|s| format!("{s}.")));
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    fs::write(dir.join("notice.pdf"), dossier_core::capture::pdf::sample_pdf(&lines)).unwrap();
    let news_please = serde_json::json!({
        "maintext": body("stadium"), "title": "Stadium vote delayed", "date_publish": "2021-03-04 10:00:00",
        "source_domain": "www.stadium-news.example", "url": "https://www.stadium-news.example/vote", "language": "en"
    });
    fs::write(dir.join("news-please.json"), news_please.to_string()).unwrap();
    let newsapi = serde_json::json!({"status": "ok", "articles": [
        {"source": {"id": null, "name": "Example Herald"}, "title": "Water prices rise", "url": "https://herald.example/water",
         "publishedAt": "2022-01-02T03:04:05Z", "content": body("water price")}]});
    fs::write(dir.join("newsapi.json"), newsapi.to_string()).unwrap();
    fs::write(
        dir.join("sitemap.xml"),
        "<?xml version=\"1.0\"?><urlset><url><loc>https://a.example/</loc></url></urlset>",
    )
    .unwrap();
    fs::write(dir.join("catalog.xml"), "<?xml version=\"1.0\"?><catalog><book id=\"1\"/></catalog>").unwrap();
    fs::write(dir.join("scan.pdf"), b"%PDF-1.4\n%%EOF\n").unwrap();
}

fn exported(db: &Path) -> Vec<serde_json::Value> {
    let run = dossier(db, &["export", "--format", "jsonl"]);
    run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn by_title<'a>(articles: &'a [serde_json::Value], title: &str) -> &'a serde_json::Value {
    articles.iter().find(|a| a["title"] == title).unwrap_or_else(|| panic!("no article titled {title:?}"))
}

#[test]
fn feeds_archives_pdfs_and_tool_records_become_articles() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    write_fixtures(&input);
    let db = dir.path().join("d.db");
    let run: Run = dossier(&db, &["analyze", "--quiet", input.to_str().unwrap()]);
    assert_eq!(run.code, SOME_SKIPPED, "{}", run.stderr);
    let articles = exported(&db);
    let titles: Vec<&str> = articles.iter().filter_map(|a| a["title"].as_str()).collect();
    assert_eq!(articles.len(), 7, "{titles:?}\n{}", run.stderr);

    let harbour = by_title(&articles, "harbour story 1");
    assert_eq!(harbour["url"], "https://wire.example.com/harbour-1");
    assert_eq!(harbour["published"], "2020-03-03");
    assert_eq!(harbour["format"], "feed");
    assert!(harbour["source"].as_str().unwrap().ends_with("wire.rss#https://wire.example.com/harbour-1"));

    let bridge = by_title(&articles, "Bridge closes for repairs");
    assert_eq!(bridge["url"], "https://news.example.org/bridge");
    assert_eq!(bridge["format"], "warc");
    assert_eq!(bridge["published"], serde_json::Value::Null, "a capture date is not a publication date");
    assert!(!articles.iter().any(|a| a["text"].as_str().unwrap_or("").contains("WARC")));

    let ferry = by_title(&articles, "Ferry timetable changes");
    assert_eq!(ferry["format"], "pdf");
    assert!(ferry["text"].as_str().unwrap().contains(&body("ferry")[..40]));

    let stadium = by_title(&articles, "Stadium vote delayed");
    assert_eq!(stadium["published"], "2021-03-04");
    assert_eq!(stadium["url"], "https://www.stadium-news.example/vote");
    assert_eq!(by_title(&articles, "Water prices rise")["outlet"], "Example Herald");

    for expected in [
        "wire.rss: item 3 only points to its article, https://wire.example.com/teaser-3 (add --fetch to read it)",
        "sitemap.xml: page 1 only points to its article, https://a.example/ (add --fetch to read it)",
        "catalog.xml: an XML document (<catalog>) that is neither a web page, a news feed nor a sitemap",
        "scan.pdf: ",
    ] {
        assert!(run.stderr.contains(expected), "no {expected:?} in:\n{}", run.stderr);
    }

    let again = dossier(&db, &["analyze", "--quiet", input.to_str().unwrap()]);
    assert_eq!(again.code, SOME_SKIPPED, "{}", again.stderr);
    assert_eq!(exported(&db).len(), 7, "re-ingesting is idempotent");
}

#[test]
fn a_broken_feed_item_and_a_truncated_archive_keep_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    let broken_item = "<item><title>Broken & <b></title><link>https://wire.example.com/x</item>";
    let feed = rss().replace("<item><title>tramway", &format!("{broken_item}<item><title>tramway"));
    fs::write(input.join("wire.rss"), feed).unwrap();
    let mut archive = Vec::new();
    flate2::read::MultiGzDecoder::new(&warc_gz()[..]).read_to_end_into(&mut archive);
    archive.extend_from_slice(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 5000\r\n\r\ncut short");
    fs::write(input.join("cut.warc"), archive).unwrap();
    let db = dir.path().join("d.db");
    let run = dossier(&db, &["analyze", "--quiet", input.to_str().unwrap()]);
    assert_eq!(run.code, SOME_SKIPPED, "{}", run.stderr);
    assert_eq!(exported(&db).len(), 4, "{}", run.stderr);
    assert!(run.stderr.contains("wire.rss: item 2: not readable"), "{}", run.stderr);
    assert!(run.stderr.contains("cut.warc: record 6: malformed WARC record"), "{}", run.stderr);
}

trait ReadInto {
    fn read_to_end_into(self, out: &mut Vec<u8>);
}

impl<R: std::io::Read> ReadInto for R {
    fn read_to_end_into(mut self, out: &mut Vec<u8>) {
        self.read_to_end(out).unwrap();
    }
}

#[test]
fn standard_input_is_one_article_and_address_lists_are_checked() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_dossier"))
        .arg("--db")
        .arg(&db)
        .args(["analyze", "--quiet", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let text = format!("Pasted headline about the canal\n\n{}\n", body("canal"));
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let articles = exported(&db);
    assert_eq!(articles.len(), 1);
    assert_eq!(articles[0]["source"], "stdin");
    assert_eq!(articles[0]["title"], "Pasted headline about the canal");

    let list = dir.path().join("urls.txt");
    fs::write(&list, "# to read\n\nhttps://a.example/one\nnot-an-address\n").unwrap();
    let run = dossier(&db, &["analyze", "--quiet", "--urls", list.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("urls.txt line 4: not a web address: not-an-address"), "{}", run.stderr);
}
