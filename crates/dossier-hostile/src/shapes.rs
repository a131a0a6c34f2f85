//! The adversarial-shape bench: each shape the week of attacks found, built at two
//! sizes and run through the stage it attacked (or the whole ingest), each run in a
//! process of its own so that its peak memory is its own. Seconds per MB that stay
//! flat from one size to the next mean the stage is linear; a quadratic one shows
//! as seconds per MB that grow with the size.

use crate::Args;
use dossier_core::across::analysis;
use dossier_core::reading::article;
use dossier_hostile::generate::gzip_bomb;
use std::process::Command;
use std::time::Instant;

/// The timed part of a shape, its input already made (files written, text built).
type Prepared = Box<dyn FnOnce() -> anyhow::Result<()>>;

/// How to prepare one run of a shape for a target size in bytes.
type Prepare = fn(usize) -> anyhow::Result<Prepared>;

/// The shapes by name.
const SHAPES: [(&str, Prepare); 11] = [
    ("quote marks on one line", quote_marks),
    ("unclosed quote marks", unclosed_quotes),
    ("nested <blockquote>", |size| html(size, "<blockquote>", "</blockquote>")),
    ("nested <div><p> unclosed", |size| html(size, "<div><p>x ", "")),
    ("attributes on one <p>", attributes),
    ("exact copies (ingest)", exact_copies),
    ("near-identical JSON lines (ingest)", near_identical_records),
    ("paragraphs in one article (ingest)", many_paragraphs),
    ("deeply nested JSON", deep_json),
    ("gzip bomb (refused)", bomb),
    ("control characters", controls),
];

/// Runs every shape at each size of `--mb` (default 1,4) and prints the table.
pub fn bench(args: &Args) -> anyhow::Result<bool> {
    let sizes: Vec<f64> =
        args.text("mb").unwrap_or_else(|| "1,4".into()).split(',').filter_map(|s| s.trim().parse().ok()).collect();
    let only = args.text("only");
    let allowed: f64 = args.value("max-s-per-mb", 1.0);
    let me = std::env::current_exe()?;
    println!("{:<36} {:>8} {:>9} {:>9} {:>10}", "shape", "MB", "seconds", "s/MB", "peak MiB");
    let mut worst: f64 = 0.0;
    for (name, _) in SHAPES.iter().filter(|(n, _)| only.as_deref().is_none_or(|o| n.contains(o))) {
        for mb in &sizes {
            let bytes = (mb * 1_048_576.0) as usize;
            let output = Command::new(&me).args(["shape", name, &bytes.to_string()]).output()?;
            let line = String::from_utf8_lossy(&output.stdout);
            let fields: Vec<f64> = line.split_whitespace().filter_map(|f| f.parse().ok()).collect();
            if !output.status.success() || fields.len() < 2 {
                println!("{name:<36} {mb:>8.1}   FAILED: {}", String::from_utf8_lossy(&output.stderr).trim());
                worst = f64::INFINITY;
                continue;
            }
            let (seconds, peak_kib) = (fields[0], fields[1]);
            let per_mb = seconds / mb;
            worst = worst.max(per_mb);
            println!("{name:<36} {mb:>8.1} {seconds:>9.3} {per_mb:>9.3} {:>10.1}", peak_kib / 1024.0);
        }
    }
    println!("slowest: {worst:.3} s/MB (target: at most {allowed} s/MB for every shape)");
    Ok(worst <= allowed)
}

/// Runs one shape at one size in this process; prints seconds and peak KiB.
pub fn run_one(args: &Args) -> anyhow::Result<bool> {
    let name = args.positional(0).unwrap_or_default();
    let bytes: usize = args.positional(1).and_then(|b| b.parse().ok()).unwrap_or(1 << 20);
    let (_, run) = SHAPES.iter().find(|(n, _)| *n == name).ok_or_else(|| anyhow::anyhow!("no shape {name:?}"))?;
    let prepared = run(bytes)?;
    let started = Instant::now();
    prepared()?;
    println!("{:.4} {}", started.elapsed().as_secs_f64(), crate::peak_kib());
    Ok(true)
}

/// The whole analysis of one file: reading, cleaning, metadata, entities, quotes, events.
fn analyse_file(name: &'static str, bytes: impl Into<Vec<u8>>) -> anyhow::Result<Prepared> {
    let bytes = bytes.into();
    Ok(Box::new(move || analyse_now(name, &bytes)))
}

