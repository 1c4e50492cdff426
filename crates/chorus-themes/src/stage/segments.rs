//! The first step: every transcript cut into its topic segments (see `segment.rs` for the
//! method), each described by the words that set it apart from the other segments of its
//! transcript; after the themes are placed, each segment takes the theme most of its talk is in.
//! Survey answers and Pol.is statements are not segmented.

use std::collections::{BTreeMap, HashMap};

use chorus_core::model::{col, Table, Workspace};
use chorus_core::store::{read_table, str_column};
use chorus_core::themes_artifact::SegmentRecord;
use chorus_core::vectors::UnitVectors;

use crate::segment::{self, Sequence};
use crate::units::UnitTexts;
use crate::{label, procedural, ThemesError};

/// Keywords kept per segment, and the phrases a title without a phrase of its own takes its
/// two words from.
const KEYWORDS: usize = 5;
const TITLE_POOL: usize = 20;

/// The title of a segment of the chair's opening words alone.
const OPENING: &str = "Opening";

/// A segment found in a transcript, before it has a theme.
pub struct Found {
    pub record: SegmentRecord,
    /// Its units' ids and content words, in order.
    pub members: Vec<(String, usize)>,
    /// Its units' indices in the workspace's units, in order.
    pub indices: Vec<usize>,
    /// The weighted mean of its units' vectors.
    pub mean: Vec<f32>,
    /// Its units in which the chair opens the event or puts the next question or item
    /// (indices, as `indices`): running the meeting.
    pub prompts: Vec<usize>,
}

/// One unit's place in its transcript.
pub struct Spoken {
    /// Index in the workspace's units.
    pub unit: usize,
    line: u64,
    part: u32,
    start_ms: Option<i64>,
    end_ms: Option<i64>,
    /// Said by the facilitator or chair.
    chair: bool,
    /// The chair puts one of the event's questions (a new topic by design).
    prompt: bool,
    /// The chair's opening words, before the first question.
    opening: bool,
}

/// Roles that run an event.
const CHAIRS: [&str; 6] = [
    "facilitator",
    "chair",
    "moderator",
    "host",
    "convener",
    "presenter",
];

/// Whether a facilitator's or chair's line asks one of the Government Aftershock questions
/// (leave behind, keep, do differently) or moves to the next question or item: the agenda
/// itself says a new topic starts there.
fn is_prompt(text: &str) -> bool {
    static NEXT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)(next|second|third|last|final) (question|item)|mov(e|ing) on to|nächste frage|zweite frage|dritte frage|question suivante|siguiente pregunta",
        )
        .expect("valid regex")
    });
    (text.contains('?') && chorus_core::model::Frame::detect(text).is_some()) || NEXT.is_match(text)
}

/// The weight of a unit in segmentation: its content words (stopwords and fillers weigh
/// nothing, so backchannels do not move boundaries).
pub fn content_words(norm: &str, stop: &label::Stopwords) -> usize {
    label::words(norm)
        .iter()
        .filter(|w| !stop.contains(w))
        .count()
}

/// The transcripts of the workspace, each its units in spoken order, by (event, source).
pub fn transcripts(ws: &Workspace) -> Result<BTreeMap<(String, String), Vec<Spoken>>, ThemesError> {
    let frame = read_table(ws, Table::Units).map_err(ThemesError::Frames)?;
    let kinds = str_column(&frame, col::KIND).map_err(ThemesError::Frames)?;
    let events = str_column(&frame, col::EVENT_ID).map_err(ThemesError::Frames)?;
    let sources = str_column(&frame, col::SOURCE_ID).map_err(ThemesError::Frames)?;
    let numbers = |name: &str| -> Result<Vec<Option<i64>>, ThemesError> {
        let c = frame
            .column(name)
            .and_then(|c| {
                c.as_materialized_series()
                    .cast(&polars::prelude::DataType::Int64)
            })
            .map_err(ThemesError::Frames)?;
        Ok(c.i64().map_err(ThemesError::Frames)?.iter().collect())
    };
    let (lines, parts) = (numbers(col::LINE)?, numbers(col::PART)?);
    let (starts, ends) = (numbers(col::START_MS)?, numbers(col::END_MS)?);
    let texts = str_column(&frame, col::TEXT).map_err(ThemesError::Frames)?;
    let speakers = str_column(&frame, col::PARTICIPANT_ID).map_err(ThemesError::Frames)?;
    let people = read_table(ws, Table::Participants).map_err(ThemesError::Frames)?;
    // a corpus without named participants (transcripts without speakers) has no chair
    let chairs: std::collections::HashSet<String> = match (
        str_column(&people, col::PARTICIPANT_ID),
        str_column(&people, col::ROLE),
    ) {
        (Ok(ids), Ok(roles)) => ids
            .into_iter()
            .zip(roles)
            .filter_map(|(id, role)| {
                let role = role?.to_lowercase();
                CHAIRS.iter().any(|c| role.contains(c)).then_some(id?)
            })
            .collect(),
        _ => Default::default(),
    };
    let mut out: BTreeMap<(String, String), Vec<Spoken>> = BTreeMap::new();
    for u in 0..frame.height() {
        if kinds[u].as_deref() != Some("utterance") {
            continue;
        }
        let key = (
            events[u].clone().unwrap_or_default(),
            sources[u].clone().unwrap_or_default(),
        );
        out.entry(key).or_default().push(Spoken {
            unit: u,
            line: lines[u].unwrap_or(0) as u64,
            part: parts[u].unwrap_or(0) as u32,
            start_ms: starts[u],
            end_ms: ends[u],
            chair: speakers[u].as_ref().is_some_and(|p| chairs.contains(p)),
            prompt: false,
            opening: false,
        });
    }
    for spoken in out.values_mut() {
        // cue times where every unit has one (segment CSVs may list speakers apart), else lines
        let timed = spoken.iter().all(|s| s.start_ms.is_some());
        spoken.sort_by_key(|s| {
            (
                if timed { s.start_ms } else { None },
                s.line,
                s.part,
                s.unit,
            )
        });
        for s in spoken.iter_mut() {
            s.prompt = s.chair && texts[s.unit].as_deref().is_some_and(is_prompt);
        }
        // when the chair puts questions, what the chair says before the first is the opening
        if let Some(first) = spoken.iter().position(|s| s.prompt) {
            for s in spoken[..first].iter_mut().filter(|s| s.chair) {
                s.opening = true;
            }
        }
    }
    Ok(out)
}

