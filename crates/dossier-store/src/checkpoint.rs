//! Copies the write-ahead log back into the database on a thread of its own. SQLite's
//! automatic checkpoint runs inside whichever commit crosses its threshold, so one write
//! in a few paid for copying what its predecessors logged: 7% of adding 1,000 articles
//! to a store of 100,000, all of it on the writer's path (and in an upload's answer
//! time). A passive checkpoint blocks neither the writer nor readers, and a process
//! killed in the middle of one loses nothing: the log is kept until it is copied.

use rusqlite::Connection;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How long the log may grow (in pages) before the writer, between two transactions,
/// copies it whole and starts it again. A passive checkpoint copies the log but never
/// lets it start over while commits keep coming: adding 100,000 articles to a store of
/// 100,000 grew it by 6 GB a minute, until the disk was full. (The thread cannot do it:
/// a writer that commits and begins again at once never leaves it the gap it waits for.)
pub(crate) const RESTART_AFTER_FRAMES: i64 = if cfg!(test) { 256 } else { 65_536 };

/// The writer's checkpointing thread; dropping it lets the thread finish its last pass.
pub(crate) struct Checkpointer {
    nudge: Option<SyncSender<()>>,
    worker: Option<JoinHandle<()>>,
    /// Whether the last pass found the log longer than [`RESTART_AFTER_FRAMES`].
    long_log: Arc<AtomicBool>,
}

impl Checkpointer {
    /// Starts the thread with its own connection to the store at `path`, and turns the
    /// automatic checkpoint of `writer` off. None (SQLite checkpoints as usual) when the
    /// thread or its connection cannot be had.
    pub(crate) fn start(path: &Path, writer: &Connection) -> Option<Checkpointer> {
        let conn = Connection::open(path).ok()?;
        conn.busy_timeout(Duration::from_secs(1)).ok()?;
        // One pending nudge is enough: a pass copies everything logged before it starts.
        let (nudge, nudged) = sync_channel::<()>(1);
        let long_log = Arc::new(AtomicBool::new(false));
        let long = Arc::clone(&long_log);
        let worker = std::thread::Builder::new()
            .name("dossier-checkpoint".into())
            .spawn(move || {
                while nudged.recv().is_ok() {
                    pass(&conn, &long);
                }
            })
            .ok()?;
        if writer.pragma_update(None, "wal_autocheckpoint", 0).is_err() {
            return None;
        }
        Some(Checkpointer { nudge: Some(nudge), worker: Some(worker), long_log })
    }

    /// Copies the whole log into the database and starts it again, when it has grown
    /// long: called on the writer's connection between its transactions.
    pub(crate) fn restart_long_log(&self, writer: &Connection) {
        if self.long_log.swap(false, Ordering::Relaxed) {
            // Readers in the middle of a read make it wait (the writer's busy timeout); a
            // failure leaves the log as it was, to be tried after the next commit.
            let _ = writer.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
    }

    /// Tells the thread that a transaction was committed.
    pub(crate) fn nudge(&self) {
        if let Some(nudge) = &self.nudge {
            // Full: a pass is pending already and will copy this commit too.
            let _ = nudge.try_send(());
        }
    }
}

/// Copies what the log holds into the database without waiting for anyone, and notes
/// whether the log has grown long. A pass that fails (a long reader, a busy lock) is
/// retried after the next commit; the log holds everything meanwhile.
fn pass(conn: &Connection, long: &AtomicBool) {
    let logged = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1));
    long.store(logged.is_ok_and(|frames| frames > RESTART_AFTER_FRAMES), Ordering::Relaxed);
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.nudge.take();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A long log is noticed by a pass, which leaves it as long, and started again by
    /// the writer between its transactions.
    #[test]
    fn a_long_log_is_started_again_by_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let writer = Connection::open(&path).unwrap();
        writer.pragma_update(None, "journal_mode", "WAL").unwrap();
        let checkpointer = Checkpointer::start(&path, &writer).expect("a checkpointing thread");
        let reader = Connection::open(&path).unwrap();
        writer.execute_batch("CREATE TABLE t (x TEXT)").unwrap();
        let log_size = || std::fs::metadata(path.with_extension("db-wal")).map_or(0, |m| m.len());
        for _ in 0..(RESTART_AFTER_FRAMES as usize * 2) {
            writer.execute("INSERT INTO t VALUES (?1)", ["x".repeat(4000)]).unwrap();
        }
        pass(&reader, &checkpointer.long_log);
        assert!(checkpointer.long_log.load(Ordering::Relaxed), "the pass sees the log is long");
        let long = log_size();
        assert!(long > RESTART_AFTER_FRAMES as u64 * 4096, "{long} bytes");
        checkpointer.restart_long_log(&writer);
        assert_eq!(log_size(), 0, "the log starts again");
        let rows: i64 = reader.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, RESTART_AFTER_FRAMES * 2, "nothing is lost");
        checkpointer.restart_long_log(&writer);
    }
}
