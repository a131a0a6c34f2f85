//! What spans articles, stored: entities merged across spellings, and each story's
//! merged quotes, merged events and dated events. A write recomputes only what its
//! articles touch: the entities that share a join key (or a surname) with theirs, and
//! the stories whose members changed. Readers read the stored results.

use crate::{article_by_id, Batch, Result, Store};
use dossier_core::across::analysis::{
    self, Analysis, ArticleAnalysis, ArticleFindings, ArticleInput, DatedEvents, EntityRef, MergedEvent, MergedQuote,
    Reference, StoryAnalysis, ANALYZER_VERSION, STORY_ANALYSIS_VERSION,
};
use dossier_core::findings::entities::{self, DossierEntity, Entity, EntityIndex, Tally};
use dossier_core::findings::timeline::ArticleEvent;
use dossier_core::reading::article::Article;
use dossier_core::reading::clean::Paragraph;
use rayon::prelude::*;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

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

/// A story to analyse again, read from the store.
struct StoryWork {
    story: String,
    /// What its analysis is computed from, hashed: see `members_hash`.
    members: String,
    inputs: Vec<MemberInput>,
    found: HashMap<String, ArticleFindings>,
    /// Its members' dated events as stored, with their references.
    known: HashMap<String, DatedEvents>,
}

impl StoryWork {
    fn analyse(&self) -> StoryAnalysis {
        let inputs: Vec<ArticleInput<'_>> = self
            .inputs
            .iter()
            .map(|m| ArticleInput {
                id: &m.id,
                outlet: m.outlet.as_deref(),
                published: m.published,
                story: Some(&self.story),
                duplicate_of: None,
                paragraphs: m.paragraphs.iter().map(|p| p.text.as_str()).collect(),
            })
            .collect();
        let found: HashMap<&str, &ArticleFindings> = self.found.iter().map(|(k, v)| (k.as_str(), v)).collect();
        let known: HashMap<&str, DatedEvents> = self.known.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        analysis::analyze_story(&inputs, &found, &known)
    }
}

/// What a story's analysis reads of a member: its id, the outlet and date it has or
/// inherits from its canonical copy, and its paragraphs.
struct MemberInput {
    id: String,
    outlet: Option<String>,
    published: Option<chrono::NaiveDate>,
    paragraphs: Vec<Paragraph>,
}

/// An article entity as stored: where it is, its place in input order, its component.
#[derive(Clone)]
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

/// The groups of new items the fold settles alone, each with its target entity (None:
/// an entity of its own), and the form keys of those left to the full recompute.
type Settled = (Vec<(Vec<usize>, Option<i64>)>, Vec<i64>);

/// New items folded into a stored entity: what it becomes.
struct Fold {
    component: i64,
    tally: Tally,
    entity: DossierEntity,
    articles: usize,
}

/// Where an item stands in item order (date, source, article, place), as a [`Tally`] sorts it.
fn item_order(item: &StoredItem) -> String {
    format!("{}\u{0}{}\u{0}{:06}", item.ord, item.article, item.local)
}

/// The tally of stored items, in any order.
fn tally_of<'i>(members: impl Iterator<Item = &'i StoredItem>) -> Tally {
    let mut tally = Tally::default();
    fold_items(&mut tally, members);
    tally
}

