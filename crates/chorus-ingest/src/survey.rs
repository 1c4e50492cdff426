//! Survey exports (CSV or JSON Lines, one row per respondent). Each column gets a role, detected
//! from its header and values unless `event.toml` or `chorus.toml` sets it (`[columns]`):
//! - `id`: the respondent id (`respondent_id`, `id`, ...); the row number otherwise;
//! - `attribute`: who the respondent is (`role`, `sector`, `country`, `age_band`, ...);
//! - `scale`: whole numbers within 0..10 (the range from a `(1-5)` in the header if given);
//! - `choice`: a question (header ends with `?`) with few distinct short answers;
//! - `text`: free text, one unit per non-empty cell; its frame comes from the wording;
//! - `ignore`: timestamps and anything else set aside by hand.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Deserialize;

use super::problem::{Problem, ProblemKind};
use super::source::{
    Parsed, ParticipantKind, QuestionKind, RawAnswer, RawParticipant, RawQuestion, RawUnit,
    UnitKind,
};
use super::table::{header_key, Row, Table};
use chorus_core::model::Frame;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    Id,
    Attribute,
    Scale,
    Choice,
    Text,
    Ignore,
}

const ID_HEADERS: &[&str] = &[
    "id",
    "respondentid",
    "respondent",
    "participantid",
    "participant",
    "responseid",
    "userid",
];
const TIME_HEADERS: &[&str] = &[
    "timestamp",
    "submittedat",
    "submitted",
    "date",
    "time",
    "createdat",
    "startdate",
    "enddate",
    "completedat",
];
/// Columns that hold who a respondent is, not what they said: never read as answers.
const PERSONAL_HEADERS: &[&str] = &[
    "name",
    "fullname",
    "firstname",
    "lastname",
    "surname",
    "forename",
    "givenname",
    "familyname",
    "email",
    "emailaddress",
    "mail",
    "phone",
    "phonenumber",
    "telephone",
    "mobile",
    "mobilenumber",
    "tel",
    "address",
    "streetaddress",
    "postcode",
    "postalcode",
    "zipcode",
    "zip",
    "dateofbirth",
    "dob",
    "birthday",
    "nationalinsurancenumber",
    "ninumber",
    "ssn",
    "ipaddress",
    "ip",
];
const ATTRIBUTE_HEADERS: &[&str] = &[
    "role",
    "sector",
    "country",
    "region",
    "city",
    "organisation",
    "organization",
    "ageband",
    "agegroup",
    "age",
    "gender",
    "department",
    "level",
    "jobtitle",
    "position",
    "group",
    "language",
    "team",
    "profession",
    "occupation",
];

/// Whether a header names personal data (a name, an email, a phone number, an address...).
fn is_personal(header: &str) -> bool {
    PERSONAL_HEADERS.contains(&header_key(header).as_str())
}

/// Decides the role of every column.
pub fn column_roles(t: &Table, overrides: &BTreeMap<String, ColumnRole>) -> Vec<ColumnRole> {
    let over: BTreeMap<String, ColumnRole> =
        overrides.iter().map(|(k, v)| (header_key(k), *v)).collect();
    let mut seen_id = false;
    t.headers
        .iter()
        .enumerate()
        .map(|(c, h)| {
            let key = header_key(h);
            if let Some(r) = over.get(&key) {
                return *r;
            }
            if !seen_id && ID_HEADERS.contains(&key.as_str()) {
                seen_id = true;
                return ColumnRole::Id;
            }
            if TIME_HEADERS.contains(&key.as_str()) || is_personal(h) {
                return ColumnRole::Ignore;
            }
            if ATTRIBUTE_HEADERS.contains(&key.as_str()) {
                return ColumnRole::Attribute;
            }
            let values: Vec<&str> = t
                .rows
                .iter()
                .filter_map(|r| r.fields.get(c).and_then(|v| v.as_deref()))
                .map(str::trim)
                .collect();
            if values.is_empty() {
                return if h.trim_end().ends_with('?') {
                    ColumnRole::Text
                } else {
                    ColumnRole::Ignore
                };
            }
            if values.iter().all(|v| small_integer(v).is_some()) {
                return ColumnRole::Scale;
            }
            let distinct: BTreeSet<&str> = values.iter().copied().collect();
            let mean_len = values.iter().map(|v| v.chars().count()).sum::<usize>() as f64
                / values.len() as f64;
            let categorical = values.len() >= 8
                && distinct.len() <= 8
                && distinct.len() * 2 <= values.len()
                && mean_len < 25.0;
            if categorical {
                if h.trim_end().ends_with('?') {
                    ColumnRole::Choice
                } else {
                    ColumnRole::Attribute
                }
            } else {
                ColumnRole::Text
            }
        })
        .collect()
}

