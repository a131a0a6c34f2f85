//! The dossier as commands read it: articles with inherited metadata filled in,
//! their duplicate groups and stories.

use dossier_core::analysis::{self, Analysis, ArticleInput};
use dossier_core::article::Article;
use dossier_core::quotes::Quote;
use dossier_store::{DuplicateGroup, Store, StoryRow};
use std::collections::HashMap;

pub struct Dossier {
    /// In the store's order (oldest first), inherited metadata filled in.
    pub articles: Vec<Article>,
    pub duplicate_of: HashMap<String, String>,
    pub story_of: HashMap<String, String>,
    pub stories: Vec<StoryRow>,
    pub groups: Vec<DuplicateGroup>,
    /// Quotes of each article, by article id.
    pub quotes: HashMap<String, Vec<Quote>>,
    /// Entities, quotes merged across outlets, events.
    pub analysis: Analysis,
}

impl Dossier {
    pub fn load(store: &Store) -> anyhow::Result<Dossier> {
        let mut articles = store.articles()?;
        let duplicate_of = store.canonical_of()?;
        let canonicals: HashMap<String, Article> = articles
            .iter()
            .filter(|a| duplicate_of.values().any(|c| *c == a.id))
            .map(|a| (a.id.clone(), a.clone()))
            .collect();
        for article in &mut articles {
            if let Some(canonical) = duplicate_of.get(&article.id).and_then(|c| canonicals.get(c)) {
                article.inherit_from(canonical);
            }
        }
        let mut dossier = Dossier {
            quotes: HashMap::new(),
            articles,
            duplicate_of,
            story_of: store.story_of()?,
            stories: store.stories()?,
            groups: store.duplicate_groups()?,
            analysis: Analysis::default(),
        };
        dossier.analysis = analysis::analyze(&dossier.inputs());
        dossier.quotes =
            dossier.analysis.articles.iter().map(|(id, found)| (id.clone(), found.quotes.clone())).collect();
        Ok(dossier)
    }

    /// The articles as the analysis reads them.
    pub fn inputs(&self) -> Vec<ArticleInput<'_>> {
        self.articles
            .iter()
            .map(|a| ArticleInput {
                id: &a.id,
                outlet: a.outlet.as_deref(),
                published: a.published,
                story: self.story_of.get(&a.id).map(String::as_str),
                duplicate_of: self.duplicate_of.get(&a.id).map(String::as_str),
                paragraphs: a.paragraphs.iter().map(|p| p.text.as_str()).collect(),
            })
            .collect()
    }

    pub fn article(&self, id: &str) -> Option<&Article> {
        self.articles.iter().find(|a| a.id == id)
    }
}
