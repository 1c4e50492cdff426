//! What the last run left (`state.json`: theme centres, micro-cluster centroids, the next id;
//! `assignments.parquet`: where each unit went) and how this run starts from it: joining the
//! last run's themes, or clustering anew with ids matched by centre.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use chorus_core::model::{Status, ThemeId, Workspace};
use chorus_core::vectors::UnitVectors;

use crate::assign::{Clustering, Seen, Subtheme};
use crate::find::{find, vote, SPECTRAL_UNITS};
use crate::stage::ids::match_ids;
use crate::units::UnitTexts;
use crate::{cluster, ThemesConfig};

/// What is kept between runs for stable ids and warm starts (`.chorus/themes/state.json`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    pub next_id: usize,
    pub dim: usize,
    /// theme id -> centre (kept as text: a seed's id need not parse, see [`LastRun::read`]).
    pub centres: BTreeMap<String, Vec<f32>>,
    /// Micro-cluster centroids of the last run (row-major, `micro_dim` wide).
    pub micro: Vec<f32>,
    #[serde(default)]
    pub micro_dim: usize,
    /// The vectors' model (`vectors/current.json` `model_id`): centres from another model's
    /// space mean nothing in this one.
    #[serde(default)]
    pub model_id: Option<String>,
}

/// Above this share of units fitting none of the last run's themes, cluster again.
const RECLUSTER_SHARE: f64 = 0.05;

/// The last run's state, read once.
pub struct LastRun {
    pub state: Option<State>,
    /// Every theme's and subtheme's centre, in id order.
    pub centres: Vec<(ThemeId, Vec<f32>)>,
}

impl LastRun {
    /// Reads `state.json` (nothing when absent or unreadable). A centre whose id does not
    /// parse is skipped: only a seed's can be such (its label's slug may hold a `.`), and a
    /// seed's theme is made anew from the codebook on every run.
    ///
    /// Centres made with another model than `model_id` (the units were embedded again, e.g.
    /// with the multilingual model once events in other languages arrived) are dropped: this
    /// run clusters anew, its new themes numbered after the last run's.
    pub fn read(ws: &Workspace, model_id: &str) -> Self {
        let mut state: Option<State> = std::fs::read_to_string(ws.theme_state_file())
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok());
        if let Some(s) = state
            .as_ref()
            .filter(|s| s.model_id.as_deref().is_some_and(|m| m != model_id))
        {
            tracing::warn!(
                "the units were embedded with another model since the last themes run: clustering anew"
            );
            state = Some(State {
                next_id: s.next_id,
                ..State::default()
            });
        }
        let centres = state
            .as_ref()
            .map(|p| {
                p.centres
                    .iter()
                    .filter_map(|(k, v)| Some((k.parse().ok()?, v.clone())))
                    .collect()
            })
            .unwrap_or_default();
        LastRun { state, centres }
    }

    /// The last run's id and centre of the theme the codebook calls `id`.
    pub fn theme(&self, id: &str) -> Option<&(ThemeId, Vec<f32>)> {
        self.centres.iter().find(|(i, _)| i.as_str() == id)
    }

    /// The next number for a theme found by clustering.
    fn next_id(&self) -> usize {
        self.state.as_ref().map_or(1, |p| p.next_id.max(1))
    }
}

/// Where this run starts: the themes found, their ids, the next free number.
pub struct Start {
    pub clustering: Clustering,
    /// The id of each top theme of `clustering`.
    pub top_ids: Vec<ThemeId>,
    pub next_id: usize,
}

