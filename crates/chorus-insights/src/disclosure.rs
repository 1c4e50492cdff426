//! Disclosure control: a figure resting on fewer than `k` participants is withheld (`null` with
//! `"suppressed": true`), never shown; and the count of withheld figures the report states.
//! Works on figures already computed; reads and writes nothing.

use serde::Serialize;

use crate::prevalence::{Tally, ThemeInsight};
use crate::scales::ScaleInsight;

/// A figure that may be withheld.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cell {
    pub value: Option<f64>,
    pub units: Option<u64>,
    pub participants: Option<u64>,
    pub suppressed: bool,
}

impl Cell {
    /// `value`, shown when at least `k` participants stand behind it.
    pub(crate) fn new(value: f64, units: u64, participants: u64, k: usize) -> Self {
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

    /// A theme's share of a group's `total` units, its own units being `tally`.
    pub(crate) fn share(tally: Tally, total: u64, k: usize) -> Self {
        // a zero is not a disclosure; a small non-zero count is
        if tally.units == 0 {
            return Cell {
                value: Some(0.0),
                units: Some(0),
                participants: Some(0),
                suppressed: false,
            };
        }
        Cell::new(
            tally.units as f64 / total.max(1) as f64,
            tally.units,
            tally.participants,
            k,
        )
    }
}

/// How many figures are withheld: breakdown cells of the themes and groups of scale questions.
pub(crate) fn suppressed_cells(themes: &[ThemeInsight], scales: &[ScaleInsight]) -> usize {
    let cells = themes
        .iter()
        .flat_map(ThemeInsight::breakdowns)
        .flat_map(|cells| cells.values())
        .filter(|c| c.suppressed)
        .count();
    let groups = scales
        .iter()
        .flat_map(ScaleInsight::groups)
        .filter(|g| g.suppressed)
        .count();
    cells + groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_cells_are_withheld() {
        assert!(Cell::new(0.5, 3, 4, 5).suppressed);
        assert_eq!(Cell::new(0.5, 9, 5, 5).value, Some(0.5));
        let none = Tally {
            units: 0,
            participants: 0,
        };
        assert_eq!(Cell::share(none, 10, 5).value, Some(0.0));
    }
}
