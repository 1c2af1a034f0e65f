//! The ticket reply editor: a multi-line text area. Ctrl-S sends a public reply (which stops the
//! first-response clock), Ctrl-N files it as an internal note, Esc closes and keeps the draft.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

/// The editor's keys, for the hint bar while it has focus (every other key is text).
pub const EDITOR_KEYS: &[(&str, &str)] =
    &[("Ctrl-S", "send reply"), ("Ctrl-N", "internal note"), ("Esc", "keep draft & close")];

/// What a key in the editor asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketEditorKey {
    /// Still writing.
    Editing,
    /// Send as a public reply.
    Send,
    /// File as an internal note.
    Note,
    /// Close, keeping the draft.
    Close,
}

/// A reply being written to one ticket.
#[derive(Debug)]
pub struct TicketEditor {
    /// The ticket.
    pub id: i64,
    /// Its subject, for the title.
    pub subject: String,
    area: TextArea<'static>,
    /// The last message (text, is-error).
    pub note: Option<(String, bool)>,
    /// A send is on its way.
    pub sending: bool,
}

/// The longest reply accepted, in characters.
pub const REPLY_MAX: usize = 32 * 1024;

impl TicketEditor {
    /// An editor starting from `draft`.
    pub fn new(id: i64, subject: String, draft: &str) -> Self {
        let mut area = TextArea::from(draft.lines().map(str::to_owned).collect::<Vec<_>>());
        area.set_placeholder_text(
            "Write the reply — Ctrl-S sends it, Ctrl-N files it as an internal note, Esc keeps it for later",
        );
        area.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
        area.set_cursor_line_style(ratatui::style::Style::default());
        area.move_cursor(ratatui_textarea::CursorMove::Bottom);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        TicketEditor { id, subject, area, note: None, sending: false }
    }

    /// The text.
    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    /// The widget.
    pub fn widget(&self) -> &TextArea<'static> {
        &self.area
    }

    /// Feeds a key.
    pub fn input(&mut self, key: KeyEvent) -> TicketEditorKey {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => TicketEditorKey::Close,
            KeyCode::Char('s') if ctrl => TicketEditorKey::Send,
            KeyCode::Char('n') if ctrl => TicketEditorKey::Note,
            _ => {
                let full =
                    self.text().chars().count() >= REPLY_MAX && matches!(key.code, KeyCode::Char(_) | KeyCode::Enter);
                if !full {
                    self.area.input(key);
                }
                TicketEditorKey::Editing
            }
        }
    }

    /// Pasted text; control characters other than line breaks and tabs are dropped.
    pub fn paste(&mut self, text: &str) {
        let clean: String =
            text.chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').take(REPLY_MAX).collect();
        self.area.insert_str(clean);
    }
}
