//! `index.html`: one self-contained page (inline CSS and SVG, no script, no request leaves it),
//! readable on a phone and in print, with headings, alt text and a data table behind every
//! chart. Rendered with maud, which escapes every value it is given: participant text is never
//! written as markup; only the charts' SVG (drawn by plotters from escaped labels) goes in raw.
//! Reads the insights, the report's sentences, the shown quotes, the charts and the data
//! sources; returns the page.

use std::collections::BTreeMap;

use maud::{html, Markup, PreEscaped, DOCTYPE};

use chorus_core::model::Frame;
use chorus_core::text::{foreign, PAGE_LANG};
use chorus_insights::{Cell, Insights, Interval, ThemeInsight};

use crate::figures::{self, CONTRAST_HEADER, OVERVIEW_HEADER};
use crate::prose::{self, pct};
use crate::provenance::SourceGroup;
use crate::quotes::Quotes;

/// Where the report puts the CJK font when its text needs it (relative to `index.html`).
pub(crate) const CJK_FONT_PATH: &str = "fonts/wqy-microhei.ttf";

/// The CSS rule that gives CJK text the bundled font, fetched from `url` only by a page that
/// shows such text (its `unicode-range`), the text shown at once in the fallback font until it
/// comes (`font-display:swap`). The page's and the server's font stacks start with it: its
/// range keeps it to CJK text, and Chromium left text in a table cell as boxes when it came
/// after the system fonts, with no CJK font on the machine.
pub fn cjk_font_face(url: &str) -> String {
    format!(
        "@font-face{{font-family:\"{}\";src:url({url});font-display:swap;unicode-range:U+1100-11FF,U+2E80-2FDF,U+3000-30FF,U+3130-318F,U+3400-4DBF,U+4E00-9FFF,U+A960-A97F,U+AC00-D7FF,U+F900-FAFF,U+FF00-FFEF}}",
        crate::charts::CJK_FONT
    )
}

