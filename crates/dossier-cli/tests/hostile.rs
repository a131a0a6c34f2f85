//! What a week of hostile and careless input found, kept found: each test is one of
//! the reproductions, run through the real binary.

mod common;
use common::{dossier, json, Run};
use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

const BODY: &str = "The body of a perfectly good article, with a sentence or two of text in it.";

fn article(title: &str, words: &str) -> String {
    format!("{title}\n\n{BODY} It is about {words}, which no other article here is about.\n")
}

fn dossier_os(db: &Path, args: &[&OsStr]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_dossier")).arg("--db").arg(db).args(args).output().unwrap();
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into(),
        stderr: String::from_utf8_lossy(&output.stderr).into(),
    };
    assert!(!run.stderr.contains("panicked"), "dossier panicked: {}", run.stderr);
    run
}

fn article_count(db: &Path) -> usize {
    json(&dossier(db, &["articles", "--format", "json", "--limit", "1000000"])).as_array().unwrap().len()
}

/// How many articles the search index holds (an empty query lists everything).
fn indexed_articles(db: &Path) -> u64 {
    let found = json(&dossier(db, &["search", "", "--kind", "article", "--format", "json"]));
    found["total"].as_u64().unwrap()
}

#[test]
fn hostile_queries_are_refused_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    fs::write(dir.path().join("a.txt"), article("A Headline", "queries")).unwrap();
    dossier(&db, &["analyze", "--quiet", dir.path().join("a.txt").to_str().unwrap()]);
    let nested = format!("{}a{}", "(".repeat(1000), ")".repeat(1000));
    let nots = "NOT ".repeat(2000);
    for query in [nested.as_str(), nots.as_str()] {
        let run = dossier(&db, &["search", query]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(run.stderr.contains("the limit is"), "{}", run.stderr);
    }
}

#[test]
fn files_of_the_same_name_in_two_folders_are_two_articles() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    fs::create_dir_all(&a).unwrap();
    fs::create_dir_all(&b).unwrap();
    fs::write(a.join("story.txt"), article("First Headline", "apples")).unwrap();
    fs::write(b.join("story.txt"), article("Second Headline", "pears")).unwrap();
    let db = dir.path().join("d.db");
    let run = dossier(&db, &["analyze", "--quiet", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert!(run.stdout.contains("2 new, 0 unchanged, 0 replaced"), "{}", run.stdout);
    assert_eq!(article_count(&db), 2);
    // Re-ingesting is idempotent; changing one file replaces only that one.
    let again = dossier(&db, &["analyze", "--quiet", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert!(again.stdout.contains("0 new, 2 unchanged, 0 replaced"), "{}", again.stdout);
    fs::write(b.join("story.txt"), article("Second Headline", "plums")).unwrap();
    let changed = dossier(&db, &["analyze", "--quiet", b.to_str().unwrap()]);
    assert!(changed.stdout.contains("0 new, 0 unchanged, 1 replaced"), "{}", changed.stdout);
    assert_eq!(article_count(&db), 2);
}

#[test]
fn names_differing_only_in_invalid_utf8_stay_apart() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    for (byte, words) in [(0xFFu8, "rivers"), (0xFEu8, "mountains")] {
        let name = [b'n', byte, b'.', b't', b'x', b't'];
        fs::write(input.join(OsStr::from_bytes(&name)), article("Some Headline", words)).unwrap();
    }
    // A newline and an escape sequence in a name: shown escaped, on one line.
    fs::write(input.join("evil\nskipped: forged.txt"), b"").unwrap();
    fs::write(input.join("\x1b[31mred.txt"), b"").unwrap();
    let db = dir.path().join("d.db");
    let run = dossier_os(&db, &[OsStr::new("analyze"), OsStr::new("--quiet"), input.as_os_str()]);
    assert_eq!(article_count(&db), 2, "{}", run.stdout);
    let sources = json(&dossier(&db, &["articles", "--format", "json", "--limit", "1000000"]));
    let names: Vec<&str> = sources.as_array().unwrap().iter().map(|a| a["source"].as_str().unwrap()).collect();
    assert!(names.iter().any(|n| n.ends_with("n\\xFF.txt")) && names.iter().any(|n| n.ends_with("n\\xFE.txt")));
    let problems: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems.iter().any(|l| l.contains("evil\\nskipped: forged.txt: empty file")), "{problems:#?}");
    assert!(problems.iter().all(|l| !l.contains('\x1b')), "{problems:#?}");
}

#[test]
fn one_huge_article_is_skipped_and_the_rest_kept() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    let paragraphs = |n: usize| -> String {
        let body: Vec<String> = (0..n).map(|i| format!("Paragraph number {i} says something new here.")).collect();
        format!("A Long Headline\n\n{}\n", body.join("\n\n"))
    };
    // Over SQLite's 32,766 bound variables, under the article limit: stored.
    fs::write(input.join("long.txt"), paragraphs(33_000)).unwrap();
    // Over the article limit: one line, the rest kept.
    fs::write(input.join("book.txt"), paragraphs(dossier_store::MAX_PARAGRAPHS + 10)).unwrap();
    fs::write(input.join("small.txt"), article("A Small Headline", "brevity")).unwrap();
    let db = dir.path().join("d.db");
    let run = dossier(&db, &["analyze", "--quiet", input.to_str().unwrap()]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    let problems: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].contains("book.txt: too large for one article (50010 paragraphs"), "{}", problems[0]);
    assert!(problems[0].len() < 300);
    assert_eq!(article_count(&db), 2);
}

