//! The dossier as commands read it: articles with inherited metadata filled in,
//! their duplicate groups and stories.

use dossier_core::across::analysis::{self, Analysis, ArticleInput, Coverage};
use dossier_core::reading::article::Article;
use dossier_store::{DuplicateGroup, Store, StoryMember, StoryRow};
use std::collections::HashMap;

pub struct Dossier {
    /// In the store's order (oldest first), inherited metadata filled in.
    pub articles: Vec<Article>,
    pub duplicate_of: HashMap<String, String>,
    pub story_of: HashMap<String, String>,
    pub stories: Vec<StoryRow>,
    pub groups: Vec<DuplicateGroup>,
    /// Entities, quotes merged across outlets, events.
    pub analysis: Analysis,
    /// The store's generation when it was read (what a search index must reflect).
    pub generation: i64,
    /// Where each article is in `articles`, so that a lookup by id costs one hash.
    position: HashMap<String, usize>,
}

impl Dossier {
    /// The dossier with its analysis: each article's stored findings, merged across articles.
    pub fn load(store: &Store) -> anyhow::Result<Dossier> {
        let mut dossier = Dossier::load_articles(store)?;
        // Computed at write time, for what each write touched: read, never recomputed.
        dossier.analysis = store.stored_analysis()?;
        Ok(dossier)
    }

    /// The articles, their duplicate groups and stories, without the analysis: for what
    /// lists or shows articles and stories and needs no entity, quote or event.
    pub fn load_articles(store: &Store) -> anyhow::Result<Dossier> {
        // Read first: a write landing while the rest is read makes the dossier look
        // older than it is, so an index built from it is caught up later, never skipped.
        let generation = store.generation()?;
        let mut articles = store.articles()?;
        let position = articles.iter().enumerate().map(|(at, a)| (a.id.clone(), at)).collect();
        let duplicate_of = store.canonical_of()?;
        let canonical_ids: std::collections::HashSet<&String> = duplicate_of.values().collect();
        let canonicals: HashMap<String, Article> =
            articles.iter().filter(|a| canonical_ids.contains(&a.id)).map(|a| (a.id.clone(), a.clone())).collect();
        for article in &mut articles {
            if let Some(canonical) = duplicate_of.get(&article.id).and_then(|c| canonicals.get(c)) {
                article.inherit_from(canonical);
            }
        }
        Ok(Dossier {
            articles,
            duplicate_of,
            story_of: store.story_of()?,
            stories: store.stories()?,
            groups: store.duplicate_groups()?,
            analysis: Analysis::default(),
            generation,
            position,
        })
    }

    /// One article (by id or unique prefix) with the metadata it inherits from its
    /// canonical copy filled in: a few indexed reads, whatever the size of the store.
    pub fn one_article(store: &Store, id: &str) -> anyhow::Result<Option<Article>> {
        Ok(store.inherited_article(id)?)
    }

    /// The articles as the analysis reads them.
    pub fn inputs(&self) -> Vec<ArticleInput<'_>> {
        self.articles
            .iter()
            .map(|a| {
                let story = self.story_of.get(&a.id).map(String::as_str);
                ArticleInput::of(a, story, self.duplicate_of.get(&a.id).map(String::as_str))
            })
            .collect()
    }

    pub fn article(&self, id: &str) -> Option<&Article> {
        self.position.get(id).map(|&at| &self.articles[at])
    }

    /// The article with this id, or the only one whose id starts with it.
    pub fn article_by_prefix(&self, id: &str) -> Option<&Article> {
        by_prefix(&self.articles, id, |a| &a.id)
    }

    /// The story with this id, or the only one whose id starts with it.
    pub fn story_by_prefix(&self, id: &str) -> Option<&StoryRow> {
        by_prefix(&self.stories, id, |s| &s.id)
    }
}

/// The item whose id is `id`, else the only one whose id starts with it (never for an empty prefix).
fn by_prefix<'a, T>(items: &'a [T], id: &str, id_of: impl Fn(&T) -> &String) -> Option<&'a T> {
    items.iter().find(|item| id_of(item) == id).or_else(|| {
        let mut matching = items.iter().filter(|item| !id.is_empty() && id_of(item).starts_with(id));
        let first = matching.next()?;
        matching.next().is_none().then_some(first)
    })
}

/// Who reported what in one story, and who left it out: read from the story's stored
/// quotes and events and its members' rows, whatever the size of the rest of the store.
pub fn story_coverage(store: &Store, story: &str) -> anyhow::Result<Coverage> {
    let found = store.story_findings(story)?;
    let members = store.story_member_rows(story)?;
    let analysis = Analysis { quotes: found.quotes, events: found.events, ..Analysis::default() };
    Ok(coverage_of(story, &members, &analysis))
}

/// The coverage matrix of a story from its members and its stored quotes and events.
pub fn coverage_of(story: &str, members: &[StoryMember], analysis: &Analysis) -> Coverage {
    let inputs: Vec<ArticleInput<'_>> = members
        .iter()
        .map(|m| ArticleInput {
            id: &m.id,
            outlet: m.outlet.as_deref(),
            published: m.published,
            story: Some(story),
            duplicate_of: m.duplicate_of.as_deref(),
            // Coverage reads who reported what, never the text.
            paragraphs: Vec::new(),
        })
        .collect();
    analysis::coverage(analysis, &inputs, story)
}
