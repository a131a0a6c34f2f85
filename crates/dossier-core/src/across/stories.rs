//! Grouping articles into developing stories.
//!
//! Each article becomes a TF-IDF vector of its content words, with names
//! (capitalised words inside sentences, a stand-in for named entities) and title
//! words weighted up. Pairs that share enough weight become edges, discounted
//! when the articles are far apart in time. Average-link agglomerative merging
//! over that sparse graph then forms the stories: a cluster joins another only
//! when the pair is similar on average, not through one bridging article, which
//! keeps two earthquakes in the same region apart.
//!
//! The result is a function of the set of articles: inputs are sorted by id and
//! every tie is broken by id, so the order in which articles arrived cannot
//! change it (tested by shuffling).

use chrono::NaiveDate;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

/// Average similarity from which two clusters are one story.
pub const STORY_THRESHOLD: f64 = 0.25;
/// Terms kept per article vector.
const TERMS_PER_ARTICLE: usize = 60;
/// Neighbours kept per article in the similarity graph.
const NEIGHBOURS: usize = 100;
/// Weight multipliers for names (and years) and title words. Chosen on ECB+ (see
/// the closing note of the stories issue): F1 moves by under 0.02 for boosts 3 to 5.
const NAME_BOOST: f64 = 4.0;
const TITLE_BOOST: f64 = 1.5;
/// Days apart after which similarity starts to count for less.
const SAME_TIME_DAYS: f64 = 7.0;
/// Days over which the time discount halves the similarity.
const HALF_LIFE_DAYS: f64 = 120.0;

/// What clustering needs of an article.
#[derive(Debug, Clone)]
pub struct StoryInput<'a> {
    pub id: &'a str,
    pub title: Option<&'a str>,
    pub text: &'a str,
    pub published: Option<NaiveDate>,
    /// Articles in one duplicate group always share a story.
    pub duplicate_of: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Story {
    pub id: String,
    pub label: String,
    /// Member ids, oldest first (undated last), then by id.
    pub articles: Vec<String>,
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
}

fn is_sentence_start(previous: Option<&str>) -> bool {
    previous.is_none_or(|p| p.ends_with(['.', '!', '?', '"', '\u{201D}', ':']) || p == "``" || p == "''")
}

/// A term: the hash of its lower-cased form.
pub type Term = u64;

/// Calls `visit(term, lower-cased form, surface form, weight)` for every content word
/// of an article: title words weighted up, names (capitalised inside a sentence)
/// and years weighted up more.
fn for_each_term(title: Option<&str>, text: &str, mut visit: impl FnMut(Term, &str, &str, f64)) {
    let mut add = |raw: &str, previous: Option<&str>, boost: f64| {
        let word = raw.trim_matches(|c: char| !c.is_alphanumeric());
        let word = word.strip_suffix("'s").or_else(|| word.strip_suffix("\u{2019}s")).unwrap_or(word);
        if word.chars().count() < 3 || word.chars().all(|c| c.is_numeric()) && word.len() != 4 {
            return;
        }
        let lower = word.to_lowercase();
        if crate::findings::lexicon::STOPWORDS.contains(lower.as_str()) || !word.chars().any(char::is_alphanumeric) {
            return;
        }
        let capitalised = word.chars().next().is_some_and(char::is_uppercase);
        let is_year = word.len() == 4
            && word.chars().all(|c| c.is_ascii_digit())
            && (word.starts_with("19") || word.starts_with("20"));
        // Names and years tell two events of the same kind apart.
        let name = (capitalised && !is_sentence_start(previous)) || is_year;
        let weight = if name { boost * NAME_BOOST } else { boost };
        visit(xxhash_rust::xxh3::xxh3_64(lower.as_bytes()), &lower, word, weight);
    };
    if let Some(title) = title {
        for (i, word) in title.split_whitespace().enumerate() {
            add(word, if i == 0 { None } else { Some("x") }, TITLE_BOOST);
        }
    }
    let mut previous = None;
    for word in text.split_whitespace() {
        add(word, previous, 1.0);
        previous = Some(word);
    }
}

/// A sparse unit vector: (term, weight), sorted by term.
pub type Vector = Vec<(Term, f64)>;

struct Corpus {
    vectors: Vec<Vector>,
}

