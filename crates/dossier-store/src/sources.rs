//! The sources `dossier follow` keeps polling: where each is, how often, how its last
//! checks went (failures back off), and what its server said about the version last
//! read (ETag, Last-Modified) so that an unchanged page costs a 304.

use crate::{Result, Store};
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

/// A followed source, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub id: i64,
    /// A web address (feed, sitemap, page) or a folder's path.
    pub location: String,
    pub every_seconds: i64,
    /// Unix seconds.
    pub added: i64,
    pub next_check: i64,
    pub last_checked: Option<i64>,
    /// When a check last found something new.
    pub last_new: Option<i64>,
    /// Articles its checks have stored.
    pub articles: i64,
    /// Failed checks in a row.
    pub failures: i64,
    pub last_error: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// How one check of a source went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// Read (or unchanged): how many new articles it gave, and the server's validators.
    Done { new_articles: i64, etag: Option<String>, last_modified: Option<String> },
    /// Failed: why, and when to try again.
    Failed { error: String, retry_at: i64 },
}

const COLUMNS: &str =
    "id, location, every_seconds, added, next_check, last_checked, last_new, articles, failures, last_error, etag, last_modified";

fn source_row(row: &Row<'_>) -> rusqlite::Result<Source> {
    Ok(Source {
        id: row.get(0)?,
        location: row.get(1)?,
        every_seconds: row.get(2)?,
        added: row.get(3)?,
        next_check: row.get(4)?,
        last_checked: row.get(5)?,
        last_new: row.get(6)?,
        articles: row.get(7)?,
        failures: row.get(8)?,
        last_error: row.get(9)?,
        etag: row.get(10)?,
        last_modified: row.get(11)?,
    })
}

impl Store {
    /// Follows `location` every `every_seconds`, first checked at once; a location
    /// followed already keeps its state and takes the new interval. Returns its id.
    pub fn add_source(&mut self, location: &str, every_seconds: i64, now: i64) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO sources (location, every_seconds, added, next_check) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT(location) DO UPDATE SET every_seconds = excluded.every_seconds",
            params![location, every_seconds, now],
        )?;
        Ok(self.conn.query_row("SELECT id FROM sources WHERE location = ?1", [location], |r| r.get(0))?)
    }

    /// Stops following a source, named by id or location; false when there is none.
    pub fn remove_source(&mut self, id_or_location: &str) -> Result<bool> {
        let removed =
            self.conn.execute("DELETE FROM sources WHERE location = ?1 OR CAST(id AS TEXT) = ?1", [id_or_location])?;
        Ok(removed > 0)
    }

    /// Every followed source, by id.
    pub fn sources(&self) -> Result<Vec<Source>> {
        let mut statement = self.conn.prepare_cached(&format!("SELECT {COLUMNS} FROM sources ORDER BY id"))?;
        let rows = statement.query_map([], source_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The sources due at `now`, the longest overdue first.
    pub fn due_sources(&self, now: i64) -> Result<Vec<Source>> {
        let mut statement = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM sources WHERE next_check <= ?1 ORDER BY next_check, id"))?;
        let rows = statement.query_map([now], source_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Makes every source due now (a user asking for a check at once).
    pub fn make_sources_due(&mut self) -> Result<()> {
        self.conn.execute("UPDATE sources SET next_check = 0", [])?;
        Ok(())
    }

    /// When the next source is due, if any is followed.
    pub fn next_due(&self) -> Result<Option<i64>> {
        Ok(self.conn.query_row("SELECT min(next_check) FROM sources", [], |r| r.get(0)).optional()?.flatten())
    }

    /// Records a check of source `id` made at `now`.
    pub fn record_check(&mut self, id: i64, now: i64, check: &Check) -> Result<()> {
        match check {
            Check::Done { new_articles, etag, last_modified } => self.conn.execute(
                "UPDATE sources SET last_checked = ?2, next_check = ?2 + every_seconds, failures = 0, last_error = NULL,
                    articles = articles + ?3, last_new = CASE WHEN ?3 > 0 THEN ?2 ELSE last_new END,
                    etag = coalesce(?4, etag), last_modified = coalesce(?5, last_modified)
                 WHERE id = ?1",
                params![id, now, new_articles, etag, last_modified],
            )?,
            Check::Failed { error, retry_at } => self.conn.execute(
                "UPDATE sources SET last_checked = ?2, next_check = ?3, failures = failures + 1, last_error = ?4
                 WHERE id = ?1",
                params![id, now, retry_at, error],
            )?,
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_followed_checked_and_backed_off() {
        let mut store = Store::open_in_memory().unwrap();
        let feed = store.add_source("https://a.example/feed.xml", 900, 1_000).unwrap();
        let folder = store.add_source("/data/inbox", 60, 1_000).unwrap();
        assert_eq!(store.add_source("/data/inbox", 120, 2_000).unwrap(), folder, "adding again keeps the source");
        assert_eq!(store.due_sources(1_000).unwrap().len(), 2);
        let done = Check::Done { new_articles: 3, etag: Some("\"v1\"".into()), last_modified: None };
        store.record_check(feed, 1_000, &done).unwrap();
        store.record_check(folder, 1_000, &Check::Failed { error: "gone".into(), retry_at: 1_240 }).unwrap();
        assert!(store.due_sources(1_200).unwrap().is_empty());
        assert_eq!(store.next_due().unwrap(), Some(1_240));
        let sources = store.sources().unwrap();
        assert_eq!(
            (sources[0].articles, sources[0].etag.as_deref(), sources[0].next_check),
            (3, Some("\"v1\""), 1_900)
        );
        assert_eq!((sources[1].failures, sources[1].every_seconds), (1, 120));
        assert!(store.remove_source(&feed.to_string()).unwrap());
        assert!(store.remove_source("/data/inbox").unwrap());
        assert!(!store.remove_source("/data/inbox").unwrap());
        assert_eq!(store.next_due().unwrap(), None);
    }
}
