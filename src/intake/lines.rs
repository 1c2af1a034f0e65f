//! Reading NDJSON line by line in bounded memory: a line longer than the limit is skipped as it
//! streams past, never held whole (a 300 MB line costs no more than a short one).

use std::io::{self, BufRead};

/// What the next line was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    /// The line is in the buffer (without its line ending).
    Text,
    /// The line was longer than the limit and was skipped; it had this many bytes.
    TooLong(u64),
}

/// Lines of at most `max` bytes from a reader, numbered from 1.
pub struct BoundedLines<R> {
    reader: R,
    max: usize,
    number: usize,
}

impl<R: BufRead> BoundedLines<R> {
    /// Lines of `reader`, each at most `max` bytes.
    pub fn new(reader: R, max: usize) -> Self {
        BoundedLines { reader, max, number: 0 }
    }

    /// Reads the next line into `buf` (cleared first): its number and what it was; `None` at
    /// the end of the input.
    pub fn next_into(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<(usize, Line)>> {
        buf.clear();
        let (mut total, mut any, mut over) = (0u64, false, false);
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                if !any {
                    return Ok(None);
                }
                break;
            }
            any = true;
            let (take, ends) = match chunk.iter().position(|b| *b == b'\n') {
                Some(i) => (i, true),
                None => (chunk.len(), false),
            };
            total += take as u64;
            if !over && buf.len() + take <= self.max {
                buf.extend_from_slice(&chunk[..take]);
            } else if !over {
                over = true;
                buf.clear();
                buf.shrink_to(self.max.min(64 * 1024));
            }
            self.reader.consume(take + usize::from(ends));
            if ends {
                break;
            }
        }
        self.number += 1;
        if over {
            return Ok(Some((self.number, Line::TooLong(total))));
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        Ok(Some((self.number, Line::Text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn lines_are_numbered_and_endings_dropped() {
        let mut l = BoundedLines::new(&b"a\r\n\nbc"[..], 10);
        let mut buf = Vec::new();
        assert_eq!(l.next_into(&mut buf).unwrap(), Some((1, Line::Text)));
        assert_eq!(buf, b"a");
        assert_eq!(l.next_into(&mut buf).unwrap(), Some((2, Line::Text)));
        assert!(buf.is_empty());
        assert_eq!(l.next_into(&mut buf).unwrap(), Some((3, Line::Text)));
        assert_eq!(buf, b"bc");
        assert_eq!(l.next_into(&mut buf).unwrap(), None);
    }

    #[test]
    fn a_300_mb_line_is_skipped_without_being_held() {
        let huge = io::repeat(b'x').take(300 * 1024 * 1024);
        let input = io::BufReader::new(huge.chain(&b"\n{\"after\":1}\n"[..]));
        let mut l = BoundedLines::new(input, 1024 * 1024);
        let mut buf = Vec::new();
        assert_eq!(l.next_into(&mut buf).unwrap(), Some((1, Line::TooLong(300 * 1024 * 1024))));
        assert!(buf.capacity() <= 1024 * 1024 + 8192, "held {} bytes", buf.capacity());
        assert_eq!(l.next_into(&mut buf).unwrap(), Some((2, Line::Text)));
        assert_eq!(buf, b"{\"after\":1}");
    }
}
