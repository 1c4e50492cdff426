//! The steps of the themes stage, in the order [`crate::run`] takes them: cut the transcripts
//! into topic segments (`segments`), start from the last run (`last_run`), apply the codebook (`edits`), settle each theme's and subtheme's members
//! (`members`), give subthemes stable ids (`ids`), label the themes (`labels`), pick quotes
//! (`quotes`), give each segment its theme (`segments`), write the artifacts (`write`).

pub mod edits;
pub mod ids;
pub mod key_points;
pub mod labels;
pub mod last_run;
pub mod members;
pub mod quotes;
pub mod segments;
pub mod write;

use chorus_core::model::ThemeId;
use chorus_core::vectors::{Embedder, LoadEmbedder};

use crate::ThemesError;

/// A theme or subtheme as the steps leave it.
pub struct Group {
    pub id: ThemeId,
    /// The theme of a subtheme.
    pub parent: Option<ThemeId>,
    /// Its units, in unit order.
    pub members: Vec<usize>,
    pub centre: Vec<f32>,
}

/// The final themes and subthemes.
pub struct Groups {
    /// Every top theme, by index (empty ones too).
    pub tops: Vec<Group>,
    /// The subthemes with units, in the clustering's order.
    pub subs: Vec<Group>,
    /// The id of each of the clustering's subthemes (`None` for one left without units).
    pub sub_ids: Vec<Option<ThemeId>>,
}

/// The embedding model, loaded when a step first needs it (codebook seeds, labels): the model
/// of the workspace's vectors, so a phrase's vector and a theme's centre are comparable.
pub struct Model<'a> {
    load: LoadEmbedder<'a>,
    dir: std::path::PathBuf,
    loaded: Option<Box<dyn Embedder>>,
}

impl<'a> Model<'a> {
    /// The model in `dir` (`model_dir` of the vectors' `current.json`).
    pub fn new(load: LoadEmbedder<'a>, dir: &std::path::Path) -> Self {
        Model {
            load,
            dir: dir.to_path_buf(),
            loaded: None,
        }
    }

    /// The model, loading it on first use.
    pub fn get(&mut self) -> Result<&dyn Embedder, ThemesError> {
        if self.loaded.is_none() {
            self.loaded = Some((self.load)(Some(&self.dir)).map_err(ThemesError::Embed)?);
        }
        Ok(self.loaded.as_deref().expect("loaded above"))
    }

    /// The model if a step loaded it.
    pub fn loaded(&self) -> Option<&dyn Embedder> {
        self.loaded.as_deref()
    }
}
