//! Topic segmentation of a transcript: where the conversation moves from one topic to the next,
//! found without supervision from the units' vectors, in order.
//!
//! The method is optimal partitioning: the segmentation that minimises the within-segment
//! scatter of the unit vectors (each unit weighted by its content words, so backchannels and
//! fillers do not place boundaries) plus a fixed price per segment, solved exactly by dynamic
//! programming with PELT pruning (Killick et al. 2012), so it is linear in practice. The price
//! of a segment comes from the transcript itself, as a permutation test would: the drop in
//! scatter that one boundary reaches when the same units are put in random order, at the 90th
//! percentile over [`NULL_ORDERS`] orders. A boundary stays only when it separates the talk better than chance order
//! does, whatever the transcript's length, vocabulary or model. How it was chosen against
//! TextTiling (Hearst 1997, on the same vectors as Solbiati et al. 2021 do) and equal blocks:
//! BENCHMARKS.md.
//!
//! Deterministic: the random orders come from a seed; ties go to the earlier boundary.

use crate::cluster::Rng;

/// Random orders of the units that set the price of a segment.
pub const NULL_ORDERS: usize = 20;

/// Which of the random orders' best single splits is the price: the 90th percentile, so a
/// boundary must separate the talk better than nine random orders in ten do.
pub const NULL_QUANTILE: f64 = 0.9;

/// Shortest segment, in units.
pub const MIN_UNITS: usize = 3;

/// Longest segment, in units: bounds the search to `O(n · MAX_UNITS)` where a long transcript
/// has no boundary for PELT to prune by (a topic of more turns than this is split).
pub const MAX_UNITS: usize = 1500;

/// Units described for segmentation: row-major unit vectors (unit length) and weights.
pub struct Sequence<'a> {
    pub dim: usize,
    pub vectors: &'a [f32],
    pub weights: &'a [f64],
}

impl Sequence<'_> {
    fn len(&self) -> usize {
        self.weights.len()
    }
}

/// Prefix sums that price any contiguous span in `O(dim)`.
struct Prefix {
    dim: usize,
    /// Σ w·x, row `i` holds the sum over units `0..i`.
    sums: Vec<f64>,
    weights: Vec<f64>,
    /// Σ w·|x|².
    squares: Vec<f64>,
}

impl Prefix {
    fn new(s: &Sequence) -> Self {
        let (n, d) = (s.len(), s.dim);
        let mut sums = vec![0.0; (n + 1) * d];
        let mut weights = vec![0.0; n + 1];
        let mut squares = vec![0.0; n + 1];
        for i in 0..n {
            let w = s.weights[i];
            let x = &s.vectors[i * d..(i + 1) * d];
            let (head, tail) = sums.split_at_mut((i + 1) * d);
            let prev = &head[i * d..];
            for k in 0..d {
                tail[k] = prev[k] + w * x[k] as f64;
            }
            weights[i + 1] = weights[i] + w;
            squares[i + 1] = squares[i] + w * x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>();
        }
        Prefix {
            dim: d,
            sums,
            weights,
            squares,
        }
    }

    /// Weighted scatter of units `a..b` around their weighted mean.
    fn cost(&self, a: usize, b: usize) -> f64 {
        let w = self.weights[b] - self.weights[a];
        if w <= 0.0 {
            return 0.0;
        }
        let d = self.dim;
        let (sa, sb) = (
            &self.sums[a * d..(a + 1) * d],
            &self.sums[b * d..(b + 1) * d],
        );
        let norm: f64 = sa.iter().zip(sb).map(|(x, y)| (y - x) * (y - x)).sum();
        (self.squares[b] - self.squares[a] - norm / w).max(0.0)
    }
}

