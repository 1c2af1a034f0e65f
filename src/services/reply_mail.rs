//! A public reply as an email: plain text to the customer, `[#ID]` in the subject, threaded to
//! the customer's last message (`In-Reply-To`, `References`) and sent with our own stable
//! `Message-ID`, so the customer's answer threads back through `ingest-email`.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::model::Secret;
use crate::store::OutboxItem;

/// How replies leave by email: the SMTP server and the sender.
#[derive(Clone)]
pub struct ReplyMailer {
    url: Secret,
    from: Mailbox,
}

impl std::fmt::Debug for ReplyMailer {
    /// The URL may carry a password: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplyMailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

/// Why replies cannot be mailed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MailerError {
    /// Nothing configured.
    #[error("replies are not mailed: set B24OPS_SMTP_URL and [tickets] reply_from")]
    NotConfigured,
    /// A sender that is not an address.
    #[error("[tickets] reply_from {0:?} is not an email address")]
    BadFrom(String),
    /// A URL lettre does not take.
    #[error("B24OPS_SMTP_URL is not an smtp:// or smtps:// URL")]
    BadUrl,
}

impl ReplyMailer {
    /// The mailer for `url` (the secret) and `reply_from`.
    pub fn new(url: Secret, reply_from: &str) -> Result<Self, MailerError> {
        if url.expose().trim().is_empty() || reply_from.trim().is_empty() {
            return Err(MailerError::NotConfigured);
        }
        let from: Mailbox = reply_from.trim().parse().map_err(|_| MailerError::BadFrom(reply_from.to_owned()))?;
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose()).map_err(|_| MailerError::BadUrl)?;
        Ok(ReplyMailer { url, from })
    }

    /// The mailer `B24OPS_SMTP_URL` and `reply_from` configure.
    pub fn from_env(reply_from: &str) -> Result<Self, MailerError> {
        let url = std::env::var("B24OPS_SMTP_URL").unwrap_or_default();
        ReplyMailer::new(Secret::new(url.trim().to_owned()), reply_from)
    }

    /// The Message-ID a delivery goes out with (bare, as `ingest-email` stores ids): the same on
    /// every try.
    pub fn message_id(&self, item: &OutboxItem) -> String {
        format!("{}@{}", item.delivery_key, self.from.email.domain())
    }

    /// Sends one reply; the error says why in one line that names no server and no credentials.
    pub async fn send(&self, item: &OutboxItem) -> Result<(), String> {
        let to: Mailbox =
            item.recipient.parse().map_err(|_| format!("{:?} is not an email address", item.recipient))?;
        let mut b = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(reply_subject(&item.subject, item.ticket_id))
            .message_id(Some(angle(&self.message_id(item))))
            .header(ContentType::TEXT_PLAIN);
        let usable = |id: &str| !id.is_empty() && !id.chars().any(|c| c.is_whitespace() || c.is_control());
        let ids: Vec<String> =
            item.thread_ids.iter().map(|(id, _)| id.trim()).filter(|id| usable(id)).map(angle).collect();
        if let Some((last, _)) =
            item.thread_ids.iter().rev().find(|(id, from_customer)| *from_customer && usable(id.trim()))
        {
            b = b.in_reply_to(angle(last.trim()));
        }
        if !ids.is_empty() {
            // The first and the newest: long threads keep a header of sensible length.
            let keep: Vec<String> = if ids.len() > 10 {
                ids[..1].iter().chain(ids[ids.len() - 9..].iter()).cloned().collect()
            } else {
                ids
            };
            b = b.references(keep.join(" "));
        }
        let body =
            format!("{}\n\n-- \nTicket #{} · reply to this email to answer.\n", item.body.trim_end(), item.ticket_id);
        let email = b.body(body).map_err(|_| "the reply could not be built as an email".to_owned())?;
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::from_url(self.url.expose())
            .map_err(|_| "B24OPS_SMTP_URL is not an smtp:// or smtps:// URL".to_owned())?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        mailer.send(email).await.map(|_| ()).map_err(|e| {
            let code = e.status().map(|c| format!(" ({c})")).unwrap_or_default();
            if e.is_permanent() {
                format!("the SMTP server refused the message{code}")
            } else if e.is_transient() {
                format!("the SMTP server asked to try later{code}")
            } else {
                "cannot reach the SMTP server".to_owned()
            }
        })
    }
}

/// A message id in the angle brackets mail headers carry it in.
fn angle(id: &str) -> String {
    format!("<{}>", id.trim_start_matches('<').trim_end_matches('>'))
}

/// `Re: <subject> [#ID]`, without doubling a `Re:` or a tag the subject already has.
pub fn reply_subject(subject: &str, id: i64) -> String {
    let s = subject.trim();
    let tag = format!("[#{id}]");
    let base = if s.to_lowercase().starts_with("re:") { s.to_owned() } else { format!("Re: {s}") };
    let line: String = if base.contains(&tag) { base } else { format!("{base} {tag}") };
    line.chars().filter(|c| !c.is_control()).take(250).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_carries_the_tag_once() {
        assert_eq!(reply_subject("Sync stopped", 7), "Re: Sync stopped [#7]");
        assert_eq!(reply_subject("RE: Sync stopped [#7]", 7), "RE: Sync stopped [#7]");
        assert_eq!(reply_subject("a\r\nBcc: x@y.z", 3), "Re: aBcc: x@y.z [#3]");
    }

    #[test]
    fn a_mailer_needs_a_sender_and_a_url() {
        assert_eq!(ReplyMailer::new(Secret::new(String::new()), "a@b.c").unwrap_err(), MailerError::NotConfigured);
        assert_eq!(
            ReplyMailer::new(Secret::new("smtp://127.0.0.1:25"), "not an address").unwrap_err(),
            MailerError::BadFrom("not an address".into())
        );
        let m = ReplyMailer::new(Secret::new("smtp://user:hunter2@127.0.0.1:25"), "Support <s@v.example>").unwrap();
        assert!(!format!("{m:?}").contains("hunter2"));
    }
}
