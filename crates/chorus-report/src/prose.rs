//! The report's sentences, built only from the insights' numbers (the style guide's rule:
//! every sentence of a summary is verbatim from a unit or made from numbers the frames
//! recompute): the report's summary, each theme's and each scale question's, and the method's
//! notes. Reads the insights; writes nothing (`insights.json`, `report.md`, the page and the
//! server's theme pages carry the sentences).

use std::collections::BTreeMap;

use chorus_core::model::Frame;
use chorus_insights::{most_prevalent, Cell, Insights, ScaleInsight, ThemeInsight, UNKNOWN};

/// "In other languages: German: homeoffice, arbeitsweg; Spanish: teletrabajo", for a theme
/// whose units span languages (its title and keywords are in the language most of them are in).
pub(crate) fn other_keywords(t: &ThemeInsight) -> Option<String> {
    chorus_core::text::other_languages(&t.other_keywords)
}

/// A share as a whole percentage: `0.417` -> `42%`.
pub fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// The report's opening sentence: the corpus, and how much of it the themes cover.
pub(crate) fn summary(ins: &Insights) -> String {
    let o = &ins.overview;
    let mut summary = format!(
        "{} events{}, {} participants{}, {} units; the {} themes shown cover {} of the units and {} of the participants.",
        o.events,
        match o.countries.len() {
            0 => String::new(),
            1 => " in 1 country".to_string(),
            c => format!(" in {c} countries"),
        },
        o.participants,
        if o.participants_all > o.participants {
            format!(
                " who wrote or said something (of {} who took part, voters included)",
                o.participants_all
            )
        } else {
            String::new()
        },
        o.units,
        ins.themes.len(),
        pct(o.unit_coverage),
        pct(o.participant_coverage)
    );
    if o.no_content_units > 0 {
        summary.push_str(&format!(
            " {} of the units ({}) have no content word (backchannels such as \"Yeah.\" or \"Okay.\") and are left out of the themes.",
            o.no_content_units,
            pct(o.no_content_units as f64 / o.units.max(1) as f64)
        ));
    }
    if o.procedural_units > 0 {
        summary.push_str(&format!(
            " {} transcript units ({}) run the meeting (welcome, agenda, thanks, technical trouble) and are left out of the themes and quotes.",
            o.procedural_units,
            pct(o.procedural_units as f64 / o.units.max(1) as f64)
        ));
    }
    summary
}

/// What a question frame asks for, as the theme sentences say it.
pub fn frame_words(f: Frame) -> &'static str {
    match f {
        Frame::LeaveBehind => "something to leave behind",
        Frame::Keep => "something to keep",
        Frame::DoDifferently => "something to do differently",
    }
}

/// A theme's sentence: where it was raised, how prevalent it is, under which frame, whether it
/// flips, and the sector and level where it is strongest.
pub fn theme_summary(t: &ThemeInsight, ins: &Insights) -> String {
    let mut summary = format!(
        "{}: raised in {} of {} events{}, {} of all units (on average {} of an event's units).",
        t.label,
        t.events,
        t.of_events,
        if t.countries.is_empty() {
            String::new()
        } else {
            format!(" in {} countries", t.countries.len())
        },
        pct(t.overall_share),
        pct(t.pooled_prevalence)
    );
    if let Some(f) = &t.main_frame {
        summary.push_str(&format!(
            " Mostly raised as {} ({} of those answers).",
            Frame::parse(f).map_or("", frame_words),
            pct(t.by_frame[f].value.unwrap_or(0.0))
        ));
    }
    if let Some(f) = &t.flip {
        summary.push_str(&format!(
            " Kept in {}; left behind in {}.",
            events_named(&f.keep, ins),
            events_named(&f.leave_behind, ins)
        ));
    }
    let strong: Vec<String> = [
        strongest(&t.by_sector).map(|(g, v)| format!("in the {g} sector ({})", pct(v))),
        strongest(&t.by_level).map(|(g, v)| format!("at {g} level ({})", pct(v))),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !strong.is_empty() {
        summary.push_str(&format!(" Strongest {}.", strong.join(" and ")));
    }
    summary
}

/// Events named by title (less the prefix all the report's titles share), up to three, then
/// counted: "Berlin, Lisbon and Ottawa", "Berlin, Lisbon, Ottawa and 4 more events", "1 event".
fn events_named(ids: &[String], ins: &Insights) -> String {
    const NAMED: usize = 3;
    let titles = &ins.overview.event_titles;
    let all: Vec<&str> = titles.values().map(String::as_str).collect();
    let prefix = crate::figures::shared_prefix(&all);
    let names: Vec<&str> = ids
        .iter()
        .take(NAMED)
        .map(|e| {
            titles
                .get(e)
                .map_or(e.as_str(), |t| t.get(prefix..).unwrap_or(t).trim_start())
        })
        .collect();
    match (names.as_slice(), ids.len()) {
        ([], _) => "no event".into(),
        ([one], 1) => one.to_string(),
        (_, n) if n <= NAMED => {
            let (last, rest) = names.split_last().unwrap_or((&"", &[]));
            format!("{} and {last}", rest.join(", "))
        }
        (_, n) => format!("{} and {} more events", names.join(", "), n - NAMED),
    }
}

/// The group where the theme is most prevalent, among two or more shown known groups (with
/// one, "strongest" would say nothing).
fn strongest(cells: &BTreeMap<String, Cell>) -> Option<(&str, f64)> {
    let shown: Vec<(&String, &Cell)> = cells
        .iter()
        .filter(|(g, c)| *g != UNKNOWN && c.value.is_some())
        .collect();
    if shown.len() < 2 {
        return None;
    }
    most_prevalent(shown)
}

/// A scale question's sentence: the share in the top two points and the mean, each with its
/// interval; or that it is withheld.
pub(crate) fn scale_summary(s: &ScaleInsight, k: usize) -> String {
    let (overall, max) = (&s.overall, s.scale.1);
    match &overall.top_two {
        Some(t) => format!(
            "{} (95% CI {}-{}) of {} respondents answered {} or {} to \"{}\"; mean {:.2} (95% CI {:.2}-{:.2}).",
            pct(t.estimate),
            pct(t.low),
            pct(t.high),
            overall.n,
            max - 1.0,
            max,
            s.text,
            overall.mean.as_ref().map_or(0.0, |m| m.estimate),
            overall.mean.as_ref().map_or(0.0, |m| m.low),
            overall.mean.as_ref().map_or(0.0, |m| m.high)
        ),
        None => format!("\"{}\": fewer than {k} answers; withheld.", s.text),
    }
}

/// The method's sentence on the parameters, in the page and in `report.md`.
pub(crate) fn parameters_note(ins: &Insights) -> String {
    let p = &ins.method.themes;
    let num = |k: &str| {
        p[k].as_f64()
            .map_or("default".to_string(), |v| format!("{v:.2}"))
    };
    format!(
        "Parameters: seed {}, similarity bar {}, words weight {}, {} themes; model {}.",
        p["seed"]
            .as_u64()
            .map_or("default".to_string(), |s| s.to_string()),
        num("min_similarity"),
        num("vocabulary_weight"),
        p["themes"]
            .as_u64()
            .map_or("automatic number of".to_string(), |n| n.to_string()),
        ins.method.model.as_deref().unwrap_or("unknown")
    )
}

/// The method's sentence on disclosure control, in the page and in `report.md`.
pub(crate) fn disclosure_note(k: usize, quotes_withheld: usize) -> String {
    format!("breakdown cells resting on fewer than {k} participants are withheld, and so are quotes (and the words of key points) from events with fewer than {k} participants ({quotes_withheld} quotes withheld); a speaker's role is shown only when at least {k} participants of the event share it.")
}

/// The method's sentences on what "raised in" counts and on key points.
pub(crate) fn counting_note() -> String {
    format!("An event (country, sector, level) counts as raising a theme when at least {} of its participants are in it. Key points are the first sentences of units near a theme's centre and unlike each other, word for word; each of the theme's units stands behind the key point nearest it in meaning, and the counts are of those units, their participants and events. \"Most\" means at least half of the theme's units, \"some\" at least 15%, \"a few\" fewer.", chorus_insights::RAISED_BY)
}

/// "Some of its units (48 units, 31 participants, 10 events)" for a key point.
pub fn key_point_support(p: &chorus_insights::key_points::KeyPoint) -> String {
    let capital = {
        let mut c = p.word.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    };
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{capital} of its units ({}, {}, {})",
        plural(p.units, "unit", "units"),
        plural(p.participants, "participant", "participants"),
        plural(p.events, "event", "events")
    )
}

