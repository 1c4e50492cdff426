//! Report: the insights and the themes' quotes -> files a convener can publish, in `--out DIR`:
//! `index.html` (self-contained), `report.md`, `insights.json` (every number),
//! `charts/*.svg` and `*.png`, `tables/*.csv`, `manifest.json`.
//!
//! Participant text is untrusted: Markdown and HTML in it are escaped, and CSV cells that a
//! spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) are prefixed with `'`.
//! Every quote is checked verbatim against the corpus before anything is written; a mismatch
//! fails the stage. The same workspace gives byte-identical files.

pub mod charts;
pub mod html;

use chorus_core::error::Diagnostic;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chorus_core::store::{read_file, read_table, str_column};
use chorus_core::text::place;
use chorus_insights::{self as insights, Insights, InsightsConfig, InsightsError, ThemeInsight};
use chorus_core::model::{col, Table, Workspace};

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
            ReportError::Frames(_) | ReportError::Chart(_) | ReportError::Write { .. } => None,
        }
    }
}

#[derive(Debug, serde::Serialize)]
pub struct ReportOutput {
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
}

/// Escapes text for Markdown (and the HTML Markdown may carry).
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A CSV field: quoted when needed, formula-looking text made inert.
pub fn csv_field(s: &str) -> String {
    let inert = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if inert.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", inert.replace('"', "\"\""))
    } else {
        inert
    }
}

struct Quote {
    theme: String,
    event: String,
    text: String,
    participant: Option<String>,
    /// The speaker's role, when at least k participants of the event share it.
    role: Option<String>,
    place: String,
}

/// A scale question's groups in the order tables list them: overall, then by country, sector and
/// level.
pub(crate) fn scale_groups(
    s: &insights::ScaleInsight,
) -> impl Iterator<Item = &insights::ScaleGroup> {
    std::iter::once(&s.overall)
        .chain(&s.by_country)
        .chain(&s.by_sector)
        .chain(&s.by_level)
}

/// The overview table's columns, in the page and in `report.md`.
pub(crate) const OVERVIEW_HEADER: [&str; 6] = [
    "events",
    "countries",
    "participants",
    "units",
    "units in a theme",
    "participants in a theme",
];

/// The overview table's cells (numbers only: nothing to escape).
pub(crate) fn overview_cells(o: &insights::Overview) -> [String; 6] {
    [
        o.events.to_string(),
        o.countries.len().to_string(),
        o.participants.to_string(),
        o.units.to_string(),
        format!("{:.0}%", 100.0 * o.unit_coverage),
        format!("{:.0}%", 100.0 * o.participant_coverage),
    ]
}

/// A distinctive theme's columns after its group, in the page and in `report.md`.
pub(crate) const CONTRAST_HEADER: [&str; 4] = ["theme", "share there", "share elsewhere", "z"];

/// A distinctive theme's cells, its label escaped with `escape`.
pub(crate) fn contrast_cells(
    d: &insights::DistinctiveTheme,
    escape: fn(&str) -> String,
) -> [String; 4] {
    [
        escape(&d.label),
        format!("{:.0}%", 100.0 * d.share),
        format!("{:.0}%", 100.0 * d.rest_share),
        format!("{:.1}", d.z),
    ]
}

/// The method's sentence on the parameters, in the page and in `report.md`.
pub(crate) fn parameters_note(ins: &Insights) -> String {
    let p = &ins.method.themes;
    let num = |k: &str| {
        p[k].as_f64()
            .map_or("default".to_string(), |v| format!("{v:.2}"))
    };
    format!(
        "Parameters: seed {}, similarity bar {}, words weight {}, {} themes; model {}.",
        p["seed"]
            .as_u64()
            .map_or("default".to_string(), |s| s.to_string()),
        num("min_similarity"),
        num("vocabulary_weight"),
        p["themes"]
            .as_u64()
            .map_or("automatic number of".to_string(), |n| n.to_string()),
        ins.method.model.as_deref().unwrap_or("unknown")
    )
}

/// The method's sentence on disclosure control, in the page and in `report.md`.
pub(crate) fn disclosure_note(k: usize, quotes_withheld: usize) -> String {
    format!("breakdown cells resting on fewer than {k} participants are withheld, and so are quotes from events with fewer than {k} participants ({quotes_withheld} withheld); a speaker's role is shown only when at least {k} participants of the event share it.")
}


