//! Segment CSVs: one row per spoken segment with speaker, start, end (seconds or `hh:mm:ss`) and
//! text, like the AMI transcripts in `../shared/data/ami/transcripts`. A file may hold several
//! meetings (a `meeting_id` or `event_id` column): its rows are then grouped into one event each.
//! Other per-speaker columns (role, sex, age, native language) become participant attributes.

use std::collections::BTreeMap;

use super::problem::{Problem, ProblemKind};
use super::source::{Parsed, ParticipantKind, RawParticipant};
use super::table::Table;
use super::transcript::{check_times, parse_seconds, parse_timestamp, Turn};

pub const TEXT_COLUMNS: &[&str] = &["text", "transcript", "utterance", "content", "segment_text"];
pub const SPEAKER_COLUMNS: &[&str] = &["speaker", "speaker_name", "speaker_id"];
pub const START_COLUMNS: &[&str] = &[
    "start",
    "start_time",
    "begin",
    "start_s",
    "start_sec",
    "starttime",
];
const END_COLUMNS: &[&str] = &["end", "end_time", "stop", "end_s", "end_sec", "endtime"];
const GROUP_COLUMNS: &[&str] = &["meeting_id", "event_id", "event", "session_id"];
const PERSON_COLUMNS: &[&str] = &["participant_id", "person_id"];
const ATTRIBUTE_COLUMNS: &[&str] = &[
    "sex",
    "gender",
    "age",
    "native_language",
    "organisation",
    "organization",
];

/// Whether a header looks like a segment CSV (text plus a speaker or a start time).
pub fn looks_like_segments(t: &Table) -> bool {
    t.column(TEXT_COLUMNS).is_some()
        && (t.column(SPEAKER_COLUMNS).is_some() || t.column(START_COLUMNS).is_some())
}

/// Parses the rows; returns one `Parsed` per meeting (key `""` when the file has no meeting column).
pub fn parse(file: &str, table: Table) -> Vec<(String, Parsed)> {
    let Table {
        headers,
        rows,
        mut problems,
    } = table;
    let t = Table {
        headers,
        rows: Vec::new(),
        problems: Vec::new(),
    };
    let Some(text_col) = t.column(TEXT_COLUMNS) else {
        problems.push(missing_text(file, &t.headers));
        return vec![(
            String::new(),
            Parsed {
                problems,
                ..Default::default()
            },
        )];
    };
    let speaker_col = t.column(SPEAKER_COLUMNS);
    let person_col = t.column(PERSON_COLUMNS);
    let start_col = t.column(START_COLUMNS);
    let end_col = t.column(END_COLUMNS);
    let group_col = t.column(GROUP_COLUMNS);
    let role_col = t.column(&["role"]);
    let series_col = t.column(&["series"]);
    let date_col = t.column(&["meeting_date", "date"]);
    let attr_cols: Vec<(usize, &str)> = ATTRIBUTE_COLUMNS
        .iter()
        .filter_map(|a| t.column(&[a]).map(|c| (c, *a)))
        .collect();

    struct Group {
        turns: Vec<Turn>,
        problems: Vec<Problem>,
        participants: BTreeMap<String, RawParticipant>,
        series: Option<String>,
        date: Option<String>,
    }
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let new_group = || Group {
        turns: Vec::new(),
        problems: Vec::new(),
        participants: BTreeMap::new(),
        series: None,
        date: None,
    };
    for row in rows {
        let key = row.get(group_col).unwrap_or("").trim().to_string();
        let g = groups.entry(key).or_insert_with(new_group);
        let Some(text) = row
            .get(Some(text_col))
            .map(str::trim)
            .filter(|s| !s.is_empty())
        else {
            g.problems.push(Problem::warning(
                file,
                Some(row.line),
                ProblemKind::EmptyText,
                "segment has no text; skipped".to_string(),
            ));
            continue;
        };
        let time = |col: Option<usize>, g: &mut Group| -> Result<Option<i64>, ()> {
            match row.get(col) {
                None => Ok(None),
                Some(v) => match parse_seconds(v).or_else(|| parse_timestamp(v)) {
                    Some(ms) => Ok(Some(ms)),
                    None => {
                        g.problems.push(
                            Problem::reject(
                                file,
                                Some(row.line),
                                ProblemKind::InvalidTimestamp,
                                format!("expected a time in seconds (`50.163`) or `hh:mm:ss`, found `{v}` in column `{}`", t.headers[col.unwrap_or(0)]),
                            )
                            .at_column(col.unwrap_or(0) as u64 + 1)
                            .with_raw(&row.raw()),
                        );
                        Err(())
                    }
                },
            }
        };
        let (Ok(start_ms), Ok(end_ms)) = (time(start_col, g), time(end_col, g)) else {
            continue;
        };
        let speaker = row.get(speaker_col).map(str::trim).map(str::to_string);
        let person = row
            .get(person_col)
            .map(str::trim)
            .map(str::to_string)
            .or(speaker.clone());
        if let Some(p) = &person {
            g.participants.entry(p.clone()).or_insert_with(|| {
                let mut rp = RawParticipant::new(p.clone(), ParticipantKind::Speaker);
                rp.role = row.get(role_col).map(str::to_string);
                for &(c, name) in &attr_cols {
                    if let Some(v) = row.get(Some(c)) {
                        rp.attributes.insert(name.to_string(), v.to_string());
                    }
                }
                if let Some(s) = &speaker {
                    rp.attributes.insert("speaker".to_string(), s.clone());
                }
                rp
            });
        }
        if g.series.is_none() {
            g.series = row.get(series_col).map(str::to_string);
        }
        if g.date.is_none() {
            g.date = row.get(date_col).map(normalise_date);
        }
        g.turns.push(Turn {
            line: row.line,
            cue: None,
            speaker: person,
            start_ms,
            end_ms,
            text: text.to_string(),
        });
    }
    if groups.is_empty() {
        groups.insert(String::new(), new_group());
    }
    let mut first = Some(problems);
    groups
        .into_iter()
        .map(|(key, mut g)| {
            // file-level problems go with the first group
            let mut all = first.take().unwrap_or_default();
            all.append(&mut g.problems);
            let turns = check_times(file, g.turns, &mut all);
            let mut parsed = Parsed::from_turns(turns, all);
            // from_turns names participants by speaker; use the richer records read here
            parsed.participants = g.participants.into_values().collect();
            parsed.meta.series = g.series;
            parsed.meta.date = g.date;
            (key, parsed)
        })
        .collect()
}

