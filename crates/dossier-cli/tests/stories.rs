//! Duplicates and stories on real news: ECB+ (two real events of the same kind per
//! topic, the hard negatives), edited copies planted into it, and arrival order.

mod common;
use common::{dossier, json, named, shared, workspace_root};
use std::collections::BTreeMap;
use std::fs;

fn stage(report: &serde_json::Value, name: &str) -> serde_json::Value {
    report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == name)
        .unwrap_or_else(|| panic!("no stage {name}: {report}"))
        .clone()
}

#[test]
fn ecb_plus_stories_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    let corpus = shared("data/ecbplus/topics-01-30.jsonl");
    let run = dossier(&db, &["analyze", "--quiet", corpus.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = json(&dossier(&db, &["eval", "--groups", corpus.to_str().unwrap(), "--format", "json"]));
    assert_eq!(report["documents_matched"], 663);
    let pairwise = stage(&report, "stories");
    let bcubed = stage(&report, "stories (B-cubed)");
    assert!(pairwise["f1"].as_f64().unwrap() >= 0.85, "pairwise {pairwise}");
    assert!(bcubed["f1"].as_f64().unwrap() >= 0.85, "B-cubed {bcubed}");
}

/// ECB+ text is tokenised (`word ,`, ``` `` ```); put it back as a person would have pasted it.
fn detokenise(text: &str) -> String {
    let mut out = text.replace(" ,", ",").replace(" .", ".").replace(" '", "'").replace(" ;", ";").replace(" :", ":");
    out = out.replace("`` ", "\u{201C}").replace(" ''", "\u{201D}");
    out
}

fn hard_wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    for paragraph in text.split('\n') {
        let mut line = 0;
        for word in paragraph.split_whitespace() {
            if line > 0 && line + word.len() + 1 > width {
                out.push('\n');
                line = 0;
            } else if line > 0 {
                out.push(' ');
                line += 1;
            }
            out.push_str(word);
            line += word.len();
        }
        out.push_str("\n\n");
    }
    out
}

#[test]
fn planted_copies_are_found_and_nothing_else() {
    let corpus = fs::read_to_string(shared("data/ecbplus/topics-01-30.jsonl")).unwrap();
    // One long article per story, so no two originals report the same event.
    let mut originals: BTreeMap<String, String> = BTreeMap::new();
    for line in corpus.lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = detokenise(record["text"].as_str().unwrap());
        let lines: Vec<&str> = text.lines().filter(|l| !l.contains("http")).collect();
        if lines.len() >= 8 && text.len() > 1500 {
            originals.entry(record["subtopic"].as_str().unwrap().to_string()).or_insert_with(|| lines.join("\n\n"));
        }
    }
    assert!(originals.len() >= 30, "{} originals", originals.len());
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("planted");
    fs::create_dir_all(&input).unwrap();
    let mut gold_documents = serde_json::Map::new();
    let mut groups = Vec::new();
    for (n, text) in originals.values().enumerate() {
        let paragraphs: Vec<&str> = text.split("\n\n").collect();
        let copies = [
            ("original", text.clone()),
            ("rewrapped", hard_wrap(text, 64 + n % 20)),
            ("requoted", text.replace(['\u{201C}', '\u{201D}'], "\"").replace('\'', "\u{2019}")),
            ("boilerplate", format!("Photo: Jane Doe / Agency\n\n{text}\n\nShare this article\n\nRelated article: Another Story Everyone Reads\n\nTo participate in the discussion\nlog in or register\n")),
            ("truncated", paragraphs[..paragraphs.len() / 2].join("\n\n")),
        ];
        let mut group = Vec::new();
        for (kind, body) in copies {
            let name = format!("{n:03}-{kind}.txt");
            fs::write(input.join(&name), body).unwrap();
            gold_documents.insert(name.clone(), serde_json::json!({}));
            group.push(name);
        }
        groups.push(group);
    }
    let gold = serde_json::json!({"documents": gold_documents, "duplicates": groups});
    let gold_path = dir.path().join("gold.json");
    fs::write(&gold_path, gold.to_string()).unwrap();
    let db = dir.path().join("p.db");
    assert_eq!(dossier(&db, &["analyze", "--quiet", input.to_str().unwrap()]).code, 0);
    let report = json(&dossier(&db, &["eval", "--gold", gold_path.to_str().unwrap(), "--format", "json"]));
    let duplicates = stage(&report, "duplicates");
    eprintln!("planted copies, {} originals: {duplicates}", originals.len());
    assert!(duplicates["precision"].as_f64().unwrap() >= 0.99, "{duplicates}\n{}", report["errors"]);
    assert!(duplicates["recall"].as_f64().unwrap() >= 0.95, "{duplicates}\n{}", report["errors"]);
    let listing = dossier(&db, &["duplicates"]).stdout;
    assert!(listing.contains("partial") && listing.contains("near"), "{listing}");
}

