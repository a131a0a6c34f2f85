//! Text to article: cleaning a capture's text into paragraphs, deciding its
//! metadata, and putting an article together with its identity.

pub mod article;
pub mod clean;
pub mod language;
pub mod metadata;
pub mod outlets;
