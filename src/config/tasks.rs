//! `[tasks]`: where the app's background jobs fail into.
//!
//! By default the Tasks tab reads b24ops's own `b24ops_tasks`. An app whose jobs run on a
//! framework queue points b24ops at that framework's own failure store instead: Laravel's
//! `failed_jobs` (whatever the queue driver) or Symfony Messenger's Doctrine table
//! `messenger_messages`. b24ops reads those tables as the framework wrote them and never alters
//! their schema.

use color_eyre::eyre::{Result, eyre};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `[tasks]`
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TasksConfig {
    /// `b24ops` (b24ops's own table), `laravel` or `symfony`.
    pub adapter: String,
    /// Laravel: the failed-jobs table.
    pub failed_table: String,
    /// Laravel: the database driver's jobs table (restarts of `database` jobs go here).
    pub jobs_table: String,
    /// How the app's PHP writes its datetime columns (`datetime`, `datetime:ZONE` for a zone other
    /// than UTC, …): Laravel's `failed_at`, Symfony's `created_at` and `available_at`.
    pub failed_at: String,
    /// Laravel: the seconds a restarted job's `retryUntil` is set ahead, for jobs that have one
    /// (what the job's own `retryUntil()` returns; b24ops cannot call PHP). 0: such restarts
    /// are refused.
    pub retry_until_secs: i64,
    /// Laravel `redis` connection: the server, `redis://host:port/db` (empty: restarts refused).
    pub redis_url: String,
    /// Laravel `redis` connection: the key prefix of the app's Redis connection
    /// (`database.redis.options.prefix`).
    pub redis_prefix: String,
    /// Symfony: the Doctrine transport's table.
    pub messages_table: String,
    /// Symfony: the failure transport's `queue_name`.
    pub failure_queue: String,
    /// Symfony: each Doctrine transport's `queue_name` by transport name (the name a
    /// `SentToFailureTransportStamp` records), for restarts; the recipe's `async` on Doctrine's
    /// default queue by default.
    pub transport_queues: BTreeMap<String, String>,
    /// Where the portal's member_id is in a job: a JSON pointer into the payload (`/data/member`)
    /// or, when empty, the first property below found in the serialized message.
    pub member_path: String,
    /// Property names holding the member_id in the serialized command or message.
    pub member_keys: Vec<String>,
    /// A column of the app's failure table that holds each job's member_id, with an index on
    /// (column, id) — a generated column the app adds (docs/your-queue.md gives the DDL). The
    /// portal filter then reads that index; empty: it scans the payloads of the newest
    /// failed jobs only (a bounded window).
    pub member_column: String,
}

impl Default for TasksConfig {
    fn default() -> Self {
        TasksConfig {
            adapter: "b24ops".into(),
            failed_table: "failed_jobs".into(),
            jobs_table: "jobs".into(),
            failed_at: "datetime".into(),
            retry_until_secs: 0,
            redis_url: String::new(),
            redis_prefix: String::new(),
            messages_table: "messenger_messages".into(),
            failure_queue: "failed".into(),
            transport_queues: BTreeMap::from([("async".to_owned(), "default".to_owned())]),
            member_path: String::new(),
            member_keys: vec!["memberId".into(), "member_id".into()],
            member_column: String::new(),
        }
    }
}

impl std::fmt::Debug for TasksConfig {
    /// A Redis password never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TasksConfig")
            .field("adapter", &self.adapter)
            .field("failed_table", &self.failed_table)
            .field("jobs_table", &self.jobs_table)
            .field("redis_url", &super::mask_url(&self.redis_url))
            .field("messages_table", &self.messages_table)
            .field("failure_queue", &self.failure_queue)
            .finish_non_exhaustive()
    }
}

/// Which failure store the Tasks tab reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskAdapter {
    /// `b24ops_tasks`.
    Native,
    /// Laravel's `failed_jobs` (and `jobs`).
    Laravel,
    /// Symfony Messenger's Doctrine transport.
    Symfony,
}