/// A cell's text without surrounding white space (moved, not copied, when there is none), or
/// `None` when nothing is left.
fn trimmed(cell: String) -> Option<String> {
    let t = cell.trim();
    if t.is_empty() {
        None
    } else if t.len() == cell.len() {
        Some(cell)
    } else {
        Some(t.to_string())
    }
}

fn small_integer(v: &str) -> Option<i64> {
    let f: f64 = v.trim().parse().ok()?;
    (f.fract() == 0.0 && (0.0..=10.0).contains(&f)).then_some(f as i64)
}

/// `(1-5)`, `[1 to 7]`, `1–10` in a header -> the scale's range.
fn scale_from_header(h: &str) -> Option<(f64, f64)> {
    let re = regex::Regex::new(r"(\d{1,2})\s*(?:-|–|to)\s*(\d{1,2})").ok()?;
    let c = re.captures_iter(h).last()?;
    let (a, b): (f64, f64) = (c[1].parse().ok()?, c[2].parse().ok()?);
    (a < b).then_some((a, b))
}

pub fn parse(file: &str, table: Table, overrides: &BTreeMap<String, ColumnRole>) -> Parsed {
    let roles = column_roles(&table, overrides);
    let Table {
        headers,
        rows,
        problems,
    } = table;
    let mut parsed = Parsed {
        problems,
        rows_read: rows.len() as u64,
        ..Default::default()
    };
    for (c, h) in headers.iter().enumerate() {
        if roles[c] == ColumnRole::Ignore && is_personal(h) && !overrides.contains_key(h) {
            parsed.problems.push(Problem::warning(
                file,
                Some(1),
                ProblemKind::PersonalColumn,
                format!("column `{h}` holds who respondents are, not what they said: dropped (set its role in event.toml `[columns]` to keep it)"),
            ));
        }
    }
    let id_col = roles.iter().position(|r| *r == ColumnRole::Id);
    let text_cols: Vec<usize> = (0..headers.len())
        .filter(|&c| roles[c] == ColumnRole::Text)
        .collect();
    let scale_cols: Vec<usize> = (0..headers.len())
        .filter(|&c| roles[c] == ColumnRole::Scale)
        .collect();
    let choice_cols: Vec<usize> = (0..headers.len())
        .filter(|&c| roles[c] == ColumnRole::Choice)
        .collect();
    if text_cols.is_empty() {
        let p = Problem::reject(
            file,
            Some(1),
            ProblemKind::MissingTextColumn,
            format!(
                "expected at least one free-text question column, found only `{}`; hint: set a column's role with `[columns] \"NAME\" = \"text\"` in event.toml",
                headers.join("`, `")
            ),
        );
        parsed
            .problems
            .push(if scale_cols.is_empty() && choice_cols.is_empty() {
                p
            } else {
                Problem {
                    severity: super::problem::Severity::Warning,
                    ..p
                }
            });
    }
    for &c in &text_cols {
        parsed.questions.push(RawQuestion {
            key: headers[c].clone(),
            text: headers[c].clone(),
            kind: QuestionKind::FreeText,
            frame: Frame::detect(&headers[c]),
            scale: None,
        });
    }
    for &c in &scale_cols {
        let observed = rows
            .iter()
            .filter_map(|r| r.get(Some(c)).and_then(small_integer))
            .fold((i64::MAX, i64::MIN), |(a, b), v| (a.min(v), b.max(v)));
        let scale = scale_from_header(&headers[c]).or_else(|| {
            let (lo, hi) = observed;
            (lo <= hi).then(|| {
                (
                    if lo >= 1 { 1.0 } else { 0.0 },
                    [5, 7, 10].into_iter().find(|&m| hi <= m).unwrap_or(10) as f64,
                )
            })
        });
        parsed.questions.push(RawQuestion {
            key: headers[c].clone(),
            text: headers[c].clone(),
            kind: QuestionKind::Scale,
            frame: None,
            scale,
        });
    }
    for &c in &choice_cols {
        parsed.questions.push(RawQuestion {
            key: headers[c].clone(),
            text: headers[c].clone(),
            kind: QuestionKind::Choice,
            frame: None,
            scale: None,
        });
    }
    // each question's key shared by its answers, and each row's cells moved into its units
    let keys: Vec<Arc<str>> = headers.iter().map(|h| Arc::from(h.as_str())).collect();
    let answered = |row: &Row, c: usize| row.get(Some(c)).is_some_and(|t| !t.trim().is_empty());
    parsed.units.reserve_exact(
        rows.iter()
            .map(|r| text_cols.iter().filter(|&&c| answered(r, c)).count())
            .sum(),
    );
    parsed.participants.reserve_exact(rows.len());
    let mut seen_ids: BTreeSet<String> = BTreeSet::new();
    for mut row in rows {
        let key = match row.get(id_col) {
            Some(id) => id.trim().to_string(),
            None => format!("row-{}", row.line),
        };
        if !seen_ids.insert(key.clone()) {
            parsed.problems.push(Problem::warning(
                file,
                Some(row.line),
                ProblemKind::InvalidValue,
                format!("respondent id `{key}` appears more than once; its answers are kept under one participant"),
            ));
        } else {
            let mut p = RawParticipant::new(key.clone(), ParticipantKind::Respondent);
            for (c, h) in headers.iter().enumerate() {
                if roles[c] != ColumnRole::Attribute {
                    continue;
                }
                let Some(v) = row.get(Some(c)).map(str::trim) else {
                    continue;
                };
                match header_key(h).as_str() {
                    "role" => p.role = Some(v.to_string()),
                    "sector" => p.sector = Some(v.to_string()),
                    "country" => p.country = Some(v.to_string()),
                    _ => {
                        p.attributes.insert(h.clone(), v.to_string());
                    }
                }
            }
            parsed.participants.push(p);
        }
        for (q, &c) in text_cols.iter().enumerate() {
            let Some(text) = row
                .fields
                .get_mut(c)
                .and_then(|f| f.take())
                .and_then(trimmed)
            else {
                continue;
            };
            parsed.units.push(RawUnit {
                locator: format!("L{}.q{}", row.line, q + 1),
                line: row.line,
                cue: None,
                participant: Some(key.clone()),
                question: Some(keys[c].clone()),
                start_ms: None,
                end_ms: None,
                text,
                kind: UnitKind::Response,
            });
        }
        for &c in &scale_cols {
            if let Some(v) = row.get(Some(c)) {
                parsed.answers.push(RawAnswer {
                    participant: key.clone(),
                    question: keys[c].clone(),
                    unit: None,
                    value: small_integer(v).map(|v| v as f64),
                    value_text: None,
                });
            }
        }
        for &c in &choice_cols {
            if let Some(v) = row.get(Some(c)) {
                parsed.answers.push(RawAnswer {
                    participant: key.clone(),
                    question: keys[c].clone(),
                    unit: None,
                    value: None,
                    value_text: Some(v.trim().to_string()),
                });
            }
        }
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::read_csv;

    #[test]
    fn who_a_respondent_is_is_never_an_answer() {
        let t = read_csv(
            "s.csv",
            "Full name,E-mail,Phone number,What should we keep?\nAna Ruiz,ana@x.org,0123,The late buses\n",
            1 << 20,
        )
        .unwrap();
        assert_eq!(
            column_roles(&t, &BTreeMap::new()),
            vec![
                ColumnRole::Ignore,
                ColumnRole::Ignore,
                ColumnRole::Ignore,
                ColumnRole::Text
            ]
        );
    }

    #[test]
    fn roles_detected_and_units_made() {
        let mut csv = String::from(
            "respondent_id,role,What should we keep?,How important is it? (1-5),Submitted\n",
        );
        for i in 0..10 {
            csv.push_str(&format!(
                "R{i},officer,Keeping remote work number {i},{},2020-01-01\n",
                1 + i % 5
            ));
        }
        csv.push_str("R10,manager,,,2020-01-02\n");
        let t = read_csv("s.csv", &csv, 1 << 20).unwrap();
        let roles = column_roles(&t, &BTreeMap::new());
        assert_eq!(
            roles,
            vec![
                ColumnRole::Id,
                ColumnRole::Attribute,
                ColumnRole::Text,
                ColumnRole::Scale,
                ColumnRole::Ignore
            ]
        );
        let p = parse("s.csv", t, &BTreeMap::new());
        assert_eq!(p.units.len(), 10);
        assert_eq!(p.participants.len(), 11);
        assert_eq!(p.answers.len(), 10);
        assert_eq!(p.questions[0].frame, Some(Frame::Keep));
        assert_eq!(p.questions[1].scale, Some((1.0, 5.0)));
        assert_eq!(p.units[0].locator, "L2.q1");
    }
}
