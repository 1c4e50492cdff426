//! The codebook's edits applied to the themes found: pinned themes keep their last centre,
//! seeds become themes of their own (both before the units are placed, so they draw units),
//! then merges fold themes into others and splits cut a theme in parts (after).
//!
//! The codebook names themes in the analyst's words, so its ids are compared as text.

use std::collections::BTreeSet;

use chorus_core::model::ThemeId;
use chorus_core::vectors::UnitVectors;

use crate::assign::{Clustering, Placement};
use crate::cluster::{kmeans, normalise};
use crate::codebook::{Codebook, Seed};
use crate::stage::last_run::{LastRun, Start};
use crate::stage::Model;
use crate::ThemesError;

/// The units placed in the themes, the codebook applied.
pub struct Assigned {
    pub clustering: Clustering,
    /// The id of each top theme: the clustering's, then the codebook's and split parts.
    pub top_ids: Vec<ThemeId>,
    pub placement: Vec<Placement>,
    /// Pinned in the codebook, or made from a seed.
    pub pinned: BTreeSet<ThemeId>,
}

/// Places the units in the themes found and in the codebook's pinned and seeded themes.
pub fn pin_and_seed(
    book: &Codebook,
    last: &LastRun,
    start: Start,
    vectors: &UnitVectors,
    model: &mut Model,
    bar: f32,
) -> Result<Assigned, ThemesError> {
    let Start {
        clustering,
        mut top_ids,
        ..
    } = start;
    let mut extra: Vec<Vec<f32>> = Vec::new();
    let mut extra_ids: Vec<ThemeId> = Vec::new();
    let mut pinned: BTreeSet<ThemeId> = BTreeSet::new();
    let mut centres: Vec<Vec<f32>> = clustering.tops.clone();
    for e in book.theme.iter().filter(|e| e.pin) {
        if let Ok(id) = e.id.parse() {
            pinned.insert(id);
        }
        if let Some((id, c)) = last.theme(&e.id) {
            match top_ids.iter().position(|t| t == id) {
                Some(i) => centres[i] = c.clone(),
                None => {
                    extra.push(c.clone());
                    extra_ids.push(id.clone());
                }
            }
        }
    }
    for seed in &book.seed {
        let id = ThemeId::seeded(&seed.label);
        pinned.insert(id.clone());
        extra.push(seed_centre(seed, vectors.dim, model)?);
        extra_ids.push(id);
    }
    let clustering = Clustering {
        tops: centres,
        ..clustering
    };
    let placement = clustering.assign(vectors, &extra, bar);
    top_ids.extend(extra_ids);
    Ok(Assigned {
        clustering,
        top_ids,
        placement,
        pinned,
    })
}

/// The centre of a seed's example phrases.
fn seed_centre(seed: &Seed, dim: usize, model: &mut Model) -> Result<Vec<f32>, ThemesError> {
    let examples: Vec<&str> = seed.examples.iter().map(String::as_str).collect();
    let v = model
        .get()?
        .encode(&examples, 32)
        .map_err(ThemesError::Embed)?;
    let mut c = vec![0f32; dim];
    for x in &v {
        for (a, b) in c.iter_mut().zip(x) {
            *a += b;
        }
    }
    normalise(&mut c);
    Ok(c)
}

/// Folds merged themes into their target, then splits themes in parts by k-means (a theme
/// split in an earlier run is not split again: its units kept their parts).
pub fn merge_and_split(book: &Codebook, a: &mut Assigned, vectors: &UnitVectors, seed: u64) {
    let index_of = |ids: &[ThemeId], id: &str| ids.iter().position(|x| x.as_str() == id);
    for (from, into) in book.merges() {
        if let (Some(f), Some(t)) = (index_of(&a.top_ids, &from), index_of(&a.top_ids, &into)) {
            for p in a.placement.iter_mut().filter(|p| p.theme == Some(f)) {
                p.theme = Some(t);
                p.subtheme = None;
            }
        }
    }
    for e in book
        .theme
        .iter()
        .filter(|e| e.split.is_some_and(|s| s >= 2))
    {
        let Some(t) = index_of(&a.top_ids, &e.id) else {
            continue;
        };
        let parts = e.split.unwrap_or(2);
        let part_ids: Vec<ThemeId> = (2..=parts).map(|p| a.top_ids[t].part(p)).collect();
        if part_ids.iter().all(|id| a.top_ids.contains(id)) {
            continue;
        }
        let members: Vec<usize> = (0..a.placement.len())
            .filter(|&u| a.placement[u].theme == Some(t))
            .collect();
        if members.len() < 4 {
            continue;
        }
        let data: Vec<f32> = members
            .iter()
            .flat_map(|&u| vectors.row(u).iter().copied())
            .collect();
        let (_, part_of) = kmeans(&data, vectors.dim, parts, seed, 50_000, None);
        let mut new_index = vec![t];
        for id in part_ids {
            new_index.push(a.top_ids.iter().position(|x| *x == id).unwrap_or_else(|| {
                a.top_ids.push(id);
                a.top_ids.len() - 1
            }));
        }
        for (i, &u) in members.iter().enumerate() {
            let p = &mut a.placement[u];
            p.theme = Some(new_index[(part_of[i].0 as usize).min(parts - 1)]);
            p.subtheme = None;
        }
    }
}
