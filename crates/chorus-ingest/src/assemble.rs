//! One event's parsed sources -> its corpus frames. [`assemble`] is the list of steps: the
//! sources' own metadata fills the event's gaps; each source gives its rows (`rows.rs`:
//! pseudonymous participant ids, question ids, long turns split, personal data redacted, text
//! normalised, each unit's language guessed); then the steps that need every unit of the event
//! (`event_wide.rs`): languages settled, duplicates flagged, problems kept as reject rows; last
//! the event row and the summary.
//!
//! Reads and writes no file (`frames.rs` writes what this returns). Invariants: units keep the
//! order of their sources and lines; participant ids depend only on the workspace salt, the event
//! id and the participant's key (`privacy.rs`), so a rerun gives the same ids; duplicates are
//! flagged, never dropped.

mod event_wide;
mod privacy;
mod rows;

use super::clean::Redactions;
use super::event::EventMeta;
use super::frames::{EventFrames, EventRow};
use super::problem::Problem;
use super::source::{Parsed, SourceFormat};
use privacy::{Pseudonyms, Redactor};
use rows::{Context, Rows};

/// A source file read for an event.
#[derive(Debug)]
pub struct SourceInput {
    pub display: String,
    pub file_name: String,
    pub format: SourceFormat,
    pub hash: String,
    pub bytes: u64,
    pub encoding: &'static str,
    pub parsed: Parsed,
}

/// Everything read for one event, before assembly.
#[derive(Debug)]
pub struct EventInput {
    pub event_id: String,
    pub origin: String,
    pub meta: EventMeta,
    pub sources: Vec<SourceInput>,
    /// Problems that belong to the event rather than a source (its `event.toml`).
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, Copy)]
pub struct AssembleOptions {
    pub redact: bool,
    pub max_unit_chars: usize,
}

/// Per-event figures for the ingest summary.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct EventSummary {
    pub event_id: String,
    pub title: Option<String>,
    pub sources: usize,
    pub units: usize,
    pub participants: usize,
    pub questions: usize,
    pub answers: usize,
    pub rejected: usize,
    pub warnings: usize,
    pub excluded: u64,
    pub duplicates: usize,
    pub redactions: Redactions,
    /// Units per language, most frequent first.
    pub languages: Vec<(String, usize)>,
}

/// One event assembled: the rows to write, its summary, and every problem met on the way (the
/// event's own first, then each source's, in source order).
#[derive(Debug)]
pub struct Assembled {
    pub frames: EventFrames,
    pub summary: EventSummary,
    pub problems: Vec<Problem>,
}

pub fn assemble(input: EventInput, salt: &[u8; 32], opts: AssembleOptions) -> Assembled {
    let EventInput {
        event_id,
        origin,
        mut meta,
        sources,
        problems,
    } = input;
    for s in &sources {
        meta.fill_from(&s.parsed.meta);
    }
    let cx = Context {
        event_id: &event_id,
        meta: &meta,
        pseudonyms: Pseudonyms::new(salt, &event_id),
        redactor: Redactor::new(opts.redact, &meta, &sources),
        max_unit_chars: opts.max_unit_chars,
    };
    let mut rows = Rows::new(problems);
    for src in sources {
        rows.add_source(src, &cx);
    }
    let languages = event_wide::settle_languages(&mut rows.units, meta.language.as_deref());
    let duplicates = event_wide::flag_duplicates(&mut rows.units);
    let rejects = event_wide::reject_rows(&rows.problems, &cx.redactor);
    let frames = EventFrames {
        event: event_row(&event_id, &meta, languages.event, origin),
        sources: rows.sources,
        participants: rows.participants.into_values().collect(),
        questions: rows.questions.into_values().collect(),
        units: rows.units,
        answers: rows.answers,
        rejects,
    };
    let summary = EventSummary {
        event_id,
        title: meta.title,
        sources: frames.sources.len(),
        units: frames.units.len(),
        participants: frames.participants.len(),
        questions: frames.questions.len(),
        answers: frames.answers.len(),
        rejected: frames.rejects.len(),
        warnings: rows.problems.iter().filter(|p| !p.is_reject()).count(),
        excluded: rows.excluded,
        duplicates,
        redactions: rows.redactions,
        languages: languages.counts,
    };
    Assembled {
        frames,
        summary,
        problems: rows.problems,
    }
}

/// The event's row: its metadata as filled from every place, the settled language, and where
/// it was read from.
fn event_row(
    event_id: &str,
    meta: &EventMeta,
    language: Option<String>,
    origin: String,
) -> EventRow {
    EventRow {
        event_id: event_id.to_string(),
        title: meta.title.clone(),
        description: meta.description.clone(),
        date: meta.date.clone(),
        country: meta.country.clone(),
        city: meta.city.clone(),
        organiser: meta.organiser.clone(),
        sector: meta.sector.clone(),
        level: meta.level.clone(),
        language,
        mode: meta.mode.clone(),
        series: meta.series.clone(),
        url: meta.url.clone(),
        licence: meta.licence.clone(),
        attribution: meta.attribution.clone(),
        origin,
    }
}
