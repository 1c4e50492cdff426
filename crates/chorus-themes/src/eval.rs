//! Built-in evaluation of the themes in the workspace: agreement with a gold labelling (NMI,
//! ARI; unassigned units count as one more cluster, as outliers do in BERTopic's figures, and
//! the figures over assigned units only are given too), topic coherence (NPMI of each theme's
//! top keywords over the units), diversity (share of distinct words among all themes' top
//! keywords), the unassigned share, and stability (ARI between two seeds).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use serde::Serialize;

use polars::prelude::DataType;

use super::gold::{self, GoldKey};
use super::units::UnitTexts;
use super::within::{self, GoldUnit, Within};
use super::{find, label, unit_texts, ThemesConfig, ThemesError};
use chorus_core::model::{col, Status, Workspace};

#[derive(Debug, Clone)]
pub enum Gold {
    /// Each event is a class (mixed Pol.is conversations: the conversation).
    Event,
    /// AMI's human topic segmentation, from the release folder (`ami/original`): units of
    /// AMI meetings take their topic type; other units are left out of the figures.
    AmiTopics(PathBuf),
    /// Any human labelling, as a CSV with columns `event,line,label` or `unit_id,label`.
    Csv(PathBuf),
}

#[derive(Debug, Default, Serialize)]
pub struct EvalReport {
    pub units: usize,
    pub themes: usize,
    pub unassigned_share: f64,
    /// Units with no content word, left out of the themes (they count as one more cluster
    /// in NMI and ARI, like the unassigned).
    pub no_content_share: f64,
    /// Units with a gold label (all of them for `event`).
    pub gold_units: Option<usize>,
    pub gold_classes: Option<usize>,
    pub nmi: Option<f64>,
    pub ari: Option<f64>,
    pub nmi_assigned: Option<f64>,
    pub ari_assigned: Option<f64>,
    pub npmi: f64,
    pub diversity: f64,
    pub stability_ari: f64,
    /// Agreement within each event, for gold labellings of transcripts (not `event`).
    pub within: Option<Within>,
}

fn entropy(counts: impl Iterator<Item = usize>, n: f64) -> f64 {
    counts
        .filter(|&c| c > 0)
        .map(|c| c as f64 / n)
        .map(|p| -p * p.ln())
        .sum()
}

/// Normalised mutual information (arithmetic mean of the entropies, as scikit-learn's default).
pub fn nmi<A: std::hash::Hash + Eq, B: std::hash::Hash + Eq>(a: &[A], b: &[B]) -> f64 {
    let n = a.len() as f64;
    let mut ca: HashMap<&A, usize> = HashMap::new();
    let mut cb: HashMap<&B, usize> = HashMap::new();
    let mut cab: HashMap<(&A, &B), usize> = HashMap::new();
    for (x, y) in a.iter().zip(b) {
        *ca.entry(x).or_default() += 1;
        *cb.entry(y).or_default() += 1;
        *cab.entry((x, y)).or_default() += 1;
    }
    let mi: f64 = cab
        .iter()
        .map(|((x, y), &c)| {
            let p = c as f64 / n;
            p * (p / (ca[x] as f64 / n * cb[y] as f64 / n)).ln()
        })
        .sum();
    let h = (entropy(ca.values().copied(), n) + entropy(cb.values().copied(), n)) / 2.0;
    if h <= 0.0 {
        1.0
    } else {
        (mi / h).clamp(0.0, 1.0)
    }
}

/// Adjusted Rand index.
pub fn ari<A: std::hash::Hash + Eq, B: std::hash::Hash + Eq>(a: &[A], b: &[B]) -> f64 {
    let c2 = |x: usize| (x * x.saturating_sub(1)) as f64 / 2.0;
    let mut ca: HashMap<&A, usize> = HashMap::new();
    let mut cb: HashMap<&B, usize> = HashMap::new();
    let mut cab: HashMap<(&A, &B), usize> = HashMap::new();
    for (x, y) in a.iter().zip(b) {
        *ca.entry(x).or_default() += 1;
        *cb.entry(y).or_default() += 1;
        *cab.entry((x, y)).or_default() += 1;
    }
    let index: f64 = cab.values().map(|&c| c2(c)).sum();
    let sa: f64 = ca.values().map(|&c| c2(c)).sum();
    let sb: f64 = cb.values().map(|&c| c2(c)).sum();
    let expected = sa * sb / c2(a.len()).max(1.0);
    let max = (sa + sb) / 2.0;
    if (max - expected).abs() < 1e-12 {
        1.0
    } else {
        (index - expected) / (max - expected)
    }
}

