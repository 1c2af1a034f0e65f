//! A deterministic, realistic dataset of any size (`b24ops seed`).
//!
//! The same `--seed` and `--now` give the same rows. Timestamps lead up to `now`; the last 15
//! minutes hold a few error bursts so the threshold alerts have something to show.

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::catalog::{
    APP_ERRORS, ERRORS, INVALID_TOKEN, METHOD_NOT_FOUND, METHODS, NAME_PARTS, PAYMENT_REQUIRED, PEOPLE, PORTAL_DELETED,
    REVIEW_TEXTS, TASK_KINDS, TICKET_SUBJECTS, ZONES,
};
use crate::model::{AppStatus, NewApiCall, NewAppError};
use crate::rules::deprecations;
use crate::store::{PortalRecord, ReviewRecord, Store, StoreResult, TaskRecord, TicketRecord};

/// What to generate.
#[derive(Clone, Debug)]
pub struct SeedSpec {
    /// RNG seed.
    pub seed: u64,
    /// Number of portals.
    pub portals: usize,
    /// Number of REST calls.
    pub calls: u64,
    /// The instant the data leads up to.
    pub now: DateTime<Utc>,
    /// Include rows with hostile text (escape sequences, bidi, megabyte strings).
    pub hostile: bool,
}

/// What was generated.
#[derive(Clone, Debug, Default)]
pub struct SeedReport {
    /// Portals written.
    pub portals: usize,
    /// Calls written.
    pub calls: u64,
    /// App errors written.
    pub app_errors: u64,
    /// Tasks written.
    pub tasks: usize,
    /// Tickets written.
    pub tickets: usize,
    /// Reviews written.
    pub reviews: usize,
}

/// How a portal behaves in the generated data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Health {
    Normal,
    /// Refresh token died: every call fails with invalid_token.
    DeadToken,
    /// Portal closed.
    Deleted,
    /// Subscription ended.
    Unpaid,
    /// One error type far above the usual rate (custom permissions, a non-standard pipeline …).
    Troubled(usize),
}

/// A generated portal.
#[derive(Clone, Debug)]
pub struct SeedPortal {
    /// Its record.
    pub record: PortalRecord,
    health: Health,
}

/// Calls per transaction while seeding.
const BATCH: usize = 20_000;

/// Generates the dataset and writes it to `store` (which must be migrated).
pub async fn seed(store: &Store, spec: &SeedSpec, mut progress: impl FnMut(&str, u64, u64)) -> StoreResult<SeedReport> {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let portals = make_portals(&mut rng, spec);
    for p in &portals {
        store.upsert_portal(&p.record, spec.now).await?;
    }
    progress("portals", portals.len() as u64, portals.len() as u64);

    let mut report = SeedReport { portals: portals.len(), ..Default::default() };
    let weights = popularity(&portals);
    let span = call_span(spec.calls);
    let start = spec.now - span;
    let step_ms = (span.num_milliseconds() as f64 / spec.calls.max(1) as f64).max(0.0);

    let big = spec.calls >= 1_000_000;
    let saved_indexes = if big { store.drop_call_indexes().await? } else { Vec::new() };

    let mut batch = Vec::with_capacity(BATCH);
    let mut app_errors = Vec::new();
    for i in 0..spec.calls {
        let ts = start + Duration::milliseconds((i as f64 * step_ms) as i64);
        let p = &portals[pick(&mut rng, &weights)];
        batch.push(make_call(&mut rng, p, ts));
        if rng.random_ratio(1, 250) {
            app_errors.push(make_app_error(&mut rng, p, ts));
        }
        if batch.len() == BATCH {
            store.seed_writer().calls(&batch).await?;
            report.calls += batch.len() as u64;
            batch.clear();
            progress("calls", report.calls, spec.calls);
        }
    }
    batch.extend(recent_bursts(&mut rng, &portals, spec.now));
    report.calls += batch.len() as u64;
    store.seed_writer().calls(&batch).await?;
    progress("calls", report.calls, spec.calls);
    if big {
        progress("indexes", 0, 1);
        store.restore_call_indexes(&saved_indexes).await?;
        progress("indexes", 1, 1);
    }
    report.app_errors = app_errors.len() as u64;
    store.seed_writer().app_errors(&app_errors).await?;
    if big {
        store.analyze_call_log().await?;
    }

    for t in make_tasks(&mut rng, &portals, spec.now) {
        store.seed_writer().task(&t).await?;
        report.tasks += 1;
    }
    for t in make_tickets(&mut rng, &portals, spec.now) {
        store.seed_writer().ticket(&t).await?;
        report.tickets += 1;
    }
    for r in make_reviews(&mut rng, &portals, spec) {
        store.seed_writer().review(&r, spec.now).await?;
        report.reviews += 1;
    }
    if spec.hostile {
        write_hostile(store, &portals, spec.now).await?;
    }
    Ok(report)
}

