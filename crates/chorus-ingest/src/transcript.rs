//! What every transcript format parses into (a [`Turn`]: who said what, when, where in the file),
//! the checks shared by all of them (times that run backwards or overlap), and the split of long
//! turns into units at sentence boundaries with a bounded length, each window keeping its share of
//! the turn's time span.

use chorus_core::text::format_ms;

use super::problem::{Problem, ProblemKind};

/// One speaker turn as read from a transcript, before cleaning.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// 1-based line of the turn's text (or timing line) in the source file.
    pub line: u64,
    /// 1-based cue number for cue formats (WebVTT, SRT).
    pub cue: Option<u32>,
    pub speaker: Option<String>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub text: String,
}

/// Parses `hh:mm:ss.ttt`, `mm:ss.ttt`, `hh:mm:ss,ttt` (SRT) or `hh:mm:ss` into milliseconds.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    let (clock, frac) = match s.find(['.', ',']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if parts.len() < 2
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let nums: Vec<i64> = parts
        .iter()
        .map(|p| p.parse::<i64>().ok())
        .collect::<Option<_>>()?;
    let (h, m, sec) = if nums.len() == 3 {
        (nums[0], nums[1], nums[2])
    } else {
        (0, nums[0], nums[1])
    };
    if m >= 60 || sec >= 60 || h > 10_000 {
        return None;
    }
    let ms = match frac {
        None => 0,
        Some(f) if !f.is_empty() && f.len() <= 3 && f.bytes().all(|b| b.is_ascii_digit()) => {
            f.parse::<i64>().ok()? * 10_i64.pow(3 - f.len() as u32)
        }
        Some(_) => return None,
    };
    Some(((h * 60 + m) * 60 + sec) * 1000 + ms)
}

/// Parses seconds given as a decimal number (`50.163`), as segment CSVs write them.
pub fn parse_seconds(s: &str) -> Option<i64> {
    let v: f64 = s.trim().parse().ok()?;
    (v.is_finite() && v >= 0.0).then(|| (v * 1000.0).round() as i64)
}

/// Checks the times of `turns` in file order: a turn whose end precedes its start is rejected;
/// a turn starting before the previous one, or overlapping the same speaker's previous turn, is
/// kept with a warning (cross-talk between different speakers is normal and not reported).
pub fn check_times(file: &str, turns: Vec<Turn>, problems: &mut Vec<Problem>) -> Vec<Turn> {
    let mut kept: Vec<Turn> = Vec::with_capacity(turns.len());
    let mut last_start: Option<i64> = None;
    let mut last_end_by_speaker: std::collections::HashMap<Option<String>, i64> =
        Default::default();
    for t in turns {
        if let (Some(s), Some(e)) = (t.start_ms, t.end_ms) {
            if e < s {
                problems.push(
                    Problem::reject(
                        file,
                        Some(t.line),
                        ProblemKind::BackwardsTimestamps,
                        format!(
                            "expected the end after the start, found `{}` --> `{}`",
                            format_ms(s),
                            format_ms(e)
                        ),
                    )
                    .with_raw(&t.text),
                );
                continue;
            }
        }
        if let Some(s) = t.start_ms {
            if let Some(prev) = last_start.filter(|&p| s < p) {
                problems.push(Problem::warning(
                    file,
                    Some(t.line),
                    ProblemKind::OutOfOrderCues,
                    format!("this turn starts at `{}`, before the previous one (`{}`); kept in file order", format_ms(s), format_ms(prev)),
                ));
            } else if let Some(&prev_end) =
                last_end_by_speaker.get(&t.speaker).filter(|&&pe| s < pe)
            {
                problems.push(Problem::warning(
                    file,
                    Some(t.line),
                    ProblemKind::OverlappingCues,
                    format!("this turn starts at `{}`, before the same speaker's previous turn ended (`{}`)", format_ms(s), format_ms(prev_end)),
                ));
            }
            last_start = Some(last_start.map_or(s, |p| p.max(s)));
            if let Some(e) = t.end_ms {
                let slot = last_end_by_speaker.entry(t.speaker.clone()).or_insert(e);
                *slot = (*slot).max(e);
            }
        }
        kept.push(t);
    }
    kept
}

