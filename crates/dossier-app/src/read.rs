//! The read side: one typed read model per thing (an article in a list, an article, a
//! story in a list, a story, an entity), built from the store for each request by
//! index reads, so that a read costs what it returns. The command line, the JSON API
//! and the HTML pages all show these.

use crate::export::{event_rows, quote_rows, ExportArticle, ExportEvent, ExportQuote};
use dossier_core::across::analysis::{self, Analysis, Coverage};
use dossier_core::across::diff::{self, Step};
use dossier_core::reading::article::Article;
use dossier_store::{ArticleFilter, EntitySummary, ListedArticle, Store, StoreError, StoryMember, StoryRow};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use utoipa::ToSchema;

/// Read connections kept open between requests; more are opened when more requests
/// read at once, and closed after.
const IDLE_READERS: usize = 4;

/// A small pool of read-only connections to one store. Readers never block a writer
/// (WAL), and memory does not grow with the store.
pub struct Reader {
    db: PathBuf,
    idle: Mutex<Vec<Store>>,
}

impl Reader {
    /// A pool on the store at `db`, which must exist at this build's schema (open it
    /// for writing once first, which migrates it).
    pub fn open(db: &Path) -> anyhow::Result<Reader> {
        let first = Store::open_read_only(db)?;
        Ok(Reader { db: db.to_path_buf(), idle: Mutex::new(vec![first]) })
    }

    /// Runs `read` on a connection of the pool (a new one if all are busy).
    pub fn read<T>(&self, read: impl FnOnce(&Store) -> anyhow::Result<T>) -> anyhow::Result<T> {
        let taken = self.idle.lock().map_err(|_| anyhow::anyhow!("the reader pool is poisoned"))?.pop();
        let store = match taken {
            Some(store) => store,
            None => Store::open_read_only(&self.db)?,
        };
        let answer = read(&store);
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < IDLE_READERS {
                idle.push(store);
            }
        }
        answer
    }
}

/// Nothing of this kind has this id (nor begins with it).
#[derive(Debug)]
pub struct NotFound {
    pub kind: &'static str,
    pub id: String,
}

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no {} has the id {:?}", self.kind, self.id)
    }
}

impl std::error::Error for NotFound {}

/// Whether a read failed because the id named nothing, or several things.
pub fn is_not_found(error: &anyhow::Error) -> bool {
    error.downcast_ref::<NotFound>().is_some()
}

/// Whether a read failed for what was asked: an id prefix naming several things, or a
/// search query that does not parse.
pub fn is_bad_request(error: &anyhow::Error) -> bool {
    matches!(error.downcast_ref::<StoreError>(), Some(StoreError::Ambiguous { .. }))
        || error.downcast_ref::<dossier_search::InvalidQuery>().is_some()
}

fn found<T>(value: Option<T>, kind: &'static str, id: &str) -> anyhow::Result<T> {
    value.ok_or_else(|| NotFound { kind, id: id.to_string() }.into())
}

/// The story whose id is `id` or the only one beginning with it.
pub fn story_id(store: &Store, id: &str) -> anyhow::Result<String> {
    found(store.story_id(id)?, "story", id)
}

/// Which page of a list: the page (from 1) and its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub page: usize,
    pub per_page: usize,
}

impl Window {
    pub fn offset(self) -> usize {
        (self.page.max(1) - 1).saturating_mul(self.per_page)
    }
}

/// A page of a list and the list's full length.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub items: Vec<T>,
}

impl<T> Page<T> {
    fn of(items: Vec<T>, total: usize, window: Window) -> Page<T> {
        Page { total, page: window.page.max(1), per_page: window.per_page, items }
    }

    /// Items shown before this page's first.
    pub fn offset(&self) -> usize {
        (self.page - 1) * self.per_page
    }

    /// Whether a later page holds more.
    pub fn has_next(&self) -> bool {
        self.offset() + self.items.len() < self.total
    }
}

/// An article in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleSummary {
    pub id: String,
    pub source: String,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    pub language: Option<String>,
    /// What it was read from: html, markdown, text, pdf-text, pdf, jsonl, feed, warc.
    pub format: &'static str,
    pub story: Option<String>,
    pub duplicate_of: Option<String>,
}

