//! A small client of the Telegram Bot API: `getUpdates` (long polling) and `sendMessage`.
//!
//! Requests as documented at <https://core.telegram.org/bots/api> ("Making requests"):
//! `POST <api_base>/bot<token>/<method>` with a JSON body. `getUpdates` takes `offset`, `limit`
//! (1–100), `timeout` (seconds of long polling) and `allowed_updates`; `sendMessage` takes
//! `chat_id` and `text` (1–4096 characters). The token is part of the URL, so no error text of the
//! HTTP client is ever passed on: they can carry the URL.

use std::time::Duration;

use serde_json::json;

use crate::model::{SafeText, Secret};
use crate::rules::telegram_updates::{ApiRefusal, Update, envelope, updates};

/// The longest text `sendMessage` takes.
pub const MESSAGE_MAX: usize = 4096;
/// Updates one `getUpdates` asks for (the documented maximum).
const BATCH: u32 = 100;
/// The largest answer read; a bigger one is refused rather than held in memory.
const ANSWER_MAX: usize = 32 * 1024 * 1024;

/// Why a Bot API call failed, in words that name no token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// The Bot API answered with an error.
    Refused(ApiRefusal),
    /// No answer: cannot connect, timed out, or the connection broke.
    Unreachable(&'static str),
    /// The answer was larger than this client reads.
    TooLarge,
}

impl ApiError {
    /// How long the Bot API asked to wait before the next call (flood control), if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ApiError::Refused(r) => r.retry_after.map(Duration::from_secs),
            _ => None,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Refused(r) => {
                let what = SafeText::line(crate::store::limits::cut(&r.description, 200));
                match r.code {
                    401 | 404 => write!(f, "the Bot API refused the bot's token ({} {what}): check the token", r.code),
                    409 => write!(
                        f,
                        "another poller or a webhook holds this bot (409 {what}): run one poller, and delete the webhook"
                    ),
                    429 => write!(f, "the Bot API asked to slow down (429 {what})"),
                    c if c >= 500 => write!(f, "the Bot API failed ({c} {what}); trying again later"),
                    c => write!(f, "the Bot API refused the call ({c} {what})"),
                }
            }
            ApiError::Unreachable(why) => write!(f, "cannot reach the Bot API ({why})"),
            ApiError::TooLarge => write!(f, "the Bot API's answer is larger than {} MB", ANSWER_MAX / 1024 / 1024),
        }
    }
}

/// One bot's connection to the Bot API.
#[derive(Clone)]
pub struct BotApi {
    http: reqwest::Client,
    base: String,
    token: Secret,
}

impl std::fmt::Debug for BotApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotApi").field("base", &self.base).field("bot", &self.bot_id()).finish_non_exhaustive()
    }
}

impl BotApi {
    /// A client of `base` for the bot with `token`; a call waits up to `poll_timeout` plus a margin
    /// (the long poll itself holds the connection that long).
    pub fn new(base: &str, token: Secret, poll_timeout: Duration) -> Result<Self, String> {
        crate::bitrix::client::install_crypto();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(poll_timeout + Duration::from_secs(15))
            .build()
            .map_err(|_| "cannot set up the HTTP client".to_owned())?;
        Ok(BotApi { http, base: base.trim().trim_end_matches('/').to_owned(), token })
    }

    /// The bot's id: the digits before the colon of its token, which are public (they are the
    /// bot's user id); the rest of the token never leaves this type.
    pub fn bot_id(&self) -> String {
        match self.token.expose().split_once(':') {
            Some((id, _)) if !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) => id.to_owned(),
            _ => "bot".to_owned(),
        }
    }

    async fn call(&self, method: &str, body: serde_json::Value) -> Result<serde_json::Value, ApiError> {
        let url = format!("{}/bot{}/{method}", self.base, self.token.expose());
        let mut answer = self.http.post(url).json(&body).send().await.map_err(|e| {
            ApiError::Unreachable(if e.is_timeout() {
                "timed out"
            } else if e.is_connect() {
                "cannot connect"
            } else {
                "the request failed"
            })
        })?;
        let status = answer.status().as_u16();
        let mut bytes = Vec::new();
        while let Some(chunk) = answer.chunk().await.map_err(|_| ApiError::Unreachable("the answer broke off"))? {
            if bytes.len() + chunk.len() > ANSWER_MAX {
                return Err(ApiError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        envelope(status, &bytes).map_err(ApiError::Refused)
    }

    /// The updates from `offset` on, waiting up to `timeout_secs` for one to arrive.
    pub async fn get_updates(&self, offset: Option<i64>, timeout_secs: u64) -> Result<Vec<Update>, ApiError> {
        let mut body = json!({"limit": BATCH, "timeout": timeout_secs, "allowed_updates": ["message"]});
        if let Some(o) = offset {
            body["offset"] = json!(o);
        }
        Ok(updates(&self.call("getUpdates", body).await?))
    }

    /// Sends `text` (cut to the documented 4096 characters) to `chat_id`.
    pub async fn send_message(&self, chat_id: &str, text: &str) -> Result<(), ApiError> {
        // A numeric chat id goes as a number, as the Bot API documents it ("Integer or String").
        let chat = chat_id.parse::<i64>().map(|n| json!(n)).unwrap_or_else(|_| json!(chat_id));
        let text = crate::store::limits::cut(text, MESSAGE_MAX);
        self.call("sendMessage", json!({"chat_id": chat, "text": text})).await.map(|_| ())
    }
}
