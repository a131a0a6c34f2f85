//! Fetching through the real ingest, against a site the test serves on 127.0.0.1:
//! robots.txt, redirects, a slow and a huge answer, 404 and 500, feeds whose items are
//! teasers, sitemaps, charsets from the headers, gzip, conditional requests, the delay.

mod site;

use dossier_app::fetch::{FetchOptions, Fetched, Fetcher, Validators};
use dossier_app::ingest::{self, Input, Options};
use dossier_app::Store;
use site::{Request, Response, Site};
use std::time::Duration;

/// A page's paragraphs about `topic`: each word drawn from the topic's own letters'
/// positions in a word list, so that two topics never read alike.
fn paragraphs(topic: &str) -> String {
    let words: Vec<&str> = "harbour ferry council engineers budget tender union strike court appeal minister \
        farmers river bridge tunnel museum library hospital nurses teachers pupils market prices shops police \
        witness mayor senator election ballot turnout protest square statue archive festival stadium railway"
        .split_whitespace()
        .collect();
    let seed: usize = topic.bytes().map(usize::from).sum();
    (0..6)
        .map(|p| {
            let sentence: Vec<&str> =
                (0..14).map(|w| words[(seed * (p + 3) + w * (seed % 7 + 5) + p * w) % words.len()]).collect();
            format!("<p>The {topic} report: {}.</p>", sentence.join(" "))
        })
        .collect()
}

fn page(title: &str, topic: &str) -> String {
    format!(
        "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{}</article></body></html>",
        paragraphs(topic)
    )
}

fn teaser_feed(base: &str) -> String {
    let item = |slug: &str| {
        format!("<item><title>{slug}</title><link>{base}/news/{slug}</link><description>A short teaser.</description></item>")
    };
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>{}{}</channel></rss>",
        item("dam"),
        item("pier")
    )
}

fn route(request: &Request) -> Response {
    let html = "text/html; charset=utf-8";
    match request.path.as_str() {
        "/robots.txt" => Response::ok("text/plain", "User-agent: *\nDisallow: /private/\n"),
        "/old" => Response::status(301).header("Location", "/news/moved"),
        "/loop" => Response::status(302).header("Location", "/loop"),
        "/news/moved" => Response::ok(html, page("Moved page", "moved")),
        "/news/dam" => Response::ok(html, page("Dam repairs begin", "dam")),
        "/news/pier" => Response::ok(html, page("Pier reopens", "pier")),
        "/news/p1" => Response::ok(html, page("Sitemap page one", "alpha")),
        "/news/p2" => Response::ok(html, page("Sitemap page two", "omega")),
        "/private/secret" => Response::ok(html, page("Secret", "secret")),
        "/slow" => Response::ok(html, page("Slow", "slow")).after(Duration::from_secs(3)),
        "/huge" => Response::ok(html, vec![b'a'; 3 * 1024 * 1024]),
        "/missing" => Response::status(404),
        "/broken" => Response::status(500),
        "/latin" => {
            let text = page("Caf\u{e9} owners protest", "caf\u{e9}");
            Response::ok("text/html; charset=windows-1252", encoding_rs::WINDOWS_1252.encode(&text).0.into_owned())
        }
        "/gzipped" => {
            use std::io::Write;
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(page("Packed page", "packed").as_bytes()).unwrap();
            Response::ok(html, gz.finish().unwrap()).header("Content-Encoding", "gzip")
        }
        "/versioned" if request.headers.get("if-none-match").is_some_and(|tag| tag == "\"v1\"") => {
            Response::status(304)
        }
        "/versioned" => Response::ok(html, page("Versioned", "versioned")).header("ETag", "\"v1\""),
        _ => Response::status(404),
    }
}

fn feed_route(base: String) -> impl Fn(&Request) -> Response {
    move |request| {
        match request.path.as_str() {
        "/feed.xml" => Response::ok("application/rss+xml", teaser_feed(&base)),
        "/sitemap.xml" => Response::ok(
            "application/xml",
            format!("<?xml version=\"1.0\"?><urlset><url><loc>{base}/news/p1</loc></url><url><loc>{base}/news/p2</loc></url></urlset>"),
        ),
        "/sitemap-index.xml" => Response::ok(
            "application/xml",
            format!("<sitemapindex><sitemap><loc>{base}/sitemap-pages.xml.gz</loc></sitemap></sitemapindex>"),
        ),
        "/sitemap-pages.xml.gz" => {
            use std::io::Write;
            let urlset = format!("<?xml version=\"1.0\"?><urlset><url><loc>{base}/news/p1</loc></url><url><loc>{base}/news/p2</loc></url></urlset>");
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(urlset.as_bytes()).unwrap();
            Response::ok("application/gzip", gz.finish().unwrap())
        }
        _ => route(request),
    }
    }
}

fn quick_options() -> Options {
    Options {
        fetch: FetchOptions {
            per_host_delay: Duration::ZERO,
            timeout: Duration::from_secs(1),
            max_bytes: 1024 * 1024,
            ..FetchOptions::default()
        },
        ..Options::default()
    }
}

