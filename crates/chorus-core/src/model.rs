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
    pub const OTHER_KEYWORDS: &str = "other_keywords";
    pub const SIZE: &str = "size";
    pub const EVENTS: &str = "events";
    pub const PINNED: &str = "pinned";
    pub const SIMILARITY: &str = "similarity";
    pub const STATUS: &str = "status";
    pub const RANK: &str = "rank";
    pub const KEY_POINT: &str = "key_point";

    // segments
    pub const SEGMENT_ID: &str = "segment_id";
    pub const POSITION: &str = "position";
    pub const FIRST_UNIT: &str = "first_unit";
    pub const LAST_UNIT: &str = "last_unit";
    pub const UNITS: &str = "units";
    pub const FIRST_LINE: &str = "first_line";
    pub const LAST_LINE: &str = "last_line";
    pub const QUOTE_UNIT: &str = "quote_unit";
    pub const QUOTE: &str = "quote";

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

    /// `current.json`: which model the workspace's vectors come from.
    pub fn vectors_info_file(&self) -> PathBuf {
        self.vectors_dir().join("current.json")
    }

    /// The append-only vector cache of one model.
    pub fn vectors_cache_file(&self, model_id: &str) -> PathBuf {
        self.vectors_dir().join(format!("{model_id}.bin"))
    }

    /// Present while `chorus index` runs: an index with it was left half-built.
    pub fn index_building_file(&self) -> PathBuf {
        self.index_dir().join("building")
    }

    /// tantivy's `meta.json`: present once the index has a first commit.
    pub fn index_meta_file(&self) -> PathBuf {
        self.index_dir().join("meta.json")
    }

    /// Themes and subthemes (`themes.parquet`).
    pub fn themes_file(&self) -> PathBuf {
        self.themes_dir().join("themes.parquet")
    }

    /// Each unit's theme, subtheme, similarity and status (`assignments.parquet`).
    pub fn assignments_file(&self) -> PathBuf {
        self.themes_dir().join("assignments.parquet")
    }

    /// The topic segments of every transcript.
    pub fn segments_file(&self) -> PathBuf {
        self.themes_dir().join("segments.parquet")
    }

    /// Representative quotes of each theme (`quotes.parquet`).
    pub fn quotes_file(&self) -> PathBuf {
        self.themes_dir().join("quotes.parquet")
    }

    /// Each theme's key points (`key_points.parquet`, shaped as the quotes).
    pub fn key_points_file(&self) -> PathBuf {
        self.themes_dir().join("key_points.parquet")
    }

    /// The settings of the last themes run (`params.json`).
    pub fn theme_params_file(&self) -> PathBuf {
        self.themes_dir().join("params.json")
    }

    /// What the themes stage keeps between runs (`state.json`).
    pub fn theme_state_file(&self) -> PathBuf {
        self.themes_dir().join("state.json")
    }

    /// The analysts' edits of the themes (`codebook.toml`).
    pub fn codebook_file(&self) -> PathBuf {
        self.themes_dir().join("codebook.toml")
    }

    /// Fingerprints of each stage's last run for `chorus run` (`run.json`).
    pub fn run_file(&self) -> PathBuf {
        self.root.join("run.json")
    }

    /// The advisory lock a stage holds while it writes (`lock`).
    pub fn lock_file(&self) -> PathBuf {
        self.root.join("lock")
    }

    /// Takes the workspace's write lock (an advisory file lock, released when the returned
    /// guard is dropped or the process ends, even killed): a second process writing the same
    /// workspace stops with a clear message instead of mixing its files with the first one's.
    pub fn lock(&self) -> Result<WorkspaceLock, LockError> {
        let io = |source| LockError::Io {
            path: self.lock_file(),
            source,
        };
        std::fs::create_dir_all(&self.root).map_err(io)?;
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(self.lock_file())
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {
                use std::io::{Seek, Write};
                // who holds it, for the message a second process shows
                file.set_len(0).map_err(io)?;
                file.seek(std::io::SeekFrom::Start(0)).map_err(io)?;
                write!(file, "{}", std::process::id()).map_err(io)?;
                Ok(WorkspaceLock { _file: file })
            }
            Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Busy {
                path: self.root.clone(),
                holder: std::fs::read_to_string(self.lock_file()).unwrap_or_default(),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
        }
    }
}

/// The workspace's write lock, held until dropped.
#[derive(Debug)]
pub struct WorkspaceLock {
    _file: std::fs::File,
}

