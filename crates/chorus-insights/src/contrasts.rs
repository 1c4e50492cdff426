//! Contrasts: the themes that set one group (an event, a country, a sector or a level) apart
//! from the rest, by weighted log-odds with an informative Dirichlet prior (Monroe, Colaresi
//! and Quinn 2008) over themed units. Reads the breakdowns' counts; writes nothing.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::prevalence::{Breakdowns, Tally, ThemeInsight};
use crate::UNKNOWN;

/// How many distinctive themes a group lists at most.
pub const TOP_DISTINCTIVE: usize = 3;

/// A theme that sets one group apart from the rest.
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

/// The distinctive themes of every event, country, sector and level, in that order.
pub(crate) fn contrasts(b: &Breakdowns, themes: &[ThemeInsight], k: usize) -> Vec<GroupContrast> {
    let labels: BTreeMap<String, String> = themes
        .iter()
        .map(|t| (t.id.clone(), t.label.clone()))
        .collect();
    [
        ("event", &b.event),
        ("country", &b.country),
        ("sector", &b.sector),
        ("level", &b.level),
    ]
    .into_iter()
    .flat_map(|(by, breakdown)| along(by, &breakdown.cells, &labels, k))
    .collect()
}

/// The distinctive themes of each group along one dimension. The prior is the themes' shares
/// over all groups, weighted as one average group (so a small group is pulled towards the
/// corpus, a large one less); a theme is listed when its z-score is at least 1.96, it is more
/// prevalent in the group than in the rest, and its cell rests on at least `k` participants.
fn along(
    by: &str,
    cells: &BTreeMap<(String, String), Tally>,
    labels: &BTreeMap<String, String>,
    k: usize,
) -> Vec<GroupContrast> {
    let mut groups: BTreeMap<&str, u64> = BTreeMap::new();
    let mut themes: BTreeMap<&str, u64> = BTreeMap::new();
    for ((g, t), tally) in cells {
        if g == UNKNOWN || !labels.contains_key(t) {
            continue;
        }
        *groups.entry(g).or_default() += tally.units;
        *themes.entry(t).or_default() += tally.units;
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
            let here = cells
                .get(&(g.to_string(), t.to_string()))
                .copied()
                .unwrap_or_default();
            let alpha = a0 * n_t as f64 / total as f64;
            let y_r = (n_t - here.units) as f64;
            let yg = here.units as f64;
            let log_odds = ((yg + alpha) / (n_g + a0 - yg - alpha)).ln()
                - ((y_r + alpha) / (n_r + a0 - y_r - alpha)).ln();
            let z = log_odds / (1.0 / (yg + alpha) + 1.0 / (y_r + alpha)).sqrt();
            if z >= 1.96 && (here.participants as usize) >= k {
                listed.push(DistinctiveTheme {
                    theme: t.to_string(),
                    label: labels[t].clone(),
                    units: here.units,
                    participants: here.participants,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(rows: &[(&str, &str, u64, u64)]) -> BTreeMap<(String, String), Tally> {
        rows.iter()
            .map(|&(g, t, units, participants)| {
                let tally = Tally {
                    units,
                    participants,
                };
                ((g.to_string(), t.to_string()), tally)
            })
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
        let out = along("event", &c, &labels, 5);
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
        assert!(along("event", &c, &labels, 70)
            .iter()
            .all(|g| g.themes.is_empty()));
        // equal shares set no group apart
        let even = cells(&[
            ("x", "a", 50, 40),
            ("x", "b", 50, 30),
            ("y", "a", 50, 15),
            ("y", "b", 50, 60),
        ]);
        assert!(along("event", &even, &labels, 5)
            .iter()
            .all(|g| g.themes.is_empty()));
    }
}
