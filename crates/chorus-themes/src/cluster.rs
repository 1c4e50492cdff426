//! Clustering primitives on unit vectors (rows of a row-major `f32` matrix, L2-normalised):
//! spherical and Euclidean k-means. Both are deterministic for a seed and
//! independent of the thread count: work is split in fixed-size chunks whose partial results
//! are combined in chunk order, and each dot product is summed in one fixed order.

use rayon::prelude::*;

/// Rows per parallel chunk (fixed, so results do not depend on the thread count).
const CHUNK: usize = 2048;

/// Rows compared with the centroids together (their vectors stay in cache).
const ASSIGN_BLOCK: usize = 32;

pub use chorus_core::vectors::dot;

pub fn normalise(v: &mut [f32]) {
    let n = dot(v, v).sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

/// splitmix64, for seeded choices.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5eed_c0de_1234_5678)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How k-means measures closeness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Geometry {
    /// Cosine similarity of L2-normalised rows; centroids are normalised means.
    Sphere,
    /// Euclidean distance; centroids are plain means.
    Euclid,
}

/// A seeded sample of `size` of the indices `0..n` without replacement (all of them when
/// `n <= size`), in ascending order.
pub fn sample(n: usize, size: usize, rng: &mut Rng) -> Vec<usize> {
    if n <= size {
        return (0..n).collect();
    }
    // partial Fisher-Yates
    let mut idx: Vec<usize> = (0..n).collect();
    for i in 0..size {
        let j = i + rng.below(n - i);
        idx.swap(i, j);
    }
    let mut s = idx[..size].to_vec();
    s.sort_unstable();
    s
}

/// For each row of `data`, the index of the most similar centroid and the similarity.
pub fn assign(data: &[f32], dim: usize, centroids: &[f32]) -> Vec<(u32, f32)> {
    assign_in(data, dim, centroids, Geometry::Sphere)
}

/// For each row, the best centroid and its score: the cosine on the sphere; in Euclidean
/// geometry `x.c - |c|^2 / 2`, which orders centroids as the distance does.
fn assign_in(data: &[f32], dim: usize, centroids: &[f32], geometry: Geometry) -> Vec<(u32, f32)> {
    let k = centroids.len() / dim;
    let half_norms: Vec<f32> = match geometry {
        Geometry::Sphere => vec![0.0; k],
        Geometry::Euclid => centroids
            .chunks_exact(dim)
            .map(|c| 0.5 * dot(c, c))
            .collect(),
    };
    // blocks of rows against one centroid at a time: each centroid is read once per block,
    // not once per row, which keeps the scan in cache (same result as row by row)
    data.par_chunks(ASSIGN_BLOCK * dim)
        .flat_map_iter(|block| {
            let rows: Vec<&[f32]> = block.chunks_exact(dim).collect();
            let mut best = vec![(0u32, f32::NEG_INFINITY); rows.len()];
            for (c, centroid) in centroids.chunks_exact(dim).enumerate() {
                for (b, row) in best.iter_mut().zip(&rows) {
                    let s = dot(row, centroid) - half_norms[c];
                    if s > b.1 {
                        *b = (c as u32, s);
                    }
                }
            }
            best
        })
        .collect()
}

/// Normalised mean of the rows of each cluster (`k` clusters); an empty cluster gets zeros.
pub fn centroids(data: &[f32], dim: usize, labels: &[u32], k: usize) -> (Vec<f32>, Vec<usize>) {
    centroids_in(data, dim, labels, k, Geometry::Sphere)
}

