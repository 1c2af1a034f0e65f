//! One error code, two causes: an `ACCESS_DENIED` on a plan without REST and one for a missing
//! right are told apart by the description of the group's latest call, on every backend and in
//! both groupings, so the Errors tab, the portal view and `portal` name the right remedy.

use crate::common;

use b24ops::model::{GroupBy, MemberId};
use b24ops::rules::remedies::group_remedy;
use b24ops::store::ErrorWindow;
use chrono::Duration;
use common::{backends, empty_on, failed_call, now};

const PLAN: &str = "aaaa0000aaaa0000aaaa0000aaaa0000";
const RIGHT: &str = "bbbb0000bbbb0000bbbb0000bbbb0000";

async fn seed(store: &b24ops::store::Store) {
    for (member, minutes_ago, description) in [
        (PLAN, 9, "Access denied!"),
        // The latest call decides: the portal's plan lost REST since.
        (PLAN, 3, "REST is available only on commercial plans."),
        (RIGHT, 4, "Access denied!"),
    ] {
        let mut c = failed_call(member, "ACCESS_DENIED", now() - Duration::minutes(minutes_ago));
        c.error_description = Some(description.into());
        store.insert_call(&c).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_access_denied_on_a_plan_without_rest_gets_its_own_remedy() {
    for b in backends() {
        let db = empty_on(&b).await;
        let name = db.store.dialect().name();
        seed(&db.store).await;
        let w = ErrorWindow { now: now(), window: Duration::minutes(15), threshold_15m: 10 };
        let groups = db.store.error_groups(w, GroupBy::PortalAndType, None).await.unwrap();
        let remedy_of = |m: &str| {
            let g = groups.iter().find(|g| g.member_id.as_ref().is_some_and(|x| x.as_str() == m)).unwrap();
            group_remedy(g)
        };
        assert!(remedy_of(PLAN).is_some_and(|r| r.contains("commercial plan")), "{name}: {groups:?}");
        assert_eq!(remedy_of(RIGHT), None, "{name}: a plain ACCESS_DENIED does not say which right");

        // The portal view asks for one portal's groups.
        let one =
            db.store.error_groups(w, GroupBy::PortalAndType, Some(&MemberId::parse(PLAN).unwrap())).await.unwrap();
        assert_eq!(one.len(), 1, "{name}");
        assert!(group_remedy(&one[0]).is_some_and(|r| r.contains("commercial plan")), "{name}: {one:?}");

        // By type, the type's latest call across portals.
        let by_type = db.store.error_groups(w, GroupBy::Type, None).await.unwrap();
        let d = by_type[0].description.as_ref().map(|d| d.as_str().to_owned());
        assert_eq!(d.as_deref(), Some("REST is available only on commercial plans."), "{name}");
    }
}

#[test]
fn the_portal_command_names_the_remedy() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("r.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = b24ops::store::Store::connect(&url, b24ops::store::OpenMode::CreateIfMissing).await.unwrap();
        store.migrate().await.unwrap();
        seed(&store).await;
        store.close().await;
    });
    let at = now().to_rfc3339();
    let out =
        common::process::run_b24ops(dir.path(), &["--database-url", &url, "--now", &at, "portal", PLAN], &[], b"");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("ACCESS_DENIED  → the portal's plan has no REST"), "{text}");
}
