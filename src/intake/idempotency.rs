//! `Idempotency-Key` on `POST /api/calls` and `/api/errors`. A client that lost the answer to a
//! request retries it with the same key; the key was stored with that answer in the transaction
//! that wrote the rows, so the retry is answered the same and writes nothing. The header follows
//! the IETF draft `draft-ietf-httpapi-idempotency-key-header`: a key reused for a different body
//! is 422, and a replayed answer carries `Idempotent-Replayed: true`.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::context::Intake;
use super::gate::problem;
use crate::store::{IntakeKey, KeptAnswer, StoreError};

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The longest key accepted (a UUID is 36).
const KEY_MAX: usize = 255;

/// A request's key and the fingerprint of its body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keyed {
    key: String,
    fingerprint: String,
}

impl Keyed {
    /// What to store with the rows: the key and the answer they were given.
    pub fn record(&self, route: &'static str, status: StatusCode, answer: &str) -> IntakeKey {
        IntakeKey {
            route,
            key: self.key.clone(),
            kept: KeptAnswer {
                fingerprint: self.fingerprint.clone(),
                status: status.as_u16(),
                answer: answer.to_owned(),
            },
        }
    }
}

/// The request's key, if it sent one; `Err` says what is wrong with a malformed one (a 400).
pub fn key_of(headers: &HeaderMap, body: &[u8]) -> Result<Option<Keyed>, String> {
    let Some(v) = headers.get(HEADER) else { return Ok(None) };
    let key = v
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= KEY_MAX && k.bytes().all(|b| b.is_ascii_graphic()));
    match key {
        Some(k) => Ok(Some(Keyed { key: k.to_owned(), fingerprint: fingerprint(body) })),
        None => Err(format!("the Idempotency-Key must be 1–{KEY_MAX} visible ASCII characters (a UUID will do)")),
    }
}

/// The body's length and its 64-bit FNV-1a hash: tells a reused key from a retry, which is all
/// it is for (the client is already authenticated).
pub fn fingerprint(body: &[u8]) -> String {
    let hash = body.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3));
    format!("{}:{hash:016x}", body.len())
}

/// The answer for a key already kept: the first answer again, or 422 for a different body.
/// `None` when the key is new; a database that does not answer is a 503.
pub async fn replay(i: &Intake, route: &'static str, k: &Keyed) -> Option<Response> {
    match i.store.kept_answer(route, &k.key, i.clock.now()).await {
        Ok(None) => None,
        Ok(Some(kept)) => Some(kept_response(&kept, k)),
        Err(e) => {
            tracing::error!(error = %e, "intake: looking up an idempotency key failed");
            Some(problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database did not answer; nothing of this request was written, retry it",
            ))
        }
    }
}

/// After the rows' transaction failed on the key: another copy of the request committed first,
/// so its answer is this one's too.
pub async fn after_duplicate(i: &Intake, route: &'static str, k: &Keyed, e: &StoreError) -> Option<Response> {
    if !e.is_duplicate_key() {
        return None;
    }
    replay(i, route, k).await
}

fn kept_response(kept: &KeptAnswer, k: &Keyed) -> Response {
    if kept.fingerprint != k.fingerprint {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "this Idempotency-Key was used for a different request body; use a new key for new data",
        );
    }
    let status = StatusCode::from_u16(kept.status).unwrap_or(StatusCode::OK);
    let mut r = (status, [(header::CONTENT_TYPE, "application/json")], kept.answer.clone()).into_response();
    r.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_and_bodies_told_apart() {
        let mut h = HeaderMap::new();
        assert_eq!(key_of(&h, b"x").ok(), Some(None));
        h.insert(HEADER, HeaderValue::from_static("8e03978e-40d5-43e8-bc93-6894a57f9324"));
        let k = key_of(&h, b"{\"a\":1}").ok().flatten().expect("a key");
        assert_eq!(k.fingerprint, fingerprint(b"{\"a\":1}"));
        assert_ne!(fingerprint(b"{\"a\":1}"), fingerprint(b"{\"a\":2}"));
        h.insert(HEADER, HeaderValue::from_static("two words"));
        assert!(key_of(&h, b"").is_err());
        h.insert(HEADER, HeaderValue::from_str(&"k".repeat(256)).expect("ascii"));
        assert!(key_of(&h, b"").is_err());
    }
}
