//! `POST /api/{project}/envelope/` and `/api/{project}/store/`: Sentry's ingest endpoints, so an
//! app's Sentry SDK reports into b24ops with a DSN (`http://KEY@host:port/PROJECT`) and no code.
//! An error event becomes an app error (see [`crate::rules::sentry::event`]); transactions,
//! sessions, attachments and client reports are accepted and dropped. Authenticated by a DSN
//! public key from `B24OPS_SENTRY_KEY` (several allowed, comma-separated), paced per key with the
//! 429 answer SDKs honour (develop.sentry.dev/sdk/expected-features/rate-limiting/).

pub mod cors;
pub mod inflate;
pub mod key_pacing;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use self::inflate::{InflateError, inflate};
use self::key_pacing::KeyPacing;
use super::gate::{Access, ClientIp, gate, problem};
use super::server::Intake;
use crate::model::Secret;
use crate::rules::sentry::auth::{matching_key, presented_key};
use crate::rules::sentry::envelope::parse_envelope;
use crate::rules::sentry::event::{SentryError, error_from_event};

/// The most a body may inflate to: an envelope's attachments are read past, not kept.
pub const INFLATED_MAX: usize = 16 * 1024 * 1024;
/// The largest event accepted, after decompression (Sentry's own limit for an event).
pub const EVENT_MAX: usize = 1024 * 1024;
/// How often the remembered event ids are pruned, in milliseconds.
const PRUNE_EVERY_MS: i64 = 3_600_000;

/// What the Sentry routes need beside the intake.
#[derive(Clone)]
pub struct SentryIntake {
    /// The intake (store, read-only mode, clock, wrong-key pacing, body limit).
    pub intake: Intake,
    /// The DSN keys accepted; none turns the routes off (401).
    pub keys: Arc<Vec<Secret>>,
    /// Tags naming the portal.
    pub member_tags: Arc<Vec<String>>,
    /// Per-key pacing.
    pub pacing: KeyPacing,
    /// Browser origins granted by CORS (`*`: any).
    pub cors_origins: Arc<Vec<String>>,
    last_prune: Arc<AtomicI64>,
}

impl SentryIntake {
    /// The Sentry intake over `intake`, accepting `keys`, with `[serve]`'s tags and pacing.
    pub fn new(intake: Intake, keys: Vec<Secret>, cfg: &crate::config::ServeConfig) -> Self {
        SentryIntake {
            intake,
            pacing: KeyPacing::new(keys.len(), cfg.sentry_burst, cfg.sentry_per_second),
            keys: Arc::new(keys),
            member_tags: Arc::new(cfg.sentry_member_tags.clone()),
            cors_origins: Arc::new(cfg.sentry_cors_origins.clone()),
            last_prune: Arc::new(AtomicI64::new(0)),
        }
    }
}

/// The Sentry routes, to merge into the intake's router.
pub fn router(s: SentryIntake) -> Router {
    let limit = s.intake.max_body;
    let routes = Router::new()
        .route("/api/{project}/{endpoint}/", post(post_sentry))
        .route("/api/{project}/{endpoint}", post(post_sentry))
        .with_state(s.clone());
    routes
        .route_layer(axum::middleware::from_fn_with_state((s.intake.clone(), Access::Open), gate))
        .layer(axum::middleware::from_fn_with_state(s.cors_origins.clone(), cors::cors))
        .layer(DefaultBodyLimit::max(limit))
}

/// What a request carried, by its endpoint.
enum Body {
    Envelope,
    Store,
}

/// `POST /api/{project}/{envelope|store}/`.
async fn post_sentry(
    State(s): State<SentryIntake>,
    Path((_project, endpoint)): Path<(String, String)>,
    ip: Option<axum::Extension<ClientIp>>,
    q: RawQuery,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let kind = match endpoint.as_str() {
        "envelope" => Body::Envelope,
        "store" => Body::Store,
        _ => return problem(StatusCode::NOT_FOUND, "Sentry's endpoints are /api/{project}/envelope/ and /store/"),
    };
    take(s, ip, q, h, body, kind).await
}

