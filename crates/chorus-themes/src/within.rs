//! Agreement with a human labelling within each event: how well the themes and the topic
//! segments find what each event discussed, beside two baselines on the same transcripts
//! (equal contiguous blocks with the true number of segments, and TextTiling on the same
//! vectors).
//!
//! Definitions (over the units with a gold label, in spoken order):
//! - a unit's theme: its own; a transcript line without a content word ("Yeah.", "Mm-hmm.")
//!   has none of its own and is read in the discussion it was said in, its segment's theme
//!   (the theme most of the segment's talk is in); units with no theme either way count as one
//!   more cluster;
//! - `per_event_nmi`: mean over events of the NMI between gold labels and theme ids;
//!   `per_event_nmi_own` the same with units' own themes only (contentless lines count as
//!   the one more cluster);
//! - `coverage`: share of gold labels with at least [`MIN_UNITS`] units in their event whose
//!   best-matching theme or subtheme within that event reaches F1 >= 0.5;
//! - `segment_per_event_nmi`, `segment_coverage`: the same with the topic segments;
//! - `pk`, `windowdiff`: Beeferman's Pk and Pevzner and Hearst's WindowDiff against the gold
//!   segmentation, k = half the mean gold segment length, averaged over transcripts.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use chorus_core::model::{Status, Workspace};
use chorus_core::themes_artifact::AssignmentRecord;
use chorus_core::vectors::UnitVectors;

use crate::eval::nmi;
use crate::segment::{self, Sequence};
use crate::stage::segments::{content_words, transcripts};
use crate::units::UnitTexts;
use crate::ThemesError;

/// Gold labels with fewer units in their event are not counted in coverage.
pub const MIN_UNITS: usize = 5;

/// TextTiling's window, in units, for the baseline.
const TEXTTILING_WINDOW: usize = 10;

/// A unit's gold label, and its gold segment (a number within its event).
#[derive(Debug, Clone)]
pub struct GoldUnit {
    pub label: String,
    pub segment: usize,
}

/// How one segmentation agrees with the gold one.
#[derive(Debug, Default, Clone, Serialize)]
pub struct SegmentScores {
    pub per_event_nmi: f64,
    pub coverage: f64,
    pub pk: f64,
    pub windowdiff: f64,
    /// Mean segments per transcript.
    pub segments: f64,
}

/// Agreement within events.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Within {
    pub per_event_nmi: f64,
    pub per_event_nmi_own: f64,
    pub coverage: f64,
    pub segment_per_event_nmi: f64,
    pub segment_coverage: f64,
    pub pk: f64,
    pub windowdiff: f64,
    /// Mean gold segments per transcript.
    pub gold_segments: f64,
    pub segments: SegmentScores,
    pub baseline_equal_blocks: SegmentScores,
    pub baseline_texttiling: SegmentScores,
    /// Each gold label's units and how many of them are procedural (to score the procedural
    /// status against labels such as AMI's opening, closing and agenda topics).
    pub by_label: Vec<LabelCount>,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct LabelCount {
    pub label: String,
    pub units: usize,
    pub procedural: usize,
}

/// F1 of the best-matching candidate set for `gold`.
fn best_f1(gold: &HashSet<usize>, candidates: &HashMap<&str, HashSet<usize>>) -> f64 {
    candidates
        .values()
        .map(|c| {
            let both = gold.intersection(c).count() as f64;
            2.0 * both / (gold.len() + c.len()) as f64
        })
        .fold(0.0, f64::max)
}

/// (matched, counted) gold labels of one event, given each unit's candidate groups.
fn coverage(gold: &[&GoldUnit], groups: &[Vec<&str>]) -> (usize, usize) {
    let mut by_label: BTreeMap<&str, HashSet<usize>> = BTreeMap::new();
    for (i, g) in gold.iter().enumerate() {
        by_label.entry(g.label.as_str()).or_default().insert(i);
    }
    let mut candidates: HashMap<&str, HashSet<usize>> = HashMap::new();
    for (i, gs) in groups.iter().enumerate() {
        for g in gs {
            candidates.entry(g).or_default().insert(i);
        }
    }
    let counted: Vec<&HashSet<usize>> =
        by_label.values().filter(|s| s.len() >= MIN_UNITS).collect();
    let matched = counted
        .iter()
        .filter(|s| best_f1(s, &candidates) >= 0.5)
        .count();
    (matched, counted.len())
}