/// The start of each segment (the first is 0) of the optimal partition of `s` at `price` per
/// segment, every segment at least `min_units` long (one segment when the sequence is shorter
/// than two of them).
pub fn optimal_partition(s: &Sequence, price: f64, min_units: usize) -> Vec<usize> {
    let n = s.len();
    let min_units = min_units.max(1);
    if n < 2 * min_units {
        return vec![0];
    }
    let p = Prefix::new(s);
    let mut best = vec![f64::INFINITY; n + 1];
    let mut back = vec![0usize; n + 1];
    best[0] = -price;
    // PELT: candidate last boundaries still able to start the optimal last segment
    let mut candidates: Vec<usize> = vec![0];
    // for each candidate, the best cost of `0..b` with its last segment starting there (`None`
    // while that segment would be shorter than `min_units`), priced once for the choice and
    // the pruning both
    let mut ending: Vec<Option<f64>> = Vec::new();
    for b in min_units..=n {
        ending.clear();
        ending.extend(
            candidates.iter().map(|&a| {
                (a + min_units <= b && b - a <= MAX_UNITS).then(|| best[a] + p.cost(a, b))
            }),
        );
        // the starts that leave a segment of at least `min_units` after them
        let mut chosen = (f64::INFINITY, 0usize);
        for (&a, e) in candidates.iter().zip(&ending) {
            if let Some(e) = e {
                if e + price < chosen.0 {
                    chosen = (e + price, a);
                }
            }
        }
        best[b] = chosen.0;
        back[b] = chosen.1;
        // prune starts that can never win again (the cost is additive over splits)
        let bound = best[b];
        let mut kept = 0;
        for i in 0..candidates.len() {
            let a = candidates[i];
            if b - a < MAX_UNITS && ending[i].is_none_or(|e| e <= bound) {
                candidates[kept] = a;
                kept += 1;
            }
        }
        candidates.truncate(kept);
        if b + min_units <= n {
            candidates.push(b);
        }
    }
    let mut starts = Vec::new();
    let mut b = n;
    while b > 0 {
        starts.push(back[b]);
        b = back[b];
    }
    starts.reverse();
    starts
}

/// The largest drop in scatter one boundary reaches in `s` (each side at least `min_units`).
fn best_single_split(p: &Prefix, n: usize, min_units: usize) -> f64 {
    let whole = p.cost(0, n);
    (min_units..=n.saturating_sub(min_units))
        .map(|b| whole - p.cost(0, b) - p.cost(b, n))
        .fold(0.0, f64::max)
}

/// The price of a segment for `s`: the drop in scatter the best single boundary reaches in
/// seeded random orders of its units, at the [`NULL_QUANTILE`] over [`NULL_ORDERS`] orders.
pub fn price(s: &Sequence, seed: u64) -> f64 {
    let n = s.len();
    if n < 2 * MIN_UNITS {
        return 0.0;
    }
    let mut rng = Rng::new(seed);
    let mut order: Vec<usize> = (0..n).collect();
    let (mut vectors, mut weights) = (vec![0.0f32; n * s.dim], vec![0.0f64; n]);
    let mut gains: Vec<f64> = Vec::new();
    for _ in 0..NULL_ORDERS {
        // Fisher-Yates
        for i in (1..n).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for (to, &from) in order.iter().enumerate() {
            vectors[to * s.dim..(to + 1) * s.dim]
                .copy_from_slice(&s.vectors[from * s.dim..(from + 1) * s.dim]);
            weights[to] = s.weights[from];
        }
        let shuffled = Sequence {
            dim: s.dim,
            vectors: &vectors,
            weights: &weights,
        };
        gains.push(best_single_split(&Prefix::new(&shuffled), n, MIN_UNITS));
    }
    gains.sort_by(f64::total_cmp);
    gains[((gains.len() - 1) as f64 * NULL_QUANTILE).round() as usize]
}

/// Segments `s` at its own price (seeded) with the shortest length [`MIN_UNITS`].
pub fn segment(s: &Sequence, seed: u64) -> Vec<usize> {
    segment_between(s, &[], seed)
}

/// Segments `s` with a boundary at each of `fixed` (where the agenda itself starts a topic,
/// such as a chair putting the next question) and the optimal ones between them, at the
/// whole sequence's price.
pub fn segment_between(s: &Sequence, fixed: &[usize], seed: u64) -> Vec<usize> {
    let n = s.len();
    let price = price(s, seed);
    let mut bounds: Vec<usize> = std::iter::once(0)
        .chain(fixed.iter().copied().filter(|&b| b > 0 && b < n))
        .chain(std::iter::once(n))
        .collect();
    bounds.sort_unstable();
    bounds.dedup();
    let mut starts = Vec::new();
    for w in bounds.windows(2) {
        let (a, b) = (w[0], w[1]);
        let part = Sequence {
            dim: s.dim,
            vectors: &s.vectors[a * s.dim..b * s.dim],
            weights: &s.weights[a..b],
        };
        starts.extend(
            optimal_partition(&part, price, MIN_UNITS)
                .into_iter()
                .map(|x| x + a),
        );
    }
    starts
}

