//! Key points: what a theme's units say, in their own words. Each key point is a verbatim
//! stretch of one unit (its first sentences, at most `MAX_WORDS` words, an assertion: no
//! question, nothing redacted, no words of running a meeting, at least `MIN_CONTENT` content
//! words; in the theme's language when it has enough such units): the units chosen are near the theme's centre and unlike each other (maximal
//! marginal relevance), and every unit of the theme stands behind the key point nearest it in
//! meaning (likeness measured on what sets units apart within the theme: their vectors less
//! the theme's centre, so the most central key point does not draw every unit to itself); a key point fewer than `MIN_SUPPORT` of the theme's units stand behind is dropped
//! and its units go to the next nearest. So each key point carries the units, participants and
//! events behind it, recomputable from `assignments.parquet`.

use chorus_core::model::ThemeId;
use chorus_core::vectors::UnitVectors;

use crate::cluster::dot;
use crate::stage::{Group, Groups};
use crate::units::UnitTexts;

/// Key points per theme: one per `UNITS_PER_POINT` units, at least 2 and at most 4.
const UNITS_PER_POINT: usize = 25;
const MIN_POINTS: usize = 2;
const MAX_POINTS: usize = 4;
/// A key point reads as one statement: a unit's first sentences up to this many words.
const MAX_WORDS: usize = 40;
const MIN_WORDS: usize = 5;
const MIN_CONTENT: usize = 4;
/// The share of a theme's units a key point needs behind it (and at least 3 units).
const MIN_SUPPORT: f64 = 0.05;
/// Weight of likeness to the key points already chosen against nearness to the centre.
const DIVERSITY: f32 = 1.0;

/// A key point of a theme.
pub struct KeyPoint {
    pub theme: ThemeId,
    /// 1 for the most central.
    pub rank: usize,
    pub unit: usize,
    /// Its words: verbatim from the unit.
    pub text: String,
    pub similarity: f32,
}

/// The key points of every theme, and for each unit the rank of its theme's key point nearest
/// it (`None` outside the themes, or in a theme too small for key points).
pub fn key_points(
    vectors: &UnitVectors,
    units: &UnitTexts,
    groups: &Groups,
) -> (Vec<KeyPoint>, Vec<Option<u32>>) {
    let mut points = Vec::new();
    let mut behind: Vec<Option<u32>> = vec![None; units.ids.len()];
    let stop = units.stopwords();
    for g in &groups.tops {
        let residual = Residual::of(vectors, g);
        let mut chosen = pick(vectors, &residual, units, &stop, g);
        let need = ((g.members.len() as f64 * MIN_SUPPORT).ceil() as usize).max(3);
        // drop the least supported key point until every one has enough units behind it
        let nearest = |chosen: &[usize], u: usize| {
            chosen
                .iter()
                .enumerate()
                .max_by(|a, b| {
                    residual
                        .like(u, *a.1)
                        .total_cmp(&residual.like(u, *b.1))
                        .then(b.0.cmp(&a.0))
                })
                .map(|(i, _)| i)
        };
        loop {
            let mut support = vec![0usize; chosen.len()];
            for &u in &g.members {
                if let Some(i) = nearest(&chosen, u) {
                    support[i] += 1;
                }
            }
            match support
                .iter()
                .enumerate()
                .filter(|(_, &n)| n < need)
                .min_by_key(|(i, &n)| (n, usize::MAX - i))
            {
                Some((i, _)) if chosen.len() > 1 => {
                    chosen.remove(i);
                }
                _ => break,
            }
        }
        for &u in &g.members {
            behind[u] = nearest(&chosen, u).map(|i| i as u32 + 1);
        }
        points.extend(chosen.into_iter().enumerate().filter_map(|(rank, u)| {
            Some(KeyPoint {
                theme: g.id.clone(),
                rank: rank + 1,
                unit: u,
                text: statement(&units.text[u])?,
                similarity: dot(vectors.row(u), &g.centre),
            })
        }));
    }
    (points, behind)
}

/// The theme's units' vectors less its centre, normalised: how units differ within it.
struct Residual {
    dim: usize,
    /// By unit index (only the theme's members filled).
    rows: std::collections::HashMap<usize, Vec<f32>>,
}

