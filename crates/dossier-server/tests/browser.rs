//! The story page in a real browser (Debian's `chromium`, headless): the five sources,
//! Ryabkov's quotes under one name across both spellings, the timeline and coverage,
//! at desktop and phone widths, with screenshots in `target/screenshots/`.
//! Skipped when chromium is missing, unless `DOSSIER_BROWSER_TEST=required` (CI).

mod common;
use common::{get, serve_seeds, workspace_root};
use std::process::Command;

const CHROMIUM_FLAGS: [&str; 6] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
];

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success()))
        .map(str::to_string)
}

fn run_browser(browser: &str, extra: &[&str], url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(browser)
        .args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(output.status.success(), "chromium failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn story_page_in_a_real_browser() {
    let Some(browser) = chromium() else {
        assert_ne!(std::env::var("DOSSIER_BROWSER_TEST").as_deref(), Ok("required"), "chromium is required here");
        eprintln!("skipped: no chromium on this machine (CI installs it)");
        return;
    };
    let (_dir, addr) = serve_seeds(None);
    let story = get(addr, "/api/stories").json()[0]["id"].as_str().unwrap().to_string();
    let url = format!("http://{addr}/stories/{story}");
    let dom = run_browser(&browser, &["--dump-dom", "--virtual-time-budget=3000"], &url);
    // Five sources: four columns, the PDF capture folded into its duplicate.
    assert_eq!(dom.matches(r#"<article class="source">"#).count(), 4, "{dom}");
    assert_eq!(dom.matches(r#"<details class="copy">"#).count(), 1);
    let outlets = ["The Moscow Times", "Sputnik International", "Unknown outlet"];
    assert!(outlets.iter().all(|o| dom.contains(o)), "sources missing");
    // Ryabkov once, with the quotes of both spellings.
    let ryabkov = dom
        .split(r#"<section class="speaker">"#)
        .filter(|s| s.contains("/entities/person-sergei-ryabkov"))
        .collect::<Vec<_>>();
    assert_eq!(ryabkov.len(), 1, "one section for Ryabkov");
    assert!(ryabkov[0].contains("not a menu") && ryabkov[0].contains("sake of an answer"));
    // The timeline with resolved relative dates, and the coverage matrix.
    assert!(
        dom.contains(r#"<ol class="timeline">"#) && dom.contains("week of 2021-12-06") && dom.contains("2022-02-20")
    );
    assert!(dom.contains(r#"<table class="coverage">"#) && dom.contains("left out"));
    let shots = workspace_root().join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for (name, size) in [("story-1280.png", "1280,2400"), ("story-390.png", "390,2400")] {
        let path = shots.join(name);
        run_browser(&browser, &[&format!("--screenshot={}", path.display()), &format!("--window-size={size}")], &url);
        assert!(std::fs::metadata(&path).is_ok_and(|m| m.len() > 10_000), "{} not written", path.display());
    }
}
