//! Scoring stored results against a gold file (`../shared/gold/*.json`), with the
//! matching rules of the gold README applied to both sides.

use crate::across::analysis::{ArticleAnalysis, MergedEvent};
use crate::findings::entities::DossierEntity;
use crate::findings::names::{self, same_entity};
use crate::findings::quotes::Quote;
use crate::findings::speakers::{self, MentionKind};
use crate::reading::article::Article;
use crate::text::{fold_for_match, quote_tokens, token_f1};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A gold file: expected results per document, keyed by file name.
#[derive(Debug, Clone, Deserialize)]
pub struct Gold {
    pub documents: BTreeMap<String, BTreeMap<String, Value>>,
    #[serde(flatten)]
    pub rest: BTreeMap<String, Value>,
}

impl Gold {
    pub fn parse(json: &str) -> Result<Gold, serde_json::Error> {
        serde_json::from_str(json)
    }
}

/// Counts and scores of one stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StageScore {
    pub stage: String,
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    /// Items judged right, counting "nothing there, nothing predicted" as right.
    pub correct: usize,
    pub total: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Scores set directly (B-cubed) rather than from the counts.
    #[serde(skip)]
    keep_scores: bool,
}

impl StageScore {
    fn new(stage: &str) -> StageScore {
        StageScore { stage: stage.to_string(), ..StageScore::default() }
    }

    fn finish(mut self) -> StageScore {
        if self.keep_scores {
            return self;
        }
        let ratio = |num: usize, den: usize| {
            if den == 0 {
                1.0
            } else {
                num as f64 / den as f64
            }
        };
        self.precision = ratio(self.true_positives, self.true_positives + self.false_positives);
        self.recall = ratio(self.true_positives, self.true_positives + self.false_negatives);
        let sum = self.precision + self.recall;
        self.f1 = if sum == 0.0 { 0.0 } else { 2.0 * self.precision * self.recall / sum };
        self
    }

    pub fn accuracy(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub documents_in_gold: usize,
    pub documents_matched: usize,
    pub documents_missing: Vec<String>,
    pub stages: Vec<StageScore>,
    /// One line per error, for people fixing them.
    pub errors: Vec<String>,
    /// What was found beyond the gold and not scored.
    pub notes: Vec<String>,
}

/// The gold key an article answers to: the file name of its source, with the
/// record suffix (`#L3`) for JSON-lines records.
pub fn document_key(source: &str) -> &str {
    source.rsplit(['/', '\\']).next().unwrap_or(source)
}

/// What the pipeline decided beyond each article's own fields.
#[derive(Debug, Clone, Copy)]
pub struct Predictions<'a> {
    /// Articles with inherited metadata already filled in.
    pub articles: &'a [Article],
    /// Article id to the canonical id of its duplicate group (members only).
    pub duplicate_of: &'a HashMap<String, String>,
    /// Article id to story id.
    pub story_of: &'a HashMap<String, String>,
    /// Article id to what the analysis found in it (its quotes are scored).
    pub found: &'a HashMap<String, ArticleAnalysis>,
    /// The dossier's entities, merged across articles.
    pub entities: &'a [DossierEntity],
    /// The dossier's events, merged across articles.
    pub events: &'a [MergedEvent],
}

impl Gold {
    /// A gold file of stories only, from a JSON-lines file whose records carry a group
    /// field (ECB+'s `subtopic`): records with the same value are one story, and no
    /// two records are duplicates.
    pub fn from_groups(file_name: &str, jsonl: &str, key: &str) -> Result<Gold, String> {
        let mut documents = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (index, line) in jsonl.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let record: Value = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", index + 1))?;
            let group = match record.get(key) {
                Some(Value::String(s)) => s.clone(),
                Some(other) if !other.is_null() => other.to_string(),
                _ => return Err(format!("line {}: no {key:?} field", index + 1)),
            };
            let document = format!("{file_name}#L{}", index + 1);
            documents.insert(document.clone(), BTreeMap::new());
            groups.entry(group).or_default().push(Value::String(document));
        }
        let mut rest = BTreeMap::new();
        rest.insert("stories".to_string(), Value::Array(groups.into_values().map(Value::Array).collect()));
        rest.insert("duplicates".to_string(), Value::Array(Vec::new()));
        Ok(Gold { documents, rest })
    }
}

