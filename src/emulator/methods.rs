//! The methods an emulated portal answers (reference §6, §10.3).

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::Emulator;
use super::auth::{Caller, EmuError, authorize, operating_limit};
use super::params;
use super::state::{Binding, Notification, PLACEMENTS, World};
use super::{catalogue, operating};
use crate::rules::deprecations;

/// Methods with a real handler here.
const HANDLED: &[&str] = &[
    "batch",
    "app.info",
    "profile",
    "scope",
    "user.admin",
    "user.get",
    "user.current",
    "method.get",
    "methods",
    "server.time",
    "placement.list",
    "placement.get",
    "placement.bind",
    "placement.unbind",
    "event.get",
    "im.notify.system.add",
    "imbot.v2.bot.register",
    "imbot.v2.chat.message.send",
];

/// Methods that exist on an up-to-date portal but answer an empty result here.
const KNOWN: &[&str] = &[
    "crm.item.list",
    "crm.item.get",
    "crm.item.add",
    "crm.item.update",
    "crm.item.delete",
    "crm.item.fields",
    "crm.item.productrow.list",
    "crm.category.list",
    "crm.timeline.comment.add",
    "crm.activity.todo.add",
    "crm.enum.activitytype",
    "tasks.task.add",
    "tasks.task.list",
    "tasks.task.update",
    "tasks.task.get",
    "event.bind",
    "event.unbind",
    "disk.folder.uploadfile",
    "catalog.document.confirm",
    "im.notify.personal.add",
];

/// A handler's answer.
#[derive(Debug, Default)]
pub struct Out {
    /// `result`.
    pub result: Value,
    /// `next`.
    pub next: Option<i64>,
    /// `total`.
    pub total: Option<i64>,
}

fn ok(result: Value) -> Result<Out, EmuError> {
    Ok(Out { result, next: None, total: None })
}

/// Whether a portal running the current build knows `method` (deprecated methods still exist).
pub fn exists(method: &str) -> bool {
    HANDLED.contains(&method)
        || KNOWN.contains(&method)
        || deprecations::lookup(method).is_some()
        || catalogue::documents(method)
}

/// The scope a method needs; `None` for the basic methods every app may call.
pub fn scope_of(method: &str) -> Option<&'static str> {
    let m = method;
    if matches!(m, "user.admin" | "user.access" | "user.current") {
        return None;
    }
    [
        ("crm.", "crm"),
        ("tasks.", "task"),
        ("task.", "task"),
        ("user.", "user"),
        ("placement.", "placement"),
        ("imbot.", "imbot"),
        ("im.", "im"),
        ("disk.", "disk"),
        ("catalog.", "catalog"),
    ]
    .iter()
    .find(|(prefix, _)| m.starts_with(prefix))
    .map(|(_, s)| *s)
}

fn is_admin(w: &World, member_id: &str, caller: Caller) -> bool {
    w.portals.get(member_id).and_then(|p| p.users.iter().find(|u| u.id == caller.user_id)).is_some_and(|u| u.admin)
}

