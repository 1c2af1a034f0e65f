//! The Tokens tab: portals by refresh-token days left; refresh one now or every one near death
//! (confirmed, paced); diagnose; notify the admin (confirmed).

use super::{Effect, Outcome, db_failed, flash};
use crate::model::MemberId;
use crate::services::diagnose::Diagnosis;
use crate::services::notify::{Notice, Notified};
use crate::services::tokens::{RefreshOutcome, TokenBoard, TokenRow};
use crate::tui::commands::Command;
use crate::tui::list_tab::Answer;
use crate::tui::state::{AppState, Confirmable, Loadable, Overlay, RefreshRun};
use crate::tui::tabs::{TokensEffect, TokensMsg};

/// Loads the board, showing a loading state the first time.
pub fn reload(state: &mut AppState) -> Vec<Effect> {
    state.tokens.list.show_loading();
    reload_quietly(state)
}

/// Loads the board, keeping the current one on screen meanwhile.
pub fn reload_quietly(state: &mut AppState) -> Vec<Effect> {
    let generation = state.tokens.list.next_load();
    vec![Effect::Tokens(TokensEffect::Load { generation, search: state.tokens.filter.clone() })]
}

/// Sets what narrows the board and reloads from the top.
pub fn set_filter(state: &mut AppState, filter: crate::rules::search::Search) -> Vec<Effect> {
    state.tokens.filter = filter;
    state.tokens.diagnosis = None;
    state.tokens.list.restart();
    reload_quietly(state)
}

/// The board arrived; true when something on screen changed.
pub fn loaded(state: &mut AppState, generation: u64, result: Result<TokenBoard, String>) -> bool {
    if !state.tokens.list.is_current(generation) {
        return false;
    }
    let keep = state.tokens.selected_row().map(|r| r.portal.member_id.clone());
    let before = state.tokens.list.rows.ready().map(|rows| fingerprint(rows));
    let counts_before = state.tokens.counts;
    let result = result.map(|board| {
        state.tokens.counts = Some(board.counts);
        board.rows
    });
    if let Ok(rows) = &result {
        let at = keep.and_then(|m| rows.iter().position(|r| r.portal.member_id == m));
        state.tokens.list.selected = at.unwrap_or(state.tokens.list.selected);
    }
    match state.tokens.list.accept(generation, result) {
        Answer::Stored => {
            before != state.tokens.list.rows.ready().map(|rows| fingerprint(rows))
                || counts_before != state.tokens.counts
        }
        Answer::Failed(e) => {
            db_failed(state, e);
            true
        }
        Answer::Stale => false,
    }
}

fn fingerprint(rows: &[TokenRow]) -> Vec<(String, i64, Option<i64>)> {
    rows.iter().map(|r| (r.portal.member_id.as_str().to_owned(), r.portal.version, r.state.days_left)).collect()
}

fn selected(state: &AppState) -> Option<MemberId> {
    state.tokens.selected_row().map(|r| r.portal.member_id.clone())
}

fn busy(state: &mut AppState, m: &MemberId) -> bool {
    if state.tokens.busy.contains(m) {
        flash(state, format!("{} — already on its way", m.short(12)), true);
        return true;
    }
    state.tokens.busy.push(m.clone());
    false
}

fn done(state: &mut AppState, m: &MemberId) {
    state.tokens.busy.retain(|b| b != m);
}

/// Keys of the Tokens tab.
pub fn command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Up | Command::Down | Command::PageUp | Command::PageDown | Command::Top | Command::Bottom => {
            state.tokens.list.move_by(cmd, 10);
            vec![]
        }
        Command::RefreshToken => match selected(state) {
            Some(m) if !busy(state, &m) => {
                flash(state, format!("refreshing {}…", m.short(12)), false);
                vec![Effect::Tokens(TokensEffect::Refresh(m))]
            }
            _ => vec![],
        },
        Command::RefreshExpiring => {
            if state.tokens.run.as_ref().is_some_and(|r| !r.finished) {
                flash(state, "a refresh of many portals is already running", true);
                return vec![];
            }
            vec![Effect::Count(Confirmable::RefreshExpiring(state.tokens.window_days))]
        }
        Command::Diagnose => match selected(state) {
            Some(m) => {
                state.tokens.diagnosis = Some((m.clone(), Loadable::Loading));
                vec![Effect::Tokens(TokensEffect::Diagnose(m))]
            }
            None => vec![],
        },
        Command::NotifyAdmin => match selected(state) {
            Some(m) if !busy(state, &m) => {
                state.tokens.busy.push(m.clone());
                flash(state, format!("preparing the notice for {} (diagnose, profile)…", m.short(12)), false);
                vec![Effect::Tokens(TokensEffect::PrepareNotice(m))]
            }
            _ => vec![],
        },
        Command::OpenPortal => match selected(state) {
            Some(m) => super::open_portal(state, crate::services::overview::PortalRef::Member(m)),
            None => vec![],
        },
        _ => vec![],
    }
}

