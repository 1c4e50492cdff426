//! Prevalence: per theme, in how many events and countries it was raised; its share of each
//! event's units (so a large event does not drown a small one), pooled as the mean of those
//! shares; its share of each question frame's, country's, sector's and level's units; and the
//! frame it is raised under most. Reads the joined unit table and the themes; writes nothing.

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::Serialize;

use chorus_core::model::col;
use chorus_core::store::str_column;

use crate::disclosure::Cell;
use crate::flips::{Flip, Leanings};
use crate::frames::ThemeRow;
use crate::{InsightsError, UNKNOWN};

#[derive(Debug, Clone, Serialize)]
pub struct ThemeInsight {
    pub id: String,
    pub label: String,
    pub keywords: Vec<String>,
    /// The language of its label and keywords ("" for a label from the codebook).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub lang: String,
    /// (language, keywords) of its units in its other languages.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_keywords: Vec<(String, Vec<String>)>,
    /// What its units say, in their words, with what stands behind each key point.
    pub key_points: Vec<crate::key_points::KeyPoint>,
    pub units: u64,
    pub participants: u64,
    pub events: usize,
    pub of_events: usize,
    pub countries: Vec<String>,
    /// Mean over events of the theme's share of each event's units.
    pub pooled_prevalence: f64,
    /// A 95% interval for it from how much the events differ (mean +- 1.96 standard errors of
    /// the events' shares, within 0..1); `None` with fewer than two events.
    pub pooled_interval: Option<[f64; 2]>,
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
    /// The theme's subthemes, largest first.
    pub subthemes: Vec<Subtheme>,
}

impl ThemeInsight {
    /// The theme's cells of every breakdown: by event, frame, country, sector and level.
    pub fn breakdowns(&self) -> [&BTreeMap<String, Cell>; 5] {
        [
            &self.by_event,
            &self.by_frame,
            &self.by_country,
            &self.by_sector,
            &self.by_level,
        ]
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Subtheme {
    pub id: String,
    pub label: String,
    pub units: u64,
}

/// The units and distinct participants behind a figure.
/// Participants of a group in a theme for the group to count as raising it.
pub const RAISED_BY: u64 = 2;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Tally {
    pub units: u64,
    pub participants: u64,
}

/// The rows of one combination of key values, and how many units and participants they hold.
pub(crate) struct Counted {
    pub key: Vec<String>,
    pub tally: Tally,
}

/// Units and participants (as `participants` counts them) per combination of the `keys`
/// columns, over the rows where every key is set.
pub(crate) fn count_by(
    units: &DataFrame,
    keys: &[&str],
    participants: Expr,
) -> Result<Vec<Counted>, InsightsError> {
    let set = keys
        .iter()
        .map(|k| col(*k).is_not_null())
        .reduce(Expr::and)
        .unwrap_or(lit(true));
    let g = units
        .clone()
        .lazy()
        .filter(set)
        .group_by(keys.iter().map(|k| col(*k)).collect::<Vec<_>>())
        .agg([len().alias("units"), participants.alias("participants")])
        .collect()?;
    let n = g.column("units")?.cast(&DataType::UInt64)?;
    let p = g.column("participants")?.cast(&DataType::UInt64)?;
    let (n, p) = (n.u64()?, p.u64()?);
    let columns = keys
        .iter()
        .map(|k| str_column(&g, k))
        .collect::<PolarsResult<Vec<_>>>()?;
    Ok((0..g.height())
        .filter_map(|i| {
            Some(Counted {
                key: columns
                    .iter()
                    .map(|c| c[i].clone())
                    .collect::<Option<_>>()?,
                tally: Tally {
                    units: n.get(i).unwrap_or(0),
                    participants: p.get(i).unwrap_or(0),
                },
            })
        })
        .collect())
}

/// One dimension of the units (event, frame, country, sector or level): each group's units per
/// theme, and each group's units in all.
pub(crate) struct Breakdown {
    /// (group, theme) -> the theme's units in the group.
    pub cells: BTreeMap<(String, String), Tally>,
    /// group -> all its units.
    pub totals: BTreeMap<String, u64>,
}

impl Breakdown {
    fn count(units: &DataFrame, by: &str) -> Result<Self, InsightsError> {
        let cells = count_by(
            units,
            &[by, col::THEME_ID],
            col(col::PARTICIPANT_ID).n_unique(),
        )?
        .into_iter()
        .filter_map(|c| match <[String; 2]>::try_from(c.key) {
            Ok([group, theme]) => Some(((group, theme), c.tally)),
            Err(_) => None,
        })
        .collect();
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
        Ok(Breakdown { cells, totals })
    }

    /// The theme's units in `group`.
    fn tally(&self, group: &str, theme: &str) -> Tally {
        self.cells
            .get(&(group.to_string(), theme.to_string()))
            .copied()
            .unwrap_or_default()
    }

    /// The theme's share of each group's units, withheld where too few participants stand
    /// behind it.
    fn shares(&self, theme: &str, k: usize) -> BTreeMap<String, Cell> {
        self.totals
            .iter()
            .map(|(g, &total)| (g.clone(), Cell::share(self.tally(g, theme), total, k)))
            .collect()
    }

    /// The groups that raised the theme: where at least [`RAISED_BY`] participants (or, with
    /// no participants known, as many units) are in it. One stray unit does not make an event
    /// count among those that raised a theme.
    fn raised<'a>(&'a self, theme: &'a str) -> impl Iterator<Item = &'a String> {
        self.totals.keys().filter(move |g| {
            let t = self.tally(g, theme);
            t.participants >= RAISED_BY || (t.participants == 0 && t.units >= RAISED_BY)
        })
    }

    /// A 95% interval for [`Self::pooled`]: the groups' shares' mean +- 1.96 standard errors
    /// (normal approximation, clipped to 0..1); `None` with fewer than two groups.
    fn pooled_interval(&self, theme: &str) -> Option<[f64; 2]> {
        let shares: Vec<f64> = self
            .totals
            .iter()
            .map(|(g, &t)| self.tally(g, theme).units as f64 / t.max(1) as f64)
            .collect();
        let n = shares.len() as f64;
        if shares.len() < 2 {
            return None;
        }
        let mean = shares.iter().sum::<f64>() / n;
        let var = shares.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let half = 1.96 * (var / n).sqrt();
        Some([(mean - half).max(0.0), (mean + half).min(1.0)])
    }

    /// The mean over groups of the theme's share of the group's units.
    fn pooled(&self, theme: &str) -> f64 {
        let sum: f64 = self
            .totals
            .iter()
            .map(|(g, &t)| self.tally(g, theme).units as f64 / t.max(1) as f64)
            .sum();
        sum / self.totals.len().max(1) as f64
    }
}

/// The units counted along each dimension of the breakdowns.
pub(crate) struct Breakdowns {
    pub event: Breakdown,
    pub frame: Breakdown,
    pub country: Breakdown,
    pub sector: Breakdown,
    pub level: Breakdown,
}

impl Breakdowns {
    pub(crate) fn count(units: &DataFrame) -> Result<Self, InsightsError> {
        Ok(Breakdowns {
            event: Breakdown::count(units, col::EVENT_ID)?,
            frame: Breakdown::count(units, col::FRAME)?,
            country: Breakdown::count(units, col::COUNTRY)?,
            sector: Breakdown::count(units, col::SECTOR)?,
            level: Breakdown::count(units, col::LEVEL)?,
        })
    }
}

/// The group where a theme is most prevalent, among the shown non-zero cells; ties go to the
/// group first by name.
pub fn most_prevalent<'a>(
    cells: impl IntoIterator<Item = (&'a String, &'a Cell)>,
) -> Option<(&'a str, f64)> {
    cells
        .into_iter()
        .filter_map(|(g, c)| Some((g.as_str(), c.value?)))
        .filter(|(_, v)| *v > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(a.0)))
}

