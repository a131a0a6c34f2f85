//! Campaigns: generated hostile inputs through every target (panics, hangs, lost
//! good files counted), kill -9 during an ingest, and slow clients against a server.

use crate::{dossier_binary, Args};
use dossier_hostile::generate::{hostile, seed_texts, Dice};
use dossier_hostile::targets;
use std::io::{Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A target taking longer than this on one input (plus its share per MB) is a hang.
const HANG_BASE: Duration = Duration::from_secs(2);
const HANG_PER_MB: Duration = Duration::from_secs(1);
/// A target still busy on one input after this long stops the campaign.
const WATCHDOG: Duration = Duration::from_secs(120);

#[derive(Default)]
struct Tally {
    target_runs: AtomicU64,
    bytes: AtomicU64,
    panics: AtomicU64,
    hangs: AtomicU64,
    good_files: AtomicU64,
    lost_good_files: AtomicU64,
    /// The slowest seconds per MB seen on an input of at least 64 KiB, with its target.
    slowest: Mutex<(f64, String)>,
    failures: Mutex<Vec<String>>,
}

/// Runs `--count` generated hostile inputs through every fuzz target on both cores,
/// and every 2,000th batch of them, with good files among them, through the real
/// ingest. Fails on any panic, hang or lost good file.
pub fn inputs(args: &Args) -> anyhow::Result<bool> {
    let count: usize = args.value("count", 100_000);
    let seed: u64 = args.value("seed", 1);
    let max_units: usize = args.value("max-units", 4096);
    let save = std::path::PathBuf::from(args.text("save").unwrap_or_else(|| "target/hostile-failures".into()));
    let seeds = seed_texts();
    std::panic::set_hook(Box::new(|_| {}));
    let tally = Tally::default();
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let busy: Vec<Mutex<Option<(Instant, usize)>>> = (0..2).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for worker in 0..2 {
            let (tally, next, seeds, busy, save) = (&tally, &next, &seeds, &busy[worker], &save);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let units = if i % 1000 == 999 { 100_000 } else { max_units };
                let mut dice = Dice::new(seed.wrapping_mul(0x9E37_79B9).wrapping_add(i as u64));
                let input = hostile(&mut dice, seeds, units);
                *busy.lock().unwrap() = Some((Instant::now(), i));
                run_targets(i, &input, tally, save);
                if i % 2000 == 0 {
                    check_good_files(i, seed, seeds, tally);
                }
                *busy.lock().unwrap() = None;
            });
        }
        scope.spawn(|| watchdog(&busy, &next, count));
    });
    let elapsed = started.elapsed().as_secs_f64();
    let (slowest, slowest_target) = tally.slowest.lock().unwrap().clone();
    println!(
        "generated hostile inputs: {count} (seed {seed}), target runs: {}, {:.1} MB in {elapsed:.1} s",
        tally.target_runs.load(Ordering::Relaxed),
        tally.bytes.load(Ordering::Relaxed) as f64 / 1e6
    );
    println!(
        "panics: {}, aborts: 0 (the campaign finished), hangs: {}, good files: {} ingested beside hostile ones, lost: {}",
        tally.panics.load(Ordering::Relaxed),
        tally.hangs.load(Ordering::Relaxed),
        tally.good_files.load(Ordering::Relaxed),
        tally.lost_good_files.load(Ordering::Relaxed)
    );
    println!(
        "slowest input of 64 KiB or more: {slowest:.3} s/MB per reading ({slowest_target}); peak memory {} MiB",
        crate::peak_kib() / 1024
    );
    let failures = tally.failures.lock().unwrap();
    for failure in failures.iter().take(20) {
        println!("  {failure}");
    }
    Ok(failures.is_empty())
}

fn run_targets(i: usize, input: &[u8], tally: &Tally, save: &Path) {
    let megabytes = input.len() as f64 / 1e6;
    for (name, target) in targets::ALL {
        let started = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| target(input)));
        let elapsed = started.elapsed();
        tally.target_runs.fetch_add(1, Ordering::Relaxed);
        tally.bytes.fetch_add(input.len() as u64, Ordering::Relaxed);
        let passes = targets::passes(name) as f64;
        let allowed = HANG_BASE + HANG_PER_MB.mul_f64(megabytes * passes);
        let problem = match (outcome.is_err(), elapsed > allowed) {
            (true, _) => Some((&tally.panics, "panic")),
            (false, true) => Some((&tally.hangs, "hang")),
            _ => None,
        };
        if let Some((counter, what)) = problem {
            counter.fetch_add(1, Ordering::Relaxed);
            let file = save.join(format!("{what}-{name}-{i}"));
            let _ = std::fs::create_dir_all(save).and_then(|()| std::fs::write(&file, input));
            let line =
                format!("{what} in {name} on input {i} ({} bytes, {elapsed:?}): {}", input.len(), file.display());
            tally.failures.lock().unwrap().push(line);
        }
        if input.len() >= 64 * 1024 {
            let rate = elapsed.as_secs_f64() / (megabytes * passes);
            let mut slowest = tally.slowest.lock().unwrap();
            if rate > slowest.0 {
                *slowest = (rate, format!("{name}, input {i}, {} bytes", input.len()));
            }
        }
    }
}

