//! The reply editor and the "add a review" form: text areas with the keys around them. They hold
//! what is being typed and say what a key asked for; `update` decides what that does.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use super::loadable::Loadable;
use crate::model::ReviewDetail;
use crate::services::overview::PortalOverview;

/// What a key in the reply editor asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditorKey {
    /// The text changed.
    Edited,
    /// Ctrl-S: save now.
    Save,
    /// Esc: save if needed, then close.
    Close,
    /// Ctrl-Q: close, putting the text back as it was when the editor opened.
    Discard,
    /// Ctrl-T: the next template for this rating.
    NextTemplate,
    /// Ctrl-O: continue in `$EDITOR`.
    External,
    /// Nothing that matters (cursor moves).
    Nothing,
}

/// The reply editor's keys, for the hint bar while it has focus (every other key is text).
pub const EDITOR_KEYS: &[(&str, &str)] = &[
    ("Ctrl-S", "save"),
    ("Esc", "save & close"),
    ("Ctrl-Q", "undo all & close"),
    ("Ctrl-T", "template"),
    ("Ctrl-O", "$EDITOR"),
];

/// The reply editor for one review.
#[derive(Debug)]
pub struct ReplyEditor {
    /// The review, as loaded when the editor opened.
    pub review: ReviewDetail,
    area: TextArea<'static>,
    /// The draft's version the next save must match.
    pub version: Option<DateTime<Utc>>,
    /// The text as last saved (or loaded).
    saved: String,
    /// The text as it was when the editor opened: what Ctrl-Q puts back, autosaves or not.
    pub opened_text: String,
    /// When the text last changed (autosave waits for a pause).
    pub last_change: Option<DateTime<Utc>>,
    /// A save is on its way.
    pub saving: bool,
    /// Close once the save in flight succeeds.
    pub close_when_saved: bool,
    /// Which template Ctrl-T shows next.
    pub template_turn: usize,
    /// The text of the template last applied, to tell whether it has been edited since.
    applied: Option<String>,
    /// The template applied last, by name.
    pub template_name: Option<String>,
    /// The portal's context beside the editor.
    pub context: Loadable<Box<PortalOverview>>,
    /// The last message (text, is-error).
    pub note: Option<(String, bool)>,
    /// After a conflict: the version someone else saved. Ctrl-S again overwrites it.
    pub conflict_version: Option<Option<DateTime<Utc>>>,
}

impl ReplyEditor {
    /// An editor on `review`'s draft.
    pub fn new(review: ReviewDetail) -> Self {
        let text = review.reply_draft.as_ref().map(|d| d.as_str().to_owned()).unwrap_or_default();
        let mut area = TextArea::from(text.lines().map(str::to_owned).collect::<Vec<_>>());
        area.set_placeholder_text("Write the reply, or Ctrl-T for a template");
        area.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
        area.set_cursor_line_style(ratatui::style::Style::default());
        area.move_cursor(ratatui_textarea::CursorMove::Bottom);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        ReplyEditor {
            version: review.reply_updated_at,
            review,
            area,
            opened_text: text.clone(),
            saved: text,
            last_change: None,
            saving: false,
            close_when_saved: false,
            template_turn: 0,
            applied: None,
            template_name: None,
            context: Loadable::Idle,
            note: None,
            conflict_version: None,
        }
    }

    /// The text being written.
    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    /// Characters in the text.
    pub fn chars(&self) -> usize {
        self.area.lines().iter().map(|l| l.chars().count()).sum::<usize>() + self.area.lines().len().saturating_sub(1)
    }

    /// True when the text differs from what was last saved.
    pub fn dirty(&self) -> bool {
        self.text().trim_end() != self.saved.trim_end()
    }

    /// True when the database holds other text than the editor opened on (autosave wrote it).
    pub fn stored_since_open(&self) -> bool {
        self.saved.trim_end() != self.opened_text.trim_end()
    }

