//! A tab that is a list: its rows as they load, the selection, the first row drawn, and the
//! generation that tells a current answer from a stale one. Every list tab keeps one, so the
//! stale-answer check and the cursor keys are written once.

use super::commands::Command;
use super::loadable::Loadable;
use super::sort::{self, SortBy, Sortable};

/// One list tab's rows and cursor.
#[derive(Clone, Debug)]
pub struct ListTab<T> {
    /// The rows, as they load.
    pub rows: Loadable<Vec<T>>,
    /// The selected row (an index into `rows`).
    pub selected: usize,
    /// The first row drawn.
    pub offset: usize,
    /// The load asked for last; answers for older ones are dropped.
    pub generation: u64,
    /// The column chosen with `o`, applied again to every answer; `None`: as loaded.
    pub sort: Option<SortBy<T>>,
}

impl<T> Default for ListTab<T> {
    fn default() -> Self {
        ListTab { rows: Loadable::Idle, selected: 0, offset: 0, generation: 0, sort: None }
    }
}

/// What became of an answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// It was for an older load and changed nothing.
    Stale,
    /// The rows are on screen.
    Stored,
    /// The load failed; the rows say so and the caller reports the reason.
    Failed(String),
}

impl<T> ListTab<T> {
    /// The selected row, once the rows are here.
    pub fn selected_row(&self) -> Option<&T> {
        self.rows.ready().and_then(|r| r.get(self.selected))
    }

    /// How many rows are loaded.
    pub fn len(&self) -> usize {
        self.rows.ready().map_or(0, Vec::len)
    }

    /// True when no row is loaded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Starts a load that keeps the rows on screen meanwhile; returns its generation.
    pub fn next_load(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    /// Shows "loading" unless rows are already on screen (they stay until the answer).
    pub fn show_loading(&mut self) {
        if !matches!(self.rows, Loadable::Ready(_)) {
            self.rows = Loadable::Loading;
        }
    }

    /// Starts over for a new question (another filter): the cursor to the top, "loading".
    pub fn restart(&mut self) -> u64 {
        self.selected = 0;
        self.offset = 0;
        self.rows = Loadable::Loading;
        self.next_load()
    }

    /// True when `generation` is the load asked for last.
    pub fn is_current(&self, generation: u64) -> bool {
        generation == self.generation
    }

    /// Takes an answer: a stale one changes nothing; rows replace the old ones with the selection
    /// kept inside them; a failure is shown in place of the rows.
    pub fn accept(&mut self, generation: u64, result: Result<Vec<T>, String>) -> Answer {
        if !self.is_current(generation) {
            return Answer::Stale;
        }
        match result {
            Ok(mut rows) => {
                self.selected = clamp(self.selected, rows.len());
                if let Some(s) = &self.sort {
                    sort::apply(&mut rows, s, usize::MAX);
                }
                self.rows = Loadable::Ready(rows);
                Answer::Stored
            }
            Err(e) => {
                self.rows = Loadable::Failed(e.clone());
                Answer::Failed(e)
            }
        }
    }

    /// Shows `rows` (an answer the caller checked), in the chosen sort, with the selection (an
    /// index into `rows` as they came) kept on the same row.
    pub fn show(&mut self, mut rows: Vec<T>) {
        if let Some(s) = &self.sort {
            self.selected = clamp(sort::apply(&mut rows, s, self.selected), rows.len());
        }
        self.rows = Loadable::Ready(rows);
    }

    /// Moves the selection for a cursor key; false when `cmd` is not one.
    pub fn move_by(&mut self, cmd: Command, page: usize) -> bool {
        let len = self.len();
        let to = match cmd {
            Command::Up => self.selected.saturating_sub(1),
            Command::Down => self.selected.saturating_add(1),
            Command::PageUp => self.selected.saturating_sub(page),
            Command::PageDown => self.selected.saturating_add(page),
            Command::Top => 0,
            Command::Bottom => len.saturating_sub(1),
            _ => return false,
        };
        self.selected = clamp(to, len);
        true
    }
}

impl<T: Sortable> ListTab<T> {
    /// `o` (`reverse` false) or `O`: the next sort, applied to the rows in memory with the
    /// selected row kept selected. True when the list went back to its loaded order, which only a
    /// reload restores.
    pub fn cycle_sort(&mut self, reverse: bool) -> bool {
        self.sort = sort::next(self.sort.as_ref(), reverse);
        match (&self.sort, &mut self.rows) {
            (Some(s), Loadable::Ready(rows)) => {
                self.selected = sort::apply(rows, s, self.selected);
                false
            }
            (Some(_), _) => false,
            (None, _) => true,
        }
    }

    /// The sorted column's title and whether it is descending, for the header.
    pub fn sort_mark(&self) -> Option<(&'static str, bool)> {
        self.sort.as_ref().map(|s| (s.column, s.descending))
    }
}

/// `selected` kept inside a list of `len` rows.
pub fn clamp(selected: usize, len: usize) -> usize {
    if len == 0 { 0 } else { selected.min(len - 1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_answer_changes_nothing_and_a_current_one_keeps_the_cursor_inside() {
        let mut tab: ListTab<u32> = ListTab::default();
        tab.show_loading();
        let old = tab.next_load();
        let new = tab.next_load();
        assert_eq!(tab.accept(old, Ok(vec![1, 2, 3])), Answer::Stale);
        assert!(matches!(tab.rows, Loadable::Loading));
        tab.selected = 7;
        assert_eq!(tab.accept(new, Ok(vec![1, 2])), Answer::Stored);
        assert_eq!((tab.selected, tab.selected_row()), (1, Some(&2)));
        let again = tab.next_load();
        assert_eq!(tab.accept(again, Err("down".into())), Answer::Failed("down".into()));
        assert_eq!(tab.len(), 0);
    }

    #[test]
    fn cursor_keys_move_within_the_rows_and_other_keys_do_not() {
        let mut tab: ListTab<u32> = ListTab::default();
        let g = tab.next_load();
        tab.accept(g, Ok((0..30).collect()));
        assert!(tab.move_by(Command::PageDown, 10));
        assert!(tab.move_by(Command::Down, 10));
        assert_eq!(tab.selected, 11);
        assert!(tab.move_by(Command::Bottom, 10));
        assert_eq!(tab.selected, 29);
        assert!(tab.move_by(Command::Down, 10));
        assert_eq!(tab.selected, 29, "never past the last row");
        assert!(!tab.move_by(Command::Quit, 10));
        assert!(tab.move_by(Command::Top, 10));
        assert_eq!(tab.selected, 0);
    }
}
