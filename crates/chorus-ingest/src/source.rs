//! What a parsed source hands to event assembly, whatever its format: units with provenance,
//! participants (by their name or respondent id, before pseudonymisation), questions, answers,
//! problems, and any event metadata the source itself carries (Pol.is `summary.csv`, AMI columns).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::event::EventMeta;
use super::problem::Problem;
use chorus_core::model::Frame;

/// What a source was read as: its `format` in the sources table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    WebVtt,
    Srt,
    /// A plain-text transcript.
    Text,
    SurveyCsv,
    SurveyJsonl,
    SegmentsCsv,
    Polis,
    /// A `.csv` or `.jsonl` file that could not be decoded or read as a table.
    Table,
    /// Any other file that could not be decoded.
    Transcript,
    /// A file whose extension names no format.
    Unknown,
}

impl SourceFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::WebVtt => "webvtt",
            SourceFormat::Srt => "srt",
            SourceFormat::Text => "text",
            SourceFormat::SurveyCsv => "survey-csv",
            SourceFormat::SurveyJsonl => "survey-jsonl",
            SourceFormat::SegmentsCsv => "segments-csv",
            SourceFormat::Polis => "polis",
            SourceFormat::Table => "table",
            SourceFormat::Transcript => "transcript",
            SourceFormat::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    /// A transcript turn (or a window of one).
    Utterance,
    /// A free-text survey answer.
    Response,
    /// A Pol.is statement.
    Statement,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Utterance => "utterance",
            UnitKind::Response => "response",
            UnitKind::Statement => "statement",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RawUnit {
    /// Unique within the source: `L12`, `C7`, `c53`, `L12.q3`.
    pub locator: String,
    pub line: u64,
    pub cue: Option<u32>,
    /// Participant key (name, respondent id) as in the source.
    pub participant: Option<String>,
    /// Question key (see [`RawQuestion::key`]).
    pub question: Option<Arc<str>>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub text: String,
    pub kind: UnitKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipantKind {
    Speaker,
    Respondent,
    Author,
    Voter,
}

impl ParticipantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ParticipantKind::Speaker => "speaker",
            ParticipantKind::Respondent => "respondent",
            ParticipantKind::Author => "author",
            ParticipantKind::Voter => "voter",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RawParticipant {
    pub key: String,
    pub kind: ParticipantKind,
    pub role: Option<String>,
    pub sector: Option<String>,
    pub country: Option<String>,
    /// An opinion group (Pol.is `group-id`).
    pub group: Option<String>,
    pub attributes: BTreeMap<String, String>,
}

impl RawParticipant {
    pub fn new(key: impl Into<String>, kind: ParticipantKind) -> Self {
        Self {
            key: key.into(),
            kind,
            role: None,
            sector: None,
            country: None,
            group: None,
            attributes: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    FreeText,
    Scale,
    Choice,
    /// Agree / disagree / pass on statements (Pol.is).
    Vote,
}

impl QuestionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::FreeText => "free_text",
            QuestionKind::Scale => "scale",
            QuestionKind::Choice => "choice",
            QuestionKind::Vote => "vote",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RawQuestion {
    /// Key within the event (a column header, `topic`, `votes`).
    pub key: String,
    pub text: String,
    pub kind: QuestionKind,
    pub frame: Option<Frame>,
    pub scale: Option<(f64, f64)>,
}

#[derive(Debug, Clone)]
pub struct RawAnswer {
    pub participant: String,
    pub question: Arc<str>,
    /// The statement voted on, by its locator in the same source.
    pub unit: Option<String>,
    pub value: Option<f64>,
    pub value_text: Option<String>,
}

/// Everything read from one source file.
#[derive(Debug, Default)]
pub struct Parsed {
    pub units: Vec<RawUnit>,
    pub participants: Vec<RawParticipant>,
    pub questions: Vec<RawQuestion>,
    pub answers: Vec<RawAnswer>,
    pub problems: Vec<Problem>,
    pub rows_read: u64,
    /// Rows left out on purpose (Pol.is statements moderated out).
    pub rows_excluded: u64,
    /// Metadata the source carries about its event (filled fields override nothing set by hand).
    pub meta: EventMeta,
}

impl Parsed {
    /// A source rejected whole (unreadable, undecodable, of no known format): no rows, one
    /// problem.
    pub fn rejected(problem: Problem) -> Self {
        Parsed {
            problems: vec![problem],
            ..Default::default()
        }
    }

    /// Units from transcript turns; participants are the distinct speakers.
    pub fn from_turns(
        turns: Vec<super::transcript::Turn>,
        problems: Vec<super::problem::Problem>,
    ) -> Self {
        let mut parsed = Parsed {
            problems,
            rows_read: turns.len() as u64,
            ..Default::default()
        };
        let mut seen = std::collections::HashSet::new();
        for t in turns {
            if let Some(s) = &t.speaker {
                if seen.insert(s.clone()) {
                    parsed
                        .participants
                        .push(RawParticipant::new(s.clone(), ParticipantKind::Speaker));
                }
            }
            let locator = match t.cue {
                Some(c) => format!("C{c}.L{}", t.line),
                None => format!("L{}", t.line),
            };
            parsed.units.push(RawUnit {
                locator,
                line: t.line,
                cue: t.cue,
                participant: t.speaker,
                question: None,
                start_ms: t.start_ms,
                end_ms: t.end_ms,
                text: t.text,
                kind: UnitKind::Utterance,
            });
        }
        parsed
    }
}
