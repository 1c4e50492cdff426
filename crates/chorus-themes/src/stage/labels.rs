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

/// A group's keywords, and its recurring phrases in lower case (see [`label::title`]).
type Labelled = (Vec<String>, Vec<String>);

/// Recurring phrases of a theme looked at for a title made of two keywords said together.
const SAID: usize = 1000;

/// Keywords a theme keeps.
const KEYWORDS: usize = 8;

/// Keywords a theme shows per other language, from at least `LANGUAGE_UNITS` of its units.
const OTHER_KEYWORDS: usize = 3;
const LANGUAGE_UNITS: usize = 3;

/// The theme records: the themes with units or pinned, and the subthemes.
pub fn themes(
    book: &Codebook,
    groups: &Groups,
    pinned: &BTreeSet<ThemeId>,
    units: &UnitTexts,
    model: &mut Model,
    model_labels: bool,
) -> Result<Vec<Theme>, ThemesError> {
    let stop = units.label_stopwords();
    if model_labels {
        if let Err(e) = model.get() {
            tracing::warn!("labels from c-TF-IDF only: {e}");
        }
    }
    // each theme's keywords and title in the language more than half its units are in: a
    // theme of German statements with a few English lines is not titled from the English ones
    let top_langs: Vec<&str> = groups
        .tops
        .iter()
        .map(|g| units.language_of(&g.members))
        .collect();
    let sub_langs: Vec<&str> = groups
        .subs
        .iter()
        .map(|g| units.language_of(&g.members))
        .collect();
    // keywords, and the titles made of them, in the case people write them in
    let shown = |ks: Vec<Labelled>| -> Vec<Labelled> {
        ks.into_iter()
            .map(|(k, phrases)| {
                (
                    k.iter().map(|p| label::shown(p, &units.forms)).collect(),
                    phrases,
                )
            })
            .collect()
    };
    let top_keywords = shown(keywords(
        &groups.tops,
        units,
        &top_langs,
        &stop,
        model,
        THEME_PHRASES,
    )?);
    let sub_keywords = shown(keywords(
        &groups.subs,
        units,
        &sub_langs,
        &stop,
        model,
        SUBTHEME_PHRASES,
    )?);
    let top_other = other_keywords(&groups.tops, units, &top_langs, &stop);
    let sub_other = other_keywords(&groups.subs, units, &sub_langs, &stop);
    let events_of = |m: &[usize]| {
        m.iter()
            .map(|&u| units.events[u].as_str())
            .collect::<BTreeSet<_>>()
            .len()
    };
    let renamed = |id: &ThemeId| book.edit(id.as_str()).and_then(|e| e.label.clone());
    let record = |g: &Group, (label, lang): (String, &str), keywords, other, pinned| Theme {
        id: g.id.to_string(),
        parent: g.parent.as_ref().map(ThemeId::to_string),
        label,
        keywords,
        lang: lang.to_string(),
        other_keywords: other,
        size: g.members.len(),
        events: events_of(&g.members),
        pinned,
        centre: g.centre.clone(),
    };
    let mut themes: Vec<Theme> = Vec::new();
    // titles already given (lowercased): a theme never repeats another's
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for (((g, (keywords, phrases)), other), lang) in groups
        .tops
        .iter()
        .zip(top_keywords)
        .zip(top_other)
        .zip(&top_langs)
    {
        let pinned = pinned.contains(&g.id);
        if g.members.is_empty() && !pinned {
            continue;
        }
        let seeded = book
            .seed
            .iter()
            .find(|s| ThemeId::seeded(&s.label) == g.id)
            .map(|s| s.label.clone());
        // a title from the codebook is in the report's language
        let label = match renamed(&g.id).or(seeded) {
            Some(given) => (given, ""),
            None => (
                distinct_title(&keywords, &phrases, &taken, &stop, lang),
                *lang,
            ),
        };
        taken.insert(label.0.to_lowercase());
        themes.push(record(g, label, keywords, other, pinned));
    }
    for (((g, (keywords, phrases)), other), lang) in groups
        .subs
        .iter()
        .zip(sub_keywords)
        .zip(sub_other)
        .zip(&sub_langs)
    {
        let label = match renamed(&g.id) {
            Some(given) => (given, ""),
            None => (
                distinct_title(&keywords, &phrases, &taken, &stop, lang),
                *lang,
            ),
        };
        taken.insert(label.0.to_lowercase());
        themes.push(record(g, label, keywords, other, false));
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

/// The title of `keywords` ([`label::title`]), unless another theme has it: then the title of
/// the keywords after the first, and so on.
fn distinct_title(
    keywords: &[String],
    phrases: &[String],
    taken: &BTreeSet<String>,
    stop: &Stopwords,
    lang: &str,
) -> String {
    (0..keywords.len().max(1))
        .map(|skip| label::title(&keywords[skip.min(keywords.len())..], phrases, stop, lang))
        .find(|t| !taken.contains(&t.to_lowercase()))
        .unwrap_or_else(|| label::title(keywords, phrases, stop, lang))
}

/// The texts of each group's units in its language (`langs`), else (fewer than
/// [`LANGUAGE_UNITS`] of them) of all its units.
fn texts_in<'a>(groups: &[Group], units: &'a UnitTexts, langs: &[&str]) -> Vec<Vec<&'a str>> {
    groups
        .iter()
        .zip(langs)
        .map(|(g, &lang)| {
            let in_lang: Vec<&str> = g
                .members
                .iter()
                .filter(|&&u| units.lang[u] == lang)
                .map(|&u| units.norm[u].as_str())
                .collect();
            if in_lang.len() >= LANGUAGE_UNITS {
                in_lang
            } else {
                g.members.iter().map(|&u| units.norm[u].as_str()).collect()
            }
        })
        .collect()
}

