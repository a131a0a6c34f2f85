//! Who said what, when, across a dossier: each article's entities, quotes and dated
//! events, then one entity across spellings, one quote across the outlets that
//! reported it (earliest first), one event across its sources, and per story a
//! coverage matrix of who reported what.

use crate::findings::entities::{self, ArticleEntities, EntityIndex, EntityKind, StoryEntities};
use crate::findings::quotes::{self, Quote};
use crate::findings::timeline::{self, ArticleEvent, FuzzyDate};
use crate::partition::{components, find_root, union};
use crate::reading::article::Article;
use crate::text::{quote_tokens, shared_count, short_hash, sorted_f1};
use chrono::NaiveDate;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// What the analysis needs to know about an article.
#[derive(Debug, Clone)]
pub struct ArticleInput<'a> {
    pub id: &'a str,
    pub outlet: Option<&'a str>,
    pub published: Option<NaiveDate>,
    pub story: Option<&'a str>,
    /// The canonical article when this one is a duplicate.
    pub duplicate_of: Option<&'a str>,
    pub paragraphs: Vec<&'a str>,
}

impl<'a> ArticleInput<'a> {
    /// An article as the analysis reads it, in `story`, a copy of `duplicate_of`.
    pub fn of(article: &'a Article, story: Option<&'a str>, duplicate_of: Option<&'a str>) -> ArticleInput<'a> {
        ArticleInput {
            id: &article.id,
            outlet: article.outlet.as_deref(),
            published: article.published,
            story,
            duplicate_of,
            paragraphs: article.paragraphs.iter().map(|p| p.text.as_str()).collect(),
        }
    }
}

/// The date an article's relative dates resolve against, and whether it was inferred from its story.
pub type Reference = Option<(NaiveDate, bool)>;

/// A member's dated events and the reference they were resolved against: the same
/// article and reference always give the same events, so a store keeps them and a
/// story's next analysis takes them back instead of reading the sentences again.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DatedEvents {
    pub reference: Reference,
    pub events: Vec<ArticleEvent>,
}

/// One article's findings.
#[derive(Debug, Clone, Default)]
pub struct ArticleAnalysis {
    pub entities: ArticleEntities,
    pub quotes: Vec<Quote>,
    pub events: Vec<ArticleEvent>,
}

/// One outlet's report of a quote or an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub article: String,
    pub outlet: Option<String>,
    pub published: Option<NaiveDate>,
    /// The agency the article cites for it ("Interfax").
    pub cited_source: Option<String>,
    /// For a quote: the words this article names its speaker with ("the senator", "he").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_mention: Option<String>,
}

/// A quote as the dossier knows it: the same words reported by several articles are one quote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedQuote {
    pub id: String,
    /// The fullest wording reported.
    pub text: String,
    pub speaker: Option<String>,
    pub speaker_id: Option<String>,
    pub role: Option<String>,
    pub fragment: bool,
    pub story: Option<String>,
    /// Earliest first; undated reports last.
    pub reports: Vec<Report>,
    /// The article entity that said it: `speaker_id` is the dossier entity it belongs to,
    /// looked up when read, so that a new spelling joining the entity changes no quote.
    #[serde(skip)]
    pub speaker_ref: Option<EntityRef>,
}

/// An article's entity, named by where it is: which article, which of its entities.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntityRef {
    pub article: String,
    pub local: usize,
}

/// An event of a story, with every article that reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedEvent {
    pub id: String,
    pub when: FuzzyDate,
    /// The sentence of the earliest report.
    pub summary: String,
    /// Entity ids of the actors and what they act on.
    pub actors: Vec<String>,
    pub story: Option<String>,
    /// Every source dated it from a reference inferred from the story.
    pub inferred: bool,
    pub sources: Vec<Report>,
    /// The article entities behind `actors`, one per actor, looked up when read.
    #[serde(skip)]
    pub actor_refs: Vec<EntityRef>,
}

/// The whole dossier's who-said-what-when.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub articles: HashMap<String, ArticleAnalysis>,
    pub entities: EntityIndex,
    pub quotes: Vec<MergedQuote>,
    pub events: Vec<MergedEvent>,
}

/// The version of what [`extract`] finds in one article. Stored findings of an older
/// version are found again; bump it whenever entity, quote or date extraction changes
/// (13: dates glued to the next word).
pub const ANALYZER_VERSION: i64 = 13;

/// The version of what [`analyze_story`] makes of the same findings. Stored story
/// analyses of another version are made again; bump it whenever merging across a
/// story's articles changes.
pub const STORY_ANALYSIS_VERSION: i64 = 1;

/// What one article says on its own, whatever else the dossier holds: its entities
/// (with mention offsets) and its quotes (with the speaker as written). Computed once,
/// at ingest, and stored; dated events depend on the article's story and come later.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArticleFindings {
    pub entities: ArticleEntities,
    pub quotes: Vec<Quote>,
}

