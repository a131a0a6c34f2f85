//! What spans articles, stored: entities merged across spellings, and each story's
//! merged quotes, merged events and dated events. A write recomputes only what its
//! articles touch: the entities that share a join key (or a surname) with theirs, and
//! the stories whose members changed. Readers read the stored results.

use crate::{article_by_id, Batch, Result, Store};
use dossier_core::across::analysis::{
    self, Analysis, ArticleAnalysis, ArticleFindings, ArticleInput, EntityRef, MergedEvent, MergedQuote, StoryAnalysis,
    ANALYZER_VERSION,
};
use dossier_core::findings::entities::{self, DossierEntity, Entity, EntityIndex};
use dossier_core::findings::timeline::ArticleEvent;
use dossier_core::reading::article::Article;
use rayon::prelude::*;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use std::collections::{BTreeSet, HashMap, HashSet};

/// What one update recomputed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnalysisUpdate {
    /// Articles whose entities were placed.
    pub articles: usize,
    /// Article entities whose dossier entity was recomputed.
    pub entity_items: usize,
    /// Stories whose quotes and events were recomputed.
    pub stories: usize,
}

/// How many dirty stories are analysed in parallel between writes.
const STORY_CHUNK: usize = 64;

/// A story to analyse again: its id, its members' hash, its members and their findings.
type StoryWork = (String, String, Vec<Article>, HashMap<String, ArticleFindings>);

/// An article entity as stored: where it is, its place in input order, its component.
struct StoredItem {
    article: String,
    local: usize,
    ord: String,
    component: i64,
    surname: Option<i64>,
    entity: Entity,
}

/// The surnames whose lone mentions may now join another full name, or none: a lone
/// surname joins the one full-name entity with that surname, so only surnames whose
/// full-name entities changed in number or makeup (a new one, two merged, one that
/// lost members) or that a new lone mention carries need their other entities read.
/// Lone-surname joins never merge two full-name entities, so the question is settled
/// by what the gathered components hold.
fn surnames_in_question(
    items: &[StoredItem],
    merged: &[(Vec<usize>, DossierEntity)],
    pending: &HashSet<&str>,
    dirty: &HashSet<i64>,
) -> Vec<i64> {
    let is_new = |item: &StoredItem| pending.contains(item.article.as_str());
    let full_name = |item: &StoredItem| item.entity.name.contains(' ');
    let mut wanted: BTreeSet<i64> = BTreeSet::new();
    for item in items {
        let Some(surname) = item.surname else { continue };
        if dirty.contains(&item.component) || (is_new(item) && !full_name(item)) {
            wanted.insert(surname);
        }
    }
    for (members, _) in merged {
        let mut holders: HashMap<i64, (HashSet<i64>, bool)> = HashMap::new();
        for item in members.iter().map(|&m| &items[m]).filter(|i| full_name(i)) {
            let Some(surname) = item.surname else { continue };
            let (old, new) = holders.entry(surname).or_default();
            if is_new(item) {
                *new = true;
            } else {
                old.insert(item.component);
            }
        }
        for (surname, (old, new)) in holders {
            if old.len() >= 2 || (old.is_empty() && new) {
                wanted.insert(surname);
            }
        }
    }
    wanted.into_iter().collect()
}

/// The key that puts articles in input order: publication date (unknown last), then source.
fn order_key(published: Option<&str>, source: &str) -> String {
    match published {
        Some(date) => format!("0{date}\u{1}{source}"),
        None => format!("1\u{1}{source}"),
    }
}

