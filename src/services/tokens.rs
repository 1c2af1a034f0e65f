//! Keeping portals alive: refresh that never loses a portal, calls that refresh when a token
//! expired, and the Tokens tab's list. Shared by the console, the CLI and `watch`.
//!
//! Refresh tokens are single-use. Inside the process, one refresh per portal runs at a time
//! (single-flight); across processes (the app's own workers refresh too), the new pair is stored
//! with a compare-and-swap on the refresh token that was used, and an `invalid_grant` is only
//! believed after re-reading the row for a moment, because another process may have just won.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;

use super::tasks::Actor;
use crate::bitrix::oauth::{self, AppCredentials};
use crate::bitrix::{BitrixError, ClientSettings, Envelope, ErrorKind, PortalAuth, RestClient};
use crate::clock::Clock;
use crate::model::{MemberId, Portal, RefreshBlock};
use crate::rules::search::Search;
use crate::rules::tokens::{TokenPolicy, TokenState};
use crate::store::{NewAudit, PortalCredentials, Store, StoreError, TokenCounts, TokenSwap};

/// Why a token action did not run.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Read-only mode.
    #[error("refused: b24ops is in read-only mode (--read-only / B24OPS_READ_ONLY / read_only = true)")]
    ReadOnly,
    /// No such portal.
    #[error("no portal with member_id {0}")]
    NoPortal(String),
    /// The app's keys are not configured.
    #[error(
        "the app's client_id and client secret are not set (B24OPS_CLIENT_ID and B24OPS_CLIENT_SECRET, or [bitrix] client_id and client_secret_file)"
    )]
    NoKeys,
    /// Nothing to refresh with.
    #[error("portal {0} has no refresh token stored")]
    NoRefreshToken(String),
    /// The portal has no REST endpoint stored.
    #[error("portal {0} has no client_endpoint stored")]
    NoEndpoint(String),
    /// No admin notice: nothing on the portal needs its admin.
    #[error(
        "nothing on this portal needs its admin (b24ops refreshes tokens with the app's keys, no user is needed): no notice prepared"
    )]
    NothingForAdmin,
    /// No admin notice: `profile` did not say whose token the app holds.
    #[error("profile did not say whose token the app holds: no notice is sent to a guessed user")]
    NoTokenUser,
    /// The app's own token table is mapped read-only: a refresh would leave the new pair nowhere.
    #[error(
        "the app's table {0} is mapped read-only, so b24ops does not refresh (the new pair could not be stored and the app's would be dead): set [portals] writable = true"
    )]
    ReadOnlyStore(String),
    /// Bitrix24 refused or failed.
    #[error(transparent)]
    Bitrix(#[from] BitrixError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a refresh came to.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RefreshOutcome {
    /// A new pair is stored; the refresh token now dies at `refresh_expires_at`.
    Refreshed {
        /// When the new refresh token dies.
        refresh_expires_at: DateTime<Utc>,
    },
    /// Another process (or another refresh in this one) stored a new pair first; it stands.
    Adopted,
    /// The refresh token is dead (invalid_grant, confirmed by re-reading): the portal needs its
    /// admin to open the app or reinstall it.
    Dead {
        /// What the OAuth server said.
        reason: String,
    },
    /// The token server answered `wrong_client`: the app's client id (or secret) is wrong, or
    /// the app was removed. Nothing changed; the portal is not marked uninstalled on this alone.
    WrongClient,
    /// `PAYMENT_REQUIRED`: no tokens until the customer pays; refresh stops until a payment event.
    PaymentRequired {
        /// What the OAuth server said.
        reason: String,
    },
    /// Nothing changed; it may work later.
    Failed {
        /// What went wrong.
        reason: String,
        /// Worth trying again soon.
        transient: bool,
    },
}

impl RefreshOutcome {
    /// One line for people.
    pub fn describe(&self, tz_fmt: impl Fn(DateTime<Utc>) -> String) -> String {
        match self {
            Self::Refreshed { refresh_expires_at } => {
                format!("refreshed; the new refresh token lives until {}", tz_fmt(*refresh_expires_at))
            }
            Self::Adopted => "another process refreshed first; its tokens stand".into(),
            Self::Dead { reason } => {
                format!("token dead: {reason} — the portal's admin must open the app or reinstall it")
            }
            Self::WrongClient => "the token server answered wrong_client: check B24OPS_CLIENT_ID and the secret (or the app was removed); nothing changed".into(),
            Self::PaymentRequired { reason } => {
                format!("{reason}: the subscription must be paid; b24ops stops refreshing this portal until it is")
            }
            Self::Failed { reason, .. } => format!("refresh failed, nothing changed: {reason}"),
        }
    }

