//! Project configuration, resolved once: command-line flags > environment > `chorus.toml` >
//! defaults, into each stage's config struct. Every default lives in one place: the stage's
//! `Default` (the CLI's flags take theirs from there too). `chorus.toml` is looked for in the
//! current folder and its parents; the workspace defaults to `.chorus/` beside it (or in the
//! current folder when there is none).
//!
//! ```toml
//! [ingest]
//! inputs = ["data/demo"]        # what `chorus run` ingests
//! redact = true                 # personal data redaction (default on)
//! max_unit_chars = 400          # longer transcript turns are split at sentences
//! [ingest.columns]              # survey column roles, for every event
//! "Any comments?" = "text"
//! [ingest.ids]                  # more ids to redact, as regular expressions
//! "Staff number" = 'STF-\d{6}'
//!
//! [[ingest.sources]]            # metadata for inputs under a path that carry no event.toml
//! path = "../shared/data/polis"
//! licence = "CC BY 4.0"
//! attribution = "Data was gathered using the Polis software ..."
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use chorus_ingest::survey::ColumnRole;
use chorus_ingest::IngestConfig;
use chorus_themes::ThemesConfig;

use crate::cli::{IngestArgs, ThemesArgs};
use crate::error::Usage;
use chorus_core::model::Workspace;

pub const CONFIG_FILE: &str = "chorus.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChorusToml {
    #[serde(default)]
    pub ingest: IngestSection,
    #[serde(default)]
    pub embed: EmbedSection,
    pub seed: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestSection {
    #[serde(default)]
    pub inputs: Vec<PathBuf>,
    pub redact: Option<bool>,
    pub max_unit_chars: Option<usize>,
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnRole>,
    #[serde(default)]
    pub sources: Vec<SourceDefaults>,
    /// Ids to redact besides the built-in ones: name -> regular expression (a capture group,
    /// if any, is the part replaced).
    #[serde(default)]
    pub ids: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbedSection {
    /// `english`, `multilingual` or a model folder (relative to chorus.toml).
    pub model: Option<String>,
}

/// Event metadata for every event read from under `path` (relative to `chorus.toml`); an
/// event's own `event.toml` wins, field by field.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDefaults {
    pub path: PathBuf,
    pub licence: Option<String>,
    pub attribution: Option<String>,
    pub url: Option<String>,
    pub country: Option<String>,
    pub sector: Option<String>,
    pub level: Option<String>,
    pub series: Option<String>,
    pub language: Option<String>,
}

impl SourceDefaults {
    /// The path resolved against the project root, and the metadata as an event's.
    pub fn resolve(&self, root: &Path) -> (PathBuf, chorus_ingest::event::EventMeta) {
        (
            root.join(&self.path),
            chorus_ingest::event::EventMeta {
                licence: self.licence.clone(),
                attribution: self.attribution.clone(),
                url: self.url.clone(),
                country: self.country.clone(),
                sector: self.sector.clone(),
                level: self.level.clone(),
                series: self.series.clone(),
                language: self.language.clone(),
                ..Default::default()
            },
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}`:{line}: expected chorus settings ([ingest] inputs, redact, max_unit_chars, columns, sources, ids; [embed] model; seed), found: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

impl chorus_core::error::Diagnostic for ConfigError {}

/// The resolved project: where its config lives and which workspace it uses.
#[derive(Debug, Clone)]
pub struct Project {
    /// Folder of `chorus.toml` (the current folder when there is none).
    pub root: PathBuf,
    pub config_file: Option<PathBuf>,
    pub config: ChorusToml,
    pub workspace: Workspace,
}

impl Project {
    /// Finds `chorus.toml` from `cwd` upwards; `workspace` (flag or `CHORUS_WORKSPACE`) wins.
    pub fn discover(cwd: &Path, workspace: Option<PathBuf>) -> Result<Self, ConfigError> {
        let config_file = cwd
            .ancestors()
            .map(|d| d.join(CONFIG_FILE))
            .find(|p| p.is_file());
        let (root, config) = match &config_file {
            Some(path) => (
                path.parent().unwrap_or(cwd).to_path_buf(),
                read_config(path)?,
            ),
            None => (cwd.to_path_buf(), ChorusToml::default()),
        };
        let ws = workspace.unwrap_or_else(|| root.join(".chorus"));
        Ok(Self {
            root,
            config_file,
            config,
            workspace: Workspace::new(ws),
        })
    }
}

pub fn read_config(path: &Path) -> Result<ChorusToml, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        line: e.span().map_or(1, |s| {
            text[..s.start.min(text.len())].matches('\n').count() + 1
        }),
        message: e.message().to_string(),
    })
}

/// Transcript units shorter than this limit would split sentences into fragments.
const MIN_UNIT_CHARS: usize = 40;

impl Project {
    /// The ingest stage's settings: paths from the command line, else `[ingest] inputs`.
    pub fn ingest_config(&self, args: &IngestArgs, progress: bool) -> Result<IngestConfig, Usage> {
        let conf = &self.config.ingest;
        let paths: Vec<PathBuf> = if args.paths.is_empty() {
            conf.inputs.iter().map(|p| self.root.join(p)).collect()
        } else {
            args.paths.clone()
        };
        if paths.is_empty() {
            return Err(Usage::new(
                "no input given: expected `chorus ingest PATH...` or `[ingest] inputs` in chorus.toml",
            ));
        }
        let ids = conf
            .ids
            .iter()
            .map(|(name, pattern)| {
                chorus_ingest::ids::IdPattern::custom(name, pattern).map_err(|e| {
                    Usage::new(format!(
                        "`{CONFIG_FILE}` [ingest.ids] \"{name}\": expected a regular expression, found `{pattern}` ({e})"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let defaults = IngestConfig::default();
        Ok(IngestConfig {
            ids,
            paths,
            redact: !args.no_redact && conf.redact.unwrap_or(defaults.redact),
            max_unit_chars: args
                .max_unit_chars
                .or(conf.max_unit_chars)
                .unwrap_or(defaults.max_unit_chars)
                .max(MIN_UNIT_CHARS),
            columns: conf.columns.clone(),
            defaults: conf.sources.iter().map(|d| d.resolve(&self.root)).collect(),
            progress,
            strict: args.strict,
            ..defaults
        })
    }

    /// The embedding model: the flag, else `[embed] model` of chorus.toml (a folder relative
    /// to it), else none (chosen by the corpus).
    pub fn embed_model(&self, flag: Option<&str>) -> Option<chorus_embed::ModelChoice> {
        use chorus_embed::ModelChoice;
        match (flag, self.config.embed.model.as_deref()) {
            (Some(v), _) => Some(ModelChoice::parse(v)),
            (None, Some(v)) => Some(match ModelChoice::parse(v) {
                ModelChoice::Dir(d) => ModelChoice::Dir(self.root.join(d)),
                named => named,
            }),
            (None, None) => None,
        }
    }

    /// The seed: the flag, else `seed` of chorus.toml, else the themes stage's default.
    pub fn seed(&self, flag: Option<u64>) -> u64 {
        flag.or(self.config.seed)
            .unwrap_or(ThemesConfig::default().seed)
    }

    /// The themes stage's settings.
    pub fn themes_config(&self, args: &ThemesArgs) -> ThemesConfig {
        ThemesConfig {
            seed: self.seed(args.seed),
            themes: args.themes,
            min_similarity: args.min_similarity,
            vocabulary_weight: args.vocabulary_weight.clamp(0.0, 1.0),
            context_weight: args.context_weight.max(0.0),
            model_labels: !args.no_model_labels,
            recluster: args.recluster,
            threads: args.threads,
        }
    }
}
