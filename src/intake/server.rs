//! `b24ops serve`: the HTTP intake. Loopback by default; the JSON API needs a bearer token.
//!
//! - `GET /healthz` — 200 when the database answers, 503 when it does not.
//! - `GET/POST /support`, `POST /api/tickets` — ticket intake (see [`super::tickets`]).
//! - `POST /api/calls`, `POST /api/errors` — a JSON array or NDJSON of call / app-error records.
//!   The good records of a request are written in one transaction, so a request is stored whole
//!   or not at all; bad ones are answered with their line (or array position) and reason. With
//!   an `Idempotency-Key` header a retry of a committed request gets the first answer and writes
//!   nothing ([`super::idempotency`]).
//!
//! Routes come in groups by how they are reached ([`Access`]); each group gets the same gate.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::calls::parse_call;
pub use super::context::Intake;
use super::errors::parse_app_error;
use super::gate::{Access, gate, problem};
use super::idempotency::{self, Keyed};
use super::records::{Rejected, records};
use crate::store::StoreError;

/// The routes' names as their idempotency keys are kept under.
const CALLS: &str = "/api/calls";
const ERRORS: &str = "/api/errors";

/// Bad records named one by one in an answer.
const REJECTS_SHOWN: usize = 100;

/// The routes, each group behind its gate, with the body limit applied.
pub fn router(mut intake: Intake, max_body_bytes: usize) -> Router {
    intake.max_body = max_body_bytes;
    let bearer = Router::new()
        .route("/api/tickets", post(super::tickets::api_create))
        .route("/api/calls", post(post_calls))
        .route("/api/errors", post(post_errors));
    let form = Router::new().route("/support", get(super::tickets::support_form).post(super::tickets::support_submit));
    // Routes that authenticate themselves (or need nothing) go here.
    let open = Router::new().route("/healthz", get(healthz));
    Router::new()
        .merge(gated(bearer, &intake, Access::Bearer))
        .merge(gated(form, &intake, Access::Form))
        .merge(gated(open, &intake, Access::Open))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(intake)
}

fn gated(routes: Router<Intake>, intake: &Intake, access: Access) -> Router<Intake> {
    routes.route_layer(axum::middleware::from_fn_with_state((intake.clone(), access), gate))
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

#[derive(Serialize)]
struct Answer {
    accepted: usize,
    rejected_count: usize,
    rejected: Vec<Rejected>,
}

/// The answer to a request: its status and JSON body (kept with an idempotency key as sent).
fn answer(accepted: usize, mut rejected: Vec<Rejected>) -> (StatusCode, String) {
    let status = if accepted == 0 && !rejected.is_empty() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let rejected_count = rejected.len();
    rejected.truncate(REJECTS_SHOWN);
    (status, serde_json::to_string(&Answer { accepted, rejected_count, rejected }).unwrap_or_default())
}

fn json((status, body): (StatusCode, String)) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The answer when the database refused a request's transaction: nothing of it was written.
fn not_written(e: StoreError) -> Response {
    if e.is_bad_value() {
        tracing::warn!(error = %e, "intake: the database refused a value");
        return problem(
            StatusCode::BAD_REQUEST,
            &format!("the database refused a value in this request, so none of it was written: {e}"),
        );
    }
    tracing::error!(error = %e, "intake: writing rows failed");
    problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "the database did not take the rows; none of this request was written, retry it",
    )
}

fn read_only() -> Response {
    problem(StatusCode::FORBIDDEN, "b24ops is in read-only mode: nothing is written")
}

async fn post_calls(State(i): State<Intake>, headers: HeaderMap, body: Bytes) -> Response {
    if i.read_only {
        return read_only();
    }
    let key = match idempotency::key_of(&headers, &body) {
        Ok(k) => k,
        Err(e) => return problem(StatusCode::BAD_REQUEST, &e),
    };
    if let Some(r) = replayed(&i, CALLS, key.as_ref()).await {
        return r;
    }
    let now = i.clock.now();
    let (good, bad) = match records(&body, |line| parse_call(line, now)) {
        Ok(x) => x,
        Err(e) => return problem(StatusCode::BAD_REQUEST, &e),
    };
    drop(body);
    let answered = answer(good.len(), bad);
    if !good.is_empty() {
        let record = key.as_ref().map(|k| k.record(CALLS, answered.0, &answered.1));
        if let Err(e) = i.store.seed_writer().calls_once(&good, record.as_ref(), now).await {
            return failed(&i, CALLS, key.as_ref(), e).await;
        }
    }
    json(answered)
}

async fn post_errors(State(i): State<Intake>, headers: HeaderMap, body: Bytes) -> Response {
    if i.read_only {
        return read_only();
    }
    let key = match idempotency::key_of(&headers, &body) {
        Ok(k) => k,
        Err(e) => return problem(StatusCode::BAD_REQUEST, &e),
    };
    if let Some(r) = replayed(&i, ERRORS, key.as_ref()).await {
        return r;
    }
    let now = i.clock.now();
    let (good, bad) = match records(&body, |line| parse_app_error(line, now)) {
        Ok(x) => x,
        Err(e) => return problem(StatusCode::BAD_REQUEST, &e),
    };
    drop(body);
    let answered = answer(good.len(), bad);
    if !good.is_empty() {
        let record = key.as_ref().map(|k| k.record(ERRORS, answered.0, &answered.1));
        if let Err(e) = i.store.seed_writer().app_errors_once(&good, record.as_ref(), now).await {
            return failed(&i, ERRORS, key.as_ref(), e).await;
        }
    }
    json(answered)
}

/// The first answer again for a key already kept.
async fn replayed(i: &Intake, route: &'static str, key: Option<&Keyed>) -> Option<Response> {
    idempotency::replay(i, route, key?).await
}

/// A request whose transaction failed: the answer of the copy that committed first when the key
/// was the reason, else nothing was written.
async fn failed(i: &Intake, route: &'static str, key: Option<&Keyed>, e: StoreError) -> Response {
    if let Some(k) = key
        && let Some(r) = idempotency::after_duplicate(i, route, k, &e).await
    {
        return r;
    }
    not_written(e)
}
