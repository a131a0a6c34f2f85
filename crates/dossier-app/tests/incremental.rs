//! The stored cross-article analysis, updated after each write for what it touched,
//! equals the analysis rebuilt from scratch over the same store: whatever batches the
//! articles came in, in whatever order, with replaced articles and either way of
//! placing stories. So does the search index brought up to date from the change log.

use dossier_app::{ingest, search, Dossier};
use dossier_core::across::analysis::{self, Analysis};
use dossier_core::findings::entities::DossierEntity;
use dossier_search::{Filters, SearchIndex};
use dossier_store::Store;
use proptest::prelude::*;
use std::collections::BTreeMap;

const PEOPLE: &[&str] =
    &["Sergei Ryabkov", "Sergey Ryabkov", "Maria Ryabkov", "Antony Blinken", "Jens Stoltenberg", "Karen Donfried"];
const LONE: &[&str] = &["Ryabkov", "Blinken", "Stoltenberg"];
const PLACES: &[&str] = &["Moscow", "Brussels", "Geneva", "Kyiv"];
const ORGANISATIONS: &[&str] = &["NATO", "the Russian Foreign Ministry", "the European Union"];
const QUOTES: &[&str] = &[
    "Those two texts are not a menu from which one can pick and choose",
    "Those two texts are not a menu from which one can pick",
    "We will answer the West soon and decisively",
    "The alliance will not compromise on its core principles",
    "There is no progress on the main questions at all",
];
const DAYS: &[&str] = &["on Friday", "on Thursday", "on December 16", "last week", "on Monday"];
const OUTLETS: &[&str] = &["Reuters", "The Moscow Times", "TASS"];

/// One sentence from the pieces the indices pick.
fn sentence(shape: usize, picks: [usize; 4]) -> String {
    let person = PEOPLE[picks[0] % PEOPLE.len()];
    let quote = QUOTES[picks[1] % QUOTES.len()];
    let day = DAYS[picks[2] % DAYS.len()];
    let place = PLACES[picks[3] % PLACES.len()];
    match shape % 6 {
        0 => format!("{person} said {day} that \u{201C}{quote}.\u{201D}"),
        1 => format!("\u{201C}{quote},\u{201D} {person} told reporters in {place} {day}."),
        2 => {
            format!("{} met envoys from {} in {place} {day}.", LONE[picks[0] % LONE.len()], ORGANISATIONS[picks[1] % 3])
        }
        3 => format!("\u{201C}{quote},\u{201D} {} said.", LONE[picks[2] % LONE.len()]),
        4 => format!(
            "Officials of {} gathered in {place} {day} to discuss security guarantees.",
            ORGANISATIONS[picks[0] % 3]
        ),
        _ => format!("{person}, a senior diplomat, arrived in {place} {day}."),
    }
}

#[derive(Debug, Clone)]
struct Spec {
    outlet: Option<usize>,
    day: Option<u32>,
    sentences: Vec<(usize, [usize; 4])>,
}

fn record(spec: &Spec, variant: usize) -> String {
    let lead = "Diplomats met again this week as tensions over the security proposals grew.".to_string();
    let mut paragraphs: Vec<String> =
        std::iter::once(lead).chain(spec.sentences.iter().map(|(shape, picks)| sentence(*shape, *picks))).collect();
    if variant > 0 {
        paragraphs.push(format!("This report was updated {variant} times."));
    }
    let mut object = serde_json::json!({ "title": "Security talks", "text": paragraphs.join("\n\n") });
    if let Some(outlet) = spec.outlet {
        object["outlet"] = OUTLETS[outlet % OUTLETS.len()].into();
    }
    if let Some(day) = spec.day {
        object["published"] = format!("2021-12-{:02}", 10 + day % 10).into();
    }
    object.to_string()
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        proptest::option::of(0usize..3),
        proptest::option::weighted(0.7, 0u32..10),
        // The first sentence quotes someone, so every article says something.
        (0usize..2, [0usize..8, 0usize..8, 0usize..8, 0usize..8]),
        proptest::collection::vec((0usize..6, [0usize..8, 0usize..8, 0usize..8, 0usize..8]), 1..6),
    )
        .prop_map(|(outlet, day, first, rest)| Spec {
            outlet,
            day,
            sentences: std::iter::once(first).chain(rest).collect(),
        })
}

