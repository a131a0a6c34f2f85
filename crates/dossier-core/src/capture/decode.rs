//! Bytes to text: byte-order marks, UTF-8, UTF-16, and legacy encodings, taken from a
//! page's own `<meta>` declaration or else guessed with chardetng; binary content is refused.

use crate::capture::markup_bounds::tag_starts;
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};
use std::fmt;

/// Text decoded from a file, with how it was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// WHATWG name of the encoding, e.g. `UTF-8`, `windows-1251`.
    pub encoding: &'static str,
    /// Byte offset of the first malformed sequence when the text was decoded with replacements.
    pub malformed_at: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    Empty,
    Binary {
        offset: usize,
    },
    Compressed(String),
    /// Compressed data that inflates beyond the size limit.
    TooLarge {
        limit: u64,
    },
    /// The signature of a format that is not text (an archive, an image, a document).
    NotText(&'static str),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Empty => write!(f, "empty file"),
            DecodeError::Compressed(why) => write!(f, "broken gzip data: {why}"),
            DecodeError::Binary { offset } => {
                write!(f, "binary content (control byte at offset {offset}), not text")
            }
            DecodeError::TooLarge { limit } => {
                write!(f, "inflates to more than {:.1} MiB, over the size limit", *limit as f64 / 1048576.0)
            }
            DecodeError::NotText(kind) => write!(f, "{kind}, not text"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Largest text accepted from one compressed file when the caller sets no smaller limit.
pub const MAX_INFLATED: u64 = 256 * 1024 * 1024;

pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1F, 0x8B])
}

/// Inflates gzip data (a `.gz` capture), refusing to produce more than `limit` bytes:
/// a size limit applies to what a file holds, not to how small it was packed.
pub fn gunzip(bytes: &[u8], limit: u64) -> Result<Vec<u8>, DecodeError> {
    // The last member ends with its size (modulo 4 GiB): room made for it at once
    // spares the copies of a buffer that grows as it fills.
    let stated = bytes.last_chunk::<4>().map_or(0, |size| u64::from(u32::from_le_bytes(*size)));
    let mut out = Vec::with_capacity(stated.min(limit).min(MAX_RESERVED) as usize);
    let within = read_into(flate2::read::MultiGzDecoder::new(bytes), limit, &mut out)
        .map_err(|e| DecodeError::Compressed(e.to_string()))?;
    within.then_some(out).ok_or(DecodeError::TooLarge { limit })
}

/// The most room reserved ahead for inflated data from what the data says of itself.
const MAX_RESERVED: u64 = 64 * 1024 * 1024;

/// Everything `reader` gives, or None when it gives more than `limit` bytes (it is
/// not read beyond that): the one bound for inflated data, bodies and streams.
pub fn read_within(reader: impl std::io::Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    Ok(read_into(reader, limit, &mut out)?.then_some(out))
}

/// Appends what `reader` gives to `out`; false when it gives more than `limit` bytes.
fn read_into(reader: impl std::io::Read, limit: u64, out: &mut Vec<u8>) -> std::io::Result<bool> {
    use std::io::Read;
    let read = reader.take(limit.saturating_add(1)).read_to_end(out)?;
    Ok(read as u64 <= limit)
}

/// The `charset` parameter of a `Content-Type` value (`text/html; charset="utf-8"` → `utf-8`).
pub fn charset_of(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches('"'))
    })
}

