//! What the Calls tab asks the runner for and what comes back: `tui::update::calls` makes the
//! effects and applies the answers, `tui::runner` runs the effects.

use crate::model::ApiCall;
use crate::rules::call_filter::CallFilter;
use crate::store::{CallPage, PageDirection};

/// Answers for the Calls tab: a [`crate::tui::msg::Msg::Calls`].
#[derive(Debug)]
pub enum CallsMsg {
    /// A page of calls arrived.
    Loaded {
        /// The generation it was asked for.
        generation: u64,
        /// Which page.
        dir: PageDirection,
        /// The page or why not.
        result: Result<CallPage, String>,
    },
    /// A call's full detail arrived.
    Detail {
        /// The call asked for.
        id: i64,
        /// The call or why not.
        result: Result<Option<ApiCall>, String>,
    },
}

/// Work for the Calls tab: a [`crate::tui::effect::Effect::Calls`].
#[derive(Clone, Debug, PartialEq)]
pub enum CallsEffect {
    /// Load a page of calls.
    Load {
        /// Generation to tag the answer with.
        generation: u64,
        /// The filter.
        filter: CallFilter,
        /// Which page.
        dir: PageDirection,
    },
    /// Load one call's detail.
    LoadDetail(i64),
}
