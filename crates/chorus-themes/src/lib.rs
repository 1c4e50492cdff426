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
//!
//! [`run`] takes the steps in `stage/` in order: the last run's state and whether to join its
//! themes or cluster anew (`last_run`, with `find.rs`), the codebook's pins, seeds, merges and
//! splits (`edits`, placing units by the policy of `assign.rs`), members and subtheme pruning
//! (`members`), stable ids (`ids`), labels (`labels`), quotes (`quotes`), and the artifacts
//! (`write`). `units.rs` reads the units and sets apart those without a content word.

pub mod assign;
pub mod cluster;
pub mod codebook;
pub mod codebook_edit;
pub mod eval;
pub mod find;
pub mod gold;
pub mod label;
pub mod languages;
pub mod names;
pub mod procedural;
pub mod segment;
pub mod spectral;
pub mod stage;
pub mod units;
pub mod within;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use polars::prelude::PolarsError;
use serde::{Deserialize, Serialize};

use chorus_core::error::{Category, Diagnostic};
pub use chorus_core::model::Status;
use chorus_core::model::Workspace;
use chorus_core::vectors::{self, EmbedFailure, LoadEmbedder, VectorsError};

pub use assign::{Clustering, Placement};
pub use find::find;
use find::WORD_DIMS;
use stage::last_run::{self, LastRun, State};
use stage::{edits, ids, key_points, labels, members, quotes, segments, write, Model};
pub use units::{content_units, unit_texts, UnitTexts};

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
    /// Weight of a transcript unit's segment (its weighted mean vector) blended into the
    /// unit's vector before clustering; 0 leaves transcripts as lines on their own.
    pub context_weight: f32,
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
            context_weight: 3.0,
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

/// One theme or subtheme, as published (ids as text, formatted from their `ThemeId`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Theme {
    pub id: String,
    pub parent: Option<String>,
    pub label: String,
    pub keywords: Vec<String>,
    /// The language of its label and keywords (see `UnitTexts::language_of`); "" for a label
    /// from the codebook, which is in the report's language.
    pub lang: String,
    /// (language, keywords) of its units in its other languages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_keywords: Vec<(String, Vec<String>)>,
    pub size: usize,
    pub events: usize,
    /// Pinned in the codebook, or made from a codebook seed.
    pub pinned: bool,
    #[serde(skip)]
    pub centre: Vec<f32>,
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
    /// Transcript units that run the meeting (welcome, agenda, thanks...), left out too.
    pub procedural: usize,
    /// Topic segments of the transcripts.
    pub segments: usize,
    pub seconds: f64,
    pub themes_list: Vec<Theme>,
}

/// The time each step of the stage took, logged at debug level (`RUST_LOG=chorus=debug`).
struct Step(std::time::Instant);

impl Step {
    fn took(&mut self, what: &str) {
        tracing::debug!("{what} in {:.1} s", self.0.elapsed().as_secs_f64());
        self.0 = std::time::Instant::now();
    }
}

