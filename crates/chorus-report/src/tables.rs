//! `tables/*.csv`: the themes, each theme's share per event, frame, country, sector and level,
//! the distinctive themes, and the scale questions' groups. Reads the insights; writes the
//! files. Participant text is inert: a cell a spreadsheet would run as a formula is prefixed
//! with `'`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chorus_insights::{Cell, Insights, Interval, ThemeInsight};

use crate::figures::breakdown_groups;
use crate::{write, ReportError};
pub(crate) use chorus_core::text::csv_field;

/// Writes every table into `out/tables/`.
pub(crate) fn write_tables(out: &Path, ins: &Insights) -> Result<Vec<PathBuf>, ReportError> {
    let mut files = vec![write(&out.join("tables/themes.csv"), themes(ins))?];
    for (what, cells) in BREAKDOWNS {
        if let Some(t) = breakdown(ins, cells) {
            files.push(write(&out.join(format!("tables/theme_{what}.csv")), t)?);
        }
    }
    files.push(write(&out.join("tables/contrasts.csv"), contrasts(ins))?);
    files.push(write(&out.join("tables/scales.csv"), scales(ins))?);
    if !ins.agenda.is_empty() {
        files.push(write(&out.join("tables/agenda.csv"), agenda(ins))?);
    }
    Ok(files)
}

/// Every event's segments in order (the timeline chart's data).
fn agenda(ins: &Insights) -> String {
    let mut t = String::from(
        "event_id,position,segment_id,start_ms,end_ms,first_line,last_line,units,title,theme_id,theme,keywords,quote_unit,quote\n",
    );
    for a in &ins.agenda {
        for item in &a.segments {
            let s = &item.segment;
            let num = |x: Option<i64>| x.map(|v| v.to_string()).unwrap_or_default();
            let _ = writeln!(
                t,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                csv_field(&s.event_id),
                s.position,
                csv_field(&s.segment_id),
                num(s.start_ms),
                num(s.end_ms),
                s.first_line,
                s.last_line,
                s.units,
                csv_field(&s.title),
                csv_field(s.theme_id.as_deref().unwrap_or("")),
                csv_field(item.theme_label.as_deref().unwrap_or("")),
                csv_field(&s.keywords.join("; ")),
                csv_field(s.quote_unit.as_deref().unwrap_or("")),
                csv_field(s.quote.as_deref().unwrap_or("")),
            );
        }
    }
    t
}

fn themes(ins: &Insights) -> String {
    let mut t = String::from("theme_id,label,units,participants,events,of_events,pooled_prevalence,pooled_low,pooled_high,overall_share,main_frame\n");
    for th in &ins.themes {
        let [low, high] = th
            .pooled_interval
            .map_or([String::new(), String::new()], |[l, h]| {
                [format!("{l:.4}"), format!("{h:.4}")]
            });
        let _ = writeln!(
            t,
            "{},{},{},{},{},{},{:.4},{low},{high},{:.4},{}",
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
    t
}

/// A theme's cells of one breakdown (by event, frame, country, sector or level).
type Cells = fn(&ThemeInsight) -> &BTreeMap<String, Cell>;

/// The breakdowns with a table each, `tables/theme_NAME.csv`.
const BREAKDOWNS: [(&str, Cells); 5] = [
    ("event", |t| &t.by_event),
    ("frame", |t| &t.by_frame),
    ("country", |t| &t.by_country),
    ("sector", |t| &t.by_sector),
    ("level", |t| &t.by_level),
];

/// Each theme's share per group of one breakdown; `None` when the breakdown has no group.
fn breakdown(ins: &Insights, cells: Cells) -> Option<String> {
    let groups = breakdown_groups(ins, cells);
    if groups.is_empty() {
        return None;
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
    Some(t)
}

fn cell(c: &Cell) -> String {
    match (c.suppressed, c.value) {
        (true, _) => "suppressed".into(),
        (false, Some(v)) => format!("{:.4}", v),
        (false, None) => String::new(),
    }
}

fn contrasts(ins: &Insights) -> String {
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
    t
}

fn scales(ins: &Insights) -> String {
    let mut t = String::from(
        "question,by,group,n,suppressed,mean,mean_low,mean_high,top_two,top_two_low,top_two_high\n",
    );
    let interval = |i: &Option<Interval>| {
        i.as_ref().map_or(",,".to_string(), |i| {
            format!("{:.4},{:.4},{:.4}", i.estimate, i.low, i.high)
        })
    };
    for s in &ins.scales {
        for g in s.groups() {
            let _ = writeln!(
                t,
                "{},{},{},{},{},{},{}",
                csv_field(&s.key),
                g.by,
                csv_field(&g.group),
                g.n,
                g.suppressed,
                interval(&g.mean),
                interval(&g.top_two)
            );
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_inert() {
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
