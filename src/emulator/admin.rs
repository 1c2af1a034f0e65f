//! The emulator's control panel, loopback only: inject faults, mint codes, read notifications.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use serde::Deserialize;
use serde_json::json;

use super::Emulator;
use super::state::mint;

/// A fault to inject into one portal (or, for `oauth_down`, the OAuth server).
#[derive(Debug, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// Every access token of the portal has expired.
    ExpireAccess {
        /// Portal.
        member_id: String,
    },
    /// The portal's refresh tokens pass their lifetime.
    ExpireRefresh {
        /// Portal.
        member_id: String,
    },
    /// The app was uninstalled: REST says APPLICATION_NOT_FOUND, refresh says wrong_client.
    Uninstall {
        /// Portal.
        member_id: String,
    },
    /// The app is installed again: a fresh pair and application_token, and ONAPPINSTALL.
    Install {
        /// Portal.
        member_id: String,
    },
    /// The portal was closed: PORTAL_DELETED.
    Stop {
        /// Portal.
        member_id: String,
    },
    /// The app's status and licence days change.
    Plan {
        /// Portal.
        member_id: String,
        /// F, D, T, P, L or S.
        status: String,
        /// Days left (negative: expired); absent for none.
        days_left: Option<i64>,
    },
    /// A method sleeps before answering.
    Slow {
        /// Portal.
        member_id: String,
        /// Method.
        method: String,
        /// Milliseconds.
        ms: u64,
    },
    /// Every REST answer is an HTML page with this status (0 turns it off).
    Html {
        /// Portal.
        member_id: String,
        /// HTTP status.
        status: u16,
    },
    /// The portal moves to a new domain; the old one answers 302.
    Move {
        /// Portal.
        member_id: String,
        /// The new domain.
        domain: String,
    },
    /// A placement binding disappears.
    DropPlacement {
        /// Portal.
        member_id: String,
        /// Placement code.
        placement: String,
    },
    /// The portal's build lacks a method.
    RemoveMethod {
        /// Portal.
        member_id: String,
        /// Method.
        method: String,
    },
    /// The portal's clock runs off by this many seconds.
    ClockSkew {
        /// Portal.
        member_id: String,
        /// Seconds.
        secs: i64,
    },
    /// The next `count` requests are refused with 503 QUERY_LIMIT_EXCEEDED.
    Throttle {
        /// Portal.
        member_id: String,
        /// How many.
        count: u32,
    },
    /// Every REST answer is HTTP 200 with an empty body (`on: false` turns it off).
    Empty {
        /// Portal.
        member_id: String,
        /// On or off.
        on: bool,
    },
    /// The token endpoint answers HTML with this status (0 turns it off).
    OauthDown {
        /// HTTP status.
        status: u16,
    },
    /// Remove the portal's injected faults.
    Clear {
        /// Portal.
        member_id: String,
    },
}

/// The refusal for a caller that is not on this machine, if it is not.
fn local_only(peer: SocketAddr) -> Result<(), Box<Response>> {
    if peer.ip().is_loopback() {
        Ok(())
    } else {
        Err(Box::new((StatusCode::FORBIDDEN, "the emulator's admin endpoint answers loopback only").into_response()))
    }
}

