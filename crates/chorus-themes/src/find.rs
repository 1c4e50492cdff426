//! Clustering anew: micro-clusters of the units (meaning and words), the top themes (spectral
//! clustering of the units' neighbour graph), each micro-cluster under a theme, and each
//! theme's micro-clusters grouped into subthemes. Deterministic for a seed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chorus_core::vectors::UnitVectors;

use crate::assign::{Clustering, Subtheme};
use crate::cluster::{self, dot, kmeans};
use crate::stage::last_run::State;
use crate::units::{augmented, mean_centre, UnitTexts};
use crate::{spectral, ThemesConfig};

/// Dimensions the words of a unit are hashed into.
pub(crate) const WORD_DIMS: usize = 256;

/// Units the clustering fits on. Beyond, a seeded sample of this many is clustered (the
/// spectral top level, the micro-clusters' centroids), and every other unit joins the theme
/// of its nearest sampled units in its micro-cluster.
pub(crate) const SPECTRAL_UNITS: usize = 20_000;

/// Sampled units that vote on the theme of a unit outside the sample.
const VOTERS: usize = 5;

fn default_themes(n: usize) -> usize {
    ((n as f64 / 8.0).sqrt().round() as usize).clamp(4, 40)
}

fn micro_k(n: usize) -> usize {
    ((2.0 * (n as f64).sqrt()).round() as usize)
        .clamp(2, 1000)
        .min(n)
}

/// Finds themes; `previous` (last run's state) warm-starts the micro-clusters.
pub fn find(
    vectors: &UnitVectors,
    units: &UnitTexts,
    cfg: &ThemesConfig,
    previous: Option<&State>,
) -> Clustering {
    let micro = micro_clusters(vectors, units, cfg, previous);
    let unit_theme = top_themes(vectors, &micro, cfg);
    let ntop = unit_theme.iter().flatten().max().map_or(0, |&t| t + 1);
    let theme_micro = micro_under_themes(&micro.members, &unit_theme, ntop);
    let mut theme_units: Vec<Vec<usize>> = vec![Vec::new(); ntop];
    for (u, t) in unit_theme.iter().enumerate() {
        if let Some(t) = t {
            theme_units[*t].push(u);
        }
    }
    let tops = theme_units
        .iter()
        .map(|m| mean_centre(vectors, m.iter().copied()))
        .collect();
    let (subs, micro_sub) = subthemes(vectors, &micro, &theme_micro, ntop, cfg.seed);
    Clustering {
        tops,
        subs,
        micro: micro.centroids,
        micro_assign: micro.assign,
        micro_theme: theme_micro
            .iter()
            .flat_map(|(&t, ms)| ms.iter().map(move |&m| (m, t)))
            .collect(),
        micro_sub,
        unit_theme,
        unit_sub: Vec::new(),
        seen: Vec::new(),
    }
}

/// Micro-clusters of the units, described by meaning and words together.
struct Micro {
    /// Centroids, row-major, `wide` wide.
    centroids: Vec<f32>,
    wide: usize,
    /// Each unit's micro-cluster and its similarity to it.
    assign: Vec<(u32, f32)>,
    /// The units of each micro-cluster.
    members: Vec<Vec<usize>>,
}

