//! The REST client: one call to one portal, paced by the portal's leaky bucket, retried only when
//! the failure is transient and retrying is safe, and logged into `api_calls` as the console's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::batch;
use super::envelope::{Answer, Envelope, RawAnswer, read};
use super::error::{BitrixError, ErrorKind};
use super::redirect::{self, Refused};
use crate::clock::Clock;
use crate::model::{NewApiCall, Secret};
use crate::rules::leaky_bucket::LeakyBucket;
use crate::rules::read_only::is_read_only;

/// The largest answer body read; anything longer is cut and reported as not JSON.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// How the client behaves.
#[derive(Clone, Debug)]
pub struct ClientSettings {
    /// Time allowed for one read-only request, connect to last byte.
    pub timeout: Duration,
    /// Time allowed for any other request: Bitrix24 lets one run 60 s, and a write cut short
    /// may still happen, unseen, and is never retried.
    pub write_timeout: Duration,
    /// Hosts (`host` or `host:port`) a redirect may lead the access token to besides Bitrix24's
    /// cloud domains and the host called; the only way to follow one to a loopback address.
    pub redirect_hosts: Vec<String>,
    /// Retries after a transient failure.
    pub max_retries: u32,
    /// The first pause before a retry; it doubles each time.
    pub backoff: Duration,
    /// The portal's bucket size (Bitrix24: 50; Enterprise 250).
    pub burst: f64,
    /// Requests the bucket drains per second (Bitrix24: 2; Enterprise 5).
    pub rate: f64,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(60),
            redirect_hosts: Vec::new(),
            max_retries: 3,
            backoff: Duration::from_millis(500),
            burst: 50.0,
            rate: 2.0,
        }
    }
}

/// Where the client reports each request it made (the services layer writes them to the store).
pub type CallSink = Arc<dyn Fn(NewApiCall) + Send + Sync>;

/// One portal's address and access token.
#[derive(Clone, Debug)]
pub struct PortalAuth {
    /// The portal's member_id (for pacing and the call log).
    pub member_id: String,
    /// `https://{domain}/rest/`.
    pub client_endpoint: String,
    /// The access token.
    pub access_token: Secret,
}

/// A successful call.
#[derive(Clone, Debug)]
pub struct Called {
    /// The answer.
    pub envelope: Envelope,
    /// The portal's new `client_endpoint`, when the old domain redirected to a new one.
    pub moved_to: Option<String>,
}

