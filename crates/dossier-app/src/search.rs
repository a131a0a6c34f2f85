//! The dossier's search index: what is indexed for each article and quote, where the
//! index lives, and filters given as people type them (names, story prefixes, dates).

use chrono::NaiveDate;
use dossier_core::findings::names;
use dossier_search::{Bulk, Filters, IndexedDoc, Results, SearchIndex};
use dossier_store::Store;
use std::path::{Path, PathBuf};

/// The index folder that goes with a store file: `dossier.db` → `dossier.db.search/`.
pub fn index_dir(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".search");
    PathBuf::from(name)
}

/// Days since 1970-01-01, the index's date unit.
pub fn days(date: NaiveDate) -> i64 {
    (date - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days()
}

/// The date `days` after 1970-01-01.
pub fn date_of(days: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::Duration::days(days))
}

/// The search document of an article, from its stored rows; None when it is gone.
pub fn article_document(store: &Store, id: &str) -> anyhow::Result<Option<IndexedDoc>> {
    let Some(dossier_store::IndexedArticle { article, story, entities }) = store.indexed_article(id)? else {
        return Ok(None);
    };
    Ok(Some(IndexedDoc {
        kind: "article",
        id: article.id.clone(),
        article: article.id.clone(),
        articles: vec![article.id.clone()],
        title: article.title.clone().unwrap_or_default(),
        text: article.text(),
        outlet: article.outlet.clone(),
        published: article.published.map(days),
        story,
        language: article.language.clone(),
        entities,
        ..IndexedDoc::default()
    }))
}

/// The search document of a merged quote, from its stored row; None when it is gone.
pub fn quote_document(store: &Store, id: &str) -> anyhow::Result<Option<IndexedDoc>> {
    let Some(quote) = store.quote(id)? else { return Ok(None) };
    let Some(first) = quote.reports.first() else { return Ok(None) };
    let (title, language) = store.article_title_language(&first.article)?.unwrap_or_default();
    let mut speaker_keys: Vec<String> = quote.speaker.as_deref().map(names::key).into_iter().collect();
    speaker_keys.extend(quote.speaker_id.clone());
    Ok(Some(IndexedDoc {
        kind: "quote",
        id: quote.id.clone(),
        article: first.article.clone(),
        articles: quote.reports.iter().map(|r| r.article.clone()).collect(),
        title: title.unwrap_or_default(),
        text: quote.text.clone(),
        outlet: first.outlet.clone(),
        published: first.published.map(days),
        story: quote.story.clone(),
        language,
        speaker: quote.speaker.clone(),
        speaker_keys,
        entities: quote.speaker_id.clone().into_iter().collect(),
    }))
}

/// The documents of these articles and quotes (the ones still stored).
/// Writes the documents of these articles and quotes, read from the store one at a
/// time (an id the store no longer has is left out). Returns how many were written.
fn write_documents<'a>(
    bulk: &Bulk<'_>,
    store: &Store,
    articles: impl IntoIterator<Item = &'a String>,
    quotes: impl IntoIterator<Item = &'a String>,
) -> anyhow::Result<usize> {
    let mut written = 0;
    for id in articles {
        if let Some(doc) = article_document(store, id)? {
            bulk.add(&doc)?;
            written += 1;
        }
    }
    for id in quotes {
        if let Some(doc) = quote_document(store, id)? {
            bulk.add(&doc)?;
            written += 1;
        }
    }
    Ok(written)
}

/// Forgets the part of the store's change log that `index` has read (it is not needed again).
fn prune_log(store: &mut Store, index: &SearchIndex) -> anyhow::Result<()> {
    let mut batch = store.batch()?;
    batch.prune_index_changes(index.position().unwrap_or(0))?;
    batch.commit()?;
    Ok(())
}

/// Rebuilds the index next to `db` from the store (a damaged index is cleared first).
pub fn reindex(db: &Path, store: &Store) -> anyhow::Result<usize> {
    let index = open_or_recreate(&index_dir(db), &mut |_| {})?;
    rebuild(&index, store)
}

fn rebuild(index: &SearchIndex, store: &Store) -> anyhow::Result<usize> {
    // Read first: a write landing meanwhile is read again by the next catch-up.
    let position = store.index_position()?;
    let (articles, quotes) = store.document_ids()?;
    let bulk = index.bulk(true, articles.len() + quotes.len())?;
    let written = write_documents(&bulk, store, &articles, &quotes)?;
    bulk.commit(position)?;
    Ok(written)
}

/// Opens the index in `dir`; one that cannot be opened (damaged files, a crash in the
/// middle of a write) is cleared and recreated empty, with a message. A new index
/// records no store generation, so it is filled by the first catch-up.
fn open_or_recreate(dir: &Path, notify: &mut dyn FnMut(&str)) -> anyhow::Result<SearchIndex> {
    match SearchIndex::open(dir) {
        Ok((index, _)) => Ok(index),
        Err(error) => {
            let why: String = format!("{error:#}").chars().take(160).collect();
            notify(&format!(
                "the search index in {} could not be read ({why}…); rebuilding it from the dossier",
                dir.display()
            ));
            if dir.exists() {
                std::fs::remove_dir_all(dir)
                    .map_err(|e| anyhow::anyhow!("cannot clear the damaged index {}: {e}", dir.display()))?;
            }
            Ok(SearchIndex::open(dir)?.0)
        }
    }
}

