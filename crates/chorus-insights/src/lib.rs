//! Insights: cross-event figures about the themes, computed with polars from the corpus frames
//! and the theme assignments, with disclosure control.
//!
//! - overview: events, countries, participants, units, and how much the themes cover;
//! - per theme: in how many events and countries it was raised; its prevalence per event as a
//!   share of that event's units (so a large event does not drown a small one) and pooled as
//!   the mean of those shares; its share of each question frame (leave behind / keep / do
//!   differently) and the frame it is raised under most;
//! - scale questions: distribution, mean with a 95% confidence interval, and the share rating
//!   in the top two points with a Wilson interval, overall and per country;
//! - disclosure control: any breakdown cell resting on fewer than `k` participants is withheld
//!   (`null` with `"suppressed": true`), never shown.

use chorus_core::error::Diagnostic;
use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use serde::Serialize;

use chorus_core::store::{read_file, read_table, str_column};
use chorus_core::model::{col, Table, Workspace};

#[derive(Debug, Clone)]
pub struct InsightsConfig {
    /// Fewest participants behind a published cell.
    pub k: usize,
}

impl Default for InsightsConfig {
    fn default() -> Self {
        Self { k: 5 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InsightsError {
    #[error("the workspace `{path}` has no themes yet")]
    NoThemes { path: std::path::PathBuf },
    #[error("could not compute the insights from the frames")]
    Frames(#[from] PolarsError),
}

impl Diagnostic for InsightsError {
    fn hint(&self) -> Option<String> {
        match self {
            InsightsError::NoThemes { .. } => {
                Some("run `chorus embed` and `chorus themes` first".into())
            }
            InsightsError::Frames(_) => None,
        }
    }
}

/// A figure that may be withheld.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cell {
    pub value: Option<f64>,
    pub units: Option<u64>,
    pub participants: Option<u64>,
    pub suppressed: bool,
}

impl Cell {
    fn new(value: f64, units: u64, participants: u64, k: usize) -> Self {
        if (participants as usize) < k {
            Cell {
                value: None,
                units: None,
                participants: None,
                suppressed: true,
            }
        } else {
            Cell {
                value: Some(value),
                units: Some(units),
                participants: Some(participants),
                suppressed: false,
            }
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub events: usize,
    pub countries: Vec<String>,
    pub participants: u64,
    pub units: u64,
    pub themed_units: u64,
    pub unit_coverage: f64,
    pub participant_coverage: f64,
    /// Events none of whose units fall in a theme.
    pub events_without_theme: Vec<String>,
    /// Units with no content word ("Yeah.", "Okay."), left out of the themes.
    pub no_content_units: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThemeInsight {
    pub id: String,
    pub label: String,
    pub keywords: Vec<String>,
    pub units: u64,
    pub participants: u64,
    pub events: usize,
    pub of_events: usize,
    pub countries: Vec<String>,
    /// Mean over events of the theme's share of each event's units.
    pub pooled_prevalence: f64,
    /// Share of all units.
    pub overall_share: f64,
    /// event id -> share of that event's units.
    pub by_event: BTreeMap<String, Cell>,
    /// frame -> share of that frame's units.
    pub by_frame: BTreeMap<String, Cell>,
    pub by_country: BTreeMap<String, Cell>,
    /// sector of the event (from `event.toml`) -> share of that sector's units.
    pub by_sector: BTreeMap<String, Cell>,
    /// level of government of the event -> share of that level's units.
    pub by_level: BTreeMap<String, Cell>,
    /// Events where the theme leans to opposite frames, when it does.
    pub flip: Option<Flip>,
    /// The frame under which the theme is most prevalent, if any frame cell is shown.
    pub main_frame: Option<String>,
    /// A sentence made only from the numbers above.
    pub summary: String,
    /// The theme's subthemes, largest first.
    pub subthemes: Vec<Subtheme>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Subtheme {
    pub id: String,
    pub label: String,
    pub units: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Method {
    pub themes: serde_json::Value,
    pub model: Option<String>,
}

/// A theme raised mostly as something to keep in some events and mostly as something to leave
/// behind in others (counting only events where the theme's units there come from at least `k`
/// participants).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Flip {
    pub keep: Vec<String>,
    pub leave_behind: Vec<String>,
}

/// A theme that sets one group apart from the rest: weighted log-odds with an informative
/// Dirichlet prior (Monroe, Colaresi and Quinn 2008) over themed units.
#[derive(Debug, Clone, Serialize)]
pub struct DistinctiveTheme {
    pub theme: String,
    pub label: String,
    /// The theme's units in the group, and its share of the group's themed units.
    pub units: u64,
    pub participants: u64,
    pub share: f64,
    /// The theme's share of the other groups' themed units.
    pub rest_share: f64,
    /// Log-odds ratio group vs rest, and its z-score; only z >= 1.96 is listed.
    pub log_odds: f64,
    pub z: f64,
}

/// The distinctive themes of one group (an event, a country, a sector or a level).
#[derive(Debug, Clone, Serialize)]
pub struct GroupContrast {
    /// `event`, `country`, `sector` or `level`.
    pub by: String,
    pub group: String,
    pub themed_units: u64,
    pub themes: Vec<DistinctiveTheme>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScaleGroup {
    /// `all`, `country`, `sector` or `level`.
    pub by: &'static str,
    pub group: String,
    pub n: u64,
    pub suppressed: bool,
    pub mean: Option<Interval>,
    /// Share answering in the top two points of the scale.
    pub top_two: Option<Interval>,
    /// value -> count.
    pub distribution: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScaleInsight {
    pub key: String,
    pub text: String,
    pub scale: (f64, f64),
    pub overall: ScaleGroup,
    pub by_country: Vec<ScaleGroup>,
    /// By sector (the respondent's when given, else the event's).
    pub by_sector: Vec<ScaleGroup>,
    /// By level of government (the event's).
    pub by_level: Vec<ScaleGroup>,
    pub summary: String,
}

/// Votes on one statement (Pol.is): overall and per opinion group.
#[derive(Debug, Clone, Serialize)]
pub struct StatementVotes {
    pub unit_id: String,
    pub event: String,
    pub text: String,
    pub votes: u64,
    /// Share of agree votes among agree, disagree and pass.
    pub agree: f64,
    pub disagree: f64,
    /// opinion group -> agree share (withheld groups, under k voters, are left out).
    pub groups: BTreeMap<String, f64>,
    /// Lowest group agree share (consensus ranks by it).
    pub min_group_agree: Option<f64>,
    /// Highest minus lowest group agree share (divergence ranks by it).
    pub spread: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Insights {
    pub k: usize,
    pub overview: Overview,
    pub themes: Vec<ThemeInsight>,
    pub scales: Vec<ScaleInsight>,
    /// Statements most agreed across opinion groups (or overall where there are no groups).
    pub consensus: Vec<StatementVotes>,
    /// Statements that split the opinion groups most.
    pub divergence: Vec<StatementVotes>,
    /// Distinctive themes per event, country, sector and level (groups with one is skipped).
    pub contrasts: Vec<GroupContrast>,
    /// How the themes were made: `chorus themes`' parameters (`themes/params.json`) and the
    /// embedding model's id.
    pub method: Method,
    pub suppressed_cells: usize,
    pub summary: String,
}

/// Wilson score interval for `x` successes of `n` at 95%.
pub fn wilson(x: f64, n: f64) -> Interval {
    if n <= 0.0 {
        return Interval {
            estimate: 0.0,
            low: 0.0,
            high: 0.0,
        };
    }
    let z = 1.959_963_984_540_054_f64;
    let p = x / n;
    let den = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / den;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / den;
    Interval {
        estimate: p,
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    }
}

/// Mean with a normal-approximation 95% interval.
pub fn mean_interval(values: &[f64]) -> Interval {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n.max(1.0);
    let var = if n > 1.0 {
        values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    let half = 1.959_963_984_540_054 * (var / n.max(1.0)).sqrt();
    Interval {
        estimate: m,
        low: m - half,
        high: m + half,
    }
}

/// The joined unit table: unit, event, participant, theme, frame, country, sector, level.
fn unit_table(ws: &Workspace) -> Result<DataFrame, InsightsError> {
    let assignments = ws.assignments_file();
    if !assignments.is_file() {
        return Err(InsightsError::NoThemes {
            path: ws.root().to_path_buf(),
        });
    }
    let a = read_file(&assignments)?.lazy().select([
        col(col::UNIT_ID),
        col(col::THEME_ID),
        col(col::STATUS),
    ]);
    let units = read_table(ws, Table::Units)?.lazy().select([
        col(col::UNIT_ID),
        col(col::EVENT_ID),
        col(col::PARTICIPANT_ID),
        col(col::QUESTION_ID),
    ]);
    let questions = read_table(ws, Table::Questions)?
        .lazy()
        .select([col(col::QUESTION_ID), col(col::FRAME)]);
    let events = read_table(ws, Table::Events)?.lazy().select([
        col(col::EVENT_ID),
        col(col::COUNTRY),
        col(col::SECTOR),
        col(col::LEVEL),
    ]);
    Ok(units
        .join(
            a,
            [col(col::UNIT_ID)],
            [col(col::UNIT_ID)],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            questions,
            [col(col::QUESTION_ID)],
            [col(col::QUESTION_ID)],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            events,
            [col(col::EVENT_ID)],
            [col(col::EVENT_ID)],
            JoinArgs::new(JoinType::Left),
        )
        .with_column(col(col::COUNTRY).fill_null(lit("unknown")))
        .collect()?)
}

/// (group value, theme) -> (units, participants), and group value -> units, over `by`.
type Counts = (
    BTreeMap<(String, String), (u64, u64)>,
    BTreeMap<String, u64>,
);

fn counts(units: &DataFrame, by: &str) -> Result<Counts, InsightsError> {
    let g = units
        .clone()
        .lazy()
        .filter(col(by).is_not_null().and(col(col::THEME_ID).is_not_null()))
        .group_by([col(by), col(col::THEME_ID)])
        .agg([
            len().alias("units"),
            col(col::PARTICIPANT_ID).n_unique().alias("participants"),
        ])
        .collect()?;
    let (gv, tv) = (str_column(&g, by)?, str_column(&g, col::THEME_ID)?);
    let n = g.column("units")?.cast(&DataType::UInt64)?;
    let p = g.column("participants")?.cast(&DataType::UInt64)?;
    let mut cells = BTreeMap::new();
    for (i, (gk, tk)) in gv.into_iter().zip(tv).enumerate() {
        if let (Some(gk), Some(tk)) = (gk, tk) {
            cells.insert(
                (gk, tk),
                (n.u64()?.get(i).unwrap_or(0), p.u64()?.get(i).unwrap_or(0)),
            );
        }
    }
    let t = units
        .clone()
        .lazy()
        .filter(col(by).is_not_null())
        .group_by([col(by)])
        .agg([len().alias("units")])
        .collect()?;
    let totals = str_column(&t, by)?
        .into_iter()
        .zip(t.column("units")?.cast(&DataType::UInt64)?.u64()?.iter())
        .filter_map(|(k, v)| Some((k?, v?)))
        .collect();
    Ok((cells, totals))
}

/// The group where the theme is most prevalent, among two or more shown groups.
fn strongest(cells: &BTreeMap<String, Cell>) -> Option<(&str, f64)> {
    let shown: Vec<(&str, f64)> = cells
        .iter()
        .filter(|(g, _)| *g != "unknown")
        .filter_map(|(g, c)| Some((g.as_str(), c.value?)))
        .collect();
    if shown.len() < 2 {
        return None;
    }
    shown
        .into_iter()
        .filter(|(_, v)| *v > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(a.0)))
}

/// (theme, event, frame) -> (units, participants), over units with a theme and a frame.
type EventFrames = BTreeMap<(String, String, String), (u64, u64)>;

fn event_frame_counts(units: &DataFrame) -> Result<EventFrames, InsightsError> {
    let g = units
        .clone()
        .lazy()
        .filter(
            col(col::THEME_ID)
                .is_not_null()
                .and(col(col::FRAME).is_not_null()),
        )
        .group_by([col(col::THEME_ID), col(col::EVENT_ID), col(col::FRAME)])
        .agg([
            len().alias("units"),
            col(col::PARTICIPANT_ID).n_unique().alias("participants"),
        ])
        .collect()?;
    let n = g.column("units")?.cast(&DataType::UInt64)?;
    let p = g.column("participants")?.cast(&DataType::UInt64)?;
    let mut out = BTreeMap::new();
    for (i, ((t, e), f)) in str_column(&g, col::THEME_ID)?
        .into_iter()
        .zip(str_column(&g, col::EVENT_ID)?)
        .zip(str_column(&g, col::FRAME)?)
        .enumerate()
    {
        if let (Some(t), Some(e), Some(f)) = (t, e, f) {
            let counts = (n.u64()?.get(i).unwrap_or(0), p.u64()?.get(i).unwrap_or(0));
            out.insert((t, e, f), counts);
        }
    }
    Ok(out)
}

/// The events where `theme` leans to "keep" and those where it leans to "leave behind" (more
/// of its units under that frame than under the other), when both lists are non-empty.
fn flip(counts: &EventFrames, theme: &str, k: usize) -> Option<Flip> {
    let mut per_event: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for ((t, e, f), &(u, _)) in counts {
        if t != theme {
            continue;
        }
        let entry = per_event.entry(e).or_default();
        match f.as_str() {
            "keep" => entry.0 += u,
            "leave_behind" => entry.1 += u,
            _ => {}
        }
    }
    let mut flip = Flip {
        keep: Vec::new(),
        leave_behind: Vec::new(),
    };
    for (e, (keep, leave)) in per_event {
        // k participants behind the leaning frame's units in that event
        let larger = counts
            .get(&(
                theme.to_string(),
                e.to_string(),
                if keep > leave { "keep" } else { "leave_behind" }.to_string(),
            ))
            .map_or(0, |c| c.1);
        if (larger as usize) < k || keep == leave {
            continue;
        }
        if keep > leave {
            flip.keep.push(e.to_string());
        } else {
            flip.leave_behind.push(e.to_string());
        }
    }
    (!flip.keep.is_empty() && !flip.leave_behind.is_empty()).then_some(flip)
}

/// How many distinctive themes a group lists at most.
pub const TOP_DISTINCTIVE: usize = 3;

/// The distinctive themes of each group along one dimension. The prior is the themes' shares
/// over all groups, weighted as one average group (so a small group is pulled towards the
/// corpus, a large one less); a theme is listed when its z-score is at least 1.96, it is more
/// prevalent in the group than in the rest, and its cell rests on at least `k` participants.
fn contrasts(
    by: &str,
    cells: &BTreeMap<(String, String), (u64, u64)>,
    labels: &BTreeMap<String, String>,
    k: usize,
) -> Vec<GroupContrast> {
    let mut groups: BTreeMap<&str, u64> = BTreeMap::new();
    let mut themes: BTreeMap<&str, u64> = BTreeMap::new();
    for ((g, t), &(u, _)) in cells {
        if g == "unknown" || !labels.contains_key(t) {
            continue;
        }
        *groups.entry(g).or_default() += u;
        *themes.entry(t).or_default() += u;
    }
    let total: u64 = groups.values().sum();
    if groups.len() < 2 || total == 0 {
        return Vec::new();
    }
    let a0 = total as f64 / groups.len() as f64;
    let mut out = Vec::new();
    for (&g, &n_g) in &groups {
        let n_r = (total - n_g) as f64;
        let n_g = n_g as f64;
        let mut listed = Vec::new();
        for (&t, &n_t) in &themes {
            let (y_g, p_g) = cells
                .get(&(g.to_string(), t.to_string()))
                .copied()
                .unwrap_or((0, 0));
            let alpha = a0 * n_t as f64 / total as f64;
            let y_r = (n_t - y_g) as f64;
            let yg = y_g as f64;
            let log_odds = ((yg + alpha) / (n_g + a0 - yg - alpha)).ln()
                - ((y_r + alpha) / (n_r + a0 - y_r - alpha)).ln();
            let z = log_odds / (1.0 / (yg + alpha) + 1.0 / (y_r + alpha)).sqrt();
            if z >= 1.96 && (p_g as usize) >= k {
                listed.push(DistinctiveTheme {
                    theme: t.to_string(),
                    label: labels[t].clone(),
                    units: y_g,
                    participants: p_g,
                    share: yg / n_g.max(1.0),
                    rest_share: y_r / n_r.max(1.0),
                    log_odds,
                    z,
                });
            }
        }
        listed.sort_by(|a, b| b.z.total_cmp(&a.z).then(a.theme.cmp(&b.theme)));
        listed.truncate(TOP_DISTINCTIVE);
        out.push(GroupContrast {
            by: by.to_string(),
            group: g.to_string(),
            themed_units: n_g as u64,
            themes: listed,
        });
    }
    out
}

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

pub fn compute(ws: &Workspace, cfg: &InsightsConfig) -> Result<Insights, InsightsError> {
    let _span = tracing::info_span!("insights").entered();
    let k = cfg.k.max(1);
    let units = unit_table(ws)?;
    let themes = read_file(&ws.themes_file())?;
    let (ids, parents, labels, keywords) = (
        str_column(&themes, col::THEME_ID)?,
        str_column(&themes, col::PARENT_ID)?,
        str_column(&themes, col::LABEL)?,
        str_column(&themes, col::KEYWORDS)?,
    );
    let sizes: Vec<u64> = themes
        .column(col::SIZE)?
        .cast(&DataType::UInt64)?
        .u64()?
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect();
    let subthemes_of = |parent: &str| -> Vec<Subtheme> {
        let mut subs: Vec<Subtheme> = (0..ids.len())
            .filter(|&j| parents[j].as_deref() == Some(parent))
            .map(|j| Subtheme {
                id: ids[j].clone().unwrap_or_default(),
                label: labels[j].clone().unwrap_or_default(),
                units: sizes[j],
            })
            .collect();
        subs.sort_by(|a, b| b.units.cmp(&a.units).then(a.id.cmp(&b.id)));
        subs
    };

    let n_units = units.height() as u64;
    let events: BTreeSet<String> = str_column(&units, col::EVENT_ID)?
        .into_iter()
        .flatten()
        .collect();
    let countries: BTreeSet<String> = str_column(&units, col::COUNTRY)?
        .into_iter()
        .flatten()
        .filter(|c| c != "unknown")
        .collect();
    let participants = units.column(col::PARTICIPANT_ID)?.n_unique()? as u64
        - u64::from(units.column(col::PARTICIPANT_ID)?.null_count() > 0);
    let themed = units
        .clone()
        .lazy()
        .filter(col(col::THEME_ID).is_not_null())
        .collect()?;
    let themed_participants = themed
        .column(col::PARTICIPANT_ID)?
        .drop_nulls()
        .n_unique()? as u64;
    let themed_events: BTreeSet<String> = str_column(&themed, col::EVENT_ID)?
        .into_iter()
        .flatten()
        .collect();
    let overview = Overview {
        events: events.len(),
        countries: countries.iter().cloned().collect(),
        participants,
        units: n_units,
        themed_units: themed.height() as u64,
        unit_coverage: themed.height() as f64 / n_units.max(1) as f64,
        participant_coverage: themed_participants as f64 / participants.max(1) as f64,
        events_without_theme: events.difference(&themed_events).cloned().collect(),
        no_content_units: units
            .column(col::STATUS)?
            .str()?
            .iter()
            .filter(|s| *s == Some("no_content"))
            .count() as u64,
    };

    let (by_event, event_totals) = counts(&units, col::EVENT_ID)?;
    let (by_frame, frame_totals) = counts(&units, col::FRAME)?;
    let (by_country, country_totals) = counts(&units, col::COUNTRY)?;
    let (by_sector, sector_totals) = counts(&units, col::SECTOR)?;
    let (by_level, level_totals) = counts(&units, col::LEVEL)?;
    let event_frames = event_frame_counts(&units)?;
    let (theme_totals, theme_people) = {
        let g = themed
            .clone()
            .lazy()
            .group_by([col(col::THEME_ID)])
            .agg([
                len().alias("n"),
                col(col::PARTICIPANT_ID).drop_nulls().n_unique().alias("p"),
            ])
            .collect()?;
        let ids = str_column(&g, col::THEME_ID)?;
        let n = g.column("n")?.cast(&DataType::UInt64)?;
        let p = g.column("p")?.cast(&DataType::UInt64)?;
        let pairs = |c: &Column| -> Result<BTreeMap<String, u64>, InsightsError> {
            Ok(ids
                .iter()
                .cloned()
                .zip(c.u64()?.iter())
                .filter_map(|(t, v)| Some((t?, v?)))
                .collect())
        };
        (pairs(&n)?, pairs(&p)?)
    };
    let mut suppressed = 0;
    let mut out = Vec::new();
    for i in 0..ids.len() {
        let (Some(id), None) = (&ids[i], &parents[i]) else {
            continue;
        };
        let cells = |table: &BTreeMap<(String, String), (u64, u64)>,
                     totals: &BTreeMap<String, u64>,
                     suppressed: &mut usize|
         -> BTreeMap<String, Cell> {
            totals
                .iter()
                .map(|(g, &total)| {
                    let (u, p) = table
                        .get(&(g.clone(), id.clone()))
                        .copied()
                        .unwrap_or((0, 0));
                    let c = Cell::new(u as f64 / total.max(1) as f64, u, p, k);
                    // a zero is not a disclosure; a small non-zero count is
                    let c = if u == 0 {
                        Cell {
                            value: Some(0.0),
                            units: Some(0),
                            participants: Some(0),
                            suppressed: false,
                        }
                    } else {
                        c
                    };
                    *suppressed += usize::from(c.suppressed);
                    (g.clone(), c)
                })
                .collect()
        };
        let be = cells(&by_event, &event_totals, &mut suppressed);
        let bf = cells(&by_frame, &frame_totals, &mut suppressed);
        let bc = cells(&by_country, &country_totals, &mut suppressed);
        let bs = cells(&by_sector, &sector_totals, &mut suppressed);
        let bl = cells(&by_level, &level_totals, &mut suppressed);
        let flip = flip(&event_frames, id, k);
        let raised: Vec<&String> = event_totals
            .keys()
            .filter(|e| {
                by_event
                    .get(&((*e).clone(), id.clone()))
                    .is_some_and(|c| c.0 > 0)
            })
            .collect();
        let theme_countries: BTreeSet<String> = country_totals
            .keys()
            .filter(|c| {
                *c != "unknown"
                    && by_country
                        .get(&((*c).clone(), id.clone()))
                        .is_some_and(|x| x.0 > 0)
            })
            .cloned()
            .collect();
        let shares: Vec<f64> = event_totals
            .iter()
            .map(|(e, &t)| {
                by_event
                    .get(&(e.clone(), id.clone()))
                    .map_or(0.0, |c| c.0 as f64 / t.max(1) as f64)
            })
            .collect();
        let pooled = shares.iter().sum::<f64>() / shares.len().max(1) as f64;
        let main_frame = bf
            .iter()
            .filter_map(|(f, c)| c.value.filter(|v| *v > 0.0).map(|v| (f.clone(), v)))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(f, _)| f);
        let units_n = theme_totals.get(id).copied().unwrap_or(0);
        let label = labels[i].clone().unwrap_or_default();
        let frame_words = |f: &str| match f {
            "leave_behind" => "something to leave behind",
            "keep" => "something to keep",
            "do_differently" => "something to do differently",
            _ => "",
        };
        let mut summary = format!(
            "{label}: raised in {} of {} events{}, {} of all units (on average {} of an event's units).",
            raised.len(),
            event_totals.len(),
            if theme_countries.is_empty() { String::new() } else { format!(" in {} countries", theme_countries.len()) },
            pct(units_n as f64 / n_units.max(1) as f64),
            pct(pooled)
        );
        if let Some(f) = &main_frame {
            summary.push_str(&format!(
                " Mostly raised as {} ({} of those answers).",
                frame_words(f),
                pct(bf[f].value.unwrap_or(0.0))
            ));
        }
        if let Some(f) = &flip {
            summary.push_str(&format!(
                " Kept in {} and left behind in {} events.",
                f.keep.len(),
                f.leave_behind.len()
            ));
        }
        let strong: Vec<String> = [
            strongest(&bs).map(|(g, v)| format!("in the {g} sector ({})", pct(v))),
            strongest(&bl).map(|(g, v)| format!("at {g} level ({})", pct(v))),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !strong.is_empty() {
            summary.push_str(&format!(" Strongest {}.", strong.join(" and ")));
        }
        out.push(ThemeInsight {
            id: id.clone(),
            label,
            keywords: keywords[i]
                .clone()
                .unwrap_or_default()
                .split("; ")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            units: units_n,
            participants: theme_people.get(id).copied().unwrap_or(0),
            events: raised.len(),
            of_events: event_totals.len(),
            countries: theme_countries.into_iter().collect(),
            pooled_prevalence: pooled,
            overall_share: units_n as f64 / n_units.max(1) as f64,
            by_event: be,
            by_frame: bf,
            by_country: bc,
            by_sector: bs,
            by_level: bl,
            flip,
            main_frame,
            summary,
            subthemes: subthemes_of(id),
        });
    }
    out.sort_by(|a, b| {
        b.pooled_prevalence
            .total_cmp(&a.pooled_prevalence)
            .then(a.id.cmp(&b.id))
    });
    let scales = scale_insights(ws, k, &mut suppressed)?;
    let mut summary = format!(
        "{} events{}, {} participants, {} units; the {} themes shown cover {} of the units and {} of the participants.",
        overview.events,
        match overview.countries.len() {
            0 => String::new(),
            1 => " in 1 country".to_string(),
            c => format!(" in {c} countries"),
        },
        overview.participants,
        overview.units,
        out.len(),
        pct(overview.unit_coverage),
        pct(overview.participant_coverage)
    );
    if overview.no_content_units > 0 {
        summary.push_str(&format!(
            " {} of the units ({}) have no content word (backchannels such as \"Yeah.\" or \"Okay.\") and are left out of the themes.",
            overview.no_content_units,
            pct(overview.no_content_units as f64 / n_units.max(1) as f64)
        ));
    }
    let (consensus, divergence) = votes(ws, k)?;
    let labels: BTreeMap<String, String> = out
        .iter()
        .map(|t| (t.id.clone(), t.label.clone()))
        .collect();
    let contrasts = [
        ("event", &by_event),
        ("country", &by_country),
        ("sector", &by_sector),
        ("level", &by_level),
    ]
    .into_iter()
    .flat_map(|(by, cells)| contrasts(by, cells, &labels, k))
    .collect();
    Ok(Insights {
        k,
        overview,
        themes: out,
        scales,
        consensus,
        divergence,
        contrasts,
        method: Method {
            themes: std::fs::read_to_string(ws.theme_params_file())
                .ok()
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default(),
            model: std::fs::read_to_string(ws.vectors_info_file())
                .ok()
                .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
                .and_then(|v| v["model_id"].as_str().map(str::to_string)),
        },
        suppressed_cells: suppressed,
        summary,
    })
}

/// How many statements the consensus and divergence lists hold.
const TOP_STATEMENTS: usize = 10;

fn votes(
    ws: &Workspace,
    k: usize,
) -> Result<(Vec<StatementVotes>, Vec<StatementVotes>), InsightsError> {
    let questions = read_table(ws, Table::Questions)?;
    let answers = read_table(ws, Table::Answers)?;
    if questions.height() == 0 || answers.height() == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    let vote_q = questions
        .lazy()
        .filter(col(col::KIND).eq(lit("vote")))
        .select([col(col::QUESTION_ID)]);
    let groups = read_table(ws, Table::Participants)?
        .lazy()
        .select([col(col::PARTICIPANT_ID), col(col::GROUP)]);
    let v = answers
        .lazy()
        .join(
            vote_q,
            [col(col::QUESTION_ID)],
            [col(col::QUESTION_ID)],
            JoinArgs::new(JoinType::Inner),
        )
        .join(
            groups,
            [col(col::PARTICIPANT_ID)],
            [col(col::PARTICIPANT_ID)],
            JoinArgs::new(JoinType::Left),
        )
        .filter(
            col(col::UNIT_ID)
                .is_not_null()
                .and(col(col::VALUE).is_not_null()),
        )
        .collect()?;
    if v.height() == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    let units = read_table(ws, Table::Units)?;
    let texts: BTreeMap<String, (String, String)> = str_column(&units, col::UNIT_ID)?
        .into_iter()
        .zip(
            str_column(&units, col::EVENT_ID)?
                .into_iter()
                .zip(str_column(&units, col::TEXT)?),
        )
        .filter_map(|(u, (e, t))| Some((u?, (e?, t?))))
        .collect();
    // unit -> (agree, disagree, total, group -> (agree, total))
    type Tally = (u64, u64, u64, BTreeMap<String, (u64, u64)>);
    let mut tally: BTreeMap<String, Tally> = BTreeMap::new();
    let values: Vec<Option<f64>> = v.column(col::VALUE)?.f64()?.iter().collect();
    for ((u, g), val) in str_column(&v, col::UNIT_ID)?
        .into_iter()
        .zip(str_column(&v, col::GROUP)?)
        .zip(values)
    {
        let (Some(u), Some(val)) = (u, val) else {
            continue;
        };
        let t = tally.entry(u).or_default();
        t.0 += u64::from(val > 0.0);
        t.1 += u64::from(val < 0.0);
        t.2 += 1;
        if let Some(g) = g {
            let gt = t.3.entry(g).or_default();
            gt.0 += u64::from(val > 0.0);
            gt.1 += 1;
        }
    }
    let mut all: Vec<StatementVotes> = tally
        .into_iter()
        .filter(|(_, t)| t.2 as usize >= k)
        .filter_map(|(u, (a, d, n, g))| {
            let (event, text) = texts.get(&u)?.clone();
            let groups: BTreeMap<String, f64> = g
                .into_iter()
                .filter(|(_, (_, gn))| *gn as usize >= k)
                .map(|(name, (ga, gn))| (name, ga as f64 / gn as f64))
                .collect();
            let (min, max) = groups
                .values()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                    (lo.min(x), hi.max(x))
                });
            let two = groups.len() >= 2;
            Some(StatementVotes {
                unit_id: u,
                event,
                text,
                votes: n,
                agree: a as f64 / n as f64,
                disagree: d as f64 / n as f64,
                groups,
                min_group_agree: two.then_some(min),
                spread: two.then_some(max - min),
            })
        })
        .collect();
    let consensus_key = |s: &StatementVotes| s.min_group_agree.unwrap_or(s.agree);
    all.sort_by(|a, b| {
        consensus_key(b)
            .total_cmp(&consensus_key(a))
            .then(b.votes.cmp(&a.votes))
            .then(a.unit_id.cmp(&b.unit_id))
    });
    let consensus: Vec<StatementVotes> = all.iter().take(TOP_STATEMENTS).cloned().collect();
    let mut split: Vec<StatementVotes> = all.into_iter().filter(|s| s.spread.is_some()).collect();
    split.sort_by(|a, b| {
        b.spread
            .unwrap_or(0.0)
            .total_cmp(&a.spread.unwrap_or(0.0))
            .then(b.votes.cmp(&a.votes))
            .then(a.unit_id.cmp(&b.unit_id))
    });
    split.truncate(TOP_STATEMENTS);
    Ok((consensus, split))
}

fn scale_insights(
    ws: &Workspace,
    k: usize,
    suppressed: &mut usize,
) -> Result<Vec<ScaleInsight>, InsightsError> {
    let questions = read_table(ws, Table::Questions)?;
    if questions.height() == 0 {
        return Ok(Vec::new());
    }
    let scale_q = questions
        .clone()
        .lazy()
        .filter(col(col::KIND).eq(lit("scale")))
        .collect()?;
    let answers = read_table(ws, Table::Answers)?;
    if scale_q.height() == 0 || answers.height() == 0 {
        return Ok(Vec::new());
    }
    let events = read_table(ws, Table::Events)?.lazy().select([
        col(col::EVENT_ID),
        col(col::COUNTRY),
        col(col::SECTOR),
        col(col::LEVEL),
    ]);
    let participants = read_table(ws, Table::Participants)?.lazy().select([
        col(col::PARTICIPANT_ID),
        col(col::COUNTRY).alias("p_country"),
        col(col::SECTOR).alias("p_sector"),
    ]);
    let joined = answers
        .lazy()
        .join(
            scale_q.clone().lazy().select([
                col(col::QUESTION_ID),
                col(col::KEY),
                col(col::TEXT),
                col(col::SCALE_MIN),
                col(col::SCALE_MAX),
            ]),
            [col(col::QUESTION_ID)],
            [col(col::QUESTION_ID)],
            JoinArgs::new(JoinType::Inner),
        )
        .join(
            events,
            [col(col::EVENT_ID)],
            [col(col::EVENT_ID)],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            participants,
            [col(col::PARTICIPANT_ID)],
            [col(col::PARTICIPANT_ID)],
            JoinArgs::new(JoinType::Left),
        )
        // a respondent's own country when given, else the event's
        .with_column(
            col("p_country")
                .fill_null(col(col::COUNTRY))
                .fill_null(lit("unknown"))
                .alias("group_country"),
        )
        .with_column(
            col("p_sector")
                .fill_null(col(col::SECTOR))
                .alias("group_sector"),
        )
        .filter(col(col::VALUE).is_not_null())
        .collect()?;
    let keys = str_column(&joined, col::KEY)?;
    let texts = str_column(&joined, col::TEXT)?;
    let groups = str_column(&joined, "group_country")?;
    let sectors = str_column(&joined, "group_sector")?;
    let levels = str_column(&joined, col::LEVEL)?;
    let values: Vec<Option<f64>> = joined.column(col::VALUE)?.f64()?.iter().collect();
    let lo: Vec<Option<f64>> = joined.column(col::SCALE_MIN)?.f64()?.iter().collect();
    let hi: Vec<Option<f64>> = joined.column(col::SCALE_MAX)?.f64()?.iter().collect();
    let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, key) in keys.iter().enumerate() {
        if let Some(key) = key {
            by_key.entry(key.clone()).or_default().push(i);
        }
    }
    let group = |by: &'static str,
                 name: String,
                 rows: &[usize],
                 top: f64,
                 suppressed: &mut usize|
     -> ScaleGroup {
        let vals: Vec<f64> = rows.iter().filter_map(|&r| values[r]).collect();
        let n = vals.len() as u64;
        if (n as usize) < k {
            *suppressed += 1;
            return ScaleGroup {
                by,
                group: name,
                n,
                suppressed: true,
                mean: None,
                top_two: None,
                distribution: BTreeMap::new(),
            };
        }
        let mut distribution = BTreeMap::new();
        for v in &vals {
            *distribution.entry(format!("{v}")).or_insert(0) += 1;
        }
        let top_count = vals.iter().filter(|&&v| v >= top - 1.0).count() as f64;
        ScaleGroup {
            by,
            group: name,
            n,
            suppressed: false,
            mean: Some(mean_interval(&vals)),
            top_two: Some(wilson(top_count, n as f64)),
            distribution,
        }
    };
    let mut out = Vec::new();
    for (key, rows) in by_key {
        let (min, max) = (lo[rows[0]].unwrap_or(1.0), hi[rows[0]].unwrap_or(5.0));
        let overall = group("all", "all".into(), &rows, max, suppressed);
        // rows without a value of the dimension are in no group of it
        let mut by = |dim: &'static str, of: &[Option<String>]| -> Vec<ScaleGroup> {
            let mut per: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            for &r in &rows {
                if let Some(g) = &of[r] {
                    per.entry(g.clone()).or_default().push(r);
                }
            }
            per.into_iter()
                .map(|(g, rs)| group(dim, g, &rs, max, suppressed))
                .collect()
        };
        let (by_country, by_sector, by_level) = (
            by("country", &groups),
            by("sector", &sectors),
            by("level", &levels),
        );
        let text = texts[rows[0]].clone().unwrap_or_default();
        let summary = match &overall.top_two {
            Some(t) => format!(
                "{} (95% CI {}-{}) of {} respondents answered {} or {} to \"{}\"; mean {:.2} (95% CI {:.2}-{:.2}).",
                pct(t.estimate),
                pct(t.low),
                pct(t.high),
                overall.n,
                max - 1.0,
                max,
                text,
                overall.mean.as_ref().map_or(0.0, |m| m.estimate),
                overall.mean.as_ref().map_or(0.0, |m| m.low),
                overall.mean.as_ref().map_or(0.0, |m| m.high)
            ),
            None => format!("\"{text}\": fewer than {k} answers; withheld."),
        };
        out.push(ScaleInsight {
            key,
            text,
            scale: (min, max),
            overall,
            by_country,
            by_sector,
            by_level,
            summary,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_reference() {
        // 72 of 100: Wilson 95% interval 0.6251-0.7986 (computed independently from the formula)
        let w = wilson(72.0, 100.0);
        assert!(
            (w.low - 0.6251).abs() < 5e-4 && (w.high - 0.7986).abs() < 5e-4,
            "{w:?}"
        );
        let m = mean_interval(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert!((m.estimate - 3.0).abs() < 1e-12);
        assert!((m.high - m.low - 2.0 * 1.959963984540054 * (2.5f64 / 5.0).sqrt()).abs() < 1e-9);
    }

    #[test]
    fn small_cells_are_withheld() {
        assert!(Cell::new(0.5, 3, 4, 5).suppressed);
        assert_eq!(Cell::new(0.5, 9, 5, 5).value, Some(0.5));
    }

    fn cells(rows: &[(&str, &str, u64, u64)]) -> BTreeMap<(String, String), (u64, u64)> {
        rows.iter()
            .map(|&(g, t, u, p)| ((g.to_string(), t.to_string()), (u, p)))
            .collect()
    }

    #[test]
    fn distinctive_themes_by_weighted_log_odds() {
        // theme "a" is 60 of group x's 100 units and 20 of y's 100; "b" is the rest
        let c = cells(&[
            ("x", "a", 60, 40),
            ("x", "b", 40, 30),
            ("y", "a", 20, 15),
            ("y", "b", 80, 60),
        ]);
        let labels = [("a", "A"), ("b", "B")]
            .map(|(t, l)| (t.to_string(), l.to_string()))
            .into_iter()
            .collect();
        let out = contrasts("event", &c, &labels, 5);
        let x = out.iter().find(|g| g.group == "x").unwrap();
        assert_eq!(x.themes.len(), 1);
        let d = &x.themes[0];
        assert_eq!(d.theme, "a");
        // by hand: prior a0 = 100, alpha_a = 40, alpha_b = 60
        // delta = ln(100/100) - ln(60/140) = 0.8473; var = 1/100 + 1/60
        let delta = (100.0f64 / 100.0).ln() - (60.0f64 / 140.0).ln();
        assert!((d.log_odds - delta).abs() < 1e-9, "{}", d.log_odds);
        assert!((d.z - delta / (1.0 / 100.0 + 1.0 / 60.0f64).sqrt()).abs() < 1e-9);
        assert!((d.share - 0.6).abs() < 1e-12 && (d.rest_share - 0.2).abs() < 1e-12);
        let y = out.iter().find(|g| g.group == "y").unwrap();
        assert_eq!(y.themes[0].theme, "b");
        // the same contrast resting on fewer than k participants is not listed
        assert!(contrasts("event", &c, &labels, 70)
            .iter()
            .all(|g| g.themes.is_empty()));
        // equal shares set no group apart
        let even = cells(&[
            ("x", "a", 50, 40),
            ("x", "b", 50, 30),
            ("y", "a", 50, 15),
            ("y", "b", 50, 60),
        ]);
        assert!(contrasts("event", &even, &labels, 5)
            .iter()
            .all(|g| g.themes.is_empty()));
    }

    #[test]
    fn a_theme_flips_when_events_lean_to_opposite_frames() {
        let mut c = EventFrames::new();
        let mut put = |e: &str, f: &str, u: u64, p: u64| {
            c.insert(("t".into(), e.into(), f.into()), (u, p));
        };
        put("e1", "keep", 9, 8);
        put("e1", "leave_behind", 2, 2);
        put("e2", "leave_behind", 7, 6);
        put("e3", "keep", 3, 3); // too few people to count
        let f = flip(&c, "t", 5).unwrap();
        assert_eq!(f.keep, ["e1"]);
        assert_eq!(f.leave_behind, ["e2"]);
        assert!(flip(&c, "t", 7).is_none());
    }
}
