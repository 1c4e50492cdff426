//! Passes of our own over libtorch tensors' memory, where libtorch's element-wise ops would
//! take several passes and allocations for one step of the 8-bit query model: quantising rows
//! of activations, scaling integer sums back to floats, and attention over short sequences.
//! Each checks its tensors' kind, device, layout and size before it reads or writes them.

use chorus_core::vectors::dot8;
use tch::{Kind, TchError, Tensor};

/// A float matrix's rows as 8-bit steps, each row scaled so its largest magnitude is 127, and
/// each row's step (`x[r] ≈ step[r] · q[r]`): one pass for the maxima, one for the steps, where
/// libtorch's element-wise ops would take five.
pub(crate) fn quantize_rows(x: &Tensor) -> Result<(Tensor, Vec<f32>), TchError> {
    let x = x.f_contiguous()?;
    let (rows, cols) = x.size2()?;
    let src = float_slice(&x, rows * cols)?;
    let out = Tensor::f_empty([rows, cols], (Kind::Int8, tch::Device::Cpu))?;
    let n = (rows * cols) as usize;
    // SAFETY: `out` is a fresh contiguous CPU int8 tensor of `n` elements, owned here and not
    // aliased while the slice lives.
    let dst = unsafe { std::slice::from_raw_parts_mut(out.data_ptr() as *mut i8, n) };
    let steps = quantize_into(src, dst, cols.max(1) as usize);
    Ok((out, steps))
}

/// The floats of an integer product's sums (`acc`, `[rows, out]` int32): `acc · row step ·
/// weight step + bias`, in one pass.
pub(crate) fn dequantize(
    acc: &Tensor,
    row: &[f32],
    weight: &[f32],
    bias: &[f32],
) -> Result<Tensor, TchError> {
    let (rows, cols) = acc.size2()?;
    if acc.kind() != Kind::Int
        || !acc.is_contiguous()
        || rows as usize != row.len()
        || cols as usize != weight.len()
        || cols as usize != bias.len()
    {
        return Err(TchError::Shape(format!(
            "integer sums {rows}x{cols} ({:?}) for {} row steps and {} outputs",
            acc.kind(),
            row.len(),
            weight.len()
        )));
    }
    let n = (rows * cols) as usize;
    // SAFETY: `acc` is a contiguous CPU int32 tensor of `n` elements (checked above), read only.
    let sums = unsafe { std::slice::from_raw_parts(acc.data_ptr() as *const i32, n) };
    let out = Tensor::f_empty([rows, cols], (Kind::Float, tch::Device::Cpu))?;
    // SAFETY: `out` is a fresh contiguous CPU float tensor of `n` elements, owned here.
    let dst = unsafe { std::slice::from_raw_parts_mut(out.data_ptr() as *mut f32, n) };
    scale_into(
        sums,
        dst,
        cols.max(1) as usize,
        &Scales { row, weight, bias },
    );
    Ok(out)
}

/// [`quantize_rows`]'s arithmetic on rows of `cols` floats; on AVX2, eight at a time.
fn quantize_into(src: &[f32], dst: &mut [i8], cols: usize) -> Vec<f32> {
    #[cfg(target_arch = "x86_64")]
    let avx2 = std::arch::is_x86_feature_detected!("avx2");
    let mut steps = Vec::with_capacity(src.len() / cols);
    for (row, q) in src.chunks_exact(cols).zip(dst.chunks_exact_mut(cols)) {
        #[cfg(target_arch = "x86_64")]
        if avx2 {
            // SAFETY: the CPU has AVX2, checked just above
            steps.push(unsafe { quantize_row_avx2(row, q) });
            continue;
        }
        let max = row.iter().fold(0f32, |m, v| m.max(v.abs()));
        let step = max.max(1e-12) / 127.0;
        let inv = 1.0 / step;
        for (v, q) in row.iter().zip(q) {
            *q = (v * inv).round_ties_even() as i8;
        }
        steps.push(step);
    }
    steps
}

