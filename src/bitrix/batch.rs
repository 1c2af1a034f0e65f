//! A `batch` answer read command by command. Its `result` holds `result`, `result_error`,
//! `result_total`, `result_next` and `result_time`, each keyed like the request's `cmd`, and
//! `result_time[key]` is that command's own `time` object (b24restdocs
//! `settings/how-to-call-rest-api/batch.md`, "Response Handling"). The cloud adds `operating` and
//! `operating_reset_at` to every `time` (b24restdocs `limits.md`, "Resource Consumption Limits"),
//! so a command's entry says when its own method's blocked operating time is released. A failed
//! command has no entry (`result_time` lists only the commands that ran).

use serde_json::Value;

use super::error::BitrixError;

/// The request's commands as (key, method), in order; the key of a list entry is its index.
pub fn commands(params: &Value) -> Vec<(String, String)> {
    let method = |v: &Value| {
        let cmd = v.as_str().unwrap_or_default();
        cmd.split('?').next().unwrap_or_default().trim().trim_end_matches(".json").to_ascii_lowercase()
    };
    match params.get("cmd") {
        Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), method(v))).collect(),
        Some(Value::Array(a)) => a.iter().enumerate().map(|(i, v)| (i.to_string(), method(v))).collect(),
        _ => Vec::new(),
    }
}

/// A command's own `operating_reset_at`, when its `result_time` entry has one.
pub fn command_reset(result: &Value, key: &str) -> Option<i64> {
    let at = result.get("result_time")?.get(key)?.get("operating_reset_at")?;
    at.as_i64().or_else(|| at.as_f64().map(|f| f as i64)).or_else(|| at.as_str().and_then(|s| s.parse().ok()))
}

/// For each command that ran: its method and when that method's operating time is next released.
pub fn resets(params: &Value, result: &Value) -> Vec<(String, i64)> {
    commands(params).into_iter().filter_map(|(key, method)| Some((method, command_reset(result, &key)?))).collect()
}

/// A command's failure, classified like a top-level answer, with when the method is free again
/// when the answer says so. Bitrix24 answers the batch itself with 200, so no status is kept.
pub fn command_error(result: &Value, key: &str) -> Option<BitrixError> {
    let e = result.get("result_error")?.get(key)?;
    let code = match e.get("error") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "error".to_owned(),
    };
    let mut err =
        BitrixError::from_answer(200, &code, e.get("error_description").and_then(Value::as_str).unwrap_or(""));
    err.status = None;
    err.free_at = command_reset(result, key);
    Some(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitrix::ErrorKind;
    use serde_json::json;

    #[test]
    fn each_command_names_its_method_and_its_own_reset() {
        let params =
            json!({"halt": 0, "cmd": {"a": "crm.item.list?entityTypeId=2", "b": "User.Get.json", "c": "scope"}});
        let result = json!({
            "result": {"a": [], "b": []},
            "result_error": {"c": {"error": "OPERATION_TIME_LIMIT", "error_description": "Method is blocked due to operation time limit."}},
            "result_time": {
                "a": {"start": 1.0, "finish": 1.1, "duration": 0.1, "processing": 0.1, "operating": 470.5, "operating_reset_at": 1_796_212_860},
                "b": {"start": 1.1, "finish": 1.2, "duration": 0.1, "processing": 0.1}
            }
        });
        assert_eq!(resets(&params, &result), vec![("crm.item.list".to_owned(), 1_796_212_860)]);
        let e = command_error(&result, "c").expect("an error");
        assert_eq!(e.kind, ErrorKind::OperationTimeLimit);
        assert_eq!((e.status, e.free_at), (None, None), "a failed command has no time of its own");
        assert!(command_error(&result, "a").is_none());
        let listed = json!({"cmd": ["app.info", "server.time"]});
        assert_eq!(commands(&listed), vec![("0".into(), "app.info".into()), ("1".into(), "server.time".into())]);
    }
}