/// Term weights of one article, and whether each term is a dictionary word.
pub fn term_counts(input: &StoryInput<'_>) -> Vec<(Term, f64, bool)> {
    let mut counts: HashMap<Term, (f64, bool)> = HashMap::new();
    for_each_term(input.title, input.text, |term, lower, _, weight| {
        counts.entry(term).or_insert_with(|| (0.0, crate::text::is_word(lower))).0 += weight;
    });
    let mut list: Vec<(Term, f64, bool)> = counts.into_iter().map(|(t, (w, common))| (t, w, common)).collect();
    list.sort_unstable_by_key(|&(t, _, _)| t);
    list
}

/// An article's unit TF-IDF vector, its strongest terms only, given each term's
/// document frequency among `n` articles.
pub fn weigh(counts: Vec<(Term, f64, bool)>, df: impl Fn(Term) -> u32, n: f64) -> Vector {
    let mut weighted: Vec<(Term, f64)> = counts
        .into_iter()
        .map(|(term, count, common)| (term, (1.0 + count.ln().max(0.0)) * smoothed_idf(common, df(term), n)))
        .collect();
    weighted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    weighted.truncate(TERMS_PER_ARTICLE);
    let norm = weighted.iter().map(|(_, w)| w * w).sum::<f64>().sqrt().max(f64::MIN_POSITIVE);
    let mut vector: Vector = weighted.into_iter().map(|(id, w)| (id, w / norm)).collect();
    vector.sort_unstable_by_key(|(id, _)| *id);
    vector
}

/// The terms an article looks its neighbours up by: its strongest ones.
pub fn query_terms(vector: &Vector) -> Vec<Term> {
    let mut strongest: Vec<&(Term, f64)> = vector.iter().collect();
    strongest.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    strongest.into_iter().take(QUERY_TERMS).map(|(t, _)| *t).collect()
}

/// Postings longer than this say little about which story an article is in.
pub fn common_postings(articles: usize) -> usize {
    (articles / 20).max(50)
}

