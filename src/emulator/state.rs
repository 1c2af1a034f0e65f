//! The emulator's world: the app, its portals, their users and the tokens in circulation.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::rules::leaky_bucket::LeakyBucket;

/// Placement codes every emulated portal offers (`placement.list`).
pub const PLACEMENTS: &[&str] = &[
    "CRM_DEAL_DETAIL_TAB",
    "CRM_DEAL_LIST_MENU",
    "CRM_LEAD_DETAIL_TAB",
    "CRM_CONTACT_DETAIL_TAB",
    "CRM_COMPANY_DETAIL_TAB",
    "TASK_VIEW_TAB",
    "IM_NAVIGATION",
    "LEFT_MENU",
    "REST_APP_URI",
    "PAGE_BACKGROUND_WORKER",
];

/// The app the emulator's OAuth server knows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EmuApp {
    /// client_id.
    pub client_id: String,
    /// client_secret.
    pub client_secret: String,
    /// Refresh-token lifetime in days.
    #[serde(default = "default_lifetime")]
    pub refresh_lifetime_days: i64,
    /// The operating-time limit per method in seconds over 10 minutes.
    #[serde(default = "default_operating")]
    pub operating_limit_secs: f64,
    /// Where `/oauth/authorize/` sends the code, if set.
    #[serde(default)]
    pub redirect_uri: String,
}

fn default_lifetime() -> i64 {
    180
}
fn default_operating() -> f64 {
    480.0
}

/// A portal as a spec file or the seeded database describes it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalSpec {
    /// 32 hex characters.
    pub member_id: String,
    /// Current domain.
    pub domain: String,
    /// Domains that now redirect here.
    #[serde(default)]
    pub old_domains: Vec<String>,
    /// App status letter (F, D, T, P, L, S).
    #[serde(default = "paid")]
    pub status: String,
    /// Days the licence or trial has left; negative when past; absent for free apps.
    #[serde(default)]
    pub days_left: Option<i64>,
    /// Granted scopes, comma-separated.
    #[serde(default = "default_scope")]
    pub scope: String,
    /// Enterprise plan: a bigger leaky bucket (250, 5/s).
    #[serde(default)]
    pub enterprise: bool,
    /// The app was uninstalled.
    #[serde(default)]
    pub uninstalled: bool,
    /// The portal was closed.
    #[serde(default)]
    pub stopped: bool,
    /// An access token already in circulation (the app stored it).
    #[serde(default)]
    pub access_token: Option<String>,
    /// When it expires.
    #[serde(default)]
    pub access_expires_at: Option<DateTime<Utc>>,
    /// A refresh token already in circulation.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// When it was issued.
    #[serde(default)]
    pub refresh_issued_at: Option<DateTime<Utc>>,
    /// Placements the app has bound.
    #[serde(default)]
    pub placements: Vec<String>,
    /// Methods this portal's build does not have (an on-premise portal that lags).
    #[serde(default)]
    pub missing_methods: Vec<String>,
    /// How many users the portal has (user 1 is the admin who installed the app).
    #[serde(default = "default_users")]
    pub users: i64,
}

fn paid() -> String {
    "P".into()
}
fn default_scope() -> String {
    "crm,task,user,placement,im".into()
}
fn default_users() -> i64 {
    12
}

/// A spec file: the app and its portals.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldSpec {
    /// The app.
    pub app: EmuApp,
    /// The portals.
    #[serde(default, rename = "portal")]
    pub portals: Vec<PortalSpec>,
}

/// One user of a portal.
#[derive(Clone, Debug, Serialize)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Given name.
    pub name: String,
    /// Family name.
    pub last_name: String,
    /// Portal administrator.
    pub admin: bool,
    /// Not dismissed.
    pub active: bool,
}

/// A bound placement.
#[derive(Clone, Debug, Serialize)]
pub struct Binding {
    /// Placement code.
    pub placement: String,
    /// Handler URL.
    pub handler: String,
    /// Title.
    pub title: String,
}

