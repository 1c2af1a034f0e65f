//! The Tasks tab over a Symfony Messenger app's Doctrine transport, proved with the real
//! symfony/messenger worker: messages fail into the failure transport's rows of
//! `messenger_messages`; b24ops lists them by portal, restarts them as `messenger:failed:retry`
//! and removes them as `messenger:failed:remove` does, and the worker processes each restarted
//! message exactly once. On SQLite, PostgreSQL and MariaDB.

use crate::common;

use crate::queues::harness::{Symfony, php_ready};
use crate::queues::{exec, failed, open};
use b24ops::config::TasksConfig;
use b24ops::model::MemberId;
use b24ops::rules::task_filter::TaskFilter;
use b24ops::services::tasks::{Actor, act_on, act_on_matching};
use b24ops::store::{TaskAction, WriteOutcome};
use chrono::Utc;
use common::{backends, empty_on};

const M1: &str = "0123456789abcdef0123456789abcdef";
const M2: &str = "fedcba9876543210fedcba9876543210";
const M3: &str = "00112233445566778899aabbccddeeff";

fn symfony_cfg() -> TasksConfig {
    TasksConfig { adapter: "symfony".into(), ..TasksConfig::default() }
}

fn actor(name: &str) -> Actor {
    Actor { operator: name.into(), read_only: false }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn symfony_messages_fail_restart_once_and_are_handled_once() {
    if !php_ready("the Symfony Messenger test") {
        return;
    }
    for b in backends() {
        let db = empty_on(&b).await;
        let name = db.store.dialect().name();
        let app = Symfony::new(&db.url);
        app.push(&[M1, M2, ""]);
        app.consume(true);
        let store = open(&db.url, &symfony_cfg()).await;

        let list = store.tasks_list(&failed(), 100).await.unwrap();
        assert_eq!(list.len(), 3, "{name}: three messages in the failure transport");
        assert!(list.iter().all(|t| t.kind.as_str() == "App\\SyncDeals" && t.status.as_str() == "failed"));
        assert!(list.iter().all(|t| t.attempts == 1), "{name}: retried once before failing (RedeliveryStamp)");
        let error = |t: &b24ops::model::TaskBrief| t.last_error.as_ref().unwrap().as_str().to_owned();
        assert!(list.iter().all(|t| error(t).starts_with("RuntimeException: QUERY_LIMIT_EXCEEDED")));
        assert!(list.iter().all(|t| !error(t).contains("second line")));
        let of = |m: &str| list.iter().find(|t| t.member_id.as_ref().map(|x| x.as_str()) == Some(m)).unwrap().id;
        let (j1, j2) = (of(M1), of(M2));
        let orphan = list.iter().find(|t| t.member_id.is_none()).expect("the message with no portal is listed").id;
        let mine = TaskFilter { member_id: Some(MemberId::parse(M1).unwrap()), ..failed() };
        let by_portal = store.tasks_list(&mine, 100).await.unwrap();
        assert_eq!(by_portal.iter().map(|t| t.id).collect::<Vec<_>>(), vec![j1], "{name}: a portal's failed messages");
        let kind = TaskFilter { kind: Some("App\\SyncDeals".into()), ..failed() };
        assert_eq!(store.tasks_count(&kind).await.unwrap(), 3, "{name}: kind filter");
        let detail = store.task_detail(j1).await.unwrap().unwrap();
        assert!(detail.last_error.unwrap().as_str().contains("second line"), "the whole message in the detail");
        assert!(detail.status.as_str().contains("failed on async") && detail.status.as_str().contains("queue default"));

        // Two consoles (two pools) restart the same message at once: it is queued once.
        let other = open(&db.url.replace("?mode=rwc", ""), &symfony_cfg()).await;
        let (al, bob) = (actor("alice"), actor("bob"));
        let one = [j1];
        let (a, c) = tokio::join!(
            act_on(&store, &al, TaskAction::Restart, &one, Utc::now()),
            act_on(&other, &bob, TaskAction::Restart, &one, Utc::now()),
        );
        let outcomes = [a.unwrap()[0].1.clone(), c.unwrap()[0].1.clone()];
        assert_eq!(outcomes.iter().filter(|o| **o == WriteOutcome::Changed).count(), 1, "{name}: {outcomes:?}");
        assert!(matches!(
            &act_on(&store, &al, TaskAction::Restart, &[j1], Utc::now()).await.unwrap()[0].1,
            WriteOutcome::Unchanged(w) if w.contains("queue default")
        ));

        // Remove the portal-less one (and a missing id); the worker handles exactly the restarted one, once.
        let removed = act_on(&store, &al, TaskAction::Discard, &[orphan, 999_999], Utc::now()).await.unwrap();
        assert_eq!((removed[0].1.clone(), removed[1].1.clone()), (WriteOutcome::Changed, WriteOutcome::Missing));
        app.consume(false);
        assert_eq!(app.processed(), vec![M1.to_owned()], "{name}: handled once");
        app.consume(false);
        assert_eq!(app.processed().len(), 1, "{name}: nothing handled twice");
        let left = store.tasks_list(&failed(), 100).await.unwrap();
        assert_eq!(left.iter().map(|t| t.id).collect::<Vec<_>>(), vec![j2]);
        let audit = store.audit_page(None, 10).await.unwrap();
        assert_eq!(audit.len(), 2, "{name}: one audit row per change");
        assert!(audit.iter().any(|r| r.action.as_str() == "task.restart"
            && r.member_id.as_ref().map(|m| m.as_str()) == Some(M1)
            && r.after.as_ref().unwrap().as_str().contains("queue default")));
        assert!(audit.iter().any(|r| r.action.as_str() == "task.discard"));

        // A restarted message that fails again lands in the failure transport again, not lost.
        assert_eq!(
            act_on(&store, &al, TaskAction::Restart, &[j2], Utc::now()).await.unwrap()[0].1,
            WriteOutcome::Changed
        );
        app.consume(true);
        let again = store.tasks_list(&failed(), 100).await.unwrap();
        assert_eq!(again.len(), 1, "{name}: failed again into the failure transport");
        assert_eq!(again[0].member_id.as_ref().unwrap().as_str(), M2);

        // Read-only refuses; bulk restart by filter takes the rest.
        let ro = Actor { operator: "carol".into(), read_only: true };
        assert!(act_on(&store, &ro, TaskAction::Restart, &[again[0].id], Utc::now()).await.is_err());
        let of_m2 = TaskFilter { member_id: Some(MemberId::parse(M2).unwrap()), ..failed() };
        let report = act_on_matching(&store, &al, TaskAction::Restart, &of_m2, Utc::now(), |_| {}).await.unwrap();
        assert_eq!((report.total, report.changed), (1, 1));
        app.consume(false);
        assert_eq!(app.processed().iter().filter(|m| *m == M2).count(), 1, "{name}");
        assert!(store.tasks_list(&failed(), 100).await.unwrap().is_empty());
        store.close().await;
        other.close().await;
    }
}

/// An app's own stamp, an unreadable body, an unmapped transport and a message deleted by the
/// app between list and restart: shown, refused with the reason, nothing changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_symfony_rows_are_shown_and_refused_without_changing_anything() {
    if !php_ready("the Symfony Messenger bad-input test") {
        return;
    }
    for b in backends() {
        let db = empty_on(&b).await;
        let name = db.store.dialect().name();
        let app = Symfony::new(&db.url);
        app.console(&["push-traced", M3], false);
        app.push(&[M1]);
        app.consume(true);
        exec(
            &db.url,
            "INSERT INTO messenger_messages (body, headers, queue_name, created_at, available_at)
             VALUES ('not a message', '[]', 'failed', '2026-11-24 10:00:00', '2026-11-24 10:00:00')",
        )
        .await;
        let store = open(&db.url, &symfony_cfg()).await;
        let list = store.tasks_list(&failed(), 100).await.unwrap();
        assert_eq!(list.len(), 3, "{name}");
        let bad = list.iter().find(|t| t.kind.as_str().contains("cannot be read")).unwrap().id;
        let member = |m: &str| list.iter().find(|t| t.member_id.as_ref().map(|x| x.as_str()) == Some(m)).unwrap().id;
        let (traced, plain) = (member(M3), member(M1));
        let detail = store.task_detail(traced).await.unwrap().unwrap();
        assert!(detail.status.as_str().contains("App\\TraceStamp"), "{}", detail.status.as_str());

        let unmapped = TasksConfig { transport_queues: Default::default(), ..symfony_cfg() };
        let strict = open(&db.url, &unmapped).await;
        let out = act_on(&strict, &actor("alice"), TaskAction::Restart, &[bad, plain], Utc::now()).await.unwrap();
        assert!(matches!(&out[0].1, WriteOutcome::Refused(w) if w.contains("base64")), "{out:?}");
        assert!(matches!(&out[1].1, WriteOutcome::Refused(w) if w.contains("tasks.transport_queues")), "{out:?}");
        exec(&db.url, &format!("DELETE FROM messenger_messages WHERE id = {plain}")).await;
        assert_eq!(
            act_on(&store, &actor("alice"), TaskAction::Restart, &[plain], Utc::now()).await.unwrap()[0].1,
            WriteOutcome::Missing
        );
        assert_eq!(store.tasks_list(&failed(), 100).await.unwrap().len(), 2, "{name}: nothing else changed");
        assert!(store.audit_page(None, 10).await.unwrap().is_empty(), "{name}: no change, no audit row");

        // The app's own stamp travels along: the worker handles the message.
        let out = act_on(&store, &actor("alice"), TaskAction::Restart, &[traced], Utc::now()).await.unwrap();
        assert_eq!(out[0].1, WriteOutcome::Changed);
        app.consume(false);
        assert_eq!(app.processed(), vec![M3.to_owned()], "{name}");
        store.close().await;
        strict.close().await;
    }
}
