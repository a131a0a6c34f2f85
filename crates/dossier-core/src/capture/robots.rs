//! robots.txt (RFC 9309): which paths a crawler may fetch, and the delay a site asks
//! for. The group for the most specific matching user agent applies (else `*`); within
//! it the longest matching rule wins, `Allow` on a tie; `*` matches any run and a final
//! `$` anchors the end.

/// A site's rules for one user agent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Robots {
    rules: Vec<(bool, String)>,
    /// Seconds between requests the site asks for (`Crawl-delay`), when it does.
    pub crawl_delay: Option<f64>,
}

impl Robots {
    /// Everything allowed: what a missing robots.txt (4xx) means.
    pub fn allow_all() -> Robots {
        Robots::default()
    }

    /// Nothing allowed: what an unreachable robots.txt (5xx) means until it answers.
    pub fn deny_all() -> Robots {
        Robots { rules: vec![(false, "/".into())], crawl_delay: None }
    }

    /// The rules of `text` that apply to the crawler named `agent` (its product token, e.g. `dossier`).
    pub fn parse(text: &str, agent: &str) -> Robots {
        let agent = agent.to_ascii_lowercase();
        let groups = groups(text);
        let specific = groups.iter().filter(|g| g.agents.iter().any(|a| a != "*" && agent.contains(a.as_str())));
        let chosen: Vec<&Group> = match specific.clone().max_by_key(|g| g.agents.iter().map(String::len).max()) {
            Some(best) => {
                let length = best.agents.iter().map(String::len).max();
                specific.filter(|g| g.agents.iter().map(String::len).max() == length).collect()
            }
            None => groups.iter().filter(|g| g.agents.iter().any(|a| a == "*")).collect(),
        };
        Robots {
            rules: chosen.iter().flat_map(|g| g.rules.iter().cloned()).collect(),
            crawl_delay: chosen.iter().find_map(|g| g.crawl_delay),
        }
    }

    /// Whether `path` (with its query) may be fetched.
    pub fn allows(&self, path: &str) -> bool {
        let path = if path.is_empty() { "/" } else { path };
        self.rules
            .iter()
            .filter(|(_, pattern)| !pattern.is_empty() && matches(pattern, path))
            .max_by_key(|(allow, pattern)| (pattern.len(), *allow))
            .is_none_or(|(allow, _)| *allow)
    }
}

#[derive(Default)]
struct Group {
    agents: Vec<String>,
    rules: Vec<(bool, String)>,
    crawl_delay: Option<f64>,
}

fn groups(text: &str) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut open = false;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some((key, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        match key.trim().to_ascii_lowercase().as_str() {
            "user-agent" => {
                if !open {
                    groups.push(Group::default());
                    open = true;
                }
                if let Some(group) = groups.last_mut() {
                    group.agents.push(value.to_ascii_lowercase());
                }
            }
            other => {
                open = false;
                let Some(group) = groups.last_mut() else { continue };
                match other {
                    "allow" => group.rules.push((true, value.to_string())),
                    "disallow" => group.rules.push((false, value.to_string())),
                    "crawl-delay" => {
                        group.crawl_delay = value.parse::<f64>().ok().filter(|d| d.is_finite() && *d >= 0.0)
                    }
                    _ => {}
                }
            }
        }
    }
    groups
}

/// Whether a rule's pattern matches the start of `path` (`*` any run, a final `$` the end).
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let mut pieces = pattern.split('*');
    let first = pieces.next().unwrap_or("");
    let Some(mut rest) = path.strip_prefix(first) else { return false };
    let pieces: Vec<&str> = pieces.collect();
    for (index, piece) in pieces.iter().enumerate() {
        let last = index + 1 == pieces.len();
        if last && anchored {
            return rest.ends_with(piece);
        }
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    !anchored || rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TXT: &str = "# comment\nUser-agent: *\nDisallow: /private/\nAllow: /private/open\nCrawl-delay: 2\n\n\
                       User-agent: Dossier\nUser-agent: other\nDisallow: /no-dossier\nDisallow: /*.pdf$\n\n\
                       User-agent: badbot\nDisallow: /\n";

    #[test]
    fn the_most_specific_group_applies() {
        let star = Robots::parse(TXT, "somebot");
        assert!(!star.allows("/private/x"));
        assert!(star.allows("/private/open/page"));
        assert!(star.allows("/no-dossier"));
        assert_eq!(star.crawl_delay, Some(2.0));
        let us = Robots::parse(TXT, "dossier");
        assert!(us.allows("/private/x"), "only its own group applies");
        assert!(!us.allows("/no-dossier/a"));
        assert!(!us.allows("/files/report.pdf"));
        assert!(us.allows("/files/report.pdf?download=1"));
        assert_eq!(us.crawl_delay, None);
        assert!(!Robots::parse(TXT, "badbot").allows("/"));
    }

    #[test]
    fn longest_match_wins_and_allow_wins_ties() {
        let robots = Robots::parse("User-agent: *\nDisallow: /a\nAllow: /a\nDisallow: /b/*/c\nDisallow:\n", "x");
        assert!(robots.allows("/a/page"));
        assert!(!robots.allows("/b/1/2/c/d"));
        assert!(robots.allows("/b/1/d"));
        assert!(Robots::allow_all().allows("/anything"));
        assert!(!Robots::deny_all().allows("/anything"));
        assert!(Robots::parse("garbage\n\u{0}\nDisallow: /x", "x").allows("/x"), "rules outside a group are ignored");
    }
}
