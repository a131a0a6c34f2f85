//! What the API returns and the pages show, built once from the dossier: a story
//! with its sources, timeline, quotes by speaker and coverage; an entity with its
//! quotes and mentions over time; an article with its findings.

use dossier_core::across::analysis::{self, Coverage};
use dossier_pipeline::export::{self, ExportArticle, ExportEntity, ExportEvent, ExportQuote};
use dossier_pipeline::Dossier;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A story in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct StorySummary {
    pub id: String,
    pub label: String,
    pub first: Option<String>,
    pub last: Option<String>,
    pub articles: usize,
    pub outlets: Vec<String>,
    /// Articles per publication day, oldest first.
    pub per_day: Vec<DayCount>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayCount {
    pub date: String,
    pub count: usize,
}

/// One source column of a story: an article with the copies folded into it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Source {
    pub article: String,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    /// Duplicates of this article: id, kind (exact, near, partial), what only each side has.
    pub copies: Vec<Copy>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Copy {
    pub article: String,
    pub kind: String,
    pub outlet: Option<String>,
    /// Paragraphs only in the source, and only in the copy.
    pub only_in_source: Vec<String>,
    pub only_in_copy: Vec<String>,
    pub reworded: usize,
}

/// Quotes of one speaker within a story.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpeakerQuotes {
    pub speaker: String,
    pub speaker_id: Option<String>,
    pub role: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub quotes: Vec<Value>,
}

