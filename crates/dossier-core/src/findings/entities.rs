//! People, organisations and places an article names, and one entity across articles.
//!
//! Candidates are runs of capitalised words. Their kind comes from cues in the text
//! (a role before a name, an honorific, a speech verb after it, an organisation word,
//! a geographic suffix) and from gazetteers shipped as data (places, demonyms, given
//! names, organisations known by one word). Within an article a surname or a short
//! form joins the full name it refers to; across articles names join by their
//! alias-aware, transliteration-tolerant key (`names::key`).

use crate::findings::lexicon::{
    clean_name, is_acronym, is_organisation, is_place, strip_possessive, title_case, CONNECTORS, DEMONYMS, GIVEN_NAMES,
    HONORIFICS, NAME, ORG_WORDS, PLACES, ROLE_NOUNS, ROLE_WORDS, SPEECH_VERBS,
};
use crate::findings::names;
use crate::findings::sentences;
use crate::partition::{components, find_root, union};
use crate::text::paragraph_starts;
use regex::Regex;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::LazyLock;

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    Person,
    Organization,
    Place,
}

impl EntityKind {
    pub fn label(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Organization => "organization",
            EntityKind::Place => "place",
        }
    }
}

/// One place in the clean text where an entity is named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    /// The words as written (possessive dropped).
    pub text: String,
    /// Byte offsets in the clean text (paragraphs joined by a blank line).
    pub start: usize,
    pub end: usize,
    /// Index into `ArticleEntities::entities`.
    pub entity: usize,
}

/// An entity as one article names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// The fullest form the article uses ("Alexander Grushko", "Russian Foreign Ministry").
    pub name: String,
    pub kind: EntityKind,
    /// For people: the role the article gives them ("Deputy Foreign Minister").
    pub role: Option<String>,
    /// Every distinct full form the article uses, the name included.
    pub forms: Vec<String>,
    pub mentions: usize,
}

/// The entities of one article and where each is mentioned.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArticleEntities {
    pub entities: Vec<Entity>,
    pub mentions: Vec<Mention>,
}

impl ArticleEntities {
    /// Every form's key to its entity, for resolving many names at once.
    pub fn keys(&self) -> HashMap<String, usize> {
        let mut keys = HashMap::new();
        for (index, entity) in self.entities.iter().enumerate() {
            for form in entity.forms.iter().chain(std::iter::once(&entity.name)) {
                keys.entry(names::key(form)).or_insert(index);
            }
        }
        keys
    }

    /// The entity a name (a speaker, say) refers to in this article.
    pub fn find(&self, name: &str) -> Option<usize> {
        let key = names::key(name);
        self.entities
            .iter()
            .position(|e| e.forms.iter().any(|f| names::key(f) == key))
            .or_else(|| self.entities.iter().position(|e| names::same_entity(&e.name, name)))
    }
}

static SPEECH_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^,?\s+(?:has\s+|had\s+|also\s+|later\s+|then\s+|previously\s+)?(?:{SPEECH_VERBS})(?-u:\b)"))
        .unwrap()
});

/// The verbs that make a lone capitalised word a speaker ("Ryabkov said"); nouns
/// such as "claims" or "reports" are left out, since "Western claims" is no one.
static SAID_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^,?\s+(?:has\s+|had\s+|also\s+|later\s+|then\s+)?(?:said|says|told|tells|added|warned|explained|insisted|stressed|wrote|tweeted|asked|replied|noted|argued|declared|announced)(?-u:\b)").unwrap()
});

/// Whether a name is a place's (gazetteer, geographic suffix or curated alias).
pub(crate) fn is_place_name(name: &str) -> bool {
    classify(name, Cues::default()) == Some(EntityKind::Place)
}

/// Whether a name, with nothing around it, reads as a person's or an organisation's.
pub(crate) fn looks_like_actor(name: &str) -> bool {
    matches!(classify(name, Cues::default()), Some(EntityKind::Person | EntityKind::Organization))
}

/// Evidence about a candidate from the words around it.
#[derive(Default, Clone, Copy)]
struct Cues {
    role: bool,
    honorific: bool,
    speaks: bool,
}