/// Why the workspace's write lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another chorus process (pid {holder}) is writing to the workspace `{path}`")]
    Busy { path: PathBuf, holder: String },
    #[error("could not take the lock `{path}`")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl crate::error::Diagnostic for LockError {
    fn hint(&self) -> Option<String> {
        match self {
            LockError::Busy { .. } => {
                Some("wait for it to finish, or give this run its own `--workspace`".into())
            }
            LockError::Io { .. } => None,
        }
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
    pub const ALL: [Frame; 3] = [Frame::LeaveBehind, Frame::Keep, Frame::DoDifferently];

    pub fn parse(s: &str) -> Option<Frame> {
        Frame::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Frame::LeaveBehind => "leave_behind",
            Frame::Keep => "keep",
            Frame::DoDifferently => "do_differently",
        }
    }

    /// Recognises the frame of a question from its wording ("What should we leave behind?"),
    /// in English, German, French or Spanish.
    pub fn detect(question: &str) -> Option<Frame> {
        let q = question.to_lowercase();
        let any = |words: &[&str]| words.iter().any(|w| q.contains(w));
        if any(&[
            "leave behind",
            "stop doing",
            "let go",
            "drop",
            "hinter uns lassen",
            "zurücklassen",
            "laisser derrière",
            "abandonner",
            "arrêter de faire",
            "dejar atrás",
            "dejar de hacer",
            "abandonar",
        ]) {
            Some(Frame::LeaveBehind)
        } else if any(&[
            "differently",
            "change",
            "start doing",
            "anders machen",
            "anders tun",
            "différemment",
            "autrement",
            "de otra manera",
            "de otra forma",
            "diferente",
            "cambiar",
        ]) {
            Some(Frame::DoDifferently)
        } else if any(&[
            "keep",
            "continue",
            "retain",
            "beibehalten",
            "behalten",
            "garder",
            "conserver",
            "conservar",
            "mantener",
            "continuar",
        ]) {
            Some(Frame::Keep)
        } else {
            None
        }
    }
}

/// A theme's id, parsed and formatted here only: `t-7` (found by clustering), `s-remote-work`
/// (made from a codebook seed), `t-7-2` (part 2 of a codebook split): top-level themes; and
/// `t-7.3`, subtheme 3 of `t-7`.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct ThemeId(String);

/// A string that is not a theme id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a theme id: expected `t-N`, `s-NAME`, either with `-PART`, or `ID.N` for a subtheme")]
pub struct BadThemeId(pub String);

impl ThemeId {
    /// Theme `n` found by clustering.
    pub fn found(n: usize) -> Self {
        Self(format!("t-{n}"))
    }

    /// The theme made from the codebook seed labelled `label`.
    pub fn seeded(label: &str) -> Self {
        Self(format!("s-{}", slug(label)))
    }

    /// Part `p` (2, 3, ...) of this theme split by the codebook.
    pub fn part(&self, p: usize) -> Self {
        Self(format!("{}-{p}", self.0))
    }

    /// Subtheme `n` of this theme.
    pub fn sub(&self, n: usize) -> Self {
        Self(format!("{}.{n}", self.0))
    }

    /// The theme a subtheme belongs to; `None` for a top-level theme.
    pub fn parent(&self) -> Option<ThemeId> {
        self.0.split_once('.').map(|(p, _)| Self(p.to_string()))
    }

    pub fn is_top(&self) -> bool {
        !self.0.contains('.')
    }

    /// Made from a codebook seed (or a part of one).
    pub fn is_seeded(&self) -> bool {
        self.0.starts_with("s-")
    }

    /// The number of a subtheme within its theme.
    pub fn sub_number(&self) -> Option<usize> {
        self.0.split_once('.').and_then(|(_, n)| n.parse().ok())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for ThemeId {
    type Err = BadThemeId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadThemeId(s.to_string());
        let (top, sub) = match s.split_once('.') {
            Some((t, n)) => (t, Some(n)),
            None => (s, None),
        };
        if sub.is_some_and(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit())) {
            return Err(bad());
        }
        let ok = match top.split_once('-') {
            Some(("t", rest)) => {
                !rest.is_empty()
                    && rest
                        .split('-')
                        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            }
            Some(("s", rest)) => !rest.is_empty() && slug(rest) == rest,
            _ => false,
        };
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(bad())
        }
    }
}