/// Entities as comparable rows: everything but their order in the list.
fn entity_rows(analysis: &Analysis) -> Vec<DossierEntity> {
    let mut rows = analysis.entities.entities.clone();
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    rows
}

/// Ids (with their story) as each story lists them.
fn in_story_order(ids: impl Iterator<Item = (Option<String>, String)>) -> BTreeMap<Option<String>, Vec<String>> {
    let mut by_story: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
    ids.for_each(|(story, id)| by_story.entry(story).or_default().push(id));
    by_story
}

fn assert_same(stored: &Analysis, rebuilt: &Analysis) {
    assert_eq!(entity_rows(stored), entity_rows(rebuilt), "entities");
    let sorted = |mut quotes: Vec<analysis::MergedQuote>| {
        quotes.sort_by(|a, b| a.id.cmp(&b.id));
        quotes
    };
    assert_eq!(sorted(stored.quotes.clone()), sorted(rebuilt.quotes.clone()), "quotes");
    let sorted = |mut events: Vec<analysis::MergedEvent>| {
        events.sort_by(|a, b| a.id.cmp(&b.id));
        events
    };
    assert_eq!(sorted(stored.events.clone()), sorted(rebuilt.events.clone()), "events");
    // Each story's quotes and events in the order its pages list them.
    let quote_order = |a: &Analysis| in_story_order(a.quotes.iter().map(|q| (q.story.clone(), q.id.clone())));
    assert_eq!(quote_order(stored), quote_order(rebuilt), "quote order");
    let event_order = |a: &Analysis| in_story_order(a.events.iter().map(|e| (e.story.clone(), e.id.clone())));
    assert_eq!(event_order(stored), event_order(rebuilt), "event order");
    let mut ids: Vec<&String> = rebuilt.articles.keys().collect();
    ids.sort();
    for id in ids {
        assert_eq!(stored.articles.get(id).map(|a| &a.events), Some(&rebuilt.articles[id].events), "events of {id}");
    }
    for (article, local) in rebuilt.entities.of_article.keys() {
        let id_of = |a: &Analysis| a.entities.of(article, *local).map(|e| e.id.clone());
        assert_eq!(id_of(stored), id_of(rebuilt), "entity of {article}/{local}");
    }
}

/// What an index holds, as comparable rows: every document's fields, and for each
/// entity the documents its filter finds.
fn index_rows(index: &SearchIndex, store: &Store) -> Vec<String> {
    let all = index.search("", &Filters::default(), 10_000, 0).unwrap();
    let mut rows: Vec<String> = all
        .hits
        .iter()
        .map(|h| {
            format!(
                "{} {} {} {} {:?} {:?} {:?} {:?}",
                h.kind, h.id, h.article, h.title, h.outlet, h.published, h.story, h.speaker
            )
        })
        .collect();
    let (entities, _) = store.entity_page(None, 10_000, 0).unwrap();
    for entity in entities {
        let filter = Filters { entity: Some(entity.id.clone()), ..Filters::default() };
        let mut found: Vec<String> =
            index.search("", &filter, 10_000, 0).unwrap().hits.into_iter().map(|h| h.id).collect();
        found.sort();
        rows.push(format!("{} → {found:?}", entity.id));
    }
    rows.sort();
    rows
}

/// The index brought up to the store by replacing what the log names equals one rebuilt whole.
fn assert_index_current(followed: &SearchIndex, store: &Store) {
    search::catch_up(followed, store).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let db = scratch.path().join("d.db");
    search::reindex(&db, store).unwrap();
    let (whole, _) = SearchIndex::open(&search::index_dir(&db)).unwrap();
    assert_eq!(index_rows(followed, store), index_rows(&whole, store), "the followed index");
}

