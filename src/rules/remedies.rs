//! What to do about a Bitrix24 error, one line per cause, for the Errors tab, the portal view and
//! diagnose. Keyed on the error code with the description deciding where one code has several
//! causes (`ACCESS_DENIED` is both a plan without REST and a missing admin right).
//!
//! Causes as the Bitrix24 REST docs (`bitrix24/b24restdocs`, `api-reference/scopes/confirmation.md`,
//! `settings/oauth/error-codes.md`, `limits.md`) and the Python SDK's measured exceptions
//! (`bitrix24/b24pysdk`, `b24pysdk/error/__init__.py`, `b24pysdk/errors/oauth.py`) describe them.

use crate::model::ErrorGroup;

/// The description Bitrix24 gives `ACCESS_DENIED` when the portal's plan has no REST.
const PLAN_WITHOUT_REST: &str = "commercial plan";

/// Whether an `ACCESS_DENIED` says the portal's plan lacks REST rather than a right.
pub fn is_plan_without_rest(code: &str, description: &str) -> bool {
    code == "ACCESS_DENIED" && description.to_ascii_lowercase().contains(PLAN_WITHOUT_REST)
}

/// A one-line "what to do" for an error code, or `None` when the code alone does not say.
pub fn remedy_for(code: &str, description: &str) -> Option<&'static str> {
    Some(match code {
        "OVERLOAD_LIMIT" => "Bitrix24 support blocked REST on this portal for overload: contact Bitrix24 support",
        "ACCESS_DENIED" if is_plan_without_rest(code, description) => {
            "the portal's plan has no REST: the customer must move to a commercial plan"
        }
        "ACCESS_DENIED" if description.contains("Administrator authorization required") => {
            "the method needs a portal administrator: call it with an admin's token"
        }
        "authorization_error" => {
            "the user who installed the app is dismissed or inactive: an admin must transfer the app \
             to an active (system) user or reinstall it"
        }
        "METHOD_CONFIRM_WAITING" => "a portal administrator must confirm the app's access to this method",
        "METHOD_CONFIRM_DENIED" => {
            "a portal administrator denied this method: ask them to allow it in the app's settings"
        }
        "CONNECTION_ERROR" => "transient: the portal could not reach the OAuth server; retry in a few minutes",
        "wrong_client" => "the client_id is wrong or the app was removed: check the keys, then ask the portal",
        "invalid_client" => "client_id or client_secret is wrong: check the app's keys in the vendor cabinet",
        "invalid_grant" => "the refresh token is dead: a user must open the app (or reinstall it) for new tokens",
        "PAYMENT_REQUIRED" => "the trial or subscription ended: the customer must pay for the app",
        "insufficient_scope" => "the app lacks a scope this method needs: add it to the app and reinstall",
        "APPLICATION_NOT_FOUND" | "NOT_INSTALLED" => "the app is not installed on this portal: reinstall it",
        "user_access_error" => "the app is limited to some users: an admin must give this user access",
        "PORTAL_DELETED" => "the portal was closed: nothing to do until the customer reopens it",
        "QUERY_LIMIT_EXCEEDED" => "transient: over 2 requests a second; slow down and retry",
        "OPERATION_TIME_LIMIT" => "the method used its 10-minute operating time: wait until it is free again",
        "ERROR_METHOD_NOT_FOUND" => {
            "the portal does not know this method: check its name, scope and the portal's build"
        }
        _ => return None,
    })
}

/// What to do about an error group: its code, and the description of its latest call where the
/// code has several causes.
pub fn group_remedy(g: &ErrorGroup) -> Option<&'static str> {
    let description = g.description.as_ref().map(|d| d.as_str()).unwrap_or_default();
    remedy_for(g.error_type.as_str(), description)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_names_its_own_remedy() {
        let overload = remedy_for("OVERLOAD_LIMIT", "REST API is blocked due to overload.").unwrap();
        assert!(overload.contains("Bitrix24 support"));
        let plan = remedy_for("ACCESS_DENIED", "REST is available only on commercial plans.").unwrap();
        assert!(plan.contains("commercial plan"));
        let dismissed = remedy_for("authorization_error", "Unable to authorize user").unwrap();
        assert!(dismissed.contains("reinstall") && dismissed.contains("system"));
        let waiting = remedy_for("METHOD_CONFIRM_WAITING", "Waiting for confirmation").unwrap();
        assert!(waiting.contains("confirm"));
        let denied = remedy_for("METHOD_CONFIRM_DENIED", "Method call denied").unwrap();
        assert!(denied.contains("denied"));
        assert!(remedy_for("CONNECTION_ERROR", "").unwrap().starts_with("transient"));
        let all = [overload, plan, dismissed, waiting, denied];
        for (i, a) in all.iter().enumerate() {
            assert!(all[i + 1..].iter().all(|b| a != b), "{a} is shared");
        }
    }

    #[test]
    fn an_access_denied_without_a_known_cause_has_no_remedy() {
        assert_eq!(remedy_for("ACCESS_DENIED", "Access denied!"), None);
        assert_eq!(remedy_for("ERROR_ARGUMENT", "Argument 'ID' is null or empty"), None);
        assert!(is_plan_without_rest("ACCESS_DENIED", "REST is available only on Commercial plans."));
        assert!(!is_plan_without_rest("WRONG_AUTH_TYPE", "commercial plans"));
    }
}
