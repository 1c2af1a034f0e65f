//! Diagnosing a portal in seconds: is the app installed and paid, with the scopes it needs; are
//! its placements bound; do the methods it called in the last 30 days still exist; is its clock
//! right. Two batch calls to the portal, nothing written (an expired access token is refreshed
//! unless the operator is read-only).

use chrono::Duration;
use serde::Serialize;
use serde_json::{Value, json};
use std::fmt::Write as _;

use super::tasks::Actor;
use super::tokens::{TokenError, TokenService};
use crate::bitrix::BitrixError;
use crate::model::MemberId;
use crate::rules::{deprecations, diagnosis, remedies};

/// Methods among the portal's newest calls that diagnose checks (its newest 20,000 calls of the
/// last 30 days, so a busy portal's month is never read whole).
const METHOD_SCAN: i64 = 20_000;

/// One part of a diagnosis: what it found, or why it could not tell.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section<T> {
    /// Found.
    Ok(T),
    /// Could not tell.
    Error(String),
}

impl<T> Section<T> {
    /// The finding, if there is one.
    pub fn ok(&self) -> Option<&T> {
        match self {
            Section::Ok(t) => Some(t),
            Section::Error(_) => None,
        }
    }
}

/// `app.info` as it matters to support.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AppInfo {
    /// Status letter (F, D, T, P, L, S).
    pub status: String,
    /// The portal's licence, e.g. `en_project`.
    pub license: Option<String>,
    /// The paid period or trial is over.
    pub payment_expired: bool,
    /// Days the licence or trial has left (negative: past).
    pub days_left: Option<i64>,
    /// Installation finished.
    pub installed: bool,
}

/// Expected against present (scopes, placements).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SetCheck {
    /// What the portal has.
    pub present: Vec<String>,
    /// What the app needs (from config).
    pub expected: Vec<String>,
    /// Needed but absent.
    pub missing: Vec<String>,
}

/// One method the portal's app called lately.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MethodCheck {
    /// The method.
    pub method: String,
    /// The portal knows it; `None` when the batch gave no answer for it either way.
    pub exists: Option<bool>,
    /// The app may call it (scope granted); `None` when the batch gave no answer.
    pub available: Option<bool>,
    /// Bitrix24 deprecated it.
    pub deprecated: bool,
    /// What to call instead.
    pub replacements: Vec<String>,
}

impl MethodCheck {
    /// What is wrong with the method on this portal, if anything; an unanswered check says it
    /// could not tell rather than that the method is gone.
    pub fn finding(&self) -> Option<&'static str> {
        match (self.exists, self.available) {
            (None, _) => Some("could not tell (no answer)"),
            (Some(false), _) => Some("NOT FOUND on this portal"),
            (Some(true), Some(false) | None) => Some("not available (scope)"),
            (Some(true), Some(true)) => None,
        }
    }
}

/// The portal's clock.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClockCheck {
    /// `server.time` as answered.
    pub server_time: String,
    /// Seconds ahead of ours (negative: behind).
    pub drift_secs: Option<i64>,
}

/// Everything diagnose found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnosis {
    /// The portal.
    pub member_id: String,
    /// Its domain (after following a move).
    pub domain: String,
    /// app.info.
    pub app: Section<AppInfo>,
    /// Granted against needed scopes.
    pub scopes: Section<SetCheck>,
    /// Bound against expected placements.
    pub placements: Section<SetCheck>,
    /// Methods called in the last 30 days.
    pub methods: Section<Vec<MethodCheck>>,
    /// Clock drift.
    pub clock: Section<ClockCheck>,
}

impl Diagnosis {
    /// The problems found, one line each, worst first.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.app {
            Section::Ok(a) if a.payment_expired => out.push(format!("payment expired (status {})", a.status)),
            Section::Ok(a) if !a.installed => out.push("installation not finished".into()),
            Section::Error(e) => out.push(format!("app.info failed: {e}")),
            _ => {}
        }
        if let Some(s) = self.scopes.ok().filter(|s| !s.missing.is_empty()) {
            out.push(format!("missing scopes: {}", s.missing.join(", ")));
        }
        if let Some(p) = self.placements.ok().filter(|p| !p.missing.is_empty()) {
            out.push(format!("placements not bound: {}", p.missing.join(", ")));
        }
        if let Some(ms) = self.methods.ok() {
            for m in ms.iter().filter(|m| m.exists == Some(false)) {
                out.push(format!("method gone on this portal: {}", m.method));
            }
            for m in ms.iter().filter(|m| m.exists == Some(true) && m.available != Some(true)) {
                out.push(format!("method not available (scope): {}", m.method));
            }
            let untold: Vec<&str> = ms.iter().filter(|m| m.exists.is_none()).map(|m| m.method.as_str()).collect();
            if !untold.is_empty() {
                out.push(format!("could not tell whether these exist: {}", untold.join(", ")));
            }
            let deprecated: Vec<&str> = ms.iter().filter(|m| m.deprecated).map(|m| m.method.as_str()).collect();
            if !deprecated.is_empty() {
                out.push(format!("{} deprecated method(s) still called: {}", deprecated.len(), deprecated.join(", ")));
            }
        }
        if let Some(d) = self.clock.ok().and_then(|c| c.drift_secs).filter(|d| d.abs() > 60) {
            out.push(format!("portal clock off by {d} s"));
        }
        out
    }
}

