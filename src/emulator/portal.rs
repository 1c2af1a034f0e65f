//! A portal's `/rest/{method}`, in the server's processing order (reference §3, §10.3): portal
//! stopped → method lookup → leaky bucket → auth → operating limit → handler → envelope.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::Emulator;
use super::methods::{self, Out};
use super::oauth::{html_page, payment_blocked};
use super::params;
use super::state::World;

/// An error a portal answers with.
#[derive(Clone, Debug, PartialEq)]
pub struct EmuError {
    /// HTTP status.
    pub status: u16,
    /// `error`.
    pub code: String,
    /// `error_description`.
    pub description: String,
}

impl EmuError {
    /// An error.
    pub fn new(status: u16, code: &str, description: &str) -> Self {
        EmuError { status, code: code.into(), description: description.into() }
    }

    /// The JSON object.
    pub fn body(&self) -> Value {
        json!({ "error": self.code, "error_description": self.description })
    }
}

impl IntoResponse for EmuError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        (status, axum::Json(self.body())).into_response()
    }
}

/// Who is calling, once auth passed.
#[derive(Clone, Copy, Debug)]
pub struct Caller {
    /// The token's user.
    pub user_id: i64,
}

/// `/{domain}/rest/{method}`.
pub async fn rest(
    State(emu): State<Emulator>,
    ConnectInfo(_peer): ConnectInfo<SocketAddr>,
    Path((domain, method)): Path<(String, String)>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    // `{client_endpoint}/{method}`, as b24jssdk builds it, doubles the slash: a real portal's
    // web server folds it, so the method is read past any leading slashes.
    let method = method.trim_start_matches('/').trim_end_matches(".json").trim_end_matches(".xml").to_lowercase();
    let started = Utc::now();
    let now = emu.now();
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let params = params::collect(&query, content_type, &body);
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|t| t.trim().to_owned());
    let token = bearer.or_else(|| params::text(&params, "auth")).or_else(|| params::text(&params, "access_token"));

    let (member_id, slow) = {
        let mut w = emu.world.lock().await;
        let Some(member_id) = w.domains.get(&domain.to_lowercase()).cloned() else {
            return (StatusCode::NOT_FOUND, "no such portal").into_response();
        };
        let Some(portal) = w.portals.get_mut(&member_id) else {
            return (StatusCode::NOT_FOUND, "no such portal").into_response();
        };
        if !portal.spec.domain.eq_ignore_ascii_case(&domain) {
            let location = format!("{}{}", emu.client_endpoint(&portal.spec.domain), method);
            return (StatusCode::FOUND, [(header::LOCATION, location)], "").into_response();
        }
        if portal.spec.stopped {
            return EmuError::new(403, "PORTAL_DELETED", "Portal was deleted").into_response();
        }
        if let Some(status) = portal.faults.html {
            return html_page(status);
        }
        if portal.faults.empty {
            return (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], "").into_response();
        }
        if !methods::exists(&method) || portal.missing.contains(&method) {
            return EmuError::new(404, "ERROR_METHOD_NOT_FOUND", "Method not found!").into_response();
        }
        if portal.faults.throttle_next > 0 {
            portal.faults.throttle_next -= 1;
            return EmuError::new(503, "QUERY_LIMIT_EXCEEDED", "Too many requests").into_response();
        }
        if !portal.bucket.admit(emu.elapsed_secs()) {
            return EmuError::new(503, "QUERY_LIMIT_EXCEEDED", "Too many requests").into_response();
        }
        if let Err(e) = authorize(&w, &member_id, token.as_deref(), &method, now) {
            return e.into_response();
        }
        let limit = w.app.operating_limit_secs;
        let Some(portal) = w.portals.get_mut(&member_id) else {
            return (StatusCode::NOT_FOUND, "no such portal").into_response();
        };
        if method != "batch" && operating_sum(portal.operating.get(&method), now) > limit {
            return EmuError::new(429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.")
                .into_response();
        }
        (member_id, portal.faults.slow.get(&method).copied().unwrap_or(0))
    };
    // A real portal finishes a method even when the client hung up, so the work runs on its own
    // task: a timed-out write still happens once, as it would in production.
    let work = tokio::spawn(async move {
        if slow > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(slow)).await;
        }
        let mut w = emu.world.lock().await;
        let user_id = token.as_deref().and_then(|t| w.access.get(t)).map(|a| a.user_id).unwrap_or(1);
        let out = if method == "batch" {
            methods::batch(&mut w, &emu, &member_id, Caller { user_id }, token.as_deref(), &params, now)
        } else {
            methods::dispatch(&mut w, &emu, &member_id, Caller { user_id }, &method, &params, now)
        };
        let processing = slow as f64 / 1000.0;
        let operating = record_operating(&mut w, &member_id, &method, processing, now);
        w.sweep(now);
        drop(w);
        match out {
            Err(e) => e.into_response(),
            Ok(out) => envelope(out, started, processing, now, operating),
        }
    });
    work.await.unwrap_or_else(|_| EmuError::new(500, "INTERNAL_SERVER_ERROR", "Internal server error").into_response())
}

