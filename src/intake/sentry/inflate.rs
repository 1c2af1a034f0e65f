//! Request bodies as Sentry SDKs compress them (`Content-Encoding: gzip`, `deflate`, or none),
//! inflated to at most a limit: a few kilobytes that would expand to gigabytes are stopped at
//! the limit, never held whole.

use std::io::Read;

use flate2::read::{MultiGzDecoder, ZlibDecoder};

/// Why a body could not be read.
#[derive(Debug, PartialEq, Eq)]
pub enum InflateError {
    /// It would inflate past the limit (in bytes).
    TooLarge(usize),
    /// An encoding b24ops does not read.
    Unsupported(String),
    /// The compressed stream is broken.
    Corrupt(String),
}

impl std::fmt::Display for InflateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InflateError::TooLarge(n) => write!(f, "the body inflates to more than {n} bytes"),
            InflateError::Unsupported(e) => {
                write!(f, "Content-Encoding {e:?} is not read here; send gzip, deflate or no encoding")
            }
            InflateError::Corrupt(why) => write!(f, "the compressed body is broken: {why}"),
        }
    }
}

/// `body` decoded per `encoding` (the `Content-Encoding` header), at most `limit` bytes.
pub fn inflate(body: &[u8], encoding: Option<&str>, limit: usize) -> Result<Vec<u8>, InflateError> {
    let encoding = encoding.map(|e| e.trim().to_ascii_lowercase()).unwrap_or_default();
    match encoding.as_str() {
        "" | "identity" => {
            if body.len() > limit {
                return Err(InflateError::TooLarge(limit));
            }
            Ok(body.to_vec())
        }
        "gzip" | "x-gzip" => bounded(MultiGzDecoder::new(body), limit),
        "deflate" => bounded(ZlibDecoder::new(body), limit),
        other => Err(InflateError::Unsupported(other.chars().take(40).collect())),
    }
}

fn bounded(reader: impl Read, limit: usize) -> Result<Vec<u8>, InflateError> {
    let mut out = Vec::new();
    // One byte past the limit tells "exactly the limit" from "more".
    reader.take(limit as u64 + 1).read_to_end(&mut out).map_err(|e| InflateError::Corrupt(e.to_string()))?;
    if out.len() > limit {
        return Err(InflateError::TooLarge(limit));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::{GzEncoder, ZlibEncoder};
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_deflate_and_plain_round_trip() {
        assert_eq!(inflate(&gzip(b"hello"), Some("gzip"), 100).unwrap(), b"hello");
        let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
        z.write_all(b"zz").unwrap();
        assert_eq!(inflate(&z.finish().unwrap(), Some("Deflate"), 100).unwrap(), b"zz");
        assert_eq!(inflate(b"plain", None, 100).unwrap(), b"plain");
        assert_eq!(inflate(b"plain", None, 3), Err(InflateError::TooLarge(3)));
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        let bomb = gzip(&vec![0u8; 64 * 1024 * 1024]);
        assert!(bomb.len() < 100 * 1024, "{} bytes compressed", bomb.len());
        assert_eq!(inflate(&bomb, Some("gzip"), 1024 * 1024), Err(InflateError::TooLarge(1024 * 1024)));
    }

    #[test]
    fn broken_and_unknown_encodings_say_so() {
        assert!(matches!(inflate(b"not gzip", Some("gzip"), 100), Err(InflateError::Corrupt(_))));
        let e = inflate(b"x", Some("br"), 100).unwrap_err();
        assert!(e.to_string().contains("\"br\" is not read here"), "{e}");
    }
}
