//! Edits to the codebook made for a person (the review page of `chorus serve --review`): each
//! one rewrites `codebook.toml` in place, keeping its comments and every entry it does not
//! touch, so the file stays the one a person edits by hand. An edit is checked against the
//! version of the file it was made on (two tabs editing at once lose nothing: the second is
//! refused and sees the first), and the result must read back as a codebook before it replaces
//! the file (written to a temporary name, then renamed).

use std::path::{Path, PathBuf};

use toml_edit::{value, Array, ArrayOfTables, DocumentMut, Item, Table};

use crate::codebook::{self, CodebookError};

/// One review action, in the codebook's terms.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Give the theme this label.
    Rename { theme: String, label: String },
    /// Fold `theme` into `into`.
    Merge { theme: String, into: String },
    /// Split the theme into `parts` themes.
    Split { theme: String, parts: usize },
    /// Quote this unit first for the theme.
    PinQuote { theme: String, unit: String },
    /// A theme the analyst expects, from a label and example phrases.
    Seed {
        label: String,
        examples: Vec<String>,
    },
    /// Mark the theme reviewed (or not).
    Review { theme: String, reviewed: bool },
}

impl Action {
    /// The theme the action is about (a seed's label).
    pub fn theme(&self) -> &str {
        match self {
            Action::Rename { theme, .. }
            | Action::Merge { theme, .. }
            | Action::Split { theme, .. }
            | Action::PinQuote { theme, .. }
            | Action::Review { theme, .. } => theme,
            Action::Seed { label, .. } => label,
        }
    }
}

/// What an edit changed: the codebook's version before and after, and the entries it touched
/// as TOML text before and after (empty when there was none).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Change {
    pub version_before: String,
    pub version_after: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("the codebook changed since this page was loaded (version {found}, the page had {expected}); reload and edit again")]
    Stale { expected: String, found: String },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Codebook(#[from] CodebookError),
    #[error("could not write `{path}`")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The codebook's version: a hash of its bytes (an absent file is version of the empty text).
pub fn version(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_default();
    chorus_core::model::content_hash(&bytes)[..16].to_string()
}

/// Applies `action` to the codebook at `path`, made on version `expected`.
pub fn apply(path: &Path, expected: &str, action: &Action) -> Result<Change, EditError> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let found = version(path);
    if found != expected {
        return Err(EditError::Stale {
            expected: expected.to_string(),
            found,
        });
    }
    // the file as it stands must be a codebook (a hand edit may have broken it)
    codebook::read(path)?;
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| EditError::Invalid(format!("`{}` is not TOML: {e}", path.display())))?;
    let (before, after) = edit(&mut doc, action)?;
    let out = doc.to_string();
    let tmp = path.with_extension("toml.tmp");
    let write = |source| EditError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(write)?;
    }
    std::fs::write(&tmp, &out).map_err(write)?;
    if let Err(e) = codebook::read(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(EditError::Invalid(format!(
            "the edit would make the codebook unreadable ({e})"
        )));
    }
    std::fs::rename(&tmp, path).map_err(write)?;
    Ok(Change {
        version_before: found,
        version_after: version(path),
        before,
        after,
    })
}

fn nonempty(what: &str, s: &str) -> Result<String, EditError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(EditError::Invalid(format!("{what} is empty")));
    }
    if s.chars().count() > 200 {
        return Err(EditError::Invalid(format!(
            "{what} is {} characters; at most 200",
            s.chars().count()
        )));
    }
    Ok(s.to_string())
}

/// The `[[theme]]` entry of `id`, made when there is none.
fn theme_entry<'d>(doc: &'d mut DocumentMut, id: &str) -> &'d mut Table {
    if !doc.contains_key("theme") {
        doc.insert("theme", Item::ArrayOfTables(ArrayOfTables::new()));
    }
    let themes = doc["theme"]
        .as_array_of_tables_mut()
        .expect("theme is an array of tables: the file read as a codebook");
    let at = themes
        .iter()
        .position(|t| t.get("id").and_then(|v| v.as_str()) == Some(id));
    let at = at.unwrap_or_else(|| {
        let mut t = Table::new();
        t.insert("id", value(id));
        themes.push(t);
        themes.len() - 1
    });
    themes.get_mut(at).expect("the entry exists")
}

fn entry_text(doc: &DocumentMut, id: &str) -> String {
    doc.get("theme")
        .and_then(Item::as_array_of_tables)
        .and_then(|ts| {
            ts.iter()
                .find(|t| t.get("id").and_then(|v| v.as_str()) == Some(id))
        })
        .map(|t| t.to_string().trim().to_string())
        .unwrap_or_default()
}

fn push_unique(t: &mut Table, key: &str, item: &str) {
    if !t.get(key).is_some_and(Item::is_array) {
        t.insert(key, value(Array::new()));
    }
    let arr = t[key].as_array_mut().expect("just made an array");
    if !arr.iter().any(|v| v.as_str() == Some(item)) {
        arr.push(item);
    }
}

