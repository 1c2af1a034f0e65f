//! Error-group rows decoded, from a driver row or a SQLite page document alike.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::StoreResult;
use super::codec::{instant, line, member, opt_line};
use super::json_page::{self, JsonRow};
use crate::model::{ErrorGroup, ErrorSource, GroupBy, MemberId, SafeText};

pub(super) fn source(r: &AnyRow) -> StoreResult<ErrorSource> {
    Ok(source_of(line(r, "source")?.as_str()))
}

/// A group's source from its stored word ('app' or 'rest').
pub(super) fn source_of(word: &str) -> ErrorSource {
    if word == "app" { ErrorSource::App } else { ErrorSource::Rest }
}

/// The groups of a SQLite page document, in the statement's order.
pub(super) fn decode_json_groups(bytes: &[u8], threshold: i64, by: GroupBy) -> StoreResult<Vec<ErrorGroup>> {
    const TABLE: &str = "error groups";
    json_page::rows(TABLE, bytes)?
        .iter()
        .map(|values| {
            let r = JsonRow::new(TABLE, values);
            let line = |i| r.opt_text(i).map(|s| SafeText::line(&s));
            let c15 = r.int(5)?;
            Ok(ErrorGroup {
                member_id: r.opt_text(0).map(|m| MemberId::from_db(&m)),
                error_type: line(1).unwrap_or_default(),
                source: source_of(r.opt_text(2).as_deref().unwrap_or_default()),
                portals: r.int(3)?,
                in_window: r.int(4)?,
                last_15m: c15,
                last_1h: r.int(6)?,
                last_24h: r.int(7)?,
                first_seen: instant(TABLE, r.int(8)?)?,
                last_seen: instant(TABLE, r.int(9)?)?,
                domain: line(10),
                description: line(11),
                over_threshold: by == GroupBy::PortalAndType && c15 > threshold,
            })
        })
        .collect()
}

pub(super) fn decode_group(r: &AnyRow, threshold: i64, by: GroupBy) -> StoreResult<ErrorGroup> {
    let source = source(r)?;
    let c15: i64 = r.try_get("c15")?;
    Ok(ErrorGroup {
        error_type: line(r, "error_type")?,
        source,
        member_id: member(r, "member_id")?,
        domain: opt_line(r, "domain")?,
        portals: r.try_get("portals")?,
        in_window: r.try_get("c_win")?,
        last_15m: c15,
        last_1h: r.try_get("c1h")?,
        last_24h: r.try_get("c24")?,
        first_seen: instant("error groups", r.try_get("first_seen")?)?,
        last_seen: instant("error groups", r.try_get("last_seen")?)?,
        over_threshold: by == GroupBy::PortalAndType && c15 > threshold,
        description: opt_line(r, "description")?,
    })
}
