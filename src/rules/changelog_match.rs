//! Which changelog entries touch the app: those naming a method it called, a family it called a
//! member of (`crm.item.*`), a method page of one, or a section documenting one; listed first,
//! the deprecated and removed first among them.

use chrono::NaiveDate;
use serde::Serialize;

use super::changelog::{Entry, EntryKind};

/// An entry as the weekly check lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Listed {
    /// The entry.
    pub entry: Entry,
    /// The app's methods it touches, with their calls in the window, most called first.
    pub touches: Vec<(String, i64)>,
}

impl Listed {
    /// One line for a report: date, kind, what it touches, its text.
    pub fn line(&self) -> String {
        let kind = match self.entry.kind {
            EntryKind::Removed => "REMOVED ",
            EntryKind::Deprecated => "DEPRECATED ",
            EntryKind::Other => "",
        };
        let touches = if self.touches.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = self.touches.iter().take(3).map(|(m, n)| format!("{m} ×{n}")).collect();
            let more = self.touches.len().saturating_sub(3);
            let more = if more > 0 { format!(" +{more}") } else { String::new() };
            format!("[app calls {}{more}] ", names.join(", "))
        };
        format!("{} {kind}{touches}{}", self.entry.date.format("%Y-%m-%d"), self.entry.text)
    }
}

