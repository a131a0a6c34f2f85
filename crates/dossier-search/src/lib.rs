//! Full-text search over the dossier's articles and quotes, on tantivy: BM25 ranking,
//! phrase queries (`"security guarantees"`), filters (outlet, date range, story,
//! speaker, entity, language, kind) and highlighted snippets.

use anyhow::Context;
use serde::Serialize;
use std::ops::Bound;
use std::path::Path;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::agg_result::AggregationResults;
use tantivy::aggregation::AggregationCollector;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, OwnedValue, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED, STRING,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DateTime, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Bumped when the schema changes: an index of another version is rebuilt.
const SCHEMA_VERSION: &str = "1";
const WRITER_MEMORY: usize = 64 * 1024 * 1024;
/// Most indexing threads of a bulk write: tantivy's threads each build a segment.
const BULK_THREADS: usize = 4;
/// From how many documents a write is indexed on more than one thread.
const BULK_FROM: usize = 10_000;
/// How long a writer waits for another process's writer to finish.
const WRITER_WAIT: std::time::Duration = std::time::Duration::from_secs(600);

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// Deepest nesting of parentheses and chained operators (`NOT NOT …`, `+-+…`) accepted:
/// the query parser descends once per level, on a thread's bounded stack.
pub const MAX_QUERY_NESTING: usize = 16;
/// Most operators (`AND`, `OR`, `NOT`, `+`, `-`, parentheses) in one query.
pub const MAX_QUERY_OPERATORS: usize = 64;
/// Deepest result reachable by paging (`offset + limit`), as search engines bound it:
/// collecting the top N costs memory in N.
pub const MAX_RESULT_WINDOW: usize = 10_000;

/// Documents written to the index as one commit: see [`SearchIndex::bulk`].
pub struct Bulk<'a> {
    index: &'a SearchIndex,
    writer: IndexWriter,
}

impl Bulk<'_> {
    /// Removes the documents with these ids (before their new versions are added).
    pub fn delete<'i>(&self, ids: impl IntoIterator<Item = &'i String>) {
        for id in ids {
            self.writer.delete_term(Term::from_field_text(self.index.fields.id, id));
        }
    }

    pub fn add(&self, doc: &IndexedDoc) -> anyhow::Result<()> {
        self.writer.add_document(self.index.document(doc))?;
        Ok(())
    }

    /// Commits with the position in the store's change log the index now reflects.
    pub fn commit(self, position: i64) -> anyhow::Result<()> {
        self.index.commit(self.writer, position)
    }
}

/// Why a query was refused before it ran: the caller's mistake, not the index's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvalidQuery {
    TooLong {
        chars: usize,
    },
    TooDeep {
        depth: usize,
    },
    TooManyOperators {
        operators: usize,
    },
    WindowTooDeep {
        offset: usize,
        limit: usize,
    },
    /// A query the index cannot run as written (`nosuchfield:*`).
    Unusable(String),
}

impl std::fmt::Display for InvalidQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InvalidQuery::TooLong { chars } => {
                write!(f, "the query is {chars} characters long; the limit is {MAX_QUERY_CHARS}")
            }
            InvalidQuery::TooDeep { depth } => write!(
                f,
                "the query nests parentheses or operators {depth} deep; the limit is {MAX_QUERY_NESTING}"
            ),
            InvalidQuery::TooManyOperators { operators } => {
                write!(f, "the query has {operators} operators; the limit is {MAX_QUERY_OPERATORS}")
            }
            InvalidQuery::WindowTooDeep { offset, limit } => write!(
                f,
                "offset {offset} + limit {limit} goes past result {MAX_RESULT_WINDOW}, the deepest page served; narrow the search instead"
            ),
            InvalidQuery::Unusable(why) => write!(f, "the query cannot run as written: {why}"),
        }
    }
}

impl std::error::Error for InvalidQuery {}

