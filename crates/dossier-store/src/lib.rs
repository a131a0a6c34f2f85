//! Embedded SQLite storage for analysed articles, with versioned migrations.
//!
//! One file holds the whole dossier. Each ingest batch is one transaction, and
//! writing an article that is already stored changes nothing.

use dossier_core::across::analysis::{ArticleFindings, ANALYZER_VERSION};
use dossier_core::capture::format::Format;
use dossier_core::reading::article::Article;
use dossier_core::reading::clean::{Paragraph, Removed};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

mod analysis;
mod checkpoint;
mod groups;
mod reads;
mod search_log;
pub mod sources;
pub use analysis::{AnalysisUpdate, EntitySummary, StoryFindings};
pub use groups::{story_terms, DuplicateGroup, DuplicateMember, StoryListing, StoryRow, StoryTerms};
pub use reads::{ArticleFilter, ListedArticle, StoryMember};
pub use search_log::{IndexChanges, IndexedArticle};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {}", short_message(.0))]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored data is malformed: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the database was written by a newer Dossier (schema version {found}, this build knows up to {known})")]
    TooNew { found: i64, known: i64 },
    #[error("the database is at schema version {found} and this build reads {known}: run `dossier analyze` on it once to upgrade it")]
    NotMigrated { found: i64, known: i64 },
    #[error("{kind} id prefix {prefix:?} matches several {kind}s ({}); give more characters", .matches.join(", "))]
    Ambiguous { kind: &'static str, prefix: String, matches: Vec<String> },
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl StoreError {
    /// A prefix that begins several ids: the first few of them are named.
    pub(crate) fn ambiguous(kind: &'static str, prefix: &str, matches: Vec<String>) -> StoreError {
        StoreError::Ambiguous { kind, prefix: prefix.to_string(), matches }
    }
}

/// An error's message cut to one short line: SQLite errors can quote whole statements.
fn short_message(error: &rusqlite::Error) -> String {
    const LIMIT: usize = 200;
    let message = error.to_string().replace(['\n', '\r'], " ");
    match message.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message,
    }
}

/// How long a writer waits for another writer's transaction before giving up.
const WRITER_WAIT: Duration = Duration::from_secs(600);

/// Schema migrations, applied in order; the database's `user_version` says how many ran.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE articles (
    id           TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    source       TEXT NOT NULL UNIQUE,
    format       TEXT NOT NULL,
    encoding     TEXT NOT NULL,
    language     TEXT,
    title        TEXT,
    outlet       TEXT,
    published    TEXT,
    url          TEXT,
    dateline     TEXT,
    body         TEXT NOT NULL,
    paragraphs   TEXT NOT NULL,
    links        TEXT NOT NULL,
    related      TEXT NOT NULL,
    removed      TEXT NOT NULL,
    provenance   TEXT NOT NULL,
    original     TEXT NOT NULL,
    ingested_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX articles_content_hash ON articles(content_hash);
CREATE INDEX articles_published ON articles(published);
CREATE INDEX articles_outlet ON articles(outlet);
"#,
    r#"
CREATE TABLE fingerprints (
    number     INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL UNIQUE REFERENCES articles(id) ON DELETE CASCADE,
    minhash    BLOB NOT NULL,
    paragraphs BLOB NOT NULL,
    shingles   INTEGER NOT NULL
);
-- Index rows name articles by fingerprint number: two integers a row, one B-tree.
-- An article's rows are found again from its fingerprint when it is re-indexed.
CREATE TABLE lsh_bands (
    band_key INTEGER NOT NULL,
    article  INTEGER NOT NULL,
    PRIMARY KEY (band_key, article)
) WITHOUT ROWID;
CREATE TABLE paragraph_index (
    hash    INTEGER NOT NULL,
    article INTEGER NOT NULL,
    PRIMARY KEY (hash, article)
) WITHOUT ROWID;
CREATE TABLE duplicate_pairs (
    a          TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    b          TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    similarity REAL NOT NULL,
    PRIMARY KEY (a, b)
);
CREATE INDEX duplicate_pairs_b ON duplicate_pairs(b);
CREATE TABLE duplicate_members (
    article_id   TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    canonical_id TEXT NOT NULL,
    kind         TEXT NOT NULL,
    similarity   REAL NOT NULL
);
CREATE TABLE stories (
    id    TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    first TEXT,
    last  TEXT
);
CREATE TABLE story_articles (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    story_id   TEXT NOT NULL,
    position   INTEGER NOT NULL
);
CREATE INDEX story_articles_story ON story_articles(story_id, position);
"#,
    r#"
CREATE TABLE story_vectors (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    vector     BLOB NOT NULL
);
CREATE TABLE story_postings (
    term       INTEGER NOT NULL,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE
);
CREATE INDEX story_postings_term ON story_postings(term);
CREATE INDEX story_postings_article ON story_postings(article_id);
CREATE TABLE term_df (
    term INTEGER PRIMARY KEY,
    df   INTEGER NOT NULL
);
"#,
    r#"
-- The store's generation: bumped by every committed write, recorded by the search
-- index so that an index behind the store is noticed and caught up.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO meta (key, value) VALUES ('generation', 1), ('groups_dirty', 0);
-- Articles written but not yet placed in duplicate groups and stories: a run killed
-- between its article commits and its regrouping leaves them here for the next one.
CREATE TABLE pending_groups (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE
);
CREATE INDEX duplicate_members_canonical ON duplicate_members(canonical_id);
"#,
    r#"