impl Batch<'_> {
    /// Brings the stored cross-article results up to date with what was written.
    pub fn update_analysis(&mut self) -> Result<AnalysisUpdate> {
        let mut update = AnalysisUpdate::default();
        let pending: Vec<String> = column(&self.tx, "SELECT article_id FROM pending_analysis ORDER BY article_id", [])?;
        update.articles = pending.len();
        let new_items = self.replace_items(&pending)?;
        update.entity_items = self.recompute_entities(&new_items, &pending)?;
        self.tx.execute(
            "INSERT OR IGNORE INTO dirty_stories (story_id)
             SELECT story_id FROM story_articles WHERE article_id IN (SELECT article_id FROM pending_analysis)",
            [],
        )?;
        self.tx.execute("DELETE FROM pending_analysis", [])?;
        update.stories = self.recompute_stories()?;
        if update != AnalysisUpdate::default() {
            self.touch();
        }
        Ok(update)
    }

    /// Writes the entities of `articles` as items of their own (their old items go, and
    /// the components those were in are marked dirty). Returns the new items' form keys.
    fn replace_items(&mut self, articles: &[String]) -> Result<Vec<i64>> {
        let mut keys = Vec::new();
        for id in articles {
            self.tx.prepare_cached("DELETE FROM entity_items WHERE article_id = ?1")?.execute([id])?;
            self.tx.prepare_cached("DELETE FROM entity_keys WHERE article_id = ?1")?.execute([id])?;
            let row: Option<(String, Option<String>, String)> = self
                .tx
                .prepare_cached(
                    "SELECT f.data, a.published, a.source FROM findings f JOIN articles a ON a.id = f.article_id
                     WHERE f.article_id = ?1",
                )?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            let Some((data, published, source)) = row else { continue };
            let found: ArticleFindings = serde_json::from_str(&data)?;
            let ord = order_key(published.as_deref(), &source);
            for (local, entity) in found.entities.entities.iter().enumerate() {
                let join = entities::join_keys(entity);
                let own = join.forms.iter().copied().min().unwrap_or_default();
                self.tx
                    .prepare_cached(
                        "INSERT INTO entity_items (article_id, local, ord, component, surname, mentions, data)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )?
                    .execute(params![
                        id,
                        local as i64,
                        ord,
                        own,
                        join.surname,
                        entity.mentions as i64,
                        serde_json::to_string(entity)?
                    ])?;
                for key in &join.forms {
                    self.tx
                        .prepare_cached(
                            "INSERT INTO entity_keys (key, article_id, local, component) VALUES (?1, ?2, ?3, ?4)",
                        )?
                        .execute(params![key, id, local as i64, own])?;
                }
                keys.extend(join.forms);
            }
        }
        Ok(keys)
    }

    /// Recomputes every component the new items (by their keys) or a lost member touch,
    /// with the components a changed surname can move a lone surname to or from, and
    /// writes what changed.
    fn recompute_entities(&mut self, new_keys: &[i64], pending: &[String]) -> Result<usize> {
        let dirty: HashSet<i64> = column(&self.tx, "SELECT component FROM dirty_components", [])?.into_iter().collect();
        let mut components: BTreeSet<i64> = dirty.iter().copied().collect();
        for key in new_keys.iter().collect::<BTreeSet<_>>() {
            components.extend(components_with_key(&self.tx, *key)?);
        }
        self.tx.execute("DELETE FROM dirty_components", [])?;
        if components.is_empty() {
            return Ok(0);
        }
        let pending: HashSet<&str> = pending.iter().map(String::as_str).collect();
        let mut items = self.items_of(&components)?;
        let mut expanded: HashSet<i64> = HashSet::new();
        loop {
            let wanted: Vec<i64> = {
                let refs: Vec<entities::Item<'_>> =
                    items.iter().map(|i| (i.article.as_str(), i.local, &i.entity)).collect();
                surnames_in_question(&items, &entities::merge_items(&refs), &pending, &dirty)
            };
            let mut more: BTreeSet<i64> = BTreeSet::new();
            for surname in wanted.into_iter().filter(|s| expanded.insert(*s)) {
                more.extend(components_with_surname(&self.tx, surname)?);
            }
            more.retain(|c| !components.contains(c));
            if more.is_empty() {
                break;
            }
            items.extend(self.items_of(&more)?);
            components.extend(more);
        }
        items.sort_by(|a, b| (&a.ord, &a.article, a.local).cmp(&(&b.ord, &b.article, b.local)));
        let refs: Vec<entities::Item<'_>> = items.iter().map(|i| (i.article.as_str(), i.local, &i.entity)).collect();
        let merged = entities::merge_items(&refs);
        self.write_components(&components, &items, merged)?;
        Ok(items.len())
    }

    /// Every item of these components.
    fn items_of(&self, components: &BTreeSet<i64>) -> Result<Vec<StoredItem>> {
        let mut items = Vec::new();
        let mut statement = self.tx.prepare_cached(
            "SELECT article_id, local, ord, component, surname, data FROM entity_items WHERE component = ?1",
        )?;
        for component in components {
            let rows = statement.query_map([component], |r| {
                Ok((r.get(0)?, r.get::<_, i64>(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get::<_, String>(5)?))
            })?;
            for row in rows {
                let (article, local, ord, component, surname, data) = row?;
                let entity = serde_json::from_str(&data)?;
                items.push(StoredItem { article, local: local as usize, ord, component, surname, entity });
            }
        }
        Ok(items)
    }

    /// Replaces the `old` components by the merged ones, giving ids that stay apart
    /// from every other entity of the same name, and moves the items that changed component.
    fn write_components(
        &mut self,
        old: &BTreeSet<i64>,
        items: &[StoredItem],
        merged: Vec<(Vec<usize>, DossierEntity)>,
    ) -> Result<()> {
        let mut bases: BTreeSet<String> = BTreeSet::new();
        let mut old_ids: HashMap<i64, String> = HashMap::new();
        for component in old {
            let row: Option<(String, String)> = self
                .tx
                .prepare_cached("SELECT id, base FROM entities WHERE component = ?1")?
                .query_row([component], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((id, base)) = row {
                old_ids.insert(*component, id);
                bases.insert(base);
            }
            self.tx.prepare_cached("DELETE FROM entities WHERE component = ?1")?.execute([component])?;
        }
        let mut fresh: Vec<(Vec<usize>, DossierEntity)> = merged;
        bases.extend(fresh.iter().map(|(_, e)| entities::base_id(e.kind, &e.name)));
        // The other entities sharing a base id: their suffixes may change with these.
        let mut others: Vec<DossierEntity> = Vec::new();
        for base in &bases {
            let mut statement = self.tx.prepare_cached("SELECT component, data FROM entities WHERE base = ?1")?;
            let rows = statement.query_map([base], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (component, data) = row?;
                let mut entity: DossierEntity = serde_json::from_str(&data)?;
                entity.key = component;
                others.push(entity);
            }
        }
        let before: HashMap<i64, String> = others.iter().map(|e| (e.key, e.id.clone())).collect();
        {
            let mut all: Vec<&mut DossierEntity> = others.iter_mut().chain(fresh.iter_mut().map(|(_, e)| e)).collect();
            entities::assign_ids(&mut all);
        }
        for entity in others.iter().filter(|e| before.get(&e.key) != Some(&e.id)) {
            self.tx.prepare_cached("UPDATE entities SET id = ?2, data = ?3 WHERE component = ?1")?.execute(params![
                entity.key,
                entity.id,
                serde_json::to_string(entity)?
            ])?;
            // Every document naming it is indexed again under its new id.
            self.tx
                .prepare_cached(
                    "INSERT INTO index_changes (kind, id) SELECT DISTINCT 'article', article_id FROM entity_items
                     WHERE component = ?1",
                )?
                .execute([entity.key])?;
            self.tx
                .prepare_cached(
                    "INSERT INTO index_changes (kind, id) SELECT 'quote', q.id FROM entity_items i
                     JOIN merged_quotes q ON q.speaker_article = i.article_id AND q.speaker_local = i.local
                     WHERE i.component = ?1",
                )?
                .execute([entity.key])?;
        }
        for (members, entity) in &mut fresh {
            let articles = std::mem::take(&mut entity.articles).len();
            self.tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO entities (component, id, base, kind, mentions, articles, data)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    entity.key,
                    entity.id,
                    entities::base_id(entity.kind, &entity.name),
                    entity.kind.label(),
                    entity.mentions as i64,
                    articles as i64,
                    serde_json::to_string(entity)?
                ])?;
            for &m in members.iter() {
                let item = &items[m];
                if item.component != entity.key {
                    self.tx
                        .prepare_cached("UPDATE entity_items SET component = ?3 WHERE article_id = ?1 AND local = ?2")?
                        .execute(params![item.article, item.local as i64, entity.key])?;
                }
                if old_ids.get(&item.component) != Some(&entity.id) {
                    self.log_entity_change(&item.article, item.local)?;
                }
            }
        }
        Ok(())
    }

    /// The documents naming an article entity whose dossier entity changed: its article,
    /// and the quotes it said.
    fn log_entity_change(&mut self, article: &str, local: usize) -> Result<()> {
        self.tx.prepare_cached("INSERT INTO index_changes (kind, id) VALUES ('article', ?1)")?.execute([article])?;
        self.tx
            .prepare_cached(
                "INSERT INTO index_changes (kind, id) SELECT 'quote', id FROM merged_quotes
                 WHERE speaker_article = ?1 AND speaker_local = ?2",
            )?
            .execute(params![article, local as i64])?;
        Ok(())
    }

    /// Recomputes the analysis of each dirty story whose members changed, in parallel
    /// chunks; stories that no longer exist lose theirs.
    fn recompute_stories(&mut self) -> Result<usize> {
        let dirty: Vec<String> = column(&self.tx, "SELECT story_id FROM dirty_stories ORDER BY story_id", [])?;
        let mut recomputed = 0;
        for chunk in dirty.chunks(STORY_CHUNK) {
            let mut work: Vec<StoryWork> = Vec::new();
            for story in chunk {
                let members = self.members_hash(story)?;
                let stored: Option<String> = self
                    .tx
                    .prepare_cached("SELECT members FROM story_analysis WHERE story_id = ?1")?
                    .query_row([story], |r| r.get(0))
                    .optional()?;
                if stored.as_ref() == members.as_ref() {
                    continue;
                }
                let Some(members) = members else {
                    self.forget_story(story)?;
                    continue;
                };
                let articles = story_members(&self.tx, story)?;
                let found = findings_of(&self.tx, articles.iter().map(|a| a.id.as_str()))?;
                work.push((story.clone(), members, articles, found));
            }
            let results: Vec<StoryAnalysis> = work
                .par_iter()
                .map(|(story, _, articles, found)| {
                    let inputs = story_inputs(articles, story);
                    let found: HashMap<&str, &ArticleFindings> = found.iter().map(|(k, v)| (k.as_str(), v)).collect();
                    analysis::analyze_story(&inputs, &found)
                })
                .collect();
            for ((story, members, _, _), result) in work.iter().zip(results) {
                self.write_story(story, members, &result)?;
                recomputed += 1;
            }
        }
        self.tx.execute("DELETE FROM dirty_stories", [])?;
        Ok(recomputed)
    }

    /// What a story's analysis is computed from, hashed: its members in input order
    /// with their own and their canonical copy's date and outlet, and the analyzer.
    /// None when the story no longer exists.
    fn members_hash(&self, story: &str) -> Result<Option<String>> {
        let mut statement = self.tx.prepare_cached(
            "SELECT a.id, a.outlet, a.published, d.canonical_id, c.outlet, c.published FROM story_articles s
             JOIN articles a ON a.id = s.article_id
             LEFT JOIN duplicate_members d ON d.article_id = a.id
             LEFT JOIN articles c ON c.id = d.canonical_id
             WHERE s.story_id = ?1 ORDER BY a.published IS NULL, a.published, a.source",
        )?;
        let mut parts: Vec<String> = vec![ANALYZER_VERSION.to_string()];
        let mut rows = statement.query([story])?;
        while let Some(row) = rows.next()? {
            for column in 0..6 {
                parts.push(row.get::<_, Option<String>>(column)?.unwrap_or_default());
            }
        }
        if parts.len() == 1 {
            return Ok(None);
        }
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        Ok(Some(dossier_core::text::short_hash(&parts)))
    }

    fn forget_story(&mut self, story: &str) -> Result<()> {
        for sql in [
            "DELETE FROM story_analysis WHERE story_id = ?1",
            "DELETE FROM merged_quotes WHERE story_id = ?1",
            "DELETE FROM merged_events WHERE story_id = ?1",
            "DELETE FROM article_events WHERE story_id = ?1",
        ] {
            self.tx.prepare_cached(sql)?.execute([story])?;
        }
        Ok(())
    }

    /// Stores a story's analysis, writing only the quotes, events and dated sentences
    /// that changed (and removing those it no longer has), so that what follows the
    /// changes, the search index first, sees only those.
    fn write_story(&mut self, story: &str, members: &str, result: &StoryAnalysis) -> Result<()> {
        self.tx
            .prepare_cached("INSERT OR REPLACE INTO story_analysis (story_id, members) VALUES (?1, ?2)")?
            .execute(params![story, members])?;
        let mut quotes = Vec::with_capacity(result.quotes.len());
        for (position, quote) in result.quotes.iter().enumerate() {
            let speaker = quote.speaker_ref.as_ref();
            quotes.push(vec![
                Value::Text(quote.id.clone()),
                Value::Integer(position as i64),
                speaker.map_or(Value::Null, |s| Value::Text(s.article.clone())),
                speaker.map_or(Value::Null, |s| Value::Integer(s.local as i64)),
                Value::Text(serde_json::to_string(quote)?),
            ]);
        }
        let quote_columns = ["id", "position", "speaker_article", "speaker_local", "data"];
        self.sync_story_rows("merged_quotes", &quote_columns, story, quotes)?;
        let mut events = Vec::with_capacity(result.events.len());
        for (position, event) in result.events.iter().enumerate() {
            events.push(vec![
                Value::Text(event.id.clone()),
                Value::Integer(position as i64),
                Value::Text(serde_json::to_string(&event.actor_refs)?),
                Value::Text(serde_json::to_string(event)?),
            ]);
        }
        self.sync_story_rows("merged_events", &["id", "position", "actors", "data"], story, events)?;
        let mut dated = Vec::with_capacity(result.dated.len());
        for (article, events) in &result.dated {
            dated.push(vec![Value::Text(article.clone()), Value::Text(serde_json::to_string(events)?)]);
        }
        self.sync_story_rows("article_events", &["article_id", "data"], story, dated)
    }

    /// Makes `story`'s rows of `table` these `rows` (values for `columns`, the key
    /// first): a row equal to the stored one is left alone, a new or changed one is
    /// written, and the story's rows not among them are deleted.
    fn sync_story_rows(&self, table: &str, columns: &[&str], story: &str, rows: Vec<Vec<Value>>) -> Result<()> {
        let list = columns.join(", ");
        let mut stored: HashMap<String, Vec<Value>> = HashMap::new();
        {
            let mut statement = self.tx.prepare_cached(&format!("SELECT {list} FROM {table} WHERE story_id = ?1"))?;
            let mut found = statement.query([story])?;
            while let Some(row) = found.next()? {
                let values: Vec<Value> = (0..columns.len()).map(|i| row.get(i)).collect::<rusqlite::Result<_>>()?;
                let key: String = row.get(0)?;
                stored.insert(key, values);
            }
        }
        let marks: Vec<String> = (1..=columns.len() + 1).map(|i| format!("?{i}")).collect();
        let mut write = self.tx.prepare_cached(&format!(
            "INSERT OR REPLACE INTO {table} ({list}, story_id) VALUES ({})",
            marks.join(", ")
        ))?;
        for row in rows {
            let Value::Text(key) = &row[0] else { continue };
            if stored.remove(key).as_ref() == Some(&row) {
                continue;
            }
            write.execute(params_from_iter(row.iter().chain(std::iter::once(&Value::Text(story.to_string())))))?;
        }
        let key = columns[0];
        let mut delete = self.tx.prepare_cached(&format!("DELETE FROM {table} WHERE {key} = ?1 AND story_id = ?2"))?;
        for gone in stored.keys() {
            delete.execute(params![gone, story])?;
        }
        Ok(())
    }
}

