//! The BERT encoder, written directly with tch: what a sentence-transformers folder's
//! `0_Transformer` (a Hugging Face `BertModel`) computes, followed by its mean pooling and an L2
//! normalisation.
//!
//! Per layer: one fused query/key/value projection, libtorch's scaled-dot-product attention
//! with the padding mask, the output projection, residual and layer norm, the intermediate
//! projection with the exact (erf) GELU as one op, the output projection, residual and layer
//! norm. Hidden states are kept as one `[tokens, hidden]` matrix so that every projection is a
//! single matrix multiply. Only the configurations this forward reproduces exactly are loaded:
//! `model_type` "bert", absolute positions, `hidden_act` "gelu", mean pooling, no Dense module;
//! anything else is a typed error naming the file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use tch::{Kind, TchError, Tensor};

use super::cpu::{dequantize, quantize_rows, short_attention, SHORT};
use super::EmbedError;

/// The fields of `config.json` the forward needs (Hugging Face's names and defaults).
#[derive(Debug, Clone, Deserialize)]
pub struct BertConfig {
    pub hidden_size: i64,
    pub num_hidden_layers: i64,
    pub num_attention_heads: i64,
    pub intermediate_size: i64,
    pub vocab_size: i64,
    pub max_position_embeddings: i64,
    #[serde(default = "default_type_vocab_size")]
    pub type_vocab_size: i64,
    #[serde(default = "default_layer_norm_eps")]
    pub layer_norm_eps: f64,
    #[serde(default = "default_hidden_act")]
    pub hidden_act: String,
    #[serde(default)]
    pub model_type: Option<String>,
    #[serde(default)]
    pub position_embedding_type: Option<String>,
    /// The id of the padding token (its rows are masked out).
    #[serde(default)]
    pub pad_token_id: i64,
}

fn default_type_vocab_size() -> i64 {
    2
}

fn default_layer_norm_eps() -> f64 {
    1e-12
}

fn default_hidden_act() -> String {
    "gelu".to_string()
}

fn unsupported(
    path: &Path,
    setting: &'static str,
    expected: &'static str,
    found: String,
) -> EmbedError {
    EmbedError::Unsupported {
        path: path.to_path_buf(),
        setting,
        expected,
        found,
    }
}

