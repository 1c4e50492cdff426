//! WebVTT and SRT: blocks of cues separated by blank lines, each with a timing line
//! (`00:01:02.500 --> 00:01:09.000`; SRT writes `,` for `.`) and payload lines.
//!
//! Speakers come from WebVTT voice tags (`<v Ana Ribeiro>`, WebVTT section 4.2.2), or from a
//! `Name:` prefix in either format; a cue without one continues the previous speaker, as caption
//! files only name a speaker when it changes. Styling tags (`<i>`, `<b>`, `<c.x>`, timestamps
//! tags) are stripped and the HTML character references WebVTT allows are decoded. `NOTE`,
//! `STYLE` and `REGION` blocks are skipped (section 4.1).

use super::problem::{Problem, ProblemKind};
use super::transcript::{parse_timestamp, split_speaker_prefix, Turn};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    WebVtt,
    Srt,
}

/// Parses a WebVTT or SRT file into turns; problems name `file` and the line.
pub fn parse(file: &str, text: &str, flavor: Flavor, max_line: usize) -> (Vec<Turn>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut turns = Vec::new();
    let mut lines: Vec<(u64, &str)> = Vec::new();
    for (i, l) in text.split('\n').enumerate() {
        let n = i as u64 + 1;
        if l.len() > max_line {
            problems.push(Problem::line_too_long(file, n, l.len(), max_line, l));
            lines.push((n, ""));
        } else {
            lines.push((n, l));
        }
    }
    let mut pos = 0;
    if flavor == Flavor::WebVtt {
        if lines.first().is_some_and(|(_, l)| l.starts_with("WEBVTT")) {
            // the header block runs to the first blank line
            while pos < lines.len() && !lines[pos].1.trim().is_empty() {
                pos += 1;
            }
        } else {
            problems.push(Problem::warning(
                file,
                Some(1),
                ProblemKind::MissingHeader,
                "expected the `WEBVTT` header on the first line; read the cues anyway".to_string(),
            ));
        }
    }
    let mut cue_no = 0u32;
    let mut speaker: Option<String> = None;
    let mut known: std::collections::HashSet<String> = Default::default();
    while pos < lines.len() {
        while pos < lines.len() && lines[pos].1.trim().is_empty() {
            pos += 1;
        }
        let start = pos;
        while pos < lines.len() && !lines[pos].1.trim().is_empty() {
            pos += 1;
        }
        let block = &lines[start..pos];
        if block.is_empty() {
            continue;
        }
        let first = block[0].1.trim_start();
        if flavor == Flavor::WebVtt
            && ["NOTE", "STYLE", "REGION"].iter().any(|k| {
                first == *k
                    || first.starts_with(&format!("{k} "))
                    || first.starts_with(&format!("{k}\t"))
            })
        {
            continue;
        }
        let timing = if block[0].1.contains("-->") {
            0
        } else if block.len() > 1 && block[1].1.contains("-->") {
            1
        } else {
            let raw = block.iter().map(|(_, l)| *l).collect::<Vec<_>>().join("\n");
            // after a cue number, the timing line should follow
            let bad = usize::from(
                block.len() > 1 && block[0].1.trim().bytes().all(|b| b.is_ascii_digit()),
            );
            problems.push(
                Problem::reject(
                    file,
                    Some(block[bad].0),
                    ProblemKind::MalformedRow,
                    format!("expected a cue timing line like `00:00:01.000 --> 00:00:04.000`, found `{}`", truncate(block[bad].1, 60)),
                )
                .with_raw(&raw),
            );
            continue;
        };
        cue_no += 1;
        let (tline, tl) = block[timing];
        let payload = &block[timing + 1..];
        let raw_payload = payload
            .iter()
            .map(|(_, l)| *l)
            .collect::<Vec<_>>()
            .join("\n");
        let (start_ms, end_ms) = match parse_timing(tl) {
            Ok(t) => t,
            Err(col) => {
                problems.push(
                    Problem::reject(
                        file,
                        Some(tline),
                        ProblemKind::InvalidTimestamp,
                        format!(
                            "expected `hh:mm:ss.ttt --> hh:mm:ss.ttt`, found `{}`",
                            truncate(tl, 60)
                        ),
                    )
                    .at_column(col as u64 + 1)
                    .with_raw(&raw_payload),
                );
                continue;
            }
        };
        if payload.is_empty() {
            problems.push(Problem::warning(
                file,
                Some(tline),
                ProblemKind::EmptyText,
                format!("cue {cue_no} has no text; skipped"),
            ));
            continue;
        }
        // one turn per change of speaker inside the cue
        let mut cur: Option<Turn> = None;
        for (k, &(n, l)) in payload.iter().enumerate() {
            let (mut who, mut body) = line_speaker(l);
            // past a cue's first line, a `Name:` prefix must name someone already speaking in
            // this file ("Question two: ..." inside a turn is text); voice tags always count
            if k > 0
                && !l.trim_start().starts_with("<v")
                && who.as_ref().is_some_and(|w| !known.contains(w))
            {
                who = None;
                body = l;
            }
            if let Some(w) = &who {
                known.insert(w.clone());
            }
            let body = clean_payload(body);
            if let Some(w) = who {
                if cur
                    .as_ref()
                    .is_some_and(|t| t.speaker.as_deref() != Some(w.as_str()))
                {
                    turns.extend(cur.take());
                }
                speaker = Some(w);
            }
            if body.is_empty() {
                continue;
            }
            match cur.as_mut() {
                Some(t) => {
                    t.text.push(' ');
                    t.text.push_str(&body);
                }
                None => {
                    cur = Some(Turn {
                        line: n,
                        cue: Some(cue_no),
                        speaker: speaker.clone(),
                        start_ms: Some(start_ms),
                        end_ms: Some(end_ms),
                        text: body,
                    })
                }
            }
        }
        turns.extend(cur);
    }
    (turns, problems)
}