pub fn missing_text(file: &str, headers: &[String]) -> Problem {
    Problem::reject(
        file,
        Some(1),
        ProblemKind::MissingTextColumn,
        format!(
            "expected a text column (one of `{}`), found the columns `{}`",
            TEXT_COLUMNS.join("`, `"),
            headers.join("`, `")
        ),
    )
}

/// AMI writes dates as `dd-mm-yy`; turn that into ISO `yyyy-mm-dd`, leave anything else as is.
fn normalise_date(d: &str) -> String {
    let p: Vec<&str> = d.trim().split('-').collect();
    if p.len() == 3
        && p.iter()
            .all(|x| x.len() == 2 && x.bytes().all(|b| b.is_ascii_digit()))
    {
        format!("20{}-{}-{}", p[2], p[1], p[0])
    } else {
        d.trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::read_csv;

    #[test]
    fn groups_by_meeting_and_reads_times() {
        let csv = "meeting_id,series,meeting_date,speaker,participant_id,role,start,end,text\n\
                   M1,S,13-12-04,A,P1,PM,0.5,1.0,Okay.\n\
                   M1,S,13-12-04,B,P2,ID,1.2,x,broken\n\
                   M2,S,14-12-04,A,P1,PM,3.0,4.5,Hello there\n";
        let t = read_csv("a.csv", csv, 1 << 20).unwrap();
        let out = parse("a.csv", t);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].0, "M1");
        assert_eq!(out[0].1.units.len(), 1);
        assert_eq!(out[0].1.units[0].start_ms, Some(500));
        assert_eq!(out[0].1.problems.len(), 1);
        assert_eq!(out[0].1.meta.date.as_deref(), Some("2004-12-13"));
        assert_eq!(out[1].1.participants[0].role.as_deref(), Some("PM"));
    }
}
