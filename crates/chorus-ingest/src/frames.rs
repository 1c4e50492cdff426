//! The corpus frames of one event (DESIGN.md "Pipeline and data contract") as polars
//! DataFrames, written as one parquet file per event and table, so re-ingesting an event
//! replaces its files and adding one touches no other. Files are written to a temporary name
//! and renamed, so a reader never sees half a file.

use polars::prelude::*;

use chorus_core::column;
use chorus_core::model::{col, Table as T, Workspace};
use chorus_core::store::write_parquet;

#[derive(Debug, Clone, Default)]
pub struct EventRow {
    pub event_id: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub date: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub organiser: Option<String>,
    pub sector: Option<String>,
    pub level: Option<String>,
    pub language: Option<String>,
    pub mode: Option<String>,
    pub series: Option<String>,
    pub url: Option<String>,
    pub licence: Option<String>,
    pub attribution: Option<String>,
    pub origin: String,
}

#[derive(Debug, Clone)]
pub struct SourceRow {
    pub source_id: String,
    pub path: String,
    pub format: String,
    pub hash: String,
    pub bytes: u64,
    pub encoding: String,
    pub rows_read: u64,
    pub rows_rejected: u64,
    pub rows_excluded: u64,
}

#[derive(Debug, Clone)]
pub struct ParticipantRow {
    pub participant_id: String,
    pub kind: String,
    pub role: Option<String>,
    pub sector: Option<String>,
    pub country: Option<String>,
    pub group: Option<String>,
    /// Other attributes as a JSON object.
    pub attributes: Option<String>,
}