/// One row of [`quantize_into`]: the largest magnitude, then the steps rounded to nearest
/// (ties to even, as the scalar path), 32 to a store.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn quantize_row_avx2(row: &[f32], q: &mut [i8]) -> f32 {
    use std::arch::x86_64::*;
    let n = row.len().min(q.len());
    let p = row.as_ptr();
    let sign = _mm256_set1_ps(-0.0);
    let mut m = _mm256_setzero_ps();
    let mut i = 0;
    while i + 8 <= n {
        m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(p.add(i))));
        i += 8;
    }
    let mut lanes = [0f32; 8];
    _mm256_storeu_ps(lanes.as_mut_ptr(), m);
    let mut max = lanes.iter().fold(0f32, |a, &b| a.max(b));
    for v in &row[i..n] {
        max = max.max(v.abs());
    }
    let step = max.max(1e-12) / 127.0;
    let inv = 1.0 / step;
    let vinv = _mm256_set1_ps(inv);
    let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    let mut i = 0;
    while i + 32 <= n {
        let c = |k: usize| _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(p.add(i + k)), vinv));
        let ab = _mm256_packs_epi32(c(0), c(8));
        let cd = _mm256_packs_epi32(c(16), c(24));
        let bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(ab, cd), order);
        _mm256_storeu_si256(q.as_mut_ptr().add(i) as *mut __m256i, bytes);
        i += 32;
    }
    for (v, q) in row[i..n].iter().zip(&mut q[i..n]) {
        *q = (v * inv).round_ties_even() as i8;
    }
    step
}

/// What scales an integer product's sums back to floats: each row's step, each output's step
/// and bias.
struct Scales<'a> {
    row: &'a [f32],
    weight: &'a [f32],
    bias: &'a [f32],
}

/// [`dequantize`]'s arithmetic on rows of `cols` sums, with the AVX2 copy where it can run.
fn scale_into(sums: &[i32], dst: &mut [f32], cols: usize, s: &Scales) {
    #[inline(always)]
    fn body(sums: &[i32], dst: &mut [f32], cols: usize, s: &Scales) {
        for ((sum, o), r) in sums
            .chunks_exact(cols)
            .zip(dst.chunks_exact_mut(cols))
            .zip(s.row)
        {
            for (((x, o), w), b) in sum.iter().zip(o.iter_mut()).zip(s.weight).zip(s.bias) {
                *o = *x as f32 * (r * w) + b;
            }
        }
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        #[target_feature(enable = "avx2")]
        unsafe fn avx2(sums: &[i32], dst: &mut [f32], cols: usize, s: &Scales) {
            body(sums, dst, cols, s)
        }
        // SAFETY: the CPU has AVX2, checked just above
        return unsafe { avx2(sums, dst, cols, s) };
    }
    body(sums, dst, cols, s)
}

/// The elements of a contiguous CPU float tensor, read only.
fn float_slice(x: &Tensor, n: i64) -> Result<&[f32], TchError> {
    if x.kind() != Kind::Float
        || x.device() != tch::Device::Cpu
        || !x.is_contiguous()
        || x.numel() != n as usize
    {
        return Err(TchError::Shape(format!(
            "expected {n} contiguous CPU floats, found {:?} {:?} on {:?}",
            x.size(),
            x.kind(),
            x.device()
        )));
    }
    // SAFETY: checked above: `n` contiguous floats on the CPU, borrowed for `x`'s lifetime.
    Ok(unsafe { std::slice::from_raw_parts(x.data_ptr() as *const f32, n as usize) })
}

/// Sequences up to this many tokens take [`short_attention`]; longer ones libtorch's kernel.
pub(crate) const SHORT: i64 = 32;

/// Scaled dot-product attention of every token to the real tokens of its sequence (the first
/// `lengths[b]` of row `b`; padding rows attend like the others and are masked later), for
/// sequences short enough that libtorch's flash kernel spends more on its set-up and a scalar
/// `exp` per score than on arithmetic. `qkv` is `[batch · len, 3 · hidden]` as the fused
/// projection gives it (queries, keys, values, each `heads` heads wide); the result is
/// `[batch · len, hidden]`, heads side by side, as the output projection takes it.
pub(crate) fn short_attention(
    qkv: &Tensor,
    lengths: &[i64],
    len: i64,
    heads: i64,
) -> Result<Tensor, TchError> {
    let (n, width) = qkv.size2()?;
    let batch = lengths.len() as i64;
    if width % 3 != 0 || heads < 1 || (width / 3) % heads != 0 || n != batch * len {
        return Err(TchError::Shape(format!(
            "attention over {n}x{width} projections for {batch} sequences of {len} tokens and {heads} heads"
        )));
    }
    let qkv = qkv.f_contiguous()?;
    let src = float_slice(&qkv, n * width)?;
    let hidden = width / 3;
    let out = Tensor::f_empty([n, hidden], (Kind::Float, tch::Device::Cpu))?;
    // SAFETY: `out` is a fresh contiguous CPU float tensor of n · hidden elements, owned here.
    let dst = unsafe {
        std::slice::from_raw_parts_mut(out.data_ptr() as *mut f32, (n * hidden) as usize)
    };
    let shape = Shape {
        len: len as usize,
        hidden: hidden as usize,
        head: (hidden / heads) as usize,
    };
    let real: Vec<usize> = lengths
        .iter()
        .map(|&l| (l.max(1) as usize).min(shape.len))
        .collect();
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA, checked just above
        unsafe { attend_avx2(src, dst, &real, shape) };
        return Ok(out);
    }
    attend(src, dst, &real, shape);
    Ok(out)
}

