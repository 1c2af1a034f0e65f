//! The command line: global options and the verbs.

mod maintenance_args;

pub use maintenance_args::{DocsVerb, MaintenanceArgs};

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

mod chatbot_args;
mod ticket_args;
pub use chatbot_args::{ChatbotRegisterArgs, ChatbotVerb};
pub use ticket_args::{TicketDeliverArgs, TicketReplyArgs, TicketShowArgs};

/// b24ops — the on-call console for a published Bitrix24 Marketplace application.
///
/// With no command it opens the console on the configured database.
#[derive(Debug, Parser)]
#[command(name = "b24ops", version, about, long_about = None)]
pub struct Cli {
    /// Global options.
    #[command(flatten)]
    pub global: Global,
    /// What to do (default: open the console).
    #[command(subcommand)]
    pub command: Option<Verb>,
}

/// Options every verb takes.
#[derive(Debug, Args)]
pub struct Global {
    /// The app's database: sqlite://PATH, postgres://…, mysql://…
    #[arg(long, global = true, env = "B24OPS_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Configuration file (default: $XDG_CONFIG_HOME/b24ops/config.toml).
    #[arg(long, global = true, env = "B24OPS_CONFIG")]
    pub config: Option<PathBuf>,
    /// Freeze the clock at this RFC 3339 instant (tests and demos).
    #[arg(long, global = true, env = "B24OPS_NOW")]
    pub now: Option<String>,
    /// Look but never write (`B24OPS_READ_ONLY` takes 1/true/yes/on and 0/false/no/off).
    #[arg(long, global = true, env = "B24OPS_READ_ONLY", action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub read_only: bool,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Verb {
    /// Open the console (the default).
    Console,
    /// Try b24ops with no setup: a seeded SQLite database, simulated live traffic, the console.
    Demo(DemoArgs),
    /// Create or upgrade b24ops's tables in the database.
    Migrate,
    /// Fill the database with a deterministic, realistic dataset.
    Seed(SeedArgs),
    /// Print REST calls, newest last (what the Calls tab shows).
    Calls(CallsArgs),
    /// Print error groups (what the Errors tab shows).
    Errors(ErrorsArgs),
    /// Print everything known about one portal (what the portal view shows).
    Portal(PortalArgs),
    /// List, restart or discard the app's background tasks.
    #[command(subcommand)]
    Tasks(TasksVerb),
    /// Print the audit log: every change the console made, newest first.
    Audit(AuditArgs),
    /// Marketplace reviews: list by deadline, import a file, print or mark a reply.
    #[command(subcommand)]
    Reviews(ReviewsVerb),
    /// Load REST-call records (NDJSON, one JSON object a line) from stdin.
    IngestCalls(IngestArgs),
    /// Delete calls and app errors older than a window, in small batches.
    Prune(PruneArgs),
    /// PostgreSQL: split the call log into daily partitions, which `prune` drops whole.
    Partition(PartitionArgs),
    /// Run the HTTP intake: /healthz, POST /api/calls, POST /api/errors.
    Serve(ServeArgs),
    /// Measure the console's queries, ingest, tail lag, memory and frames beside their peers.
    Bench(BenchArgs),
    /// Refresh tokens: list by days left, refresh safely, diagnose a portal, notify its admin.
    #[command(subcommand)]
    Tokens(TokensVerb),
    /// Where the portals and tokens live: check the `[portals]` mapping of the app's own table.
    #[command(subcommand)]
    Portals(PortalsVerb),
    /// Run the offline Bitrix24 (OAuth server and portals, with fault injection).
    Emulator(EmulatorArgs),
    /// Support tickets with their SLA clocks.
    #[command(subcommand)]
    Tickets(TicketsVerb),
    /// The app's support bot in the customer's Bitrix24.
    #[command(subcommand)]
    Chatbot(ChatbotVerb),
    /// Read one email (RFC 822) on stdin: a new ticket, or a reply threaded into its ticket.
    IngestEmail,
    /// Evaluate the alert rules once: exit 0 ok, 1 warning, 2 critical, 3 could not tell.
    Check(CheckArgs),
    /// Evaluate the alert rules continuously and notify (webhook, Slack, Telegram, Bitrix24).
    Watch(WatchArgs),
    /// Planned checks: deprecated methods (weekly), expiring tokens (monthly), reviews (daily).
    Maintenance(MaintenanceArgs),
    /// Incident mode: declare, add notes, show the timeline, resolve (exports Markdown).
    #[command(subcommand)]
    Incident(IncidentVerb),
}