    /// True when the portal ends up holding a working pair.
    pub fn is_alive(&self) -> bool {
        matches!(self, Self::Refreshed { .. } | Self::Adopted)
    }
}

/// Knobs for the cross-process rules (tests shorten them).
#[derive(Clone, Debug)]
pub struct RefreshRules {
    /// How many times an invalid_grant re-reads the row before believing it.
    pub grace_rereads: u32,
    /// The pause between re-reads.
    pub grace_pause: StdDuration,
}

impl Default for RefreshRules {
    fn default() -> Self {
        RefreshRules { grace_rereads: 5, grace_pause: StdDuration::from_millis(400) }
    }
}

/// One row of the Tokens tab.
#[derive(Clone, Debug, Serialize)]
pub struct TokenRow {
    /// The portal.
    pub portal: Portal,
    /// Its token's standing.
    pub state: TokenState,
}

/// The Tokens tab's data.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TokenBoard {
    /// Portals per class.
    pub counts: TokenCounts,
    /// Installed portals, fewest days left first.
    pub rows: Vec<TokenRow>,
}

/// What the token service needs to know of the configuration.
#[derive(Clone, Debug)]
pub struct TokenSettings {
    /// The app's OAuth keys, when configured.
    pub app: Option<AppCredentials>,
    /// The REST client's timeouts, retries, pacing and redirect allow-list.
    pub client: ClientSettings,
    /// When tokens count as expiring, and keep-alive.
    pub policy: TokenPolicy,
    /// The OAuth server refreshes go to.
    pub oauth_server: Option<String>,
    /// Read-only: the service's own calls are not logged.
    pub read_only: bool,
}

/// The token service: one per process.
pub struct TokenService {
    store: Store,
    client: RestClient,
    app: Option<AppCredentials>,
    oauth_server: Option<String>,
    policy: TokenPolicy,
    clock: Clock,
    rules: RefreshRules,
    inflight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService")
            .field("client_id", &self.app.as_ref().map(|a| a.client_id.as_str()))
            .finish_non_exhaustive()
    }
}

impl TokenService {
    /// A service for `store` with `settings`; calls are logged to the store unless the
    /// settings are read-only.
    pub fn new(store: Store, settings: TokenSettings, clock: Clock) -> color_eyre::Result<Self> {
        let unlogged = settings.client.clone();
        let mut svc = Self::with(store, settings.app, settings.client, settings.policy, clock, settings.oauth_server)?;
        if settings.read_only {
            // Read-only reads only: the console's own calls are not written to the call log
            // (nor, through its triggers, to the error rollup).
            svc.client = RestClient::new(unlogged, None, clock)?;
        }
        Ok(svc)
    }

