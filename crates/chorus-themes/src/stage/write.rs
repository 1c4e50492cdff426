//! Writes what the stage made into `.chorus/themes/`: `themes.parquet`, `assignments.parquet`
//! (every unit, those without a content word last), `quotes.parquet`, `params.json` and the
//! state the next run starts from (`state.json`).

use std::collections::HashMap;
use std::path::PathBuf;

use chorus_core::model::Workspace;
use chorus_core::themes_artifact::{
    self, AssignmentRecord, QuoteRecord, SegmentRecord, ThemeRecord,
};

use crate::assign::Placement;
use crate::stage::key_points::KeyPoint;
use crate::stage::last_run::State;
use crate::stage::quotes::Quote;
use crate::stage::Groups;
use crate::units::{LeftOut, UnitTexts};
use crate::{Theme, ThemesConfig, ThemesError};

/// Everything the parquet artifacts are made of.
pub struct Artifacts<'a> {
    pub themes: &'a [Theme],
    pub placement: &'a [Placement],
    pub groups: &'a Groups,
    pub units: &'a UnitTexts,
    pub no_content: &'a [LeftOut],
    pub quotes: &'a [Quote],
    pub key_points: &'a [KeyPoint],
    /// For each unit (by index), the rank of the key point it stands behind.
    pub behind: &'a [Option<u32>],
    pub segments: &'a [SegmentRecord],
    /// The segment of each transcript unit, by unit id.
    pub segment_of: &'a HashMap<String, String>,
}

/// Writes `themes.parquet`, `assignments.parquet`, `quotes.parquet` and `segments.parquet`.
pub fn artifacts(ws: &Workspace, a: &Artifacts) -> Result<(), ThemesError> {
    let dir = ws.themes_dir();
    std::fs::create_dir_all(&dir).map_err(|source| ThemesError::Io {
        path: dir.clone(),
        source,
    })?;
    themes_artifact::write_all(
        ws,
        &themes_artifact::ThemesArtifacts {
            themes: &theme_records(a.themes),
            assignments: &assignment_records(a),
            quotes: &quote_records(a.quotes, a.units),
            key_points: &key_point_records(a.key_points, a.units),
            segments: a.segments,
        },
    )
    .map_err(|source| ThemesError::Write { path: dir, source })
}

fn theme_records(themes: &[Theme]) -> Vec<ThemeRecord> {
    themes
        .iter()
        .map(|t| ThemeRecord {
            id: t.id.clone(),
            parent: t.parent.clone(),
            label: t.label.clone(),
            keywords: t.keywords.clone(),
            lang: t.lang.clone(),
            other_keywords: t.other_keywords.clone(),
            size: t.size as u64,
            events: t.events as u64,
            pinned: t.pinned,
        })
        .collect()
}

/// One record per unit: the placed (or unassigned) ones in unit order, then those without a
/// content word.
fn assignment_records(a: &Artifacts) -> Vec<AssignmentRecord> {
    let (tops, sub_ids) = (&a.groups.tops, &a.groups.sub_ids);
    let placed = a
        .placement
        .iter()
        .enumerate()
        .map(|(i, p)| AssignmentRecord {
            unit_id: a.units.ids[i].clone(),
            event_id: a.units.events[i].clone(),
            theme_id: p.theme.map(|t| tops[t].id.to_string()),
            subtheme_id: p
                .subtheme
                .and_then(|s| sub_ids[s].as_ref().map(|id| id.to_string())),
            similarity: p.similarity,
            status: p.status,
            segment_id: a.segment_of.get(&a.units.ids[i]).cloned(),
            key_point: a.behind.get(i).copied().flatten(),
        });
    let left_out = a.no_content.iter().map(|x| AssignmentRecord {
        unit_id: x.unit.clone(),
        event_id: x.event.clone(),
        theme_id: None,
        subtheme_id: None,
        similarity: 0.0,
        status: x.status,
        segment_id: a.segment_of.get(&x.unit).cloned(),
        key_point: None,
    });
    placed.chain(left_out).collect()
}

fn key_point_records(points: &[KeyPoint], units: &UnitTexts) -> Vec<QuoteRecord> {
    points
        .iter()
        .map(|k| quote_record(&k.theme, k.rank, k.unit, k.similarity, &k.text, units))
        .collect()
}

fn quote_records(quotes: &[Quote], units: &UnitTexts) -> Vec<QuoteRecord> {
    quotes
        .iter()
        .map(|q| {
            quote_record(
                &q.theme,
                q.rank,
                q.unit,
                q.similarity,
                &units.text[q.unit],
                units,
            )
        })
        .collect()
}

/// A row of `quotes.parquet` or `key_points.parquet`: words of unit `unit` for a theme.
fn quote_record(
    theme: &chorus_core::model::ThemeId,
    rank: usize,
    unit: usize,
    similarity: f32,
    text: &str,
    units: &UnitTexts,
) -> QuoteRecord {
    QuoteRecord {
        theme_id: theme.to_string(),
        rank: rank as u32,
        unit_id: units.ids[unit].clone(),
        event_id: units.events[unit].clone(),
        similarity,
        text: text.to_string(),
    }
}

/// Writes the parameters of the run (`params.json`).
pub fn params(ws: &Workspace, cfg: &ThemesConfig, reclustered: bool) -> Result<(), ThemesError> {
    let params = serde_json::json!({
        "seed": cfg.seed,
        "themes": cfg.themes,
        "min_similarity": cfg.min_similarity,
        "vocabulary_weight": cfg.vocabulary_weight,
        "context_weight": cfg.context_weight,
        "model_labels": cfg.model_labels,
        "reclustered": reclustered,
    });
    write_text(
        ws.theme_params_file(),
        serde_json::to_string_pretty(&params).unwrap_or_default(),
    )
}

/// Writes the state the next run starts from (`state.json`).
pub fn state(ws: &Workspace, state: &State) -> Result<(), ThemesError> {
    write_text(
        ws.theme_state_file(),
        serde_json::to_string(state).unwrap_or_default(),
    )
}

fn write_text(path: PathBuf, text: String) -> Result<(), ThemesError> {
    std::fs::write(&path, text).map_err(|source| ThemesError::Io { path, source })
}