#[test]
fn size_limits_apply_to_what_a_file_inflates_to() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    let mut packed = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    packed.write_all(article("Bomb Headline", "nothing").as_bytes()).unwrap();
    packed.write_all(&vec![b' '; 3 * 1024 * 1024]).unwrap();
    let packed = packed.finish().unwrap();
    assert!(packed.len() < 64 * 1024);
    fs::write(input.join("bomb.txt.gz"), packed).unwrap();
    fs::write(input.join("fine.txt"), article("Fine Headline", "restraint")).unwrap();
    let db = dir.path().join("d.db");
    let run = dossier(&db, &["analyze", "--quiet", "--max-file-size", "1", input.to_str().unwrap()]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("bomb.txt.gz: inflates to more than 1.0 MiB"), "{}", run.stderr);
    assert_eq!(article_count(&db), 1);
}

#[test]
fn junk_is_never_stored_as_an_article() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    let blobs: [&[u8]; 5] =
        [b"\x93", b"\xA7\xF1\x80", b"\xC0\xFF\xEE\x80\x81\x82\x83", b"\x01\x02", b"BZh91AY&SY\x8a\x12"];
    for (i, blob) in blobs.iter().enumerate() {
        fs::write(input.join(format!("blob{i}.txt")), blob).unwrap();
    }
    fs::write(input.join("fine.txt"), article("Fine Headline", "order")).unwrap();
    let db = dir.path().join("d.db");
    let run = dossier(&db, &["analyze", "--quiet", input.to_str().unwrap()]);
    assert_eq!(run.stderr.lines().filter(|l| l.contains("skipped:")).count(), blobs.len(), "{}", run.stderr);
    assert!(run.stderr.contains("blob4.txt: bzip2-compressed data, not text"), "{}", run.stderr);
    assert_eq!(article_count(&db), 1);
}

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    for i in 0..1500 {
        fs::write(input.join(format!("{i:04}.txt")), article(&format!("Headline {i}"), &format!("topic {i}"))).unwrap();
    }
    let db = dir.path().join("d.db");
    dossier(&db, &["analyze", "--quiet", input.to_str().unwrap()]);
    for args in
        [&["articles"][..], &["articles", "--format", "json", "--limit", "1000000"], &["export", "--format", "jsonl"]]
    {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dossier"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 16];
        std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
        drop(stdout);
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[test]
fn an_empty_token_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = dossier(&dir.path().join("d.db"), &["serve", "--port", "0", "--token", ""]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("token is empty"), "{}", run.stderr);
}

#[test]
fn two_writers_at_once_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let folders: Vec<_> = (0..2)
        .map(|f| {
            let folder = dir.path().join(format!("in{f}"));
            fs::create_dir_all(&folder).unwrap();
            for i in 0..400 {
                let text = article(&format!("Headline {f} {i}"), &format!("subject {f}-{i}"));
                fs::write(folder.join(format!("{i:04}.txt")), text).unwrap();
            }
            folder
        })
        .collect();
    dossier(&db, &["articles"]);
    let children: Vec<_> = folders
        .iter()
        .map(|folder| {
            Command::new(env!("CARGO_BIN_EXE_dossier"))
                .arg("--db")
                .arg(&db)
                .args(["analyze", "--quiet"])
                .arg(folder)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    assert_eq!(article_count(&db), 800);
    assert_eq!(indexed_articles(&db), 800);
}

#[test]
fn killed_ingests_lose_nothing_committed_and_one_command_catches_up() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    let total = 3000;
    for i in 0..total {
        let text = article(&format!("Headline {i}"), &format!("the matter of {i}"));
        fs::write(input.join(format!("{:02}-{i:05}.txt", i % 17)), text).unwrap();
    }
    let db = dir.path().join("d.db");
    let mut committed = 0;
    for delay_ms in [150u64, 400, 700, 1000, 1300] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dossier"))
            .arg("--db")
            .arg(&db)
            .args(["analyze", "--quiet"])
            .arg(&input)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let now = article_count(&db);
        assert!(now >= committed, "a kill lost committed articles: {now} < {committed}");
        committed = now;
    }
    let last = dossier(&db, &["analyze", "--quiet", input.to_str().unwrap()]);
    assert_eq!(last.code, 0, "{}", last.stderr);
    assert_eq!(article_count(&db), total);
    assert_eq!(indexed_articles(&db), total as u64, "store and index agree");
}

