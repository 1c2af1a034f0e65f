//! The longest value each ticket column takes on every backend, and the one cut that keeps a
//! value inside it. MariaDB refuses a value longer than a `VARCHAR` instead of storing a prefix,
//! so every writer cuts first rather than trusting each caller to.

/// `b24ops_ticket_messages.message_id` is `VARCHAR(255)` on MySQL/MariaDB.
pub const MESSAGE_ID_MAX: usize = 255;
/// A message's author: a name (200) and an address (254) as `name <address>`.
pub const AUTHOR_MAX: usize = 200 + 254 + 3;
/// A ticket's subject, as the queue reads it back.
pub const SUBJECT_MAX: usize = 300;
/// The requester's name.
pub const NAME_MAX: usize = 200;
/// The requester's address.
pub const EMAIL_MAX: usize = 254;
/// A portal domain (`VARCHAR(255)`; DNS allows 253).
pub const DOMAIN_MAX: usize = 253;
/// A message body, as the thread reads it back (characters).
pub const BODY_MAX: usize = 64 * 1024;
/// A Bitrix24 dialog id (`chat5`, `27`): `b24ops_tickets.chat_dialog_id` is `VARCHAR(64)`.
pub const DIALOG_MAX: usize = 64;

/// `s` cut to at most `max` characters (never inside a character).
pub fn cut(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}

/// [`cut`] for an optional value.
pub fn cut_opt(s: Option<&str>, max: usize) -> Option<&str> {
    s.map(|s| cut(s, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_by_characters_not_bytes() {
        assert_eq!(cut("абвг", 2), "аб");
        assert_eq!(cut("ab", 5), "ab");
        assert_eq!(cut(&"x".repeat(312), MESSAGE_ID_MAX).len(), 255);
        assert_eq!(cut_opt(None, 3), None);
    }
}