fn centroids_in(
    data: &[f32],
    dim: usize,
    labels: &[u32],
    k: usize,
    geometry: Geometry,
) -> (Vec<f32>, Vec<usize>) {
    let partials: Vec<(Vec<f32>, Vec<usize>)> = data
        .par_chunks(CHUNK * dim)
        .zip(labels.par_chunks(CHUNK))
        .map(|(rows, labs)| {
            let mut sum = vec![0f32; k * dim];
            let mut count = vec![0usize; k];
            for (row, &l) in rows.chunks_exact(dim).zip(labs) {
                let l = l as usize;
                if l >= k {
                    continue;
                }
                count[l] += 1;
                for (s, x) in sum[l * dim..(l + 1) * dim].iter_mut().zip(row) {
                    *s += x;
                }
            }
            (sum, count)
        })
        .collect();
    let mut sum = vec![0f32; k * dim];
    let mut count = vec![0usize; k];
    for (s, c) in partials {
        for (a, b) in sum.iter_mut().zip(&s) {
            *a += b;
        }
        for (a, b) in count.iter_mut().zip(&c) {
            *a += b;
        }
    }
    for c in 0..k {
        let mean = &mut sum[c * dim..(c + 1) * dim];
        match geometry {
            Geometry::Sphere => normalise(mean),
            Geometry::Euclid if count[c] > 0 => mean.iter_mut().for_each(|x| *x /= count[c] as f32),
            Geometry::Euclid => {}
        }
    }
    (sum, count)
}

/// k-means++ seeding on `sample` (row indices of `data`).
fn seed_plus_plus(data: &[f32], dim: usize, sample: &[usize], k: usize, rng: &mut Rng) -> Vec<f32> {
    let mut centroids: Vec<f32> = Vec::with_capacity(k * dim);
    let first = sample[rng.below(sample.len())];
    centroids.extend_from_slice(&data[first * dim..(first + 1) * dim]);
    let row = |i: usize| &data[i * dim..(i + 1) * dim];
    let norm: Vec<f32> = sample.iter().map(|&i| dot(row(i), row(i))).collect();
    // squared euclidean distance of sample row `j` to `c` (2 - 2 cos for unit vectors)
    let sq = |j: usize, c: &[f32], cc: f32| (norm[j] + cc - 2.0 * dot(row(sample[j]), c)).max(0.0);
    let cc = dot(&centroids[..dim], &centroids[..dim]);
    let mut dist: Vec<f32> = (0..sample.len())
        .map(|j| sq(j, &centroids[..dim], cc))
        .collect();
    while centroids.len() < k * dim {
        let total: f64 = dist.iter().map(|&d| d as f64).sum();
        let pick = if total <= 0.0 {
            rng.below(sample.len())
        } else {
            let mut r = rng.unit() * total;
            let mut j = 0;
            while j + 1 < dist.len() && r >= dist[j] as f64 {
                r -= dist[j] as f64;
                j += 1;
            }
            j
        };
        let c = row(sample[pick]).to_vec();
        let cc = norm[pick];
        centroids.extend_from_slice(&c);
        dist.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(chunk, ds)| {
                for (o, d) in ds.iter_mut().enumerate() {
                    let nd = sq(chunk * CHUNK + o, &c, cc);
                    if nd < *d {
                        *d = nd;
                    }
                }
            });
    }
    centroids
}

/// Spherical k-means: `k` centroids fitted on at most `max_fit` rows (a seeded sample), then
/// every row assigned. `init` warm-starts from earlier centroids (kept first, topped up with
/// k-means++). Returns (centroids, per-row (cluster, similarity)).
pub fn kmeans(
    data: &[f32],
    dim: usize,
    k: usize,
    seed: u64,
    max_fit: usize,
    init: Option<&[f32]>,
) -> (Vec<f32>, Vec<(u32, f32)>) {
    kmeans_in(data, dim, k, seed, max_fit, init, Geometry::Sphere)
}

