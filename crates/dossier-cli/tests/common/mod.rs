//! Helpers shared by the integration tests: run the real binary on a temp store.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// `../shared` beside the checkout, as CI provides it.
pub fn shared(relative: &str) -> PathBuf {
    let path = workspace_root().join("../shared").join(relative);
    assert!(path.exists(), "{} is missing: the tests need ../shared beside the checkout", path.display());
    path
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn dossier(db: &Path, args: &[&str]) -> Run {
    let Output { status, stdout, stderr } = Command::new(env!("CARGO_BIN_EXE_dossier"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("the dossier binary runs");
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into(),
        stderr: String::from_utf8_lossy(&stderr).into(),
    };
    assert!(!run.stderr.contains("panicked"), "dossier panicked: {}", run.stderr);
    run
}

pub fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout))
}

/// Whether an exported article's source (a full path) is the file `name`.
pub fn named(article: &serde_json::Value, name: &str) -> bool {
    article["source"].as_str().is_some_and(|s| s.starts_with('/') && s.ends_with(&format!("/{name}")))
}
