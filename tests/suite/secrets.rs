//! Secrets inside a third party's text: an OAuth server that echoes the posted form in its
//! `error_description` must not put the client secret or the refresh token into the portal row,
//! the audit log or anything shown, on any backend.

use crate::common;

use b24ops::bitrix::oauth::AppCredentials;
use b24ops::clock::Clock;
use b24ops::model::{AppStatus, MemberId, Secret};
use b24ops::rules::tokens::TokenPolicy;
use b24ops::services::tasks::Actor;
use b24ops::services::tokens::TokenService;
use b24ops::store::PortalRecord;
use chrono::{Duration, Utc};
use common::{backends, empty_on};

const MEMBER: &str = "b1b2c3d4e5f60718293a4b5c6d7e8f90";
const SECRET: &str = "echo-me-client-secret/+value";
const REFRESH: &str = "refresh-echoed-0000000000000000000000000000000000000001";
const ACCESS: &str = "access-echoed-00000000000000000000000000000000000000001";

/// An OAuth server that answers every token request with the form it was sent.
async fn echoing_oauth_server() -> String {
    let app = axum::Router::new().fallback(|body: String| async move {
        let answer =
            serde_json::json!({"error": "invalid_request", "error_description": format!("cannot parse {body}")});
        (axum::http::StatusCode::BAD_REQUEST, [("content-type", "application/json")], answer.to_string())
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oauth_server_echoing_the_form_leaks_no_secret_into_the_row_or_the_audit() {
    let base = echoing_oauth_server().await;
    for b in backends() {
        let db = empty_on(&b).await;
        let name = db.store.dialect().name();
        let now = Utc::now();
        let record = PortalRecord {
            member_id: MEMBER.into(),
            domain: "echo.bitrix24.com".into(),
            client_endpoint: "https://echo.bitrix24.com/rest/".into(),
            server_endpoint: format!("{base}/rest/"),
            access_token: ACCESS.into(),
            access_expires_at: now + Duration::minutes(30),
            refresh_token: REFRESH.into(),
            refresh_issued_at: now - Duration::days(170),
            scope: "crm".into(),
            app_status: AppStatus::Paid,
            installed_at: now - Duration::days(400),
            uninstalled_at: None,
            last_seen_at: None,
            last_refresh_error: None,
        };
        db.store.upsert_portal(&record, now).await.unwrap();
        let app = AppCredentials { client_id: "app.echo".into(), client_secret: Secret::new(SECRET) };
        let svc = TokenService::with(
            db.store.clone(),
            Some(app),
            Default::default(),
            TokenPolicy::default(),
            Clock::System,
            None,
        )
        .unwrap();
        let actor = Actor { operator: "alice".into(), read_only: false };
        let m = MemberId::parse(MEMBER).unwrap();
        let shown = match svc.refresh(&actor, &m).await {
            Ok(outcome) => outcome.describe(|t| t.to_rfc3339()),
            Err(e) => e.to_string(),
        };
        let stored = db.store.portal(&m).await.unwrap().unwrap().last_refresh_error.map(|e| e.to_string());
        let audit: Vec<String> = db
            .store
            .audit_page(None, 20)
            .await
            .unwrap()
            .iter()
            .map(|a| format!("{:?} {:?}", a.before, a.after))
            .collect();
        let stored = stored.unwrap_or_default();
        assert!(stored.contains("invalid_request"), "{name}: the error is kept: {stored}");
        assert!(stored.contains("client_id=app.echo"), "{name}: and the harmless rest of it: {stored}");
        for text in [shown.as_str(), stored.as_str(), &audit.join("\n")] {
            for s in [SECRET, "echo-me-client-secret", REFRESH, ACCESS] {
                assert!(!text.contains(s), "{name}: {s} leaked into {text}");
            }
        }
    }
}
