//! `[tickets]`: how public replies reach the customer. The SMTP server's URL (it may carry a
//! password) is a secret and comes from `B24OPS_SMTP_URL` only.

use serde::{Deserialize, Serialize};

/// `[tickets]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TicketsConfig {
    /// The sender of replies (`Support <support@vendor.example>`); empty: replies stay queued.
    pub reply_from: String,
    /// Seconds between delivery passes in the console, `serve` and `watch`.
    pub deliver_every_secs: u64,
}

impl Default for TicketsConfig {
    fn default() -> Self {
        TicketsConfig { reply_from: String::new(), deliver_every_secs: 10 }
    }
}
