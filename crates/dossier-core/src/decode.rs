//! Bytes to text: byte-order marks, UTF-8, UTF-16, and legacy single-byte
//! encodings guessed with chardetng; binary content is refused.

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
    Binary { offset: usize },
    Compressed(String),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Empty => write!(f, "empty file"),
            DecodeError::Compressed(why) => write!(f, "broken gzip data: {why}"),
            DecodeError::Binary { offset } => {
                write!(f, "binary content (control byte at offset {offset}), not text")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// Largest text accepted from one compressed file, against decompression bombs.
const MAX_INFLATED: u64 = 256 * 1024 * 1024;

pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1F, 0x8B])
}

/// Inflates gzip data (a `.gz` capture).
pub fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, DecodeError> {
    use std::io::Read;
    let mut out = Vec::new();
    let mut reader = flate2::read::MultiGzDecoder::new(bytes).take(MAX_INFLATED + 1);
    reader.read_to_end(&mut out).map_err(|e| DecodeError::Compressed(e.to_string()))?;
    if out.len() as u64 > MAX_INFLATED {
        return Err(DecodeError::Compressed(format!("inflates to more than {} MiB", MAX_INFLATED >> 20)));
    }
    Ok(out)
}

/// Decodes article bytes. Whitespace-only input counts as empty.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(DecodeError::Empty);
    }
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return finish(encoding, &bytes[bom_len..]);
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        return finish(encoding, bytes);
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
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    finish(detector.guess(None, true), bytes)
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
    Ok(Decoded { text, encoding: encoding.name(), malformed_at })
}

fn first_malformed(encoding: &'static Encoding, bytes: &[u8]) -> usize {
    if encoding == UTF_8 {
        return std::str::from_utf8(bytes).err().map_or(0, |e| e.valid_up_to());
    }
    0
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
    if let Some(offset) = sample.iter().position(|&b| b == 0) {
        return Some(offset);
    }
    let controls = sample.iter().filter(|&&b| is_suspicious_control(b)).count();
    (controls * 100 > sample.len()).then(|| sample.iter().position(|&b| is_suspicious_control(b)).unwrap_or(0))
}

fn is_suspicious_control(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C | 0x1B)
}

fn control_char_offset(text: &str) -> Option<usize> {
    let sample_end = text.char_indices().nth(64 * 1024).map_or(text.len(), |(i, _)| i);
    let sample = &text[..sample_end];
    let controls =
        sample.chars().filter(|&c| c == '\0' || (c.is_control() && !c.is_whitespace() && c != '\u{1B}')).count();
    (controls * 100 > sample.chars().count().max(1)).then_some(0)
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
        assert_eq!(gunzip(&packed).unwrap(), b"Hello from a gzipped page");
        assert!(matches!(gunzip(&packed[..packed.len() / 2]), Err(DecodeError::Compressed(_))));
    }

    #[test]
    fn refuses_empty_and_binary() {
        assert_eq!(decode(b""), Err(DecodeError::Empty));
        assert_eq!(decode(b" \n\t "), Err(DecodeError::Empty));
        assert!(matches!(decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Err(DecodeError::Binary { .. })));
        let noise: Vec<u8> = (0..2000u32).map(|i| (i * 7 % 32) as u8 + 1).collect();
        assert!(matches!(decode(&noise), Err(DecodeError::Binary { .. })));
    }
}
