//! The Errors tab's `/` filter: a piece of a portal's domain or member_id, and words found in the
//! error type or the portal.

use crate::model::{ErrorGroup, GroupBy};
use crate::rules::search::Search;
use crate::store::{ErrorWindow, GROUP_LIMIT, Store, StoreResult};

/// The first `limit` groups matching `search`, busiest first. A filter that names one portal is
/// answered by that portal's groups (the store's indexed per-portal read); any other is the
/// busiest [`GROUP_LIMIT`] groups narrowed here. A portal filter groups by portal, since
/// groups by type across portals belong to none.
pub async fn groups_matching(
    store: &Store,
    w: ErrorWindow,
    by: GroupBy,
    search: &Search,
    limit: i64,
) -> StoreResult<Vec<ErrorGroup>> {
    if search.is_empty() {
        return store.error_groups_page(w, by, None, limit).await;
    }
    let piece = search.portal.as_deref().or(match search.words.as_slice() {
        [only] => Some(only.as_str()),
        _ => None,
    });
    if let Some(piece) = piece {
        let found = store.portals_containing(piece, 2).await?;
        if let [one] = found.as_slice() {
            let rest = Search { portal: None, words: search.words.iter().filter(|w| *w != piece).cloned().collect() };
            let groups = store.error_groups_page(w, GroupBy::PortalAndType, Some(&one.member_id), limit).await?;
            return Ok(groups.into_iter().filter(|g| keeps(&rest, g)).collect());
        }
    }
    let by = if search.portal.is_some() { GroupBy::PortalAndType } else { by };
    let groups = store.error_groups_page(w, by, None, GROUP_LIMIT).await?;
    Ok(groups.into_iter().filter(|g| keeps(search, g)).take(usize::try_from(limit).unwrap_or(0)).collect())
}

fn keeps(search: &Search, g: &ErrorGroup) -> bool {
    let member = g.member_id.as_ref().map_or("", |m| m.as_str());
    let domain = g.domain.as_ref().map_or("", |d| d.as_str());
    search.matches(&[member, domain], &[g.error_type.as_str()])
}
