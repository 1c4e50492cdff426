//! Charts drawn with plotters, once per backend from one drawing routine: SVG (inlined into
//! `index.html` and written to `charts/*.svg`) and PNG at twice the size (`charts/*.png`, for
//! slides and documents). Text in the PNG uses the bundled fonts, so the images are the same on
//! every machine: DejaVu Sans (Latin, Greek, Cyrillic, Arabic letters) and, for a label with
//! Chinese, Japanese or Korean characters, WenQuanYi Micro Hei (CJK, kana and Hangul beside
//! Latin, Greek and Cyrillic; Apache-2.0, from Debian's fonts-wqy-microhei), which the HTML
//! report also uses (`fonts/` beside it) when its text needs it. Colour-blind-safe colours (a viridis ramp; the Okabe-Ito palette for
//! frames); withheld cells are grey and labelled; every chart has a data table beside it in the
//! report.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

mod measures;
pub use measures::{diverging, prevalence, DivergingRow, PrevalenceRow};

/// Okabe-Ito colours (safe for colour-blind readers), in order: the first three for leave
/// behind, keep, do differently; all seven for opinion groups.
pub const FRAME_COLOURS: [RGBColor; 7] = [
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x00, 0x00, 0x00),
];

const WITHHELD: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
/// A cell with none of the event's units in the theme.
const NONE_RAISED: RGBColor = RGBColor(0xF4, 0xF4, 0xF2);
const FONT: &str = "sans-serif";
/// The family of labels with CJK characters (in the SVG and the HTML, the name viewers look
/// for; the report ships the file when its text has such characters).
pub(crate) const CJK_FONT: &str = "WenQuanYi Micro Hei";
/// WenQuanYi Micro Hei (the first face of Debian's `wqy-microhei.ttc`, as a TrueType file).
pub static CJK_FONT_FILE: &[u8] = include_bytes!("fonts/wqy-microhei.ttf");

/// One chart in both formats.
pub struct Chart {
    pub svg: String,
    pub png: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("could not draw the {chart} chart: {message}")]
    Draw {
        chart: &'static str,
        message: String,
    },
}

/// A chart's layout in logical pixels, drawn at scale `s` on any plotters backend.
trait Draw {
    const NAME: &'static str;
    fn size(&self) -> (i32, i32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: i32) -> DrawResult;
}

type DrawResult = Result<(), String>;

fn fail<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        static DEJAVU: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
        // the bundled fonts are valid; a failure would only leave PNG text undrawn
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU);
        let _ = plotters::style::register_font(CJK_FONT, FontStyle::Normal, CJK_FONT_FILE);
    });
}

fn render<C: Draw>(chart: &C) -> Result<Chart, ChartError> {
    register_font();
    let err = |message| ChartError::Draw {
        chart: C::NAME,
        message,
    };
    let (w, h) = chart.size();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w as u32, h as u32)).into_drawing_area();
        chart.draw(&root, 1).map_err(err)?;
        root.present().map_err(|e| err(fail(e)))?;
    }
    let (pw, ph) = (2 * w as u32, 2 * h as u32);
    let mut rgb = vec![0u8; (pw * ph * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (pw, ph)).into_drawing_area();
        chart.draw(&root, 2).map_err(err)?;
        root.present().map_err(|e| err(fail(e)))?;
    }
    let mut png = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png, pw, ph);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Best);
        let mut writer = enc.write_header().map_err(|e| err(e.to_string()))?;
        writer
            .write_image_data(&rgb)
            .map_err(|e| err(e.to_string()))?;
    }
    Ok(Chart { svg, png })
}

/// Viridis at `t` in 0..=1 (five stops, linear between them).
fn viridis(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 5] = [
        (0x44, 0x01, 0x54),
        (0x3b, 0x52, 0x8b),
        (0x21, 0x91, 0x8c),
        (0x5e, 0xc9, 0x62),
        (0xfd, 0xe7, 0x25),
    ];
    let t = t.clamp(0.0, 1.0) * 4.0;
    let i = (t.floor() as usize).min(3);
    let f = t - i as f64;
    mix(STOPS[i], STOPS[i + 1], f)
}

