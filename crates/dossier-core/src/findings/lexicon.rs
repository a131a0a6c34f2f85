//! The words the findings share: gazetteers shipped as data (places, demonyms, given
//! names, organisations known by one word), the word lists of roles, honorifics and
//! speech verbs, and the tests on names built from them. Entities, quotes and the
//! timeline all read them here; none of them reads another for its words.

use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Verbs (and phrases) that attribute speech, in the forms news writing uses.
/// Patterns bound these (and other English words) with ASCII word boundaries,
/// `(?-u:\b)`: a Unicode `\b` sends the whole search to the slowest regex engines as
/// soon as the text holds one non-ASCII character (a curly quote will do), and beside
/// English words the two agree. The name pattern below keeps the Unicode one: a
/// capital after a non-ASCII letter ("ÖPNV") is no name's start.
/// What may stand between a speaker and the speech verb ("has said", "also told",
/// "later wrote"), as a regular expression.
pub(crate) const SPEECH_VERB_LEAD: &str = r"(?:has\s+|had\s+|also\s+|later\s+|then\s+)?";

pub(crate) const SPEECH_VERBS: &str = r"said|says|say|told|tells|added|adds|stated|states|warned|warns|explained|explains|noted|notes|argued|argues|insisted|insists|pointed out|points out|asked|asks|wrote|writes|tweeted|declared|announced|claimed|claims|stressed|stresses|urged|suggested|replied|responded|continued|commented|recalled|acknowledged|admitted|complained|predicted|vowed|promised|emphasized|emphasised|underlined|concluded|observed|remarked|cautioned|conceded|contended|maintained|reiterated|boasted|joked|quipped|shouted|yelled|whispered|testified|confirmed|denied|countered|mused|lamented|declared|reported|wrote|posted|recounted|reports|report|saying|asking|adding|telling|noting|writing|warning|arguing|insisting|explaining|declaring";

pub(crate) fn data_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty())
}

pub(crate) static PLACES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    data_lines(include_str!("../../data/places.tsv")).map(|l| l.split('\t').next().unwrap_or(l)).collect()
});
/// Demonym ("Russian") to place ("Russia").
pub(crate) static DEMONYMS: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    data_lines(include_str!("../../data/demonyms.tsv"))
        .filter_map(|l| l.split_once('\t'))
        .map(|(p, d)| (d, p))
        .collect()
});
/// Function words and words too common to tell stories or titles apart.
pub(crate) static STOPWORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("../../data/stopwords.txt").split_whitespace().collect());
pub(crate) static GIVEN_NAMES: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| data_lines(include_str!("../../data/first_names.txt")).collect());
pub(crate) static KNOWN_ORGANISATIONS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let outlets = data_lines(include_str!("../../data/outlets.tsv")).filter_map(|l| l.split('\t').nth(1));
    data_lines(include_str!("../../data/organisations.txt"))
        .chain(outlets)
        .map(|n| n.trim_start_matches("The ").to_string())
        .collect()
});

/// Words that make a name an organisation's.
pub(crate) const ORG_WORDS: &[&str] = &[
    "Ministry",
    "Agency",
    "Association",
    "Federation",
    "Board",
    "Bureau",
    "Society",
    "League",
    "Alliance",
    "Coalition",
    "Administration",
    "Authority",
    "Department",
    "Council",
    "Commission",
    "Union",
    "Organization",
    "Organisation",
    "Office",
    "Committee",
    "Parliament",
    "Government",
    "Party",
    "Court",
    "Bank",
    "University",
    "Institute",
    "Foundation",
    "Corporation",
    "Company",
    "Inc",
    "Inc.",
    "Corp",
    "Corp.",
    "Ltd",
    "Group",
    "News",
    "Novosti",
    "Times",
    "Post",
    "Press",
    "Service",
    "Fund",
    "Association",
    "Alliance",
    "Army",
    "Navy",
    "Forces",
    "Police",
    "Senate",
    "Congress",
    "Duma",
    "Assembly",
    "Authority",
    "Bureau",
    "Board",
    "Nations",
    "Network",
    "Radio",
    "Television",
    "Journal",
    "Herald",
    "Tribune",
    "Telegraph",
    "Club",
    "League",
    "Academy",
    "College",
    "Hospital",
    "Church",
    "Movement",
    "Coalition",
    "Campaign",
    "Center",
    "Centre",
    "Administration",
    "Cabinet",
    "Embassy",
    "Kremlin",
    "Pentagon",
];

