//! The app's own token table mapped in `[portals]`, on every backend: a Laravel-style table with
//! datetimes in Moscow time and a b24pysdk/b24phpsdk-style account table with a row per user.
//! b24ops reads days left from them, refreshes into them (and nowhere else) only when writable,
//! and takes Bitrix24's application events at `/b24/events`.

use crate::common;

use std::time::Duration as StdDuration;

use b24ops::bitrix::oauth::AppCredentials;
use b24ops::clock::Clock;
use b24ops::config::{PortalColumns, PortalTimes, PortalsConfig};
use b24ops::emulator::{self, EmuApp, PortalSpec, World, WorldSpec};
use b24ops::intake::events::{EventIntake, router as events_router};
use b24ops::intake::server::Intake;
use b24ops::model::{MemberId, Secret};
use b24ops::rules::tokens::{TokenClass, TokenPolicy};
use b24ops::services::tasks::Actor;
use b24ops::services::tokens::{RefreshOutcome, RefreshRules, TokenError, TokenService};
use b24ops::store::{PortalSource, Store};
use chrono::{Duration, Utc};
use common::{Backend, backends, empty_on};

const MEMBER: &str = "b1b2c3d4e5f60718293a4b5c6d7e8f90";
const ACCESS: &str = "map-access-0000000000000000000000000000000000000000000000000000000001";
const REFRESH: &str = "map-refresh-000000000000000000000000000000000000000000000000000000001";
const SECRET: &str = "map-client-secret";

fn app() -> EmuApp {
    common::emu_app("app.map.1", SECRET, 480.0)
}

fn spec(issued: chrono::DateTime<Utc>) -> PortalSpec {
    common::paid_portal(MEMBER, "mapped.bitrix24.ru", "crm,user", Some((ACCESS, REFRESH)), issued)
}

/// A Laravel-style table: datetimes in the app's zone (Europe/Moscow), no refresh-issue column.
fn laravel(base: &str, writable: bool) -> PortalsConfig {
    PortalsConfig {
        table: "b24_portals".into(),
        writable,
        filter: String::new(),
        rest_url: format!("{base}/{{domain}}/rest/"),
        columns: PortalColumns {
            domain: "domain".into(),
            access_expires_at: "expires_at".into(),
            updated_at: "updated_at".into(),
            ..PortalColumns::default()
        },
        times: PortalTimes {
            access_expires_at: "datetime:Europe/Moscow".into(),
            updated_at: "datetime:Europe/Moscow".into(),
            ..PortalTimes::default()
        },
    }
}

fn create_laravel(b: &Backend) -> &'static str {
    match b {
        Backend::Sqlite => {
            "CREATE TABLE b24_portals (id INTEGER PRIMARY KEY, member_id TEXT NOT NULL, domain TEXT NOT NULL,
             access_token TEXT, refresh_token TEXT, expires_at TEXT, updated_at TEXT, note TEXT DEFAULT 'x')"
        }
        Backend::Server(u) if u.starts_with("postgres") => {
            "CREATE TABLE b24_portals (id SERIAL PRIMARY KEY, member_id VARCHAR(64) NOT NULL, domain VARCHAR(255) NOT NULL,
             access_token VARCHAR(255), refresh_token VARCHAR(255), expires_at TIMESTAMP, updated_at TIMESTAMP, note TEXT DEFAULT 'x')"
        }
        Backend::Server(_) => {
            "CREATE TABLE b24_portals (id INT AUTO_INCREMENT PRIMARY KEY, member_id VARCHAR(64) NOT NULL, domain VARCHAR(255) NOT NULL,
             access_token VARCHAR(255), refresh_token VARCHAR(255), expires_at DATETIME, updated_at DATETIME, note VARCHAR(20) DEFAULT 'x')"
        }
    }
}