/// "Subthemes: A (n units); B (m units)" for a theme with subthemes, labels escaped.
pub(crate) fn subtheme_list(t: &ThemeInsight, escape: fn(&str) -> String) -> Option<String> {
    (!t.subthemes.is_empty()).then(|| {
        let subs: Vec<String> = t
            .subthemes
            .iter()
            .map(|s| format!("{} ({} units)", escape(&s.label), s.units))
            .collect();
        format!("Subthemes: {}", subs.join("; "))
    })
}

/// A finding's heading: the frame in words, else the question.
pub(crate) fn finding_heading(f: &chorus_insights::Finding) -> String {
    match f.frame.as_deref().and_then(Frame::parse) {
        Some(Frame::LeaveBehind) => "What to leave behind".into(),
        Some(Frame::Keep) => "What to keep".into(),
        Some(Frame::DoDifferently) => "What to do differently".into(),
        None => f.question.clone(),
    }
}

/// "412 answers in a theme, from 180 participants in 10 events (asked as “What should we
/// keep?”)."
pub(crate) fn finding_summary(f: &chorus_insights::Finding) -> String {
    let asked = match f.frame {
        Some(_) => format!(" (most often asked as “{}”)", f.question),
        None => String::new(),
    };
    format!(
        "{} answers in a theme, from {} participants in {} events{asked}.",
        f.units, f.participants, f.events
    )
}

/// Events named per theme in a finding; more are counted.
const NAMED_EVENTS: usize = 5;

/// "23% of these answers (96 units, 71 participants), from Berlin and Bogotá" (event
/// names without the prefix all the findings' events share; more than five counted).
pub(crate) fn finding_theme(t: &chorus_insights::FindingTheme, prefix: usize) -> String {
    let where_ = if t.events.len() > NAMED_EVENTS {
        format!("{} events", t.events.len())
    } else {
        let names: Vec<&str> = t
            .events
            .iter()
            .map(|e| e.get(prefix..).unwrap_or(e).trim_start())
            .collect();
        match names.as_slice() {
            [] => "no event".to_string(),
            [one] => one.to_string(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        }
    };
    format!(
        "{} of these answers ({} units, {} participants), from {where_}.",
        pct(t.share),
        t.units,
        t.participants
    )
}

/// The prefix all the findings' event names share (see [`crate::figures::shared_prefix`]).
pub(crate) fn findings_prefix(ins: &Insights) -> usize {
    let names: std::collections::BTreeSet<&str> = ins
        .findings
        .iter()
        .flat_map(|f| &f.themes)
        .flat_map(|t| &t.events)
        .map(String::as_str)
        .collect();
    let names: Vec<&str> = names.into_iter().collect();
    crate::figures::shared_prefix(&names)
}