/// A gold document paired with the stored article it names.
type Matched<'a> = (&'a str, &'a BTreeMap<String, Value>, &'a Article);

/// Scores the predictions against `gold` for every stage the gold covers.
pub fn evaluate(gold: &Gold, predictions: Predictions<'_>) -> Report {
    let mut by_key: BTreeMap<&str, &Article> = BTreeMap::new();
    for article in predictions.articles {
        by_key.entry(document_key(&article.source)).or_insert(article);
    }
    let mut report = Report { documents_in_gold: gold.documents.len(), ..Report::default() };
    let mut matched: Vec<Matched<'_>> = Vec::new();
    for (key, doc) in &gold.documents {
        match by_key.get(key.as_str()) {
            Some(article) => matched.push((key, doc, article)),
            None => report.documents_missing.push(key.clone()),
        }
    }
    report.documents_matched = matched.len();
    let mut stages = vec![score_text(&matched, &mut report.errors)];
    for field in ["title", "outlet", "published", "url", "dateline", "language"] {
        stages.push(score_field(gold, field, &matched, &mut report.errors));
    }
    for field in ["links", "related"] {
        stages.push(score_list(field, &matched, &mut report.errors));
    }
    for (stage, assignment) in [("duplicates", predictions.duplicate_of), ("stories", predictions.story_of)] {
        if let Some(groups) = gold.rest.get(stage).and_then(Value::as_array) {
            let clusters = GroupScoring::new(groups, &matched, assignment, stage == "duplicates");
            stages.push(clusters.pairwise(stage, &mut report.errors));
            if stage == "stories" {
                stages.push(clusters.bcubed("stories (B-cubed)"));
            }
        }
    }
    if let Some(gold_quotes) = gold.rest.get("quotes").and_then(Value::as_array) {
        let scored = score_quotes(gold_quotes, &matched, predictions.found, &mut report.errors);
        stages.extend([scored.found, scored.speakers]);
        stages.extend(scored.mentions);
        report.notes.extend(scored.speaker_errors.note());
    }
    let key_of: HashMap<&str, &str> = matched.iter().map(|(key, _, article)| (article.id.as_str(), *key)).collect();
    if let Some(gold_entities) = gold.rest.get("entities").and_then(Value::as_array) {
        let absent = strings(gold.rest.get("entities_absent"));
        let found = score_entities(gold_entities, &absent, predictions.entities, &key_of, &mut report.errors);
        stages.push(found.0);
        report.notes.extend(found.1);
    }
    if let Some(gold_events) = gold.rest.get("events").and_then(Value::as_array) {
        let found = score_events(gold_events, predictions.events, &key_of, &mut report.errors);
        stages.push(found.0);
        report.notes.extend(found.1);
    }
    report.stages = stages.into_iter().filter(|s| s.total > 0).map(StageScore::finish).collect();
    report
}

