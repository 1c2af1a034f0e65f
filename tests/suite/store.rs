//! The store on every backend (SQLite always; PostgreSQL and MySQL/MariaDB when their test URLs
//! are set): migrations, keyset paging, the tail, filters, error groups, hostile text.

use crate::common;

use std::collections::HashSet;

use b24ops::model::{GroupBy, MemberId};
use b24ops::rules::call_filter::CallFilter;
use b24ops::store::Dialect;
use b24ops::store::{ErrorWindow, OpenMode, PageDirection, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use common::{backends, empty_on, failed_call, now, seeded_everywhere};
use sqlx::Row;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_is_idempotent_and_versioned() {
    for b in backends() {
        let db = empty_on(&b).await;
        assert!(db.store.migrate().await.unwrap().is_empty(), "second migrate applies nothing");
        assert_eq!(db.store.schema_version().await.unwrap(), b24ops::store::latest_version());
        db.store.check_schema().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_database_is_a_clear_error() {
    let err = Store::connect("sqlite:///nonexistent/dir/x.db", OpenMode::Existing).await.unwrap_err();
    assert!(matches!(err, StoreError::Missing(_)), "{err}");
    assert!(err.to_string().contains("b24ops migrate"));
    let err = Store::connect("redis://localhost", OpenMode::Existing).await.unwrap_err();
    assert!(matches!(err, StoreError::UnsupportedUrl(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unmigrated_database_asks_for_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let store = Store::connect(&url, OpenMode::CreateIfMissing).await.unwrap();
    let err = store.check_schema().await.unwrap_err();
    assert!(
        matches!(err, StoreError::Outdated { found: 0, needed } if needed == b24ops::store::latest_version()),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_columns_refuse_text() {
    for b in backends() {
        let db = empty_on(&b).await;
        let url = db.url.replace("?mode=rwc", "");
        let res = sqlx::raw_sql(
            "INSERT INTO b24ops_api_calls (ts, member_id, method, source) VALUES ('2026-11-24 12:00', 'm', 'x', 'app')",
        )
        .execute(&sqlx::AnyPool::connect(&url).await.unwrap())
        .await;
        assert!(res.is_err(), "{}: a text time must be refused", db.store.dialect().name());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyset_pages_cover_history_without_gaps_or_duplicates() {
    for db in seeded_everywhere(3_000).await {
        let f = CallFilter::default();
        let mut page = db.store.calls_page(&f, PageDirection::Latest, 200).await.unwrap();
        let newest = page.newest_id;
        assert_eq!(page.rows.last().unwrap().id, newest);
        let mut seen = HashSet::new();
        let mut last_min = i64::MAX;
        loop {
            assert!(page.rows.windows(2).all(|w| w[0].id < w[1].id), "pages are ascending");
            for r in &page.rows {
                assert!(seen.insert(r.id), "duplicate id {}", r.id);
                assert!(r.id < last_min || last_min == i64::MAX);
            }
            let Some(first) = page.rows.first() else { break };
            last_min = first.id;
            page = db.store.calls_page(&f, PageDirection::Before(first.id), 200).await.unwrap();
        }
        let pool = sqlx::AnyPool::connect(&db.url.replace("?mode=rwc", "")).await.unwrap();
        let total: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM b24ops_api_calls").fetch_one(&pool).await.unwrap().get("n");
        assert_eq!(seen.len() as i64, total, "every call was paged exactly once");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tail_returns_only_newer_calls() {
    for db in seeded_everywhere(500).await {
        let f = CallFilter::default();
        let latest = db.store.calls_page(&f, PageDirection::Latest, 50).await.unwrap();
        let tail = db.store.calls_page(&f, PageDirection::After(latest.newest_id), 50).await.unwrap();
        assert!(tail.rows.is_empty());
        let call = b24ops::model::NewApiCall {
            ts: now(),
            member_id: "abc".into(),
            method: "crm.item.get".into(),
            http_status: Some(200),
            error_code: None,
            error_description: None,
            duration_ms: Some(5),
            operating: Some(1.5),
            request_id: None,
            task_id: None,
            source: "app".into(),
        };
        let id = db.store.insert_call(&call).await.unwrap();
        let tail = db.store.calls_page(&f, PageDirection::After(latest.newest_id), 50).await.unwrap();
        assert_eq!(tail.rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![id]);
        assert_eq!(tail.rows.last().unwrap().id, id);
        assert_eq!(tail.rows.last().unwrap().operating, Some(1.5), "a float survives every backend");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_narrow_as_promised() {
    for db in seeded_everywhere(5_000).await {
        let all = db.store.calls_page(&CallFilter::default(), PageDirection::Latest, 200).await.unwrap();
        let member = all.rows[100].member_id.clone();
        let by_member = CallFilter { member_id: Some(member.clone()), ..Default::default() };
        let rows = db.store.calls_page(&by_member, PageDirection::Latest, 200).await.unwrap().rows;
        assert!(!rows.is_empty() && rows.iter().all(|r| r.member_id == member));

        let domain = all.rows[100].domain.clone().unwrap();
        let by_domain = CallFilter { domain: Some(domain.to_string()), ..Default::default() };
        let rows = db.store.calls_page(&by_domain, PageDirection::Latest, 200).await.unwrap().rows;
        assert!(!rows.is_empty() && rows.iter().all(|r| r.member_id == member));

        let errors = CallFilter::parse("errors").unwrap();
        let rows = db.store.calls_page(&errors, PageDirection::Latest, 200).await.unwrap().rows;
        assert!(!rows.is_empty() && rows.iter().all(|r| r.error_code.is_some()));

        let code = CallFilter::parse("code:QUERY_LIMIT_EXCEEDED").unwrap();
        let rows = db.store.calls_page(&code, PageDirection::Latest, 200).await.unwrap().rows;
        assert!(
            !rows.is_empty() && rows.iter().all(|r| r.error_code.as_ref().unwrap().as_str() == "QUERY_LIMIT_EXCEEDED")
        );

        let method = CallFilter::parse("method:crm.deal slow:300").unwrap();
        let rows = db.store.calls_page(&method, PageDirection::Latest, 200).await.unwrap().rows;
        assert!(!rows.is_empty());
        assert!(rows.iter().all(|r| r.method.as_str().starts_with("crm.deal") && r.duration_ms.unwrap() > 300));

        let like_meta = CallFilter::parse("method:crm_deal").unwrap();
        assert!(
            db.store.calls_page(&like_meta, PageDirection::Latest, 200).await.unwrap().rows.is_empty(),
            "_ is literal"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_groups_match_a_brute_force_count() {
    for db in seeded_everywhere(8_000).await {
        // On the hour and inside one, with later rows (a frozen clock) and at the present (no row
        // after it: the rollup's newest hours count). Inside an hour, early in it a rollup hour
        // less the raw rows before the window is read, late in it the raw rows after.
        let inside = [17 * 60 + 3, 47 * 60 + 9].map(|s| now() - Duration::seconds(s));
        let present = [13 * 60 + 5, 41 * 60 + 30].map(|s| now() + Duration::seconds(s));
        for at in [now()].into_iter().chain(inside).chain(present) {
            error_groups_match_at(&db, at).await;
        }
    }
}

async fn error_groups_match_at(db: &common::TestDb, now: DateTime<Utc>) {
    {
        let w = ErrorWindow { now, window: Duration::minutes(15), threshold_15m: 10 };
        let groups = db.store.error_groups(w, GroupBy::PortalAndType, None).await.unwrap();
        assert!(!groups.is_empty());
        assert!(groups.windows(2).all(|g| g[0].in_window >= g[1].in_window), "busiest first");
        let d = db.store.dialect();
        let pool = sqlx::AnyPool::connect(&db.url.replace("?mode=rwc", "")).await.unwrap();
        // Grouped by the raw code: a hostile code (with a bidi override, say) shows sanitized, so
        // the group is matched to whichever raw code reads the same.
        let brute = d.sql_owned(format!(
            "SELECT {} AS code, {} AS a, {} AS h, COUNT(*) AS b FROM b24ops_api_calls
             WHERE member_id = ? AND error_code IS NOT NULL AND ts >= ? AND ts <= ? GROUP BY error_code",
            d.text("error_code"),
            d.int("SUM(CASE WHEN ts >= ? THEN 1 ELSE 0 END)"),
            d.int("SUM(CASE WHEN ts >= ? THEN 1 ELSE 0 END)")
        ));
        let since = (now - Duration::minutes(15)).timestamp_millis();
        let day = (now - Duration::hours(24)).timestamp_millis();
        let hour = (now - Duration::hours(1)).timestamp_millis();
        for g in groups.iter().filter(|g| g.source == b24ops::model::ErrorSource::Rest).take(12) {
            let rows = sqlx::query(&brute)
                .bind(since)
                .bind(hour)
                .bind(g.member_id.as_ref().unwrap().as_str())
                .bind(day)
                .bind(now.timestamp_millis())
                .fetch_all(&pool)
                .await
                .unwrap();
            let counts: Vec<(i64, i64, i64)> = rows
                .iter()
                .filter(|r| {
                    let raw: Vec<u8> =
                        r.try_get::<Vec<u8>, _>("code").unwrap_or_else(|_| r.get::<String, _>("code").into_bytes());
                    b24ops::model::SafeText::line_from_bytes(&raw).as_str() == g.error_type.as_str()
                })
                .map(|r| (r.get::<i64, _>("a"), r.get::<i64, _>("h"), r.get::<i64, _>("b")))
                .collect();
            assert!(counts.contains(&(g.last_15m, g.last_1h, g.last_24h)), "{g:?} vs {counts:?}");
            assert_eq!(g.over_threshold, g.last_15m > 10);
        }
        let over = db.store.groups_over_threshold(now, 10).await.unwrap();
        assert_eq!(over, groups.iter().filter(|g| g.over_threshold).count() as i64);
        if now == common::now() {
            assert!(over >= 2, "the seeder's bursts are over threshold");
        }

        let by_type = db.store.error_groups(w, GroupBy::Type, None).await.unwrap();
        let qle = by_type.iter().find(|g| g.error_type.as_str() == "QUERY_LIMIT_EXCEEDED").unwrap();
        assert!(qle.member_id.is_none());
        let spread = d.sql_owned(format!(
            "SELECT {} AS n FROM b24ops_api_calls WHERE error_code = 'QUERY_LIMIT_EXCEEDED' AND ts >= ? AND ts <= ?",
            d.int("COUNT(DISTINCT member_id)")
        ));
        // A group quiet in the window counts the portals of the hour or day it was listed from.
        let listed_from = if qle.in_window > 0 { since } else { (now - Duration::hours(1)).timestamp_millis() };
        let row = sqlx::query(&spread).bind(listed_from).bind(now.timestamp_millis()).fetch_one(&pool).await.unwrap();
        assert_eq!(qle.portals, row.get::<i64, _>("n"), "portals hit within the window");
        let day_count = d.sql_owned(
            "SELECT COUNT(*) AS n FROM b24ops_api_calls WHERE error_code = 'QUERY_LIMIT_EXCEEDED' AND ts >= ? AND ts <= ?"
                .to_owned(),
        );
        let row = sqlx::query(&day_count).bind(day).bind(now.timestamp_millis()).fetch_one(&pool).await.unwrap();
        assert_eq!(qle.last_24h, row.get::<i64, _>("n"), "one type's day across portals");

        let member: MemberId = groups[0].member_id.clone().unwrap();
        let mine = db.store.error_groups(w, GroupBy::PortalAndType, Some(&member)).await.unwrap();
        assert!(!mine.is_empty() && mine.iter().all(|g| g.member_id.as_ref() == Some(&member)));
        let same =
            |g: &&b24ops::model::ErrorGroup| g.error_type == groups[0].error_type && g.member_id == groups[0].member_id;
        let one = mine.iter().find(same).unwrap();
        assert_eq!(
            (one.last_15m, one.last_1h, one.last_24h),
            (groups[0].last_15m, groups[0].last_1h, groups[0].last_24h)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_comes_out_harmless() {
    for db in seeded_everywhere(200).await {
        let f = CallFilter::parse("errors").unwrap();
        let rows = db.store.calls_page(&f, PageDirection::Latest, 200).await.unwrap().rows;
        let mut saw_invalid_utf8 = false;
        let mut saw_escape = false;
        assert!(rows.windows(2).all(|w| w[0].id < w[1].id), "a page reads oldest first");
        for r in &rows {
            let d = db.store.call_detail(r.id).await.unwrap().unwrap();
            // The page (one JSON document on SQLite) and the detail (a plain row) agree.
            assert_eq!((r.ts, &r.member_id, &r.domain, &r.method), (d.ts, &d.member_id, &d.domain, &d.method));
            assert_eq!((r.http_status, &r.error_code, r.duration_ms), (d.http_status, &d.error_code, d.duration_ms));
            assert_eq!(
                (r.operating, r.task_id, &r.source, &r.request_id),
                (d.operating, d.task_id, &d.source, &d.request_id)
            );
            let (page_desc, full_desc) = (r.error_description.as_ref(), d.error_description.as_ref());
            assert!(
                full_desc
                    .map(|f| f.as_str())
                    .unwrap_or("")
                    .starts_with(page_desc.map(|p| p.as_str()).unwrap_or("").trim_end_matches('…'))
            );
            for text in [
                r.method.as_str(),
                r.error_description.as_ref().map(|s| s.as_str()).unwrap_or(""),
                d.method.as_str(),
                d.error_code.as_ref().map(|s| s.as_str()).unwrap_or(""),
                d.error_description.as_ref().map(|s| s.as_str()).unwrap_or(""),
            ] {
                assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "control char in {text:?}");
                assert!(!text.contains('\u{202E}') && !text.contains('\u{200B}'));
                assert!(text.len() < 70_000, "megabyte strings are cut");
            }
            let desc = d.error_description.map(|s| s.to_string()).unwrap_or_default();
            saw_invalid_utf8 |= desc.starts_with("bad bytes:") && desc.contains('\u{FFFD}');
            saw_escape |= desc.contains('␛');
        }
        assert!(saw_escape, "the seeder writes escape sequences");
        // Only SQLite lets an app store invalid UTF-8; the others refuse it on write.
        assert_eq!(saw_invalid_utf8, db.store.dialect() == Dialect::Sqlite);
    }
}

/// Values a page document cannot carry as they are (SQLite reads a page as one JSON document)
/// still leave the page readable: an infinite `operating` reads as unknown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_survives_values_json_cannot_hold() {
    for db in seeded_everywhere(50).await {
        let d = db.store.dialect();
        let pool = sqlx::AnyPool::connect(&db.url.replace("?mode=rwc", "")).await.unwrap();
        let huge = if d == Dialect::Sqlite { "1e999" } else { "1e300" };
        let sql = format!(
            "INSERT INTO b24ops_api_calls (ts, member_id, method, http_status, operating, source)
             VALUES ({}, 'inf-portal', 'crm.item.list', 200, {huge}, 'app')",
            now().timestamp_millis()
        );
        sqlx::raw_sql(&sql).execute(&pool).await.unwrap();
        let f = CallFilter::parse("member_id:inf-portal").unwrap();
        let rows = db.store.calls_page(&f, PageDirection::Latest, 10).await.unwrap().rows;
        assert_eq!(rows.len(), 1, "{}", d.name());
        assert!(rows[0].operating.is_none_or(f64::is_finite));
        pool.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portals_resolve_by_id_and_domain() {
    for db in seeded_everywhere(100).await {
        let any = db.store.calls_page(&CallFilter::default(), PageDirection::Latest, 1).await.unwrap().rows.remove(0);
        let p = db.store.portal(&any.member_id).await.unwrap().unwrap();
        let by_domain = db.store.portal_by_domain(&p.domain.to_string().to_uppercase()).await.unwrap().unwrap();
        assert_eq!(by_domain.member_id, p.member_id);
        assert!(db.store.portal(&MemberId::parse("nope").unwrap()).await.unwrap().is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_deletes_only_old_rows_in_batches() {
    for db in seeded_everywhere(3_000).await {
        let d = db.store.dialect();
        let pool = sqlx::AnyPool::connect(&db.url.replace("?mode=rwc", "")).await.unwrap();
        let cutoff = now() - Duration::hours(12);
        let count = |sql: &'static str| {
            let pool = pool.clone();
            let sql = d.sql(sql).into_owned();
            async move {
                sqlx::query(&sql).bind(cutoff.timestamp_millis()).fetch_one(&pool).await.unwrap().get::<i64, _>("n")
            }
        };
        let newer = count("SELECT COUNT(*) AS n FROM b24ops_api_calls WHERE ts >= ?").await;
        let older = count("SELECT COUNT(*) AS n FROM b24ops_api_calls WHERE ts < ?").await;
        assert!(older > 1000 && newer > 1000);
        let mut deleted = 0;
        loop {
            let n = db.store.prune_batch("b24ops_api_calls", cutoff, 500).await.unwrap();
            deleted += n as i64;
            if n < 500 {
                break;
            }
        }
        assert_eq!(deleted, older, "{}", d.name());
        assert_eq!(count("SELECT COUNT(*) AS n FROM b24ops_api_calls WHERE ts < ?").await, 0);
        assert_eq!(count("SELECT COUNT(*) AS n FROM b24ops_api_calls WHERE ts >= ?").await, newer, "recent rows stay");

        // The hourly error counts followed the deletes, and their emptied hours go.
        let rolled = d.sql_owned(format!(
            "SELECT {} AS n FROM b24ops_error_hours WHERE source = 'rest' AND hour > -?",
            d.int("COALESCE(SUM(n), 0)")
        ));
        let rolled = sqlx::query(&rolled).bind(1i64).fetch_one(&pool).await.unwrap().get::<i64, _>("n");
        let failed = count("SELECT COUNT(*) AS n FROM b24ops_api_calls WHERE error_code IS NOT NULL AND ts > -?").await;
        assert_eq!(rolled, failed, "{}", d.name());
        assert!(db.store.prune_error_hours(cutoff).await.unwrap() > 0);
        let empty = count("SELECT COUNT(*) AS n FROM b24ops_error_hours WHERE n <= 0 AND hour < ?").await;
        assert_eq!(empty, 0);
        pool.close().await;
    }
}

/// At the present (the console's usual case) the rollup's current hour stands in for the newest
/// raw rows; the counts still match what was written, app errors without a portal included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_groups_count_the_present_exactly() {
    for b in backends() {
        let db = empty_on(&b).await;
        let live = Utc::now();
        let member = "5e1f0c0ffee0c0ffee0c0ffee0c0ffe1";
        // Minutes ago: 2 within 15 minutes, 3 within the hour, 5 within the day, 1 older.
        for minutes in [1, 14, 50, 3 * 60, 24 * 60 - 1, 25 * 60] {
            db.store
                .insert_call(&failed_call(member, "QUERY_LIMIT_EXCEEDED", live - Duration::minutes(minutes)))
                .await
                .unwrap();
            let app = b24ops::model::NewAppError {
                ts: live - Duration::minutes(minutes),
                member_id: None,
                error_type: "WorkerCrashed".into(),
                message: "boom".into(),
                context: None,
                source: "worker".into(),
            };
            db.store.insert_app_error(&app).await.unwrap();
        }
        let w = ErrorWindow { now: Utc::now(), window: Duration::minutes(15), threshold_15m: 10 };
        let groups = db.store.error_groups(w, GroupBy::PortalAndType, None).await.unwrap();
        assert_eq!(groups.len(), 2, "{groups:?}");
        for g in &groups {
            assert_eq!(
                (g.in_window, g.last_15m, g.last_1h, g.last_24h),
                (2, 2, 3, 5),
                "{} {g:?}",
                db.store.dialect().name()
            );
            let first = live - Duration::minutes(24 * 60 - 1);
            assert!((g.first_seen - first).num_seconds().abs() <= 1, "{g:?}");
        }
        assert!(groups.iter().any(|g| g.member_id.is_none() && g.error_type.as_str() == "WorkerCrashed"));
        let by_type = db.store.error_groups(w, GroupBy::Type, None).await.unwrap();
        assert!(by_type.iter().all(|g| (g.last_15m, g.last_1h, g.last_24h) == (2, 3, 5)), "{by_type:?}");
    }
}

/// Upgrading a database that already holds errors fills the hourly rollup from them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrading_fills_the_rollup_from_the_errors_already_there() {
    for b in backends() {
        let db = common::empty_at(&b, 6).await;
        let member = "0ddba11c0ffee0ddba11c0ffee0ddba1";
        for minutes in [1, 30, 5 * 60] {
            db.store
                .insert_call(&failed_call(member, "ERROR_ARGUMENT", now() - Duration::minutes(minutes)))
                .await
                .unwrap();
        }
        let app = b24ops::model::NewAppError {
            ts: now() - Duration::hours(2),
            member_id: None,
            error_type: "Timeout".into(),
            message: "webhook".into(),
            context: None,
            source: "webhook".into(),
        };
        db.store.insert_app_error(&app).await.unwrap();
        assert_eq!(
            db.store.migrate().await.unwrap(),
            b24ops::store::MIGRATIONS.iter().map(|m| m.version).filter(|v| *v >= 7).collect::<Vec<_>>()
        );
        let w = ErrorWindow { now: now(), window: Duration::minutes(15), threshold_15m: 10 };
        let groups = db.store.error_groups(w, GroupBy::PortalAndType, None).await.unwrap();
        let counts: Vec<_> =
            groups.iter().map(|g| (g.error_type.as_str().to_owned(), g.last_15m, g.last_1h, g.last_24h)).collect();
        assert_eq!(
            counts,
            vec![("ERROR_ARGUMENT".to_owned(), 1, 2, 3), ("Timeout".to_owned(), 0, 0, 1)],
            "{}",
            db.store.dialect().name()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operating_peaks_read_the_last_ten_minutes_per_portal_and_method_and_fire_the_rule() {
    use b24ops::rules::alerts::{Rule, RuleKind, Severity};
    let (p1, p2) = ("0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210");
    for b in backends() {
        let db = empty_on(&b).await;
        let call = |member: &str, method: &str, operating: f64, minutes_ago: i64| b24ops::model::NewApiCall {
            method: method.into(),
            http_status: Some(200),
            error_code: None,
            operating: Some(operating),
            ..failed_call(member, "", now() - Duration::minutes(minutes_ago))
        };
        for c in [
            call(p1, "crm.item.list", 100.0, 1),
            call(p1, "crm.item.list", 400.5, 2),
            call(p1, "user.get", 200.0, 3),
            call(p2, "crm.item.list", 470.0, 20),
        ] {
            db.store.insert_call(&c).await.unwrap();
        }
        let name = db.store.dialect().name();
        let peaks = db.store.operating_peaks(now() - Duration::minutes(10), 150.0, 10).await.unwrap();
        let got: Vec<(&str, &str, f64)> =
            peaks.iter().map(|p| (p.member_id.as_str(), p.method.as_str(), p.peak_secs)).collect();
        assert_eq!(got, vec![(p1, "crm.item.list", 400.5), (p1, "user.get", 200.0)], "{name}");

        let rule = Rule {
            name: "near the operating limit".into(),
            kind: RuleKind::Operating { limit_secs: 480 },
            severity: Severity::Warning,
            action_interval: Duration::hours(1),
        };
        let ctx = b24ops::services::settings::alert_context(&b24ops::config::Config::default()).unwrap();
        let eval = b24ops::services::alerts::evaluate(&db.store, &ctx, &[rule], now()).await;
        assert!(eval.failed.is_empty(), "{name}: {:?}", eval.failed);
        let keys: Vec<&str> = eval.firing.iter().map(|f| f.figure.key.as_str()).collect();
        assert_eq!(keys, vec![format!("{p1} crm.item.list").as_str()], "{name}: only past 80% of 480 s");
        assert!(eval.firing[0].figure.summary.contains("400 of 480 s"), "{}", eval.firing[0].figure.summary);
    }
}
