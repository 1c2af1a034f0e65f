//! `POST /b24/events`: Bitrix24's application events, form-encoded exactly as Bitrix24 sends
//! them. Authenticated by `auth[application_token]` (see [`crate::services::app_events`]), not
//! by the API's bearer token: Bitrix24 cannot send one.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::server::Intake;
use crate::services::app_events::{EventError, accept, parse_event};
use crate::services::tokens::TokenService;

/// What the events route needs beside the intake.
#[derive(Clone)]
pub struct EventIntake {
    /// The intake (read-only mode, the clock).
    pub intake: Intake,
    /// The token service: the store, and the trusted OAuth check for a second install.
    pub tokens: Arc<TokenService>,
}

/// An event is a few hundred bytes of form; nothing bigger is read.
const EVENT_BODY_LIMIT: usize = 64 * 1024;

/// The events route, to merge into the intake's router.
pub fn router(e: EventIntake) -> axum::Router {
    axum::Router::new()
        .route("/b24/events", axum::routing::post(post_event))
        .layer(axum::extract::DefaultBodyLimit::max(EVENT_BODY_LIMIT))
        .with_state(e)
}

/// A JSON answer.
pub fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, [(axum::http::header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// Takes one event.
pub async fn post_event(State(e): State<EventIntake>, body: Bytes) -> Response {
    let fields: Vec<(String, String)> = match serde_urlencoded::from_bytes(&body) {
        Ok(f) => f,
        Err(err) => {
            return answer(StatusCode::BAD_REQUEST, serde_json::json!({"error": format!("not a form body: {err}")}));
        }
    };
    let posted = match parse_event(&fields, e.tokens.now()) {
        Ok(p) => p,
        Err(err) => return answer(StatusCode::BAD_REQUEST, serde_json::json!({"error": err.to_string()})),
    };
    match accept(&e.tokens, posted, e.intake.read_only).await {
        Ok(done) => answer(
            StatusCode::OK,
            serde_json::json!({"ok": true, "event": done.event, "member_id": done.member_id, "tokens_stored": done.tokens_stored}),
        ),
        Err(err) => refused(err, "application event"),
    }
}

/// The answer to an event that was not applied: 401 for a token that proves nothing, 400 for a
/// body that is not the event, 403 in read-only mode, 503 when the database failed (nothing
/// changed, so Bitrix24's single try is at least visible in the log).
pub fn refused(err: EventError, what: &str) -> Response {
    match err {
        EventError::Unauthorized(why) => {
            tracing::warn!("{what} refused: {why}");
            answer(StatusCode::UNAUTHORIZED, serde_json::json!({"error": why}))
        }
        EventError::Malformed(why) => answer(StatusCode::BAD_REQUEST, serde_json::json!({"error": why})),
        EventError::ReadOnly => {
            answer(StatusCode::FORBIDDEN, serde_json::json!({"error": "b24ops is in read-only mode"}))
        }
        EventError::Store(err) => {
            tracing::warn!(error = %err, "{what} not stored");
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({"error": "the database did not take the event; nothing changed"}),
            )
        }
    }
}
