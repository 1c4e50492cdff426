//! What ingest noticed about the data: a rejected row or file (kept aside in the rejects table,
//! the run ends with exit code 1) or a warning (the row went through). Every problem names the
//! file and, where it has one, the line and column.

use serde::Serialize;
use std::fmt;

/// The problem itself; variants name the problem, not the fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    EmptyFile,
    MissingHeader,
    BinaryFile,
    Unreadable,
    NotUtf8,
    MalformedEventToml,
    UnknownFormat,
    MalformedRow,
    WrongFieldCount,
    MissingTextColumn,
    MissingColumn,
    WrongDelimiter,
    InvalidTimestamp,
    BackwardsTimestamps,
    OverlappingCues,
    OutOfOrderCues,
    LineTooLong,
    InvalidJson,
    InvalidValue,
    EmptyText,
    DuplicateEventSource,
    /// An event read nothing usable this time; its earlier data stays.
    PreviousDataKept,
    /// A survey column of personal data (names, emails, phones), dropped.
    PersonalColumn,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::EmptyFile => "empty_file",
            ProblemKind::MissingHeader => "missing_header",
            ProblemKind::BinaryFile => "binary_file",
            ProblemKind::Unreadable => "unreadable",
            ProblemKind::NotUtf8 => "not_utf8",
            ProblemKind::MalformedEventToml => "malformed_event_toml",
            ProblemKind::UnknownFormat => "unknown_format",
            ProblemKind::MalformedRow => "malformed_row",
            ProblemKind::WrongFieldCount => "wrong_field_count",
            ProblemKind::MissingTextColumn => "missing_text_column",
            ProblemKind::MissingColumn => "missing_column",
            ProblemKind::WrongDelimiter => "wrong_delimiter",
            ProblemKind::InvalidTimestamp => "invalid_timestamp",
            ProblemKind::BackwardsTimestamps => "backwards_timestamps",
            ProblemKind::OverlappingCues => "overlapping_cues",
            ProblemKind::OutOfOrderCues => "out_of_order_cues",
            ProblemKind::LineTooLong => "line_too_long",
            ProblemKind::InvalidJson => "invalid_json",
            ProblemKind::InvalidValue => "invalid_value",
            ProblemKind::EmptyText => "empty_text",
            ProblemKind::DuplicateEventSource => "duplicate_event_source",
            ProblemKind::PreviousDataKept => "previous_data_kept",
            ProblemKind::PersonalColumn => "personal_column",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The row (or file) was kept aside in the rejects table.
    Rejected,
    /// The row went through; the user should know.
    Warning,
}

#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// The file as the user named it (relative to the ingested path where possible).
    pub file: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub kind: ProblemKind,
    pub severity: Severity,
    pub message: String,
    /// The raw text of a rejected row, cut to 500 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

pub const RAW_KEEP_CHARS: usize = 500;

impl Problem {
    pub fn reject(file: &str, line: Option<u64>, kind: ProblemKind, message: String) -> Self {
        Self {
            file: file.to_string(),
            line,
            column: None,
            kind,
            severity: Severity::Rejected,
            message,
            raw: None,
        }
    }

    pub fn warning(file: &str, line: Option<u64>, kind: ProblemKind, message: String) -> Self {
        Self {
            file: file.to_string(),
            line,
            column: None,
            kind,
            severity: Severity::Warning,
            message,
            raw: None,
        }
    }

    pub fn at_column(mut self, column: u64) -> Self {
        self.column = Some(column);
        self
    }

    pub fn with_raw(mut self, raw: &str) -> Self {
        let cut: String = raw.chars().take(RAW_KEEP_CHARS).collect();
        self.raw = Some(cut);
        self
    }

    /// A line (or record) over the size limit: rejected, with its start kept as raw text.
    pub fn line_too_long(file: &str, line: u64, bytes: usize, max: usize, raw: &str) -> Self {
        Problem::reject(
            file,
            Some(line),
            ProblemKind::LineTooLong,
            format!("expected a line of at most {max} bytes, found {bytes} bytes; rejected (is a line break missing?)"),
        )
        .with_raw(raw)
    }

    pub fn is_reject(&self) -> bool {
        self.severity == Severity::Rejected
    }
}

impl fmt::Display for Problem {
    /// `town_hall.vtt:42:7: message`, as compilers print locations.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        let what = if self.is_reject() {
            "rejected"
        } else {
            "warning"
        };
        write!(f, ": {what}: {}", self.message)
    }
}
