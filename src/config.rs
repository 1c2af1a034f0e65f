//! Configuration: defaults, then a TOML file, then `B24OPS_*` environment variables, then flags.
//!
//! `config.example.toml` documents every key. Nested keys are reached from the environment with a
//! double underscore: `[errors] threshold_15m` is `B24OPS_ERRORS__THRESHOLD_15M`.

mod chatbot;
mod portals;
mod serve;
mod tasks;
mod telegram;
mod tickets;

use std::path::{Path, PathBuf};

use chrono::Duration;
use color_eyre::eyre::{Result, WrapErr, eyre};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::rules::reviews::ReviewPolicy;
use crate::rules::templates::{self, ReplyTemplate};
use crate::rules::tokens::TokenPolicy;

pub use crate::model::mask_url;
pub use crate::rules::alert_spec::AlertRuleSpec as AlertRuleConfig;
pub use crate::rules::sla_spec::{SlaRules, SlaSpec as SlaConfig, SlaTargets};
pub use chatbot::ChatbotConfig;
pub use portals::{PortalColumns, PortalTimes, PortalsConfig, TimeEncoding};
pub use serve::ServeConfig;
pub use tasks::{TaskAdapter, TasksConfig};
pub use telegram::{SUPPORT_BOT_TOKEN_VAR, TelegramConfig};
pub use tickets::TicketsConfig;

/// Everything b24ops can be configured with.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The app's database (`sqlite://…`, `postgres://…`, `mysql://…`).
    pub database_url: String,
    /// The name written to the audit log; empty means `$USER` (or the SSH user).
    pub operator: String,
    /// Look, but never write.
    pub read_only: bool,
    /// IANA zone for times on screen; empty means the system's local zone.
    pub timezone: String,
    /// Refresh-token lifetimes and warning windows.
    pub tokens: TokensConfig,
    /// Error grouping and thresholds.
    pub errors: ErrorsConfig,
    /// The console.
    pub ui: UiConfig,
    /// The log file.
    pub log: LogConfig,
    /// `b24ops serve`.
    pub serve: ServeConfig,
    /// Marketplace reviews.
    pub reviews: ReviewsConfig,
    /// Talking to Bitrix24: the app's keys, limits, and what a healthy portal looks like.
    pub bitrix: BitrixConfig,
    /// Ticket SLAs: the business calendar and the targets per priority.
    pub sla: SlaConfig,
    /// Alert rules for the header, `check` and `watch`.
    pub alerts: AlertsConfig,
    /// `b24ops watch`.
    pub watch: WatchConfig,
    /// Where the app keeps its portals and tokens (its own table, or `b24ops_portals`).
    pub portals: PortalsConfig,
    /// `b24ops ingest-email`.
    pub email: EmailConfig,
    /// Delivering replies.
    pub tickets: TicketsConfig,
    /// Where the app's background jobs fail into (a framework queue, or `b24ops_tasks`).
    pub tasks: TasksConfig,
    /// The app's support bot in the customer's Bitrix24.
    pub chatbot: ChatbotConfig,
    /// The Telegram support bot.
    pub telegram: TelegramConfig,
    /// `[keys]`: console keys by command name (`refresh = "R"`), replacing the shipped ones.
    pub keys: std::collections::BTreeMap<String, String>,
}

/// `[email]`: who may write into a ticket by email besides its requester.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct EmailConfig {
    /// Per portal (member_id): further addresses of the same customer (`ops@acme.com`, or
    /// `@acme.com` for a whole domain) whose replies thread into that portal's tickets.
    pub customer_addresses: std::collections::BTreeMap<String, Vec<String>>,
}

