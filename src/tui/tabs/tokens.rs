//! What the Tokens tab asks the runner for and what comes back: `tui::update::tokens` makes the
//! effects and applies the answers, `tui::runner` runs the effects.

use crate::model::MemberId;
use crate::rules::search::Search;
use crate::services::diagnose::Diagnosis;
use crate::services::notify::{Notice, Notified};
use crate::services::tokens::{RefreshOutcome, TokenBoard};

/// Answers for the Tokens tab: a [`crate::tui::msg::Msg::Tokens`].
// A message is moved once, from the runner's channel into `update`; `Msg` was as large before
// the split, when these lived in it.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum TokensMsg {
    /// The Tokens board arrived.
    Loaded {
        /// The generation it was asked for.
        generation: u64,
        /// The board or why not.
        result: Result<TokenBoard, String>,
    },
    /// One portal's refresh finished.
    Refreshed {
        /// The portal.
        member_id: MemberId,
        /// What came of it.
        result: Result<RefreshOutcome, String>,
    },
    /// A refresh of many portals advanced: done, total, alive.
    RefreshRunProgress(usize, usize, usize),
    /// A refresh of many portals finished: (alive, total) or why it stopped.
    RefreshRunDone(Result<(usize, usize), String>),
    /// A diagnosis arrived.
    Diagnosed {
        /// The portal.
        member_id: MemberId,
        /// The diagnosis or why not.
        result: Result<Diagnosis, String>,
    },
    /// An admin notice was prepared (or why not): shown before anything is sent.
    NoticePrepared {
        /// The portal.
        member_id: MemberId,
        /// The notice or why there is none.
        result: Result<Notice, String>,
    },
    /// A notification went out (or not).
    Notified {
        /// The portal.
        member_id: MemberId,
        /// What was sent or why not.
        result: Result<Notified, String>,
    },
}

/// Work for the Tokens tab: a [`crate::tui::effect::Effect::Tokens`].
#[derive(Clone, Debug, PartialEq)]
pub enum TokensEffect {
    /// Load the Tokens board.
    Load {
        /// Generation to tag the answer with.
        generation: u64,
        /// What narrows the board.
        search: Search,
    },
    /// Refresh one portal's tokens.
    Refresh(MemberId),
    /// Refresh every live portal within `days` of token death, paced, reporting progress.
    RefreshExpiring {
        /// The window.
        days: i64,
    },
    /// Diagnose a portal.
    Diagnose(MemberId),
    /// Prepare the notice for a portal's admin (sends nothing).
    PrepareNotice(MemberId),
    /// Send a prepared notice as it was shown.
    NotifyAdmin(Notice),
}
