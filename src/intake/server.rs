//! `b24ops serve`: the HTTP intake. Loopback by default; the JSON API needs a bearer token.
//!
//! - `GET /healthz` — 200 when the database answers, 503 when it does not.
//! - `GET/POST /support`, `POST /api/tickets` — ticket intake (see [`super::tickets`]).
//! - `POST /api/calls`, `POST /api/errors` — a JSON array or NDJSON of call / app-error records.
//!   Good records are written in batched transactions; bad ones are answered with their line
//!   (or array position) and reason.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::calls::parse_call;
use super::errors::parse_app_error;
use crate::store::Store;

/// Rows per transaction when writing an accepted body.
const WRITE_BATCH: usize = 2000;
/// Bad records named one by one in an answer.
const REJECTS_SHOWN: usize = 100;

/// What the handlers share.
#[derive(Clone)]
pub struct Intake {
    /// The database.
    pub store: Store,
    /// The bearer token the JSON API requires; `None` turns the API off.
    pub api_token: Option<String>,
    /// Read-only mode: the write endpoints answer 403.
    pub read_only: bool,
    /// Per-client pacing of ticket submissions.
    pub limiter: super::tickets::RateLimiter,
    /// The largest body read.
    pub max_body: usize,
    /// Now, for new tickets.
    pub clock: crate::clock::Clock,
}

impl Intake {
    /// The intake for `store`.
    pub fn new(store: Store, api_token: Option<String>, read_only: bool) -> Self {
        Intake {
            store,
            api_token,
            read_only,
            limiter: Default::default(),
            max_body: 8 * 1024 * 1024,
            clock: crate::clock::Clock::System,
        }
    }
}

/// The routes, with the body limit applied.
pub fn router(mut intake: Intake, max_body_bytes: usize) -> Router {
    intake.max_body = max_body_bytes;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/support", get(super::tickets::support_form).post(super::tickets::support_submit))
        .route("/api/tickets", post(super::tickets::api_create))
        .route("/api/calls", post(post_calls))
        .route("/api/errors", post(post_errors))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(intake)
}

async fn healthz(State(i): State<Intake>) -> Response {
    match i.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "healthz: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
    }
}

/// One record that was not accepted.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// 1-based line (NDJSON) or array position.
    pub line: usize,
    /// Why.
    pub error: String,
}

#[derive(Serialize)]
struct Answer {
    accepted: usize,
    rejected_count: usize,
    rejected: Vec<Rejected>,
}

fn problem(status: StatusCode, msg: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], serde_json::json!({ "error": msg }).to_string())
        .into_response()
}

/// Checks `Authorization: Bearer …` in constant time.
pub(crate) fn authorized_headers(i: &Intake, headers: &HeaderMap) -> Result<(), &'static str> {
    authorized(i, headers)
}

fn authorized(i: &Intake, headers: &HeaderMap) -> Result<(), &'static str> {
    let Some(expected) = i.api_token.as_deref() else {
        return Err("the JSON API is off: set B24OPS_API_TOKEN (or serve.api_token)");
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let same = given.len() == expected.len()
        && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if same { Ok(()) } else { Err("missing or wrong bearer token") }
}

/// Splits a body into records: a JSON array, or one JSON object a line.
pub fn records<T>(body: &[u8], parse: impl Fn(&str) -> Result<T, String>) -> Result<(Vec<T>, Vec<Rejected>), String> {
    let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8".to_owned())?;
    let mut good = Vec::new();
    let mut bad = Vec::new();
    if text.trim_start().starts_with('[') {
        let items: Vec<serde_json::Value> =
            serde_json::from_str(text).map_err(|e| format!("the body is not a JSON array: {e}"))?;
        for (n, item) in items.iter().enumerate() {
            match parse(&item.to_string()) {
                Ok(v) => good.push(v),
                Err(e) => bad.push(Rejected { line: n + 1, error: e }),
            }
        }
    } else {
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match parse(line) {
                Ok(v) => good.push(v),
                Err(e) => bad.push(Rejected { line: n + 1, error: e }),
            }
        }
    }
    Ok((good, bad))
}

fn answer(accepted: usize, mut rejected: Vec<Rejected>) -> Response {
    let status = if accepted == 0 && !rejected.is_empty() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let rejected_count = rejected.len();
    rejected.truncate(REJECTS_SHOWN);
    let body = serde_json::to_string(&Answer { accepted, rejected_count, rejected }).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Checks the caller and splits the body into good records and rejects; `Err` is the answer to
/// give instead.
fn admit<T>(
    i: &Intake,
    headers: &HeaderMap,
    body: &[u8],
    parse: fn(&str) -> Result<T, String>,
) -> Result<(Vec<T>, Vec<Rejected>), Box<Response>> {
    if let Err(why) = authorized(i, headers) {
        return Err(Box::new(problem(StatusCode::UNAUTHORIZED, why)));
    }
    if i.read_only {
        return Err(Box::new(problem(StatusCode::FORBIDDEN, "b24ops is in read-only mode: nothing is written")));
    }
    records(body, parse).map_err(|e| Box::new(problem(StatusCode::BAD_REQUEST, &e)))
}

/// The answer when the database refused a batch.
fn unavailable(e: crate::store::StoreError) -> Response {
    tracing::error!(error = %e, "intake: writing rows failed");
    problem(StatusCode::SERVICE_UNAVAILABLE, "the database did not take the rows; retry later")
}

async fn post_calls(State(i): State<Intake>, headers: HeaderMap, body: Bytes) -> Response {
    let (good, bad) = match admit(&i, &headers, &body, parse_call) {
        Ok(x) => x,
        Err(answer) => return *answer,
    };
    for chunk in good.chunks(WRITE_BATCH) {
        if let Err(e) = i.store.seed_writer().calls(chunk).await {
            return unavailable(e);
        }
    }
    answer(good.len(), bad)
}

async fn post_errors(State(i): State<Intake>, headers: HeaderMap, body: Bytes) -> Response {
    let (good, bad) = match admit(&i, &headers, &body, parse_app_error) {
        Ok(x) => x,
        Err(answer) => return *answer,
    };
    for chunk in good.chunks(WRITE_BATCH) {
        if let Err(e) = i.store.seed_writer().app_errors(chunk).await {
            return unavailable(e);
        }
    }
    answer(good.len(), bad)
}
