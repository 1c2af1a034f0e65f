//! What the Audit tab asks the runner for and what comes back: `tui::update::audit` makes the
//! effects and applies the answers, `tui::runner` runs the effects.

use crate::model::AuditEntry;
use crate::rules::search::Search;

/// Answers for the Audit tab: a [`crate::tui::msg::Msg::Audit`].
#[derive(Debug)]
pub enum AuditMsg {
    /// Audit rows arrived.
    Loaded {
        /// The generation it was asked for.
        generation: u64,
        /// The rows or why not.
        result: Result<Vec<AuditEntry>, String>,
    },
}

/// Work for the Audit tab: a [`crate::tui::effect::Effect::Audit`].
#[derive(Clone, Debug, PartialEq)]
pub enum AuditEffect {
    /// Load audit rows.
    Load {
        /// Generation to tag the answer with.
        generation: u64,
        /// What narrows the log.
        search: Search,
    },
}