/// Decodes article bytes. Whitespace-only input counts as empty.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(DecodeError::Empty);
    }
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        // Offsets in messages count from the start of the file, the mark included.
        return finish(encoding, &bytes[bom_len..])
            .map(|d| Decoded { malformed_at: d.malformed_at.map(|at| at + bom_len), ..d });
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        return finish(encoding, bytes);
    }
    if let Some(kind) = binary_signature(bytes) {
        return Err(DecodeError::NotText(kind));
    }
    if let Some(offset) = binary_offset(bytes) {
        return Err(DecodeError::Binary { offset });
    }
    if std::str::from_utf8(bytes).is_ok() {
        return finish(UTF_8, bytes);
    }
    if mostly_utf8(bytes) {
        return finish(UTF_8, bytes);
    }
    // A legacy encoding can only be told from enough text; a few stray bytes are not an article.
    if bytes.len() < MIN_LEGACY_BYTES {
        return Err(DecodeError::NotText("a few bytes that are not UTF-8 text"));
    }
    if let Some(encoding) = declared_legacy_encoding(bytes) {
        return finish(encoding, bytes);
    }
    // The guess settles within the first tens of kilobytes; feeding a whole large page
    // costs more than reading it.
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(&bytes[..bytes.len().min(DETECTION_SAMPLE)], true);
    finish(detector.guess(None, true), bytes)
}

/// Decodes bytes whose encoding a header names (`charset=` of an HTTP response):
/// a byte-order mark still wins, and an unknown or missing label falls back to [`decode`].
pub fn decode_labelled(bytes: &[u8], label: Option<&str>) -> Result<Decoded, DecodeError> {
    let named = label.and_then(|l| Encoding::for_label(l.trim().as_bytes()));
    match named {
        Some(encoding) if Encoding::for_bom(bytes).is_none() && !bytes.iter().all(|b| b.is_ascii_whitespace()) => {
            finish(encoding, bytes)
        }
        _ => decode(bytes),
    }
}

/// The legacy encoding a page declares in a `<meta charset>` or `<meta http-equiv>` of its
/// head, as a browser reads it before guessing. Only asked of bytes that are not UTF-8:
/// a declared UTF-8 (or UTF-16, which a page read as bytes cannot be) is then a mislabel,
/// and the guess decides. Reading the declaration costs a search of the head; guessing
/// costs hundreds of instructions per byte of the sample.
fn declared_legacy_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(DECLARATION_REACH)];
    let declared = tag_starts(head, b"<meta").find_map(|start| charset_in_tag(&head[start..]))?;
    (declared != UTF_8 && declared != UTF_16LE && declared != UTF_16BE).then_some(declared)
}

/// The encoding a `charset=` of one tag (up to its `>`) names, if it names one.
fn charset_in_tag(tag: &[u8]) -> Option<&'static Encoding> {
    let tag = &tag[..memchr::memchr(b'>', tag).unwrap_or(tag.len())];
    let at = tag.windows(7).position(|w| w.eq_ignore_ascii_case(b"charset"))?;
    let rest = tag[at + 7..].trim_ascii_start().strip_prefix(b"=")?.trim_ascii_start();
    let rest = rest.strip_prefix(b"\"").or(rest.strip_prefix(b"'")).unwrap_or(rest);
    let end = rest.iter().position(|b| !(b.is_ascii_alphanumeric() || b"-_:.".contains(b))).unwrap_or(rest.len());
    Encoding::for_label(&rest[..end])
}

/// How far into a page its encoding declaration is looked for: the head, even behind
/// long comments and inline styles (the standard's prescan stops at 1,024 bytes; 5 of the
/// 11 legacy declarations in trafilatura's evaluation pages stand past it).
const DECLARATION_REACH: usize = 16 * 1024;

/// How many bytes a legacy encoding is guessed from.
const DETECTION_SAMPLE: usize = 64 * 1024;

/// Fewer bytes than this that are not UTF-8 are not guessed as a legacy encoding.
const MIN_LEGACY_BYTES: usize = 32;

/// Leading bytes of formats that are never text: archives, compressed streams,
/// images, office documents, executables.
/// (bzip2 is told by [`binary_signature`] itself: "BZh" alone also starts text.)
const SIGNATURES: [(&[u8], &str); 13] = [
    (b"\xFD7zXZ\x00", "xz-compressed data"),
    (b"\x28\xB5\x2F\xFD", "zstd-compressed data"),
    (b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
    (b"Rar!\x1A\x07", "a RAR archive"),
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xFF\xD8\xFF", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xD0\xCF\x11\xE0", "an old Microsoft Office document"),
    (b"\x7FELF", "an executable"),
    (b"\x00asm", "WebAssembly"),
    (b"OggS", "an Ogg media file"),
];

