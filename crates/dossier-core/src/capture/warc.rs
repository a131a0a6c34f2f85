//! Web archives (WARC 1.0/1.1, read by the `warc` crate; `.warc.gz` is inflated
//! before): each HTML response (or resource) record is an article, with the URI it
//! was fetched from and the capture date. Requests, metadata, revisits and responses
//! that are not HTML pages are passed over; a malformed record is reported by number.

use crate::capture::decode;
use crate::capture::{Body, Fetched, Hints, Record, Records};
use std::borrow::Cow;
use warc::{RawRecordHeader, RecordType, WarcHeader, WarcReader};

/// Whether the bytes are a WARC file (its first record's version line).
pub fn is_warc(bytes: &[u8]) -> bool {
    bytes.starts_with(b"WARC/1.")
}

/// The HTML pages the archive holds, as records. `max_bytes` bounds what one
/// compressed HTTP body may inflate to.
pub fn parse(bytes: &[u8], max_bytes: u64) -> Records {
    let mut out = Records::default();
    // Raw records: the crate's typed headers unwrap their UTF-8, and archives hold other bytes.
    for (index, record) in WarcReader::new(bytes).iter_raw_records().enumerate() {
        let number = index + 1;
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                out.problems
                    .push(format!("record {number}: malformed WARC record ({e}); the records after it were not read"));
                break;
            }
        };
        match page_of(&record.0, &record.1, number, max_bytes) {
            Ok(Some(page)) => out.records.push(page),
            Ok(None) => {}
            Err(why) => out.problems.push(format!("record {number}: {why}")),
        }
    }
    out
}

/// The record as an article when it holds an HTML page (None when it is another kind of record).
fn page_of(header: &RawRecordHeader, block: &[u8], number: usize, max_bytes: u64) -> Result<Option<Record>, String> {
    let field =
        |name: WarcHeader| header.headers.get(&name).map(|value| String::from_utf8_lossy(value).trim().to_string());
    let kind = field(WarcHeader::WarcType).map(|t| RecordType::from(t.as_str()));
    let (content_type, encoding, payload): (String, Option<String>, Cow<'_, [u8]>) = match kind {
        Some(RecordType::Response) => match http_response(block)? {
            Some(response) => response,
            None => return Ok(None),
        },
        Some(RecordType::Resource) => (field(WarcHeader::ContentType).unwrap_or_default(), None, block.into()),
        _ => return Ok(None),
    };
    if !is_html(&content_type) {
        return Ok(None);
    }
    let payload = content_decoded(payload, encoding.as_deref(), max_bytes)?;
    let label = decode::charset_of(&content_type);
    let decoded = decode::decode_labelled(&payload, label).map_err(|e| e.to_string())?;
    let url = field(WarcHeader::TargetURI).map(|u| u.trim_matches(['<', '>']).to_string()).filter(|u| !u.is_empty());
    let at = field(WarcHeader::Date).filter(|d| !d.is_empty());
    Ok(Some(Record {
        locator: format!("record-{number}"),
        label: format!("record {number}"),
        body: Body::Html(decoded.text),
        stated: Hints::default(),
        fetched: Some(Fetched { url, at }),
    }))
}

/// A response's content type, content encoding and body; None for responses that
/// are not a success (redirects, errors, not-modified).
type Response<'b> = (String, Option<String>, Cow<'b, [u8]>);

fn http_response(message: &[u8]) -> Result<Option<Response<'_>>, String> {
    let mut headers = [httparse::EMPTY_HEADER; 128];
    let mut response = httparse::Response::new(&mut headers);
    let body_at = match response.parse(message) {
        Ok(httparse::Status::Complete(at)) => at,
        Ok(httparse::Status::Partial) => return Err("truncated HTTP headers".into()),
        Err(e) => return Err(format!("not an HTTP response ({e})")),
    };
    if !response.code.is_some_and(|code| (200..300).contains(&code)) {
        return Ok(None);
    }
    let header = |name: &str| {
        response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    let body = &message[body_at..];
    let body = if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        Cow::Owned(dechunk(body).ok_or("broken chunked HTTP body")?)
    } else {
        Cow::Borrowed(body)
    };
    Ok(Some((header("content-type").unwrap_or_default(), header("content-encoding"), body)))
}

fn is_html(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    media == "text/html" || media == "application/xhtml+xml"
}

/// The body with its content encoding undone (gzip, deflate).
fn content_decoded<'b>(body: Cow<'b, [u8]>, encoding: Option<&str>, max_bytes: u64) -> Result<Cow<'b, [u8]>, String> {
    match encoding.map(str::trim) {
        None | Some("" | "identity") => Ok(body),
        Some("gzip" | "x-gzip") => decode::gunzip(&body, max_bytes).map(Cow::Owned).map_err(|e| e.to_string()),
        Some("deflate") => inflate(&body, max_bytes).map(Cow::Owned),
        Some(other) => Err(format!("HTTP body in an encoding not read here ({other})")),
    }
}

