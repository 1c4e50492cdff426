//! Spectral clustering of the units' nearest-neighbour graph: the top level of the themes.
//!
//! Each unit is joined to its [`NEIGHBOURS`] most similar units (cosine weights, made
//! symmetric); the leading eigenvectors of the normalised graph come from Lanczos iteration
//! with full re-orthogonalisation (the small tridiagonal problem by implicit QL), are scaled
//! by `D^-1/2` (the random-walk eigenvectors), and Euclidean k-means with restarts cuts them
//! into themes. On the 11 English Pol.is
//! conversations mixed together this separates the conversations far better than k-means on
//! the vectors themselves (see BENCHMARKS.md): a unit's neighbours say more than its distance
//! to a centre. A theme left holding more than [`OVERSIZED`] times the mean theme's units is
//! cut again on its own units' graph ([`cluster_balanced`]).
//!
//! Everything is deterministic for a seed and independent of the thread count: rows are
//! computed independently, and sums over rows are taken in fixed-size chunks combined in order.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::cluster::{dot, kmeans_restarts, Rng};

/// Neighbours per unit in the graph.
pub const NEIGHBOURS: usize = 15;

/// Rows per parallel chunk of the sums over all rows (fixed: independent of the thread count).
const CHUNK: usize = 1024;

/// Lanczos steps: enough for the leading `k` eigenvectors to settle (200 reach the exact
/// eigenvectors' clustering on 3,000 units and 20 themes).
fn lanczos_steps(n: usize, k: usize) -> usize {
    (8 * k).max(200).min(n)
}

/// k-means restarts on the spectral embedding.
const RESTARTS: usize = 10;

/// Weight spread evenly over all pairs, as a share of the mean degree: it keeps the graph
/// connected (so each piece is found, not one eigenvalue 1 per component) and is too small to
/// change the clustering.
const TELEPORT: f64 = 1e-3;

/// Rows whose neighbours are searched together: each other row is read once per block, not
/// once per row, which keeps the scan in cache (same results, several times faster).
const KNN_BLOCK: usize = 64;

/// The `k` most similar other rows of each row (similarity, then the lower index first).
pub fn knn(data: &[f32], dim: usize, k: usize) -> Vec<Vec<(u32, f32)>> {
    let n = data.len() / dim;
    let k = k.min(n.saturating_sub(1));
    let row = |i: usize| &data[i * dim..(i + 1) * dim];
    let blocks: Vec<Vec<Vec<(u32, f32)>>> = (0..n.div_ceil(KNN_BLOCK))
        .into_par_iter()
        .map(|b| {
            let rows = b * KNN_BLOCK..((b + 1) * KNN_BLOCK).min(n);
            let mut best: Vec<Vec<(u32, f32)>> = vec![Vec::with_capacity(k + 1); rows.len()];
            if k == 0 {
                return best;
            }
            for j in 0..n {
                let y = row(j);
                for (i, list) in rows.clone().zip(best.iter_mut()) {
                    if i == j {
                        continue;
                    }
                    let s = dot(row(i), y);
                    // `j` rises, so an equal similarity never displaces an earlier row
                    if list.len() == k && s <= list[k - 1].1 {
                        continue;
                    }
                    let at = list.partition_point(|&(_, x)| x >= s);
                    list.insert(at, (j as u32, s));
                    list.truncate(k);
                }
            }
            best
        })
        .collect();
    blocks.into_iter().flatten().collect()
}

/// The symmetric graph `(W + W^T) / 2` of the neighbour lists, with negative similarities
/// as 0; rows sorted by neighbour.
fn graph(neighbours: &[Vec<(u32, f32)>]) -> Vec<Vec<(u32, f64)>> {
    let n = neighbours.len();
    let mut adj: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
    for (i, list) in neighbours.iter().enumerate() {
        for &(j, s) in list {
            let w = 0.5 * s.max(0.0) as f64;
            adj[i].push((j, w));
            adj[j as usize].push((i as u32, w));
        }
    }
    adj.par_iter_mut().for_each(|row| {
        row.sort_by_key(|&(j, _)| j);
        row.dedup_by(|next, kept| {
            if next.0 == kept.0 {
                kept.1 += next.1;
                true
            } else {
                false
            }
        });
    });
    adj
}

