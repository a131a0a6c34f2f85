//! A running server shows what another writer (a CLI `analyze`) adds to its store,
//! without a restart.

mod common;
use common::{get, serve_seeds};
use std::time::{Duration, Instant};

#[test]
fn writes_by_another_process_show_up_within_a_second_or_two() {
    let (dir, addr) = serve_seeds(None);
    let before = get(addr, "/api/articles").json()["total"].as_u64().unwrap();
    let input = dir.path().join("more");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(
        input.join("new.txt"),
        "Glaciers Retreat Faster Than Expected\n\nThe glaciologist Ingrid Halvorsen said on Tuesday that the glaciers of the northern fjords retreated faster than any model expected.\n",
    )
    .unwrap();
    // Another writer: its own connection to the store, as a CLI run would have.
    let mut store = dossier_store::Store::open(&dir.path().join("seeds.db")).unwrap();
    dossier_app::ingest::ingest(&mut store, &[input], &dossier_app::ingest::Options::default()).unwrap();
    drop(store);
    let written = Instant::now();
    loop {
        let total = get(addr, "/api/articles").json()["total"].as_u64().unwrap();
        let found = get(addr, "/api/search?q=glaciologist").json()["total"].as_u64().unwrap();
        if total == before + 1 && found == 1 {
            break;
        }
        assert!(written.elapsed() < Duration::from_secs(10), "not visible after {:?}", written.elapsed());
        std::thread::sleep(Duration::from_millis(100));
    }
    println!("visible {:?} after the other writer committed", written.elapsed());
    let page = get(addr, "/search?q=glaciologist");
    assert!(page.body.contains("Glaciers Retreat Faster"), "{}", page.body);
}

#[test]
fn sources_are_listed_and_changed_only_with_the_token() {
    let (dir, addr) = common::serve_seeds(Some("s3cret"));
    assert_eq!(get(addr, "/api/sources").json(), serde_json::json!([]));
    let body = br#"{"location": "https://news.example.org/feed.xml", "every": "30m"}"#;
    let json = ("Content-Type", "application/json");
    let refused = common::request(addr, "POST", "/api/sources", &[json], body);
    assert_eq!(refused.status, 401, "{}", refused.body);
    let auth = ("Authorization", "Bearer s3cret");
    let added = common::request(addr, "POST", "/api/sources", &[json, auth], body);
    assert_eq!(added.status, 201, "{}", added.body);
    let source = added.json();
    assert_eq!(
        (source["location"].as_str(), source["every_seconds"].as_i64()),
        (Some("https://news.example.org/feed.xml"), Some(1800))
    );
    let listed = get(addr, "/api/sources").json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let bad = common::request(addr, "POST", "/api/sources", &[json, auth], br#"{"location": "/no/such/folder"}"#);
    assert_eq!(bad.status, 422, "{}", bad.body);
    let interval = common::request(
        addr,
        "POST",
        "/api/sources",
        &[json, auth],
        br#"{"location": "https://a.example/", "every": "soon"}"#,
    );
    assert_eq!(interval.status, 422, "{}", interval.body);
    let path = format!("/api/sources/{}", source["id"]);
    assert_eq!(common::request(addr, "DELETE", &path, &[], b"").status, 401);
    assert_eq!(common::request(addr, "DELETE", &path, &[auth], b"").status, 204);
    assert_eq!(common::request(addr, "DELETE", &path, &[auth], b"").status, 404);
    assert_eq!(get(addr, "/api/sources").json(), serde_json::json!([]));
    drop(dir);
}
