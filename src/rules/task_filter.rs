//! The filter of the Tasks tab and of `b24ops tasks`: `member:` (a member_id, a domain or a piece
//! of either), `kind:K`, `status:S`, and free text matched against the error, the kind and the
//! portal (so a domain typed bare finds that portal's tasks, not errors that mention it).

use std::fmt;

use crate::model::MemberId;
use crate::rules::search::{self, PortalPiece, exact_or_piece};

/// Task statuses.
pub const STATUSES: [&str; 5] = ["queued", "running", "failed", "done", "discarded"];

/// What narrows the task list. All parts are combined with AND.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskFilter {
    /// Only this status (`None`: every status).
    pub status: Option<String>,
    /// Only this portal.
    pub member_id: Option<MemberId>,
    /// Only portals whose member_id or domain contains this.
    pub portal: Option<PortalPiece>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only tasks whose error, kind or portal contains this text.
    pub error_text: Option<String>,
}

impl Default for TaskFilter {
    /// Failed tasks: what the tab opens on.
    fn default() -> Self {
        TaskFilter { status: Some("failed".into()), member_id: None, portal: None, kind: None, error_text: None }
    }
}

/// A task filter that could not be understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TaskFilterError {
    /// Unknown `key:`.
    #[error("unknown filter '{0}': use member:, kind:, status:, or words to find in the error")]
    UnknownKey(String),
    /// Bad value.
    #[error("bad {0}: {1}")]
    BadValue(&'static str, String),
}

impl TaskFilter {
    /// Parses the prompt's text; the status is kept unless `status:` (or `status:all`) is given.
    pub fn parse(text: &str, status: Option<String>) -> Result<Self, TaskFilterError> {
        let mut f = TaskFilter { status, member_id: None, portal: None, kind: None, error_text: None };
        let mut words = Vec::new();
        for word in text.split_whitespace() {
            match word.split_once(':') {
                Some((k, v)) if search::is_portal_key(k) => {
                    let piece =
                        search::portal_piece(v).map_err(|e| TaskFilterError::BadValue("member", e.to_string()))?;
                    (f.member_id, f.portal) = exact_or_piece(piece);
                }
                Some(("kind" | "k", v)) if !v.is_empty() && v.len() <= 128 => f.kind = Some(v.to_owned()),
                Some(("status" | "s", "all")) => f.status = None,
                Some(("status" | "s", v)) if STATUSES.contains(&v) => f.status = Some(v.to_owned()),
                Some(("status" | "s", v)) => {
                    return Err(TaskFilterError::BadValue(
                        "status",
                        format!("{v:?} is not one of {}", STATUSES.join(", ")),
                    ));
                }
                Some(("kind" | "k", _)) => {
                    return Err(TaskFilterError::BadValue("kind", "1–128 characters".into()));
                }
                Some((k, _)) => return Err(TaskFilterError::UnknownKey(format!("{k}:"))),
                None => words.push(word),
            }
        }
        if !words.is_empty() {
            let t = words.join(" ");
            if t.len() > 200 {
                return Err(TaskFilterError::BadValue("text", "at most 200 characters".into()));
            }
            f.error_text = Some(t);
        }
        Ok(f)
    }

    /// The filter in the prompt's language (without the status, which has its own key).
    pub fn to_text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(m) = &self.member_id {
            parts.push(format!("member:{m}"));
        }
        if let Some(p) = &self.portal {
            parts.push(format!("member:{p}"));
        }
        if let Some(k) = &self.kind {
            parts.push(format!("kind:{k}"));
        }
        if let Some(t) = &self.error_text {
            parts.push(t.clone());
        }
        parts.join(" ")
    }
}

impl fmt::Display for TaskFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = vec![self.status.clone().unwrap_or_else(|| "all statuses".into())];
        if let Some(m) = &self.member_id {
            parts.push(format!("member {}", m.short(12)));
        }
        if let Some(p) = &self.portal {
            parts.push(format!("member ~ {p}"));
        }
        if let Some(k) = &self.kind {
            parts.push(format!("kind {k}"));
        }
        if let Some(t) = &self.error_text {
            parts.push(format!("~ {t:?}"));
        }
        f.write_str(&parts.join(" · "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_round_trips() {
        let f = TaskFilter::parse("kind:sync.deals member:abc QUERY_LIMIT", Some("failed".into())).unwrap();
        assert_eq!(f.kind.as_deref(), Some("sync.deals"));
        assert_eq!(f.portal.as_deref(), Some("abc"), "a piece of a member_id or domain");
        let m = "0123456789abcdef0123456789abcdef";
        let exact = TaskFilter::parse(&format!("m:{m}"), None).unwrap();
        assert_eq!(exact.member_id.as_ref().map(MemberId::as_str), Some(m));
        assert_eq!(f.error_text.as_deref(), Some("QUERY_LIMIT"));
        assert_eq!(f.status.as_deref(), Some("failed"));
        assert_eq!(TaskFilter::parse(&f.to_text(), Some("failed".into())).unwrap(), f);
        assert_eq!(TaskFilter::parse("status:all", Some("failed".into())).unwrap().status, None);
        assert!(TaskFilter::parse("status:zombie", None).is_err());
        assert!(TaskFilter::parse("colour:red", None).is_err());
    }
}
