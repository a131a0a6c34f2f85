//! Duplicate index and groups, and stories, kept in the store.
//!
//! Each new article looks up its candidates through indexed tables (LSH band keys,
//! paragraph hashes, the content hash) and compares only with them, so adding one
//! article to a large store costs a few index probes, not a rescan. Groups are
//! then the connected components of the recorded pairs.

use crate::{Batch, Result, Store};
use chrono::NaiveDate;
use dossier_core::across::fingerprint::{band_keys, compare, DuplicateKind, Fingerprint};
use dossier_core::across::stories::{self, StoryInput, Vector};
use dossier_core::reading::article::Article;
use rusqlite::{params, OptionalExtension, Row};
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::rc::Rc;

/// A duplicate group: its canonical article and the other members.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateGroup {
    pub canonical: String,
    pub members: Vec<DuplicateMember>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateMember {
    pub article_id: String,
    pub kind: DuplicateKind,
    pub similarity: f64,
}

impl DuplicateMember {
    /// From a `duplicate_members` row (an unknown kind reads as near).
    pub(crate) fn of(article_id: String, kind: &str, similarity: f64) -> DuplicateMember {
        DuplicateMember { article_id, kind: DuplicateKind::parse(kind).unwrap_or(DuplicateKind::Near), similarity }
    }
}

/// A story as lists show it: its size and outlets, not its members.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoryListing {
    pub id: String,
    pub label: String,
    pub first: Option<String>,
    pub last: Option<String>,
    pub articles: usize,
    /// The outlets its articles name, in alphabetical order.
    pub outlets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryRow {
    pub id: String,
    pub label: String,
    pub first: Option<String>,
    pub last: Option<String>,
    /// Member article ids, oldest first.
    pub articles: Vec<String>,
}

fn to_blob<T: Copy>(values: &[T], bytes: impl Fn(T) -> Vec<u8>) -> Vec<u8> {
    values.iter().flat_map(|&v| bytes(v)).collect()
}

fn minhash_from(blob: &[u8]) -> Vec<u32> {
    blob.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

fn hashes_from(blob: &[u8]) -> Vec<u64> {
    blob.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))).collect()
}

/// A stored fingerprint read from a row's `minhash, paragraphs, shingles` columns, from `first` on.
fn fingerprint_at(row: &Row<'_>, first: usize) -> rusqlite::Result<Fingerprint> {
    let (minhash, paragraphs): (Vec<u8>, Vec<u8>) = (row.get(first)?, row.get(first + 1)?);
    Ok(Fingerprint {
        minhash: minhash_from(&minhash),
        paragraphs: hashes_from(&paragraphs),
        shingles: row.get(first + 2)?,
    })
}

