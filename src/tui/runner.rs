//! Runs [`Effect`]s: each becomes a background task that answers with a [`Msg`], so the input
//! path never waits on the database.

use std::sync::Arc;

use chrono::Duration;
use tokio::sync::mpsc::UnboundedSender;

use super::effect::Effect;
use super::limits::PAGE;
use super::msg::Msg;
use crate::rules::reviews::ReviewPolicy;
use crate::rules::tokens::TokenPolicy;
use crate::services::diagnose::{Expectations, diagnose};
use crate::services::incident_record::{resolve_and_record, sheet as incident_sheet};
use crate::services::notify::{prepare_notice, send_notice};
use crate::services::overview::{PortalRef, portal_overview};
use crate::services::reviews::{self, inbox};
use crate::services::tasks::{Actor, act_on, act_on_matching};
use crate::services::tickets;
use crate::services::tokens::TokenService;
use crate::store::{ErrorWindow, Store, TicketScope};
use crate::tui::limits::{AUDIT_LIMIT, REVIEW_LIMIT, TASK_LIMIT};
use crate::tui::state::Confirmable;
use crate::tui::tabs::{
    AlertsEffect, AlertsMsg, AuditEffect, AuditMsg, CallsEffect, CallsMsg, ErrorsEffect, ErrorsMsg, IncidentEffect,
    IncidentMsg, MaintenanceEffect, MaintenanceMsg, PortalEffect, PortalMsg, ReviewsEffect, ReviewsMsg, TasksEffect,
    TasksMsg, TicketsEffect, TicketsMsg, TokensEffect, TokensMsg,
};

/// What effects need.
#[derive(Clone)]
pub struct Runner {
    /// The database.
    pub store: Store,
    /// Token classification.
    pub policy: TokenPolicy,
    /// The 15-minute threshold.
    pub threshold_15m: i64,
    /// Who writes, and whether they may.
    pub actor: Actor,
    /// Review reply targets.
    pub review_policy: ReviewPolicy,
    /// Bitrix24 calls and token care.
    pub tokens: Arc<TokenService>,
    /// What diagnose expects and what notify says.
    pub token_settings: Arc<TokenSettings>,
    /// Ticket SLA rules.
    pub sla: Arc<crate::config::SlaRules>,
    /// Alert rules and what they need.
    pub alerts: Arc<(Vec<crate::rules::alerts::Rule>, crate::services::alerts::Context)>,
    /// The zone planned checks count days, weeks and months in.
    pub zone: chrono_tz::Tz,
    /// Where incident records are kept (private to the operator).
    pub records: std::path::PathBuf,
}

/// How the Tokens tab's actions behave (from config).
#[derive(Clone, Debug)]
pub struct TokenSettings {
    /// What diagnose compares against.
    pub expect: Expectations,
    /// The admin notice.
    pub notify_template: String,
    /// `{app}` in the notice.
    pub app_name: String,
    /// The pause between portals in a bulk refresh.
    pub pace: std::time::Duration,
}

impl Default for TokenSettings {
    fn default() -> Self {
        let cfg = crate::config::Config::default();
        TokenSettings {
            expect: Expectations { scopes: cfg.bitrix.needed_scopes, placements: cfg.bitrix.expected_placements },
            notify_template: cfg.tokens.notify_template,
            app_name: String::new(),
            pace: std::time::Duration::from_millis(cfg.tokens.refresh_pace_ms),
        }
    }
}

