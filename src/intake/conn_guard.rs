//! The listener `serve` accepts through: every connection gets deadlines ([`TimedIo`]) and a
//! slot, and the slots are capped per client address and overall. At a cap the oldest idle
//! connection (one not inside a request) of that client, or of anyone, is closed to make room:
//! a flood of silent sockets then costs the flooder its own oldest sockets, while a newcomer —
//! `/healthz` from a monitor — always gets in. Only when every slot is busy is the newcomer
//! turned away. A trusted proxy's connections count only against the overall cap.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

use super::timed_io::{Slot, TimedIo, Timeouts};
use crate::config::ServeConfig;
use crate::rules::forwarded::TrustedProxies;

/// What a connection may hold.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Connections at once.
    pub max_total: usize,
    /// Connections at once from one address.
    pub max_per_client: usize,
    /// The deadlines.
    pub timeouts: Timeouts,
    /// Addresses exempt from the per-client cap.
    pub proxies: TrustedProxies,
}

impl Limits {
    /// The limits `[serve]` configures.
    pub fn from_config(cfg: &ServeConfig) -> color_eyre::eyre::Result<Limits> {
        Ok(Limits {
            max_total: cfg.max_connections,
            max_per_client: cfg.max_connections_per_client,
            timeouts: Timeouts {
                header: Duration::from_secs(cfg.header_timeout_secs),
                idle: Duration::from_secs(cfg.idle_timeout_secs),
            },
            proxies: cfg.proxies()?,
        })
    }
}

#[derive(Debug, Default)]
struct Registry {
    next_id: u64,
    /// Oldest first.
    slots: Vec<(u64, Arc<Slot>)>,
}

/// Frees a connection's slot when the connection is dropped.
#[derive(Debug)]
pub struct Release {
    id: u64,
    registry: Arc<Mutex<Registry>>,
}

impl Drop for Release {
    fn drop(&mut self) {
        lock(&self.registry).slots.retain(|(id, _)| *id != self.id);
    }
}

fn lock(r: &Mutex<Registry>) -> MutexGuard<'_, Registry> {
    // The registry stays consistent under a panic elsewhere (each change is one Vec operation).
    match r.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// A TCP listener with connection caps and deadlines.
pub struct GuardedListener {
    tcp: TcpListener,
    limits: Limits,
    registry: Arc<Mutex<Registry>>,
}

impl GuardedListener {
    /// Guards `tcp` with `limits`.
    pub fn new(tcp: TcpListener, limits: Limits) -> Self {
        GuardedListener { tcp, limits, registry: Arc::default() }
    }

    /// Connections held now (evicted ones still closing included).
    pub fn held(&self) -> usize {
        lock(&self.registry).slots.len()
    }

    /// A slot for a connection from `ip`, making room if it must; `None` when every slot that
    /// could be freed is busy.
    fn admit(&self, ip: IpAddr) -> Option<(Arc<Slot>, Release)> {
        let mut reg = lock(&self.registry);
        if !self.limits.proxies.trusts(ip) {
            let mine = reg.slots.iter().filter(|(_, s)| s.ip == ip && !s.is_evicted()).count();
            if mine >= self.limits.max_per_client && !evict_oldest_idle(&reg, |s| s.ip == ip) {
                return None;
            }
        }
        let all = reg.slots.iter().filter(|(_, s)| !s.is_evicted()).count();
        if all >= self.limits.max_total && !evict_oldest_idle(&reg, |_| true) {
            return None;
        }
        let id = reg.next_id;
        reg.next_id += 1;
        let slot = Arc::new(Slot::new(ip));
        reg.slots.push((id, slot.clone()));
        Some((slot, Release { id, registry: self.registry.clone() }))
    }
}

fn evict_oldest_idle(reg: &Registry, whose: impl Fn(&Slot) -> bool) -> bool {
    match reg.slots.iter().find(|(_, s)| whose(s) && !s.is_busy() && !s.is_evicted()) {
        Some((_, s)) => {
            s.evict();
            true
        }
        None => false,
    }
}

/// Errors of one connection, not of the listener: try the next one at once.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

/// The peer of a connection accepted through a [`GuardedListener`], for `ConnectInfo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Peer(pub SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, GuardedListener>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, GuardedListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

impl axum::serve::Listener for GuardedListener {
    type Io = TimedIo<TcpStream, Release>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, addr) = match self.tcp.accept().await {
                Ok(x) => x,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    // Out of file descriptors, most likely: free the oldest idle one and pause
                    // briefly rather than spin.
                    tracing::warn!(error = %e, "serve: accept failed");
                    evict_oldest_idle(&lock(&self.registry), |_| true);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            match self.admit(addr.ip()) {
                Some((slot, release)) => {
                    let _ = stream.set_nodelay(true);
                    return (TimedIo::new(stream, slot, release, self.limits.timeouts), addr);
                }
                None => {
                    tracing::warn!(client = %addr.ip(), "serve: every connection is busy; refused one");
                    drop(stream);
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(total: usize, per_client: usize) -> Limits {
        Limits {
            max_total: total,
            max_per_client: per_client,
            timeouts: Timeouts { header: Duration::from_secs(5), idle: Duration::from_secs(5) },
            proxies: TrustedProxies::parse(&["10.0.0.1".into()]).unwrap(),
        }
    }

    async fn listener(l: Limits) -> GuardedListener {
        GuardedListener::new(TcpListener::bind("127.0.0.1:0").await.unwrap(), l)
    }

    #[tokio::test]
    async fn a_client_over_its_cap_loses_its_oldest_idle_connection() {
        let g = listener(limits(100, 2)).await;
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let (first, _r1) = g.admit(ip).unwrap();
        let (second, _r2) = g.admit(ip).unwrap();
        let (_third, _r3) = g.admit(ip).unwrap();
        assert!(first.is_evicted() && !second.is_evicted());
        let (_other, _r4) = g.admit("192.0.2.2".parse().unwrap()).unwrap();
        assert!(!second.is_evicted(), "another client's connection costs this one nothing");
    }

    #[tokio::test]
    async fn busy_connections_are_kept_and_the_newcomer_refused() {
        let g = listener(limits(2, 10)).await;
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let a = g.admit(ip).unwrap();
        let b = g.admit(ip).unwrap();
        a.0.busy_for_test();
        b.0.busy_for_test();
        assert!(g.admit(ip).is_none());
        drop(a);
        assert_eq!(g.held(), 1, "a dropped connection frees its slot");
        assert!(g.admit(ip).is_some());
    }

    #[tokio::test]
    async fn a_trusted_proxy_counts_only_overall() {
        let g = listener(limits(3, 1)).await;
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let held: Vec<_> = (0..3).map(|_| g.admit(proxy).unwrap()).collect();
        assert!(held.iter().all(|(s, _)| !s.is_evicted()));
        let _fourth = g.admit(proxy).unwrap();
        assert!(held[0].0.is_evicted(), "the overall cap still holds");
    }
}