/// `b24ops incident …`
#[derive(Debug, Subcommand)]
pub enum IncidentVerb {
    /// Declare an incident; its response clock starts on the business calendar.
    Declare {
        /// What is wrong.
        title: String,
        /// minor, major or critical (critical: respond within 2 business hours).
        #[arg(long, default_value = "critical")]
        severity: String,
        /// An affected portal (repeat for several; default: all portals).
        #[arg(long = "member-id")]
        member_ids: Vec<String>,
    },
    /// Add a note to the open incident's timeline.
    Note {
        /// The note.
        text: String,
    },
    /// Print the open (or a given) incident and its timeline.
    Show {
        /// Which incident (default: the open one).
        #[arg(long)]
        id: Option<i64>,
        /// JSON instead of Markdown.
        #[arg(long)]
        json: bool,
    },
    /// Resolve the open incident and print its Markdown record (or write it to --out).
    Resolve {
        /// A closing summary.
        #[arg(long, default_value = "")]
        summary: String,
        /// Write the Markdown here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// `b24ops watch`
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// How often to evaluate (default: watch.interval, 1m).
    #[arg(long)]
    pub interval: Option<String>,
    /// Run one cycle and exit (for testing a configuration).
    #[arg(long)]
    pub once: bool,
}

/// `b24ops check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `b24ops tickets …`
#[derive(Debug, Subcommand)]
pub enum TicketsVerb {
    /// Open tickets by next SLA deadline (--all: every ticket, newest first).
    List(TicketListArgs),
    /// One ticket's thread, with each reply's delivery state.
    Show(TicketShowArgs),
    /// A public reply (--text, or the text on stdin), queued for delivery to the customer.
    Reply(TicketReplyArgs),
    /// One delivery pass over the queued replies on every channel (for cron); exit 1 when one
    /// failed or replies wait on a channel that is not set up.
    Deliver(TicketDeliverArgs),
    /// One batch of the Telegram support bot's messages (getUpdates, for cron); exit 1 when the
    /// Bot API refused.
    PollTelegram(TicketDeliverArgs),
}

/// `tickets list`
#[derive(Debug, Args)]
pub struct TicketListArgs {
    /// Solved and closed tickets too, newest first.
    #[arg(long)]
    pub all: bool,
    /// At most this many tickets.
    #[arg(long, default_value_t = 500)]
    pub limit: i64,
    /// JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `b24ops portals …`
#[derive(Debug, Subcommand)]
pub enum PortalsVerb {
    /// Check the `[portals]` mapping against the live schema and print what b24ops understood.
    Check {
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `b24ops tokens …`
#[derive(Debug, Subcommand)]
pub enum TokensVerb {
    /// Installed portals by refresh-token days left, fewest first.
    List(TokenListArgs),
    /// Refresh portals' tokens safely (never racing the app's own workers).
    Refresh(TokenRefreshArgs),
    /// Check a portal: app status and payment, scopes, placements, methods it calls, clock.
    Diagnose(TokenDiagnoseArgs),
    /// Ask the trusted app.info about each live portal (paced) and repair what missed events left wrong.
    Reconcile(TokenReconcileArgs),
    /// Tell portals' admins (im.notify.system.add) what only they can fix: shown first, sent with --send.
    Notify(TokenNotifyArgs),
}

/// `tokens list`
#[derive(Debug, Args)]
pub struct TokenListArgs {
    /// At most this many portals.
    #[arg(long, default_value_t = 500)]
    pub limit: i64,
    /// JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `tokens refresh`
#[derive(Debug, Args)]
pub struct TokenRefreshArgs {
    /// Portals to refresh.
    pub member_ids: Vec<String>,
    /// Instead: every live portal within this many days of refresh-token death.
    #[arg(long, conflicts_with = "member_ids")]
    pub within_days: Option<i64>,
    /// JSON instead of lines.
    #[arg(long)]
    pub json: bool,
}

/// `tokens diagnose`
#[derive(Debug, Args)]
pub struct TokenDiagnoseArgs {
    /// The portal.
    pub member_id: String,
    /// JSON instead of a report.
    #[arg(long)]
    pub json: bool,
}

/// `tokens reconcile`
#[derive(Debug, Args)]
pub struct TokenReconcileArgs {
    /// Refresh an expired access token first (otherwise that portal is reported as not checked).
    #[arg(long)]
    pub refresh: bool,
    /// JSON instead of lines.
    #[arg(long)]
    pub json: bool,
}

/// `tokens notify`
#[derive(Debug, Args)]
pub struct TokenNotifyArgs {
    /// Portals whose admins to notify.
    #[arg(required = true)]
    pub member_ids: Vec<String>,
    /// Send the notices; without it they are only prepared and shown.
    #[arg(long)]
    pub send: bool,
    /// JSON instead of lines.
    #[arg(long)]
    pub json: bool,
}

/// `b24ops emulator`
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address to listen on (loopback unless you mean otherwise).
    #[arg(long, default_value = "127.0.0.1:8625")]
    pub listen: String,
    /// A TOML or JSON file with `[app]` and `[[portal]]` entries; without it, the portals (and
    /// their stored tokens) come from the database.
    #[arg(long)]
    pub portals: Option<PathBuf>,
    /// Also aim the database's portals at the emulator, so the console talks to it.
    #[arg(long)]
    pub point_db: bool,
    /// Post application events (install, uninstall, payment faults) here, as Bitrix24 would:
    /// e.g. `http://127.0.0.1:8700/b24/events` for `b24ops serve`.
    #[arg(long)]
    pub event_handler: Option<String>,
}

/// `b24ops bench`
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Iterations of each query.
    #[arg(long, default_value_t = 1000)]
    pub iterations: usize,
    /// Seconds each tail-lag rate runs.
    #[arg(long, default_value_t = 10)]
    pub tail_secs: u64,
    /// Insert rates for the tail lag, comma-separated.
    #[arg(long, default_value = "100,1000,5000", value_delimiter = ',')]
    pub tail_rates: Vec<u32>,
    /// Rows for the ingest figure.
    #[arg(long, default_value_t = 100_000)]
    pub ingest_rows: usize,
    /// Seconds the real console is left idle, in a pseudo-terminal, for the idle-CPU figure (0 skips).
    #[arg(long, default_value_t = 60)]
    pub idle_secs: u64,
    /// Instead: the Tasks tab over Laravel and Symfony failure stores of this many failed jobs
    /// (scratch tables, dropped after).
    #[arg(long, default_value_t = 0)]
    pub failed_jobs: i64,
}

/// `b24ops serve`
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default: serve.listen, 127.0.0.1:8624).
    #[arg(long)]
    pub listen: Option<String>,
}

/// `b24ops ingest-calls`
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Rows per transaction (a batch is also cut at 8 MiB of text).
    #[arg(long, default_value_t = 2000)]
    pub batch: usize,
    /// Longest line read; a longer one is named and skipped without being held in memory.
    #[arg(long, default_value_t = 1024 * 1024)]
    pub max_line_bytes: usize,
    /// A name for this input: each committed batch is remembered under it for a day, so running
    /// the same input again with the same id (after a failure) skips the batches already written.
    #[arg(long)]
    pub batch_id: Option<String>,
}