/// `[watch]`. Webhook URLs and bot tokens are secrets: they come from the environment only
/// (`B24OPS_WEBHOOK_URL`, `B24OPS_SLACK_WEBHOOK_URL`, `B24OPS_TELEGRAM_BOT_TOKEN`,
/// `B24OPS_BITRIX24_WEBHOOK_URL`); `B24OPS_TELEGRAM_API_BASE` points Telegram notices at another
/// Bot API server (a local one, or a test's stand-in).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct WatchConfig {
    /// How often the rules are evaluated (e.g. 1m).
    pub interval: String,
    /// The Telegram chat that B24OPS_TELEGRAM_BOT_TOKEN's bot writes to (`-100123…` or `@name`).
    #[serde(deserialize_with = "text_or_number")]
    pub telegram_chat_id: String,
    /// The chat (DIALOG_ID, e.g. `chat42` or a user id) im.message.add writes to in your own
    /// portal through B24OPS_BITRIX24_WEBHOOK_URL.
    #[serde(deserialize_with = "text_or_number")]
    pub bitrix24_dialog_id: String,
    /// Token keep-alive: refresh live portals within this many days of refresh-token death, once
    /// an hour, through the safe refresh path (0: off).
    pub keep_alive_days: i64,
    /// The sender of email notices (with B24OPS_SMTP_URL).
    pub email_from: String,
    /// Who receives email notices.
    pub email_to: Vec<String>,
}

impl Default for WatchConfig {
    fn default() -> Self {
        WatchConfig {
            interval: "1m".into(),
            telegram_chat_id: String::new(),
            bitrix24_dialog_id: String::new(),
            keep_alive_days: 0,
            email_from: String::new(),
            email_to: Vec::new(),
        }
    }
}

/// An id that is text to b24ops but a number to TOML and the environment
/// (`B24OPS_WATCH__TELEGRAM_CHAT_ID=-1001234` arrives as an integer).
fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Whole(i64),
    }
    Ok(match Id::deserialize(d)? {
        Id::Text(s) => s,
        Id::Whole(n) => n.to_string(),
    })
}

/// `[alerts]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsConfig {
    /// The rules, each a `[[alerts.rules]]` table.
    pub rules: Vec<AlertRuleConfig>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig { rules: crate::rules::alert_spec::shipped() }
    }
}

impl AlertsConfig {
    /// The rules, checked; a bad one is named.
    pub fn rules(&self) -> Result<Vec<crate::rules::alerts::Rule>> {
        Ok(crate::rules::alert_spec::build(&self.rules)?)
    }
}

/// `[bitrix]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BitrixConfig {
    /// The app's client_id (also `B24OPS_CLIENT_ID`).
    pub client_id: String,
    /// A file holding the client secret (or `B24OPS_CLIENT_SECRET`); never the secret itself.
    pub client_secret_file: String,
    /// An OAuth server to use instead of each portal's server_endpoint (a proxy, the emulator).
    pub oauth_server: String,
    /// Scopes the app needs; diagnose names the ones a portal did not grant.
    pub needed_scopes: Vec<String>,
    /// Placements the app binds; diagnose names the ones a portal lost.
    pub expected_placements: Vec<String>,
    /// Seconds allowed for one request.
    pub timeout_secs: u64,
    /// Retries after a transient failure (503, 5xx, timeouts on reads).
    pub max_retries: u32,
    /// The portal's leaky-bucket size (50; Enterprise 250).
    pub burst: f64,
    /// Requests the bucket drains per second (2; Enterprise 5).
    pub rate: f64,
    /// Hosts besides Bitrix24's own domains that a 302 may send the access token to (a
    /// self-hosted portal's new address); loopback only when listed.
    pub redirect_hosts: Vec<String>,
}

impl Default for BitrixConfig {
    fn default() -> Self {
        BitrixConfig {
            client_id: String::new(),
            client_secret_file: String::new(),
            oauth_server: String::new(),
            needed_scopes: vec!["crm".into(), "task".into(), "user".into(), "placement".into(), "im".into()],
            expected_placements: Vec::new(),
            timeout_secs: 30,
            max_retries: 3,
            burst: 50.0,
            rate: 2.0,
            redirect_hosts: Vec::new(),
        }
    }
}