/// A window of a turn: its text and time span.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub text: String,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
}

/// Splits `text` into windows of at most `max_chars` characters at sentence boundaries (a
/// sentence longer than that is cut at a space). The time span is shared out in proportion to
/// the characters. Runs in time linear in the text.
pub fn split_turn(
    text: &str,
    start_ms: Option<i64>,
    end_ms: Option<i64>,
    max_chars: usize,
) -> Vec<Window> {
    let total = text.chars().count();
    if total <= max_chars {
        return vec![Window {
            text: text.to_string(),
            start_ms,
            end_ms,
        }];
    }
    let pieces = sentence_pieces(text, max_chars);
    // group pieces (byte ranges) into windows
    let mut windows: Vec<(usize, usize)> = Vec::new();
    let mut cur: Option<(usize, usize, usize)> = None; // (start byte, end byte, chars)
    for (a, b) in pieces {
        let n = text[a..b].chars().count();
        cur = match cur {
            Some((s, _, c)) if c + n <= max_chars => Some((s, b, c + n)),
            Some((s, e, _)) => {
                windows.push((s, e));
                Some((a, b, n))
            }
            None => Some((a, b, n)),
        };
    }
    if let Some((s, e, _)) = cur {
        windows.push((s, e));
    }
    let span = match (start_ms, end_ms) {
        (Some(s), Some(e)) => Some((s, e)),
        _ => None,
    };
    let total_bytes = text.len().max(1) as f64;
    windows
        .into_iter()
        .filter_map(|(a, b)| {
            let t = text[a..b].trim();
            if t.is_empty() {
                return None;
            }
            let (s, e) = match span {
                Some((s, e)) => {
                    let d = (e - s) as f64;
                    (
                        Some(s + (d * a as f64 / total_bytes).round() as i64),
                        Some(s + (d * b as f64 / total_bytes).round() as i64),
                    )
                }
                None => (start_ms, end_ms),
            };
            Some(Window {
                text: t.to_string(),
                start_ms: s,
                end_ms: e,
            })
        })
        .collect()
}

