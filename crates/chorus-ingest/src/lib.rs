//! Ingest: event folders, loose transcripts and surveys, and Pol.is exports -> the corpus frames
//! (events, sources, participants, questions, units, answers, rejects) in the workspace.
//!
//! What a path holds is found out like this, walking folders in name order:
//! - a folder with an `event.toml` is one event; its files are its sources (a Pol.is export
//!   inside it is read as such);
//! - a folder that is a Pol.is export (`comments.csv` + `summary.csv`) is one event;
//! - any other folder is walked; a loose `.vtt`, `.srt`, `.csv` or `.jsonl` file in it is an
//!   event of its own (a segment CSV with a `meeting_id` column: one event per meeting).
//!
//! Every source is decoded and parsed on its own (in parallel), each event assembled and written
//! on its own: one bad file is reported, counted, and kept aside; the others go through.
//!
//! [`run`] is the list of steps: discover (`discover.rs`) -> read in parallel (`read.rs`) -> keep
//! the first copy of each event -> assemble (`assemble.rs`) and write (`frames.rs`) in parallel
//! -> report. It writes the workspace's salt (`salt.rs`) on first use and each event's seven
//! corpus files; the report lists events and problems in path order, whatever the threads did.

pub mod assemble;
pub mod clean;
pub mod cues;
pub mod decode;
mod discover;
pub mod duplicates;
pub mod event;
pub mod frames;
pub mod ids;
pub mod names;
pub mod plaintext;
pub mod polis;
pub mod problem;
mod read;
mod salt;
pub mod segments;
pub mod source;
pub mod survey;
pub mod table;
pub mod transcript;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use assemble::{AssembleOptions, Assembled, EventInput, EventSummary};
use chorus_core::model::{col, Table, Workspace};
use discover::Plan;
use event::EventMeta;
use problem::{Problem, ProblemKind};
use survey::ColumnRole;

/// Options of the ingest stage.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    pub paths: Vec<PathBuf>,
    /// Redact personal data (on by default).
    pub redact: bool,
    /// Longest transcript unit, in characters; longer turns are split at sentence boundaries.
    pub max_unit_chars: usize,
    /// Longest line or record accepted, in bytes.
    pub max_record_bytes: usize,
    /// Survey column roles set in `chorus.toml` (an event's own `[columns]` wins).
    pub columns: BTreeMap<String, ColumnRole>,
    /// Metadata for the events read from under a path (from `chorus.toml`), as (path, meta).
    pub defaults: Vec<(PathBuf, EventMeta)>,
    /// Show progress on stderr (a bar on a terminal, plain lines otherwise).
    pub progress: bool,
    /// All or nothing: when any row is rejected, write nothing.
    pub strict: bool,
    /// Ids to redact besides the built-in ones (`[ingest.ids]` of `chorus.toml`).
    pub ids: Vec<ids::IdPattern>,
}

impl IngestConfig {
    /// The metadata `chorus.toml` gives the events under `path`: the deepest matching entry's
    /// fields first, then the shallower ones'.
    fn defaults_for(&self, path: &Path) -> EventMeta {
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let mut matching: Vec<(usize, &EventMeta)> = self
            .defaults
            .iter()
            .filter_map(|(p, m)| {
                let p = p.canonicalize().ok()?;
                path.starts_with(&p).then(|| (p.components().count(), m))
            })
            .collect();
        matching.sort_by_key(|m| std::cmp::Reverse(m.0));
        let mut meta = EventMeta::default();
        for (_, m) in matching {
            meta.fill_from(m);
        }
        meta
    }
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            paths: Vec::new(),
            redact: true,
            max_unit_chars: 400,
            max_record_bytes: 1 << 20,
            columns: BTreeMap::new(),
            defaults: Vec::new(),
            progress: false,
            strict: false,
            ids: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("input `{path}` does not exist")]
    PathNotFound { path: PathBuf },
    #[error("could not prepare the workspace `{path}`")]
    Workspace {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("could not write the frames of event `{event}` to `{path}`")]
    Write {
        event: String,
        path: PathBuf,
        #[source]
        source: polars::error::PolarsError,
    },
}

impl chorus_core::error::Diagnostic for IngestError {}

/// What ingest did.
#[derive(Debug, Default, serde::Serialize)]
pub struct IngestReport {
    pub workspace: PathBuf,
    pub events: Vec<EventSummary>,
    /// Every rejection and warning, in event order.
    pub problems: Vec<Problem>,
    /// Whether the frames were written (not with `strict` and a rejected row).
    pub written: bool,
}

impl IngestReport {
    pub fn rejected(&self) -> usize {
        self.problems.iter().filter(|p| p.is_reject()).count()
    }

