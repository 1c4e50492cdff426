//! Index: the corpus frames -> a tantivy index of every unit (and, once themes exist, every
//! theme) in `.chorus/index/`.
//!
//! Incremental and crash-safe: each commit carries, in tantivy's commit payload, the content
//! hash of every event it holds. A run re-indexes only the events whose frames changed (deleting
//! their old documents by event id), drops events no longer in the workspace, and commits after
//! every `commit_every` units. tantivy commits are atomic, so a process killed mid-run leaves the last commit
//! searchable, and the next run finds the missing events by their hashes and completes the work.

pub mod rows;
pub mod schema;
pub mod search;

use chorus_core::error::Diagnostic;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use tantivy::schema::Facet;
use tantivy::{doc, Index, IndexWriter, TantivyDocument, Term};

use chorus_core::model::{col, Facet as UnitFacet, Table, Workspace};
use chorus_core::store::{read_file, str_column};
use chorus_core::themes_artifact::{read_assignments, read_quotes, read_themes, themes_exist};
use schema::{register_analyzers, Fields, SCHEMA_VERSION};

#[derive(Debug, Clone)]
pub struct IndexConfig {
    /// Indexing threads (tantivy writer threads).
    pub threads: usize,
    /// Writer memory budget in bytes (shared by the threads).
    pub memory_budget: usize,
    /// Commit once at least this many units were added since the last commit (and at the
    /// end): fewer commits index faster, more lose less work to a crash.
    pub commit_every: usize,
    pub progress: bool,
}

impl Default for IndexConfig {
    fn default() -> Self {
        Self {
            threads: 2,
            memory_budget: 512 << 20,
            commit_every: 100_000,
            progress: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("the workspace `{path}` has no corpus yet")]
    NoCorpus { path: PathBuf },
    #[error("could not read the corpus frames of event `{event}`")]
    Frames {
        event: String,
        #[source]
        source: PolarsError,
    },
    #[error("the index in `{path}` could not be opened or written")]
    Tantivy {
        path: PathBuf,
        #[source]
        source: tantivy::TantivyError,
    },
    #[error("could not create the index folder `{path}`")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Diagnostic for IndexError {
    fn hint(&self) -> Option<String> {
        match self {
            IndexError::NoCorpus { .. } => Some("run `chorus ingest PATH...` first".into()),
            _ => None,
        }
    }
}

/// What the last commit holds (stored as the commit payload).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct IndexState {
    pub schema_version: u32,
    /// event id -> hash of its frames (and its units' theme assignments).
    pub events: BTreeMap<String, String>,
    /// Hash of the theme documents' source (themes and quotes).
    #[serde(default)]
    pub themes: String,
}

#[derive(Debug, Default, Serialize)]
pub struct IndexReport {
    pub index: PathBuf,
    pub events_indexed: Vec<String>,
    pub events_removed: Vec<String>,
    pub events_unchanged: usize,
    pub units_indexed: u64,
    pub themes_indexed: usize,
    pub documents: u64,
    pub seconds: f64,
}

/// Whether the workspace has an index with a first commit.
pub fn exists(ws: &Workspace) -> bool {
    ws.index_meta_file().is_file()
}

/// Whether the last `chorus index` was killed before it finished: some events may be missing
/// or stale, so searches would miss what the corpus holds.
pub fn half_built(ws: &Workspace) -> bool {
    ws.index_building_file().is_file()
}

/// Opens the index of `ws` (creating it if absent), with the analyzers registered.
pub fn open(ws: &Workspace) -> Result<(Index, Fields), IndexError> {
    let path = ws.index_dir();
    std::fs::create_dir_all(&path).map_err(|source| IndexError::Io {
        path: path.clone(),
        source,
    })?;
    let fields = Fields::build();
    let tv = |source| IndexError::Tantivy {
        path: path.clone(),
        source,
    };
    let dir = tantivy::directory::MmapDirectory::open(&path).map_err(|e| tv(e.into()))?;
    let index = match Index::open_or_create(dir, fields.schema.clone()) {
        Ok(i) => i,
        Err(tantivy::TantivyError::SchemaError(_)) => {
            // an index of an older schema: rebuild from scratch
            std::fs::remove_dir_all(&path).map_err(|source| IndexError::Io {
                path: path.clone(),
                source,
            })?;
            std::fs::create_dir_all(&path).map_err(|source| IndexError::Io {
                path: path.clone(),
                source,
            })?;
            let dir = tantivy::directory::MmapDirectory::open(&path).map_err(|e| tv(e.into()))?;
            Index::open_or_create(dir, fields.schema.clone()).map_err(tv)?
        }
        Err(e) => return Err(tv(e)),
    };
    register_analyzers(&index);
    Ok((index, fields))
}