/// Checks a query and a page against the bounds, before any parsing.
pub fn validate(query: &str, limit: usize, offset: usize) -> Result<(), InvalidQuery> {
    if offset.checked_add(limit).is_none_or(|end| end > MAX_RESULT_WINDOW) {
        return Err(InvalidQuery::WindowTooDeep { offset, limit });
    }
    let chars = query.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(InvalidQuery::TooLong { chars });
    }
    let (depth, operators) = nesting_and_operators(query);
    if depth > MAX_QUERY_NESTING {
        return Err(InvalidQuery::TooDeep { depth });
    }
    if operators > MAX_QUERY_OPERATORS {
        return Err(InvalidQuery::TooManyOperators { operators });
    }
    Ok(())
}

/// The deepest nesting of a query (parentheses, plus prefix operators chained in
/// front of one term or group) and its number of operators. Quoted phrases are text.
fn nesting_and_operators(query: &str) -> (usize, usize) {
    let (mut depth, mut deepest, mut operators, mut chained) = (0usize, 0usize, 0usize, 0usize);
    let mut in_phrase = false;
    for token in query.split_inclusive(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '"') {
        for c in token.chars() {
            match c {
                '"' => in_phrase = !in_phrase,
                '(' if !in_phrase => {
                    depth += 1;
                    operators += 1;
                }
                ')' if !in_phrase => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        if in_phrase {
            continue;
        }
        let word = token.trim_matches(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '"');
        let signs = word.chars().take_while(|c| matches!(c, '+' | '-')).count();
        let keyword = matches!(word, "AND" | "OR" | "NOT" | "&&" | "||" | "!");
        operators += signs + usize::from(keyword);
        chained = if keyword && word != "AND" && word != "OR" || signs > 0 && signs == word.len() {
            chained + signs.max(1)
        } else if word.is_empty() {
            chained
        } else {
            signs
        };
        deepest = deepest.max(depth + chained);
    }
    (deepest.max(depth), operators)
}

/// Something to index: an article or a quote.
#[derive(Debug, Clone, Default)]
pub struct IndexedDoc {
    /// "article" or "quote".
    pub kind: &'static str,
    pub id: String,
    /// The article it belongs to (itself for an article; the first report for a quote).
    pub article: String,
    /// Every article it appears in (a quote's reports), for deleting on re-ingest.
    pub articles: Vec<String>,
    pub title: String,
    pub text: String,
    pub outlet: Option<String>,
    /// Days since 1970-01-01 of the publication date.
    pub published: Option<i64>,
    pub story: Option<String>,
    pub language: Option<String>,
    pub speaker: Option<String>,
    /// Keys a speaker filter matches: the entity id and the name's key.
    pub speaker_keys: Vec<String>,
    /// Entity ids named in it.
    pub entities: Vec<String>,
}

/// Filters, each matched exactly (outlet names, ids, keys); dates inclusive, in days since 1970-01-01.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub kind: Option<String>,
    pub outlet: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub story: Option<String>,
    pub speaker_keys: Vec<String>,
    pub entity: Option<String>,
    pub language: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    pub kind: String,
    pub id: String,
    pub article: String,
    pub title: String,
    pub outlet: Option<String>,
    /// Days since 1970-01-01.
    pub published: Option<i64>,
    pub story: Option<String>,
    pub speaker: Option<String>,
    /// A fragment of the text with the matched words in `<mark>`; everything else HTML-escaped.
    pub snippet_html: String,
    pub score: f32,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Results {
    pub total: usize,
    pub hits: Vec<Hit>,
}

struct Fields {
    kind: Field,
    id: Field,
    article: Field,
    articles: Field,
    title: Field,
    text: Field,
    outlet: Field,
    published: Field,
    story: Field,
    language: Field,
    speaker: Field,
    speaker_keys: Field,
    entities: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let english = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("en_stem")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        kind: builder.add_text_field("kind", STRING | STORED),
        id: builder.add_text_field("id", STRING | STORED),
        article: builder.add_text_field("article", STRING | STORED),
        articles: builder.add_text_field("articles", STRING),
        title: builder.add_text_field("title", english.clone()),
        text: builder.add_text_field("text", english.clone()),
        outlet: builder.add_text_field("outlet", STRING | STORED),
        published: builder.add_date_field("published", INDEXED | STORED | FAST),
        story: builder.add_text_field("story", STRING | STORED),
        language: builder.add_text_field("language", STRING),
        speaker: builder.add_text_field("speaker", english),
        speaker_keys: builder.add_text_field("speaker_keys", STRING),
        entities: builder.add_text_field("entities", STRING),
    };
    (builder.build(), fields)
}

fn date_of(days: i64) -> DateTime {
    DateTime::from_timestamp_secs(days * 86_400)
}

/// A tantivy index of the dossier.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// The last writer, finishing the merges its commit started. Dropping a writer
    /// abandons them, and an index written by many small commits (one per upload) then
    /// piles up tiny segments that every search and commit pays for; so the writer is
    /// let finish in the background, and the next writer, or closing, waits for it.
    merging: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it (or recreating it, when its schema is
    /// from another version) as needed. Returns whether it is new and must be filled.
    pub fn open(dir: &Path) -> anyhow::Result<(SearchIndex, bool)> {
        let version_file = dir.join("dossier-schema-version");
        let current = std::fs::read_to_string(&version_file).ok().is_some_and(|v| v.trim() == SCHEMA_VERSION);
        if !current && dir.exists() {
            std::fs::remove_dir_all(dir).with_context(|| format!("cannot clear the old index in {}", dir.display()))?;
        }
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create the index folder {}", dir.display()))?;
        let (schema, fields) = schema();
        let directory = tantivy::directory::MmapDirectory::open(dir)
            .with_context(|| format!("cannot open the index in {}", dir.display()))?;
        let index = Index::open_or_create(directory, schema)?;
        if !current {
            std::fs::write(&version_file, SCHEMA_VERSION)?;
        }
        Ok((SearchIndex::from_index(index, fields)?, !current))
    }

    /// An index in memory (tests, one-off searches).
    pub fn in_memory() -> anyhow::Result<SearchIndex> {
        let (schema, fields) = schema();
        SearchIndex::from_index(Index::create_in_ram(schema), fields)
    }

    fn from_index(index: Index, fields: Fields) -> anyhow::Result<SearchIndex> {
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex { index, reader, fields, merging: std::sync::Mutex::new(None) })
    }

    /// Waits for the merges of the last commit (see [`SearchIndex::merging`]).
    fn finish_merges(&self) {
        let pending = self.merging.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        if let Some(pending) = pending {
            // A merge that failed leaves the segments it read in place: nothing is lost.
            let _ = pending.join();
        }
    }

    /// The index's writer, waiting while another process holds it. `threads` index in
    /// parallel, each with its own memory budget (a rebuild uses every core; a small
    /// update one thread, which keeps the index to few segments).
    fn writer(&self, threads: usize) -> anyhow::Result<IndexWriter> {
        self.finish_merges();
        let started = std::time::Instant::now();
        loop {
            match self.index.writer_with_num_threads(threads, WRITER_MEMORY * threads) {
                Err(tantivy::TantivyError::LockFailure(..)) if started.elapsed() < WRITER_WAIT => {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                other => return Ok(other?),
            }
        }
    }

    /// A writer for about `documents` documents (a rebuild, a catch-up), fed one at a
    /// time so that they are never all in memory: many are indexed on every core while
    /// the caller reads the next, a few on one thread. With `replace_all`, the index is
    /// emptied first.
    pub fn bulk(&self, replace_all: bool, documents: usize) -> anyhow::Result<Bulk<'_>> {
        let threads = if documents < BULK_FROM {
            1
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get()).min(BULK_THREADS)
        };
        let writer = self.writer(threads)?;
        if replace_all {
            writer.delete_all_documents()?;
        }
        Ok(Bulk { index: self, writer })
    }

    /// Sees the commits made since the last look, by this process or another.
    pub fn reload(&self) -> anyhow::Result<()> {
        Ok(self.reader.reload()?)
    }

    /// How far into the store's change log the index was last brought, if it recorded it.
    pub fn position(&self) -> Option<i64> {
        self.index.load_metas().ok()?.payload?.parse().ok()
    }

    /// Commits with the position in the store's change log the index now reflects.
    fn commit(&self, mut writer: IndexWriter, position: i64) -> anyhow::Result<()> {
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&position.to_string());
        prepared.commit()?;
        self.reader.reload()?;
        let merging = std::thread::spawn(move || {
            let _ = writer.wait_merging_threads();
        });
        *self.merging.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(merging);
        Ok(())
    }

    /// Replaces the whole index with `docs`, which reflect the store at `position`.
    pub fn replace_all(&self, docs: &[IndexedDoc], position: i64) -> anyhow::Result<()> {
        let bulk = self.bulk(true, docs.len())?;
        for doc in docs {
            bulk.add(doc)?;
        }
        bulk.commit(position)
    }

    /// Replaces the documents with these ids by `docs` (an id without a document is
    /// deleted): what changed since the last position, and nothing else.
    pub fn replace_documents(&self, ids: &[String], docs: &[IndexedDoc], position: i64) -> anyhow::Result<()> {
        let bulk = self.bulk(false, docs.len())?;
        bulk.delete(ids);
        for doc in docs {
            bulk.add(doc)?;
        }
        bulk.commit(position)
    }

    /// How many documents are indexed.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// How many segments a search reads (each costs every query and commit a little).
    pub fn segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn document(&self, doc: &IndexedDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut out = TantivyDocument::default();
        out.add_text(f.kind, doc.kind);
        out.add_text(f.id, &doc.id);
        out.add_text(f.article, &doc.article);
        for article in &doc.articles {
            out.add_text(f.articles, article);
        }
        out.add_text(f.title, &doc.title);
        out.add_text(f.text, &doc.text);
        let optional =
            [(f.outlet, &doc.outlet), (f.story, &doc.story), (f.language, &doc.language), (f.speaker, &doc.speaker)];
        for (field, value) in optional {
            if let Some(value) = value {
                out.add_text(field, value);
            }
        }
        if let Some(days) = doc.published {
            out.add_date(f.published, date_of(days));
        }
        for key in &doc.speaker_keys {
            out.add_text(f.speaker_keys, key);
        }
        for entity in &doc.entities {
            out.add_text(f.entities, entity);
        }
        out
    }

    /// The words' query alone (for snippets), and with the filters.
    fn query(&self, query: &str, filters: &Filters) -> (Box<dyn Query>, BooleanQuery) {
        let f = &self.fields;
        let mut parser = QueryParser::for_index(&self.index, vec![f.title, f.text, f.speaker]);
        parser.set_field_boost(f.title, 2.0);
        let text_query: Box<dyn Query> = if query.trim().is_empty() {
            Box::new(AllQuery)
        } else {
            // Lenient: a stray quote mark or colon searches the words rather than failing.
            parser.parse_query_lenient(query).0
        };
        let mut clauses = vec![(Occur::Must, text_query.box_clone())];
        clauses.extend(self.filter_clauses(filters));
        (text_query, BooleanQuery::new(clauses))
    }

    /// How many documents `query` with `filters` matches on each publication day (days
    /// since 1970-01-01), oldest first; undated ones are not counted. A date histogram
    /// over the fast date field: it reads no stored document.
    pub fn per_day(&self, query: &str, filters: &Filters) -> anyhow::Result<Vec<(i64, u64)>> {
        validate(query, 1, 0)?;
        let (_, combined) = self.query(query, filters);
        let request: Aggregations = serde_json::from_value(serde_json::json!({
            "days": {"date_histogram": {"field": "published", "fixed_interval": "1d", "min_doc_count": 1}}
        }))?;
        let collector = AggregationCollector::from_aggs(request, Default::default());
        let results: AggregationResults = self.reader.searcher().search(&combined, &collector).map_err(query_error)?;
        let value = serde_json::to_value(results)?;
        let buckets = value["days"]["buckets"].as_array().cloned().unwrap_or_default();
        Ok(buckets
            .iter()
            .filter_map(|b| Some(((b["key"].as_f64()? / 86_400_000.0).floor() as i64, b["doc_count"].as_u64()?)))
            .filter(|(_, count)| *count > 0)
            .collect())
    }

    fn filter_clauses(&self, filters: &Filters) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let term = |field: Field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic))
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let exact = [
            (f.kind, &filters.kind),
            (f.outlet, &filters.outlet),
            (f.story, &filters.story),
            (f.entities, &filters.entity),
            (f.language, &filters.language),
        ];
        for (field, value) in exact {
            if let Some(value) = value {
                clauses.push((Occur::Must, term(field, value)));
            }
        }
        if !filters.speaker_keys.is_empty() {
            let any: Vec<(Occur, Box<dyn Query>)> =
                filters.speaker_keys.iter().map(|k| (Occur::Should, term(f.speaker_keys, k))).collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if filters.from.is_some() || filters.to.is_some() {
            let bound = |days: Option<i64>| match days {
                Some(days) => Bound::Included(Term::from_field_date(f.published, date_of(days))),
                None => Bound::Unbounded,
            };
            clauses.push((Occur::Must, Box::new(RangeQuery::new(bound(filters.from), bound(filters.to)))));
        }
        clauses
    }

    /// Runs `query` (tantivy syntax: words, `"phrases"`, `+must -not`, `title:word`) with
    /// `filters`; best first, `limit` hits from `offset`. An empty query lists by filters alone.
    /// Refuses (with [`InvalidQuery`]) queries and pages beyond the bounds.
    pub fn search(&self, query: &str, filters: &Filters, limit: usize, offset: usize) -> anyhow::Result<Results> {
        validate(query, limit, offset)?;
        let f = &self.fields;
        let searcher = self.reader.searcher();
        let (text_query, combined) = self.query(query, filters);
        let collector = (Count, TopDocs::with_limit(limit.max(1)).and_offset(offset).order_by_score());
        let (total, top) = searcher.search(&combined, &collector).map_err(query_error)?;
        let mut snippets = SnippetGenerator::create(&searcher, &*text_query, f.text)?;
        snippets.set_max_num_chars(220);
        let mut hits = Vec::new();
        for (score, address) in top.into_iter().take(limit) {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str()).map(str::to_string);
            let mut snippet = snippets.snippet_from_doc(&doc);
            snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
            let mut snippet_html = snippet.to_html();
            if snippet_html.is_empty() {
                let opening: String = text(f.text).unwrap_or_default().chars().take(220).collect();
                snippet_html = escape_html(&opening);
            }
            let published = doc.get_first(f.published).and_then(|v| match OwnedValue::from(v) {
                OwnedValue::Date(date) => Some(date.into_timestamp_secs().div_euclid(86_400)),
                _ => None,
            });
            hits.push(Hit {
                kind: text(f.kind).unwrap_or_default(),
                id: text(f.id).unwrap_or_default(),
                article: text(f.article).unwrap_or_default(),
                title: text(f.title).unwrap_or_default(),
                outlet: text(f.outlet),
                published,
                story: text(f.story),
                speaker: text(f.speaker),
                snippet_html,
                score,
            });
        }
        Ok(Results { total, hits })
    }
}

