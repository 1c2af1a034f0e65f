//! Tickets: SLA clocks through the store on every backend, intake over HTTP (form and JSON API)
//! and by email.

use crate::common;

use b24ops::config::{Config, SlaRules};
use b24ops::intake::email::{Filed, RawMessage, ingest};
use b24ops::intake::server::{Intake, router};
use b24ops::model::NewTicket;
use b24ops::rules::sla::TargetState;
use b24ops::services::tasks::Actor;
use b24ops::services::tickets::{change, queue};
use b24ops::store::{TicketChange, TicketScope};
use chrono::{DateTime, Duration, Utc};
use common::{backends, empty_on, seeded_db};

fn rules() -> SlaRules {
    // Mon–Fri 09:00–18:00 UTC; critical: 2 business hours to respond, 4 h to resolve.
    Config::default().sla.rules("UTC").unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn ticket(priority: &str) -> NewTicket {
    NewTicket {
        channel: "console".into(),
        member_id: None,
        domain: None,
        subject: "The app does not open".into(),
        requester_name: Some("Ivan".into()),
        requester_email: Some("ivan@example.com".into()),
        priority: priority.into(),
        body: "Blank screen for everyone since 17:00".into(),
        message_id: None,
        claimed_thread_of: None,
    }
}

async fn mail(db: &common::TestDb, raw: &[u8], now: DateTime<Utc>) -> Result<Filed, b24ops::intake::email::EmailError> {
    let raw = RawMessage { bytes: raw.to_vec(), dropped: 0 };
    ingest(&db.store, &Config::default().email, &raw, now).await
}

fn alice() -> Actor {
    Actor { operator: "alice".into(), read_only: false }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_critical_ticket_on_friday_evening_is_due_monday_and_replying_stops_the_clock() {
    for b in backends() {
        let db = empty_on(&b).await;
        let friday = at("2026-11-27T17:30:00Z");
        let id = db.store.create_ticket(&ticket("critical"), friday).await.unwrap();
        let normal = db.store.create_ticket(&ticket("normal"), friday - Duration::hours(30)).await.unwrap();
        let q = queue(&db.store, &rules(), TicketScope::Open, 100, friday + Duration::minutes(1)).await.unwrap();
        let name = db.store.dialect().name();
        let crit = q.iter().find(|t| t.ticket.id == id).unwrap();
        assert_eq!(crit.sla.first_response, Some(TargetState::Running { due: at("2026-11-30T10:30:00Z") }), "{name}");
        assert_eq!(crit.sla.resolution, Some(TargetState::Running { due: at("2026-11-27T21:30:00Z") }));
        assert_eq!(q[0].ticket.id, normal, "{name}: the breached normal ticket sorts first");
        assert!(matches!(q[0].sla.first_response, Some(TargetState::Breached { .. })));

        // Monday 09:45: reply; the first-response clock stops, met.
        let monday = at("2026-11-30T09:45:00Z");
        change(&db.store, &alice(), id, TicketChange::Reply("We are on it.".into()), monday).await.unwrap();
        // Waiting on the customer pauses resolution.
        change(&db.store, &alice(), id, TicketChange::Status("pending".into()), monday).await.unwrap();
        // Queued, not delivered: the clock still runs.
        let q = queue(&db.store, &rules(), TicketScope::Open, 100, monday + Duration::minutes(1)).await.unwrap();
        let crit = q.iter().find(|t| t.ticket.id == id).unwrap();
        assert!(matches!(crit.sla.first_response, Some(TargetState::Running { .. })), "{name}: {:?}", crit.sla);
        // Delivered at 09:50: the first-response clock stops there.
        let sent_at = monday + Duration::minutes(5);
        let items =
            db.store.claim_due_replies("t", sent_at, sent_at - Duration::minutes(15), &["email"], 10).await.unwrap();
        assert_eq!(items.len(), 1, "{name}");
        assert!(db.store.mark_reply_sent(&items[0], sent_at).await.unwrap());
        let q = queue(&db.store, &rules(), TicketScope::Open, 100, monday + Duration::hours(1)).await.unwrap();
        let crit = q.iter().find(|t| t.ticket.id == id).unwrap();
        assert_eq!(crit.sla.first_response, Some(TargetState::Met { at: sent_at }), "{name}");
        assert!(
            matches!(crit.sla.resolution, Some(TargetState::Breached { .. })),
            "4 calendar hours passed over the weekend"
        );
        let t = db.store.ticket(id).await.unwrap().unwrap();
        assert_eq!(t.status.as_str(), "pending");
        assert_eq!(t.history.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(), ["new", "open", "pending"]);
        let audit = db.store.audit_page(None, 10).await.unwrap();
        assert!(audit.iter().any(|a| a.action.as_str() == "ticket.reply" && a.operator.as_str() == "alice"));
        let ro = Actor { operator: "bob".into(), read_only: true };
        assert!(change(&db.store, &ro, id, TicketChange::Status("open".into()), monday).await.is_err());
        assert!(change(&db.store, &alice(), id, TicketChange::Status("nonsense".into()), monday).await.is_err());
    }
}

async fn start(intake: Intake) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router(intake, 256 * 1024).into_make_service_with_connect_info::<std::net::SocketAddr>())
            .await
            .unwrap()
    });
    format!("http://{addr}")
}