const CSS: &str = "
body{font:16px/1.5 \"WenQuanYi Micro Hei\",system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#222}
h1,h2,h3{line-height:1.2}table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.2rem .45rem;text-align:right}th:first-child,td:first-child{text-align:left}
table.contrast td:nth-child(2),table.contrast th:nth-child(2){text-align:left}.chart{overflow-x:auto}.chart svg{max-width:none;height:auto}blockquote{margin:.6rem 0;padding:.4rem .8rem;border-left:4px solid #0072B2;background:#f5f8fb}
blockquote footer{font-size:.85rem;color:#555}.kw{color:#555}.sup{color:#777}details{margin:.5rem 0}
.wide{overflow-x:auto}nav.toc ol{columns:2;padding-left:1.2rem}nav.toc{font-size:.95rem}.print{display:none}
@media (max-width:40rem){nav.toc ol{columns:1}table{display:block;overflow-x:auto;max-width:100%}}
@page{size:A4;margin:15mm}
@media print{body{max-width:none;padding:0}nav.toc,.screen{display:none}.print{display:block}
.chart svg{max-width:100%;max-height:210mm;width:auto}figure,blockquote,tr{break-inside:avoid}table{font-size:.8rem}th{overflow-wrap:break-word}
h2,h3,h2+p,h3+p,summary{break-after:avoid}
details::details-content{content-visibility:visible;display:block}details>summary{list-style:none}}";

/// Text as it is: maud escapes it where it is placed.
fn plain(s: &str) -> String {
    s.to_string()
}

fn share(c: Option<&Cell>) -> Markup {
    html! {
        @match c {
            Some(c) if c.suppressed => {
                span.sup title="fewer than k participants" { "withheld" }
            }
            Some(c) => @if let Some(v) = c.value { (pct(v)) },
            None => {},
        }
    }
}

/// Group columns a data table prints side by side: a wider table is printed in parts of this
/// many columns, each with the theme column, as a page holds no more (the screen shows it whole,
/// scrolling in its own box).
const PRINT_COLUMNS: usize = 6;

/// A collapsed data table of each theme's share per group of one dimension; `columns` are
/// (group, shown name) in order.
fn breakdown_table(
    ins: &Insights,
    what: &str,
    columns: &[(String, String)],
    cells: impl Fn(&ThemeInsight) -> &BTreeMap<String, Cell>,
) -> Markup {
    let table = |columns: &[(String, String)]| {
        html! {
            // the head row in `thead`, which print repeats on every page the table runs onto
            table {
                thead { tr { th { "theme" } @for (_, shown) in columns { th { (shown) } } } }
                tbody {
                    @for t in &ins.themes {
                        tr {
                            td { (t.label) }
                            @for (g, _) in columns { td { (share(cells(t).get(g))) } }
                        }
                    }
                }
            }
        }
    };
    html! {
        @if !columns.is_empty() {
            details {
                summary { "Data table: theme × " (what) }
                @if columns.len() <= PRINT_COLUMNS {
                    div.chart { (table(columns)) }
                } @else {
                    div.chart.screen { (table(columns)) }
                    @for part in columns.chunks(PRINT_COLUMNS) { div.print { (table(part)) } }
                }
            }
        }
    }
}

/// A breakdown's groups, each shown as itself.
fn plain_columns(
    ins: &Insights,
    cells: impl Fn(&ThemeInsight) -> &BTreeMap<String, Cell>,
) -> Vec<(String, String)> {
    figures::breakdown_groups(ins, cells)
        .into_iter()
        .map(|g| (g.clone(), g))
        .collect()
}

/// The distinctive themes of each country, sector, level and event, with the theme shares per
/// country, sector and level behind them.
fn contrasts(ins: &Insights) -> Markup {
    if ins.contrasts.iter().all(|c| c.themes.is_empty()) {
        return html! {};
    }
    html! {
        h2 #contrasts { "What sets groups apart" }
        p { "Themes far more prevalent in a group than in the rest (weighted log-odds with an informative prior, z ≥ 1.96; at most " (chorus_insights::TOP_DISTINCTIVE) " per group)." }
        @for by in ["country", "sector", "level", "event"] {
            @let rows: Vec<_> = ins.contrasts.iter().filter(|c| c.by == by && !c.themes.is_empty()).collect();
            @if !rows.is_empty() {
                h3 { "By " (by) }
                table.contrast {
                    thead { tr { th { (by) } @for head in CONTRAST_HEADER { th { (head) } } } }
                    @for c in rows {
                        @for (i, d) in c.themes.iter().enumerate() {
                            tr {
                                td { @if i == 0 { (figures::contrast_group(ins, &c.by, &c.group)) } }
                                @for cell in figures::contrast_cells(d, plain) { td { (cell) } }
                            }
                        }
                    }
                }
            }
        }
        (breakdown_table(ins, "country", &plain_columns(ins, |t| &t.by_country), |t| &t.by_country))
        (breakdown_table(ins, "sector", &plain_columns(ins, |t| &t.by_sector), |t| &t.by_sector))
        (breakdown_table(ins, "level", &plain_columns(ins, |t| &t.by_level), |t| &t.by_level))
    }
}

/// An interval as the scale table shows it; withheld when absent.
fn interval(i: &Option<Interval>, percent: bool) -> Markup {
    html! {
        @match i {
            Some(i) if percent => (format!("{:.0}% ({:.0}–{:.0}%)", 100.0 * i.estimate, 100.0 * i.low, 100.0 * i.high)),
            Some(i) => (format!("{:.2} ({:.2}–{:.2})", i.estimate, i.low, i.high)),
            None => span.sup { "withheld" },
        }
    }
}

fn scales(ins: &Insights, charts: &[crate::charts::Chart]) -> Markup {
    html! {
        @if !ins.scales.is_empty() {
            h2 #scales { "Scale questions" }
            @for (i, s) in ins.scales.iter().enumerate() {
                h3 { (s.text) }
                p { (prose::scale_summary(s, ins.k)) }
                @if let Some(c) = charts.get(i) {
                    figure.chart role="img" aria-label="Diverging bars of the answers per group: lower points left of the centre line, higher right; the table below holds the means and shares" {
                        (PreEscaped(&c.svg))
                    }
                }
                table {
                    tr { th { "group" } th { "n" } th { "mean (95% CI)" } th { "top two (95% CI)" } }
                    @for g in s.groups() {
                        tr {
                            td {
                                @match g.by {
                                    "all" | "country" => (g.group),
                                    by => { (by) ": " (g.group) },
                                }
                            }
                            td { @if g.suppressed { "< k" } @else { (g.n) } }
                            td { (interval(&g.mean, false)) }
                            td { (interval(&g.top_two, true)) }
                        }
                    }
                }
            }
        }
    }
}

fn statements(ins: &Insights, groups_svg: &str) -> Markup {
    let lists = [
        ("consensus", "Most agreed statements", &ins.consensus),
        (
            "divergence",
            "Statements that split the opinion groups",
            &ins.divergence,
        ),
    ];
    html! {
        @for (id, title, list) in lists {
            @if !list.is_empty() {
                h2 id=(id) { (title) }
                table {
                    thead { tr { th { "#" } th { "statement" } th { "event" } th { "votes" } th { "agree" } th { "by opinion group" } } }
                    @for (i, st) in list.iter().enumerate() {
                        tr {
                            td { (i + 1) }
                            td { (st.text) }
                            td { (figures::event_title(ins, &st.event)) }
                            td { (st.votes) }
                            td { (pct(st.agree)) }
                            td { (figures::group_shares(st, plain, "")) }
                        }
                    }
                }
                @if id == "divergence" && !groups_svg.is_empty() {
                    p { "Each opinion group's share of agree votes on the statements above (numbered as in the table; groups are those of each statement's own conversation, and a group with fewer voters than the report shows has no bar)." }
                    figure.chart role="img" aria-label="Bars of each opinion group's agree share per statement; the table above holds the same numbers" {
                        (PreEscaped(groups_svg))
                    }
                }
            }
        }
    }
}

fn themes(ins: &Insights, all: &Quotes) -> Markup {
    let quotes = &all.shown;
    html! {
        h2 #themes { "Themes" }
        @for t in &ins.themes {
            section id=(t.id) {
                h3 lang=[foreign(&t.lang)] { (t.label) }
                p { (prose::theme_summary(t, ins)) }
                @if !t.key_points.is_empty() {
                    ul.kp {
                        @for kp in &t.key_points {
                            li {
                                @if kp.withheld {
                                    em { "Words withheld (an event with fewer than " (ins.k) " participants)." }
                                } @else {
                                    q lang=[foreign(&kp.lang)] { (kp.text) }
                                }
                                " " span.sup { (prose::key_point_support(kp)) }
                            }
                        }
                    }
                }
                @if !t.keywords.is_empty() {
                    p.kw { "Keywords: " (t.keywords.join(", ")) }
                }
                @if let Some(other) = prose::other_keywords(t) {
                    p.kw { (other) }
                }
                @if let Some(subs) = prose::subtheme_list(t, plain) {
                    p.kw { (subs) }
                }
                @for q in quotes.iter().filter(|q| q.theme == t.id) {
                    blockquote lang=[foreign(&q.lang)] {
                        p { (q.text) }
                        footer {
                            (q.event) ", " (q.who())
                            @if !q.place.is_empty() { ", " (q.place) }
                            @if let Some(question) = &q.question { ", answering “" (question) "”" }
                        }
                    }
                }
                @if let Some(why) = all.none_shown_because(&t.id, ins.k) {
                    p.kw { (why) }
                }
            }
        }
    }
}

fn agenda(ins: &Insights, timeline_svg: &str) -> Markup {
    html! {
        @if !ins.agenda.is_empty() {
            h2 #agenda { "Agenda of each event" }
            p { "What each event discussed, in order: the topic segments of its transcript, coloured by the theme most of their talk is in. The tables below hold the same segments, with each one's most central line." }
            figure.chart role="img" aria-label="Timeline of each event's topic segments, coloured by theme; the tables below hold the same segments" {
                (PreEscaped(timeline_svg))
            }
            @for a in &ins.agenda {
                h3 { (a.title.as_deref().unwrap_or(&a.event_id)) }
                table {
                    tr { @for head in figures::AGENDA_HEADER { th { (head) } } }
                    @for item in &a.segments {
                        tr { @for cell in figures::agenda_cells(item, plain) { td { (cell) } } }
                    }
                }
            }
        }
    }
}

fn frames(ins: &Insights, frames_svg: &str) -> Markup {
    let has_frames = figures::has_frames(ins);
    html! {
        h2 #frames { "Leave behind, keep, do differently" }
        @if !has_frames {
            p { "No answer in these sources belongs to a question frame." }
        } @else {
            p { "Each bar is the theme's share of the answers to that question." }
            figure.chart role="img" aria-label="Bars of each theme's share of the answers to each question frame; the table below holds the same numbers" {
                (PreEscaped(frames_svg))
            }
            table {
                thead { tr { th { "theme" } th { "leave behind" } th { "keep" } th { "do differently" } } }
                @for t in &ins.themes {
                    tr {
                        td { (t.label) }
                        @for f in Frame::ALL { td { (share(t.by_frame.get(f.as_str()))) } }
                    }
                }
            }
        }
    }
}

fn findings(ins: &Insights) -> Markup {
    let prefix = prose::findings_prefix(ins);
    html! {
        h2 #findings { "Findings by question" }
        p { "For each question, the themes its answers raised, biggest first (a theme raised by fewer than " (ins.k) " participants in answer to it is not named), and the key point of the theme most of these answers stand behind." }
        @for f in &ins.findings {
            section {
                h3 { (prose::finding_heading(f)) }
                p { (prose::finding_summary(f)) }
                ol {
                    @for t in &f.themes {
                        li {
                            strong { (t.label) } " — " (prose::finding_theme(t, prefix))
                            @if let Some(kp) = &t.key_point {
                                @if !kp.withheld {
                                    br; span.kw { q lang=[foreign(&kp.lang)] { (kp.text) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// An optional chart's SVG, empty when there is none.
fn svg(c: &Option<crate::charts::Chart>) -> &str {
    c.as_ref().map_or("", |c| c.svg.as_str())
}

/// The page, with the charts inline (the heatmap as one figure per panel).
pub(crate) fn page(
    ins: &Insights,
    quotes: &Quotes,
    charts: &crate::Charts,
    sources: &[SourceGroup],
) -> String {
    let prevalence_svg = charts.prevalence.svg.as_str();
    let frames_svg = svg(&charts.frames);
    let timeline_svg = svg(&charts.timeline);
    let groups_svg = svg(&charts.groups);
    let o = &ins.overview;
    let page = html! {
        (DOCTYPE)
        html lang=(PAGE_LANG) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'self'";
                title { "Synthesis report" }
                style { (PreEscaped(cjk_font_face(CJK_FONT_PATH))) (PreEscaped(CSS)) }
            }
            body {
                main {
                    h1 { "Synthesis report" }
                    p { (prose::summary(ins)) }
                    nav.toc aria-label="Contents" {
                        h2 { "Contents" }
                        ol {
                            li { a href="#overview" { "Overview" } }
                            li { a href="#heatmap" { "Themes across events" } }
                            li { a href="#frames" { "Leave behind, keep, do differently" } }
                            @if !ins.findings.is_empty() { li { a href="#findings" { "Findings by question" } } }
                            @if !ins.contrasts.iter().all(|c| c.themes.is_empty()) {
                                li { a href="#contrasts" { "What sets groups apart" } }
                            }
                            li { a href="#themes" { "Themes" } }
                            @if !ins.agenda.is_empty() { li { a href="#agenda" { "Agenda of each event" } } }
                            @if !ins.scales.is_empty() { li { a href="#scales" { "Scale questions" } } }
                            @if !ins.consensus.is_empty() { li { a href="#consensus" { "Most agreed statements" } } }
                            @if !ins.divergence.is_empty() { li { a href="#divergence" { "Statements that split the opinion groups" } } }
                            li { a href="#sources" { "Data sources" } }
                            li { a href="#method" { "Method" } }
                        }
                    }
                    h2 #overview { "Overview" }
                    table {
                        tr { @for head in OVERVIEW_HEADER { th { (head) } } }
                        tr { @for cell in figures::overview_cells(o) { td { (cell) } } }
                    }
                    @if !o.events_without_theme.is_empty() {
                        p { "Events with no unit in a theme: " (o.events_without_theme.iter().map(|e| figures::event_title(ins, e)).collect::<Vec<_>>().join(", ")) "." }
                    }
                    h2 #heatmap { "Themes across events" }
                    p { "How prevalent each theme is: the mean over events of its share of an event's units, with a 95% interval from how much the events differ (whiskers)." }
                    figure.chart role="img" aria-label="Bars of each theme's prevalence with intervals; the table below holds the same numbers" {
                        (PreEscaped(prevalence_svg))
                    }
                    details {
                        summary { "Data table: prevalence" }
                        div.chart {
                            table {
                                thead { tr { th { "theme" } th { "prevalence" } th { "95% interval" } th { "raised in" } } }
                                @for t in &ins.themes {
                                    tr {
                                        td { (t.label) }
                                        td { (format!("{:.1}%", 100.0 * t.pooled_prevalence)) }
                                        td { (t.pooled_interval.map_or(String::new(), |[l, h]| format!("{:.1}–{:.1}%", 100.0 * l, 100.0 * h))) }
                                        td { (t.events) " of " (t.of_events) " events" }
                                    }
                                }
                            }
                        }
                    }
                    p { "Each cell is the theme's share of that event's units." }
                    // one figure per panel, so print keeps each on one sheet
                    @for panel in &charts.heat_panels {
                        figure.chart role="img" aria-label="Heatmap of theme prevalence per event; the table below holds the same numbers" {
                            (PreEscaped(&panel.svg))
                        }
                    }
                    (breakdown_table(ins, "event", &figures::event_columns(ins), |t| &t.by_event))
                    (frames(ins, frames_svg))
                    @if !ins.findings.is_empty() { (findings(ins)) }
                    (contrasts(ins))
                    (themes(ins, quotes))
                    (agenda(ins, timeline_svg))
                    (scales(ins, &charts.scales))
                    (statements(ins, groups_svg))
                    h2 #sources { "Data sources" }
                    ul {
                        @for s in sources {
                            li {
                                (s.events.len()) " (" (s.events.join(", ")) "): " (s.licence)
                                @if !s.attribution.is_empty() { ". " (s.attribution) }
                            }
                        }
                    }
                    h2 #method { "Method" }
                    p {
                        "Themes from " code { "chorus themes" } "; a theme's prevalence in an event is its share of the event's units, pooled as the mean over events; quotes are verbatim and checked against the corpus; "
                        (prose::disclosure_note(ins.k, quotes.withheld)) " " (prose::counting_note()) " " (prose::parameters_note(ins))
                    }
                }
            }
        }
    };
    page.into_string() + "\n"
}

#[cfg(test)]
mod tests {
    #[test]
    fn participant_text_is_inert() {
        let label = "<img src=x onerror=\"alert(1)\"> & 'q'";
        let shown = maud::html! { td { (label) } }.into_string();
        assert_eq!(
            shown,
            "<td>&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; 'q'</td>"
        );
    }
}
