//! One event's parsed sources -> its corpus frames: pseudonymous participant ids, question ids,
//! long turns split into windows, personal data redacted, a normalised copy and its hash, the
//! language of each unit, duplicates flagged, and every rejected row kept aside.

use std::collections::{BTreeMap, HashMap};

use super::clean::{self, DuplicateKind, Redactions};
use super::event::EventMeta;
use super::frames::{
    AnswerRow, EventFrames, EventRow, ParticipantRow, QuestionRow, RejectRow, SourceRow, UnitRow,
};
use super::problem::Problem;
use super::source::{Parsed, UnitKind};
use super::transcript::split_turn;
use chorus_core::model::{keyed_hash, slug};

/// A source file read for an event.
#[derive(Debug)]
pub struct SourceInput {
    pub display: String,
    pub file_name: String,
    pub format: &'static str,
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

pub fn assemble(
    input: EventInput,
    salt: &[u8; 32],
    opts: AssembleOptions,
) -> (EventFrames, EventSummary, Vec<Problem>) {
    let EventInput {
        event_id,
        origin,
        mut meta,
        sources,
        mut problems,
    } = input;
    for s in &sources {
        meta.fill_from(&s.parsed.meta);
    }
    let pid = |key: &str| format!("p-{}", keyed_hash(salt, &[&event_id, key]));
    let mut frames = EventFrames::default();
    let mut participants: BTreeMap<String, ParticipantRow> = BTreeMap::new();
    let mut questions: BTreeMap<String, QuestionRow> = BTreeMap::new();
    let mut redactions = Redactions::default();
    let mut excluded = 0;
    // speakers' names said in a transcript ("Bola, anything to add?") are redacted too; not in
    // written answers, where a surname is more often a word ("Weiß nicht.")
    let names = clean::SpeakerNames::new(
        meta.speakers.keys().map(String::as_str).chain(
            sources
                .iter()
                .flat_map(|s| s.parsed.participants.iter().map(|p| p.key.as_str())),
        ),
    );
    let redact = |text: &str, spoken: bool, total: &mut Redactions| -> String {
        if opts.redact {
            let (mut t, mut r) = clean::redact(text);
            if spoken {
                t = names.redact(&t, &mut r);
            }
            total.add(&r);
            t
        } else {
            text.to_string()
        }
    };

    for src in sources {
        let source_id = format!("{event_id}/{}", src.file_name);
        let Parsed {
            units,
            participants: parts,
            questions: qs,
            answers,
            problems: src_problems,
            rows_read,
            rows_excluded,
            ..
        } = src.parsed;
        excluded += rows_excluded;
        for p in parts {
            let id = pid(&p.key);
            let role = p
                .role
                .clone()
                .or_else(|| meta.speakers.get(&p.key).cloned());
            participants
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
        let mut qids: HashMap<String, String> = HashMap::new();
        for q in qs {
            let key: String = slug(&q.key).chars().take(60).collect();
            let qid = format!("{event_id}:{key}");
            qids.insert(q.key.clone(), qid.clone());
            questions.entry(qid.clone()).or_insert(QuestionRow {
                question_id: qid,
                key,
                text: q.text,
                kind: q.kind.as_str().to_string(),
                frame: q.frame.map(|f| f.as_str().to_string()),
                scale_min: q.scale.map(|s| s.0),
                scale_max: q.scale.map(|s| s.1),
            });
        }
        let mut unit_ids: HashMap<String, String> = HashMap::new();
        for u in units {
            let windows = if u.kind == UnitKind::Utterance {
                split_turn(&u.text, u.start_ms, u.end_ms, opts.max_unit_chars)
            } else {
                vec![super::transcript::Window {
                    text: u.text.clone(),
                    start_ms: u.start_ms,
                    end_ms: u.end_ms,
                }]
            };
            let many = windows.len() > 1;
            for (i, w) in windows.into_iter().enumerate() {
                let unit_id = if many {
                    format!("{source_id}#{}.p{}", u.locator, i + 1)
                } else {
                    format!("{source_id}#{}", u.locator)
                };
                if i == 0 {
                    unit_ids.insert(u.locator.clone(), unit_id.clone());
                }
                let mut r = Redactions::default();
                let text = redact(&w.text, u.kind == UnitKind::Utterance, &mut r);
                redactions.add(&r);
                let text_norm = clean::normalise(&text);
                frames.units.push(UnitRow {
                    unit_id,
                    source_id: source_id.clone(),
                    kind: u.kind.as_str().to_string(),
                    participant_id: u.participant.as_deref().map(pid),
                    question_id: u.question.as_ref().and_then(|q| qids.get(q).cloned()),
                    line: u.line,
                    cue: u.cue,
                    part: i as u32 + 1,
                    start_ms: w.start_ms,
                    end_ms: w.end_ms,
                    text_hash: chorus_core::model::content_hash(text_norm.as_bytes())[..32].to_string(),
                    lang: clean::detect_language(&text, meta.language.as_deref()),
                    text,
                    text_norm,
                    duplicate_of: None,
                    duplicate_kind: None,
                    redactions: r.total(),
                });
            }
        }
        for a in answers {
            let Some(qid) = qids.get(&a.question).cloned() else {
                continue;
            };
            let id = pid(&a.participant);
            participants
                .entry(id.clone())
                .or_insert_with(|| ParticipantRow {
                    participant_id: id.clone(),
                    kind: "respondent".into(),
                    role: None,
                    sector: None,
                    country: None,
                    group: None,
                    attributes: None,
                });
            frames.answers.push(AnswerRow {
                participant_id: id,
                question_id: qid,
                unit_id: a.unit.as_ref().and_then(|l| unit_ids.get(l).cloned()),
                value: a.value,
                value_text: a.value_text,
            });
        }
        let rejected = src_problems.iter().filter(|p| p.is_reject()).count() as u64;
        frames.sources.push(SourceRow {
            source_id,
            path: src.display,
            format: src.format.to_string(),
            hash: src.hash,
            bytes: src.bytes,
            encoding: src.encoding.to_string(),
            rows_read,
            rows_rejected: rejected,
            rows_excluded,
        });
        problems.extend(src_problems);
    }

    // language: confident detections, the rest take the event's language
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for u in &frames.units {
        if let Some(l) = &u.lang {
            *counts.entry(l.clone()).or_default() += 1;
        }
    }
    let majority = counts
        .iter()
        .max_by_key(|(l, n)| (**n, std::cmp::Reverse((*l).clone())))
        .map(|(l, _)| l.clone());
    let event_lang = meta.language.clone().or(majority);
    let mut languages: BTreeMap<String, usize> = BTreeMap::new();
    for u in &mut frames.units {
        if u.lang.is_none() {
            u.lang = event_lang.clone();
        }
        *languages
            .entry(u.lang.clone().unwrap_or_else(|| "und".into()))
            .or_default() += 1;
    }

    let norms: Vec<&str> = frames.units.iter().map(|u| u.text_norm.as_str()).collect();
    let dups = clean::flag_duplicates(&norms);
    let mut duplicates = 0;
    let ids: Vec<String> = frames.units.iter().map(|u| u.unit_id.clone()).collect();
    for (u, d) in frames.units.iter_mut().zip(dups) {
        if let Some((j, kind)) = d {
            u.duplicate_of = Some(ids[j].clone());
            u.duplicate_kind = Some(
                match kind {
                    DuplicateKind::Exact => "exact",
                    DuplicateKind::Near => "near",
                }
                .to_string(),
            );
            duplicates += 1;
        }
    }

    for p in problems.iter().filter(|p| p.is_reject()) {
        frames.rejects.push(RejectRow {
            path: p.file.clone(),
            line: p.line,
            column: p.column,
            reason: p.kind.as_str().to_string(),
            message: p.message.clone(),
            raw: p
                .raw
                .as_ref()
                .map(|r| redact(r, false, &mut Redactions::default())),
        });
    }
    frames.participants = participants.into_values().collect();
    frames.questions = questions.into_values().collect();
    frames.event = EventRow {
        event_id: event_id.clone(),
        title: meta.title.clone(),
        description: meta.description.clone(),
        date: meta.date.clone(),
        country: meta.country.clone(),
        city: meta.city.clone(),
        organiser: meta.organiser.clone(),
        sector: meta.sector.clone(),
        level: meta.level.clone(),
        language: event_lang,
        mode: meta.mode.clone(),
        series: meta.series.clone(),
        url: meta.url.clone(),
        licence: meta.licence.clone(),
        attribution: meta.attribution.clone(),
        origin,
    };
    let mut languages: Vec<(String, usize)> = languages.into_iter().collect();
    languages.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let summary = EventSummary {
        event_id,
        title: meta.title,
        sources: frames.sources.len(),
        units: frames.units.len(),
        participants: frames.participants.len(),
        questions: frames.questions.len(),
        answers: frames.answers.len(),
        rejected: frames.rejects.len(),
        warnings: problems.iter().filter(|p| !p.is_reject()).count(),
        excluded,
        duplicates,
        redactions,
        languages,
    };
    (frames, summary, problems)
}
