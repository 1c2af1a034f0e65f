//! Splitting an intake body into records: a JSON array, or NDJSON (one object a line). In NDJSON
//! each line stands alone, as `ingest-calls` reads it: a line that is not UTF-8 or not a record
//! is named and the others still count. A UTF-8 byte-order mark before the first record is
//! ignored (editors on Windows add one).

use serde::Serialize;

/// The byte-order mark some editors put before the first line.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One record that was not accepted.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// 1-based line (NDJSON) or array position.
    pub line: usize,
    /// Why.
    pub error: String,
}

/// The good records of a body, and the bad ones by line. `Err` is a body that cannot be read at
/// all (an array that is not JSON).
pub fn records<T>(body: &[u8], parse: impl Fn(&str) -> Result<T, String>) -> Result<(Vec<T>, Vec<Rejected>), String> {
    let body = body.strip_prefix(BOM).unwrap_or(body);
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return array(body, parse);
    }
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (n, raw) in body.split(|b| *b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let outcome = match std::str::from_utf8(raw) {
            Ok(line) => parse(line),
            Err(e) => Err(format!("the line is not UTF-8 (at byte {})", e.valid_up_to())),
        };
        match outcome {
            Ok(v) => good.push(v),
            Err(error) => bad.push(Rejected { line: n + 1, error }),
        }
    }
    Ok((good, bad))
}

fn array<T>(body: &[u8], parse: impl Fn(&str) -> Result<T, String>) -> Result<(Vec<T>, Vec<Rejected>), String> {
    let text = std::str::from_utf8(body).map_err(|e| {
        format!("the JSON array is not UTF-8 (at byte {}); send NDJSON to skip bad lines", e.valid_up_to())
    })?;
    let items: Vec<serde_json::Value> =
        serde_json::from_str(text).map_err(|e| format!("the body is not a JSON array: {e}"))?;
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (n, item) in items.iter().enumerate() {
        match parse(&item.to_string()) {
            Ok(v) => good.push(v),
            Err(error) => bad.push(Rejected { line: n + 1, error }),
        }
    }
    Ok((good, bad))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(line: &str) -> Result<i64, String> {
        line.trim().parse().map_err(|_| format!("{line:?} is not a number"))
    }

    #[test]
    fn one_bad_byte_rejects_only_its_line() {
        let body = b"1\n2\xff\n3\r\n\n4";
        let (good, bad) = records(body, number).unwrap();
        assert_eq!(good, vec![1, 3, 4]);
        assert_eq!(bad, vec![Rejected { line: 2, error: "the line is not UTF-8 (at byte 1)".into() }]);
    }

    #[test]
    fn a_bom_before_the_first_record_is_ignored() {
        let (good, bad) = records(b"\xEF\xBB\xBF7\n8", number).unwrap();
        assert_eq!((good, bad.len()), (vec![7, 8], 0));
        let (good, _) = records(b"\xEF\xBB\xBF[5, 6]", number).unwrap();
        assert_eq!(good, vec![5, 6]);
    }

    #[test]
    fn arrays_count_positions_and_must_be_utf8() {
        let (good, bad) = records(b"[1, \"x\", 3]", number).unwrap();
        assert_eq!((good, bad[0].line), (vec![1, 3], 2));
        assert!(records(b"[1, \"\xff\"]", number).unwrap_err().contains("not UTF-8"));
    }
}