/// "Subthemes: A (n units); B (m units)" for a theme with subthemes, labels escaped.
pub(crate) fn subtheme_list(t: &ThemeInsight, escape: fn(&str) -> String) -> Option<String> {
    (!t.subthemes.is_empty()).then(|| {
        let subs: Vec<String> = t
            .subthemes
            .iter()
            .map(|s| format!("{} ({} units)", escape(&s.label), s.units))
            .collect();
        format!("Subthemes: {}", subs.join("; "))
    })
}

impl Quote {
    /// The pseudonymous speaker, with their role when it may be shown.
    fn who(&self) -> String {
        let id = self.participant.as_deref().unwrap_or("-");
        match &self.role {
            Some(r) => format!("{id} ({r})"),
            None => id.to_string(),
        }
    }
}

/// The theme quotes that may be shown, and how many were withheld. A quote shows its event (and
/// so the event's country, sector and level) and a pseudonymous speaker; it is withheld when
/// the event has fewer than `k` participants. The speaker's role is shown only when at least
/// `k` participants of the event share it.
fn quotes(ws: &Workspace, k: usize) -> Result<(Vec<Quote>, usize), ReportError> {
    let people = read_table(ws, Table::Participants)?;
    let (events, roles) = (
        str_column(&people, col::EVENT_ID)?,
        str_column(&people, col::ROLE)?,
    );
    let mut holders: BTreeMap<(Option<String>, Option<String>), usize> = BTreeMap::new();
    let mut role_of: BTreeMap<String, Option<String>> = BTreeMap::new();
    for (i, p) in str_column(&people, col::PARTICIPANT_ID)?
        .into_iter()
        .enumerate()
    {
        let (e, r) = (events[i].clone(), roles[i].clone());
        *holders.entry((e.clone(), None)).or_default() += 1;
        if r.is_some() {
            *holders.entry((e, r.clone())).or_default() += 1;
        }
        if let Some(p) = p {
            role_of.insert(p, r);
        }
    }
    let held = |e: &str, r: Option<&String>| {
        holders
            .get(&(Some(e.to_string()), r.cloned()))
            .copied()
            .unwrap_or(0)
            >= k
    };
    let mut withheld = 0;
    let q = read_file(&ws.quotes_file())?;
    let units = read_table(ws, Table::Units)?;
    let ids = str_column(&units, col::UNIT_ID)?;
    let texts = str_column(&units, col::TEXT)?;
    let people = str_column(&units, col::PARTICIPANT_ID)?;
    let lines: Vec<Option<u64>> = units.column(col::LINE)?.u64()?.iter().collect();
    let starts: Vec<Option<i64>> = units.column(col::START_MS)?.i64()?.iter().collect();
    let by_id: BTreeMap<&str, usize> = ids
        .iter()
        .enumerate()
        .filter_map(|(i, u)| u.as_deref().map(|u| (u, i)))
        .collect();
    let mut out = Vec::new();
    for ((t, u), (e, text)) in str_column(&q, col::THEME_ID)?
        .into_iter()
        .zip(str_column(&q, col::UNIT_ID)?)
        .zip(
            str_column(&q, col::EVENT_ID)?
                .into_iter()
                .zip(str_column(&q, col::TEXT)?),
        )
    {
        let (Some(t), Some(u), Some(e), Some(text)) = (t, u, e, text) else {
            continue;
        };
        let i = by_id.get(u.as_str()).copied();
        if i.and_then(|i| texts[i].as_deref()) != Some(text.as_str()) {
            return Err(ReportError::QuoteMismatch { theme: t, unit: u });
        }
        let i = i.unwrap_or(0);
        let place = place(lines[i], starts[i]);
        let speaker = people[i].as_ref().and_then(|p| role_of.get(p));
        if speaker.is_some() && !held(&e, None) {
            withheld += 1;
            continue;
        }
        let role = speaker
            .and_then(|r| r.clone())
            .filter(|r| held(&e, Some(r)));
        out.push(Quote {
            role,
            theme: t,
            event: e,
            text,
            participant: people[i].clone(),
            place,
        });
    }
    Ok((out, withheld))
}

/// `charts/NAME.svg` and `charts/NAME.png`.
fn write_chart(out: &Path, name: &str, chart: &charts::Chart) -> Result<[PathBuf; 2], ReportError> {
    Ok([
        write(&out.join(format!("charts/{name}.svg")), &chart.svg)?,
        write(&out.join(format!("charts/{name}.png")), &chart.png)?,
    ])
}

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

fn cell(c: &insights::Cell) -> String {
    match (c.suppressed, c.value) {
        (true, _) => "suppressed".into(),
        (false, Some(v)) => format!("{:.4}", v),
        (false, None) => String::new(),
    }
}

