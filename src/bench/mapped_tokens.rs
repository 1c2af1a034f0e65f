//! The Tokens tab on an app's own token table mapped in `[portals]`: a table shaped like
//! b24phpsdk's Bitrix24 account (a row per user, the portal's master picked by a filter) with its
//! token times in datetime columns of the app's zone — the costliest encoding to read, since every
//! time goes through a zone conversion. The table is made for the run and dropped after it; the
//! peer runs the same expressions through the native driver.

use chrono::{DateTime, Duration, Utc};
use color_eyre::eyre::{Result, WrapErr};

use super::raw::Raw;
use crate::clock::Clock;
use crate::config::{Config, PortalColumns, PortalTimes, PortalsConfig};
use crate::rules::tokens::TokenPolicy;
use crate::services::tokens::TokenService;
use crate::store::{Dialect, PortalSource, Store};

/// The app-shaped table's name: b24ops's prefix, so it is never mistaken for the app's own.
pub const TABLE: &str = "b24ops_bench_accounts";
/// Portals (master rows) in the table.
const PORTALS: usize = 50_000;
/// One user row beside the master for every this many portals, so the filter has work to do.
const USERS_EVERY: usize = 5;
/// The app's zone its datetimes are written in.
const ZONE: &str = "Europe/Moscow";

/// The mapping an operator would write for the table.
fn mapping() -> PortalsConfig {
    PortalsConfig {
        table: TABLE.into(),
        writable: false,
        filter: "is_master_account = 1".into(),
        rest_url: "https://{domain}/rest/".into(),
        columns: PortalColumns {
            domain: "domain_url".into(),
            access_expires_at: "expires_at".into(),
            updated_at: "updated_at".into(),
            scope: "current_scope".into(),
            status: "status".into(),
            application_token: "application_token".into(),
            ..PortalColumns::default()
        },
        times: PortalTimes {
            access_expires_at: format!("datetime:{ZONE}"),
            updated_at: format!("datetime:{ZONE}"),
            ..PortalTimes::default()
        },
    }
}

/// The two figure lines for the mapped table, made, measured and dropped.
pub async fn lines(store: &Store, raw: &Raw, cfg: &Config, clock: Clock, iterations: usize) -> Result<String> {
    let d = store.dialect();
    let now = clock.now();
    raw.make_accounts(d, now).await.wrap_err("making the app-shaped token table")?;
    let mut measured = measure(store, raw, cfg, clock, iterations, "").await;
    // Then with the one index a vendor may add on its own table: the expiry column.
    if measured.is_ok() {
        let index = format!("CREATE INDEX {TABLE}_expires ON {TABLE} (expires_at)");
        raw.run_all(&[index]).await.wrap_err("indexing the app-shaped token table")?;
        match measure(store, raw, cfg, clock, iterations, ", expiry indexed").await {
            Ok(more) => measured = measured.map(|m| m + &more),
            Err(e) => measured = Err(e),
        }
    }
    raw.drop_accounts().await.wrap_err("dropping the app-shaped token table")?;
    measured
}

async fn measure(
    store: &Store,
    raw: &Raw,
    cfg: &Config,
    clock: Clock,
    iterations: usize,
    variant: &str,
) -> Result<String> {
    let d = store.dialect();
    let source = PortalSource::from_config(&mapping())?;
    let issued = source.issue_time_sql(d);
    let order = source.order_sql(d);
    let rows = source.rows_sql();
    let tokens =
        TokenService::new(store.clone().with_portals(source), crate::services::settings::token_settings(cfg)?, clock)?;
    let dead = (tokens.now() - TokenPolicy::default().lifetime).timestamp_millis();
    let figures = [
        (format!("mapped, counts + first 200 ({PORTALS}{variant})"), 200, "p99 ≤ 50 ms"),
        (format!("mapped, tokens list (2,000{variant})"), 2000, "—"),
    ];
    super::tokens::board_lines(&tokens, figures, iterations, |limit| {
        raw.mapped_token_page(d, [&rows, &issued, &order], dead, limit)
    })
    .await
}

/// One row's values as SQL literals: generated here, never from outside.
fn account_row(i: usize, master: bool, now: DateTime<Utc>, zone: chrono_tz::Tz) -> String {
    // Issue times spread over the refresh token's 180 days and a little past them.
    let issued = now - Duration::minutes(((i as i64).wrapping_mul(7_919) % (200 * 24 * 60)).abs());
    let wall = |t: DateTime<Utc>| t.with_timezone(&zone).format("'%Y-%m-%d %H:%M:%S'").to_string();
    format!(
        "({i}, '{:032x}', {}, 'p{}.bitrix24.ru', 'active', 'apptoken{i}', 'access{i}', 'refresh{i}', {}, {}, '[\"crm\",\"user\"]')",
        i % PORTALS,
        if master { 1 } else { 0 },
        i % PORTALS,
        wall(issued + Duration::hours(1)),
        wall(issued)
    )
}

