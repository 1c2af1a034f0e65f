//! Which Bitrix24 calls only read, decided by an explicit list, never by a method's name: a call
//! that may have changed something must not be sent again after its answer was lost, and gets the
//! full execution limit to finish.
//!
//! A `.get` name proves nothing: `event.offline.get` deletes the events it returns unless
//! `clear=0` (b24restdocs `api-reference/events/event-offline-get.md`). So the list below holds the
//! methods b24ops itself calls and a few documented pure reads; anything else counts as a write.

use serde_json::Value;

/// Methods known to change nothing.
const READ_ONLY: &[&str] = &[
    "app.info",
    "profile",
    "scope",
    "methods",
    "method.get",
    "server.time",
    "feature.get",
    "user.admin",
    "user.access",
    "user.current",
    "user.get",
    "placement.list",
    "placement.get",
    "event.get",
    "events",
    "event.offline.list",
];

/// Reads that change state, kept here so that no later addition to `READ_ONLY` lets one in.
const STATE_CHANGING_READS: &[&str] = &["event.offline.get"];

/// `crm.item.list.json` and ` CRM.Item.List` name the same method.
fn normalise(method: &str) -> String {
    method.trim().trim_end_matches(".json").to_ascii_lowercase()
}

/// Whether one method, as named, only reads.
pub fn is_read_only_method(method: &str) -> bool {
    let m = normalise(method);
    !STATE_CHANGING_READS.contains(&m.as_str()) && READ_ONLY.contains(&m.as_str())
}

/// The methods a `batch` call's `cmd` (a map or list of `method?query` strings) runs; `None` when
/// `cmd` is missing or a command is not a string.
pub fn batch_methods(params: &Value) -> Option<Vec<String>> {
    let commands: Vec<&Value> = match params.get("cmd")? {
        Value::Object(m) => m.values().collect(),
        Value::Array(a) => a.iter().collect(),
        _ => return None,
    };
    commands.into_iter().map(|c| c.as_str().map(|s| normalise(s.split('?').next().unwrap_or_default()))).collect()
}

/// Whether a call with these parameters only reads: a listed method, or a `batch` whose every
/// command is one.
pub fn is_read_only(method: &str, params: &Value) -> bool {
    if normalise(method) == "batch" {
        return batch_methods(params).is_some_and(|ms| !ms.is_empty() && ms.iter().all(|m| is_read_only_method(m)));
    }
    is_read_only_method(method)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_get_name_is_no_proof_of_a_read() {
        assert!(!is_read_only("event.offline.get", &json!({})));
        assert!(!is_read_only("crm.item.get", &json!({})), "unknown methods count as writes");
        assert!(!is_read_only("im.notify.system.add", &json!({})));
        assert!(is_read_only("app.info", &json!({})));
        assert!(is_read_only("User.Get.json", &json!({})));
        for m in STATE_CHANGING_READS {
            assert!(!READ_ONLY.contains(m), "{m} is on both lists");
        }
    }

    #[test]
    fn a_batch_reads_only_when_every_command_does() {
        let reads = json!({"cmd": {"a": "app.info", "s": "scope", "m": "method.get?name=crm.item.list"}});
        assert!(is_read_only("batch", &reads));
        let mixed = json!({"cmd": ["profile", "im.notify.system.add?USER_ID=1&MESSAGE=x"]});
        assert!(!is_read_only("batch", &mixed));
        let draining = json!({"cmd": {"e": "event.offline.get?clear=1"}});
        assert!(!is_read_only("batch", &draining));
        assert!(!is_read_only("batch", &json!({"cmd": {}})));
        assert!(!is_read_only("batch", &json!({})));
    }
}
