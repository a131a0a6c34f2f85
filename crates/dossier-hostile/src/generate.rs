//! Hostile inputs, made on demand from a seed: the shapes the week of attacks found
//! (deep nesting, floods of marks and attributes, bombs, blobs, broken encodings,
//! controls) at random sizes, and random mutations of real articles. Deterministic
//! for a seed, so any failure can be made again.

/// A small, fast, deterministic generator (SplitMix64): no dependency for dice.
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Dice {
        Dice(seed)
    }

    pub fn roll(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.roll() % n.max(1) as u64) as usize
    }

    /// A size that is mostly small and sometimes large: 1 to `max`, log-uniform.
    pub fn size(&mut self, max: usize) -> usize {
        let bits = usize::BITS - max.leading_zeros();
        let cap = 1usize << self.below(bits as usize + 1);
        1 + self.below(cap.min(max))
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Text of real articles to mutate (the seeds when present, else a built-in one).
pub fn seed_texts() -> Vec<Vec<u8>> {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/seeds");
    let mut texts: Vec<Vec<u8>> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| std::fs::read(entry.path()).ok())
        .collect();
    texts.sort();
    texts.push(
        b"<html><head><title>A Page</title><script type=\"application/ld+json\">{\"headline\":\"H\",\"datePublished\":\"2021-12-17\"}</script></head><body><article><h1>H</h1><p>\"We will answer,\" Sergei Ryabkov said on Monday.</p></article></body></html>".to_vec(),
    );
    texts.push(
        b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>W</title><item><title>T</title><link>https://w.example/1</link><pubDate>Tue, 03 Mar 2020 10:00:00 GMT</pubDate><description>&lt;p&gt;\"We will answer,\" Sergei Ryabkov said on Monday.&lt;/p&gt;</description></item><item><title>U</title></item></channel></rss>".to_vec(),
    );
    let page = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n<html><p>Hi</p>x\r\n0\r\n\r\n";
    let mut warc = format!("WARC/1.0\r\nWARC-Type: response\r\nWARC-Date: 2024-02-03T04:05:06Z\r\nWARC-Record-ID: <urn:uuid:1>\r\nWARC-Target-URI: https://w.example/1\r\nContent-Length: {}\r\n\r\n", page.len()).into_bytes();
    warc.extend_from_slice(page);
    warc.extend_from_slice(b"\r\n\r\n");
    texts.push(warc);
    texts.push(
        b"{\"title\":\"One\",\"text\":\"A record with a body.\",\"date\":\"2021-12-17\"}\n{\"title\":\"Two\"}\n"
            .to_vec(),
    );
    texts
}

/// Tokens that mean something to one stage or another, spliced into inputs.
const TOKENS: [&str; 40] = [
    "\"",
    "\u{201C}",
    "\u{201D}",
    "\u{00AB}",
    "\u{00BB}",
    "``",
    "''",
    "(",
    ")",
    "NOT ",
    "AND ",
    "-",
    "+",
    ":",
    "<p>",
    "</p>",
    "<div>",
    "<blockquote>",
    "<!--",
    "-->",
    "<script>",
    "</script>",
    "<br>",
    "&amp;",
    "&#x0;",
    "[",
    "](",
    "# ",
    "\n\n",
    "\n",
    "\r",
    "\t",
    "\u{1b}[31m",
    "\u{202E}",
    "\u{FFFD}",
    "said",
    "Mr. ",
    "U.S.",
    "2021-12-17",
    "{\"",
];

