//! The project workbench: `chorus init` (a commented `chorus.toml`), `chorus status` (what the
//! workspace holds and which stages are stale) and `chorus run` (every stale stage, in order).
//!
//! A stage is stale when what it reads changed since it last ran: each stage's inputs are
//! fingerprinted (its settings; the workspace files it reads by content; the input files named
//! in `chorus.toml` by size and modification time), and `.chorus/run.json` keeps the
//! fingerprint of each stage's last successful run.

use chorus_core::error::Diagnostic;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::Project;
use chorus_core::model::Table;

/// The commented `chorus.toml` that `chorus init` writes.
pub const INIT_TOML: &str = include_str!("init.toml");

/// The commented codebook `chorus init` writes into the new workspace.
pub const INIT_CODEBOOK: &str = include_str!("codebook.toml");

/// The stages `chorus run` runs, in order.
pub const STAGES: [&str; 5] = ["ingest", "embed", "themes", "index", "report"];

#[derive(Debug, thiserror::Error)]
pub enum WorkbenchError {
    #[error("`{path}` already exists; chorus init does not overwrite it")]
    Exists { path: PathBuf },
    #[error("could not write `{path}`")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Diagnostic for WorkbenchError {
    fn hint(&self) -> Option<String> {
        match self {
            WorkbenchError::Exists { .. } => Some("edit it, or pick another folder".into()),
            WorkbenchError::Write { .. } => None,
        }
    }
}

/// Writes `DIR/chorus.toml` (and the folder).
pub fn init(dir: &Path) -> Result<PathBuf, WorkbenchError> {
    let path = dir.join(crate::config::CONFIG_FILE);
    if path.exists() {
        return Err(WorkbenchError::Exists { path });
    }
    let write = |source| WorkbenchError::Write {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(write)?;
    std::fs::write(&path, INIT_TOML).map_err(write)?;
    // beside it, the workspace's codebook as a commented example (an existing one is kept)
    let codebook = chorus_core::model::Workspace::new(dir.join(".chorus")).codebook_file();
    if !codebook.exists() {
        let failed = |source| WorkbenchError::Write {
            path: codebook.clone(),
            source,
        };
        if let Some(parent) = codebook.parent() {
            std::fs::create_dir_all(parent).map_err(failed)?;
        }
        std::fs::write(&codebook, INIT_CODEBOOK).map_err(failed)?;
    }
    Ok(path)
}

/// Where `chorus run` writes the report: `out/report` beside `chorus.toml`.
pub fn report_dir(project: &Project) -> PathBuf {
    project.root.join("out/report")
}

/// A stage's state.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Ran with the current inputs.
    Fresh,
    /// Never ran in this workspace.
    NeverRun,
    /// Its inputs changed since it ran.
    Stale,
    /// Nothing to do: `chorus.toml` names no inputs.
    NotConfigured,
}

#[derive(Debug, Clone, Serialize)]
pub struct StageStatus {
    pub stage: &'static str,
    pub state: State,
    pub fingerprint: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    stages: BTreeMap<String, String>,
}

fn record_path(project: &Project) -> PathBuf {
    project.workspace.run_file()
}

