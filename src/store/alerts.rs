//! `b24ops_alerts`: each alert's standing between evaluations (`watch`, the console).

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::audit::{NewAudit, insert_audit};
use super::codec::{ms, opt_instant, raw_text, req_instant};
use super::{Store, StoreResult};
use crate::rules::alerts::{AlertState, Severity};

const TABLE: &str = "b24ops_alerts";

impl Store {
    /// Alerts firing now, plus those that resolved since `since` (at most `limit`).
    pub async fn alert_states(&self, since: DateTime<Utc>, limit: i64) -> StoreResult<Vec<AlertState>> {
        let d = self.dialect();
        let sql = d.sql_owned(format!(
            "SELECT {rule} AS rule, {fp} AS fingerprint, {sev} AS severity, {st} AS state, first_fired_at, value,
                    {sum} AS summary, {po} AS portals, last_notified_at, resolved_at, {ack} AS acknowledged_by, snoozed_until
             FROM b24ops_alerts WHERE state = 'firing' OR last_fired_at >= ? OR resolved_at >= ?
             ORDER BY first_fired_at DESC LIMIT ?",
            rule = d.text_prefix("rule", 128),
            fp = d.text_prefix("fingerprint", 255),
            sev = d.text_prefix("severity", 16),
            st = d.text_prefix("state", 16),
            sum = d.text_prefix("summary", 1000),
            po = d.text_prefix("portals", 4000),
            ack = d.text_prefix("acknowledged_by", 128),
        ));
        let rows = sqlx::query(&sql).bind(ms(since)).bind(ms(since)).bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(decode).collect()
    }

    /// Writes one alert's standing (insert or update by rule and key).
    pub async fn save_alert(&self, s: &AlertState, now: DateTime<Utc>) -> StoreResult<()> {
        let d = self.dialect();
        let update = d.sql_owned(format!(
            "UPDATE b24ops_alerts SET severity = ?, state = ?, first_fired_at = ?, value = {f}, summary = ?, portals = ?,
                 member_id = ?, last_notified_at = ?, resolved_at = ?, acknowledged_by = ?, snoozed_until = ?, last_fired_at = ?
             WHERE rule = ? AND fingerprint = ?",
            f = d.float_param()
        ));
        let q = bind_state(sqlx::query(&update), s, now).bind(&s.rule).bind(&s.key);
        if q.execute(self.pool()).await?.rows_affected() == 0 {
            let insert = d.sql_owned(format!(
                "INSERT INTO b24ops_alerts (severity, state, first_fired_at, value, summary, portals, member_id, last_notified_at,
                     resolved_at, acknowledged_by, snoozed_until, last_fired_at, rule, fingerprint)
                 VALUES (?, ?, ?, {f}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                f = d.float_param()
            ));
            bind_state(sqlx::query(&insert), s, now).bind(&s.rule).bind(&s.key).execute(self.pool()).await?;
        }
        Ok(())
    }

    /// Acknowledges (`until` None) or snoozes an alert, audited; false when there is no such alert.
    pub async fn quiet_alert(
        &self,
        rule: &str,
        key: &str,
        operator: &str,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let d = self.dialect();
        let mut tx = self.pool().begin().await?;
        let done = match until {
            None => {
                let sql = d.sql("UPDATE b24ops_alerts SET acknowledged_by = ?, acknowledged_at = ? WHERE rule = ? AND fingerprint = ?");
                sqlx::query(&sql).bind(operator).bind(ms(now)).bind(rule).bind(key).execute(&mut *tx).await?
            }
            Some(u) => {
                let sql = d.sql("UPDATE b24ops_alerts SET snoozed_until = ? WHERE rule = ? AND fingerprint = ?");
                sqlx::query(&sql).bind(ms(u)).bind(rule).bind(key).execute(&mut *tx).await?
            }
        }
        .rows_affected()
            == 1;
        if done {
            let audit = NewAudit {
                ts: now,
                operator: operator.to_owned(),
                action: if until.is_none() { "alert.ack".into() } else { "alert.snooze".into() },
                target: format!("alert {rule}: {key}"),
                member_id: None,
                before: None,
                after: until.map(|u| format!("snoozed until {}", u.format("%Y-%m-%d %H:%M UTC"))),
            };
            insert_audit(d, &mut *tx, &audit).await?;
        }
        tx.commit().await?;
        Ok(done)
    }
}

fn bind_state<'q>(q: super::dialect::AnyQuery<'q>, s: &AlertState, now: DateTime<Utc>) -> super::dialect::AnyQuery<'q> {
    q.bind(if s.severity == Severity::Critical { "critical" } else { "warning" })
        .bind(if s.firing { "firing" } else { "resolved" })
        .bind(ms(s.since))
        .bind(s.value as f64)
        .bind(s.summary.clone())
        .bind(s.portals.join(","))
        .bind(s.portals.first().cloned())
        .bind(s.last_notified_at.map(ms))
        .bind(s.resolved_at.map(ms))
        .bind(s.acked_by.clone())
        .bind(s.snoozed_until.map(ms))
        .bind(ms(now))
}

fn decode(r: &AnyRow) -> StoreResult<AlertState> {
    let text = |c: &str| -> StoreResult<String> { Ok(raw_text(r, c)?.unwrap_or_default()) };
    Ok(AlertState {
        rule: text("rule")?,
        key: text("fingerprint")?,
        severity: if text("severity")? == "critical" { Severity::Critical } else { Severity::Warning },
        firing: text("state")? == "firing",
        since: req_instant(r, TABLE, "first_fired_at")?,
        value: r.try_get::<Option<f64>, _>("value")?.unwrap_or(0.0) as i64,
        summary: text("summary")?,
        portals: text("portals")?.split(',').filter(|p| !p.is_empty()).map(str::to_owned).collect(),
        last_notified_at: opt_instant(r, TABLE, "last_notified_at")?,
        resolved_at: opt_instant(r, TABLE, "resolved_at")?,
        acked_by: raw_text(r, "acknowledged_by")?,
        snoozed_until: opt_instant(r, TABLE, "snoozed_until")?,
    })
}
