//! Report: the insights and the themes' quotes -> files a convener can publish, in `--out DIR`:
//! `index.html` (self-contained), `report.md`, `insights.json` (every number, with the
//! sentences about them), `charts/*.svg` and `*.png`, `tables/*.csv`, `manifest.json`.
//!
//! Reads the insights (`chorus_insights::compute`), the quotes, units, participants, events and
//! sources; writes the files above. `run` is one step per file of this crate: `quotes.rs`
//! selects and verifies the quotes, `prose.rs` writes the sentences from the numbers,
//! `json.rs`, `tables.rs`, `markdown.rs`, `charts.rs` and `html.rs` write the files (with
//! `figures.rs` holding what the page and `report.md` show alike), `provenance.rs` the data
//! sources and `manifest.json`.
//!
//! Participant text is untrusted: Markdown and HTML in it are escaped, and CSV cells that a
//! spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) are prefixed with `'`.
//! Every quote is checked verbatim against the corpus before anything is written; a mismatch
//! fails the stage. The same workspace gives byte-identical files.

pub mod charts;
mod figures;
mod html;
mod json;
mod markdown;
pub mod prose;
mod provenance;
mod quotes;
mod script;
mod tables;

pub use charts::CJK_FONT_FILE;
pub use html::cjk_font_face;

use std::path::{Path, PathBuf};

use chorus_core::error::Diagnostic;
use chorus_core::model::{Frame, Workspace};
use chorus_insights::{self as insights, Insights, InsightsConfig, InsightsError};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Insights(#[from] InsightsError),
    #[error("could not read the frames")]
    Frames(#[from] polars::error::PolarsError),
    #[error("quote `{unit}` of theme `{theme}` is not verbatim the unit's text in the corpus; the themes are stale")]
    QuoteMismatch { theme: String, unit: String },
    #[error(transparent)]
    Chart(#[from] charts::ChartError),
    #[error(
        "`{0}` holds files that are not a chorus report; the report replaces its folder whole"
    )]
    NotAReportFolder(PathBuf),
    #[error("could not write `{path}`")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Diagnostic for ReportError {
    fn hint(&self) -> Option<String> {
        match self {
            ReportError::Insights(e) => e.hint(),
            ReportError::QuoteMismatch { .. } => Some("run `chorus themes` again".into()),
            ReportError::NotAReportFolder(_) => {
                Some("choose a new or empty folder with `--out`".into())
            }
            ReportError::Frames(_) | ReportError::Chart(_) | ReportError::Write { .. } => None,
        }
    }
}

#[derive(Debug, serde::Serialize)]
pub struct ReportOutput {
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
}