fn run(inputs: &[&str], options: &Options) -> (Store, ingest::Summary, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("d.db")).unwrap();
    let inputs: Vec<Input> = inputs.iter().map(|i| Input::from_arg(std::ffi::OsStr::new(i))).collect();
    let summary = ingest::ingest_inputs(&mut store, &inputs, options).unwrap();
    (store, summary, dir)
}

fn problem_for<'s>(summary: &'s ingest::Summary, source: &str) -> &'s str {
    summary
        .problems
        .iter()
        .find(|p| p.path == source)
        .map(|p| p.reason.as_str())
        .unwrap_or_else(|| panic!("no problem for {source}: {:?}", summary.problems))
}

#[test]
fn pages_are_fetched_politely_and_failures_named() {
    let site = Site::start(route);
    let addresses: Vec<String> =
        ["/old", "/private/secret", "/slow", "/huge", "/missing", "/broken", "/loop", "/latin", "/gzipped"]
            .iter()
            .map(|p| site.url(p))
            .collect();
    let inputs: Vec<&str> = addresses.iter().map(String::as_str).collect();
    let (store, summary, _dir) = run(&inputs, &quick_options());

    let titles: Vec<String> = store.articles().unwrap().into_iter().filter_map(|a| a.title).collect();
    assert_eq!(titles.len(), 3, "{titles:?} {:?}", summary.problems);
    let moved = store.articles().unwrap().into_iter().find(|a| a.source == site.url("/old")).unwrap();
    assert_eq!(moved.title.as_deref(), Some("Moved page"));
    assert_eq!(moved.url.as_deref(), Some(site.url("/news/moved").as_str()), "the address after redirects");
    assert!(moved.provenance["fetched"].contains("/news/moved"));
    let latin = store.articles().unwrap().into_iter().find(|a| a.source == site.url("/latin")).unwrap();
    assert_eq!(latin.title.as_deref(), Some("Caf\u{e9} owners protest"), "the charset of the Content-Type header");
    assert!(titles.contains(&"Packed page".to_string()));

    assert!(problem_for(&summary, &site.url("/private/secret")).contains("robots.txt"));
    assert!(site.requests_for("/private/secret").is_empty(), "a disallowed page is never asked for");
    assert!(problem_for(&summary, &site.url("/slow")).contains("timed out"));
    assert!(problem_for(&summary, &site.url("/huge")).contains("size limit"));
    assert!(problem_for(&summary, &site.url("/missing")).contains("HTTP 404"));
    assert!(problem_for(&summary, &site.url("/broken")).contains("HTTP 500"));
    assert!(problem_for(&summary, &site.url("/loop")).contains("redirects"));
    assert_eq!(site.requests_for("/robots.txt").len(), 1, "robots.txt is read once per site");
    let agent = &site.requests()[0].headers["user-agent"];
    assert!(agent.starts_with("dossier/"), "{agent}");
}

#[test]
fn teasers_and_sitemaps_lead_to_their_pages_when_fetching() {
    let site = Site::start_at(feed_route);
    let (store, summary, _dir) = run(&[&site.url("/feed.xml"), &site.url("/sitemap.xml")], &quick_options());
    assert_eq!(store.count().unwrap(), 0, "links are not followed unless asked: {:?}", summary.problems);
    assert!(problem_for(&summary, &site.url("/feed.xml")).contains("add --fetch"));

    let options = Options { fetch_linked: true, ..quick_options() };
    let (store, summary, _dir) = run(&[&site.url("/feed.xml"), &site.url("/sitemap.xml")], &options);
    let mut titles: Vec<String> = store.articles().unwrap().into_iter().filter_map(|a| a.title).collect();
    titles.sort();
    assert_eq!(
        titles,
        ["Dam repairs begin", "Pier reopens", "Sitemap page one", "Sitemap page two"],
        "{:?}",
        summary.problems
    );
}

#[test]
fn conditional_requests_and_the_per_site_delay() {
    let site = Site::start(route);
    let fetcher = Fetcher::new(FetchOptions { per_host_delay: Duration::from_millis(300), ..FetchOptions::default() });
    let Ok(Fetched::Page(page)) = fetcher.get(&site.url("/versioned"), None) else { panic!("the page is fetched") };
    assert_eq!(page.validators.etag.as_deref(), Some("\"v1\""));
    let again = fetcher.get(&site.url("/versioned"), Some(&page.validators)).unwrap();
    assert!(matches!(again, Fetched::NotModified));
    let _ = fetcher.get(&site.url("/versioned"), Some(&Validators::default())).unwrap();
    let asked: Vec<_> = site.requests_for("/versioned").iter().map(|r| r.at).collect();
    assert_eq!(asked.len(), 3);
    for pair in asked.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(280),
            "requests to one site are spaced: {:?}",
            pair[1] - pair[0]
        );
    }
}

#[test]
fn a_sitemap_index_leads_to_gzipped_sitemaps_and_their_pages() {
    let site = Site::start_at(feed_route);
    let options = Options { fetch_linked: true, ..quick_options() };
    let (store, summary, _dir) = run(&[&site.url("/sitemap-index.xml")], &options);
    let mut titles: Vec<String> = store.articles().unwrap().into_iter().filter_map(|a| a.title).collect();
    titles.sort();
    assert_eq!(titles, ["Sitemap page one", "Sitemap page two"], "{:?}", summary.problems);
}
