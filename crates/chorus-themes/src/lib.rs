//! Themes: unit vectors -> themes with subthemes, labels, keywords, representative quotes, and
//! stable ids, written to `.chorus/themes/`.
//!
//! The method, in order (defaults need no tuning from a few hundred to a million units):
//! 1. **themes**: spectral clustering of the units' 15-nearest-neighbour graph into
//!    `sqrt(n/8)` themes (4 to 40), see `spectral.rs`. Beyond 20,000 units a seeded sample is
//!    clustered and every other unit takes the theme most of its 5 nearest sampled units in
//!    its micro-cluster have. Measured on the 11 English Pol.is conversations mixed: NMI vs the
//!    conversation 0.39-0.40 over seeds, where k-means of the vectors gives 0.31-0.34;
//! 2. **micro-clusters**: spherical k-means with `k = 2·sqrt(n)` (at most 1,000), fitted on a
//!    seeded sample of at most 20,000 units, warm-started from the last run's centroids, on
//!    units described by meaning and words together: the embedding (half the weight) and the
//!    unit's TF-IDF words hashed into 256 dimensions (the other half). Each sits under the
//!    theme most of its units are in;
//! 3. **subthemes**: each theme's micro-clusters grouped by k-means, into up to 4;
//! 4. **assignment policy**: a unit stays in the theme the clustering gave it while that
//!    theme's centre is at least `min_similarity` similar (unless a pinned or seeded codebook
//!    theme is closer); otherwise it joins the most similar theme above the bar, or stays
//!    *unassigned*, never a catch-all theme; the share is reported. On a rerun the units the
//!    last run placed keep their place, and new units join the theme of their nearest placed
//!    units, unless more than 5% fit no theme (then all is clustered anew);
//! 5. **codebook** (`codebook.toml`): rename, merge, split, pin, seed;
//! 6. **ids** stay stable: each theme takes the id of the last run's theme with the most
//!    similar centre (one to one, above 0.8), new themes get new ids;
//! 7. **labels** from c-TF-IDF phrases re-ranked by embedding similarity with diversity, and
//!    **quotes** near the centre, diverse, spread across events.
//!
//! Deterministic for a seed and independent of the thread count (see `cluster.rs`).

pub mod cluster;
pub mod codebook;
pub mod eval;
pub mod gold;
pub mod label;
pub mod spectral;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use chorus_core::vectors::{
    self, EmbedFailure, Embedder, LoadEmbedder, UnitVectors, VectorsError,
};
pub use chorus_core::model::Status;
use chorus_core::error::{Category, Diagnostic};
use chorus_core::model::{col, Table, Workspace};
use cluster::{dot, kmeans, normalise};

#[derive(Debug, Clone)]
pub struct ThemesConfig {
    pub seed: u64,
    /// Number of top-level themes (default: `sqrt(n/8)`, 4 to 40).
    pub themes: Option<usize>,
    /// Lowest similarity to a theme centre for a unit to join it.
    pub min_similarity: f32,
    /// Weight of words against meaning (embeddings) in the units' description for the
    /// micro-clusters (squared-norm share of the hashed TF-IDF part).
    pub vocabulary_weight: f32,
    /// Cluster from scratch even when the last run's themes could take the units.
    pub recluster: bool,
    /// Re-rank label phrases with the embedding model (loads it).
    pub model_labels: bool,
    pub threads: usize,
}

