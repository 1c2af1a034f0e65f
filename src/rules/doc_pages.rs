//! Pages of the official REST documentation: the method a page documents (the last word of its
//! first heading, as in `# Conduct Warehouse Accounting Document catalog.document.confirm`), and
//! whether it is marked deprecated.
//!
//! The docs (github.com/bitrix24/b24restdocs, github.com/bitrix-tools/b24-rest-docs) carry no front
//! matter; a deprecated page has a warning notice near the top whose title says so and whose body
//! links the replacement:
//!
//! ```text
//! {% note warning "DEPRECATED" %}
//! The development of this method has been halted. Please use [catalog.document.conduct](../catalog-document-conduct.md).
//! {% endnote %}
//! ```
//!
//! Titles seen: `DEPRECATED`, `Deprecated method`, `Event development has been halted`
//! (Russian: `Устаревший метод`, `Развитие события остановлено`). Overview pages that mark a whole
//! family (`Method Development Has Been Discontinued`) name no single method and are not listed.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use super::changelog::is_api_name;
use super::deprecations::Deprecation;

/// The longest page read (bytes); the marker sits near the top.
pub const PAGE_BYTES: usize = 256 * 1024;

const MARKER_TITLES: [&str; 7] = [
    "deprecated",
    "development has been halted",
    "has been discontinued",
    "устаревш",
    "развитие метода остановлено",
    "развитие события остановлено",
    "развитие методов остановлено",
];

/// The method or event a page documents: the last name in its first `# ` heading.
pub fn documented_name(page: &str) -> Option<&str> {
    let h1 = page.lines().find_map(|l| l.strip_prefix("# "))?;
    // Usually the last word (`… catalog.document.confirm`), sometimes inside the title
    // (`Add the imbot.command.register Command`).
    h1.split_whitespace().rev().map(|w| w.trim_matches('`')).find(|w| is_api_name(w) && !w.ends_with('*'))
}

/// The body of the first warning notice whose title marks deprecation.
fn marker_body(page: &str) -> Option<&str> {
    let mut rest = page;
    while let Some(at) = rest.find("{% note ") {
        let after = &rest[at + 8..];
        let head_end = after.find("%}")?;
        let head = after[..head_end].to_lowercase();
        let body_start = &after[head_end + 2..];
        let body = &body_start[..body_start.find("{% endnote %}").unwrap_or(body_start.len())];
        if head.starts_with("warning") && MARKER_TITLES.iter().any(|t| head.contains(t)) {
            return Some(body);
        }
        rest = body_start;
    }
    None
}

/// The deprecation a page declares, with the replacements its notice links (`doc_page` is the
/// page's path in the docs, as given).
pub fn deprecation(doc_page: &str, page: &str) -> Option<Deprecation> {
    let mut cut = page.len().min(PAGE_BYTES);
    while !page.is_char_boundary(cut) {
        cut -= 1;
    }
    let page = &page[..cut];
    let name = documented_name(page)?;
    let body = marker_body(page)?;
    let mut replacements: Vec<String> = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else { break };
        let label = after[..close].trim().trim_matches('`').trim();
        // Every link of the notice names a replacement: a method, a family or a section
        // (`Universal methods for invoices`), as the docs word it.
        if after[close + 1..].starts_with('(')
            && !label.is_empty()
            && !label.contains(['\n', '|', '\t'])
            && !label.eq_ignore_ascii_case(name)
            && !replacements.iter().any(|r| r == label)
        {
            replacements.push(label.to_owned());
        }
        rest = &after[close + 1..];
    }
    Some(Deprecation { method: name.to_lowercase(), replacements, doc_page: doc_page.to_owned() })
}

/// The display name a TSV keeps (the page's own spelling), keyed lower-case.
pub type DeprecationList = BTreeMap<String, (String, Deprecation)>;

/// A list from pages read as (path, name as written, deprecation).
pub fn list_of(found: impl IntoIterator<Item = (String, Deprecation)>) -> DeprecationList {
    found.into_iter().map(|(written, d)| (d.method.clone(), (written, d))).collect()
}

/// The list as the shipped TSV is written (so the same parser reads it back).
pub fn to_tsv(list: &DeprecationList, source: &str) -> String {
    let mut out = format!(
        "# Bitrix24 REST methods and events marked deprecated in the REST documentation, rebuilt from {}.\n\
         # Columns: deprecated name, suggested replacement (| separates alternatives; empty = none named), documentation page.\n\
         deprecated\treplacement\tdoc_page\n",
        source.replace(['\n', '\r', '\t'], " ")
    );
    for (written, d) in list.values() {
        let _ = writeln!(out, "{written}\t{}\t{}", d.replacements.join("|"), d.doc_page);
    }
    out
}