impl BitrixConfig {
    /// The client id: `B24OPS_CLIENT_ID` first, then the file.
    pub fn client_id(&self) -> Option<String> {
        std::env::var("B24OPS_CLIENT_ID")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .or_else(|| Some(self.client_id.clone()).filter(|v| !v.trim().is_empty()))
            .map(|v| v.trim().to_owned())
    }

    /// The client secret: `B24OPS_CLIENT_SECRET` first, then `client_secret_file`.
    pub fn client_secret(&self) -> Result<Option<crate::model::Secret>> {
        if let Some(v) = std::env::var("B24OPS_CLIENT_SECRET").ok().filter(|v| !v.trim().is_empty()) {
            return Ok(Some(crate::model::Secret::new(v.trim())));
        }
        if self.client_secret_file.is_empty() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&self.client_secret_file)
            .wrap_err_with(|| format!("cannot read bitrix.client_secret_file {}", self.client_secret_file))?;
        Ok(Some(crate::model::Secret::new(text.trim())).filter(|s| !s.is_empty()))
    }
}

/// `[reviews]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewsConfig {
    /// The app's name as replies spell it (`{app}` in templates).
    pub app_name: String,
    /// Our target for a public reply, in hours from submission.
    pub reply_within_hours: i64,
    /// When the Marketplace publishes a review, in hours from submission.
    pub publish_after_hours: i64,
    /// The share of the reply target left at which the countdown turns "near" (0–1).
    pub near_share: f64,
    /// A TOML file of extra reply templates (the shipped file's shape); they come first.
    pub templates_file: String,
    /// Replies longer than this many characters are flagged in the editor.
    pub reply_soft_limit: usize,
}

impl Default for ReviewsConfig {
    fn default() -> Self {
        ReviewsConfig {
            app_name: String::new(),
            reply_within_hours: 48,
            publish_after_hours: 72,
            near_share: 0.25,
            templates_file: String::new(),
            reply_soft_limit: 1500,
        }
    }
}

impl std::fmt::Debug for Config {
    /// The database password never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &mask_url(&self.database_url))
            .field("operator", &self.operator)
            .field("read_only", &self.read_only)
            .field("timezone", &self.timezone)
            .field("tokens", &self.tokens)
            .field("errors", &self.errors)
            .field("ui", &self.ui)
            .field("log", &self.log)
            .field("serve", &self.serve)
            .field("reviews", &self.reviews)
            .field("bitrix", &self.bitrix)
            .field("sla", &self.sla)
            .field("alerts", &self.alerts)
            .field("watch", &self.watch)
            .field("portals", &self.portals)
            .field("email", &self.email)
            .field("tickets", &self.tickets)
            .field("tasks", &self.tasks)
            .finish()
    }
}

/// `[tokens]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TokensConfig {
    /// How long a refresh token lives, in days (Bitrix24: 180).
    pub lifetime_days: i64,
    /// Days left at or below which a token is critical.
    pub critical_days: i64,
    /// Days left at or below which a token is a warning.
    pub warning_days: i64,
    /// The notice `tokens notify` sends a portal's admin about what only an admin can fix:
    /// {app}, {domain}, {member_id}, {reasons}.
    pub notify_template: String,
    /// Milliseconds between portals when refreshing many at once.
    pub refresh_pace_ms: u64,
}

/// `[errors]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ErrorsConfig {
    /// A (portal, error type) group with more than this many errors in 15 minutes is over threshold.
    pub threshold_15m: i64,
}

/// `[ui]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// How often the live tail asks the database for new calls, in milliseconds.
    pub tail_poll_ms: u64,
    /// How often the Errors tab and the header counts refresh, in seconds.
    pub refresh_secs: u64,
    /// The most call rows the Calls tab keeps in memory.
    pub max_rows: usize,
}