/// How far back the calls reach: a day for small sets, more for big ones (about 25 calls/s).
fn call_span(calls: u64) -> Duration {
    let secs = (calls / 25).max(86_400) as i64;
    Duration::seconds(secs)
}

fn hex32(rng: &mut ChaCha8Rng) -> String {
    format!("{:016x}{:016x}", rng.random::<u64>(), rng.random::<u64>())
}

/// Makes `n` portals with tokens across the whole range: dead, days left, months left.
pub fn make_portals_for(spec: &SeedSpec) -> Vec<SeedPortal> {
    make_portals(&mut ChaCha8Rng::seed_from_u64(spec.seed), spec)
}

fn make_portals(rng: &mut ChaCha8Rng, spec: &SeedSpec) -> Vec<SeedPortal> {
    let now = spec.now;
    (0..spec.portals.max(1))
        .map(|i| {
            let member_id = hex32(rng);
            let name = format!(
                "{}{}{}",
                NAME_PARTS[rng.random_range(0..NAME_PARTS.len())],
                NAME_PARTS[rng.random_range(0..NAME_PARTS.len())],
                if rng.random_ratio(1, 3) { format!("{}", rng.random_range(2..99)) } else { String::new() }
            );
            let domain = format!("{name}-{i}.{}", ZONES[rng.random_range(0..ZONES.len())]);
            let roll = rng.random_range(0..100);
            let (refresh_days_ago, health) = match roll {
                0..=5 => (rng.random_range(181..420), Health::DeadToken),
                6..=8 => (rng.random_range(174..180), Health::Normal),
                9..=17 => (rng.random_range(150..174), Health::Normal),
                18 => (rng.random_range(1..60), Health::Deleted),
                19 => (rng.random_range(1..60), Health::Unpaid),
                20..=27 => (rng.random_range(0..120), Health::Troubled(rng.random_range(0..ERRORS.len()))),
                _ => (rng.random_range(0..150), Health::Normal),
            };
            let refresh_issued_at =
                now - Duration::days(refresh_days_ago) - Duration::minutes(rng.random_range(0..1440));
            let installed_at = refresh_issued_at - Duration::days(rng.random_range(0..700));
            let status = [
                AppStatus::Paid,
                AppStatus::Paid,
                AppStatus::Subscription,
                AppStatus::Trial,
                AppStatus::Free,
                AppStatus::Demo,
            ][rng.random_range(0..6)];
            let uninstalled_at = (health == Health::Deleted).then(|| now - Duration::days(rng.random_range(1..20)));
            SeedPortal {
                record: PortalRecord {
                    client_endpoint: format!("https://{domain}/rest/"),
                    server_endpoint: "https://oauth.bitrix.info/rest/".into(),
                    access_token: hex32(rng),
                    access_expires_at: refresh_issued_at + Duration::hours(1),
                    refresh_token: hex32(rng),
                    refresh_issued_at,
                    scope: "crm,task,user,placement,im,disk,catalog".into(),
                    app_status: if health == Health::Unpaid { AppStatus::Trial } else { status },
                    installed_at,
                    uninstalled_at,
                    last_seen_at: Some(refresh_issued_at + Duration::minutes(rng.random_range(0..600))),
                    last_refresh_error: (health == Health::DeadToken)
                        .then(|| "invalid_grant: The refresh token is expired".to_owned()),
                    member_id,
                    domain,
                },
                health,
            }
        })
        .collect()
}

/// Cumulative power-law weights: a few portals make most of the calls.
pub(crate) fn popularity(portals: &[SeedPortal]) -> Vec<f64> {
    let mut acc = 0.0;
    portals
        .iter()
        .enumerate()
        .map(|(i, _)| {
            acc += 1.0 / ((i + 1) as f64).powf(0.8);
            acc
        })
        .collect()
}

