//! Labels and keywords of the final themes and subthemes (c-TF-IDF phrases, re-ranked with the
//! model when it loads), the codebook's renames and seed labels applied, and the theme records
//! as published, biggest first, subthemes after the themes.

use std::collections::{BTreeSet, HashMap};

use chorus_core::model::ThemeId;

use crate::codebook::Codebook;
use crate::label::{self, Stopwords};
use crate::stage::{Group, Groups, Model};
use crate::units::UnitTexts;
use crate::{Theme, ThemesError};

/// Candidate phrases of a theme, and of a subtheme.
const THEME_PHRASES: usize = 20;
const SUBTHEME_PHRASES: usize = 12;

/// Keywords a theme keeps.
const KEYWORDS: usize = 8;

/// The theme records: the themes with units or pinned, and the subthemes.
pub fn themes(
    book: &Codebook,
    groups: &Groups,
    pinned: &BTreeSet<ThemeId>,
    units: &UnitTexts,
    model: &mut Model,
    model_labels: bool,
) -> Result<Vec<Theme>, ThemesError> {
    let stop = units.stopwords();
    if model_labels {
        if let Err(e) = model.get() {
            tracing::warn!("labels from c-TF-IDF only: {e}");
        }
    }
    let top_keywords = keywords(&groups.tops, units, &stop, model, THEME_PHRASES)?;
    let sub_keywords = keywords(&groups.subs, units, &stop, model, SUBTHEME_PHRASES)?;
    let events_of = |m: &[usize]| {
        m.iter()
            .map(|&u| units.events[u].as_str())
            .collect::<BTreeSet<_>>()
            .len()
    };
    let renamed = |id: &ThemeId| book.edit(id.as_str()).and_then(|e| e.label.clone());
    let record = |g: &Group, label: String, keywords: Vec<String>, pinned: bool| Theme {
        id: g.id.to_string(),
        parent: g.parent.as_ref().map(ThemeId::to_string),
        label,
        keywords,
        size: g.members.len(),
        events: events_of(&g.members),
        pinned,
        centre: g.centre.clone(),
    };
    let mut themes: Vec<Theme> = Vec::new();
    for (g, keywords) in groups.tops.iter().zip(top_keywords) {
        let pinned = pinned.contains(&g.id);
        if g.members.is_empty() && !pinned {
            continue;
        }
        let seeded = book
            .seed
            .iter()
            .find(|s| ThemeId::seeded(&s.label) == g.id)
            .map(|s| s.label.clone());
        let label = renamed(&g.id)
            .or(seeded)
            .unwrap_or_else(|| label::title(&keywords));
        themes.push(record(g, label, keywords, pinned));
    }
    for (g, keywords) in groups.subs.iter().zip(sub_keywords) {
        let label = renamed(&g.id).unwrap_or_else(|| label::title(&keywords));
        themes.push(record(g, label, keywords, false));
    }
    themes.sort_by(|a, b| {
        a.parent
            .is_some()
            .cmp(&b.parent.is_some())
            .then(b.size.cmp(&a.size))
            .then(a.id.cmp(&b.id))
    });
    Ok(themes)
}

/// The keywords of each group: its top c-TF-IDF phrases among the groups', re-ranked by the
/// model when loaded (all candidate phrases embedded in one batched call).
fn keywords(
    groups: &[Group],
    units: &UnitTexts,
    stop: &Stopwords,
    model: &Model,
    top: usize,
) -> Result<Vec<Vec<String>>, ThemesError> {
    let classes: Vec<Vec<&str>> = groups
        .iter()
        .map(|g| g.members.iter().map(|&u| units.norm[u].as_str()).collect())
        .collect();
    let cands = label::ctfidf(&classes, stop, top);
    let phrases: Vec<&str> = cands
        .iter()
        .flatten()
        .map(|(p, _)| p.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let vectors: HashMap<&str, Vec<f32>> = match model.loaded() {
        Some(m) if !phrases.is_empty() => phrases
            .iter()
            .copied()
            .zip(m.encode(&phrases, 128).map_err(ThemesError::Embed)?)
            .collect(),
        _ => HashMap::new(),
    };
    Ok(cands
        .iter()
        .zip(groups)
        .map(|(c, g)| {
            let vecs: Option<Vec<Vec<f32>>> = c
                .iter()
                .map(|(p, _)| vectors.get(p.as_str()).cloned())
                .collect();
            label::pick_keywords(c, vecs.as_deref(), &g.centre, KEYWORDS)
        })
        .collect())
}
