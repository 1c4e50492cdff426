//! The server's HTML pages: plain forms and links (no script), rendered with maud, which escapes
//! every value it is given.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::data::{frame_words, Comparison, Context, ThemeView, UnitRow};
use super::{ApiError, App};
use chorus_core::model::Facet;
use chorus_core::text::place;
use chorus_index::search::{Hit, SearchResponse, Snippet, MAX_DEPTH, MAX_QUERY_CHARS};
use chorus_insights::Cell;

/// Where the server gives the bundled CJK font (see `lib.rs`).
pub(crate) const CJK_FONT_URL: &str = "/fonts/wqy-microhei.ttf";

const CSS: &str = "body{font:16px/1.5 \"WenQuanYi Micro Hei\",system-ui,sans-serif;margin:0 auto;max-width:62rem;padding:1rem;color:#222}
nav a{margin-right:1rem}form{margin:1rem 0;display:flex;flex-wrap:wrap;gap:.5rem}input[type=search]{flex:1 1 20rem;font-size:1rem;padding:.3rem}
mark{background:#ffe08a}.hit{margin:1rem 0;padding-bottom:.5rem;border-bottom:1px solid #eee}.meta{font-size:.85rem;color:#555}
.facets{font-size:.85rem}.facets a{margin-right:.6rem}blockquote{margin:.6rem 0;padding:.4rem .8rem;border-left:4px solid #0072B2;background:#f5f8fb}
.focus{background:#fff6d5;border-left-color:#D55E00}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.2rem .45rem;text-align:right}
th:first-child,td:first-child{text-align:left}.error{color:#a00}
.filters{font-size:.9rem}.chip{display:inline-block;background:#eef3f8;border:1px solid #c9d6e3;border-radius:1rem;padding:0 .5rem;margin:.1rem .2rem}.chip a{text-decoration:none;margin-left:.2rem}
.review section{border-top:1px solid #ddd;padding:.5rem 0}.review form{margin:.3rem 1rem .3rem 0;display:inline-flex;flex-wrap:wrap;gap:.3rem;align-items:center}.review blockquote{font-size:.9rem;margin:.3rem 0}.review input[type=text]{width:14rem;max-width:100%}
.ok{color:#060}table.bars td{border:0;padding:.1rem .4rem}td.cmp{text-align:left;white-space:nowrap}td.cmp .bar{vertical-align:middle}.barcell{width:50%;min-width:6rem;text-align:left}.bar{display:inline-block;height:.8rem;background:#0072B2}.badge{font-size:.8rem;background:#e6f4ea;border:1px solid #9c9;border-radius:.6rem;padding:0 .4rem}.wide{overflow-x:auto}";

fn layout(app: &App, title: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang=(chorus_core::text::PAGE_LANG) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; font-src 'self'; form-action 'self'";
                title { (title) " · chorus" }
                style { (PreEscaped(chorus_report::cjk_font_face(CJK_FONT_URL))) (PreEscaped(CSS)) }
            }
            body {
                nav {
                    a href="/" { "Search" }
                    a href="/themes" { "Themes" }
                    a href="/compare" { "Compare events" }
                    a href="/agenda" { "Agendas" }
                    @if app.report.is_some() { a href="/report/" { "Report" } }
                    @if app.reviewing { a href="/review" { "Review" } }
                }
                main { (body) }
            }
        }
    }
    .into_string()
}

/// A snippet with its highlights in `<mark>`.
fn snippet(s: &Snippet) -> Markup {
    let mut pieces: Vec<(&str, bool)> = Vec::new();
    let mut at = 0;
    for &(a, b) in &s.highlights {
        if a < at
            || b > s.fragment.len()
            || !s.fragment.is_char_boundary(a)
            || !s.fragment.is_char_boundary(b)
        {
            continue;
        }
        pieces.push((&s.fragment[at..a], false));
        pieces.push((&s.fragment[a..b], true));
        at = b;
    }
    pieces.push((&s.fragment[at..], false));
    html! {
        @for (text, marked) in pieces {
            @if marked { mark { (text) } } @else { (text) }
        }
    }
}

/// An id as one URL path segment.
fn seg(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A query string from pairs.
fn query(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()))
        .finish()
}

/// ` · 00:12:05` or ` · line 12`, or nothing.
fn at_place(line: Option<u64>, start_ms: Option<i64>) -> Markup {
    let p = place(line, start_ms);
    html! { @if !p.is_empty() { " · " (p) } }
}

fn hit(h: &Hit, app: &App) -> Markup {
    let theme = h
        .theme
        .as_ref()
        .and_then(|t| app.data.themes.iter().find(|x| &x.id == t || &x.label == t));
    html! {
        div.hit {
            div { (snippet(&h.snippet)) }
            div.meta {
                (app.data.event_title(&h.event)) " · " (h.participant.as_deref().unwrap_or("-"))
                (at_place(h.line, h.start_ms))
                @if let Some(t) = theme {
                    // a subtheme under its theme, as the theme facet lists them
                    @let parent = t.parent.as_ref().and_then(|p| app.data.themes.iter().find(|x| &x.id == p));
                    " · theme "
                    @if let Some(p) = parent {
                        a href={ "/themes/" (p.id) } { (p.label) } " › "
                    }
                    a href={ "/themes/" (t.id) } { (t.label) }
                }
                " · " a href={ "/units/" (seg(&h.unit_id)) } { "in context" }
            }
            // what was asked, when the unit answers a question (the hit carries its text)
            @if let Some(q) = h.question.as_deref() {
                div.meta.asked {
                    "answering: " (app.data.questions.get(q).map_or(q, String::as_str))
                    @if let Some(f) = &h.frame { " (" (frame_words(f)) ")" }
                }
            }
        }
    }
}

fn results(app: &App, pairs: &[(String, String)], r: &SearchResponse) -> Markup {
    let without_offset = || -> Vec<(String, String)> {
        pairs
            .iter()
            .filter(|(k, _)| k != "offset")
            .cloned()
            .collect()
    };
    let page = |offset: usize, label: &str| {
        let mut p = without_offset();
        p.push(("offset".into(), offset.to_string()));
        html! { a href={ "/?" (query(&p)) } { (label) } " " }
    };
    html! {
        p #total {
            (r.total_phrase(false)) "; " ((r.offset + 1).min(r.total)) "–"
            ((r.offset + r.hits.len()).min(r.total)) " shown. Export these: "
            a #export-csv href={ "/api/search.csv?" (query(pairs)) } { "CSV" } " · "
            a #export-json href={ "/api/search?" (query(pairs)) } { "JSON" }
        }
        div.facets {
            @for (name, counts) in &r.facets {
                @if !counts.is_empty() {
                    div {
                        strong { (name) } ": "
                        @for c in counts.iter().take(12) {
                            @let p = {
                                let mut p = without_offset();
                                p.push((name.clone(), c.value.clone()));
                                p
                            };
                            a href={ "/?" (query(&p)) } {
                                (app.data.facet_name(name, &c.value)) " (" (c.count) ")"
                            }
                        }
                    }
                }
            }
        }
        @for h in &r.hits { (hit(h, app)) }
        p {
            @if r.offset > 0 { (page(r.offset.saturating_sub(r.limit), "← previous")) }
            @if r.offset + r.limit < r.total.min(MAX_DEPTH) { (page(r.offset + r.limit, "next →")) }
        }
    }
}

pub fn search(
    app: &App,
    pairs: &[(String, String)],
    result: Option<&Result<SearchResponse, ApiError>>,
) -> String {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let modes = [
        ("lexical", "words"),
        ("semantic", "meaning"),
        ("hybrid", "both"),
    ];
    let body = html! {
        h1 { "Search the theme index" }
        form method="get" action="/" role="search" {
            input type="search" name="q" value=(get("q")) placeholder="words, “a phrase”, or *"
                aria-label="query" maxlength=(MAX_QUERY_CHARS);
            select name="mode" aria-label="ranking" {
                @for (v, label) in modes {
                    @if v == "lexical" || app.data.semantic.is_some() {
                        option value=(v) selected[get("mode") == v] { (label) }
                    }
                }
            }
            select name="event" aria-label="event" {
                option value="" { "every event" }
                @for e in &app.data.events {
                    option value=(e.id) selected[get("event") == e.id] { (app.data.event_title(&e.id)) }
                }
            }
            // filters other than the event travel as hidden fields
            @for (k, v) in pairs {
                @if Facet::parse(k).is_some_and(|f| f.filterable() && f != Facet::Event) {
                    input type="hidden" name=(k) value=(v);
                }
            }
            button type="submit" { "Search" }
        }
        (active_filters(app, pairs))
        @match result {
            None => p {
                (app.data.events.len()) " events, " (app.data.theme_list().len()) " themes. Try "
                a href="/?q=*" { "every unit" } " or browse the " a href="/themes" { "themes" } "."
            },
            Some(Err(e)) => p.error role="alert" { (e.message) },
            Some(Ok(r)) => (results(app, pairs, r)),
        }
    };
    layout(app, "Search", body)
}

/// The filters in force, each a chip that removes it, and a link that clears them all: a filter
/// a facet link added is never hidden.
fn active_filters(app: &App, pairs: &[(String, String)]) -> Markup {
    let active: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(k, v)| !v.is_empty() && Facet::parse(k).is_some_and(|f| f.filterable()))
        .collect();
    let without = |drop: &(String, String)| -> Vec<(String, String)> {
        pairs
            .iter()
            .filter(|p| *p != drop && p.0 != "offset")
            .cloned()
            .collect()
    };
    let kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k == "q" || k == "mode")
        .cloned()
        .collect();
    html! {
        @if !active.is_empty() {
            p.filters aria-label="active filters" {
                "Filtered by: "
                @for p in &active {
                    span.chip {
                        (p.0) ": " (app.data.facet_name(&p.0, &p.1)) " "
                        a href={ "/?" (query(&without(p))) } aria-label={ "remove the " (p.0) " filter" } { "×" }
                    }
                    " "
                }
                a href={ "/?" (query(&kept)) } { "clear all" }
            }
        }
    }
}

