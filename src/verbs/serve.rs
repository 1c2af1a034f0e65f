//! `b24ops serve`: the HTTP intake until SIGTERM or Ctrl-C.

use color_eyre::eyre::{Result, WrapErr};
use tokio::signal::unix::{SignalKind, signal};

use super::Ctx;
use super::report::open;
use crate::cli::ServeArgs;
use crate::intake::conn_guard::{GuardedListener, Limits};
use crate::intake::events::EventIntake;
use crate::intake::sentry::SentryIntake;
use crate::intake::server::{Intake, router};
use crate::services::tokens::TokenService;

/// Serves until told to stop.
pub async fn run(ctx: &Ctx, a: ServeArgs) -> Result<()> {
    let listen = a.listen.unwrap_or_else(|| ctx.cfg.serve.listen.clone());
    let store = open(ctx).await?;
    let token = ctx.cfg.serve.token();
    if token.is_none() {
        eprintln!("b24ops serve: no API token (B24OPS_API_TOKEN): the JSON API will answer 401");
    }
    let tcp = tokio::net::TcpListener::bind(&listen).await.wrap_err_with(|| format!("cannot listen on {listen}"))?;
    let addr = tcp.local_addr()?;
    let listener = GuardedListener::new(tcp, Limits::from_config(&ctx.cfg.serve)?);
    eprintln!("b24ops serve: listening on http://{addr}");
    tracing::info!(%addr, "serve: listening");
    let intake = Intake { clock: ctx.clock, ..Intake::new(store.clone(), token, ctx.cfg.read_only) }
        .configured(&ctx.cfg.serve)?;
    let tokens = std::sync::Arc::new(TokenService::new(
        store.clone(),
        crate::services::settings::token_settings(&ctx.cfg)?,
        ctx.clock,
    )?);
    let sentry = SentryIntake::new(
        Intake { max_body: ctx.cfg.serve.max_body_bytes, ..intake.clone() },
        ctx.cfg.serve.sentry_keys(),
        &ctx.cfg.serve,
    );
    let app = router(intake.clone(), ctx.cfg.serve.max_body_bytes)
        .merge(crate::intake::imbot::router(intake.clone()))
        .merge(crate::intake::events::router(EventIntake { intake, tokens: tokens.clone() }))
        .merge(crate::intake::sentry::router(sentry));
    let deliverer = crate::services::outbox::spawn_deliverer_with(
        &store,
        &crate::services::settings::outbox_settings(&ctx.cfg),
        ctx.clock,
        tokens,
    );
    // The Telegram support bot long-polls beside the server when its token is set.
    let poller =
        crate::services::telegram_intake::spawn_poller(&store, &ctx.cfg.telegram, ctx.clock, ctx.cfg.read_only)
            .map_err(|e| color_eyre::eyre::eyre!("the Telegram support bot: {e}"))?;
    if poller.is_some() {
        eprintln!("b24ops serve: the Telegram support bot is polling {}", ctx.cfg.telegram.api_base);
    }
    let mut term = signal(SignalKind::terminate())?;
    axum::serve(listener, app.into_make_service_with_connect_info::<crate::intake::conn_guard::Peer>())
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        })
        .await
        .wrap_err("the server stopped")?;
    drop(poller);
    drop(deliverer);
    store.close().await;
    eprintln!("b24ops serve: stopped");
    Ok(())
}