impl Runner {
    /// Starts `effect` in the background; its answer goes to `tx`.
    pub fn spawn(&self, effect: Effect, tx: &UnboundedSender<Msg>) {
        let me = self.clone();
        let tx = tx.clone();
        if let Effect::Tasks(TasksEffect::Bulk { action, filter, now }) = effect {
            // A bulk action reports after every batch, so the screen shows it moving.
            tokio::spawn(async move {
                let progress = tx.clone();
                let result = act_on_matching(&me.store, &me.actor, action, &filter, now, |r| {
                    let _ = progress.send(Msg::Tasks(TasksMsg::BulkProgress(r)));
                })
                .await
                .map_err(|e| e.to_string());
                let _ = tx.send(Msg::Tasks(TasksMsg::BulkDone(result)));
            });
            return;
        }
        if let Effect::Tokens(TokensEffect::RefreshExpiring { days }) = effect {
            // One portal at a time, paced, reporting after each.
            tokio::spawn(async move {
                let progress = tx.clone();
                let result = me
                    .refresh_expiring(days, |d, t, a| {
                        let _ = progress.send(Msg::Tokens(TokensMsg::RefreshRunProgress(d, t, a)));
                    })
                    .await;
                let _ = tx.send(Msg::Tokens(TokensMsg::RefreshRunDone(result)));
            });
            return;
        }
        tokio::spawn(async move {
            let msg = me.execute(effect).await;
            let _ = tx.send(msg);
        });
    }

    /// Refreshes every live portal within `days` of token death, one at a time.
    pub async fn refresh_expiring(
        &self,
        days: i64,
        mut progress: impl FnMut(usize, usize, usize),
    ) -> Result<(usize, usize), String> {
        let portals = self.tokens.expiring_within(days, 10_000).await.map_err(|e| e.to_string())?;
        let members: Vec<_> = portals.into_iter().map(|p| p.member_id).collect();
        let report = self.tokens.refresh_run(&self.actor, &members, self.token_settings.pace, &mut progress).await;
        if let Some(why) = report.stopped {
            return Err(why);
        }
        Ok((report.alive(), members.len()))
    }

    /// Runs `effect` to completion (tests call this directly).
    pub async fn execute(&self, effect: Effect) -> Msg {
        match effect {
            Effect::FindPortals { piece, then } => {
                let result = self.store.portals_containing(&piece, crate::tui::limits::PICK_LIMIT).await.map_err(err);
                let result = result.map(|ps| ps.into_iter().map(|p| (p.member_id, p.domain.to_string())).collect());
                Msg::PortalsFound { piece, then, result }
            }
            Effect::LoadFiring(now) => {
                let (rules, ctx) = &*self.alerts;
                let eval = crate::services::alerts::evaluate(&self.store, ctx, rules, now).await;
                match eval.failed.first() {
                    // A rule that cannot be read means the database is in trouble: say so.
                    Some((_, why)) if eval.firing.is_empty() => Msg::Firing(Err(why.clone())),
                    _ => Msg::Firing(Ok(eval.firing.len() as i64)),
                }
            }
            Effect::Ping => Msg::Ping(self.store.ping().await.map_err(err)),
            Effect::Count(what) => {
                let result = match &what {
                    Confirmable::Bulk(_, filter) => self.store.tasks_count(filter).await.map_err(err),
                    Confirmable::Discard(_) | Confirmable::Notify(_) => Ok(1),
                    Confirmable::RefreshExpiring(days) => self
                        .tokens
                        .expiring_within(*days, 10_000)
                        .await
                        .map(|v| v.len() as i64)
                        .map_err(|e| e.to_string()),
                };
                Msg::Counted { what, result }
            }
            Effect::Copy(_) | Effect::EditExternally { .. } => {
                // The event loop runs these itself: they need the terminal.
                Msg::Copied(Err("this needs the terminal".into()))
            }
            // The event loop suspends; without a terminal there is nothing to give back.
            Effect::Suspend => Msg::Resize,
            Effect::LoadIncident => Msg::IncidentLoaded(
                self.store
                    .open_incident()
                    .await
                    .map(|i| {
                        i.map(|i| {
                            let by = crate::services::incidents::respond_by(&i, &self.sla.calendar);
                            (i, by)
                        })
                    })
                    .map_err(err),
            ),
            Effect::Calls(e) => Msg::Calls(self.run_calls(e).await),
            Effect::Errors(e) => Msg::Errors(self.run_errors(e).await),
            Effect::Portal(e) => Msg::Portal(self.run_portal(e).await),
            Effect::Incident(e) => Msg::Incident(self.run_incident(e).await),
            Effect::Tasks(e) => Msg::Tasks(self.run_tasks(e).await),
            Effect::Reviews(e) => Msg::Reviews(self.run_reviews(e).await),
            Effect::Audit(e) => Msg::Audit(self.run_audit(e).await),
            Effect::Tokens(e) => Msg::Tokens(self.run_tokens(e).await),
            Effect::Tickets(e) => Msg::Tickets(self.run_tickets(e).await),
            Effect::Alerts(e) => Msg::Alerts(self.run_alerts(e).await),
            Effect::Maintenance(e) => Msg::Maintenance(self.run_maintenance(e).await),
        }
    }

