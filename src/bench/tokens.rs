//! The Tokens tab's figures: its first page (the counts per class and the first 200 portals by
//! days left) and `tokens list` (2,000 portals), beside the same statements through the native
//! driver. Portals are thousands to tens of thousands of rows, so the counts scan them.

use std::time::Instant;

use color_eyre::eyre::Result;

use super::raw::Raw;
use super::stats::summarize;
use crate::rules::tokens::TokenPolicy;
use crate::services::tokens::TokenService;

/// The first page's rows, as the console asks for them.
const FIRST_PAGE: i64 = 200;
/// `tokens list`'s default of a long list.
const LIST: i64 = 2000;

/// The two figure lines.
pub async fn lines(tokens: &TokenService, raw: &Raw, iterations: usize) -> Result<String> {
    let store = tokens.store();
    let d = store.dialect();
    let c = tokens.board(1).await?.counts;
    let portals = c.dead + c.critical + c.warning + c.ok + c.uninstalled + c.unknown;
    let dead = (tokens.now() - TokenPolicy::default().lifetime).timestamp_millis();
    let figures = [
        (format!("Tokens tab, counts + first {FIRST_PAGE} ({portals} portals)"), FIRST_PAGE, "p99 ≤ 50 ms"),
        (format!("tokens list, counts + {LIST}"), LIST, "—"),
    ];
    board_lines(tokens, figures, iterations, |limit| raw.token_page(d, dead, limit)).await
}

/// One figure line per (name, rows, target): the board of `rows` portals beside `peer(rows)`.
pub(super) async fn board_lines<F, Fut>(
    tokens: &TokenService,
    figures: [(String, i64, &str); 2],
    iterations: usize,
    peer: F,
) -> Result<String>
where
    F: Fn(i64) -> Fut,
    Fut: std::future::Future<Output = Result<usize, sqlx::Error>>,
{
    let mut out = String::new();
    for (name, limit, target) in figures {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..iterations.min(100) {
            let t = Instant::now();
            tokens.board(limit).await?;
            a.push(t.elapsed());
            let t = Instant::now();
            peer(limit).await?;
            b.push(t.elapsed());
        }
        out.push_str(&super::line(&name, summarize(&mut a), summarize(&mut b), target));
    }
    Ok(out)
}