/// Byte ranges of sentences (ending after `.`, `!`, `?` or their CJK forms followed by a space),
/// each at most `max_chars` characters (longer ones cut at the last space before the limit).
fn sentence_pieces(text: &str, max_chars: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars_in = 0;
    let mut last_space: Option<usize> = None;
    let mut prev_terminal = false;
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if prev_terminal && c.is_whitespace() {
            out.push((start, i));
            start = i;
            chars_in = 0;
            last_space = None;
        }
        chars_in += 1;
        if c.is_whitespace() {
            last_space = Some(i);
        }
        prev_terminal = matches!(c, '.' | '!' | '?' | '。' | '！' | '？');
        if chars_in >= max_chars {
            let cut = match last_space.filter(|&s| s > start) {
                Some(s) => s,
                None => i + c.len_utf8(),
            };
            out.push((start, cut));
            start = cut;
            chars_in = text[start..i + c.len_utf8()].chars().count();
            last_space = None;
        }
        if matches!(c, '。' | '！' | '？') && it.peek().is_some_and(|(_, n)| !n.is_whitespace())
        {
            // CJK text has no space after a full stop
            let end = i + c.len_utf8();
            out.push((start, end));
            start = end;
            chars_in = 0;
            last_space = None;
            prev_terminal = false;
        }
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

/// Splits `Name: text` into the speaker and the text, when the prefix looks like a name
/// (at most five words, starts with a letter, no sentence punctuation).
pub fn split_speaker_prefix(line: &str) -> Option<(&str, &str)> {
    let idx = line.find(':')?;
    let (name, rest) = (line[..idx].trim(), line[idx + 1..].trim_start());
    if name.is_empty() || name.chars().count() > 48 || name.split_whitespace().count() > 5 {
        return None;
    }
    if !name.chars().next().is_some_and(|c| c.is_alphabetic()) {
        return None;
    }
    if name
        .chars()
        .any(|c| matches!(c, '.' | '!' | '?' | ',' | ';' | '"' | '<' | '>' | '[' | ']'))
    {
        return None;
    }
    // names are capitalised words ("Ana de Souza", "Participant 3", "김민준"); "The first" is not
    let name_like = |(i, w): (usize, &str)| {
        let c = w.chars().next().unwrap_or(' ');
        c.is_uppercase()
            || c.is_ascii_digit()
            || !c.is_lowercase() && c.is_alphabetic()
            || (i > 0 && w.chars().count() <= 3)
    };
    if !name.split_whitespace().enumerate().all(name_like) {
        return None;
    }
    // "Note: ..." or URLs ("https://...") are not speakers
    if rest.starts_with("//") {
        return None;
    }
    Some((name, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("00:01:02.500"), Some(62_500));
        assert_eq!(parse_timestamp("01:02,5"), Some(62_500));
        assert_eq!(parse_timestamp("1:00:00"), Some(3_600_000));
        assert_eq!(parse_timestamp("00:61:00.000"), None);
        assert_eq!(parse_timestamp("aa:bb"), None);
        assert_eq!(parse_seconds("50.163"), Some(50_163));
    }

    #[test]
    fn split_keeps_text_and_span() {
        let text = "First sentence here. Second one is a little longer! Third? Fourth and last.";
        let w = split_turn(text, Some(0), Some(10_000), 30);
        assert!(w.len() >= 3, "{w:?}");
        assert!(w.iter().all(|w| w.text.chars().count() <= 30));
        assert_eq!(w.first().unwrap().start_ms, Some(0));
        assert_eq!(w.last().unwrap().end_ms, Some(10_000));
        let joined: Vec<&str> = w.iter().flat_map(|w| w.text.split_whitespace()).collect();
        assert_eq!(joined, text.split_whitespace().collect::<Vec<_>>());
    }

    #[test]
    fn split_long_sentence_without_spaces() {
        let text = "x".repeat(1000);
        let w = split_turn(&text, None, None, 400);
        assert_eq!(w.len(), 3);
        assert_eq!(w.iter().map(|w| w.text.len()).sum::<usize>(), 1000);
    }

    #[test]
    fn speaker_prefixes() {
        assert_eq!(
            split_speaker_prefix("Ana Ribeiro: Hello"),
            Some(("Ana Ribeiro", "Hello"))
        );
        assert_eq!(split_speaker_prefix("Well, here's the thing: no"), None);
        assert_eq!(split_speaker_prefix("see https://x.org"), None);
        assert_eq!(
            split_speaker_prefix("The first: what should we leave behind?"),
            None
        );
        assert_eq!(
            split_speaker_prefix("Ana de Souza: yes"),
            Some(("Ana de Souza", "yes"))
        );
        assert_eq!(split_speaker_prefix("김민준: 네"), Some(("김민준", "네")));
    }

    #[test]
    fn backwards_rejected_overlap_warned() {
        let t = |line, sp: &str, s, e| Turn {
            line,
            cue: None,
            speaker: Some(sp.into()),
            start_ms: Some(s),
            end_ms: Some(e),
            text: "x".into(),
        };
        let mut p = Vec::new();
        let kept = check_times(
            "f",
            vec![
                t(1, "A", 0, 5000),
                t(2, "A", 4000, 6000),
                t(3, "B", 9000, 8000),
            ],
            &mut p,
        );
        assert_eq!(kept.len(), 2);
        assert_eq!(
            p.iter().map(|p| p.kind).collect::<Vec<_>>(),
            vec![
                ProblemKind::OverlappingCues,
                ProblemKind::BackwardsTimestamps
            ]
        );
    }
}
