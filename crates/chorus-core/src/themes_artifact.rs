//! The themes stage's artifacts as typed records, with their one reader and one writer each:
//! `themes.parquet` (themes and subthemes), `assignments.parquet` (every unit's place) and
//! `quotes.parquet` (representative quotes) and `segments.parquet` (the topic segments of every
//! transcript, in spoken order). The themes stage writes them; index, insights,
//! report, serve and the workbench read them, all through these functions.

use polars::prelude::*;

use crate::column;
use crate::model::{col, Status, Workspace};
use crate::store::{commit_staged, read_file, stage_parquet, staged_path, str_column};

/// Keywords are stored as one string, joined with this.
const KEYWORD_SEPARATOR: &str = "; ";
const LANGUAGE_SEPARATOR: &str = " | ";

/// A theme or subtheme (`themes.parquet`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ThemeRecord {
    pub id: String,
    /// The theme a subtheme belongs to.
    pub parent: Option<String>,
    pub label: String,
    pub keywords: Vec<String>,
    /// The language of its label and `keywords`: the one more than half its units are in,
    /// else the corpus's main language; "" for a label from the codebook (in the report's
    /// language), or when unknown.
    pub lang: String,
    /// Keywords of its units in the corpus's other languages: (language, keywords), for a
    /// theme that spans languages.
    pub other_keywords: Vec<(String, Vec<String>)>,
    /// Units in it.
    pub size: u64,
    /// Events with a unit in it.
    pub events: u64,
    /// Pinned in the codebook, or made from a codebook seed.
    pub pinned: bool,
}

/// Where the themes stage put one unit (`assignments.parquet`).
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentRecord {
    pub unit_id: String,
    pub event_id: String,
    pub theme_id: Option<String>,
    pub subtheme_id: Option<String>,
    /// Cosine to the centre of its theme (or of the nearest theme, when unassigned).
    pub similarity: f32,
    pub status: Status,
    /// The topic segment of a transcript unit.
    pub segment_id: Option<String>,
    /// The rank of the key point of its theme it stands behind (nearest in meaning).
    pub key_point: Option<u32>,
}

/// A representative quote of a theme or subtheme (`quotes.parquet`).
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteRecord {
    pub theme_id: String,
    /// 1 for the first quote of the theme.
    pub rank: u32,
    pub unit_id: String,
    pub event_id: String,
    pub similarity: f32,
    pub text: String,
}

/// A topic segment of a transcript (`segments.parquet`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SegmentRecord {
    /// `{source}#S{position}`.
    pub segment_id: String,
    pub event_id: String,
    pub source_id: String,
    /// 1 for the transcript's first segment.
    pub position: u32,
    pub first_unit: String,
    pub last_unit: String,
    /// Units in it.
    pub units: u32,
    /// Source lines of its first and last unit.
    pub first_line: u64,
    pub last_line: u64,
    /// Its time span, when the transcript is timed.
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub title: String,
    pub keywords: Vec<String>,
    /// The theme most of its talk is in.
    pub theme_id: Option<String>,
    /// Its most central unit with something to say, verbatim.
    pub quote_unit: Option<String>,
    pub quote: Option<String>,
}

fn strings(df: &DataFrame, name: &str) -> PolarsResult<Vec<String>> {
    Ok(str_column(df, name)?
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect())
}

fn numbers<T: PolarsNumericType>(df: &DataFrame, name: &str) -> PolarsResult<Vec<T::Native>>
where
    T::Native: Default,
{
    let c = df
        .column(name)?
        .as_materialized_series()
        .cast(&T::get_static_dtype())?;
    Ok(c.unpack::<T>()?
        .iter()
        .map(Option::unwrap_or_default)
        .collect())
}