pub fn themes(app: &App) -> String {
    let body = html! {
        h1 { "Themes" }
        table {
            tr { th { "theme" } th { "units" } th { "events" } th { "keywords" } }
            @for t in app.data.theme_list() {
                tr {
                    td {
                        a href={ "/themes/" (t.id) } { (t.label) }
                        @if app.data.reviewed.contains(&t.id) { " " span.badge { "reviewed" } }
                    }
                    td { (t.size) }
                    td { (t.events) }
                    td { (t.keywords.join(", ")) }
                }
            }
        }
        @if app.data.themes.is_empty() {
            p { "No themes yet: run " code { "chorus themes" } "." }
        }
    };
    layout(app, "Themes", body)
}

/// Each event's topic segments in order; a segment opens at its first line in the transcript.
pub fn agenda(app: &App) -> String {
    use chorus_core::text::format_ms;
    let body = html! {
        h1 { "Agendas" }
        p { "What each event discussed, in order: the topic segments of its transcript. A segment opens where it starts in the transcript." }
        @if app.data.agenda().is_empty() {
            p { "No transcript segments: the workspace has no transcripts, or " code { "chorus themes" } " has not run." }
        }
        @for a in app.data.agenda() {
            h2 { (app.data.event_title(&a.event_id)) }
            table {
                tr { th { "#" } th { "span" } th { "segment" } th { "theme" } th { "quote" } }
                @for item in &a.segments {
                    @let s = &item.segment;
                    tr id=(seg(&s.segment_id)) {
                        td { (s.position) }
                        td {
                            @match (s.start_ms, s.end_ms) {
                                (Some(x), Some(y)) => { (format_ms(x)) "–" (format_ms(y)) }
                                _ => { "lines " (s.first_line) "–" (s.last_line) }
                            }
                        }
                        td { a href={ "/units/" (s.first_unit) "?around=3" } { (s.title) } }
                        td {
                            @match (&s.theme_id, &item.theme_label) {
                                (Some(id), Some(label)) => { a href={ "/themes/" (id) } { (label) } }
                                _ => { "—" }
                            }
                        }
                        td { (s.quote.as_deref().unwrap_or("")) }
                    }
                }
            }
        }
    };
    layout(app, "Agendas", body)
}