/// Mean NPMI over pairs of each theme's top words, with document co-occurrence over `docs`.
pub fn npmi(topics: &[Vec<String>], docs: &[HashSet<String>]) -> f64 {
    let n = docs.len() as f64;
    let mut scores = Vec::new();
    for words in topics {
        let mut pair_scores = Vec::new();
        for i in 0..words.len() {
            for j in (i + 1)..words.len() {
                let (mut ci, mut cj, mut cij) = (0.0, 0.0, 0.0);
                for d in docs {
                    let (a, b) = (d.contains(&words[i]), d.contains(&words[j]));
                    ci += a as u8 as f64;
                    cj += b as u8 as f64;
                    cij += (a && b) as u8 as f64;
                }
                let s = if cij == 0.0 {
                    -1.0
                } else {
                    let (pi, pj, pij) = (ci / n, cj / n, cij / n);
                    if pij >= 1.0 {
                        1.0
                    } else {
                        (pij / (pi * pj)).ln() / -pij.ln()
                    }
                };
                pair_scores.push(s);
            }
        }
        if !pair_scores.is_empty() {
            scores.push(pair_scores.iter().sum::<f64>() / pair_scores.len() as f64);
        }
    }
    if scores.is_empty() {
        0.0
    } else {
        scores.iter().sum::<f64>() / scores.len() as f64
    }
}

/// Top `k` distinct words of keyword phrases, in order.
pub fn top_words(keywords: &[String], k: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in keywords {
        for w in p.split(' ') {
            if !out.iter().any(|x| x == w) {
                out.push(w.to_string());
            }
        }
    }
    out.truncate(k);
    out
}

pub fn run(
    ws: &Workspace,
    gold: Option<&Gold>,
    other_seed: u64,
) -> Result<EvalReport, ThemesError> {
    let assignments =
        chorus_core::themes_artifact::read_assignments(ws).map_err(ThemesError::Frames)?;
    let themes = chorus_core::themes_artifact::read_themes(ws).map_err(ThemesError::Frames)?;
    let units = unit_texts(ws)?;
    // in unit order (the artifact lists the units without a content word last)
    let by_unit: HashMap<&str, &str> = assignments
        .iter()
        .map(|a| (a.unit_id.as_str(), a.theme_id.as_deref().unwrap_or("-")))
        .collect();
    let theme_of: Vec<String> = units
        .ids
        .iter()
        .map(|u| by_unit.get(u.as_str()).copied().unwrap_or("-").to_string())
        .collect();
    let n = theme_of.len();
    let mut report = EvalReport {
        units: n,
        ..Default::default()
    };
    let share = |what: Status| {
        assignments.iter().filter(|a| a.status == what).count() as f64 / n.max(1) as f64
    };
    report.unassigned_share = share(Status::Unassigned);
    report.no_content_share = share(Status::NoContent);

    let topics: Vec<Vec<String>> = themes
        .iter()
        .filter(|t| t.parent.is_none())
        .map(|t| top_words(&t.keywords, 10))
        .collect();
    report.themes = topics.len();
    let docs: Vec<HashSet<String>> = units
        .norm
        .iter()
        .map(|t| label::words(t).into_iter().collect())
        .collect();
    report.npmi = npmi(&topics, &docs);
    let all: Vec<&String> = topics.iter().flatten().collect();
    let distinct: BTreeSet<&&String> = all.iter().collect();
    report.diversity = distinct.len() as f64 / all.len().max(1) as f64;

    let vectors = chorus_core::vectors::load(ws)?;
    if let Some(g) = gold {
        let gold_units = gold_units(ws, &units, g)?;
        let (labels, themed): (Vec<&String>, Vec<&String>) = gold_units
            .iter()
            .zip(&theme_of)
            .filter_map(|(l, t)| l.as_ref().map(|l| (&l.label, t)))
            .unzip();
        report.gold_units = Some(labels.len());
        report.gold_classes = Some(labels.iter().collect::<BTreeSet<_>>().len());
        report.nmi = Some(nmi(&labels, &themed));
        report.ari = Some(ari(&labels, &themed));
        let (l, t): (Vec<&String>, Vec<&String>) = labels
            .iter()
            .copied()
            .zip(themed.iter().copied())
            .filter(|(_, t)| *t != "-")
            .unzip();
        report.nmi_assigned = Some(nmi(&l, &t));
        report.ari_assigned = Some(ari(&l, &t));
        if !matches!(g, Gold::Event) {
            report.within = Some(within::evaluate(
                ws,
                &units,
                &vectors,
                &assignments,
                &gold_units,
            )?);
        }
    }

    // stability: two fresh clusterings with different seeds
    let cfg = ThemesConfig::default();
    let a = find(
        &vectors,
        &units,
        &ThemesConfig {
            seed: cfg.seed,
            ..cfg.clone()
        },
        None,
    )
    .assign(&vectors, &[], cfg.min_similarity);
    let b = find(
        &vectors,
        &units,
        &ThemesConfig {
            seed: other_seed,
            ..cfg.clone()
        },
        None,
    )
    .assign(&vectors, &[], cfg.min_similarity);
    let la: Vec<Option<usize>> = a.iter().map(|p| p.theme).collect();
    let lb: Vec<Option<usize>> = b.iter().map(|p| p.theme).collect();
    report.stability_ari = ari(&la, &lb);
    Ok(report)
}