/// The kind of a name, or `None` when nothing says what it is.
fn classify(name: &str, cues: Cues) -> Option<EntityKind> {
    if let Some(canonical) = names::alias_canonical(name).filter(|c| *c != name) {
        return classify(canonical, Cues::default());
    }
    if is_place(name) {
        return Some(EntityKind::Place);
    }
    if is_organisation(name) {
        return Some(EntityKind::Organization);
    }
    let words: Vec<&str> = name.split_whitespace().collect();
    let given = words.first().is_some_and(|w| GIVEN_NAMES.contains(w));
    let multiword = words.len() >= 2 && words.len() <= 4;
    if cues.role || cues.honorific || (multiword && (given || cues.speaks)) {
        return Some(EntityKind::Person);
    }
    (cues.speaks && words.len() == 1).then_some(EntityKind::Person)
}

/// Whether a capitalised word can belong to a role rather than a name.
fn is_role_word(word: &str) -> bool {
    ROLE_WORDS.contains(&word)
        || DEMONYMS.contains_key(word)
        || is_acronym(word)
        || PLACES.contains(strip_possessive(word))
        || ["Affairs", "Policy", "Security", "Staff", "House", "Department", "Ministry"].contains(&word)
}

/// Splits "U.S. Assistant Secretary of State Karen Donfried" into the role and the name.
fn split_person_role(phrase: &str) -> (String, Option<String>) {
    let words: Vec<&str> = phrase.split_whitespace().collect();
    let mut role_len = 0;
    for (index, word) in words.iter().enumerate() {
        let connects = CONNECTORS.contains(word) && words.get(index + 1).is_some_and(|w| is_role_word(w));
        if is_role_word(word) || connects {
            role_len = index + 1;
        } else {
            break;
        }
    }
    let name_words = &words[role_len..];
    let named = name_words.first().is_some_and(|w| w.chars().next().is_some_and(char::is_uppercase));
    if role_len == 0 || !named {
        return (phrase.to_string(), None);
    }
    (name_words.join(" "), Some(words[..role_len].join(" ")))
}

/// A role written in lower case before a name ("Putin's senior foreign policy aide").
fn role_before(before: &str) -> Option<String> {
    const STOP: &[&str] = &[
        "the", "a", "an", "to", "of", "by", "with", "from", "as", "and", "or", "that", "his", "her", "their", "its",
        "in", "on", "at", "for", "said", "told", "says", "while", "but",
    ];
    let words: Vec<&str> = before.split_whitespace().collect();
    let last = *words.last()?;
    if !ROLE_NOUNS.contains(&last) {
        return None;
    }
    let mut taken = 0;
    for word in words.iter().rev() {
        let lower_stop = STOP.contains(word) || word.ends_with("ed") || word.ends_with("ing");
        let punctuated = word.ends_with([',', ';', ':', '.', '"', '\u{201C}', '\u{201D}', '(', ')']);
        if taken >= 6 || punctuated || (word.chars().next().is_some_and(char::is_lowercase) && lower_stop) {
            break;
        }
        taken += 1;
    }
    Some(words[words.len() - taken..].join(" "))
}

/// A role in an appositive after a name (", the assistant secretary of state for …,").
fn role_after(after: &str) -> Option<String> {
    let rest = after.strip_prefix(", ")?;
    let rest = rest.strip_prefix("the ").or_else(|| rest.strip_prefix("a "))?;
    let phrase = rest.split([',', '.', ';', '(']).next()?.trim();
    let lower = phrase.to_lowercase();
    let has_role = lower.split_whitespace().any(|w| ROLE_NOUNS.contains(&w));
    (has_role && phrase.split_whitespace().count() <= 16).then(|| phrase.to_string())
}

/// A capitalised run found in a sentence, before linking.
struct Candidate {
    name: String,
    start: usize,
    end: usize,
    kind: Option<EntityKind>,
    role: Option<String>,
}

/// Capitalised runs of a sentence, with "X of (the) Y" joined when X ends in an
/// organisation or role word ("Ministry of Foreign Affairs", "Secretary of State").
pub(crate) fn runs(sentence: &str) -> Vec<(usize, usize)> {
    let mut found: Vec<(usize, usize)> = Vec::new();
    for m in NAME.find_iter(sentence) {
        if let Some(last) = found.last_mut() {
            let gap = &sentence[last.1..m.start()];
            let last_word = sentence[last.0..last.1].split_whitespace().last().unwrap_or("");
            let joins = matches!(gap, " of " | " of the " | " for ")
                && (ORG_WORDS.contains(&last_word) || ROLE_WORDS.contains(&last_word));
            if joins {
                last.1 = m.end();
                continue;
            }
        }
        found.push((m.start(), m.end()));
    }
    found
}

