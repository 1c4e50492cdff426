//! Pol.is export folders, read as they are (`comments.csv`, `summary.csv`, and when present
//! `votes.csv` and `participants-votes.csv`): the conversation is one event, its topic the
//! question, each statement a unit (statements with `moderated == -1` are excluded and counted),
//! authors and voters participants (with their Pol.is opinion group), votes answers.

use std::collections::BTreeMap;
use std::path::Path;

use super::decode::read_text;
use super::problem::{Problem, ProblemKind};
use super::source::{
    Parsed, ParticipantKind, QuestionKind, RawAnswer, RawParticipant, RawQuestion, RawUnit,
    UnitKind,
};
use super::table::read_csv;

pub const TOPIC: &str = "topic";
pub const VOTE: &str = "vote";

/// Whether `dir` is a Pol.is export.
pub fn is_polis_folder(dir: &Path) -> bool {
    // any two of its files: a folder missing one is still an export (and says what it lacks),
    // never a folder of surveys
    [
        "comments.csv",
        "summary.csv",
        "votes.csv",
        "participants-votes.csv",
    ]
    .iter()
    .filter(|f| dir.join(f).is_file())
    .count()
        >= 2
}

/// Reads the export in `dir`; `display` is how problems name the folder. Returns the parsed
/// event and the bytes read (for the source hash).
pub fn read_folder(dir: &Path, display: &str, max_record: usize) -> (Parsed, Vec<u8>) {
    let mut parsed = Parsed::default();
    let mut hashed: Vec<u8> = Vec::new();
    let file = |name: &str| format!("{display}/{name}");

    // summary.csv: key,value rows without a header
    if let Ok((bytes, dec)) = read_text(&dir.join("summary.csv"), &file("summary.csv")) {
        hashed.extend_from_slice(&bytes);
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(dec.text.as_bytes());
        for rec in rdr.records().flatten() {
            let (Some(k), Some(v)) = (rec.get(0), rec.get(1)) else {
                continue;
            };
            let v = v.trim().to_string();
            match k.trim() {
                "topic" => parsed.meta.title = Some(v),
                "conversation-description" if !v.is_empty() => parsed.meta.description = Some(v),
                "url" => parsed.meta.url = Some(v),
                _ => {}
            }
        }
    }

    let comments_name = file("comments.csv");
    if !dir.join("comments.csv").is_file() {
        parsed.problems.push(Problem::reject(
            &comments_name,
            None,
            ProblemKind::MissingColumn,
            "expected a Pol.is export's comments.csv (its statements), found none: the folder holds other Pol.is files; export the conversation again".to_string(),
        ));
        return (parsed, hashed);
    }
    let table =
        match read_text(&dir.join("comments.csv"), &comments_name).and_then(|(bytes, dec)| {
            hashed.extend_from_slice(&bytes);
            parsed.problems.extend(dec.warnings);
            read_csv(&comments_name, &dec.text, max_record)
        }) {
            Ok(t) => t,
            Err(p) => {
                parsed.problems.push(p);
                return (parsed, hashed);
            }
        };
    let id_col = table.column(&["comment-id"]);
    let author_col = table.column(&["author-id"]);
    let mod_col = table.column(&["moderated"]);
    let body_col = table.column(&["comment-body"]);
    parsed.problems.extend(table.problems.iter().cloned());
    let (Some(id_col), Some(body_col)) = (id_col, body_col) else {
        parsed.problems.push(Problem::reject(
            &comments_name,
            Some(1),
            ProblemKind::MissingColumn,
            format!(
                "expected Pol.is columns `comment-id` and `comment-body`, found `{}`",
                table.headers.join("`, `")
            ),
        ));
        return (parsed, hashed);
    };
    let topic = parsed
        .meta
        .title
        .clone()
        .unwrap_or_else(|| display.to_string());
    let question_text = match &parsed.meta.description {
        Some(d) => format!("{topic}: {d}"),
        None => topic,
    };
    parsed.questions.push(RawQuestion {
        key: TOPIC.into(),
        text: question_text,
        kind: QuestionKind::FreeText,
        frame: None,
        scale: None,
    });
    parsed.questions.push(RawQuestion {
        key: VOTE.into(),
        text: "Agree (1), disagree (-1) or pass (0) on each statement".into(),
        kind: QuestionKind::Vote,
        frame: None,
        scale: Some((-1.0, 1.0)),
    });
    let mut participants: BTreeMap<String, RawParticipant> = BTreeMap::new();
    let mut kept: BTreeMap<String, ()> = BTreeMap::new();
    parsed.rows_read = table.rows.len() as u64;
    // statements in comment-id order, so unit order does not depend on the export's row order
    let mut rows = table.rows;
    rows.sort_by_key(|r| {
        r.get(Some(id_col))
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(i64::MAX)
    });
    for row in rows {
        let Some(cid) = row.get(Some(id_col)).map(str::trim) else {
            parsed.problems.push(
                Problem::reject(
                    &comments_name,
                    Some(row.line),
                    ProblemKind::MissingColumn,
                    "statement has no `comment-id`".into(),
                )
                .with_raw(&row.raw()),
            );
            continue;
        };
        if row.get(mod_col).map(str::trim) == Some("-1") {
            parsed.rows_excluded += 1;
            continue;
        }
        let Some(body) = row
            .get(Some(body_col))
            .map(str::trim)
            .filter(|s| !s.is_empty())
        else {
            parsed.problems.push(Problem::warning(
                &comments_name,
                Some(row.line),
                ProblemKind::EmptyText,
                format!("statement `{cid}` has no text; skipped"),
            ));
            continue;
        };
        let author = row.get(author_col).map(|a| a.trim().to_string());
        if let Some(a) = &author {
            participants
                .entry(a.clone())
                .or_insert_with(|| RawParticipant::new(a.clone(), ParticipantKind::Author));
        }
        kept.insert(cid.to_string(), ());
        parsed.units.push(RawUnit {
            locator: format!("c{cid}"),
            line: row.line,
            cue: None,
            participant: author,
            question: Some(TOPIC.into()),
            start_ms: None,
            end_ms: None,
            text: body.to_string(),
            kind: UnitKind::Statement,
        });
    }

    // opinion groups, and the vote matrix when votes.csv is absent
    let mut matrix_votes: Vec<(String, String, f64)> = Vec::new();
    let pv_name = file("participants-votes.csv");
    if let Ok((bytes, dec)) = read_text(&dir.join("participants-votes.csv"), &pv_name) {
        hashed.extend_from_slice(&bytes);
        if let Ok(t) = read_csv(&pv_name, &dec.text, max_record) {
            parsed.problems.extend(t.problems.iter().cloned());
            let pcol = t.column(&["participant"]);
            let gcol = t.column(&["group-id"]);
            let stmt_cols: Vec<(usize, &String)> = t
                .headers
                .iter()
                .enumerate()
                .filter(|(_, h)| h.bytes().all(|b| b.is_ascii_digit()))
                .collect();
            for row in &t.rows {
                let Some(pid) = row.get(pcol).map(str::trim) else {
                    continue;
                };
                let p = participants
                    .entry(pid.to_string())
                    .or_insert_with(|| RawParticipant::new(pid, ParticipantKind::Voter));
                p.group = row.get(gcol).map(|g| g.trim().to_string());
                for &(c, cid) in &stmt_cols {
                    if let Some(v) = row.get(Some(c)).and_then(|v| v.trim().parse::<f64>().ok()) {
                        matrix_votes.push((pid.to_string(), cid.clone(), v));
                    }
                }
            }
        }
    }

    let votes_name = file("votes.csv");
    let mut votes: BTreeMap<(String, String), (i64, f64)> = BTreeMap::new();
    let have_votes = match read_text(&dir.join("votes.csv"), &votes_name) {
        Ok((bytes, dec)) => {
            hashed.extend_from_slice(&bytes);
            match read_csv(&votes_name, &dec.text, max_record) {
                Ok(t) => {
                    parsed.problems.extend(t.problems.iter().cloned());
                    let (ts, cid, vid, v) = (
                        t.column(&["timestamp"]),
                        t.column(&["comment-id"]),
                        t.column(&["voter-id"]),
                        t.column(&["vote"]),
                    );
                    for row in &t.rows {
                        let (Some(c), Some(p), Some(val)) = (
                            row.get(cid),
                            row.get(vid),
                            row.get(v).and_then(|x| x.trim().parse::<f64>().ok()),
                        ) else {
                            parsed.problems.push(
                                Problem::reject(
                                    &votes_name,
                                    Some(row.line),
                                    ProblemKind::InvalidValue,
                                    "expected `comment-id`, `voter-id` and a numeric `vote`".into(),
                                )
                                .with_raw(&row.raw()),
                            );
                            continue;
                        };
                        let when = row
                            .get(ts)
                            .and_then(|x| x.trim().parse::<i64>().ok())
                            .unwrap_or(0);
                        // a participant may change a vote: keep the latest
                        let slot = votes
                            .entry((p.trim().to_string(), c.trim().to_string()))
                            .or_insert((when, val));
                        if when >= slot.0 {
                            *slot = (when, val);
                        }
                    }
                    true
                }
                Err(p) => {
                    parsed.problems.push(p);
                    false
                }
            }
        }
        Err(_) => false,
    };
    if !have_votes {
        for (p, c, v) in matrix_votes {
            votes.insert((p, c), (0, v));
        }
    }
    for ((p, c), (_, v)) in votes {
        if !kept.contains_key(&c) {
            continue;
        }
        participants
            .entry(p.clone())
            .or_insert_with(|| RawParticipant::new(p.clone(), ParticipantKind::Voter));
        let label = match v as i64 {
            1 => "agree",
            -1 => "disagree",
            _ => "pass",
        };
        parsed.answers.push(RawAnswer {
            participant: p,
            question: VOTE.into(),
            unit: Some(format!("c{c}")),
            value: Some(v),
            value_text: Some(label.into()),
        });
    }
    parsed.participants = participants.into_values().collect();
    (parsed, hashed)
}
