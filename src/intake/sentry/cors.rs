//! CORS for the Sentry routes, so a browser SDK (`@sentry/browser`) can report from the app's
//! pages: a preflight (`OPTIONS`) is answered here, before the key check — browsers send it
//! without credentials — and every answer, refusals and 429s included, carries the
//! `Access-Control-Allow-Origin` the configuration grants, so the SDK can read its back-off
//! headers. Which origins: [`crate::rules::sentry::cors`].

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::rules::sentry::cors::{ALLOW_HEADERS, EXPOSE_HEADERS, MAX_AGE_SECS, allowed_origin};

/// The middleware: `axum::middleware::from_fn_with_state(origins, cors)`.
pub async fn cors(State(origins): State<Arc<Vec<String>>>, req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let grant = allowed_origin(&origins, origin.as_deref());
    if req.method() == Method::OPTIONS {
        let mut res = StatusCode::NO_CONTENT.into_response();
        let h = res.headers_mut();
        h.insert(header::ALLOW, HeaderValue::from_static("POST, OPTIONS"));
        if grant.is_some() {
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOW_HEADERS));
            h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE_SECS));
        }
        grant_origin(h, grant.as_deref(), &origins);
        return res;
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if grant.is_some() {
        h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSE_HEADERS));
    }
    grant_origin(h, grant.as_deref(), &origins);
    res
}

/// Sets the granted origin; an answer that depends on the request's origin says so to caches.
fn grant_origin(h: &mut HeaderMap, grant: Option<&str>, origins: &[String]) {
    if let Some(v) = grant.and_then(|g| HeaderValue::from_str(g).ok()) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    if !origins.iter().any(|o| o.trim() == "*") {
        h.append(header::VARY, HeaderValue::from_static("origin"));
    }
}