/// Last words that make a name a place's.
pub(crate) const PLACE_SUFFIXES: &[&str] = &[
    "Sea",
    "Ocean",
    "River",
    "Gulf",
    "Strait",
    "Straits",
    "Mountains",
    "Lake",
    "Island",
    "Islands",
    "Peninsula",
    "Bay",
    "Valley",
    "Desert",
    "Region",
    "Oblast",
    "Province",
    "County",
    "Canal",
    "Channel",
    "Coast",
];

pub(crate) const HONORIFICS: &[&str] =
    &["Mr.", "Mrs.", "Ms.", "Dr.", "Sen.", "Rep.", "Gov.", "Gen.", "Col.", "Lt.", "Prof."];

/// Words that open a description rather than a name ("the candidate", "his campaign").
pub(crate) const DETERMINERS: &[&str] = &["the", "a", "an", "this", "that", "his", "her", "its", "their", "our"];

/// Words that connect parts of a role or an organisation's name ("Secretary of State").
pub(crate) const CONNECTORS: &[&str] = &["of", "for", "the", "and"];

pub(crate) static NAME: LazyLock<Regex> = LazyLock::new(|| {
    // Honorifics and ranks may open or sit inside a run ("Retired Lt. Gen. Michael Flynn").
    Regex::new(r"\b(?:(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Col|Lt|St|Prof|Del|Sgt|Capt|Adm|Maj|Rev|Hon)\.\s)*(?:(?:[A-Z]\.){2,}|[A-Z][\w’'-]+|[A-Z]\.)(?:\s(?:(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Col|Lt|Prof|Del|Sgt|Capt|Adm|Maj|Rev|Hon)\.|(?:[A-Z]\.){2,}|[A-Z][\w’'-]+|[A-Z]\.|(?:de|van|von|bin|al-\w+)\b))*").unwrap()
});
/// Words that open a sentence but never a name (calendar names are in `dates`).
pub(crate) const NOT_NAMES: &[&str] = &[
    "The",
    "A",
    "An",
    "This",
    "That",
    "These",
    "Those",
    "It",
    "In",
    "On",
    "At",
    "For",
    "But",
    "And",
    "Also",
    "However",
    "Earlier",
    "Later",
    "Despite",
    "Commenting",
    "After",
    "Before",
    "When",
    "While",
    "If",
    "As",
    "He",
    "She",
    "They",
    "We",
    "I",
    "Our",
    "Their",
    "His",
    "Her",
    "Its",
    "Meanwhile",
    "With",
    "From",
    "To",
    "By",
    "Of",
    "Under",
    "Over",
    "Since",
    "Until",
    "During",
    "Among",
    "Without",
    "About",
    "Against",
    "Amid",
    "Although",
    "Though",
    "Because",
    "Once",
    "Now",
    "Today",
    "Yesterday",
    "Every",
    "Some",
    "Many",
    "Most",
    "All",
    "Both",
    "Several",
    "Another",
    "Each",
    "Last",
    "Next",
    "Do",
    "See",
    "What",
    "Which",
    "Who",
    "Why",
    "How",
    "Where",
    "Not",
    "No",
    "Only",
    "Even",
    "My",
    "Your",
    "You",
    "Still",
    "Yet",
    "So",
    "Then",
    "There",
    "Here",
    "TV",
];

/// Nouns by which an article refers back to a person it named ("the Russian diplomat", "Putin's aide").
pub(crate) const ROLE_NOUNS: &[&str] = &[
    "diplomat",
    "official",
    "minister",
    "aide",
    "adviser",
    "advisor",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "envoy",
    "president",
    "leader",
    "colleague",
    "senator",
    "governor",
    "mayor",
    "chancellor",
    "ambassador",
    "secretary",
    "candidate",
    "nominee",
    "chairman",
    "chief",
    "director",
    "lawmaker",
    "congressman",
    "congresswoman",
    "source",
];

