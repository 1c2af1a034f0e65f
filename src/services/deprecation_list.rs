//! The deprecation list the weekly check reads: rebuilt from a documentation checkout's page
//! markers and stored, or the list shipped in the binary when none was rebuilt.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::changelog::ChangelogError;
use super::docs_source::{api_pages, deprecations_in};
use super::tasks::{ActionError, Actor};
use crate::model::SafeText;
use crate::rules::deprecations::{self, Deprecation};
use crate::rules::doc_pages::{ListDiff, diff, list_of, to_tsv};
use crate::store::doc_lists::DEPRECATIONS;
use crate::store::{Store, StoreError};

/// The list in force and where it came from, one line.
pub async fn in_force(store: &Store) -> Result<(HashMap<String, Deprecation>, String), StoreError> {
    if let Some(doc) = store.doc_list(DEPRECATIONS).await? {
        let list = deprecations::parse(&doc.body);
        if !list.is_empty() {
            let from =
                format!("{} deprecated, rebuilt {} from {}", list.len(), doc.read_at.format("%Y-%m-%d"), doc.source);
            return Ok((list, from));
        }
    }
    let shipped = deprecations::shipped();
    Ok((shipped.clone(), format!("{} deprecated, the list shipped with b24ops", shipped.len())))
}

/// A rebuild.
#[derive(Clone, Debug, Serialize)]
pub struct RefreshReport {
    /// The checkout read.
    pub source: String,
    /// Pages read.
    pub pages: usize,
    /// Deprecated methods and events found.
    pub found: usize,
    /// What changed against the shipped list.
    pub against_shipped: ListDiff,
    /// Whether it was stored (not when nothing was found, nor in read-only mode).
    pub stored: bool,
}

/// Why a rebuild failed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The checkout or the database.
    #[error(transparent)]
    Read(#[from] ChangelogError),
    /// Read-only.
    #[error(transparent)]
    Action(#[from] ActionError),
}

impl From<StoreError> for RefreshError {
    fn from(e: StoreError) -> Self {
        RefreshError::Read(e.into())
    }
}

/// Rebuilds the list from the checkout at `root`, compares it with the shipped one and stores
/// it for the weekly check. A checkout with no marked page stores nothing (the shipped list stays).
pub async fn refresh(
    store: &Store,
    actor: &Actor,
    root: &Path,
    now: DateTime<Utc>,
) -> Result<RefreshReport, RefreshError> {
    if actor.read_only {
        return Err(ActionError::ReadOnly.into());
    }
    let pages = api_pages(root).await.map_err(ChangelogError::from)?;
    let list = list_of(deprecations_in(&pages));
    let source = SafeText::line(&format!("checkout {}", root.display())).as_str().to_owned();
    let rebuilt: HashMap<String, Deprecation> = list.iter().map(|(k, (_, d))| (k.clone(), d.clone())).collect();
    let against_shipped = diff(deprecations::shipped(), &rebuilt);
    let stored = !list.is_empty();
    if stored {
        let summary = format!(
            "{} deprecated from {} pages; against shipped +{} -{} ~{}",
            list.len(),
            pages.len(),
            against_shipped.added.len(),
            against_shipped.dropped.len(),
            against_shipped.changed.len()
        );
        store.put_doc_list(DEPRECATIONS, &source, &to_tsv(&list, &source), &actor.operator, &summary, now).await?;
    }
    Ok(RefreshReport { source, pages: pages.len(), found: list.len(), against_shipped, stored })
}