/// `[log]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// Log file; empty means `$XDG_STATE_HOME/b24ops/b24ops.log`.
    pub file: String,
    /// A tracing filter such as `info` or `b24ops=debug`.
    pub level: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://b24ops.db".into(),
            operator: String::new(),
            read_only: false,
            timezone: String::new(),
            tokens: TokensConfig::default(),
            errors: ErrorsConfig::default(),
            ui: UiConfig::default(),
            log: LogConfig::default(),
            serve: ServeConfig::default(),
            reviews: ReviewsConfig::default(),
            bitrix: BitrixConfig::default(),
            sla: SlaConfig::default(),
            alerts: AlertsConfig::default(),
            watch: WatchConfig::default(),
            portals: PortalsConfig::default(),
            email: EmailConfig::default(),
            tickets: TicketsConfig::default(),
            tasks: TasksConfig::default(),
            chatbot: ChatbotConfig::default(),
            telegram: TelegramConfig::default(),
            keys: Default::default(),
        }
    }
}

impl Default for TokensConfig {
    fn default() -> Self {
        TokensConfig {
            lifetime_days: 180,
            critical_days: 7,
            warning_days: 30,
            notify_template: "{app} needs an administrator of {domain}: {reasons}.".into(),
            refresh_pace_ms: 500,
        }
    }
}

impl Default for ErrorsConfig {
    fn default() -> Self {
        ErrorsConfig { threshold_15m: 10 }
    }
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig { tail_poll_ms: 250, refresh_secs: 5, max_rows: 2000 }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { file: String::new(), level: "info".into() }
    }
}

/// The top-level keys of the configuration.
const CONFIG_KEYS: [&str; 21] = [
    "portals",
    "tickets",
    "database_url",
    "operator",
    "read_only",
    "timezone",
    "tokens",
    "errors",
    "ui",
    "log",
    "serve",
    "reviews",
    "bitrix",
    "sla",
    "alerts",
    "watch",
    "email",
    "tasks",
    "chatbot",
    "telegram",
    "keys",
];

/// Keys that flags own (with their own env vars); the generic `B24OPS_*` mapping skips them.
const FLAG_KEYS: [&str; 4] = ["config", "now", "read_only", "database_url"];

impl Config {
    /// Loads the configuration: `explicit` (from `--config`/`B24OPS_CONFIG`) must exist; without
    /// it the XDG file is read when present.
    pub fn load(explicit: Option<&Path>) -> Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match explicit {
            Some(p) => {
                if !p.exists() {
                    return Err(eyre!("config file {} does not exist", p.display()));
                }
                fig = fig.merge(Toml::file(p));
            }
            None => {
                if let Some(p) = default_config_path().filter(|p| p.exists()) {
                    fig = fig.merge(Toml::file(p));
                }
            }
        }
        // Other B24OPS_ variables (test URLs, later tools' tokens) are not configuration; a typo
        // inside a known section still fails loudly.
        let env = Env::prefixed("B24OPS_").split("__").ignore(&FLAG_KEYS).filter(|key| {
            let top = key.as_str().split('.').next().unwrap_or("").to_ascii_lowercase();
            CONFIG_KEYS.contains(&top.as_str())
        });
        fig = fig.merge(env);
        let cfg: Config = fig.extract().wrap_err("invalid configuration")?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<()> {
        if !self.timezone.is_empty() {
            self.timezone
                .parse::<chrono_tz::Tz>()
                .map_err(|_| eyre!("timezone {:?} is not an IANA zone name", self.timezone))?;
        }
        if self.tokens.lifetime_days <= 0 {
            return Err(eyre!("tokens.lifetime_days must be positive"));
        }
        if self.ui.tail_poll_ms < 20 {
            return Err(eyre!("ui.tail_poll_ms must be at least 20"));
        }
        if self.ui.max_rows < 100 {
            return Err(eyre!("ui.max_rows must be at least 100"));
        }
        if self.reviews.reply_within_hours <= 0 || self.reviews.publish_after_hours <= 0 {
            return Err(eyre!("reviews.reply_within_hours and reviews.publish_after_hours must be positive"));
        }
        if !(0.0..=1.0).contains(&self.reviews.near_share) {
            return Err(eyre!("reviews.near_share must be between 0 and 1"));
        }
        // A broken template file is reported at start, not when someone opens the editor.
        self.reply_templates()?;
        self.sla.rules(&self.timezone)?;
        self.alerts.rules()?;
        self.serve.validate()?;
        self.portals.validate()?;
        self.tasks.validate()?;
        Ok(())
    }

