//! Jumps to one row of another tab: an alert opens the very ticket, review, token or portal it is
//! about. The row is selected at once when the tab already holds it, and again when the tab's
//! fresh rows arrive (the row may have moved, or the tab had never loaded).

use super::{Effect, enter, filter_calls, flash, open_portal};
use crate::model::MemberId;
use crate::rules::alerts::AlertKind;
use crate::rules::call_filter::CallFilter;
use crate::services::alerts::AlertRow;
use crate::services::overview::PortalRef;
use crate::store::PageDirection;
use crate::tui::msg::Msg;
use crate::tui::nav::{Seek, Target};
use crate::tui::state::{AppState, Screen};
use crate::tui::tabs::{CallsEffect, CallsMsg, ReviewsEffect, ReviewsMsg, TicketsMsg, TokensMsg};

/// Goes to what `row` is about.
pub fn to_alert(state: &mut AppState, row: &AlertRow) -> Vec<Effect> {
    let figure = &row.firing.figure;
    let member = figure.portals.first().map(|p| MemberId::from_db(p));
    let numbered = |prefix: &str| figure.key.strip_prefix(prefix).and_then(|n| n.trim().parse::<i64>().ok());
    match row.kind {
        AlertKind::Errors | AlertKind::ErrorSpread => match member {
            Some(m) if row.kind == AlertKind::Errors => {
                state.screen = Screen::Calls;
                filter_calls(state, CallFilter { member_id: Some(m), errors_only: true, ..CallFilter::default() })
            }
            _ => show(state, Screen::Errors),
        },
        AlertKind::Tokens => match member {
            Some(m) => seek(state, Screen::Tokens, Target::Token(m)),
            None => show(state, Screen::Tokens),
        },
        AlertKind::Sla => match numbered("ticket #") {
            Some(id) => seek(state, Screen::Tickets, Target::Ticket(id)),
            None => show(state, Screen::Tickets),
        },
        AlertKind::Reviews => match numbered("review #") {
            Some(id) => seek(state, Screen::Reviews, Target::Review(id)),
            None => show(state, Screen::Reviews),
        },
        AlertKind::FailedTasks => show(state, Screen::Tasks),
        AlertKind::Operating => match member {
            Some(m) => open_portal(state, PortalRef::Member(m)),
            None => vec![],
        },
        AlertKind::Partitions => {
            flash(state, "nothing to open: the call log's partitions are made by `b24ops prune`", false);
            vec![]
        }
    }
}

fn show(state: &mut AppState, to: Screen) -> Vec<Effect> {
    state.screen = to;
    enter(state)
}

/// Shows `screen` with `target` selected: now if its rows hold it, and once its fresh rows come.
fn seek(state: &mut AppState, screen: Screen, target: Target) -> Vec<Effect> {
    let mut fx = show(state, screen);
    fx.extend(select(state, &target).unwrap_or_default());
    let generation = generation(state, screen);
    state.nav.seek = Some(Seek { screen, generation, target });
    fx
}

fn generation(state: &AppState, screen: Screen) -> u64 {
    match screen {
        Screen::Tickets => state.tickets.list.generation,
        Screen::Reviews => state.reviews.list.generation,
        Screen::Tokens => state.tokens.list.generation,
        Screen::Calls => state.calls.generation,
        _ => 0,
    }
}

/// The tab and load generation an answer is for, when it is a list a jump may be waiting on.
pub fn answered(msg: &Msg) -> Option<(Screen, u64)> {
    match msg {
        Msg::Tickets(TicketsMsg::Loaded { generation, .. }) => Some((Screen::Tickets, *generation)),
        Msg::Reviews(ReviewsMsg::Loaded { generation, .. }) => Some((Screen::Reviews, *generation)),
        Msg::Tokens(TokensMsg::Loaded { generation, .. }) => Some((Screen::Tokens, *generation)),
        Msg::Calls(CallsMsg::Loaded { generation, dir: PageDirection::Latest, .. }) => {
            Some((Screen::Calls, *generation))
        }
        _ => None,
    }
}

/// After an answer for `screen`: the pending jump selects its row, or says it is not there.
pub fn settle(state: &mut AppState, screen: Screen, generation: u64) -> Vec<Effect> {
    let Some(seek) = state.nav.seek.take_if(|s| s.screen == screen && generation >= s.generation) else {
        return vec![];
    };
    match select(state, &seek.target) {
        Some(fx) => fx,
        None => {
            let what = match &seek.target {
                Target::Ticket(id) => format!("ticket #{id}"),
                Target::Review(id) => format!("review #{id}"),
                Target::Token(m) => format!("portal {m}"),
                Target::Call(id) => format!("call #{id}"),
            };
            flash(state, format!("{what} is not in this list (a filter may hide it)"), true);
            vec![]
        }
    }
}

/// Selects `target` in its tab's rows; `None` when they do not hold it.
fn select(state: &mut AppState, target: &Target) -> Option<Vec<Effect>> {
    match target {
        Target::Ticket(id) => {
            let rows = state.tickets.list.rows.ready()?;
            state.tickets.list.selected = rows.iter().position(|t| t.ticket.id == *id)?;
            Some(vec![])
        }
        Target::Review(id) => {
            let rows = state.reviews.list.rows.ready()?;
            state.reviews.list.selected = rows.iter().position(|e| e.review.id == *id)?;
            Some(vec![Effect::Reviews(ReviewsEffect::LoadDetail(*id))])
        }
        Target::Token(m) => {
            let rows = state.tokens.list.rows.ready()?;
            state.tokens.list.selected = rows.iter().position(|r| r.portal.member_id == *m)?;
            Some(vec![])
        }
        Target::Call(id) => {
            let c = &mut state.calls;
            c.selected = c.rows.iter().position(|r| r.id == *id)?;
            c.follow = false;
            Some(vec![Effect::Calls(CallsEffect::LoadDetail(*id))])
        }
    }
}
