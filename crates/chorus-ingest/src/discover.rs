//! Discovery: what each input path holds, as a list of [`Plan`]s to read.
//!
//! Reads directory listings and file names only, never file contents (beyond the Pol.is check of
//! which files a folder has). Invariants: folders are walked in name order, so plans (and the
//! event that wins when two inputs claim one id) come in the same order on every run; hidden
//! entries and `target` folders are skipped; a loose `.txt` is never taken for a transcript.

use std::path::{Path, PathBuf};

use super::polis;

/// One thing found on disk to read.
#[derive(Debug)]
pub(crate) enum Plan {
    /// A folder with an `event.toml`: one event, its files its sources.
    Folder { dir: PathBuf, meta_file: PathBuf },
    /// A Pol.is export folder: one event.
    Polis { dir: PathBuf },
    /// A file of its own: one event (a segment CSV: one per meeting).
    Loose { file: PathBuf },
}

/// The plans for every input path, in the order given.
pub(crate) fn discover_all(paths: &[PathBuf]) -> Vec<Plan> {
    let mut plans = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for p in paths {
        discover(p, &mut plans, &mut seen);
    }
    plans
}

/// `seen` holds the folders already walked (by their real path): a symbolic link back up the
/// tree, or two links to one folder, is followed once.
fn discover(path: &Path, plans: &mut Vec<Plan>, seen: &mut std::collections::HashSet<PathBuf>) {
    if path.is_dir() && !seen.insert(path.canonicalize().unwrap_or_else(|_| path.to_path_buf())) {
        return;
    }
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
            discover(&e, plans, seen);
        } else if format_of(&e).is_some_and(|f| f != Format::PlainText) {
            // loose plain text is too often a README to be taken for a transcript
            plans.push(Plan::Loose { file: e });
        }
    }
}

/// A file's format, as its extension tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    WebVtt,
    Srt,
    PlainText,
    Csv,
    Jsonl,
}

pub(crate) fn format_of(path: &Path) -> Option<Format> {
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
