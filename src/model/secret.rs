//! A secret string (a token, a client secret) that never prints itself.

/// A secret: `Debug` and `Display` show `***`, so it cannot leak into a log line or onto a screen by
/// accident; [`Secret::expose`] is the one deliberate way to read it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when no value is held.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A hint for people comparing two secrets: the last four characters, the rest masked.
    pub fn hint(&self) -> String {
        let n = self.0.chars().count();
        if n < 12 {
            return "***".into();
        }
        let tail: String = self.0.chars().skip(n - 4).collect();
        format!("***{tail}")
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_itself() {
        let s = Secret::new("717e0567006e9f06006b12e40000000100001c");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(s.hint(), "***001c");
        assert_eq!(Secret::new("short").hint(), "***");
    }
}
