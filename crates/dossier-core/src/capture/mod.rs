//! Bytes to text: what a captured file is (its container and encoding), its text,
//! and what the container states about itself (HTML meta tags, JSON fields).

pub mod decode;
pub mod format;
pub mod html;
pub mod jsonl;
pub mod markup_bounds;

/// Metadata a container states outright (JSON fields, HTML meta tags).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints {
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    pub url: Option<String>,
    pub language: Option<String>,
}
