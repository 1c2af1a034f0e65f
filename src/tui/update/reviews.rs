//! The Reviews tab: the inbox by deadline, the reply editor (templates, autosave, `$EDITOR`),
//! copy over SSH, marking replies ready or published, and adding a review by hand.

use crate::tui::limits::AUTOSAVE_AFTER_SECS;
use chrono::{DateTime, Duration, Utc};

use super::{Effect, Outcome, db_failed, flash};
use crate::model::{ReviewDetail, SafeText};
use crate::rules::review_filter::ReviewFilter;
use crate::rules::review_import::review_from_form;
use crate::rules::reviews::ReplyAction;
use crate::rules::templates::unfilled;
use crate::services::overview::{PortalOverview, PortalRef};
use crate::services::reviews::{DRAFT_MAX, InboxEntry, describe_mark, nth_template, template_vars};
use crate::store::{DraftOutcome, MarkOutcome};
use crate::tui::commands::Command;
use crate::tui::editor::{EditorKey, FormKey, ReplyEditor, ReviewForm};
use crate::tui::list_tab::clamp;
use crate::tui::state::{AppState, Loadable, Overlay};
use crate::tui::tabs::{ReviewsEffect, ReviewsMsg};

/// Loads the inbox, showing a loading state.
pub fn reload(state: &mut AppState) -> Vec<Effect> {
    state.reviews.list.show_loading();
    reload_quietly(state)
}

/// Loads the inbox, keeping the current one on screen meanwhile.
pub fn reload_quietly(state: &mut AppState) -> Vec<Effect> {
    state.reviews.list.next_load();
    vec![Effect::Reviews(ReviewsEffect::Load {
        generation: state.reviews.list.generation,
        filter: state.reviews.filter.clone(),
        now: state.now,
    })]
}

/// Sets a new filter and reloads.
pub fn set_filter(state: &mut AppState, filter: ReviewFilter) -> Vec<Effect> {
    state.reviews.filter = filter;
    state.reviews.list.selected = 0;
    state.reviews.list.rows = Loadable::Loading;
    reload_quietly(state)
}

/// The inbox arrived.
/// The inbox arrived. `changed` says whether the screen needs a frame: a quiet refresh that
/// finds the same reviews draws nothing.
pub fn loaded(state: &mut AppState, generation: u64, result: Result<Vec<InboxEntry>, String>) -> (Vec<Effect>, bool) {
    if !state.reviews.list.is_current(generation) {
        return (vec![], false);
    }
    match result {
        Ok(entries) if matches!(&state.reviews.list.rows, Loadable::Ready(old) if *old == entries) => {
            (detail_for_selection(state, true), false)
        }
        Ok(entries) => {
            let keep = state.reviews.selected_entry().map(|e| e.review.id);
            let idx = keep
                .and_then(|id| entries.iter().position(|e| e.review.id == id))
                .unwrap_or(state.reviews.list.selected);
            state.reviews.list.selected = clamp(idx, entries.len());
            state.reviews.list.show(entries);
            // The draft may have changed elsewhere (another console, the CLI): copy must copy
            // what is stored, so the selected review is re-read with every refresh.
            (detail_for_selection(state, true), true)
        }
        Err(e) => {
            state.reviews.list.rows = Loadable::Failed(e.clone());
            db_failed(state, e);
            (vec![], true)
        }
    }
}

fn detail_for_selection(state: &mut AppState, force: bool) -> Vec<Effect> {
    match state.reviews.selected_entry().map(|e| e.review.id) {
        Some(id) if force || state.reviews.detail.as_ref().map(|d| d.row.id) != Some(id) => {
            vec![Effect::Reviews(ReviewsEffect::LoadDetail(id))]
        }
        Some(_) => vec![],
        None => {
            state.reviews.detail = None;
            vec![]
        }
    }
}

/// A review's detail arrived.
/// A review's detail arrived; whether the screen changed.
pub fn detail(state: &mut AppState, id: i64, result: Result<Option<ReviewDetail>, String>) -> bool {
    if state.reviews.selected_entry().map(|e| e.review.id) != Some(id) {
        return false;
    }
    match result {
        Ok(d) if d == state.reviews.detail => false,
        Ok(d) => {
            state.reviews.detail = d;
            true
        }
        Err(e) => {
            db_failed(state, e);
            true
        }
    }
}

