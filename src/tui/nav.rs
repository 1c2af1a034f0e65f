//! Where the operator has been: the back stack Esc walks, and the row a jump is still looking for
//! while the tab it leads to loads. Plain data, changed only by `update`.

use super::screen::Screen;
use crate::model::MemberId;
use crate::rules::call_filter::CallFilter;

/// At most this many places are remembered; the oldest is forgotten first.
pub const BACK_DEPTH: usize = 32;

/// The Calls tab as it was left: its filter, whether it followed the tail, the call selected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallsSpot {
    /// The filter.
    pub filter: CallFilter,
    /// Following the live tail.
    pub follow: bool,
    /// The selected call's id.
    pub selected_id: Option<i64>,
}

/// A screen as it was when a jump left it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// The screen left.
    pub screen: Screen,
    /// The screen the jump led to; Esc goes back only from there.
    pub to: Screen,
    /// The selected row (an index into that tab's rows, or the Alerts tab's lines).
    pub selected: usize,
    /// The Calls tab's filter and selection, when the screen left is Calls.
    pub calls: Option<CallsSpot>,
    /// The portal shown, when the screen left is the portal view.
    pub portal: Option<MemberId>,
}

/// The row a jump selects once its tab's rows are here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A ticket by id.
    Ticket(i64),
    /// A review by id.
    Review(i64),
    /// A portal's row on the Tokens tab.
    Token(MemberId),
    /// A call by id on the Calls tab.
    Call(i64),
}

/// A jump waiting for its tab's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seek {
    /// The tab.
    pub screen: Screen,
    /// Answers to loads older than this one are not the rows the jump asked for.
    pub generation: u64,
    /// What to select.
    pub target: Target,
}

/// The back stack and a pending jump.
#[derive(Clone, Debug, Default)]
pub struct NavState {
    /// Places to go back to, newest last.
    pub stack: Vec<Place>,
    /// A jump still waiting for its rows.
    pub seek: Option<Seek>,
    /// Set when the last key changed screens by a tab key or Esc, which are not jumps.
    pub plain: bool,
}
