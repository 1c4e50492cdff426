//! `report.md`: the synthesis as Markdown, section by section (summary, overview, themes with
//! their quotes, what sets groups apart, scale questions, Pol.is statements, data sources,
//! method). Reads the insights, the shown quotes and the data sources; returns the text.
//! Participant text is escaped, so nothing in it is read as Markdown or HTML.

use std::fmt::Write as _;

use chorus_core::model::Frame;
use chorus_insights::{Cell, Insights};

use crate::figures;
use crate::figures::{
    contrast_cells, group_shares, has_frames, overview_cells, CONTRAST_HEADER, OVERVIEW_HEADER,
};
use crate::prose::{self, pct};
use crate::provenance::SourceGroup;
use crate::quotes::Quotes;

/// Escapes text for Markdown (and the HTML Markdown may carry). Participants' URLs stay inert
/// text: `https://` and `www.` are broken with a backslash escape, so no renderer links them.
pub(crate) fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let ends_with = |out: &str, word: &str| {
        out.len() >= word.len()
            && out.is_char_boundary(out.len() - word.len())
            && out[out.len() - word.len()..].eq_ignore_ascii_case(word)
    };
    for c in s.chars() {
        if c == ':' && (ends_with(&out, "http") || ends_with(&out, "https"))
            || c == '.' && ends_with(&out, "www")
        {
            out.push('\\');
            out.push(c);
            continue;
        }
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `a, b, c`, each escaped.
fn escaped_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| md_escape(s))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The whole of `report.md`.
pub(crate) fn report(ins: &Insights, quotes: &Quotes, sources: &[SourceGroup]) -> String {
    let mut md = String::new();
    overview(&mut md, ins);
    themes_table(&mut md, ins);
    findings(&mut md, ins);
    themes(&mut md, ins, quotes);
    agenda(&mut md, ins);
    contrasts(&mut md, ins);
    scales(&mut md, ins);
    statements(&mut md, ins);
    data_sources(&mut md, sources);
    let _ = writeln!(md, "\n## Method\n\nThemes from `chorus themes`; prevalence per event is the theme's share of the event's units, pooled as the mean over events; {} {} {}", prose::disclosure_note(ins.k, quotes.withheld), prose::counting_note(), prose::parameters_note(ins));
    md
}

/// The title, the summary and the overview table.
fn overview(md: &mut String, ins: &Insights) {
    let _ = writeln!(
        md,
        "# Synthesis report\n\n{}\n",
        md_escape(&prose::summary(ins))
    );
    let _ = writeln!(md, "## Overview\n");
    let o = &ins.overview;
    let _ = writeln!(
        md,
        "| {} |\n|{}\n| {} |\n",
        OVERVIEW_HEADER.join(" | "),
        "---|".repeat(OVERVIEW_HEADER.len()),
        overview_cells(o).join(" | ")
    );
    if !o.events_without_theme.is_empty() {
        let _ = writeln!(
            md,
            "Events with no unit in a theme: {}.\n",
            escaped_list(
                &o.events_without_theme
                    .iter()
                    .map(|e| crate::figures::event_title(ins, e).to_string())
                    .collect::<Vec<_>>()
            )
        );
    }
}

/// A withheld cell is a `·`.
fn pct_cell(c: Option<&Cell>) -> String {
    match c {
        Some(c) if c.suppressed => "·".into(),
        Some(c) => c.value.map_or(String::new(), pct),
        None => String::new(),
    }
}

/// One row per theme: where it was raised, its size, prevalence and share of each frame.
fn themes_table(md: &mut String, ins: &Insights) {
    let _ = writeln!(md, "## Themes\n");
    let has_frames = has_frames(ins);
    if has_frames {
        let _ = writeln!(md, "| theme | events | units | pooled prevalence | leave behind | keep | do differently |\n|---|---|---|---|---|---|---|");
    } else {
        let _ = writeln!(
            md,
            "| theme | events | units | pooled prevalence |\n|---|---|---|---|"
        );
    }
    for th in &ins.themes {
        let mut row = format!(
            "| {} | {} of {} | {} | {:.1}% |",
            md_escape(&th.label),
            th.events,
            th.of_events,
            th.units,
            100.0 * th.pooled_prevalence
        );
        if has_frames {
            for f in Frame::ALL {
                let _ = write!(row, " {} |", pct_cell(th.by_frame.get(f.as_str())));
            }
        }
        let _ = writeln!(md, "{row}");
    }
    let _ = writeln!(
        md,
        "\nCells marked · rest on fewer than {} participants and are withheld.\n",
        ins.k
    );
}

/// For each question, the themes its answers raised with the key point behind them.
fn findings(md: &mut String, ins: &Insights) {
    if ins.findings.is_empty() {
        return;
    }
    let _ = writeln!(md, "## Findings by question\n");
    let prefix = prose::findings_prefix(ins);
    for f in &ins.findings {
        let _ = writeln!(md, "### {}\n", md_escape(&prose::finding_heading(f)));
        let _ = writeln!(md, "{}\n", md_escape(&prose::finding_summary(f)));
        for (i, t) in f.themes.iter().enumerate() {
            let _ = writeln!(
                md,
                "{}. **{}** — {}",
                i + 1,
                md_escape(&t.label),
                md_escape(&prose::finding_theme(t, prefix))
            );
            if let Some(kp) = t.key_point.as_ref().filter(|k| !k.withheld) {
                let _ = writeln!(md, "   “{}”", md_escape(&kp.text));
            }
        }
        md.push('\n');
    }
}