/// What diagnose compares against (from config).
#[derive(Clone, Debug, Default)]
pub struct Expectations {
    /// Scopes the app needs.
    pub scopes: Vec<String>,
    /// Placements the app binds.
    pub placements: Vec<String>,
}

fn words(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect(),
        Value::String(s) => s.split(',').map(|x| x.trim().to_owned()).filter(|x| !x.is_empty()).collect(),
        _ => Vec::new(),
    }
}

fn part<'a>(batch: &'a Value, key: &str, failure: Option<BitrixError>) -> Result<&'a Value, String> {
    if let Some(e) = failure {
        let mut why = if e.description.is_empty() { e.code.clone() } else { format!("{}: {}", e.code, e.description) };
        if let Some(r) = remedies::remedy_for(&e.code, &e.description) {
            let _ = write!(why, " — {r}");
        }
        if let Some(note) = e.free_note() {
            let _ = write!(why, " — {note}");
        }
        return Err(why);
    }
    batch["result"].get(key).ok_or_else(|| "no answer".to_owned())
}

/// A failed call with what to do about it.
fn failed(e: &crate::bitrix::BitrixError) -> String {
    match e.remedy() {
        Some(r) => format!("{e} — {r}"),
        None => e.to_string(),
    }
}

/// Diagnoses one portal.
pub async fn diagnose(
    tokens: &TokenService,
    actor: &Actor,
    member_id: &MemberId,
    expect: &Expectations,
) -> Result<Diagnosis, TokenError> {
    let now = tokens.now();
    let cmd = json!({"halt": 0, "cmd": {
        "app": "app.info", "scope": "scope", "placements": "placement.get", "time": "server.time",
    }});
    let first = tokens.call(actor, member_id, "batch", &cmd).await;
    let portal =
        tokens.store().portal(member_id).await?.ok_or_else(|| TokenError::NoPortal(member_id.as_str().to_owned()))?;
    let mut d = Diagnosis {
        member_id: member_id.as_str().to_owned(),
        domain: portal.domain.as_str().to_owned(),
        app: Section::Error(String::new()),
        scopes: Section::Error(String::new()),
        placements: Section::Error(String::new()),
        methods: Section::Error(String::new()),
        clock: Section::Error(String::new()),
    };
    let batch = match first {
        Ok(env) => env.result,
        Err(TokenError::Bitrix(e)) => {
            let why = failed(&e);
            d.app = Section::Error(why.clone());
            d.scopes = Section::Error(why.clone());
            d.placements = Section::Error(why.clone());
            d.methods = Section::Error(why.clone());
            d.clock = Section::Error(why);
            return Ok(d);
        }
        Err(other) => return Err(other),
    };
    let part = |key: &str| part(&batch, key, tokens.batch_error(member_id, &cmd, &batch, key));
    d.app = match part("app") {
        Ok(a) => Section::Ok(AppInfo {
            status: a["STATUS"].as_str().unwrap_or("?").to_owned(),
            license: a["LICENSE"].as_str().map(str::to_owned),
            payment_expired: a["PAYMENT_EXPIRED"].as_str() == Some("Y"),
            days_left: a["DAYS"].as_i64().or_else(|| a["DAYS"].as_str().and_then(|s| s.parse().ok())),
            installed: a["INSTALLED"].as_bool().unwrap_or(true),
        }),
        Err(e) => Section::Error(e),
    };
    d.scopes = match part("scope") {
        Ok(s) => {
            let present = words(s);
            Section::Ok(SetCheck {
                missing: diagnosis::missing_from(&expect.scopes, &present),
                present,
                expected: expect.scopes.clone(),
            })
        }
        Err(e) => Section::Error(e),
    };
    d.placements = match part("placements") {
        Ok(Value::Array(items)) => {
            let mut present: Vec<String> =
                items.iter().filter_map(|i| i["placement"].as_str().map(str::to_owned)).collect();
            present.dedup();
            Section::Ok(SetCheck {
                missing: diagnosis::missing_from(&expect.placements, &present),
                present,
                expected: expect.placements.clone(),
            })
        }
        Ok(_) => Section::Ok(SetCheck {
            present: vec![],
            missing: expect.placements.clone(),
            expected: expect.placements.clone(),
        }),
        Err(e) => Section::Error(e),
    };
    d.clock = match part("time") {
        Ok(t) => {
            let server_time = t.as_str().unwrap_or_default().to_owned();
            Section::Ok(ClockCheck { drift_secs: diagnosis::drift_secs(&server_time, now), server_time })
        }
        Err(e) => Section::Error(e),
    };
    d.methods = match check_methods(tokens, actor, member_id, now - Duration::days(30)).await {
        Ok(m) => Section::Ok(m),
        Err(TokenError::Bitrix(e)) => Section::Error(failed(&e)),
        Err(other) => return Err(other),
    };
    Ok(d)
}