/// Entities match by kind and by any shared name or variant (compared by `names::key`).
/// An entity split in two costs a false positive, as does finding a name the gold lists
/// as caption-only. Entities the gold does not list are counted in the errors, not scored,
/// since the gold names the story's main entities rather than every one.
fn score_entities(
    gold: &[Value],
    absent: &[String],
    predicted: &[DossierEntity],
    key_of: &HashMap<&str, &str>,
    errors: &mut Vec<String>,
) -> (StageScore, Option<String>) {
    let mut score = StageScore::new("entities");
    let in_gold_documents = |e: &DossierEntity| e.articles.iter().any(|a| key_of.contains_key(a.as_str()));
    let predicted: Vec<&DossierEntity> = predicted.iter().filter(|e| in_gold_documents(e)).collect();
    let keys_of = |e: &DossierEntity| -> Vec<String> {
        std::iter::once(&e.name).chain(&e.variants).map(|n| names::key(n)).collect()
    };
    let predicted_keys: Vec<Vec<String>> = predicted.iter().map(|e| keys_of(e)).collect();
    let mut listed = vec![false; predicted.len()];
    for entity in gold {
        let name = entity.get("name").and_then(Value::as_str).unwrap_or_default();
        let kind = entity.get("type").and_then(Value::as_str).unwrap_or_default();
        let mut wanted: Vec<String> = vec![names::key(name)];
        wanted.extend(strings(entity.get("variants")).iter().map(|v| names::key(v)));
        let hits: Vec<usize> =
            (0..predicted.len()).filter(|&i| predicted_keys[i].iter().any(|k| wanted.contains(k))).collect();
        for &hit in &hits {
            listed[hit] = true;
        }
        let of_kind: Vec<usize> = hits.iter().copied().filter(|&i| predicted[i].kind.label() == kind).collect();
        score.total += 1;
        match of_kind.len() {
            0 => {
                score.false_negatives += 1;
                let other = hits.first().map(|&i| format!(" (found as {})", predicted[i].kind.label()));
                errors.push(format!("entities: missed {kind} {name:?}{}", other.unwrap_or_default()));
            }
            n => {
                score.true_positives += 1;
                score.correct += 1;
                if n > 1 {
                    score.false_positives += n - 1;
                    let split: Vec<&str> = of_kind.iter().map(|&i| predicted[i].name.as_str()).collect();
                    errors.push(format!("entities: {name:?} split into {split:?}"));
                }
            }
        }
    }
    for name in absent {
        let key = names::key(name);
        if let Some(i) = (0..predicted.len()).find(|&i| predicted_keys[i].contains(&key)) {
            score.total += 1;
            score.false_positives += 1;
            errors.push(format!("entities: found caption-only name {:?}", predicted[i].name));
        }
    }
    let unlisted: Vec<&str> =
        (0..predicted.len()).filter(|&i| !listed[i]).map(|i| predicted[i].name.as_str()).collect();
    let note = (!unlisted.is_empty()).then(|| {
        format!("entities: {} found that the gold does not list (not scored): {}", unlisted.len(), unlisted.join(", "))
    });
    (score, note)
}

/// Whether a predicted date matches a gold date at the gold's precision: the
/// predicted date must be at least as precise and fall within the gold's period.
fn date_matches(predicted: &crate::findings::timeline::FuzzyDate, gold_date: &str, gold_precision: &str) -> bool {
    use crate::findings::timeline::Precision;
    let gold_rank = match gold_precision {
        "day" => Precision::Day,
        "week" => Precision::Week,
        "month" => Precision::Month,
        _ => Precision::Year,
    };
    if predicted.precision > gold_rank {
        return false;
    }
    let date = predicted.date;
    match gold_rank {
        Precision::Day => predicted.precision == Precision::Day && date.format("%Y-%m-%d").to_string() == gold_date,
        Precision::Week => {
            let monday = date - chrono::Days::new(u64::from(chrono::Datelike::weekday(&date).num_days_from_monday()));
            monday.format("%Y-%m-%d").to_string() == gold_date
        }
        Precision::Month => date.format("%Y-%m").to_string() == gold_date,
        Precision::Year => date.format("%Y").to_string() == gold_date,
    }
}

