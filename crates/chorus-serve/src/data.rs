//! What the server reads at start (and again when the workspace changes): the index reader, the
//! themes with their quotes, every unit with its place in its source, the events, the questions
//! with their frames, the Pol.is votes, the codebook's sign-offs, and the insights.

use std::collections::BTreeMap;

use serde::Serialize;
use tantivy::{Index, IndexReader, ReloadPolicy};

use super::{ApiError, ServeError};
use chorus_core::model::{col, Table, Workspace};
use chorus_core::store::{read_table, str_column};
use chorus_core::themes_artifact::{read_quotes, read_themes, themes_exist, ThemeRecord};
use chorus_core::vectors::{self, Embedder, LoadEmbedder, UnitVectors};
use chorus_index::schema::Fields;
use chorus_insights::{Cell, Insights, InsightsConfig};

pub struct Data {
    pub index: Index,
    pub fields: Fields,
    pub reader: IndexReader,
    pub semantic: Option<(Box<dyn Embedder>, UnitVectors)>,
    /// The vectors' rows as documents of `reader`'s searcher (it never reloads: a new index is
    /// a new load).
    pub rows: chorus_index::search::RowDocs,
    /// Rows of the vectors a ranking by meaning leaves out (units without a content word).
    pub skip: Vec<bool>,
    /// Concurrent meaning searches' queries scored against every unit in shared passes.
    pub scans: vectors::group::GroupCommit<Vec<f32>, Vec<f32>>,
    /// Totals, facet counts and member rows of the filter sets searched by meaning so far.
    pub filters: chorus_index::search::FilterCache,
    pub themes: Vec<ThemeRecord>,
    pub quotes: Vec<QuoteRow>,
    pub units: Units,
    pub events: Vec<EventRow>,
    /// question id -> its text
    pub questions: BTreeMap<String, String>,
    /// question id -> its frame (leave_behind, keep, do_differently), where it has one
    pub frames: BTreeMap<String, String>,
    /// Pol.is statement (unit id) -> its votes overall and per opinion group
    pub votes: BTreeMap<String, chorus_insights::StatementVotes>,
    /// Themes an analyst marked reviewed in the codebook.
    pub reviewed: std::collections::BTreeSet<String>,
    pub insights: Option<Insights>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuoteRow {
    pub theme: String,
    pub unit_id: String,
    pub event: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventRow {
    pub id: String,
    pub title: Option<String>,
    pub country: Option<String>,
    pub date: Option<String>,
    pub units: u64,
}

/// Every unit, with the order of the units of each source.
pub struct Units {
    by_id: BTreeMap<String, usize>,
    rows: Vec<UnitRow>,
    /// source id -> unit rows in reading order
    sources: BTreeMap<String, Vec<usize>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitRow {
    pub unit_id: String,
    pub event: String,
    pub source: Option<String>,
    pub participant: Option<String>,
    pub question: Option<String>,
    pub line: Option<u64>,
    pub start_ms: Option<i64>,
    pub text: String,
    #[serde(skip)]
    position: usize,
}

/// A theme with its subthemes and quotes, for the browser.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeView {
    pub theme: ThemeRecord,
    pub parent: Option<ThemeRecord>,
    pub subthemes: Vec<ThemeRecord>,
    pub quotes: Vec<QuoteRow>,
}

/// A unit in its source: a transcript turn with the turns around it, or a written answer
/// (whole) with its question and the same person's other answers.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    pub unit: UnitRow,
    /// The question the unit answers, when it is an answer.
    pub question: Option<String>,
    /// That question's frame (leave_behind, keep, do_differently), when it has one.
    pub frame: Option<String>,
    /// The votes on it, when it is a Pol.is statement with at least k votes.
    pub votes: Option<chorus_insights::StatementVotes>,
    /// The topic segment a transcript line was said in, with its theme: the discussion a line
    /// without a theme of its own ("Yeah.") is read in.
    pub discussion: Option<chorus_insights::AgendaItem>,
    pub before: Vec<UnitRow>,
    pub after: Vec<UnitRow>,
}

/// Events' theme shares side by side (two to [`MAX_COMPARED`]), what sets each apart, and a
/// few quotes from each.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The events compared, in the order asked.
    pub events: Vec<String>,
    pub themes: Vec<ComparedTheme>,
    /// Per event (same order): its distinctive themes, from the insights.
    pub distinctive: Vec<Vec<chorus_insights::DistinctiveTheme>>,
    /// Per event (same order): quotes of its distinctive themes first, then of any theme.
    pub quotes: Vec<Vec<QuoteRow>>,
}

