//! An incident as the console shows it (its live timeline), and its Markdown record kept under
//! the state directory, readable by the operator alone: the timeline names portals, operators and
//! what customers reported, which other users of the machine have no business reading.

use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::incidents::{Entry, IncidentError, portals_of, resolve, respond_by, timeline};
use super::tasks::Actor;
use crate::rules::calendar::Calendar;
use crate::store::{Incident, Store, StoreError};

/// An incident with its timeline, as the console's Incidents view shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sheet {
    /// The incident.
    pub incident: Incident,
    /// When the team must respond by.
    pub respond_by: Option<DateTime<Utc>>,
    /// The portals it concerns (empty: all).
    pub portals: Vec<String>,
    /// What happened, oldest first, up to now (or to its resolution).
    pub entries: Vec<Entry>,
    /// Its Markdown record, once written.
    pub record: Option<PathBuf>,
}

/// Where the record of `incident` is kept in `dir`. The declaration time is in the name:
/// numbers start again at 1 in another database (each demo's, a staging one).
pub fn record_path(dir: &Path, incident: &Incident) -> PathBuf {
    dir.join(format!("incident-{}-{}.md", incident.id, incident.declared_at.format("%Y%m%d-%H%M%S")))
}

/// The open incident, else the newest resolved one, with its timeline as of `now`.
pub async fn sheet(store: &Store, cal: &Calendar, dir: &Path, now: DateTime<Utc>) -> Result<Option<Sheet>, StoreError> {
    let open = store.open_incident().await?;
    let Some(incident) = (match open {
        Some(i) => Some(i),
        None => store.latest_incident().await?,
    }) else {
        return Ok(None);
    };
    let until = incident.resolved_at.unwrap_or(now);
    let entries = timeline(store, &incident, until).await?;
    let portals = portals_of(store, &incident).await?;
    let path = record_path(dir, &incident);
    let record = path.is_file().then_some(path);
    Ok(Some(Sheet { respond_by: respond_by(&incident, cal), incident, portals, entries, record }))
}

/// Writes `text` as `incident`'s record in `dir` (made if missing, owner only: 0700), the file
/// readable and writable by the owner alone (0600, also when it was there before).
pub fn write_record(dir: &Path, incident: &Incident, text: &str) -> std::io::Result<PathBuf> {
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    let path = record_path(dir, incident);
    let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(text.as_bytes())?;
    Ok(path)
}

/// Resolves the open incident and keeps its record in `dir`: what to tell the operator.
pub async fn resolve_and_record(
    store: &Store,
    actor: &Actor,
    summary: &str,
    cal: &Calendar,
    dir: &Path,
    now: DateTime<Utc>,
) -> Result<String, IncidentError> {
    let open = store.open_incident().await?;
    let md = resolve(store, actor, summary, cal, now).await?;
    let Some(incident) = open else { return Ok("incident resolved".into()) };
    let id = incident.id;
    Ok(match write_record(dir, &incident, &md) {
        Ok(path) => format!("incident #{id} resolved; its record is in {} (:incident shows it)", path.display()),
        Err(e) => format!("incident #{id} resolved; the record could not be written in {}: {e}", dir.display()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_is_the_owners_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("state").join("incidents");
        let incident = Incident {
            id: 7,
            title: "Sync is slow".into(),
            severity: "major".into(),
            status: "declared".into(),
            member_id: None,
            declared_at: "2026-11-24T12:00:00Z".parse().unwrap(),
            declared_by: "tester".into(),
            resolved_at: None,
        };
        let path = write_record(&dir, &incident, "# Incident #7").unwrap();
        assert_eq!(path, dir.join("incident-7-20261124-120000.md"));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!((mode(&path), mode(&dir)), (0o600, 0o700));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_record(&dir, &incident, "# again").unwrap();
        assert_eq!(mode(&path), 0o600, "a file left readable before is made private");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "# again");
    }
}
