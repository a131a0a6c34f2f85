//! What a search index reads from the store: the change log of its documents (articles
//! and quotes whose indexed fields may have changed, logged by triggers and by the
//! entity updates), and each document's fields, by id.

use crate::analysis::{inherited_article, quotes_by_id, resolve_stored};
use crate::{meta_value, Batch, Result, Store};
use dossier_core::across::analysis::MergedQuote;
use dossier_core::reading::article::Article;
use rusqlite::OptionalExtension;
use std::collections::BTreeSet;

/// The documents changed after a position in the log, up to `upto`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexChanges {
    pub upto: i64,
    pub articles: BTreeSet<String>,
    pub quotes: BTreeSet<String>,
}

/// An article as its search document has it: with inherited metadata, its story and
/// the ids of the entities it names.
#[derive(Debug, Clone)]
pub struct IndexedArticle {
    pub article: Article,
    pub story: Option<String>,
    pub entities: Vec<String>,
}

impl Store {
    /// The position of the last change logged (0 for none): what an index that has
    /// read everything records.
    pub fn index_position(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT seq FROM sqlite_sequence WHERE name = 'index_changes'", [], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }

    /// The documents changed after `from`, or None when part of that log was pruned
    /// (an index that far behind is rebuilt).
    pub fn index_changes_since(&self, from: i64) -> Result<Option<IndexChanges>> {
        if from < meta_value(&self.conn, "index_pruned")? {
            return Ok(None);
        }
        let upto = self.index_position()?;
        let mut changes = IndexChanges { upto, ..IndexChanges::default() };
        let mut statement =
            self.conn.prepare_cached("SELECT kind, id FROM index_changes WHERE seq > ?1 AND seq <= ?2")?;
        let mut rows = statement.query([from, upto])?;
        while let Some(row) = rows.next()? {
            let (kind, id): (String, String) = (row.get(0)?, row.get(1)?);
            match kind.as_str() {
                "quote" => changes.quotes.insert(id),
                _ => changes.articles.insert(id),
            };
        }
        Ok(Some(changes))
    }

    /// Every article id and every quote id: what a whole index holds.
    pub fn document_ids(&self) -> Result<(Vec<String>, Vec<String>)> {
        let ids = |sql: &str| -> Result<Vec<String>> {
            let mut statement = self.conn.prepare(sql)?;
            let rows = statement.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        Ok((ids("SELECT id FROM articles ORDER BY id")?, ids("SELECT id FROM merged_quotes ORDER BY id")?))
    }

    /// Every article's id and the source it was read from, in arrival order.
    pub fn article_sources(&self) -> Result<Vec<(String, String)>> {
        let mut statement = self.conn.prepare("SELECT id, source FROM articles ORDER BY rowid")?;
        let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn indexed_article(&self, id: &str) -> Result<Option<IndexedArticle>> {
        let Some(article) = inherited_article(&self.conn, id)? else { return Ok(None) };
        let story: Option<String> = self
            .conn
            .prepare_cached("SELECT story_id FROM story_articles WHERE article_id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        let mut statement = self.conn.prepare_cached(
            "SELECT DISTINCT e.id FROM entity_items i JOIN entities e ON e.component = i.component
             WHERE i.article_id = ?1 ORDER BY i.local",
        )?;
        let entities = statement.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(Some(IndexedArticle { article, story, entities }))
    }

    /// An article's title and language (what a quote's search document takes from the
    /// article that first reported it): two columns, not the article with its texts.
    pub fn article_title_language(&self, id: &str) -> Result<Option<(Option<String>, Option<String>)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT title, language FROM articles WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// One merged quote, its speaker's entity resolved.
    pub fn quote(&self, id: &str) -> Result<Option<MergedQuote>> {
        let mut quotes = quotes_by_id(&self.conn, id)?;
        resolve_stored(&self.conn, &mut quotes, &mut [])?;
        Ok(quotes.pop())
    }
}

impl Batch<'_> {
    /// Forgets the log up to `upto`, which the index has read.
    pub fn prune_index_changes(&mut self, upto: i64) -> Result<()> {
        self.tx.execute("DELETE FROM index_changes WHERE seq <= ?1", [upto])?;
        self.tx.execute("UPDATE meta SET value = max(value, ?1) WHERE key = 'index_pruned'", [upto])?;
        Ok(())
    }
}