    pub fn units(&self) -> usize {
        self.events.iter().map(|e| e.units).sum()
    }
}

/// Runs ingest over `cfg.paths` into `ws`.
pub fn run(cfg: &IngestConfig, ws: &Workspace) -> Result<IngestReport, IngestError> {
    let _span = tracing::info_span!("ingest").entered();
    check_paths(&cfg.paths)?;
    let salt = salt::load_salt(ws)?;
    let plans = discover::discover_all(&cfg.paths);
    tracing::info!(items = plans.len(), "discovered inputs");
    let read = read_all(&plans, cfg);
    tracing::debug!(peak_mib = chorus_core::sys::peak_memory_mib(), "read");
    let distinct = first_of_each_event(read, &existing_origins(ws));
    let ingested = assemble_and_write(distinct.inputs, &salt, cfg, ws)?;
    tracing::debug!(peak_mib = chorus_core::sys::peak_memory_mib(), "written");
    Ok(report(ws, distinct.skipped, ingested))
}

fn check_paths(paths: &[PathBuf]) -> Result<(), IngestError> {
    match paths.iter().find(|p| !p.exists()) {
        Some(p) => Err(IngestError::PathNotFound { path: p.clone() }),
        None => Ok(()),
    }
}

/// Reads every plan in parallel; the events come back in plan order.
fn read_all(plans: &[Plan], cfg: &IngestConfig) -> Vec<EventInput> {
    let bar = chorus_core::progress::bar(cfg.progress, plans.len() as u64, "reading");
    let read: Vec<Vec<EventInput>> = plans
        .par_iter()
        .map(|plan| {
            let events = read::read_plan(plan, cfg);
            bar.inc(1);
            events
        })
        .collect();
    bar.finish_and_clear();
    read.into_iter().flatten().collect()
}

/// The events to assemble, one per event id, and a warning for each copy left out.
struct Distinct {
    inputs: Vec<EventInput>,
    skipped: Vec<Problem>,
}

/// Whether two origins name the same file or folder.
fn same_origin(a: &str, b: &str) -> bool {
    let real = |p: &str| std::fs::canonicalize(p).unwrap_or_else(|_| PathBuf::from(p));
    a == b || real(a) == real(b)
}