/// Reads and parses a JSON file, naming it in the error.
pub(super) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, EmbedError> {
    let text = std::fs::read_to_string(path).map_err(|source| EmbedError::ReadConfig {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| EmbedError::ParseConfig {
        path: path.to_path_buf(),
        source,
    })
}

impl BertConfig {
    /// Reads and checks `DIR/config.json`.
    pub fn read(dir: &Path) -> Result<Self, EmbedError> {
        let path = dir.join("config.json");
        let c: BertConfig = read_json(&path)?;
        if let Some(t) = c.model_type.as_deref().filter(|t| *t != "bert") {
            return Err(unsupported(
                &path,
                "model_type",
                "\"bert\"",
                format!("{t:?}"),
            ));
        }
        if c.hidden_act != "gelu" {
            return Err(unsupported(
                &path,
                "hidden_act",
                "\"gelu\" (the exact erf form)",
                format!("{:?}", c.hidden_act),
            ));
        }
        if let Some(p) = c
            .position_embedding_type
            .as_deref()
            .filter(|p| *p != "absolute")
        {
            return Err(unsupported(
                &path,
                "position_embedding_type",
                "\"absolute\"",
                format!("{p:?}"),
            ));
        }
        let positive = [
            ("hidden_size", c.hidden_size),
            ("num_hidden_layers", c.num_hidden_layers),
            ("num_attention_heads", c.num_attention_heads),
            ("intermediate_size", c.intermediate_size),
            ("vocab_size", c.vocab_size),
            ("max_position_embeddings", c.max_position_embeddings),
            ("type_vocab_size", c.type_vocab_size),
        ];
        for (setting, v) in positive {
            if v < 1 {
                return Err(unsupported(
                    &path,
                    setting,
                    "a positive number",
                    v.to_string(),
                ));
            }
        }
        if !(0..c.vocab_size).contains(&c.pad_token_id) {
            return Err(unsupported(
                &path,
                "pad_token_id",
                "a token id below vocab_size",
                format!("{} (vocab_size {})", c.pad_token_id, c.vocab_size),
            ));
        }
        if c.hidden_size % c.num_attention_heads != 0 {
            return Err(unsupported(
                &path,
                "num_attention_heads",
                "a divisor of hidden_size",
                format!("{} (hidden_size {})", c.num_attention_heads, c.hidden_size),
            ));
        }
        Ok(c)
    }
}

/// Checks `DIR/1_Pooling/config.json` (mean pooling only, of `hidden` dimensions) and
/// `DIR/modules.json` (a Transformer, a Pooling, optionally a Normalize: no Dense layer).
pub fn check_pipeline(dir: &Path, hidden: i64) -> Result<(), EmbedError> {
    let path = dir.join("1_Pooling/config.json");
    let pooling: serde_json::Map<String, serde_json::Value> = read_json(&path)?;
    let modes: Vec<&str> = pooling
        .iter()
        .filter(|(k, v)| k.starts_with("pooling_mode_") && v.as_bool() == Some(true))
        .map(|(k, _)| k.as_str())
        .collect();
    if modes != ["pooling_mode_mean_tokens"] {
        return Err(unsupported(
            &path,
            "pooling_mode_*",
            "mean pooling alone (pooling_mode_mean_tokens: true, every other mode false)",
            format!("{modes:?}"),
        ));
    }
    if let Some(d) = pooling.get("word_embedding_dimension") {
        if d.as_i64() != Some(hidden) {
            return Err(unsupported(
                &path,
                "word_embedding_dimension",
                "the hidden_size of config.json",
                format!("{d} (hidden_size {hidden})"),
            ));
        }
    }
    let path = dir.join("modules.json");
    #[derive(Deserialize)]
    struct Module {
        #[serde(rename = "type")]
        kind: String,
    }
    let modules: Vec<Module> = read_json(&path)?;
    for m in &modules {
        let kind = m.kind.rsplit('.').next().unwrap_or_default();
        if !matches!(kind, "Transformer" | "Pooling" | "Normalize") {
            return Err(unsupported(
                &path,
                "type",
                "Transformer, Pooling and Normalize modules only",
                format!("{:?}", m.kind),
            ));
        }
    }
    Ok(())
}

/// A linear layer, `x W^T + b`, with weights `[out, in]` as stored; optionally with an 8-bit copy
/// of the weights that [`Linear::forward`] uses instead (see [`Bert::quantized`]).
struct Linear {
    w: Tensor,
    b: Tensor,
    int8: Option<Int8>,
}

/// Weights quantised to 8 bits, symmetric, one scale per output (`w[o] ≈ scale[o] · q[o]`),
/// transposed for the integer product.
struct Int8 {
    /// `[in, out]`, int8.
    qt: Tensor,
    /// Per output: the float value of one step.
    scale: Vec<f32>,
    /// The bias, per output.
    bias: Vec<f32>,
}

impl Linear {
    fn new(w: Tensor, b: Tensor) -> Self {
        Self { w, b, int8: None }
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor, TchError> {
        let Some(q) = &self.int8 else {
            return x.f_linear(&self.w, Some(&self.b));
        };
        // each row of the activations quantised on its own, symmetric: x[r] ≈ s[r] · xq[r];
        // the integer product's sums scaled back to floats with the bias added, in one pass
        let (xq, s) = quantize_rows(x)?;
        dequantize(&xq.f_internal_int_mm(&q.qt)?, &s, &q.scale, &q.bias)
    }

    /// The same layer with its weights also quantised (per output row, symmetric).
    fn quantized(&self) -> Result<Self, TchError> {
        let (q, scale) = quantize_rows(&self.w)?;
        Ok(Self {
            w: self.w.shallow_clone(),
            b: self.b.shallow_clone(),
            int8: Some(Int8 {
                qt: q.f_transpose(0, 1)?.f_contiguous()?,
                scale,
                bias: Vec::<f32>::try_from(&self.b)?,
            }),
        })
    }

    fn shallow_clone(&self) -> Self {
        Self {
            w: self.w.shallow_clone(),
            b: self.b.shallow_clone(),
            int8: self.int8.as_ref().map(|q| Int8 {
                qt: q.qt.shallow_clone(),
                scale: q.scale.clone(),
                bias: q.bias.clone(),
            }),
        }
    }
}

/// The weights of one encoder layer.
struct Layer {
    qkv: Linear,
    attn_out: Linear,
    attn_ln_w: Tensor,
    attn_ln_b: Tensor,
    inter: Linear,
    out: Linear,
    out_ln_w: Tensor,
    out_ln_b: Tensor,
}

impl Layer {
    fn shallow_clone(&self) -> Self {
        match self.map_linear(|l| Ok::<_, std::convert::Infallible>(l.shallow_clone())) {
            Ok(layer) => layer,
            Err(never) => match never {},
        }
    }

    /// The same layer with `f` of each linear layer; the layer norms shared.
    fn map_linear<E>(&self, f: impl Fn(&Linear) -> Result<Linear, E>) -> Result<Self, E> {
        Ok(Self {
            qkv: f(&self.qkv)?,
            attn_out: f(&self.attn_out)?,
            attn_ln_w: self.attn_ln_w.shallow_clone(),
            attn_ln_b: self.attn_ln_b.shallow_clone(),
            inter: f(&self.inter)?,
            out: f(&self.out)?,
            out_ln_w: self.out_ln_w.shallow_clone(),
            out_ln_b: self.out_ln_b.shallow_clone(),
        })
    }
}

/// A loaded BERT encoder with mean pooling. Not `Sync` (libtorch tensors); one per thread,
/// made with [`Bert::shallow_clone`], which shares the weights.
pub struct Bert {
    word: Tensor,
    /// Position embeddings plus the embedding of token type 0: `[max positions, hidden]`.
    pos_type: Tensor,
    emb_ln_w: Tensor,
    emb_ln_b: Tensor,
    layers: Vec<Layer>,
    hidden: i64,
    heads: i64,
    eps: f64,
    max_positions: i64,
    /// Attention over short sequences by [`short_attention`] (the query model's); else always
    /// libtorch's.
    own_attention: bool,
}

/// The tensors of `model.safetensors` by name, without a leading `bert.`.
struct Store {
    path: PathBuf,
    tensors: HashMap<String, Tensor>,
}

impl Store {
    fn read(path: PathBuf) -> Result<Self, EmbedError> {
        let list = Tensor::read_safetensors(&path).map_err(|source| EmbedError::Weights {
            path: path.clone(),
            source,
        })?;
        let tensors = list
            .into_iter()
            .map(|(name, t)| match name.strip_prefix("bert.") {
                Some(rest) => (rest.to_string(), t),
                None => (name, t),
            })
            .collect();
        Ok(Self { path, tensors })
    }

    /// Takes the tensor `name` (or, for a layer norm, its old `gamma`/`beta` name), checks
    /// its shape and makes it a contiguous float tensor.
    fn take(&mut self, name: &str, shape: &[i64]) -> Result<Tensor, EmbedError> {
        let old = name
            .strip_suffix("LayerNorm.weight")
            .map(|p| format!("{p}LayerNorm.gamma"))
            .or_else(|| {
                name.strip_suffix("LayerNorm.bias")
                    .map(|p| format!("{p}LayerNorm.beta"))
            });
        let t = self
            .tensors
            .remove(name)
            .or_else(|| old.and_then(|o| self.tensors.remove(&o)))
            .ok_or_else(|| EmbedError::MissingWeight {
                path: self.path.clone(),
                name: name.to_string(),
            })?;
        if t.size() != shape {
            return Err(EmbedError::WeightShape {
                path: self.path.clone(),
                name: name.to_string(),
                expected: shape.to_vec(),
                found: t.size(),
            });
        }
        t.f_to_kind(Kind::Float)
            .and_then(|t| t.f_contiguous())
            .map_err(|source| EmbedError::Weights {
                path: self.path.clone(),
                source,
            })
    }
}

impl Bert {
    /// Loads `DIR/model.safetensors` for the configuration `c` (read by [`BertConfig::read`]).
    pub fn load(dir: &Path, c: &BertConfig) -> Result<Self, EmbedError> {
        let _guard = tch::no_grad_guard();
        let mut s = Store::read(dir.join("model.safetensors"))?;
        let h = c.hidden_size;
        let i = c.intermediate_size;
        let word = s.take("embeddings.word_embeddings.weight", &[c.vocab_size, h])?;
        let pos = s.take(
            "embeddings.position_embeddings.weight",
            &[c.max_position_embeddings, h],
        )?;
        let types = s.take(
            "embeddings.token_type_embeddings.weight",
            &[c.type_vocab_size, h],
        )?;
        let emb_ln_w = s.take("embeddings.LayerNorm.weight", &[h])?;
        let emb_ln_b = s.take("embeddings.LayerNorm.bias", &[h])?;
        let path = s.path.clone();
        let weights_err = |source| EmbedError::Weights {
            path: path.clone(),
            source,
        };
        let pos_type = types
            .f_narrow(0, 0, 1)
            .and_then(|t0| pos.f_add(&t0))
            .map_err(weights_err)?;
        let mut layers = Vec::with_capacity(c.num_hidden_layers as usize);
        for n in 0..c.num_hidden_layers {
            let p = format!("encoder.layer.{n}.");
            let mut w = |name: &str, shape: &[i64]| s.take(&format!("{p}{name}"), shape);
            let q_w = w("attention.self.query.weight", &[h, h])?;
            let q_b = w("attention.self.query.bias", &[h])?;
            let k_w = w("attention.self.key.weight", &[h, h])?;
            let k_b = w("attention.self.key.bias", &[h])?;
            let v_w = w("attention.self.value.weight", &[h, h])?;
            let v_b = w("attention.self.value.bias", &[h])?;
            let attn_out_w = w("attention.output.dense.weight", &[h, h])?;
            let attn_out_b = w("attention.output.dense.bias", &[h])?;
            let attn_ln_w = w("attention.output.LayerNorm.weight", &[h])?;
            let attn_ln_b = w("attention.output.LayerNorm.bias", &[h])?;
            let inter_w = w("intermediate.dense.weight", &[i, h])?;
            let inter_b = w("intermediate.dense.bias", &[i])?;
            let out_w = w("output.dense.weight", &[h, i])?;
            let out_b = w("output.dense.bias", &[h])?;
            let out_ln_w = w("output.LayerNorm.weight", &[h])?;
            let out_ln_b = w("output.LayerNorm.bias", &[h])?;
            let qkv_w = Tensor::f_cat(&[q_w, k_w, v_w], 0).map_err(weights_err)?;
            let qkv_b = Tensor::f_cat(&[q_b, k_b, v_b], 0).map_err(weights_err)?;
            layers.push(Layer {
                qkv: Linear::new(qkv_w, qkv_b),
                attn_out: Linear::new(attn_out_w, attn_out_b),
                attn_ln_w,
                attn_ln_b,
                inter: Linear::new(inter_w, inter_b),
                out: Linear::new(out_w, out_b),
                out_ln_w,
                out_ln_b,
            });
        }
        Ok(Self {
            word,
            pos_type,
            emb_ln_w,
            emb_ln_b,
            layers,
            hidden: h,
            heads: c.num_attention_heads,
            eps: c.layer_norm_eps,
            max_positions: c.max_position_embeddings,
            own_attention: false,
        })
    }

    /// Another handle on the same weights (no copy), for another thread.
    pub fn shallow_clone(&self) -> Self {
        Self {
            word: self.word.shallow_clone(),
            pos_type: self.pos_type.shallow_clone(),
            emb_ln_w: self.emb_ln_w.shallow_clone(),
            emb_ln_b: self.emb_ln_b.shallow_clone(),
            layers: self.layers.iter().map(Layer::shallow_clone).collect(),
            hidden: self.hidden,
            heads: self.heads,
            eps: self.eps,
            max_positions: self.max_positions,
            own_attention: self.own_attention,
        }
    }

    /// A copy whose linear layers multiply in 8-bit integers (weights quantised once, each row of
    /// activations as it comes), and whose attention over short sequences is our own
    /// ([`short_attention`]): the other tensors are shared.
    pub fn quantized(&self) -> Result<Self, TchError> {
        let _guard = tch::no_grad_guard();
        Ok(Self {
            layers: self
                .layers
                .iter()
                .map(|l| l.map_linear(Linear::quantized))
                .collect::<Result<_, _>>()?,
            own_attention: true,
            ..self.shallow_clone()
        })
    }

    /// The length of the vectors.
    pub fn dim(&self) -> usize {
        self.hidden as usize
    }

    /// The longest token sequence the position embeddings allow.
    pub fn max_positions(&self) -> usize {
        self.max_positions as usize
    }

    /// L2-normalised mean-pooled vectors `[batch, hidden]` of the token ids `ids` (`[batch,
    /// len]`, int64) of which the first `lengths[b]` of row `b` are real (the rest padding).
    pub fn forward(&self, ids: &Tensor, lengths: &[i64]) -> Result<Tensor, TchError> {
        let _guard = tch::no_grad_guard();
        let (b, t) = ids.size2()?;
        if lengths.len() as i64 != b || t > self.max_positions {
            return Err(TchError::Shape(format!(
                "a batch of {b}x{t} token ids with {} lengths (at most {} positions)",
                lengths.len(),
                self.max_positions
            )));
        }
        let (h, heads) = (self.hidden, self.heads);
        let n = b * t;
        // the padding mask, [batch, len]: 1 for a real token
        let mask: Vec<f32> = lengths
            .iter()
            .flat_map(|&l| (0..t).map(move |j| if j < l { 1.0 } else { 0.0 }))
            .collect();
        let mask = Tensor::f_from_slice(&mask)?.f_reshape([b, t])?;
        // attention may look at real tokens only: [batch, 1, 1, len], broadcast over heads
        // and queries
        let attn_mask = mask.f_gt(0.5)?.f_reshape([b, 1, 1, t])?;

        let x = self.word.f_index_select(0, &ids.f_reshape([n])?)?;
        let x = x
            .f_reshape([b, t, h])?
            .f_add_(&self.pos_type.f_narrow(0, 0, t)?)?
            .f_reshape([n, h])?;
        let mut x = x.f_layer_norm(
            [h],
            Some(&self.emb_ln_w),
            Some(&self.emb_ln_b),
            self.eps,
            false,
        )?;
        for l in &self.layers {
            // [n, 3h]; for libtorch's attention, [3, batch, heads, len, head dim]
            let qkv = l.qkv.forward(&x)?;
            let ctx = if self.own_attention && t <= SHORT {
                short_attention(&qkv, lengths, t, heads)?
            } else {
                let qkv = qkv
                    .f_reshape([b, t, 3, heads, h / heads])?
                    .f_permute([2, 0, 3, 1, 4])?;
                Tensor::f_scaled_dot_product_attention(
                    &qkv.f_select(0, 0)?,
                    &qkv.f_select(0, 1)?,
                    &qkv.f_select(0, 2)?,
                    Some(&attn_mask),
                    0.0,
                    false,
                    None::<f64>,
                )?
                // [batch, heads, len, head dim] -> [n, h]
                .f_transpose(1, 2)?
                .f_reshape([n, h])?
            };
            let a = l.attn_out.forward(&ctx)?.f_add_(&x)?.f_layer_norm(
                [h],
                Some(&l.attn_ln_w),
                Some(&l.attn_ln_b),
                self.eps,
                false,
            )?;
            let inter = l.inter.forward(&a)?.f_gelu_("none")?;
            x = l.out.forward(&inter)?.f_add_(&a)?.f_layer_norm(
                [h],
                Some(&l.out_ln_w),
                Some(&l.out_ln_b),
                self.eps,
                false,
            )?;
        }
        // mean over the real tokens: [batch, 1, len] x [batch, len, h]
        let summed = mask
            .f_unsqueeze(1)?
            .f_bmm(&x.f_reshape([b, t, h])?)?
            .f_squeeze_dim(1)?;
        let counts = mask
            .f_sum_dim_intlist(&[1i64][..], true, Kind::Float)?
            .f_clamp_min(1e-9)?;
        let pooled = summed.f_div(&counts)?;
        let norm = pooled
            .f_norm_scalaropt_dim(2, [1i64], true)?
            .f_clamp_min(1e-12)?;
        pooled.f_div(&norm)
    }
}
