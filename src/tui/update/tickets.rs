//! The Tickets tab: the queue by next SLA deadline, the thread, replies, status, priority,
//! assignment and attaching a ticket to its portal.

use crossterm::event::KeyEvent;

use super::{Effect, Outcome, db_failed, flash, open_prompt};
use crate::model::TicketMessage;
use crate::services::overview::PortalRef;
use crate::services::tickets::QueuedTicket;
use crate::store::{TicketChange, WriteOutcome};
use crate::tui::commands::Command;
use crate::tui::prompt::Prompt;
use crate::tui::state::{AppState, Loadable, Overlay, TicketField};
use crate::tui::tabs::{TicketsEffect, TicketsMsg};
use crate::tui::ticket_editor::{TicketEditor, TicketEditorKey};

/// Loads the queue, showing a loading state the first time.
pub fn reload(state: &mut AppState) -> Vec<Effect> {
    state.tickets.list.show_loading();
    reload_quietly(state)
}

/// Loads the queue, keeping the current one meanwhile.
pub fn reload_quietly(state: &mut AppState) -> Vec<Effect> {
    state.tickets.list.next_load();
    let t = &state.tickets;
    vec![Effect::Tickets(TicketsEffect::Load {
        generation: t.list.generation,
        all: t.all,
        search: t.filter.clone(),
        now: state.now,
    })]
}

/// Sets what narrows the queue and reloads from the top.
pub fn set_filter(state: &mut AppState, filter: crate::rules::search::Search) -> Vec<Effect> {
    state.tickets.filter = filter;
    state.tickets.thread = None;
    state.tickets.list.restart();
    reload_quietly(state)
}

fn fingerprint(q: &[QueuedTicket]) -> Vec<(i64, chrono::DateTime<chrono::Utc>, Option<chrono::DateTime<chrono::Utc>>)> {
    q.iter().map(|t| (t.ticket.id, t.ticket.updated_at, t.next_due)).collect()
}

/// The queue arrived; true when something on screen changed.
pub fn loaded(state: &mut AppState, generation: u64, result: Result<Vec<QueuedTicket>, String>) -> bool {
    if !state.tickets.list.is_current(generation) {
        return false;
    }
    match result {
        Ok(q) => {
            let same = matches!(&state.tickets.list.rows, Loadable::Ready(old) if fingerprint(old) == fingerprint(&q));
            let keep = state.tickets.selected_ticket().map(|t| t.ticket.id);
            let idx =
                keep.and_then(|id| q.iter().position(|t| t.ticket.id == id)).unwrap_or(state.tickets.list.selected);
            state.tickets.list.selected = super::clamp(idx, q.len());
            state.tickets.list.show(q);
            !same
        }
        Err(e) => {
            state.tickets.list.rows = Loadable::Failed(e.clone());
            db_failed(state, e);
            true
        }
    }
}

/// A thread arrived.
pub fn thread(state: &mut AppState, id: i64, result: Result<Vec<TicketMessage>, String>) {
    if let Some((shown, slot)) = state.tickets.thread.as_mut()
        && *shown == id
    {
        *slot = match result {
            Ok(m) => Loadable::Ready(m),
            Err(e) => Loadable::Failed(e),
        };
    }
}

/// A change finished.
pub fn changed(state: &mut AppState, id: i64, what: String, result: Result<WriteOutcome, String>) -> Vec<Effect> {
    let mut fx = Vec::new();
    match result {
        Ok(WriteOutcome::Changed) => {
            answer_prompt(state, id, None);
            if let Some(Overlay::TicketReply(ed)) = &state.overlay
                && ed.id == id
            {
                state.overlay = None;
            }
            if what.starts_with("reply") || what.starts_with("note") {
                state.tickets.drafts.remove(&id);
            }
            flash(state, format!("ticket #{id}: {what}"), false);
            if state.tickets.thread.as_ref().is_some_and(|(t, _)| *t == id) {
                fx.push(Effect::Tickets(TicketsEffect::LoadThread(id)));
            }
        }
        Ok(WriteOutcome::Unchanged(now)) => {
            answer_prompt(state, id, None);
            flash(state, format!("ticket #{id}: already {now}"), false)
        }
        Ok(WriteOutcome::Missing) => {
            answer_prompt(state, id, None);
            flash(state, format!("ticket #{id} is gone"), true)
        }
        Ok(WriteOutcome::Refused(why)) => {
            answer_prompt(state, id, Some(&why));
            flash(state, format!("ticket #{id}: {why}"), true)
        }
        Err(e) => {
            answer_prompt(state, id, Some(&e));
            if let Some(Overlay::TicketReply(ed)) = state.overlay.as_mut() {
                ed.sending = false;
                ed.note = Some((e.clone(), true));
            }
            flash(state, format!("ticket #{id}: {e}"), true);
        }
    }
    fx.extend(reload_quietly(state));
    fx
}