/// `b24ops prune`
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Keep this much history: 30d, 12h …
    #[arg(long)]
    pub older_than: String,
    /// Rows per delete.
    #[arg(long, default_value_t = 5000)]
    pub batch: i64,
    /// Pause between batches, in milliseconds (lets the app's writers in).
    #[arg(long, default_value_t = 5)]
    pub pause_ms: u64,
}

/// `b24ops partition`
#[derive(Debug, Args)]
pub struct PartitionArgs {
    /// Create the daily partitions from today through this many days ahead.
    #[arg(long, default_value_t = crate::rules::day_partitions::DAYS_AHEAD)]
    pub days_ahead: u32,
}

/// `b24ops tasks …`
#[derive(Debug, Subcommand)]
pub enum TasksVerb {
    /// List tasks (failed ones by default), newest failure first.
    List(TaskListArgs),
    /// Make failed tasks queued again, due now, with one more attempt if all were used.
    Restart(TaskActArgs),
    /// Mark failed tasks discarded.
    Discard(TaskActArgs),
    /// Print the SQL that gives the app's failure table an indexed member_id column, for the
    /// app's own migration (b24ops runs none of it); then set tasks.member_column.
    MemberIndex(TaskIndexArgs),
}

/// `b24ops tasks member-index`
#[derive(Debug, Args)]
pub struct TaskIndexArgs {
    /// The new column's name.
    #[arg(long, default_value = "member_id")]
    pub column: String,
    /// Messages written by Messenger's JSON Serializer instead of PHP serialize().
    #[arg(long)]
    pub json_serializer: bool,
}

/// `b24ops reviews …`
#[derive(Debug, Subcommand)]
pub enum ReviewsVerb {
    /// Reviews awaiting a reply, most urgent deadline first (--all adds answered ones).
    List(ReviewListArgs),
    /// Import reviews from a CSV or JSON file; idempotent on id, a bad file changes nothing.
    Import(ReviewImportArgs),
    /// Print a review's reply draft, for piping (`| pbcopy`, `| xclip`).
    Draft(ReviewDraftArgs),
    /// Mark a review's reply ready (checked) or published (pasted into the vendor cabinet).
    Mark(ReviewMarkArgs),
}

