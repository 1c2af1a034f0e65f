//! Review files: the CSV or JSON a support lead exports from (or types up beside) the Bitrix24
//! vendor cabinet, which has no API for reviews.
//!
//! CSV has a header `id,author,rating,text,submitted_at` with optional `member_id` and
//! `edited_at` columns (any order; other columns are ignored). JSON is an array of objects with
//! the same fields. Times are RFC 3339, `YYYY-MM-DD HH:MM[:SS]` (UTC) or, in JSON, epoch
//! milliseconds. A file with any bad record is refused whole, naming each bad line, so an
//! import never half-happens.

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use crate::model::{MemberId, NewReview};

/// Longest source id kept (it is a key).
pub const MAX_ID: usize = 128;
/// Longest author name kept.
pub const MAX_AUTHOR: usize = 200;
/// Longest review text kept, in bytes.
pub const MAX_TEXT: usize = 64 * 1024;
/// At most this many problems are listed.
const MAX_PROBLEMS: usize = 20;

/// The two file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewFormat {
    /// Comma-separated with a header row.
    Csv,
    /// An array of objects.
    Json,
}

impl ReviewFormat {
    /// The format a file name implies, or what its first character suggests.
    pub fn detect(path: &Path, bytes: &[u8]) -> ReviewFormat {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("json") => ReviewFormat::Json,
            Some("csv") => ReviewFormat::Csv,
            _ if strip_bom(bytes).iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') => ReviewFormat::Json,
            _ => ReviewFormat::Csv,
        }
    }
}