/// What a file is when its first bytes name a format that is not text.
fn binary_signature(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"BZh") {
        // "BZh" then a block size digit and the block magic: plain text can start with "BZh".
        let digit = bytes.get(3).is_some_and(|b| (b'1'..=b'9').contains(b));
        return (digit
            && bytes.get(4..10).is_none_or(|m| m == b"\x31\x41\x59\x26\x53\x59" || m == b"\x17\x72\x45\x38\x50\x90"))
        .then_some("bzip2-compressed data");
    }
    SIGNATURES.iter().find(|(magic, _)| bytes.starts_with(magic)).map(|(_, kind)| *kind)
}

fn finish(encoding: &'static Encoding, bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    let malformed_at = had_errors.then(|| first_malformed(encoding, bytes));
    let text = text.into_owned();
    if text.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    if let Some(offset) = control_char_offset(&text) {
        return Err(DecodeError::Binary { offset });
    }
    if !text.chars().any(char::is_alphabetic) {
        return Err(DecodeError::NotText("no letters at all"));
    }
    Ok(Decoded { text, encoding: encoding.name(), malformed_at })
}

/// The byte offset where the first malformed sequence of `bytes` starts, in any encoding.
fn first_malformed(encoding: &'static Encoding, bytes: &[u8]) -> usize {
    if encoding == UTF_8 {
        return std::str::from_utf8(bytes).err().map_or(0, |e| e.valid_up_to());
    }
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut scratch = vec![0u8; 4096];
    let mut read_total = 0;
    loop {
        let (result, read, _) = decoder.decode_to_utf8_without_replacement(&bytes[read_total..], &mut scratch, true);
        read_total += read;
        match result {
            encoding_rs::DecoderResult::Malformed(bad, extra) => {
                return read_total.saturating_sub(extra as usize + bad as usize);
            }
            encoding_rs::DecoderResult::OutputFull => continue,
            encoding_rs::DecoderResult::InputEmpty => return read_total,
        }
    }
}

/// UTF-16 without a BOM shows as NUL bytes in every other position of ASCII text.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() < 8 {
        return None;
    }
    let pairs = sample.len() / 2;
    let even_nuls = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_nuls = sample.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    if odd_nuls * 10 >= pairs * 7 && even_nuls * 10 < pairs {
        Some(UTF_16LE)
    } else if even_nuls * 10 >= pairs * 7 && odd_nuls * 10 < pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// A NUL byte, or a dense run of C0 control bytes, marks binary data.
fn binary_offset(bytes: &[u8]) -> Option<usize> {
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    if let Some(offset) = memchr::memchr(0, sample) {
        return Some(offset);
    }
    let controls = count_bytes(sample, is_suspicious_control);
    (controls * 100 > sample.len()).then(|| sample.iter().position(|&b| is_suspicious_control(b)).unwrap_or(0))
}

fn is_suspicious_control(b: u8) -> bool {
    // Without short-circuits, so that counting them is vectorised.
    (b < 0x20) & (b != b'\n') & (b != b'\r') & (b != b'\t') & (b != 0x0C) & (b != 0x1B)
}