fn selected_id(state: &AppState) -> Option<i64> {
    state.reviews.selected_entry().map(|e| e.review.id)
}

/// Keys of the Reviews tab.
pub fn command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Up | Command::Down | Command::PageUp | Command::PageDown | Command::Top | Command::Bottom => {
            state.reviews.list.move_by(cmd, 10);
            detail_for_selection(state, false)
        }
        Command::EditReply | Command::EditReplyExternally => match selected_id(state) {
            Some(id) => {
                vec![Effect::Reviews(ReviewsEffect::OpenEditor { id, external: cmd == Command::EditReplyExternally })]
            }
            None => vec![],
        },
        Command::CopyReply => copy_selected(state),
        Command::MarkReady | Command::MarkPublished => match selected_id(state) {
            Some(id) => {
                let action =
                    if cmd == Command::MarkReady { ReplyAction::MarkReady } else { ReplyAction::MarkPublished };
                vec![Effect::Reviews(ReviewsEffect::MarkReply { id, action, now: state.now })]
            }
            None => vec![],
        },
        Command::AddReview => {
            state.overlay = Some(Overlay::AddReview(Box::new(ReviewForm::new(state.now))));
            vec![]
        }
        Command::ToggleAllStatuses => {
            let mut f = state.reviews.filter.clone();
            f.open_only = !f.open_only;
            if f.open_only && f.status.is_some_and(|s| !s.is_open()) {
                f.status = None;
            }
            set_filter(state, f)
        }
        Command::ToggleDetail => {
            state.show_detail = !state.show_detail;
            vec![]
        }
        Command::OpenPortal => match state.reviews.selected_entry().and_then(|e| e.review.member_id.clone()) {
            Some(m) => super::open_portal(state, PortalRef::Member(m)),
            None => {
                flash(state, "this review's portal is not known (no member_id)", true);
                vec![]
            }
        },
        _ => vec![],
    }
}

fn copy_selected(state: &mut AppState) -> Vec<Effect> {
    let Some(id) = selected_id(state) else { return vec![] };
    match state.reviews.detail.as_ref().filter(|d| d.row.id == id) {
        None => {
            flash(state, "still loading the review — try again", true);
            vec![]
        }
        Some(d) => match d.reply_draft.as_ref().filter(|t| !t.as_str().trim().is_empty()) {
            None => {
                flash(state, format!("review #{id} has no reply draft to copy — e writes one"), true);
                vec![]
            }
            Some(t) => {
                let text = t.as_str().to_owned();
                let left = unfilled(&text);
                // A reply with a {placeholder} left is not copied on the first y: the warning
                // would be gone under "copied" before anyone read it.
                if !left.is_empty() && state.reviews.copy_anyway != Some(id) {
                    state.reviews.copy_anyway = Some(id);
                    let msg = format!(
                        "review #{id}: the reply still has {{{}}} — fill it, or y again copies anyway",
                        left.join("}, {")
                    );
                    flash(state, msg, true);
                    return vec![];
                }
                state.reviews.copy_anyway = None;
                vec![Effect::Copy(text)]
            }
        },
    }
}

fn editor(state: &mut AppState) -> Option<&mut ReplyEditor> {
    match state.overlay.as_mut() {
        Some(Overlay::ReplyEditor(e)) => Some(e),
        _ => None,
    }
}

/// The review arrived for the editor: open it (and `$EDITOR` if asked).
pub fn editor_ready(
    state: &mut AppState,
    id: i64,
    external: bool,
    result: Result<Option<ReviewDetail>, String>,
) -> Vec<Effect> {
    let review = match result {
        Ok(Some(r)) => r,
        Ok(None) => {
            flash(state, format!("review #{id} no longer exists"), true);
            return reload_quietly(state);
        }
        Err(e) => {
            flash(state, format!("cannot open review #{id}: {e}"), true);
            return vec![];
        }
    };
    if state.overlay.is_some() {
        return vec![];
    }
    let member = review.row.member_id.clone();
    let mut ed = ReplyEditor::new(review);
    let mut fx = Vec::new();
    if let Some(m) = member {
        ed.context = Loadable::Loading;
        fx.push(Effect::Reviews(ReviewsEffect::LoadEditorContext { id, member_id: m, now: state.now }));
    }
    if external {
        fx.push(Effect::EditExternally { id, text: ed.text() });
    }
    state.overlay = Some(Overlay::ReplyEditor(Box::new(ed)));
    fx
}

