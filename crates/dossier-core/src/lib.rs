//! Dossier's pure core: text in, structured results out. No I/O, deterministic.
//!
//! Its rooms follow the data, each using only the ones before it:
//! - [`capture`]: bytes to text (container, encoding, HTML, JSON lines, what a container states);
//! - [`reading`]: text to article (cleaning, metadata, identity);
//! - [`findings`]: an article's findings (sentences, names, entities, quotes, dated events);
//! - [`across`]: findings across articles (duplicates, stories, merged entities and quotes, coverage).
//!
//! [`text`], [`dates`] and [`partition`] (union-find) are shared by all of them; [`eval`] scores results against gold files.

pub mod across;
pub mod capture;
pub mod dates;
pub mod eval;
pub mod findings;
pub mod partition;
pub mod reading;
pub mod text;