/// A story with everything known about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoryDetail {
    pub story: StorySummary,
    pub sources: Vec<Source>,
    #[schema(value_type = Vec<Object>)]
    pub timeline: Vec<Value>,
    pub quotes_by_speaker: Vec<SpeakerQuotes>,
    #[schema(value_type = Object)]
    pub coverage: Value,
    /// The story's duplicate groups: a canonical article and its copies.
    pub duplicate_groups: Vec<DuplicateGroup>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateGroup {
    pub canonical: String,
    pub members: Vec<DuplicateMember>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateMember {
    pub article: String,
    /// exact, near or partial.
    pub kind: String,
    pub similarity: f64,
}

/// The summaries of the stories in `window` (largest stories first), computed for those only.
pub fn story_summaries(dossier: &Dossier, window: std::ops::Range<usize>) -> Vec<StorySummary> {
    dossier.stories.get(window).unwrap_or_default().iter().map(|s| story_summary(dossier, s)).collect()
}

fn story_summary(dossier: &Dossier, story: &dossier_store::StoryRow) -> StorySummary {
    let mut outlets: Vec<String> = Vec::new();
    let mut per_day: BTreeMap<String, usize> = BTreeMap::new();
    for article in story.articles.iter().filter_map(|id| dossier.article(id)) {
        if let Some(outlet) = &article.outlet {
            if !outlets.contains(outlet) {
                outlets.push(outlet.clone());
            }
        }
        if let Some(date) = article.published {
            *per_day.entry(date.to_string()).or_default() += 1;
        }
    }
    StorySummary {
        id: story.id.clone(),
        label: story.label.clone(),
        first: story.first.clone(),
        last: story.last.clone(),
        articles: story.articles.len(),
        outlets,
        per_day: per_day.into_iter().map(|(date, count)| DayCount { date, count }).collect(),
    }
}

fn to_values<T: Serialize>(items: &[T]) -> Vec<Value> {
    items.iter().filter_map(|i| serde_json::to_value(i).ok()).collect()
}

pub fn story_detail(dossier: &Dossier, story: &dossier_store::StoryRow) -> StoryDetail {
    let inputs = dossier.inputs();
    let coverage: Coverage = analysis::coverage(&dossier.analysis, &inputs, &story.id);
    let sources = coverage.columns.iter().map(|column| source(dossier, column)).collect();
    let timeline: Vec<ExportEvent<'_>> =
        export::events(dossier).into_iter().filter(|e| e.story == Some(story.id.as_str())).collect();
    let quotes: Vec<ExportQuote<'_>> =
        export::quotes(dossier).into_iter().filter(|q| q.story == Some(story.id.as_str())).collect();
    StoryDetail {
        story: story_summary(dossier, story),
        sources,
        timeline: to_values(&timeline),
        quotes_by_speaker: by_speaker(dossier, &quotes),
        coverage: serde_json::to_value(&coverage).unwrap_or(Value::Null),
        duplicate_groups: dossier
            .groups
            .iter()
            .filter(|g| story.articles.contains(&g.canonical))
            .map(|g| DuplicateGroup {
                canonical: g.canonical.clone(),
                members: g
                    .members
                    .iter()
                    .map(|m| DuplicateMember {
                        article: m.article_id.clone(),
                        kind: m.kind.as_str().to_string(),
                        similarity: m.similarity,
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Quotes grouped by speaker (named as the dossier's entity, whatever the spelling of
/// each quote), speakers with the most statements first, unattributed last.
pub fn by_speaker(dossier: &Dossier, quotes: &[ExportQuote<'_>]) -> Vec<SpeakerQuotes> {
    let entity_name = |id: &str| dossier.analysis.entities.entities.iter().find(|e| e.id == id).map(|e| e.name.clone());
    let mut groups: Vec<SpeakerQuotes> = Vec::new();
    for quote in quotes {
        let speaker = quote
            .speaker_id
            .and_then(entity_name)
            .unwrap_or_else(|| quote.speaker.unwrap_or("Unattributed").to_string());
        let key = quote.speaker_id.map(str::to_string).or_else(|| Some(speaker.clone()));
        let position = groups.iter().position(|g| g.speaker_id.clone().or_else(|| Some(g.speaker.clone())) == key);
        let group = match position {
            Some(p) => &mut groups[p],
            None => {
                groups.push(SpeakerQuotes {
                    speaker,
                    speaker_id: quote.speaker_id.map(str::to_string),
                    role: quote.role.map(str::to_string),
                    quotes: Vec::new(),
                });
                groups.last_mut().expect("just pushed")
            }
        };
        if let Ok(value) = serde_json::to_value(quote) {
            group.quotes.push(value);
        }
    }
    let statements = |g: &SpeakerQuotes| g.quotes.iter().filter(|q| q["fragment"] == false).count();
    groups.sort_by_key(|g| (g.speaker_id.is_none() && g.speaker == "Unattributed", std::cmp::Reverse(statements(g))));
    groups
}

fn source(dossier: &Dossier, column: &analysis::CoverageColumn) -> Source {
    let article = dossier.article(&column.article);
    let kind_of = |copy: &str| {
        dossier
            .groups
            .iter()
            .flat_map(|g| &g.members)
            .find(|m| m.article_id == copy)
            .map_or("duplicate".to_string(), |m| m.kind.as_str().to_string())
    };
    let copies = column
        .copies
        .iter()
        .filter_map(|id| {
            let (original, copy) = (article?, dossier.article(id)?);
            let a: Vec<&str> = original.paragraphs.iter().map(|p| p.text.as_str()).collect();
            let b: Vec<&str> = copy.paragraphs.iter().map(|p| p.text.as_str()).collect();
            let mut only_in_source = Vec::new();
            let mut only_in_copy = Vec::new();
            let mut reworded = 0;
            for step in dossier_core::across::diff::paragraphs(&a, &b) {
                match step {
                    dossier_core::across::diff::Step::OnlyFirst(i) => only_in_source.push(a[i].to_string()),
                    dossier_core::across::diff::Step::OnlySecond(j) => only_in_copy.push(b[j].to_string()),
                    dossier_core::across::diff::Step::Changed(..) => reworded += 1,
                    dossier_core::across::diff::Step::Same(..) => {}
                }
            }
            Some(Copy {
                article: id.clone(),
                kind: kind_of(id),
                outlet: copy.outlet.clone(),
                only_in_source,
                only_in_copy,
                reworded,
            })
        })
        .collect();
    Source {
        article: column.article.clone(),
        title: article.and_then(|a| a.title.clone()),
        outlet: column.outlet.clone(),
        published: column.published.map(|d| d.to_string()),
        copies,
    }
}

/// An entity with its quotes and how often it is named per day.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntityDetail {
    #[schema(value_type = Object)]
    pub entity: Value,
    #[schema(value_type = Vec<Object>)]
    pub quotes: Vec<Value>,
    pub mentions_over_time: Vec<DayCount>,
}

pub fn entity_detail(dossier: &Dossier, entity: &ExportEntity<'_>) -> EntityDetail {
    let quotes: Vec<ExportQuote<'_>> =
        export::quotes(dossier).into_iter().filter(|q| q.speaker_id == Some(entity.id)).collect();
    let mut per_day: BTreeMap<String, usize> = BTreeMap::new();
    for id in entity.articles {
        let Some(article) = dossier.article(id) else { continue };
        let Some(found) = dossier.analysis.articles.get(id) else { continue };
        let mentions = found
            .entities
            .mentions
            .iter()
            .filter(|m| dossier.analysis.entities.of(id, m.entity).is_some_and(|e| e.id == entity.id))
            .count();
        let day = article.published.map_or("undated".to_string(), |d| d.to_string());
        *per_day.entry(day).or_default() += mentions;
    }
    EntityDetail {
        entity: serde_json::to_value(entity).unwrap_or(Value::Null),
        quotes: to_values(&quotes),
        mentions_over_time: per_day.into_iter().map(|(date, count)| DayCount { date, count }).collect(),
    }
}

/// An article with its clean text, metadata, entities and quotes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleDetail {
    #[schema(value_type = Object)]
    pub article: Value,
    #[schema(value_type = Vec<Object>)]
    pub entities: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub quotes: Vec<Value>,
}

pub fn article_detail(dossier: &Dossier, article: &dossier_core::reading::article::Article) -> ArticleDetail {
    let entities: Vec<ExportEntity<'_>> =
        export::entities(dossier).into_iter().filter(|e| e.articles.contains(&article.id)).collect();
    let quotes: Vec<ExportQuote<'_>> =
        export::quotes(dossier).into_iter().filter(|q| q.reports.iter().any(|r| r.article == article.id)).collect();
    ArticleDetail {
        article: serde_json::to_value(ExportArticle::of(article, dossier)).unwrap_or(Value::Null),
        entities: to_values(&entities),
        quotes: to_values(&quotes),
    }
}