/// Each group's keywords in the languages other than its own (`langs`): the top c-TF-IDF
/// phrases of its units in each language with at least [`LANGUAGE_UNITS`] of them, languages
/// by units.
fn other_keywords(
    groups: &[Group],
    units: &UnitTexts,
    langs: &[&str],
    stop: &Stopwords,
) -> Vec<Vec<(String, Vec<String>)>> {
    let mut out: Vec<Vec<(usize, String, Vec<String>)>> = vec![Vec::new(); groups.len()];
    for lang in units.languages() {
        let classes: Vec<Vec<&str>> = groups
            .iter()
            .map(|g| {
                g.members
                    .iter()
                    .filter(|&&u| units.lang[u] == lang)
                    .map(|&u| units.norm[u].as_str())
                    .collect()
            })
            .collect();
        let top = label::ctfidf(&classes, stop, OTHER_KEYWORDS);
        for (((o, c), cands), &own) in out.iter_mut().zip(&classes).zip(top).zip(langs) {
            if own != lang && c.len() >= LANGUAGE_UNITS && !cands.is_empty() {
                o.push((
                    c.len(),
                    lang.to_string(),
                    cands.into_iter().map(|(p, _)| p).collect(),
                ));
            }
        }
    }
    out.into_iter()
        .map(|mut o| {
            o.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            o.into_iter().map(|(_, l, k)| (l, k)).collect()
        })
        .collect()
}

/// The keywords of each group, in its language (`langs`): its top c-TF-IDF phrases among the
/// groups', re-ranked by the model when loaded (all candidate phrases embedded in one batched
/// call); and those phrases (lowercase) as found.
fn keywords(
    groups: &[Group],
    units: &UnitTexts,
    langs: &[&str],
    stop: &Stopwords,
    model: &Model,
    top: usize,
) -> Result<Vec<Labelled>, ThemesError> {
    let classes = texts_in(groups, units, langs);
    // every recurring phrase of each group (what its people say together), the top ones the
    // keyword candidates
    let said = label::ctfidf(&classes, stop, SAID);
    let cands: Vec<&[(String, f64)]> = said.iter().map(|c| &c[..c.len().min(top)]).collect();
    let phrases: Vec<&str> = cands
        .iter()
        .flat_map(|c| c.iter())
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
        .zip(&said)
        .zip(groups.iter().zip(&classes))
        .map(|((c, said), (g, texts))| {
            let vecs: Option<Vec<Vec<f32>>> = c
                .iter()
                .map(|(p, _)| vectors.get(p.as_str()).cloned())
                .collect();
            let keywords = label::pick_keywords(c, vecs.as_deref(), &g.centre, KEYWORDS);
            let mut phrases: Vec<String> = said.iter().map(|(p, _)| p.clone()).collect();
            phrases.extend(label::said_around(&keywords, texts, stop));
            (keywords, phrases)
        })
        .collect())
}
