//! `dossier bench --stage scale`: the duplicate index and story clustering on a
//! large generated corpus with planted copies and planted stories, through the
//! real store, so throughput, memory, the cost of adding one article, and
//! precision/recall are all measured at size.

use crate::bench::{peak_memory, Base};
use dossier_app::ingest::human_bytes;
use dossier_core::across::fingerprint::{
    band_keys, estimated_jaccard, fingerprint, Fingerprint, NEAR_THRESHOLD, PERMUTATIONS,
};
use dossier_core::across::stories::{cluster, StoryInput};
use dossier_core::capture::format::Format;
use dossier_core::reading::article::Article;
use dossier_core::reading::clean::Paragraph;
use dossier_core::text::{fold_for_match, short_hash};
use dossier_store::Store;
use rayon::prelude::*;
use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Instant;

/// Deterministic pseudo-random numbers (splitmix64), one stream per article.
pub(crate) struct Random(pub(crate) u64);

impl Random {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One generated article: its paragraphs, the story (base article) it retells and,
/// for a planted copy, the article it copies.
struct Generated {
    paragraphs: Vec<String>,
    story: usize,
    copy_of: Option<usize>,
}

/// Every tenth article is an edited copy of a recent one; the others retell one of
/// the real base articles with a quarter of their words replaced, so retellings of one
/// base share a story but are not duplicates of each other.
fn generate(bases: &[Base], count: usize) -> Vec<Generated> {
    let vocabulary: Vec<&str> =
        bases.iter().flat_map(|b| b.paragraphs.iter().flat_map(|p| p.split_whitespace())).collect();
    let originals: Vec<Option<Generated>> = (0..count)
        .into_par_iter()
        .map(|i| {
            if i % 10 == 9 {
                return None;
            }
            let mut random = Random(i as u64);
            let story = (i / 10 * 7919 + i % 10) % bases.len();
            let paragraphs = bases[story]
                .paragraphs
                .iter()
                .take(8)
                .map(|p| {
                    p.split_whitespace()
                        .map(|w| if random.below(4) == 0 { vocabulary[random.below(vocabulary.len())] } else { w })
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            Some(Generated { paragraphs, story, copy_of: None })
        })
        .collect();
    let mut out: Vec<Generated> = Vec::with_capacity(count);
    for (i, generated) in originals.into_iter().enumerate() {
        let article = match generated {
            Some(article) => article,
            None => {
                let mut random = Random(!(i as u64));
                let source = i - 1 - random.below(8).min(i - 1 - (i - 1) / 10 * 10);
                let source = if out[source].copy_of.is_some() { source - 1 } else { source };
                let mut paragraphs = out[source].paragraphs.clone();
                match random.below(4) {
                    0 => paragraphs.push(
                        "Share this article with your friends and tell us what you think in the comments below.".into(),
                    ),
                    1 if paragraphs.len() > 3 => {
                        paragraphs.pop();
                    }
                    2 => {
                        paragraphs =
                            paragraphs.iter().map(|p| p.replace('"', "\u{201C}").replace('\'', "\u{2019}")).collect()
                    }
                    _ => {
                        let first = paragraphs[0].replacen(' ', "  ", 3);
                        paragraphs[0] = format!("UPDATED: {first}");
                    }
                }
                Generated { paragraphs, story: out[source].story, copy_of: Some(source) }
            }
        };
        out.push(article);
    }
    out
}

fn to_article(index: usize, generated: &Generated) -> Article {
    let source = format!("scale/{index:07}.txt");
    let body = generated.paragraphs.join("\n\n");
    let content_hash = short_hash(&[&fold_for_match(&body).to_lowercase()]);
    Article {
        id: short_hash(&[&source, &content_hash]),
        content_hash,
        source,
        format: Format::Text,
        encoding: "UTF-8".into(),
        language: Some("en".into()),
        title: None,
        outlet: None,
        published: None,
        url: None,
        dateline: None,
        paragraphs: generated
            .paragraphs
            .iter()
            .enumerate()
            .map(|(n, text)| Paragraph {
                text: text.clone(),
                first_line: n as u32 * 2 + 1,
                last_line: n as u32 * 2 + 1,
            })
            .collect(),
        links: Vec::new(),
        related: Vec::new(),
        removed: Vec::new(),
        provenance: Default::default(),
        original: String::new(),
    }
}

/// Pairwise precision, recall and F1 of a predicted grouping against a gold one.
pub(crate) fn pairwise(gold: &[usize], predicted: &[usize]) -> (f64, f64, f64) {
    let pairs = |counts: HashMap<_, u64>| counts.values().map(|n| n * n.saturating_sub(1) / 2).sum::<u64>();
    let count = |keys: Vec<(usize, usize)>| {
        let mut map: HashMap<(usize, usize), u64> = HashMap::new();
        for key in keys {
            *map.entry(key).or_insert(0) += 1;
        }
        map
    };
    let both = pairs(count(gold.iter().zip(predicted).map(|(&g, &p)| (g, p)).collect()));
    let gold_pairs = pairs(count(gold.iter().map(|&g| (g, 0)).collect()));
    let predicted_pairs = pairs(count(predicted.iter().map(|&p| (p, 0)).collect()));
    let precision = if predicted_pairs == 0 { 1.0 } else { both as f64 / predicted_pairs as f64 };
    let recall = if gold_pairs == 0 { 1.0 } else { both as f64 / gold_pairs as f64 };
    let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
    (precision, recall, f1)
}

/// How whole the gold groups were found: the share of a gold group's members in its
/// largest predicted piece (weighted by members), and the pieces per gold group, over
/// groups of two or more. Pairwise recall says how much is split; this says how.
pub(crate) fn pieces(gold: &[usize], predicted: &[usize]) -> (f64, f64) {
    let mut by_gold: HashMap<usize, HashMap<usize, usize>> = HashMap::new();
    for (&g, &p) in gold.iter().zip(predicted) {
        *by_gold.entry(g).or_default().entry(p).or_insert(0) += 1;
    }
    let (mut members, mut in_largest, mut groups, mut pieces) = (0, 0, 0, 0);
    for split in by_gold.values().filter(|split| split.values().sum::<usize>() >= 2) {
        members += split.values().sum::<usize>();
        in_largest += split.values().max().copied().unwrap_or(0);
        groups += 1;
        pieces += split.len();
    }
    (in_largest as f64 / members.max(1) as f64, pieces as f64 / groups.max(1) as f64)
}

fn rate(count: usize, seconds: f64) -> String {
    format!("{:.0}/s", count as f64 / seconds.max(1e-9))
}

pub fn run(bases: &[Base], count: usize, stories_up_to: usize) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(count >= 20, "--articles must be at least 20 for the scale benchmark");
    println!("Generating {count} articles from {} real ones (every tenth an edited copy) …", bases.len());
    let generated = generate(bases, count);
    let articles: Vec<Article> = generated.par_iter().enumerate().map(|(i, g)| to_article(i, g)).collect();

    let started = Instant::now();
    let fingerprints: Vec<Fingerprint> =
        articles.par_iter().map(|a| fingerprint(a.paragraphs.iter().map(|p| p.text.as_str()))).collect();
    let fingerprinting = started.elapsed().as_secs_f64();

    let dir = std::env::temp_dir().join(format!("dossier-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("scale.db");
    let mut store = Store::open(&db)?;
    let started = Instant::now();
    // Loaded in batches of 100,000, as a large import would be.
    for chunk in articles.iter().zip(&fingerprints).take(count - 1).collect::<Vec<_>>().chunks(100_000) {
        let mut batch = store.batch()?;
        for (article, fingerprint) in chunk {
            batch.write(article)?;
            batch.index_duplicates(article, fingerprint)?;
            batch.index_story_terms(article)?;
        }
        batch.commit()?;
    }
    let indexing = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut batch = store.batch()?;
    batch.rebuild_duplicate_groups()?;
    batch.commit()?;
    let grouping = started.elapsed().as_secs_f64();

    // The last article (a planted copy) arrives alone in a store of count - 1.
    let started = Instant::now();
    let last = articles.last().expect("articles");
    let mut batch = store.batch()?;
    batch.write(last)?;
    batch.index_duplicates(last, fingerprints.last().expect("fingerprints"))?;
    batch.update_duplicate_groups(&[last.id.as_str()])?;
    batch.index_story_terms(last)?;
    batch.assign_story(last, dossier_core::across::stories::STORY_THRESHOLD)?;
    batch.commit()?;
    let add_one = started.elapsed().as_secs_f64();

    let canonical = store.canonical_of()?;
    let index_of: HashMap<&str, usize> = articles.iter().enumerate().map(|(i, a)| (a.id.as_str(), i)).collect();
    let gold_duplicates: Vec<usize> = generated.iter().enumerate().map(|(i, g)| g.copy_of.unwrap_or(i)).collect();
    let predicted_duplicates: Vec<usize> = articles
        .iter()
        .enumerate()
        .map(|(i, a)| canonical.get(&a.id).and_then(|c| index_of.get(c.as_str())).copied().unwrap_or(i))
        .collect();
    let (dup_p, dup_r, dup_f) = pairwise(&gold_duplicates, &predicted_duplicates);
    let db_size =
        std::fs::metadata(&db)?.len() + std::fs::metadata(dir.join("scale.db-wal")).map(|m| m.len()).unwrap_or(0);
    drop(store);

    println!("\nduplicates ({count} articles, {} planted copies)", count / 10);
    println!(
        "  fingerprinting (MinHash {PERMUTATIONS}, 2 threads) {:>10}  ({fingerprinting:.1} s)",
        rate(count, fingerprinting)
    );
    println!("  store + duplicate index + story terms {:>10}  ({indexing:.1} s)", rate(count, indexing));
    println!("  grouping all pairs                    {grouping:>9.2} s");
    println!(
        "  adding one article to the full store  {:>9.1} ms (duplicates and its story, incrementally)",
        add_one * 1000.0
    );
    println!("  planted pairs: precision {dup_p:.3}  recall {dup_r:.3}  F1 {dup_f:.3}");
    let fingerprint_bytes =
        PERMUTATIONS * 4 + fingerprints.iter().map(|f| f.paragraphs.len() * 8).sum::<usize>() / count;
    println!(
        "  index per article: {fingerprint_bytes} B of fingerprint + 16 band keys; whole store on disk {} ({} per article)",
        human_bytes(db_size),
        human_bytes(db_size / count as u64)
    );

    println!("  peak memory so far: {}", peak_memory().map_or("unknown".into(), human_bytes));
    if count <= stories_up_to {
        let texts: Vec<String> = articles.iter().map(|a| a.text()).collect();
        let inputs: Vec<StoryInput<'_>> = articles
            .iter()
            .zip(&texts)
            .map(|(a, text)| StoryInput { id: &a.id, title: None, text, published: None, duplicate_of: None })
            .collect();
        let started = Instant::now();
        let stories = cluster(&inputs);
        let clustering = started.elapsed().as_secs_f64();
        let story_of: HashMap<&str, usize> =
            stories.iter().enumerate().flat_map(|(n, s)| s.articles.iter().map(move |a| (a.as_str(), n))).collect();
        let predicted: Vec<usize> = articles.iter().map(|a| story_of[a.id.as_str()]).collect();
        let gold: Vec<usize> = generated.iter().map(|g| g.story).collect();
        let (p, r, f) = pairwise(&gold, &predicted);
        println!("\nstories ({} planted, {} found)", bases.len().min(count), stories.len());
        println!("  clustering the whole corpus           {clustering:>9.1} s ({})", rate(count, clustering));
        println!("  planted stories: precision {p:.3}  recall {r:.3}  F1 {f:.3}");
    } else {
        println!("\nstories: skipped above --stories-up-to {stories_up_to} (clustering recomputes the whole store)");
    }
    println!("\npeak memory: {}", peak_memory().map_or("unknown".into(), human_bytes));
    std::fs::remove_dir_all(&dir)?;
    Ok(ExitCode::SUCCESS)
}

#[derive(serde::Deserialize)]
struct Record {
    id: String,
    text: String,
}

/// Near-duplicate pairs of a JSON-lines corpus by MinHash LSH alone (the part other
/// MinHash libraries do), timed from parsed records to pairs.
pub fn lsh_file(input: &std::path::Path, output: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(input)?;
    let records: Vec<Record> =
        text.lines().filter(|l| !l.trim().is_empty()).map(serde_json::from_str).collect::<Result<_, _>>()?;
    let started = Instant::now();
    let fingerprints: Vec<Fingerprint> = records.par_iter().map(|r| fingerprint(r.text.split("\n\n"))).collect();
    let fingerprinted = started.elapsed().as_secs_f64();
    let mut bands: HashMap<u64, Vec<u32>> = HashMap::new();
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for (index, print) in fingerprints.iter().enumerate() {
        let keys = band_keys(print);
        let mut candidates: Vec<u32> = keys.iter().filter_map(|k| bands.get(k)).flatten().copied().collect();
        candidates.sort_unstable();
        candidates.dedup();
        pairs.extend(
            candidates
                .into_iter()
                .filter(|&c| estimated_jaccard(print, &fingerprints[c as usize]) >= NEAR_THRESHOLD)
                .map(|c| (c, index as u32)),
        );
        for key in keys {
            bands.entry(key).or_default().push(index as u32);
        }
    }
    let total = started.elapsed().as_secs_f64();
    if let Some(path) = output {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        for (a, b) in &pairs {
            use std::io::Write;
            writeln!(out, "{}", serde_json::json!({"a": records[*a as usize].id, "b": records[*b as usize].id}))?;
        }
    }
    println!(
        "{}",
        serde_json::json!({"documents": records.len(), "pairs": pairs.len(), "seconds": total, "fingerprint_seconds": fingerprinted, "threads": rayon::current_num_threads()})
    );
    Ok(ExitCode::SUCCESS)
}