    /// The widget to draw.
    pub fn widget(&self) -> &TextArea<'static> {
        &self.area
    }

    /// True when a template may replace the text: it is empty, or an unedited template.
    pub fn may_apply_template(&self) -> bool {
        let t = self.text();
        t.trim().is_empty() || self.applied.as_deref() == Some(t.as_str())
    }

    /// Replaces the text with a template's.
    pub fn apply_template(&mut self, name: String, text: String, now: DateTime<Utc>) {
        self.set_text(&text, now);
        // From the top: the operator reads the template through and fills its placeholders.
        self.area.move_cursor(ratatui_textarea::CursorMove::Top);
        self.area.move_cursor(ratatui_textarea::CursorMove::Head);
        self.applied = Some(text);
        self.template_name = Some(name);
        self.template_turn += 1;
    }

    /// Replaces the whole text (a template, or what came back from `$EDITOR`).
    pub fn set_text(&mut self, text: &str, now: DateTime<Utc>) {
        self.area.select_all();
        self.area.cut();
        self.area.insert_str(text);
        self.last_change = Some(now);
    }

    /// The save of `text` succeeded at `version`.
    pub fn saved(&mut self, text: String, version: DateTime<Utc>) {
        self.saved = text;
        self.version = Some(version);
        self.saving = false;
        self.conflict_version = None;
    }

    /// Marks `text` as what the database holds (an unchanged save).
    pub fn in_sync(&mut self, text: String) {
        self.saved = text;
        self.saving = false;
    }

    /// Feeds a key.
    pub fn input(&mut self, key: KeyEvent) -> EditorKey {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => EditorKey::Close,
            KeyCode::Char('s') if ctrl => EditorKey::Save,
            KeyCode::Char('q') if ctrl => EditorKey::Discard,
            KeyCode::Char('t') if ctrl => EditorKey::NextTemplate,
            KeyCode::Char('o') if ctrl => EditorKey::External,
            _ => {
                if self.area.input(key) {
                    EditorKey::Edited
                } else {
                    EditorKey::Nothing
                }
            }
        }
    }

    /// Pasted text, line breaks kept, control characters dropped.
    pub fn paste(&mut self, text: &str, now: DateTime<Utc>) {
        let clean: String = text.chars().filter(|c| *c == '\n' || !c.is_control()).collect();
        self.area.insert_str(clean);
        self.last_change = Some(now);
    }
}

/// The fields of the "add a review" form, in order.
pub const FORM_FIELDS: [&str; 6] = ["Author", "Stars (1–5)", "Submitted (UTC)", "member_id", "Marketplace id", "Text"];

/// What a key in the form asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormKey {
    /// Still typing.
    Editing,
    /// Ctrl-S: add it.
    Submit,
    /// Esc: give up.
    Cancel,
}

/// Typing in a review by hand (one sent by email, or read off the vendor cabinet).
#[derive(Debug)]
pub struct ReviewForm {
    fields: Vec<TextArea<'static>>,
    /// The field with the cursor.
    pub focus: usize,
    /// Why the last submission was refused.
    pub error: Option<String>,
}

