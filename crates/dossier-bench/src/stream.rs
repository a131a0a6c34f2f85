//! The generated news stream the ingest benchmarks store: stories that start, grow and
//! fade as a stream's do, in many sizes, with copies of recent articles.
//!
//! Article `i` is a pure function of `i`, so that `--stage add` can continue a store's
//! stream without generating what came before. A story retells one real article in a
//! vocabulary of its own (every word but the most common ones is mapped to another real
//! word, the same way throughout the story), so that two stories built on one real
//! article are different stories, as their entities and quotes are. Articles arrive in
//! time order: a batch of new articles touches the stories running at its end of the
//! stream, not all of them.

use crate::bench::Base;
use crate::scale::Random;
use std::collections::{HashMap, HashSet};

/// A new story starts every this many articles.
const STEP: usize = 16;
/// Stories running at once, in units of story starts: a story of life 1 runs for
/// `WINDOW * STEP` articles.
const WINDOW: usize = 64;
/// The longest life, in windows: stories that keep going for weeks.
const LONGEST_LIFE: usize = 16;
/// How many articles a day the stream carries (its dates advance with it).
const PER_DAY: usize = 300;
/// Words kept as they are in every story: the most common words of the real articles
/// (function words, speech verbs), which carry the sentence structure the analysis reads.
const COMMON_WORDS: usize = 400;

pub struct Stream<'b> {
    bases: &'b [Base],
    /// Words a story's vocabulary is drawn from, sorted so that the stream is the same on every run.
    vocabulary: Vec<String>,
    common: HashSet<String>,
}

/// A number from `seed` and `salt`, the same on every run.
fn hash(seed: usize, salt: u64) -> u64 {
    Random((seed as u64).wrapping_mul(0x2545_F491_4F6C_DD1D) ^ salt).next()
}

fn word_hash(word: &str, story: usize) -> u64 {
    word.bytes().fold(hash(story, 7), |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01B3))
}