/// The findings of one article from its paragraphs (in order), each quote's speaker
/// resolved to the article entity it names.
pub fn extract<'a>(paragraphs: impl IntoIterator<Item = &'a str> + Clone) -> ArticleFindings {
    let entities = entities::extract(paragraphs.clone());
    let mut quotes = quotes::extract(paragraphs);
    if quotes.iter().any(|q| q.speaker.is_some()) {
        let keys = entities.keys();
        for quote in &mut quotes {
            quote.speaker_entity = quote
                .speaker
                .as_deref()
                .and_then(|s| keys.get(&crate::findings::names::key(s)).copied().or_else(|| entities.find(s)));
        }
    }
    ArticleFindings { entities, quotes }
}

/// Analyses every article (in parallel), then merges across them.
pub fn analyze(inputs: &[ArticleInput<'_>]) -> Analysis {
    analyze_with(inputs, HashMap::new())
}

/// What a story's articles say together: its quotes merged across outlets, its events
/// merged across sources, and each member's dated events (undated members dated from
/// their most similar dated neighbour). It depends on the story's members alone, so a
/// store recomputes it only for the stories new articles join.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoryAnalysis {
    pub quotes: Vec<MergedQuote>,
    pub events: Vec<MergedEvent>,
    /// Each member's dated events, in input order.
    pub dated: Vec<(String, DatedEvents)>,
}