    /// Runs one of the Calls tab's effects.
    async fn run_calls(&self, effect: CallsEffect) -> CallsMsg {
        match effect {
            CallsEffect::Load { generation, filter, dir } => {
                let result = self.store.calls_page(&filter, dir, PAGE).await.map_err(err);
                CallsMsg::Loaded { generation, dir, result }
            }
            CallsEffect::LoadDetail(id) => {
                CallsMsg::Detail { id, result: self.store.call_detail(id).await.map_err(err) }
            }
        }
    }

    /// Runs one of the Errors tab's effects.
    async fn run_errors(&self, effect: ErrorsEffect) -> ErrorsMsg {
        match effect {
            ErrorsEffect::LoadSample(key) => {
                let result = crate::services::error_sample::newest(&self.store, key.0.as_deref(), &key.1).await;
                ErrorsMsg::SampleLoaded(key, result.map_err(err))
            }
            ErrorsEffect::Load { generation, group_by, limit, search, now } => {
                let w = ErrorWindow { now, window: Duration::minutes(15), threshold_15m: self.threshold_15m };
                let result = crate::services::error_search::groups_matching(&self.store, w, group_by, &search, limit)
                    .await
                    .map_err(err);
                ErrorsMsg::Loaded { generation, result, as_of: now }
            }
        }
    }

    /// Runs one of the Portal view's effects.
    async fn run_portal(&self, effect: PortalEffect) -> PortalMsg {
        match effect {
            PortalEffect::Load { generation, who, now } => {
                let result =
                    portal_overview(&self.store, &who, now, &self.policy, self.threshold_15m).await.map_err(err);
                PortalMsg::Loaded { generation, result }
            }
        }
    }

    /// Runs one of the Incident view's effects.
    async fn run_incident(&self, effect: IncidentEffect) -> IncidentMsg {
        match effect {
            IncidentEffect::Command { verb, text, now } => {
                use crate::services::incidents as inc;
                let result = match verb {
                    "declare" => {
                        let (severity, portals, title) = inc::parse_declaration(&text);
                        inc::declare(&self.store, &self.actor, &title, &severity, &portals, now)
                            .await
                            .map(|id| format!("incident #{id} declared ({severity}); the response clock runs"))
                    }
                    "note" => inc::note(&self.store, &self.actor, &text, now)
                        .await
                        .map(|id| format!("noted in incident #{id}")),
                    _ => {
                        let (cal, dir) = (&self.sla.calendar, &self.records);
                        resolve_and_record(&self.store, &self.actor, &text, cal, dir, now).await
                    }
                };
                IncidentMsg::Done(result.map_err(|e| e.to_string()))
            }
            IncidentEffect::Load { generation, now } => {
                let result = incident_sheet(&self.store, &self.sla.calendar, &self.records, now).await;
                IncidentMsg::Loaded { generation, result: result.map(|s| s.map(Box::new)).map_err(err) }
            }
        }
    }

    /// Runs one of the Tasks tab's effects.
    async fn run_tasks(&self, effect: TasksEffect) -> TasksMsg {
        match effect {
            TasksEffect::Load { generation, filter } => {
                TasksMsg::Loaded { generation, result: self.store.tasks_list(&filter, TASK_LIMIT).await.map_err(err) }
            }
            TasksEffect::LoadDetail(id) => {
                TasksMsg::DetailLoaded { id, result: self.store.task_detail(id).await.map_err(err) }
            }
            TasksEffect::Act { action, ids, now } => {
                let result = act_on(&self.store, &self.actor, action, &ids, now).await.map_err(|e| e.to_string());
                TasksMsg::Acted { action, result }
            }
            TasksEffect::Bulk { action, filter, now } => {
                let result = act_on_matching(&self.store, &self.actor, action, &filter, now, |_| {})
                    .await
                    .map_err(|e| e.to_string());
                TasksMsg::BulkDone(result)
            }
        }
    }

