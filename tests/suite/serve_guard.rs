//! `serve` against a client that does not play along, over real sockets on loopback: the token
//! checked before the body is read, wrong tokens paced, header and idle deadlines, connection
//! caps that never lock out `/healthz`, forwarded addresses believed only from trusted proxies,
//! and the form refusing cross-origin posts.

use crate::common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use b24ops::config::ServeConfig;
use b24ops::intake::conn_guard::{GuardedListener, Limits};
use b24ops::intake::server::{Intake, router};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A real `serve` (guarded listener, gate, routes) on a loopback port.
async fn serve(intake: Intake, cfg: ServeConfig) -> SocketAddr {
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let listener = GuardedListener::new(tcp, Limits::from_config(&cfg).unwrap());
    let app = router(intake.configured(&cfg).unwrap(), cfg.max_body_bytes);
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<b24ops::intake::conn_guard::Peer>())
            .await
            .unwrap()
    });
    addr
}

fn quick() -> ServeConfig {
    ServeConfig { header_timeout_secs: 1, idle_timeout_secs: 2, ..ServeConfig::default() }
}

/// Sends `head` raw and reads until the server answers or closes; `None` if it does neither
/// within `wait`.
async fn raw(addr: SocketAddr, head: &str, wait: Duration) -> Option<String> {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    got.extend_from_slice(&buf[..n]);
                    if got.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    };
    tokio::time::timeout(wait, read).await.ok()?;
    Some(String::from_utf8_lossy(&got).into_owned())
}