/// Writes the report files for the workspace into `out`, whole or not at all: every file is
/// written into a staging folder beside `out`, which then takes `out`'s place, so a run killed
/// half-way leaves the last complete report, never a mix of old and new files.
pub fn run(ws: &Workspace, out: &Path, cfg: &InsightsConfig) -> Result<ReportOutput, ReportError> {
    let _span = tracing::info_span!("report").entered();
    check_replaceable(out)?;
    let name = out
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    let parent = out.parent().unwrap_or(Path::new("."));
    let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let written = write_all(ws, &staging, cfg);
    let written = match written {
        Ok(w) => w,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    publish(&staging, out)?;
    Ok(ReportOutput {
        dir: out.to_path_buf(),
        files: written
            .files
            .iter()
            .map(|f| out.join(f.strip_prefix(&staging).unwrap_or(f)))
            .collect(),
    })
}

/// `out` may be replaced when it does not exist, is empty, or holds a report chorus wrote (its
/// `manifest.json`): never a folder of other files.
fn check_replaceable(out: &Path) -> Result<(), ReportError> {
    let Ok(mut entries) = std::fs::read_dir(out) else {
        return match out.exists() {
            true => Err(ReportError::NotAReportFolder(out.to_path_buf())),
            false => Ok(()),
        };
    };
    if entries.next().is_none() || out.join("manifest.json").is_file() {
        Ok(())
    } else {
        Err(ReportError::NotAReportFolder(out.to_path_buf()))
    }
}

/// Puts the staged report in `out`'s place: the old report moves aside, the new one moves in,
/// the old one goes.
fn publish(staging: &Path, out: &Path) -> Result<(), ReportError> {
    let failed = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReportError::Write { path, source }
    };
    let old = staging.with_extension("old");
    if out.exists() {
        let _ = std::fs::remove_dir_all(&old);
        std::fs::rename(out, &old).map_err(failed(out))?;
    }
    std::fs::rename(staging, out).map_err(failed(out))?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// Writes every report file into `out`.
fn write_all(
    ws: &Workspace,
    out: &Path,
    cfg: &InsightsConfig,
) -> Result<ReportOutput, ReportError> {
    let ins: Insights = insights::compute(ws, cfg)?;
    let quotes = quotes::read_quotes(ws, ins.k)?;
    let sources = provenance::read_sources(ws)?;
    let mut files = vec![write(
        &out.join("insights.json"),
        json::insights_json(&ins),
    )?];
    files.extend(tables::write_tables(out, &ins)?);
    let md = markdown::report(&ins, &quotes, &sources);
    files.push(write(&out.join("report.md"), md)?);
    let charts = draw_charts(&ins)?;
    files.extend(write_chart(out, "prevalence", &charts.prevalence)?);
    files.extend(write_chart(out, "theme_event", &charts.heat)?);
    if let Some(bars) = &charts.frames {
        files.extend(write_chart(out, "theme_frame", bars)?);
    }
    if let Some(timeline) = &charts.timeline {
        files.extend(write_chart(out, "agenda_timeline", timeline)?);
    }
    if let Some(groups) = &charts.groups {
        files.extend(write_chart(out, "statement_groups", groups)?);
    }
    for (i, scale) in charts.scales.iter().enumerate() {
        files.extend(write_chart(out, &format!("scale_{}", i + 1), scale)?);
    }
    let page = html::page(&ins, &quotes, &charts, &sources);
    // a reader without a CJK font still sees the text: the page's @font-face finds this file
    if charts::has_cjk(&page) {
        files.push(write(
            &out.join(html::CJK_FONT_PATH),
            charts::CJK_FONT_FILE,
        )?);
    }
    files.push(write(&out.join("index.html"), page)?);
    let manifest = provenance::manifest(ws, &ins)?;
    files.push(write(&out.join("manifest.json"), manifest)?);
    Ok(ReportOutput {
        dir: out.to_path_buf(),
        files,
    })
}

/// The report's charts: themes across events, across question frames when answers carry a
/// frame, and the agenda timeline when events have transcripts.
pub(crate) struct Charts {
    pub(crate) prevalence: charts::Chart,
    /// The statements that split the opinion groups, each group's agree share.
    pub(crate) groups: Option<charts::Chart>,
    /// One diverging chart per scale question, in the insights' order.
    pub(crate) scales: Vec<charts::Chart>,
    pub(crate) heat: charts::Chart,
    /// The heatmap's panels, one chart each, for the page.
    pub(crate) heat_panels: Vec<charts::Chart>,
    pub(crate) frames: Option<charts::Chart>,
    pub(crate) timeline: Option<charts::Chart>,
}

fn draw_charts(ins: &Insights) -> Result<Charts, ReportError> {
    let labels: Vec<String> = ins.themes.iter().map(|t| t.label.clone()).collect();
    let events = figures::event_columns(ins);
    let heat_values: Vec<Vec<Option<f64>>> = ins
        .themes
        .iter()
        .map(|t| {
            events
                .iter()
                .map(|(e, _)| t.by_event.get(e).and_then(|c| c.value))
                .collect()
        })
        .collect();
    let columns: Vec<String> = events.into_iter().map(|(_, shown)| shown).collect();
    let heat = charts::heatmap(&labels, &columns, &heat_values)?;
    let heat_panels = charts::heatmap_panels(&labels, &columns, &heat_values)?;
    let prevalence = charts::prevalence(
        &ins.themes
            .iter()
            .map(|t| charts::PrevalenceRow {
                label: t.label.clone(),
                value: t.pooled_prevalence,
                interval: t.pooled_interval,
            })
            .collect::<Vec<_>>(),
    )?;
    let groups = statement_groups(ins)?;
    let scales = ins
        .scales
        .iter()
        .map(scale_chart)
        .collect::<Result<Vec<_>, _>>()?;
    let timeline = if ins.agenda.is_empty() {
        None
    } else {
        let (rows, legend) = figures::timeline(ins);
        Some(charts::timeline(&rows, &legend)?)
    };
    if !figures::has_frames(ins) {
        return Ok(Charts {
            prevalence,
            groups,
            scales,
            heat,
            heat_panels,
            frames: None,
            timeline,
        });
    }
    let frames = Frame::ALL.map(Frame::as_str);
    // the themes raised under some frame (the data table lists them all)
    let (framed, frame_values): (Vec<String>, Vec<Vec<Option<f64>>>) = ins
        .themes
        .iter()
        .map(|t| {
            let row: Vec<Option<f64>> = frames
                .iter()
                .map(|f| t.by_frame.get(*f).and_then(|c| c.value))
                .collect();
            (t.label.clone(), row)
        })
        .filter(|(_, row)| row.iter().any(|v| v.is_some_and(|v| v > 0.0)))
        .unzip();
    let bars = charts::frame_bars(&framed, &frames, &frame_values)?;
    Ok(Charts {
        prevalence,
        groups,
        scales,
        heat,
        heat_panels,
        frames: Some(bars),
        timeline,
    })
}

/// The divergence statements' agree share in each opinion group ("group 0", ...), numbered as
/// in the report's table; `None` when no statement splits the groups.
fn statement_groups(ins: &Insights) -> Result<Option<charts::Chart>, ReportError> {
    if ins.divergence.is_empty() {
        return Ok(None);
    }
    let names: std::collections::BTreeSet<&str> = ins
        .divergence
        .iter()
        .flat_map(|s| s.groups.keys().map(String::as_str))
        .collect();
    let labels: Vec<String> = names.iter().map(|g| format!("group {g}")).collect();
    let legend: Vec<&str> = labels.iter().map(String::as_str).collect();
    let rows: Vec<String> = ins
        .divergence
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. {}", i + 1, s.text))
        .collect();
    let values: Vec<Vec<Option<f64>>> = ins
        .divergence
        .iter()
        .map(|s| names.iter().map(|g| s.groups.get(*g).copied()).collect())
        .collect();
    Ok(Some(charts::group_bars(&rows, &legend, &values)?))
}

/// A scale question's answers per shown group (all, then each country, sector and level with
/// at least k respondents), as shares of each point of the scale.
fn scale_chart(q: &chorus_insights::ScaleInsight) -> Result<charts::Chart, ReportError> {
    let (lo, hi) = (q.scale.0.round() as i64, q.scale.1.round() as i64);
    let points: Vec<String> = (lo..=hi).map(|p| p.to_string()).collect();
    let rows: Vec<charts::DivergingRow> = q
        .groups()
        .filter(|g| !g.suppressed && g.n > 0)
        .map(|g| charts::DivergingRow {
            label: match g.by {
                "all" => "all respondents".to_string(),
                "country" => g.group.clone(),
                by => format!("{by}: {}", g.group),
            },
            shares: points
                .iter()
                .map(|p| *g.distribution.get(p).unwrap_or(&0) as f64 / g.n as f64)
                .collect(),
        })
        .collect();
    Ok(charts::diverging(&rows, &points)?)
}

/// `charts/NAME.svg` and `charts/NAME.png`.
fn write_chart(out: &Path, name: &str, chart: &charts::Chart) -> Result<[PathBuf; 2], ReportError> {
    Ok([
        write(&out.join(format!("charts/{name}.svg")), &chart.svg)?,
        write(&out.join(format!("charts/{name}.png")), &chart.png)?,
    ])
}

/// Writes one file, making its folder first.
fn write(path: &Path, text: impl AsRef<[u8]>) -> Result<PathBuf, ReportError> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).map_err(|source| ReportError::Write {
            path: d.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, text).map_err(|source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(path.to_path_buf())
}
