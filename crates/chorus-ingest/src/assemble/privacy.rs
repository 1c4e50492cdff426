//! What keeps people unnamed in the frames: pseudonymous participant ids, and personal data
//! redacted from the text.
//!
//! Reads the workspace salt (passed in) and the event's speaker names; writes nothing.
//! Invariants: a participant id is a keyed hash of the event id and the participant's key only,
//! so the same person in the same event gets the same id on every run of the workspace; with
//! redaction off, text passes through unchanged and nothing is counted.

use super::SourceInput;
use crate::clean::{self, Redactions, SpeakerNames};
use crate::event::EventMeta;
use crate::ids::IdPattern;
use crate::names::Evidence;
use chorus_core::model::keyed_hash;

/// Participant ids of one event.
pub(super) struct Pseudonyms<'a> {
    salt: &'a [u8; 32],
    event_id: &'a str,
}

impl<'a> Pseudonyms<'a> {
    pub fn new(salt: &'a [u8; 32], event_id: &'a str) -> Self {
        Self { salt, event_id }
    }

    /// The id of the participant known in the sources as `key` (a name, a respondent id).
    pub fn participant_id(&self, key: &str) -> String {
        format!("p-{}", keyed_hash(self.salt, &[self.event_id, key]))
    }
}

/// Redaction of one event's text: its speakers' names, what its text says of each word (for
/// names in the text) and the ids `chorus.toml` adds; `None` when redaction is off.
pub(super) struct Redactor(Option<(SpeakerNames, Evidence, Vec<IdPattern>)>);

/// A text after redaction, and what was replaced in it.
pub(super) struct Redacted {
    pub text: String,
    pub counts: Redactions,
}

impl Redactor {
    pub fn new(
        enabled: bool,
        meta: &EventMeta,
        sources: &[SourceInput],
        ids: &[IdPattern],
    ) -> Self {
        Self(enabled.then(|| {
            let speakers = SpeakerNames::new(
                meta.speakers.keys().map(String::as_str).chain(
                    sources
                        .iter()
                        .flat_map(|s| s.parsed.participants.iter().map(|p| p.key.as_str())),
                ),
            );
            let evidence = Evidence::gather(sources.iter().flat_map(|s| {
                s.parsed
                    .units
                    .iter()
                    .map(|u| (u.participant.as_deref(), u.text.as_str()))
            }));
            (speakers, evidence, ids.to_vec())
        }))
    }

    /// `text` with personal data replaced. Speakers' names said in a transcript ("Bola,
    /// anything to add?") go too when `spoken`; not in written answers, where a surname is
    /// more often a word ("Weiß nicht.").
    pub fn redact(&self, text: String, spoken: bool) -> Redacted {
        // invisible direction overrides never reach an output, redaction on or off
        let text = clean::neutralise_controls(text);
        let Some((names, _, ids)) = &self.0 else {
            return Redacted {
                text,
                counts: Redactions::default(),
            };
        };
        // the project's own ids first, before any other rule takes part of one
        let mut custom = 0;
        let text = ids.iter().fold(text, |t, id| id.redact(t, &mut custom));
        let (mut text, mut counts) = clean::redact_owned(text);
        counts.ids += custom;
        if spoken {
            text = names.redact(text, &mut counts);
        }
        Redacted { text, counts }
    }

    /// [`Redactor::redact`]'s result with private persons' names in the text replaced too,
    /// when `search` (an English answer or turn; see `names.rs`).
    pub fn redact_names(&self, mut r: Redacted, search: bool) -> Redacted {
        if let Some((_, evidence, _)) = &self.0 {
            if search {
                r.text = evidence.redact(r.text, &mut r.counts.names);
            }
        }
        r
    }

    /// Everything [`Redactor::redact`] and [`Redactor::redact_names`] replace, for text of no
    /// known language (a rejected row).
    pub fn redact_all(&self, text: String) -> String {
        self.redact_names(self.redact(text, false), true).text
    }
}
