//! A one-line prompt (`/` filter, `:` palette) on ratatui-textarea, so editing keys work as people
//! expect (Ctrl-A/E, Ctrl-W, Alt-B/F, undo).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

/// What a key did to the prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PromptOutcome {
    /// Still editing.
    Editing,
    /// Enter: here is the text.
    Submit(String),
    /// Esc: give up.
    Cancel,
}

/// A one-line text prompt.
#[derive(Debug)]
pub struct Prompt {
    area: TextArea<'static>,
    /// An error from the last submission (shown under the prompt; the text is kept).
    pub error: Option<String>,
    /// The selected suggestion (palette) or option.
    pub choice: usize,
    /// Values to pick from, shown above the prompt (value, description); Tab takes the chosen one.
    pub options: Vec<(String, String)>,
}

/// Longest text a prompt accepts.
const MAX_LEN: usize = 512;

impl Prompt {
    /// A prompt starting with `text`, cursor at its end.
    pub fn new(text: &str, placeholder: &str) -> Self {
        let mut area = TextArea::default();
        area.insert_str(text);
        area.set_placeholder_text(placeholder);
        area.set_cursor_line_style(ratatui::style::Style::default());
        Prompt { area, error: None, choice: 0, options: Vec::new() }
    }

    /// The current text.
    pub fn text(&self) -> String {
        self.area.lines().first().cloned().unwrap_or_default()
    }

    /// The widget to draw.
    pub fn widget(&self) -> &TextArea<'static> {
        &self.area
    }

    /// Feeds a key. Enter submits, Esc cancels, newlines are never inserted.
    pub fn input(&mut self, key: KeyEvent) -> PromptOutcome {
        match key.code {
            KeyCode::Enter => return PromptOutcome::Submit(self.text()),
            KeyCode::Esc => return PromptOutcome::Cancel,
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return PromptOutcome::Cancel;
            }
            KeyCode::Char('m' | 'j') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return PromptOutcome::Submit(self.text());
            }
            KeyCode::Up => self.choice = self.choice.saturating_sub(1),
            KeyCode::Down | KeyCode::Tab => self.choice = self.choice.saturating_add(1),
            _ => {
                let room = self.text().chars().count() < MAX_LEN || !matches!(key.code, KeyCode::Char(_));
                if room && self.area.input(key) {
                    self.error = None;
                    self.choice = 0;
                }
            }
        }
        PromptOutcome::Editing
    }

    /// Pasted text: control characters and line breaks become spaces.
    pub fn paste(&mut self, text: &str) {
        let clean: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).take(MAX_LEN).collect();
        self.area.insert_str(clean);
    }

    /// The chosen option's value, if options are shown.
    pub fn chosen_option(&self) -> Option<&str> {
        let n = self.options.len();
        (n > 0).then(|| self.options[self.choice % n].0.as_str())
    }

    /// Replaces the text (palette completion).
    pub fn set_text(&mut self, text: &str) {
        self.area.select_all();
        self.area.cut();
        self.area.insert_str(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn typing_and_submitting() {
        let mut p = Prompt::new("", "filter");
        for c in "errors".chars() {
            assert_eq!(p.input(key(KeyCode::Char(c))), PromptOutcome::Editing);
        }
        p.input(key(KeyCode::Backspace));
        assert_eq!(p.input(key(KeyCode::Enter)), PromptOutcome::Submit("error".into()));
        assert_eq!(p.input(key(KeyCode::Esc)), PromptOutcome::Cancel);
    }

    #[test]
    fn paste_strips_controls() {
        let mut p = Prompt::new("a", "");
        p.paste("b\nc\x1b[2J");
        assert_eq!(p.text(), "ab c [2J");
    }
}