/// A section per theme: its sentence, keywords, subthemes and quotes.
fn themes(md: &mut String, ins: &Insights, all: &Quotes) {
    let quotes = &all.shown;
    for th in &ins.themes {
        let _ = writeln!(md, "### {} ({})\n", md_escape(&th.label), md_escape(&th.id));
        let _ = writeln!(md, "{}\n", md_escape(&prose::theme_summary(th, ins)));
        for kp in &th.key_points {
            let words = if kp.withheld {
                format!(
                    "*Words withheld (an event with fewer than {} participants).*",
                    ins.k
                )
            } else {
                format!("“{}”", md_escape(&kp.text))
            };
            let _ = writeln!(md, "- {words} {}", md_escape(&prose::key_point_support(kp)));
        }
        if !th.key_points.is_empty() {
            md.push('\n');
        }
        if !th.keywords.is_empty() {
            let _ = writeln!(md, "Keywords: {}.\n", escaped_list(&th.keywords));
        }
        if let Some(other) = prose::other_keywords(th) {
            let _ = writeln!(md, "{}.\n", md_escape(&other));
        }
        if let Some(subs) = prose::subtheme_list(th, md_escape) {
            let _ = writeln!(md, "{subs}.\n");
        }
        for q in quotes.iter().filter(|q| q.theme == th.id) {
            let _ = writeln!(
                md,
                "> {}\n>\n> — {}, {}{}{}\n",
                md_escape(&q.text),
                md_escape(&q.event),
                md_escape(&q.who()),
                if q.place.is_empty() {
                    String::new()
                } else {
                    format!(", {}", q.place)
                },
                q.question
                    .as_ref()
                    .map(|x| format!(", answering “{}”", md_escape(x)))
                    .unwrap_or_default()
            );
        }
        if let Some(why) = all.none_shown_because(&th.id, ins.k) {
            let _ = writeln!(md, "{why}\n");
        }
    }
}

/// Each event's agenda: its topic segments in order, when any event has a transcript.
fn agenda(md: &mut String, ins: &Insights) {
    if ins.agenda.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "## Agenda of each event\n\nWhat each event discussed, in order: the topic segments of its transcript, each with the theme most of its talk is in and its most central line.\n"
    );
    for a in &ins.agenda {
        let _ = writeln!(
            md,
            "### {}\n",
            md_escape(a.title.as_deref().unwrap_or(&a.event_id))
        );
        let _ = writeln!(md, "| {} |", figures::AGENDA_HEADER.join(" | "));
        let _ = writeln!(md, "|{}", "---|".repeat(figures::AGENDA_HEADER.len()));
        for item in &a.segments {
            let _ = writeln!(
                md,
                "| {} |",
                figures::agenda_cells(item, md_escape).join(" | ")
            );
        }
        let _ = writeln!(md);
    }
}

/// The distinctive themes of each group, when any group has one.
fn contrasts(md: &mut String, ins: &Insights) {
    if ins.contrasts.iter().all(|c| c.themes.is_empty()) {
        return;
    }
    let _ = writeln!(md, "## What sets groups apart\n\nThemes far more prevalent in a group than in the rest (weighted log-odds with an informative prior, z ≥ 1.96).\n\n| group | {} |\n|---|{}", CONTRAST_HEADER.join(" | "), "---|".repeat(CONTRAST_HEADER.len()));
    for c in &ins.contrasts {
        for d in &c.themes {
            let _ = writeln!(
                md,
                "| {} {} | {} |",
                c.by,
                md_escape(crate::figures::contrast_group(ins, &c.by, &c.group)),
                contrast_cells(d, md_escape).join(" | ")
            );
        }
    }
    md.push('\n');
}

/// A sentence per scale question.
fn scales(md: &mut String, ins: &Insights) {
    if ins.scales.is_empty() {
        return;
    }
    let _ = writeln!(md, "## Scale questions\n");
    for s in &ins.scales {
        let _ = writeln!(md, "- {}", md_escape(&prose::scale_summary(s, ins.k)));
    }
    md.push('\n');
}

/// The Pol.is statements most agreed, and those that split the opinion groups.
fn statements(md: &mut String, ins: &Insights) {
    for (title, list) in [
        ("Most agreed statements", &ins.consensus),
        ("Statements that split the opinion groups", &ins.divergence),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(md, "## {title}\n");
        for st in list {
            let groups = group_shares(st, md_escape, "group ");
            let _ = writeln!(
                md,
                "- {} ({}; {} votes, {} agree, {} disagree{})",
                md_escape(&st.text),
                md_escape(crate::figures::event_title(ins, &st.event)),
                st.votes,
                pct(st.agree),
                pct(st.disagree),
                if groups.is_empty() {
                    String::new()
                } else {
                    format!("; {groups}")
                }
            );
        }
        md.push('\n');
    }
}

/// The events under each licence and attribution.
fn data_sources(md: &mut String, sources: &[SourceGroup]) {
    let _ = writeln!(md, "## Data sources\n");
    for s in sources {
        let _ = writeln!(
            md,
            "- {} events ({}): {}{}",
            s.events.len(),
            md_escape(&s.events.join(", ")),
            md_escape(&s.licence),
            if s.attribution.is_empty() {
                String::new()
            } else {
                format!(". {}", md_escape(&s.attribution))
            }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_text_is_inert() {
        assert_eq!(
            md_escape("<script>alert(1)</script> *x* [a](b)"),
            "&lt;script&gt;alert(1)&lt;/script&gt; \\*x\\* \\[a\\](b)"
        );
        assert_eq!(
            md_escape("see https://evil.example and WWW.evil.example"),
            "see https\\://evil.example and WWW\\.evil.example"
        );
    }
}