/// Each unit's gold label (in unit order), `None` where the labelling says nothing.
fn gold_units(
    ws: &Workspace,
    units: &UnitTexts,
    g: &Gold,
) -> Result<Vec<Option<GoldUnit>>, ThemesError> {
    let frame = chorus_core::store::read_table(ws, chorus_core::model::Table::Units)
        .map_err(ThemesError::Frames)?;
    let numbers = |name: &str| -> Result<Vec<Option<i64>>, ThemesError> {
        let c = frame
            .column(name)
            .and_then(|c| c.as_materialized_series().cast(&DataType::Int64))
            .map_err(ThemesError::Frames)?;
        Ok(c.i64().map_err(ThemesError::Frames)?.iter().collect())
    };
    Ok(match g {
        Gold::Event => units
            .events
            .iter()
            .map(|e| {
                Some(GoldUnit {
                    label: e.clone(),
                    segment: 0,
                })
            })
            .collect(),
        Gold::AmiTopics(dir) => {
            let seg: HashMap<String, gold::Segmentation> = gold::ami_topics(dir)
                .map_err(ThemesError::Gold)?
                .into_iter()
                .map(|(k, v)| (k.to_lowercase(), v))
                .collect();
            let (start, end) = (numbers(col::START_MS)?, numbers(col::END_MS)?);
            (0..units.ids.len())
                .map(|u| {
                    let mid = (start[u]? + end[u]?) / 2;
                    let (label, topic) = gold::topic_at(seg.get(&units.events[u])?, mid)?;
                    Some(GoldUnit {
                        label: label.to_string(),
                        segment: topic,
                    })
                })
                .collect()
        }
        Gold::Csv(path) => {
            let rows = gold::csv_labels(path).map_err(ThemesError::Gold)?;
            let mut names: HashMap<String, usize> = HashMap::new();
            let by_key: HashMap<GoldKey, GoldUnit> = rows
                .into_iter()
                .map(|(key, label)| {
                    let next = names.len();
                    let segment = *names.entry(label.clone()).or_insert(next);
                    (key, GoldUnit { label, segment })
                })
                .collect();
            let (lines, cues) = (numbers(col::LINE)?, numbers(col::CUE)?);
            (0..units.ids.len())
                .map(|u| {
                    let line = cues[u].or(lines[u]).unwrap_or(0) as u64;
                    by_key
                        .get(&GoldKey::Unit(units.ids[u].clone()))
                        .or_else(|| by_key.get(&GoldKey::Line(units.events[u].clone(), line)))
                        .cloned()
                })
                .collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nmi_and_ari_match_known_values() {
        let a = [0, 0, 1, 1];
        assert!((nmi(&a, &[5, 5, 7, 7]) - 1.0).abs() < 1e-12);
        assert!((ari(&a, &[5, 5, 7, 7]) - 1.0).abs() < 1e-12);
        // scikit-learn: normalized_mutual_info_score([0,0,1,1],[0,0,0,1]) = 0.3437110184854507
        assert!((nmi(&a, &[0, 0, 0, 1]) - 0.3437110184854507).abs() < 1e-9);
        // adjusted_rand_score([0,0,1,1],[0,0,0,1]) = 0.0
        assert!(ari(&a, &[0, 0, 0, 1]).abs() < 1e-12);
    }
}
