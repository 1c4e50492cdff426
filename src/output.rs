//! Rendering stage results for people (aligned tables) and programs (`--json`). stdout carries
//! only this; logs and progress go to stderr.

use chorus_ingest::assemble::EventSummary;
use chorus_ingest::IngestReport;

/// A plain aligned text table: the first column left-aligned, the others right-aligned.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let n = headers.len();
    let mut width: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = width[i].saturating_sub(c.chars().count());
            if i > 0 {
                s.push_str("  ");
            }
            if i == 0 || i + 1 == n && headers[i] == "languages" {
                s.push_str(c);
                if i + 1 < n {
                    s.push_str(&" ".repeat(pad));
                }
            } else {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            }
        }
        s.trim_end().to_string()
    };
    let mut out = line(headers.to_vec());
    out.push('\n');
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

fn languages(l: &[(String, usize)], total: usize) -> String {
    if total == 0 {
        return "-".into();
    }
    l.iter()
        .take(3)
        .map(|(code, n)| format!("{code} {}%", (100 * n + total / 2) / total))
        .collect::<Vec<_>>()
        .join(", ")
}

fn row(e: &EventSummary) -> Vec<String> {
    vec![
        e.event_id.clone(),
        e.units.to_string(),
        e.participants.to_string(),
        e.questions.to_string(),
        e.answers.to_string(),
        e.rejected.to_string(),
        e.excluded.to_string(),
        e.duplicates.to_string(),
        e.redactions.total().to_string(),
        languages(&e.languages, e.units),
    ]
}

/// The per-event ingest table with a total line.
pub fn ingest_table(report: &IngestReport) -> String {
    let headers = [
        "event",
        "units",
        "participants",
        "questions",
        "answers",
        "rejected",
        "excluded",
        "duplicates",
        "redactions",
        "languages",
    ];
    let mut rows: Vec<Vec<String>> = report.events.iter().map(row).collect();
    let mut total = EventSummary {
        event_id: format!("total ({} events)", report.events.len()),
        ..Default::default()
    };
    let mut langs: std::collections::BTreeMap<String, usize> = Default::default();
    for e in &report.events {
        total.units += e.units;
        total.participants += e.participants;
        total.questions += e.questions;
        total.answers += e.answers;
        total.rejected += e.rejected;
        total.excluded += e.excluded;
        total.duplicates += e.duplicates;
        total.redactions.add(&e.redactions);
        for (l, n) in &e.languages {
            *langs.entry(l.clone()).or_default() += n;
        }
    }
    // problems outside any event (a skipped duplicate source) count too
    total.rejected = report.rejected();
    let mut l: Vec<(String, usize)> = langs.into_iter().collect();
    l.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    total.languages = l;
    rows.push(row(&total));
    table(&headers, &rows)
}

/// The ingest report as JSON: `{workspace, events: [...], totals: {...}, problems: [...]}`.
pub fn ingest_json(report: &IngestReport) -> serde_json::Value {
    serde_json::json!({
        "workspace": report.workspace,
        "written": report.written,
        "events": report.events,
        "totals": {
            "events": report.events.len(),
            "units": report.units(),
            "participants": report.events.iter().map(|e| e.participants).sum::<usize>(),
            "answers": report.events.iter().map(|e| e.answers).sum::<usize>(),
            "rejected": report.rejected(),
            "warnings": report.problems.len() - report.rejected(),
            "excluded": report.events.iter().map(|e| e.excluded).sum::<u64>(),
            "duplicates": report.events.iter().map(|e| e.duplicates).sum::<usize>(),
            "redactions": report.events.iter().map(|e| e.redactions.total() as u64).sum::<u64>(),
        },
        "problems": report.problems,
    })
}