/// The candidates of one sentence; `offset` is where the sentence starts in the clean text.
fn sentence_candidates(sentence: &str, offset: usize, out: &mut Vec<Candidate>) {
    for (run_start, run_end) in runs(sentence) {
        // "Russia's Foreign Ministry": the possessor is an entity of its own and qualifies the rest.
        let mut parts: Vec<(usize, usize)> = Vec::new();
        let mut part_start = run_start;
        let mut word_start = run_start;
        for word in sentence[run_start..run_end].split(' ') {
            let word_end = word_start + word.len();
            if strip_possessive(word) != word && word_end < run_end {
                parts.push((part_start, word_end));
                part_start = word_end + 1;
            }
            word_start = word_end + 1;
        }
        parts.push((part_start, run_end));
        let mut possessor: Option<String> = None;
        for (start, end) in parts {
            let piece = strip_possessive(&sentence[start..end]);
            let cleaned = clean_name(piece);
            if cleaned.is_empty() {
                continue;
            }
            let start = start + piece.len() - cleaned.len();
            let end = start + cleaned.len();
            let found = candidate(sentence, start, end, possessor.as_deref(), offset);
            possessor = Some(found.name.clone());
            if let Some(role) = found.role.as_deref().filter(|r| sentence[start..end].starts_with(*r)) {
                role_entities(role, start, offset, out);
            }
            out.push(found);
        }
    }
}

/// Places and organisations named inside a role ("NATO Secretary General", "U.S. President").
fn role_entities(role: &str, role_start: usize, offset: usize, out: &mut Vec<Candidate>) {
    let mut at = role_start;
    for word in role.split(' ') {
        let bare = strip_possessive(word);
        let kind = classify(bare, Cues::default()).filter(|k| *k != EntityKind::Person);
        if kind.is_some() && !DEMONYMS.contains_key(bare) {
            let start = offset + at;
            out.push(Candidate { name: bare.to_string(), start, end: start + bare.len(), kind, role: None });
        }
        at += word.len() + 1;
    }
}

/// Reads one capitalised run (`sentence[start..end]`) with the cues around it.
fn candidate(sentence: &str, start: usize, end: usize, possessor: Option<&str>, offset: usize) -> Candidate {
    let written = &sentence[start..end];
    let after = &sentence[end..];
    let after = after.strip_prefix("'s").or_else(|| after.strip_prefix("\u{2019}s")).unwrap_or(after);
    // A dateline's "MOSCOW" is Moscow; "NATO" stays an acronym.
    let shouted = !written.chars().any(char::is_lowercase) && PLACES.contains(title_case(written).as_str());
    let written = if shouted { title_case(written) } else { written.to_string() };
    let honorific = HONORIFICS.iter().any(|h| written.starts_with(h));
    let unprefixed = HONORIFICS.iter().fold(written.as_str(), |n, h| n.trim_start_matches(h).trim_start()).to_string();
    let one_word = !written.contains(' ');
    let speaks = if one_word { SAID_AFTER.is_match(after) } else { SPEECH_AFTER.is_match(after) };
    let mut cues = Cues { honorific, speaks, role: false };
    let mut name = unprefixed.clone();
    let mut role = None;
    if !is_organisation(&unprefixed) && !is_place(&unprefixed) {
        let (person, prefix) = split_person_role(&unprefixed);
        name = person;
        role = prefix.or_else(|| role_before(&sentence[..start])).or_else(|| role_after(after));
        cues.role = role.is_some();
    }
    let known = is_organisation(&name) || is_place(&name) || names::alias_canonical(&name).is_some();
    let kind = if !known && is_role_only(&name) { None } else { classify(&name, cues) };
    // "Russia's Foreign Ministry" is the Russian Foreign Ministry.
    if let (Some(owner), Some(EntityKind::Organization)) = (possessor, kind) {
        if let Some((demonym, _)) = DEMONYMS.iter().find(|(_, place)| **place == owner) {
            name = format!("{demonym} {name}");
        }
    }
    Candidate { name, start: offset + start, end: offset + end, kind, role }
}

/// A run that is nothing but role words ("Deputy Foreign Minister", "Russian").
fn is_role_only(name: &str) -> bool {
    name.split_whitespace().all(|w| ROLE_WORDS.contains(&w) || DEMONYMS.contains_key(w) || CONNECTORS.contains(&w))
}

