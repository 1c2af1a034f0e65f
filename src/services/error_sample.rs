//! The newest occurrence of an app-error group, as the Errors tab's detail pane shows it: when,
//! the message, and what a Sentry SDK sent with it (release, environment, the URL, the frames).

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::model::SafeText;
use crate::store::{Store, StoreError};

/// The most frames shown.
pub const FRAMES_SHOWN: usize = 10;

/// One group's newest error.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorSample {
    /// When it happened.
    pub ts: DateTime<Utc>,
    /// Its message.
    pub message: SafeText,
    /// `release · environment · level` as the SDK named them, when it did.
    pub origin: Option<SafeText>,
    /// The request URL (secrets in it were masked when it was stored).
    pub url: Option<SafeText>,
    /// The newest frames first, each `function (file:line)`.
    pub frames: Vec<SafeText>,
}

/// The newest error of `error_type` for `member_id` (`None`: errors without a portal).
pub async fn newest(
    store: &Store,
    member_id: Option<&str>,
    error_type: &str,
) -> Result<Option<ErrorSample>, StoreError> {
    let Some(raw) = store.newest_app_error(member_id, error_type).await? else { return Ok(None) };
    let context: Value = raw.context.as_deref().and_then(|c| serde_json::from_str(c).ok()).unwrap_or(Value::Null);
    let sentry = &context["sentry"];
    let text = |k: &str| sentry.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let origin: Vec<&str> = ["release", "environment", "level"].into_iter().filter_map(text).collect();
    let frames = sentry
        .get("frames")
        .and_then(Value::as_array)
        .map(|f| f.iter().filter_map(Value::as_str).take(FRAMES_SHOWN).map(SafeText::line).collect())
        .unwrap_or_default();
    Ok(Some(ErrorSample {
        ts: raw.ts,
        message: SafeText::block(&raw.message),
        origin: (!origin.is_empty()).then(|| SafeText::line(&origin.join(" · "))),
        url: text("url").map(SafeText::line),
        frames,
    }))
}