/// Most events compared side by side.
pub const MAX_COMPARED: usize = 6;

/// Quotes shown per compared event.
const QUOTES_PER_EVENT: usize = 2;

#[derive(Debug, Clone, Serialize)]
pub struct ComparedTheme {
    pub theme: String,
    pub label: String,
    /// Its share of each compared event's units (same order as the events).
    pub cells: Vec<Option<Cell>>,
}

fn strings(df: &polars::prelude::DataFrame, c: &str) -> Result<Vec<Option<String>>, ServeError> {
    Ok(str_column(df, c)?)
}

impl Data {
    /// Reads what the server serves; with `semantic`, the units' vectors and their model too.
    /// `k` is the disclosure threshold of the figures (the published report's, when there is
    /// one), so the compare page withholds the cells the report withholds.
    pub fn load(
        ws: &Workspace,
        semantic: Option<LoadEmbedder>,
        k: usize,
    ) -> Result<Self, ServeError> {
        if !chorus_index::exists(ws) {
            return Err(ServeError::NoIndex {
                path: ws.root().to_path_buf(),
            });
        }
        let (index, fields) = chorus_index::open(ws)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let semantic = match semantic {
            Some(load) if vectors::info_exists(ws) => {
                let vectors = vectors::load(ws)?;
                let model = load(Some(&vectors.info.model_dir)).map_err(ServeError::Embed)?;
                // concurrent meaning searches share forward passes; repeated queries are kept
                let model: Box<dyn Embedder> = Box::new(vectors::batched::Batched::new(model));
                Some((model, vectors))
            }
            _ => None,
        };

        let skip = semantic.as_ref().map_or_else(Vec::new, |(_, v)| {
            chorus_index::search::rows_without_content(ws, v)
        });
        let rows = match &semantic {
            Some((_, v)) => chorus_index::search::RowDocs::new(&reader.searcher(), &fields, v)?,
            None => Default::default(),
        };
        let units_df = read_table(ws, Table::Units)?;
        let ids = strings(&units_df, col::UNIT_ID)?;
        let events = strings(&units_df, col::EVENT_ID)?;
        let sources = strings(&units_df, col::SOURCE_ID)?;
        let people = strings(&units_df, col::PARTICIPANT_ID)?;
        let questions = strings(&units_df, col::QUESTION_ID)?;
        let texts = strings(&units_df, col::TEXT)?;
        let lines: Vec<Option<u64>> = units_df.column(col::LINE)?.u64()?.iter().collect();
        let starts: Vec<Option<i64>> = units_df.column(col::START_MS)?.i64()?.iter().collect();
        let mut units = Units {
            by_id: BTreeMap::new(),
            rows: Vec::with_capacity(ids.len()),
            sources: BTreeMap::new(),
        };
        let mut per_event: BTreeMap<String, u64> = BTreeMap::new();
        for i in 0..ids.len() {
            let (Some(id), Some(event)) = (ids[i].clone(), events[i].clone()) else {
                continue;
            };
            *per_event.entry(event.clone()).or_default() += 1;
            let row = units.rows.len();
            units.by_id.insert(id.clone(), row);
            if let Some(s) = &sources[i] {
                units.sources.entry(s.clone()).or_default().push(row);
            }
            units.rows.push(UnitRow {
                unit_id: id,
                event,
                source: sources[i].clone(),
                participant: people[i].clone(),
                question: questions[i].clone(),
                line: lines[i],
                start_ms: starts[i],
                text: texts[i].clone().unwrap_or_default(),
                position: 0,
            });
        }
        // reading order: by time, then line, then the order ingest wrote them in
        for rows in units.sources.values_mut() {
            rows.sort_by_key(|&r| (units.rows[r].start_ms, units.rows[r].line, r));
            for (pos, &r) in rows.iter().enumerate() {
                units.rows[r].position = pos;
            }
        }

        let ev = read_table(ws, Table::Events)?;
        let (eid, title, country, date) = (
            strings(&ev, col::EVENT_ID)?,
            strings(&ev, col::TITLE)?,
            strings(&ev, col::COUNTRY)?,
            strings(&ev, col::DATE)?,
        );
        let events: Vec<EventRow> = (0..eid.len())
            .filter_map(|i| {
                let id = eid[i].clone()?;
                Some(EventRow {
                    units: per_event.get(&id).copied().unwrap_or(0),
                    id,
                    title: title[i].clone(),
                    country: country[i].clone(),
                    date: date[i].clone(),
                })
            })
            .collect();

        let q = read_table(ws, Table::Questions)?;
        let questions = chorus_core::store::string_map(&q, col::QUESTION_ID, col::TEXT)?;
        let frames = chorus_core::store::string_map(&q, col::QUESTION_ID, col::FRAME)?;
        let votes = chorus_insights::statement_votes(ws, k)?;
        let reviewed = chorus_themes::codebook::read(&ws.codebook_file())
            .map(|b| {
                b.theme
                    .into_iter()
                    .filter(|t| t.reviewed)
                    .map(|t| t.id)
                    .collect()
            })
            .unwrap_or_default();
        let (mut themes, mut quotes, mut insights) = (Vec::new(), Vec::new(), None);
        if themes_exist(ws) {
            themes = read_themes(ws)?;
            quotes = read_quotes(ws)?
                .into_iter()
                .map(|q| QuoteRow {
                    theme: q.theme_id,
                    unit_id: q.unit_id,
                    event: q.event_id,
                    text: q.text,
                })
                .collect();
            insights = Some(chorus_insights::compute(ws, &InsightsConfig { k })?);
        }
        Ok(Self {
            rows,
            skip,
            scans: Default::default(),
            filters: Default::default(),
            index,
            fields,
            reader,
            semantic,
            themes,
            quotes,
            units,
            events,
            questions,
            frames,
            votes,
            reviewed,
            insights,
        })
    }