fn service(store: &Store, base: &str) -> TokenService {
    let keys = AppCredentials { client_id: "app.map.1".into(), client_secret: Secret::new(SECRET) };
    TokenService::with(
        store.clone(),
        Some(keys),
        Default::default(),
        TokenPolicy::default(),
        Clock::System,
        Some(format!("{base}/rest/")),
    )
    .unwrap()
    .with_rules(RefreshRules { grace_rereads: 2, grace_pause: StdDuration::from_millis(50) })
}

fn alice() -> Actor {
    Actor { operator: "alice".into(), read_only: false }
}

fn member() -> MemberId {
    MemberId::parse(MEMBER).unwrap()
}

async fn exec(store: &Store, url: &str, sql: &str) {
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::raw_sql(sql).execute(&pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    pool.close().await;
    let _ = store;
}

async fn scalar(url: &str, sql: &str) -> Option<String> {
    use sqlx::Row;
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let row = sqlx::query(sql).fetch_optional(&pool).await.unwrap();
    pool.close().await;
    row.and_then(|r| r.try_get::<Option<String>, _>(0).ok().flatten())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_laravel_table_in_moscow_time_is_read_checked_and_refreshed_in_place() {
    let issued = Utc::now() - Duration::days(170);
    for b in backends() {
        // A fresh emulator each time: the previous backend's refresh used the token up.
        let world = World::new(WorldSpec { app: app(), portals: vec![spec(issued)] }, Utc::now());
        let emu = emulator::start(world, "127.0.0.1:0".parse().unwrap(), Clock::System).await.unwrap();
        let base = emu.emulator.base_url().to_owned();
        let db = empty_on(&b).await;
        exec(&db.store, &db.url, create_laravel(&b)).await;
        // The app wrote Moscow wall-clock times: the access token expired an hour after issue.
        let msk = |t: chrono::DateTime<Utc>| {
            t.with_timezone(&chrono_tz::Europe::Moscow).format("%Y-%m-%d %H:%M:%S").to_string()
        };
        exec(
            &db.store,
            &db.url,
            &format!(
                "INSERT INTO b24_portals (member_id, domain, access_token, refresh_token, expires_at, updated_at)
                 VALUES ('{MEMBER}', 'Mapped.Bitrix24.ru', '{ACCESS}', '{REFRESH}', '{}', '{}')",
                msk(issued + Duration::hours(1)),
                msk(issued)
            ),
        )
        .await;
        let name = db.store.dialect().name();

        // Read-only first: listed with the right days left, never refreshed.
        let ro = db.store.clone().with_portals(PortalSource::from_config(&laravel(&base, false)).unwrap());
        let check = ro.check_portal_mapping().await.unwrap();
        assert!(check.problems.is_empty(), "{name}: {:?}", check.problems);
        assert!(
            check.understood.iter().any(|l| l.contains("access-token expiry minus expires_in")),
            "{name}: {:?}",
            check.understood
        );
        let svc = service(&ro, &base);
        let board = svc.board(10).await.unwrap();
        assert_eq!(board.rows.len(), 1, "{name}");
        let row = &board.rows[0];
        assert_eq!(row.portal.domain.as_str(), "mapped.bitrix24.ru", "{name}");
        assert_eq!(row.state.days_left, Some(9), "{name}: 180 − 170 days, read through the zone");
        assert_eq!(row.state.class, TokenClass::Warning, "{name}");
        let err = svc.refresh(&alice(), &member()).await.unwrap_err();
        assert!(matches!(err, TokenError::ReadOnlyStore(_)), "{name}: {err:?}");
        assert_eq!(
            scalar(&db.url, "SELECT refresh_token FROM b24_portals").await.as_deref(),
            Some(REFRESH),
            "{name}: untouched"
        );

        // Writable: the refresh lands in the app's row, in its encoding, and nowhere else.
        let rw = db.store.clone().with_portals(PortalSource::from_config(&laravel(&base, true)).unwrap());
        let svc = service(&rw, &base);
        let out = svc.refresh(&alice(), &member()).await.unwrap();
        assert!(matches!(out, RefreshOutcome::Refreshed { .. }), "{name}: {out:?}");
        let stored = scalar(&db.url, "SELECT refresh_token FROM b24_portals").await.unwrap();
        assert_ne!(stored, REFRESH, "{name}: the new pair is in the app's table");
        let native = scalar(&db.url, "SELECT member_id FROM b24ops_portals").await;
        assert!(native.is_none(), "{name}: no second copy: {native:?}");
        let board = svc.board(10).await.unwrap();
        assert!(board.rows[0].state.days_left.unwrap() >= 179, "{name}: {:?}", board.rows[0].state);
        assert_eq!(board.rows[0].portal.last_refresh_by.as_ref().map(|s| s.as_str()), Some("alice"));
        // The pair works: a call through the mapped endpoint template succeeds.
        svc.call(&alice(), &member(), "profile", &serde_json::json!({})).await.unwrap();
    }
}

/// The class counts compare the app's datetime column with the class edges written in the
/// column's own zone and form (not every row converted): they agree with each row's class,
/// portals a minute either side of an edge included; on SQLite an ISO `T` datetime away from the
/// edges is counted right, and `portals check` warns that such text compares by its day only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_class_counts_of_a_mapped_datetime_table_agree_with_its_rows() {
    let now = Utc::now();
    let policy = TokenPolicy::default();
    let dead_edge = now - policy.lifetime;
    let minute = Duration::minutes(1);
    // Issue times: either side of the dead, critical and warning edges, one healthy, one ISO-written.
    let issued = [
        (dead_edge - minute, "dead"),
        (dead_edge + minute, "critical"),
        (dead_edge + policy.critical - minute, "critical"),
        (dead_edge + policy.critical + minute, "warning"),
        (dead_edge + policy.warning - minute, "warning"),
        (dead_edge + policy.warning + minute, "ok"),
        (now - Duration::days(10), "ok"),
    ];
    for b in backends() {
        let db = empty_on(&b).await;
        let name = db.store.dialect().name();
        exec(&db.store, &db.url, create_laravel(&b)).await;
        let msk = |t: chrono::DateTime<Utc>, sep: &str| {
            t.with_timezone(&chrono_tz::Europe::Moscow).format(&format!("%Y-%m-%d{sep}%H:%M:%S")).to_string()
        };
        for (i, (at, _)) in issued.iter().enumerate() {
            // The last one as ISO writes it, where the column is text (SQLite).
            let sep = if i == issued.len() - 1 && matches!(b, Backend::Sqlite) { "T" } else { " " };
            exec(
                &db.store,
                &db.url,
                &format!(
                    "INSERT INTO b24_portals (member_id, domain, access_token, refresh_token, expires_at, updated_at)
                     VALUES ('{i:032x}', 'p{i}.bitrix24.ru', 'a{i}', 'r{i}', '{}', '{}')",
                    msk(*at + Duration::hours(1), sep),
                    msk(*at, sep)
                ),
            )
            .await;
        }
        let store = db.store.clone().with_portals(PortalSource::from_config(&laravel("http://x", false)).unwrap());
        let check = store.check_portal_mapping().await.unwrap();
        let iso = check.warnings.iter().any(|w| w.contains("ISO-style"));
        assert_eq!(iso, matches!(b, Backend::Sqlite), "{name}: the ISO-written text datetime is named: {check:?}");
        let board = service(&store, "http://x").board(100).await.unwrap();
        let tally = |class: TokenClass| board.rows.iter().filter(|r| r.state.class == class).count() as i64;
        let c = board.counts;
        assert_eq!((c.dead, c.critical, c.warning, c.ok), (1, 2, 2, 2), "{name}: {c:?}");
        assert_eq!(
            (c.critical, c.warning, c.ok),
            (tally(TokenClass::Critical), tally(TokenClass::Warning), tally(TokenClass::Ok)),
            "{name}: the counts agree with the rows' classes"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_table_with_a_row_per_user_is_read_through_its_filter() {
    for b in backends() {
        let db = empty_on(&b).await;
        let boolean = if matches!(&b, Backend::Server(u) if u.starts_with("postgres")) { "BOOLEAN" } else { "INTEGER" };
        let (yes, no) = if boolean == "BOOLEAN" { ("TRUE", "FALSE") } else { ("1", "0") };
        exec(
            &db.store,
            &db.url,
            &format!(
                "CREATE TABLE bitrix24account (b24_user_id INTEGER NOT NULL, member_id VARCHAR(255) NOT NULL, is_master_account {boolean},
                 domain_url VARCHAR(255) NOT NULL, status VARCHAR(50), application_token VARCHAR(255), access_token VARCHAR(255),
                 refresh_token VARCHAR(255), expires INTEGER, expires_in INTEGER, current_scope TEXT)"
            ),
        )
        .await;
        let expires = (Utc::now() - Duration::days(100) + Duration::hours(1)).timestamp();
        exec(
            &db.store,
            &db.url,
            &format!(
                "INSERT INTO bitrix24account VALUES
                 (1, '{MEMBER}', {yes}, 'acc.bitrix24.com', 'active', 'apptok', 'A1', 'R1', {expires}, 3600, '[\"crm\",\"user\"]'),
                 (7, '{MEMBER}', {no}, 'acc.bitrix24.com', 'active', 'apptok', 'A7', 'R7', {}, 3600, '[\"crm\"]')",
                expires - 86_400 * 50
            ),
        )
        .await;
        let cfg = PortalsConfig {
            table: "bitrix24account".into(),
            filter: format!("is_master_account = {yes}"),
            columns: PortalColumns {
                domain: "domain_url".into(),
                access_expires_at: "expires".into(),
                expires_in: "expires_in".into(),
                scope: "current_scope".into(),
                application_token: "application_token".into(),
                ..PortalColumns::default()
            },
            ..PortalsConfig::default()
        };
        let store = db.store.clone().with_portals(PortalSource::from_config(&cfg).unwrap());
        let name = store.dialect().name();
        let check = store.check_portal_mapping().await.unwrap();
        assert!(check.problems.is_empty(), "{name}: {:?}", check.problems);
        let p = store.portal(&member()).await.unwrap().unwrap();
        assert_eq!(
            p.scope.as_ref().map(|s| s.as_str()),
            Some("crm,user"),
            "{name}: the master row, its JSON scope as a list"
        );
        let state = TokenPolicy::default().classify_portal(&p, Utc::now());
        assert_eq!(state.days_left, Some(79), "{name}");
        assert_eq!(
            store.application_token(&member()).await.unwrap().map(|s| s.expose().to_owned()).as_deref(),
            Some("apptok")
        );
        let creds = store.portal_credentials(&member()).await.unwrap().unwrap();
        assert_eq!(creds.client_endpoint.as_deref(), Some("https://acc.bitrix24.com/rest/"), "{name}");
        assert_eq!(creds.refresh_token.expose(), "R1", "{name}");
        // A mapping naming a missing column is explained, not run.
        let mut wrong = cfg.clone();
        wrong.columns.refresh_token = "auth_refresh".into();
        let bad = db.store.clone().with_portals(PortalSource::from_config(&wrong).unwrap());
        let check = bad.check_portal_mapping().await.unwrap();
        assert!(check.problems.iter().any(|p| p.contains("auth_refresh")), "{name}: {:?}", check.problems);
    }
}

async fn post_event(base: &str, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    b24ops::bitrix::client::install_crypto();
    let r = reqwest::Client::new().post(format!("{base}/b24/events")).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn application_events_install_uninstall_and_pay_and_a_forged_one_changes_nothing() {
    for b in backends() {
        let db = empty_on(&b).await;
        let name = db.store.dialect().name();
        let tokens = std::sync::Arc::new(service(&db.store, "http://127.0.0.1:9"));
        let intake = Intake::new(db.store.clone(), None, false);
        let app = events_router(EventIntake { intake, tokens: tokens.clone() });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });

        let install = [
            ("event", "ONAPPINSTALL"),
            ("data[VERSION]", "1"),
            ("auth[access_token]", "ev-access"),
            ("auth[expires_in]", "3600"),
            ("auth[refresh_token]", "ev-refresh"),
            ("auth[domain]", "events.bitrix24.com"),
            ("auth[server_endpoint]", "https://oauth.bitrix.info/rest/"),
            ("auth[client_endpoint]", "https://events.bitrix24.com/rest/"),
            ("auth[member_id]", MEMBER),
            ("auth[status]", "T"),
            ("auth[application_token]", "real-app-token"),
        ];
        let (status, body) = post_event(&base, &install).await;
        assert_eq!(status, 200, "{name}: {body}");
        assert_eq!(body["tokens_stored"], true);
        let p = db.store.portal(&member()).await.unwrap().unwrap();
        assert_eq!(p.domain.as_str(), "events.bitrix24.com", "{name}: the portal's domain, never the OAuth server's");
        let creds = db.store.portal_credentials(&member()).await.unwrap().unwrap();
        assert_eq!(creds.refresh_token.expose(), "ev-refresh");

        // A forged uninstall (wrong token) and a forged second install: 401, nothing changed.
        let forged = [("event", "ONAPPUNINSTALL"), ("auth[member_id]", MEMBER), ("auth[application_token]", "guess")];
        assert_eq!(post_event(&base, &forged).await.0, 401, "{name}");
        let mut evil = install;
        evil[4] = ("auth[refresh_token]", "evil-refresh");
        evil[10] = ("auth[application_token]", "evil-token");
        assert_eq!(post_event(&base, &evil).await.0, 401, "{name}: the OAuth server did not vouch for it");
        let creds = db.store.portal_credentials(&member()).await.unwrap().unwrap();
        assert_eq!(creds.refresh_token.expose(), "ev-refresh", "{name}: the real tokens stand");
        assert!(db.store.portal(&member()).await.unwrap().unwrap().uninstalled_at.is_none());

        // Payment, then the real uninstall.
        let pay = [
            ("event", "ONAPPPAYMENT"),
            ("auth[member_id]", MEMBER),
            ("auth[application_token]", "real-app-token"),
            ("data[STATUS]", "P"),
            ("data[PAYMENT_EXPIRED]", "N"),
            ("data[DAYS]", "30"),
        ];
        assert_eq!(post_event(&base, &pay).await.0, 200, "{name}");
        let p = db.store.portal(&member()).await.unwrap().unwrap();
        assert_eq!(p.app_status.map(|s| s.code()), Some("P"), "{name}");
        assert_eq!((p.payment_expired, p.payment_days), (Some(false), Some(30)), "{name}");
        let real = [
            ("event", "ONAPPUNINSTALL"),
            ("auth[member_id]", MEMBER),
            ("auth[application_token]", "real-app-token"),
            ("data[CLEAN]", "0"),
        ];
        assert_eq!(post_event(&base, &real).await.0, 200, "{name}");
        assert!(db.store.portal(&member()).await.unwrap().unwrap().uninstalled_at.is_some(), "{name}");
        let audit = db.store.audit_page(None, 10).await.unwrap();
        let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(actions, vec!["event.uninstall", "event.payment", "event.install"], "{name}");
        for a in &audit {
            let text = format!("{a:?}");
            assert!(!text.contains("ev-refresh") && !text.contains("real-app-token"), "{name}: no secret in the audit");
        }
        // A reinstall after the uninstall is believed: Bitrix24 issues a new application_token.
        let mut again = install;
        again[10] = ("auth[application_token]", "second-token");
        assert_eq!(post_event(&base, &again).await.0, 200, "{name}");
        assert!(db.store.portal(&member()).await.unwrap().unwrap().uninstalled_at.is_none(), "{name}");
    }
}

async fn fault(base: &str, body: serde_json::Value) {
    b24ops::bitrix::client::install_crypto();
    let r = reqwest::Client::new().post(format!("{base}/_emulator/fault")).json(&body).send().await.unwrap();
    assert!(r.status().is_success(), "fault {body}: {}", r.status());
}

/// Polls `check` until it holds (events are delivered in the background, as Bitrix24's queue does).
async fn eventually<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulators_events_reach_serve_and_keep_the_portal_known() {
    let db = empty_on(&Backend::Sqlite).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let events_url = format!("http://{}/b24/events", listener.local_addr().unwrap());
    let mut spec = spec(Utc::now());
    spec.uninstalled = true;
    let mut world = World::new(WorldSpec { app: app(), portals: vec![spec] }, Utc::now());
    world.event_handler = Some(events_url);
    let emu = emulator::start(world, "127.0.0.1:0".parse().unwrap(), Clock::System).await.unwrap();
    let base = emu.emulator.base_url().to_owned();
    let tokens = std::sync::Arc::new(service(&db.store, &base));
    let app = events_router(EventIntake { intake: Intake::new(db.store.clone(), None, false), tokens: tokens.clone() });
    tokio::spawn(async move { axum::serve(listener, app).await });
    let store = db.store.clone();
    let installed = || {
        let s = store.clone();
        async move { s.portal(&member()).await.unwrap().is_some_and(|p| p.uninstalled_at.is_none()) }
    };

    // Install: the event carries the tokens; b24ops stores them and can call at once.
    fault(&base, serde_json::json!({"fault": "install", "member_id": MEMBER})).await;
    eventually("the install is stored", installed).await;
    let env = tokens.call(&alice(), &member(), "profile", &serde_json::json!({})).await.unwrap();
    assert_eq!(env.result["ID"], serde_json::json!("1"), "Bitrix24 answers ids as strings");
    // Payment: status and days from the event.
    fault(&base, serde_json::json!({"fault": "plan", "member_id": MEMBER, "status": "P", "days_left": 30})).await;
    let s = store.clone();
    eventually("the payment is recorded", move || {
        let s = s.clone();
        async move { s.portal(&member()).await.unwrap().is_some_and(|p| p.payment_days == Some(30)) }
    })
    .await;
    // Uninstall, then a reinstall with a new application_token.
    fault(&base, serde_json::json!({"fault": "uninstall", "member_id": MEMBER})).await;
    let s = store.clone();
    eventually("the uninstall is recorded", move || {
        let s = s.clone();
        async move { s.portal(&member()).await.unwrap().is_some_and(|p| p.uninstalled_at.is_some()) }
    })
    .await;
    fault(&base, serde_json::json!({"fault": "install", "member_id": MEMBER})).await;
    eventually("the reinstall is stored", installed).await;
    tokens.call(&alice(), &member(), "profile", &serde_json::json!({})).await.unwrap();
}

/// Runs the official JS SDK's script; its exit status and last JSON line.
fn node(mode: &str, vars: &[(&str, String)]) -> (i32, String) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    let mut cmd = std::process::Command::new("node");
    cmd.arg(dir.join("one_store.mjs")).arg(mode).current_dir(&dir);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), format!("{stdout}{stderr}"))
}

