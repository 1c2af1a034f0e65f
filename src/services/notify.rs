//! Telling a portal's admin that the app's connection is about to die, through
//! `im.notify.system.add` on the portal itself. Audited.

use serde::Serialize;
use serde_json::json;

use super::tasks::Actor;
use super::tokens::{TokenError, TokenService};
use crate::model::MemberId;
use crate::rules::diagnosis;
use crate::store::NewAudit;

/// What was sent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Notified {
    /// The portal.
    pub member_id: String,
    /// The user notified (the admin the app's token belongs to).
    pub user_id: i64,
    /// Whether that user is a portal administrator.
    pub admin: bool,
    /// The text sent.
    pub message: String,
}

/// Sends the configured notice to the portal's admin: the user whose token the app holds (the
/// one who installed or last opened it), checked with `profile`.
pub async fn notify(
    tokens: &TokenService,
    actor: &Actor,
    member_id: &MemberId,
    template: &str,
    app_name: &str,
) -> Result<Notified, TokenError> {
    if actor.read_only {
        return Err(TokenError::ReadOnly);
    }
    let now = tokens.now();
    let portal =
        tokens.store().portal(member_id).await?.ok_or_else(|| TokenError::NoPortal(member_id.as_str().to_owned()))?;
    let state = tokens.policy().classify_portal(&portal, now);
    let message = diagnosis::fill(
        template,
        &[
            ("app", if app_name.is_empty() { "Our app".to_owned() } else { app_name.to_owned() }),
            ("domain", portal.domain.as_str().to_owned()),
            ("member_id", member_id.as_str().to_owned()),
            ("days", state.days_left.map(|d| d.max(0).to_string()).unwrap_or_else(|| "a few".into())),
            ("expires", state.expires_at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_else(|| "soon".into())),
        ],
    );
    let me = tokens.call(actor, member_id, "profile", &json!({})).await?;
    let user_id =
        me.result["ID"].as_i64().or_else(|| me.result["ID"].as_str().and_then(|s| s.parse().ok())).unwrap_or(1);
    let admin = me.result["ADMIN"].as_bool().unwrap_or(false);
    tokens
        .call(
            actor,
            member_id,
            "im.notify.system.add",
            &json!({"USER_ID": user_id, "MESSAGE": message, "TAG": "b24ops-token"}),
        )
        .await?;
    tokens
        .store()
        .append_audit(&NewAudit {
            ts: now,
            operator: actor.operator.clone(),
            action: "token.notify".into(),
            target: format!("portal {}", member_id.as_str()),
            member_id: Some(member_id.as_str().to_owned()),
            before: None,
            after: Some(format!("notified user {user_id}{}", if admin { " (admin)" } else { "" })),
        })
        .await?;
    Ok(Notified { member_id: member_id.as_str().to_owned(), user_id, admin, message })
}
