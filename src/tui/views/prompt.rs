//! The `/` and `:` prompts, drawn over the status line, with palette suggestions above.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::tui::prompt::Prompt;
use crate::tui::theme::Theme;

/// Draws a prompt at `line`; suggestions (if any) and an error go just above it, inside `body`.
pub fn draw(
    frame: &mut Frame,
    body: Rect,
    line: Rect,
    sigil: &str,
    p: &Prompt,
    suggestions: Option<&[(&str, &str)]>,
    theme: &Theme,
) {
    frame.render_widget(Clear, line);
    frame.render_widget(Paragraph::new(Span::styled(sigil.to_owned(), theme.key)), Rect { width: 2, ..line });
    let input = Rect { x: line.x + 2, width: line.width.saturating_sub(2), ..line };
    frame.render_widget(p.widget(), input);
    let mut above: Vec<Line> = Vec::new();
    if let Some(list) = suggestions {
        let n = list.len().max(1);
        for (i, (name, desc)) in list.iter().take(8).enumerate() {
            let chosen = i == p.choice % n;
            let style = if chosen { theme.selection } else { theme.text };
            above.push(Line::from(vec![
                Span::styled(format!("{} {:<14}", if chosen { "▶" } else { " " }, name), style),
                Span::styled(format!(" {desc}"), theme.muted),
            ]));
        }
    }
    if let Some(e) = &p.error {
        above.push(Line::from(Span::styled(format!(" {e}"), theme.danger)));
    }
    if above.is_empty() || body.height < 3 {
        return;
    }
    let h = (above.len() as u16 + 2).min(body.height);
    let area = Rect { x: body.x, y: body.y + body.height - h, width: body.width, height: h };
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(above).block(Block::bordered()), area);
}
