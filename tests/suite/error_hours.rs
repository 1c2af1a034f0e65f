//! The Errors tab's 24-hour sparkline buckets on every backend: exact per hour against the raw
//! rows, a group quiet for hours, the hour boundary, grouped by portal and by type.

use crate::common;

use b24ops::model::{ErrorGroup, GroupBy, NewAppError, SPARK_HOURS};
use b24ops::store::ErrorWindow;
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{backends, empty_on, failed_call, seeded_everywhere};
use sqlx::Row;

const HOUR_MS: i64 = 3_600_000;

fn hour_start(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis().div_euclid(HOUR_MS) * HOUR_MS
}

fn window(now: DateTime<Utc>) -> ErrorWindow {
    ErrorWindow { now, window: Duration::minutes(15), threshold_15m: 10 }
}

/// Each bucket is the group's failed calls stamped in its hour, the newest hour last.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buckets_match_a_brute_force_count_per_hour() {
    for db in seeded_everywhere(8_000).await {
        let now = common::now();
        let d = db.store.dialect();
        let pool = sqlx::AnyPool::connect(&db.url.replace("?mode=rwc", "")).await.unwrap();
        let last = hour_start(now);
        // Grouped by the raw code, matched to the group by its sanitized text (as store.rs does).
        let per_hour = |by_member: bool| {
            d.sql_owned(format!(
                "SELECT {} AS code, {} AS h, COUNT(*) AS n FROM b24ops_api_calls
                 WHERE error_code IS NOT NULL {} AND ts >= ? AND ts < ? GROUP BY error_code, ts - (ts % {HOUR_MS})",
                d.text("error_code"),
                d.int(&format!("ts - (ts % {HOUR_MS})")),
                if by_member { "AND member_id = ?" } else { "" },
            ))
        };
        let expect = |rows: Vec<sqlx::any::AnyRow>, code: &str| {
            let mut b = vec![0i64; SPARK_HOURS];
            for r in rows {
                let raw: Vec<u8> =
                    r.try_get::<Vec<u8>, _>("code").unwrap_or_else(|_| r.get::<String, _>("code").into_bytes());
                if b24ops::model::SafeText::line_from_bytes(&raw).as_str() != code {
                    continue;
                }
                let h: i64 = r.get("h");
                b[((h - (last - 23 * HOUR_MS)) / HOUR_MS) as usize] += r.get::<i64, _>("n");
            }
            b
        };
        let (from, to) = (last - 23 * HOUR_MS, last + HOUR_MS);
        let groups = db.store.error_groups(window(now), GroupBy::PortalAndType, None).await.unwrap();
        let rest: Vec<&ErrorGroup> =
            groups.iter().filter(|g| g.source == b24ops::model::ErrorSource::Rest).take(12).collect();
        assert!(!rest.is_empty());
        for g in rest {
            let rows = sqlx::query(&per_hour(true))
                .bind(g.member_id.as_ref().unwrap().as_str().to_owned())
                .bind(from)
                .bind(to)
                .fetch_all(&pool)
                .await
                .unwrap();
            assert_eq!(g.hourly, expect(rows, g.error_type.as_str()), "{} {g:?}", d.name());
        }
        let by_type = db.store.error_groups(window(now), GroupBy::Type, None).await.unwrap();
        let qle = by_type.iter().find(|g| g.error_type.as_str() == "QUERY_LIMIT_EXCEEDED").unwrap();
        let rows = sqlx::query(&per_hour(false)).bind(from).bind(to).fetch_all(&pool).await.unwrap();
        let want = expect(rows, "QUERY_LIMIT_EXCEEDED");
        assert!(want.iter().sum::<i64>() > 0);
        assert_eq!(qle.hourly, want, "{} by type", d.name());
    }
}

/// A group quiet for hours has empty buckets between its errors; an error one millisecond
/// before the hour and one on it fall in neighbouring buckets; the hour and day columns still
/// count exactly with their whole hours read from the same cells.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_group_and_the_hour_boundary() {
    for b in backends() {
        let db = empty_on(&b).await;
        // A fixed instant 20 minutes into its hour, nothing stamped after it.
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 10, 20, 0).unwrap();
        let top = now - Duration::minutes(20);
        let member = "5e1f0c0ffee0c0ffee0c0ffee0c0ffe2";
        let at = [
            now - Duration::hours(20),
            now - Duration::hours(20) + Duration::minutes(5),
            top - Duration::milliseconds(1),
            top,
            now,
            now - Duration::hours(30),
        ];
        for t in at {
            db.store.insert_call(&failed_call(member, "ACCESS_DENIED", t)).await.unwrap();
            let app = NewAppError {
                ts: t,
                member_id: Some(member.into()),
                error_type: "WorkerCrashed".into(),
                message: "boom".into(),
                context: None,
                source: "worker".into(),
            };
            db.store.insert_app_error(&app).await.unwrap();
        }
        let mut want = vec![0i64; SPARK_HOURS];
        want[23] = 2; // `top` and `now`
        want[22] = 1; // a millisecond before the hour
        want[3] = 2; // 20 hours back, quiet since
        // The portal view's calls by hour read the same hours from the calls themselves.
        let member_id = b24ops::model::MemberId::parse(member).unwrap();
        let (calls, capped) = db.store.calls_by_hour(&member_id, now.timestamp_millis()).await.unwrap();
        assert_eq!((calls, capped), (want.clone(), false), "{}", db.store.dialect().name());
        for by in [GroupBy::PortalAndType, GroupBy::Type] {
            let groups = db.store.error_groups(window(now), by, None).await.unwrap();
            assert_eq!(groups.len(), 2, "{groups:?}");
            for g in &groups {
                assert_eq!(g.hourly, want, "{} {by:?} {g:?}", db.store.dialect().name());
                assert_eq!(
                    (g.last_15m, g.last_1h, g.last_24h),
                    (1, 3, 5),
                    "{} {by:?} {g:?}",
                    db.store.dialect().name()
                );
                if by == GroupBy::PortalAndType {
                    assert_eq!(g.first_seen, now - Duration::hours(20), "{g:?}");
                }
            }
        }
    }
}
