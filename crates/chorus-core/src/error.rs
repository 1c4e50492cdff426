//! What every error of chorus says besides its message: whose move it is (the user's input or
//! environment, or a bug of ours) and, when there is one, a hint as data. The CLI prints the
//! hint on a line of its own; the JSON API returns it as a field. Messages never carry the hint.

/// Who can act on an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// The user's flags, configuration or files, or the machine (a missing model, a full disk):
    /// the message says what to change.
    Input,
    /// A bug of chorus: the message says so.
    Bug,
}

/// The category and hint of an error; stage errors implement it, the defaults fit most.
pub trait Diagnostic: std::error::Error {
    fn category(&self) -> Category {
        Category::Input
    }

    /// What to do about it, when chorus knows (`run `chorus embed` first`).
    fn hint(&self) -> Option<String> {
        None
    }
}
