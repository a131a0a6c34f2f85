//! The page's title, reconciled from what the page states in several places.
//!
//! `og:title`, `twitter:title`, a JSON-LD headline and `<title>` often carry the site's
//! name ("Headline | Site", "Site - Headline"); the `<h1>` is what the reader sees, but on
//! some pages it is the site's logo or a navigation label. So: the stated titles are
//! stripped of segments that name the site (its stated name, its host, or a segment the
//! stated titles share while their other segments differ), and the `<h1>` that agrees
//! best with them is the title; when no `<h1>` agrees, the stripped stated title is.

use std::collections::HashSet;

/// Separators pages put between a headline and the site's name.
const SEPARATORS: [&str; 11] = [" | ", " - ", " – ", " — ", " · ", " • ", " :: ", " » ", " / ", "|", "｜"];

/// How much an `<h1>` must share with the stated titles to be taken for the headline.
const AGREEMENT: f64 = 0.5;

/// What the page says its title is.
#[derive(Debug, Default)]
pub(super) struct TitleEvidence<'a> {
    /// `og:title`, JSON-LD headline, `twitter:title`, `<title>`: in that order of trust.
    pub stated: Vec<String>,
    /// The page's `<h1>` texts outside furniture, in page order.
    pub headings: Vec<String>,
    /// Its `<h2>` and `<h3>` texts: on blogs the post's title sits below the blog's `<h1>`.
    pub subheadings: Vec<String>,
    /// The site's own name (`og:site_name`, the publisher) and its host.
    pub site_names: Vec<&'a str>,
    /// The `<h1>` just above where the article's text begins, outside furniture.
    pub lead: Option<String>,
    /// Every shown `<h1>`, furniture included: an article header is often marked as one.
    pub shown_headings: Vec<String>,
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Dice overlap of two texts' word sets.
fn agreement(a: &str, b: &str) -> f64 {
    let (a, b): (HashSet<String>, HashSet<String>) = (words(a).into_iter().collect(), words(b).into_iter().collect());
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    2.0 * a.intersection(&b).count() as f64 / (a.len() + b.len()) as f64
}

fn segments(title: &str) -> Vec<&str> {
    let mut parts = vec![title];
    for separator in SEPARATORS {
        parts = parts.into_iter().flat_map(|p| p.split(separator)).collect();
    }
    parts.into_iter().map(str::trim).filter(|p| !p.is_empty()).collect()
}

/// Whether a segment names the site: it is the site's name or host, or it is written in
/// the site's name (`Aerobuzz.de` for the host `aerobuzz.de`).
fn names_site(segment: &str, site_names: &[&str]) -> bool {
    if is_domain_name(segment) {
        return true;
    }
    let squeezed: String = words(segment).concat();
    !squeezed.is_empty()
        && site_names.iter().any(|site| {
            let site: String = words(site).concat();
            !site.is_empty() && (site == squeezed || site.contains(&squeezed) && squeezed.len() * 2 >= site.len())
        })
}

/// Top-level domains a site's name is written with ("FASSETTE.NET", "MacTechNews.de").
const TOP_LEVEL_DOMAINS: [&str; 24] = [
    "com", "net", "org", "info", "biz", "io", "eu", "de", "at", "ch", "fr", "it", "es", "pl", "ru", "ua", "uk", "nl",
    "be", "se", "no", "dk", "cz", "news",
];

