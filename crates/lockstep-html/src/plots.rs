//! The report's plots, drawn as inline SVG from numbers the run's files
//! hold: a cluster's coordinated actions over time, by hour of the week,
//! and its accounts' creation dates. Labels are dates and numbers made
//! here; nothing from a post reaches these drawings.

use crate::escape;
use lockstep_model::time::{civil_from_days, days_from_civil};
use std::fmt::Write as _;

const DAY: i64 = 86_400;
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y}-{m:02}-{d:02}")
}

/// A bar chart of `bins` with a label under its first and last bar, and
/// each bar's label and count as its hover title.
fn bars(out: &mut String, title: &str, bins: &[(String, u64)]) {
    let (w, h, pad) = (720.0, 130.0, 20.0);
    let top = bins.iter().map(|b| b.1).max().unwrap_or(0).max(1) as f64;
    // A few bars stay bars, not blocks.
    let width = ((w - 2.0 * pad) / bins.len().max(1) as f64).min(24.0);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\"><title>{}</title>",
        escape(title)
    );
    for (i, (label, n)) in bins.iter().enumerate() {
        let bh = (h - 2.0 * pad) * *n as f64 / top;
        let _ = write!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.2}\" height=\"{bh:.1}\" fill=\"#1d4ed8\"><title>{}: {n}</title></rect>",
            pad + i as f64 * width,
            h - pad - bh,
            (width - 0.5).max(0.5),
            escape(label)
        );
    }
    if let (Some(first), Some(last)) = (bins.first(), bins.last()) {
        let _ = write!(
            out,
            "<text x=\"{pad}\" y=\"{}\" font-size=\"10\">{}</text><text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"end\">{}</text><text x=\"{pad}\" y=\"12\" font-size=\"10\">max {}</text>",
            h - 5.0,
            escape(&first.0),
            // Under the end of the last bar (bars may not fill the width).
            (pad + bins.len() as f64 * width).max(pad + 140.0),
            h - 5.0,
            escape(&last.0),
            top as u64
        );
    }
    out.push_str("</svg>");
}

/// Coordinated actions per day (per week past half a year), UTC.
pub(crate) fn timeline(out: &mut String, times: &[i64]) {
    let (Some(&lo), Some(&hi)) = (times.iter().min(), times.iter().max()) else { return };
    let (first, last) = (lo.div_euclid(DAY), hi.div_euclid(DAY));
    let step = if last - first > 183 { 7 } else { 1 };
    let n = ((last - first) / step + 1) as usize;
    let mut bins: Vec<(String, u64)> = (0..n)
        .map(|i| {
            let d = first + i as i64 * step;
            (if step == 1 { date(d) } else { format!("week of {}", date(d)) }, 0)
        })
        .collect();
    for &t in times {
        bins[((t.div_euclid(DAY) - first) / step) as usize].1 += 1;
    }
    let unit = if step == 1 { "day" } else { "week" };
    bars(out, &format!("coordinated actions per {unit}, UTC"), &bins);
}

/// Coordinated actions by hour of the week (UTC): a 7 x 24 grid, darker
/// for more.
pub(crate) fn hour_of_week(out: &mut String, times: &[i64]) {
    let mut grid = [[0u64; 24]; 7];
    for &t in times {
        // 1970-01-01 was a Thursday (index 3 from Monday).
        let day = (t.div_euclid(DAY) + 3).rem_euclid(7) as usize;
        grid[day][(t.rem_euclid(DAY) / 3_600) as usize] += 1;
    }
    let top = grid.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let (cell, left, head) = (24.0, 36.0, 16.0);
    let (w, h) = (left + 24.0 * cell + 4.0, head + 7.0 * cell + 4.0);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\"><title>coordinated actions by hour of the week, UTC</title>"
    );
    for hour in (0..24).step_by(3) {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"12\" font-size=\"10\">{hour:02}</text>",
            left + hour as f64 * cell + 4.0
        );
    }
    for (d, row) in grid.iter().enumerate() {
        let y = head + d as f64 * cell;
        let _ = write!(
            out,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"10\">{}</text>",
            y + 16.0,
            WEEKDAYS[d]
        );
        for (hour, &n) in row.iter().enumerate() {
            let _ = write!(
                out,
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#b91c1c\" fill-opacity=\"{:.3}\" stroke=\"#e5e7eb\"><title>{} {hour:02}:00 UTC: {n}</title></rect>",
                left + hour as f64 * cell,
                cell - 1.0,
                cell - 1.0,
                n as f64 / top,
                WEEKDAYS[d]
            );
        }
    }
    out.push_str("</svg>");
}