/// Units join the last run's themes when they fit; only when too many fit none (a new topic
/// arrived), or asked to, is everything clustered again, ids matched by centre.
pub fn start(
    ws: &Workspace,
    vectors: &UnitVectors,
    units: &UnitTexts,
    cfg: &ThemesConfig,
    last: &LastRun,
) -> Start {
    let n = vectors.unit_ids.len();
    // the themes the clustering found: codebook seeds come back from the codebook
    let tops: Vec<(ThemeId, Vec<f32>)> = last
        .centres
        .iter()
        .filter(|(id, _)| id.is_top() && !id.is_seeded())
        .cloned()
        .collect();
    let mut next_id = last.next_id();
    if !cfg.recluster && !tops.is_empty() {
        let c = Clustering::fixed(&tops, &last.centres, vectors, &last_placement(ws), cfg.seed);
        let left = c
            .assign(vectors, &[], cfg.min_similarity)
            .iter()
            .filter(|p| p.theme.is_none())
            .count();
        if left as f64 <= RECLUSTER_SHARE * n as f64 {
            return Start {
                clustering: c,
                top_ids: tops.into_iter().map(|(id, _)| id).collect(),
                next_id,
            };
        }
    }
    let clustering = find(vectors, units, cfg, last.state.as_ref());
    let top_ids = match_ids(&clustering.tops, &tops, || {
        let id = ThemeId::found(next_id);
        next_id += 1;
        id
    });
    Start {
        clustering,
        top_ids,
        next_id,
    }
}

/// Where the last run put a unit.
struct LastPlace {
    theme: Option<ThemeId>,
    subtheme: Option<ThemeId>,
    /// Placed (clustered or reassigned) exactly when it has a theme.
    status: Option<Status>,
}

/// Reads the last run's placement by unit id from `themes/assignments.parquet` (empty when
/// absent).
fn last_placement(ws: &Workspace) -> HashMap<String, LastPlace> {
    let Ok(rows) = chorus_core::themes_artifact::read_assignments(ws) else {
        return HashMap::new();
    };
    let id = |s: Option<String>| s.and_then(|s| s.parse().ok());
    rows.into_iter()
        .map(|r| {
            let place = LastPlace {
                theme: id(r.theme_id),
                subtheme: id(r.subtheme_id),
                status: Some(r.status),
            };
            (r.unit_id, place)
        })
        .collect()
}

impl Clustering {
    /// The last run's themes as they were (`tops` among `all` the centres). Units it placed
    /// keep their theme and subtheme; units it did not see join the theme of their nearest
    /// placed units.
    fn fixed(
        tops: &[(ThemeId, Vec<f32>)],
        all: &[(ThemeId, Vec<f32>)],
        vectors: &UnitVectors,
        last: &HashMap<String, LastPlace>,
        seed: u64,
    ) -> Self {
        use rayon::prelude::*;
        let top_index: HashMap<&ThemeId, usize> = tops
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (id, i))
            .collect();
        let subs: Vec<(&ThemeId, Subtheme)> = all
            .iter()
            .filter_map(|(id, c)| {
                let theme = *top_index.get(&id.parent()?)?;
                let centre = c.clone();
                Some((id, Subtheme { theme, centre }))
            })
            .collect();
        let sub_index: HashMap<&ThemeId, usize> = subs
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (*id, i))
            .collect();
        let n = vectors.unit_ids.len();
        let before: Vec<Option<&LastPlace>> =
            vectors.unit_ids.iter().map(|id| last.get(id)).collect();
        let last_theme: Vec<Option<usize>> = before
            .iter()
            .map(|b| b.and_then(|p| top_index.get(p.theme.as_ref()?).copied()))
            .collect();
        let unit_sub: Vec<Option<usize>> = before
            .iter()
            .map(|b| b.and_then(|p| sub_index.get(p.subtheme.as_ref()?).copied()))
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
            .map(|b| match b.map(|p| p.status) {
                None => Seen::New,
                Some(Some(status)) if status.placed() => Seen::Placed {
                    reassigned: status == Status::Reassigned,
                },
                Some(_) => Seen::LeftOut,
            })
            .collect();
        Clustering {
            tops: tops.iter().map(|(_, c)| c.clone()).collect(),
            subs: subs.into_iter().map(|(_, s)| s).collect(),
            micro: Vec::new(),
            micro_assign: Vec::new(),
            micro_theme: HashMap::new(),
            micro_sub: HashMap::new(),
            unit_theme,
            unit_sub,
            seen,
        }
    }
}