/// The colour a fraction `t` of the way from `a` to `b`.
fn mix(a: (u8, u8, u8), b: (u8, u8, u8), t: f64) -> RGBColor {
    let m = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * t).round() as u8;
    RGBColor(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

fn max_value(values: &[Vec<Option<f64>>]) -> f64 {
    values
        .iter()
        .flatten()
        .flatten()
        .copied()
        .fold(0.0f64, f64::max)
        .max(1e-9)
}

fn text<'a>(size: i32, s: i32, h: HPos) -> TextStyle<'a> {
    TextStyle::from((FONT, (size * s) as f64).into_font())
        .color(&BLACK)
        .pos(Pos::new(h, VPos::Center))
}

/// Whether `text` has a Han, kana or Hangul character (which DejaVu Sans lacks).
pub(crate) fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c as u32,
            0x1100..=0x11ff | 0x2e80..=0x2fdf | 0x3000..=0x30ff | 0x3130..=0x318f
            | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xa960..=0xa97f | 0xac00..=0xd7ff
            | 0xf900..=0xfaff | 0xff00..=0xffef | 0x20000..=0x2ffff)
    })
}

fn put<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    label: impl Into<String>,
    at: (i32, i32),
    style: &TextStyle,
) -> DrawResult {
    let label = crate::script::for_drawing(&label.into());
    let style = if has_cjk(&label) {
        let f = &style.font;
        TextStyle {
            font: FontDesc::new(FontFamily::Name(CJK_FONT), f.get_size(), f.get_style())
                .transform(f.get_transform()),
            ..style.clone()
        }
    } else {
        style.clone()
    };
    root.draw(&Text::new(label, at, style)).map_err(fail)
}

fn rect<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    from: (i32, i32),
    to: (i32, i32),
    colour: RGBColor,
) -> DrawResult {
    root.draw(&Rectangle::new([from, to], colour.filled()))
        .map_err(fail)
}

/// Theme (rows) x event (columns) shares; `None` is a withheld cell. Many events are drawn in
/// panels of at most [`PANEL_COLUMNS`] columns stacked one under another (each with the theme
/// names), so the chart stays as wide as a page at 65 or 200 events; each cell carries its value.
struct Heatmap<'a> {
    rows: &'a [String],
    cols: &'a [String],
    values: &'a [Vec<Option<f64>>],
    /// The share at the dark end of the scale: the largest value of the whole heatmap, so
    /// every panel of it has one scale.
    max: f64,
}

const HEAT: (i32, i32, i32, i32) = (230, 190, 34, 26); // left, top, cell width, cell height

/// Most event columns in one panel of the heatmap.
const PANEL_COLUMNS: usize = 24;

/// Most theme rows in one of the page's panels: 30 rows of 24 columns fit an A4 page.
const PANEL_ROWS: usize = 30;

/// Space between two panels.
const PANEL_GAP: i32 = 30;

/// `n` rows or columns cut into as few parts of at most `most` as can be, as even as they
/// allow (51 events: 17, 17, 17, not 24, 24, 3): the first index of each part and its length;
/// one empty part for none.
fn even_parts(n: usize, most: usize) -> Vec<(usize, usize)> {
    if n == 0 {
        return vec![(0, 0)];
    }
    let per = n.div_ceil(n.div_ceil(most.max(1)));
    (0..n)
        .step_by(per)
        .map(|first| (first, per.min(n - first)))
        .collect()
}

impl Heatmap<'_> {
    fn panel_height(&self) -> i32 {
        let (_, top, _, ch) = HEAT;
        top + ch * self.rows.len() as i32 + PANEL_GAP
    }
}

