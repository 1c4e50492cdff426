//! What tells a person's name from a word, shared by redaction at ingest and by the themes stage
//! (names never become labels or keywords): given names from the 1990 US Census list
//! (`data/first_names.txt`, public domain), words with where their sentence starts, and how often
//! a text writes each word in lower case or capitalised (a word written in lower case more than
//! capitalised is a word, not a name: "will", "bill", "park").

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

static GIVEN_NAMES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/first_names.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect()
});

/// Whether `w`, as written ("Janet"), is a given name of the list.
pub fn is_given_name(w: &str) -> bool {
    GIVEN_NAMES.contains(w)
}

/// A word of a text: letters, with inner apostrophes and hyphens ("O'Leary", "Ferris-Hay"); a
/// possessive's "s" is a word of its own ("Trump" "s").
#[derive(Debug)]
pub struct Word<'t> {
    pub text: &'t str,
    pub start: usize,
    pub end: usize,
    /// First of its text or after `.`, `!`, `?`, `:`, a line break, a quote or a bracket.
    pub sentence_start: bool,
}

pub fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut boundary = true;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        // an apostrophe or hyphen inside a word, but not a possessive's ("Trump's")
        let rest = &text[i + c.len_utf8()..];
        let possessive = matches!(c, '\'' | '’')
            && rest.starts_with(['s', 'S'])
            && !rest[1..].starts_with(char::is_alphabetic);
        let inner = matches!(c, '\'' | '’' | '-')
            && start.is_some()
            && !possessive
            && chars.peek().is_some_and(|(_, n)| n.is_alphabetic());
        if c.is_alphabetic() || inner {
            start.get_or_insert(i);
            continue;
        }
        if let Some(s) = start.take() {
            out.push(Word {
                text: &text[s..i],
                start: s,
                end: i,
                sentence_start: boundary,
            });
            boundary = false;
        }
        if matches!(c, '.' | '!' | '?' | ':' | '\n' | '"' | '“' | '(') {
            boundary = true;
        } else if !c.is_whitespace() && !matches!(c, ',' | ';' | '\'' | '’' | '-') {
            boundary = false;
        }
    }
    if let Some(s) = start {
        out.push(Word {
            text: &text[s..],
            start: s,
            end: text.len(),
            sentence_start: boundary,
        });
    }
    out
}

/// Part of an email address, a web address or a domain (`janet.smith@example.com`).
pub fn in_address(text: &str, w: &Word) -> bool {
    let before = text[..w.start].chars().next_back();
    let mut after = text[w.end..].chars();
    let next = after.next();
    matches!(before, Some('@' | '.' | '/' | '_'))
        || matches!(next, Some('@' | '_'))
        || (next == Some('.') && after.next().is_some_and(char::is_alphanumeric))
}

/// By lower-cased word: how many times texts wrote it starting in lower case, and capitalised
/// not at the start of a sentence (addresses left out).
#[derive(Debug, Default)]
pub struct Casing(HashMap<String, (u32, u32)>);

impl Casing {
    /// Counts the words of `text`; calls `capitalised` with each word written capitalised
    /// mid-sentence: its lower-cased key, and the word as written.
    pub fn add(&mut self, text: &str, mut capitalised: impl FnMut(&str, &str)) {
        for w in words(text) {
            if in_address(text, &w) {
                continue;
            }
            let first = w.text.chars().next().unwrap_or(' ');
            let key = w.text.to_lowercase();
            let upper = first.is_uppercase() && !w.sentence_start;
            if upper {
                capitalised(&key, w.text);
            }
            let e = self.0.entry(key).or_default();
            if first.is_lowercase() {
                e.0 += 1;
            } else if upper {
                e.1 += 1;
            }
        }
    }

    /// (lower-case uses, capitalised uses mid-sentence) of `word`.
    pub fn uses(&self, word: &str) -> (u32, u32) {
        self.0.get(&word.to_lowercase()).copied().unwrap_or((0, 0))
    }

    /// Written capitalised more often than not: a surname, not a word.
    pub fn name_like(&self, word: &str) -> bool {
        let (lower, upper) = self.uses(word);
        lower < upper.max(1)
    }

    /// A given name that these texts do not use mostly as a word ("Will", "May", "Art"): in
    /// lower case at most twice as often as capitalised, counting one of each beforehand (a
    /// name also met in lower case, in an address, stays a name).
    pub fn given_name_like(&self, word: &str) -> bool {
        let (lower, upper) = self.uses(word);
        lower < 2 * upper + 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_know_where_sentences_start() {
        let ws = words("Hello there. O'Leary-Smith's view: \"Yes\" (Maybe)");
        let got: Vec<(&str, bool)> = ws.iter().map(|w| (w.text, w.sentence_start)).collect();
        assert_eq!(
            got,
            [
                ("Hello", true),
                ("there", false),
                ("O'Leary-Smith", true),
                ("s", false),
                ("view", false),
                ("Yes", true),
                ("Maybe", true)
            ]
        );
    }

    #[test]
    fn casing_tells_words_from_names() {
        let mut c = Casing::default();
        for t in [
            "The bill will be paid, ask Andrew. It will do.",
            "We will see Andrew. Will he come?",
            "Mail andrew.b@example.org",
        ] {
            c.add(t, |_, _| {});
        }
        assert!(is_given_name("Andrew") && c.given_name_like("Andrew"));
        assert!(!c.given_name_like("Will"));
        assert!(!c.name_like("bill"));
    }
}