/// Each article's id, duplicate_of and story.
type Assignment = (String, Option<String>, Option<String>);

fn export(db: &std::path::Path) -> (Vec<Assignment>, serde_json::Value) {
    let exported = json(&dossier(db, &["export", "--format", "json"]));
    let mut articles: Vec<Assignment> = exported["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["duplicate_of"].as_str().map(str::to_string),
                a["story"].as_str().map(str::to_string),
            )
        })
        .collect();
    articles.sort();
    (articles, exported["stories"].clone())
}

#[test]
fn arrival_order_does_not_change_duplicates_or_stories() {
    let seeds = workspace_root().join("examples/seeds");
    let mut files: Vec<std::path::PathBuf> = fs::read_dir(&seeds).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let dir = tempfile::tempdir().unwrap();
    let together = dir.path().join("together.db");
    dossier(&together, &["analyze", "--quiet", seeds.to_str().unwrap()]);
    let expected = export(&together);
    assert_eq!(expected.1.as_array().unwrap().len(), 1, "one story: {}", expected.1);
    for (round, order) in [[4, 2, 0, 3, 1], [1, 3, 0, 4, 2], [2, 1, 4, 0, 3]].iter().enumerate() {
        let db = dir.path().join(format!("one-by-one-{round}.db"));
        for &index in order {
            dossier(&db, &["analyze", "--quiet", files[index].to_str().unwrap()]);
        }
        assert_eq!(export(&db), expected, "order {order:?}");
    }
}

#[test]
fn diff_shows_what_each_capture_has() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let seeds = workspace_root().join("examples/seeds");
    dossier(&db, &["analyze", "--quiet", seeds.to_str().unwrap()]);
    let articles = json(&dossier(&db, &["articles", "--format", "json", "--limit", "1000000"]));
    let id_of = |source: &str| {
        articles.as_array().unwrap().iter().find(|a| named(a, source)).unwrap()["id"].as_str().unwrap().to_string()
    };
    let (web, pdf) = (id_of("000_5a1f9b1173ac035f.txt"), id_of("001_0388a4eb874caa9f.txt"));
    let diff = dossier(&db, &["diff", &web[..8], &pdf[..8]]).stdout;
    assert!(
        diff.contains("Only B cites 3 link(s)") && diff.contains("https://ria.ru/20211217/nato-1764165844.html"),
        "{diff}"
    );
    assert!(diff.contains("title ≠") && diff.contains("published ≠"), "{diff}");
    assert!(diff.contains("Paragraphs: 10 shared, 0 only in A, 0 only in B"), "{diff}");
    let stories = dossier(&db, &["stories"]).stdout;
    assert!(stories.contains("2021-12-15") && stories.contains("2022-02-20"), "{stories}");
    let story_id = json(&dossier(&db, &["export"]))["stories"][0]["id"].as_str().unwrap().to_string();
    let story = dossier(&db, &["story", &story_id[..6]]).stdout;
    assert!(story.contains("Sputnik International") && story.contains("↳"), "{story}");
}

#[test]
fn incremental_assignment_keeps_a_story_together_and_rebuild_agrees() {
    let seeds = workspace_root().join("examples/seeds");
    let mut files: Vec<std::path::PathBuf> = fs::read_dir(&seeds).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.reverse();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("incremental.db");
    for file in &files {
        // A limit of 0 forces the incremental path: each article joins or starts a story alone.
        let run = dossier(&db, &["analyze", "--quiet", "--story-rebuild-limit", "0", file.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let (_, stories) = export(&db);
    assert_eq!(stories.as_array().unwrap().len(), 1, "{stories}");
    assert_eq!(stories[0]["articles"].as_array().unwrap().len(), 5);
    assert_eq!((stories[0]["first"].clone(), stories[0]["last"].clone()), ("2021-12-15".into(), "2022-02-20".into()));
    dossier(&db, &["stories", "--rebuild"]);
    let (rebuilt, rebuilt_stories) = export(&db);
    assert_eq!(rebuilt_stories.as_array().unwrap().len(), 1);
    assert!(rebuilt
        .iter()
        .all(|(_, _, story)| story.as_ref() == rebuilt_stories[0]["id"].as_str().map(str::to_string).as_ref()));
}
