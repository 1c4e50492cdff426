//! The agenda of every event with a transcript: its topic segments in spoken order, each with
//! its span (time or lines), title, keywords, theme and one quote, from `segments.parquet`.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use chorus_core::model::Workspace;
use chorus_core::themes_artifact::{read_segments, SegmentRecord};

use crate::frames::ThemeRow;
use crate::InsightsError;

/// One event's agenda.
#[derive(Debug, Clone, Serialize)]
pub struct EventAgenda {
    pub event_id: String,
    /// The event's title (`event.toml`), when it has one.
    pub title: Option<String>,
    pub segments: Vec<AgendaItem>,
}

/// A topic segment as the agenda shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AgendaItem {
    #[serde(flatten)]
    pub segment: SegmentRecord,
    /// The label of its theme.
    pub theme_label: Option<String>,
}

/// The agendas, by event id; empty when the themes stage wrote no segments (no transcripts,
/// or themes made before segments existed).
pub(crate) fn agendas(
    ws: &Workspace,
    themes: &[ThemeRow],
) -> Result<Vec<EventAgenda>, InsightsError> {
    if !ws.segments_file().is_file() {
        return Ok(Vec::new());
    }
    let labels: HashMap<&str, &str> = themes
        .iter()
        .map(|t| (t.id.as_str(), t.label.as_str()))
        .collect();
    let titles = chorus_core::store::event_titles(ws)?;
    let mut by_event: BTreeMap<String, Vec<AgendaItem>> = BTreeMap::new();
    for s in read_segments(ws)? {
        let theme_label = s
            .theme_id
            .as_deref()
            .and_then(|t| labels.get(t))
            .map(|l| l.to_string());
        by_event
            .entry(s.event_id.clone())
            .or_default()
            .push(AgendaItem {
                segment: s,
                theme_label,
            });
    }
    Ok(by_event
        .into_iter()
        .map(|(event_id, mut segments)| {
            segments.sort_by(|a, b| {
                (&a.segment.source_id, a.segment.position)
                    .cmp(&(&b.segment.source_id, b.segment.position))
            });
            EventAgenda {
                title: titles.get(&event_id).cloned(),
                event_id,
                segments,
            }
        })
        .collect())
}
