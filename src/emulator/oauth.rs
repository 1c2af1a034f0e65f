//! The emulated OAuth server: `/oauth/token/` (authorization_code and refresh_token with rotation,
//! every listed error) and the trusted `/rest/app.info` (reference §1.4–1.7, §10.2).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::Emulator;
use super::state::World;

fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    let body = if description.is_empty() {
        json!({ "error": code })
    } else {
        json!({ "error": code, "error_description": description })
    };
    (status, axum::Json(body)).into_response()
}

/// An HTML error page, as a proxy in front of a struggling server sends.
pub fn html_page(status: u16) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    (
        code,
        [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!(
            "<html><head><title>{status}</title></head><body><h1>{status} {}</h1></body></html>",
            code.canonical_reason().unwrap_or("")
        ),
    )
        .into_response()
}

/// The query string's parameters with a form body's laid over them.
fn with_form(mut query: HashMap<String, String>, body: &[u8]) -> HashMap<String, String> {
    if let Ok(form) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body) {
        query.extend(form);
    }
    query
}

/// `GET|POST /oauth/token/`: parameters from the query string or a form body.
pub async fn token(
    State(emu): State<Emulator>,
    Query(query): Query<HashMap<String, String>>,
    body: axum::body::Bytes,
) -> Response {
    let params = with_form(query, &body);
    let now = emu.now();
    let mut w = emu.world.lock().await;
    if let Some(status) = w.oauth_down {
        return html_page(status);
    }
    let p = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(grant) = p("grant_type") else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "No \"grant_type\" parameter found");
    };
    // An unknown client_id is `wrong_client` with HTTP 200, as b24pysdk measured against the real
    // server (`tests/integration/errors/test_errors_oauth.py`); a known one with the wrong secret
    // is `invalid_client`.
    if p("client_id") != Some(w.app.client_id.as_str()) {
        return (StatusCode::OK, axum::Json(json!({ "error": "wrong_client" }))).into_response();
    }
    if p("client_secret") != Some(w.app.client_secret.as_str()) {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_client", "Invalid client");
    }
    match grant {
        "refresh_token" => {
            let Some(rt) = p("refresh_token") else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "No \"refresh_token\" parameter found");
            };
            refresh(&mut w, &emu, rt, now)
        }
        "authorization_code" => {
            let Some(code) = p("code") else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "No \"code\" parameter found");
            };
            let Some(c) = w.codes.remove(code) else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid authorization code");
            };
            if c.expires_at <= now {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "expired_token",
                    "The authorization token provided has expired.",
                );
            }
            grant_for(&mut w, &emu, &c.member_id, 1, now)
        }
        _ => oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Invalid grant_type parameter"),
    }
}

fn refresh(w: &mut World, emu: &Emulator, rt: &str, now: DateTime<Utc>) -> Response {
    let lifetime = Duration::days(w.app.refresh_lifetime_days);
    let Some(token) = w.refresh.get(rt).cloned() else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid grant");
    };
    let Some(portal) = w.portals.get(&token.member_id) else {
        return oauth_error(StatusCode::NOT_FOUND, "not_found", "Portal not found");
    };
    if portal.spec.uninstalled {
        // What a refresh for a removed app answers is unverified; `wrong_client` is the reading
        // b24pysdk's constants suggest, kept so the uninstall path can be exercised.
        return (StatusCode::OK, axum::Json(json!({ "error": "wrong_client" }))).into_response();
    }
    if token.used {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid grant");
    }
    if token.issued_at + lifetime <= now {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "The refresh token is expired");
    }
    if payment_blocked(portal.spec.status.as_str(), portal.date_finish, now) {
        return oauth_error(StatusCode::BAD_REQUEST, "PAYMENT_REQUIRED", "Payment required");
    }
    if let Some(t) = w.refresh.get_mut(rt) {
        t.used = true;
    }
    w.refreshes += 1;
    grant_for(w, emu, &token.member_id, token.user_id, now)
}

/// Trial past its end, or a paid app past the 14-day grace: no tokens until paid (reference §6).
pub fn payment_blocked(status: &str, date_finish: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    let Some(end) = date_finish else { return false };
    match status {
        "T" | "D" => end <= now,
        "P" | "S" => end + Duration::days(14) <= now,
        _ => false,
    }
}

