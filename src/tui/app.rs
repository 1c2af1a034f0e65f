//! The event loop: one `select!` over terminal events, background answers and real timers; drain
//! what is queued, update, and draw once — only if something changed.

use std::time::Duration as StdDuration;

use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{Event, EventStream, KeyEventKind, MouseEventKind};
use crossterm::execute;
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::{MissedTickBehavior, interval};

use super::runner::Runner;
use super::state::AppState;
use super::terminal::{self, Term, TerminalGuard};
use super::theme::Theme;
use super::update::{self, Effect, Msg};
use super::views;
use super::{clipboard, external};
use crate::clock::Clock;
use crate::tui::tabs::ReviewsMsg;

/// How the console is set up.
pub struct ConsoleSetup {
    /// Effects' context.
    pub runner: Runner,
    /// Initial state.
    pub state: AppState,
    /// The clock.
    pub clock: Clock,
    /// Styles.
    pub theme: Theme,
    /// Tail poll interval.
    pub tail_poll: StdDuration,
    /// Refresh interval.
    pub refresh: StdDuration,
}

/// Opens the console and runs it until the operator quits or the session ends.
pub async fn run(setup: ConsoleSetup) -> Result<()> {
    let (guard, mut terminal) = TerminalGuard::enter().wrap_err("cannot open the terminal")?;
    let result = event_loop(&mut terminal, setup).await;
    drop(guard);
    result
}

async fn event_loop(terminal: &mut Term, setup: ConsoleSetup) -> Result<()> {
    let ConsoleSetup { runner, mut state, clock, theme, tail_poll, refresh } = setup;
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut events = EventStream::new();
    let mut hangup = signal(SignalKind::hangup())?;
    let mut terminate = signal(SignalKind::terminate())?;
    // Ctrl-C and Ctrl-\ are keys in raw mode; these come from `kill`. Handled, they end the loop
    // like SIGTERM, so the terminal is restored (and the demo's files removed) instead of the
    // process dying raw in the alternate screen.
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut quit = signal(SignalKind::quit())?;
    let mut tick = interval(StdDuration::from_secs(1));
    let mut tail = interval(tail_poll);
    let mut refresh = interval(refresh);
    for t in [&mut tick, &mut tail, &mut refresh] {
        t.set_missed_tick_behavior(MissedTickBehavior::Skip);
    }
    for fx in update::start(&mut state) {
        runner.spawn(fx, &tx);
    }
    draw(terminal, &mut state, &theme)?;
    loop {
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => Msg::Key(k),
                Some(Ok(Event::Paste(s))) => Msg::Paste(s),
                // Clicks and the wheel; moves and drags would only cost frames.
                Some(Ok(Event::Mouse(m))) if !matches!(m.kind, MouseEventKind::Moved | MouseEventKind::Drag(_)) => {
                    Msg::Mouse(m)
                }
                Some(Ok(Event::Resize(_, _))) => Msg::Resize,
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e).wrap_err("reading the terminal failed"),
                None => break,
            },
            Some(m) = rx.recv() => m,
            _ = tick.tick() => Msg::ClockTick(clock.now()),
            _ = tail.tick() => Msg::TailTick,
            _ = refresh.tick() => Msg::RefreshTick,
            _ = hangup.recv() => { tracing::info!("SIGHUP: the terminal went away"); break }
            _ = terminate.recv() => { tracing::info!("SIGTERM"); break }
            _ = interrupt.recv() => { tracing::info!("SIGINT"); break }
            _ = quit.recv() => { tracing::info!("SIGQUIT"); break }
        };
        let mut jobs = Vec::new();
        let mut dirty = apply(&mut state, msg, &runner, &tx, &mut jobs);
        while let Ok(m) = rx.try_recv() {
            dirty |= apply(&mut state, m, &runner, &tx, &mut jobs);
        }
        // Work that needs the terminal itself: the clipboard escape, and handing it to $EDITOR.
        while let Some(job) = jobs.pop() {
            let msg = match job {
                Effect::Copy(text) => {
                    let env = clipboard::detect();
                    Msg::Copied(clipboard::copy(&text, &env, terminal.backend_mut()))
                }
                Effect::Suspend => {
                    // As with the editor: no event reader while the shell has the terminal.
                    drop(events);
                    if let Err(e) = terminal::suspend(terminal) {
                        tracing::warn!(error = %e, "suspend failed");
                    }
                    events = EventStream::new();
                    dirty = true;
                    Msg::Resize
                }
                Effect::EditExternally { id, text } => {
                    // A live event reader would steal the editor's keystrokes.
                    drop(events);
                    let result = external::edit(terminal, &text).await;
                    events = EventStream::new();
                    dirty = true;
                    Msg::Reviews(ReviewsMsg::ExternalEdited { id, result })
                }
                other => {
                    runner.spawn(other, &tx);
                    continue;
                }
            };
            dirty |= apply(&mut state, msg, &runner, &tx, &mut jobs);
        }
        if state.quit {
            break;
        }
        if dirty {
            draw(terminal, &mut state, &theme)?;
        }
    }
    Ok(())
}

fn apply(
    state: &mut AppState,
    msg: Msg,
    runner: &Runner,
    tx: &mpsc::UnboundedSender<Msg>,
    jobs: &mut Vec<Effect>,
) -> bool {
    let out = update::update(state, msg);
    for fx in out.effects {
        match fx {
            Effect::Copy(_) | Effect::EditExternally { .. } | Effect::Suspend => jobs.push(fx),
            other => runner.spawn(other, tx),
        }
    }
    out.dirty
}

fn draw(terminal: &mut Term, state: &mut AppState, theme: &Theme) -> Result<()> {
    execute!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(|f| views::draw(f, state, theme))?;
    execute!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    Ok(())
}