pub(crate) fn pick(rng: &mut ChaCha8Rng, cumulative: &[f64]) -> usize {
    let total = cumulative.last().copied().unwrap_or(1.0);
    let x = rng.random::<f64>() * total;
    cumulative.partition_point(|w| *w < x).min(cumulative.len() - 1)
}

fn pick_method(rng: &mut ChaCha8Rng) -> &'static super::catalog::MethodSpec {
    let total: u32 = METHODS.iter().map(|m| m.weight).sum();
    let mut x = rng.random_range(0..total);
    for m in METHODS {
        if x < m.weight {
            return m;
        }
        x -= m.weight;
    }
    &METHODS[0]
}

/// A long-tailed duration around `median` (log-normal).
fn duration(rng: &mut ChaCha8Rng, median: f64) -> i64 {
    let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-12), rng.random());
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (median * (0.7 * z).exp()).round().clamp(3.0, 60_000.0) as i64
}

pub(crate) fn make_call(rng: &mut ChaCha8Rng, p: &SeedPortal, ts: DateTime<Utc>) -> NewApiCall {
    let m = pick_method(rng);
    let mut call = NewApiCall {
        ts,
        member_id: p.record.member_id.clone(),
        method: m.name.to_owned(),
        http_status: Some(200),
        error_code: None,
        error_description: None,
        duration_ms: Some(duration(rng, m.median_ms)),
        operating: None,
        request_id: Some(format!("{:016x}", rng.random::<u64>())),
        task_id: None,
        source: "app".into(),
    };
    let fail = |c: &mut NewApiCall, (code, status, desc): (&str, i64, &str)| {
        c.http_status = Some(status);
        c.error_code = Some(code.to_owned());
        c.error_description = Some(desc.to_owned());
    };
    match p.health {
        Health::DeadToken => fail(&mut call, INVALID_TOKEN),
        Health::Deleted if p.record.uninstalled_at.is_some_and(|u| ts > u) => fail(&mut call, PORTAL_DELETED),
        Health::Unpaid if rng.random_ratio(1, 2) => fail(&mut call, PAYMENT_REQUIRED),
        _ => {
            let deprecated_gone = deprecations::lookup(m.name).is_some() && m.name.starts_with("im.search");
            if deprecated_gone && rng.random_ratio(1, 3) {
                fail(&mut call, METHOD_NOT_FOUND);
            } else {
                let roll = rng.random_range(0..10_000u32);
                let mut acc = 0;
                for (i, e) in ERRORS.iter().enumerate() {
                    let boost = if p.health == Health::Troubled(i) { 12 } else { 1 };
                    acc += e.per_10k * boost;
                    if roll < acc {
                        fail(&mut call, (e.code, e.http_status, e.description));
                        break;
                    }
                }
            }
        }
    }
    if call.error_code.is_none() && rng.random_ratio(1, 5) {
        call.operating = Some((rng.random::<f64>() * 300.0 * 100.0).round() / 100.0);
    }
    if call.error_code.as_deref() == Some("QUERY_LIMIT_EXCEEDED") {
        call.duration_ms = Some(duration(rng, 25.0));
    }
    call
}

