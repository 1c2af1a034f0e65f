//! Where a public reply is on its way to the customer, as the thread shows it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::SafeText;

/// The outbox state of one public reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MessageDelivery {
    /// email, imbot (the app's bot in the customer's Bitrix24) or telegram (the support bot).
    pub channel: SafeText,
    /// The address it goes to.
    pub recipient: SafeText,
    /// queued / sending / sent / failed.
    pub state: SafeText,
    /// Tries so far.
    pub attempts: i64,
    /// When the next try is due (a queued or failed reply); `None` once sent or given up.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Why the last try failed.
    pub last_error: Option<SafeText>,
    /// When the channel took it.
    pub sent_at: Option<DateTime<Utc>>,
}

impl MessageDelivery {
    /// One line for the thread and the CLI: `queued`, `sent at … to …`, `failed: … — retrying at …`.
    pub fn describe(&self, fmt: impl Fn(DateTime<Utc>) -> String) -> String {
        // A chat reply's recipient is a Bitrix24 dialog id (`27`, `chat5`): say so.
        let to = match self.channel.as_str() {
            "imbot" => format!("Bitrix24 dialog {}", self.recipient),
            "telegram" => format!("Telegram chat {}", self.recipient),
            _ => self.recipient.to_string(),
        };
        match self.state.as_str() {
            "sent" => format!("sent at {} to {to}", self.sent_at.map(&fmt).unwrap_or_else(|| "?".into())),
            "sending" => format!("sending to {to}"),
            "failed" => {
                let why = self.last_error.as_ref().map(|e| e.as_str()).unwrap_or("unknown");
                match self.next_attempt_at {
                    Some(at) => format!("failed: {why} — retrying at {} (try {})", fmt(at), self.attempts + 1),
                    None => format!("failed: {why} — gave up after {} tries", self.attempts),
                }
            }
            _ => format!("queued for {to}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(state: &str) -> MessageDelivery {
        MessageDelivery {
            channel: SafeText::line("email"),
            recipient: SafeText::line("olga@example.com"),
            state: SafeText::line(state),
            attempts: 2,
            next_attempt_at: Some("2026-11-30T10:05:00Z".parse().unwrap()),
            last_error: Some(SafeText::line("the SMTP server refused the message (554)")),
            sent_at: Some("2026-11-30T10:01:00Z".parse().unwrap()),
        }
    }

    #[test]
    fn each_state_reads_as_one_line() {
        let f = |t: DateTime<Utc>| t.format("%H:%M").to_string();
        assert_eq!(d("queued").describe(f), "queued for olga@example.com");
        assert_eq!(d("sent").describe(f), "sent at 10:01 to olga@example.com");
        assert_eq!(
            d("failed").describe(f),
            "failed: the SMTP server refused the message (554) — retrying at 10:05 (try 3)"
        );
        let mut gave_up = d("failed");
        gave_up.next_attempt_at = None;
        assert!(gave_up.describe(f).ends_with("gave up after 2 tries"));
        let mut chat = d("sent");
        chat.channel = SafeText::line("imbot");
        chat.recipient = SafeText::line("chat5");
        assert_eq!(chat.describe(f), "sent at 10:01 to Bitrix24 dialog chat5");
        let mut telegram = d("queued");
        telegram.channel = SafeText::line("telegram");
        telegram.recipient = SafeText::line("-1001234");
        assert_eq!(telegram.describe(f), "queued for Telegram chat -1001234");
    }
}