impl Default for ThemesConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            themes: None,
            min_similarity: 0.2,
            vocabulary_weight: 0.5,
            recluster: false,
            model_labels: true,
            threads: 2,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ThemesError {
    #[error(transparent)]
    Embed(EmbedFailure),
    #[error(transparent)]
    Vectors(#[from] VectorsError),
    #[error("could not read the corpus frames")]
    Frames(#[source] PolarsError),
    #[error("could not write the themes to `{path}`")]
    Write {
        path: PathBuf,
        #[source]
        source: PolarsError,
    },
    #[error("could not write `{path}`")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Codebook(#[from] codebook::CodebookError),
    #[error(transparent)]
    Gold(#[from] gold::GoldError),
    #[error("the workspace has too few units ({0}) to find themes; at least 10 are needed")]
    TooFew(usize),
}

impl Diagnostic for ThemesError {
    fn category(&self) -> Category {
        match self {
            ThemesError::Embed(e) => e.category(),
            _ => Category::Input,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            ThemesError::Embed(e) => e.hint(),
            ThemesError::Vectors(e) => e.hint(),
            _ => None,
        }
    }
}

/// One theme or subtheme.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Theme {
    pub id: String,
    pub parent: Option<String>,
    pub label: String,
    pub keywords: Vec<String>,
    pub size: usize,
    pub events: usize,
    /// Pinned in the codebook, or made from a codebook seed.
    pub pinned: bool,
    #[serde(skip)]
    pub centre: Vec<f32>,
}

/// What is kept between runs for stable ids and warm starts (`.chorus/themes/state.json`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    pub next_id: usize,
    pub dim: usize,
    /// theme id -> centre.
    pub centres: BTreeMap<String, Vec<f32>>,
    /// Micro-cluster centroids of the last run (row-major, `micro_dim` wide).
    pub micro: Vec<f32>,
    #[serde(default)]
    pub micro_dim: usize,
}

#[derive(Debug, Default, Serialize)]
pub struct ThemesReport {
    pub units: usize,
    /// Whether the units were clustered anew (else they joined the last run's themes).
    pub reclustered: bool,
    pub micro_clusters: usize,
    pub themes: usize,
    pub subthemes: usize,
    pub unassigned: usize,
    pub unassigned_share: f64,
    /// Units with no content word (backchannels, fillers), left out of the themes.
    pub no_content: usize,
    pub no_content_share: f64,
    pub seconds: f64,
    pub themes_list: Vec<Theme>,
}

/// Units as themes need them.
pub struct UnitTexts {
    pub ids: Vec<String>,
    pub events: Vec<String>,
    pub text: Vec<String>,
    pub norm: Vec<String>,
    pub lang: Vec<String>,
    pub duplicate: Vec<bool>,
}

pub fn unit_texts(ws: &Workspace) -> Result<UnitTexts, ThemesError> {
    let units = chorus_core::store::read_table(ws, Table::Units).map_err(ThemesError::Frames)?;
    let s = |name: &str| -> Result<Vec<String>, ThemesError> {
        Ok(units
            .column(name)
            .and_then(|c| c.str().cloned())
            .map_err(ThemesError::Frames)?
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect())
    };
    let duplicate = units
        .column(col::DUPLICATE_OF)
        .map_err(ThemesError::Frames)?
        .is_not_null()
        .iter()
        .map(|v| v.unwrap_or(false))
        .collect();
    Ok(UnitTexts {
        ids: s(col::UNIT_ID)?,
        events: s(col::EVENT_ID)?,
        text: s(col::TEXT)?,
        norm: s(col::TEXT_NORM)?,
        lang: s(col::LANG)?,
        duplicate,
    })
}

/// Smallest subtheme, as a share of its theme (and at least 3 units).
const MIN_SUBTHEME_SHARE: f64 = 0.03;

/// Longest unit (in words) that can be a backchannel.
const BACKCHANNEL_WORDS: usize = 4;

/// Splits off the units without a content word: at most [`BACKCHANNEL_WORDS`] words, every one
/// a stopword or filler of its language ("Yeah.", "Okay, right.", "All of the above"). Returns the vectors and texts of the rest, in order, and the
/// (unit id, event id) of the units left out.
pub fn content_units(
    vectors: UnitVectors,
    units: UnitTexts,
) -> (UnitVectors, UnitTexts, Vec<(String, String)>) {
    let langs: BTreeSet<&str> = units.lang.iter().map(String::as_str).collect();
    let stop = label::Stopwords::for_languages(langs.iter().copied());
    let keep: Vec<bool> = units
        .norm
        .iter()
        .map(|t| {
            let words = label::words(t);
            words.len() > BACKCHANNEL_WORDS
                || words
                    .iter()
                    .any(|w| !stop.contains(w) && !w.chars().all(|c| c.is_ascii_digit()))
        })
        .collect();
    if keep.iter().all(|&k| k) {
        return (vectors, units, Vec::new());
    }
    let pick = |v: &[String]| -> Vec<String> {
        v.iter()
            .zip(&keep)
            .filter(|(_, &k)| k)
            .map(|(x, _)| x.clone())
            .collect()
    };
    let left_out = units
        .ids
        .iter()
        .zip(&units.events)
        .zip(&keep)
        .filter(|(_, &k)| !k)
        .map(|((u, e), _)| (u.clone(), e.clone()))
        .collect();
    let dim = vectors.dim;
    let data = vectors
        .data
        .chunks(dim.max(1))
        .zip(&keep)
        .filter(|(_, &k)| k)
        .flat_map(|(row, _)| row.iter().copied())
        .collect();
    let kept_units = UnitTexts {
        ids: pick(&units.ids),
        events: pick(&units.events),
        text: pick(&units.text),
        norm: pick(&units.norm),
        lang: pick(&units.lang),
        duplicate: units
            .duplicate
            .iter()
            .zip(&keep)
            .filter(|(_, &k)| k)
            .map(|(d, _)| *d)
            .collect(),
    };
    let kept_vectors = UnitVectors {
        unit_ids: pick(&vectors.unit_ids),
        dim,
        data,
        info: vectors.info,
    };
    (kept_vectors, kept_units, left_out)
}

/// Unit vectors extended with their words: TF-IDF weights hashed (signed) into `extra`
/// dimensions, the two parts weighted `alpha` and `1 - alpha` (in squared norm).
fn augmented(
    vectors: &UnitVectors,
    units: &UnitTexts,
    stop: &label::Stopwords,
    alpha: f32,
    extra: usize,
) -> Vec<f32> {
    let n = vectors.unit_ids.len();
    let toks: Vec<Vec<String>> = units
        .norm
        .iter()
        .map(|t| {
            label::words(t)
                .into_iter()
                .filter(|w| w.chars().count() >= 3 && !stop.contains(w))
                .collect()
        })
        .collect();
    let mut df: HashMap<&str, f32> = HashMap::new();
    for t in &toks {
        for w in t.iter().collect::<BTreeSet<_>>() {
            *df.entry(w.as_str()).or_default() += 1.0;
        }
    }
    let d2 = vectors.dim + extra;
    let mut out = vec![0f32; n * d2];
    for u in 0..n {
        let row = &mut out[u * d2..(u + 1) * d2];
        for (a, b) in row[..vectors.dim].iter_mut().zip(vectors.row(u)) {
            *a = alpha.sqrt() * b;
        }
        let h = &mut row[vectors.dim..];
        for w in &toks[u] {
            let idf = (n as f32 / df[w.as_str()]).ln();
            let x = chorus_core::model::content_hash(w.as_bytes());
            let v = u64::from_str_radix(&x[..16], 16).unwrap_or(0);
            let sign = if v & 1 == 0 { 1.0 } else { -1.0 };
            h[(v >> 1) as usize % extra] += sign * idf;
        }
        normalise(h);
        h.iter_mut().for_each(|x| *x *= (1.0 - alpha).sqrt());
        normalise(row);
    }
    out
}

/// Above this share of units fitting none of the last run's themes, cluster again.
const RECLUSTER_SHARE: f64 = 0.05;

/// Dimensions the words of a unit are hashed into.
const WORD_DIMS: usize = 256;

fn default_themes(n: usize) -> usize {
    ((n as f64 / 8.0).sqrt().round() as usize).clamp(4, 40)
}

fn micro_k(n: usize) -> usize {
    ((2.0 * (n as f64).sqrt()).round() as usize)
        .clamp(2, 1000)
        .min(n)
}

fn mean_centre(vectors: &UnitVectors, members: impl Iterator<Item = usize>) -> Vec<f32> {
    let mut c = vec![0f32; vectors.dim];
    for u in members {
        for (a, b) in c.iter_mut().zip(vectors.row(u)) {
            *a += b;
        }
    }
    normalise(&mut c);
    c
}

/// Units the clustering fits on. Beyond, a seeded sample of this many is clustered (the
/// spectral top level, the micro-clusters' centroids), and every other unit joins the theme
/// of its nearest sampled units in its micro-cluster.
const SPECTRAL_UNITS: usize = 20_000;

/// Sampled units that vote on the theme of a unit outside the sample.
const VOTERS: usize = 5;

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
        return spectral::cluster(&vectors.data, dim, k, seed);
    }
    let data: Vec<f32> = sample
        .iter()
        .flat_map(|&u| vectors.row(u).iter().copied())
        .collect();
    let mut label = vec![u32::MAX; n];
    for (&u, l) in sample.iter().zip(spectral::cluster(&data, dim, k, seed)) {
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
fn vote(
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

/// Finds themes; `previous` (last run's state) warm-starts the micro-clusters.
pub fn find(
    vectors: &UnitVectors,
    units: &UnitTexts,
    cfg: &ThemesConfig,
    previous: Option<&State>,
) -> Clustering {
    let n = vectors.unit_ids.len();
    let dim = vectors.dim;
    let k = micro_k(n);
    let langs: BTreeSet<&str> = units.lang.iter().map(String::as_str).collect();
    let stop = label::Stopwords::for_languages(langs.iter().copied());
    // micro-clusters of units described by meaning and words together: the subthemes are
    // made of them
    let data = augmented(
        vectors,
        units,
        &stop,
        1.0 - cfg.vocabulary_weight,
        WORD_DIMS,
    );
    let wide = dim + WORD_DIMS;
    let init: Option<Vec<f32>> = previous
        .filter(|p| p.micro_dim == wide && !p.micro.is_empty())
        .map(|p| p.micro.clone());
    let started = std::time::Instant::now();
    let (micro_wide, micro_assign) =
        kmeans(&data, wide, k, cfg.seed, SPECTRAL_UNITS, init.as_deref());
    tracing::info!(
        "{k} micro-clusters of {n} units in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let labels: Vec<u32> = micro_assign.iter().map(|x| x.0).collect();
    // their centres back in embedding space, for the structure below the themes
    let (micro, _) = cluster::centroids(&vectors.data, dim, &labels, micro_wide.len() / wide);
    let k = micro.len() / dim;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (u, (c, _)) in micro_assign.iter().enumerate() {
        members[*c as usize].push(u);
    }
    let groups = cfg.themes.unwrap_or_else(|| default_themes(n)).clamp(1, n);
    // top themes: spectral clustering of the units' neighbour graph, numbered densely
    let started = std::time::Instant::now();
    let raw = top_level(vectors, &members, &micro_assign, groups, cfg.seed);
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
    let unit_theme: Vec<Option<usize>> = raw.iter().map(|l| dense.get(l).copied()).collect();
    let ntop = dense.len();
    // each micro-cluster sits under the theme most of its units are in
    let top_of_micro: Vec<usize> = members
        .iter()
        .map(|m| {
            let mut count = vec![0usize; ntop];
            for &u in m {
                if let Some(t) = unit_theme[u] {
                    count[t] += 1;
                }
            }
            (0..ntop)
                .max_by_key(|&t| (count[t], usize::MAX - t))
                .unwrap_or(0)
        })
        .collect();

    // themes: groups of micro-clusters (empty micro-clusters make no theme)
    let mut theme_micro: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (m, &t) in top_of_micro.iter().enumerate() {
        if !members[m].is_empty() {
            theme_micro.entry(t).or_default().push(m);
        }
    }
    let mut theme_units: Vec<Vec<usize>> = vec![Vec::new(); ntop];
    for (u, t) in unit_theme.iter().enumerate() {
        if let Some(t) = t {
            theme_units[*t].push(u);
        }
    }
    let tops: Vec<Vec<f32>> = theme_units
        .iter()
        .map(|m| mean_centre(vectors, m.iter().copied()))
        .collect();
    let mut subs_of: Vec<Vec<(usize, Vec<usize>)>> = vec![Vec::new(); ntop];
    for (&t, ms) in &theme_micro {
        // subthemes: the theme's own micro-clusters grouped by k-means (meaning and words)
        let nsub = ms.len().div_ceil(3).min(4);
        let mut subs: Vec<(usize, Vec<usize>)> = Vec::new();
        if nsub >= 2 {
            let rows: Vec<f32> = ms
                .iter()
                .flat_map(|&m| micro_wide[m * wide..(m + 1) * wide].iter().copied())
                .collect();
            let (_, a) = kmeans(&rows, wide, nsub, cfg.seed, usize::MAX, None);
            let mut by: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
            for (&m, (l, _)) in ms.iter().zip(a) {
                by.entry(l).or_default().push(m);
            }
            subs = by.into_values().enumerate().collect();
        }
        subs_of[t] = subs;
    }
    let micro_theme: HashMap<usize, usize> = theme_micro
        .iter()
        .flat_map(|(&t, ms)| ms.iter().map(move |&m| (m, t)))
        .collect();
    let mut subs: Vec<(usize, Vec<f32>)> = Vec::new();
    let mut micro_sub: HashMap<usize, usize> = HashMap::new();
    for (t, list) in subs_of.iter().enumerate() {
        for (_, ms) in list {
            let idx = subs.len();
            subs.push((
                t,
                mean_centre(vectors, ms.iter().flat_map(|&m| members[m].iter().copied())),
            ));
            for &m in ms {
                micro_sub.insert(m, idx);
            }
        }
    }
    Clustering {
        tops,
        subs,
        micro: micro_wide,
        micro_assign,
        micro_theme,
        micro_sub,
        unit_theme,
        unit_sub: Vec::new(),
        seen: Vec::new(),
    }
}

/// Themes found by clustering, before ids, codebook and assignment.
pub struct Clustering {
    /// Centres of the top themes.
    pub tops: Vec<Vec<f32>>,
    /// Subthemes: (index of the top theme, centre).
    pub subs: Vec<(usize, Vec<f32>)>,
    pub micro: Vec<f32>,
    micro_assign: Vec<(u32, f32)>,
    /// The theme each micro-cluster sits under.
    micro_theme: HashMap<usize, usize>,
    micro_sub: HashMap<usize, usize>,
    /// The theme the clustering put each unit in.
    unit_theme: Vec<Option<usize>>,
    /// The subtheme each unit had in the last run (empty when clustered anew).
    unit_sub: Vec<Option<usize>>,
    /// What the last run did with each unit (empty when clustered anew).
    seen: Vec<Seen>,
}

/// What the last run did with a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// Not there yet.
    New,
    /// Placed in a theme: it stays, with its status, unless a codebook theme is closer.
    Placed { reassigned: bool },
    /// Left unassigned: only a codebook theme can take it now.
    LeftOut,
}

/// Where the last run put a unit: (theme id, subtheme id, status).
type Placed = (Option<String>, Option<String>, String);

/// The last run's placement by unit id.
type LastPlacement = HashMap<String, Placed>;

/// Reads the last run's placement from `themes/assignments.parquet` (empty when absent).
fn last_placement(ws: &Workspace) -> LastPlacement {
    use chorus_core::store::{read_file, str_column};
    let Ok(df) = read_file(&ws.assignments_file()) else {
        return HashMap::new();
    };
    let (Ok(units), Ok(themes), Ok(subs), Ok(status)) = (
        str_column(&df, col::UNIT_ID),
        str_column(&df, col::THEME_ID),
        str_column(&df, col::SUBTHEME_ID),
        str_column(&df, col::STATUS),
    ) else {
        return HashMap::new();
    };
    units
        .into_iter()
        .zip(themes.into_iter().zip(subs).zip(status))
        .filter_map(|(u, ((t, s), st))| Some((u?, (t, s, st.unwrap_or_default()))))
        .collect()
}

/// A unit's place: (top theme, subtheme, similarity to the top theme's centre, status).
pub type Placement = (Option<usize>, Option<usize>, f32, Status);

impl Clustering {
    /// The last run's themes as they were. Units it placed keep their theme and subtheme;
    /// units it did not see join the theme of their nearest placed units.
    fn fixed(
        tops: &[(String, Vec<f32>)],
        all: &[(String, Vec<f32>)],
        vectors: &UnitVectors,
        last: &LastPlacement,
        seed: u64,
    ) -> Self {
        use rayon::prelude::*;
        let subs: Vec<(usize, &str, Vec<f32>)> = all
            .iter()
            .filter_map(|(id, c)| {
                let (parent, _) = id.rsplit_once('.')?;
                let p = tops.iter().position(|(t, _)| t == parent)?;
                Some((p, id.as_str(), c.clone()))
            })
            .collect();
        let top_index: HashMap<&str, usize> = tops
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (id.as_str(), i))
            .collect();
        let sub_index: HashMap<&str, usize> = subs
            .iter()
            .enumerate()
            .map(|(i, (_, id, _))| (*id, i))
            .collect();
        let n = vectors.unit_ids.len();
        let before: Vec<Option<&Placed>> = vectors.unit_ids.iter().map(|id| last.get(id)).collect();
        let last_theme: Vec<Option<usize>> = before
            .iter()
            .map(|b| {
                b.and_then(|(t, _, _)| t.as_deref())
                    .and_then(|t| top_index.get(t).copied())
            })
            .collect();
        let unit_sub: Vec<Option<usize>> = before
            .iter()
            .map(|b| {
                b.and_then(|(_, s, _)| s.as_deref())
                    .and_then(|s| sub_index.get(s).copied())
            })
            .collect();
        let placed: Vec<usize> = (0..n).filter(|&u| last_theme[u].is_some()).collect();
        let voters: Vec<usize> =
            cluster::sample(placed.len(), SPECTRAL_UNITS, &mut cluster::Rng::new(seed))
                .into_iter()
                .map(|i| placed[i])
                .collect();
        let unit_theme: Vec<Option<usize>> = (0..n)
            .into_par_iter()
            .map(|u| match before[u] {
                None => vote(vectors, u, &voters, |v| {
                    last_theme[v].map_or(u32::MAX, |t| t as u32)
                })
                .map(|t| t as usize),
                Some(_) => last_theme[u],
            })
            .collect();
        let seen = before
            .iter()
            .map(|b| match b {
                None => Seen::New,
                Some((Some(_), _, status)) => Seen::Placed {
                    reassigned: status == Status::Reassigned.as_str(),
                },
                Some((None, _, _)) => Seen::LeftOut,
            })
            .collect();
        Clustering {
            tops: tops.iter().map(|(_, c)| c.clone()).collect(),
            subs: subs.into_iter().map(|(p, _, c)| (p, c)).collect(),
            micro: Vec::new(),
            micro_assign: Vec::new(),
            micro_theme: HashMap::new(),
            micro_sub: HashMap::new(),
            unit_theme,
            unit_sub,
            seen,
        }
    }

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
        let mut subs_by_parent: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, (p, _)) in self.subs.iter().enumerate() {
            subs_by_parent.entry(*p).or_default().push(i);
        }
        (0..best.len())
            .into_par_iter()
            .map(|u| {
                let nearest = (best[u].0 as usize, best[u].1);
                let seen = self.seen.get(u).copied().unwrap_or(Seen::New);
                let own = self
                    .unit_theme
                    .get(u)
                    .copied()
                    .flatten()
                    .map(|t| (t, dot(vectors.row(u), &self.tops[t])));
                let (t, s, status) = match own {
                    Some((t, s))
                        if (s >= bar || matches!(seen, Seen::Placed { .. }))
                            && !(nearest.0 >= self.tops.len() && nearest.1 > s) =>
                    {
                        let status = match seen {
                            Seen::Placed { reassigned: true } => Status::Reassigned,
                            _ => Status::Clustered,
                        };
                        (t, s, status)
                    }
                    _ if nearest.1 >= bar
                        && (nearest.0 >= self.tops.len() || seen != Seen::LeftOut) =>
                    {
                        (nearest.0, nearest.1, Status::Reassigned)
                    }
                    _ => return (None, None, nearest.1, Status::Unassigned),
                };
                let m = self
                    .micro_assign
                    .get(u)
                    .map_or(usize::MAX, |a| a.0 as usize);
                let under = self.micro_theme.get(&m) == Some(&t);
                let last = self
                    .unit_sub
                    .get(u)
                    .copied()
                    .flatten()
                    .filter(|&s| self.subs[s].0 == t);
                let sub = match (last, under, self.micro_sub.get(&m)) {
                    (Some(s), _, _) => Some(s),
                    (None, true, Some(&s)) => Some(s),
                    _ => subs_by_parent.get(&t).and_then(|c| {
                        c.iter().copied().max_by(|&a, &b| {
                            dot(vectors.row(u), &self.subs[a].1)
                                .total_cmp(&dot(vectors.row(u), &self.subs[b].1))
                                .then(b.cmp(&a))
                        })
                    }),
                };
                (Some(t), sub, s, status)
            })
            .collect()
    }
}

