//! Where alert notices go: a generic JSON webhook, a Slack-compatible webhook, a Telegram bot, or
//! `im.message.add` in the vendor's own Bitrix24 through an incoming webhook. Each notice carries a
//! stable id so a receiver can drop duplicates; URLs and tokens never reach a log line.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::Secret;
use crate::rules::alerts::{AlertState, NoticeKind, Severity};

/// The Telegram Bot API.
pub const TELEGRAM_API: &str = "https://api.telegram.org";

/// One notice.
#[derive(Clone, Debug, Serialize)]
pub struct Notice {
    /// Stable across retries: rule, key, when it started firing, and the kind.
    pub id: String,
    /// firing or resolved.
    pub kind: NoticeKind,
    /// The rule.
    pub rule: String,
    /// How bad.
    pub severity: Severity,
    /// What it is about.
    pub key: String,
    /// A line for people.
    pub summary: String,
    /// The portals concerned.
    pub portals: Vec<String>,
    /// When it started firing.
    pub since: DateTime<Utc>,
    /// When this notice was made.
    pub at: DateTime<Utc>,
}

impl Notice {
    /// The notice for `state`.
    pub fn of(state: &AlertState, kind: NoticeKind, at: DateTime<Utc>) -> Self {
        let k = if kind == NoticeKind::Firing { "firing" } else { "resolved" };
        Notice {
            id: format!("{}|{}|{}|{k}", state.rule, state.key, state.since.timestamp()),
            kind,
            rule: state.rule.clone(),
            severity: state.severity,
            key: state.key.clone(),
            summary: state.summary.clone(),
            portals: state.portals.clone(),
            since: state.since,
            at,
        }
    }

    /// One line of text for chat channels.
    pub fn text(&self) -> String {
        let head = match (self.kind, self.severity) {
            (NoticeKind::Resolved, _) => "RESOLVED",
            (_, Severity::Critical) => "CRITICAL",
            (_, Severity::Warning) => "WARNING",
        };
        let portals =
            if self.portals.is_empty() { String::new() } else { format!(" — portals: {}", self.portals.join(", ")) };
        format!("[b24ops] {head} {}: {}{portals}", self.rule, self.summary)
    }
}

/// A destination.
#[derive(Clone)]
pub enum Channel {
    /// POST the notice as JSON.
    Webhook(Secret),
    /// POST `{"text": …}`.
    Slack(Secret),
    /// Telegram `sendMessage`.
    Telegram {
        /// Bot token.
        token: Secret,
        /// Chat id.
        chat_id: String,
        /// The Bot API's base URL (`https://api.telegram.org`; `B24OPS_TELEGRAM_API_BASE` points
        /// it at a local Bot API server or a stand-in).
        api_base: String,
    },
    /// Email over SMTP.
    Email {
        /// `smtp://host:25`, `smtps://user:pass@host:465`, `smtp://host:587?tls=required`.
        url: Secret,
        /// Sender.
        from: String,
        /// Recipients.
        to: Vec<String>,
    },
    /// `im.message.add` through an incoming webhook of the vendor's own portal.
    Bitrix24 {
        /// `https://vendor.bitrix24.com/rest/1/abc…/`.
        webhook: Secret,
        /// DIALOG_ID.
        dialog_id: String,
    },
}

impl Channel {
    /// A name for logs (never the URL).
    pub fn name(&self) -> &'static str {
        match self {
            Channel::Webhook(_) => "webhook",
            Channel::Slack(_) => "slack",
            Channel::Telegram { .. } => "telegram",
            Channel::Email { .. } => "email",
            Channel::Bitrix24 { .. } => "bitrix24",
        }
    }

    async fn send_once(&self, http: &reqwest::Client, n: &Notice) -> Result<(), String> {
        let req = match self {
            Channel::Email { url, from, to } => return send_email(url, from, to, n).await,
            Channel::Webhook(url) => http.post(url.expose()).json(n),
            Channel::Slack(url) => http.post(url.expose()).json(&serde_json::json!({"text": n.text()})),
            Channel::Telegram { token, chat_id, api_base } => http
                .post(format!("{}/bot{}/sendMessage", api_base.trim_end_matches('/'), token.expose()))
                .json(&serde_json::json!({"chat_id": chat_id, "text": n.text()})),
            Channel::Bitrix24 { webhook, dialog_id } => {
                let base = webhook.expose().trim_end_matches('/');
                http.post(format!("{base}/im.message.add.json"))
                    .json(&serde_json::json!({"DIALOG_ID": dialog_id, "MESSAGE": n.text()}))
            }
        };
        match req.send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("HTTP {}", r.status().as_u16())),
            // The error text may hold the URL (and so a token): keep only its kind.
            Err(e) if e.is_timeout() => Err("timed out".into()),
            Err(e) if e.is_connect() => Err("cannot connect".into()),
            Err(_) => Err("request failed".into()),
        }
    }

    /// Sends with a few quick retries; the caller retries on the next cycle after that.
    pub async fn send(
        &self,
        http: &reqwest::Client,
        n: &Notice,
        retries: u32,
        backoff: Duration,
    ) -> Result<(), String> {
        let mut last = String::new();
        for attempt in 0..=retries {
            match self.send_once(http, n).await {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
            if attempt < retries {
                tokio::time::sleep(backoff * 2u32.saturating_pow(attempt)).await;
            }
        }
        Err(last)
    }
}

