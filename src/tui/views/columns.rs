//! Column widths from content and terminal width. Each list tab declares its columns (a
//! priority, a minimum, the width its visible rows want, how its text is cut); `Plan::new` turns
//! them and the width there is into widths: the important columns first, the spare width to the
//! columns whose content is longest, and a column that does not fit at its minimum dropped whole
//! rather than squeezed to two characters.

use ratatui::layout::Constraint;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{HighlightSpacing, Row, Table};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Where text that does not fit loses its characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// At the end: `connection ref…`.
    End,
    /// In the middle, so both ends stay: `proinv…bitrix24.by` keeps the TLD.
    Middle,
}

/// One column as a tab declares it.
#[derive(Clone, Debug)]
pub struct Column {
    /// The header.
    pub title: &'static str,
    /// 0 is kept first; higher numbers are dropped first when the width runs out.
    pub priority: u8,
    /// Narrower than this the column is dropped instead.
    pub min: u16,
    /// What the visible rows' longest cell wants (at least the header).
    pub preferred: u16,
    /// How text that does not fit is cut.
    pub cut: Cut,
    /// Takes the width nobody else wants (a description).
    pub grows: bool,
    /// Drawn right-aligned (numbers).
    pub right: bool,
}

impl Column {
    /// A column cut at the end, as wide as its header until measured; never narrower than six
    /// characters (or its content, if shorter) unless `min` says otherwise.
    pub fn new(title: &'static str, priority: u8) -> Column {
        let w = title.width() as u16;
        Column { title, priority, min: w.max(6), preferred: w, cut: Cut::End, grows: false, right: false }
    }

    /// A column of exactly `width` characters (a time, a sparkline).
    pub fn fixed(title: &'static str, priority: u8, width: u16) -> Column {
        Column { min: width, preferred: width, ..Column::new(title, priority) }
    }

    /// A column this frame leaves out (a picture with no room): declared, so the indices of the
    /// others stay put, and always dropped.
    pub fn absent(title: &'static str) -> Column {
        Column { min: u16::MAX, preferred: u16::MAX, priority: u8::MAX, ..Column::new(title, 0) }
    }

    /// Never narrower than `min` (dropped instead).
    pub fn min(mut self, min: u16) -> Column {
        self.min = min;
        self
    }

    /// Cut in the middle (domains, ids).
    pub fn middle(mut self) -> Column {
        self.cut = Cut::Middle;
        self
    }

    /// Takes what is left over.
    pub fn grows(mut self) -> Column {
        self.grows = true;
        self
    }

    /// Right-aligned.
    pub fn right(mut self) -> Column {
        self.right = true;
        self
    }

    /// Wants as much width as the longest of `texts` (the rows on screen).
    pub fn measure<S: AsRef<str>>(mut self, texts: impl IntoIterator<Item = S>) -> Column {
        let longest = texts.into_iter().map(|t| t.as_ref().width()).max().unwrap_or(0) as u16;
        self.preferred = self.preferred.max(longest);
        self
    }
}

/// The widths chosen for one frame; a dropped column has none.
#[derive(Clone, Debug)]
pub struct Plan {
    widths: Vec<Option<u16>>,
    cuts: Vec<Cut>,
    right: Vec<bool>,
    titles: Vec<&'static str>,
    sort: Option<(usize, bool)>,
}

/// Characters between two columns (ratatui's default).
pub const SPACING: u16 = 1;