/// Events match one to one on date (at the gold's precision) and a shared source
/// document. Scored for recall: the gold lists a story's key events, not every dated
/// sentence, so further predicted events are reported in the errors, not counted.
fn score_events(
    gold: &[Value],
    predicted: &[MergedEvent],
    key_of: &HashMap<&str, &str>,
    errors: &mut Vec<String>,
) -> (StageScore, Option<String>) {
    let mut score = StageScore::new("events");
    let sources: Vec<Vec<&str>> = predicted
        .iter()
        .map(|e| e.sources.iter().filter_map(|s| key_of.get(s.article.as_str()).copied()).collect())
        .collect();
    let candidates = |event: &Value| -> Vec<usize> {
        let date = event.get("date").and_then(Value::as_str).unwrap_or_default();
        let precision = event.get("precision").and_then(Value::as_str).unwrap_or("day");
        let documents = strings(event.get("documents"));
        (0..predicted.len())
            .filter(|&i| date_matches(&predicted[i].when, date, precision))
            .filter(|&i| sources[i].iter().any(|s| documents.iter().any(|d| d == s)))
            .collect()
    };
    let mut order: Vec<(bool, usize, usize)> = gold
        .iter()
        .enumerate()
        .map(|(i, e)| (e.get("optional").and_then(Value::as_bool).unwrap_or(false), candidates(e).len(), i))
        .collect();
    order.sort();
    let mut used = vec![false; predicted.len()];
    for (optional, _, index) in order {
        let event = &gold[index];
        let choice = candidates(event).into_iter().find(|&i| !used[i]);
        match (choice, optional) {
            (Some(i), _) => {
                used[i] = true;
                score.total += 1;
                score.true_positives += 1;
                score.correct += 1;
            }
            (None, false) => {
                score.total += 1;
                score.false_negatives += 1;
                let what = event.get("what").and_then(Value::as_str).unwrap_or_default();
                let date = event.get("date").and_then(Value::as_str).unwrap_or_default();
                errors.push(format!("events: missed {date} {what:?}"));
            }
            (None, true) => {}
        }
    }
    let further = (0..predicted.len()).filter(|&i| !used[i] && !sources[i].is_empty()).count();
    let note =
        (further > 0).then(|| format!("events: {further} further dated events the gold does not list (not scored)"));
    (score, note)
}

/// Each gold quote's predicted quote, in gold order: the best unused one at token F1 >= 0.8.
pub fn match_quotes(gold: impl Iterator<Item = String>, predicted: impl Iterator<Item = String>) -> Vec<Option<usize>> {
    let tokens: Vec<Vec<String>> = predicted.map(|text| quote_tokens(&text)).collect();
    let mut used = vec![false; tokens.len()];
    gold.map(|text| {
        let wanted = quote_tokens(&text);
        let best = (0..tokens.len())
            .filter(|&i| !used[i])
            .map(|i| (i, token_f1(&tokens[i], &wanted)))
            .filter(|(_, f1)| *f1 >= 0.8)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i);
        if let Some(i) = best {
            used[i] = true;
        }
        best
    })
    .collect()
}

/// The quote stages: quotes found, their speakers by entity and by mention, and what
/// went wrong with the speakers.
struct QuoteScores {
    found: StageScore,
    speakers: StageScore,
    /// Only for a gold file that writes speakers as mentions.
    mentions: Option<StageScore>,
    speaker_errors: SpeakerErrors,
}

/// Wrong speakers (by entity) by kind.
#[derive(Default)]
struct SpeakerErrors {
    /// No speaker given.
    missing: usize,
    /// A name where the gold has a description or pronoun, or the other way round.
    description_vs_name: usize,
    /// Another person or body.
    wrong_person: usize,
}

impl SpeakerErrors {
    fn count(&mut self, gold: &str, predicted: Option<&Quote>) {
        let Some(quote) = predicted.filter(|q| q.speaker.is_some()) else {
            self.missing += 1;
            return;
        };
        let gold_is_name = gold.chars().next().is_some_and(char::is_uppercase) && !gold.starts_with("The ");
        let predicted_is_name =
            quote.speaker_mention.as_ref().is_none_or(|m| matches!(m.kind, MentionKind::Name | MentionKind::Body));
        if gold_is_name == predicted_is_name {
            self.wrong_person += 1;
        } else {
            self.description_vs_name += 1;
        }
    }

    fn note(&self) -> Option<String> {
        let total = self.missing + self.description_vs_name + self.wrong_person;
        (total > 0).then(|| {
            format!(
                "quote speakers: {total} wrong by entity: {} missing, {} wrong person, {} description vs name",
                self.missing, self.wrong_person, self.description_vs_name
            )
        })
    }
}

