//! Untrusted text made safe to draw.
//!
//! Everything that comes out of the database (ticket bodies, review text, error descriptions,
//! method names typed by a third party) may carry terminal escape sequences, bidi overrides,
//! zero-width characters, invalid UTF-8 or megabytes of text. It is sanitized once, when a row is
//! decoded, and the resulting [`SafeText`] is the only string type views accept for data.

use std::fmt;
use std::fmt::Write as _;

/// The longest text kept for a single-line cell (in characters); the rest is cut with a marker.
pub const LINE_LIMIT: usize = 512;
/// The longest text kept for a detail pane or a message body (in characters).
pub const BLOCK_LIMIT: usize = 64 * 1024;
/// The longest single string the command line prints or writes (in characters).
pub const OUTPUT_LIMIT: usize = 1024 * 1024;

/// Text that has been through [`sanitize`]: no control sequences, no bidi or zero-width tricks.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SafeText(String);

impl SafeText {
    /// Sanitizes `raw` as one line: newlines and tabs become visible separators.
    pub fn line(raw: &str) -> Self {
        SafeText(sanitize(raw, Mode::Line, LINE_LIMIT))
    }

    /// Sanitizes `raw` as a block of text that keeps its line breaks.
    pub fn block(raw: &str) -> Self {
        SafeText(sanitize(raw, Mode::Block, BLOCK_LIMIT))
    }

    /// Sanitizes bytes that may not be UTF-8, as one line.
    pub fn line_from_bytes(raw: &[u8]) -> Self {
        Self::line(&String::from_utf8_lossy(raw))
    }

    /// Sanitizes bytes that may not be UTF-8, as a block.
    pub fn block_from_bytes(raw: &[u8]) -> Self {
        Self::block(&String::from_utf8_lossy(raw))
    }

    /// The sanitized text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when there is no text.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for SafeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl fmt::Debug for SafeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl serde::Serialize for SafeText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Whether line breaks survive sanitizing.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// One line: `\n` becomes ` ⏎ `, a tab one space.
    Line,
    /// Several lines: `\n` stays, `\r\n` becomes `\n`, a tab four spaces.
    Block,
    /// What the command line prints or writes to a file: like `Block`, but a tab stays a tab
    /// (column output and pasted drafts keep their shape).
    Output,
}

/// The one sanitizer for everything b24ops prints or writes (text, Markdown, JSON strings): what
/// [`SafeText`] strips for the screen is stripped here too, and a string over [`OUTPUT_LIMIT`]
/// is cut with a note.
pub fn for_output(raw: &str) -> String {
    sanitize(raw, Mode::Output, OUTPUT_LIMIT)
}

/// Makes `raw` harmless for a terminal and caps it at `limit` characters.
///
/// C0 and C1 controls become visible control pictures (`ESC` shows as `␛`), so an operator can see
/// that someone tried; bidi embeddings, overrides and isolates and zero-width characters (except
/// the zero-width joiner inside emoji) are removed; text past the limit is cut with a note of how
/// much was left out.
pub fn sanitize(raw: &str, mode: Mode, limit: usize) -> String {
    let mut out = String::with_capacity(raw.len().min(limit.saturating_mul(2)));
    let mut kept = 0usize;
    let mut chars = raw.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if kept >= limit {
            let rest = raw.len() - at;
            let _ = write!(out, " … (+{rest} bytes)");
            break;
        }
        match c {
            '\n' => match mode {
                Mode::Line => out.push_str(" ⏎ "),
                Mode::Block | Mode::Output => out.push('\n'),
            },
            '\r' => {
                if chars.peek().map(|(_, n)| *n) == Some('\n') {
                    continue;
                }
                out.push_str(if mode == Mode::Line { " ⏎ " } else { "\n" });
            }
            '\t' => out.push_str(match mode {
                Mode::Line => " ",
                Mode::Block => "    ",
                Mode::Output => "\t",
            }),
            c if is_invisible_trick(c) => continue,
            c if (c as u32) < 0x20 => {
                out.push(char::from_u32(0x2400 + c as u32).unwrap_or('�'));
            }
            '\u{7f}' => out.push('␡'),
            c if ('\u{80}'..='\u{9f}').contains(&c) => out.push('�'),
            c => out.push(c),
        }
        kept += 1;
    }
    out
}

/// Characters that change how neighbouring text is shown without being visible themselves.
fn is_invisible_trick(c: char) -> bool {
    matches!(c,
        '\u{200B}' | '\u{200C}' | '\u{200E}' | '\u{200F}' | '\u{2060}' | '\u{FEFF}' | '\u{061C}'
        | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{180E}' | '\u{00AD}')
}

/// Cuts `s` to at most `max` characters, marking the cut with `…`.
pub fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ellipsis() {
        assert_eq!(ellipsize("abcdef", 4), "abc…");
        assert_eq!(ellipsize("abc", 4), "abc");
    }

    #[test]
    fn escape_sequences_become_visible_and_inert() {
        let s = SafeText::line("a\x1b]52;c;aGk=\x07b\x1b[2Jc");
        assert!(!s.as_str().contains('\x1b'));
        assert!(!s.as_str().contains('\x07'));
        assert!(s.as_str().contains('␛'));
    }

    #[test]
    fn c1_controls_are_replaced() {
        let s = SafeText::line("x\u{9b}31my");
        assert!(!s.as_str().chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)));
    }

    #[test]
    fn bidi_and_zero_width_are_removed_but_zwj_kept() {
        let s = SafeText::line("ab\u{202E}cd\u{200B}e\u{2066}f👨\u{200D}💻");
        assert_eq!(s.as_str(), "abcdef👨\u{200D}💻");
    }

    #[test]
    fn line_mode_flattens_newlines_block_mode_keeps_them() {
        assert_eq!(SafeText::line("a\r\nb\tc").as_str(), "a ⏎ b c");
        assert_eq!(SafeText::block("a\r\nb\tc").as_str(), "a\nb    c");
    }

    #[test]
    fn output_keeps_lines_and_tabs_and_strips_the_rest() {
        let s = for_output("a\tb\r\nc\x1b]0;title\x07d\u{202E}e\u{85}f");
        assert_eq!(s, "a\tb\nc␛]0;title␇de�f");
        let big = for_output(&"x".repeat(OUTPUT_LIMIT + 10));
        assert!(big.len() < OUTPUT_LIMIT + 40 && big.ends_with("(+10 bytes)"));
    }

    #[test]
    fn megabyte_strings_are_capped() {
        let big = "x".repeat(2_000_000);
        let s = SafeText::line(&big);
        assert!(s.as_str().len() < LINE_LIMIT + 40);
        assert!(s.as_str().ends_with("bytes)"));
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let s = SafeText::line_from_bytes(b"ok\xff\xfeend");
        assert_eq!(s.as_str(), "ok\u{FFFD}\u{FFFD}end");
    }

    proptest::proptest! {
        #[test]
        fn never_emits_controls(raw in proptest::prelude::any::<String>()) {
            let s = SafeText::line(&raw);
            proptest::prop_assert!(!s.as_str().chars().any(|c| c.is_control()));
            proptest::prop_assert!(!s.as_str().chars().any(is_invisible_trick));
        }
    }
}
