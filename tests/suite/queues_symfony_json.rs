//! Symfony Messenger with its JSON Serializer (symfony/serializer, Debian's
//! php-symfony-serializer) instead of PHP serialize(): the real worker fails messages into the
//! failure transport with their stamps as `X-Message-Stamp-…` headers; b24ops lists them by
//! portal from the JSON body, restarts them, and the worker handles each exactly once — and a
//! second failure lands in the failure transport again. On SQLite, PostgreSQL and MariaDB.

use crate::common;

use crate::queues::harness::{Symfony, php_ready};
use crate::queues::{alice, failed, open};
use b24ops::config::TasksConfig;
use b24ops::model::MemberId;
use b24ops::rules::task_filter::TaskFilter;
use b24ops::services::tasks::act_on;
use b24ops::store::{SerializedAs, TaskAction, WriteOutcome, member_column_ddl};
use chrono::Utc;
use common::{backends, empty_on};

const M1: &str = "0123456789abcdef0123456789abcdef";
const M2: &str = "fedcba9876543210fedcba9876543210";

/// True when symfony/serializer is installed; `.ci/run` installs it, so there its absence fails.
fn serializer_ready() -> bool {
    let present = std::path::Path::new("/usr/share/php/Symfony/Component/Serializer/Serializer.php").exists()
        && std::path::Path::new("/usr/share/php/Symfony/Component/PropertyAccess").exists();
    let required = std::env::var("B24OPS_TEST_PHP").is_ok_and(|v| v == "1");
    assert!(
        present || !required,
        "B24OPS_TEST_PHP=1 but php-symfony-serializer / php-symfony-property-access are missing"
    );
    present
}

fn of(member: &str) -> TaskFilter {
    TaskFilter { member_id: Some(MemberId::parse(member).unwrap()), ..failed() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_serialized_messages_fail_restart_once_and_are_handled_once() {
    if !php_ready("the Symfony JSON-serializer test") || !serializer_ready() {
        return;
    }
    for b in backends() {
        let db = empty_on(&b).await;
        let name = db.store.dialect().name();
        let app = Symfony::with_serializer(&db.url, "json");
        app.push(&[M1, M2]);
        app.consume(true);
        let cfg = TasksConfig { adapter: "symfony".into(), ..TasksConfig::default() };
        let store = open(&db.url, &cfg).await;

        let list = store.tasks_list(&failed(), 100).await.unwrap();
        assert_eq!(list.len(), 2, "{name}: two messages in the failure transport");
        assert!(list.iter().all(|t| t.kind.as_str() == "App\\SyncDeals"), "{name}: kind from the type header");
        assert!(list.iter().all(|t| t.attempts == 1), "{name}: the RedeliveryStamp header's retry count");
        let error = |t: &b24ops::model::TaskBrief| t.last_error.as_ref().unwrap().as_str().to_owned();
        assert!(list.iter().all(|t| error(t).starts_with("RuntimeException: QUERY_LIMIT_EXCEEDED")), "{list:?}");
        let mine = store.tasks_list(&of(M1), 100).await.unwrap();
        assert_eq!(mine.len(), 1, "{name}: the portal from the JSON body");
        let detail = store.task_detail(mine[0].id).await.unwrap().unwrap();
        assert!(detail.status.as_str().contains("failed on async"), "{name}: {}", detail.status.as_str());

        assert_eq!(
            act_on(&store, &alice(), TaskAction::Restart, &[mine[0].id], Utc::now()).await.unwrap()[0].1,
            WriteOutcome::Changed
        );
        app.consume(false);
        assert_eq!(app.processed(), vec![M1.to_owned()], "{name}: handled once");
        app.consume(false);
        assert_eq!(app.processed().len(), 1, "{name}: nothing handled twice");

        // Restarted and failing again, it is back in the failure transport, not lost.
        let theirs = store.tasks_list(&of(M2), 100).await.unwrap();
        assert_eq!(
            act_on(&store, &alice(), TaskAction::Restart, &[theirs[0].id], Utc::now()).await.unwrap()[0].1,
            WriteOutcome::Changed
        );
        app.consume(true);
        let again = store.tasks_list(&failed(), 100).await.unwrap();
        assert_eq!(again.len(), 1, "{name}: failed again into the failure transport");
        assert_eq!(again[0].member_id.as_ref().unwrap().as_str(), M2);

        // The app's member index for JSON bodies finds it too.
        let d = db.store.dialect();
        let ddl = member_column_ddl(d, "messenger_messages", "body", "memberId", SerializedAs::Json, "member_id");
        db.store.run_fixture_ddl(&ddl).await.unwrap();
        let indexed = open(&db.url, &TasksConfig { member_column: "member_id".into(), ..cfg }).await;
        let found = indexed.tasks_list(&of(M2), 100).await.unwrap();
        assert_eq!(found.iter().map(|t| t.id).collect::<Vec<_>>(), vec![again[0].id], "{name}: through the index");
        store.close().await;
        indexed.close().await;
    }
}
