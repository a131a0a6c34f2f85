//! PDF documents: their text layer, read by `pdf-extract`, then cleaned as any text
//! printed from a PDF. A font or stream the reader cannot handle makes it panic at
//! times; that is caught here and reported as this file's problem.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Whether the bytes are a PDF document.
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-")
}

/// The document's text, or why there is none.
pub fn text(bytes: &[u8]) -> Result<String, String> {
    let extracted = catch_unwind(AssertUnwindSafe(|| pdf_extract::extract_text_from_mem(bytes)))
        .map_err(|_| "a PDF whose text the PDF reader could not extract (it failed on a font or stream)".to_string())?
        .map_err(|e| format!("an unreadable PDF ({e})"))?;
    if extracted.split_whitespace().next().is_none() {
        return Err("a PDF without a text layer (scanned pages?): run OCR on it first".into());
    }
    Ok(extracted)
}

/// A one-page PDF showing `lines` in Helvetica, for tests: its cross-reference
/// table is computed, so readers take it as a well-formed document.
#[doc(hidden)]
pub fn sample_pdf(lines: &[&str]) -> Vec<u8> {
    let mut content = String::from("BT /F1 11 Tf 14 TL 72 760 Td\n");
    for line in lines {
        let escaped = line.replace('\\', "\\\\").replace('(', "\\(").replace(')', "\\)");
        content.push_str(&format!("({escaped}) Tj T*\n"));
    }
    content.push_str("ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (index, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend(format!("{} 0 obj\n{object}\nendobj\n", index + 1).into_bytes());
    }
    let xref_at = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).into_bytes());
    for offset in offsets {
        pdf.extend(format!("{offset:010} 00000 n \n").into_bytes());
    }
    pdf.extend(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n", objects.len() + 1).into_bytes(),
    );
    pdf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_text_layer() {
        let pdf = sample_pdf(&["Harbour reopens after storm", "The harbour reopened on Monday, officials said."]);
        let text = text(&pdf).unwrap();
        assert!(text.contains("Harbour reopens after storm"), "{text:?}");
        assert!(text.contains("officials said."), "{text:?}");
    }

    #[test]
    fn broken_pdfs_are_errors_not_panics() {
        assert!(is_pdf(b"%PDF-1.4\n"));
        let error =
            text(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF").unwrap_err();
        assert!(error.contains("PDF"), "{error}");
    }
}
