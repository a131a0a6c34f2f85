//! The application layer shared by the command line and the server: ingesting files
//! (and uploaded documents) into the store, reading the store back as an analysed
//! dossier, and the export contract (docs/export.md).

pub mod dossier;
pub mod evaluation;
pub mod export;
pub mod fetch;
pub mod follow;
pub mod ingest;
pub mod live;
pub mod read;
pub mod search;
pub mod story_report;

pub use dossier::Dossier;
pub use dossier_core::across::analysis::{Coverage, Report};
pub use dossier_core::across::diff::Step;
pub use dossier_core::across::stories::STORY_THRESHOLD;
pub use dossier_core::reading::article::Article;
pub use dossier_search::{Results as SearchResults, SearchIndex};
pub use dossier_store::{ArticleFilter, EntitySummary, Store, StoryRow};

/// Text helpers the command line and the server share with the analysis.
pub mod text {
    pub use chrono::NaiveDate;
    pub use dossier_core::dates::parse_date;
    pub use dossier_core::text::{escape_controls, escape_for_terminal, short_hash_bytes};

    /// `text` in at most `max` characters, a cut marked with `…`.
    pub fn shorten(text: &str, max: usize) -> String {
        if text.chars().count() <= max {
            text.to_string()
        } else {
            format!("{}…", text.chars().take(max.saturating_sub(1)).collect::<String>())
        }
    }

    /// The time now in UTC, to the second (RFC 3339), as log lines start with it.
    pub fn utc_now() -> String {
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }
}