pub fn theme(app: &App, v: &ThemeView) -> String {
    let t = &v.theme;
    let search = query(&[
        ("q".into(), "*".into()),
        (
            "theme".into(),
            t.parent.clone().unwrap_or_else(|| t.id.clone()),
        ),
    ]);
    let body = html! {
        @if let Some(p) = &v.parent {
            p { a href={ "/themes/" (p.id) } { "↑ " (p.label) } }
        }
        h1 {
            span lang=[chorus_core::text::foreign(&t.lang)] { (t.label) }
            @if app.data.reviewed.contains(&t.id) { " " span.badge { "reviewed" } }
        }
        p.meta {
            (t.id) " · " (t.size) " units in " (t.events) " events · keywords: " (t.keywords.join(", "))
        }
        @if let Some(other) = chorus_core::text::other_languages(&t.other_keywords) {
            p.meta { (other) }
        }
        p {
            a href={ "/?" (search) } { "Search this theme's units" }
            @if app.report.is_some() && t.parent.is_none() {
                " · " a href={ "/report/#" (t.id) } { "in the report" }
            }
        }
        @if let Some((ins, ti)) = app.data.insights.as_ref().and_then(|i| i.themes.iter().find(|x| x.id == t.id).map(|x| (i, x))) {
            p { (chorus_report::prose::theme_summary(ti, ins)) }
            @if !ti.key_points.is_empty() {
                h2 { "Key points" }
                ul {
                    @for kp in &ti.key_points {
                        li {
                            @if kp.withheld { em { "Words withheld (an event with fewer than " (ins.k) " participants)." } }
                            @else { "“" (kp.text) "” " a href={ "/units/" (seg(&kp.unit_id)) } { "in its source" } }
                            " " span.meta { (chorus_report::prose::key_point_support(kp)) }
                        }
                    }
                }
            }
            @let by_event = by_event_sorted(app, &ti.by_event);
            h2 { "Share of each event's units" }
            (bars(&by_event, ins.k))
            @if !ti.by_frame.is_empty() {
                h2 { "Share of the answers to each kind of question" }
                (bars(&ti.by_frame.iter().map(|(f, c)| (frame_words(f), c)).collect::<Vec<_>>(), ins.k))
            }
        }
        @if !v.subthemes.is_empty() {
            h2 { "Subthemes" }
            ul {
                @for s in &v.subthemes {
                    li { a href={ "/themes/" (s.id) } { (s.label) } " (" (s.size) " units)" }
                }
            }
        }
        h2 { "Quotes" }
        @for q in &v.quotes {
            blockquote.quote {
                p { (q.text) }
                footer.meta {
                    (app.data.event_title(&q.event)) " · " a href={ "/units/" (seg(&q.unit_id)) } { "in its source" }
                    @if let Some(asked) = app.data.question_of(&q.unit_id) {
                        br; "answering: " (asked)
                    }
                }
            }
        }
    };
    layout(app, &t.label, body)
}