/// Runs the themes stage on the workspace.
pub fn run(
    ws: &Workspace,
    cfg: &ThemesConfig,
    embedder: LoadEmbedder,
) -> Result<ThemesReport, ThemesError> {
    let _span = tracing::info_span!("themes").entered();
    let started = std::time::Instant::now();
    let mut step = Step(started);
    let (mut all_vectors, all_units) = (vectors::load(ws)?, unit_texts(ws)?);
    step.took("vectors and texts read");
    // the same thing said in two languages is one theme: each language's offset taken out
    languages::centre(&mut all_vectors, &all_units.lang);
    // transcripts are conversations: their topic segments first, each line read in its context
    let found = segments::find(ws, &all_vectors, &all_units, cfg.seed)?;
    segments::blend_context(&mut all_vectors, &found, cfg.context_weight);
    step.took("transcript segments");
    // backchannels, fillers and running the meeting carry no opinion: kept out (and counted)
    let (vectors, units, no_content) =
        content_units(all_vectors, all_units, &segments::prompts(&found));
    let n = vectors.unit_ids.len();
    if n < 10 {
        return Err(ThemesError::TooFew(n));
    }
    let last = LastRun::read(ws, &vectors.info.model_id);
    let book = codebook::read(&ws.codebook_file())?;
    let mut model = Model::new(embedder, &vectors.info.model_dir);

    let start = last_run::start(ws, &vectors, &units, cfg, &last);
    let next_id = start.next_id;
    let mut assigned = edits::pin_and_seed(
        &book,
        &last,
        start,
        &vectors,
        &mut model,
        cfg.min_similarity,
    )?;
    edits::merge_and_split(&book, &mut assigned, &vectors, cfg.seed);
    step.took("themes found");
    let mut members = members::gather(&assigned);
    members::prune_subthemes(&mut members, &mut assigned, &vectors);
    let top_centres = members::centres(&vectors, &members.tops);
    members::rescore(&mut assigned.placement, &vectors, &top_centres);
    let groups = ids::groups(&assigned, members, top_centres, &vectors, &last);
    step.took("subthemes and ids");
    let themes = labels::themes(
        &book,
        &groups,
        &assigned.pinned,
        &units,
        &mut model,
        cfg.model_labels,
    )?;
    step.took("labels and titles");
    let (key_points, behind) = key_points::key_points(&vectors, &units, &groups);
    // a theme's quotes add voices to its key points rather than repeat them
    let said: HashSet<usize> = key_points.iter().map(|k| k.unit).collect();
    let pinned_quotes = codebook::pinned_quotes(&book, &ws.codebook_file(), &units.ids)?;
    let quotes = quotes::quotes(&vectors, &units, &groups, &said, &pinned_quotes);
    step.took("key points and quotes");
    let theme_of: HashMap<&str, String> = assigned
        .placement
        .iter()
        .enumerate()
        .filter_map(|(u, p)| Some((units.ids[u].as_str(), groups.tops[p.theme?].id.to_string())))
        .collect();
    let segment_of = segments::segment_of(&found);
    let agenda = segments::with_themes(found, &theme_of);

    let placement = &assigned.placement;
    write::artifacts(
        ws,
        &write::Artifacts {
            themes: &themes,
            placement,
            groups: &groups,
            units: &units,
            no_content: &no_content,
            quotes: &quotes,
            key_points: &key_points,
            behind: &behind,
            segments: &agenda,
            segment_of: &segment_of,
        },
    )?;
    // micro-clusters are made only when clustering anew; else the last run's are kept
    let micro = &assigned.clustering.micro;
    let reclustered = !micro.is_empty();
    write::params(ws, cfg, reclustered)?;
    write::state(
        ws,
        &State {
            next_id,
            dim: vectors.dim,
            centres: themes
                .iter()
                .map(|t| (t.id.clone(), t.centre.clone()))
                .collect(),
            micro: match (reclustered, last.state) {
                (false, Some(s)) => s.micro,
                _ => micro.clone(),
            },
            micro_dim: vectors.dim + WORD_DIMS,
            model_id: Some(vectors.info.model_id.clone()),
        },
    )?;
    step.took("written");
    let unassigned = placement.iter().filter(|p| p.theme.is_none()).count();
    let total = n + no_content.len();
    let left_out = |s: Status| no_content.iter().filter(|x| x.status == s).count();
    Ok(ThemesReport {
        units: total,
        no_content: left_out(Status::NoContent),
        no_content_share: left_out(Status::NoContent) as f64 / total as f64,
        procedural: left_out(Status::Procedural),
        segments: agenda.len(),
        micro_clusters: micro.len() / (vectors.dim + WORD_DIMS),
        reclustered,
        themes: themes.iter().filter(|t| t.parent.is_none()).count(),
        subthemes: themes.iter().filter(|t| t.parent.is_some()).count(),
        unassigned,
        unassigned_share: unassigned as f64 / total as f64,
        seconds: started.elapsed().as_secs_f64(),
        themes_list: themes,
    })
}
