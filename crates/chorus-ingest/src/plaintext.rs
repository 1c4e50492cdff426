//! Plain-text transcripts: one turn per line, `Name: text`, optionally preceded by a time
//! (`[00:01:02]`, `[01:02]` or `00:01:02`). A line without a speaker continues the turn before
//! it (a new paragraph of the same speaker). A turn ends where the next timed turn starts.

use super::problem::Problem;
use super::transcript::{parse_timestamp, split_speaker_prefix, Turn};

pub fn parse(file: &str, text: &str, max_line: usize) -> (Vec<Turn>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut turns: Vec<Turn> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let n = i as u64 + 1;
        if raw.len() > max_line {
            problems.push(Problem::line_too_long(file, n, raw.len(), max_line, raw));
            continue;
        }
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let (time, rest) = leading_time(line);
        match split_speaker_prefix(rest) {
            Some((name, body)) => turns.push(Turn {
                line: n,
                cue: None,
                speaker: Some(name.to_string()),
                start_ms: time,
                end_ms: None,
                text: body.trim().to_string(),
            }),
            None => match turns.last_mut() {
                Some(t) if time.is_none() => {
                    if !t.text.is_empty() {
                        t.text.push(' ');
                    }
                    t.text.push_str(rest);
                }
                _ => turns.push(Turn {
                    line: n,
                    cue: None,
                    speaker: None,
                    start_ms: time,
                    end_ms: None,
                    text: rest.to_string(),
                }),
            },
        }
    }
    turns.retain(|t| !t.text.is_empty());
    // a turn lasts until the next one starts
    let starts: Vec<Option<i64>> = turns.iter().map(|t| t.start_ms).collect();
    for (i, t) in turns.iter_mut().enumerate() {
        if let (Some(s), Some(Some(next))) = (t.start_ms, starts.get(i + 1)) {
            if *next >= s {
                t.end_ms = Some(*next);
            }
        }
    }
    (turns, problems)
}

/// `[00:01:02] rest`, `00:01:02 rest` or `(01:02) rest` -> (time, rest).
fn leading_time(line: &str) -> (Option<i64>, &str) {
    let (inner, rest) = if let Some(r) = line.strip_prefix('[') {
        match r.find(']') {
            Some(i) => (&r[..i], &r[i + 1..]),
            None => return (None, line),
        }
    } else if let Some(r) = line.strip_prefix('(') {
        match r.find(')') {
            Some(i) => (&r[..i], &r[i + 1..]),
            None => return (None, line),
        }
    } else {
        match line.split_once(char::is_whitespace) {
            Some((head, rest))
                if head.contains(':')
                    && head.bytes().next().is_some_and(|b| b.is_ascii_digit()) =>
            {
                (head, rest)
            }
            _ => return (None, line),
        }
    };
    match parse_timestamp(inner) {
        Some(t) => (Some(t), rest.trim_start()),
        None => (None, line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_speakers_and_continuations() {
        let txt = "[00:00:05] Ana: Hello all.\nA second paragraph.\n\n[00:01:00] Ben: Thanks.\n00:02:00 Ana: Last.\n";
        let (turns, problems) = parse("t.txt", txt, 1 << 20);
        assert!(problems.is_empty());
        assert_eq!(turns.len(), 3);
        assert_eq!(turns[0].text, "Hello all. A second paragraph.");
        assert_eq!(
            (turns[0].start_ms, turns[0].end_ms),
            (Some(5000), Some(60_000))
        );
        assert_eq!(turns[2].speaker.as_deref(), Some("Ana"));
        assert_eq!(turns[2].end_ms, None);
    }
}
