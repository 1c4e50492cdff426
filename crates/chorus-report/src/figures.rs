//! What the page and `report.md` show alike, so both show the same: the overview table, the
//! distinctive themes' cells, a statement's shares per opinion group, and the groups of each
//! breakdown. Reads the insights; writes nothing.

use std::collections::BTreeMap;

use chorus_insights::{Cell, DistinctiveTheme, Insights, Overview, StatementVotes, ThemeInsight};

use crate::prose::pct;

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
pub(crate) fn overview_cells(o: &Overview) -> [String; 6] {
    [
        o.events.to_string(),
        o.countries.len().to_string(),
        o.participants.to_string(),
        o.units.to_string(),
        pct(o.unit_coverage),
        pct(o.participant_coverage),
    ]
}

/// A distinctive theme's columns after its group, in the page and in `report.md`.
pub(crate) const CONTRAST_HEADER: [&str; 4] = ["theme", "share there", "share elsewhere", "z"];

/// A distinctive theme's cells, its label escaped with `escape`.
pub(crate) fn contrast_cells(d: &DistinctiveTheme, escape: fn(&str) -> String) -> [String; 4] {
    [
        escape(&d.label),
        pct(d.share),
        pct(d.rest_share),
        format!("{:.1}", d.z),
    ]
}