/// A story's members in input order, each with what it inherits from its canonical copy.
fn story_members(conn: &Connection, story: &str) -> Result<Vec<Article>> {
    let ids: Vec<String> = column(
        conn,
        "SELECT a.id FROM story_articles s JOIN articles a ON a.id = s.article_id
         WHERE s.story_id = ?1 ORDER BY a.published IS NULL, a.published, a.source",
        [story],
    )?;
    let mut members = Vec::with_capacity(ids.len());
    for id in ids {
        members.extend(inherited_article(conn, &id)?);
    }
    Ok(members)
}

/// The article with the metadata it inherits from its canonical copy filled in.
pub(crate) fn inherited_article(conn: &Connection, id: &str) -> Result<Option<Article>> {
    let Some(mut article) = article_by_id(conn, id)? else { return Ok(None) };
    let canonical: Option<String> = conn
        .prepare_cached("SELECT canonical_id FROM duplicate_members WHERE article_id = ?1")?
        .query_row([&article.id], |r| r.get(0))
        .optional()?;
    if let Some(canonical) = canonical.filter(|c| *c != article.id) {
        if let Some(canonical) = article_by_id(conn, &canonical)? {
            article.inherit_from(&canonical);
        }
    }
    Ok(Some(article))
}

fn story_inputs<'a>(articles: &'a [Article], story: &'a str) -> Vec<ArticleInput<'a>> {
    articles.iter().map(|a| ArticleInput::of(a, Some(story), None)).collect()
}