/// Whether the decoded text is mostly control characters (a binary file read as a
/// legacy encoding). Counted on the UTF-8 bytes: the C0 controls and DEL are one byte,
/// the C1 controls two (0xC2 0x80..=0x9F), and a character starts at every byte that
/// does not continue one; a walk over the characters costs several times more.
fn control_char_offset(text: &str) -> Option<usize> {
    let sample = &text.as_bytes()[..text.len().min(64 * 1024)];
    let chars = count_bytes(sample, |b| b & 0xC0 != 0x80);
    let c0 = count_bytes(sample, |b| {
        (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != 0x0B) & (b != 0x0C) & (b != b'\r') & (b != 0x1B) | (b == 0x7F)
    });
    // U+0085 (next line) is white space. 0xC2 leads only the rare characters up to U+00BF.
    let c1 = memchr::memchr_iter(0xC2, sample)
        .filter(|&at| sample.get(at + 1).is_some_and(|&next| (0x80..=0x9F).contains(&next) && next != 0x85))
        .count();
    ((c0 + c1) * 100 > chars.max(1)).then_some(0)
}

/// How many bytes of `bytes` pass `test`, counted in runs of at most 255 into a byte, a
/// shape the compiler turns into vector instructions (a plain filter and count is not).
fn count_bytes(bytes: &[u8], test: impl Fn(u8) -> bool) -> usize {
    bytes.chunks(255).map(|run| usize::from(run.iter().fold(0u8, |n, &b| n + u8::from(test(b))))).sum()
}

