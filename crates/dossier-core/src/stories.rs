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
use std::sync::LazyLock;

/// Average similarity from which two clusters are one story.
pub const STORY_THRESHOLD: f64 = 0.12;
/// Terms kept per article vector.
const TERMS_PER_ARTICLE: usize = 60;
/// Neighbours kept per article in the similarity graph.
const NEIGHBOURS: usize = 40;
/// Weight multipliers for names (and years) and title words. Chosen on ECB+ (see
/// the closing note of the stories issue): F1 moves by under 0.02 for boosts 3 to 5.
const NAME_BOOST: f64 = 4.0;
const TITLE_BOOST: f64 = 1.5;
/// Days apart after which similarity starts to count for less.
const SAME_TIME_DAYS: f64 = 7.0;
/// Days over which the time discount halves the similarity.
const HALF_LIFE_DAYS: f64 = 120.0;

static STOPWORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("../data/stopwords.txt").split_whitespace().collect());

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

/// Term counts of one article, and the surface form of each term.
struct Terms {
    counts: HashMap<String, f64>,
    surface: HashMap<String, String>,
}

fn is_sentence_start(previous: Option<&str>) -> bool {
    previous.is_none_or(|p| p.ends_with(['.', '!', '?', '"', '\u{201D}', ':']) || p == "``" || p == "''")
}

