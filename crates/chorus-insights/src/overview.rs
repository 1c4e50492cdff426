//! The overview: events, countries, participants and units, how much of them the themes cover,
//! and which units and events the themes leave out. Reads the joined unit table; writes nothing.

use std::collections::BTreeSet;

use polars::prelude::*;
use serde::Serialize;

use chorus_core::model::{col, Status};
use chorus_core::store::str_column;

use crate::{InsightsError, UNKNOWN};

#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub events: usize,
    pub countries: Vec<String>,
    pub participants: u64,
    pub units: u64,
    pub themed_units: u64,
    pub unit_coverage: f64,
    pub participant_coverage: f64,
    /// Events none of whose units fall in a theme.
    pub events_without_theme: Vec<String>,
    /// Units with no content word ("Yeah.", "Okay."), left out of the themes.
    pub no_content_units: u64,
    /// Transcript units that run the meeting (welcome, agenda, thanks), left out too.
    pub procedural_units: u64,
    /// Everyone the sources list as taking part, those who only voted (Pol.is) included;
    /// `participants` counts those who said or wrote a unit.
    pub participants_all: u64,
    /// Event id -> its title (`event.toml`), for the events that have one.
    pub event_titles: std::collections::BTreeMap<String, String>,
}

/// The overview of `units`, of which `themed` are in a theme.
pub(crate) fn overview(units: &DataFrame, themed: &DataFrame) -> Result<Overview, InsightsError> {
    let n_units = units.height() as u64;
    let events = distinct(units, col::EVENT_ID)?;
    let mut countries = distinct(units, col::COUNTRY)?;
    countries.remove(UNKNOWN);
    let people = units.column(col::PARTICIPANT_ID)?;
    let participants = people.n_unique()? as u64 - u64::from(people.null_count() > 0);
    let themed_participants = themed
        .column(col::PARTICIPANT_ID)?
        .drop_nulls()
        .n_unique()? as u64;
    let themed_events = distinct(themed, col::EVENT_ID)?;
    let statuses = units.column(col::STATUS)?.str()?;
    let with_status = |status: Status| {
        statuses
            .iter()
            .filter(|s| s.and_then(Status::parse) == Some(status))
            .count() as u64
    };
    let (no_content_units, procedural_units) = (
        with_status(Status::NoContent),
        with_status(Status::Procedural),
    );
    Ok(Overview {
        events: events.len(),
        countries: countries.into_iter().collect(),
        participants,
        units: n_units,
        themed_units: themed.height() as u64,
        unit_coverage: themed.height() as f64 / n_units.max(1) as f64,
        participant_coverage: themed_participants as f64 / participants.max(1) as f64,
        events_without_theme: events.difference(&themed_events).cloned().collect(),
        no_content_units,
        procedural_units,
        participants_all: participants,
        event_titles: Default::default(),
    })
}

/// The distinct values of a text column.
fn distinct(df: &DataFrame, column: &str) -> Result<BTreeSet<String>, InsightsError> {
    Ok(str_column(df, column)?.into_iter().flatten().collect())
}
