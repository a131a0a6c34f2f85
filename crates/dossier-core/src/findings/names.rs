//! Telling whether two names are the same entity: aliases (a curated file),
//! transliteration variants (Sergei/Sergey, Yury/Yuri, Zelenskiy/Zelensky) and
//! short forms (a surname for a full name).

use crate::text::fold_for_match;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Normalised name to the canonical name of its alias row, as written in the file.
static ALIASES: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for line in include_str!("../../data/aliases.tsv").lines().filter(|l| !l.starts_with('#')) {
        let Some((canonical, variants)) = line.split_once('\t') else { continue };
        for name in std::iter::once(canonical).chain(variants.split('|')) {
            map.insert(normalise(name), canonical);
        }
    }
    map
});

/// The canonical name a curated alias row gives this name ("U.S." → "United States").
pub fn alias_canonical(name: &str) -> Option<&'static str> {
    looked_up(name, |found| found.alias)
}

/// One token reduced so that common romanisations of the same name agree:
/// Zelenskiy / Zelensky / Zelenskyy, Sergei / Sergey, Yury / Yuri, Aleksei / Alexei,
/// Dmitriy / Dmitry / Dmitri, Aleksandr / Alexander.
pub fn transliteration_key(token: &str) -> String {
    let mut key = token.to_lowercase().replace("yy", "y").replace("ks", "x");
    // Endings, applied in turn: -iy → -y → -i, -ey → -ei, -andr → -ander.
    for (suffix, replacement) in [("iy", "y"), ("ey", "ei"), ("y", "i"), ("andr", "ander")] {
        if key.len() > 3 && key.ends_with(suffix) {
            key.truncate(key.len() - suffix.len());
            key.push_str(replacement);
        }
    }
    key
}

/// Lower-cased honorifics that may precede a name.
const HONORIFICS: [&str; 14] =
    ["mr.", "mrs.", "ms.", "dr.", "sen.", "rep.", "gov.", "gen.", "prof.", "mr", "mrs", "ms", "dr", "sir"];

fn normalise(name: &str) -> String {
    // "Khan, who is Muslim," and "David Martosko (@dmartosko)" name Khan and Martosko.
    let name = name.split(',').next().unwrap_or(name);
    let name = name.split(" (").next().unwrap_or(name);
    let folded = fold_for_match(name).to_lowercase();
    let trimmed = folded.trim_start_matches("the ").trim_end_matches("'s").trim_matches(|c: char| !c.is_alphanumeric());
    // "Mr. Alexander" names Alexander: honorifics are not part of the name.
    let words: Vec<&str> = trimmed.split_whitespace().collect();
    let honorifics = words.iter().take_while(|w| HONORIFICS.contains(w) && words.len() > 1).count();
    words[honorifics..].iter().map(|w| transliteration_key(w)).collect::<Vec<_>>().join(" ")
}

/// The canonical key of a name: its alias target if listed, else its normalised form.
pub fn key(name: &str) -> String {
    looked_up(name, |found| found.key.clone())
}

/// What a name's normalised form looks up: its curated alias and its canonical key.
struct LookedUp {
    alias: Option<&'static str>,
    key: String,
}

/// Reads what `name` looks up. Names are looked up in loops (candidates against
/// speakers, mentions against the names before them), so each thread keeps what it
/// computed; the cache is dropped whole when it grows past a bound.
fn looked_up<T>(name: &str, read: impl FnOnce(&LookedUp) -> T) -> T {
    const MOST: usize = 16_384;
    thread_local! {
        static FOUND: std::cell::RefCell<HashMap<String, LookedUp>> = std::cell::RefCell::new(HashMap::new());
    }
    FOUND.with_borrow_mut(|found| {
        if let Some(entry) = found.get(name) {
            return read(entry);
        }
        let normal = normalise(name);
        let alias = ALIASES.get(&normal).copied();
        let entry = LookedUp { alias, key: alias.map(normalise).unwrap_or(normal) };
        let value = read(&entry);
        if found.len() >= MOST {
            found.clear();
        }
        found.insert(name.to_string(), entry);
        value
    })
}

/// Whether two names plausibly name the same entity: same key, or one is the other's
/// surname or a whole-word part of it ("Caddell" / "Pat Caddell").
pub fn same_entity(a: &str, b: &str) -> bool {
    let (a, b) = (key(a), key(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    let long_words: Vec<&str> = long.split_whitespace().collect();
    let short_words: Vec<&str> = short.split_whitespace().collect();
    long_words.windows(short_words.len()).any(|w| w == short_words.as_slice())
        && (short_words.len() > 1 || long_words.last() == short_words.last())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_variants_and_short_forms() {
        assert!(same_entity("Sergey Ryabkov", "Sergei Ryabkov"));
        assert!(same_entity("Yuri Ushakov", "Yury Ushakov"));
        assert!(same_entity("Zelenskiy", "Volodymyr Zelensky"));
        assert!(same_entity("Volodymyr Zelenskyy", "Volodymyr Zelenskiy"));
        assert!(same_entity("Grushko", "Alexander Grushko"));
        assert!(same_entity("U.S.", "United States"));
        assert!(same_entity("the EU", "European Union"));
        assert!(same_entity("Kiev", "Kyiv"));
        assert!(same_entity("Mr. Alexander", "Lamar Alexander"));
        assert!(same_entity("Rep. Gwen Moore (D-Wis.)", "Gwen Moore"));
        assert!(same_entity("Zelenskiy", "Zelensky"));
        assert!(same_entity("Dmitriy Peskov", "Dmitri Peskov"));
        assert!(same_entity("Aleksandr Lukashenko", "Alexander Lukashenko"));
        assert!(same_entity("Aleksei Navalny", "Alexei Navalnyy"));
        assert_eq!(alias_canonical("the U.S."), Some("United States"));
        assert!(same_entity("The New York Post", "New York Post"));
        assert!(!same_entity("Alexander Grushko", "Alexander Lukashenko"));
        assert!(!same_entity("Hillary Clinton", "Bill Clinton"));
        assert!(!same_entity("Alexander", "Alexander Grushko"));
        assert!(same_entity("Khizr Khan", "Khan, who is Muslim,"));
        assert!(same_entity("David Martosko", "David Martosko (@dmartosko)"));
    }
}
