//! Telling a portal's admin what only an admin can fix, through `im.notify.system.add` on the
//! portal itself. Audited.
//!
//! A notice is for something an admin must do while the app's tokens still work: grant a scope,
//! restore a placement, confirm a method that waits for confirmation, finish the installation,
//! or hand the integration of a dismissed installing user to another. Token refresh needs no
//! user at all (the vendor refreshes with its own keys), and a dead token can carry no notice,
//! so "open the app to keep it working" is never sent. The text is prepared first so the operator
//! reads it before anything goes out, and it goes to the user whose token the app holds — never
//! to a guessed one.

use chrono::Duration;
use serde::Serialize;
use serde_json::json;

use super::diagnose::{Diagnosis, Expectations, diagnose};
use super::tasks::Actor;
use super::tokens::{TokenError, TokenService};
use crate::bitrix::{BitrixError, ErrorKind};
use crate::model::{GroupBy, MemberId};
use crate::rules::diagnosis;
use crate::store::{ErrorWindow, NewAudit};

/// Error codes in a portal's recent calls that only its admin can clear, with what to do.
const ADMIN_FIXES: [(&str, &str); 3] = [
    ("METHOD_CONFIRM_WAITING", "a method waits for an administrator's confirmation in the Bitrix24 notifications"),
    (
        "METHOD_CONFIRM_DENIED",
        "an administrator denied a method the app needs; it can be allowed again in the app's settings",
    ),
    (
        "authorization_error",
        "the employee who installed the app is no longer active: hand the integration to the system user or reinstall the app",
    ),
];

/// A notice ready to send: what it says, to whom, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Notice {
    /// The portal.
    pub member_id: String,
    /// The user the app's token belongs to, from `profile`.
    pub user_id: i64,
    /// Whether that user is a portal administrator.
    pub admin: bool,
    /// What the admin must fix, one line each.
    pub reasons: Vec<String>,
    /// The text to send.
    pub message: String,
}

/// What was sent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Notified {
    /// The portal.
    pub member_id: String,
    /// The user notified.
    pub user_id: i64,
    /// Whether that user is a portal administrator.
    pub admin: bool,
    /// The text sent.
    pub message: String,
}

/// What an admin of the diagnosed portal must fix (empty: nothing a notice could help with).
pub fn admin_fixes(d: &Diagnosis, recent_codes: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    if d.app.ok().is_some_and(|a| !a.installed) {
        out.push("the installation was not finished: open the app once as an administrator to complete it".into());
    }
    if let Some(s) = d.scopes.ok().filter(|s| !s.missing.is_empty()) {
        out.push(format!("the app lacks the permission(s) {}: reinstall it to grant them", s.missing.join(", ")));
    }
    if let Some(p) = d.placements.ok().filter(|p| !p.missing.is_empty()) {
        out.push(format!(
            "the app's widget(s) {} were removed: reinstall the app to restore them",
            p.missing.join(", ")
        ));
    }
    for (code, what) in ADMIN_FIXES {
        if recent_codes.iter().any(|c| c.eq_ignore_ascii_case(code)) {
            out.push(what.to_owned());
        }
    }
    out
}

/// Prepares the notice for a portal's admin: diagnoses the portal, reads the last day's error
/// codes, and asks `profile` whose token the app holds. Sends nothing.
pub async fn prepare_notice(
    tokens: &TokenService,
    actor: &Actor,
    member_id: &MemberId,
    expect: &Expectations,
    template: &str,
    app_name: &str,
) -> Result<Notice, TokenError> {
    let portal =
        tokens.store().portal(member_id).await?.ok_or_else(|| TokenError::NoPortal(member_id.as_str().to_owned()))?;
    let d = diagnose(tokens, actor, member_id, expect).await?;
    let now = tokens.now();
    let window = ErrorWindow { now, window: Duration::hours(24), threshold_15m: i64::MAX };
    let codes: Vec<String> = tokens
        .store()
        .error_groups(window, GroupBy::PortalAndType, Some(member_id))
        .await?
        .into_iter()
        .filter(|g| g.last_24h > 0)
        .map(|g| g.error_type.as_str().to_owned())
        .collect();
    let reasons = admin_fixes(&d, &codes);
    if reasons.is_empty() {
        return Err(TokenError::NothingForAdmin);
    }
    let me = tokens.call(actor, member_id, "profile", &json!({})).await?;
    let user_id = me.result["ID"].as_i64().or_else(|| me.result["ID"].as_str().and_then(|s| s.parse().ok()));
    let Some(user_id) = user_id.filter(|id| *id > 0) else {
        return Err(TokenError::NoTokenUser);
    };
    let admin = me.result["ADMIN"].as_bool().unwrap_or(false);
    let message = diagnosis::fill(
        template,
        &[
            ("app", if app_name.is_empty() { "Our app".to_owned() } else { app_name.to_owned() }),
            ("domain", portal.domain.as_str().to_owned()),
            ("member_id", member_id.as_str().to_owned()),
            ("reasons", reasons.join("; ")),
        ],
    );
    Ok(Notice { member_id: member_id.as_str().to_owned(), user_id, admin, reasons, message })
}

/// Sends a prepared notice exactly as it was shown. Audited.
pub async fn send_notice(tokens: &TokenService, actor: &Actor, notice: &Notice) -> Result<Notified, TokenError> {
    if actor.read_only {
        return Err(TokenError::ReadOnly);
    }
    let member_id =
        MemberId::parse(&notice.member_id).map_err(|e| BitrixError::local(ErrorKind::Api, "notice", e.to_string()))?;
    tokens
        .call(
            actor,
            &member_id,
            "im.notify.system.add",
            &json!({"USER_ID": notice.user_id, "MESSAGE": notice.message, "TAG": "b24ops-admin"}),
        )
        .await?;
    tokens
        .store()
        .append_audit(&NewAudit {
            ts: tokens.now(),
            operator: actor.operator.clone(),
            action: "token.notify".into(),
            target: format!("portal {}", notice.member_id),
            member_id: Some(notice.member_id.clone()),
            before: None,
            after: Some(format!(
                "notified user {}{}: {}",
                notice.user_id,
                if notice.admin { " (admin)" } else { "" },
                notice.reasons.join("; ")
            )),
        })
        .await?;
    Ok(Notified {
        member_id: notice.member_id.clone(),
        user_id: notice.user_id,
        admin: notice.admin,
        message: notice.message.clone(),
    })
}
