//! The HTTP intake over real HTTP on loopback, on every backend.

use crate::common;

use b24ops::intake::server::Intake;
use b24ops::rules::call_filter::CallFilter;
use b24ops::store::PageDirection;
use common::intake::{http, start};
use common::{backends, empty_on};

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

const M: &str = "feedfeedfeedfeedfeedfeedfeedfeed";

fn call(ts: &str, extra: &str) -> String {
    format!(r#"{{"ts":{ts},"member_id":"{M}","method":"crm.item.list"{extra}}}"#)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_a_backend_cannot_store_are_named_lines_never_a_503() {
    for b in backends() {
        let db = empty_on(&b).await;
        let name = db.store.dialect().name();
        let base = start(Intake::new(db.store.clone(), Some("s3cret".into()), false), 1024 * 1024).await;
        let http = http();
        let ok = call("1795521600000", "");
        let mut body = format!("\u{feff}{ok}\n");
        body.push_str(&call("1795521600000", r#","error_description":"nul \u0000 here""#));
        body.push('\n');
        let mut bytes = body.into_bytes();
        bytes.extend_from_slice(br#"{"ts":1795521600000,"member_id":"feedfeedfeedfeedfeedfeedfeedfeed","method":"bad"#);
        bytes.extend_from_slice(b"\xff\"}\n");
        for line in [
            call("-1", ""),
            call("\"9999-01-01T00:00:00Z\"", ""),
            call("1795521600000", r#","duration_ms":9223372036854775807"#),
            call("1795521600000", r#","operating":-2.5"#),
            ok.clone(),
        ] {
            bytes.extend_from_slice(line.as_bytes());
            bytes.push(b'\n');
        }
        let res = http.post(format!("{base}/api/calls")).bearer_auth("s3cret").body(bytes).send().await.unwrap();
        assert_eq!(res.status(), 200, "{name}");
        let v: serde_json::Value = res.json().await.unwrap();
        assert_eq!(v["accepted"], 2, "{name}: {v}");
        let lines: Vec<i64> = v["rejected"].as_array().unwrap().iter().map(|r| r["line"].as_i64().unwrap()).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6, 7], "{name}: {v}");
        assert!(v["rejected"][0]["error"].as_str().unwrap().contains("NUL"), "{v}");
        assert!(v["rejected"][1]["error"].as_str().unwrap().contains("not UTF-8"), "{v}");
        let rows = db.store.calls_page(&CallFilter::default(), PageDirection::Latest, 10).await.unwrap().rows;
        assert_eq!(rows.len(), 2, "{name}");

        let errs = r#"{"ts":1795521600000,"error_type":"PDOException","message":"a\u0000b"}"#;
        let res = http.post(format!("{base}/api/errors")).bearer_auth("s3cret").body(errs).send().await.unwrap();
        assert_eq!(res.status(), 400, "{name}");
        assert!(res.text().await.unwrap().contains("NUL"));

        let ticket = r#"{"subject":"a\u0000","body":"b"}"#;
        let res = http
            .post(format!("{base}/api/tickets"))
            .bearer_auth("s3cret")
            .header("content-type", "application/json")
            .body(ticket)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{name}");
        assert!(res.text().await.unwrap().contains("NUL"));
        let form =
            http.post(format!("{base}/support")).form(&[("subject", "s\0"), ("body", "b")]).send().await.unwrap();
        assert_eq!(form.status(), 400, "{name}");
    }
}

/// Terminates the server connections of `db` (other than this one) while an INSERT runs.
async fn stop_mid_insert(admin: &str, db_name: &str) -> bool {
    let pool = sqlx::PgPool::connect(admin).await.unwrap();
    for _ in 0..2000 {
        let killed: Vec<(bool,)> = sqlx::query_as(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = $1 AND pid <> pg_backend_pid() AND query ILIKE 'INSERT INTO b24ops_api_calls%' AND state = 'active'",
        )
        .bind(db_name)
        .fetch_all(&pool)
        .await
        .unwrap();
        if !killed.is_empty() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_stopped_mid_request_keeps_all_rows_or_none_and_a_retry_duplicates_nothing() {
    let Ok(admin) = std::env::var("B24OPS_TEST_POSTGRES_URL") else {
        eprintln!("notice: set B24OPS_TEST_POSTGRES_URL to run the mid-request stop test");
        return;
    };
    let db = empty_on(&common::Backend::Server(admin.clone())).await;
    let db_name = db.url.rsplit('/').next().unwrap().split('?').next().unwrap().to_owned();
    let base = start(Intake::new(db.store.clone(), Some("s3cret".into()), false), 16 * 1024 * 1024).await;
    let body: String = (0..90_000).map(|n| call(&(1_795_521_600_000i64 + n).to_string(), "") + "\n").collect();
    let http = http();
    let send = http.post(format!("{base}/api/calls")).bearer_auth("s3cret").body(body.clone()).send();
    let (res, stopped) = tokio::join!(send, stop_mid_insert(&admin, &db_name));
    let res = res.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let counter = sqlx::PgPool::connect(&db.url).await.unwrap();
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM b24ops_api_calls").fetch_one(&counter).await.unwrap()
    };
    let after_stop = count().await;
    assert!(stopped, "the insert was caught running");
    assert!(after_stop == 0 || after_stop == 90_000, "{after_stop} rows committed; answer {status} {text}");
    if after_stop == 0 {
        assert_eq!(status, 503, "{text}");
        assert!(text.contains("none of this request was written"), "{text}");
        let retry = http.post(format!("{base}/api/calls")).bearer_auth("s3cret").body(body).send().await.unwrap();
        assert_eq!(retry.status(), 200);
        assert_eq!(count().await, 90_000, "the retry wrote each row once");
    }
}