fn split_keywords(joined: &str) -> Vec<String> {
    joined
        .split(KEYWORD_SEPARATOR)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether the themes stage has run.
pub fn themes_exist(ws: &Workspace) -> bool {
    ws.themes_file().is_file() && ws.assignments_file().is_file()
}

/// `de: a; b | es: c` for [(de, [a, b]), (es, [c])].
fn join_other(other: &[(String, Vec<String>)]) -> String {
    other
        .iter()
        .map(|(l, k)| format!("{l}: {}", k.join(KEYWORD_SEPARATOR)))
        .collect::<Vec<_>>()
        .join(LANGUAGE_SEPARATOR)
}

fn split_other(joined: &str) -> Vec<(String, Vec<String>)> {
    joined
        .split(LANGUAGE_SEPARATOR)
        .filter_map(|part| {
            let (lang, kws) = part.split_once(": ")?;
            Some((lang.to_string(), split_keywords(kws)))
        })
        .collect()
}

pub fn read_themes(ws: &Workspace) -> PolarsResult<Vec<ThemeRecord>> {
    check_whole(ws)?;
    let df = read_file(&ws.themes_file())?;
    let ids = strings(&df, col::THEME_ID)?;
    let parents = str_column(&df, col::PARENT_ID)?;
    let labels = strings(&df, col::LABEL)?;
    let keywords = strings(&df, col::KEYWORDS)?;
    // written by versions before themes across languages: none
    let other =
        strings(&df, col::OTHER_KEYWORDS).unwrap_or_else(|_| vec![String::new(); df.height()]);
    // written by versions before titles in a theme's own language: none
    let langs = strings(&df, col::LANG).unwrap_or_else(|_| vec![String::new(); df.height()]);
    let sizes = numbers::<UInt64Type>(&df, col::SIZE)?;
    let events = numbers::<UInt64Type>(&df, col::EVENTS)?;
    let pinned: Vec<bool> = df
        .column(col::PINNED)?
        .bool()?
        .iter()
        .map(Option::unwrap_or_default)
        .collect();
    Ok(ids
        .into_iter()
        .enumerate()
        .map(|(i, id)| ThemeRecord {
            id,
            parent: parents[i].clone(),
            label: labels[i].clone(),
            keywords: split_keywords(&keywords[i]),
            lang: langs[i].clone(),
            other_keywords: split_other(&other[i]),
            size: sizes[i],
            events: events[i],
            pinned: pinned[i],
        })
        .collect())
}

fn themes_frame(themes: &[ThemeRecord]) -> PolarsResult<DataFrame> {
    DataFrame::new(
        themes.len(),
        vec![
            column!(themes, col::THEME_ID, |t| t.id.as_str()),
            column!(themes, col::PARENT_ID, |t| t.parent.as_deref()),
            column!(themes, col::LABEL, |t| t.label.as_str()),
            column!(themes, col::KEYWORDS, |t| t
                .keywords
                .join(KEYWORD_SEPARATOR)),
            column!(themes, col::LANG, |t| t.lang.as_str()),
            column!(themes, col::OTHER_KEYWORDS, |t| join_other(
                &t.other_keywords
            )),
            column!(themes, col::SIZE, |t| t.size),
            column!(themes, col::EVENTS, |t| t.events),
            column!(themes, col::PINNED, |t| t.pinned),
        ],
    )
}

pub fn read_assignments(ws: &Workspace) -> PolarsResult<Vec<AssignmentRecord>> {
    check_whole(ws)?;
    let df = read_file(&ws.assignments_file())?;
    let units = strings(&df, col::UNIT_ID)?;
    let events = strings(&df, col::EVENT_ID)?;
    let themes = str_column(&df, col::THEME_ID)?;
    let subs = str_column(&df, col::SUBTHEME_ID)?;
    let similarity = numbers::<Float32Type>(&df, col::SIMILARITY)?;
    let status = strings(&df, col::STATUS)?;
    // written by versions before segments: none
    let segments = str_column(&df, col::SEGMENT_ID).unwrap_or_else(|_| vec![None; df.height()]);
    // written by versions before key points: none
    let key_points: Vec<Option<u32>> = df
        .column(col::KEY_POINT)
        .and_then(|c| c.cast(&DataType::UInt32))
        .and_then(|c| Ok(c.u32()?.iter().collect()))
        .unwrap_or_else(|_| vec![None; df.height()]);
    Ok(units
        .into_iter()
        .enumerate()
        .map(|(i, unit_id)| AssignmentRecord {
            unit_id,
            event_id: events[i].clone(),
            theme_id: themes[i].clone(),
            subtheme_id: subs[i].clone(),
            similarity: similarity[i],
            // a status this version does not know reads as unassigned: never placed
            status: Status::parse(&status[i]).unwrap_or(Status::Unassigned),
            segment_id: segments[i].clone(),
            key_point: key_points[i],
        })
        .collect())
}

fn assignments_frame(rows: &[AssignmentRecord]) -> PolarsResult<DataFrame> {
    DataFrame::new(
        rows.len(),
        vec![
            column!(rows, col::UNIT_ID, |r| r.unit_id.as_str()),
            column!(rows, col::EVENT_ID, |r| r.event_id.as_str()),
            column!(rows, col::THEME_ID, |r| r.theme_id.as_deref()),
            column!(rows, col::SUBTHEME_ID, |r| r.subtheme_id.as_deref()),
            column!(rows, col::SIMILARITY, |r| r.similarity),
            column!(rows, col::STATUS, |r| r.status.as_str()),
            column!(rows, col::SEGMENT_ID, |r| r.segment_id.as_deref()),
            column!(rows, col::KEY_POINT, |r| r.key_point),
        ],
    )
}

pub fn read_quotes(ws: &Workspace) -> PolarsResult<Vec<QuoteRecord>> {
    check_whole(ws)?;
    quote_rows(&ws.quotes_file())
}

/// Each theme's key points: verbatim sentences of the units nearest its centre and unlike each
/// other, in the shape of the quotes (none from a workspace themed before key points).
pub fn read_key_points(ws: &Workspace) -> PolarsResult<Vec<QuoteRecord>> {
    check_whole(ws)?;
    let path = ws.key_points_file();
    if !path.is_file() {
        return Ok(Vec::new());
    }
    quote_rows(&path)
}

fn quote_rows(path: &std::path::Path) -> PolarsResult<Vec<QuoteRecord>> {
    let df = read_file(path)?;
    let themes = strings(&df, col::THEME_ID)?;
    let ranks = numbers::<UInt32Type>(&df, col::RANK)?;
    let units = strings(&df, col::UNIT_ID)?;
    let events = strings(&df, col::EVENT_ID)?;
    let similarity = numbers::<Float32Type>(&df, col::SIMILARITY)?;
    let texts = strings(&df, col::TEXT)?;
    Ok(themes
        .into_iter()
        .enumerate()
        .map(|(i, theme_id)| QuoteRecord {
            theme_id,
            rank: ranks[i],
            unit_id: units[i].clone(),
            event_id: events[i].clone(),
            similarity: similarity[i],
            text: texts[i].clone(),
        })
        .collect())
}

fn quotes_frame(rows: &[QuoteRecord]) -> PolarsResult<DataFrame> {
    DataFrame::new(
        rows.len(),
        vec![
            column!(rows, col::THEME_ID, |r| r.theme_id.as_str()),
            column!(rows, col::RANK, |r| r.rank),
            column!(rows, col::UNIT_ID, |r| r.unit_id.as_str()),
            column!(rows, col::EVENT_ID, |r| r.event_id.as_str()),
            column!(rows, col::SIMILARITY, |r| r.similarity),
            column!(rows, col::TEXT, |r| r.text.as_str()),
        ],
    )
}

pub fn read_segments(ws: &Workspace) -> PolarsResult<Vec<SegmentRecord>> {
    check_whole(ws)?;
    let df = read_file(&ws.segments_file())?;
    let ids = strings(&df, col::SEGMENT_ID)?;
    let events = strings(&df, col::EVENT_ID)?;
    let sources = strings(&df, col::SOURCE_ID)?;
    let positions = numbers::<UInt32Type>(&df, col::POSITION)?;
    let firsts = strings(&df, col::FIRST_UNIT)?;
    let lasts = strings(&df, col::LAST_UNIT)?;
    let units = numbers::<UInt32Type>(&df, col::UNITS)?;
    let first_lines = numbers::<UInt64Type>(&df, col::FIRST_LINE)?;
    let last_lines = numbers::<UInt64Type>(&df, col::LAST_LINE)?;
    let times = |name: &str| -> PolarsResult<Vec<Option<i64>>> {
        Ok(df.column(name)?.i64()?.iter().collect())
    };
    let (starts, ends) = (times(col::START_MS)?, times(col::END_MS)?);
    let titles = strings(&df, col::TITLE)?;
    let keywords = strings(&df, col::KEYWORDS)?;
    let themes = str_column(&df, col::THEME_ID)?;
    let quote_units = str_column(&df, col::QUOTE_UNIT)?;
    let quotes = str_column(&df, col::QUOTE)?;
    Ok((0..df.height())
        .map(|i| SegmentRecord {
            quote_unit: quote_units[i].clone(),
            quote: quotes[i].clone(),
            segment_id: ids[i].clone(),
            event_id: events[i].clone(),
            source_id: sources[i].clone(),
            position: positions[i],
            first_unit: firsts[i].clone(),
            last_unit: lasts[i].clone(),
            units: units[i],
            first_line: first_lines[i],
            last_line: last_lines[i],
            start_ms: starts[i],
            end_ms: ends[i],
            title: titles[i].clone(),
            keywords: split_keywords(&keywords[i]),
            theme_id: themes[i].clone(),
        })
        .collect())
}

fn segments_frame(rows: &[SegmentRecord]) -> PolarsResult<DataFrame> {
    DataFrame::new(
        rows.len(),
        vec![
            column!(rows, col::SEGMENT_ID, |r| r.segment_id.as_str()),
            column!(rows, col::EVENT_ID, |r| r.event_id.as_str()),
            column!(rows, col::SOURCE_ID, |r| r.source_id.as_str()),
            column!(rows, col::POSITION, |r| r.position),
            column!(rows, col::FIRST_UNIT, |r| r.first_unit.as_str()),
            column!(rows, col::LAST_UNIT, |r| r.last_unit.as_str()),
            column!(rows, col::UNITS, |r| r.units),
            column!(rows, col::FIRST_LINE, |r| r.first_line),
            column!(rows, col::LAST_LINE, |r| r.last_line),
            column!(rows, col::START_MS, |r| r.start_ms),
            column!(rows, col::END_MS, |r| r.end_ms),
            column!(rows, col::TITLE, |r| r.title.as_str()),
            column!(rows, col::KEYWORDS, |r| r.keywords.join(KEYWORD_SEPARATOR)),
            column!(rows, col::THEME_ID, |r| r.theme_id.as_deref()),
            column!(rows, col::QUOTE_UNIT, |r| r.quote_unit.as_deref()),
            column!(rows, col::QUOTE, |r| r.quote.as_deref()),
        ],
    )
}

/// Everything the themes stage publishes, written together.
pub struct ThemesArtifacts<'a> {
    pub themes: &'a [ThemeRecord],
    pub assignments: &'a [AssignmentRecord],
    pub quotes: &'a [QuoteRecord],
    pub key_points: &'a [QuoteRecord],
    pub segments: &'a [SegmentRecord],
}

