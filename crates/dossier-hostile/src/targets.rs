//! The fuzz targets' bodies: each takes arbitrary bytes and drives one stage that reads
//! untrusted input. A panic, an abort or a hang in any of them is a bug. The libFuzzer
//! harnesses in `fuzz/` and the stable campaign (`dossier-hostile inputs`) call these.

use dossier_core::across::analysis;
use dossier_core::capture::{feed, html, jsonl, warc};
use dossier_core::reading::{article, clean};
use dossier_search::{Filters, IndexedDoc, SearchIndex};
use std::sync::{Arc, LazyLock};

/// File names that steer format detection: the same bytes are tried as each.
const NAMES: [&str; 6] = ["capture.txt", "page.html", "feed.jsonl", "records.json", "clip.md", "packed.txt.gz"];

/// Format detection, decoding (gzip, BOMs, UTF-16, legacy encodings), cleaning and
/// metadata: what `analyze` does with a file, as every kind of file.
///
/// PDFs are left out: their reader (`pdf-extract`) is third-party code that panics on
/// some streams, which Dossier catches and bounds in time (`dossier-app`'s ingest);
/// under libFuzzer every panic aborts, caught or not, so it would fuzz that crate, not us.
pub fn format_and_decode(data: &[u8]) {
    if dossier_core::capture::pdf::is_pdf(data) {
        return;
    }
    for name in NAMES {
        let _ = article::analyze_file_within(name, data, 4 * 1024 * 1024);
    }
}

/// Cleaning of text as it comes (markdown clippings, PDF text, scraped pages).
pub fn cleaning(data: &[u8]) {
    let _ = clean::clean(&String::from_utf8_lossy(data), clean::Origin::Capture);
}

/// HTML extraction: the bounded pre-pass, parsing, main text and metadata.
pub fn html_page(data: &[u8]) {
    let page = String::from_utf8_lossy(data);
    let _ = dossier_core::capture::markup_bounds::bound_markup(&page);
    let _ = html::extract(&page);
}

/// JSON lines and JSON documents of records.
pub fn json_lines(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = jsonl::parse(&text);
    let _ = jsonl::parse_document(&text);
}

/// News feeds (whole, and item by item when broken) and web archives (records, HTTP
/// headers, chunked and compressed bodies).
pub fn containers(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = feed::parse(data, &text);
    let _ = warc::parse(data, 4 * 1024 * 1024);
}

/// Who-said-what on any text: sentences, entities, quotes, dated events.
pub fn analysis(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let paragraphs: Vec<&str> = text.split("\n\n").collect();
    let input = analysis::ArticleInput {
        id: "fuzz",
        outlet: None,
        published: None,
        story: None,
        duplicate_of: None,
        paragraphs,
    };
    let _ = analysis::analyze(&[input]);
}

static INDEX: LazyLock<Arc<SearchIndex>> = LazyLock::new(|| {
    let index = SearchIndex::in_memory().expect("an index in memory");
    let docs: Vec<IndexedDoc> = ["Russia demands security guarantees", "NATO answers in writing", "a b c d"]
        .iter()
        .enumerate()
        .map(|(i, text)| IndexedDoc {
            kind: "article",
            id: i.to_string(),
            text: text.to_string(),
            ..Default::default()
        })
        .collect();
    index.replace_all(&docs, 1).expect("indexing three documents");
    Arc::new(index)
});

/// The stack a server worker thread has: a query must be refused or answered within it.
const SERVER_STACK: usize = 2 * 1024 * 1024;

/// The search query parser and the page bounds, on a thread with the server's stack.
pub fn search_query(data: &[u8]) {
    let query = String::from_utf8_lossy(data).into_owned();
    let offset = data.first().map_or(0, |b| usize::from(*b) * 100);
    let index = INDEX.clone();
    let searched = std::thread::Builder::new()
        .stack_size(SERVER_STACK)
        .spawn(move || {
            if let Err(error) = index.search(&query, &Filters::default(), 20, offset) {
                assert!(error.downcast_ref::<dossier_search::InvalidQuery>().is_some(), "{error:#}");
            }
        })
        .expect("a thread");
    if let Err(panic) = searched.join() {
        std::panic::resume_unwind(panic);
    }
}

/// How many times a target reads its input (format detection reads it as each kind
/// of file), so that its time per MB can be told per reading.
pub fn passes(target: &str) -> usize {
    if target == "format_and_decode" {
        NAMES.len()
    } else {
        1
    }
}

/// A fuzz target: any bytes in, nothing out; a panic or a hang is the finding.
pub type Target = fn(&[u8]);

/// Every target by name, for the campaign and the harnesses.
pub const ALL: [(&str, Target); 7] = [
    ("format_and_decode", format_and_decode),
    ("cleaning", cleaning),
    ("html", html_page),
    ("json_lines", json_lines),
    ("containers", containers),
    ("analysis", analysis),
    ("search_query", search_query),
];