/// `POST /_emulator/fault` with a JSON [`Fault`].
pub async fn fault(
    State(emu): State<Emulator>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    axum::Json(f): axum::Json<Fault>,
) -> Response {
    if let Err(r) = local_only(peer) {
        return *r;
    }
    let now = emu.now();
    let mut w = emu.world.lock().await;
    let lifetime = Duration::days(w.app.refresh_lifetime_days);
    if let Fault::OauthDown { status } = f {
        w.oauth_down = (status != 0).then_some(status);
        return axum::Json(json!({"ok": true})).into_response();
    }
    let member_id = match &f {
        Fault::ExpireAccess { member_id }
        | Fault::ExpireRefresh { member_id }
        | Fault::Uninstall { member_id }
        | Fault::Install { member_id }
        | Fault::Stop { member_id }
        | Fault::Plan { member_id, .. }
        | Fault::Slow { member_id, .. }
        | Fault::Html { member_id, .. }
        | Fault::Move { member_id, .. }
        | Fault::DropPlacement { member_id, .. }
        | Fault::RemoveMethod { member_id, .. }
        | Fault::ClockSkew { member_id, .. }
        | Fault::Throttle { member_id, .. }
        | Fault::Empty { member_id, .. }
        | Fault::Clear { member_id } => member_id.clone(),
        Fault::OauthDown { .. } => String::new(),
    };
    if !w.portals.contains_key(&member_id) {
        return (StatusCode::NOT_FOUND, axum::Json(json!({"error": "no such portal"}))).into_response();
    }
    // The event each change makes Bitrix24 send, posted once the world is unlocked.
    let mut event: Option<&'static str> = None;
    match f {
        Fault::Install { .. } => {
            if let Some(p) = w.portals.get_mut(&member_id) {
                p.spec.uninstalled = false;
            }
            event = Some("install");
        }
        Fault::ExpireAccess { .. } => {
            for a in w.access.values_mut().filter(|a| a.member_id == member_id) {
                a.expires_at = now - Duration::seconds(1);
            }
        }
        Fault::ExpireRefresh { .. } => {
            for r in w.refresh.values_mut().filter(|r| r.member_id == member_id) {
                r.issued_at = now - lifetime - Duration::seconds(1);
            }
        }
        Fault::Move { domain, .. } => {
            let domain = domain.to_lowercase();
            w.domains.insert(domain.clone(), member_id.clone());
            if let Some(p) = w.portals.get_mut(&member_id) {
                let old = std::mem::replace(&mut p.spec.domain, domain);
                p.spec.old_domains.push(old);
            }
        }
        other => {
            let Some(p) = w.portals.get_mut(&member_id) else { return StatusCode::NOT_FOUND.into_response() };
            match other {
                Fault::Uninstall { .. } => {
                    p.spec.uninstalled = true;
                    p.bindings.clear();
                    event = Some("uninstall");
                }
                Fault::Stop { .. } => p.spec.stopped = true,
                Fault::Plan { status, days_left, .. } => {
                    p.spec.status = status;
                    p.date_finish = days_left.map(|d| now + Duration::days(d));
                    event = Some("payment");
                }
                Fault::Slow { method, ms, .. } => {
                    p.faults.slow.insert(method.to_lowercase(), ms);
                }
                Fault::Html { status, .. } => p.faults.html = (status != 0).then_some(status),
                Fault::DropPlacement { placement, .. } => {
                    p.bindings.retain(|b| !b.placement.eq_ignore_ascii_case(&placement))
                }
                Fault::RemoveMethod { method, .. } => {
                    p.missing.insert(method.to_lowercase());
                }
                Fault::ClockSkew { secs, .. } => p.faults.clock_skew_secs = secs,
                Fault::Throttle { count, .. } => p.faults.throttle_next = count,
                Fault::Empty { on, .. } => p.faults.empty = on,
                Fault::Clear { .. } => {
                    p.faults = Default::default();
                    p.spec.stopped = false;
                }
                _ => {}
            }
        }
    }
    let base = emu.base_url().to_owned();
    let outgoing = match event {
        Some("install") => super::events::install(&mut w, &member_id, &base, now),
        Some("uninstall") => super::events::uninstall(&w, &member_id, &base, now),
        Some("payment") => super::events::payment(&w, &member_id, &base, now),
        _ => None,
    };
    drop(w);
    super::events::send(outgoing);
    axum::Json(json!({"ok": true})).into_response()
}

/// Query of `/_emulator/notifications` and `/_emulator/code`.
#[derive(Debug, Deserialize)]
pub struct PortalQuery {
    /// Portal.
    pub member_id: Option<String>,
}