/// `reviews list`
#[derive(Debug, Args)]
pub struct ReviewListArgs {
    /// Answered (published) reviews too.
    #[arg(long)]
    pub all: bool,
    /// The Reviews tab's filter: `member:ID stars:1-2 status:draft words`.
    #[arg(long)]
    pub filter: Option<String>,
    /// At most this many reviews (of each: awaiting and answered).
    #[arg(long, default_value_t = 500)]
    pub limit: i64,
    /// JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `reviews import`
#[derive(Debug, Args)]
pub struct ReviewImportArgs {
    /// A .csv (header id,author,rating,text,submitted_at[,member_id,edited_at]) or .json file.
    pub file: std::path::PathBuf,
}

/// `reviews draft`
#[derive(Debug, Args)]
pub struct ReviewDraftArgs {
    /// The review's row id (the Reviews tab's `#`).
    pub id: i64,
    /// Print the draft exactly, nothing else (for pipes).
    #[arg(long)]
    pub print: bool,
}

/// `reviews mark`
#[derive(Debug, Args)]
pub struct ReviewMarkArgs {
    /// The review's row id.
    pub id: i64,
    /// ready or published.
    #[arg(value_parser = ["ready", "published"])]
    pub status: String,
}

/// Which tasks.
#[derive(Debug, Args)]
pub struct TaskSelect {
    /// Only this portal.
    #[arg(long)]
    pub member_id: Option<String>,
    /// Only this kind.
    #[arg(long)]
    pub kind: Option<String>,
    /// Only tasks whose last error contains this text.
    #[arg(long)]
    pub error: Option<String>,
}

/// `b24ops tasks list`
#[derive(Debug, Args)]
pub struct TaskListArgs {
    /// queued, running, failed, done, discarded, or all.
    #[arg(long, default_value = "failed")]
    pub status: String,
    /// Which tasks.
    #[command(flatten)]
    pub select: TaskSelect,
    /// How many (at most 10000).
    #[arg(long, default_value_t = 100)]
    pub limit: i64,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

/// `b24ops tasks restart|discard`
#[derive(Debug, Args)]
pub struct TaskActArgs {
    /// Task ids.
    pub ids: Vec<i64>,
    /// Every failed task matching --member-id / --kind / --error instead of ids.
    #[arg(long, conflicts_with = "ids")]
    pub all_failed: bool,
    /// Which tasks, with --all-failed.
    #[command(flatten)]
    pub select: TaskSelect,
    /// Confirm a bulk action or a discard.
    #[arg(long)]
    pub yes: bool,
}

/// `b24ops audit`
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only this portal.
    #[arg(long)]
    pub member_id: Option<String>,
    /// How many rows (at most 10000).
    #[arg(long, default_value_t = 100)]
    pub limit: i64,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

/// `b24ops demo`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo database at PATH (default: a temporary file removed on exit).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// The dataset seeded before the live traffic starts.
    #[command(flatten)]
    pub data: DatasetArgs,
    /// Simulated calls per second.
    #[arg(long, default_value_t = 25)]
    pub rate: u32,
    /// Seconds between simulated error bursts.
    #[arg(long, default_value_t = 180)]
    pub burst_every: u64,
}

/// `b24ops seed`
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// What to generate.
    #[command(flatten)]
    pub data: DatasetArgs,
    /// Leave out the rows with hostile text.
    #[arg(long)]
    pub no_hostile: bool,
}

/// The size and seed of a generated dataset.
#[derive(Debug, Args)]
pub struct DatasetArgs {
    /// RNG seed: the same seed and --now give the same rows.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Portals to generate.
    #[arg(long, default_value_t = 300)]
    pub portals: usize,
    /// REST calls to generate.
    #[arg(long, default_value_t = 100_000)]
    pub calls: u64,
}

/// `b24ops calls`
#[derive(Debug, Args)]
pub struct CallsArgs {
    /// Only this portal.
    #[arg(long)]
    pub member_id: Option<String>,
    /// A filter in the console's `/` language (e.g. "errors method:crm.deal slow:500").
    #[arg(long)]
    pub filter: Option<String>,
    /// How many calls (at most 10000).
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

/// `b24ops errors`
#[derive(Debug, Args)]
pub struct ErrorsArgs {
    /// The window groups are sorted by: 90s, 15m, 1h, 7d …
    #[arg(long, default_value = "15m")]
    pub window: String,
    /// Group by error type across portals.
    #[arg(long)]
    pub by_type: bool,
    /// Only this portal.
    #[arg(long)]
    pub member_id: Option<String>,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

/// `b24ops portal`
#[derive(Debug, Args)]
pub struct PortalArgs {
    /// A member_id or a domain.
    pub portal: String,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}
