//! Scoring stored results against a gold file (`../shared/gold/*.json`), with the
//! matching rules of the gold README applied to both sides.

use crate::article::Article;
use crate::text::fold_for_match;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

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
}

impl StageScore {
    fn new(stage: &str) -> StageScore {
        StageScore {
            stage: stage.to_string(),
            ..StageScore::default()
        }
    }

    fn finish(mut self) -> StageScore {
        let ratio = |num: usize, den: usize| {
            if den == 0 {
                1.0
            } else {
                num as f64 / den as f64
            }
        };
        self.precision = ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        );
        self.recall = ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        );
        let sum = self.precision + self.recall;
        self.f1 = if sum == 0.0 {
            0.0
        } else {
            2.0 * self.precision * self.recall / sum
        };
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
}

/// The gold key an article answers to: the file name of its source.
pub fn document_key(source: &str) -> &str {
    let path = source.split_once("#L").map_or(source, |(p, _)| p);
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// A gold document paired with the stored article it names.
type Matched<'a> = (&'a str, &'a BTreeMap<String, Value>, &'a Article);

/// Scores `articles` against `gold` for every stage the gold covers.
pub fn evaluate(gold: &Gold, articles: &[Article]) -> Report {
    let mut by_key: BTreeMap<&str, &Article> = BTreeMap::new();
    for article in articles {
        by_key
            .entry(document_key(&article.source))
            .or_insert(article);
    }
    let mut report = Report {
        documents_in_gold: gold.documents.len(),
        ..Report::default()
    };
    let mut matched: Vec<Matched<'_>> = Vec::new();
    for (key, doc) in &gold.documents {
        match by_key.get(key.as_str()) {
            Some(article) => matched.push((key, doc, article)),
            None => report.documents_missing.push(key.clone()),
        }
    }
    report.documents_matched = matched.len();
    let mut stages = vec![score_text(&matched, &mut report.errors)];
    for field in [
        "title",
        "outlet",
        "published",
        "url",
        "dateline",
        "language",
    ] {
        stages.push(score_field(field, &matched, &mut report.errors));
    }
    for field in ["links", "related"] {
        stages.push(score_list(field, &matched, &mut report.errors));
    }
    report.stages = stages
        .into_iter()
        .filter(|s| s.total > 0)
        .map(StageScore::finish)
        .collect();
    report
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

fn same_value(field: &str, predicted: &str, gold: &str) -> bool {
    match field {
        "url" => predicted.trim_end_matches('/') == gold.trim_end_matches('/'),
        "outlet" | "dateline" => {
            fold_for_match(predicted).to_lowercase() == fold_for_match(gold).to_lowercase()
        }
        _ => fold_for_match(predicted) == fold_for_match(gold),
    }
}

fn score_text(matched: &[Matched<'_>], errors: &mut Vec<String>) -> StageScore {
    let mut score = StageScore::new("text");
    for (key, doc, article) in matched {
        let body = fold_for_match(&article.text());
        for wanted in strings(doc.get("text_present")) {
            score.total += 1;
            if body.contains(&fold_for_match(&wanted)) {
                score.true_positives += 1;
                score.correct += 1;
            } else {
                score.false_negatives += 1;
                errors.push(format!("text {key}: missing {wanted:?}"));
            }
        }
        for unwanted in strings(doc.get("text_absent")) {
            score.total += 1;
            if body.contains(&fold_for_match(&unwanted)) {
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
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn score_field(field: &str, matched: &[Matched<'_>], errors: &mut Vec<String>) -> StageScore {
    let mut score = StageScore::new(field);
    for (key, doc, article) in matched {
        let Some(gold_value) = doc.get(field) else {
            continue;
        };
        let gold = gold_value.as_str();
        let predicted = predicted_field(article, field);
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
            errors.push(format!(
                "{field} {key}: predicted {predicted:?}, gold {gold:?}"
            ));
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
        let gold: Vec<String> = strings(doc.get(field))
            .iter()
            .map(|s| fold_for_match(s))
            .collect();
        let predicted_raw = if field == "links" {
            &article.links
        } else {
            &article.related
        };
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
    use crate::article::analyze_file;

    #[test]
    fn scores_fields_text_and_lists() {
        let article = analyze_file("dir/doc.txt", b"A Short Title\n\nBody with \xE2\x80\x9Cquotes\xE2\x80\x9D and more text.\n\nhttps://cited.example/a").unwrap().articles.remove(0);
        let gold = Gold::parse(
            r#"{"documents": {"doc.txt": {"title": "A Short Title", "published": null, "outlet": "X",
            "text_present": ["with \"quotes\" and"], "text_absent": ["https://cited"], "links": ["https://cited.example/a"]}}}"#,
        )
        .unwrap();
        let report = evaluate(&gold, &[article]);
        let stage = |name: &str| {
            report
                .stages
                .iter()
                .find(|s| s.stage == name)
                .unwrap()
                .clone()
        };
        assert_eq!(report.documents_matched, 1);
        assert_eq!(stage("text").f1, 1.0);
        assert_eq!(stage("title").f1, 1.0);
        assert_eq!(
            (stage("published").correct, stage("published").total),
            (1, 1)
        );
        assert_eq!(stage("outlet").false_negatives, 1);
        assert_eq!(stage("outlet").recall, 0.0);
        assert_eq!(stage("links").f1, 1.0);
        assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    }

    #[test]
    fn keys_are_file_names() {
        assert_eq!(document_key("a/b/c.txt"), "c.txt");
        assert_eq!(document_key("feed.jsonl#L3"), "feed.jsonl");
    }
}