/// Hostile files and good files in one folder through the real ingest: every good
/// file must come out as an article.
fn check_good_files(i: usize, seed: u64, seeds: &[Vec<u8>], tally: &Tally) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let input = dir.path().join("in");
    let _ = std::fs::create_dir_all(&input);
    let mut dice = Dice::new(seed ^ (i as u64) << 20);
    let names = ["x.txt", "x.html", "x.jsonl", "x.json", "x.md", "x.txt.gz", "x"];
    for k in 0..30 {
        let name = format!("hostile-{k}-{}", dice.pick(&names));
        let _ = std::fs::write(input.join(name), hostile(&mut dice, seeds, 4096));
    }
    let good = 5;
    for k in 0..good {
        let text = format!(
            "Good Headline {k}\n\nA good article number {k} with a body that is plainly text, about topic {i}-{k}.\n"
        );
        let _ = std::fs::write(input.join(format!("good-{k}.txt")), text);
    }
    let Ok(mut store) = dossier_store::Store::open(&dir.path().join("d.db")) else { return };
    let options = dossier_app::ingest::Options { max_file_size: 4 * 1024 * 1024, ..Default::default() };
    let found = match dossier_app::ingest::ingest(&mut store, &[input], &options) {
        Ok(summary) => summary.articles.iter().filter(|a| a.source.contains("/good-")).count(),
        Err(error) => {
            tally.failures.lock().unwrap().push(format!("ingest failed on batch {i}: {error:#}"));
            0
        }
    };
    tally.good_files.fetch_add(good, Ordering::Relaxed);
    let lost = good - found.min(good as usize) as u64;
    if lost > 0 {
        tally.lost_good_files.fetch_add(lost, Ordering::Relaxed);
        tally.failures.lock().unwrap().push(format!("{lost} good files lost in batch {i}"));
    }
}

/// Stops the campaign when one input keeps a worker busy past the watchdog's limit.
fn watchdog(busy: &[Mutex<Option<(Instant, usize)>>], next: &AtomicUsize, count: usize) {
    while next.load(Ordering::Relaxed) < count + 2 {
        std::thread::sleep(Duration::from_secs(1));
        for slot in busy {
            if let Some((since, i)) = *slot.lock().unwrap() {
                if since.elapsed() > WATCHDOG {
                    println!("hang: input {i} has run for more than {WATCHDOG:?}; stopping");
                    std::process::exit(1);
                }
            }
        }
        if busy.iter().all(|slot| slot.lock().unwrap().is_none()) && next.load(Ordering::Relaxed) >= count {
            return;
        }
    }
}

/// Counts the store's articles, reading the file as any reader would.
fn stored(db: &Path) -> anyhow::Result<usize> {
    Ok(dossier_store::Store::open(db)?.count()?)
}

