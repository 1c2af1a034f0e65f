//! `b24ops tokens reconcile`: Bitrix24 never resends an application event, so a missed
//! ONAPPUNINSTALL or ONAPPPAYMENT leaves b24ops believing the wrong thing. Reconcile asks the
//! trusted `app.info` on the OAuth server about each live portal, paced, and repairs what the
//! answers prove: an app that is no longer installed, a status that changed, a subscription
//! that must be paid. What it cannot tell it says, and changes nothing.

use std::time::Duration;

use serde::Serialize;

use super::tasks::Actor;
use super::tokens::{TokenError, TokenService};
use crate::bitrix::ErrorKind;
use crate::model::{AppStatus, MemberId};
use crate::store::{AppEvent, NewAudit};

/// Portals read per page while reconciling.
const PAGE: i64 = 500;

/// What reconcile found for one portal.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reconciled {
    /// The portal.
    pub member_id: String,
    /// What the OAuth server said, and what b24ops did about it.
    pub finding: String,
    /// Whether b24ops changed anything.
    pub repaired: bool,
}

impl TokenService {
    /// Reconciles every live portal; `refresh_expired` refreshes an expired access token first
    /// (otherwise such a portal is reported as not checked). Refused in read-only mode.
    pub async fn reconcile(
        &self,
        actor: &Actor,
        refresh_expired: bool,
        pace: Duration,
        mut each: impl FnMut(&Reconciled),
    ) -> Result<Vec<Reconciled>, TokenError> {
        if actor.read_only {
            return Err(TokenError::ReadOnly);
        }
        let mut out = Vec::new();
        let mut after = String::new();
        loop {
            let page = self.store().portals_after(&after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.member_id.as_str().to_owned();
            for p in page.iter().filter(|p| p.uninstalled_at.is_none()) {
                if !out.is_empty() {
                    tokio::time::sleep(pace).await;
                }
                let r = self.reconcile_one(actor, &p.member_id, p.app_status, refresh_expired).await?;
                each(&r);
                out.push(r);
            }
        }
        Ok(out)
    }

    async fn reconcile_one(
        &self,
        actor: &Actor,
        member_id: &MemberId,
        stored_status: Option<AppStatus>,
        refresh_expired: bool,
    ) -> Result<Reconciled, TokenError> {
        let finding = |finding: String, repaired: bool| Reconciled {
            member_id: member_id.as_str().to_owned(),
            finding,
            repaired,
        };
        let now = self.now();
        let Some(mut creds) = self.store().portal_credentials(member_id).await? else {
            return Ok(finding("gone from the token table".into(), false));
        };
        if creds.access_expires_at.is_some_and(|t| t <= now) {
            if !refresh_expired {
                return Ok(finding(
                    "not checked: the access token expired (--refresh to refresh it first)".into(),
                    false,
                ));
            }
            let outcome = self.refresh(actor, member_id).await?;
            if !outcome.is_alive() {
                return Ok(finding(format!("not checked: {}", outcome.describe(|t| t.to_rfc3339())), false));
            }
            match self.store().portal_credentials(member_id).await? {
                Some(c) => creds = c,
                None => return Ok(finding("gone from the token table".into(), false)),
            }
        }
        let audit = |after: String| NewAudit {
            ts: now,
            operator: actor.operator.clone(),
            action: "token.reconcile".into(),
            target: format!("portal {}", member_id.as_str()),
            member_id: Some(member_id.as_str().to_owned()),
            before: None,
            after: Some(after),
        };
        match self.trusted_app_info(&creds.access_token).await {
            Ok(info) if info.member_id.as_deref().is_some_and(|m| m != member_id.as_str()) => Ok(finding(
                format!(
                    "the OAuth server says this token belongs to {}; nothing changed",
                    info.member_id.unwrap_or_default()
                ),
                false,
            )),
            Ok(info) => {
                let status = info.status.as_deref().and_then(AppStatus::from_code);
                if let Some(status) = status.filter(|s| Some(*s) != stored_status) {
                    let what = format!(
                        "status {} → {} (trusted app.info)",
                        stored_status.map(|s| s.code()).unwrap_or("?"),
                        status.code()
                    );
                    self.store()
                        .apply_app_event(member_id, &AppEvent::Status { status }, now, &audit(what.clone()))
                        .await?;
                    return Ok(finding(what, true));
                }
                let installed = if info.installed == Some(false) { "; installation not finished" } else { "" };
                Ok(finding(
                    format!("installed, status {}{installed}", info.status.unwrap_or_else(|| "?".into())),
                    false,
                ))
            }
            // A token that has not expired, refused as unknown: the app's access was revoked,
            // which is what an uninstall does.
            Err(TokenError::Bitrix(e)) if matches!(e.kind, ErrorKind::InvalidToken | ErrorKind::AppNotInstalled) => {
                let what = format!("uninstalled (trusted app.info: {}); the ONAPPUNINSTALL was missed", e.code);
                self.store().apply_app_event(member_id, &AppEvent::Uninstall, now, &audit(what.clone())).await?;
                Ok(finding(what, true))
            }
            Err(TokenError::Bitrix(e)) if e.kind == ErrorKind::PaymentRequired => {
                Ok(finding(format!("payment required ({}): the subscription must be paid", e.code), false))
            }
            Err(TokenError::Bitrix(e)) => Ok(finding(format!("could not tell: {e}"), false)),
            Err(e) => Err(e),
        }
    }
}
