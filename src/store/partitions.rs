//! Daily partitions of the call log on PostgreSQL (opt-in, `b24ops partition`): converting the
//! table in place, keeping partitions ahead of the clock, and dropping whole days for retention.
//!
//! Every step that locks the call log waits at most [`LOCK_WAIT`] for the lock and is retried,
//! so a long report never makes the console or the app's writers queue behind it for long.

use std::future::Future;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::codec::ms;
use super::{Dialect, Store, StoreError, StoreResult};
use crate::rules::day_partitions::{
    DayRange, day_partition_name, days_to_create, first_partition_name, first_partition_upper, parse_bound,
};

/// How long one step waits for a table lock before giving up and trying again.
const LOCK_WAIT: &str = "500ms";
/// Attempts at one step before its lock timeout is reported.
const LOCK_ATTEMPTS: u32 = 20;
/// Pause between attempts, letting the queries that held the lock finish.
const LOCK_RETRY_PAUSE: StdDuration = StdDuration::from_millis(250);
/// The constraint that lets PostgreSQL attach the old table without scanning it under a lock.
const FIRST_BOUND: &str = "b24ops_api_calls_first_bound";
/// The unique index built beforehand (without blocking writers) to become the first
/// partition's primary key.
const ID_TS_INDEX: &str = "b24ops_api_calls_id_ts";

/// The advisory lock key that serialises conversions ("b24ops" in ASCII).
const CONVERSION_LOCK: i64 = 0x6232_346f_7073;

/// One partition of the call log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallPartition {
    /// Table name.
    pub name: String,
    /// The `ts` values it takes.
    pub range: DayRange,
    /// PostgreSQL's estimate of its rows (from the last ANALYZE; -1 when never analysed).
    pub rows_estimate: i64,
}

/// A daily partition just created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDay {
    /// Its name.
    pub name: String,
    /// Calls moved into it from the default partition (they arrived before it existed).
    pub moved: u64,
}

/// What converting the call log did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversion {
    /// The partition that holds every call stored before the conversion.
    pub first: String,
    /// Where that partition ends (exclusive): days from here get their own partitions.
    pub upper: i64,
}

fn is_lock_timeout(e: &StoreError) -> bool {
    matches!(e, StoreError::Sql(sqlx::Error::Database(db)) if db.code().as_deref() == Some("55P03"))
}

/// Runs `step` (one transaction that sets `lock_timeout`) until it gets its locks.
async fn with_lock_retry<T, F, Fut>(what: &str, mut step: F) -> StoreResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = StoreResult<T>>,
{
    let mut attempt = 1;
    loop {
        match step().await {
            Err(e) if is_lock_timeout(&e) && attempt < LOCK_ATTEMPTS => {
                tracing::info!(attempt, what, "lock busy, trying again");
                attempt += 1;
                tokio::time::sleep(LOCK_RETRY_PAUSE).await;
            }
            Err(e) if is_lock_timeout(&e) => {
                return Err(StoreError::Refused(format!(
                    "{what}: the call log stayed locked by other sessions through {LOCK_ATTEMPTS} tries; try again later"
                )));
            }
            other => return other,
        }
    }
}

/// What a step's transaction locks up front.
enum Lock {
    /// Nothing yet: each statement waits at most [`LOCK_WAIT`] for the locks it takes.
    Waits,
    /// The whole call log, exclusively (within the same wait).
    CallLog,
}