/// Runs one method.
pub fn dispatch(
    w: &mut World,
    emu: &Emulator,
    member_id: &str,
    caller: Caller,
    method: &str,
    p: &Value,
    now: DateTime<Utc>,
) -> Result<Out, EmuError> {
    let admin = is_admin(w, member_id, caller);
    let client_id = w.app.client_id.clone();
    let Some(portal) = w.portals.get_mut(member_id) else {
        return Err(EmuError::new(401, "invalid_token", "Unable to get application by token"));
    };
    match method {
        "app.info" => {
            let days = portal.date_finish.map(|d| (d - now).num_days());
            ok(json!({
                "ID": 7,
                "CODE": client_id,
                "VERSION": 3,
                "STATUS": portal.spec.status,
                "INSTALLED": true,
                "PAYMENT_EXPIRED": if days.is_some_and(|d| d < 0) { "Y" } else { "N" },
                "DAYS": days,
                "LANGUAGE_ID": "en",
                "LICENSE": if portal.spec.enterprise { "en_ent250" } else { "en_project" },
                "LICENSE_TYPE": if portal.spec.enterprise { "ent250" } else { "project" },
                "LICENSE_FAMILY": if portal.spec.enterprise { "ent" } else { "project" },
            }))
        }
        "profile" | "user.current" => {
            let Some(u) = portal.users.iter().find(|u| u.id == caller.user_id) else { return ok(json!({})) };
            ok(json!({
                "ID": u.id.to_string(), "ADMIN": u.admin, "NAME": u.name, "LAST_NAME": u.last_name,
                "PERSONAL_GENDER": "", "TIME_ZONE": "", "TIME_ZONE_OFFSET": 0,
            }))
        }
        "user.admin" => ok(json!(admin)),
        "scope" => {
            if params::flag(p, "full") {
                ok(json!(["crm", "task", "user", "placement", "im", "disk", "catalog", "entity", "log"]))
            } else {
                ok(json!(portal.spec.scope.split(',').map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>()))
            }
        }
        "server.time" => {
            let t = now + Duration::seconds(portal.faults.clock_skew_secs);
            ok(json!(t.to_rfc3339_opts(SecondsFormat::Secs, false)))
        }
        "method.get" => {
            let name = params::text(p, "name").unwrap_or_default().to_lowercase();
            let existing = !name.is_empty() && exists(&name) && !portal.missing.contains(&name);
            let available =
                existing && scope_of(&name).is_none_or(|s| portal.spec.scope.split(',').any(|g| g.trim() == s));
            ok(json!({ "isExisting": existing, "isAvailable": available }))
        }
        "methods" => {
            let mut all: Vec<&str> = HANDLED.iter().chain(KNOWN.iter()).copied().collect();
            all.retain(|m| !portal.missing.contains(*m));
            all.sort_unstable();
            ok(json!(all))
        }
        "user.get" => {
            let start = params::int(p, "start").unwrap_or(0);
            let count_total = start >= 0;
            let from = start.max(0) as usize;
            let active: Vec<_> = portal.users.iter().filter(|u| u.active).collect();
            let page: Vec<Value> = active
                .iter()
                .skip(from)
                .take(50)
                .map(|u| {
                    json!({"ID": u.id.to_string(), "ACTIVE": u.active, "NAME": u.name, "LAST_NAME": u.last_name,
                                "EMAIL": format!("user{}@{}", u.id, portal.spec.domain)})
                })
                .collect();
            let next = (from + page.len() < active.len()).then_some((from + page.len()) as i64);
            Ok(Out { result: Value::Array(page), next, total: count_total.then_some(active.len() as i64) })
        }
        "placement.list" => ok(json!(PLACEMENTS)),
        "placement.get" => {
            if !admin {
                return Err(EmuError::new(403, "ACCESS_DENIED", "Access denied! Administrator authorization required"));
            }
            ok(Value::Array(
                portal
                    .bindings
                    .iter()
                    .map(|b| {
                        json!({"placement": b.placement, "userId": 0, "handler": b.handler, "options": [],
                                     "title": b.title, "description": "", "langAll": {}})
                    })
                    .collect(),
            ))
        }
        "placement.bind" => {
            if !admin {
                return Err(EmuError::new(403, "ACCESS_DENIED", "Access denied! Administrator authorization required"));
            }
            let placement = params::text(p, "PLACEMENT").unwrap_or_default().to_uppercase();
            let handler = params::text(p, "HANDLER").unwrap_or_default();
            if placement.is_empty() || placement == "DEFAULT" {
                return Err(arg_error("PLACEMENT"));
            }
            if handler.is_empty() {
                return Err(arg_error("HANDLER"));
            }
            if !PLACEMENTS.contains(&placement.as_str()) {
                return Err(EmuError::new(400, "ERROR_PLACEMENT_NOT_FOUND", "Placement not found"));
            }
            if portal.bindings.iter().any(|b| b.placement == placement && b.handler == handler) {
                return Err(EmuError::new(
                    400,
                    "ERROR_CORE",
                    "Unable to set placement handler: Handler already binded",
                ));
            }
            let title = params::text(p, "TITLE").unwrap_or_default();
            portal.bindings.push(Binding { placement, handler, title });
            ok(json!(true))
        }
        "placement.unbind" => {
            if !admin {
                return Err(EmuError::new(403, "ACCESS_DENIED", "Access denied! Administrator authorization required"));
            }
            let placement = params::text(p, "PLACEMENT").unwrap_or_default().to_uppercase();
            if placement.is_empty() {
                return Err(arg_error("PLACEMENT"));
            }
            let handler = params::text(p, "HANDLER");
            let before = portal.bindings.len();
            portal.bindings.retain(|b| !(b.placement == placement && handler.as_ref().is_none_or(|h| *h == b.handler)));
            // Bitrix24 counts each found row and each delete: two per handler removed.
            ok(json!({ "count": 2 * (before - portal.bindings.len()) }))
        }
        "event.get" => ok(json!([])),
        "im.notify.system.add" => {
            let Some(user_id) = params::int(p, "USER_ID") else {
                return Err(EmuError::new(400, "USER_ID_EMPTY", "Recipient ID not specified"));
            };
            let message = params::text(p, "MESSAGE").unwrap_or_default();
            if message.trim().is_empty() {
                return Err(EmuError::new(400, "MESSAGE_EMPTY", "Message text empty"));
            }
            if !portal.users.iter().any(|u| u.id == user_id && u.active) {
                return Err(EmuError::new(400, "USER_ID_EMPTY", "Recipient ID not specified"));
            }
            let _ = emu;
            w.notifications.push(Notification {
                member_id: member_id.to_owned(),
                user_id,
                message,
                tag: params::text(p, "TAG"),
                at: now,
            });
            ok(json!(w.notifications.len()))
        }
        "imbot.v2.bot.register" => ok(super::imbot::register(w, member_id, p)?),
        "imbot.v2.chat.message.send" => ok(super::imbot::send(w, member_id, p, now)?),
        m if m.ends_with(".list") => Ok(Out { result: json!([]), next: None, total: Some(0) }),
        m if KNOWN.contains(&m) => ok(json!(true)),
        // A documented method without a handler here: an empty success, not a 404.
        _ => ok(json!({})),
    }
}