/// Finds the segments of every transcript of the workspace. `vectors` and `units` are the
/// whole workspace's, in unit order.
pub fn find(
    ws: &Workspace,
    vectors: &UnitVectors,
    units: &UnitTexts,
    seed: u64,
) -> Result<Vec<Found>, ThemesError> {
    use rayon::prelude::*;
    let stop = units.stopwords();
    let asked_anywhere = units.label_stopwords();
    // each transcript on its own, in parallel; the segments in the transcripts' order
    let each = |((event, source), spoken): ((String, String), Vec<Spoken>)| -> Vec<Found> {
        let mut found = Vec::new();
        let dim = vectors.dim;
        let rows: Vec<f32> = spoken
            .iter()
            .flat_map(|s| vectors.row(s.unit).iter().copied())
            .collect();
        let weights: Vec<f64> = spoken
            .iter()
            .map(|s| content_words(&units.norm[s.unit], &stop) as f64)
            .collect();
        let prompts: Vec<usize> = (1..spoken.len()).filter(|&i| spoken[i].prompt).collect();
        let starts = segment::segment_between(
            &Sequence {
                dim,
                vectors: &rows,
                weights: &weights,
            },
            &prompts,
            seed,
        );
        let spans: Vec<&[Spoken]> = starts
            .iter()
            .enumerate()
            .map(|(i, &a)| &spoken[a..starts.get(i + 1).copied().unwrap_or(spoken.len())])
            .collect();
        // the chair's questions and opening name no topic, and their words (the event's
        // questions: "what should we leave behind?") none either, whoever repeats them
        let said = |s: &&Spoken| !(s.prompt || s.opening);
        let texts: Vec<Vec<&str>> = spans
            .iter()
            .map(|span| {
                span.iter()
                    .filter(said)
                    .map(|s| units.norm[s.unit].as_str())
                    .collect()
            })
            .collect();
        let asked = spoken
            .iter()
            .filter(|s| s.prompt || s.opening)
            .flat_map(|s| label::words(&units.norm[s.unit]));
        let label_stop = asked_anywhere.clone().with_words(asked);
        let keywords = label::ctfidf(&texts, &label_stop, TITLE_POOL);
        let mut offset = 0;
        for (i, span) in spans.iter().enumerate() {
            let (first, last) = (&span[0], &span[span.len() - 1]);
            let span_weights = &weights[offset..offset + span.len()];
            let mean = weighted_mean(vectors, span, span_weights);
            let quote = central(vectors, units, span, &mean, span_weights, &stop);
            let mut phrases: Vec<String> = keywords[i].iter().map(|(k, _)| k.clone()).collect();
            let mut keywords: Vec<String> = phrases
                .iter()
                .map(|k| label::shown(k, &units.forms))
                .collect();
            let around = label::said_around(&phrases, &texts[i], &label_stop);
            phrases.extend(around);
            // nothing but the chair's opening words (or questions)
            let title = if texts[i].is_empty() {
                OPENING.to_string()
            } else {
                let members: Vec<usize> = span.iter().map(|s| s.unit).collect();
                label::title(
                    &keywords,
                    &phrases,
                    &label_stop,
                    units.language_of(&members),
                )
            };
            keywords.truncate(KEYWORDS);
            found.push(Found {
                record: SegmentRecord {
                    segment_id: format!("{source}#S{}", i + 1),
                    event_id: event.clone(),
                    source_id: source.clone(),
                    position: i as u32 + 1,
                    first_unit: units.ids[first.unit].clone(),
                    last_unit: units.ids[last.unit].clone(),
                    units: span.len() as u32,
                    first_line: first.line,
                    last_line: last.line,
                    start_ms: span.iter().filter_map(|s| s.start_ms).min(),
                    end_ms: span.iter().filter_map(|s| s.end_ms).max(),
                    title,
                    keywords,
                    theme_id: None,
                    quote_unit: quote.map(|u| units.ids[u].clone()),
                    quote: quote.map(|u| units.text[u].clone()),
                },
                members: span
                    .iter()
                    .zip(&weights[starts[i]..])
                    .map(|(s, w)| (units.ids[s.unit].clone(), *w as usize))
                    .collect(),
                indices: span.iter().map(|s| s.unit).collect(),
                prompts: span
                    .iter()
                    .filter(|s| s.prompt || s.opening)
                    .map(|s| s.unit)
                    .collect(),
                mean,
            });
            offset += span.len();
        }
        found
    };
    let all: Vec<((String, String), Vec<Spoken>)> = transcripts(ws)?.into_iter().collect();
    Ok(all.into_par_iter().flat_map_iter(each).collect())
}

