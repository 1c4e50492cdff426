//! Event metadata: the `event.toml` of an event folder, and the defaults when there is none.
//!
//! ```toml
//! id = "lisbon-digital"          # optional; default: the folder name
//! title = "Government Aftershock: Lisbon"
//! date = "2020-10-14"
//! country = "Portugal"
//! city = "Lisbon"
//! organiser = "..."
//! sector = "digital services"
//! level = "national"             # national, regional, local, international
//! language = "en"
//! mode = "online"
//! licence = "CC BY 4.0"
//! attribution = "..."
//! [speakers]                     # transcript speaker -> role
//! "Ana Ribeiro" = "facilitator"
//! [columns]                      # survey column -> role (text, scale, choice, attribute, id, ignore)
//! "Comments" = "text"
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use super::problem::{Problem, ProblemKind};
use super::survey::ColumnRole;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EventMeta {
    pub id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// `date = "2020-10-14"` or a bare TOML date `date = 2020-10-14`.
    #[serde(default, deserialize_with = "string_or_date")]
    pub date: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub organiser: Option<String>,
    pub sector: Option<String>,
    pub level: Option<String>,
    pub language: Option<String>,
    pub mode: Option<String>,
    pub series: Option<String>,
    pub url: Option<String>,
    pub licence: Option<String>,
    pub attribution: Option<String>,
    #[serde(default)]
    pub speakers: BTreeMap<String, String>,
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnRole>,
}

impl EventMeta {
    /// Fills the fields not set here from `other` (hand-written metadata wins over what a
    /// source carries).
    pub fn fill_from(&mut self, other: &EventMeta) {
        macro_rules! fill {
            ($($f:ident),*) => { $( if self.$f.is_none() { self.$f = other.$f.clone(); } )* };
        }
        fill!(
            id,
            title,
            description,
            date,
            country,
            city,
            organiser,
            sector,
            level,
            language,
            mode,
            series,
            url,
            licence,
            attribution
        );
        for (k, v) in &other.speakers {
            self.speakers.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (k, v) in &other.columns {
            self.columns.entry(k.clone()).or_insert(*v);
        }
    }
}

fn string_or_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        S(String),
        D(toml::value::Datetime),
    }
    Ok(Option::<Either>::deserialize(d)?.map(|e| match e {
        Either::S(s) => s,
        Either::D(d) => d.to_string(),
    }))
}

/// Parses an `event.toml`. A malformed file is rejected with its line and column; the event's
/// sources are still read, with default metadata.
pub fn parse_event_toml(file: &str, text: &str) -> Result<EventMeta, Problem> {
    toml::from_str::<EventMeta>(text).map_err(|e| {
        let (line, col) = match e.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() as u64 + 1;
                let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
                (Some(line), Some(col))
            }
            None => (None, None),
        };
        let mut p = Problem::reject(
            file,
            line,
            ProblemKind::MalformedEventToml,
            format!("expected event metadata (`title`, `date`, `country`, ... as in data/README.md), found: {}; the event is read with default metadata", e.message()),
        );
        if let Some(c) = col {
            p = p.at_column(c);
        }
        p
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_rejects_with_location() {
        let m = parse_event_toml("e.toml", "title = \"T\"\ndate = 2020-10-14\ncountry = \"PT\"\n[speakers]\n\"Ana\" = \"facilitator\"\n").unwrap();
        assert_eq!(m.country.as_deref(), Some("PT"));
        assert_eq!(m.date.as_deref(), Some("2020-10-14"));
        assert_eq!(m.speakers["Ana"], "facilitator");
        let e = parse_event_toml("e.toml", "title = \"T\"\ncountry = PT\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = parse_event_toml("e.toml", "title = \"T\"\ncolour = \"x\"\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("colour"), "{}", e.message);
    }
}
