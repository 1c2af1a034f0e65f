//! Every key is a named command with a description. This one table drives key dispatch, the `:`
//! palette, the hint bar, `?` help and read-only mode (which removes commands marked as writes);
//! `tui::keymap` looks keys up in it, with the configuration's `[keys]` replacing a command's keys.

use crossterm::event::{KeyCode, KeyModifiers};

use super::screen::Screen;

/// Where a command applies: everywhere, in every list, or on one screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everywhere.
    Global,
    /// Lists (Calls, Errors, the portal view).
    List,
    /// One screen.
    Screen(Screen),
}

/// What a key can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// Leave b24ops.
    Quit,
    /// Sort the list by its next sortable column (after the last: as loaded).
    SortNext,
    /// Reverse the sort.
    SortReverse,
    /// Show every key.
    Help,
    /// Open the command palette.
    Palette,
    /// Filter the current list.
    Filter,
    /// Close, go back, or clear the filter.
    Back,
    /// Show the Calls tab.
    TabCalls,
    /// Show the Errors tab.
    TabErrors,
    /// Open the selected row's portal.
    OpenPortal,
    /// Open what the selected row leads to.
    Open,
    /// Move the selection up.
    Up,
    /// Move the selection down.
    Down,
    /// One page up.
    PageUp,
    /// One page down.
    PageDown,
    /// To the first row.
    Top,
    /// To the last row.
    Bottom,
    /// Follow the live tail on or off.
    ToggleFollow,
    /// Only the selected row's portal (again: all portals).
    FilterMember,
    /// Only failed calls (again: all).
    ToggleErrorsOnly,
    /// Remove every filter.
    ClearFilter,
    /// Show or hide the detail pane.
    ToggleDetail,
    /// Group errors by type across portals, or by portal and type.
    ToggleGroupBy,
    /// Reload the view now.
    Refresh,
    /// The portal's calls.
    PortalCalls,
    /// Show the Tasks tab.
    TabTasks,
    /// Show the Audit tab.
    TabAudit,
    /// Restart the selected failed task.
    Restart,
    /// Restart every failed task matching the filter (confirmed).
    RestartAll,
    /// Discard the selected failed task (confirmed).
    Discard,
    /// Discard every failed task matching the filter (confirmed).
    DiscardAll,
    /// Failed tasks only, or every status.
    ToggleAllStatuses,
    /// Show the Reviews tab.
    TabReviews,
    /// Write the selected review's reply in the editor.
    EditReply,
    /// Write the reply in `$EDITOR`.
    EditReplyExternally,
    /// Copy the reply draft to the clipboard (OSC 52).
    CopyReply,
    /// Mark the reply checked and ready to paste.
    MarkReady,
    /// Mark the reply published in the vendor cabinet.
    MarkPublished,
    /// Type in a review by hand.
    AddReview,
    /// Show the Tokens tab.
    TabTokens,
    /// Refresh the selected portal's tokens now.
    RefreshToken,
    /// Refresh every live portal within the warning window (confirmed, paced).
    RefreshExpiring,
    /// Diagnose the selected portal.
    Diagnose,
    /// Notify the selected portal's admin (confirmed).
    NotifyAdmin,
    /// Show the Tickets tab.
    TabTickets,
    /// Reply to the selected ticket.
    ReplyTicket,
    /// Set the selected ticket's status.
    TicketStatus,
    /// Set the selected ticket's priority.
    TicketPriority,
    /// Assign the selected ticket to me.
    AssignToMe,
    /// Attach the selected ticket to a portal.
    AttachTicket,
    /// Show the Alerts tab.
    TabAlerts,
    /// Acknowledge the selected alert (no reminders until it resolves).
    AckAlert,
    /// Snooze the selected alert for an hour.
    SnoozeAlert,
    /// Show the Planned tab.
    TabMaintenance,
    /// Mark the selected planned check done, with a note.
    MarkCheckDone,
    /// The next tab.
    NextTab,
    /// The previous tab.
    PrevTab,
    /// Give the terminal back to the shell until `fg`.
    Suspend,
    /// Copy the selected row's name (domain, or its id) to the clipboard.
    CopyValue,
    /// Copy the selected row's member_id to the clipboard.
    CopyMember,
    /// The status messages shown so far.
    Messages,
}