/// Quotes match within a document at token F1 >= 0.8; `optional` gold quotes count
/// when found and cost nothing when missed. Over matched quotes the speaker is scored
/// twice: by entity (whether the predicted speaker is the gold one, for gold speakers
/// that are not pronouns) and by mention (whether the words the article names the
/// speaker with are the gold's, pronouns included, both normalised as
/// [`speakers::normalise`] does).
fn score_quotes(
    gold_quotes: &[Value],
    matched: &[Matched<'_>],
    predicted: &HashMap<String, ArticleAnalysis>,
    errors: &mut Vec<String>,
) -> QuoteScores {
    let mut found = StageScore::new("quotes");
    let mut speakers = StageScore::new("quote speakers");
    let mut mentions = StageScore::new("quote speakers (mention)");
    // A gold file that writes pronoun speakers ("he", unscored by entity) writes every
    // speaker as the article does; one that does not (the seeds) names entities, and
    // its speakers say nothing of mentions.
    let gold_writes_mentions = gold_quotes.iter().any(|g| g.get("speaker_unscored").is_some());
    let mut speaker_errors = SpeakerErrors::default();
    for (key, _, article) in matched {
        let quotes = predicted.get(&article.id).map(|found| found.quotes.as_slice()).unwrap_or(&[]);
        let golds: Vec<&Value> =
            gold_quotes.iter().filter(|g| g.get("document").and_then(Value::as_str) == Some(*key)).collect();
        let texts = |g: &&Value| g.get("text").and_then(Value::as_str).unwrap_or_default().to_string();
        let matched = match_quotes(golds.iter().map(texts), quotes.iter().map(|q| q.text.clone()));
        let mut used = vec![false; quotes.len()];
        for (gold, best) in golds.into_iter().zip(matched) {
            let text = gold.get("text").and_then(Value::as_str).unwrap_or_default();
            let optional = gold.get("optional").and_then(Value::as_bool).unwrap_or(false);
            let Some(index) = best else {
                if !optional {
                    found.total += 1;
                    found.false_negatives += 1;
                    errors.push(format!("quotes {key}: missed {text:?}"));
                }
                continue;
            };
            used[index] = true;
            found.total += 1;
            found.true_positives += 1;
            found.correct += 1;
            let unscored = gold.get("speaker_unscored").and_then(Value::as_bool).unwrap_or(false);
            let mut names: Vec<&str> = gold.get("speaker").and_then(Value::as_str).into_iter().collect();
            names.extend(
                gold.get("speaker_any").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str),
            );
            if optional || names.is_empty() {
                continue;
            }
            let quote = &quotes[index];
            let mention = quote.speaker_mention.as_ref().map(|m| m.text.as_str());
            if gold_writes_mentions {
                let written = mention.map(speakers::normalise);
                mentions.total += 1;
                if written.as_ref().is_some_and(|w| names.iter().any(|n| speakers::normalise(n) == *w)) {
                    mentions.correct += 1;
                    mentions.true_positives += 1;
                } else {
                    mentions.false_positives += usize::from(written.is_some());
                    mentions.false_negatives += 1;
                    errors.push(format!("quote speaker mentions {key}: {mention:?} for {text:?}, gold {names:?}"));
                }
            }
            if unscored {
                continue;
            }
            speakers.total += 1;
            let said_by = quote.speaker.as_deref();
            // "Another critic, Laurence H. Tribe," names Tribe: any comma-separated part may be the name.
            let said_by_one = |s: &str| names.iter().flat_map(|n| n.split(',')).any(|n| same_entity(s, n));
            if said_by.is_some_and(said_by_one) {
                speakers.correct += 1;
                speakers.true_positives += 1;
            } else {
                if said_by.is_some() {
                    speakers.false_positives += 1;
                }
                speakers.false_negatives += 1;
                speaker_errors.count(names[0], Some(quote));
                errors
                    .push(format!("quote speakers {key}: {said_by:?} (from {mention:?}) for {text:?}, gold {names:?}"));
            }
        }
        for quote in quotes.iter().zip(&used).filter(|(_, used)| !**used).map(|(q, _)| q) {
            found.total += 1;
            found.false_positives += 1;
            errors.push(format!("quotes {key}: extra {:?}", quote.text));
        }
    }
    QuoteScores { found, speakers, mentions: gold_writes_mentions.then_some(mentions), speaker_errors }
}