impl ArticleSummary {
    fn of(listed: ListedArticle) -> ArticleSummary {
        let article = listed.article;
        ArticleSummary {
            published: article.published.map(|d| d.to_string()),
            format: article.format.as_str(),
            id: article.id,
            source: article.source,
            title: article.title,
            outlet: article.outlet,
            language: article.language,
            story: listed.story,
            duplicate_of: listed.duplicate_of,
        }
    }
}

/// One page of the articles `filter` keeps, newest first.
pub fn articles(store: &Store, filter: &ArticleFilter, window: Window) -> anyhow::Result<Page<ArticleSummary>> {
    let (listed, total) = store.article_list(filter, window.per_page, window.offset())?;
    Ok(Page::of(listed.into_iter().map(ArticleSummary::of).collect(), total, window))
}

/// Articles (or mentions) on one day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DayCount {
    pub date: String,
    pub count: usize,
}

/// A story in a list: its size, span, outlets and articles per day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StorySummary {
    pub id: String,
    pub label: String,
    pub first: Option<String>,
    pub last: Option<String>,
    pub articles: usize,
    /// The outlets its articles name, in alphabetical order.
    pub outlets: Vec<String>,
    /// Articles per publication day, oldest first.
    pub per_day: Vec<DayCount>,
}

/// One page of stories, largest first.
pub fn stories(store: &Store, window: Window) -> anyhow::Result<Page<StorySummary>> {
    let (listings, total) = store.story_page(window.per_page, window.offset())?;
    let mut items = Vec::with_capacity(listings.len());
    for listing in listings {
        items.push(StorySummary {
            per_day: per_day(store, &listing.id)?,
            id: listing.id,
            label: listing.label,
            first: listing.first,
            last: listing.last,
            articles: listing.articles,
            outlets: listing.outlets,
        });
    }
    Ok(Page::of(items, total, window))
}

/// How many articles the store holds.
pub fn article_count(store: &Store) -> anyhow::Result<usize> {
    Ok(store.count()?)
}

/// The story whose id is `id` or begins with it; without an id, the store's only story.
pub fn find_story(store: &Store, id: Option<&str>) -> anyhow::Result<StoryRow> {
    match id {
        Some(id) => found(store.story(id)?, "story", id),
        None => {
            let (first, total) = store.story_page(1, 0)?;
            match (first.first(), total) {
                (Some(only), 1) => found(store.story(&only.id)?, "story", &only.id),
                (_, 0) => anyhow::bail!("the dossier has no stories yet (run `dossier analyze PATH`)"),
                _ => anyhow::bail!("the dossier has {total} stories: name one (see `dossier stories`)"),
            }
        }
    }
}

/// A story's dated events, earliest first.
pub fn timeline(store: &Store, story: &StoryRow) -> anyhow::Result<Vec<ExportEvent>> {
    Ok(event_rows(&store.story_findings(&story.id)?.events))
}

/// Two articles side by side, paragraph by paragraph.
pub struct Comparison {
    pub first: Article,
    pub second: Article,
    pub steps: Vec<Step>,
}

/// The articles whose ids are `first` and `second` (or begin with them), compared.
pub fn compare(store: &Store, first: &str, second: &str) -> anyhow::Result<Comparison> {
    let first = found(store.article(first)?, "article", first)?;
    let second = found(store.article(second)?, "article", second)?;
    let a: Vec<&str> = first.paragraphs.iter().map(|p| p.text.as_str()).collect();
    let b: Vec<&str> = second.paragraphs.iter().map(|p| p.text.as_str()).collect();
    let steps = diff::paragraphs(&a, &b);
    Ok(Comparison { first, second, steps })
}

/// One source column of a story: an article with the copies folded into it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Source {
    pub article: String,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    /// Duplicates of this article, with what only each side has (the first
    /// [`SOURCE_COPIES`]; `all_copies` counts them all).
    pub copies: Vec<Copy>,
    pub all_copies: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Copy {
    pub article: String,
    /// exact, near or partial.
    pub kind: String,
    pub outlet: Option<String>,
    /// Paragraphs only in the source, and only in the copy.
    pub only_in_source: Vec<String>,
    pub only_in_copy: Vec<String>,
    pub reworded: usize,
}

