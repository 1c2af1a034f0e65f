//! What every route gets before its handler reads a byte of the body: the client's address (a
//! trusted proxy's `X-Forwarded-For` believed, nobody else's), the declared body size checked,
//! and the route's access rule — a bearer token with wrong guesses paced per client, or the
//! form's same-origin rule — then security headers on the way out. Connection caps and
//! timeouts sit below, on the socket (see [`super::conn_guard`]).

use std::net::{IpAddr, Ipv4Addr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::conn_guard::Peer;
use super::context::Intake;

/// The largest support-form body: its fields are bounded far below this, and the form is open to
/// anyone, so it gets less than the authenticated API.
pub const FORM_BODY_MAX: usize = 256 * 1024;
/// How long a paced client is asked to wait.
const RETRY_AFTER_SECS: &str = "10";

/// How a group of routes is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The JSON API: `Authorization: Bearer` (the scheme in any case) checked before the body is
    /// read; a client's wrong tokens are paced.
    Bearer,
    /// The public support form: cross-origin POSTs refused, framing only by
    /// `serve.frame_ancestors`, a small body.
    Form,
    /// Public, or authenticated by the route itself (e.g. a signed payload): only the body limit,
    /// timeouts and connection caps apply.
    Open,
}

/// The client address a request is counted against (after trusted-proxy resolution).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The largest body a route with `access` reads.
pub fn body_limit(i: &Intake, access: Access) -> usize {
    if access == Access::Form { FORM_BODY_MAX.min(i.max_body) } else { i.max_body }
}

/// The middleware: `axum::middleware::from_fn_with_state((intake, access), gate)`.
pub async fn gate(State((i, access)): State<(Intake, Access)>, mut req: Request, next: Next) -> Response {
    let ip = client_ip(&i, &req);
    req.extensions_mut().insert(ClientIp(ip));
    let limit = body_limit(&i, access);
    let res = match refusal(&i, access, ip, &req, limit) {
        Some(r) => r,
        None => next.run(req).await,
    };
    finish(res, access, &i, limit)
}

fn client_ip(i: &Intake, req: &Request) -> IpAddr {
    let peer =
        req.extensions().get::<ConnectInfo<Peer>>().map(|c| c.0.0.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let forwarded: Vec<&str> =
        req.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    i.proxies.client(peer, &forwarded)
}

/// The answer that stops a request before its handler, if any.
fn refusal(i: &Intake, access: Access, ip: IpAddr, req: &Request, limit: usize) -> Option<Response> {
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    match access {
        Access::Bearer => {
            if i.wrong_tokens.is_full(ip) {
                return Some(paced());
            }
            if let Err(why) = authorized(i, req.headers()) {
                tracing::info!(client = %ip, "intake: refused a request without the right token");
                i.wrong_tokens.admit(ip);
                return Some(closing(problem(StatusCode::UNAUTHORIZED, why)));
            }
        }
        Access::Form if req.method() == Method::POST && cross_origin(req.headers()) => {
            return Some(closing(problem(StatusCode::FORBIDDEN, "cross-origin form posts are refused")));
        }
        Access::Form | Access::Open => {}
    }
    if declared.is_some_and(|n| n > limit as u64) {
        return Some(closing(too_large(limit)));
    }
    None
}

/// Checks `Authorization: Bearer …` in constant time; the scheme is case-insensitive (RFC 9110).
fn authorized(i: &Intake, headers: &HeaderMap) -> Result<(), &'static str> {
    let Some(expected) = i.api_token.as_deref() else {
        return Err("the JSON API is off: set B24OPS_API_TOKEN (or serve.api_token)");
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .unwrap_or("");
    let same = given.len() == expected.len()
        && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if same { Ok(()) } else { Err("missing or wrong bearer token") }
}

/// True when a browser says the post comes from another site. Without `Sec-Fetch-Site` the
/// `Origin` host must be the `Host` the request was sent to; with neither (curl, a server) it is
/// not a browser's cross-site request.
fn cross_origin(headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        return !matches!(site.trim(), "same-origin" | "none");
    }
    let Some(origin) = text("origin") else { return false };
    let host = text("host").unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, rest)| rest.trim_end_matches('/'));
    !origin_host.is_some_and(|o| o.eq_ignore_ascii_case(host))
}

fn finish(mut res: Response, access: Access, i: &Intake, limit: usize) -> Response {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        // A chunked body found too long mid-read: say so in the same shape as every other error.
        res = closing(too_large(limit));
    }
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if access == Access::Form
        && let Ok(csp) = HeaderValue::from_str(&i.form_policy)
    {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    res
}

/// A JSON error answer.
pub fn problem(status: StatusCode, msg: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], serde_json::json!({ "error": msg }).to_string())
        .into_response()
}

fn too_large(limit: usize) -> Response {
    problem(StatusCode::PAYLOAD_TOO_LARGE, &format!("the body is over {limit} bytes"))
}

fn paced() -> Response {
    let mut r = closing(problem(StatusCode::TOO_MANY_REQUESTS, "too many wrong tokens from this address; slow down"));
    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECS));
    r
}

/// Asks hyper to close the connection after the answer, so an unread body is never drained.
fn closing(mut r: Response) -> Response {
    r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::context::form_policy;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn only_same_origin_browsers_post_the_form() {
        assert!(!cross_origin(&headers(&[])), "curl and servers are not cross-site");
        assert!(!cross_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(cross_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!cross_origin(&headers(&[("origin", "https://help.example.com"), ("host", "help.example.com")])));
        assert!(cross_origin(&headers(&[("origin", "https://evil.example"), ("host", "help.example.com")])));
        assert!(cross_origin(&headers(&[("origin", "null"), ("host", "help.example.com")])));
    }

    #[test]
    fn the_policy_lists_the_ancestors() {
        let p = form_policy(&["https://*.bitrix24.com".into()]);
        assert!(p.ends_with("frame-ancestors 'self' https://*.bitrix24.com"), "{p}");
    }
}
