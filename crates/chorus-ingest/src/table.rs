//! Tabular sources (CSV and JSON Lines) read into rows of optional strings with their line
//! numbers. The CSV delimiter is sniffed from the header (a `;`- or tab-separated export is read
//! with a warning, not rejected); rows with the wrong number of fields, oversized records and
//! unparseable JSON lines are rejected with their line (and column), and every other row goes on.

use super::problem::{Problem, ProblemKind};

/// A table read from one file: the header and the rows that parsed.
#[derive(Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone)]
pub struct Row {
    /// 1-based line where the row starts.
    pub line: u64,
    /// One value per header; `None` for an empty cell or a missing key.
    pub fields: Vec<Option<String>>,
}

impl Table {
    /// Index of the first header equal (ignoring case, spaces, `-` and `_`) to one of `names`.
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| {
            let n = header_key(n);
            self.headers.iter().position(|h| header_key(h) == n)
        })
    }
}

impl Row {
    pub fn get(&self, col: Option<usize>) -> Option<&str> {
        col.and_then(|c| self.fields.get(c))
            .and_then(|v| v.as_deref())
    }

    /// The row as one line of text (for the rejects table).
    pub fn raw(&self) -> String {
        self.fields
            .iter()
            .map(|f| f.as_deref().unwrap_or(""))
            .collect::<Vec<_>>()
            .join(",")
    }
}

pub fn header_key(h: &str) -> String {
    h.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Reads a CSV (or `;`/tab/`|`-separated) file. Fails only when there is no header at all.
pub fn read_csv(file: &str, text: &str, max_record: usize) -> Result<Table, Problem> {
    let mut table = Table::default();
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = sniff_delimiter(first_line);
    if delimiter != b',' {
        table.problems.push(Problem::warning(
            file,
            Some(1),
            ProblemKind::WrongDelimiter,
            format!("expected `,`-separated values, found `{}` between the header's columns; read the file with `{}`", delimiter as char, delimiter as char),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    match reader.headers() {
        Ok(h) => table.headers = h.iter().map(|s| s.trim().to_string()).collect(),
        Err(e) => {
            return Err(Problem::reject(
                file,
                Some(1),
                ProblemKind::MalformedRow,
                format!("expected a header row, found unreadable text ({e})"),
            ))
        }
    }
    if table.headers.iter().all(|h| h.is_empty()) {
        return Err(Problem::reject(
            file,
            Some(1),
            ProblemKind::MissingColumn,
            "expected a header row naming the columns, found an empty line".to_string(),
        ));
    }
    let width = table.headers.len();
    let mut record = csv::StringRecord::new();
    // where the last record started, to tell a file cut inside a quoted field
    let mut last_start: Option<(usize, u64)> = None;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line());
                last_start = record.position().map(|p| (p.byte() as usize, line));
                let bytes: usize = record.iter().map(str::len).sum();
                if bytes > max_record {
                    let raw = record.iter().next().unwrap_or("");
                    table
                        .problems
                        .push(Problem::line_too_long(file, line, bytes, max_record, raw));
                    continue;
                }
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                let fields: Vec<Option<String>> = record
                    .iter()
                    .map(|f| {
                        if f.trim().is_empty() {
                            None
                        } else {
                            Some(f.to_string())
                        }
                    })
                    .collect();
                if fields.len() != width {
                    let row = Row { line, fields };
                    table.problems.push(
                        Problem::reject(
                            file,
                            Some(line),
                            ProblemKind::WrongFieldCount,
                            format!("expected {width} fields (as in the header), found {}; is the row cut short or a quote unclosed?", row.fields.len()),
                        )
                        .with_raw(&row.raw()),
                    );
                    continue;
                }
                table.rows.push(Row { line, fields });
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                table.problems.push(Problem::reject(
                    file,
                    Some(line),
                    ProblemKind::MalformedRow,
                    format!("expected a CSV record, found unreadable text ({e})"),
                ));
                if !matches!(
                    e.kind(),
                    csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. }
                ) {
                    break;
                }
            }
        }
    }
    if let Some((at, line)) = last_start {
        if ends_inside_quotes(text.get(at..).unwrap_or(""), delimiter)
            && table.rows.last().is_some_and(|r| r.line == line)
        {
            let row = table.rows.pop();
            let raw = row.map(|r| r.raw()).unwrap_or_default();
            table.problems.push(
                Problem::reject(
                    file,
                    Some(line),
                    ProblemKind::MalformedRow,
                    "expected the quoted field to close, found the end of the file: the file was cut short; the last row is rejected".to_string(),
                )
                .with_raw(&raw),
            );
        }
    }
    Ok(table)
}

