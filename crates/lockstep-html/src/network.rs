//! A cluster's network as a static SVG: laid out here (a force-directed
//! layout, Fruchterman and Reingold's, from a fixed start, so the same run
//! draws the same picture), nodes sized by their coordinated acts in the
//! cluster, its leaders ringed, the most active named.

use crate::escape;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

/// Accounts named on the drawing: the most active (the others are named
/// when pointed at, and in the tables).
const LABELS: usize = 15;

/// Clusters larger than this are drawn on a circle: the layout costs the
/// square of the accounts per step.
const LAYOUT_MAX: usize = 300;

/// Steps of the layout.
const STEPS: usize = 150;

const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 440.0;
const MARGIN: f64 = 40.0;

/// Where each account goes: `edges` index into `n` accounts, each with
/// its weight. A circle first, then (up to [`LAYOUT_MAX`] accounts) forces:
/// every pair repels, every edge pulls, by a step that cools.
pub(crate) fn layout(n: usize, edges: &[(usize, usize, f64)]) -> Vec<(f64, f64)> {
    let mut pos: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let angle = std::f64::consts::TAU * i as f64 / n.max(1) as f64;
            (angle.cos(), angle.sin())
        })
        .collect();
    if n > 1 && n <= LAYOUT_MAX {
        let k = (4.0 / n as f64).sqrt();
        for step in 0..STEPS {
            let mut disp = vec![(0.0f64, 0.0f64); n];
            for i in 0..n {
                for j in i + 1..n {
                    let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
                    let d = (dx * dx + dy * dy).sqrt().max(1e-3);
                    let f = k * k / d;
                    disp[i].0 += dx / d * f;
                    disp[i].1 += dy / d * f;
                    disp[j].0 -= dx / d * f;
                    disp[j].1 -= dy / d * f;
                }
            }
            for &(i, j, _) in edges {
                let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
                let d = (dx * dx + dy * dy).sqrt().max(1e-3);
                let f = d * d / k;
                disp[i].0 -= dx / d * f;
                disp[i].1 -= dy / d * f;
                disp[j].0 += dx / d * f;
                disp[j].1 += dy / d * f;
            }
            let heat = 0.2 * (1.0 - step as f64 / STEPS as f64) + 0.005;
            for (p, (dx, dy)) in pos.iter_mut().zip(disp) {
                let d = (dx * dx + dy * dy).sqrt().max(1e-9);
                let moved = d.min(heat);
                p.0 += dx / d * moved;
                p.1 += dy / d * moved;
            }
        }
    }
    // Scaled into the frame.
    let (min_x, max_x) =
        pos.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (min_y, max_y) =
        pos.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let span = |lo: f64, hi: f64| if hi - lo > 1e-9 { hi - lo } else { 1.0 };
    let (sx, sy) =
        ((WIDTH - 2.0 * MARGIN) / span(min_x, max_x), (HEIGHT - 2.0 * MARGIN) / span(min_y, max_y));
    pos.iter()
        .map(|&(x, y)| {
            if n == 1 {
                (WIDTH / 2.0, HEIGHT / 2.0)
            } else {
                (MARGIN + (x - min_x) * sx, MARGIN + (y - min_y) * sy)
            }
        })
        .collect()
}

