//! Each theme's key points with what stands behind them: the units of the theme nearest each
//! one in meaning (`assignments.parquet` `key_point`), their participants and events, and a
//! word for the share ("most", "some", "a few": [`share_word`]). Every number is counted here
//! from the frames; every key point's text is verbatim from its unit. A key point from an event
//! with fewer than k participants keeps its numbers and withholds its words, as quotes do.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use chorus_core::model::{col, Table, Workspace};
use chorus_core::store::{read_table, str_column};
use chorus_core::themes_artifact::{read_assignments, read_key_points};

use crate::InsightsError;

#[derive(Debug, Clone, Serialize)]
pub struct KeyPoint {
    pub rank: u32,
    /// Verbatim from its unit; empty when withheld.
    pub text: String,
    pub unit_id: String,
    pub event_id: String,
    /// Its unit's language ("" when unknown).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub lang: String,
    /// Units of the theme nearest this key point, their participants and events.
    pub units: usize,
    pub participants: usize,
    pub events: usize,
    /// `units` over the theme's units with a key point.
    pub share: f64,
    /// "most", "some" or "a few", from `share` ([`share_word`]).
    pub word: &'static str,
    /// Its words are withheld: its event has fewer than k participants.
    pub withheld: bool,
}

/// The rule the report states: at least half "most", at least 15% "some", else "a few".
pub fn share_word(share: f64) -> &'static str {
    if share >= 0.5 {
        "most"
    } else if share >= 0.15 {
        "some"
    } else {
        "a few"
    }
}

/// Theme id -> its key points in rank order.
pub(crate) fn key_points(
    ws: &Workspace,
    k: usize,
) -> Result<BTreeMap<String, Vec<KeyPoint>>, InsightsError> {
    let points = read_key_points(ws)?;
    if points.is_empty() {
        return Ok(BTreeMap::new());
    }
    let units = read_table(ws, Table::Units)?;
    // unit -> (participant, language)
    let of_unit: BTreeMap<String, (Option<String>, Option<String>)> =
        str_column(&units, col::UNIT_ID)?
            .into_iter()
            .zip(str_column(&units, col::PARTICIPANT_ID)?)
            .zip(str_column(&units, col::LANG)?)
            .filter_map(|((u, p), l)| Some((u?, (p, l))))
            .collect();
    let people = read_table(ws, Table::Participants)?;
    let mut event_size: BTreeMap<String, usize> = BTreeMap::new();
    for e in str_column(&people, col::EVENT_ID)?.into_iter().flatten() {
        *event_size.entry(e).or_default() += 1;
    }
    // (theme, key point) -> units behind it
    let mut behind: BTreeMap<(String, u32), Vec<(String, String)>> = BTreeMap::new();
    for a in read_assignments(ws)? {
        if let (Some(t), Some(kp)) = (a.theme_id, a.key_point) {
            behind
                .entry((t, kp))
                .or_default()
                .push((a.unit_id, a.event_id));
        }
    }
    let mut theme_total: BTreeMap<&str, usize> = BTreeMap::new();
    for ((t, _), us) in &behind {
        *theme_total.entry(t.as_str()).or_default() += us.len();
    }
    let mut out: BTreeMap<String, Vec<KeyPoint>> = BTreeMap::new();
    for p in &points {
        let us = behind
            .get(&(p.theme_id.clone(), p.rank))
            .map_or(&[][..], Vec::as_slice);
        let people: BTreeSet<&str> = us
            .iter()
            .filter_map(|(u, _)| of_unit.get(u)?.0.as_deref())
            .collect();
        let events: BTreeSet<&str> = us.iter().map(|(_, e)| e.as_str()).collect();
        let total = theme_total.get(p.theme_id.as_str()).copied().unwrap_or(0);
        let share = us.len() as f64 / total.max(1) as f64;
        let withheld = event_size.get(&p.event_id).copied().unwrap_or(0) < k;
        out.entry(p.theme_id.clone()).or_default().push(KeyPoint {
            rank: p.rank,
            text: if withheld {
                String::new()
            } else {
                p.text.clone()
            },
            unit_id: p.unit_id.clone(),
            event_id: p.event_id.clone(),
            lang: of_unit
                .get(&p.unit_id)
                .and_then(|(_, l)| l.clone())
                .unwrap_or_default(),
            units: us.len(),
            participants: people.len(),
            events: events.len(),
            share,
            word: share_word(share),
            withheld,
        });
    }
    for v in out.values_mut() {
        v.sort_by_key(|p| p.rank);
    }
    Ok(out)
}
