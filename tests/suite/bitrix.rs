//! The Bitrix24 client, refresh and diagnostics against the emulator over real HTTP on loopback.

use crate::common;

use std::time::Duration as StdDuration;

use b24ops::bitrix::oauth::{self, AppCredentials};
use b24ops::bitrix::{ClientSettings, ErrorKind};
use b24ops::clock::Clock;
use b24ops::emulator::{self, EmuApp, PortalSpec, World, WorldSpec};
use b24ops::model::{AppStatus, MemberId, Secret};
use b24ops::rules::tokens::TokenPolicy;
use b24ops::services::tasks::Actor;
use b24ops::services::tokens::{RefreshOutcome, RefreshRules, TokenError, TokenService};
use b24ops::store::{PortalRecord, Store};
use chrono::{Duration, Utc};
use common::{Backend, TestDb, backends, empty_on};
use serde_json::json;

const MEMBER: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const ACCESS: &str = "access-0000000000000000000000000000000000000000000000000000000000000001";
const REFRESH: &str = "refresh-000000000000000000000000000000000000000000000000000000000000001";
const SECRET: &str = "s3cr3t-client-secret-value";

fn app() -> EmuApp {
    common::emu_app("app.test.1", SECRET, 0.5)
}

fn spec(issued_days_ago: i64) -> PortalSpec {
    let now = Utc::now();
    PortalSpec {
        access_expires_at: Some(now + Duration::minutes(30)),
        placements: vec!["CRM_DEAL_DETAIL_TAB".into()],
        users: 70,
        ..common::paid_portal(
            MEMBER,
            "acme.bitrix24.com",
            "crm,user,placement,im",
            Some((ACCESS, REFRESH)),
            now - Duration::days(issued_days_ago),
        )
    }
}

struct Rig {
    _emu: emulator::Running,
    db: TestDb,
    base: String,
}

impl Rig {
    async fn on(backend: &Backend, issued_days_ago: i64) -> Rig {
        let world = World::new(WorldSpec { app: app(), portals: vec![spec(issued_days_ago)] }, Utc::now());
        let emu = emulator::start(world, "127.0.0.1:0".parse().unwrap(), Clock::System).await.unwrap();
        let base = emu.emulator.base_url().to_owned();
        let db = empty_on(backend).await;
        let now = Utc::now();
        db.store
            .upsert_portal(
                &PortalRecord {
                    member_id: MEMBER.into(),
                    domain: "acme.bitrix24.com".into(),
                    client_endpoint: format!("{base}/acme.bitrix24.com/rest/"),
                    server_endpoint: format!("{base}/rest/"),
                    access_token: ACCESS.into(),
                    access_expires_at: now + Duration::minutes(30),
                    refresh_token: REFRESH.into(),
                    refresh_issued_at: now - Duration::days(issued_days_ago),
                    scope: "crm,user,placement,im".into(),
                    app_status: AppStatus::Paid,
                    installed_at: now - Duration::days(400),
                    uninstalled_at: None,
                    last_seen_at: None,
                    last_refresh_error: None,
                },
                now,
            )
            .await
            .unwrap();
        Rig { _emu: emu, db, base }
    }

    async fn sqlite(issued_days_ago: i64) -> Rig {
        Rig::on(&Backend::Sqlite, issued_days_ago).await
    }

    fn service(&self, settings: ClientSettings) -> TokenService {
        service_for(&self.db.store, settings)
    }

    async fn fault(&self, body: serde_json::Value) {
        let r = http().post(format!("{}/_emulator/fault", self.base)).json(&body).send().await.unwrap();
        assert!(r.status().is_success(), "fault {body}: {}", r.status());
    }
}

fn service_for(store: &Store, settings: ClientSettings) -> TokenService {
    let app = AppCredentials { client_id: "app.test.1".into(), client_secret: Secret::new(SECRET) };
    TokenService::with(store.clone(), Some(app), settings, TokenPolicy::default(), Clock::System, None)
        .unwrap()
        .with_rules(RefreshRules { grace_rereads: 3, grace_pause: StdDuration::from_millis(100) })
}

/// A plain HTTP client for the test's own requests (the crate ships reqwest without a default TLS
/// provider, so it is installed first).
fn http() -> reqwest::Client {
    b24ops::bitrix::client::install_crypto();
    reqwest::Client::new()
}

