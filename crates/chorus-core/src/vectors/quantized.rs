//! An 8-bit copy of the unit vectors for the first pass of a search by meaning: each row scaled
//! so its largest magnitude is 127. Scanning it reads a quarter of the bytes of the float
//! vectors, sixteen steps per instruction with AVX2 ([`dot_i8`]); the nearest rows are then scored
//! again exactly, so the ranking a reader sees is the float one.

use super::{dot_i8, UnitVectors};

pub struct Quantized {
    dim: usize,
    data: Vec<i8>,
    /// Per row: the float value of one step.
    scale: Vec<f32>,
}

/// A vector as 8-bit steps and the float value of one step.
fn quantize(v: &[f32], out: &mut Vec<i8>) -> f32 {
    let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    out.extend(
        v.iter()
            .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8),
    );
    scale
}

impl Quantized {
    pub fn new(v: &UnitVectors) -> Self {
        let rows = v.unit_ids.len();
        let mut data = Vec::with_capacity(rows * v.dim);
        let scale = (0..rows).map(|i| quantize(v.row(i), &mut data)).collect();
        Self {
            dim: v.dim,
            data,
            scale,
        }
    }

    /// Approximate dot products of `q` with every row, in row order.
    pub fn scores(&self, q: &[f32]) -> Vec<f32> {
        let mut qq = Vec::with_capacity(q.len());
        let qs = quantize(q, &mut qq);
        self.data
            .chunks_exact(self.dim.max(1))
            .zip(&self.scale)
            .map(|(row, s)| dot_i8(&qq, row) as f32 * s * qs)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_close_to_the_float_dot_products() {
        let dim = 384;
        let mut data = Vec::new();
        let mut x = 0x2545f491u32;
        for _ in 0..50 * dim {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            data.push((x as f32 / u32::MAX as f32) - 0.5);
        }
        for row in data.chunks_mut(dim) {
            let n = super::super::dot(row, row).sqrt();
            row.iter_mut().for_each(|v| *v /= n);
        }
        let v = UnitVectors {
            unit_ids: (0..50).map(|i| i.to_string()).collect(),
            dim,
            data,
            info: super::super::VectorsInfo {
                model_dir: "m".into(),
                model_id: "m".into(),
                dim,
            },
        };
        let q = Quantized::new(&v);
        let s = q.scores(v.row(7));
        for (i, approx) in s.iter().enumerate() {
            let exact = super::super::dot(v.row(7), v.row(i));
            assert!((approx - exact).abs() < 0.01, "{i}: {approx} vs {exact}");
        }
    }
}
