//! Prints, for each text capture named, the headline candidates the cleaner weighs and
//! their evidence, as JSON lines: the input of `bench/fit_headlines.py`, which fits the
//! cleaner's headline weights on captures whose titles are known.
//!
//!     cargo run --release -p dossier-core --example headline_candidates -- FILE...

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for path in std::env::args().skip(1) {
        let text = String::from_utf8_lossy(&std::fs::read(&path)?).into_owned();
        let candidates = dossier_core::reading::clean::headline_candidates_of(&text);
        let name = std::path::Path::new(&path).file_name().map(|n| n.to_string_lossy().into_owned());
        println!("{}", serde_json::json!({"file": name, "candidates": candidates}));
    }
    Ok(())
}
