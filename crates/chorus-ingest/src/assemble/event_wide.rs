//! The steps of assembly that need every unit of the event at once: each unit's language
//! settled, duplicates flagged, and the problems kept as reject rows.
//!
//! Reads and rewrites the event's unit rows in place; writes no file. Invariants: a unit no
//! detection was sure of takes the event's language (declared, else its units' most frequent);
//! a duplicate points at the first unit with that text, which stays unflagged; a rejected row's
//! raw text is redacted like any other written text.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::privacy::Redactor;
use crate::clean;
use crate::frames::{RejectRow, UnitRow};
use crate::problem::Problem;

/// The event's language, and how many units are in each.
pub(super) struct Languages {
    /// Declared in the metadata, else the most frequent among confident detections.
    pub event: Option<String>,
    /// Units per language (`und` when none is known), most frequent first.
    pub counts: Vec<(String, usize)>,
}

/// Gives every unit without a confident detection the event's language.
pub(super) fn settle_languages(units: &mut [UnitRow], declared: Option<&str>) -> Languages {
    let mut detected: BTreeMap<String, usize> = BTreeMap::new();
    for u in units.iter() {
        if let Some(l) = &u.lang {
            *detected.entry(l.clone()).or_default() += 1;
        }
    }
    // a tie goes to the language first in name order, so reruns choose the same
    let majority = detected
        .iter()
        .max_by_key(|(l, n)| (**n, std::cmp::Reverse((*l).clone())))
        .map(|(l, _)| l.clone());
    let event = declared.map(str::to_string).or(majority);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for u in units.iter_mut() {
        if u.lang.is_none() {
            u.lang = event.clone();
        }
        *counts
            .entry(u.lang.clone().unwrap_or_else(|| "und".into()))
            .or_default() += 1;
    }
    let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Languages { event, counts }
}

/// Marks each unit whose normalised text repeats an earlier one's; returns how many.
pub(super) fn flag_duplicates(units: &mut [UnitRow]) -> usize {
    // normalised again when asked for: the rows do not keep a second copy of every text
    let found = crate::duplicates::flag_duplicates_by(units.len(), |i| {
        Cow::Owned(clean::normalise(&units[i].text))
    });
    let mut duplicates = 0;
    for (i, d) in found.into_iter().enumerate() {
        if let Some((first, kind)) = d {
            units[i].duplicate_of = Some(units[first].unit_id.clone());
            units[i].duplicate_kind = Some(kind.as_str());
            duplicates += 1;
        }
    }
    duplicates
}

/// One reject row per rejected row or file, in the order the problems were met.
pub(super) fn reject_rows(problems: &[Problem], redactor: &Redactor) -> Vec<RejectRow> {
    problems
        .iter()
        .filter(|p| p.is_reject())
        .map(|p| RejectRow {
            path: p.file.clone(),
            line: p.line,
            column: p.column,
            reason: p.kind.as_str().to_string(),
            message: p.message.clone(),
            raw: p.raw.as_ref().map(|r| redactor.redact_all(r.clone())),
        })
        .collect()
}