async fn take(
    s: SentryIntake,
    ip: Option<axum::Extension<ClientIp>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
    kind: Body,
) -> Response {
    let ip = ip.map(|e| e.0.0).unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
    let key = match authorize(&s, ip, &headers, query.as_deref()) {
        Ok(k) => k,
        Err(r) => return *r,
    };
    if s.intake.read_only {
        return problem(StatusCode::FORBIDDEN, "b24ops is in read-only mode: nothing is written");
    }
    if let Err(wait) = s.pacing.admit(key) {
        return rate_limited(wait, "too many events for this DSN key; slow down");
    }
    let encoding = headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok());
    let raw = match inflate(&body, encoding, INFLATED_MAX) {
        Ok(b) => b,
        Err(e @ InflateError::TooLarge(_)) => return problem(StatusCode::PAYLOAD_TOO_LARGE, &e.to_string()),
        Err(e @ InflateError::Unsupported(_)) => return problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, &e.to_string()),
        Err(e) => return problem(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    drop(body);
    let now = s.intake.clock.now();
    let (events, id) = match read_events(&raw, &kind, &s.member_tags, now) {
        Ok(x) => x,
        Err((status, why)) => return problem(status, &why),
    };
    let rows: Vec<_> = events.into_iter().map(|e| (e.event_id, e.error)).collect();
    if !rows.is_empty()
        && let Err(e) = s.intake.store.insert_sentry_errors(&rows, now).await
    {
        tracing::error!(error = %e, "sentry intake: writing the event failed");
        return problem(StatusCode::SERVICE_UNAVAILABLE, "the database did not take the event; retry it");
    }
    prune_now_and_then(&s, now);
    let body = serde_json::json!({ "id": id }).to_string();
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The index of the key presented, or the answer refusing the request. A client's wrong keys
/// are paced like wrong bearer tokens; the key itself is never logged.
fn authorize(
    s: &SentryIntake,
    ip: std::net::IpAddr,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<usize, Box<Response>> {
    if s.keys.is_empty() {
        return Err(Box::new(problem(StatusCode::UNAUTHORIZED, "the Sentry intake is off: set B24OPS_SENTRY_KEY")));
    }
    if s.intake.wrong_tokens.is_full(ip) {
        return Err(Box::new(rate_limited(10, "too many wrong DSN keys from this address; slow down")));
    }
    let auth = headers.get("x-sentry-auth").and_then(|v| v.to_str().ok());
    match presented_key(auth, query).and_then(|k| matching_key(k, &s.keys)) {
        Some(i) => Ok(i),
        None => {
            tracing::info!(client = %ip, "sentry intake: refused a request without a known DSN key");
            s.intake.wrong_tokens.admit(ip);
            Err(Box::new(problem(StatusCode::UNAUTHORIZED, "missing or unknown DSN key (sentry_key)")))
        }
    }
}

type Refusal = (StatusCode, String);

/// The error events of a body and the id to answer with.
fn read_events(
    raw: &[u8],
    kind: &Body,
    tags: &[String],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Vec<SentryError>, Option<String>), Refusal> {
    let bad = |why: String| (StatusCode::BAD_REQUEST, why);
    let too_big = || (StatusCode::PAYLOAD_TOO_LARGE, format!("an event is over {EVENT_MAX} bytes"));
    match kind {
        Body::Store => {
            if raw.len() > EVENT_MAX {
                return Err(too_big());
            }
            let e = error_from_event(raw, tags, None, now).map_err(bad)?;
            let id = e.event_id.clone();
            Ok((vec![e], id))
        }
        Body::Envelope => {
            let env = parse_envelope(raw).map_err(bad)?;
            let mut out = Vec::new();
            for item in env.items.iter().filter(|i| i.kind == "event") {
                if item.payload.len() > EVENT_MAX {
                    return Err(too_big());
                }
                let e = error_from_event(item.payload, tags, env.event_id.as_deref(), now)
                    .map_err(|why| bad(format!("line {}: {why}", item.line + 1)))?;
                out.push(e);
            }
            let id = out.first().and_then(|e| e.event_id.clone()).or(env.event_id);
            Ok((out, id))
        }
    }
}

/// 429 with both the plain `Retry-After` and Sentry's own header (all categories, this key).
fn rate_limited(secs: u64, why: &str) -> Response {
    let mut r = problem(StatusCode::TOO_MANY_REQUESTS, why);
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        h.insert(header::RETRY_AFTER, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("{secs}::key")) {
        h.insert("x-sentry-rate-limits", v);
    }
    r
}

/// Forgets old event ids at most once an hour, off the request's path.
fn prune_now_and_then(s: &SentryIntake, now: chrono::DateTime<chrono::Utc>) {
    let now_ms = now.timestamp_millis();
    let last = s.last_prune.load(Ordering::Relaxed);
    if now_ms - last < PRUNE_EVERY_MS
        || s.last_prune.compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed).is_err()
    {
        return;
    }
    let store = s.intake.store.clone();
    tokio::spawn(async move {
        if let Err(e) = store.prune_sentry_event_ids(now).await {
            tracing::warn!(error = %e, "sentry intake: pruning old event ids failed");
        }
    });
}