/// The entities of an article given its paragraphs (in order).
pub fn extract<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> ArticleEntities {
    let mut candidates = Vec::new();
    for (offset, paragraph) in paragraph_starts(paragraphs) {
        for range in sentences::split(paragraph) {
            sentence_candidates(&paragraph[range.clone()], offset + range.start, &mut candidates);
        }
    }
    link(candidates)
}

/// Joins candidates into the article's entities: full names first, then surnames,
/// short forms and acronyms to the full name they stand for.
fn link(candidates: Vec<Candidate>) -> ArticleEntities {
    let mut result = ArticleEntities::default();
    let mut by_key: HashMap<(EntityKind, String), usize> = HashMap::new();
    let mut assigned: Vec<Option<usize>> = vec![None; candidates.len()];
    for (index, candidate) in candidates.iter().enumerate() {
        let Some(kind) = candidate.kind else { continue };
        let full = kind != EntityKind::Person || candidate.name.split_whitespace().count() >= 2;
        if !full {
            continue;
        }
        let key = (kind, names::key(&candidate.name));
        let entity = *by_key.entry(key).or_insert_with(|| {
            result.entities.push(Entity {
                name: candidate.name.clone(),
                kind,
                role: None,
                forms: Vec::new(),
                mentions: 0,
            });
            result.entities.len() - 1
        });
        assigned[index] = Some(entity);
    }
    for (index, candidate) in candidates.iter().enumerate() {
        if assigned[index].is_none() {
            assigned[index] = short_form_of(candidate, &result.entities);
        }
    }
    merge_short_organisations(&result.entities, &mut assigned);
    for (index, candidate) in candidates.iter().enumerate() {
        let entity = match assigned[index] {
            Some(entity) => entity,
            None if candidate.kind.is_some() => {
                result.entities.push(Entity {
                    name: candidate.name.clone(),
                    kind: candidate.kind.unwrap_or(EntityKind::Person),
                    role: None,
                    forms: Vec::new(),
                    mentions: 0,
                });
                result.entities.len() - 1
            }
            None => continue,
        };
        record(&mut result, entity, candidate);
    }
    drop_unmentioned(&mut result);
    result
}

/// Removes entities every mention of which went to a longer form, renumbering mentions.
fn drop_unmentioned(result: &mut ArticleEntities) {
    let mut new_index = Vec::with_capacity(result.entities.len());
    let mut kept = 0;
    for entity in &result.entities {
        new_index.push(kept);
        kept += usize::from(entity.mentions > 0);
    }
    result.entities.retain(|e| e.mentions > 0);
    for mention in &mut result.mentions {
        mention.entity = new_index[mention.entity];
    }
}

/// Titles written as such ("Deputy Foreign Minister") beat descriptions ("the official"); then longer wins.
fn role_rank(role: &str) -> (bool, usize) {
    (role.chars().next().is_some_and(char::is_uppercase), role.len())
}

fn record(result: &mut ArticleEntities, entity: usize, candidate: &Candidate) {
    let target = &mut result.entities[entity];
    target.mentions += 1;
    let full = target.kind != EntityKind::Person || candidate.name.split_whitespace().count() >= 2;
    if full && !target.forms.contains(&candidate.name) {
        target.forms.push(candidate.name.clone());
    }
    if candidate.name.split_whitespace().count() > target.name.split_whitespace().count() {
        target.name = candidate.name.clone();
    }
    if let Some(role) = &candidate.role {
        if target.role.as_deref().is_none_or(|r| role_rank(role) > role_rank(r)) {
            target.role = Some(role.clone());
        }
    }
    result.mentions.push(Mention { text: candidate.name.clone(), start: candidate.start, end: candidate.end, entity });
}

/// The full name a surname ("Grushko"), a family name written first ("Xi") or an
/// acronym stands for in this article.
fn short_form_of(candidate: &Candidate, entities: &[Entity]) -> Option<usize> {
    let key = names::key(&candidate.name);
    if key.is_empty() || key.contains(' ') && candidate.kind.is_some() {
        return None;
    }
    let surname = entities.iter().rposition(|e| {
        e.kind == EntityKind::Person
            && e.name.split_whitespace().count() >= 2
            && (e.name.split_whitespace().last().map(names::key) == Some(key.clone())
                || e.name.split_whitespace().next().map(names::key) == Some(key.clone()))
    });
    surname.or_else(|| {
        is_acronym(&candidate.name)
            .then(|| {
                entities.iter().position(|e| {
                    e.kind == EntityKind::Organization && initials(&e.name) == candidate.name.replace('.', "")
                })
            })
            .flatten()
    })
}