impl Store {
    /// A transaction whose statements give up on a lock after [`LOCK_WAIT`] (for
    /// [`with_lock_retry`] to try again), holding the call log's lock already if asked.
    async fn impatient_tx(&self, lock: Lock) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        let mut tx = self.pool().begin().await?;
        let table = match lock {
            Lock::Waits => "",
            Lock::CallLog => "; LOCK TABLE b24ops_api_calls IN ACCESS EXCLUSIVE MODE",
        };
        sqlx::raw_sql(&format!("SET LOCAL lock_timeout = '{LOCK_WAIT}'{table}")).execute(&mut *tx).await?;
        Ok(tx)
    }

    /// The call log's partitions, oldest first and the default one last; `None` when the table
    /// is not partitioned (always on SQLite and MySQL).
    pub async fn call_partitions(&self) -> StoreResult<Option<Vec<CallPartition>>> {
        if self.dialect() != Dialect::Postgres || !self.calls_are_partitioned().await? {
            return Ok(None);
        }
        let rows = sqlx::query(
            "SELECT c.relname::TEXT AS name, pg_get_expr(c.relpartbound, c.oid) AS bound,
                    c.reltuples::BIGINT AS estimate
             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = to_regclass('b24ops_api_calls')",
        )
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let name: String = r.try_get("name")?;
            let bound: String = r.try_get("bound")?;
            let range = parse_bound(&bound).ok_or_else(|| StoreError::Malformed {
                table: "b24ops_api_calls",
                reason: format!("partition {name} has a bound b24ops does not make: {bound}"),
            })?;
            out.push(CallPartition { name, range, rows_estimate: r.try_get("estimate")? });
        }
        out.sort_by_key(|p| match p.range {
            DayRange::Between { from, .. } => (0, from.unwrap_or(i64::MIN)),
            DayRange::Default => (1, 0),
        });
        Ok(Some(out))
    }

    async fn calls_are_partitioned(&self) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM pg_class WHERE oid = to_regclass('b24ops_api_calls') AND relkind = 'p'",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// Converts the call log into a table partitioned by day of `ts`, in place. The old table
    /// becomes the first partition (every call up to [`first_partition_upper`]), with its
    /// indexes, rollup triggers and id sequence carried over; a default partition catches any
    /// day without its own. Writers are held up only for the final swap (milliseconds): the
    /// bound is validated and the new primary key built beforehand without blocking them.
    /// `Ok(None)` when the table is already partitioned.
    pub async fn partition_calls_by_day(&self, now: DateTime<Utc>) -> StoreResult<Option<Conversion>> {
        if self.dialect() != Dialect::Postgres {
            return Err(StoreError::Refused(format!(
                "daily partitions need PostgreSQL; this database is {}, where `prune` deletes in batches",
                self.dialect().name()
            )));
        }
        // One conversion at a time: two would drop each other's index half-way. A session lock,
        // so a killed process releases it with its connection.
        let mut guard = self.pool().acquire().await?;
        let locked = sqlx::query(&format!("SELECT pg_try_advisory_lock({CONVERSION_LOCK}) AS got"))
            .fetch_one(&mut *guard)
            .await?
            .try_get::<bool, _>("got")?;
        if !locked {
            return Err(StoreError::Refused("another `b24ops partition` is converting the call log right now".into()));
        }
        let converted = self.convert_calls(now).await;
        let unlock = format!("SELECT pg_advisory_unlock({CONVERSION_LOCK})");
        sqlx::raw_sql(&unlock).execute(&mut *guard).await?;
        converted
    }

    async fn convert_calls(&self, now: DateTime<Utc>) -> StoreResult<Option<Conversion>> {
        if self.calls_are_partitioned().await? {
            return Ok(None);
        }
        let newest = sqlx::query("SELECT MAX(ts) AS t FROM b24ops_api_calls").fetch_one(self.pool()).await?;
        let upper = first_partition_upper(ms(now), newest.try_get::<Option<i64>, _>("t")?);
        let first = first_partition_name(upper);
        let prepared = self.prepare_first_partition(upper).await;
        let swapped = match prepared {
            Ok(()) => with_lock_retry("partitioning the call log", || self.swap_in_partitioned(&first, upper)).await,
            Err(e) => Err(e),
        };
        if let Err(e) = swapped {
            // The bound must not outlive a failed conversion: it would refuse calls once the
            // clock passes it. If the database is gone too, the next prune removes it.
            return Err(match self.remove_leftover_bound().await {
                Ok(_) => e,
                Err(_) => StoreError::Refused(format!(
                    "{e}; the time bound it put on b24ops_api_calls is still there: run `b24ops prune` or \
                     `b24ops partition` again within a day, either removes it"
                )),
            });
        }
        Ok(Some(Conversion { first, upper }))
    }

    /// Removes what a failed conversion left on the plain call log: the `ts` bound (which would
    /// refuse calls two days later) and the unused `(id, ts)` index. Returns whether there was
    /// any; nothing to do on a partitioned table or another backend.
    pub async fn remove_leftover_bound(&self) -> StoreResult<bool> {
        if self.dialect() != Dialect::Postgres || self.calls_are_partitioned().await? {
            return Ok(false);
        }
        let left = sqlx::query(&format!(
            "SELECT (SELECT COUNT(*) FROM pg_constraint WHERE conname = '{FIRST_BOUND}'
                     AND conrelid = to_regclass('b24ops_api_calls'))
                  + (SELECT COUNT(*) FROM pg_class WHERE oid = to_regclass('{ID_TS_INDEX}')) AS n"
        ))
        .fetch_one(self.pool())
        .await?
        .try_get::<i64, _>("n")?;
        if left == 0 {
            return Ok(false);
        }
        with_lock_retry("removing a failed conversion's bound", || async move {
            let mut tx = self.impatient_tx(Lock::Waits).await?;
            let undo = format!(
                "ALTER TABLE b24ops_api_calls DROP CONSTRAINT IF EXISTS {FIRST_BOUND};
                 DROP INDEX IF EXISTS {ID_TS_INDEX}"
            );
            sqlx::raw_sql(&undo).execute(&mut *tx).await?;
            Ok(tx.commit().await?)
        })
        .await?;
        Ok(true)
    }

    /// The slow part, done while the app keeps writing: a validated `ts < upper` constraint (so
    /// the attach skips its scan) and a unique `(id, ts)` index (the partition's primary key).
    async fn prepare_first_partition(&self, upper: i64) -> StoreResult<()> {
        with_lock_retry("bounding the call log", || async move {
            let mut tx = self.impatient_tx(Lock::Waits).await?;
            let add = format!(
                "ALTER TABLE b24ops_api_calls DROP CONSTRAINT IF EXISTS {FIRST_BOUND};
                 ALTER TABLE b24ops_api_calls ADD CONSTRAINT {FIRST_BOUND} CHECK (ts < {upper}) NOT VALID"
            );
            sqlx::raw_sql(&add).execute(&mut *tx).await?;
            Ok(tx.commit().await?)
        })
        .await?;
        let validate = format!("ALTER TABLE b24ops_api_calls VALIDATE CONSTRAINT {FIRST_BOUND}");
        sqlx::raw_sql(&validate).execute(self.pool()).await?;
        // A failed earlier run may have left the index behind, invalid. Concurrently, like the
        // build: a plain drop would queue the app's writers behind any long report.
        sqlx::raw_sql(&format!("DROP INDEX CONCURRENTLY IF EXISTS {ID_TS_INDEX}")).execute(self.pool()).await?;
        let build = format!("CREATE UNIQUE INDEX CONCURRENTLY {ID_TS_INDEX} ON b24ops_api_calls (id, ts)");
        sqlx::raw_sql(&build).execute(self.pool()).await?;
        Ok(())
    }

    /// The swap, in one transaction holding the call log's exclusive lock: rename the table,
    /// create the partitioned one with the same columns, indexes and triggers, and attach the
    /// old table as its first partition.
    async fn swap_in_partitioned(&self, first: &str, upper: i64) -> StoreResult<()> {
        let mut tx = self.impatient_tx(Lock::CallLog).await?;
        // Another `b24ops partition` may have swapped while this one waited for the lock.
        let kind = sqlx::query("SELECT relkind::TEXT AS k FROM pg_class WHERE oid = to_regclass('b24ops_api_calls')")
            .fetch_one(&mut *tx)
            .await?
            .try_get::<String, _>("k")?;
        if kind != "r" {
            return Err(StoreError::Refused("another `b24ops partition` converted the call log meanwhile".into()));
        }
        let indexes = sqlx::query(&format!(
            "SELECT c.relname::TEXT AS name, pg_get_indexdef(i.indexrelid) AS def
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE i.indrelid = to_regclass('b24ops_api_calls') AND NOT i.indisprimary AND c.relname <> '{ID_TS_INDEX}'"
        ))
        .fetch_all(&mut *tx)
        .await?;
        let triggers = sqlx::query(
            "SELECT tgname::TEXT AS name, pg_get_triggerdef(oid) AS def FROM pg_trigger
             WHERE tgrelid = to_regclass('b24ops_api_calls') AND NOT tgisinternal",
        )
        .fetch_all(&mut *tx)
        .await?;
        let pkey = sqlx::query(
            "SELECT conname::TEXT AS name FROM pg_constraint WHERE conrelid = to_regclass('b24ops_api_calls') AND contype = 'p'",
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get::<String, _>("name")?;
        let seq = sqlx::query("SELECT pg_get_serial_sequence('b24ops_api_calls', 'id') AS seq")
            .fetch_one(&mut *tx)
            .await?
            .try_get::<Option<String>, _>("seq")?;
        // Past the sequence and past every stored id: an app may have written ids of its own.
        let after_ids = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM b24ops_api_calls")
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("n")?;
        let next_id = match &seq {
            Some(seq) => {
                let r = sqlx::query(&format!("SELECT last_value, is_called FROM {seq}")).fetch_one(&mut *tx).await?;
                (r.try_get::<i64, _>("last_value")? + i64::from(r.try_get::<bool, _>("is_called")?)).max(after_ids)
            }
            None => after_ids,
        };

        let mut ddl = vec![format!("ALTER TABLE b24ops_api_calls RENAME TO {first}")];
        for r in &indexes {
            let name: String = r.try_get("name")?;
            let suffix = name.strip_prefix("b24ops_api_calls_").unwrap_or(&name);
            ddl.push(format!("ALTER INDEX {name} RENAME TO {first}_{suffix}"));
        }
        for r in &triggers {
            ddl.push(format!("DROP TRIGGER {} ON {first}", r.try_get::<String, _>("name")?));
        }
        if seq.is_some() {
            ddl.push(format!("ALTER TABLE {first} ALTER COLUMN id DROP IDENTITY IF EXISTS"));
        }
        ddl.push(format!("ALTER TABLE {first} DROP CONSTRAINT {pkey}"));
        ddl.push(format!("ALTER TABLE {first} ADD CONSTRAINT {first}_pkey PRIMARY KEY USING INDEX {ID_TS_INDEX}"));
        ddl.push(format!("CREATE SEQUENCE b24ops_api_calls_id_seq START WITH {next_id}"));
        ddl.push(format!(
            "CREATE TABLE b24ops_api_calls (LIKE {first} INCLUDING DEFAULTS INCLUDING STORAGE, PRIMARY KEY (id, ts))
             PARTITION BY RANGE (ts)"
        ));
        ddl.push("ALTER TABLE b24ops_api_calls ALTER COLUMN id SET DEFAULT nextval('b24ops_api_calls_id_seq')".into());
        ddl.push("ALTER SEQUENCE b24ops_api_calls_id_seq OWNED BY b24ops_api_calls.id".into());
        // The definitions were read before the renames, so they name the new parent table.
        for r in indexes.iter().chain(&triggers) {
            ddl.push(r.try_get::<String, _>("def")?);
        }
        ddl.push(format!(
            "ALTER TABLE b24ops_api_calls ATTACH PARTITION {first} FOR VALUES FROM (MINVALUE) TO ({upper})"
        ));
        ddl.push(format!("ALTER TABLE {first} DROP CONSTRAINT {FIRST_BOUND}"));
        ddl.push("CREATE TABLE b24ops_api_calls_default PARTITION OF b24ops_api_calls DEFAULT".into());
        for stmt in ddl {
            sqlx::raw_sql(&stmt).execute(&mut *tx).await?;
        }
        Ok(tx.commit().await?)
    }

    /// Creates the daily partitions missing from today through `ahead` days later. Calls that
    /// already landed in the default partition for such a day move into it (the rollup counts
    /// them out and back in, so it stays exact); the table stays locked while they move, which is
    /// milliseconds when `prune` runs daily and seconds per million calls after weeks without.
    pub async fn add_day_partitions(&self, now: DateTime<Utc>, ahead: u32) -> StoreResult<Vec<NewDay>> {
        let Some(parts) = self.call_partitions().await? else {
            return Err(StoreError::Refused("the call log is not partitioned: run `b24ops partition` first".into()));
        };
        let has_default = parts.iter().any(|p| p.range == DayRange::Default);
        let ranges: Vec<DayRange> = parts.iter().map(|p| p.range).collect();
        let mut made = Vec::new();
        for day in days_to_create(&ranges, ms(now), ahead) {
            let name = day_partition_name(day);
            let moved =
                with_lock_retry("adding a daily partition", || self.add_day_partition(&name, day, has_default)).await?;
            made.push(NewDay { name, moved });
        }
        Ok(made)
    }

    async fn add_day_partition(&self, name: &str, day: i64, has_default: bool) -> StoreResult<u64> {
        let next = day + crate::rules::day_partitions::DAY_MS;
        let mut tx = self.impatient_tx(Lock::Waits).await?;
        if has_default {
            let park = format!(
                "CREATE TEMPORARY TABLE b24ops_moving ON COMMIT DROP AS
                 WITH gone AS (DELETE FROM b24ops_api_calls_default WHERE ts >= {day} AND ts < {next} RETURNING *)
                 SELECT * FROM gone"
            );
            sqlx::raw_sql(&park).execute(&mut *tx).await?;
        }
        // IF NOT EXISTS: two prunes started by overlapping cron jobs both see the day missing.
        let create = format!(
            "CREATE TABLE IF NOT EXISTS {name} PARTITION OF b24ops_api_calls FOR VALUES FROM ({day}) TO ({next})"
        );
        sqlx::raw_sql(&create).execute(&mut *tx).await?;
        let mut moved = 0;
        if has_default {
            let back =
                sqlx::raw_sql("INSERT INTO b24ops_api_calls SELECT * FROM b24ops_moving").execute(&mut *tx).await?;
            moved = back.rows_affected();
        }
        tx.commit().await?;
        Ok(moved)
    }

    /// Drops a partition whose every call is older than the retention window, with the hourly
    /// error counts of its days (a dropped table fires no delete triggers). Returns the count
    /// rows removed with it.
    pub async fn drop_call_partition(&self, p: &CallPartition) -> StoreResult<u64> {
        let DayRange::Between { from, to: Some(to) } = p.range else {
            return Err(StoreError::Refused(format!("partition {} has no upper bound; it is never dropped", p.name)));
        };
        let since = from.map(|f| format!(" AND hour >= {f}")).unwrap_or_default();
        with_lock_retry("dropping a daily partition", || {
            let since = since.clone();
            async move {
                // The parent's lock first, as the DROP would take it: no call can land in these
                // hours between the rollup's delete and the drop.
                let mut tx = self.impatient_tx(Lock::CallLog).await?;
                let hours = sqlx::raw_sql(&format!(
                    "DELETE FROM b24ops_error_hours WHERE source = 'rest' AND hour < {to}{since}"
                ))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                sqlx::raw_sql(&format!("DROP TABLE IF EXISTS {}", p.name)).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(hours)
            }
        })
        .await
    }
}
