//! One frame of each tab after Calls (measured on its own, with its live tail) at 200×50, drawn into ratatui's `TestBackend`, beside a bare `Table` of
//! the same number of rows: what the columns module, the cutting and the hint bar cost per frame.

use std::time::Instant;

use color_eyre::eyre::Result;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::stats::summarize;
use crate::tui::state::{AppState, TABS};
use crate::tui::theme::Theme;
use crate::tui::update::{self, Msg};
use crate::tui::views;

/// Frames drawn per tab.
const FRAMES: usize = 200;

/// One line per tab: its frame p50/p99 beside the bare table's.
pub async fn lines(runner: &crate::tui::runner::Runner, state: &mut AppState) -> Result<String> {
    let mut term = Terminal::new(TestBackend::new(200, 50))?;
    let theme = Theme::color();
    // The peer: a bare table of 48 rows of seven 25-character cells, no layout decisions.
    let bare: Vec<[String; 7]> =
        (0..48).map(|i| std::array::from_fn(|c| format!("{i:>4} cell {c} {:>14}", i * c))).collect();
    let mut out = String::new();
    for (screen, key, name) in TABS.iter().skip(1) {
        let fx = update::update(state, Msg::Key(super::key_event(*key))).effects;
        super::settle(runner, state, fx).await;
        if state.screen != *screen {
            continue;
        }
        let (mut ours, mut peer) = (Vec::with_capacity(FRAMES), Vec::with_capacity(FRAMES));
        for i in 0..FRAMES {
            // A different selection each frame, so no frame is the previous one again.
            let key = if i % 20 < 10 { 'j' } else { 'k' };
            update::update(state, Msg::Key(super::key_event(key)));
            let t = Instant::now();
            term.draw(|f| views::draw(f, state, &theme))?;
            ours.push(t.elapsed());
            peer.push(super::bare_frame(&mut term, &bare)?);
        }
        let label = format!("one frame, {name} tab, 200×50");
        out.push_str(&super::line(&label, summarize(&mut ours), summarize(&mut peer), "p99 ≤ 2 ms"));
    }
    Ok(out)
}