/// How many portals a bulk refresh would touch arrived: ask.
pub fn counted(state: &mut AppState, days: i64, n: i64) {
    if n == 0 {
        flash(state, format!("no live portal is within {days} days of token death — nothing to do"), false);
        return;
    }
    let question = format!("Refresh {n} portal(s) within {days} days of refresh-token death, one at a time?");
    state.overlay = Some(Overlay::Confirm { what: Confirmable::RefreshExpiring(days), question });
}

/// The operator said yes.
pub fn confirmed(state: &mut AppState, what: Confirmable) -> Vec<Effect> {
    match what {
        Confirmable::RefreshExpiring(days) => {
            state.tokens.run = Some(RefreshRun { days, done: 0, total: 0, alive: 0, finished: false });
            vec![Effect::Tokens(TokensEffect::RefreshExpiring { days })]
        }
        Confirmable::Notify(m) if !busy(state, &m) => match state.tokens.pending_notice.take() {
            Some(n) if n.member_id == m.as_str() => {
                state.tokens.busy.push(m);
                vec![Effect::Tokens(TokensEffect::NotifyAdmin(n))]
            }
            _ => vec![],
        },
        _ => vec![],
    }
}

/// One portal's refresh finished.
pub fn refreshed(state: &mut AppState, m: MemberId, result: Result<RefreshOutcome, String>) -> Vec<Effect> {
    done(state, &m);
    let z = state.zone;
    match result {
        Ok(o) => {
            let alive = o.is_alive();
            flash(state, format!("{}: {}", m.short(12), o.describe(|t| z.date(t))), !alive);
        }
        Err(e) => flash(state, format!("{}: {e}", m.short(12)), true),
    }
    reload_quietly(state)
}

/// A bulk refresh advanced.
pub fn run_progress(state: &mut AppState, done: usize, total: usize, alive: usize) {
    if let Some(r) = state.tokens.run.as_mut() {
        (r.done, r.total, r.alive) = (done, total, alive);
    }
}

/// A bulk refresh finished.
pub fn run_done(state: &mut AppState, result: Result<(usize, usize), String>) -> Vec<Effect> {
    if let Some(r) = state.tokens.run.as_mut() {
        r.finished = true;
        if let Ok((alive, total)) = result {
            (r.done, r.total, r.alive) = (total, total, alive);
        }
    }
    match result {
        Ok((alive, total)) => {
            flash(state, format!("refreshed {alive} of {total}; the rest are named in the list"), alive < total)
        }
        Err(e) => flash(state, format!("refresh stopped: {e}"), true),
    }
    reload_quietly(state)
}

/// A diagnosis arrived.
pub fn diagnosed(state: &mut AppState, m: MemberId, result: Result<Diagnosis, String>) {
    if let Some((shown, slot)) = state.tokens.diagnosis.as_mut().filter(|(shown, _)| *shown == m) {
        let _ = shown;
        *slot = match result {
            Ok(d) => Loadable::Ready(d),
            Err(e) => Loadable::Failed(e),
        };
    }
}

/// The notice is ready: show its text and whom it goes to, and ask.
pub fn notice_prepared(state: &mut AppState, m: MemberId, result: Result<Notice, String>) -> Vec<Effect> {
    done(state, &m);
    match result {
        Ok(n) => {
            let to = format!("user {}{}", n.user_id, if n.admin { " (admin)" } else { ", not an admin" });
            let question = format!("Send this to {to} (im.notify.system.add)? “{}”", n.message);
            state.tokens.pending_notice = Some(n);
            state.overlay = Some(Overlay::Confirm { what: Confirmable::Notify(m), question });
        }
        Err(e) => flash(state, format!("no notice: {e}"), true),
    }
    vec![]
}

/// A notification was sent (or not).
pub fn notified(state: &mut AppState, m: MemberId, result: Result<Notified, String>) -> Vec<Effect> {
    done(state, &m);
    match result {
        Ok(n) => flash(
            state,
            format!(
                "notified user {} on {}{}",
                n.user_id,
                m.short(12),
                if n.admin { " (admin)" } else { " (not an admin)" }
            ),
            false,
        ),
        Err(e) => flash(state, format!("not notified: {e}"), true),
    }
    vec![]
}

/// Applies one of the Tokens tab's answers.
pub(super) fn on(state: &mut AppState, msg: TokensMsg) -> Outcome {
    match msg {
        TokensMsg::Loaded { generation, result } => {
            Outcome { effects: vec![], dirty: loaded(state, generation, result) }
        }
        TokensMsg::Refreshed { member_id, result } => Outcome::redraw(refreshed(state, member_id, result)),
        TokensMsg::RefreshRunProgress(done, total, alive) => {
            run_progress(state, done, total, alive);
            Outcome::redraw(vec![])
        }
        TokensMsg::RefreshRunDone(result) => Outcome::redraw(run_done(state, result)),
        TokensMsg::Diagnosed { member_id, result } => {
            diagnosed(state, member_id, result);
            Outcome::redraw(vec![])
        }
        TokensMsg::NoticePrepared { member_id, result } => Outcome::redraw(notice_prepared(state, member_id, result)),
        TokensMsg::Notified { member_id, result } => Outcome::redraw(notified(state, member_id, result)),
    }
}
