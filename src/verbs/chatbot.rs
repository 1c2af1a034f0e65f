//! `b24ops chatbot register MEMBER_ID…`: the app's support bot on each portal, registered with
//! the portal's own tokens, its webhook pointing at serve.

use std::fmt::Write as _;

use color_eyre::eyre::{Result, bail, eyre};

use super::Ctx;
use super::report::{emit, json_text, open};
use crate::cli::{ChatbotRegisterArgs, ChatbotVerb};
use crate::model::MemberId;
use crate::services::chatbot::register;
use crate::services::tasks::Actor;
use crate::services::tokens::TokenService;

/// Runs a `chatbot` verb.
pub async fn run(ctx: &Ctx, verb: ChatbotVerb) -> Result<()> {
    match verb {
        ChatbotVerb::Register(a) => register_all(ctx, a).await,
    }
}

async fn register_all(ctx: &Ctx, a: ChatbotRegisterArgs) -> Result<()> {
    let members =
        a.member_ids.iter().map(|m| MemberId::parse(m).map_err(|e| eyre!("{e}"))).collect::<Result<Vec<_>>>()?;
    let store = open(ctx).await?;
    let tokens = TokenService::new(store.clone(), crate::services::settings::token_settings(&ctx.cfg)?, ctx.clock)?;
    let actor = Actor { operator: ctx.cfg.operator_name(), read_only: ctx.cfg.read_only };
    let done = register(&tokens, &ctx.cfg.chatbot, &actor, &members).await;
    // Let the background writes of the call log finish before the pool closes.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    store.close().await;
    let done = done?;
    if a.json {
        emit(&json_text(&done)?)?;
    } else {
        let mut out = String::new();
        for r in &done {
            match (r.bot_id, &r.error) {
                (Some(id), _) => writeln!(out, "{}: bot {id} registered", r.member_id)?,
                (None, e) => writeln!(out, "{}: not registered: {}", r.member_id, e.as_deref().unwrap_or("?"))?,
            }
        }
        emit(&out)?;
    }
    let failed = done.iter().filter(|r| r.bot_id.is_none()).count();
    if failed > 0 {
        bail!("the bot was not registered on {failed} of {} portals", done.len());
    }
    Ok(())
}
