//! Many queries scored against every unit vector at once: what a server's concurrent searches
//! by meaning need after their shared embedding pass. Each score is a dot product in one fixed
//! arithmetic (eight lanes of fused multiply-adds over the dimensions, the lanes summed in a
//! fixed tree, then the remainder), the same bits however many queries are scored together and
//! on every path (a test checks). On x86-64 with AVX2 and FMA, four queries meet three rows at
//! a time in twelve registers: each loaded vector serves several products, so the scan is bound
//! by arithmetic, not by loads.

/// Queries and rows per register block.
const QUERIES: usize = 4;
const ROWS: usize = 3;

/// Rows scanned by every query group before the next: 96 KB of 384-float rows, which stay in
/// the second-level cache while the groups pass over them.
const ROW_BLOCK: usize = 64;

/// Every row's score with each query (`[query][row]`); `data` holds the rows of `dim` floats.
/// Rows marked in `skip` are not scored: theirs is negative infinity.
pub fn scores(
    data: &[f32],
    dim: usize,
    queries: &[&[f32]],
    skip: Option<&[bool]>,
) -> Vec<Vec<f32>> {
    let dim = dim.max(1);
    let all = data.len() / dim;
    let rows: Vec<(usize, &[f32])> = data
        .chunks_exact(dim)
        .enumerate()
        .filter(|(i, _)| skip.is_none_or(|s| s.get(*i) != Some(&true)))
        .collect();
    let queries: Vec<&[f32]> = queries.iter().map(|q| &q[..dim.min(q.len())]).collect();
    let empty = if rows.len() == all {
        0.0
    } else {
        f32::NEG_INFINITY
    };
    let mut out = vec![vec![empty; all]; queries.len()];
    for block in rows.chunks(ROW_BLOCK) {
        let mut q0 = 0;
        while q0 < queries.len() {
            if q0 + QUERIES <= queries.len() {
                let qs: [&[f32]; QUERIES] = std::array::from_fn(|i| queries[q0 + i]);
                scan_block(&qs, block, &mut out[q0..q0 + QUERIES]);
                q0 += QUERIES;
            } else {
                scan_block(&[queries[q0]], block, &mut out[q0..q0 + 1]);
                q0 += 1;
            }
        }
    }
    out
}

/// The queries `qs` against the rows of `block` (each with its index), into `out`.
fn scan_block<const Q: usize>(qs: &[&[f32]; Q], block: &[(usize, &[f32])], out: &mut [Vec<f32>]) {
    let mut r = 0;
    while r < block.len() {
        if r + ROWS <= block.len() {
            let rs: [&[f32]; ROWS] = std::array::from_fn(|i| block[r + i].1);
            let s = tile(qs, &rs);
            for (o, s) in out.iter_mut().zip(s) {
                for (k, v) in s.into_iter().enumerate() {
                    o[block[r + k].0] = v;
                }
            }
            r += ROWS;
        } else {
            let s = tile(qs, &[block[r].1]);
            for (o, s) in out.iter_mut().zip(s) {
                o[block[r].0] = s[0];
            }
            r += 1;
        }
    }
}

/// The scores of `Q` queries with `R` rows.
#[inline(always)]
fn tile<const Q: usize, const R: usize>(qs: &[&[f32]; Q], rs: &[&[f32]; R]) -> [[f32; R]; Q] {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA, checked just above
        return unsafe { tile_avx2(qs, rs) };
    }
    std::array::from_fn(|q| std::array::from_fn(|r| dot8(qs[q], rs[r])))
}

/// One score in the arithmetic every path shares (the reference the AVX2 tile must equal):
/// eight lanes of fused multiply-adds, summed in a fixed tree. Inlined into its callers, so a
/// caller compiled for FMA (the model's attention, `chorus-embed`) runs it on registers.
#[inline(always)]
pub fn dot8(q: &[f32], r: &[f32]) -> f32 {
    let n = q.len().min(r.len());
    let full = n / 8 * 8;
    let mut acc = [0f32; 8];
    for (x, y) in q[..full].chunks_exact(8).zip(r[..full].chunks_exact(8)) {
        for j in 0..8 {
            acc[j] = x[j].mul_add(y[j], acc[j]);
        }
    }
    finish(acc, &q[full..n], &r[full..n])
}