fn arg_error(argument: &str) -> EmuError {
    EmuError::new(400, "ERROR_ARGUMENT", &format!("Argument '{argument}' is null or empty"))
}

/// A batch's commands as (key, `method?query`), in order.
fn commands(p: &Value) -> Option<Vec<(String, String)>> {
    Some(match params::get(p, "cmd")? {
        Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect(),
        Value::Array(a) => {
            a.iter().enumerate().map(|(i, v)| (i.to_string(), v.as_str().unwrap_or_default().to_owned())).collect()
        }
        _ => return None,
    })
}

/// The methods a batch's commands call (the first 50, as run), for costing the request.
pub fn batch_methods(p: &Value) -> Option<Vec<String>> {
    Some(commands(p)?.iter().take(50).map(|(_, cmd)| params::command(cmd).0).collect())
}

/// `batch`: up to 50 commands, `$result[key][field]` substitution, `halt` (reference §2.4).
pub fn batch(
    w: &mut World,
    emu: &Emulator,
    member_id: &str,
    caller: Caller,
    token: Option<&str>,
    p: &Value,
    now: DateTime<Utc>,
) -> Result<Out, EmuError> {
    let halt = params::flag(p, "halt");
    let Some(cmds) = commands(p) else { return Err(arg_error("CMD")) };
    let (mut results, mut errors, mut totals, mut nexts, mut times) =
        (Map::new(), Map::new(), Map::new(), Map::new(), Map::new());
    for (i, (key, cmd)) in cmds.into_iter().enumerate() {
        let substituted = substitute(&cmd, &results);
        let (method, sub) = params::command(&substituted);
        let outcome = if i >= 50 {
            Err(EmuError::new(400, "ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded"))
        } else if matches!(method.as_str(), "batch" | "download" | "upload") {
            Err(EmuError::new(405, "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage"))
        } else if !exists(&method) || w.portals.get(member_id).is_some_and(|p| p.missing.contains(&method)) {
            Err(EmuError::new(404, "ERROR_METHOD_NOT_FOUND", "Method not found!"))
        } else if let Err(e) = authorize(w, member_id, token, scope_of(&method), now) {
            Err(e)
        } else if operating::blocked(w, member_id, &method, now) {
            Err(operating_limit())
        } else {
            dispatch(w, emu, member_id, caller, &method, &sub, now)
        };
        // Each command counts toward its own method's operating time; the batch itself does not.
        let cost = if outcome.is_ok() { operating::cost_secs(w, member_id, &method) } else { 0.0 };
        let (used, reset_at) = operating::record(w, member_id, &method, cost, now);
        match outcome {
            Ok(out) => {
                results.insert(key.clone(), out.result);
                if let Some(t) = out.total {
                    totals.insert(key.clone(), json!(t));
                }
                if let Some(n) = out.next {
                    nexts.insert(key.clone(), json!(n));
                }
                times.insert(key, command_time(now, cost, used, reset_at));
            }
            Err(e) => {
                errors.insert(key, e.body());
                if halt {
                    break;
                }
            }
        }
    }
    // PHP encodes an empty map as [].
    let map_or_list = |m: Map<String, Value>| if m.is_empty() { json!([]) } else { Value::Object(m) };
    ok(json!({
        "result": map_or_list(results),
        "result_error": map_or_list(errors),
        "result_total": map_or_list(totals),
        "result_next": map_or_list(nexts),
        "result_time": map_or_list(times),
    }))
}