    /// An event's title, else its id.
    pub fn event_title(&self, id: &str) -> String {
        self.events
            .iter()
            .find(|e| e.id == id)
            .and_then(|e| e.title.clone())
            .unwrap_or_else(|| id.to_string())
    }

    /// Each event's topic segments in order (empty without transcripts or themes).
    pub fn agenda(&self) -> &[chorus_insights::EventAgenda] {
        self.insights.as_ref().map_or(&[], |i| i.agenda.as_slice())
    }

    /// A facet value as a person reads it: a theme's label for its id, an event's title, a
    /// question frame in words; anything else as is.
    pub fn facet_name(&self, facet: &str, value: &str) -> String {
        match facet {
            "theme" => self
                .themes
                .iter()
                .find(|t| t.id == value)
                .map_or_else(|| value.to_string(), |t| t.label.clone()),
            "event" => self.event_title(value),
            "frame" => frame_words(value),
            _ => value.to_string(),
        }
    }

    /// The top-level themes, largest first.
    pub fn theme_list(&self) -> Vec<&ThemeRecord> {
        let mut tops: Vec<&ThemeRecord> =
            self.themes.iter().filter(|t| t.parent.is_none()).collect();
        tops.sort_by(|a, b| b.size.cmp(&a.size).then(a.id.cmp(&b.id)));
        tops
    }

    pub fn theme(&self, id: &str) -> Result<ThemeView, ApiError> {
        let theme = self
            .themes
            .iter()
            .find(|t| t.id == id)
            .cloned()
            .ok_or_else(|| ApiError::not_found(format!("no theme `{id}`; see /api/themes")))?;
        let parent = theme
            .parent
            .as_ref()
            .and_then(|p| self.themes.iter().find(|t| &t.id == p).cloned());
        let subthemes = self
            .themes
            .iter()
            .filter(|t| t.parent.as_deref() == Some(id))
            .cloned()
            .collect();
        let quotes = self
            .quotes
            .iter()
            .filter(|q| q.theme == id)
            .cloned()
            .collect();
        Ok(ThemeView {
            theme,
            parent,
            subthemes,
            quotes,
        })
    }

    /// The text of the question a unit answers, where it answers one.
    pub fn question_of(&self, unit_id: &str) -> Option<&str> {
        let &row = self.units.by_id.get(unit_id)?;
        let q = self.units.rows[row].question.as_ref()?;
        self.questions.get(q).map(String::as_str)
    }

