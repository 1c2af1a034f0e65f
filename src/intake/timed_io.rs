//! A socket with deadlines, for the HTTP intake. hyper, as axum serves it, has no header-read or
//! idle timeout, so a client that connects and says nothing (or one byte every few seconds)
//! would hold its socket for ever. This wrapper watches the bytes go by and knows three phases:
//!
//! - *awaiting* a request: a new connection must start one within the header timeout; between
//!   requests a kept-alive one may wait the idle timeout;
//! - *headers* arriving: they must be complete (a blank line seen) within the header timeout,
//!   however slowly they trickle;
//! - *busy* with a request (body, handler, answer): it may go silent for the idle timeout.
//!
//! A connection that overstays fails its read or write with `TimedOut`, which makes hyper close
//! it. Its [`Slot`] also lets the listener close it from outside to make room (only while it
//! is not busy).

use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// The deadlines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// From a request's first byte (or from connecting) to the end of its headers.
    pub header: Duration,
    /// Silence allowed between requests and inside one.
    pub idle: Duration,
}

/// One connection as the listener sees it.
#[derive(Debug)]
pub struct Slot {
    /// The peer's address.
    pub ip: IpAddr,
    busy: AtomicBool,
    evicted: AtomicBool,
    waker: AtomicWaker,
}

impl Slot {
    /// A new, idle slot for `ip`.
    pub fn new(ip: IpAddr) -> Self {
        Slot { ip, busy: AtomicBool::new(false), evicted: AtomicBool::new(false), waker: AtomicWaker::new() }
    }

    /// True while a request is being read, handled or answered.
    pub fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Acquire)
    }

    /// True once [`Slot::evict`] was called.
    pub fn is_evicted(&self) -> bool {
        self.evicted.load(Ordering::Acquire)
    }

    /// Closes the connection at its next poll (and wakes it so that comes now).
    pub fn evict(&self) {
        self.evicted.store(true, Ordering::Release);
        self.waker.wake();
    }

    /// Marks the slot busy, as a request in progress would.
    #[cfg(test)]
    pub(crate) fn busy_for_test(&self) {
        self.busy.store(true, Ordering::Release);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Awaiting,
    Headers { started: Instant },
    Busy,
}

/// Where the scan for the blank line that ends the headers stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scan {
    Text,
    LineStart,
    LineStartCr,
}

/// A socket with deadlines; `G` is kept alive as long as the connection (the listener's release
/// of its slot).
pub struct TimedIo<T, G> {
    inner: T,
    slot: Arc<Slot>,
    _guard: G,
    timeouts: Timeouts,
    opened: Instant,
    last: Instant,
    phase: Phase,
    scan: Scan,
    served: bool,
    responded: bool,
    sleep: Pin<Box<Sleep>>,
}

impl<T, G> TimedIo<T, G> {
    /// Wraps `inner`, just accepted.
    pub fn new(inner: T, slot: Arc<Slot>, guard: G, timeouts: Timeouts) -> Self {
        let now = Instant::now();
        TimedIo {
            inner,
            slot,
            _guard: guard,
            timeouts,
            opened: now,
            last: now,
            phase: Phase::Awaiting,
            scan: Scan::LineStart,
            served: false,
            responded: false,
            sleep: Box::pin(tokio::time::sleep_until(now + timeouts.header)),
        }
    }

    fn read_deadline(&self) -> Instant {
        match self.phase {
            Phase::Awaiting if !self.served => self.opened + self.timeouts.header,
            Phase::Headers { started } => started + self.timeouts.header,
            Phase::Awaiting | Phase::Busy => self.last + self.timeouts.idle,
        }
    }

    fn wait_until(&mut self, deadline: Instant, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.sleep.deadline() != deadline {
            self.sleep.as_mut().reset(deadline);
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "client too slow"))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn check_evicted(&self, cx: &mut Context<'_>) -> io::Result<()> {
        self.slot.waker.register(cx.waker());
        if self.slot.is_evicted() {
            return Err(io::Error::new(io::ErrorKind::ConnectionAborted, "closed to make room"));
        }
        Ok(())
    }

