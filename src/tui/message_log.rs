//! Every status message the console has shown, so one that went by while the operator looked
//! elsewhere can be read again (`:messages`).

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

/// Messages kept; the oldest go first.
pub const KEPT: usize = 200;

/// One message as it was shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logged {
    /// When.
    pub at: DateTime<Utc>,
    /// The text.
    pub text: String,
    /// It reported an error.
    pub error: bool,
}

/// The log, oldest first, and the view's scroll.
#[derive(Clone, Debug, Default)]
pub struct MessageLog {
    /// The messages.
    pub entries: VecDeque<Logged>,
    /// First line shown.
    pub scroll: u16,
}

impl MessageLog {
    /// Adds a message, dropping the oldest past [`KEPT`]; the same text twice in a row is kept once.
    pub fn push(&mut self, at: DateTime<Utc>, text: &str, error: bool) {
        if self.entries.back().is_some_and(|l| l.text == text && l.error == error) {
            if let Some(l) = self.entries.back_mut() {
                l.at = at;
            }
            return;
        }
        self.entries.push_back(Logged { at, text: text.to_owned(), error });
        while self.entries.len() > KEPT {
            self.entries.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_the_newest_and_folds_repeats() {
        let mut log = MessageLog::default();
        let t: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().unwrap();
        for i in 0..KEPT + 5 {
            log.push(t, &format!("m{i}"), false);
        }
        log.push(t, "same", true);
        log.push(t, "same", true);
        assert_eq!(log.entries.len(), KEPT);
        assert_eq!(log.entries.front().map(|l| l.text.as_str()), Some("m6"));
        assert_eq!(log.entries.back().map(|l| (l.text.as_str(), l.error)), Some(("same", true)));
    }
}