/// Whether the record starting `tail` ends inside a quoted field (an opening quote at the
/// start of a field that no quote closes before the end of the text).
fn ends_inside_quotes(tail: &str, delimiter: u8) -> bool {
    let bytes = tail.as_bytes();
    let (mut i, mut field_start, mut quoted) = (0, true, false);
    while i < bytes.len() {
        let b = bytes[i];
        if quoted {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
        } else if b == b'"' && field_start {
            quoted = true;
        } else if b == b'\n' {
            // the record ended: whatever follows is another record
            return false;
        }
        field_start = !quoted && (b == delimiter);
        i += 1;
    }
    quoted
}

/// The most frequent of `,` `;` tab `|` outside quotes in the header line (`,` on a tie).
fn sniff_delimiter(header: &str) -> u8 {
    let mut counts = [0usize; 4];
    let cands = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for b in header.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = cands.iter().position(|&c| c == b) {
                counts[i] += 1;
            }
        }
    }
    let best = (0..4)
        .max_by_key(|&i| (counts[i], usize::from(i == 0)))
        .unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        cands[best]
    }
}

/// Reads JSON Lines: one object per line, keys as columns (in order of first appearance).
pub fn read_jsonl(file: &str, text: &str, max_record: usize) -> Table {
    let mut table = Table::default();
    let mut objects: Vec<(u64, serde_json::Map<String, serde_json::Value>)> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = Default::default();
    for (i, line) in text.split('\n').enumerate() {
        let n = i as u64 + 1;
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        if l.len() > max_record {
            table
                .problems
                .push(Problem::line_too_long(file, n, l.len(), max_record, l));
            continue;
        }
        match serde_json::from_str::<serde_json::Value>(l) {
            Ok(serde_json::Value::Object(map)) => {
                for k in map.keys() {
                    if !index.contains_key(k) {
                        index.insert(k.clone(), table.headers.len());
                        table.headers.push(k.clone());
                    }
                }
                objects.push((n, map));
            }
            Ok(other) => table.problems.push(
                Problem::reject(
                    file,
                    Some(n),
                    ProblemKind::InvalidJson,
                    format!(
                        "expected a JSON object per line, found a {}",
                        json_kind(&other)
                    ),
                )
                .with_raw(l),
            ),
            Err(e) => table.problems.push(
                Problem::reject(
                    file,
                    Some(n),
                    ProblemKind::InvalidJson,
                    format!("expected a JSON object, found invalid JSON ({e})"),
                )
                .at_column(e.column() as u64)
                .with_raw(l),
            ),
        }
    }
    for (line, map) in objects {
        let mut fields = vec![None; table.headers.len()];
        for (k, v) in map {
            fields[index[&k]] = match v {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) if s.trim().is_empty() => None,
                serde_json::Value::String(s) => Some(s),
                other => Some(other.to_string()),
            };
        }
        table.rows.push(Row { line, fields });
    }
    table
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Array(_) => "array",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Null => "null",
        serde_json::Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_rows_rejected_others_kept() {
        let t = read_csv("s.csv", "a,b,c\n1,2,3\n4,5\n\"x\ny\",8,9\n", 1 << 20).unwrap();
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].line, 4);
        assert_eq!(t.rows[1].fields[0].as_deref(), Some("x\ny"));
        assert_eq!(t.problems.len(), 1);
        assert_eq!(t.problems[0].line, Some(3));
    }

    #[test]
    fn a_file_cut_inside_its_last_quoted_field_rejects_that_row() {
        let t = read_csv(
            "s.csv",
            "id,answer\n1,\"fine\"\n2,\"cut in the mid",
            1 << 20,
        )
        .unwrap();
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.problems.len(), 1);
        assert_eq!(t.problems[0].line, Some(3));
        assert!(t.problems[0].is_reject());
        assert!(t.problems[0].message.contains("cut short"));
        // closed quotes, escaped quotes, a quote inside an unquoted field: nothing is cut
        for whole in [
            "id,answer\n1,\"a \"\"b\"\" c\"\n",
            "id,answer\n1,\"two\nlines\"",
            "id,answer\n1,a 5\" screen",
        ] {
            let t = read_csv("s.csv", whole, 1 << 20).unwrap();
            assert_eq!(t.rows.len(), 1, "{whole}");
            assert!(t.problems.is_empty(), "{whole}: {:?}", t.problems);
        }
    }

    #[test]
    fn semicolons_sniffed() {
        let t = read_csv("s.csv", "a;b\n1;2\n", 1 << 20).unwrap();
        assert_eq!(t.headers, vec!["a", "b"]);
        assert_eq!(t.problems[0].kind, ProblemKind::WrongDelimiter);
    }

    #[test]
    fn jsonl_keys_and_bad_lines() {
        let t = read_jsonl(
            "s.jsonl",
            "{\"a\": 1, \"b\": \"x\"}\n{oops\n[1]\n{\"c\": null, \"a\": 2}\n",
            1 << 20,
        );
        assert_eq!(t.headers, vec!["a", "b", "c"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].fields, vec![Some("2".into()), None, None]);
        assert_eq!(
            t.problems.iter().map(|p| p.line).collect::<Vec<_>>(),
            vec![Some(2), Some(3)]
        );
    }
}
