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

/// The English name of a language from its ISO 639-1 code (the codes ingest gives units); an
/// unknown code is shown as it is.
pub fn language_name(code: &str) -> &str {
    const NAMES: [(&str, &str); 29] = [
        ("en", "English"),
        ("de", "German"),
        ("fr", "French"),
        ("es", "Spanish"),
        ("pt", "Portuguese"),
        ("it", "Italian"),
        ("nl", "Dutch"),
        ("sv", "Swedish"),
        ("da", "Danish"),
        ("no", "Norwegian"),
        ("fi", "Finnish"),
        ("et", "Estonian"),
        ("ru", "Russian"),
        ("uk", "Ukrainian"),
        ("pl", "Polish"),
        ("cs", "Czech"),
        ("hu", "Hungarian"),
        ("ro", "Romanian"),
        ("el", "Greek"),
        ("tr", "Turkish"),
        ("ar", "Arabic"),
        ("he", "Hebrew"),
        ("hi", "Hindi"),
        ("zh", "Chinese"),
        ("ja", "Japanese"),
        ("ko", "Korean"),
        ("vi", "Vietnamese"),
        ("id", "Indonesian"),
        ("th", "Thai"),
    ];
    NAMES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, n)| n)
}

/// "In other languages: German: homeoffice, arbeitsweg; Spanish: teletrabajo" for a theme's
/// keywords in the corpus's other languages (none: `None`).
pub fn other_languages(keywords: &[(String, Vec<String>)]) -> Option<String> {
    (!keywords.is_empty()).then(|| {
        let parts: Vec<String> = keywords
            .iter()
            .map(|(l, k)| format!("{}: {}", language_name(l), k.join(", ")))
            .collect();
        format!("In other languages: {}", parts.join("; "))
    })
}

/// A CSV field: quoted when needed, and text a spreadsheet would run as a formula (`=`, `+`,
/// `-`, `@`, tab, carriage return first) made inert with a leading `'`.
pub fn csv_field(s: &str) -> String {
    let inert = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if inert.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", inert.replace('"', "\"\""))
    } else {
        inert
    }
}

/// How many units each language has (unknown ones, empty, left out), most first, ties by code.
pub fn language_counts<'a>(langs: impl IntoIterator<Item = &'a str>) -> Vec<(&'a str, usize)> {
    let mut count: std::collections::BTreeMap<&str, usize> = Default::default();
    for l in langs.into_iter().filter(|l| !l.is_empty()) {
        *count.entry(l).or_default() += 1;
    }
    let mut counts: Vec<(&str, usize)> = count.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    counts
}

/// The language chorus's pages (the report, the server's) are written in.
pub const PAGE_LANG: &str = "en";

/// `lang` for text in a language other than the pages' (none when unknown or the same).
pub fn foreign(lang: &str) -> Option<&str> {
    (!lang.is_empty() && lang != PAGE_LANG).then_some(lang)
}
