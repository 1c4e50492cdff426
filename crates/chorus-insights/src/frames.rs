//! What the insights are computed from: the units joined with their theme, question frame and
//! event (country, sector, level); the themes of `themes.parquet`; and how they were made
//! (`themes/params.json`, the vectors' `current.json`). Reads through core's paths and
//! readers; writes nothing.

use polars::prelude::*;
use serde::Serialize;

use chorus_core::model::{col, Table, Workspace};
use chorus_core::store::{read_file, read_table};

use crate::{InsightsError, UNKNOWN};

/// The joined unit table: unit, event, participant, question, theme, status, frame, country,
/// sector, level. A unit keeps its row without a theme or a frame; a missing country is
/// [`UNKNOWN`].
pub(crate) fn read_units(ws: &Workspace) -> Result<DataFrame, InsightsError> {
    let assignments = ws.assignments_file();
    if !assignments.is_file() {
        return Err(InsightsError::NoThemes {
            path: ws.root().to_path_buf(),
        });
    }
    chorus_core::themes_artifact::check_whole(ws)?;
    let a = read_file(&assignments)?.lazy().select([
        col(col::UNIT_ID),
        col(col::THEME_ID),
        col(col::STATUS),
    ]);
    let units = read_table(ws, Table::Units)?.lazy().select([
        col(col::UNIT_ID),
        col(col::EVENT_ID),
        col(col::PARTICIPANT_ID),
        col(col::QUESTION_ID),
    ]);
    let questions = read_table(ws, Table::Questions)?
        .lazy()
        .select([col(col::QUESTION_ID), col(col::FRAME)]);
    let events = read_table(ws, Table::Events)?.lazy().select([
        col(col::EVENT_ID),
        col(col::COUNTRY),
        col(col::SECTOR),
        col(col::LEVEL),
    ]);
    let left = || JoinArgs::new(JoinType::Left);
    Ok(units
        .join(a, [col(col::UNIT_ID)], [col(col::UNIT_ID)], left())
        .join(
            questions,
            [col(col::QUESTION_ID)],
            [col(col::QUESTION_ID)],
            left(),
        )
        .join(events, [col(col::EVENT_ID)], [col(col::EVENT_ID)], left())
        .with_column(col(col::COUNTRY).fill_null(lit(UNKNOWN)))
        .collect()?)
}

/// The units in a theme.
pub(crate) fn themed(units: &DataFrame) -> Result<DataFrame, InsightsError> {
    Ok(units
        .clone()
        .lazy()
        .filter(col(col::THEME_ID).is_not_null())
        .collect()?)
}

/// One row of `themes.parquet`: a theme, or a subtheme of `parent`.
pub(crate) use chorus_core::themes_artifact::ThemeRecord as ThemeRow;

/// The themes and subthemes, in the file's order.
pub(crate) fn read_themes(ws: &Workspace) -> Result<Vec<ThemeRow>, InsightsError> {
    Ok(chorus_core::themes_artifact::read_themes(ws)?)
}

#[derive(Debug, Clone, Serialize)]
pub struct Method {
    pub themes: serde_json::Value,
    pub model: Option<String>,
}

/// How the themes were made. Informative only: a missing or unreadable file leaves that part
/// unknown rather than failing the stage.
pub(crate) fn read_method(ws: &Workspace) -> Method {
    let json = |path: std::path::PathBuf| -> serde_json::Value {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default()
    };
    Method {
        themes: json(ws.theme_params_file()),
        model: json(ws.vectors_info_file())["model_id"]
            .as_str()
            .map(str::to_string),
    }
}
