//! An emulated world made from the portals in a database, so the console's stored tokens work
//! against it (the demo, and app developers who seeded a database).

use chrono::{DateTime, Utc};

use super::state::{EmuApp, PortalSpec, World, WorldSpec};
use crate::model::MemberId;
use crate::store::{Store, StoreResult};

/// Placements the demo's app binds on every portal (a few portals lost one).
pub const DEMO_PLACEMENTS: [&str; 2] = ["CRM_DEAL_DETAIL_TAB", "CRM_DEAL_LIST_MENU"];

/// A newer method an on-premise portal that lags behind may lack.
pub const DEMO_LAGGING_METHOD: &str = "crm.activity.todo.add";

fn spread(member_id: &str) -> u32 {
    member_id.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
}

/// Reads every portal (keyset pages of 500) with its stored tokens into a world. With `flavour`,
/// some portals lost a placement or lag a method, so diagnose has something to find.
pub async fn world_from_store(store: &Store, app: EmuApp, now: DateTime<Utc>, flavour: bool) -> StoreResult<World> {
    let mut world = World::new(WorldSpec { app, portals: vec![] }, now);
    let mut after = String::new();
    loop {
        let page = store.portals_after(&after, 500).await?;
        let Some(last) = page.last() else { break };
        after = last.member_id.as_str().to_owned();
        for p in page {
            let Some(creds) = store.portal_credentials(&MemberId::from_db(p.member_id.as_str())).await? else {
                continue;
            };
            let h = spread(p.member_id.as_str());
            let status = p.app_status.map(|s| s.code().to_owned()).unwrap_or_else(|| "P".into());
            let days_left = match status.as_str() {
                "T" | "D" => Some(i64::from(h % 14) - 3),
                "P" | "S" => Some(30 + i64::from(h % 330)),
                _ => None,
            };
            let placements = if flavour && h.is_multiple_of(7) {
                vec![DEMO_PLACEMENTS[0].to_owned()]
            } else {
                DEMO_PLACEMENTS.iter().map(|s| s.to_string()).collect()
            };
            let missing_methods =
                if flavour && h.is_multiple_of(11) { vec![DEMO_LAGGING_METHOD.to_owned()] } else { vec![] };
            world.add_portal(
                PortalSpec {
                    member_id: p.member_id.as_str().to_owned(),
                    domain: p.domain.as_str().to_owned(),
                    old_domains: vec![],
                    status,
                    days_left,
                    scope: p
                        .scope
                        .as_ref()
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_else(|| "crm,user,placement,im".into()),
                    enterprise: h.is_multiple_of(5),
                    uninstalled: p.uninstalled_at.is_some(),
                    stopped: false,
                    access_token: Some(creds.access_token.expose().to_owned()),
                    access_expires_at: creds.access_expires_at,
                    refresh_token: Some(creds.refresh_token.expose().to_owned()),
                    refresh_issued_at: creds.refresh_issued_at,
                    placements,
                    missing_methods,
                    users: 12 + i64::from(h % 60),
                },
                now,
            );
        }
    }
    Ok(world)
}

/// Aims every portal in the database at the emulator at `base`.
pub async fn point_store_at(store: &Store, emu: &super::Emulator, now: DateTime<Utc>) -> StoreResult<usize> {
    let mut after = String::new();
    let mut n = 0;
    loop {
        let page = store.portals_after(&after, 500).await?;
        let Some(last) = page.last() else { break };
        after = last.member_id.as_str().to_owned();
        for p in page {
            let m = MemberId::from_db(p.member_id.as_str());
            store.set_endpoints(&m, &emu.client_endpoint(p.domain.as_str()), &emu.server_endpoint(), now).await?;
            n += 1;
        }
    }
    Ok(n)
}
