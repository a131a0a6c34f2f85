//! Hostile input for Dossier: the fuzz targets' bodies (called by `fuzz/` under
//! libFuzzer and by the stable campaign of the `dossier-hostile` binary) and the
//! generator of hostile inputs.

pub mod generate;
pub mod targets;
