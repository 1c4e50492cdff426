//! Theme review in the browser (`chorus serve --review`): an analyst renames, merges, splits,
//! seeds, pins quotes and signs themes off on `/review`. Each action writes the codebook (the
//! file a person edits by hand, see `chorus_themes::codebook_edit`) and one line of the
//! append-only audit log (`themes/audit.jsonl`: who, when, what, before and after), then asks
//! for a rerun of the stale stages in the background; the server reloads when they finish.
//!
//! Review mode is off unless asked for, and every write needs the one-time token printed at
//! start (in the form, `?token=` or `Authorization: Bearer`): without it a write is refused
//! (403) before anything is read or written. An edit made on an older codebook than the one
//! on disk is refused (409), so two tabs editing at once lose nothing.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

use axum::http::StatusCode;
use chorus_themes::codebook_edit::{self, Action, Change, EditError};

use crate::ApiError;

/// What review mode needs: the token, who is reviewing, where the codebook and the audit log
/// are, and how to rerun the stale stages.
pub struct Review {
    pub token: String,
    pub reviewer: String,
    pub codebook: PathBuf,
    pub audit: PathBuf,
    pub rerun: Arc<Rerun>,
}

/// One line of the audit log.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AuditEntry {
    pub at: String,
    pub who: String,
    pub action: serde_json::Value,
    pub version_before: String,
    pub version_after: String,
    pub before: String,
    pub after: String,
}

impl std::fmt::Debug for Review {
    // never the token
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Review")
            .field("reviewer", &self.reviewer)
            .field("codebook", &self.codebook)
            .finish_non_exhaustive()
    }
}

impl Review {
    /// Review mode for the workspace at `ws`, rerunning with `commands` (each the arguments of
    /// one `exe` run, in order).
    pub fn new(
        ws: &chorus_core::model::Workspace,
        reviewer: String,
        exe: PathBuf,
        commands: Vec<Vec<OsString>>,
    ) -> Self {
        Self {
            token: chorus_core::sys::hex(&chorus_core::sys::random_bytes()[..16]),
            reviewer,
            codebook: ws.codebook_file(),
            audit: ws.themes_dir().join("audit.jsonl"),
            rerun: Rerun::start(exe, commands),
        }
    }

