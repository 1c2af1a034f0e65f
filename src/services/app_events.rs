//! Bitrix24's application events: ONAPPINSTALL, ONAPPUNINSTALL, ONAPPPAYMENT and
//! ONAPPMETHODCONFIRM, posted form-encoded (`event`, `data[…]`, `auth[…]`, `ts`) to the handler
//! set in the app card or by `event.bind`, or forwarded verbatim by the app's own handler.
//!
//! Bitrix24 never resends an event, so each is applied once and audited. The only proof an event
//! is real is `auth[application_token]`, first delivered with ONAPPINSTALL: every other event
//! must carry the stored one. An install for a portal b24ops already holds tokens for, with
//! another token, is believed only when the trusted `app.info` on the OAuth server confirms the
//! event's access token belongs to that portal — a forged install must not replace real tokens.

use chrono::{DateTime, Duration, Utc};

use super::tokens::TokenService;
use crate::model::{AppStatus, MemberId, Secret};
use crate::store::{AppEvent, EventOutcome, InstallTokens, NewAudit, StoreError};

/// Why an event was not applied.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// The body is not a Bitrix24 event b24ops understands.
    #[error("{0}")]
    Malformed(String),
    /// The application_token does not prove the event (401).
    #[error("{0}")]
    Unauthorized(String),
    /// Read-only mode.
    #[error("refused: b24ops is in read-only mode")]
    ReadOnly,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An event as posted.
#[derive(Clone, Debug)]
pub struct PostedEvent {
    /// `event`, upper case.
    pub name: String,
    /// `auth[member_id]`.
    pub member_id: MemberId,
    /// `auth[application_token]`.
    pub application_token: Option<Secret>,
    /// What it changes.
    pub event: AppEvent,
}

/// What an accepted event did, for the answer.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Accepted {
    /// The event's name.
    pub event: String,
    /// The portal.
    pub member_id: String,
    /// An install's tokens were stored.
    pub tokens_stored: bool,
}

/// Reads the form fields of an event. Unknown events are refused by name (a handler bound to
/// other events should not point here).
pub fn parse_event(fields: &[(String, String)], now: DateTime<Utc>) -> Result<PostedEvent, EventError> {
    let get = |k: &str| fields.iter().find(|(key, _)| key == k).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
    let bad = |m: String| EventError::Malformed(m);
    let name = get("event").ok_or_else(|| bad("no `event` field: not a Bitrix24 event".into()))?.to_ascii_uppercase();
    let member = get("auth[member_id]").ok_or_else(|| bad(format!("{name} without auth[member_id]")))?;
    let member_id = MemberId::parse(member).map_err(|e| bad(format!("auth[member_id]: {e}")))?;
    let application_token = get("auth[application_token]").map(Secret::new);
    let status = get("auth[status]").and_then(AppStatus::from_code);
    let event = match name.as_str() {
        "ONAPPINSTALL" => {
            let raw = get("auth[domain]").ok_or_else(|| bad("ONAPPINSTALL without auth[domain]".into()))?;
            let domain = crate::store::domain_of(&format!("https://{}/rest/", bare_host(raw)))
                .ok_or_else(|| bad(format!("auth[domain] {raw:?} is not a domain")))?;
            let tokens = match (get("auth[access_token]"), get("auth[refresh_token]")) {
                (Some(access), Some(refresh)) => {
                    let expires_in = get("auth[expires_in]").and_then(|v| v.parse::<i64>().ok()).unwrap_or(3600);
                    Some(InstallTokens {
                        access_token: Secret::new(access),
                        refresh_token: Secret::new(refresh),
                        access_expires_at: now + Duration::seconds(expires_in.clamp(60, 86_400)),
                        client_endpoint: get("auth[client_endpoint]")
                            .map(str::to_owned)
                            .unwrap_or_else(|| format!("https://{domain}/rest/")),
                        server_endpoint: get("auth[server_endpoint]").unwrap_or("").to_owned(),
                        scope: get("auth[scope]").unwrap_or("").to_owned(),
                    })
                }
                _ => None,
            };
            let application_token =
                application_token.clone().ok_or_else(|| bad("ONAPPINSTALL without auth[application_token]".into()))?;
            AppEvent::Install { domain, tokens, application_token, status }
        }
        "ONAPPUNINSTALL" => AppEvent::Uninstall,
        "ONAPPPAYMENT" => AppEvent::Payment {
            status: get("data[STATUS]").and_then(AppStatus::from_code).or(status),
            expired: get("data[PAYMENT_EXPIRED]").is_some_and(|v| v.eq_ignore_ascii_case("Y")),
            days: get("data[DAYS]").and_then(|v| v.parse().ok()),
        },
        "ONAPPMETHODCONFIRM" => AppEvent::MethodConfirm {
            method: get("data[METHOD]")
                .ok_or_else(|| bad("ONAPPMETHODCONFIRM without data[METHOD]".into()))?
                .to_owned(),
            confirmed: get("data[CONFIRMED]").is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("Y")),
        },
        other => {
            return Err(bad(format!(
                "event {other} is not one b24ops handles (ONAPPINSTALL, ONAPPUNINSTALL, ONAPPPAYMENT, ONAPPMETHODCONFIRM)"
            )));
        }
    };
    Ok(PostedEvent { name, member_id, application_token, event })
}