/// A unit as a quote block; an answer to another question than the focused one names it.
fn unit_block(app: &App, u: &UnitRow, focus: bool, question: Option<&str>) -> Markup {
    let own = u.question.as_ref().and_then(|q| app.data.questions.get(q));
    html! {
        @if let Some(q) = own.filter(|q| Some(q.as_str()) != question) {
            p.meta { "Question: " em { (q) } }
        }
        blockquote.focus[focus] id=[focus.then_some("unit")] {
            p { (u.text) }
            footer.meta {
                (u.participant.as_deref().unwrap_or("-"))
                (at_place(u.line, u.start_ms))
            }
        }
    }
}

/// A theme's cells by event, titled, largest share first (withheld last).
fn by_event_sorted<'a>(
    app: &App,
    cells: &'a std::collections::BTreeMap<String, Cell>,
) -> Vec<(String, &'a Cell)> {
    let mut rows: Vec<(String, &Cell)> = cells
        .iter()
        .map(|(e, c)| (app.data.event_title(e), c))
        .collect();
    rows.sort_by(|a, b| {
        let v = |c: &Cell| c.value.unwrap_or(-1.0);
        v(b.1).total_cmp(&v(a.1)).then(a.0.cmp(&b.0))
    });
    rows
}

/// Small horizontal bars, one row per (label, cell), widths relative to the largest value;
/// a withheld cell says so instead of a bar.
fn bars(rows: &[(String, &Cell)], k: usize) -> Markup {
    let max = rows
        .iter()
        .filter_map(|(_, c)| c.value)
        .fold(0.0f64, f64::max)
        .max(1e-9);
    html! {
        div.wide {
            table.bars {
                @for (label, c) in rows {
                    tr {
                        td { (label) }
                        @match c.value {
                            Some(v) => {
                                td.pct { (chorus_report::prose::pct(v)) }
                                td.barcell { span.bar style={ "width:" (format!("{:.1}", 100.0 * v / max)) "%" } {} }
                            }
                            None => { td.pct { "—" } td.meta { "withheld: fewer than " (k) " participants" } }
                        }
                    }
                }
            }
        }
    }
}

