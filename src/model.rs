//! The shared vocabulary of chorus: workspace paths, the corpus tables and their column names,
//! and how ids are formed. Every stage names tables and columns through this module only, so the
//! data contract of DESIGN.md lives in one place.
//!
//! Ids are readable and stable: the same inputs always give the same ids.
//! - event: `event.toml`'s `id`, else the folder (or loose file) name, as a slug;
//! - source: `{event}/{file name}`;
//! - unit: `{source}#{locator}` where the locator is the line (`L12`), the cue (`C7`), the Pol.is
//!   statement (`c53`) or the survey row and column (`L12.q3`), plus `.p2` for the second window
//!   of a long transcript turn;
//! - participant: `p-` + 10 hex digits of a keyed hash of (workspace salt, event, name or
//!   respondent id): pseudonymous, stable within a workspace, not reversible without the salt.

use std::path::{Path, PathBuf};

/// The corpus tables written by ingest, one parquet file per event in each table's folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    Events,
    Sources,
    Participants,
    Questions,
    Units,
    Answers,
    Rejects,
}

impl Table {
    pub const ALL: [Table; 7] = [
        Table::Events,
        Table::Sources,
        Table::Participants,
        Table::Questions,
        Table::Units,
        Table::Answers,
        Table::Rejects,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Table::Events => "events",
            Table::Sources => "sources",
            Table::Participants => "participants",
            Table::Questions => "questions",
            Table::Units => "units",
            Table::Answers => "answers",
            Table::Rejects => "rejects",
        }
    }
}

/// Column names of the corpus tables.
pub mod col {
    pub const EVENT_ID: &str = "event_id";
    pub const SOURCE_ID: &str = "source_id";
    pub const PARTICIPANT_ID: &str = "participant_id";
    pub const QUESTION_ID: &str = "question_id";
    pub const UNIT_ID: &str = "unit_id";

    // events
    pub const TITLE: &str = "title";
    pub const DESCRIPTION: &str = "description";
    pub const DATE: &str = "date";
    pub const COUNTRY: &str = "country";
    pub const CITY: &str = "city";
    pub const ORGANISER: &str = "organiser";
    pub const SECTOR: &str = "sector";
    pub const LEVEL: &str = "level";
    pub const LANGUAGE: &str = "language";
    pub const MODE: &str = "mode";
    pub const SERIES: &str = "series";
    pub const URL: &str = "url";
    pub const LICENCE: &str = "licence";
    pub const ATTRIBUTION: &str = "attribution";
    pub const ORIGIN: &str = "origin";

    // sources
    pub const PATH: &str = "path";
    pub const FORMAT: &str = "format";
    pub const HASH: &str = "hash";
    pub const BYTES: &str = "bytes";
    pub const ENCODING: &str = "encoding";
    pub const ROWS_READ: &str = "rows_read";
    pub const ROWS_REJECTED: &str = "rows_rejected";
    pub const ROWS_EXCLUDED: &str = "rows_excluded";

    // participants
    pub const KIND: &str = "kind";
    pub const ROLE: &str = "role";
    pub const GROUP: &str = "group";
    pub const ATTRIBUTES: &str = "attributes";

    // questions
    pub const TEXT: &str = "text";
    pub const KEY: &str = "key";
    pub const FRAME: &str = "frame";
    pub const SCALE_MIN: &str = "scale_min";
    pub const SCALE_MAX: &str = "scale_max";

    // units
    pub const LINE: &str = "line";
    pub const CUE: &str = "cue";
    pub const PART: &str = "part";
    pub const START_MS: &str = "start_ms";
    pub const END_MS: &str = "end_ms";
    pub const TEXT_NORM: &str = "text_norm";
    pub const TEXT_HASH: &str = "text_hash";
    pub const LANG: &str = "lang";
    pub const DUPLICATE_OF: &str = "duplicate_of";
    pub const DUPLICATE_KIND: &str = "duplicate_kind";
    pub const REDACTIONS: &str = "redactions";

    // answers
    pub const VALUE: &str = "value";
    pub const VALUE_TEXT: &str = "value_text";

