//! A sparkline of hourly counts as one string of block characters, so a table cell can hold it.

/// The eight heights, lowest first: a quiet hour draws the lowest, so the baseline stays visible.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// `values` (oldest first) drawn in at most `width` characters: each character sums as many
/// consecutive values as it takes to fit, counted from the newest, so the last character always
/// holds the newest value. Heights scale to the busiest character; any count above zero draws
/// above the baseline. Empty for no values or no room.
pub fn bars(values: &[i64], width: usize) -> String {
    if width == 0 || values.is_empty() {
        return String::new();
    }
    let per = values.len().div_ceil(width);
    let mut sums: Vec<i64> = values.rchunks(per).map(|c| c.iter().map(|v| (*v).max(0)).sum()).collect();
    sums.reverse();
    let max = sums.iter().copied().max().unwrap_or(0);
    sums.iter()
        .map(|&v| {
            if v <= 0 || max <= 0 {
                return BARS[0];
            }
            // 1..=7 above the baseline, rounded up so a single error still shows.
            let level = ((v as i128 * 7 + max as i128 - 1) / max as i128) as usize;
            BARS[level.clamp(1, 7)]
        })
        .collect()
}

/// How many characters a sparkline column gets in a table `inner_width` wide: the whole 24 hours
/// when there is room, 2 hours a character when narrower, none below 90 (at 80 wide the error
/// codes need the room: a cut code is worse than a missing picture).
pub fn width_for(inner_width: u16) -> usize {
    match inner_width {
        110.. => 24,
        90..110 => 12,
        _ => 0,
    }
}

/// Cells of a stacked bar `width` wide for `counts`: proportional, by largest remainder, and
/// at least one cell for every count above zero while the width allows, so a single breached
/// ticket among hundreds still shows. The cells add up to `width` when any count is above zero.
pub fn shares(counts: &[usize], width: usize) -> Vec<usize> {
    let total: usize = counts.iter().sum();
    if total == 0 || width == 0 {
        return vec![0; counts.len()];
    }
    let mut cells: Vec<usize> = counts.iter().map(|c| c * width / total).collect();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse((counts[i] * width) % total));
    let mut left = width - cells.iter().sum::<usize>();
    for &i in order.iter().cycle().take(counts.len() * 2) {
        if left == 0 {
            break;
        }
        if counts[i] > 0 {
            cells[i] += 1;
            left -= 1;
        }
    }
    // Every present count visible: take a cell from the widest part.
    for i in 0..counts.len() {
        if counts[i] > 0 && cells[i] == 0 {
            let widest = (0..cells.len()).max_by_key(|&j| cells[j]).unwrap_or(i);
            if cells[widest] > 1 {
                cells[widest] -= 1;
                cells[i] = 1;
            }
        }
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_fill_the_width_and_show_every_present_part() {
        assert_eq!(shares(&[1, 1, 2, 0], 8), vec![2, 2, 4, 0]);
        let s = shares(&[1, 0, 500, 3], 20);
        assert_eq!(s.iter().sum::<usize>(), 20);
        assert!(s[0] >= 1 && s[3] >= 1 && s[1] == 0, "{s:?}");
        assert_eq!(shares(&[0, 0], 10), vec![0, 0]);
        assert_eq!(shares(&[3, 3, 3], 10).iter().sum::<usize>(), 10);
    }

    #[test]
    fn heights_scale_to_the_busiest_hour() {
        let mut v = vec![0; 24];
        v[23] = 70;
        v[0] = 1;
        v[12] = 35;
        let s = bars(&v, 24);
        assert_eq!(s.chars().count(), 24);
        let c: Vec<char> = s.chars().collect();
        assert_eq!((c[0], c[1], c[12], c[23]), ('▂', '▁', '▅', '█'));
    }

    #[test]
    fn a_narrow_line_sums_hours_and_keeps_the_newest_last() {
        let mut v = vec![0; 24];
        v[23] = 5;
        v[0] = 5;
        let s: Vec<char> = bars(&v, 8).chars().collect();
        assert_eq!(s.len(), 8);
        assert_eq!((s[0], s[7]), ('█', '█'));
        assert!(s[1..7].iter().all(|c| *c == '▁'));
        assert_eq!(bars(&v, 12).chars().count(), 12);
        assert_eq!(bars(&v, 0), "");
        assert_eq!(bars(&[], 8), "");
        assert_eq!(bars(&[0; 24], 24), "▁".repeat(24), "a quiet day is a flat baseline");
    }
}
