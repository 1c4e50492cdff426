//! The themes found (by clustering anew, or the last run's kept) and the assignment policy
//! that places each unit in a theme and subtheme, or leaves it unassigned.

use std::collections::HashMap;

use chorus_core::model::Status;
use chorus_core::vectors::UnitVectors;

use crate::cluster::{self, dot};

/// Themes found by clustering, before ids, codebook and assignment.
pub struct Clustering {
    /// Centres of the top themes.
    pub tops: Vec<Vec<f32>>,
    pub subs: Vec<Subtheme>,
    /// Micro-cluster centroids (empty when the last run's themes were kept).
    pub micro: Vec<f32>,
    pub(crate) micro_assign: Vec<(u32, f32)>,
    /// The theme each micro-cluster sits under.
    pub(crate) micro_theme: HashMap<usize, usize>,
    pub(crate) micro_sub: HashMap<usize, usize>,
    /// The theme the clustering put each unit in.
    pub(crate) unit_theme: Vec<Option<usize>>,
    /// The subtheme each unit had in the last run (empty when clustered anew).
    pub(crate) unit_sub: Vec<Option<usize>>,
    /// What the last run did with each unit (empty when clustered anew).
    pub(crate) seen: Vec<Seen>,
}

/// A subtheme as found.
#[derive(Debug, Clone)]
pub struct Subtheme {
    /// Index of its top theme.
    pub theme: usize,
    pub centre: Vec<f32>,
}

/// What the last run did with a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Not there yet.
    New,
    /// Placed in a theme: it stays, with its status, unless a codebook theme is closer.
    Placed { reassigned: bool },
    /// Left unassigned: only a codebook theme can take it now.
    LeftOut,
}

/// A unit's place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// Index of its top theme; `None` when unassigned.
    pub theme: Option<usize>,
    /// Index of its subtheme.
    pub subtheme: Option<usize>,
    /// Similarity to its theme's centre (the nearest theme's when unassigned).
    pub similarity: f32,
    pub status: Status,
}

impl Clustering {
    /// The assignment policy. A unit stays in the theme the clustering put it in when that
    /// theme's centre is at least `bar` similar, unless an `extra` theme (pinned or seeded in
    /// the codebook) is closer; otherwise it goes to the nearest theme at least `bar` similar,
    /// or stays unassigned. Its subtheme is its micro-cluster's when that sits under the same
    /// theme, else the nearest of the theme's subthemes.
    pub fn assign(&self, vectors: &UnitVectors, extra: &[Vec<f32>], bar: f32) -> Vec<Placement> {
        use rayon::prelude::*;
        let tops: Vec<f32> = self
            .tops
            .iter()
            .chain(extra)
            .flat_map(|c| c.iter().copied())
            .collect();
        let best = cluster::assign(&vectors.data, vectors.dim, &tops);
        let mut subs_by_theme: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, s) in self.subs.iter().enumerate() {
            subs_by_theme.entry(s.theme).or_default().push(i);
        }
        (0..best.len())
            .into_par_iter()
            .map(|u| {
                let nearest = (best[u].0 as usize, best[u].1);
                let Some((theme, similarity, status)) = self.theme_of(vectors, u, nearest, bar)
                else {
                    return Placement {
                        theme: None,
                        subtheme: None,
                        similarity: nearest.1,
                        status: Status::Unassigned,
                    };
                };
                Placement {
                    theme: Some(theme),
                    subtheme: self.subtheme_of(vectors, u, theme, &subs_by_theme),
                    similarity,
                    status,
                }
            })
            .collect()
    }

    /// The theme of unit `u` (with its similarity and status), given the `nearest` theme
    /// (an index past `tops` for an extra one) and its similarity; `None` for unassigned.
    fn theme_of(
        &self,
        vectors: &UnitVectors,
        u: usize,
        nearest: (usize, f32),
        bar: f32,
    ) -> Option<(usize, f32, Status)> {
        let seen = self.seen.get(u).copied().unwrap_or(Seen::New);
        let own = self
            .unit_theme
            .get(u)
            .copied()
            .flatten()
            .map(|t| (t, dot(vectors.row(u), &self.tops[t])));
        match own {
            Some((t, s))
                if (s >= bar || matches!(seen, Seen::Placed { .. }))
                    && !(nearest.0 >= self.tops.len() && nearest.1 > s) =>
            {
                let status = match seen {
                    Seen::Placed { reassigned: true } => Status::Reassigned,
                    _ => Status::Clustered,
                };
                Some((t, s, status))
            }
            _ if nearest.1 >= bar && (nearest.0 >= self.tops.len() || seen != Seen::LeftOut) => {
                Some((nearest.0, nearest.1, Status::Reassigned))
            }
            _ => None,
        }
    }

    /// The subtheme of unit `u` in `theme`: its last run's, else its micro-cluster's when that
    /// sits under the same theme, else the nearest of the theme's.
    fn subtheme_of(
        &self,
        vectors: &UnitVectors,
        u: usize,
        theme: usize,
        subs_by_theme: &HashMap<usize, Vec<usize>>,
    ) -> Option<usize> {
        let m = self
            .micro_assign
            .get(u)
            .map_or(usize::MAX, |a| a.0 as usize);
        let under = self.micro_theme.get(&m) == Some(&theme);
        let last = self
            .unit_sub
            .get(u)
            .copied()
            .flatten()
            .filter(|&s| self.subs[s].theme == theme);
        match (last, under, self.micro_sub.get(&m)) {
            (Some(s), _, _) => Some(s),
            (None, true, Some(&s)) => Some(s),
            _ => subs_by_theme
                .get(&theme)
                .and_then(|c| nearest_sub(&self.subs, vectors.row(u), c)),
        }
    }
}

/// The subtheme among `candidates` with the centre most similar to `row` (the lowest index on
/// a tie).
pub(crate) fn nearest_sub(subs: &[Subtheme], row: &[f32], candidates: &[usize]) -> Option<usize> {
    candidates.iter().copied().max_by(|&a, &b| {
        dot(row, &subs[a].centre)
            .total_cmp(&dot(row, &subs[b].centre))
            .then(b.cmp(&a))
    })
}