    /// A service from parts (tests choose short timeouts).
    pub fn with(
        store: Store,
        app: Option<AppCredentials>,
        settings: ClientSettings,
        policy: TokenPolicy,
        clock: Clock,
        oauth_server: Option<String>,
    ) -> Result<Self, BitrixError> {
        let sink_store = store.clone();
        let sink: crate::bitrix::CallSink = Arc::new(move |call| {
            let s = sink_store.clone();
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    if let Err(e) = s.insert_call(&call).await {
                        tracing::warn!(error = %e, "cannot log the console's own call");
                    }
                });
            }
        });
        let client = RestClient::new(settings, Some(sink), clock)?;
        Ok(TokenService {
            store,
            client,
            app,
            oauth_server: oauth_server.filter(|s| !s.trim().is_empty()),
            policy,
            clock,
            rules: RefreshRules::default(),
            inflight: Mutex::new(HashMap::new()),
        })
    }

    /// Replaces the cross-process rules.
    pub fn with_rules(mut self, rules: RefreshRules) -> Self {
        self.rules = rules;
        self
    }

    /// The classification policy.
    pub fn policy(&self) -> TokenPolicy {
        self.policy
    }

    /// Now, by the service's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The HTTP client and the OAuth server override, for the trusted checks beside this file.
    pub(crate) fn oauth_parts(&self) -> (&reqwest::Client, Option<&str>) {
        (self.client.http(), self.oauth_server.as_deref())
    }

    /// Whether the app's keys are configured.
    pub fn has_keys(&self) -> bool {
        self.app.is_some()
    }

    /// The Tokens tab: counts per class and up to `limit` installed portals by days left.
    pub async fn board(&self, limit: i64) -> Result<TokenBoard, TokenError> {
        self.board_matching(&Search::default(), limit).await
    }

    /// [`TokenService::board`] narrowed by the shared `/` filter (the counts stay for every portal).
    pub async fn board_matching(&self, search: &Search, limit: i64) -> Result<TokenBoard, TokenError> {
        let now = self.clock.now();
        let p = self.policy;
        let counts = self.store.token_counts(p.lifetime, p.critical, p.warning, now).await?;
        // Portals whose refresh stopped come first: a dead grant is the worst news whatever the
        // token's age.
        let mut portals = self.store.portals_blocked_matching(search, limit).await?;
        let rest = limit - portals.len() as i64;
        if rest > 0 {
            portals.extend(self.store.portals_by_token_age_matching(search, rest).await?);
        }
        let rows = portals
            .into_iter()
            .map(|portal| {
                let state = p.classify_portal(&portal, now);
                TokenRow { portal, state }
            })
            .collect();
        Ok(TokenBoard { counts, rows })
    }

    fn flight(&self, member_id: &MemberId) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = match self.inflight.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.entry(member_id.as_str().to_owned()).or_default().clone()
    }

    async fn credentials(&self, member_id: &MemberId) -> Result<PortalCredentials, TokenError> {
        self.store
            .portal_credentials(member_id)
            .await?
            .ok_or_else(|| TokenError::NoPortal(member_id.as_str().to_owned()))
    }

    /// Refreshes one portal's tokens, safely (see the module's notes). Audited.
    pub async fn refresh(&self, actor: &Actor, member_id: &MemberId) -> Result<RefreshOutcome, TokenError> {
        if actor.read_only {
            return Err(TokenError::ReadOnly);
        }
        if !self.store.portal_source().writable() {
            return Err(TokenError::ReadOnlyStore(self.store.portal_source().table().to_owned()));
        }
        let app = self.app.as_ref().ok_or(TokenError::NoKeys)?;
        let seen = self.credentials(member_id).await?;
        let flight = self.flight(member_id);
        let _turn = flight.lock().await;
        let before = self.credentials(member_id).await?;
        if before.version != seen.version && before.refresh_token != seen.refresh_token {
            // A refresh in this process finished while we waited for our turn.
            return Ok(RefreshOutcome::Adopted);
        }
        if before.refresh_token.is_empty() {
            return Err(TokenError::NoRefreshToken(member_id.as_str().to_owned()));
        }
        let url = oauth::token_url(before.server_endpoint.as_deref(), self.oauth_server.as_deref())?;
        let now = self.clock.now();
        let audit = |after: String| NewAudit {
            ts: now,
            operator: actor.operator.clone(),
            action: "token.refresh".into(),
            target: format!("portal {}", member_id.as_str()),
            member_id: Some(member_id.as_str().to_owned()),
            before: before
                .refresh_issued_at
                .map(|t| format!("refresh token issued {}", t.format("%Y-%m-%d %H:%M UTC"))),
            after: Some(after),
        };
        // A failed refresh is recorded only if the row still holds the token that was used.
        let fail = |reason: String, block: Option<RefreshBlock>, after: String| {
            let audit = audit(after);
            let (store, token) = (&self.store, &before.refresh_token);
            async move { store.record_refresh_failure(member_id, token, &reason, block, now, &audit).await }
        };
        match oauth::refresh(self.client.http(), &url, app, &before.refresh_token).await {
            Ok(grant) => {
                let swap = TokenSwap {
                    access_token: grant.access_token,
                    access_expires_at: now + Duration::seconds(grant.expires_in.clamp(60, 86_400)),
                    refresh_token: grant.refresh_token,
                    client_endpoint: grant.client_endpoint,
                    server_endpoint: grant.server_endpoint,
                    scope: grant.scope,
                    app_status: grant.status,
                };
                let dies = now + self.policy.lifetime;
                let note = format!("refreshed; new refresh token lives until {}", dies.format("%Y-%m-%d"));
                if self
                    .store
                    .swap_tokens(member_id, &before.refresh_token, &swap, &actor.operator, now, &audit(note))
                    .await?
                {
                    tracing::info!(member_id = member_id.as_str(), "tokens refreshed");
                    Ok(RefreshOutcome::Refreshed { refresh_expires_at: dies })
                } else {
                    // Another process stored a pair between our read and our write; the pair it
                    // stored is the one the app uses, so it stands and ours is dropped.
                    tracing::info!(member_id = member_id.as_str(), "another process stored tokens first; adopting");
                    self.store.append_audit(&audit("adopted the pair another process stored".into())).await?;
                    Ok(RefreshOutcome::Adopted)
                }
            }
            Err(e) if e.kind == ErrorKind::InvalidGrant => {
                for _ in 0..self.rules.grace_rereads {
                    let row = self.credentials(member_id).await?;
                    if row.refresh_token != before.refresh_token {
                        self.store.append_audit(&audit("adopted the pair another process stored".into())).await?;
                        return Ok(RefreshOutcome::Adopted);
                    }
                    tokio::time::sleep(self.rules.grace_pause).await;
                }
                let reason = format!("{}: {}", e.code, e.description);
                fail(reason.clone(), Some(RefreshBlock::InvalidGrant), format!("dead: {reason}")).await?;
                Ok(RefreshOutcome::Dead { reason })
            }
            // wrong_client is measured for a wrong client_id (b24pysdk
            // tests/integration/errors/test_errors_oauth.py; b24phpsdk's WrongClientException is a
            // credentials error): one answer says nothing about the portal.
            Err(e) if e.kind == ErrorKind::WrongClient => {
                let reason = "wrong_client: the client id or secret is wrong, or the app was removed".to_owned();
                fail(reason, None, "wrong_client; nothing changed".into()).await?;
                Ok(RefreshOutcome::WrongClient)
            }
            Err(e) if e.kind == ErrorKind::PaymentRequired => {
                let reason = format!("{}: {}", e.code, e.description);
                fail(reason.clone(), Some(RefreshBlock::PaymentRequired), format!("payment required: {reason}"))
                    .await?;
                Ok(RefreshOutcome::PaymentRequired { reason })
            }
            Err(e) => {
                let reason = e.to_string();
                fail(reason.clone(), None, format!("failed: {reason}")).await?;
                Ok(RefreshOutcome::Failed { reason, transient: e.kind.is_transient() })
            }
        }
    }

    /// Installed portals alive but within `days` of death, oldest token first (at most `limit`).
    pub async fn expiring_within(&self, days: i64, limit: i64) -> Result<Vec<Portal>, TokenError> {
        let now = self.clock.now();
        let dead_before = now - self.policy.lifetime;
        let issued_before = now - self.policy.lifetime + Duration::days(days.max(0));
        Ok(self.store.portals_expiring(dead_before, issued_before, limit).await?)
    }

    /// The failure of a batch command, with when its blocked method is free again (see
    /// [`RestClient::command_error`]).
    pub fn batch_error(&self, member_id: &MemberId, params: &Value, result: &Value, key: &str) -> Option<BitrixError> {
        self.client.command_error(member_id.as_str(), params, result, key)
    }

    /// Calls a method on a portal; an expired access token is refreshed (when writes are allowed)
    /// and the call retried once, as the docs recommend. A portal that moved is followed and its
    /// new domain stored.
    pub async fn call(
        &self,
        actor: &Actor,
        member_id: &MemberId,
        method: &str,
        params: &Value,
    ) -> Result<Envelope, TokenError> {
        let mut refreshed = false;
        loop {
            let creds = self.credentials(member_id).await?;
            let endpoint = creds
                .client_endpoint
                .clone()
                .filter(|e| !e.is_empty())
                .ok_or_else(|| TokenError::NoEndpoint(member_id.as_str().to_owned()))?;
            let auth = PortalAuth {
                member_id: member_id.as_str().to_owned(),
                client_endpoint: endpoint,
                access_token: creds.access_token.clone(),
            };
            match self.client.call(&auth, method, params).await {
                Ok(called) => {
                    if let Some(moved) = called.moved_to.filter(|_| !actor.read_only) {
                        self.store.move_portal(member_id, &moved, self.clock.now()).await?;
                    }
                    return Ok(called.envelope);
                }
                Err(e) if e.kind == ErrorKind::ExpiredToken && !refreshed && !actor.read_only && self.app.is_some() => {
                    refreshed = true;
                    let outcome = self.refresh(actor, member_id).await?;
                    if !outcome.is_alive() {
                        return Err(TokenError::Bitrix(BitrixError::local(
                            ErrorKind::ExpiredToken,
                            "refresh",
                            outcome.describe(|t| t.to_rfc3339()),
                        )));
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}