impl Raw {
    /// Creates and fills the app-shaped table through the native driver, with the indexes such a
    /// table has (its key, member_id).
    async fn make_accounts(&self, d: Dialect, now: DateTime<Utc>) -> Result<()> {
        let zone: chrono_tz::Tz = ZONE.parse().map_err(|_| color_eyre::eyre::eyre!("zone {ZONE}"))?;
        let (time, text) = match d {
            Dialect::Sqlite => ("TEXT", "TEXT"),
            Dialect::Postgres => ("TIMESTAMP", "VARCHAR(255)"),
            Dialect::MySql => ("DATETIME", "VARCHAR(255)"),
        };
        let mut statements = vec![
            format!("DROP TABLE IF EXISTS {TABLE}"),
            format!(
                "CREATE TABLE {TABLE} (id INTEGER PRIMARY KEY, member_id {text} NOT NULL, is_master_account INTEGER NOT NULL,
                 domain_url {text} NOT NULL, status {text}, application_token {text}, access_token {text},
                 refresh_token {text}, expires_at {time}, updated_at {time}, current_scope {text})"
            ),
            format!("CREATE INDEX {TABLE}_member ON {TABLE} (member_id)"),
        ];
        let users = PORTALS / USERS_EVERY;
        let all: Vec<String> = (0..PORTALS)
            .map(|i| account_row(i, true, now, zone))
            .chain((0..users).map(|u| account_row(PORTALS + u * USERS_EVERY, false, now, zone)))
            .collect();
        for chunk in all.chunks(500) {
            statements.push(format!("INSERT INTO {TABLE} VALUES {}", chunk.join(", ")));
        }
        statements.push(match d {
            Dialect::Sqlite => "ANALYZE".into(),
            Dialect::Postgres => format!("ANALYZE {TABLE}"),
            Dialect::MySql => format!("ANALYZE TABLE {TABLE}"),
        });
        self.run_all(&statements).await
    }

    async fn drop_accounts(&self) -> Result<()> {
        self.run_all(&[format!("DROP TABLE IF EXISTS {TABLE}")]).await
    }

    async fn run_all(&self, statements: &[String]) -> Result<()> {
        for sql in statements {
            match self {
                Raw::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
                Raw::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
                Raw::MySql(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
            }
            .wrap_err_with(|| format!("{:.80}", sql))?;
        }
        Ok(())
    }

    /// The Tokens tab's two statements on a mapped table (the table expression, the issue-time
    /// expression, the order): the counts by the issue time, and the first `limit` portals.
    async fn mapped_token_page(
        &self,
        d: Dialect,
        [rows, issued, order]: [&str; 3],
        dead_ms: i64,
        limit: i64,
    ) -> Result<usize, sqlx::Error> {
        let counts = d.sql_owned(format!(
            "SELECT SUM(CASE WHEN {issued} <= ? THEN 1 ELSE 0 END) AS dead,
                    SUM(CASE WHEN {issued} > ? THEN 1 ELSE 0 END) AS alive FROM {rows} t"
        ));
        let page = d.sql_owned(format!(
            "SELECT t.member_id, t.domain_url, t.expires_at, t.updated_at, t.current_scope, t.status, {issued} AS issued
             FROM {rows} t WHERE {issued} IS NOT NULL ORDER BY {order}, t.member_id LIMIT ?"
        ));
        match self {
            Raw::Sqlite(p) => {
                sqlx::query(&counts).bind(dead_ms).bind(dead_ms).fetch_one(p).await?;
                Ok(sqlx::query(&page).bind(limit).fetch_all(p).await?.len())
            }
            Raw::Postgres(p) => {
                sqlx::query(&counts).bind(dead_ms).bind(dead_ms).fetch_one(p).await?;
                Ok(sqlx::query(&page).bind(limit).fetch_all(p).await?.len())
            }
            Raw::MySql(p) => {
                sqlx::query(&counts).bind(dead_ms).bind(dead_ms).fetch_one(p).await?;
                Ok(sqlx::query(&page).bind(limit).fetch_all(p).await?.len())
            }
        }
    }
}