async fn check_methods(
    tokens: &TokenService,
    actor: &Actor,
    member_id: &MemberId,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<MethodCheck>, TokenError> {
    let called: Vec<String> = tokens
        .store()
        .recent_methods(member_id, since, METHOD_SCAN)
        .await?
        .into_iter()
        .map(|m| m.trim().to_lowercase())
        .filter(|m| !m.is_empty() && m != "batch")
        .collect();
    let mut out = Vec::with_capacity(called.len());
    for chunk in called.chunks(50) {
        let cmd: serde_json::Map<String, Value> = chunk
            .iter()
            .enumerate()
            .map(|(i, m)| (format!("m{i}"), json!(format!("method.get?name={}", form_escape(m)))))
            .collect();
        let params = json!({"halt": 0, "cmd": cmd});
        let env = tokens.call(actor, member_id, "batch", &params).await?;
        for (i, m) in chunk.iter().enumerate() {
            let key = format!("m{i}");
            let r = part(&env.result, &key, tokens.batch_error(member_id, &params, &env.result, &key)).ok();
            let dep = deprecations::lookup(m);
            out.push(MethodCheck {
                method: m.clone(),
                exists: r.and_then(|v| v["isExisting"].as_bool()),
                available: r.and_then(|v| v["isAvailable"].as_bool()),
                deprecated: dep.is_some(),
                replacements: dep.map(|d| d.replacements.clone()).unwrap_or_default(),
            });
        }
    }
    Ok(out)
}

fn form_escape(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|e| e.trim_start_matches('=').to_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(exists: Option<bool>, available: Option<bool>) -> MethodCheck {
        MethodCheck { method: "crm.item.list".into(), exists, available, deprecated: false, replacements: vec![] }
    }

    #[test]
    fn an_unanswered_method_is_could_not_tell_never_not_found() {
        assert_eq!(check(None, None).finding(), Some("could not tell (no answer)"));
        assert_eq!(check(Some(false), Some(false)).finding(), Some("NOT FOUND on this portal"));
        assert_eq!(check(Some(true), Some(false)).finding(), Some("not available (scope)"));
        assert_eq!(check(Some(true), Some(true)).finding(), None);
        let d = Diagnosis {
            member_id: "m".into(),
            domain: "d".into(),
            app: Section::Error(String::new()),
            scopes: Section::Error(String::new()),
            placements: Section::Error(String::new()),
            methods: Section::Ok(vec![check(None, None)]),
            clock: Section::Error(String::new()),
        };
        let problems = d.problems().join("\n");
        assert!(problems.contains("could not tell whether these exist: crm.item.list"), "{problems}");
        assert!(!problems.contains("gone"), "{problems}");
    }

    #[test]
    fn a_refused_part_names_what_to_do() {
        let batch = serde_json::json!({"result": [], "result_error": {"app": {
            "error": "authorization_error", "error_description": "Unable to authorize user"}}});
        let why = part(&batch, "app", crate::bitrix::batch::command_error(&batch, "app")).unwrap_err();
        assert!(why.starts_with("authorization_error: Unable to authorize user — "), "{why}");
        assert!(why.contains("reinstall"), "{why}");
        assert_eq!(part(&serde_json::json!({"result": []}), "app", None).unwrap_err(), "no answer");
        let mut blocked = crate::bitrix::BitrixError::from_answer(429, "OPERATION_TIME_LIMIT", "blocked");
        blocked.free_at = Some(1_796_212_800 + 42 * 60);
        let why = part(&batch, "app", Some(blocked)).unwrap_err();
        assert!(why.ends_with("blocked until 12:42 UTC"), "{why}");
    }
}
