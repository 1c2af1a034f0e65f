//! The DSN public key an SDK presents: in `X-Sentry-Auth: Sentry sentry_key=…, sentry_version=7`
//! (server SDKs), or as `?sentry_key=…` on the URL (the JavaScript SDKs, which cannot always set
//! headers), checked against the configured keys in constant time.

use crate::model::Secret;

/// The key presented by `auth_header` (the value of `X-Sentry-Auth`) or, failing that, by the
/// query string.
pub fn presented_key<'a>(auth_header: Option<&'a str>, query: Option<&'a str>) -> Option<&'a str> {
    let from_header = auth_header.and_then(|h| {
        let h = h.trim();
        let fields = match h.split_once(char::is_whitespace) {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("sentry") => rest,
            _ => h,
        };
        field(fields.split(','), "sentry_key")
    });
    from_header.or_else(|| query.and_then(|q| field(q.split('&'), "sentry_key")))
}

fn field<'a>(mut pairs: impl Iterator<Item = &'a str>, name: &str) -> Option<&'a str> {
    pairs.find_map(|p| p.trim().split_once('=').filter(|(k, _)| k.trim() == name).map(|(_, v)| v.trim()))
}

/// The index of the key `given` matches, comparing every byte of every key so the time taken
/// says nothing about how close a guess was.
pub fn matching_key(given: &str, keys: &[Secret]) -> Option<usize> {
    let mut found = None;
    for (i, k) in keys.iter().enumerate() {
        let k = k.expose().as_bytes();
        let g = given.as_bytes();
        let mut diff = u8::from(k.len() != g.len());
        for (n, kb) in k.iter().enumerate() {
            diff |= kb ^ g.get(n).copied().unwrap_or(0);
        }
        if diff == 0 && !k.is_empty() && found.is_none() {
            found = Some(i);
        }
    }
    found
}

/// The keys of `B24OPS_SENTRY_KEY`'s value: comma-separated, blanks dropped.
pub fn parse_keys(raw: &str) -> Vec<Secret> {
    raw.split(',').map(str::trim).filter(|k| !k.is_empty()).map(Secret::new).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_comes_from_the_header_or_the_query() {
        let h = "Sentry sentry_version=7, sentry_client=sentry.python/2.75.0, sentry_key=abc123";
        assert_eq!(presented_key(Some(h), None), Some("abc123"));
        assert_eq!(presented_key(Some("sentry_key=k1,sentry_version=7"), None), Some("k1"));
        assert_eq!(presented_key(None, Some("sentry_version=7&sentry_key=q9&sentry_client=x")), Some("q9"));
        assert_eq!(presented_key(Some("Sentry sentry_version=7"), Some("sentry_key=q")), Some("q"));
        assert_eq!(presented_key(None, Some("sentry_keyx=1")), None);
    }

    #[test]
    fn keys_match_exactly() {
        let keys = parse_keys(" one, ,two2 ");
        assert_eq!(keys.len(), 2);
        assert_eq!(matching_key("two2", &keys), Some(1));
        assert_eq!(matching_key("two", &keys), None);
        assert_eq!(matching_key("two22", &keys), None);
        assert_eq!(matching_key("", &keys), None);
        assert_eq!(matching_key("", &parse_keys("")), None);
    }
}