/// Quotes of one speaker within a story.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpeakerQuotes {
    pub speaker: String,
    pub speaker_id: Option<String>,
    pub role: Option<String>,
    pub quotes: Vec<ExportQuote>,
}

/// How much of a long list a view shows.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Shown {
    pub shown: usize,
    pub total: usize,
}

impl Shown {
    fn cut<T>(items: &mut Vec<T>, limit: usize) -> Shown {
        let total = items.len();
        items.truncate(limit);
        Shown { shown: items.len(), total }
    }

    pub fn is_cut(&self) -> bool {
        self.shown < self.total
    }
}

/// The most sources (coverage columns) a story view shows: the rest are listed, a page
/// at a time, by `/api/articles?story=ID`.
pub const STORY_SOURCES: usize = 60;
/// The most timeline events, quotes and coverage rows a story view shows.
pub const STORY_ITEMS: usize = 200;

/// A story with everything known about it, long lists bounded (see `limits`).
#[derive(Debug, Serialize, ToSchema)]
pub struct StoryView {
    pub story: StorySummary,
    pub sources: Vec<Source>,
    pub timeline: Vec<ExportEvent>,
    pub quotes_by_speaker: Vec<SpeakerQuotes>,
    #[schema(value_type = Object)]
    pub coverage: Coverage,
    pub limits: StoryLimits,
}

/// How much of each of a story's lists its view shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoryLimits {
    pub sources: Shown,
    pub timeline: Shown,
    pub quotes: Shown,
    pub coverage_rows: Shown,
}

/// The story whose id is `id` or begins with it: its members, stored quotes and events
/// and coverage, read by the story's rows; article text only for the copies shown.
pub fn story(store: &Store, id: &str) -> anyhow::Result<StoryView> {
    let row = found(store.story(id)?, "story", id)?;
    let members = store.story_member_rows(&row.id)?;
    let findings = store.story_findings(&row.id)?;
    let analysis = Analysis { quotes: findings.quotes, events: findings.events, ..Analysis::default() };
    let mut coverage = crate::dossier::coverage_of(&row.id, &members, &analysis);
    let (mut quotes, mut timeline) = (analysis.quotes, analysis.events);
    let sources_shown = Shown::cut(&mut coverage.columns, STORY_SOURCES);
    let coverage_rows = Shown::cut(&mut coverage.rows, STORY_ITEMS);
    for row in &mut coverage.rows {
        row.reported.truncate(STORY_SOURCES);
    }
    let by_id: HashMap<&str, &StoryMember> = members.iter().map(|m| (m.id.as_str(), m)).collect();
    let sources = coverage.columns.iter().map(|c| source(store, &by_id, c)).collect::<anyhow::Result<_>>()?;
    let timeline_shown = Shown::cut(&mut timeline, STORY_ITEMS);
    let quotes_shown = Shown::cut(&mut quotes, STORY_ITEMS);
    Ok(StoryView {
        story: StorySummary {
            articles: members.len(),
            per_day: per_day(store, &row.id)?,
            outlets: store.story_outlets(&row.id)?,
            id: row.id,
            label: row.label,
            first: row.first,
            last: row.last,
        },
        sources,
        timeline: event_rows(&timeline),
        quotes_by_speaker: by_speaker(store, quote_rows(&quotes))?,
        coverage,
        limits: StoryLimits { sources: sources_shown, timeline: timeline_shown, quotes: quotes_shown, coverage_rows },
    })
}

/// A story's articles per publication day.
fn per_day(store: &Store, story: &str) -> anyhow::Result<Vec<DayCount>> {
    Ok(store.story_days(story)?.into_iter().map(|(date, count)| DayCount { date, count }).collect())
}

/// The most copies of one source a story view compares with it, paragraph by paragraph.
pub const SOURCE_COPIES: usize = 20;

