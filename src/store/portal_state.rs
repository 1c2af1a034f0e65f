//! `b24ops_portal_state`: b24ops's own facts about a portal, and what Bitrix24's application
//! events (install, uninstall, payment, method confirmation) change.
//!
//! The state table never holds a token. When the app's own table is mapped, an install writes
//! the tokens there (only when the mapping is writable) and everything else here.

use super::audit::{NewAudit, insert_audit};
use super::codec::{ms, raw_text};
use super::portal_source::{TimeValue, bind_columns, set_list};
use super::{Dialect, Store, StoreError, StoreResult};
use crate::model::{AppStatus, MemberId, Secret};
use chrono::{DateTime, Utc};

/// A value for one state column (NULL clears it).
#[derive(Clone, Debug)]
pub(crate) enum StateValue {
    Text(Option<String>),
    Int(Option<i64>),
}

/// The error for a write to a mapped table the operator has not opened for writing.
pub(crate) fn read_only_mapping(table: &str) -> StoreError {
    StoreError::Refused(format!(
        "the app's table {table} is mapped read-only: set [portals] writable = true to let b24ops store tokens in it"
    ))
}

/// Sets `values` on the portal's state row, creating it when missing.
pub(crate) async fn upsert_state<'c, E>(
    d: Dialect,
    executor: E,
    member_id: &str,
    now: DateTime<Utc>,
    values: &[(&str, StateValue)],
) -> StoreResult<()>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let cols: Vec<&str> = values.iter().map(|(c, _)| *c).collect();
    let set = match d {
        Dialect::MySql => {
            let mut s: Vec<String> = cols.iter().map(|c| format!("{c} = VALUES({c})")).collect();
            s.push("updated_at = VALUES(updated_at)".into());
            format!("ON DUPLICATE KEY UPDATE {}", s.join(", "))
        }
        _ => {
            let mut s: Vec<String> = cols.iter().map(|c| format!("{c} = excluded.{c}")).collect();
            s.push("updated_at = excluded.updated_at".into());
            format!("ON CONFLICT (member_id) DO UPDATE SET {}", s.join(", "))
        }
    };
    let marks = vec!["?"; cols.len() + 2].join(", ");
    let prefix = if cols.is_empty() { String::new() } else { format!("{}, ", cols.join(", ")) };
    let sql =
        d.sql_owned(format!("INSERT INTO b24ops_portal_state (member_id, {prefix}updated_at) VALUES ({marks}) {set}"));
    let mut q = sqlx::query(&sql).bind(member_id.to_owned());
    for (_, v) in values {
        q = match v {
            StateValue::Text(t) => q.bind(t.clone()),
            StateValue::Int(i) => q.bind(*i),
        };
    }
    q.bind(ms(now)).execute(executor).await?;
    Ok(())
}

/// The tokens an ONAPPINSTALL carries.
#[derive(Clone, Debug)]
pub struct InstallTokens {
    /// The access token.
    pub access_token: Secret,
    /// The refresh token.
    pub refresh_token: Secret,
    /// When the access token expires.
    pub access_expires_at: DateTime<Utc>,
    /// `auth[client_endpoint]`.
    pub client_endpoint: String,
    /// `auth[server_endpoint]`.
    pub server_endpoint: String,
    /// `auth[scope]`.
    pub scope: String,
}

/// What one application event changes, already checked by the caller.
#[derive(Clone, Debug)]
pub enum AppEvent {
    /// ONAPPINSTALL: the app is (again) on the portal.
    Install {
        /// The portal's domain, from `auth[domain]`.
        domain: String,
        /// The tokens, when the event carried them.
        tokens: Option<InstallTokens>,
        /// `auth[application_token]`.
        application_token: Secret,
        /// `auth[status]`.
        status: Option<AppStatus>,
    },
    /// ONAPPUNINSTALL: all API access was revoked.
    Uninstall,
    /// ONAPPPAYMENT: the app's paid status changed.
    Payment {
        /// `data[STATUS]`.
        status: Option<AppStatus>,
        /// `data[PAYMENT_EXPIRED]` = Y.
        expired: bool,
        /// `data[DAYS]`.
        days: Option<i64>,
    },
    /// The app's status as the trusted `app.info` reports it (reconcile).
    Status {
        /// The status letter.
        status: AppStatus,
    },
    /// ONAPPMETHODCONFIRM: an admin decided on a method that waited for confirmation.
    MethodConfirm {
        /// `data[METHOD]`.
        method: String,
        /// `data[CONFIRMED]` = 1.
        confirmed: bool,
    },
}

