//! `b24ops reviews list|import|draft|mark`: the review inbox, headless.

use color_eyre::eyre::{Result, bail, eyre};
use std::fmt::Write as _;

use super::Ctx;
use super::report::{emit, json_text, open};
use crate::cli::{ReviewDraftArgs, ReviewImportArgs, ReviewListArgs, ReviewMarkArgs, ReviewsVerb};
use crate::model::ellipsize;
use crate::rules::deadline::Urgency;
use crate::rules::review_filter::ReviewFilter;
use crate::rules::reviews::ReplyAction;
use crate::rules::timefmt;
use crate::services::reviews::{describe_import, describe_mark, import_file, inbox, mark};
use crate::services::tasks::Actor;
use crate::store::MarkOutcome;

/// Runs a `reviews` verb.
pub async fn run(ctx: &Ctx, verb: ReviewsVerb) -> Result<()> {
    match verb {
        ReviewsVerb::List(a) => list(ctx, a).await,
        ReviewsVerb::Import(a) => import(ctx, a).await,
        ReviewsVerb::Draft(a) => draft(ctx, a).await,
        ReviewsVerb::Mark(a) => mark_reply(ctx, a).await,
    }
}

fn actor(ctx: &Ctx) -> Actor {
    Actor { operator: ctx.cfg.operator_name(), read_only: ctx.cfg.read_only }
}

async fn list(ctx: &Ctx, a: ReviewListArgs) -> Result<()> {
    if !(1..=10_000).contains(&a.limit) {
        bail!("--limit must be between 1 and 10000");
    }
    let filter = ReviewFilter::parse(a.filter.as_deref().unwrap_or(""), !a.all)?;
    let store = open(ctx).await?;
    let now = ctx.clock.now();
    let entries = inbox(&store, &filter, a.limit, &ctx.cfg.review_policy(), now).await?;
    store.close().await;
    let mut out = String::new();
    if a.json {
        out.push_str(&json_text(&entries)?);
    } else {
        for e in &entries {
            let r = &e.review;
            let due = match e.clock.urgency {
                Urgency::Done => "answered".to_owned(),
                Urgency::Breached => format!("{} late", timefmt::compact(now - e.clock.reply_due)),
                _ => timefmt::countdown(e.clock.reply_due, now),
            };
            let portal = r
                .domain
                .as_ref()
                .map(|d| d.to_string())
                .or_else(|| r.member_id.as_ref().map(|m| m.to_string()))
                .unwrap_or_else(|| "—".into());
            let _ = writeln!(
                out,
                "#{:<6} {:<12} {:<5} {:<9} {:<20} {:<28} {}",
                r.id,
                due,
                "★".repeat(r.rating.clamp(0, 5) as usize),
                r.reply_status,
                ellipsize(r.author.as_str(), 20),
                ellipsize(&portal, 28),
                ellipsize(r.excerpt.as_str(), 80),
            );
        }
    }
    emit(&out)
}

async fn import(ctx: &Ctx, a: ReviewImportArgs) -> Result<()> {
    let store = open(ctx).await?;
    let result = import_file(&store, &actor(ctx), &a.file, ctx.clock.now()).await;
    store.close().await;
    let r = result?;
    emit(&format!("{}\n", describe_import(&a.file, &r)))
}

async fn draft(ctx: &Ctx, a: ReviewDraftArgs) -> Result<()> {
    let store = open(ctx).await?;
    let text = store.review_draft_text(a.id).await?;
    store.close().await;
    let Some(text) = text else { bail!("review #{} does not exist", a.id) };
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else { bail!("review #{} has no reply draft yet", a.id) };
    // Sanitized on save; sanitized again here in case an app wrote the column directly.
    let clean = crate::model::SafeText::block(&text);
    if a.print {
        return emit(clean.as_str());
    }
    emit(&format!("{}\n", clean.as_str()))
}

async fn mark_reply(ctx: &Ctx, a: ReviewMarkArgs) -> Result<()> {
    let action = if a.status == "ready" { ReplyAction::MarkReady } else { ReplyAction::MarkPublished };
    let store = open(ctx).await?;
    let result = mark(&store, &actor(ctx), a.id, action, ctx.clock.now()).await;
    store.close().await;
    let outcome = result?;
    let line = describe_mark(a.id, &outcome);
    match outcome {
        MarkOutcome::Changed(..) => emit(&format!("{line}\n")),
        _ => Err(eyre!(line)),
    }
}
