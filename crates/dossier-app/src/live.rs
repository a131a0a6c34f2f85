//! A dossier being served: its store opened for reading per request, its search index
//! kept up with every write (this process's uploads and other processes' runs).

use crate::follow::{self, FollowedSource};
use crate::ingest::{self, Options, Summary};
use crate::read::Reader;
use crate::search;
use dossier_search::SearchIndex;
use dossier_store::Store;
use std::path::{Path, PathBuf};

pub struct Live {
    db: PathBuf,
    pub reader: Reader,
    pub index: SearchIndex,
}

impl Live {
    /// Opens the store at `db` (creating or upgrading it, and bringing stale findings
    /// up to the running analyzer), then its search index, caught up with the store.
    /// `notify` hears what takes time or was repaired.
    pub fn open(db: &Path, notify: &mut dyn FnMut(&str)) -> anyhow::Result<Live> {
        let mut store = Store::open(db)?;
        ingest::refresh_findings(&mut store, false)?;
        let index = search::open_index_after_writing(db, &mut store, notify)?;
        drop(store);
        Ok(Live { db: db.to_path_buf(), reader: Reader::open(db)?, index })
    }

    /// Stores one uploaded document and brings the search index up to it. `may_commit`
    /// is asked just before the commit: answering false rolls the upload back.
    pub fn upload(
        &self,
        source: &str,
        body: &[u8],
        options: &Options,
        may_commit: impl FnOnce() -> bool,
    ) -> anyhow::Result<Summary> {
        let mut store = Store::open(&self.db)?;
        let summary = ingest::ingest_document(&mut store, source, body, options, may_commit)?;
        search::catch_up_after_writing(&self.index, &mut store)?;
        Ok(summary)
    }

    /// Every followed source.
    pub fn sources(&self) -> anyhow::Result<Vec<FollowedSource>> {
        follow::list(&Store::open(&self.db)?)
    }

    /// Starts following a web address or folder (see [`follow::add`]).
    pub fn add_source(&self, location: &str, every_seconds: i64) -> anyhow::Result<FollowedSource> {
        follow::add(&mut Store::open(&self.db)?, location, every_seconds)
    }

    /// Stops following a source, by id or location.
    pub fn remove_source(&self, id_or_location: &str) -> anyhow::Result<()> {
        follow::remove(&mut Store::open(&self.db)?, id_or_location)
    }

    /// Brings the search index up to writes made by another process since `seen` (a
    /// generation); returns the generation now served.
    pub fn follow(&self, seen: i64) -> anyhow::Result<i64> {
        let now = self.reader.generation()?;
        if now != seen {
            self.reader.read(|store| search::catch_up(&self.index, store))?;
        }
        Ok(now)
    }
}