/// A Bitrix24 REST client shared by every portal.
pub struct RestClient {
    http: reqwest::Client,
    settings: ClientSettings,
    buckets: Mutex<HashMap<String, LeakyBucket>>,
    /// The last `operating_reset_at` per (member_id, method), for telling when a 429 ends.
    resets: Mutex<HashMap<(String, String), i64>>,
    sink: Option<CallSink>,
    clock: Clock,
    epoch: Instant,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// Installs the TLS crypto provider once per process (reqwest is built without a default one so that
/// it shares sqlx's ring).
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl RestClient {
    /// A client; `sink` receives a record of every request made.
    pub fn new(settings: ClientSettings, sink: Option<CallSink>, clock: Clock) -> Result<Self, BitrixError> {
        install_crypto();
        // The total timeout is set per request: reads and writes get different ones.
        let http = reqwest::Client::builder()
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            // A portal that moved answers 302; the client follows it itself, re-POSTing, and
            // reports the new domain (a generic redirect would turn the POST into a GET).
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("b24ops/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BitrixError::local(ErrorKind::Network, "client", e.to_string()))?;
        Ok(RestClient {
            http,
            settings,
            buckets: Mutex::new(HashMap::new()),
            resets: Mutex::new(HashMap::new()),
            sink,
            clock,
            epoch: Instant::now(),
        })
    }

    /// The underlying HTTP client (the token endpoint uses it too).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Calls `method` on the portal with `params` (a JSON object).
    pub async fn call(&self, auth: &PortalAuth, method: &str, params: &Value) -> Result<Called, BitrixError> {
        let mut endpoint = auth.client_endpoint.clone();
        let mut moved_to = None;
        let mut attempt = 0u32;
        let mut redirects = 0u32;
        let read_only = is_read_only(method, params);
        let timeout = if read_only { self.settings.timeout } else { self.settings.write_timeout };
        loop {
            self.pace(&auth.member_id).await;
            let answer = self.once(auth, &endpoint, method, params, timeout).await;
            match answer {
                Answer::Ok(envelope) => {
                    self.remember_reset(&auth.member_id, method, envelope.time.operating_reset_at);
                    if method.eq_ignore_ascii_case("batch") {
                        // The batch's own figure is not a method's; each command's entry is.
                        for (nested, at) in batch::resets(params, &envelope.result) {
                            self.remember_reset(&auth.member_id, &nested, Some(at));
                        }
                    }
                    return Ok(Called { envelope, moved_to });
                }
                Answer::Redirect(location) => {
                    redirects += 1;
                    if redirects > 3 {
                        return Err(moved_error(&format!("{location} (more than 3 redirects)")));
                    }
                    let next = self.follow(&endpoint, method, &location)?;
                    tracing::info!(member_id = %auth.member_id, new_endpoint = %next, "portal moved");
                    moved_to = Some(next.clone());
                    endpoint = next;
                }
                Answer::Err(mut e) if e.kind == ErrorKind::OperationTimeLimit => {
                    if e.free_at.is_none() {
                        e.free_at = self.last_reset(&auth.member_id, method);
                    }
                    return Err(e);
                }
                Answer::Err(e) if attempt < self.settings.max_retries && retry_is_safe(&e, read_only) => {
                    let pause = self.settings.backoff * 2u32.saturating_pow(attempt);
                    tracing::warn!(member_id = %auth.member_id, method, error = %e, ?pause, "transient failure; retrying");
                    attempt += 1;
                    tokio::time::sleep(pause).await;
                }
                Answer::Err(e) => return Err(e),
            }
        }
    }

    /// The endpoint a redirect leads to, if the token may follow it there.
    fn follow(&self, endpoint: &str, method: &str, location: &str) -> Result<String, BitrixError> {
        let request_url = format!("{endpoint}{method}");
        let from_host = reqwest::Url::parse(endpoint).ok().and_then(|u| u.host_str().map(str::to_owned));
        let target = redirect::resolve(&request_url, location).and_then(|t| {
            redirect::check_target(&t, from_host.as_deref().unwrap_or(""), &self.settings.redirect_hosts).map(|()| t)
        });
        match target {
            Ok(t) => Ok(t.to_string()),
            Err(Refused::NotRest(l)) => Err(moved_error(&format!("{l}, which is not a REST endpoint"))),
            Err(Refused::UntrustedHost(h)) => Err(BitrixError::local(
                ErrorKind::Moved,
                "redirect_untrusted",
                format!("the portal redirected to {h}, which is not a Bitrix24 domain; the token was not sent there"),
            )),
        }
    }

    fn remember_reset(&self, member_id: &str, method: &str, reset_at: Option<i64>) {
        let (Some(at), Ok(mut resets)) = (reset_at, self.resets.lock()) else { return };
        // batch is not counted by the limiter; its own figure says nothing about a method.
        if method != "batch" {
            resets.insert((member_id.to_owned(), method.to_ascii_lowercase()), at);
        }
    }

    /// The failure of the batch command `key` (its request `params`, its answer's `result`), with
    /// when a method blocked by its operating time is free again: the command's own entry, else
    /// the last `operating_reset_at` this client saw for the method on the portal.
    pub fn command_error(&self, member_id: &str, params: &Value, result: &Value, key: &str) -> Option<BitrixError> {
        let mut e = batch::command_error(result, key)?;
        if e.kind == ErrorKind::OperationTimeLimit && e.free_at.is_none() {
            let method = batch::commands(params).into_iter().find(|(k, _)| k == key).map(|(_, m)| m);
            e.free_at = method.and_then(|m| self.last_reset(member_id, &m));
        }
        Some(e)
    }

    fn last_reset(&self, member_id: &str, method: &str) -> Option<i64> {
        self.resets.lock().ok()?.get(&(member_id.to_owned(), method.to_ascii_lowercase())).copied()
    }

    async fn pace(&self, member_id: &str) {
        let wait = {
            let Ok(mut buckets) = self.buckets.lock() else { return };
            let now = self.epoch.elapsed().as_secs_f64();
            buckets
                .entry(member_id.to_owned())
                .or_insert_with(|| LeakyBucket::new(self.settings.burst, self.settings.rate))
                .reserve(now)
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    async fn once(&self, auth: &PortalAuth, endpoint: &str, method: &str, params: &Value, timeout: Duration) -> Answer {
        let ts = self.clock.now();
        let started = Instant::now();
        let url = format!("{endpoint}{method}");
        let sent = self
            .http
            .post(&url)
            .timeout(timeout)
            .bearer_auth(auth.access_token.expose())
            .header(reqwest::header::ACCEPT, "application/json")
            .json(params)
            .send()
            .await;
        let answer = match sent {
            Err(e) => Answer::Err(transport_error(&e)),
            Ok(resp) => {
                let status = resp.status().as_u16();
                let header = |h: reqwest::header::HeaderName| {
                    resp.headers().get(h).and_then(|v| v.to_str().ok()).map(str::to_owned)
                };
                let content_type = header(reqwest::header::CONTENT_TYPE);
                let location = header(reqwest::header::LOCATION);
                match read_capped(resp).await {
                    Err(e) => Answer::Err(e),
                    Ok(body) => read(RawAnswer {
                        status,
                        content_type: content_type.as_deref(),
                        location: location.as_deref(),
                        body: &body,
                    }),
                }
            }
        };
        self.log(auth, method, ts, started.elapsed(), &answer);
        answer
    }

    fn log(&self, auth: &PortalAuth, method: &str, ts: chrono::DateTime<chrono::Utc>, took: Duration, answer: &Answer) {
        let Some(sink) = &self.sink else { return };
        let (http_status, error_code, error_description, operating) = match answer {
            Answer::Ok(e) => (Some(200), None, None, e.time.operating),
            Answer::Redirect(l) => (Some(302), Some("REDIRECT".to_owned()), Some(format!("moved to {l}")), None),
            Answer::Err(e) => (e.status.map(i64::from), Some(e.code.clone()), Some(e.description.clone()), None),
        };
        sink(NewApiCall {
            ts,
            member_id: auth.member_id.clone(),
            method: method.to_owned(),
            http_status,
            error_code,
            error_description,
            duration_ms: Some(took.as_millis() as i64),
            operating,
            request_id: None,
            task_id: None,
            source: "console".into(),
        });
    }
}

async fn read_capped(mut resp: reqwest::Response) -> Result<Vec<u8>, BitrixError> {
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(BitrixError::local(ErrorKind::NotJson, "too_large", "the answer is over 16 MB"));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(transport_error(&e)),
        }
    }
}

/// Classifies a transport failure; the message carries no URL (and so no query secrets).
pub(crate) fn transport_error(e: &reqwest::Error) -> BitrixError {
    let kind = if e.is_timeout() { ErrorKind::Timeout } else { ErrorKind::Network };
    let code = if e.is_timeout() { "timeout" } else { "network" };
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    BitrixError::local(kind, code, text.replace(" ()", ""))
}

fn moved_error(what: &str) -> BitrixError {
    BitrixError::local(ErrorKind::Moved, "redirect", format!("the portal moved to {what}"))
}

/// Whether a failed request may be sent again. A 503 QUERY_LIMIT_EXCEEDED and a CONNECTION_ERROR
/// were refused before the method ran, so they always may; other transient failures only for
/// calls that change nothing (`rules::read_only`), since the first attempt may have done its work
/// before the answer was lost.
pub fn retry_is_safe(e: &BitrixError, read_only: bool) -> bool {
    match e.kind {
        ErrorKind::QueryLimit | ErrorKind::AuthServerUnreachable => true,
        ErrorKind::ServerError | ErrorKind::Timeout | ErrorKind::Network => read_only,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_not_retried_after_a_lost_answer() {
        let timeout = BitrixError::local(ErrorKind::Timeout, "timeout", "");
        let safe = |e: &BitrixError, method: &str| retry_is_safe(e, is_read_only(method, &Value::Null));
        assert!(safe(&timeout, "app.info"));
        assert!(!safe(&timeout, "crm.item.list"), "unknown to the read-only list: not retried");
        assert!(!safe(&timeout, "event.offline.get"), "it deletes what it reads");
        assert!(!safe(&timeout, "im.notify.system.add"));
        let limited = BitrixError::from_answer(503, "QUERY_LIMIT_EXCEEDED", "Too many requests");
        assert!(safe(&limited, "im.notify.system.add"));
        let unreachable = BitrixError::from_answer(401, "CONNECTION_ERROR", "Error connecting to authorization server");
        assert!(safe(&unreachable, "im.notify.system.add"));
        let blocked = BitrixError::from_answer(429, "OPERATION_TIME_LIMIT", "");
        assert!(!safe(&blocked, "app.info"));
    }

    #[test]
    fn writes_get_bitrix24s_sixty_seconds_by_default() {
        let s = ClientSettings::default();
        assert_eq!(s.write_timeout, Duration::from_secs(60));
        assert!(s.timeout < s.write_timeout);
        assert!(s.redirect_hosts.is_empty(), "loopback is never trusted unless listed");
    }
}
