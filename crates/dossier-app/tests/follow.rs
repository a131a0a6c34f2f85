//! Following sources against a site on 127.0.0.1: a feed that grows, an unchanged
//! feed answered 304, a failing source backed off, a folder that gets a new file.

mod site;

use dossier_app::fetch::FetchOptions;
use dossier_app::follow::{self, Follower};
use dossier_app::ingest::Options;
use dossier_app::Store;
use site::{Request, Response, Site};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn article_html(title: &str, n: usize) -> String {
    let words = ["tides", "cranes", "quays", "barges", "pilots", "dredgers", "locks", "moorings"];
    let text: Vec<String> = (0..5)
        .map(|p| {
            let sentence: Vec<&str> = (0..12).map(|w| words[(n * 7 + p * 3 + w * (n + 2)) % words.len()]).collect();
            format!("<p>{title} {n}.{p}: {}.</p>", sentence.join(" "))
        })
        .collect();
    format!(
        "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{}</article></body></html>",
        text.concat()
    )
}

/// A feed of teasers whose item count is what `items` holds, with an ETag per version.
fn growing_site(items: Arc<AtomicUsize>) -> impl Fn(String) -> Box<dyn Fn(&Request) -> Response + Send + Sync> {
    move |base| {
        let items = items.clone();
        Box::new(move |request: &Request| {
            let count = items.load(Ordering::SeqCst);
            let tag = format!("\"v{count}\"");
            match request.path.as_str() {
                "/robots.txt" => Response::status(404),
                "/feed.xml" if request.headers.get("if-none-match") == Some(&tag) => Response::status(304),
                "/feed.xml" => {
                    let entries: String = (1..=count)
                        .map(|n| format!("<item><title>Port story {n}</title><link>{base}/story/{n}</link><description>Teaser.</description></item>"))
                        .collect();
                    Response::ok(
                        "application/rss+xml",
                        format!("<rss version=\"2.0\"><channel><title>Port</title>{entries}</channel></rss>"),
                    )
                    .header("ETag", &tag)
                }
                "/down.xml" => Response::status(503),
                path => match path.strip_prefix("/story/").and_then(|n| n.parse::<usize>().ok()) {
                    Some(n) => Response::ok("text/html", article_html(&format!("Port story {n}"), n)),
                    None => Response::status(404),
                },
            }
        })
    }
}

fn options() -> Options {
    Options { fetch: FetchOptions { per_host_delay: Duration::ZERO, ..FetchOptions::default() }, ..Options::default() }
}

#[test]
fn a_followed_feed_brings_only_what_is_new() {
    let items = Arc::new(AtomicUsize::new(2));
    let site = Site::start_at(growing_site(items.clone()));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let mut store = Store::open(&db).unwrap();
    let feed = follow::add(&mut store, &site.url("/feed.xml"), 60).unwrap();
    let down = follow::add(&mut store, &site.url("/down.xml"), 600).unwrap();
    assert_eq!(follow::add(&mut store, &site.url("/feed.xml"), 1).unwrap().every_seconds, follow::MIN_WEB_INTERVAL);
    drop(store);

    let follower = Follower::new(&db, options());
    let mut lines = Vec::new();
    assert_eq!(follower.check_due(&mut |l| lines.push(l)).unwrap(), 2);
    let store = Store::open(&db).unwrap();
    assert_eq!(store.count().unwrap(), 2, "{lines:?}");
    assert!(lines.iter().any(|l| l.ends_with("feed.xml: 2 new articles")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("+ ") && l.contains("Port story 1")), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("down.xml: failing (once): HTTP 503") && l.ends_with("next try in 10 min")),
        "{lines:?}"
    );
    let sources = store.sources().unwrap();
    let down_state = sources.iter().find(|s| s.id == down.id).unwrap();
    assert_eq!(down_state.failures, 1);
    assert!(down_state.next_check >= follow::now() + 590);
    assert_eq!(follower.check_due(&mut |_| {}).unwrap(), 0, "nothing is due again at once");

    // Unchanged: a conditional request answered 304.
    let mut store = Store::open(&db).unwrap();
    store.make_sources_due().unwrap();
    drop(store);
    let mut lines = Vec::new();
    follower.check_due(&mut |l| lines.push(l)).unwrap();
    assert!(lines.iter().any(|l| l.ends_with("feed.xml: unchanged")), "{lines:?}");
    assert_eq!(site.requests_for("/feed.xml").last().unwrap().headers["if-none-match"], "\"v2\"");

    // One more item: only it is fetched.
    items.store(3, Ordering::SeqCst);
    let mut store = Store::open(&db).unwrap();
    store.make_sources_due().unwrap();
    drop(store);
    let mut lines = Vec::new();
    follower.check_due(&mut |l| lines.push(l)).unwrap();
    assert!(lines.iter().any(|l| l.ends_with("feed.xml: 1 new article")), "{lines:?}");
    assert_eq!(Store::open(&db).unwrap().count().unwrap(), 3);
    for n in 1..=3 {
        assert_eq!(site.requests_for(&format!("/story/{n}")).len(), 1, "story {n} is fetched once");
    }
    let feed_state = Store::open(&db).unwrap().sources().unwrap().into_iter().find(|s| s.id == feed.id).unwrap();
    assert_eq!((feed_state.articles, feed_state.failures), (3, 0));
}

#[test]
fn a_followed_folder_reads_its_new_files() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::write(inbox.join("a.html"), article_html("Quay works start", 1)).unwrap();
    let db = dir.path().join("d.db");
    let mut store = Store::open(&db).unwrap();
    follow::add(&mut store, inbox.to_str().unwrap(), 5).unwrap();
    assert!(follow::add(&mut store, inbox.join("a.html").to_str().unwrap(), 5).is_err(), "a file is not followed");
    drop(store);
    let follower = Follower::new(&db, options());
    let mut first = Vec::new();
    follower.check_due(&mut |l| first.push(l)).unwrap();
    assert!(first.iter().any(|l| l.ends_with("1 new article")), "{first:?}");
    std::fs::write(inbox.join("b.html"), article_html("Barge traffic resumes", 2)).unwrap();
    let mut store = Store::open(&db).unwrap();
    store.make_sources_due().unwrap();
    drop(store);
    let mut lines = Vec::new();
    follower.check_due(&mut |l| lines.push(l)).unwrap();
    assert!(lines.iter().any(|l| l.ends_with("1 new article")), "{lines:?}");
    let store = Store::open(&db).unwrap();
    assert_eq!(store.count().unwrap(), 2);
    // A follower runs for weeks: the search log its index has read is not kept.
    assert_eq!(store.index_changes_since(0).unwrap(), None, "the log before the index's position is gone");
}