/// Accounts created per day when they span two months or less (a batch
/// shows as the days it took, with three days either side), else per
/// month (per year past twenty years).
pub(crate) fn creation(out: &mut String, created: &[i64]) {
    let (Some(&lo), Some(&hi)) = (created.iter().min(), created.iter().max()) else { return };
    if hi - lo <= 62 * DAY {
        let first = lo.div_euclid(DAY) - 3;
        let n = (hi.div_euclid(DAY) + 3 - first + 1) as usize;
        let mut bins: Vec<(String, u64)> = (0..n).map(|i| (date(first + i as i64), 0)).collect();
        for &t in created {
            bins[(t.div_euclid(DAY) - first) as usize].1 += 1;
        }
        bars(out, "accounts created per day", &bins);
        return;
    }
    let month = |t: i64| {
        let (y, m, _) = civil_from_days(t.div_euclid(DAY));
        y * 12 + m as i64 - 1
    };
    let (first, last) = (month(lo), month(hi));
    let step = if last - first > 240 { 12 } else { 1 };
    let n = ((last - first) / step + 1) as usize;
    let mut bins: Vec<(String, u64)> = (0..n)
        .map(|i| {
            let m = first + i as i64 * step;
            let label = if step == 1 {
                format!("{}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
            } else {
                m.div_euclid(12).to_string()
            };
            (label, 0)
        })
        .collect();
    for &t in created {
        bins[((month(t) - first) / step) as usize].1 += 1;
    }
    let unit = if step == 1 { "month" } else { "year" };
    bars(out, &format!("accounts created per {unit}"), &bins);
}

/// UNIX seconds of `2024-03-04T10:00:00Z` and the like (the form the run's
/// files use); `None` for anything else.
pub(crate) fn parse_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let days = days_from_civil(num(0..4)?, num(5..7)? as u32, num(8..10)? as u32);
    Some(days * DAY + num(11..13)? * 3_600 + num(14..16)? * 60 + num(17..19)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_and_dates() {
        // 2024-03-04 10:30 UTC was a Monday.
        let t = parse_iso("2024-03-04T10:30:00Z").unwrap();
        assert_eq!(t, 1_709_548_200);
        let mut s = String::new();
        hour_of_week(&mut s, &[t, t + 60]);
        assert!(s.contains("<title>Mon 10:00 UTC: 2</title>"), "{s}");
        assert!(s.contains("<title>Tue 10:00 UTC: 0</title>"));
        assert_eq!(parse_iso("2024-03-04"), None);
    }

    #[test]
    fn bins_cover_the_span() {
        let day0 = parse_iso("2024-03-01T00:00:00Z").unwrap();
        let mut s = String::new();
        timeline(&mut s, &[day0, day0 + 5, day0 + 2 * DAY]);
        assert_eq!(s.matches("<rect").count(), 3);
        assert!(
            s.contains("<title>2024-03-01: 2</title>")
                && s.contains("<title>2024-03-03: 1</title>")
        );
        let mut s = String::new();
        timeline(&mut s, &[day0, day0 + 400 * DAY]);
        assert!(s.contains("per week"));
        let mut s = String::new();
        creation(&mut s, &[day0, day0 + 80 * DAY]);
        assert!(s.contains("<title>2024-05: 1</title>"), "{s}");
        let mut s = String::new();
        creation(&mut s, &[day0, day0 + 1]);
        assert!(s.contains("per day") && s.contains("<title>2024-03-01: 2</title>"), "{s}");
        assert_eq!(s.matches("<rect").count(), 7);
        let mut s = String::new();
        timeline(&mut s, &[]);
        assert!(s.is_empty());
    }
}