/// What applying an event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventOutcome {
    /// The install's tokens were stored (false: a read-only mapping, or no tokens in the event).
    pub tokens_stored: bool,
}

impl Store {
    /// The application_token b24ops knows for a portal (the mapped column first, then its own).
    pub async fn application_token(&self, member_id: &MemberId) -> StoreResult<Option<Secret>> {
        let src = self.portal_source();
        let d = self.dialect();
        let own = d.text("s.application_token");
        let expr = match src.mapped().and_then(|m| m.application_token.as_ref()) {
            Some(col) => format!("COALESCE({}, {own})", d.text(&format!("t.{col}"))),
            None => own,
        };
        // The state row may exist for a portal the token table does not hold (yet): read both.
        let sql = d.sql_owned(format!(
            "SELECT {expr} AS application_token FROM {} WHERE {} = ?
             UNION ALL SELECT {} AS application_token FROM b24ops_portal_state s WHERE s.member_id = ?",
            src.joined_rows(),
            src.member_col(),
            d.text("s.application_token"),
        ));
        let rows = sqlx::query(&sql).bind(member_id.as_str()).bind(member_id.as_str()).fetch_all(self.pool()).await?;
        for r in &rows {
            if let Some(t) = raw_text(r, "application_token")?.filter(|t| !t.is_empty()) {
                return Ok(Some(Secret::new(t)));
            }
        }
        Ok(None)
    }