pub(crate) fn make_app_error(rng: &mut ChaCha8Rng, p: &SeedPortal, ts: DateTime<Utc>) -> NewAppError {
    let (ty, msg) = APP_ERRORS[rng.random_range(0..APP_ERRORS.len())];
    NewAppError {
        ts,
        member_id: Some(p.record.member_id.clone()),
        error_type: ty.to_owned(),
        message: msg.to_owned(),
        context: Some(format!(r#"{{"domain":"{}","worker":"sync-{}"}}"#, p.record.domain, rng.random_range(1..5))),
        source: "worker".into(),
    }
}

/// Error bursts in the last 15 minutes: the kind that should light up the Errors tab.
fn recent_bursts(rng: &mut ChaCha8Rng, portals: &[SeedPortal], now: DateTime<Utc>) -> Vec<NewApiCall> {
    let healthy: Vec<&SeedPortal> = portals.iter().filter(|p| p.health == Health::Normal).collect();
    let mut out = Vec::new();
    let bursts = [
        ("QUERY_LIMIT_EXCEEDED", 503, "Too many requests", 42),
        ("insufficient_scope", 401, ERRORS[4].description, 17),
        ("ACCESS_DENIED", 403, "Access denied!", 9),
    ];
    for (k, (code, status, desc, n)) in bursts.iter().enumerate() {
        let Some(p) = healthy.get(k * 3 % healthy.len().max(1)) else {
            break;
        };
        for j in 0..*n {
            let ts = now
                - Duration::seconds(840 - (j as i64 * 800 / *n as i64))
                - Duration::milliseconds(rng.random_range(0..900));
            let mut c = make_call(rng, p, ts);
            c.http_status = Some(*status);
            c.error_code = Some((*code).to_owned());
            c.error_description = Some((*desc).to_owned());
            out.push(c);
        }
    }
    out.sort_by_key(|c| c.ts);
    out
}

fn make_tasks(rng: &mut ChaCha8Rng, portals: &[SeedPortal], now: DateTime<Utc>) -> Vec<TaskRecord> {
    let n = (portals.len() * 3).clamp(30, 5_000);
    (0..n)
        .map(|_| {
            let p = &portals[rng.random_range(0..portals.len())];
            let (kind, err) = TASK_KINDS[rng.random_range(0..TASK_KINDS.len())];
            let created_at = now - Duration::minutes(rng.random_range(5..4 * 1440));
            let status = match rng.random_range(0..100) {
                0..=24 => "failed",
                25..=39 => "queued",
                40..=42 => "running",
                43..=44 => "discarded",
                _ => "done",
            };
            let attempts = match status {
                "failed" | "discarded" => rng.random_range(1..=5),
                "queued" => 0,
                _ => 1,
            };
            TaskRecord {
                kind: kind.to_owned(),
                member_id: Some(p.record.member_id.clone()),
                status,
                attempts,
                max_attempts: 5,
                last_error: matches!(status, "failed" | "discarded").then(|| err.to_owned()),
                payload: Some(format!(
                    r#"{{"member_id":"{}","since":"{}","page":{}}}"#,
                    p.record.member_id,
                    (created_at - Duration::days(1)).to_rfc3339(),
                    rng.random_range(0..40)
                )),
                run_at: created_at,
                created_at,
                failed_at: (status == "failed")
                    .then(|| created_at + Duration::minutes(rng.random_range(1..60)).min(now - created_at)),
            }
        })
        .collect()
}

fn make_tickets(rng: &mut ChaCha8Rng, portals: &[SeedPortal], now: DateTime<Utc>) -> Vec<TicketRecord> {
    let n = (portals.len() / 4).clamp(12, 400);
    (0..n)
        .map(|i| {
            let p = &portals[rng.random_range(0..portals.len())];
            let (subject, priority) = TICKET_SUBJECTS[i % TICKET_SUBJECTS.len()];
            let person = PEOPLE[rng.random_range(0..PEOPLE.len())];
            // Spread ages so every SLA state appears: fresh, near breach, breached, answered, solved.
            let age = match i % 6 {
                0 => Duration::minutes(rng.random_range(5..90)),
                1 => Duration::hours(rng.random_range(20..24)),
                2 => Duration::hours(rng.random_range(26..72)),
                3 => Duration::hours(rng.random_range(2..48)),
                4 => Duration::hours(rng.random_range(4..96)),
                _ => Duration::days(rng.random_range(3..20)),
            };
            let created_at = now - age;
            let responded = i % 6 >= 3;
            let first_response_at =
                responded.then(|| created_at + Duration::minutes(rng.random_range(10..600)).min(age));
            let mut history = vec![(created_at, "new")];
            let mut messages =
                vec![(created_at, person.to_owned(), "in", format!("{subject}.\n\nPortal: {}", p.record.domain))];
            if let Some(r) = first_response_at {
                history.push((r, "open"));
                messages.push((r, "support".to_owned(), "out", "Thank you, we are looking into it.".to_owned()));
            }
            let resolved_at = (i % 6 == 5).then(|| now - Duration::hours(rng.random_range(1..48)).min(age / 2));
            if i % 6 == 4 {
                history.push((created_at + age / 2, "pending"));
            }
            if let Some(r) = resolved_at {
                history.push((r, "solved"));
            }
            let attached = !i.is_multiple_of(7);
            TicketRecord {
                channel: ["email", "form", "chat", "email", "api"][i % 5],
                member_id: attached.then(|| p.record.member_id.clone()),
                domain: Some(p.record.domain.clone()),
                subject: subject.to_owned(),
                requester_name: person.to_owned(),
                requester_email: format!(
                    "{}@{}",
                    person.split(' ').next().unwrap_or("user").to_lowercase(),
                    p.record.domain
                ),
                priority,
                history,
                assignee: responded.then(|| "support".to_owned()),
                created_at,
                first_response_at,
                resolved_at,
                messages,
            }
        })
        .collect()
}

fn make_reviews(rng: &mut ChaCha8Rng, portals: &[SeedPortal], spec: &SeedSpec) -> Vec<ReviewRecord> {
    (0..REVIEW_TEXTS.len() * 3)
        .map(|i| {
            let (rating, text) = REVIEW_TEXTS[i % REVIEW_TEXTS.len()];
            let p = &portals[rng.random_range(0..portals.len())];
            let status = ["none", "draft", "ready", "published", "none", "published", "outdated"][i % 7];
            // Open reviews are mostly inside the 72 h hold, a few late; answered ones are older.
            let minutes = match status {
                "published" | "outdated" => rng.random_range(2 * 1440..20 * 1440),
                _ if i % 4 == 0 => rng.random_range(49 * 60..70 * 60),
                _ => rng.random_range(30..47 * 60),
            };
            let submitted_at = spec.now - Duration::minutes(minutes);
            let published_at = matches!(status, "published" | "outdated").then(|| submitted_at + Duration::hours(12));
            ReviewRecord {
                source_id: format!("mp-{}-{i}", spec.seed),
                member_id: (i % 3 != 0).then(|| p.record.member_id.clone()),
                author: PEOPLE[rng.random_range(0..PEOPLE.len())].to_owned(),
                rating,
                text: text.to_owned(),
                submitted_at,
                reply_draft: (status != "none").then(|| "Thank you for your feedback! ".to_owned()),
                reply_status: status,
                published_at,
                edited_at: (status == "outdated").then(|| submitted_at + Duration::hours(30)),
            }
        })
        .collect()
}

/// Rows an attacker could write: escape sequences, bidi overrides, zero-width characters,
/// a megabyte string, and (on SQLite) invalid UTF-8.
async fn write_hostile(store: &Store, portals: &[SeedPortal], now: DateTime<Utc>) -> StoreResult<()> {
    let member = portals[0].record.member_id.clone();
    let ts = now - Duration::seconds(2);
    let hostile = [
        "\x1b]52;c;cm0gLXJmIH4K\x07clipboard \x1b[2J\x1b[31mRED\x1b]0;pwned\x07 \u{9b}31m",
        "user \u{202E}gnp.exe\u{202C} said\u{200B}\u{200B} hi \x1b[6n",
    ];
    let mut calls: Vec<NewApiCall> = hostile
        .iter()
        .map(|d| NewApiCall {
            ts,
            member_id: member.clone(),
            method: "crm.item.update\x1b[1A".into(),
            http_status: Some(400),
            error_code: Some("ERROR_ARGUMENT\u{202E}".into()),
            error_description: Some((*d).to_owned()),
            duration_ms: Some(120),
            operating: None,
            request_id: None,
            task_id: None,
            source: "app".into(),
        })
        .collect();
    let mut big = calls[0].clone();
    big.error_description = Some(format!("megabyte: {}", "A".repeat(1_000_000)));
    calls.push(big);
    store.seed_writer().calls(&calls).await?;
    store.write_invalid_utf8_call(&member, ts).await?;
    let review = ReviewRecord {
        source_id: "mp-hostile".into(),
        member_id: Some(member.clone()),
        author: "\x1b[8mghost\x1b[0m \u{202E}nimda".into(),
        rating: 1,
        text: format!("Terrible.\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 {}", "\u{200B}".repeat(50)),
        submitted_at: now - Duration::hours(3),
        reply_draft: None,
        reply_status: "none",
        published_at: None,
        edited_at: None,
    };
    store.seed_writer().review(&review, now).await?;
    let task = TaskRecord {
        kind: "sync.deals\x1b]0;pwned\x07".into(),
        member_id: Some(member.clone()),
        status: "failed",
        attempts: 5,
        max_attempts: 5,
        last_error: Some(format!("\x1b[2J\x1b[HTraceback \u{202E}{}", "x".repeat(2_000_000))),
        payload: Some("{\"deal\": \x1b[31m42, \u{200B}broken".into()),
        run_at: now - Duration::minutes(1),
        created_at: now - Duration::minutes(5),
        failed_at: Some(now - Duration::seconds(1)),
    };
    store.seed_writer().task(&task).await?;
    Ok(())
}