impl Draw for Heatmap<'_> {
    const NAME: &'static str = "theme x event";

    fn size(&self) -> (i32, i32) {
        let (left, _, cw, _) = HEAT;
        let parts = even_parts(self.cols.len(), PANEL_COLUMNS);
        let (per, panels) = (parts[0].1.max(1), parts.len() as i32);
        (
            (left + cw * per as i32 + 130).max(480),
            self.panel_height() * panels + 10,
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: i32) -> DrawResult {
        let (left, cw, ch) = (HEAT.0 * s, HEAT.2 * s, HEAT.3 * s);
        let max = self.max;
        root.fill(&WHITE).map_err(fail)?;
        let right = text(13, s, HPos::Right);
        let centre = text(13, s, HPos::Center);
        let plain = text(13, s, HPos::Left);
        let value_dark = text(10, s, HPos::Center);
        let value_light = TextStyle::from((FONT, (10 * s) as f64).into_font())
            .color(&WHITE)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let rotated = TextStyle::from((FONT, (13 * s) as f64).into_font())
            .color(&BLACK)
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for (p, (first, width)) in even_parts(self.cols.len(), PANEL_COLUMNS)
            .into_iter()
            .enumerate()
        {
            let last = first + width;
            let top = (self.panel_height() * p as i32 + HEAT.1) * s;
            for (r, name) in self.rows.iter().enumerate() {
                let y0 = top + ch * r as i32;
                put(root, cut(name, 30), (left - 8 * s, y0 + ch / 2), &right)?;
                for (c, v) in self.values[r][first..last].iter().enumerate() {
                    let x0 = left + cw * c as i32;
                    let (a, b) = ((x0 + s, y0 + s), (x0 + cw - s, y0 + ch - s));
                    let mid = (x0 + cw / 2, y0 + ch / 2);
                    match v {
                        // square-root scale: one dominant cell does not flatten the rest; the
                        // ramp runs light to dark, so a 0% cell is pale and the strong ones
                        // stand out; the value in white on the dark half
                        // none of the event's units: near white and unlabelled, so the
                        // themes an event did raise stand out
                        Some(v) if *v <= 0.0 => rect(root, a, b, NONE_RAISED)?,
                        Some(v) => {
                            let t = (v / max).sqrt();
                            rect(root, a, b, viridis(1.0 - t))?;
                            let shown = format!("{:.0}", 100.0 * v);
                            put(
                                root,
                                shown,
                                mid,
                                if t > 0.5 { &value_light } else { &value_dark },
                            )?;
                        }
                        None => {
                            rect(root, a, b, WITHHELD)?;
                            put(root, "·", mid, &centre)?;
                        }
                    }
                }
            }
            for (c, name) in self.cols[first..last].iter().enumerate() {
                let x = left + cw * c as i32 + cw / 2;
                put(
                    root,
                    cut(name, crate::figures::CHART_LABEL),
                    (x, top - 6 * s),
                    &rotated,
                )?;
            }
            if p > 0 {
                continue;
            }
            // legend, beside the first panel
            let lx = left + cw * (last - first) as i32 + 20 * s;
            for i in 0..=10 {
                let y = top + (10 - i) * 10 * s;
                let t = (i as f64 / 10.0).sqrt();
                rect(root, (lx, y), (lx + 14 * s, y + 10 * s), viridis(1.0 - t))?;
            }
            let tx = lx + 18 * s;
            // the top of the ramp, and a quarter of it (halfway up, on the square-root scale)
            for (share, y) in [(100.0, 5), (25.0, 80)] {
                let label = format!("{:.0}%", share * max);
                put(root, label, (tx, top + y * s), &plain)?;
            }
            put(root, "0%", (tx, top + 105 * s), &plain)?;
            rect(
                root,
                (lx, top + 118 * s),
                (lx + 14 * s, top + 128 * s),
                NONE_RAISED,
            )?;
            put(root, "none", (tx, top + 123 * s), &plain)?;
            put(root, "· withheld", (lx, top + 140 * s), &plain)?;
            put(root, "cells: % of the", (lx, top + 160 * s), &plain)?;
            put(root, "event's units", (lx, top + 176 * s), &plain)?;
        }
        Ok(())
    }
}

/// The theme x event heatmap: theme (rows) x event (columns) shares, `None` withheld.
pub fn heatmap(
    rows: &[String],
    cols: &[String],
    values: &[Vec<Option<f64>>],
) -> Result<Chart, ChartError> {
    let max = max_value(values);
    render(&Heatmap {
        rows,
        cols,
        values,
        max,
    })
}