fn analyse_now(name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let report = match article::analyze_file(name, bytes) {
        Ok(report) => report,
        // A refusal is an answer too; what is measured is how long it took.
        Err(_) => return Ok(()),
    };
    for found in &report.articles {
        let input = analysis::ArticleInput {
            id: &found.id,
            outlet: None,
            published: found.published,
            story: None,
            duplicate_of: None,
            paragraphs: found.paragraphs.iter().map(|p| p.text.as_str()).collect(),
        };
        analysis::analyze(&[input]);
    }
    Ok(())
}

fn repeat_to(unit: &str, size: usize) -> String {
    unit.repeat(size / unit.len().max(1) + 1)
}

fn quote_marks(size: usize) -> anyhow::Result<Prepared> {
    analyse_file("q.txt", format!("A Headline\n\nHe said {}", repeat_to("\"a ", size)))
}

fn unclosed_quotes(size: usize) -> anyhow::Result<Prepared> {
    analyse_file("q.txt", format!("A Headline\n\nHe said {}", repeat_to("\u{201C}a ", size)))
}

fn html(size: usize, open: &str, close: &str) -> anyhow::Result<Prepared> {
    let depth = size / (open.len() + close.len());
    let page = format!("<html><body>{}deep text{}</body></html>", open.repeat(depth), close.repeat(depth));
    analyse_file("p.html", page)
}

fn attributes(size: usize) -> anyhow::Result<Prepared> {
    let attributes: String = (0..size / 12).map(|i| format!(" a{i}=\"1\"")).collect();
    analyse_file("p.html", format!("<html><body><p{attributes}>Hello there, a paragraph.</p></body></html>"))
}

/// Files through the real ingest into a fresh store (the files are written before the clock starts).
fn ingest(files: impl Iterator<Item = (String, Vec<u8>)>) -> anyhow::Result<Prepared> {
    let dir = tempfile::tempdir()?;
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input)?;
    for (name, bytes) in files {
        std::fs::write(input.join(name), bytes)?;
    }
    Ok(Box::new(move || {
        let mut store = dossier_store::Store::open(&dir.path().join("d.db"))?;
        let options = dossier_app::ingest::Options::default();
        dossier_app::ingest::ingest(&mut store, &[input], &options)?;
        Ok(())
    }))
}

const STORY: &str = "The first paragraph of the copied story has enough words to be counted here.\n\nThe second paragraph of the story adds more words so that copies are found.\n\nA third paragraph ends it with a few more words, \"quoted\" by someone, said Ryabkov.\n\n";

fn exact_copies(size: usize) -> anyhow::Result<Prepared> {
    let text = format!("Copied Headline\n\n{}", STORY.repeat(4));
    let copies = size / text.len();
    ingest((0..copies).map(|i| (format!("{i:06}.txt"), text.clone().into_bytes())))
}

fn near_identical_records(size: usize) -> anyhow::Result<Prepared> {
    let body = STORY.repeat(4);
    let record =
        |i: usize| serde_json::json!({"title": "Near copy", "text": format!("{body}Variant {i}.")}).to_string() + "\n";
    let count = size / record(0).len();
    ingest(std::iter::once(("records.jsonl".to_string(), (0..count).map(record).collect::<String>().into_bytes())))
}

fn many_paragraphs(size: usize) -> anyhow::Result<Prepared> {
    let unit = "Paragraph with a sentence of its own words.\n\n";
    ingest(std::iter::once(("long.txt".to_string(), format!("A Headline\n\n{}", repeat_to(unit, size)).into_bytes())))
}

fn deep_json(size: usize) -> anyhow::Result<Prepared> {
    let depth = size / 10;
    analyse_file("deep.jsonl", format!("{}\"x\"{}\n", "{\"text\":[".repeat(depth), "]}".repeat(depth)))
}

fn bomb(size: usize) -> anyhow::Result<Prepared> {
    let packed = gzip_bomb(size);
    Ok(Box::new(move || {
        let refused = article::analyze_file_within("bomb.txt.gz", &packed, (size / 2) as u64).is_err();
        anyhow::ensure!(refused, "the bomb was not refused");
        Ok(())
    }))
}

fn controls(size: usize) -> anyhow::Result<Prepared> {
    analyse_file("c.txt", format!("A Headline\n\n{}", repeat_to("a\u{1b}[2J\u{202E}\r\u{85} ", size)))
}