/// The eight lanes summed in a fixed tree, then the remainder's products.
#[inline(always)]
fn finish(acc: [f32; 8], q: &[f32], r: &[f32]) -> f32 {
    let mut s = ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
    for (x, y) in q.iter().zip(r) {
        s = x.mul_add(*y, s);
    }
    s
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn tile_avx2<const Q: usize, const R: usize>(
    qs: &[&[f32]; Q],
    rs: &[&[f32]; R],
) -> [[f32; R]; Q] {
    use std::arch::x86_64::{
        __m256, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_setzero_ps, _mm256_storeu_ps,
    };
    let n = qs
        .iter()
        .chain(rs.iter())
        .map(|s| s.len())
        .min()
        .unwrap_or(0);
    let full = n / 8 * 8;
    // plain loops, not closures: a closure would not inherit this function's target features
    let mut acc: [[__m256; R]; Q] = [[_mm256_setzero_ps(); R]; Q];
    let mut rv: [__m256; R] = [_mm256_setzero_ps(); R];
    let mut o = 0;
    while o < full {
        for r in 0..R {
            // SAFETY: o + 8 <= full <= every slice's length
            rv[r] = _mm256_loadu_ps(rs[r].as_ptr().add(o));
        }
        for q in 0..Q {
            let qv = _mm256_loadu_ps(qs[q].as_ptr().add(o));
            for r in 0..R {
                acc[q][r] = _mm256_fmadd_ps(qv, rv[r], acc[q][r]);
            }
        }
        o += 8;
    }
    let mut out = [[0f32; R]; Q];
    let mut lanes = [0f32; 8];
    for q in 0..Q {
        for r in 0..R {
            // SAFETY: lanes holds eight floats, one 256-bit register
            _mm256_storeu_ps(lanes.as_mut_ptr(), acc[q][r]);
            out[q][r] = finish(lanes, &qs[q][full..n], &rs[r][full..n]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vectors::testing::values;

    #[test]
    fn scores_are_the_same_bits_however_many_queries_share_the_scan() {
        // 139 rows: more than two row blocks, the last tile short; 7 queries: two groups of
        // three and one alone; 387 dimensions: a remainder after the lanes
        for dim in [384, 387] {
            let rows = 139;
            let data = values(rows * dim, 7 + dim as u32);
            let queries: Vec<Vec<f32>> = (0..7).map(|q| values(dim, 40 + q)).collect();
            let refs: Vec<&[f32]> = queries.iter().map(Vec::as_slice).collect();
            let together = scores(&data, dim, &refs, None);
            // every third row skipped: the others' scores are the same bits
            let skip: Vec<bool> = (0..rows).map(|i| i % 3 == 1).collect();
            let skipping = scores(&data, dim, &refs, Some(&skip));
            for (qi, q) in queries.iter().enumerate() {
                let alone = scores(&data, dim, &[q], None).remove(0);
                for (i, row) in data.chunks_exact(dim).enumerate() {
                    let exact: f64 = q.iter().zip(row).map(|(a, b)| *a as f64 * *b as f64).sum();
                    let s = together[qi][i];
                    assert!((s as f64 - exact).abs() < 1e-4, "{s} vs {exact}");
                    assert_eq!(s.to_bits(), dot8(q, row).to_bits(), "query {qi}, row {i}");
                    assert_eq!(s.to_bits(), alone[i].to_bits(), "query {qi}, row {i}");
                    if skip[i] {
                        assert_eq!(skipping[qi][i], f32::NEG_INFINITY);
                    } else {
                        assert_eq!(
                            s.to_bits(),
                            skipping[qi][i].to_bits(),
                            "query {qi}, row {i}"
                        );
                    }
                }
            }
        }
    }
}