/// The state recorded by the last commit (empty for a new index).
pub fn committed_state(index: &Index) -> IndexState {
    index
        .load_metas()
        .ok()
        .and_then(|m| m.payload)
        .and_then(|p| serde_json::from_str::<IndexState>(&p).ok())
        .filter(|s| s.schema_version == SCHEMA_VERSION)
        .unwrap_or_default()
}

/// A theme document: found by its label, keywords and quotes.
#[derive(Debug, Clone)]
pub struct ThemeDoc {
    pub id: String,
    pub parent: Option<String>,
    pub label: String,
    pub keywords: Vec<String>,
    pub quotes: Vec<String>,
}

/// The themes of the workspace as the index needs them (absent before `chorus themes`).
#[derive(Debug, Default)]
pub struct ThemeFields {
    /// unit id -> (theme id, subtheme id).
    pub of_unit: HashMap<String, (String, Option<String>)>,
    /// theme id -> label.
    pub labels: HashMap<String, String>,
    /// event id -> hash of its units' assignments.
    pub event_hashes: HashMap<String, String>,
    pub docs: Vec<ThemeDoc>,
    pub hash: String,
}

fn load_themes(ws: &Workspace) -> PolarsResult<ThemeFields> {
    if !themes_exist(ws) {
        return Ok(ThemeFields::default());
    }
    let mut out = ThemeFields::default();
    let mut per_event: BTreeMap<String, blake3::Hasher> = BTreeMap::new();
    for a in read_assignments(ws)? {
        let h = per_event.entry(a.event_id).or_default();
        h.update(format!("{}\x1f{:?}\x1f{:?}\n", a.unit_id, a.theme_id, a.subtheme_id).as_bytes());
        if let Some(th) = a.theme_id {
            out.of_unit.insert(a.unit_id, (th, a.subtheme_id));
        }
    }
    out.event_hashes = per_event
        .into_iter()
        .map(|(e, h)| (e, h.finalize().to_hex()[..32].to_string()))
        .collect();
    // the theme documents change when the themes or their quotes do
    let mut h = blake3::Hasher::new();
    h.update(&std::fs::read(ws.themes_file())?);
    let mut quotes: HashMap<String, Vec<String>> = HashMap::new();
    if ws.quotes_file().is_file() {
        h.update(&std::fs::read(ws.quotes_file())?);
        for q in read_quotes(ws)? {
            quotes.entry(q.theme_id).or_default().push(q.text);
        }
    }
    out.hash = h.finalize().to_hex()[..32].to_string();
    for t in read_themes(ws)? {
        out.labels.insert(t.id.clone(), t.label.clone());
        out.docs.push(ThemeDoc {
            quotes: quotes.remove(&t.id).unwrap_or_default(),
            id: t.id,
            parent: t.parent,
            label: t.label,
            keywords: t.keywords,
        });
    }
    Ok(out)
}

/// Hash of what an event's documents are made of.
fn event_hash(ws: &Workspace, event: &str, themes: &ThemeFields) -> String {
    let mut h = blake3::Hasher::new();
    h.update(
        themes
            .event_hashes
            .get(event)
            .map_or(&b""[..], |s| s.as_bytes()),
    );
    for t in [
        Table::Events,
        Table::Sources,
        Table::Participants,
        Table::Questions,
        Table::Units,
    ] {
        if let Ok(bytes) = std::fs::read(ws.table_file(t, event)) {
            h.update(&bytes);
        }
        h.update(b"\x1f");
    }
    h.finalize().to_hex()[..32].to_string()
}