/// Gold and predicted grouping of the matched documents, by gold key.
struct GroupScoring {
    gold: BTreeMap<String, usize>,
    predicted: BTreeMap<String, String>,
}

impl GroupScoring {
    fn new(
        groups: &[Value],
        matched: &[Matched<'_>],
        assignment: &HashMap<String, String>,
        singletons_are_own: bool,
    ) -> GroupScoring {
        let mut gold = BTreeMap::new();
        for (index, group) in groups.iter().enumerate() {
            for key in group.as_array().into_iter().flatten().filter_map(Value::as_str) {
                gold.insert(key.to_string(), index);
            }
        }
        let mut next = groups.len();
        let mut predicted = BTreeMap::new();
        for (key, _, article) in matched {
            if !gold.contains_key(*key) {
                gold.insert(key.to_string(), next);
                next += 1;
            }
            // A duplicate group is named by its canonical member; an article in no
            // group (or no story) is a group of its own.
            let group = match assignment.get(&article.id) {
                Some(group) => group.clone(),
                None if singletons_are_own => article.id.clone(),
                None => format!("unassigned:{}", article.id),
            };
            predicted.insert(key.to_string(), group);
        }
        gold.retain(|key, _| predicted.contains_key(key));
        GroupScoring { gold, predicted }
    }

    fn pairwise(&self, stage: &str, errors: &mut Vec<String>) -> StageScore {
        let mut score = StageScore::new(stage);
        let keys: Vec<&String> = self.predicted.keys().collect();
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                let same_gold = self.gold[*a] == self.gold[*b];
                let same_predicted = self.predicted[*a] == self.predicted[*b];
                match (same_gold, same_predicted) {
                    (true, true) => score.true_positives += 1,
                    (false, true) => {
                        score.false_positives += 1;
                        errors.push(format!("{stage}: {a} and {b} grouped, gold keeps them apart"));
                    }
                    (true, false) => {
                        score.false_negatives += 1;
                        errors.push(format!("{stage}: {a} and {b} apart, gold groups them"));
                    }
                    (false, false) => {}
                }
                if same_gold == same_predicted {
                    score.correct += 1;
                }
                score.total += 1;
            }
        }
        score
    }

    /// B-cubed: per document, precision and recall of its predicted cluster against its gold one.
    fn bcubed(&self, stage: &str) -> StageScore {
        let mut precision = 0.0;
        let mut recall = 0.0;
        for (key, predicted) in &self.predicted {
            let same_predicted: BTreeSet<&String> =
                self.predicted.iter().filter(|(_, p)| *p == predicted).map(|(k, _)| k).collect();
            let same_gold: BTreeSet<&String> =
                self.gold.iter().filter(|(_, g)| **g == self.gold[key]).map(|(k, _)| k).collect();
            let both = same_predicted.intersection(&same_gold).count() as f64;
            precision += both / same_predicted.len() as f64;
            recall += both / same_gold.len() as f64;
        }
        let n = self.predicted.len().max(1) as f64;
        let mut score = StageScore::new(stage);
        score.total = self.predicted.len();
        score.correct = self.predicted.len();
        let mut finished = score.finish();
        finished.precision = precision / n;
        finished.recall = recall / n;
        let sum = finished.precision + finished.recall;
        finished.f1 = if sum == 0.0 { 0.0 } else { 2.0 * finished.precision * finished.recall / sum };
        finished.keep_scores = true;
        finished
    }
}

fn predicted_field(article: &Article, field: &str) -> Option<String> {
    match field {
        "title" => article.title.clone(),
        "outlet" => article.outlet.clone(),
        "published" => article.published.map(|d| d.format("%Y-%m-%d").to_string()),
        "url" => article.url.clone(),
        "dateline" => article.dateline.clone(),
        "language" => article.language.clone(),
        _ => None,
    }
}

