//! `b24ops ingest-email`: one RFC 822 message becomes a new ticket or a reply threaded into its
//! ticket (by In-Reply-To / References, or a `[#123]` tag in the subject). The portal comes from a
//! member_id or a portal domain in the subject or body, else from the sender's domain. Only text is
//! kept: an HTML-only message is reduced to its text, never rendered or run; attachments are named
//! in a note and dropped.
//!
//! Only the ticket's requester (or an address configured for the same customer) threads into a
//! ticket: anyone else who names it opens a ticket of their own, flagged and linked to it.

use std::io::Read;

use chrono::{DateTime, Utc};
use mail_parser::{MessageParser, MimeHeaders};

use crate::config::EmailConfig;
use crate::model::MemberId;
use crate::rules::thread_sender::may_write_into;
use crate::services::tickets::{BODY_MAX, TicketForm, validate};
use crate::store::limits::{AUTHOR_MAX, EMAIL_MAX, MESSAGE_ID_MAX, NAME_MAX, cut};
use crate::store::{Store, StoreError, WriteOutcome};

/// The most of a message kept in memory; the rest (an attachment, as a rule) is read and dropped.
pub const MAX_MESSAGE: usize = 10 * 1024 * 1024;

/// A message as read: its first [`MAX_MESSAGE`] bytes and how many more there were.
#[derive(Clone, Debug, Default)]
pub struct RawMessage {
    /// The bytes kept.
    pub bytes: Vec<u8>,
    /// The bytes read past the limit and dropped.
    pub dropped: u64,
}

impl RawMessage {
    /// Reads a whole message from `input` in bounded memory.
    pub fn read(input: impl Read) -> std::io::Result<RawMessage> {
        let mut input = input;
        let mut bytes = Vec::new();
        (&mut input).take(MAX_MESSAGE as u64).read_to_end(&mut bytes)?;
        let dropped = std::io::copy(&mut input, &mut std::io::sink())?;
        Ok(RawMessage { bytes, dropped })
    }
}

/// What happened to a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filed {
    /// A new ticket.
    New {
        /// Its number.
        id: i64,
        /// The portal it was tied to, if one was found.
        member_id: Option<String>,
    },
    /// A reply added to a ticket.
    Reply {
        /// The ticket.
        id: i64,
    },
    /// A message naming a ticket its sender did not request: a new ticket, flagged.
    Claimed {
        /// The new ticket.
        id: i64,
        /// The ticket it named.
        of: i64,
    },
    /// The same message was filed before.
    Duplicate {
        /// The ticket it is in.
        id: i64,
    },
}

impl std::fmt::Display for Filed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Filed::New { id, member_id: Some(m) } => write!(f, "new ticket #{id} for portal {m}"),
            Filed::New { id, member_id: None } => {
                write!(f, "new ticket #{id} (no portal found: attach it in the console)")
            }
            Filed::Reply { id } => write!(f, "reply added to ticket #{id}"),
            Filed::Claimed { id, of } => write!(
                f,
                "new ticket #{id}, flagged: the sender is not the requester of ticket #{of}, which it answers"
            ),
            Filed::Duplicate { id } => write!(f, "already filed in ticket #{id}; nothing changed"),
        }
    }
}

/// Why a message was not filed.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// Not a message at all.
    #[error("not an email message (RFC 822)")]
    NotEmail,
    /// A message that is not a valid ticket.
    #[error("not filed: {0}")]
    Invalid(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A ticket number tagged in a subject: `[#123]` or `ticket #123`.
pub fn tag_in(subject: &str) -> Option<i64> {
    let lower = subject.to_lowercase();
    let digits_after = |s: &str| -> Option<i64> {
        let d: String = s.chars().take_while(char::is_ascii_digit).collect();
        d.parse().ok()
    };
    if let Some(i) = lower.find("[#") {
        let rest = &lower[i + 2..];
        let n = digits_after(rest)?;
        return rest[n.to_string().len()..].starts_with(']').then_some(n);
    }
    lower.find("ticket #").and_then(|i| digits_after(&lower[i + 8..]))
}

/// Words that look like a canonical member_id (32 hex digits).
fn member_ids_in(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() == 32 && w.chars().all(|c| c.is_ascii_hexdigit()))
        .map(str::to_lowercase)
        .take(20)
        .collect()
}

/// Words that look like a portal domain (`acme.bitrix24.com`, `crm.example.org`).
fn domains_in(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .map(|w| w.trim_matches('.').to_lowercase())
        .filter(|w| w.contains(".bitrix24."))
        .take(20)
        .collect()
}