    fn saw_bytes(&mut self, bytes: &[u8]) {
        let now = Instant::now();
        self.last = now;
        if self.phase == Phase::Awaiting {
            let started = if self.served { now } else { self.opened };
            self.phase = Phase::Headers { started };
            self.scan = Scan::LineStart;
        }
        if matches!(self.phase, Phase::Headers { .. }) && self.scan_for_blank_line(bytes) {
            self.phase = Phase::Busy;
            self.served = true;
            self.slot.busy.store(true, Ordering::Release);
        }
    }

    fn scan_for_blank_line(&mut self, bytes: &[u8]) -> bool {
        for &b in bytes {
            self.scan = match (self.scan, b) {
                (Scan::LineStart | Scan::LineStartCr, b'\n') => return true,
                (Scan::LineStart, b'\r') => Scan::LineStartCr,
                (_, b'\n') => Scan::LineStart,
                _ => Scan::Text,
            };
        }
        false
    }
}

impl<T: AsyncRead + Unpin, G: Unpin> AsyncRead for TimedIo<T, G> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check_evicted(cx)?;
        if this.responded {
            // hyper reads again once its answer is out: the connection now waits for a request.
            this.responded = false;
            this.phase = Phase::Awaiting;
            this.last = Instant::now();
            this.slot.busy.store(false, Ordering::Release);
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let fresh = &buf.filled()[before..];
                if !fresh.is_empty() {
                    this.saw_bytes(fresh);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                let deadline = this.read_deadline();
                this.wait_until(deadline, cx)
            }
        }
    }
}

impl<T: AsyncWrite + Unpin, G: Unpin> AsyncWrite for TimedIo<T, G> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check_evicted(cx)?;
        match Pin::new(&mut this.inner).poll_write(cx, data) {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    this.last = Instant::now();
                    if this.phase == Phase::Busy {
                        this.responded = true;
                    }
                }
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                // A client that stops reading its answer is as silent as one that stops writing.
                let deadline = this.last + this.timeouts.idle;
                match this.wait_until(deadline, cx) {
                    Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                    _ => Poll::Pending,
                }
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn timed(
        io: tokio::io::DuplexStream,
        header_ms: u64,
        idle_ms: u64,
    ) -> (TimedIo<tokio::io::DuplexStream, ()>, Arc<Slot>) {
        let slot = Arc::new(Slot::new("127.0.0.1".parse().unwrap()));
        let t = Timeouts { header: Duration::from_millis(header_ms), idle: Duration::from_millis(idle_ms) };
        (TimedIo::new(io, slot.clone(), (), t), slot)
    }

    #[tokio::test]
    async fn a_silent_connection_times_out_at_the_header_deadline() {
        let (server, _client) = tokio::io::duplex(1024);
        let (mut io, _) = timed(server, 50, 10_000);
        let mut buf = [0u8; 16];
        let err = io.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }

    #[tokio::test]
    async fn trickled_headers_time_out_but_complete_ones_make_it_busy() {
        let (server, mut client) = tokio::io::duplex(1024);
        let (mut io, slot) = timed(server, 200, 10_000);
        let mut buf = [0u8; 64];
        client.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        assert_eq!(io.read(&mut buf).await.unwrap(), 16);
        assert!(!slot.is_busy());
        client.write_all(b"Host: x\r\n\r\n").await.unwrap();
        assert_eq!(io.read(&mut buf).await.unwrap(), 11);
        assert!(slot.is_busy(), "a whole request head was seen");

        let (server, mut client) = tokio::io::duplex(1024);
        let (mut io, _) = timed(server, 200, 10_000);
        let trickle = tokio::spawn(async move {
            for b in b"GET / HTTP/1.1\r\nHost: slow\r\n" {
                client.write_all(&[*b]).await.unwrap();
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            client
        });
        let started = Instant::now();
        let err = loop {
            match io.read(&mut buf).await {
                Ok(_) => continue,
                Err(e) => break e,
            }
        };
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_millis(600), "{:?}", started.elapsed());
        drop(trickle);
    }

    #[tokio::test]
    async fn an_evicted_connection_fails_at_once() {
        let (server, _client) = tokio::io::duplex(1024);
        let (mut io, slot) = timed(server, 10_000, 10_000);
        let reader = tokio::spawn(async move {
            let mut buf = [0u8; 8];
            io.read(&mut buf).await
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        slot.evict();
        let err = tokio::time::timeout(Duration::from_secs(1), reader).await.unwrap().unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionAborted);
    }
}