fn pct_cell(c: Option<&insights::Cell>) -> String {
    match c {
        Some(c) if c.suppressed => "·".into(),
        Some(c) => c
            .value
            .map_or(String::new(), |v| format!("{:.0}%", 100.0 * v)),
        None => String::new(),
    }
}

/// `manifest.json`: what the report was made from (every source and its content hash, the
/// model and its hash, the themes' parameters and seed, the chorus version). No timings, so
/// the same workspace gives the same bytes.
fn manifest(ws: &Workspace, ins: &Insights) -> Result<String, ReportError> {
    let sources = read_table(ws, Table::Sources)?;
    let inputs: Vec<serde_json::Value> = str_column(&sources, col::SOURCE_ID)?
        .into_iter()
        .zip(str_column(&sources, col::PATH)?)
        .zip(str_column(&sources, col::HASH)?)
        .map(|((id, path), hash)| serde_json::json!({ "source": id, "path": path, "blake3": hash }))
        .collect();
    let vectors: serde_json::Value = std::fs::read_to_string(ws.vectors_info_file())
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let themes: serde_json::Value = std::fs::read_to_string(ws.theme_params_file())
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let m = serde_json::json!({
        "chorus_version": env!("CARGO_PKG_VERSION"),
        "inputs": inputs,
        "model": vectors,
        "themes": themes,
        "disclosure_k": ins.k,
    });
    Ok(serde_json::to_string_pretty(&m).unwrap_or_default() + "\n")
}

