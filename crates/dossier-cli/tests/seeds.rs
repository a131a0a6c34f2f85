//! The founding examples end to end: analyze, eval against gold, export, show.

mod common;
use common::{dossier, json, named, shared, workspace_root};

fn analysed_seeds() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("seeds.db");
    let seeds = workspace_root().join("examples/seeds");
    let run = dossier(&db, &["analyze", "--quiet", seeds.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("5 new"), "{}", run.stdout);
    (dir, db)
}

#[test]
fn seeds_match_the_gold_file_on_every_stage() {
    let (_dir, db) = analysed_seeds();
    let gold = shared("gold/seeds.json");
    let run = dossier(&db, &["eval", "--gold", gold.to_str().unwrap(), "--format", "json", "--min", "1.0"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = json(&run);
    assert_eq!(report["documents_matched"], 5);
    let stages: Vec<&str> = report["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    for stage in ["text", "title", "outlet", "published", "url", "language", "links", "related"] {
        assert!(stages.contains(&stage), "stage {stage} missing from {stages:?}");
    }
    for stage in report["stages"].as_array().unwrap() {
        assert_eq!(stage["correct"], stage["total"], "stage {} has errors: {}", stage["stage"], report["errors"]);
    }
    let table = dossier(&db, &["eval", "--gold", gold.to_str().unwrap()]);
    assert!(table.stdout.contains("published") && table.stdout.contains("1.000"), "{}", table.stdout);
}

#[test]
fn seeds_in_the_repo_are_the_shared_seeds() {
    for entry in std::fs::read_dir(shared("seeds")).unwrap() {
        let path = entry.unwrap().path();
        let copy = workspace_root().join("examples/seeds").join(path.file_name().unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), std::fs::read(&copy).unwrap(), "{} differs", copy.display());
    }
}

#[test]
fn reingesting_changes_nothing() {
    let (_dir, db) = analysed_seeds();
    let before = json(&dossier(&db, &["export", "--format", "json"]));
    let seeds = workspace_root().join("examples/seeds");
    let again = dossier(&db, &["analyze", "--quiet", seeds.to_str().unwrap()]);
    assert!(again.stdout.contains("0 new, 5 unchanged, 0 replaced"), "{}", again.stdout);
    assert_eq!(json(&dossier(&db, &["export", "--format", "json"])), before);
}

#[test]
fn export_follows_the_contract() {
    let (_dir, db) = analysed_seeds();
    let dossier_json = json(&dossier(&db, &["export", "--format", "json"]));
    for key in ["stories", "entities", "quotes", "events"] {
        assert!(dossier_json[key].is_array(), "{key} missing");
    }
    let articles = dossier_json["articles"].as_array().unwrap();
    assert_eq!(articles.len(), 5);
    let keys = [
        "id",
        "source",
        "title",
        "outlet",
        "published",
        "url",
        "language",
        "format",
        "text",
        "links",
        "related",
        "duplicate_of",
        "story",
    ];
    for article in articles {
        let object = article.as_object().unwrap();
        for key in keys {
            assert!(object.contains_key(key), "article lacks {key}: {article}");
        }
    }
    let first = articles.iter().find(|a| named(a, "000_5a1f9b1173ac035f.txt")).unwrap();
    assert_eq!(first["published"], "2021-12-17");
    assert_eq!(first["format"], "markdown");
    // The PDF capture has no metadata of its own: it inherits it from its duplicate and says so.
    let pdf = articles.iter().find(|a| named(a, "001_0388a4eb874caa9f.txt")).unwrap();
    assert_eq!(pdf["format"], "pdf-text");
    assert_eq!(pdf["duplicate_of"], first["id"]);
    assert_eq!(pdf["published"], "2021-12-17");
    assert_eq!(pdf["inherited"], serde_json::json!(["title", "published", "outlet", "url"]));
    assert_eq!(first["inherited"], serde_json::json!([]));
    let stories = dossier_json["stories"].as_array().unwrap();
    assert_eq!(stories.len(), 1);
    assert_eq!(stories[0]["articles"].as_array().unwrap().len(), 5);
    assert_eq!((stories[0]["first"].clone(), stories[0]["last"].clone()), ("2021-12-15".into(), "2022-02-20".into()));
    for article in articles {
        assert_eq!(article["story"], stories[0]["id"]);
    }
    let jsonl = dossier(&db, &["export", "--format", "jsonl"]);
    assert_eq!(jsonl.stdout.lines().count(), 5);
    for line in jsonl.stdout.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
    let csv = dossier(&db, &["export", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.stdout.as_bytes());
    assert_eq!(reader.headers().unwrap().len(), 13);
    assert_eq!(reader.records().count(), 5);
}

#[test]
fn show_gives_clean_text_metadata_and_the_original() {
    let (_dir, db) = analysed_seeds();
    let list = json(&dossier(&db, &["articles", "--format", "json", "--limit", "1000000"]));
    let scraped = list.as_array().unwrap().iter().find(|a| named(a, "004_1780666f36dac3a8.txt")).unwrap();
    let id = scraped["id"].as_str().unwrap();
    let shown = dossier(&db, &["show", &id[..8], "--removed"]);
    assert_eq!(shown.code, 0);
    assert!(
        shown.stdout.contains("Sputnik International") && shown.stdout.contains("source tag by the headline"),
        "{}",
        shown.stdout
    );
    assert!(shown.stdout.contains("[L9] MOSCOW (Sputnik)"), "{}", shown.stdout);
    assert!(shown.stdout.contains("log in or register"), "removed lines listed: {}", shown.stdout);
    let original = dossier(&db, &["show", id, "--original"]);
    assert!(original.stdout.starts_with("- Sputnik International, 1920, 13.01.2022"));
    let missing = dossier(&db, &["show", "zzzz"]);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("no article with id"));
}

#[test]
fn who_said_what_when_on_the_seeds() {
    let (_dir, db) = analysed_seeds();
    let exported = json(&dossier(&db, &["export", "--format", "json"]));
    let entities = exported["entities"].as_array().unwrap();
    let named = |name: &str| {
        entities
            .iter()
            .filter(|e| e["name"] == name || e["variants"].as_array().unwrap().iter().any(|v| v == name))
            .collect::<Vec<_>>()
    };
    // One entity across spellings, with its role; caption-only names are no entity.
    let ryabkov = named("Sergey Ryabkov");
    assert_eq!(ryabkov.len(), 1, "{ryabkov:?}");
    assert_eq!(ryabkov, named("Sergei Ryabkov"));
    assert_eq!(ryabkov[0]["type"], "person");
    assert_eq!(ryabkov[0]["role"], "Russian Deputy Foreign Minister");
    assert_eq!(ryabkov[0]["articles"].as_array().unwrap().len(), 5);
    assert_eq!(named("Kiev"), named("Kyiv"));
    assert_eq!(named("U.S."), named("United States"));
    for caption in ["Mikhail Metzel", "Anton Denisov", "Ints Kalnins"] {
        assert!(named(caption).is_empty(), "{caption} comes only from a photo credit");
    }
    // A quote reported by both captures of the same article is one quote, with both reports.
    let quotes = exported["quotes"].as_array().unwrap();
    let grushko = quotes.iter().find(|q| q["text"].as_str().unwrap().contains("received any concrete")).unwrap();
    assert_eq!(grushko["speaker"], "Alexander Grushko");
    assert_eq!(grushko["cited_source"], "RIA Novosti");
    assert_eq!(grushko["reports"].as_array().unwrap().len(), 2);
    let ushakov = quotes.iter().find(|q| q["text"].as_str().unwrap().contains("expressed hope")).unwrap();
    assert_eq!(ushakov["speaker_id"], named("Yury Ushakov")[0]["id"]);
    assert_eq!(ushakov["cited_source"], "Interfax");
    // The same speaker under either spelling.
    let by_speaker = dossier(&db, &["quotes", "--speaker", "Sergei Ryabkov", "--format", "json"]);
    let texts: Vec<String> = json(&by_speaker).as_array().unwrap().iter().map(|q| q["text"].to_string()).collect();
    assert!(texts.iter().any(|t| t.contains("not a menu")) && texts.iter().any(|t| t.contains("sake of an answer")));
    // Relative dates resolved against each article's date, or its story's.
    let timeline = dossier(&db, &["timeline"]);
    assert_eq!(timeline.code, 0, "{}", timeline.stderr);
    for expected in ["week of 2021-12-06", "2021-12-15", "2021-12-17", "2022-01", "2022-02", "2022-02-20", "inferred"] {
        assert!(timeline.stdout.contains(expected), "{expected} missing from\n{}", timeline.stdout);
    }
    let coverage = json(&dossier(&db, &["coverage", "--format", "json"]));
    let columns = coverage["columns"].as_array().unwrap();
    assert_eq!(columns.len(), 4, "the two captures of one article share a column: {columns:?}");
    let rows = coverage["rows"].as_array().unwrap();
    let grushko_row = rows.iter().find(|r| r["label"].as_str().unwrap().contains("received any concrete")).unwrap();
    assert_eq!(grushko_row["reported"].as_array().unwrap().iter().filter(|r| **r == true).count(), 1);
    let table = dossier(&db, &["coverage"]);
    assert!(table.stdout.contains("left out"), "{}", table.stdout);
}
