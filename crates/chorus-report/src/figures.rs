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

/// Whether any answer belongs to a question frame (the frame table and chart are shown then).
pub(crate) fn has_frames(ins: &Insights) -> bool {
    ins.themes.iter().any(|t| !t.by_frame.is_empty())
}
