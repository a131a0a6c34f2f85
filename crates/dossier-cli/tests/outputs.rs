//! What goes out, for people and for other tools: JSON lines and CSV of every kind of
//! record, a story's Markdown report, shell completions.

mod common;
use common::{dossier, workspace_root};

#[test]
fn every_kind_of_record_exports_as_json_lines_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let seeds = workspace_root().join("examples/seeds");
    dossier(&db, &["analyze", "--quiet", seeds.to_str().unwrap()]);
    let whole = common::json(&dossier(&db, &["export", "--format", "json"]));
    for (what, key, header) in [
        (
            "articles",
            "articles",
            "id,source,title,outlet,published,url,language,format,duplicate_of,story,links,related,text",
        ),
        ("quotes", "quotes", "id,article,story,speaker,speaker_id,role,text,fragment,reported_by,cited_source,reports"),
        ("entities", "entities", "id,name,type,role,mentions,variants,articles"),
        ("events", "events", "id,date,precision,story,summary,actors,inferred,articles,sources"),
    ] {
        let lines = dossier(&db, &["export", "--format", "jsonl", "--what", what]).stdout;
        let records: Vec<serde_json::Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(records.len(), whole[key].as_array().unwrap().len(), "{what}");
        assert_eq!(records[0]["id"], whole[key][0]["id"], "{what}: the contract's records, in its order");
        let csv = dossier(&db, &["export", "--format", "csv", "--what", what]).stdout;
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>().join(","), header);
        assert_eq!(reader.records().count(), records.len(), "{what}");
    }
}

#[test]
fn a_story_report_in_markdown_and_completions() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let seeds = workspace_root().join("examples/seeds");
    dossier(&db, &["analyze", "--quiet", seeds.to_str().unwrap()]);
    let whole = common::json(&dossier(&db, &["export", "--format", "json"]));
    let id = whole["stories"][0]["id"].as_str().unwrap().to_string();
    let report = dossier(&db, &["story", &id[..6], "--markdown"]);
    assert_eq!(report.code, 0, "{}", report.stderr);
    assert!(report.stdout.starts_with("# "));
    assert!(report.stdout.contains("## Who said what") && report.stdout.contains("first reported by"));
    let bash = dossier(&db, &["completions", "bash"]);
    assert!(bash.stdout.contains("_dossier()") && bash.stdout.contains("follow"));
}