/// Builds or updates the index of `ws`.
pub fn run(ws: &Workspace, cfg: &IndexConfig) -> Result<IndexReport, IndexError> {
    let _span = tracing::info_span!("index").entered();
    let started = std::time::Instant::now();
    let events = chorus_core::store::workspace_events(ws);
    if events.is_empty() {
        return Err(IndexError::NoCorpus {
            path: ws.root().to_path_buf(),
        });
    }
    let (index, fields) = open(ws)?;
    let path = ws.index_dir();
    let building = ws.index_building_file();
    std::fs::write(
        &building,
        b"chorus index is running; if it is not, it was interrupted\n",
    )
    .map_err(|source| IndexError::Io {
        path: building.clone(),
        source,
    })?;
    let tv = |source| IndexError::Tantivy {
        path: path.clone(),
        source,
    };
    let mut state = committed_state(&index);
    if state.schema_version != SCHEMA_VERSION {
        state = IndexState {
            schema_version: SCHEMA_VERSION,
            ..Default::default()
        };
    }
    let mut writer: IndexWriter<TantivyDocument> = index
        .writer_with_num_threads(cfg.threads.max(1), cfg.memory_budget.max(30 << 20))
        .map_err(tv)?;
    let mut report = IndexReport {
        index: path.clone(),
        ..Default::default()
    };

    // a fresh index with no payload may still hold uncommitted-then-lost docs: start clean
    if state.events.is_empty() {
        writer.delete_all_documents().map_err(tv)?;
    }
    let removed: Vec<String> = state
        .events
        .keys()
        .filter(|e| !events.contains(*e))
        .cloned()
        .collect();
    for e in &removed {
        writer.delete_term(Term::from_field_text(fields.event_id, e));
        state.events.remove(e);
    }
    if !removed.is_empty() {
        commit(&mut writer, &state).map_err(tv)?;
    }
    report.events_removed = removed;

    let themes = load_themes(ws).map_err(|source| IndexError::Frames {
        event: "(themes)".into(),
        source,
    })?;
    if state.themes != themes.hash {
        // theme documents are few: rewrite them all
        writer.delete_term(Term::from_field_text(fields.doc_kind, "theme"));
        for d in theme_documents(&themes, &fields) {
            writer.add_document(d).map_err(tv)?;
        }
        state.themes = themes.hash.clone();
        report.themes_indexed = themes.docs.len();
    }
    let bar = chorus_core::progress::bar(cfg.progress, events.len() as u64, "indexing");
    let mut pending = 0usize;
    let mut pending_events: Vec<String> = Vec::new();
    for event in &events {
        let hash = event_hash(ws, event, &themes);
        if state.events.get(event) == Some(&hash) {
            report.events_unchanged += 1;
            bar.inc(1);
            continue;
        }
        writer.delete_term(Term::from_field_text(fields.event_id, event));
        let docs =
            unit_documents(ws, event, &fields, &themes).map_err(|source| IndexError::Frames {
                event: event.clone(),
                source,
            })?;
        report.units_indexed += docs.len() as u64;
        pending += docs.len();
        for d in docs {
            writer.add_document(d).map_err(tv)?;
        }
        // the payload names an event only once a commit holds its documents
        state.events.insert(event.clone(), hash);
        pending_events.push(event.clone());
        if pending >= cfg.commit_every {
            commit(&mut writer, &state).map_err(tv)?;
            report.events_indexed.append(&mut pending_events);
            pending = 0;
        }
        bar.inc(1);
    }
    if !pending_events.is_empty() || report.themes_indexed > 0 {
        commit(&mut writer, &state).map_err(tv)?;
        report.events_indexed.append(&mut pending_events);
    }
    bar.finish_and_clear();
    // a build leaves a segment per indexing thread and an update deleted documents and small
    // segments (a review's rerun replaces the theme documents), and every search pays for them:
    // merge them into one segment (word searches ran twice as fast on all of ../shared/data)
    let metas = index.searchable_segment_metas().map_err(tv)?;
    if metas.len() > 1 || metas.iter().any(|m| m.has_deletes()) {
        let ids: Vec<tantivy::index::SegmentId> = metas.iter().map(|m| m.id()).collect();
        writer.merge(&ids).wait().map_err(tv)?;
    }
    writer.wait_merging_threads().map_err(tv)?;
    let reader = index.reader().map_err(tv)?;
    report.documents = reader.searcher().num_docs();
    report.seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&building);
    Ok(report)
}

