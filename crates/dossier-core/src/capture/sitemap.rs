//! Sitemaps (sitemaps.org): a `<urlset>` lists pages, a `<sitemapindex>` lists
//! further sitemaps. Only their `<loc>` entries matter here.

use crate::capture::Linked;

/// The `<loc>` entries of a sitemap or sitemap index, or None when `root` is neither.
pub fn links(root: &str, text: &str) -> Option<Vec<Linked>> {
    let kind = match root.rsplit(':').next().unwrap_or(root).to_ascii_lowercase().as_str() {
        "urlset" => "page",
        "sitemapindex" => "sitemap",
        _ => return None,
    };
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("<loc>") {
        rest = &rest[start + 5..];
        let Some(end) = rest.find("</loc>") else { break };
        let url = unescape(rest[..end].trim());
        rest = &rest[end + 6..];
        if url.starts_with("http://") || url.starts_with("https://") {
            found.push(Linked { label: format!("{kind} {}", found.len() + 1), url });
        }
    }
    Some(found)
}

fn unescape(text: &str) -> String {
    let text = text.trim_start_matches("<![CDATA[").trim_end_matches("]]>");
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pages_and_nested_sitemaps() {
        let pages = "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc> https://a.example/x?a=1&amp;b=2 </loc><lastmod>2024-01-01</lastmod></url><url><loc>javascript:x</loc></url></urlset>";
        let found = links("urlset", pages).unwrap();
        assert_eq!(found, vec![Linked { label: "page 1".into(), url: "https://a.example/x?a=1&b=2".into() }]);
        let index = "<sitemapindex><sitemap><loc>https://a.example/s1.xml.gz</loc></sitemap></sitemapindex>";
        assert_eq!(links("sitemapindex", index).unwrap()[0].label, "sitemap 1");
        assert!(links("catalog", "<catalog/>").is_none());
    }
}