fn read_record(project: &Project) -> Record {
    std::fs::read_to_string(record_path(project))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

/// Notes that `stage` ran with inputs of `fingerprint`.
pub fn mark_ran(project: &Project, stage: &str, fingerprint: &str) -> std::io::Result<()> {
    let mut r = read_record(project);
    r.stages.insert(stage.to_string(), fingerprint.to_string());
    std::fs::create_dir_all(project.workspace.root())?;
    std::fs::write(
        record_path(project),
        serde_json::to_string_pretty(&r).unwrap_or_default() + "\n",
    )
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        if dir.is_file() {
            out.push(dir.to_path_buf());
        }
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The inputs `stage` reads, fingerprinted; `None` when the stage has nothing to read.
pub fn fingerprint(project: &Project, stage: &str) -> Option<String> {
    let ws = &project.workspace;
    let mut h = blake3::Hasher::new();
    h.update(stage.as_bytes());
    // workspace files, by content
    let content = |files: Vec<PathBuf>, h: &mut blake3::Hasher| {
        for f in files {
            if let Ok(bytes) = std::fs::read(&f) {
                h.update(
                    f.strip_prefix(ws.root())
                        .unwrap_or(&f)
                        .to_string_lossy()
                        .as_bytes(),
                );
                h.update(blake3::hash(&bytes).as_bytes());
            }
        }
    };
    let tables = |tables: &[Table]| {
        let mut files = Vec::new();
        for t in tables {
            files_under(&ws.table_dir(*t), &mut files);
        }
        files
    };
    let themes_out: Vec<PathBuf> = vec![
        ws.themes_file(),
        ws.assignments_file(),
        ws.quotes_file(),
        ws.segments_file(),
    ];
    match stage {
        "ingest" => {
            let conf = &project.config.ingest;
            if conf.inputs.is_empty() {
                return None;
            }
            h.update(format!("{conf:?}").as_bytes());
            for input in &conf.inputs {
                let mut files = Vec::new();
                files_under(&project.root.join(input), &mut files);
                for f in files {
                    let meta = std::fs::metadata(&f).ok()?;
                    let mtime = meta
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map_or(0, |d| d.as_nanos());
                    h.update(format!("{}\0{}\0{mtime}\0", f.display(), meta.len()).as_bytes());
                }
            }
        }
        "embed" => content(tables(&[Table::Units]), &mut h),
        "themes" => {
            h.update(format!("seed={:?}", project.config.seed).as_bytes());
            let mut files = tables(&[Table::Units]);
            files.push(ws.vectors_info_file());
            files.push(ws.codebook_file());
            content(files, &mut h);
        }
        "index" => {
            let mut files = tables(&Table::ALL);
            files.extend(themes_out);
            content(files, &mut h);
        }
        "report" => {
            h.update(report_dir(project).to_string_lossy().as_bytes());
            let mut files = tables(&Table::ALL);
            files.extend(themes_out);
            content(files, &mut h);
        }
        _ => return None,
    }
    Some(h.finalize().to_hex()[..16].to_string())
}

/// Every stage's state, in order. A stage after a stale one is stale too: its inputs will
/// change when the earlier one runs.
pub fn status(project: &Project) -> Vec<StageStatus> {
    let record = read_record(project);
    let mut upstream_stale = false;
    STAGES
        .iter()
        .map(|&stage| {
            let fp = fingerprint(project, stage);
            let state = match (&fp, record.stages.get(stage)) {
                (None, _) => State::NotConfigured,
                (Some(_), None) => State::NeverRun,
                (Some(now), Some(then)) if now != then || upstream_stale => State::Stale,
                _ => State::Fresh,
            };
            if matches!(state, State::Stale | State::NeverRun) {
                upstream_stale = true;
            }
            StageStatus {
                stage,
                state,
                fingerprint: fp.unwrap_or_default(),
            }
        })
        .collect()
}

/// What the workspace holds, for `chorus status`.
#[derive(Debug, Clone, Serialize)]
pub struct Contents {
    pub workspace: PathBuf,
    pub config: Option<PathBuf>,
    pub events: usize,
    pub units: usize,
    pub vectors: usize,
    pub themes: usize,
    pub indexed: bool,
    /// The last `chorus index` was interrupted.
    pub index_half_built: bool,
    pub report: Option<PathBuf>,
}

pub fn contents(project: &Project) -> Contents {
    let ws = &project.workspace;
    let count = |t: Table| {
        chorus_core::store::read_table(ws, t)
            .map(|df| df.height())
            .unwrap_or(0)
    };
    let themes = chorus_core::themes_artifact::read_themes(ws)
        .map(|themes| themes.iter().filter(|t| t.parent.is_none()).count())
        .unwrap_or(0);
    let vectors = chorus_core::vectors::load(ws)
        .map(|v| v.unit_ids.len())
        .unwrap_or(0);
    let report = report_dir(project);
    Contents {
        workspace: ws.root().to_path_buf(),
        config: project.config_file.clone(),
        events: count(Table::Events),
        units: count(Table::Units),
        vectors,
        themes,
        indexed: chorus_index::exists(ws),
        index_half_built: chorus_index::half_built(ws),
        report: report.join("index.html").is_file().then_some(report),
    }
}