    /// Runs one of the Reviews tab's effects.
    async fn run_reviews(&self, effect: ReviewsEffect) -> ReviewsMsg {
        match effect {
            ReviewsEffect::Load { generation, filter, now } => ReviewsMsg::Loaded {
                generation,
                result: inbox(&self.store, &filter, REVIEW_LIMIT, &self.review_policy, now).await.map_err(err),
            },
            ReviewsEffect::LoadDetail(id) => {
                ReviewsMsg::DetailLoaded { id, result: self.store.review_detail(id).await.map_err(err) }
            }
            ReviewsEffect::OpenEditor { id, external } => {
                ReviewsMsg::EditorReady { id, external, result: self.store.review_detail(id).await.map_err(err) }
            }
            ReviewsEffect::LoadEditorContext { id, member_id, now } => {
                let who = PortalRef::Member(member_id);
                let result =
                    portal_overview(&self.store, &who, now, &self.policy, self.threshold_15m).await.map_err(err);
                ReviewsMsg::EditorContext { id, result }
            }
            ReviewsEffect::SaveDraft { id, version, text, now } => {
                let result = reviews::save_draft(&self.store, &self.actor, id, version, &text, now)
                    .await
                    .map_err(|e| e.to_string());
                // After a conflict the editor shows what the other writer saved.
                let theirs = match result {
                    Ok(crate::store::DraftOutcome::Conflict) => self.store.review_detail(id).await.ok().flatten(),
                    _ => None,
                };
                ReviewsMsg::DraftSaved { id, text, result, theirs }
            }
            ReviewsEffect::MarkReply { id, action, now } => ReviewsMsg::ReplyMarked {
                id,
                result: reviews::mark(&self.store, &self.actor, id, action, now).await.map_err(|e| e.to_string()),
            },
            ReviewsEffect::Add { review, now } => {
                ReviewsMsg::Added(reviews::add(&self.store, &self.actor, &review, now).await.map_err(|e| e.to_string()))
            }
            ReviewsEffect::Import { path, now } => {
                let result = reviews::import_file(&self.store, &self.actor, &path, now).await;
                ReviewsMsg::Imported(result.map(|r| reviews::describe_import(&path, &r)).map_err(|e| e.to_string()))
            }
        }
    }

    /// Runs one of the Audit tab's effects.
    async fn run_audit(&self, effect: AuditEffect) -> AuditMsg {
        match effect {
            AuditEffect::Load { generation, search } => AuditMsg::Loaded {
                generation,
                result: self.store.audit_matching(None, &search, AUDIT_LIMIT).await.map_err(err),
            },
        }
    }

    /// Runs one of the Tokens tab's effects.
    async fn run_tokens(&self, effect: TokensEffect) -> TokensMsg {
        match effect {
            TokensEffect::Load { generation, search } => TokensMsg::Loaded {
                generation,
                result: self
                    .tokens
                    .board_matching(&search, crate::tui::limits::TOKEN_LIMIT)
                    .await
                    .map_err(|e| e.to_string()),
            },
            TokensEffect::Refresh(member_id) => {
                let result = self.tokens.refresh(&self.actor, &member_id).await.map_err(|e| e.to_string());
                TokensMsg::Refreshed { member_id, result }
            }
            TokensEffect::RefreshExpiring { days } => {
                TokensMsg::RefreshRunDone(self.refresh_expiring(days, |_, _, _| {}).await)
            }
            TokensEffect::Diagnose(member_id) => {
                let result = diagnose(&self.tokens, &self.actor, &member_id, &self.token_settings.expect)
                    .await
                    .map_err(|e| e.to_string());
                TokensMsg::Diagnosed { member_id, result }
            }
            TokensEffect::PrepareNotice(member_id) => {
                let t = &self.token_settings;
                let result =
                    prepare_notice(&self.tokens, &self.actor, &member_id, &t.expect, &t.notify_template, &t.app_name)
                        .await
                        .map_err(|e| e.to_string());
                TokensMsg::NoticePrepared { member_id, result }
            }
            TokensEffect::NotifyAdmin(notice) => {
                let result = send_notice(&self.tokens, &self.actor, &notice).await.map_err(|e| e.to_string());
                let member_id = crate::model::MemberId::from_db(&notice.member_id);
                TokensMsg::Notified { member_id, result }
            }
        }
    }

