//! Everything known about one portal, gathered for the portal view and `b24ops portal --json`.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::model::{ApiCall, ErrorGroup, GroupBy, MemberId, Portal, ReviewBrief, TaskBrief, TicketBrief};
use crate::rules::call_filter::CallFilter;
use crate::rules::task_filter::TaskFilter;
use crate::rules::tokens::{TokenPolicy, TokenState};
use crate::store::{ErrorWindow, PageDirection, Store, StoreResult};

/// The portal view's data.
#[derive(Clone, Debug, Serialize)]
pub struct PortalOverview {
    /// The member_id asked for.
    pub member_id: MemberId,
    /// The portal row, when the portal is known.
    pub portal: Option<Portal>,
    /// Its refresh token's standing.
    pub token: Option<TokenState>,
    /// Its latest calls, oldest first.
    pub calls: Vec<ApiCall>,
    /// Its error groups over the last 24 hours.
    pub errors: Vec<ErrorGroup>,
    /// Its calls per hour over the last 24 hours, oldest first, and whether the count was
    /// capped ([`crate::store::CALL_HOURS_CAP`]).
    pub calls_by_hour: (Vec<i64>, bool),
    /// Its failed tasks.
    pub failed_tasks: Vec<TaskBrief>,
    /// Its tickets.
    pub tickets: Vec<TicketBrief>,
    /// Its reviews.
    pub reviews: Vec<ReviewBrief>,
}

/// How a portal was named: by id, or by domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortalRef {
    /// A member_id.
    Member(MemberId),
    /// A domain to look up.
    Domain(String),
}

impl PortalRef {
    /// Reads what a person typed: a member_id, or a domain (anything with a dot).
    pub fn parse(raw: &str) -> Option<PortalRef> {
        let t = raw.trim();
        if t.contains('.') {
            return Some(PortalRef::Domain(t.to_lowercase()));
        }
        MemberId::parse(t).ok().map(PortalRef::Member)
    }
}

/// Gathers the overview; `None` when a domain names no known portal.
pub async fn portal_overview(
    store: &Store,
    who: &PortalRef,
    now: DateTime<Utc>,
    policy: &TokenPolicy,
    threshold_15m: i64,
) -> StoreResult<Option<PortalOverview>> {
    let (member_id, portal) = match who {
        PortalRef::Member(m) => (m.clone(), store.portal(m).await?),
        PortalRef::Domain(d) => match store.portal_by_domain(d).await? {
            Some(p) => (p.member_id.clone(), Some(p)),
            None => return Ok(None),
        },
    };
    let token = portal.as_ref().map(|p| policy.classify_portal(p, now));
    let filter = CallFilter { member_id: Some(member_id.clone()), ..Default::default() };
    let calls = store.calls_page(&filter, PageDirection::Latest, 30).await?.rows;
    let window = ErrorWindow { now, window: Duration::minutes(15), threshold_15m };
    let errors = store.error_groups(window, GroupBy::PortalAndType, Some(&member_id)).await?;
    let calls_by_hour = store.calls_by_hour(&member_id, now.timestamp_millis()).await?;
    Ok(Some(PortalOverview {
        calls_by_hour,
        failed_tasks: store
            .tasks_list(&TaskFilter { member_id: Some(member_id.clone()), ..TaskFilter::default() }, 20)
            .await?,
        tickets: store.tickets_of(&member_id, 20).await?,
        reviews: store.reviews_of(&member_id, 10).await?,
        member_id,
        portal,
        token,
        calls,
        errors,
    }))
}
