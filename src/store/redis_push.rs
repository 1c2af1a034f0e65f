//! Pushing a job onto a Laravel Redis queue: one `EVAL` of Laravel's own push script over a
//! plain RESP connection (Illuminate/Queue/RedisQueue.php pushRaw, LuaScripts.php push): the
//! payload is appended to `queues:NAME` and a token to `queues:NAME:notify`, atomically, so a
//! worker blocked on either list wakes.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Laravel's `LuaScripts::push()`, byte for byte.
const PUSH_SCRIPT: &str = "-- Push the job onto the queue...\nredis.call('rpush', KEYS[1], ARGV[1])\n-- Push a notification onto the \"notify\" queue...\nredis.call('rpush', KEYS[2], 1)";

/// How long a push may take before the restart is abandoned (and rolled back).
const TIMEOUT: Duration = Duration::from_secs(5);

/// A Redis server named by `redis://[:password@]host[:port][/db]`.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisTarget {
    addr: String,
    db: u32,
    password: Option<String>,
    /// The app connection's key prefix.
    pub prefix: String,
}

impl std::fmt::Debug for RedisTarget {
    /// The password is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTarget").field("addr", &self.addr).field("db", &self.db).finish_non_exhaustive()
    }
}

impl RedisTarget {
    /// Parses the URL; the error never repeats a password.
    pub fn parse(url: &str, prefix: &str) -> Result<RedisTarget, String> {
        let rest = url.trim().strip_prefix("redis://").ok_or("tasks.redis_url must start with redis://")?;
        let (auth, hostpart) = match rest.rsplit_once('@') {
            Some((a, h)) => (Some(a), h),
            None => (None, rest),
        };
        let (host, db) = match hostpart.split_once('/') {
            Some((h, d)) if !d.is_empty() => {
                (h, d.parse::<u32>().map_err(|_| "tasks.redis_url: the database must be a number")?)
            }
            Some((h, _)) => (h, 0),
            None => (hostpart, 0),
        };
        if host.is_empty() {
            return Err("tasks.redis_url names no host".into());
        }
        let addr = if host.contains(':') { host.to_owned() } else { format!("{host}:6379") };
        let password = auth.map(|a| a.rsplit(':').next().unwrap_or(a).to_owned()).filter(|p| !p.is_empty());
        Ok(RedisTarget { addr, db, password, prefix: prefix.to_owned() })
    }

    /// The key of a queue's list, as the app's connection spells it.
    pub fn queue_key(&self, queue: &str) -> String {
        format!("{}queues:{queue}", self.prefix)
    }

    /// Runs Laravel's push script for `payload` on `queue`.
    pub async fn push(&self, queue: &str, payload: &str) -> Result<(), String> {
        tokio::time::timeout(TIMEOUT, self.push_inner(queue, payload))
            .await
            .map_err(|_| format!("Redis at {} did not answer within {} s", self.addr, TIMEOUT.as_secs()))?
    }

    async fn push_inner(&self, queue: &str, payload: &str) -> Result<(), String> {
        let stream =
            TcpStream::connect(&self.addr).await.map_err(|e| format!("cannot reach Redis at {}: {e}", self.addr))?;
        let mut conn = BufReader::new(stream);
        if let Some(p) = &self.password {
            command(&mut conn, &["AUTH", p]).await?;
        }
        if self.db != 0 {
            command(&mut conn, &["SELECT", &self.db.to_string()]).await?;
        }
        let key = self.queue_key(queue);
        let notify = format!("{key}:notify");
        command(&mut conn, &["EVAL", PUSH_SCRIPT, "2", &key, &notify, payload]).await
    }
}

/// Sends one command and reads its reply's first line: an error reply becomes the error.
async fn command(conn: &mut BufReader<TcpStream>, args: &[&str]) -> Result<(), String> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    conn.get_mut().write_all(&out).await.map_err(|e| format!("Redis write failed: {e}"))?;
    let mut line = String::new();
    conn.read_line(&mut line).await.map_err(|e| format!("Redis read failed: {e}"))?;
    match line.chars().next() {
        Some('-') => Err(format!("Redis refused: {}", line[1..].trim())),
        Some('+' | ':' | '$' | '*') => Ok(()),
        _ => Err("Redis closed the connection".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_and_keys_take_the_prefix() {
        let t = RedisTarget::parse("redis://127.0.0.1:6380/2", "app_database_").unwrap();
        assert_eq!((t.addr.as_str(), t.db, t.password.as_deref()), ("127.0.0.1:6380", 2, None));
        assert_eq!(t.queue_key("default"), "app_database_queues:default");
        let p = RedisTarget::parse("redis://:s3cret@cache", "").unwrap();
        assert_eq!((p.addr.as_str(), p.password.as_deref()), ("cache:6379", Some("s3cret")));
        let e = RedisTarget::parse("redis://:s3cret@cache/x", "").unwrap_err();
        assert!(!e.contains("s3cret"));
    }
}