-- What each article says on its own (entities with mentions, quotes with speakers as
-- written), found at ingest by the analyzer of the given version.
CREATE TABLE findings (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    analyzer   INTEGER NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX findings_analyzer ON findings(analyzer);
"#,
    r#"
-- Trigger bodies say NOT EXISTS rather than OR IGNORE: an upsert that fires them
-- imposes its own conflict policy on them.
-- What spans articles, kept current by recomputing only what new articles touch.
-- Each article entity, placed in the dossier entity (component) it belongs to; the
-- component is named by the smallest join key of its members.
CREATE TABLE entity_items (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    local      INTEGER NOT NULL,
    ord        TEXT NOT NULL,
    component  INTEGER NOT NULL,
    surname    INTEGER,
    data       TEXT NOT NULL,
    PRIMARY KEY (article_id, local)
);
CREATE INDEX entity_items_component ON entity_items(component);
CREATE INDEX entity_items_surname ON entity_items(surname) WHERE surname IS NOT NULL;
-- Every form key of every article entity: what a new article's entity can join.
CREATE TABLE entity_keys (
    key        INTEGER NOT NULL,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    local      INTEGER NOT NULL
);
CREATE INDEX entity_keys_key ON entity_keys(key);
CREATE INDEX entity_keys_article ON entity_keys(article_id);
CREATE TABLE entities (
    component INTEGER PRIMARY KEY,
    id        TEXT NOT NULL,
    base      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    mentions  INTEGER NOT NULL,
    articles  INTEGER NOT NULL,
    data      TEXT NOT NULL
);
CREATE INDEX entities_id ON entities(id);
CREATE INDEX entities_base ON entities(base);
CREATE INDEX entities_rank ON entities(articles DESC, id);
CREATE INDEX entities_kind_rank ON entities(kind, articles DESC, id);
-- Components that lost a member: recomputed with the next update.
CREATE TABLE dirty_components (component INTEGER PRIMARY KEY);
CREATE TRIGGER entity_item_gone AFTER DELETE ON entity_items BEGIN
    INSERT INTO dirty_components (component) SELECT old.component WHERE NOT EXISTS (SELECT 1 FROM dirty_components WHERE component = old.component);
END;
-- Articles whose entities are not placed yet (new, or found again by a newer analyzer).
CREATE TABLE pending_analysis (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE
);
INSERT INTO pending_analysis (article_id) SELECT id FROM articles;
-- Each story's merged quotes and events and its members' dated events, with a hash
-- of what they were computed from (members, their dates and outlets, the analyzer).
CREATE TABLE story_analysis (
    story_id TEXT PRIMARY KEY,
    members  TEXT NOT NULL
);
CREATE TABLE merged_quotes (
    id              TEXT PRIMARY KEY,
    story_id        TEXT NOT NULL,
    position        INTEGER NOT NULL,
    speaker_article TEXT,
    speaker_local   INTEGER,
    data            TEXT NOT NULL
);
CREATE INDEX merged_quotes_story ON merged_quotes(story_id, position);
CREATE INDEX merged_quotes_speaker ON merged_quotes(speaker_article, speaker_local);
CREATE TABLE merged_events (
    id       TEXT PRIMARY KEY,
    story_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    actors   TEXT NOT NULL,
    data     TEXT NOT NULL
);
CREATE INDEX merged_events_story ON merged_events(story_id, position);
CREATE TABLE article_events (
    article_id TEXT PRIMARY KEY,
    story_id   TEXT NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX article_events_story ON article_events(story_id);
-- Stories whose members (or their inherited dates and outlets) may have changed.
CREATE TABLE dirty_stories (story_id TEXT PRIMARY KEY);
INSERT INTO dirty_stories (story_id) SELECT id FROM stories;
CREATE TRIGGER story_member_in AFTER INSERT ON story_articles BEGIN
    INSERT INTO dirty_stories (story_id) SELECT new.story_id WHERE NOT EXISTS (SELECT 1 FROM dirty_stories WHERE story_id = new.story_id);
END;
CREATE TRIGGER story_member_out AFTER DELETE ON story_articles BEGIN
    INSERT INTO dirty_stories (story_id) SELECT old.story_id WHERE NOT EXISTS (SELECT 1 FROM dirty_stories WHERE story_id = old.story_id);
END;
CREATE TRIGGER story_member_moved AFTER UPDATE OF story_id ON story_articles
WHEN old.story_id IS NOT new.story_id BEGIN
    INSERT INTO dirty_stories (story_id) SELECT old.story_id
        WHERE NOT EXISTS (SELECT 1 FROM dirty_stories WHERE story_id = old.story_id);
    INSERT INTO dirty_stories (story_id) SELECT new.story_id
        WHERE NOT EXISTS (SELECT 1 FROM dirty_stories WHERE story_id = new.story_id);
END;
CREATE TRIGGER duplicate_member_in AFTER INSERT ON duplicate_members BEGIN
    INSERT INTO dirty_stories (story_id)
        SELECT story_id FROM story_articles WHERE article_id = new.article_id
        AND NOT EXISTS (SELECT 1 FROM dirty_stories d WHERE d.story_id = story_articles.story_id);
END;
CREATE TRIGGER duplicate_member_out AFTER DELETE ON duplicate_members BEGIN
    INSERT INTO dirty_stories (story_id)
        SELECT story_id FROM story_articles WHERE article_id = old.article_id
        AND NOT EXISTS (SELECT 1 FROM dirty_stories d WHERE d.story_id = story_articles.story_id);
END;
CREATE TRIGGER duplicate_member_moved AFTER UPDATE ON duplicate_members BEGIN
    INSERT INTO dirty_stories (story_id)
        SELECT story_id FROM story_articles WHERE article_id = new.article_id
        AND NOT EXISTS (SELECT 1 FROM dirty_stories d WHERE d.story_id = story_articles.story_id);
END;
-- The search index's change log: each document (an article, a quote) whose indexed
-- fields may have changed, in order. An index records how far it has read; it then
-- replaces only the documents logged since.
-- Lists of articles page through them in store order without sorting them all.
CREATE INDEX articles_order ON articles(published IS NULL, published, source);
CREATE TABLE index_changes (
    seq  INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    id   TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('index_pruned', 0);
CREATE TRIGGER index_article_in AFTER INSERT ON articles BEGIN
    INSERT INTO index_changes (kind, id) VALUES ('article', new.id);
END;
CREATE TRIGGER index_article_out AFTER DELETE ON articles BEGIN
    INSERT INTO index_changes (kind, id) VALUES ('article', old.id);
END;
CREATE TRIGGER index_story_in AFTER INSERT ON story_articles BEGIN
    INSERT INTO index_changes (kind, id) VALUES ('article', new.article_id);
END;
CREATE TRIGGER index_story_moved AFTER UPDATE OF story_id ON story_articles
WHEN old.story_id IS NOT new.story_id BEGIN
    INSERT INTO index_changes (kind, id) VALUES ('article', new.article_id);
END;
CREATE TRIGGER index_canonical_in AFTER INSERT ON duplicate_members BEGIN
    INSERT INTO index_changes (kind, id) VALUES ('article', new.article_id);
END;
CREATE TRIGGER index_canonical_out AFTER DELETE ON duplicate_members BEGIN
    INSERT INTO index_changes (kind, id) VALUES ('article', old.article_id);
END;
CREATE TRIGGER index_canonical_moved AFTER UPDATE ON duplicate_members BEGIN
    INSERT INTO index_changes (kind, id) VALUES ('article', new.article_id);
END;
CREATE TRIGGER index_quote_in AFTER INSERT ON merged_quotes BEGIN
    INSERT INTO index_changes (kind, id) VALUES ('quote', new.id);
END;
CREATE TRIGGER index_quote_out AFTER DELETE ON merged_quotes BEGIN
    INSERT INTO index_changes (kind, id) VALUES ('quote', old.id);
END;
"#,
    r#"
-- Each story's size, kept by its members' rows, so that a page of the largest stories
-- is an index walk rather than a count of every story's members.
ALTER TABLE stories ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
UPDATE stories SET size = (SELECT count(*) FROM story_articles s WHERE s.story_id = stories.id);
CREATE INDEX stories_rank ON stories(size DESC, first IS NULL, first, id);
CREATE TRIGGER story_size_in AFTER INSERT ON story_articles BEGIN
    UPDATE stories SET size = size + 1 WHERE id = new.story_id;
END;
CREATE TRIGGER story_size_out AFTER DELETE ON story_articles BEGIN
    UPDATE stories SET size = size - 1 WHERE id = old.story_id;
END;
CREATE TRIGGER story_size_moved AFTER UPDATE OF story_id ON story_articles
WHEN old.story_id IS NOT new.story_id BEGIN
    UPDATE stories SET size = size - 1 WHERE id = old.story_id;
    UPDATE stories SET size = size + 1 WHERE id = new.story_id;
END;
-- An entity's articles newest first and its mentions per day, read from one index.
ALTER TABLE entity_items ADD COLUMN mentions INTEGER NOT NULL DEFAULT 0;
UPDATE entity_items SET mentions = json_extract(data, '$.mentions');
CREATE INDEX entity_items_timeline ON entity_items(component, ord, mentions, article_id);
"#,
    r#"
-- What a page of stories shows, kept by the rows it counts, so that a page costs the
-- stories on it rather than their members: the number of articles, and each story's
-- articles per publication day and per outlet.
INSERT OR REPLACE INTO meta (key, value) VALUES ('articles', (SELECT count(*) FROM articles));
CREATE TRIGGER article_count_in AFTER INSERT ON articles BEGIN
    UPDATE meta SET value = value + 1 WHERE key = 'articles';
END;
CREATE TRIGGER article_count_out AFTER DELETE ON articles BEGIN
    UPDATE meta SET value = value - 1 WHERE key = 'articles';
END;
CREATE TABLE story_days (
    story_id TEXT NOT NULL,
    day      TEXT NOT NULL,
    articles INTEGER NOT NULL,
    PRIMARY KEY (story_id, day)
) WITHOUT ROWID;
CREATE TABLE story_outlets (
    story_id TEXT NOT NULL,
    outlet   TEXT NOT NULL,
    articles INTEGER NOT NULL,
    PRIMARY KEY (story_id, outlet)
) WITHOUT ROWID;
INSERT INTO story_days (story_id, day, articles)
    SELECT s.story_id, a.published, count(*) FROM story_articles s JOIN articles a ON a.id = s.article_id
    WHERE a.published IS NOT NULL GROUP BY s.story_id, a.published;
INSERT INTO story_outlets (story_id, outlet, articles)
    SELECT s.story_id, a.outlet, count(*) FROM story_articles s JOIN articles a ON a.id = s.article_id
    WHERE a.outlet IS NOT NULL GROUP BY s.story_id, a.outlet;
-- A deleted article leaves its story before its row goes (a cascade would run after,
-- when the date and outlet to count down are no longer there to read).
CREATE TRIGGER article_leaves_story BEFORE DELETE ON articles BEGIN
    DELETE FROM story_articles WHERE article_id = old.id;
END;
CREATE TRIGGER story_facets_in AFTER INSERT ON story_articles BEGIN
    INSERT INTO story_days (story_id, day, articles)
        SELECT new.story_id, published, 1 FROM articles WHERE id = new.article_id AND published IS NOT NULL
        ON CONFLICT (story_id, day) DO UPDATE SET articles = articles + 1;
    INSERT INTO story_outlets (story_id, outlet, articles)
        SELECT new.story_id, outlet, 1 FROM articles WHERE id = new.article_id AND outlet IS NOT NULL
        ON CONFLICT (story_id, outlet) DO UPDATE SET articles = articles + 1;
END;
CREATE TRIGGER story_facets_out AFTER DELETE ON story_articles BEGIN
    UPDATE story_days SET articles = articles - 1
        WHERE story_id = old.story_id AND day = (SELECT published FROM articles WHERE id = old.article_id);
    DELETE FROM story_days WHERE story_id = old.story_id AND articles <= 0;
    UPDATE story_outlets SET articles = articles - 1
        WHERE story_id = old.story_id AND outlet = (SELECT outlet FROM articles WHERE id = old.article_id);
    DELETE FROM story_outlets WHERE story_id = old.story_id AND articles <= 0;
END;
CREATE TRIGGER story_facets_moved AFTER UPDATE OF story_id ON story_articles
WHEN old.story_id IS NOT new.story_id BEGIN
    UPDATE story_days SET articles = articles - 1
        WHERE story_id = old.story_id AND day = (SELECT published FROM articles WHERE id = old.article_id);
    DELETE FROM story_days WHERE story_id = old.story_id AND articles <= 0;
    UPDATE story_outlets SET articles = articles - 1
        WHERE story_id = old.story_id AND outlet = (SELECT outlet FROM articles WHERE id = old.article_id);
    DELETE FROM story_outlets WHERE story_id = old.story_id AND articles <= 0;
    INSERT INTO story_days (story_id, day, articles)
        SELECT new.story_id, published, 1 FROM articles WHERE id = new.article_id AND published IS NOT NULL
        ON CONFLICT (story_id, day) DO UPDATE SET articles = articles + 1;
    INSERT INTO story_outlets (story_id, outlet, articles)
        SELECT new.story_id, outlet, 1 FROM articles WHERE id = new.article_id AND outlet IS NOT NULL
        ON CONFLICT (story_id, outlet) DO UPDATE SET articles = articles + 1;
END;
"#,
    r#"
-- What an entity's view shows, kept by the rows it counts, so that the view of an entity
-- named in every other article costs its page, not its mentions: the quotes its people
-- said, by speaker entity in the order of the article naming them, and its mentions per day.
ALTER TABLE merged_quotes ADD COLUMN speaker_component INTEGER;
ALTER TABLE merged_quotes ADD COLUMN speaker_ord TEXT;
UPDATE merged_quotes SET (speaker_component, speaker_ord) = (SELECT component, ord FROM entity_items i
    WHERE i.article_id = merged_quotes.speaker_article AND i.local = merged_quotes.speaker_local);
CREATE INDEX merged_quotes_speaker_entity ON merged_quotes(speaker_component, speaker_ord);
CREATE TRIGGER quote_speaker_in AFTER INSERT ON merged_quotes WHEN new.speaker_article IS NOT NULL BEGIN
    UPDATE merged_quotes SET (speaker_component, speaker_ord) = (SELECT component, ord FROM entity_items i
        WHERE i.article_id = new.speaker_article AND i.local = new.speaker_local) WHERE id = new.id;
END;
CREATE TRIGGER quote_speaker_item_in AFTER INSERT ON entity_items BEGIN
    UPDATE merged_quotes SET speaker_component = new.component, speaker_ord = new.ord
        WHERE speaker_article = new.article_id AND speaker_local = new.local;
END;
CREATE TRIGGER quote_speaker_item_moved AFTER UPDATE OF component ON entity_items BEGIN
    UPDATE merged_quotes SET speaker_component = new.component
        WHERE speaker_article = new.article_id AND speaker_local = new.local;
END;
CREATE TRIGGER quote_speaker_item_out AFTER DELETE ON entity_items BEGIN
    UPDATE merged_quotes SET speaker_component = NULL, speaker_ord = NULL
        WHERE speaker_article = old.article_id AND speaker_local = old.local;
END;
CREATE TABLE entity_days (
    component INTEGER NOT NULL,
    -- '' for articles without a date
    day       TEXT NOT NULL,
    mentions  INTEGER NOT NULL,
    items     INTEGER NOT NULL,
    PRIMARY KEY (component, day)
);
INSERT INTO entity_days (component, day, mentions, items)
    SELECT component, CASE WHEN substr(ord, 1, 1) = '0' THEN substr(ord, 2, 10) ELSE '' END AS day, sum(mentions), count(*)
    FROM entity_items GROUP BY component, day;
CREATE TRIGGER entity_days_in AFTER INSERT ON entity_items BEGIN
    INSERT INTO entity_days (component, day, mentions, items)
        VALUES (new.component, CASE WHEN substr(new.ord, 1, 1) = '0' THEN substr(new.ord, 2, 10) ELSE '' END, new.mentions, 1)
        ON CONFLICT (component, day) DO UPDATE SET mentions = mentions + excluded.mentions, items = items + 1;
END;
CREATE TRIGGER entity_days_out AFTER DELETE ON entity_items BEGIN
    UPDATE entity_days SET mentions = mentions - old.mentions, items = items - 1
        WHERE component = old.component AND day = (CASE WHEN substr(old.ord, 1, 1) = '0' THEN substr(old.ord, 2, 10) ELSE '' END);
    DELETE FROM entity_days WHERE component = old.component AND items <= 0;
END;
CREATE TRIGGER entity_days_moved AFTER UPDATE OF component ON entity_items
WHEN old.component IS NOT new.component BEGIN
    UPDATE entity_days SET mentions = mentions - old.mentions, items = items - 1
        WHERE component = old.component AND day = (CASE WHEN substr(old.ord, 1, 1) = '0' THEN substr(old.ord, 2, 10) ELSE '' END);
    DELETE FROM entity_days WHERE component = old.component AND items <= 0;
    INSERT INTO entity_days (component, day, mentions, items)
        VALUES (new.component, CASE WHEN substr(new.ord, 1, 1) = '0' THEN substr(new.ord, 2, 10) ELSE '' END, new.mentions, 1)
        ON CONFLICT (component, day) DO UPDATE SET mentions = mentions + excluded.mentions, items = items + 1;
END;
"#,
    r#"
-- Names to entities without a visit to every mention: each form key and surname is
-- indexed with the entity it is in, so the entities a name matches are an index walk.
ALTER TABLE entity_keys ADD COLUMN component INTEGER;
UPDATE entity_keys SET component = (SELECT component FROM entity_items i
    WHERE i.article_id = entity_keys.article_id AND i.local = entity_keys.local);
CREATE INDEX entity_keys_component ON entity_keys(key, component);
DROP INDEX entity_items_surname;
CREATE INDEX entity_items_surname ON entity_items(surname, component) WHERE surname IS NOT NULL;
CREATE TRIGGER entity_keys_moved AFTER UPDATE OF component ON entity_items BEGIN
    UPDATE entity_keys SET component = new.component WHERE article_id = new.article_id AND local = new.local;
END;
-- The article list, newest first, walks an index.
CREATE INDEX articles_newest ON articles(published DESC, id);
"#,
    r#"
-- What each entity is made of (vote counts, forms and where each first appears,
-- surnames named in full), and which entities hold each form key and full-name
-- surname: what a new article entity needs to fold into the entity it joins without
-- that entity's other mentions being read. Every entity is recomputed once to fill them.
ALTER TABLE entities ADD COLUMN tally TEXT;
CREATE TABLE form_owners (
    key       INTEGER NOT NULL,
    component INTEGER NOT NULL,
    PRIMARY KEY (key, component)
) WITHOUT ROWID;
CREATE INDEX form_owners_component ON form_owners(component);
CREATE TABLE surname_owners (
    surname   INTEGER NOT NULL,
    component INTEGER NOT NULL,
    PRIMARY KEY (surname, component)
) WITHOUT ROWID;
CREATE INDEX surname_owners_component ON surname_owners(component);
INSERT OR IGNORE INTO dirty_components (component) SELECT component FROM entities;
"#,
    // 12: the reference each article's dated events were resolved against, so that a
    // story's next analysis keeps the events of members whose reference is unchanged
    // (NULL: not known, found again).
    r#"
ALTER TABLE article_events ADD COLUMN reference TEXT;
"#,
    // 13: a story member's position is its day number (undated last) with its id
    // breaking ties, so that a new member is placed without renumbering the others.
    r#"
UPDATE story_articles SET position = coalesce((SELECT CAST(julianday(published) AS INTEGER) FROM articles
    WHERE id = story_articles.article_id), 9223372036854775807);
DROP INDEX story_articles_story;
CREATE INDEX story_articles_story ON story_articles(story_id, position, article_id);
"#,
    // 14: the sources `dossier follow` polls (feeds, sitemaps, pages, folders), with
    // what their servers said about the last version read and how the last checks went.
    r#"
CREATE TABLE sources (
    id            INTEGER PRIMARY KEY,
    location      TEXT NOT NULL UNIQUE,
    every_seconds INTEGER NOT NULL,
    added         INTEGER NOT NULL,
    next_check    INTEGER NOT NULL,
    last_checked  INTEGER,
    last_new      INTEGER,
    articles      INTEGER NOT NULL DEFAULT 0,
    failures      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    etag          TEXT,
    last_modified TEXT
);
CREATE INDEX sources_due ON sources(next_check);
"#,
    // 15: a term's postings stored together, newest last (`seq` is the article's row in
    // `story_vectors`, its arrival order), so the newest postings of a term are one
    // range read instead of one table seek per posting.
    r#"
CREATE TABLE story_postings_by_term (
    term       INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    PRIMARY KEY (term, seq)
) WITHOUT ROWID;
INSERT OR IGNORE INTO story_postings_by_term (term, seq, article_id)
    SELECT p.term, v.rowid, p.article_id FROM story_postings p JOIN story_vectors v ON v.article_id = p.article_id;
DROP TABLE story_postings;
ALTER TABLE story_postings_by_term RENAME TO story_postings;
CREATE INDEX story_postings_article ON story_postings(article_id);
"#,
    // 16: each story's members' vectors summed (its heaviest terms), so that a new
    // article is compared with every member of a large story at once. A story that
    // loses or swaps a member loses its row, and it is summed again when next needed.
    r#"
CREATE TABLE story_centroids (
    story_id TEXT PRIMARY KEY,
    vector   BLOB NOT NULL
);
CREATE TRIGGER story_centroid_out AFTER DELETE ON story_articles BEGIN
    DELETE FROM story_centroids WHERE story_id = old.story_id;
END;
CREATE TRIGGER story_centroid_moved AFTER UPDATE OF story_id ON story_articles
WHEN old.story_id IS NOT new.story_id BEGIN
    DELETE FROM story_centroids WHERE story_id IN (old.story_id, new.story_id);
END;
"#,
    // Indexes that lead with the columns of a wider index: every lookup they served
    // the wider one serves, and each cost a write per row (15 per article).
    r#"
DROP INDEX IF EXISTS entity_keys_key;
DROP INDEX IF EXISTS entity_items_component;
DROP INDEX IF EXISTS articles_published;
"#,
    // Each placed article's story by its arrival sequence (its `story_vectors` row),
    // the lookup a new article's shortlist makes 200 times: reaching it through
    // `story_vectors`, whose vectors make every row a page of its own at a million
    // articles, and then `story_articles` read two large tables at random; this one is
    // tens of MB and stays cached. Kept by triggers on both tables, in either order.
    r#"
CREATE TABLE story_seq (
    seq      INTEGER PRIMARY KEY,
    story_id TEXT NOT NULL
);
INSERT INTO story_seq (seq, story_id)
    SELECT v.rowid, s.story_id FROM story_articles s JOIN story_vectors v ON v.article_id = s.article_id;
CREATE TRIGGER story_seq_member_in AFTER INSERT ON story_articles BEGIN
    INSERT OR REPLACE INTO story_seq (seq, story_id)
        SELECT rowid, new.story_id FROM story_vectors WHERE article_id = new.article_id;
END;
CREATE TRIGGER story_seq_member_moved AFTER UPDATE OF story_id ON story_articles
WHEN old.story_id IS NOT new.story_id BEGIN
    UPDATE story_seq SET story_id = new.story_id
        WHERE seq = (SELECT rowid FROM story_vectors WHERE article_id = new.article_id);
END;
CREATE TRIGGER story_seq_member_out AFTER DELETE ON story_articles BEGIN
    DELETE FROM story_seq WHERE seq = (SELECT rowid FROM story_vectors WHERE article_id = old.article_id);
END;
CREATE TRIGGER story_seq_vector_in AFTER INSERT ON story_vectors BEGIN
    INSERT OR REPLACE INTO story_seq (seq, story_id)
        SELECT new.rowid, story_id FROM story_articles WHERE article_id = new.article_id;
END;
CREATE TRIGGER story_seq_vector_out AFTER DELETE ON story_vectors BEGIN
    DELETE FROM story_seq WHERE seq = old.rowid;
END;
"#,
];

/// Prepared statements kept per connection: more than any one task uses.
pub(crate) const STATEMENT_CACHE: usize = 256;

/// Keeps a connection's cached statements prepared. Without the query planner
/// stability guarantee, SQLite marks a statement whose plan looked at a bound value
/// (a `LIMIT ?`, a join it could narrow by a parameter) to be prepared again whenever
/// its parameters are cleared, which rusqlite does each time a cached statement is
/// returned: placing 200 articles prepared the same story lookup 11,000 times. Our
/// queries are written for the indexes they use, so the bound values never need to
/// change a plan.
pub(crate) fn keep_statements_prepared(conn: &Connection) -> Result<()> {
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

fn article_count(conn: &Connection) -> Result<usize> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = 'articles'", [], |r| r.get::<_, i64>(0))?.max(0) as usize)
}

/// What writing one article did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    Inserted,
    /// The same source with the same text was already stored.
    Unchanged,
    /// The source was stored with other text; the old version was replaced.
    Replaced,
}

pub struct Store {
    conn: Connection,
    /// Copies the log into the database behind the writer; None in memory.
    checkpointer: Option<checkpoint::Checkpointer>,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store> {
        let conn = Connection::open(path)?;
        // Before anything that takes a lock: a second writer waits instead of failing.
        conn.busy_timeout(WRITER_WAIT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Index probes on a large store hit the page cache; SQLite's default of 2 MB
        // makes every probe of a million-article index a read from the OS.
        conn.pragma_update(None, "cache_size", -131_072)?;
        // Each article is written inside a savepoint, whose journal of page images would
        // otherwise be a temporary file written for every article.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // After the migrations: the checkpoint thread opens its own connection, which
        // must not find the schema half made.
        let mut store = Store::init(conn)?;
        store.checkpointer = checkpoint::Checkpointer::start(path, &store.conn);
        Ok(store)
    }

    pub fn open_in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Store> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Writing one article uses a few dozen statements; rusqlite's default cache of
        // 16 made every article parse most of them again.
        keep_statements_prepared(&conn)?;
        let mut store = Store { conn, checkpointer: None };
        store.migrate()?;
        Ok(store)
    }

    /// The store's file; None for a store in memory.
    pub fn path(&self) -> Option<&Path> {
        self.conn.path().filter(|p| !p.is_empty()).map(Path::new)
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    fn migrate(&mut self) -> Result<()> {
        let current = self.schema_version()?;
        let known = MIGRATIONS.len() as i64;
        if current > known {
            return Err(StoreError::TooNew { found: current, known });
        }
        if current == known {
            return Ok(());
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have migrated while this one waited for the lock.
        let current: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", index as i64 + 1)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Starts a batch: everything written through it lands together or not at all.
    /// It takes the write lock at once (waiting for another writer to finish), so
    /// two writers queue instead of one failing when it upgrades a read.
    pub fn batch(&mut self) -> Result<Batch<'_>> {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.restart_long_log(&self.conn);
        }
        Ok(Batch {
            tx: self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?,
            checkpointer: self.checkpointer.as_ref(),
            dirty: false,
            term_df: groups::TermFrequencies::default(),
            story_members: groups::MemberCache::default(),
            story_centroids: groups::CentroidCache::default(),
        })
    }

    /// The store's generation: it grows with every committed write.
    pub fn generation(&self) -> Result<i64> {
        meta_value(&self.conn, "generation")
    }

    /// Each article's own findings, as stored by the running analyzer's version (older
    /// ones are left out: see [`Store::stale_findings`]).
    pub fn findings(&self) -> Result<HashMap<String, ArticleFindings>> {
        let mut statement = self.conn.prepare("SELECT article_id, data FROM findings WHERE analyzer = ?1")?;
        let rows = statement.query_map([ANALYZER_VERSION], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut found = HashMap::new();
        for row in rows {
            let (id, data) = row?;
            found.insert(id, serde_json::from_str(&data)?);
        }
        Ok(found)
    }

    /// The articles whose findings are missing or were found by another analyzer version,
    /// in storage order: reading them in that order is sequential, where id order would
    /// read a large store at random (on disk, a hundred times slower).
    pub fn stale_findings(&self) -> Result<Vec<String>> {
        // Two index counts answer the usual case (none) without reading every article.
        let current: i64 =
            self.conn
                .query_row("SELECT count(*) FROM findings WHERE analyzer = ?1", [ANALYZER_VERSION], |r| r.get(0))?;
        if current as usize == self.count()? {
            return Ok(Vec::new());
        }
        // One pass over the findings in storage order (through their analyzer index each
        // row would be read at random), then one over the article ids' index.
        let mut fresh: HashSet<String> = HashSet::with_capacity(current as usize);
        let mut statement = self.conn.prepare("SELECT article_id, analyzer FROM findings")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            if row.get::<_, i64>(1)? == ANALYZER_VERSION {
                fresh.insert(row.get(0)?);
            }
        }
        let mut statement = self.conn.prepare("SELECT rowid, id FROM articles")?;
        let mut stale: Vec<(i64, String)> = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .filter(|row| row.as_ref().map_or(true, |(_, id): &(i64, String)| !fresh.contains(id)))
            .collect::<rusqlite::Result<_>>()?;
        stale.sort_unstable();
        Ok(stale.into_iter().map(|(_, id)| id).collect())
    }

    /// Articles written but not yet placed in duplicate groups and stories.
    pub fn pending_count(&self) -> Result<usize> {
        Ok(self.conn.query_row("SELECT count(*) FROM pending_groups", [], |r| r.get::<_, i64>(0))? as usize)
    }

    /// How many articles the store holds: a counter the writes keep, not a count of rows.
    pub fn count(&self) -> Result<usize> {
        article_count(&self.conn)
    }

    /// All articles, oldest publication first (unknown dates last), then by source.
    pub fn articles(&self) -> Result<Vec<Article>> {
        let sql = format!("SELECT {COLUMNS} FROM articles ORDER BY published IS NULL, published, source");
        let mut statement = self.conn.prepare(&sql)?;
        let rows = statement.query_map([], read_row)?;
        rows.map(|row| row?.into_article()).collect()
    }

    /// One page of articles in store order (as [`Store::articles`]), each with what it
    /// inherits from its canonical copy, and how many articles there are: ids are
    /// sorted, then only the page's articles are read.
    pub fn article_page(&self, limit: usize, offset: usize) -> Result<(Vec<Article>, usize)> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id FROM articles ORDER BY published IS NULL, published, source LIMIT ?1 OFFSET ?2",
        )?;
        let ids: Vec<String> = statement
            .query_map(params![crate::sql_count(limit), crate::sql_count(offset)], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut page = Vec::with_capacity(ids.len());
        for id in ids {
            page.extend(analysis::inherited_article(&self.conn, &id)?);
        }
        Ok((page, self.count()?))
    }

    /// The article whose id is `id` or starts with it.
    pub fn article(&self, id: &str) -> Result<Option<Article>> {
        article_by_id(&self.conn, id)
    }
}

/// The article whose id is `id` or starts with it, read through any connection or transaction.
/// Both are index lookups: an exact id first, then the range of ids the prefix begins.
fn article_by_id(conn: &Connection, id: &str) -> Result<Option<Article>> {
    let exact = format!("SELECT {COLUMNS} FROM articles WHERE id = ?1");
    if let Some(row) = conn.prepare_cached(&exact)?.query_row([id], read_row).optional()? {
        return row.into_article().map(Some);
    }
    if id.is_empty() {
        return Ok(None);
    }
    let ranged = format!("SELECT {COLUMNS} FROM articles WHERE id > ?1 AND id < ?2 ORDER BY id LIMIT 2");
    let end = format!("{id}{}", char::MAX);
    let mut statement = conn.prepare_cached(&ranged)?;
    let mut rows: Vec<StoredRow> =
        statement.query_map(params![id, end], read_row)?.collect::<std::result::Result<_, _>>()?;
    if rows.len() > 1 {
        return Err(StoreError::ambiguous("article", id, rows.into_iter().map(|r| r.id).collect()));
    }
    rows.pop().map(StoredRow::into_article).transpose()
}

/// A count or offset as SQLite takes it: a page past any end stays past it (a plain
/// cast would wrap to a negative number, which SQLite reads as none).
pub(crate) fn sql_count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(crate) fn meta_value(conn: &Connection, key: &str) -> Result<i64> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?.unwrap_or(0))
}

