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
