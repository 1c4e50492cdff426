//! Dot products of the unit vectors: floats in a fixed order, the same bits on every path and
//! machine, which clustering's determinism needs. On x86-64 with AVX2 they
//! run on 256-bit registers.

/// Independent accumulators of [`dot`]: four AVX registers (eight SSE ones), so the additions
/// do not wait on each other.
const LANES: usize = 32;

/// Dot product with [`LANES`] independent accumulators (vectorises, same order every time).
/// On x86-64 with AVX2 the same arithmetic runs on 256-bit registers: each lane still
/// multiplies and then adds (no fused multiply-add), so the result is bit for bit the same
/// (a test checks).
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above
        return unsafe { dot_avx2(a, b) };
    }
    dot_lanes(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
    use std::arch::x86_64::{
        __m256, _mm256_add_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_setzero_ps, _mm256_storeu_ps,
    };
    let n = a.len().min(b.len());
    let full = n / LANES * LANES;
    let mut r: [__m256; LANES / 8] = [_mm256_setzero_ps(); LANES / 8];
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let mut o = 0;
    while o < full {
        for (k, acc) in r.iter_mut().enumerate() {
            // SAFETY: o + 8k + 8 <= full <= n, inside both slices
            let x = _mm256_loadu_ps(pa.add(o + 8 * k));
            let y = _mm256_loadu_ps(pb.add(o + 8 * k));
            *acc = _mm256_add_ps(*acc, _mm256_mul_ps(x, y));
        }
        o += LANES;
    }
    let mut acc = [0f32; LANES];
    for (k, v) in r.iter().enumerate() {
        // SAFETY: acc holds LANES = 8 * r.len() floats
        _mm256_storeu_ps(acc.as_mut_ptr().add(8 * k), *v);
    }
    finish(acc, &a[full..n], &b[full..n])
}

#[inline(always)]
fn dot_lanes(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let full = n / LANES * LANES;
    let mut acc = [0f32; LANES];
    for (x, y) in a[..full]
        .chunks_exact(LANES)
        .zip(b[..full].chunks_exact(LANES))
    {
        for i in 0..LANES {
            acc[i] += x[i] * y[i];
        }
    }
    finish(acc, &a[full..n], &b[full..n])
}

/// The lanes summed pairwise in a fixed order, then the remainder.
#[inline(always)]
fn finish(mut acc: [f32; LANES], ra: &[f32], rb: &[f32]) -> f32 {
    let mut width = LANES / 2;
    while width > 0 {
        for i in 0..width {
            acc[i] += acc[i + width];
        }
        width /= 2;
    }
    let mut s = acc[0];
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vectors::testing::values;

    #[test]
    fn dot_is_the_same_on_every_path() {
        for n in [0, 1, 7, 31, 32, 33, 384, 640, 1000] {
            let a = values(n, 5 + n as u32);
            let b = values(n, 11 + n as u32);
            let plain: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (*x as f64) * (*y as f64))
                .sum();
            assert!((dot_lanes(&a, &b) as f64 - plain).abs() < 1e-4);
            assert_eq!(dot(&a, &b).to_bits(), dot_lanes(&a, &b).to_bits());
        }
    }
}
