//! The arguments of `b24ops tickets show | reply | deliver`.

use clap::Args;

/// `tickets show`
#[derive(Debug, Args)]
pub struct TicketShowArgs {
    /// The ticket number.
    pub id: i64,
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `tickets reply`
#[derive(Debug, Args)]
pub struct TicketReplyArgs {
    /// The ticket number.
    pub id: i64,
    /// The reply; without it, read from stdin.
    #[arg(long)]
    pub text: Option<String>,
}

/// `tickets deliver`
#[derive(Debug, Args)]
pub struct TicketDeliverArgs {
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
}