/// Kill -9 at `--points` random moments of an ingest of `--articles` generated
/// articles, each time checking that nothing committed was lost; then one `analyze`,
/// after which store and index must agree and hold every article.
pub fn kill(args: &Args) -> anyhow::Result<bool> {
    let articles: usize = args.value("articles", 20_000);
    let points: usize = args.value("points", 20);
    let binary = dossier_binary(args);
    let dir = tempfile::tempdir()?;
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus)?;
    for folder in 0..200 {
        std::fs::create_dir_all(corpus.join(format!("{folder:03}")))?;
    }
    for i in 0..articles {
        let text = format!(
            "Headline number {i}\n\nThe article numbered {i} reports on matter {} in the city of {}, with officials quoted.\n\n\"We are looking at case {i},\" a spokesman said on Monday.\n",
            i * 7919 % 100_003,
            i % 97
        );
        std::fs::write(corpus.join(format!("{:03}/{i:06}.txt", i % 200)), text)?;
    }
    let db = dir.path().join("d.db");
    let mut dice = Dice::new(articles as u64);
    let mut committed = 0;
    let mut ok = true;
    println!("{:>5}  {:>9}  {:>9}", "kill", "after ms", "stored");
    for point in 0..points {
        let mut child = Command::new(&binary)
            .arg("--db")
            .arg(&db)
            .args(["analyze", "--quiet"])
            .arg(&corpus)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let delay = 100 + dice.below(2_500) as u64;
        std::thread::sleep(Duration::from_millis(delay));
        child.kill()?;
        child.wait()?;
        let now = stored(&db)?;
        if now < committed {
            println!("LOST: {now} stored after kill {point}, {committed} before");
            ok = false;
        }
        committed = now;
        println!("{point:>5}  {delay:>9}  {now:>9}");
    }
    let started = Instant::now();
    let last = Command::new(&binary).arg("--db").arg(&db).args(["analyze", "--quiet"]).arg(&corpus).output()?;
    let catch_up = started.elapsed().as_secs_f64();
    let total = stored(&db)?;
    let search = Command::new(&binary)
        .arg("--db")
        .arg(&db)
        .args(["search", "", "--kind", "article", "--format", "json", "--limit", "1"])
        .output()?;
    let found: serde_json::Value = serde_json::from_slice(&search.stdout)?;
    let indexed = found["total"].as_u64().unwrap_or(0) as usize;
    println!(
        "then one `analyze`: exit {}, {catch_up:.1} s; store {total} of {articles} articles, index {indexed}",
        last.status.code().unwrap_or(-1)
    );
    ok &= last.status.success() && total == articles && indexed == total;
    println!("{}", if ok { "store and index agree; nothing committed was lost" } else { "FAILED" });
    Ok(ok)
}

/// Serves the seeds, opens `--clients` connections that send half a request and
/// stall, measures the story page meanwhile, and times how soon the stalled ones close.
pub fn slow_clients(args: &Args) -> anyhow::Result<bool> {
    let clients: usize = args.value("clients", 500);
    let seconds: u64 = args.value("seconds", 10);
    let binary = dossier_binary(args);
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("d.db");
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/seeds");
    let ingest = Command::new(&binary).arg("--db").arg(&db).args(["analyze", "--quiet"]).arg(&seeds).output()?;
    anyhow::ensure!(ingest.status.success(), "analyze failed: {}", String::from_utf8_lossy(&ingest.stderr));
    let mut server = Command::new(&binary)
        .arg("--db")
        .arg(&db)
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut first_line = String::new();
    let mut stdout = server.stdout.take().expect("piped");
    let mut byte = [0u8; 1];
    while stdout.read(&mut byte)? == 1 && byte[0] != b'\n' {
        first_line.push(byte[0] as char);
    }
    let addr: std::net::SocketAddr = first_line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no address in {first_line:?}"))?;
    let result = measure_with_slow_clients(addr, clients, seconds);
    let _ = server.kill();
    let _ = server.wait();
    result
}

fn measure_with_slow_clients(addr: std::net::SocketAddr, clients: usize, seconds: u64) -> anyhow::Result<bool> {
    let story = get(addr, "/api/stories")?;
    let story_id = story.split("\"id\":\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_string();
    let opened = Instant::now();
    let mut slow = Vec::with_capacity(clients);
    for _ in 0..clients {
        let mut stream = std::net::TcpStream::connect(addr)?;
        stream.write_all(b"GET / HTTP/1.1\r\nHost: slow\r\nX-Slow: ")?;
        slow.push(stream);
    }
    let mut latencies = Vec::new();
    let until = Instant::now() + Duration::from_secs(seconds.min(9));
    while Instant::now() < until {
        let started = Instant::now();
        let page = get(addr, &format!("/stories/{story_id}"))?;
        anyhow::ensure!(page.starts_with("HTTP/1.1 200"), "the story page failed while slow clients held on");
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    latencies.sort_by(f64::total_cmp);
    let quantile = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    let mut last_closed = Duration::ZERO;
    for mut stream in slow {
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        let mut buffer = [0u8; 256];
        let _ = stream.read(&mut buffer);
        last_closed = last_closed.max(opened.elapsed());
    }
    let (p50, p99) = (quantile(0.5), quantile(0.99));
    println!(
        "{clients} slow clients holding connections: story page {} requests, p50 {p50:.2} ms, p99 {p99:.2} ms; all slow connections closed {:.1} s after they opened",
        latencies.len(),
        last_closed.as_secs_f64()
    );
    Ok(p99 < 50.0 && last_closed < Duration::from_secs(15))
}

/// One GET with `Connection: close`; the whole answer as text.
fn get(addr: std::net::SocketAddr, path: &str) -> anyhow::Result<String> {
    let mut stream = std::net::TcpStream::connect(addr)?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}