/// The message's plain text, cut to [`BODY_MAX`], with a note for each attachment dropped and for
/// a message cut short at [`MAX_MESSAGE`].
fn text_of(msg: &mail_parser::Message<'_>, dropped: u64) -> String {
    let mut body = msg.body_text(0).map(|b| b.into_owned()).unwrap_or_default();
    let mut notes = Vec::new();
    for a in msg.attachments().take(20) {
        let name = a.attachment_name().map(|n| cut(n, 200).to_owned()).unwrap_or_else(|| "unnamed".into());
        notes
            .push(format!("[attachment {name} ({}) dropped: tickets keep text only]", size(a.contents().len() as u64)));
    }
    if dropped > 0 {
        notes.push(format!(
            "[the message was {}; b24ops read its first {} and dropped the rest]",
            size(MAX_MESSAGE as u64 + dropped),
            size(MAX_MESSAGE as u64)
        ));
    }
    let room = BODY_MAX.saturating_sub(notes.iter().map(|n| n.len() + 1).sum::<usize>() + 2);
    if body.len() > room {
        let mut end = room;
        while !body.is_char_boundary(end) {
            end -= 1;
        }
        body.truncate(end);
    }
    if !notes.is_empty() {
        body.push_str("\n\n");
        body.push_str(&notes.join("\n"));
    }
    body
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// The ticket the message answers, by the Message-IDs it names or a `[#N]` tag.
async fn answered_ticket(
    store: &Store,
    msg: &mail_parser::Message<'_>,
    subject: &str,
) -> Result<Option<i64>, StoreError> {
    let mut refs: Vec<String> = Vec::new();
    for h in [msg.in_reply_to(), msg.references()] {
        if let Some(list) = h.as_text_list() {
            refs.extend(list.iter().map(|s| s.trim().to_owned()));
        } else if let Some(one) = h.as_text() {
            refs.push(one.trim().to_owned());
        }
    }
    if let Some(id) = store.ticket_by_message_id(&refs).await? {
        return Ok(Some(id));
    }
    match tag_in(subject) {
        Some(id) if store.ticket(id).await?.is_some() => Ok(Some(id)),
        _ => Ok(None),
    }
}

/// Files one message; `cfg` names the addresses that may write into a portal's tickets besides
/// each ticket's requester.
pub async fn ingest(
    store: &Store,
    cfg: &EmailConfig,
    raw: &RawMessage,
    now: DateTime<Utc>,
) -> Result<Filed, EmailError> {
    let msg = MessageParser::default().parse(&raw.bytes).ok_or(EmailError::NotEmail)?;
    if msg.from().is_none() && msg.subject().is_none() {
        return Err(EmailError::NotEmail);
    }
    let subject = msg.subject().unwrap_or("").trim().to_owned();
    let from = msg.from().and_then(|a| a.first());
    let email = from.and_then(|a| a.address()).unwrap_or("").trim().to_owned();
    let name = cut(from.and_then(|a| a.name()).unwrap_or("").trim(), NAME_MAX).to_owned();
    let body = text_of(&msg, raw.dropped);
    let message_id = msg.message_id().map(|m| cut(m.trim(), MESSAGE_ID_MAX).to_owned()).filter(|m| !m.is_empty());
    if let Some(id) = &message_id
        && let Some(ticket) = store.ticket_by_message_id(std::slice::from_ref(id)).await?
    {
        return Ok(Filed::Duplicate { id: ticket });
    }
    let mut claimed = None;
    if let Some(id) = answered_ticket(store, &msg, &subject).await?
        && let Some(ticket) = store.ticket(id).await?
    {
        let listed = ticket
            .member_id
            .as_ref()
            .and_then(|m| cfg.customer_addresses.get(m.as_str()))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let requester = ticket.requester_email.as_ref().map(|e| e.as_str());
        if !may_write_into(&email, requester, listed) {
            claimed = Some(id);
        } else {
            if body.trim().is_empty() {
                return Err(EmailError::Invalid("the reply has no text".into()));
            }
            let address = cut(&email, EMAIL_MAX);
            let author = if name.is_empty() { address.to_owned() } else { format!("{name} <{address}>") };
            return match store.customer_message(id, cut(&author, AUTHOR_MAX), &body, message_id.as_deref(), now).await?
            {
                WriteOutcome::Missing => Err(EmailError::Invalid(format!("ticket #{id} is gone"))),
                _ => Ok(Filed::Reply { id }),
            };
        }
    }
    // A new ticket: find its portal.
    let text = format!("{subject}\n{body}");
    let mut member_id = String::new();
    for m in member_ids_in(&text) {
        if store.portal(&MemberId::from_db(&m)).await?.is_some() {
            member_id = m;
            break;
        }
    }
    let mut domain = String::new();
    if member_id.is_empty() {
        let sender_host = email.rsplit_once('@').map(|(_, h)| h.to_lowercase()).unwrap_or_default();
        for d in domains_in(&text).into_iter().chain(std::iter::once(sender_host)) {
            if !d.is_empty() && store.portal_by_domain(&d).await?.is_some() {
                domain = d;
                break;
            }
        }
    }
    let form = TicketForm {
        subject: if subject.is_empty() { "(no subject)".into() } else { subject.chars().take(200).collect() },
        body,
        name,
        email,
        member_id,
        domain,
        priority: String::new(),
    };
    let mut ticket = match validate(store, "email", &form).await? {
        Ok(t) => t,
        Err(invalid) => return Err(EmailError::Invalid(invalid.to_string())),
    };
    ticket.message_id = message_id;
    ticket.claimed_thread_of = claimed;
    let id = store.create_ticket(&ticket, now).await?;
    Ok(match claimed {
        Some(of) => Filed::Claimed { id, of },
        None => Filed::New { id, member_id: ticket.member_id },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_identifiers_are_found() {
        assert_eq!(tag_in("Re: [#123] App does not open"), Some(123));
        assert_eq!(tag_in("RE: Ticket #77 follow-up"), Some(77));
        assert_eq!(tag_in("[#12x]"), None);
        assert_eq!(tag_in("plain"), None);
        assert_eq!(
            member_ids_in("portal A1B2C3D4E5F60718293A4B5C6D7E8F90, thanks"),
            vec!["a1b2c3d4e5f60718293a4b5c6d7e8f90"]
        );
        assert_eq!(domains_in("our portal is acme.bitrix24.com."), vec!["acme.bitrix24.com"]);
    }
}
