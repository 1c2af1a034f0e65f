//! A local stand-in for the Telegram Bot API (the real one cannot run here), answering as
//! <https://core.telegram.org/bots/api> documents: `POST /bot<token>/<method>` with a JSON body,
//! `{"ok":true,"result":…}` or `{"ok":false,"error_code":…,"description":…}`.
//!
//! `getUpdates` returns the queued updates from `offset` on and forgets the ones below it (they
//! are confirmed); `sendMessage` is recorded. A test queues customer messages and other updates, or
//! makes the next calls fail with a status of its choosing.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};

/// The token the stand-in accepts.
pub const TOKEN: &str = "123456:AAH-test-token";

#[derive(Default)]
struct Inner {
    queue: Vec<Value>,
    next_id: i64,
    sent: Vec<Value>,
    offsets: Vec<Option<i64>>,
    failures: Vec<(u16, Value)>,
}

/// A running stand-in.
#[derive(Clone)]
pub struct BotApiStandIn {
    /// Its base URL (`http://127.0.0.1:PORT`), the `api_base` of b24ops.
    pub base: String,
    inner: Arc<Mutex<Inner>>,
}

type Shared = Arc<Mutex<Inner>>;

async fn method(
    State(s): State<Shared>,
    Path((bot, name)): Path<(String, String)>,
    body: String,
) -> (StatusCode, axum::Json<Value>) {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let mut g = s.lock().unwrap();
    if bot != format!("bot{TOKEN}") {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"ok": false, "error_code": 401, "description": "Unauthorized"})),
        );
    }
    if !g.failures.is_empty() {
        let (status, answer) = g.failures.remove(0);
        return (StatusCode::from_u16(status).unwrap(), axum::Json(answer));
    }
    match name.as_str() {
        "getUpdates" => {
            let offset = body["offset"].as_i64();
            g.offsets.push(offset);
            if let Some(o) = offset {
                g.queue.retain(|u| u["update_id"].as_i64().unwrap_or(0) >= o);
            }
            (StatusCode::OK, axum::Json(json!({"ok": true, "result": g.queue.clone()})))
        }
        "sendMessage" => {
            g.sent.push(body.clone());
            let id = g.sent.len();
            let answer = json!({"ok": true, "result": {"message_id": id, "chat": {"id": body["chat_id"]}, "text": body["text"]}});
            (StatusCode::OK, axum::Json(answer))
        }
        other => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"ok": false, "error_code": 404, "description": format!("Not Found: method {other}")})),
        ),
    }
}

impl BotApiStandIn {
    /// Starts the stand-in on a free loopback port; update ids start at 1000.
    pub async fn start() -> Self {
        let inner: Shared = Arc::new(Mutex::new(Inner { next_id: 1000, ..Inner::default() }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route("/{bot}/{method}", post(method)).with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        BotApiStandIn { base: format!("http://{addr}"), inner }
    }

    /// Queues an update whose body is `update` (an `update_id` is added); returns the id.
    pub fn push(&self, mut update: Value) -> i64 {
        let mut g = self.inner.lock().unwrap();
        g.next_id += 1;
        let id = g.next_id;
        update["update_id"] = json!(id);
        g.queue.push(update);
        id
    }

    /// Queues a customer's text message in private chat `chat_id`.
    pub fn message(&self, chat_id: i64, first_name: &str, text: &str) -> i64 {
        self.push(json!({"message": {
            "message_id": 1, "date": 1_764_000_000,
            "chat": {"id": chat_id, "type": "private", "first_name": first_name},
            "from": {"id": chat_id, "is_bot": false, "first_name": first_name},
            "text": text
        }}))
    }

    /// Numbers the next updates from `id` + 1, as the Bot API does after a week without updates.
    pub fn renumber(&self, id: i64) {
        self.inner.lock().unwrap().next_id = id;
    }

    /// Every `sendMessage` body so far.
    pub fn sent(&self) -> Vec<Value> {
        self.inner.lock().unwrap().sent.clone()
    }

    /// The `offset` of every `getUpdates` so far.
    pub fn offsets(&self) -> Vec<Option<i64>> {
        self.inner.lock().unwrap().offsets.clone()
    }

    /// The next call of any method answers `status` with the Bot API's error body.
    pub fn fail_next(&self, status: u16, description: &str, retry_after: Option<u64>) {
        let mut answer = json!({"ok": false, "error_code": status, "description": description});
        if let Some(s) = retry_after {
            answer["parameters"] = json!({"retry_after": s});
        }
        self.inner.lock().unwrap().failures.push((status, answer));
    }
}
