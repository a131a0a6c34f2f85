//! Bad input: each problem is one clear line naming the file, everything else is
//! ingested, the exit code says "partial" (3), and nothing panics.

mod common;
use common::{dossier, json};
use std::fs;
use std::path::Path;

const GOOD: &str = "A Good Headline\n\nThe body of a perfectly good article, with a sentence or two of text.\n";

fn problem_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("dossier: skipped:") || l.starts_with("dossier: warning:")).collect()
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[test]
fn every_bad_file_is_one_line_and_the_rest_is_ingested() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    fs::create_dir_all(input.join("nested")).unwrap();
    fs::write(input.join("good.txt"), GOOD).unwrap();
    fs::write(input.join("nested/good2.md"), format!("# Another Headline\n\n{GOOD}")).unwrap();
    fs::write(input.join("empty.txt"), "").unwrap();
    fs::write(input.join("image.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10").unwrap();
    let mut mostly_utf8 = "Zelenskiy – “said” — a sentence that goes on. ".repeat(3).into_bytes();
    let bad_byte = mostly_utf8.len();
    mostly_utf8.push(0xFF);
    mostly_utf8.extend_from_slice(" And the rest of the text is fine.".as_bytes());
    fs::write(input.join("broken-utf8.txt"), &mostly_utf8).unwrap();
    let (cyrillic, _, _) = encoding_rs::WINDOWS_1251.encode("Заголовок статьи\n\nМинистерство иностранных дел России заявило, что переговоры продолжатся на следующей неделе.\n");
    fs::write(input.join("cp1251.txt"), &cyrillic).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(GOOD.encode_utf16().flat_map(|u| u.to_le_bytes()));
    fs::write(input.join("utf16.txt"), utf16).unwrap();
    let huge = fs::File::create(input.join("huge.txt")).unwrap();
    huge.set_len(200 * 1024 * 1024).unwrap();
    std::os::unix::fs::symlink(input.join("does-not-exist.txt"), input.join("dangling.txt")).unwrap();
    std::os::unix::fs::symlink(&input, input.join("nested/loop")).unwrap();
    let fifo = input.join("pipe.txt");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let unreadable = input.join("locked.txt");
    fs::write(&unreadable, GOOD).unwrap();
    let unreadable_for_us = !is_root();
    if unreadable_for_us {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&unreadable, fs::Permissions::from_mode(0o000)).unwrap();
    }

    let db = dir.path().join("d.db");
    let run = dossier(&db, &["analyze", "--quiet", input.to_str().unwrap()]);
    assert_eq!(run.code, 3, "partial exit code expected: {}{}", run.stdout, run.stderr);
    let problems = problem_lines(&run.stderr);
    let expect = |file: &str, reason: &str| {
        let hits: Vec<&&str> = problems.iter().filter(|l| l.contains(file)).collect();
        assert_eq!(hits.len(), 1, "one line for {file}: {problems:#?}");
        assert!(hits[0].contains(reason), "{file}: expected {reason:?} in {:?}", hits[0]);
    };
    expect("empty.txt", "empty file");
    expect("image.png", "a PNG image, not text");
    expect("broken-utf8.txt", &format!("invalid UTF-8 at byte {bad_byte}"));
    expect("huge.txt", "too large for one article (200.0 MiB > 64.0 MiB limit");
    expect("dangling.txt", "broken symbolic link");
    expect("loop", "symbolic link loop");
    expect("pipe.txt", "not a regular file");
    if unreadable_for_us {
        expect("locked.txt", "permission denied");
    }
    assert_eq!(problems.len(), if unreadable_for_us { 8 } else { 7 }, "{problems:#?}");

    let articles = json(&dossier(&db, &["articles", "--format", "json", "--limit", "1000000"]));
    // Sources are full paths; below the input folder they read as before.
    let root = format!("{}/", input.canonicalize().unwrap().display());
    let mut sources: Vec<&str> = articles
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["source"].as_str().unwrap().strip_prefix(root.as_str()).unwrap())
        .collect();
    sources.sort();
    let mut expected = vec!["broken-utf8.txt", "cp1251.txt", "good.txt", "nested/good2.md", "utf16.txt"];
    if !unreadable_for_us {
        expected.push("locked.txt");
        expected.sort();
    }
    assert_eq!(sources, expected);
    let cp1251 = articles.as_array().unwrap().iter().find(|a| a["source"] == format!("{root}cp1251.txt")).unwrap();
    assert_eq!(cp1251["language"], "ru");
    assert_eq!(cp1251["title"], "Заголовок статьи");
}

#[test]
fn a_folder_of_ten_thousand_files_with_one_broken() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many");
    for folder in 0..10 {
        fs::create_dir_all(input.join(format!("{folder:02}"))).unwrap();
    }
    for i in 0..9_999 {
        let body = format!(
            "Headline Number {i}\n\nArticle {i} reports that event {i} took place, and {} more words follow.\n",
            i * 7
        );
        fs::write(input.join(format!("{:02}/{i:05}.txt", i % 10)), body).unwrap();
    }
    fs::write(input.join("05/broken.bin"), [0u8, 1, 2, 3, 0, 0, 9]).unwrap();
    let db = dir.path().join("d.db");
    let run = dossier(&db, &["analyze", "--quiet", input.to_str().unwrap()]);
    assert_eq!(run.code, 3);
    let problems = problem_lines(&run.stderr);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("05/broken.bin") && problems[0].contains("binary"), "{}", problems[0]);
    assert!(run.stdout.contains("10000 files") && run.stdout.contains("9999 articles (9999 new"), "{}", run.stdout);
}

#[test]
fn a_missing_path_fails_without_touching_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let run = dossier(&db, &["analyze", "--quiet", dir.path().join("nope").to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("nope: no such file or directory"), "{}", run.stderr);
    assert!(Path::new(&db).exists());
    let articles = json(&dossier(&db, &["articles", "--format", "json", "--limit", "1000000"]));
    assert_eq!(articles.as_array().unwrap().len(), 0);
}

/// A store kept in the folder it reads: its own files (database, log, shared memory,
/// search index) are never read as articles, on any run, and are no problem.
#[test]
fn the_store_inside_the_folder_it_reads_is_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    fs::create_dir_all(&input).unwrap();
    fs::write(input.join("good.txt"), GOOD).unwrap();
    let db = input.join("d.db");
    for run in 0..2 {
        let analysed = dossier(&db, &["analyze", input.to_str().unwrap()]);
        assert_eq!(analysed.code, 0, "run {run}: {}{}", analysed.stdout, analysed.stderr);
        assert!(
            analysed.stdout.contains("of the dossier's own store, in the folder read, were left unread"),
            "{}",
            analysed.stdout
        );
        let articles = json(&dossier(&db, &["articles", "--format", "json"]));
        let sources: Vec<&str> = articles.as_array().unwrap().iter().filter_map(|a| a["source"].as_str()).collect();
        assert_eq!(sources.len(), 1, "run {run}: only the article: {sources:?}");
        assert!(sources[0].ends_with("/good.txt"), "{sources:?}");
    }
    assert!(input.join("d.db.search").is_dir(), "the second run listed the search index too");
}