/// Baseline: TextTiling on the vectors. The similarity across each gap between the weighted
/// means of the `window` units on either side, smoothed, scored by depth; boundaries at depths
/// above mean − σ/2 (Hearst's cut-off), at least `window` units apart.
pub fn texttiling(s: &Sequence, window: usize) -> Vec<usize> {
    let n = s.len();
    if n < 2 * window + 1 {
        return vec![0];
    }
    let p = Prefix::new(s);
    let d = s.dim;
    let mean = |a: usize, b: usize| -> Vec<f64> {
        let (sa, sb) = (&p.sums[a * d..(a + 1) * d], &p.sums[b * d..(b + 1) * d]);
        sa.iter().zip(sb).map(|(x, y)| y - x).collect()
    };
    let cos = |x: &[f64], y: &[f64]| {
        let dot: f64 = x.iter().zip(y).map(|(a, b)| a * b).sum();
        let nx: f64 = x.iter().map(|a| a * a).sum::<f64>().sqrt();
        let ny: f64 = y.iter().map(|a| a * a).sum::<f64>().sqrt();
        if nx == 0.0 || ny == 0.0 {
            0.0
        } else {
            dot / (nx * ny)
        }
    };
    // gap g lies before unit g (1..n)
    let gaps: Vec<f64> = (1..n)
        .map(|g| {
            cos(
                &mean(g.saturating_sub(window), g),
                &mean(g, (g + window).min(n)),
            )
        })
        .collect();
    let smooth: Vec<f64> = (0..gaps.len())
        .map(|i| {
            let (a, b) = (i.saturating_sub(1), (i + 2).min(gaps.len()));
            gaps[a..b].iter().sum::<f64>() / (b - a) as f64
        })
        .collect();
    let depth: Vec<f64> = (0..smooth.len())
        .map(|i| {
            let left = smooth[..=i].iter().rev().scan(smooth[i], |m, &v| {
                (v >= *m).then(|| {
                    *m = v;
                    v
                })
            });
            let right = smooth[i..].iter().scan(smooth[i], |m, &v| {
                (v >= *m).then(|| {
                    *m = v;
                    v
                })
            });
            let (l, r) = (
                left.fold(smooth[i], f64::max),
                right.fold(smooth[i], f64::max),
            );
            l + r - 2.0 * smooth[i]
        })
        .collect();
    let m = depth.iter().sum::<f64>() / depth.len() as f64;
    let sd = (depth.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / depth.len() as f64).sqrt();
    let cut = m - sd / 2.0;
    let mut peaks: Vec<usize> = (0..depth.len())
        .filter(|&i| {
            depth[i] > cut
                && (i == 0 || depth[i] >= depth[i - 1])
                && (i + 1 == depth.len() || depth[i] >= depth[i + 1])
        })
        .collect();
    peaks.sort_by(|a, b| depth[*b].total_cmp(&depth[*a]).then(a.cmp(b)));
    let mut chosen: Vec<usize> = Vec::new();
    for i in peaks {
        if chosen.iter().all(|&j| i.abs_diff(j) >= window) {
            chosen.push(i);
        }
    }
    let mut starts: Vec<usize> = chosen.into_iter().map(|i| i + 1).collect();
    starts.push(0);
    starts.sort_unstable();
    starts
}

/// Baseline: `k` contiguous blocks of (nearly) equal length.
pub fn equal_blocks(n: usize, k: usize) -> Vec<usize> {
    let k = k.clamp(1, n.max(1));
    let mut starts: Vec<usize> = (0..k).map(|i| i * n / k).collect();
    starts.dedup();
    starts
}

/// Segment index of every unit, from segment starts.
pub fn labels(starts: &[usize], n: usize) -> Vec<usize> {
    let mut out = vec![0; n];
    for (s, &a) in starts.iter().enumerate() {
        let b = starts.get(s + 1).copied().unwrap_or(n);
        out[a..b].iter_mut().for_each(|l| *l = s);
    }
    out
}

/// Pk (Beeferman et al. 1999): the chance that two units `k` apart are wrongly said to be in
/// the same or different segments. Lower is better.
pub fn pk(reference: &[usize], hypothesis: &[usize], k: usize) -> f64 {
    let n = reference.len();
    if n <= k {
        return 0.0;
    }
    let wrong = (0..n - k)
        .filter(|&i| (reference[i] == reference[i + k]) != (hypothesis[i] == hypothesis[i + k]))
        .count();
    wrong as f64 / (n - k) as f64
}