/// "North Atlantic Treaty Organization" → "NATO".
fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter(|w| !CONNECTORS.contains(w))
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_uppercase())
        .collect()
}

/// "Foreign Ministry" is the article's "Russian Foreign Ministry" when it names only one.
fn merge_short_organisations(entities: &[Entity], assigned: &mut [Option<usize>]) {
    for slot in assigned.iter_mut() {
        let Some(current) = *slot else { continue };
        if entities[current].kind != EntityKind::Organization {
            continue;
        }
        let suffix = format!(" {}", entities[current].name);
        let longer: Vec<usize> = (0..entities.len())
            .filter(|&i| entities[i].kind == EntityKind::Organization && entities[i].name.ends_with(&suffix))
            .collect();
        if let [only] = longer.as_slice() {
            *slot = Some(*only);
        }
    }
}

/// One entity across the dossier: every article that names it, under any spelling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierEntity {
    /// Stable id from the kind and canonical name ("person-sergei-ryabkov"); when two
    /// entities would share it, the one with the smaller `key` keeps it and the other
    /// gets a suffix from its key, so an id never depends on the order articles came in.
    pub id: String,
    pub name: String,
    pub kind: EntityKind,
    /// Other spellings and short forms seen ("Sergey Ryabkov", "U.S.", "Kiev").
    pub variants: Vec<String>,
    /// The role most articles give a person.
    pub role: Option<String>,
    /// Ids of the articles naming it, in input order.
    pub articles: Vec<String>,
    pub mentions: usize,
    /// The smallest join key of its members: who it is, whatever else joins it later.
    #[serde(skip)]
    pub key: i64,
}

/// The dossier's entities, and which one each article entity is.
#[derive(Debug, Clone, Default)]
pub struct EntityIndex {
    pub entities: Vec<DossierEntity>,
    /// (article id, index in that article's entities) → index in `entities`.
    pub of_article: HashMap<(String, usize), usize>,
}

impl EntityIndex {
    /// The dossier entity that entity `local` of `article` is.
    pub fn of(&self, article: &str, local: usize) -> Option<&DossierEntity> {
        self.of_article.get(&(article.to_string(), local)).map(|&i| &self.entities[i])
    }
}

/// One article's entity, as the merge across articles reads it.
pub type Item<'a> = (&'a str, usize, &'a Entity);

/// What can join an article entity to others: a key per form (same kind, same
/// normalised name or alias) and, for a person, a surname key shared by a lone
/// surname and every full name ending with it. A store looks these up to find
/// which stored entities a new article can change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinKeys {
    pub forms: Vec<i64>,
    pub surname: Option<i64>,
}

fn hashed_key(tag: &str, key: &str) -> i64 {
    xxhash_rust::xxh3::xxh3_64(format!("{tag}\u{1}{key}").as_bytes()) as i64
}

pub fn join_keys(entity: &Entity) -> JoinKeys {
    let mut forms: Vec<i64> = entity
        .forms
        .iter()
        .chain(std::iter::once(&entity.name))
        .map(|form| hashed_key(entity.kind.label(), &names::key(form)))
        .collect();
    forms.sort_unstable();
    forms.dedup();
    let surname = (entity.kind == EntityKind::Person)
        .then(|| entity.name.split_whitespace().last())
        .flatten()
        .map(|last| hashed_key("surname", &names::key(last)));
    JoinKeys { forms, surname }
}

/// Merges the entities of many articles: names with the same kind and key (aliases,
/// transliterations) are one entity; a person named by surname alone joins the one
/// person with that surname, and stays apart when several share it.
pub fn merge<'a>(articles: impl IntoIterator<Item = (&'a str, &'a ArticleEntities)>) -> EntityIndex {
    let items: Vec<Item<'_>> = articles
        .into_iter()
        .flat_map(|(id, found)| found.entities.iter().enumerate().map(move |(i, e)| (id, i, e)))
        .collect();
    let mut index = EntityIndex::default();
    for (members, entity) in merge_items(&items) {
        for &m in &members {
            index.of_article.insert((items[m].0.to_string(), items[m].1), index.entities.len());
        }
        index.entities.push(entity);
    }
    let mut all: Vec<&mut DossierEntity> = index.entities.iter_mut().collect();
    assign_ids(&mut all);
    index
}