/// Per-event NMI, coverage, Pk and WindowDiff of one segmentation (a label per unit).
struct Tally {
    nmi: Vec<f64>,
    matched: usize,
    counted: usize,
    pk: Vec<f64>,
    wd: Vec<f64>,
    segments: Vec<f64>,
}

impl Tally {
    fn new() -> Self {
        Tally {
            nmi: Vec::new(),
            matched: 0,
            counted: 0,
            pk: Vec::new(),
            wd: Vec::new(),
            segments: Vec::new(),
        }
    }

    fn add(&mut self, gold: &[&GoldUnit], hyp: &[String], k: usize) {
        let labels: Vec<&str> = gold.iter().map(|g| g.label.as_str()).collect();
        self.nmi.push(nmi(&labels, hyp));
        let (m, c) = coverage(
            gold,
            &hyp.iter().map(|h| vec![h.as_str()]).collect::<Vec<_>>(),
        );
        self.matched += m;
        self.counted += c;
        let reference = runs(gold.iter().map(|g| g.segment));
        let hypothesis = runs(hyp.iter());
        self.pk.push(segment::pk(&reference, &hypothesis, k));
        self.wd
            .push(segment::window_diff(&reference, &hypothesis, k));
        self.segments
            .push(hypothesis.last().map_or(0, |l| l + 1) as f64);
    }