/// A key as the registry spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Ctrl, Shift …
    pub mods: KeyModifiers,
}

const fn k(c: char) -> Key {
    Key { code: KeyCode::Char(c), mods: KeyModifiers::NONE }
}
const fn ctrl(c: char) -> Key {
    Key { code: KeyCode::Char(c), mods: KeyModifiers::CONTROL }
}
const fn code(c: KeyCode) -> Key {
    Key { code: c, mods: KeyModifiers::NONE }
}

/// One command's entry.
pub struct Spec {
    /// The command.
    pub command: Command,
    /// Its palette name.
    pub name: &'static str,
    /// The keys that run it; the first is shown in hints.
    pub keys: &'static [Key],
    /// What it does.
    pub description: &'static str,
    /// Where it applies.
    pub scope: Scope,
    /// A short label for the hint bar; `None` keeps it out of the bar (still in help).
    pub hint: Option<&'static str>,
    /// True when it writes to the database (read-only mode removes it).
    pub writes: bool,
}

macro_rules! write_spec {
    ($cmd:ident, $name:literal, [$($key:expr),*], $scope:ident, $hint:expr, $desc:literal) => {
        Spec { command: Command::$cmd, name: $name, keys: &[$($key),*], description: $desc, scope: scope!($scope), hint: $hint, writes: true }
    };
}

/// A registry entry's scope by name: `Global`, `List`, or a screen's.
macro_rules! scope {
    (Global) => {
        Scope::Global
    };
    (List) => {
        Scope::List
    };
    ($screen:ident) => {
        Scope::Screen(Screen::$screen)
    };
}

macro_rules! spec {
    ($cmd:ident, $name:literal, [$($key:expr),*], $scope:ident, $hint:expr, $desc:literal) => {
        Spec { command: Command::$cmd, name: $name, keys: &[$($key),*], description: $desc, scope: scope!($scope), hint: $hint, writes: false }
    };
}