/// Euclidean k-means on every row, best of `restarts` seeded runs (least within-cluster sum
/// of squares; the earliest run on a tie). The runs go in parallel; the result does not
/// depend on the thread count.
pub fn kmeans_restarts(data: &[f32], dim: usize, k: usize, seed: u64, restarts: usize) -> Vec<u32> {
    let runs: Vec<(f64, Vec<u32>)> = (0..restarts.max(1) as u64)
        .into_par_iter()
        .map(|r| {
            let (_, a) = kmeans_in(
                data,
                dim,
                k,
                seed.wrapping_add(r.wrapping_mul(0x9e37_79b9)),
                usize::MAX,
                None,
                Geometry::Euclid,
            );
            // |x - c|^2 = |x|^2 - 2 (x.c - |c|^2 / 2)
            let sse: f64 = data
                .chunks_exact(dim)
                .zip(&a)
                .map(|(x, &(_, s))| (dot(x, x) - 2.0 * s) as f64)
                .sum();
            (sse, a.into_iter().map(|(l, _)| l).collect())
        })
        .collect();
    runs.into_iter()
        .reduce(|best, run| if run.0 < best.0 { run } else { best })
        .map(|(_, labels)| labels)
        .unwrap_or_default()
}

fn kmeans_in(
    data: &[f32],
    dim: usize,
    k: usize,
    seed: u64,
    max_fit: usize,
    init: Option<&[f32]>,
    geometry: Geometry,
) -> (Vec<f32>, Vec<(u32, f32)>) {
    let n = data.len() / dim;
    let k = k.clamp(1, n.max(1));
    let mut rng = Rng::new(seed);
    let sample = sample(n, max_fit, &mut rng);
    let fit: Vec<f32> = sample
        .iter()
        .flat_map(|&i| data[i * dim..(i + 1) * dim].iter().copied())
        .collect();
    let all: Vec<usize> = (0..sample.len()).collect();
    let mut cents = match init {
        Some(prev) if !prev.is_empty() && prev.len() % dim == 0 => {
            let mut c: Vec<f32> = prev[..prev.len().min(k * dim)].to_vec();
            if c.len() < k * dim {
                let extra = seed_plus_plus(&fit, dim, &all, k - c.len() / dim + 1, &mut rng);
                c.extend_from_slice(&extra[dim..(k - c.len() / dim + 1) * dim]);
            }
            c
        }
        _ => seed_plus_plus(&fit, dim, &all, k, &mut rng),
    };
    let mut labels: Vec<u32> = Vec::new();
    for _iter in 0..25 {
        let a = assign_in(&fit, dim, &cents, geometry);
        let new: Vec<u32> = a.iter().map(|x| x.0).collect();
        if new == labels {
            break;
        }
        labels = new;
        let (mut c, count) = centroids_in(&fit, dim, &labels, k, geometry);
        // an empty cluster restarts at the row worst served by its centroid
        for e in (0..k).filter(|&e| count[e] == 0) {
            if let Some((worst, _)) = a
                .iter()
                .enumerate()
                .min_by(|x, y| x.1 .1.total_cmp(&y.1 .1).then(x.0.cmp(&y.0)))
            {
                c[e * dim..(e + 1) * dim].copy_from_slice(&fit[worst * dim..(worst + 1) * dim]);
            }
        }
        cents = c;
    }
    let assignment = assign_in(data, dim, &cents, geometry);
    (cents, assignment)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blobs() -> (Vec<f32>, usize) {
        // three well separated directions in 4-d with small noise
        let mut rng = Rng::new(7);
        let dirs = [
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 0.0],
        ];
        let mut data = Vec::new();
        for i in 0..300 {
            let d = dirs[i % 3];
            let mut v: Vec<f32> = d
                .iter()
                .map(|x| x + 0.1 * (rng.unit() as f32 - 0.5))
                .collect();
            normalise(&mut v);
            data.extend(v);
        }
        (data, 4)
    }

    #[test]
    fn kmeans_finds_blobs_and_is_seeded() {
        let (data, dim) = blobs();
        let (_, a) = kmeans(&data, dim, 3, 1, 10_000, None);
        for i in 3..300 {
            assert_eq!(a[i].0, a[i % 3].0);
        }
        let (_, b) = kmeans(&data, dim, 3, 1, 10_000, None);
        assert_eq!(a, b);
    }
}