/// Folds items into a tally, counting each of their articles once (the tally's own
/// members are of other articles).
fn fold_items<'i>(tally: &mut Tally, items: impl Iterator<Item = &'i StoredItem>) {
    let mut counted: HashSet<&str> = HashSet::new();
    for item in items {
        tally.add(&item_order(item), counted.insert(item.article.as_str()), &item.entity);
    }
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
        let (update, _) = self.update_analysis_within(usize::MAX)?;
        Ok(update)
    }

    /// One step of [`Batch::update_analysis`]: the entities of at most `limit` of the
    /// articles waiting (in the order their findings lie on disk), then, once none
    /// waits, at most `limit / 10` of the stories to analyse again. Each step is a
    /// transaction of bounded size, so a store of a million articles keeps what every
    /// committed step did. Returns what it did and whether work is left.
    pub fn update_analysis_within(&mut self, limit: usize) -> Result<(AnalysisUpdate, bool)> {
        let mut update = AnalysisUpdate::default();
        let pending: Vec<String> = column(
            &self.tx,
            "SELECT p.article_id FROM pending_analysis p LEFT JOIN findings f ON f.article_id = p.article_id
             ORDER BY f.rowid, p.article_id LIMIT ?1",
            [crate::sql_count(limit)],
        )?;
        update.articles = pending.len();
        let (new_keys, changed) = self.replace_items(&pending)?;
        update.entity_items = self.recompute_entities(&new_keys, &changed)?;
        for id in &pending {
            self.tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO dirty_stories (story_id) SELECT story_id FROM story_articles WHERE article_id = ?1",
                )?
                .execute([id])?;
            self.tx.prepare_cached("DELETE FROM pending_analysis WHERE article_id = ?1")?.execute([id])?;
        }
        let articles_left = pending.len() == limit && self.any_left("pending_analysis")?;
        let mut stories_left = false;
        if !articles_left {
            (update.stories, stories_left) = self.recompute_stories((limit / 10).max(1))?;
        }
        if update != AnalysisUpdate::default() {
            self.touch();
        }
        Ok((update, articles_left || stories_left))
    }

    /// Whether a work table (`pending_analysis`, `dirty_stories`) still has rows.
    fn any_left(&self, table: &str) -> Result<bool> {
        Ok(self.tx.query_row(&format!("SELECT EXISTS (SELECT 1 FROM {table})"), [], |r| r.get(0))?)
    }

    /// Writes the entities of `articles` as items of their own (their old items go, and
    /// the components those were in are marked dirty). An article whose entities are
    /// stored already, the same in the same order (found again by an analyzer that
    /// changed something else), keeps its items where they are. Returns the new items'
    /// form keys and the articles whose items were written.
    fn replace_items(&mut self, articles: &[String]) -> Result<(Vec<i64>, Vec<String>)> {
        let mut keys = Vec::new();
        let mut changed = Vec::new();
        for id in articles {
            let row: Option<(String, Option<String>, String)> = self
                .tx
                .prepare_cached(
                    "SELECT f.data, a.published, a.source FROM findings f JOIN articles a ON a.id = f.article_id
                     WHERE f.article_id = ?1",
                )?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            let (found, ord) = match row {
                Some((data, published, source)) => {
                    (Some(serde_json::from_str::<ArticleFindings>(&data)?), order_key(published.as_deref(), &source))
                }
                None => (None, String::new()),
            };
            let fresh: Vec<String> = match &found {
                Some(found) => {
                    found.entities.entities.iter().map(serde_json::to_string).collect::<serde_json::Result<_>>()?
                }
                None => Vec::new(),
            };
            if found.is_some() && self.items_stored(id, &ord, &fresh)? {
                continue;
            }
            self.tx.prepare_cached("DELETE FROM entity_items WHERE article_id = ?1")?.execute([id])?;
            self.tx.prepare_cached("DELETE FROM entity_keys WHERE article_id = ?1")?.execute([id])?;
            changed.push(id.clone());
            let Some(found) = found else { continue };
            for ((local, entity), data) in found.entities.entities.iter().enumerate().zip(fresh) {
                let join = entities::join_keys(entity);
                let own = join.forms.iter().copied().min().unwrap_or_default();
                self.tx
                    .prepare_cached(
                        "INSERT INTO entity_items (article_id, local, ord, component, surname, mentions, data)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )?
                    .execute(params![id, local as i64, ord, own, join.surname, entity.mentions as i64, data])?;
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
        Ok((keys, changed))
    }

    /// Whether an article's stored items are these entities (serialised, in order) at this place in input order.
    fn items_stored(&self, article: &str, ord: &str, entities: &[String]) -> Result<bool> {
        let mut statement =
            self.tx.prepare_cached("SELECT ord, data FROM entity_items WHERE article_id = ?1 ORDER BY local")?;
        let stored: Vec<(String, String)> =
            statement.query_map([article], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        Ok(!stored.is_empty()
            && stored.len() == entities.len()
            && stored.iter().zip(entities).all(|((o, data), fresh)| o == ord && data == fresh))
    }

    /// Recomputes every component the new items (by their keys) or a lost member touch,
    /// with the components a changed surname can move a lone surname to or from, and
    /// writes what changed.
    fn recompute_entities(&mut self, new_keys: &[i64], pending: &[String]) -> Result<usize> {
        let (folded, new_keys) = match self.fold_in(pending)? {
            Some((folded, unsettled)) => (folded, unsettled),
            None => (0, new_keys.to_vec()),
        };
        Ok(folded + self.recompute_components(&new_keys, pending)?)
    }

    /// Recomputes the components holding `new_keys` and the dirty ones, with those a
    /// changed surname reaches.
    fn recompute_components(&mut self, new_keys: &[i64], pending: &[String]) -> Result<usize> {
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
        self.remake(&components, items)
    }

    /// Every item of these components.
    fn items_of(&self, components: &BTreeSet<i64>) -> Result<Vec<StoredItem>> {
        let mut items = Vec::new();
        for component in components {
            items.extend(self.read_items("component = ?1", *component)?);
        }
        Ok(items)
    }

    /// The article entities `condition` (on the one parameter `value`) picks.
    fn read_items(&self, condition: &str, value: impl rusqlite::ToSql) -> Result<Vec<StoredItem>> {
        let mut statement = self.tx.prepare_cached(&format!(
            "SELECT article_id, local, ord, component, surname, data FROM entity_items WHERE {condition}"
        ))?;
        let rows = statement.query_map([value], |r| {
            Ok((r.get(0)?, r.get::<_, i64>(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get::<_, String>(5)?))
        })?;
        let mut items = Vec::new();
        for row in rows {
            let (article, local, ord, component, surname, data) = row?;
            let entity = serde_json::from_str(&data)?;
            items.push(StoredItem { article, local: local as usize, ord, component, surname, entity });
        }
        Ok(items)
    }

    /// Merges `items` (in item order, as a rebuild reads them) and writes the entities
    /// they make in place of the `old` components. Returns how many items were merged.
    fn remake(&mut self, old: &BTreeSet<i64>, mut items: Vec<StoredItem>) -> Result<usize> {
        items.sort_by(|a, b| (&a.ord, &a.article, a.local).cmp(&(&b.ord, &b.article, b.local)));
        let refs: Vec<entities::Item<'_>> = items.iter().map(|i| (i.article.as_str(), i.local, &i.entity)).collect();
        let merged = entities::merge_items(&refs);
        self.write_components(old, &items, merged)?;
        Ok(items.len())
    }

    /// Puts a stored article entity in `component`.
    fn move_item(&self, item: &StoredItem, component: i64) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE entity_items SET component = ?3 WHERE article_id = ?1 AND local = ?2")?
            .execute(params![item.article, item.local as i64, component])?;
        Ok(())
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
            for sql in [
                "DELETE FROM entities WHERE component = ?1",
                "DELETE FROM form_owners WHERE component = ?1",
                "DELETE FROM surname_owners WHERE component = ?1",
            ] {
                self.tx.prepare_cached(sql)?.execute([component])?;
            }
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
            let tally = tally_of(members.iter().map(|&m| &items[m]));
            self.tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO entities (component, id, base, kind, mentions, articles, data, tally)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?
                .execute(params![
                    entity.key,
                    entity.id,
                    entities::base_id(entity.kind, &entity.name),
                    entity.kind.label(),
                    entity.mentions as i64,
                    articles as i64,
                    serde_json::to_string(entity)?,
                    serde_json::to_string(&tally)?
                ])?;
            self.own_forms(entity.key, members.iter().map(|&m| &items[m]), &tally)?;
            for &m in members.iter() {
                let item = &items[m];
                if item.component != entity.key {
                    self.move_item(item, entity.key)?;
                }
                if old_ids.get(&item.component) != Some(&entity.id) {
                    self.log_entity_change(&item.article, item.local)?;
                }
            }
        }
        Ok(())
    }

    /// Records that `component` holds its members' form keys and the surnames its tally names in full.
    fn own_forms<'i>(
        &mut self,
        component: i64,
        members: impl Iterator<Item = &'i StoredItem>,
        tally: &Tally,
    ) -> Result<()> {
        let mut insert_form =
            self.tx.prepare_cached("INSERT OR IGNORE INTO form_owners (key, component) VALUES (?1, ?2)")?;
        for key in members.flat_map(|item| entities::join_keys(&item.entity).forms).collect::<BTreeSet<_>>() {
            insert_form.execute(params![key, component])?;
        }
        let mut insert_surname =
            self.tx.prepare_cached("INSERT OR IGNORE INTO surname_owners (surname, component) VALUES (?1, ?2)")?;
        for surname in tally.full_surnames() {
            insert_surname.execute(params![surname, component])?;
        }
        Ok(())
    }

    /// Folds the new articles' entities into the stored entities they join, group by
    /// group (new items sharing a form key are a group), when that is all a group does
    /// (or it makes an entity of its own that touches no other). A group that may merge
    /// two entities, move a lone surname or touch an entity another such group touches
    /// is left to the full recompute: returns how many items were folded and the form
    /// keys of those left. None, having written nothing, after a removal (dirty
    /// components): the full recompute settles everything then.
    fn fold_in(&mut self, pending: &[String]) -> Result<Option<(usize, Vec<i64>)>> {
        let dirty: i64 = self.tx.query_row("SELECT count(*) FROM dirty_components", [], |r| r.get(0))?;
        if dirty > 0 {
            return Ok(None);
        }
        let mut items: Vec<StoredItem> = Vec::new();
        for article in pending {
            items.extend(self.read_items("article_id = ?1 ORDER BY local", article)?);
        }
        let keys: Vec<entities::JoinKeys> = items.iter().map(|i| entities::join_keys(&i.entity)).collect();
        // The new items that share a form key are one group, whatever else they join.
        let mut parent: Vec<usize> = (0..items.len()).collect();
        let mut first_with_key: HashMap<i64, usize> = HashMap::new();
        for (at, join) in keys.iter().enumerate() {
            for key in &join.forms {
                let other = *first_with_key.entry(*key).or_insert(at);
                dossier_core::partition::union(&mut parent, at, other);
            }
        }
        let groups = dossier_core::partition::components(&mut parent);
        // Groups that join one stored entity fold into it together; the others are entities of their own.
        let mut targets: Vec<(Vec<usize>, Option<Option<i64>>)> = Vec::new();
        for group in groups {
            let target = self.fold_target(&group, &items, &keys)?;
            targets.push((group, target));
        }
        let (settled, unsettled) = self.settle(targets, &keys)?;
        let mut joining: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        let mut plans: Vec<(Option<Fold>, Vec<usize>)> = Vec::new();
        let mut remade: Vec<(i64, Vec<usize>)> = Vec::new();
        let mut folded = 0;
        for (group, target) in settled {
            folded += group.len();
            match target {
                None => plans.push((None, group)),
                Some(component) => joining.entry(component).or_default().extend(group),
            }
        }
        for (component, members) in joining {
            let stored = self
                .tx
                .prepare_cached("SELECT data, tally FROM entities WHERE component = ?1")?
                .query_row([component], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))
                .optional()?;
            let Some((data, Some(tally))) = stored else {
                // No tally to fold into: the entity is made again from its members.
                remade.push((component, members));
                continue;
            };
            let (stored, mut tally): (DossierEntity, Tally) =
                (serde_json::from_str(&data)?, serde_json::from_str(&tally)?);
            fold_items(&mut tally, members.iter().map(|&m| &items[m]));
            let (entity, articles) = tally.entity();
            // A new name or a smaller key changes the entity's id (and perhaps those of
            // namesakes): that entity alone is made again from its members.
            if entity.name != stored.name || entity.kind != stored.kind || entity.key != component {
                remade.push((component, members));
                continue;
            }
            let entity = DossierEntity { id: stored.id, ..entity };
            plans.push((Some(Fold { component, tally, entity, articles }), members));
        }
        for (component, members) in remade {
            // A new item whose own key is the entity's is stored in it already.
            let mut all = self.items_of(&BTreeSet::from([component]))?;
            let held: HashSet<(String, usize)> = all.iter().map(|i| (i.article.clone(), i.local)).collect();
            let joining = members.iter().map(|&m| &items[m]).filter(|i| !held.contains(&(i.article.clone(), i.local)));
            all.extend(joining.cloned().collect::<Vec<_>>());
            self.remake(&BTreeSet::from([component]), all)?;
        }
        for (plan, group) in plans {
            match plan {
                Some(Fold { component, tally, mut entity, articles }) => {
                    // A namesake made again above may have changed this entity's id.
                    entity.id = self
                        .tx
                        .prepare_cached("SELECT id FROM entities WHERE component = ?1")?
                        .query_row([component], |r| r.get(0))?;
                    self.tx
                        .prepare_cached(
                            "UPDATE entities SET mentions = ?2, articles = ?3, data = ?4, tally = ?5 WHERE component = ?1",
                        )?
                        .execute(params![
                            component,
                            entity.mentions as i64,
                            articles as i64,
                            serde_json::to_string(&entity)?,
                            serde_json::to_string(&tally)?
                        ])?;
                    for &m in &group {
                        let item = &items[m];
                        if item.component != component {
                            self.move_item(item, component)?;
                        }
                        self.log_entity_change(&item.article, item.local)?;
                    }
                    self.own_forms(component, group.iter().map(|&m| &items[m]), &tally)?;
                }
                None => {
                    self.remake(&BTreeSet::new(), group.iter().map(|&m| items[m].clone()).collect())?;
                }
            }
        }
        Ok(Some((folded, unsettled)))
    }

    /// Splits `targets` into the groups the fold settles alone, each with its target
    /// (None: an entity of its own), and the form keys of the others: groups without a
    /// target, and groups joining an entity that such a group's keys reach (its recompute
    /// will remake that entity).
    fn settle(&self, targets: Vec<(Vec<usize>, Option<Option<i64>>)>, keys: &[entities::JoinKeys]) -> Result<Settled> {
        let mut settled: Vec<(Vec<usize>, Option<i64>)> = Vec::new();
        let mut blocked: Vec<Vec<usize>> = Vec::new();
        for (group, target) in targets {
            match target {
                Some(target) => settled.push((group, target)),
                None => blocked.push(group),
            }
        }
        let mut unsettled: BTreeSet<i64> = BTreeSet::new();
        let mut contested: HashSet<i64> = HashSet::new();
        while !blocked.is_empty() {
            for key in blocked.drain(..).flat_map(|group| group.into_iter().flat_map(|m| keys[m].forms.iter().copied()))
            {
                if unsettled.insert(key) {
                    contested.extend(components_with_key(&self.tx, key)?);
                }
            }
            let (free, reached): (Vec<_>, Vec<_>) =
                settled.into_iter().partition(|(_, target)| !target.is_some_and(|c| contested.contains(&c)));
            settled = free;
            blocked = reached.into_iter().map(|(group, _)| group).collect();
        }
        Ok((settled, unsettled.into_iter().collect()))
    }

    /// The stored entity a group of new items folds into (`Some(None)`: an entity of its
    /// own), or None when the group may change more than that entity.
    fn fold_target(
        &self,
        group: &[usize],
        items: &[StoredItem],
        keys: &[entities::JoinKeys],
    ) -> Result<Option<Option<i64>>> {
        let mut joined: BTreeSet<i64> = BTreeSet::new();
        for key in group.iter().flat_map(|&m| &keys[m].forms).collect::<BTreeSet<_>>() {
            joined.extend(column::<i64, _>(&self.tx, "SELECT component FROM form_owners WHERE key = ?1", [key])?);
        }
        let is_person = |m: usize| items[m].entity.kind == entities::EntityKind::Person;
        let mut holders_of: HashMap<i64, Vec<i64>> = HashMap::new();
        for surname in group.iter().filter(|&&m| is_person(m)).filter_map(|&m| keys[m].surname) {
            if let std::collections::hash_map::Entry::Vacant(entry) = holders_of.entry(surname) {
                entry.insert(column(&self.tx, "SELECT component FROM surname_owners WHERE surname = ?1", [surname])?);
            }
        }
        // A lone surname joins the one entity naming a person in full with it.
        for &m in group.iter().filter(|&&m| is_person(m) && !items[m].entity.name.contains(' ')) {
            if let Some([only]) = keys[m].surname.map(|s| holders_of[&s].as_slice()) {
                joined.insert(*only);
            }
        }
        if joined.len() > 1 {
            return Ok(None);
        }
        let target = joined.first().copied();
        // A full name must already be named in full there, or be one of several (a new
        // sole holder would draw the lone mentions of its surname to it).
        for &m in group.iter().filter(|&&m| is_person(m) && items[m].entity.name.contains(' ')) {
            let Some(surname) = keys[m].surname else { continue };
            let holders = &holders_of[&surname];
            let settled = match target {
                Some(component) => holders.contains(&component),
                None => holders.len() >= 2,
            };
            if !settled {
                return Ok(None);
            }
        }
        Ok(Some(target))
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

    /// Recomputes the analysis of at most `limit` dirty stories whose members changed, in
    /// parallel chunks; stories that no longer exist lose theirs. Returns how many were
    /// analysed and whether more are dirty.
    fn recompute_stories(&mut self, limit: usize) -> Result<(usize, bool)> {
        let dirty: Vec<String> = column(
            &self.tx,
            "SELECT story_id FROM dirty_stories ORDER BY story_id LIMIT ?1",
            [crate::sql_count(limit)],
        )?;
        let mut recomputed = 0;
        // One chunk is analysed (on every core) while the next is read from the store.
        std::thread::scope(|scope| -> Result<()> {
            let mut running: Option<std::thread::ScopedJoinHandle<'_, Vec<(StoryWork, StoryAnalysis)>>> = None;
            for chunk in dirty.chunks(STORY_CHUNK) {
                let work = self.story_work(chunk)?;
                let finished = running.take().map(join_analysis);
                let analyse = move || {
                    work.into_par_iter()
                        .map(|w| {
                            let result = w.analyse();
                            (w, result)
                        })
                        .collect()
                };
                running = Some(scope.spawn(analyse));
                for (work, result) in finished.into_iter().flatten() {
                    self.write_story(&work.story, &work.members, &result)?;
                    recomputed += 1;
                }
            }
            for (work, result) in running.map(join_analysis).into_iter().flatten() {
                self.write_story(&work.story, &work.members, &result)?;
                recomputed += 1;
            }
            Ok(())
        })?;
        for story in &dirty {
            self.tx.prepare_cached("DELETE FROM dirty_stories WHERE story_id = ?1")?.execute([story])?;
        }
        let left = dirty.len() == limit && self.any_left("dirty_stories")?;
        Ok((recomputed, left))
    }

    /// What each story of `chunk` whose members changed is analysed from; stories that
    /// no longer exist lose their analysis.
    fn story_work(&mut self, chunk: &[String]) -> Result<Vec<StoryWork>> {
        let mut work = Vec::new();
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
            let (inputs, found) = member_inputs(&self.tx, story)?;
            let known = dated_events_of(&self.tx, story)?;
            work.push(StoryWork { story: story.clone(), members, inputs, found, known });
        }
        Ok(work)
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
        let mut parts: Vec<String> = vec![ANALYZER_VERSION.to_string(), STORY_ANALYSIS_VERSION.to_string()];
        let mut rows = statement.query([story])?;
        while let Some(row) = rows.next()? {
            for column in 0..6 {
                parts.push(row.get::<_, Option<String>>(column)?.unwrap_or_default());
            }
        }
        if parts.len() == 2 {
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
        for (article, found) in &result.dated {
            dated.push(vec![
                Value::Text(article.clone()),
                Value::Text(serde_json::to_string(&found.events)?),
                Value::Text(reference_text(found.reference)),
            ]);
        }
        self.sync_story_rows("article_events", &["article_id", "data", "reference"], story, dated)
    }

    /// Makes `story`'s rows of `table` these `rows` (values for `columns`, the key
    /// first): a row equal to the stored one is left alone, one that only moved (its
    /// `position` column) is moved in place, a new or changed one is written, and the
    /// story's rows not among them are deleted. Writing a row replaces it, which logs it
    /// for the search index: a new member dated before the undated ones shifts every
    /// later quote of its story, and moving them in place keeps them out of that log.
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
        let key = columns[0];
        let mut moved = match columns.iter().position(|c| *c == "position") {
            Some(at) => {
                Some((at, self.tx.prepare_cached(&format!("UPDATE {table} SET position = ?1 WHERE {key} = ?2"))?))
            }
            None => None,
        };
        for row in rows {
            let Value::Text(id) = &row[0] else { continue };
            match (stored.remove(id), moved.as_mut()) {
                (Some(old), _) if old == row => continue,
                (Some(old), Some((at, update)))
                    if old.iter().zip(&row).enumerate().all(|(i, (a, b))| i == *at || a == b) =>
                {
                    update.execute(params![row[*at], id])?;
                    continue;
                }
                _ => {}
            }
            write.execute(params_from_iter(row.iter().chain(std::iter::once(&Value::Text(story.to_string())))))?;
        }
        let mut delete = self.tx.prepare_cached(&format!("DELETE FROM {table} WHERE {key} = ?1 AND story_id = ?2"))?;
        for gone in stored.keys() {
            delete.execute(params![gone, story])?;
        }
        Ok(())
    }
}