fn state_path(ws: &Workspace) -> PathBuf {
    ws.theme_state_file()
}

pub fn codebook_path(ws: &Workspace) -> PathBuf {
    ws.codebook_file()
}

/// Gives each centre the id of the most similar previous centre (one to one, at least
/// `MATCH` similar, best pairs first); the rest get ids from `fresh`.
fn match_ids(
    centres: &[Vec<f32>],
    previous: &[(String, Vec<f32>)],
    mut fresh: impl FnMut() -> String,
) -> Vec<String> {
    const MATCH: f32 = 0.8;
    let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
    for (i, c) in centres.iter().enumerate() {
        for (j, (_, p)) in previous.iter().enumerate() {
            if p.len() == c.len() {
                let s = dot(c, p);
                if s >= MATCH {
                    pairs.push((s, i, j));
                }
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut ids: Vec<Option<String>> = vec![None; centres.len()];
    let mut used = vec![false; previous.len()];
    for (_, i, j) in pairs {
        if ids[i].is_none() && !used[j] {
            ids[i] = Some(previous[j].0.clone());
            used[j] = true;
        }
    }
    ids.into_iter()
        .map(|id| id.unwrap_or_else(&mut fresh))
        .collect()
}

/// Picks up to `k` quotes among `members`: near the centre, unlike each other, from as many
/// events as possible; no duplicates, no one-liners, no rambles.
pub fn pick_quotes(
    vectors: &UnitVectors,
    units: &UnitTexts,
    members: &[usize],
    centre: &[f32],
    k: usize,
) -> Vec<usize> {
    let mut cands: Vec<(usize, f32)> = members
        .iter()
        .copied()
        .filter(|&u| {
            !units.duplicate[u] && (6..=80).contains(&units.text[u].split_whitespace().count())
        })
        .map(|u| (u, dot(vectors.row(u), centre)))
        .collect();
    cands.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    cands.truncate(60);
    let mut picked: Vec<usize> = Vec::new();
    while picked.len() < k {
        let best = cands
            .iter()
            .filter(|(u, _)| !picked.contains(u))
            .map(|&(u, s)| {
                let redundancy = picked
                    .iter()
                    .map(|&p| dot(vectors.row(u), vectors.row(p)))
                    .fold(0.0f32, f32::max);
                let same_event = picked
                    .iter()
                    .filter(|&&p| units.events[p] == units.events[u])
                    .count() as f32;
                (u, s - 0.5 * redundancy - 0.15 * same_event)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        match best {
            Some((u, _)) => picked.push(u),
            None => break,
        }
    }
    picked
}

/// Runs the themes stage on the workspace.
pub fn run(
    ws: &Workspace,
    cfg: &ThemesConfig,
    embedder: LoadEmbedder,
) -> Result<ThemesReport, ThemesError> {
    let _span = tracing::info_span!("themes").entered();
    let started = std::time::Instant::now();
    let all_vectors = vectors::load(ws)?;
    let all_units = unit_texts(ws)?;
    // backchannels and fillers carry no opinion: they are kept out of the themes (and counted)
    let (vectors, units, no_content) = content_units(all_vectors, all_units);
    let n = vectors.unit_ids.len();
    if n < 10 {
        return Err(ThemesError::TooFew(n));
    }
    let previous: Option<State> = std::fs::read_to_string(state_path(ws))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok());
    let book = codebook::read(&codebook_path(ws))?;
    let prev_centres: Vec<(String, Vec<f32>)> = previous
        .as_ref()
        .map(|p| {
            p.centres
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    let mut next_id = previous.as_ref().map_or(1, |p| p.next_id.max(1));
    let prev_tops: Vec<(String, Vec<f32>)> = prev_centres
        .iter()
        .filter(|(id, _)| !id.contains('.') && !id.starts_with("s-"))
        .cloned()
        .collect();
    // incremental: units join the last run's themes when they fit; only when too many fit
    // none (a new topic arrived) is everything clustered again, ids matched by centre
    let incremental = if cfg.recluster || prev_tops.is_empty() {
        None
    } else {
        let c = Clustering::fixed(
            &prev_tops,
            &prev_centres,
            &vectors,
            &last_placement(ws),
            cfg.seed,
        );
        let placed = c.assign(&vectors, &[], cfg.min_similarity);
        let left = placed.iter().filter(|p| p.0.is_none()).count();
        (left as f64 <= RECLUSTER_SHARE * n as f64).then_some(c)
    };
    let (clustering, mut top_ids) = match incremental {
        Some(c) => (
            c,
            prev_tops
                .iter()
                .map(|(id, _)| id.clone())
                .collect::<Vec<_>>(),
        ),
        None => {
            let c = find(&vectors, &units, cfg, previous.as_ref());
            let ids = match_ids(&c.tops, &prev_tops, || {
                let id = format!("t-{next_id}");
                next_id += 1;
                id
            });
            (c, ids)
        }
    };

    // codebook: pinned themes keep their last centre; seeds become themes of their own
    let mut extra: Vec<Vec<f32>> = Vec::new();
    let mut extra_ids: Vec<String> = Vec::new();
    let mut pinned: BTreeSet<String> = BTreeSet::new();
    let mut centres: Vec<Vec<f32>> = clustering.tops.clone();
    for e in book.theme.iter().filter(|e| e.pin) {
        pinned.insert(e.id.clone());
        if let Some((_, c)) = prev_centres.iter().find(|(id, _)| *id == e.id) {
            match top_ids.iter().position(|id| *id == e.id) {
                Some(i) => centres[i] = c.clone(),
                None => {
                    extra.push(c.clone());
                    extra_ids.push(e.id.clone());
                }
            }
        }
    }
    let mut model: Option<Box<dyn Embedder>> = None;
    let load_model = |model: &mut Option<Box<dyn Embedder>>| -> Result<(), ThemesError> {
        if model.is_none() {
            *model = Some(embedder(None).map_err(ThemesError::Embed)?);
        }
        Ok(())
    };
    for seed in &book.seed {
        load_model(&mut model)?;
        let m = model.as_ref().expect("loaded above");
        let examples: Vec<&str> = seed.examples.iter().map(String::as_str).collect();
        let v = m.encode(&examples, 32).map_err(ThemesError::Embed)?;
        let mut c = vec![0f32; vectors.dim];
        for x in &v {
            for (a, b) in c.iter_mut().zip(x) {
                *a += b;
            }
        }
        normalise(&mut c);
        let id = format!("s-{}", chorus_core::model::slug(&seed.label));
        pinned.insert(id.clone());
        extra.push(c);
        extra_ids.push(id);
    }
    let clustering = Clustering {
        tops: centres,
        ..clustering
    };
    let mut placement = clustering.assign(&vectors, &extra, cfg.min_similarity);
    top_ids.extend(extra_ids);

    // merges and splits
    let index_of = |ids: &[String], id: &str| ids.iter().position(|x| x == id);
    for (from, into) in book.merges() {
        if let (Some(f), Some(t)) = (index_of(&top_ids, &from), index_of(&top_ids, &into)) {
            for p in placement.iter_mut().filter(|p| p.0 == Some(f)) {
                p.0 = Some(t);
                p.1 = None;
            }
        }
    }
    for e in book
        .theme
        .iter()
        .filter(|e| e.split.is_some_and(|s| s >= 2))
    {
        let Some(t) = index_of(&top_ids, &e.id) else {
            continue;
        };
        let parts = e.split.unwrap_or(2);
        let part_ids: Vec<String> = (2..=parts).map(|p| format!("{}-{p}", e.id)).collect();
        // split in an earlier run: its units kept their parts
        if part_ids.iter().all(|id| index_of(&top_ids, id).is_some()) {
            continue;
        }
        let members: Vec<usize> = (0..n).filter(|&u| placement[u].0 == Some(t)).collect();
        if members.len() < 4 {
            continue;
        }
        let data: Vec<f32> = members
            .iter()
            .flat_map(|&u| vectors.row(u).iter().copied())
            .collect();
        let (_, a) = kmeans(
            &data,
            vectors.dim,
            e.split.unwrap_or(2),
            cfg.seed,
            50_000,
            None,
        );
        let mut new_index = vec![t];
        for id in part_ids {
            new_index.push(index_of(&top_ids, &id).unwrap_or_else(|| {
                top_ids.push(id);
                top_ids.len() - 1
            }));
        }
        for (i, &u) in members.iter().enumerate() {
            placement[u].0 = Some(new_index[(a[i].0 as usize).min(parts - 1)]);
            placement[u].1 = None;
        }
    }

    // final themes: sizes, centres, subthemes
    let ntop = top_ids.len();
    let mut top_members: Vec<Vec<usize>> = vec![Vec::new(); ntop];
    let mut sub_members: Vec<Vec<usize>> = vec![Vec::new(); clustering.subs.len()];
    for (u, p) in placement.iter().enumerate() {
        if let Some(t) = p.0 {
            top_members[t].push(u);
            if let Some(s) = p.1 {
                if clustering.subs[s].0 == t {
                    sub_members[s].push(u);
                }
            }
        }
    }
    // a subtheme of a handful of units says little: they join the nearest sibling; a theme
    // left with one subtheme has none
    for (t, members) in top_members.iter().enumerate() {
        let mine: Vec<usize> = (0..clustering.subs.len())
            .filter(|&s| clustering.subs[s].0 == t && !sub_members[s].is_empty())
            .collect();
        let floor = ((members.len() as f64 * MIN_SUBTHEME_SHARE).ceil() as usize).max(3);
        let (small, big): (Vec<usize>, Vec<usize>) =
            mine.iter().partition(|&&s| sub_members[s].len() < floor);
        for s in small {
            for u in std::mem::take(&mut sub_members[s]) {
                let best = big.iter().copied().max_by(|&a, &b| {
                    dot(vectors.row(u), &clustering.subs[a].1)
                        .total_cmp(&dot(vectors.row(u), &clustering.subs[b].1))
                        .then(b.cmp(&a))
                });
                placement[u].1 = best;
                if let Some(b) = best {
                    sub_members[b].push(u);
                }
            }
        }
        if big.len() == 1 {
            for u in std::mem::take(&mut sub_members[big[0]]) {
                placement[u].1 = None;
            }
        }
        for &b in &big {
            sub_members[b].sort_unstable();
        }
    }
    let top_centres: Vec<Vec<f32>> = top_members
        .iter()
        .map(|m| mean_centre(&vectors, m.iter().copied()))
        .collect();
    // similarities are to the final centres (the ones kept for the next run): a unit's
    // theme's, or the nearest one's for a unit left unassigned
    for (u, p) in placement.iter_mut().enumerate() {
        p.2 = match p.0 {
            Some(t) => dot(vectors.row(u), &top_centres[t]),
            None => top_centres
                .iter()
                .filter(|c| c.iter().any(|&x| x != 0.0))
                .map(|c| dot(vectors.row(u), c))
                .reduce(f32::max)
                .unwrap_or(p.2),
        };
    }
    let mut sub_ids: Vec<String> = vec![String::new(); clustering.subs.len()];
    for (t, top_id) in top_ids.iter().enumerate().take(ntop) {
        let mine: Vec<usize> = (0..clustering.subs.len())
            .filter(|&s| clustering.subs[s].0 == t && !sub_members[s].is_empty())
            .collect();
        let prefix = format!("{top_id}.");
        let prev: Vec<(String, Vec<f32>)> = prev_centres
            .iter()
            .filter(|(id, _)| id.starts_with(&prefix))
            .cloned()
            .collect();
        let mut next = prev
            .iter()
            .filter_map(|(id, _)| id[prefix.len()..].parse::<usize>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let cs: Vec<Vec<f32>> = mine
            .iter()
            .map(|&s| mean_centre(&vectors, sub_members[s].iter().copied()))
            .collect();
        let ids = match_ids(&cs, &prev, || {
            let id = format!("{prefix}{next}");
            next += 1;
            id
        });
        for (s, id) in mine.into_iter().zip(ids) {
            sub_ids[s] = id;
        }
    }

    // labels: c-TF-IDF phrases, re-ranked with the model when it loads
    let langs: BTreeSet<&str> = units.lang.iter().map(String::as_str).collect();
    let stop = label::Stopwords::for_languages(langs.iter().copied());
    if cfg.model_labels {
        if let Err(e) = load_model(&mut model) {
            tracing::warn!("labels from c-TF-IDF only: {e}");
        }
    }
    // all candidate phrases are embedded in one batched call
    let label_set = |members: &[Vec<usize>],
                     centres: &[Vec<f32>],
                     top: usize|
     -> Result<Vec<Vec<String>>, ThemesError> {
        let classes: Vec<Vec<&str>> = members
            .iter()
            .map(|m| m.iter().map(|&u| units.norm[u].as_str()).collect())
            .collect();
        let cands = label::ctfidf(&classes, &stop, top);
        let phrases: Vec<&str> = cands
            .iter()
            .flatten()
            .map(|(p, _)| p.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let vectors: HashMap<&str, Vec<f32>> = match &model {
            Some(m) if !phrases.is_empty() => phrases
                .iter()
                .copied()
                .zip(m.encode(&phrases, 128).map_err(ThemesError::Embed)?)
                .collect(),
            _ => HashMap::new(),
        };
        Ok(cands
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let vecs: Option<Vec<Vec<f32>>> = c
                    .iter()
                    .map(|(p, _)| vectors.get(p.as_str()).cloned())
                    .collect();
                label::pick_keywords(c, vecs.as_deref(), &centres[i], 8)
            })
            .collect())
    };
    let top_keywords = label_set(&top_members, &top_centres, 20)?;
    let live_subs: Vec<usize> = (0..clustering.subs.len())
        .filter(|&s| !sub_ids[s].is_empty())
        .collect();
    let sub_centres: Vec<Vec<f32>> = live_subs
        .iter()
        .map(|&s| mean_centre(&vectors, sub_members[s].iter().copied()))
        .collect();
    let sub_keywords = label_set(
        &live_subs
            .iter()
            .map(|&s| sub_members[s].clone())
            .collect::<Vec<_>>(),
        &sub_centres,
        12,
    )?;

    let events_of = |m: &[usize]| {
        m.iter()
            .map(|&u| units.events[u].as_str())
            .collect::<BTreeSet<_>>()
            .len()
    };
    let mut themes: Vec<Theme> = Vec::new();
    for t in 0..ntop {
        if top_members[t].is_empty() && !pinned.contains(&top_ids[t]) {
            continue;
        }
        let seeded = book
            .seed
            .iter()
            .find(|s| format!("s-{}", chorus_core::model::slug(&s.label)) == top_ids[t])
            .map(|s| s.label.clone());
        let label = book
            .edit(&top_ids[t])
            .and_then(|e| e.label.clone())
            .or(seeded)
            .unwrap_or_else(|| label::title(&top_keywords[t]));
        themes.push(Theme {
            id: top_ids[t].clone(),
            parent: None,
            label,
            keywords: top_keywords[t].clone(),
            size: top_members[t].len(),
            events: events_of(&top_members[t]),
            pinned: pinned.contains(&top_ids[t]),
            centre: top_centres[t].clone(),
        });
    }
    for (i, &s) in live_subs.iter().enumerate() {
        let id = &sub_ids[s];
        let label = book
            .edit(id)
            .and_then(|e| e.label.clone())
            .unwrap_or_else(|| label::title(&sub_keywords[i]));
        themes.push(Theme {
            id: id.clone(),
            parent: Some(top_ids[clustering.subs[s].0].clone()),
            label,
            keywords: sub_keywords[i].clone(),
            size: sub_members[s].len(),
            events: events_of(&sub_members[s]),
            pinned: false,
            centre: sub_centres[i].clone(),
        });
    }
    themes.sort_by(|a, b| {
        a.parent
            .is_some()
            .cmp(&b.parent.is_some())
            .then(b.size.cmp(&a.size))
            .then(a.id.cmp(&b.id))
    });

    // quotes
    let mut quotes: Vec<(String, usize, usize, f32)> = Vec::new(); // (theme id, rank, unit, similarity)
    for t in 0..ntop {
        for (rank, u) in pick_quotes(&vectors, &units, &top_members[t], &top_centres[t], 5)
            .into_iter()
            .enumerate()
        {
            quotes.push((
                top_ids[t].clone(),
                rank + 1,
                u,
                dot(vectors.row(u), &top_centres[t]),
            ));
        }
    }
    for (i, &s) in live_subs.iter().enumerate() {
        for (rank, u) in pick_quotes(&vectors, &units, &sub_members[s], &sub_centres[i], 3)
            .into_iter()
            .enumerate()
        {
            quotes.push((
                sub_ids[s].clone(),
                rank + 1,
                u,
                dot(vectors.row(u), &sub_centres[i]),
            ));
        }
    }

    let unassigned = placement.iter().filter(|p| p.0.is_none()).count();
    write(
        ws,
        &themes,
        &placement,
        (&top_ids, &sub_ids),
        &units,
        &no_content,
        &quotes,
    )?;
    let state = State {
        next_id,
        dim: vectors.dim,
        centres: themes
            .iter()
            .map(|t| (t.id.clone(), t.centre.clone()))
            .collect(),
        micro: if clustering.micro.is_empty() {
            previous
                .as_ref()
                .map(|p| p.micro.clone())
                .unwrap_or_default()
        } else {
            clustering.micro.clone()
        },
        micro_dim: vectors.dim + WORD_DIMS,
    };
    let params = serde_json::json!({
        "seed": cfg.seed,
        "themes": cfg.themes,
        "min_similarity": cfg.min_similarity,
        "vocabulary_weight": cfg.vocabulary_weight,
        "model_labels": cfg.model_labels,
        "reclustered": !clustering.micro.is_empty(),
    });
    let path = ws.theme_params_file();
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&params).unwrap_or_default(),
    )
    .map_err(|source| ThemesError::Io { path, source })?;
    let path = state_path(ws);
    std::fs::write(&path, serde_json::to_string(&state).unwrap_or_default())
        .map_err(|source| ThemesError::Io { path, source })?;
    let total = n + no_content.len();
    Ok(ThemesReport {
        units: total,
        no_content: no_content.len(),
        no_content_share: no_content.len() as f64 / total as f64,
        micro_clusters: clustering.micro.len() / (vectors.dim + WORD_DIMS),
        reclustered: !clustering.micro.is_empty(),
        themes: themes.iter().filter(|t| t.parent.is_none()).count(),
        subthemes: themes.iter().filter(|t| t.parent.is_some()).count(),
        unassigned,
        unassigned_share: unassigned as f64 / total as f64,
        seconds: started.elapsed().as_secs_f64(),
        themes_list: themes,
    })
}

fn write(
    ws: &Workspace,
    themes: &[Theme],
    placement: &[Placement],
    (top_ids, sub_ids): (&[String], &[String]),
    units: &UnitTexts,
    no_content: &[(String, String)],
    quotes: &[(String, usize, usize, f32)],
) -> Result<(), ThemesError> {
    let dir = ws.themes_dir();
    std::fs::create_dir_all(&dir).map_err(|source| ThemesError::Io {
        path: dir.clone(),
        source,
    })?;
    let w = |path: PathBuf, mut df: DataFrame| -> Result<(), ThemesError> {
        chorus_core::store::write_parquet(&path, &mut df)
            .map_err(|source| ThemesError::Write { path, source })
    };
    let err = |source| ThemesError::Write {
        path: dir.clone(),
        source,
    };
    let n = themes.len();
    let df = DataFrame::new(
        n,
        vec![
            Column::new(
                col::THEME_ID.into(),
                themes.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                col::PARENT_ID.into(),
                themes.iter().map(|t| t.parent.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                col::LABEL.into(),
                themes.iter().map(|t| t.label.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                col::KEYWORDS.into(),
                themes
                    .iter()
                    .map(|t| t.keywords.join("; "))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                col::SIZE.into(),
                themes.iter().map(|t| t.size as u64).collect::<Vec<_>>(),
            ),
            Column::new(
                col::EVENTS.into(),
                themes.iter().map(|t| t.events as u64).collect::<Vec<_>>(),
            ),
            Column::new(
                col::PINNED.into(),
                themes.iter().map(|t| t.pinned).collect::<Vec<_>>(),
            ),
        ],
    )
    .map_err(err)?;
    w(ws.themes_file(), df)?;
    let m = placement.len() + no_content.len();
    let none = || std::iter::repeat_n(None::<String>, no_content.len());
    let df = DataFrame::new(
        m,
        vec![
            Column::new(
                col::UNIT_ID.into(),
                units
                    .ids
                    .iter()
                    .chain(no_content.iter().map(|x| &x.0))
                    .cloned()
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                col::EVENT_ID.into(),
                units
                    .events
                    .iter()
                    .chain(no_content.iter().map(|x| &x.1))
                    .cloned()
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                col::THEME_ID.into(),
                placement
                    .iter()
                    .map(|p| p.0.map(|t| top_ids[t].clone()))
                    .chain(none())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                col::SUBTHEME_ID.into(),
                placement
                    .iter()
                    .map(|p| p.1.map(|s| sub_ids[s].clone()).filter(|s| !s.is_empty()))
                    .chain(none())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                col::SIMILARITY.into(),
                placement
                    .iter()
                    .map(|p| p.2)
                    .chain(std::iter::repeat_n(0.0, no_content.len()))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                col::STATUS.into(),
                placement
                    .iter()
                    .map(|p| p.3.as_str())
                    .chain(std::iter::repeat_n(
                        Status::NoContent.as_str(),
                        no_content.len(),
                    ))
                    .collect::<Vec<_>>(),
            ),
        ],
    )
    .map_err(err)?;
    w(ws.assignments_file(), df)?;
    let q = quotes.len();
    let df = DataFrame::new(
        q,
        vec![
            Column::new(
                col::THEME_ID.into(),
                quotes.iter().map(|x| x.0.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                col::RANK.into(),
                quotes.iter().map(|x| x.1 as u32).collect::<Vec<_>>(),
            ),
            Column::new(
                col::UNIT_ID.into(),
                quotes
                    .iter()
                    .map(|x| units.ids[x.2].clone())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                col::EVENT_ID.into(),
                quotes
                    .iter()
                    .map(|x| units.events[x.2].clone())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                col::SIMILARITY.into(),
                quotes.iter().map(|x| x.3).collect::<Vec<_>>(),
            ),
            Column::new(
                col::TEXT.into(),
                quotes
                    .iter()
                    .map(|x| units.text[x.2].clone())
                    .collect::<Vec<_>>(),
            ),
        ],
    )
    .map_err(err)?;
    w(ws.quotes_file(), df)
}
