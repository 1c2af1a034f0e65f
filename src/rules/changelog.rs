//! The official REST documentation's changelog (`whats-new.md`), read into dated entries.
//!
//! The format, as the English (github.com/bitrix24/b24restdocs) and Russian
//! (github.com/bitrix-tools/b24-rest-docs) repositories publish it at their root:
//!
//! ```text
//! # What's New?            | # Что нового?
//! ## 2026                  | ## 2026
//! ### August 20, 2026      | ### 20 августа, 2026
//! - Added the method [disk.file.search](./api-reference/disk/file/disk-file-search.md)
//! ```
//!
//! A date heading may also name a month only (`### August 2024`, `### Август, 2024`). Every bullet
//! (with its indented continuation lines) or paragraph under a date heading is one entry. Text is
//! untrusted: it is sanitized, an entry under a heading that is not a date is named as bad (with its
//! line) and every other entry is kept.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::SafeText;

/// The longest changelog read (bytes); a bigger file is cut here and said so.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;

/// What an entry says happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A method or section was switched off or taken out of the docs.
    Removed,
    /// Something was deprecated, or the entry concerns the docs' `outdated/` sections.
    Deprecated,
    /// Anything else: added, updated, described.
    Other,
}

/// A link in an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Its text, sanitized.
    pub text: String,
    /// A page of the documentation, relative to its root, without `./` or an `#anchor`; or an
    /// `http(s)` address.
    pub target: String,
}

/// One dated changelog entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The day of its heading (the 1st for a month-only heading).
    pub date: NaiveDate,
    /// The line it starts on (1-based).
    pub line: usize,
    /// Its text, one sanitized line, markdown links shown as their text.
    pub text: String,
    /// Method names, families (`crm.item.*`) and event names it mentions, as written.
    pub names: Vec<String>,
    /// Its links to documentation pages and elsewhere.
    pub links: Vec<Link>,
    /// Names documented under the sections it links, filled in when a documentation checkout was
    /// read (families as `prefix.*`).
    #[serde(default)]
    pub section_names: Vec<String>,
    /// What it says happened.
    pub kind: EntryKind,
}

/// Something in the changelog that could not be read as it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The line (1-based).
    pub line: usize,
    /// Why, one line.
    pub reason: String,
    /// The start of the text concerned, sanitized.
    pub text: String,
}

/// A changelog read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changelog {
    /// The entries, in file order (newest first in the docs).
    pub entries: Vec<Entry>,
    /// Entries dropped and links ignored, each named.
    pub problems: Vec<Problem>,
}

impl Changelog {
    /// The newest entry date.
    pub fn newest(&self) -> Option<NaiveDate> {
        self.entries.iter().map(|e| e.date).max()
    }
}

const EN_MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
/// Russian month names in the genitive (`20 августа`) and their nominative stems (`Август`).
const RU_MONTHS: [(&str, &str); 12] = [
    ("января", "январ"),
    ("февраля", "феврал"),
    ("марта", "март"),
    ("апреля", "апрел"),
    ("мая", "ма"),
    ("июня", "июн"),
    ("июля", "июл"),
    ("августа", "август"),
    ("сентября", "сентябр"),
    ("октября", "октябр"),
    ("ноября", "ноябр"),
    ("декабря", "декабр"),
];

fn month_number(word: &str) -> Option<u32> {
    let w = word.to_lowercase();
    let en = EN_MONTHS.iter().position(|m| *m == w || (w.len() >= 3 && m.starts_with(&w) && w.is_ascii()));
    let ru = || {
        RU_MONTHS.iter().position(|(genitive, stem)| {
            *genitive == w || w.strip_prefix(stem).is_some_and(|rest| matches!(rest, "" | "ь" | "й" | "т"))
        })
    };
    en.or_else(ru).and_then(|i| u32::try_from(i + 1).ok())
}

