//! `b24ops incident declare|note|show|resolve`.

use color_eyre::eyre::{Result, WrapErr, eyre};

use super::Ctx;
use super::report::{emit, json_text, open};
use crate::cli::IncidentVerb;
use crate::model::{MemberId, for_output};
use crate::services::incidents::{declare, markdown, note, portals_of, resolve, respond_by, timeline};
use crate::services::tasks::Actor;

/// Runs an `incident` verb.
pub async fn run(ctx: &Ctx, verb: IncidentVerb) -> Result<()> {
    let cal = ctx.cfg.sla.rules(&ctx.cfg.timezone)?.calendar;
    let store = open(ctx).await?;
    let actor = Actor { operator: ctx.cfg.operator_name(), read_only: ctx.cfg.read_only };
    let now = ctx.clock.now();
    let result: Result<String> = async {
        match verb {
            IncidentVerb::Declare { title, severity, member_ids } => {
                let m: Vec<MemberId> =
                    member_ids.iter().map(|m| MemberId::parse(m).map_err(|e| eyre!("{e}"))).collect::<Result<_>>()?;
                let id = declare(&store, &actor, &title, &severity, &m, now).await?;
                let i = store.incident(id).await?.ok_or_else(|| eyre!("incident #{id} vanished"))?;
                let by = respond_by(&i, &cal)
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_else(|| "never (no working time)".into());
                Ok(format!("incident #{id} declared ({severity}); respond by {by}\n"))
            }
            IncidentVerb::Note { text } => {
                Ok(format!("noted in incident #{}\n", note(&store, &actor, &text, now).await?))
            }
            IncidentVerb::Show { id, json } => {
                let i = match id {
                    Some(id) => store.incident(id).await?,
                    None => store.open_incident().await?,
                }
                .ok_or_else(|| eyre!("no such incident (and none open)"))?;
                let entries = timeline(&store, &i, now).await?;
                let portals = portals_of(&store, &i).await?;
                if json {
                    let doc = serde_json::json!({"incident": i, "portals": portals, "respond_by": respond_by(&i, &cal), "timeline": entries});
                    json_text(&doc)
                } else {
                    Ok(markdown(&i, &portals, respond_by(&i, &cal), &entries))
                }
            }
            IncidentVerb::Resolve { summary, out } => {
                let md = resolve(&store, &actor, &summary, &cal, now).await?;
                match out {
                    Some(path) => {
                        std::fs::write(&path, for_output(&md))
                            .wrap_err_with(|| format!("cannot write {}", path.display()))?;
                        Ok(format!("resolved; the record is in {}\n", path.display()))
                    }
                    None => Ok(md),
                }
            }
        }
    }
    .await;
    store.close().await;
    emit(&result?)
}