/// The words a role of the kind a [`ROLE_NOUNS`] noun names is written with next to a
/// name: "the senator" was introduced as "Sen. Marco Rubio", "the diplomat" as "Deputy
/// Foreign Minister Sergey Ryabkov". Every noun also stands for itself.
const ROLE_KINDS: &[(&str, &[&str])] = &[
    ("diplomat", &["minister", "ambassador", "envoy", "diplomat"]),
    ("senator", &["sen", "senator"]),
    ("governor", &["gov", "governor"]),
    ("president", &["president", "pres"]),
    ("secretary", &["secretary", "sec"]),
    ("lawmaker", &["sen", "senator", "rep", "representative", "congressman", "congresswoman", "lawmaker", "mp"]),
    ("congressman", &["rep", "representative", "congressman"]),
    ("congresswoman", &["rep", "representative", "congresswoman"]),
    ("candidate", &["candidate", "nominee", "hopeful"]),
    ("nominee", &["nominee", "candidate"]),
    ("leader", &["leader", "president", "chancellor", "premier"]),
    ("spokesman", &["spokesman", "spokesperson", "spokeswoman"]),
    ("spokeswoman", &["spokeswoman", "spokesperson", "spokesman"]),
    ("spokesperson", &["spokesperson", "spokesman", "spokeswoman"]),
    ("adviser", &["adviser", "advisor"]),
    ("advisor", &["advisor", "adviser"]),
];

/// The role words that name a role of the kind `noun` does (the noun itself at least).
pub(crate) fn role_kinds(noun: &str) -> Vec<&str> {
    ROLE_KINDS.iter().find(|(n, _)| *n == noun).map_or_else(|| vec![noun], |(_, kinds)| kinds.to_vec())
}

/// Words that introduce a person's role rather than name them.
pub(crate) const ROLE_WORDS: &[&str] = &[
    "President",
    "Prime",
    "Minister",
    "Deputy",
    "Foreign",
    "Secretary",
    "General",
    "Assistant",
    "State",
    "Senator",
    "Sen.",
    "Rep.",
    "Representative",
    "Governor",
    "Gov.",
    "Mayor",
    "Chancellor",
    "Ambassador",
    "Spokesman",
    "Spokeswoman",
    "Spokesperson",
    "Director",
    "Chief",
    "Chairman",
    "Chairwoman",
    "Chair",
    "Vice",
    "Senior",
    "Russian",
    "Ukrainian",
    "American",
    "U.S.",
    "US",
    "Chinese",
    "British",
    "French",
    "German",
    "Defense",
    "Defence",
    "Interior",
    "Finance",
    "Justice",
    "Attorney",
    "Judge",
    "Justice",
    "Commander",
    "Colonel",
    "Col.",
    "Gen.",
    "Lt.",
    "Dr.",
    "Mr.",
    "Mrs.",
    "Ms.",
    "Former",
    "Republican",
    "Democratic",
    "Democrat",
    "Libertarian",
    "Independent",
    "Conservative",
    "Liberal",
    "Radical",
    "Islamic",
    "Retired",
    "Del.",
    "Sgt.",
    "Capt.",
    "Adm.",
    "Maj.",
    "Rev.",
    "Prof.",
];

/// Splits a role-and-name phrase ("Russian Deputy Foreign Minister Sergey Ryabkov")
/// into the name and the role.
pub fn split_role(phrase: &str) -> (String, Option<String>) {
    let phrase = phrase.trim().trim_start_matches("the ").trim_start_matches("The ");
    let words: Vec<&str> = phrase.split_whitespace().collect();
    let is_role = |w: &&&str| {
        let w = w.trim_end_matches(',');
        ROLE_WORDS.contains(&w) || (w.len() >= 2 && w.chars().all(|c| c.is_ascii_uppercase() || c == '.'))
    };
    let role_len = words.iter().take_while(is_role).count();
    if role_len == 0 || role_len == words.len() {
        return (phrase.to_string(), None);
    }
    (words[role_len..].join(" "), Some(words[..role_len].join(" ")))
}

pub(crate) fn strip_possessive(name: &str) -> &str {
    name.trim_end_matches("'s").trim_end_matches("\u{2019}s").trim_end_matches(['\'', '\u{2019}'])
}

/// Which of "he" and "she" an article uses for someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gender {
    Male,
    Female,
}

fn gender_table(text: &'static str) -> impl Iterator<Item = (&'static str, Gender)> {
    data_lines(text).filter_map(|line| match line.split_once('\t')? {
        (word, "m") => Some((word, Gender::Male)),
        (word, "f") => Some((word, Gender::Female)),
        _ => None,
    })
}