/// The date of a heading such as `August 20, 2026`, `20 августа, 2026`, `August 2024` or
/// `Август, 2024`.
pub fn parse_date(heading: &str) -> Option<NaiveDate> {
    let words: Vec<&str> = heading.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).collect();
    let num = |w: &str| w.parse::<u32>().ok();
    let year = |w: &str| w.parse::<i32>().ok().filter(|y| (2000..=2100).contains(y));
    let (y, m, d) = match words.as_slice() {
        [a, b, c] if num(a).is_some() => (year(c)?, month_number(b)?, num(a)?),
        [a, b, c] => (year(c)?, month_number(a)?, num(b)?),
        [a, b] => (year(b)?, month_number(a)?, 1),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Whether `s` reads as a REST method name, a family (`crm.item.*`) or an event name.
pub fn is_api_name(s: &str) -> bool {
    let body = s.strip_suffix(".*").or_else(|| s.strip_suffix('*')).unwrap_or(s);
    let word = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let starts_alpha = body.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if !starts_alpha || body.len() > 120 {
        return false;
    }
    if body.contains('.') {
        return body.split('.').all(word);
    }
    let event = body.len() > 4 && (body.starts_with("on") || body.starts_with("ON") || body.starts_with("On"));
    event && word(body) && body.chars().nth(2).is_some_and(|c| c.is_ascii_uppercase())
}

/// A link target made relative to the documentation root, or `None` for one that is neither a
/// documentation page nor an `http(s)` address (or climbs out of the documentation).
pub fn normalize_target(target: &str) -> Option<String> {
    let t = target.trim();
    if t.starts_with("https://") || t.starts_with("http://") {
        return (!t.chars().any(char::is_whitespace)).then(|| t.to_owned());
    }
    let path = t.split('#').next().unwrap_or("");
    if path.contains(':') || path.starts_with('/') || !(path.ends_with(".md") || path.ends_with('/')) {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let ok = parts.iter().all(|p| p.chars().all(|c| c.is_alphanumeric() || "-_.".contains(c)));
    (ok && !parts.is_empty()).then(|| parts.join("/"))
}

/// The markdown links in `text` as (link text, raw target), and the text with each link shown as
/// its text.
fn split_links(text: &str) -> (Vec<(String, String)>, String) {
    let mut links = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        plain.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let parsed = after.find("](").and_then(|close| {
            let tail = &after[close + 2..];
            tail.find(')').map(|end| (&after[..close], &tail[..end], &tail[end + 1..]))
        });
        match parsed {
            Some((label, target, tail)) if !label.contains('[') => {
                plain.push_str(label);
                links.push((label.to_owned(), target.to_owned()));
                rest = tail;
            }
            _ => {
                plain.push('[');
                rest = after;
            }
        }
    }
    plain.push_str(rest);
    (links, plain)
}

fn names_in(label: &str, plain: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        let s = s.trim().trim_matches('`');
        if is_api_name(s) && !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    };
    push(label);
    for (i, span) in plain.split('`').enumerate() {
        if i % 2 == 1 {
            push(span);
        }
    }
    out
}

const REMOVED_WORDS: [&str; 7] = ["removed", "no longer", "switched off", "удалил", "убрал", "отключ", "больше не"];
const DEPRECATED_WORDS: [&str; 9] =
    ["deprecat", "outdated", "halted", "discontinued", "obsolete", "устар", "остановл", "прекращ", "не развива"];

fn kind_of(plain: &str, links: &[Link]) -> EntryKind {
    let lower = plain.to_lowercase();
    if REMOVED_WORDS.iter().any(|w| lower.contains(w)) {
        EntryKind::Removed
    } else if DEPRECATED_WORDS.iter().any(|w| lower.contains(w))
        || links.iter().any(|l| l.target.split('/').any(|s| s == "outdated"))
    {
        EntryKind::Deprecated
    } else {
        EntryKind::Other
    }
}

fn snippet(raw: &str) -> String {
    let s = SafeText::line(raw.trim());
    crate::model::ellipsize(s.as_str(), 80)
}

