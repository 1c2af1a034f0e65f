//! Drives the small PHP apps under tests/php with the real frameworks Debian installs
//! (php-laravel-framework, php-symfony-messenger): they push jobs, run the framework's own worker
//! and record each job the worker processed.
//!
//! `.ci/run` installs PHP and sets `B24OPS_TEST_PHP=1`; with it (or under `CI=true`) a missing PHP
//! fails the test instead of skipping it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// True when PHP and the frameworks are installed; panics when they must be and are not.
pub fn php_ready(what: &str) -> bool {
    let required =
        std::env::var("B24OPS_TEST_PHP").is_ok_and(|v| v == "1") || std::env::var("CI").is_ok_and(|v| v == "true");
    let php = Command::new("php").arg("-v").output().is_ok_and(|o| o.status.success());
    let frameworks = Path::new("/usr/share/php/Illuminate/Queue").exists()
        && Path::new("/usr/share/php/Symfony/Component/Messenger/Bridge/Doctrine").exists()
        && Path::new("/usr/share/php/Doctrine/DBAL").exists();
    if php && frameworks {
        return true;
    }
    assert!(!required, "{what}: PHP or the frameworks are missing (apt-get install php-cli php-laravel-framework …)");
    eprintln!(
        "notice: {what} skipped: install php-cli php-laravel-framework php-symfony-messenger php-symfony-doctrine-messenger php-doctrine-dbal (see .ci/run)"
    );
    false
}

/// The test apps' directory.
pub fn apps_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/php")
}

/// The database URL as the PHP apps take it (`sqlite:///path`, `pgsql://…`, `mysql://…`).
pub fn php_db_url(sqlx_url: &str) -> String {
    let u = sqlx_url.split('?').next().unwrap_or(sqlx_url);
    match u.strip_prefix("postgres://") {
        Some(rest) => format!("pgsql://{rest}"),
        None => u.to_owned(),
    }
}

/// One Laravel app instance: its own state directory, migrations and processed-jobs log.
pub struct Laravel {
    pub state: tempfile::TempDir,
    pub db_url: String,
    pub env: Vec<(String, String)>,
}

impl Laravel {
    /// Creates Laravel's own `jobs` and `failed_jobs` tables with its own commands.
    pub fn new(sqlx_url: &str, extra_env: &[(&str, &str)]) -> Laravel {
        let state = tempfile::tempdir().unwrap();
        for d in ["storage/framework/cache", "storage/logs", "database/migrations"] {
            std::fs::create_dir_all(state.path().join(d)).unwrap();
        }
        let app = Laravel {
            db_url: php_db_url(sqlx_url),
            env: extra_env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            state,
        };
        app.artisan(&["queue:table"], false);
        app.artisan(&["queue:failed-table"], false);
        app.artisan(&["migrate", "--force"], false);
        app
    }

    /// Runs `php artisan ARGS`, jobs failing when `fail` is set; panics on a non-zero exit.
    pub fn artisan(&self, args: &[&str], fail: bool) -> String {
        let out = Command::new("php")
            .arg(apps_dir().join("laravel/artisan"))
            .args(args)
            .env("LARAVEL_STATE_DIR", self.state.path())
            .env("DB_URL", &self.db_url)
            .env("PROCESSED_LOG", self.log())
            .env("FAIL_JOBS", if fail { "1" } else { "0" })
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .expect("php runs");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "php artisan {args:?} failed:\n{text}");
        text
    }

    /// Dispatches one job per member (an empty member: a job that names no portal).
    pub fn push(&self, members: &[&str]) {
        let mut args = vec!["app:push"];
        args.extend_from_slice(members);
        self.artisan(&args, false);
    }

    /// The real worker until the queue is empty.
    pub fn work(&self, connection: &str, fail: bool) -> String {
        self.artisan(&["queue:work", connection, "--stop-when-empty"], fail)
    }

    /// The processed-jobs log path.
    pub fn log(&self) -> PathBuf {
        self.state.path().join("processed.log")
    }

    /// Each processed job as (uuid, member), in order.
    pub fn processed(&self) -> Vec<(String, String)> {
        std::fs::read_to_string(self.log())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once(' ').map(|(u, m)| (u.to_owned(), m.to_owned())))
            .collect()
    }
}

/// One Symfony Messenger app instance (tests/php/symfony/console.php) on a database: the
/// Doctrine transport's own `setup()` creates `messenger_messages`.
pub struct Symfony {
    pub state: tempfile::TempDir,
    pub db_url: String,
    /// `php` (PhpSerializer, Messenger's default) or `json` (Messenger's Serializer).
    pub serializer: &'static str,
}

impl Symfony {
    /// Creates the transport's table as the app's `messenger:setup-transports` would.
    pub fn new(sqlx_url: &str) -> Symfony {
        Symfony::with_serializer(sqlx_url, "php")
    }

    /// The same app with Messenger's JSON Serializer (symfony/serializer) on its transports.
    pub fn with_serializer(sqlx_url: &str, serializer: &'static str) -> Symfony {
        let app = Symfony { state: tempfile::tempdir().unwrap(), db_url: php_db_url(sqlx_url), serializer };
        app.console(&["setup"], false);
        app
    }

    /// Runs `php console.php ARGS`, the handler failing when `fail` is set; panics on a non-zero exit.
    pub fn console(&self, args: &[&str], fail: bool) -> String {
        let out = Command::new("php")
            .arg(apps_dir().join("symfony/console.php"))
            .args(args)
            .env("DB_URL", &self.db_url)
            .env("PROCESSED_LOG", self.log())
            .env("FAIL_JOBS", if fail { "1" } else { "0" })
            .env("SERIALIZER", self.serializer)
            .output()
            .expect("php runs");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "php console.php {args:?} failed:\n{text}");
        text
    }

    /// Dispatches one message per member (empty: a message naming no portal).
    pub fn push(&self, members: &[&str]) {
        let mut args = vec!["push"];
        args.extend_from_slice(members);
        self.console(&args, false);
    }

    /// The real worker on `async` until the queue is empty.
    pub fn consume(&self, fail: bool) -> String {
        self.console(&["consume"], fail)
    }

    /// The processed-messages log path.
    pub fn log(&self) -> PathBuf {
        self.state.path().join("processed.log")
    }

    /// The member of each processed message, in order.
    pub fn processed(&self) -> Vec<String> {
        std::fs::read_to_string(self.log()).unwrap_or_default().lines().map(str::to_owned).collect()
    }
}
