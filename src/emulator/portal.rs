//! A portal's `/rest/{method}`, in the server's processing order (reference §3, §10.3): portal
//! stopped → method lookup → leaky bucket → auth → operating limit → handler → envelope.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

use super::Emulator;
use super::auth::{Caller, EmuError, authorize, operating_limit};
use super::methods::{self, Out};
use super::oauth::html_page;
use super::{operating, params};

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
        if let Err(e) = authorize(&w, &member_id, token.as_deref(), methods::scope_of(&method), now) {
            return e.into_response();
        }
        if operating::blocked(&w, &member_id, &method, now) {
            return operating_limit().into_response();
        }
        // A batch takes as long as its commands together.
        let cost = match methods::batch_methods(&params) {
            Some(nested) if method == "batch" => nested.iter().map(|m| operating::cost_secs(&w, &member_id, m)).sum(),
            _ => operating::cost_secs(&w, &member_id, &method),
        };
        (member_id, (cost * 1000.0) as u64)
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
        let operating = operating::record(&mut w, &member_id, &method, processing, now);
        w.sweep(now);
        drop(w);
        match out {
            Err(e) => e.into_response(),
            Ok(out) => envelope(out, started, processing, now, operating),
        }
    });
    work.await.unwrap_or_else(|_| EmuError::new(500, "INTERNAL_SERVER_ERROR", "Internal server error").into_response())
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