/// The top-level themes, most prevalent first (pooled over events). `n_units` counts every
/// unit of the workspace, `themed` those in a theme.
pub(crate) fn themes(
    rows: &[ThemeRow],
    themed: &DataFrame,
    breakdowns: &Breakdowns,
    leanings: &Leanings,
    n_units: usize,
    k: usize,
) -> Result<Vec<ThemeInsight>, InsightsError> {
    let tallies = count_by(
        themed,
        &[col::THEME_ID],
        col(col::PARTICIPANT_ID).drop_nulls().n_unique(),
    )?
    .into_iter()
    .filter_map(|c| Some((c.key.into_iter().next()?, c.tally)))
    .collect();
    let figures = Figures {
        breakdowns,
        leanings,
        tallies,
        n_units,
        k,
    };
    let mut out: Vec<ThemeInsight> = rows
        .iter()
        .filter(|r| r.parent.is_none())
        .map(|row| figures.theme(row, subthemes(rows, &row.id)))
        .collect();
    out.sort_by(|a, b| {
        b.pooled_prevalence
            .total_cmp(&a.pooled_prevalence)
            .then(a.id.cmp(&b.id))
    });
    Ok(out)
}

/// What a theme's figures are taken from.
struct Figures<'a> {
    breakdowns: &'a Breakdowns,
    leanings: &'a Leanings,
    /// theme -> its units and participants.
    tallies: BTreeMap<String, Tally>,
    n_units: usize,
    k: usize,
}

impl Figures<'_> {
    fn theme(&self, row: &ThemeRow, subthemes: Vec<Subtheme>) -> ThemeInsight {
        let (b, k, id) = (self.breakdowns, self.k, row.id.as_str());
        let tally = self.tallies.get(id).copied().unwrap_or_default();
        let by_frame = b.frame.shares(id, k);
        ThemeInsight {
            id: row.id.clone(),
            label: row.label.clone(),
            keywords: row.keywords.clone(),
            lang: row.lang.clone(),
            other_keywords: row.other_keywords.clone(),
            key_points: Vec::new(),
            units: tally.units,
            participants: tally.participants,
            events: b.event.raised(id).count(),
            of_events: b.event.totals.len(),
            countries: b
                .country
                .raised(id)
                .filter(|c| *c != UNKNOWN)
                .cloned()
                .collect(),
            pooled_prevalence: b.event.pooled(id),
            pooled_interval: b.event.pooled_interval(id),
            overall_share: tally.units as f64 / self.n_units.max(1) as f64,
            by_event: b.event.shares(id, k),
            main_frame: most_prevalent(&by_frame).map(|(f, _)| f.to_string()),
            by_frame,
            by_country: b.country.shares(id, k),
            by_sector: b.sector.shares(id, k),
            by_level: b.level.shares(id, k),
            flip: self.leanings.flip(id, k),
            subthemes,
        }
    }
}

/// The subthemes of `parent`, largest first.
fn subthemes(rows: &[ThemeRow], parent: &str) -> Vec<Subtheme> {
    let mut subs: Vec<Subtheme> = rows
        .iter()
        .filter(|r| r.parent.as_deref() == Some(parent))
        .map(|r| Subtheme {
            id: r.id.clone(),
            label: r.label.clone(),
            units: r.size,
        })
        .collect();
    subs.sort_by(|a, b| b.units.cmp(&a.units).then(a.id.cmp(&b.id)));
    subs
}