/// The same heatmap as one chart per panel of at most [`PANEL_ROWS`] themes and
/// [`PANEL_COLUMNS`] events (each with its legend, all on one scale), for a page that lets
/// print keep a panel on one sheet: events across, then themes down.
pub fn heatmap_panels(
    rows: &[String],
    cols: &[String],
    values: &[Vec<Option<f64>>],
) -> Result<Vec<Chart>, ChartError> {
    let max = max_value(values);
    let mut out = Vec::new();
    for (top, height) in even_parts(rows.len(), PANEL_ROWS) {
        let rows_here = rows.get(top..top + height).unwrap_or_default();
        for (first, width) in even_parts(cols.len(), PANEL_COLUMNS) {
            let part: Vec<Vec<Option<f64>>> = values
                .get(top..top + height)
                .unwrap_or_default()
                .iter()
                .map(|r| r.get(first..first + width).unwrap_or_default().to_vec())
                .collect();
            out.push(render(&Heatmap {
                rows: rows_here,
                cols: cols.get(first..first + width).unwrap_or_default(),
                values: &part,
                max,
            })?);
        }
    }
    Ok(out)
}

/// For each row, one bar per series (a theme's share of each frame's units; a statement's
/// agree share in each opinion group); `None` is withheld.
struct FrameBars<'a> {
    rows: &'a [String],
    frames: &'a [&'a str],
    values: &'a [Vec<Option<f64>>],
    /// What a `None` bar says ("withheld"; empty: nothing drawn).
    missing: &'static str,
}

const BARS: (i32, i32, i32, i32, i32) = (230, 40, 9, 10, 420); // left, top, bar, gap, width

impl Draw for FrameBars<'_> {
    const NAME: &'static str = "grouped bars";

    fn size(&self) -> (i32, i32) {
        let (left, top, bar, gap, width) = BARS;
        let group = bar * self.frames.len() as i32 + gap;
        (left + width + 80, top + group * self.rows.len() as i32 + 20)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: i32) -> DrawResult {
        let (left, top, bar, gap, width) =
            (BARS.0 * s, BARS.1 * s, BARS.2 * s, BARS.3 * s, BARS.4 * s);
        let group = bar * self.frames.len() as i32 + gap;
        let max = max_value(self.values);
        root.fill(&WHITE).map_err(fail)?;
        let label = text(13, s, HPos::Left);
        let right = text(13, s, HPos::Right);
        let small = text(10, s, HPos::Left);
        for (i, f) in self.frames.iter().enumerate() {
            // legend items as far apart as the chart's width allows, at most 150 px
            let step = (150 * s).min((width + 60 * s) / self.frames.len().max(1) as i32);
            let x = left + step * i as i32;
            rect(
                root,
                (x, 12 * s),
                (x + 12 * s, 24 * s),
                FRAME_COLOURS[i % FRAME_COLOURS.len()],
            )?;
            put(root, f.replace('_', " "), (x + 16 * s, 18 * s), &label)?;
        }
        for (r, name) in self.rows.iter().enumerate() {
            let y0 = top + group * r as i32;
            put(
                root,
                cut(name, 30),
                (left - 8 * s, y0 + group / 2 - gap / 2),
                &right,
            )?;
            for (i, v) in self.values[r].iter().enumerate() {
                let y = y0 + bar * i as i32;
                match v {
                    Some(v) => {
                        let len = ((v / max) * width as f64).round() as i32;
                        let end = left + len.max(s);
                        rect(
                            root,
                            (left, y),
                            (end, y + bar - s),
                            FRAME_COLOURS[i % FRAME_COLOURS.len()],
                        )?;
                        let at = (end + 4 * s, y + bar / 2);
                        put(root, format!("{:.0}%", 100.0 * v), at, &small)?;
                    }
                    None if self.missing.is_empty() => {}
                    None => put(root, self.missing, (left + 4 * s, y + bar / 2), &small)?,
                }
            }
        }
        Ok(())
    }
}

/// The theme x frame bars: each theme's share of each frame's units, `None` withheld.
pub fn frame_bars(
    rows: &[String],
    frames: &[&str],
    values: &[Vec<Option<f64>>],
) -> Result<Chart, ChartError> {
    render(&FrameBars {
        rows,
        frames,
        values,
        missing: "withheld",
    })
}

