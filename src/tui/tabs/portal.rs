//! What the Portal view asks the runner for and what comes back: `tui::update::portal` makes the
//! effects and applies the answers, `tui::runner` runs the effects.

use chrono::{DateTime, Utc};

use crate::services::overview::{PortalOverview, PortalRef};

/// Answers for the Portal view: a [`crate::tui::msg::Msg::Portal`].
#[derive(Debug)]
pub enum PortalMsg {
    /// A portal overview arrived (`None`: no such portal).
    Loaded {
        /// The generation it was asked for.
        generation: u64,
        /// The overview or why not.
        result: Result<Option<PortalOverview>, String>,
    },
}

/// Work for the Portal view: a [`crate::tui::effect::Effect::Portal`].
#[derive(Clone, Debug, PartialEq)]
pub enum PortalEffect {
    /// Load a portal overview.
    Load {
        /// Generation to tag the answer with.
        generation: u64,
        /// Which portal.
        who: PortalRef,
        /// As of when.
        now: DateTime<Utc>,
    },
}
