//! The rows each source gives its event: participants under pseudonymous ids, questions under
//! event-wide ids, units (long turns split into windows, redacted, normalised, a first language
//! guess), answers tied to their question and unit, and the source's own row.
//!
//! Reads one source's `Parsed` at a time; writes into [`Rows`], shared by the event's sources.
//! Invariants: a participant or question met in several sources is one row (the first source's);
//! a unit id is `<source id>#<locator>`, with `.p<n>` when the turn was split; an answer whose
//! question is unknown is left out.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use super::privacy::{Pseudonyms, Redactor};
use super::SourceInput;
use crate::clean::{self, Redactions};
use crate::event::EventMeta;
use crate::frames::{AnswerRow, ParticipantRow, QuestionRow, SourceRow, UnitRow};
use crate::problem::Problem;
use crate::source::{
    Parsed, ParticipantKind, RawAnswer, RawParticipant, RawQuestion, RawUnit, UnitKind,
};
use crate::transcript::{split_turn, Window};
use chorus_core::model::slug;

/// What every source of an event is assembled with.
pub(super) struct Context<'a> {
    pub event_id: &'a str,
    /// The event's metadata, already filled from its sources (speakers' roles, language).
    pub meta: &'a EventMeta,
    pub pseudonyms: Pseudonyms<'a>,
    pub redactor: Redactor,
    pub max_unit_chars: usize,
    /// Units made into rows at a time.
    pub chunk: usize,
}

/// The rows of an event's sources so far, and what the summary counts on the way.
pub(super) struct Rows {
    pub sources: Vec<SourceRow>,
    /// By participant id, so each is one row, in id order.
    pub participants: BTreeMap<String, ParticipantRow>,
    /// By question id, likewise.
    pub questions: BTreeMap<String, QuestionRow>,
    pub units: Vec<UnitRow>,
    pub answers: Vec<AnswerRow>,
    pub problems: Vec<Problem>,
    pub redactions: Redactions,
    /// Rows the sources left out on purpose.
    pub excluded: u64,
}

/// One source's id and what its keys became: question key -> question id, and unit locator ->
/// the id of its unit (the first window's, for a split turn) for the locators its answers
/// point at.
struct SourceIds {
    source_id: Arc<str>,
    questions: HashMap<String, Arc<str>>,
    units: HashMap<String, String>,
}

impl Rows {
    /// No rows yet; `problems` are the event's own (its `event.toml`).
    pub fn new(problems: Vec<Problem>) -> Self {
        Self {
            sources: Vec::new(),
            participants: BTreeMap::new(),
            questions: BTreeMap::new(),
            units: Vec::new(),
            answers: Vec::new(),
            problems,
            redactions: Redactions::default(),
            excluded: 0,
        }
    }

    pub fn add_source(&mut self, src: SourceInput, cx: &Context) {
        let Parsed {
            units,
            participants,
            questions,
            answers,
            problems,
            rows_read,
            rows_excluded,
            ..
        } = src.parsed;
        let mut ids = SourceIds {
            source_id: format!("{}/{}", cx.event_id, src.file_name).into(),
            questions: HashMap::new(),
            units: HashMap::new(),
        };
        self.add_participants(participants, cx);
        self.add_questions(questions, &mut ids, cx);
        let pointed: HashSet<&str> = answers.iter().filter_map(|a| a.unit.as_deref()).collect();
        self.add_units(units, &pointed, &mut ids, cx);
        self.add_answers(answers, &ids, cx);
        self.excluded += rows_excluded;
        self.sources.push(SourceRow {
            source_id: ids.source_id.to_string(),
            path: src.display,
            format: src.format.as_str().to_string(),
            hash: src.hash,
            bytes: src.bytes,
            encoding: src.encoding.to_string(),
            rows_read,
            rows_rejected: problems.iter().filter(|p| p.is_reject()).count() as u64,
            rows_excluded,
        });
        self.problems.extend(problems);
    }

    fn add_participants(&mut self, participants: Vec<RawParticipant>, cx: &Context) {
        for p in participants {
            let id = cx.pseudonyms.participant_id(&p.key);
            // a role in the source wins over one given by hand in `event.toml` `[speakers]`
            let role = p.role.or_else(|| cx.meta.speakers.get(&p.key).cloned());
            self.participants
                .entry(id.clone())
                .or_insert_with(|| ParticipantRow {
                    participant_id: id,
                    kind: p.kind.as_str().to_string(),
                    role,
                    sector: p.sector,
                    country: p.country,
                    group: p.group,
                    attributes: (!p.attributes.is_empty())
                        .then(|| serde_json::to_string(&p.attributes).unwrap_or_default()),
                });
        }
    }

    fn add_questions(&mut self, questions: Vec<RawQuestion>, ids: &mut SourceIds, cx: &Context) {
        for q in questions {
            let key: String = slug(&q.key).chars().take(60).collect();
            let question_id = format!("{}:{key}", cx.event_id);
            ids.questions.insert(q.key, question_id.as_str().into());
            self.questions
                .entry(question_id.clone())
                .or_insert(QuestionRow {
                    question_id,
                    key,
                    text: q.text,
                    kind: q.kind.as_str().to_string(),
                    frame: q.frame.map(|f| f.as_str().to_string()),
                    scale_min: q.scale.map(|s| s.0),
                    scale_max: q.scale.map(|s| s.1),
                });
        }
    }

