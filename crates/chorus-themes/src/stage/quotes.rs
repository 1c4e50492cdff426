//! Representative quotes: for each theme (5) and subtheme (3), units near its centre, unlike
//! each other, from as many events as possible.

use chorus_core::model::ThemeId;
use chorus_core::vectors::UnitVectors;

use crate::cluster::dot;
use crate::stage::{Group, Groups};
use crate::units::UnitTexts;

/// Quotes of a theme, and of a subtheme.
const THEME_QUOTES: usize = 5;
const SUBTHEME_QUOTES: usize = 3;

/// A quote of a theme, as `quotes.parquet` lists it.
pub struct Quote {
    pub theme: ThemeId,
    /// 1 for the best.
    pub rank: usize,
    pub unit: usize,
    /// Similarity to the theme's centre.
    pub similarity: f32,
}

/// The quotes of every theme, then of every subtheme: first those the codebook pins (`pinned`:
/// theme id -> unit indices), then picked; a theme's picked quotes are never its key points
/// (`key_points`, unit indices).
pub fn quotes(
    vectors: &UnitVectors,
    units: &UnitTexts,
    groups: &Groups,
    key_points: &std::collections::HashSet<usize>,
    pinned: &std::collections::HashMap<String, Vec<usize>>,
) -> Vec<Quote> {
    let of = |g: &Group, k: usize| {
        let first = pinned.get(g.id.as_str()).cloned().unwrap_or_default();
        let members: Vec<usize> = g
            .members
            .iter()
            .copied()
            .filter(|u| (g.parent.is_some() || !key_points.contains(u)) && !first.contains(u))
            .collect();
        let picked = pick_quotes(
            vectors,
            units,
            &members,
            &g.centre,
            k.saturating_sub(first.len()),
        );
        first
            .into_iter()
            .chain(picked)
            .enumerate()
            .map(|(rank, u)| Quote {
                theme: g.id.clone(),
                rank: rank + 1,
                unit: u,
                similarity: dot(vectors.row(u), &g.centre),
            })
            .collect::<Vec<_>>()
    };
    let tops = groups.tops.iter().flat_map(|g| of(g, THEME_QUOTES));
    let subs = groups.subs.iter().flat_map(|g| of(g, SUBTHEME_QUOTES));
    tops.chain(subs).collect()
}

/// Whether a unit can stand as a quote of what people said: not running the meeting (a
/// chairing cue, closing thanks, event admin), not a question put to the room (it ends in
/// one), no stage direction such as "(laughter)" or "[inaudible]" in it.
fn quotable(units: &UnitTexts, u: usize) -> bool {
    let text = units.text[u].trim_end();
    let direction = text.contains('[')
        || [
            "(laughter",
            "(laughs",
            "(applause",
            "(inaudible",
            "(crosstalk",
            "(pause",
        ]
        .iter()
        .any(|d| units.norm[u].contains(d));
    !text.ends_with('?')
        && !direction
        && crate::procedural::quotable(&units.norm[u], &units.lang[u])
}

/// Picks up to `k` quotes among `members`: near the centre, unlike each other, from as many
/// events as possible; no duplicates, no one-liners, no rambles, nothing [`quotable`] refuses.
pub fn pick_quotes(
    vectors: &UnitVectors,
    units: &UnitTexts,
    members: &[usize],
    centre: &[f32],
    k: usize,
) -> Vec<usize> {
    let cands: Vec<(usize, f32)> = members
        .iter()
        .copied()
        .filter(|&u| {
            !units.duplicate[u]
                && (6..=80).contains(&units.text[u].split_whitespace().count())
                && quotable(units, u)
        })
        .map(|u| (u, dot(vectors.row(u), centre)))
        .collect();
    greedy_mmr(cands, 60, k, |u, s, picked| {
        let redundancy = picked
            .iter()
            .map(|&p| dot(vectors.row(u), vectors.row(p)))
            .fold(0.0f32, f32::max);
        let same_event = picked
            .iter()
            .filter(|&&p| units.events[p] == units.events[u])
            .count() as f32;
        s - 0.5 * redundancy - 0.15 * same_event
    })
}

/// Picks up to `k` of `cands` (unit, nearness to the centre): the `pool` nearest are kept,
/// then each round the one with the best `score(unit, nearness, picked so far)` (maximal
/// marginal relevance); ties go to the lower unit index.
pub fn greedy_mmr(
    mut cands: Vec<(usize, f32)>,
    pool: usize,
    k: usize,
    score: impl Fn(usize, f32, &[usize]) -> f32,
) -> Vec<usize> {
    cands.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    cands.truncate(pool);
    let mut picked: Vec<usize> = Vec::new();
    while picked.len() < k {
        let best = cands
            .iter()
            .filter(|(u, _)| !picked.contains(u))
            .map(|&(u, s)| (u, score(u, s, &picked)))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        match best {
            Some((u, _)) => picked.push(u),
            None => break,
        }
    }
    picked
}