/// The official JS SDK and b24ops refresh the same portal through one table, and nothing is lost.
/// Needs the SDK installed (`npm ci --prefix tests/js`) and PostgreSQL; `.ci/run` provides both
/// and sets `B24OPS_TEST_JSSDK=1`, which makes a missing piece a failure instead of a skip.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_js_sdk_and_b24ops_share_one_token_store() {
    let required = std::env::var("B24OPS_TEST_JSSDK").is_ok_and(|v| v == "1");
    let installed =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js/node_modules/@bitrix24/b24jssdk").exists();
    let pg = backends().into_iter().find(|b| matches!(b, Backend::Server(u) if u.starts_with("postgres")));
    let (Some(pg), true) = (pg, installed) else {
        assert!(!required, "B24OPS_TEST_JSSDK=1 but the SDK (npm ci --prefix tests/js) or PostgreSQL is missing");
        eprintln!("notice: the b24jssdk test skipped: run `npm ci --prefix tests/js` and set B24OPS_TEST_POSTGRES_URL");
        return;
    };
    let world = World::new(WorldSpec { app: app(), portals: vec![spec(Utc::now() - Duration::days(170))] }, Utc::now());
    let emu = emulator::start(world, "127.0.0.1:0".parse().unwrap(), Clock::System).await.unwrap();
    let base = emu.emulator.base_url().to_owned();
    let db = empty_on(&pg).await;
    exec(
        &db.store,
        &db.url,
        "CREATE TABLE b24_portals (member_id VARCHAR(64) PRIMARY KEY, domain VARCHAR(255), client_endpoint TEXT,
         server_endpoint TEXT, access_token TEXT, refresh_token TEXT, expires BIGINT, updated_at TIMESTAMP)",
    )
    .await;
    let expires = (Utc::now() + Duration::minutes(30)).timestamp();
    exec(
        &db.store,
        &db.url,
        &format!(
            "INSERT INTO b24_portals VALUES ('{MEMBER}', 'mapped.bitrix24.ru', '{base}/mapped.bitrix24.ru/rest/', '{base}/rest/',
             '{ACCESS}', '{REFRESH}', {expires}, now())"
        ),
    )
    .await;
    let state = tempfile::NamedTempFile::new().unwrap();
    let vars = [
        ("DATABASE_URL", db.url.clone()),
        ("TABLE", "b24_portals".to_owned()),
        ("MEMBER_ID", MEMBER.to_owned()),
        ("CLIENT_ID", "app.map.1".to_owned()),
        ("CLIENT_SECRET", SECRET.to_owned()),
        ("STATE_FILE", state.path().display().to_string()),
    ];
    let (code, out) = node("call", &vars);
    assert_eq!(code, 0, "the SDK calls with the table's pair: {out}");

    // The SDK meets expired_token, refreshes through the emulator, and its callback stores the pair.
    fault(&base, serde_json::json!({"fault": "expire_access", "member_id": MEMBER})).await;
    let (code, out) = node("call", &vars);
    assert!(code == 0 && out.contains(r#""stored":true"#), "the SDK refreshed into the table: {out}");
    let after_sdk = scalar(&db.url, "SELECT refresh_token FROM b24_portals").await.unwrap();
    assert_ne!(after_sdk, REFRESH);

    // b24ops refreshes the same portal from the same table.
    let cfg = PortalsConfig {
        table: "b24_portals".into(),
        writable: true,
        columns: PortalColumns {
            domain: "domain".into(),
            client_endpoint: "client_endpoint".into(),
            server_endpoint: "server_endpoint".into(),
            access_expires_at: "expires".into(),
            updated_at: "updated_at".into(),
            ..PortalColumns::default()
        },
        times: PortalTimes {
            access_expires_at: "epoch_s".into(),
            updated_at: "datetime".into(),
            ..PortalTimes::default()
        },
        ..PortalsConfig::default()
    };
    let store = db.store.clone().with_portals(PortalSource::from_config(&cfg).unwrap());
    let svc = service(&store, &base);
    let out = svc.refresh(&alice(), &member()).await.unwrap();
    assert!(matches!(out, RefreshOutcome::Refreshed { .. }), "{out:?}");
    let after_b24ops = scalar(&db.url, "SELECT refresh_token FROM b24_portals").await.unwrap();
    assert_ne!(after_b24ops, after_sdk, "b24ops stored its pair in the app's table");

    // A copy kept anywhere else is dead now — the mirror problem — ...
    fault(&base, serde_json::json!({"fault": "expire_access", "member_id": MEMBER})).await;
    let (code, out) = node("call-stale", &vars);
    assert_ne!(code, 0, "the pair the SDK held in memory was used up by b24ops's refresh: {out}");
    // ... while the SDK that reads the one store goes on.
    let (code, out) = node("call", &vars);
    assert!(code == 0 && out.contains(r#""stored":true"#), "the SDK refreshed b24ops's pair and goes on: {out}");
    let board = svc.board(5).await.unwrap();
    assert!(board.rows[0].state.days_left.unwrap() >= 179, "{:?}", board.rows[0].state);
}

/// Events that never arrived are repaired by asking the trusted app.info: a missed uninstall, a
/// status that changed. A portal whose access token expired is reported, not guessed about.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_repairs_what_missed_events_left_wrong() {
    let db = empty_on(&Backend::Sqlite).await;
    let mut s = spec(Utc::now() - Duration::days(20));
    s.status = "T".into();
    s.access_expires_at = Some(Utc::now() + Duration::minutes(30));
    let world = World::new(WorldSpec { app: app(), portals: vec![s] }, Utc::now());
    let emu = emulator::start(world, "127.0.0.1:0".parse().unwrap(), Clock::System).await.unwrap();
    let base = emu.emulator.base_url().to_owned();
    let now = Utc::now();
    db.store
        .upsert_portal(
            &b24ops::store::PortalRecord {
                member_id: MEMBER.into(),
                domain: "mapped.bitrix24.ru".into(),
                client_endpoint: format!("{base}/mapped.bitrix24.ru/rest/"),
                server_endpoint: format!("{base}/rest/"),
                access_token: ACCESS.into(),
                access_expires_at: now + Duration::minutes(30),
                refresh_token: REFRESH.into(),
                refresh_issued_at: now - Duration::days(20),
                scope: "crm,user".into(),
                app_status: b24ops::model::AppStatus::Trial,
                installed_at: now - Duration::days(20),
                uninstalled_at: None,
                last_seen_at: None,
                last_refresh_error: None,
            },
            now,
        )
        .await
        .unwrap();
    let svc = service(&db.store, &base);
    let pace = StdDuration::from_millis(1);
    // The customer paid, and the ONAPPPAYMENT never came.
    fault(&base, serde_json::json!({"fault": "plan", "member_id": MEMBER, "status": "P", "days_left": 300})).await;
    let found = svc.reconcile(&alice(), false, pace, |_| {}).await.unwrap();
    assert!(found[0].repaired && found[0].finding.contains("T → P"), "{found:?}");
    assert_eq!(db.store.portal(&member()).await.unwrap().unwrap().app_status.map(|s| s.code()), Some("P"));
    // Then the app was removed, and the ONAPPUNINSTALL was lost too.
    fault(&base, serde_json::json!({"fault": "uninstall", "member_id": MEMBER})).await;
    let found = svc.reconcile(&alice(), false, pace, |_| {}).await.unwrap();
    assert!(found[0].repaired && found[0].finding.contains("uninstalled"), "{found:?}");
    assert!(db.store.portal(&member()).await.unwrap().unwrap().uninstalled_at.is_some());
    let audit = db.store.audit_page(None, 5).await.unwrap();
    assert_eq!(audit.iter().filter(|a| a.action.as_str() == "token.reconcile").count(), 2);
    // Read-only reconciles nothing.
    let ro = Actor { operator: "ro".into(), read_only: true };
    assert!(svc.reconcile(&ro, false, pace, |_| {}).await.is_err());
}