    /// The units' ids and windows in order, then each window's row (redaction, language, hash:
    /// the costly part) in parallel, kept in order; `cx.chunk` units at a time, so the parsed
    /// units' memory goes back as their rows are made.
    fn add_units(
        &mut self,
        units: Vec<RawUnit>,
        pointed: &HashSet<&str>,
        ids: &mut SourceIds,
        cx: &Context,
    ) {
        use rayon::prelude::*;
        self.units.reserve(units.len());
        let mut rest = units.into_iter();
        while rest.len() > 0 {
            let mut chunk: Vec<RawUnit> = rest.by_ref().take(cx.chunk).collect();
            let mut pending: Vec<(usize, String, u32, Window)> = Vec::with_capacity(chunk.len());
            for (k, u) in chunk.iter_mut().enumerate() {
                let windows = windows(u, cx.max_unit_chars);
                let many = windows.len() > 1;
                for (i, window) in windows.into_iter().enumerate() {
                    let unit_id = if many {
                        format!("{}#{}.p{}", ids.source_id, u.locator, i + 1)
                    } else {
                        format!("{}#{}", ids.source_id, u.locator)
                    };
                    if i == 0 && pointed.contains(u.locator.as_str()) {
                        ids.units.insert(u.locator.clone(), unit_id.clone());
                    }
                    pending.push((k, unit_id, i as u32 + 1, window));
                }
            }
            let ids = &*ids;
            let (rows, counts): (Vec<UnitRow>, Vec<Redactions>) = pending
                .into_par_iter()
                .map(|(k, unit_id, part, window)| {
                    unit_row(&chunk[k], unit_id, part, window, ids, cx)
                })
                .unzip();
            counts.iter().for_each(|c| self.redactions.add(c));
            self.units.extend(rows);
        }
    }

    fn add_answers(&mut self, answers: Vec<RawAnswer>, ids: &SourceIds, cx: &Context) {
        for a in answers {
            let Some(question_id) = ids.questions.get(&*a.question).cloned() else {
                continue;
            };
            let participant_id = cx.pseudonyms.participant_id(&a.participant);
            // a voter or respondent may answer without being listed among the participants
            self.participants
                .entry(participant_id.clone())
                .or_insert_with(|| ParticipantRow {
                    participant_id: participant_id.clone(),
                    kind: ParticipantKind::Respondent.as_str().to_string(),
                    role: None,
                    sector: None,
                    country: None,
                    group: None,
                    attributes: None,
                });
            self.answers.push(AnswerRow {
                participant_id,
                question_id,
                unit_id: a.unit.as_ref().and_then(|l| ids.units.get(l).cloned()),
                value: a.value,
                value_text: a.value_text,
            });
        }
    }
}

/// One window of a unit as a row, redacted and normalised, with what the redaction counted.
fn unit_row(
    u: &RawUnit,
    unit_id: String,
    part: u32,
    window: Window,
    ids: &SourceIds,
    cx: &Context,
) -> (UnitRow, Redactions) {
    let redacted = cx
        .redactor
        .redact(window.text, u.kind == UnitKind::Utterance);
    let lang = clean::detect_language(&redacted.text, cx.meta.language.as_deref());
    // names in the text are looked for in English answers and turns; a Pol.is statement is
    // shown to every voter and moderated, and the names in them are of public figures
    let english = lang
        .as_deref()
        .or(cx.meta.language.as_deref())
        .is_none_or(|l| l == "en" || l.starts_with("en-"));
    let redacted = cx
        .redactor
        .redact_names(redacted, english && u.kind != UnitKind::Statement);
    // a large source holds every unit at once: no spare capacity
    let mut text = redacted.text;
    text.shrink_to_fit();
    let row = UnitRow {
        unit_id,
        source_id: ids.source_id.clone(),
        kind: u.kind.as_str(),
        participant_id: u
            .participant
            .as_deref()
            .map(|p| cx.pseudonyms.participant_id(p)),
        question_id: u
            .question
            .as_ref()
            .and_then(|q| ids.questions.get(&**q).cloned()),
        line: u.line,
        cue: u.cue,
        part,
        start_ms: window.start_ms,
        end_ms: window.end_ms,
        lang,
        text,
        duplicate_of: None,
        duplicate_kind: None,
        redactions: redacted.counts.total(),
    };
    (row, redacted.counts)
}

/// A transcript turn split at sentence boundaries into windows of at most `max_chars`; any
/// other unit whole (a written answer is read as one, its text moved out of `u`).
fn windows(u: &mut RawUnit, max_chars: usize) -> Vec<Window> {
    if u.kind == UnitKind::Utterance {
        split_turn(&u.text, u.start_ms, u.end_ms, max_chars)
    } else {
        vec![Window {
            text: std::mem::take(&mut u.text),
            start_ms: u.start_ms,
            end_ms: u.end_ms,
        }]
    }
}
