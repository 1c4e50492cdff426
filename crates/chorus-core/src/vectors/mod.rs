//! The vector artifact (`.chorus/vectors/`): which model the workspace's vectors come from
//! (`current.json`), the append-only cache of each model's vectors (`cache.rs`), the vectors of
//! every unit in unit order, and the [`Embedder`] trait through which later stages reach the
//! model without depending on libtorch.

pub mod batched;
pub mod cache;
mod dot;
pub mod group;
mod scan;

use std::path::{Path, PathBuf};

pub use dot::dot;
pub use scan::dot8;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Category, Diagnostic};
use crate::model::{col, Table, Workspace};

/// Why the vectors of the workspace could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum VectorsError {
    #[error("the workspace `{path}` has no corpus yet")]
    NoCorpus { path: PathBuf },
    #[error("could not read the units of the workspace")]
    Frames(#[source] PolarsError),
    #[error("could not read or write the embedding cache `{path}`")]
    Cache {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the workspace `{path}` has no embeddings yet")]
    NoVectors { path: PathBuf },
}

impl Diagnostic for VectorsError {
    fn hint(&self) -> Option<String> {
        match self {
            VectorsError::NoCorpus { .. } => Some("run `chorus ingest PATH...` first".into()),
            VectorsError::NoVectors { .. } => Some("run `chorus embed` first".into()),
            VectorsError::Frames(_) | VectorsError::Cache { .. } => None,
        }
    }
}

/// An error of an [`Embedder`] or of loading one: the implementation's own error, with its
/// message, causes, category and hint kept.
#[derive(Debug)]
pub struct EmbedFailure {
    inner: Box<dyn std::error::Error + Send + Sync>,
    category: Category,
    hint: Option<String>,
}

impl EmbedFailure {
    pub fn new<E: Diagnostic + Send + Sync + 'static>(e: E) -> Self {
        Self {
            category: e.category(),
            hint: e.hint(),
            inner: Box::new(e),
        }
    }
}

impl std::fmt::Display for EmbedFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl std::error::Error for EmbedFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source()
    }
}

impl Diagnostic for EmbedFailure {
    fn category(&self) -> Category {
        self.category
    }

    fn hint(&self) -> Option<String> {
        self.hint.clone()
    }
}

/// What turns texts into unit-length vectors. The embed crate implements it (BERT on tch); the
/// stages that need a query or a label embedded take it as `&dyn Embedder`, so they build and
/// test without libtorch.
pub trait Embedder: Send + Sync {
    /// One vector per text, in input order, `batch` texts per forward pass.
    fn encode(&self, texts: &[&str], batch: usize) -> Result<Vec<Vec<f32>>, EmbedFailure>;
}

/// A model shared by several owners (the server keeps one across reloads of the workspace).
impl<E: Embedder + ?Sized> Embedder for std::sync::Arc<E> {
    fn encode(&self, texts: &[&str], batch: usize) -> Result<Vec<Vec<f32>>, EmbedFailure> {
        (**self).encode(texts, batch)
    }
}

/// Loads the model of a folder (`None`: the default model) when a stage needs it; the binary
/// passes the embed crate's loader.
pub type LoadEmbedder<'a> = &'a dyn Fn(Option<&Path>) -> Result<Box<dyn Embedder>, EmbedFailure>;

/// Cosine similarity of two vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let (na, nb) = (dot(a, a).sqrt(), dot(b, b).sqrt());
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot(a, b) / (na * nb)
    }
}

/// Which model the workspace's vectors come from (`.chorus/vectors/current.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VectorsInfo {
    pub model_dir: PathBuf,
    pub model_id: String,
    pub dim: usize,
}

/// Whether the workspace has vectors (`chorus embed` has run).
pub fn info_exists(ws: &Workspace) -> bool {
    info_path(ws).is_file()
}

pub fn info_path(ws: &Workspace) -> PathBuf {
    ws.vectors_info_file()
}

pub fn cache_path(ws: &Workspace, model_id: &str) -> PathBuf {
    ws.vectors_cache_file(model_id)
}

/// Unit ids, text hashes and normalised texts of the whole workspace, in unit order.
type UnitKeys = (Vec<String>, Vec<String>, Vec<String>);

pub fn unit_keys(ws: &Workspace) -> Result<UnitKeys, VectorsError> {
    let units = crate::store::read_table(ws, Table::Units).map_err(VectorsError::Frames)?;
    if units.height() == 0 {
        return Err(VectorsError::NoCorpus {
            path: ws.root().to_path_buf(),
        });
    }
    let s = |name: &str| -> Result<Vec<String>, VectorsError> {
        Ok(units
            .column(name)
            .and_then(|c| c.str().cloned())
            .map_err(VectorsError::Frames)?
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect())
    };
    Ok((s(col::UNIT_ID)?, s(col::TEXT_HASH)?, s(col::TEXT_NORM)?))
}

/// The vectors of every unit of the workspace, in unit order, as one row-major matrix.
pub struct UnitVectors {
    pub unit_ids: Vec<String>,
    pub dim: usize,
    pub data: Vec<f32>,
    pub info: VectorsInfo,
}

impl UnitVectors {
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// Every unit's dot product with each query (`[query][unit]`), the vectors read once for
    /// all the queries ([`scan::scores`]): the same scores for a query whether it is scored
    /// alone or with others. Units marked in `skip` are not scored (negative infinity).
    pub fn scores(&self, queries: &[&[f32]], skip: Option<&[bool]>) -> Vec<Vec<f32>> {
        scan::scores(&self.data, self.dim, queries, skip)
    }
}

/// Loads the vectors written by [`run`]; fails if any unit lacks one (the stage is stale).
pub fn load(ws: &Workspace) -> Result<UnitVectors, VectorsError> {
    let info: VectorsInfo = std::fs::read_to_string(info_path(ws))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .ok_or_else(|| VectorsError::NoVectors {
            path: ws.root().to_path_buf(),
        })?;
    let path = cache_path(ws, &info.model_id);
    let cache = cache::Cache::open(&path, info.dim).map_err(|source| VectorsError::Cache {
        path: path.clone(),
        source,
    })?;
    let (ids, hashes, _) = unit_keys(ws)?;
    let mut data = Vec::with_capacity(ids.len() * info.dim);
    for h in &hashes {
        match cache.get(&cache::key_of(h)) {
            Some(v) => data.extend_from_slice(v),
            None => {
                return Err(VectorsError::NoVectors {
                    path: ws.root().to_path_buf(),
                })
            }
        }
    }
    Ok(UnitVectors {
        unit_ids: ids,
        dim: info.dim,
        data,
        info,
    })
}

/// Test data shared by the vector modules' tests.
#[cfg(test)]
pub(crate) mod testing {
    /// xorshift values in [-0.5, 0.5).
    pub fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as f32 / u32::MAX as f32 - 0.5
            })
            .collect()
    }
}
