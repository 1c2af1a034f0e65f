//! Live traffic for the demo: tens of calls a second, an error burst from one portal every few
//! minutes, now and then a failed task, an app error and a new ticket.

use std::time::Duration as StdDuration;

use chrono::Duration;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::sync::watch;

use super::catalog::{ERRORS, PEOPLE, TASK_KINDS, TICKET_SUBJECTS};
use super::seed::{SeedPortal, make_app_error, make_call, pick, popularity};
use crate::clock::Clock;
use crate::store::{Store, TaskRecord, TicketRecord};

/// How the simulator paces itself.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    /// Average calls per second.
    pub calls_per_sec: u32,
    /// Seconds between error bursts.
    pub burst_every_secs: u64,
}

impl Default for Pace {
    fn default() -> Self {
        Pace { calls_per_sec: 25, burst_every_secs: 180 }
    }
}

/// Runs until `stop` turns true. Write failures are logged and retried on the next tick; the
/// simulator never brings the demo down.
pub async fn run(
    store: Store,
    portals: Vec<SeedPortal>,
    clock: Clock,
    pace: Pace,
    seed: u64,
    mut stop: watch::Receiver<bool>,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let weights = popularity(&portals);
    let tick = StdDuration::from_millis(200);
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut ticks: u64 = 0;
    let burst_ticks = pace.burst_every_secs * 5;
    let mut burst: Option<(usize, usize, u32)> = None;
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        ticks += 1;
        let now = clock.now();
        let per_tick = pace.calls_per_sec as f64 / 5.0;
        let n = (per_tick * rng.random_range(0.4..1.6)).round() as usize;
        let mut calls: Vec<_> = (0..n)
            .map(|k| {
                let p = &portals[pick(&mut rng, &weights)];
                make_call(&mut rng, p, now - Duration::milliseconds(200 - (k as i64 * 200 / n.max(1) as i64)))
            })
            .collect();
        if ticks % burst_ticks == 100 {
            let who = rng.random_range(0..portals.len());
            let what = rng.random_range(0..3);
            burst = Some((who, what, 18));
            tracing::info!(member_id = %portals[who].record.member_id, "simulator: error burst");
        }
        if let Some((who, what, left)) = burst.as_mut() {
            let e = &ERRORS[*what];
            let mut c = make_call(&mut rng, &portals[*who], now);
            c.http_status = Some(e.http_status);
            c.error_code = Some(e.code.to_owned());
            c.error_description = Some(e.description.to_owned());
            calls.push(c);
            *left -= 1;
            if *left == 0 {
                burst = None;
            }
        }
        calls.sort_by_key(|c| c.ts);
        if let Err(e) = store.seed_writer().calls(&calls).await {
            tracing::warn!(error = %e, "simulator: writing calls failed");
            continue;
        }
        let p = &portals[pick(&mut rng, &weights)];
        if rng.random_ratio(1, 150) {
            let _ = store.seed_writer().app_errors(&[make_app_error(&mut rng, p, now)]).await;
        }
        if rng.random_ratio(1, 200) {
            let (kind, err) = TASK_KINDS[rng.random_range(0..TASK_KINDS.len())];
            let task = TaskRecord {
                kind: kind.into(),
                member_id: Some(p.record.member_id.clone()),
                status: "failed",
                attempts: 5,
                max_attempts: 5,
                last_error: Some(err.into()),
                payload: Some(format!(r#"{{"member_id":"{}"}}"#, p.record.member_id)),
                run_at: now - Duration::minutes(3),
                created_at: now - Duration::minutes(10),
                failed_at: Some(now),
            };
            if let Err(e) = store.seed_writer().task(&task).await {
                tracing::warn!(error = %e, "simulator: writing a task failed");
            }
        }
        if rng.random_ratio(1, 400) {
            let (subject, priority) = TICKET_SUBJECTS[rng.random_range(0..TICKET_SUBJECTS.len())];
            let person = PEOPLE[rng.random_range(0..PEOPLE.len())];
            let t = TicketRecord {
                channel: "form",
                member_id: Some(p.record.member_id.clone()),
                domain: Some(p.record.domain.clone()),
                subject: subject.into(),
                requester_name: person.into(),
                requester_email: format!("help@{}", p.record.domain),
                priority,
                history: vec![(now, "new")],
                assignee: None,
                created_at: now,
                first_response_at: None,
                resolved_at: None,
                messages: vec![(now, person.into(), "in", subject.into())],
            };
            if let Err(e) = store.seed_writer().ticket(&t).await {
                tracing::warn!(error = %e, "simulator: writing a ticket failed");
            }
        }
    }
}