fn http() -> reqwest::Client {
    b24ops::bitrix::client::install_crypto();
    reqwest::Client::new()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_and_the_api_validate_escape_and_lose_nothing_under_a_burst() {
    let db = seeded_db(500).await;
    let portal = db.store.portals_after("", 1).await.unwrap().remove(0);
    let member = portal.member_id.as_str().to_owned();
    let base = start(Intake::new(db.store.clone(), Some("tok".into()), false)).await;
    let http = http();

    // The form, prefilled from the query string, with hostile values escaped.
    let page = http
        .get(format!("{base}/support?member_id={member}&domain=%22%3E%3Cscript%3Ealert(1)%3C/script%3E"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("value=\"{member}\"")));
    assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"));

    // A good submission by form.
    let ok = http
        .post(format!("{base}/support"))
        .form(&[
            ("member_id", member.as_str()),
            ("subject", "Sync stopped"),
            ("body", "Deals no longer sync \u{1b}[31mred"),
            ("email", "a@b.co"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 201);
    assert!(ok.text().await.unwrap().contains("ticket <b>#"));
    // A bad one: each field named, what was typed kept.
    let bad = http
        .post(format!("{base}/support"))
        .form(&[
            ("member_id", "nope!"),
            ("subject", ""),
            ("body", "x"),
            ("email", "not-an-email"),
            ("priority", "urgent"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let text = bad.text().await.unwrap();
    for field in [
        "Subject<span class=\"err\"> — required",
        "not an email address",
        "one of low, normal, high, critical",
        "not a member_id",
    ] {
        assert!(text.contains(field), "{field} in {text}");
    }
    assert!(text.contains("value=\"not-an-email\""));

    // The JSON API: token, content type, shape, size, an unknown portal.
    let post = |body: String, token: &str, ct: &str| {
        http.post(format!("{base}/api/tickets")).bearer_auth(token).header("content-type", ct).body(body).send()
    };
    assert_eq!(post("{}".into(), "wrong", "application/json").await.unwrap().status(), 401);
    assert_eq!(post("{}".into(), "tok", "text/plain").await.unwrap().status(), 415);
    assert_eq!(post("{not json".into(), "tok", "application/json").await.unwrap().status(), 400);
    assert_eq!(
        post(r#"{"subject":"a","body":"b","evil":1}"#.into(), "tok", "application/json").await.unwrap().status(),
        400
    );
    assert_eq!(
        post(format!(r#"{{"subject":"a","body":"{}"}}"#, "x".repeat(300 * 1024)), "tok", "application/json")
            .await
            .unwrap()
            .status(),
        413
    );
    let unknown = post(
        r#"{"subject":"a","body":"b","member_id":"ffffffffffffffffffffffffffffffff"}"#.into(),
        "tok",
        "application/json",
    )
    .await
    .unwrap();
    assert_eq!(unknown.status(), 400);
    assert!(unknown.text().await.unwrap().contains("no portal with this member_id"));
    // By domain: attached to the portal that has it.
    let by_domain = post(
        format!(r#"{{"subject":"a","body":"b","domain":"{}"}}"#, portal.domain.as_str()),
        "tok",
        "application/json",
    )
    .await
    .unwrap();
    assert_eq!(by_domain.status(), 201);
    let v: serde_json::Value = by_domain.json().await.unwrap();
    assert_eq!(v["member_id"], serde_json::json!(member));

    // A burst of 60 concurrent API submissions: every one is kept, each with its own number.
    let before = db.store.tickets(TicketScope::All, 10_000).await.unwrap().len();
    let burst = futures::future::join_all((0..60).map(|n| {
        post(format!(r#"{{"subject":"burst {n}","body":"b","priority":"high"}}"#), "tok", "application/json")
    }))
    .await;
    let mut ids: Vec<i64> = Vec::new();
    for r in burst {
        let r = r.unwrap();
        assert_eq!(r.status(), 201);
        ids.push(r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 60);
    assert_eq!(db.store.tickets(TicketScope::All, 10_000).await.unwrap().len(), before + 60);
    // The public form is paced per client, with a clear answer.
    let form_burst = futures::future::join_all(
        (0..25).map(|_| http.post(format!("{base}/support")).form(&[("subject", "s"), ("body", "b")]).send()),
    )
    .await;
    let codes: Vec<u16> = form_burst.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    let created = codes.iter().filter(|c| **c == 201).count();
    assert!(created >= 1 && codes.iter().all(|c| *c == 201 || *c == 429), "{codes:?}");
    assert_eq!(
        db.store.tickets(TicketScope::All, 10_000).await.unwrap().len(),
        before + 60 + created,
        "every accepted one is kept"
    );
    // Hostile text is stored and read back sanitized.
    let hostile = db
        .store
        .tickets(TicketScope::All, 10_000)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.subject.as_str() == "Sync stopped")
        .unwrap();
    let thread = db.store.ticket_messages(hostile.id, 10).await.unwrap();
    assert!(!thread[0].body.as_str().contains('\u{1b}'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_opens_tickets_threads_replies_and_keeps_only_text() {
    let db = seeded_db(300).await;
    let portal = db.store.portals_after("", 1).await.unwrap().remove(0);
    let now = at("2026-11-30T10:00:00Z");
    let first = format!(
        "From: Olga Petrova <olga@example.com>\r\nTo: support@app.example\r\nSubject: =?windows-1251?B?z+7w8uDr?= does not open\r\n\
         Message-ID: <first-1@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nOur portal {} shows a blank page.\r\n",
        portal.domain.as_str()
    );
    let Filed::New { id, member_id } = mail(&db, first.as_bytes(), now).await.unwrap() else { panic!() };
    assert_eq!(member_id.as_deref(), Some(portal.member_id.as_str()), "the portal is found by its domain in the body");
    let t = db.store.ticket(id).await.unwrap().unwrap();
    assert_eq!(t.subject.as_str(), "Портал does not open", "a windows-1251 subject is decoded");
    assert_eq!(t.channel.as_str(), "email");
    assert_eq!(mail(&db, first.as_bytes(), now).await.unwrap(), Filed::Duplicate { id });

    // We ask a question and wait; her reply threads in by In-Reply-To and reopens the ticket.
    change(&db.store, &alice(), id, TicketChange::Status("pending".into()), now).await.unwrap();
    let reply = "From: olga@example.com\r\nSubject: Re: Portal does not open\r\nMessage-ID: <second-2@example.com>\r\n\
                 In-Reply-To: <first-1@example.com>\r\nContent-Type: text/html\r\n\r\n<p>Still <b>broken</b><script>alert(1)</script></p>\r\n";
    assert_eq!(mail(&db, reply.as_bytes(), now + Duration::hours(1)).await.unwrap(), Filed::Reply { id });
    let t = db.store.ticket(id).await.unwrap().unwrap();
    assert_eq!(t.status.as_str(), "open");
    let thread = db.store.ticket_messages(id, 10).await.unwrap();
    assert_eq!(thread.len(), 2);
    let last = thread[1].body.as_str();
    assert!(
        last.contains("Still") && last.contains("broken") && !last.contains("<b>") && !last.contains("<script"),
        "{last}"
    );

    // A tag in the subject threads too, from the requester; no portal found flags the ticket.
    let tagged = format!("From: OLGA@example.com\r\nSubject: Re: [#{id}] more\r\n\r\nanother line\r\n");
    assert_eq!(mail(&db, tagged.as_bytes(), now).await.unwrap(), Filed::Reply { id });
    let orphan = "From: someone@nowhere.example\r\nSubject: Help\r\n\r\nIt broke.\r\n";
    let Filed::New { member_id: None, .. } = mail(&db, orphan.as_bytes(), now).await.unwrap() else { panic!() };
    assert!(mail(&db, b"\x00\x01 not a mail", now).await.is_err());
}

mod console {
    use super::*;
    use b24ops::tui::runner::Runner;
    use b24ops::tui::state::{AppState, Loadable, Overlay, Screen};
    use b24ops::tui::update::Msg;
    use common::{console_state, drive, now};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn runner(db: &common::TestDb, read_only: bool) -> Runner {
        common::test_runner(&db.store, read_only)
    }

    async fn key(state: &mut AppState, r: &Runner, code: KeyCode, mods: KeyModifiers) {
        drive(state, r, Msg::Key(KeyEvent::new(code, mods))).await;
    }

    async fn typed(state: &mut AppState, r: &Runner, s: &str) {
        for c in s.chars() {
            key(state, r, KeyCode::Char(c), KeyModifiers::NONE).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reply_status_assign_and_attach_from_the_tickets_tab() {
        let db = seeded_db(500).await;
        let r = runner(&db, false);
        let mut s = console_state(false);
        typed(&mut s, &r, "7").await;
        assert_eq!(s.screen, Screen::Tickets);
        let Loadable::Ready(q) = &s.tickets.list.rows else { panic!("{:?}", s.tickets.list.rows) };
        let dues: Vec<_> = q.iter().filter_map(|t| t.next_due).collect();
        assert!(dues.windows(2).all(|w| w[0] <= w[1]), "sorted by next deadline");
        // Pick a ticket nobody answered yet.
        let i = q.iter().position(|t| t.ticket.first_response_at.is_none()).unwrap();
        s.tickets.list.selected = i;
        let id = q[i].ticket.id;

        key(&mut s, &r, KeyCode::Enter, KeyModifiers::NONE).await;
        assert!(matches!(&s.tickets.thread, Some((t, Loadable::Ready(m))) if *t == id && !m.is_empty()));
        typed(&mut s, &r, "e").await;
        assert!(matches!(s.overlay, Some(Overlay::TicketReply(_))));
        typed(&mut s, &r, "Looking into it").await;
        key(&mut s, &r, KeyCode::Esc, KeyModifiers::NONE).await;
        assert_eq!(s.tickets.drafts.get(&id).map(String::as_str), Some("Looking into it"), "Esc keeps the draft");
        typed(&mut s, &r, "e").await;
        typed(&mut s, &r, " now.").await;
        key(&mut s, &r, KeyCode::Char('s'), KeyModifiers::CONTROL).await;
        assert!(s.overlay.is_none(), "sent and closed");
        let t = db.store.ticket(id).await.unwrap().unwrap();
        let Some((_, Loadable::Ready(thread))) = &s.tickets.thread else { panic!() };
        assert_eq!(thread.last().unwrap().body.as_str(), "Looking into it now.");
        // A reply on its way to the customer stops the clock when it is delivered; one with
        // nowhere to go stops it when written.
        let queued = thread.last().unwrap().delivery.is_some();
        assert_eq!(t.first_response_at, if queued { None } else { Some(now()) }, "{:?}", thread.last());

        typed(&mut s, &r, "s").await;
        key(&mut s, &r, KeyCode::Char('u'), KeyModifiers::CONTROL).await;
        typed(&mut s, &r, "waiting").await;
        key(&mut s, &r, KeyCode::Enter, KeyModifiers::NONE).await;
        let Some(Overlay::TicketPrompt { prompt, .. }) = &s.overlay else {
            panic!("an unknown status keeps the prompt")
        };
        assert!(prompt.error.is_some(), "and says why");
        key(&mut s, &r, KeyCode::Esc, KeyModifiers::NONE).await;
        typed(&mut s, &r, "s").await;
        key(&mut s, &r, KeyCode::Char('u'), KeyModifiers::CONTROL).await;
        typed(&mut s, &r, "pending").await;
        key(&mut s, &r, KeyCode::Enter, KeyModifiers::NONE).await;
        typed(&mut s, &r, "M").await;
        let t = db.store.ticket(id).await.unwrap().unwrap();
        assert_eq!((t.status.as_str(), t.assignee.as_ref().map(|a| a.as_str())), ("pending", Some("tester")));

        // A ticket without a portal is attached by domain.
        let portal = db.store.portals_after("", 1).await.unwrap().remove(0);
        let orphan = db.store.create_ticket(&ticket("normal"), now()).await.unwrap();
        typed(&mut s, &r, "R").await;
        let Loadable::Ready(q) = &s.tickets.list.rows else { panic!() };
        s.tickets.list.selected = q.iter().position(|t| t.ticket.id == orphan).unwrap();
        typed(&mut s, &r, "L").await;
        key(&mut s, &r, KeyCode::Char('u'), KeyModifiers::CONTROL).await;
        typed(&mut s, &r, portal.domain.as_str()).await;
        key(&mut s, &r, KeyCode::Enter, KeyModifiers::NONE).await;
        let t = db.store.ticket(orphan).await.unwrap().unwrap();
        assert_eq!(t.member_id.as_ref().map(|m| m.as_str()), Some(portal.member_id.as_str()));
        let actions: Vec<String> =
            db.store.audit_page(None, 20).await.unwrap().iter().map(|a| a.action.to_string()).collect();
        for a in ["ticket.reply", "ticket.status", "ticket.assign", "ticket.attach"] {
            assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn read_only_sees_the_queue_but_cannot_reply() {
        let db = seeded_db(200).await;
        let r = runner(&db, true);
        let mut s = console_state(true);
        typed(&mut s, &r, "7e").await;
        assert!(s.overlay.is_none());
        assert!(s.flash.as_ref().unwrap().text.contains("read-only"));
    }
}
