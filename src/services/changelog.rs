//! The weekly REST changelog check: read the documentation's changelog, keep it for the Planned
//! tab, and list the entries since the last check with those touching the app's calls first.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use super::docs_source::{DocSource, DocsError, api_pages, changelog_text};
use super::tasks::Actor;
use crate::model::SafeText;
use crate::rules::changelog::{Changelog, Problem, parse};
use crate::rules::changelog_match::{Listed, list, resolve_sections};
use crate::rules::doc_pages::documented_name;
use crate::store::doc_lists::CHANGELOG;
use crate::store::{Store, StoreError};

/// Calls the checks sample (the newest of the last 30 days).
pub const METHOD_SCAN: i64 = 200_000;

/// The check that reads the changelog (marking it done records the date read).
pub const WEEKLY_CHECK: &str = "deprecations";

/// The methods the app called in the last 30 days, with counts.
pub async fn called_recently(store: &Store, now: DateTime<Utc>) -> Result<Vec<(String, i64)>, StoreError> {
    store.methods_called(now - Duration::days(30), METHOD_SCAN).await
}

/// A changelog read, listed.
#[derive(Clone, Debug, Serialize)]
pub struct ChangelogReport {
    /// Where it was read from.
    pub source: String,
    /// Entries after this date are listed (none: all).
    pub since: Option<NaiveDate>,
    /// The newest entry date in it.
    pub newest: Option<NaiveDate>,
    /// Entries in the whole changelog.
    pub total: usize,
    /// Whether it was stored for the weekly check (not in read-only mode).
    pub stored: bool,
    /// The entries since `since`, those touching the app first.
    pub entries: Vec<Listed>,
    /// Entries that could not be read and links ignored, each named.
    pub problems: Vec<Problem>,
}

/// Why reading failed.
#[derive(Debug, thiserror::Error)]
pub enum ChangelogError {
    /// The documentation.
    #[error(transparent)]
    Docs(#[from] DocsError),
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Its stored copy.
    #[error("the stored changelog cannot be read ({0}); read it again with b24ops maintenance changelog --from PATH")]
    Stored(String),
}

/// The date the weekly check was last marked done through.
pub async fn read_through(store: &Store) -> Result<Option<NaiveDate>, StoreError> {
    Ok(store.last_done(WEEKLY_CHECK).await?.and_then(|d| d.changelog_through))
}

/// Reads the changelog from `from`, stores it for the weekly check (unless read-only) and lists
/// the entries since `since` (default: the date the weekly check was last marked done through).
pub async fn read(
    store: &Store,
    actor: &Actor,
    from: Option<&str>,
    since: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<ChangelogReport, ChangelogError> {
    let source = DocSource::of(from);
    let text = changelog_text(&source).await?;
    let mut log = parse(&text);
    if let DocSource::Checkout(root) = &source {
        let pages = api_pages(root).await?;
        let index: Vec<(String, String)> =
            pages.iter().filter_map(|p| documented_name(&p.text).map(|n| (p.path.clone(), n.to_owned()))).collect();
        resolve_sections(&mut log.entries, &index);
    }
    let label = SafeText::line(&source.label()).as_str().to_owned();
    if !actor.read_only {
        let body = serde_json::to_string(&log).map_err(|e| ChangelogError::Stored(e.to_string()))?;
        let summary = format!(
            "{} entries, newest {}, {} problems",
            log.entries.len(),
            log.newest().map(|d| d.to_string()).unwrap_or_else(|| "none".into()),
            log.problems.len()
        );
        store.put_doc_list(CHANGELOG, &label, &body, &actor.operator, &summary, now).await?;
    }
    let since = match since {
        Some(s) => Some(s),
        None => read_through(store).await?,
    };
    let called = called_recently(store, now).await?;
    Ok(ChangelogReport {
        source: label,
        since,
        newest: log.newest(),
        total: log.entries.len(),
        stored: !actor.read_only,
        entries: list(&log.entries, since, &called),
        problems: log.problems,
    })
}

/// The stored changelog, sanitized again (the database is not trusted more than the file).
pub async fn stored(store: &Store) -> Result<Option<(crate::store::DocList, Changelog)>, ChangelogError> {
    let Some(doc) = store.doc_list(CHANGELOG).await? else { return Ok(None) };
    let mut log: Changelog = serde_json::from_str(&doc.body).map_err(|e| ChangelogError::Stored(e.to_string()))?;
    let clean = |s: &mut String| *s = SafeText::line(s).as_str().to_owned();
    for e in &mut log.entries {
        clean(&mut e.text);
        e.names.retain(|n| crate::rules::changelog::is_api_name(n));
        e.section_names.retain(|n| crate::rules::changelog::is_api_name(n));
    }
    for p in &mut log.problems {
        clean(&mut p.text);
        clean(&mut p.reason);
    }
    Ok(Some((doc, log)))
}

/// What the weekly check shows of the changelog.
#[derive(Clone, Debug, Default, Serialize)]
pub struct WeeklyChangelog {
    /// Which read, from where, since when; one line.
    pub context: String,
    /// The entries since then that touch the app, one line each (deprecated/removed first).
    pub touching: Vec<String>,
    /// Entries since then that touch none of the app's calls.
    pub others: usize,
    /// The newest date read (what marking the check done records).
    pub newest: Option<NaiveDate>,
}

/// The weekly check's view of the stored changelog, given the app's recent calls.
pub async fn weekly(store: &Store, called: &[(String, i64)]) -> Result<WeeklyChangelog, ChangelogError> {
    let since = read_through(store).await?;
    let since_text = since.map(|d| format!("since {d}")).unwrap_or_else(|| "never marked done: all entries".into());
    let Some((doc, log)) = stored(store).await? else {
        return Ok(WeeklyChangelog {
            context: format!(
                "changelog not read yet ({since_text}) — run: b24ops maintenance changelog --from PATH|URL"
            ),
            ..WeeklyChangelog::default()
        });
    };
    let listed = list(&log.entries, since, called);
    let (touching, others): (Vec<&Listed>, Vec<&Listed>) = listed.iter().partition(|l| !l.touches.is_empty());
    let newest = log.newest();
    Ok(WeeklyChangelog {
        context: format!(
            "changelog read {} from {}, newest entry {}; {since_text}; {} new, {} touch the app",
            doc.read_at.format("%Y-%m-%d"),
            doc.source,
            newest.map(|d| d.to_string()).unwrap_or_else(|| "none".into()),
            listed.len(),
            touching.len()
        ),
        touching: touching.iter().map(|l| l.line()).collect(),
        others: others.len(),
        newest,
    })
}
