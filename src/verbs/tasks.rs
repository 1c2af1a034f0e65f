//! `b24ops tasks list|restart|discard` and `b24ops audit`.

use std::fmt::Write as _;
use std::io::Write;

use color_eyre::eyre::{Result, bail, eyre};

use super::Ctx;
use super::report::{emit, json_text, open};
use crate::cli::{AuditArgs, TaskActArgs, TaskIndexArgs, TaskListArgs, TaskSelect, TasksVerb};
use crate::model::MemberId;
use crate::rules::task_filter::{STATUSES, TaskFilter};
use crate::rules::timefmt;
use crate::services::tasks::{Actor, act_on, act_on_matching, describe};
use crate::store::{Dialect, SerializedAs, TaskAction, TaskSource, WriteOutcome, member_column_ddl};

/// Runs a `tasks` verb.
pub async fn run(ctx: &Ctx, verb: TasksVerb) -> Result<()> {
    match verb {
        TasksVerb::List(a) => list(ctx, a).await,
        TasksVerb::Restart(a) => act(ctx, TaskAction::Restart, a).await,
        TasksVerb::Discard(a) => act(ctx, TaskAction::Discard, a).await,
        TasksVerb::MemberIndex(a) => member_index(ctx, &a),
    }
}

/// Prints the DDL of the app-side member index for the configured backend and failure table.
fn member_index(ctx: &Ctx, a: &TaskIndexArgs) -> Result<()> {
    let d = Dialect::from_url(&ctx.cfg.database_url)
        .ok_or_else(|| eyre!("database_url names no SQLite, PostgreSQL or MySQL/MariaDB database"))?;
    let (table, text) = match TaskSource::from_config(&ctx.cfg.tasks)? {
        TaskSource::Laravel(l) => (l.failed_table, "payload"),
        TaskSource::Symfony(s) => (s.table, "body"),
        TaskSource::Native => bail!("tasks.adapter is b24ops: b24ops_tasks has its own member_id index"),
    };
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if a.column.is_empty() || !a.column.chars().all(plain) || a.column.starts_with(|c: char| c.is_ascii_digit()) {
        bail!("--column {:?} is not a plain SQL name (letters, digits and _)", a.column);
    }
    let Some(key) = ctx.cfg.tasks.member_keys.iter().map(|k| k.trim()).find(|k| !k.is_empty()) else {
        bail!("tasks.member_keys is empty: name the property that holds the member_id");
    };
    let style = if a.json_serializer { SerializedAs::Json } else { SerializedAs::Php };
    let mut out = String::new();
    for statement in member_column_ddl(d, &table, text, key, style, &a.column) {
        let _ = writeln!(out, "{statement};");
    }
    let _ = writeln!(out, "-- then, in b24ops's [tasks]: member_column = \"{}\"", a.column);
    emit(&out)
}

fn filter(status: Option<String>, s: &TaskSelect) -> Result<TaskFilter> {
    Ok(TaskFilter {
        status,
        member_id: s.member_id.as_deref().map(MemberId::parse).transpose()?,
        portal: None,
        kind: s.kind.clone(),
        error_text: s.error.clone(),
    })
}

