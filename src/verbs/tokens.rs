//! `b24ops tokens list|refresh|diagnose|notify`.

use std::fmt::Write as _;

use color_eyre::eyre::{Result, bail, eyre};

use super::Ctx;
use super::report::{emit, json_text, open};
use crate::cli::{TokenDiagnoseArgs, TokenListArgs, TokenNotifyArgs, TokenReconcileArgs, TokenRefreshArgs, TokensVerb};
use crate::model::MemberId;
use crate::rules::timefmt;
use crate::services::diagnose::{Diagnosis, Expectations, Section, diagnose};
use crate::services::notify::{prepare_notice, send_notice};
use crate::services::tasks::Actor;
use crate::services::tokens::TokenService;

/// Runs a `tokens` verb.
pub async fn run(ctx: &Ctx, verb: TokensVerb) -> Result<()> {
    let store = open(ctx).await?;
    let svc = TokenService::new(store.clone(), crate::services::settings::token_settings(&ctx.cfg)?, ctx.clock)?;
    let result = match verb {
        TokensVerb::List(a) => list(ctx, &svc, a).await,
        TokensVerb::Refresh(a) => refresh(ctx, &svc, a).await,
        TokensVerb::Diagnose(a) => diagnose_one(ctx, &svc, a).await,
        TokensVerb::Notify(a) => notify_all(ctx, &svc, a).await,
        TokensVerb::Reconcile(a) => reconcile(ctx, &svc, a).await,
    };
    // Let the background writes of the call log finish before the pool closes.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    store.close().await;
    result
}

fn actor(ctx: &Ctx) -> Actor {
    Actor { operator: ctx.cfg.operator_name(), read_only: ctx.cfg.read_only }
}

fn members(raw: &[String]) -> Result<Vec<MemberId>> {
    raw.iter().map(|m| MemberId::parse(m).map_err(|e| eyre!("{e}"))).collect()
}

async fn list(ctx: &Ctx, svc: &TokenService, a: TokenListArgs) -> Result<()> {
    if !(1..=100_000).contains(&a.limit) {
        bail!("--limit must be between 1 and 100000");
    }
    let board = svc.board(a.limit).await?;
    if a.json {
        return emit(&json_text(&board)?);
    }
    let now = ctx.clock.now();
    let c = board.counts;
    let mut out = format!(
        "dead {}  ≤{}d {}  ≤{}d {}  ok {}  uninstalled {}  no token {}\n",
        c.dead,
        ctx.cfg.tokens.critical_days,
        c.critical,
        ctx.cfg.tokens.warning_days,
        c.warning,
        c.ok,
        c.uninstalled,
        c.unknown
    );
    for r in &board.rows {
        let p = &r.portal;
        let _ = writeln!(
            out,
            "{:>6}  {:<8} {:<32} {:<30} {:<16} {:<12} {:<14} {:<6} {}",
            r.state.days_left.map(|d| format!("{d}d")).unwrap_or_else(|| "-".into()),
            format!("{:?}", r.state.class).to_lowercase(),
            p.member_id.as_str(),
            p.domain.as_str(),
            p.last_refresh_at.map(|t| timefmt::ago(t, now)).unwrap_or_else(|| "-".into()),
            p.last_refresh_by.as_ref().map(|b| b.as_str()).unwrap_or("app"),
            p.last_seen_at.map(|t| format!("seen {}", timefmt::ago(t, now))).unwrap_or_else(|| "-".into()),
            p.app_status.map(|s| s.label()).unwrap_or("?"),
            p.last_refresh_error.as_ref().map(|e| e.as_str()).unwrap_or(""),
        );
    }
    emit(&out)
}

async fn refresh(ctx: &Ctx, svc: &TokenService, a: TokenRefreshArgs) -> Result<()> {
    let targets = match a.within_days {
        Some(days) => svc.expiring_within(days, 10_000).await?.into_iter().map(|p| p.member_id).collect(),
        None if a.member_ids.is_empty() => bail!("name portals to refresh, or --within-days N"),
        None => members(&a.member_ids)?,
    };
    let who = actor(ctx);
    let pace = std::time::Duration::from_millis(ctx.cfg.tokens.refresh_pace_ms);
    let report = svc.refresh_run(&who, &targets, pace, |_, _, _| {}).await;
    if a.json {
        let results: Vec<_> =
            report.results.iter().map(|(m, o)| serde_json::json!({"member_id": m, "result": o})).collect();
        emit(&json_text(&serde_json::json!({"results": results, "stopped": report.stopped}))?)?;
    } else {
        for (m, o) in &report.results {
            emit(&format!("{m}  {}\n", o.describe(|t| t.format("%Y-%m-%d").to_string())))?;
        }
        if targets.is_empty() {
            emit("nothing to refresh\n")?;
        }
    }
    if let Some(why) = &report.stopped {
        bail!("{why}");
    }
    let failed = report.results.len() - report.alive();
    if failed > 0 {
        bail!("{failed} of {} portals not refreshed", targets.len());
    }
    Ok(())
}

async fn diagnose_one(ctx: &Ctx, svc: &TokenService, a: TokenDiagnoseArgs) -> Result<()> {
    let m = MemberId::parse(&a.member_id).map_err(|e| eyre!("{e}"))?;
    let expect = Expectations {
        scopes: ctx.cfg.bitrix.needed_scopes.clone(),
        placements: ctx.cfg.bitrix.expected_placements.clone(),
    };
    let d = diagnose(svc, &actor(ctx), &m, &expect).await?;
    if a.json {
        return emit(&json_text(&d)?);
    }
    emit(&report(&d))
}