pub fn unit(app: &App, c: &Context) -> String {
    let question = c.question.as_deref();
    let body = html! {
        h1 { "In context" }
        p.meta { (app.data.event_title(&c.unit.event)) " · source " (c.unit.source.as_deref().unwrap_or("-")) }
        @if let Some(q) = question {
            p {
                "Question: " em { (q) }
                @if let Some(f) = &c.frame { " (" (frame_words(f)) ")" }
            }
        }
        @if let Some(v) = &c.votes {
            p {
                (v.votes) " votes: " (chorus_report::prose::pct(v.agree)) " agree, "
                (chorus_report::prose::pct(v.disagree)) " disagree, "
                (chorus_report::prose::pct((1.0 - v.agree - v.disagree).max(0.0))) " pass."
            }
            @if !v.groups.is_empty() {
                p.meta { "Agree, by opinion group (groups of fewer voters than the report shows are left out):" }
                table {
                    tr { th { "opinion group" } th { "agree" } }
                    @for (g, a) in &v.groups { tr { td { (g) } td { (chorus_report::prose::pct(*a)) } } }
                }
            }
        }
        @if let Some(d) = &c.discussion {
            p {
                "Said in the discussion " a href={ "/agenda#" (seg(&d.segment.segment_id)) } { "“" (d.segment.title) "”" }
                " (part " (d.segment.position) " of its transcript)"
                @if let (Some(id), Some(label)) = (&d.segment.theme_id, &d.theme_label) {
                    ", theme " a href={ "/themes/" (seg(id)) } { (label) }
                }
                "."
            }
        }
        @if !c.before.is_empty() || !c.after.is_empty() {
            p.meta {
                @if question.is_some() { "The same person's other answers around it:" }
                @else { "The turns around it:" }
            }
        }
        @for u in &c.before { (unit_block(app, u, false, question)) }
        (unit_block(app, &c.unit, true, question))
        @for u in &c.after { (unit_block(app, u, false, question)) }
    };
    layout(app, "In context", body)
}

