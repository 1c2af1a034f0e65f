//! What each verb does, on top of the shared services and store.

#[cfg(feature = "bench")]
mod bench;
mod chatbot;
mod check;
mod console;
mod data;
#[cfg(feature = "demo")]
mod demo;
mod doc_checks;
#[cfg(feature = "emulator")]
mod emulator;
mod incident;
mod ingest;
mod maintenance;
mod partition;
mod portals;
mod prune;
mod report;
mod reviews;
mod serve;
mod tasks;
mod ticket_deliver;
mod ticket_thread;
mod tickets;
mod tokens;
mod watch;

use color_eyre::eyre::{Result, eyre};

use crate::cli::{Cli, Verb};
use crate::clock::{Clock, parse_now};
use crate::config::Config;

/// An exit status a verb chose (for monitoring systems); the verb has printed its report.
#[derive(Debug, thiserror::Error)]
#[error("exit status {0}")]
pub struct ExitStatus(pub u8);

/// What every verb needs.
pub struct Ctx {
    /// Effective configuration (flags applied).
    pub cfg: Config,
    /// The clock.
    pub clock: Clock,
}

impl Ctx {
    /// Builds the context from flags and configuration.
    pub fn new(cli: &Cli, mut cfg: Config) -> Result<Ctx> {
        if let Some(url) = &cli.global.database_url {
            cfg.database_url = url.clone();
        }
        if cli.global.read_only {
            cfg.read_only = true;
        }
        let clock = match &cli.global.now {
            Some(raw) => Clock::Fixed(parse_now(raw).map_err(|e| eyre!(e))?),
            None => Clock::System,
        };
        Ok(Ctx { cfg, clock })
    }
}

/// Verbs that write to the database, refused in read-only mode. (`tasks restart|discard` and
/// `reviews import|mark` are refused by their services; `serve` answers its write endpoints with 403.)
fn writes(verb: &Verb) -> Option<&'static str> {
    match verb {
        Verb::Migrate => Some("migrate"),
        Verb::Seed(_) => Some("seed"),
        Verb::IngestCalls(_) => Some("ingest-calls"),
        Verb::Prune(_) => Some("prune"),
        Verb::Partition(_) => Some("partition"),
        Verb::Bench(_) => Some("bench"),
        Verb::IngestEmail => Some("ingest-email"),
        Verb::Watch(_) => Some("watch"),
        _ => None,
    }
}

/// The error of a verb this build was made without (`cargo build --no-default-features`).
#[cfg(not(all(feature = "demo", feature = "bench", feature = "emulator")))]
fn left_out(verb: &str, feature: &str) -> color_eyre::Report {
    eyre!("{verb}: this b24ops was built without it; build with `--features {feature}` (on by default)")
}

/// Runs the verb.
pub async fn dispatch(cli: Cli, ctx: Ctx) -> Result<()> {
    if let Some(name) = cli.command.as_ref().and_then(writes)
        && ctx.cfg.read_only
    {
        return Err(eyre!("{name}: refused, b24ops is in read-only mode (--read-only / B24OPS_READ_ONLY)"));
    }
    match cli.command {
        None | Some(Verb::Console) => console::run(&ctx).await,
        #[cfg(feature = "demo")]
        Some(Verb::Demo(a)) => demo::run(&ctx, a).await,
        #[cfg(not(feature = "demo"))]
        Some(Verb::Demo(_)) => Err(left_out("demo", "demo")),
        Some(Verb::Migrate) => data::migrate(&ctx).await,
        #[cfg(feature = "demo")]
        Some(Verb::Seed(a)) => data::seed(&ctx, a).await,
        #[cfg(not(feature = "demo"))]
        Some(Verb::Seed(_)) => Err(left_out("seed", "demo")),
        Some(Verb::Calls(a)) => report::calls(&ctx, a).await,
        Some(Verb::Errors(a)) => report::errors(&ctx, a).await,
        Some(Verb::Portal(a)) => report::portal(&ctx, a).await,
        Some(Verb::Tasks(v)) => tasks::run(&ctx, v).await,
        Some(Verb::Audit(a)) => tasks::audit(&ctx, a).await,
        Some(Verb::Reviews(v)) => reviews::run(&ctx, v).await,
        Some(Verb::IngestCalls(a)) => ingest::ingest_calls(&ctx, a).await,
        Some(Verb::Prune(a)) => prune::prune(&ctx, a).await,
        Some(Verb::Partition(a)) => partition::partition(&ctx, a).await,
        Some(Verb::Serve(a)) => serve::run(&ctx, a).await,
        #[cfg(feature = "bench")]
        Some(Verb::Bench(a)) => bench::run(&ctx, a, &cli.global).await,
        #[cfg(not(feature = "bench"))]
        Some(Verb::Bench(_)) => Err(left_out("bench", "bench")),
        Some(Verb::Tokens(v)) => tokens::run(&ctx, v).await,
        Some(Verb::Portals(v)) => portals::run(&ctx, v).await,
        #[cfg(feature = "emulator")]
        Some(Verb::Emulator(a)) => emulator::run(&ctx, a).await,
        #[cfg(not(feature = "emulator"))]
        Some(Verb::Emulator(_)) => Err(left_out("emulator", "emulator")),
        Some(Verb::Tickets(v)) => tickets::run(&ctx, v).await,
        Some(Verb::Chatbot(v)) => chatbot::run(&ctx, v).await,
        Some(Verb::IngestEmail) => tickets::ingest_email(&ctx).await,
        Some(Verb::Check(a)) => check::run(&ctx, a).await,
        Some(Verb::Watch(a)) => watch::run(&ctx, a).await,
        Some(Verb::Maintenance(a)) => maintenance::run(&ctx, a).await,
        Some(Verb::Incident(v)) => incident::run(&ctx, v).await,
    }
}
