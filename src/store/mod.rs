//! The database: connect by URL, migrate, and one file per table family.
//!
//! Every query is bounded (LIMIT) and served by an index; history pages by keyset on `id`.
//! Times are stored as integer milliseconds since the Unix epoch (UTC), which every backend
//! indexes and compares the same way.

mod alerts;
mod audit;
mod bulk;
mod call_hours;
mod calls;
mod chat_tickets;
mod codec;
mod dialect;
pub mod doc_lists;
mod error_buckets;
mod error_rows;
mod error_sql;
mod error_window;
mod errors;
mod file_identity;
mod incidents;
mod intake_keys;
mod issue_key;
mod json_page;
mod laravel_tasks;
pub mod limits;
mod maintenance;
mod member_scan;
mod migrate;
mod operating;
mod outbox;
mod partitions;
mod portal_check;
mod portal_source;
mod portal_state;
mod portals;
mod queue_fixture;
mod redis_push;
mod retention;
mod reviews;
mod row_read;
mod search_sql;
mod seed_writer;
mod sentry_events;
mod symfony_tasks;
mod task_source;
mod tasks;
mod telegram;
mod tickets;
mod token_counts;
mod tokens;
mod work;

use std::sync::{Arc, Once};
use std::time::Duration as StdDuration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};

pub use audit::NewAudit;
pub use call_hours::CALL_HOURS_CAP;
pub use calls::{CallPage, PageDirection};
pub use chat_tickets::ChatTarget;
pub use dialect::Dialect;
pub use doc_lists::DocList;
pub use error_window::ErrorWindow;
pub use errors::{GROUP_LIMIT, GROUP_PAGE};
pub use incidents::{Incident, IncidentEvent};
pub use intake_keys::{INTAKE_KEYS_KEPT_HOURS, IntakeKey, KeptAnswer};
pub use maintenance::DoneRecord;
pub use member_scan::{MEMBER_SCAN_IDS, SerializedAs, member_column_ddl};
pub use migrate::{MIGRATIONS, latest_version};
pub use operating::OperatingPeak;
pub use outbox::OutboxItem;
pub use partitions::{CallPartition, Conversion, NewDay};
pub use portal_check::MappingReport;
pub use portal_source::{IssueRule, PortalSource};
pub use portal_state::{AppEvent, EventOutcome, InstallTokens};
pub use portals::PortalRecord;
pub use queue_fixture::{FixturePortals, QueueShape};
pub use retention::PRUNED_TABLES;
pub use reviews::{DRAFT_AUDIT_WINDOW_MINUTES, DraftOutcome, ImportReport, MarkOutcome};
pub use seed_writer::{ReviewRecord, SeedWriter, TaskRecord, TicketRecord};
pub use sentry_events::AppErrorSample;
pub use task_source::{LaravelSource, SymfonySource, TaskSource};
pub use tasks::{TaskAction, WriteOutcome};
pub use telegram::{TELEGRAM_CHANNEL, TelegramChat};
pub use tickets::{TicketChange, TicketScope};
pub use token_counts::TokenCounts;
pub use tokens::{PortalCredentials, TokenSwap, domain_of};

use crate::model::mask_url;

/// Something the database did not do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no backend b24ops speaks.
    #[error("unsupported database URL {0} (use sqlite://, postgres:// or mysql://)")]
    UnsupportedUrl(String),
    /// The SQLite file does not exist and creating it was not asked for.
    #[error("no database at {0}: run `b24ops migrate` (or `b24ops demo`) first")]
    Missing(String),
    /// The schema is older than this binary.
    #[error("the database schema is at version {found}, this b24ops needs {needed}: run `b24ops migrate`")]
    Outdated {
        /// Applied version.
        found: i64,
        /// Version this binary expects.
        needed: i64,
    },
    /// A row held a value the console cannot use.
    #[error("malformed row in {table}: {reason}")]
    Malformed {
        /// Table name.
        table: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The database cannot do what was asked, as asked (the reason says what would).
    #[error("{0}")]
    Refused(String),
    /// The driver failed (connection lost, SQL error …).
    #[error("database error: {0}")]
    Sql(sqlx::Error),
}

// By hand rather than `#[from]`: the driver's error already says everything, and marking it as
// the source would print it two more times in a one-line report.
impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Sql(e)
    }
}

impl StoreError {
    /// True when a unique key refused the row: for an idempotency key, another copy of the same
    /// request committed first.
    pub fn is_duplicate_key(&self) -> bool {
        matches!(self, StoreError::Sql(sqlx::Error::Database(e)) if e.is_unique_violation())
    }

    /// True when the database refused a value (SQLSTATE class 22, data exception: a byte the
    /// encoding cannot hold, a string too long for its column, a number out of range) rather than
    /// the connection or the schema failing: the request is at fault and a retry cannot help.
    pub fn is_bad_value(&self) -> bool {
        match self {
            StoreError::Sql(sqlx::Error::Database(e)) => e.code().is_some_and(|c| c.starts_with("22")),
            _ => false,
        }
    }
}

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// A handle on the app's database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
    masked_url: String,
    /// SQLite: the file opened, checked by [`Store::ping`] and before each write transaction.
    file: Option<file_identity::FileIdentity>,
    portals: Arc<PortalSource>,
    tasks: Arc<TaskSource>,
}

/// How to open the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// The database must exist (the console, reports).
    Existing,
    /// Create a missing SQLite file (migrate, seed, demo).
    CreateIfMissing,
}

