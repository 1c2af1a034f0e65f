//! The envelope framing: a JSON header line, then items, each a JSON header line and a payload.
//! A payload is `length` bytes when its header says so (followed by an optional newline),
//! otherwise the rest of the line. Errors name the 1-based line they were found on, so a
//! broken envelope can be answered with where it broke.

use serde::Deserialize;

/// Items read from one envelope at most; an SDK sends a handful.
pub const MAX_ITEMS: usize = 100;

/// One item of an envelope.
#[derive(Debug, PartialEq, Eq)]
pub struct Item<'a> {
    /// `event`, `transaction`, `session`, `attachment`, `client_report` …
    pub kind: String,
    /// The line its header is on.
    pub line: usize,
    /// The payload bytes.
    pub payload: &'a [u8],
}

/// A parsed envelope.
#[derive(Debug, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// The header's `event_id`, when it has one.
    pub event_id: Option<String>,
    /// The items, in order.
    pub items: Vec<Item<'a>>,
}

#[derive(Deserialize)]
struct EnvelopeHeader {
    event_id: Option<String>,
}

#[derive(Deserialize)]
struct ItemHeader {
    #[serde(rename = "type")]
    kind: String,
    length: Option<u64>,
}

/// Reads the framing of `body` (already decompressed).
pub fn parse_envelope(body: &[u8]) -> Result<Envelope<'_>, String> {
    let mut rest = body;
    let mut line = 1usize;
    let (first, after) = split_line(rest);
    if first.iter().all(u8::is_ascii_whitespace) {
        return Err("line 1: the envelope has no header".into());
    }
    let header: EnvelopeHeader =
        serde_json::from_slice(first).map_err(|e| format!("line 1: the envelope header is not a JSON object: {e}"))?;
    rest = after;
    let mut items = Vec::new();
    loop {
        // Trailing blank lines end an envelope; some SDKs end every payload with a newline.
        while let Some(r) = rest.strip_prefix(b"\n") {
            rest = r;
            line += 1;
        }
        if rest.is_empty() || rest.iter().all(u8::is_ascii_whitespace) {
            break;
        }
        line += 1;
        if items.len() == MAX_ITEMS {
            return Err(format!("line {line}: more than {MAX_ITEMS} items in one envelope"));
        }
        let (head, after) = split_line(rest);
        let h: ItemHeader =
            serde_json::from_slice(head).map_err(|e| format!("line {line}: the item header is not valid: {e}"))?;
        let header_line = line;
        let payload = match h.length {
            Some(n) => {
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                if n > after.len() {
                    return Err(format!("line {line}: the item says it is {n} bytes but only {} follow", after.len()));
                }
                let (payload, tail) = after.split_at(n);
                rest = tail.strip_prefix(b"\n").unwrap_or(tail);
                if !tail.is_empty() && !tail.starts_with(b"\n") {
                    return Err(format!("line {line}: the {n}-byte payload is not followed by a newline"));
                }
                line += 1 + payload.iter().filter(|b| **b == b'\n').count();
                payload
            }
            None => {
                let (payload, tail) = split_line(after);
                rest = tail;
                line += 1;
                payload
            }
        };
        items.push(Item { kind: h.kind, line: header_line, payload });
    }
    Ok(Envelope { event_id: header.event_id, items })
}

/// The bytes up to the next newline (without it, and without a `\r` before it), and the rest.
fn split_line(b: &[u8]) -> (&[u8], &[u8]) {
    match b.iter().position(|c| *c == b'\n') {
        Some(i) => {
            let l = &b[..i];
            (l.strip_suffix(b"\r").unwrap_or(l), &b[i + 1..])
        }
        None => (b, &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_with_and_without_length() {
        let body = b"{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"attachment\",\"length\":9}\nhello\nxyz\n{\"type\":\"event\"}\n{\"message\":\"hi\"}\n";
        let e = parse_envelope(body).unwrap();
        assert_eq!(e.event_id.as_deref(), Some("9ec79c33ec9942ab8353589fcb2e04dc"));
        assert_eq!(e.items.len(), 2);
        assert_eq!((e.items[0].kind.as_str(), e.items[0].payload), ("attachment", &b"hello\nxyz"[..]));
        assert_eq!(
            (e.items[1].kind.as_str(), e.items[1].line, e.items[1].payload),
            ("event", 5, &b"{\"message\":\"hi\"}"[..])
        );
    }

    #[test]
    fn an_empty_header_and_no_trailing_newline() {
        let e = parse_envelope(b"{}\n{\"type\":\"session\",\"length\":2}\n{}").unwrap();
        assert_eq!((e.event_id, e.items[0].payload), (None, &b"{}"[..]));
    }

    #[test]
    fn broken_envelopes_name_the_line() {
        for (body, why) in [
            (&b""[..], "line 1: the envelope has no header"),
            (b"not json\n", "line 1: the envelope header"),
            (b"{}\n{\"type\":\"event\"}\n{}\nnope\n", "line 4: the item header"),
            (b"{}\n{\"length\":3}\nabc\n", "line 2: the item header"),
            (b"{}\n{\"type\":\"event\",\"length\":99}\nabc\n", "line 2: the item says it is 99 bytes"),
            (b"{}\n{\"type\":\"event\",\"length\":2}\nabc\n", "not followed by a newline"),
        ] {
            let err = parse_envelope(body).unwrap_err();
            assert!(err.contains(why), "{:?}: {err}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn items_are_bounded() {
        let mut body = b"{}\n".to_vec();
        for _ in 0..=MAX_ITEMS {
            body.extend_from_slice(b"{\"type\":\"session\"}\n{}\n");
        }
        assert!(parse_envelope(&body).unwrap_err().contains("more than 100 items"));
    }
}
