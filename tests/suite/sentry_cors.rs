//! CORS on `serve`'s Sentry routes, asked as a browser asks: a preflight (`OPTIONS` with
//! `Origin` and `Access-Control-Request-*`) and the POST after it, against the router `serve`
//! builds (its JSON API merged with the Sentry routes).

use crate::common;

use b24ops::config::ServeConfig;
use b24ops::intake::sentry::{SentryIntake, router as sentry_router};
use b24ops::intake::server::{Intake, router};
use b24ops::rules::sentry::auth::parse_keys;

const APP: &str = "https://app.example.com";

async fn start(cfg: &ServeConfig) -> (common::TestDb, String) {
    let db = common::empty_db().await;
    let intake = Intake::new(db.store.clone(), Some("api-token".into()), false);
    let sentry = SentryIntake::new(intake.clone(), parse_keys("browserkey01"), cfg);
    let app = router(intake, cfg.max_body_bytes).merge(sentry_router(sentry));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (db, format!("http://{addr}"))
}

fn http() -> reqwest::Client {
    b24ops::bitrix::client::install_crypto();
    reqwest::Client::new()
}

async fn preflight(base: &str, path: &str, origin: &str) -> reqwest::Response {
    http()
        .request(reqwest::Method::OPTIONS, format!("{base}{path}"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type, x-sentry-auth")
        .send()
        .await
        .unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers().get(name).map(|v| v.to_str().unwrap().to_ascii_lowercase())
}

const EVENT: &str = r#"{"event_id":"c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0","message":"from a page"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_sdk_passes_the_preflight_and_reads_every_answer() {
    let (_db, base) = start(&ServeConfig::default()).await;
    for path in ["/api/7/envelope/", "/api/7/store/", "/api/7/envelope"] {
        let res = preflight(&base, path, APP).await;
        assert!(res.status().is_success(), "{path}: {}", res.status());
        assert_eq!(header(&res, "access-control-allow-origin").as_deref(), Some("*"), "{path}");
        assert!(header(&res, "access-control-allow-methods").unwrap().contains("post"), "{path}");
        let allowed = header(&res, "access-control-allow-headers").unwrap();
        for h in ["content-type", "x-sentry-auth", "content-encoding"] {
            assert!(allowed.split(',').any(|a| a.trim() == h), "{path}: {h} in {allowed}");
        }
    }
    // The POST itself, the key in the query as the browser SDK sends it.
    let post = |key: &str| {
        http()
            .post(format!("{base}/api/7/store/?sentry_version=7&sentry_key={key}"))
            .header("origin", APP)
            .header("content-type", "text/plain;charset=UTF-8")
            .body(EVENT)
            .send()
    };
    let ok = post("browserkey01").await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(header(&ok, "access-control-allow-origin").as_deref(), Some("*"));
    assert!(header(&ok, "access-control-expose-headers").unwrap().contains("retry-after"));
    // A refusal is readable too, or the SDK could not tell a wrong key from a network error.
    let refused = post("wrongkey99").await.unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(header(&refused, "access-control-allow-origin").as_deref(), Some("*"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allow_list_grants_only_its_origins() {
    let cfg = ServeConfig { sentry_cors_origins: vec![format!("{APP}/")], ..ServeConfig::default() };
    let (_db, base) = start(&cfg).await;
    let mine = preflight(&base, "/api/7/envelope/", APP).await;
    assert!(mine.status().is_success());
    assert_eq!(header(&mine, "access-control-allow-origin").as_deref(), Some(APP));
    assert!(header(&mine, "vary").unwrap().contains("origin"), "caches keep answers per origin");
    let theirs = preflight(&base, "/api/7/envelope/", "https://evil.example").await;
    assert_eq!(header(&theirs, "access-control-allow-origin"), None);
    assert_eq!(header(&theirs, "access-control-allow-headers"), None);
    let post = http()
        .post(format!("{base}/api/7/store/?sentry_key=browserkey01"))
        .header("origin", "https://evil.example")
        .body(EVENT)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&post, "access-control-allow-origin"), None, "the browser keeps the answer from the page");

    let (_off_db, off) = start(&ServeConfig { sentry_cors_origins: vec![], ..ServeConfig::default() }).await;
    assert_eq!(header(&preflight(&off, "/api/7/envelope/", APP).await, "access-control-allow-origin"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_api_grants_no_browser() {
    // /api/calls takes the API token, a secret no page may hold: browsers are not let in.
    let (_db, base) = start(&ServeConfig::default()).await;
    let res = preflight(&base, "/api/calls", APP).await;
    assert!(!res.status().is_success(), "{}", res.status());
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    let post = http()
        .post(format!("{base}/api/calls"))
        .header("origin", APP)
        .bearer_auth("api-token")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&post, "access-control-allow-origin"), None);
}