impl TasksConfig {
    /// The adapter named.
    pub fn adapter(&self) -> Result<TaskAdapter> {
        match self.adapter.trim() {
            "" | "b24ops" => Ok(TaskAdapter::Native),
            "laravel" => Ok(TaskAdapter::Laravel),
            "symfony" => Ok(TaskAdapter::Symfony),
            other => Err(eyre!("tasks.adapter = {other:?}: use b24ops, laravel or symfony")),
        }
    }

    /// Checks names so a mistake fails at start with a clear line, never as SQL.
    pub fn validate(&self) -> Result<()> {
        self.adapter()?;
        for (key, value) in [
            ("failed_table", &self.failed_table),
            ("jobs_table", &self.jobs_table),
            ("messages_table", &self.messages_table),
        ] {
            super::portals::identifier(&format!("tasks.{key}"), value, true)?;
            if value.trim().is_empty() {
                return Err(eyre!("tasks.{key} must not be empty"));
            }
        }
        super::portals::identifier("tasks.member_column", &self.member_column, false)?;
        // 190: the Doctrine transport's queue_name column (Connection::addTableToSchema).
        if self.failure_queue.trim().is_empty() || self.failure_queue.len() > 190 {
            return Err(eyre!("tasks.failure_queue must be 1–190 characters"));
        }
        for (transport, queue) in &self.transport_queues {
            if queue.trim().is_empty() || queue.len() > 190 || queue.trim() == self.failure_queue.trim() {
                return Err(eyre!(
                    "tasks.transport_queues.{transport} must be a queue_name of 1–190 characters other than the failure queue"
                ));
            }
        }
        super::TimeEncoding::parse(&self.failed_at)?;
        if !(0..=366 * 86_400).contains(&self.retry_until_secs) {
            return Err(eyre!("tasks.retry_until_secs must be between 0 and one year"));
        }
        let path = self.member_path.trim();
        if !path.is_empty() && !path.starts_with('/') {
            return Err(eyre!("tasks.member_path = {path:?} is not a JSON pointer (it starts with /)"));
        }
        if path.is_empty() && self.member_keys.iter().all(|k| k.trim().is_empty()) {
            return Err(eyre!("tasks.member_keys is empty and tasks.member_path unset: no job could name its portal"));
        }
        let url = self.redis_url.trim();
        if !url.is_empty() && !url.starts_with("redis://") {
            return Err(eyre!("tasks.redis_url must start with redis://"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_frameworks_own_names() {
        let c = TasksConfig::default();
        assert!(c.validate().is_ok());
        assert_eq!(c.adapter().unwrap(), TaskAdapter::Native);
        assert_eq!((c.failed_table.as_str(), c.failure_queue.as_str()), ("failed_jobs", "failed"));
    }

    #[test]
    fn bad_settings_are_refused_with_the_key() {
        let bad = |f: fn(&mut TasksConfig)| {
            let mut c = TasksConfig::default();
            f(&mut c);
            c.validate().unwrap_err().to_string()
        };
        assert!(bad(|c| c.adapter = "sidekiq".into()).contains("tasks.adapter"));
        assert!(
            bad(|c| {
                c.adapter = "symfony".into();
                c.transport_queues.insert("async".into(), "failed".into());
            })
            .contains("tasks.transport_queues.async")
        );
        assert!(bad(|c| c.failed_table = "x; DROP TABLE y".into()).contains("tasks.failed_table"));
        assert!(bad(|c| c.member_path = "data.member".into()).contains("JSON pointer"));
        assert!(bad(|c| c.redis_url = "http://x".into()).contains("redis://"));
        assert!(bad(|c| c.failed_at = "unix".into()).contains("time encoding"));
        assert!(bad(|c| c.member_column = "payload LIKE 1".into()).contains("plain SQL name"));
        let secret = TasksConfig { redis_url: "redis://:hunter2@cache:6379".into(), ..TasksConfig::default() };
        assert!(!format!("{secret:?}").contains("hunter2"));
    }
}