/// `GET /_emulator/notifications[?member_id=]`: what `im.notify.system.add` delivered.
pub async fn notifications(
    State(emu): State<Emulator>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<PortalQuery>,
) -> Response {
    if let Err(r) = local_only(peer) {
        return *r;
    }
    let w = emu.world.lock().await;
    let list: Vec<_> =
        w.notifications.iter().filter(|n| q.member_id.as_ref().is_none_or(|m| *m == n.member_id)).collect();
    axum::Json(json!(list)).into_response()
}

/// `POST /_emulator/code?member_id=`: an authorization code, as the portal's authorize step gives.
pub async fn code(
    State(emu): State<Emulator>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<PortalQuery>,
) -> Response {
    if let Err(r) = local_only(peer) {
        return *r;
    }
    let now = emu.now();
    let mut w = emu.world.lock().await;
    let Some(member_id) = q.member_id.filter(|m| w.portals.contains_key(m)) else {
        return (StatusCode::NOT_FOUND, axum::Json(json!({"error": "no such portal"}))).into_response();
    };
    let code = mint();
    w.codes.insert(code.clone(), super::state::AuthCode { member_id, expires_at: now + Duration::seconds(30) });
    axum::Json(json!({"code": code})).into_response()
}

/// `GET /_emulator/portals`: each portal's state, without tokens.
pub async fn portals(State(emu): State<Emulator>, ConnectInfo(peer): ConnectInfo<SocketAddr>) -> Response {
    if let Err(r) = local_only(peer) {
        return *r;
    }
    let w = emu.world.lock().await;
    let mut list: Vec<_> = w
        .portals
        .values()
        .map(|p| {
            json!({
                "member_id": p.spec.member_id, "domain": p.spec.domain, "status": p.spec.status,
                "uninstalled": p.spec.uninstalled, "stopped": p.spec.stopped,
                "placements": p.bindings.iter().map(|b| b.placement.clone()).collect::<Vec<_>>(),
                "missing_methods": p.missing.iter().cloned().collect::<Vec<_>>(), "faults": p.faults,
            })
        })
        .collect();
    list.sort_by(|a, b| a["domain"].as_str().cmp(&b["domain"].as_str()));
    axum::Json(json!({"portals": list, "refreshes": w.refreshes})).into_response()
}

/// `POST /_emulator/bot_message` with a JSON [`super::imbot::UserMessage`]: a portal user writes
/// to the app's bot, and the portal posts `ONIMBOTV2MESSAGEADD` to the bot's webhook. Unlike
/// the application events this waits for the handler, so a test reads its answer.
pub async fn bot_message(
    State(emu): State<Emulator>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    axum::Json(m): axum::Json<super::imbot::UserMessage>,
) -> Response {
    if let Err(r) = local_only(peer) {
        return *r;
    }
    let now = emu.now();
    let base = emu.base_url().to_owned();
    let out = {
        let mut w = emu.world.lock().await;
        super::imbot::message_event(&mut w, &m, &base, now)
    };
    let out = match out {
        Ok(o) => o,
        Err(why) => return (StatusCode::NOT_FOUND, axum::Json(json!({"error": why}))).into_response(),
    };
    match super::events::post_now(&out).await {
        Ok((status, body)) => axum::Json(json!({"delivered": true, "status": status, "answer": body})).into_response(),
        Err(why) => (StatusCode::BAD_GATEWAY, axum::Json(json!({"delivered": false, "error": why}))).into_response(),
    }
}

/// `GET /_emulator/bot_sent[?member_id=]`: what the bots sent with `imbot.v2.Chat.Message.send`.
pub async fn bot_sent(
    State(emu): State<Emulator>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<PortalQuery>,
) -> Response {
    if let Err(r) = local_only(peer) {
        return *r;
    }
    let w = emu.world.lock().await;
    let list: Vec<_> = w.bot_sent.iter().filter(|s| q.member_id.as_ref().is_none_or(|m| *m == s.member_id)).collect();
    axum::Json(json!({"sent": list, "bots": w.bots})).into_response()
}
