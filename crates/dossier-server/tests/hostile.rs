//! The server under hostile and careless clients: every reproduction of the week's
//! findings, against a real server on an ephemeral loopback port.

mod common;
use common::{get, request, serve_seeds, serve_seeds_configured};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[test]
fn hostile_queries_get_a_400_naming_the_limit_and_the_server_stays_up() {
    let (_dir, addr) = serve_seeds(None);
    let nested = format!("{}a{}", "(".repeat(1000), ")".repeat(1000));
    let nots = "NOT ".repeat(2000);
    for query in [nested.as_str(), nots.as_str()] {
        for path in ["/api/search", "/search"] {
            let answer = get(addr, &format!("{path}?q={}", encode(query)));
            assert_eq!(answer.status, 400, "{path}: {}", answer.body);
            assert!(answer.body.contains("the limit is"), "{path}: {}", answer.body);
        }
    }
    for page in ["offset=4294967296", "offset=18446744073709551515&limit=100", "offset=9990&limit=20"] {
        let answer = get(addr, &format!("/api/search?q=moscow&{page}"));
        assert_eq!(answer.status, 400, "{page}: {}", answer.body);
        assert!(answer.json()["error"].as_str().unwrap().contains("10000"), "{}", answer.body);
    }
    assert_eq!(get(addr, "/api/search?q=moscow&offset=9980&limit=20").status, 200);
    assert_eq!(get(addr, "/api/stories").status, 200, "still serving");
}

#[test]
fn every_error_under_the_api_is_json_and_every_page_has_security_headers() {
    let (_dir, addr) = serve_seeds(Some("s3cret"));
    let long = format!("/api/search?q={}", "a".repeat(40_000));
    let cases: [(&str, &str, &[u8], u16); 6] = [
        ("GET", "/api/no/such/thing", b"", 404),
        ("GET", "/api", b"", 404),
        ("GET", "/api/articles/%FF%FE", b"", 400),
        ("DELETE", "/api/stories", b"", 405),
        ("GET", long.as_str(), b"", 414),
        ("POST", "/api/articles", &[b'a'; 100 * 1024], 413),
    ];
    for (method, path, body, status) in cases {
        let answer = request(addr, method, path, &[("Authorization", "Bearer s3cret")], body);
        assert_eq!(answer.status, status, "{method} {}: {}", &path[..path.len().min(40)], answer.body);
        assert!(answer.content_type.starts_with("application/json"), "{path}: {}", answer.content_type);
        assert!(answer.json()["error"].as_str().is_some_and(|e| !e.is_empty() && !e.contains('<')), "{}", answer.body);
    }
    for path in ["/", "/api/stories", "/search?q=x", "/static/style.css", "/nope"] {
        let head = get(addr, path).head;
        for header in [
            "content-security-policy: default-src 'none'",
            "x-content-type-options: nosniff",
            "x-frame-options: deny",
            "referrer-policy: no-referrer",
        ] {
            assert!(head.contains(header), "{path} lacks {header}: {head}");
        }
    }
}

const ARTICLE: &str = "<html><body><article><h1>An Uploaded Headline</h1><p>The uploaded article has a body long enough to count, about {topic}, and nothing else.</p></article></body></html>";

fn upload(addr: std::net::SocketAddr, query: &str, topic: &str, auth: &str) -> common::Response {
    let body = ARTICLE.replace("{topic}", topic);
    let headers = [("Authorization", auth), ("Content-Type", "text/html")];
    request(addr, "POST", &format!("/api/articles{query}"), &headers, body.as_bytes())
}

fn stored_articles(addr: std::net::SocketAddr) -> u64 {
    get(addr, "/api/articles?per_page=200").json()["total"].as_u64().unwrap()
}

