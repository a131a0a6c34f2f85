//! The read side's queries: what one page or one API answer shows, each read through
//! indexes, so that its cost follows the size of the answer, not the size of the store.

use crate::analysis::{column, components_named, inherited_article, quotes_from, resolve_stored, EntitySummary};
use crate::{DuplicateGroup, DuplicateMember, Result, Store, StoreError, MIGRATIONS};
use chrono::NaiveDate;
use dossier_core::across::analysis::{ArticleFindings, MergedQuote, ANALYZER_VERSION};
use dossier_core::reading::article::Article;
use rusqlite::{params, params_from_iter, Connection, OpenFlags, OptionalExtension};
use std::path::Path;
use std::time::Duration;

/// How long a reader waits on a lock (only a checkpoint or a recovery holds one against readers in WAL mode).
const READER_WAIT: Duration = Duration::from_secs(5);

/// The id in `table` equal to `prefix`, else the only one starting with it; two index
/// probes. Several matches are an error naming the kind and the first matches.
pub(crate) fn id_by_prefix(conn: &Connection, kind: &'static str, table: &str, prefix: &str) -> Result<Option<String>> {
    let exact = format!("SELECT id FROM {table} WHERE id = ?1");
    if let Some(id) = conn.prepare_cached(&exact)?.query_row([prefix], |r| r.get(0)).optional()? {
        return Ok(Some(id));
    }
    if prefix.is_empty() {
        return Ok(None);
    }
    let ranged = format!("SELECT id FROM {table} WHERE id > ?1 AND id < ?2 ORDER BY id LIMIT 5");
    let mut matches: Vec<String> = column(conn, &ranged, params![prefix, format!("{prefix}{}", char::MAX)])?;
    match matches.len() {
        0 | 1 => Ok(matches.pop()),
        _ => Err(StoreError::ambiguous(kind, prefix, matches)),
    }
}

/// Which articles a list shows; every field narrows it.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    pub outlet: Option<String>,
    /// A story id (exact).
    pub story: Option<String>,
    /// YYYY-MM-DD, inclusive.
    pub from: Option<String>,
    /// YYYY-MM-DD, inclusive.
    pub to: Option<String>,
    pub language: Option<String>,
}

impl ArticleFilter {
    /// The SQL condition on `articles a` and its values. A copy without its own date or
    /// outlet is judged by what it inherits from its canonical article; each such test
    /// is an OR of two index lookups (its own value, or none and the canonical's).
    fn condition(&self) -> (String, Vec<String>) {
        const INHERITED: &str = "(SELECT c.{field} FROM duplicate_members d JOIN articles c ON c.id = d.canonical_id
                                  WHERE d.article_id = a.id)";
        let mut clauses = Vec::new();
        let mut values = Vec::new();
        let mut narrow = |field: &str, test: &str, value: &Option<String>| {
            if let Some(value) = value {
                let inherited = INHERITED.replace("{field}", field);
                clauses.push(format!("(a.{field} {test} ? OR (a.{field} IS NULL AND {inherited} {test} ?))"));
                values.extend([value.clone(), value.clone()]);
            }
        };
        narrow("outlet", "=", &self.outlet);
        narrow("published", ">=", &self.from);
        narrow("published", "<=", &self.to);
        if let Some(language) = &self.language {
            clauses.push("a.language = ?".into());
            values.push(language.clone());
        }
        if let Some(story) = &self.story {
            clauses.push("a.id IN (SELECT article_id FROM story_articles WHERE story_id = ?)".into());
            values.push(story.clone());
        }
        let condition = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
        (condition, values)
    }
}

/// A story member as a story's view lists it, without its text: with what it inherits
/// from its canonical copy, and that copy's id when it is a duplicate.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryMember {
    pub id: String,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<NaiveDate>,
    pub duplicate_of: Option<String>,
}

/// An article in a list: the article (with what it inherits from its canonical copy),
/// its story and the article it duplicates.
#[derive(Debug, Clone)]
pub struct ListedArticle {
    pub article: Article,
    pub story: Option<String>,
    pub duplicate_of: Option<String>,
}