/// The mean of the span's vectors weighted by content words, at unit length (zero when no
/// unit has a content word).
fn weighted_mean(vectors: &UnitVectors, span: &[Spoken], weights: &[f64]) -> Vec<f32> {
    let mut mean = vec![0.0f32; vectors.dim];
    for (s, w) in span.iter().zip(weights) {
        for (m, x) in mean.iter_mut().zip(vectors.row(s.unit)) {
            *m += *w as f32 * x;
        }
    }
    let norm = mean.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        mean.iter_mut().for_each(|x| *x /= norm);
    }
    mean
}

/// Content words at which a line and its context weigh the same.
pub const CONTEXT_WORDS: f32 = 5.0;

/// Blends each transcript unit's segment into its vector, the more the less the unit says:
/// `x + weight · K / (K + c) · mean` for a unit of `c` content words (`K` =
/// [`CONTEXT_WORDS`]), back at unit length. A short or vague line ("Exactly, and the cost
/// too") is read in its context; a long turn keeps its own meaning. The context is a topic: a
/// transcript that forms a single segment has none narrower than the whole event, and
/// blending the event in would group its lines by event, so its units stay as they are.
pub fn blend_context(vectors: &mut UnitVectors, found: &[Found], weight: f32) {
    if weight <= 0.0 {
        return;
    }
    let topical: std::collections::HashSet<&str> = found
        .iter()
        .filter(|f| f.record.position > 1)
        .map(|f| f.record.source_id.as_str())
        .collect();
    let dim = vectors.dim;
    for f in found
        .iter()
        .filter(|f| topical.contains(f.record.source_id.as_str()))
    {
        for (&u, (_, words)) in f.indices.iter().zip(&f.members) {
            let share = weight * CONTEXT_WORDS / (CONTEXT_WORDS + *words as f32);
            let row = &mut vectors.data[u * dim..(u + 1) * dim];
            for (x, m) in row.iter_mut().zip(&f.mean) {
                *x += share * m;
            }
            let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
            if norm > 0.0 {
                row.iter_mut().for_each(|x| *x /= norm);
            }
        }
    }
}

/// Least content words of a segment's quote.
const QUOTE_WORDS: f64 = 5.0;

/// The unit of `span` closest to the span's weighted mean among those with at least
/// [`QUOTE_WORDS`] content words that are not procedural (the segment's quote), if any.
fn central(
    vectors: &UnitVectors,
    units: &UnitTexts,
    span: &[Spoken],
    mean: &[f32],
    weights: &[f64],
    stop: &label::Stopwords,
) -> Option<usize> {
    span.iter()
        .zip(weights)
        .filter(|(s, w)| {
            **w >= QUOTE_WORDS
                && !s.prompt
                && !s.opening
                && !procedural::is_procedural(&units.norm[s.unit], &units.lang[s.unit], stop)
        })
        .map(|(s, _)| {
            (
                s.unit,
                chorus_core::vectors::cosine(mean, vectors.row(s.unit)),
            )
        })
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(u, _)| u)
}

/// The units (indices) in which a chair opens the event or puts the next question or item.
pub fn prompts(found: &[Found]) -> std::collections::HashSet<usize> {
    found
        .iter()
        .flat_map(|f| f.prompts.iter().copied())
        .collect()
}

/// The segment of each transcript unit, by unit id.
pub fn segment_of(found: &[Found]) -> HashMap<String, String> {
    found
        .iter()
        .flat_map(|f| {
            f.members
                .iter()
                .map(|(u, _)| (u.clone(), f.record.segment_id.clone()))
        })
        .collect()
}

/// Each segment's theme: the one holding most of its content words among its placed units
/// (`theme_of` by unit id); none when no unit of it is placed.
pub fn with_themes(found: Vec<Found>, theme_of: &HashMap<&str, String>) -> Vec<SegmentRecord> {
    found
        .into_iter()
        .map(|f| {
            let mut weight: BTreeMap<&String, usize> = BTreeMap::new();
            for (unit, words) in &f.members {
                if let Some(t) = theme_of.get(unit.as_str()) {
                    *weight.entry(t).or_default() += (*words).max(1);
                }
            }
            let theme = weight
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
                .map(|(t, _)| t.clone());
            SegmentRecord {
                theme_id: theme,
                ..f.record
            }
        })
        .collect()
}
