//! Failed tasks on every backend: listing, conditional restart and discard, the audit trail, races.

use crate::common;

use b24ops::rules::task_filter::TaskFilter;
use b24ops::services::tasks::{ActionError, Actor, act_on, act_on_matching};
use b24ops::store::{OpenMode, Store, TaskAction, TaskRecord, WriteOutcome};
use chrono::Duration;
use common::{backends, empty_on, now};

fn failed(kind: &str, member: &str, payload: &str) -> TaskRecord {
    TaskRecord {
        kind: kind.into(),
        member_id: Some(member.into()),
        status: "failed",
        attempts: 5,
        max_attempts: 5,
        last_error: Some("crm.deal.list: QUERY_LIMIT_EXCEEDED".into()),
        payload: Some(payload.into()),
        run_at: now() - Duration::hours(1),
        created_at: now() - Duration::hours(2),
        failed_at: Some(now() - Duration::minutes(30)),
    }
}

fn alice() -> Actor {
    Actor { operator: "alice".into(), read_only: false }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_is_conditional_audited_and_grants_an_attempt() {
    for b in backends() {
        let db = empty_on(&b).await;
        let w = db.store.seed_writer();
        let id = w.task(&failed("sync.deals", "m1", r#"{"a":1}"#)).await.unwrap();
        let other = w.task(&failed("sync.contacts", "m2", "not json \x1b[2J")).await.unwrap();

        let listed = db.store.tasks_list(&TaskFilter::default(), 100).await.unwrap();
        assert_eq!(listed.len(), 2);
        let out = act_on(&db.store, &alice(), TaskAction::Restart, &[id], now()).await.unwrap();
        assert_eq!(out, vec![(id, WriteOutcome::Changed)]);
        let d = db.store.task_detail(id).await.unwrap().unwrap();
        assert_eq!(d.status.as_str(), "queued");
        assert_eq!((d.attempts, d.max_attempts), (5, 6), "one more attempt granted");
        assert_eq!(d.run_at, now(), "due now");
        let again = act_on(&db.store, &alice(), TaskAction::Restart, &[id], now()).await.unwrap();
        assert_eq!(again, vec![(id, WriteOutcome::Unchanged("queued".into()))], "idempotent");
        let audit = db.store.audit_page(None, 10).await.unwrap();
        assert_eq!(audit.len(), 1, "{}: one change, one audit row", db.store.dialect().name());
        assert_eq!(audit[0].operator.as_str(), "alice");
        assert_eq!(audit[0].action.as_str(), "task.restart");
        assert_eq!(audit[0].target.as_str(), format!("task #{id}"));
        assert_eq!(audit[0].member_id.as_ref().unwrap().as_str(), "m1");

        let d = db.store.task_detail(other).await.unwrap().unwrap();
        assert!(d.payload_invalid_json && !d.payload.unwrap().as_str().contains('\x1b'));
        let pretty = db.store.task_detail(id).await.unwrap().unwrap().payload.unwrap();
        assert!(pretty.as_str().contains("\"a\": 1"), "valid JSON is pretty-printed");

        let ro = Actor { operator: "bob".into(), read_only: true };
        let err = act_on(&db.store, &ro, TaskAction::Discard, &[other], now()).await.unwrap_err();
        assert!(matches!(err, ActionError::ReadOnly));
        assert_eq!(db.store.task_detail(other).await.unwrap().unwrap().status.as_str(), "failed");
        assert_eq!(
            act_on(&db.store, &alice(), TaskAction::Discard, &[other, 999_999], now()).await.unwrap(),
            vec![(other, WriteOutcome::Changed), (999_999, WriteOutcome::Missing)]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_restarting_one_task_make_one_change() {
    for b in backends() {
        let db = empty_on(&b).await;
        let mut ids = Vec::new();
        for i in 0..20 {
            ids.push(db.store.seed_writer().task(&failed("sync.deals", &format!("m{i}"), "{}")).await.unwrap());
        }
        // Two independent connection pools stand for two processes.
        let url = db.url.replace("?mode=rwc", "");
        let a = Store::connect(&url, OpenMode::Existing).await.unwrap();
        let b2 = Store::connect(&url, OpenMode::Existing).await.unwrap();
        let mut changed = 0;
        let (al, bob) = (alice(), Actor { operator: "bob".into(), read_only: false });
        for &id in &ids {
            let one = [id];
            let (x, y) = tokio::join!(
                act_on(&a, &al, TaskAction::Restart, &one, now()),
                act_on(&b2, &bob, TaskAction::Restart, &one, now()),
            );
            for r in [x.unwrap(), y.unwrap()] {
                if r[0].1 == WriteOutcome::Changed {
                    changed += 1;
                }
            }
        }
        assert_eq!(changed, ids.len(), "{}: exactly one of each pair changed the task", db.store.dialect().name());
        assert_eq!(db.store.audit_page(None, 100).await.unwrap().len(), ids.len(), "one audit row per task");
        a.close().await;
        b2.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_restart_follows_the_filter_in_batches() {
    for b in backends() {
        let db = empty_on(&b).await;
        for i in 0..450 {
            let kind = if i % 3 == 0 { "report.build" } else { "sync.deals" };
            db.store.seed_writer().task(&failed(kind, &format!("m{}", i % 7), "{}")).await.unwrap();
        }
        let filter = TaskFilter { kind: Some("sync.deals".into()), ..TaskFilter::default() };
        let mut seen = Vec::new();
        let report =
            act_on_matching(&db.store, &alice(), TaskAction::Restart, &filter, now(), |r| seen.push(r)).await.unwrap();
        assert_eq!((report.total, report.changed, report.skipped), (300, 300, 0));
        assert!(seen.len() >= 3, "progress after each batch: {seen:?}");
        assert!(seen.windows(2).all(|w| w[0].changed <= w[1].changed));
        assert_eq!(db.store.tasks_count(&filter).await.unwrap(), 0);
        let rest = TaskFilter { kind: Some("report.build".into()), ..TaskFilter::default() };
        assert_eq!(db.store.tasks_count(&rest).await.unwrap(), 150, "other kinds untouched");
        assert_eq!(db.store.tasks_count_upto(&rest, Some(40)).await.unwrap(), 40, "the alert's count stops at its cap");
    }
}