/// A source column with its copies and what each adds or leaves out (for the first
/// [`SOURCE_COPIES`]; the texts compared are read for those alone).
fn source(
    store: &Store,
    members: &HashMap<&str, &StoryMember>,
    column: &analysis::CoverageColumn,
) -> anyhow::Result<Source> {
    let member = members.get(column.article.as_str()).copied();
    let mut copies = Vec::new();
    if !column.copies.is_empty() {
        let kinds: HashMap<String, String> = store
            .duplicate_group(&column.article)?
            .map(|g| g.members.into_iter().map(|m| (m.article_id, m.kind.as_str().to_string())).collect())
            .unwrap_or_default();
        if let Some(original) = store.article(&column.article)? {
            for id in column.copies.iter().take(SOURCE_COPIES) {
                let Some(copy) = store.article(id)? else { continue };
                let kind = kinds.get(id).cloned().unwrap_or_else(|| "duplicate".into());
                let outlet = members.get(id.as_str()).and_then(|m| m.outlet.clone());
                copies.push(Copy::of(&original, &copy, kind, outlet));
            }
        }
    }
    Ok(Source {
        article: column.article.clone(),
        title: member.and_then(|m| m.title.clone()),
        outlet: column.outlet.clone(),
        published: column.published.map(|d| d.to_string()),
        copies,
        all_copies: column.copies.len(),
    })
}

impl Copy {
    /// What only the source and only the copy hold, paragraph by paragraph.
    fn of(original: &Article, copy: &Article, kind: String, outlet: Option<String>) -> Copy {
        let a: Vec<&str> = original.paragraphs.iter().map(|p| p.text.as_str()).collect();
        let b: Vec<&str> = copy.paragraphs.iter().map(|p| p.text.as_str()).collect();
        let (mut only_in_source, mut only_in_copy, mut reworded) = (Vec::new(), Vec::new(), 0);
        for step in diff::paragraphs(&a, &b) {
            match step {
                Step::OnlyFirst(i) => only_in_source.push(a[i].to_string()),
                Step::OnlySecond(j) => only_in_copy.push(b[j].to_string()),
                Step::Changed(..) => reworded += 1,
                Step::Same(..) => {}
            }
        }
        Copy { article: copy.id.clone(), kind, outlet, only_in_source, only_in_copy, reworded }
    }
}

/// Quotes grouped by speaker (named as the dossier's entity, whatever the spelling of
/// each quote), speakers with the most statements first, unattributed last.
fn by_speaker(store: &Store, quotes: Vec<ExportQuote>) -> anyhow::Result<Vec<SpeakerQuotes>> {
    let mut names: HashMap<String, Option<String>> = HashMap::new();
    let mut groups: Vec<SpeakerQuotes> = Vec::new();
    let mut group_of: HashMap<String, usize> = HashMap::new();
    for quote in quotes {
        let entity_name = match &quote.speaker_id {
            Some(id) => match names.get(id) {
                Some(name) => name.clone(),
                None => {
                    let name = store.entity(id)?.map(|e| e.name);
                    names.insert(id.clone(), name.clone());
                    name
                }
            },
            None => None,
        };
        let speaker = entity_name.unwrap_or_else(|| quote.speaker.clone().unwrap_or_else(|| "Unattributed".into()));
        let key = quote.speaker_id.clone().unwrap_or_else(|| format!("name:{speaker}"));
        let at = *group_of.entry(key).or_insert_with(|| {
            groups.push(SpeakerQuotes {
                speaker,
                speaker_id: quote.speaker_id.clone(),
                role: quote.role.clone(),
                quotes: Vec::new(),
            });
            groups.len() - 1
        });
        groups[at].quotes.push(quote);
    }
    let statements = |g: &SpeakerQuotes| g.quotes.iter().filter(|q| !q.fragment).count();
    groups.sort_by_key(|g| (g.speaker_id.is_none() && g.speaker == "Unattributed", std::cmp::Reverse(statements(g))));
    Ok(groups)
}

/// The most quotes and articles an entity view lists.
pub const ENTITY_ITEMS: usize = 100;

/// An entity with its quotes, the articles that name it and how often it is named per day.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntityView {
    #[schema(value_type = Object)]
    pub entity: EntitySummary,
    pub quotes: Vec<ExportQuote>,
    pub articles: Vec<ArticleSummary>,
    pub mentions_over_time: Vec<DayCount>,
    /// Mentions in articles without a date.
    pub undated_mentions: usize,
    pub limits: EntityLimits,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntityLimits {
    pub quotes: Shown,
    pub articles: Shown,
}

