//! Units as the themes stage sees them: their texts beside their vectors (read from the corpus
//! frames), the units without a content word set apart, the units described by meaning and
//! words together for the micro-clusters, and the centre of a group of units.

use std::collections::{BTreeSet, HashMap, HashSet};

use chorus_core::model::{col, Status, Table, Workspace};
use chorus_core::vectors::UnitVectors;

use crate::cluster::normalise;
use crate::{label, procedural, ThemesError};

/// Units as themes need them.
pub struct UnitTexts {
    pub ids: Vec<String>,
    pub events: Vec<String>,
    pub text: Vec<String>,
    pub norm: Vec<String>,
    pub lang: Vec<String>,
    pub duplicate: Vec<bool>,
    /// Said in a transcript (not a survey answer or a Pol.is statement).
    pub spoken: Vec<bool>,
    /// Names found in the units' text (see `names.rs`).
    pub names: HashSet<String>,
    /// The form each usually capitalised word is written in, by lower-cased word (see
    /// `names::Written`): how titles and keywords show it.
    pub forms: HashMap<String, String>,
    /// The words of the free-text questions asked ("what should we leave behind?"): every
    /// answer may repeat them, and they name no theme.
    pub asked: HashSet<String>,
    /// [`main_language`](Self::main_language), counted once.
    main: std::sync::OnceLock<String>,
}

/// A unit left out of the themes, as `assignments.parquet` lists it.
pub struct LeftOut {
    pub unit: String,
    pub event: String,
    /// Why: no content word, or procedural.
    pub status: Status,
}

impl UnitTexts {
    /// The languages of the units (known ones), most units first.
    pub fn languages(&self) -> Vec<&str> {
        chorus_core::text::language_counts(self.lang.iter().map(String::as_str))
            .into_iter()
            .map(|(l, _)| l)
            .collect()
    }

    /// The language most units are in ("" when none is known).
    pub fn main_language(&self) -> &str {
        self.main
            .get_or_init(|| self.languages().first().copied().unwrap_or("").to_string())
    }

    /// The language more than half of `members` are in, else the corpus's main language.
    pub fn language_of(&self, members: &[usize]) -> &str {
        chorus_core::text::language_counts(members.iter().map(|&u| self.lang[u].as_str()))
            .first()
            .filter(|&&(_, n)| 2 * n > members.len())
            .map_or_else(|| self.main_language(), |&(l, _)| l)
    }

    /// The stopwords of the units' languages.
    pub fn stopwords(&self) -> label::Stopwords {
        let langs: BTreeSet<&str> = self.lang.iter().map(String::as_str).collect();
        label::Stopwords::for_languages(langs.iter().copied()).with_names(self.names.clone())
    }

    /// What no title or keyword holds: the [`stopwords`](Self::stopwords) and the words of the
    /// questions asked.
    pub fn label_stopwords(&self) -> label::Stopwords {
        self.stopwords().with_words(self.asked.iter().cloned())
    }
}

pub fn unit_texts(ws: &Workspace) -> Result<UnitTexts, ThemesError> {
    let units = chorus_core::store::read_table(ws, Table::Units).map_err(ThemesError::Frames)?;
    let s = |name: &str| -> Result<Vec<String>, ThemesError> {
        Ok(units
            .column(name)
            .and_then(|c| c.str().cloned())
            .map_err(ThemesError::Frames)?
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect())
    };
    let duplicate = units
        .column(col::DUPLICATE_OF)
        .map_err(ThemesError::Frames)?
        .is_not_null()
        .iter()
        .map(|v| v.unwrap_or(false))
        .collect();
    let text = s(col::TEXT)?;
    let written = crate::names::written(text.iter().map(String::as_str));
    Ok(UnitTexts {
        main: Default::default(),
        names: written.names,
        forms: written.forms,
        asked: asked(ws)?,
        ids: s(col::UNIT_ID)?,
        events: s(col::EVENT_ID)?,
        text,
        norm: s(col::TEXT_NORM)?,
        lang: s(col::LANG)?,
        duplicate,
        spoken: s(col::KIND)?.iter().map(|k| k == "utterance").collect(),
    })
}

/// The words of the workspace's free-text questions, lowercased.
fn asked(ws: &Workspace) -> Result<HashSet<String>, ThemesError> {
    let questions =
        chorus_core::store::read_table(ws, Table::Questions).map_err(ThemesError::Frames)?;
    let col = |name| chorus_core::store::str_column(&questions, name).map_err(ThemesError::Frames);
    let (texts, kinds) = (col(col::TEXT)?, col(col::KIND)?);
    Ok(texts
        .iter()
        .zip(&kinds)
        .filter(|(_, k)| k.as_deref() == Some("free_text"))
        .flat_map(|(t, _)| label::words(&t.as_deref().unwrap_or_default().to_lowercase()))
        .collect())
}

/// Longest unit (in words) that can be a backchannel.
const BACKCHANNEL_WORDS: usize = 4;