/// Applies the action to the document; returns the touched entries before and after.
fn edit(doc: &mut DocumentMut, action: &Action) -> Result<(String, String), EditError> {
    let touched: Vec<String> = match action {
        Action::Merge { theme, into } => vec![into.clone(), theme.clone()],
        Action::Seed { .. } => Vec::new(),
        other => vec![other.theme().to_string()],
    };
    let text = |doc: &DocumentMut| {
        touched
            .iter()
            .map(|id| entry_text(doc, id))
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let before = text(doc);
    match action {
        Action::Rename { theme, label } => {
            let label = nonempty("the label", label)?;
            theme_entry(doc, theme).insert("label", value(label));
        }
        Action::Merge { theme, into } => {
            if theme == into {
                return Err(EditError::Invalid(format!(
                    "theme `{theme}` cannot be merged into itself"
                )));
            }
            push_unique(theme_entry(doc, into), "merge", theme);
        }
        Action::Split { theme, parts } => {
            if !(2..=10).contains(parts) {
                return Err(EditError::Invalid(format!(
                    "a theme splits into 2 to 10 parts, not {parts}"
                )));
            }
            theme_entry(doc, theme).insert("split", value(*parts as i64));
        }
        Action::PinQuote { theme, unit } => {
            let unit = nonempty("the unit id", unit)?;
            push_unique(theme_entry(doc, theme), "quotes", &unit);
        }
        Action::Review { theme, reviewed } => {
            theme_entry(doc, theme).insert("reviewed", value(*reviewed));
        }
        Action::Seed { label, examples } => {
            let label = nonempty("the seed's label", label)?;
            let examples: Vec<String> = examples
                .iter()
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty())
                .collect();
            if examples.is_empty() {
                return Err(EditError::Invalid(
                    "a seed needs at least one example phrase".into(),
                ));
            }
            if !doc.contains_key("seed") {
                doc.insert("seed", Item::ArrayOfTables(ArrayOfTables::new()));
            }
            let seeds = doc["seed"]
                .as_array_of_tables_mut()
                .expect("seed is an array of tables: the file read as a codebook");
            let mut t = Table::new();
            t.insert("label", value(label));
            t.insert("examples", value(examples.iter().collect::<Array>()));
            let after = t.to_string().trim().to_string();
            seeds.push(t);
            return Ok((before, after));
        }
    }
    Ok((before, text(doc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOK: &str = "# analysts' notes stay\n\n[[theme]]\nid = \"t-1\"\nlabel = \"Paper forms\"  # kept\n\n[[theme]]\nid = \"t-2\"\npin = true\n";

    fn book() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codebook.toml");
        std::fs::write(&path, BOOK).unwrap();
        (dir, path)
    }

    #[test]
    fn an_edit_touches_only_its_theme_and_keeps_comments() {
        let (_d, path) = book();
        let v = version(&path);
        let change = apply(
            &path,
            &v,
            &Action::Rename {
                theme: "t-2".into(),
                label: "Online registration".into(),
            },
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# analysts' notes stay"));
        assert!(text.contains("label = \"Paper forms\"  # kept"));
        assert!(change.after.contains("Online registration"));
        assert!(!change.before.contains("Online"));
        let cb = codebook::read(&path).unwrap();
        assert_eq!(
            cb.edit("t-2").unwrap().label.as_deref(),
            Some("Online registration")
        );
        assert!(cb.edit("t-2").unwrap().pin);
        assert_eq!(change.version_after, version(&path));
    }

    #[test]
    fn merge_pin_split_seed_review_and_a_new_entry() {
        let (_d, path) = book();
        for a in [
            Action::Merge {
                theme: "t-3".into(),
                into: "t-1".into(),
            },
            Action::Merge {
                theme: "t-3".into(),
                into: "t-1".into(),
            },
            Action::PinQuote {
                theme: "t-4".into(),
                unit: "ev/s.csv#L2.q1".into(),
            },
            Action::Split {
                theme: "t-2".into(),
                parts: 2,
            },
            Action::Review {
                theme: "t-1".into(),
                reviewed: true,
            },
            Action::Seed {
                label: "Digital exclusion".into(),
                examples: vec!["no internet".into(), " ".into()],
            },
        ] {
            apply(&path, &version(&path), &a).unwrap();
        }
        let cb = codebook::read(&path).unwrap();
        assert_eq!(cb.edit("t-1").unwrap().merge, vec!["t-3"]);
        assert!(cb.edit("t-1").unwrap().reviewed);
        assert_eq!(cb.edit("t-4").unwrap().quotes, vec!["ev/s.csv#L2.q1"]);
        assert_eq!(cb.edit("t-2").unwrap().split, Some(2));
        assert_eq!(cb.seed[0].examples, vec!["no internet"]);
    }

    #[test]
    fn a_stale_version_or_a_bad_edit_changes_nothing() {
        let (_d, path) = book();
        let old = version(&path);
        let rename = |label: &str| Action::Rename {
            theme: "t-1".into(),
            label: label.into(),
        };
        apply(&path, &old, &rename("First")).unwrap();
        let after_first = std::fs::read_to_string(&path).unwrap();
        assert!(matches!(
            apply(&path, &old, &rename("Second")),
            Err(EditError::Stale { .. })
        ));
        assert!(matches!(
            apply(&path, &version(&path), &rename("  ")),
            Err(EditError::Invalid(_))
        ));
        assert!(matches!(
            apply(
                &path,
                &version(&path),
                &Action::Split {
                    theme: "t-1".into(),
                    parts: 1
                }
            ),
            Err(EditError::Invalid(_))
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), after_first);
    }

    #[test]
    fn an_absent_codebook_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("themes/codebook.toml");
        let a = Action::Review {
            theme: "t-9".into(),
            reviewed: true,
        };
        apply(&path, &version(&path), &a).unwrap();
        assert!(codebook::read(&path).unwrap().edit("t-9").unwrap().reviewed);
    }
}