#[derive(Clone, Copy)]
struct Shape {
    len: usize,
    hidden: usize,
    head: usize,
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn attend_avx2(src: &[f32], dst: &mut [f32], real: &[usize], shape: Shape) {
    attend(src, dst, real, shape)
}

/// [`short_attention`]'s arithmetic: per sequence, head and token, the scores against the real
/// keys, their softmax, and the weighted sum of the values. Plain loops, so that the AVX2 copy
/// above vectorises them.
#[inline(always)]
fn attend(src: &[f32], dst: &mut [f32], real: &[usize], s: Shape) {
    let row = 3 * s.hidden;
    let scale = 1.0 / (s.head as f32).sqrt();
    let mut p = vec![0f32; s.len];
    for (b, &keys) in real.iter().enumerate() {
        let seq = &src[b * s.len * row..(b + 1) * s.len * row];
        for h in 0..s.hidden / s.head {
            let at = h * s.head;
            for i in 0..s.len {
                let q = &seq[i * row + at..i * row + at + s.head];
                let mut max = f32::NEG_INFINITY;
                for j in 0..keys {
                    let k = &seq[j * row + s.hidden + at..j * row + s.hidden + at + s.head];
                    p[j] = dot8(q, k) * scale;
                    max = max.max(p[j]);
                }
                let mut sum = 0f32;
                for w in &mut p[..keys] {
                    *w = (*w - max).exp();
                    sum += *w;
                }
                let o0 = (b * s.len + i) * s.hidden + at;
                let o = &mut dst[o0..o0 + s.head];
                o.fill(0.0);
                let inv = 1.0 / sum;
                for (j, w) in p[..keys].iter().enumerate() {
                    let v = &seq[j * row + 2 * s.hidden + at..j * row + 2 * s.hidden + at + s.head];
                    let w = w * inv;
                    for (o, v) in o.iter_mut().zip(v) {
                        *o += w * v;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_attention_is_libtorchs_attention() {
        let _guard = tch::no_grad_guard();
        let (batch, len, heads, head) = (3i64, 7i64, 4i64, 8i64);
        let hidden = heads * head;
        let lengths = [7i64, 3, 5];
        let qkv = Tensor::randn([batch * len, 3 * hidden], (Kind::Float, tch::Device::Cpu));
        let ours = short_attention(&qkv, &lengths, len, heads).unwrap();
        let mask: Vec<bool> = lengths
            .iter()
            .flat_map(|&l| (0..len).map(move |j| j < l))
            .collect();
        let mask = Tensor::from_slice(&mask).reshape([batch, 1, 1, len]);
        let parts = qkv
            .reshape([batch, len, 3, heads, head])
            .permute([2, 0, 3, 1, 4]);
        let theirs = Tensor::scaled_dot_product_attention(
            &parts.select(0, 0),
            &parts.select(0, 1),
            &parts.select(0, 2),
            Some(&mask),
            0.0,
            false,
            None::<f64>,
        )
        .transpose(1, 2)
        .reshape([batch * len, hidden]);
        let diff = (ours - theirs).abs().max().double_value(&[]);
        assert!(diff < 1e-5, "largest difference {diff}");
    }

    #[test]
    fn quantised_rows_come_back_within_half_a_step() {
        let x = Tensor::randn([5, 67], (Kind::Float, tch::Device::Cpu));
        let (q, steps) = quantize_rows(&x).unwrap();
        let back = q.to_kind(Kind::Float) * Tensor::from_slice(&steps).unsqueeze(1);
        let err = (back - &x).abs().amax([1i64], false);
        for (e, s) in Vec::<f32>::try_from(&err).unwrap().iter().zip(&steps) {
            assert!(*e <= s / 2.0 + 1e-6, "error {e} for a step of {s}");
        }
    }
}
