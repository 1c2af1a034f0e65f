//! The HTTP intake over real HTTP on loopback, on every backend.

mod common;

use b24ops::intake::server::{Intake, router};
use b24ops::rules::call_filter::CallFilter;
use b24ops::store::PageDirection;
use common::{backends, empty_on};

async fn start(intake: Intake, limit: usize) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(intake, limit)).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_and_errors_come_in_with_a_token_and_bad_lines_are_named() {
    for b in backends() {
        let db = empty_on(&b).await;
        let base = start(Intake::new(db.store.clone(), Some("s3cret".into()), false), 64 * 1024).await;
        let http = http();

        assert_eq!(http.get(format!("{base}/healthz")).send().await.unwrap().status(), 200);
        let no_token = http.post(format!("{base}/api/calls")).body("[]").send().await.unwrap();
        assert_eq!(no_token.status(), 401);
        let wrong = http.post(format!("{base}/api/calls")).bearer_auth("nope").body("[]").send().await.unwrap();
        assert_eq!(wrong.status(), 401);

        let ndjson = [
            r#"{"ts":"2026-11-24T11:00:00Z","member_id":"feedfeedfeedfeedfeedfeedfeedfeed","method":"crm.item.list","http_status":200}"#,
            r#"{"ts":"soon","member_id":"feedfeedfeedfeedfeedfeedfeedfeed","method":"x"}"#,
            r#"{"ts":1795521600000,"member_id":"feedfeedfeedfeedfeedfeedfeedfeed","method":"crm.item.get","http_status":503,"error_code":"QUERY_LIMIT_EXCEEDED"}"#,
        ]
        .join("\n");
        let res = http.post(format!("{base}/api/calls")).bearer_auth("s3cret").body(ndjson).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let v: serde_json::Value = res.json().await.unwrap();
        assert_eq!(v["accepted"], 2);
        assert_eq!(v["rejected"][0]["line"], 2);
        let rows = db.store.calls_page(&CallFilter::default(), PageDirection::Latest, 10).await.unwrap().rows;
        assert_eq!(rows.len(), 2, "{}", db.store.dialect().name());

        let arr =
            r#"[{"ts":1795521600000,"error_type":"PDOException","message":"Deadlock","context":{"deal":42}},{"ts":1}]"#;
        let res = http.post(format!("{base}/api/errors")).bearer_auth("s3cret").body(arr).send().await.unwrap();
        let v: serde_json::Value = res.json().await.unwrap();
        assert_eq!((v["accepted"].as_i64(), v["rejected_count"].as_i64()), (Some(1), Some(1)));

        let all_bad =
            http.post(format!("{base}/api/calls")).bearer_auth("s3cret").body("nonsense").send().await.unwrap();
        assert_eq!(all_bad.status(), 400);
        let huge = http
            .post(format!("{base}/api/calls"))
            .bearer_auth("s3cret")
            .body(vec![b' '; 200_000])
            .send()
            .await
            .unwrap();
        assert_eq!(huge.status(), 413, "the body limit holds");
    }
}

#[tokio::test]
async fn without_a_token_the_api_is_off() {
    let db = common::empty_db().await;
    let base = start(Intake::new(db.store.clone(), None, false), 1024).await;
    let res = http().post(format!("{base}/api/calls")).bearer_auth("").body("[]").send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.text().await.unwrap().contains("B24OPS_API_TOKEN"));
}

#[tokio::test]
async fn read_only_refuses_intake() {
    let db = common::empty_db().await;
    let base = start(Intake::new(db.store.clone(), Some("t".into()), true), 1024).await;
    let res = http().post(format!("{base}/api/calls")).bearer_auth("t").body("[]").send().await.unwrap();
    assert_eq!(res.status(), 403);
}

/// A plain HTTP client (the crate ships reqwest without a default TLS provider, so one is installed).
fn http() -> reqwest::Client {
    b24ops::bitrix::client::install_crypto();
    reqwest::Client::new()
}
