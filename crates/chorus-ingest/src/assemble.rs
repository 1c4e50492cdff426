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
pub struct AssembleOptions<'a> {
    pub redact: bool,
    pub max_unit_chars: usize,
    /// Units made into rows at a time ([`crate::frames::UNIT_CHUNK`]; smaller in tests).
    pub chunk: usize,
    /// Ids to redact besides the built-in ones.
    pub ids: &'a [crate::ids::IdPattern],
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
        redactor: Redactor::new(opts.redact, &meta, &sources, opts.ids),
        max_unit_chars: opts.max_unit_chars,
        chunk: opts.chunk.max(1),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFormat;
    use chorus_core::model::{Table, Workspace};
    use chorus_core::store::read_table;

    /// A survey of `n` respondents: repeated and near-repeated answers, a planted email and a
    /// name, so every event-wide step has work across chunk boundaries.
    fn survey(n: usize) -> EventInput {
        let mut csv = String::from("respondent_id,What should we keep?\n");
        for i in 0..n {
            let answer = match i % 4 {
                0 => format!("Keep the late buses on route {}", i % 3),
                1 => "Keep the late buses on route 1".to_string(),
                2 => format!("Write to jo{i}@example.org or ask Janet Okafor about it"),
                _ => format!("Remote work for staff in team number {i}"),
            };
            csv.push_str(&format!("R{i},{answer}\n"));
        }
        let table = crate::table::read_csv("s.csv", &csv, 1 << 20).unwrap();
        EventInput {
            event_id: "ev".into(),
            origin: "ev".into(),
            meta: EventMeta::default(),
            sources: vec![SourceInput {
                display: "ev/s.csv".into(),
                file_name: "s.csv".into(),
                format: SourceFormat::SurveyCsv,
                hash: "h".into(),
                bytes: csv.len() as u64,
                encoding: "utf-8",
                parsed: crate::survey::parse("s.csv", table, &Default::default()),
            }],
            problems: Vec::new(),
        }
    }

    #[test]
    fn chunks_never_change_the_rows_or_the_file() {
        let opts = |chunk| AssembleOptions {
            redact: true,
            max_unit_chars: 2000,
            chunk,
            ids: &[],
        };
        let salt = [7u8; 32];
        let whole = assemble(survey(23), &salt, opts(1 << 20));
        let chunked = assemble(survey(23), &salt, opts(5));
        let units = |a: &Assembled| format!("{:?}", a.frames.units);
        assert_eq!(units(&whole), units(&chunked));
        assert_eq!(whole.summary.duplicates, chunked.summary.duplicates);
        assert!(whole.summary.duplicates > 0 && whole.summary.redactions.total() > 0);
        // the units table written 4 rows at a time reads back as written whole
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (
            Workspace::new(dir.path().join("a")),
            Workspace::new(dir.path().join("b")),
        );
        whole.frames.write(&a).unwrap();
        chunked.frames.write_in_chunks(&b, 4).unwrap();
        let (ta, tb) = (
            read_table(&a, Table::Units).unwrap(),
            read_table(&b, Table::Units).unwrap(),
        );
        assert_eq!(ta.height(), 23);
        assert!(ta.equals_missing(&tb));
    }
}
