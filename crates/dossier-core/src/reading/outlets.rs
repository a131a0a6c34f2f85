//! Naming an outlet from the host of its own URL.

use crate::text::{segment_words, title_case};
use std::collections::HashMap;
use std::sync::LazyLock;

static KNOWN: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    include_str!("../../data/outlets.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .collect()
});

/// Second-level suffixes under which the registrable name is one label further left.
const SECOND_LEVEL: [&str; 12] =
    ["co.uk", "org.uk", "ac.uk", "com.au", "net.au", "co.jp", "co.nz", "com.ua", "com.br", "co.in", "com.cn", "co.za"];

/// The host of a URL, lower-cased, without `www.`.
pub fn host_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?.to_ascii_lowercase();
    Some(host.strip_prefix("www.").unwrap_or(&host).to_string())
}

/// The outlet name for a URL: a known outlet, else the words of its domain name.
pub fn outlet_for_url(url: &str) -> Option<String> {
    let host = host_of(url)?;
    let labels: Vec<&str> = host.split('.').collect();
    for start in 0..labels.len().saturating_sub(1) {
        let candidate = labels[start..].join(".");
        if let Some(name) = KNOWN.get(candidate.as_str()) {
            return Some(name.to_string());
        }
    }
    let suffix_labels = if SECOND_LEVEL.iter().any(|s| host.ends_with(&format!(".{s}"))) { 2 } else { 1 };
    let label = labels.iter().rev().nth(suffix_labels)?;
    Some(name_from_label(label))
}

fn name_from_label(label: &str) -> String {
    let letters: String = label.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if letters.len() <= 4 {
        return letters.to_uppercase();
    }
    let words: Vec<String> = label.split('-').filter(|w| !w.is_empty()).map(str::to_string).collect();
    if words.len() > 1 {
        return title_case(&words);
    }
    match segment_words(&letters) {
        Some(words) => title_case(&words),
        None => crate::text::capitalise(&letters),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_outlets_from_hosts() {
        assert_eq!(outlet_for_url("https://www.reuters.com/world/x").unwrap(), "Reuters");
        assert_eq!(outlet_for_url("https://edition.cnn.com/2022/01/01/x").unwrap(), "CNN");
        assert_eq!(outlet_for_url("https://www.themoscowtimes.com/2021/12/17/x").unwrap(), "The Moscow Times");
        assert_eq!(outlet_for_url("https://news.dailyherald.co.uk/a").unwrap(), "Daily Herald");
        assert_eq!(outlet_for_url("https://www.the-local-paper.org/a").unwrap(), "The Local Paper");
        assert_eq!(outlet_for_url("https://abcd.net/a").unwrap(), "ABCD");
        assert_eq!(outlet_for_url("not a url"), None);
    }
}