/// The page-file name the docs give a method: `imbot.chat.sendTyping` → `imbot-chat-send-typing`.
pub fn page_slug(method: &str) -> String {
    let mut out = String::new();
    for c in method.chars() {
        match c {
            '.' | '_' => out.push('-'),
            c if c.is_ascii_uppercase() => {
                if !out.is_empty() && !out.ends_with('-') {
                    out.push('-');
                }
                out.push(c.to_ascii_lowercase());
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether a name from the changelog (a method, `family.*` or `prefix*`) covers `method`.
/// Both compare case-insensitively.
pub fn covers(name: &str, method: &str) -> bool {
    let (name, method) = (name.to_lowercase(), method.to_lowercase());
    if let Some(prefix) = name.strip_suffix(".*") {
        method.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('.'))
    } else if let Some(prefix) = name.strip_suffix('*') {
        method.starts_with(prefix)
    } else {
        name == method
    }
}

fn page_stem(target: &str) -> Option<&str> {
    if target.starts_with("http") {
        return None;
    }
    target.rsplit('/').next().and_then(|f| f.strip_suffix(".md"))
}

/// The app's methods `entry` touches.
pub fn touches(entry: &Entry, called: &[(String, i64)]) -> Vec<(String, i64)> {
    let stems: Vec<&str> = entry.links.iter().filter_map(|l| page_stem(&l.target)).collect();
    let mut out: Vec<(String, i64)> = called
        .iter()
        .filter(|(m, _)| {
            entry.names.iter().chain(&entry.section_names).any(|n| covers(n, m)) || {
                let slug = page_slug(m);
                let flat = m.to_lowercase().replace('.', "-");
                stems.iter().any(|s| s.eq_ignore_ascii_case(&slug) || s.eq_ignore_ascii_case(&flat))
            }
        })
        .cloned()
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// The entries after `since` (all with none), those touching the app first, the removed and
/// deprecated first among them, then newest first.
pub fn list(entries: &[Entry], since: Option<NaiveDate>, called: &[(String, i64)]) -> Vec<Listed> {
    let mut out: Vec<Listed> = entries
        .iter()
        .filter(|e| since.is_none_or(|s| e.date > s))
        .map(|e| Listed { entry: e.clone(), touches: touches(e, called) })
        .collect();
    out.sort_by(|a, b| {
        a.touches
            .is_empty()
            .cmp(&b.touches.is_empty())
            .then_with(|| a.entry.kind.cmp(&b.entry.kind))
            .then_with(|| b.entry.date.cmp(&a.entry.date))
            .then_with(|| a.entry.line.cmp(&b.entry.line))
    });
    out
}

/// The most names one section link adds to an entry.
pub const SECTION_NAMES: usize = 60;

/// Fills in [`Entry::section_names`] from a checkout's pages, given as (path, documented name):
/// a link to a method page adds that page's name, a link to a section (`…/index.md`) the
/// families (`crm.deal.*`) documented under its directory. A link to the docs' top level adds
/// nothing: it would touch everything.
pub fn resolve_sections(entries: &mut [Entry], pages: &[(String, String)]) {
    for e in entries.iter_mut() {
        let mut found: Vec<String> = Vec::new();
        for l in &e.links {
            if l.target.starts_with("http") {
                continue;
            }
            let dir =
                l.target.strip_suffix("index.md").or_else(|| l.target.strip_suffix('/').map(|_| l.target.as_str()));
            match dir {
                Some(dir) if dir.trim_end_matches('/').matches('/').count() >= 1 => {
                    let dir = format!("{}/", dir.trim_end_matches('/'));
                    let mut fams: Vec<String> = pages
                        .iter()
                        .filter(|(p, _)| p.starts_with(&dir))
                        .map(|(_, n)| match n.rsplit_once('.') {
                            Some((family, _)) => format!("{family}.*"),
                            None => n.clone(),
                        })
                        .collect();
                    fams.sort();
                    fams.dedup();
                    found.extend(fams.into_iter().take(SECTION_NAMES));
                }
                Some(_) => {}
                None => found.extend(pages.iter().filter(|(p, _)| *p == l.target).map(|(_, n)| n.clone())),
            }
        }
        found.sort();
        found.dedup();
        found.retain(|n| !e.names.contains(n));
        e.section_names = found;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::changelog::{Link, parse};

    fn called() -> Vec<(String, i64)> {
        vec![("crm.item.list".into(), 40), ("imbot.chat.sendtyping".into(), 3), ("user.current".into(), 9)]
    }

    #[test]
    fn families_prefixes_and_exact_names() {
        assert!(covers("crm.item.*", "crm.item.list"));
        assert!(!covers("crm.item.*", "crm.itemx.list"), "a family ends at a dot");
        assert!(covers("onCrmTypeUserField*", "ONCRMTYPEUSERFIELDADD"));
        assert!(covers("CRM.ITEM.LIST", "crm.item.list"));
        assert!(!covers("crm.item.list", "crm.item.listx"));
        assert_eq!(page_slug("imbot.chat.sendTyping"), "imbot-chat-send-typing");
    }

    #[test]
    fn a_method_page_link_touches_without_the_name_in_the_text() {
        let e = Entry {
            date: NaiveDate::from_ymd_opt(2026, 8, 3).unwrap(),
            line: 1,
            text: "Updated the page about typing".into(),
            names: vec![],
            links: vec![Link {
                text: "typing".into(),
                target: "api-reference/chat-bots/imbot-chat-send-typing.md".into(),
            }],
            section_names: vec![],
            kind: EntryKind::Other,
        };
        // The app's lower-cased call still finds the camel-case page through the flat slug.
        assert_eq!(touches(&e, &[("imbot.chat.send.typing".into(), 1)]).len(), 1);
        assert!(touches(&e, &called()).is_empty(), "imbot-chat-sendtyping is not the page's name");
    }

    #[test]
    fn a_section_link_touches_the_families_documented_under_it() {
        let mut log = parse(
            "### August 3, 2026\n\n- Updated [Deals](./api-reference/crm/deals/index.md)\n\
                             - Updated [a page](./api-reference/user/user-current.md)\n- Updated [all](./api-reference/index.md)\n",
        );
        let pages = vec![
            ("api-reference/crm/deals/crm-deal-list.md".to_owned(), "crm.deal.list".to_owned()),
            (
                "api-reference/crm/deals/products/crm-deal-productrows-get.md".to_owned(),
                "crm.deal.productrows.get".to_owned(),
            ),
            ("api-reference/crm/leads/crm-lead-add.md".to_owned(), "crm.lead.add".to_owned()),
            ("api-reference/user/user-current.md".to_owned(), "user.current".to_owned()),
        ];
        resolve_sections(&mut log.entries, &pages);
        assert_eq!(log.entries[0].section_names, vec!["crm.deal.*", "crm.deal.productrows.*"]);
        assert_eq!(log.entries[1].section_names, vec!["user.current"]);
        assert!(log.entries[2].section_names.is_empty(), "the top level touches nothing");
        assert_eq!(touches(&log.entries[0], &[("crm.deal.update".into(), 2), ("crm.lead.add".into(), 1)]).len(), 1);
    }

    #[test]
    fn touching_entries_come_first_and_deprecated_first_among_them() {
        let text = "### August 20, 2026\n\n- Added [user.access](./a/user-access.md)\n\
                    - Updated [crm.item.*](./api-reference/crm/universal/index.md)\n\n\
                    ### August 18, 2026\n\n- Deprecated `user.current`, use `user.get`\n\
                    - Added [disk.file.search](./api-reference/disk/file/disk-file-search.md)\n\n\
                    ### August 1, 2026\n\n- Updated [crm.item.add](./x/crm-item-add.md)\n";
        let log = parse(text);
        assert!(log.problems.is_empty(), "{:?}", log.problems);
        let listed = list(&log.entries, NaiveDate::from_ymd_opt(2026, 8, 10), &called());
        let lines: Vec<String> = listed.iter().map(Listed::line).collect();
        assert_eq!(lines.len(), 4, "the August 1 entry is before since: {lines:#?}");
        assert!(lines[0].starts_with("2026-08-18 DEPRECATED [app calls user.current ×9]"), "{}", lines[0]);
        assert!(lines[1].starts_with("2026-08-20 [app calls crm.item.list ×40]"), "{}", lines[1]);
        assert!(listed[2].touches.is_empty() && listed[2].entry.date.to_string() == "2026-08-20");
        assert_eq!(listed[3].entry.date.to_string(), "2026-08-18");
    }
}