/// Draws `accounts` and their `edges` (names and weights): node areas
/// follow each account's coordinated acts in the cluster (the sum of its
/// edges' weights), `leaders` are ringed, the [`LABELS`] most active named.
pub(crate) fn svg(
    out: &mut String,
    accounts: &[String],
    edges: &[(String, String, f64)],
    leaders: &HashSet<&str>,
) {
    let index: HashMap<&str, usize> =
        accounts.iter().enumerate().map(|(i, a)| (a.as_str(), i)).collect();
    let indexed: Vec<(usize, usize, f64)> = edges
        .iter()
        .filter_map(|(a, b, w)| Some((*index.get(a.as_str())?, *index.get(b.as_str())?, *w)))
        .collect();
    let mut acts = vec![0.0f64; accounts.len()];
    for &(i, j, w) in &indexed {
        acts[i] += w;
        acts[j] += w;
    }
    let pos = layout(accounts.len(), &indexed);
    let most = acts.iter().copied().fold(1.0f64, f64::max);
    let heaviest = indexed.iter().map(|e| e.2).fold(1.0f64, f64::max);
    let mut by_activity: Vec<usize> = (0..accounts.len()).collect();
    by_activity
        .sort_by(|&x, &y| acts[y].total_cmp(&acts[x]).then_with(|| accounts[x].cmp(&accounts[y])));
    let named: HashSet<usize> = by_activity.iter().copied().take(LABELS).collect();
    let _ = write!(
        out,
        "<svg class=\"network\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\"><title>accounts and their coordinated edges</title>"
    );
    for &(i, j, w) in &indexed {
        let ((x1, y1), (x2, y2)) = (pos[i], pos[j]);
        let _ = write!(
            out,
            "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"#4b5563\" stroke-opacity=\"0.3\" stroke-width=\"{:.2}\"/>",
            0.5 + 2.5 * w / heaviest
        );
    }
    // The most active last, on top.
    for &i in by_activity.iter().rev() {
        let (x, y) = pos[i];
        let r = 3.0 + 9.0 * (acts[i] / most).sqrt();
        let leader = leaders.contains(accounts[i].as_str());
        let ring = if leader { " stroke=\"#111\" stroke-width=\"2.5\"" } else { "" };
        let _ = write!(
            out,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"#b91c1c\" fill-opacity=\"0.85\"{ring}><title>{}: {} coordinated acts{}</title></circle>",
            escape(&accounts[i]),
            acts[i],
            if leader { ", leads" } else { "" }
        );
    }
    for &i in by_activity.iter().filter(|i| named.contains(i)) {
        let (x, y) = pos[i];
        let label: String = accounts[i].chars().take(18).collect();
        let weight =
            if leaders.contains(accounts[i].as_str()) { " font-weight=\"bold\"" } else { "" };
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\"{weight} stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
            x + 8.0,
            y + 3.0,
            escape(&label)
        );
    }
    out.push_str("</svg>");
    let _ = write!(
        out,
        "<p>Node size: the account's coordinated acts in the cluster (the sum of its edges' weights). Ringed and bold: leaders, which acted first in at least two thirds of their pairs in the cluster. Named: the {} most active; every account is named when pointed at.</p>",
        LABELS.min(accounts.len())
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_in_the_frame_and_pulls_edges_together() {
        // Two triangles joined by one edge: each triangle's accounts end
        // nearer each other than the triangles' far corners.
        let edges = [
            (0, 1, 1.0),
            (1, 2, 1.0),
            (0, 2, 1.0),
            (3, 4, 1.0),
            (4, 5, 1.0),
            (3, 5, 1.0),
            (2, 3, 1.0),
        ];
        let pos = layout(6, &edges);
        assert_eq!(pos, layout(6, &edges), "the same picture every time");
        for &(x, y) in &pos {
            assert!((MARGIN - 1e-6..=WIDTH - MARGIN + 1e-6).contains(&x), "{x}");
            assert!((MARGIN - 1e-6..=HEIGHT - MARGIN + 1e-6).contains(&y), "{y}");
        }
        let d = |a: usize, b: usize| {
            ((pos[a].0 - pos[b].0).powi(2) + (pos[a].1 - pos[b].1).powi(2)).sqrt()
        };
        assert!(d(0, 1) < d(0, 5) && d(4, 5) < d(1, 5), "{pos:?}");
        assert_eq!(layout(1, &[]), vec![(WIDTH / 2.0, HEIGHT / 2.0)]);
        assert!(layout(0, &[]).is_empty());
    }

    #[test]
    fn leaders_are_ringed_and_names_escaped() {
        let accounts: Vec<String> = ["<b>a</b>", "b", "c"].iter().map(|s| s.to_string()).collect();
        let edges = vec![
            ("<b>a</b>".to_string(), "b".to_string(), 3.0),
            ("b".to_string(), "c".to_string(), 1.0),
        ];
        let mut out = String::new();
        svg(&mut out, &accounts, &edges, &HashSet::from(["b"]));
        assert!(!out.contains("<b>"), "{out}");
        assert!(out.contains("&lt;b&gt;a&lt;/b&gt;: 3 coordinated acts</title>"), "{out}");
        assert!(
            out.contains("stroke-width=\"2.5\"><title>b: 4 coordinated acts, leads</title>"),
            "{out}"
        );
        assert!(out.contains("font-weight=\"bold\""));
    }
}