/// The registry.
pub const REGISTRY: &[Spec] = &[
    spec!(TabCalls, "calls", [k('1')], Global, None, "Show the live REST-call log"),
    spec!(TabErrors, "errors", [k('2')], Global, None, "Show error groups (15 min / 1 h / 24 h)"),
    spec!(TabTasks, "tasks", [k('3')], Global, None, "Show background tasks (failed first)"),
    spec!(TabAudit, "audit", [k('4')], Global, None, "Show the audit log of console changes"),
    spec!(TabReviews, "reviews", [k('5')], Global, None, "Show Marketplace reviews awaiting a reply"),
    spec!(TabTokens, "tokens", [k('6')], Global, None, "Show portals by refresh-token days left"),
    spec!(TabTickets, "tickets", [k('7')], Global, None, "Show support tickets by next SLA deadline"),
    spec!(TabAlerts, "alerts", [k('8')], Global, None, "Show the alerts firing now"),
    spec!(TabMaintenance, "planned", [k('9')], Global, None, "Show planned checks: deprecations, tokens, reviews"),
    spec!(Up, "up", [k('k'), code(KeyCode::Up)], List, None, "Move up (pauses the live tail)"),
    spec!(Down, "down", [k('j'), code(KeyCode::Down)], List, None, "Move down"),
    spec!(PageUp, "page-up", [code(KeyCode::PageUp), ctrl('u')], List, None, "One page up"),
    spec!(PageDown, "page-down", [code(KeyCode::PageDown), ctrl('d')], List, None, "One page down"),
    spec!(Top, "top", [k('g'), code(KeyCode::Home)], List, None, "First row (loads older calls)"),
    spec!(Bottom, "bottom", [k('G'), code(KeyCode::End)], List, None, "Last row (the newest call)"),
    spec!(ToggleFollow, "follow", [k('f')], Calls, Some("follow"), "Follow the live tail on/off"),
    spec!(FilterMember, "member", [k('m')], Calls, Some("member"), "Only the selected row's portal (again: all)"),
    spec!(ToggleErrorsOnly, "errors-only", [k('e')], Calls, Some("errors"), "Only failed calls (again: all)"),
    spec!(ClearFilter, "clear", [k('x')], Calls, None, "Remove every filter"),
    spec!(ToggleDetail, "detail", [k('d')], Calls, None, "Show or hide the detail pane"),
    spec!(ToggleGroupBy, "group", [k('t')], Errors, Some("by type"), "Group by error type across portals / by portal"),
    spec!(Open, "open", [code(KeyCode::Enter)], Errors, Some("calls"), "Calls of the selected group"),
    spec!(Open, "open", [code(KeyCode::Enter)], Calls, None, "The selected call's portal"),
    spec!(PortalCalls, "portal-calls", [k('c')], Portal, Some("calls"), "This portal's calls"),
    write_spec!(Restart, "restart", [k('r')], Tasks, Some("restart"), "Restart the selected failed task (no dialog)"),
    write_spec!(
        RestartAll,
        "restart-all",
        [k('A')],
        Tasks,
        Some("restart all"),
        "Restart every failed task matching the filter"
    ),
    write_spec!(Discard, "discard", [k('D')], Tasks, Some("discard"), "Discard the selected failed task (asks first)"),
    write_spec!(DiscardAll, "discard-all", [k('X')], Tasks, None, "Discard every failed task matching the filter"),
    spec!(ToggleAllStatuses, "all-statuses", [k('a')], Tasks, Some("all/failed"), "Every status, or failed only"),
    spec!(ToggleDetail, "task-detail", [k('d')], Tasks, None, "Show or hide the detail pane"),
    write_spec!(
        EditReply,
        "reply",
        [code(KeyCode::Enter), k('e')],
        Reviews,
        Some("reply"),
        "Write the reply (templates, autosave)"
    ),
    write_spec!(
        EditReplyExternally,
        "reply-in-editor",
        [k('E')],
        Reviews,
        Some("$EDITOR"),
        "Write the reply in $VISUAL / $EDITOR"
    ),
    spec!(CopyReply, "copy", [k('y')], Reviews, Some("copy"), "Copy the reply draft to the clipboard (works over SSH)"),
    write_spec!(MarkReady, "mark-ready", [k('r')], Reviews, Some("ready"), "Mark the reply checked, ready to paste"),
    write_spec!(
        MarkPublished,
        "mark-published",
        [k('P')],
        Reviews,
        Some("published"),
        "Mark the reply published in the vendor cabinet"
    ),
    write_spec!(AddReview, "add-review", [k('n')], Reviews, Some("new"), "Type in a review by hand"),
    spec!(
        ToggleAllStatuses,
        "answered",
        [k('a')],
        Reviews,
        Some("all/open"),
        "Answered reviews too, or awaiting reply only"
    ),
    spec!(ToggleDetail, "review-detail", [k('d')], Reviews, None, "Show or hide the detail pane"),
    write_spec!(
        RefreshToken,
        "refresh-token",
        [k('r')],
        Tokens,
        Some("refresh"),
        "Refresh the selected portal's tokens now"
    ),
    write_spec!(
        RefreshExpiring,
        "refresh-expiring",
        [k('A')],
        Tokens,
        Some("refresh all ≤30d"),
        "Refresh every live portal within the warning window (asks first, paced)"
    ),
    spec!(
        Diagnose,
        "diagnose",
        [code(KeyCode::Enter), k('d')],
        Tokens,
        Some("diagnose"),
        "Diagnose the selected portal: app, scopes, placements, methods, clock"
    ),
    write_spec!(
        NotifyAdmin,
        "notify-admin",
        [k('n')],
        Tokens,
        Some("notify admin"),
        "Tell the portal's admin the connection is about to expire (asks first)"
    ),
    spec!(
        Open,
        "thread",
        [code(KeyCode::Enter)],
        Tickets,
        Some("thread"),
        "Open the selected ticket's thread (again: close)"
    ),
    write_spec!(
        ReplyTicket,
        "reply-ticket",
        [k('e')],
        Tickets,
        Some("reply"),
        "Reply (Ctrl-S sends and stops the first-response clock; Ctrl-N: internal note)"
    ),
    write_spec!(
        TicketStatus,
        "status",
        [k('s')],
        Tickets,
        Some("status"),
        "Set the status: new, open, pending, on_hold, solved, closed"
    ),
    write_spec!(
        TicketPriority,
        "priority",
        [k('P')],
        Tickets,
        Some("priority"),
        "Set the priority: low, normal, high, critical"
    ),
    write_spec!(AssignToMe, "assign-me", [k('M')], Tickets, Some("mine"), "Assign the selected ticket to me"),
    write_spec!(
        AttachTicket,
        "attach",
        [k('L')],
        Tickets,
        Some("link portal"),
        "Attach the ticket to a portal by domain or member_id"
    ),
    spec!(
        ToggleAllStatuses,
        "all-tickets",
        [k('a')],
        Tickets,
        Some("all/open"),
        "Every ticket newest first, or open ones by deadline"
    ),
    spec!(
        Open,
        "alert-open",
        [code(KeyCode::Enter)],
        Alerts,
        Some("go to"),
        "Go to the row the alert is about; on a group, list its alerts"
    ),
    write_spec!(
        AckAlert,
        "ack",
        [k('a')],
        Alerts,
        Some("ack"),
        "Acknowledge: no reminders until it resolves (audited)"
    ),
    write_spec!(SnoozeAlert, "snooze", [k('z')], Alerts, Some("snooze 1h"), "Snooze: no notices for an hour (audited)"),
    write_spec!(
        MarkCheckDone,
        "done",
        [k('m')],
        Maintenance,
        Some("mark done"),
        "Mark the selected check done, with a note (audited)"
    ),
    spec!(FilterMember, "audit-member", [k('m')], Audit, Some("member"), "Only the selected row's portal (again: all)"),
    spec!(OpenPortal, "portal", [k('p')], List, Some("portal"), "Everything known about the selected row's portal"),
    spec!(
        SortNext,
        "sort",
        [k('o')],
        List,
        Some("sort"),
        "Sort by the next column (▲/▼ in its header); kept across refreshes and filters"
    ),
    spec!(SortReverse, "sort-reverse", [k('O')], List, None, "Reverse the sort"),
    spec!(Refresh, "refresh", [k('R')], Global, None, "Reload the view now"),
    spec!(NextTab, "next-tab", [code(KeyCode::Tab)], Global, None, "The next tab"),
    spec!(PrevTab, "prev-tab", [code(KeyCode::BackTab)], Global, None, "The previous tab"),
    spec!(Suspend, "suspend", [ctrl('z')], Global, None, "Suspend b24ops; the shell's fg brings it back"),
    spec!(
        CopyValue,
        "copy-value",
        [k('y')],
        List,
        None,
        "Copy the selected row's domain (or its id) to the clipboard (OSC 52)"
    ),
    spec!(CopyMember, "copy-member", [k('Y')], List, None, "Copy the selected row's member_id to the clipboard"),
    spec!(Messages, "messages", [], Global, None, "The status messages shown so far, newest first"),
    spec!(
        Filter,
        "filter",
        [k('/')],
        Global,
        Some("filter"),
        "Filter: member:ID domain:D method:M code:C errors slow:N"
    ),
    spec!(Palette, "palette", [k(':')], Global, Some("cmd"), "Command palette"),
    spec!(Back, "back", [code(KeyCode::Esc)], Global, None, "Close, go back, or clear the filter"),
    spec!(Help, "help", [k('?')], Global, Some("help"), "Every key"),
    spec!(Quit, "quit", [k('q'), ctrl('c')], Global, Some("quit"), "Leave b24ops"),
];

/// The command a palette name runs.
pub fn by_name(name: &str, read_only: bool) -> Option<&'static Spec> {
    REGISTRY.iter().find(|s| s.name == name && !(read_only && s.writes))
}

/// How a key is written on screen: `q`, `^c`, `↵`, `Esc`, `PgUp`.
pub fn key_label(k: &Key) -> String {
    let base = match k.code {
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "↵".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "S-Tab".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    if k.mods.contains(KeyModifiers::CONTROL) { format!("^{base}") } else { base }
}

/// The scopes a key is looked up in on `screen`, most specific first.
pub fn scopes(screen: Screen) -> [Scope; 3] {
    [Scope::Screen(screen), Scope::List, Scope::Global]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice_in_one_scope() {
        for a in REGISTRY {
            for b in REGISTRY {
                if std::ptr::eq(a, b) || a.scope != b.scope {
                    continue;
                }
                for ka in a.keys {
                    assert!(!b.keys.contains(ka), "{} and {} share a key in {:?}", a.name, b.name, a.scope);
                }
            }
        }
    }
}