    fn scores(&self) -> SegmentScores {
        SegmentScores {
            per_event_nmi: mean(&self.nmi),
            coverage: self.matched as f64 / self.counted.max(1) as f64,
            pk: mean(&self.pk),
            windowdiff: mean(&self.wd),
            segments: mean(&self.segments),
        }
    }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Contiguous runs numbered 0, 1, 2... (a label that comes back starts a new run).
fn runs<T: PartialEq>(labels: impl Iterator<Item = T>) -> Vec<usize> {
    let mut out = Vec::new();
    let mut last: Option<T> = None;
    for l in labels {
        let next = match (&last, out.last()) {
            (Some(p), Some(&n)) if *p == l => n,
            (_, Some(&n)) => n + 1,
            _ => 0,
        };
        out.push(next);
        last = Some(l);
    }
    out
}

/// Evaluates the themes and segments of the workspace against `gold` (a label per unit, in
/// unit order, `None` for units without one).
pub fn evaluate(
    ws: &Workspace,
    units: &UnitTexts,
    vectors: &UnitVectors,
    assignments: &[AssignmentRecord],
    gold: &[Option<GoldUnit>],
) -> Result<Within, ThemesError> {
    let place: HashMap<&str, &AssignmentRecord> = assignments
        .iter()
        .map(|a| (a.unit_id.as_str(), a))
        .collect();
    // the theme of each segment's discussion (none from a workspace themed before segments)
    let discussed: HashMap<String, String> = if ws.segments_file().is_file() {
        chorus_core::themes_artifact::read_segments(ws)
            .map_err(ThemesError::Frames)?
            .into_iter()
            .filter_map(|s| Some((s.segment_id, s.theme_id?)))
            .collect()
    } else {
        HashMap::new()
    };
    let stop = units.stopwords();
    let (mut themes, mut own, mut segments, mut blocks, mut tiling) = (
        Tally::new(),
        Tally::new(),
        Tally::new(),
        Tally::new(),
        Tally::new(),
    );
    let (mut theme_matched, mut theme_counted) = (0, 0);
    let mut gold_segments = Vec::new();
    for spoken in transcripts(ws)?.values() {
        let order: Vec<usize> = spoken.iter().map(|s| s.unit).collect();
        let dim = vectors.dim;
        let rows: Vec<f32> = order
            .iter()
            .flat_map(|&u| vectors.row(u).iter().copied())
            .collect();
        let weights: Vec<f64> = order
            .iter()
            .map(|&u| content_words(&units.norm[u], &stop) as f64)
            .collect();
        let seq = Sequence {
            dim,
            vectors: &rows,
            weights: &weights,
        };
        // keep the units with a gold label
        let kept: Vec<usize> = (0..order.len())
            .filter(|&i| gold[order[i]].is_some())
            .collect();
        if kept.is_empty() {
            continue;
        }
        let g: Vec<&GoldUnit> = kept
            .iter()
            .filter_map(|&i| gold[order[i]].as_ref())
            .collect();
        let reference = runs(g.iter().map(|x| x.segment));
        let true_segments = reference.last().map_or(1, |l| l + 1);
        gold_segments.push(true_segments as f64);
        let k = ((kept.len() as f64 / true_segments as f64 / 2.0).round() as usize).max(2);
        let at = |i: usize| place.get(units.ids[order[i]].as_str());
        let own_theme = |i: usize| at(i).and_then(|a| a.theme_id.clone());
        let theme = |i: usize| -> Option<String> {
            own_theme(i).or_else(|| {
                let a = at(i).filter(|a| a.status == Status::NoContent)?;
                discussed.get(a.segment_id.as_ref()?).cloned()
            })
        };
        let labels = |of: &dyn Fn(usize) -> Option<String>| -> Vec<String> {
            kept.iter()
                .map(|&i| of(i).unwrap_or_else(|| "-".into()))
                .collect()
        };
        themes.add(&g, &labels(&theme), k);
        own.add(&g, &labels(&own_theme), k);
        // themes and subthemes both count as candidates for coverage
        let groups: Vec<Vec<String>> = kept
            .iter()
            .map(|&i| {
                let a = at(i);
                [theme(i), a.and_then(|a| a.subtheme_id.clone())]
                    .into_iter()
                    .flatten()
                    .collect()
            })
            .collect();
        let group_refs: Vec<Vec<&str>> = groups
            .iter()
            .map(|gs| gs.iter().map(String::as_str).collect())
            .collect();
        let (m, c) = coverage(&g, &group_refs);
        theme_matched += m;
        theme_counted += c;
        let segment_labels: Vec<String> = kept
            .iter()
            .map(|&i| at(i).and_then(|a| a.segment_id.clone()).unwrap_or_default())
            .collect();
        segments.add(&g, &segment_labels, k);
        let by_starts = |starts: Vec<usize>| -> Vec<String> {
            let l = segment::labels(&starts, order.len());
            kept.iter().map(|&i| l[i].to_string()).collect()
        };
        blocks.add(
            &g,
            &by_starts(segment::equal_blocks(order.len(), true_segments)),
            k,
        );
        tiling.add(
            &g,
            &by_starts(segment::texttiling(&seq, TEXTTILING_WINDOW)),
            k,
        );
    }
    let mut by_label: BTreeMap<&str, LabelCount> = BTreeMap::new();
    for (u, g) in gold.iter().enumerate() {
        let Some(g) = g else { continue };
        let c = by_label
            .entry(g.label.as_str())
            .or_insert_with(|| LabelCount {
                label: g.label.clone(),
                ..Default::default()
            });
        c.units += 1;
        let status = place.get(units.ids[u].as_str()).map(|a| a.status);
        c.procedural += usize::from(status == Some(Status::Procedural));
    }
    let s = segments.scores();
    Ok(Within {
        by_label: by_label.into_values().collect(),
        per_event_nmi: themes.scores().per_event_nmi,
        per_event_nmi_own: own.scores().per_event_nmi,
        coverage: theme_matched as f64 / theme_counted.max(1) as f64,
        segment_per_event_nmi: s.per_event_nmi,
        segment_coverage: s.coverage,
        pk: s.pk,
        windowdiff: s.windowdiff,
        gold_segments: mean(&gold_segments),
        segments: s,
        baseline_equal_blocks: blocks.scores(),
        baseline_texttiling: tiling.scores(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_number_contiguous_stretches() {
        assert_eq!(runs([1, 1, 2, 2, 1].into_iter()), vec![0, 0, 1, 1, 2]);
    }

    #[test]
    fn coverage_needs_f1_of_a_half() {
        let g = |l: &str| GoldUnit {
            label: l.into(),
            segment: 0,
        };
        let gold: Vec<GoldUnit> = (0..20).map(|i| g(["a", "b", "c", "d"][i / 5])).collect();
        let refs: Vec<&GoldUnit> = gold.iter().collect();
        // one candidate covers all twenty: F1 with each label = 2·5/25 < 0.5
        let all: Vec<Vec<&str>> = (0..20).map(|_| vec!["x"]).collect();
        assert_eq!(coverage(&refs, &all), (0, 4));
        // halves: F1 = 2·5/15 >= 0.5 for every label
        let halves: Vec<Vec<&str>> = (0..20)
            .map(|i| vec![if i < 10 { "x" } else { "y" }])
            .collect();
        assert_eq!(coverage(&refs, &halves), (4, 4));
    }
}