#[test]
fn a_crash_at_each_point_around_the_commits_is_caught_up_by_one_command() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(&input).unwrap();
    // More than one chunk of files, and copies, so that groups and stories have work.
    let total = 600;
    for i in 0..total {
        fs::write(input.join(format!("{i:04}.txt")), distinct_article(i % 500)).unwrap();
    }
    for point in ["chunk-committed", "before-regroup", "before-index"] {
        let db = dir.path().join(format!("{point}.db"));
        let crashed = Command::new(env!("CARGO_BIN_EXE_dossier"))
            .arg("--db")
            .arg(&db)
            .args(["analyze", "--quiet"])
            .arg(&input)
            .env("DOSSIER_FAILPOINT", point)
            .output()
            .unwrap();
        assert!(!crashed.status.success(), "{point}: the run was meant to stop");
        let stored = article_count(&db);
        assert!(stored > 0, "{point}: what was committed before the crash is kept");
        let last = dossier(&db, &["analyze", "--quiet", input.to_str().unwrap()]);
        assert_eq!(last.code, 0, "{point}: {}", last.stderr);
        assert_eq!(article_count(&db), total, "{point}");
        assert_eq!(indexed_articles(&db), total as u64, "{point}: store and index agree");
        let duplicates = dossier(&db, &["duplicates"]);
        assert!(duplicates.stdout.contains("100 duplicate groups"), "{point}: {}", duplicates.stdout);
        let reference = dir.path().join("reference.db");
        if !reference.exists() {
            dossier(&reference, &["analyze", "--quiet", input.to_str().unwrap()]);
        }
        assert_eq!(dossier(&db, &["stories"]).stdout, dossier(&reference, &["stories"]).stdout, "{point}");
    }
}

#[test]
fn a_stale_or_damaged_index_is_caught_up_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("first"), dir.path().join("second"));
    for (folder, topic) in [(&first, "ships"), (&second, "trains")] {
        fs::create_dir_all(folder).unwrap();
        fs::write(folder.join("a.txt"), article(&format!("About {topic}"), topic)).unwrap();
    }
    let db = dir.path().join("d.db");
    let index = dir.path().join("d.db.search");
    dossier(&db, &["analyze", "--quiet", first.to_str().unwrap()]);
    // As if killed between the store's commit and the index update: the old index comes back.
    let saved = dir.path().join("saved-index");
    copy_dir(&index, &saved);
    dossier(&db, &["analyze", "--quiet", second.to_str().unwrap()]);
    fs::remove_dir_all(&index).unwrap();
    copy_dir(&saved, &index);
    assert_eq!(indexed_articles(&db), 2, "the stale index is brought up to the store");
    // A damaged index is rebuilt, with a message, by whichever command opens it.
    fs::write(index.join("meta.json"), b"{ not json").unwrap();
    let run = dossier(&db, &["search", "trains", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("rebuilding it"), "{}", run.stderr);
    assert_eq!(json(&run)["total"], 1);
    fs::write(index.join("meta.json"), b"{ not json").unwrap();
    let again = dossier(&db, &["analyze", "--quiet", first.to_str().unwrap()]);
    assert_eq!(again.code, 0, "{}", again.stderr);
}

/// An article whose words are its own: no two numbers share many words.
fn distinct_article(n: usize) -> String {
    const WORDS: [&str; 24] = [
        "harbour",
        "senate",
        "orchard",
        "glacier",
        "tariff",
        "vaccine",
        "railway",
        "drought",
        "election",
        "pipeline",
        "festival",
        "satellite",
        "refinery",
        "verdict",
        "strike",
        "museum",
        "wildfire",
        "treaty",
        "budget",
        "protest",
        "reactor",
        "ferry",
        "airline",
        "quarry",
    ];
    let pick = |k: usize| WORDS[(n * 7 + k * 5 + n / 24) % WORDS.len()];
    let body: Vec<String> =
        (0..12).map(|k| format!("{} {} {}{}", pick(k), pick(k + 3), n * 31 + k, pick(k + 11))).collect();
    format!("Report {n} on the {}\n\nOfficials spoke of {}.\n", pick(1), body.join(", "))
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}