/// Why a review file was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReviewFileError {
    /// Nothing in it.
    #[error("the file holds no reviews")]
    Empty,
    /// Not CSV / JSON at all.
    #[error("cannot read the file as {format}: {reason}")]
    Unreadable {
        /// Which format was tried.
        format: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// A required column is missing from the CSV header.
    #[error("the CSV header lacks {0:?} (needed: id,author,rating,text,submitted_at; optional: member_id,edited_at)")]
    MissingColumn(&'static str),
    /// Some records are bad; nothing was imported.
    #[error("{} bad record(s), nothing imported:\n{}", .0.len(), .0.join("\n"))]
    BadRecords(Vec<String>),
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// One record's fields as read, before checking.
#[derive(Default)]
struct RawReview {
    id: Option<String>,
    author: Option<String>,
    rating: Option<String>,
    text: Option<String>,
    submitted_at: Option<String>,
    member_id: Option<String>,
    edited_at: Option<String>,
}

/// Parses a whole file; any bad record refuses the file.
pub fn parse_reviews(bytes: &[u8], format: ReviewFormat) -> Result<Vec<NewReview>, ReviewFileError> {
    let raw = match format {
        ReviewFormat::Csv => read_csv(strip_bom(bytes))?,
        ReviewFormat::Json => read_json(strip_bom(bytes))?,
    };
    if raw.is_empty() {
        return Err(ReviewFileError::Empty);
    }
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for (place, r) in raw {
        match check(r) {
            Ok(review) if !seen.insert(review.source_id.clone()) => {
                problems.push(format!("{place}: id {:?} appears twice in the file", review.source_id))
            }
            Ok(review) => out.push(review),
            Err(why) => problems.push(format!("{place}: {why}")),
        }
    }
    if !problems.is_empty() {
        let more = problems.len().saturating_sub(MAX_PROBLEMS);
        problems.truncate(MAX_PROBLEMS);
        if more > 0 {
            problems.push(format!("… and {more} more"));
        }
        return Err(ReviewFileError::BadRecords(problems));
    }
    Ok(out)
}

fn read_csv(bytes: &[u8]) -> Result<Vec<(String, RawReview)>, ReviewFileError> {
    let unreadable = |e: csv::Error| ReviewFileError::Unreadable { format: "CSV", reason: e.to_string() };
    let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let header: Vec<String> =
        rdr.byte_headers().map_err(unreadable)?.iter().map(|h| lossy(h).trim().to_ascii_lowercase()).collect();
    if header.iter().all(|h| h.is_empty()) {
        return Err(ReviewFileError::Empty);
    }
    let col = |name: &str| header.iter().position(|h| h == name);
    for required in ["id", "author", "rating", "text", "submitted_at"] {
        if col(required).is_none() {
            return Err(ReviewFileError::MissingColumn(required));
        }
    }
    let mut out = Vec::new();
    for rec in rdr.byte_records() {
        let rec = rec.map_err(unreadable)?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let get = |name: &str| col(name).and_then(|i| rec.get(i)).map(lossy);
        let raw = RawReview {
            id: get("id"),
            author: get("author"),
            rating: get("rating"),
            text: get("text"),
            submitted_at: get("submitted_at"),
            member_id: get("member_id"),
            edited_at: get("edited_at"),
        };
        out.push((format!("line {line}"), raw));
    }
    Ok(out)
}

fn read_json(bytes: &[u8]) -> Result<Vec<(String, RawReview)>, ReviewFileError> {
    let text = String::from_utf8_lossy(bytes);
    if text.trim().is_empty() {
        return Err(ReviewFileError::Empty);
    }
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| ReviewFileError::Unreadable { format: "JSON", reason: e.to_string() })?;
    let serde_json::Value::Array(items) = value else {
        return Err(ReviewFileError::Unreadable { format: "JSON", reason: "expected an array of reviews".into() });
    };
    let field = |o: &serde_json::Map<String, serde_json::Value>, k: &str| match o.get(k) {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let place = format!("record {}", i + 1);
        let Some(o) = item.as_object() else {
            out.push((place, RawReview::default()));
            continue;
        };
        let raw = RawReview {
            id: field(o, "id"),
            author: field(o, "author"),
            rating: field(o, "rating"),
            text: field(o, "text"),
            submitted_at: field(o, "submitted_at"),
            member_id: field(o, "member_id"),
            edited_at: field(o, "edited_at"),
        };
        out.push((place, raw));
    }
    Ok(out)
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn check(r: RawReview) -> Result<NewReview, String> {
    let present = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let source_id = present(r.id).ok_or("id is missing")?;
    if source_id.chars().count() > MAX_ID {
        return Err(format!("id is longer than {MAX_ID} characters"));
    }
    let author = present(r.author).ok_or("author is missing")?;
    if author.chars().count() > MAX_AUTHOR {
        return Err(format!("author is longer than {MAX_AUTHOR} characters"));
    }
    let rating_raw = present(r.rating).ok_or("rating is missing")?;
    let rating: i64 = rating_raw.parse().map_err(|_| format!("rating {rating_raw:?} is not a whole number"))?;
    if !(1..=5).contains(&rating) {
        return Err(format!("rating {rating} is not between 1 and 5"));
    }
    let text = r.text.unwrap_or_default();
    if text.len() > MAX_TEXT {
        return Err(format!("text is longer than {} KiB", MAX_TEXT / 1024));
    }
    let submitted_at = parse_time(&present(r.submitted_at).ok_or("submitted_at is missing")?, "submitted_at")?;
    let edited_at = present(r.edited_at).map(|e| parse_time(&e, "edited_at")).transpose()?;
    if edited_at.is_some_and(|e| e < submitted_at) {
        return Err("edited_at is before submitted_at".into());
    }
    let member_id = present(r.member_id).map(|m| MemberId::parse(&m).map_err(|e| e.to_string())).transpose()?;
    Ok(NewReview { source_id, member_id, author, rating, text, submitted_at, edited_at })
}

/// A review from the console's form: author, stars, submitted, member_id, Marketplace id, text.
/// An empty Marketplace id becomes `manual-YYYYMMDDHHMMSS`.
pub fn review_from_form(fields: &[String], now: DateTime<Utc>) -> Result<NewReview, String> {
    let get = |i: usize| fields.get(i).cloned();
    let id =
        get(4).filter(|s| !s.trim().is_empty()).unwrap_or_else(|| format!("manual-{}", now.format("%Y%m%d%H%M%S")));
    check(RawReview {
        id: Some(id),
        author: get(0),
        rating: get(1),
        text: get(5),
        submitted_at: get(2),
        member_id: get(3),
        edited_at: None,
    })
}

/// Parses a time as review files write it.
pub fn parse_time(s: &str, what: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(t.and_utc());
        }
    }
    if let Ok(ms) = s.parse::<i64>()
        && let Some(t) = Utc.timestamp_millis_opt(ms).single()
        && ms > 0
    {
        return Ok(t);
    }
    Err(format!("{what} {s:?} is not a time (use RFC 3339, e.g. 2026-11-24T09:30:00Z)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "id,author,rating,text,submitted_at,member_id\n\
        r-1,Anna,2,\"Sync stopped, twice\",2026-11-23T08:00:00Z,a1b2c3d4\n\
        r-2,Boris,5,Great,2026-11-22 10:00,\n";

    #[test]
    fn csv_reads_with_quotes_and_optional_columns() {
        let r = parse_reviews(CSV.as_bytes(), ReviewFormat::Csv).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].text, "Sync stopped, twice");
        assert_eq!(r[0].member_id.as_ref().map(|m| m.as_str()), Some("a1b2c3d4"));
        assert_eq!(r[1].member_id, None);
        assert_eq!(r[1].submitted_at.to_rfc3339(), "2026-11-22T10:00:00+00:00");
    }

    #[test]
    fn json_reads_the_same_fields() {
        let j = r#"[{"id":7,"author":"Anna","rating":"1","text":"Broken","submitted_at":"2026-11-23T08:00:00Z",
                     "edited_at":"2026-11-24T08:00:00Z"}]"#;
        let r = parse_reviews(j.as_bytes(), ReviewFormat::Json).unwrap();
        assert_eq!((r[0].source_id.as_str(), r[0].rating), ("7", 1));
        assert!(r[0].edited_at.is_some());
    }

    #[test]
    fn one_bad_record_refuses_the_file_and_names_its_line() {
        let bad = format!("{CSV}r-3,Clara,7,Meh,2026-11-22T10:00:00Z,\nr-1,Dup,3,x,2026-11-22T10:00:00Z,\n");
        let Err(ReviewFileError::BadRecords(p)) = parse_reviews(bad.as_bytes(), ReviewFormat::Csv) else {
            panic!("accepted a bad file")
        };
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].starts_with("line 4: rating 7"), "{p:?}");
        assert!(p[1].contains("appears twice"), "{p:?}");
    }

    #[test]
    fn empty_and_unparsable_files_are_refused_clearly() {
        assert_eq!(parse_reviews(b"", ReviewFormat::Csv), Err(ReviewFileError::Empty));
        assert_eq!(parse_reviews(b"  ", ReviewFormat::Json), Err(ReviewFileError::Empty));
        assert_eq!(
            parse_reviews(b"id,author,rating,text,submitted_at\n", ReviewFormat::Csv),
            Err(ReviewFileError::Empty)
        );
        assert_eq!(parse_reviews(b"id,name\n1,x\n", ReviewFormat::Csv), Err(ReviewFileError::MissingColumn("author")));
        assert!(matches!(parse_reviews(b"{\"id\":1}", ReviewFormat::Json), Err(ReviewFileError::Unreadable { .. })));
        assert!(matches!(
            parse_reviews(b"id,author,rating,text,submitted_at\n1,a,2\n", ReviewFormat::Csv),
            Err(ReviewFileError::Unreadable { .. })
        ));
    }

    #[test]
    fn format_follows_the_extension_then_the_content() {
        assert_eq!(ReviewFormat::detect(Path::new("r.json"), b"id"), ReviewFormat::Json);
        assert_eq!(ReviewFormat::detect(Path::new("r.txt"), b"\xEF\xBB\xBF [ {}]"), ReviewFormat::Json);
        assert_eq!(ReviewFormat::detect(Path::new("r"), b"id,author"), ReviewFormat::Csv);
    }
}
