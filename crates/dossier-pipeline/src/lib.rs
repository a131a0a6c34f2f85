//! The application layer shared by the command line and the server: ingesting files
//! (and uploaded documents) into the store, reading the store back as an analysed
//! dossier, and the export contract (docs/export.md).

pub mod dossier;
pub mod export;
pub mod ingest;
pub mod search;

pub use dossier::Dossier;
