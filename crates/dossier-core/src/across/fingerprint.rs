//! Fingerprints for duplicate detection: MinHash over word shingles with LSH
//! banding for near-duplicates, and paragraph hashes for partial copies.
//!
//! Why MinHash rather than SimHash: the question asked of a pair is "how much of
//! the text is shared" (Jaccard over shingles), which MinHash estimates without
//! bias and LSH banding turns into a tunable candidate threshold; SimHash
//! answers a cosine-like question whose Hamming thresholds are harder to relate
//! to "the same article captured twice", and its multi-table search needs more
//! memory for the same recall. 64 32-bit minima (256 bytes) give a standard error
//! of about 0.06 on the Jaccard estimate, enough to separate copies (J > 0.8)
//! from related coverage (J < 0.3); 16 bands of 4 rows put the LSH threshold near
//! (1/16)^(1/4) = 0.5.

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

pub const PERMUTATIONS: usize = 64;
pub const BANDS: usize = 16;
pub const ROWS: usize = PERMUTATIONS / BANDS;
/// Words per shingle.
pub const SHINGLE: usize = 3;
/// Estimated Jaccard from which two articles are near-duplicates.
pub const NEAR_THRESHOLD: f64 = 0.5;
/// Share of an article's paragraphs found in another for a partial copy.
pub const CONTAINMENT_THRESHOLD: f64 = 0.8;
/// Paragraphs shorter than this (in words) are too generic to prove copying.
pub const MIN_PARAGRAPH_WORDS: usize = 8;

/// Multipliers and offsets of the 64 hash functions `h_i(x) = (a_i * x + b_i) >> 32`,
/// drawn once from a fixed splitmix64 stream so fingerprints are stable across builds.
static COEFFICIENTS: std::sync::LazyLock<[(u64, u64); PERMUTATIONS]> = std::sync::LazyLock::new(|| {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    std::array::from_fn(|_| (next() | 1, next()))
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub minhash: Vec<u32>,
    /// Hashes of the paragraphs long enough to prove copying, in order.
    pub paragraphs: Vec<u64>,
    /// Number of distinct shingles (for containment estimates).
    pub shingles: u32,
}

/// Hashes of the lower-cased alphanumeric words of `text`: quotes, dashes and
/// punctuation fall away, so curly and straight quotes or re-punctuated copies
/// fingerprint alike.
pub fn word_hashes(text: &str, out: &mut Vec<u64>) {
    let mut buffer = String::new();
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        buffer.clear();
        if word.is_ascii() {
            buffer.push_str(word);
            buffer.make_ascii_lowercase();
        } else {
            buffer.extend(word.chars().flat_map(char::to_lowercase));
        }
        out.push(xxh3_64(buffer.as_bytes()));
    }
}

/// Order-sensitive combination of word hashes (a shingle, a paragraph).
fn combine(hashes: &[u64]) -> u64 {
    let mut state = 0x243F_6A88_85A3_08D3u64;
    for &h in hashes {
        state = (state.rotate_left(23) ^ h).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    state ^ (state >> 29)
}

/// The fingerprint of an article's body paragraphs.
pub fn fingerprint<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> Fingerprint {
    let mut words: Vec<u64> = Vec::new();
    let mut paragraph_hashes = Vec::new();
    for paragraph in paragraphs {
        let start = words.len();
        word_hashes(paragraph, &mut words);
        if words.len() - start >= MIN_PARAGRAPH_WORDS {
            paragraph_hashes.push(combine(&words[start..]));
        }
    }
    let mut shingles: Vec<u64> =
        if words.len() < SHINGLE { vec![combine(&words)] } else { words.windows(SHINGLE).map(combine).collect() };
    shingles.sort_unstable();
    shingles.dedup();
    let mut minhash = vec![u32::MAX; PERMUTATIONS];
    for &shingle in &shingles {
        for (slot, &(a, b)) in minhash.iter_mut().zip(COEFFICIENTS.iter()) {
            *slot = (*slot).min((a.wrapping_mul(shingle).wrapping_add(b) >> 32) as u32);
        }
    }
    Fingerprint { minhash, paragraphs: paragraph_hashes, shingles: shingles.len() as u32 }
}

/// One key per LSH band: articles sharing any key are near-duplicate candidates.
pub fn band_keys(fingerprint: &Fingerprint) -> Vec<u64> {
    fingerprint
        .minhash
        .chunks(ROWS)
        .enumerate()
        .map(|(band, rows)| {
            let mut bytes = Vec::with_capacity(4 * ROWS + 1);
            bytes.push(band as u8);
            for value in rows {
                bytes.extend_from_slice(&value.to_le_bytes());
            }
            // SQLite integers are signed 64-bit; keep keys in the positive range.
            xxh3_64(&bytes) >> 1
        })
        .collect()
}

/// The share of equal minima: an unbiased estimate of the shingle Jaccard.
pub fn estimated_jaccard(a: &Fingerprint, b: &Fingerprint) -> f64 {
    let same = a.minhash.iter().zip(&b.minhash).filter(|(x, y)| x == y).count();
    same as f64 / a.minhash.len().max(1) as f64
}

/// The share of `part`'s paragraphs that also occur in `whole`.
pub fn paragraph_containment(part: &Fingerprint, whole: &Fingerprint) -> f64 {
    if part.paragraphs.is_empty() {
        return 0.0;
    }
    let found = part.paragraphs.iter().filter(|p| whole.paragraphs.contains(p)).count();
    found as f64 / part.paragraphs.len() as f64
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum DuplicateKind {
    /// The same normalised text.
    Exact,
    /// The same article captured differently.
    Near,
    /// One article's paragraphs contained in the other.
    Partial,
}

impl DuplicateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DuplicateKind::Exact => "exact",
            DuplicateKind::Near => "near",
            DuplicateKind::Partial => "partial",
        }
    }

    pub fn parse(name: &str) -> Option<DuplicateKind> {
        [DuplicateKind::Exact, DuplicateKind::Near, DuplicateKind::Partial].into_iter().find(|k| k.as_str() == name)
    }
}