/// Writes `themes.parquet`, `assignments.parquet`, `quotes.parquet`, `key_points.parquet` and
/// `segments.parquet` as
/// one: all are staged before any replaces its predecessor, so a run killed while writing
/// leaves the last run's set whole, and one killed between the renames leaves staged files
/// that [`interrupted`] reports.
pub fn write_all(ws: &Workspace, a: &ThemesArtifacts) -> PolarsResult<()> {
    let (themes, assignments) = (ws.themes_file(), ws.assignments_file());
    let (quotes, segments) = (ws.quotes_file(), ws.segments_file());
    let key_points = ws.key_points_file();
    stage_parquet(&themes, &mut themes_frame(a.themes)?)?;
    stage_parquet(&assignments, &mut assignments_frame(a.assignments)?)?;
    stage_parquet(&quotes, &mut quotes_frame(a.quotes)?)?;
    stage_parquet(&key_points, &mut quotes_frame(a.key_points)?)?;
    stage_parquet(&segments, &mut segments_frame(a.segments)?)?;
    commit_staged(&[&segments, &key_points, &quotes, &assignments, &themes])
}

/// Whether the last themes run was killed between replacing its files (some are new, some
/// old): readers refuse such a set rather than pair new themes with old units.
pub fn interrupted(ws: &Workspace) -> bool {
    [
        ws.themes_file(),
        ws.assignments_file(),
        ws.quotes_file(),
        ws.key_points_file(),
        ws.segments_file(),
    ]
    .iter()
    .any(|p| staged_path(p).is_file())
}

/// An error when [`interrupted`].
pub fn check_whole(ws: &Workspace) -> PolarsResult<()> {
    if interrupted(ws) {
        return Err(PolarsError::ComputeError(
            "the last `chorus themes` was killed while replacing its files; run `chorus themes` again"
                .into(),
        ));
    }
    Ok(())
}
