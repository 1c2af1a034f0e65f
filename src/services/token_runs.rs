//! Refreshing many portals in one run: one at a time, paced, and stopped when the answers say
//! the app's own keys are wrong rather than anything about the portals.
//!
//! The token server answers a wrong client id with `wrong_client`; carrying on would only touch
//! every portal with bad keys (and the docs warn that bursts of refreshes can get an app blocked).

use std::time::Duration;

use serde::Serialize;

use super::tasks::Actor;
use super::tokens::{RefreshOutcome, TokenService};
use crate::model::MemberId;

/// How many refreshes a run makes before the share of `wrong_client` answers may stop it.
const WRONG_CLIENT_SAMPLE: usize = 3;

/// What one run did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunReport {
    /// Each portal tried, with its outcome.
    pub results: Vec<(String, RefreshOutcome)>,
    /// Why the run stopped before the end, if it did.
    pub stopped: Option<String>,
    /// Portals the run was asked to refresh.
    pub planned: usize,
}

impl RunReport {
    /// Portals that hold a working pair after the run.
    pub fn alive(&self) -> usize {
        self.results.iter().filter(|(_, o)| o.is_alive()).count()
    }
}

/// The reason to stop after `results`, if most of them answered `wrong_client`.
pub fn wrong_client_stop(results: &[(String, RefreshOutcome)]) -> Option<String> {
    let wrong = results.iter().filter(|(_, o)| matches!(o, RefreshOutcome::WrongClient)).count();
    (results.len() >= WRONG_CLIENT_SAMPLE && wrong * 2 > results.len()).then(|| {
        format!(
            "stopped: the token server answered wrong_client for {wrong} of {} portals — the app's client id or secret is wrong (B24OPS_CLIENT_ID, B24OPS_CLIENT_SECRET); no portal was marked uninstalled",
            results.len()
        )
    })
}

impl TokenService {
    /// Refreshes `members` one at a time, `pace` apart, calling `progress(done, total, alive)`
    /// after each; stops early when the answers say the app's keys are wrong.
    pub async fn refresh_run(
        &self,
        actor: &Actor,
        members: &[MemberId],
        pace: Duration,
        mut progress: impl FnMut(usize, usize, usize),
    ) -> RunReport {
        let mut report = RunReport { planned: members.len(), ..RunReport::default() };
        progress(0, members.len(), 0);
        for (i, m) in members.iter().enumerate() {
            if i > 0 {
                tokio::time::sleep(pace).await;
            }
            let outcome = match self.refresh(actor, m).await {
                Ok(o) => o,
                Err(e) => RefreshOutcome::Failed { reason: e.to_string(), transient: false },
            };
            tracing::info!(member_id = m.as_str(), outcome = ?outcome, "refresh");
            report.results.push((m.as_str().to_owned(), outcome));
            progress(i + 1, members.len(), report.alive());
            if let Some(why) = wrong_client_stop(&report.results) {
                tracing::warn!("{why}");
                report.stopped = Some(why);
                break;
            }
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(kinds: &[bool]) -> Vec<(String, RefreshOutcome)> {
        kinds
            .iter()
            .map(|wrong| {
                let o = if *wrong { RefreshOutcome::WrongClient } else { RefreshOutcome::Adopted };
                ("m".to_owned(), o)
            })
            .collect()
    }

    #[test]
    fn a_run_stops_when_most_answers_say_the_keys_are_wrong() {
        assert!(wrong_client_stop(&outcomes(&[true, true])).is_none(), "two answers are too few to judge");
        assert!(wrong_client_stop(&outcomes(&[true, true, false])).is_some());
        assert!(wrong_client_stop(&outcomes(&[true, false, false])).is_none());
        let why = wrong_client_stop(&outcomes(&[true, true, true])).unwrap_or_default();
        assert!(why.contains("client id or secret is wrong") && why.contains("3 of 3"), "{why}");
    }
}
