//! The arguments of `b24ops chatbot`.

use clap::{Args, Subcommand};

/// `chatbot …`
#[derive(Debug, Subcommand)]
pub enum ChatbotVerb {
    /// Register the app's support bot on portals (imbot.v2.Bot.register, webhook to serve).
    Register(ChatbotRegisterArgs),
}

/// `chatbot register`
#[derive(Debug, Args)]
pub struct ChatbotRegisterArgs {
    /// The portals (member_id), one or more.
    #[arg(required = true)]
    pub member_ids: Vec<String>,
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
}
