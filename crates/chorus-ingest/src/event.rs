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

/// The keys an `event.toml` may hold.
const KEYS: [&str; 17] = [
    "id",
    "title",
    "description",
    "date",
    "country",
    "city",
    "organiser",
    "sector",
    "level",
    "language",
    "mode",
    "series",
    "url",
    "licence",
    "attribution",
    "speakers",
    "columns",
];

/// Edit distance, for suggesting the key a misspelt one meant.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for j in 0..b.len() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != b[j]))
                .min(row[j] + 1)
                .min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// 1-based line and column of byte `at` in `text`.
fn line_col(text: &str, at: usize) -> (u64, u64) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, col)
}

/// Parses an `event.toml`. A malformed file is rejected with its line and column (the event's
/// sources are still read, with default metadata). An unknown or misspelt key is a warning
/// naming its line and the key it may have meant, and the rest of the metadata is kept (a
/// typo must not cost the event its licence and attribution).
pub fn parse_event_toml(file: &str, text: &str) -> Result<(EventMeta, Vec<Problem>), Problem> {
    let malformed = |message: String, span: Option<std::ops::Range<usize>>| {
        let mut p = Problem::reject(
            file,
            span.as_ref().map(|s| line_col(text, s.start).0),
            ProblemKind::MalformedEventToml,
            format!("expected event metadata (`title`, `date`, `country`, ... as in data/README.md), found: {message}; the event is read with default metadata"),
        );
        if let Some(s) = span {
            p = p.at_column(line_col(text, s.start).1);
        }
        p
    };
    let mut table: toml::Table =
        toml::from_str(text).map_err(|e| malformed(e.message().to_string(), e.span()))?;
    let mut warnings = Vec::new();
    let unknown: Vec<String> = table
        .keys()
        .filter(|k| !KEYS.contains(&k.as_str()))
        .cloned()
        .collect();
    for key in unknown {
        table.remove(&key);
        let line = text
            .lines()
            .position(|l| {
                let l = l
                    .trim_start()
                    .trim_start_matches('[')
                    .trim_start_matches('"');
                l.starts_with(key.as_str())
            })
            .map(|i| i as u64 + 1);
        let meant = KEYS
            .iter()
            .map(|k| (distance(&key.to_lowercase(), k), *k))
            .filter(|(d, _)| *d <= 2)
            .min()
            .map(|(_, k)| format!(" (did you mean `{k}`?)"))
            .unwrap_or_default();
        warnings.push(Problem::warning(
            file,
            line,
            ProblemKind::MalformedEventToml,
            format!("unknown key `{key}`{meant}: ignored; the rest of the metadata is kept"),
        ));
    }
    let meta = EventMeta::deserialize(toml::Value::Table(table))
        .map_err(|e| malformed(e.message().to_string(), None))?;
    Ok((meta, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_rejects_with_location() {
        let (m, warnings) = parse_event_toml("e.toml", "title = \"T\"\ndate = 2020-10-14\ncountry = \"PT\"\n[speakers]\n\"Ana\" = \"facilitator\"\n").unwrap();
        assert!(warnings.is_empty());
        assert_eq!(m.country.as_deref(), Some("PT"));
        assert_eq!(m.date.as_deref(), Some("2020-10-14"));
        assert_eq!(m.speakers["Ana"], "facilitator");
        let e = parse_event_toml("e.toml", "title = \"T\"\ncountry = PT\n").unwrap_err();
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn a_misspelt_key_costs_only_itself() {
        let (m, warnings) = parse_event_toml(
            "e.toml",
            "title = \"T\"\nlicense = \"CC BY 4.0\"\nattribution = \"Us\"\nlicence = \"CC BY 4.0\"\n",
        )
        .unwrap();
        assert_eq!(m.attribution.as_deref(), Some("Us"));
        assert_eq!(m.licence.as_deref(), Some("CC BY 4.0"));
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].line, Some(2));
        assert!(!warnings[0].is_reject());
        assert!(
            warnings[0].message.contains("did you mean `licence`"),
            "{}",
            warnings[0].message
        );
    }
}
