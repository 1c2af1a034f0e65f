//! Daily partitions of the call log: converting a populated PostgreSQL table in place, days added
//! ahead (and calls moved out of the default partition), whole days dropped by retention, and the
//! hourly error counts exact through all of it. Other backends refuse with a reason.

use crate::common;

use b24ops::model::GroupBy;
use b24ops::rules::alerts::{Rule, RuleKind, Severity};
use b24ops::rules::call_filter::CallFilter;
use b24ops::rules::day_partitions::DayRange;
use b24ops::services::alerts;
use b24ops::store::{ErrorWindow, PageDirection, StoreError};
use chrono::{DateTime, Duration, Utc};
use common::{Backend, backends, empty_on, failed_call, now, seed_into};
use sqlx::Row;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// (calls, failed calls, the rollup's failed calls, the newest id), read straight from the tables.
async fn tally(pool: &sqlx::AnyPool) -> (i64, i64, i64, i64) {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN error_code IS NOT NULL THEN 1 ELSE 0 END), 0)::BIGINT AS failed,
                COALESCE(MAX(id), 0) AS newest,
                (SELECT COALESCE(SUM(n), 0)::BIGINT FROM b24ops_error_hours WHERE source = 'rest') AS rolled
         FROM b24ops_api_calls",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    (row.get("n"), row.get("failed"), row.get("rolled"), row.get("newest"))
}

/// The alert rule on the days of partitions ready, firing under five.
fn partitions_rule() -> Rule {
    Rule {
        name: "partitions".into(),
        kind: RuleKind::Partitions { days: 5 },
        severity: Severity::Warning,
        action_interval: Duration::hours(24),
    }
}

fn alerts_context() -> alerts::Context {
    b24ops::services::settings::alert_context(&b24ops::config::Config::default()).unwrap()
}

