//! `dossier-bench --stage train-speakers`: learns the speaker ranker's weights on
//! PolNeAR train, writes them where the core reads them (`data/speaker_model.tsv`) and
//! prints the ablation (the rules' own choice against the ranker) on train and dev.
//!
//! Each candidate mention of a quote matched to a gold quote is one example, labelled
//! by whether its words are the gold speaker's (both normalised). Features such as
//! "the previous speaker" depend on the choices made before, so the examples are
//! collected again under each new model for a few rounds. With `DOSSIER_SPEAKER_ERRORS`
//! set, each wrong mention is printed to stderr with the top candidates, to study.

use dossier_app::ingest::analyze_bytes;
use dossier_core::eval::{document_key, match_quotes};
use dossier_core::findings::names::same_entity;
use dossier_core::findings::quotes::{explain_with, Attributed};
use dossier_core::findings::speakers::{normalise, Features, Model};
use rayon::prelude::*;
use serde_json::Value;
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// One candidate as a training example: its features and whether it is the gold speaker.
type Example = (Features, bool);

/// One gold quote: its words and its speaker as written (pronouns included).
struct GoldQuote {
    text: String,
    speaker: String,
    /// A pronoun speaker is not scored by entity.
    unscored: bool,
}

/// A document's paragraphs and its gold quotes.
struct Document {
    paragraphs: Vec<String>,
    gold: Vec<GoldQuote>,
}

/// A split of the corpus, read once.
struct Split {
    name: &'static str,
    documents: Vec<Document>,
}

fn load_split(name: &'static str, folder: &Path, gold: &Path) -> anyhow::Result<Split> {
    let gold: Value = serde_json::from_str(&std::fs::read_to_string(gold)?)?;
    let mut by_document: HashMap<String, Vec<GoldQuote>> = HashMap::new();
    for quote in gold["quotes"].as_array().into_iter().flatten() {
        let (Some(document), Some(text), Some(speaker)) =
            (quote["document"].as_str(), quote["text"].as_str(), quote["speaker"].as_str())
        else {
            continue;
        };
        by_document.entry(document.to_string()).or_default().push(GoldQuote {
            text: text.to_string(),
            speaker: speaker.to_string(),
            unscored: quote["speaker_unscored"].as_bool().unwrap_or(false),
        });
    }
    let mut documents = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(folder)?.filter_map(|e| Some(e.ok()?.path())).collect();
    entries.sort();
    for path in entries {
        let source = path.to_string_lossy().to_string();
        let Some(gold) = by_document.remove(document_key(&source)) else { continue };
        let report =
            analyze_bytes(&source, &std::fs::read(&path)?, u64::MAX).map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
        let Some(article) = report.articles.into_iter().next() else { continue };
        documents.push(Document { paragraphs: article.paragraphs.into_iter().map(|p| p.text).collect(), gold });
    }
    Ok(Split { name, documents })
}

/// Each gold quote of a document with the predicted quote it matched (as `dossier eval` matches them).
fn matches<'d>(document: &'d Document, found: &[Attributed]) -> Vec<(&'d GoldQuote, usize)> {
    let matched =
        match_quotes(document.gold.iter().map(|g| g.text.clone()), found.iter().map(|a| a.quote.text.clone()));
    document.gold.iter().zip(matched).filter_map(|(gold, index)| Some((gold, index?))).collect()
}

/// Speaker accuracy of a model on a split: by mention (over gold quotes found) and by
/// entity (over those whose gold speaker is not a pronoun).
#[derive(Default, Clone, Copy)]
struct Accuracy {
    mention_right: usize,
    mentions: usize,
    entity_right: usize,
    entities: usize,
    /// Gold quotes whose speaker's words are among the candidates: what a perfect ranker reaches.
    reachable: usize,
}

impl Accuracy {
    fn add(&mut self, other: Accuracy) {
        self.mention_right += other.mention_right;
        self.mentions += other.mentions;
        self.entity_right += other.entity_right;
        self.entities += other.entities;
        self.reachable += other.reachable;
    }

    fn mention(&self) -> f64 {
        self.mention_right as f64 / self.mentions.max(1) as f64
    }

    fn entity(&self) -> f64 {
        self.entity_right as f64 / self.entities.max(1) as f64
    }
}