/// `sum a_i b_i` in fixed chunks combined in order.
fn dot64(a: &[f64], b: &[f64]) -> f64 {
    a.par_chunks(CHUNK)
        .zip(b.par_chunks(CHUNK))
        .map(|(x, y)| x.iter().zip(y).map(|(p, q)| p * q).sum::<f64>())
        .collect::<Vec<f64>>()
        .into_iter()
        .sum()
}

/// The normalised graph `D^-1/2 (W + t/n) D^-1/2` as an operator, `t` the teleport weight.
struct Normalised {
    adj: Vec<Vec<(u32, f64)>>,
    inv_sqrt_degree: Vec<f64>,
    teleport: f64,
}

impl Normalised {
    fn new(adj: Vec<Vec<(u32, f64)>>) -> Self {
        let n = adj.len();
        let degree: Vec<f64> = adj
            .iter()
            .map(|r| r.iter().map(|&(_, w)| w).sum())
            .collect();
        let mean = degree.iter().sum::<f64>() / n.max(1) as f64;
        let teleport = (TELEPORT * mean).max(1e-12);
        let inv_sqrt_degree = degree.iter().map(|d| 1.0 / (d + teleport).sqrt()).collect();
        Self {
            adj,
            inv_sqrt_degree,
            teleport,
        }
    }

    fn apply(&self, x: &[f64], out: &mut [f64]) {
        let n = x.len();
        let scaled: Vec<f64> = x
            .iter()
            .zip(&self.inv_sqrt_degree)
            .map(|(a, b)| a * b)
            .collect();
        // the sum of the scaled vector
        let spread = self.teleport / n as f64 * dot64(x, &self.inv_sqrt_degree);
        out.par_iter_mut().enumerate().for_each(|(i, o)| {
            let s: f64 = self.adj[i]
                .iter()
                .map(|&(j, w)| w * scaled[j as usize])
                .sum();
            *o = self.inv_sqrt_degree[i] * (s + spread);
        });
    }
}

/// The `k` leading eigenvectors of a symmetric operator on `n` rows by Lanczos iteration with
/// full re-orthogonalisation: row-major `n x k`, largest eigenvalue first.
fn leading_eigenvectors(
    n: usize,
    k: usize,
    steps: usize,
    seed: u64,
    apply: impl Fn(&[f64], &mut [f64]),
) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    let mut q: Vec<f64> = (0..n).map(|_| rng.unit() - 0.5).collect();
    let norm = dot64(&q, &q).sqrt();
    q.iter_mut().for_each(|x| *x /= norm);
    let mut basis: Vec<Vec<f64>> = Vec::with_capacity(steps);
    let mut alpha: Vec<f64> = Vec::with_capacity(steps);
    let mut beta: Vec<f64> = Vec::with_capacity(steps);
    let mut w = vec![0f64; n];
    for _ in 0..steps {
        apply(&q, &mut w);
        alpha.push(dot64(&w, &q));
        basis.push(std::mem::take(&mut q));
        // classical Gram-Schmidt against the whole basis, twice
        for _ in 0..2 {
            // w . b for every basis vector, in one pass over row chunks (partials in order)
            let parts: Vec<Vec<f64>> = w
                .par_chunks(CHUNK)
                .enumerate()
                .map(|(c, part)| {
                    let at = c * CHUNK;
                    basis
                        .iter()
                        .map(|b| part.iter().zip(&b[at..]).map(|(x, y)| x * y).sum())
                        .collect()
                })
                .collect();
            let h: Vec<f64> = (0..basis.len())
                .map(|j| parts.iter().map(|p| p[j]).sum())
                .collect();
            w.par_chunks_mut(CHUNK).enumerate().for_each(|(c, part)| {
                let at = c * CHUNK;
                for (b, hb) in basis.iter().zip(&h) {
                    for (x, y) in part.iter_mut().zip(&b[at..]) {
                        *x -= hb * y;
                    }
                }
            });
        }
        let b = dot64(&w, &w).sqrt();
        if b < 1e-10 {
            break; // the basis spans an invariant subspace
        }
        beta.push(b);
        q = w.iter().map(|x| x / b).collect();
    }
    let m = basis.len();
    let mut values = alpha;
    let mut off: Vec<f64> = beta.into_iter().take(m.saturating_sub(1)).collect();
    off.resize(m, 0.0);
    let vectors = tridiagonal_eigen(&mut values, &mut off);
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    let k = k.min(m);
    // Ritz vectors: the basis combined by the small problem's eigenvectors
    let mut out = vec![0f64; n * k];
    out.par_chunks_mut(k).enumerate().for_each(|(i, row)| {
        for (c, &e) in order[..k].iter().enumerate() {
            row[c] = (0..m).map(|j| basis[j][i] * vectors[j * m + e]).sum();
        }
    });
    out
}