/// Merges across articles whose own findings are already known (read from the store);
/// an article missing from `found` is analysed here.
pub fn analyze_with(inputs: &[ArticleInput<'_>], mut found: HashMap<String, ArticleFindings>) -> Analysis {
    let known: Vec<(&ArticleInput<'_>, Option<ArticleFindings>)> =
        inputs.iter().map(|input| (input, found.remove(input.id))).collect();
    let own: HashMap<String, ArticleFindings> = known
        .into_par_iter()
        .map(|(input, own)| (input.id.to_string(), own.unwrap_or_else(|| extract(input.paragraphs.iter().copied()))))
        .collect();
    let mut partitions: Vec<Vec<ArticleInput<'_>>> = Vec::new();
    let mut partition_of: HashMap<&str, usize> = HashMap::new();
    for input in inputs {
        let at = *partition_of.entry(input.story.unwrap_or(input.id)).or_insert_with(|| {
            partitions.push(Vec::new());
            partitions.len() - 1
        });
        partitions[at].push(input.clone());
    }
    let stories: Vec<StoryAnalysis> = partitions
        .par_iter()
        .map(|members| {
            let found: HashMap<&str, &ArticleFindings> =
                members.iter().filter_map(|m| Some((m.id, own.get(m.id)?))).collect();
            analyze_story(members, &found, &HashMap::new())
        })
        .collect();
    let entities = entities::merge(inputs.iter().filter_map(|i| own.get(i.id).map(|f| (i.id, &f.entities))));
    let mut analysis = Analysis { entities, ..Analysis::default() };
    let mut own = own;
    for story in stories {
        for (id, dated) in story.dated {
            if let Some(found) = own.remove(&id) {
                let article = ArticleAnalysis { entities: found.entities, quotes: found.quotes, events: dated.events };
                analysis.articles.insert(id, article);
            }
        }
        analysis.quotes.extend(story.quotes);
        analysis.events.extend(story.events);
    }
    resolve(&mut analysis.quotes, &mut analysis.events, |r| {
        analysis.entities.of(&r.article, r.local).map(|e| e.id.clone())
    });
    sort_events(&mut analysis.events);
    analysis
}

/// The dossier entity ids of quote speakers and event actors, from their article entities.
pub fn resolve(quotes: &mut [MergedQuote], events: &mut [MergedEvent], id_of: impl Fn(&EntityRef) -> Option<String>) {
    for quote in quotes {
        quote.speaker_id = quote.speaker_ref.as_ref().and_then(&id_of);
    }
    for event in events {
        event.actors.clear();
        for id in event.actor_refs.iter().filter_map(&id_of) {
            if !event.actors.contains(&id) {
                event.actors.push(id);
            }
        }
    }
}

/// By story, then date (stable).
pub fn sort_events(events: &mut [MergedEvent]) {
    events.sort_by(|a, b| (a.story.as_deref(), a.when.date).cmp(&(b.story.as_deref(), b.when.date)));
}

/// The analysis of one story's members (in input order). Speakers and actors are told
/// apart by the story's own entities, which the rest of the dossier cannot change.
/// `known` holds dated events found before; a member whose reference is unchanged keeps them.
pub fn analyze_story(
    members: &[ArticleInput<'_>],
    found: &HashMap<&str, &ArticleFindings>,
    known: &HashMap<&str, DatedEvents>,
) -> StoryAnalysis {
    let local = entities::partition(members.iter().filter_map(|m| found.get(m.id).map(|f| (m.id, &f.entities))));
    let dated = date_events(members, found, known);
    let events_of: HashMap<&str, &Vec<ArticleEvent>> = dated.iter().map(|(id, d)| (id.as_str(), &d.events)).collect();
    let quotes = merge_quotes(members, found, &local);
    let mut events = merge_events(members, found, &events_of, &local);
    sort_events(&mut events);
    StoryAnalysis { quotes, events, dated }
}

/// Resolves each article's dates against its publication date, or, when it has
/// none, against the date of the most similar dated article of its story.
fn date_events(
    members: &[ArticleInput<'_>],
    found: &HashMap<&str, &ArticleFindings>,
    known: &HashMap<&str, DatedEvents>,
) -> Vec<(String, DatedEvents)> {
    // Only undated members need the words of the dated ones.
    let any_undated = members.iter().any(|m| m.published.is_none() && m.story.is_some());
    let dated = any_undated.then(|| {
        timeline::DatedWords::new(
            members.iter().filter(|m| m.story.is_some()).filter_map(|m| Some((m.published?, m.paragraphs.as_slice()))),
        )
    });
    members
        .iter()
        .map(|input| {
            let inferred = || {
                input.story?;
                dated.as_ref()?.reference_for(&input.paragraphs)
            };
            let reference: Reference = input.published.map(|d| (d, false)).or_else(|| inferred().map(|d| (d, true)));
            if let Some(known) = known.get(input.id).filter(|k| k.reference == reference) {
                return (input.id.to_string(), known.clone());
            }
            let events = match (reference, found.get(input.id)) {
                (Some((date, inferred)), Some(own)) => {
                    timeline::article_events(&input.paragraphs, &own.entities, date, inferred)
                }
                _ => Vec::new(),
            };
            (input.id.to_string(), DatedEvents { reference, events })
        })
        .collect()
}

/// The id of something found across articles, from where its earliest report has it
/// (that article's content-derived id and the offset in its body): the same on every
/// run and every machine, and unchanged when later articles report it too.
fn content_id(kind: &str, article: &str, offset: usize) -> String {
    format!("{kind}-{}", &short_hash(&[kind, article, &offset.to_string()])[..12])
}

fn report_of(input: &ArticleInput<'_>, cited_source: Option<String>, speaker_mention: Option<String>) -> Report {
    Report {
        article: input.id.to_string(),
        outlet: input.outlet.map(str::to_string),
        published: input.published,
        cited_source,
        speaker_mention,
    }
}

/// Earliest first, undated last, then input order (stable).
fn sort_reports(reports: &mut [Report]) {
    reports.sort_by_key(|r| (r.published.is_none(), r.published));
}

/// A story's words as small numbers, so that comparing two quotes compares integers.
#[derive(Default)]
struct WordIds {
    ids: FxHashMap<String, u32>,
}

impl WordIds {
    /// The ids of `words`, sorted, repeats kept (a bag).
    fn bag(&mut self, words: impl IntoIterator<Item = String>) -> Vec<u32> {
        let mut bag: Vec<u32> = words
            .into_iter()
            .map(|word| {
                let next = self.ids.len() as u32;
                *self.ids.entry(word).or_insert(next)
            })
            .collect();
        bag.sort_unstable();
        bag
    }

    /// The ids of `words`, sorted, without repeats (a set).
    fn set(&mut self, words: impl IntoIterator<Item = String>) -> Vec<u32> {
        let mut set = self.bag(words);
        set.dedup();
        set
    }

    fn len(&self) -> usize {
        self.ids.len()
    }
}

/// Whether two quotes are the same words (sorted bags of word ids): token F1 of 0.8 or
/// more, or the shorter (four words or more) nearly all inside the longer. Either way
/// they share four fifths of the shorter's words, which is what finds the candidates.
fn same_words(a: &[u32], b: &[u32]) -> bool {
    if sorted_f1(a, b) >= 0.8 {
        return true;
    }
    let shorter = a.len().min(b.len());
    shorter >= 4 && shared_count(a, b) as f64 >= 0.9 * shorter as f64
}

/// The share of the smaller of two quotes' words that [`same_words`] needs at least.
const SAME_WORDS_SHARE: (usize, usize) = (4, 5);

/// How many later sets one set is compared with through each of its prefix words.
const MAX_PARTNERS_PER_WORD: usize = 64;

/// The pairs of sets (sorted word ids below `vocabulary`, without repeats) that share at
/// least the fraction `share` (numerator, denominator) of the smaller one's words,
/// without comparing every pair: if they share `k` words, the smaller set's rarest
/// `len - k + 1` words (its prefix) include one the larger set has (prefix filtering,
/// as in set-similarity joins). Each set looks up only its prefix in an inverted index,
/// so a story of thousands of quotes costs what their rare words cost, and the pairs
/// found are exactly those that pass the test, as long as no word is shared by more
/// than [`MAX_PARTNERS_PER_WORD`] later sets (copies beyond that are joined through chains).
fn pairs_sharing(sets: &[&[u32]], vocabulary: usize, share: (usize, usize), sink: &mut impl PairSink) {
    let mut postings: Vec<Vec<u32>> = vec![Vec::new(); vocabulary];
    for (at, set) in sets.iter().enumerate() {
        for &word in set.iter() {
            postings[word as usize].push(at as u32);
        }
    }
    // A pair is looked for from its smaller set (ties: the earlier one).
    let order = |at: usize| (sets[at].len(), at);
    let mut seen: Vec<usize> = vec![usize::MAX; sets.len()];
    for (a, set) in sets.iter().enumerate() {
        if set.is_empty() {
            continue;
        }
        let mut words: Vec<u32> = set.to_vec();
        words.sort_unstable_by_key(|&w| (postings[w as usize].len(), w));
        let (part, whole) = share;
        let prefix = set.len() - (set.len() * part).div_ceil(whole) + 1;
        for word in words.into_iter().take(prefix) {
            // Each set meets at most a bounded number of others through one word: a
            // thousand copies of one quote are joined through chains of pairs, not all of them.
            let partners = postings[word as usize].iter().map(|&b| b as usize).filter(|&b| order(b) > order(a));
            for b in partners.take(MAX_PARTNERS_PER_WORD) {
                if seen[b] == a {
                    continue;
                }
                seen[b] = a;
                if !sink.wanted(a, b) {
                    continue;
                }
                let shared = shared_count(set, sets[b]);
                if whole * shared >= part * set.len().min(sets[b].len()) {
                    sink.found(a, b);
                }
            }
        }
    }
}

/// What [`pairs_sharing`] does with the pairs it meets.
trait PairSink {
    /// Whether comparing the pair can tell anything new (by default, always).
    fn wanted(&mut self, _a: usize, _b: usize) -> bool {
        true
    }

    /// A pair sharing at least the share asked of its smaller set's words.
    fn found(&mut self, a: usize, b: usize);
}

impl PairSink for Vec<(usize, usize)> {
    fn found(&mut self, a: usize, b: usize) {
        self.push((a.min(b), a.max(b)));
    }
}

/// What telling two quotes of a story apart reads of each: its article, its words (a
/// sorted bag of word ids) and the story entity that said it.
struct QuoteKey<'a> {
    article: &'a str,
    tokens: &'a [u32],
    speaker: Option<usize>,
}

/// The quotes with one bag of words and one speaker (or none): a story reprinted by
/// many outlets has many such copies, and they are compared with other quotes once.
struct Cell {
    speaker: Option<usize>,
    quotes: Vec<usize>,
    /// Its quotes come from more than one article, so they are all one quote.
    many_articles: bool,
}

/// The quotes of one story (`keys`), each joined to every quote it is the same as:
/// from another article, with the same words ([`same_words`]), and not named as said
/// by different speakers. Returns a union-find parent per quote. The cost follows the
/// distinct wordings, not the copies, and a pair of wordings already joined is not
/// compared.
fn same_quotes(keys: &[QuoteKey<'_>], vocabulary: usize) -> Vec<usize> {
    let mut join = QuoteJoin::new(keys);
    for bag in 0..join.bags.len() {
        join.link_bags(bag, bag);
    }
    let mut repeats: FxHashMap<(u32, usize), u32> = FxHashMap::default();
    let sets: Vec<Vec<u32>> = join.bags.iter().map(|bag| occurrences(bag, vocabulary, &mut repeats)).collect();
    let sets: Vec<&[u32]> = sets.iter().map(Vec::as_slice).collect();
    pairs_sharing(&sets, vocabulary + repeats.len(), SAME_WORDS_SHARE, &mut join);
    join.parent
}

/// A bag of word ids as a set whose shared words are what the bags share: a word's
/// second, third… time in a bag is a word of its own (ids from `vocabulary` on).
fn occurrences(bag: &[u32], vocabulary: usize, repeats: &mut FxHashMap<(u32, usize), u32>) -> Vec<u32> {
    let mut set = Vec::with_capacity(bag.len());
    // The bag is sorted: a word's repeats follow it.
    let mut time = 0;
    for (at, &word) in bag.iter().enumerate() {
        time = if at > 0 && bag[at - 1] == word { time + 1 } else { 0 };
        if time == 0 {
            set.push(word);
        } else {
            let next = (vocabulary + repeats.len()) as u32;
            set.push(*repeats.entry((word, time)).or_insert(next));
        }
    }
    set.sort_unstable();
    set
}

/// Union-find over a story's quotes, by cells of one wording and one speaker.
struct QuoteJoin<'k> {
    keys: &'k [QuoteKey<'k>],
    /// Each distinct wording once (a sorted bag of word ids).
    bags: Vec<&'k [u32]>,
    cells_of_bag: Vec<Vec<usize>>,
    cells: Vec<Cell>,
    /// Whether a cell's quotes were all joined.
    joined: Vec<bool>,
    parent: Vec<usize>,
}

impl<'k> QuoteJoin<'k> {
    fn new(keys: &'k [QuoteKey<'k>]) -> QuoteJoin<'k> {
        let mut bag_of: FxHashMap<&[u32], usize> = FxHashMap::default();
        let mut cell_of: FxHashMap<(usize, Option<usize>), usize> = FxHashMap::default();
        let (mut bags, mut cells_of_bag, mut cells) = (Vec::new(), Vec::<Vec<usize>>::new(), Vec::<Cell>::new());
        // An empty bag has no words to be the same by.
        for (at, key) in keys.iter().enumerate().filter(|(_, key)| !key.tokens.is_empty()) {
            let bag = *bag_of.entry(key.tokens).or_insert_with(|| {
                bags.push(key.tokens);
                cells_of_bag.push(Vec::new());
                bags.len() - 1
            });
            let cell = *cell_of.entry((bag, key.speaker)).or_insert_with(|| {
                cells_of_bag[bag].push(cells.len());
                cells.push(Cell { speaker: key.speaker, quotes: Vec::new(), many_articles: false });
                cells.len() - 1
            });
            let cell = &mut cells[cell];
            cell.many_articles |= cell.quotes.first().is_some_and(|&first| keys[first].article != key.article);
            cell.quotes.push(at);
        }
        let joined = vec![false; cells.len()];
        let mut join = QuoteJoin { keys, bags, cells_of_bag, cells, joined, parent: (0..keys.len()).collect() };
        for cell in 0..join.cells.len() {
            if join.cells[cell].many_articles {
                join.join_cell(cell);
            }
        }
        join
    }

    /// Makes a cell's quotes one.
    fn join_cell(&mut self, cell: usize) {
        if !std::mem::replace(&mut self.joined[cell], true) {
            let quotes = &self.cells[cell].quotes;
            for &quote in &quotes[1..] {
                union(&mut self.parent, quotes[0], quote);
            }
        }
    }

    /// Links the cells of two wordings that are the same words (or of one wording).
    fn link_bags(&mut self, x: usize, y: usize) {
        for a in 0..self.cells_of_bag[x].len() {
            let start = if x == y { a + 1 } else { 0 };
            for b in start..self.cells_of_bag[y].len() {
                self.link(self.cells_of_bag[x][a], self.cells_of_bag[y][b]);
            }
        }
    }

    /// Makes two cells of the same words one, unless they name different speakers or
    /// all their quotes are in one article.
    fn link(&mut self, a: usize, b: usize) {
        let (x, y) = (&self.cells[a], &self.cells[b]);
        let compatible = x.speaker.zip(y.speaker).is_none_or(|(s, t)| s == t);
        let one_article =
            !x.many_articles && !y.many_articles && self.keys[x.quotes[0]].article == self.keys[y.quotes[0]].article;
        if compatible && !one_article {
            let (first, other) = (x.quotes[0], y.quotes[0]);
            self.join_cell(a);
            self.join_cell(b);
            union(&mut self.parent, first, other);
        }
    }
}