fn findings_of<'a>(conn: &Connection, ids: impl Iterator<Item = &'a str>) -> Result<HashMap<String, ArticleFindings>> {
    let mut found = HashMap::new();
    let mut statement = conn.prepare_cached("SELECT data FROM findings WHERE article_id = ?1")?;
    for id in ids {
        if let Some(data) = statement.query_row([id], |r| r.get::<_, String>(0)).optional()? {
            found.insert(id.to_string(), serde_json::from_str(&data)?);
        }
    }
    Ok(found)
}

/// The components holding an article entity with this form key.
pub(crate) fn components_with_key(conn: &Connection, key: i64) -> Result<Vec<i64>> {
    column(conn, "SELECT DISTINCT component FROM entity_keys WHERE key = ?1", [key])
}

/// The components (dossier entities) a name can mean: any spelling the join keys know,
/// and for a surname alone every person with it. Index lookups only.
pub(crate) fn components_named(conn: &Connection, name: &str) -> Result<BTreeSet<i64>> {
    let probe = Entity {
        name: name.to_string(),
        kind: entities::EntityKind::Person,
        role: None,
        forms: vec![name.to_string()],
        mentions: 0,
    };
    let join = entities::join_keys(&probe);
    let mut components: BTreeSet<i64> = BTreeSet::new();
    for key in &join.forms {
        components.extend(components_with_key(conn, *key)?);
    }
    if !name.trim().contains(' ') {
        if let Some(surname) = join.surname {
            components.extend(components_with_surname(conn, surname)?);
        }
    }
    Ok(components)
}

