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

/// One quote's candidates as examples: a choice among them, for a listwise fit.
type Choice = Vec<Example>;

const FEATURE_COUNT: usize = dossier_core::findings::speakers::FEATURES.len();

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

/// Each quote's candidates as examples (features, label), and the accuracy of `model`
/// over a split.
fn run_split(split: &Split, model: &Model) -> (Vec<Choice>, Accuracy) {
    let per_document: Vec<(Vec<Choice>, Accuracy)> = split
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
                    examples.push(
                        attributed
                            .candidates
                            .iter()
                            .zip(labels.iter().copied())
                            .map(|(c, label)| (c.features, label))
                            .collect(),
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

/// Logistic regression over every candidate on its own (L2-regularised), as a model
/// with threshold 0.
fn fit_pointwise(choices: &[Choice]) -> anyhow::Result<Model> {
    let examples: Vec<&Example> = choices.iter().flatten().collect();
    let rows: Vec<Vec<f64>> = examples.iter().map(|(x, _)| x.to_vec()).collect();
    let labels: Vec<i32> = examples.iter().map(|(_, y)| i32::from(*y)).collect();
    let x = DenseMatrix::from_2d_vec(&rows).map_err(|e| anyhow::anyhow!("{e}"))?;
    let parameters = LogisticRegressionParameters::default().with_alpha(1.0);
    let fitted = LogisticRegression::fit(&x, &labels, parameters).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut weights: Features = [0.0; FEATURE_COUNT];
    for (at, weight) in weights.iter_mut().enumerate() {
        *weight = *fitted.coefficients().get((0, at));
    }
    Ok(Model { weights, intercept: *fitted.intercept().get((0, 0)), threshold: 0.0 })
}

/// A conditional logit: the weights that make each quote's gold speaker likely among
/// its own candidates (a softmax over the quote's scores), L2-regularised, fitted by
/// full-batch gradient descent with Adam. Unlike the pointwise fit, it learns what
/// tells candidates of one quote apart rather than what makes a candidate a speaker
/// anywhere; the core's argmax over `w·x` is the same either way. smartcore has no
/// listwise loss, and the loss and its gradient are a few lines.
fn fit_listwise(choices: &[Choice]) -> Model {
    const L2: f64 = 1e-4;
    const STEPS: usize = 1200;
    const RATE: f64 = 0.05;
    let mut weights = [0.0; FEATURE_COUNT];
    let (mut first, mut second) = ([0.0; FEATURE_COUNT], [0.0; FEATURE_COUNT]);
    for step in 1..=STEPS {
        let gradient = choices
            .par_iter()
            .map(|choice| choice_gradient(choice, &weights))
            .reduce(|| [0.0; FEATURE_COUNT], |a, b| std::array::from_fn(|i| a[i] + b[i]));
        for i in 0..FEATURE_COUNT {
            let g = gradient[i] / choices.len() as f64 + L2 * weights[i];
            first[i] = 0.9 * first[i] + 0.1 * g;
            second[i] = 0.999 * second[i] + 0.001 * g * g;
            let corrected =
                (first[i] / (1.0 - 0.9f64.powi(step as i32)), second[i] / (1.0 - 0.999f64.powi(step as i32)));
            weights[i] -= RATE * corrected.0 / (corrected.1.sqrt() + 1e-8);
        }
    }
    Model { weights, intercept: 0.0, threshold: 0.0 }
}

/// The gradient of −log P(a gold candidate) under a softmax over the choice's scores.
fn choice_gradient(choice: &Choice, weights: &Features) -> Features {
    let scores: Vec<f64> =
        choice.iter().map(|(x, _)| x.iter().zip(weights.iter()).map(|(x, w)| x * w).sum::<f64>()).collect();
    let top = scores.iter().copied().fold(f64::MIN, f64::max);
    let exp: Vec<f64> = scores.iter().map(|s| (s - top).exp()).collect();
    let all: f64 = exp.iter().sum();
    let gold: f64 = choice.iter().zip(&exp).filter(|((_, y), _)| *y).map(|(_, e)| e).sum();
    let mut gradient = [0.0; FEATURE_COUNT];
    for ((x, y), e) in choice.iter().zip(&exp) {
        // d/dw [log Σ_all e − log Σ_gold e] = E_all[x] − E_gold[x].
        let weight = e / all - if *y { e / gold } else { 0.0 };
        for (g, x) in gradient.iter_mut().zip(x.iter()) {
            *g += weight * x;
        }
    }
    gradient
}

/// The threshold that serves train best (below it the rules answer), over a range
/// wide enough for either fit's scale.
fn best_threshold(train: &Split, model: &Model) -> f64 {
    let mut best = (f64::MIN, 0.0);
    for step in -16..=12 {
        let mut candidate = model.clone();
        candidate.threshold = f64::from(step) * 0.5;
        let accuracy = run_split(train, &candidate).1;
        let value = accuracy.mention() + accuracy.entity();
        if value > best.0 {
            best = (value, candidate.threshold);
        }
    }
    best.1
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
    let mut fitted = Vec::new();
    for (name, listwise) in [("pointwise", false), ("listwise", true)] {
        let mut model = rules.clone();
        for round in 1..=3 {
            let (choices, before) = run_split(&train, &model);
            model = if listwise { fit_listwise(&choices) } else { fit_pointwise(&choices)? };
            model.threshold = best_threshold(&train, &model);
            println!(
                "{name} round {round}: {} quotes with the speaker among candidates; train before the round: mention {:.3}, entity {:.3}; threshold {:.1}",
                choices.len(),
                before.mention(),
                before.entity(),
                model.threshold
            );
        }
        let on_train = run_split(&train, &model).1;
        fitted.push((name, model, on_train.mention() + on_train.entity()));
    }
    // Chosen on train; dev only reports.
    let (chosen, model, _) = fitted.iter().max_by(|a, b| a.2.total_cmp(&b.2)).cloned().expect("two fits");
    println!("kept the {chosen} fit (better on train)");
    println!("\n| split | model | speaker by mention | speaker by entity | speaker among candidates |\n|---|---|---|---|---|");
    for split in [&train, &dev] {
        let models = [("rules", &rules), ("ranker, pointwise", &fitted[0].1), ("ranker, listwise", &fitted[1].1)];
        for (name, candidate) in models {
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
