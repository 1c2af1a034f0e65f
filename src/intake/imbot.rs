//! `POST /b24/imbot`: the webhook of the app's bot in the customer's Bitrix24. A message event
//! opens or threads a chat ticket (see [`crate::services::chat_intake`]); a wrong
//! `auth[application_token]` is 401 and changes nothing.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::events::{answer, refused};
use super::server::Intake;
use crate::services::chat_intake::{parse_message, take_message};

/// A message is at most a few tens of kilobytes; a bigger body is still read (up to this) so
/// that a huge message becomes a ticket with its text cut, not a lost message.
const BOT_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// The bot's route, to merge into the intake's router.
pub fn router(intake: Intake) -> axum::Router {
    axum::Router::new()
        .route("/b24/imbot", axum::routing::post(post_bot_event))
        .layer(axum::extract::DefaultBodyLimit::max(BOT_BODY_LIMIT))
        .with_state(intake)
}

/// Takes one bot event.
pub async fn post_bot_event(State(intake): State<Intake>, body: Bytes) -> Response {
    let fields: Vec<(String, String)> = match serde_urlencoded::from_bytes(&body) {
        Ok(f) => f,
        Err(err) => {
            return answer(StatusCode::BAD_REQUEST, serde_json::json!({"error": format!("not a form body: {err}")}));
        }
    };
    let taken = match parse_message(&fields) {
        Ok(m) => take_message(&intake.store, m, intake.clock.now(), intake.read_only).await,
        Err(e) => Err(e),
    };
    match taken {
        Ok(t) => answer(StatusCode::OK, serde_json::json!({"ok": true, "ticket": t.ticket_id, "opened": t.opened})),
        Err(err) => refused(err, "bot event"),
    }
}