fn commit(writer: &mut IndexWriter<TantivyDocument>, state: &IndexState) -> tantivy::Result<()> {
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&serde_json::to_string(state).unwrap_or_default());
    prepared.commit()?;
    Ok(())
}

/// `yyyy-mm-dd...` -> `yyyymmdd`; `None` unless it is a day of the calendar.
pub fn day_number(date: &str) -> Option<u64> {
    let d: String = date
        .chars()
        .filter(|c| c.is_ascii_digit())
        .take(8)
        .collect();
    if d.len() != 8 {
        return None;
    }
    let (y, m, day): (u64, u64, u64) = (
        d[..4].parse().ok()?,
        d[4..6].parse().ok()?,
        d[6..].parse().ok()?,
    );
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&day).then(|| d.parse().ok()).flatten()
}

/// Theme documents: found by their label, keywords and quotes (`chorus search --themes`).
fn theme_documents(t: &ThemeFields, f: &Fields) -> Vec<TantivyDocument> {
    t.docs
        .iter()
        .map(|ThemeDoc { id, parent, label, keywords, quotes }| {
            let mut d =
                doc!(f.doc_kind => "theme", f.id => id.as_str(), f.theme_label => label.as_str());
            d.add_text(
                f.keywords,
                format!("{label}. {}", keywords.join(", ")),
            );
            d.add_text(
                f.text_for(None),
                format!(
                    "{label}. {}. {}",
                    keywords.join(", "),
                    quotes.join(" ")
                ),
            );
            let path: Vec<String> = match parent {
                Some(p) => vec![name_value(p), name_value(id)],
                None => vec![name_value(id)],
            };
            d.add_facet(f.facet(UnitFacet::Theme), Facet::from_path(path));
            d
        })
        .collect()
}