/// The components holding a person with this surname key.
pub(crate) fn components_with_surname(conn: &Connection, surname: i64) -> Result<Vec<i64>> {
    column(conn, "SELECT DISTINCT component FROM entity_items WHERE surname = ?1", [surname])
}

pub(crate) fn column<T: rusqlite::types::FromSql, P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
) -> Result<Vec<T>> {
    let mut statement = conn.prepare_cached(sql)?;
    let rows = statement.query_map(params, |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// An entity as lists show it: what it is, how it is written, how widely it is named.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EntitySummary {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub variants: Vec<String>,
    pub role: Option<String>,
    pub articles: usize,
    pub mentions: usize,
}

impl EntitySummary {
    /// From an `entities` row: its article count and stored entity.
    pub(crate) fn of(articles: i64, data: &str) -> Result<EntitySummary> {
        let entity: DossierEntity = serde_json::from_str(data)?;
        Ok(EntitySummary {
            id: entity.id,
            name: entity.name,
            kind: entity.kind.label(),
            variants: entity.variants,
            role: entity.role,
            articles: articles as usize,
            mentions: entity.mentions,
        })
    }
}

/// What a story's articles say together, as stored: quotes and events with the dossier
/// entities of their speakers and actors.
#[derive(Debug, Clone, Default)]
pub struct StoryFindings {
    pub quotes: Vec<MergedQuote>,
    pub events: Vec<MergedEvent>,
}

/// The dossier entity id of an article entity: two index lookups.
fn entity_id_of(conn: &Connection, reference: &EntityRef) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT e.id FROM entity_items i JOIN entities e ON e.component = i.component
             WHERE i.article_id = ?1 AND i.local = ?2",
        )?
        .query_row(params![reference.article, reference.local as i64], |r| r.get(0))
        .optional()?)
}