    /// Applies an accepted application event and its audit row in one transaction.
    pub async fn apply_app_event(
        &self,
        member_id: &MemberId,
        event: &AppEvent,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<EventOutcome> {
        let d = self.dialect();
        let mapped = self.portal_source().is_mapped();
        let mut tx = self.begin_write().await?;
        let mut outcome = EventOutcome { tokens_stored: false };
        let member = member_id.as_str();
        let status_text = |s: &Option<AppStatus>| StateValue::Text(s.map(|s| s.code().to_owned()));
        match event {
            AppEvent::Install { domain, tokens, application_token, status } => {
                if let Some(t) = tokens {
                    outcome.tokens_stored =
                        self.store_install_tokens(&mut tx, member_id, domain, t, *status, now).await?;
                }
                let mut values = vec![
                    ("domain", StateValue::Text(Some(domain.clone()))),
                    ("application_token", StateValue::Text(Some(application_token.expose().to_owned()))),
                    ("installed_at", StateValue::Int(Some(ms(now)))),
                    ("uninstalled_at", StateValue::Int(None)),
                    ("refresh_blocked", StateValue::Text(None)),
                ];
                if mapped {
                    values.push(("app_status", status_text(status)));
                    values.push(("last_refresh_error", StateValue::Text(None)));
                }
                upsert_state(d, &mut *tx, member, now, &values).await?;
            }
            AppEvent::Uninstall => {
                if !mapped {
                    let sql = d.sql(
                        "UPDATE b24ops_portals SET uninstalled_at = COALESCE(uninstalled_at, ?), version = version + 1, updated_at = ?
                         WHERE member_id = ?",
                    );
                    sqlx::query(&sql).bind(ms(now)).bind(ms(now)).bind(member).execute(&mut *tx).await?;
                }
                upsert_state(d, &mut *tx, member, now, &[("uninstalled_at", StateValue::Int(Some(ms(now))))]).await?;
            }
            AppEvent::Payment { status, expired, days } => {
                if !mapped && status.is_some() {
                    let sql = d.sql(
                        "UPDATE b24ops_portals SET app_status = ?, version = version + 1, updated_at = ? WHERE member_id = ?",
                    );
                    let code = status.map(|s| s.code());
                    sqlx::query(&sql).bind(code).bind(ms(now)).bind(member).execute(&mut *tx).await?;
                }
                let mut values = vec![
                    ("payment_expired", StateValue::Int(Some(i64::from(*expired)))),
                    ("payment_days", StateValue::Int(*days)),
                    ("payment_at", StateValue::Int(Some(ms(now)))),
                ];
                if mapped && status.is_some() {
                    values.push(("app_status", status_text(status)));
                }
                if !*expired {
                    // Paid again: tokens may be issued, so refresh may run.
                    values.push(("refresh_blocked", StateValue::Text(None)));
                }
                upsert_state(d, &mut *tx, member, now, &values).await?;
            }
            AppEvent::Status { status } => {
                if mapped {
                    upsert_state(d, &mut *tx, member, now, &[("app_status", status_text(&Some(*status)))]).await?;
                } else {
                    let sql = d.sql(
                        "UPDATE b24ops_portals SET app_status = ?, version = version + 1, updated_at = ? WHERE member_id = ?",
                    );
                    sqlx::query(&sql).bind(status.code()).bind(ms(now)).bind(member).execute(&mut *tx).await?;
                }
            }
            AppEvent::MethodConfirm { method, confirmed } => {
                let decision = if *confirmed { "confirmed" } else { "denied" };
                upsert_state(
                    d,
                    &mut *tx,
                    member,
                    now,
                    &[
                        ("confirm_method", StateValue::Text(Some(method.clone()))),
                        ("confirm_decision", StateValue::Text(Some(decision.into()))),
                        ("confirm_at", StateValue::Int(Some(ms(now)))),
                    ],
                )
                .await?;
            }
        }
        insert_audit(d, &mut *tx, audit).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Writes an install's tokens: an upsert of `b24ops_portals`, or the app's row (updated, or
    /// inserted with the mapped columns) when the mapping is writable. False when not written.
    async fn store_install_tokens(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        member_id: &MemberId,
        domain: &str,
        t: &InstallTokens,
        status: Option<AppStatus>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let d = self.dialect();
        let Some(m) = self.portal_source().mapped() else {
            let rec = super::PortalRecord {
                member_id: member_id.as_str().to_owned(),
                domain: domain.to_owned(),
                client_endpoint: t.client_endpoint.clone(),
                server_endpoint: t.server_endpoint.clone(),
                access_token: t.access_token.expose().to_owned(),
                access_expires_at: t.access_expires_at,
                refresh_token: t.refresh_token.expose().to_owned(),
                refresh_issued_at: now,
                scope: t.scope.clone(),
                app_status: status.unwrap_or(AppStatus::Free),
                installed_at: now,
                uninstalled_at: None,
                last_seen_at: None,
                last_refresh_error: None,
            };
            self.upsert_portal_in(&mut **tx, &rec, now).await?;
            return Ok(true);
        };
        if !m.writable {
            return Ok(false);
        }
        let mut cols = m.pair_columns(d, t.access_token.expose(), t.refresh_token.expose(), t.access_expires_at, now);
        let text = |c: &Option<String>, v: &str| c.as_ref().map(|c| (c.clone(), TimeValue::Text(v.to_owned()), "?"));
        cols.extend(text(&m.domain, domain));
        cols.extend(text(&m.client_endpoint, &t.client_endpoint));
        cols.extend(text(&m.server_endpoint, &t.server_endpoint));
        cols.extend(text(&m.scope, &t.scope));
        if let Some(s) = status {
            cols.extend(text(&m.status, s.code()));
        }
        let update = d.sql_owned(format!("UPDATE {} SET {} WHERE {} = ?", m.table, set_list(&cols), m.member));
        if bind_columns(&update, &cols, &[member_id.as_str()]).execute(&mut **tx).await?.rows_affected() > 0 {
            return Ok(true);
        }
        let names: Vec<&str> = cols.iter().map(|(c, _, _)| c.as_str()).collect();
        let marks: Vec<&str> = cols.iter().map(|(_, _, p)| *p).collect();
        let insert = d.sql_owned(format!(
            "INSERT INTO {} ({}, {}) VALUES ({}, ?)",
            m.table,
            names.join(", "),
            m.member,
            marks.join(", ")
        ));
        bind_columns(&insert, &cols, &[member_id.as_str()]).execute(&mut **tx).await.map_err(|e| {
            StoreError::Refused(format!(
                "the app's table {} would not take a new portal ({e}); let the app's own install handler create the row",
                m.table
            ))
        })?;
        Ok(true)
    }

    /// When the portal's state says an admin last decided on a method, and what.
    pub async fn method_confirmation(&self, member_id: &MemberId) -> StoreResult<Option<(String, String)>> {
        let d = self.dialect();
        let sql = d.sql_owned(format!(
            "SELECT {} AS method, {} AS decision FROM b24ops_portal_state WHERE member_id = ?",
            d.text("confirm_method"),
            d.text("confirm_decision")
        ));
        let Some(r) = sqlx::query(&sql).bind(member_id.as_str()).fetch_optional(self.pool()).await? else {
            return Ok(None);
        };
        Ok(match (raw_text(&r, "method")?, raw_text(&r, "decision")?) {
            (Some(m), Some(dec)) => Some((m, dec)),
            _ => None,
        })
    }
}
