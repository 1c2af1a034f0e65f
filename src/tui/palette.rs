//! The `:` palette's entries: the commands that take an argument, then the registry's.

use crate::tui::commands;

/// Palette entries that take an argument.
pub const ARG_COMMANDS: &[(&str, &str)] = &[
    ("portal", "portal MEMBER_ID|DOMAIN — open a portal's view"),
    ("member", "member MEMBER_ID|DOMAIN — calls of one portal"),
    ("filter", "filter TEXT — filter the calls (same as /)"),
    ("import", "import FILE — import Marketplace reviews from a CSV or JSON file"),
    (
        "incident",
        "incident [[minor|major|critical] [member:ID …] TITLE] — show the incident's timeline and record; with a title, declare one",
    ),
    ("note", "note TEXT — add a note to the open incident's timeline"),
    ("resolve-incident", "resolve-incident SUMMARY — resolve the open incident and keep its Markdown record"),
];

/// Palette suggestions for `text`: (name, description), best first.
pub fn suggestions(text: &str, read_only: bool) -> Vec<(&'static str, &'static str)> {
    let word = text.split_whitespace().next().unwrap_or("").to_lowercase();
    let mut seen = Vec::new();
    let mut out = Vec::new();
    let arg = ARG_COMMANDS.iter().map(|(n, d)| (*n, *d));
    let plain = commands::REGISTRY.iter().filter(|s| !(read_only && s.writes)).map(|s| (s.name, s.description));
    for (name, desc) in arg.chain(plain) {
        if seen.contains(&name) {
            continue;
        }
        if word.is_empty() || name.starts_with(&word) {
            seen.push(name);
            out.push((name, desc));
        }
    }
    let allowed = commands::REGISTRY.iter().filter(|s| !(read_only && s.writes));
    for (name, desc) in allowed.map(|s| (s.name, s.description)) {
        if !word.is_empty() && !seen.contains(&name) && name.contains(&word) {
            seen.push(name);
            out.push((name, desc));
        }
    }
    out
}
