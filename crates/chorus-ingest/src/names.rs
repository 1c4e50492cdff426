//! Names of private persons in what people wrote or said, without a cue around them ("Janet
//! Okafor can tell you more", "ask Mrs Hargreaves"), for redaction. Cues ("my neighbour ...",
//! "called ...") are [`crate::clean::redact`]'s; speakers' own names are `SpeakerNames`'.
//!
//! No model can tell a private person from a public one without knowing the world, so this
//! works from two things that need no download, and says in its rules where it gives up:
//! - a given name from the 1990 US Census list ([`chorus_core::names`], public domain) followed
//!   by one or two capitalised words, or a title (Mr, Mrs, Dr, ...) followed by one;
//! - what the event's own text says about each word ([`Evidence`], gathered once per event
//!   before any unit is redacted): a word written in lower case more often than capitalised is
//!   a word, not a name ("Will", "Hope", "Park"); a surname that units of at least
//!   [`PUBLIC_PARTICIPANTS`] participants use is someone the public discusses ("Trump", "Pelosi"),
//!   as is a name after an office ("President", "Minister", "Mayor"); a name followed by a
//!   place word ("Warren County", "Paul Walker Golf Course") is a place.
//!
//! Only English units are searched: the list is of English-speaking given names, and in German
//! every noun is capitalised ("Sommer Probleme"). Invariants: deterministic for a given event;
//! a name is replaced by `[name]` whole (title kept: "Mrs [name]").

use std::collections::{HashMap, HashSet};

use chorus_core::names::{is_given_name, words, Casing, Word};

/// Participants whose units use a capitalised surname before it counts as a public name.
pub const PUBLIC_PARTICIPANTS: usize = 3;

/// Titles of a private person's name ("Mrs Hargreaves").
const HONORIFICS: &[&str] = &["Mr", "Mrs", "Ms", "Miss", "Mx", "Dr"];

/// Words before a public person's name ("President Joe Biden", "Councillor Ann Lee").
const OFFICES: &[&str] = &[
    "President",
    "Vice",
    "Senator",
    "Sen",
    "Governor",
    "Gov",
    "Minister",
    "Secretary",
    "Chancellor",
    "Mayor",
    "Councillor",
    "Councilor",
    "Councilman",
    "Councilwoman",
    "Alderman",
    "Representative",
    "Rep",
    "Congressman",
    "Congresswoman",
    "MP",
    "MEP",
    "MSP",
    "Premier",
    "Commissioner",
    "Ambassador",
    "Judge",
    "Justice",
    "General",
    "King",
    "Queen",
    "Prince",
    "Princess",
    "Pope",
    "Saint",
    "St",
    "Sir",
    "Dame",
    "Lord",
    "Lady",
    "Professor",
    "Prof",
];

/// Words that make the name before them a place or an organisation ("Warren County", "Olive
/// Garden", "Weldon Peete Park").
const PLACE_WORDS: &[&str] = &[
    "Street",
    "St",
    "Road",
    "Rd",
    "Avenue",
    "Ave",
    "Lane",
    "Drive",
    "Boulevard",
    "Blvd",
    "Way",
    "Place",
    "Square",
    "Park",
    "Center",
    "Centre",
    "Hall",
    "School",
    "College",
    "University",
    "Hospital",
    "Library",
    "Museum",
    "Church",
    "Bridge",
    "Bridges",
    "County",
    "Co",
    "City",
    "Town",
    "Island",
    "Beach",
    "Golf",
    "Course",
    "Court",
    "Station",
    "Airport",
    "Farm",
    "Farms",
    "Home",
    "Homes",
    "House",
    "Day",
    "Days",
    "Fest",
    "Festival",
    "Foundation",
    "Trust",
    "Institute",
    "Award",
    "Prize",
    "Act",
    "Report",
    "Review",
    "Building",
    "Tower",
    "Stadium",
    "Arena",
    "Theatre",
    "Theater",
    "Market",
    "Mall",
    "Plaza",
    "Heights",
    "Hill",
    "Hills",
    "Valley",
    "River",
    "Lake",
    "Mountain",
    "Forest",
    "Garden",
    "Gardens",
    "Complex",
    "Company",
    "Inc",
    "Ltd",
    "LLC",
    "Group",
    "Memorial",
    "Bank",
    "Estate",
    "Centers",
    "Centres",
];

/// What the event's text says about each word, counted before any unit is redacted.
#[derive(Debug, Default)]
pub struct Evidence {
    casing: Casing,
    /// Capitalised words used by at least [`PUBLIC_PARTICIPANTS`] participants.
    public: HashSet<String>,
}

