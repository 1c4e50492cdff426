//! Charts of measures with their spread: each theme's prevalence with its interval, and scale
//! questions' answers as diverging bars. Drawn by the shared routine of the parent module.

use super::*;

/// Each theme's pooled prevalence as a bar, largest first, with its 95% interval across events
/// as a whisker.
struct Prevalence<'a> {
    rows: &'a [PrevalenceRow],
}

/// One theme of the prevalence chart.
pub struct PrevalenceRow {
    pub label: String,
    pub value: f64,
    pub interval: Option<[f64; 2]>,
}

const PREV: (i32, i32, i32, i32) = (230, 34, 18, 420); // left, top, row height, bar width

impl Draw for Prevalence<'_> {
    const NAME: &'static str = "prevalence";

    fn size(&self) -> (i32, i32) {
        let (left, top, row, width) = PREV;
        (left + width + 90, top + row * self.rows.len() as i32 + 16)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: i32) -> DrawResult {
        let (left, top, row, width) = (PREV.0 * s, PREV.1 * s, PREV.2 * s, PREV.3 * s);
        root.fill(&WHITE).map_err(fail)?;
        let right = text(13, s, HPos::Right);
        let small = text(10, s, HPos::Left);
        let centre = text(10, s, HPos::Center);
        // the scale: to the highest interval end, in steps of a round number of percent
        let top_value = self
            .rows
            .iter()
            .map(|r| r.interval.map_or(r.value, |[_, h]| h))
            .fold(0.0f64, f64::max)
            .max(1e-9);
        let step = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25]
            .into_iter()
            .find(|st| top_value / st <= 5.0)
            .unwrap_or(0.25);
        let end = (top_value / step).ceil() * step;
        let x = |v: f64| left + ((v / end) * width as f64).round() as i32;
        let bottom = top + row * self.rows.len() as i32;
        let mut tick = 0.0;
        while tick <= end + 1e-9 {
            let tx = x(tick);
            rect(
                root,
                (tx, top - 4 * s),
                (tx + s, bottom),
                RGBColor(0xdd, 0xdd, 0xdd),
            )?;
            put(
                root,
                format!("{:.0}%", 100.0 * tick),
                (tx, top - 12 * s),
                &centre,
            )?;
            tick += step;
        }
        for (i, r) in self.rows.iter().enumerate() {
            let y0 = top + row * i as i32;
            let mid = y0 + row / 2;
            put(root, cut(&r.label, 30), (left - 8 * s, mid), &right)?;
            rect(
                root,
                (left, y0 + 3 * s),
                (x(r.value).max(left + s), y0 + row - 3 * s),
                FRAME_COLOURS[1],
            )?;
            let mut label_at = x(r.value) + 4 * s;
            if let Some([lo, hi]) = r.interval {
                let (a, b) = (x(lo), x(hi));
                rect(root, (a, mid), (b.max(a + s), mid + s), BLACK)?;
                rect(root, (a, mid - 3 * s), (a + s, mid + 4 * s), BLACK)?;
                rect(root, (b, mid - 3 * s), (b + s, mid + 4 * s), BLACK)?;
                label_at = label_at.max(b + 4 * s);
            }
            put(
                root,
                format!("{:.1}%", 100.0 * r.value),
                (label_at, mid),
                &small,
            )?;
        }
        Ok(())
    }
}

/// The prevalence chart: each theme's pooled prevalence with its interval, in the rows' order.
pub fn prevalence(rows: &[PrevalenceRow]) -> Result<Chart, ChartError> {
    render(&Prevalence { rows })
}

/// A scale question's answers per group as diverging stacked bars: the shares below the
/// scale's middle to the left of the centre line, those above to the right, a middle answer
/// split across it. Brown to teal (ColorBrewer BrBG, safe for colour-blind readers).
struct Diverging<'a> {
    rows: &'a [DivergingRow],
    /// The scale's points, lowest first.
    points: &'a [String],
}

/// One group of a diverging chart: its name and the share answering each point.
pub struct DivergingRow {
    pub label: String,
    pub shares: Vec<f64>,
}

