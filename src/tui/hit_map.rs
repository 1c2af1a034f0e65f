//! Where things are on screen, as last drawn, so a mouse click can be turned into the tab or
//! the row under it. Written by the views after drawing (like scroll geometry), read by `update`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::screen::{Screen, TABS};

/// The clickable places of the last frame.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HitMap {
    /// Each tab's label in the tab bar: row, first and last column.
    pub tabs: Vec<(u16, u16, u16, Screen)>,
    /// The body: a list's first row is two lines below its top (border, column header).
    pub body: Rect,
}

impl HitMap {
    /// Finds each tab's `N Name` label in `area` of the drawn `buf`, wherever the tab bar put it.
    pub fn read_tabs(&mut self, buf: &Buffer, area: Rect) {
        let row: String = (area.x..area.right()).map(|x| buf[(x, area.y)].symbol().to_owned()).collect();
        let cells: Vec<&str> = (area.x..area.right()).map(|x| buf[(x, area.y)].symbol()).collect();
        self.tabs.clear();
        for (screen, key, name) in TABS {
            let label = format!("{key} {name}");
            // Cell index, not byte index: symbols may be wider than a byte.
            let Some(byte) = row.find(&label) else { continue };
            let mut seen = 0;
            let at = cells.iter().position(|c| {
                let here = seen;
                seen += c.len();
                here >= byte
            });
            if let Some(i) = at {
                let x = area.x + i as u16;
                self.tabs.push((area.y, x, x + label.chars().count() as u16 - 1, *screen));
            }
        }
    }

    /// The tab whose label is at (`x`, `y`).
    pub fn tab_at(&self, x: u16, y: u16) -> Option<Screen> {
        self.tabs.iter().find(|(row, a, b, _)| *row == y && (*a..=*b).contains(&x)).map(|t| t.3)
    }

    /// The list row (counted from the first shown) at screen line `y`, if `y` is in the body's
    /// rows.
    pub fn row_at(&self, x: u16, y: u16) -> Option<usize> {
        let first = self.body.y + 2;
        let inside = x > self.body.x && x + 1 < self.body.right() && y + 1 < self.body.bottom();
        (inside && y >= first).then(|| (y - first) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::text::Line;
    use ratatui::widgets::Widget;

    #[test]
    fn tabs_are_found_where_they_were_drawn() {
        let area = Rect::new(0, 1, 60, 1);
        let mut buf = Buffer::empty(Rect::new(0, 0, 60, 3));
        Line::from(" 1 Calls   2 Errors   3 Tasks").render(area, &mut buf);
        let mut map = HitMap::default();
        map.read_tabs(&buf, area);
        assert_eq!(map.tab_at(1, 1), Some(Screen::Calls));
        assert_eq!(map.tab_at(13, 1), Some(Screen::Errors));
        assert_eq!(map.tab_at(9, 1), None);
        assert_eq!(map.tab_at(13, 2), None);
    }
}