fn prompt_for(state: &mut AppState, field: TicketField) {
    let Some(q) = state.tickets.selected_ticket() else { return };
    let t = &q.ticket;
    let (text, hint) = match field {
        TicketField::Status => (t.status.to_string(), "new open pending on_hold solved closed"),
        TicketField::Priority => (t.priority.to_string(), "low normal high critical"),
        TicketField::Portal => {
            (t.domain.as_ref().map(|d| d.to_string()).unwrap_or_default(), "the portal's domain or member_id")
        }
    };
    let id = t.id;
    state.overlay = Some(Overlay::TicketPrompt { id, field, prompt: Prompt::new(&text, hint) });
}

/// Keys of the Tickets tab.
pub fn command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Up | Command::Down | Command::PageUp | Command::PageDown | Command::Top | Command::Bottom => {
            state.tickets.list.move_by(cmd, 10);
            // An open thread follows the selection.
            match (state.tickets.thread.is_some(), state.tickets.selected_ticket().map(|q| q.ticket.id)) {
                (true, Some(id)) if state.tickets.thread.as_ref().map(|t| t.0) != Some(id) => {
                    state.tickets.thread = Some((id, Loadable::Loading));
                    vec![Effect::Tickets(TicketsEffect::LoadThread(id))]
                }
                _ => vec![],
            }
        }
        Command::Open => match state.tickets.selected_ticket().map(|q| q.ticket.id) {
            Some(id) if state.tickets.thread.as_ref().map(|t| t.0) == Some(id) => {
                state.tickets.thread = None;
                vec![]
            }
            Some(id) => {
                state.tickets.thread = Some((id, Loadable::Loading));
                vec![Effect::Tickets(TicketsEffect::LoadThread(id))]
            }
            None => vec![],
        },
        Command::ReplyTicket => {
            let Some(q) = state.tickets.selected_ticket() else { return vec![] };
            let (id, subject) = (q.ticket.id, q.ticket.subject.to_string());
            let draft = state.tickets.drafts.get(&id).cloned().unwrap_or_default();
            state.overlay = Some(Overlay::TicketReply(Box::new(TicketEditor::new(id, subject, &draft))));
            if state.tickets.thread.as_ref().map(|t| t.0) != Some(id) {
                state.tickets.thread = Some((id, Loadable::Loading));
                return vec![Effect::Tickets(TicketsEffect::LoadThread(id))];
            }
            vec![]
        }
        Command::TicketStatus => {
            prompt_for(state, TicketField::Status);
            vec![]
        }
        Command::TicketPriority => {
            prompt_for(state, TicketField::Priority);
            vec![]
        }
        Command::AttachTicket => {
            prompt_for(state, TicketField::Portal);
            vec![]
        }
        Command::AssignToMe => match state.tickets.selected_ticket().map(|q| q.ticket.id) {
            Some(id) => {
                vec![Effect::Tickets(TicketsEffect::Change {
                    id,
                    change: TicketChange::Assign(state.operator.clone()),
                    now: state.now,
                })]
            }
            None => vec![],
        },
        Command::ToggleAllStatuses => {
            state.tickets.all = !state.tickets.all;
            state.tickets.list.selected = 0;
            state.tickets.list.rows = Loadable::Loading;
            reload_quietly(state)
        }
        Command::OpenPortal => match state.tickets.selected_ticket() {
            Some(q) => match (&q.ticket.member_id, &q.ticket.domain) {
                (Some(m), _) => super::open_portal(state, PortalRef::Member(m.clone())),
                (None, Some(d)) => super::open_portal(state, PortalRef::Domain(d.to_string())),
                _ => {
                    flash(state, "this ticket has no portal yet — L attaches it", true);
                    vec![]
                }
            },
            None => vec![],
        },
        _ => vec![],
    }
}

/// A key while a ticket prompt is open.
pub fn prompt_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::TicketPrompt { id, field, prompt }) = state.overlay.as_mut() else { return vec![] };
    let (id, field) = (*id, *field);
    if key.code == crossterm::event::KeyCode::Tab
        && let Some(v) = prompt.chosen_option().map(str::to_owned)
    {
        prompt.set_text(&v);
        return vec![];
    }
    super::prompt_key(state, key, |state, text| submit_field(state, id, field, &text))
}