impl ReviewForm {
    /// An empty form; the submission time defaults to `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        let mut fields: Vec<TextArea<'static>> = FORM_FIELDS.iter().map(|_| TextArea::default()).collect();
        for f in &mut fields {
            f.set_cursor_line_style(ratatui::style::Style::default());
        }
        fields[2].insert_str(now.format("%Y-%m-%d %H:%M").to_string());
        fields[5].set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
        fields[3].set_placeholder_text("optional: the reviewer's portal");
        fields[4].set_placeholder_text("optional: generated when empty");
        ReviewForm { fields, focus: 0, error: None }
    }

    /// The field widgets, in order.
    pub fn widgets(&self) -> &[TextArea<'static>] {
        &self.fields
    }

    /// A field's text.
    pub fn value(&self, i: usize) -> String {
        self.fields.get(i).map(|f| f.lines().join("\n")).unwrap_or_default()
    }

    /// Feeds a key: Tab / Shift-Tab move between fields; Enter inserts a line only in the text.
    pub fn input(&mut self, key: KeyEvent) -> FormKey {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let last = self.fields.len() - 1;
        match key.code {
            KeyCode::Esc => return FormKey::Cancel,
            KeyCode::Char('s') if ctrl => return FormKey::Submit,
            KeyCode::Tab => self.focus = (self.focus + 1) % self.fields.len(),
            KeyCode::BackTab => self.focus = (self.focus + last) % self.fields.len(),
            KeyCode::Enter if self.focus != last => self.focus += 1,
            _ => {
                if self.fields[self.focus].input(key) {
                    self.error = None;
                }
            }
        }
        FormKey::Editing
    }

    /// Pasted text goes to the focused field (single-line fields get one line).
    pub fn paste(&mut self, text: &str) {
        let multi = self.focus == self.fields.len() - 1;
        let clean: String = text
            .chars()
            .map(|c| if c == '\n' && !multi { ' ' } else { c })
            .filter(|c| *c == '\n' || !c.is_control())
            .collect();
        self.fields[self.focus].insert_str(clean);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ReplyStatus, ReviewRow, SafeText};

    fn detail(draft: Option<&str>) -> ReviewDetail {
        let now: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().unwrap();
        ReviewDetail {
            row: ReviewRow {
                id: 1,
                source_id: SafeText::line("r1"),
                member_id: None,
                domain: None,
                author: SafeText::line("Anna"),
                rating: 2,
                excerpt: SafeText::line("bad"),
                reply_status: ReplyStatus::None,
                submitted_at: now,
                edited_at: None,
                published_at: None,
            },
            text: SafeText::block("bad"),
            reply_draft: draft.map(SafeText::block),
            reply_updated_at: None,
        }
    }

    fn key(c: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(c, m)
    }

    #[test]
    fn typing_makes_it_dirty_and_control_keys_are_commands() {
        let mut e = ReplyEditor::new(detail(Some("Hello")));
        assert!(!e.dirty());
        assert_eq!(e.input(key(KeyCode::Char('!'), KeyModifiers::NONE)), EditorKey::Edited);
        assert_eq!(e.text(), "Hello!");
        assert!(e.dirty());
        assert_eq!(e.input(key(KeyCode::Char('s'), KeyModifiers::CONTROL)), EditorKey::Save);
        assert_eq!(e.input(key(KeyCode::Esc, KeyModifiers::NONE)), EditorKey::Close);
        assert_eq!(e.input(key(KeyCode::Enter, KeyModifiers::NONE)), EditorKey::Edited);
        assert_eq!(e.text(), "Hello!\n");
        assert_eq!(e.chars(), 7);
    }

    #[test]
    fn a_template_never_replaces_edited_text() {
        let now: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().unwrap();
        let mut e = ReplyEditor::new(detail(None));
        assert!(e.may_apply_template());
        e.apply_template("a".into(), "Hi {ticket}".into(), now);
        assert!(e.may_apply_template(), "an untouched template may be swapped");
        e.input(key(KeyCode::Char('x'), KeyModifiers::NONE));
        assert!(!e.may_apply_template());
    }

    #[test]
    fn the_form_moves_between_fields() {
        let now: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().unwrap();
        let mut f = ReviewForm::new(now);
        for c in "Anna".chars() {
            f.input(key(KeyCode::Char(c), KeyModifiers::NONE));
        }
        f.input(key(KeyCode::Enter, KeyModifiers::NONE));
        f.input(key(KeyCode::Char('2'), KeyModifiers::NONE));
        assert_eq!((f.value(0), f.value(1), f.value(2)), ("Anna".into(), "2".into(), "2026-11-24 12:00".into()));
        f.input(key(KeyCode::BackTab, KeyModifiers::SHIFT));
        assert_eq!(f.focus, 0);
        assert_eq!(f.input(key(KeyCode::Char('s'), KeyModifiers::CONTROL)), FormKey::Submit);
    }
}
