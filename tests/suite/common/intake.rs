//! `serve`'s routes on loopback for the intake tests, with the tests' fixed clock.

use b24ops::intake::server::{Intake, router};

/// Serves `intake` (body limit `limit`) on a free loopback port; returns its base URL.
pub async fn start(intake: Intake, limit: usize) -> String {
    // Records are checked against a window around now: the tests' now.
    let intake = Intake { clock: b24ops::clock::Clock::Fixed(super::now()), ..intake };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(intake, limit)).await.unwrap() });
    format!("http://{addr}")
}

/// A plain HTTP client (the crate ships reqwest without a default TLS provider, so one is installed).
pub fn http() -> reqwest::Client {
    b24ops::bitrix::client::install_crypto();
    reqwest::Client::new()
}