/// The dossier entities the items make (each with the items it is made of, in item
/// order), with ids not yet told apart: see [`assign_ids`]. Whatever else the dossier
/// holds, the result is the same as long as no other item shares a join key with these.
pub fn merge_items(items: &[Item<'_>]) -> Vec<(Vec<usize>, DossierEntity)> {
    partition_items(items)
        .into_iter()
        .map(|members| {
            let entity = combine(&members.iter().map(|&m| items[m]).collect::<Vec<_>>());
            (members, entity)
        })
        .collect()
}

/// Which items are one entity (each component's items in item order): the same kind
/// and key, or a person named by surname alone and the one full name ending with it.
fn partition_items(items: &[Item<'_>]) -> Vec<Vec<usize>> {
    let mut keys = NameKeys::default();
    let mut parent: Vec<usize> = (0..items.len()).collect();
    let mut first_with_key: FxHashMap<(EntityKind, u64), usize> = FxHashMap::default();
    for (index, (_, _, entity)) in items.iter().enumerate() {
        for form in entity.forms.iter().chain(std::iter::once(&entity.name)) {
            let other = *first_with_key.entry((entity.kind, keys.of(form))).or_insert(index);
            union(&mut parent, index, other);
        }
    }
    join_lone_surnames(items, &mut parent, &mut keys);
    components(&mut parent)
}

/// Names' keys (hashed), each worked out once: a story names the same people in
/// every article, and working out a key folds and transliterates the name.
#[derive(Default)]
struct NameKeys<'a> {
    keys: FxHashMap<&'a str, u64>,
}

impl<'a> NameKeys<'a> {
    fn of(&mut self, name: &'a str) -> u64 {
        *self.keys.entry(name).or_insert_with(|| xxhash_rust::xxh3::xxh3_64(names::key(name).as_bytes()))
    }
}

/// A story's article entities told apart without making the entities: which entity
/// (a number) and which kind each article entity is. Enough to tell whether two
/// speakers are one person, at a fraction of the cost of [`merge`].
#[derive(Debug, Default)]
pub struct StoryEntities<'a> {
    of_article: FxHashMap<(&'a str, usize), (usize, EntityKind)>,
}

impl<'a> StoryEntities<'a> {
    /// Which entity, and of which kind, entity `local` of `article` is.
    pub fn of(&self, article: &'a str, local: usize) -> Option<(usize, EntityKind)> {
        self.of_article.get(&(article, local)).copied()
    }
}

/// The entities of a story's articles, told apart as [`merge`] tells them apart.
pub fn partition<'a>(articles: impl IntoIterator<Item = (&'a str, &'a ArticleEntities)>) -> StoryEntities<'a> {
    let items: Vec<Item<'a>> = articles
        .into_iter()
        .flat_map(|(id, found)| found.entities.iter().enumerate().map(move |(i, e)| (id, i, e)))
        .collect();
    let mut story = StoryEntities::default();
    for (number, members) in partition_items(&items).into_iter().enumerate() {
        for m in members {
            let (article, local, entity) = items[m];
            story.of_article.insert((article, local), (number, entity.kind));
        }
    }
    story
}

/// Tells apart entities whose names make the same id: the smallest key keeps the plain
/// id, the others get a suffix from their own key. `entities` must hold every entity
/// whose name makes one of these ids.
pub fn assign_ids(entities: &mut [&mut DossierEntity]) {
    let mut by_base: HashMap<String, Vec<usize>> = HashMap::new();
    for (at, entity) in entities.iter_mut().enumerate() {
        entity.id = base_id(entity.kind, &entity.name);
        by_base.entry(entity.id.clone()).or_default().push(at);
    }
    for sharing in by_base.values().filter(|s| s.len() > 1) {
        let plain = *sharing.iter().min_by_key(|&&at| entities[at].key).expect("a shared id has holders");
        for &at in sharing.iter().filter(|&&at| at != plain) {
            let suffix = format!("{:06x}", (entities[at].key as u64) >> 40);
            entities[at].id = format!("{}-{suffix}", entities[at].id);
        }
    }
}

/// The id an entity's kind and name make before it is told apart from another's.
pub fn base_id(kind: EntityKind, name: &str) -> String {
    let slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    format!("{}-{slug}", kind.label())
}

/// A person named only by one word ("Lavrov") joins the one multi-word person with that surname.
fn join_lone_surnames<'a>(items: &[Item<'a>], parent: &mut [usize], keys: &mut NameKeys<'a>) {
    let mut by_surname: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
    for (index, (_, _, entity)) in items.iter().enumerate() {
        let words: Vec<&'a str> = entity.name.split_whitespace().collect();
        if entity.kind == EntityKind::Person && words.len() >= 2 {
            by_surname.entry(keys.of(words[words.len() - 1])).or_default().push(index);
        }
    }
    // Each surname's full names reduced to the components they were in when first
    // asked about: unions only merge components, so the roots of these few stand for the
    // roots of all of them. Asking every full name again made a dossier where hundreds of
    // thousands of articles write "Trump" alone and in full quadratic.
    let mut components_of: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
    for (index, (_, _, entity)) in items.iter().enumerate() {
        if entity.kind != EntityKind::Person || entity.name.contains(' ') {
            continue;
        }
        let surname = keys.of(&entity.name);
        let Some(candidates) = by_surname.get(&surname) else { continue };
        let known = components_of.entry(surname).or_insert_with(|| distinct_roots(parent, candidates.iter().copied()));
        *known = distinct_roots(parent, known.iter().copied());
        if let [only] = known.as_slice() {
            union(parent, index, *only);
        }
    }
}

