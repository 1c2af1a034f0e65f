//! Who may write into a ticket by email. Ticket numbers are sequential and shown on the form's
//! thank-you page, and Message-IDs travel in every quoted reply, so neither proves anything about
//! the sender: only the address does.

/// True when a message from `sender` may be added to a ticket whose requester is `requester`:
/// the same address, or one of `same_customer` (addresses, or `@domain` for a whole domain),
/// compared without regard to case. An empty sender never may.
pub fn may_write_into(sender: &str, requester: Option<&str>, same_customer: &[String]) -> bool {
    let sender = sender.trim().to_lowercase();
    let Some((_, host)) = sender.rsplit_once('@') else { return false };
    if host.is_empty() {
        return false;
    }
    if requester.is_some_and(|r| r.trim().to_lowercase() == sender) {
        return true;
    }
    same_customer.iter().map(|a| a.trim().to_lowercase()).any(|a| match a.strip_prefix('@') {
        Some(domain) => !domain.is_empty() && domain == host,
        None => a == sender,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_requester_or_a_listed_address_may_write() {
        assert!(may_write_into("Olga@Example.com", Some("olga@example.com"), &[]));
        assert!(!may_write_into("mallory@evil.example", Some("olga@example.com"), &[]));
        assert!(!may_write_into("", None, &[]));
        assert!(!may_write_into("olga@", Some("olga@"), &[]));
        let listed = vec!["ops@example.com".to_owned(), "@acme.example".to_owned()];
        assert!(may_write_into("ops@example.com", Some("olga@example.com"), &listed));
        assert!(may_write_into("anyone@acme.example", None, &listed));
        assert!(!may_write_into("anyone@notacme.example", None, &listed));
        assert!(!may_write_into("x@acme.example.evil", None, &listed));
        assert!(!may_write_into("x@y.z", None, &["@".to_owned()]));
    }
}
