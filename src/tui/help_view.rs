//! The `?` help overlay's state: where it was opened (that screen's keys come first), the
//! scroll, and a search that narrows it to matching lines.

use super::screen::Screen;

/// The help overlay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelpView {
    /// The screen help was opened on.
    pub screen: Screen,
    /// First line shown.
    pub scroll: u16,
    /// Only lines containing this (any case); empty: every line.
    pub query: String,
    /// `/` was pressed: keys type into the query.
    pub searching: bool,
}

impl HelpView {
    /// Help as opened on `screen`.
    pub fn new(screen: Screen) -> Self {
        HelpView { screen, scroll: 0, query: String::new(), searching: false }
    }
}