/// A statement's agree share per opinion group (`group 0 97%, group 1 58%`), escaped.
pub(crate) fn group_shares(
    st: &StatementVotes,
    escape: fn(&str) -> String,
    prefix: &str,
) -> String {
    st.groups
        .iter()
        .map(|(g, a)| format!("{prefix}{} {}", escape(g), pct(*a)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The groups of one breakdown, in order (every theme has the same groups).
pub(crate) fn breakdown_groups(
    ins: &Insights,
    cells: impl Fn(&ThemeInsight) -> &BTreeMap<String, Cell>,
) -> Vec<String> {
    ins.themes
        .first()
        .map(|t| cells(t).keys().cloned().collect())
        .unwrap_or_default()
}

/// An event as a reader sees it: its title, else its id.
pub(crate) fn event_title<'a>(ins: &'a Insights, id: &'a str) -> &'a str {
    ins.overview.event_titles.get(id).map_or(id, String::as_str)
}

/// A contrast's group as a reader sees it (an event by its title).
pub(crate) fn contrast_group<'a>(ins: &'a Insights, by: &str, group: &'a str) -> &'a str {
    if by == "event" {
        event_title(ins, group)
    } else {
        group
    }
}

/// The events as the charts and tables show them: (id, title less what all titles share, e.g.
/// "Government Aftershock: "), in order of the shown name, so events of one series and place sit
/// together.
pub(crate) fn event_columns(ins: &Insights) -> Vec<(String, String)> {
    let ids = breakdown_groups(ins, |t| &t.by_event);
    let titles: Vec<&str> = ids
        .iter()
        .map(|e| ins.overview.event_titles.get(e).unwrap_or(e).as_str())
        .collect();
    let prefix = shared_prefix(&titles);
    let shown: Vec<&str> = titles
        .iter()
        .map(|t| {
            let rest = t.get(prefix..).unwrap_or(t).trim_start();
            if rest.is_empty() {
                *t
            } else {
                rest
            }
        })
        .collect();
    // a series name before ": " that several events share ("Government Aftershock: Berlin")
    // says nothing the others do not: the place is what tells them apart
    let mut per_series: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &shown {
        if let Some((series, _)) = t.split_once(": ") {
            *per_series.entry(series).or_default() += 1;
        }
    }
    let mut cols: Vec<(String, String)> = ids
        .iter()
        .zip(&shown)
        .map(|(id, t)| {
            let name = match t.split_once(": ") {
                Some((series, rest)) if per_series[series] > 1 && !rest.trim().is_empty() => {
                    rest.trim()
                }
                _ => t,
            };
            (id.clone(), name.to_string())
        })
        .collect();
    // names a chart label would cut alike keep their ends instead ("Improving…owling Green")
    let head = |n: &str| n.chars().take(CHART_LABEL - 1).collect::<String>();
    let mut heads: BTreeMap<String, usize> = BTreeMap::new();
    for (_, n) in &cols {
        *heads.entry(head(n)).or_default() += 1;
    }
    for (_, n) in cols.iter_mut() {
        let len = n.chars().count();
        if len > CHART_LABEL && heads[&head(n)] > 1 {
            let tail: String = n.chars().skip(len - (CHART_LABEL - 10)).collect();
            *n = format!("{}…{tail}", n.chars().take(9).collect::<String>());
        }
    }
    cols.sort_by(|a, b| {
        a.1.to_lowercase()
            .cmp(&b.1.to_lowercase())
            .then(a.0.cmp(&b.0))
    });
    cols
}

/// Characters of an event's name a chart's column label shows.
pub(crate) const CHART_LABEL: usize = 26;

/// Whether any answer belongs to a question frame (the frame table and chart are shown then).
pub(crate) fn has_frames(ins: &Insights) -> bool {
    ins.themes.iter().any(|t| !t.by_frame.is_empty())
}

/// The agenda table's columns, in the page, in `report.md` and in `agenda.csv`.
pub(crate) const AGENDA_HEADER: [&str; 5] = ["#", "span", "segment", "theme", "quote"];

/// Where a segment lies in its transcript: its time span, else its lines.
pub(crate) fn agenda_span(s: &chorus_core::themes_artifact::SegmentRecord) -> String {
    use chorus_core::text::format_ms;
    match (s.start_ms, s.end_ms) {
        (Some(a), Some(b)) => format!("{}–{}", format_ms(a), format_ms(b)),
        _ if s.first_line == s.last_line => format!("line {}", s.first_line),
        _ => format!("lines {}–{}", s.first_line, s.last_line),
    }
}

/// A segment's cells, text escaped with `escape`.
pub(crate) fn agenda_cells(
    item: &chorus_insights::AgendaItem,
    escape: fn(&str) -> String,
) -> [String; 5] {
    let s = &item.segment;
    [
        s.position.to_string(),
        agenda_span(s),
        escape(&s.title),
        escape(item.theme_label.as_deref().unwrap_or("—")),
        escape(s.quote.as_deref().unwrap_or("")),
    ]
}

/// The timeline's rows and legend: each event's segments placed on its own span (time when
/// every segment is timed, else units), coloured by theme; themes in the legend by how many
/// segments they hold.
pub(crate) fn timeline(ins: &Insights) -> (Vec<crate::charts::TimelineRow>, Vec<String>) {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &ins.agenda {
        for s in &a.segments {
            if let Some(t) = &s.segment.theme_id {
                *count.entry(t.as_str()).or_default() += 1;
            }
        }
    }
    let mut order: Vec<(&str, usize)> = count.into_iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let index: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, (t, _))| (*t, i))
        .collect();
    let label = |id: &str| {
        ins.themes
            .iter()
            .find(|t| t.id == id)
            .map_or_else(|| id.to_string(), |t| t.label.clone())
    };
    let legend = order.iter().map(|(t, _)| label(t)).collect();
    let mut rows: Vec<crate::charts::TimelineRow> = ins
        .agenda
        .iter()
        .map(|a| {
            let timed = a
                .segments
                .iter()
                .all(|s| s.segment.start_ms.is_some() && s.segment.end_ms.is_some());
            let spans: Vec<(f64, f64)> = if timed {
                // each segment runs until the next one starts: pauses belong to the talk before
                a.segments
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        let start = s.segment.start_ms.unwrap_or(0);
                        let end = a
                            .segments
                            .get(i + 1)
                            .and_then(|n| n.segment.start_ms)
                            .unwrap_or(s.segment.end_ms.unwrap_or(start));
                        (start as f64, end.max(start) as f64)
                    })
                    .collect()
            } else {
                let mut at = 0.0;
                a.segments
                    .iter()
                    .map(|s| {
                        let span = (at, at + s.segment.units as f64);
                        at = span.1;
                        span
                    })
                    .collect()
            };
            let lo = spans.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
            let hi = spans.iter().map(|s| s.1).fold(f64::NEG_INFINITY, f64::max);
            let width = (hi - lo).max(1.0);
            crate::charts::TimelineRow {
                event: a.title.clone().unwrap_or_else(|| a.event_id.clone()),
                segments: a
                    .segments
                    .iter()
                    .zip(&spans)
                    .map(|(s, (x, y))| {
                        let theme = s
                            .segment
                            .theme_id
                            .as_deref()
                            .and_then(|t| index.get(t).copied());
                        ((x - lo) / width, (y - lo) / width, theme)
                    })
                    .collect(),
            }
        })
        .collect();
    // "Government Aftershock: Bristol", "Government Aftershock: Lisbon"...: the rows show what
    // tells them apart
    let names: Vec<&str> = rows.iter().map(|r| r.event.as_str()).collect();
    let common = shared_prefix(&names);
    for r in &mut rows {
        r.event = r.event[common..].trim_start().to_string();
    }
    (rows, legend)
}

/// How many bytes of every name a shared prefix of whole words ("Government Aftershock: ")
/// takes, when there are several names and it is long enough to be a series' name (else 0).
pub(crate) fn shared_prefix(names: &[&str]) -> usize {
    let common = common_prefix(names).len();
    if names.len() > 1 && common >= 8 {
        common
    } else {
        0
    }
}

/// The longest prefix all `names` share, cut after a space, colon or dash (whole words only).
fn common_prefix<'a>(names: &[&'a str]) -> &'a str {
    let Some(first) = names.first() else {
        return "";
    };
    let mut end = first.len();
    for n in &names[1..] {
        end = end.min(
            first
                .char_indices()
                .zip(n.chars())
                .find(|((_, a), b)| a != b)
                .map_or(first.len().min(n.len()), |((i, _), _)| i),
        );
    }
    let cut = first[..end].rfind([' ', ':', '-', '–']).map_or(0, |i| {
        i + first[i..].chars().next().map_or(1, char::len_utf8)
    });
    &first[..cut]
}