/// Builds the documents of one event's units from its frames.
pub fn unit_documents(
    ws: &Workspace,
    event: &str,
    f: &Fields,
    themes: &ThemeFields,
) -> PolarsResult<Vec<TantivyDocument>> {
    let events = read_file(&ws.table_file(Table::Events, event))?;
    let units = read_file(&ws.table_file(Table::Units, event))?;
    let participants = read_file(&ws.table_file(Table::Participants, event))?;
    let questions = read_file(&ws.table_file(Table::Questions, event))?;
    let sources = read_file(&ws.table_file(Table::Sources, event))?;
    let first = |name: &str| -> PolarsResult<Option<String>> {
        Ok(str_column(&events, name)?.into_iter().next().flatten())
    };
    let (country, sector, level, date) = (
        first(col::COUNTRY)?,
        first(col::SECTOR)?,
        first(col::LEVEL)?,
        first(col::DATE)?,
    );
    let day = date.as_deref().and_then(day_number);

    let pmap: HashMap<String, (Option<String>, Option<String>)> =
        str_column(&participants, col::PARTICIPANT_ID)?
            .into_iter()
            .zip(
                str_column(&participants, col::KIND)?
                    .into_iter()
                    .zip(str_column(&participants, col::ROLE)?),
            )
            .filter_map(|(id, kr)| id.map(|i| (i, kr)))
            .collect();
    let qmap: HashMap<String, (Option<String>, Option<String>)> =
        str_column(&questions, col::QUESTION_ID)?
            .into_iter()
            .zip(
                str_column(&questions, col::TEXT)?
                    .into_iter()
                    .zip(str_column(&questions, col::FRAME)?),
            )
            .filter_map(|(id, tf)| id.map(|i| (i, tf)))
            .collect();
    let smap: HashMap<String, Option<String>> = str_column(&sources, col::SOURCE_ID)?
        .into_iter()
        .zip(str_column(&sources, col::FORMAT)?)
        .filter_map(|(id, f)| id.map(|i| (i, f)))
        .collect();

    let ids = str_column(&units, col::UNIT_ID)?;
    let src = str_column(&units, col::SOURCE_ID)?;
    let pid = str_column(&units, col::PARTICIPANT_ID)?;
    let qid = str_column(&units, col::QUESTION_ID)?;
    let text = str_column(&units, col::TEXT)?;
    let lang = str_column(&units, col::LANG)?;
    let dup = str_column(&units, col::DUPLICATE_KIND)?;
    let line: Vec<Option<u64>> = units.column(col::LINE)?.u64()?.iter().collect();
    let start: Vec<Option<i64>> = units.column(col::START_MS)?.i64()?.iter().collect();
    let end: Vec<Option<i64>> = units.column(col::END_MS)?.i64()?.iter().collect();

    let mut docs = Vec::with_capacity(ids.len());
    for i in 0..ids.len() {
        let (Some(id), Some(t)) = (&ids[i], &text[i]) else {
            continue;
        };
        let mut d = doc!(f.doc_kind => "unit", f.id => id.as_str(), f.event_id => event);
        d.add_text(f.text_for(lang[i].as_deref()), t);
        add_facet(&mut d, f, UnitFacet::Event, Some(event));
        add_facet(&mut d, f, UnitFacet::Country, country.as_deref());
        add_facet(&mut d, f, UnitFacet::Sector, sector.as_deref());
        add_facet(&mut d, f, UnitFacet::Level, level.as_deref());
        add_facet(&mut d, f, UnitFacet::Lang, lang[i].as_deref());
        add_facet(
            &mut d,
            f,
            UnitFacet::Duplicate,
            Some(if dup[i].is_some() { "yes" } else { "no" }),
        );
        add_facet(&mut d, f, UnitFacet::Date, date.as_deref());
        if let Some(p) = pid[i].as_ref().and_then(|p| pmap.get(p)) {
            add_facet(&mut d, f, UnitFacet::Kind, p.0.as_deref());
            add_facet(&mut d, f, UnitFacet::Role, p.1.as_deref());
        }
        if let Some(q) = &qid[i] {
            add_facet(&mut d, f, UnitFacet::Question, Some(q));
            if let Some((qt, frame)) = qmap.get(q) {
                add_facet(&mut d, f, UnitFacet::Frame, frame.as_deref());
                if let Some(qt) = qt {
                    d.add_text(f.question_text, qt);
                    d.add_text(f.context, qt);
                }
            }
        }
        if let Some(Some(fmt)) = src[i].as_ref().and_then(|s| smap.get(s)) {
            add_facet(&mut d, f, UnitFacet::Source, Some(fmt));
        }
        if let Some(s) = &src[i] {
            d.add_text(f.source_id, s);
        }
        if let Some(p) = &pid[i] {
            d.add_text(f.participant_id, p);
        }
        if let Some(day) = day {
            d.add_u64(f.day, day);
        }
        if let Some((t, sub)) = themes.of_unit.get(id) {
            let mut path = vec![name_value(t)];
            path.extend(sub.as_deref().map(name_value));
            d.add_facet(f.facet(UnitFacet::Theme), Facet::from_path(path));
            if let Some(l) = themes.labels.get(sub.as_ref().unwrap_or(t)) {
                d.add_text(f.theme_label, l);
            }
        }
        if let Some(l) = line[i] {
            d.add_u64(f.line, l);
        }
        if let Some(s) = start[i] {
            d.add_i64(f.start_ms, s);
        }
        if let Some(e) = end[i] {
            d.add_i64(f.end_ms, e);
        }
        docs.push(d);
    }
    Ok(docs)
}

fn add_facet(d: &mut TantivyDocument, f: &Fields, facet: UnitFacet, value: Option<&str>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        let field = f.facet(facet);
        d.add_facet(field, Facet::from_path([name_value(v)]));
    }
}

/// Facet path segments cannot hold `/`; keep values readable otherwise.
pub fn name_value(v: &str) -> String {
    v.replace('/', "∕")
}

#[cfg(test)]
mod tests {
    use super::day_number;

    #[test]
    fn only_calendar_days_are_dates() {
        assert_eq!(day_number("2021-02-03"), Some(20210203));
        assert_eq!(day_number("2024-02-29T10:00"), Some(20240229));
        for bad in [
            "2020-13-45",
            "2023-02-29",
            "2021-04-31",
            "2021-00-10",
            "2021",
            "yesterday",
        ] {
            assert_eq!(day_number(bad), None, "{bad}");
        }
    }
}