impl Plan {
    /// Lays `columns` out in `width` characters (the selection marker's column already taken
    /// off); `sort` (from `ListTab::sort_mark`) names the sorted column, which gets room for ▲/▼.
    pub fn new(columns: &[Column], width: u16, sort: Option<(&str, bool)>) -> Plan {
        let sort = sorted(columns, sort);
        let mut marked;
        let columns = match sort {
            Some((i, _)) => {
                marked = columns.to_vec();
                marked[i].preferred = (marked[i].title.width() as u16 + 1).max(marked[i].preferred);
                &marked[..]
            }
            None => columns,
        };
        let n = columns.len();
        // A column whose content is shorter than its minimum needs only its content.
        let min: Vec<u16> = columns.iter().map(|c| c.min.min(c.preferred.max(1))).collect();
        let mut widths: Vec<Option<u16>> = vec![None; n];
        let mut used: u16 = 0;
        let mut tiers: Vec<u8> = columns.iter().map(|c| c.priority).collect();
        tiers.sort_unstable();
        tiers.dedup();
        // Tier by tier, most important first: each column of the tier at its minimum if that
        // still fits (else it is dropped whole), then the tier grows towards what its content
        // wants before a less important tier gets anything. Within a tier the growth is max-min
        // fair (the narrowest column still wanting more gets the next character), so short
        // columns are shown whole and only the longest ones are cut.
        for tier in tiers {
            for i in (0..n).filter(|&i| columns[i].priority == tier) {
                let need = min[i].saturating_add(if used == 0 { 0 } else { SPACING });
                if used.saturating_add(need) <= width {
                    used += need;
                    widths[i] = Some(min[i]);
                }
            }
            while used < width {
                let pick = (0..n)
                    .filter(|&i| columns[i].priority == tier && widths[i].is_some_and(|w| w < columns[i].preferred))
                    .min_by_key(|&i| (widths[i], i));
                let Some(i) = pick else { break };
                widths[i] = widths[i].map(|w| w + 1);
                used += 1;
            }
        }
        let spare = width - used;
        if let Some(i) = (0..n).find(|&i| columns[i].grows && widths[i].is_some()) {
            widths[i] = widths[i].map(|w| w + spare);
        }
        Plan {
            widths,
            cuts: columns.iter().map(|c| c.cut).collect(),
            right: columns.iter().map(|c| c.right).collect(),
            titles: columns.iter().map(|c| c.title).collect(),
            sort,
        }
    }

    /// The width of column `i`, or `None` when it was dropped.
    pub fn width(&self, i: usize) -> Option<u16> {
        self.widths.get(i).copied().flatten()
    }

    /// The constraints of the columns shown, for `Table::new`.
    pub fn constraints(&self) -> Vec<Constraint> {
        self.widths.iter().flatten().map(|w| Constraint::Length(*w)).collect()
    }

    /// `text` cut to column `i`'s width its own way.
    pub fn fit(&self, i: usize, text: &str) -> String {
        match self.width(i) {
            Some(w) => cut(text, w as usize, self.cuts[i]),
            None => String::new(),
        }
    }

    /// `text` cut to column `i` as a line, right-aligned where the column says.
    pub fn line(&self, i: usize, text: &str) -> Line<'static> {
        let l = Line::from(self.fit(i, text));
        if self.right[i] { l.right_aligned() } else { l }
    }

    /// Only the cells of the columns shown, in order.
    pub fn keep<T>(&self, cells: Vec<T>) -> Vec<T> {
        cells.into_iter().zip(&self.widths).filter(|(_, w)| w.is_some()).map(|(c, _)| c).collect()
    }

    /// The header row; the sorted column (if any) carries ▲ or ▼ and is underlined, so it shows
    /// without colour too.
    pub fn header(&self, style: Style) -> Row<'static> {
        let cells: Vec<Line> = (0..self.titles.len())
            .map(|i| match self.sort {
                Some((c, desc)) if c == i => {
                    let t = format!("{}{}", self.titles[i], if desc { "▼" } else { "▲" });
                    let l = self.line(i, &t);
                    l.style(Style::default().add_modifier(Modifier::UNDERLINED | Modifier::BOLD))
                }
                _ => self.line(i, self.titles[i]),
            })
            .collect();
        Row::new(self.keep(cells)).style(style)
    }
}

/// The position of the column `mark` names.
fn sorted(columns: &[Column], mark: Option<(&str, bool)>) -> Option<(usize, bool)> {
    let (title, desc) = mark?;
    columns.iter().position(|c| c.title == title).map(|i| (i, desc))
}

/// The width left for columns in a table `inner_width` wide: the selection marker takes one.
pub fn room(inner_width: u16) -> u16 {
    inner_width.saturating_sub(1)
}

/// The tab's table: `rows` under the plan's header (the sorted column marked), the selection
/// marker's column always reserved so the widths planned are the widths drawn.
pub fn table<'a>(plan: &Plan, rows: Vec<Row<'a>>, header: Style, selection: Style) -> Table<'a> {
    Table::new(rows, plan.constraints())
        .header(plan.header(header))
        .column_spacing(SPACING)
        .row_highlight_style(selection)
        .highlight_symbol("▶")
        .highlight_spacing(HighlightSpacing::Always)
}