/// What the writes keep counted equals a count of the rows.
fn assert_tallies(store: &Store) {
    assert_eq!(store.tally_mismatches().unwrap(), Vec::<String>::new());
}

fn rebuilt(store: &Store) -> Analysis {
    let dossier = Dossier::load_articles(store).unwrap();
    analysis::analyze_with(&dossier.inputs(), store.findings().unwrap())
}

/// A large pending set is placed in stories in steps, each committed: the stories,
/// the entities and the quotes come out as when it is placed in one transaction.
#[test]
fn stories_placed_in_steps_equal_one_transaction() {
    let folder = tempfile::tempdir().unwrap();
    for i in 0..23usize {
        let spec = Spec {
            outlet: Some(i % 3),
            day: (i % 4 > 0).then_some(i as u32),
            sentences: (0..3).map(|s| (i + s, [i, i / 2 + s, i % 5, i / 3])).collect(),
        };
        std::fs::write(folder.path().join(format!("{i:02}.jsonl")), record(&spec, 0)).unwrap();
    }
    // A second story, about something else.
    for i in 0..9usize {
        let text = format!(
            "Farmers in Iowa reported a record corn harvest for the {i} county cooperative.\n\n\
             \u{201C}The rain came at the right time this year,\u{201D} said Martha Olsen, who grows soybeans near Ames.\n\n\
             Grain prices fell as elevators across the state filled, and {} trucks waited at the silos.",
            10 + i
        );
        let object = serde_json::json!({ "title": "Harvest", "text": text, "outlet": OUTLETS[i % 3] });
        std::fs::write(folder.path().join(format!("harvest-{i}.jsonl")), object.to_string()).unwrap();
    }
    let stored = |story_rebuild_limit: usize, articles_per_step: usize| {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("d.db")).unwrap();
        let options = ingest::Options { story_rebuild_limit, articles_per_step, ..ingest::Options::default() };
        let summary = ingest::ingest(&mut store, &[folder.path().to_path_buf()], &options).unwrap();
        assert_eq!(summary.inserted, 32, "{:?}", summary.problems);
        assert_eq!(store.pending_count().unwrap(), 0, "every step was taken");
        assert!(!store.analysis_pending().unwrap());
        assert_same(&store.stored_analysis().unwrap(), &rebuilt(&store));
        assert_tallies(&store);
        (store.story_of().unwrap(), store.stored_analysis().unwrap(), dir)
    };
    let (stepped_stories, stepped, _kept) = stored(0, 4);
    let (whole_stories, whole, _kept) = stored(0, 1_000);
    assert!(whole_stories.values().collect::<std::collections::HashSet<_>>().len() > 1, "several stories");
    assert_eq!(stepped_stories, whole_stories);
    assert_same(&stepped, &whole);
    // Stories rebuilt for the whole store place every pending article in the first step.
    let (rebuilt_stepped, _, _kept) = stored(1_000, 4);
    let (rebuilt_whole, _, _kept) = stored(1_000, 1_000);
    assert_eq!(rebuilt_stepped, rebuilt_whole);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn stored_analysis_equals_a_rebuild(
        specs in proptest::collection::vec(spec(), 2..12),
        cuts in proptest::collection::vec(0usize..12, 0..4),
        order in any::<proptest::sample::Index>(),
        replaced in proptest::option::of(0usize..12),
        assign in any::<bool>(),
    ) {
        // Batches: the articles cut into runs, each run one JSON-lines upload.
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % specs.len()).filter(|&c| c > 0).collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut batches: Vec<Vec<usize>> = Vec::new();
        let mut start = 0;
        for cut in cuts.into_iter().chain(std::iter::once(specs.len())) {
            batches.push((start..cut).collect());
            start = cut;
        }
        let rotate = order.index(batches.len());
        batches.rotate_left(rotate);
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("d.db")).unwrap();
        let followed = search::open_index(&dir.path().join("d.db"), &store, &mut |_| {}).unwrap();
        let options = ingest::Options { story_rebuild_limit: if assign { 0 } else { 20_000 }, ..ingest::Options::default() };
        let upload = |store: &mut Store, at: usize, batch: &[usize], variant: usize| {
            let text: Vec<String> = batch.iter().map(|&i| record(&specs[i], variant)).collect();
            let name = format!("batch-{at}.jsonl");
            let summary = ingest::ingest_document(store, &name, text.join("\n").as_bytes(), &options, || true).unwrap();
            assert_eq!(summary.articles.len(), batch.len(), "{:?}", summary.problems);
        };
        for (at, batch) in batches.iter().enumerate() {
            upload(&mut store, at, batch, 0);
            assert_same(&store.stored_analysis().unwrap(), &rebuilt(&store));
            assert_tallies(&store);
            assert_index_current(&followed, &store);
        }
        let whole = rebuilt(&store);
        prop_assert!(!whole.entities.entities.is_empty() && !whole.quotes.is_empty(), "the articles say something");
        // Every article found again, as after an analyzer upgrade that changed no entity:
        // the items stay where they are and nothing else moves.
        // The update runs in steps of three articles (and one story), each its own transaction.
        let found = store.findings().unwrap();
        let mut batch = store.batch().unwrap();
        for (id, findings) in &found {
            batch.write_findings(id, findings).unwrap();
        }
        batch.commit().unwrap();
        loop {
            let mut batch = store.batch().unwrap();
            let (update, more) = batch.update_analysis_within(3).unwrap();
            batch.commit().unwrap();
            prop_assert_eq!(update.entity_items, 0, "no entity was placed again");
            if !more {
                break;
            }
        }
        prop_assert!(!store.analysis_pending().unwrap(), "every step was taken");
        search::catch_up(&followed, &store).unwrap();
        assert_same(&store.stored_analysis().unwrap(), &rebuilt(&store));
        assert_tallies(&store);
        assert_index_current(&followed, &store);
        // The same source again with other text: its articles are replaced.
        if let Some(which) = replaced {
            let at = which % batches.len();
            upload(&mut store, at, &batches[at], 1);
            assert_same(&store.stored_analysis().unwrap(), &rebuilt(&store));
            assert_tallies(&store);
            assert_index_current(&followed, &store);
        }
    }
}

