//! Which browser origin may read the Sentry intake's answers. Sentry's own relay answers
//! `Access-Control-Allow-Origin: *` on its ingest endpoints (relay-server/src/middlewares/cors.rs,
//! getsentry/relay): a DSN key is public, sent by every page that embeds it, and the requests
//! carry no cookies. An operator may narrow that to a list of the app's origins instead.

/// The request headers a browser SDK's preflight may ask for: the list relay allows.
pub const ALLOW_HEADERS: &str = "x-sentry-auth, x-requested-with, x-forwarded-for, origin, referer, accept, \
     content-type, authentication, authorization, content-encoding, transfer-encoding";
/// The answer headers the SDKs read to back off, which a browser hides unless exposed.
pub const EXPOSE_HEADERS: &str = "x-sentry-error, x-sentry-rate-limits, retry-after";
/// How long a browser may keep a preflight's answer, in seconds (relay's value).
pub const MAX_AGE_SECS: &str = "3600";

/// The `Access-Control-Allow-Origin` value for a request from `origin`, or `None` to grant
/// nothing: `*` when `allowed` holds `*`, else the origin itself when it is listed (scheme, host
/// and port compared without regard to case, a trailing slash in the list ignored).
pub fn allowed_origin(allowed: &[String], origin: Option<&str>) -> Option<String> {
    if allowed.iter().any(|a| a.trim() == "*") {
        return Some("*".into());
    }
    let origin = origin?.trim();
    allowed.iter().any(|a| a.trim().trim_end_matches('/').eq_ignore_ascii_case(origin)).then(|| origin.to_owned())
}

/// Checks one configured entry: `*`, or `scheme://host[:port]` with nothing after it.
pub fn check_entry(entry: &str) -> Result<(), String> {
    let e = entry.trim().trim_end_matches('/');
    if e == "*" {
        return Ok(());
    }
    let Some((scheme, rest)) = e.split_once("://") else {
        return Err(format!("{entry:?} is not an origin (scheme://host[:port]) or *"));
    };
    let bad = |c: char| c.is_whitespace() || matches!(c, '/' | '?' | '#' | '*' | ',' | '@');
    if !matches!(scheme, "http" | "https") || rest.is_empty() || rest.chars().any(bad) {
        return Err(format!("{entry:?} is not an origin (scheme://host[:port]) or *"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_star_grants_every_origin_and_a_list_only_its_own() {
        assert_eq!(allowed_origin(&list(&["*"]), Some("https://a.example")).as_deref(), Some("*"));
        assert_eq!(allowed_origin(&list(&["*"]), None).as_deref(), Some("*"));
        let apps = list(&["https://app.example.com/", "http://localhost:5173"]);
        assert_eq!(allowed_origin(&apps, Some("https://APP.example.com")).as_deref(), Some("https://APP.example.com"));
        assert_eq!(allowed_origin(&apps, Some("http://localhost:5173")).as_deref(), Some("http://localhost:5173"));
        assert_eq!(allowed_origin(&apps, Some("https://app.example.com.evil.test")), None);
        assert_eq!(allowed_origin(&apps, Some("http://app.example.com")), None, "another scheme is another origin");
        assert_eq!(allowed_origin(&apps, Some("null")), None);
        assert_eq!(allowed_origin(&apps, None), None);
        assert_eq!(allowed_origin(&[], Some("https://app.example.com")), None, "an empty list turns CORS off");
    }

    #[test]
    fn entries_are_origins_or_a_star() {
        for good in ["*", "https://app.example.com", "http://localhost:5173", "https://app.example.com/"] {
            assert!(check_entry(good).is_ok(), "{good}");
        }
        for bad in ["app.example.com", "https://app.example.com/path", "ftp://x", "https://*.example.com", "https://"] {
            assert!(check_entry(bad).is_err(), "{bad}");
        }
    }
}
