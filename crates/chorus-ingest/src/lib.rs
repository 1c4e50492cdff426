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

pub mod assemble;
pub mod clean;
pub mod cues;
pub mod decode;
pub mod event;
pub mod frames;
pub mod plaintext;
pub mod polis;
pub mod problem;
pub mod segments;
pub mod source;
pub mod survey;
pub mod table;
pub mod transcript;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use chorus_core::model::{content_hash, slug, Workspace};
use assemble::{AssembleOptions, EventInput, EventSummary, SourceInput};
use event::EventMeta;
use problem::{Problem, ProblemKind};
use source::Parsed;
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
    for p in &cfg.paths {
        if !p.exists() {
            return Err(IngestError::PathNotFound { path: p.clone() });
        }
    }
    let salt = load_salt(ws)?;
    let mut plans = Vec::new();
    for p in &cfg.paths {
        discover(p, &mut plans);
    }
    tracing::info!(items = plans.len(), "discovered inputs");
    let bar = chorus_core::progress::bar(cfg.progress, plans.len() as u64, "reading");
    let read: Vec<Vec<EventInput>> = plans
        .par_iter()
        .map(|plan| {
            let out = read_plan(plan, cfg);
            bar.inc(1);
            out
        })
        .collect();
    bar.finish_and_clear();

    // one event id, one source of truth: the first in path order wins
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    for ev in read.into_iter().flatten() {
        if let Some(first) = seen.get(&ev.event_id) {
            problems.push(Problem::warning(
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
        seen.insert(ev.event_id.clone(), ev.origin.clone());
        inputs.push(ev);
    }

    let opts = AssembleOptions {
        redact: cfg.redact,
        max_unit_chars: cfg.max_unit_chars,
    };
    let bar = chorus_core::progress::bar(cfg.progress, inputs.len() as u64, "writing");
    let done: Vec<Result<(EventSummary, Vec<Problem>), IngestError>> = inputs
        .into_par_iter()
        .map(|input| {
            let (frames, summary, problems) = assemble::assemble(input, &salt, opts);
            frames.write(ws).map_err(|source| IngestError::Write {
                event: summary.event_id.clone(),
                path: ws.table_dir(chorus_core::model::Table::Units),
                source,
            })?;
            bar.inc(1);
            Ok((summary, problems))
        })
        .collect();
    bar.finish_and_clear();
    let mut report = IngestReport {
        workspace: ws.root().to_path_buf(),
        ..Default::default()
    };
    for d in done {
        let (summary, mut p) = d?;
        report.events.push(summary);
        problems.append(&mut p);
    }
    report.problems = problems;
    Ok(report)
}

/// One thing found on disk to read.
#[derive(Debug)]
enum Plan {
    Folder { dir: PathBuf, meta_file: PathBuf },
    Polis { dir: PathBuf },
    Loose { file: PathBuf },
}

fn discover(path: &Path, plans: &mut Vec<Plan>) {
    if path.is_file() {
        if path.file_name().is_some_and(|n| n == "event.toml") {
            if let Some(dir) = path.parent() {
                plans.push(Plan::Folder {
                    dir: dir.to_path_buf(),
                    meta_file: path.to_path_buf(),
                });
            }
        } else {
            plans.push(Plan::Loose {
                file: path.to_path_buf(),
            });
        }
        return;
    }
    let meta_file = path.join("event.toml");
    if meta_file.is_file() {
        plans.push(Plan::Folder {
            dir: path.to_path_buf(),
            meta_file,
        });
        return;
    }
    if polis::is_polis_folder(path) {
        plans.push(Plan::Polis {
            dir: path.to_path_buf(),
        });
        return;
    }
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(_) => return,
    };
    entries.sort();
    for e in entries {
        let name = e
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        if e.is_dir() {
            discover(&e, plans);
        } else if format_of(&e).is_some_and(|f| f != Format::PlainText) {
            // loose plain text is too often a README to be taken for a transcript
            plans.push(Plan::Loose { file: e });
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    WebVtt,
    Srt,
    PlainText,
    Csv,
    Jsonl,
}

fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
    Some(match ext.as_str() {
        "vtt" => Format::WebVtt,
        "srt" => Format::Srt,
        "txt" => Format::PlainText,
        "csv" | "tsv" => Format::Csv,
        "jsonl" | "ndjson" => Format::Jsonl,
        _ => return None,
    })
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn read_plan(plan: &Plan, cfg: &IngestConfig) -> Vec<EventInput> {
    match plan {
        Plan::Folder { dir, meta_file } => {
            let mut problems = Vec::new();
            let mut meta = match decode::read_text(meta_file, &display(meta_file)) {
                Ok((_, dec)) => event::parse_event_toml(&display(meta_file), &dec.text)
                    .unwrap_or_else(|p| {
                        problems.push(p);
                        EventMeta::default()
                    }),
                Err(p) => {
                    problems.push(p);
                    EventMeta::default()
                }
            };
            let event_id = slug(meta.id.as_deref().unwrap_or(&file_name(dir)));
            let mut columns = cfg.columns.clone();
            columns.extend(meta.columns.clone());
            let mut sources = Vec::new();
            if polis::is_polis_folder(dir) {
                sources.push(read_polis(dir, cfg));
            } else {
                let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                    .map(|rd| {
                        rd.filter_map(|e| e.ok().map(|e| e.path()))
                            .filter(|p| p.is_file())
                            .collect()
                    })
                    .unwrap_or_default();
                files.sort();
                for f in files.iter().filter(|f| format_of(f).is_some()) {
                    for (_, src) in read_source(f, cfg, &columns) {
                        sources.push(src);
                    }
                }
            }
            meta.fill_from(&cfg.defaults_for(dir));
            vec![EventInput {
                event_id,
                origin: display(dir),
                meta,
                sources,
                problems,
            }]
        }
        Plan::Polis { dir } => {
            vec![EventInput {
                event_id: slug(&file_name(dir)),
                origin: display(dir),
                meta: cfg.defaults_for(dir),
                sources: vec![read_polis(dir, cfg)],
                problems: Vec::new(),
            }]
        }
        Plan::Loose { file } => {
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            read_source(file, cfg, &cfg.columns)
                .into_iter()
                .map(|(group, src)| {
                    let id = if group.is_empty() {
                        slug(&stem)
                    } else {
                        slug(&group)
                    };
                    EventInput {
                        event_id: id,
                        origin: display(file),
                        meta: cfg.defaults_for(file),
                        sources: vec![src],
                        problems: Vec::new(),
                    }
                })
                .collect()
        }
    }
}

fn read_polis(dir: &Path, cfg: &IngestConfig) -> SourceInput {
    let (parsed, bytes) = polis::read_folder(dir, &display(dir), cfg.max_record_bytes);
    SourceInput {
        display: display(dir),
        file_name: "comments.csv".into(),
        format: "polis",
        hash: content_hash(&bytes),
        bytes: bytes.len() as u64,
        encoding: "utf-8",
        parsed,
    }
}

/// Reads one file; a segment CSV may give several meetings (keyed by meeting id, else `""`).
fn read_source(
    path: &Path,
    cfg: &IngestConfig,
    columns: &BTreeMap<String, ColumnRole>,
) -> Vec<(String, SourceInput)> {
    let shown = display(path);
    let format = format_of(path);
    let source =
        |format: &'static str, hash: String, bytes: u64, encoding: &'static str, parsed: Parsed| {
            SourceInput {
                display: shown.clone(),
                file_name: file_name(path),
                format,
                hash,
                bytes,
                encoding,
                parsed,
            }
        };
    let (bytes, dec) = match decode::read_text(path, &shown) {
        Ok(x) => x,
        Err(p) => {
            let bytes = std::fs::read(path).unwrap_or_default();
            let name = match format {
                Some(Format::Csv) | Some(Format::Jsonl) => "table",
                _ => "transcript",
            };
            let parsed = Parsed {
                problems: vec![p],
                ..Default::default()
            };
            return vec![(
                String::new(),
                source(
                    name,
                    content_hash(&bytes),
                    bytes.len() as u64,
                    "unknown",
                    parsed,
                ),
            )];
        }
    };
    let hash = content_hash(&bytes);
    let n = bytes.len() as u64;
    let max = cfg.max_record_bytes;
    let with_warnings = |mut parsed: Parsed| {
        let mut all = dec.warnings.clone();
        all.append(&mut parsed.problems);
        parsed.problems = all;
        parsed
    };
    let transcript = |turns, problems: Vec<Problem>| {
        let mut problems = problems;
        let turns = transcript::check_times(&shown, turns, &mut problems);
        Parsed::from_turns(turns, problems)
    };
    match format {
        Some(Format::WebVtt) => {
            let (t, p) = cues::parse(&shown, &dec.text, cues::Flavor::WebVtt, max);
            vec![(
                String::new(),
                source(
                    "webvtt",
                    hash,
                    n,
                    dec.encoding,
                    with_warnings(transcript(t, p)),
                ),
            )]
        }
        Some(Format::Srt) => {
            let (t, p) = cues::parse(&shown, &dec.text, cues::Flavor::Srt, max);
            vec![(
                String::new(),
                source(
                    "srt",
                    hash,
                    n,
                    dec.encoding,
                    with_warnings(transcript(t, p)),
                ),
            )]
        }
        Some(Format::PlainText) => {
            let (t, p) = plaintext::parse(&shown, &dec.text, max);
            vec![(
                String::new(),
                source(
                    "text",
                    hash,
                    n,
                    dec.encoding,
                    with_warnings(transcript(t, p)),
                ),
            )]
        }
        Some(Format::Jsonl) => {
            let table = table::read_jsonl(&shown, &dec.text, max);
            vec![(
                String::new(),
                source(
                    "survey-jsonl",
                    hash,
                    n,
                    dec.encoding,
                    with_warnings(survey::parse(&shown, table, columns)),
                ),
            )]
        }
        Some(Format::Csv) => match table::read_csv(&shown, &dec.text, max) {
            Err(p) => vec![(
                String::new(),
                source(
                    "table",
                    hash,
                    n,
                    dec.encoding,
                    with_warnings(Parsed {
                        problems: vec![p],
                        ..Default::default()
                    }),
                ),
            )],
            Ok(t) if segments::looks_like_segments(&t) => segments::parse(&shown, t)
                .into_iter()
                .map(|(g, parsed)| {
                    (
                        g,
                        source(
                            "segments-csv",
                            hash.clone(),
                            n,
                            dec.encoding,
                            with_warnings(parsed),
                        ),
                    )
                })
                .collect(),
            Ok(t) => vec![(
                String::new(),
                source(
                    "survey-csv",
                    hash,
                    n,
                    dec.encoding,
                    with_warnings(survey::parse(&shown, t, columns)),
                ),
            )],
        },
        None => {
            let p = Problem::reject(
                &shown,
                None,
                ProblemKind::UnknownFormat,
                "expected a .vtt, .srt, .txt, .csv or .jsonl file".into(),
            );
            vec![(
                String::new(),
                source(
                    "unknown",
                    hash,
                    n,
                    dec.encoding,
                    Parsed {
                        problems: vec![p],
                        ..Default::default()
                    },
                ),
            )]
        }
    }
}

/// The workspace's pseudonymisation key, created (random) on first use.
fn load_salt(ws: &Workspace) -> Result<[u8; 32], IngestError> {
    let path = ws.salt_file();
    let err = |source| IngestError::Workspace {
        path: ws.root().to_path_buf(),
        source,
    };
    if let Ok(hex) = std::fs::read_to_string(&path) {
        if let Some(bytes) = parse_hex32(hex.trim()) {
            return Ok(bytes);
        }
    }
    std::fs::create_dir_all(ws.root()).map_err(err)?;
    // entropy from the OS via the std hasher's random keys, mixed with time and pid
    let mut seed = blake3::Hasher::new();
    for _ in 0..4 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(0);
        seed.update(&h.finish().to_le_bytes());
    }
    seed.update(&format!("{:?}{}", std::time::SystemTime::now(), std::process::id()).into_bytes());
    let salt: [u8; 32] = *seed.finalize().as_bytes();
    let hex: String = salt.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(&path, hex + "\n").map_err(err)?;
    Ok(salt)
}

fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