/// The roots of the components `members` are in, each once.
fn distinct_roots(parent: &mut [usize], members: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut roots: Vec<usize> = members.map(|m| find_root(parent, m)).collect();
    roots.sort_unstable();
    roots.dedup();
    roots
}

/// The dossier entity made of article entities known to be one (in item order): the
/// tally of its members, with the articles naming it.
fn combine(members: &[Item<'_>]) -> DossierEntity {
    let mut tally = Tally::default();
    let mut articles: Vec<String> = Vec::new();
    for (at, (article, _, entity)) in members.iter().enumerate() {
        // Members come in item order, an article's entities together.
        let new_article = articles.last().is_none_or(|last| last != article);
        if new_article {
            articles.push(article.to_string());
        }
        tally.add(&format!("{at:012}"), new_article, entity);
    }
    let (mut entity, _) = tally.entity();
    entity.articles = articles;
    entity
}

/// What a dossier entity is made of, kept beside it so that an article entity joining
/// it later folds in without its other members being read again. Folding members in
/// any order gives the entity [`combine`] makes of them in item order, as long as each
/// member's `order` sorts as its place in that order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    kind: Option<EntityKind>,
    names: std::collections::BTreeMap<String, usize>,
    roles: std::collections::BTreeMap<String, usize>,
    /// Each form and where it first appears: the member's order, then its place among
    /// the member's forms (its name last).
    forms: std::collections::BTreeMap<String, (String, usize)>,
    articles: usize,
    mentions: usize,
    key: Option<i64>,
    /// The surname keys of the people named in full among the members.
    full_surnames: std::collections::BTreeSet<i64>,
}

impl Tally {
    /// Folds in one member at `order`, counting its article when `new_article`.
    pub fn add(&mut self, order: &str, new_article: bool, entity: &Entity) {
        self.kind.get_or_insert(entity.kind);
        *self.names.entry(entity.name.clone()).or_default() += 1;
        if let Some(role) = &entity.role {
            *self.roles.entry(role.clone()).or_default() += 1;
        }
        for (place, form) in entity.forms.iter().chain(std::iter::once(&entity.name)).enumerate() {
            let seen = (order.to_string(), place);
            let first = self.forms.entry(form.clone()).or_insert_with(|| seen.clone());
            if seen < *first {
                *first = seen;
            }
        }
        self.articles += usize::from(new_article);
        self.mentions += entity.mentions;
        let keys = join_keys(entity);
        if let Some(&own) = keys.forms.iter().min() {
            self.key = Some(self.key.map_or(own, |key| key.min(own)));
        }
        if entity.name.contains(' ') {
            self.full_surnames.extend(keys.surname);
        }
    }

