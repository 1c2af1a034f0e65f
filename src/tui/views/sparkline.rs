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

#[cfg(test)]
mod tests {
    use super::*;

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