/// A snippet with its highlights marked: bold on a colour terminal, `[..]` otherwise.
pub fn highlight(s: &chorus_index::search::Snippet, color: bool) -> String {
    let (open, close) = if color {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("[", "]")
    };
    let mut out = String::with_capacity(s.fragment.len() + 8 * s.highlights.len());
    let mut last = 0;
    for &(a, b) in &s.highlights {
        if a < last
            || b > s.fragment.len()
            || !s.fragment.is_char_boundary(a)
            || !s.fragment.is_char_boundary(b)
        {
            continue;
        }
        out.push_str(&s.fragment[last..a]);
        out.push_str(open);
        out.push_str(&s.fragment[a..b]);
        out.push_str(close);
        last = b;
    }
    out.push_str(&s.fragment[last..]);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Search results for people: a header line, one block per hit (rank, event, speaker, place
/// in the source, score; the snippet; question and theme), then the facet counts.
pub fn search_text(r: &chorus_index::search::SearchResponse, color: bool) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let shown = if r.hits.is_empty() {
        String::new()
    } else {
        format!(" (showing {}-{})", r.offset + 1, r.offset + r.hits.len())
    };
    let _ = writeln!(out, "{}{shown}", r.total_phrase(true));
    for (i, h) in r.hits.iter().enumerate() {
        let place = match (h.start_ms, h.line) {
            (Some(ms), _) => chorus_core::text::format_ms(ms),
            (None, Some(l)) => format!("line {l}"),
            _ => "-".into(),
        };
        let _ = writeln!(
            out,
            "\n{:>3}. {}  {}  {}  score {:.2}",
            r.offset + i + 1,
            h.event,
            h.participant.as_deref().unwrap_or("-"),
            place,
            h.score
        );
        let _ = writeln!(out, "     {}", highlight(&h.snippet, color));
        let mut meta = Vec::new();
        if let Some(q) = &h.question {
            let q: String = q.chars().take(80).collect();
            meta.push(format!("question: {q}"));
        }
        if let Some(f) = &h.frame {
            meta.push(format!("frame: {f}"));
        }
        if let Some(t) = &h.theme {
            meta.push(format!("theme: {t}"));
        }
        meta.push(format!("unit: {}", h.unit_id));
        let _ = writeln!(out, "     {}", meta.join("  ·  "));
    }
    let facets: Vec<String> = r
        .facets
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| {
            let top: Vec<String> = v
                .iter()
                .take(8)
                .map(|c| format!("{} {}", c.value, c.count))
                .collect();
            let more = if v.len() > 8 {
                format!(", +{} more", v.len() - 8)
            } else {
                String::new()
            };
            format!("  {k}: {}{more}", top.join(", "))
        })
        .collect();
    if !facets.is_empty() {
        let _ = writeln!(out, "\nfacets:\n{}", facets.join("\n"));
    }
    out
}

/// Themes for people: one line per theme (size, events, label, keywords), subthemes indented.
pub fn themes_text(r: &chorus_themes::ThemesReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} themes, {} subthemes from {} units ({}) in {:.1} s; unassigned {} ({:.1}%); no content word (left out) {} ({:.1}%); procedural (left out) {}; {} transcript segments\n",
        r.themes,
        r.subthemes,
        r.units,
        if r.reclustered {
            format!("clustered anew: {} micro-clusters", r.micro_clusters)
        } else {
            "joined the last run's themes; --recluster to start anew".to_string()
        },
        r.seconds,
        r.unassigned,
        100.0 * r.unassigned_share,
        r.no_content,
        100.0 * r.no_content_share,
        r.procedural,
        r.segments
    );
    for t in r.themes_list.iter().filter(|t| t.parent.is_none()) {
        let _ = writeln!(
            out,
            "{:<8} {:>6} units {:>4} events  {}  ({})",
            t.id,
            t.size,
            t.events,
            t.label,
            t.keywords
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
        for s in r
            .themes_list
            .iter()
            .filter(|s| s.parent.as_deref() == Some(t.id.as_str()))
        {
            let _ = writeln!(out, "  {:<10} {:>4} units  {}", s.id, s.size, s.label);
        }
    }
    out
}

/// Evaluation figures for people.
pub fn eval_text(r: &chorus_themes::eval::EvalReport) -> String {
    serde_json::to_value(r)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .map(|m| m.iter().map(|(k, v)| format!("{k:<28} {v}\n")).collect())
        .unwrap_or_default()
}

/// `chorus status`: what the workspace holds, then each stage's state.
pub fn status_text(
    c: &crate::workbench::Contents,
    stages: &[crate::workbench::StageStatus],
) -> String {
    use crate::workbench::State;
    let mut out = String::new();
    out.push_str(&format!("workspace  {}\n", c.workspace.display()));
    out.push_str(&format!(
        "config     {}\n",
        c.config.as_ref().map_or(
            "none (defaults; `chorus init` writes one)".to_string(),
            |p| p.display().to_string()
        )
    ));
    out.push_str(&format!(
        "holds      {} events, {} units, {} vectors, {} themes, index {}, report {}\n\n",
        c.events,
        c.units,
        c.vectors,
        c.themes,
        match (c.indexed, c.index_half_built) {
            (_, true) => "half-built (`chorus index` was interrupted: run it again)",
            (true, false) => "built",
            (false, false) => "none",
        },
        c.report
            .as_ref()
            .map_or("none".to_string(), |p| p.display().to_string())
    ));
    for s in stages {
        let state = match s.state {
            State::Fresh => "up to date",
            State::Stale => "stale: its inputs changed",
            State::NeverRun => "not run yet",
            State::NotConfigured => "nothing to do: chorus.toml names no inputs",
        };
        out.push_str(&format!("{:<8} {state}\n", s.stage));
    }
    out
}