/// Whether a segment is a bare domain name: a site naming itself by its address.
fn is_domain_name(segment: &str) -> bool {
    let segment = segment.trim().trim_start_matches("www.");
    let Some((name, tld)) = segment.rsplit_once('.') else { return false };
    !name.is_empty()
        && name.split('.').all(|label| !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-'))
        && TOP_LEVEL_DOMAINS.contains(&tld.to_ascii_lowercase().as_str())
}

/// A stated title without the segments that name the site. Segments shared by all the
/// stated titles are kept: a title repeated everywhere is the headline itself.
fn strip_site(title: &str, evidence: &TitleEvidence<'_>) -> String {
    let parts = segments(title);
    if parts.len() < 2 {
        return title.trim().to_string();
    }
    let others: Vec<&String> = evidence.stated.iter().filter(|s| s.as_str() != title).collect();
    let is_site = |part: &str| {
        names_site(part, &evidence.site_names)
            // A segment the other stated titles lack, beside one they hold: the site's name.
            || (!others.is_empty()
                && others.iter().all(|o| agreement(o, part) == 0.0)
                && parts.iter().any(|p| *p != part && others.iter().any(|o| agreement(o, p) > AGREEMENT)))
    };
    keep_between_sites(title, &parts, is_site)
}

/// `title` cut to run from its first segment that does not name the site to its last
/// one; the whole title when no end segment names the site, or when all of them do.
fn keep_between_sites(title: &str, parts: &[&str], is_site: impl Fn(&str) -> bool) -> String {
    let first = parts.iter().position(|p| !is_site(p));
    let last = parts.iter().rposition(|p| !is_site(p));
    match (first, last) {
        (Some(first), Some(last)) if first > 0 || last + 1 < parts.len() => {
            // Cut at the first kept segment's start and the last kept segment's end.
            let start = title.find(parts[first]).unwrap_or(0);
            let end = title.rfind(parts[last]).map_or(title.len(), |i| i + parts[last].len());
            title[start..end.max(start)].trim().to_string()
        }
        _ => title.trim().to_string(),
    }
}

/// The title the page gives itself, or `None` when it gives none.
pub(super) fn reconcile(evidence: &TitleEvidence<'_>) -> Option<String> {
    let stated: Vec<String> = whole_titles(&evidence.stated)
        .iter()
        .map(|t| strip_site(&without_date(t), evidence))
        .filter(|t| !t.is_empty())
        .collect();
    let headings = evidence.headings.iter();
    let best_heading = headings
        .map(|h| (stated.iter().map(|s| agreement(h, s)).fold(0.0, f64::max), h))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best_heading {
        Some((score, heading)) if score >= AGREEMENT || stated.is_empty() => {
            Some(without_site_name(&without_date(heading), &evidence.site_names))
        }
        _ => shown_segment(&stated, evidence)
            .or_else(|| shown_stated(&stated, evidence))
            .or_else(|| lead_headline(evidence))
            .or_else(|| stated.into_iter().next().map(|t| headline_of_trail(&t))),
    }
}

/// The stated titles with those an unescaped quote mark cut short made whole again:
/// `content="Biden called "unfit""` ends an attribute at the second `"`, while `<title>`,
/// being text, keeps the quote. A stated title that another one continues with a quote
/// mark is replaced by that other one.
fn whole_titles(stated: &[String]) -> Vec<String> {
    let continued = |cut: &str| {
        let cut = cut.trim_end();
        stated.iter().find(|other| {
            other.strip_prefix(cut).is_some_and(|rest| rest.trim_start().starts_with(['"', '“', '”', '„', '«', '»']))
        })
    };
    stated.iter().map(|title| continued(title).unwrap_or(title).clone()).collect()
}

/// When the stated titles word the headline differently (one for search engines, one
/// for sharing), the one the page shows as a heading, wherever the heading sits.
fn shown_stated(stated: &[String], evidence: &TitleEvidence<'_>) -> Option<String> {
    let first = stated.first()?;
    if stated.iter().all(|s| agreement(s, first) >= SAME_WORDING) {
        return None;
    }
    stated.iter().find(|s| evidence.shown_headings.iter().any(|h| agreement(h, s) >= SAME_WORDING)).cloned()
}

/// How much two titles must share to be the same wording.
const SAME_WORDING: f64 = 0.8;

/// The `<h1>` that opens the article, when it says something and is not the site's
/// name: the headline as the reader sees it, which a page's stated titles (written
/// for search engines and sharing) may word differently.
fn lead_headline(evidence: &TitleEvidence<'_>) -> Option<String> {
    // The page's only `<h1>` outside furniture, when none stands by the article's start:
    // with no place to vouch for it, it must share a word with the headline's own part
    // of a stated title (the first), not only with the site's name there.
    let only_heading = match evidence.headings.as_slice() {
        [only] => Some(only.as_str()),
        _ => None,
    };
    let (lead, parts_to_share): (&str, fn(&str) -> &str) = match (evidence.lead.as_deref(), only_heading) {
        (Some(lead), _) => (lead, |title| title),
        (None, Some(only)) => (only, |title| segments(title).into_iter().next().unwrap_or(title)),
        (None, None) => return None,
    };
    let lead = without_date(lead);
    let said = words(&lead);
    if said.is_empty() || names_site(&lead, &evidence.site_names) {
        return None;
    }
    // A blog's name set as its `<h1>`: a segment of a stated title, beside the headline.
    let site_segment = evidence.stated.iter().any(|title| {
        let parts = segments(title);
        parts.len() >= 2 && parts.iter().any(|p| words(p) == said)
    });
    // A label ("Information and Resources", a blog's section) shares no word with what
    // the page says its title is; a headline worded differently still shares some.
    let shares_a_word = evidence.stated.is_empty()
        || evidence
            .stated
            .iter()
            .any(|title| words(parts_to_share(title)).iter().any(|w| w.chars().count() >= 4 && said.contains(w)));
    (!site_segment && shares_a_word).then(|| without_site_name(&lead, &evidence.site_names))
}

/// A heading without a segment at either end that names the site ("Headline | SITE.NET").
fn without_site_name(heading: &str, site_names: &[&str]) -> String {
    keep_between_sites(heading, &segments(heading), |p| names_site(p, site_names))
}

/// The headline of a title that is still a trail of three or more segments once the
/// site's name is gone ("Headline / Section / Subsection / Home - site"): its first
/// segment, when that reads as a headline (two words or more). Two segments stay as
/// they are: "Warum - und wie lange noch?" is one headline.
fn headline_of_trail(title: &str) -> String {
    let parts = segments(title);
    match parts.first() {
        Some(first) if parts.len() >= 3 && words(first).len() >= 2 => first.to_string(),
        _ => title.to_string(),
    }
}

/// A heading the page shows that is the longest segment of a stated title: the post's
/// title within "Blog » Archive » Post title" (the blog's name is the `<h1>` there).
fn shown_segment(stated: &[String], evidence: &TitleEvidence<'_>) -> Option<String> {
    let title = stated.first()?;
    let parts = segments(title);
    let longest = parts.iter().max_by_key(|p| words(p).len())?;
    if parts.len() < 2 {
        return None;
    }
    evidence.headings.iter().chain(&evidence.subheadings).find(|h| agreement(h, longest) >= SAME_WORDING).cloned()
}

/// A title without a date set before it or after a separator ("23.01.2022 - Headline",
/// "Headline | 23.01.2022"); a date the title's words lead into stays ("Sitzung vom 10. Oktober").
fn without_date(title: &str) -> String {
    const DATE_SEPARATORS: &str = "-–—|:·•,";
    let found = crate::dates::find_dates(title);
    let trim = |t: &str| t.trim_matches(|c: char| c.is_whitespace() || DATE_SEPARATORS.contains(c)).to_string();
    if let Some(date) = found.first().filter(|d| trim(&title[..d.span.start]).is_empty()) {
        return trim(&title[date.span.end..]);
    }
    if let Some(date) = found.last().filter(|d| trim(&title[d.span.end..]).is_empty()) {
        let before = title[..date.span.start].trim_end();
        if before.ends_with(|c: char| DATE_SEPARATORS.contains(c)) {
            return trim(before);
        }
    }
    title.trim().to_string()
}
#[cfg(test)]
mod tests {
    use super::*;

    fn evidence<'a>(stated: &[&str], headings: &[&str], sites: &[&'a str]) -> TitleEvidence<'a> {
        TitleEvidence {
            stated: stated.iter().map(|s| s.to_string()).collect(),
            headings: headings.iter().map(|s| s.to_string()).collect(),
            subheadings: Vec::new(),
            site_names: sites.to_vec(),
            lead: None,
            shown_headings: Vec::new(),
        }
    }

    #[test]
    fn the_visible_headline_wins_when_it_agrees() {
        let e = evidence(&["Habeck in München | Example"], &["HABECK IN MÜNCHEN"], &["Example"]);
        assert_eq!(reconcile(&e).as_deref(), Some("HABECK IN MÜNCHEN"));
    }

    #[test]
    fn a_logo_heading_loses_to_the_stated_title() {
        let e = evidence(&["Paris Haute Couture: Serkan Cura | modabot"], &["modabot"], &["modabot.de"]);
        assert_eq!(reconcile(&e).as_deref(), Some("Paris Haute Couture: Serkan Cura"));
    }

    #[test]
    fn the_heading_that_opens_the_article_wins_unless_it_is_a_name_or_a_label() {
        let with_lead = |stated: &str, lead: &str| {
            let mut e = evidence(&[stated], &[lead], &["smava.de", "Gnaur"]);
            e.lead = Some(lead.to_string());
            reconcile(&e)
        };
        let reworded = with_lead(
            "Privatkredit-Zinsen: So ermitteln Sie Ihre Kosten | SMAVA",
            "Wie hoch sind die Zinsen für einen Privatkredit?",
        );
        assert_eq!(reworded.as_deref(), Some("Wie hoch sind die Zinsen für einen Privatkredit?"));
        let blog_name = with_lead("Die Möglichkeit nichts zu tun | Gnaur", "Gnaur");
        assert_eq!(blog_name.as_deref(), Some("Die Möglichkeit nichts zu tun"));
        let label = with_lead("Superbugs: What They Are and How You Get Them", "Information and Resources");
        assert_eq!(label.as_deref(), Some("Superbugs: What They Are and How You Get Them"));
    }

    #[test]
    fn the_site_name_is_stripped_by_name_host_or_disagreement() {
        let by_host = evidence(&["CAE bildet Piloten aus - Aerobuzz.de"], &[], &["aerobuzz.de"]);
        assert_eq!(reconcile(&by_host).as_deref(), Some("CAE bildet Piloten aus"));
        let by_others = evidence(&["Ein Titel hier", "Ein Titel hier – Das Blatt"], &[], &[]);
        assert_eq!(strip_site("Ein Titel hier – Das Blatt", &by_others), "Ein Titel hier");
        let trail = evidence(&["Berlusconis Prozess geht weiter / Politik / Artikel / Home - stol.it"], &[], &[]);
        assert_eq!(reconcile(&trail).as_deref(), Some("Berlusconis Prozess geht weiter"));
        let by_address = evidence(&["Was wir nicht hören wollen | FASSETTE.NET"], &[], &[]);
        assert_eq!(reconcile(&by_address).as_deref(), Some("Was wir nicht hören wollen"));
        let hyphenated = evidence(&["Warum - und wie lange noch?"], &[], &[]);
        assert_eq!(reconcile(&hyphenated).as_deref(), Some("Warum - und wie lange noch?"));
    }

    #[test]
    fn of_stated_titles_worded_differently_the_one_shown_wins() {
        let mut e = evidence(
            &["Disasters Are a Warning", "How Can We Plan for the Future?", "Disasters Are a Warning - The Atlantic"],
            &[],
            &["The Atlantic"],
        );
        assert_eq!(reconcile(&e).as_deref(), Some("Disasters Are a Warning"));
        e.shown_headings = vec!["How Can We Plan for the Future?".into()];
        assert_eq!(reconcile(&e).as_deref(), Some("How Can We Plan for the Future?"));
    }

    #[test]
    fn the_only_heading_needs_a_word_of_the_headline_not_of_the_site() {
        let only = |stated: &str, heading: &str| reconcile(&evidence(&[stated], &[heading], &[]));
        let reworded = only("Drucker • Etiketten | SASS AG", "Drucker und Lösungen vom Experten!");
        assert_eq!(reworded.as_deref(), Some("Drucker und Lösungen vom Experten!"));
        let logo = only("Conversations with a Cryptid - Chapter 1 | Fan Archive", "Archive Home");
        assert_eq!(logo.as_deref(), Some("Conversations with a Cryptid"));
    }

    #[test]
    fn a_title_an_unescaped_quote_cut_short_is_made_whole() {
        let cut = evidence(&["Senator calls Biden", "Senator calls Biden \"unfit\" - Daily"], &[], &["Daily"]);
        assert_eq!(reconcile(&cut).as_deref(), Some("Senator calls Biden \"unfit\""));
    }
}