/// Text that is UTF-8 except for a few broken sequences (a truncated copy, one bad byte)
/// is better read as UTF-8 with replacements than as windows-1252 mojibake.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let mut valid_multibyte = 0usize;
    let mut invalid = 0usize;
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                valid_multibyte += s.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                valid_multibyte += std::str::from_utf8(good).map_or(0, |s| s.chars().filter(|c| !c.is_ascii()).count());
                invalid += 1;
                let skip = e.error_len().unwrap_or(bad.len());
                rest = &bad[skip..];
            }
        }
    }
    valid_multibyte >= 2 && invalid * 4 <= valid_multibyte
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_with_and_without_bom() {
        let plain = decode("Kyiv – “quoted”".as_bytes()).unwrap();
        assert_eq!(plain.encoding, "UTF-8");
        let with_bom = decode(b"\xEF\xBB\xBFHello").unwrap();
        assert_eq!(with_bom.text, "Hello");
    }

    #[test]
    fn decodes_utf16_with_and_without_bom() {
        let mut le = vec![0xFF, 0xFE];
        le.extend("Moscow said".encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert_eq!(decode(&le).unwrap().text, "Moscow said");
        let be: Vec<u8> = "Moscow said today".encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        let decoded = decode(&be).unwrap();
        assert_eq!((decoded.text.as_str(), decoded.encoding), ("Moscow said today", "UTF-16BE"));
    }

    #[test]
    fn guesses_legacy_encodings() {
        let (cyrillic, _, _) =
            encoding_rs::WINDOWS_1251.encode("Министерство иностранных дел России заявило, что переговоры продолжатся");
        let decoded = decode(&cyrillic).unwrap();
        assert_eq!(decoded.encoding, "windows-1251");
        assert!(decoded.text.starts_with("Министерство"));
        let (latin, _, _) = encoding_rs::WINDOWS_1252.encode("Le ministère a déclaré à l’AFP qu’il était prêt");
        let decoded = decode(&latin).unwrap();
        assert_eq!(decoded.encoding, "windows-1252");
        assert!(decoded.text.contains("déclaré"));
    }

    #[test]
    fn a_page_is_read_in_the_legacy_encoding_it_declares() {
        // Too short and too plain for a guess to tell Polish windows-1250 from windows-1252.
        let text = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-2\">\
                    </head><body><p>Zażółć gęślą jaźń</p></body></html>";
        let (bytes, _, _) = encoding_rs::ISO_8859_2.encode(text);
        let decoded = decode(&bytes).unwrap();
        assert_eq!(decoded.encoding, "ISO-8859-2");
        assert!(decoded.text.contains("Zażółć gęślą jaźń"), "{}", decoded.text);
        // Letters both encodings share: a guess would say windows-1252, the page says otherwise.
        let (shared, _, _) =
            encoding_rs::WINDOWS_1250.encode("<meta charset='windows-1250'><p>Größe über Bücher für Mädchen</p>");
        assert_eq!(decode(&shared).unwrap().encoding, "windows-1250");
        let (mixed_case, _, _) =
            encoding_rs::WINDOWS_1250.encode("<Meta Charset=windows-1250><p>Größe über Bücher für Mädchen</p>");
        assert_eq!(decode(&mixed_case).unwrap().encoding, "windows-1250");
        // A declared UTF-8 that the bytes are not is a mislabel: the guess decides.
        let (mislabelled, _, _) = encoding_rs::WINDOWS_1252
            .encode("<meta charset=\"utf-8\"><p>Le ministère a déclaré à l’AFP qu’il était prêt</p>");
        assert_eq!(decode(&mislabelled).unwrap().encoding, "windows-1252");
    }

    #[test]
    fn keeps_mostly_utf8_text_and_reports_the_bad_byte() {
        let mut bytes = "Zelenskiy – “yes” — ok ".as_bytes().to_vec();
        let bad_at = bytes.len();
        bytes.push(0xFF);
        bytes.extend_from_slice(" more".as_bytes());
        let decoded = decode(&bytes).unwrap();
        assert_eq!(decoded.encoding, "UTF-8");
        assert_eq!(decoded.malformed_at, Some(bad_at));
        assert!(decoded.text.contains('\u{FFFD}'));
    }

    #[test]
    fn inflates_gzip_and_reports_broken_streams() {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(b"Hello from a gzipped page").unwrap();
        let packed = encoder.finish().unwrap();
        assert!(is_gzip(&packed));
        assert_eq!(gunzip(&packed, MAX_INFLATED).unwrap(), b"Hello from a gzipped page");
        assert!(matches!(gunzip(&packed[..packed.len() / 2], MAX_INFLATED), Err(DecodeError::Compressed(_))));
        assert_eq!(gunzip(&packed, 10), Err(DecodeError::TooLarge { limit: 10 }));
    }

    #[test]
    fn refuses_empty_and_binary() {
        assert_eq!(decode(b""), Err(DecodeError::Empty));
        assert_eq!(decode(b" \n\t "), Err(DecodeError::Empty));
        assert_eq!(decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Err(DecodeError::NotText("a PNG image")));
        let noise: Vec<u8> = (0..2000u32).map(|i| (i * 7 % 32) as u8 + 1).collect();
        assert!(matches!(decode(&noise), Err(DecodeError::Binary { .. })));
    }

    #[test]
    fn refuses_tiny_blobs_and_known_binary_formats() {
        for blob in [&b"\x93"[..], b"\xA7\xF1", b"\xC0\xFF\xEE\x80\x81\x82\x83", b"\xE9t\xE9"] {
            assert!(matches!(decode(blob), Err(DecodeError::NotText(_))), "{blob:?}");
        }
        let bzip2 = b"BZh91AY&SY\x8a\x12\x00\x00\x03\xc1\x00\x00\x10\x02\x00\x0c\x00 \x00!\x9ah3M\x05";
        assert_eq!(decode(bzip2), Err(DecodeError::NotText("bzip2-compressed data")));
        assert!(decode(b"BZh is how the band's name is spelled in this article.").is_ok());
        assert_eq!(
            decode(b"PK\x03\x04\x14\x00rest"),
            Err(DecodeError::NotText("a ZIP archive (or an office document)"))
        );
        assert!(matches!(decode(b"12345 67890 ---"), Err(DecodeError::NotText(_))));
    }

    #[test]
    fn reports_where_utf16_goes_wrong() {
        let mut bytes: Vec<u8> = vec![0xFF, 0xFE];
        bytes.extend("Moscow said".encode_utf16().flat_map(|u| u.to_le_bytes()));
        let bad_at = bytes.len();
        bytes.extend([0x00, 0xD8, b'a', 0x00]);
        let decoded = decode(&bytes).unwrap();
        assert_eq!(decoded.malformed_at, Some(bad_at), "{decoded:?}");
    }
}