const DIV: (i32, i32, i32, i32) = (200, 40, 22, 460); // left, top, row height, bar width

/// The colour of point `i` of `k`: brown below the middle, grey at it, teal above.
fn diverging_colour(i: usize, k: usize) -> RGBColor {
    const LOW: [(u8, u8, u8); 2] = [(0xA6, 0x61, 0x1A), (0xDF, 0xC2, 0x7D)];
    const HIGH: [(u8, u8, u8); 2] = [(0x80, 0xCD, 0xC1), (0x01, 0x85, 0x71)];
    let half = k / 2;
    let t = |j: usize| {
        if half <= 1 {
            0.0
        } else {
            j as f64 / (half - 1) as f64
        }
    };
    if k % 2 == 1 && i == half {
        RGBColor(0xD9, 0xD9, 0xD9)
    } else if i < half {
        mix(LOW[0], LOW[1], t(i))
    } else {
        let j = i - (k - half);
        mix(HIGH[0], HIGH[1], t(j))
    }
}

impl Draw for Diverging<'_> {
    const NAME: &'static str = "scale question";

    fn size(&self) -> (i32, i32) {
        let (left, top, row, width) = DIV;
        (left + width + 40, top + row * self.rows.len() as i32 + 24)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: i32) -> DrawResult {
        let (left, top, row, width) = (DIV.0 * s, DIV.1 * s, DIV.2 * s, DIV.3 * s);
        root.fill(&WHITE).map_err(fail)?;
        let right = text(13, s, HPos::Right);
        let label = text(11, s, HPos::Left);
        let centre = text(10, s, HPos::Center);
        let k = self.points.len();
        let mid = left + width / 2;
        // legend: the points, lowest first
        let step = (width / k.max(1) as i32).min(90 * s);
        for (i, p) in self.points.iter().enumerate() {
            let x = left + step * i as i32;
            rect(
                root,
                (x, 10 * s),
                (x + 12 * s, 22 * s),
                diverging_colour(i, k),
            )?;
            put(root, p.as_str(), (x + 16 * s, 16 * s), &label)?;
        }
        let px = |share: f64| (share * width as f64 / 2.0).round() as i32;
        for (r, g) in self.rows.iter().enumerate() {
            let y0 = top + row * r as i32;
            let (a, b) = (y0 + 3 * s, y0 + row - 3 * s);
            put(root, cut(&g.label, 26), (left - 8 * s, (a + b) / 2), &right)?;
            // the lower half grows left from the centre (the middle point's half included)
            let half = k / 2;
            let middle = if k % 2 == 1 {
                g.shares.get(half).copied().unwrap_or(0.0)
            } else {
                0.0
            };
            let mut x = mid - px(middle / 2.0);
            if k % 2 == 1 {
                rect(
                    root,
                    (x, a),
                    (x + px(middle).max(0), b),
                    diverging_colour(half, k),
                )?;
            }
            for i in (0..half).rev() {
                let w = px(g.shares.get(i).copied().unwrap_or(0.0));
                rect(root, (x - w, a), (x, b), diverging_colour(i, k))?;
                x -= w;
            }
            let mut x = mid + px(middle / 2.0);
            for i in (k - half)..k {
                let w = px(g.shares.get(i).copied().unwrap_or(0.0));
                rect(root, (x, a), (x + w, b), diverging_colour(i, k))?;
                x += w;
            }
        }
        let bottom = top + row * self.rows.len() as i32;
        rect(root, (mid, top - 4 * s), (mid + s, bottom), BLACK)?;
        for (t, at) in [
            ("100%", left),
            ("50%", left + width / 4),
            ("0", mid),
            ("50%", mid + width / 4),
            ("100%", left + width),
        ] {
            put(root, t, (at, bottom + 10 * s), &centre)?;
        }
        Ok(())
    }
}

/// One scale question: per group, the share answering each point, as diverging bars.
pub fn diverging(rows: &[DivergingRow], points: &[String]) -> Result<Chart, ChartError> {
    render(&Diverging { rows, points })
}
