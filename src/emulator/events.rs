//! The emulator as Bitrix24's event queue: ONAPPINSTALL, ONAPPUNINSTALL and ONAPPPAYMENT posted
//! to the app's handler form-encoded (`event`, `data[…]`, `auth[…]`, `ts`), with the auth keys
//! each event carries (an uninstall has no tokens, a payment none either). Like Bitrix24, it
//! sends each event once and does not retry.

use chrono::{DateTime, Utc};

use super::state::World;

/// One event ready to post.
#[derive(Clone, Debug)]
pub struct Outgoing {
    /// Where to.
    pub url: String,
    /// The form fields.
    pub form: Vec<(String, String)>,
}

/// The `auth[…]` fields every event of a portal carries, and the tokens when `with_tokens`.
fn auth(w: &World, member_id: &str, tokens: Option<(&str, &str)>, base: &str) -> Vec<(String, String)> {
    let Some(p) = w.portals.get(member_id) else { return Vec::new() };
    let domain = p.spec.domain.clone();
    let mut f = vec![
        ("auth[domain]".to_owned(), domain.clone()),
        ("auth[client_endpoint]".to_owned(), format!("{base}/{domain}/rest/")),
        ("auth[server_endpoint]".to_owned(), format!("{base}/rest/")),
        ("auth[member_id]".to_owned(), member_id.to_owned()),
        ("auth[application_token]".to_owned(), w.app_tokens.get(member_id).cloned().unwrap_or_default()),
    ];
    if let Some((access, refresh)) = tokens {
        f.extend([
            ("auth[access_token]".to_owned(), access.to_owned()),
            ("auth[expires_in]".to_owned(), "3600".to_owned()),
            ("auth[refresh_token]".to_owned(), refresh.to_owned()),
            ("auth[scope]".to_owned(), p.spec.scope.clone()),
            ("auth[status]".to_owned(), p.spec.status.clone()),
            ("auth[user_id]".to_owned(), "1".to_owned()),
        ]);
    }
    f
}

fn event(
    w: &World,
    name: &str,
    data: &[(&str, String)],
    auth: Vec<(String, String)>,
    now: DateTime<Utc>,
) -> Option<Outgoing> {
    let url = w.event_handler.clone()?;
    let mut form = vec![("event".to_owned(), name.to_owned()), ("event_handler_id".to_owned(), "1".to_owned())];
    form.extend(data.iter().map(|(k, v)| (format!("data[{k}]"), v.clone())));
    form.extend(auth);
    form.push(("ts".to_owned(), now.timestamp().to_string()));
    Some(Outgoing { url, form })
}

/// ONAPPINSTALL with a fresh pair and a new application_token.
pub fn install(w: &mut World, member_id: &str, base: &str, now: DateTime<Utc>) -> Option<Outgoing> {
    w.app_tokens.insert(member_id.to_owned(), super::state::mint());
    let (access, refresh) = w.issue(member_id, 1, now);
    let auth = auth(w, member_id, Some((&access, &refresh)), base);
    let data = [
        ("VERSION", "1".to_owned()),
        ("ACTIVE", "Y".to_owned()),
        ("INSTALLED", "Y".to_owned()),
        ("LANGUAGE_ID", "en".to_owned()),
    ];
    event(w, "ONAPPINSTALL", &data, auth, now)
}

/// ONAPPUNINSTALL: no tokens, only the portal's addresses and application_token.
pub fn uninstall(w: &World, member_id: &str, base: &str, now: DateTime<Utc>) -> Option<Outgoing> {
    let auth = auth(w, member_id, None, base);
    event(w, "ONAPPUNINSTALL", &[("CLEAN", "0".to_owned()), ("LANGUAGE_ID", "en".to_owned())], auth, now)
}

/// ONAPPPAYMENT after a plan change.
pub fn payment(w: &World, member_id: &str, base: &str, now: DateTime<Utc>) -> Option<Outgoing> {
    let p = w.portals.get(member_id)?;
    let days = p.date_finish.map(|d| (d - now).num_days());
    let expired = days.is_some_and(|d| d < 0);
    let data = [
        ("CODE", "b24ops.emulator".to_owned()),
        ("VERSION", "1".to_owned()),
        ("STATUS", p.spec.status.clone()),
        ("PAYMENT_EXPIRED", if expired { "Y" } else { "N" }.to_owned()),
        ("DAYS", days.map(|d| d.to_string()).unwrap_or_default()),
        ("LANGUAGE_ID", "en".to_owned()),
    ];
    let auth = auth(w, member_id, None, base);
    event(w, "ONAPPPAYMENT", &data, auth, now)
}

/// Posts an event in the background, once, as Bitrix24's queue does.
pub fn send(out: Option<Outgoing>) {
    let Some(out) = out else { return };
    crate::bitrix::client::install_crypto();
    tokio::spawn(async move {
        let client = reqwest::Client::new();
        match client.post(&out.url).form(&out.form).timeout(std::time::Duration::from_secs(10)).send().await {
            Ok(r) => tracing::info!(status = r.status().as_u16(), url = out.url.as_str(), "emulator: event delivered"),
            Err(e) => tracing::warn!(error = %e, "emulator: event not delivered (Bitrix24 does not retry)"),
        }
    });
}

/// Posts an event and waits for the handler's answer: its status and body.
pub async fn post_now(out: &Outgoing) -> Result<(u16, String), String> {
    crate::bitrix::client::install_crypto();
    let client = reqwest::Client::new();
    let r = client
        .post(&out.url)
        .form(&out.form)
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .map_err(|e| format!("the handler did not answer: {e}"))?;
    let status = r.status().as_u16();
    let body = r.text().await.unwrap_or_default();
    Ok((status, body))
}