/// Whether a predicted field is the gold's. Titles, outlets and datelines are compared
/// without letter case: a page's style sheet often sets them in capitals
/// (`text-transform: uppercase`), which gold copied from the rendered page keeps and
/// the markup does not say.
fn same_value(field: &str, predicted: &str, gold: &str) -> bool {
    match field {
        "url" => predicted.trim_end_matches('/') == gold.trim_end_matches('/'),
        "title" | "outlet" | "dateline" => {
            fold_for_match(predicted).to_lowercase() == fold_for_match(gold).to_lowercase()
        }
        _ => fold_for_match(predicted) == fold_for_match(gold),
    }
}

/// Text as a reader sees it, for comparing bodies: gold copied from a page's source
/// keeps its soft hyphens and zero-width marks, which the page never shows and which
/// Dossier's reading drops.
fn visible(text: &str) -> String {
    fold_for_match(&crate::text::without_layout_marks(text))
}

fn score_text(matched: &[Matched<'_>], errors: &mut Vec<String>) -> StageScore {
    let mut score = StageScore::new("text");
    for (key, doc, article) in matched {
        let body = visible(&article.text());
        for wanted in strings(doc.get("text_present")) {
            score.total += 1;
            if body.contains(&visible(&wanted)) {
                score.true_positives += 1;
                score.correct += 1;
            } else {
                score.false_negatives += 1;
                errors.push(format!("text {key}: missing {wanted:?}"));
            }
        }
        for unwanted in strings(doc.get("text_absent")) {
            score.total += 1;
            if body.contains(&visible(&unwanted)) {
                score.false_positives += 1;
                errors.push(format!("text {key}: left in {unwanted:?}"));
            } else {
                score.correct += 1;
            }
        }
    }
    score
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn score_field(gold_file: &Gold, field: &str, matched: &[Matched<'_>], errors: &mut Vec<String>) -> StageScore {
    let mut score = StageScore::new(field);
    for (key, doc, article) in matched {
        let Some(gold_value) = doc.get(field) else {
            continue;
        };
        let mut gold = gold_value.as_str();
        let predicted = predicted_field(article, field);
        // Metadata inherited from a duplicate is judged against that duplicate's gold.
        if article.is_inherited(field) {
            let source = doc.get("inherits_from_duplicate").and_then(Value::as_str);
            gold = source.and_then(|s| gold_file.documents.get(s)).and_then(|d| d.get(field)).and_then(Value::as_str);
        }
        score.total += 1;
        let right = match (predicted.as_deref(), gold) {
            (None, None) => true,
            (Some(p), Some(g)) if same_value(field, p, g) => {
                score.true_positives += 1;
                true
            }
            (Some(_), None) => {
                score.false_positives += 1;
                false
            }
            (None, Some(_)) => {
                score.false_negatives += 1;
                false
            }
            (Some(_), Some(_)) => {
                score.false_positives += 1;
                score.false_negatives += 1;
                false
            }
        };
        if right {
            score.correct += 1;
        } else {
            errors.push(format!("{field} {key}: predicted {predicted:?}, gold {gold:?}"));
        }
    }
    score
}

fn score_list(field: &str, matched: &[Matched<'_>], errors: &mut Vec<String>) -> StageScore {
    let mut score = StageScore::new(field);
    for (key, doc, article) in matched {
        if !doc.contains_key(field) {
            continue;
        }
        let gold: Vec<String> = strings(doc.get(field)).iter().map(|s| fold_for_match(s)).collect();
        let predicted_raw = if field == "links" { &article.links } else { &article.related };
        let predicted: Vec<String> = predicted_raw.iter().map(|s| fold_for_match(s)).collect();
        score.total += gold.len().max(1);
        for item in &predicted {
            if gold.contains(item) {
                score.true_positives += 1;
                score.correct += 1;
            } else {
                score.false_positives += 1;
                errors.push(format!("{field} {key}: unexpected {item:?}"));
            }
        }
        for item in gold.iter().filter(|g| !predicted.contains(g)) {
            score.false_negatives += 1;
            errors.push(format!("{field} {key}: missing {item:?}"));
        }
        if gold.is_empty() && predicted.is_empty() {
            score.correct += 1;
        }
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reading::article::analyze_file;

    #[test]
    fn scores_fields_text_and_lists() {
        let article = analyze_file(
            "dir/doc.txt",
            b"A Short Title\n\nBody with \xE2\x80\x9Cquotes\xE2\x80\x9D and more text.\n\nhttps://cited.example/a",
        )
        .unwrap()
        .articles
        .remove(0);
        let gold = Gold::parse(
            r#"{"documents": {"doc.txt": {"title": "A Short Title", "published": null, "outlet": "X",
            "text_present": ["with \"quo\u00adtes\" and"], "text_absent": ["https://cited"], "links": ["https://cited.example/a"]}}}"#,
        )
        .unwrap();
        let (none, nothing_found) = (HashMap::new(), HashMap::new());
        let report = evaluate(
            &gold,
            Predictions {
                articles: &[article],
                duplicate_of: &none,
                story_of: &none,
                found: &nothing_found,
                entities: &[],
                events: &[],
            },
        );
        let stage = |name: &str| report.stages.iter().find(|s| s.stage == name).unwrap().clone();
        assert_eq!(report.documents_matched, 1);
        assert_eq!(stage("text").f1, 1.0);
        assert_eq!(stage("title").f1, 1.0);
        assert_eq!((stage("published").correct, stage("published").total), (1, 1));
        assert_eq!(stage("outlet").false_negatives, 1);
        assert_eq!(stage("outlet").recall, 0.0);
        assert_eq!(stage("links").f1, 1.0);
        assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    }

    #[test]
    fn scores_groups_pairwise_and_bcubed() {
        let articles: Vec<Article> = ["a", "b", "c", "d"]
            .iter()
            .map(|n| {
                analyze_file(&format!("{n}.txt"), format!("Body of article {n}, long enough.").as_bytes())
                    .unwrap()
                    .articles
                    .remove(0)
            })
            .collect();
        let gold = Gold::parse(r#"{"documents": {"a.txt": {}, "b.txt": {}, "c.txt": {}, "d.txt": {}}, "stories": [["a.txt", "b.txt", "c.txt"], ["d.txt"]], "duplicates": [["a.txt", "b.txt"]]}"#).unwrap();
        let story_of: HashMap<String, String> = articles
            .iter()
            .map(|a| (a.id.clone(), if a.source == "c.txt" { "s2" } else { "s1" }.to_string()))
            .collect();
        let duplicate_of: HashMap<String, String> = [(articles[1].id.clone(), articles[0].id.clone())].into();
        let report = evaluate(
            &gold,
            Predictions {
                articles: &articles,
                duplicate_of: &duplicate_of,
                story_of: &story_of,
                found: &HashMap::new(),
                entities: &[],
                events: &[],
            },
        );
        let stage = |name: &str| report.stages.iter().find(|s| s.stage == name).unwrap().clone();
        assert_eq!(stage("duplicates").f1, 1.0);
        let stories = stage("stories");
        // predicted pairs: ab, ad, bd; gold pairs: ab, ac, bc
        assert_eq!((stories.true_positives, stories.false_positives, stories.false_negatives), (1, 2, 2));
        let bcubed = stage("stories (B-cubed)");
        // a, b: 2/3 each way; c: precision 1, recall 1/3; d: precision 1/3, recall 1.
        assert!((bcubed.precision - 2.0 / 3.0).abs() < 1e-9 && (bcubed.recall - 2.0 / 3.0).abs() < 1e-9, "{bcubed:?}");
        let from_groups = Gold::from_groups("f.jsonl", "{\"g\": 1}\n{\"g\": 1}\n{\"g\": 2}\n", "g").unwrap();
        assert_eq!(from_groups.documents.len(), 3);
        assert_eq!(from_groups.rest["stories"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn keys_are_file_names() {
        assert_eq!(document_key("a/b/c.txt"), "c.txt");
        assert_eq!(document_key("dir/feed.jsonl#L3"), "feed.jsonl#L3");
    }
}
