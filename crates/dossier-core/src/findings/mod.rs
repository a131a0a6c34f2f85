//! An article's findings: sentences and names, the lexicon they share, entities,
//! quotes with their speakers, and dated events.

pub mod entities;
pub mod lexicon;
pub mod names;
pub mod quotes;
pub mod sentences;
pub mod speakers;
pub mod timeline;