/// Examples (features, label) and accuracy of `model` over a split.
fn run_split(split: &Split, model: &Model) -> (Vec<Example>, Accuracy) {
    let per_document: Vec<(Vec<Example>, Accuracy)> = split
        .documents
        .par_iter()
        .map(|document| {
            let found = explain_with(document.paragraphs.iter().map(String::as_str), model);
            let mut examples = Vec::new();
            let mut accuracy = Accuracy::default();
            for (gold, index) in matches(document, &found) {
                let wanted = normalise(&gold.speaker);
                let attributed = &found[index];
                let labels: Vec<bool> =
                    attributed.candidates.iter().map(|c| normalise(&c.mention.text) == wanted).collect();
                accuracy.reachable += usize::from(labels.contains(&true));
                if labels.contains(&true) {
                    examples.extend(
                        attributed.candidates.iter().zip(labels.iter().copied()).map(|(c, label)| (c.features, label)),
                    );
                }
                accuracy.mentions += 1;
                let mention = attributed.quote.speaker_mention.as_ref().map(|m| normalise(&m.text));
                accuracy.mention_right += usize::from(mention.as_deref() == Some(wanted.as_str()));
                if mention.as_deref() != Some(wanted.as_str()) && std::env::var_os("DOSSIER_SPEAKER_ERRORS").is_some() {
                    let best: Vec<String> = attributed
                        .candidates
                        .iter()
                        .take(3)
                        .map(|c| format!("{} {:.2}", c.mention.text, c.score))
                        .collect();
                    eprintln!(
                        "{:?} gold {:?} got {:?} top {:?} | {}",
                        labels.contains(&true),
                        gold.speaker,
                        attributed.quote.speaker_mention.as_ref().map(|m| &m.text),
                        best,
                        attributed.quote.text.chars().take(80).collect::<String>()
                    );
                }
                if !gold.unscored {
                    accuracy.entities += 1;
                    let speaker = attributed.quote.speaker.as_deref();
                    let right = speaker.is_some_and(|s| gold.speaker.split(',').any(|g| same_entity(s, g)));
                    accuracy.entity_right += usize::from(right);
                }
            }
            (examples, accuracy)
        })
        .collect();
    let mut examples = Vec::new();
    let mut accuracy = Accuracy::default();
    for (more, counted) in per_document {
        examples.extend(more);
        accuracy.add(counted);
    }
    (examples, accuracy)
}

/// Logistic regression over the examples (L2-regularised), as a model with threshold 0.
fn fit(examples: &[Example]) -> anyhow::Result<Model> {
    let rows: Vec<Vec<f64>> = examples.iter().map(|(x, _)| x.to_vec()).collect();
    let labels: Vec<i32> = examples.iter().map(|(_, y)| i32::from(*y)).collect();
    let x = DenseMatrix::from_2d_vec(&rows).map_err(|e| anyhow::anyhow!("{e}"))?;
    let parameters = LogisticRegressionParameters::default().with_alpha(1.0);
    let fitted = LogisticRegression::fit(&x, &labels, parameters).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut weights: Features = [0.0; dossier_core::findings::speakers::FEATURES.len()];
    for (at, weight) in weights.iter_mut().enumerate() {
        *weight = *fitted.coefficients().get((0, at));
    }
    Ok(Model { weights, intercept: *fitted.intercept().get((0, 0)), threshold: 0.0 })
}

/// The hand-set model that takes the mention the rules chose: the ablation's baseline.
fn rules_model() -> Model {
    let mut rules = Model::parse("intercept\t-2\nrule_phrase\t2\nrule_speaker\t3\nunresolved\t-5\n");
    rules.threshold = 0.0;
    rules
}

pub fn run(output: &Path) -> anyhow::Result<ExitCode> {
    let shared = PathBuf::from("../shared");
    let train = load_split("train", &shared.join("data/polnear/train"), &shared.join("gold/polnear-train.json"))?;
    let dev = load_split("dev", &shared.join("data/polnear/dev"), &shared.join("gold/polnear-dev.json"))?;
    println!("train: {} documents; dev: {} documents", train.documents.len(), dev.documents.len());
    let rules = rules_model();
    let mut model = rules.clone();
    for round in 1..=3 {
        let (examples, before) = run_split(&train, &model);
        let positives = examples.iter().filter(|(_, y)| *y).count();
        model = fit(&examples)?;
        // The threshold that serves train best: below it the rules answer.
        let mut best = (f64::MIN, 0.0);
        for step in -12..=8 {
            let mut candidate = model.clone();
            candidate.threshold = f64::from(step) * 0.5;
            let accuracy = run_split(&train, &candidate).1;
            let value = accuracy.mention() + accuracy.entity();
            if value > best.0 {
                best = (value, candidate.threshold);
            }
        }
        model.threshold = best.1;
        println!(
            "round {round}: {} examples ({positives} speakers); train before the round: mention {:.3}, entity {:.3}; threshold {:.1}",
            examples.len(),
            before.mention(),
            before.entity(),
            model.threshold
        );
    }
    println!("\n| split | model | speaker by mention | speaker by entity | speaker among candidates |\n|---|---|---|---|---|");
    for split in [&train, &dev] {
        for (name, candidate) in [("rules", &rules), ("ranker", &model)] {
            let accuracy = run_split(split, candidate).1;
            println!(
                "| {} | {name} | {:.3} ({}/{}) | {:.3} ({}/{}) | {:.3} |",
                split.name,
                accuracy.mention(),
                accuracy.mention_right,
                accuracy.mentions,
                accuracy.entity(),
                accuracy.entity_right,
                accuracy.entities,
                accuracy.reachable as f64 / accuracy.mentions.max(1) as f64
            );
        }
    }
    let header = "Speaker ranker weights (log-odds per feature; see findings/speakers.rs).\n\
                  Learnt on PolNeAR train by `cargo run --release -p dossier-bench -- --stage train-speakers`.";
    std::fs::write(output, model.to_tsv(header))?;
    println!("\nweights written to {}", output.display());
    Ok(ExitCode::SUCCESS)
}
