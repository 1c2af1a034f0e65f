//! Shared test helpers: databases on every backend, seeded with a fixed clock.
//!
//! SQLite always runs. PostgreSQL and MySQL/MariaDB run when `B24OPS_TEST_POSTGRES_URL` and
//! `B24OPS_TEST_MYSQL_URL` name a server (an admin URL: each test creates and drops its own
//! database); without them those backends are skipped with a printed notice.

#![allow(dead_code)]

pub mod bot_api;
pub mod intake;
pub mod process;
pub mod smtp;

use std::sync::atomic::{AtomicUsize, Ordering};

use b24ops::demo::seed::{SeedSpec, seed};
use b24ops::store::{OpenMode, Store};
use chrono::{DateTime, Utc};

/// The instant every test's data leads up to.
pub fn now() -> DateTime<Utc> {
    "2026-11-24T12:00:00Z".parse().unwrap()
}

/// A migrated database that is removed when dropped.
pub struct TestDb {
    /// The store.
    pub store: Store,
    /// Its URL.
    pub url: String,
    /// Keeps a SQLite file's directory alive.
    pub dir: Option<tempfile::TempDir>,
    /// For a server database: the admin URL and the database name to drop.
    server: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.server.take() else { return };
        let store = self.store.clone();
        let cleanup = async move {
            store.close().await;
            if let Ok(pool) = sqlx::AnyPool::connect(&admin).await {
                let force = if admin.starts_with("postgres") { " WITH (FORCE)" } else { "" };
                let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name}{force}")).execute(&pool).await;
                pool.close().await;
            }
        };
        // Server tests run on a multi-threaded runtime, so the pool's tasks keep running while
        // this thread blocks on the cleanup.
        match tokio::runtime::Handle::try_current() {
            Ok(h) => tokio::task::block_in_place(|| h.block_on(cleanup)),
            Err(_) => tokio::runtime::Runtime::new().unwrap().block_on(cleanup),
        }
    }
}

/// A backend to run the store suite on.
#[derive(Clone, Debug)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A server reached through this admin URL.
    Server(String),
}

/// Every backend available: SQLite, plus the servers named by the environment.
pub fn backends() -> Vec<Backend> {
    let mut out = vec![Backend::Sqlite];
    for (var, name) in [("B24OPS_TEST_POSTGRES_URL", "PostgreSQL"), ("B24OPS_TEST_MYSQL_URL", "MySQL/MariaDB")] {
        match std::env::var(var) {
            Ok(url) if !url.is_empty() => out.push(Backend::Server(url)),
            _ => notice_once(var, name),
        }
    }
    out
}

/// Says once per test binary which backend is skipped. Written to the stderr handle directly:
/// the test harness captures `eprintln!` of passing tests, and this must be seen.
fn notice_once(var: &str, name: &str) {
    use std::io::Write;
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut said = SAID.lock().unwrap();
    if !said.iter().any(|v| v == var) {
        said.push(var.to_owned());
        let _ = writeln!(std::io::stderr(), "notice: {name} tests skipped: set {var} to run them");
    }
}

/// `url` with its database (the last path segment) replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map(|(b, q)| (b, Some(q))).unwrap_or((url, None));
    let (scheme, rest) = base.split_once("://").unwrap();
    let authority = rest.split('/').next().unwrap();
    let mut out = format!("{scheme}://{authority}/{name}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A fresh empty migrated database on `backend`.
pub async fn empty_on(backend: &Backend) -> TestDb {
    empty_at(backend, b24ops::store::latest_version()).await
}

/// An empty database on `backend` migrated only up to `version`.
pub async fn empty_at(backend: &Backend, version: i64) -> TestDb {
    static N: AtomicUsize = AtomicUsize::new(0);
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            let store = Store::connect(&url, OpenMode::CreateIfMissing).await.unwrap();
            store.migrate_to(version).await.unwrap();
            TestDb { store, url, dir: Some(dir), server: None }
        }
        Backend::Server(admin) => {
            sqlx::any::install_default_drivers();
            let name = format!("b24ops_t{}_{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst));
            let pool = sqlx::AnyPool::connect(admin).await.expect("the test database server is reachable");
            sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&pool).await.unwrap();
            pool.close().await;
            let url = with_database(admin, &name);
            let store = Store::connect(&url, OpenMode::CreateIfMissing).await.unwrap();
            store.migrate_to(version).await.unwrap();
            TestDb { store, url, dir: None, server: Some((admin.clone(), name)) }
        }
    }
}

/// A fresh empty migrated SQLite database.
pub async fn empty_db() -> TestDb {
    empty_on(&Backend::Sqlite).await
}

/// `db` seeded with `calls` calls over 60 portals (seed 7, hostile rows included).
pub async fn seed_into(db: &TestDb, calls: u64) {
    let spec = SeedSpec { seed: 7, portals: 60, calls, now: now(), hostile: true };
    seed(&db.store, &spec, |_, _, _| {}).await.unwrap();
}

