//! Each article's own findings are found once, at ingest, and read back from the store.

use dossier_app::{ingest, Dossier};
use dossier_core::across::analysis::ArticleFindings;
use dossier_store::Store;
use std::path::Path;

fn seeds() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/seeds")
}

#[test]
fn the_dossier_reads_stored_findings_instead_of_finding_them_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("d.db")).unwrap();
    ingest::ingest(&mut store, &[seeds()], &ingest::Options::default()).unwrap();
    assert!(store.stale_findings().unwrap().is_empty(), "ingest stores every article's findings");
    let before = Dossier::load(&store).unwrap();
    let (id, quoted) = before.analysis.articles.iter().find(|(_, a)| !a.quotes.is_empty()).unwrap();
    assert!(!quoted.quotes.is_empty());
    // Replace what is stored for one article: loading must show the stored findings.
    let mut batch = store.batch().unwrap();
    batch.write_findings(id, &ArticleFindings::default()).unwrap();
    batch.commit().unwrap();
    let after = Dossier::load(&store).unwrap();
    assert!(after.analysis.articles[id].quotes.is_empty(), "the stored findings are what the dossier shows");
    assert_eq!(ingest::refresh_findings(&mut store, false).unwrap(), 0, "current findings are not refreshed");
}

/// A served dossier forgets the part of the search log its index has read, at start
/// and after each upload, so that a long-running server does not keep every change.
#[test]
fn a_served_dossier_prunes_the_search_log_it_has_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let live = dossier_app::live::Live::open(&db, &mut |_| {}).unwrap();
    let text = b"A Headline\n\n\"We will answer,\" Sergei Ryabkov said on Monday in Moscow.";
    live.upload("note.txt", text, &ingest::Options::default(), || true).unwrap();
    let store = Store::open(&db).unwrap();
    let position = store.index_position().unwrap();
    assert!(position > 0, "the upload logged its documents");
    assert_eq!(store.index_changes_since(0).unwrap(), None, "the log before the index's position is gone");
    let left = store.index_changes_since(position).unwrap().unwrap();
    assert!(left.articles.is_empty() && left.quotes.is_empty());
}