    /// Whether `given` is the token (compared in constant time).
    pub fn allows(&self, given: Option<&str>) -> bool {
        let Some(given) = given else { return false };
        let (a, b) = (self.token.as_bytes(), given.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// Applies one action made on codebook `version`; logs it and asks for a rerun.
    pub fn act(&self, version: &str, action: &Action) -> Result<Change, ApiError> {
        let change =
            codebook_edit::apply(&self.codebook, version, action).map_err(|e| match e {
                EditError::Stale { .. } => ApiError {
                    status: StatusCode::CONFLICT,
                    error: "stale_codebook",
                    message: e.to_string(),
                    hint: Some("reload the review page: it shows the codebook as it is now".into()),
                },
                EditError::Invalid(_) | EditError::Codebook(_) => {
                    ApiError::bad_request(e.to_string())
                }
                EditError::Write { .. } => ApiError::search_failed(format!("{e}")),
            })?;
        let entry = AuditEntry {
            at: chorus_core::sys::utc_now(),
            who: self.reviewer.clone(),
            action: serde_json::to_value(action).unwrap_or_default(),
            version_before: change.version_before.clone(),
            version_after: change.version_after.clone(),
            before: change.before.clone(),
            after: change.after.clone(),
        };
        append(&self.audit, &entry).map_err(|e| {
            ApiError::search_failed(format!(
                "the codebook was changed but the audit log `{}` could not be written: {e}",
                self.audit.display()
            ))
        })?;
        self.rerun.request();
        Ok(change)
    }

    /// The last `n` audit entries, newest first.
    pub fn recent(&self, n: usize) -> Vec<AuditEntry> {
        let text = std::fs::read_to_string(&self.audit).unwrap_or_default();
        let mut all: Vec<AuditEntry> = text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        all.reverse();
        all.truncate(n);
        all
    }
}

/// Appends one JSON line (one `write` on a file opened for appending: lines never interleave).
fn append(path: &Path, entry: &AuditEntry) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut line = serde_json::to_string(entry)?;
    line.push('\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(line.as_bytes())?;
    f.sync_data()
}

/// The action a review form (or API call) asks for, from its fields.
pub fn action(pairs: &[(String, String)]) -> Result<Action, ApiError> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let theme = get("theme");
    let need_theme = || {
        if theme.is_empty() {
            Err(ApiError::bad_request("`theme` is missing: which theme?"))
        } else {
            Ok(theme.clone())
        }
    };
    Ok(match get("action").as_str() {
        "rename" => Action::Rename {
            theme: need_theme()?,
            label: get("label"),
        },
        "merge" => Action::Merge {
            theme: need_theme()?,
            into: get("into"),
        },
        "split" => Action::Split {
            theme: need_theme()?,
            parts: get("parts").parse().map_err(|_| {
                ApiError::bad_request(format!(
                    "`parts` must be a whole number, found `{}`",
                    get("parts")
                ))
            })?,
        },
        "pin_quote" => Action::PinQuote {
            theme: need_theme()?,
            unit: get("unit"),
        },
        "seed" => Action::Seed {
            label: get("label"),
            examples: get("examples").lines().map(str::to_string).collect(),
        },
        "review" => Action::Review {
            theme: need_theme()?,
            reviewed: get("reviewed") != "false",
        },
        other => {
            return Err(ApiError::bad_request(format!(
                "`action` is `{other}`; expected rename, merge, split, pin_quote, seed or review"
            )))
        }
    })
}

/// Reruns of the stale stages, one at a time in a thread of their own: a request while one
/// runs makes one more run after it (edits made meanwhile are all in it).
pub struct Rerun {
    exe: PathBuf,
    commands: Vec<Vec<OsString>>,
    state: Mutex<RerunState>,
    wake: Condvar,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RerunState {
    pub pending: bool,
    pub running: bool,
    /// When the last rerun ended and how: `None` before the first.
    pub last: Option<Outcome>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    pub finished: String,
    pub ok: bool,
    pub message: String,
}

impl Rerun {
    fn start(exe: PathBuf, commands: Vec<Vec<OsString>>) -> Arc<Self> {
        let r = Arc::new(Self {
            exe,
            commands,
            state: Mutex::new(RerunState::default()),
            wake: Condvar::new(),
        });
        let worker = r.clone();
        std::thread::spawn(move || worker.work());
        r
    }

    pub fn request(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.pending = true;
            self.wake.notify_one();
        }
    }

    pub fn state(&self) -> RerunState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn work(&self) {
        loop {
            {
                let Ok(mut s) = self.state.lock() else { return };
                while !s.pending {
                    s = match self.wake.wait(s) {
                        Ok(s) => s,
                        Err(_) => return,
                    };
                }
                s.pending = false;
                s.running = true;
            }
            let outcome = self.run_all();
            if let Ok(mut s) = self.state.lock() {
                s.running = false;
                s.last = Some(outcome);
            }
        }
    }

    fn run_all(&self) -> Outcome {
        for args in &self.commands {
            let shown = args
                .iter()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" ");
            tracing::info!("review: rerunning `chorus {shown}`");
            let out = std::process::Command::new(&self.exe)
                .args(args)
                .stdin(std::process::Stdio::null())
                .output();
            let failed = match out {
                Ok(o) if o.status.code().is_some_and(|c| c < 2) => None,
                Ok(o) => {
                    let err = String::from_utf8_lossy(&o.stderr);
                    let tail: Vec<&str> = err.lines().rev().take(4).collect();
                    Some(tail.into_iter().rev().collect::<Vec<_>>().join(" "))
                }
                Err(e) => Some(e.to_string()),
            };
            if let Some(why) = failed {
                tracing::warn!("review: `chorus {shown}` failed: {why}");
                return Outcome {
                    finished: chorus_core::sys::utc_now(),
                    ok: false,
                    message: format!("`chorus {shown}` failed: {why}"),
                };
            }
        }
        Outcome {
            finished: chorus_core::sys::utc_now(),
            ok: true,
            message: "the themes, index and report were rebuilt".into(),
        }
    }
}