async fn send_email(url: &Secret, from: &str, to: &[String], n: &Notice) -> Result<(), String> {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let mut msg = Message::builder().from(from.parse().map_err(|_| format!("email_from {from:?} is not an address"))?);
    for t in to {
        msg = msg.to(t.parse().map_err(|_| format!("email_to {t:?} is not an address"))?);
    }
    let email = msg
        .subject(n.text().chars().take(150).collect::<String>())
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(format!(
            "{}\n\nrule: {}\nseverity: {:?}\nwhat: {}\nsince: {}\nportals: {}\nid: {}\n",
            n.text(),
            n.rule,
            n.severity,
            n.key,
            n.since.format("%Y-%m-%d %H:%M UTC"),
            if n.portals.is_empty() { "—".to_owned() } else { n.portals.join(", ") },
            n.id
        ))
        .map_err(|_| "the message could not be built".to_owned())?;
    // Errors name no server and no credentials: the URL is a secret.
    let mailer = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
        .map_err(|_| "B24OPS_SMTP_URL is not an smtp:// or smtps:// URL".to_owned())?
        .timeout(Some(Duration::from_secs(15)))
        .build();
    mailer.send(email).await.map(|_| ()).map_err(|e| {
        if e.is_permanent() {
            "the SMTP server refused the message".to_owned()
        } else if e.is_transient() {
            "the SMTP server asked to try later".to_owned()
        } else {
            "cannot reach the SMTP server".to_owned()
        }
    })
}

/// The channels the environment configures.
pub fn channels_from_env(telegram_chat_id: &str, bitrix24_dialog_id: &str) -> Vec<Channel> {
    channels(telegram_chat_id, bitrix24_dialog_id, "", &[])
}

/// The channels the environment and `[watch]` configure.
pub fn channels(
    telegram_chat_id: &str,
    bitrix24_dialog_id: &str,
    email_from: &str,
    email_to: &[String],
) -> Vec<Channel> {
    let var = |k: &str| std::env::var(k).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).map(Secret::new);
    let mut out = Vec::new();
    if let Some(u) = var("B24OPS_WEBHOOK_URL") {
        out.push(Channel::Webhook(u));
    }
    if let Some(u) = var("B24OPS_SLACK_WEBHOOK_URL") {
        out.push(Channel::Slack(u));
    }
    if let Some(t) = var("B24OPS_TELEGRAM_BOT_TOKEN").filter(|_| !telegram_chat_id.is_empty()) {
        let api_base =
            var("B24OPS_TELEGRAM_API_BASE").map(|b| b.expose().to_owned()).unwrap_or_else(|| TELEGRAM_API.into());
        out.push(Channel::Telegram { token: t, chat_id: telegram_chat_id.to_owned(), api_base });
    }
    if let Some(w) = var("B24OPS_BITRIX24_WEBHOOK_URL").filter(|_| !bitrix24_dialog_id.is_empty()) {
        out.push(Channel::Bitrix24 { webhook: w, dialog_id: bitrix24_dialog_id.to_owned() });
    }
    if let Some(u) = var("B24OPS_SMTP_URL").filter(|_| !email_to.is_empty() && !email_from.is_empty()) {
        out.push(Channel::Email { url: u, from: email_from.to_owned(), to: email_to.to_vec() });
    }
    out
}