/// Auth, plan and scope checks (step 4), shared by batch's commands.
pub fn authorize(
    w: &World,
    member_id: &str,
    token: Option<&str>,
    method: &str,
    now: DateTime<Utc>,
) -> Result<Caller, EmuError> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Err(EmuError::new(401, "NO_AUTH_FOUND", "Wrong authorization data"));
    };
    let Some(access) = w.access.get(token).filter(|a| a.member_id == member_id) else {
        return Err(EmuError::new(401, "invalid_token", "Unable to get application by token"));
    };
    let Some(portal) = w.portals.get(member_id) else {
        return Err(EmuError::new(401, "invalid_token", "Unable to get application by token"));
    };
    if portal.spec.uninstalled {
        return Err(EmuError::new(401, "APPLICATION_NOT_FOUND", "Application not found"));
    }
    if access.expires_at <= now {
        return Err(EmuError::new(401, "expired_token", "The access token provided has expired"));
    }
    if payment_blocked(&portal.spec.status, portal.date_finish, now) {
        return Err(EmuError::new(402, "PAYMENT_REQUIRED", "Payment required"));
    }
    if !portal.users.iter().any(|u| u.id == access.user_id && u.active) {
        return Err(EmuError::new(401, "authorization_error", "Unable to authorize user"));
    }
    if let Some(scope) = methods::scope_of(method)
        && !portal.spec.scope.split(',').any(|s| s.trim() == scope)
    {
        return Err(EmuError::new(
            401,
            "insufficient_scope",
            "The request requires higher privileges than provided by the access token",
        ));
    }
    Ok(Caller { user_id: access.user_id })
}

fn minute(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(60)
}

fn operating_sum(buckets: Option<&Vec<(i64, f64)>>, now: DateTime<Utc>) -> f64 {
    let m = minute(now);
    buckets.map(|b| b.iter().filter(|(at, _)| *at > m - 10).map(|(_, s)| s).sum()).unwrap_or(0.0)
}

/// Adds a call's execution time to its method's window (calls under 0.1 s are not counted, and
/// `batch` itself never is); returns the sum and when the oldest minute drops out.
fn record_operating(w: &mut World, member_id: &str, method: &str, secs: f64, now: DateTime<Utc>) -> (f64, i64) {
    let m = minute(now);
    let Some(portal) = w.portals.get_mut(member_id) else { return (0.0, now.timestamp()) };
    let buckets = portal.operating.entry(method.to_owned()).or_default();
    buckets.retain(|(at, _)| *at > m - 10);
    if secs >= 0.1 && method != "batch" {
        match buckets.last_mut() {
            Some((at, s)) if *at == m => *s += secs,
            _ => buckets.push((m, secs)),
        }
    }
    let oldest = buckets.first().map(|(at, _)| *at).unwrap_or(m);
    (buckets.iter().map(|(_, s)| s).sum(), (oldest + 10) * 60)
}

fn envelope(out: Out, started: DateTime<Utc>, processing: f64, now: DateTime<Utc>, operating: (f64, i64)) -> Response {
    let finished = Utc::now();
    let start = started.timestamp_micros() as f64 / 1e6;
    let finish = finished.timestamp_micros() as f64 / 1e6;
    let mut body = json!({
        "result": out.result,
        "time": {
            "start": start,
            "finish": finish,
            "duration": finish - start,
            "processing": processing,
            "date_start": now.to_rfc3339_opts(SecondsFormat::Secs, false),
            "date_finish": now.to_rfc3339_opts(SecondsFormat::Secs, false),
            "operating_reset_at": operating.1,
            "operating": operating.0,
        }
    });
    if let Some(n) = out.next {
        body["next"] = json!(n);
    }
    if let Some(t) = out.total {
        body["total"] = json!(t);
    }
    (StatusCode::OK, [(header::HeaderName::from_static("x-content-type-options"), "nosniff")], axum::Json(body))
        .into_response()
}
