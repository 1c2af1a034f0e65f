//! `b24ops`: parse, load configuration, start logging, dispatch. Errors reach the user as one
//! line; the details go to the log file.

use std::process::ExitCode;

use clap::Parser;

use b24ops::cli::Cli;
use b24ops::config::Config;
use b24ops::verbs::{Ctx, dispatch};

fn main() -> ExitCode {
    if let Err(e) = color_eyre::install() {
        eprintln!("b24ops: {e}");
    }
    let cli = Cli::parse();
    let cfg = match Config::load(cli.global.config.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let _log = match b24ops::logging::init(&cfg.log_path(), &cfg.log.level) {
        Ok(g) => Some(g),
        Err(e) => {
            eprintln!("b24ops: logging disabled: {e:#}");
            None
        }
    };
    let ctx = match Ctx::new(&cli, cfg) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => return fail(&e.into()),
    };
    match runtime.block_on(dispatch(cli, ctx)) {
        Ok(()) => ExitCode::SUCCESS,
        // A verb that reports through its exit status (`check`) has said everything already.
        Err(e) if e.downcast_ref::<b24ops::verbs::ExitStatus>().is_some() => {
            ExitCode::from(e.downcast_ref::<b24ops::verbs::ExitStatus>().map(|s| s.0).unwrap_or(1))
        }
        Err(e) => fail(&e),
    }
}

fn fail(e: &color_eyre::eyre::Report) -> ExitCode {
    tracing::error!("{e:?}");
    eprintln!("b24ops: {e:#}");
    ExitCode::FAILURE
}
