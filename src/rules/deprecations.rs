//! Deprecated Bitrix24 REST methods and their replacements.
//!
//! The list ships in `assets/deprecated-methods.tsv` (taken from the official REST documentation)
//! and is compiled into the binary.

use std::collections::HashMap;
use std::sync::OnceLock;

const TSV: &str = include_str!("../../assets/deprecated-methods.tsv");

/// A deprecated method and what to call instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deprecation {
    /// The deprecated method, lower case.
    pub method: String,
    /// Suggested replacements (may be empty).
    pub replacements: Vec<String>,
    /// The documentation page that says so.
    pub doc_page: String,
}

fn table() -> &'static HashMap<String, Deprecation> {
    static TABLE: OnceLock<HashMap<String, Deprecation>> = OnceLock::new();
    TABLE.get_or_init(|| parse(TSV))
}

/// Parses the TSV (comment lines start with `#`, the first other line is the header).
pub fn parse(tsv: &str) -> HashMap<String, Deprecation> {
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
        .filter_map(|l| {
            let mut cols = l.split('\t');
            let method = cols.next()?.trim().to_lowercase();
            let replacements = cols
                .next()
                .unwrap_or("")
                .split('|')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let doc_page = cols.next().unwrap_or("").trim().to_owned();
            Some((method.clone(), Deprecation { method, replacements, doc_page }))
        })
        .collect()
}

/// The list shipped in the binary, keyed lower-case (the fallback when no rebuilt list is stored).
pub fn shipped() -> &'static HashMap<String, Deprecation> {
    table()
}

/// The deprecation of `method`, if Bitrix24 deprecated it. Method names are case-insensitive.
pub fn lookup(method: &str) -> Option<&'static Deprecation> {
    table().get(&method.to_lowercase())
}

/// Every deprecated method name, sorted.
pub fn all_methods() -> Vec<&'static str> {
    let mut v: Vec<&str> = table().keys().map(String::as_str).collect();
    v.sort_unstable();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_loads_with_replacements() {
        assert!(all_methods().len() > 200);
        let d = lookup("catalog.document.confirm").unwrap();
        assert_eq!(d.replacements, vec!["catalog.document.conduct"]);
        assert!(lookup("CATALOG.DOCUMENT.CONFIRM").is_some());
        assert!(lookup("crm.item.list").is_none());
    }
}
