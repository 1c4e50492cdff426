//! Gold labellings to evaluate themes against. AMI's human topic segmentation
//! (`ami/original/topics/*.topic.xml`, NITE XML) names, for each topic, ranges of word ids per
//! speaker; the word files (`words/*.words.xml.gz`) give each word's time. A unit of an AMI
//! meeting takes the scenario topic type (`top.4`, `top.11`...) of the top-level topic whose
//! words cover the middle of its time span; types recur across meetings, so they are themes.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

static TOPIC_OPEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"<topic\s+nite:id="([^"]+)""#).expect("valid regex"));
static POINTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"role="scenario_topic_type"\s+href="[^"]*#id\(([^)]+)\)""#).expect("valid regex")
});
static CHILD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r##"<nite:child href="([^"#]+)#id\(([^)]+)\)(?:\.\.id\(([^)]+)\))?""##)
        .expect("valid regex")
});
static WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"nite:id="([^"]+)"\s+starttime="([0-9.]+)"\s+endtime="([0-9.]+)""#)
        .expect("valid regex")
});

/// (start ms, end ms, topic type, top-level topic's position in the meeting) intervals of one
/// meeting.
pub type Segmentation = Vec<(i64, i64, String, usize)>;

#[derive(Debug, thiserror::Error)]
pub enum GoldError {
    #[error("could not read `{path}`")]
    Read {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{0}` holds no `topics/*.topic.xml`; expected the AMI release folder (`ami/original`)"
    )]
    NoTopics(std::path::PathBuf),
    #[error("`{0}`: the header must name `event,line,label` or `unit_id,label`")]
    Columns(std::path::PathBuf),
    #[error("`{path}` line {line}: {message}")]
    Row {
        path: std::path::PathBuf,
        line: u64,
        message: String,
    },
}

/// Where a row of a gold CSV points.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GoldKey {
    Unit(String),
    /// Event id and the source line (plain text) or cue/row number (the unit's provenance).
    Line(String, u64),
}

/// Reads a gold labelling from a CSV with columns `event,line,label` or `unit_id,label`.
pub fn csv_labels(path: &Path) -> Result<Vec<(GoldKey, String)>, GoldError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| GoldError::Read {
            path: path.to_path_buf(),
            source: std::io::Error::other(e),
        })?;
    let header = reader
        .headers()
        .map_err(|_| GoldError::Columns(path.to_path_buf()))?;
    let at = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (unit, event, line, label) = (at("unit_id"), at("event"), at("line"), at("label"));
    let Some(label) = label else {
        return Err(GoldError::Columns(path.to_path_buf()));
    };
    if unit.is_none() && (event.is_none() || line.is_none()) {
        return Err(GoldError::Columns(path.to_path_buf()));
    }
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| GoldError::Row {
            path: path.to_path_buf(),
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        let n = row.position().map_or(0, |p| p.line());
        let field = |i: usize| row.get(i).unwrap_or("").trim().to_string();
        let bad = |message: String| GoldError::Row {
            path: path.to_path_buf(),
            line: n,
            message,
        };
        let key = match (unit, event, line) {
            (Some(u), _, _) => GoldKey::Unit(field(u)),
            (None, Some(e), Some(l)) => {
                let number = field(l)
                    .parse()
                    .map_err(|_| bad(format!("`{}` is not a line number", field(l))))?;
                GoldKey::Line(field(e), number)
            }
            _ => return Err(GoldError::Columns(path.to_path_buf())),
        };
        let text = field(label);
        if text.is_empty() {
            return Err(bad("the label is empty".into()));
        }
        out.push((key, text));
    }
    Ok(out)
}

fn read(path: &Path) -> Result<String, GoldError> {
    let bytes = std::fs::read(path).map_err(|source| GoldError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let bytes = if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(|source| GoldError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        out
    } else {
        bytes
    };
    // the release declares ISO-8859-1; its markup is ASCII
    Ok(bytes.iter().map(|&b| b as char).collect())
}

/// Word id -> (index in file order, start ms, end ms), for one word file.
fn words(text: &str) -> HashMap<String, (usize, i64, i64)> {
    WORD.captures_iter(text)
        .enumerate()
        .filter_map(|(i, c)| {
            let s: f64 = c[2].parse().ok()?;
            let e: f64 = c[3].parse().ok()?;
            Some((
                c[1].to_string(),
                (i, (s * 1000.0) as i64, (e * 1000.0) as i64),
            ))
        })
        .collect()
}

/// Reads the topic segmentation of every meeting in `dir` (the AMI `original` folder):
/// meeting id (as in the files, e.g. `ES2002a`) -> intervals.
pub fn ami_topics(dir: &Path) -> Result<HashMap<String, Segmentation>, GoldError> {
    let topics = dir.join("topics");
    let mut files: Vec<_> = std::fs::read_dir(&topics)
        .map_err(|_| GoldError::NoTopics(dir.to_path_buf()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".topic.xml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(GoldError::NoTopics(dir.to_path_buf()));
    }
    let mut out = HashMap::new();
    for f in files {
        let meeting = f
            .file_name()
            .map(|n| {
                n.to_string_lossy()
                    .trim_end_matches(".topic.xml")
                    .to_string()
            })
            .unwrap_or_default();
        let text = read(&f)?;
        let mut word_files: HashMap<String, Vec<(usize, i64, i64)>> = HashMap::new();
        let mut word_index: HashMap<String, HashMap<String, (usize, i64, i64)>> = HashMap::new();
        // stack of open topics: (type of the top-level ancestor)
        let mut stack: Vec<Option<String>> = Vec::new();
        let mut topic = 0usize;
        let mut seg: Segmentation = Vec::new();
        for line in text.lines() {
            if TOPIC_OPEN.is_match(line) {
                if stack.is_empty() {
                    topic += 1;
                }
                stack.push(None);
            } else if line.trim_start().starts_with("</topic>") {
                stack.pop();
            } else if let Some(c) = POINTER.captures(line) {
                if let Some(top) = stack.last_mut() {
                    if top.is_none() {
                        *top = Some(c[1].to_string());
                    }
                }
            } else if let Some(c) = CHILD.captures(line) {
                let label = stack
                    .iter()
                    .flatten()
                    .next()
                    .cloned()
                    .unwrap_or_else(|| "untyped".into());
                let file = c[1].to_string();
                if !word_index.contains_key(&file) {
                    let path = dir.join("words").join(format!("{file}.gz"));
                    let w = words(&read(&path)?);
                    let mut ordered: Vec<(usize, i64, i64)> = w.values().copied().collect();
                    ordered.sort();
                    word_files.insert(file.clone(), ordered);
                    word_index.insert(file.clone(), w);
                }
                let idx = &word_index[&file];
                let (Some(a), b) = (idx.get(&c[2]), c.get(3).and_then(|m| idx.get(m.as_str())))
                else {
                    continue;
                };
                let b = b.unwrap_or(a);
                let span = &word_files[&file][a.0.min(b.0)..=a.0.max(b.0)];
                let start = span.iter().map(|w| w.1).min().unwrap_or(a.1);
                let end = span.iter().map(|w| w.2).max().unwrap_or(b.2);
                seg.push((start, end, label, topic));
            }
        }
        out.insert(meeting, seg);
    }
    Ok(out)
}

/// The topic type and top-level topic covering `time_ms` (the shortest interval that does), if
/// any.
pub fn topic_at(seg: &Segmentation, time_ms: i64) -> Option<(&str, usize)> {
    seg.iter()
        .filter(|(s, e, _, _)| *s <= time_ms && time_ms <= *e)
        .min_by_key(|(s, e, _, _)| e - s)
        .map(|(_, _, l, t)| (l.as_str(), *t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_pick_the_shortest() {
        let seg = vec![(0, 100, "a".to_string(), 1), (40, 60, "b".to_string(), 2)];
        assert_eq!(topic_at(&seg, 50), Some(("b", 2)));
        assert_eq!(topic_at(&seg, 10), Some(("a", 1)));
        assert_eq!(topic_at(&seg, 500), None);
    }
}