impl PairSink for QuoteJoin<'_> {
    /// Not when every cell of both wordings is already one quote.
    fn wanted(&mut self, x: usize, y: usize) -> bool {
        let mut root = None;
        for &cell in self.cells_of_bag[x].iter().chain(&self.cells_of_bag[y]) {
            if !self.joined[cell] {
                return true;
            }
            let at = find_root(&mut self.parent, self.cells[cell].quotes[0]);
            if *root.get_or_insert(at) != at {
                return true;
            }
        }
        false
    }

    fn found(&mut self, x: usize, y: usize) {
        if same_words(self.bags[x], self.bags[y]) {
            self.link_bags(x, y);
        }
    }
}

fn merge_quotes<'a>(
    inputs: &'a [ArticleInput<'a>],
    found: &HashMap<&str, &ArticleFindings>,
    story_entities: &StoryEntities<'a>,
) -> Vec<MergedQuote> {
    struct Item<'a> {
        input: &'a ArticleInput<'a>,
        index: usize,
        tokens: Vec<u32>,
        speaker: Option<(EntityRef, usize)>,
    }
    let mut word_ids = WordIds::default();
    let mut items: Vec<Item<'_>> = Vec::new();
    for input in inputs {
        let Some(own) = found.get(input.id) else { continue };
        for (index, quote) in own.quotes.iter().enumerate() {
            let speaker = quote.speaker_entity.and_then(|local| {
                let (entity, _) = story_entities.of(input.id, local)?;
                Some((EntityRef { article: input.id.to_string(), local }, entity))
            });
            let tokens = word_ids.bag(quote_tokens(&quote.text));
            items.push(Item { input, index, tokens, speaker });
        }
    }
    let mut parent: Vec<usize> = (0..items.len()).collect();
    let mut by_story: HashMap<Option<&str>, Vec<usize>> = HashMap::new();
    for (at, item) in items.iter().enumerate() {
        by_story.entry(item.input.story.or(Some(item.input.id))).or_default().push(at);
    }
    for members in by_story.values() {
        let keys: Vec<QuoteKey<'_>> = members
            .iter()
            .map(|&m| QuoteKey {
                article: items[m].input.id,
                tokens: &items[m].tokens,
                speaker: items[m].speaker.as_ref().map(|(_, entity)| *entity),
            })
            .collect();
        let mut joined = same_quotes(&keys, word_ids.len());
        for (x, &member) in members.iter().enumerate() {
            union(&mut parent, member, members[find_root(&mut joined, x)]);
        }
    }
    let mut merged = Vec::new();
    for members in components(&mut parent) {
        let quote_of = |m: usize| &found[items[m].input.id].quotes[items[m].index];
        let longest = *members.iter().max_by_key(|&&m| quote_of(m).text.len()).unwrap_or(&members[0]);
        let spoken = members.iter().find(|&&m| quote_of(m).speaker.is_some()).copied().unwrap_or(longest);
        let mut reports: Vec<Report> = members
            .iter()
            .map(|&m| {
                let quote = quote_of(m);
                let mention = quote.speaker_mention.as_ref().map(|w| w.text.clone());
                report_of(items[m].input, quote.cited_source.clone(), mention)
            })
            .collect();
        sort_reports(&mut reports);
        let earliest = members.iter().copied().find(|&m| items[m].input.id == reports[0].article).unwrap_or(longest);
        let quote = MergedQuote {
            id: content_id("q", items[earliest].input.id, quote_of(earliest).start),
            text: quote_of(longest).text.clone(),
            speaker: quote_of(spoken).speaker.clone(),
            speaker_id: None,
            role: quote_of(spoken).role.clone(),
            fragment: members.iter().all(|&m| quote_of(m).fragment),
            story: items[members[0]].input.story.map(str::to_string),
            reports,
            speaker_ref: items[spoken].speaker.as_ref().map(|(r, _)| r.clone()),
        };
        merged.push(quote);
    }
    merged
}