impl Residual {
    fn of(vectors: &UnitVectors, g: &Group) -> Self {
        let rows = g
            .members
            .iter()
            .map(|&u| {
                let mut r: Vec<f32> = vectors
                    .row(u)
                    .iter()
                    .zip(&g.centre)
                    .map(|(x, c)| x - c)
                    .collect();
                let norm = r.iter().map(|x| x * x).sum::<f32>().sqrt();
                if norm > 0.0 {
                    r.iter_mut().for_each(|x| *x /= norm);
                }
                (u, r)
            })
            .collect();
        Self {
            dim: vectors.dim,
            rows,
        }
    }

    /// Cosine of two members' residuals.
    fn like(&self, a: usize, b: usize) -> f32 {
        match (self.rows.get(&a), self.rows.get(&b)) {
            (Some(x), Some(y)) if x.len() == self.dim => dot(x, y),
            _ => 0.0,
        }
    }
}

/// Whether the unit's statement can be a key point: an assertion in words of its own.
fn assertion(units: &UnitTexts, stop: &crate::label::Stopwords, u: usize) -> bool {
    let Some(s) = statement(&units.text[u]) else {
        return false;
    };
    let content = crate::label::words(&s)
        .iter()
        .filter(|w| w.chars().count() >= 3 && !stop.contains(w))
        .count();
    !units.duplicate[u]
        && !s.contains(['?', '[', ']'])
        && content >= MIN_CONTENT
        && crate::procedural::quotable(&units.norm[u], &units.lang[u])
}

/// The units whose statements are the group's key points, most central first.
fn pick(
    vectors: &UnitVectors,
    residual: &Residual,
    units: &UnitTexts,
    stop: &crate::label::Stopwords,
    g: &Group,
) -> Vec<usize> {
    if g.members.len() < 2 * MIN_POINTS {
        return Vec::new();
    }
    let k = (g.members.len() / UNITS_PER_POINT).clamp(MIN_POINTS, MAX_POINTS);
    let mut cands: Vec<(usize, f32)> = g
        .members
        .iter()
        .copied()
        .filter(|&u| assertion(units, stop, u))
        .map(|u| (u, dot(vectors.row(u), &g.centre)))
        .collect();
    // in the theme's language (its title's) when it has enough of them: the report is read
    // in the corpus's main language, but a theme of German statements is not summed up by
    // its few English lines
    let lang = units.language_of(&g.members);
    if cands.iter().filter(|(u, _)| units.lang[*u] == lang).count() >= k {
        cands.retain(|(u, _)| units.lang[*u] == lang);
    }
    crate::stage::quotes::greedy_mmr(cands, 100, k, |u, s, picked| {
        let redundancy = picked
            .iter()
            .map(|&p| residual.like(u, p))
            .fold(0.0f32, f32::max);
        s - DIVERSITY * redundancy
    })
}

/// A unit's first sentences, whole, up to [`MAX_WORDS`] words (`None` when its first sentence
/// alone is longer, or the unit is shorter than [`MIN_WORDS`]): a verbatim prefix of the text.
pub fn statement(text: &str) -> Option<String> {
    let text = text.trim();
    let mut end = 0;
    let mut words = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            in_word = false;
        } else if !in_word {
            in_word = true;
            words += 1;
            if words > MAX_WORDS {
                break;
            }
        }
        let next = text[i + c.len_utf8()..].chars().next();
        if matches!(c, '.' | '!' | '?') && next.is_none_or(char::is_whitespace) {
            end = i + c.len_utf8();
        }
    }
    let cut = if words <= MAX_WORDS {
        text
    } else {
        &text[..end]
    };
    let n = cut.split_whitespace().count();
    (n >= MIN_WORDS && !cut.is_empty()).then(|| cut.to_string())
}

#[cfg(test)]
mod tests {
    use super::statement;

    #[test]
    fn statements_are_verbatim_whole_sentences() {
        assert_eq!(
            statement("Keep the two-day approvals. They saved lives.").as_deref(),
            Some("Keep the two-day approvals. They saved lives.")
        );
        let long = format!(
            "Keep the weekly calls with the regions. {}",
            "word ".repeat(45)
        );
        assert_eq!(
            statement(&long).as_deref(),
            Some("Keep the weekly calls with the regions.")
        );
        assert_eq!(statement("Yes, exactly."), None);
        assert_eq!(statement(&"word ".repeat(50)), None);
    }
}