    /// The entity the members make (its article list left empty) and how many articles name it.
    pub fn entity(&self) -> (DossierEntity, usize) {
        let most_voted = |votes: &std::collections::BTreeMap<String, usize>| {
            votes
                .iter()
                .max_by_key(|(name, n)| (**n, role_rank(name), std::cmp::Reverse(name.to_string())))
                .map(|(n, _)| n.to_string())
        };
        let kind = self.kind.unwrap_or(EntityKind::Organization);
        let voted = most_voted(&self.names).unwrap_or_default();
        let name = names::alias_canonical(&voted).map(str::to_string).unwrap_or(voted);
        let mut forms: Vec<(&(String, usize), &String)> = self.forms.iter().map(|(form, at)| (at, form)).collect();
        forms.sort();
        let variants = forms.into_iter().map(|(_, form)| form.clone()).filter(|form| *form != name).collect();
        let entity = DossierEntity {
            id: base_id(kind, &name),
            name,
            kind,
            variants,
            role: most_voted(&self.roles),
            articles: Vec::new(),
            mentions: self.mentions,
            key: self.key.unwrap_or_default(),
        };
        (entity, self.articles)
    }

    /// Whether a person named in full with this surname key is among the members.
    pub fn names_in_full(&self, surname: i64) -> bool {
        self.full_surnames.contains(&surname)
    }

    /// The surname keys of the people named in full among the members.
    pub fn full_surnames(&self) -> impl Iterator<Item = i64> + '_ {
        self.full_surnames.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_of(text: &str) -> Vec<(String, EntityKind, Option<String>)> {
        extract(text.split("\n\n")).entities.into_iter().map(|e| (e.name, e.kind, e.role)).collect()
    }

    #[test]
    fn finds_people_with_roles_organisations_and_places() {
        let found = names_of(
            "MOSCOW (Reuters) - Deputy Foreign Minister Alexander Grushko's comments follow NATO Secretary General \
             Jens Stoltenberg's offer.\n\nRussia's Foreign Ministry handed a list to U.S. Assistant Secretary of \
             State Karen Donfried in Brussels. \"No,\" Grushko said. The Black Sea is calm, the Foreign Ministry said.",
        );
        let has = |name: &str, kind: EntityKind| found.iter().any(|(n, k, _)| n == name && *k == kind);
        assert!(has("Moscow", EntityKind::Place), "{found:?}");
        assert!(has("Reuters", EntityKind::Organization));
        assert!(has("NATO", EntityKind::Organization));
        assert!(has("Russian Foreign Ministry", EntityKind::Organization));
        assert!(has("Brussels", EntityKind::Place));
        assert!(has("Black Sea", EntityKind::Place));
        assert!(has("U.S.", EntityKind::Place));
        let role = |name: &str| found.iter().find(|(n, _, _)| n == name).and_then(|(_, _, r)| r.clone());
        assert_eq!(role("Alexander Grushko").as_deref(), Some("Deputy Foreign Minister"));
        assert_eq!(role("Jens Stoltenberg").as_deref(), Some("NATO Secretary General"));
        assert_eq!(role("Karen Donfried").as_deref(), Some("U.S. Assistant Secretary of State"));
        assert!(!found.iter().any(|(n, _, _)| n == "Grushko" || n == "Foreign Ministry" || n == "Russia's"));
    }

    #[test]
    fn leaves_out_what_nothing_identifies() {
        let found =
            names_of("Commenting on the response, officials met. Western claims grew. Security proposals were sent.");
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn one_entity_across_spellings_but_not_across_people() {
        let a = extract(["Russian Deputy Foreign Minister Sergei Ryabkov met Hillary Clinton in Kiev and the EU."]);
        let b = extract(["Sergey Ryabkov said so in Kyiv. Bill Clinton and the European Union did not. Ryabkov left."]);
        let index = merge([("a", &a), ("b", &b)]);
        let find = |n: &str| index.entities.iter().filter(|e| e.name == n || e.variants.iter().any(|v| v == n)).count();
        assert_eq!(find("Sergey Ryabkov"), 1);
        assert_eq!(find("Sergei Ryabkov"), 1);
        let ryabkov = index
            .entities
            .iter()
            .find(|e| e.variants.iter().any(|v| v == "Sergey Ryabkov") || e.name == "Sergey Ryabkov")
            .unwrap();
        assert_eq!(ryabkov.articles, ["a", "b"]);
        assert_eq!(ryabkov.role.as_deref(), Some("Russian Deputy Foreign Minister"));
        let kyiv = index.entities.iter().find(|e| e.name == "Kyiv").unwrap();
        assert_eq!(kyiv.variants, ["Kiev"]);
        assert!(index.entities.iter().any(|e| e.name == "European Union" && e.variants == ["EU"]));
        assert_eq!(index.entities.iter().filter(|e| e.name.ends_with("Clinton")).count(), 2);
    }
}