/// An id for a loose file whose name another source already holds: its folder's name first
/// (`bristol/survey.csv` -> `bristol-survey`), then a number, until it is free.
fn loose_id(ev: &EventInput, taken: &dyn Fn(&str) -> bool) -> String {
    let folder = Path::new(&ev.origin)
        .canonicalize()
        .ok()
        .and_then(|p| {
            p.parent()
                .and_then(|d| d.file_name())
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_default();
    let base = chorus_core::model::slug(&format!("{folder}-{}", ev.event_id));
    let mut id = base.clone();
    let mut n = 2;
    while taken(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// One event id, one source of truth. Two loose files with one name (`a/survey.csv`,
/// `b/survey.csv`), in this run or against what the workspace holds, never collide: the later
/// one takes its folder's name too, and says so. Two event folders claiming one id: the first in
/// path order wins, the other is skipped with a warning; an event folder read from somewhere new
/// replaces the workspace's event of that id, with a warning naming where it was read before.
fn first_of_each_event(read: Vec<EventInput>, existing: &BTreeMap<String, String>) -> Distinct {
    let mut origins: BTreeMap<String, String> = BTreeMap::new();
    let mut distinct = Distinct {
        inputs: Vec::new(),
        skipped: Vec::new(),
    };
    for mut ev in read {
        // a loose file named after itself (not a meeting a file of many holds: those are the
        // same meeting wherever they are read from)
        let origin = Path::new(&ev.origin);
        let loose = origin.is_file()
            && origin
                .file_stem()
                .is_some_and(|s| chorus_core::model::slug(&s.to_string_lossy()) == ev.event_id);
        let elsewhere = |id: &str, origins: &BTreeMap<String, String>| {
            origins.get(id).is_some_and(|o| !same_origin(o, &ev.origin))
                || existing
                    .get(id)
                    .is_some_and(|o| !same_origin(o, &ev.origin))
        };
        if loose && elsewhere(&ev.event_id, &origins) {
            let taken = |id: &str| {
                origins.contains_key(id)
                    || existing
                        .get(id)
                        .is_some_and(|o| !same_origin(o, &ev.origin))
            };
            let id = loose_id(&ev, &taken);
            distinct.skipped.push(Problem::warning(
                &ev.origin,
                None,
                ProblemKind::DuplicateEventSource,
                format!(
                    "another file is already event `{}`; this one is event `{id}`",
                    ev.event_id
                ),
            ));
            ev.event_id = id;
        }
        if let Some(first) = origins.get(&ev.event_id) {
            distinct.skipped.push(Problem::warning(
                &ev.origin,
                None,
                ProblemKind::DuplicateEventSource,
                format!(
                    "event `{}` was already read from `{first}` in this run; this copy is skipped",
                    ev.event_id
                ),
            ));
            continue;
        }
        if let Some(before) = existing
            .get(&ev.event_id)
            .filter(|o| !same_origin(o, &ev.origin))
        {
            distinct.skipped.push(Problem::warning(
                &ev.origin,
                None,
                ProblemKind::DuplicateEventSource,
                format!(
                    "event `{}` was read from `{before}` before; this read replaces it",
                    ev.event_id
                ),
            ));
        }
        origins.insert(ev.event_id.clone(), ev.origin.clone());
        distinct.inputs.push(ev);
    }
    distinct
}

/// Where each event of the workspace was read from (`events` table: id -> origin).
fn existing_origins(ws: &Workspace) -> BTreeMap<String, String> {
    let Ok(events) = chorus_core::store::read_table(ws, Table::Events) else {
        return BTreeMap::new();
    };
    let (Ok(ids), Ok(origins)) = (
        chorus_core::store::str_column(&events, col::EVENT_ID),
        chorus_core::store::str_column(&events, col::ORIGIN),
    ) else {
        return BTreeMap::new();
    };
    ids.into_iter()
        .zip(origins)
        .filter_map(|(id, origin)| Some((id?, origin?)))
        .collect()
}

/// What is kept of an event once its frames are written.
struct Ingested {
    summary: EventSummary,
    problems: Vec<Problem>,
    written: bool,
}

/// Assembles and writes each event in parallel; the first failed write, in event order, is
/// the error (the other events are written all the same).
fn assemble_and_write(
    inputs: Vec<EventInput>,
    salt: &[u8; 32],
    cfg: &IngestConfig,
    ws: &Workspace,
) -> Result<Vec<Ingested>, IngestError> {
    let opts = AssembleOptions {
        redact: cfg.redact,
        max_unit_chars: cfg.max_unit_chars,
        chunk: frames::UNIT_CHUNK,
        ids: &cfg.ids,
    };
    let assembled: Vec<Assembled> = inputs
        .into_par_iter()
        .map(|input| assemble::assemble(input, salt, opts))
        .collect();
    tracing::debug!(peak_mib = chorus_core::sys::peak_memory_mib(), "assembled");
    let rejected = assembled
        .iter()
        .any(|a| a.problems.iter().any(Problem::is_reject));
    if cfg.strict && rejected {
        // all or nothing: the workspace stays as it was
        return Ok(assembled
            .into_iter()
            .map(|a| Ingested {
                summary: a.summary,
                problems: a.problems,
                written: false,
            })
            .collect());
    }
    let bar = chorus_core::progress::bar(cfg.progress, assembled.len() as u64, "writing");
    let done: Vec<Result<Ingested, IngestError>> = assembled
        .into_par_iter()
        .map(|a| {
            let Assembled {
                frames,
                summary,
                mut problems,
            } = a;
            let nothing = summary.units == 0 && summary.answers == 0;
            let had_data = ws.table_file(Table::Units, &summary.event_id).is_file();
            if nothing && had_data {
                // a re-read that found nothing (the file emptied, or became unreadable) never
                // wipes what the last good read left
                problems.push(Problem::warning(
                    &summary.event_id,
                    None,
                    ProblemKind::PreviousDataKept,
                    format!(
                        "event `{}` read nothing usable this time; its data from the last good read is kept",
                        summary.event_id
                    ),
                ));
            } else {
                frames.write(ws).map_err(|source| IngestError::Write {
                    event: summary.event_id.clone(),
                    path: ws.table_dir(Table::Units),
                    source,
                })?;
            }
            bar.inc(1);
            Ok(Ingested {
                summary,
                problems,
                written: true,
            })
        })
        .collect();
    bar.finish_and_clear();
    done.into_iter().collect()
}

/// The report: every event's summary, and every problem (the skipped copies' first, then each
/// event's, in event order).
fn report(ws: &Workspace, skipped: Vec<Problem>, ingested: Vec<Ingested>) -> IngestReport {
    let mut report = IngestReport {
        workspace: ws.root().to_path_buf(),
        events: Vec::new(),
        problems: skipped,
        written: ingested.iter().all(|e| e.written),
    };
    for mut event in ingested {
        report.events.push(event.summary);
        report.problems.append(&mut event.problems);
    }
    report
}