/// A story's members in input order, as its analysis reads them, and their findings:
/// one query, which reads none of what the analysis does not use.
fn member_inputs(conn: &Connection, story: &str) -> Result<(Vec<MemberInput>, HashMap<String, ArticleFindings>)> {
    // `Article::inherit_from` in SQL, for the outlet and the date.
    let mut statement = conn.prepare_cached(
        "SELECT a.id, coalesce(a.outlet, c.outlet), coalesce(a.published, c.published), a.paragraphs, f.data
         FROM story_articles s JOIN articles a ON a.id = s.article_id
         LEFT JOIN duplicate_members d ON d.article_id = a.id AND d.canonical_id != a.id
         LEFT JOIN articles c ON c.id = d.canonical_id
         LEFT JOIN findings f ON f.article_id = a.id
         WHERE s.story_id = ?1 ORDER BY a.published IS NULL, a.published, a.source",
    )?;
    let mut rows = statement.query([story])?;
    let (mut inputs, mut found) = (Vec::new(), HashMap::new());
    while let Some(row) = rows.next()? {
        let id: String = row.get(0)?;
        if let Some(data) = row.get::<_, Option<String>>(4)? {
            found.insert(id.clone(), serde_json::from_str(&data)?);
        }
        inputs.push(MemberInput {
            id,
            outlet: row.get(1)?,
            published: row.get::<_, Option<String>>(2)?.and_then(|d| d.parse().ok()),
            paragraphs: serde_json::from_str(&row.get::<_, String>(3)?)?,
        });
    }
    Ok((inputs, found))
}