pub struct Batch<'a> {
    tx: Transaction<'a>,
    checkpointer: Option<&'a checkpoint::Checkpointer>,
    /// Whether anything was written (a commit then bumps the generation).
    dirty: bool,
    /// Story terms' document frequencies as this batch sees them, written at commit.
    term_df: groups::TermFrequencies,
    story_members: groups::MemberCache,
    story_centroids: groups::CentroidCache,
}

/// What writing one article with its indexes did, or why it was left out.
#[derive(Debug)]
pub enum ArticleWrite {
    Written(WriteOutcome),
    /// The article could not be stored; nothing of it was kept and the batch goes on.
    Refused(String),
}

/// The most paragraphs one article may have: a document beyond this is a book or a
/// machine-made file, and is refused with a message rather than slowing every reader.
pub const MAX_PARAGRAPHS: usize = 50_000;
/// The most body text one article may have.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

impl Batch<'_> {
    /// Writes an article with its duplicate fingerprint and story terms, and marks it
    /// for regrouping: all of it or, on any error, none of it (the rest of the batch
    /// is kept, and the reason is returned).
    pub fn write_indexed(
        &mut self,
        article: &Article,
        fingerprint: &dossier_core::across::fingerprint::Fingerprint,
        findings: &ArticleFindings,
        terms: StoryTerms,
    ) -> Result<ArticleWrite> {
        if let Some(reason) = too_large(article) {
            return Ok(ArticleWrite::Refused(reason));
        }
        // Cached statements: a savepoint per article must not cost a parse per article.
        self.tx.prepare_cached("SAVEPOINT article")?.execute([])?;
        match self.write_indexed_unguarded(article, fingerprint, findings, terms) {
            Ok(outcome) => {
                self.tx.prepare_cached("RELEASE article")?.execute([])?;
                Ok(ArticleWrite::Written(outcome))
            }
            Err(error) => {
                self.tx.prepare_cached("ROLLBACK TO article")?.execute([])?;
                self.tx.prepare_cached("RELEASE article")?.execute([])?;
                Ok(ArticleWrite::Refused(format!("could not be stored: {error}")))
            }
        }
    }

    fn write_indexed_unguarded(
        &mut self,
        article: &Article,
        fingerprint: &dossier_core::across::fingerprint::Fingerprint,
        findings: &ArticleFindings,
        terms: StoryTerms,
    ) -> Result<WriteOutcome> {
        let outcome = self.write(article)?;
        if outcome != WriteOutcome::Unchanged {
            self.write_findings(&article.id, findings)?;
            self.index_duplicates(article, fingerprint)?;
            self.tx
                .prepare_cached("INSERT OR IGNORE INTO pending_groups (article_id) VALUES (?1)")?
                .execute([&article.id])?;
            // Last: its terms are counted in memory once all of its rows are written.
            self.index_counted_terms(article, terms)?;
        }
        Ok(outcome)
    }

    /// Stores what an article says on its own, found by the running analyzer.
    pub fn write_findings(&mut self, id: &str, findings: &ArticleFindings) -> Result<()> {
        self.tx
            .prepare_cached("INSERT OR REPLACE INTO findings (article_id, analyzer, data) VALUES (?1, ?2, ?3)")?
            .execute(params![id, ANALYZER_VERSION, serde_json::to_string(findings)?])?;
        // Its entities are placed again, and its story's analysis redone, by the next update.
        self.tx.prepare_cached("INSERT OR IGNORE INTO pending_analysis (article_id) VALUES (?1)")?.execute([id])?;
        self.dirty = true;
        Ok(())
    }

    /// The articles waiting to be regrouped, and whether groups must be rebuilt in
    /// full (an article was replaced, so a group may have lost a member).
    pub fn pending(&self) -> Result<(Vec<String>, bool)> {
        // In arrival order: the order stories grow in, and the order rows lie on disk.
        let mut statement = self.tx.prepare(
            "SELECT p.article_id FROM pending_groups p LEFT JOIN articles a ON a.id = p.article_id
             ORDER BY a.rowid, p.article_id",
        )?;
        let ids = statement.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
        Ok((ids, meta_value(&self.tx, "groups_dirty")? != 0))
    }

    /// Marks the pending articles as regrouped.
    pub fn clear_pending(&mut self) -> Result<()> {
        self.tx.execute("DELETE FROM pending_groups", [])?;
        self.mark_groups_clean()
    }

    /// Marks the duplicate groups as up to date while articles still wait for their
    /// stories (a large pending set is placed in stories over several transactions).
    pub fn mark_groups_clean(&mut self) -> Result<()> {
        self.tx.execute("UPDATE meta SET value = 0 WHERE key = 'groups_dirty'", [])?;
        self.dirty = true;
        Ok(())
    }

    /// Marks these pending articles as placed in their stories.
    pub fn clear_pending_of(&mut self, ids: &[String]) -> Result<()> {
        let mut statement = self.tx.prepare_cached("DELETE FROM pending_groups WHERE article_id = ?1")?;
        for id in ids {
            statement.execute([id])?;
        }
        self.dirty = true;
        Ok(())
    }

    /// Whether an article from this source (a file, a record, a fetched address) is stored.
    pub fn has_source(&self, source: &str) -> Result<bool> {
        Ok(self
            .tx
            .prepare_cached("SELECT 1 FROM articles WHERE source = ?1")?
            .query_row([source], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// How many articles are stored, as this batch sees them.
    pub fn count(&self) -> Result<usize> {
        article_count(&self.tx)
    }

    /// An article as written so far in this batch.
    pub fn article(&self, id: &str) -> Result<Option<Article>> {
        article_by_id(&self.tx, id)
    }

    /// Whether this article is stored already: the same source with the same text.
    pub fn is_stored(&self, article: &Article) -> Result<bool> {
        Ok(self
            .tx
            .prepare_cached("SELECT 1 FROM articles WHERE source = ?1 AND id = ?2")?
            .query_row([&article.source, &article.id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    pub fn write(&mut self, article: &Article) -> Result<WriteOutcome> {
        let existing: Option<String> = self
            .tx
            .prepare_cached("SELECT id FROM articles WHERE source = ?1")?
            .query_row([&article.source], |r| r.get(0))
            .optional()?;
        let outcome = match existing {
            Some(id) if id == article.id => return Ok(WriteOutcome::Unchanged),
            Some(id) => {
                self.unindex(&id)?;
                self.tx.execute("DELETE FROM articles WHERE id = ?1", [id])?;
                self.tx.execute("UPDATE meta SET value = 1 WHERE key = 'groups_dirty'", [])?;
                WriteOutcome::Replaced
            }
            None => WriteOutcome::Inserted,
        };
        self.dirty = true;
        self.tx.prepare_cached(
            "INSERT INTO articles (id, content_hash, source, format, encoding, language, title, outlet, published, url, dateline, body, paragraphs, links, related, removed, provenance, original)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)")?.execute(
            params![
                article.id,
                article.content_hash,
                article.source,
                article.format.as_str(),
                article.encoding,
                article.language,
                article.title,
                article.outlet,
                article.published.map(|d| d.format("%Y-%m-%d").to_string()),
                article.url,
                article.dateline,
                article.text(),
                serde_json::to_string(&article.paragraphs)?,
                serde_json::to_string(&article.links)?,
                serde_json::to_string(&article.related)?,
                serde_json::to_string(&article.removed)?,
                serde_json::to_string(&article.provenance)?,
                article.original,
            ],
        )?;
        Ok(outcome)
    }

    /// Commits the batch; a batch that wrote anything moves the store to its next generation.
    pub fn commit(mut self) -> Result<()> {
        self.term_df.write(&self.tx)?;
        if self.dirty {
            self.tx.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'", [])?;
        }
        self.tx.commit()?;
        if let Some(checkpointer) = self.checkpointer {
            checkpointer.nudge();
        }
        Ok(())
    }

    /// Records that this batch changed the store (group and story rewrites).
    pub(crate) fn touch(&mut self) {
        self.dirty = true;
    }
}

/// Why an article is too large to store, if it is.
fn too_large(article: &Article) -> Option<String> {
    let body = dossier_core::text::body_len(article.paragraphs.iter().map(|p| p.text.as_str()));
    if article.paragraphs.len() > MAX_PARAGRAPHS {
        Some(format!(
            "too large for one article ({} paragraphs; the limit is {MAX_PARAGRAPHS})",
            article.paragraphs.len()
        ))
    } else if body > MAX_BODY_BYTES {
        Some(format!(
            "too large for one article ({} MiB of text; the limit is {} MiB)",
            body >> 20,
            MAX_BODY_BYTES >> 20
        ))
    } else {
        None
    }
}

const COLUMNS: &str = "id, content_hash, source, format, encoding, language, title, outlet, published, url, dateline, paragraphs, links, related, removed, provenance, original";

struct StoredRow {
    id: String,
    content_hash: String,
    source: String,
    format: String,
    encoding: String,
    language: Option<String>,
    title: Option<String>,
    outlet: Option<String>,
    published: Option<String>,
    url: Option<String>,
    dateline: Option<String>,
    json: [String; 5],
    original: String,
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<StoredRow> {
    Ok(StoredRow {
        id: row.get(0)?,
        content_hash: row.get(1)?,
        source: row.get(2)?,
        format: row.get(3)?,
        encoding: row.get(4)?,
        language: row.get(5)?,
        title: row.get(6)?,
        outlet: row.get(7)?,
        published: row.get(8)?,
        url: row.get(9)?,
        dateline: row.get(10)?,
        json: [row.get(11)?, row.get(12)?, row.get(13)?, row.get(14)?, row.get(15)?],
        original: row.get(16)?,
    })
}

impl StoredRow {
    fn into_article(self) -> Result<Article> {
        let [paragraphs, links, related, removed, provenance] = self.json;
        let paragraphs: Vec<Paragraph> = serde_json::from_str(&paragraphs)?;
        let removed: Vec<Removed> = serde_json::from_str(&removed)?;
        Ok(Article {
            id: self.id,
            content_hash: self.content_hash,
            source: self.source,
            format: Format::parse(&self.format).unwrap_or(Format::Text),
            encoding: self.encoding,
            language: self.language,
            title: self.title,
            outlet: self.outlet,
            published: self.published.and_then(|d| d.parse().ok()),
            url: self.url,
            dateline: self.dateline,
            paragraphs,
            links: serde_json::from_str(&links)?,
            related: serde_json::from_str(&related)?,
            removed,
            provenance: serde_json::from_str(&provenance)?,
            original: self.original,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dossier_core::reading::article::analyze_file;

    fn article(source: &str, text: &str) -> Article {
        analyze_file(source, text.as_bytes()).unwrap().articles.remove(0)
    }

    #[test]
    fn round_trips_articles_and_is_idempotent() {
        let mut store = Store::open_in_memory().unwrap();
        let a = article("a.txt", "A Title Here\n\nMarch 3, 2021\n\nBody text of the first article.");
        let mut batch = store.batch().unwrap();
        assert_eq!(batch.write(&a).unwrap(), WriteOutcome::Inserted);
        assert_eq!(batch.write(&a).unwrap(), WriteOutcome::Unchanged);
        batch.commit().unwrap();
        assert_eq!(store.count().unwrap(), 1);
        let loaded = store.article(&a.id[..6]).unwrap().unwrap();
        assert_eq!(loaded, a);
    }

    #[test]
    fn a_changed_source_replaces_its_old_version() {
        let mut store = Store::open_in_memory().unwrap();
        let mut batch = store.batch().unwrap();
        batch.write(&article("a.txt", "Body one.")).unwrap();
        assert_eq!(batch.write(&article("a.txt", "Body two.")).unwrap(), WriteOutcome::Replaced);
        batch.commit().unwrap();
        let all = store.articles().unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].text(), "Body two.");
    }

    #[test]
    fn an_uncommitted_batch_leaves_nothing() {
        let mut store = Store::open_in_memory().unwrap();
        {
            let mut batch = store.batch().unwrap();
            batch.write(&article("a.txt", "Body one.")).unwrap();
        }
        assert_eq!(store.count().unwrap(), 0);
    }

    #[test]
    fn incremental_group_updates_match_a_full_rebuild() {
        use dossier_core::across::fingerprint::fingerprint;
        let body = "The first paragraph of the story has enough words to count here.\n\nThe second paragraph also has more than enough words to count.\n\nA third paragraph closes it with a few more words to go.";
        let titled = format!("A Headline Here\n\n{body}");
        let wrapped = body.replace(" words", "\nwords");
        let other = "Something else entirely, about football and the weather, with its own words.";
        let mut groups = Vec::new();
        for incremental in [false, true] {
            let mut store = Store::open_in_memory().unwrap();
            let mut batch = store.batch().unwrap();
            let mut ids = Vec::new();
            for (source, text) in [("a.txt", titled.as_str()), ("b.txt", other), ("c.txt", wrapped.as_str())] {
                let a = article(source, text);
                batch.write(&a).unwrap();
                batch.index_duplicates(&a, &fingerprint(a.paragraphs.iter().map(|p| p.text.as_str()))).unwrap();
                ids.push(a.id);
            }
            if incremental {
                batch.update_duplicate_groups(&[ids[2].as_str()]).unwrap();
            } else {
                batch.rebuild_duplicate_groups().unwrap();
            }
            batch.commit().unwrap();
            groups.push(store.duplicate_groups().unwrap());
        }
        assert_eq!(groups[0], groups[1]);
        assert_eq!(groups[0].len(), 1);
        assert_eq!(groups[0][0].members.len(), 1);
    }

    #[test]
    fn replacing_an_article_leaves_no_stale_index_rows() {
        use dossier_core::across::fingerprint::{fingerprint, BANDS};
        let mut store = Store::open_in_memory().unwrap();
        let versions = [
            "First version of the story, with a paragraph long enough to index.\n\nAnd a second paragraph that is long enough as well.",
            "Second version of the story, with a paragraph long enough to index.\n\nAnd another second paragraph, also long enough here.",
        ];
        let mut paragraphs = 0;
        for text in versions {
            let a = article("a.txt", text);
            let print = fingerprint(a.paragraphs.iter().map(|p| p.text.as_str()));
            paragraphs = print.paragraphs.len() as i64;
            let mut batch = store.batch().unwrap();
            batch.write(&a).unwrap();
            batch.index_duplicates(&a, &print).unwrap();
            batch.commit().unwrap();
        }
        let count = |table: &str| {
            store.conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get::<_, i64>(0)).unwrap()
        };
        assert!(paragraphs > 0);
        assert_eq!(
            (count("fingerprints"), count("lsh_bands"), count("paragraph_index")),
            (1, BANDS as i64, paragraphs)
        );
    }

    fn findings_of(a: &Article) -> ArticleFindings {
        dossier_core::across::analysis::extract(a.paragraphs.iter().map(|p| p.text.as_str()))
    }

    #[test]
    fn findings_are_stored_with_their_analyzer_and_stale_ones_listed() {
        use dossier_core::across::fingerprint::fingerprint;
        let mut store = Store::open_in_memory().unwrap();
        let a = article("/in/a.txt", "A Headline\n\n\"We will answer,\" Sergei Ryabkov said on Monday in Moscow.");
        let mut batch = store.batch().unwrap();
        let print = fingerprint(a.paragraphs.iter().map(|p| p.text.as_str()));
        batch.write_indexed(&a, &print, &findings_of(&a), story_terms(&a)).unwrap();
        batch.commit().unwrap();
        let stored = store.findings().unwrap();
        assert_eq!(stored[&a.id], findings_of(&a));
        assert_eq!(stored[&a.id].quotes.len(), 1);
        assert!(store.stale_findings().unwrap().is_empty());
        store.conn.execute("UPDATE findings SET analyzer = 0", []).unwrap();
        assert!(store.findings().unwrap().is_empty(), "an older analyzer's findings are not read");
        assert_eq!(store.stale_findings().unwrap(), vec![a.id.clone()]);
    }

    /// Writes `count` articles made by `text_of` through the indexed path, then regroups them.
    fn store_with(count: usize, text_of: impl Fn(usize) -> String) -> Store {
        use dossier_core::across::fingerprint::fingerprint;
        let mut store = Store::open_in_memory().unwrap();
        let mut batch = store.batch().unwrap();
        for i in 0..count {
            let a = article(&format!("/in/{i:05}.txt"), &text_of(i));
            let print = fingerprint(a.paragraphs.iter().map(|p| p.text.as_str()));
            assert!(matches!(
                batch.write_indexed(&a, &print, &findings_of(&a), story_terms(&a)).unwrap(),
                ArticleWrite::Written(_)
            ));
        }
        let (pending, _) = batch.pending().unwrap();
        let ids: Vec<&str> = pending.iter().map(String::as_str).collect();
        batch.update_duplicate_groups(&ids).unwrap();
        batch.clear_pending().unwrap();
        batch.commit().unwrap();
        store
    }

    fn pair_rows(store: &Store) -> i64 {
        store.conn.query_row("SELECT count(*) FROM duplicate_pairs", [], |r| r.get(0)).unwrap()
    }

    const STORY: &str = "The first paragraph of the copied story has enough words to be counted here.\n\nThe second paragraph of the story adds more words so that copies are found.\n\nA third paragraph ends it with a few more words for good measure.";

    #[test]
    fn a_new_story_analysis_queues_every_story_once() {
        let mut store = store_with(3, |i| format!("Headline {i}\n\n{STORY}"));
        let mut batch = store.batch().unwrap();
        batch.rebuild_stories(0.5).unwrap();
        batch.commit().unwrap();
        let stories = store.story_count().unwrap();
        assert!(stories > 0);
        let dirty = |store: &Store| -> i64 {
            store.conn.query_row("SELECT count(*) FROM dirty_stories", [], |r| r.get(0)).unwrap()
        };
        store.conn.execute("DELETE FROM dirty_stories", []).unwrap();
        assert_eq!(store.queue_stale_stories().unwrap(), stories, "a store made before the version was kept");
        assert_eq!(dirty(&store), stories as i64);
        store.conn.execute("DELETE FROM dirty_stories", []).unwrap();
        assert_eq!(store.queue_stale_stories().unwrap(), 0, "queued once per version");
        store.conn.execute("UPDATE meta SET value = value - 1 WHERE key = 'story_analysis'", []).unwrap();
        assert_eq!(store.queue_stale_stories().unwrap(), stories, "another version");
        assert_eq!(dirty(&store), stories as i64);
    }

    #[test]
    fn exact_copies_are_grouped_by_hash_not_paired() {
        let copies = 1000;
        let store = store_with(copies, |_| format!("Copied Headline\n\n{STORY}"));
        // Each copy links to one stored copy: linear, where all pairs would be 499,500.
        assert_eq!(pair_rows(&store), copies as i64 - 1);
        let groups = store.duplicate_groups().unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].members.len(), copies - 1);
    }

    #[test]
    fn near_copies_are_linked_to_a_bounded_number_of_others() {
        let copies = 600;
        let store = store_with(copies, |i| format!("Near Headline\n\n{STORY} Variant number {i}."));
        let pairs = pair_rows(&store);
        assert!(pairs <= (copies * 2 * groups::MAX_CANDIDATES) as i64, "{pairs} pairs");
        let groups = store.duplicate_groups().unwrap();
        assert_eq!((groups.len(), groups[0].members.len()), (1, copies - 1));
    }

    #[test]
    fn a_refused_article_leaves_the_batch_intact() {
        use dossier_core::across::fingerprint::fingerprint;
        let mut store = Store::open_in_memory().unwrap();
        let mut batch = store.batch().unwrap();
        let small = article("/in/small.txt", "A Headline\n\nA small article body.");
        let body: Vec<String> = (0..MAX_PARAGRAPHS + 1).map(|i| format!("Paragraph {i} here.")).collect();
        let huge = article("/in/huge.txt", &format!("A Headline\n\n{}", body.join("\n\n")));
        for a in [&small, &huge] {
            let print = fingerprint(a.paragraphs.iter().map(|p| p.text.as_str()));
            let written = batch.write_indexed(a, &print, &findings_of(a), story_terms(a)).unwrap();
            assert_eq!(matches!(written, ArticleWrite::Refused(_)), a.source.contains("huge"), "{written:?}");
        }
        batch.commit().unwrap();
        assert_eq!(store.count().unwrap(), 1);
        assert_eq!(store.pending_count().unwrap(), 1);
    }

    #[test]
    fn commits_that_write_move_the_generation() {
        let mut store = Store::open_in_memory().unwrap();
        let before = store.generation().unwrap();
        store.batch().unwrap().commit().unwrap();
        assert_eq!(store.generation().unwrap(), before, "an empty batch changes nothing");
        let mut batch = store.batch().unwrap();
        batch.write(&article("/in/a.txt", "Body one.")).unwrap();
        batch.commit().unwrap();
        assert_eq!(store.generation().unwrap(), before + 1);
    }

    #[test]
    fn migrations_run_once_and_refuse_newer_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        Store::open(&path).unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        store.conn.pragma_update(None, "user_version", 99).unwrap();
        drop(store);
        assert!(matches!(Store::open(&path), Err(StoreError::TooNew { found: 99, .. })));
    }
}