fn http() -> reqwest::Client {
    b24ops::bitrix::client::install_crypto();
    reqwest::Client::new()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_checked_before_the_body_is_read() {
    let db = common::empty_db().await;
    let addr = serve(Intake::new(db.store.clone(), Some("s3cret".into()), false), quick()).await;
    // 8 MiB announced, none sent: the answer must come without waiting for it.
    let head = "POST /api/calls HTTP/1.1\r\nHost: x\r\nContent-Length: 8388608\r\n\r\n";
    let answer = raw(addr, head, Duration::from_millis(800)).await.expect("answered before the body");
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("connection: close"), "{answer}");
    // With the token, an announced body over the limit is refused up front, as JSON.
    let head = "POST /api/calls HTTP/1.1\r\nHost: x\r\nAuthorization: bearer s3cret\r\nContent-Length: 9000000\r\n\r\n";
    let answer = raw(addr, head, Duration::from_millis(800)).await.expect("answered before the body");
    assert!(answer.starts_with("HTTP/1.1 413") && answer.contains("application/json"), "{answer}");
    // A chunked body found too long while reading gets the same JSON answer.
    let mut s = TcpStream::connect(addr).await.unwrap();
    let head =
        "POST /api/calls HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret\r\nTransfer-Encoding: chunked\r\n\r\n";
    s.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 1024 * 1024, " ".repeat(1024 * 1024));
    for _ in 0..10 {
        if s.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let mut got = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut got)).await;
    let got = String::from_utf8_lossy(&got);
    assert!(got.starts_with("HTTP/1.1 413") && got.contains("application/json"), "{got}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_tokens_are_paced_and_the_scheme_is_case_insensitive() {
    let db = common::empty_db().await;
    let addr = serve(Intake::new(db.store.clone(), Some("s3cret".into()), false), quick()).await;
    let http = http();
    let ok = http
        .post(format!("http://{addr}/api/calls"))
        .header("authorization", "bearer s3cret")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200, "lowercase bearer is accepted");
    for path in ["/api/calls", "/api/errors", "/api/tickets"] {
        let mut codes = Vec::new();
        for _ in 0..12 {
            let r = http.post(format!("http://{addr}{path}")).bearer_auth("guess").body("[]").send().await.unwrap();
            codes.push(r.status().as_u16());
        }
        assert!(codes.contains(&429), "{path}: {codes:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_trickling_clients_are_cut_off() {
    let db = common::empty_db().await;
    let addr = serve(Intake::new(db.store.clone(), None, false), quick()).await;
    let started = Instant::now();
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(4), silent.read(&mut buf)).await.expect("closed by the server");
    assert_eq!(n.unwrap_or(0), 0);
    assert!(started.elapsed() < Duration::from_millis(2500), "{:?}", started.elapsed());

    // One header byte every 200 ms keeps the socket busy but never finishes: cut at 1 s.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    let mut closed = false;
    for b in b"GET /healthz HTTP/1.1\r\nHost: slow\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
        if slow.write_all(&[*b]).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        if started.elapsed() > Duration::from_secs(4) {
            break;
        }
    }
    if !closed {
        closed =
            matches!(tokio::time::timeout(Duration::from_secs(1), slow.read(&mut buf)).await, Ok(Ok(0)) | Ok(Err(_)));
    }
    assert!(closed && started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());

    // A kept-alive connection is closed after the idle timeout.
    let answer = raw(addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", Duration::from_secs(1)).await;
    assert!(answer.is_some_and(|a| a.starts_with("HTTP/1.1 200")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_idle_connections_does_not_stop_healthz() {
    let db = common::empty_db().await;
    let cfg = ServeConfig { max_connections: 64, max_connections_per_client: 16, ..quick() };
    let addr = serve(Intake::new(db.store.clone(), None, false), cfg).await;
    let mut idle = Vec::new();
    for _ in 0..300 {
        if let Ok(s) = TcpStream::connect(addr).await {
            idle.push(s);
        }
    }
    let started = Instant::now();
    let r = tokio::time::timeout(Duration::from_secs(2), http().get(format!("http://{addr}/healthz")).send())
        .await
        .expect("healthz answers during the flood")
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    drop(idle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let db = common::empty_db().await;
    let form = |fwd: &'static str, http: reqwest::Client, addr: SocketAddr| async move {
        http.post(format!("http://{addr}/support"))
            .header("x-forwarded-for", fwd)
            .form(&[("subject", ""), ("body", "")])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let http = http();
    // Behind a trusted proxy: each customer has a bucket of their own.
    let cfg = ServeConfig { trusted_proxies: vec!["127.0.0.1".into()], ..quick() };
    let addr = serve(Intake::new(db.store.clone(), None, false), cfg).await;
    let mut first = Vec::new();
    for _ in 0..22 {
        first.push(form("198.51.100.1", http.clone(), addr).await);
    }
    assert_eq!(first.last(), Some(&429), "{first:?}");
    assert_eq!(form("198.51.100.2", http.clone(), addr).await, 400, "another customer is not held back");
    // From an untrusted peer the header is ignored: one bucket, whatever it says.
    let addr = serve(Intake::new(db.store.clone(), None, false), quick()).await;
    let mut codes = Vec::new();
    for n in 0..22 {
        codes.push(form(if n % 2 == 0 { "198.51.100.3" } else { "198.51.100.4" }, http.clone(), addr).await);
    }
    assert_eq!(codes.last(), Some(&429), "{codes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_refuses_cross_origin_posts_and_says_who_may_frame_it() {
    let db = common::empty_db().await;
    let addr = serve(Intake::new(db.store.clone(), None, false), quick()).await;
    let http = http();
    let page = http.get(format!("http://{addr}/support")).send().await.unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("frame-ancestors 'self' https://*.bitrix24.com https://*.bitrix24.ru"), "{csp}");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let post = |site: &'static str, origin: &'static str| {
        http.post(format!("http://{addr}/support"))
            .header("sec-fetch-site", site)
            .header("origin", origin)
            .form(&[("subject", "s"), ("body", "b")])
            .send()
    };
    assert_eq!(post("cross-site", "https://evil.example").await.unwrap().status(), 403);
    assert_eq!(post("same-site", "https://other.example").await.unwrap().status(), 403);
    assert_eq!(post("same-origin", "http://x").await.unwrap().status(), 201);
    let no_fetch_metadata = http
        .post(format!("http://{addr}/support"))
        .header("origin", "https://evil.example")
        .form(&[("subject", "s"), ("body", "b")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_fetch_metadata.status(), 403);
    let api = http.get(format!("http://{addr}/healthz")).send().await.unwrap();
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
}
