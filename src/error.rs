//! The binary's own errors (a command used wrongly) and how any error's hint is found: every
//! stage error carries its hint as data ([`Diagnostic`]), printed on its own line.

use chorus_core::error::{Category, Diagnostic};

/// A command used wrongly: what was expected, and what to do.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Usage {
    pub message: String,
    pub hint: Option<String>,
}

impl Usage {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(self, hint: impl Into<String>) -> Self {
        Self {
            hint: Some(hint.into()),
            ..self
        }
    }
}

impl Diagnostic for Usage {
    fn category(&self) -> Category {
        Category::Input
    }

    fn hint(&self) -> Option<String> {
        self.hint.clone()
    }
}

/// The error as a stage reported it, when it is one of chorus's.
pub fn diagnostic(e: &anyhow::Error) -> Option<&dyn Diagnostic> {
    macro_rules! first_of {
        ($($t:ty),*) => {
            $(if let Some(d) = e.downcast_ref::<$t>() {
                return Some(d);
            })*
        };
    }
    first_of!(
        Usage,
        crate::config::ConfigError,
        crate::workbench::WorkbenchError,
        chorus_core::model::LockError,
        chorus_core::vectors::VectorsError,
        chorus_ingest::IngestError,
        chorus_embed::EmbedError,
        chorus_index::IndexError,
        chorus_index::search::SearchError,
        chorus_themes::ThemesError,
        chorus_insights::InsightsError,
        chorus_report::ReportError,
        chorus_serve::ServeError
    );
    None
}