impl Store {
    /// Opens a store for reading only (a server's request connections): no migration, a
    /// modest page cache, and never a writer's lock. The store must be at this build's schema.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(READER_WAIT)?;
        conn.pragma_update(None, "cache_size", -16_384)?;
        crate::keep_statements_prepared(&conn)?;
        conn.pragma_update(None, "query_only", true)?;
        let store = Store { conn, checkpointer: None };
        let (found, known) = (store.schema_version()?, MIGRATIONS.len() as i64);
        match found.cmp(&known) {
            std::cmp::Ordering::Greater => Err(StoreError::TooNew { found, known }),
            std::cmp::Ordering::Less => Err(StoreError::NotMigrated { found, known }),
            std::cmp::Ordering::Equal => Ok(store),
        }
    }

    /// One page of the articles `filter` keeps, newest first (undated last), and how many it keeps.
    pub fn article_list(
        &self,
        filter: &ArticleFilter,
        limit: usize,
        offset: usize,
    ) -> Result<(Vec<ListedArticle>, usize)> {
        let (condition, values) = filter.condition();
        let total = match values.is_empty() {
            true => self.count()? as i64,
            false => self
                .conn
                .prepare_cached(&format!("SELECT count(*) FROM articles a {condition}"))?
                .query_row(params_from_iter(values.iter()), |r| r.get(0))?,
        };
        let sql = format!("SELECT a.id FROM articles a {condition} ORDER BY a.published DESC, a.id LIMIT ? OFFSET ?");
        let mut bound: Vec<rusqlite::types::Value> = values.iter().cloned().map(Into::into).collect();
        bound.extend([crate::sql_count(limit).into(), crate::sql_count(offset).into()]);
        let ids: Vec<String> = column(&self.conn, &sql, params_from_iter(bound))?;
        let mut page = Vec::with_capacity(ids.len());
        for id in ids {
            page.extend(self.listed_article(&id)?);
        }
        Ok((page, total as usize))
    }

    /// The article whose id is `id` or begins with it, with what it inherits from its
    /// canonical copy, its story and the article it duplicates: a few index lookups.
    pub fn listed_article(&self, id: &str) -> Result<Option<ListedArticle>> {
        let Some(article) = inherited_article(&self.conn, id)? else { return Ok(None) };
        let story = self.story_of_article(&article.id)?;
        let duplicate_of = self.canonical_id(&article.id)?.filter(|c| *c != article.id);
        Ok(Some(ListedArticle { article, story, duplicate_of }))
    }

    /// A story's members in the story's order, without their text: one index walk.
    pub fn story_member_rows(&self, story: &str) -> Result<Vec<StoryMember>> {
        // `Article::inherit_from` in SQL: a copy's missing fields come from its canonical article.
        let mut statement = self.conn.prepare_cached(
            "SELECT a.id, coalesce(a.title, c.title), coalesce(a.outlet, c.outlet), coalesce(a.published, c.published),
                    d.canonical_id
             FROM story_articles s JOIN articles a ON a.id = s.article_id
             LEFT JOIN duplicate_members d ON d.article_id = a.id AND d.canonical_id != a.id
             LEFT JOIN articles c ON c.id = d.canonical_id
             WHERE s.story_id = ?1 ORDER BY s.position, s.article_id",
        )?;
        let rows = statement.query_map([story], |r| {
            Ok(StoryMember {
                id: r.get(0)?,
                title: r.get(1)?,
                outlet: r.get(2)?,
                published: r.get::<_, Option<String>>(3)?.and_then(|d| d.parse().ok()),
                duplicate_of: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The counts the writes keep (articles, each story's days and outlets, each entity's
    /// days and quotes) that differ from a count of the rows they stand for, named; empty
    /// when all agree.
    pub fn tally_mismatches(&self) -> Result<Vec<String>> {
        let day = |ord: &str| format!("CASE WHEN substr({ord}, 1, 1) = '0' THEN substr({ord}, 2, 10) ELSE '' END");
        let checks = [
            (
                "article count",
                "SELECT value FROM meta WHERE key = 'articles'".to_string(),
                "SELECT count(*) FROM articles".to_string(),
            ),
            (
                "story days",
                "SELECT story_id, day, articles FROM story_days".into(),
                "SELECT s.story_id, a.published, count(*) FROM story_articles s JOIN articles a ON a.id = s.article_id
                 WHERE a.published IS NOT NULL GROUP BY 1, 2"
                    .into(),
            ),
            (
                "story of each arrival",
                "SELECT seq, story_id FROM story_seq".into(),
                "SELECT v.rowid, s.story_id FROM story_articles s JOIN story_vectors v ON v.article_id = s.article_id"
                    .into(),
            ),
            (
                "story outlets",
                "SELECT story_id, outlet, articles FROM story_outlets".into(),
                "SELECT s.story_id, a.outlet, count(*) FROM story_articles s JOIN articles a ON a.id = s.article_id
                 WHERE a.outlet IS NOT NULL GROUP BY 1, 2"
                    .into(),
            ),
            (
                "entity days",
                "SELECT component, day, mentions, items FROM entity_days".into(),
                format!("SELECT component, {}, sum(mentions), count(*) FROM entity_items GROUP BY 1, 2", day("ord")),
            ),
            (
                "quote speakers",
                "SELECT id, speaker_component, speaker_ord FROM merged_quotes".into(),
                "SELECT q.id, i.component, i.ord FROM merged_quotes q LEFT JOIN entity_items i
                 ON i.article_id = q.speaker_article AND i.local = q.speaker_local"
                    .into(),
            ),
            (
                "entity keys",
                "SELECT key, article_id, local, component FROM entity_keys".into(),
                "SELECT k.key, k.article_id, k.local, i.component FROM entity_keys k LEFT JOIN entity_items i
                 ON i.article_id = k.article_id AND i.local = k.local"
                    .into(),
            ),
        ];
        let mut mismatches = Vec::new();
        for (name, kept, counted) in checks {
            let differ: i64 = self.conn.query_row(
                &format!(
                    "SELECT (SELECT count(*) FROM (SELECT * FROM ({kept}) EXCEPT SELECT * FROM ({counted})))
                          + (SELECT count(*) FROM (SELECT * FROM ({counted}) EXCEPT SELECT * FROM ({kept})))"
                ),
                [],
                |r| r.get(0),
            )?;
            if differ > 0 {
                mismatches.push(format!("{name}: {differ} rows differ"));
            }
        }
        Ok(mismatches)
    }

    /// The story an article belongs to.
    pub fn story_of_article(&self, id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT story_id FROM story_articles WHERE article_id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    /// The id of the story whose id is `prefix` or the only one starting with it.
    pub fn story_id(&self, prefix: &str) -> Result<Option<String>> {
        id_by_prefix(&self.conn, "story", "stories", prefix)
    }

    /// The article's own findings, if the running analyzer found them.
    pub fn article_findings(&self, id: &str) -> Result<Option<ArticleFindings>> {
        let data: Option<String> = self
            .conn
            .prepare_cached("SELECT data FROM findings WHERE article_id = ?1 AND analyzer = ?2")?
            .query_row(params![id, ANALYZER_VERSION], |r| r.get(0))
            .optional()?;
        Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
    }

    /// The dossier entity (id, kind) of each of an article's entities, by its place in the article's findings.
    pub fn article_entity_ids(&self, id: &str) -> Result<Vec<(usize, String, String)>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT i.local, e.id, e.kind FROM entity_items i JOIN entities e ON e.component = i.component
             WHERE i.article_id = ?1 ORDER BY i.local",
        )?;
        let rows = statement.query_map([id], |r| Ok((r.get::<_, i64>(0)? as usize, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The merged quotes an article reports: its story's quotes that list it.
    pub fn article_quotes(&self, id: &str) -> Result<Vec<MergedQuote>> {
        let Some(story) = self.story_of_article(id)? else { return Ok(Vec::new()) };
        let mut quotes = quotes_from(
            &self.conn,
            "SELECT speaker_article, speaker_local, data FROM merged_quotes WHERE story_id = ?1 ORDER BY position",
            [&story],
        )?;
        quotes.retain(|q| q.reports.iter().any(|r| r.article == id));
        resolve_stored(&self.conn, &mut quotes, &mut [])?;
        Ok(quotes)
    }

    /// The entity with this id.
    pub fn entity(&self, id: &str) -> Result<Option<EntitySummary>> {
        let row: Option<(i64, String)> = self
            .conn
            .prepare_cached("SELECT articles, data FROM entities WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(articles, data)| EntitySummary::of(articles, &data)).transpose()
    }

    /// The entities a name can mean (any spelling; a surname alone, every person with
    /// it), most widely reported first.
    pub fn entities_named(&self, name: &str) -> Result<Vec<EntitySummary>> {
        let mut found = Vec::new();
        for component in components_named(&self.conn, name)? {
            let row: Option<(i64, String)> = self
                .conn
                .prepare_cached("SELECT articles, data FROM entities WHERE component = ?1")?
                .query_row([component], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((articles, data)) = row {
                found.push(EntitySummary::of(articles, &data)?);
            }
        }
        found.sort_by(|a, b| b.articles.cmp(&a.articles).then_with(|| a.id.cmp(&b.id)));
        Ok(found)
    }

    /// The newest `limit` articles naming an entity, and how many name it: a walk down
    /// the entity's index entries, newest first, until `limit` articles are seen.
    pub fn entity_articles(&self, id: &str, limit: usize) -> Result<(Vec<String>, usize)> {
        let Some((component, total)) = self.entity_component(id)? else { return Ok((Vec::new(), 0)) };
        let mut statement =
            self.conn.prepare_cached("SELECT article_id FROM entity_items WHERE component = ?1 ORDER BY ord DESC")?;
        let mut rows = statement.query([component])?;
        let mut ids: Vec<String> = Vec::new();
        while ids.len() < limit {
            let Some(row) = rows.next()? else { break };
            let article: String = row.get(0)?;
            if !ids.contains(&article) {
                ids.push(article);
            }
        }
        Ok((ids, total))
    }

    /// An entity's component and how many articles name it.
    fn entity_component(&self, id: &str) -> Result<Option<(i64, usize)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT component, articles FROM entities WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))
            .optional()?)
    }

    /// How often an entity is named on each publication day (None: undated articles),
    /// oldest first: one pass over the entity's index entries.
    pub fn entity_mentions_per_day(&self, id: &str) -> Result<Vec<(Option<String>, usize)>> {
        let Some((component, _)) = self.entity_component(id)? else { return Ok(Vec::new()) };
        let mut statement = self.conn.prepare_cached(
            "SELECT nullif(day, ''), mentions FROM entity_days WHERE component = ?1 ORDER BY day = '', day",
        )?;
        let rows = statement.query_map([component], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Up to `limit` quotes an entity said (earliest first among them), and how many it said.
    pub fn entity_quotes(&self, id: &str, limit: usize) -> Result<(Vec<MergedQuote>, usize)> {
        let Some((component, _)) = self.entity_component(id)? else { return Ok((Vec::new(), 0)) };
        let mut components = std::collections::BTreeSet::new();
        components.insert(component);
        let (mut quotes, total) = self.quotes_of_components(&components, limit, 0)?;
        sort_by_first_report(&mut quotes);
        Ok((quotes, total))
    }

    /// One page of the quotes said by whoever `name` names (any spelling, or a surname),
    /// and how many there are.
    pub fn speaker_quote_page(&self, name: &str, limit: usize, offset: usize) -> Result<(Vec<MergedQuote>, usize)> {
        self.quotes_of_components(&components_named(&self.conn, name)?, limit, offset)
    }

    /// One page of the quotes said by the entities `components`, in the order of the
    /// articles naming their speakers, and how many there are: index ranges, then the
    /// page's rows.
    pub fn quotes_of_components(
        &self,
        components: &std::collections::BTreeSet<i64>,
        limit: usize,
        offset: usize,
    ) -> Result<(Vec<MergedQuote>, usize)> {
        let marks = vec!["?"; components.len()].join(", ");
        let total: i64 = self
            .conn
            .prepare_cached(&format!("SELECT count(*) FROM merged_quotes WHERE speaker_component IN ({marks})"))?
            .query_row(params_from_iter(components), |r| r.get(0))?;
        let rows: Vec<i64> = {
            let mut statement = self.conn.prepare_cached(&format!(
                "SELECT rowid FROM merged_quotes WHERE speaker_component IN ({marks})
                 ORDER BY speaker_ord, rowid LIMIT ? OFFSET ?"
            ))?;
            let mut values: Vec<i64> = components.iter().copied().collect();
            values.extend([crate::sql_count(limit), crate::sql_count(offset)]);
            let rows = statement.query_map(params_from_iter(values), |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut quotes = Vec::with_capacity(rows.len());
        for row in rows {
            quotes.extend(quotes_from(
                &self.conn,
                "SELECT speaker_article, speaker_local, data FROM merged_quotes WHERE rowid = ?1",
                [row],
            )?);
        }
        resolve_stored(&self.conn, &mut quotes, &mut [])?;
        Ok((quotes, total as usize))
    }

    /// One page of quotes (of one story, or of all), in story order, and how many there are.
    pub fn quote_page(&self, story: Option<&str>, limit: usize, offset: usize) -> Result<(Vec<MergedQuote>, usize)> {
        let (condition, story) = match story {
            Some(story) => ("WHERE story_id = ?1", story),
            None => ("WHERE ?1 = ''", ""),
        };
        let total: i64 = self
            .conn
            .prepare_cached(&format!("SELECT count(*) FROM merged_quotes {condition}"))?
            .query_row([story], |r| r.get(0))?;
        let mut quotes = quotes_from(
            &self.conn,
            &format!(
                "SELECT speaker_article, speaker_local, data FROM merged_quotes {condition}
                 ORDER BY story_id, position LIMIT ?2 OFFSET ?3"
            ),
            params![story, crate::sql_count(limit), crate::sql_count(offset)],
        )?;
        resolve_stored(&self.conn, &mut quotes, &mut [])?;
        Ok((quotes, total as usize))
    }
}

impl Store {
    /// The duplicate group whose canonical article is `canonical` (its members, the canonical included).
    pub fn duplicate_group(&self, canonical: &str) -> Result<Option<DuplicateGroup>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT article_id, kind, similarity FROM duplicate_members WHERE canonical_id = ?1 ORDER BY article_id",
        )?;
        let members = statement
            .query_map([canonical], |r| Ok(DuplicateMember::of(r.get(0)?, &r.get::<_, String>(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok((!members.is_empty()).then(|| DuplicateGroup { canonical: canonical.to_string(), members }))
    }

    /// How many of a story's articles were published on each day, oldest first (undated ones left out).
    pub fn story_days(&self, story: &str) -> Result<Vec<(String, usize)>> {
        let mut statement =
            self.conn.prepare_cached("SELECT day, articles FROM story_days WHERE story_id = ?1 ORDER BY day")?;
        let rows = statement.query_map([story], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The outlets a story's articles name, in alphabetical order.
    pub fn story_outlets(&self, story: &str) -> Result<Vec<String>> {
        crate::analysis::column(
            &self.conn,
            "SELECT outlet FROM story_outlets WHERE story_id = ?1 ORDER BY outlet",
            [story],
        )
    }
}

/// Quotes in the order of their first report (undated last), then by id.
pub(crate) fn sort_by_first_report(quotes: &mut [MergedQuote]) {
    quotes.sort_by(|a, b| {
        let first = |q: &MergedQuote| q.reports.first().map(|r| (r.published.is_none(), r.published));
        first(a).cmp(&first(b)).then_with(|| a.id.cmp(&b.id))
    });
}