/// Filters as a person gives them: names for speakers and entities (any spelling),
/// a story id prefix, dates.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub text: String,
    pub kind: Option<String>,
    pub outlet: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub story: Option<String>,
    pub speaker: Option<String>,
    pub entity: Option<String>,
    pub language: Option<String>,
}

/// Resolves names and prefixes against the store into exact index filters: an entity
/// by its id, else the most widely reported entity a name can mean; a story by its id
/// or a unique prefix. Index lookups only.
pub fn filters(store: &Store, query: &Query) -> anyhow::Result<Filters> {
    let entity_id = |wanted: &str| -> anyhow::Result<Option<String>> {
        if let Some(entity) = store.entity(wanted)? {
            return Ok(Some(entity.id));
        }
        Ok(store.entities_named(wanted)?.into_iter().next().map(|e| e.id))
    };
    let mut speaker_keys = Vec::new();
    if let Some(speaker) = query.speaker.as_deref() {
        speaker_keys.push(names::key(speaker));
        speaker_keys.extend(entity_id(speaker)?);
    }
    let story = match query.story.as_deref() {
        Some(prefix) => Some(store.story_id(prefix)?.unwrap_or_else(|| prefix.to_string())),
        None => None,
    };
    let entity = match query.entity.as_deref() {
        // An entity no one names matches nothing rather than everything.
        Some(wanted) => Some(entity_id(wanted)?.unwrap_or_else(|| format!("unknown:{wanted}"))),
        None => None,
    };
    Ok(Filters {
        kind: query.kind.clone(),
        outlet: query.outlet.clone(),
        from: query.from.map(days),
        to: query.to.map(days),
        story,
        speaker_keys,
        entity,
        language: query.language.clone(),
    })
}

/// Opens the dossier's index and brings it up to the store. `notify` hears when a
/// damaged index is rebuilt.
pub fn open_index(db: &Path, store: &Store, notify: &mut dyn FnMut(&str)) -> anyhow::Result<SearchIndex> {
    let index = open_or_recreate(&index_dir(db), notify)?;
    catch_up(&index, store)?;
    Ok(index)
}

/// A writer's index: opened and brought up to the store, as [`open_index`] does, and
/// the part of the store's change log it has read forgotten. Every writer ends so
/// (`analyze`, a server, a follower); a long-running one otherwise keeps every change.
pub fn open_index_after_writing(
    db: &Path,
    store: &mut Store,
    notify: &mut dyn FnMut(&str),
) -> anyhow::Result<SearchIndex> {
    let index = open_index(db, store, notify)?;
    prune_log(store, &index)?;
    Ok(index)
}

/// An open writer's index brought up to the store after a write, and the part of
/// the store's change log it has read forgotten (see [`open_index_after_writing`]).
pub fn catch_up_after_writing(index: &SearchIndex, store: &mut Store) -> anyhow::Result<()> {
    catch_up(index, store)?;
    prune_log(store, index)
}

/// Brings an open index up to the store (seeing first what other processes committed
/// to it): the documents logged since the position it recorded are replaced, and
/// nothing else; an index that is new, or behind a pruned log, is rebuilt.
pub fn catch_up(index: &SearchIndex, store: &Store) -> anyhow::Result<()> {
    index.reload()?;
    let changes = match index.position() {
        Some(position) if position == store.index_position()? => return Ok(()),
        Some(position) => store.index_changes_since(position)?,
        None => None,
    };
    let Some(changes) = changes else {
        rebuild(index, store)?;
        return Ok(());
    };
    let bulk = index.bulk(false, changes.articles.len() + changes.quotes.len())?;
    bulk.delete(&changes.articles);
    bulk.delete(&changes.quotes);
    write_documents(&bulk, store, &changes.articles, &changes.quotes)?;
    bulk.commit(changes.upto)
}

/// Searches an open index of the dossier.
pub fn search(
    index: &SearchIndex,
    store: &Store,
    query: &Query,
    limit: usize,
    offset: usize,
) -> anyhow::Result<Results> {
    index.search(&query.text, &filters(store, query)?, limit, offset)
}

/// How many articles (or quotes, with `kind`) match on each publication day, oldest
/// first: articles per day for a story, an outlet, a search. Articles unless the query
/// names another kind.
pub fn per_day(index: &SearchIndex, store: &Store, query: &Query) -> anyhow::Result<Vec<crate::read::DayCount>> {
    let mut filters = filters(store, query)?;
    filters.kind.get_or_insert_with(|| "article".to_string());
    Ok(index
        .per_day(&query.text, &filters)?
        .into_iter()
        .filter_map(|(day, count)| {
            Some(crate::read::DayCount { date: date_of(day)?.to_string(), count: count as usize })
        })
        .collect())
}