impl TryFrom<String> for ThemeId {
    type Error = BadThemeId;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<ThemeId> for String {
    fn from(id: ThemeId) -> String {
        id.0
    }
}

impl std::fmt::Display for ThemeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ThemeId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Where the themes stage put a unit (`status` of `themes/assignments.parquet`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In the theme the clustering put it in.
    Clustered,
    /// In another theme: its own theme's centre was below the similarity bar, a codebook
    /// theme was closer, or it joined the last run's themes by nearest centre.
    Reassigned,
    /// Below the similarity bar for every theme.
    Unassigned,
    /// No content word at all ("Yeah.", "Okay.", "Mm-hmm."): left out of the themes.
    NoContent,
    /// Running the meeting (welcome, apologies, agenda, thanks, closing, technical trouble):
    /// left out of the themes and quotes.
    Procedural,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Clustered,
        Status::Reassigned,
        Status::Unassigned,
        Status::NoContent,
        Status::Procedural,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Clustered => "clustered",
            Status::Reassigned => "reassigned",
            Status::Unassigned => "unassigned",
            Status::NoContent => "no_content",
            Status::Procedural => "procedural",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// In a theme (clustered or reassigned).
    pub fn placed(self) -> bool {
        matches!(self, Status::Clustered | Status::Reassigned)
    }
}

/// The facets of the theme index: what a unit can be filtered and counted by. The names are
/// the CLI's flags, the API's query keys and the index's facet fields alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Facet {
    Event,
    Country,
    Sector,
    Level,
    Question,
    Frame,
    Kind,
    Role,
    Lang,
    Source,
    Date,
    Theme,
    Duplicate,
}

impl Facet {
    /// Every facet field of a unit document.
    pub const ALL: [Facet; 13] = [
        Facet::Event,
        Facet::Country,
        Facet::Sector,
        Facet::Level,
        Facet::Question,
        Facet::Frame,
        Facet::Kind,
        Facet::Role,
        Facet::Lang,
        Facet::Source,
        Facet::Date,
        Facet::Theme,
        Facet::Duplicate,
    ];

    /// The facets a search can be filtered by, from the CLI and the API alike (dates are a
    /// range of their own: `from` and `to`).
    pub const FILTERS: [Facet; 9] = [
        Facet::Event,
        Facet::Country,
        Facet::Sector,
        Facet::Level,
        Facet::Frame,
        Facet::Question,
        Facet::Theme,
        Facet::Lang,
        Facet::Role,
    ];

    /// Facets counted for every query.
    pub const COUNTED: [Facet; 4] = [Facet::Event, Facet::Country, Facet::Frame, Facet::Theme];

    pub fn name(self) -> &'static str {
        match self {
            Facet::Event => "event",
            Facet::Country => "country",
            Facet::Sector => "sector",
            Facet::Level => "level",
            Facet::Question => "question",
            Facet::Frame => "frame",
            Facet::Kind => "kind",
            Facet::Role => "role",
            Facet::Lang => "lang",
            Facet::Source => "source",
            Facet::Date => "date",
            Facet::Theme => "theme",
            Facet::Duplicate => "duplicate",
        }
    }

    pub fn parse(name: &str) -> Option<Facet> {
        Facet::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether a search can be filtered by this facet.
    pub fn filterable(self) -> bool {
        Facet::FILTERS.contains(&self)
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
    fn theme_ids_parse_and_format() {
        let t: ThemeId = "t-7".parse().unwrap();
        assert_eq!(t, ThemeId::found(7));
        assert!(t.is_top() && !t.is_seeded() && t.parent().is_none());
        let s = t.sub(3);
        assert_eq!(s.as_str(), "t-7.3");
        assert_eq!(s.parent(), Some(t.clone()));
        assert_eq!(s.sub_number(), Some(3));
        assert_eq!(t.part(2).as_str(), "t-7-2");
        assert_eq!("t-7-2".parse::<ThemeId>().unwrap(), t.part(2));
        let seeded = ThemeId::seeded("Remote work");
        assert_eq!(seeded.as_str(), "s-remote-work");
        assert!(seeded.is_seeded() && seeded.is_top());
        assert_eq!(seeded.to_string().parse::<ThemeId>().unwrap(), seeded);
        for bad in [
            "",
            "t-",
            "x-3",
            "t-3.",
            "t-3.a",
            "7",
            "s-Remote Work",
            "t-3..1",
        ] {
            assert!(bad.parse::<ThemeId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn statuses_and_facets_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        for f in Facet::ALL {
            assert_eq!(Facet::parse(f.name()), Some(f));
        }
        assert!(Facet::FILTERS.iter().all(|f| Facet::ALL.contains(f)));
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
        for (q, f) in [
            ("Was sollten wir hinter uns lassen?", Frame::LeaveBehind),
            ("Que devrions-nous garder de la pandémie ?", Frame::Keep),
            ("¿Qué deberíamos conservar de la pandemia?", Frame::Keep),
            ("¿Qué deberíamos dejar atrás?", Frame::LeaveBehind),
            ("Que faudrait-il faire différemment ?", Frame::DoDifferently),
            ("¿Qué haríamos de otra manera?", Frame::DoDifferently),
        ] {
            assert_eq!(Frame::detect(q), Some(f), "{q}");
        }
    }
}