/// The analysis of a chunk of stories, once its thread is done.
fn join_analysis<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
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

/// A reference as stored: the date, marked when inferred from the story; empty for none.
fn reference_text(reference: Reference) -> String {
    match reference {
        Some((date, false)) => date.to_string(),
        Some((date, true)) => format!("{date} inferred"),
        None => String::new(),
    }
}

fn reference_of(text: &str) -> Option<Reference> {
    if text.is_empty() {
        return Some(None);
    }
    let (date, inferred) = match text.strip_suffix(" inferred") {
        Some(date) => (date, true),
        None => (text, false),
    };
    Some(Some((date.parse().ok()?, inferred)))
}

/// The dated events stored for a story's members, with the reference each was found
/// against (rows from before references were kept are left out: found again).
fn dated_events_of(conn: &Connection, story: &str) -> Result<HashMap<String, DatedEvents>> {
    let mut statement =
        conn.prepare_cached("SELECT article_id, reference, data FROM article_events WHERE story_id = ?1")?;
    let mut rows = statement.query([story])?;
    let mut known = HashMap::new();
    while let Some(row) = rows.next()? {
        let Some(reference) = row.get::<_, Option<String>>(1)?.as_deref().and_then(reference_of) else { continue };
        let events: Vec<ArticleEvent> = serde_json::from_str(&row.get::<_, String>(2)?)?;
        known.insert(row.get(0)?, DatedEvents { reference, events });
    }
    Ok(known)
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

    /// Queues every story for analysis again when the stored analyses were made by
    /// another version of the story analysis (the next update makes them again).
    /// Returns how many it queued.
    pub fn queue_stale_stories(&mut self) -> Result<usize> {
        if crate::meta_value(&self.conn, "story_analysis")? == STORY_ANALYSIS_VERSION {
            return Ok(0);
        }
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let queued = tx.execute("INSERT OR IGNORE INTO dirty_stories (story_id) SELECT id FROM stories", [])?;
        tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('story_analysis', ?1)", [STORY_ANALYSIS_VERSION])?;
        tx.commit()?;
        Ok(queued)
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