/// `s` in at most `width` columns of the terminal, cut with `…` where `how` says.
pub fn cut(s: &str, width: usize, how: Cut) -> String {
    if s.width() <= width {
        return s.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let room = width - 1;
    match how {
        Cut::End => {
            let mut out = take_front(s, room);
            out.push('…');
            out
        }
        Cut::Middle => {
            // The tail is what tells portals apart (`….bitrix24.by`): it gets two thirds.
            let back = room * 2 / 3;
            let front = room - back;
            let mut out = take_front(s, front);
            out.push('…');
            out.push_str(&take_back(s, back));
            out
        }
    }
}

fn take_front(s: &str, width: usize) -> String {
    let mut used = 0;
    s.chars()
        .take_while(|c| {
            used += c.width().unwrap_or(0);
            used <= width
        })
        .collect()
}

fn take_back(s: &str, width: usize) -> String {
    let mut used = 0;
    let mut tail: Vec<char> = s
        .chars()
        .rev()
        .take_while(|c| {
            used += c.width().unwrap_or(0);
            used <= width
        })
        .collect();
    tail.reverse();
    tail.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absent_column_is_dropped_at_any_width_and_the_others_keep_their_indices() {
        let columns = [Column::fixed("a", 0, 3), Column::absent("picture"), Column::fixed("b", 0, 3)];
        let plan = Plan::new(&columns, 500, None);
        assert_eq!((plan.width(0), plan.width(1), plan.width(2)), (Some(3), None, Some(3)));
        assert_eq!(plan.keep(vec![1, 2, 3]), vec![1, 3]);
    }

    #[test]
    fn a_domain_is_cut_in_the_middle_and_keeps_its_tld() {
        assert_eq!(cut("proinvest-0.bitrix24.by", 18, Cut::Middle), "proinv…bitrix24.by");
        assert_eq!(cut("proinvest-0.bitrix24.by", 12, Cut::Middle), "proi…ix24.by");
        assert_eq!(cut("short.by", 18, Cut::Middle), "short.by");
    }

    #[test]
    fn other_text_is_cut_at_the_end() {
        assert_eq!(cut("connection refused", 11, Cut::End), "connection…");
        assert_eq!(cut("abc", 0, Cut::End), "");
    }

    #[test]
    fn wide_characters_count_twice() {
        let c = cut("портал-日本語-домен", 8, Cut::End);
        assert!(c.width() <= 8, "{c}");
        let c = cut("日本語日本語", 5, Cut::Middle);
        assert!(c.width() <= 5, "{c}");
        assert!(c.contains('…'));
    }

    #[test]
    fn content_that_fits_gets_its_width_and_the_rest_goes_to_the_growing_column() {
        let cols = [
            Column::fixed("time", 0, 8),
            Column::new("portal", 1).middle().min(12).measure(["proinvest-0.bitrix24.by"]),
            Column::new("error", 2).measure(["QUERY_LIMIT_EXCEEDED"]).grows(),
        ];
        let p = Plan::new(&cols, 118, None);
        assert_eq!(p.width(0), Some(8));
        assert_eq!(p.width(1), Some(23), "the whole domain, not 16 characters beside blank space");
        assert_eq!(p.width(2), Some(118 - 8 - 23 - 2));
    }

    #[test]
    fn when_short_of_room_the_longest_column_is_cut_first() {
        let cols = [
            Column::new("a", 0).measure(["x".repeat(10)]),
            Column::new("b", 0).measure(["y".repeat(40)]),
            Column::new("c", 0).measure(["z".repeat(40)]),
        ];
        let p = Plan::new(&cols, 52, None);
        assert_eq!(p.width(0), Some(10), "the short column is shown whole");
        assert_eq!(p.width(1).unwrap() + p.width(2).unwrap(), 40);
        assert!(p.width(1).unwrap().abs_diff(p.width(2).unwrap()) <= 1);
    }

    #[test]
    fn a_column_without_room_for_its_minimum_is_dropped_not_squeezed() {
        let cols = [
            Column::fixed("time", 0, 8),
            Column::new("portal", 1).middle().min(12).measure(["proinvest-0.bitrix24.by"]),
            Column::new("method", 1).min(10).measure(["crm.deal.list"]),
            Column::new("description", 5).min(20).measure(["x".repeat(80)]),
        ];
        let p = Plan::new(&cols, 40, None);
        assert_eq!(p.width(3), None, "dropped whole");
        assert!(p.width(2).unwrap() >= 10, "the method keeps its minimum: {:?}", p.width(2));
        assert_eq!(p.constraints().len(), 3);
        assert_eq!(p.keep(vec![1, 2, 3, 4]), vec![1, 2, 3]);
        let used: u16 = (0..4).filter_map(|i| p.width(i)).sum::<u16>() + 2;
        assert!(used <= 40);
    }

    #[test]
    fn the_sorted_column_is_marked_in_the_header() {
        let cols = [Column::new("portal", 0).measure(["abcdefgh"]), Column::new("ms", 0).right()];
        let p = Plan::new(&cols, 40, Some(("portal", true)));
        let row = format!("{:?}", p.header(Style::default()));
        assert!(row.contains("portal▼"), "{row}");
    }
}
