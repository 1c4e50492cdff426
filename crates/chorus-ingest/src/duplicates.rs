//! Duplicates flagged, never dropped: the same text again (exact), or the same words up to case
//! and punctuation or a word or two changed (near: campaign responses), each pointing at the
//! first unit with that text.

use std::borrow::Cow;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateKind {
    /// The same text, byte for byte after trimming.
    Exact,
    /// The same words up to case and punctuation, or 5-character shingles overlapping at
    /// least [`NEAR_JACCARD`].
    Near,
}

impl DuplicateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DuplicateKind::Exact => "exact",
            DuplicateKind::Near => "near",
        }
    }
}

pub const NEAR_JACCARD: f64 = 0.8;
/// Texts shorter than this many words ("Okay.", "Yeah") are not flagged: repeating them is
/// conversation, not a campaign.
pub const MIN_DUPLICATE_WORDS: usize = 4;
const BANDS: usize = 16;
const ROWS: usize = 4;

/// Members of one LSH bucket compared with each later member, at most: a bucket of thousands
/// of near-identical answers (a campaign) finds its first copy among them, and a bucket that
/// hash luck filled cannot make the pass quadratic.
const BUCKET_CHECKS: usize = 32;

/// For each text, the index of the earlier text it duplicates and how. `texts` are the
/// normalised copies, in unit order. MinHash with banded LSH finds candidates; each is then
/// checked by exact Jaccard, so the result does not depend on hash luck beyond recall.
pub fn flag_duplicates(texts: &[&str]) -> Vec<Option<(usize, DuplicateKind)>> {
    flag_duplicates_by(texts.len(), |i| Cow::Borrowed(texts[i]))
}

/// [`flag_duplicates`] over `n` texts that `norm` gives one at a time (normalised), so the
/// caller need not hold them all.
///
/// Memory stays a small fraction of the texts' own: the repeats are found by hashes checked
/// against the texts, each text keeps only its 16 band keys, and shingle sets are rebuilt for
/// the few texts a bucket compares.
pub fn flag_duplicates_by<'a>(
    n: usize,
    norm: impl Fn(usize) -> Cow<'a, str> + Sync,
) -> Vec<Option<(usize, DuplicateKind)>> {
    use rayon::prelude::*;
    let mut out = vec![None; n];
    // each text's hash and its loose key's, or none when it is too short to count
    let hashes: Vec<Option<(u64, u64)>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let t = norm(i);
            (t.split_whitespace().count() >= MIN_DUPLICATE_WORDS)
                .then(|| (fnv(t.as_bytes()), fnv(loose_key(&t).as_bytes())))
        })
        .collect();
    // the same text, or the same words up to case and punctuation, as an earlier one (a hash
    // match is checked against the texts)
    let mut exact: HashMap<u64, usize> = HashMap::new();
    let mut loose: HashMap<u64, usize> = HashMap::new();
    let mut candidates: Vec<usize> = Vec::new();
    for (i, h) in hashes.iter().enumerate() {
        let Some((text_hash, loose_hash)) = *h else {
            continue;
        };
        match exact.get(&text_hash) {
            Some(&j) if norm(j) == norm(i) => {
                out[i] = Some((j, DuplicateKind::Exact));
                continue;
            }
            Some(_) => {}
            None => {
                exact.insert(text_hash, i);
            }
        }
        match loose.get(&loose_hash) {
            Some(&j) if loose_key(&norm(j)) == loose_key(&norm(i)) => {
                out[i] = Some((j, DuplicateKind::Near))
            }
            Some(_) => candidates.push(i),
            None => {
                loose.insert(loose_hash, i);
                candidates.push(i);
            }
        }
    }
    drop(hashes);
    drop(exact);
    drop(loose);
    // overlapping shingles: each band of the MinHash signature is a bucket key
    let keys: Vec<[u32; BANDS]> = candidates
        .par_iter()
        .map(|&i| {
            let sig = minhash(&shingle_set(&loose_key(&norm(i))));
            std::array::from_fn(|b| band_hash(&sig[b * ROWS..(b + 1) * ROWS]) as u32)
        })
        .collect();
    let mut best: Vec<Option<usize>> = vec![None; n];
    let mut bucket: Vec<(u32, u32)> = Vec::with_capacity(candidates.len());
    for b in 0..BANDS {
        bucket.clear();
        bucket.extend(keys.iter().enumerate().map(|(c, k)| (k[b], c as u32)));
        bucket.sort_unstable();
        for group in bucket.chunk_by(|x, y| x.0 == y.0).filter(|g| g.len() > 1) {
            // members in text order; the first few compared with every later one
            let members: Vec<usize> = group.iter().map(|&(_, c)| candidates[c as usize]).collect();
            let firsts: Vec<Vec<u64>> = members
                .iter()
                .take(BUCKET_CHECKS)
                .map(|&j| shingle_set(&loose_key(&norm(j))))
                .collect();
            for (p, &i) in members.iter().enumerate().skip(1) {
                // matched in an earlier band to a text no later than any here
                if best[i].is_some_and(|x| x <= members[0]) {
                    continue;
                }
                let own;
                let sh = match firsts.get(p) {
                    Some(sh) => sh,
                    None => {
                        own = shingle_set(&loose_key(&norm(i)));
                        &own
                    }
                };
                for (q, &j) in members[..p.min(BUCKET_CHECKS)].iter().enumerate() {
                    if best[i].is_some_and(|x| x <= j) {
                        break;
                    }
                    if jaccard(sh, &firsts[q]) >= NEAR_JACCARD {
                        best[i] = Some(j);
                        break;
                    }
                }
            }
        }
    }
    for (i, j) in best.into_iter().enumerate() {
        if let Some(j) = j {
            out[i] = Some((j, DuplicateKind::Near));
        }
    }
    // point at the first of a chain
    for i in 0..out.len() {
        if let Some((j, k)) = out[i] {
            if let Some((root, _)) = out[j] {
                out[i] = Some((root, k));
            }
        }
    }
    out
}

