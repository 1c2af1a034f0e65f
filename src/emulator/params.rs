//! Request parameters as a portal reads them: the query string, a PHP-style form body
//! (`FILTER[ID]=1`, `cmd[a]=…`) or a JSON body, merged into one JSON object.

use serde_json::{Map, Value};

/// Merges query pairs, then the body: JSON when the content type says so, else a form.
pub fn collect(query: &[(String, String)], content_type: Option<&str>, body: &[u8]) -> Value {
    let mut out = Map::new();
    insert_pairs(&mut out, query);
    let is_json = content_type.is_some_and(|c| c.trim().starts_with("application/json"));
    if is_json {
        // Invalid JSON becomes no parameters, as on a real portal.
        if let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(body) {
            out.extend(m);
        }
    } else if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body) {
        insert_pairs(&mut out, &pairs);
    }
    Value::Object(out)
}

/// Parses `method?a=1&b[c]=2` as a batch command.
pub fn command(cmd: &str) -> (String, Value) {
    let (method, query) = cmd.split_once('?').unwrap_or((cmd, ""));
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let mut out = Map::new();
    insert_pairs(&mut out, &pairs);
    (method.trim().to_lowercase(), Value::Object(out))
}

fn insert_pairs(out: &mut Map<String, Value>, pairs: &[(String, String)]) {
    for (k, v) in pairs {
        let mut path: Vec<&str> = Vec::new();
        let (head, mut rest) =
            k.split_once('[').map(|(h, r)| (h, format!("[{r}"))).unwrap_or((k.as_str(), String::new()));
        path.push(head);
        let mut keys = Vec::new();
        while let Some(stripped) = rest.strip_prefix('[') {
            let Some(end) = stripped.find(']') else { break };
            keys.push(stripped[..end].to_owned());
            rest = stripped[end + 1..].to_owned();
        }
        let mut slot = out.entry(head.to_owned()).or_insert(Value::Null);
        for key in keys {
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            let Value::Object(m) = slot else { break };
            let key = if key.is_empty() { m.len().to_string() } else { key };
            slot = m.entry(key).or_insert(Value::Null);
        }
        *slot = Value::String(v.clone());
    }
}

/// A parameter by name, case-insensitively (portals accept `PLACEMENT` and `placement`).
pub fn get<'a>(params: &'a Value, name: &str) -> Option<&'a Value> {
    params.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

/// A parameter as text.
pub fn text(params: &Value, name: &str) -> Option<String> {
    match get(params, name)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// A parameter as an integer.
pub fn int(params: &Value, name: &str) -> Option<i64> {
    match get(params, name)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A parameter as a flag (`Y`, `1`, `true`).
pub fn flag(params: &Value, name: &str) -> bool {
    match get(params, name) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        Some(Value::String(s)) => matches!(s.to_ascii_lowercase().as_str(), "y" | "1" | "true"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn php_brackets_nest() {
        let v = collect(&[], None, b"cmd[a]=profile&cmd[b]=user.get%3FFILTER%5BID%5D%3D1&halt=1");
        assert_eq!(v, json!({"cmd": {"a": "profile", "b": "user.get?FILTER[ID]=1"}, "halt": "1"}));
        let (m, p) = command("user.get?FILTER[ID]=1&start=50");
        assert_eq!(m, "user.get");
        assert_eq!(p, json!({"FILTER": {"ID": "1"}, "start": "50"}));
        assert_eq!(int(&p, "START"), Some(50));
    }
}
