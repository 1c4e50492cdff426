//! Charts drawn with plotters' SVG backend, inlined into `index.html` and written to
//! `charts/*.svg`: the theme x event heatmap and the theme x frame bars. Colour-blind-safe
//! colours (a viridis ramp; the Okabe-Ito palette for frames); withheld cells are hatched grey
//! and labelled; every chart has a data table beside it in the report.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Okabe-Ito colours for leave behind, keep, do differently.
pub const FRAME_COLOURS: [RGBColor; 3] = [
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0x00, 0x9E, 0x73),
];

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
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// Theme (rows) x event (columns) shares; `None` is a withheld cell.
pub fn heatmap(rows: &[String], cols: &[String], values: &[Vec<Option<f64>>]) -> String {
    let (left, top, cw, ch) = (230i32, 150i32, 34i32, 26i32);
    let w = (left + cw * cols.len() as i32 + 90).max(480) as u32;
    let h = (top + ch * rows.len() as i32 + 40) as u32;
    let max = values
        .iter()
        .flatten()
        .flatten()
        .copied()
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let font = ("sans-serif", 13).into_font();
        let label = TextStyle::from(font.clone()).color(&BLACK);
        for (r, name) in rows.iter().enumerate() {
            let y = top + ch * r as i32 + ch / 2;
            let _ = root.draw(&Text::new(
                cut(name, 30),
                (left - 8, y),
                label.pos(Pos::new(HPos::Right, VPos::Center)),
            ));
            for (c, v) in values[r].iter().enumerate() {
                let (x0, y0) = (left + cw * c as i32, top + ch * r as i32);
                let rect = [(x0 + 1, y0 + 1), (x0 + cw - 1, y0 + ch - 1)];
                match v {
                    Some(v) => {
                        // square-root scale: one dominant cell does not flatten the rest
                        let _ =
                            root.draw(&Rectangle::new(rect, viridis((v / max).sqrt()).filled()));
                    }
                    None => {
                        let _ =
                            root.draw(&Rectangle::new(rect, RGBColor(0xdd, 0xdd, 0xdd).filled()));
                        let _ = root.draw(&Text::new(
                            "·",
                            (x0 + cw / 2, y0 + ch / 2),
                            label.pos(Pos::new(HPos::Center, VPos::Center)),
                        ));
                    }
                }
            }
        }
        for (c, name) in cols.iter().enumerate() {
            let x = left + cw * c as i32 + cw / 2;
            let style = TextStyle::from(font.clone())
                .color(&BLACK)
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Left, VPos::Center));
            let _ = root.draw(&Text::new(cut(name, 20), (x, top - 6), style));
        }
        // legend
        let lx = left + cw * cols.len() as i32 + 20;
        for i in 0..=10 {
            let t = (i as f64 / 10.0).sqrt();
            let y = top + (10 - i) * 10;
            let _ = root.draw(&Rectangle::new(
                [(lx, y), (lx + 14, y + 10)],
                viridis(t).filled(),
            ));
        }
        let _ = root.draw(&Text::new(
            format!("{:.0}%", 100.0 * max),
            (lx + 18, top + 4),
            label.clone(),
        ));
        let _ = root.draw(&Text::new("0%", (lx + 18, top + 104), label.clone()));
        let _ = root.draw(&Text::new(
            format!("{:.0}%", 25.0 * max),
            (lx + 18, top + 79),
            label.clone(),
        ));
        let _ = root.draw(&Text::new("· withheld", (lx, top + 130), label));
        let _ = root.present();
    }
    svg
}

/// For each theme, its share of each frame's units (three bars); `None` is withheld.
pub fn frame_bars(rows: &[String], frames: &[&str], values: &[Vec<Option<f64>>]) -> String {
    let (left, top, bar, gap, width) = (230i32, 40i32, 9i32, 10i32, 420i32);
    let group = bar * frames.len() as i32 + gap;
    let w = (left + width + 80) as u32;
    let h = (top + group * rows.len() as i32 + 20) as u32;
    let max = values
        .iter()
        .flatten()
        .flatten()
        .copied()
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let font = ("sans-serif", 13).into_font();
        let label = TextStyle::from(font).color(&BLACK);
        for (i, f) in frames.iter().enumerate() {
            let x = left + 150 * i as i32;
            let _ = root.draw(&Rectangle::new(
                [(x, 12), (x + 12, 24)],
                FRAME_COLOURS[i % 3].filled(),
            ));
            let _ = root.draw(&Text::new(
                f.replace('_', " "),
                (x + 16, 18),
                label.pos(Pos::new(HPos::Left, VPos::Center)),
            ));
        }
        for (r, name) in rows.iter().enumerate() {
            let y0 = top + group * r as i32;
            let _ = root.draw(&Text::new(
                cut(name, 30),
                (left - 8, y0 + group / 2 - gap / 2),
                label.pos(Pos::new(HPos::Right, VPos::Center)),
            ));
            for (i, v) in values[r].iter().enumerate() {
                let y = y0 + bar * i as i32;
                match v {
                    Some(v) => {
                        let len = ((v / max) * width as f64).round() as i32;
                        let _ = root.draw(&Rectangle::new(
                            [(left, y), (left + len.max(1), y + bar - 1)],
                            FRAME_COLOURS[i % 3].filled(),
                        ));
                        let _ = root.draw(&Text::new(
                            format!("{:.0}%", 100.0 * v),
                            (left + len + 4, y + bar / 2),
                            ("sans-serif", 10)
                                .into_font()
                                .color(&BLACK)
                                .pos(Pos::new(HPos::Left, VPos::Center)),
                        ));
                    }
                    None => {
                        let _ = root.draw(&Text::new(
                            "withheld",
                            (left + 4, y + bar / 2),
                            ("sans-serif", 10)
                                .into_font()
                                .color(&BLACK)
                                .pos(Pos::new(HPos::Left, VPos::Center)),
                        ));
                    }
                }
            }
        }
        let _ = root.present();
    }
    svg
}