/// The diagnosis as people read it.
pub fn report(d: &Diagnosis) -> String {
    let mut out = format!("portal {} ({})\n", d.member_id, d.domain);
    match &d.app {
        Section::Ok(a) => {
            let _ = writeln!(
                out,
                "  app        status {}{}, licence {}, {}",
                a.status,
                if a.payment_expired { " — PAYMENT EXPIRED" } else { "" },
                a.license.as_deref().unwrap_or("?"),
                a.days_left.map(|d| format!("{d} days left")).unwrap_or_else(|| "no end date".into())
            );
        }
        Section::Error(e) => {
            let _ = writeln!(out, "  app        could not tell: {e}");
        }
    }
    for (name, s) in [("scopes", &d.scopes), ("placements", &d.placements)] {
        match s {
            Section::Ok(c) if c.missing.is_empty() => {
                let _ = writeln!(out, "  {name:<10} ok ({})", c.present.join(", "));
            }
            Section::Ok(c) => {
                let _ = writeln!(out, "  {name:<10} MISSING {} (has {})", c.missing.join(", "), c.present.join(", "));
            }
            Section::Error(e) => {
                let _ = writeln!(out, "  {name:<10} could not tell: {e}");
            }
        }
    }
    match &d.methods {
        Section::Ok(ms) => {
            let _ = writeln!(out, "  methods    {} called in the last 30 days", ms.len());
            for m in ms {
                let mut notes = Vec::new();
                if let Some(f) = m.finding() {
                    notes.push(f.to_owned());
                }
                if m.deprecated && m.replacements.is_empty() {
                    notes.push("deprecated".to_owned());
                } else if m.deprecated {
                    notes.push(format!("deprecated → {}", m.replacements.join(", ")));
                }
                if !notes.is_empty() {
                    let _ = writeln!(out, "             {:<32} {}", m.method, notes.join("; "));
                }
            }
        }
        Section::Error(e) => {
            let _ = writeln!(out, "  methods    could not tell: {e}");
        }
    }
    match &d.clock {
        Section::Ok(c) => {
            let _ = writeln!(
                out,
                "  clock      {} (drift {})",
                c.server_time,
                c.drift_secs.map(|s| format!("{s} s")).unwrap_or_else(|| "?".into())
            );
        }
        Section::Error(e) => {
            let _ = writeln!(out, "  clock      could not tell: {e}");
        }
    }
    let problems = d.problems();
    if problems.is_empty() {
        out.push_str("no problems found\n");
    } else {
        let _ = writeln!(out, "{} problem(s):", problems.len());
        for p in problems {
            let _ = writeln!(out, "  - {p}");
        }
    }
    out
}

async fn notify_all(ctx: &Ctx, svc: &TokenService, a: TokenNotifyArgs) -> Result<()> {
    let who = actor(ctx);
    let expect = Expectations {
        scopes: ctx.cfg.bitrix.needed_scopes.clone(),
        placements: ctx.cfg.bitrix.expected_placements.clone(),
    };
    let mut done = Vec::new();
    let mut failed = 0;
    for m in members(&a.member_ids)? {
        let t = &ctx.cfg.tokens.notify_template;
        let prepared = prepare_notice(svc, &who, &m, &expect, t, &ctx.cfg.reviews.app_name).await;
        let notice = match prepared {
            Ok(n) => n,
            Err(e) => {
                failed += 1;
                eprintln!("{}  no notice: {e}", m.as_str());
                continue;
            }
        };
        let to = format!("user {}{}", notice.user_id, if notice.admin { " (admin)" } else { " (not an admin)" });
        if !a.send {
            if !a.json {
                emit(&format!("{}  to {to}, not sent (add --send):\n    {}\n", m.as_str(), notice.message))?;
            }
            done.push(serde_json::json!({"notice": notice, "sent": false}));
            continue;
        }
        match send_notice(svc, &who, &notice).await {
            Ok(_) => {
                if !a.json {
                    emit(&format!("{}  sent to {to}:\n    {}\n", m.as_str(), notice.message))?;
                }
                done.push(serde_json::json!({"notice": notice, "sent": true}));
            }
            Err(e) => {
                failed += 1;
                eprintln!("{}  not sent: {e}", m.as_str());
            }
        }
    }
    if a.json {
        emit(&json_text(&done)?)?;
    }
    if failed > 0 {
        bail!("{failed} of {} portals not notified", a.member_ids.len());
    }
    Ok(())
}

async fn reconcile(ctx: &Ctx, svc: &TokenService, a: TokenReconcileArgs) -> Result<()> {
    let pace = std::time::Duration::from_millis(ctx.cfg.tokens.refresh_pace_ms);
    let json = a.json;
    let found = svc
        .reconcile(&actor(ctx), a.refresh, pace, |r| {
            if !json {
                let _ =
                    emit(&format!("{}  {}{}\n", r.member_id, r.finding, if r.repaired { "  [repaired]" } else { "" }));
            }
        })
        .await?;
    if json {
        emit(&json_text(&found)?)?;
    } else {
        let repaired = found.iter().filter(|r| r.repaired).count();
        emit(&format!("{} portal(s) checked, {repaired} repaired\n", found.len()))?;
    }
    Ok(())
}