/// The portal context beside the editor arrived.
pub fn editor_context(state: &mut AppState, id: i64, result: Result<Option<PortalOverview>, String>) {
    let Some(ed) = editor(state).filter(|e| e.review.row.id == id) else { return };
    ed.context = match result {
        Ok(Some(o)) => Loadable::Ready(Box::new(o)),
        Ok(None) => Loadable::Failed("portal not found".into()),
        Err(e) => Loadable::Failed(e),
    };
}

fn save(ed: &mut ReplyEditor, now: DateTime<Utc>, overwrite: bool) -> Vec<Effect> {
    if ed.saving {
        return vec![];
    }
    let version = match (overwrite, ed.conflict_version) {
        (true, Some(theirs)) => theirs,
        (false, Some(_)) => return vec![],
        _ => ed.version,
    };
    ed.saving = true;
    vec![Effect::Reviews(ReviewsEffect::SaveDraft { id: ed.review.row.id, version, text: ed.text(), now })]
}

/// A key for the open reply editor.
pub fn editor_key(state: &mut AppState, key: crossterm::event::KeyEvent) -> Vec<Effect> {
    let now = state.now;
    let settings = state.review_settings.clone();
    let operator = state.operator.clone();
    let Some(ed) = editor(state) else { return vec![] };
    match ed.input(key) {
        EditorKey::Nothing => vec![],
        EditorKey::Edited => {
            ed.last_change = Some(now);
            vec![]
        }
        EditorKey::Save => {
            if !ed.dirty() && ed.conflict_version.is_none() {
                ed.note = Some(("nothing to save".into(), false));
                return vec![];
            }
            save(ed, now, true)
        }
        EditorKey::Close => {
            if ed.dirty() {
                ed.close_when_saved = true;
                if ed.conflict_version.is_some() {
                    ed.note = Some(("resolve the conflict first: Ctrl-S keeps yours, Ctrl-Q drops yours".into(), true));
                    ed.close_when_saved = false;
                    return vec![];
                }
                return save(ed, now, false);
            }
            state.overlay = None;
            reload_quietly(state)
        }
        EditorKey::Discard => {
            if ed.saving {
                // Its version is not known yet: a restore now would be refused as a conflict.
                ed.note = Some(("a save is on its way — Ctrl-Q again in a moment".into(), true));
                return vec![];
            }
            // After a conflict Ctrl-Q keeps what the other writer saved; otherwise it puts back
            // the text the editor opened on, even when autosave already stored newer text.
            let restore = ed.stored_since_open() && ed.conflict_version.is_none();
            let dropped = ed.dirty();
            let (id, version, text) = (ed.review.row.id, ed.version, ed.opened_text.clone());
            state.overlay = None;
            if restore {
                flash(state, format!("review #{id}: the reply is back as it was when you opened it"), false);
                return vec![Effect::Reviews(ReviewsEffect::SaveDraft { id, version, text, now })];
            }
            if dropped {
                flash(state, "unsaved changes dropped", false);
            }
            reload_quietly(state)
        }
        EditorKey::NextTemplate => {
            if !ed.may_apply_template() {
                ed.note = Some((
                    "Ctrl-T replaces only an empty draft or an untouched template — this one has your edits".into(),
                    true,
                ));
                return vec![];
            }
            let context = match &ed.context {
                Loadable::Ready(o) => Some(o.as_ref()),
                _ => None,
            };
            let r = &ed.review.row;
            let vars = template_vars(r.author.as_str(), r.rating, &settings.app_name, &operator, context);
            match nth_template(&settings.templates, r.rating, ed.template_turn, &vars) {
                None => ed.note = Some((format!("no template suits {} stars", r.rating), true)),
                Some((name, text)) => {
                    // The footer lists any placeholder left to fill.
                    ed.apply_template(name.clone(), text, now);
                    ed.note = Some((format!("template {name:?} (Ctrl-T: next)"), false));
                }
            }
            vec![]
        }
        EditorKey::External => vec![Effect::EditExternally { id: ed.review.row.id, text: ed.text() }],
    }
}