fn merge_events<'a>(
    inputs: &'a [ArticleInput<'a>],
    found: &HashMap<&str, &ArticleFindings>,
    events_of: &HashMap<&str, &'a Vec<ArticleEvent>>,
    story_entities: &StoryEntities<'a>,
) -> Vec<MergedEvent> {
    struct Item<'a> {
        input: &'a ArticleInput<'a>,
        event: &'a ArticleEvent,
        words: Vec<u32>,
        actors: Vec<(EntityRef, usize)>,
        agents: HashSet<usize>,
    }
    let mut word_ids = WordIds::default();
    let mut items: Vec<Item<'_>> = Vec::new();
    for input in inputs {
        let (Some(_), Some(events)) = (found.get(input.id), events_of.get(input.id)) else { continue };
        for event in events.iter() {
            let actors: Vec<(EntityRef, (usize, EntityKind))> = event
                .actors
                .iter()
                .filter_map(|&local| {
                    let entity = story_entities.of(input.id, local)?;
                    Some((EntityRef { article: input.id.to_string(), local }, entity))
                })
                .collect();
            // Only people identify an event: organisations and places recur through a whole story.
            let agents =
                actors.iter().filter(|(_, (_, kind))| *kind == EntityKind::Person).map(|(_, (e, _))| *e).collect();
            let actors = actors.into_iter().map(|(r, (entity, _))| (r, entity)).collect();
            let words = word_ids.set(timeline::content_words(&event.sentence));
            items.push(Item { input, event, words, actors, agents });
        }
    }
    let mut parent: Vec<usize> = (0..items.len()).collect();
    let mut same_day: HashMap<(Option<&str>, FuzzyDate), Vec<usize>> = HashMap::new();
    for (at, item) in items.iter().enumerate() {
        same_day.entry((item.input.story, item.event.when)).or_default().push(at);
    }
    for members in same_day.values() {
        for (n, &a) in members.iter().enumerate() {
            // Bounded like quotes: a day of a thousand copies is joined through chains.
            for &b in members[n + 1..].iter().take(MAX_PARTNERS_PER_WORD) {
                let (x, y) = (&items[a], &items[b]);
                let related = !x.agents.is_disjoint(&y.agents) || timeline::overlap(&x.words, &y.words) >= 0.3;
                if x.input.id != y.input.id && related {
                    union(&mut parent, a, b);
                }
            }
        }
    }
    let mut merged = Vec::new();
    for members in components(&mut parent) {
        let mut sources: Vec<Report> = Vec::new();
        let mut reporting: HashSet<&str> = HashSet::new();
        for &m in &members {
            if reporting.insert(items[m].input.id) {
                sources.push(report_of(items[m].input, None, None));
            }
        }
        sort_reports(&mut sources);
        let first = members.iter().find(|&&m| items[m].input.id == sources[0].article).copied().unwrap_or(members[0]);
        // One article entity per story entity: the dossier entity of each is looked up when read.
        let mut seen: HashSet<usize> = HashSet::new();
        let mut actor_refs: Vec<EntityRef> = Vec::new();
        for &m in &members {
            for (reference, story_entity) in &items[m].actors {
                if seen.insert(*story_entity) {
                    actor_refs.push(reference.clone());
                }
            }
        }
        merged.push(MergedEvent {
            id: content_id("e", items[first].input.id, items[first].event.start),
            when: items[first].event.when,
            summary: items[first].event.sentence.clone(),
            actors: Vec::new(),
            story: items[first].input.story.map(str::to_string),
            inferred: members.iter().all(|&m| items[m].event.inferred),
            sources,
            actor_refs,
        });
    }
    merged
}

