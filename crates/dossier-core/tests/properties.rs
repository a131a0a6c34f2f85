//! Property tests: the parsers take any input without panicking, and what they
//! return stays consistent with what they were given.

use dossier_core::capture::{decode, html, jsonl};
use dossier_core::dates;
use dossier_core::findings::quotes;
use dossier_core::reading::{article, clean};
use proptest::prelude::*;

/// Text built from the pieces real captures are made of, so the cleaner's rules fire.
fn capture_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just("# Heading\n".to_string()),
        Just("**Credit / Agency**".to_string()),
        Just("Related article: [Title](#)\n".to_string()),
        Just("Original url:\n<https://example.com/2020/01/02/x>\n".to_string()),
        Just("- Outlet Name, 1920, 13.01.2022\n".to_string()),
        Just("MOSCOW (Agency) - ".to_string()),
        Just("state-\nrun ".to_string()),
        Just("“quoted,” he said. ".to_string()),
        Just("December 17, 2021\n".to_string()),
        Just("log in or register\n".to_string()),
        Just("Заголовок\n".to_string()),
        "[a-zA-Z ,.'-]{0,80}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(decoded) = decode::decode(&bytes) {
            prop_assert!(!decoded.text.trim().is_empty());
        }
    }

    #[test]
    fn cleaning_keeps_line_ranges_inside_the_input(text in capture_like()) {
        let lines = text.split('\n').count() as u32;
        let cleaned = clean::clean(&text, clean::Origin::Capture);
        for paragraph in &cleaned.paragraphs {
            prop_assert!(!paragraph.text.trim().is_empty());
            prop_assert!(paragraph.first_line >= 1 && paragraph.first_line <= paragraph.last_line && paragraph.last_line <= lines);
        }
        for removed in &cleaned.removed {
            prop_assert!(removed.line >= 1 && removed.line <= lines);
        }
    }

    #[test]
    fn analysis_is_deterministic(text in capture_like()) {
        let first = article::analyze_file("x.txt", text.as_bytes());
        let second = article::analyze_file("x.txt", text.as_bytes());
        prop_assert_eq!(first.map(|r| r.articles), second.map(|r| r.articles));
    }

    #[test]
    fn dates_and_urls_never_panic(text in any::<String>()) {
        for found in dates::find_dates(&text) {
            prop_assert!(text.get(found.span.clone()).is_some());
        }
        let _ = dates::date_in_url(&text);
        let _ = dates::date_only_line(&text);
    }

    #[test]
    fn html_and_json_never_panic(text in any::<String>(), tags in prop::collection::vec(prop_oneof![Just("<p>"), Just("</p>"), Just("<article>"), Just("<div class=\"share\">"), Just("</div>"), Just("<script>"), Just("<h1>")], 0..20)) {
        let page = format!("<html><body>{}{}</body></html>", tags.concat(), text);
        let _ = html::extract(&page);
        let _ = jsonl::parse(&text);
        let _ = jsonl::parse_document(&text);
    }

    #[test]
    fn quote_extraction_never_panics_and_points_into_the_text(
        pieces in prop::collection::vec(prop_oneof![
            Just("\u{201C}".to_string()), Just("\u{201D}".to_string()), Just("\"".to_string()), Just("``".to_string()),
            Just("''".to_string()), Just(" said Smith. ".to_string()), Just("U.S. ".to_string()), Just("Mr. ".to_string()),
            Just(" he told reporters, ".to_string()), Just("Jens Stoltenberg's ".to_string()), "[a-zA-Z .,]{0,30}", any::<String>(),
        ], 0..30),
        paragraphs in 1usize..4,
    ) {
        let text = pieces.concat();
        let parts: Vec<&str> = text.split_inclusive('.').collect();
        let chunk = parts.len().div_ceil(paragraphs).max(1);
        let grouped: Vec<String> = parts.chunks(chunk).map(|c| c.concat()).collect();
        let joined = grouped.join("\n\n");
        for quote in quotes::extract(grouped.iter().map(String::as_str)) {
            prop_assert!(joined.get(quote.start..quote.end).is_some());
            prop_assert!(!quote.text.is_empty());
        }
    }
}