/// A statement's agree share per opinion group (`group 0 97%, group 1 58%`), escaped.
pub(crate) fn group_shares(
    st: &insights::StatementVotes,
    escape: fn(&str) -> String,
    prefix: &str,
) -> String {
    st.groups
        .iter()
        .map(|(g, a)| format!("{prefix}{} {:.0}%", escape(g), 100.0 * a))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A theme's cells of one breakdown (by event, frame, country, sector or level).
type Cells = fn(&ThemeInsight) -> &BTreeMap<String, insights::Cell>;

/// The groups of one breakdown, in order (every theme has the same groups).
pub(crate) fn breakdown_groups(
    ins: &Insights,
    cells: impl Fn(&ThemeInsight) -> &BTreeMap<String, insights::Cell>,
) -> Vec<String> {
    ins.themes
        .first()
        .map(|t| cells(t).keys().cloned().collect())
        .unwrap_or_default()
}

/// Writes the report files for the workspace into `out`.
pub fn run(ws: &Workspace, out: &Path, cfg: &InsightsConfig) -> Result<ReportOutput, ReportError> {
    let _span = tracing::info_span!("report").entered();
    let ins: Insights = insights::compute(ws, cfg)?;
    let (quotes, quotes_withheld) = quotes(ws, ins.k)?;
    let events = read_table(ws, Table::Events)?;
    let mut files = Vec::new();
    let json = serde_json::to_string_pretty(&ins).unwrap_or_default() + "\n";
    files.push(write(&out.join("insights.json"), &json)?);

    // tables
    let frames = ["leave_behind", "keep", "do_differently"];
    let mut t = String::from("theme_id,label,units,participants,events,of_events,pooled_prevalence,overall_share,main_frame\n");
    for th in &ins.themes {
        let _ = writeln!(
            t,
            "{},{},{},{},{},{},{:.4},{:.4},{}",
            csv_field(&th.id),
            csv_field(&th.label),
            th.units,
            th.participants,
            th.events,
            th.of_events,
            th.pooled_prevalence,
            th.overall_share,
            th.main_frame.as_deref().unwrap_or("")
        );
    }
    files.push(write(&out.join("tables/themes.csv"), &t)?);
    let event_ids = breakdown_groups(&ins, |t| &t.by_event);
    let breakdowns: [(&str, Cells); 5] = [
        ("event", |t| &t.by_event),
        ("frame", |t| &t.by_frame),
        ("country", |t| &t.by_country),
        ("sector", |t| &t.by_sector),
        ("level", |t| &t.by_level),
    ];
    for (what, cells) in breakdowns {
        let groups = breakdown_groups(&ins, cells);
        if groups.is_empty() {
            continue;
        }
        let mut t = format!(
            "theme_id,{}\n",
            groups
                .iter()
                .map(|g| csv_field(g))
                .collect::<Vec<_>>()
                .join(",")
        );
        for th in &ins.themes {
            let row: Vec<String> = groups
                .iter()
                .map(|g| cells(th).get(g).map(cell).unwrap_or_default())
                .collect();
            let _ = writeln!(t, "{},{}", csv_field(&th.id), row.join(","));
        }
        files.push(write(&out.join(format!("tables/theme_{what}.csv")), &t)?);
    }
    let mut t = String::from(
        "by,group,themed_units,theme_id,label,units,participants,share,rest_share,log_odds,z\n",
    );
    for c in &ins.contrasts {
        for d in &c.themes {
            let _ = writeln!(
                t,
                "{},{},{},{},{},{},{},{:.4},{:.4},{:.4},{:.3}",
                c.by,
                csv_field(&c.group),
                c.themed_units,
                csv_field(&d.theme),
                csv_field(&d.label),
                d.units,
                d.participants,
                d.share,
                d.rest_share,
                d.log_odds,
                d.z
            );
        }
    }
    files.push(write(&out.join("tables/contrasts.csv"), &t)?);
    let mut t = String::from(
        "question,by,group,n,suppressed,mean,mean_low,mean_high,top_two,top_two_low,top_two_high\n",
    );
    for s in &ins.scales {
        for g in scale_groups(s) {
            let f = |i: &Option<insights::Interval>| {
                i.as_ref().map_or(",,".to_string(), |i| {
                    format!("{:.4},{:.4},{:.4}", i.estimate, i.low, i.high)
                })
            };
            let _ = writeln!(
                t,
                "{},{},{},{},{},{},{}",
                csv_field(&s.key),
                g.by,
                csv_field(&g.group),
                g.n,
                g.suppressed,
                f(&g.mean),
                f(&g.top_two)
            );
        }
    }
    files.push(write(&out.join("tables/scales.csv"), &t)?);

    // report.md
    let mut md = String::new();
    let _ = writeln!(md, "# Synthesis report\n\n{}\n", md_escape(&ins.summary));
    let _ = writeln!(md, "## Overview\n");
    let o = &ins.overview;
    let _ = writeln!(
        md,
        "| {} |\n|{}\n| {} |\n",
        OVERVIEW_HEADER.join(" | "),
        "---|".repeat(OVERVIEW_HEADER.len()),
        overview_cells(o).join(" | ")
    );
    if !o.events_without_theme.is_empty() {
        let _ = writeln!(
            md,
            "Events with no unit in a theme: {}.\n",
            o.events_without_theme
                .iter()
                .map(|e| md_escape(e))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(md, "## Themes\n");
    let has_frames = ins.themes.iter().any(|t| !t.by_frame.is_empty());
    if has_frames {
        let _ = writeln!(md, "| theme | events | units | pooled prevalence | leave behind | keep | do differently |\n|---|---|---|---|---|---|---|");
    } else {
        let _ = writeln!(
            md,
            "| theme | events | units | pooled prevalence |\n|---|---|---|---|"
        );
    }
    for th in &ins.themes {
        let mut row = format!(
            "| {} | {} of {} | {} | {:.1}% |",
            md_escape(&th.label),
            th.events,
            th.of_events,
            th.units,
            100.0 * th.pooled_prevalence
        );
        if has_frames {
            for f in frames {
                let _ = write!(row, " {} |", pct_cell(th.by_frame.get(f)));
            }
        }
        let _ = writeln!(md, "{row}");
    }
    let _ = writeln!(
        md,
        "\nCells marked · rest on fewer than {} participants and are withheld.\n",
        ins.k
    );
    for th in &ins.themes {
        let _ = writeln!(md, "### {} ({})\n", md_escape(&th.label), md_escape(&th.id));
        let _ = writeln!(md, "{}\n", md_escape(&th.summary));
        if !th.keywords.is_empty() {
            let _ = writeln!(
                md,
                "Keywords: {}.\n",
                th.keywords
                    .iter()
                    .map(|k| md_escape(k))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if let Some(subs) = subtheme_list(th, md_escape) {
            let _ = writeln!(md, "{subs}.\n");
        }
        for q in quotes.iter().filter(|q| q.theme == th.id) {
            let who = q.who();
            let _ = writeln!(
                md,
                "> {}\n>\n> — {}, {}{}\n",
                md_escape(&q.text),
                md_escape(&q.event),
                md_escape(&who),
                if q.place.is_empty() {
                    String::new()
                } else {
                    format!(", {}", q.place)
                }
            );
        }
    }
    if ins.contrasts.iter().any(|c| !c.themes.is_empty()) {
        let _ = writeln!(md, "## What sets groups apart\n\nThemes far more prevalent in a group than in the rest (weighted log-odds with an informative prior, z ≥ 1.96).\n\n| group | {} |\n|---|{}", CONTRAST_HEADER.join(" | "), "---|".repeat(CONTRAST_HEADER.len()));
        for c in ins.contrasts.iter() {
            for d in &c.themes {
                let _ = writeln!(
                    md,
                    "| {} {} | {} |",
                    c.by,
                    md_escape(&c.group),
                    contrast_cells(d, md_escape).join(" | ")
                );
            }
        }
        md.push('\n');
    }
    if !ins.scales.is_empty() {
        let _ = writeln!(md, "## Scale questions\n");
        for s in &ins.scales {
            let _ = writeln!(md, "- {}", md_escape(&s.summary));
        }
        md.push('\n');
    }
    for (title, list) in [
        ("Most agreed statements", &ins.consensus),
        ("Statements that split the opinion groups", &ins.divergence),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(md, "## {title}\n");
        for st in list.iter() {
            let groups = group_shares(st, md_escape, "group ");
            let _ = writeln!(
                md,
                "- {} ({}; {} votes, {:.0}% agree, {:.0}% disagree{})",
                md_escape(&st.text),
                md_escape(&st.event),
                st.votes,
                100.0 * st.agree,
                100.0 * st.disagree,
                if groups.is_empty() {
                    String::new()
                } else {
                    format!("; {groups}")
                }
            );
        }
        md.push('\n');
    }
    let _ = writeln!(md, "## Data sources\n");
    let ids = str_column(&events, col::EVENT_ID)?;
    let lic = str_column(&events, col::LICENCE)?;
    let att = str_column(&events, col::ATTRIBUTION)?;
    let mut by_licence: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for i in 0..ids.len() {
        let key = (
            lic[i].clone().unwrap_or_else(|| "licence not given".into()),
            att[i].clone().unwrap_or_default(),
        );
        by_licence
            .entry(key)
            .or_default()
            .push(ids[i].clone().unwrap_or_default());
    }
    let sources: Vec<(String, String, Vec<String>)> = by_licence
        .into_iter()
        .map(|((l, a), e)| (l, a, e))
        .collect();
    for (l, a, evs) in &sources {
        let _ = writeln!(
            md,
            "- {} events ({}): {}{}",
            evs.len(),
            md_escape(&evs.join(", ")),
            md_escape(l),
            if a.is_empty() {
                String::new()
            } else {
                format!(". {}", md_escape(a))
            }
        );
    }
    let _ = writeln!(md, "\n## Method\n\nThemes from `chorus themes`; prevalence per event is the theme's share of the event's units, pooled as the mean over events; {} {}", disclosure_note(ins.k, quotes_withheld), parameters_note(&ins));
    files.push(write(&out.join("report.md"), &md)?);

    // charts and the page
    let labels: Vec<String> = ins.themes.iter().map(|t| t.label.clone()).collect();
    let heat_values: Vec<Vec<Option<f64>>> = ins
        .themes
        .iter()
        .map(|t| {
            event_ids
                .iter()
                .map(|e| t.by_event.get(e).and_then(|c| c.value))
                .collect()
        })
        .collect();
    let heat = charts::heatmap(&labels, &event_ids, &heat_values)?;
    let frame_values: Vec<Vec<Option<f64>>> = ins
        .themes
        .iter()
        .map(|t| {
            frames
                .iter()
                .map(|f| t.by_frame.get(*f).and_then(|c| c.value))
                .collect()
        })
        .collect();
    files.extend(write_chart(out, "theme_event", &heat)?);
    // the frame chart only where answers carry a frame
    let bars = if ins.themes.iter().any(|t| !t.by_frame.is_empty()) {
        let chart = charts::frame_bars(&labels, &frames, &frame_values)?;
        files.extend(write_chart(out, "theme_frame", &chart)?);
        chart.svg
    } else {
        String::new()
    };
    let shown: Vec<html::ShownQuote> = quotes
        .iter()
        .map(|q| html::ShownQuote {
            theme: &q.theme,
            event: &q.event,
            text: &q.text,
            who: q.who(),
            place: &q.place,
        })
        .collect();
    let page = html::page(&ins, &shown, quotes_withheld, &heat.svg, &bars, &sources);
    files.push(write(&out.join("index.html"), &page)?);
    files.push(write(&out.join("manifest.json"), &manifest(ws, &ins)?)?);
    Ok(ReportOutput {
        dir: out.to_path_buf(),
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_text_is_inert() {
        assert_eq!(
            md_escape("<script>alert(1)</script> *x* [a](b)"),
            "&lt;script&gt;alert(1)&lt;/script&gt; \\*x\\* \\[a\\](b)"
        );
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
