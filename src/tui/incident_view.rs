//! The Incidents view's state: the open (or last) incident's sheet as loaded, and the scroll.

use super::loadable::Loadable;
use crate::services::incident_record::Sheet;

/// The Incidents view.
#[derive(Clone, Debug, Default)]
pub struct IncidentView {
    /// The incident shown; `Ready(None)` when there has never been one.
    pub sheet: Loadable<Option<Box<Sheet>>>,
    /// Answers for older loads are dropped.
    pub generation: u64,
    /// First timeline line shown.
    pub scroll: u16,
}