    /// The token classification policy these settings describe.
    pub fn token_policy(&self) -> TokenPolicy {
        TokenPolicy {
            lifetime: Duration::days(self.tokens.lifetime_days),
            critical: Duration::days(self.tokens.critical_days),
            warning: Duration::days(self.tokens.warning_days),
        }
    }

    /// The review reply targets these settings describe.
    pub fn review_policy(&self) -> ReviewPolicy {
        ReviewPolicy {
            reply_within: Duration::hours(self.reviews.reply_within_hours),
            publish_after: Duration::hours(self.reviews.publish_after_hours),
            near_share: self.reviews.near_share,
        }
    }

    /// The reply templates: the configured file's first, then the shipped ones.
    pub fn reply_templates(&self) -> Result<Vec<ReplyTemplate>> {
        let mut all = Vec::new();
        if !self.reviews.templates_file.is_empty() {
            let path = Path::new(&self.reviews.templates_file);
            let text = std::fs::read_to_string(path)
                .wrap_err_with(|| format!("cannot read reviews.templates_file {}", path.display()))?;
            all = templates::parse(&text).wrap_err_with(|| format!("in {}", path.display()))?;
        }
        all.extend(templates::shipped());
        Ok(all)
    }

    /// The zone planned checks count their days, weeks and months in: `timezone`, else UTC.
    pub fn zone(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::Tz::UTC)
    }

    /// The operator's name for the header and the audit log.
    pub fn operator_name(&self) -> String {
        if !self.operator.trim().is_empty() {
            return self.operator.trim().to_owned();
        }
        ["USER", "LOGNAME", "SUDO_USER"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            .unwrap_or_else(|| "operator".into())
    }

    /// Where incident records are kept: `$XDG_STATE_HOME/b24ops/incidents`.
    pub fn incident_dir(&self) -> PathBuf {
        state_dir().join("b24ops").join("incidents")
    }

    /// Where the log goes.
    pub fn log_path(&self) -> PathBuf {
        if !self.log.file.is_empty() {
            return PathBuf::from(&self.log.file);
        }
        state_dir().join("b24ops").join("b24ops.log")
    }
}

/// `$XDG_CONFIG_HOME/b24ops/config.toml`, else `~/.config/b24ops/config.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("b24ops").join("config.toml"))
}

fn state_dir() -> PathBuf {
    std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_secrets() {
        let mut c = Config { database_url: "postgres://app:hunter2@db/app".into(), ..Config::default() };
        c.serve.api_token = "tok-secret".into();
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("tok-secret"), "{shown}");
    }

    #[test]
    fn the_example_file_parses_and_matches_defaults() {
        let text = include_str!("../config.example.toml");
        let cfg: Config =
            Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(text)).extract().unwrap();
        assert_eq!(cfg, Config::default());
    }

    #[test]
    fn keys_are_read_by_command_name() {
        let text = "[keys]\nrefresh = \"F5\"\nfollow = \"F ctrl-f\"\n";
        let cfg: Config =
            Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(text)).extract().unwrap();
        assert_eq!(cfg.keys.get("refresh").map(String::as_str), Some("F5"));
        assert_eq!(cfg.keys.get("follow").map(String::as_str), Some("F ctrl-f"));
    }
}
