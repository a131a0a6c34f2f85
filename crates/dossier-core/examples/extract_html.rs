//! Prints what Dossier reads from one HTML page (plain or gzipped): its hints and text.
//!
//!     cargo run --release -p dossier-core --example extract_html -- page.html.gz

use std::io::Read;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: extract_html PAGE")?;
    let bytes = std::fs::read(&path)?;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut out)?;
        out
    } else {
        bytes
    };
    let page = dossier_core::capture::html::extract(&String::from_utf8_lossy(&bytes));
    println!("{:#?}\n{}", page.hints, page.text);
    Ok(())
}