/// Enter in a ticket prompt: a bad value keeps the prompt open with the text and the values
/// allowed; a good one goes to the store, and the prompt stays until the answer.
fn submit_field(state: &mut AppState, id: i64, field: TicketField, text: &str) -> Vec<Effect> {
    let now = state.now;
    let Some(prompt) = open_prompt(state) else { return vec![] };
    let value = text.trim().to_lowercase();
    if value.is_empty() {
        prompt.error = Some("type a value, or Esc".into());
        return vec![];
    }
    let allowed: &[&str] = match field {
        TicketField::Status => &crate::model::TICKET_STATUSES,
        TicketField::Priority => &crate::model::TICKET_PRIORITIES,
        TicketField::Portal => &[],
    };
    let value = if allowed.is_empty() {
        value
    } else {
        match crate::rules::choice::pick(&value, allowed) {
            Ok(v) => v.to_owned(),
            Err(candidates) => {
                // The prompt stays open with the text, so nothing typed next runs as a key.
                let what = if field == TicketField::Status { "status" } else { "priority" };
                prompt.error = Some(format!("{value:?} is not a {what} — Tab takes the one marked ▶"));
                prompt.options = candidates.iter().map(|c| ((*c).to_owned(), String::new())).collect();
                prompt.choice = 0;
                return vec![];
            }
        }
    };
    // The prompt stays until the answer: a refusal comes back into it, with the text.
    prompt.error = None;
    prompt.options.clear();
    match field {
        TicketField::Status => {
            vec![Effect::Tickets(TicketsEffect::Change { id, change: TicketChange::Status(value), now })]
        }
        TicketField::Priority => {
            vec![Effect::Tickets(TicketsEffect::Change { id, change: TicketChange::Priority(value), now })]
        }
        TicketField::Portal => vec![Effect::Tickets(TicketsEffect::Attach { id, who: value, now })],
    }
}

/// An answer for the ticket the open prompt edits: success closes it, a refusal stays in it.
fn answer_prompt(state: &mut AppState, id: i64, refusal: Option<&str>) {
    let Some(Overlay::TicketPrompt { id: at, prompt, .. }) = state.overlay.as_mut() else { return };
    if *at != id {
        return;
    }
    match refusal {
        None => state.overlay = None,
        Some(why) => prompt.error = Some(why.to_owned()),
    }
}

/// A key while the reply editor is open.
pub fn editor_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::TicketReply(ed)) = state.overlay.as_mut() else { return vec![] };
    match ed.input(key) {
        TicketEditorKey::Editing => vec![],
        TicketEditorKey::Close => {
            let (id, text) = (ed.id, ed.text());
            if text.trim().is_empty() {
                state.tickets.drafts.remove(&id);
            } else {
                state.tickets.drafts.insert(id, text);
            }
            state.overlay = None;
            vec![]
        }
        k @ (TicketEditorKey::Send | TicketEditorKey::Note) => {
            let text = ed.text();
            if text.trim().is_empty() {
                ed.note = Some(("nothing to send".into(), true));
                return vec![];
            }
            if ed.sending {
                return vec![];
            }
            ed.sending = true;
            ed.note = Some(("sending…".into(), false));
            let id = ed.id;
            state.tickets.drafts.insert(id, text.clone());
            let change = if k == TicketEditorKey::Send { TicketChange::Reply(text) } else { TicketChange::Note(text) };
            vec![Effect::Tickets(TicketsEffect::Change { id, change, now: state.now })]
        }
    }
}

/// The open thread, when one of its replies is still on its way: reloaded with each refresh so
/// "queued" turns into "sent" (or "failed") on screen without a key.
pub fn thread_in_flight(state: &AppState) -> Option<i64> {
    let (id, Loadable::Ready(msgs)) = state.tickets.thread.as_ref()? else { return None };
    let waiting = |m: &TicketMessage| {
        m.delivery.as_ref().is_some_and(|d| {
            d.state.as_str() != "sent" && (d.state.as_str() != "failed" || d.next_attempt_at.is_some())
        })
    };
    msgs.iter().any(waiting).then_some(*id)
}

/// Text pasted into the editor or a prompt.
pub fn paste(state: &mut AppState, text: &str) {
    match state.overlay.as_mut() {
        Some(Overlay::TicketReply(ed)) => ed.paste(text),
        Some(Overlay::TicketPrompt { prompt, .. }) => prompt.paste(text),
        _ => {}
    }
}

/// Applies one of the Tickets tab's answers.
pub(super) fn on(state: &mut AppState, msg: TicketsMsg) -> Outcome {
    match msg {
        TicketsMsg::Loaded { generation, result } => {
            Outcome { effects: vec![], dirty: loaded(state, generation, result) }
        }
        TicketsMsg::ThreadLoaded { id, result } => {
            thread(state, id, result);
            Outcome::redraw(vec![])
        }
        TicketsMsg::Changed { id, what, result } => Outcome::redraw(changed(state, id, what, result)),
    }
}