/// Two articles on one event in words they do not share start two stories; an article
/// that shares its words with both joins one, and the two are then one story on average
/// and merge, with their tallies kept.
#[test]
fn an_article_bridging_two_stories_merges_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("d.db")).unwrap();
    let options = ingest::Options { story_rebuild_limit: 0, ..ingest::Options::default() };
    let texts = [
        ("kelud", "Kelud erupted near Kediri overnight.\n\nAsh from Kelud covered Kediri rooftops and rice fields.\n\nKelud erupted again at dawn, and ash fell on Kediri."),
        ("malang", "Evacuation shelters in Malang filled with families.\n\nMalang volunteers counted evacuees in the shelters.\n\nSchools in Malang became shelters for evacuees."),
        ("both", "Kelud erupted and ash covered Kediri.\n\nFamilies from Kediri reached the Malang shelters, where volunteers counted evacuees.\n\nKelud ash fell as Malang shelters filled."),
    ];
    let mut stories_after = Vec::new();
    for (name, text) in texts {
        let object = serde_json::json!({ "title": name, "text": text, "outlet": "Reuters" });
        ingest::ingest_document(&mut store, &format!("{name}.jsonl"), object.to_string().as_bytes(), &options, || true)
            .unwrap();
        let stories: std::collections::HashSet<String> = store.story_of().unwrap().into_values().collect();
        stories_after.push(stories.len());
    }
    assert_eq!(stories_after, [1, 2, 1], "two stories, then one");
    assert_tallies(&store);
}