/// One hostile input: a shape (repeated or nested up to `max_units` times) or a mutated article.
pub fn hostile(dice: &mut Dice, seeds: &[Vec<u8>], max_units: usize) -> Vec<u8> {
    let units = max_units.max(1);
    match dice.below(14) {
        0 => repeated(dice, &["\"a ", "\u{201C}a ", "\u{00AB} ", "`` x ", "\"\""], units),
        1 => nested(dice, &["blockquote", "div", "p", "li", "table", "span", "b", "section"], units),
        2 => {
            let n = dice.size(units);
            let attributes: String = (0..n).map(|i| format!(" a{i}=\"{i}\"")).collect();
            format!("<html><body><p{attributes}>Text of the paragraph.</p></body></html>").into_bytes()
        }
        3 => repeated(dice, &["(", "NOT ", ")", "-", "+(", "\"", "a AND ", "title:"], units),
        4 => {
            let depth = dice.size(units);
            let open = *dice.pick(&["[", "{\"a\":", "{\"text\":["]);
            format!("{}1{}", open.repeat(depth), "]".repeat(depth)).into_bytes()
        }
        5 => (0..dice.size(64)).map(|_| dice.roll() as u8).collect(),
        6 => {
            const MAGIC: [&[u8]; 9] = [
                b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 40\r\n\r\nHTTP/1.1 200 OK\r\n",
                b"<?xml version=\"1.0\"?><rss><channel><item><title>",
                b"BZh91AY&SY",
                b"PK\x03\x04",
                b"%PDF-1.4\n",
                b"\x1f\x8b\x08\x00",
                b"\xFF\xFE",
                b"\xFE\xFF",
                b"\xEF\xBB\xBF",
            ];
            let mut out = dice.pick(&MAGIC).to_vec();
            out.extend((0..dice.size(4096)).map(|_| dice.roll() as u8));
            out
        }
        7 => gzip_bomb(dice.size(units * 256)),
        8 => {
            let mut out: Vec<u8> = (0..dice.size(2048)).flat_map(|i| [b'a' + (i % 26) as u8, 0]).collect();
            if dice.below(2) == 0 {
                out.push(0);
            }
            out.extend_from_slice(&[0x00, 0xD8, 0x00, 0xDC, 0x00, 0xD8]);
            out
        }
        9 => repeated(dice, &["\n\n", "x\n\n", "# h\n\n", "Photo: X/Y\n\n", "a-\nb\n"], units),
        10 => repeated(dice, &["\u{1b}[2J", "\u{202E}", "\r", "\u{0}", "\u{85}", "\u{7f}"], units),
        _ => {
            let seed = dice_pick_seed(dice, seeds);
            mutate(dice, seed, units)
        }
    }
}

fn dice_pick_seed<'a>(dice: &mut Dice, seeds: &'a [Vec<u8>]) -> &'a [u8] {
    &seeds[dice.below(seeds.len())]
}

fn repeated(dice: &mut Dice, units: &[&str], max: usize) -> Vec<u8> {
    let unit = dice.pick(units).to_string();
    let count = dice.size(max);
    let mut out = String::from("A Headline\n\nHe said ");
    out.push_str(&unit.repeat(count));
    out.into_bytes()
}

fn nested(dice: &mut Dice, tags: &[&str], max: usize) -> Vec<u8> {
    let tag = *dice.pick(tags);
    let depth = dice.size(max);
    let closed = dice.below(2) == 0;
    let close = if closed { format!("</{tag}>").repeat(depth) } else { String::new() };
    format!("<html><body>{}deep text here{close}</body></html>", format!("<{tag}>x ").repeat(depth)).into_bytes()
}

/// A small gzip stream that inflates to `size` bytes of spaces.
pub fn gzip_bomb(size: usize) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![b' '; 64 * 1024];
    let mut left = size;
    while left > 0 {
        let n = left.min(block.len());
        encoder.write_all(&block[..n]).expect("writing to memory");
        left -= n;
    }
    encoder.finish().expect("writing to memory")
}

/// A real article with random damage: flips, splices of meaningful tokens, cuts and repeats.
fn mutate(dice: &mut Dice, seed: &[u8], max: usize) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..1 + dice.below(8) {
        let at = dice.below(out.len() + 1);
        match dice.below(5) {
            0 if !out.is_empty() => {
                let position = at.min(out.len() - 1);
                out[position] ^= 1 << dice.below(8);
            }
            1 => {
                let token = dice.pick(&TOKENS).repeat(dice.size(max.min(2000)));
                out.splice(at..at, token.into_bytes());
            }
            2 => out.truncate(at),
            3 if at < out.len() => {
                let end = (at + dice.size(4096)).min(out.len());
                let piece = out[at..end].to_vec();
                for _ in 0..dice.size(max.min(50)) {
                    out.splice(at..at, piece.iter().copied());
                }
            }
            _ => out.insert(at, dice.roll() as u8),
        }
    }
    out
}
