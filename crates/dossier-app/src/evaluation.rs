//! `dossier eval`: the stored dossier scored against a gold file.

use crate::Dossier;
use anyhow::Context;
use dossier_core::eval::{evaluate, Gold, Predictions};
pub use dossier_core::eval::{Report, StageScore};
use dossier_store::Store;
use std::path::Path;

/// Where the gold comes from: a gold file, or a file of groups (one group key a record).
pub enum GoldSource<'a> {
    File(&'a Path),
    Groups { path: &'a Path, key: &'a str },
}

/// Reads the gold, naming the file in any error.
pub fn load_gold(source: GoldSource<'_>) -> anyhow::Result<Gold> {
    match source {
        GoldSource::Groups { path, key } => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Gold::from_groups(&name, &text, key).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
        }
        GoldSource::File(path) => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("cannot read gold file {}", path.display()))?;
            Gold::parse(&text).with_context(|| format!("{} is not a gold file", path.display()))
        }
    }
}

/// Precision, recall and F1 of every stage the gold scores, on the stored dossier.
pub fn score(store: &Store, gold: &Gold) -> anyhow::Result<Report> {
    let dossier = Dossier::load(store)?;
    let predictions = Predictions {
        articles: &dossier.articles,
        duplicate_of: &dossier.duplicate_of,
        story_of: &dossier.story_of,
        found: &dossier.analysis.articles,
        entities: &dossier.analysis.entities.entities,
        events: &dossier.analysis.events,
    };
    Ok(evaluate(gold, predictions))
}
