//! The documented REST method catalogue (`assets/rest-methods.txt`, taken from the official docs'
//! api-reference pages): a portal knows these even where the emulator has no handler.

use std::collections::HashSet;
use std::sync::OnceLock;

const LIST: &str = include_str!("../../assets/rest-methods.txt");

fn all() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| LIST.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect())
}

/// Whether the docs document `method` (lower-case, as the server reads it).
pub fn documents(method: &str) -> bool {
    all().contains(method)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_holds_documented_methods_only() {
        assert!(all().len() > 1000, "{}", all().len());
        assert!(documents("crm.item.list") && documents("event.offline.get") && documents("landing.site.update"));
        assert!(!documents("crm.nonsense.get"));
        assert!(!documents("# documented"), "comments are not methods");
        assert!(all().iter().all(|m| m.contains('.') && *m == m.to_lowercase()));
    }
}
