//! The OAuth token endpoint: exchanging a refresh token for a new pair (reference §1.4–1.6).

use serde_json::Value;

use super::client::transport_error;
use super::error::{BitrixError, ErrorKind};
use crate::model::{Secret, scrub};

/// The app's Marketplace keys. The secret goes to the OAuth server only, never to a portal.
#[derive(Clone, Debug)]
pub struct AppCredentials {
    /// `app.…` client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: Secret,
}

/// What the token endpoint grants.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenGrant {
    /// The new access token (one hour).
    pub access_token: Secret,
    /// The new refresh token; the one sent is now used up.
    pub refresh_token: Secret,
    /// Seconds the access token lives.
    pub expires_in: i64,
    /// The portal.
    pub member_id: String,
    /// `https://{portal}/rest/`, when given.
    pub client_endpoint: Option<String>,
    /// The OAuth server's REST endpoint, when given.
    pub server_endpoint: Option<String>,
    /// Granted scopes.
    pub scope: Option<String>,
    /// App status letter.
    pub status: Option<String>,
}

/// The token URL for a portal: the host of its `server_endpoint` (or the configured override) with
/// `/oauth/token/`, so east and west regions each reach their own server.
pub fn token_url(server_endpoint: Option<&str>, override_server: Option<&str>) -> Result<String, BitrixError> {
    let base = override_server
        .filter(|s| !s.trim().is_empty())
        .or(server_endpoint)
        .unwrap_or("https://oauth.bitrix.info/rest/");
    let base = base.trim();
    let Some(scheme_end) = base.find("://") else {
        return Err(BitrixError::local(ErrorKind::Api, "server_endpoint", format!("not a URL: {base}")));
    };
    let after = &base[scheme_end + 3..];
    let host_end = after.find('/').unwrap_or(after.len());
    if host_end == 0 {
        return Err(BitrixError::local(ErrorKind::Api, "server_endpoint", format!("no host in {base}")));
    }
    Ok(format!("{}{}/oauth/token/", &base[..scheme_end + 3], &after[..host_end]))
}

/// Exchanges `refresh_token` for a new pair. The request is a POST form, so neither the secret nor
/// the token lands in an access log's URL. Not retried: a lost answer may have used the token up.
pub async fn refresh(
    http: &reqwest::Client,
    url: &str,
    app: &AppCredentials,
    refresh_token: &Secret,
) -> Result<TokenGrant, BitrixError> {
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", app.client_id.as_str()),
        ("client_secret", app.client_secret.expose()),
        ("refresh_token", refresh_token.expose()),
    ];
    let resp = http.post(url).form(&form).send().await.map_err(|e| transport_error(&e))?;
    let status = resp.status().as_u16();
    let content_type =
        resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = resp.bytes().await.map_err(|e| transport_error(&e))?;
    read_grant(status, content_type.as_deref(), &body).map_err(|_| {
        // The answer is the OAuth server's text, and some echo the posted form back: the error is
        // read again from the answer with the secret and the token sent masked, before either
        // could be cut in half, stored in last_refresh_error or the audit, or shown.
        let masked = scrub(&String::from_utf8_lossy(&body), &[&app.client_secret, refresh_token]);
        match read_grant(status, content_type.as_deref(), masked.as_bytes()) {
            Err(e) => e,
            Ok(_) => BitrixError::from_answer(status, "", "an answer that named the secret it was sent"),
        }
    })
}

/// Reads the token endpoint's answer. `{"error":"wrong_client"}` comes with HTTP 200.
pub fn read_grant(status: u16, content_type: Option<&str>, body: &[u8]) -> Result<TokenGrant, BitrixError> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        if status == 404 {
            return Err(BitrixError::from_answer(404, "not_found", "the OAuth server does not know this portal"));
        }
        let kind = if status >= 500 { ErrorKind::ServerError } else { ErrorKind::NotJson };
        let what = if body.is_empty() { "an empty body" } else { content_type.unwrap_or("no content type") };
        return Err(BitrixError {
            kind,
            status: Some(status),
            code: "not_json".into(),
            description: format!("expected JSON, got {what}"),
            free_at: None,
        });
    };
    let text = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_owned);
    if let Some(code) = map.get("error") {
        let code = code.as_str().map(str::to_owned).unwrap_or_else(|| code.to_string());
        return Err(BitrixError::from_answer(status, &code, &text("error_description").unwrap_or_default()));
    }
    let (Some(access), Some(refresh)) = (text("access_token"), text("refresh_token")) else {
        return Err(BitrixError {
            kind: ErrorKind::NotJson,
            status: Some(status),
            code: "no_tokens".into(),
            description: "an answer without access_token and refresh_token".into(),
            free_at: None,
        });
    };
    if status >= 400 {
        return Err(BitrixError::from_answer(status, "", "tokens with an error status"));
    }
    Ok(TokenGrant {
        access_token: Secret::new(access),
        refresh_token: Secret::new(refresh),
        expires_in: map.get("expires_in").and_then(Value::as_i64).unwrap_or(3600),
        member_id: text("member_id").unwrap_or_default(),
        client_endpoint: text("client_endpoint"),
        server_endpoint: text("server_endpoint"),
        scope: text("scope"),
        status: text("status"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_url_comes_from_the_server_endpoint() {
        assert_eq!(
            token_url(Some("https://oauth.bitrix.info/rest/"), None).unwrap(),
            "https://oauth.bitrix.info/oauth/token/"
        );
        assert_eq!(
            token_url(Some("https://oauth.bitrix24.tech/rest/"), None).unwrap(),
            "https://oauth.bitrix24.tech/oauth/token/"
        );
        assert_eq!(token_url(Some("http://127.0.0.1:9/rest/"), None).unwrap(), "http://127.0.0.1:9/oauth/token/");
        assert_eq!(
            token_url(Some("https://oauth.bitrix.info/rest/"), Some("http://127.0.0.1:7")).unwrap(),
            "http://127.0.0.1:7/oauth/token/"
        );
        assert!(token_url(Some("nonsense"), None).is_err());
    }

    #[test]
    fn wrong_client_is_an_error_despite_http_200() {
        let e = read_grant(200, Some("application/json"), br#"{"error":"wrong_client"}"#).unwrap_err();
        assert_eq!(e.kind, ErrorKind::WrongClient);
        let e = read_grant(400, None, br#"{"error":"invalid_grant","error_description":"Invalid grant"}"#).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidGrant);
        let g = read_grant(
            200,
            None,
            br#"{"access_token":"a1","refresh_token":"r1","expires_in":3600,"member_id":"m","scope":"crm"}"#,
        )
        .unwrap();
        assert_eq!(g.refresh_token.expose(), "r1");
        assert!(!format!("{g:?}").contains("r1"), "tokens never print");
    }
}