/// Statements (rows) by opinion group: each group's share of agree votes; `None` draws no bar
/// (the group is not in that statement's conversation, or has fewer voters than the report
/// shows).
pub fn group_bars(
    rows: &[String],
    groups: &[&str],
    values: &[Vec<Option<f64>>],
) -> Result<Chart, ChartError> {
    render(&FrameBars {
        rows,
        frames: groups,
        values,
        missing: "",
    })
}

/// Colours of the themes in the timeline (Paul Tol's muted scheme, colour-blind safe, and two
/// more); themes beyond them are drawn in [`OTHER`].
pub const THEME_COLOURS: [RGBColor; 11] = [
    RGBColor(0x33, 0x22, 0x88),
    RGBColor(0x88, 0xCC, 0xEE),
    RGBColor(0x44, 0xAA, 0x99),
    RGBColor(0x11, 0x77, 0x33),
    RGBColor(0x99, 0x99, 0x33),
    RGBColor(0xDD, 0xCC, 0x77),
    RGBColor(0xCC, 0x66, 0x77),
    RGBColor(0x88, 0x22, 0x55),
    RGBColor(0xAA, 0x44, 0x99),
    RGBColor(0x00, 0x44, 0x88),
    RGBColor(0xEE, 0x77, 0x33),
];
const OTHER: RGBColor = RGBColor(0x99, 0x99, 0x99);
const NO_THEME: RGBColor = RGBColor(0xe8, 0xe8, 0xe8);

/// One event's row of the timeline: segments as (share of the event's span where it starts,
/// where it ends, index of its theme in the legend, or `None` without a theme).
pub struct TimelineRow {
    pub event: String,
    pub segments: Vec<(f64, f64, Option<usize>)>,
}

struct Timeline<'a> {
    rows: &'a [TimelineRow],
    /// Theme labels, in colour order.
    legend: &'a [String],
}

const LINE: (i32, i32, i32, i32) = (200, 16, 560, 15); // left, top, width, row height

impl Draw for Timeline<'_> {
    const NAME: &'static str = "agenda timeline";

    fn size(&self) -> (i32, i32) {
        let (left, top, width, row) = LINE;
        let legend_rows = (self.legend.len().min(THEME_COLOURS.len()) as i32 + 3) / 2;
        (
            left + width + 20,
            top + row * self.rows.len() as i32 + 30 + 18 * legend_rows,
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: i32) -> DrawResult {
        let (left, top, width, row) = (LINE.0 * s, LINE.1 * s, LINE.2 * s, LINE.3 * s);
        root.fill(&WHITE).map_err(fail)?;
        let right = text(11, s, HPos::Right);
        let plain = text(11, s, HPos::Left);
        let colour = |t: Option<usize>| match t {
            Some(i) if i < THEME_COLOURS.len() => THEME_COLOURS[i],
            Some(_) => OTHER,
            None => NO_THEME,
        };
        put(root, "start", (left, top - 8 * s), &plain)?;
        put(root, "end", (left + width, top - 8 * s), &right)?;
        for (r, line) in self.rows.iter().enumerate() {
            let y0 = top + row * r as i32;
            put(
                root,
                cut(&line.event, 30),
                (left - 6 * s, y0 + row / 2),
                &right,
            )?;
            for &(a, b, theme) in &line.segments {
                let x0 = left + (a * width as f64).round() as i32;
                let x1 = (left + (b * width as f64).round() as i32).max(x0 + s);
                rect(root, (x0, y0 + s), (x1 - s, y0 + row - s), colour(theme))?;
            }
        }
        // legend: two columns under the rows
        let ly = top + row * self.rows.len() as i32 + 14 * s;
        let shown = self.legend.len().min(THEME_COLOURS.len());
        let mut entries: Vec<(String, RGBColor)> = self.legend[..shown]
            .iter()
            .enumerate()
            .map(|(i, l)| (l.clone(), THEME_COLOURS[i]))
            .collect();
        if self.legend.len() > shown {
            entries.push(("other themes".into(), OTHER));
        }
        entries.push(("no theme (procedural or no content)".into(), NO_THEME));
        for (i, (label, c)) in entries.iter().enumerate() {
            let x = left - 150 * s + (i as i32 % 2) * 360 * s;
            let y = ly + (i as i32 / 2) * 18 * s;
            rect(root, (x, y), (x + 12 * s, y + 12 * s), *c)?;
            put(root, cut(label, 48), (x + 16 * s, y + 6 * s), &plain)?;
        }
        Ok(())
    }
}