/// WindowDiff (Pevzner and Hearst 2002): the share of windows of `k` units in which the number of
/// boundaries differs. Lower is better.
pub fn window_diff(reference: &[usize], hypothesis: &[usize], k: usize) -> f64 {
    let n = reference.len();
    if n <= k {
        return 0.0;
    }
    let count = |l: &[usize]| -> Vec<usize> {
        let mut c = vec![0; n];
        for i in 1..n {
            c[i] = c[i - 1] + usize::from(l[i] != l[i - 1]);
        }
        c
    };
    let (r, h) = (count(reference), count(hypothesis));
    let wrong = (0..n - k)
        .filter(|&i| r[i + k] - r[i] != h[i + k] - h[i])
        .count();
    wrong as f64 / (n - k) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two topics: ten units near one direction, then ten near another.
    fn two_topics() -> (Vec<f32>, Vec<f64>) {
        let mut v = Vec::new();
        for i in 0..20 {
            let wobble = (i % 3) as f32 * 0.05;
            if i < 10 {
                v.extend([1.0, wobble, 0.0]);
            } else {
                v.extend([0.0, wobble, 1.0]);
            }
        }
        (v, vec![5.0; 20])
    }

    #[test]
    fn two_topics_make_two_segments() {
        let (v, w) = two_topics();
        let s = Sequence {
            dim: 3,
            vectors: &v,
            weights: &w,
        };
        assert_eq!(segment(&s, 42), vec![0, 10]);
        // Hearst's cut-off is liberal where most gaps are alike; the true boundary is among them
        assert!(texttiling(&s, 3).contains(&10));
    }

    #[test]
    fn fixed_boundaries_stay() {
        let (v, w) = two_topics();
        let s = Sequence {
            dim: 3,
            vectors: &v,
            weights: &w,
        };
        assert_eq!(segment_between(&s, &[4], 42), vec![0, 4, 10]);
    }

    #[test]
    fn one_topic_stays_whole() {
        let v: Vec<f32> = (0..30)
            .flat_map(|i| [1.0, (i % 4) as f32 * 0.1, (i % 3) as f32 * 0.1])
            .collect();
        let w = vec![4.0; 30];
        let s = Sequence {
            dim: 3,
            vectors: &v,
            weights: &w,
        };
        assert_eq!(segment(&s, 42), vec![0]);
    }

    #[test]
    fn pruning_keeps_the_exact_optimum() {
        // brute force over all partitions of a short sequence
        let v: Vec<f32> = (0..9)
            .flat_map(|i| {
                let t = i as f32 * 0.7;
                [t.cos(), t.sin(), 0.3]
            })
            .collect();
        let w: Vec<f64> = (0..9).map(|i| 1.0 + (i % 3) as f64).collect();
        let s = Sequence {
            dim: 3,
            vectors: &v,
            weights: &w,
        };
        let p = Prefix::new(&s);
        for price in [0.05, 0.2, 1.0] {
            let got = optimal_partition(&s, price, 2);
            let score = |starts: &[usize]| -> f64 {
                starts
                    .iter()
                    .enumerate()
                    .map(|(i, &a)| p.cost(a, starts.get(i + 1).copied().unwrap_or(9)) + price)
                    .sum()
            };
            let mut best = f64::INFINITY;
            for mask in 0u32..(1 << 8) {
                let starts: Vec<usize> = std::iter::once(0)
                    .chain((1..9).filter(|b| mask & (1 << (b - 1)) != 0))
                    .collect();
                let ok = starts
                    .iter()
                    .enumerate()
                    .all(|(i, &a)| starts.get(i + 1).copied().unwrap_or(9) - a >= 2);
                if ok {
                    best = best.min(score(&starts));
                }
            }
            assert!((score(&got) - best).abs() < 1e-9, "price {price}");
        }
    }

    #[test]
    fn a_long_topic_is_cut_at_the_longest_segment() {
        let n = MAX_UNITS * 2 + 10;
        let v: Vec<f32> = (0..n)
            .flat_map(|i| [1.0, (i % 5) as f32 * 0.01, 0.0])
            .collect();
        let w = vec![3.0; n];
        let s = Sequence {
            dim: 3,
            vectors: &v,
            weights: &w,
        };
        let starts = segment(&s, 42);
        let ends: Vec<usize> = starts.iter().skip(1).copied().chain([n]).collect();
        assert!(
            starts.iter().zip(&ends).all(|(a, b)| b - a <= MAX_UNITS),
            "{starts:?}"
        );
        assert!(starts.len() >= 2);
    }

    #[test]
    fn metrics_follow_their_definitions() {
        let reference = labels(&[0, 5], 10);
        assert_eq!(pk(&reference, &reference, 2), 0.0);
        assert_eq!(window_diff(&reference, &reference, 2), 0.0);
        let one = labels(&[0], 10);
        // windows straddling the boundary at 5: i = 3, 4 of 8
        assert_eq!(pk(&reference, &one, 2), 2.0 / 8.0);
        assert_eq!(window_diff(&reference, &one, 2), 2.0 / 8.0);
        assert_eq!(equal_blocks(10, 3), vec![0, 3, 6]);
    }
}