impl<'b> Stream<'b> {
    pub fn new(bases: &'b [Base]) -> Stream<'b> {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for base in bases {
            for paragraph in &base.paragraphs {
                for word in paragraph.split_whitespace() {
                    let core = word.trim_matches(|c: char| !c.is_alphabetic());
                    if core.chars().count() >= 3 && core.chars().all(char::is_alphabetic) {
                        *counts.entry(core.to_lowercase()).or_default() += 1;
                    }
                }
            }
        }
        let mut by_count: Vec<(&String, &usize)> = counts.iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let keep = COMMON_WORDS.min(by_count.len() / 10);
        let common: HashSet<String> = by_count.iter().take(keep).map(|(w, _)| (*w).clone()).collect();
        let mut vocabulary: Vec<String> = counts.into_keys().filter(|w| !common.contains(w)).collect();
        vocabulary.sort();
        if vocabulary.is_empty() {
            vocabulary.push("word".into());
        }
        Stream { bases, vocabulary, common }
    }

    /// The date of article `i`: the stream advances a day every [`PER_DAY`] articles from 2016.
    pub fn date(i: usize) -> (u32, u32, u32) {
        let day =
            chrono::NaiveDate::from_ymd_opt(2016, 1, 1).expect("a date") + chrono::Duration::days((i / PER_DAY) as i64);
        use chrono::Datelike;
        (day.year() as u32, day.month(), day.day())
    }

    /// The story article `i` belongs to: one of the stories running at `i`, the more
    /// popular ones (a heavy tail: a few stories take a large share) more often.
    pub fn story_of(&self, i: usize) -> usize {
        let copy_source = self.copy_source(i);
        if let Some(source) = copy_source {
            return self.story_of(source);
        }
        let now = i / STEP;
        let running: Vec<(usize, f64)> = (now.saturating_sub(LONGEST_LIFE * WINDOW)..=now)
            .filter(|&s| i < s * STEP + life(s) * WINDOW * STEP)
            .map(|s| (s, popularity(s)))
            .collect();
        let total: f64 = running.iter().map(|(_, p)| p).sum();
        let mut pick = (Random(i as u64 ^ 0x5151).next() as f64 / u64::MAX as f64) * total;
        for &(story, weight) in &running {
            if pick < weight {
                return story;
            }
            pick -= weight;
        }
        now
    }

    /// The article `i` copies (every tenth article is an edited copy of a recent original).
    fn copy_source(&self, i: usize) -> Option<usize> {
        if i % 10 != 9 {
            return None;
        }
        let back = 1 + Random(!(i as u64)).below(8);
        let source = i.saturating_sub(back);
        Some(if source % 10 == 9 { source - 1 } else { source })
    }

    /// Article `i`: its title and paragraphs.
    pub fn article(&self, i: usize) -> Base {
        match self.copy_source(i) {
            Some(source) => copy_of(self.original(source), i),
            None => self.original(i),
        }
    }

    /// An original: its story's article, in its story's words, retold (rotated, shortened,
    /// a quarter of its plain words changed).
    fn original(&self, i: usize) -> Base {
        let story = self.story_of(i);
        let base = &self.bases[story % self.bases.len()];
        let mut random = Random(i as u64);
        let mut paragraphs: Vec<String> = base.paragraphs.iter().map(|p| self.in_words_of(story, p)).collect();
        let turn = random.below(paragraphs.len().max(1));
        paragraphs.rotate_left(turn);
        paragraphs.truncate(8);
        let paragraphs = paragraphs
            .into_iter()
            .map(|p| {
                p.split(' ')
                    .map(|w| {
                        // A quarter of the plain words changed: retellings, not near-duplicates.
                        if random.below(4) == 0 && w.chars().all(char::is_lowercase) {
                            self.vocabulary[random.below(self.vocabulary.len())].as_str()
                        } else {
                            w
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        Base { title: self.in_words_of(story, &base.title), paragraphs }
    }

    /// `text` in the words of `story`: each word but the common ones mapped to a word of
    /// the vocabulary, the same for the whole story, keeping its capital and punctuation.
    fn in_words_of(&self, story: usize, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for (n, token) in text.split(' ').enumerate() {
            if n > 0 {
                out.push(' ');
            }
            let start = token.find(char::is_alphabetic).unwrap_or(token.len());
            let end = token
                .char_indices()
                .rev()
                .find(|(_, c)| c.is_alphabetic())
                .map_or(start, |(at, c)| at + c.len_utf8())
                .max(start);
            let core = &token[start..end];
            let lower = core.to_lowercase();
            let keep =
                core.chars().count() < 3 || !core.chars().all(char::is_alphabetic) || self.common.contains(&lower);
            out.push_str(&token[..start]);
            if keep {
                out.push_str(core);
            } else {
                let word = &self.vocabulary[(word_hash(&lower, story) % self.vocabulary.len() as u64) as usize];
                if core.starts_with(char::is_uppercase) {
                    let mut letters = word.chars();
                    out.extend(letters.next().map(|c| c.to_ascii_uppercase()));
                    out.push_str(letters.as_str());
                } else {
                    out.push_str(word);
                }
            }
            out.push_str(&token[end..]);
        }
        out
    }
}

/// How many windows story `s` runs: most one, some four, a few sixteen.
fn life(s: usize) -> usize {
    match hash(s, 1) % 100 {
        0..=1 => LONGEST_LIFE,
        2..=9 => 4,
        _ => 1,
    }
}

/// How often story `s` is written about while it runs: heavy-tailed (Pareto), capped.
fn popularity(s: usize) -> f64 {
    let uniform = (hash(s, 2) >> 11) as f64 / (1u64 << 53) as f64;
    1.0 / uniform.max(0.002)
}

/// An edited copy, as an aggregator or an update makes one.
fn copy_of(mut original: Base, i: usize) -> Base {
    let paragraphs = &mut original.paragraphs;
    match Random(i as u64 ^ 0xC0FF).below(4) {
        0 => paragraphs
            .push("Share this article with your friends and tell us what you think in the comments below.".into()),
        1 if paragraphs.len() > 3 => {
            paragraphs.pop();
        }
        2 => *paragraphs = paragraphs.iter().map(|p| p.replace('"', "\u{201C}").replace('\'', "\u{2019}")).collect(),
        _ => {
            if let Some(first) = paragraphs.first_mut() {
                *first = format!("UPDATED: {}", first.replacen(' ', "  ", 3));
            }
        }
    }
    original
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bases() -> Vec<Base> {
        let text = |n: usize| {
            (0..6)
                .map(|p| format!("Senator Alvarez said the committee would vote on plan {n} in paragraph {p} today."))
                .collect()
        };
        (0..3).map(|n| Base { title: format!("Committee vote {n}"), paragraphs: text(n) }).collect()
    }

    #[test]
    fn articles_are_a_function_of_their_number() {
        let bases = bases();
        let stream = Stream::new(&bases);
        for i in [0, 9, 1_000, 123_457] {
            assert_eq!(stream.article(i).paragraphs, stream.article(i).paragraphs);
            assert_eq!(stream.story_of(i), Stream::new(&bases).story_of(i));
        }
    }

    #[test]
    fn stories_run_for_a_while_and_copies_join_their_source() {
        let bases = bases();
        let stream = Stream::new(&bases);
        let stories: HashSet<usize> = (10_000..11_000).map(|i| stream.story_of(i)).collect();
        // A thousand articles touch the stories running then, not every story so far.
        assert!(stories.len() < 400, "{}", stories.len());
        assert!(stories.iter().all(|&s| s * STEP <= 11_000));
        let copy = stream.article(19);
        let source = stream.copy_source(19).unwrap();
        assert_eq!(stream.story_of(19), stream.story_of(source));
        assert!(copy.paragraphs.iter().zip(&stream.article(source).paragraphs).filter(|(a, b)| a == b).count() >= 2);
    }

    #[test]
    fn one_real_article_makes_different_stories_in_different_words() {
        let bases = bases();
        let stream = Stream::new(&bases);
        let (a, b) = (stream.in_words_of(0, "Alvarez said the vote"), stream.in_words_of(3, "Alvarez said the vote"));
        assert_ne!(a, b);
        assert!(a.starts_with(char::is_uppercase) && a.contains(" the "));
    }
}
