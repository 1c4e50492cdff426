//! Reading: each [`Plan`] -> the [`EventInput`]s it holds. An event folder's `event.toml` and
//! files, a Pol.is export, or a loose file are read, decoded (`decode.rs`) and handed to the
//! parser of their format.
//!
//! Reads the files a plan names; writes nothing. Invariants: a file that cannot be read or
//! decoded still gives a source, holding the problem, so it is counted and shown; decoding's
//! warnings come before the parser's problems; an event's metadata is filled from, in order,
//! its `event.toml`, then `chorus.toml`'s defaults for its path (and, at assembly, its sources).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::assemble::{EventInput, SourceInput};
use super::decode;
use super::discover::{format_of, Format, Plan};
use super::event::{self, EventMeta};
use super::problem::{Problem, ProblemKind};
use super::source::{Parsed, SourceFormat};
use super::survey::ColumnRole;
use super::transcript::{self, Turn};
use super::{cues, plaintext, polis, segments, survey, table, IngestConfig};
use chorus_core::model::{content_hash, slug};

pub(crate) fn read_plan(plan: &Plan, cfg: &IngestConfig) -> Vec<EventInput> {
    match plan {
        Plan::Folder { dir, meta_file } => vec![read_event_folder(dir, meta_file, cfg)],
        Plan::Polis { dir } => vec![EventInput {
            event_id: slug(&file_name(dir)),
            origin: display(dir),
            meta: cfg.defaults_for(dir),
            sources: vec![read_polis(dir, cfg)],
            problems: Vec::new(),
        }],
        Plan::Loose { file } => read_loose(file, cfg),
    }
}

/// An event folder: its `event.toml`, then its files (or the Pol.is export it holds).
fn read_event_folder(dir: &Path, meta_file: &Path, cfg: &IngestConfig) -> EventInput {
    let mut problems = Vec::new();
    let mut meta = match read_event_toml(meta_file) {
        Ok((meta, warnings)) => {
            problems.extend(warnings);
            meta
        }
        Err(p) => {
            problems.push(p);
            EventMeta::default()
        }
    };
    let event_id = slug(meta.id.as_deref().unwrap_or(&file_name(dir)));
    // the event's own `[columns]` win over `chorus.toml`'s
    let mut columns = cfg.columns.clone();
    columns.extend(meta.columns.clone());
    let sources = if polis::is_polis_folder(dir) {
        vec![read_polis(dir, cfg)]
    } else {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file())
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .filter(|f| format_of(f).is_some())
            .flat_map(|f| read_source(f, cfg, &columns))
            .map(|read| read.input)
            .collect()
    };
    meta.fill_from(&cfg.defaults_for(dir));
    EventInput {
        event_id,
        origin: display(dir),
        meta,
        sources,
        problems,
    }
}

fn read_event_toml(path: &Path) -> Result<(EventMeta, Vec<Problem>), Problem> {
    let shown = display(path);
    let (_, dec) = decode::read_text(path, &shown)?;
    event::parse_event_toml(&shown, &dec.text)
}

/// A loose file: an event of its own, named after the file, or one per meeting it holds.
fn read_loose(file: &Path, cfg: &IngestConfig) -> Vec<EventInput> {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    read_source(file, cfg, &cfg.columns)
        .into_iter()
        .map(|read| EventInput {
            event_id: slug(read.meeting.as_deref().unwrap_or(&stem)),
            origin: display(file),
            meta: cfg.defaults_for(file),
            sources: vec![read.input],
            problems: Vec::new(),
        })
        .collect()
}

fn read_polis(dir: &Path, cfg: &IngestConfig) -> SourceInput {
    let (parsed, bytes) = polis::read_folder(dir, &display(dir), cfg.max_record_bytes);
    SourceInput {
        display: display(dir),
        file_name: "comments.csv".into(),
        format: SourceFormat::Polis,
        hash: content_hash(&bytes),
        bytes: bytes.len() as u64,
        encoding: "utf-8",
        parsed,
    }
}

/// A source read from a file, and the meeting it holds when the file holds several.
struct ReadSource {
    meeting: Option<String>,
    input: SourceInput,
}

/// What a parser made of a file (one per meeting for a segment CSV).
struct ParsedPart {
    meeting: Option<String>,
    format: SourceFormat,
    parsed: Parsed,
}

impl ParsedPart {
    /// The whole file as one part.
    fn whole(format: SourceFormat, parsed: Parsed) -> Self {
        Self {
            meeting: None,
            format,
            parsed,
        }
    }
}

/// What the sources table says of a file, whatever its parts.
struct FileFacts {
    display: String,
    file_name: String,
    hash: String,
    bytes: u64,
    encoding: &'static str,
}

impl FileFacts {
    fn new(path: &Path, bytes: &[u8], encoding: &'static str) -> Self {
        Self {
            display: display(path),
            file_name: file_name(path),
            hash: content_hash(bytes),
            bytes: bytes.len() as u64,
            encoding,
        }
    }

