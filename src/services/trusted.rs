//! Asking the OAuth server, not the portal, what is true of an install: its `app.info` answers
//! from the vendor's side (`result.install.member_id`, `installed`, `status`), so a portal that is
//! on-premise, or an event that is forged, cannot vouch for itself.

use serde_json::Value;

use super::tokens::{TokenError, TokenService};
use crate::bitrix::{BitrixError, ErrorKind};
use crate::model::Secret;

/// Bitrix24's own OAuth server, when `[bitrix] oauth_server` names no other.
const DEFAULT_OAUTH_SERVER: &str = "https://oauth.bitrix.info/rest/";

/// What the trusted `app.info` says of an install.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct TrustedInstall {
    /// `install.member_id`.
    pub member_id: Option<String>,
    /// `install.domain`.
    pub domain: Option<String>,
    /// `install.installed`.
    pub installed: Option<bool>,
    /// `status` (or `install.status`).
    pub status: Option<String>,
}

impl TrustedInstall {
    /// Reads the `result` of `app.info`.
    pub fn from_result(result: &Value) -> Self {
        let install = &result["install"];
        let text = |v: &Value| v.as_str().map(str::to_owned).filter(|s| !s.is_empty());
        TrustedInstall {
            member_id: text(&install["member_id"]),
            domain: text(&install["domain"]),
            installed: install["installed"]
                .as_bool()
                .or_else(|| text(&install["installed"]).map(|s| s == "Y" || s == "1" || s == "true")),
            status: text(&result["status"]).or_else(|| text(&install["status"])),
        }
    }
}

impl TokenService {
    /// The trusted `app.info` for an access token, from the configured OAuth server (never from a
    /// host an event or a portal named).
    pub async fn trusted_app_info(&self, access_token: &Secret) -> Result<TrustedInstall, TokenError> {
        let (http, server) = self.oauth_parts();
        let base = server.unwrap_or(DEFAULT_OAUTH_SERVER);
        let token_url = crate::bitrix::oauth::token_url(None, Some(base))?;
        let url = token_url.trim_end_matches("oauth/token/").to_owned() + "rest/app.info";
        let resp = http
            .post(&url)
            .form(&[("auth", access_token.expose())])
            .send()
            .await
            .map_err(|e| crate::bitrix::client::transport_error(&e))?;
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.map_err(|_| {
            BitrixError::local(ErrorKind::NotJson, "app.info", format!("HTTP {status} with a body that is not JSON"))
        })?;
        if let Some(code) = body["error"].as_str() {
            let description = body["error_description"].as_str().unwrap_or("");
            return Err(BitrixError::local(
                crate::bitrix::error::classify(status, code),
                "app.info",
                format!("{code}: {description}"),
            )
            .into());
        }
        Ok(TrustedInstall::from_result(&body["result"]))
    }

    /// The member_id the OAuth server says an access token belongs to.
    pub async fn trusted_member_of(&self, access_token: &Secret) -> Result<Option<String>, TokenError> {
        Ok(self.trusted_app_info(access_token).await?.member_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_shape_is_read() {
        let r = serde_json::json!({"client_id": "app.1", "status": "P", "install": {"installed": true, "member_id": "abc", "domain": "acme.bitrix24.com"}});
        let t = TrustedInstall::from_result(&r);
        assert_eq!(t.member_id.as_deref(), Some("abc"));
        assert_eq!(t.installed, Some(true));
        assert_eq!(t.status.as_deref(), Some("P"));
    }
}
