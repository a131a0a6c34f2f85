//! Findings across articles: duplicate fingerprints, stories, entities and quotes
//! merged across the articles that report them, coverage, differences.

pub mod analysis;
pub mod diff;
pub mod fingerprint;
pub mod stories;