#[derive(Debug, Clone)]
pub struct QuestionRow {
    pub question_id: String,
    pub key: String,
    pub text: String,
    pub kind: String,
    pub frame: Option<String>,
    pub scale_min: Option<f64>,
    pub scale_max: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct UnitRow {
    pub unit_id: String,
    pub source_id: String,
    pub kind: String,
    pub participant_id: Option<String>,
    pub question_id: Option<String>,
    pub line: u64,
    pub cue: Option<u32>,
    pub part: u32,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub text: String,
    pub text_norm: String,
    pub text_hash: String,
    pub lang: Option<String>,
    pub duplicate_of: Option<String>,
    pub duplicate_kind: Option<String>,
    pub redactions: u32,
}

#[derive(Debug, Clone)]
pub struct AnswerRow {
    pub participant_id: String,
    pub question_id: String,
    pub unit_id: Option<String>,
    pub value: Option<f64>,
    pub value_text: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RejectRow {
    pub path: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub reason: String,
    pub message: String,
    pub raw: Option<String>,
}

/// All rows of one event.
#[derive(Debug, Clone, Default)]
pub struct EventFrames {
    pub event: EventRow,
    pub sources: Vec<SourceRow>,
    pub participants: Vec<ParticipantRow>,
    pub questions: Vec<QuestionRow>,
    pub units: Vec<UnitRow>,
    pub answers: Vec<AnswerRow>,
    pub rejects: Vec<RejectRow>,
}

impl EventFrames {
    /// The frames, each with an `event_id` column first.
    pub fn to_frames(&self) -> PolarsResult<Vec<(T, DataFrame)>> {
        let id = self.event.event_id.as_str();
        let with_event = |n: usize, mut cols: Vec<Column>| -> PolarsResult<DataFrame> {
            cols.insert(0, Column::new(col::EVENT_ID.into(), vec![id; n]));
            DataFrame::new(n, cols)
        };
        let e = std::slice::from_ref(&self.event);
        let events = with_event(
            1,
            vec![
                column!(e, col::TITLE, |r| r.title.clone()),
                column!(e, col::DESCRIPTION, |r| r.description.clone()),
                column!(e, col::DATE, |r| r.date.clone()),
                column!(e, col::COUNTRY, |r| r.country.clone()),
                column!(e, col::CITY, |r| r.city.clone()),
                column!(e, col::ORGANISER, |r| r.organiser.clone()),
                column!(e, col::SECTOR, |r| r.sector.clone()),
                column!(e, col::LEVEL, |r| r.level.clone()),
                column!(e, col::LANGUAGE, |r| r.language.clone()),
                column!(e, col::MODE, |r| r.mode.clone()),
                column!(e, col::SERIES, |r| r.series.clone()),
                column!(e, col::URL, |r| r.url.clone()),
                column!(e, col::LICENCE, |r| r.licence.clone()),
                column!(e, col::ATTRIBUTION, |r| r.attribution.clone()),
                column!(e, col::ORIGIN, |r| r.origin.clone()),
            ],
        )?;
        let s = &self.sources;
        let sources = with_event(
            s.len(),
            vec![
                column!(s, col::SOURCE_ID, |r| r.source_id.clone()),
                column!(s, col::PATH, |r| r.path.clone()),
                column!(s, col::FORMAT, |r| r.format.clone()),
                column!(s, col::HASH, |r| r.hash.clone()),
                column!(s, col::BYTES, |r| r.bytes),
                column!(s, col::ENCODING, |r| r.encoding.clone()),
                column!(s, col::ROWS_READ, |r| r.rows_read),
                column!(s, col::ROWS_REJECTED, |r| r.rows_rejected),
                column!(s, col::ROWS_EXCLUDED, |r| r.rows_excluded),
            ],
        )?;
        let p = &self.participants;
        let participants = with_event(
            p.len(),
            vec![
                column!(p, col::PARTICIPANT_ID, |r| r.participant_id.clone()),
                column!(p, col::KIND, |r| r.kind.clone()),
                column!(p, col::ROLE, |r| r.role.clone()),
                column!(p, col::SECTOR, |r| r.sector.clone()),
                column!(p, col::COUNTRY, |r| r.country.clone()),
                column!(p, col::GROUP, |r| r.group.clone()),
                column!(p, col::ATTRIBUTES, |r| r.attributes.clone()),
            ],
        )?;
        let q = &self.questions;
        let questions = with_event(
            q.len(),
            vec![
                column!(q, col::QUESTION_ID, |r| r.question_id.clone()),
                column!(q, col::KEY, |r| r.key.clone()),
                column!(q, col::TEXT, |r| r.text.clone()),
                column!(q, col::KIND, |r| r.kind.clone()),
                column!(q, col::FRAME, |r| r.frame.clone()),
                column!(q, col::SCALE_MIN, |r| r.scale_min),
                column!(q, col::SCALE_MAX, |r| r.scale_max),
            ],
        )?;
        let u = &self.units;
        let units = with_event(
            u.len(),
            vec![
                column!(u, col::UNIT_ID, |r| r.unit_id.clone()),
                column!(u, col::SOURCE_ID, |r| r.source_id.clone()),
                column!(u, col::KIND, |r| r.kind.clone()),
                column!(u, col::PARTICIPANT_ID, |r| r.participant_id.clone()),
                column!(u, col::QUESTION_ID, |r| r.question_id.clone()),
                column!(u, col::LINE, |r| r.line),
                column!(u, col::CUE, |r| r.cue),
                column!(u, col::PART, |r| r.part),
                column!(u, col::START_MS, |r| r.start_ms),
                column!(u, col::END_MS, |r| r.end_ms),
                column!(u, col::TEXT, |r| r.text.clone()),
                column!(u, col::TEXT_NORM, |r| r.text_norm.clone()),
                column!(u, col::TEXT_HASH, |r| r.text_hash.clone()),
                column!(u, col::LANG, |r| r.lang.clone()),
                column!(u, col::DUPLICATE_OF, |r| r.duplicate_of.clone()),
                column!(u, col::DUPLICATE_KIND, |r| r.duplicate_kind.clone()),
                column!(u, col::REDACTIONS, |r| r.redactions),
            ],
        )?;
        let a = &self.answers;
        let answers = with_event(
            a.len(),
            vec![
                column!(a, col::PARTICIPANT_ID, |r| r.participant_id.clone()),
                column!(a, col::QUESTION_ID, |r| r.question_id.clone()),
                column!(a, col::UNIT_ID, |r| r.unit_id.clone()),
                column!(a, col::VALUE, |r| r.value),
                column!(a, col::VALUE_TEXT, |r| r.value_text.clone()),
            ],
        )?;
        let j = &self.rejects;
        let rejects = with_event(
            j.len(),
            vec![
                column!(j, col::PATH, |r| r.path.clone()),
                column!(j, col::LINE, |r| r.line),
                column!(j, col::COLUMN, |r| r.column),
                column!(j, col::REASON, |r| r.reason.clone()),
                column!(j, col::MESSAGE, |r| r.message.clone()),
                column!(j, col::RAW, |r| r.raw.clone()),
            ],
        )?;
        Ok(vec![
            (T::Events, events),
            (T::Sources, sources),
            (T::Participants, participants),
            (T::Questions, questions),
            (T::Units, units),
            (T::Answers, answers),
            (T::Rejects, rejects),
        ])
    }

    /// Writes the event's seven parquet files, replacing any earlier ones.
    pub fn write(&self, ws: &Workspace) -> PolarsResult<()> {
        for (table, mut df) in self.to_frames()? {
            let path = ws.table_file(table, &self.event.event_id);
            write_parquet(&path, &mut df)?;
        }
        Ok(())
    }
}