async fn list(ctx: &Ctx, a: TaskListArgs) -> Result<()> {
    if !(1..=10_000).contains(&a.limit) {
        bail!("--limit must be between 1 and 10000");
    }
    let status = match a.status.as_str() {
        "all" => None,
        s if STATUSES.contains(&s) => Some(s.to_owned()),
        other => bail!("--status {other:?}: use {} or all", STATUSES.join(", ")),
    };
    let f = filter(status, &a.select)?;
    let store = open(ctx).await?;
    let tasks = store.tasks_list(&f, a.limit).await?;
    let window = store.task_source().member_scan_window().filter(|_| f.member_id.is_some());
    store.close().await;
    if let Some(ids) = window {
        eprintln!(
            "(the portal was looked for among the newest {ids} job ids only; set tasks.member_column to search them all — docs/your-queue.md)"
        );
    }
    let now = ctx.clock.now();
    let mut out = String::new();
    if a.json {
        out.push_str(&json_text(&tasks)?);
    } else {
        for t in &tasks {
            let _ = writeln!(
                out,
                "{:>8}  {:<9} {:<18} {:<32} {:>2}/{:<2} {:>10}  {}",
                t.id,
                t.status,
                t.kind,
                t.domain
                    .as_ref()
                    .map(|d| d.to_string())
                    .or_else(|| t.member_id.as_ref().map(|m| m.to_string()))
                    .unwrap_or_default(),
                t.attempts,
                t.max_attempts,
                t.failed_at.map(|f| timefmt::ago(f, now)).unwrap_or_default(),
                t.last_error.as_ref().map(|e| e.as_str()).unwrap_or("")
            );
        }
    }
    emit(&out)
}

async fn act(ctx: &Ctx, action: TaskAction, a: TaskActArgs) -> Result<()> {
    let actor = Actor { operator: ctx.cfg.operator_name(), read_only: ctx.cfg.read_only };
    if actor.read_only {
        bail!("{}", crate::services::tasks::ActionError::ReadOnly);
    }
    let verb = match action {
        TaskAction::Restart => "restart",
        TaskAction::Discard => "discard",
    };
    let store = open(ctx).await?;
    let now = ctx.clock.now();
    if a.all_failed {
        let f = filter(Some("failed".into()), &a.select)?;
        let n = store.tasks_count(&f).await?;
        if !a.yes {
            store.close().await;
            bail!("this would {verb} {n} failed tasks ({f}); add --yes to do it");
        }
        let report = act_on_matching(&store, &actor, action, &f, now, |r| {
            eprint!("\r{verb}: {} of {} done", r.changed + r.skipped, r.total);
            let _ = std::io::stderr().flush();
        })
        .await?;
        eprintln!();
        store.close().await;
        return emit(&format!(
            "{verb}: {} changed, {} no longer failed (skipped), of {} matching\n",
            report.changed, report.skipped, report.total
        ));
    }
    if a.ids.is_empty() {
        bail!("name task ids, or use --all-failed with --member-id / --kind / --error");
    }
    if action == TaskAction::Discard && !a.yes {
        bail!("discarding is final: add --yes to discard {} task(s)", a.ids.len());
    }
    let outcomes = act_on(&store, &actor, action, &a.ids, now).await?;
    store.close().await;
    let mut out = String::new();
    for (id, o) in &outcomes {
        out.push_str(&describe(action, *id, o));
        out.push('\n');
    }
    emit(&out)?;
    if outcomes.iter().any(|(_, o)| *o == WriteOutcome::Missing) {
        return Err(eyre!("some tasks do not exist"));
    }
    Ok(())
}

/// Prints the audit log.
pub async fn audit(ctx: &Ctx, a: AuditArgs) -> Result<()> {
    if !(1..=10_000).contains(&a.limit) {
        bail!("--limit must be between 1 and 10000");
    }
    let member = a.member_id.as_deref().map(MemberId::parse).transpose()?;
    let store = open(ctx).await?;
    let rows = store.audit_page(member.as_ref(), a.limit).await?;
    store.close().await;
    let mut out = String::new();
    if a.json {
        out.push_str(&json_text(&rows)?);
    } else {
        for r in &rows {
            let _ = writeln!(
                out,
                "{}  {:<12} {:<14} {:<14} {} → {}",
                r.ts.format("%Y-%m-%d %H:%M:%SZ"),
                r.operator,
                r.action,
                r.target,
                r.before.as_ref().map(|b| b.as_str()).unwrap_or("—"),
                r.after.as_ref().map(|b| b.as_str()).unwrap_or("—"),
            );
        }
    }
    emit(&out)
}
