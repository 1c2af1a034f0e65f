//! The console's screens and the tab bar's order.

/// The top-level screens. Tabs are reached by number keys; the portal view by `p` / Enter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Live REST-call log.
    Calls,
    /// Error groups.
    Errors,
    /// Background tasks (failed by default).
    Tasks,
    /// The audit log.
    Audit,
    /// One portal's whole picture.
    Portal,
    /// Marketplace reviews awaiting a reply.
    Reviews,
    /// Portals by refresh-token days left.
    Tokens,
    /// Support tickets by next SLA deadline.
    Tickets,
    /// Alerts firing now.
    Alerts,
    /// Planned checks.
    Maintenance,
    /// The open (or last) incident's timeline and record; `:incident` opens it.
    Incident,
}

/// The tabs in the tab bar, with their number keys.
pub const TABS: &[(Screen, char, &str)] = &[
    (Screen::Calls, '1', "Calls"),
    (Screen::Errors, '2', "Errors"),
    (Screen::Tasks, '3', "Tasks"),
    (Screen::Audit, '4', "Audit"),
    (Screen::Reviews, '5', "Reviews"),
    (Screen::Tokens, '6', "Tokens"),
    (Screen::Tickets, '7', "Tickets"),
    (Screen::Alerts, '8', "Alerts"),
    (Screen::Maintenance, '9', "Planned"),
];
