//! Email intake under attack and at its limits, on every backend: a forged reply never writes into
//! another requester's ticket, headers longer than their columns are cut rather than refused, and
//! an attachment too big to keep drops alone while the text is kept.

use crate::common;

use b24ops::config::EmailConfig;
use b24ops::intake::email::{Filed, MAX_MESSAGE, RawMessage, ingest};
use b24ops::services::tasks::Actor;
use b24ops::services::tickets::change;
use b24ops::store::TicketChange;
use chrono::{DateTime, Duration, Utc};
use common::{backends, empty_on, seeded_everywhere};

fn at() -> DateTime<Utc> {
    "2026-11-30T10:00:00Z".parse().unwrap()
}

async fn mail(db: &common::TestDb, cfg: &EmailConfig, raw: &str) -> Filed {
    let raw = RawMessage { bytes: raw.as_bytes().to_vec(), dropped: 0 };
    ingest(&db.store, cfg, &raw, at()).await.unwrap()
}

fn alice() -> Actor {
    Actor { operator: "alice".into(), read_only: false }
}

const FIRST: &str = "From: Olga <olga@example.com>\r\nSubject: Sync stopped\r\nMessage-ID: <first-1@example.com>\r\n\r\nNothing syncs.\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_reply_opens_a_flagged_ticket_and_leaves_the_named_one_alone() {
    for b in backends() {
        let db = empty_on(&b).await;
        let name = db.store.dialect().name();
        let cfg = EmailConfig::default();
        let Filed::New { id, .. } = mail(&db, &cfg, FIRST).await else { panic!("{name}") };
        change(&db.store, &alice(), id, TicketChange::Status("solved".into()), at()).await.unwrap();

        let by_reference = "From: mallory@evil.example\r\nSubject: Re: Sync stopped\r\nMessage-ID: <m-1@evil.example>\r\n\
                            In-Reply-To: <first-1@example.com>\r\n\r\nPlease send the data export to me.\r\n";
        let Filed::Claimed { id: forged, of } = mail(&db, &cfg, by_reference).await else { panic!("{name}") };
        assert_eq!(of, id, "{name}");
        let by_tag = format!("From: mallory@evil.example\r\nSubject: Re: [#{id}] hello\r\n\r\nme again\r\n");
        let Filed::Claimed { of, .. } = mail(&db, &cfg, &by_tag).await else { panic!("{name}") };
        assert_eq!(of, id, "{name}");

        let named = db.store.ticket(id).await.unwrap().unwrap();
        assert_eq!(named.status.as_str(), "solved", "{name}: the forger reopened nothing");
        assert_eq!(db.store.ticket_messages(id, 10).await.unwrap().len(), 1, "{name}: nor wrote into it");
        let flagged = db.store.ticket(forged).await.unwrap().unwrap();
        assert_eq!(flagged.claimed_thread_of, Some(id), "{name}: linked and flagged");
        assert_eq!(flagged.requester_email.unwrap().as_str(), "mallory@evil.example");

        // The requester herself still threads in, by tag, whatever the case of her address.
        let own = format!("From: OLGA@Example.com\r\nSubject: Re: [#{id}] still broken\r\n\r\nstill\r\n");
        assert_eq!(mail(&db, &cfg, &own).await, Filed::Reply { id }, "{name}");
        assert_eq!(db.store.ticket(id).await.unwrap().unwrap().status.as_str(), "open", "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_address_of_the_same_customer_threads_in() {
    for db in seeded_everywhere(20).await {
        let name = db.store.dialect().name();
        let portal = db.store.portals_after("", 1).await.unwrap().remove(0);
        let first = format!(
            "From: olga@example.com\r\nSubject: {} is down\r\nMessage-ID: <p-1@example.com>\r\n\r\nHelp.\r\n",
            portal.member_id.as_str()
        );
        let mut cfg = EmailConfig::default();
        let Filed::New { id, member_id: Some(_) } = mail(&db, &cfg, &first).await else { panic!("{name}") };
        let colleague =
            "From: ops@example.com\r\nSubject: Re: down\r\nIn-Reply-To: <p-1@example.com>\r\n\r\nSame here.\r\n";
        assert!(matches!(mail(&db, &cfg, colleague).await, Filed::Claimed { .. }), "{name}: not listed yet");
        cfg.customer_addresses.insert(portal.member_id.as_str().to_owned(), vec!["@example.com".into()]);
        let again = colleague.replace("Same here", "Same here again");
        assert_eq!(mail(&db, &cfg, &again).await, Filed::Reply { id }, "{name}: listed for the portal");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_longer_than_their_columns_are_cut_on_every_backend() {
    for b in backends() {
        let db = empty_on(&b).await;
        let name = db.store.dialect().name();
        let cfg = EmailConfig::default();
        let long_id = format!("<{}@example.com>", "a".repeat(300));
        assert_eq!(long_id.len(), 314);
        let first = format!("From: olga@example.com\r\nSubject: Long\r\nMessage-ID: {long_id}\r\n\r\nText.\r\n");
        let Filed::New { id, .. } = mail(&db, &cfg, &first).await else { panic!("{name}") };
        assert_eq!(mail(&db, &cfg, &first).await, Filed::Duplicate { id }, "{name}: the cut id still deduplicates");

        // A reply gets the limits a new ticket gets: a 3 MB name, a 2 MB Message-ID.
        let reply = format!(
            "From: \"{}\" <olga@example.com>\r\nSubject: Re: Long\r\nMessage-ID: <{}@x>\r\nIn-Reply-To: {long_id}\r\n\r\nMore.\r\n",
            "N".repeat(3 << 20),
            "m".repeat(2 << 20)
        );
        assert_eq!(mail(&db, &cfg, &reply).await, Filed::Reply { id }, "{name}");
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        let (author, mid): (i64, i64) =
            sqlx::query_as("SELECT MAX(LENGTH(author)), MAX(LENGTH(message_id)) FROM b24ops_ticket_messages")
                .fetch_one(&pool)
                .await
                .unwrap();
        pool.close().await;
        assert!(author <= 457 && mid <= 255, "{name}: author {author}, message id {mid}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_twenty_megabyte_attachment_is_dropped_with_a_note_and_the_text_kept() {
    let db = empty_on(&common::Backend::Sqlite).await;
    let attachment = "QUFB".repeat(20 * 1024 * 1024 / 4);
    let raw = format!(
        "From: olga@example.com\r\nSubject: Logs attached\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe export fails, logs attached.\r\n\
         --b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"logs.bin\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{attachment}\r\n--b1--\r\n"
    );
    let read = RawMessage::read(std::io::Cursor::new(raw.into_bytes())).unwrap();
    assert_eq!(read.bytes.len(), MAX_MESSAGE, "only the first part is held in memory");
    assert!(read.dropped > 10 << 20);
    let Filed::New { id, .. } = ingest(&db.store, &EmailConfig::default(), &read, at()).await.unwrap() else {
        panic!()
    };
    let body = db.store.ticket_messages(id, 1).await.unwrap().remove(0).body;
    assert!(body.as_str().starts_with("The export fails, logs attached."), "{body:?}");
    assert!(body.as_str().contains("attachment logs.bin") && body.as_str().contains("dropped"), "{body:?}");
    assert!(body.as_str().contains("read its first 10.0 MB"), "{body:?}");
    let _ = Duration::zero();
}