    fn source(&self, part: ParsedPart) -> ReadSource {
        ReadSource {
            meeting: part.meeting,
            input: SourceInput {
                display: self.display.clone(),
                file_name: self.file_name.clone(),
                format: part.format,
                hash: self.hash.clone(),
                bytes: self.bytes,
                encoding: self.encoding,
                parsed: part.parsed,
            },
        }
    }
}

/// Reads one file: decoded, then parsed as its extension says.
fn read_source(
    path: &Path,
    cfg: &IngestConfig,
    columns: &BTreeMap<String, ColumnRole>,
) -> Vec<ReadSource> {
    let shown = display(path);
    let format = format_of(path);
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            let p = Problem::reject(
                &shown,
                None,
                ProblemKind::Unreadable,
                format!("could not read the file: {e}"),
            );
            let file = FileFacts::new(path, &[], "unknown");
            return vec![file.source(ParsedPart::whole(
                table_or_transcript(format),
                Parsed::rejected(p),
            ))];
        }
    };
    // the facts first, so the bytes can become the text without a copy
    let mut file = FileFacts::new(path, &bytes, "unknown");
    let dec = match decode::decode_owned(&shown, bytes) {
        Ok(dec) => dec,
        Err(p) => {
            return vec![file.source(ParsedPart::whole(
                table_or_transcript(format),
                Parsed::rejected(p),
            ))];
        }
    };
    file.encoding = dec.encoding;
    let Some(format) = format else {
        let p = Problem::reject(
            &shown,
            None,
            ProblemKind::UnknownFormat,
            "expected a .vtt, .srt, .txt, .csv or .jsonl file".into(),
        );
        return vec![file.source(ParsedPart::whole(
            SourceFormat::Unknown,
            Parsed::rejected(p),
        ))];
    };
    let warnings = dec.warnings;
    parse_file(format, &shown, dec.text, cfg.max_record_bytes, columns)
        .into_iter()
        .map(|mut part| {
            let mut problems = warnings.clone();
            problems.append(&mut part.parsed.problems);
            part.parsed.problems = problems;
            file.source(part)
        })
        .collect()
}

/// What a file that could not be decoded is counted as.
fn table_or_transcript(format: Option<Format>) -> SourceFormat {
    match format {
        Some(Format::Csv | Format::Jsonl) => SourceFormat::Table,
        _ => SourceFormat::Transcript,
    }
}

/// Hands decoded text to the parser of its format; a table lets go of the text before its
/// rows become units.
fn parse_file(
    format: Format,
    shown: &str,
    text: String,
    max: usize,
    columns: &BTreeMap<String, ColumnRole>,
) -> Vec<ParsedPart> {
    let one = |format, parsed| vec![ParsedPart::whole(format, parsed)];
    match format {
        Format::WebVtt => {
            let (turns, problems) = cues::parse(shown, &text, cues::Flavor::WebVtt, max);
            one(
                SourceFormat::WebVtt,
                from_transcript(shown, turns, problems),
            )
        }
        Format::Srt => {
            let (turns, problems) = cues::parse(shown, &text, cues::Flavor::Srt, max);
            one(SourceFormat::Srt, from_transcript(shown, turns, problems))
        }
        Format::PlainText => {
            let (turns, problems) = plaintext::parse(shown, &text, max);
            one(SourceFormat::Text, from_transcript(shown, turns, problems))
        }
        Format::Jsonl => {
            let table = table::read_jsonl(shown, &text, max);
            drop(text);
            one(
                SourceFormat::SurveyJsonl,
                survey::parse(shown, table, columns),
            )
        }
        Format::Csv => {
            let table = table::read_csv(shown, &text, max);
            drop(text);
            match table {
                Err(p) => one(SourceFormat::Table, Parsed::rejected(p)),
                Ok(t) if segments::looks_like_segments(&t) => segments::parse(shown, t)
                    .into_iter()
                    .map(|(meeting, parsed)| ParsedPart {
                        // a file without a meeting column is one event, named after the file
                        meeting: (!meeting.is_empty()).then_some(meeting),
                        format: SourceFormat::SegmentsCsv,
                        parsed,
                    })
                    .collect(),
                Ok(t) => one(SourceFormat::SurveyCsv, survey::parse(shown, t, columns)),
            }
        }
    }
}

/// A transcript's turns, their times checked, as units.
fn from_transcript(shown: &str, turns: Vec<Turn>, mut problems: Vec<Problem>) -> Parsed {
    let turns = transcript::check_times(shown, turns, &mut problems);
    Parsed::from_turns(turns, problems)
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// The last component of `path`; for `.`, `..` or a path ending in them, the name of the folder
/// they stand for (so `chorus ingest .` names the event after the current folder).
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .or_else(|| {
            let real = std::fs::canonicalize(path).ok()?;
            real.file_name().map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_default()
}