/// `acme.bitrix24.com` from `acme.bitrix24.com`, `https://acme.bitrix24.com/` and the like.
fn bare_host(raw: &str) -> &str {
    let s = raw.trim();
    let s = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")).unwrap_or(s);
    s.split('/').next().unwrap_or(s)
}

/// Compares two secrets in constant time.
pub fn same(a: &Secret, b: &Secret) -> bool {
    let (a, b) = (a.expose().as_bytes(), b.expose().as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks and applies one posted event.
pub async fn accept(tokens: &TokenService, posted: PostedEvent, read_only: bool) -> Result<Accepted, EventError> {
    if read_only {
        return Err(EventError::ReadOnly);
    }
    let store = tokens.store();
    let stored = store.application_token(&posted.member_id).await?;
    let member = posted.member_id.as_str().to_owned();
    let matches = match (&stored, &posted.application_token) {
        (Some(s), Some(p)) => same(s, p),
        _ => false,
    };
    match &posted.event {
        AppEvent::Install { tokens: install, .. } => {
            let known = store.portal_credentials(&posted.member_id).await?.is_some_and(|c| c.uninstalled_at.is_none());
            if known && !matches {
                // Reinstalled without the uninstall reaching us, or forged: ask the OAuth server.
                let access = install.as_ref().map(|t| t.access_token.clone());
                let confirmed = match access {
                    Some(a) => tokens.trusted_member_of(&a).await.ok().flatten().as_deref() == Some(member.as_str()),
                    None => false,
                };
                if !confirmed {
                    return Err(EventError::Unauthorized(format!(
                        "ONAPPINSTALL for {member}, which b24ops already holds, with another application_token that the OAuth server did not confirm: refused, nothing changed"
                    )));
                }
            }
        }
        _ if !matches => {
            return Err(EventError::Unauthorized(format!(
                "{} for {member}: {} application_token: refused, nothing changed",
                posted.name,
                if stored.is_none() { "no stored" } else { "a wrong" }
            )));
        }
        _ => {}
    }
    let now = tokens.now();
    let after = match &posted.event {
        AppEvent::Install { domain, tokens: t, .. } => {
            format!("installed on {domain}{}", if t.is_some() { " with tokens" } else { "" })
        }
        AppEvent::Uninstall => "uninstalled".into(),
        AppEvent::Payment { status, expired, days } => format!(
            "payment: status {}, expired {}, days {}",
            status.map(|s| s.code()).unwrap_or("?"),
            if *expired { "Y" } else { "N" },
            days.map(|d| d.to_string()).unwrap_or_else(|| "?".into())
        ),
        AppEvent::MethodConfirm { method, confirmed } => {
            format!("method {method} {}", if *confirmed { "confirmed" } else { "denied" })
        }
        AppEvent::Status { status } => format!("status {}", status.code()),
    };
    let audit = NewAudit {
        ts: now,
        operator: "bitrix24".into(),
        action: format!("event.{}", posted.name.trim_start_matches("ONAPP").to_ascii_lowercase()),
        target: format!("portal {member}"),
        member_id: Some(member.clone()),
        before: None,
        after: Some(after),
    };
    let EventOutcome { tokens_stored } = store.apply_app_event(&posted.member_id, &posted.event, now, &audit).await?;
    tracing::info!(member_id = member.as_str(), event = posted.name.as_str(), tokens_stored, "application event");
    Ok(Accepted { event: posted.name, member_id: member, tokens_stored })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn an_install_reads_the_portal_domain_from_auth_not_the_oauth_server() {
        let now = Utc::now();
        let e = parse_event(
            &form(&[
                ("event", "ONAPPINSTALL"),
                ("auth[member_id]", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
                ("auth[domain]", "Acme.Bitrix24.com"),
                ("auth[access_token]", "A"),
                ("auth[refresh_token]", "R"),
                ("auth[application_token]", "T"),
                ("auth[server_endpoint]", "https://oauth.bitrix.info/rest/"),
            ]),
            now,
        )
        .expect("an install");
        let AppEvent::Install { domain, tokens, .. } = e.event else { panic!("not an install") };
        assert_eq!(domain, "acme.bitrix24.com");
        assert_eq!(tokens.map(|t| t.client_endpoint).as_deref(), Some("https://acme.bitrix24.com/rest/"));
    }

    #[test]
    fn unknown_and_incomplete_events_are_refused_by_name() {
        let now = Utc::now();
        let no_member = parse_event(&form(&[("event", "ONAPPUNINSTALL")]), now).unwrap_err().to_string();
        assert!(no_member.contains("auth[member_id]"), "{no_member}");
        let other = parse_event(
            &form(&[("event", "ONCRMDEALADD"), ("auth[member_id]", "0a1b2c3d4e5f60718293a4b5c6d7e8f9")]),
            now,
        )
        .unwrap_err()
        .to_string();
        assert!(other.contains("ONCRMDEALADD"), "{other}");
    }

    #[test]
    fn payment_reads_expired_and_days() {
        let e = parse_event(
            &form(&[
                ("event", "ONAPPPAYMENT"),
                ("auth[member_id]", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
                ("data[STATUS]", "P"),
                ("data[PAYMENT_EXPIRED]", "Y"),
                ("data[DAYS]", "-3"),
            ]),
            Utc::now(),
        )
        .expect("a payment");
        assert!(matches!(e.event, AppEvent::Payment { status: Some(AppStatus::Paid), expired: true, days: Some(-3) }));
    }
}
