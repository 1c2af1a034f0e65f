//! Where failed tasks are read from and restarted into: b24ops's own `b24ops_tasks`, Laravel's
//! `failed_jobs` (with its `jobs` table and Redis queues), or Symfony Messenger's Doctrine table.

use color_eyre::eyre::{Result, eyre};

use super::redis_push::RedisTarget;
use crate::config::{TaskAdapter, TasksConfig, TimeEncoding};
use crate::rules::queue_payload::MemberRule;

/// Laravel's failure store, as `[tasks]` names it.
#[derive(Clone, Debug)]
pub struct LaravelSource {
    /// `failed_jobs`.
    pub failed_table: String,
    /// `jobs` (the database driver's queue).
    pub jobs_table: String,
    /// How `failed_at` is kept.
    pub failed_at: TimeEncoding,
    /// The window a restarted `retryUntil` is set to (0: refuse such restarts).
    pub retry_until_secs: i64,
    /// The Redis server behind the app's `redis` connections.
    pub redis: Option<RedisTarget>,
    /// Where a job names its portal.
    pub member: MemberRule,
    /// The app's indexed column holding each job's member_id, if it has one.
    pub member_column: Option<String>,
}

/// Symfony Messenger's Doctrine transport, as `[tasks]` names it.
#[derive(Clone, Debug)]
pub struct SymfonySource {
    /// `messenger_messages`.
    pub table: String,
    /// The failure transport's `queue_name`.
    pub failure_queue: String,
    /// Each Doctrine transport's `queue_name`, by transport name.
    pub transport_queues: std::collections::BTreeMap<String, String>,
    /// How the app's PHP writes the datetime columns (`created_at`, `available_at`).
    pub times: TimeEncoding,
    /// Where a message names its portal.
    pub member: MemberRule,
    /// The app's indexed column holding each message's member_id, if it has one.
    pub member_column: Option<String>,
}

/// The failure store the Tasks tab reads.
#[derive(Clone, Debug, Default)]
pub enum TaskSource {
    /// `b24ops_tasks`.
    #[default]
    Native,
    /// Laravel.
    Laravel(LaravelSource),
    /// Symfony Messenger.
    Symfony(SymfonySource),
}

impl TaskSource {
    /// The source `[tasks]` describes.
    pub fn from_config(cfg: &TasksConfig) -> Result<TaskSource> {
        cfg.validate()?;
        let member = MemberRule {
            path: Some(cfg.member_path.trim().to_owned()).filter(|p| !p.is_empty()),
            keys: cfg.member_keys.iter().map(|k| k.trim().to_owned()).filter(|k| !k.is_empty()).collect(),
        };
        let member_column = Some(cfg.member_column.trim().to_owned()).filter(|c| !c.is_empty());
        Ok(match cfg.adapter()? {
            TaskAdapter::Native => TaskSource::Native,
            TaskAdapter::Laravel => TaskSource::Laravel(LaravelSource {
                failed_table: cfg.failed_table.trim().to_owned(),
                jobs_table: cfg.jobs_table.trim().to_owned(),
                failed_at: TimeEncoding::parse(&cfg.failed_at)?,
                retry_until_secs: cfg.retry_until_secs,
                redis: match cfg.redis_url.trim() {
                    "" => None,
                    url => Some(RedisTarget::parse(url, &cfg.redis_prefix).map_err(|e| eyre!(e))?),
                },
                member,
                member_column,
            }),
            TaskAdapter::Symfony => TaskSource::Symfony(SymfonySource {
                table: cfg.messages_table.trim().to_owned(),
                failure_queue: cfg.failure_queue.trim().to_owned(),
                transport_queues: cfg
                    .transport_queues
                    .iter()
                    .map(|(t, q)| (t.trim().to_owned(), q.trim().to_owned()))
                    .collect(),
                times: TimeEncoding::parse(&cfg.failed_at)?,
                member,
                member_column,
            }),
        })
    }

    /// For a framework's table without `tasks.member_column`: how many of the newest job ids a
    /// portal filter searches.
    pub fn member_scan_window(&self) -> Option<i64> {
        match self {
            TaskSource::Laravel(LaravelSource { member_column: None, .. })
            | TaskSource::Symfony(SymfonySource { member_column: None, .. }) => {
                Some(super::member_scan::MEMBER_SCAN_IDS)
            }
            _ => None,
        }
    }

    /// A name for `tasks` output and the tab's title.
    pub fn describe(&self) -> String {
        match self {
            TaskSource::Native => "b24ops_tasks".into(),
            TaskSource::Laravel(l) => format!("Laravel {}", l.failed_table),
            TaskSource::Symfony(s) => format!("Symfony Messenger {} (queue {})", s.table, s.failure_queue),
        }
    }
}
