//! A reader for PHP's `serialize()` format, keeping where each value sits in the text so one
//! entry can be cut out and the rest left byte for byte as PHP wrote it — pure, no IO.
//!
//! Covers what `serialize()` emits for plain data and objects (`N; b: i: d: s: a: O:`, references
//! `r:`/`R:`, `C:` custom payloads and `E:` enums, kept opaque). Lengths are in bytes.

/// One decoded value, with its byte span in the text.
#[derive(Clone, Debug, PartialEq)]
pub struct PhpValue {
    /// What it is.
    pub kind: PhpKind,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// The shapes a serialized value has.
#[derive(Clone, Debug, PartialEq)]
pub enum PhpKind {
    /// `N;`
    Null,
    /// `b:`, `i:`, `d:`, `r:`, `R:`, `E:`: kept as their text.
    Scalar(String),
    /// `s:N:"…";`
    Str(String),
    /// `a:N:{…}`: key, value pairs.
    Array(Vec<(PhpValue, PhpValue)>),
    /// `O:N:"Class":N:{…}` (and `C:`, whose payload is left unread): the class and its properties.
    Object(String, Vec<(PhpValue, PhpValue)>),
}

impl PhpValue {
    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            PhpKind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, when this is one.
    pub fn as_int(&self) -> Option<i64> {
        match &self.kind {
            PhpKind::Scalar(s) => s.strip_prefix("i:").and_then(|n| n.parse().ok()),
            _ => None,
        }
    }

    /// An object's property by its name, whatever its visibility (`\0Class\0name`, `\0*\0name`).
    pub fn prop(&self, name: &str) -> Option<&PhpValue> {
        let PhpKind::Object(_, props) = &self.kind else { return None };
        props
            .iter()
            .find(|(k, _)| k.as_str().is_some_and(|k| k == name || k.rsplit('\0').next() == Some(name)))
            .map(|(_, v)| v)
    }

    /// An object's class.
    pub fn class(&self) -> Option<&str> {
        match &self.kind {
            PhpKind::Object(c, _) => Some(c),
            _ => None,
        }
    }
}

/// Why a text is not a serialized value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not PHP-serialized data (byte {at}: {why})")]
pub struct PhpParseError {
    /// Where reading stopped.
    pub at: usize,
    /// What was expected.
    pub why: &'static str,
}

/// Reads one whole value; trailing bytes are an error.
pub fn parse(text: &str) -> Result<PhpValue, PhpParseError> {
    let mut r = Reader { b: text.as_bytes(), at: 0, depth: 0 };
    let v = r.value()?;
    if r.at != r.b.len() {
        return Err(r.fail("trailing bytes"));
    }
    Ok(v)
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
    depth: usize,
}

impl Reader<'_> {
    fn fail(&self, why: &'static str) -> PhpParseError {
        PhpParseError { at: self.at, why }
    }