fn quick() -> ClientSettings {
    ClientSettings {
        timeout: StdDuration::from_millis(800),
        write_timeout: StdDuration::from_millis(800),
        // The emulator's portals live on loopback, which a redirect may reach only when listed.
        redirect_hosts: vec!["127.0.0.1".into()],
        max_retries: 3,
        backoff: StdDuration::from_millis(50),
        burst: 50.0,
        rate: 2.0,
    }
}

fn alice() -> Actor {
    Actor { operator: "alice".into(), read_only: false }
}

fn member() -> MemberId {
    MemberId::parse(MEMBER).unwrap()
}

async fn settle() {
    // The call log is written in the background; give it a moment.
    tokio::time::sleep(StdDuration::from_millis(150)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_rotates_the_pair_and_resets_the_days() {
    let rig = Rig::sqlite(178).await;
    let svc = rig.service(quick());
    let out = svc.refresh(&alice(), &member()).await.unwrap();
    let RefreshOutcome::Refreshed { refresh_expires_at } = out else { panic!("{out:?}") };
    assert!(refresh_expires_at > Utc::now() + Duration::days(179));
    let creds = rig.db.store.portal_credentials(&member()).await.unwrap().unwrap();
    assert_ne!(creds.refresh_token.expose(), REFRESH, "rotated");
    assert_ne!(creds.access_token.expose(), ACCESS);
    let p = rig.db.store.portal(&member()).await.unwrap().unwrap();
    assert!(p.refresh_issued_at.unwrap() > Utc::now() - Duration::minutes(1), "days reset");
    assert_eq!(p.last_refresh_by.unwrap().as_str(), "alice");
    // The old refresh token is used up.
    let url = oauth::token_url(Some(&format!("{}/rest/", rig.base)), None).unwrap();
    let app = AppCredentials { client_id: "app.test.1".into(), client_secret: Secret::new(SECRET) };
    let again = oauth::refresh(&http(), &url, &app, &Secret::new(REFRESH)).await.unwrap_err();
    assert_eq!(again.kind, ErrorKind::InvalidGrant);
    // The new pair works.
    let env = svc.call(&alice(), &member(), "profile", &json!({})).await.unwrap();
    assert_eq!(env.result["ADMIN"], json!(true));
    let audit = rig.db.store.audit_page(None, 10).await.unwrap();
    assert_eq!(audit[0].action.as_str(), "token.refresh");
    for a in &audit {
        let text = format!("{a:?}");
        assert!(!text.contains(creds.refresh_token.expose()) && !text.contains(REFRESH) && !text.contains(SECRET));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_grant_is_believed_only_after_a_reread() {
    let rig = Rig::sqlite(181).await;
    let out = rig.service(quick()).refresh(&alice(), &member()).await.unwrap();
    let RefreshOutcome::Dead { reason } = &out else { panic!("{out:?}") };
    assert!(reason.contains("invalid_grant"), "{reason}");
    let p = rig.db.store.portal(&member()).await.unwrap().unwrap();
    assert!(p.last_refresh_error.unwrap().as_str().contains("invalid_grant"));
    assert!(p.uninstalled_at.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_client_never_marks_a_portal_uninstalled_on_its_own() {
    let rig = Rig::sqlite(20).await;
    rig.fault(json!({"fault": "uninstall", "member_id": MEMBER})).await;
    let out = rig.service(quick()).refresh(&alice(), &member()).await.unwrap();
    assert_eq!(out, RefreshOutcome::WrongClient);
    let p = rig.db.store.portal(&member()).await.unwrap().unwrap();
    assert!(p.uninstalled_at.is_none(), "one wrong_client says nothing about the portal");
    assert!(p.refresh_blocked.is_none(), "it is refreshed again next time");
    assert!(p.last_refresh_error.unwrap().as_str().contains("client id or secret"));
    let err = rig.service(quick()).call(&alice(), &member(), "profile", &json!({})).await.unwrap_err();
    let TokenError::Bitrix(e) = err else { panic!("{err:?}") };
    assert_eq!(e.kind, ErrorKind::AppNotInstalled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_young_token_that_answered_invalid_grant_is_dead_and_skipped() {
    for b in backends() {
        let rig = Rig::on(&b, 11).await;
        rig.fault(json!({"fault": "expire_refresh", "member_id": MEMBER})).await;
        let svc = rig.service(quick());
        let out = svc.refresh(&alice(), &member()).await.unwrap();
        assert!(matches!(out, RefreshOutcome::Dead { .. }), "{out:?}");
        let board = svc.board(10).await.unwrap();
        assert_eq!(
            board.counts.dead,
            1,
            "{}: dead whatever its age: {:?}",
            rig.db.store.dialect().name(),
            board.counts
        );
        assert_eq!(board.counts.ok, 0);
        assert_eq!(board.rows[0].state.class, b24ops::rules::tokens::TokenClass::Dead);
        assert_eq!(board.rows[0].state.days_left, Some(168), "the age still says when it would have died");
        // Keep-alive and bulk refresh skip it instead of retrying it every run.
        assert!(svc.expiring_within(365, 100).await.unwrap().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_refreshing_at_once_end_with_the_live_pair() {
    for b in backends() {
        let rig = Rig::on(&b, 170).await;
        // Two services, two in-process locks: as two processes would be.
        let (one, two) = (rig.service(quick()), rig.service(quick()));
        let (who, m) = (alice(), member());
        // Open connections first, so neither refresh waits on a connect while the other runs
        // to completion alone.
        let _ = tokio::join!(rig.db.store.ping(), rig.db.store.ping(), rig.db.store.ping());
        let (a, c) = tokio::join!(one.refresh(&who, &m), two.refresh(&who, &m));
        let mut outs = vec![a.unwrap(), c.unwrap()];
        outs.sort_by_key(|o| format!("{o:?}"));
        // Overlapping, one refreshes and the other adopts its pair; if the scheduler still ran
        // them one after the other, the second refreshes the first's pair. Never a lost portal.
        let overlapped =
            matches!(outs[0], RefreshOutcome::Adopted) && matches!(outs[1], RefreshOutcome::Refreshed { .. });
        let in_turn = outs.iter().all(|o| matches!(o, RefreshOutcome::Refreshed { .. }));
        assert!(overlapped || in_turn, "{}: {outs:?}", rig.db.store.dialect().name());
        // The Tokens board counts on every backend (MySQL's SUM is a DECIMAL underneath).
        let board = one.board(10).await.unwrap();
        assert_eq!(board.counts.ok + board.counts.warning + board.counts.critical, 1, "{:?}", board.counts);
        assert_eq!(board.rows.len(), 1);
        // What is stored is live: it calls and it refreshes.
        one.call(&alice(), &member(), "profile", &json!({})).await.unwrap();
        let again = one.refresh(&alice(), &member()).await.unwrap();
        assert!(matches!(again, RefreshOutcome::Refreshed { .. }), "{again:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_access_token_is_refreshed_and_the_call_retried() {
    let rig = Rig::sqlite(100).await;
    rig.fault(json!({"fault": "expire_access", "member_id": MEMBER})).await;
    let env = rig.service(quick()).call(&alice(), &member(), "app.info", &json!({})).await.unwrap();
    assert_eq!(env.result["STATUS"], json!("P"));
    settle().await;
    let calls = rig.db.store.calls_page(&Default::default(), b24ops::store::PageDirection::Latest, 10).await.unwrap();
    let codes: Vec<_> = calls.rows.iter().map(|c| c.error_code.as_ref().map(|e| e.as_str().to_owned())).collect();
    assert!(codes.contains(&Some("expired_token".into())), "the failed call is logged: {codes:?}");
    assert!(calls.rows.iter().all(|c| c.source.as_str() == "console"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_is_retried_with_backoff_and_a_429_is_surfaced() {
    let rig = Rig::sqlite(10).await;
    let svc = rig.service(quick());
    rig.fault(json!({"fault": "throttle", "member_id": MEMBER, "count": 2})).await;
    let started = std::time::Instant::now();
    svc.call(&alice(), &member(), "im.notify.system.add", &json!({"USER_ID": 1, "MESSAGE": "hi"})).await.unwrap();
    assert!(started.elapsed() >= StdDuration::from_millis(150), "backed off 50 + 100 ms");

    // The operating limit is 0.5 s in this world: two 300 ms calls use it up.
    rig.fault(json!({"fault": "slow", "member_id": MEMBER, "method": "user.get", "ms": 300})).await;
    svc.call(&alice(), &member(), "user.get", &json!({})).await.unwrap();
    svc.call(&alice(), &member(), "user.get", &json!({})).await.unwrap();
    let err = svc.call(&alice(), &member(), "user.get", &json!({})).await.unwrap_err();
    let TokenError::Bitrix(e) = err else { panic!("{err:?}") };
    assert_eq!((e.kind, e.status), (ErrorKind::OperationTimeLimit, Some(429)));
    // The last envelope for user.get said when its window drains; the error carries it.
    let free_at = e.free_at.expect("when user.get is free again");
    assert!(free_at > Utc::now().timestamp() && free_at <= Utc::now().timestamp() + 600, "{free_at}");
    assert!(e.to_string().contains("blocked until"), "{e}");
    settle().await;
    let calls = rig.db.store.calls_page(&Default::default(), b24ops::store::PageDirection::Latest, 50).await.unwrap();
    let count =
        |code: &str| calls.rows.iter().filter(|c| c.error_code.as_ref().is_some_and(|e| e.as_str() == code)).count();
    assert_eq!(count("QUERY_LIMIT_EXCEEDED"), 2);
    assert_eq!(count("OPERATION_TIME_LIMIT"), 1, "a 429 is not retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_bucket_refuses_an_unpaced_burst_and_pacing_avoids_it() {
    let rig = Rig::sqlite(10).await;
    let unpaced = rig.service(ClientSettings { burst: 10_000.0, max_retries: 0, ..quick() });
    let (who, m, none) = (alice(), member(), json!({}));
    let results = futures::future::join_all((0..60).map(|_| unpaced.call(&who, &m, "server.time", &none))).await;
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(TokenError::Bitrix(e)) if e.kind == ErrorKind::QueryLimit && e.status == Some(503)))
        .count();
    assert!(refused >= 9, "{refused} of 60 refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_empty_bodies_moves_and_timeouts_are_told_apart() {
    let rig = Rig::sqlite(10).await;
    let svc = rig.service(quick());
    rig.fault(json!({"fault": "html", "member_id": MEMBER, "status": 502})).await;
    let TokenError::Bitrix(e) = svc.call(&alice(), &member(), "profile", &json!({})).await.unwrap_err() else {
        panic!()
    };
    assert_eq!((e.kind, e.status), (ErrorKind::ServerError, Some(502)));
    assert!(e.description.contains("text/html"), "{}", e.description);
    rig.fault(json!({"fault": "html", "member_id": MEMBER, "status": 200})).await;
    let TokenError::Bitrix(e) = svc.call(&alice(), &member(), "profile", &json!({})).await.unwrap_err() else {
        panic!()
    };
    assert_eq!(e.kind, ErrorKind::NotJson);
    rig.fault(json!({"fault": "clear", "member_id": MEMBER})).await;
    rig.fault(json!({"fault": "empty", "member_id": MEMBER, "on": true})).await;
    let TokenError::Bitrix(e) = svc.call(&alice(), &member(), "profile", &json!({})).await.unwrap_err() else {
        panic!()
    };
    assert_eq!(e.kind, ErrorKind::NotJson);
    assert!(e.description.contains("empty body"));
    rig.fault(json!({"fault": "clear", "member_id": MEMBER})).await;

    // A 302 to the new domain: followed, re-POSTed, and the portal row follows too.
    rig.fault(json!({"fault": "move", "member_id": MEMBER, "domain": "acme-new.bitrix24.com"})).await;
    let env = svc.call(&alice(), &member(), "profile", &json!({})).await.unwrap();
    assert_eq!(env.result["ID"], json!("1"));
    let p = rig.db.store.portal(&member()).await.unwrap().unwrap();
    assert_eq!(p.domain.as_str(), "acme-new.bitrix24.com");
    assert!(p.client_endpoint.unwrap().as_str().ends_with("/acme-new.bitrix24.com/rest/"));

    // A timeout: a write is not sent twice; a read is retried, then reported.
    rig.fault(json!({"fault": "slow", "member_id": MEMBER, "method": "im.notify.system.add", "ms": 1500})).await;
    let TokenError::Bitrix(e) = svc
        .call(&alice(), &member(), "im.notify.system.add", &json!({"USER_ID": 1, "MESSAGE": "x"}))
        .await
        .unwrap_err()
    else {
        panic!()
    };
    assert_eq!(e.kind, ErrorKind::Timeout);
    tokio::time::sleep(StdDuration::from_millis(1600)).await;
    let sent = http()
        .get(format!("{}/_emulator/notifications?member_id={MEMBER}", rig.base))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(sent.as_array().unwrap().len(), 1, "the timed-out write was sent once, not retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_methods_page_by_fifty_and_batch_substitutes() {
    let rig = Rig::sqlite(10).await;
    let svc = rig.service(quick());
    let first = svc.call(&alice(), &member(), "user.get", &json!({})).await.unwrap();
    assert_eq!(first.result.as_array().unwrap().len(), 50);
    assert_eq!((first.next, first.total), (Some(50), Some(70)));
    let second = svc.call(&alice(), &member(), "user.get", &json!({"start": 50})).await.unwrap();
    assert_eq!((second.result.as_array().unwrap().len(), second.next), (20, None));
    let no_count = svc.call(&alice(), &member(), "user.get", &json!({"start": -1})).await.unwrap();
    assert_eq!(no_count.total, None);
    let b = svc
        .call(
            &alice(),
            &member(),
            "batch",
            &json!({"halt": 0, "cmd": {
                "me": "profile",
                "note": "im.notify.system.add?USER_ID=$result[me][ID]&MESSAGE=hello",
                "gone": "crm.nonsense.get",
            }}),
        )
        .await
        .unwrap();
    assert_eq!(b.result["result"]["me"]["ID"], json!("1"));
    assert!(b.result["result"]["note"].is_number());
    assert_eq!(b.result["result_error"]["gone"]["error"], json!("ERROR_METHOD_NOT_FOUND"));
    // Method lookup comes before auth: an unknown method is 404 even without a token.
    let r = http().post(format!("{}/acme.bitrix24.com/rest/crm.nonsense.get", rig.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let r = http().post(format!("{}/acme.bitrix24.com/rest/profile", rig.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"], json!("NO_AUTH_FOUND"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_world_loads_and_the_authorize_step_gives_a_working_code() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/examples/emulator.toml")).unwrap();
    let spec: WorldSpec = toml::from_str(&text).unwrap();
    assert_eq!(spec.portals.len(), 3);
    let emu =
        emulator::start(World::new(spec, Utc::now()), "127.0.0.1:0".parse().unwrap(), Clock::System).await.unwrap();
    let base = emu.emulator.base_url().to_owned();
    let no_redirects = {
        b24ops::bitrix::client::install_crypto();
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
    };
    let r = no_redirects
        .get(format!("{base}/acme.bitrix24.com/oauth/authorize/?client_id=app.example.1&state=xyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("https://app.example.com/oauth/callback?code=") && location.contains("state=xyz"));
    let code = location.split("code=").nth(1).unwrap().split('&').next().unwrap();
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", "app.example.1"),
        ("client_secret", "example-secret"),
        ("code", code),
    ];
    let grant: serde_json::Value =
        no_redirects.post(format!("{base}/oauth/token/")).form(&form).send().await.unwrap().json().await.unwrap();
    assert_eq!(grant["member_id"], json!("0a1b2c3d4e5f60718293a4b5c6d7e8f9"));
    assert_eq!(grant["expires_in"], json!(3600));
    // Single use.
    let again: serde_json::Value =
        no_redirects.post(format!("{base}/oauth/token/")).form(&form).send().await.unwrap().json().await.unwrap();
    assert_eq!(again["error"], json!("invalid_grant"));
    // The old domain redirects; the trial that ended refuses tokens.
    let moved = no_redirects.post(format!("{base}/acme-old.bitrix24.com/rest/profile")).send().await.unwrap();
    assert_eq!(moved.status().as_u16(), 302);
    let app = AppCredentials { client_id: "app.example.1".into(), client_secret: Secret::new("example-secret") };
    let url = oauth::token_url(Some(&format!("{base}/rest/")), None).unwrap();
    let e = oauth::refresh(&no_redirects, &url, &app, &Secret::new("onprem-refresh-token-0001")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::PaymentRequired);
    let e = oauth::refresh(&no_redirects, &url, &app, &Secret::new("gone-refresh-token-0001")).await.unwrap_err();
    assert_eq!((e.kind, e.status), (ErrorKind::WrongClient, Some(200)));
    let bad = AppCredentials { client_id: "app.example.1".into(), client_secret: Secret::new("nope") };
    let e = oauth::refresh(&no_redirects, &url, &bad, &Secret::new("acme-refresh-token-0001")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidClient);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_client_id_is_wrong_client_with_http_200_for_both_grants() {
    let rig = Rig::sqlite(10).await;
    let url = oauth::token_url(Some(&format!("{}/rest/", rig.base)), None).unwrap();
    let stranger = AppCredentials { client_id: "app.unknown.9".into(), client_secret: Secret::new(SECRET) };
    let e = oauth::refresh(&http(), &url, &stranger, &Secret::new(REFRESH)).await.unwrap_err();
    assert_eq!((e.kind, e.status), (ErrorKind::WrongClient, Some(200)));
    assert!(e.remedy().unwrap().contains("client_id"));
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", "app.unknown.9"),
        ("client_secret", SECRET),
        ("code", "whatever"),
    ];
    let r = http().post(format!("{}/oauth/token/", rig.base)).form(&form).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap(), json!({"error": "wrong_client"}));
    // The known client_id with a wrong secret stays invalid_client.
    let wrong_secret = AppCredentials { client_id: "app.test.1".into(), client_secret: Secret::new("nope") };
    let e = oauth::refresh(&http(), &url, &wrong_secret, &Secret::new(REFRESH)).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidClient);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_off_bitrix24_is_refused_naming_the_host_and_the_token_stays_home() {
    let rig = Rig::sqlite(10).await;
    // Nothing listed: the emulator's loopback host is not a Bitrix24 domain.
    let strict = rig.service(ClientSettings { redirect_hosts: vec![], ..quick() });
    rig.fault(json!({"fault": "move", "member_id": MEMBER, "domain": "acme-new.bitrix24.com"})).await;
    let TokenError::Bitrix(e) = strict.call(&alice(), &member(), "profile", &json!({})).await.unwrap_err() else {
        panic!()
    };
    assert_eq!((e.kind, e.code.as_str()), (ErrorKind::Moved, "redirect_untrusted"));
    assert!(e.description.contains("127.0.0.1"), "{}", e.description);
    settle().await;
    let calls = rig.db.store.calls_page(&Default::default(), b24ops::store::PageDirection::Latest, 10).await.unwrap();
    assert_eq!(calls.rows.len(), 1, "only the request that got the 302; nothing went to the new host");
    let p = rig.db.store.portal(&member()).await.unwrap().unwrap();
    assert_eq!(p.domain.as_str(), "acme.bitrix24.com", "a refused move is not stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_write_gets_the_write_timeout_and_a_slow_read_the_short_one() {
    let rig = Rig::sqlite(10).await;
    let svc = rig.service(ClientSettings {
        timeout: StdDuration::from_millis(300),
        write_timeout: StdDuration::from_secs(3),
        max_retries: 0,
        ..quick()
    });
    rig.fault(json!({"fault": "slow", "member_id": MEMBER, "method": "im.notify.system.add", "ms": 700})).await;
    svc.call(&alice(), &member(), "im.notify.system.add", &json!({"USER_ID": 1, "MESSAGE": "slow"})).await.unwrap();
    rig.fault(json!({"fault": "slow", "member_id": MEMBER, "method": "profile", "ms": 700})).await;
    let TokenError::Bitrix(e) = svc.call(&alice(), &member(), "profile", &json!({})).await.unwrap_err() else {
        panic!()
    };
    assert_eq!(e.kind, ErrorKind::Timeout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_inside_a_batch_count_toward_each_methods_operating_time() {
    let rig = Rig::sqlite(10).await;
    let svc = rig.service(quick());
    // The limit is 0.5 s in this world; two 300 ms user.get inside one batch use it up.
    rig.fault(json!({"fault": "slow", "member_id": MEMBER, "method": "user.get", "ms": 300})).await;
    let b = svc
        .call(&alice(), &member(), "batch", &json!({"halt": 0, "cmd": {"a": "user.get", "b": "user.get?start=50"}}))
        .await
        .unwrap();
    assert!(b.result["result_time"]["b"]["operating"].as_f64().unwrap() >= 0.6, "{}", b.result["result_time"]);
    let err = svc.call(&alice(), &member(), "user.get", &json!({})).await.unwrap_err();
    let TokenError::Bitrix(e) = err else { panic!("{err:?}") };
    assert_eq!(e.kind, ErrorKind::OperationTimeLimit);
    // Other methods are not blocked, and neither is the batch itself.
    svc.call(&alice(), &member(), "profile", &json!({})).await.unwrap();
    let again = svc.call(&alice(), &member(), "batch", &json!({"cmd": {"u": "user.get"}})).await.unwrap();
    assert_eq!(again.result["result_error"]["u"]["error"], json!("OPERATION_TIME_LIMIT"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_method_used_up_inside_a_batch_says_when_it_is_free_again() {
    let rig = Rig::sqlite(10).await;
    let svc = rig.service(quick());
    rig.fault(json!({"fault": "slow", "member_id": MEMBER, "method": "user.get", "ms": 300})).await;
    let cmd = json!({"halt": 0, "cmd": {"a": "user.get", "b": "user.get?start=50"}});
    let b = svc.call(&alice(), &member(), "batch", &cmd).await.unwrap();
    // Each command's entry has the shape of a call's `time` (batch.md), with the limiter's figures.
    let t = &b.result["result_time"]["b"];
    for key in
        ["start", "finish", "duration", "processing", "date_start", "date_finish", "operating", "operating_reset_at"]
    {
        assert!(!t[key].is_null(), "{key} missing from {t}");
    }
    let reset = t["operating_reset_at"].as_i64().unwrap();
    assert!(reset > Utc::now().timestamp() && reset <= Utc::now().timestamp() + 600, "{reset}");

    // Blocked inside the next batch: the command's error says when, from the last entry seen.
    let again_cmd = json!({"halt": 0, "cmd": {"p": "profile", "u": "user.get"}});
    let again = svc.call(&alice(), &member(), "batch", &again_cmd).await.unwrap();
    assert!(again.result["result_time"]["u"].is_null(), "a refused command has no time of its own");
    let e = svc.batch_error(&member(), &again_cmd, &again.result, "u").expect("u failed");
    assert_eq!((e.kind, e.free_at), (ErrorKind::OperationTimeLimit, Some(reset)));
    assert!(svc.batch_error(&member(), &again_cmd, &again.result, "p").is_none());
    // And so does a direct call, though user.get never ran outside a batch.
    let TokenError::Bitrix(direct) = svc.call(&alice(), &member(), "user.get", &json!({})).await.unwrap_err() else {
        panic!("not a Bitrix24 error")
    };
    assert_eq!(direct.free_at, Some(reset), "{direct}");
    assert!(direct.to_string().contains("blocked until"), "{direct}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documented_methods_without_a_handler_answer_empty_and_app_info_on_the_oauth_server_has_the_documented_shape() {
    let rig = Rig::sqlite(10).await;
    let svc = rig.service(quick());
    let env = svc.call(&alice(), &member(), "landing.site.update", &json!({"id": 1})).await.unwrap();
    assert_eq!(env.result, json!({}));
    // Invented names stay 404, before auth.
    let r = http().post(format!("{}/acme.bitrix24.com/rest/landing.nonsense.update", rig.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);

    let info: serde_json::Value = http()
        .post(format!("{}/rest/app.info", rig.base))
        .form(&[("auth", ACCESS)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = &info["result"];
    assert_eq!(r["client_id"], json!("app.test.1"));
    assert_eq!(r["scope"], json!("crm,user,placement,im"));
    assert!(chrono::DateTime::parse_from_rfc3339(r["expires"].as_str().unwrap()).is_ok(), "{r}");
    assert_eq!(r["user_id"], json!(1));
    let i = &r["install"];
    for key in
        ["installed", "version", "status", "scope", "domain", "uri", "client_endpoint", "member_id", "member_type"]
    {
        assert!(!i[key].is_null(), "install.{key} missing: {i}");
    }
    assert_eq!((i["installed"].clone(), i["member_id"].clone()), (json!(true), json!(MEMBER)));
    assert!(i["client_endpoint"].as_str().unwrap().ends_with("/acme.bitrix24.com/rest/"));
}