/// A compared cell: its share and a bar scaled to the row's largest, or why it is empty.
fn compared_cell(c: &Option<Cell>, max: f64) -> Markup {
    html! {
        @match c {
            Some(c) if c.suppressed => { span.meta { "withheld" } }
            Some(Cell { value: Some(v), .. }) => {
                (chorus_report::prose::pct(*v)) " "
                span.bar style={ "width:" (format!("{:.1}", 4.0 * v / max.max(1e-9))) "rem" } {}
            }
            _ => { span.meta { "—" } }
        }
    }
}

pub fn compare(app: &App, c: &Comparison) -> String {
    let k = app.data.insights.as_ref().map_or(5, |i| i.k);
    let body = html! {
        h1 { "Compare events" }
        form method="get" action="/compare" {
            label {
                "Events (two to " (crate::data::MAX_COMPARED) "; hold Ctrl or ⌘ to choose several) "
                select name="e" multiple size="6" {
                    @for e in &app.data.events {
                        option value=(e.id) selected[c.events.contains(&e.id)] { (app.data.event_title(&e.id)) }
                    }
                }
            }
            button type="submit" { "Compare" }
        }
        div.wide {
            table.compare {
                tr {
                    th { "theme" }
                    @for e in &c.events { th { (app.data.event_title(e)) } }
                }
                @for t in &c.themes {
                    @let max = t.cells.iter().flatten().filter_map(|x| x.value).fold(0.0f64, f64::max);
                    tr {
                        td { a href={ "/themes/" (t.theme) } { (t.label) } }
                        @for cell in &t.cells { td.cmp { (compared_cell(cell, max)) } }
                    }
                }
            }
        }
        p.meta {
            "Each cell is the theme's share of the event's units, its bar scaled to the largest in its row; cells resting on fewer than "
            (k) " participants are withheld."
        }
        @for ((e, list), quotes) in c.events.iter().zip(&c.distinctive).zip(&c.quotes) {
            h2 { (app.data.event_title(e)) }
            @if !list.is_empty() {
                p { "What sets it apart:" }
                ul {
                    @for d in list {
                        li {
                            a href={ "/themes/" (d.theme) } { (d.label) } ": "
                            (chorus_report::prose::pct(d.share)) " of its units in themes, " (chorus_report::prose::pct(d.rest_share)) " of the other events'"
                            span.meta { (format!(" (z = {:.1})", d.z)) }
                        }
                    }
                }
            }
            @for q in quotes {
                blockquote {
                    p { (q.text) }
                    footer.meta { a href={ "/units/" (seg(&q.unit_id)) } { "in its source" } }
                }
            }
        }
    };
    layout(app, "Compare events", body)
}

pub fn error(app: &App, e: &ApiError) -> String {
    let body = html! {
        h1 { (e.status.as_u16()) }
        p.error { (e.message) }
    };
    layout(app, "Not found", body)
}

