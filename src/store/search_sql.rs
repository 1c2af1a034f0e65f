//! The shared `/` filter ([`Search`]) as SQL: the portal piece through the portal source (so a
//! mapped token table is searched too), each free word in one of a table's text columns or its
//! portal. Every statement that uses it keeps its own `LIMIT`.

use super::Store;
use super::dialect::like_escape;
use crate::rules::search::Search;

impl Store {
    /// Conditions (to join with `AND`) and their binds, in order, for `s` on a table whose portal
    /// is `member_col` and whose searchable text is `text_cols`.
    pub(crate) fn search_where(&self, s: &Search, member_col: &str, text_cols: &[&str]) -> (Vec<String>, Vec<String>) {
        let mut wh = Vec::new();
        let mut binds = Vec::new();
        if let Some(piece) = &s.portal {
            let (clause, pats) = self.piece_clause(member_col, piece);
            wh.push(clause);
            binds.extend(pats);
        }
        for word in &s.words {
            let text = format!("%{}%", like_escape(&word.to_lowercase()));
            let mut any: Vec<String> = text_cols.iter().map(|c| format!("LOWER({c}) LIKE ? ESCAPE '!'")).collect();
            binds.extend(text_cols.iter().map(|_| text.clone()));
            let (portal, pats) = self.piece_clause(member_col, word);
            any.push(portal);
            binds.extend(pats);
            wh.push(format!("({})", any.join(" OR ")));
        }
        (wh, binds)
    }
}