/// Eigen-decomposition of the symmetric tridiagonal matrix with diagonal `d` and
/// off-diagonal `e` (`e[i]` joins rows `i` and `i + 1`; the last entry is unused) by the
/// implicit QL method with Wilkinson shifts. On return `d` holds the eigenvalues; the result
/// holds the eigenvectors as the columns of a row-major `m x m` matrix.
pub fn tridiagonal_eigen(d: &mut [f64], e: &mut [f64]) -> Vec<f64> {
    let n = d.len();
    let mut z = vec![0f64; n * n];
    for i in 0..n {
        z[i * n + i] = 1.0;
    }
    if n > 0 {
        e[n - 1] = 0.0;
    }
    for l in 0..n {
        for _iteration in 0..64 {
            // the first negligible off-diagonal entry at or after l
            let mut m = l;
            while m + 1 < n {
                let dd = d[m].abs() + d[m + 1].abs();
                if e[m].abs() <= f64::EPSILON * dd {
                    break;
                }
                m += 1;
            }
            if m == l {
                break;
            }
            let mut g = (d[l + 1] - d[l]) / (2.0 * e[l]);
            let mut r = g.hypot(1.0);
            g = d[m] - d[l] + e[l] / (g + if g >= 0.0 { r } else { -r });
            let (mut s, mut c, mut p) = (1.0f64, 1.0f64, 0.0f64);
            let mut deflated = false;
            for i in (l..m).rev() {
                let f = s * e[i];
                let b = c * e[i];
                r = f.hypot(g);
                e[i + 1] = r;
                if r == 0.0 {
                    d[i + 1] -= p;
                    e[m] = 0.0;
                    deflated = true;
                    break;
                }
                s = f / r;
                c = g / r;
                g = d[i + 1] - p;
                r = (d[i] - g) * s + 2.0 * c * b;
                p = s * r;
                d[i + 1] = g + p;
                g = c * r - b;
                for k in 0..n {
                    let (zi, zj) = (z[k * n + i], z[k * n + i + 1]);
                    z[k * n + i + 1] = s * zi + c * zj;
                    z[k * n + i] = c * zi - s * zj;
                }
            }
            if !deflated {
                d[l] -= p;
                e[l] = g;
                e[m] = 0.0;
            }
        }
    }
    z
}

