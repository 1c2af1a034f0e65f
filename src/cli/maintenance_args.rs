//! `b24ops maintenance`'s arguments: the planned checks, and the weekly reading of the REST docs.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `b24ops maintenance`
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct MaintenanceArgs {
    /// Read the REST changelog or rebuild the deprecation list (default: report the checks).
    #[command(subcommand)]
    pub docs: Option<DocsVerb>,
    /// Mark this check done (deprecations, tokens, reviews) instead of reporting.
    #[arg(long)]
    pub done: Option<String>,
    /// The note to keep with --done.
    #[arg(long, requires = "done")]
    pub note: Option<String>,
    /// JSON instead of a report.
    #[arg(long)]
    pub json: bool,
}

/// `b24ops maintenance changelog|deprecations`: the weekly check's reading of the REST docs.
#[derive(Debug, Subcommand)]
pub enum DocsVerb {
    /// List the REST changelog's entries since the last weekly check, those touching the app first.
    Changelog {
        /// A checkout of the docs repository, its whats-new.md, or an address (default: the
        /// English changelog on GitHub).
        #[arg(long)]
        from: Option<String>,
        /// List entries after this date (YYYY-MM-DD) instead of the last weekly check's.
        #[arg(long)]
        since: Option<String>,
        /// JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Show the deprecation list in force, or rebuild it from a docs checkout with --refresh.
    Deprecations {
        /// Rebuild from the checkout given with --from and store it for the weekly check.
        #[arg(long, requires = "from")]
        refresh: bool,
        /// A checkout of the docs repository.
        #[arg(long)]
        from: Option<PathBuf>,
        /// JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
}
