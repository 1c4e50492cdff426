//! Names never become labels or keywords. Speakers' names said in a transcript are redacted at
//! ingest (to `[name]`); this finds the names that are left, from how people are addressed and
//! referred to: after a title ("Mr Smith", "Councillor Ana Ribeiro"), after a greeting or thanks
//! ("Thank you, John.", "Over to Priya"), and when a sentence opens by addressing someone
//! ("Bola, anything to add?"), and any given name of the census list
//! ([`chorus_core::names`]) that the units write capitalised mid-sentence and not mostly as a
//! word ("as Andrew said"; not "will"). Placeholders and transcribers' notes in brackets
//! ("[name]", "[laughter]", "(inaudible)") are never words of a label either.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use chorus_core::names::{is_given_name, Casing};
use regex::Regex;

const NAME: &str = r"(\p{Lu}[\p{Ll}'’-]+)";

static TITLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Sir|Dame|Councillor|Cllr|Senator|Rev|Herr|Frau|Monsieur|Madame|Mme|Señor|Señora|Sr|Sra)\.?\s+{NAME}(?:\s+{NAME})?"
    ))
    .expect("valid regex")
});

static ADDRESSED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b(?:[Tt]hank you|[Tt]hanks|[Hh]i|[Hh]ello|[Ww]elcome|[Oo]ver to|[Gg]o ahead|[Cc]heers)\s*,?\s+{NAME}(?:\s+{NAME})?\s*(?:[.,!?;:]|$)"
    ))
    .expect("valid regex")
});

static VOCATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:^|[.!?]\s+){NAME}\s*,\s+(?:what|how|why|where|when|who|which|do|did|does|would|could|can|will|is|are|have|has|anything|any|your|you|please|over)\b"
    ))
    .expect("valid regex")
});

/// Bracketed notes and placeholders: `[name]`, `[laughter]`, `(inaudible)`, `(applause)`.
pub static NOTES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[[^\]]{1,40}\]|\((?i:laughter|laughs|applause|inaudible|crosstalk|pause|silence|music|noise|coughs?|unintelligible)\)")
        .expect("valid regex")
});

/// What the units' own text says of their words, read in one pass.
pub struct Written {
    /// The lowercased names found, plus the words of bracketed notes: never part of a label.
    pub names: HashSet<String>,
    /// The form each word the units write capitalised is usually written in, by lower-cased
    /// word: only words written capitalised mid-sentence at least twice and more often than in
    /// lower case ("paris" -> "Paris", "nhs" -> "NHS"). Titles and keywords, made from the
    /// normalised (lower-case) text, are shown in these forms.
    pub forms: HashMap<String, String>,
}

/// Reads `texts` (original case) for [`Written`].
pub fn written<'a>(texts: impl IntoIterator<Item = &'a str>) -> Written {
    let mut names = HashSet::new();
    let mut casing = Casing::default();
    // capitalised mid-sentence: lower-cased word -> its written forms and their uses
    let mut seen: HashMap<String, HashMap<String, u32>> = HashMap::new();
    for t in texts {
        casing.add(t, |key, as_written| {
            *seen
                .entry(key.to_string())
                .or_default()
                .entry(as_written.to_string())
                .or_default() += 1;
        });
        for re in [&*TITLED, &*ADDRESSED, &*VOCATIVE] {
            for c in re.captures_iter(t) {
                for g in c.iter().skip(1).flatten() {
                    names.insert(g.as_str().to_lowercase());
                }
            }
        }
        for m in NOTES.find_iter(t) {
            for w in crate::label::words(&m.as_str().to_lowercase()) {
                names.insert(w);
            }
        }
    }
    // given names written as names, and not mostly as words ("as Andrew said"; not "will")
    names.extend(
        seen.values()
            .flat_map(HashMap::keys)
            .filter(|w| is_given_name(w) && casing.given_name_like(w))
            .map(|w| w.to_lowercase()),
    );
    let forms = seen
        .into_iter()
        .filter(|(key, _)| {
            let (lower, upper) = casing.uses(key);
            upper >= 2 && lower < upper
        })
        .filter_map(|(key, forms)| {
            // the most used form; of forms used as often, the first in code point order
            let form = forms
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))?;
            Some((key, form.0))
        })
        .collect();
    Written { names, forms }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_the_case_people_write_them_in() {
        let forms = written([
            "We met in Paris and the NHS helped. The market in Paris grew.",
            "Ask the NHS, not the Market. The market is open; a market day.",
        ])
        .forms;
        assert_eq!(forms.get("paris").map(String::as_str), Some("Paris"));
        assert_eq!(forms.get("nhs").map(String::as_str), Some("NHS"));
        // capitalised once mid-sentence, in lower case more often
        assert!(!forms.contains_key("market") && !forms.contains_key("the"));
    }

    #[test]
    fn people_addressed_or_titled_are_names() {
        let found = written([
            "Thank you, Margaret. Now the second question.",
            "Bola, anything from the passenger side?",
            "As Councillor Ana Ribeiro said, the buses were late.",
            "Thanks [name], that's helpful. (laughter)",
            "As Andrew and Craig said, we will see. Will it work?",
            "You will have to mark it. Mark it now, the buttons will glow.",
        ])
        .names;
        for n in [
            "margaret", "bola", "ana", "ribeiro", "name", "laughter", "andrew", "craig",
        ] {
            assert!(found.contains(n), "{n}: {found:?}");
        }
        // given names these texts write mostly as words
        for w in [
            "buses",
            "passenger",
            "second",
            "now",
            "thank",
            "will",
            "mark",
        ] {
            assert!(!found.contains(w), "{w}");
        }
    }
}