/// Spectral clustering of the rows of `data` (L2-normalised) into at most `k` clusters: the
/// cluster of each row.
pub fn cluster(data: &[f32], dim: usize, k: usize, seed: u64) -> Vec<u32> {
    let n = data.len() / dim;
    if n <= k {
        return (0..n as u32).collect();
    }
    let started = std::time::Instant::now();
    let op = Normalised::new(graph(&knn(data, dim, NEIGHBOURS)));
    tracing::debug!(
        "neighbour graph of {n} units in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = std::time::Instant::now();
    let steps = lanczos_steps(n, k);
    let vectors = leading_eigenvectors(n, k, steps, seed, |x, out| op.apply(x, out));
    tracing::debug!(
        "{k} eigenvectors in {steps} Lanczos steps in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let k_found = vectors.len() / n;
    // random-walk eigenvectors: D^-1/2 times the normalised graph's
    let embedding: Vec<f32> = vectors
        .chunks_exact(k_found.max(1))
        .zip(&op.inv_sqrt_degree)
        .flat_map(|(row, s)| row.iter().map(move |x| (x * s) as f32))
        .collect();
    let started = std::time::Instant::now();
    let labels = kmeans_restarts(&embedding, k_found.max(1), k, seed, RESTARTS);
    tracing::debug!(
        "k-means of the spectral embedding in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    labels
}

/// A cluster holding more than this many times the mean cluster's rows is cut again.
pub const OVERSIZED: f64 = 3.0;

/// Cuts of one cluster and its parts, at most (a cut that splits off only a few rows at a
/// time must not run on).
const MAX_CUTS: usize = 3;

/// Spectral clustering into about `k` clusters, none more than [`OVERSIZED`] times the mean
/// size `n / k`. One cut of the whole graph finds small tight groups (a meeting's talk, one
/// conversation) and can leave everything more diffuse as one cluster holding most of the
/// rows; such a cluster is cut again on its own rows' graph, into as few parts as can each
/// be under the limit, and a part still over it is cut again (at most [`MAX_CUTS`] times).
/// The largest part keeps the cluster's number; the others take new numbers after the last.
pub fn cluster_balanced(data: &[f32], dim: usize, k: usize, seed: u64) -> Vec<u32> {
    let n = data.len() / dim;
    let mut labels = cluster(data, dim, k, seed);
    let mean = n as f64 / k.max(1) as f64;
    let limit = (OVERSIZED * mean).ceil() as usize;
    let mut next = labels.iter().copied().max().map_or(0, |l| l + 1);
    // (cluster, cuts so far), the lowest number last: it is taken first
    let mut pending: Vec<(u32, usize)> = (0..next).rev().map(|l| (l, 0)).collect();
    while let Some((l, depth)) = pending.pop() {
        let rows: Vec<usize> = (0..n).filter(|&r| labels[r] == l).collect();
        if rows.len() <= limit || depth == MAX_CUTS {
            continue;
        }
        let parts = rows.len().div_ceil(limit).max(2);
        // the cluster's own rows' neighbour graph, searched anew: a row at its edge had
        // neighbours outside, and the graph left among its rows cuts less evenly
        let sub: Vec<f32> = rows
            .iter()
            .flat_map(|&r| data[r * dim..(r + 1) * dim].iter().copied())
            .collect();
        let cut = cluster(&sub, dim, parts, seed);
        let mut size = BTreeMap::<u32, usize>::new();
        for &p in &cut {
            *size.entry(p).or_default() += 1;
        }
        if size.len() < 2 {
            continue;
        }
        // the largest part keeps the number; the others take new ones, in part order
        let keep = size
            .iter()
            .max_by_key(|&(&p, &s)| (s, std::cmp::Reverse(p)))
            .map_or(0, |(&p, _)| p);
        let mut renamed = BTreeMap::<u32, u32>::new();
        for &p in size.keys() {
            renamed.insert(p, if p == keep { l } else { next });
            if p != keep {
                next += 1;
            }
        }
        tracing::debug!(
            "theme of {} units cut into {} (sizes {:?})",
            rows.len(),
            size.len(),
            size.values().collect::<Vec<_>>()
        );
        for (&r, p) in rows.iter().zip(&cut) {
            labels[r] = renamed[p];
        }
        pending.extend(renamed.values().map(|&p| (p, depth + 1)));
        pending.sort_unstable_by(|a, b| b.cmp(a));
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::normalise;
    use std::collections::BTreeSet;

    #[test]
    fn ql_solves_a_tridiagonal_matrix() {
        let m = 40;
        let mut rng = Rng::new(9);
        let diag: Vec<f64> = (0..m).map(|_| rng.unit() * 2.0 - 1.0).collect();
        let off: Vec<f64> = (0..m).map(|_| rng.unit() - 0.5).collect();
        let (mut d, mut e) = (diag.clone(), off.clone());
        let z = tridiagonal_eigen(&mut d, &mut e);
        let t = |i: usize, j: usize| match i.abs_diff(j) {
            0 => diag[i],
            1 => off[i.min(j)],
            _ => 0.0,
        };
        for c in 0..m {
            for i in 0..m {
                let tv: f64 = (0..m).map(|j| t(i, j) * z[j * m + c]).sum();
                assert!((tv - d[c] * z[i * m + c]).abs() < 1e-9, "T v = lambda v");
            }
            let norm: f64 = (0..m).map(|i| z[i * m + c] * z[i * m + c]).sum();
            assert!((norm - 1.0).abs() < 1e-9);
        }
    }

    #[test]
    fn neighbours_are_the_most_similar_rows() {
        let data = [1.0f32, 0.0, 0.8, 0.6, 0.0, 1.0, 0.6, 0.8];
        let nn = knn(&data, 2, 2);
        assert_eq!(nn[0].iter().map(|x| x.0).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(nn[2].iter().map(|x| x.0).collect::<Vec<_>>(), vec![3, 1]);
    }

    #[test]
    fn a_diffuse_cluster_is_cut_until_none_is_oversized() {
        // eight tight groups of 20 rows and one diffuse cloud of 840: one cut into 10 gives
        // the groups a cluster each and leaves the cloud in one or two
        let dim = 16;
        let mut rng = Rng::new(5);
        let mut spread = |scale: f64| (scale * (rng.unit() - 0.5)) as f32;
        let mut data = Vec::new();
        let mut group = Vec::new();
        for g in 0..8 {
            let centre: Vec<f32> = (0..dim).map(|_| spread(2.0)).collect();
            for _ in 0..20 {
                let mut v: Vec<f32> = centre.iter().map(|c| c + spread(0.05)).collect();
                normalise(&mut v);
                data.extend(v);
                group.push(Some(g));
            }
        }
        for _ in 0..840 {
            let mut v: Vec<f32> = (0..dim).map(|_| spread(2.0)).collect();
            normalise(&mut v);
            data.extend(v);
            group.push(None);
        }
        let largest = |labels: &[u32]| {
            let mut size = BTreeMap::<u32, usize>::new();
            for &l in labels {
                *size.entry(l).or_default() += 1;
            }
            size.into_values().max().unwrap_or(0)
        };
        let limit = (OVERSIZED * 1000.0 / 10.0) as usize;
        assert!(largest(&cluster(&data, dim, 10, 7)) > limit);
        let labels = cluster_balanced(&data, dim, 10, 7);
        assert!(largest(&labels) <= limit, "largest {}", largest(&labels));
        for g in 0..8 {
            let of: BTreeSet<u32> = (0..1000)
                .filter(|&i| group[i] == Some(g))
                .map(|i| labels[i])
                .collect();
            assert_eq!(of.len(), 1, "group {g} stays whole");
        }
        assert_eq!(labels, cluster_balanced(&data, dim, 10, 7));
    }

    #[test]
    fn separates_curved_groups_that_share_no_centre() {
        // two concentric arcs on the sphere: k-means on the vectors cuts across them, the
        // neighbour graph follows them
        let mut rng = Rng::new(3);
        let mut data = Vec::new();
        let mut truth = Vec::new();
        for i in 0..400 {
            let arc = i % 2;
            let t = rng.unit() * std::f64::consts::PI * 1.5;
            let r = if arc == 0 { 0.3 } else { 0.9 };
            let mut v = vec![
                (r * t.cos()) as f32,
                (r * t.sin()) as f32,
                1.0,
                0.01 * rng.unit() as f32,
            ];
            normalise(&mut v);
            data.extend(v);
            truth.push(arc);
        }
        let labels = cluster(&data, 4, 2, 7);
        let agree = (0..400)
            .filter(|&i| (labels[i] == labels[0]) == (truth[i] == truth[0]))
            .count();
        assert!(agree >= 390, "{agree} of 400 rows on their own arc's side");
        assert_eq!(labels, cluster(&data, 4, 2, 7));
    }
}
