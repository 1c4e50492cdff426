//! Insights: cross-event figures about the themes, computed with polars from the corpus frames
//! and the theme assignments, with disclosure control. Numbers only: the report writes the
//! sentences about them.
//!
//! Reads the units, assignments, themes, questions, answers, participants and events through
//! core's readers, and how the themes were made (`themes/params.json`, the vectors'
//! `current.json`); writes nothing (its caller does). `compute` runs one step per file:
//!
//! - `frames.rs`: the units joined with their theme, frame and event; the themes; the method;
//! - `overview.rs`: events, countries, participants, units, and how much the themes cover;
//! - `prevalence.rs`: per theme, in how many events and countries it was raised; its prevalence
//!   per event as a share of that event's units (so a large event does not drown a small one)
//!   and pooled as the mean of those shares; its share of each question frame, country, sector
//!   and level, and the frame it is raised under most;
//! - `flips.rs`: themes kept in some events and left behind in others;
//! - `contrasts.rs`: the themes that set a group apart, by weighted log-odds;
//! - `scales.rs`: scale questions: distribution, mean with a 95% confidence interval, and the
//!   share rating in the top two points with a Wilson interval, overall and per group;
//! - `polis.rs`: Pol.is statements most agreed across opinion groups, and most divisive;
//! - `agenda.rs`: each event's topic segments in order, with title, theme and a quote;
//! - `disclosure.rs`: any breakdown cell resting on fewer than `k` participants is withheld
//!   (`null` with `"suppressed": true`), never shown, and the withheld cells are counted.

mod agenda;
mod contrasts;
mod disclosure;
mod findings;
mod flips;
mod frames;
pub mod key_points;
mod overview;
mod polis;
mod prevalence;
mod scales;

use chorus_core::error::Diagnostic;
use chorus_core::model::Workspace;
use polars::prelude::PolarsError;
use serde::Serialize;

pub use agenda::{AgendaItem, EventAgenda};
pub use contrasts::{DistinctiveTheme, GroupContrast, TOP_DISTINCTIVE};
pub use disclosure::Cell;
pub use findings::{Finding, FindingTheme};
pub use flips::Flip;
pub use frames::Method;
pub use overview::Overview;
pub use polis::{statement_votes, StatementVotes};
pub use prevalence::{most_prevalent, Subtheme, ThemeInsight, RAISED_BY};
pub use scales::{mean_interval, wilson, Interval, ScaleGroup, ScaleInsight};

/// The group of units whose country is not known (neither the event's nor the respondent's).
pub const UNKNOWN: &str = "unknown";

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
    /// Each event's topic segments in spoken order (events with a transcript).
    pub agenda: Vec<EventAgenda>,
    /// For each question frame and free-text question, the themes its answers raised.
    pub findings: Vec<findings::Finding>,
}

/// Every figure of the workspace, with cells resting on fewer than `cfg.k` participants withheld.
pub fn compute(ws: &Workspace, cfg: &InsightsConfig) -> Result<Insights, InsightsError> {
    let _span = tracing::info_span!("insights").entered();
    let k = cfg.k.max(1);
    let units = frames::read_units(ws)?;
    let themed = frames::themed(&units)?;
    let theme_rows = frames::read_themes(ws)?;
    let mut overview = overview::overview(&units, &themed)?;
    let people = chorus_core::store::read_table(ws, chorus_core::model::Table::Participants)?;
    overview.participants_all = overview.participants.max(people.height() as u64);
    overview.event_titles = chorus_core::store::event_titles(ws)?;
    let breakdowns = prevalence::Breakdowns::count(&units)?;
    let leanings = flips::Leanings::count(&units)?;
    let themes = prevalence::themes(
        &theme_rows,
        &themed,
        &breakdowns,
        &leanings,
        units.height(),
        k,
    )?;
    let scales = scales::scales(ws, k)?;
    let statements = polis::statements(ws, k)?;
    let contrasts = contrasts::contrasts(&breakdowns, &themes, k);
    let suppressed_cells = disclosure::suppressed_cells(&themes, &scales);
    let agenda = agenda::agendas(ws, &theme_rows)?;
    let mut points = key_points::key_points(ws, k)?;
    let mut themes = themes;
    for t in &mut themes {
        t.key_points = points.remove(&t.id).unwrap_or_default();
    }
    let findings = findings::findings(ws, &units, &themes, k)?;
    Ok(Insights {
        k,
        overview,
        themes,
        scales,
        consensus: statements.consensus,
        divergence: statements.divergence,
        contrasts,
        method: frames::read_method(ws),
        suppressed_cells,
        agenda,
        findings,
    })
}