/// Splits off the units without a content word (at most [`BACKCHANNEL_WORDS`] words, every one
/// a stopword or filler of its language: "Yeah.", "Okay, right.", "All of the above") and the
/// procedural transcript units (see `procedural.rs`). Returns the vectors and texts of the rest,
/// in order, and the units left out.
/// `prompts` are transcript units (by index) in which the chair puts the next question or item:
/// procedural whatever they say.
pub fn content_units(
    vectors: UnitVectors,
    units: UnitTexts,
    prompts: &HashSet<usize>,
) -> (UnitVectors, UnitTexts, Vec<LeftOut>) {
    let stop = units.stopwords();
    let why: Vec<Option<Status>> = units
        .norm
        .iter()
        .zip(&units.lang)
        .zip(&units.spoken)
        .enumerate()
        .map(|(u, ((t, lang), &spoken))| {
            let words = label::words(t);
            let content = words.len() > BACKCHANNEL_WORDS
                || words
                    .iter()
                    .any(|w| !stop.contains(w) && !w.chars().all(|c| c.is_ascii_digit()));
            if !content {
                Some(Status::NoContent)
            } else if prompts.contains(&u) || spoken && procedural::is_procedural(t, lang, &stop) {
                Some(Status::Procedural)
            } else {
                None
            }
        })
        .collect();
    let keep: Vec<bool> = why.iter().map(Option::is_none).collect();
    if keep.iter().all(|&k| k) {
        return (vectors, units, Vec::new());
    }
    let pick = |v: &[String]| -> Vec<String> {
        v.iter()
            .zip(&keep)
            .filter(|(_, &k)| k)
            .map(|(x, _)| x.clone())
            .collect()
    };
    let left_out = units
        .ids
        .iter()
        .zip(&units.events)
        .zip(&why)
        .filter_map(|((u, e), w)| {
            Some(LeftOut {
                unit: u.clone(),
                event: e.clone(),
                status: (*w)?,
            })
        })
        .collect();
    let dim = vectors.dim;
    let data = vectors
        .data
        .chunks(dim.max(1))
        .zip(&keep)
        .filter(|(_, &k)| k)
        .flat_map(|(row, _)| row.iter().copied())
        .collect();
    let kept_units = UnitTexts {
        main: Default::default(),
        names: units.names.clone(),
        forms: units.forms.clone(),
        asked: units.asked.clone(),
        ids: pick(&units.ids),
        events: pick(&units.events),
        text: pick(&units.text),
        norm: pick(&units.norm),
        lang: pick(&units.lang),
        duplicate: units
            .duplicate
            .iter()
            .zip(&keep)
            .filter(|(_, &k)| k)
            .map(|(d, _)| *d)
            .collect(),
        spoken: units
            .spoken
            .iter()
            .zip(&keep)
            .filter(|(_, &k)| k)
            .map(|(d, _)| *d)
            .collect(),
    };
    let kept_vectors = UnitVectors {
        unit_ids: pick(&vectors.unit_ids),
        dim,
        data,
        info: vectors.info,
    };
    (kept_vectors, kept_units, left_out)
}

/// Unit vectors extended with their words: TF-IDF weights hashed (signed) into `extra`
/// dimensions, the two parts weighted `alpha` and `1 - alpha` (in squared norm).
pub fn augmented(
    vectors: &UnitVectors,
    units: &UnitTexts,
    stop: &label::Stopwords,
    alpha: f32,
    extra: usize,
) -> Vec<f32> {
    let n = vectors.unit_ids.len();
    let toks: Vec<Vec<String>> = units
        .norm
        .iter()
        .map(|t| {
            label::words(t)
                .into_iter()
                .filter(|w| w.chars().count() >= 3 && !stop.contains(w))
                .collect()
        })
        .collect();
    let mut df: HashMap<&str, f32> = HashMap::new();
    for t in &toks {
        for w in t.iter().collect::<BTreeSet<_>>() {
            *df.entry(w.as_str()).or_default() += 1.0;
        }
    }
    let d2 = vectors.dim + extra;
    let mut out = vec![0f32; n * d2];
    for u in 0..n {
        let row = &mut out[u * d2..(u + 1) * d2];
        for (a, b) in row[..vectors.dim].iter_mut().zip(vectors.row(u)) {
            *a = alpha.sqrt() * b;
        }
        let h = &mut row[vectors.dim..];
        for w in &toks[u] {
            let idf = (n as f32 / df[w.as_str()]).ln();
            let x = chorus_core::model::content_hash(w.as_bytes());
            let v = u64::from_str_radix(&x[..16], 16).unwrap_or(0);
            let sign = if v & 1 == 0 { 1.0 } else { -1.0 };
            h[(v >> 1) as usize % extra] += sign * idf;
        }
        normalise(h);
        h.iter_mut().for_each(|x| *x *= (1.0 - alpha).sqrt());
        normalise(row);
    }
    out
}

/// The normalised mean of the vectors of `members`.
pub fn mean_centre(vectors: &UnitVectors, members: impl Iterator<Item = usize>) -> Vec<f32> {
    let mut c = vec![0f32; vectors.dim];
    for u in members {
        for (a, b) in c.iter_mut().zip(vectors.row(u)) {
            *a += b;
        }
    }
    normalise(&mut c);
    c
}