async fn in_default(pool: &sqlx::AnyPool) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM b24ops_api_calls_default").fetch_one(pool).await.unwrap().get("n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_backends_refuse_with_the_reason_and_never_alert() {
    for b in backends() {
        let db = empty_on(&b).await;
        if db.store.dialect() == b24ops::store::Dialect::Postgres {
            continue;
        }
        assert_eq!(db.store.call_partitions().await.unwrap(), None);
        let rule = partitions_rule();
        let ctx = alerts_context();
        let eval = alerts::evaluate(&db.store, &ctx, &[rule], now()).await;
        assert!(eval.firing.is_empty() && eval.failed.is_empty(), "a plain table never fires: {eval:?}");
        match db.store.partition_calls_by_day(now()).await {
            Err(StoreError::Refused(why)) => assert!(why.contains("need PostgreSQL"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_populated_call_log_is_partitioned_by_day_and_pruned_by_whole_days() {
    let Some(pg) = backends().into_iter().find(|b| matches!(b, Backend::Server(u) if u.starts_with("postgres"))) else {
        return;
    };
    let db = empty_on(&pg).await;
    seed_into(&db, 3_000).await;
    let store = &db.store;
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();

    // What a conversion that failed half-way (the database gone before it could clean up)
    // leaves behind goes at the next prune, before its bound could refuse a call.
    sqlx::raw_sql(
        "ALTER TABLE b24ops_api_calls ADD CONSTRAINT b24ops_api_calls_first_bound CHECK (ts < 1796256000000) NOT VALID;
         CREATE UNIQUE INDEX b24ops_api_calls_id_ts ON b24ops_api_calls (id, ts)",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert!(store.remove_leftover_bound().await.unwrap());
    assert!(!store.remove_leftover_bound().await.unwrap(), "nothing left the second time");
    let before = tally(&pool).await;
    assert!(before.0 > 2_000 && before.1 > 100, "{before:?}");
    assert_eq!(before.1, before.2, "the rollup counts every failed call");

    // Converted in place: nothing lost, the first partition reaches two days past the clock.
    // Two operators at once: one converts, the other is told so (or finds it done).
    let (a, b) = tokio::join!(store.partition_calls_by_day(now()), store.partition_calls_by_day(now()));
    let (conv, other) = match (a, b) {
        (Ok(Some(c)), other) | (other, Ok(Some(c))) => (c, other),
        both => panic!("neither converted: {both:?}"),
    };
    match other {
        Ok(None) => {}
        Err(StoreError::Refused(why)) => assert!(why.contains("another `b24ops partition`"), "{why}"),
        o => panic!("{o:?}"),
    }
    assert_eq!(conv.first, "b24ops_api_calls_before_20261126");
    assert_eq!(conv.upper, at("2026-11-26T00:00:00Z").timestamp_millis());
    assert_eq!(store.partition_calls_by_day(now()).await.unwrap(), None, "a second run changes nothing");
    assert_eq!(tally(&pool).await, before);

    let made = store.add_day_partitions(now(), 3).await.unwrap();
    let new_names = |made: &[b24ops::store::NewDay]| made.iter().map(|d| d.name.clone()).collect::<Vec<_>>();
    assert_eq!(new_names(&made), ["b24ops_api_calls_d20261126", "b24ops_api_calls_d20261127"]);
    assert!(made.iter().all(|d| d.moved == 0));
    assert!(store.add_day_partitions(now(), 3).await.unwrap().is_empty());
    let parts = store.call_partitions().await.unwrap().unwrap();
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "b24ops_api_calls_before_20261126",
            "b24ops_api_calls_d20261126",
            "b24ops_api_calls_d20261127",
            "b24ops_api_calls_default"
        ]
    );

    // The alert rule that watches the days ahead: today and the next three are ready.
    let rule = partitions_rule();
    let ctx = alerts_context();
    let eval = alerts::evaluate(store, &ctx, std::slice::from_ref(&rule), now()).await;
    assert_eq!(eval.firing.len(), 1, "{eval:?}");
    assert_eq!(eval.firing[0].figure.value, 4);
    assert!(eval.firing[0].figure.summary.contains("run out in 4 days"));
    let later = alerts::evaluate(store, &ctx, std::slice::from_ref(&rule), at("2026-11-28T01:00:00Z")).await;
    assert!(later.firing[0].figure.summary.contains("today's calls go to the call log's default partition"));

    // New calls get ids after the old ones, land in their day (or the default partition), and
    // the rollup trigger, now running on the partitions, counts them.
    let day_id =
        store.insert_call(&failed_call("p1", "QUERY_LIMIT_EXCEEDED", at("2026-11-26T10:00:00Z"))).await.unwrap();
    let far_id =
        store.insert_call(&failed_call("p1", "QUERY_LIMIT_EXCEEDED", at("2026-12-20T10:00:00Z"))).await.unwrap();
    assert!(day_id > before.3 && far_id > day_id);
    let grown = tally(&pool).await;
    assert_eq!((grown.0, grown.1, grown.2), (before.0 + 2, before.1 + 2, before.2 + 2));
    assert_eq!(in_default(&pool).await, 1);

    // The console's queries read across the partitions.
    let f = CallFilter::parse("member_id:p1").unwrap();
    let page = store.calls_page(&f, PageDirection::Latest, 10).await.unwrap();
    assert_eq!(page.rows.last().map(|c| c.id), Some(far_id), "ascending by id, the newest last");
    let w = ErrorWindow { now: now(), window: Duration::minutes(15), threshold_15m: 10 };
    assert!(!store.error_groups(w, GroupBy::PortalAndType, None).await.unwrap().is_empty());

    // A day created later takes its calls out of the default partition, counted out and back in.
    let made = store.add_day_partitions(at("2026-12-19T08:00:00Z"), 2).await.unwrap();
    assert_eq!(
        new_names(&made),
        ["b24ops_api_calls_d20261219", "b24ops_api_calls_d20261220", "b24ops_api_calls_d20261221"]
    );
    assert_eq!(made.iter().map(|d| d.moved).collect::<Vec<_>>(), [0, 1, 0]);
    assert_eq!(in_default(&pool).await, 0);
    assert_eq!(tally(&pool).await, grown);

    // Retention drops the days the window has passed, with their hours of the rollup.
    let cutoff = at("2026-11-27T00:00:00Z").timestamp_millis();
    let parts = store.call_partitions().await.unwrap().unwrap();
    let old: Vec<_> = parts.iter().filter(|p| b24ops::rules::day_partitions::wholly_before(&p.range, cutoff)).collect();
    assert_eq!(old.len(), 2, "{old:?}");
    for p in old {
        assert!(store.drop_call_partition(p).await.unwrap() > 0);
    }
    let left = tally(&pool).await;
    assert_eq!((left.0, left.1, left.2), (1, 1, 1), "only the call of 2026-12-20 is left, and counted");
    let parts = store.call_partitions().await.unwrap().unwrap();
    assert!(parts.iter().all(|p| !matches!(p.range, DayRange::Between { from: None, .. })));
    pool.close().await;
}

/// The verbs as an operator runs them: `partition` once, then `prune` from cron drops the days.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partition_then_prune_from_the_command_line() {
    let run = |url: &str, args: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_b24ops"))
            .args(["--database-url", url])
            .args(args)
            .env("B24OPS_LOG__FILE", dir.path().join("b24ops.log"))
            .env("HOME", dir.path())
            .output()
            .unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    };
    for b in backends() {
        let db = empty_on(&b).await;
        seed_into(&db, 500).await;
        let (ok, text) = run(&db.url, &["--now", "2026-11-24T12:00:00Z", "partition", "--days-ahead", "2"]);
        if db.store.dialect() != b24ops::store::Dialect::Postgres {
            assert!(!ok && text.contains("daily partitions need PostgreSQL"), "{text}");
            continue;
        }
        assert!(ok, "{text}");
        assert!(text.contains("stay in b24ops_api_calls_before_20261126"), "{text}");
        assert!(text.contains("created daily partition b24ops_api_calls_d20261126"), "{text}");
        // A call for a day nobody made a partition for yet waits in the default partition.
        db.store.insert_call(&failed_call("p9", "ERROR_CORE", at("2026-11-29T08:00:00Z"))).await.unwrap();
        let (ok, text) = run(&db.url, &["--now", "2026-11-27T12:00:00Z", "prune", "--older-than", "1d"]);
        assert!(text.contains("moved 1 call from the default partition into b24ops_api_calls_d20261129"), "{text}");
        assert!(ok, "{text}");
        assert!(text.contains("dropped partition b24ops_api_calls_before_20261126"), "{text}");
        assert!(text.contains("created 8 daily partitions ahead"), "{text}");
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        let left: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM b24ops_api_calls").fetch_one(&pool).await.unwrap().get("n");
        assert_eq!(left, 1, "every call was older than the window but the one of 2026-11-29");
        pool.close().await;
    }
}
