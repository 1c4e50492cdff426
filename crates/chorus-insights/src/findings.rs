//! Findings by question: for each question frame (leave behind, keep, do differently) and each
//! free-text question without one (the same wording across events counts as one question), the
//! themes its answers raised, biggest first, with their units, participants and the events
//! that raised them, and the theme's key point for it: of its key points said in answer to this
//! question, the one most of these answers stand behind (else the one most stand behind). A theme
//! whose answers to the question come from fewer than k participants is not named (its units
//! still count in the total).

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use serde::Serialize;

use chorus_core::model::{col, Frame, Table, Workspace};
use chorus_core::store::{read_table, str_column, string_map};
use chorus_core::themes_artifact::read_assignments;

use crate::key_points::KeyPoint;
use crate::prevalence::ThemeInsight;
use crate::InsightsError;

/// Themes named per question.
const THEMES_PER_QUESTION: usize = 5;

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The frame (`keep`, ...), or none for a free-text question without one.
    pub frame: Option<String>,
    /// The question's wording (for a frame, the most common wording of its questions).
    pub question: String,
    /// Answers in a theme, their participants and events.
    pub units: usize,
    pub participants: usize,
    pub events: usize,
    pub themes: Vec<FindingTheme>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingTheme {
    pub theme_id: String,
    pub label: String,
    pub units: usize,
    pub participants: usize,
    /// Share of the question's answers in a theme.
    pub share: f64,
    /// The events where it was raised in answer to this question (titles, else ids).
    pub events: Vec<String>,
    /// The theme's key point most of these answers stand behind.
    pub key_point: Option<KeyPoint>,
}

/// One answer of a question group: (unit, theme, participant, event).
type Answer = (String, String, Option<String>, String);
type Answers = Vec<Answer>;

pub(crate) fn findings(
    ws: &Workspace,
    units: &DataFrame,
    themes: &[ThemeInsight],
    k: usize,
) -> Result<Vec<Finding>, InsightsError> {
    let s = |c: &str| str_column(units, c);
    let (ids, events, people) = (s(col::UNIT_ID)?, s(col::EVENT_ID)?, s(col::PARTICIPANT_ID)?);
    let (questions, frames, theme_ids) = (s(col::QUESTION_ID)?, s(col::FRAME)?, s(col::THEME_ID)?);
    let q = read_table(ws, Table::Questions)?;
    let q_text = string_map(&q, col::QUESTION_ID, col::TEXT)?;
    let q_kind = string_map(&q, col::QUESTION_ID, "kind")?;
    let titles = chorus_core::store::event_titles(ws)?;
    let key_point_of: BTreeMap<String, u32> = read_assignments(ws)?
        .into_iter()
        .filter_map(|a| Some((a.unit_id, a.key_point?)))
        .collect();

    // (frame or question wording) -> answers, and the wordings seen
    let mut groups: BTreeMap<(u8, String), (Answers, BTreeMap<String, usize>)> = BTreeMap::new();
    for i in 0..ids.len() {
        let (Some(unit), Some(theme), Some(qid)) = (&ids[i], &theme_ids[i], &questions[i]) else {
            continue;
        };
        let wording = q_text.get(qid).cloned().unwrap_or_default();
        let key = match frames[i].as_deref().and_then(Frame::parse) {
            Some(f) => (
                Frame::ALL.iter().position(|&x| x == f).unwrap_or(0) as u8,
                f.as_str().to_string(),
            ),
            None if q_kind.get(qid).map(String::as_str) == Some("free_text")
                && !wording.is_empty() =>
            {
                (3, wording.trim().to_lowercase())
            }
            None => continue,
        };
        let g = groups.entry(key).or_default();
        g.0.push((
            unit.clone(),
            theme.clone(),
            people[i].clone(),
            events[i].clone().unwrap_or_default(),
        ));
        *g.1.entry(wording).or_default() += 1;
    }
    let by_id: BTreeMap<&str, &ThemeInsight> = themes.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut out = Vec::new();
    for ((order, key), (answers, wordings)) in groups {
        let participants: BTreeSet<&str> = answers.iter().filter_map(|a| a.2.as_deref()).collect();
        let event_set: BTreeSet<&str> = answers.iter().map(|a| a.3.as_str()).collect();
        let mut per_theme: BTreeMap<&str, Vec<&Answer>> = BTreeMap::new();
        for a in &answers {
            per_theme.entry(a.1.as_str()).or_default().push(a);
        }
        let mut named: Vec<FindingTheme> = per_theme
            .into_iter()
            .filter_map(|(t, us)| {
                let theme = by_id.get(t)?;
                let people: BTreeSet<&str> = us.iter().filter_map(|a| a.2.as_deref()).collect();
                if people.len() < k {
                    return None;
                }
                let evs: BTreeSet<&str> = us.iter().map(|a| a.3.as_str()).collect();
                let mut behind: BTreeMap<u32, usize> = BTreeMap::new();
                for a in &us {
                    if let Some(r) = key_point_of.get(&a.0) {
                        *behind.entry(*r).or_default() += 1;
                    }
                }
                let answered: BTreeSet<&str> = us.iter().map(|a| a.0.as_str()).collect();
                let said_here = |r: &u32| {
                    theme
                        .key_points
                        .iter()
                        .any(|p| p.rank == *r && answered.contains(p.unit_id.as_str()))
                };
                let top = behind
                    .iter()
                    .max_by(|a, b| {
                        (said_here(a.0), a.1)
                            .cmp(&(said_here(b.0), b.1))
                            .then(b.0.cmp(a.0))
                    })
                    .map(|(r, _)| *r);
                Some(FindingTheme {
                    theme_id: t.to_string(),
                    label: theme.label.clone(),
                    units: us.len(),
                    participants: people.len(),
                    share: us.len() as f64 / answers.len().max(1) as f64,
                    events: evs
                        .into_iter()
                        .map(|e| titles.get(e).cloned().unwrap_or_else(|| e.to_string()))
                        .collect(),
                    key_point: top
                        .and_then(|r| theme.key_points.iter().find(|p| p.rank == r).cloned()),
                })
            })
            .collect();
        named.sort_by(|a, b| b.units.cmp(&a.units).then(a.theme_id.cmp(&b.theme_id)));
        named.truncate(THEMES_PER_QUESTION);
        let question = wordings
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(w, _)| w)
            .unwrap_or(key.clone());
        out.push(Finding {
            frame: (order < 3).then_some(key),
            question,
            units: answers.len(),
            participants: participants.len(),
            events: event_set.len(),
            themes: named,
        });
    }
    Ok(out)
}