/// A column of a coverage matrix: an article with its exact and near copies folded in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageColumn {
    pub article: String,
    pub copies: Vec<String>,
    pub outlet: Option<String>,
    pub published: Option<NaiveDate>,
}

/// A row: one quote or event and which columns report it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageRow {
    /// "quote" or "event".
    pub kind: String,
    pub id: String,
    pub label: String,
    pub reported: Vec<bool>,
}

/// Who reported what in a story, and who left it out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    pub story: String,
    pub columns: Vec<CoverageColumn>,
    pub rows: Vec<CoverageRow>,
}

/// The coverage matrix of `story`: quotes (statements before fragments) and events
/// against its articles in date order, duplicates folded into their canonical.
pub fn coverage(analysis: &Analysis, inputs: &[ArticleInput<'_>], story: &str) -> Coverage {
    let mut members: Vec<&ArticleInput<'_>> = inputs.iter().filter(|i| i.story == Some(story)).collect();
    members.sort_by_key(|i| (i.published.is_none(), i.published));
    let mut columns: Vec<CoverageColumn> = Vec::new();
    let mut column_of: HashMap<&str, usize> = HashMap::new();
    let ids: HashSet<&str> = members.iter().map(|m| m.id).collect();
    for member in members.iter().filter(|m| m.duplicate_of.is_none_or(|c| !ids.contains(c))) {
        column_of.insert(member.id, columns.len());
        columns.push(CoverageColumn {
            article: member.id.to_string(),
            copies: Vec::new(),
            outlet: member.outlet.map(str::to_string),
            published: member.published,
        });
    }
    for member in &members {
        if let Some(&column) = member.duplicate_of.and_then(|c| column_of.get(c)) {
            if column_of.insert(member.id, column).is_none() {
                columns[column].copies.push(member.id.to_string());
            }
        }
    }
    let cells = |reports: &[Report]| {
        let mut reported = vec![false; columns.len()];
        for report in reports {
            if let Some(&column) = column_of.get(report.article.as_str()) {
                reported[column] = true;
            }
        }
        reported
    };
    let mut quotes: Vec<&MergedQuote> = analysis.quotes.iter().filter(|q| q.story.as_deref() == Some(story)).collect();
    quotes.sort_by_key(|q| q.fragment);
    let mut rows: Vec<CoverageRow> = quotes
        .iter()
        .map(|q| CoverageRow {
            kind: "quote".into(),
            id: q.id.clone(),
            label: format!("{}: \u{201C}{}\u{201D}", q.speaker.as_deref().unwrap_or("?"), q.text),
            reported: cells(&q.reports),
        })
        .collect();
    rows.extend(analysis.events.iter().filter(|e| e.story.as_deref() == Some(story)).map(|e| CoverageRow {
        kind: "event".into(),
        id: e.id.clone(),
        label: format!("{} {}", e.when.label(), e.summary),
        reported: cells(&e.sources),
    }));
    Coverage { story: story.to_string(), columns, rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair the all-pairs test accepts, and no other, for half and four fifths.
    #[test]
    fn prefix_filtering_finds_exactly_the_pairs_sharing_enough() {
        let texts = [
            "we will answer the west soon",
            "we will answer soon",
            "the west will answer",
            "a menu of options for talks",
            "options for talks a menu",
            "",
            "soon",
            "nothing in common here at all",
            "answer",
            "we will answer the west",
        ];
        let sets: Vec<HashSet<String>> =
            texts.iter().map(|t| t.split_whitespace().map(str::to_string).collect()).collect();
        let mut word_ids = WordIds::default();
        let ids: Vec<Vec<u32>> = sets.iter().map(|set| word_ids.set(set.iter().cloned())).collect();
        let refs: Vec<&[u32]> = ids.iter().map(Vec::as_slice).collect();
        for (part, whole) in [(1, 2), SAME_WORDS_SHARE] {
            let mut expected = Vec::new();
            for a in 0..sets.len() {
                for b in a + 1..sets.len() {
                    let shared = sets[a].intersection(&sets[b]).count();
                    if whole * shared >= part * sets[a].len().min(sets[b].len()).max(1) {
                        expected.push((a, b));
                    }
                }
            }
            let mut pairs = Vec::new();
            pairs_sharing(&refs, word_ids.len(), (part, whole), &mut pairs);
            pairs.sort_unstable();
            assert_eq!(pairs, expected, "sharing {part}/{whole}");
        }
    }

    /// A word's second and third time are words of their own, shared between bags.
    #[test]
    fn repeats_become_words_of_their_own() {
        let mut repeats = FxHashMap::default();
        assert_eq!(occurrences(&[1, 1, 1, 2], 10, &mut repeats), [1, 2, 10, 11]);
        assert_eq!(occurrences(&[0, 1, 1], 10, &mut repeats), [0, 1, 10]);
        assert_eq!(occurrences(&[2, 2], 10, &mut repeats), [2, 12]);
    }

    /// The components of the graph joining every pair of quotes from other articles,
    /// with the same words and no two different speakers: what `same_quotes` finds
    /// without comparing every pair.
    fn all_pairs_components(keys: &[QuoteKey<'_>]) -> Vec<Vec<usize>> {
        let mut parent: Vec<usize> = (0..keys.len()).collect();
        for a in 0..keys.len() {
            for b in a + 1..keys.len() {
                let (x, y) = (&keys[a], &keys[b]);
                let compatible = x.speaker.zip(y.speaker).is_none_or(|(s, t)| s == t);
                if x.article != y.article && compatible && same_words(x.tokens, y.tokens) {
                    union(&mut parent, a, b);
                }
            }
        }
        components(&mut parent)
    }

    proptest::proptest! {
        /// Copies, near copies and speakers drawn from small pools, so that cells of
        /// many quotes, one-article cells and conflicting speakers all occur.
        #[test]
        fn quotes_joined_by_cells_are_the_all_pairs_components(
            quotes in proptest::collection::vec(
                (0..4usize, proptest::collection::vec(0..8u32, 0..9), proptest::option::of(0..3usize)),
                0..24,
            )
        ) {
            let articles = ["a", "b", "c", "d"];
            let bags: Vec<Vec<u32>> = quotes.iter().map(|(_, words, _)| {
                let mut bag = words.clone();
                bag.sort_unstable();
                bag
            }).collect();
            let keys: Vec<QuoteKey<'_>> = quotes.iter().zip(&bags).map(|((article, _, speaker), bag)| {
                QuoteKey { article: articles[*article], tokens: bag, speaker: *speaker }
            }).collect();
            let mut parent = same_quotes(&keys, 8);
            proptest::prop_assert_eq!(components(&mut parent), all_pairs_components(&keys));
        }
    }

    fn input<'a>(id: &'a str, published: Option<NaiveDate>, paragraphs: Vec<&'a str>) -> ArticleInput<'a> {
        ArticleInput { id, outlet: Some(id), published, story: Some("s"), duplicate_of: None, paragraphs }
    }

    #[test]
    fn one_quote_many_reports_earliest_first_and_coverage() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2021, 12, d);
        let later = input(
            "later",
            day(17),
            vec!["\u{201C}Those two texts are not a menu from which one can pick,\u{201D} Russian Deputy Foreign Minister Sergey Ryabkov told journalists on Friday."],
        );
        let earlier = input(
            "earlier",
            day(16),
            vec!["Russian Deputy Foreign Minister Sergei Ryabkov said on Thursday that \u{201C}those two texts are not a menu from which one can pick and choose,\u{201D} Interfax reported."],
        );
        let silent =
            input("silent", day(18), vec!["Russian Deputy Foreign Minister Sergei Ryabkov met envoys on Saturday."]);
        let inputs = [later, earlier, silent];
        let analysis = analyze(&inputs);
        let statements: Vec<&MergedQuote> = analysis.quotes.iter().filter(|q| !q.fragment).collect();
        assert_eq!(statements.len(), 1, "{:?}", analysis.quotes);
        let reporters: Vec<&str> = statements[0].reports.iter().map(|r| r.article.as_str()).collect();
        assert_eq!(reporters, ["earlier", "later"]);
        assert_eq!(analysis.entities.entities.iter().filter(|e| e.name.ends_with("Ryabkov")).count(), 1);
        let matrix = coverage(&analysis, &inputs, "s");
        assert_eq!(
            matrix.columns.iter().map(|c| c.article.as_str()).collect::<Vec<_>>(),
            ["earlier", "later", "silent"]
        );
        let quote_row = matrix.rows.iter().find(|r| r.kind == "quote").unwrap();
        assert_eq!(quote_row.reported, [true, true, false]);
        assert!(matrix.rows.iter().any(|r| r.kind == "event" && r.reported == [false, false, true]));
    }

    /// Kept events come back only for the reference they were found against, and
    /// taking them back gives what finding them again gives.
    #[test]
    fn kept_dated_events_are_taken_back_for_the_same_reference_only() {
        let day = NaiveDate::from_ymd_opt(2021, 12, 17);
        let dated = input("dated", day, vec!["Sergei Ryabkov met envoys in Geneva on Thursday."]);
        let undated = input("undated", None, vec!["Sergei Ryabkov met envoys in Geneva on Thursday, officials said."]);
        let inputs = [dated, undated];
        let own: Vec<(String, ArticleFindings)> =
            inputs.iter().map(|i| (i.id.to_string(), extract(i.paragraphs.iter().copied()))).collect();
        let found: HashMap<&str, &ArticleFindings> = own.iter().map(|(id, f)| (id.as_str(), f)).collect();
        let fresh = analyze_story(&inputs, &found, &HashMap::new());
        assert!(fresh.dated.iter().all(|(_, d)| !d.events.is_empty()), "{:?}", fresh.dated);
        let kept: HashMap<&str, DatedEvents> = fresh.dated.iter().map(|(id, d)| (id.as_str(), d.clone())).collect();
        assert_eq!(analyze_story(&inputs, &found, &kept), fresh);
        // Events kept for another reference are found again, not taken back.
        let mut stale = kept.clone();
        for dated in stale.values_mut() {
            dated.reference = Some((NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(), false));
            dated.events.clear();
        }
        assert_eq!(analyze_story(&inputs, &found, &stale), fresh);
        // Events kept for the same reference are taken back as they are.
        let mut marked = kept;
        marked.get_mut("undated").unwrap().events.clear();
        let taken = analyze_story(&inputs, &found, &marked);
        assert!(taken.dated.iter().any(|(id, d)| id == "undated" && d.events.is_empty()));
    }
}