    // themes
    pub const THEME_ID: &str = "theme_id";
    pub const PARENT_ID: &str = "parent_id";
    pub const SUBTHEME_ID: &str = "subtheme_id";
    pub const LABEL: &str = "label";
    pub const KEYWORDS: &str = "keywords";
    pub const SIZE: &str = "size";
    pub const EVENTS: &str = "events";
    pub const PINNED: &str = "pinned";
    pub const SIMILARITY: &str = "similarity";
    pub const STATUS: &str = "status";
    pub const RANK: &str = "rank";

    // rejects
    pub const COLUMN: &str = "column";
    pub const REASON: &str = "reason";
    pub const MESSAGE: &str = "message";
    pub const RAW: &str = "raw";
}

/// The folders and files of a workspace (`.chorus/` by default).
#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
}

impl Workspace {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Folder holding one parquet file per event for `table`.
    pub fn table_dir(&self, table: Table) -> PathBuf {
        match table {
            Table::Rejects => self.root.join("rejects"),
            t => self.root.join("corpus").join(t.name()),
        }
    }

    /// The parquet file of `table` for one event.
    pub fn table_file(&self, table: Table, event_id: &str) -> PathBuf {
        self.table_dir(table).join(format!("{event_id}.parquet"))
    }

    /// The secret that keys participant pseudonyms; created on first ingest.
    pub fn salt_file(&self) -> PathBuf {
        self.root.join("salt")
    }

    pub fn vectors_dir(&self) -> PathBuf {
        self.root.join("vectors")
    }

    pub fn index_dir(&self) -> PathBuf {
        self.root.join("index")
    }

    pub fn themes_dir(&self) -> PathBuf {
        self.root.join("themes")
    }
}

/// Question frames of the Government Aftershock questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frame {
    LeaveBehind,
    Keep,
    DoDifferently,
}

impl Frame {
    pub fn as_str(self) -> &'static str {
        match self {
            Frame::LeaveBehind => "leave_behind",
            Frame::Keep => "keep",
            Frame::DoDifferently => "do_differently",
        }
    }

    /// Recognises the frame of a question from its wording ("What should we leave behind?").
    pub fn detect(question: &str) -> Option<Frame> {
        let q = question.to_lowercase();
        let any = |words: &[&str]| words.iter().any(|w| q.contains(w));
        if any(&[
            "leave behind",
            "stop doing",
            "let go",
            "drop",
            "hinter uns lassen",
        ]) {
            Some(Frame::LeaveBehind)
        } else if any(&["differently", "change", "start doing", "anders machen"]) {
            Some(Frame::DoDifferently)
        } else if any(&["keep", "continue", "retain", "beibehalten", "behalten"]) {
            Some(Frame::Keep)
        } else {
            None
        }
    }
}

/// Turns a name into an id-safe slug: lowercase ASCII letters, digits, `.`, `_` and `-`.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            out.push(c);
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("unnamed");
    }
    out
}

/// Short hex digest of `parts`, keyed by `salt`.
pub fn keyed_hash(salt: &[u8; 32], parts: &[&str]) -> String {
    let mut h = blake3::Hasher::new_keyed(salt);
    for p in parts {
        h.update(p.as_bytes());
        h.update(&[0x1f]);
    }
    h.finalize().to_hex()[..10].to_string()
}

/// Hex digest of some bytes (content hashes of sources and normalised text).
pub fn content_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_id_safe() {
        assert_eq!(
            slug("Government Aftershock: Lisbon"),
            "government-aftershock-lisbon"
        );
        assert_eq!(
            slug("austria-climate.2vkx.2022"),
            "austria-climate.2vkx.2022"
        );
        assert_eq!(slug("  ***  "), "unnamed");
    }

    #[test]
    fn frames_from_wording() {
        assert_eq!(
            Frame::detect("What should we leave behind?"),
            Some(Frame::LeaveBehind)
        );
        assert_eq!(Frame::detect("What should we keep?"), Some(Frame::Keep));
        assert_eq!(
            Frame::detect("What should we do differently?"),
            Some(Frame::DoDifferently)
        );
        assert_eq!(Frame::detect("How old are you?"), None);
    }
}