fn inflate(body: &[u8], max_bytes: u64) -> Result<Vec<u8>, String> {
    decode::read_within(flate2::read::ZlibDecoder::new(body), max_bytes)
        .map_err(|e| format!("broken deflate HTTP body ({e})"))?
        .ok_or_else(|| decode::DecodeError::TooLarge { limit: max_bytes }.to_string())
}

/// Joins the chunks of a chunked HTTP body; None when the chunk sizes do not fit.
fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&body[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(body.get(..size)?);
        body = body.get(size..)?.strip_prefix(b"\r\n").unwrap_or(&body[size..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: &str, uri: &str, content_type: &str, block: &[u8]) -> Vec<u8> {
        let mut out = format!(
            "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{kind}-{}>\r\nWARC-Date: 2023-04-05T06:07:08Z\r\nWARC-Target-URI: {uri}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            block.len(),
            block.len()
        )
        .into_bytes();
        out.extend_from_slice(block);
        out.extend_from_slice(b"\r\n\r\n");
        out
    }

    fn http(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {status}\r\n{headers}\r\n").into_bytes();
        out.extend_from_slice(body);
        out
    }

    const PAGE: &str =
        "<html><head><title>Harbour reopens</title></head><body><p>The harbour reopened on Monday.</p></body></html>";

    #[test]
    fn html_responses_are_pages_with_their_uri_and_capture_date() {
        let mut warc = record("warcinfo", "", "application/warc-fields", b"software: test\r\n");
        warc.extend(record(
            "request",
            "https://a.example/x",
            "application/http;msgtype=request",
            b"GET /x HTTP/1.1\r\n\r\n",
        ));
        let legacy = encoding_rs::WINDOWS_1252.encode(&PAGE.replace("harbour", "caf\u{e9}")).0.into_owned();
        let ok = http("200 OK", "Content-Type: text/html; charset=windows-1252\r\n", &legacy);
        warc.extend(record("response", "https://a.example/x", "application/http;msgtype=response", &ok));
        let image = http("200 OK", "Content-Type: image/png\r\n", b"\x89PNG....");
        warc.extend(record("response", "https://a.example/i.png", "application/http;msgtype=response", &image));
        let moved = http("301 Moved", "Location: /y\r\nContent-Type: text/html\r\n", b"<html>moved</html>");
        warc.extend(record("response", "https://a.example/old", "application/http;msgtype=response", &moved));
        assert!(is_warc(&warc));
        let Records { records, problems, .. } = parse(&warc, 1 << 20);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(records.len(), 1);
        let page = &records[0];
        assert_eq!(page.locator, "record-3");
        let fetched = page.fetched.as_ref().unwrap();
        assert_eq!(fetched.url.as_deref(), Some("https://a.example/x"));
        assert_eq!(fetched.at.as_deref(), Some("2023-04-05T06:07:08Z"));
        assert!(matches!(&page.body, Body::Html(html) if html.contains("The caf\u{e9} reopened")));
    }

    #[test]
    fn chunked_and_gzipped_bodies_are_undone() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(PAGE.as_bytes()).unwrap();
        let packed = gz.finish().unwrap();
        let mut chunked = format!("{:x}\r\n", 10).into_bytes();
        chunked.extend_from_slice(&packed[..10]);
        chunked.extend(format!("\r\n{:x}\r\n", packed.len() - 10).into_bytes());
        chunked.extend_from_slice(&packed[10..]);
        chunked.extend_from_slice(b"\r\n0\r\n\r\n");
        let headers = "Content-Type: text/html\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n";
        let warc = record("response", "https://a.example/z", "application/http", &http("200 OK", headers, &chunked));
        let Records { records, problems, .. } = parse(&warc, 1 << 20);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(matches!(&records[0].body, Body::Html(html) if html == PAGE));
    }

    #[test]
    fn a_malformed_record_is_named_and_earlier_ones_kept() {
        let ok = http("200 OK", "Content-Type: text/html\r\n", PAGE.as_bytes());
        let mut warc = record("response", "https://a.example/x", "application/http", &ok);
        warc.extend_from_slice(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\nshort");
        let Records { records, problems, .. } = parse(&warc, 1 << 20);
        assert_eq!(records.len(), 1);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("record 2: malformed WARC record"), "{problems:?}");
        let mut strange_uri = record("response", "https://a.example/\u{e9}", "application/http", &ok);
        let at = strange_uri.windows(2).position(|w| w == "\u{e9}".as_bytes()).unwrap();
        strange_uri[at] = 0x9F;
        let Records { records, .. } = parse(&strange_uri, 1 << 20);
        assert_eq!(records[0].fetched.as_ref().unwrap().url.as_deref(), Some("https://a.example/\u{FFFD}\u{FFFD}"));
        let bad_http = record("response", "https://a.example/q", "application/http", b"garbage without headers");
        let Records { records, problems, .. } = parse(&bad_http, 1 << 20);
        assert!(records.is_empty());
        assert!(problems[0].starts_with("record 1: "), "{problems:?}");
    }
}