    pub fn context(&self, unit_id: &str, around: usize) -> Result<Context, ApiError> {
        let &row = self
            .units
            .by_id
            .get(unit_id)
            .ok_or_else(|| ApiError::not_found(format!("no unit `{unit_id}`")))?;
        let unit = self.units.rows[row].clone();
        let siblings = unit
            .source
            .as_ref()
            .and_then(|s| self.units.sources.get(s))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let pos = unit.position.min(siblings.len());
        let pick = |rows: &[usize]| -> Vec<UnitRow> {
            rows.iter().map(|&r| self.units.rows[r].clone()).collect()
        };
        let (before, after) = if unit.question.is_some() {
            // a written answer is whole; around it, the same person's other answers in that
            // source (the rest of their form), not other people's
            let own: Vec<usize> = siblings
                .iter()
                .copied()
                .filter(|&r| {
                    r != row
                        && unit.participant.is_some()
                        && self.units.rows[r].participant == unit.participant
                })
                .collect();
            let (b, a): (Vec<usize>, Vec<usize>) = own
                .into_iter()
                .partition(|&r| self.units.rows[r].position < unit.position);
            let b = &b[b.len().saturating_sub(around)..];
            (pick(b), pick(&a[..a.len().min(around)]))
        } else {
            // a transcript turn: the turns around it
            (
                pick(&siblings[pos.saturating_sub(around)..pos]),
                pick(
                    &siblings
                        [(pos + 1).min(siblings.len())..(pos + 1 + around).min(siblings.len())],
                ),
            )
        };
        let question = unit
            .question
            .as_ref()
            .and_then(|q| self.questions.get(q).cloned());
        let frame = unit
            .question
            .as_ref()
            .and_then(|q| self.frames.get(q).cloned());
        let votes = self.votes.get(unit_id).cloned();
        let discussion = self.discussion(&unit);
        Ok(Context {
            unit,
            question,
            frame,
            votes,
            discussion,
            before,
            after,
        })
    }

    /// The agenda's segment of `unit`'s source that holds it.
    fn discussion(&self, unit: &UnitRow) -> Option<chorus_insights::AgendaItem> {
        let source = unit.source.as_deref()?;
        let at = |id: &str| {
            self.units
                .by_id
                .get(id)
                .map(|&r| self.units.rows[r].position)
        };
        self.agenda()
            .iter()
            .filter(|a| a.event_id == unit.event)
            .flat_map(|a| &a.segments)
            .find(|s| {
                s.segment.source_id == source
                    && at(&s.segment.first_unit).is_some_and(|f| f <= unit.position)
                    && at(&s.segment.last_unit).is_some_and(|l| unit.position <= l)
            })
            .cloned()
    }

    /// The events asked for (distinct, in order), or the two with most units.
    pub fn compare(&self, asked: &[String]) -> Result<Comparison, ApiError> {
        let ins = self.insights.as_ref().ok_or_else(|| {
            ApiError::not_found("the workspace has no themes yet; run `chorus themes`")
        })?;
        let mut events: Vec<String> = Vec::new();
        for e in asked {
            if !events.contains(e) {
                events.push(e.clone());
            }
        }
        if events.len() > MAX_COMPARED {
            return Err(ApiError::bad_request(format!(
                "{} events asked for; at most {MAX_COMPARED} are compared side by side",
                events.len()
            )));
        }
        // default (and the second of one): the events with most units
        let mut by_size: Vec<&EventRow> = self.events.iter().collect();
        by_size.sort_by(|x, y| y.units.cmp(&x.units).then(x.id.cmp(&y.id)));
        for e in by_size {
            if events.len() >= 2 {
                break;
            }
            if !events.contains(&e.id) {
                events.push(e.id.clone());
            }
        }
        if events.len() < 2 {
            return Err(ApiError::bad_request("comparing needs two events"));
        }
        for e in &events {
            if !self.events.iter().any(|x| &x.id == e) {
                return Err(ApiError::not_found(format!(
                    "no event `{e}`; see /api/events"
                )));
            }
        }
        let themes = ins
            .themes
            .iter()
            .map(|t| ComparedTheme {
                theme: t.id.clone(),
                label: t.label.clone(),
                cells: events.iter().map(|e| t.by_event.get(e).cloned()).collect(),
            })
            .collect();
        let distinctive: Vec<Vec<chorus_insights::DistinctiveTheme>> = events
            .iter()
            .map(|e| {
                ins.contrasts
                    .iter()
                    .find(|c| c.by == "event" && &c.group == e)
                    .map(|c| c.themes.clone())
                    .unwrap_or_default()
            })
            .collect();
        let quotes = events
            .iter()
            .zip(&distinctive)
            .map(|(e, dist)| {
                let mut own: Vec<&QuoteRow> =
                    self.quotes.iter().filter(|q| &q.event == e).collect();
                // stable: the distinctive themes' quotes first, then the rest in theme order
                own.sort_by_key(|q| {
                    dist.iter()
                        .position(|d| d.theme == q.theme)
                        .unwrap_or(usize::MAX)
                });
                own.into_iter().take(QUOTES_PER_EVENT).cloned().collect()
            })
            .collect();
        Ok(Comparison {
            events,
            themes,
            distinctive,
            quotes,
        })
    }
}

/// A question frame in words ("something to keep"), else the frame as written.
pub fn frame_words(f: &str) -> String {
    chorus_core::model::Frame::parse(f).map_or_else(
        || f.to_string(),
        |f| chorus_report::prose::frame_words(f).to_string(),
    )
}
