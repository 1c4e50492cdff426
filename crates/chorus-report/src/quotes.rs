//! The themes' quotes the report may show: each checked verbatim against the corpus (a
//! mismatch fails the stage: the themes are stale), with its provenance, and withheld under
//! disclosure control. Reads `themes/quotes.parquet`, the units and the participants; writes
//! nothing.

use std::collections::BTreeMap;

use chorus_core::model::{col, Table, Workspace};
use chorus_core::store::{read_file, read_table, str_column, string_map};
use chorus_core::text::place;

use crate::ReportError;

/// A quote with its provenance, as the report shows it.
pub(crate) struct Quote {
    pub theme: String,
    /// The event's title, else its id.
    pub event: String,
    pub text: String,
    /// Its unit's language ("" when unknown).
    pub lang: String,
    participant: Option<String>,
    /// The speaker's role, when at least k participants of the event share it.
    role: Option<String>,
    /// Where in its source the unit is (`00:12:05`, `line 12`), or empty.
    pub place: String,
    /// The question it answers, when it answers one.
    pub question: Option<String>,
}

impl Quote {
    /// The pseudonymous speaker, with their role when it may be shown.
    pub(crate) fn who(&self) -> String {
        let id = self.participant.as_deref().unwrap_or("-");
        match &self.role {
            Some(r) => format!("{id} ({r})"),
            None => id.to_string(),
        }
    }
}

/// The quotes that may be shown, and how many were withheld.
pub(crate) struct Quotes {
    pub shown: Vec<Quote>,
    pub withheld: usize,
    /// Theme -> its quotes withheld.
    pub withheld_of: BTreeMap<String, usize>,
}

impl Quotes {
    /// Why a theme shows no quote, when it had some and all were withheld.
    pub(crate) fn none_shown_because(&self, theme: &str, k: usize) -> Option<String> {
        let withheld = self.withheld_of.get(theme).copied().unwrap_or(0);
        (withheld > 0 && !self.shown.iter().any(|q| q.theme == theme)).then(|| {
            format!("Quotes withheld: all {withheld} come from events with fewer than {k} participants.")
        })
    }
}

/// Who may be named: participants per event, and per event and role.
struct Holders {
    /// (event, role) -> participants; `None` counts all of the event's.
    count: BTreeMap<(Option<String>, Option<String>), usize>,
    /// participant -> role.
    role_of: BTreeMap<String, Option<String>>,
}

impl Holders {
    fn read(ws: &Workspace) -> Result<Self, ReportError> {
        let people = read_table(ws, Table::Participants)?;
        let (events, roles) = (
            str_column(&people, col::EVENT_ID)?,
            str_column(&people, col::ROLE)?,
        );
        let mut count: BTreeMap<(Option<String>, Option<String>), usize> = BTreeMap::new();
        let mut role_of = BTreeMap::new();
        for ((p, e), r) in str_column(&people, col::PARTICIPANT_ID)?
            .into_iter()
            .zip(events)
            .zip(roles)
        {
            *count.entry((e.clone(), None)).or_default() += 1;
            if r.is_some() {
                *count.entry((e, r.clone())).or_default() += 1;
            }
            if let Some(p) = p {
                role_of.insert(p, r);
            }
        }
        Ok(Holders { count, role_of })
    }

    /// Whether at least `k` participants of event `e` (with role `r`, if given) stand behind it.
    fn held(&self, e: &str, r: Option<&String>, k: usize) -> bool {
        self.count
            .get(&(Some(e.to_string()), r.cloned()))
            .copied()
            .unwrap_or(0)
            >= k
    }
}

/// The theme quotes that may be shown, and how many were withheld. A quote shows its event (and
/// so the event's country, sector and level) and a pseudonymous speaker; it is withheld when
/// the event has fewer than `k` participants. The speaker's role is shown only when at least
/// `k` participants of the event share it.
pub(crate) fn read_quotes(ws: &Workspace, k: usize) -> Result<Quotes, ReportError> {
    let holders = Holders::read(ws)?;
    chorus_core::themes_artifact::check_whole(ws)?;
    let q = read_file(&ws.quotes_file())?;
    let units = read_table(ws, Table::Units)?;
    let ids = str_column(&units, col::UNIT_ID)?;
    let texts = str_column(&units, col::TEXT)?;
    let people = str_column(&units, col::PARTICIPANT_ID)?;
    let lines: Vec<Option<u64>> = units.column(col::LINE)?.u64()?.iter().collect();
    let starts: Vec<Option<i64>> = units.column(col::START_MS)?.i64()?.iter().collect();
    let asked = str_column(&units, col::QUESTION_ID)?;
    let langs = str_column(&units, col::LANG)?;
    let wording = string_map(
        &read_table(ws, Table::Questions)?,
        col::QUESTION_ID,
        col::TEXT,
    )?;
    let by_id: BTreeMap<&str, usize> = ids
        .iter()
        .enumerate()
        .filter_map(|(i, u)| u.as_deref().map(|u| (u, i)))
        .collect();
    let titles = chorus_core::store::event_titles(ws)?;
    let mut quotes = Quotes {
        shown: Vec::new(),
        withheld: 0,
        withheld_of: BTreeMap::new(),
    };
    for ((t, u), (e, text)) in str_column(&q, col::THEME_ID)?
        .into_iter()
        .zip(str_column(&q, col::UNIT_ID)?)
        .zip(
            str_column(&q, col::EVENT_ID)?
                .into_iter()
                .zip(str_column(&q, col::TEXT)?),
        )
    {
        let (Some(t), Some(u), Some(e), Some(text)) = (t, u, e, text) else {
            continue;
        };
        let i = by_id.get(u.as_str()).copied();
        if i.and_then(|i| texts[i].as_deref()) != Some(text.as_str()) {
            return Err(ReportError::QuoteMismatch { theme: t, unit: u });
        }
        let i = i.unwrap_or(0);
        let speaker = people[i].as_ref().and_then(|p| holders.role_of.get(p));
        if speaker.is_some() && !holders.held(&e, None, k) {
            quotes.withheld += 1;
            *quotes.withheld_of.entry(t).or_default() += 1;
            continue;
        }
        let role = speaker
            .and_then(|r| r.clone())
            .filter(|r| holders.held(&e, Some(r), k));
        quotes.shown.push(Quote {
            role,
            theme: t,
            event: titles.get(&e).cloned().unwrap_or(e),
            text,
            lang: langs[i].clone().unwrap_or_default(),
            participant: people[i].clone(),
            place: place(lines[i], starts[i]),
            question: asked[i].as_ref().and_then(|q| wording.get(q)).cloned(),
        });
    }
    Ok(quotes)
}
