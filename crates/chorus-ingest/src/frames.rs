//! The corpus frames of one event (DESIGN.md "Pipeline and data contract") as polars
//! DataFrames, written as one parquet file per event and table, so re-ingesting an event
//! replaces its files and adding one touches no other. Files are written to a temporary name
//! and renamed, so a reader never sees half a file.

use std::sync::Arc;

use rayon::prelude::*;

use polars::prelude::*;

use crate::clean;
use chorus_core::column;
use chorus_core::model::{col, Table as T, Workspace};
use chorus_core::store::{write_parquet, write_parquet_chunks};

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

/// A unit as written to the units table; its normalised copy (`text_norm`) and that copy's hash
/// (`text_hash`) are made as it is written, not kept beside every row.
#[derive(Debug, Clone)]
pub struct UnitRow {
    pub unit_id: String,
    pub source_id: Arc<str>,
    pub kind: &'static str,
    pub participant_id: Option<String>,
    pub question_id: Option<Arc<str>>,
    pub line: u64,
    pub cue: Option<u32>,
    pub part: u32,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub text: String,
    pub lang: Option<String>,
    pub duplicate_of: Option<String>,
    pub duplicate_kind: Option<&'static str>,
    pub redactions: u32,
}

#[derive(Debug, Clone)]
pub struct AnswerRow {
    pub participant_id: String,
    pub question_id: Arc<str>,
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

/// Units made into rows, and rows written to the units table, at a time.
pub const UNIT_CHUNK: usize = 65_536;

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
    /// The frames but the units', each with an `event_id` column first.
    fn small_frames(&self) -> PolarsResult<Vec<(T, DataFrame)>> {
        let id = self.event.event_id.as_str();
        let with_event = |n: usize, cols: Vec<Column>| with_event(id, n, cols);
        let e = std::slice::from_ref(&self.event);
        let events = with_event(
            1,
            vec![
                column!(e, col::TITLE, |r| r.title.as_deref()),
                column!(e, col::DESCRIPTION, |r| r.description.as_deref()),
                column!(e, col::DATE, |r| r.date.as_deref()),
                column!(e, col::COUNTRY, |r| r.country.as_deref()),
                column!(e, col::CITY, |r| r.city.as_deref()),
                column!(e, col::ORGANISER, |r| r.organiser.as_deref()),
                column!(e, col::SECTOR, |r| r.sector.as_deref()),
                column!(e, col::LEVEL, |r| r.level.as_deref()),
                column!(e, col::LANGUAGE, |r| r.language.as_deref()),
                column!(e, col::MODE, |r| r.mode.as_deref()),
                column!(e, col::SERIES, |r| r.series.as_deref()),
                column!(e, col::URL, |r| r.url.as_deref()),
                column!(e, col::LICENCE, |r| r.licence.as_deref()),
                column!(e, col::ATTRIBUTION, |r| r.attribution.as_deref()),
                column!(e, col::ORIGIN, |r| r.origin.as_str()),
            ],
        )?;
        let s = &self.sources;
        let sources = with_event(
            s.len(),
            vec![
                column!(s, col::SOURCE_ID, |r| r.source_id.as_str()),
                column!(s, col::PATH, |r| r.path.as_str()),
                column!(s, col::FORMAT, |r| r.format.as_str()),
                column!(s, col::HASH, |r| r.hash.as_str()),
                column!(s, col::BYTES, |r| r.bytes),
                column!(s, col::ENCODING, |r| r.encoding.as_str()),
                column!(s, col::ROWS_READ, |r| r.rows_read),
                column!(s, col::ROWS_REJECTED, |r| r.rows_rejected),
                column!(s, col::ROWS_EXCLUDED, |r| r.rows_excluded),
            ],
        )?;
        let p = &self.participants;
        let participants = with_event(
            p.len(),
            vec![
                column!(p, col::PARTICIPANT_ID, |r| r.participant_id.as_str()),
                column!(p, col::KIND, |r| r.kind.as_str()),
                column!(p, col::ROLE, |r| r.role.as_deref()),
                column!(p, col::SECTOR, |r| r.sector.as_deref()),
                column!(p, col::COUNTRY, |r| r.country.as_deref()),
                column!(p, col::GROUP, |r| r.group.as_deref()),
                column!(p, col::ATTRIBUTES, |r| r.attributes.as_deref()),
            ],
        )?;
        let q = &self.questions;
        let questions = with_event(
            q.len(),
            vec![
                column!(q, col::QUESTION_ID, |r| r.question_id.as_str()),
                column!(q, col::KEY, |r| r.key.as_str()),
                column!(q, col::TEXT, |r| r.text.as_str()),
                column!(q, col::KIND, |r| r.kind.as_str()),
                column!(q, col::FRAME, |r| r.frame.as_deref()),
                column!(q, col::SCALE_MIN, |r| r.scale_min),
                column!(q, col::SCALE_MAX, |r| r.scale_max),
            ],
        )?;
        let a = &self.answers;
        let answers = with_event(
            a.len(),
            vec![
                column!(a, col::PARTICIPANT_ID, |r| r.participant_id.as_str()),
                column!(a, col::QUESTION_ID, |r| r.question_id.as_ref()),
                column!(a, col::UNIT_ID, |r| r.unit_id.as_deref()),
                column!(a, col::VALUE, |r| r.value),
                column!(a, col::VALUE_TEXT, |r| r.value_text.as_deref()),
            ],
        )?;
        let j = &self.rejects;
        let rejects = with_event(
            j.len(),
            vec![
                column!(j, col::PATH, |r| r.path.as_str()),
                column!(j, col::LINE, |r| r.line),
                column!(j, col::COLUMN, |r| r.column),
                column!(j, col::REASON, |r| r.reason.as_str()),
                column!(j, col::MESSAGE, |r| r.message.as_str()),
                column!(j, col::RAW, |r| r.raw.as_deref()),
            ],
        )?;
        Ok(vec![
            (T::Events, events),
            (T::Sources, sources),
            (T::Participants, participants),
            (T::Questions, questions),
            (T::Answers, answers),
            (T::Rejects, rejects),
        ])
    }

