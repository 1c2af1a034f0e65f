//! `b24ops serve`: the HTTP intake. Loopback by default; the JSON API needs a bearer token.
//!
//! - `GET /healthz` — 200 when the database answers, 503 when it does not.
//! - `GET/POST /support`, `POST /api/tickets` — ticket intake (see [`super::tickets`]).
//! - `POST /api/calls`, `POST /api/errors` — a JSON array or NDJSON of call / app-error records.
//!   The good records of a request are written in one transaction, so a request is stored whole
//!   or not at all; bad ones are answered with their line (or array position) and reason.
//!
//! Routes come in groups by how they are reached ([`Access`]); each group gets the same gate.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::calls::parse_call;
pub use super::context::Intake;
use super::errors::parse_app_error;
use super::gate::{Access, gate, problem};
use super::records::{Rejected, records};
use crate::store::StoreError;

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

fn answer(accepted: usize, mut rejected: Vec<Rejected>) -> Response {
    let status = if accepted == 0 && !rejected.is_empty() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let rejected_count = rejected.len();
    rejected.truncate(REJECTS_SHOWN);
    let body = serde_json::to_string(&Answer { accepted, rejected_count, rejected }).unwrap_or_default();
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

async fn post_calls(State(i): State<Intake>, body: Bytes) -> Response {
    if i.read_only {
        return read_only();
    }
    let now = i.clock.now();
    let (good, bad) = match records(&body, |line| parse_call(line, now)) {
        Ok(x) => x,
        Err(e) => return problem(StatusCode::BAD_REQUEST, &e),
    };
    drop(body);
    if !good.is_empty()
        && let Err(e) = i.store.seed_writer().calls(&good).await
    {
        return not_written(e);
    }
    answer(good.len(), bad)
}

async fn post_errors(State(i): State<Intake>, body: Bytes) -> Response {
    if i.read_only {
        return read_only();
    }
    let now = i.clock.now();
    let (good, bad) = match records(&body, |line| parse_app_error(line, now)) {
        Ok(x) => x,
        Err(e) => return problem(StatusCode::BAD_REQUEST, &e),
    };
    drop(body);
    if !good.is_empty()
        && let Err(e) = i.store.seed_writer().app_errors(&good).await
    {
        return not_written(e);
    }
    answer(good.len(), bad)
}
