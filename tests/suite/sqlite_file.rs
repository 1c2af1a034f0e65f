//! A SQLite file deleted or replaced under a running b24ops: the health check says so (and the
//! console's header with it), and no write goes into the file nobody will read again.

use crate::common;

use b24ops::model::NewTicket;
use b24ops::tui::state::Health;
use b24ops::tui::update::Msg;
use common::{Backend, console_state, drive, empty_on, now, test_runner};

fn ticket() -> NewTicket {
    NewTicket {
        channel: "console".into(),
        member_id: None,
        domain: None,
        subject: "Lost?".into(),
        requester_name: None,
        requester_email: Some("olga@example.com".into()),
        priority: "normal".into(),
        body: "Is this kept?".into(),
        message_id: None,
        claimed_thread_of: None,
    }
}

fn remove_database(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_file_is_reported_and_writes_are_refused() {
    let db = empty_on(&Backend::Sqlite).await;
    let path = db.dir.as_ref().unwrap().path().join("test.db");
    db.store.ping().await.unwrap();
    db.store.create_ticket(&ticket(), now()).await.unwrap();
    remove_database(&path);
    let err = db.store.ping().await.unwrap_err().to_string();
    assert!(err.contains("deleted"), "{err}");
    assert!(db.store.create_ticket(&ticket(), now()).await.is_err(), "no write goes into the unlinked file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_file_turns_the_header_red_and_refuses_writes() {
    let db = empty_on(&Backend::Sqlite).await;
    let other = empty_on(&Backend::Sqlite).await;
    let path = db.dir.as_ref().unwrap().path().join("test.db");
    let r = test_runner(&db.store, false);
    let mut s = console_state(false);
    drive(&mut s, &r, Msg::RefreshTick).await;
    assert_eq!(s.health, Health::Up);
    other.store.close().await; // checkpoints its WAL into the file
    remove_database(&path);
    std::fs::copy(other.dir.as_ref().unwrap().path().join("test.db"), &path).unwrap();
    drive(&mut s, &r, Msg::RefreshTick).await;
    let Health::Down { reason, .. } = &s.health else { panic!("the header still says ok: {:?}", s.health) };
    assert!(reason.contains("replaced"), "{reason}");
    assert!(db.store.create_ticket(&ticket(), now()).await.is_err());
    // The new file at the path holds nothing written after the swap.
    let fresh = b24ops::store::Store::connect(&db.url, b24ops::store::OpenMode::Existing).await.unwrap();
    assert!(fresh.tickets(b24ops::store::TicketScope::All, 10).await.unwrap().is_empty());
    fresh.close().await;
}