/// How two articles relate, if they are duplicates: the kind and a similarity in [0, 1]
/// (Jaccard for near-duplicates, containment of the smaller in the larger for partial ones).
pub fn compare(a: &Fingerprint, a_hash: &str, b: &Fingerprint, b_hash: &str) -> Option<(DuplicateKind, f64)> {
    if a_hash == b_hash {
        return Some((DuplicateKind::Exact, 1.0));
    }
    // A copy holding clearly fewer paragraphs, all found in the other, is partial
    // even when it is long enough to share most shingles.
    let (part, whole) = if a.paragraphs.len() <= b.paragraphs.len() { (a, b) } else { (b, a) };
    let containment = paragraph_containment(part, whole);
    let matched = (containment * part.paragraphs.len() as f64).round() as usize;
    let clearly_shorter = part.paragraphs.len() * 4 <= whole.paragraphs.len() * 3;
    if containment >= CONTAINMENT_THRESHOLD && matched >= 2 && clearly_shorter {
        return Some((DuplicateKind::Partial, containment));
    }
    let jaccard = estimated_jaccard(a, b);
    (jaccard >= NEAR_THRESHOLD).then_some((DuplicateKind::Near, jaccard))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: [&str; 4] = [
        "NATO has left unanswered Russia's offer to de-escalate soaring tensions, a senior Russian diplomat said Friday.",
        "Deputy Foreign Minister Alexander Grushko's comments follow NATO Secretary General Jens Stoltenberg's offer of dialogue.",
        "\"We haven't received any concrete serious proposals from NATO,\" Grushko said in comments to the state-run agency.",
        "Putin denies planning an invasion and instead blames NATO for the rise in tensions in the Black Sea region.",
    ];

    #[test]
    fn recaptured_text_is_a_near_or_exact_duplicate() {
        let a = fingerprint(TEXT);
        let curly: Vec<String> = TEXT.iter().map(|p| p.replace('\'', "\u{2019}").replace('"', "\u{201C}")).collect();
        let b = fingerprint(curly.iter().map(String::as_str));
        assert_eq!(estimated_jaccard(&a, &b), 1.0);
        assert_eq!(band_keys(&a), band_keys(&b));
        let mut edited: Vec<&str> = TEXT.to_vec();
        edited.push("Share this article with your friends on every social network you use.");
        let c = fingerprint(edited);
        let (kind, similarity) = compare(&a, "x", &c, "y").unwrap();
        assert_eq!(kind, DuplicateKind::Near);
        assert!(similarity > 0.6, "{similarity}");
    }

    #[test]
    fn truncated_copy_is_partial_and_unrelated_text_is_nothing() {
        let whole = fingerprint(TEXT.iter().copied().chain([
            "A fifth paragraph goes on about the talks in Geneva and what the delegations said there.",
            "A sixth paragraph covers the reaction in Kyiv and in the European capitals over the weekend.",
            "A seventh paragraph quotes analysts who expect the talks to drag on well into the new year.",
        ]));
        let part = fingerprint(TEXT[..3].iter().copied());
        assert_eq!(compare(&part, "p", &whole, "w").map(|(k, _)| k), Some(DuplicateKind::Partial));
        let other = fingerprint([
            "A completely different story about football results and the weather in the north of the country today.",
        ]);
        assert_eq!(compare(&other, "o", &whole, "w"), None);
        assert!(estimated_jaccard(&other, &whole) < 0.2);
    }

    #[test]
    fn fingerprints_are_small_and_stable() {
        let a = fingerprint(TEXT);
        assert_eq!(a.minhash.len(), PERMUTATIONS);
        assert_eq!(band_keys(&a).len(), BANDS);
        assert_eq!(fingerprint(TEXT), a);
        assert_eq!(DuplicateKind::parse("near"), Some(DuplicateKind::Near));
    }
}