/// Turns one entry's raw markdown into an [`Entry`], naming the links it had to ignore.
fn entry(date: NaiveDate, line: usize, raw: &str, problems: &mut Vec<Problem>) -> Entry {
    let (raw_links, plain) = split_links(raw);
    let mut links = Vec::new();
    let mut names = Vec::new();
    for (raw_label, target) in &raw_links {
        let label = SafeText::line(raw_label).as_str().to_owned();
        match normalize_target(target) {
            Some(t) => links.push(Link { text: label, target: t }),
            None => problems.push(Problem {
                line,
                reason: format!("unknown link target {:?} ignored", snippet(target)),
                text: snippet(raw),
            }),
        }
        // From the raw label: sanitizing must not turn a disguised name into a real one.
        for n in names_in(raw_label, "") {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    for n in names_in("", &plain) {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let kind = kind_of(&plain, &links);
    Entry {
        date,
        line,
        text: SafeText::line(plain.trim()).as_str().to_owned(),
        names,
        links,
        section_names: vec![],
        kind,
    }
}

/// The current heading: a date, or the text of one that is not a date.
type Heading = Result<NaiveDate, String>;

/// Ends the entry being read: kept under a dated heading, named as a problem otherwise.
fn flush(pending: &mut Option<(usize, String)>, heading: Option<&Heading>, out: &mut Changelog) {
    let Some((line, raw)) = pending.take() else { return };
    match heading {
        Some(Ok(date)) => {
            let e = entry(*date, line, &raw, &mut out.problems);
            out.entries.push(e);
        }
        Some(Err(h)) => out.problems.push(Problem {
            line,
            reason: format!("under a heading that is not a date ({})", snippet(h)),
            text: snippet(&raw),
        }),
        None => out.problems.push(Problem { line, reason: "before any dated heading".into(), text: snippet(&raw) }),
    }
}

/// Reads a changelog. Never fails: what cannot be read is named in [`Changelog::problems`].
pub fn parse(text: &str) -> Changelog {
    let mut out = Changelog::default();
    let text = if text.len() > MAX_BYTES {
        let mut cut = MAX_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        out.problems.push(Problem {
            line: text[..cut].lines().count(),
            reason: format!("the changelog is over {} MiB; the rest was not read", MAX_BYTES / (1024 * 1024)),
            text: String::new(),
        });
        &text[..cut]
    } else {
        text
    };
    let mut heading: Option<Heading> = None;
    let mut pending: Option<(usize, String)> = None;
    for (i, raw_line) in text.lines().enumerate() {
        let n = i + 1;
        let trimmed = raw_line.trim();
        if let Some(h) = trimmed.strip_prefix("### ") {
            flush(&mut pending, heading.as_ref(), &mut out);
            heading = Some(parse_date(h).ok_or_else(|| h.to_owned()));
        } else if trimmed.starts_with('#') {
            flush(&mut pending, heading.as_ref(), &mut out);
            if !trimmed.starts_with("# ") {
                heading = None;
            }
        } else if trimmed.is_empty() {
            flush(&mut pending, heading.as_ref(), &mut out);
        } else if let Some(b) = trimmed.strip_prefix("- ").or_else(|| trimmed.strip_prefix("* ")) {
            // An indented bullet continues the entry above it.
            if raw_line.starts_with(' ')
                && let Some((_, p)) = pending.as_mut()
            {
                p.push(' ');
                p.push_str(b);
                continue;
            }
            flush(&mut pending, heading.as_ref(), &mut out);
            pending = Some((n, b.to_owned()));
        } else if let Some((_, p)) = pending.as_mut() {
            p.push(' ');
            p.push_str(trimmed);
        } else {
            pending = Some((n, trimmed.to_owned()));
        }
    }
    flush(&mut pending, heading.as_ref(), &mut out);
    out
}

#[cfg(test)]
#[path = "changelog_tests.rs"]
mod tests;
