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
    /// The status messages shown so far; `:messages` opens it.
    Messages,
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

impl Screen {
    /// The tab `step` places after this screen in the tab bar, wrapping around; from a screen
    /// that is not a tab (the portal view, incidents), the first or the last tab.
    pub fn tab_after(self, step: isize) -> Screen {
        let n = TABS.len() as isize;
        let at = TABS.iter().position(|(s, _, _)| *s == self).map(|i| i as isize);
        let to = match at {
            Some(i) => (i + step).rem_euclid(n),
            None if step > 0 => 0,
            None => n - 1,
        };
        TABS[to as usize].0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_and_shift_tab_wrap_around_the_tab_bar() {
        assert_eq!(Screen::Calls.tab_after(1), Screen::Errors);
        assert_eq!(Screen::Calls.tab_after(-1), Screen::Maintenance);
        assert_eq!(Screen::Maintenance.tab_after(1), Screen::Calls);
        assert_eq!(Screen::Portal.tab_after(1), Screen::Calls);
    }
}
