//! The codebook: a person's edits to the themes, in `.chorus/themes/codebook.toml`, applied on
//! every run so reruns respect them.
//!
//! ```toml
//! [[theme]]
//! id = "t-3"
//! label = "Remote and hybrid work"   # rename (the label is kept on every rerun)
//! pin = true                         # keep this theme (its centre) whatever the clustering says
//! merge = ["t-7", "t-9"]             # fold these themes into this one
//! split = 2                          # split into this many themes
//! quotes = ["survey.csv#L12.q1"]     # quote these units first (unit ids)
//! reviewed = true                   # an analyst signed this theme off
//!
//! [[seed]]                           # a theme you expect, from its label and example phrases
//! label = "Digital exclusion"
//! examples = ["older people without internet", "no smartphone at home"]
//! ```

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Codebook {
    #[serde(default)]
    pub theme: Vec<ThemeEdit>,
    #[serde(default)]
    pub seed: Vec<Seed>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ThemeEdit {
    pub id: String,
    pub label: Option<String>,
    #[serde(default)]
    pub pin: bool,
    #[serde(default)]
    pub merge: Vec<String>,
    pub split: Option<usize>,
    /// Units (by id) quoted first for this theme, in this order.
    #[serde(default)]
    pub quotes: Vec<String>,
    /// An analyst has read the theme and signed it off.
    #[serde(default)]
    pub reviewed: bool,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    pub label: String,
    pub examples: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CodebookError {
    #[error("`{path}`:{line}: expected codebook entries ([[theme]] id, label, pin, merge, split, quotes, reviewed; [[seed]] label, examples), found: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("`{path}`: theme `{theme}` pins the quote `{unit}`, which is no unit of the corpus (or has no content)")]
    UnknownQuote {
        path: PathBuf,
        theme: String,
        unit: String,
    },
    #[error("could not read `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Reads the codebook (an absent file is an empty codebook).
pub fn read(path: &Path) -> Result<Codebook, CodebookError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Codebook::default()),
        Err(source) => {
            return Err(CodebookError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    toml::from_str(&text).map_err(|e| CodebookError::Parse {
        path: path.to_path_buf(),
        line: e.span().map_or(1, |s| {
            text[..s.start.min(text.len())].matches('\n').count() + 1
        }),
        message: e.message().to_string(),
    })
}

impl Codebook {
    pub fn edit(&self, id: &str) -> Option<&ThemeEdit> {
        self.theme.iter().find(|t| t.id == id)
    }

    /// Themes merged into another: (merged id, into id).
    pub fn merges(&self) -> Vec<(String, String)> {
        self.theme
            .iter()
            .flat_map(|t| t.merge.iter().map(move |m| (m.clone(), t.id.clone())))
            .collect()
    }
}

/// The units each theme's edit pins as quotes, as unit indices into `unit_ids` (theme id ->
/// units in order); an id that is no unit is an error naming the codebook.
pub fn pinned_quotes(
    book: &Codebook,
    path: &Path,
    unit_ids: &[String],
) -> Result<std::collections::HashMap<String, Vec<usize>>, CodebookError> {
    let index: std::collections::HashMap<&str, usize> = unit_ids
        .iter()
        .enumerate()
        .map(|(i, u)| (u.as_str(), i))
        .collect();
    let mut out = std::collections::HashMap::new();
    for e in book.theme.iter().filter(|e| !e.quotes.is_empty()) {
        let units = e
            .quotes
            .iter()
            .map(|u| {
                index
                    .get(u.as_str())
                    .copied()
                    .ok_or_else(|| CodebookError::UnknownQuote {
                        path: path.to_path_buf(),
                        theme: e.id.clone(),
                        unit: u.clone(),
                    })
            })
            .collect::<Result<Vec<usize>, _>>()?;
        out.insert(e.id.clone(), units);
    }
    Ok(out)
}