/// The agenda timeline: one row per event, its segments in order coloured by theme.
pub fn timeline(rows: &[TimelineRow], legend: &[String]) -> Result<Chart, ChartError> {
    render(&Timeline { rows, legend })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The PNG of a one-row heatmap whose row is `label`.
    fn drawn(label: &str) -> Vec<u8> {
        let rows = [label.to_string()];
        let cols = ["e1".to_string()];
        heatmap(&rows, &cols, &[vec![Some(0.5)]]).unwrap().png
    }

    #[test]
    fn many_events_are_drawn_in_panels_as_wide_as_a_page() {
        for n in [70usize, 200] {
            let rows: Vec<String> = (0..12).map(|r| format!("theme {r}")).collect();
            let cols: Vec<String> = (0..n).map(|c| format!("event {c:03}")).collect();
            let values: Vec<Vec<Option<f64>>> = (0..12)
                .map(|r| (0..n).map(|c| Some(((r * c) % 7) as f64 / 20.0)).collect())
                .collect();
            let chart = heatmap(&rows, &cols, &values).unwrap();
            // every event named, once
            for c in &cols {
                assert_eq!(
                    chart.svg.matches(&format!("\n{c}\n</text>")).count(),
                    1,
                    "{c}"
                );
            }
            let width: i32 = chart
                .svg
                .split("width=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert!(
                width <= 230 + 34 * PANEL_COLUMNS as i32 + 130,
                "{n} events: {width} px wide"
            );
            // each panel repeats the theme names
            let panels = n.div_ceil(PANEL_COLUMNS);
            assert_eq!(chart.svg.matches("\ntheme 3\n</text>").count(), panels);
            // the page's panels: the same columns, one chart each
            let parts = heatmap_panels(&rows, &cols, &values).unwrap();
            assert_eq!(parts.len(), panels);
            let named: usize = parts
                .iter()
                .map(|p| {
                    cols.iter()
                        .filter(|c| p.svg.contains(&format!("\n{c}\n</text>")))
                        .count()
                })
                .sum();
            assert_eq!(named, n);
        }
    }

    #[test]
    fn the_pages_panels_fit_a_sheet_and_share_one_scale() {
        // 70 themes x 30 events: 3 x 2 panels of 24 themes and 15 events
        let rows: Vec<String> = (0..70).map(|r| format!("theme {r:02}")).collect();
        let cols: Vec<String> = (0..30).map(|c| format!("event {c:02}")).collect();
        let values: Vec<Vec<Option<f64>>> = (0..70)
            .map(|r| (0..30).map(|c| Some((r + c) as f64 / 392.0)).collect())
            .collect();
        let parts = heatmap_panels(&rows, &cols, &values).unwrap();
        assert_eq!(parts.len(), 6);
        for (i, p) in parts.iter().enumerate() {
            let named = |names: &[String]| {
                names
                    .iter()
                    .filter(|x| p.svg.contains(&format!("\n{x}\n</text>")))
                    .count()
            };
            assert_eq!(
                (named(&rows), named(&cols)),
                (24.min(70 - 24 * (i / 2)), 15),
                "panel {i}"
            );
            // the largest share of the whole heatmap tops every panel's legend
            assert!(
                p.svg.contains("\n25%\n</text>"),
                "panel {i} has its own scale"
            );
        }
    }

    #[test]
    fn every_script_is_drawn_with_its_own_glyphs() {
        // a script without glyphs in the font draws the same empty box for every character:
        // two different words of it, as long as each other, would give the same image
        for (a, b) in [
            ("計程車", "公務員"),
            ("ひらがな", "カタカナ"),
            ("한국어", "공공성"),
            ("Ελληνικά", "Δημόσιος"),
            ("Русский", "Госслуж"),
            ("العربية", "الخدمات"),
        ] {
            assert_ne!(drawn(a), drawn(b), "{a} and {b} look the same");
        }
        assert!(has_cjk("計程車 taxi") && has_cjk("한국어") && !has_cjk("Ελληνικά Русский"));
    }
}
