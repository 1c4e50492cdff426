//! `index.html`: one self-contained page (inline CSS and SVG, no script, no request leaves it),
//! readable on a phone and in print, with headings, alt text and a data table behind every
//! chart. All participant text goes through [`esc`].

use std::fmt::Write as _;

use std::collections::BTreeMap;

use crate::insights::{Cell, Insights, ThemeInsight};

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#222}
h1,h2,h3{line-height:1.2}table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.2rem .45rem;text-align:right}th:first-child,td:first-child{text-align:left}
table.contrast td:nth-child(2),table.contrast th:nth-child(2){text-align:left}.chart{overflow-x:auto}.chart svg{max-width:none;height:auto}blockquote{margin:.6rem 0;padding:.4rem .8rem;border-left:4px solid #0072B2;background:#f5f8fb}
blockquote footer{font-size:.85rem;color:#555}.kw{color:#555}.sup{color:#777}details{margin:.5rem 0}
@media print{.chart svg{max-width:100%}.chart{break-inside:avoid}details{display:block}body{max-width:none}}";

fn pct(c: Option<&Cell>) -> String {
    match c {
        Some(c) if c.suppressed => {
            "<span class=\"sup\" title=\"fewer than k participants\">withheld</span>".into()
        }
        Some(c) => c
            .value
            .map_or(String::new(), |v| format!("{:.0}%", 100.0 * v)),
        None => String::new(),
    }
}

/// A quote with its provenance, as shown in the report.
pub struct ShownQuote<'a> {
    pub theme: &'a str,
    pub event: &'a str,
    pub text: &'a str,
    pub who: String,
    pub place: &'a str,
}

/// A collapsed data table of each theme's share per group of one dimension.
fn breakdown_table(
    h: &mut String,
    ins: &Insights,
    what: &str,
    cells: impl Fn(&ThemeInsight) -> &BTreeMap<String, Cell>,
) {
    let groups = super::breakdown_groups(ins, &cells);
    if groups.is_empty() {
        return;
    }
    let _ = write!(h, "<details><summary>Data table: theme × {what}</summary><div class=\"chart\"><table><tr><th>theme</th>");
    for g in &groups {
        let _ = write!(h, "<th>{}</th>", esc(g));
    }
    h.push_str("</tr>");
    for t in &ins.themes {
        let _ = write!(h, "<tr><td>{}</td>", esc(&t.label));
        for g in &groups {
            let _ = write!(h, "<td>{}</td>", pct(cells(t).get(g)));
        }
        h.push_str("</tr>");
    }
    h.push_str("</table></div></details>");
}

/// The distinctive themes of each country, sector, level and event, with the theme shares per
/// country, sector and level behind them.
fn contrasts(h: &mut String, ins: &Insights) {
    if ins.contrasts.iter().all(|c| c.themes.is_empty()) {
        return;
    }
    let _ = write!(h, "<h2 id=\"contrasts\">What sets groups apart</h2><p>Themes far more prevalent in a group than in the rest (weighted log-odds with an informative prior, z ≥ 1.96; at most {} per group).</p>", crate::insights::TOP_DISTINCTIVE);
    for by in ["country", "sector", "level", "event"] {
        let rows: Vec<_> = ins
            .contrasts
            .iter()
            .filter(|c| c.by == by && !c.themes.is_empty())
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = write!(
            h,
            "<h3>By {by}</h3><table class=\"contrast\"><tr><th>{by}</th><th>{}</th></tr>",
            super::CONTRAST_HEADER.join("</th><th>")
        );
        for c in rows {
            for (i, d) in c.themes.iter().enumerate() {
                let group = if i == 0 { esc(&c.group) } else { String::new() };
                let _ = write!(
                    h,
                    "<tr><td>{group}</td><td>{}</td></tr>",
                    super::contrast_cells(d, esc).join("</td><td>")
                );
            }
        }
        h.push_str("</table>");
    }
    breakdown_table(h, ins, "country", |t| &t.by_country);
    breakdown_table(h, ins, "sector", |t| &t.by_sector);
    breakdown_table(h, ins, "level", |t| &t.by_level);
}

pub fn page(
    ins: &Insights,
    quotes: &[ShownQuote],
    quotes_withheld: usize,
    heatmap: &str,
    frames_svg: &str,
    sources: &[(String, String, Vec<String>)],
) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
         <title>Synthesis report</title><style>{CSS}</style></head><body><main>"
    );
    let _ = write!(h, "<h1>Synthesis report</h1><p>{}</p>", esc(&ins.summary));
    let o = &ins.overview;
    let _ = write!(
        h,
        "<h2 id=\"overview\">Overview</h2><table><tr><th>{}</th></tr><tr><td>{}</td></tr></table>",
        super::OVERVIEW_HEADER.join("</th><th>"),
        super::overview_cells(o).join("</td><td>")
    );
    if !o.events_without_theme.is_empty() {
        let _ = write!(
            h,
            "<p>Events with no unit in a theme: {}.</p>",
            esc(&o.events_without_theme.join(", "))
        );
    }
    let _ = write!(h, "<h2 id=\"heatmap\">Themes across events</h2><p>Each cell is the theme's share of that event's units.</p><figure class=\"chart\" role=\"img\" aria-label=\"Heatmap of theme prevalence per event; the table below holds the same numbers\">{heatmap}</figure>");
    breakdown_table(&mut h, ins, "event", |t| &t.by_event);
    let frames = ["leave_behind", "keep", "do_differently"];
    let has_frames = ins.themes.iter().any(|t| !t.by_frame.is_empty());
    if !has_frames {
        h.push_str("<h2 id=\"frames\">Leave behind, keep, do differently</h2><p>No answer in these sources belongs to a question frame.</p>");
    } else {
        let _ = write!(h, "<h2 id=\"frames\">Leave behind, keep, do differently</h2><p>Each bar is the theme's share of the answers to that question.</p><figure class=\"chart\" role=\"img\" aria-label=\"Bars of each theme's share of the answers to each question frame; the table below holds the same numbers\">{frames_svg}</figure>");
        h.push_str(
        "<table><tr><th>theme</th><th>leave behind</th><th>keep</th><th>do differently</th></tr>",
    );
        for t in &ins.themes {
            let _ = write!(h, "<tr><td>{}</td>", esc(&t.label));
            for f in frames {
                let _ = write!(h, "<td>{}</td>", pct(t.by_frame.get(f)));
            }
            h.push_str("</tr>");
        }
        h.push_str("</table>");
    }
    contrasts(&mut h, ins);
    h.push_str("<h2 id=\"themes\">Themes</h2>");
    for t in &ins.themes {
        let _ = write!(
            h,
            "<section id=\"{}\"><h3>{}</h3><p>{}</p>",
            esc(&t.id),
            esc(&t.label),
            esc(&t.summary)
        );
        if !t.keywords.is_empty() {
            let _ = write!(
                h,
                "<p class=\"kw\">Keywords: {}</p>",
                esc(&t.keywords.join(", "))
            );
        }
        if let Some(subs) = super::subtheme_list(t, esc) {
            let _ = write!(h, "<p class=\"kw\">{subs}</p>");
        }
        for q in quotes.iter().filter(|q| q.theme == t.id) {
            let place = if q.place.is_empty() {
                String::new()
            } else {
                format!(", {}", esc(q.place))
            };
            let _ = write!(
                h,
                "<blockquote><p>{}</p><footer>{}, {}{}</footer></blockquote>",
                esc(q.text),
                esc(q.event),
                esc(&q.who),
                place
            );
        }
        h.push_str("</section>");
    }
    if !ins.scales.is_empty() {
        h.push_str("<h2 id=\"scales\">Scale questions</h2>");
        for s in &ins.scales {
            let _ = write!(h, "<h3>{}</h3><p>{}</p><table><tr><th>group</th><th>n</th><th>mean (95% CI)</th><th>top two (95% CI)</th></tr>", esc(&s.text), esc(&s.summary));
            for g in super::scale_groups(s) {
                let f = |i: &Option<crate::insights::Interval>, percent: bool| match i {
                    Some(i) if percent => format!(
                        "{:.0}% ({:.0}–{:.0}%)",
                        100.0 * i.estimate,
                        100.0 * i.low,
                        100.0 * i.high
                    ),
                    Some(i) => format!("{:.2} ({:.2}–{:.2})", i.estimate, i.low, i.high),
                    None => "<span class=\"sup\">withheld</span>".into(),
                };
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    match g.by {
                        "all" | "country" => esc(&g.group),
                        by => format!("{by}: {}", esc(&g.group)),
                    },
                    if g.suppressed {
                        "&lt; k".to_string()
                    } else {
                        g.n.to_string()
                    },
                    f(&g.mean, false),
                    f(&g.top_two, true)
                );
            }
            h.push_str("</table>");
        }
    }
    for (id, title, list) in [
        ("consensus", "Most agreed statements", &ins.consensus),
        (
            "divergence",
            "Statements that split the opinion groups",
            &ins.divergence,
        ),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = write!(h, "<h2 id=\"{id}\">{title}</h2><table><tr><th>statement</th><th>event</th><th>votes</th><th>agree</th><th>by opinion group</th></tr>");
        for st in list.iter() {
            let groups = super::group_shares(st, esc, "");
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.0}%</td><td>{}</td></tr>",
                esc(&st.text),
                esc(&st.event),
                st.votes,
                100.0 * st.agree,
                groups
            );
        }
        h.push_str("</table>");
    }
    h.push_str("<h2 id=\"sources\">Data sources</h2><ul>");
    for (licence, attribution, events) in sources {
        let _ = write!(
            h,
            "<li>{} ({}): {}{}</li>",
            events.len(),
            esc(&events.join(", ")),
            esc(licence),
            if attribution.is_empty() {
                String::new()
            } else {
                format!(". {}", esc(attribution))
            }
        );
    }
    let _ = writeln!(
        h,
        "</ul><h2 id=\"method\">Method</h2><p>Themes from <code>chorus themes</code>; a theme's prevalence in an event is its share of the event's units, pooled as the mean over events; quotes are verbatim and checked against the corpus; {} {}</p></main></body></html>",
        esc(&super::disclosure_note(ins.k, quotes_withheld)),
        esc(&super::parameters_note(ins))
    );
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_text_is_inert() {
        assert_eq!(
            esc("<img src=x onerror=\"alert(1)\"> & 'q'"),
            "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;q&#39;"
        );
    }
}