fn vectorise(inputs: &[StoryInput<'_>]) -> Corpus {
    use rayon::prelude::*;
    let counts: Vec<Vec<(Term, f64, bool)>> = inputs.par_iter().map(term_counts).collect();
    let mut document_frequency: HashMap<Term, u32> = HashMap::new();
    for list in &counts {
        for &(term, _, _) in list {
            *document_frequency.entry(term).or_insert(0) += 1;
        }
    }
    let n = inputs.len() as f64;
    let vectors = counts.into_par_iter().map(|list| weigh(list, |term| document_frequency[&term], n)).collect();
    Corpus { vectors }
}

/// Size of the pseudo-corpus behind the IDF prior, and a term's document frequency
/// in it: dictionary words are common, other terms (names, rare words) are not.
const PRIOR_DOCUMENTS: f64 = 200.0;
const PRIOR_COMMON_DF: f64 = 20.0;
const PRIOR_RARE_DF: f64 = 1.0;

/// IDF over the store plus a prior pseudo-corpus, so that a handful of articles
/// does not make every shared word look common; the prior fades as the store grows.
fn smoothed_idf(common: bool, df: u32, n: f64) -> f64 {
    let prior_df = if common { PRIOR_COMMON_DF } else { PRIOR_RARE_DF };
    ((n + PRIOR_DOCUMENTS) / (df as f64 + prior_df)).ln().max(0.0) + 0.1
}

pub fn time_discount(a: Option<NaiveDate>, b: Option<NaiveDate>) -> f64 {
    match (a, b) {
        (Some(a), Some(b)) => {
            let days = (a - b).num_days().unsigned_abs() as f64;
            if days <= SAME_TIME_DAYS {
                1.0
            } else {
                0.5f64.powf((days - SAME_TIME_DAYS) / HALF_LIFE_DAYS)
            }
        }
        _ => 1.0,
    }
}

/// Terms of an article used to look up candidates: its strongest ones.
const QUERY_TERMS: usize = 12;
/// Candidates per article scored exactly, from the best partial scores.
pub const SHORTLIST: usize = 200;

/// Terms kept in a story's summed vector: enough for its own vocabulary and names,
/// bounded so that a story of thousands of articles is read and written in a few pages.
pub const CENTROID_TERMS: usize = 400;

/// A story's members summed (`sum`) with one more member's vector, keeping the
/// [`CENTROID_TERMS`] heaviest terms. With unit vectors, `cosine(v, sum) / size` is
/// the average similarity of `v` to every member: the criterion the full clustering
/// merges by, read in one comparison however large the story grows.
pub fn add_to_centroid(sum: &Vector, member: &Vector) -> Vector {
    let (mut i, mut j) = (0, 0);
    let mut merged: Vector = Vec::with_capacity(sum.len() + member.len());
    while i < sum.len() || j < member.len() {
        let next = match (sum.get(i), member.get(j)) {
            (Some(a), Some(b)) if a.0 == b.0 => {
                i += 1;
                j += 1;
                (a.0, a.1 + b.1)
            }
            (Some(a), Some(b)) if a.0 < b.0 => {
                i += 1;
                *a
            }
            (Some(a), None) => {
                i += 1;
                *a
            }
            (_, Some(b)) => {
                j += 1;
                *b
            }
            (None, None) => unreachable!("the loop runs while either has terms"),
        };
        merged.push(next);
    }
    if merged.len() > CENTROID_TERMS {
        merged.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        merged.truncate(CENTROID_TERMS);
        merged.sort_unstable_by_key(|(term, _)| *term);
    }
    merged
}

/// How much two stories, running from `a.0` to `a.1` and from `b.0` to `b.1`, count
/// for each other: fully when their dates overlap, less the further apart they are.
pub fn spans_discount(a: (Option<NaiveDate>, Option<NaiveDate>), b: (Option<NaiveDate>, Option<NaiveDate>)) -> f64 {
    match (a, b) {
        ((_, Some(a_last)), (Some(b_first), _)) if a_last < b_first => time_discount(Some(a_last), Some(b_first)),
        ((Some(a_first), _), (_, Some(b_last))) if b_last < a_first => time_discount(Some(b_last), Some(a_first)),
        _ => 1.0,
    }
}

pub fn cosine(a: &Vector, b: &Vector) -> f64 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            Ordering::Less => i += 1,
            Ordering::Greater => j += 1,
            Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

/// Each article's strongest neighbours by discounted cosine similarity. Candidates
/// come from the postings of the article's strongest terms (rare terms, short
/// lists), so the graph costs about linear time in the number of articles.
fn similarity_graph(inputs: &[StoryInput<'_>], corpus: &Corpus) -> Vec<Vec<(usize, f64)>> {
    use rayon::prelude::*;
    let mut postings: HashMap<Term, Vec<(usize, f64)>> = HashMap::new();
    for (doc, vector) in corpus.vectors.iter().enumerate() {
        for &(term, weight) in vector {
            postings.entry(term).or_default().push((doc, weight));
        }
    }
    // Terms in many articles say little about which story an article is in, and
    // their postings would make the search quadratic.
    let common = common_postings(inputs.len());
    let graph: Vec<Vec<(usize, f64)>> = (0..inputs.len())
        .into_par_iter()
        .map(|doc| {
            let vector = &corpus.vectors[doc];
            let mut partial: HashMap<usize, f64> = HashMap::new();
            let weight_of = |term: Term| vector.binary_search_by_key(&term, |(t, _)| *t).map_or(0.0, |i| vector[i].1);
            for term in query_terms(vector) {
                let list = &postings[&term];
                if list.len() > common {
                    continue;
                }
                let weight = weight_of(term);
                for &(other, other_weight) in list {
                    if other != doc {
                        *partial.entry(other).or_insert(0.0) += weight * other_weight;
                    }
                }
            }
            let mut shortlist: Vec<(usize, f64)> = partial.into_iter().collect();
            shortlist.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            shortlist.truncate(SHORTLIST);
            let mut neighbours: Vec<(usize, f64)> = shortlist
                .into_iter()
                .map(|(other, _)| {
                    let similarity = cosine(vector, &corpus.vectors[other]);
                    (other, similarity * time_discount(inputs[doc].published, inputs[other].published))
                })
                .filter(|(_, score)| *score > 0.02)
                .collect();
            neighbours.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            neighbours.truncate(NEIGHBOURS);
            // The list was collected in place from the shortlist and would keep its
            // capacity (thousands of entries) for the life of the graph.
            neighbours.shrink_to_fit();
            neighbours
        })
        .collect();
    // Make the graph symmetric: an edge kept by either end counts for both.
    let mut symmetric: Vec<BTreeMap<usize, f64>> = vec![BTreeMap::new(); inputs.len()];
    for (doc, neighbours) in graph.iter().enumerate() {
        for &(other, score) in neighbours {
            symmetric[doc].insert(other, score);
            symmetric[other].insert(doc, score);
        }
    }
    symmetric.into_iter().map(|m| m.into_iter().collect()).collect()
}

#[derive(Debug, PartialEq)]
struct Candidate {
    score: f64,
    a: usize,
    b: usize,
    versions: (u32, u32),
}

impl Eq for Candidate {}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score.total_cmp(&other.score).then_with(|| (other.a, other.b).cmp(&(self.a, self.b)))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Mean similarity between two clusters, pairs without an edge counting as zero.
/// A cluster as the merging reads it: its members' vectors summed and its dates.
struct Summed {
    sum: Vector,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
}

impl Summed {
    fn of(members: &[usize], inputs: &[StoryInput<'_>], corpus: &Corpus) -> Summed {
        let mut summed = Summed { sum: Vector::new(), first: None, last: None };
        for &doc in members {
            summed.sum = add_to_centroid(&summed.sum, &corpus.vectors[doc]);
            summed.widen(inputs[doc].published, inputs[doc].published);
        }
        summed
    }

    fn widen(&mut self, first: Option<NaiveDate>, last: Option<NaiveDate>) {
        self.first = self.first.into_iter().chain(first).min();
        self.last = self.last.into_iter().chain(last).max();
    }

    fn absorb(&mut self, other: Summed) {
        self.sum = add_to_centroid(&self.sum, &other.sum);
        self.widen(other.first, other.last);
    }
}

/// The mean similarity of two clusters' members, discounted when their dates lie
/// apart: read from their summed vectors, so every pair counts. The similarity graph
/// keeps each article's strongest neighbours only, and averaging its edges counted the
/// pairs it left out as unrelated: a story of a thousand articles fell into pieces,
/// and the threshold fitted to that bias let the incremental placement, which compares
/// an article with a story's sum in the same way, merge real stories of the same kind.
fn average(a: &SummedLookup<'_>, b: &Summed, sizes: (usize, usize)) -> f64 {
    a.dot(&b.sum) / (sizes.0 * sizes.1) as f64 * spans_discount((a.summed.first, a.summed.last), (b.first, b.last))
}

/// A cluster compared with all its neighbours at once: its summed vector (hundreds of
/// terms) is put in a hash table, so each comparison costs the neighbour's terms (a few
/// dozen for an article) rather than a walk through both. The products are added in
/// the neighbour's term order, which is the order a walk through both adds them in, so
/// the result is the same to the last bit as [`cosine`].
struct SummedLookup<'a> {
    summed: &'a Summed,
    weights: rustc_hash::FxHashMap<Term, f64>,
}

impl<'a> SummedLookup<'a> {
    fn of(summed: &'a Summed) -> SummedLookup<'a> {
        SummedLookup { summed, weights: summed.sum.iter().copied().collect() }
    }

    fn dot(&self, other: &Vector) -> f64 {
        other.iter().fold(0.0, |sum, (term, weight)| match self.weights.get(term) {
            Some(own) => sum + own * weight,
            None => sum,
        })
    }
}

/// Average-link agglomeration: clusters start as duplicate groups (or single
/// articles) and merge while their mean pairwise similarity reaches the threshold.
fn agglomerate(
    inputs: &[StoryInput<'_>],
    corpus: &Corpus,
    graph: &[Vec<(usize, f64)>],
    threshold: f64,
) -> Vec<Vec<usize>> {
    let position: HashMap<&str, usize> = inputs.iter().enumerate().map(|(i, input)| (input.id, i)).collect();
    let mut cluster_of: Vec<usize> = (0..inputs.len()).collect();
    for (i, input) in inputs.iter().enumerate() {
        if let Some(&canonical) = input.duplicate_of.and_then(|d| position.get(d)) {
            cluster_of[i] = canonical;
        }
    }
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, &c) in cluster_of.iter().enumerate() {
        members.entry(c).or_default().push(i);
    }
    let mut summed: HashMap<usize, Summed> =
        members.iter().map(|(&c, list)| (c, Summed::of(list, inputs, corpus))).collect();
    // Which clusters the graph finds near each other: the only pairs compared.
    let mut links: HashMap<usize, HashSet<usize>> = HashMap::new();
    for (doc, neighbours) in graph.iter().enumerate() {
        for &(other, _) in neighbours {
            let (a, b) = (cluster_of[doc], cluster_of[other]);
            if a != b {
                links.entry(a).or_default().insert(b);
            }
        }
    }
    // One heap entry per cluster: its best neighbour. Average linkage is reducible
    // (merging A and B never brings them closer to a third cluster than the nearer
    // of the two was), so an entry made stale by a merge is simply recomputed when
    // it comes up, and the heap stays as small as the number of clusters.
    let mut version: HashMap<usize, u32> = members.keys().map(|&c| (c, 0)).collect();
    let best_of = |cluster: usize,
                   links: &HashMap<usize, HashSet<usize>>,
                   members: &HashMap<usize, Vec<usize>>,
                   summed: &HashMap<usize, Summed>,
                   version: &HashMap<usize, u32>| {
        let neighbours = links.get(&cluster)?;
        let size = members[&cluster].len();
        let own = SummedLookup::of(&summed[&cluster]);
        let (other, score) = neighbours
            .iter()
            .filter(|other| members.contains_key(other))
            .map(|&other| (other, average(&own, &summed[&other], (size, members[&other].len()))))
            .max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.cmp(&x.0)))?;
        (score >= threshold).then(|| Candidate {
            score,
            a: cluster,
            b: other,
            versions: (version[&cluster], version[&other]),
        })
    };
    let mut heap = BinaryHeap::new();
    let mut starts: Vec<usize> = members.keys().copied().collect();
    starts.sort_unstable();
    for cluster in starts {
        heap.extend(best_of(cluster, &links, &members, &summed, &version));
    }
    while let Some(Candidate { a, b, versions, .. }) = heap.pop() {
        if !members.contains_key(&a) || versions.0 != version[&a] {
            continue;
        }
        if !members.contains_key(&b) || versions.1 != version[&b] {
            heap.extend(best_of(a, &links, &members, &summed, &version));
            continue;
        }
        // Merge the larger id into the smaller, so names do not depend on pop order.
        let (keep, gone) = if a < b { (a, b) } else { (b, a) };
        let moved = members.remove(&gone).unwrap_or_default();
        members.get_mut(&keep).expect("live cluster").extend(moved);
        if let Some(from) = summed.remove(&gone) {
            summed.get_mut(&keep).expect("live cluster").absorb(from);
        }
        for other in links.remove(&gone).unwrap_or_default() {
            if other == keep {
                continue;
            }
            if let Some(m) = links.get_mut(&other) {
                m.remove(&gone);
                m.insert(keep);
            }
            links.entry(keep).or_default().insert(other);
        }
        if let Some(m) = links.get_mut(&keep) {
            m.remove(&gone);
        }
        *version.get_mut(&keep).expect("live cluster") += 1;
        heap.extend(best_of(keep, &links, &members, &summed, &version));
    }
    let mut clusters: Vec<Vec<usize>> = members.into_values().collect();
    for cluster in &mut clusters {
        cluster.sort_unstable();
    }
    clusters.sort();
    clusters
}

/// A label for a story of one article, from its strongest terms.
pub fn label_of(input: &StoryInput<'_>, vector: &Vector) -> String {
    label(&[0], &Corpus { vectors: vec![vector.clone()] }, std::slice::from_ref(input))
}

/// The story's most telling terms, as written in its articles.
fn label(cluster: &[usize], corpus: &Corpus, inputs: &[StoryInput<'_>]) -> String {
    let mut weight: HashMap<Term, f64> = HashMap::new();
    for &doc in cluster {
        for &(term, w) in &corpus.vectors[doc] {
            *weight.entry(term).or_insert(0.0) += w;
        }
    }
    let mut ranked: Vec<(Term, f64)> = weight.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(4);
    // Surface forms from a few members, preferring the capitalised (name) spelling.
    let mut surface: HashMap<Term, String> = HashMap::new();
    for &doc in cluster.iter().take(10) {
        for_each_term(inputs[doc].title, inputs[doc].text, |term, lower, word, _| {
            if ranked.iter().any(|(t, _)| *t == term) {
                let better = word.chars().next().is_some_and(char::is_uppercase);
                let entry = surface.entry(term).or_insert_with(|| lower.to_string());
                if better && entry.chars().next().is_some_and(char::is_lowercase) {
                    *entry = word.to_string();
                }
            }
        });
    }
    ranked.iter().filter_map(|(term, _)| surface.get(term).cloned()).collect::<Vec<_>>().join(" · ")
}

/// Groups articles into stories.
pub fn cluster(inputs: &[StoryInput<'_>]) -> Vec<Story> {
    cluster_with_threshold(inputs, STORY_THRESHOLD)
}

pub fn cluster_with_threshold(inputs: &[StoryInput<'_>], threshold: f64) -> Vec<Story> {
    let mut sorted: Vec<StoryInput<'_>> = inputs.to_vec();
    sorted.sort_by(|a, b| a.id.cmp(b.id));
    sorted.dedup_by(|a, b| a.id == b.id);
    let corpus = vectorise(&sorted);
    let graph = similarity_graph(&sorted, &corpus);
    let mut stories: Vec<Story> = agglomerate(&sorted, &corpus, &graph, threshold)
        .into_iter()
        .map(|cluster| {
            let mut articles: Vec<&StoryInput<'_>> = cluster.iter().map(|&i| &sorted[i]).collect();
            articles.sort_by(|a, b| {
                (a.published.is_none(), a.published, a.id).cmp(&(b.published.is_none(), b.published, b.id))
            });
            let dates: Vec<NaiveDate> = articles.iter().filter_map(|a| a.published).collect();
            Story {
                id: crate::text::short_hash(&["story", articles[0].id]),
                label: label(&cluster, &corpus, &sorted),
                articles: articles.iter().map(|a| a.id.to_string()).collect(),
                first: dates.iter().min().copied(),
                last: dates.iter().max().copied(),
            }
        })
        .collect();
    stories.sort_by(|a, b| b.articles.len().cmp(&a.articles.len()).then(a.first.cmp(&b.first)).then(a.id.cmp(&b.id)));
    stories
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The snippets here are one sentence long, so their similarities run lower than
    /// whole articles'; the tests cluster them at a threshold suited to that.
    const SNIPPET_THRESHOLD: f64 = 0.1;

    fn input<'a>(id: &'a str, text: &'a str, date: Option<(i32, u32, u32)>) -> StoryInput<'a> {
        StoryInput {
            id,
            title: None,
            text,
            published: date.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
            duplicate_of: None,
        }
    }

    const QUAKE_A1: &str = "A magnitude 6.1 earthquake struck near Aquila in central Italy on Monday, killing dozens and leaving Aquila residents homeless, officials in Rome said.";
    const QUAKE_A2: &str = "Rescuers in Aquila searched the rubble after the Italy earthquake killed dozens; Prime Minister Berlusconi visited Aquila and promised aid.";
    const QUAKE_B1: &str = "A magnitude 7.0 earthquake hit Haiti near Port-au-Prince, flattening the presidential palace, Haitian officials said, with thousands feared dead.";
    const QUAKE_B2: &str = "Aid flights landed in Port-au-Prince as Haiti counted the dead from the earthquake; President Preval said the palace in Port-au-Prince collapsed.";

    #[test]
    fn a_centroid_sums_members_and_keeps_its_heaviest_terms() {
        let a: Vector = vec![(1, 0.6), (3, 0.8)];
        let b: Vector = vec![(2, 0.6), (3, 0.8)];
        let sum = add_to_centroid(&add_to_centroid(&Vec::new(), &a), &b);
        assert_eq!(sum, vec![(1, 0.6), (2, 0.6), (3, 1.6)]);
        // The average similarity to both members, read in one comparison.
        let probe: Vector = vec![(3, 1.0)];
        assert!((cosine(&probe, &sum) / 2.0 - (cosine(&probe, &a) + cosine(&probe, &b)) / 2.0).abs() < 1e-12);
        let wide: Vector = (0..CENTROID_TERMS as u64 + 10).map(|t| (t, 1.0 + t as f64)).collect();
        let kept = add_to_centroid(&wide, &Vec::new());
        assert_eq!(kept.len(), CENTROID_TERMS);
        assert_eq!(kept[0].0, 10, "the lightest terms go first");
        assert!(kept.windows(2).all(|w| w[0].0 < w[1].0), "terms stay sorted");
    }

    #[test]
    fn a_story_counts_fully_inside_its_span_and_less_outside() {
        // An article is a story of one day.
        let day = |d: u32| NaiveDate::from_ymd_opt(2020, 1, d);
        let span_discount = |date, first, last| spans_discount((date, date), (first, last));
        assert_eq!(span_discount(day(10), day(5), day(20)), 1.0);
        assert_eq!(span_discount(None, day(5), day(20)), 1.0);
        assert_eq!(span_discount(day(10), None, None), 1.0);
        let far = NaiveDate::from_ymd_opt(2021, 1, 1);
        assert!(span_discount(far, day(5), day(20)) < 0.5);
        assert_eq!(span_discount(far, day(5), day(20)), time_discount(far, day(20)));
    }

    #[test]
    fn stories_count_fully_when_their_dates_overlap() {
        let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(2020, m, d);
        assert_eq!(spans_discount((day(1, 1), day(1, 20)), (day(1, 10), day(2, 1))), 1.0);
        assert_eq!(spans_discount((None, None), (day(1, 10), day(2, 1))), 1.0);
        let apart = spans_discount((day(1, 1), day(1, 2)), (day(9, 1), day(9, 2)));
        assert_eq!(apart, spans_discount((day(9, 1), day(9, 2)), (day(1, 1), day(1, 2))), "symmetric");
        assert_eq!(apart, time_discount(day(1, 2), day(9, 1)));
    }

    #[test]
    fn separates_two_events_of_the_same_kind() {
        let inputs = [
            input("a1", QUAKE_A1, None),
            input("a2", QUAKE_A2, None),
            input("b1", QUAKE_B1, None),
            input("b2", QUAKE_B2, None),
        ];
        let stories = cluster_with_threshold(&inputs, SNIPPET_THRESHOLD);
        let groups: Vec<Vec<String>> = stories.iter().map(|s| s.articles.clone()).collect();
        assert_eq!(groups.len(), 2, "{stories:?}");
        assert!(groups.contains(&vec!["a1".to_string(), "a2".to_string()]), "{groups:?}");
        assert!(groups.contains(&vec!["b1".to_string(), "b2".to_string()]), "{groups:?}");
    }

    #[test]
    fn result_does_not_depend_on_arrival_order() {
        let inputs = vec![
            input("a1", QUAKE_A1, Some((2009, 4, 6))),
            input("a2", QUAKE_A2, Some((2009, 4, 7))),
            input("b1", QUAKE_B1, Some((2010, 1, 12))),
            input("b2", QUAKE_B2, None),
        ];
        let expected = cluster_with_threshold(&inputs, SNIPPET_THRESHOLD);
        let mut shuffled = inputs.clone();
        for step in 0..6 {
            shuffled.rotate_left(1);
            if step % 2 == 0 {
                shuffled.swap(0, 2);
            }
            assert_eq!(cluster_with_threshold(&shuffled, SNIPPET_THRESHOLD), expected);
        }
        let first = expected.iter().find(|s| s.articles.contains(&"a1".to_string())).unwrap();
        assert_eq!(first.articles, ["a1", "a2"]);
        assert_eq!(
            (first.first, first.last),
            (NaiveDate::from_ymd_opt(2009, 4, 6), NaiveDate::from_ymd_opt(2009, 4, 7))
        );
        assert!(first.label.contains("Aquila"), "{}", first.label);
    }

    #[test]
    fn duplicates_stay_together_and_unrelated_articles_stay_apart() {
        let mut copy = input("c", "Completely different words about football scores.", None);
        copy.duplicate_of = Some("a1");
        let inputs = [
            input("a1", QUAKE_A1, None),
            copy,
            input("z", "The central bank raised interest rates to curb inflation, economists said.", None),
        ];
        let stories = cluster_with_threshold(&inputs, SNIPPET_THRESHOLD);
        assert!(stories
            .iter()
            .any(|s| s.articles.contains(&"a1".to_string()) && s.articles.contains(&"c".to_string())));
        assert!(stories.iter().any(|s| s.articles == ["z"]));
    }
}