static GIVEN_NAME_GENDERS: LazyLock<HashMap<&'static str, Gender>> =
    LazyLock::new(|| gender_table(include_str!("../../data/given_name_genders.tsv")).collect());
static GENDERED_WORDS: LazyLock<HashMap<&'static str, Gender>> =
    LazyLock::new(|| gender_table(include_str!("../../data/gendered_words.tsv")).collect());

/// The gender a name or description tells: an honorific or a role noun with a sex of
/// its own anywhere ("Mrs.", "the congresswoman"), else a given name in given-name
/// position (a word with another after it: "Clinton" alone is a surname, and "Hillary
/// Clinton" is a woman's name). None when nothing tells.
pub(crate) fn gender_of(name: &str) -> Option<Gender> {
    let words: Vec<&str> = name.split_whitespace().map(|w| w.trim_matches(|c: char| !c.is_alphanumeric())).collect();
    words.iter().find_map(|w| GENDERED_WORDS.get(w.to_lowercase().as_str()).copied()).or_else(|| {
        let given = words.len().saturating_sub(1);
        words[..given].iter().find_map(|w| GIVEN_NAME_GENDERS.get(w).copied())
    })
}

/// Whether a name holds a given name with a word after it ("Malcolm Turnbull",
/// "Australian Prime Minister Malcolm Turnbull"): a person's name, which a headline's
/// run of capitals ("Veto Power Impedes Peace Efforts") or a brand ("Apple Music") is not.
pub(crate) fn has_given_name(name: &str) -> bool {
    name.split_whitespace().rev().skip(1).any(|w| GIVEN_NAMES.contains(w))
}

/// Whether a phrase opens with a determiner ("the report", "his campaign"): a thing or
/// a person described, not named.
pub(crate) fn opens_with_determiner(phrase: &str) -> bool {
    phrase.split_whitespace().next().is_some_and(|w| DETERMINERS.iter().any(|d| w.eq_ignore_ascii_case(d)))
}

/// Whether "he" or "she" may stand for whoever `name` names: a person (not an
/// organisation, nor a thing described, "the report", "a document") of that gender
/// or of one nothing tells.
pub(crate) fn may_be_called(name: &str, gender: Gender) -> bool {
    let lower = name.to_lowercase();
    let described = opens_with_determiner(name);
    let person_described =
        lower.split(|c: char| !c.is_alphanumeric()).any(|w| ROLE_NOUNS.contains(&w) || GENDERED_WORDS.contains_key(w));
    !is_body(name) && !is_place(name) && (!described || person_described) && gender_of(name).is_none_or(|g| g == gender)
}

/// The words just before a name that title it ("Republican presidential nominee",
/// "Trump's campaign manager", "the former"): back from the name while the words are
/// not function words, at most six. A role noun further back belongs to someone else:
/// in "the president responded to a Gold Star mother", "Gold Star" is no president.
pub(crate) fn title_before(before: &str) -> &str {
    const TITLE_FUNCTION_WORDS: [&str; 3] = ["former", "of", "late"];
    const MAX_TITLE_WORDS: usize = 6;
    let mut rest = before.trim_end();
    let mut start = before.len();
    for _ in 0..MAX_TITLE_WORDS {
        let word_start = rest.char_indices().rfind(|(_, c)| c.is_whitespace()).map_or(0, |(i, c)| i + c.len_utf8());
        let word = &rest[word_start..];
        let lower = word.to_lowercase();
        // A clause ends at punctuation; a function word is not part of a title.
        let ends_clause = word.contains(['.', ',', ';', ':', '"', '“', '”', '(', ')']);
        if word.is_empty()
            || ends_clause
            || (STOPWORDS.contains(lower.as_str()) && !TITLE_FUNCTION_WORDS.contains(&lower.as_str()))
        {
            break;
        }
        start = word_start;
        rest = rest[..word_start].trim_end();
    }
    &before[start..]
}

/// An organisation's name: an acronym (NATO, EU) or a name with an organisation word.
pub(crate) fn is_body(name: &str) -> bool {
    is_acronym(name) || name.split_whitespace().any(|w| ORG_WORDS.contains(&w))
}