/// A command's own `time` in `result_time`, shaped like a call's (b24restdocs
/// `settings/how-to-call-rest-api/batch.md` for the entry, `limits.md` for the operating figures).
/// A refused command gets none.
fn command_time(now: DateTime<Utc>, cost: f64, used: f64, reset_at: i64) -> Value {
    let start = now.timestamp_micros() as f64 / 1e6;
    let date = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    json!({"start": start, "finish": start + cost, "duration": cost, "processing": cost,
           "date_start": date, "date_finish": date, "operating_reset_at": reset_at, "operating": used})
}

/// Replaces `$result[key][field]…` references with values from earlier commands.
fn substitute(cmd: &str, results: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(cmd.len());
    let mut rest = cmd;
    while let Some(at) = rest.find("$result[") {
        out.push_str(&rest[..at]);
        let mut tail = &rest[at + "$result".len()..];
        let mut value: Option<&Value> = None;
        let mut first = true;
        while let Some(inner) = tail.strip_prefix('[') {
            let Some(end) = inner.find(']') else { break };
            let key = &inner[..end];
            value = if first {
                results.get(key)
            } else {
                value.and_then(|v| v.get(key).or_else(|| key.parse::<usize>().ok().and_then(|i| v.get(i))))
            };
            first = false;
            tail = &inner[end + 1..];
        }
        match value {
            Some(Value::String(s)) => out.push_str(s),
            Some(Value::Null) | None => {}
            Some(v) => out.push_str(&v.to_string()),
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_take_earlier_results() {
        let mut r = Map::new();
        r.insert("me".into(), json!({"ID": "1", "list": [{"ID": "7"}]}));
        assert_eq!(
            substitute("im.notify.system.add?USER_ID=$result[me][ID]&x=1", &r),
            "im.notify.system.add?USER_ID=1&x=1"
        );
        assert_eq!(substitute("a?id=$result[me][list][0][ID]", &r), "a?id=7");
        assert_eq!(substitute("a?id=$result[nope][ID]", &r), "a?id=");
    }

    #[test]
    fn documented_methods_exist_and_invented_ones_do_not() {
        assert!(exists("landing.site.update"), "in the docs' catalogue, no handler");
        assert!(exists("event.offline.get"));
        assert!(!exists("landing.nonsense.update"));
    }

    #[test]
    fn deprecated_methods_still_exist() {
        assert!(exists("crm.deal.list"));
        assert!(exists("profile"));
        assert!(!exists("crm.nonsense.get"));
        assert_eq!(scope_of("crm.deal.list"), Some("crm"));
        assert_eq!(scope_of("user.admin"), None);
    }
}