/// Pasted text goes into the editor or form.
pub fn paste(state: &mut AppState, text: &str) {
    let now = state.now;
    match state.overlay.as_mut() {
        Some(Overlay::ReplyEditor(ed)) => ed.paste(text, now),
        Some(Overlay::AddReview(form)) => form.paste(text),
        _ => {}
    }
}

/// Saves the draft once typing has paused.
pub fn autosave(state: &mut AppState) -> Vec<Effect> {
    let now = state.now;
    let Some(ed) = editor(state) else { return vec![] };
    let paused = ed.last_change.is_some_and(|t| now - t >= Duration::seconds(AUTOSAVE_AFTER_SECS));
    if paused && ed.dirty() && !ed.saving && ed.conflict_version.is_none() {
        return save(ed, now, false);
    }
    vec![]
}

/// A draft save finished.
pub fn draft_saved(
    state: &mut AppState,
    id: i64,
    text: String,
    result: Result<DraftOutcome, String>,
    theirs: Option<ReviewDetail>,
) -> Vec<Effect> {
    let now = state.now;
    let Some(ed) = editor(state).filter(|e| e.review.row.id == id) else {
        // Saved after the editor closed (Ctrl-Q raced an autosave): the list shows the truth.
        return reload_quietly(state);
    };
    ed.saving = false;
    match result {
        Ok(DraftOutcome::Saved { status, version }) => {
            ed.saved(text, version);
            ed.review.row.reply_status = status;
            ed.note = Some((format!("saved · reply is {status}"), false));
        }
        Ok(DraftOutcome::Unchanged) => ed.in_sync(text),
        Ok(DraftOutcome::Conflict) => {
            ed.close_when_saved = false;
            ed.conflict_version = Some(theirs.as_ref().and_then(|t| t.reply_updated_at));
            let their_text = theirs
                .as_ref()
                .and_then(|t| t.reply_draft.as_ref())
                .map(|d| crate::model::ellipsize(SafeText::line(d.as_str()).as_str(), 60))
                .unwrap_or_else(|| "(empty)".into());
            ed.note = Some((
                format!(
                    "saved by someone else meanwhile: “{their_text}” — Ctrl-S overwrites with yours, Ctrl-Q keeps theirs"
                ),
                true,
            ));
            return vec![];
        }
        Ok(DraftOutcome::Refused(e)) => {
            ed.close_when_saved = false;
            ed.note = Some((format!("not saved: {e}"), true));
            return vec![];
        }
        Ok(DraftOutcome::Missing) => {
            ed.close_when_saved = false;
            ed.note = Some(("not saved: the review was deleted — copy your text out (Ctrl-O)".into(), true));
            return vec![];
        }
        Err(e) => {
            ed.close_when_saved = false;
            // Retried by autosave after the usual pause; the text stays here meanwhile.
            ed.last_change = Some(now);
            ed.note = Some((format!("not saved, will retry: {e}"), true));
            return vec![];
        }
    }
    if ed.close_when_saved && !ed.dirty() {
        state.overlay = None;
        flash(state, format!("review #{id}: draft saved"), false);
    }
    // The reloaded inbox re-reads the selected review's detail too.
    reload_quietly(state)
}

/// Marking a reply finished.
pub fn marked(state: &mut AppState, id: i64, result: Result<MarkOutcome, String>) -> Vec<Effect> {
    match result {
        Ok(o) => {
            let ok = matches!(o, MarkOutcome::Changed(..));
            flash(state, describe_mark(id, &o), !ok);
        }
        Err(e) => flash(state, format!("review #{id}: {e}"), true),
    }
    // The reloaded inbox re-reads the selected review's detail too.
    reload_quietly(state)
}