    /// Writes the event's seven parquet files, replacing any earlier ones. The units go
    /// [`UNIT_CHUNK`] rows at a time, each chunk's rows let go once written: a large source is
    /// never held twice.
    pub fn write(self, ws: &Workspace) -> PolarsResult<()> {
        self.write_in_chunks(ws, UNIT_CHUNK)
    }

    /// [`EventFrames::write`], `chunk` units at a time.
    pub fn write_in_chunks(mut self, ws: &Workspace, chunk: usize) -> PolarsResult<()> {
        let id = self.event.event_id.clone();
        let units = std::mem::take(&mut self.units);
        for (table, mut df) in self.small_frames()? {
            write_parquet(&ws.table_file(table, &id), &mut df)?;
        }
        write_parquet_chunks(
            &ws.table_file(T::Units, &id),
            unit_chunks(&id, units, chunk),
        )
    }
}

/// The hash of a unit's normalised text: the embedding cache's key.
pub fn text_hash(norm: &str) -> String {
    chorus_core::model::content_hash(norm.as_bytes())[..32].to_string()
}

/// `cols` after an `event_id` column.
fn with_event(id: &str, n: usize, mut cols: Vec<Column>) -> PolarsResult<DataFrame> {
    cols.insert(0, Column::new(col::EVENT_ID.into(), vec![id; n]));
    DataFrame::new(n, cols)
}

/// The units as frames of at most `chunk` rows (one, maybe empty, at least), each made
/// when asked for, the memory of the rows before it handed back.
fn unit_chunks(
    id: &str,
    units: Vec<UnitRow>,
    chunk: usize,
) -> impl Iterator<Item = PolarsResult<DataFrame>> + '_ {
    let mut rows = units.into_iter();
    let mut first = true;
    std::iter::from_fn(move || {
        if !first && rows.len() == 0 {
            return None;
        }
        first = false;
        let u: Vec<UnitRow> = rows.by_ref().take(chunk.max(1)).collect();
        let norms: Vec<String> = u.par_iter().map(|r| clean::normalise(&r.text)).collect();
        let hashes: Vec<String> = norms.iter().map(|n| text_hash(n)).collect();
        Some(with_event(
            id,
            u.len(),
            vec![
                column!(u, col::UNIT_ID, |r| r.unit_id.as_str()),
                column!(u, col::SOURCE_ID, |r| r.source_id.as_ref()),
                column!(u, col::KIND, |r| r.kind),
                column!(u, col::PARTICIPANT_ID, |r| r.participant_id.as_deref()),
                column!(u, col::QUESTION_ID, |r| r.question_id.as_deref()),
                column!(u, col::LINE, |r| r.line),
                column!(u, col::CUE, |r| r.cue),
                column!(u, col::PART, |r| r.part),
                column!(u, col::START_MS, |r| r.start_ms),
                column!(u, col::END_MS, |r| r.end_ms),
                column!(u, col::TEXT, |r| r.text.as_str()),
                Column::new(col::TEXT_NORM.into(), norms),
                Column::new(col::TEXT_HASH.into(), hashes),
                column!(u, col::LANG, |r| r.lang.as_deref()),
                column!(u, col::DUPLICATE_OF, |r| r.duplicate_of.as_deref()),
                column!(u, col::DUPLICATE_KIND, |r| r.duplicate_kind),
                column!(u, col::REDACTIONS, |r| r.redactions),
            ],
        ))
    })
}
