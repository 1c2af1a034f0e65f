//! Small drawing helpers.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

pub use crate::model::ellipsize;
use crate::tui::state::Loadable;
use crate::tui::theme::Theme;

/// The loaded value, or draws "loading…" / "could not load WHAT: why" in `area` and gives `None`.
pub fn ready_or_note<'a, T>(
    frame: &mut Frame,
    area: Rect,
    l: &'a Loadable<T>,
    what: &str,
    theme: &Theme,
) -> Option<&'a T> {
    match l {
        Loadable::Ready(v) => Some(v),
        Loadable::Failed(e) => {
            frame.render_widget(Paragraph::new(format!("could not load {what}: {e}")).style(theme.danger), area);
            None
        }
        _ => {
            frame.render_widget(Paragraph::new("loading…").style(theme.muted), area);
            None
        }
    }
}

/// A rectangle of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// Keeps `selected` visible in a window of `height` rows starting at `offset`; returns the new
/// offset.
pub fn scroll_to(selected: usize, offset: usize, height: usize, len: usize) -> usize {
    if height == 0 || len <= height {
        return 0;
    }
    let max_offset = len - height;
    let off = if selected < offset {
        selected
    } else if selected >= offset + height {
        selected + 1 - height
    } else {
        offset
    };
    off.min(max_offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrolling_keeps_the_selection_visible() {
        assert_eq!(scroll_to(0, 0, 10, 100), 0);
        assert_eq!(scroll_to(15, 0, 10, 100), 6);
        assert_eq!(scroll_to(3, 6, 10, 100), 3);
        assert_eq!(scroll_to(99, 0, 10, 100), 90);
        assert_eq!(scroll_to(5, 50, 10, 8), 0);
    }
}