/// Start and end of a timing line; on error, the byte column of the bad part.
fn parse_timing(line: &str) -> Result<(i64, i64), usize> {
    let arrow = line.find("-->").ok_or(0usize)?;
    let left = &line[..arrow];
    let start = parse_timestamp(left).ok_or(left.len() - left.trim_start().len())?;
    let right = &line[arrow + 3..];
    let lead = right.len() - right.trim_start().len();
    let token = right.split_whitespace().next().unwrap_or("");
    let end = parse_timestamp(token).ok_or(arrow + 3 + lead)?;
    Ok((start, end))
}

/// The speaker named by a voice tag or a `Name:` prefix, and the rest of the line.
fn line_speaker(line: &str) -> (Option<String>, &str) {
    let l = line.trim_start();
    if let Some(rest) = l.strip_prefix("<v") {
        if rest.starts_with([' ', '\t', '.']) {
            if let Some(close) = rest.find('>') {
                let inner = &rest[..close];
                // `<v.loud Ana Ribeiro>`: classes then whitespace then the name
                let name = match inner.find([' ', '\t']) {
                    Some(i) => inner[i..].trim(),
                    None => "",
                };
                let body = &rest[close + 1..];
                return ((!name.is_empty()).then(|| name.to_string()), body);
            }
        }
    }
    let plain = strip_tags(l);
    if let Some((name, _)) = split_speaker_prefix(&plain) {
        // cut the prefix from the original line (tags may precede it)
        if let Some(i) = l.find(':') {
            return (Some(name.to_string()), &l[i + 1..]);
        }
    }
    (None, l)
}

fn clean_payload(s: &str) -> String {
    let stripped = strip_tags(s);
    decode_entities(stripped.trim())
}

/// Removes `<...>` markup (WebVTT cue spans, SRT's `<i>`/`<font>` tags).
pub fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        match rest[i..].find('>') {
            Some(j) => rest = &rest[i + j + 1..],
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&lrm;", "")
        .replace("&rlm;", "")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}...", s.chars().take(n).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VTT: &str = "WEBVTT - town hall\n\nNOTE written by hand\n\n1\n00:00:01.000 --> 00:00:04.000 align:start\n<v Ana Ribeiro>Welcome <i>everyone</i>,\nlet us begin.</v>\n\n00:00:05.000 --> 00:00:07.500\n<v.loud Tomás>Thanks &amp; hello.\n\n00:00:08.000 --> 00:00:09.000\nand more from Tomás\n";

    #[test]
    fn webvtt_voices_multiline_and_tags() {
        let (turns, problems) = parse("t.vtt", VTT, Flavor::WebVtt, 1 << 20);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(turns.len(), 3);
        assert_eq!(turns[0].speaker.as_deref(), Some("Ana Ribeiro"));
        assert_eq!(turns[0].text, "Welcome everyone, let us begin.");
        assert_eq!(turns[0].line, 7);
        assert_eq!(turns[0].cue, Some(1));
        assert_eq!(turns[1].text, "Thanks & hello.");
        assert_eq!(turns[1].speaker.as_deref(), Some("Tomás"));
        assert_eq!(turns[2].speaker.as_deref(), Some("Tomás"));
        assert_eq!(
            (turns[1].start_ms, turns[1].end_ms),
            (Some(5000), Some(7500))
        );
    }

    #[test]
    fn srt_with_prefixes_and_a_bad_timing() {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\nAna: Hi there\n\n2\n00:00:03,000 --> 00:0X:04,000\nBen: broken\n\n3\n00:00:05,000 --> 00:00:06,000\nBen: fine\nsecond line\n";
        let (turns, problems) = parse("t.srt", srt, Flavor::Srt, 1 << 20);
        assert_eq!(turns.len(), 2);
        assert_eq!(turns[1].text, "fine second line");
        assert_eq!(problems.len(), 1);
        assert_eq!((problems[0].line, problems[0].column), (Some(6), Some(18)));
        assert_eq!(problems[0].raw.as_deref(), Some("Ben: broken"));
    }
}
