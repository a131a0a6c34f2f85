//! The API end to end on the seeds, against a server on an ephemeral loopback port.

mod common;
use common::{get, request, serve_seeds, serve_seeds_with};
use serde_json::Value;

fn story_id(addr: std::net::SocketAddr) -> String {
    get(addr, "/api/stories").json()[0]["id"].as_str().unwrap().to_string()
}

#[test]
fn story_shows_sources_timeline_quotes_and_coverage() {
    let (_dir, addr) = serve_seeds(None);
    let stories = get(addr, "/api/stories");
    assert_eq!(stories.status, 200);
    assert!(stories.content_type.starts_with("application/json"));
    let list = stories.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["articles"], 5);
    let id = story_id(addr);
    let story = get(addr, &format!("/api/stories/{}", &id[..8])).json();
    let sources = story["sources"].as_array().unwrap();
    let copies: usize = sources.iter().map(|s| s["copies"].as_array().unwrap().len()).sum();
    assert_eq!((sources.len(), copies), (4, 1), "five articles: four sources, one folded copy");
    let timeline = story["timeline"].as_array().unwrap();
    assert!(timeline.iter().any(|e| e["date"] == "2021-12-06" && e["precision"] == "week"));
    let ryabkov: Vec<&Value> = story["quotes_by_speaker"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["speaker_id"] == "person-sergei-ryabkov")
        .collect();
    assert_eq!(ryabkov.len(), 1, "one speaker across spellings");
    let texts: Vec<&str> =
        ryabkov[0]["quotes"].as_array().unwrap().iter().map(|q| q["text"].as_str().unwrap()).collect();
    assert!(texts.iter().any(|t| t.contains("not a menu")) && texts.iter().any(|t| t.contains("sake of an answer")));
    assert_eq!(story["coverage"]["columns"].as_array().unwrap().len(), 4);
    let copy = sources.iter().flat_map(|s| s["copies"].as_array().unwrap()).next().unwrap();
    assert_eq!(copy["kind"], "exact");
}

#[test]
fn lists_filter_and_search() {
    let (_dir, addr) = serve_seeds(None);
    let page = get(addr, "/api/articles?outlet=Sputnik%20International").json();
    assert_eq!(page["total"], 1);
    let dated = get(addr, "/api/articles?from=2021-12-16&to=2021-12-31&per_page=1").json();
    assert_eq!((dated["total"].as_u64(), dated["items"].as_array().unwrap().len()), (Some(2), 1));
    let id = page["items"][0]["id"].as_str().unwrap();
    let article = get(addr, &format!("/api/articles/{id}")).json();
    assert!(article["article"]["text"].as_str().unwrap().contains("sake of an answer"));
    assert!(article["entities"].as_array().unwrap().iter().any(
        |e| e["name"] == "Sergey Lavrov" || e["variants"].as_array().unwrap().iter().any(|v| v == "Sergey Lavrov")
    ));
    let entity = get(addr, "/api/entities/person-sergei-ryabkov").json();
    assert!(entity["quotes"].as_array().unwrap().len() >= 4);
    assert!(!entity["mentions_over_time"].as_array().unwrap().is_empty());
    let people = get(addr, "/api/entities?type=person").json();
    assert!(people.as_array().unwrap().iter().all(|e| e["type"] == "person"));
    let quotes = get(addr, "/api/quotes?speaker=Sergey%20Ryabkov").json();
    assert!(quotes.as_array().unwrap().len() >= 4);
    let found = get(addr, "/api/search?q=%22not%20a%20menu%22&kind=quote").json();
    assert_eq!(found["total"], 1);
    assert!(found["hits"][0]["snippet_html"].as_str().unwrap().contains("<mark>menu</mark>"));
}

#[test]
fn errors_are_json_with_the_right_status() {
    let (_dir, addr) = serve_seeds(None);
    for (path, status) in [
        ("/api/articles/nope", 404),
        ("/api/stories/nope", 404),
        ("/api/entities/nope", 404),
        ("/api/nothing-here", 404),
        ("/api/articles?from=yesterday", 400),
        ("/api/articles?page=-1", 400),
        ("/api/search?from=31-31-2021", 400),
    ] {
        let response = get(addr, path);
        assert_eq!(response.status, status, "{path}: {}", response.body);
        assert!(response.json()["error"].is_string(), "{path}");
    }
    let read_only = request(addr, "POST", "/api/articles", &[("Authorization", "Bearer x")], b"text");
    assert_eq!(read_only.status, 403);
    let page = get(addr, "/articles/..%2F..%2Fetc%2Fpasswd");
    assert_eq!(page.status, 404);
    assert!(!page.body.contains("root:"));
}

