//! Text as outputs show it: times, and where a unit sits in its source, shared by the report,
//! the server's pages and the CLI. (HTML is escaped by the template engine, maud, where it is
//! written.)

/// Formats milliseconds as `hh:mm:ss`.
pub fn format_ms(ms: i64) -> String {
    let s = ms / 1000;
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

/// Where a unit is in its source, as a reader finds it: the time in a recording, else the line.
pub fn place(line: Option<u64>, start_ms: Option<i64>) -> String {
    match (start_ms, line) {
        (Some(ms), _) => format_ms(ms),
        (None, Some(l)) => format!("line {l}"),
        _ => String::new(),
    }
}