fn grant_for(w: &mut World, emu: &Emulator, member_id: &str, user_id: i64, now: DateTime<Utc>) -> Response {
    let (access, refresh) = w.issue(member_id, user_id, now);
    let Some(portal) = w.portals.get(member_id) else {
        return oauth_error(StatusCode::NOT_FOUND, "not_found", "Portal not found");
    };
    let body = json!({
        "access_token": access,
        "expires": (now + Duration::hours(1)).timestamp(),
        "expires_in": 3600,
        "scope": portal.spec.scope,
        "domain": emu.auth_host(),
        "server_endpoint": emu.server_endpoint(),
        "status": portal.spec.status,
        "client_endpoint": emu.client_endpoint(&portal.spec.domain),
        "member_id": member_id,
        "user_id": user_id,
        "refresh_token": refresh,
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// `GET|POST /rest/app.info?auth=…` on the OAuth server: the trusted status check.
pub async fn trusted_app_info(
    State(emu): State<Emulator>,
    Query(query): Query<HashMap<String, String>>,
    body: axum::body::Bytes,
) -> Response {
    let params = with_form(query, &body);
    let now = emu.now();
    let w = emu.world.lock().await;
    let Some(token) = params.get("auth").and_then(|t| w.access.get(t)) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_token", "Invalid token");
    };
    if token.expires_at <= now {
        return oauth_error(StatusCode::UNAUTHORIZED, "expired_token", "The access token provided has expired");
    }
    // An uninstall revokes the app's access: its tokens are unknown from then on.
    let Some(portal) = w.portals.get(&token.member_id).filter(|p| !p.spec.uninstalled) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_token", "Invalid token");
    };
    // The documented shape (b24pysdk `api/responses/bitrix_app_info_response.py`): scopes as a
    // comma list, `expires` as ISO 8601, the install block naming the portal.
    let endpoint = emu.client_endpoint(&portal.spec.domain);
    let result: Value = json!({
        "client_id": w.app.client_id,
        "scope": portal.spec.scope,
        "expires": token.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        "user_id": token.user_id,
        "install": {
            "installed": !portal.spec.uninstalled,
            "version": "1",
            "status": portal.spec.status,
            "scope": portal.spec.scope,
            "domain": portal.spec.domain,
            "uri": format!("https://{}", portal.spec.domain),
            "client_endpoint": endpoint,
            "member_id": portal.spec.member_id,
            "member_type": "company",
        },
    });
    axum::Json(json!({ "result": result })).into_response()
}

/// `GET /{domain}/oauth/authorize/?client_id=&state=`: the portal's consent step. Sends the user to
/// the app's redirect_uri with a 30-second code (or shows the code when the app has none).
pub async fn authorize(
    State(emu): State<Emulator>,
    axum::extract::Path(domain): axum::extract::Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let now = emu.now();
    let mut w = emu.world.lock().await;
    let Some(member_id) = w.domains.get(&domain.to_lowercase()).cloned() else {
        return (StatusCode::NOT_FOUND, "no such portal").into_response();
    };
    if q.get("client_id").map(String::as_str) != Some(w.app.client_id.as_str()) {
        return (StatusCode::BAD_REQUEST, "unknown client_id").into_response();
    }
    let Some(portal) = w.portals.get(&member_id) else { return StatusCode::NOT_FOUND.into_response() };
    if portal.spec.uninstalled {
        // The app must be installed before it can be authorised; Bitrix24 shows the error itself.
        return (StatusCode::FORBIDDEN, "the application is not installed on this portal").into_response();
    }
    let scope = portal.spec.scope.clone();
    let code = super::state::mint();
    w.codes.insert(
        code.clone(),
        super::state::AuthCode { member_id: member_id.clone(), expires_at: now + Duration::seconds(30) },
    );
    if w.app.redirect_uri.is_empty() {
        return (StatusCode::OK, format!("authorization code (valid 30 s): {code}")).into_response();
    }
    let query = serde_urlencoded::to_string([
        ("code", code.as_str()),
        ("state", q.get("state").map(String::as_str).unwrap_or("")),
        ("domain", domain.as_str()),
        ("member_id", member_id.as_str()),
        ("scope", scope.as_str()),
        ("server_domain", emu.auth_host().as_str()),
    ])
    .unwrap_or_default();
    let sep = if w.app.redirect_uri.contains('?') { '&' } else { '?' };
    (StatusCode::FOUND, [(axum::http::header::LOCATION, format!("{}{sep}{query}", w.app.redirect_uri))], "")
        .into_response()
}