    /// Runs one of the Tickets tab's effects.
    async fn run_tickets(&self, effect: TicketsEffect) -> TicketsMsg {
        match effect {
            TicketsEffect::Load { generation, all, search, now } => {
                let scope = if all { TicketScope::All } else { TicketScope::Open };
                let limit = crate::tui::limits::TICKET_LIMIT;
                let result =
                    tickets::queue_matching(&self.store, &self.sla, scope, &search, limit, now).await.map_err(err);
                TicketsMsg::Loaded { generation, result }
            }
            TicketsEffect::LoadThread(id) => TicketsMsg::ThreadLoaded {
                id,
                result: self.store.ticket_messages(id, crate::tui::limits::THREAD_LIMIT).await.map_err(err),
            },
            TicketsEffect::Change { id, change, now } => {
                let what = tickets::describe_change(&change);
                let result =
                    tickets::change(&self.store, &self.actor, id, change, now).await.map_err(|e| e.to_string());
                TicketsMsg::Changed { id, what, result }
            }
            TicketsEffect::Attach { id, who, now } => {
                let result = tickets::attach(&self.store, &self.actor, id, &who, now).await.map_err(|e| e.to_string());
                TicketsMsg::Changed { id, what: format!("attached to {who}"), result }
            }
        }
    }

    /// Runs one of the Alerts tab's effects.
    async fn run_alerts(&self, effect: AlertsEffect) -> AlertsMsg {
        match effect {
            AlertsEffect::Load { generation, now } => {
                let (rules, ctx) = &*self.alerts;
                let result = crate::services::alerts::board(&self.store, ctx, rules, now).await.map_err(err);
                AlertsMsg::Loaded { generation, result }
            }
            AlertsEffect::Quiet { row, until, now } => {
                let what = match until {
                    None => format!("acknowledged: {}", row.firing.figure.summary),
                    Some(u) => format!("snoozed until {}: {}", u.format("%H:%M UTC"), row.firing.figure.summary),
                };
                let result = crate::services::alerts::quiet(&self.store, &self.actor, &row, until, now)
                    .await
                    .map_err(|e| e.to_string());
                AlertsMsg::Quieted(what, result)
            }
        }
    }

    /// Runs one of the Maintenance tab's effects.
    async fn run_maintenance(&self, effect: MaintenanceEffect) -> MaintenanceMsg {
        match effect {
            MaintenanceEffect::Load { generation, now } => {
                let (_, ctx) = &*self.alerts;
                let result =
                    crate::services::maintenance::report(&self.store, self.zone, &ctx.tokens, &ctx.reviews, now)
                        .await
                        .map_err(err);
                MaintenanceMsg::Loaded { generation, result }
            }
            MaintenanceEffect::MarkCheckDone { check, note, now } => {
                let result = crate::services::maintenance::mark_done(
                    &self.store,
                    &self.actor,
                    self.zone,
                    check,
                    Some(&note),
                    now,
                )
                .await
                .map_err(|e| e.to_string());
                MaintenanceMsg::CheckMarked(check, result)
            }
        }
    }
}

/// A failed query, logged, as the text the console shows.
fn err(e: crate::store::StoreError) -> String {
    tracing::warn!(error = %e, "query failed");
    e.to_string()
}