/// The entity with this id.
pub fn entity(store: &Store, id: &str) -> anyhow::Result<EntityView> {
    let entity = found(store.entity(id)?, "entity", id)?;
    let (quotes, quotes_total) = store.entity_quotes(id, ENTITY_ITEMS)?;
    let (article_ids, articles_total) = store.entity_articles(id, ENTITY_ITEMS)?;
    let mut articles = Vec::with_capacity(article_ids.len());
    for article in article_ids {
        articles.extend(store.listed_article(&article)?.map(ArticleSummary::of));
    }
    let mut undated_mentions = 0;
    let mut mentions_over_time = Vec::new();
    for (day, count) in store.entity_mentions_per_day(id)? {
        match day {
            Some(date) => mentions_over_time.push(DayCount { date, count }),
            None => undated_mentions += count,
        }
    }
    Ok(EntityView {
        entity,
        limits: EntityLimits {
            quotes: Shown { shown: quotes.len(), total: quotes_total },
            articles: Shown { shown: articles.len(), total: articles_total },
        },
        quotes: quote_rows(&quotes),
        articles,
        mentions_over_time,
        undated_mentions,
    })
}

/// One run of an article's text: inside a quote or not, naming an entity or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Run {
    pub text: String,
    pub quoted: bool,
    /// The dossier entity it names: id and kind.
    pub entity: Option<EntityMark>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EntityMark {
    pub id: String,
    pub kind: String,
}

/// An article with its clean text (marked up: quotes and entity mentions), metadata,
/// entities and the quotes it reports.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleView {
    pub article: ExportArticle,
    #[schema(value_type = Vec<Object>)]
    pub entities: Vec<EntitySummary>,
    pub quotes: Vec<ExportQuote>,
    /// The original capture, as read.
    #[serde(skip)]
    pub original: String,
    /// The clean text's paragraphs as runs.
    #[serde(skip)]
    pub paragraphs: Vec<Vec<Run>>,
}

/// The article whose id is `id` or begins with it.
pub fn article(store: &Store, id: &str) -> anyhow::Result<ArticleView> {
    let ListedArticle { article, story, duplicate_of } = found(store.listed_article(id)?, "article", id)?;
    let marks: HashMap<usize, EntityMark> = store
        .article_entity_ids(&article.id)?
        .into_iter()
        .map(|(local, id, kind)| (local, EntityMark { id, kind }))
        .collect();
    let findings = store.article_findings(&article.id)?;
    let paragraphs = runs(&article, findings.as_ref(), &marks);
    let mut ids: Vec<&String> = marks.values().map(|m| &m.id).collect();
    ids.sort();
    ids.dedup();
    let mut entities = Vec::with_capacity(ids.len());
    for id in ids {
        entities.extend(store.entity(id)?);
    }
    entities.sort_by(|a, b| b.articles.cmp(&a.articles).then_with(|| a.name.cmp(&b.name)));
    Ok(ArticleView {
        quotes: quote_rows(&store.article_quotes(&article.id)?),
        article: ExportArticle::of(&article, duplicate_of.as_deref(), story.as_deref()),
        entities,
        original: article.original.clone(),
        paragraphs,
    })
}