/// Spherical k-means of the units' vectors extended with their words, warm-started from the
/// last run's centroids when they have the same width: the subthemes are made of them.
fn micro_clusters(
    vectors: &UnitVectors,
    units: &UnitTexts,
    cfg: &ThemesConfig,
    previous: Option<&State>,
) -> Micro {
    let n = vectors.unit_ids.len();
    let k = micro_k(n);
    let data = augmented(
        vectors,
        units,
        &units.stopwords(),
        1.0 - cfg.vocabulary_weight,
        WORD_DIMS,
    );
    let wide = vectors.dim + WORD_DIMS;
    let init: Option<Vec<f32>> = previous
        .filter(|p| p.micro_dim == wide && !p.micro.is_empty())
        .map(|p| p.micro.clone());
    let started = std::time::Instant::now();
    let (centroids, assign) = kmeans(&data, wide, k, cfg.seed, SPECTRAL_UNITS, init.as_deref());
    tracing::info!(
        "{k} micro-clusters of {n} units in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); centroids.len() / wide];
    for (u, (c, _)) in assign.iter().enumerate() {
        members[*c as usize].push(u);
    }
    Micro {
        centroids,
        wide,
        assign,
        members,
    }
}

/// The top theme of every unit, numbered densely from 0 (`None` for none).
fn top_themes(vectors: &UnitVectors, micro: &Micro, cfg: &ThemesConfig) -> Vec<Option<usize>> {
    let n = vectors.unit_ids.len();
    let groups = cfg.themes.unwrap_or_else(|| default_themes(n)).clamp(1, n);
    let started = std::time::Instant::now();
    let raw = top_level(vectors, &micro.members, &micro.assign, groups, cfg.seed);
    tracing::info!(
        "top level of {groups} themes in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let dense: BTreeMap<u32, usize> = raw
        .iter()
        .filter(|&&l| l != u32::MAX)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .enumerate()
        .map(|(i, &l)| (l, i))
        .collect();
    raw.iter().map(|l| dense.get(l).copied()).collect()
}

/// The micro-clusters under each theme: each sits under the theme most of its units are in
/// (empty micro-clusters under none).
fn micro_under_themes(
    members: &[Vec<usize>],
    unit_theme: &[Option<usize>],
    ntop: usize,
) -> BTreeMap<usize, Vec<usize>> {
    let mut theme_micro: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (m, units) in members.iter().enumerate() {
        if units.is_empty() {
            continue;
        }
        let mut count = vec![0usize; ntop];
        for &u in units {
            if let Some(t) = unit_theme[u] {
                count[t] += 1;
            }
        }
        let t = (0..ntop)
            .max_by_key(|&t| (count[t], usize::MAX - t))
            .unwrap_or(0);
        theme_micro.entry(t).or_default().push(m);
    }
    theme_micro
}

/// Subthemes: each theme's micro-clusters grouped by k-means (meaning and words), into up to
/// 4. Returns the subthemes, in theme order, and the subtheme of each micro-cluster in one.
fn subthemes(
    vectors: &UnitVectors,
    micro: &Micro,
    theme_micro: &BTreeMap<usize, Vec<usize>>,
    ntop: usize,
    seed: u64,
) -> (Vec<Subtheme>, HashMap<usize, usize>) {
    let wide = micro.wide;
    let mut groups_of: Vec<Vec<Vec<usize>>> = vec![Vec::new(); ntop];
    for (&t, ms) in theme_micro {
        let nsub = ms.len().div_ceil(3).min(4);
        if nsub < 2 {
            continue;
        }
        let rows: Vec<f32> = ms
            .iter()
            .flat_map(|&m| micro.centroids[m * wide..(m + 1) * wide].iter().copied())
            .collect();
        let (_, a) = kmeans(&rows, wide, nsub, seed, usize::MAX, None);
        let mut by: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (&m, (l, _)) in ms.iter().zip(a) {
            by.entry(l).or_default().push(m);
        }
        groups_of[t] = by.into_values().collect();
    }
    let mut subs: Vec<Subtheme> = Vec::new();
    let mut micro_sub: HashMap<usize, usize> = HashMap::new();
    for (t, groups) in groups_of.iter().enumerate() {
        for ms in groups {
            for &m in ms {
                micro_sub.insert(m, subs.len());
            }
            subs.push(Subtheme {
                theme: t,
                centre: mean_centre(
                    vectors,
                    ms.iter().flat_map(|&m| micro.members[m].iter().copied()),
                ),
            });
        }
    }
    (subs, micro_sub)
}

/// The top theme of every unit (`u32::MAX` for none): spectral clustering of the units'
/// neighbour graph, on a sample when there are more than [`SPECTRAL_UNITS`].
fn top_level(
    vectors: &UnitVectors,
    members: &[Vec<usize>],
    micro_of: &[(u32, f32)],
    k: usize,
    seed: u64,
) -> Vec<u32> {
    use rayon::prelude::*;
    let n = vectors.unit_ids.len();
    let dim = vectors.dim;
    let sample = cluster::sample(n, SPECTRAL_UNITS, &mut cluster::Rng::new(seed));
    if sample.len() == n {
        return spectral::cluster_balanced(&vectors.data, dim, k, seed);
    }
    let data: Vec<f32> = sample
        .iter()
        .flat_map(|&u| vectors.row(u).iter().copied())
        .collect();
    let mut label = vec![u32::MAX; n];
    for (&u, l) in sample
        .iter()
        .zip(spectral::cluster_balanced(&data, dim, k, seed))
    {
        label[u] = l;
    }
    let sampled_in: Vec<Vec<usize>> = members
        .iter()
        .map(|m| {
            m.iter()
                .copied()
                .filter(|&u| label[u] != u32::MAX)
                .collect()
        })
        .collect();
    (0..n)
        .into_par_iter()
        .map(|u| {
            if label[u] != u32::MAX {
                return label[u];
            }
            vote(vectors, u, &sampled_in[micro_of[u].0 as usize], |v| {
                label[v]
            })
            .unwrap_or(u32::MAX)
        })
        .collect()
}

/// The theme most of the [`VOTERS`] units of `among` nearest to unit `u` are in (on a tie,
/// the nearest one's); `None` when `among` is empty.
pub(crate) fn vote(
    vectors: &UnitVectors,
    u: usize,
    among: &[usize],
    theme: impl Fn(usize) -> u32,
) -> Option<u32> {
    let mut near: Vec<(f32, usize)> = among
        .iter()
        .map(|&v| (dot(vectors.row(u), vectors.row(v)), v))
        .collect();
    near.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut votes: BTreeMap<u32, usize> = BTreeMap::new();
    for &(_, v) in near.iter().take(VOTERS) {
        *votes.entry(theme(v)).or_default() += 1;
    }
    let nearest = near.first().map(|&(_, v)| theme(v));
    votes
        .iter()
        .max_by_key(|&(&l, &c)| (c, Some(l) == nearest))
        .map(|(&l, _)| l)
}