/// A name with at least one word that is neither a role ("Russian", "Minister") nor
/// a sentence opener.
pub(crate) fn is_real_name(name: &str) -> bool {
    let name = clean_name(strip_possessive(name));
    name.split_whitespace().any(|w| !ROLE_WORDS.contains(&w) && !is_not_name(w))
}

pub(crate) fn is_not_name(word: &str) -> bool {
    NOT_NAMES.contains(&word) || is_calendar_word(word)
}

/// A month or weekday name, alone or opening a compound ("Tuesday-night").
fn is_calendar_word(word: &str) -> bool {
    crate::dates::is_calendar_name(word.split('-').next().unwrap_or(word))
}

/// Drops words that open sentences ("Also", "The") from the front of a name, and the
/// day or month a sentence puts after it ("Ted Cruz Wednesday").
pub(crate) fn clean_name(name: &str) -> &str {
    let mut rest = name;
    while let Some((first, tail)) = rest.split_once(' ') {
        if is_not_name(first) {
            rest = tail;
        } else {
            break;
        }
    }
    while let Some((head, last)) = rest.rsplit_once(' ') {
        if is_calendar_word(last) {
            rest = head;
        } else {
            break;
        }
    }
    if is_not_name(rest) {
        ""
    } else {
        rest
    }
}

/// An acronym or initialism: NATO, EU, U.S.
pub(crate) fn is_acronym(name: &str) -> bool {
    name.len() >= 2
        && name.chars().any(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_uppercase() || c == '.')
}

/// "MOSCOW" → "Moscow", for datelines.
pub(crate) fn title_case(word: &str) -> String {
    let lower = word.to_lowercase();
    let mut chars = lower.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

pub(crate) fn is_place(name: &str) -> bool {
    PLACES.contains(name)
        || name.split_whitespace().count() >= 2
            && name.split_whitespace().last().is_some_and(|w| PLACE_SUFFIXES.contains(&w))
}

/// Whether a name is a news outlet's or an organisation known by one word.
pub(crate) fn is_known_organisation(name: &str) -> bool {
    KNOWN_ORGANISATIONS.contains(name.trim_start_matches("The "))
}

pub(crate) fn is_organisation(name: &str) -> bool {
    is_body(name) || KNOWN_ORGANISATIONS.contains(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_or_month_is_no_part_of_a_name() {
        assert_eq!(clean_name("Ted Cruz Wednesday"), "Ted Cruz");
        assert_eq!(clean_name("MSNBC Morning Joe Monday"), "MSNBC Morning Joe");
        assert_eq!(clean_name("Tuesday-night"), "");
        assert_eq!(clean_name("Last September"), "");
        assert_eq!(clean_name("Also Jane Alvarez"), "Jane Alvarez");
    }

    #[test]
    fn he_and_she_stand_for_people_of_their_gender_or_of_none_told() {
        assert_eq!(gender_of("Hillary Clinton"), Some(Gender::Female));
        assert_eq!(gender_of("Massachusetts Sen. Elizabeth Warren"), Some(Gender::Female));
        assert_eq!(gender_of("Clinton"), None, "a surname alone tells nothing");
        assert_eq!(gender_of("Mr. Rove"), Some(Gender::Male));
        assert_eq!(gender_of("the congresswoman"), Some(Gender::Female));
        assert!(may_be_called("Hillary Clinton", Gender::Female));
        assert!(!may_be_called("Jeff Merkley", Gender::Female));
        assert!(may_be_called("Barack Obama", Gender::Female), "a name the census does not list tells nothing");
        assert!(!may_be_called("a document", Gender::Female));
        assert!(!may_be_called("The article", Gender::Male));
        assert!(!may_be_called("NATO", Gender::Male));
        assert!(!may_be_called("United States", Gender::Female), "a place is no one");
        assert!(may_be_called("the former secretary", Gender::Female));
    }

    #[test]
    fn a_title_is_the_words_just_before_a_name() {
        assert_eq!(title_before("Republican presidential nominee "), "Republican presidential nominee ");
        assert_eq!(title_before("President Barack Obama responded to a "), "");
        assert_eq!(title_before("the senator said he would close loopholes "), "close loopholes ");
        assert_eq!(title_before("He met the former secretary of state "), "former secretary of state ");
        assert_eq!(title_before("Asked about it, campaign manager "), "campaign manager ");
        assert_eq!(title_before("said,\u{200a}aide "), "aide ", "a hair space is one character of three bytes");
    }
}