/// What changed between two lists.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ListDiff {
    /// Newly deprecated: name and replacements.
    pub added: Vec<(String, Vec<String>)>,
    /// No longer marked (or their page is gone).
    pub dropped: Vec<String>,
    /// Replacements changed: name, before, after.
    pub changed: Vec<(String, Vec<String>, Vec<String>)>,
}

impl ListDiff {
    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.dropped.is_empty() && self.changed.is_empty()
    }
}

/// The difference from `old` (keyed lower-case) to `new`; replacements compare case-insensitively.
pub fn diff(old: &HashMap<String, Deprecation>, new: &HashMap<String, Deprecation>) -> ListDiff {
    let lower = |v: &[String]| v.iter().map(|s| s.to_lowercase()).collect::<Vec<_>>();
    let mut d = ListDiff::default();
    for (k, n) in new {
        match old.get(k) {
            None => d.added.push((k.clone(), n.replacements.clone())),
            Some(o) if lower(&o.replacements) != lower(&n.replacements) => {
                d.changed.push((k.clone(), o.replacements.clone(), n.replacements.clone()))
            }
            Some(_) => {}
        }
    }
    d.dropped = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();
    d.added.sort();
    d.dropped.sort();
    d.changed.sort();
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::deprecations::parse;

    const DEPRECATED: &str = "# Confirm a Thing catalog.thing.confirm\n\n{% note tip \"\" %}\n\nUse [the MCP server](../mcp.md).\n\n{% endnote %}\n\n\
        {% note warning \"DEPRECATED\" %}\n\nDevelopment of this method has been halted. Use [catalog.thing.conduct](./catalog-thing-conduct.md), \
        [catalog.thing.Run](./run.md) or [catalog.todo.*](./todo/index.md), not [catalog.thing.confirm](./x.md).\n\n{% endnote %}\n\nThe method `catalog.thing.confirm` confirms.\n";

    #[test]
    fn a_marked_page_names_its_method_and_replacements() {
        let d = deprecation("api-reference/catalog/outdated/catalog-thing-confirm.md", DEPRECATED).unwrap();
        assert_eq!(d.method, "catalog.thing.confirm");
        assert_eq!(d.replacements, vec!["catalog.thing.conduct", "catalog.thing.Run", "catalog.todo.*"]);
        let current = DEPRECATED.replace("{% note warning \"DEPRECATED\" %}", "{% note info \"Good to know\" %}");
        assert_eq!(deprecation("x.md", &current), None, "an info note is no marker");
        let overview = DEPRECATED.replace("catalog.thing.confirm\n", "Overview of Methods\n");
        assert_eq!(deprecation("x.md", &overview), None, "an overview page names no method");
    }

    #[test]
    fn russian_titles_and_events_count() {
        let ru = "# Событие onCrmThingAdd\n\n{% note warning \"Развитие события остановлено\" %}\n\n\
                  Есть аналог [CATALOG.THING.ON.ADD](../on-add.md).\n\n{% endnote %}\n";
        let d = deprecation("p.md", ru).unwrap();
        assert_eq!((d.method.as_str(), d.replacements.clone()), ("oncrmthingadd", vec!["CATALOG.THING.ON.ADD".into()]));
    }

    #[test]
    fn the_tsv_reads_back_and_the_diff_names_each_change() {
        let new = list_of([
            ("catalog.thing.confirm".to_owned(), deprecation("a.md", DEPRECATED).unwrap()),
            (
                "imbot.Old".to_owned(),
                Deprecation { method: "imbot.old".into(), replacements: vec![], doc_page: "b.md".into() },
            ),
        ]);
        let back = parse(&to_tsv(&new, "a checkout\tat /tmp"));
        assert_eq!(back.len(), 2);
        assert_eq!(back["catalog.thing.confirm"].replacements.len(), 3);
        let old = parse("h\th\th\ncatalog.thing.confirm\tcatalog.thing.conduct\ta.md\ngone.method\t\tc.md\n");
        let d = diff(&old, &back);
        assert_eq!(d.added, vec![("imbot.old".to_owned(), vec![])]);
        assert_eq!(d.dropped, vec!["gone.method"]);
        assert_eq!(d.changed.len(), 1);
        assert!(diff(&back, &back).is_empty());
    }
}