/// Quotes from rows of (speaker article, speaker local, data), their speakers resolved.
pub(crate) fn quotes_from(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Vec<MergedQuote>> {
    let mut statement = conn.prepare_cached(sql)?;
    let rows = statement
        .query_map(params, |r| {
            Ok((r.get::<_, Option<String>>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, String>(2)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut quotes = Vec::with_capacity(rows.len());
    for (article, local, data) in rows {
        let mut quote: MergedQuote = serde_json::from_str(&data)?;
        quote.speaker_ref = article.zip(local).map(|(article, local)| EntityRef { article, local: local as usize });
        quotes.push(quote);
    }
    Ok(quotes)
}

/// The merged quote with this id (none or one).
pub(crate) fn quotes_by_id(conn: &Connection, id: &str) -> Result<Vec<MergedQuote>> {
    quotes_from(conn, "SELECT speaker_article, speaker_local, data FROM merged_quotes WHERE id = ?1", [id])
}

/// Fills in the dossier entities of stored quotes' speakers and events' actors, one
/// index lookup per article entity they name.
pub(crate) fn resolve_stored(conn: &Connection, quotes: &mut [MergedQuote], events: &mut [MergedEvent]) -> Result<()> {
    let mut ids: HashMap<EntityRef, Option<String>> = HashMap::new();
    let named = quotes.iter().filter_map(|q| q.speaker_ref.as_ref()).chain(events.iter().flat_map(|e| &e.actor_refs));
    for reference in named {
        if !ids.contains_key(reference) {
            ids.insert(reference.clone(), entity_id_of(conn, reference)?);
        }
    }
    analysis::resolve(quotes, events, |r| ids.get(r).cloned().flatten());
    Ok(())
}

impl Store {
    /// One page of entities, most widely reported first, and how many there are in all.
    pub fn entity_page(&self, kind: Option<&str>, limit: usize, offset: usize) -> Result<(Vec<EntitySummary>, usize)> {
        let (filter, kind) = match kind {
            Some(kind) => ("WHERE kind = ?1", kind),
            None => ("WHERE ?1 = ''", ""),
        };
        let total: i64 =
            self.conn.query_row(&format!("SELECT count(*) FROM entities {filter}"), [kind], |r| r.get(0))?;
        let sql = format!("SELECT articles, data FROM entities {filter} ORDER BY articles DESC, id LIMIT ?2 OFFSET ?3");
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement
            .query_map(params![kind, crate::sql_count(limit), crate::sql_count(offset)], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let page = rows.iter().map(|(articles, data)| EntitySummary::of(*articles, data)).collect::<Result<_>>()?;
        Ok((page, total as usize))
    }

    /// A story's stored quotes and events, in their order: what the story's rows hold, nothing else.
    pub fn story_findings(&self, story: &str) -> Result<StoryFindings> {
        let mut quotes = quotes_from(
            &self.conn,
            "SELECT speaker_article, speaker_local, data FROM merged_quotes WHERE story_id = ?1 ORDER BY position",
            [story],
        )?;
        let mut events: Vec<MergedEvent> = Vec::new();
        let mut statement =
            self.conn.prepare_cached("SELECT actors, data FROM merged_events WHERE story_id = ?1 ORDER BY position")?;
        let rows = statement
            .query_map([story], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (actors, data) in rows {
            let mut event: MergedEvent = serde_json::from_str(&data)?;
            event.actor_refs = serde_json::from_str(&actors)?;
            events.push(event);
        }
        resolve_stored(&self.conn, &mut quotes, &mut events)?;
        Ok(StoryFindings { quotes, events })
    }

    /// The article whose id is `id` or starts with it, with what it inherits from its canonical copy.
    pub fn inherited_article(&self, id: &str) -> Result<Option<Article>> {
        inherited_article(&self.conn, id)
    }

    /// A story's members in input order, with what each inherits from its canonical copy.
    pub fn story_articles(&self, story: &str) -> Result<Vec<Article>> {
        story_members(&self.conn, story)
    }

    /// The stored analysis, whole: every entity, quote and event with their ids resolved.
    pub fn stored_analysis(&self) -> Result<Analysis> {
        let conn = &self.conn;
        let mut index = EntityIndex::default();
        let mut position: HashMap<i64, usize> = HashMap::new();
        {
            let mut statement = conn.prepare("SELECT component, data FROM entities ORDER BY component")?;
            let rows = statement.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (component, data) = row?;
                let mut entity: DossierEntity = serde_json::from_str(&data)?;
                entity.key = component;
                position.insert(component, index.entities.len());
                index.entities.push(entity);
            }
        }
        {
            let mut statement =
                conn.prepare("SELECT article_id, local, component FROM entity_items ORDER BY ord, article_id, local")?;
            let rows =
                statement.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))?;
            for row in rows {
                let (article, local, component) = row?;
                let Some(&at) = position.get(&component) else { continue };
                let entity = &mut index.entities[at];
                if entity.articles.last() != Some(&article) {
                    entity.articles.push(article.clone());
                }
                index.of_article.insert((article, local as usize), at);
            }
        }
        let id_of = |r: &EntityRef| index.of(&r.article, r.local).map(|e| e.id.clone());
        let mut quotes: Vec<MergedQuote> = Vec::new();
        {
            let mut statement = conn.prepare(
                "SELECT speaker_article, speaker_local, data FROM merged_quotes ORDER BY story_id, position",
            )?;
            let rows = statement.query_map([], |r| {
                Ok((r.get::<_, Option<String>>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, String>(2)?))
            })?;
            for row in rows {
                let (article, local, data) = row?;
                let mut quote: MergedQuote = serde_json::from_str(&data)?;
                quote.speaker_ref =
                    article.zip(local).map(|(article, local)| EntityRef { article, local: local as usize });
                quotes.push(quote);
            }
        }
        let mut events: Vec<MergedEvent> = Vec::new();
        {
            let mut statement = conn.prepare("SELECT actors, data FROM merged_events ORDER BY story_id, position")?;
            let rows = statement.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (actors, data) = row?;
                let mut event: MergedEvent = serde_json::from_str(&data)?;
                event.actor_refs = serde_json::from_str(&actors)?;
                events.push(event);
            }
        }
        analysis::resolve(&mut quotes, &mut events, id_of);
        analysis::sort_events(&mut events);
        let mut dated: HashMap<String, Vec<ArticleEvent>> = HashMap::new();
        {
            let mut statement = conn.prepare("SELECT article_id, data FROM article_events")?;
            let rows = statement.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (article, data) = row?;
                dated.insert(article, serde_json::from_str(&data)?);
            }
        }
        let articles: HashMap<String, ArticleAnalysis> = self
            .findings()?
            .into_iter()
            .map(|(id, found)| {
                let events = dated.remove(&id).unwrap_or_default();
                (id, ArticleAnalysis { entities: found.entities, quotes: found.quotes, events })
            })
            .collect();
        Ok(Analysis { articles, entities: index, quotes, events })
    }

    /// Whether written articles wait for their analysis (a run killed before it, or an
    /// analyzer upgrade): the next update brings them in.
    pub fn analysis_pending(&self) -> Result<bool> {
        let waiting: i64 = self.conn.query_row(
            "SELECT (SELECT count(*) FROM pending_analysis) + (SELECT count(*) FROM dirty_stories)
                  + (SELECT count(*) FROM dirty_components)",
            [],
            |r| r.get(0),
        )?;
        Ok(waiting > 0)
    }
}