/// A recorded duplicate pair read from a row's `a, b, kind, similarity` columns.
fn pair_at(row: &Row<'_>) -> rusqlite::Result<Pair> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

/// Candidates compared per new article, from each index.
pub(crate) const MAX_CANDIDATES: usize = 32;
/// Index rows read per band key or paragraph hash: enough to find the members of a
/// group of copies, bounded so that a key shared by thousands costs the same as one.
const ROWS_PER_KEY: usize = 64;

/// A story member's position (SQL, the member's id as `?1`): its day number, undated
/// last; its id breaks ties. Members are read in date order without a new member
/// renumbering the others. Migration 13 writes the same.
const MEMBER_POSITION: &str =
    "coalesce((SELECT CAST(julianday(published) AS INTEGER) FROM articles WHERE id = ?1), 9223372036854775807)";

/// How many of a term's newest postings a new article's story search reads.
const POSTINGS_PER_TERM: i64 = 512;

type Pair = (String, String, String, f64);
/// A stored article compared with a new one: its id, fingerprint and content hash.
type Candidate = (String, Fingerprint, String);

impl Batch<'_> {
    /// Records the article's fingerprint and its duplicate pairs with stored articles.
    /// Returns the number of duplicates found.
    pub fn index_duplicates(&mut self, article: &Article, fingerprint: &Fingerprint) -> Result<usize> {
        let id = article.id.as_str();
        self.unindex(id)?;
        let bands = band_keys(fingerprint);
        let candidates = self.duplicate_candidates(article, fingerprint, &bands)?;
        let mut found = 0;
        for (other, other_fingerprint, other_hash) in candidates.iter().filter(|c| c.0 != id) {
            if let Some((kind, similarity)) = compare(fingerprint, &article.content_hash, other_fingerprint, other_hash)
            {
                let (a, b) = if id < other.as_str() { (id, other.as_str()) } else { (other.as_str(), id) };
                self.tx
                    .prepare_cached(
                        "INSERT OR REPLACE INTO duplicate_pairs (a, b, kind, similarity) VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![a, b, kind.as_str(), similarity])?;
                found += 1;
            }
        }
        self.tx
            .prepare_cached(
                "INSERT INTO fingerprints (article_id, minhash, paragraphs, shingles) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                id,
                to_blob(&fingerprint.minhash, |v| v.to_le_bytes().to_vec()),
                to_blob(&fingerprint.paragraphs, |v| v.to_le_bytes().to_vec()),
                fingerprint.shingles
            ])?;
        let number = self.tx.last_insert_rowid();
        let mut insert_band =
            self.tx.prepare_cached("INSERT OR IGNORE INTO lsh_bands (band_key, article) VALUES (?1, ?2)")?;
        for key in bands {
            insert_band.execute(params![key as i64, number])?;
        }
        let mut insert_paragraph =
            self.tx.prepare_cached("INSERT OR IGNORE INTO paragraph_index (hash, article) VALUES (?1, ?2)")?;
        for hash in &fingerprint.paragraphs {
            insert_paragraph.execute(params![*hash as i64, number])?;
        }
        Ok(found)
    }

    /// The stored articles a new one is compared with. Every probe reads a bounded
    /// number of index rows, so a thousand copies of one text cost a thousand times
    /// one copy, not a million pairs: an exact copy is linked to one stored copy (its
    /// group is reached through it), other candidates come from the articles sharing
    /// the most LSH bands and paragraphs among the first rows of each key.
    fn duplicate_candidates(
        &self,
        article: &Article,
        fingerprint: &Fingerprint,
        bands: &[u64],
    ) -> Result<Vec<Candidate>> {
        let exact: Option<i64> = self
            .tx
            .prepare_cached(
                "SELECT f.number FROM articles a JOIN fingerprints f ON f.article_id = a.id WHERE a.content_hash = ?1 AND a.id != ?2 LIMIT 1",
            )?
            .query_row(params![article.content_hash, article.id], |r| r.get(0))
            .optional()?;
        let mut numbers = match exact {
            Some(copy) => vec![copy],
            None => {
                let mut numbers =
                    self.most_shared("SELECT article FROM lsh_bands WHERE band_key = ?1 LIMIT ?2", bands, 1)?;
                if fingerprint.paragraphs.len() >= 2 {
                    numbers.extend(self.most_shared(
                        "SELECT article FROM paragraph_index WHERE hash = ?1 LIMIT ?2",
                        &fingerprint.paragraphs,
                        2,
                    )?);
                }
                numbers
            }
        };
        numbers.sort_unstable();
        numbers.dedup();
        let mut load = self.tx.prepare_cached(
            "SELECT f.article_id, f.minhash, f.paragraphs, f.shingles, a.content_hash FROM fingerprints f JOIN articles a ON a.id = f.article_id WHERE f.number = ?1",
        )?;
        let mut candidates = Vec::with_capacity(numbers.len());
        for number in numbers {
            let row = load
                .query_row([number], |r| Ok((r.get::<_, String>(0)?, fingerprint_at(r, 1)?, r.get::<_, String>(4)?)))
                .optional()?;
            candidates.extend(row);
        }
        candidates.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(candidates)
    }

    /// The fingerprint numbers that share the most keys with `keys` (at least
    /// `min_shared`), reading at most `ROWS_PER_KEY` index rows per key.
    fn most_shared(&self, sql: &str, keys: &[u64], min_shared: usize) -> Result<Vec<i64>> {
        let mut statement = self.tx.prepare_cached(sql)?;
        let mut shared: HashMap<i64, usize> = HashMap::new();
        let mut distinct: Vec<u64> = keys.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        for key in distinct {
            let rows = statement.query_map(params![key as i64, ROWS_PER_KEY as i64], |r| r.get::<_, i64>(0))?;
            for number in rows {
                *shared.entry(number?).or_insert(0) += 1;
            }
        }
        let mut ranked: Vec<(i64, usize)> = shared.into_iter().filter(|&(_, n)| n >= min_shared).collect();
        ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(ranked.into_iter().take(MAX_CANDIDATES).map(|(number, _)| number).collect())
    }

    /// Takes an article out of the duplicate index: its band and paragraph rows
    /// (recomputed from its stored fingerprint), its fingerprint and its pairs.
    pub(crate) fn unindex(&self, id: &str) -> Result<()> {
        if let Some((number, fingerprint)) = self.stored_fingerprint(id)? {
            let mut band = self.tx.prepare_cached("DELETE FROM lsh_bands WHERE band_key = ?1 AND article = ?2")?;
            for key in band_keys(&fingerprint) {
                band.execute(params![key as i64, number])?;
            }
            let mut paragraph =
                self.tx.prepare_cached("DELETE FROM paragraph_index WHERE hash = ?1 AND article = ?2")?;
            for hash in &fingerprint.paragraphs {
                paragraph.execute(params![*hash as i64, number])?;
            }
            self.tx.prepare_cached("DELETE FROM fingerprints WHERE number = ?1")?.execute([number])?;
        }
        self.tx.prepare_cached("DELETE FROM duplicate_pairs WHERE a = ?1")?.execute([id])?;
        self.tx.prepare_cached("DELETE FROM duplicate_pairs WHERE b = ?1")?.execute([id])?;
        Ok(())
    }

    fn stored_fingerprint(&self, id: &str) -> Result<Option<(i64, Fingerprint)>> {
        let mut statement = self
            .tx
            .prepare_cached("SELECT number, minhash, paragraphs, shingles FROM fingerprints WHERE article_id = ?1")?;
        Ok(statement.query_row([id], |r| Ok((r.get(0)?, fingerprint_at(r, 1)?))).optional()?)
    }

    /// Recomputes every duplicate group from the recorded pairs: connected
    /// components, each with a canonical member.
    pub fn rebuild_duplicate_groups(&mut self) -> Result<usize> {
        let pairs: Vec<Pair> = {
            let mut statement = self.tx.prepare("SELECT a, b, kind, similarity FROM duplicate_pairs ORDER BY a, b")?;
            let rows = statement.query_map([], pair_at)?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut parent: BTreeMap<String, String> = BTreeMap::new();
        fn root(parent: &mut BTreeMap<String, String>, id: &str) -> String {
            let mut current = id.to_string();
            while let Some(next) = parent.get(&current).filter(|p| **p != current).cloned() {
                current = next;
            }
            parent.insert(id.to_string(), current.clone());
            current
        }
        for (a, b, _, _) in &pairs {
            parent.entry(a.clone()).or_insert_with(|| a.clone());
            parent.entry(b.clone()).or_insert_with(|| b.clone());
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            if ra != rb {
                let (low, high) = if ra < rb { (ra, rb) } else { (rb, ra) };
                parent.insert(high, low);
            }
        }
        let ids: Vec<String> = parent.keys().cloned().collect();
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for id in ids {
            let r = root(&mut parent, &id);
            groups.entry(r).or_default().push(id);
        }
        self.tx.execute("DELETE FROM duplicate_members", [])?;
        self.touch();
        let mut by_member: HashMap<&str, Vec<&Pair>> = HashMap::new();
        for pair in &pairs {
            by_member.entry(pair.0.as_str()).or_default().push(pair);
            by_member.entry(pair.1.as_str()).or_default().push(pair);
        }
        let mut count = 0;
        for members in groups.values() {
            let group_pairs: Vec<&Pair> = {
                let mut seen = HashSet::new();
                members
                    .iter()
                    .flat_map(|m| by_member.get(m.as_str()).into_iter().flatten())
                    .filter(|p| seen.insert((p.0.as_str(), p.1.as_str())))
                    .copied()
                    .collect()
            };
            count += self.sync_group(&[], self.group_rows(members, &group_pairs)?)?;
        }
        Ok(count)
    }

    /// Recomputes only the groups the given articles belong to: a walk over their
    /// recorded pairs, whatever the size of the store.
    pub fn update_duplicate_groups(&mut self, ids: &[&str]) -> Result<usize> {
        let mut done: HashSet<String> = HashSet::new();
        let mut count = 0;
        self.touch();
        for id in ids {
            if done.contains(*id) {
                continue;
            }
            let mut members = vec![id.to_string()];
            let mut seen: HashSet<String> = members.iter().cloned().collect();
            let mut pairs: Vec<Pair> = Vec::new();
            let mut next = 0;
            while next < members.len() {
                let current = members[next].clone();
                next += 1;
                for pair in self.pairs_of(&current)? {
                    for other in [&pair.0, &pair.1] {
                        if seen.insert(other.clone()) {
                            members.push(other.clone());
                        }
                    }
                    // Each pair is met from both ends; keep it once, from its first member.
                    if pair.0 == current {
                        pairs.push(pair);
                    }
                }
            }
            members.sort();
            let rows = match members.len() {
                1 => Vec::new(),
                _ => self.group_rows(&members, &pairs.iter().collect::<Vec<_>>())?,
            };
            count += self.sync_group(&members, rows)?;
            done.extend(members);
        }
        Ok(count)
    }

    fn pairs_of(&self, id: &str) -> Result<Vec<Pair>> {
        let mut statement = self.tx.prepare_cached(
            "SELECT a, b, kind, similarity FROM duplicate_pairs WHERE a = ?1 UNION ALL SELECT a, b, kind, similarity FROM duplicate_pairs WHERE b = ?1",
        )?;
        let rows = statement.query_map([id], pair_at)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Writes one group: the canonical member is the one not contained in another
    /// member, then the one with the most metadata, then the longest text. Linear in
    /// the group's members and pairs.
    fn group_rows(&self, members: &[String], pairs: &[&Pair]) -> Result<Vec<GroupRow>> {
        let mut completeness: HashMap<&str, (usize, usize)> = HashMap::with_capacity(members.len());
        for id in members {
            completeness.insert(id.as_str(), self.completeness(id)?);
        }
        let length = |id: &str| completeness.get(id).map_or(0, |c| c.1);
        let mut contained: HashSet<&str> = HashSet::new();
        let mut best_pair: HashMap<&str, &Pair> = HashMap::new();
        for pair in pairs {
            let (a, b) = (pair.0.as_str(), pair.1.as_str());
            if pair.2 == "partial" {
                if length(a) < length(b) {
                    contained.insert(a);
                } else if length(b) < length(a) {
                    contained.insert(b);
                }
            }
            for end in [a, b] {
                let better = best_pair.get(end).is_none_or(|best| pair.3 > best.3);
                if better {
                    best_pair.insert(end, pair);
                }
            }
        }
        let rank = |id: &&String| {
            let (metadata, length) = completeness.get(id.as_str()).copied().unwrap_or_default();
            (!contained.contains(id.as_str()), metadata, length)
        };
        let canonical =
            members.iter().max_by(|x, y| rank(x).cmp(&rank(y)).then(y.cmp(x))).expect("a group has members");
        let direct: HashMap<&str, &Pair> = pairs
            .iter()
            .filter(|p| p.0 == *canonical || p.1 == *canonical)
            .map(|p| (if p.0 == *canonical { p.1.as_str() } else { p.0.as_str() }, *p))
            .collect();
        let mut rows = Vec::with_capacity(members.len());
        for id in members.iter().filter(|m| *m != canonical) {
            let (kind, similarity) = match direct.get(id.as_str()).or_else(|| best_pair.get(id.as_str())) {
                Some(pair) => (pair.2.clone(), pair.3),
                None => ("near".to_string(), 0.0),
            };
            rows.push(GroupRow { article: id.clone(), canonical: canonical.clone(), kind, similarity });
        }
        Ok(rows)
    }

    /// Makes the stored rows of the articles `members` (and of any article whose
    /// canonical is one of them) these `rows`: unchanged rows are left alone, so that
    /// what follows the changes (stories, the search index) sees only the new and
    /// changed ones. Returns how many rows the group has.
    fn sync_group(&self, members: &[String], rows: Vec<GroupRow>) -> Result<usize> {
        let mut stored: HashMap<String, GroupRow> = HashMap::new();
        let mut statement = self.tx.prepare_cached(
            "SELECT article_id, canonical_id, kind, similarity FROM duplicate_members WHERE article_id = ?1
             UNION SELECT article_id, canonical_id, kind, similarity FROM duplicate_members WHERE canonical_id = ?1",
        )?;
        for member in members {
            let found = statement.query_map([member], |r| {
                Ok(GroupRow { article: r.get(0)?, canonical: r.get(1)?, kind: r.get(2)?, similarity: r.get(3)? })
            })?;
            for row in found {
                let row = row?;
                stored.insert(row.article.clone(), row);
            }
        }
        let mut write = self.tx.prepare_cached(
            "INSERT OR REPLACE INTO duplicate_members (article_id, canonical_id, kind, similarity) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let count = rows.len();
        for row in rows {
            if stored.remove(&row.article).as_ref() != Some(&row) {
                write.execute(params![row.article, row.canonical, row.kind, row.similarity])?;
            }
        }
        let mut delete = self.tx.prepare_cached("DELETE FROM duplicate_members WHERE article_id = ?1")?;
        for gone in stored.keys() {
            delete.execute([gone])?;
        }
        Ok(count)
    }

    fn completeness(&self, id: &str) -> Result<(usize, usize)> {
        Ok(self.tx.prepare_cached(
            "SELECT (title IS NOT NULL) + (published IS NOT NULL) + (outlet IS NOT NULL) + (url IS NOT NULL), length(body) FROM articles WHERE id = ?1",
        )?.query_row(
            [id],
            |r| Ok((r.get::<_, i64>(0)? as usize, r.get::<_, i64>(1)? as usize)),
        )?)
    }

    /// Recomputes the stories of the whole store (a function of the stored set, so
    /// the order of ingestion cannot change it).
    pub fn rebuild_stories(&mut self, threshold: f64) -> Result<usize> {
        self.story_members.clear();
        type Row = (String, Option<String>, String, Option<String>, Option<String>);
        let rows: Vec<Row> = {
            let mut statement = self.tx.prepare(
                "SELECT a.id, a.title, a.body, a.published, d.canonical_id FROM articles a LEFT JOIN duplicate_members d ON d.article_id = a.id ORDER BY a.id",
            )?;
            let mapped = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?;
            mapped.collect::<rusqlite::Result<_>>()?
        };
        let inputs: Vec<StoryInput<'_>> = rows
            .iter()
            .map(|(id, title, body, published, canonical)| StoryInput {
                id,
                title: title.as_deref(),
                text: body,
                published: published.as_deref().and_then(|d| d.parse().ok()),
                duplicate_of: canonical.as_deref(),
            })
            .collect();
        let found = stories::cluster_with_threshold(&inputs, threshold);
        self.touch();
        self.tx.execute("DELETE FROM stories", [])?;
        // Summed again from their members when next compared.
        self.tx.execute("DELETE FROM story_centroids", [])?;
        let mut insert_story =
            self.tx.prepare_cached("INSERT INTO stories (id, label, first, last) VALUES (?1, ?2, ?3, ?4)")?;
        // Members that stay where they were are left alone: only a move is a change
        // (for the stories' analysis and the search index, which follow the changes).
        let mut insert_member = self.tx.prepare_cached(&format!(
            "INSERT INTO story_articles (article_id, story_id, position) VALUES (?1, ?2, {MEMBER_POSITION})
             ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id, position = excluded.position
             WHERE story_id IS NOT excluded.story_id OR position IS NOT excluded.position"
        ))?;
        for story in &found {
            insert_story.execute(params![
                story.id,
                story.label,
                story.first.map(|d| d.to_string()),
                story.last.map(|d| d.to_string())
            ])?;
            for article in &story.articles {
                insert_member.execute(params![article, story.id])?;
            }
        }
        drop((insert_story, insert_member));
        self.tx.execute("DELETE FROM story_articles WHERE story_id NOT IN (SELECT id FROM stories)", [])?;
        // Members that did not move kept their rows, so the new stories count them here.
        self.tx.execute(
            "UPDATE stories SET size = (SELECT count(*) FROM story_articles s WHERE s.story_id = stories.id)",
            [],
        )?;
        Ok(found.len())
    }
}

/// A duplicate's row: the article, its group's canonical article, how it matches it.
#[derive(Debug, Clone, PartialEq)]
struct GroupRow {
    article: String,
    canonical: String,
    kind: String,
    similarity: f64,
}

/// An article's story terms with their counts: what story assignment indexes.
pub type StoryTerms = Vec<(stories::Term, f64, bool)>;

/// Counts an article's story terms (pure: done while articles are analysed, in parallel).
pub fn story_terms(article: &Article) -> StoryTerms {
    let text = article.text();
    stories::term_counts(&story_input(article, &text))
}

/// What story clustering reads of an article whose body text is `text`.
fn story_input<'a>(article: &'a Article, text: &'a str) -> StoryInput<'a> {
    StoryInput {
        id: &article.id,
        title: article.title.as_deref(),
        text,
        published: article.published,
        duplicate_of: None,
    }
}

fn vector_blob(vector: &Vector) -> Vec<u8> {
    vector
        .iter()
        .flat_map(|&(term, weight)| term.to_le_bytes().into_iter().chain((weight as f32).to_le_bytes()))
        .collect()
}

fn vector_from(blob: &[u8]) -> Vector {
    blob.chunks_exact(12)
        .map(|c| {
            (
                u64::from_le_bytes(c[..8].try_into().expect("8 bytes")),
                f32::from_le_bytes(c[8..].try_into().expect("4 bytes")) as f64,
            )
        })
        .collect()
}

impl Batch<'_> {
    /// Records an article's terms for incremental story assignment: document
    /// frequencies, its vector (weighted with the frequencies as they are now) and
    /// postings for its strongest terms.
    pub fn index_story_terms(&mut self, article: &Article) -> Result<()> {
        self.index_counted_terms(article, story_terms(article))
    }

    /// [`Batch::index_story_terms`] with the article's [`story_terms`] counted already
    /// (off the writing thread).
    pub(crate) fn index_counted_terms(&mut self, article: &Article, counts: StoryTerms) -> Result<()> {
        let terms: Vec<u64> = counts.iter().map(|&(term, _, _)| term).collect();
        self.tx.prepare_cached("DELETE FROM story_postings WHERE article_id = ?1")?.execute([&article.id])?;
        let fresh =
            self.tx.prepare_cached("DELETE FROM story_vectors WHERE article_id = ?1")?.execute([&article.id])? == 0;
        let n = self.story_vector_count()?;
        let vector = {
            let mut frequencies: HashMap<u64, u32> = HashMap::with_capacity(counts.len());
            for &term in &terms {
                // A new article counts itself among the articles holding its terms.
                let df = self.term_df.get(&self.tx, term)? + i64::from(fresh);
                frequencies.insert(term, df.max(1) as u32);
            }
            stories::weigh(counts, |term| frequencies[&term], n as f64 + 1.0)
        };
        self.tx
            .prepare_cached("INSERT INTO story_vectors (article_id, vector) VALUES (?1, ?2)")?
            .execute(params![article.id, vector_blob(&vector)])?;
        let seq = self.tx.last_insert_rowid();
        // A row id can be given again once its article is gone.
        self.story_members.forget(&seq);
        let mut posting = self
            .tx
            .prepare_cached("INSERT OR IGNORE INTO story_postings (term, seq, article_id) VALUES (?1, ?2, ?3)")?;
        for term in stories::query_terms(&vector) {
            posting.execute(params![term as i64, seq, article.id])?;
        }
        if fresh {
            self.term_df.count(&terms);
        }
        Ok(())
    }

    /// About how many articles have story vectors: the largest row id, read from the
    /// end of the table's B-tree. `count(*)` would walk the whole table for every new
    /// article; the weights only need the order of magnitude (the two agree until
    /// articles are replaced).
    fn story_vector_count(&self) -> Result<i64> {
        Ok(self
            .tx
            .prepare_cached("SELECT coalesce(max(rowid), 0) FROM story_vectors")?
            .query_row([], |r| r.get::<_, i64>(0))?)
    }

    /// Puts one new article into the story whose members it is most similar to on
    /// average (the criterion the full clustering merges by), or into a new story:
    /// a few index probes and a few hundred vector comparisons, whatever the store's size.
    pub fn assign_story(&mut self, article: &Article, threshold: f64) -> Result<String> {
        self.touch();
        // The article's own row and vector, read once for the cache, the search and the label.
        let own: Option<(i64, Vector)> = self
            .tx
            .prepare_cached("SELECT rowid, vector FROM story_vectors WHERE article_id = ?1")?
            .query_row([&article.id], |r| Ok((r.get(0)?, vector_from(&r.get::<_, Vec<u8>>(1)?))))
            .optional()?;
        if let Some((row, _)) = &own {
            self.story_members.forget(row);
        }
        let previous: Option<String> = self
            .tx
            .prepare_cached("SELECT story_id FROM story_articles WHERE article_id = ?1")?
            .query_row([&article.id], |r| r.get(0))
            .optional()?;
        self.tx.prepare_cached("DELETE FROM story_articles WHERE article_id = ?1")?.execute([&article.id])?;
        let canonical: Option<String> = self
            .tx
            .prepare_cached("SELECT canonical_id FROM duplicate_members WHERE article_id = ?1")?
            .query_row([&article.id], |r| r.get(0))
            .optional()?;
        let canonical_story = match canonical {
            Some(c) => self
                .tx
                .prepare_cached("SELECT story_id FROM story_articles WHERE article_id = ?1")?
                .query_row([c], |r| r.get::<_, String>(0))
                .optional()?,
            None => None,
        };
        let mut bridged = Vec::new();
        let story = match (canonical_story, &own) {
            (Some(story), _) => Some(story),
            (None, Some((row, vector))) => {
                let mut close = self.close_stories(article, *row, vector, threshold)?.into_iter();
                let closest = close.next();
                bridged = close.collect();
                closest
            }
            (None, None) => None,
        };
        let story = match story {
            Some(story) => story,
            None => {
                let text = article.text();
                let input = story_input(article, &text);
                let (_, vector) = own.as_ref().ok_or(rusqlite::Error::QueryReturnedNoRows)?;
                let id = dossier_core::text::short_hash(&["story", &article.id]);
                self.tx
                    .prepare_cached(
                        "INSERT INTO stories (id, label, first, last) VALUES (?1, ?2, NULL, NULL)
                         ON CONFLICT (id) DO UPDATE SET label = excluded.label",
                    )?
                    .execute(params![id, stories::label_of(&input, vector)])?;
                id
            }
        };
        self.tx
            .prepare_cached(&format!(
                "INSERT INTO story_articles (article_id, story_id, position) VALUES (?1, ?2, {MEMBER_POSITION})"
            ))?
            .execute(params![article.id, story])?;
        if let Some((_, vector)) = &own {
            self.add_to_centroid(&story, vector)?;
        }
        if let Some(date) = article.published {
            self.tx
                .prepare_cached(
                    "UPDATE stories SET first = CASE WHEN first IS NULL OR ?1 < first THEN ?1 ELSE first END,
                     last = CASE WHEN last IS NULL OR ?1 > last THEN ?1 ELSE last END WHERE id = ?2",
                )?
                .execute(params![date.format("%Y-%m-%d").to_string(), story])?;
        }
        if let Some(left) = previous.filter(|p| *p != story) {
            self.tx.execute(
                "UPDATE stories SET (first, last) = (SELECT min(a.published), max(a.published) FROM story_articles s
                 JOIN articles a ON a.id = s.article_id WHERE s.story_id = ?1) WHERE id = ?1",
                [left],
            )?;
        }
        let mut story = story;
        for other in bridged {
            story = self.merge_if_one_story(story, &other, threshold)?;
        }
        Ok(story)
    }

    /// Merges `other` into `story` (the smaller into the larger) when the two, now
    /// that an article close to both joined one, are one story by the criterion the full
    /// clustering merges by: their members similar on average. Without it, a story that
    /// split early (two first articles apart) stays split however many articles bridge it.
    /// Returns the story `story`'s members are in afterwards.
    fn merge_if_one_story(&mut self, story: String, other: &str, threshold: f64) -> Result<String> {
        let (Some(a), Some(b)) = (self.story_span(&story)?, self.story_span(other)?) else { return Ok(story) };
        let (sum_a, sum_b) = (self.centroid(&story)?, self.centroid(other)?);
        let discount = stories::spans_discount((a.first, a.last), (b.first, b.last));
        let link = stories::cosine(&sum_a, &sum_b) / (a.size * b.size) as f64 * discount;
        if link < threshold {
            return Ok(story);
        }
        let (into, from) =
            if (a.size, other) >= (b.size, story.as_str()) { (story.as_str(), other) } else { (other, story.as_str()) };
        self.touch();
        self.tx.prepare_cached("UPDATE story_articles SET story_id = ?1 WHERE story_id = ?2")?.execute([into, from])?;
        self.tx
            .prepare_cached(
                "UPDATE stories SET first = (SELECT min(first) FROM stories WHERE id IN (?1, ?2)),
                 last = (SELECT max(last) FROM stories WHERE id IN (?1, ?2)) WHERE id = ?1",
            )?
            .execute([into, from])?;
        self.tx.prepare_cached("DELETE FROM stories WHERE id = ?1")?.execute([from])?;
        self.store_centroid(into, stories::add_to_centroid(&sum_a, &sum_b))?;
        self.story_members.clear();
        Ok(into.to_string())
    }

    /// The stories `vector` (of `article`) is similar to on average, at `threshold` or
    /// more, the closest first.
    fn close_stories(&mut self, article: &Article, row: i64, vector: &Vector, threshold: f64) -> Result<Vec<String>> {
        let candidates = self.candidate_stories(vector, row)?;
        let mut close: Vec<(f64, String)> = Vec::new();
        for story in candidates {
            let Some(average) = self.average_similarity(&story, article.published, vector)? else { continue };
            if average >= threshold {
                close.push((average, story));
            }
        }
        close.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        Ok(close.into_iter().map(|(_, story)| story).collect())
    }

    /// The stories of the articles that share most of `vector`'s strongest terms: the
    /// newest postings of each among the articles that arrived before row `before`.
    /// Those are placed already (articles are placed in arrival order); a large ingest
    /// writes all its articles before placing any, and reading the very newest postings
    /// reached articles in no story yet instead of a story's earlier members.
    /// The shortlist only finds the candidate stories; each is then scored against all
    /// its members at once (their summed vector), so a story of thousands counts every
    /// member, not the few hundred its postings reached.
    fn candidate_stories(&mut self, vector: &Vector, before: i64) -> Result<BTreeSet<String>> {
        let n = self.story_vector_count()?;
        let common = stories::common_postings(n as usize);
        // Articles by their row in `story_vectors` (their arrival order).
        let mut hits: FxHashMap<i64, usize> = FxHashMap::default();
        {
            // The newest postings first: stories run in time.
            let mut postings = self.tx.prepare_cached(
                "SELECT seq FROM story_postings WHERE term = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
            )?;
            for term in stories::query_terms(vector) {
                // As this batch counts it: its own new articles included.
                let df = self.term_df.get(&self.tx, term)?;
                if df as usize > common {
                    continue;
                }
                let list = postings.query_map(params![term as i64, before, POSTINGS_PER_TERM], |r| r.get(0))?;
                for other in list {
                    *hits.entry(other?).or_insert(0) += 1;
                }
            }
        }
        // The most hits first, then the newest: only which articles make the list matters.
        let mut shortlist: Vec<(i64, usize)> = hits.into_iter().collect();
        if shortlist.len() > stories::SHORTLIST {
            shortlist.select_nth_unstable_by(stories::SHORTLIST, |a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
            shortlist.truncate(stories::SHORTLIST);
        }
        let mut candidates: BTreeSet<String> = BTreeSet::new();
        for (other, _) in shortlist {
            if let Some(story) = self.story_of_member(other)? {
                candidates.insert(story);
            }
        }
        Ok(candidates)
    }

    /// The average similarity of `vector` (an article of `date`) to the members of
    /// `story`, discounted when the article falls outside the story's dates.
    fn average_similarity(&mut self, story: &str, date: Option<NaiveDate>, vector: &Vector) -> Result<Option<f64>> {
        let Some(span) = self.story_span(story)? else { return Ok(None) };
        // The article as a story of one day.
        let discount = stories::spans_discount((date, date), (span.first, span.last));
        let centroid = self.centroid(story)?;
        Ok(Some(stories::cosine(vector, &centroid) / span.size as f64 * discount))
    }

    /// A story's size and dates; None for a story without members.
    fn story_span(&self, story: &str) -> Result<Option<StorySpan>> {
        let day = |d: Option<String>| d.and_then(|d| d.parse::<NaiveDate>().ok());
        let span = self
            .tx
            .prepare_cached("SELECT size, first, last FROM stories WHERE id = ?1")?
            .query_row([story], |r| {
                Ok(StorySpan { size: r.get::<_, i64>(0)?.max(0) as usize, first: day(r.get(1)?), last: day(r.get(2)?) })
            })
            .optional()?;
        Ok(span.filter(|span| span.size > 0))
    }

    /// The story's stored sum. The batch keeps the sums it has read or written, and
    /// one of them is still the story's while its row exists: every row is written
    /// through [`Self::store_centroid`], and the triggers delete a story's row when it
    /// loses or swaps a member. Finding the row in its index costs a fraction of
    /// reading the blob (a few pages) and decoding it again.
    fn stored_centroid(&mut self, story: &str) -> Result<Option<Rc<Vector>>> {
        if let Some(kept) = self.story_centroids.get(story) {
            let exists =
                self.tx.prepare_cached("SELECT 1 FROM story_centroids WHERE story_id = ?1")?.exists([story])?;
            if exists {
                return Ok(Some(kept));
            }
            self.story_centroids.forget(story);
            return Ok(None);
        }
        let blob: Option<Vec<u8>> = self
            .tx
            .prepare_cached("SELECT vector FROM story_centroids WHERE story_id = ?1")?
            .query_row([story], |r| r.get(0))
            .optional()?;
        Ok(blob.map(|blob| self.story_centroids.keep(story.to_string(), Rc::new(vector_from(&blob)))))
    }

    fn store_centroid(&mut self, story: &str, sum: Vector) -> Result<Rc<Vector>> {
        self.tx
            .prepare_cached("INSERT OR REPLACE INTO story_centroids (story_id, vector) VALUES (?1, ?2)")?
            .execute(params![story, vector_blob(&sum)])?;
        Ok(self.story_centroids.keep(story.to_string(), Rc::new(sum)))
    }

    /// The story's members' vectors summed: stored, or summed again from its members
    /// (after it lost a member, or was rebuilt) and stored.
    fn centroid(&mut self, story: &str) -> Result<Rc<Vector>> {
        if let Some(stored) = self.stored_centroid(story)? {
            return Ok(stored);
        }
        let mut sum = Vector::new();
        {
            let mut members = self.tx.prepare_cached(
                "SELECT v.vector FROM story_articles s JOIN story_vectors v ON v.article_id = s.article_id
                 WHERE s.story_id = ?1 ORDER BY s.position, s.article_id",
            )?;
            let mut rows = members.query([story])?;
            while let Some(row) = rows.next()? {
                sum = stories::add_to_centroid(&sum, &vector_from(&row.get::<_, Vec<u8>>(0)?));
            }
        }
        self.store_centroid(story, sum)
    }

    /// Adds a new member's vector to its story's stored sum (a story with none stored
    /// is summed from its members when next compared).
    fn add_to_centroid(&mut self, story: &str, vector: &Vector) -> Result<()> {
        if let Some(stored) = self.stored_centroid(story)? {
            self.store_centroid(story, stories::add_to_centroid(&stored, vector))?;
        }
        Ok(())
    }

    /// The story a candidate article (by its row in `story_vectors`) belongs to, from
    /// the batch's cache: the articles of one story share most of their candidates.
    fn story_of_member(&mut self, row: i64) -> Result<Option<String>> {
        if let Some(story) = self.story_members.get(&row) {
            return Ok(Some(story));
        }
        let found: Option<String> = self
            .tx
            .prepare_cached("SELECT story_id FROM story_seq WHERE seq = ?1")?
            .query_row([row], |r| r.get(0))
            .optional()?;
        if let Some(story) = &found {
            self.story_members.keep(row, story.clone());
        }
        Ok(found)
    }
}

/// The stories' summed vectors a batch has read or written (see
/// [`Batch::stored_centroid`] for why one is still right): about 50 MB at most, a sum
/// being up to 400 terms of 16 bytes.
pub(crate) type CentroidCache = BatchCache<String, Rc<Vector>, 8_192>;

/// A story's size and the dates its dated members run between.
struct StorySpan {
    size: usize,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
}

/// The stories of the candidate articles a batch has looked up, by row: a few tens of
/// MB of story ids. An entry is forgotten when its article is placed again or its row
/// id is given to another article, and the whole cache when stories are rebuilt.
pub(crate) type MemberCache = BatchCache<i64, String, 262_144>;

/// What a batch has read and may read again, cleared whole when it holds `MOST`
/// entries: one batch may place a million articles.
pub(crate) struct BatchCache<K, V, const MOST: usize> {
    entries: FxHashMap<K, V>,
}

impl<K, V, const MOST: usize> Default for BatchCache<K, V, MOST> {
    fn default() -> Self {
        BatchCache { entries: FxHashMap::default() }
    }
}

impl<K: std::hash::Hash + Eq, V: Clone, const MOST: usize> BatchCache<K, V, MOST> {
    fn get<Q: std::hash::Hash + Eq + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.entries.get(key).cloned()
    }

    /// Keeps `value` and hands it back.
    fn keep(&mut self, key: K, value: V) -> V {
        if self.entries.len() >= MOST {
            self.entries.clear();
        }
        self.entries.insert(key, value.clone());
        value
    }

    fn forget<Q: std::hash::Hash + Eq + ?Sized>(&mut self, key: &Q)
    where
        K: std::borrow::Borrow<Q>,
    {
        self.entries.remove(key);
    }

    fn clear(&mut self) {
        self.entries.clear();
    }
}

impl Store {
    /// How many duplicate groups there are: one walk of the canonical index.
    pub fn duplicate_group_count(&self) -> Result<usize> {
        let count: i64 =
            self.conn.query_row("SELECT count(DISTINCT canonical_id) FROM duplicate_members", [], |r| r.get(0))?;
        Ok(count as usize)
    }

    /// How many stories have members.
    pub fn story_count(&self) -> Result<usize> {
        let count: i64 = self.conn.query_row("SELECT count(*) FROM stories WHERE size > 0", [], |r| r.get(0))?;
        Ok(count as usize)
    }

    pub fn duplicate_groups(&self) -> Result<Vec<DuplicateGroup>> {
        let mut statement = self.conn.prepare("SELECT canonical_id, article_id, kind, similarity FROM duplicate_members ORDER BY canonical_id, article_id")?;
        let rows = statement.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, f64>(3)?))
        })?;
        let mut groups: Vec<DuplicateGroup> = Vec::new();
        for row in rows {
            let (canonical, article_id, kind, similarity) = row?;
            let member = DuplicateMember::of(article_id, &kind, similarity);
            match groups.last_mut() {
                Some(group) if group.canonical == canonical => group.members.push(member),
                _ => groups.push(DuplicateGroup { canonical, members: vec![member] }),
            }
        }
        Ok(groups)
    }

    /// The canonical article of one duplicate (one indexed row), if it is one.
    pub fn canonical_id(&self, id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT canonical_id FROM duplicate_members WHERE article_id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    /// Each duplicate's canonical article id.
    pub fn canonical_of(&self) -> Result<HashMap<String, String>> {
        let mut statement = self.conn.prepare("SELECT article_id, canonical_id FROM duplicate_members")?;
        let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Each article's story id.
    pub fn story_of(&self) -> Result<HashMap<String, String>> {
        let mut statement = self.conn.prepare("SELECT article_id, story_id FROM story_articles")?;
        let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn stories(&self) -> Result<Vec<StoryRow>> {
        let mut statement = self.conn.prepare(
            "SELECT s.id, s.label, s.first, s.last, sa.article_id FROM stories s JOIN story_articles sa ON sa.story_id = s.id
             ORDER BY (SELECT count(*) FROM story_articles x WHERE x.story_id = s.id) DESC, s.first IS NULL, s.first, s.id, sa.position, sa.article_id",
        )?;
        let rows = statement.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?, r.get::<_, String>(4)?))
        })?;
        let mut stories: Vec<StoryRow> = Vec::new();
        for row in rows {
            let (id, label, first, last, article) = row?;
            match stories.last_mut() {
                Some(story) if story.id == id => story.articles.push(article),
                _ => stories.push(StoryRow { id, label, first, last, articles: vec![article] }),
            }
        }
        Ok(stories)
    }

    /// One page of stories, largest first (as [`Store::stories`] orders them), each with
    /// its size and the outlets its articles name; and how many stories there are.
    pub fn story_page(&self, limit: usize, offset: usize) -> Result<(Vec<StoryListing>, usize)> {
        let total = self.story_count()?;
        let mut statement = self.conn.prepare_cached(
            "SELECT id, label, first, last, size FROM stories WHERE size > 0
             ORDER BY size DESC, first IS NULL, first, id LIMIT ?1 OFFSET ?2",
        )?;
        let rows = statement
            .query_map(params![crate::sql_count(limit), crate::sql_count(offset)], |r| {
                Ok(StoryListing {
                    id: r.get(0)?,
                    label: r.get(1)?,
                    first: r.get(2)?,
                    last: r.get(3)?,
                    articles: r.get::<_, i64>(4)? as usize,
                    outlets: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut page = rows;
        for story in &mut page {
            story.outlets = self.story_outlets(&story.id)?;
        }
        Ok((page, total))
    }

    /// The story whose id is `id` or starts with it, with its members: index lookups.
    pub fn story(&self, id: &str) -> Result<Option<StoryRow>> {
        let Some(id) = crate::reads::id_by_prefix(&self.conn, "story", "stories", id)? else { return Ok(None) };
        let row = self
            .conn
            .prepare_cached("SELECT label, first, last FROM stories WHERE id = ?1")?
            .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let articles = crate::analysis::column(
            &self.conn,
            "SELECT article_id FROM story_articles WHERE story_id = ?1 ORDER BY position, article_id",
            [&id],
        )?;
        Ok(Some(StoryRow { id, label: row.0, first: row.1, last: row.2, articles }))
    }
}

/// Story terms' document frequencies (`term_df`) as a batch sees them: each term read
/// once, the batch's new articles counted in memory, and the sums written at commit, so
/// that a new article costs its distinct terms once, not a write and a read per term.
#[derive(Default)]
pub(crate) struct TermFrequencies {
    known: HashMap<u64, i64>,
    added: HashMap<u64, i64>,
}

impl TermFrequencies {
    /// How many stored articles (and articles of this batch) hold `term`.
    fn get(&mut self, tx: &rusqlite::Transaction<'_>, term: u64) -> Result<i64> {
        if let Some(&df) = self.known.get(&term) {
            return Ok(df);
        }
        let df: i64 = tx
            .prepare_cached("SELECT df FROM term_df WHERE term = ?1")?
            .query_row([term as i64], |r| r.get(0))
            .optional()?
            .unwrap_or(0);
        self.known.insert(term, df);
        Ok(df)
    }

    /// Counts one more article holding each of `terms` (each read by `get` before).
    fn count(&mut self, terms: &[u64]) {
        for &term in terms {
            *self.known.entry(term).or_default() += 1;
            *self.added.entry(term).or_default() += 1;
        }
    }

    /// Writes what this batch added, in term order.
    pub(crate) fn write(&mut self, tx: &rusqlite::Transaction<'_>) -> Result<()> {
        let mut added: Vec<(u64, i64)> = self.added.drain().collect();
        added.sort_unstable();
        let mut bump = tx.prepare_cached(
            "INSERT INTO term_df (term, df) VALUES (?1, ?2) ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
        )?;
        for (term, count) in added {
            bump.execute(params![term as i64, count])?;
        }
        Ok(())
    }
}