/// A seeded SQLite database.
pub async fn seeded_db(calls: u64) -> TestDb {
    let db = empty_db().await;
    seed_into(&db, calls).await;
    db
}

/// A seeded database on every available backend.
pub async fn seeded_everywhere(calls: u64) -> Vec<TestDb> {
    let mut out = Vec::new();
    for b in backends() {
        let db = empty_on(&b).await;
        seed_into(&db, calls).await;
        out.push(db);
    }
    out
}

/// A console state on the Calls tab at the test clock, as the operator "tester" sees it.
pub fn console_state(read_only: bool) -> b24ops::tui::state::AppState {
    b24ops::tui::state::AppState::new(
        "sqlite://test.db".into(),
        "tester".into(),
        read_only,
        now(),
        b24ops::tui::zone::DisplayZone::from_setting("UTC"),
        10,
        2000,
    )
}

/// Applies `msg` to `state` and every effect it causes, to completion, in order.
pub async fn drive(
    state: &mut b24ops::tui::state::AppState,
    runner: &b24ops::tui::runner::Runner,
    msg: b24ops::tui::update::Msg,
) {
    let mut queue = std::collections::VecDeque::from([msg]);
    while let Some(m) = queue.pop_front() {
        let out = b24ops::tui::update::update(state, m);
        for fx in out.effects {
            queue.push_back(runner.execute(fx).await);
        }
    }
}

/// A runner for the console tests: operator "tester", the test clock, no Bitrix24 keys.
pub fn test_runner(store: &Store, read_only: bool) -> b24ops::tui::runner::Runner {
    let policy = b24ops::rules::tokens::TokenPolicy::default();
    let tokens = b24ops::services::tokens::TokenService::with(
        store.clone(),
        None,
        Default::default(),
        policy,
        b24ops::clock::Clock::Fixed(now()),
        None,
    )
    .unwrap();
    b24ops::tui::runner::Runner {
        store: store.clone(),
        policy,
        threshold_15m: 10,
        actor: b24ops::services::tasks::Actor { operator: "tester".into(), read_only },
        review_policy: Default::default(),
        tokens: std::sync::Arc::new(tokens),
        sla: std::sync::Arc::new(b24ops::config::Config::default().sla.rules("UTC").unwrap()),
        token_settings: Default::default(),
        zone: chrono_tz::Tz::UTC,
        records: records_dir(),
        alerts: std::sync::Arc::new((
            b24ops::config::Config::default().alerts.rules().unwrap(),
            b24ops::services::settings::alert_context(&b24ops::config::Config::default()).unwrap(),
        )),
    }
}

/// A directory of its own, not yet made, for a console's incident records.
pub fn records_dir() -> std::path::PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    std::env::temp_dir().join(format!("b24ops-records-{}-{n}", std::process::id())).join("incidents")
}

/// A failed REST call of `member` with `code` at `ts`.
pub fn failed_call(member: &str, code: &str, ts: DateTime<Utc>) -> b24ops::model::NewApiCall {
    b24ops::model::NewApiCall {
        ts,
        member_id: member.into(),
        method: "crm.deal.list".into(),
        http_status: Some(400),
        error_code: Some(code.into()),
        error_description: None,
        duration_ms: Some(5),
        operating: None,
        request_id: None,
        task_id: None,
        source: "app".into(),
    }
}

/// An emulated app with a 180-day refresh token and the given operating-time limit.
pub fn emu_app(client_id: &str, secret: &str, operating_limit_secs: f64) -> b24ops::emulator::EmuApp {
    b24ops::emulator::EmuApp {
        client_id: client_id.into(),
        client_secret: secret.into(),
        refresh_lifetime_days: 180,
        operating_limit_secs,
        redirect_uri: String::new(),
    }
}

/// An emulated portal on a paid plan with 200 days left, `scope` granted, three users, and a token
/// pair issued at `issued` whose access token lives an hour. Tests change what they are about.
pub fn paid_portal(
    member_id: &str,
    domain: &str,
    scope: &str,
    tokens: Option<(&str, &str)>,
    issued: DateTime<Utc>,
) -> b24ops::emulator::PortalSpec {
    b24ops::emulator::PortalSpec {
        member_id: member_id.into(),
        domain: domain.into(),
        old_domains: vec![],
        status: "P".into(),
        days_left: Some(200),
        scope: scope.into(),
        enterprise: false,
        uninstalled: false,
        stopped: false,
        access_token: tokens.map(|t| t.0.into()),
        access_expires_at: tokens.map(|_| issued + chrono::Duration::hours(1)),
        refresh_token: tokens.map(|t| t.1.into()),
        refresh_issued_at: tokens.map(|_| issued),
        placements: vec![],
        missing_methods: vec![],
        users: 3,
    }
}