/// The article's paragraphs cut into runs at every quote and mention boundary. A
/// mention that crosses a quote's edge is left unmarked.
fn runs(
    article: &Article,
    findings: Option<&analysis::ArticleFindings>,
    marks: &HashMap<usize, EntityMark>,
) -> Vec<Vec<Run>> {
    let quotes: Vec<(usize, usize)> =
        findings.map_or_else(Vec::new, |f| f.quotes.iter().map(|q| (q.start, q.end)).collect());
    let mentions: Vec<(usize, usize, &EntityMark)> = findings.map_or_else(Vec::new, |f| {
        f.entities
            .mentions
            .iter()
            .filter(|m| !quotes.iter().any(|&(s, e)| s < m.end && m.start < e && !(s <= m.start && m.end <= e)))
            .filter_map(|m| Some((m.start, m.end, marks.get(&m.entity)?)))
            .collect()
    });
    let paragraphs = article.paragraphs.iter().map(|p| p.text.as_str());
    dossier_core::text::paragraph_starts(paragraphs)
        .map(|(offset, text)| {
            let end = offset + text.len();
            let mut cuts: Vec<usize> = vec![0, text.len()];
            for &(s, e) in &quotes {
                cuts.extend([s, e].into_iter().filter(|&x| x > offset && x < end).map(|x| x - offset));
            }
            for &(s, e, _) in &mentions {
                cuts.extend([s, e].into_iter().filter(|&x| x > offset && x < end).map(|x| x - offset));
            }
            cuts.retain(|&c| text.is_char_boundary(c));
            cuts.sort_unstable();
            cuts.dedup();
            cuts.windows(2)
                .map(|w| {
                    let (from, to) = (w[0] + offset, w[1] + offset);
                    Run {
                        text: text[w[0]..w[1]].to_string(),
                        quoted: quotes.iter().any(|&(s, e)| s <= from && to <= e),
                        entity: mentions.iter().find(|&&(s, e, _)| s <= from && to <= e).map(|(_, _, m)| (*m).clone()),
                    }
                })
                .collect()
        })
        .collect()
}

/// Which quotes a list shows.
#[derive(Debug, Clone, Default)]
pub struct QuoteFilter {
    /// Any spelling of the speaker's name, or a surname.
    pub speaker: Option<String>,
    /// Story id or unique prefix.
    pub story: Option<String>,
    /// Reported by this outlet.
    pub outlet: Option<String>,
}

/// One page of the quotes `filter` keeps. A speaker or a story bounds what is read;
/// an outlet alone is checked quote by quote (the one filter without an index).
pub fn quotes(store: &Store, filter: &QuoteFilter, window: Window) -> anyhow::Result<Page<ExportQuote>> {
    let story = filter.story.as_deref().map(|s| story_id(store, s)).transpose()?;
    let reported_by = |q: &dossier_core::across::analysis::MergedQuote| {
        filter.outlet.as_ref().is_none_or(|o| q.reports.iter().any(|r| r.outlet.as_ref() == Some(o)))
    };
    let mut kept = match (&filter.speaker, &story, &filter.outlet) {
        (Some(speaker), None, None) => {
            let (page, total) = store.speaker_quote_page(speaker, window.per_page, window.offset())?;
            return Ok(Page::of(quote_rows(&page), total, window));
        }
        // The same order as the page above, filtered.
        (Some(speaker), _, _) => store.speaker_quote_page(speaker, usize::MAX, 0)?.0,
        (None, story, None) => {
            let (page, total) = store.quote_page(story.as_deref(), window.per_page, window.offset())?;
            return Ok(Page::of(quote_rows(&page), total, window));
        }
        (None, Some(story), Some(_)) => store.story_findings(story)?.quotes,
        (None, None, Some(_)) => store.quote_page(None, usize::MAX >> 1, 0)?.0,
    };
    kept.retain(|q| story.as_ref().is_none_or(|s| q.story.as_ref() == Some(s)) && reported_by(q));
    let total = kept.len();
    let page: Vec<_> = kept.into_iter().skip(window.offset()).take(window.per_page).collect();
    Ok(Page::of(quote_rows(&page), total, window))
}

/// One page of entities (of one kind, or all), most widely reported first.
pub fn entities(store: &Store, kind: Option<&str>, window: Window) -> anyhow::Result<Page<EntitySummary>> {
    let (items, total) = store.entity_page(kind, window.per_page, window.offset())?;
    Ok(Page::of(items, total, window))
}

impl Reader {
    pub fn articles(&self, filter: &ArticleFilter, window: Window) -> anyhow::Result<Page<ArticleSummary>> {
        self.read(|store| articles(store, filter, window))
    }

    pub fn article(&self, id: &str) -> anyhow::Result<ArticleView> {
        self.read(|store| article(store, id))
    }

    pub fn stories(&self, window: Window) -> anyhow::Result<Page<StorySummary>> {
        self.read(|store| stories(store, window))
    }

