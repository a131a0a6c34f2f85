//! Dossier's pure core: text in, structured results out. No I/O, deterministic.
//!
//! The pipeline for one captured file: [`decode`] the bytes, [`format`] sniffs what
//! kind of capture it is, [`clean`] turns it into body paragraphs, [`metadata`]
//! decides title, outlet, date and URL, and [`article`] puts it all together.

pub mod analysis;
pub mod article;
pub mod clean;
pub mod dates;
pub mod decode;
pub mod diff;
pub mod entities;
pub mod eval;
pub mod fingerprint;
pub mod format;
pub mod html;
pub mod jsonl;
pub mod language;
pub mod markup_bounds;
pub mod metadata;
pub mod names;
pub mod outlets;
pub mod partition;
pub mod quotes;
pub mod sentences;
pub mod stories;
pub mod text;
pub mod timeline;