impl Evidence {
    /// Counts the words of `units`: (participant key, text); a unit without a participant
    /// counts as a participant of its own.
    pub fn gather<'a>(units: impl IntoIterator<Item = (Option<&'a str>, &'a str)>) -> Self {
        let mut casing = Casing::default();
        let mut users: HashMap<String, HashSet<String>> = HashMap::new();
        for (n, (who, text)) in units.into_iter().enumerate() {
            casing.add(text, |key, _| {
                let set = users.entry(key.to_string()).or_default();
                if set.len() < PUBLIC_PARTICIPANTS {
                    set.insert(who.map_or_else(|| format!("#{n}"), str::to_string));
                }
            });
        }
        let public = users
            .into_iter()
            .filter(|(_, s)| s.len() >= PUBLIC_PARTICIPANTS)
            .map(|(w, _)| w)
            .collect();
        Self { casing, public }
    }

    fn public(&self, word: &str) -> bool {
        self.public.contains(&word.to_lowercase())
    }

    /// `text` with private persons' names replaced by `[name]`; how many in `count`.
    pub fn redact(&self, text: String, count: &mut u32) -> String {
        let ws = words(&text);
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i < ws.len() {
            match self.name_at(&text, &ws, i) {
                Some((from, to)) => {
                    spans.push((ws[from].start, ws[to].end));
                    i = to + 1;
                }
                None => i += 1,
            }
        }
        crate::clean::replace_ranges(text, &spans, "[name]", count)
    }

    /// The words (first, last) of a private person's name starting at word `i`, if one does.
    fn name_at(&self, text: &str, ws: &[Word], i: usize) -> Option<(usize, usize)> {
        let w = &ws[i];
        // nothing but spaces between two words (a title's full stop allowed)
        let joined = |a: usize, b: usize| {
            text[ws[a].end..ws[b].start]
                .trim_start_matches('.')
                .trim_matches(' ')
                .is_empty()
        };
        let surname = |j: usize| {
            ws.get(j).is_some_and(|s| {
                capitalised(s.text)
                    && !PLACE_WORDS.contains(&s.text)
                    && self.casing.name_like(s.text)
            })
        };
        // only spaces: "Janet Okafor", not "Janet. Okafor"
        let joined_plain =
            |a: usize, b: usize| text[ws[a].end..ws[b].start].trim_matches(' ').is_empty();
        let after_office = i > 0 && OFFICES.contains(&ws[i - 1].text) && joined(i - 1, i);
        let before_place = |j: usize| {
            ws.get(j + 1)
                .is_some_and(|n| PLACE_WORDS.contains(&n.text) && joined_plain(j, j + 1))
        };
        if HONORIFICS.contains(&w.text) {
            // "Mrs Hargreaves", "Dr. Nwosu": the surname goes, the title stays
            let j = i + 1;
            let named = surname(j) && joined(i, j);
            return (named && !self.public(ws[j].text) && !before_place(j)).then_some((j, j));
        }
        if after_office || !is_given_name(w.text) || !self.casing.given_name_like(w.text) {
            return None;
        }
        if !(surname(i + 1) && joined_plain(i, i + 1)) {
            return None;
        }
        // a middle name or a second surname: "Robert Murray Smith"
        let last = if surname(i + 2) && joined_plain(i + 1, i + 2) {
            i + 2
        } else {
            i + 1
        };
        if self.public(ws[last].text) || before_place(last) {
            return None;
        }
        Some((i, last))
    }
}

/// Capital first, some lower case after ("Okafor", "McAllister", "O'Leary"; not "NHS", not a
/// contraction such as "I'm" or "I'll").
fn capitalised(w: &str) -> bool {
    let mut cs = w.chars();
    let contraction = w
        .rsplit_once(['\'', '’'])
        .is_some_and(|(_, end)| matches!(end, "m" | "d" | "ll" | "re" | "ve" | "t"));
    cs.next().is_some_and(char::is_uppercase) && cs.any(char::is_lowercase) && !contraction
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(evidence: &Evidence, text: &str) -> String {
        evidence.redact(text.to_string(), &mut 0)
    }

    #[test]
    fn private_names_go_public_names_and_places_stay() {
        let units = [
            (
                Some("a"),
                "Janet Okafor from the library helped me fill in the form.",
            ),
            (
                Some("b"),
                "Ask Mrs Hargreaves or Dr. Nwosu, they will know.",
            ),
            (
                Some("c"),
                "Trump and Donald Trump's team cut it; Warren County lost jobs.",
            ),
            (
                Some("d"),
                "Again Trump. President Joe Biden and Ellis Island were mentioned.",
            ),
            (
                Some("e"),
                "Mr Trump said so. Will Power is a book. Bill Payment is online.",
            ),
            (
                Some("f"),
                "The bill will be paid, the bill's payment made; we may find the power.",
            ),
        ];
        let ev = Evidence::gather(units.iter().map(|(w, t)| (*w, *t)));
        assert_eq!(
            redact(&ev, units[0].1),
            "[name] from the library helped me fill in the form."
        );
        assert_eq!(
            redact(&ev, units[1].1),
            "Ask Mrs [name] or Dr. [name], they will know."
        );
        // used by three participants: a public figure; a place; an office
        for t in [units[2].1, units[3].1] {
            assert_eq!(redact(&ev, t), t);
        }
        // "Will", "Bill": words this text uses in lower case
        assert_eq!(
            redact(&ev, "Will Power is a book. Bill Payment is online."),
            "Will Power is a book. Bill Payment is online."
        );
        // two words apart by a full stop are not one name; capitals only are not a name;
        // nor a contraction
        assert_eq!(
            redact(
                &ev,
                "Thanks Janet. Okafor is here. JANET OKAFOR. 'Kay I'm done"
            ),
            "Thanks Janet. Okafor is here. JANET OKAFOR. 'Kay I'm done"
        );
    }
}