#[test]
fn uploads_never_replace_one_another_unless_asked() {
    let (_dir, addr) = serve_seeds(Some("s3cret"));
    let before = stored_articles(addr);
    // The scheme is case-insensitive.
    assert_eq!(upload(addr, "", "apples", "bearer s3cret").status, 201);
    assert_eq!(upload(addr, "", "pears", "BEARER s3cret").status, 201);
    assert_eq!(upload(addr, "?name=notes.html", "plums", "Bearer s3cret").status, 201);
    assert_eq!(upload(addr, "?name=notes.html", "cherries", "Bearer s3cret").status, 201);
    assert_eq!(stored_articles(addr), before + 4, "four different uploads, four articles");
    let replaced = upload(addr, "?name=notes.html&replace=true", "figs", "Bearer s3cret");
    assert_eq!(replaced.status, 201, "{}", replaced.body);
    let again = upload(addr, "?name=notes.html&replace=true", "grapes", "Bearer s3cret");
    assert_eq!(again.json()["replaced"], 1, "{}", again.body);
    assert_eq!(stored_articles(addr), before + 5);
    let unnamed = upload(addr, "?replace=true", "kiwis", "Bearer s3cret");
    assert_eq!(unnamed.status, 422);
}

#[test]
fn an_upload_is_stored_and_visible_or_not_at_all() {
    // A deadline so short that some uploads miss it: whatever each answer, the store agrees.
    let (dir, addr) = serve_seeds_configured(Some("s3cret"), |config| config.timeout = Duration::from_millis(60));
    let before = stored_articles(addr);
    let mut created = 0;
    let mut timed_out = 0;
    for i in 0..12 {
        let answer = upload(addr, "", &format!("topic number {i}"), "Bearer s3cret");
        match answer.status {
            201 => created += 1,
            408 => timed_out += 1,
            other => panic!("unexpected {other}: {}", answer.body),
        }
    }
    // Whatever is still running has finished once the lock can be taken again.
    std::thread::sleep(Duration::from_millis(500));
    let store = dossier_store::Store::open(&dir.path().join("seeds.db")).unwrap();
    assert_eq!(store.count().unwrap() as u64, before + created, "{created} created, {timed_out} timed out");
    assert_eq!(stored_articles(addr), before + created, "what is stored is what is served");
}

#[test]
fn slow_clients_are_cut_off_and_the_others_served() {
    let (_dir, addr) = serve_seeds_configured(None, |config| config.header_timeout = Duration::from_secs(2));
    let slow: Vec<TcpStream> = (0..300)
        .map(|_| {
            let mut stream = TcpStream::connect(addr).unwrap();
            stream.write_all(b"GET / HTTP/1.1\r\nHost: slow\r\n").unwrap();
            stream
        })
        .collect();
    let story = get(addr, "/api/stories").json()[0]["id"].as_str().unwrap().to_string();
    for _ in 0..20 {
        assert_eq!(get(addr, &format!("/stories/{story}")).status, 200);
    }
    let started = Instant::now();
    for mut stream in slow {
        stream.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        let mut buffer = [0u8; 64];
        let closed = matches!(stream.read(&mut buffer), Ok(0)) || buffer.starts_with(b"HTTP/1.1 408");
        assert!(closed, "a slow client was still connected after {:?}", started.elapsed());
    }
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[test]
fn every_list_is_served_in_pages() {
    let (_dir, addr) = serve_seeds(None);
    let all = get(addr, "/api/entities");
    let total: usize = all.head.lines().find_map(|l| l.strip_prefix("x-total-count:")).unwrap().trim().parse().unwrap();
    assert!(total > 3, "{}", all.head);
    let first = get(addr, "/api/entities?per_page=2").json();
    let second = get(addr, "/api/entities?per_page=2&page=2").json();
    assert_eq!((first.as_array().unwrap().len(), second.as_array().unwrap().len()), (2, 2));
    assert_ne!(first[0]["id"], second[0]["id"]);
    let far = get(addr, "/api/quotes?page=18446744073709551615&per_page=100000").json();
    assert_eq!(far.as_array().unwrap().len(), 0, "a page past the end is empty, not an error");
    assert_eq!(get(addr, "/api/stories?per_page=1").json().as_array().unwrap().len(), 1);
    assert_eq!(get(addr, "/api/stories?page=x").status, 400);
    let home = get(addr, "/?per_page=1&page=1");
    assert!(home.body.contains("1 story") && !home.body.contains("Smaller stories"), "{}", home.body);
}