impl Drop for SearchIndex {
    /// A process ends with its index merged, not with the merges abandoned.
    fn drop(&mut self) {
        self.finish_merges();
    }
}

/// A search error: what the query's words named (not what the index holds) is the caller's to fix.
fn query_error(error: tantivy::TantivyError) -> anyhow::Error {
    match error {
        tantivy::TantivyError::FieldNotFound(_) | tantivy::TantivyError::InvalidArgument(_) => {
            anyhow::Error::new(InvalidQuery::Unusable(error.to_string()))
        }
        other => anyhow::Error::new(other),
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, kind: &'static str, text: &str, outlet: &str, day: i64) -> IndexedDoc {
        IndexedDoc {
            kind,
            id: id.into(),
            article: id.into(),
            articles: vec![id.into()],
            title: format!("Title of {id}"),
            text: text.into(),
            outlet: Some(outlet.into()),
            published: Some(day),
            story: Some("s1".into()),
            language: Some("en".into()),
            speaker: (kind == "quote").then(|| "Sergey Ryabkov".to_string()),
            speaker_keys: if kind == "quote" { vec!["sergei riabkov".into()] } else { vec![] },
            entities: vec!["person-sergei-ryabkov".into()],
        }
    }

    fn index() -> SearchIndex {
        let index = SearchIndex::in_memory().unwrap();
        index
            .replace_all(
                &[
                    doc(
                        "a",
                        "article",
                        "Russia demands security guarantees from NATO <script>.",
                        "The Moscow Times",
                        100,
                    ),
                    doc("b", "article", "Guarantees of security were discussed; NATO replied.", "Sputnik", 200),
                    doc("q", "quote", "Those two texts are not a menu", "Sputnik", 150),
                ],
                1,
            )
            .unwrap();
        index
    }

    #[test]
    fn ranks_filters_phrases_and_highlights() {
        let index = index();
        let all = index.search("security guarantees", &Filters::default(), 10, 0).unwrap();
        assert_eq!(all.total, 2);
        let phrase = index.search("\"security guarantees\"", &Filters::default(), 10, 0).unwrap();
        assert_eq!(phrase.hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), ["a"]);
        assert!(phrase.hits[0].snippet_html.contains("<mark>security</mark>"), "{}", phrase.hits[0].snippet_html);
        let markup = index.search("script nato", &Filters::default(), 10, 0).unwrap();
        assert!(markup.hits.iter().all(|h| !h.snippet_html.contains("<script")), "{markup:?}");
        assert!(markup.hits.iter().any(|h| h.snippet_html.contains("&lt;")), "{markup:?}");
        let by_outlet = Filters { outlet: Some("Sputnik".into()), ..Filters::default() };
        assert_eq!(index.search("security", &by_outlet, 10, 0).unwrap().hits[0].id, "b");
        let by_date = Filters { from: Some(150), to: Some(250), ..Filters::default() };
        assert_eq!(index.search("", &by_date, 10, 0).unwrap().total, 2);
        let by_speaker = Filters { speaker_keys: vec!["sergei riabkov".into()], ..Filters::default() };
        let quotes = index.search("menu", &by_speaker, 10, 0).unwrap();
        assert_eq!((quotes.total, quotes.hits[0].kind.as_str()), (1, "quote"));
        assert_eq!(quotes.hits[0].published, Some(150));
        assert_eq!(index.search("stray \" quote:", &Filters::default(), 10, 0).unwrap().total, 0);
    }

    #[test]
    fn replacing_a_document_replaces_it_alone() {
        let index = index();
        let before = index.len();
        index.replace_documents(&["a".into()], &[doc("a", "article", "Entirely new words", "X", 1)], 2).unwrap();
        assert_eq!(index.position(), Some(2));
        assert_eq!(index.len(), before, "one document out, one in");
        assert_eq!(index.search("guarantees", &Filters::default(), 10, 0).unwrap().total, 1);
        assert_eq!(index.search("entirely", &Filters::default(), 10, 0).unwrap().total, 1);
    }
}