impl Store {
    /// Connects to `url`.
    pub async fn connect(url: &str, mode: OpenMode) -> StoreResult<Store> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(install_default_drivers);
        let dialect = Dialect::from_url(url).ok_or_else(|| StoreError::UnsupportedUrl(mask_url(url)))?;
        let masked_url = mask_url(url);
        let url = match dialect {
            Dialect::Sqlite => sqlite_url(url, mode)?,
            _ => url.to_owned(),
        };
        let mut opts = AnyPoolOptions::new()
            .max_connections(if dialect == Dialect::Sqlite { 4 } else { 8 })
            .acquire_timeout(StdDuration::from_secs(5));
        if dialect == Dialect::Sqlite {
            // A local file cannot drop a connection; pinging before every query doubles the
            // cost of the live tail's polls.
            opts = opts.test_before_acquire(false).after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;")
                        .await?;
                    Ok(())
                })
            });
        }
        if dialect == Dialect::Postgres {
            // Every console query is an index probe on hot pages; at the default page costs the
            // planner walks the primary key backwards for a busy portal instead (6 ms against
            // 0.7 ms at 10M rows). This applies to b24ops's own sessions only.
            opts = opts.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // UTC sessions: an app's datetime columns are read as written (see
                    // portal_source), whatever the server's own zone.
                    conn.execute("SET random_page_cost = 1.1; SET TIME ZONE 'UTC'").await?;
                    Ok(())
                })
            });
        }
        if dialect == Dialect::MySql {
            opts = opts.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute("SET time_zone = '+00:00'").await?;
                    Ok(())
                })
            });
        }
        let pool = opts.connect(&url).await?;
        let file = file_identity::sqlite_path(&url).and_then(|p| file_identity::FileIdentity::of(&p));
        Ok(Store { pool, dialect, masked_url, file, portals: Arc::new(PortalSource::native()), tasks: Arc::default() })
    }

    /// The backend in use.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The same store reading portals from `source` (the app's own table when `[portals]` maps one).
    pub fn with_portals(mut self, source: PortalSource) -> Store {
        self.portals = Arc::new(source);
        self
    }

    /// The same store reading failed tasks from `source` (a framework queue when `[tasks]` names one).
    pub fn with_tasks(mut self, source: TaskSource) -> Store {
        self.tasks = Arc::new(source);
        self
    }

    /// Where failed tasks are read and restarted.
    pub fn task_source(&self) -> &TaskSource {
        &self.tasks
    }

    /// Where portals and tokens are read and written.
    pub fn portal_source(&self) -> &PortalSource {
        &self.portals
    }

    /// The domain of the portal `member_column` names, as a scalar subquery read safely.
    pub(crate) fn portal_domain(&self, member_column: &str) -> String {
        self.portals.domain_cell(self.dialect, member_column)
    }

    /// [`Store::portal_domain`] as plain text, for a SQLite page document (which holds no blobs).
    pub(crate) fn portal_domain_text(&self, member_column: &str) -> String {
        self.portals.domain_text(self.dialect, member_column)
    }

    /// The URL with any password masked.
    pub fn masked_url(&self) -> &str {
        &self.masked_url
    }

    /// A cheap round trip, for the health indicator; on SQLite also whether the file opened is
    /// still the one at its path.
    pub async fn ping(&self) -> StoreResult<()> {
        self.same_file().await?;
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Refuses once the SQLite file was deleted or replaced, and closes the pool so no later
    /// statement writes into a file nobody will read again.
    async fn same_file(&self) -> StoreResult<()> {
        let Some(file) = &self.file else { return Ok(()) };
        if let Err(why) = file.still_there() {
            self.pool.close().await;
            return Err(StoreError::Refused(why));
        }
        Ok(())
    }

    /// Fails unless the schema is at this binary's version.
    pub async fn check_schema(&self) -> StoreResult<()> {
        let found = self.schema_version().await?;
        let needed = migrate::latest_version();
        if found < needed { Err(StoreError::Outdated { found, needed }) } else { Ok(()) }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Commits a write transaction begun with [`Store::begin_write`], unless the SQLite file was
    /// deleted or replaced while it ran: then it is rolled back, so no answer ever claims rows that
    /// went into a file nobody will read again. (What remains is the instant between this check
    /// and the commit.)
    pub(crate) async fn commit_write(&self, tx: sqlx::Transaction<'static, sqlx::Any>) -> StoreResult<()> {
        if let Some(Err(why)) = self.file.as_ref().map(|f| f.still_there()) {
            // Rolled back before the pool is closed: closing waits for this connection.
            let _ = tx.rollback().await;
            self.pool.close().await;
            return Err(StoreError::Refused(why));
        }
        tx.commit().await?;
        Ok(())
    }

    /// A transaction that reads and then writes. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`): a deferred one that read first would fail with "database is locked"
    /// when another process wrote in between, instead of waiting its turn.
    pub(crate) async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        self.same_file().await?;
        Ok(match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            _ => self.pool.begin().await?,
        })
    }
}

/// Turns `sqlite://path` into a URL sqlx accepts, checking that the file exists when it must.
fn sqlite_url(url: &str, mode: OpenMode) -> StoreResult<String> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path == ":memory:" || path.is_empty() {
        return Ok("sqlite::memory:".into());
    }
    if mode == OpenMode::Existing && !std::path::Path::new(path).exists() {
        return Err(StoreError::Missing(path.to_owned()));
    }
    let mut params: Vec<&str> = query.split('&').filter(|p| !p.is_empty() && !p.starts_with("mode=")).collect();
    params.push(if mode == OpenMode::CreateIfMissing { "mode=rwc" } else { "mode=rw" });
    Ok(format!("sqlite://{path}?{}", params.join("&")))
}
