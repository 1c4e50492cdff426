//! The final members of each theme and subtheme once the codebook is applied: small subthemes
//! folded into their nearest sibling, and each unit's similarity taken to its theme's final
//! centre (the one kept for the next run).

use chorus_core::vectors::UnitVectors;

use crate::assign::{nearest_sub, Placement, Subtheme};
use crate::cluster::dot;
use crate::stage::edits::Assigned;
use crate::units::mean_centre;

/// Smallest subtheme, as a share of its theme (and at least 3 units).
const MIN_SUBTHEME_SHARE: f64 = 0.03;

/// The units of each top theme and of each of the clustering's subthemes, in unit order.
pub struct Members {
    pub tops: Vec<Vec<usize>>,
    pub subs: Vec<Vec<usize>>,
}

/// Each theme's and subtheme's units (a unit counts in a subtheme only under its own theme).
pub fn gather(a: &Assigned) -> Members {
    let subs = &a.clustering.subs;
    let mut m = Members {
        tops: vec![Vec::new(); a.top_ids.len()],
        subs: vec![Vec::new(); subs.len()],
    };
    for (u, p) in a.placement.iter().enumerate() {
        if let Some(t) = p.theme {
            m.tops[t].push(u);
            if let Some(s) = p.subtheme {
                if subs[s].theme == t {
                    m.subs[s].push(u);
                }
            }
        }
    }
    m
}

/// A subtheme of a handful of units says little: they join the nearest sibling; a theme left
/// with one subtheme has none.
pub fn prune_subthemes(m: &mut Members, a: &mut Assigned, vectors: &UnitVectors) {
    let subs: &[Subtheme] = &a.clustering.subs;
    for (t, members) in m.tops.iter().enumerate() {
        let mine: Vec<usize> = (0..subs.len())
            .filter(|&s| subs[s].theme == t && !m.subs[s].is_empty())
            .collect();
        let floor = ((members.len() as f64 * MIN_SUBTHEME_SHARE).ceil() as usize).max(3);
        let (small, big): (Vec<usize>, Vec<usize>) =
            mine.iter().partition(|&&s| m.subs[s].len() < floor);
        for s in small {
            for u in std::mem::take(&mut m.subs[s]) {
                let best = nearest_sub(subs, vectors.row(u), &big);
                a.placement[u].subtheme = best;
                if let Some(b) = best {
                    m.subs[b].push(u);
                }
            }
        }
        if big.len() == 1 {
            for u in std::mem::take(&mut m.subs[big[0]]) {
                a.placement[u].subtheme = None;
            }
        }
        for &b in &big {
            m.subs[b].sort_unstable();
        }
    }
}

/// The centre of each group of units.
pub fn centres(vectors: &UnitVectors, groups: &[Vec<usize>]) -> Vec<Vec<f32>> {
    groups
        .iter()
        .map(|m| mean_centre(vectors, m.iter().copied()))
        .collect()
}

/// Takes each unit's similarity to the final centres: its theme's, or the nearest one's for a
/// unit left unassigned.
pub fn rescore(placement: &mut [Placement], vectors: &UnitVectors, top_centres: &[Vec<f32>]) {
    for (u, p) in placement.iter_mut().enumerate() {
        p.similarity = match p.theme {
            Some(t) => dot(vectors.row(u), &top_centres[t]),
            None => top_centres
                .iter()
                .filter(|c| c.iter().any(|&x| x != 0.0))
                .map(|c| dot(vectors.row(u), c))
                .reduce(f32::max)
                .unwrap_or(p.similarity),
        };
    }
}