#[cfg(test)]
mod bounds {
    use super::*;
    use proptest::prelude::*;

    /// The stack a tokio worker thread has, where the server parses queries.
    const SERVER_STACK: usize = 2 * 1024 * 1024;

    fn on_server_stack<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new().stack_size(SERVER_STACK).spawn(work).unwrap().join().unwrap()
    }

    fn small_index() -> std::sync::Arc<SearchIndex> {
        let index = SearchIndex::in_memory().unwrap();
        let doc = IndexedDoc { kind: "article", id: "a".into(), text: "a b c".into(), ..IndexedDoc::default() };
        index.replace_all(&[doc], 1).unwrap();
        std::sync::Arc::new(index)
    }

    #[test]
    fn hostile_queries_are_refused_with_the_limit_named() {
        let index = small_index();
        let nested = format!("{}a{}", "(".repeat(1000), ")".repeat(1000));
        let nots = "NOT ".repeat(2000);
        for query in [nested, nots] {
            let error = on_server_stack({
                let index = index.clone();
                move || index.search(&query, &Filters::default(), 10, 0).unwrap_err().to_string()
            });
            assert!(error.contains("limit is"), "{error}");
        }
        let deep = index.search("a", &Filters::default(), 100, 4_294_967_296).unwrap_err();
        assert!(deep.downcast_ref::<InvalidQuery>().is_some(), "{deep}");
        let overflow = index.search("a", &Filters::default(), 100, usize::MAX - 100).unwrap_err();
        assert!(overflow.to_string().contains("deepest page"), "{overflow}");
        assert!(index.search("a", &Filters::default(), 100, MAX_RESULT_WINDOW - 100).is_ok());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Whatever the query, on the server's stack: an answer or a refusal, never a crash.
        #[test]
        fn any_query_answers_or_is_refused(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("(".to_string()), Just(")".to_string()), Just("NOT ".to_string()), Just("-".to_string()),
                    Just("+".to_string()), Just(" AND ".to_string()), Just(" OR ".to_string()), Just("\"".to_string()),
                    Just("title:".to_string()), Just("a".to_string()), Just(" ".to_string()), "[a-z]{1,6}",
                ],
                0..400,
            ),
            offset in prop_oneof![Just(0usize), Just(usize::MAX), 0usize..20_000],
        ) {
            let query: String = parts.concat();
            let index = small_index();
            let outcome = on_server_stack(move || index.search(&query, &Filters::default(), 20, offset).map(|r| r.total));
            if let Err(error) = outcome {
                prop_assert!(error.downcast_ref::<InvalidQuery>().is_some(), "{error}");
            }
        }
    }

    #[test]
    fn a_query_naming_no_field_is_refused_not_failed() {
        // Found by cargo fuzz: an existence query on a field that does not exist.
        let error = small_index().search(" \u{FFFD}s:*(N", &Filters::default(), 10, 0).unwrap_err();
        assert!(matches!(error.downcast_ref::<InvalidQuery>(), Some(InvalidQuery::Unusable(_))), "{error}");
    }

    #[test]
    fn the_worst_accepted_shapes_fit_the_server_stack() {
        let index = small_index();
        let shapes = [
            format!("{}a{}", "(".repeat(MAX_QUERY_NESTING), ")".repeat(MAX_QUERY_NESTING)),
            format!("{}a", "NOT ".repeat(MAX_QUERY_NESTING)),
            format!("{}a", "-".repeat(MAX_QUERY_NESTING)),
            "a OR ".repeat(MAX_QUERY_OPERATORS / 2) + "a",
        ];
        for query in shapes {
            assert!(validate(&query, 10, 0).is_ok(), "{query}");
            let index = index.clone();
            on_server_stack(move || index.search(&query, &Filters::default(), 10, 0).unwrap());
        }
    }
}
