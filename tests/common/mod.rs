//! Shared test helpers: a seeded SQLite database with a fixed clock.

#![allow(dead_code)]

use b24ops::demo::seed::{SeedSpec, seed};
use b24ops::store::{OpenMode, Store};
use chrono::{DateTime, Utc};

/// The instant every test's data leads up to.
pub fn now() -> DateTime<Utc> {
    "2026-11-24T12:00:00Z".parse().unwrap()
}

/// A migrated, seeded SQLite database in a temporary directory.
pub struct TestDb {
    /// The store.
    pub store: Store,
    /// `sqlite://…` URL.
    pub url: String,
    /// Keeps the directory alive.
    pub dir: tempfile::TempDir,
}

/// A fresh empty migrated database.
pub async fn empty_db() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let store = Store::connect(&url, OpenMode::CreateIfMissing).await.unwrap();
    store.migrate().await.unwrap();
    TestDb { store, url, dir }
}

/// A database seeded with `calls` calls over 60 portals (seed 7, hostile rows included).
pub async fn seeded_db(calls: u64) -> TestDb {
    let db = empty_db().await;
    let spec = SeedSpec { seed: 7, portals: 60, calls, now: now(), hostile: true };
    seed(&db.store, &spec, |_, _, _| {}).await.unwrap();
    db
}