/// The review page: every theme with its edits (rename, merge, split, pin a quote, sign off), a
/// seed form, the rerun's state and the audit log's last entries. Each form carries the token
/// and the codebook's version, so an edit made on an older page is refused, not lost.
pub fn review(app: &App, r: &crate::review::Review, done: Option<&str>) -> String {
    let version = chorus_themes::codebook_edit::version(&r.codebook);
    let book = chorus_themes::codebook::read(&r.codebook).unwrap_or_default();
    let state = r.rerun.state();
    let themes = app.data.theme_list();
    let hidden = |action: &str| {
        html! {
            input type="hidden" name="token" value=(r.token);
            input type="hidden" name="version" value=(version);
            input type="hidden" name="action" value=(action);
        }
    };
    let body = html! {
        h1 { "Review themes" }
        p.meta {
            "Each change is written to the codebook (" code { (r.codebook.display()) } ") and the audit log ("
            code { (r.audit.display()) } "), then the themes, index and report are rebuilt in the background; "
            "this page shows the new themes once they are ready. Reviewer: " (r.reviewer)
            @if r.reviewer == "unknown" { " (start the server with " code { "--reviewer NAME" } " to record who)" }
            "."
        }
        @if let Some(d) = done { p.ok { (d) } }
        p {
            @if state.running || state.pending { "Rebuilding the themes… reload this page in a moment." }
            @else if let Some(last) = &state.last {
                @if last.ok { span.ok { "Rebuilt at " (last.finished) ": " (last.message) "." } }
                @else { span.error { "The rebuild at " (last.finished) " failed: " (last.message) } }
            }
        }
        div.review {
            @for t in &themes {
                @let edit = book.edit(&t.id);
                section id=(t.id) {
                    h2 {
                        a href={ "/themes/" (t.id) } { (t.label) }
                        " " @if edit.is_some_and(|e| e.reviewed) { span.badge { "reviewed" } }
                    }
                    p.meta { (t.id) " · " (t.size) " units in " (t.events) " events · " (t.keywords.join(", ")) }
                    @for q in app.data.quotes.iter().filter(|q| q.theme == t.id).take(2) {
                        blockquote { (q.text) " " span.meta { "(" (app.data.event_title(&q.event)) ", " code { (q.unit_id) } ")" } }
                    }
                    form method="post" action="/review" {
                        (hidden("rename")) input type="hidden" name="theme" value=(t.id);
                        label { "Rename " input type="text" name="label" value=(t.label) required; }
                        button { "Save" }
                    }
                    form method="post" action="/review" {
                        (hidden("merge")) input type="hidden" name="theme" value=(t.id);
                        label { "Merge into "
                            select name="into" {
                                @for o in themes.iter().filter(|o| o.id != t.id) {
                                    option value=(o.id) { (o.label) " (" (o.id) ")" }
                                }
                            }
                        }
                        button { "Merge" }
                    }
                    form method="post" action="/review" {
                        (hidden("split")) input type="hidden" name="theme" value=(t.id);
                        label { "Split into " input type="number" name="parts" min="2" max="10" value="2"; }
                        button { "Split" }
                    }
                    form method="post" action="/review" {
                        (hidden("pin_quote")) input type="hidden" name="theme" value=(t.id);
                        label { "Quote first: unit " input type="text" name="unit" placeholder="event/file.csv#L12.q1" required; }
                        button { "Pin" }
                    }
                    form method="post" action="/review" {
                        (hidden("review")) input type="hidden" name="theme" value=(t.id);
                        @if edit.is_some_and(|e| e.reviewed) {
                            input type="hidden" name="reviewed" value="false";
                            button { "Mark not reviewed" }
                        } @else {
                            input type="hidden" name="reviewed" value="true";
                            button { "Mark reviewed" }
                        }
                    }
                }
            }
            section {
                h2 { "A theme you expect" }
                form method="post" action="/review" {
                    (hidden("seed"))
                    label { "Label " input type="text" name="label" required; }
                    label { "Examples, one per line " textarea name="examples" rows="3" cols="40" required {} }
                    button { "Add seed" }
                }
            }
        }
        h2 { "Audit log" }
        @let recent = r.recent(20);
        @if recent.is_empty() { p { "No review actions yet." } }
        @else {
            div.wide {
                table {
                    tr { th { "when (UTC)" } th { "who" } th { "action" } th { "before" } th { "after" } }
                    @for e in &recent {
                        tr {
                            td { (e.at) } td { (e.who) }
                            td { (e.action.get("action").and_then(|a| a.as_str()).unwrap_or("")) " "
                                 (e.action.get("theme").or(e.action.get("label")).and_then(|a| a.as_str()).unwrap_or("")) }
                            td { pre { (e.before) } } td { pre { (e.after) } }
                        }
                    }
                }
            }
        }
    };
    layout(app, "Review themes", body)
}