/// A key for the "add a review" form.
pub fn form_key(state: &mut AppState, key: crossterm::event::KeyEvent) -> Vec<Effect> {
    let now = state.now;
    let Some(Overlay::AddReview(form)) = state.overlay.as_mut() else { return vec![] };
    match form.input(key) {
        FormKey::Editing => vec![],
        FormKey::Cancel => {
            state.overlay = None;
            flash(state, "no review added", false);
            vec![]
        }
        FormKey::Submit => {
            let fields: Vec<String> = (0..6).map(|i| form.value(i)).collect();
            match review_from_form(&fields, now) {
                Ok(review) => vec![Effect::Reviews(ReviewsEffect::Add { review, now })],
                Err(e) => {
                    form.error = Some(e);
                    vec![]
                }
            }
        }
    }
}

/// Adding a review finished.
pub fn added(state: &mut AppState, result: Result<Option<i64>, String>) -> Vec<Effect> {
    match result {
        Ok(Some(id)) => {
            state.overlay = None;
            flash(state, format!("added review #{id}"), false);
            reload_quietly(state)
        }
        Ok(None) => {
            if let Some(Overlay::AddReview(form)) = state.overlay.as_mut() {
                form.error = Some("a review with this Marketplace id exists already".into());
            }
            vec![]
        }
        Err(e) => {
            if let Some(Overlay::AddReview(form)) = state.overlay.as_mut() {
                form.error = Some(format!("not added: {e}"));
            }
            vec![]
        }
    }
}

/// A review import finished: say what it did and show the inbox.
pub fn imported(state: &mut AppState, result: Result<String, String>) -> Vec<Effect> {
    match result {
        Ok(summary) => {
            flash(state, summary, false);
            state.screen = crate::tui::state::Screen::Reviews;
            reload(state)
        }
        Err(e) => {
            // A refused file names its bad lines on several; the status line has one.
            let first = e.lines().take(2).collect::<Vec<_>>().join(" · ");
            flash(state, format!("import refused, nothing changed: {first}"), true);
            vec![]
        }
    }
}

/// `$EDITOR` closed: its text replaces the editor's, and autosave takes it from there.
pub fn external_edited(state: &mut AppState, id: i64, result: Result<String, String>) -> Vec<Effect> {
    let now = state.now;
    let Some(ed) = editor(state).filter(|e| e.review.row.id == id) else { return vec![] };
    match result {
        Ok(text) => {
            let text = text.trim_end().to_owned();
            let chars = text.chars().count();
            if chars > DRAFT_MAX {
                // Refused whole: a cut draft would be saved with the cut's note as its text.
                ed.note = Some((
                    format!("$EDITOR left {chars} characters; a reply holds at most {DRAFT_MAX}: nothing changed"),
                    true,
                ));
                return vec![];
            }
            if text != ed.text() {
                ed.set_text(&text, now);
                ed.note = Some(("text from $EDITOR — saving".into(), false));
                return save(ed, now, false);
            }
            ed.note = Some(("$EDITOR made no change".into(), false));
        }
        Err(e) => ed.note = Some((format!("$EDITOR: {e}"), true)),
    }
    vec![]
}

/// Applies one of the Reviews tab's answers.
pub(super) fn on(state: &mut AppState, msg: ReviewsMsg) -> Outcome {
    match msg {
        ReviewsMsg::Loaded { generation, result } => {
            let (effects, dirty) = loaded(state, generation, result);
            Outcome { effects, dirty }
        }
        ReviewsMsg::DetailLoaded { id, result } => Outcome { effects: vec![], dirty: detail(state, id, result) },
        ReviewsMsg::EditorReady { id, external, result } => Outcome::redraw(editor_ready(state, id, external, result)),
        ReviewsMsg::EditorContext { id, result } => {
            editor_context(state, id, result);
            Outcome::redraw(vec![])
        }
        ReviewsMsg::DraftSaved { id, text, result, theirs } => {
            Outcome::redraw(draft_saved(state, id, text, result, theirs))
        }
        ReviewsMsg::ReplyMarked { id, result } => Outcome::redraw(marked(state, id, result)),
        ReviewsMsg::Added(result) => Outcome::redraw(added(state, result)),
        ReviewsMsg::Imported(result) => Outcome::redraw(imported(state, result)),
        ReviewsMsg::ExternalEdited { id, result } => Outcome::redraw(external_edited(state, id, result)),
    }
}