    fn eat(&mut self, c: u8) -> Result<(), PhpParseError> {
        if self.b.get(self.at) == Some(&c) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.fail("unexpected byte"))
        }
    }

    /// Bytes up to (not including) `stop`, which is consumed.
    fn until(&mut self, stop: u8) -> Result<&str, PhpParseError> {
        let from = self.at;
        let len = self.b[from..].iter().position(|&c| c == stop).ok_or_else(|| self.fail("unterminated"))?;
        self.at = from + len + 1;
        std::str::from_utf8(&self.b[from..from + len]).map_err(|_| self.fail("not UTF-8"))
    }

    fn count(&mut self) -> Result<usize, PhpParseError> {
        self.until(b':')?.parse().map_err(|_| self.fail("bad length"))
    }

    fn quoted(&mut self, len: usize) -> Result<String, PhpParseError> {
        self.eat(b'"')?;
        let bytes = self.b.get(self.at..self.at + len).ok_or_else(|| self.fail("string runs past the end"))?;
        let s = String::from_utf8_lossy(bytes).into_owned();
        self.at += len;
        self.eat(b'"')?;
        Ok(s)
    }

    fn pairs(&mut self, n: usize) -> Result<Vec<(PhpValue, PhpValue)>, PhpParseError> {
        self.eat(b'{')?;
        let mut out = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            let k = self.value()?;
            out.push((k, self.value()?));
        }
        self.eat(b'}')?;
        Ok(out)
    }

    fn value(&mut self) -> Result<PhpValue, PhpParseError> {
        self.depth += 1;
        if self.depth > 256 {
            return Err(self.fail("nested too deeply"));
        }
        let start = self.at;
        let tag = *self.b.get(self.at).ok_or_else(|| self.fail("ends early"))?;
        self.at += 1;
        let kind = match tag {
            b'N' => {
                self.eat(b';')?;
                PhpKind::Null
            }
            b'b' | b'i' | b'd' | b'r' | b'R' | b'E' => {
                self.eat(b':')?;
                let body = if tag == b'E' {
                    let n = self.count()?;
                    let s = self.quoted(n)?;
                    self.eat(b';')?;
                    s
                } else {
                    self.until(b';')?.to_owned()
                };
                PhpKind::Scalar(format!("{}:{body}", tag as char))
            }
            b's' => {
                self.eat(b':')?;
                let n = self.count()?;
                let s = self.quoted(n)?;
                self.eat(b';')?;
                PhpKind::Str(s)
            }
            b'a' => {
                self.eat(b':')?;
                let n = self.count()?;
                PhpKind::Array(self.pairs(n)?)
            }
            b'O' => {
                self.eat(b':')?;
                let n = self.count()?;
                let class = self.quoted(n)?;
                self.eat(b':')?;
                let n = self.count()?;
                PhpKind::Object(class, self.pairs(n)?)
            }
            b'C' => {
                self.eat(b':')?;
                let n = self.count()?;
                let class = self.quoted(n)?;
                self.eat(b':')?;
                let n = self.count()?;
                self.eat(b'{')?;
                self.at = self
                    .at
                    .checked_add(n)
                    .filter(|&e| e <= self.b.len())
                    .ok_or_else(|| self.fail("runs past the end"))?;
                self.eat(b'}')?;
                PhpKind::Object(class, Vec::new())
            }
            _ => return Err(self.fail("unknown type tag")),
        };
        self.depth -= 1;
        Ok(PhpValue { kind, start, end: self.at })
    }
}

/// PHP's `stripslashes()`: `\0` is NUL, `\x` is `x`.
pub fn strip_slashes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('0') => out.push('\0'),
            Some(x) => out.push(x),
            None => {}
        }
    }
    out
}

/// PHP's `addslashes()`: a backslash before `'`, `"` and `\`, and NUL as `\0`.
pub fn add_slashes(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '\0' => out.push_str("\\0"),
            '\'' | '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_arrays_and_private_properties_are_read_with_their_spans() {
        let text = "O:3:\"Env\":2:{s:9:\"\0Env\0tags\";a:2:{i:0;s:1:\"a\";i:1;N;}s:4:\"\0*\0n\";i:7;}";
        let v = parse(text).unwrap();
        assert_eq!(v.class(), Some("Env"));
        assert_eq!(v.prop("n").and_then(PhpValue::as_int), Some(7));
        let tags = v.prop("tags").unwrap();
        assert_eq!(&text[tags.start..tags.end], "a:2:{i:0;s:1:\"a\";i:1;N;}");
        assert!(parse("O:3:\"Env\":1:{").is_err());
        assert!(parse("s:99:\"short\";").is_err());
        assert!(parse("i:1;junk").is_err());
        assert!(parse("{\"json\":1}").is_err());
    }

    #[test]
    fn slashes_round_trip_as_php_does() {
        let raw = "a\0b\"c\\d'e";
        assert_eq!(add_slashes(raw), "a\\0b\\\"c\\\\d\\'e");
        assert_eq!(strip_slashes(&add_slashes(raw)), raw);
    }
}
