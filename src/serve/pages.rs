//! The server's HTML pages: plain forms and links (no script), every text escaped.

use std::fmt::Write as _;

use super::data::{Comparison, Context, ThemeView, UnitRow};
use super::{ApiError, App};
use crate::index::search::{Hit, SearchResponse, Snippet};
use crate::insights::Cell;
use crate::report::html::esc;
use crate::report::place;

const CSS: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:62rem;padding:1rem;color:#222}
nav a{margin-right:1rem}form{margin:1rem 0;display:flex;flex-wrap:wrap;gap:.5rem}input[type=search]{flex:1 1 20rem;font-size:1rem;padding:.3rem}
mark{background:#ffe08a}.hit{margin:1rem 0;padding-bottom:.5rem;border-bottom:1px solid #eee}.meta{font-size:.85rem;color:#555}
.facets{font-size:.85rem}.facets a{margin-right:.6rem}blockquote{margin:.6rem 0;padding:.4rem .8rem;border-left:4px solid #0072B2;background:#f5f8fb}
.focus{background:#fff6d5;border-left-color:#D55E00}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.2rem .45rem;text-align:right}
th:first-child,td:first-child{text-align:left}.error{color:#a00}";

fn layout(app: &App, title: &str, body: &str) -> String {
    let report = if app.report.is_some() {
        "<a href=\"/report/\">Report</a>"
    } else {
        ""
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'\">\
         <title>{} · chorus</title><style>{CSS}</style></head><body><nav><a href=\"/\">Search</a><a href=\"/themes\">Themes</a><a href=\"/compare\">Compare events</a>{report}</nav><main>{body}</main></body></html>",
        esc(title)
    )
}

/// A snippet with its highlights in `<mark>`.
fn snippet(s: &Snippet) -> String {
    let mut out = String::new();
    let mut at = 0;
    for &(a, b) in &s.highlights {
        if a < at
            || b > s.fragment.len()
            || !s.fragment.is_char_boundary(a)
            || !s.fragment.is_char_boundary(b)
        {
            continue;
        }
        out.push_str(&esc(&s.fragment[at..a]));
        let _ = write!(out, "<mark>{}</mark>", esc(&s.fragment[a..b]));
        at = b;
    }
    out.push_str(&esc(&s.fragment[at..]));
    out
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

fn hit(h: &Hit, app: &App) -> String {
    let theme = h
        .theme
        .as_ref()
        .and_then(|t| app.data.themes.iter().find(|x| &x.id == t || &x.label == t))
        .map(|t| {
            format!(
                " · theme <a href=\"/themes/{}\">{}</a>",
                esc(&t.id),
                esc(&t.label)
            )
        })
        .unwrap_or_default();
    format!(
        "<div class=\"hit\"><div>{}</div><div class=\"meta\">{} · {}{}{} · <a href=\"/units/{}\">in context</a></div></div>",
        snippet(&h.snippet),
        esc(&h.event),
        esc(h.participant.as_deref().unwrap_or("-")),
        match place(h.line, h.start_ms) {
            p if p.is_empty() => String::new(),
            p => format!(" · {p}"),
        },
        theme,
        seg(&h.unit_id)
    )
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
    let mut b = String::from("<h1>Search the theme index</h1>");
    let _ = write!(
        b,
        "<form method=\"get\" action=\"/\" role=\"search\"><input type=\"search\" name=\"q\" value=\"{}\" placeholder=\"words, \\\"a phrase\\\", or *\" aria-label=\"query\" maxlength=\"{}\">",
        esc(get("q")),
        crate::index::search::MAX_QUERY_CHARS
    );
    b.push_str("<select name=\"mode\" aria-label=\"ranking\">");
    for (v, label) in [
        ("lexical", "words"),
        ("semantic", "meaning"),
        ("hybrid", "both"),
    ] {
        let sel = if get("mode") == v { " selected" } else { "" };
        if v != "lexical" && app.data.semantic.is_none() {
            continue;
        }
        let _ = write!(b, "<option value=\"{v}\"{sel}>{label}</option>");
    }
    b.push_str("</select><select name=\"event\" aria-label=\"event\"><option value=\"\">every event</option>");
    for e in &app.data.events {
        let sel = if get("event") == e.id {
            " selected"
        } else {
            ""
        };
        let _ = write!(b, "<option value=\"{0}\"{sel}>{0}</option>", esc(&e.id));
    }
    b.push_str("</select>");
    // filters other than the event travel as hidden fields
    for (k, v) in pairs {
        if super::FILTERS.contains(&k.as_str()) && k != "event" {
            let _ = write!(
                b,
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                esc(k),
                esc(v)
            );
        }
    }
    b.push_str("<button type=\"submit\">Search</button></form>");
    match result {
        None => {
            let _ = write!(
                b,
                "<p>{} events, {} themes. Try <a href=\"/?q=*\">every unit</a> or browse the <a href=\"/themes\">themes</a>.</p>",
                app.data.events.len(),
                app.data.theme_list().len()
            );
        }
        Some(Err(e)) => {
            let _ = write!(
                b,
                "<p class=\"error\" role=\"alert\">{}</p>",
                esc(&e.message)
            );
        }
        Some(Ok(r)) => {
            let _ = write!(
                b,
                "<p id=\"total\">{} units match; {}–{} shown.</p>",
                r.total,
                (r.offset + 1).min(r.total),
                (r.offset + r.hits.len()).min(r.total)
            );
            b.push_str("<div class=\"facets\">");
            for (name, counts) in &r.facets {
                if counts.is_empty() {
                    continue;
                }
                let _ = write!(b, "<div><strong>{}</strong>: ", esc(name));
                for c in counts.iter().take(12) {
                    let mut p: Vec<(String, String)> = pairs
                        .iter()
                        .filter(|(k, _)| k != "offset")
                        .cloned()
                        .collect();
                    p.push((name.clone(), c.value.clone()));
                    let _ = write!(
                        b,
                        "<a href=\"/?{}\">{} ({})</a>",
                        esc(&query(&p)),
                        esc(app.data.theme_name(name, &c.value)),
                        c.count
                    );
                }
                b.push_str("</div>");
            }
            b.push_str("</div>");
            for h in &r.hits {
                b.push_str(&hit(h, app));
            }
            let page = |offset: usize, label: &str| {
                let mut p: Vec<(String, String)> = pairs
                    .iter()
                    .filter(|(k, _)| k != "offset")
                    .cloned()
                    .collect();
                p.push(("offset".into(), offset.to_string()));
                format!("<a href=\"/?{}\">{label}</a> ", esc(&query(&p)))
            };
            b.push_str("<p>");
            if r.offset > 0 {
                b.push_str(&page(r.offset.saturating_sub(r.limit), "← previous"));
            }
            if r.offset + r.limit < r.total.min(crate::index::search::MAX_DEPTH) {
                b.push_str(&page(r.offset + r.limit, "next →"));
            }
            b.push_str("</p>");
        }
    }
    layout(app, "Search", &b)
}

pub fn themes(app: &App) -> String {
    let mut b = String::from("<h1>Themes</h1><table><tr><th>theme</th><th>units</th><th>events</th><th>keywords</th></tr>");
    for t in app.data.theme_list() {
        let _ = write!(
            b,
            "<tr><td><a href=\"/themes/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&t.id),
            esc(&t.label),
            t.size,
            t.events,
            esc(&t.keywords.join(", "))
        );
    }
    b.push_str("</table>");
    if app.data.themes.is_empty() {
        b.push_str("<p>No themes yet: run <code>chorus themes</code>.</p>");
    }
    layout(app, "Themes", &b)
}

pub fn theme(app: &App, v: &ThemeView) -> String {
    let t = &v.theme;
    let mut b = String::new();
    if let Some(p) = &v.parent {
        let _ = write!(
            b,
            "<p><a href=\"/themes/{}\">↑ {}</a></p>",
            esc(&p.id),
            esc(&p.label)
        );
    }
    let _ = write!(
        b,
        "<h1>{}</h1><p class=\"meta\">{} · {} units in {} events · keywords: {}</p>",
        esc(&t.label),
        esc(&t.id),
        t.size,
        t.events,
        esc(&t.keywords.join(", "))
    );
    let _ = write!(
        b,
        "<p><a href=\"/?{}\">Search this theme's units</a>{}</p>",
        esc(&query(&[
            ("q".into(), "*".into()),
            (
                "theme".into(),
                t.parent.clone().unwrap_or_else(|| t.id.clone())
            )
        ])),
        if app.report.is_some() && t.parent.is_none() {
            format!(" · <a href=\"/report/#{}\">in the report</a>", esc(&t.id))
        } else {
            String::new()
        }
    );
    if !v.subthemes.is_empty() {
        b.push_str("<h2>Subthemes</h2><ul>");
        for s in &v.subthemes {
            let _ = write!(
                b,
                "<li><a href=\"/themes/{}\">{}</a> ({} units)</li>",
                esc(&s.id),
                esc(&s.label),
                s.size
            );
        }
        b.push_str("</ul>");
    }
    b.push_str("<h2>Quotes</h2>");
    for q in &v.quotes {
        let _ = write!(
            b,
            "<blockquote class=\"quote\"><p>{}</p><footer class=\"meta\">{} · <a href=\"/units/{}\">in its source</a></footer></blockquote>",
            esc(&q.text),
            esc(&q.event),
            seg(&q.unit_id)
        );
    }
    layout(app, &t.label, &b)
}

fn unit_block(u: &UnitRow, focus: bool) -> String {
    format!(
        "<blockquote{}><p>{}</p><footer class=\"meta\">{}{}</footer></blockquote>",
        if focus {
            " class=\"focus\" id=\"unit\""
        } else {
            ""
        },
        esc(&u.text),
        esc(u.participant.as_deref().unwrap_or("-")),
        match place(u.line, u.start_ms) {
            p if p.is_empty() => String::new(),
            p => format!(" · {p}"),
        }
    )
}

pub fn unit(app: &App, c: &Context) -> String {
    let mut b = format!(
        "<h1>In context</h1><p class=\"meta\">event {} · source {}</p>",
        esc(&c.unit.event),
        esc(c.unit.source.as_deref().unwrap_or("-"))
    );
    if let Some(q) = &c.question {
        let _ = write!(b, "<p>Question: <em>{}</em></p>", esc(q));
    }
    for u in &c.before {
        b.push_str(&unit_block(u, false));
    }
    b.push_str(&unit_block(&c.unit, true));
    for u in &c.after {
        b.push_str(&unit_block(u, false));
    }
    layout(app, "In context", &b)
}

fn share(c: &Option<Cell>) -> String {
    match c {
        Some(c) if c.suppressed => "withheld".into(),
        Some(c) => c
            .value
            .map_or(String::new(), |v| format!("{:.0}%", 100.0 * v)),
        None => String::new(),
    }
}

pub fn compare(app: &App, c: &Comparison) -> String {
    let mut b =
        String::from("<h1>Compare two events</h1><form method=\"get\" action=\"/compare\">");
    for (name, chosen) in [("a", &c.a), ("b", &c.b)] {
        let _ = write!(b, "<select name=\"{name}\" aria-label=\"event {name}\">");
        for e in &app.data.events {
            let sel = if &e.id == chosen { " selected" } else { "" };
            let _ = write!(b, "<option value=\"{0}\"{sel}>{0}</option>", esc(&e.id));
        }
        b.push_str("</select>");
    }
    let _ = write!(
        b,
        "<button type=\"submit\">Compare</button></form><table><tr><th>theme</th><th>{}</th><th>{}</th></tr>",
        esc(&c.a),
        esc(&c.b)
    );
    for t in &c.themes {
        let _ = write!(
            b,
            "<tr><td><a href=\"/themes/{}\">{}</a></td><td>{}</td><td>{}</td></tr>",
            esc(&t.theme),
            esc(&t.label),
            share(&t.a),
            share(&t.b)
        );
    }
    let k = app.data.insights.as_ref().map_or(5, |i| i.k);
    let _ = write!(b, "</table><p class=\"meta\">Each cell is the theme's share of the event's units; cells resting on fewer than {k} participants are withheld.</p>");
    for (e, list) in [(&c.a, &c.distinctive_a), (&c.b, &c.distinctive_b)] {
        if list.is_empty() {
            continue;
        }
        let _ = write!(b, "<h2>What sets {} apart</h2><ul>", esc(e));
        for d in list {
            let _ = write!(
                b,
                "<li>{}: {:.0}% there, {:.0}% elsewhere (z = {:.1})</li>",
                esc(&d.label),
                100.0 * d.share,
                100.0 * d.rest_share,
                d.z
            );
        }
        b.push_str("</ul>");
    }
    layout(app, "Compare events", &b)
}

pub fn error(app: &App, e: &ApiError) -> String {
    layout(
        app,
        "Not found",
        &format!(
            "<h1>{}</h1><p class=\"error\">{}</p>",
            e.status.as_u16(),
            esc(&e.message)
        ),
    )
}
