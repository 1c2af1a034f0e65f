//! `b24ops maintenance changelog` and `b24ops maintenance deprecations`: the weekly check's
//! reading of the REST documentation, headless.

use std::fmt::Write as _;

use chrono::NaiveDate;
use color_eyre::eyre::{Result, eyre};

use super::Ctx;
use super::report::{emit, json_text, open};
use crate::cli::DocsVerb;
use crate::services::changelog::{ChangelogReport, read};
use crate::services::deprecation_list::{RefreshReport, in_force, refresh};
use crate::services::tasks::Actor;

/// The most entries printed in each group (all of them in --json).
const SHOWN: usize = 40;

/// Runs it.
pub async fn run(ctx: &Ctx, verb: DocsVerb) -> Result<()> {
    let actor = Actor { operator: ctx.cfg.operator_name(), read_only: ctx.cfg.read_only };
    let now = ctx.clock.now();
    match verb {
        DocsVerb::Changelog { from, since, json } => {
            let since = since
                .map(|s| {
                    s.trim().parse::<NaiveDate>().map_err(|_| eyre!("--since must be a date, YYYY-MM-DD (got {s:?})"))
                })
                .transpose()?;
            let store = open(ctx).await?;
            let result = read(&store, &actor, from.as_deref(), since, now).await;
            store.close().await;
            let report = result?;
            emit(&if json { json_text(&report)? } else { changelog_text(&report) })
        }
        DocsVerb::Deprecations { refresh: true, from: Some(root), json } => {
            let store = open(ctx).await?;
            let result = refresh(&store, &actor, &root, now).await;
            store.close().await;
            let report = result?;
            emit(&if json { json_text(&report)? } else { refresh_text(&report) })
        }
        DocsVerb::Deprecations { json, .. } => {
            let store = open(ctx).await?;
            let result = in_force(&store).await;
            store.close().await;
            let (list, origin) = result?;
            if json {
                let mut rows: Vec<_> = list.values().map(|d| (&d.method, &d.replacements, &d.doc_page)).collect();
                rows.sort();
                return emit(&json_text(&serde_json::json!({ "origin": origin, "deprecated": rows }))?);
            }
            emit(&format!(
                "{origin}\n(rebuild it from a docs checkout: b24ops maintenance deprecations --refresh --from PATH)\n"
            ))
        }
    }
}

fn changelog_text(r: &ChangelogReport) -> String {
    let mut out = String::new();
    let since =
        r.since.map(|d| format!("since {d}")).unwrap_or_else(|| "(all: the weekly check was never marked done)".into());
    let touching = r.entries.iter().filter(|l| !l.touches.is_empty()).count();
    let _ = writeln!(
        out,
        "REST changelog {}: {} of {} entries {since}, newest {}; {touching} touch the app's calls of the last 30 days",
        r.source,
        r.entries.len(),
        r.total,
        r.newest.map(|d| d.to_string()).unwrap_or_else(|| "none".into()),
    );
    let (hits, rest): (Vec<_>, Vec<_>) = r.entries.iter().partition(|l| !l.touches.is_empty());
    for (title, group) in [("touching the app", hits), ("the rest", rest)] {
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title}:");
        for l in group.iter().take(SHOWN) {
            let _ = writeln!(out, "  {}", l.line());
        }
        if group.len() > SHOWN {
            let _ = writeln!(out, "  … and {} more (--json lists them all)", group.len() - SHOWN);
        }
    }
    if !r.problems.is_empty() {
        let _ = writeln!(out, "{} not read as they stand:", r.problems.len());
        for p in r.problems.iter().take(SHOWN) {
            let _ = writeln!(out, "  line {}: {}: {}", p.line, p.reason, p.text);
        }
    }
    let _ = writeln!(
        out,
        "{}",
        if r.stored {
            "(kept for the weekly check; marking it done records the newest date: b24ops maintenance --done deprecations)"
        } else {
            "(read-only: not kept for the weekly check)"
        }
    );
    out
}

fn refresh_text(r: &RefreshReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {} pages read, {} deprecated methods and events marked", r.source, r.pages, r.found);
    let d = &r.against_shipped;
    let _ = writeln!(
        out,
        "against the shipped list: {} new, {} no longer marked, {} with other replacements",
        d.added.len(),
        d.dropped.len(),
        d.changed.len()
    );
    let none = |v: &[String]| if v.is_empty() { "no replacement named".to_owned() } else { v.join(", ") };
    for (m, with) in &d.added {
        let _ = writeln!(out, "  + {m} → {}", none(with));
    }
    for m in &d.dropped {
        let _ = writeln!(out, "  - {m}");
    }
    for (m, before, after) in &d.changed {
        let _ = writeln!(out, "  ~ {m}: {} → {}", none(before), none(after));
    }
    let _ = writeln!(
        out,
        "{}",
        if r.stored {
            "stored: the weekly check reads this list now (the shipped one stays the fallback)"
        } else {
            "nothing marked deprecated there: not stored, the weekly check keeps its list"
        }
    );
    out
}