#[test]
fn uploads_need_the_token_stay_small_and_come_out_escaped() {
    let (_dir, addr) = serve_seeds(Some("s3cret"));
    let html = b"<html><head><title>Test &lt;b&gt; upload</title></head><body><article><h1>Kremlin answers NATO</h1><p>\"We will answer <script>alert(1)</script> soon,\" Russian Deputy Foreign Minister Sergei Ryabkov told reporters on Monday in Moscow, adding more words so that this counts as an article body.</p><p>The reply went to the U.S. Department of State on Monday, officials said in Washington.</p></article></body></html>";
    let missing = request(addr, "POST", "/api/articles", &[("Content-Type", "text/html")], html);
    assert_eq!(missing.status, 401);
    let wrong = request(addr, "POST", "/api/articles", &[("Authorization", "Bearer nope")], html);
    assert_eq!(wrong.status, 401);
    let huge = vec![b'a'; 200 * 1024];
    let too_big = request(addr, "POST", "/api/articles", &[("Authorization", "Bearer s3cret")], &huge);
    assert_eq!(too_big.status, 413);
    let headers = [("Authorization", "Bearer s3cret"), ("Content-Type", "text/html")];
    let created = request(addr, "POST", "/api/articles?name=../../etc/upload", &headers, html);
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["articles"][0].as_str().unwrap().to_string();
    let stored = get(addr, &format!("/api/articles/{id}")).json();
    let source = stored["article"]["source"].as_str().unwrap();
    assert!(source.starts_with("upload:upload-") && source.ends_with(".html") && !source.contains('/'), "{source}");
    let page = get(addr, &format!("/articles/{id}"));
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("<script>alert(1)</script>"), "user text must be escaped");
    assert!(page.body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "{}", page.body);
    let again = request(addr, "POST", "/api/articles", &headers, html);
    assert_eq!(again.json()["unchanged"], 1, "re-uploading is idempotent");
}

#[test]
fn the_openapi_document_matches_the_api() {
    let (_dir, addr) = serve_seeds(None);
    let doc = get(addr, "/api/openapi.json").json();
    let paths = doc["paths"].as_object().unwrap();
    for expected in [
        "/api/articles",
        "/api/articles/{id}",
        "/api/stories",
        "/api/stories/{id}",
        "/api/entities",
        "/api/entities/{id}",
        "/api/quotes",
        "/api/search",
        "/api/sources",
        "/api/sources/{id}",
    ] {
        assert!(paths.contains_key(expected), "{expected} missing from the OpenAPI document");
    }
    assert!(paths["/api/articles"]["post"]["security"].is_array());
    assert!(paths["/api/sources"]["post"]["security"].is_array());
    let story = story_id(addr);
    let article = get(addr, "/api/articles").json()["items"][0]["id"].as_str().unwrap().to_string();
    let schemas = &doc["components"]["schemas"];
    for (path, item) in paths {
        let Some(operation) = item.get("get") else { continue };
        let url = path.replace(
            "{id}",
            match path.as_str() {
                "/api/stories/{id}" | "/api/stories/{id}/report" => &story,
                "/api/articles/{id}" => &article,
                _ => "person-sergei-ryabkov",
            },
        );
        let response = get(addr, &url);
        assert_eq!(response.status, 200, "{url}: {}", response.body);
        if operation["responses"]["200"]["content"].get("application/json").is_none() {
            continue; // not JSON (a Markdown report)
        }
        let body = response.json();
        // Every required property of the documented 200 schema is in the answer.
        let schema = &operation["responses"]["200"]["content"]["application/json"]["schema"];
        let named = schema["$ref"].as_str().or_else(|| schema["items"]["$ref"].as_str());
        if let Some(name) = named.and_then(|r| r.rsplit('/').next()) {
            let instance = if schema["items"].is_object() { &body[0] } else { &body };
            if instance.is_null() {
                continue; // an empty list: nothing to hold the schema to
            }
            for required in schemas[name]["required"].as_array().into_iter().flatten() {
                let key = required.as_str().unwrap();
                assert!(instance.get(key).is_some(), "{url}: {key} documented as required in {name}, missing");
            }
        }
    }
}

#[test]
fn a_request_that_stalls_times_out() {
    use std::io::{Read, Write};
    let (_dir, addr) = serve_seeds_with(Some("s3cret"), std::time::Duration::from_secs(1));
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    // Announce a body and never send it: the server answers 408 instead of waiting forever.
    write!(
        stream,
        "POST /api/articles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret\r\nContent-Length: 100\r\n\r\nabc"
    )
    .unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    let mut answer = [0u8; 12];
    stream.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"HTTP/1.1 408");
}

#[test]
fn counts_over_time_and_the_story_report() {
    let (_dir, addr) = serve_seeds(None);
    let all = get(addr, "/api/counts").json();
    let dated = get(addr, "/api/articles?per_page=100").json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["published"].is_string())
        .count() as u64;
    assert_eq!(all["total"].as_u64(), Some(dated), "{all}");
    let days = all["per_day"].as_array().unwrap();
    assert!(days.windows(2).all(|w| w[0]["date"].as_str() < w[1]["date"].as_str()), "oldest first: {all}");
    let story = story_id(addr);
    let in_story = get(addr, &format!("/api/counts?story={story}")).json();
    assert!(in_story["total"].as_u64().unwrap() >= 1);
    let searched = get(addr, "/api/counts?q=Ryabkov").json();
    assert!(searched["total"].as_u64().unwrap() >= 1 && searched["total"].as_u64() <= all["total"].as_u64());
    let outlet = get(addr, "/api/counts?outlet=The%20Moscow%20Times").json();
    assert!(outlet["total"].as_u64().unwrap() >= 1 && outlet["total"].as_u64() < all["total"].as_u64(), "{outlet}");
    let report = get(addr, &format!("/api/stories/{story}/report"));
    assert_eq!(report.status, 200);
    assert!(report.content_type.starts_with("text/markdown"), "{}", report.content_type);
    for section in ["# ", "## Timeline", "## Who said what", "## Sources", "## Who reported what"] {
        assert!(report.body.contains(section), "{section} missing:\n{}", report.body);
    }
    assert!(report.body.contains("first reported by"));
    assert_eq!(get(addr, "/api/stories/nonesuch/report").status, 404);
}
