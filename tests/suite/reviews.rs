//! The review inbox on every backend: imports (idempotent, edits outdate published replies, a bad
//! file changes nothing), drafts with optimistic concurrency and one audit row per editing
//! session, ready/published transitions, reviews added by hand, hostile text.

use crate::common;

use b24ops::model::{MemberId, NewReview, ReplyStatus};
use b24ops::rules::review_filter::ReviewFilter;
use b24ops::rules::reviews::{ReplyAction, ReviewPolicy, TransitionError};
use b24ops::services::reviews::{self, ReviewError, inbox};
use b24ops::services::tasks::Actor;
use b24ops::store::{DraftOutcome, MarkOutcome};
use chrono::Duration;
use common::{backends, empty_on, now};

fn alice() -> Actor {
    Actor { operator: "alice".into(), read_only: false }
}

fn review(id: &str, rating: i64, text: &str, hours_ago: i64) -> NewReview {
    NewReview {
        source_id: id.into(),
        member_id: Some(MemberId::parse("a1b2c3d4e5").unwrap()),
        author: "Olga".into(),
        rating,
        text: text.into(),
        submitted_at: now() - Duration::hours(hours_ago),
        edited_at: None,
    }
}

async fn id_of(store: &b24ops::store::Store, source: &str) -> i64 {
    let all = ReviewFilter { open_only: false, ..Default::default() };
    let rows = store.reviews_list(&all, 100).await.unwrap();
    rows.iter().find(|r| r.source_id.as_str() == source).map(|r| r.id).expect("review present")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_is_idempotent_and_an_edit_outdates_a_published_reply() {
    for b in backends() {
        let db = empty_on(&b).await;
        let s = &db.store;
        let file = vec![review("r1", 2, "Sync broke", 30), review("r2", 5, "Great", 10)];
        let first = s.import_reviews(&file, "a.csv", "alice", now()).await.unwrap();
        assert_eq!((first.added, first.updated, first.unchanged), (2, 0, 0), "{}", s.dialect().name());
        let again = s.import_reviews(&file, "a.csv", "alice", now()).await.unwrap();
        assert_eq!((again.added, again.updated, again.unchanged), (0, 0, 2), "re-import changes nothing");

        let id = id_of(s, "r1").await;
        let saved = s.save_review_draft(id, None, "Sorry, fixed in #12", "alice", now()).await.unwrap();
        assert!(matches!(saved, DraftOutcome::Saved { status: ReplyStatus::Draft, .. }), "{saved:?}");
        let published = s.mark_review_reply(id, ReplyAction::MarkPublished, "alice", now()).await.unwrap();
        assert_eq!(published, MarkOutcome::Changed(ReplyStatus::Draft, ReplyStatus::Published));

        let mut edited = review("r1", 1, "Still broken", 30);
        edited.edited_at = Some(now() + Duration::minutes(5));
        let later = now() + Duration::minutes(10);
        let r =
            s.import_reviews(&[edited.clone(), review("r2", 5, "Great", 10)], "b.json", "bob", later).await.unwrap();
        assert_eq!((r.updated, r.outdated, r.unchanged), (1, 1, 1), "{}", s.dialect().name());
        let d = s.review_detail(id).await.unwrap().unwrap();
        assert_eq!(d.row.reply_status, ReplyStatus::Outdated);
        assert_eq!((d.row.rating, d.text.as_str()), (1, "Still broken"));
        // The same edited file again: nothing more.
        let r = s.import_reviews(&[edited], "b.json", "bob", later).await.unwrap();
        assert_eq!((r.updated, r.unchanged), (0, 1));
        // Outdated restarts the clock at the edit and lists the review as awaiting a reply.
        let open = inbox(s, &ReviewFilter::default(), 100, &ReviewPolicy::default(), later).await.unwrap();
        let e = open.iter().find(|e| e.review.id == id).expect("outdated review is open");
        assert_eq!(e.clock.started_at, now() + Duration::minutes(5));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_file_changes_nothing() {
    for b in backends() {
        let db = empty_on(&b).await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        std::fs::write(
            &path,
            "id,author,rating,text,submitted_at\nok-1,Anna,2,fine,2026-11-23T10:00:00Z\nbad,Bob,7,x,2026-11-23T10:00:00Z\n",
        )
        .unwrap();
        let err = reviews::import_file(&db.store, &alice(), &path, now()).await.unwrap_err();
        assert!(err.to_string().contains("line 3: rating 7"), "{err}");
        let all = ReviewFilter { open_only: false, ..Default::default() };
        assert!(db.store.reviews_list(&all, 10).await.unwrap().is_empty(), "nothing imported");
        assert!(db.store.audit_page(None, 10).await.unwrap().is_empty(), "nothing audited");
        std::fs::write(&path, "").unwrap();
        let err = reviews::import_file(&db.store, &alice(), &path, now()).await.unwrap_err();
        assert!(err.to_string().contains("holds no reviews"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_never_overwrite_each_other_silently_and_audit_once_per_session() {
    for b in backends() {
        let db = empty_on(&b).await;
        let s = &db.store;
        s.import_reviews(&[review("r1", 2, "Sync broke", 30)], "a.csv", "alice", now()).await.unwrap();
        let id = id_of(s, "r1").await;
        let DraftOutcome::Saved { version: v1, .. } =
            s.save_review_draft(id, None, "one", "alice", now()).await.unwrap()
        else {
            panic!("first save")
        };
        // Autosave a second later: same editing session, one audit row.
        let t2 = now() + Duration::seconds(1);
        let DraftOutcome::Saved { version: v2, .. } =
            s.save_review_draft(id, Some(v1), "one two", "alice", t2).await.unwrap()
        else {
            panic!("second save")
        };
        assert!(v2 > v1);
        // Bob still holds v1: refused, Alice's text survives.
        let stale = s.save_review_draft(id, Some(v1), "bob's", "bob", t2).await.unwrap();
        assert_eq!(stale, DraftOutcome::Conflict, "{}", s.dialect().name());
        assert_eq!(s.review_draft_text(id).await.unwrap(), Some(Some("one two".into())));
        assert_eq!(s.save_review_draft(id, Some(v2), "one two", "alice", t2).await.unwrap(), DraftOutcome::Unchanged);
        let audit = s.audit_page(None, 10).await.unwrap();
        let drafts: Vec<_> = audit.iter().filter(|a| a.action.as_str() == "review.draft").collect();
        assert_eq!(drafts.len(), 1, "autosaves fold into one row: {audit:?}");
        assert_eq!(drafts[0].after.as_ref().map(|a| a.as_str()), Some("draft, 7 chars"));
        // Twenty minutes later it is a new session.
        let t3 = now() + Duration::minutes(20);
        s.save_review_draft(id, Some(v2), "one two three", "alice", t3).await.unwrap();
        let audit = s.audit_page(None, 10).await.unwrap();
        assert_eq!(audit.iter().filter(|a| a.action.as_str() == "review.draft").count(), 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marking_follows_the_reply_rules_and_refuses_placeholders() {
    for b in backends() {
        let db = empty_on(&b).await;
        let s = &db.store;
        s.import_reviews(&[review("r1", 2, "Sync broke", 30)], "a.csv", "alice", now()).await.unwrap();
        let id = id_of(s, "r1").await;
        let none = reviews::mark(s, &alice(), id, ReplyAction::MarkReady, now()).await.unwrap();
        assert_eq!(none, MarkOutcome::Refused(TransitionError::NoDraft));
        reviews::save_draft(s, &alice(), id, None, "Hi, see ticket {ticket}", now()).await.unwrap();
        let err = reviews::mark(s, &alice(), id, ReplyAction::MarkPublished, now()).await.unwrap_err();
        assert!(matches!(err, ReviewError::Unfilled(ref p) if p == &["ticket"]), "{err}");
        let v = s.review_detail(id).await.unwrap().unwrap().reply_updated_at;
        reviews::save_draft(s, &alice(), id, v, "Hi, see ticket #12", now()).await.unwrap();
        let ready = reviews::mark(s, &alice(), id, ReplyAction::MarkReady, now()).await.unwrap();
        assert_eq!(ready, MarkOutcome::Changed(ReplyStatus::Draft, ReplyStatus::Ready));
        let again = reviews::mark(s, &alice(), id, ReplyAction::MarkReady, now()).await.unwrap();
        assert_eq!(again, MarkOutcome::Refused(TransitionError::Already(ReplyStatus::Ready)));
        let published = reviews::mark(s, &alice(), id, ReplyAction::MarkPublished, now()).await.unwrap();
        assert_eq!(published, MarkOutcome::Changed(ReplyStatus::Ready, ReplyStatus::Published));
        let d = s.review_detail(id).await.unwrap().unwrap();
        assert_eq!(d.row.published_at, Some(now()));
        let actions: Vec<String> =
            s.audit_page(None, 10).await.unwrap().iter().map(|a| a.action.as_str().to_owned()).collect();
        assert!(actions.starts_with(&["review.published".into(), "review.ready".into()]), "{actions:?}");
        // Read-only refuses before touching anything.
        let ro = Actor { operator: "ro".into(), read_only: true };
        assert!(matches!(reviews::mark(s, &ro, id, ReplyAction::MarkReady, now()).await, Err(ReviewError::ReadOnly)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviews_added_by_hand_and_hostile_text_come_back_safe() {
    for b in backends() {
        let db = empty_on(&b).await;
        let s = &db.store;
        let mut r = review("manual-1", 1, "\x1b[2J\x1b]0;pwned\x07bad \u{202e}text\u{200b}", 1);
        r.author = "\x1b[31mEvil".into();
        assert!(reviews::add(s, &alice(), &r, now()).await.unwrap().is_some());
        assert_eq!(reviews::add(s, &alice(), &r, now()).await.unwrap(), None, "the id is taken");
        let id = id_of(s, "manual-1").await;
        let d = s.review_detail(id).await.unwrap().unwrap();
        for shown in [d.text.as_str(), d.row.author.as_str(), d.row.excerpt.as_str()] {
            assert!(!shown.chars().any(|c| c == '\x1b' || c == '\x07' || c == '\u{202e}'), "{shown:?}");
        }
        // A draft written in $EDITOR with escapes in it is stored clean.
        reviews::save_draft(s, &alice(), id, None, "Thanks\x1b[31m!\n\nBye", now()).await.unwrap();
        let stored = s.review_draft_text(id).await.unwrap().unwrap().unwrap();
        assert!(!stored.contains('\x1b') && stored.contains("\n\nBye"), "{stored:?}");
        let audit = s.audit_page(None, 10).await.unwrap();
        assert!(audit.iter().any(|a| a.action.as_str() == "review.add"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thirty_megabyte_draft_is_refused_and_no_cut_marker_is_ever_stored() {
    for b in backends() {
        let db = empty_on(&b).await;
        let s = &db.store;
        let name = s.dialect().name();
        s.import_reviews(&[review("big-1", 3, "Slow", 5)], "a.csv", "alice", now()).await.unwrap();
        let id = id_of(s, "big-1").await;
        reviews::save_draft(s, &alice(), id, None, "Thanks for the report", now()).await.unwrap();
        let v = s.review_detail(id).await.unwrap().unwrap().reply_updated_at;
        let huge = "x".repeat(30 * 1024 * 1024);
        let err = reviews::save_draft(s, &alice(), id, v, &huge, now()).await.unwrap_err();
        assert!(matches!(err, ReviewError::TooLong { .. }), "{name}: {err}");
        assert!(err.to_string().contains("nothing was saved"), "{err}");
        let stored = s.review_draft_text(id).await.unwrap().unwrap().unwrap();
        assert_eq!(stored, "Thanks for the report", "{name}: the draft is unchanged");
        // The longest draft allowed is stored whole, without a marker.
        let most = "y".repeat(reviews::DRAFT_MAX);
        reviews::save_draft(s, &alice(), id, v, &most, now()).await.unwrap();
        let stored = s.review_draft_text(id).await.unwrap().unwrap().unwrap();
        assert_eq!(stored.len(), reviews::DRAFT_MAX, "{name}");
        assert!(!stored.contains("bytes)"), "{name}");
    }
}
