//! Following a portal's 302 to its new address: where the Location points, and whether the access
//! token may go there.
//!
//! b24phpsdk's `Core::call` (`bitrix24/b24phpsdk`, `src/Core/Core.php`, the `STATUS_FOUND` case)
//! keeps only the Location's scheme and host and calls the method again under that domain's
//! `/rest/`. The SDKs follow any host; b24ops sends a portal's token only to a Bitrix24 cloud
//! domain, the host it already called, or a host the operator listed, since a 302 from a
//! compromised or mistyped portal must not carry the token elsewhere.

use reqwest::Url;

/// Second-level names of Bitrix24's cloud zones (`{portal}.bitrix24.{zone}`).
const CLOUD_ZONES: &[&str] = &[
    "com", "ru", "de", "by", "kz", "ua", "eu", "es", "fr", "it", "pl", "uk", "in", "com.br", "com.tr", "cn", "jp",
    "vn", "id", "co", "mx", "uz",
];

/// Why a redirect is not followed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The Location is no URL, or not a REST address.
    NotRest(String),
    /// The host is neither Bitrix24's nor listed; the token stays home.
    UntrustedHost(String),
}

/// The REST endpoint (`…/rest/`) that `location` names, resolved against the request's URL the
/// way b24phpsdk does: a relative path keeps the request's scheme and host; a host-only Location
/// means that host's `/rest/`.
pub fn resolve(request_url: &str, location: &str) -> Result<Url, Refused> {
    let base = Url::parse(request_url).map_err(|_| Refused::NotRest(location.to_owned()))?;
    let mut target = base.join(location.trim()).map_err(|_| Refused::NotRest(location.to_owned()))?;
    if !matches!(target.scheme(), "https" | "http") || target.host_str().is_none() {
        return Err(Refused::NotRest(location.to_owned()));
    }
    let path = target.path().to_owned();
    let rest = match path.find("/rest/") {
        Some(at) => path[..at + "/rest/".len()].to_owned(),
        None if path.is_empty() || path == "/" => "/rest/".to_owned(),
        None => return Err(Refused::NotRest(location.to_owned())),
    };
    target.set_path(&rest);
    target.set_query(None);
    target.set_fragment(None);
    Ok(target)
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost") || bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether `host` is a portal in Bitrix24's cloud.
pub fn is_bitrix24_host(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    CLOUD_ZONES.iter().any(|zone| {
        let suffix = format!(".bitrix24.{zone}");
        h.len() > suffix.len() && h.ends_with(&suffix)
    })
}

/// Whether the token may follow a redirect from `from_host` to `target`: a host in `allowed`
/// (the only way to a loopback address); else over HTTPS to a Bitrix24 cloud domain or the very
/// host that was called.
pub fn check_target(target: &Url, from_host: &str, allowed: &[String]) -> Result<(), Refused> {
    let host = target.host_str().unwrap_or_default().to_ascii_lowercase();
    let with_port = match target.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.clone(),
    };
    if allowed.iter().any(|a| a.eq_ignore_ascii_case(&host) || a.eq_ignore_ascii_case(&with_port)) {
        return Ok(());
    }
    let known = is_bitrix24_host(&host) || host.eq_ignore_ascii_case(from_host);
    if known && !is_loopback(&host) && target.scheme() == "https" {
        return Ok(());
    }
    Err(Refused::UntrustedHost(with_port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rest(request: &str, location: &str) -> Option<String> {
        resolve(request, location).ok().map(|u| u.to_string())
    }

    #[test]
    fn relative_and_host_only_locations_resolve_against_the_request() {
        let req = "https://old.bitrix24.com/rest/profile";
        assert_eq!(
            rest(req, "https://new.bitrix24.com/rest/profile.json").as_deref(),
            Some("https://new.bitrix24.com/rest/")
        );
        assert_eq!(rest(req, "/rest/profile").as_deref(), Some("https://old.bitrix24.com/rest/"));
        assert_eq!(rest(req, "https://new.bitrix24.com").as_deref(), Some("https://new.bitrix24.com/rest/"));
        assert_eq!(rest(req, "//new.bitrix24.de/rest/x").as_deref(), Some("https://new.bitrix24.de/rest/"));
        assert_eq!(
            rest("http://127.0.0.1:8625/old.bitrix24.com/rest/profile", "/new.bitrix24.com/rest/profile").as_deref(),
            Some("http://127.0.0.1:8625/new.bitrix24.com/rest/")
        );
        assert_eq!(rest(req, "https://new.bitrix24.com/auth/"), None);
        assert_eq!(rest(req, "mailto:x@y"), None);
    }

    #[test]
    fn the_token_goes_only_to_bitrix24_the_same_host_or_a_listed_one() {
        let url = |s: &str| Url::parse(s).unwrap();
        let none: Vec<String> = vec![];
        assert!(check_target(&url("https://new.bitrix24.kz/rest/"), "old.bitrix24.com", &none).is_ok());
        assert!(check_target(&url("https://crm.example.org/rest/"), "crm.example.org", &none).is_ok());
        assert_eq!(
            check_target(&url("https://evil.example.net/rest/"), "old.bitrix24.com", &none),
            Err(Refused::UntrustedHost("evil.example.net".into()))
        );
        assert!(check_target(&url("https://bitrix24.com.evil.net/rest/"), "old.bitrix24.com", &none).is_err());
        assert!(
            check_target(&url("http://new.bitrix24.com/rest/"), "old.bitrix24.com", &none).is_err(),
            "no plain HTTP"
        );
        let local = url("http://127.0.0.1:8625/new.bitrix24.com/rest/");
        assert!(check_target(&local, "127.0.0.1", &none).is_err(), "loopback only when listed");
        assert!(check_target(&local, "127.0.0.1", &["127.0.0.1".into()]).is_ok());
    }
}