fn terms(title: Option<&str>, text: &str) -> Terms {
    let mut counts: HashMap<String, f64> = HashMap::new();
    let mut surface: HashMap<String, String> = HashMap::new();
    let mut add = |raw: &str, previous: Option<&str>, boost: f64| {
        let word = raw.trim_matches(|c: char| !c.is_alphanumeric());
        let word = word.strip_suffix("'s").or_else(|| word.strip_suffix("\u{2019}s")).unwrap_or(word);
        if word.chars().count() < 3 || word.chars().all(|c| c.is_numeric()) && word.len() != 4 {
            return;
        }
        let lower = word.to_lowercase();
        if STOPWORDS.contains(lower.as_str()) || !word.chars().any(char::is_alphanumeric) {
            return;
        }
        let capitalised = word.chars().next().is_some_and(char::is_uppercase);
        let is_year = word.len() == 4
            && word.chars().all(|c| c.is_ascii_digit())
            && (word.starts_with("19") || word.starts_with("20"));
        // Names and years tell two events of the same kind apart.
        let name = (capitalised && !is_sentence_start(previous)) || is_year;
        *counts.entry(lower.clone()).or_insert(0.0) += if name { boost * NAME_BOOST } else { boost };
        if name || !surface.contains_key(&lower) {
            surface.insert(lower, word.to_string());
        }
    };
    if let Some(title) = title {
        let words: Vec<&str> = title.split_whitespace().collect();
        for (i, word) in words.iter().enumerate() {
            add(word, if i == 0 { None } else { Some("x") }, TITLE_BOOST);
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, word) in words.iter().enumerate() {
        add(word, if i == 0 { None } else { Some(words[i - 1]) }, 1.0);
    }
    Terms { counts, surface }
}

/// A sparse unit vector: (term index, weight), sorted by term index.
type Vector = Vec<(u32, f64)>;

struct Corpus {
    vectors: Vec<Vector>,
    vocabulary: Vec<String>,
    surfaces: Vec<HashMap<String, String>>,
}

fn vectorise(inputs: &[StoryInput<'_>]) -> Corpus {
    let term_lists: Vec<Terms> = inputs.iter().map(|i| terms(i.title, i.text)).collect();
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut vocabulary: Vec<String> = Vec::new();
    let mut document_frequency: Vec<u32> = Vec::new();
    for list in &term_lists {
        let mut sorted: Vec<&String> = list.counts.keys().collect();
        sorted.sort();
        for term in sorted {
            let id = *index.entry(term.clone()).or_insert_with(|| {
                vocabulary.push(term.clone());
                document_frequency.push(0);
                vocabulary.len() as u32 - 1
            });
            document_frequency[id as usize] += 1;
        }
    }
    let n = inputs.len() as f64;
    let mut surfaces = Vec::with_capacity(term_lists.len());
    let vectors = term_lists
        .into_iter()
        .map(|list| {
            let mut weighted: Vec<(u32, f64)> = list
                .counts
                .iter()
                .map(|(term, &count)| {
                    let id = index[term];
                    let idf = smoothed_idf(&vocabulary[id as usize], document_frequency[id as usize], n);
                    (id, (1.0 + count.ln().max(0.0)) * idf)
                })
                .collect();
            weighted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            weighted.truncate(TERMS_PER_ARTICLE);
            let norm = weighted.iter().map(|(_, w)| w * w).sum::<f64>().sqrt().max(f64::MIN_POSITIVE);
            let mut vector: Vector = weighted.into_iter().map(|(id, w)| (id, w / norm)).collect();
            vector.sort_by_key(|(id, _)| *id);
            surfaces.push(list.surface);
            vector
        })
        .collect();
    Corpus { vectors, vocabulary, surfaces }
}

/// Size of the pseudo-corpus behind the IDF prior, and a term's document frequency
/// in it: dictionary words are common, other terms (names, rare words) are not.
const PRIOR_DOCUMENTS: f64 = 200.0;
const PRIOR_COMMON_DF: f64 = 20.0;
const PRIOR_RARE_DF: f64 = 1.0;

/// IDF over the store plus a prior pseudo-corpus, so that a handful of articles
/// does not make every shared word look common; the prior fades as the store grows.
fn smoothed_idf(term: &str, df: u32, n: f64) -> f64 {
    let prior_df = if crate::text::is_word(term) { PRIOR_COMMON_DF } else { PRIOR_RARE_DF };
    ((n + PRIOR_DOCUMENTS) / (df as f64 + prior_df)).ln().max(0.0) + 0.1
}

fn time_discount(a: Option<NaiveDate>, b: Option<NaiveDate>) -> f64 {
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

/// Each article's strongest neighbours by discounted cosine similarity.
fn similarity_graph(inputs: &[StoryInput<'_>], corpus: &Corpus) -> Vec<Vec<(usize, f64)>> {
    let mut postings: HashMap<u32, Vec<(usize, f64)>> = HashMap::new();
    for (doc, vector) in corpus.vectors.iter().enumerate() {
        for &(term, weight) in vector {
            postings.entry(term).or_default().push((doc, weight));
        }
    }
    // Terms in most articles say nothing about which story an article is in, and
    // their postings would make the graph quadratic.
    let common = (inputs.len() / 3).max(50);
    let mut graph = vec![Vec::new(); inputs.len()];
    for (doc, vector) in corpus.vectors.iter().enumerate() {
        let mut scores: HashMap<usize, f64> = HashMap::new();
        for &(term, weight) in vector {
            let list = &postings[&term];
            if list.len() > common {
                continue;
            }
            for &(other, other_weight) in list {
                if other != doc {
                    *scores.entry(other).or_insert(0.0) += weight * other_weight;
                }
            }
        }
        let mut neighbours: Vec<(usize, f64)> = scores
            .into_iter()
            .map(|(other, score)| (other, score * time_discount(inputs[doc].published, inputs[other].published)))
            .filter(|(_, score)| *score > 0.02)
            .collect();
        neighbours.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        neighbours.truncate(NEIGHBOURS);
        graph[doc] = neighbours;
    }
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

/// Average-link agglomeration: clusters start as duplicate groups (or single
/// articles) and merge while their mean pairwise similarity reaches the threshold.
fn agglomerate(inputs: &[StoryInput<'_>], graph: &[Vec<(usize, f64)>], threshold: f64) -> Vec<Vec<usize>> {
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
    // Sum of similarities between clusters.
    let mut links: HashMap<usize, HashMap<usize, f64>> = HashMap::new();
    for (doc, neighbours) in graph.iter().enumerate() {
        for &(other, score) in neighbours {
            let (a, b) = (cluster_of[doc], cluster_of[other]);
            if a != b {
                *links.entry(a).or_default().entry(b).or_insert(0.0) += score / 2.0;
            }
        }
    }
    let mut version: HashMap<usize, u32> = members.keys().map(|&c| (c, 0)).collect();
    let average = |sum: f64, a: usize, b: usize, members: &HashMap<usize, Vec<usize>>| {
        sum / (members[&a].len() * members[&b].len()) as f64
    };
    let mut heap = BinaryHeap::new();
    let mut sorted_links: Vec<(usize, usize, f64)> =
        links.iter().flat_map(|(&a, m)| m.iter().filter(move |(&b, _)| a < b).map(move |(&b, &s)| (a, b, s))).collect();
    sorted_links.sort_by_key(|&(a, b, _)| (a, b));
    for (a, b, sum) in sorted_links {
        let score = average(sum, a, b, &members);
        if score >= threshold {
            heap.push(Candidate { score, a, b, versions: (0, 0) });
        }
    }
    while let Some(Candidate { a, b, versions, .. }) = heap.pop() {
        if !members.contains_key(&a) || !members.contains_key(&b) || versions != (version[&a], version[&b]) {
            continue;
        }
        // Merge b into a.
        let moved = members.remove(&b).unwrap_or_default();
        members.get_mut(&a).expect("live cluster").extend(moved);
        let b_links = links.remove(&b).unwrap_or_default();
        for (other, sum) in b_links {
            if other == a {
                continue;
            }
            if let Some(m) = links.get_mut(&other) {
                m.remove(&b);
                *m.entry(a).or_insert(0.0) += sum;
            }
            *links.entry(a).or_default().entry(other).or_insert(0.0) += sum;
        }
        if let Some(m) = links.get_mut(&a) {
            m.remove(&b);
        }
        *version.get_mut(&a).expect("live cluster") += 1;
        let mut neighbours: Vec<(usize, f64)> =
            links.get(&a).map(|m| m.iter().map(|(&o, &s)| (o, s)).collect()).unwrap_or_default();
        neighbours.sort_by_key(|(o, _)| *o);
        for (other, sum) in neighbours {
            if !members.contains_key(&other) {
                continue;
            }
            let score = average(sum, a, other, &members);
            if score >= threshold {
                let (x, y) = if a < other { (a, other) } else { (other, a) };
                heap.push(Candidate { score, a: x, b: y, versions: (version[&x], version[&y]) });
            }
        }
    }
    let mut clusters: Vec<Vec<usize>> = members.into_values().collect();
    for cluster in &mut clusters {
        cluster.sort_unstable();
    }
    clusters.sort();
    clusters
}

fn label(cluster: &[usize], corpus: &Corpus) -> String {
    let mut weight: HashMap<u32, f64> = HashMap::new();
    for &doc in cluster {
        for &(term, w) in &corpus.vectors[doc] {
            *weight.entry(term).or_insert(0.0) += w;
        }
    }
    let mut ranked: Vec<(u32, f64)> = weight.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
        .into_iter()
        .take(4)
        .map(|(term, _)| {
            let key = &corpus.vocabulary[term as usize];
            cluster.iter().find_map(|&d| corpus.surfaces[d].get(key)).cloned().unwrap_or_else(|| key.clone())
        })
        .collect::<Vec<_>>()
        .join(" · ")
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
    let mut stories: Vec<Story> = agglomerate(&sorted, &graph, threshold)
        .into_iter()
        .map(|cluster| {
            let mut articles: Vec<&StoryInput<'_>> = cluster.iter().map(|&i| &sorted[i]).collect();
            articles.sort_by(|a, b| {
                (a.published.is_none(), a.published, a.id).cmp(&(b.published.is_none(), b.published, b.id))
            });
            let dates: Vec<NaiveDate> = articles.iter().filter_map(|a| a.published).collect();
            Story {
                id: crate::text::short_hash(&["story", articles[0].id]),
                label: label(&cluster, &corpus),
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