/// The text's words without punctuation, one space apart.
fn loose_key(t: &str) -> String {
    let mut key = String::with_capacity(t.len());
    for w in t
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect::<String>()
        .split_whitespace()
    {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(w);
    }
    key
}

/// The hashes of the text's 5-character windows, sorted and distinct.
fn shingle_set(s: &str) -> Vec<u64> {
    let starts: Vec<usize> = s
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
        .collect();
    let mut v: Vec<u64> = if starts.len() < 6 {
        vec![fnv(s.as_bytes())]
    } else {
        starts
            .windows(6)
            .map(|w| fnv(&s.as_bytes()[w[0]..w[5]]))
            .collect()
    };
    v.sort_unstable();
    v.dedup();
    v
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d049bb133111eb);
    x ^ (x >> 31)
}

fn minhash(sh: &[u64]) -> [u64; BANDS * ROWS] {
    let mut sig = [u64::MAX; BANDS * ROWS];
    for &x in sh {
        for (k, s) in sig.iter_mut().enumerate() {
            let h = splitmix(x ^ (k as u64).wrapping_mul(0x9e3779b97f4a7c15));
            if h < *s {
                *s = h;
            }
        }
    }
    sig
}

fn band_hash(rows: &[u64]) -> u64 {
    rows.iter().fold(0u64, |acc, &r| splitmix(acc ^ r))
}

fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_exact_and_near() {
        let texts = [
            "keep the flexible working policy for all staff please",
            "okay",
            "keep the flexible working policy for all staff please",
            "keep the flexible working policy for all staff, please!",
            "keep the flexible working policy for all our staff please",
            "something else entirely about bus routes in the city",
            "okay",
        ];
        let d = flag_duplicates(&texts);
        assert_eq!(d[0], None);
        assert_eq!(d[1], None);
        assert_eq!(d[2], Some((0, DuplicateKind::Exact)));
        assert_eq!(d[3], Some((0, DuplicateKind::Near)));
        assert_eq!(d[4], Some((0, DuplicateKind::Near)));
        assert_eq!(d[5], None);
        assert_eq!(d[6], None);
    }
}