/// A notification sent with `im.notify.system.add`.
#[derive(Clone, Debug, Serialize)]
pub struct Notification {
    /// The portal.
    pub member_id: String,
    /// Recipient.
    pub user_id: i64,
    /// Text.
    pub message: String,
    /// Tag, if any.
    pub tag: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A fault an operator injected; cleared by `clear`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Faults {
    /// Every REST answer is an HTML page with this status.
    pub html: Option<u16>,
    /// Methods that sleep this long before answering (ms).
    pub slow: HashMap<String, u64>,
    /// Seconds the portal's clock is off (`server.time`).
    pub clock_skew_secs: i64,
    /// The next this-many requests are refused with 503 QUERY_LIMIT_EXCEEDED.
    pub throttle_next: u32,
    /// Every REST answer is HTTP 200 with an empty body.
    pub empty: bool,
}

/// One emulated portal.
#[derive(Debug)]
pub struct Portal {
    /// The spec it came from (status, scope, flags are edited in place by faults).
    pub spec: PortalSpec,
    /// When the licence or trial ends.
    pub date_finish: Option<DateTime<Utc>>,
    /// Users.
    pub users: Vec<User>,
    /// Bound placements.
    pub bindings: Vec<Binding>,
    /// Missing methods, lower-cased.
    pub missing: HashSet<String>,
    /// Request-intensity limiter.
    pub bucket: LeakyBucket,
    /// Operating time per method: (minute, seconds) buckets over the last 10 minutes.
    pub operating: HashMap<String, Vec<(i64, f64)>>,
    /// Injected faults.
    pub faults: Faults,
}

/// An access token in circulation.
#[derive(Clone, Debug)]
pub struct AccessToken {
    /// Its portal.
    pub member_id: String,
    /// Its user.
    pub user_id: i64,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// A refresh token in circulation.
#[derive(Clone, Debug)]
pub struct RefreshToken {
    /// Its portal.
    pub member_id: String,
    /// Its user.
    pub user_id: i64,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// Used up by a refresh (single use).
    pub used: bool,
}

/// An authorization code (30 s, single use).
#[derive(Clone, Debug)]
pub struct AuthCode {
    /// Its portal.
    pub member_id: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// Everything the emulator knows.
#[derive(Debug)]
pub struct World {
    /// The app.
    pub app: EmuApp,
    /// Portals by member_id.
    pub portals: HashMap<String, Portal>,
    /// member_id by current or old domain.
    pub domains: HashMap<String, String>,
    /// Access tokens.
    pub access: HashMap<String, AccessToken>,
    /// Refresh tokens.
    pub refresh: HashMap<String, RefreshToken>,
    /// Authorization codes.
    pub codes: HashMap<String, AuthCode>,
    /// Notifications sent, newest last (at most 10,000 kept).
    pub notifications: Vec<Notification>,
    /// The token endpoint answers HTML with this status.
    pub oauth_down: Option<u16>,
    /// Refresh requests served (for tests and the admin view).
    pub refreshes: u64,
    /// Where application events are posted (the app's handler, e.g. `b24ops serve`'s
    /// `/b24/events`); `None` sends none.
    pub event_handler: Option<String>,
    /// Each portal's current application_token (a new one on every install).
    pub app_tokens: HashMap<String, String>,
    /// Chat bots the app registered (`imbot.v2.Bot.register`).
    pub bots: Vec<super::bots::EmuBot>,
    /// What the bots sent (`imbot.v2.Chat.Message.send`), oldest first.
    pub bot_sent: Vec<super::bots::BotSent>,
}

/// A fresh opaque token (real ones are about 70 hex characters).
pub fn mint() -> String {
    let mut rng = rand::rng();
    (0..70).map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0')).collect()
}

impl World {
    /// A world from a spec, as of `now`.
    pub fn new(spec: WorldSpec, now: DateTime<Utc>) -> Self {
        let mut w = World {
            app: spec.app,
            portals: HashMap::new(),
            domains: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            codes: HashMap::new(),
            notifications: Vec::new(),
            oauth_down: None,
            refreshes: 0,
            event_handler: None,
            app_tokens: HashMap::new(),
            bots: Vec::new(),
            bot_sent: Vec::new(),
        };
        for p in spec.portals {
            w.add_portal(p, now);
        }
        w
    }

    /// Adds (or replaces) a portal.
    pub fn add_portal(&mut self, spec: PortalSpec, now: DateTime<Utc>) {
        let member_id = spec.member_id.clone();
        self.app_tokens.entry(member_id.clone()).or_insert_with(mint);
        self.domains.insert(spec.domain.to_lowercase(), member_id.clone());
        for d in &spec.old_domains {
            self.domains.insert(d.to_lowercase(), member_id.clone());
        }
        if let Some(t) = spec.access_token.clone().filter(|t| !t.is_empty()) {
            let expires_at = spec.access_expires_at.unwrap_or(now + Duration::hours(1));
            self.access.insert(t, AccessToken { member_id: member_id.clone(), user_id: 1, expires_at });
        }
        if let Some(t) = spec.refresh_token.clone().filter(|t| !t.is_empty()) {
            let issued_at = spec.refresh_issued_at.unwrap_or(now);
            self.refresh.insert(t, RefreshToken { member_id: member_id.clone(), user_id: 1, issued_at, used: false });
        }
        let users = (1..=spec.users.max(1))
            .map(|id| User {
                id,
                name: ["Anna", "Boris", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hana"][(id as usize) % 8].into(),
                last_name: ["Ivanova", "Smith", "Müller", "García", "Kowalski", "Rossi"][(id as usize) % 6].into(),
                admin: id == 1,
                active: true,
            })
            .collect();
        let bindings = spec
            .placements
            .iter()
            .map(|p| Binding {
                placement: p.clone(),
                handler: format!("https://app.example.com/placement/{}", p.to_lowercase()),
                title: "Deal Sync".into(),
            })
            .collect();
        let (burst, rate) = if spec.enterprise { (250.0, 5.0) } else { (50.0, 2.0) };
        let portal = Portal {
            date_finish: spec.days_left.map(|d| now + Duration::days(d)),
            users,
            bindings,
            missing: spec.missing_methods.iter().map(|m| m.to_lowercase()).collect(),
            bucket: LeakyBucket::new(burst, rate),
            operating: HashMap::new(),
            faults: Faults::default(),
            spec,
        };
        self.portals.insert(member_id, portal);
    }

    /// Issues a fresh pair for a portal's user.
    pub fn issue(&mut self, member_id: &str, user_id: i64, now: DateTime<Utc>) -> (String, String) {
        let access = mint();
        let refresh = mint();
        self.access.insert(
            access.clone(),
            AccessToken { member_id: member_id.into(), user_id, expires_at: now + Duration::hours(1) },
        );
        self.refresh.insert(
            refresh.clone(),
            RefreshToken { member_id: member_id.into(), user_id, issued_at: now, used: false },
        );
        (access, refresh)
    }

    /// Drops expired codes and refresh tokens used over a day ago, so a long run stays bounded.
    pub fn sweep(&mut self, now: DateTime<Utc>) {
        self.codes.retain(|_, c| c.expires_at > now);
        self.refresh.retain(|_, r| !r.used || r.issued_at > now - Duration::days(1));
        if self.notifications.len() > 10_000 {
            let cut = self.notifications.len() - 10_000;
            self.notifications.drain(..cut);
        }
    }
}