    pub fn story(&self, id: &str) -> anyhow::Result<StoryView> {
        self.read(|store| story(store, id))
    }

    /// The id of the story `id` names (itself or a unique prefix).
    pub fn story_id(&self, id: &str) -> anyhow::Result<String> {
        self.read(|store| story_id(store, id))
    }

    pub fn entities(&self, kind: Option<&str>, window: Window) -> anyhow::Result<Page<EntitySummary>> {
        self.read(|store| entities(store, kind, window))
    }

    pub fn entity(&self, id: &str) -> anyhow::Result<EntityView> {
        self.read(|store| entity(store, id))
    }

    pub fn quotes(&self, filter: &QuoteFilter, window: Window) -> anyhow::Result<Page<ExportQuote>> {
        self.read(|store| quotes(store, filter, window))
    }

    /// Searches `index` (kept up with this store), names and prefixes resolved by the store.
    pub fn search(
        &self,
        index: &dossier_search::SearchIndex,
        query: &crate::search::Query,
        limit: usize,
        offset: usize,
    ) -> anyhow::Result<dossier_search::Results> {
        self.read(|store| crate::search::search(index, store, query, limit, offset))
    }

    /// How many articles (or quotes) match on each publication day, oldest first.
    pub fn per_day(
        &self,
        index: &dossier_search::SearchIndex,
        query: &crate::search::Query,
    ) -> anyhow::Result<Vec<DayCount>> {
        self.read(|store| crate::search::per_day(index, store, query))
    }

    /// How many articles the store holds.
    pub fn article_count(&self) -> anyhow::Result<usize> {
        self.read(article_count)
    }

    /// The store's generation: it grows with every committed write, by any process.
    pub fn generation(&self) -> anyhow::Result<i64> {
        self.read(|store| Ok(store.generation()?))
    }
}

/// Why a quote has the speaker it has: the mention chosen, how it resolved, and the
/// candidates the ranker weighed with their scores and strongest evidence.
#[derive(Debug, Clone, Serialize)]
pub struct QuoteExplanation {
    pub text: String,
    pub speaker: Option<String>,
    pub mention: Option<String>,
    pub via: Option<String>,
    pub candidates: Vec<SpeakerCandidate>,
}

/// One candidate speaker of a quote, as the ranker saw it.
#[derive(Debug, Clone, Serialize)]
pub struct SpeakerCandidate {
    pub mention: String,
    pub kind: dossier_core::findings::speakers::MentionKind,
    pub resolves_to: Option<String>,
    pub via: &'static str,
    /// Log-odds that this mention is the speaker.
    pub score: f64,
    /// The features that moved the score most, with what each added.
    pub evidence: Vec<(&'static str, f64)>,
}

/// How many candidates an explanation lists per quote.
const CANDIDATES_SHOWN: usize = 5;

/// The quotes of one article with their speakers explained (recomputed from its text:
/// one article's cost).
pub fn explain_quotes(article: &Article) -> Vec<QuoteExplanation> {
    use dossier_core::findings::speakers::{Model, FEATURES};
    let model = Model::shipped();
    dossier_core::findings::quotes::explain(article.paragraphs.iter().map(|p| p.text.as_str()))
        .into_iter()
        .map(|attributed| {
            let candidates = attributed
                .candidates
                .iter()
                .take(CANDIDATES_SHOWN)
                .map(|c| {
                    let mut evidence: Vec<(&'static str, f64)> = FEATURES
                        .iter()
                        .zip(c.features.iter().zip(model.weights))
                        .map(|(name, (x, w))| (*name, x * w))
                        .filter(|(_, part)| *part != 0.0)
                        .collect();
                    evidence.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
                    evidence.truncate(3);
                    SpeakerCandidate {
                        mention: c.mention.text.clone(),
                        kind: c.mention.kind,
                        resolves_to: c.resolved.clone(),
                        via: c.via,
                        score: c.score,
                        evidence,
                    }
                })
                .collect();
            let quote = attributed.quote;
            QuoteExplanation {
                text: quote.text,
                speaker: quote.speaker,
                mention: quote.speaker_mention.map(|m| m.text),
                via: quote.speaker_via,
                candidates,
            }
        })
        .collect()
}
